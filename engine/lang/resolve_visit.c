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

/* Whether a in the scope of variant va computes what b does in vb's: a `let` is the same as
 * another when their expressions are (lets use only the lets before them). */
static bool same(const td_cexpr *a, const td_cexpr *b, const td_variant *va,
                 const td_variant *vb)
{
    if (!a || !b)
        return a == b;
    if (a == b && va == vb)
        return true;
    if (a->op != b->op || a->negate != b->negate || a->up != b->up ||
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
        return va && vb && a->slot < va->n_lets && b->slot < vb->n_lets &&
               same(va->lets[a->slot], vb->lets[b->slot], va, vb);
    default:
        break;
    }
    if (!same(a->a, b->a, va, vb) || !same(a->b, b->b, va, vb) || !same(a->c, b->c, va, vb))
        return false;
    for (uint32_t i = 0; i < a->nargs; i++)
        if (!same(a->args[i], b->args[i], va, vb))
            return false;
    return true;
}

bool td_cexpr_same(const td_cexpr *a, const td_cexpr *b)
{
    return same(a, b, NULL, NULL);
}

/* The tree while it is built (parse arena): kids and rules in arrays grown by td_rs_grow's
 * rule (a power of two doubles). */
/* A node of an expression that may be shared, with the hash of what it computes. */
typedef struct cand {
    td_cexpr *c;
    uint64_t h;
    const td_variant *v;        /* whose lets it may use */
} cand;

/* What scan knows of the variant whose expressions it reads: each let's hash, and whether
 * it may be shared, once scanned (lets are scanned first, in order). */
typedef struct vscan {
    const td_variant *v;
    uint64_t *lh;
    bool *lpure;
} vscan;

typedef struct tnode {
    uint32_t slot, depth;
    const td_cexpr *filter;
    const td_epath *path;
    struct tnode **kids;
    uint32_t n_kids;
    td_vrule *rules;
    uint32_t n_rules;
    uint32_t id;                /* 1-based, in the order the nodes are made */
    cand *cands;                /* the expressions of its rules that may be shared */
    uint32_t n_cands;
    uint32_t n_memo;
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

/* ---------- expressions the rules of one entity share ---------- */

static uint64_t mix(uint64_t h, uint64_t x)
{
    h ^= x + 0x9E3779B97F4A7C15ULL + (h << 6) + (h >> 2);
    return h * 0xff51afd7ed558ccdULL;
}

static uint64_t value_hash(const td_value *v)
{
    uint64_t h = mix(0, (uint64_t)v->kind);
    switch (v->kind) {
    case TD_V_BOOL: return mix(h, v->u.b);
    case TD_V_INT: return mix(h, (uint64_t)v->u.i);
    case TD_V_NUM: {
        uint64_t x;
        memcpy(&x, &v->u.num, sizeof x);
        return mix(h, x);
    }
    case TD_V_TEXT:
        for (uint32_t i = 0; v->u.text.s && i < v->u.text.len; i++)
            h = mix(h, (unsigned char)v->u.text.s[i]);
        return h;
    case TD_V_DATE: return mix(h, (uint64_t)(int64_t)v->u.days);
    case TD_V_MONTH: return mix(h, (uint64_t)(int64_t)v->u.month);
    case TD_V_ENUM: return mix(h, v->u.en.index);
    default: return h;
    }
}

/* Operations that cost no more to compute than to look up. */
static bool leaf(td_cop op)
{
    switch (op) {
    case TD_CX_CONST: case TD_CX_ROOT: case TD_CX_FIELD: case TD_CX_LET: case TD_CX_IT:
    case TD_CX_PREVIOUS: case TD_CX_POSITION: case TD_CX_ASOF: case TD_CX_PARAM:
        return true;
    default:
        return false;
    }
}

/* The hash of what expression c computes (same() ones hash alike); clears *pure when it uses
 * found() (its look-ups are recorded per rule), itself or through a let. With `add`, c is
 * evaluated in the entity's frame: the nodes that may be shared are added to t, children
 * first. The condition of a quantifier, count, sum or each is evaluated in the frame of
 * each item: hashed, but its nodes are not added. */
static uint64_t scan(td_rs *r, tnode *t, const vscan *vs, const td_cexpr *cc, bool add,
                     bool *pure)
{
    if (!cc)
        return 1;
    td_cexpr *c = (td_cexpr *)cc; /* the compiler's own nodes, in the program arena */
    bool mine = true;
    uint64_t sub = c->op == TD_CX_CMP || c->op == TD_CX_ARITH      ? (uint64_t)c->sub.op
                   : c->op == TD_CX_AGG || c->op == TD_CX_MINMAX ? (uint64_t)c->sub.agg
                   : c->op == TD_CX_QUANT                         ? (uint64_t)c->sub.quant
                                                                  : 0;
    uint64_t h = mix(mix(mix(0, (uint64_t)c->op), sub), c->negate);
    h = mix(mix(mix(h, c->up), c->slot), c->nargs);
    h = mix(mix(h, c->type ? (uint64_t)c->type->kind : 99), (uint64_t)(uintptr_t)c->def);
    if (c->op == TD_CX_CONST)
        h = mix(h, value_hash(&c->value));
    if (c->op == TD_CX_LET) {
        if (vs->v && c->slot < vs->v->n_lets && vs->lh) {
            h = mix(h, vs->lh[c->slot]);
            mine = vs->lpure[c->slot];
        } else {
            mine = false;
        }
    }
    bool body = c->op == TD_CX_COUNT || c->op == TD_CX_AGG || c->op == TD_CX_QUANT ||
                c->op == TD_CX_EACH;
    h = mix(h, scan(r, t, vs, c->a, add, &mine));
    h = mix(h, scan(r, t, vs, c->b, add && !body, &mine));
    h = mix(h, scan(r, t, vs, c->c, add && !body, &mine));
    for (uint32_t i = 0; i < c->nargs; i++)
        h = mix(h, scan(r, t, vs, c->args[i], add, &mine));
    if (c->op == TD_CX_FOUND)
        mine = false;
    if (!mine)
        *pure = false;
    if (add && mine && !leaf(c->op) && !r->fatal) {
        cand *v = grow(r, t->cands, t->n_cands, sizeof *v);
        if (v) {
            t->cands = v;
            t->cands[t->n_cands++] = (cand){c, h, vs->v};
            /* which node the expression belongs to: one reached from two (never made by
             * this compiler) is shared by none */
            c->memo = c->memo == 0 || c->memo == t->id ? t->id : UINT32_MAX;
        }
    }
    return h;
}

static void scan_rules(td_rs *r, tnode *t)
{
    bool pure;
    for (uint32_t i = 0; i < t->n_rules && !r->fatal; i++) {
        const td_variant *v = t->rules[i].v;
        vscan vs = {v, NULL, NULL};
        if (v->n_lets) {
            vs.lh = td_arena_alloc(&r->parse, v->n_lets * sizeof *vs.lh);
            vs.lpure = td_arena_alloc(&r->parse, v->n_lets * sizeof *vs.lpure);
            if (!vs.lh || !vs.lpure) {
                r->fatal = TD_ENOMEM;
                return;
            }
            for (uint32_t k = 0; k < v->n_lets; k++) {
                vs.lpure[k] = true;
                vs.lh[k] = scan(r, t, &vs, v->lets[k], true, &vs.lpure[k]);
            }
        }
        scan(r, t, &vs, v->where, true, &pure);
        scan(r, t, &vs, v->due, true, &pure);
        scan(r, t, &vs, v->require, true, &pure);
        for (uint32_t k = 0; k < v->message.n; k++)
            scan(r, t, &vs, v->message.expr[k], true, &pure);
    }
    for (uint32_t i = 0; i < t->n_kids && !r->fatal; i++)
        scan_rules(r, t->kids[i]);
}

/* Gives each expression that two or more places of t's rules compute a slot of the entity's
 * values (td_cexpr.memo = 1 + slot); the others 0. Slots in the order the expressions are
 * first met, so that the program does not depend on where the compiler's memory lies. */
static void share(td_rs *r, tnode *t)
{
    uint32_t n = t->n_cands;
    uint32_t *cls = td_arena_alloc(&r->parse, (n + 1) * sizeof *cls);
    uint32_t *count = td_arena_alloc(&r->parse, (n + 1) * sizeof *count);
    uint32_t *slot = td_arena_alloc(&r->parse, (n + 1) * sizeof *slot);
    uint32_t cap = 16;
    while (cap < 2 * n)
        cap *= 2;
    uint32_t *tab = td_arena_alloc(&r->parse, cap * sizeof *tab); /* 1 + index of a class's
                                                                    * first candidate */
    if (!cls || !count || !slot || !tab) {
        r->fatal = TD_ENOMEM;
        return;
    }
    for (uint32_t i = 0; i < n; i++) {
        const cand *x = &t->cands[i];
        if (x->c->memo != t->id) {
            cls[i] = UINT32_MAX;
            continue;
        }
        uint32_t k = (uint32_t)x->h & (cap - 1);
        while (tab[k] && !(t->cands[tab[k] - 1].h == x->h &&
                           same(t->cands[tab[k] - 1].c, x->c, t->cands[tab[k] - 1].v, x->v)))
            k = (k + 1) & (cap - 1);
        if (!tab[k])
            tab[k] = i + 1;
        cls[i] = tab[k] - 1;
        count[cls[i]]++;
    }
    for (uint32_t i = 0; i < n; i++)
        if (cls[i] == i && count[i] >= 2)
            slot[i] = ++t->n_memo;
    for (uint32_t i = 0; i < n; i++)
        if (cls[i] != UINT32_MAX)
            t->cands[i].c->memo = count[cls[i]] >= 2 ? slot[cls[i]] : 0;
    for (uint32_t i = 0; i < t->n_kids && !r->fatal; i++)
        share(r, t->kids[i]);
}

/* A node reached from two walk nodes keeps no slot. */
static void unshare(tnode *t)
{
    for (uint32_t i = 0; i < t->n_cands; i++)
        if (t->cands[i].c->memo == UINT32_MAX)
            t->cands[i].c->memo = 0;
    for (uint32_t i = 0; i < t->n_kids; i++)
        unshare(t->kids[i]);
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
    x->id = ++r->n_visit_nodes;
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
    out->n_memo = t->n_memo;
    if (t->n_memo > r->p->visit_memo)
        r->p->visit_memo = t->n_memo;
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
    root->id = ++r->n_visit_nodes;
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
    scan_rules(r, root);
    if (!r->fatal)
        share(r, root);
    if (r->fatal)
        return;
    unshare(root);
    td_vnode *out = td_arena_alloc(r->pa, sizeof *out);
    if (!out) {
        r->fatal = TD_ENOMEM;
        return;
    }
    freeze(r, root, out);
    p->visit = out;
}
