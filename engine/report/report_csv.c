/* The CSV report: one row per finding (the default), per unit, or per target entry with its
 * pace; RFC 4180 (CRLF, quoted fields), with a comma, a semicolon or a tab between fields,
 * optionally with a UTF-8 byte-order mark so that Excel reads Vietnamese correctly.
 * Pipeline: batch merge (in order) -> td_report_unit ... td_report_finish -> FILE *. */
#include "report.h"

#include <math.h>
#include <string.h>

#include "waiver.h"

static char sep_of(const td_report *r)
{
    return r->o.csv_sep ? r->o.csv_sep : ',';
}

/* Writes one field: quoted when it holds the separator, a quote, CR or LF (quotes doubled).
 * A text that a spreadsheet would run as a formula (=, +, -, @ first) gets a leading
 * apostrophe, so that opening a report never executes data. Invalid UTF-8 becomes U+FFFD. */
static void field(const td_report *r, const char *s, bool first)
{
    FILE *out = r->out;
    char sep = sep_of(r);
    if (!first)
        fputc(sep, out);
    if (!s || !*s)
        return;
    bool formula = strchr("=+-@\t\r", s[0]) != NULL;
    bool quote = formula || strpbrk(s, "\"\r\n") != NULL || strchr(s, sep) != NULL;
    if (quote)
        fputc('"', out);
    if (formula)
        fputc('\'', out);
    size_t n = strlen(s);
    for (size_t i = 0; i < n;) {
        uint32_t cp;
        size_t len = td_utf8_seq(s + i, n - i, &cp);
        if (!len) {
            fputs("\xEF\xBF\xBD", out);
            i++;
            continue;
        }
        if (s[i] == '"')
            fputc('"', out);
        fwrite(s + i, 1, len, out);
        i += len;
    }
    if (quote)
        fputc('"', out);
}

/* A positive count, or an empty field for 0 (a line or column that is not known). */
static void count(const td_report *r, uint32_t v)
{
    if (v)
        fprintf(r->out, "%c%u", sep_of(r), v);
    else
        fputc(sep_of(r), r->out);
}

/* A number as a field: a decimal comma when fields are separated by ';' (the spreadsheet
 * then reads numbers the Vietnamese way); decimals rounded to `decimals`. */
static void num(const td_report *r, double v, unsigned decimals)
{
    char buf[48];
    fputc(sep_of(r), r->out);
    if (!isfinite(v))
        return;
    char *s = (char *)td_report_num_text(v, decimals, false, buf);
    if (sep_of(r) == ';')
        for (char *p = strchr(s, '.'); p; p = strchr(p, '.'))
            *p = ',';
    fputs(s, r->out);
}

/* The heading row: names separated as the fields are. */
static void heading(const td_report *r, const char *const *names, size_t n)
{
    for (size_t i = 0; i < n; i++)
        field(r, names[i], i == 0);
}

static const char *const FINDING_HEAD[] = {
    "file",   "line",          "column",             "unit_id",         "unit_name",
    "rule",   "cite",          "severity",           "message",         "path",
    "waiver", "waiver_reason", "waiver_approved_by", "waiver_document", "waiver_dated",
    "waiver_until"};
static const char *const UNIT_HEAD[] = {"file", "document", "line", "unit_id", "unit_name",
                                        "level", "group"};
static const char *const UNIT_TAIL[] = {"status", "errors", "warnings", "infos", "waived"};
static const char *const TARGET_HEAD[] = {
    "target", "label", "cite", "group", "actual", "required", "percent", "status", "due",
    "needed", "months_left", "needed_per_month", "recent_months", "recent_per_month",
    "on_pace", "pace"};

static td_status csv_begin(td_report *r, void *state)
{
    (void)state;
    if (r->o.bom)
        fputs("\xEF\xBB\xBF", r->out);
    switch (r->o.csv_rows) {
    case TD_CSV_UNITS:
        heading(r, UNIT_HEAD, sizeof UNIT_HEAD / sizeof UNIT_HEAD[0]);
        for (uint32_t i = 0; i < r->p->n_report_values; i++)
            field(r, r->p->report_values[i]->name, false);
        for (size_t i = 0; i < sizeof UNIT_TAIL / sizeof UNIT_TAIL[0]; i++)
            field(r, UNIT_TAIL[i], false);
        break;
    case TD_CSV_TARGETS: heading(r, TARGET_HEAD, sizeof TARGET_HEAD / sizeof TARGET_HEAD[0]); break;
    case TD_CSV_FINDINGS:
    default: heading(r, FINDING_HEAD, sizeof FINDING_HEAD / sizeof FINDING_HEAD[0]); break;
    }
    fputs("\r\n", r->out);
    return TD_OK;
}

static void unit_row(td_report *r, const td_unit_result *u)
{
    field(r, u->file, true);
    count(r, u->doc + 1);
    count(r, u->line);
    field(r, u->id, false);
    field(r, u->name, false);
    field(r, u->level, false);
    field(r, u->group, false);
    for (uint32_t i = 0; i < r->p->n_report_values; i++)
        field(r, i < u->n_values ? u->values[i] : NULL, false);
    field(r, td_unit_status(u), false);
    fprintf(r->out, "%c%zu%c%zu%c%zu%c%zu\r\n", sep_of(r), u->findings.errors, sep_of(r),
            u->findings.warnings, sep_of(r), u->findings.infos, sep_of(r), u->findings.waived);
}

static td_status csv_unit(td_report *r, void *state, const td_unit_result *u)
{
    (void)state;
    if (r->o.csv_rows == TD_CSV_UNITS) {
        unit_row(r, u);
        return TD_OK;
    }
    if (r->o.csv_rows != TD_CSV_FINDINGS)
        return TD_OK;
    for (size_t i = 0; i < u->findings.n; i++) {
        const td_diagnostic *e = &u->findings.items[i];
        field(r, e->file ? e->file : u->file, true);
        count(r, e->line);
        count(r, e->line ? e->col : 0);
        field(r, u->id, false);
        field(r, u->name, false);
        field(r, e->rule ? e->rule : e->code, false);
        field(r, e->cite, false);
        bool waived = e->waived == TD_WAIVER_COVERS;
        field(r, waived ? "waived" : e->pending ? "progress" : td_severity_name(e->sev), false);
        field(r, e->message, false);
        field(r, e->path, false);
        /* Decision 11: the waiver that covers the finding, or that has ended or is not yet
         * in force (then the severity stays the rule's) */
        const td_waiver *w = e->waiver;
        field(r, !w ? NULL : waived ? "waived" : e->waived == TD_WAIVER_EXPIRED ? "ended"
                                                                                 : "not_yet",
              false);
        field(r, w ? w->reason : NULL, false);
        field(r, w ? w->approved_by : NULL, false);
        field(r, w ? w->document : NULL, false);
        field(r, w ? w->dated : NULL, false);
        field(r, w ? w->until : NULL, false);
        fputs("\r\n", r->out);
    }
    return TD_OK;
}

/* One row per target entry (validate has none): the figures of `targets[]` in the JSON
 * report, then the pace of a requirement not yet due. */
static td_status csv_finish(td_report *r, void *state, const td_batch *b)
{
    (void)state;
    if (r->o.csv_rows != TD_CSV_TARGETS || r->o.validate)
        return TD_OK;
    char sep = sep_of(r);
    for (size_t i = 0; i < b->n_rows; i++) {
        const td_target_row *row = &b->rows[i];
        const td_target *t = &r->p->targets[row->target];
        field(r, t->id, true);
        field(r, t->label, false);
        field(r, t->cite, false);
        field(r, row->group, false);
        num(r, row->actual, 6);
        if (row->has_required)
            num(r, row->required, 6);
        else
            fputc(sep, r->out);
        if (row->has_percent)
            num(r, td_report_percent(row->percent), 1);
        else
            fputc(sep, r->out);
        field(r, td_report_row_status(row), false);
        int32_t due;
        char d[11] = "";
        if (td_report_target_due(r, t, &due))
            td_format_date(due, d);
        field(r, d, false);
        if (row->has_pace) {
            num(r, row->pace_needed, 6);
            count(r, row->pace_months);
            num(r, row->pace_per_month, 2);
            if (row->has_recent) {
                count(r, row->recent_months);
                num(r, row->recent_per_month, 2);
            } else {
                fprintf(r->out, "%c%c", sep, sep);
            }
            field(r, row->on_pace ? "true" : "false", false);
            char pace[256];
            field(r, td_report_pace_text(row, r->o.lang, pace, sizeof pace), false);
        } else {
            for (int k = 0; k < 7; k++)
                fputc(sep, r->out);
        }
        fputs("\r\n", r->out);
    }
    return TD_OK;
}

const td_report_ops td_report_csv_ops = {
    .name = "csv",
    .begin = csv_begin,
    .forkable = true,
    .unit = csv_unit,
    .finish = csv_finish,
};
