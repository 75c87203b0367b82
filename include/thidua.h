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

/* How a waiver (Decision 11) stands to a finding it names. */
typedef enum td_waiver_state {
    TD_WAIVER_NONE,         /* no waiver names this finding */
    TD_WAIVER_COVERS,       /* waived: counted apart, it fails nothing */
    TD_WAIVER_EXPIRED,      /* its waiver ended before the as-of date */
    TD_WAIVER_NOT_YET       /* its waiver is dated after the as-of date */
} td_waiver_state;

/* ---- languages (DESIGN.md Decision 13, docs/i18n.md) --------------------------------
 * Every word the engine writes exists in English and in Vietnamese. A td_diag, a batch and a
 * report each carry their language; TD_LANG_AUTO means the language the rules declare for
 * their users (`language "vi"` in the plan header), else English. */
typedef enum td_lang {
    TD_LANG_AUTO = 0,   /* the rules' declared language, else English */
    TD_LANG_EN,
    TD_LANG_VI
} td_lang;

/* A language from a name: "vi", "en", or a locale name such as "vi_VN.UTF-8";
 * TD_LANG_AUTO when the name is none of these. */
td_lang td_lang_parse(const char *name);
/* The first usable language of a colon-separated list, as gettext reads LANGUAGE
 * ("fr:vi:en" is Vietnamese); TD_LANG_AUTO when none is usable or list is NULL. */
td_lang td_lang_from_list(const char *list);
/* "vi" or "en" (TD_LANG_AUTO gives "en"). */
const char *td_lang_code(td_lang lang);
/* The translation of an English message into `lang` (static, never freed), or msgid itself
 * when `lang` is English or AUTO or the catalog has no translation. Thread-safe. */
const char *td_gettext(td_lang lang, const char *msgid);
/* The same for a message with a number: the form for n (English: msgid when n is 1). */
const char *td_ngettext(td_lang lang, const char *msgid, const char *plural, unsigned long n);
/* The reason of a system error (an errno value) in `lang`: the common reasons from the
 * catalog, the others in the system's words, written into buf (size bytes) when needed.
 * Thread-safe. */
const char *td_strerror(td_lang lang, int err, char *buf, size_t size);

/* A compiled rule set: immutable, shareable by threads. */
typedef struct td_program td_program;

/* ---- diagnostics ---------------------------------------------------------------------
 * Every stage appends what it finds (mistakes in rules, findings on unit data) to a
 * td_diag; nothing in the library prints or exits. Wherever a function takes a td_diag,
 * NULL is accepted and the diagnostics are dropped. */

/* A list of diagnostics, owned by one thread at a time. */
typedef struct td_diag td_diag;
/* One entry of a td_diag; read it with td_diagnostic_info. */
typedef struct td_diagnostic td_diagnostic;

/* A new empty list. Caller owns it (td_diag_delete). NULL when out of memory. */
td_diag *td_diag_new(void);
/* Frees the list and every entry; NULL is ignored. */
void td_diag_delete(td_diag *d);
/* Forgets every entry and a past allocation failure (keeps the buffer). */
void td_diag_clear(td_diag *d);
/* The language of the messages recorded from now on (a new list: TD_LANG_AUTO, which the
 * compilation of rules turns into the language they declare). Keeps the entries. */
void td_diag_set_lang(td_diag *d, td_lang lang);
td_lang td_diag_lang(const td_diag *d);

/* The number of entries, and of those of one severity. */
size_t td_diag_size(const td_diag *d);
size_t td_diag_count(const td_diag *d, td_severity sev);
/* True when an allocation failed while recording: some entry may be missing (TD_ENOMEM). */
bool td_diag_out_of_memory(const td_diag *d);

/* The i-th entry (borrowed, valid until the list changes), in insertion order or, after
 * td_diag_sort or td_diag_print, sorted; NULL when i is out of range. */
const td_diagnostic *td_diag_item(const td_diag *d, size_t i);

/* The fields of an entry, all borrowed from it. */
typedef struct td_diag_info {
    td_severity severity;
    const char *code;       /* stable machine code ("syntax", "data.type"...) */
    const char *file;       /* display path, or NULL when not tied to a file */
    uint32_t line, col;     /* 1-based; col counts UTF-8 characters; 0 = no location */
    const char *message;
    const char *hint;       /* or NULL */
    const char *rule;       /* rule id of a finding, or NULL */
    const char *cite;       /* clause of the plan, or NULL */
    const char *path;       /* data path such as "exemplars[1].steps[0]", or NULL */
    /* a finding that a waiver names (Decision 11): COVERS when it is waived (then it is
     * counted apart, not by its severity); NONE and the strings NULL when no waiver does */
    td_waiver_state waived;
    const char *waiver_reason, *waiver_approved_by, *waiver_document;
    const char *waiver_dated, *waiver_until; /* YYYY-MM-DD; until NULL when it has no end */
} td_diag_info;

void td_diagnostic_info(const td_diagnostic *e, td_diag_info *out);

/* Sorts by file name, line, column, then insertion order. */
void td_diag_sort(td_diag *d);

/* Sorts and renders every entry as FILE:LINE:COL: SEVERITY: MESSAGE [rule, clause] with
 * the source line and a caret, at most `max_errors` errors per file (0: no limit), then
 * "... and N more errors in FILE"; entries for which skip(arg, e) is true are left out
 * (skip may be NULL). `color` adds ANSI colours. */
void td_diag_print(td_diag *d, FILE *out, bool color, size_t max_errors,
                   bool (*skip)(void *arg, const td_diagnostic *e), void *arg);

/* Renders one entry: the header line, the source line with a caret, the hint. */
void td_diag_render(const td_diagnostic *e, FILE *out, bool color);

/* The candidate nearest to `name`, or NULL when none is near enough to suggest (for "did
 * you mean"). */
const char *td_suggest(const char *name, const char *const *candidates, size_t n);

/* ---- rules ---------------------------------------------------------------------------- */

/* A rule text held in memory. */
typedef struct td_rule_text {
    const char *name;       /* shown in messages; an import names it relative to the importer */
    const char *text;       /* borrowed; need not be NUL-terminated */
    size_t len;             /* bytes */
} td_rule_text;

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

/* Compiles rule texts held in memory; no file is read. texts[0] is the entry; an import
 * names another of the texts (its name, relative to the importing text's name as a path
 * would be) or, failing that, a file of the built-in rules (so an overlay held in memory
 * can import "chau-thanh.rules" beside a text named "rules/ben-tre/mine.rules").
 * Otherwise as td_program_compile; TD_EIO is never returned. */
td_status td_program_compile_texts(const td_rule_text *texts, size_t n_texts,
                                   const char *const *defines, size_t n_defines, td_diag *d,
                                   td_program **out);

void td_program_free(td_program *p);

/* ---- what a program holds (for `thidua check` and `thidua explain`) ------------------ */

typedef struct td_program_summary {
    unsigned criteria, targets, workflows, notes, params, records;
    unsigned disabled;      /* rules switched off by overlays */
} td_program_summary;

void td_program_counts(const td_program *p, td_program_summary *out);

/* The plan header of the rules; every string borrowed from the program, NULL when absent. */
typedef struct td_plan {
    const char *number, *title, *issuer, *issued;
    const char *const *implements;
    size_t n_implements;
    bool has_period;
    int32_t period_from, period_to; /* days since 1970-01-01 */
    const char *const *clauses;     /* the plan's outline: clause numbers in order, */
    const char *const *clause_titles; /* and their titles ("" when none) */
    size_t n_clauses;               /* 0 when the plan header declares no outline */
    const char *language;   /* the users' language the rules declare ("vi"), or NULL */
} td_plan;

void td_program_plan(const td_program *p, td_plan *out);

/* The condition of criterion `id` in plain words, in `lang` ("where ...: requires that
 * every item of “Sáng kiến” (initiatives) has: ..."), fields named by their labels; for a
 * criterion on several paths, that of the first. Caller frees; NULL when no criterion has
 * that id, or out of memory. */
char *td_plain_criterion(const td_program *p, const char *id, td_lang lang);
/* The language the rules declare for their users (TD_LANG_AUTO when they declare none). */
td_lang td_program_lang(const td_program *p);

/* The rule files the program was read from: the entry, its overlays and every import, as
 * paths that open them; none for the built-in rules or texts held in memory. The i-th is
 * borrowed from the program (NULL out of range). A command writing a file checks these,
 * so that it never writes over a file it read. */
size_t td_program_files(const td_program *p);
const char *td_program_file(const td_program *p, size_t i);

typedef enum td_item_kind {
    TD_ITEM_CRITERION, TD_ITEM_WORKFLOW, TD_ITEM_TARGET, TD_ITEM_PARAM, TD_ITEM_RECORD,
    TD_ITEM_NOTE, TD_ITEM_ENUM
} td_item_kind;

/* One declaration of the rules; strings borrowed from the program. */
typedef struct td_item {
    td_item_kind kind;
    const char *kind_name;  /* "criterion", "workflow", "target", "param", "record", "note",
                             * "enum" */
    const char *id;         /* a note's id, or "" for a note without one */
    const char *label;      /* "" when none */
    const char *cite;       /* the clause, or NULL (a param or a record may cite none) */
    const char *detail;     /* criterion: its severity; target: "requirement" or "tally";
                             * param: "overridden" or NULL; note: why it is not checked;
                             * otherwise NULL */
    bool overridden;        /* a param set by an overlay or -D */
    const char *file;       /* where it is declared, or NULL (a record of the schema) */
    uint32_t line;          /* 1-based line of the declaration, 0 with no file */
    uint32_t src, off;      /* source index and byte offset, for ordering */
    const char *source;     /* the declaration as written, from the start of its first line;
                             * not NUL-terminated; NULL with no file */
    size_t source_len;      /* bytes */
} td_item;

/* Criteria, workflows, targets, params, records, notes and enums, in that order, each in
 * the order of the rules. td_program_item is false when i is out of range. */
size_t td_program_items(const td_program *p);
bool td_program_item(const td_program *p, size_t i, td_item *out);

/* A rule that an overlay switched off (`disable ID because "..."`); strings borrowed from
 * the program. */
typedef struct td_disabled_info {
    const char *id;         /* the rule, or a workflow's check (exemplar.steps.future) */
    const char *because;    /* the reason written with it */
    const char *file;       /* the rule file of the `disable` */
    uint32_t line;          /* 1-based */
    const char *kind;       /* of what it switched off: "criterion", "target", "workflow",
                             * "index", "workflow check" or "note" */
    const char *label;      /* the label of the rule switched off, or NULL */
    const char *cite;       /* its clause, or NULL */
    const char *rule_file;  /* where the rule switched off is declared, or NULL */
    uint32_t rule_line;     /* 1-based */
} td_disabled_info;

/* The i-th rule switched off, in the order of the rules (td_program_counts gives how
 * many); false when i is out of range. */
bool td_program_disabled_rule(const td_program *p, size_t i, td_disabled_info *out);

/* A waiver of the rules (`waive RULE "UNIT" ... because "..." by "..." in "..." dated D
 * [until D]`, Decision 11); strings borrowed from the program. */
typedef struct td_waiver_info {
    const char *rule;       /* a criterion, index, workflow (each of its checks) or check */
    const char *unit;       /* the unit's id */
    const char *exemplar;   /* an exemplar's id, or NULL: the whole unit */
    const char *reason, *approved_by, *document;
    const char *dated;      /* YYYY-MM-DD */
    const char *until;      /* YYYY-MM-DD, or NULL: no end */
    const char *file;       /* the rule file of the `waive` */
    uint32_t line;          /* 1-based */
} td_waiver_info;

/* The waivers of the rules, in their order; td_program_waiver is false out of range. */
size_t td_program_waivers(const td_program *p);
bool td_program_waiver(const td_program *p, size_t i, td_waiver_info *out);

/* The value of the i-th item when it is a param, formatted ("100", "2025-12-31"; a param
 * with dated values: "60 until 2024-12-31, 80 from 2025-01-01", the words in `lang`, AUTO:
 * the rules' language), or the codes of an enum ("thanh_nien, phu_nu"). Caller owns the
 * result (free); NULL for another item or out of memory. */
char *td_program_item_value(const td_program *p, size_t i, td_lang lang);

/* What an overlay changed: the declaration that gave a rule, param, note, enum, record or
 * computed field its final form, and the one it changed. Strings borrowed. */
typedef struct td_change_info {
    const char *kind;       /* "criterion", "param", "note", "enum", "record", "define"... */
    const char *id;         /* its id or name */
    const char *how;        /* "replaced", "extended", "set", "tightened" */
    const char *file;       /* the changing declaration */
    uint32_t line;          /* 1-based */
    const char *was_file;   /* the declaration it changed, or NULL */
    uint32_t was_line;
} td_change_info;

/* The i-th change, in the order of the rules; false when i is out of range. */
bool td_program_change(const td_program *p, size_t i, td_change_info *out);

/* ---- the data contract, for the people who fill unit files in ------------------------
 * Written from the compiled schema and rules: every field with its label and type, the
 * rules that require it (and when), the allowed codes with their labels. */

/* The records of the schema (unit_info, plan, exemplar...): how many, and the i-th name
 * (borrowed from the program; NULL out of range). */
size_t td_program_records(const td_program *p);
const char *td_program_record(const td_program *p, size_t i);

/* The words of the three writers below (types, requirements, headings) are in `lang`;
 * TD_LANG_AUTO is the language the rules declare. Labels are the rules' own. */

/* Writes a JSON Schema (draft 2020-12) of one unit document: a definition per record and
 * enum, the rules' labels as titles, the fields a rule requires unconditionally as
 * `required`; unknown fields stay allowed (for thidua they are warnings). TD_EIO when a
 * write fails; TD_ENOMEM. */
td_status td_contract_schema(const td_program *p, td_lang lang, FILE *out);

/* Writes the fields of record `name`: where it appears in a unit file, then each field with
 * its type, label, the rules that require it and when, its codes with their labels and the
 * rules that read it. TD_EINPUT when no record has that name (nothing written); TD_EIO;
 * TD_ENOMEM. */
td_status td_contract_explain(const td_program *p, const char *name, td_lang lang, FILE *out);

/* What `thidua template` sets: "level=xa", "kind=mttq"... each an enum field of the unit
 * data (the nearest to the document with that name) and one of its codes. */
typedef struct td_template_opts {
    const char *const *set;
    size_t n_set;
    td_lang lang;           /* of the comments; TD_LANG_AUTO: the rules' language */
} td_template_opts;

/* Writes a commented blank unit file: every field of the schema with its label, type, the
 * rules that require it there (and when), its codes with their labels, and an example after
 * each empty value ("# e.g. 2024-01-01"); a record met a second time refers to the first.
 * Written as is it is not ready, and the findings say what to fill in; filled with the
 * examples it is ready under the rules it was written from. `o` may be NULL. TD_EINPUT when
 * a set field or code does not exist: *problem (caller frees) says why, nothing is written;
 * TD_EIO; TD_ENOMEM. */
td_status td_contract_template(const td_program *p, const td_template_opts *o, FILE *out,
                               char **problem);

/* ---- validating one unit's submission ------------------------------------------------
 * As `thidua validate` judges one file: every document of it is loaded, typed against the
 * rules' schema and evaluated at `as_of` (days since 1970-01-01); its findings are
 * appended to `d`, in order of document, line and column. A file that cannot be read or
 * parsed is a finding, as in a batch. No target of the district is checked.
 * TD_OK when no finding is an error; TD_EINPUT when one is; TD_ENOMEM; TD_EIO (errno set,
 * no finding) when `path` names nothing at all. */
td_status td_validate_file(const td_program *p, const char *path, int32_t as_of, td_diag *d);
/* The same on a text in memory (borrowed), shown in findings as `name`. */
td_status td_validate_text(const td_program *p, const char *name, const char *text,
                           size_t len, int32_t as_of, td_diag *d);

/* ---- batch and reports ---------------------------------------------------------------
 * A batch evaluates unit files against a program on N threads and keeps only aggregates
 * (targets, workflow stage counts, a summary); each unit's result is handed, in input
 * order, to a callback such as a report, then freed. engine/batch.h and engine/eval.h
 * give the fields of td_batch and td_unit_result. */

/* One unit document's result: findings, report fields, shares of the targets. */
typedef struct td_unit_result td_unit_result;
/* A batch run: its input files, target rows, stage counts and summary. */
typedef struct td_batch td_batch;

/* Receives each unit in input order (file order, then document order), on one thread at a
 * time (with jobs > 1, a worker's or, with fork_unit, a sink forked for one of the settle's
 * threads: see td_batch_opts). `u` is borrowed until the callback returns. A status other
 * than TD_OK stops the batch, and td_batch_run returns it. */
typedef td_status (*td_unit_fn)(void *arg, const td_unit_result *u);
/* Told after each file is merged; called on the thread that called td_batch_run. */
typedef void (*td_progress_fn)(void *arg, size_t files_done, size_t n_files, size_t units);
/* A sink of units made from the sink `arg` for a thread of the batch (td_batch_opts.fork_unit):
 * it is given to the on_unit callback as its `arg`, holds what the units it receives would
 * write until the batch takes it, and never receives the batch's first unit. A thread may
 * have a few (it resolves the next units into another while one waits for its turn), made
 * on that thread as needed. Sets *child to NULL when `arg` cannot be forked (the batch then
 * hands every unit to `arg`). */
typedef td_status (*td_fork_fn)(void *arg, void **child);
/* Moves what `child` holds to `arg`, after what `arg` has received, and empties it; called
 * by one thread at a time, in input order. */
typedef td_status (*td_take_fn)(void *arg, void *child);
/* Frees a sink made by a td_fork_fn. */
typedef void (*td_drop_fn)(void *child);

typedef struct td_batch_opts {
    int32_t as_of;              /* the evaluation date: days since 1970-01-01 */
    unsigned jobs;              /* worker threads; 0 or 1 evaluates on the calling thread */
    bool keep_units;            /* keep every unit's result in the batch (td_batch_unit) */
    bool ids_per_file;          /* unit ids unique within each file only (validate: every
                                 * file is a submission of its own) */
    int32_t today;              /* the day the program runs (days): an event dated after it
                                 * is an error; 0 when not known (no date judged against it) */
    bool history;               /* also compute the targets at every month end from the
                                 * plan's period start up to the as-of date, and the pace */
    td_unit_fn on_unit;         /* or NULL */
    void *arg;                  /* for on_unit */
    td_progress_fn on_progress; /* or NULL */
    void *progress_arg;
    const char *trace_rule;     /* a criterion, target or workflow id (or a workflow's check,
                                 * exemplar.steps.order) whose evaluation on each unit is
                                 * written to trace_out part by part, with the data each value
                                 * came from (thidua explain --unit); NULL for none. Jobs 1. */
    FILE *trace_out;
    td_lang lang;               /* of the findings; AUTO: the rules' language */
    /* With jobs > 1 and all three set, the units that wait for the whole batch (an index
     * across units, Decision 12) are finished on `jobs` threads: each thread hands its units
     * to a sink forked from `arg` and the batch takes them back in input order, so that what
     * `arg` receives is what one thread would give it. NULL: on the calling thread. */
    td_fork_fn fork_unit;
    td_take_fn take_unit;
    td_drop_fn drop_unit;
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

/* Whether `paths` name any unit file (directories searched as td_batch_run does): what
 * td_batch_count_files tells, without the walk of every file when a folder holds a unit file
 * itself (the batch walks it then). TD_ENOMEM only. */
td_status td_batch_any_files(const char *const *paths, size_t n_paths, bool *any);

/* The unit files the paths expanded to, in order, and the i-th (borrowed: valid until the
 * next call on the same batch, as the batch keeps its paths compactly and puts one together
 * when asked). */
size_t td_batch_files(const td_batch *b);
const char *td_batch_file(const td_batch *b, size_t i);

/* The number of units kept (keep_units), and the i-th (borrowed, owned by the batch). */
size_t td_batch_units(const td_batch *b);
const td_unit_result *td_batch_unit(const td_batch *b, size_t i);

/* A unit's findings (borrowed from it), in order of line and column. */
const td_diag *td_unit_findings(const td_unit_result *u);

/* What reports show of a unit; strings borrowed from it, NULL when the data lack them. */
typedef struct td_unit_info {
    const char *file;       /* display path */
    uint32_t doc;           /* 0-based document index in the file */
    uint32_t line;          /* line where the document starts */
    const char *id, *name, *level, *group;
} td_unit_info;

void td_unit_info_get(const td_unit_result *u, td_unit_info *out);

/* The findings of the batch's units of one severity. */
size_t td_batch_count(const td_batch *b, td_severity sev);

/* True when a unit has an error finding or, with `targets`, a target due at the as-of
 * date is not met: the exit status 1 of `thidua eval`. */
bool td_batch_failed(const td_batch *b, bool targets);

typedef enum td_report_format {
    TD_REPORT_TEXT, TD_REPORT_JSON, TD_REPORT_CSV, TD_REPORT_HTML, TD_REPORT_XLSX
} td_report_format;

/* The rows of a CSV report. */
typedef enum td_csv_rows {
    TD_CSV_FINDINGS,            /* one row per finding (the default) */
    TD_CSV_UNITS,               /* one row per unit */
    TD_CSV_TARGETS              /* one row per target entry, with its pace */
} td_csv_rows;

typedef struct td_report_opts {
    td_report_format format;
    bool validate;              /* validate's view: no targets; a "ready" line per unit */
    bool color;                 /* text: ANSI colours (the caller checks the terminal) */
    bool bom;                   /* csv: a UTF-8 byte-order mark first, for Excel */
    unsigned max_errors;        /* text: errors shown per file; 0 means 20 */
    bool quiet;                 /* text: the findings only, no verdicts, summary or tables */
    td_lang lang;               /* of headings and verdicts; AUTO: the rules' language */
    td_csv_rows csv_rows;       /* csv: what a row is */
    char csv_sep;               /* csv: the field separator; 0 means ','. With ';' (Excel
                                 * set to a Vietnamese list separator) decimals take a comma */
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

/* A report written by several threads of a batch (td_batch_opts.fork_unit, take_unit and
 * drop_unit): the units of a fork are written into memory, then moved to the report's output
 * after the units before them, so that the output is the same byte for byte. Only the formats
 * that write each unit on its own (json, csv) fork; others set *child to NULL. */
td_status td_report_fork(void *report, void **child);
td_status td_report_take(void *report, void *child);
void td_report_drop(void *child);

/* Writes what depends on the whole batch (summary, targets, stage counts) and flushes.
 * TD_EIO when any write failed. */
td_status td_report_finish(td_report *r, const td_batch *b);

void td_report_free(td_report *r);

/* ---- what a rule change does (thidua diff) ------------------------------------------ */

/* The files that the rule file `file` imports, as paths beside it, in order. Caller owns
 * *out: each string and the array (free). Syntax errors go to `d` (TD_EINPUT); TD_EIO when
 * the file cannot be read; TD_ENOMEM. */
td_status td_rules_imports(const char *file, td_diag *d, char ***out, size_t *n_out);

/* Writes what `new` changes against `old`, one line each: params old -> new, criteria,
 * workflows, targets and notes added, replaced (old and new declaration side by side) or
 * removed (disabled), enums extended, waivers granted; in `lang` (TD_LANG_AUTO: the
 * language `new` declares). *changes counts the lines. TD_ENOMEM. */
td_status td_diff_rules(const td_program *old, const td_program *new, td_lang lang, FILE *out,
                        size_t *changes);

/* Compares two runs of the same paths (keep_units, the same as-of date), `before` under
 * `old` and `after` under `new`: the units whose verdict flips, the findings that appear or
 * disappear, the target figures that change; as text in `lang` (TD_LANG_AUTO: the language
 * `new` declares; the findings' messages are those of the batches), or as JSON
 * ("thidua-diff/1": flips[] of {id, file, before, after}, units[] with their findings,
 * targets[], summary; the same in every language). *flips counts the verdicts that change.
 * TD_EIO when writing fails. */
td_status td_diff_batches(const td_program *old, const td_program *new, const td_batch *before,
                          const td_batch *after, td_lang lang, bool json, FILE *out,
                          size_t *flips);

/* What a batch saw of the i-th waiver of its program: the units with its unit id, the
 * findings it covered, those it names but does not cover (not in force at the as-of date).
 * False when i is out of range. A waiver whose unit is not in the batch, or that covers
 * nothing there, is what `thidua eval` warns about. */
typedef struct td_waiver_use_info {
    size_t units, covered, not_in_force;
    bool in_force;          /* dated on or before the as-of date, and not ended before it */
} td_waiver_use_info;

bool td_batch_waiver(const td_batch *b, size_t i, td_waiver_use_info *out);

/* Appends to `d` a warning, located at the `waive` in its rule file, for each waiver that
 * did nothing in the batch: not in force at the as-of date (ended, or dated after it), its
 * unit not in the batch, or no finding of that unit to cover. The same for any number of
 * jobs. TD_ENOMEM. */
td_status td_batch_waiver_warnings(const td_batch *b, td_diag *d);

/* Parses "--as-of" style dates: strict YYYY-MM-DD into days since 1970-01-01. */
bool td_date_parse(const char *text, int32_t *days);
/* Days since 1970-01-01 of a calendar date (proleptic Gregorian), and back to text. */
int32_t td_days_from_civil(int32_t y, uint32_t m, uint32_t d);
void td_format_date(int32_t days, char buf[11]);

/* ---- rule sources and the formatter ---------------------------------------------------- */

/* One input text (a rule file or a unit file) with its line table. */
typedef struct td_source td_source;

/* Creates a source from memory (copied). NULL when out of memory. Free with td_source_free. */
td_source *td_source_new(const char *name, const char *text, size_t len);
/* Reads a whole file; "-" reads standard input. TD_EIO (errno kept: EINVAL for something
 * that is not a regular file, EFBIG beyond 64 MiB) or TD_ENOMEM on failure. */
td_status td_source_read(const char *path, td_source **out);
void td_source_free(td_source *s);
/* The bytes of a source (borrowed, NUL-terminated); *len gets their number. */
const char *td_source_text(const td_source *s, size_t *len);

/* Reprints `src` (borrowed) in the standard layout (docs/fmt.md). On TD_OK, *out is the new
 * text, owned by the caller (free), NUL-terminated, *out_len bytes without the NUL.
 * TD_EINPUT: the file has syntax errors, or something fmt cannot reprint without losing
 * it; the diagnostics are in `d` and *out is NULL. TD_ENOMEM. TD_EBUG: the reprinted text
 * would not parse back to the same rules (a bug of fmt, reported in `d`); *out is NULL, so
 * that nothing is ever written from it. */
td_status td_fmt(const td_source *src, td_diag *d, char **out, size_t *out_len);

/* ---- rule tests (*.test.yaml, docs/rule-tests.md) ---------------------------------------- */

typedef struct td_rt_options {
    const char *rules;      /* entry rule file for test files that name none; NULL: built-in */
    bool verbose;           /* print passing cases too */
    bool coverage;          /* keep what the passing cases show of each rule */
    td_lang lang;           /* of the lines printed (problems: the td_diag's language);
                             * AUTO: the language each test file's rules declare */
} td_rt_options;

/* A runner of rule tests, counting the cases it ran. */
typedef struct td_ruletest td_ruletest;

/* Caller owns *out (td_ruletest_free); `o` is copied. TD_ENOMEM only. */
td_status td_ruletest_new(const td_rt_options *o, td_ruletest **out);
void td_ruletest_free(td_ruletest *t);

/* Runs every case of the test file `path`. A failing case prints to `out`:
 *   FAIL FILE:LINE: NAME
 *     - expected RULE (...)
 *     + unexpected RULE (severity, line N, path P): MESSAGE
 * and, with verbose, a passing one prints "ok FILE:LINE: NAME" (the words in the options'
 * language; a case is judged with the engine's messages in English, so that what `message:`
 * matches does not depend on the reader's language). Problems that keep a case
 * or the file from running (a malformed test file, an edit that does not fit the unit,
 * rules that do not compile) are diagnostics in `d`, located in the test file.
 * TD_OK when every case ran; TD_EINPUT when some problem was recorded; TD_ENOMEM. */
td_status td_ruletest_run_file(td_ruletest *t, const char *path, FILE *out, td_diag *d);

/* With coverage on, prints the coverage of every rule set the tests ran on: each criterion
 * and workflow check with the passing cases in which it fails and passes, each target with
 * the cases in which the unit counts toward it, each clause with its rules. *missing is the
 * number of criteria and workflow checks that no passing case shows failing. */
void td_ruletest_coverage(const td_ruletest *t, FILE *out, size_t *missing);

/* Cases run so far by this runner. */
void td_ruletest_counts(const td_ruletest *t, size_t *passed, size_t *failed);

/* Collects the test files named by `paths`: a file is taken as given; a directory is
 * searched recursively for files named *.test.yaml (hidden entries skipped). The list is
 * sorted and has no repeats. Caller owns *out (td_ruletest_free_files). A path that cannot
 * be read is a diagnostic in `d` (TD_EIO); TD_ENOMEM. */
td_status td_ruletest_find(const char *const *paths, size_t n_paths, td_diag *d, char ***out,
                           size_t *n_out);
void td_ruletest_free_files(char **files, size_t n);

#endif
