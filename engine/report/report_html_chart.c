/* The HTML report's numbers and charts: Vietnamese number style, the burn-up chart of a
 * target (inline SVG), and bar tables in plain HTML whose labels wrap.
 * Pipeline: batch merge (in order) -> td_report_finish (report_html.c) -> these -> FILE *. */
#include "report_html.h"
#include "i18n.h"

#include <math.h>
#include <string.h>

void td_html_esc(FILE *out, const char *s)
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

void td_html_css_str(FILE *out, const char *s)
{
    if (!s)
        return;
    size_t n = strlen(s);
    for (size_t i = 0; i < n;) {
        unsigned char ch = (unsigned char)s[i];
        if (ch >= 0x80) {
            uint32_t cp;
            size_t len = td_utf8_seq(s + i, n - i, &cp);
            if (!len || (cp >= 0x80 && cp < 0xA0)) {
                fputs("\\fffd ", out);
                i += len ? len : 1;
            } else {
                fwrite(s + i, 1, len, out);
                i += len;
            }
            continue;
        }
        if ((ch >= '0' && ch <= '9') || (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
            ch == ' ')
            fputc(ch, out);
        else if (ch < 0x20 || ch == 0x7F)
            fputs("\\fffd ", out);
        else
            fprintf(out, "\\%x ", ch);
        i++;
    }
}

const char *td_html_number(td_lang lang, double v, int decimals, char buf[64])
{
    char group = lang == TD_LANG_VI ? '.' : ',', point = lang == TD_LANG_VI ? ',' : '.';
    if (!isfinite(v)) {
        strcpy(buf, "—");
        return buf;
    }
    char raw[48];
    if (decimals < 0 || fabs(v) >= 1e15)
        td_report_number(v, raw);
    else
        snprintf(raw, sizeof raw, "%.*f", decimals > 6 ? 6 : decimals,
                 td_report_round(v, (unsigned)decimals));
    if (strchr(raw, 'e')) { /* far beyond any count: as it is */
        strcpy(buf, raw);
        return buf;
    }
    const char *s = raw;
    char *o = buf;
    if (*s == '-')
        *o++ = *s++;
    size_t digits = strspn(s, "0123456789");
    for (size_t i = 0; i < digits; i++) {
        *o++ = s[i];
        if (i + 1 < digits && (digits - i - 1) % 3 == 0)
            *o++ = group;
    }
    s += digits;
    if (*s == '.') {
        *o++ = point;
        s++;
    }
    while (*s && o < buf + 63)
        *o++ = *s++;
    *o = '\0';
    return buf;
}

const char *td_html_percent(td_lang lang, double p, char buf[64])
{
    td_html_number(lang, td_report_percent(p), 1, buf);
    if (strcmp(buf, "—") != 0)
        strcat(buf, lang == TD_LANG_VI ? "\xC2\xA0%" : "%");
    return buf;
}

void td_html_date(td_lang lang, FILE *out, int32_t days)
{
    int32_t y;
    uint32_t m, d;
    td_civil_from_days(days, &y, &m, &d);
    if (lang == TD_LANG_VI)
        fprintf(out, "%02u/%02u/%04d", d, m, (int)y);
    else
        fprintf(out, "%04d-%02u-%02u", (int)y, m, d);
}

const char *td_html_row_status(td_lang lang, const td_target_row *row)
{
    if (!row->has_required)
        return NULL;
    if (row->met)
        return TR(lang, "met");
    return row->severity == TD_SEV_ERROR ? TR(lang, "not met") : TR(lang, "in progress");
}

const char *td_html_row_class(const td_target_row *row)
{
    if (!row->has_required)
        return "tally";
    if (row->met)
        return "met";
    return row->severity == TD_SEV_ERROR ? "missed" : "progress";
}

/* ---------- burn-up ---------- */

#define BU_W 320 /* viewBox */
#define BU_H 112
#define BU_L 30 /* room for the figures on the left */
#define BU_R 8
#define BU_T 16 /* room for the as-of date */
#define BU_B 18 /* room for the months */

/* The same row (target and group) at a date of the history, or NULL. */
static const td_target_row *row_at(const td_history_entry *h, const td_target_row *row)
{
    for (size_t i = 0; i < h->n_rows; i++) {
        const td_target_row *x = &h->rows[i];
        if (x->target != row->target)
            continue;
        if (!x->group && !row->group)
            return x;
        if (x->group && row->group && strcmp(x->group, row->group) == 0)
            return x;
    }
    return NULL;
}

typedef struct scale {
    double t0, t1, vmax;
} scale;

static double sx(const scale *s, int32_t t)
{
    return BU_L + ((double)t - s->t0) / (s->t1 - s->t0) * (BU_W - BU_L - BU_R);
}

static double sy(const scale *s, double v)
{
    return BU_T + (BU_H - BU_T - BU_B) * (1 - v / s->vmax);
}

static void month_label(td_lang lang, FILE *out, int32_t days)
{
    int32_t y;
    uint32_t m, d;
    td_civil_from_days(days, &y, &m, &d);
    if (lang == TD_LANG_VI)
        fprintf(out, "%02u/%04d", m, (int)y);
    else
        fprintf(out, "%04d-%02u", (int)y, m);
}

void td_html_burnup(FILE *out, const td_report *r, const td_batch *b, const td_target_row *row)
{
    const td_plan_info *pl = &r->p->plan;
    const td_target *tg = &r->p->targets[row->target];
    td_lang L = r->o.lang;
    int32_t due = 0;
    bool has_due = td_report_target_due(r, tg, &due);
    scale s;
    s.t0 = pl->has_period ? pl->period_from
           : b->n_history ? b->history[0].as_of - 30
                          : r->as_of - 365;
    double t1 = r->as_of;
    if (has_due && due > t1)
        t1 = due;
    if (pl->has_period && pl->period_to > t1)
        t1 = pl->period_to;
    s.t1 = t1 > s.t0 ? t1 : s.t0 + 1;
    double vmax = row->has_required ? row->required : 0;
    if (row->actual > vmax)
        vmax = row->actual;
    for (size_t k = 0; k < b->n_history; k++) {
        const td_target_row *x = row_at(&b->history[k], row);
        if (x && x->actual > vmax)
            vmax = x->actual;
    }
    s.vmax = vmax > 0 ? vmax * 1.08 : 1;
    const char *cls = td_html_row_class(row);
    char a[64], q[64];
    td_html_number(L, row->actual, -1, a);
    td_html_number(L, row->required, -1, q);

    fprintf(out, "<svg class=\"burnup\" viewBox=\"0 0 %d %d\" role=\"img\">", BU_W, BU_H);
    fputs("<title>", out);
    if (row->has_required)
        fprintf(out, TR(L, "Achieved %s of %s at "), a, q);
    else
        fprintf(out, TR(L, "Achieved %s at "), a);
    td_html_date(L, out, r->as_of);
    fputs("</title>\n", out);
    /* frame: the base line, the requirement's level, the figures */
    double y0 = sy(&s, 0), x0 = sx(&s, (int32_t)s.t0), xe = sx(&s, (int32_t)s.t1);
    fprintf(out, "<line class=\"ax\" x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\"/>", x0, y0,
            xe, y0);
    /* the figure 0 at the base, unless the requirement's figure would sit on it */
    if (!row->has_required || y0 - sy(&s, row->required) >= 11)
        fprintf(out, "<text class=\"yl\" x=\"%d\" y=\"%.1f\">0</text>", BU_L - 4, y0 + 3.5);
    if (row->has_required) {
        double yq = sy(&s, row->required);
        fprintf(out, "<line class=\"lvl\" x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\"/>", x0,
                yq, xe, yq);
        fprintf(out, "<text class=\"yl\" x=\"%d\" y=\"%.1f\">%s</text>", BU_L - 4, yq + 3.5, q);
        /* the straight line to the requirement at its due date */
        double xd = sx(&s, has_due ? due : (int32_t)s.t1);
        fprintf(out, "<line class=\"ideal\" x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\"/>", x0,
                y0, xd, yq);
    }
    /* months: the first and the last, and each January between */
    fprintf(out, "<text class=\"xl\" x=\"%.1f\" y=\"%d\" text-anchor=\"start\">", x0, BU_H - 4);
    month_label(L, out, (int32_t)s.t0);
    fputs("</text>", out);
    fprintf(out, "<text class=\"xl\" x=\"%.1f\" y=\"%d\" text-anchor=\"end\">", xe, BU_H - 4);
    month_label(L, out, (int32_t)s.t1);
    fputs("</text>", out);
    int32_t y;
    uint32_t m, d;
    td_civil_from_days((int32_t)s.t0, &y, &m, &d);
    for (int32_t yr = y + 1;; yr++) {
        int32_t jan = td_days_from_civil(yr, 1, 1);
        if (jan >= s.t1)
            break;
        double xj = sx(&s, jan);
        if (xj - x0 < 40 || xe - xj < 40)
            continue;
        fprintf(out, "<line class=\"tick\" x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\"/>"
                     "<text class=\"xl\" x=\"%.1f\" y=\"%d\" text-anchor=\"middle\">%d</text>",
                xj, y0, xj, y0 + 4, xj, BU_H - 4, (int)yr);
    }
    /* what was achieved, month by month, then at the as-of date */
    double xa = sx(&s, r->as_of), ya = sy(&s, row->actual);
    fprintf(out, "<polygon class=\"area %s\" points=\"", cls);
    bool first = true;
    double xfirst = xa;
    for (size_t k = 0; k < b->n_history; k++) {
        if (b->history[k].as_of < s.t0)
            continue;
        const td_target_row *x = row_at(&b->history[k], row);
        double xk = sx(&s, b->history[k].as_of);
        if (first) {
            xfirst = xk;
            first = false;
        }
        fprintf(out, "%.1f,%.1f ", xk, sy(&s, x ? x->actual : 0));
    }
    fprintf(out, "%.1f,%.1f %.1f,%.1f %.1f,%.1f\"/>", xa, ya, xa, y0, xfirst, y0);
    fprintf(out, "<polyline class=\"done %s\" points=\"", cls);
    for (size_t k = 0; k < b->n_history; k++) {
        if (b->history[k].as_of < s.t0)
            continue;
        const td_target_row *x = row_at(&b->history[k], row);
        fprintf(out, "%.1f,%.1f ", sx(&s, b->history[k].as_of), sy(&s, x ? x->actual : 0));
    }
    fprintf(out, "%.1f,%.1f\"/>", xa, ya);
    /* the as-of date */
    bool right = xa > (BU_L + BU_W) / 2.0;
    fprintf(out, "<line class=\"asof\" x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" y2=\"%.1f\"/>", xa,
            BU_T - 4, xa, y0);
    fprintf(out, "<text class=\"xl\" x=\"%.1f\" y=\"%d\" text-anchor=\"%s\">", right ? xa - 3 : xa + 3,
            BU_T - 5, right ? "end" : "start");
    td_html_date(L, out, r->as_of);
    fputs("</text>", out);
    fprintf(out, "<circle class=\"dot %s\" cx=\"%.1f\" cy=\"%.1f\" r=\"3.5\"/>", cls, xa, ya);
    fprintf(out, "<text class=\"vl\" x=\"%.1f\" y=\"%.1f\" text-anchor=\"%s\">%s</text>",
            right ? xa - 6 : xa + 6, ya > BU_T + 14 ? ya - 6 : ya + 14, right ? "end" : "start",
            a);
    fputs("</svg>\n", out);
}

/* ---------- bar tables ---------- */

void td_html_bar_row(td_lang L, FILE *out, const char *label, const char *cls, double value,
                     double max, const td_target_row *row)
{
    char a[64], q[64], pc[64];
    fprintf(out, "<tr class=\"%s\"><th>", cls);
    td_html_esc(out, label);
    fprintf(out, "</th><td class=\"bar\"><span class=\"track\"><span class=\"fill\" "
                 "style=\"width:%.1f%%\"></span>",
            max > 0 && value > 0 ? (value > max ? 100 : value / max * 100) : 0.0);
    if (row && row->has_required && max > 0)
        fprintf(out, "<span class=\"req\" style=\"left:%.1f%%\"></span>",
                row->required > max ? 100 : row->required / max * 100);
    fprintf(out, "</span></td><td class=\"v\"><b>%s</b>", td_html_number(L, value, -1, a));
    if (row && row->has_required) {
        fprintf(out, " / %s", td_html_number(L, row->required, -1, q));
        if (row->has_percent)
            fprintf(out, " · %s", td_html_percent(L, row->percent, pc));
        fprintf(out, " · <span class=\"st\">%s</span>", td_html_row_status(L, row));
    }
    fputs("</td></tr>\n", out);
}

void td_html_bars(FILE *out, const td_report *r, const td_batch *b, size_t first, size_t n)
{
    double max = 0;
    for (size_t i = first; i < first + n; i++) {
        const td_target_row *row = &b->rows[i];
        if (row->actual > max)
            max = row->actual;
        if (row->has_required && row->required > max)
            max = row->required;
    }
    fputs("<table class=\"bars\"><tbody>\n", out);
    for (size_t i = first; i < first + n; i++) {
        const td_target_row *row = &b->rows[i];
        const td_target *tg = &r->p->targets[row->target];
        const char *name = row->group
                               ? td_report_enum_label(tg->by ? tg->by->type : NULL, row->group)
                               : TR(r->o.lang, "Whole system");
        td_html_bar_row(r->o.lang, out, name, td_html_row_class(row), row->actual, max, row);
    }
    fputs("</tbody></table>\n", out);
}
