/* Evaluation of one unit document: criteria on each entity, workflows on each history,
 * and the unit's contributions to the batch's targets.
 * Pipeline: td_node (unit arena) + td_program -> findings and a td_unit_result. */
#include "eval.h"

#include <math.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "i18n.h"
#include "label.h"
#include "load.h"

const char *const td_wf_check_names[TD_WF_NCHECKS] = {
    "stage", "initial", "transition", "date", "order", "evidence", "future", "guard",
};

/* One runtime frame: mirrors a compile-time scope. */
typedef struct frame {
    const struct frame *up;
    td_value it;                /* the element */
    const td_node *from;        /* the data list the element belongs to, or NULL: `previous` */
    const td_value *from_items; /* or the computed list; both NULL outside a list */
    uint32_t position;          /* 1-based, among the items that happened (Decision 10) */
    uint32_t raw;               /* index of the element in `from` (a data list) */
    td_value *lets;             /* entity frames: values of the criterion's lets, computed on */
    const td_cexpr *const *let_exprs; /* first use (a let only a message needs costs */
    bool *let_done;                   /* nothing while the rule holds) */
} frame;

static inline frame mkframe(const frame *up, td_value it, uint32_t position)
{
    frame f;
    f.up = up;
    f.it = it;
    f.from = NULL;
    f.from_items = NULL;
    f.position = position;
    f.raw = 0;
    f.lets = NULL;
    f.let_exprs = NULL;
    f.let_done = NULL;
    return f;
}

static td_value list_at(const td_vlist *l, uint32_t i);

/* A computed field's value for one record of the document: a define is a pure function
 * of its record and the as-of date, and rules ask for the same one many times. */
typedef struct memo {
    const td_node *node;
    td_value v;
    const td_cexpr *fault;  /* the operation that had no value, or NULL (see ev.fault) */
    const char *fault_why;
    int32_t lo, hi;     /* the as-of dates for which v holds */
} memo;

enum { MEMO_SLOTS = 64 }; /* power of two; a full table just stops remembering */

/* Validity of a result over as-of dates (Decision 10): while evaluating at as_of, [lo, hi]
 * narrows to the dates at which every event consulted would be read the same way and every
 * use of as_of would give the same answer, so that the result holds for any as-of date in
 * it. The month-by-month history evaluates again only at dates outside it. */
#define DAY_MIN INT32_MIN
#define DAY_MAX INT32_MAX

typedef struct ev {
    const td_program *p;
    const td_node *root;
    int32_t as_of;
    int32_t today;      /* the day the program runs; 0 when not known */
    int32_t lo, hi;     /* validity of what was evaluated since the last reset */
    td_arena *a;
    bool oom;
    memo *memo; /* arena(unit): MEMO_SLOTS entries, or NULL until first use */
    /* arena(unit): the define of each entry, NULL for an empty one: the keys apart from the
     * entries, so that a unit clears 8 cache lines of them, not one in each of 64 entries */
    const td_define **memo_def;
    uint32_t memo_used;
    /* found(): what a look-up of another unit's entity gives while one unit is judged */
    bool optimistic;            /* true (the second evaluation of a condition), else false */
    bool recording;             /* each look-up is added to res->lookups */
    td_unit_result *res;
    /* The first operation since the rule began that could not be computed (a division by
     * zero, an overflow): its value is absent, and the rule reports that it could not be
     * evaluated rather than pass for want of a value. */
    const td_cexpr *fault;
    const char *fault_why;      /* static text: what went wrong */
    /* While the walk of the criteria runs the rules of one entity: the values of the
     * expressions they share (td_cexpr.memo), known or not yet; NULL otherwise */
    struct shared *cse;
    uint8_t *cse_known;
} ev;

/* The value of an expression the rules of one entity share, and its validity. */
typedef struct shared {
    td_value v;
    int32_t lo, hi;
} shared;

static const td_value ABSENT = {.kind = TD_V_ABSENT};

/* Records that operation c has no value (the first one counts) and returns ABSENT. */
static td_value fault(ev *e, const td_cexpr *c, const char *why)
{
    if (!e->fault) {
        e->fault = c;
        e->fault_why = why;
    }
    return ABSENT;
}

static void narrow(ev *e, int32_t lo, int32_t hi)
{
    if (lo > e->lo)
        e->lo = lo;
    if (hi < e->hi)
        e->hi = hi;
}

static inline int32_t month_first_day(int32_t month)
{
    if (month < 2 || month > 12 * 100000) { /* before March of year 0, or far out */
        int32_t y = month >= 0 ? month / 12 : -((-month + 11) / 12);
        return td_days_from_civil(y, (uint32_t)(month - y * 12) + 1, 1);
    }
    /* td_days_from_civil's arithmetic for a year from March that is not negative, where its
     * 400-year eras fold into the year's own quotients */
    uint32_t k = (uint32_t)month - 2;    /* months since March of year 0 */
    uint32_t y = k / 12, mp = k - y * 12; /* the year from March; its month, March = 0 */
    return (int32_t)(y * 365 + y / 4 - y / 100 + y / 400 + (153 * mp + 2) / 5) - 719468;
}

int32_t td_month_first_day(int32_t month)
{
    return month_first_day(month);
}

/* The first day of a date or month value of the data; false when it has none. */
static bool first_day(const td_node *n, int32_t *day)
{
    if (!n || n->null || n->invalid)
        return false;
    if (n->type->kind == TD_T_DATE) {
        *day = n->v.days;
        return true;
    }
    if (n->type->kind == TD_T_MONTH) {
        *day = month_first_day(n->v.month);
        return true;
    }
    return false;
}

/* The date at which a record of a dated record type happened; false when it is not an
 * event or carries no usable date (then it is simply there). */
static bool event_day(const td_node *n, int32_t *day)
{
    if (!n || n->invalid || n->null || n->type->kind != TD_T_RECORD || !n->type->rec->dated)
        return false;
    return first_day(n->v.slots[n->type->rec->dated_slot], day);
}

/* Decision 10: whether record `n` had happened at the as-of date; an event dated after it
 * is not there yet. A month happens on its first day. */
static bool happened(ev *e, const td_node *n)
{
    int32_t day;
    if (!event_day(n, &day))
        return true;
    if (day > e->as_of) {
        narrow(e, DAY_MIN, day - 1);
        return false;
    }
    narrow(e, day, DAY_MAX);
    return true;
}

/* Writes into *v the value of data node n as it is written (no as-of date applied; see
 * slot_value). Only the members of the value's kind are written: no reader looks at another
 * kind's. Written where the value is wanted: a value built on a function's stack and copied
 * out is read back by 16-byte loads of the fields just stored, which stall (program.h). */
static inline __attribute__((always_inline)) void put_node(td_value *v, const td_node *n)
{
    v->node = n;
    if (!n || n->null || n->invalid) {
        v->u = ABSENT.u;
        v->kind = n && !n->null ? TD_V_INVALID : TD_V_ABSENT; /* absent: located at its key */
        return;
    }
    switch (n->type->kind) {
    case TD_T_TEXT:
        v->kind = TD_V_TEXT;
        v->u.text.s = n->v.text.s;
        v->u.text.len = n->v.text.len;
        break;
    case TD_T_INT:
        v->kind = TD_V_INT;
        v->u.i = n->v.i;
        break;
    case TD_T_NUMBER:
        v->kind = TD_V_NUM;
        v->u.num = n->v.num;
        break;
    case TD_T_BOOL:
        v->kind = TD_V_BOOL;
        v->u.b = n->v.b;
        break;
    case TD_T_DATE:
        v->kind = TD_V_DATE;
        v->u.days = n->v.days;
        break;
    case TD_T_MONTH:
        v->kind = TD_V_MONTH;
        v->u.month = n->v.month;
        break;
    case TD_T_ENUM:
        v->kind = TD_V_ENUM;
        v->u.en.en = n->type->en;
        v->u.en.index = n->v.enum_index;
        break;
    case TD_T_RECORD:
        v->kind = TD_V_RECORD;
        v->u.rec = n;
        break;
    case TD_T_LIST:
        v->kind = TD_V_LIST;
        v->u.list.node = n;
        v->u.list.items = NULL;
        v->u.list.elem = n->type->elem;
        v->u.list.n = n->v.list.n;
        v->u.list.dated = false;
        break;
    default:
        v->u = ABSENT.u;
        v->kind = TD_V_ABSENT;
        break;
    }
}

static td_value of_node(const td_node *n)
{
    td_value v; /* the one value returned: built in the caller's memory */
    put_node(&v, n);
    return v;
}

/* A frame below `up` whose element is data node n, written in place (see put_node). */
static inline void node_frame(frame *fr, const frame *up, const td_node *n, uint32_t position)
{
    fr->up = up;
    put_node(&fr->it, n);
    fr->from = NULL;
    fr->from_items = NULL;
    fr->position = position;
    fr->raw = 0;
    fr->lets = NULL;
    fr->let_exprs = NULL;
    fr->let_done = NULL;
}

static td_value list_at(const td_vlist *l, uint32_t i)
{
    td_value v;
    if (l->node)
        put_node(&v, l->node->v.list.items[i]);
    else
        v = l->items[i];
    return v;
}

/* The index of the first item at or after `i` that is there at the as-of date; l->n when
 * none is. */
static uint32_t list_skip(ev *e, const td_vlist *l, uint32_t i)
{
    if (l->dated)
        while (i < l->n && !happened(e, l->node->v.list.items[i]))
            i++;
    return i;
}

/* Items of a list at the as-of date. */
static uint32_t list_len(ev *e, const td_vlist *l)
{
    if (!l->dated)
        return l->n;
    uint32_t n = 0;
    for (uint32_t i = list_skip(e, l, 0); i < l->n; i = list_skip(e, l, i + 1))
        n++;
    return n;
}

static bool usable(const td_value *v)
{
    return v->kind != TD_V_ABSENT && v->kind != TD_V_INVALID;
}

/* (as of_node, only the members of the value's kind are written) */
static td_value vbool(bool b, const td_node *blame)
{
    td_value v;
    v.kind = TD_V_BOOL;
    v.node = blame;
    v.u.b = b;
    return v;
}

static td_value vint(int64_t i, const td_node *blame)
{
    td_value v;
    v.kind = TD_V_INT;
    v.node = blame;
    v.u.i = i;
    return v;
}

static double num_of(const td_value *v)
{
    return v->kind == TD_V_INT ? (double)v->u.i : v->u.num;
}

/* -1, 0, 1; both values usable and of comparable types (checked by resolve). */
static inline __attribute__((always_inline)) int compare(const td_value *a, const td_value *b)
{
    switch (a->kind) {
    case TD_V_INT:
    case TD_V_NUM:
        if (a->kind == TD_V_INT && b->kind == TD_V_INT)
            return a->u.i < b->u.i ? -1 : a->u.i > b->u.i;
        {
            double x = num_of(a), y = num_of(b);
            return x < y ? -1 : x > y;
        }
    case TD_V_TEXT: {
        uint32_t n = a->u.text.len < b->u.text.len ? a->u.text.len : b->u.text.len;
        int c = memcmp(a->u.text.s, b->u.text.s, n);
        if (c)
            return c < 0 ? -1 : 1;
        return a->u.text.len < b->u.text.len ? -1 : a->u.text.len > b->u.text.len;
    }
    case TD_V_DATE: return a->u.days < b->u.days ? -1 : a->u.days > b->u.days;
    case TD_V_MONTH: return a->u.month < b->u.month ? -1 : a->u.month > b->u.month;
    case TD_V_ENUM: return a->u.en.index < b->u.en.index ? -1 : a->u.en.index > b->u.en.index;
    case TD_V_BOOL: return (int)a->u.b - (int)b->u.b;
    default: return 0;
    }
}

static const frame *frame_up(const frame *f, uint32_t up)
{
    while (f && up--)
        f = f->up;
    return f;
}

static td_value eval_op(ev *e, const td_cexpr *c, const frame *f);
static td_value eval_shared(ev *e, const td_cexpr *c, const frame *f);

static inline td_value eval(ev *e, const td_cexpr *c, const frame *f);

/* What an expression gives alone, to be kept for other rules or records: its value, the
 * dates it holds over, its own fault. */
typedef struct alone {
    td_value v;
    int32_t lo, hi;
    const td_cexpr *fault;
    const char *why;
} alone;

/* Evaluates c (its operation only when `op`: the caller is the memo of c itself) over every
 * date and with no fault before it, then gives the caller back its earlier fault, if any,
 * and narrows its dates by c's. */
static alone eval_alone(ev *e, const td_cexpr *c, const frame *f, bool op)
{
    int32_t lo = e->lo, hi = e->hi;
    const td_cexpr *fault0 = e->fault;
    const char *why0 = e->fault_why;
    e->lo = DAY_MIN;
    e->hi = DAY_MAX;
    e->fault = NULL;
    alone r;
    r.v = op ? eval_op(e, c, f) : eval(e, c, f);
    r.lo = e->lo;
    r.hi = e->hi;
    r.fault = e->fault;
    r.why = e->fault_why;
    if (fault0) {
        e->fault = fault0;
        e->fault_why = why0;
    }
    narrow(e, lo, hi);
    return r;
}

static td_value eval_define(ev *e, const td_define *def, const td_value *rec)
{
    if (rec->kind != TD_V_RECORD || !def->expr)
        return ABSENT;
    if (!e->memo) {
        /* only the keys need clearing: a slot is empty while its def is NULL */
        e->memo = td_arena_alloc_raw(e->a, MEMO_SLOTS * sizeof *e->memo);
        e->memo_def = td_arena_alloc_raw(e->a, MEMO_SLOTS * sizeof *e->memo_def);
        if (!e->memo_def)
            e->memo = NULL;
        if (e->memo)
            memset(e->memo_def, 0, MEMO_SLOTS * sizeof *e->memo_def);
        e->memo_used = 0;
    }
    memo *slot = NULL;
    if (e->memo) {
        uintptr_t h = ((uintptr_t)def * 31u) ^ ((uintptr_t)rec->u.rec >> 4);
        h ^= h >> 9;
        for (uint32_t k = 0; k < MEMO_SLOTS; k++) {
            size_t i = (h + k) & (MEMO_SLOTS - 1);
            const td_define *d = e->memo_def[i];
            memo *m = &e->memo[i];
            if (d == def && m->node == rec->u.rec && m->lo <= e->as_of && e->as_of <= m->hi) {
                narrow(e, m->lo, m->hi);
                if (m->fault)
                    fault(e, m->fault, m->fault_why);
                return m->v;
            }
            if (!d) {
                if (e->memo_used < MEMO_SLOTS * 3 / 4)
                    slot = m;
                break;
            }
        }
    }
    frame fr = mkframe(NULL, *rec, 1);
    alone r = eval_alone(e, def->expr, &fr, false);
    if (slot && !e->oom) {
        e->memo_def[slot - e->memo] = def;
        slot->node = rec->u.rec;
        slot->v = r.v;
        slot->fault = r.fault;
        slot->fault_why = r.why;
        slot->lo = r.lo;
        slot->hi = r.hi;
        e->memo_used++;
    }
    return r.v;
}

/* A computed list being built in the unit arena. */
typedef struct lbuild {
    td_value *items;
    uint32_t n, cap;
} lbuild;

/* Makes room for more items, for `want` at least (a list whose size is known is made at
 * that size: no copy, and no memory beyond it); false when out of memory (noted). */
static bool lgrow(ev *e, lbuild *b, uint32_t want)
{
    uint32_t cap = b->cap ? b->cap * 2 : 8;
    if (cap < want)
        cap = want;
    td_value *nw = td_arena_alloc(e->a, cap * sizeof *nw);
    if (!nw) {
        e->oom = true;
        return false;
    }
    if (b->n)
        memcpy(nw, b->items, b->n * sizeof *nw);
    b->items = nw;
    b->cap = cap;
    return true;
}

static inline void lpush(ev *e, lbuild *b, const td_value *v)
{
    if (b->n == b->cap && !lgrow(e, b, 0))
        return;
    b->items[b->n++] = *v;
}

/* The next item of list b, to be written in place (see put_node); NULL when out of memory
 * (noted). */
static inline td_value *lnext(ev *e, lbuild *b)
{
    if (b->n == b->cap && !lgrow(e, b, 0))
        return NULL;
    return &b->items[b->n++];
}

static td_value vlist(lbuild *b, const td_type *elem, const td_node *blame)
{
    td_value v = {.kind = TD_V_LIST, .node = blame};
    v.u.list.items = b->items;
    v.u.list.n = b->n;
    v.u.list.elem = elem;
    return v;
}

/* Field `slot` of record node `rec`. A field the data leave out is blamed on the record that
 * lacks it, so that a finding about it points at that mapping (`congress:`), not at the top
 * of the document. */
static td_value slot_value(ev *e, const td_node *rec, uint32_t slot)
{
    /* one value, returned from every path: it is built in the caller's memory */
    td_value v;
    const td_node *n = rec->v.slots[slot];
    if (!n) {
        v = ABSENT;
        v.node = rec;
    } else if (n->null || n->invalid) {
        put_node(&v, n);
    } else if (n->type->kind == TD_T_RECORD && !happened(e, n)) {
        /* at the as-of date: a dated record that had not happened yet is absent, and a list
         * of dated records skips them when it is walked */
        v = ABSENT;
        v.node = n;
    } else {
        put_node(&v, n);
        if (n->type->kind == TD_T_LIST && n->type->elem->kind == TD_T_RECORD &&
            n->type->elem->rec->dated)
            v.u.list.dated = true;
    }
    return v;
}

static td_value eval_ref(ev *e, const td_cexpr *c, const frame *f);

/* Evaluates c in frame f: a constant, and a field of the frame's own record, the most
 * frequent operations, without a call. Always inline: gcc made an out-of-line copy of it
 * for some callers, a call more per operation. */
static inline __attribute__((always_inline)) td_value eval(ev *e, const td_cexpr *c,
                                                           const frame *f)
{
    if (c->op == TD_CX_CONST)
        return c->value;
    if (c->op == TD_CX_FIELD && c->up == 0 && f && f->it.kind == TD_V_RECORD && !e->oom)
        return slot_value(e, f->it.u.rec, c->slot);
    if (c->memo && e->cse)
        return eval_shared(e, c, f);
    if (c->op <= TD_CX_IT)
        return eval_ref(e, c, f);
    return eval_op(e, c, f);
}

/* The first use of let `i` of entity frame fr: its value, kept in the frame. */
static __attribute__((noinline)) td_value eval_let(ev *e, frame *fr, uint32_t i)
{
    fr->let_done[i] = true; /* a let never refers to itself (resolve) */
    fr->lets[i] = eval(e, fr->let_exprs[i], fr);
    return fr->lets[i];
}

/* Let c (TD_CX_LET) of frame f, computed on first use, where its frame keeps it; NULL when
 * it has no value there (eval gives ABSENT), or out of memory. */
static const td_value *let_ref(ev *e, const td_cexpr *c, const frame *f)
{
    const frame *fr = frame_up(f, c->up);
    if (e->oom || !fr || !fr->lets)
        return NULL;
    if (!fr->let_done[c->slot])
        eval_let(e, (frame *)fr, c->slot); /* frames live on the evaluator's stack */
    return &fr->lets[c->slot];
}

/* The document, a field or computed field of a frame's record, a let or an element: the
 * operations that only fetch a value, as eval_op computes them, in a function whose frame
 * costs less than eval_op's (which saves six registers and reserves 376 bytes at each call:
 * more than the work of these). */
static td_value eval_ref(ev *e, const td_cexpr *c, const frame *f)
{
    if (e->oom)
        return ABSENT;
    if (c->op == TD_CX_ROOT)
        return of_node(e->root);
    const frame *fr = frame_up(f, c->up);
    if (!fr)
        return ABSENT;
    switch (c->op) {
    case TD_CX_FIELD:
        if (fr->it.kind != TD_V_RECORD)
            return ABSENT;
        return slot_value(e, fr->it.u.rec, c->slot);
    case TD_CX_DEFINE: return eval_define(e, c->def, &fr->it);
    case TD_CX_LET:
        if (!fr->lets)
            return ABSENT;
        if (!fr->let_done[c->slot]) /* frames live on the evaluator's stack */
            return eval_let(e, (frame *)fr, c->slot);
        return fr->lets[c->slot];
    default: return fr->it; /* TD_CX_IT */
    }
}

/* Field `slot` (or define `def`) of a record value; mapped and flattened over a list. */
static td_value get_field(ev *e, const td_cexpr *c, const td_value *base)
{
    if (base->kind == TD_V_RECORD) {
        if (c->def)
            return eval_define(e, c->def, base);
        return slot_value(e, base->u.rec, c->slot);
    }
    if (base->kind != TD_V_LIST)
        return ABSENT;
    const td_vlist *l = &base->u.list;
    lbuild b = {0};
    if (l->n && !lgrow(e, &b, l->n)) /* a field an item, unless lists are flattened */
        return ABSENT;
    for (uint32_t i = list_skip(e, l, 0); i < l->n; i = list_skip(e, l, i + 1)) {
        td_value el = list_at(l, i);
        /* a record's own field, the usual case, without a call */
        td_value fv = el.kind == TD_V_RECORD && !c->def ? slot_value(e, el.u.rec, c->slot)
                                                        : get_field(e, c, &el);
        if (fv.kind == TD_V_LIST && c->type->elem == fv.u.list.elem) {
            for (uint32_t k = list_skip(e, &fv.u.list, 0); k < fv.u.list.n;
                 k = list_skip(e, &fv.u.list, k + 1)) {
                td_value x = list_at(&fv.u.list, k);
                lpush(e, &b, &x);
            }
        } else if (usable(&fv)) {
            lpush(e, &b, &fv);
        }
    }
    return vlist(&b, c->type->elem, base->node);
}

/* Makes *fr the frame of item i of list l, at `position` among the items there, below f;
 * returns fr. Written in place: a frame is 104 bytes. */
static inline frame *item_frame(frame *fr, const frame *f, const td_vlist *l, uint32_t i,
                                uint32_t position)
{
    fr->up = f;
    if (l->node)
        put_node(&fr->it, l->node->v.list.items[i]);
    else
        fr->it = l->items[i];
    fr->from = l->node;
    fr->from_items = l->items;
    fr->position = position;
    fr->raw = i;
    fr->lets = NULL;
    fr->let_exprs = NULL;
    fr->let_done = NULL;
    return fr;
}

/* Iterates list `l` (the items there at the as-of date) with a frame below `f`; calls back
 * with the element frame. */
#define FOR_EACH(e, l, f, fr, i)                                                                   \
    for (uint32_t i = list_skip((e), &(l), 0), i##_pos = 1; i < (l).n;                             \
         i = list_skip((e), &(l), i + 1), i##_pos++)                                               \
        for (frame fr, *fr##_once = item_frame(&fr, (f), &(l), i, i##_pos); fr##_once;           \
             fr##_once = NULL)

static bool truthy(const td_value *v)
{
    return v->kind == TD_V_BOOL && v->u.b;
}

td_value td_arith(td_op op, td_tkind kind, td_value a, td_value b, const char **why)
{
    *why = NULL;
    if (!usable(&a) || !usable(&b))
        return ABSENT;
    td_value v = {.node = a.node ? a.node : b.node};
    if ((a.kind == TD_V_DATE || a.kind == TD_V_MONTH) && b.kind == TD_V_INT) {
        v.kind = a.kind;
        /* a date or month out of any calendar (beyond year 9999) is no value */
        const int64_t limit = a.kind == TD_V_DATE ? 3000000 : 120000;
        int64_t base = a.kind == TD_V_DATE ? a.u.days : a.u.month;
        int64_t r = 0;
        if (b.u.i > limit || b.u.i < -limit ||
            (r = op == TD_OP_ADD ? base + b.u.i : base - b.u.i) > limit || r < -limit) {
            *why = a.kind == TD_V_DATE ? N_("the date falls outside any calendar")
                                       : N_("the month falls outside any calendar");
            return ABSENT;
        }
        if (a.kind == TD_V_DATE)
            v.u.days = (int32_t)r;
        else
            v.u.month = (int32_t)r;
        return v;
    }
    if (a.kind == TD_V_DATE && b.kind == TD_V_DATE)
        return vint((int64_t)a.u.days - b.u.days, v.node);
    if (a.kind == TD_V_MONTH && b.kind == TD_V_MONTH)
        return vint((int64_t)a.u.month - b.u.month, v.node);
    if (kind == TD_T_INT) {
        int64_t x = a.u.i, y = b.u.i, r = 0;
        bool ovf = op == TD_OP_ADD   ? __builtin_add_overflow(x, y, &r)
                   : op == TD_OP_SUB ? __builtin_sub_overflow(x, y, &r)
                                     : __builtin_mul_overflow(x, y, &r);
        if (ovf) {
            *why = N_("the whole number goes beyond 9223372036854775807");
            return ABSENT;
        }
        return vint(r, v.node);
    }
    double x = num_of(&a), y = num_of(&b), r;
    switch (op) {
    case TD_OP_ADD: r = x + y; break;
    case TD_OP_SUB: r = x - y; break;
    case TD_OP_MUL: r = x * y; break;
    default:
        if (y == 0) {
            *why = N_("division by zero");
            return ABSENT;
        }
        r = x / y;
        break;
    }
    if (!isfinite(r)) {
        *why = N_("the number goes beyond what a number can hold");
        return ABSENT;
    }
    v.kind = TD_V_NUM;
    v.u.num = r;
    return v;
}

static td_value eval_arith(ev *e, const td_cexpr *c, td_value a, td_value b)
{
    const char *why;
    td_value v = td_arith(c->sub.op, c->type->kind, a, b, &why);
    return why ? fault(e, c, why) : v;
}

/* Whether usable value *a is an item of list *lp (false when *lp is not a list): x in L. */
static bool in_list(ev *e, const td_value *a, const td_value *lp)
{
    const td_vlist *l = &lp->u.list;
    bool found = false;
    if (lp->kind != TD_V_LIST) {
    } else if (l->items && (a->kind == TD_V_MONTH || a->kind == TD_V_DATE)) {
        /* months and dates (the monthly-review rule): compare the numbers in place */
        int32_t want = a->kind == TD_V_MONTH ? a->u.month : a->u.days;
        for (uint32_t i = 0; i < l->n && !found; i++) {
            const td_value *x = &l->items[i];
            found =
                x->kind == a->kind && (a->kind == TD_V_MONTH ? x->u.month : x->u.days) == want;
        }
    } else if (l->items) {
        /* a computed list is never dated: every item is there */
        for (uint32_t i = 0; i < l->n && !found; i++)
            found = usable(&l->items[i]) && compare(a, &l->items[i]) == 0;
    } else if (a->kind == TD_V_ENUM) {
        /* an enum in a data list (`thanh_nien in tags`): the items' indexes read in place */
        for (uint32_t i = list_skip(e, l, 0); i < l->n && !found; i = list_skip(e, l, i + 1)) {
            const td_node *x = l->node->v.list.items[i];
            found = x && !x->null && !x->invalid && x->v.enum_index == a->u.en.index;
        }
    } else {
        for (uint32_t i = list_skip(e, l, 0); i < l->n && !found; i = list_skip(e, l, i + 1)) {
            td_value x = list_at(l, i);
            found = usable(&x) && compare(a, &x) == 0;
        }
    }
    return found;
}

/* count, sum/min/max, all/any/none and each: the forms that walk a list with a frame per
 * item. */
static td_value eval_over_list(ev *e, const td_cexpr *c, const frame *f)
{
    switch (c->op) {
    case TD_CX_COUNT: {
        td_value l = eval(e, c->a, f);
        if (l.kind != TD_V_LIST)
            return vint(0, l.node);
        int64_t n = 0;
        FOR_EACH(e, l.u.list, f, fr, i)
        {
            if (!c->b) {
                n++;
            } else {
                td_value w = eval(e, c->b, &fr);
                n += truthy(&w);
            }
        }
        return vint(n, l.node);
    }
    case TD_CX_AGG: {
        td_value l = eval(e, c->a, f);
        td_agg agg = c->sub.agg;
        td_value best = ABSENT;
        double sum = 0;
        bool all_int = true;
        int64_t isum = 0;
        if (l.kind == TD_V_LIST) {
            FOR_EACH(e, l.u.list, f, fr, i)
            {
                if (c->b) {
                    td_value w = eval(e, c->b, &fr);
                    if (!truthy(&w))
                        continue;
                }
                td_value v = eval(e, c->c, &fr);
                if (!usable(&v))
                    continue;
                if (agg == TD_AGG_SUM) {
                    if (v.kind == TD_V_INT && all_int &&
                        !__builtin_add_overflow(isum, v.u.i, &isum)) {
                    } else {
                        all_int = false;
                    }
                    sum += num_of(&v);
                } else if (best.kind == TD_V_ABSENT ||
                           (agg == TD_AGG_MIN ? compare(&v, &best) < 0 : compare(&v, &best) > 0)) {
                    best = v;
                }
            }
        }
        if (agg != TD_AGG_SUM)
            return best;
        if (c->type->kind == TD_T_INT && all_int)
            return vint(isum, l.node);
        if (!isfinite(sum))
            return fault(e, c, N_("the sum goes beyond what a number can hold"));
        td_value v = {.kind = TD_V_NUM, .node = l.node};
        v.u.num = sum;
        return v;
    }
    case TD_CX_QUANT: {
        td_value l = eval(e, c->a, f);
        td_quant q = c->sub.quant;
        if (l.kind != TD_V_LIST)
            return vbool(q != TD_Q_ANY, l.node);
        /* like and/or: an item whose condition is not applicable (a value it needs is
         * missing) makes the whole answer not applicable unless another item decides it */
        bool unknown = false;
        FOR_EACH(e, l.u.list, f, fr, i)
        {
            td_value b = eval(e, c->b, &fr);
            bool t = truthy(&b);
            if (b.kind != TD_V_BOOL)
                unknown = true;
            else if (q == TD_Q_ALL && !t)
                return vbool(false, b.node ? b.node : fr.it.node);
            else if (q == TD_Q_ANY && t)
                return vbool(true, fr.it.node);
            else if (q == TD_Q_NONE && t)
                return vbool(false, b.node ? b.node : fr.it.node);
        }
        if (unknown)
            return ABSENT;
        return vbool(q != TD_Q_ANY, l.node);
    }
    case TD_CX_EACH: {
        td_value l = eval(e, c->a, f);
        lbuild b = {0};
        if (l.kind != TD_V_LIST)
            return vlist(&b, c->type->elem, l.node);
        const td_cexpr *in = c->b;
        if (in->op == TD_CX_IN && in->a->op == TD_CX_IT && in->a->up == 0 &&
            in->b->op == TD_CX_LET && in->b->up > 0 &&
            !(e->cse && (in->memo || in->a->memo || in->b->memo))) {
            /* each x in L where x [not] in M, M a let of an enclosing frame (`each m in
             * months(first, last) where m not in reviewed`): the condition as eval_op's IN
             * computes it for each item, without a call for it, for x or for M. M is found
             * at the first usable item, where IN first asks for it */
            const td_value *lp = NULL;
            bool asked = false;
            FOR_EACH(e, l.u.list, f, fr, i)
            {
                if (e->oom || !usable(&fr.it))
                    continue; /* IN: no value */
                if (!asked) {
                    lp = let_ref(e, in->b, &fr);
                    asked = true;
                }
                if (in_list(e, &fr.it, lp ? lp : &ABSENT) != in->negate)
                    lpush(e, &b, &fr.it);
            }
            return vlist(&b, c->type->elem, l.node);
        }
        FOR_EACH(e, l.u.list, f, fr, i)
        {
            td_value w = eval(e, in, &fr);
            if (truthy(&w))
                lpush(e, &b, &fr.it);
        }
        return vlist(&b, c->type->elem, l.node);
    }
    default: return ABSENT;
    }
}

/* as_of, month_of(as_of) or year_of(as_of): 1, 2 or 3 (a day, a month, a year); else 0. */
static int asof_grain(const td_cexpr *c)
{
    if (c->op == TD_CX_ASOF)
        return 1;
    if ((c->op == TD_CX_MONTH_OF || c->op == TD_CX_YEAR_OF) && c->a->op == TD_CX_ASOF)
        return c->op == TD_CX_MONTH_OF ? 2 : 3;
    return 0;
}

/* The first and last day of the day, month or year that value x names at `grain`. */
static bool grain_days(int grain, const td_value *x, int32_t *first, int32_t *last)
{
    if (grain == 1 && x->kind == TD_V_DATE) {
        *first = *last = x->u.days;
        return true;
    }
    int64_t y, m;
    if (grain == 2 && x->kind == TD_V_MONTH) {
        y = x->u.month >= 0 ? x->u.month / 12 : -((-(int64_t)x->u.month + 11) / 12);
        m = x->u.month - y * 12;
    } else if (grain == 3 && x->kind == TD_V_INT && x->u.i > -10000 && x->u.i < 10000) {
        y = x->u.i;
        m = -1;
    } else {
        return false;
    }
    if (y < -10000 || y > 10000)
        return false;
    if (m < 0) {
        *first = td_days_from_civil((int32_t)y, 1, 1);
        *last = td_days_from_civil((int32_t)y + 1, 1, 1) - 1;
    } else {
        *first = td_days_from_civil((int32_t)y, (uint32_t)m + 1, 1);
        *last = (m == 11 ? td_days_from_civil((int32_t)y + 1, 1, 1)
                         : td_days_from_civil((int32_t)y, (uint32_t)m + 2, 1)) - 1;
    }
    return true;
}

/* A comparison of as_of (or its month or year), g, with a value x: its answer changes only
 * where as_of crosses the day, month or year that x names, so it holds on one side of it. */
static td_value cmp_asof(ev *e, const td_cexpr *c, const frame *f, int grain, bool g_left)
{
    td_value x = eval(e, g_left ? c->b : c->a, f);
    if (!usable(&x))
        return ABSENT;
    int32_t saved_lo = e->lo, saved_hi = e->hi;
    td_value g = eval(e, g_left ? c->a : c->b, f); /* narrows to its day, month or year */
    int32_t first, last;
    bool known = usable(&g) && grain_days(grain, &x, &first, &last);
    if (!usable(&g))
        return ABSENT;
    int r = compare(&g, &x); /* g against x */
    td_op op = c->sub.op;
    if (!g_left) /* x OP g is g OP' x */
        op = op == TD_OP_LT ? TD_OP_GT : op == TD_OP_GT ? TD_OP_LT
           : op == TD_OP_LE ? TD_OP_GE : op == TD_OP_GE ? TD_OP_LE : op;
    /* where g(d) stands against x: before (d < first), within, or after (d > last); a
     * value of another kind (a year compared with a number out of any calendar) keeps the
     * narrowing of g itself */
    if (known) {
        e->lo = saved_lo;
        e->hi = saved_hi;
    }
    if (!known)
        ;
    else if (r < 0)
        narrow(e, DAY_MIN, first - 1);
    else if (r > 0)
        narrow(e, last + 1, DAY_MAX);
    else
        narrow(e, first, last);
    bool res;
    switch (op) {
    case TD_OP_EQ: res = r == 0; break;
    case TD_OP_NE: res = r != 0; break;
    case TD_OP_LT: res = r < 0; break;
    case TD_OP_LE: res = r <= 0; break;
    case TD_OP_GT: res = r > 0; break;
    default: res = r >= 0; break;
    }
    return vbool(res, x.node);
}

uint64_t td_xhash(uint64_t seed, const char *s)
{
    uint64_t h = 0xcbf29ce484222325ULL ^ (seed * 0x9E3779B97F4A7C15ULL);
    for (; *s; s++) {
        h ^= (unsigned char)*s;
        h *= 0x100000001b3ULL;
    }
    h ^= h >> 33;
    h *= 0xff51afd7ed558ccdULL;
    h ^= h >> 33;
    h *= 0xc4ceb9fe1a85ec53ULL;
    h ^= h >> 33;
    return h ? h : 1;
}

/* A copy of a text value, owned (malloc). */
static char *text_dup(const td_value *v)
{
    char *s = malloc(v->u.text.len + 1);
    if (s) {
        memcpy(s, v->u.text.s, v->u.text.len);
        s[v->u.text.len] = '\0';
    }
    return s;
}

static void record_lookup(ev *e, uint32_t index, const td_value *owner, const td_value *key)
{
    td_unit_result *res = e->res;
    if (!res)
        return;
    td_xlookup *nw = realloc(res->lookups, (res->n_lookups + 1) * sizeof *nw);
    if (!nw) {
        e->oom = true;
        return;
    }
    res->lookups = nw;
    td_xlookup *l = &nw[res->n_lookups];
    l->index = index;
    l->owner_text = text_dup(owner);
    l->key_text = text_dup(key);
    if (!l->owner_text || !l->key_text) {
        free(l->owner_text);
        free(l->key_text);
        e->oom = true;
        return;
    }
    l->owner = td_xhash(0, l->owner_text);
    l->key = td_xhash(index + 1, l->key_text);
    res->n_lookups++;
}

/* Forgets the look-ups recorded from `n` on. */
static void drop_lookups(td_unit_result *res, uint32_t n)
{
    for (uint32_t i = n; i < res->n_lookups; i++) {
        free(res->lookups[i].owner_text);
        free(res->lookups[i].key_text);
    }
    res->n_lookups = n;
}

/* An expression that several rules on the entity compute: computed once for the entity.
 * A value whose computation faulted is not kept, so that each rule reports its own fault at
 * its own place in the rules. */
static td_value eval_shared(ev *e, const td_cexpr *c, const frame *f)
{
    shared *m = &e->cse[c->memo - 1];
    if (e->cse_known[c->memo - 1]) {
        narrow(e, m->lo, m->hi);
        return m->v;
    }
    alone r = eval_alone(e, c, f, true);
    if (!r.fault && !e->oom) {
        m->v = r.v;
        m->lo = r.lo;
        m->hi = r.hi;
        e->cse_known[c->memo - 1] = 1;
    }
    return r.v;
}

/* empty(a): 1 or 0, or -1 when a was written wrong (no answer). */
static inline int is_empty(ev *e, const td_value *a)
{
    if (a->kind == TD_V_INVALID)
        return -1;
    if (a->kind == TD_V_LIST)
        return list_skip(e, &a->u.list, 0) == a->u.list.n;
    if (a->kind == TD_V_TEXT)
        return td_text_blank(a->u.text.s, a->u.text.len);
    return 1;
}

static td_value eval_op(ev *e, const td_cexpr *c, const frame *f)
{
    if (e->oom)
        return ABSENT;
    switch (c->op) {
    case TD_CX_CONST: return c->value;
    case TD_CX_ROOT: {
        td_value v = of_node(e->root);
        return v;
    }
    case TD_CX_ASOF: {
        td_value v = {.kind = TD_V_DATE};
        v.u.days = e->as_of;
        narrow(e, e->as_of, e->as_of); /* a value that changes every day */
        return v;
    }
    case TD_CX_FIELD: {
        const frame *fr = frame_up(f, c->up);
        if (!fr || fr->it.kind != TD_V_RECORD)
            return ABSENT;
        return slot_value(e, fr->it.u.rec, c->slot);
    }
    case TD_CX_DEFINE: {
        const frame *fr = frame_up(f, c->up);
        return fr ? eval_define(e, c->def, &fr->it) : ABSENT;
    }
    case TD_CX_LET: {
        frame *fr = (frame *)frame_up(f, c->up); /* frames live on the evaluator's stack */
        if (!fr || !fr->lets)
            return ABSENT;
        if (!fr->let_done[c->slot]) {
            fr->let_done[c->slot] = true; /* a let never refers to itself (resolve) */
            fr->lets[c->slot] = eval(e, fr->let_exprs[c->slot], fr);
        }
        return fr->lets[c->slot];
    }
    case TD_CX_IT: {
        const frame *fr = frame_up(f, c->up);
        return fr ? fr->it : ABSENT;
    }
    case TD_CX_PREVIOUS: {
        const frame *fr = frame_up(f, c->up);
        if (!fr || fr->position < 2)
            return ABSENT;
        /* computed only when asked for: most rules never look back */
        if (fr->from) {
            for (uint32_t k = fr->raw; k-- > 0;) {
                const td_node *item = fr->from->v.list.items[k];
                bool dated = fr->from->type->elem->kind == TD_T_RECORD &&
                             fr->from->type->elem->rec->dated;
                if (!dated || happened(e, item))
                    return of_node(item);
            }
            return ABSENT;
        }
        return fr->from_items ? fr->from_items[fr->position - 2] : ABSENT;
    }
    case TD_CX_POSITION: {
        const frame *fr = frame_up(f, c->up);
        return fr ? vint(fr->position, fr->it.node) : ABSENT;
    }
    case TD_CX_GET:
    case TD_CX_GETDEF: {
        td_value base = eval(e, c->a, f);
        return get_field(e, c, &base);
    }
    case TD_CX_NOT: {
        if (c->a->op == TD_CX_EMPTY && !(c->a->memo && e->cse)) {
            /* not empty(x), the most frequent negation: without a second call */
            td_value x = eval(e, c->a->a, f);
            int empty = is_empty(e, &x);
            return empty < 0 ? ABSENT : vbool(!empty, x.node);
        }
        td_value a = eval(e, c->a, f);
        return a.kind == TD_V_BOOL ? vbool(!a.u.b, a.node) : ABSENT;
    }
    case TD_CX_NEG: {
        td_value a = eval(e, c->a, f);
        if (a.kind == TD_V_INT && a.u.i == INT64_MIN)
            return fault(e, c, N_("the whole number goes beyond 9223372036854775807"));
        if (a.kind == TD_V_INT)
            a.u.i = -a.u.i;
        else if (a.kind == TD_V_NUM)
            a.u.num = -a.u.num;
        else
            return ABSENT;
        return a;
    }
    case TD_CX_AND:
    case TD_CX_OR: {
        bool is_and = c->op == TD_CX_AND;
        td_value a = eval(e, c->a, f);
        if (a.kind == TD_V_BOOL && a.u.b != is_and)
            return a; /* false and ..., true or ... */
        td_value b = eval(e, c->b, f);
        if (b.kind == TD_V_BOOL && b.u.b != is_and)
            return b;
        if (a.kind != TD_V_BOOL || b.kind != TD_V_BOOL)
            return ABSENT;
        return vbool(is_and, a.node ? a.node : b.node);
    }
    case TD_CX_CMP: {
        int grain = asof_grain(c->a);
        if (grain || (grain = asof_grain(c->b)) != 0)
            return cmp_asof(e, c, f, grain, asof_grain(c->a) != 0);
        td_value a = eval(e, c->a, f), b = eval(e, c->b, f);
        if (!usable(&a) || !usable(&b))
            return ABSENT;
        int r = compare(&a, &b);
        bool res;
        switch (c->sub.op) {
        case TD_OP_EQ: res = r == 0; break;
        case TD_OP_NE: res = r != 0; break;
        case TD_OP_LT: res = r < 0; break;
        case TD_OP_LE: res = r <= 0; break;
        case TD_OP_GT: res = r > 0; break;
        default: res = r >= 0; break;
        }
        return vbool(res, a.node ? a.node : b.node);
    }
    case TD_CX_IN: {
        td_value a = eval(e, c->a, f);
        if (!usable(&a))
            return ABSENT;
        /* a let's list (`m not in reviewed`) read where the frame keeps it, not copied */
        td_value lv;
        const td_value *lp = c->b->op == TD_CX_LET && !(c->b->memo && e->cse)
                                 ? let_ref(e, c->b, f)
                                 : NULL;
        if (!lp) {
            lv = eval(e, c->b, f);
            lp = &lv;
        }
        bool found = in_list(e, &a, lp);
        return vbool(found != c->negate, a.node);
    }
    case TD_CX_ARITH: {
        td_value a = eval(e, c->a, f);
        return eval_arith(e, c, a, eval(e, c->b, f));
    }
    case TD_CX_LIST: {
        if (c->value.kind == TD_V_LIST)
            return c->value; /* constants only: made by the compiler */
        lbuild b = {0};
        if (c->nargs && !lgrow(e, &b, c->nargs))
            return ABSENT;
        for (uint32_t i = 0; i < c->nargs; i++) {
            td_value x = eval(e, c->args[i], f);
            lpush(e, &b, &x);
        }
        return vlist(&b, c->type->elem, NULL);
    }
    case TD_CX_PRESENT: {
        td_value a = eval(e, c->a, f);
        return vbool(a.kind != TD_V_ABSENT, a.node);
    }
    case TD_CX_EMPTY: {
        td_value a = eval(e, c->a, f);
        int empty = is_empty(e, &a);
        return empty < 0 ? ABSENT : vbool(empty, a.node);
    }
    case TD_CX_LENGTH: {
        td_value a = eval(e, c->a, f);
        if (a.kind == TD_V_LIST)
            return vint(list_len(e, &a.u.list), a.node);
        if (a.kind != TD_V_TEXT)
            return ABSENT;
        int64_t n = 0;
        for (uint32_t i = 0; i < a.u.text.len; i++)
            n += ((unsigned char)a.u.text.s[i] & 0xC0) != 0x80;
        return vint(n, a.node);
    }
    case TD_CX_FOUND: {
        td_value o = eval(e, c->a, f), k = eval(e, c->b, f);
        if (o.kind != TD_V_TEXT || k.kind != TD_V_TEXT)
            return ABSENT;
        if (e->recording)
            record_lookup(e, c->slot, &o, &k);
        return vbool(e->optimistic, k.node);
    }
    case TD_CX_PARAM: {
        int32_t lo, hi;
        const td_value *v = td_param_at(&e->p->params[c->slot], e->as_of, &lo, &hi);
        narrow(e, lo, hi);
        return *v;
    }
    case TD_CX_NOSPACE: {
        td_value a = eval(e, c->a, f);
        if (a.kind != TD_V_TEXT)
            return a.kind == TD_V_INVALID ? ABSENT : a;
        char *out = td_arena_alloc(e->a, a.u.text.len + 1);
        if (!out) {
            e->oom = true;
            return ABSENT;
        }
        uint32_t n = 0;
        for (uint32_t i = 0; i < a.u.text.len; i++) {
            char ch = a.u.text.s[i];
            if (ch != ' ' && ch != '\t' && ch != '\n' && ch != '\r')
                out[n++] = ch;
        }
        out[n] = '\0';
        a.u.text.s = out;
        a.u.text.len = n;
        return a;
    }
    case TD_CX_MONTH_OF: {
        int32_t lo = e->lo, hi = e->hi;
        td_value a = eval(e, c->a, f);
        if (a.kind != TD_V_DATE)
            return ABSENT;
        td_value v = {.kind = TD_V_MONTH, .node = a.node};
        v.u.month = td_month_of_date(a.u.days);
        if (c->a->op == TD_CX_ASOF) { /* the same all month long */
            int32_t first, last;
            e->lo = lo;
            e->hi = hi;
            if (grain_days(2, &v, &first, &last))
                narrow(e, first, last);
            else
                narrow(e, a.u.days, a.u.days);
        }
        return v;
    }
    case TD_CX_YEAR_OF: {
        int32_t lo = e->lo, hi = e->hi;
        td_value a = eval(e, c->a, f);
        if (c->a->op == TD_CX_ASOF && a.kind == TD_V_DATE) { /* the same all year long */
            td_value y = vint(td_month_of_date(a.u.days) / 12, NULL);
            int32_t first, last;
            e->lo = lo;
            e->hi = hi;
            if (grain_days(3, &y, &first, &last))
                narrow(e, first, last);
            else
                narrow(e, a.u.days, a.u.days);
        }
        if (a.kind == TD_V_MONTH)
            return vint(a.u.month / 12, a.node);
        if (a.kind != TD_V_DATE)
            return ABSENT;
        return vint(td_month_of_date(a.u.days) / 12, a.node);
    }
    case TD_CX_MONTHS: {
        td_value a = eval(e, c->a, f), b = eval(e, c->b, f);
        if (a.kind != TD_V_MONTH || b.kind != TD_V_MONTH)
            return ABSENT;
        lbuild lb = {0};
        /* bounded: at most 100 years of months; each written in its item (see put_node) */
        int64_t span = (int64_t)b.u.month - a.u.month + 1;
        if (span > 0 && !lgrow(e, &lb, span < 1200 ? (uint32_t)span : 1200))
            return ABSENT;
        for (int32_t m = a.u.month; m <= b.u.month && m - a.u.month < 1200; m++) {
            td_value *v = lnext(e, &lb);
            if (v) {
                *v = ABSENT;
                v->kind = TD_V_MONTH;
                v->u.month = m;
            }
        }
        return vlist(&lb, c->type->elem, a.node);
    }
    case TD_CX_COUNT:
    case TD_CX_AGG:
    case TD_CX_QUANT:
    case TD_CX_EACH: return eval_over_list(e, c, f);
    case TD_CX_MINMAX: {
        td_value a = eval(e, c->a, f), b = eval(e, c->b, f);
        if (!usable(&a))
            return b;
        if (!usable(&b))
            return a;
        int r = compare(&a, &b);
        return (c->sub.agg == TD_AGG_MIN) == (r <= 0) ? a : b;
    }
    case TD_CX_IF: {
        td_value a = eval(e, c->a, f);
        if (a.kind != TD_V_BOOL)
            return ABSENT;
        return eval(e, a.u.b ? c->b : c->c, f);
    }
    }
    return ABSENT;
}

bool td_eval_static(const td_program *p, const td_cexpr *c, int32_t as_of, td_value *out)
{
    td_arena a;
    td_arena_init(&a, 256);
    ev e;
    memset(&e, 0, sizeof e);
    e.p = p;
    e.as_of = as_of;
    e.lo = DAY_MIN;
    e.hi = DAY_MAX;
    e.a = &a;
    *out = eval(&e, c, NULL);
    bool ok = !e.oom && usable(out) && out->kind != TD_V_TEXT && out->kind != TD_V_LIST;
    td_arena_free(&a);
    if (!ok)
        *out = ABSENT;
    return ok;
}

/* ---------- formatting ---------- */

static void fmt_into(const td_value *v, char **buf, size_t *len, size_t *cap, td_arena *a);

static void append(char **buf, size_t *len, size_t *cap, const char *s, size_t n, td_arena *a)
{
    if (!*buf)
        return;
    if (*len + n + 1 > *cap) {
        size_t nc = (*cap ? *cap : 64) * 2;
        while (nc < *len + n + 1)
            nc *= 2;
        char *nb = td_arena_alloc(a, nc);
        if (!nb) {
            *buf = NULL;
            return;
        }
        memcpy(nb, *buf, *len);
        *buf = nb;
        *cap = nc;
    }
    memcpy(*buf + *len, s, n);
    *len += n;
    (*buf)[*len] = '\0';
}

static void fmt_into(const td_value *v, char **buf, size_t *len, size_t *cap, td_arena *a)
{
    char tmp[64];
    int n = 0;
    switch (v->kind) {
    case TD_V_ABSENT: append(buf, len, cap, "(trống)", strlen("(trống)"), a); return;
    case TD_V_INVALID: append(buf, len, cap, "(sai)", strlen("(sai)"), a); return;
    case TD_V_BOOL: n = snprintf(tmp, sizeof tmp, "%s", v->u.b ? "true" : "false"); break;
    case TD_V_INT: n = snprintf(tmp, sizeof tmp, "%lld", (long long)v->u.i); break;
    case TD_V_NUM:
        if (!isfinite(v->u.num)) {
            append(buf, len, cap, "(trống)", strlen("(trống)"), a);
            return;
        }
        n = snprintf(tmp, sizeof tmp, "%.15g", v->u.num);
        break;
    case TD_V_TEXT: append(buf, len, cap, v->u.text.s, v->u.text.len, a); return;
    case TD_V_DATE:
        td_format_date(v->u.days, tmp);
        n = (int)strlen(tmp);
        break;
    case TD_V_MONTH:
        td_format_month(v->u.month, tmp);
        n = (int)strlen(tmp);
        break;
    case TD_V_ENUM: {
        const char *s = v->u.en.en->values[v->u.en.index];
        append(buf, len, cap, s, strlen(s), a);
        return;
    }
    case TD_V_RECORD:
        n = snprintf(tmp, sizeof tmp, "(%s)",
                     v->node && v->node->type->rec ? v->node->type->rec->name : "record");
        break;
    case TD_V_LIST:
        for (uint32_t i = 0; i < v->u.list.n; i++) {
            if (i)
                append(buf, len, cap, ", ", 2, a);
            td_value x = list_at(&v->u.list, i);
            fmt_into(&x, buf, len, cap, a);
        }
        return;
    }
    append(buf, len, cap, tmp, (size_t)n, a);
}

const char *td_value_format(const td_value *v, td_arena *a)
{
    size_t len = 0, cap = 64;
    char *buf = td_arena_alloc(a, cap);
    if (!buf)
        return NULL;
    buf[0] = '\0';
    fmt_into(v, &buf, &len, &cap, a);
    return buf;
}

static const char *render_msg(ev *e, const td_msg *m, const char *fallback, const frame *f)
{
    if (!m->text) {
        /* the label stands for the message; it may insert a dated param */
        char lb[1024];
        const char *l = td_label_at(e->p, fallback, e->as_of, lb, sizeof lb);
        const char *copy = l == fallback ? l : td_arena_strdup(e->a, l);
        return copy ? copy : fallback;
    }
    size_t len = 0, cap = 128;
    char *buf = td_arena_alloc(e->a, cap);
    if (!buf)
        return fallback;
    buf[0] = '\0';
    for (uint32_t i = 0; i <= m->n; i++) {
        append(&buf, &len, &cap, m->text[i], strlen(m->text[i]), e->a);
        if (i < m->n && m->expr[i]) {
            td_value v = eval(e, m->expr[i], f);
            fmt_into(&v, &buf, &len, &cap, e->a);
        }
    }
    return buf ? buf : fallback;
}

/* ---------- findings ---------- */

#define MAX_DEPTH 16 /* steps of an entity path (resolve allows 15) */

typedef struct unitctx {
    ev e;
    const td_source *src;
    td_unit_result *res;
    const int32_t *history; /* res->n_history earlier as-of dates, oldest first */
    size_t path_len;
    const td_epath *cur_path;  /* the path being visited */
    uint32_t depth;            /* steps of it taken */
    uint32_t index[MAX_DEPTH]; /* list index taken at each step, UINT32_MAX for a record */
    FILE *trace;               /* thidua explain --unit: where the trace goes, or NULL */
    double trace_total;        /* a target's trace: what the unit adds up to */
    uint32_t last_contrib;     /* index in res->contribs of the last share added: a target's
                                * shares at the history dates mostly go to the same one */
    uint64_t rule_key;         /* while the walk of the criteria runs a rule: its rank, added
                                * to the seq of its findings (see rule_order), else 0 */
    shared *cse;               /* arena(unit): room for the shared values of any walk node */
    uint8_t *cse_known;        /* (p->visit_memo each), or NULL */
    /* data path of the current entity, written by build_path; last, so that a unit clears
     * the members before it and not its 512 bytes (memory its load moved out of the cache) */
    char path[512];
} unitctx;

static void build_path(unitctx *u);

/* The characters of a key at column `col` of source line `line`, for the caret width. */
static uint32_t key_width(const char *line, uint32_t col)
{
    if (!line)
        return 1;
    const char *s = line;
    uint32_t c = 1;
    while (*s && c < col) {
        s++;
        while (*s && ((unsigned char)*s & 0xC0) == 0x80)
            s++;
        c++;
    }
    if (*s == '-')
        return 1;
    uint32_t w = 0;
    while (s[w] && s[w] != ':' && s[w] != ' ')
        w++;
    return w ? w : 1;
}

/* Where a finding about `blame` (or, without it, about `entity`) points: its line, column
 * and width as td_diag_at_lc takes them; *use_key: at the key of a mapping or list item,
 * whose width is the key's (key_width). */
typedef struct place {
    uint32_t line, col, width;
    bool use_key;
} place;

static place place_of(unitctx *u, const td_node *blame, const td_node *entity)
{
    const td_node *at = blame ? blame : entity;
    place pl;
    pl.use_key =
        at &&
        (!blame || at->null || at->type->kind == TD_T_RECORD || at->type->kind == TD_T_LIST) &&
        at->key_line;
    uint32_t line = at ? (pl.use_key ? at->key_line : at->line) : 0;
    uint32_t col = at ? (pl.use_key ? at->key_col : at->col) : 0;
    if (pl.use_key && !col)
        col = td_item_dash_col(u->src, at->line, at->col); /* a list item's dash */
    pl.width = at && !pl.use_key ? at->width : 1;
    pl.line = line ? line : u->res->line;
    pl.col = line ? col : 1;
    return pl;
}

static td_diagnostic *add_finding_to(unitctx *u, td_diag *d, td_severity sev, const char *rule,
                                     const char *cite, const char *label, const td_node *blame,
                                     const td_node *entity, const char *msg, const char *hint)
{
    place pl = place_of(u, blame, entity);
    td_diagnostic *x = td_diag_at_lc(d, sev, TD_CODE_RULE, u->src, pl.line, pl.col, pl.width,
                                     "%s", msg);
    if (!x)
        return NULL;
    x->seq += u->rule_key;
    if (pl.use_key)
        x->width = key_width(x->source_line, x->col);
    x->doc = u->res->doc;
    td_diag_set(d, &x->rule, "%s", rule);
    if (cite && *cite)
        td_diag_set(d, &x->cite, "%s", cite);
    char lb[1024];
    if (label)
        td_diag_set(d, &x->label, "%s", td_label_at(u->e.p, label, u->e.as_of, lb, sizeof lb));
    build_path(u);
    td_diag_set(d, &x->path, "%s", u->path_len ? u->path : "");
    if (hint)
        td_diag_set(d, &x->hint, "%s", hint);
    return x;
}

static td_diagnostic *add_finding(unitctx *u, td_severity sev, const char *rule,
                                  const char *cite, const char *label, const td_node *blame,
                                  const td_node *entity, const char *msg, const char *hint)
{
    return add_finding_to(u, &u->res->findings, sev, rule, cite, label, blame, entity, msg, hint);
}

/* ---------- entities ---------- */

typedef void (*entity_fn)(unitctx *u, const frame *f, const void *arg);

/* The [condition] of a path step, if any, holds for the item reached. */
static bool keep(unitctx *u, const td_epath *path, uint32_t step, const frame *fr)
{
    if (!path->filters || !path->filters[step])
        return true;
    td_value v = eval(&u->e, path->filters[step], fr);
    return truthy(&v);
}

/* The name of the field at `slot` of record `r`. */
static const char *slot_name(const td_record *r, uint32_t slot)
{
    for (uint32_t i = 0; i < r->n_fields; i++)
        if (r->fields[i].slot == slot)
            return r->fields[i].name;
    return "?";
}

/* Appends the n bytes of s to buf (cap bytes) at *len as snprintf would: what fits before
 * the NUL is written, and *len counts them all. */
static void put_cut(char *buf, size_t cap, size_t *len, const char *s, size_t n)
{
    if (*len < cap) {
        size_t w = cap - *len - 1;
        if (n < w)
            w = n;
        memcpy(buf + *len, s, w);
        buf[*len + w] = '\0';
    }
    *len += n;
}

/* Writes the data path of the current entity ("exemplars[1].plan") into u->path; done
 * only when a finding needs it, so that visiting stays cheap. Each step is written as
 * snprintf's "%s%s" or "%s%s[%u]" wrote it, cut where it was cut. */
static void build_path(unitctx *u)
{
    const td_epath *path = u->cur_path;
    size_t len = 0;
    u->path[0] = '\0';
    for (uint32_t k = 0; path && k < u->depth && len < sizeof u->path; k++) {
        const char *name = slot_name(path->recs[k], path->slots[k]);
        if (k)
            put_cut(u->path, sizeof u->path, &len, ".", 1);
        put_cut(u->path, sizeof u->path, &len, name, strlen(name));
        if (u->index[k] != UINT32_MAX) {
            char num[16];
            size_t n = sizeof num;
            num[--n] = ']';
            uint32_t x = u->index[k];
            do
                num[--n] = (char)('0' + x % 10);
            while ((x /= 10) != 0);
            num[--n] = '[';
            put_cut(u->path, sizeof u->path, &len, num + n, sizeof num - n);
        }
    }
    u->path_len = len < sizeof u->path ? len : sizeof u->path - 1;
}

/* Visits every entity at the end of `path`, building the frames; the data path is kept as
 * list indexes (u->index) and written out only for a finding. */
static void visit(unitctx *u, const td_epath *path, uint32_t step, const frame *f, entity_fn fn,
                  const void *arg)
{
    if (u->e.oom)
        return;
    if (step == path->n) {
        u->cur_path = path;
        u->depth = step;
        fn(u, f, arg);
        return;
    }
    const td_node *rec = f->it.u.rec;
    const td_node *child = rec->v.slots[path->slots[step]];
    if (!child || child->invalid || child->null || step >= MAX_DEPTH)
        return;
    /* Decision 10: an event after the as-of date is not visited; each entity starts from
     * the validity of the path that reached it */
    int32_t lo = u->e.lo, hi = u->e.hi;
    if (child->type->kind == TD_T_LIST) {
        uint32_t position = 0;
        for (uint32_t i = 0; i < child->v.list.n; i++) {
            const td_node *item = child->v.list.items[i];
            if (!item || item->invalid || item->type->kind != TD_T_RECORD)
                continue;
            bool there = happened(&u->e, item);
            if (there) {
                u->index[step] = i;
                frame fr;
                node_frame(&fr, f, item, ++position);
                fr.from = child;
                fr.raw = i;
                if (keep(u, path, step, &fr))
                    visit(u, path, step + 1, &fr, fn, arg);
            }
            u->e.lo = lo;
            u->e.hi = hi;
        }
    } else if (child->type->kind == TD_T_RECORD) {
        if (happened(&u->e, child)) {
            u->index[step] = UINT32_MAX;
            frame fr;
            node_frame(&fr, f, child, 1);
            if (keep(u, path, step, &fr))
                visit(u, path, step + 1, &fr, fn, arg);
        }
        u->e.lo = lo;
        u->e.hi = hi;
    }
}

typedef struct crit_arg {
    const td_criterion *c;
    const td_variant *v;
} crit_arg;

/* True when the rule's `due` says an unmet error is not due yet at the as-of date: before
 * its date, or while its condition does not hold. A due that has no value (a date or a
 * field it needs is missing) leaves the error as it is. */
static bool not_due(unitctx *u, const td_cexpr *due, td_severity sev, const frame *f)
{
    if (!due || sev != TD_SEV_ERROR)
        return false;
    td_value d = eval(&u->e, due, f);
    u->e.fault = NULL; /* a due that cannot be computed keeps the error, as a missing value */
    if (d.kind == TD_V_DATE)
        return u->e.as_of < d.u.days;
    return d.kind == TD_V_BOOL && !d.u.b;
}

/* The length of the first `n` bytes of UTF-8 text `s` without a character cut at their end:
 * the rule texts quoted in a fault or a trace are cut at a character boundary. */
static size_t utf8_whole(const char *s, size_t n)
{
    size_t k = n;
    while (k > 0 && ((unsigned char)s[k - 1] & 0xC0) == 0x80)
        k--;
    if (k == 0 || (unsigned char)s[k - 1] < 0xC0)
        return n;   /* ASCII at the end, or nothing but continuation bytes */
    unsigned char lead = (unsigned char)s[k - 1];
    size_t need = lead >= 0xF0 ? 4 : lead >= 0xE0 ? 3 : 2;
    return n - (k - 1) >= need ? n : k - 1;
}

/* When an operation of the rule had no value (ev.fault), reports that the rule could not
 * be evaluated on this entity, once, as an error of the unit: never a silent pass. */
static bool report_fault(unitctx *u, const td_criterion *c, const frame *f)
{
    const td_cexpr *k = u->e.fault;
    if (!k)
        return false;
    u->e.fault = NULL;
    const td_source *src = k->span.src < u->e.p->n_sources ? u->e.p->sources[k->span.src] : NULL;
    char text[64];
    size_t n = 0;
    uint32_t line = 0, col = 0;
    if (src && k->span.off <= src->len && k->span.len <= src->len - k->span.off) {
        td_source_linecol(src, k->span.off, &line, &col);
        /* the operation as written, on one line, cut at a character boundary */
        const char *t = src->text + k->span.off;
        for (size_t i = 0; i < k->span.len && n < sizeof text - 4; i++) {
            unsigned char ch = (unsigned char)t[i];
            bool space = ch == ' ' || ch == '\t' || ch == '\n' || ch == '\r';
            if (space && (n == 0 || text[n - 1] == ' '))
                continue;
            text[n++] = space ? ' ' : (char)ch;
        }
        if (n < k->span.len) {
            n = utf8_whole(text, n);
            memcpy(text + n, "...", 3);
            n += 3;
        }
    }
    text[n] = '\0';
    td_lang lang = td_diag_lang(&u->res->findings);
    const char *msg = td_arena_printf(u->e.a,
                                      TR(lang, "this rule could not be evaluated: %s in `%s` "
                                               "(%s:%u:%u)"),
                                      TR(lang, u->e.fault_why), text, src ? src->name : "?",
                                      line, col);
    if (!msg) {
        u->e.oom = true;
        return true;
    }
    add_finding(u, TD_SEV_ERROR, c->id, c->cite, c->label, f->it.node, f->it.node, msg,
                TR(lang, "the rule says nothing about this unit until it can be computed: "
                         "write the rule so that it cannot divide by zero or overflow, e.g. "
                         "`if x == 0 then ... else y / x`"));
    return true;
}

static void run_criterion(unitctx *u, const frame *f0, const void *argp)
{
    const crit_arg *arg = argp;
    const td_variant *v = arg->v;
    /* the entity's own frame, or a copy of it that holds the rule's lets */
    const frame *fp = f0;
    frame fl;
    td_value lets[16];
    bool done[16];
    if (v->n_lets) {
        fl = *f0;
        if (v->n_lets <= 16)
            memset(done, 0, sizeof done);
        fl.lets = v->n_lets <= 16 ? lets : td_arena_alloc(u->e.a, v->n_lets * sizeof *fl.lets);
        fl.let_done =
            v->n_lets <= 16 ? done : td_arena_alloc(u->e.a, v->n_lets * sizeof *fl.let_done);
        if (!fl.lets || !fl.let_done) {
            u->e.oom = true;
            return;
        }
        fl.let_exprs = v->lets;
        fp = &fl;
    }
    u->e.fault = NULL;
    if (v->where) {
        td_value w = eval(&u->e, v->where, fp);
        if ((u->e.fault && report_fault(u, arg->c, fp)) || !truthy(&w))
            return;
    }
    /* found() of another unit's entity is false while recording: a condition that fails
     * then, but holds when those look-ups find something, waits for the batch (xref.c) */
    td_unit_result *res = u->res;
    uint32_t l0 = res->n_lookups;
    u->e.recording = true;
    td_value r = eval(&u->e, v->require, fp);
    u->e.recording = false;
    bool deferred = false;
    if (res->n_lookups > l0 && !(r.kind == TD_V_BOOL && r.u.b)) {
        if (fp->let_done)
            memset(fp->let_done, 0, v->n_lets * sizeof *fp->let_done);
        u->e.optimistic = true;
        td_value r2 = eval(&u->e, v->require, fp);
        u->e.optimistic = false;
        if (r2.kind == TD_V_BOOL && r2.u.b) {
            deferred = true;
            if (r.kind != TD_V_BOOL)
                r = vbool(false, r2.node);
        } else if (r2.kind != TD_V_BOOL) {
            r = r2;
        }
    }
    if (u->e.fault)
        deferred = false; /* its fault is reported whatever other units hold */
    if (!deferred && res->n_lookups > l0)
        drop_lookups(res, l0);
    if (u->e.fault && report_fault(u, arg->c, fp))
        return;
    if (r.kind != TD_V_BOOL || r.u.b)
        return; /* met, or not applicable (a value it needs is absent) */
    bool pending = not_due(u, v->due, arg->c->severity, fp);
    td_severity sev = pending ? TD_SEV_INFO : arg->c->severity;
    const char *msg = render_msg(&u->e, &v->message, arg->c->label, fp);
    if (!deferred) {
        td_diagnostic *x = add_finding(u, sev, arg->c->id, arg->c->cite, arg->c->label, r.node,
                                       fp->it.node, msg, arg->c->hint);
        if (x)
            x->pending = pending;
        return;
    }
    td_xdefer *nw = realloc(res->defers, (res->deferred.n + 1) * sizeof *nw);
    if (!nw) {
        u->e.oom = true;
        return;
    }
    res->defers = nw;
    nw[res->deferred.n].first = l0;
    nw[res->deferred.n].n = res->n_lookups - l0;
    td_diagnostic *x = add_finding_to(u, &res->deferred, sev, arg->c->id, arg->c->cite,
                                      arg->c->label, r.node, fp->it.node, msg, arg->c->hint);
    if (x)
        x->pending = pending;
    else
        drop_lookups(res, l0);
}

/* ---------- the walk of the criteria ---------- */

/* The seq of a finding holds its rule's rank from bit 40 while the walk runs; below it, the
 * order in which the findings were made. */
#define RULE_KEY_SHIFT 40

static void walk_kids(unitctx *u, const td_vnode *kids, uint32_t n, const td_node *child,
                      const frame *f);

/* Runs the rules of node t on the entity of frame f, then walks on to the entities below it.
 * Each entity is reached once, whatever the number of rules on it or on the entities below
 * it, and a step's [filter] is evaluated once for all of them. */
static void walk_node(unitctx *u, const td_vnode *t, const frame *f)
{
    if (t->n_rules) {
        if (t->n_memo && u->cse) {
            memset(u->cse_known, 0, t->n_memo);
            u->e.cse = u->cse;
            u->e.cse_known = u->cse_known;
        }
        for (uint32_t i = 0; i < t->n_rules && !u->e.oom; i++) {
            const td_vrule *x = &t->rules[i];
            crit_arg arg = {x->c, x->v};
            u->cur_path = t->path;
            u->depth = t->depth;
            u->rule_key = (uint64_t)(x->order + 1) << RULE_KEY_SHIFT;
            run_criterion(u, f, &arg);
        }
        u->rule_key = 0;
        u->e.cse = NULL;
    }
    if (t->depth >= MAX_DEPTH || !t->n_kids || f->it.kind != TD_V_RECORD)
        return;
    const td_node *rec = f->it.u.rec;
    for (uint32_t i = 0, j; i < t->n_kids && !u->e.oom; i = j) {
        for (j = i + 1; j < t->n_kids && t->kids[j].slot == t->kids[i].slot; j++)
            ;
        const td_node *child = rec->v.slots[t->kids[i].slot];
        if (child && !child->invalid && !child->null)
            walk_kids(u, &t->kids[i], j - i, child, f);
    }
}

/* The n kids (all one slot) of a node on one entity, frame fr (item `index` of its list, or
 * UINT32_MAX for a record): each kid whose filter keeps it walks on from there, every kid from
 * the dates in force at the entity. */
static void walk_entity(unitctx *u, const td_vnode *kids, uint32_t n, uint32_t step,
                        uint32_t index, const frame *fr)
{
    int32_t lo = u->e.lo, hi = u->e.hi;
    for (uint32_t k = 0; k < n && !u->e.oom; k++) {
        u->index[step] = index;
        u->e.lo = lo;
        u->e.hi = hi;
        td_value w;
        if (!kids[k].filter || (w = eval(&u->e, kids[k].filter, fr), truthy(&w)))
            walk_node(u, &kids[k], fr);
    }
}

/* The n kids (all one slot) of a node at `child`, the value of that slot: each item there at
 * the as-of date (Decision 10) visited once, each kid taking the items its filter keeps. */
static void walk_kids(unitctx *u, const td_vnode *kids, uint32_t n, const td_node *child,
                      const frame *f)
{
    uint32_t step = kids[0].depth - 1;
    int32_t lo = u->e.lo, hi = u->e.hi;
    if (child->type->kind == TD_T_LIST) {
        uint32_t position = 0;
        for (uint32_t i = 0; i < child->v.list.n && !u->e.oom; i++) {
            const td_node *item = child->v.list.items[i];
            if (!item || item->invalid || item->type->kind != TD_T_RECORD)
                continue;
            if (happened(&u->e, item)) {
                frame fr;
                node_frame(&fr, f, item, ++position);
                fr.from = child;
                fr.raw = i;
                walk_entity(u, kids, n, step, i, &fr);
            }
            u->e.lo = lo;
            u->e.hi = hi;
        }
    } else if (child->type->kind == TD_T_RECORD) {
        if (happened(&u->e, child)) {
            frame fr;
            node_frame(&fr, f, child, 1);
            walk_entity(u, kids, n, step, UINT32_MAX, &fr);
        }
        u->e.lo = lo;
        u->e.hi = hi;
    }
}

static int by_seq(const void *a, const void *b)
{
    uint64_t x = ((const td_diagnostic *)a)->seq, y = ((const td_diagnostic *)b)->seq;
    return x < y ? -1 : x > y;
}

typedef struct seq_ix {
    uint64_t seq;
    uint32_t i;
} seq_ix;

static int by_seq_ix(const void *a, const void *b)
{
    uint64_t x = ((const seq_ix *)a)->seq, y = ((const seq_ix *)b)->seq;
    return x < y ? -1 : x > y;
}

/* Puts the findings the walk made (from n0 on, seqs from seq0 on) in the order in which
 * running each rule over every entity in turn makes them: by rule, then in the order made
 * (the walk reaches a rule's entities in the order its own path would). Findings at one
 * place are reported in that order (td_diag_sort). The deferred ones keep their look-ups
 * (res->defers) beside them. */
static void rule_order(unitctx *u, size_t n0, uint64_t seq0, size_t d0, uint64_t dseq0)
{
    td_unit_result *res = u->res;
    td_diag *d = &res->findings;
    if (d->n > n0 + 1)
        qsort(d->items + n0, d->n - n0, sizeof *d->items, by_seq);
    for (size_t i = n0; i < d->n; i++)
        d->items[i].seq = seq0 + (i - n0);
    td_diag *dd = &res->deferred;
    size_t m = dd->n - d0;
    if (m > 1) {
        seq_ix *ix = malloc(m * sizeof *ix);
        td_diagnostic *items = malloc(m * sizeof *items);
        td_xdefer *defers = malloc(m * sizeof *defers);
        if (!ix || !items || !defers) {
            u->e.oom = true;
        } else {
            for (size_t i = 0; i < m; i++)
                ix[i] = (seq_ix){dd->items[d0 + i].seq, (uint32_t)i};
            qsort(ix, m, sizeof *ix, by_seq_ix);
            for (size_t i = 0; i < m; i++) {
                items[i] = dd->items[d0 + ix[i].i];
                defers[i] = res->defers[d0 + ix[i].i];
            }
            memcpy(dd->items + d0, items, m * sizeof *items);
            memcpy(res->defers + d0, defers, m * sizeof *defers);
        }
        free(ix);
        free(items);
        free(defers);
    }
    for (size_t i = d0; i < dd->n; i++)
        dd->items[i].seq = dseq0 + (i - d0);
}

/* ---------- the trace of one criterion (thidua explain --unit) ---------- */

/* The rule text of `c`, on one line, cut at `max` bytes (at a character boundary). */
static void trace_source(const ev *e, const td_cexpr *c, char *buf, size_t max)
{
    size_t n = 0;
    if (c->span.src < e->p->n_sources) {
        const td_source *src = e->p->sources[c->span.src];
        const char *s = src->text + c->span.off;
        bool space = false;
        for (uint32_t i = 0; i < c->span.len && c->span.off + i < src->len && n + 4 < max; i++) {
            char ch = s[i];
            if (ch == '\n' || ch == '\r' || ch == '\t' || ch == ' ') {
                space = n > 0;
                continue;
            }
            if (space)
                buf[n++] = ' ';
            space = false;
            buf[n++] = ch;
        }
        if (c->span.len && n + 4 >= max) {
            n = utf8_whole(buf, n);
            memcpy(buf + n, "...", 3);
            n += 3;
        }
    }
    buf[n] = '\0';
}

/* The data path of node `target` under `n` ("exemplars[1].plan.hard_tasks[0]"), appended to
 * buf at len; false when it is not there. For the trace only: a walk of one unit's tree. */
static bool node_path(const td_node *n, const td_node *target, char *buf, size_t cap,
                      size_t len, int depth)
{
    if (n == target) {
        buf[len < cap ? len : cap - 1] = '\0';
        return true;
    }
    if (!n || n->null || n->invalid || depth > 32 || len >= cap)
        return false;
    if (n->type->kind == TD_T_RECORD) {
        const td_record *r = n->type->rec;
        for (uint32_t k = 0; k < r->n_fields; k++) {
            const td_node *child = n->v.slots[r->fields[k].slot];
            if (!child)
                continue;
            int w = snprintf(buf + len, cap - len, "%s%s", len ? "." : "", r->fields[k].name);
            if (w > 0 && node_path(child, target, buf, cap, len + (size_t)w, depth + 1))
                return true;
        }
    } else if (n->type->kind == TD_T_LIST) {
        for (uint32_t i = 0; i < n->v.list.n; i++) {
            int w = snprintf(buf + len, cap - len, "[%u]", i);
            if (w > 0 && node_path(n->v.list.items[i], target, buf, cap, len + (size_t)w,
                                   depth + 1))
                return true;
        }
    }
    return false;
}

static void trace_expr(unitctx *u, FILE *out, const td_cexpr *c, const frame *f, int depth);

enum { TRACE_ITEMS = 3 }; /* items shown of each kind before "and N more" */

/* One item of a list that a quantifier, a count or a sum walks: its data path and place,
 * whether the condition holds for it, then the parts of the condition for it. */
static void trace_item(unitctx *u, FILE *out, const td_cexpr *c, const frame *fr,
                       uint32_t position, int depth)
{
    const td_cexpr *cond = c->b;
    char path[256];
    td_lang lang = td_diag_lang(&u->res->findings);
    const td_node *n = fr->it.node;
    if (!n || !node_path(u->e.root, n, path, sizeof path, 0, 0))
        /* TRANSLATORS: an item of a computed list, by its position (1-based) */
        snprintf(path, sizeof path, TR(lang, "item %u"), position);
    td_value v = eval(&u->e, cond, fr);
    /* a quantifier's item: its condition's value; a count's or a sum's: counted or not */
    const char *shown = c->op != TD_CX_QUANT ? (truthy(&v) ? TR(lang, "counted")
                                                            : TR(lang, "not counted"))
                        : v.kind == TD_V_BOOL ? (v.u.b ? "true" : "false")
                                              : TR(lang, "absent: the rule does not apply");
    fprintf(out, "%*s%s  =>  %s", 4 + 2 * depth, "", path, shown);
    if (n && n->line) /* the item's line, as for the entities of the trace */
        fprintf(out, "  (%s:%u)", u->src ? u->src->name : "?",
                n->key_line ? n->key_line : n->line);
    fputc('\n', out);
    trace_expr(u, out, cond, fr, depth + 1);
    if (c->op == TD_CX_AGG && c->c && truthy(&v))
        trace_expr(u, out, c->c, fr, depth + 1); /* what the item adds */
}

/* Under all/any/none, count, sum/min/max and each: the items that decide the answer, the
 * first few of each kind (those for which the condition holds, then those for which it does
 * not), each with its data path and place, and how many more there are. */
static void trace_items(unitctx *u, FILE *out, const td_cexpr *c, const frame *f, int depth)
{
    td_lang lang = td_diag_lang(&u->res->findings);
    const td_cexpr *cond = c->b;
    if (!cond)
        return;
    td_value l = eval(&u->e, c->a, f);
    if (l.kind != TD_V_LIST) {
        fprintf(out, "%*s%s\n", 4 + 2 * depth, "", TR(lang, "(not in the file: no item to go through)"));
        return;
    }
    /* which items are shown: for all, those that fail; for any and none, those that hold,
     * else (nothing holds) those that fail; for a count, both */
    uint32_t yes = 0, no = 0;
    FOR_EACH(&u->e, l.u.list, f, fr, i)
    {
        td_value w = eval(&u->e, cond, &fr);
        truthy(&w) ? yes++ : no++;
    }
    if (yes + no == 0) {
        fprintf(out, "%*s%s\n", 4 + 2 * depth, "", TR(lang, "(the list has no item)"));
        return;
    }
    bool quant = c->op == TD_CX_QUANT;
    bool show_yes = !quant || (c->sub.quant != TD_Q_ALL && yes > 0);
    bool show_no = !quant || c->sub.quant == TD_Q_ALL || yes == 0;
    if (quant && c->sub.quant == TD_Q_ALL && no == 0) {
        fprintf(out, "%*s", 4 + 2 * depth, "");
        fprintf(out, TR(lang, "(every item holds, %u in all)\n"), yes);
        return;
    }
    for (int pass = 0; pass < 2; pass++) {
        bool want = pass == 0;
        if (want ? !show_yes : !show_no)
            continue;
        uint32_t shown = 0, total = want ? yes : no;
        /* one item is enough to make `any` true */
        uint32_t limit = quant && c->sub.quant == TD_Q_ANY && want ? 1 : TRACE_ITEMS;
        FOR_EACH(&u->e, l.u.list, f, fr, i)
        {
            td_value w = eval(&u->e, cond, &fr);
            if (truthy(&w) != want)
                continue;
            if (shown++ < limit)
                trace_item(u, out, c, &fr, i_pos, depth);
        }
        if (total > limit) {
            uint32_t more = total - limit;
            fprintf(out, "%*s", 4 + 2 * depth, "");
            if (!quant && want)
                fprintf(out, TRN(lang, "and %u more item counted\n",
                                 "and %u more items counted\n", more), more);
            else if (!quant)
                fprintf(out, TRN(lang, "and %u more item not counted\n",
                                 "and %u more items not counted\n", more), more);
            else if (want)
                fprintf(out, TRN(lang, "and %u more item for which it holds\n",
                                 "and %u more items for which it holds\n", more), more);
            else
                fprintf(out, TRN(lang, "and %u more item for which it does not hold\n",
                                 "and %u more items for which it does not hold\n", more),
                        more);
        }
    }
}

/* Under a computed field: its own definition, evaluated on the record it is computed for. */
static void trace_define(unitctx *u, FILE *out, const td_cexpr *c, const frame *f, int depth)
{
    td_value rec;
    if (c->op == TD_CX_DEFINE) {
        const frame *fr = frame_up(f, c->up);
        if (!fr)
            return;
        rec = fr->it;
    } else {
        rec = eval(&u->e, c->a, f);
    }
    if (rec.kind != TD_V_RECORD || !c->def || !c->def->expr)
        return;
    frame fr = mkframe(NULL, rec, 1);
    trace_expr(u, out, c->def->expr, &fr, depth);
}

/* One part of the condition with its value, and where in the unit file that value was
 * read; then its own parts, for the operators that combine conditions or compare, the items of
 * a list that a quantifier, a count or a sum walks, and a computed field's definition. */
static void trace_expr(unitctx *u, FILE *out, const td_cexpr *c, const frame *f, int depth)
{
    char text[112];
    td_value v = eval(&u->e, c, f);
    trace_source(&u->e, c, text, sizeof text);
    td_lang lang = td_diag_lang(&u->res->findings);
    const char *shown = v.kind == TD_V_ABSENT    ? TR(lang, "absent: the rule does not apply")
                        : v.kind == TD_V_INVALID ? TR(lang, "written wrong (see its finding)")
                                                 : td_value_format(&v, u->e.a);
    fprintf(out, "%*s%s  =>  %s", 4 + 2 * depth, "", text, shown ? shown : "?");
    if (v.node && v.node->line && c->op != TD_CX_CONST)
        fprintf(out, "  (%s:%u:%u)", u->src ? u->src->name : "?", v.node->line, v.node->col);
    fputc('\n', out);
    if (depth >= 8)
        return;
    switch (c->op) {
    case TD_CX_AND:
    case TD_CX_OR:
        /* a chain of one operator is one level: a and b and c */
        if (c->a->op == c->op) {
            const td_cexpr *k = c->a;
            const td_cexpr *chain[64];
            size_t n = 0;
            while (k->op == c->op && n < 62) {
                chain[n++] = k->b;
                k = k->a;
            }
            trace_expr(u, out, k, f, depth + 1);
            while (n > 0)
                trace_expr(u, out, chain[--n], f, depth + 1);
        } else {
            trace_expr(u, out, c->a, f, depth + 1);
        }
        trace_expr(u, out, c->b, f, depth + 1);
        break;
    case TD_CX_NOT:
        trace_expr(u, out, c->a, f, depth + 1);
        break;
    case TD_CX_CMP:
    case TD_CX_IN:
        if (c->a->op != TD_CX_CONST)
            trace_expr(u, out, c->a, f, depth + 1);
        if (c->b->op != TD_CX_CONST)
            trace_expr(u, out, c->b, f, depth + 1);
        break;
    case TD_CX_QUANT:
    case TD_CX_COUNT:
    case TD_CX_AGG:
    case TD_CX_EACH:
        trace_items(u, out, c, f, depth + 1);
        break;
    case TD_CX_DEFINE:
    case TD_CX_GETDEF:
        trace_define(u, out, c, f, depth + 1);
        break;
    default:
        break;
    }
}

/* The entity a rule visits: its data path and the line it starts at. */
static void trace_entity(unitctx *u, const frame *f)
{
    FILE *out = u->trace;
    build_path(u);
    const td_node *at = f->it.node;
    fprintf(out, "  %s", u->path_len ? u->path
                                     : TR(td_diag_lang(&u->res->findings), "(the unit)"));
    if (at && at->line)
        fprintf(out, " (%s:%u)", u->src ? u->src->name : "?",
                at->key_line ? at->key_line : at->line);
    fputc('\n', out);
}

static void trace_criterion(unitctx *u, const frame *f0, const void *argp)
{
    const crit_arg *arg = argp;
    const td_variant *v = arg->v;
    FILE *out = u->trace;
    td_lang lang = td_diag_lang(&u->res->findings);
    frame f = *f0;
    td_value lets[16];
    bool done[16] = {false};
    if (v->n_lets > 16)
        return; /* traced by no one: more lets than a rule writes */
    f.lets = lets;
    f.let_done = done;
    f.let_exprs = v->lets;
    trace_entity(u, &f);
    if (v->where) {
        fputs("    where\n", out);
        trace_expr(u, out, v->where, &f, 1);
        td_value w = eval(&u->e, v->where, &f);
        if (!truthy(&w)) {
            fprintf(out, "    => %s\n", TR(lang, "the rule does not apply here"));
            return;
        }
    }
    fputs("    require\n", out);
    trace_expr(u, out, v->require, &f, 1);
    td_value r = eval(&u->e, v->require, &f);
    if (r.kind != TD_V_BOOL)
        fprintf(out, "    => %s\n", TR(lang, "not applicable: a value it needs is absent"));
    else if (r.u.b)
        fprintf(out, "    => %s\n", TR(lang, "holds"));
    else
        fprintf(out, "    => %s: %s\n", TR(lang, "fails"),
                render_msg(&u->e, &v->message, arg->c->label, &f));
}

/* ---------- indexes ---------- */

static void run_index(unitctx *u, const frame *f, const void *argp)
{
    const td_index *ix = argp;
    td_unit_result *res = u->res;
    td_value k = eval(&u->e, ix->key, f);
    if (k.kind != TD_V_TEXT || td_text_blank(k.u.text.s, k.u.text.len))
        return;
    td_xkey *nw = realloc(res->xkeys, (res->n_xkeys + 1) * sizeof *nw);
    if (nw)
        res->xkeys = nw;
    td_xsite *ns = nw ? realloc(res->sites, (res->n_xkeys + 1) * sizeof *ns) : NULL;
    if (!ns) {
        u->e.oom = true;
        return;
    }
    res->sites = ns;
    td_xkey *x = &nw[res->n_xkeys];
    memset(x, 0, sizeof *x);
    x->index = (uint32_t)(ix - u->e.p->indexes);
    x->text = text_dup(&k);
    if (!x->text) {
        u->e.oom = true;
        return;
    }
    x->key = td_xhash(x->index + 1, x->text);
    td_value ok = ix->require ? eval(&u->e, ix->require, f) : vbool(true, NULL);
    x->ok = truthy(&ok);
    if (ix->n_similar) {
        size_t len = 0, cap = 64;
        char *buf = td_arena_alloc(u->e.a, cap);
        bool all = buf != NULL;
        for (uint32_t i = 0; all && i < ix->n_similar; i++) {
            td_value v = eval(&u->e, ix->similar[i], f);
            if (!usable(&v) || (v.kind == TD_V_TEXT && td_text_blank(v.u.text.s, v.u.text.len))) {
                all = false;
                break;
            }
            if (i)
                append(&buf, &len, &cap, ", ", 2, u->e.a);
            fmt_into(&v, &buf, &len, &cap, u->e.a);
        }
        if (all && buf) {
            x->similar_text = strdup(buf);
            if (!x->similar_text) {
                free(x->text);
                u->e.oom = true;
                return;
            }
            x->similar = td_xhash(x->index + 1, x->similar_text);
        }
    }
    /* its site: as a finding about the key would point at it (add_finding_to) */
    td_xsite *st = &res->sites[res->n_xkeys];
    memset(st, 0, sizeof *st);
    res->n_xkeys++;
    if (u->src) {
        place pl = place_of(u, k.node, f->it.node);
        st->line = pl.line;
        st->col = pl.col;
        st->width = pl.width ? pl.width : 1;
        if (!td_source_line_copy(u->src, pl.line, &st->source_line) ||
            (!res->site_file && !(res->site_file = strdup(u->src->name)))) {
            u->e.oom = true;
            return;
        }
        if (pl.use_key)
            st->width = key_width(st->source_line, st->col);
    } else {
        st->width = 1;
    }
    build_path(u);
    st->path = strndup(u->path, u->path_len);
    if (!st->path)
        u->e.oom = true;
}

/* ---------- workflows ---------- */

static bool value_eq(const td_value *a, const td_value *b)
{
    if (!usable(a) || !usable(b))
        return false;
    if ((a->kind == TD_V_INT || a->kind == TD_V_NUM) !=
        (b->kind == TD_V_INT || b->kind == TD_V_NUM))
        return false;
    if (a->kind != b->kind && !(a->kind == TD_V_INT || a->kind == TD_V_NUM))
        return false;
    return compare(a, b) == 0;
}

typedef struct wf_arg {
    const td_workflow *w;
    uint32_t stage_base; /* first counter of this workflow in res->stages */
    bool trace;          /* explain --unit: each check written to u->trace, nothing recorded */
    int only;            /* with trace: the one check traced (a td_wf_check), or -1: all */
    uint32_t *fails;     /* with trace: counts the checks that fail */
} wf_arg;

/* Whether the trace shows check c (it is traced, on, and the one asked for). */
static bool wf_shown(const wf_arg *arg, td_wf_check c)
{
    return arg->trace && !arg->w->off[c] && (arg->only < 0 || arg->only == (int)c);
}

/* " (unit.yaml:12:7)": where the trace read node n, or "" */
static const char *trace_at(unitctx *u, const td_node *n)
{
    if (!n || !n->line)
        return "";
    const char *s = td_arena_printf(u->e.a, "  (%s:%u:%u)", u->src ? u->src->name : "?",
                                    n->line, n->col);
    return s ? s : "";
}

/* A check of the trace that holds, and why (a whole sentence, translated). */
static void wf_holds(unitctx *u, const wf_arg *arg, td_wf_check c, const char *why,
                     const td_node *at)
{
    if (!wf_shown(arg, c))
        return;
    td_lang lang = td_diag_lang(&u->res->findings);
    fprintf(u->trace, "      %s  =>  %s%s%s%s\n", td_wf_check_names[c], TR(lang, "holds"),
            why ? ": " : "", why ? why : "", trace_at(u, at));
}

static void wf_finding(unitctx *u, const wf_arg *arg, td_wf_check check, const td_node *at,
                       const td_node *entity, const char *msg)
{
    const td_workflow *w = arg->w;
    if (w->off[check])
        return;
    if (!msg) {
        u->e.oom = true; /* the message could not be written */
        return;
    }
    if (arg->trace) {
        if (wf_shown(arg, check)) {
            td_lang lang = td_diag_lang(&u->res->findings);
            fprintf(u->trace, "      %s  =>  %s: %s%s\n", td_wf_check_names[check],
                    TR(lang, "fails"), msg, trace_at(u, at));
            (*arg->fails)++;
        }
        return;
    }
    char rule[256];
    snprintf(rule, sizeof rule, "%s.%s", w->id, td_wf_check_names[check]);
    add_finding(u, TD_SEV_ERROR, rule, w->cite, w->label, at, entity, msg, NULL);
}

static const char *stage_text(unitctx *u, const td_workflow *w, uint32_t si)
{
    const char *v = td_value_format(&w->stages[si], u->e.a);
    if (!v || !w->stage_labels[si] || !*w->stage_labels[si])
        return v ? v : "?";
    const char *t = td_arena_printf(u->e.a, "%s (\"%s\")", v, w->stage_labels[si]);
    return t ? t : v;
}

/* The stages for which keep[k] holds (all when keep is NULL), joined with `sep`, with their
 * labels or not; "" (and out of memory noted) when an allocation fails. */
static const char *stage_list(unitctx *u, const td_workflow *w, const bool *keep, const char *sep,
                              bool labels)
{
    const char *out = "";
    for (uint32_t k = 0; k < w->n_stages; k++) {
        if (keep && !keep[k])
            continue;
        const char *item = labels ? stage_text(u, w, k) : td_value_format(&w->stages[k], u->e.a);
        const char *joined =
            item ? td_arena_printf(u->e.a, "%s%s%s", out, *out ? sep : "", item) : NULL;
        if (!joined) {
            u->e.oom = true;
            return "";
        }
        out = joined;
    }
    return out;
}

/* The data path of entry i of the history of entity `ent`, as the user wrote it:
 * "exemplars[2].steps[3]". */
static const char *entry_path(unitctx *u, const td_workflow *w, const td_node *ent, uint32_t i)
{
    build_path(u);
    const char *hist = slot_name(ent->type->rec, w->history_slot);
    const char *p = td_arena_printf(u->e.a, "%s%s%s[%u]", u->path, u->path_len ? "." : "",
                                    hist ? hist : "?", i);
    return p ? p : "?";
}

/* The words of a workflow finding about entry i, written when first asked for. */
typedef struct wf_words {
    unitctx *u;
    const td_workflow *w;
    const td_node *ent;
    uint32_t i;
    int si;
    const char *at, *stage;
} wf_words;

static const char *wf_at(wf_words *x)
{
    if (!x->at)
        x->at = entry_path(x->u, x->w, x->ent, x->i);
    return x->at;
}

static const char *wf_stage(wf_words *x)
{
    if (!x->stage)
        x->stage = x->si >= 0 ? stage_text(x->u, x->w, (uint32_t)x->si) : "?";
    return x->stage;
}

static void run_workflow(unitctx *u, const frame *f, const void *argp)
{
    const wf_arg *arg = argp;
    const td_workflow *w = arg->w;
    td_arena *a = u->e.a;
    FILE *out = arg->trace ? u->trace : NULL;
    td_lang lang = td_diag_lang(&u->res->findings);
    if (out)
        trace_entity(u, f);
    if (w->where) {
        if (out) {
            fputs("    where\n", out);
            trace_expr(u, out, w->where, f, 1);
        }
        td_value wv = eval(&u->e, w->where, f);
        if (!truthy(&wv)) {
            if (out)
                fprintf(out, "    => %s\n", TR(lang, "the workflow does not apply here"));
            return;
        }
    }
    const td_node *ent = f->it.u.rec;
    const td_node *hist = ent->v.slots[w->history_slot];
    const char *hname = ent->type->rec->fields[w->history_slot].name;
    int last = -1;
    if (out && (!hist || hist->invalid || hist->null))
        fprintf(out, TR(lang, "    %s: none written\n"), hname);
    if (hist && !hist->invalid && !hist->null) {
        int prev_si = -1;
        const td_node *prev_date = NULL;
        for (uint32_t i = 0; i < hist->v.list.n; i++) {
            const td_node *entry = hist->v.list.items[i];
            if (out && entry && entry->line)
                fprintf(out, "    %s[%u] (%s:%u)\n", hname, i, u->src ? u->src->name : "?",
                        entry->line);
            if (out && entry && !entry->invalid && !happened(&u->e, entry))
                fprintf(out, "      => %s\n", TR(lang, "after the as-of date: not counted at "
                                                       "this review"));
            if (!entry || entry->invalid || !happened(&u->e, entry))
                continue; /* Decision 10: not done yet at the as-of date */
            const td_node *sn = entry->v.slots[w->state_slot];
            const td_node *dn = entry->v.slots[w->date_slot];
            /* a key written with no value is missing; keep where it is written */
            const td_node *sn_at = sn, *dn_at = dn;
            if (sn && sn->null)
                sn = NULL;
            if (dn && dn->null)
                dn = NULL;
            const td_node *en =
                w->evidence_slot != UINT32_MAX ? entry->v.slots[w->evidence_slot] : NULL;
            td_value sv = of_node(sn);
            int si = -1;
            for (uint32_t k = 0; k < w->n_stages && si < 0; k++)
                if (value_eq(&sv, &w->stages[k]))
                    si = (int)k;
            /* each message names the entry as the user wrote it (exemplars[2].steps[3]) and
             * its stage with its label; both written only for a finding */
            wf_words ww = {u, w, ent, i, si, NULL, NULL};
            if (out && si >= 0)
                wf_holds(u, arg, TD_WF_STAGE,
                         td_arena_printf(a, TR(lang, "%s is a stage of the workflow"),
                                         stage_text(u, w, (uint32_t)si)),
                         sn);
            if (sn && !sn->invalid && si < 0) {
                const char *all = stage_list(u, w, NULL, ", ", false);
                wf_finding(u, arg, TD_WF_STAGE, sn, entry,
                           td_arena_printf(a,
                                           TR(lang, "%s records stage %s, which is not a stage "
                                                    "of \"%s\"; the stages are %s"),
                                           wf_at(&ww), td_value_format(&sv, a), w->label, all));
            } else if (!sn) {
                wf_finding(u, arg, TD_WF_STAGE, sn_at, entry,
                           td_arena_printf(a,
                                           TR(lang, "%s has no stage; write which stage it "
                                                    "records"),
                                           wf_at(&ww)));
            }
            if (si >= 0) {
                if (prev_si < 0 && !w->initial[si]) {
                    const char *starts = stage_list(u, w, w->initial, ", ", true);
                    wf_finding(u, arg, TD_WF_INITIAL, sn, entry,
                               td_arena_printf(a,
                                               TR(lang, "the first entry, %s, is stage %s; "
                                                        "the history must start at stage %s: "
                                                        "record that stage first"),
                                               wf_at(&ww), wf_stage(&ww), starts));
                } else if (prev_si >= 0 &&
                           !w->allowed[(uint32_t)prev_si * w->n_stages + (uint32_t)si]) {
                    const char *next = stage_list(
                        u, w, &w->allowed[(uint32_t)prev_si * w->n_stages], TR(lang, " or "),
                        false);
                    const char *prev = td_value_format(&w->stages[prev_si], a);
                    const char *msg;
                    /* TRANSLATORS: "stage 3 ("...") at exemplars[0].steps[2] cannot follow
                     * stage 1; ..." */
                    if (*next && si == prev_si)
                        msg = td_arena_printf(a, TR(lang, "stage %s at %s cannot follow stage "
                                                          "%s; the next stage must be %s (a "
                                                          "stage is recorded once)"),
                                              wf_stage(&ww), wf_at(&ww), prev, next);
                    else if (*next && si < prev_si)
                        msg = td_arena_printf(a, TR(lang, "stage %s at %s cannot follow stage "
                                                          "%s; the next stage must be %s "
                                                          "(stages are recorded in order)"),
                                              wf_stage(&ww), wf_at(&ww), prev, next);
                    else if (*next)
                        msg = td_arena_printf(a, TR(lang, "stage %s at %s cannot follow stage "
                                                          "%s; the next stage must be %s "
                                                          "(stages are not skipped)"),
                                              wf_stage(&ww), wf_at(&ww), prev, next);
                    else if (si == prev_si)
                        msg = td_arena_printf(a, TR(lang, "stage %s at %s cannot follow stage "
                                                          "%s, which is the last stage (a "
                                                          "stage is recorded once)"),
                                              wf_stage(&ww), wf_at(&ww), prev);
                    else
                        msg = td_arena_printf(a, TR(lang, "stage %s at %s cannot follow stage "
                                                          "%s, which is the last stage"),
                                              wf_stage(&ww), wf_at(&ww), prev);
                    wf_finding(u, arg, TD_WF_TRANSITION, sn, entry, msg);
                }
                if (out && prev_si < 0 && w->initial[si])
                    wf_holds(u, arg, TD_WF_INITIAL,
                             td_arena_printf(a, TR(lang, "the history starts at %s, an initial "
                                                         "stage"),
                                             td_value_format(&w->stages[si], a)),
                             sn);
                else if (out && prev_si >= 0 &&
                         w->allowed[(uint32_t)prev_si * w->n_stages + (uint32_t)si])
                    wf_holds(u, arg, TD_WF_TRANSITION,
                             td_arena_printf(a, TR(lang, "%s -> %s is a declared transition"),
                                             td_value_format(&w->stages[prev_si], a),
                                             td_value_format(&w->stages[si], a)),
                             sn);
                prev_si = si;
                /* where an item stands at the as-of date: its last stage done by then */
                if (dn && !dn->invalid && dn->v.days <= u->e.as_of)
                    last = si;
            }
            if (!dn) {
                wf_finding(u, arg, TD_WF_DATE, dn_at, entry,
                           td_arena_printf(a,
                                           TR(lang, "stage %s at %s has no date; write the date "
                                                    "it was done as YYYY-MM-DD"),
                                           wf_stage(&ww), wf_at(&ww)));
            } else if (!dn->invalid) {
                if (out) { /* the checks that hold, for the trace only */
                    char dd[11];
                    td_format_date(dn->v.days, dd);
                    wf_holds(u, arg, TD_WF_DATE, td_arena_printf(a, TR(lang, "dated %s"), dd), dn);
                    if (prev_date && dn->v.days >= prev_date->v.days) {
                        char pd[11];
                        td_format_date(prev_date->v.days, pd);
                        wf_holds(u, arg, TD_WF_ORDER,
                                 td_arena_printf(a, TR(lang, "%s is not before %s, the date "
                                                             "above it"), dd, pd),
                                 dn);
                    }
                    if (dn->v.days <= u->e.as_of)
                        wf_holds(u, arg, TD_WF_FUTURE,
                                 td_arena_printf(a, TR(lang, "%s is not after the as-of date"),
                                                 dd),
                                 dn);
                }
                if (prev_date && dn->v.days < prev_date->v.days) {
                    char d1[11], d2[11];
                    td_format_date(dn->v.days, d1);
                    td_format_date(prev_date->v.days, d2);
                    wf_finding(u, arg, TD_WF_ORDER, dn, entry,
                               td_arena_printf(a,
                                               TR(lang, "stage %s at %s is dated %s, before the "
                                                        "stage recorded above it (%s); dates "
                                                        "never go backwards: check both dates"),
                                               wf_stage(&ww), wf_at(&ww), d1, d2));
                }
                if (dn->v.days > u->e.as_of) {
                    char d1[11], d2[11];
                    td_format_date(dn->v.days, d1);
                    td_format_date(u->e.as_of, d2);
                    wf_finding(u, arg, TD_WF_FUTURE, dn, entry,
                               td_arena_printf(a,
                                               TR(lang, "stage %s at %s is dated %s, after the "
                                                        "as-of date %s; record a stage only "
                                                        "once it is done"),
                                               wf_stage(&ww), wf_at(&ww), d1, d2));
                }
                prev_date = dn;
            }
            if (w->evidence_slot != UINT32_MAX) {
                td_value evv = of_node(en);
                bool empty = evv.kind == TD_V_ABSENT ||
                             (evv.kind == TD_V_TEXT && td_text_blank(evv.u.text.s, evv.u.text.len));
                if (out && !empty)
                    wf_holds(u, arg, TD_WF_EVIDENCE, TR(lang, "written"), en);
                if (empty)
                    wf_finding(u, arg, TD_WF_EVIDENCE, en, entry,
                               td_arena_printf(a,
                                               TR(lang, "stage %s at %s has no evidence; write "
                                                        "the document that proves it (minutes, "
                                                        "decision, article)"),
                                               wf_stage(&ww), wf_at(&ww)));
            }
            if (si >= 0 && !w->off[TD_WF_GUARD]) {
                frame fr;
                node_frame(&fr, f, entry, i + 1);
                fr.from = hist;
                for (uint32_t g = 0; g < w->n_guards; g++) {
                    const td_guard *gd = &w->guards[g];
                    if (gd->stage != (uint32_t)si)
                        continue;
                    if (wf_shown(arg, TD_WF_GUARD)) {
                        fprintf(out, "      guard %s \"%s\"\n",
                                td_value_format(&w->stages[si], a), gd->label ? gd->label : "");
                        trace_expr(u, out, gd->require, &fr, 2);
                    }
                    td_value r = eval(&u->e, gd->require, &fr);
                    if (r.kind != TD_V_BOOL && wf_shown(arg, TD_WF_GUARD))
                        fprintf(out, "      guard  =>  %s\n",
                                TR(lang, "not applicable: a value it needs is absent"));
                    else if (out && r.kind == TD_V_BOOL && r.u.b)
                        wf_holds(u, arg, TD_WF_GUARD, NULL, NULL);
                    if (r.kind != TD_V_BOOL || r.u.b)
                        continue;
                    const char *msg = render_msg(&u->e, &gd->message, gd->label, &fr);
                    wf_finding(u, arg, TD_WF_GUARD, sn ? sn : entry, entry, msg);
                }
            }
        }
    }
    if (out) {
        if (last < 0)
            fprintf(out, "    => %s", TR(lang, "has reached no stage"));
        else
            fprintf(out, TR(lang, "    => stands at stage %s"), stage_text(u, w, (uint32_t)last));
        fputs("\n", out);
        return;
    }
    if (u->res->stages)
        u->res->stages[arg->stage_base + (uint32_t)(last + 1)]++;
}

/* ---------- events (Decision 10) ---------- */

static const td_record *record_of(const td_type *t)
{
    if (t && t->kind == TD_T_LIST)
        t = t->elem;
    return t && t->kind == TD_T_RECORD ? t->rec : NULL;
}

/* One finding about the date of an event, located at it, with the data path `path`. */
static void event_finding(unitctx *u, td_severity sev, const char *rule, const td_record *rec,
                          const td_node *at, const char *path, const char *msg)
{
    if (!msg) {
        u->e.oom = true;
        return;
    }
    u->cur_path = NULL;
    td_diagnostic *x = add_finding(u, sev, rule, rec->cite, rec->label, at, at, msg, NULL);
    if (x && !td_diag_set(&u->res->findings, &x->path, "%s", path))
        u->e.oom = true;
}

/* A step of the data path to a record walked by walk_events, on the C stack: the field, and
 * the item's index when the field is a list. */
typedef struct evstep {
    const struct evstep *up;    /* NULL at the document */
    const char *field;
    uint32_t index;             /* UINT32_MAX: the field holds a record */
} evstep;

/* Writes the data path of `s` (exemplars[0].steps[2]) into path (cap bytes), cut as the
 * writes of snprintf cut it; returns the bytes used. */
static size_t put_steps(const evstep *s, char *path, size_t cap)
{
    if (!s)
        return 0;
    size_t len = put_steps(s->up, path, cap);
    int w = snprintf(path + len, cap - len, "%s%s", len ? "." : "", s->field);
    len = w > 0 && (size_t)w < cap - len ? len + (size_t)w : len;
    if (s->index != UINT32_MAX) {
        w = snprintf(path + len, cap - len, "[%u]", s->index);
        len = w > 0 && (size_t)w < cap - len ? len + (size_t)w : len;
    }
    return len;
}

/* Reports once each event dated after the as-of date (info: not counted at this review)
 * and each dated after today (an error: it cannot have happened). Walks only the records
 * from which a dated one can be reached; `at` is the data path of n, written out only for a
 * finding. */
static void walk_events(unitctx *u, const td_node *n, const evstep *at)
{
    const td_record *rec = n->type->rec;
    if (rec->dated) {
        const td_node *dn = n->v.slots[rec->dated_slot];
        int32_t day;
        if (first_day(dn, &day) && (day > u->e.as_of || (u->e.today && day > u->e.today))) {
            char v[16], asof[11], path[512];
            size_t len = put_steps(at, path, sizeof path);
            path[len] = '\0';
            bool month = dn->type->kind == TD_T_MONTH;
            const char *field = rec->fields[rec->dated_slot].name;
            char *fpath = td_arena_printf(u->e.a, "%s%s%s", path, len ? "." : "", field);
            if (month)
                td_format_month(dn->v.month, v);
            else
                td_format_date(dn->v.days, v);
            td_lang lang = td_diag_lang(&u->res->findings);
            const char *fmt;
            /* the field as the user wrote it: congress.held, exemplars[0].steps[2].date */
            const char *where = fpath ? fpath : field;
            if (u->e.today && day > u->e.today) {
                td_format_date(u->e.today, asof);
                fmt = month ? TR(lang, "%s is %s, after today (%s): it cannot have happened "
                                       "yet; correct the month, or record it once it is done")
                            : TR(lang, "%s is %s, after today (%s): it cannot have happened "
                                       "yet; correct the date, or record it once it is done");
                event_finding(u, TD_SEV_ERROR, "data.after_today", rec, dn, fpath ? fpath : path,
                              td_arena_printf(u->e.a, fmt, where, v, asof));
            } else {
                td_format_date(u->e.as_of, asof);
                fmt = month ? TR(lang, "%s is %s, after the as-of date %s: not counted at this "
                                       "review; it counts at a review in that month or later")
                            : TR(lang, "%s is %s, after the as-of date %s: not counted at this "
                                       "review; it counts at a review on or after that date");
                event_finding(u, TD_SEV_INFO, "data.after_as_of", rec, dn, fpath ? fpath : path,
                              td_arena_printf(u->e.a, fmt, where, v, asof));
            }
            if (day > u->e.as_of)
                return; /* what it holds had not happened either */
        }
    }
    for (uint32_t k = 0; k < rec->n_fields && !u->e.oom; k++) {
        const td_field *fd = &rec->fields[k];
        const td_record *sub = record_of(fd->type);
        const td_node *child = n->v.slots[fd->slot];
        if (!sub || !sub->holds_events || !child || child->null || child->invalid)
            continue;
        evstep step = {at, fd->name, UINT32_MAX};
        if (child->type->kind == TD_T_RECORD) {
            walk_events(u, child, &step);
        } else {
            for (uint32_t i = 0; i < child->v.list.n && !u->e.oom; i++) {
                const td_node *item = child->v.list.items[i];
                if (!item || item->invalid || item->null || item->type->kind != TD_T_RECORD)
                    continue;
                step.index = i;
                walk_events(u, item, &step);
            }
        }
    }
}

/* ---------- targets ---------- */

/* The unit's contribution to (target, group), made when it has none yet; with `hist`, with
 * its shares at the history dates. NULL when out of memory. The pointer holds until the
 * next call. */
static td_contrib *contrib_of(unitctx *u, uint32_t target, const char *group, bool hist)
{
    td_unit_result *res = u->res;
    td_contrib *c = NULL;
    for (uint32_t k = 0; k < res->n_contribs && !c; k++) {
        /* the last one first, then in order */
        uint32_t i = k == 0 ? u->last_contrib : k - (k <= u->last_contrib);
        td_contrib *x = &res->contribs[i];
        if (x->target == target &&
            ((!x->group && !group) || (x->group && group && strcmp(x->group, group) == 0)))
            c = x;
    }
    if (!c) {
        if (res->n_contribs == res->cap_contribs) {
            uint32_t cap = res->cap_contribs ? res->cap_contribs * 2 : 8;
            td_contrib *nw = realloc(res->contribs, cap * sizeof *nw);
            if (!nw) {
                u->e.oom = true;
                return NULL;
            }
            res->contribs = nw;
            res->cap_contribs = cap;
        }
        c = &res->contribs[res->n_contribs];
        memset(c, 0, sizeof *c);
        c->hist = TD_NO_HIST;
        c->target = target;
        c->group = group ? strdup(group) : NULL;
        if (group && !c->group) {
            u->e.oom = true;
            return NULL;
        }
        res->n_contribs++;
    }
    u->last_contrib = (uint32_t)(c - res->contribs);
    if (hist && c->hist == TD_NO_HIST) {
        /* the shares of every contribution in two arrays of the unit, not two blocks each */
        uint32_t n = res->n_history;
        if (n > UINT32_MAX - 1 - res->n_hist) {
            u->e.oom = true;
            return NULL;
        }
        if (res->n_hist + n > res->cap_hist) {
            /* room for a contribution to each target, and a few groups */
            uint32_t first = u->e.p->n_targets + 4;
            uint32_t cap = res->cap_hist ? res->cap_hist : first <= UINT32_MAX / n ? first * n : n;
            while (cap < res->n_hist + n)
                cap = cap > UINT32_MAX / 2 ? UINT32_MAX - 1 : cap * 2;
            double *h = realloc(res->hist, (size_t)cap * sizeof *h);
            if (h)
                res->hist = h;
            bool *k = h ? realloc(res->hknown, (size_t)cap * sizeof *k) : NULL;
            if (!k) {
                u->e.oom = true;
                return NULL;
            }
            res->hknown = k;
            res->cap_hist = cap;
        }
        c->hist = res->n_hist;
        memset(res->hist + c->hist, 0, n * sizeof *res->hist);
        memset(res->hknown + c->hist, 0, n * sizeof *res->hknown);
        res->n_hist += n;
    }
    return c;
}

typedef struct target_arg {
    const td_target *t;
    uint32_t index;
} target_arg;

/* A group key as text, as td_value_format writes it: an enum's value and a text (every text
 * value ends with a NUL) as they are held, without a copy; other kinds formatted into `a`. */
static const char *group_text(const td_value *k, td_arena *a)
{
    if (k->kind == TD_V_ENUM)
        return k->u.en.en->values[k->u.en.index];
    if (k->kind == TD_V_TEXT && k->u.text.s[k->u.text.len] == '\0')
        return k->u.text.s; /* a NUL within it ends the formatted copy at the same place */
    return td_value_format(k, a);
}

/* One entity's share of a target at the current as-of date; false when it makes no group
 * known. */
static bool target_share(unitctx *u, const frame *f, const td_target *t, const char **group,
                         double *value, bool *in)
{
    *group = NULL;
    *in = true;
    *value = 0;
    if (t->where) {
        td_value w = eval(&u->e, t->where, f);
        *in = truthy(&w);
    }
    if (t->by) {
        td_value k = eval(&u->e, t->by, f);
        if (!usable(&k) && !*in)
            return false; /* no group to make known */
        *group = usable(&k) ? group_text(&k, u->e.a) : "(trống)";
        if (!*group) {
            u->e.oom = true;
            return false;
        }
    }
    if (*in) {
        if (t->sum) {
            td_value s = eval(&u->e, t->sum, f);
            *value = usable(&s) ? num_of(&s) : 0;
        } else {
            *value = 1;
        }
    }
    return true;
}

uint32_t td_dates_through(const int32_t *dates, uint32_t from, uint32_t n, int32_t lo, int32_t hi)
{
    if (from >= n || dates[from] < lo || dates[from] > hi)
        return from;
    /* ascending: every date after `from` is on or after lo; the first after hi ends the run */
    uint32_t a = from + 1, b = n;
    while (a < b) {
        uint32_t m = a + (b - a) / 2;
        if (dates[m] > hi)
            b = m;
        else
            a = m + 1;
    }
    return a;
}

/* The entity's share at the as-of date, then at each history date (Decision 10: every event
 * carries its date, so the data tell how they stood then). A result holds over the dates its
 * validity covers, so the entity is evaluated again only at dates outside it. */
static void run_target(unitctx *u, const frame *f, const void *argp)
{
    const target_arg *arg = argp;
    const td_target *t = arg->t;
    const char *group;
    double value;
    bool in;
    bool has = target_share(u, f, t, &group, &value, &in);
    uint32_t n = u->res->n_history;
    td_contrib *c = has ? contrib_of(u, arg->index, group, n > 0) : NULL;
    if (c) {
        c->value += value;
        c->member |= in;
        c->now = true;
    }
    if (!n || u->e.oom)
        return;
    const int32_t as_of = u->e.as_of;
    int32_t lo = u->e.lo, hi = u->e.hi;
    /* the share at the as-of date, for the history dates after an earlier one's run: the
     * as-of date is mostly the last, and its result holds back to the latest event */
    const int32_t lo0 = lo, hi0 = hi;
    const bool has0 = c != NULL;
    const uint32_t c0 = has0 ? (uint32_t)(c - u->res->contribs) : 0;
    const double value0 = value;
    for (uint32_t j = 0, k; j < n && !u->e.oom; j = k) {
        int32_t day = u->history[j];
        if ((day < lo || day > hi) && day >= lo0 && day <= hi0) {
            lo = lo0;
            hi = hi0;
            value = value0;
            c = has0 ? &u->res->contribs[c0] : NULL;
        } else if (day < lo || day > hi) {
            /* evaluate again at that date: the path to the entity first */
            u->e.as_of = day;
            u->e.lo = DAY_MIN;
            u->e.hi = DAY_MAX;
            bool there = true;
            for (const frame *x = f; x && there; x = x->up)
                if (x->it.kind == TD_V_RECORD)
                    there = happened(&u->e, x->it.u.rec);
            has = there && target_share(u, f, t, &group, &value, &in);
            lo = u->e.lo;
            hi = u->e.hi;
            u->e.as_of = as_of;
            c = has ? contrib_of(u, arg->index, group, true) : NULL;
        }
        /* the same share at every following date the result holds for */
        k = td_dates_through(u->history, j + 1, n, lo, hi);
        if (c) {
            /* adding 0 changes no sum (none is ever -0) */
            if (value != 0) {
                double *h = u->res->hist + c->hist;
                for (uint32_t i = j; i < k; i++)
                    h[i] += value;
            }
            bool *known = u->res->hknown + c->hist;
            for (uint32_t i = j; i < k; i++)
                known[i] = true;
        }
    }
}

/* The trace of a target on one unit: each entity on its path, whether it counts (or what
 * it adds) and in which group. */
static void trace_target(unitctx *u, const frame *f, const void *argp)
{
    const target_arg *arg = argp;
    const td_target *t = arg->t;
    FILE *out = u->trace;
    td_lang lang = td_diag_lang(&u->res->findings);
    trace_entity(u, f);
    if (t->where) {
        fputs("    where\n", out);
        trace_expr(u, out, t->where, f, 1);
    }
    if (t->sum) {
        fputs("    sum\n", out);
        trace_expr(u, out, t->sum, f, 1);
    }
    if (t->by) {
        fputs("    by\n", out);
        trace_expr(u, out, t->by, f, 1);
    }
    const char *group;
    double value;
    bool in;
    if (!target_share(u, f, t, &group, &value, &in) || !in) {
        fprintf(out, "    => %s\n", TR(lang, "not counted"));
        return;
    }
    u->trace_total += value;
    if (group && t->sum)
        fprintf(out, TR(lang, "    => adds %g, in group %s\n"), value, group);
    else if (group)
        fprintf(out, TR(lang, "    => counted, in group %s\n"), group);
    else if (t->sum)
        fprintf(out, TR(lang, "    => adds %g\n"), value);
    else
        fprintf(out, "    => %s\n", TR(lang, "counted"));
}

/* The last lines of a target's trace: what this unit adds, and what the batch must reach. */
static void trace_target_end(unitctx *u, const td_target *t, const frame *top)
{
    FILE *out = u->trace;
    td_lang lang = td_diag_lang(&u->res->findings);
    fprintf(out, TR(lang, "  => this unit adds %g to the target\n"), u->trace_total);
    if (!t->at_least) {
        fprintf(out, "  %s\n", TR(lang, "the target is a tally: thidua eval reports it for the "
                                        "whole batch"));
        return;
    }
    td_value need = eval(&u->e, t->at_least, top);
    char due[11] = "";
    if (t->due) {
        td_value d = eval(&u->e, t->due, top);
        if (d.kind == TD_V_DATE)
            td_format_date(d.u.days, due);
    }
    if (usable(&need) && *due)
        fprintf(out, TR(lang, "  the whole batch must reach at least %g by %s: thidua eval adds "
                              "up every unit\n"), num_of(&need), due);
    else if (usable(&need))
        fprintf(out, TR(lang, "  the whole batch must reach at least %g: thidua eval adds up "
                              "every unit\n"), num_of(&need));
}

/* ---------- entry points ---------- */

void td_unit_result_init(td_unit_result *r, td_lang lang)
{
    memset(r, 0, sizeof *r);
    td_diag_init_lang(&r->findings, lang);
    td_diag_init_lang(&r->deferred, lang);
}

void td_unit_result_free(td_unit_result *r)
{
    free(r->file);
    free(r->id);
    free(r->name);
    free(r->level);
    free(r->group);
    for (uint32_t i = 0; i < r->n_values; i++)
        free(r->values[i]);
    free(r->values);
    td_diag_free(&r->findings);
    for (uint32_t i = 0; i < r->n_contribs; i++)
        free(r->contribs[i].group);
    free(r->contribs);
    free(r->hist);
    free(r->hknown);
    free(r->stages);
    for (uint32_t i = 0; i < r->n_xkeys; i++) {
        free(r->xkeys[i].text);
        free(r->xkeys[i].similar_text);
        if (r->sites) {
            free(r->sites[i].path);
            free(r->sites[i].source_line);
        }
    }
    free(r->sites);
    free(r->site_file);
    free(r->xkeys);
    td_diag_free(&r->deferred);
    free(r->defers);
    drop_lookups(r, 0);
    free(r->lookups);
    memset(r, 0, sizeof *r);
}

uint32_t td_program_stage_slots(const td_program *p)
{
    uint32_t n = 0;
    for (uint32_t i = 0; i < p->n_workflows; i++)
        n += p->workflows[i].n_stages + 1;
    return n;
}

static char *report_field(unitctx *u, const td_define *def, const frame *root)
{
    if (!def)
        return NULL;
    td_value v = eval_define(&u->e, def, &root->it);
    if (!usable(&v))
        return NULL;
    const char *s = td_value_format(&v, u->e.a);
    if (s && td_text_blank(s, strlen(s)))
        return NULL; /* a blank id or name is no id or name in a report */
    char *copy = s ? strdup(s) : NULL;
    if (!copy)
        u->e.oom = true;
    return copy;
}

td_status td_eval_document(const td_program *p, const td_node *root, int32_t as_of,
                           const td_source *src, td_arena *a, td_unit_result *res)
{
    td_eval_dates dates = {.as_of = as_of};
    return td_eval_document_at(p, root, &dates, src, a, res);
}

/* The first line of a trace: the rule, the unit file and its id. */
static void trace_header(unitctx *u, const char *rule, const td_source *src,
                         const td_unit_result *res)
{
    /* TRANSLATORS: the first line of a trace: "RULE on FILE (UNIT-ID):" */
    fprintf(u->trace, TR(td_diag_lang(&u->res->findings), "%s on %s%s%s%s:\n"), rule,
            src ? src->name : "?", res->id ? " (" : "", res->id ? res->id : "",
            res->id ? ")" : "");
}

/* Whether the trace asks for workflow w: -1 for all its checks (its id), a td_wf_check for
 * one (ID.CHECK), -2 when it asks for something else. */
static int traced_check(const td_eval_dates *dates, const td_workflow *w)
{
    if (!dates->trace_rule || !dates->trace_out)
        return -2;
    size_t n = strlen(w->id);
    if (strncmp(dates->trace_rule, w->id, n) != 0)
        return -2;
    if (dates->trace_rule[n] == '\0')
        return -1;
    if (dates->trace_rule[n] != '.')
        return -2;
    for (int c = 0; c < TD_WF_NCHECKS; c++)
        if (strcmp(dates->trace_rule + n + 1, td_wf_check_names[c]) == 0)
            return c;
    return -2;
}

td_status td_eval_document_at(const td_program *p, const td_node *root,
                              const td_eval_dates *dates, const td_source *src, td_arena *a,
                              td_unit_result *res)
{
    td_lang lang = td_diag_lang(&res->findings);
    unitctx u;
    memset(&u, 0, offsetof(unitctx, path));
    u.path[0] = '\0';
    u.e.p = p;
    u.e.root = root;
    u.e.as_of = dates->as_of;
    u.e.today = dates->today;
    u.e.lo = DAY_MIN;
    u.e.hi = DAY_MAX;
    u.e.a = a;
    u.e.res = res;
    u.src = src;
    u.res = res;
    u.history = dates->history;
    res->n_history = dates->history ? dates->n_history : 0;
    if (!root || root->invalid || root->type->kind != TD_T_RECORD)
        return TD_OK;
    res->typed = true;
    res->as_of = dates->as_of;
    frame top = mkframe(NULL, of_node(root), 1);
    res->id = report_field(&u, p->unit_id, &top);
    res->name = report_field(&u, p->unit_name, &top);
    res->level = report_field(&u, p->unit_level, &top);
    res->group = report_field(&u, p->unit_group, &top);
    if (p->n_report_values) {
        res->values = calloc(p->n_report_values, sizeof *res->values);
        if (!res->values)
            return TD_ENOMEM;
        res->n_values = p->n_report_values;
        for (uint32_t i = 0; i < p->n_report_values; i++)
            res->values[i] = report_field(&u, p->report_values[i], &top);
    }
    if (p->visit) {
        if (p->visit_memo) {
            u.cse = td_arena_alloc_raw(a, p->visit_memo * sizeof *u.cse);
            u.cse_known = td_arena_alloc_raw(a, p->visit_memo);
            if (!u.cse || !u.cse_known)
                return TD_ENOMEM;
        }
        size_t n0 = res->findings.n, d0 = res->deferred.n;
        uint64_t seq0 = res->findings.next_seq, dseq0 = res->deferred.next_seq;
        walk_node(&u, p->visit, &top);
        rule_order(&u, n0, seq0, d0, dseq0);
    }
    for (uint32_t i = 0; i < p->n_criteria && !u.e.oom && dates->trace_rule; i++) {
        const td_criterion *c = &p->criteria[i];
        if (dates->trace_out && strcmp(c->id, dates->trace_rule) == 0) {
            u.trace = dates->trace_out;
            trace_header(&u, c->id, src, res);
            for (uint32_t k = 0; k < c->n_variants; k++) {
                crit_arg arg = {c, &c->variants[k]};
                visit(&u, &c->variants[k].path, 0, &top, trace_criterion, &arg);
            }
            u.trace = NULL;
        }
    }
    uint32_t slots = td_program_stage_slots(p);
    if (slots && !res->stages) {
        res->stages = calloc(slots, sizeof *res->stages);
        if (!res->stages)
            return TD_ENOMEM;
        res->n_stages = slots;
    }
    uint32_t base = 0;
    for (uint32_t i = 0; i < p->n_workflows && !u.e.oom; i++) {
        const td_workflow *w = &p->workflows[i];
        wf_arg arg = {w, base, false, -1, NULL};
        visit(&u, &w->path, 0, &top, run_workflow, &arg);
        base += w->n_stages + 1;
        int only = traced_check(dates, w);
        if (only > -2) {
            uint32_t fails = 0;
            wf_arg tr = {w, 0, true, only, &fails};
            u.trace = dates->trace_out;
            trace_header(&u, dates->trace_rule, src, res);
            visit(&u, &w->path, 0, &top, run_workflow, &tr);
            if (fails)
                fprintf(u.trace, TRN(lang, "  => %u check fails\n", "  => %u checks fail\n",
                                     fails), fails);
            else
                fprintf(u.trace, "  => %s\n", TR(lang, "every check holds"));
            u.trace = NULL;
        }
    }
    for (uint32_t i = 0; i < p->n_targets && !u.e.oom; i++) {
        target_arg arg = {&p->targets[i], i};
        u.e.lo = DAY_MIN;
        u.e.hi = DAY_MAX;
        visit(&u, &p->targets[i].path, 0, &top, run_target, &arg);
        if (dates->trace_rule && dates->trace_out &&
            strcmp(p->targets[i].id, dates->trace_rule) == 0) {
            u.trace = dates->trace_out;
            u.trace_total = 0;
            trace_header(&u, p->targets[i].id, src, res);
            u.e.lo = DAY_MIN;
            u.e.hi = DAY_MAX;
            visit(&u, &p->targets[i].path, 0, &top, trace_target, &arg);
            trace_target_end(&u, &p->targets[i], &top);
            u.trace = NULL;
        }
    }
    if (root->type->rec->holds_events && !u.e.oom) {
        walk_events(&u, root, NULL);
    }
    for (uint32_t i = 0; i < p->n_indexes && !u.e.oom; i++)
        visit(&u, &p->indexes[i].path, 0, &top, run_index, &p->indexes[i]);
    if (u.e.oom || res->findings.oom || res->deferred.oom)
        return TD_ENOMEM;
    return TD_OK;
}
