/* Resolve and compile: read rule files and their imports, apply overlays and -D, build the
 * schema, resolve every name against it, type every expression and lower it to slots.
 * Pipeline: td_ast (parse arena) -> td_program (program arena). */
#ifndef TD_RESOLVE_H
#define TD_RESOLVE_H

#include "program.h"

/* A rule text built into the library (tools/embed.sh writes the table). */
typedef struct td_builtin_file {
    const char *path;       /* as imports name it, relative to the repository: rules/... */
    const char *text;
    size_t len;
} td_builtin_file;

extern const td_builtin_file td_builtin_files[];
extern const size_t td_builtin_count;

/* td_program_compile_texts with fault injection, for tests: the program and parse arenas
 * each fail their `fail_after`-th allocation (0: never). */
td_status td_compile_with_faults(const td_rule_text *texts, size_t n_texts, int fail_after,
                                 td_diag *d, td_program **out);

/* Compiles the built-in rules (no -D) into a program whose arena is one zeroed chunk of
 * TD_IMAGE_CHUNK bytes, in d's language (not the declared one), for td_image_compile.
 * Otherwise as td_program_builtin. */
td_status td_compile_builtin_zeroed(td_diag *d, td_program **out);

/* Whether two compiled expressions compute the same thing in the same scope: the same
 * operations on the same fields, params and constants (their places in the rules aside).
 * A `let` is the same only as itself: lets belong to their rule. */
bool td_cexpr_same(const td_cexpr *a, const td_cexpr *b);

/* The entry file of the built-in rules. */
#define TD_BUILTIN_ENTRY "rules/ben-tre/chau-thanh.rules"

#endif
