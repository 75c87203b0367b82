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

/* ---- batch and reports ---------------------------------------------------------------
 * A batch evaluates unit files against a program on N threads and keeps only aggregates
 * (targets, workflow stage counts, a summary); each unit's result is handed, in input
 * order, to a callback such as a report, then freed. engine/batch.h and engine/eval.h
 * give the fields of td_batch and td_unit_result. */

/* One unit document's result: findings, report fields, shares of the targets. */
typedef struct td_unit_result td_unit_result;
/* A batch run: its input files, target rows, stage counts and summary. */
typedef struct td_batch td_batch;

/* Receives each unit in input order (file order, then document order), on the thread that
 * called td_batch_run. `u` is borrowed until the callback returns. A status other than
 * TD_OK stops the batch, and td_batch_run returns it. */
typedef td_status (*td_unit_fn)(void *arg, const td_unit_result *u);
/* Told after each file is merged; called on the thread that called td_batch_run. */
typedef void (*td_progress_fn)(void *arg, size_t files_done, size_t n_files, size_t units);

typedef struct td_batch_opts {
    int32_t as_of;              /* the evaluation date: days since 1970-01-01 */
    unsigned jobs;              /* worker threads; 0 or 1 evaluates on the calling thread */
    bool keep_units;            /* keep every unit's result in the batch (td_batch_unit) */
    bool ids_per_file;          /* unit ids unique within each file only (validate: every
                                 * file is a submission of its own) */
    td_unit_fn on_unit;         /* or NULL */
    void *arg;                  /* for on_unit */
    td_progress_fn on_progress; /* or NULL */
    void *progress_arg;
} td_batch_opts;

/* Evaluates every unit document of `paths` against `p` (borrowed; must outlive the batch).
 * A path is a file, a directory (searched recursively for *.yaml and *.yml, entries whose
 * name starts with '.' skipped, sorted byte-wise) or "-" for standard input. A file that
 * cannot be read or parsed becomes a result holding its finding, and the batch goes on.
 * Output does not depend on `jobs`. Caller owns *out (td_batch_free), set even on error.
 * TD_ENOMEM; TD_EBUG; or what on_unit returned (such as TD_EIO from a report). */
td_status td_batch_run(const td_program *p, const char *const *paths, size_t n_paths,
                       const td_batch_opts *opts, td_batch **out);

/* As td_batch_run, for one unit file held in memory: `text` (len bytes, borrowed, copied)
 * is read as the file `name` (shown in findings; nothing is read from the file system).
 * For a server or an editor that has the file's text and no file. */
td_status td_batch_run_text(const td_program *p, const char *name, const char *text, size_t len,
                            const td_batch_opts *opts, td_batch **out);

void td_batch_free(td_batch *b);

/* How many unit files `paths` name (directories searched as td_batch_run does), so that a
 * command can refuse an empty folder before it writes anything. TD_ENOMEM only. */
td_status td_batch_count_files(const char *const *paths, size_t n_paths, size_t *n_files);

/* The unit files the paths expanded to, in order, and the i-th (borrowed). */
size_t td_batch_files(const td_batch *b);
const char *td_batch_file(const td_batch *b, size_t i);

/* The number of units kept (keep_units), and the i-th (borrowed, owned by the batch). */
size_t td_batch_units(const td_batch *b);
const td_unit_result *td_batch_unit(const td_batch *b, size_t i);

/* True when a unit has an error finding or, with `targets`, a target due at the as-of
 * date is not met: the exit status 1 of `thidua eval`. */
bool td_batch_failed(const td_batch *b, bool targets);

typedef enum td_report_format {
    TD_REPORT_TEXT, TD_REPORT_JSON, TD_REPORT_CSV, TD_REPORT_HTML
} td_report_format;

typedef struct td_report_opts {
    td_report_format format;
    bool validate;              /* validate's view: no targets; a "ready" line per unit */
    bool color;                 /* text: ANSI colours (the caller checks the terminal) */
    bool bom;                   /* csv: a UTF-8 byte-order mark first, for Excel */
    unsigned max_errors;        /* text: errors shown per file; 0 means 20 */
} td_report_opts;

/* A report being written while a batch runs: open, one td_report_unit per unit (in input
 * order), then td_report_finish with the batch's aggregates. */
typedef struct td_report td_report;

/* Starts a report on `out` (borrowed; the caller closes it). `p` is borrowed.
 * Caller owns *r (td_report_free). TD_ENOMEM, or TD_EIO when a scratch file fails. */
td_status td_report_open(const td_program *p, int32_t as_of, const td_report_opts *o,
                         FILE *out, td_report **r);

/* Adds one unit. `report` is a td_report; the signature is a td_unit_fn, so it can be
 * given to td_batch_opts.on_unit. TD_EIO when the output fails; TD_ENOMEM. */
td_status td_report_unit(void *report, const td_unit_result *u);

/* Writes what depends on the whole batch (summary, targets, stage counts) and flushes.
 * TD_EIO when any write failed. */
td_status td_report_finish(td_report *r, const td_batch *b);

void td_report_free(td_report *r);

/* Parses "--as-of" style dates: strict YYYY-MM-DD into days since 1970-01-01. */
bool td_date_parse(const char *text, int32_t *days);

#endif
