/* The CSV report: one row per finding, RFC 4180 (CRLF, quoted fields), optionally with a
 * UTF-8 byte-order mark so that Excel reads Vietnamese correctly.
 * Pipeline: batch merge (in order) -> td_report_unit ... td_report_finish -> FILE *. */
#include "report.h"

#include <string.h>

#include "waiver.h"

/* Writes one field: quoted when it holds a comma, quote, CR or LF (quotes doubled).
 * A text that a spreadsheet would run as a formula (=, +, -, @ first) gets a leading
 * apostrophe, so that opening a report never executes data. Invalid UTF-8 becomes U+FFFD. */
static void field(FILE *out, const char *s, bool first)
{
    if (!first)
        fputc(',', out);
    if (!s || !*s)
        return;
    bool formula = strchr("=+-@\t\r", s[0]) != NULL;
    bool quote = formula || strpbrk(s, ",\"\r\n") != NULL;
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

static void number(FILE *out, uint32_t v)
{
    if (v)
        fprintf(out, ",%u", v);
    else
        fputc(',', out);
}

static td_status csv_begin(td_report *r, void *state)
{
    (void)state;
    if (r->o.bom)
        fputs("\xEF\xBB\xBF", r->out);
    fputs("file,line,column,unit_id,unit_name,rule,cite,severity,message,path,waiver,"
          "waiver_reason,waiver_approved_by,waiver_document,waiver_dated,waiver_until\r\n",
          r->out);
    return TD_OK;
}

static td_status csv_unit(td_report *r, void *state, const td_unit_result *u)
{
    (void)state;
    FILE *out = r->out;
    for (size_t i = 0; i < u->findings.n; i++) {
        const td_diagnostic *e = &u->findings.items[i];
        field(out, e->file ? e->file : u->file, true);
        number(out, e->line);
        number(out, e->line ? e->col : 0);
        field(out, u->id, false);
        field(out, u->name, false);
        field(out, e->rule ? e->rule : e->code, false);
        field(out, e->cite, false);
        bool waived = e->waived == TD_WAIVER_COVERS;
        field(out, waived ? "waived" : td_severity_name(e->sev), false);
        field(out, e->message, false);
        field(out, e->path, false);
        /* Decision 11: the waiver that covers the finding, or that has ended or is not yet
         * in force (then the severity stays the rule's) */
        const td_waiver *w = e->waiver;
        field(out, !w ? NULL : waived ? "waived" : e->waived == TD_WAIVER_EXPIRED ? "ended"
                                                                                   : "not_yet",
              false);
        field(out, w ? w->reason : NULL, false);
        field(out, w ? w->approved_by : NULL, false);
        field(out, w ? w->document : NULL, false);
        field(out, w ? w->dated : NULL, false);
        field(out, w ? w->until : NULL, false);
        fputs("\r\n", out);
    }
    return TD_OK;
}

const td_report_ops td_report_csv_ops = {
    .name = "csv",
    .begin = csv_begin,
    .unit = csv_unit,
};
