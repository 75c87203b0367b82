/* The HTML report: one self-contained, printable page (no script, no external asset) with
 * the summary, targets and stage counts as inline SVG bar charts, the units, their findings.
 * Pipeline: batch merge (in order) -> td_report_unit ... td_report_finish -> FILE *. */
#include "report.h"

#include <string.h>

/* Writes s with & < > " ' escaped, so that data never becomes markup; invalid UTF-8 and
 * control characters other than tab and newline become U+FFFD. */
static void esc(FILE *out, const char *s)
{
    if (!s)
        return;
    size_t n = strlen(s);
    for (size_t i = 0; i < n;) {
        unsigned char ch = (unsigned char)s[i];
        switch (ch) {
        case '&': fputs("&amp;", out); i++; continue;
        case '<': fputs("&lt;", out); i++; continue;
        case '>': fputs("&gt;", out); i++; continue;
        case '"': fputs("&quot;", out); i++; continue;
        case '\'': fputs("&#39;", out); i++; continue;
        case '\t': case '\n': fputc(ch, out); i++; continue;
        default: break;
        }
        uint32_t cp;
        size_t len = td_utf8_seq(s + i, n - i, &cp);
        if (!len || cp < 0x20 || cp == 0x7F) {
            fputs("\xEF\xBF\xBD", out);
            i += len ? len : 1;
            continue;
        }
        fwrite(s + i, 1, len, out);
        i += len;
    }
}

/* At most `max` characters of s, with "…" when cut; into buf. */
static const char *cut(const char *s, size_t max, char *buf, size_t size)
{
    size_t i = 0, chars = 0;
    while (s[i] && chars < max && i + 8 < size) {
        i++;
        while (s[i] && ((unsigned char)s[i] & 0xC0) == 0x80)
            i++;
        chars++;
    }
    memcpy(buf, s, i);
    if (s[i]) {
        memcpy(buf + i, "\xE2\x80\xA6", 3);
        i += 3;
    }
    buf[i] = '\0';
    return buf;
}

static void vi_date(FILE *out, int32_t days)
{
    int32_t y;
    uint32_t m, d;
    td_civil_from_days(days, &y, &m, &d);
    fprintf(out, "%02u/%02u/%04d", d, m, (int)y);
}

static const char STYLE[] =
    "<style>\n"
    ":root{--ink:#1d2630;--muted:#5b6773;--line:#d9dee3;--ok:#2e7d32;--bad:#c62828;"
    "--warn:#8f5400;--info:#1565c0;--tally:#546e7a;--bg:#f5f7f9}\n"
    "*{box-sizing:border-box}\n"
    "body{margin:0;background:var(--bg);color:var(--ink);font:15px/1.5 'Segoe UI',Roboto,"
    "'Noto Sans',Arial,sans-serif}\n"
    "main{max-width:1080px;margin:0 auto;padding:24px 32px 48px;background:#fff}\n"
    "header{border-bottom:3px solid #a31515;padding-bottom:12px;margin-bottom:20px}\n"
    ".kicker{margin:0;color:#a31515;font-weight:600;text-transform:uppercase;"
    "letter-spacing:.04em;font-size:13px}\n"
    "h1{margin:4px 0;font-size:26px}h2{font-size:20px;margin:28px 0 10px;"
    "border-bottom:1px solid var(--line);padding-bottom:4px}\n"
    "h3{font-size:16px;margin:14px 0 2px}\n"
    ".plan-title{margin:0;font-size:17px}.meta{margin:2px 0;color:var(--muted);font-size:13px}\n"
    ".cards{display:flex;flex-wrap:wrap;gap:10px}\n"
    ".card{flex:1 1 120px;border:1px solid var(--line);border-radius:6px;padding:8px 12px}\n"
    ".card b{display:block;font-size:24px}.card span{color:var(--muted);font-size:13px}\n"
    ".card.ok b{color:var(--ok)}.card.bad b{color:var(--bad)}.card.warn b{color:var(--warn)}\n"
    ".target{margin-bottom:18px;break-inside:avoid}\n"
    "svg{display:block;max-width:100%;height:auto}\n"
    "svg text{font:12px 'Segoe UI',Roboto,'Noto Sans',Arial,sans-serif;fill:var(--ink)}\n"
    "svg .v{font-weight:600}\n"
    ".legend{font-size:12px;color:var(--muted);margin:4px 0 0}\n"
    ".sw{display:inline-block;width:10px;height:10px;margin:0 4px 0 10px;border-radius:2px}\n"
    "table{border-collapse:collapse;width:100%;font-size:13px}\n"
    "th,td{border-bottom:1px solid var(--line);padding:4px 6px;text-align:left;"
    "vertical-align:top}\n"
    "th{background:#eef1f4}tr{break-inside:avoid}td.n{text-align:right}\n"
    "table.tally{width:auto;min-width:60%;margin-bottom:16px}\n"
    ".pass{color:var(--ok);font-weight:600}.fail{color:var(--bad);font-weight:600}\n"
    "td.pass,td.fail{white-space:nowrap}td.loc{font-size:11px;word-break:break-all}\n"
    "td,th,h1,h3,.meta,.plan-title{overflow-wrap:anywhere}\n"
    "article{border:1px solid var(--line);border-left:4px solid var(--bad);border-radius:4px;"
    "padding:6px 12px;margin:10px 0;break-inside:avoid}\n"
    "article.passing{border-left-color:var(--warn)}\n"
    "article h3{margin:4px 0}ul{margin:6px 0;padding-left:0;list-style:none}\n"
    "li{margin:8px 0}\n"
    ".badge{display:inline-block;min-width:74px;text-align:center;border-radius:3px;"
    "color:#fff;font-size:12px;font-weight:600;padding:0 6px;margin-right:6px}\n"
    ".b-error{background:var(--bad)}.b-warning{background:var(--warn)}"
    ".b-info{background:var(--info)}\n"
    ".loc,.rule{font-family:Consolas,'DejaVu Sans Mono',monospace;font-size:12px;"
    "color:var(--muted)}\n"
    "pre{margin:4px 0 0;padding:4px 8px;background:#f3f4f6;border-radius:3px;font-size:12px;"
    "overflow-x:auto;white-space:pre}\n"
    ".hint{color:var(--muted);font-size:13px}\n"
    "footer{margin-top:32px;color:var(--muted);font-size:12px}\n"
    "@page{size:A4;margin:14mm}\n"
    "@media print{body{background:#fff;font-size:12px}main{padding:0;max-width:none}"
    "*{-webkit-print-color-adjust:exact;print-color-adjust:exact}a{color:inherit;"
    "text-decoration:none}h2{break-after:avoid}}\n"
    "</style>\n";

typedef struct html_state {
    FILE *rows;             /* owned spool: one table row per unit */
    FILE *findings;         /* owned spool: an article per unit with findings */
    size_t listed;          /* units with an article */
} html_state;

static td_status html_begin(td_report *r, void *state)
{
    (void)r;
    html_state *h = state;
    h->rows = td_report_spool();
    h->findings = td_report_spool();
    return h->rows && h->findings ? TD_OK : TD_EIO;
}

static const char *sev_vi(td_severity s)
{
    return s == TD_SEV_ERROR ? "Lỗi" : s == TD_SEV_WARNING ? "Cảnh báo" : "Thông tin";
}

/* The source line with a caret under the finding's column, as the text report shows it. */
static void html_source(FILE *out, const td_diagnostic *e)
{
    if (!e->source_line || !e->line)
        return;
    fprintf(out, "<pre>%5u | ", e->line);
    esc(out, e->source_line);
    fputs("\n      | ", out);
    const char *s = e->source_line;
    uint32_t col = 1;
    for (size_t i = 0; s[i] && col < e->col; i++) {
        if (((unsigned char)s[i] & 0xC0) == 0x80)
            continue;
        fputc(s[i] == '\t' ? '\t' : ' ', out);
        col++;
    }
    fputc('^', out);
    for (uint32_t k = 1; k < e->width && k < 200; k++)
        fputc('~', out);
    fputs("</pre>", out);
}

static void html_finding(FILE *out, const td_diagnostic *e)
{
    const char *sev = td_severity_name(e->sev);
    fprintf(out, "<li><span class=\"badge b-%s\">%s</span>", sev, sev_vi(e->sev));
    fputs("<span class=\"loc\">", out);
    esc(out, e->file);
    if (e->line)
        fprintf(out, ":%u:%u", e->line, e->col);
    fputs("</span><br>", out);
    esc(out, e->message);
    fputs(" <span class=\"rule\">[", out);
    esc(out, e->rule ? e->rule : e->code);
    if (e->cite && *e->cite) {
        fputs(", ", out);
        esc(out, e->cite);
    }
    fputs("]</span>", out);
    if (e->label && *e->label && (!e->message || strcmp(e->label, e->message) != 0)) {
        fputs("<div class=\"hint\">Tiêu chí: ", out);
        esc(out, e->label);
        fputs("</div>", out);
    }
    html_source(out, e);
    if (e->hint) {
        fputs("<div class=\"hint\">Gợi ý: ", out);
        esc(out, e->hint);
        fputs("</div>", out);
    }
    fputs("</li>\n", out);
}

static td_status html_unit(td_report *r, void *state, const td_unit_result *u)
{
    html_state *h = state;
    FILE *t = h->rows, *f = h->findings;
    bool fail = u->findings.errors > 0;
    bool listed = fail || u->findings.warnings > 0;
    fprintf(t, "<tr><td class=\"n\">%zu</td><td>", r->units);
    if (listed)
        fprintf(t, "<a href=\"#u%zu\">", r->units);
    esc(t, u->id ? u->id : "—");
    fputs(listed ? "</a></td><td>" : "</td><td>", t);
    esc(t, u->name);
    fputs("</td><td>", t);
    esc(t, td_report_enum_label(r->p->unit_level ? r->p->unit_level->type : NULL, u->level));
    fputs("</td><td>", t);
    esc(t, u->group);
    for (uint32_t i = 0; i < u->n_values; i++) {
        const td_type *ty = r->p->report_values[i]->type;
        fputs(ty->kind == TD_T_INT || ty->kind == TD_T_NUMBER ? "</td><td class=\"n\">"
                                                              : "</td><td>",
              t);
        esc(t, td_report_enum_label(ty, u->values[i]));
    }
    fputs("</td><td class=\"loc\">", t);
    esc(t, u->file);
    if (u->doc && u->line)
        fprintf(t, ":%u", u->line);
    fprintf(t, "</td><td class=\"%s\">%s</td><td class=\"n\">%zu</td><td class=\"n\">%zu</td>"
               "</tr>\n",
            fail ? "fail" : "pass", fail ? "Chưa đạt" : "Đạt", u->findings.errors,
            u->findings.warnings);
    if (!listed)
        return td_report_spool_ok(t) ? TD_OK : TD_EIO;
    h->listed++;
    fprintf(f, "<article id=\"u%zu\"%s><h3>", r->units, fail ? "" : " class=\"passing\"");
    char title[512];
    td_report_unit_title(u, title, sizeof title);
    esc(f, *title ? title : u->file);
    fputs("</h3><p class=\"meta\">", f);
    esc(f, u->file);
    if (u->doc && u->line)
        fprintf(f, ":%u", u->line);
    fprintf(f, " · %zu lỗi, %zu cảnh báo, %zu thông tin</p>\n<ul>\n", u->findings.errors,
            u->findings.warnings, u->findings.infos);
    for (size_t i = 0; i < u->findings.n; i++)
        html_finding(f, &u->findings.items[i]);
    fputs("</ul></article>\n", f);
    return td_report_spool_ok(t) && td_report_spool_ok(f) ? TD_OK : TD_EIO;
}

/* ---------- charts ---------- */

#define CH_W 760          /* viewBox width */
#define CH_LABEL 200      /* label column */
#define CH_BAR 400        /* bar area */
#define CH_ROW 26         /* row height */
#define ST_LABEL 400      /* stage charts: label column */
#define ST_BAR 300        /* stage charts: bar area */

static const char *row_color(const td_target_row *row)
{
    if (!row->has_required)
        return "#546e7a";
    if (row->met)
        return "#2e7d32";
    return row->severity == TD_SEV_ERROR ? "#c62828" : "#ef8f00";
}

/* One target: a bar per row (group), a dashed mark at the requirement. */
static void chart_target(FILE *out, const td_program *p, const td_batch *b, size_t first,
                         size_t n)
{
    double max = 0;
    for (size_t i = first; i < first + n; i++) {
        const td_target_row *row = &b->rows[i];
        if (row->actual > max)
            max = row->actual;
        if (row->has_required && row->required > max)
            max = row->required;
    }
    if (!(max > 0))
        max = 1;
    int h = (int)n * CH_ROW + 8;
    fprintf(out, "<svg viewBox=\"0 0 %d %d\" width=\"%d\" height=\"%d\" role=\"img\">\n", CH_W, h,
            CH_W, h);
    for (size_t i = 0; i < n; i++) {
        const td_target_row *row = &b->rows[first + i];
        int y = (int)i * CH_ROW + 4;
        double w = row->actual > 0 ? row->actual / max * CH_BAR : 0;
        char buf[160], a[40], q[40];
        const td_target *tg = &p->targets[row->target];
        const char *name = row->group ? td_report_enum_label(tg->by ? tg->by->type : NULL, row->group)
                                      : "Toàn hệ thống";
        fprintf(out, "<g><title>");
        esc(out, name);
        fprintf(out, ": %s", td_report_number(row->actual, a));
        if (row->has_required)
            fprintf(out, " / %s", td_report_number(row->required, q));
        fprintf(out, "</title>\n<text x=\"%d\" y=\"%d\" text-anchor=\"end\">", CH_LABEL - 8,
                y + 16);
        esc(out, cut(name, 28, buf, sizeof buf));
        fprintf(out, "</text>\n<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"18\" "
                     "fill=\"#eef1f4\"/>",
                CH_LABEL, y + 2, CH_BAR);
        fprintf(out, "<rect x=\"%d\" y=\"%d\" width=\"%.1f\" height=\"18\" fill=\"%s\"/>", CH_LABEL,
                y + 2, w, row_color(row));
        if (row->has_required) {
            double x = CH_LABEL + row->required / max * CH_BAR;
            fprintf(out, "<line x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" y2=\"%d\" stroke=\"#1d2630\" "
                         "stroke-width=\"2\" stroke-dasharray=\"3 2\"/>",
                    x, y, x, y + 22);
        }
        fprintf(out, "<text class=\"v\" x=\"%d\" y=\"%d\">%s", CH_LABEL + CH_BAR + 10, y + 16, a);
        if (row->has_required)
            fprintf(out, " / %s", q);
        if (row->has_percent)
            fprintf(out, " (%.1f%%)", td_report_percent(row->percent));
        if (row->has_required)
            fprintf(out, " · %s", row->met                        ? "đạt"
                                  : row->severity == TD_SEV_ERROR ? "chưa đạt"
                                                                  : "đang thực hiện");
        fputs("</text></g>\n", out);
    }
    fputs("</svg>\n", out);
}

static void target_heading(FILE *out, const td_target *t, const td_target_row *row, size_t n)
{
    fputs("<div class=\"target\"><h3>", out);
    esc(out, t->label ? t->label : t->id);
    fputs("</h3><p class=\"meta\"><span class=\"rule\">", out);
    esc(out, t->id);
    fputs("</span>", out);
    if (t->cite && *t->cite) {
        fputs(" · Căn cứ: mục ", out);
        esc(out, t->cite);
    }
    if (row->has_required) {
        char q[40];
        fprintf(out, " · Yêu cầu: ít nhất %s", td_report_number(row->required, q));
        if (n > 1 || row->group)
            fputs(" cho mỗi nhóm", out);
    }
    int32_t due;
    if (td_report_target_due(t, &due)) {
        fputs(" · Thời hạn: ", out);
        vi_date(out, due);
    }
    fputs("</p>\n", out);
}

/* Targets with a requirement as bar charts against it; then the tallies: single counts in
 * a table, counts by group as bar charts. */
static void html_targets(td_report *r, const td_batch *b)
{
    FILE *out = r->out;
    fputs("<section><h2>Chỉ tiêu</h2>\n", out);
    size_t required = 0, tallies = 0, single = 0;
    for (size_t i = 0; i < b->n_rows; i += td_report_rows_of(b, i)) {
        size_t n = td_report_rows_of(b, i);
        const td_target_row *row = &b->rows[i];
        if (!row->has_required) {
            tallies++;
            single += n == 1 && !row->group;
            continue;
        }
        required++;
        target_heading(out, &r->p->targets[row->target], row, n);
        chart_target(out, r->p, b, i, n);
        fputs("</div>\n", out);
    }
    if (!required)
        fputs("<p class=\"meta\">Bộ quy tắc không khai báo chỉ tiêu có mức yêu cầu.</p>\n", out);
    else
        fputs("<p class=\"legend\">Màu cột:<span class=\"sw\" style=\"background:#2e7d32\">"
              "</span>đạt<span class=\"sw\" style=\"background:#c62828\"></span>chưa đạt (đã "
              "đến hạn)<span class=\"sw\" style=\"background:#ef8f00\"></span>đang thực hiện "
              "(chưa đến hạn) · vạch đứt: mức yêu cầu</p>\n",
              out);
    fputs("</section>\n", out);
    if (!tallies)
        return;
    fputs("<section><h2>Số liệu thống kê</h2>\n", out);
    if (single) {
        fputs("<table class=\"tally\"><thead><tr><th>Nội dung</th><th>Mã</th><th>Căn cứ</th>"
              "<th>Số lượng</th></tr></thead><tbody>\n",
              out);
        for (size_t i = 0; i < b->n_rows; i += td_report_rows_of(b, i)) {
            const td_target_row *row = &b->rows[i];
            if (row->has_required || td_report_rows_of(b, i) != 1 || row->group)
                continue;
            const td_target *t = &r->p->targets[row->target];
            char a[40];
            fputs("<tr><td>", out);
            esc(out, t->label ? t->label : t->id);
            fputs("</td><td class=\"rule\">", out);
            esc(out, t->id);
            fputs("</td><td>", out);
            esc(out, t->cite);
            fprintf(out, "</td><td class=\"n\"><b>%s</b></td></tr>\n",
                    td_report_number(row->actual, a));
        }
        fputs("</tbody></table>\n", out);
    }
    for (size_t i = 0; i < b->n_rows; i += td_report_rows_of(b, i)) {
        size_t n = td_report_rows_of(b, i);
        const td_target_row *row = &b->rows[i];
        if (row->has_required || (n == 1 && !row->group))
            continue;
        target_heading(out, &r->p->targets[row->target], row, n);
        chart_target(out, r->p, b, i, n);
        fputs("</div>\n", out);
    }
    fputs("</section>\n", out);
}

static void html_stages(td_report *r, const td_batch *b)
{
    FILE *out = r->out;
    if (!r->p->n_workflows)
        return;
    fputs("<section><h2>Điển hình theo bước</h2>\n", out);
    uint32_t base = 0;
    for (uint32_t w = 0; w < r->p->n_workflows; w++) {
        const td_workflow *wf = &r->p->workflows[w];
        uint64_t max = 1;
        for (uint32_t k = 0; k <= wf->n_stages && base + k < b->n_stages; k++)
            if (b->stages[base + k] > max)
                max = b->stages[base + k];
        fputs("<div class=\"target\"><h3>", out);
        esc(out, wf->label ? wf->label : wf->id);
        fputs("</h3><p class=\"meta\"><span class=\"rule\">", out);
        esc(out, wf->id);
        fputs("</span>", out);
        if (wf->cite && *wf->cite) {
            fputs(" · Căn cứ: mục ", out);
            esc(out, wf->cite);
        }
        fputs(" · số điển hình theo bước đã thực hiện đến ngày tính số liệu</p>\n", out);
        int h = (int)(wf->n_stages + 1) * CH_ROW + 8;
        fprintf(out, "<svg viewBox=\"0 0 %d %d\" width=\"%d\" height=\"%d\" role=\"img\">\n", CH_W,
                h, CH_W, h);
        for (uint32_t k = 0; k <= wf->n_stages; k++) {
            uint64_t c = base + k < b->n_stages ? b->stages[base + k] : 0;
            int y = (int)k * CH_ROW + 4;
            char label[256], buf[160];
            if (k == 0)
                snprintf(label, sizeof label, "Chưa có bước nào");
            else
                td_report_stage_label(wf, k, label, sizeof label);
            fputs("<g><title>", out);
            esc(out, label);
            fprintf(out, ": %llu</title>\n<text x=\"%d\" y=\"%d\" text-anchor=\"end\">",
                    (unsigned long long)c, ST_LABEL - 8, y + 16);
            esc(out, cut(label, 60, buf, sizeof buf));
            double bw = (double)c / (double)max * ST_BAR;
            fprintf(out, "</text><rect x=\"%d\" y=\"%d\" width=\"%.1f\" height=\"18\" "
                         "fill=\"%s\"/><text class=\"v\" x=\"%.1f\" y=\"%d\">%llu</text></g>\n",
                    ST_LABEL, y + 2, bw, k == 0 ? "#90a4ae" : "#1565c0", ST_LABEL + bw + 6, y + 16,
                    (unsigned long long)c);
        }
        fputs("</svg></div>\n", out);
        base += wf->n_stages + 1;
    }
    fputs("</section>\n", out);
}

static void card(FILE *out, const char *cls, size_t v, const char *label)
{
    fprintf(out, "<div class=\"card %s\"><b>%zu</b><span>%s</span></div>\n", cls, v, label);
}

static td_status html_finish(td_report *r, void *state, const td_batch *b)
{
    html_state *h = state;
    FILE *out = r->out;
    const td_plan_info *pl = &r->p->plan;
    fputs("<!DOCTYPE html>\n<html lang=\"vi\">\n<head>\n<meta charset=\"utf-8\">\n"
          "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
          "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; "
          "style-src 'unsafe-inline'\">\n<title>Báo cáo thi đua ",
          out);
    esc(out, pl->number);
    fputs(" – ", out);
    vi_date(out, r->as_of);
    fputs("</title>\n", out);
    fputs(STYLE, out);
    fputs("</head>\n<body><main>\n<header><p class=\"kicker\">Báo cáo kết quả đánh giá thi đua"
          "</p>\n<h1>Kế hoạch ",
          out);
    esc(out, pl->number ? pl->number : "(không số)");
    fputs("</h1>\n", out);
    if (pl->title) {
        fputs("<p class=\"plan-title\">", out);
        esc(out, pl->title);
        fputs("</p>\n", out);
    }
    fputs("<p class=\"meta\">", out);
    if (pl->issuer) {
        esc(out, pl->issuer);
        fputs(" · ", out);
    }
    if (pl->has_period) {
        fputs("Thời gian thực hiện: ", out);
        vi_date(out, pl->period_from);
        fputs(" – ", out);
        vi_date(out, pl->period_to);
        fputs(" · ", out);
    }
    fputs("<b>Số liệu tính đến ngày ", out);
    vi_date(out, r->as_of);
    fputs("</b></p>\n</header>\n", out);

    const td_batch_summary *s = &b->sum;
    fputs("<section><h2>Tổng hợp</h2><div class=\"cards\">\n", out);
    card(out, "", s->units, "đơn vị được đánh giá");
    card(out, "ok", s->passed, "đơn vị đạt (không có lỗi)");
    card(out, s->failed ? "bad" : "ok", s->failed, "đơn vị chưa đạt");
    card(out, s->errors ? "bad" : "ok", s->errors, "lỗi");
    card(out, s->warnings ? "warn" : "ok", s->warnings, "cảnh báo");
    if (s->targets)
        fprintf(out, "<div class=\"card %s\"><b>%zu/%zu</b><span>chỉ tiêu đạt</span></div>\n",
                s->targets_met == s->targets ? "ok" : s->target_errors ? "bad" : "warn",
                s->targets_met, s->targets);
    fputs("</div></section>\n", out);

    html_targets(r, b);
    html_stages(r, b);

    fputs("<section><h2>Danh sách đơn vị</h2>\n<table><thead><tr><th>#</th><th>Mã</th>"
          "<th>Tên đơn vị</th><th>Cấp</th><th>Nhóm</th>", r->out);
    for (uint32_t i = 0; i < r->p->n_report_values; i++) {
        const td_define *def = r->p->report_values[i];
        fputs("<th>", r->out);
        esc(r->out, def->label ? def->label : def->name);
        fputs("</th>", r->out);
    }
    fputs("<th>Tệp</th><th>Kết quả</th>"
          "<th>Lỗi</th><th>Cảnh báo</th></tr></thead>\n<tbody>\n",
          out);
    if (!td_report_copy(h->rows, out))
        return TD_EIO;
    fputs("</tbody></table></section>\n", out);
    if (h->listed) {
        fputs("<section><h2>Các vấn đề cần khắc phục</h2>\n", out);
        if (!td_report_copy(h->findings, out))
            return TD_EIO;
        fputs("</section>\n", out);
    }
    fputs("<footer>Lập bằng thidua " TD_VERSION " · mỗi vấn đề ghi tệp:dòng:cột, mã quy tắc và "
          "mục của kế hoạch.</footer>\n</main></body>\n</html>\n",
          out);
    return TD_OK;
}

static void html_release(void *state)
{
    html_state *h = state;
    td_report_spool_close(h->rows);
    td_report_spool_close(h->findings);
}

const td_report_ops td_report_html_ops = {
    .name = "html",
    .state_size = sizeof(html_state),
    .begin = html_begin,
    .unit = html_unit,
    .finish = html_finish,
    .release = html_release,
};
