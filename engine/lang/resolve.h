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

/* The entry file of the built-in rules. */
#define TD_BUILTIN_ENTRY "rules/ben-tre/chau-thanh.rules"

#endif
