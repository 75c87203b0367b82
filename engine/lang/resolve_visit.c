/* Resolve, the walk of the criteria: the `on` paths of every criterion merged into one tree
 * (td_vnode), so that evaluation reaches each entity once for all the rules on it.
 * Pipeline: td_program's criteria (program arena) -> td_program.visit; run by eval.c. */
#include "resolve_int.h"

#include <string.h>

static bool type_same(const td_type *a, const td_type *b)
{
    if (a == b)
        return true;
    if (!a || !b || a->kind != b->kind)
        return false;
    switch (a->kind) {
    case TD_T_LIST: return type_same(a->elem, b->elem);
    case TD_T_RECORD: return a->rec == b->rec;
    case TD_T_ENUM: return a->en == b->en;
    default: return true;
    }
}

static bool value_same(const td_value *a, const td_value *b)
{
    if (a->kind != b->kind || a->node != b->node)
        return false;
    switch (a->kind) {
    case TD_V_ABSENT:
    case TD_V_INVALID: return true;
    case TD_V_BOOL: return a->u.b == b->u.b;
    case TD_V_INT: return a->u.i == b->u.i;
    case TD_V_NUM: return memcmp(&a->u.num, &b->u.num, sizeof a->u.num) == 0;
    case TD_V_TEXT:
        return a->u.text.len == b->u.text.len &&
               (a->u.text.s == b->u.text.s ||
                (a->u.text.s && b->u.text.s &&
                 memcmp(a->u.text.s, b->u.text.s, a->u.text.len) == 0));
    case TD_V_DATE: return a->u.days == b->u.days;
    case TD_V_MONTH: return a->u.month == b->u.month;
    case TD_V_ENUM: return a->u.en.en == b->u.en.en && a->u.en.index == b->u.en.index;
    default: return false; /* records and lists are never constants */
    }
}

bool td_cexpr_same(const td_cexpr *a, const td_cexpr *b)
{
    if (a == b)
        return true;
    if (!a || !b || a->op != b->op || a->negate != b->negate || a->up != b->up ||
        a->slot != b->slot || a->def != b->def || a->nargs != b->nargs ||
        !type_same(a->type, b->type))
        return false;
    switch (a->op) {
    case TD_CX_CMP:
    case TD_CX_ARITH:
        if (a->sub.op != b->sub.op)
            return false;
        break;
    case TD_CX_AGG:
    case TD_CX_MINMAX:
        if (a->sub.agg != b->sub.agg)
            return false;
        break;
    case TD_CX_QUANT:
        if (a->sub.quant != b->sub.quant)
            return false;
        break;
    case TD_CX_CONST:
        return value_same(&a->value, &b->value);
    case TD_CX_LET:
        return false; /* a let of one rule is not the same let of another */
    default:
        break;
    }
    if (!td_cexpr_same(a->a, b->a) || !td_cexpr_same(a->b, b->b) || !td_cexpr_same(a->c, b->c))
        return false;
    for (uint32_t i = 0; i < a->nargs; i++)
        if (!td_cexpr_same(a->args[i], b->args[i]))
            return false;
    return true;
}

/* The tree while it is built (parse arena): kids and rules in arrays grown by td_rs_grow's
 * rule (a power of two doubles). */
typedef struct tnode {
    uint32_t slot, depth;
    const td_cexpr *filter;
    const td_epath *path;
    struct tnode **kids;
    uint32_t n_kids;
    td_vrule *rules;
    uint32_t n_rules;
} tnode;

static void *grow(td_rs *r, void *arr, uint32_t n, size_t size)
{
    if (n && (n & (n - 1)) != 0)
        return arr;
    void *nw = td_arena_alloc(&r->parse, (n ? 2 * (size_t)n : 1) * size);
    if (!nw) {
        r->fatal = TD_ENOMEM;
        return NULL;
    }
    if (n)
        memcpy(nw, arr, n * size);
    return nw;
}

/* The node reached from `t` by step k of `path`, made when no kid of t is that step. */
static tnode *step_to(td_rs *r, tnode *t, const td_epath *path, uint32_t k)
{
    uint32_t slot = path->slots[k];
    const td_cexpr *filter = path->filters ? path->filters[k] : NULL;
    for (uint32_t i = 0; i < t->n_kids; i++) {
        tnode *x = t->kids[i];
        if (x->slot == slot && td_cexpr_same(x->filter, filter))
            return x;
    }
    tnode **kids = grow(r, t->kids, t->n_kids, sizeof *kids);
    tnode *x = td_arena_alloc(&r->parse, sizeof *x);
    if (!kids || !x) {
        r->fatal = TD_ENOMEM;
        return NULL;
    }
    x->slot = slot;
    x->depth = k + 1;
    x->filter = filter;
    x->path = path;
    t->kids = kids;
    t->kids[t->n_kids++] = x;
    return x;
}

/* The tree in the program arena: kids with the same slot next to each other, in the order
 * their slot first appears (the walk reads each field once for all of them). */
static void freeze(td_rs *r, const tnode *t, td_vnode *out)
{
    out->slot = t->slot;
    out->depth = t->depth;
    out->filter = t->filter;
    out->path = t->path;
    if (t->n_rules) {
        td_vrule *rules = td_arena_alloc(r->pa, t->n_rules * sizeof *rules);
        if (!rules) {
            r->fatal = TD_ENOMEM;
            return;
        }
        memcpy(rules, t->rules, t->n_rules * sizeof *rules);
        out->rules = rules;
        out->n_rules = t->n_rules;
    }
    if (!t->n_kids)
        return;
    td_vnode *kids = td_arena_alloc(r->pa, t->n_kids * sizeof *kids);
    bool *done = td_arena_alloc(&r->parse, t->n_kids * sizeof *done);
    if (!kids || !done) {
        r->fatal = TD_ENOMEM;
        return;
    }
    uint32_t n = 0;
    for (uint32_t i = 0; i < t->n_kids && !r->fatal; i++) {
        for (uint32_t j = i; j < t->n_kids && !r->fatal; j++) {
            if (done[j] || t->kids[j]->slot != t->kids[i]->slot)
                continue;
            done[j] = true;
            freeze(r, t->kids[j], &kids[n++]);
        }
    }
    out->kids = kids;
    out->n_kids = n;
}

void td_rs_build_visits(td_rs *r)
{
    td_program *p = r->p;
    if (r->fatal || !p->schema.document)
        return;
    tnode *root = td_arena_alloc(&r->parse, sizeof *root);
    if (!root) {
        r->fatal = TD_ENOMEM;
        return;
    }
    uint32_t order = 0;
    for (uint32_t i = 0; i < p->n_criteria && !r->fatal; i++) {
        const td_criterion *c = &p->criteria[i];
        for (uint32_t k = 0; k < c->n_variants && !r->fatal; k++, order++) {
            const td_variant *v = &c->variants[k];
            tnode *t = root;
            for (uint32_t s = 0; s < v->path.n && t; s++)
                t = step_to(r, t, &v->path, s);
            if (!t)
                break;
            if (!t->path)
                t->path = &v->path;
            td_vrule *rules = grow(r, t->rules, t->n_rules, sizeof *rules);
            if (!rules)
                break;
            t->rules = rules;
            t->rules[t->n_rules++] = (td_vrule){c, v, order};
        }
    }
    if (r->fatal)
        return;
    td_vnode *out = td_arena_alloc(r->pa, sizeof *out);
    if (!out) {
        r->fatal = TD_ENOMEM;
        return;
    }
    freeze(r, root, out);
    p->visit = out;
}
