/* The declared range of a param (`range 0 .. 1000`): is a value within it, and the error that
 * says which values are allowed. Used by resolve for `param`, `set` and -D. */
#include "param_range.h"

#include <inttypes.h>
#include <stdio.h>

#include "i18n.h"

/* -1, 0, 1: a before, equal to, after b; both numbers (int or not), dates or months. */
static int cmp(const td_value *a, const td_value *b)
{
    if ((a->kind == TD_V_INT || a->kind == TD_V_NUM) && (b->kind == TD_V_INT || b->kind == TD_V_NUM)) {
        if (a->kind == TD_V_INT && b->kind == TD_V_INT)
            return (a->u.i > b->u.i) - (a->u.i < b->u.i);
        double x = a->kind == TD_V_INT ? (double)a->u.i : a->u.num;
        double y = b->kind == TD_V_INT ? (double)b->u.i : b->u.num;
        return (x > y) - (x < y);
    }
    if (a->kind == TD_V_DATE && b->kind == TD_V_DATE)
        return (a->u.days > b->u.days) - (a->u.days < b->u.days);
    if (a->kind == TD_V_MONTH && b->kind == TD_V_MONTH)
        return (a->u.month > b->u.month) - (a->u.month < b->u.month);
    return 0;
}

bool td_range_bound_fits(const td_type *t, const td_value *bound)
{
    switch (t ? t->kind : TD_T_TEXT) {
    case TD_T_INT:
    case TD_T_NUMBER: return bound->kind == TD_V_INT || bound->kind == TD_V_NUM;
    case TD_T_DATE: return bound->kind == TD_V_DATE;
    case TD_T_MONTH: return bound->kind == TD_V_MONTH;
    default: return false;
    }
}

bool td_range_ordered(const td_param *prm)
{
    return prm->lo.kind == TD_V_ABSENT || prm->hi.kind == TD_V_ABSENT ||
           cmp(&prm->lo, &prm->hi) <= 0;
}

bool td_param_in_range(const td_param *prm, const td_value *v)
{
    if (prm->lo.kind != TD_V_ABSENT && cmp(v, &prm->lo) < 0)
        return false;
    if (prm->hi.kind != TD_V_ABSENT && cmp(v, &prm->hi) > 0)
        return false;
    return true;
}

void td_range_value_text(const td_value *v, char *buf, size_t n)
{
    switch (v->kind) {
    case TD_V_INT: snprintf(buf, n, "%" PRId64, v->u.i); break;
    case TD_V_NUM: snprintf(buf, n, "%g", v->u.num); break;
    case TD_V_DATE: {
        char d[16];
        td_format_date(v->u.days, d);
        snprintf(buf, n, "%s", d);
        break;
    }
    case TD_V_MONTH: {
        char m[8];
        td_format_month(v->u.month, m);
        snprintf(buf, n, "%s", m);
        break;
    }
    case TD_V_BOOL: snprintf(buf, n, "%s", v->u.b ? "true" : "false"); break;
    case TD_V_TEXT: snprintf(buf, n, "\"%.*s\"", (int)v->u.text.len, v->u.text.s); break;
    default: snprintf(buf, n, "?"); break;
    }
}

void td_range_hint(td_diag *d, td_diagnostic *x, const td_param *prm, const td_source *decl_src,
                   const char *what)
{
    if (!x || (prm->lo.kind == TD_V_ABSENT && prm->hi.kind == TD_V_ABSENT))
        return;
    char lo[64], hi[64];
    uint32_t line = 0, col = 0;
    if (decl_src)
        td_source_linecol(decl_src, prm->range.off, &line, &col);
    const char *file = decl_src ? decl_src->name : "?";
    if (!what)
        what = td_gettext(d->lang, N_("a value"));
    td_range_value_text(&prm->lo, lo, sizeof lo);
    td_range_value_text(&prm->hi, hi, sizeof hi);
    /* TRANSLATORS: the first %s is "a value", "a whole number", "a date"...; the range was
     * declared in the rules as `range LOW .. HIGH` at FILE:LINE:COL */
    if (prm->lo.kind != TD_V_ABSENT && prm->hi.kind != TD_V_ABSENT)
        td_diag_set(d, &x->hint, N_("write %s from %s to %s: the range that param '%s' "
                                    "declares at %s:%u:%u"), what, lo, hi, prm->name, file, line,
                    col);
    else if (prm->lo.kind != TD_V_ABSENT)
        td_diag_set(d, &x->hint, N_("write %s of %s or more: the range that param '%s' "
                                    "declares at %s:%u:%u"), what, lo, prm->name, file, line, col);
    else
        td_diag_set(d, &x->hint, N_("write %s of %s or less: the range that param '%s' "
                                    "declares at %s:%u:%u"), what, hi, prm->name, file, line, col);
}

td_diagnostic *td_range_refuse(td_diag *d, const td_param *prm, const td_value *v,
                               const td_source *src, td_span at, const char *define,
                               const td_source *decl_src)
{
    char val[64];
    td_range_value_text(v, val, sizeof val);
    td_diagnostic *x;
    if (define)
        x = td_diag_at(d, TD_SEV_ERROR, TD_CODE_DEFINE, NULL, 0, 0,
                       "-D %s: %s is out of the range of param '%s'", define, val, prm->name);
    else
        x = td_diag_at(d, TD_SEV_ERROR, TD_CODE_PARAM_RANGE, src, at.off, at.len,
                       "%s is out of the range of param '%s'", val, prm->name);
    td_range_hint(d, x, prm, decl_src, NULL);
    return x;
}
