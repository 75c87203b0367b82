/* The data contract as the people who fill it in see it: for every field of the schema, the
 * rules that require it (and under which condition), the rules that read it, and an example
 * value, all derived from the compiled program. Read by `thidua schema`, `thidua template`
 * and `thidua explain RECORD`. Pipeline: td_program (read-only) -> td_contract -> writers. */
#ifndef TD_CONTRACT_H
#define TD_CONTRACT_H

#include <stdbool.h>
#include <stdint.h>

#include "arena.h"
#include "ast.h"
#include "program.h"

/* One reason a field must be given. */
typedef struct td_req {
    const char *rule;           /* criterion id or workflow check ("exemplar.steps.date");
                                 * NULL: the schema declares the field `required` */
    const char *cite;           /* clause, or NULL */
    const td_epath *path;       /* where the rule applies; NULL: wherever the record is */
    const td_cexpr *where;      /* the rule's own condition on the entity, or NULL */
    bool nonempty;              /* a list needs an item, a text a character */
    bool direct;                /* the field is one of the entity's own (not through a record
                                 * such as congress.held) */
} td_req;

/* A field as the contract sees it. Arrays in the contract's arena. */
typedef struct td_cfield {
    const td_field *field;
    td_req *reqs;
    uint32_t n_reqs, cap_reqs;
    const char **readers;       /* ids of the rules (and defines) that read the field */
    uint32_t n_readers, cap_readers;
    const td_value *equals;     /* a constant some rule requires it to equal, or NULL */
    const td_value *initial;    /* the first initial stage when it is a workflow's state */
} td_cfield;

typedef struct td_contract {
    const td_program *p;
    td_arena arena;
    td_cfield **fields;         /* [record index in schema.records][field index] */
    bool oom;
} td_contract;

/* Builds the contract of `p` (borrowed; must outlive it). Caller owns *out
 * (td_contract_free). TD_ENOMEM only. */
td_status td_contract_build(const td_program *p, td_contract **out);
void td_contract_free(td_contract *c);

/* The contract of field `f` of record `r`; NULL when `r` is not in the schema. */
const td_cfield *td_contract_field(const td_contract *c, const td_record *r, const td_field *f);
/* The index of a record in the schema, or -1. */
int td_contract_record_index(const td_contract *c, const td_record *r);

/* True when some reason holds wherever the record is, with no condition. */
bool td_req_unconditional(const td_req *q);
/* The source text of an expression of the rules (its span), into buf; "" when none. */
const char *td_contract_expr_text(const td_program *p, const td_cexpr *e, char *buf,
                                  size_t size);

#endif
