/* Reports: opens a report in the format asked for and dispatches each step to that format's
 * operations; the formats themselves are report_<name>.c. `finish` and `release` may be NULL.
 * Pipeline: batch merge (in order) -> td_report_unit ... td_report_finish -> FILE *. */
#include "report.h"

#include <stdlib.h>

/* The formats, by td_report_format. */
static const td_report_ops *const FORMATS[] = {
    [TD_REPORT_TEXT] = &td_report_text_ops,
    [TD_REPORT_JSON] = &td_report_json_ops,
    [TD_REPORT_CSV] = &td_report_csv_ops,
    [TD_REPORT_HTML] = &td_report_html_ops,
    [TD_REPORT_XLSX] = &td_report_xlsx_ops,
};

td_status td_report_open(const td_program *p, int32_t as_of, const td_report_opts *o,
                         FILE *out, td_report **rp)
{
    *rp = NULL;
    if ((size_t)o->format >= sizeof FORMATS / sizeof FORMATS[0] || !FORMATS[o->format])
        return TD_EBUG;
    td_report *r = calloc(1, sizeof *r);
    if (!r)
        return TD_ENOMEM;
    r->o = *o;
    if (r->o.lang == TD_LANG_AUTO)
        r->o.lang = p->plan.lang != TD_LANG_AUTO ? p->plan.lang : TD_LANG_EN;
    if (!r->o.max_errors)
        r->o.max_errors = 20;
    r->p = p;
    r->as_of = as_of;
    r->out = out;
    r->ops = FORMATS[o->format];
    r->state = calloc(1, r->ops->state_size ? r->ops->state_size : 1);
    if (!r->state) {
        free(r);
        return TD_ENOMEM;
    }
    td_status st = r->ops->begin(r, r->state);
    if (st == TD_OK && ferror(out))
        st = TD_EIO;
    if (st != TD_OK) {
        td_report_free(r);
        return st;
    }
    *rp = r;
    return TD_OK;
}

td_status td_report_unit(void *report, const td_unit_result *u)
{
    td_report *r = report;
    r->units++;
    /* the stream locked once for the unit's many writes: once a batch has started threads,
     * each stdio call locks it otherwise, an atomic operation (lever 14) */
    flockfile(r->out);
    td_status st = r->ops->unit(r, r->state, u);
    if (st == TD_OK && (r->io_error || ferror(r->out)))
        st = TD_EIO;
    funlockfile(r->out);
    return st;
}

td_status td_report_finish(td_report *r, const td_batch *b)
{
    flockfile(r->out);
    td_status st = r->ops->finish ? r->ops->finish(r, r->state, b) : TD_OK;
    if (fflush(r->out) != 0 || ferror(r->out) || r->io_error)
        st = st == TD_OK ? TD_EIO : st;
    funlockfile(r->out);
    return st;
}

void td_report_free(td_report *r)
{
    if (!r)
        return;
    if (r->ops->release)
        r->ops->release(r->state);
    free(r->state);
    free(r);
}
