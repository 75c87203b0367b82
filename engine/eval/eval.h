/* Evaluation of one unit document: criteria on each entity, workflows on each history,
 * and the unit's contributions to the batch's targets.
 * Pipeline: td_node (unit arena) + td_program -> findings and a td_unit_result. */
#ifndef TD_EVAL_H
#define TD_EVAL_H

#include <stdio.h>

#include "program.h"

/* One unit's share of a target: `value` added to group `group` (NULL when not grouped).
 * A share with `member` false only makes its group known (shown with 0). */
typedef struct td_contrib {
    uint32_t target;        /* index in program->targets */
    char *group;            /* owned */
    double value;
    bool member;
    bool now;               /* a share at the as-of date (else only at history dates) */
    uint32_t hist;          /* its shares at the history dates: n_history entries from this
                             * one of td_unit_result.hist and .hknown; TD_NO_HIST: none */
} td_contrib;

#define TD_NO_HIST UINT32_MAX

/* One entity of an index (td_index) in a unit: its key, for the look-ups of other units
 * and the findings about a key used twice. Its location is the site of the same number
 * in td_unit_result.sites. */
typedef struct td_xkey {
    uint32_t index;         /* in program->indexes */
    uint64_t key;           /* td_xhash of the index and the key text */
    uint64_t similar;       /* td_xhash of the index and the `similar` values; 0: not all written */
    bool ok;                /* the entity meets the index's `require` */
    char *text;             /* owned: the key */
    char *similar_text;     /* owned: the `similar` values joined, or NULL */
} td_xkey;

/* A found() that one unit cannot decide: it names an entity of the batch. */
typedef struct td_xlookup {
    uint32_t index;
    uint64_t owner, key;    /* td_xhash of the owner's id; of the index and the key */
    char *owner_text, *key_text; /* owned */
} td_xlookup;

/* Where a td_xkey is: the place a finding about it points at (a key used twice, a likely
 * copy, found at the settle); the rest of such a finding is the index's (rule, cite, label)
 * and the unit's (file, document). */
typedef struct td_xsite {
    uint32_t line, col;     /* 1-based; 0 when the unit has no file */
    uint32_t width;         /* characters to underline, >= 1 */
    char *path;             /* owned: the entity's data path ("exemplars[1]") */
    char *source_line;      /* owned: copy of the line, or NULL */
} td_xsite;

/* A finding that holds only when none of its look-ups finds an entity. */
typedef struct td_xdefer {
    uint32_t first, n;      /* its look-ups in td_unit_result.lookups */
} td_xdefer;

/* FNV-1a of `s` started from `seed`, finished with a mixer: the hashes of td_xkey. */
uint64_t td_xhash(uint64_t seed, const char *s);

/* What the batch keeps of one unit document once its arena is reset. All owned. */
typedef struct td_unit_result {
    char *file;             /* display path */
    uint32_t doc;           /* 0-based document index in the file */
    uint32_t line;          /* line where the document starts */
    char *id, *name, *level, *group; /* from the document's report defines, or NULL */
    char **values;          /* program->report_values formatted, NULL when absent */
    uint32_t n_values;
    bool typed;             /* the document was loaded and evaluated (else only findings) */
    td_diag findings;       /* this unit's findings, in evaluation order */
    td_contrib *contribs;
    uint32_t n_contribs, cap_contribs;
    double *hist;           /* the contributions' shares at the history dates, n_history each */
    bool *hknown;           /* per share: one was made at that date (its group known) */
    uint32_t n_hist, cap_hist; /* entries */
    uint32_t *stages;       /* per workflow, n_stages + 1 counters (index 0: no stage yet) */
    uint32_t n_stages;
    uint32_t n_history;     /* history dates the contributions carry (td_eval_dates) */
    /* references across units (Decision 12), resolved by the batch (engine/xref.c) */
    td_xsite *sites;        /* one per td_xkey, n_xkeys of them */
    char *site_file;        /* display path of the file the sites are in, or NULL */
    int32_t as_of;          /* days: the date the unit was evaluated at (labels of the sites) */
    td_xkey *xkeys;
    uint32_t n_xkeys;
    td_diag deferred;       /* one finding per td_xdefer, never sorted */
    td_xdefer *defers;
    td_xlookup *lookups;
    uint32_t n_lookups;
} td_unit_result;

void td_unit_result_init(td_unit_result *r, td_lang lang);
void td_unit_result_free(td_unit_result *r);

/* The dates an evaluation is made at (days since 1970-01-01). */
typedef struct td_eval_dates {
    int32_t as_of;
    int32_t today;          /* the day the program runs: an event after it is an error;
                             * 0 when not known (no date is judged against it) */
    const int32_t *history; /* n_history earlier dates, oldest first, each before as_of, at
                             * which the targets' shares are computed too (borrowed) */
    uint32_t n_history;
    /* thidua explain --unit: the criterion, target, workflow or workflow check whose
     * evaluation is traced to `trace_out`, part by part, on every entity it visits; NULL for
     * none (borrowed) */
    const char *trace_rule;
    FILE *trace_out;
} td_eval_dates;

/* Evaluates an expression that uses no unit's data (a target's `at least` and `due`) at
 * date `as_of`: a number, a date, a month or a yes/no into *out; false when it has no
 * value there. */
bool td_eval_static(const td_program *p, const td_cexpr *c, int32_t as_of, td_value *out);

/* Evaluates every criterion and workflow of `p` on the document `root` at date `as_of`
 * (days), and computes the document's shares of the targets. Findings are located in
 * `src` and appended to res->findings. Temporary values live in `a` (the unit arena).
 * TD_ENOMEM only; wrong data is findings. */
td_status td_eval_document(const td_program *p, const td_node *root, int32_t as_of,
                           const td_source *src, td_arena *a, td_unit_result *res);

/* The same at `dates`: events after today are errors, those after the as-of date are
 * reported once as info and count toward nothing (Decision 10), and each contribution also
 * carries its shares at the history dates (res->n_history of them). */
td_status td_eval_document_at(const td_program *p, const td_node *root,
                              const td_eval_dates *dates, const td_source *src, td_arena *a,
                              td_unit_result *res);

/* The first day (days since 1970-01-01) of a month value (months since January of year 0):
 * what td_days_from_civil gives for its day 1, in fewer steps. */
int32_t td_month_first_day(int32_t month);

/* The end of the run of dates[from..n) (ascending, as td_eval_dates.history) that lie within
 * [lo, hi]: the index of the first date from `from` on that does not; `from` itself when
 * dates[from] does not. */
uint32_t td_dates_through(const int32_t *dates, uint32_t from, uint32_t n, int32_t lo,
                          int32_t hi);

/* a op b as a compiled operation of result type `kind` computes it (+ - * / on numbers, a
 * date or month plus or minus a whole number, a date minus a date). When it has no value
 * because of a division by zero or an overflow, returns an absent value and sets *why to
 * the reason (static English text); else *why is NULL. Resolve folds constants with it. */
td_value td_arith(td_op op, td_tkind kind, td_value a, td_value b, const char **why);

/* Total number of stage counters of a program's workflows (for td_unit_result.stages). */
uint32_t td_program_stage_slots(const td_program *p);

#endif
