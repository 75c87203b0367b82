/* The formatter: reprints a rule file in the standard layout (docs/fmt.md), keeping every
 * comment. Pipeline: rule text -> parse (syntax only, nothing resolved) -> td_ast -> fmt ->
 * rule text. Used by `thidua fmt`. */
#ifndef TD_FMT_H
#define TD_FMT_H

#include <stdbool.h>
#include <stddef.h>

#include "ast.h"
#include "diag.h"

/* Lines are joined up to this many characters (UTF-8 characters, indentation included). */
#define TD_FMT_WIDTH 100

/* Reprints `src` (borrowed) in the standard layout. On TD_OK, *out is the new text, owned
 * by the caller (free), NUL-terminated, *out_len bytes without the NUL.
 * TD_EINPUT: the file has syntax errors, or something fmt cannot reprint without losing
 * it (a clause written twice, a path part with two [conditions]); the diagnostics are in
 * `d` and *out is NULL. TD_ENOMEM. TD_EBUG: the reprinted text would not parse back to the
 * same AST with the same comments (a bug of fmt, reported in `d`); *out is NULL, so that
 * nothing is ever written from it. */
td_status td_fmt(const td_source *src, td_diag *d, char **out, size_t *out_len);

/* Whether two ASTs say the same thing: the same declarations, clauses, names, literals and
 * expression trees, ignoring spans, source indexes and comments. Both are borrowed. */
bool td_fmt_ast_equal(const td_ast *a, const td_ast *b);

#endif
