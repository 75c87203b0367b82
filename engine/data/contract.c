/* The data contract derived from the compiled rules: which rule requires which field, under
 * which condition, which rules read it, and the constants it must equal.
 * Pipeline: td_program -> td_contract -> schema, template and explain writers. */
#include "contract.h"

#include <stdlib.h>
#include <string.h>

enum { MAX_FRAMES = 64 };

/* The frames an expression is compiled in: the records of an entity path, then the
 * elements of the lists it iterates. */
typedef struct frames {
    const td_type *t[MAX_FRAMES];
    uint32_t n;
} frames;

int td_contract_record_index(const td_contract *c, const td_record *r)
{
    const td_schema *s = &c->p->schema;
    for (uint32_t i = 0; i < s->n_records; i++)
        if (s->records[i] == r)
            return (int)i;
    return -1;
}

static int field_index(const td_record *r, uint32_t slot)
{
    for (uint32_t i = 0; i < r->n_fields; i++)
        if (r->fields[i].slot == slot)
            return (int)i;
    return -1;
}

const td_cfield *td_contract_field(const td_contract *c, const td_record *r, const td_field *f)
{
    int ri = td_contract_record_index(c, r);
    if (ri < 0 || f < r->fields || f >= r->fields + r->n_fields)
        return NULL;
    return &c->fields[ri][f - r->fields];
}

static td_cfield *cfield_at(td_contract *c, const td_record *r, uint32_t slot)
{
    int ri = r ? td_contract_record_index(c, r) : -1;
    int fi = ri >= 0 ? field_index(r, slot) : -1;
    return fi >= 0 ? &c->fields[ri][fi] : NULL;
}

static const td_record *record_of(const td_type *t)
{
    if (t && t->kind == TD_T_LIST)
        t = t->elem;
    return t && t->kind == TD_T_RECORD ? t->rec : NULL;
}

/* ---- readers ---- */

static void add_reader(td_contract *c, td_cfield *f, const char *id)
{
    if (!f)
        return;
    for (uint32_t i = 0; i < f->n_readers; i++)
        if (strcmp(f->readers[i], id) == 0)
            return;
    if (f->n_readers == f->cap_readers) {
        uint32_t cap = f->cap_readers ? f->cap_readers * 2 : 4;
        const char **a = td_arena_alloc(&c->arena, cap * sizeof *a);
        if (!a) {
            c->oom = true;
            return;
        }
        if (f->n_readers)
            memcpy(a, f->readers, f->n_readers * sizeof *a);
        f->readers = a;
        f->cap_readers = cap;
    }
    f->readers[f->n_readers++] = id;
}

static void walk(td_contract *c, const td_cexpr *e, frames *fr, const char *id)
{
    if (!e)
        return;
    switch (e->op) {
    case TD_CX_FIELD:
        if (e->up < fr->n)
            add_reader(c, cfield_at(c, record_of(fr->t[fr->n - 1 - e->up]), e->slot), id);
        return;
    case TD_CX_GET:
        add_reader(c, cfield_at(c, record_of(e->a ? e->a->type : NULL), e->slot), id);
        walk(c, e->a, fr, id);
        return;
    case TD_CX_COUNT:
    case TD_CX_AGG:
    case TD_CX_QUANT:
    case TD_CX_EACH:
        walk(c, e->a, fr, id);
        if (fr->n < MAX_FRAMES && e->a && e->a->type && e->a->type->kind == TD_T_LIST) {
            fr->t[fr->n++] = e->a->type->elem;
            walk(c, e->b, fr, id);
            walk(c, e->c, fr, id);
            fr->n--;
        }
        return;
    default:
        break;
    }
    walk(c, e->a, fr, id);
    walk(c, e->b, fr, id);
    walk(c, e->c, fr, id);
    for (uint32_t i = 0; i < e->nargs; i++)
        walk(c, e->args[i], fr, id);
}

/* The frames of an entity path: the document, then the record reached at each step. */
static void path_frames(const td_program *p, const td_epath *path, frames *fr)
{
    fr->n = 0;
    fr->t[fr->n++] = p->schema.document_type;
    for (uint32_t i = 0; i < path->n && fr->n < MAX_FRAMES; i++) {
        const td_record *r = path->recs[i];
        int fi = field_index(r, path->slots[i]);
        fr->t[fr->n++] = fi >= 0 ? r->fields[fi].type : NULL;
    }
}

/* The fields an entity path goes through are read by the rule that applies on it. */
static void walk_path(td_contract *c, const td_epath *path, const char *id)
{
    for (uint32_t i = 0; i < path->n; i++)
        add_reader(c, cfield_at(c, path->recs[i], path->slots[i]), id);
}

static void walk_msg(td_contract *c, const td_msg *m, frames *fr, const char *id)
{
    for (uint32_t i = 0; i < m->n; i++)
        walk(c, m->expr[i], fr, id);
}

/* ---- requirements ---- */

static void add_req(td_contract *c, td_cfield *f, const td_req *q)
{
    if (!f)
        return;
    for (uint32_t i = 0; i < f->n_reqs; i++) {
        td_req *o = &f->reqs[i];
        if (o->path == q->path && o->where == q->where && o->rule == q->rule &&
            o->direct == q->direct) {
            o->nonempty |= q->nonempty;
            return;
        }
    }
    if (f->n_reqs == f->cap_reqs) {
        uint32_t cap = f->cap_reqs ? f->cap_reqs * 2 : 4;
        td_req *a = td_arena_alloc(&c->arena, cap * sizeof *a);
        if (!a) {
            c->oom = true;
            return;
        }
        if (f->n_reqs)
            memcpy(a, f->reqs, f->n_reqs * sizeof *a);
        f->reqs = a;
        f->cap_reqs = cap;
    }
    f->reqs[f->n_reqs++] = *q;
}

/* A field the rule reads from its entity: `f` (FIELD up 0) or `r.f` (GET of a FIELD). The
 * record and field it names; false for anything else. */
static bool named_field(const td_record *entity, const td_cexpr *x, const td_record **rec,
                        uint32_t *slot, bool *direct)
{
    if (x && x->op == TD_CX_NOSPACE)
        x = x->a;
    if (!x)
        return false;
    if (x->op == TD_CX_FIELD && x->up == 0) {
        *rec = entity;
        *slot = x->slot;
        *direct = true;
        return true;
    }
    if (x->op == TD_CX_GET && x->a && x->a->op == TD_CX_FIELD && x->a->up == 0 && x->a->type &&
        x->a->type->kind == TD_T_RECORD) {
        *rec = x->a->type->rec;
        *slot = x->slot;
        *direct = false;
        return true;
    }
    return false;
}

/* `item`: x is read from an item of a list of the entity (`any initiatives have ...`): the
 * requirement sits one level deeper, as one through a record does (direct false). */
static void require_field(td_contract *c, const td_record *entity, const td_cexpr *x,
                          const td_req *base, bool nonempty, bool item)
{
    const td_record *rec;
    uint32_t slot;
    bool direct;
    if (!named_field(entity, x, &rec, &slot, &direct) || (item && !direct))
        return;
    td_req q = *base;
    q.nonempty = nonempty;
    q.direct = direct && !item;
    if (item) {
        add_req(c, cfield_at(c, rec, slot), &q);
        return;
    }
    add_req(c, cfield_at(c, rec, slot), &q);
    if (!direct) {
        /* r.f needs r too */
        q.nonempty = false;
        q.direct = true;
        add_req(c, cfield_at(c, entity, x->a->slot), &q);
    }
}

/* Walks the conjunction of a require: each term that can only hold with a field given.
 * `item`: the terms are read from an item of a list of the entity. */
static void terms(td_contract *c, const td_record *entity, const td_cexpr *e, const td_req *base,
                  bool item)
{
    if (!e)
        return;
    switch (e->op) {
    case TD_CX_AND:
        terms(c, entity, e->a, base, item);
        terms(c, entity, e->b, base, item);
        return;
    case TD_CX_PRESENT:
        require_field(c, entity, e->a, base, false, item);
        return;
    case TD_CX_NOT:
        if (e->a && e->a->op == TD_CX_EMPTY)
            require_field(c, entity, e->a->a, base, true, item);
        return;
    case TD_CX_QUANT:
        if (item)
            return; /* one level of items only */
        if (e->sub.quant == TD_Q_ANY)
            require_field(c, entity, e->a, base, true, false);
        /* `any initiatives have not empty(recognized_by)`: some item (all items, with
         * `all`) must hold the condition, so the fields it requires are required of the
         * items too; `none` requires nothing */
        if (e->sub.quant != TD_Q_NONE && e->b && e->a && e->a->type &&
            e->a->type->kind == TD_T_LIST && e->a->type->elem &&
            e->a->type->elem->kind == TD_T_RECORD)
            terms(c, e->a->type->elem->rec, e->b, base, true);
        return;
    case TD_CX_CMP:
        if (e->sub.op == TD_OP_EQ) {
            const td_cexpr *f = e->a, *k = e->b;
            if (k && k->op == TD_CX_NOSPACE)
                k = k->a;
            if (k && k->op != TD_CX_CONST) {
                const td_cexpr *t = f;
                f = e->b;
                k = t && t->op == TD_CX_NOSPACE ? t->a : t;
            }
            const td_record *rec;
            uint32_t slot;
            bool direct;
            if (k && k->op == TD_CX_CONST && named_field(entity, f, &rec, &slot, &direct)) {
                td_cfield *cf = cfield_at(c, rec, slot);
                if (cf && !cf->equals)
                    cf->equals = &k->value;
            }
        }
        return;
    default:
        return;
    }
}

bool td_req_unconditional(const td_req *q)
{
    if (!q->path)
        return true;
    if (q->where)
        return false;
    for (uint32_t i = 0; q->path->filters && i < q->path->n; i++)
        if (q->path->filters[i])
            return false;
    return true;
}

const char *td_contract_expr_text(const td_program *p, const td_cexpr *e, char *buf, size_t size)
{
    if (!size)
        return buf;
    buf[0] = '\0';
    if (!e || e->span.src >= p->n_sources || !p->sources[e->span.src])
        return buf;
    const td_source *s = p->sources[e->span.src];
    if ((size_t)e->span.off + e->span.len > s->len)
        return buf;
    size_t n = e->span.len < size - 1 ? e->span.len : size - 1;
    memcpy(buf, s->text + e->span.off, n);
    buf[n] = '\0';
    return buf;
}

static void criterion(td_contract *c, const td_criterion *k)
{
    for (uint32_t v = 0; v < k->n_variants; v++) {
        const td_variant *var = &k->variants[v];
        frames fr;
        path_frames(c->p, &var->path, &fr);
        walk_path(c, &var->path, k->id);
        walk(c, var->where, &fr, k->id);
        walk(c, var->due, &fr, k->id);
        for (uint32_t i = 0; i < var->n_lets; i++)
            walk(c, var->lets[i], &fr, k->id);
        walk(c, var->require, &fr, k->id);
        walk_msg(c, &var->message, &fr, k->id);
        for (uint32_t i = 0; var->path.filters && i < var->path.n; i++) {
            frames sub;
            path_frames(c->p, &var->path, &sub);
            sub.n = i + 2;
            walk(c, var->path.filters[i], &sub, k->id);
        }
        /* a `due` condition (a stage reached...) says when the requirement is judged, not
         * whether: the complete file still needs it; a due date leaves it out */
        bool due_date = var->due && !(var->due->type && var->due->type->kind == TD_T_BOOL);
        if (k->severity != TD_SEV_ERROR || due_date)
            continue;
        td_req base = {.rule = k->id, .cite = k->cite, .path = &var->path, .where = var->where};
        terms(c, var->path.recs[var->path.n], var->require, &base, false);
    }
}

static void workflow(td_contract *c, const td_workflow *w)
{
    frames fr;
    path_frames(c->p, &w->path, &fr);
    walk_path(c, &w->path, w->id);
    walk(c, w->where, &fr, w->id);
    const td_record *entity = w->path.recs[w->path.n];
    add_reader(c, cfield_at(c, entity, w->history_slot), w->id);
    add_reader(c, cfield_at(c, w->entry, w->state_slot), w->id);
    add_reader(c, cfield_at(c, w->entry, w->date_slot), w->id);
    add_reader(c, cfield_at(c, w->entry, w->evidence_slot), w->id);
    frames g;
    path_frames(c->p, &w->path, &g);
    const td_cfield *hist = cfield_at(c, entity, w->history_slot);
    if (g.n < MAX_FRAMES && hist)
        g.t[g.n++] = hist->field->type->kind == TD_T_LIST ? hist->field->type->elem
                                                          : hist->field->type;
    for (uint32_t i = 0; i < w->n_guards; i++) {
        walk(c, w->guards[i].require, &g, w->id);
        walk_msg(c, &w->guards[i].message, &g, w->id);
    }
    static const struct {
        td_wf_check check;
        int which; /* 0 state, 1 date, 2 evidence */
    } needs[] = {{TD_WF_STAGE, 0}, {TD_WF_DATE, 1}, {TD_WF_EVIDENCE, 2}};
    for (size_t i = 0; i < sizeof needs / sizeof needs[0]; i++) {
        if (w->off[needs[i].check])
            continue;
        uint32_t slot = needs[i].which == 0   ? w->state_slot
                        : needs[i].which == 1 ? w->date_slot
                                              : w->evidence_slot;
        const char *rule =
            td_arena_printf(&c->arena, "%s.%s", w->id, td_wf_check_names[needs[i].check]);
        if (!rule) {
            c->oom = true;
            return;
        }
        td_req q = {.rule = rule, .cite = w->cite, .path = NULL, .where = NULL,
                    .nonempty = needs[i].which == 2, .direct = true};
        add_req(c, cfield_at(c, w->entry, slot), &q);
    }
    td_cfield *state = cfield_at(c, w->entry, w->state_slot);
    for (uint32_t k = 0; state && !state->initial && k < w->n_stages; k++)
        if (w->initial[k])
            state->initial = &w->stages[k];
}

static void target(td_contract *c, const td_target *t)
{
    frames fr;
    path_frames(c->p, &t->path, &fr);
    walk_path(c, &t->path, t->id);
    walk(c, t->where, &fr, t->id);
    walk(c, t->sum, &fr, t->id);
    walk(c, t->by, &fr, t->id);
}

static void index_decl(td_contract *c, const td_index *x)
{
    frames fr;
    path_frames(c->p, &x->path, &fr);
    walk_path(c, &x->path, x->id);
    walk(c, x->key, &fr, x->id);
    walk(c, x->require, &fr, x->id);
    for (uint32_t i = 0; i < x->n_similar; i++)
        walk(c, x->similar[i], &fr, x->id);
}

static void defines(td_contract *c)
{
    const td_schema *s = &c->p->schema;
    for (uint32_t r = 0; r < s->n_records; r++) {
        const td_record *rec = s->records[r];
        for (uint32_t i = 0; i < rec->n_defines; i++) {
            const td_define *d = &rec->defines[i];
            const char *id = td_arena_printf(&c->arena, "%s.%s", rec->name, d->name);
            if (!id) {
                c->oom = true;
                return;
            }
            td_type t = {.kind = TD_T_RECORD, .rec = rec};
            const td_type *tp = td_arena_alloc(&c->arena, sizeof t);
            if (!tp) {
                c->oom = true;
                return;
            }
            memcpy((void *)tp, &t, sizeof t);
            frames fr = {.n = 0};
            fr.t[fr.n++] = tp;
            walk(c, d->expr, &fr, id);
        }
    }
}

td_status td_contract_build(const td_program *p, td_contract **out)
{
    *out = NULL;
    td_contract *c = calloc(1, sizeof *c);
    if (!c)
        return TD_ENOMEM;
    c->p = p;
    td_arena_init(&c->arena, 16384);
    const td_schema *s = &p->schema;
    c->fields = td_arena_alloc(&c->arena, (s->n_records + 1) * sizeof *c->fields);
    if (!c->fields)
        goto oom;
    for (uint32_t r = 0; r < s->n_records; r++) {
        const td_record *rec = s->records[r];
        c->fields[r] = td_arena_alloc(&c->arena, (rec->n_fields + 1) * sizeof **c->fields);
        if (!c->fields[r])
            goto oom;
        for (uint32_t i = 0; i < rec->n_fields; i++) {
            td_cfield *f = &c->fields[r][i];
            f->field = &rec->fields[i];
            if (rec->fields[i].required) {
                td_req q = {.rule = NULL, .cite = rec->cite, .direct = true,
                            .nonempty = rec->fields[i].type->kind == TD_T_TEXT};
                add_req(c, f, &q);
            }
        }
    }
    for (uint32_t i = 0; i < p->n_criteria; i++)
        criterion(c, &p->criteria[i]);
    for (uint32_t i = 0; i < p->n_workflows; i++)
        workflow(c, &p->workflows[i]);
    for (uint32_t i = 0; i < p->n_targets; i++)
        target(c, &p->targets[i]);
    for (uint32_t i = 0; i < p->n_indexes; i++)
        index_decl(c, &p->indexes[i]);
    defines(c);
    if (c->oom || c->arena.failed)
        goto oom;
    *out = c;
    return TD_OK;
oom:
    td_contract_free(c);
    return TD_ENOMEM;
}

void td_contract_free(td_contract *c)
{
    if (!c)
        return;
    td_arena_free(&c->arena);
    free(c);
}
