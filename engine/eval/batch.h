/* Batch evaluation: expand paths into unit files, evaluate them on worker threads, merge
 * the results in input order into targets, stage counts and a summary.
 * Pipeline: files -> load -> eval (per worker) -> merge (in order) -> report. */
#ifndef TD_BATCH_H
#define TD_BATCH_H

#include "eval.h"
#include "walk.h"

/* One row of a target in a report: the target as a whole, or one of its groups. */
typedef struct td_target_row {
    uint32_t target;        /* index in program->targets */
    const char *group;      /* owned by the batch; NULL when the target is not grouped */
    double actual;          /* the count or sum over the batch */
    bool has_required;      /* false for a tally (no `at least`) */
    double required;
    bool met;               /* actual >= required; true for a tally */
    td_severity severity;   /* of an unmet target: error when due at the as-of date, else info */
    bool has_percent;       /* required > 0 */
    double percent;         /* 100 * actual / required */
    /* pace (as-of rows only): a requirement whose due date is after the as-of date */
    bool has_pace;
    double pace_needed;     /* still needed: required - actual, or 0 */
    uint32_t pace_months;   /* months left until the due date (at least 1) */
    double pace_per_month;  /* pace_needed / pace_months */
    bool has_recent;        /* the history reaches back at least one month */
    uint32_t recent_months; /* the last three months, or fewer when the period is younger */
    double recent_per_month; /* what those months gave, per month */
    bool on_pace;           /* nothing needed, or recent_per_month >= pace_per_month */
} td_target_row;

/* The target rows at one earlier date of the month-by-month history. */
typedef struct td_history_entry {
    int32_t as_of;          /* days: the end of a month */
    td_target_row *rows;    /* owned: as td_batch.rows, at that date (no pace) */
    size_t n_rows, cap_rows;
    uint32_t *group_slots;  /* owned, merge only */
    size_t group_mask;
    uint32_t *gid_row;      /* owned, merge only: per group number (td_batch.gid_slots), its
                             * index + 1 in rows, 0 when it has none yet */
    size_t cap_gid_row;
} td_history_entry;

typedef struct td_batch_summary {
    size_t units;           /* unit documents, and files that yielded none (unreadable...) */
    size_t passed, failed;  /* units without / with an error finding */
    size_t errors, warnings, infos; /* findings of the units */
    size_t waived;          /* findings a waiver covers (counted in none of the above) */
    size_t targets;         /* rows with a requirement */
    size_t targets_met;
    size_t target_errors;   /* unmet rows due at the as-of date */
    size_t target_infos;    /* unmet rows not due yet */
} td_batch_summary;


/* How the walk found one input of the batch: a file to read, or what keeps it from being
 * read (then a finding naming it stands for its units). */
typedef struct td_batch_input {
    td_walk_kind kind;      /* TD_WALK_FILE: read it */
    int err;                /* errno, for TD_WALK_BROKEN and TD_WALK_DIR_ERROR */
} td_batch_input;

/* The unit files of a batch (engine/eval/batch.c): each path as its folder, stored once in
 * `text`, and its entry there (how the walk found it, then its name). Once all are known and
 * in order they are packed (td_paths_pack): an entry then keeps only what its name does not
 * share with the name before it, and the records are per block of 16 files. */
typedef struct td_path_rec {
    uint32_t dir, entry;    /* offsets in td_paths.text */
} td_path_rec;

typedef struct td_paths {
    char *text;             /* owned (engine/pages.h) */
    size_t len, cap;
    td_path_rec *recs;      /* owned (engine/pages.h): per file, in order (packed: per block,
                             * its first file's) */
    size_t n, cap_recs;     /* n: files */
    uint32_t *dirs;         /* owned: the folders stored, as offset + 1 (open addressing);
                             * NULL once packed */
    size_t dir_mask, n_dirs;
    bool packed;
} td_paths;

/* Packs the paths, all added and in order: 5 bytes or so a file in a folder of similar names
 * (23 before). They are then read only (several threads may). False when out of memory. */
bool td_paths_pack(td_paths *ps);

/* How the walk found input i. */
td_batch_input td_paths_input(const td_paths *ps, size_t i);
/* The path of input i, put together in *buf (grown as needed; caller owns it), or NULL when
 * out of memory. */
const char *td_paths_get(const td_paths *ps, size_t i, char **buf, size_t *cap);
void td_paths_free(td_paths *ps);

struct td_batch {
    const td_program *p;    /* borrowed */
    td_lang lang;           /* of the findings (never TD_LANG_AUTO) */
    int32_t as_of;          /* days */
    td_paths paths;         /* owned: the unit files, in order, and how the walk found them */
    size_t n_files;
    char *path_buf;         /* owned: a path put together (merge, and before or after the run) */
    size_t path_cap;
    size_t n_merged;        /* files merged so far: file_first is known for these */
    uint64_t bytes;         /* bytes of unit data read */
    td_unit_result *units;  /* owned: kept results (keep_units), in order */
    size_t n_units, cap_units;
    td_target_row *rows;    /* owned: by target in program order, groups by name (in the
                             * merge: accumulators in first-seen order) */
    size_t n_rows, cap_rows;
    uint64_t *stages;       /* owned: per workflow n_stages + 1 counters (0: no stage yet) */
    uint32_t n_stages;
    td_batch_summary sum;
    /* month by month (td_batch_opts.history): the rows at the end of each month from the
     * period's first through the one before the as-of date, oldest first; the as-of date's
     * own are `rows` */
    td_history_entry *history; /* owned */
    size_t n_history;
    int32_t *history_days;  /* owned: their dates, for the evaluation */
    td_eval_dates dates;    /* what each unit is evaluated at */
    /* merge state */
    uint32_t *group_slots;  /* owned, merge only: open-addressing table of index + 1 into rows */
    size_t group_mask;
    uint32_t *gid_row;      /* owned, merge only: as td_history_entry.gid_row, for rows */
    size_t cap_gid_row;
    /* merge only: each (target, group) met is numbered once, so that a contribution finds
     * its row at each history date by its number, not by a hash look-up per date */
    uint32_t *gid_slots;    /* owned: open-addressing table of number + 1 */
    size_t gid_mask, n_gids, cap_gids;
    uint32_t *gid_target;   /* owned: per number, its target */
    const char **gid_group; /* owned array of arena(strings) names, NULL: no group */
    uint64_t *id_slots;     /* owned (engine/pages.h): ids seen, as hash fragment << 28 | unit
                             * ordinal + 1 (open addressing) */
    size_t id_size, n_ids;  /* slots, ids */
    uint32_t *file_first;   /* owned (engine/pages.h): per file, the ordinal of its first unit;
                             * written only from file n_ident on, so that a batch of one unit
                             * a file touches none of its pages */
    size_t n_ident;         /* files at the start whose first unit's ordinal is their number */
    const td_source *mem;   /* borrowed, during td_batch_run_text: the unit file in memory */
    td_source *confirm_src; /* owned: the file last read again to confirm a duplicate id */
    uint32_t confirm_file;
    struct td_yaml *confirm_y; /* owned: a reader of it (or of mem), kept from one duplicate
                                * to the next; NULL: none */
    uint32_t confirm_next;  /* the document confirm_y reads next */
    td_arena confirm;       /* for that evaluation */
    td_arena strings;       /* group names */
    struct td_xref *xref;   /* owned while running: units held for the references across
                             * units (engine/xref.h), or NULL when the rules have no index */
    size_t n_finished;      /* units whose merge is finished (handed to on_unit) */
    td_waiver_use *waiver_use; /* owned: per waiver of the program, what it matched */
};

/* The value of a constant compiled expression (a number, or the negation of one).
 * False when it is not a constant number. */
bool td_cexpr_const_number(const td_cexpr *c, double *out);
/* A target's requirement (`at least`) and due date at date `as_of`: they may depend on it
 * (a dated param, `if as_of >= ...`). False when the target has none, or none then. */
bool td_target_required(const td_program *p, const td_target *t, int32_t as_of, double *out);
bool td_target_due(const td_program *p, const td_target *t, int32_t as_of, int32_t *days);

/* A unit's status in reports: "fail" when it has an error finding, else "pass". */
const char *td_unit_status(const td_unit_result *u);

#endif
