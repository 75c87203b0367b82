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

/* td_fmt, the entry point, is public (include/thidua.h); it refuses to reprint a clause
 * written twice or a path part with two [conditions] (TD_EINPUT), and checks that the new
 * text parses back to the same AST with the same comments (else TD_EBUG). */

#endif
