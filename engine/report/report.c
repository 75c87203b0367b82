/* Reports: opens a report in the format asked for and dispatches each step to that format's
 * operations; the formats themselves are report_<name>.c. `finish` and `release` may be NULL.
 * Pipeline: batch merge (in order) -> td_report_unit ... td_report_finish -> FILE *. */
#include "report.h"

#include <stdlib.h>
#include <string.h>

#include "pages.h"

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

/* The output of a fork: the bytes its stream wrote, in memory until td_report_take. In pages
 * of its own (engine/pages.h), grown in place: a run of units writes about half a megabyte,
 * and a buffer of the heap grown by realloc was copied at each doubling into fresh memory,
 * each page of which is a page fault (about 1,000 more a run of -j 2 on o10k). */
typedef struct held_out {
    char *p;                /* owned (td_pages) */
    size_t n, cap;
    bool oom;
} held_out;

static ssize_t held_write(void *cookie, const char *buf, size_t n)
{
    held_out *h = cookie;
    if (!td_pages_grow((void **)&h->p, &h->cap, h->n + n, 1)) {
        h->oom = true;
        return 0;
    }
    memcpy(h->p + h->n, buf, n);
    h->n += n;
    return (ssize_t)n;
}

td_status td_report_fork(void *report, void **child)
{
    td_report *r = report;
    *child = NULL;
    if (!r->ops->forkable)
        return TD_OK;
    td_report *c = calloc(1, sizeof *c);
    if (!c)
        return TD_ENOMEM;
    c->o = r->o;
    c->p = r->p;
    c->as_of = r->as_of;
    c->ops = r->ops;
    c->units = 1; /* never the report's first unit (td_fork_fn) */
    c->held = calloc(1, sizeof *c->held);
    c->state = calloc(1, r->ops->state_size ? r->ops->state_size : 1);
    if (c->held && c->state)
        c->out = fopencookie(c->held, "w", (cookie_io_functions_t){.write = held_write});
    if (!c->out) {
        td_report_drop(c);
        return TD_ENOMEM;
    }
    *child = c;
    return TD_OK;
}

td_status td_report_take(void *report, void *child)
{
    td_report *r = report, *c = child;
    td_status st = TD_OK;
    if (fflush(c->out) != 0 || c->held->oom)
        st = TD_ENOMEM;
    else if (c->io_error || ferror(c->out))
        st = TD_EIO;
    flockfile(r->out);
    if (st == TD_OK && c->held->n && fwrite(c->held->p, 1, c->held->n, r->out) != c->held->n)
        st = TD_EIO;
    if (st == TD_OK && (r->io_error || ferror(r->out)))
        st = TD_EIO;
    funlockfile(r->out);
    r->units += c->units - 1;
    c->units = 1;
    c->held->n = 0;
    return st;
}

void td_report_drop(void *child)
{
    td_report *c = child;
    if (!c)
        return;
    if (c->out)
        fclose(c->out);
    if (c->held)
        td_pages_free(c->held->p, c->held->cap, 1);
    free(c->held);
    free(c->state);
    free(c);
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
