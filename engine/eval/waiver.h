/* Waivers (Decision 11): a rule waived for one unit, or one exemplar of it, with the reason,
 * the approving authority, its document and dates. Compiled by resolve into the program;
 * applied by the batch to each unit's final findings, in input order. */
#ifndef TD_WAIVER_H
#define TD_WAIVER_H

#include <stdbool.h>
#include <stdint.h>

#include "diag.h"

/* One `waive` declaration; strings in the program arena. */
typedef struct td_waiver {
    const char *rule;           /* a criterion, index, workflow or workflow check id */
    bool whole_workflow;        /* `rule` is a workflow: each of its checks is covered */
    const char *unit;           /* the unit's id, as the report define `id` gives it */
    const char *exemplar;       /* an entity id that an index gives (exemplar "..."), or NULL */
    const char *reason, *approved_by, *document;
    const char *dated, *until;  /* as written (YYYY-MM-DD); until NULL when none */
    int32_t dated_days, until_days; /* days since 1970-01-01 */
    td_span span;               /* the declaration */
} td_waiver;

/* What a batch saw of one waiver (td_batch.waiver_use, same order as the program's). */
typedef struct td_waiver_use {
    uint32_t units;             /* units of the batch with the waiver's unit id */
    uint32_t covered;           /* findings it waived */
    uint32_t expired;           /* findings it would have covered outside its dates */
} td_waiver_use;

struct td_program;
struct td_unit_result;

/* Marks each finding of `u` (its final findings, in the batch's merge) that a waiver of `p`
 * for u's id names: waived when the waiver is in force at `as_of` (from its `dated` through
 * its `until`), else only noted. `use` has p->n_waivers counters, updated. */
void td_waivers_apply(const struct td_program *p, int32_t as_of, struct td_unit_result *u,
                      td_waiver_use *use);

#endif
