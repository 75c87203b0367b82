/* The declared range of a param (`param x = 5 ... range 0 .. 1000`), checked by resolve when a
 * `param`, a `set` or a -D gives the param a value. Pipeline: resolve. */
#ifndef TD_PARAM_RANGE_H
#define TD_PARAM_RANGE_H

#include <stdbool.h>
#include <stddef.h>

#include "diag.h"
#include "program.h"

/* True when a bound of that kind suits a param of type t (numbers for int and number, dates
 * for dates, months for months; no range for text or yes/no). */
bool td_range_bound_fits(const td_type *t, const td_value *bound);

/* False when the declared lower bound is above the upper one. */
bool td_range_ordered(const td_param *prm);

/* True when v is within prm's range (always, when it declares none). v has the param's type. */
bool td_param_in_range(const td_param *prm, const td_value *v);

/* A value as the rules write it (100, 2.5, 2025-12-31, 2025-05) into buf. */
void td_range_value_text(const td_value *v, char *buf, size_t n);

/* Sets x's hint to the values prm allows and where its range is declared (decl_src: the
 * source of prm->range): "write WHAT from 0 to 1000: ...", WHAT in d's language ("a whole
 * number"), or NULL for "a value". Nothing when prm declares no range. */
void td_range_hint(td_diag *d, td_diagnostic *x, const td_param *prm, const td_source *decl_src,
                   const char *what);

/* Records "VALUE is out of the range of param NAME" at `at` in src, or, for a -D option
 * (define: its text, e.g. "district_total=-5") with no location and the code of -D's usage
 * errors ("define", exit 2); the hint says which values are allowed. Returns the diagnostic (NULL when out of memory). */
td_diagnostic *td_range_refuse(td_diag *d, const td_param *prm, const td_value *v,
                               const td_source *src, td_span at, const char *define,
                               const td_source *decl_src);

#endif
