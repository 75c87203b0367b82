/* Rule tests: YAML test files (*.test.yaml) whose cases edit a unit document, evaluate it
 * against the rules, and compare its findings with the findings the case expects.
 * Pipeline: test file -> td_ynode, edited -> td_type_document -> td_eval_document -> match.
 * The format is documented in docs/rule-tests.md. */
#ifndef TD_RULETEST_H
#define TD_RULETEST_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "load.h"
#include "program.h"

/* ---- paths into a generic YAML tree: plan.number, exemplars[0].steps[-1] ---- */

typedef enum td_rt_segkind {
    TD_RT_KEY,          /* a mapping key: plan */
    TD_RT_INDEX,        /* [2] or [-1]: an item of a list (negative counts from the end) */
    TD_RT_KEY_OR_INDEX  /* .2: an index on a list, a key on a mapping */
} td_rt_segkind;

typedef struct td_rt_seg {
    td_rt_segkind kind;
    const char *key;        /* KEY, KEY_OR_INDEX; arena */
    int64_t index;          /* INDEX, KEY_OR_INDEX */
} td_rt_seg;

typedef struct td_rt_path {
    td_rt_seg *segs;        /* arena */
    uint32_t n;             /* >= 1 */
    const char *text;       /* as written; arena */
} td_rt_path;

/* Parses `text` into a path in arena `a`. False on a malformed path, with the reason in
 * err (err_size bytes) in `lang`, or when out of memory (err is then empty). */
bool td_rt_path_parse(td_arena *a, td_lang lang, const char *text, td_rt_path *out, char *err,
                      size_t err_size);

/* The edits. Each replaces *root by a tree in which the nodes on the path are copies made
 * in `a` (path copying): the nodes *root pointed to are never modified, so one document
 * can be the start of many cases. False with the reason in err, in `lang`, when the path does
 * not fit the tree (a missing key or item, a value that is not a mapping or a list), or with
 * err empty when out of memory; *root is then unchanged. `at` gives the line and column of
 * keys and mappings that an edit creates. */

/* Sets the value at `p`, creating the mappings on the way as needed. */
bool td_rt_set(td_arena *a, td_lang lang, td_ynode **root, const td_rt_path *p,
               td_ynode *value, const td_ynode *at, char *err, size_t err_size);
/* Adds `item` at the end of the list at `p` (creating the list if absent or null). */
bool td_rt_append(td_arena *a, td_lang lang, td_ynode **root, const td_rt_path *p,
                  td_ynode *item, const td_ynode *at, char *err, size_t err_size);
/* Deletes the mapping key or the list item at `p`; it must exist. */
bool td_rt_remove(td_arena *a, td_lang lang, td_ynode **root, const td_rt_path *p, char *err,
                  size_t err_size);

/* ---- expected findings ---- */

typedef struct td_rt_expect {
    const char *rule;       /* rule id; required */
    int severity;           /* a td_severity, 3 for waived, or -1 for any */
    uint32_t line;          /* 0 for any */
    const char *path;       /* data path such as "exemplars[0].steps[1]", or NULL for any */
    const char *message;    /* a text the message must contain, or NULL */
    uint32_t at_line, at_col; /* where the expectation is written in the test file */
} td_rt_expect;

/* True when finding `f` is one that `e` describes. */
bool td_rt_expect_matches(const td_rt_expect *e, const td_diagnostic *f);

/* Pairs expectations with findings, each used at most once, as many pairs as possible
 * (a maximum bipartite matching, so the order they are written in does not matter).
 * exp_to[i] is the finding paired with expectation i, or -1; act_to[j] the expectation
 * paired with finding j, or -1. True when everything is paired. */
bool td_rt_match(const td_rt_expect *exp, size_t n_exp, const td_diagnostic *act,
                 size_t n_act, int *exp_to, int *act_to);

/* ---- running test files: td_ruletest_new, td_ruletest_run_file... in include/thidua.h ---- */

/* ---- coverage: what the passing cases of one rule set show of each of its rules ----
 * Slots: the criteria, then every workflow's checks (TD_WF_NCHECKS each), then targets. */
typedef struct td_rt_cov {
    const td_program *prog; /* borrowed from the runner */
    uint32_t n_slots;
    uint32_t *fails;        /* owned: per slot, passing cases with a finding of the rule
                             * (targets: cases in which the unit counts toward it) */
    uint32_t *passes;       /* owned: per slot, passing cases without (targets: not counted) */
    uint8_t *seen;          /* owned: scratch, per slot, for one case */
    uint32_t cases;         /* passing cases run on this rule set */
} td_rt_cov;

/* Sets up `c` for `prog` (borrowed). False when out of memory. */
bool td_rt_cov_init(td_rt_cov *c, const td_program *prog);
void td_rt_cov_free(td_rt_cov *c);
/* Adds one passing case whose result is `res`. */
void td_rt_cov_case(td_rt_cov *c, const td_unit_result *res);
/* Prints the coverage of `c` (its rules named `rules`, or the built-in ones when NULL) in
 * `lang`: each criterion and workflow check with its failing and passing cases, each target,
 * each clause with its rules. Adds to *missing the criteria and checks with no failing case. */
void td_rt_cov_print(const td_rt_cov *c, const char *rules, td_lang lang, FILE *out,
                     size_t *missing);

/* ---- shared by the edits (ruletest_edit.c) and the runner (ruletest.c) ---- */

/* `severity: waived` in a test: a finding a waiver covers (Decision 11) has no other. */
#define TD_RT_SEV_WAIVED 3

/* Parses a decimal list index of at most 9 digits, optionally negative. */
bool td_rt_parse_index(const char *s, size_t len, int64_t *out);
/* The index of scalar key `key` in mapping `map`, or -1. */
int td_rt_find_key(const td_ynode *map, const char *key);
/* "a mapping", "a list", "a single value" or "empty (null)", for messages. */
const char *td_rt_kind_word(const td_ynode *n);
/* A finding's severity as a test writes it: a td_severity, or TD_RT_SEV_WAIVED. */
int td_rt_severity_of(const td_diagnostic *f);
/* The word of a severity as td_rt_severity_of gives it, in English as a test file writes it
 * (a message of the catalog: td_gettext gives it in the reader's language). */
const char *td_rt_severity_word(int sev);

#endif
