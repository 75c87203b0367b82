/* thidua: the public C API of the rules engine for emulation plans.
 * Compile rule files once into a program, then evaluate unit files against it. */
#ifndef THIDUA_H
#define THIDUA_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define TD_VERSION "0.1.0"

/* What a function reports: TD_EINPUT means "the input is wrong, diagnostics say why";
 * the other errors mean the tool could not do its job. */
typedef enum td_status {
    TD_OK = 0,
    TD_EINPUT,  /* diagnostics were reported for the input */
    TD_ENOMEM,  /* out of memory */
    TD_EIO,     /* a file could not be read or written (errno is kept) */
    TD_EBUG     /* an internal inconsistency */
} td_status;

typedef enum td_severity {
    TD_SEV_INFO = 0,
    TD_SEV_WARNING = 1,
    TD_SEV_ERROR = 2
} td_severity;

/* A compiled rule set: immutable, shareable by threads. */
typedef struct td_program td_program;
/* A list of diagnostics (engine/diag.h gives its fields). */
typedef struct td_diag td_diag;

/* Compiles rule files (the first is the entry; others are imported by it).
 * `defines` holds n_defines strings "name=value" overriding params (-D).
 * Diagnostics go to `d`. Caller owns *out (td_program_free).
 * TD_EINPUT when the rules have errors; TD_EIO when a file cannot be read. */
td_status td_program_compile(const char *const *files, size_t n_files,
                             const char *const *defines, size_t n_defines, td_diag *d,
                             td_program **out);

/* Compiles the shipped Châu Thành rules built into the library. */
td_status td_program_builtin(const char *const *defines, size_t n_defines, td_diag *d,
                             td_program **out);

void td_program_free(td_program *p);

#endif
