/* Labels that insert params ("Cấp xã xây dựng {commune_tier_total} “điển hình”"), and the
 * value of a param at an as-of date. Pipeline: resolve compiles each label of a rule into
 * the program arena (label.c); eval and the reports render a dated one at their as-of date. */
#ifndef TD_LABEL_H
#define TD_LABEL_H

#include "ast.h"
#include "program.h"

/* The label `s` as the program keeps it: each `{param}` (or `{param:02}`, a whole number
 * written with at least 2 digits) replaced by the param's value, with the value in force
 * last when the param has dated values; in that case the label is also kept as a template
 * in p->labels, so that td_label_at gives it at any as-of date. A brace that names no param
 * is an error (code "label-param"), with the rule id and clause `rule`/`cite` (or NULL);
 * the label is then kept as written. NULL when s has no text; arena(program). */
const char *td_label_compile(td_program *p, td_diag *d, const td_str *s, const char *rule,
                             const char *cite);

/* The label `s` (a pointer the program holds: a rule's, a stage's...) at date `as_of`: `s`
 * itself unless it names a dated param, else rendered into buf (cut at a character when
 * it does not fit). */
const char *td_label_at(const td_program *p, const char *s, int32_t as_of, char *buf,
                        size_t size);

/* The value of param `prm` in force at `as_of`, and in *from / *until (either may be NULL)
 * the first and last day it is in force (INT32_MIN / INT32_MAX when open). */
const td_value *td_param_at(const td_param *prm, int32_t as_of, int32_t *from, int32_t *until);

#endif
