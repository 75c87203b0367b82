/* Reports: opens a report in the format asked for and dispatches each step to that format's
 * operations; the formats themselves are report_<name>.c. `finish` and `release` may be NULL.
 * Pipeline: batch merge (in order) -> td_report_unit ... td_report_finish -> FILE *. */
#include "report.h"

#include <stdlib.h>
#include <string.h>

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

/* The output of a fork: the bytes its stream wrote, in memory until td_report_take, in
 * blocks of HELD_BLOCK bytes from the heap, kept from one take to the next. Why blocks, and
 * the heap: a run of units writes about half a megabyte; a buffer grown by realloc was copied
 * at each doubling into fresh memory, and pages of its own (mmap) were fresh memory too, each
 * page a page fault (about 20 us here); blocks of the heap are never copied, and on a thread
 * that took over a finished worker's malloc arena they are memory that worker freed
 * (docs/performance.md, levers 20.4 and 24). */
#define HELD_BLOCK ((size_t)64 << 10) /* below glibc's mmap threshold: the arena's memory */

typedef struct held_out {
    char **block;           /* owned, each HELD_BLOCK bytes */
    size_t n_blocks, cap_blocks;
    size_t n;               /* bytes held */
    bool oom;
} held_out;

static ssize_t held_write(void *cookie, const char *buf, size_t n)
{
    held_out *h = cookie;
    for (size_t done = 0; done < n;) {
        size_t b = h->n / HELD_BLOCK, at = h->n % HELD_BLOCK;
        if (b == h->n_blocks) {
            if (b == h->cap_blocks) {
                size_t cap = h->cap_blocks ? h->cap_blocks * 2 : 16;
                char **g = realloc(h->block, cap * sizeof *g);
                if (!g) {
                    h->oom = true;
                    return 0;
                }
                h->block = g;
                h->cap_blocks = cap;
            }
            if (!(h->block[b] = malloc(HELD_BLOCK))) {
                h->oom = true;
                return 0;
            }
            h->n_blocks++;
        }
        size_t k = n - done < HELD_BLOCK - at ? n - done : HELD_BLOCK - at;
        memcpy(h->block[b] + at, buf + done, k);
        h->n += k;
        done += k;
    }
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
    for (size_t at = 0; st == TD_OK && at < c->held->n; at += HELD_BLOCK) {
        size_t k = c->held->n - at < HELD_BLOCK ? c->held->n - at : HELD_BLOCK;
        if (fwrite(c->held->block[at / HELD_BLOCK], 1, k, r->out) != k)
            st = TD_EIO;
    }
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
    for (size_t i = 0; c->held && i < c->held->n_blocks; i++)
        free(c->held->block[i]);
    if (c->held)
        free(c->held->block);
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
