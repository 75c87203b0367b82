/* Resolve, expressions: type every expression against the schema and lower it to slots
 * (td_cexpr) in one pass; constants, coercions, entity paths and messages.
 * Pipeline: td_ast (parse arena) -> td_program (program arena); see resolve.c. */
#include "resolve_int.h"
#include "braces.h"

#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

bool td_rs_const_value(td_rs *r, const td_expr *e, td_value *out, const td_type **type)
{
    memset(out, 0, sizeof *out);
    switch (e->kind) {
    case TD_X_NUMBER:
        if (e->is_int) {
            out->kind = TD_V_INT;
            out->u.i = e->ival; /* exact; the parser refused one out of range */
            *type = r->t_int;
        } else {
            out->kind = TD_V_NUM;
            out->u.num = e->num;
            *type = r->t_number;
        }
        return true;
    case TD_X_STRING:
        out->kind = TD_V_TEXT;
        out->u.text.s = td_arena_strdup(r->pa, e->str);
        out->u.text.len = (uint32_t)strlen(e->str);
        *type = r->t_text;
        return out->u.text.s != NULL;
    case TD_X_BOOL:
        out->kind = TD_V_BOOL;
        out->u.b = e->boolean;
        *type = r->t_bool;
        return true;
    case TD_X_DATE: {
        char why[96];
        if (!td_parse_date(e->str, strlen(e->str), &out->u.days)) {
            td_diagnostic *x = ERR(r, e->span, TD_CODE_BAD_DATE, "'%s' is not a date: %s", e->str,
                                   td_date_problem(r->d->lang, e->str, strlen(e->str), why, sizeof why));
            td_rs_hint(r, x, "write dates as YYYY-MM-DD, e.g. 2025-12-31", NULL);
            return false;
        }
        out->kind = TD_V_DATE;
        *type = r->t_date;
        return true;
    }
    case TD_X_MONTH:
        if (!td_parse_month(e->str, strlen(e->str), &out->u.month)) {
            td_diagnostic *x = ERR(r, e->span, TD_CODE_BAD_MONTH, "'%s' is not a month", e->str);
            td_rs_hint(r, x, "write months as YYYY-MM with a month from 01 to 12, e.g. 2024-05", NULL);
            return false;
        }
        out->kind = TD_V_MONTH;
        *type = r->t_month;
        return true;
    case TD_X_UNARY:
        if (e->op == TD_OP_NEG && e->a && e->a->kind == TD_X_NUMBER) {
            if (!td_rs_const_value(r, e->a, out, type))
                return false;
            if (out->kind == TD_V_INT)
                out->u.i = -out->u.i;
            else
                out->u.num = -out->u.num;
            return true;
        }
        break;
    default:
        break;
    }
    return false;
}

static td_cexpr *node(td_rs *r, td_cop op, const td_type *t, td_span sp)
{
    td_cexpr *c = td_arena_alloc(r->pa, sizeof *c);
    if (!c) {
        r->fatal = TD_ENOMEM;
        return NULL;
    }
    c->op = op;
    c->type = t;
    c->span = sp;
    return c;
}

/* A list written with constants only (`[xa, ap]`) is a constant: its value is made here,
 * once, in the program (eval returns it), so that it is not built again at every
 * evaluation. The node stays a list, as written (traces show it so). */
static void const_list(td_rs *r, td_cexpr *k)
{
    k->value.kind = TD_V_ABSENT;
    for (uint32_t i = 0; i < k->nargs; i++)
        if (k->args[i]->op != TD_CX_CONST)
            return;
    td_value *items = td_arena_alloc(r->pa, (k->nargs + 1) * sizeof *items);
    if (!items) {
        r->fatal = TD_ENOMEM;
        return;
    }
    for (uint32_t i = 0; i < k->nargs; i++)
        items[i] = k->args[i]->value;
    k->value.kind = TD_V_LIST;
    k->value.u.list.items = items;
    k->value.u.list.n = k->nargs;
    k->value.u.list.elem = k->type->elem;
}

static const td_type *field_type_over(td_rs *r, const td_type *t, const char *name,
                                      const td_field **f, const td_define **def)
{
    *f = NULL;
    *def = NULL;
    const td_record *rec = t->kind == TD_T_RECORD ? t->rec
                           : (t->kind == TD_T_LIST && t->elem && t->elem->kind == TD_T_RECORD)
                               ? t->elem->rec
                               : NULL;
    if (!rec)
        return NULL;
    const td_type *ft = NULL;
    if ((*f = td_record_field(rec, name)) != NULL)
        ft = (*f)->type;
    else if ((*def = td_rs_define_of(r, rec, name)) != NULL) {
        td_rs_ensure_define(r, (td_define *)*def, (td_span){0, 0, 0});
        ft = (*def)->type;
    }
    if (!ft)
        return NULL;
    if (t->kind == TD_T_LIST) /* mapped over the list, flattened */
        return ft->kind == TD_T_LIST ? ft : td_rs_list_of(r, ft);
    return ft;
}

/* Names visible from a scope, for "did you mean". */
static size_t visible_names(td_rs *r, const td_scope *s, const td_type *hint_t, const char **out,
                            size_t cap)
{
    size_t n = 0;
    for (const td_scope *x = s; x; x = x->up) {
        if (x->binder && n < cap)
            out[n++] = x->binder;
        for (uint32_t i = 0; i < x->n_lets && n < cap; i++)
            out[n++] = x->let_names[i];
        if (!x->binder && x->elem && x->elem->kind == TD_T_RECORD) {
            const td_record *rec = x->elem->rec;
            for (uint32_t i = 0; i < rec->n_fields && n < cap; i++)
                out[n++] = rec->fields[i].name;
            for (uint32_t i = 0; i < rec->n_defines && n < cap; i++)
                out[n++] = rec->defines[i].name;
        }
    }
    for (uint32_t i = 0; i < r->p->n_params && n < cap; i++)
        out[n++] = r->p->params[i].name;
    if (hint_t && hint_t->kind == TD_T_ENUM)
        for (uint32_t i = 0; i < hint_t->en->n && n < cap; i++)
            out[n++] = hint_t->en->values[i];
    return n;
}

const td_param *td_rs_find_param(td_rs *r, const char *name)
{
    for (uint32_t i = 0; i < r->p->n_params; i++)
        if (strcmp(r->p->params[i].name, name) == 0)
            return &r->p->params[i];
    return NULL;
}

static const td_cexpr *enum_const(td_cctx *c, const td_enum *en, const char *code, td_span sp)
{
    int idx = td_enum_index(en, code, strlen(code));
    if (idx < 0)
        return NULL;
    td_type *t = td_rs_new_type(c->r, TD_T_ENUM);
    td_cexpr *k = t ? node(c->r, TD_CX_CONST, t, sp) : NULL;
    if (!k)
        return NULL;
    t->en = en;
    k->value.kind = TD_V_ENUM;
    k->value.u.en.en = en;
    k->value.u.en.index = (uint32_t)idx;
    return k;
}

static const td_cexpr *resolve_name(td_cctx *c, const td_expr *e, const td_scope *s,
                                    const td_type *hint_t)
{
    td_rs *r = c->r;
    uint32_t up = 0;
    for (const td_scope *x = s; x; x = x->up, up++) {
        if (x->binder && strcmp(x->binder, e->name) == 0) {
            td_cexpr *k = node(r, TD_CX_IT, x->elem, e->span);
            if (k)
                k->up = up;
            return k;
        }
        for (uint32_t i = 0; i < x->n_lets; i++) {
            if (strcmp(x->let_names[i], e->name) == 0) {
                td_cexpr *k = node(r, TD_CX_LET, x->let_types[i], e->span);
                if (k) {
                    k->up = up;
                    k->slot = i;
                }
                return k;
            }
        }
        if (!x->binder && x->elem && x->elem->kind == TD_T_RECORD) {
            const td_field *f = td_record_field(x->elem->rec, e->name);
            if (f) {
                td_cexpr *k = node(r, TD_CX_FIELD, f->type, e->span);
                if (k) {
                    k->up = up;
                    k->slot = f->slot;
                }
                return k;
            }
            const td_define *def = td_rs_define_of(r, x->elem->rec, e->name);
            if (def) {
                td_rs_ensure_define(r, (td_define *)def, e->span);
                if (!def->type)
                    return NULL; /* its own error is reported */
                ((td_define *)def)->used = true;
                td_cexpr *k = node(r, TD_CX_DEFINE, def->type, e->span);
                if (k) {
                    k->up = up;
                    k->def = def;
                }
                return k;
            }
        }
    }
    td_param *prm = (td_param *)td_rs_find_param(r, e->name);
    if (prm) {
        prm->used = true;
        /* a dated param reads the value in force at the as-of date */
        td_cexpr *k = node(r, prm->n_values ? TD_CX_PARAM : TD_CX_CONST, prm->type, e->span);
        if (k) {
            k->value = prm->value;
            k->slot = (uint32_t)(prm - r->p->params);
        }
        return k;
    }
    if (hint_t && hint_t->kind == TD_T_ENUM) {
        const td_cexpr *k = enum_const(c, hint_t->en, e->name, e->span);
        if (k)
            return k;
    }
    const char *names[512];
    size_t n = visible_names(r, s, hint_t, names, 512);
    const char *sug = td_suggest(e->name, names, n);
    td_diagnostic *x;
    /* a rule's own id is in the brackets; a define's is said here */
    if (hint_t && hint_t->kind == TD_T_ENUM) {
        if (r->rule_id)
            x = ERR(r, e->span, TD_CODE_UNKNOWN_NAME,
                    "unknown name '%s': not a field, a param or a "
                    "value of %s", e->name, hint_t->en->name);
        else
            /* TRANSLATORS: the second %s is a define: "define unit_file.counted" */
            x = ERR(r, e->span, TD_CODE_UNKNOWN_NAME,
                    "unknown name '%s' in %s: not a field, a param "
                    "or a value of %s", e->name, c->rule, hint_t->en->name);
    } else {
        const td_scope *inner = s;
        while (inner && inner->binder)
            inner = inner->up;
        const char *rec = inner && inner->elem && inner->elem->kind == TD_T_RECORD
                              ? inner->elem->rec->name
                              : NULL;
        if (r->rule_id && rec)
            x = ERR(r, e->span, TD_CODE_UNKNOWN_NAME, "unknown name '%s': not a field of %s nor a "
                    "param", e->name, rec);
        else if (r->rule_id)
            x = ERR(r, e->span, TD_CODE_UNKNOWN_NAME,
                    "unknown name '%s': not a field of this scope "
                    "nor a param", e->name);
        else if (rec)
            x = ERR(r, e->span, TD_CODE_UNKNOWN_NAME,
                    "unknown name '%s' in %s: not a field of %s nor "
                    "a param", e->name, c->rule, rec);
        else
            x = ERR(r, e->span, TD_CODE_UNKNOWN_NAME,
                    "unknown name '%s' in %s: not a field of this "
                    "scope nor a param", e->name, c->rule);
    }
    if (sug)
        td_rs_hint(r, x, "did you mean '%s'?", sug);
    return NULL;
}

bool td_rs_want(td_cctx *c, const td_cexpr *k, td_tkind kind, const char *what)
{
    if (!k)
        return false;
    if (k->type && (k->type->kind == kind || (kind == TD_T_NUMBER && td_rs_is_numeric(k->type))))
        return true;
    char buf[128];
    td_lang lang = td_diag_lang(c->r->d);
    /* TRANSLATORS: "the condition after 'where' must be a condition (true or false), but this
     * is int"; the last %s is a type of the rule language */
    td_diagnostic *x = ERR(c->r, k->span, TD_CODE_TYPE, "%s must be %s, but this is %s",
                           td_gettext(lang, what),
                           kind == TD_T_BOOL     ? TR(lang, "a condition (true or false)")
                           : kind == TD_T_NUMBER ? TR(lang, "a number")
                           : kind == TD_T_LIST   ? TR(lang, "a list")
                           : kind == TD_T_DATE   ? TR(lang, "a date")
                           : kind == TD_T_MONTH  ? TR(lang, "a month")
                           : kind == TD_T_TEXT   ? TR(lang, "a text")
                                                 : TR(lang, "a value of another type"),
                           td_rs_tname(k->type, buf, sizeof buf));
    (void)x;
    return false;
}

static const td_type *elem_of(const td_cexpr *k)
{
    return k && k->type && k->type->kind == TD_T_LIST ? k->type->elem : NULL;
}

/* Coerces a text constant to a value of an enum when compared with one. */
const td_cexpr *td_rs_coerce(td_cctx *c, const td_cexpr *k, const td_type *to)
{
    if (!k || !to || to->kind != TD_T_ENUM || k->op != TD_CX_CONST || k->value.kind != TD_V_TEXT)
        return k;
    const td_cexpr *e = enum_const(c, to->en, k->value.u.text.s, k->span);
    if (!e) {
        const char *sug = td_suggest(k->value.u.text.s, to->en->values, to->en->n);
        td_diagnostic *x = ERR(c->r, k->span, TD_CODE_UNKNOWN_VALUE, "'%s' is not a value of %s",
                               k->value.u.text.s, to->en->name);
        if (sug)
            td_rs_hint(c->r, x, "did you mean '%s'?", sug);
    }
    return e;
}

static bool comparable(td_cctx *c, const td_cexpr *a, const td_cexpr *b, bool ordered, td_span sp)
{
    char b1[128], b2[128];
    if (!td_rs_same_type(a->type, b->type)) {
        td_diagnostic *x =
            ERR(c->r, sp, TD_CODE_TYPE,
                "cannot compare %s with %s", td_rs_tname(a->type, b1, sizeof b1),
                td_rs_tname(b->type, b2, sizeof b2));
        td_rs_hint(c->r, x, "both sides of a comparison must have the same type", NULL);
        return false;
    }
    if (ordered) {
        td_tkind k = a->type->kind;
        if (!(td_rs_is_numeric(a->type) || k == TD_T_DATE || k == TD_T_MONTH || k == TD_T_TEXT)) {
            ERR(c->r, sp, TD_CODE_TYPE,
                "%s values have no order; use == or !=", td_rs_tname(a->type, b1, sizeof b1));
            return false;
        }
    }
    if (a->type->kind == TD_T_RECORD || a->type->kind == TD_T_LIST) {
        ERR(c->r, sp, TD_CODE_TYPE, "cannot compare whole %s values; compare one of their fields",
            td_rs_tname(a->type, b1, sizeof b1));
        return false;
    }
    return true;
}

/* An iteration scope over the list compiled from e->a (with e->binder). */
static bool iter_scope(td_cctx *c, const td_expr *e, const td_scope *s, const td_cexpr **list,
                       td_scope *inner)
{
    *list = td_rs_cx(c, e->a, s, NULL);
    if (!*list)
        return false;
    if (!td_rs_want(c, *list, TD_T_LIST, N_("what follows")))
        return false;
    memset(inner, 0, sizeof *inner);
    inner->up = s;
    inner->elem = elem_of(*list);
    inner->binder = e->binder;
    return true;
}

/* The list of count/sum/min/max and its optional `where` (e->b), compiled in the scope of
 * one item; *where is NULL when there is none. */
static bool iter_where(td_cctx *c, const td_expr *e, const td_scope *s, const td_cexpr **list,
                       td_scope *inner, const td_cexpr **where)
{
    *where = NULL;
    if (!iter_scope(c, e, s, list, inner))
        return false;
    if (!e->b)
        return true;
    *where = td_rs_cx(c, e->b, inner, NULL);
    return *where && td_rs_want(c, *where, TD_T_BOOL, N_("the condition after 'where'"));
}

/* The dotted text of a name written as an expression (exemplar.ids), into buf; false
 * when the expression is not a plain dotted name. */
static bool dotted_text(const td_expr *e, char *buf, size_t size)
{
    if (e->kind == TD_X_NAME)
        return (size_t)snprintf(buf, size, "%s", e->name) < size;
    if (e->kind != TD_X_FIELD || !e->a || !dotted_text(e->a, buf, size))
        return false;
    size_t n = strlen(buf);
    return (size_t)snprintf(buf + n, size - n, ".%s", e->name) < size - n;
}

/* found(INDEX, OWNER, KEY): whether unit OWNER has, anywhere in the batch, an entity of
 * INDEX whose key is KEY and that meets the index's `require` (Decision 12). */
static const td_cexpr *cx_found(td_cctx *c, const td_expr *e, const td_scope *s)
{
    td_rs *r = c->r;
    char id[256];
    if (e->nargs != 3) {
        td_diagnostic *x = ERR(r, e->span, TD_CODE_ARITY,
                               "found takes 3 arguments, not %u", e->nargs);
        td_rs_hint(r, x, "write found(INDEX, UNIT-ID, KEY), e.g. found(exemplar.ids, unit, "
                   "exemplar)", NULL);
        return NULL;
    }
    if (!dotted_text(e->args[0], id, sizeof id)) {
        ERR(r, e->args[0]->span, TD_CODE_TYPE, "the first argument of found names an `index` "
            "declaration, e.g. exemplar.ids");
        return NULL;
    }
    if (!r->in_criterion) {
        ERR(r, e->span, TD_CODE_FOUND_SCOPE,
            "found() is decided across the units of a batch, so it "
            "may only be used in a criterion's conditions, not in a define, a target or a "
            "workflow");
        return NULL;
    }
    uint32_t ix = 0;
    while (ix < r->n_index_ids && strcmp(r->index_ids[ix], id) != 0)
        ix++;
    if (ix == r->n_index_ids) {
        td_diagnostic *x = ERR(r, e->args[0]->span, TD_CODE_UNKNOWN_INDEX, "no index is named '%s'",
                               id);
        const char *sug = td_suggest(id, r->index_ids, r->n_index_ids);
        if (sug)
            td_rs_hint(r, x, "did you mean '%s'?", sug);
        else
            td_rs_hint(r, x, "declare it with `index ID \"label\" cite \"...\" on PATH key EXPR`", NULL);
        return NULL;
    }
    const td_cexpr *a = td_rs_cx(c, e->args[1], s, NULL), *b = td_rs_cx(c, e->args[2], s, NULL);
    if (!td_rs_want(c, a, TD_T_TEXT, N_("the unit id given to found")) ||
        !td_rs_want(c, b, TD_T_TEXT, N_("the key given to found")))
        return NULL;
    td_cexpr *k = node(r, TD_CX_FOUND, r->t_bool, e->span);
    if (k) {
        k->slot = ix;
        k->a = a;
        k->b = b;
    }
    return k;
}

static const td_cexpr *cx_call(td_cctx *c, const td_expr *e, const td_scope *s)
{
    td_rs *r = c->r;
    if (strcmp(e->name, "found") == 0)
        return cx_found(c, e, s);
    static const char *const fns[] = {"present", "empty", "length", "month_of", "year_of",
                                      "months", "without_spaces"};
    static const td_cop ops[] = {TD_CX_PRESENT, TD_CX_EMPTY, TD_CX_LENGTH, TD_CX_MONTH_OF,
                                 TD_CX_YEAR_OF, TD_CX_MONTHS, TD_CX_NOSPACE};
    static const uint32_t arity[] = {1, 1, 1, 1, 1, 2, 1};
    const size_t n_fns = sizeof fns / sizeof fns[0];
    size_t i = 0;
    while (i < n_fns && strcmp(fns[i], e->name) != 0)
        i++;
    if (i == n_fns) {
        td_diagnostic *x = ERR(r, e->name_span, TD_CODE_UNKNOWN_FUNCTION, "unknown function '%s'",
                               e->name);
        const char *sug = td_suggest(e->name, fns, n_fns);
        if (sug)
            td_rs_hint(r, x, "did you mean '%s'?", sug);
        else
            td_rs_hint(r, x, "functions are present, empty, length, month_of, year_of, months, "
                       "without_spaces, found; count, sum, min, max take a list", NULL);
        return NULL;
    }
    if (e->nargs != arity[i]) {
        if (arity[i] == 1)
            ERR(r, e->span, TD_CODE_ARITY, "%s takes 1 argument, not %u", fns[i], e->nargs);
        else
            ERR(r, e->span, TD_CODE_ARITY, "%s takes %u arguments, not %u", fns[i], arity[i],
                e->nargs);
        return NULL;
    }
    const td_cexpr *a = td_rs_cx(c, e->args[0], s, NULL);
    const td_cexpr *b = e->nargs > 1 ? td_rs_cx(c, e->args[1], s, NULL) : NULL;
    if (!a || (e->nargs > 1 && !b))
        return NULL;
    char buf[128];
    const td_type *t = NULL;
    switch (ops[i]) {
    case TD_CX_PRESENT:
        t = r->t_bool;
        break;
    case TD_CX_EMPTY:
    case TD_CX_LENGTH:
        if (a->type->kind != TD_T_TEXT && a->type->kind != TD_T_LIST) {
            ERR(r, a->span, TD_CODE_TYPE, "%s needs a text or a list, but this is %s", fns[i],
                td_rs_tname(a->type, buf, sizeof buf));
            return NULL;
        }
        t = ops[i] == TD_CX_EMPTY ? r->t_bool : r->t_int;
        break;
    case TD_CX_MONTH_OF:
        if (!td_rs_want(c, a, TD_T_DATE, N_("the argument of month_of")))
            return NULL;
        t = r->t_month;
        break;
    case TD_CX_YEAR_OF:
        if (a->type->kind != TD_T_DATE && a->type->kind != TD_T_MONTH) {
            ERR(r, a->span, TD_CODE_TYPE, "year_of needs a date or a month, but this is %s",
                td_rs_tname(a->type, buf, sizeof buf));
            return NULL;
        }
        t = r->t_int;
        break;
    case TD_CX_MONTHS:
        if (!td_rs_want(c, a, TD_T_MONTH, N_("the first month")) ||
            !td_rs_want(c, b, TD_T_MONTH, N_("the last month")))
            return NULL;
        t = td_rs_list_of(r, r->t_month);
        break;
    case TD_CX_NOSPACE:
        if (!td_rs_want(c, a, TD_T_TEXT, N_("the argument of without_spaces")))
            return NULL;
        t = r->t_text;
        break;
    default:
        break;
    }
    td_cexpr *k = node(r, ops[i], t, e->span);
    if (k) {
        k->a = a;
        k->b = b;
    }
    return k;
}

/* True for a bare name that is neither a field, a let, a binder nor a param in scope:
 * it can only be a value of an enum, known from the other side of the comparison. */
static bool is_loose_name(td_cctx *c, const td_expr *e, const td_scope *s)
{
    if (e->kind != TD_X_NAME)
        return false;
    for (const td_scope *x = s; x; x = x->up) {
        if (x->binder && strcmp(x->binder, e->name) == 0)
            return false;
        for (uint32_t i = 0; i < x->n_lets; i++)
            if (strcmp(x->let_names[i], e->name) == 0)
                return false;
        if (!x->binder && x->elem && x->elem->kind == TD_T_RECORD &&
            (td_record_field(x->elem->rec, e->name) ||
             td_rs_define_of(c->r, x->elem->rec, e->name)))
            return false;
    }
    return td_rs_find_param(c->r, e->name) == NULL;
}

static const td_cexpr *cx_binary(td_cctx *c, const td_expr *e, const td_scope *s)
{
    td_rs *r = c->r;
    char b1[128], b2[128];
    switch (e->op) {
    case TD_OP_AND:
    case TD_OP_OR: {
        const td_cexpr *a = td_rs_cx(c, e->a, s, NULL), *b = td_rs_cx(c, e->b, s, NULL);
        if (!a || !b ||
            !td_rs_want(c, a, TD_T_BOOL,
                        e->op == TD_OP_AND ? N_("each side of 'and'") : N_("each side of 'or'")) ||
            !td_rs_want(c, b, TD_T_BOOL,
                        e->op == TD_OP_AND ? N_("each side of 'and'") : N_("each side of 'or'")))
            return NULL;
        td_cexpr *k = node(r, e->op == TD_OP_AND ? TD_CX_AND : TD_CX_OR, r->t_bool, e->span);
        if (k) {
            k->a = a;
            k->b = b;
        }
        return k;
    }
    case TD_OP_EQ: case TD_OP_NE: case TD_OP_LT: case TD_OP_LE: case TD_OP_GT: case TD_OP_GE: {
        const td_cexpr *a, *b;
        if (is_loose_name(c, e->a, s)) {
            /* `collective == type`: the value on the left takes its type from the right */
            b = td_rs_cx(c, e->b, s, NULL);
            a = b ? td_rs_cx(c, e->a, s, b->type) : NULL;
            if (!a || !b)
                return NULL;
        } else {
            a = td_rs_cx(c, e->a, s, NULL);
            if (!a)
                return NULL;
            b = td_rs_coerce(c, td_rs_cx(c, e->b, s, a->type), a->type);
        }
        if (!b)
            return NULL;
        a = td_rs_coerce(c, a, b->type);
        if (!a)
            return NULL;
        if (!comparable(c, a, b, e->op != TD_OP_EQ && e->op != TD_OP_NE, e->span))
            return NULL;
        td_cexpr *k = node(r, TD_CX_CMP, r->t_bool, e->span);
        if (k) {
            k->sub.op = e->op;
            k->a = a;
            k->b = b;
        }
        return k;
    }
    case TD_OP_IN:
    case TD_OP_NOT_IN: {
        const td_cexpr *a, *b;
        if (is_loose_name(c, e->a, s)) {
            /* `thanh_nien in tags`: the value takes its type from the list's elements */
            b = td_rs_cx(c, e->b, s, NULL);
            a = b ? td_rs_cx(c, e->a, s, elem_of(b)) : NULL;
        } else {
            a = td_rs_cx(c, e->a, s, NULL);
            b = a ? td_rs_cx(c, e->b, s, td_rs_list_of(r, a->type)) : NULL;
        }
        if (!a)
            return NULL;
        if (!b || !td_rs_want(c, b, TD_T_LIST, N_("the right side of 'in'")))
            return NULL;
        if (b->op == TD_CX_LIST) {
            td_cexpr *bl = (td_cexpr *)b;
            for (uint32_t i = 0; i < bl->nargs; i++) {
                bl->args[i] = td_rs_coerce(c, bl->args[i], a->type);
                if (!bl->args[i])
                    return NULL;
            }
            if (bl->nargs)
                bl->type = td_rs_list_of(r, a->type);
            const_list(r, bl);
        }
        if (b->type->elem && !td_rs_same_type(a->type, b->type->elem)) {
            ERR(r, e->span, TD_CODE_TYPE, "cannot look for %s in a list of %s",
                td_rs_tname(a->type, b1, sizeof b1), td_rs_tname(b->type->elem, b2, sizeof b2));
            return NULL;
        }
        td_cexpr *k = node(r, TD_CX_IN, r->t_bool, e->span);
        if (k) {
            k->negate = e->op == TD_OP_NOT_IN;
            k->a = a;
            k->b = b;
        }
        return k;
    }
    case TD_OP_ADD: case TD_OP_SUB: case TD_OP_MUL: case TD_OP_DIV: {
        const td_cexpr *a = td_rs_cx(c, e->a, s, NULL), *b = td_rs_cx(c, e->b, s, NULL);
        if (!a || !b)
            return NULL;
        const td_type *t = NULL;
        td_tkind ka = a->type->kind, kb = b->type->kind;
        if (td_rs_is_numeric(a->type) && td_rs_is_numeric(b->type))
            t = (ka == TD_T_INT && kb == TD_T_INT && e->op != TD_OP_DIV) ? r->t_int : r->t_number;
        else if ((ka == TD_T_DATE || ka == TD_T_MONTH) && kb == TD_T_INT &&
                 (e->op == TD_OP_ADD || e->op == TD_OP_SUB))
            t = a->type; /* date +- days, month +- months */
        else if (ka == kb && (ka == TD_T_DATE || ka == TD_T_MONTH) && e->op == TD_OP_SUB)
            t = r->t_int; /* days or months between */
        if (!t) {
            td_diagnostic *x = ERR(r, e->span, TD_CODE_TYPE, "cannot compute %s %s %s",
                                   td_rs_tname(a->type, b1, sizeof b1),
                                   e->op == TD_OP_ADD   ? "+"
                                   : e->op == TD_OP_SUB ? "-"
                                   : e->op == TD_OP_MUL ? "*"
                                                        : "/",
                                   td_rs_tname(b->type, b2, sizeof b2));
            td_rs_hint(r, x, "arithmetic works on numbers; a date or month plus or minus a whole "
                       "number of days or months; and a date minus a date", NULL);
            return NULL;
        }
        if (a->op == TD_CX_CONST && b->op == TD_CX_CONST) {
            /* constants fold, and one that cannot be computed is an error here, not a rule
             * that would never say anything */
            const char *why;
            td_value v = td_arith(e->op, t->kind, a->value, b->value, &why);
            if (why) {
                td_lang lang = td_diag_lang(r->d);
                td_diagnostic *x = ERR(r, e->span, TD_CODE_ARITH, N_("this cannot be computed: %s"),
                                       TR(lang, why));
                td_rs_hint(r, x, "check the numbers and the params it uses", NULL);
                return NULL;
            }
            if (v.kind != TD_V_ABSENT) {
                td_cexpr *k = node(r, TD_CX_CONST, t, e->span);
                if (k)
                    k->value = v;
                return k;
            }
        }
        td_cexpr *k = node(r, TD_CX_ARITH, t, e->span);
        if (k) {
            k->sub.op = e->op;
            k->a = a;
            k->b = b;
        }
        return k;
    }
    default:
        return NULL;
    }
}

/* How deep evaluating k recurses: one level per operation, plus the depth of each define or
 * let it uses, as they are evaluated where they are used (capped past MAX_EVAL_DEPTH). */
uint32_t td_rs_eval_depth(const td_cexpr *k, td_depth_ctx *x)
{
    if (!k)
        return 0;
    uint32_t d = 0, e;
    if ((k->op == TD_CX_DEFINE || k->op == TD_CX_GETDEF) && k->def)
        d = k->def->depth;
    else if (k->op == TD_CX_LET && x->lets && k->slot < x->n_lets)
        d = x->lets[k->slot];
    if (d > MAX_EVAL_DEPTH)
        x->deep_use = true;
    if ((e = td_rs_eval_depth(k->a, x)) > d)
        d = e;
    if ((e = td_rs_eval_depth(k->b, x)) > d)
        d = e;
    if ((e = td_rs_eval_depth(k->c, x)) > d)
        d = e;
    for (uint32_t i = 0; i < k->nargs; i++)
        if ((e = td_rs_eval_depth(k->args[i], x)) > d)
            d = e;
    return d > MAX_EVAL_DEPTH ? MAX_EVAL_DEPTH + 1 : d + 1;
}

static const td_cexpr *cx_node(td_cctx *c, const td_expr *e, const td_scope *s,
                               const td_type *hint_t);

/* Lowers one expression. Compiling a define the expression uses nests here (ensure_define),
 * so a chain of defines declared after their users recurses once per define: bounded. */
const td_cexpr *td_rs_cx(td_cctx *c, const td_expr *e, const td_scope *s, const td_type *hint_t)
{
    td_rs *r = c->r;
    if (!e || r->fatal)
        return NULL;
    if (r->nest >= MAX_EVAL_DEPTH) {
        if (!r->nest_reported) {
            td_diagnostic *x = ERR(r, e->span, TD_CODE_TOO_DEEP,
                                   N_("too many levels of defines used one inside another "
                                      "here: more than %d operations nested"),
                                   MAX_EVAL_DEPTH);
            td_rs_hint(r, x, "a define that uses a define that uses "
                          "another... is evaluated one inside the other: make the chain "
                          "shorter", NULL);
        }
        r->nest_reported = true;
        return NULL;
    }
    r->nest++;
    const td_cexpr *k = cx_node(c, e, s, hint_t);
    r->nest--;
    return k;
}

static const td_cexpr *cx_node(td_cctx *c, const td_expr *e, const td_scope *s,
                               const td_type *hint_t)
{
    td_rs *r = c->r;
    char buf[128];
    switch (e->kind) {
    case TD_X_NUMBER: case TD_X_STRING: case TD_X_DATE: case TD_X_MONTH: case TD_X_BOOL: {
        td_value v;
        const td_type *t = NULL;
        if (!td_rs_const_value(r, e, &v, &t))
            return NULL;
        td_cexpr *k = node(r, TD_CX_CONST, t, e->span);
        if (k)
            k->value = v;
        return k;
    }
    case TD_X_NAME:
        return resolve_name(c, e, s, hint_t);
    case TD_X_ROOT:
        return node(r, TD_CX_ROOT, r->p->schema.document_type, e->span);
    case TD_X_ASOF:
        return node(r, TD_CX_ASOF, r->t_date, e->span);
    case TD_X_IT: case TD_X_PREVIOUS: case TD_X_POSITION: {
        if (!s || !s->elem) {
            ERR(r, e->span, TD_CODE_SCOPE,
                "'%s' only means something inside all/any/none/count/each "
                "or a rule's entity", e->kind == TD_X_IT ? "it" : e->kind == TD_X_PREVIOUS
                ? "previous" : "position");
            return NULL;
        }
        td_cop op = e->kind == TD_X_IT ? TD_CX_IT : e->kind == TD_X_PREVIOUS ? TD_CX_PREVIOUS
                                                                             : TD_CX_POSITION;
        return node(r, op, op == TD_CX_POSITION ? r->t_int : s->elem, e->span);
    }
    case TD_X_FIELD: {
        const td_cexpr *a = td_rs_cx(c, e->a, s, NULL);
        if (!a)
            return NULL;
        const td_field *f;
        const td_define *def;
        const td_type *t = field_type_over(r, a->type, e->name, &f, &def);
        if (!t) {
            const td_record *rec = a->type->kind == TD_T_RECORD ? a->type->rec
                                   : elem_of(a) && elem_of(a)->kind == TD_T_RECORD
                                       ? elem_of(a)->rec
                                       : NULL;
            if (!rec) {
                ERR(r, e->name_span, TD_CODE_NOT_A_RECORD, "'%s' has no fields: it is %s", e->name,
                    td_rs_tname(a->type, buf, sizeof buf));
                return NULL;
            }
            td_diagnostic *x = ERR(r, e->name_span, TD_CODE_UNKNOWN_FIELD,
                                   "unknown field '%s' on %s",
                                   e->name, rec->name);
            td_rs_suggest_from(r, x, e->name, NAMES_MEMBERS, rec);
            return NULL;
        }
        if (def)
            ((td_define *)def)->used = true;
        td_cexpr *k = node(r, f ? TD_CX_GET : TD_CX_GETDEF, t, e->span);
        if (k) {
            k->a = a;
            if (f)
                k->slot = f->slot;
            k->def = def;
        }
        return k;
    }
    case TD_X_LIST: {
        const td_type *et = hint_t && hint_t->kind == TD_T_LIST ? hint_t->elem : NULL;
        td_cexpr *k = node(r, TD_CX_LIST, NULL, e->span);
        if (!k)
            return NULL;
        k->args = td_arena_alloc(r->pa, (e->nargs + 1) * sizeof *k->args);
        if (!k->args) {
            r->fatal = TD_ENOMEM;
            return NULL;
        }
        k->nargs = e->nargs;
        const td_type *first = NULL;
        for (uint32_t i = 0; i < e->nargs; i++) {
            k->args[i] = td_rs_coerce(c, td_rs_cx(c, e->args[i], s, et), et);
            if (!k->args[i])
                return NULL;
            if (!first)
                first = k->args[i]->type;
            else if (!td_rs_same_type(first, k->args[i]->type)) {
                char b2[128];
                ERR(r, e->args[i]->span, TD_CODE_TYPE,
                    "a list holds values of one type: this is %s, "
                    "the first was %s",
                    td_rs_tname(k->args[i]->type, buf, sizeof buf),
                    td_rs_tname(first, b2, sizeof b2));
                return NULL;
            }
        }
        k->type = td_rs_list_of(r, first ? first : (et ? et : r->t_text));
        const_list(r, k);
        return k;
    }
    case TD_X_UNARY: {
        const td_cexpr *a = td_rs_cx(c, e->a, s, NULL);
        if (!a)
            return NULL;
        if (e->op == TD_OP_NOT) {
            if (!td_rs_want(c, a, TD_T_BOOL, N_("what follows 'not'")))
                return NULL;
        } else if (!td_rs_want(c, a, TD_T_NUMBER, N_("what follows '-'"))) {
            return NULL;
        } else if (a->op == TD_CX_CONST && (a->value.kind == TD_V_NUM ||
                                           (a->value.kind == TD_V_INT && a->value.u.i > INT64_MIN))) {
            /* -3 written out is a constant: `at least -3` is then seen as negative */
            td_cexpr *k = node(r, TD_CX_CONST, a->type, e->span);
            if (k) {
                k->value = a->value;
                if (k->value.kind == TD_V_INT)
                    k->value.u.i = -k->value.u.i;
                else
                    k->value.u.num = -k->value.u.num;
            }
            return k;
        }
        td_cexpr *k = node(r, e->op == TD_OP_NOT ? TD_CX_NOT : TD_CX_NEG, a->type, e->span);
        if (k)
            k->a = a;
        return k;
    }
    case TD_X_BINARY:
        return cx_binary(c, e, s);
    case TD_X_CALL:
        return cx_call(c, e, s);
    case TD_X_COUNT: {
        const td_cexpr *list, *where;
        td_scope inner;
        if (!iter_where(c, e, s, &list, &inner, &where))
            return NULL;
        td_cexpr *k = node(r, TD_CX_COUNT, r->t_int, e->span);
        if (k) {
            k->a = list;
            k->b = where;
        }
        return k;
    }
    case TD_X_AGG: {
        const td_cexpr *list, *where;
        td_scope inner;
        if (!iter_where(c, e, s, &list, &inner, &where))
            return NULL;
        const td_cexpr *val = td_rs_cx(c, e->c, &inner, NULL);
        if (!val)
            return NULL;
        td_tkind vk = val->type->kind;
        if (e->agg == TD_AGG_SUM ? !td_rs_is_numeric(val->type)
                                 : !(td_rs_is_numeric(val->type) || vk == TD_T_DATE ||
                                     vk == TD_T_MONTH || vk == TD_T_TEXT)) {
            ERR(r, val->span, TD_CODE_TYPE, "%s needs %s, but this is %s",
                e->agg == TD_AGG_SUM   ? "sum"
                : e->agg == TD_AGG_MIN ? "min"
                                       : "max",
                e->agg == TD_AGG_SUM ? TR(td_diag_lang(r->d), "numbers")
                                     : TR(td_diag_lang(r->d), "numbers, dates, months or texts"),
                td_rs_tname(val->type, buf, sizeof buf));
            return NULL;
        }
        td_cexpr *k = node(r, TD_CX_AGG, val->type, e->span);
        if (k) {
            k->sub.agg = e->agg;
            k->a = list;
            k->b = where;
            k->c = val;
        }
        return k;
    }
    case TD_X_MINMAX: {
        const td_cexpr *a = td_rs_cx(c, e->a, s, NULL), *b = td_rs_cx(c, e->b, s, NULL);
        if (!a || !b || !comparable(c, a, b, true, e->span))
            return NULL;
        td_cexpr *k = node(r, TD_CX_MINMAX, a->type, e->span);
        if (k) {
            k->sub.agg = e->agg;
            k->a = a;
            k->b = b;
            if (td_rs_is_numeric(a->type) && a->type->kind != b->type->kind)
                k->type = r->t_number;
        }
        return k;
    }
    case TD_X_QUANT:
    case TD_X_EACH: {
        const td_cexpr *list;
        td_scope inner;
        if (!iter_scope(c, e, s, &list, &inner))
            return NULL;
        const td_cexpr *body = td_rs_cx(c, e->b, &inner, NULL);
        if (!body || !td_rs_want(c, body, TD_T_BOOL,
                                 e->kind == TD_X_EACH ? N_("the condition after 'where'")
                                                      : N_("the condition after 'have'")))
            return NULL;
        td_cexpr *k = node(r, e->kind == TD_X_EACH ? TD_CX_EACH : TD_CX_QUANT,
                           e->kind == TD_X_EACH ? list->type : r->t_bool, e->span);
        if (k) {
            k->sub.quant = e->quant;
            k->a = list;
            k->b = body;
        }
        return k;
    }
    case TD_X_IF: {
        const td_cexpr *a = td_rs_cx(c, e->a, s, NULL);
        if (!a || !td_rs_want(c, a, TD_T_BOOL, N_("the condition after 'if'")))
            return NULL;
        const td_cexpr *b = td_rs_cx(c, e->b, s, hint_t);
        if (!b)
            return NULL;
        const td_cexpr *k3 = td_rs_coerce(c, td_rs_cx(c, e->c, s, b->type), b->type);
        if (!k3)
            return NULL;
        if (!td_rs_same_type(b->type, k3->type)) {
            char b2[128];
            ERR(r, e->span, TD_CODE_TYPE, "'then' gives %s but 'else' gives %s",
                td_rs_tname(b->type, buf, sizeof buf), td_rs_tname(k3->type, b2, sizeof b2));
            return NULL;
        }
        td_cexpr *k = node(r, TD_CX_IF, b->type, e->span);
        if (k) {
            k->a = a;
            k->b = b;
            k->c = k3;
        }
        return k;
    }
    }
    return NULL;
}

const td_cexpr *td_rs_cx_bool(td_cctx *c, const td_expr *e, const td_scope *s, const char *what)
{
    const td_cexpr *k = td_rs_cx(c, e, s, NULL);
    return k && td_rs_want(c, k, TD_T_BOOL, what) ? k : NULL;
}

/* Compiles "text {expr} text" from the raw source of the string (escapes undone here). */
bool td_rs_compile_message(td_cctx *c, const td_str *str, const td_scope *s, td_msg *out)
{
    td_rs *r = c->r;
    memset(out, 0, sizeof *out);
    if (!str->text)
        return true;
    const td_source *src = td_rs_src_of(r, str->span);
    if (!src || str->span.len < 2)
        return false;
    const char *raw = src->text + str->span.off + 1;
    size_t n = str->span.len - 2;
    const char *texts[64];
    const td_cexpr *exprs[64];
    uint32_t ne = 0;
    char *buf = td_arena_alloc(r->pa, n + 1);
    if (!buf) {
        r->fatal = TD_ENOMEM;
        return false;
    }
    bool ok = true;
    td_braces br;
    td_braces_init(&br, raw, n, buf);
    size_t open = 0, close = 0;
    td_braces_step step;
    while ((step = td_braces_next(&br, &open, &close)) != TD_BRACES_END) {
        td_span at = {str->span.src, str->span.off + 1 + (uint32_t)open, 1};
        if (step == TD_BRACES_UNCLOSED) {
            td_diagnostic *x = ERR(r, at, TD_CODE_MESSAGE, "'{' in a message is not closed by '}'");
            td_rs_hint(r, x, "write \\{ for a literal brace", NULL);
            return false;
        }
        if (ne == 64) {
            ERR(r, at, TD_CODE_MESSAGE, "a message interpolates at most 64 values");
            return false;
        }
        td_expr *e = td_parse_expr_at(&r->parse, src, str->span.src,
                                      str->span.off + 1 + (uint32_t)open + 1,
                                      (uint32_t)(close - open - 1),
                                      r->d);
        const td_cexpr *k = e ? td_rs_cx(c, e, s, NULL) : NULL;
        if (!k)
            ok = false;
        texts[ne] = td_arena_strndup(r->pa, buf, br.len);
        exprs[ne++] = k;
    }
    if (!ok)
        return false;
    out->n = ne;
    out->text = td_arena_alloc(r->pa, (ne + 1) * sizeof *out->text);
    out->expr = td_arena_alloc(r->pa, (ne + 1) * sizeof *out->expr);
    if (!out->text || !out->expr) {
        r->fatal = TD_ENOMEM;
        return false;
    }
    for (uint32_t i = 0; i < ne; i++) {
        out->text[i] = texts[i];
        out->expr[i] = exprs[i];
    }
    out->text[ne] = td_arena_strndup(r->pa, buf, br.len);
    return true;
}

bool td_rs_resolve_epath(td_rs *r, const td_dotted *dp, td_epath *out, td_scope *scopes,
                         uint32_t max_scopes, td_cctx *c)
{
    const td_schema *sc = &r->p->schema;
    memset(out, 0, sizeof *out);
    out->text = td_arena_strdup(r->pa, dp->text ? dp->text : "document");
    bool is_doc = dp->n == 1 && strcmp(dp->parts[0], "document") == 0;
    uint32_t n = is_doc ? 0 : dp->n;
    if (n + 1 > max_scopes) {
        ERR(r, dp->span, TD_CODE_PATH, "path '%s' is too long", dp->text);
        return false;
    }
    uint32_t *slots = td_arena_alloc(r->pa, (n + 1) * sizeof *slots);
    const td_record **recs = td_arena_alloc(r->pa, (n + 1) * sizeof *recs);
    const td_cexpr **filters = td_arena_alloc(r->pa, (n + 1) * sizeof *filters);
    if (!slots || !recs || !filters) {
        r->fatal = TD_ENOMEM;
        return false;
    }
    const td_record *rec = sc->document;
    recs[0] = rec;
    memset(&scopes[0], 0, sizeof scopes[0]);
    scopes[0].elem = sc->document_type;
    for (uint32_t i = 0; i < n; i++) {
        const td_field *f = td_record_field(rec, dp->parts[i]);
        if (!f) {
            td_diagnostic *x = ERR(r, dp->spans[i], TD_CODE_UNKNOWN_FIELD,
                                   "unknown field '%s' on %s", dp->parts[i], rec->name);
            if (!td_rs_suggest_from(r, x, dp->parts[i], NAMES_FIELDS, rec) && i == 0)
                td_rs_hint(r, x, "`on` names a path from the unit file: document, plan, "
                           "exemplars, exemplars.plan...", NULL);
            return false;
        }
        const td_type *t = f->type;
        if (t->kind == TD_T_LIST)
            t = t->elem;
        if (t->kind != TD_T_RECORD) {
            char buf[64];
            ERR(r, dp->spans[i], TD_CODE_NOT_A_RECORD,
                "'%s' is %s, not a record: a rule applies to "
                "records such as plan or exemplars",
                dp->parts[i], td_rs_tname(f->type, buf, sizeof buf));
            return false;
        }
        slots[i] = f->slot;
        rec = t->rec;
        recs[i + 1] = rec;
        memset(&scopes[i + 1], 0, sizeof scopes[i + 1]);
        scopes[i + 1].up = &scopes[i];
        scopes[i + 1].elem = t;
        if (dp->filters && dp->filters[i]) {
            filters[i] = td_rs_cx_bool(c, dp->filters[i], &scopes[i + 1], N_("the condition in [...]"));
            if (!filters[i])
                return false;
            out->filters = filters;
        }
    }
    out->n = n;
    out->slots = slots;
    out->recs = recs;
    return true;
}

/* The number a constant holds (0 for other kinds). */
double td_rs_const_num(const td_cexpr *k)
{
    return k->value.kind == TD_V_INT ? (double)k->value.u.i
           : k->value.kind == TD_V_NUM ? k->value.u.num : 0;
}

/* The first use of a unit's data in k, or NULL when k uses none. */
static const td_cexpr *uses_data(const td_cexpr *k)
{
    if (!k)
        return NULL;
    switch (k->op) {
    case TD_CX_ROOT: case TD_CX_FIELD: case TD_CX_DEFINE: case TD_CX_LET: case TD_CX_IT:
    case TD_CX_PREVIOUS: case TD_CX_POSITION: case TD_CX_FOUND:
        return k;
    default:
        break;
    }
    const td_cexpr *x;
    if ((x = uses_data(k->a)) || (x = uses_data(k->b)) || (x = uses_data(k->c)))
        return x;
    for (uint32_t i = 0; i < k->nargs; i++)
        if ((x = uses_data(k->args[i])) != NULL)
            return x;
    return NULL;
}

/* A target's requirement and due date: the same for the whole batch, so computed from
 * params, as_of and values written out, never from one unit's data. */
const td_cexpr *td_rs_const_expr(td_cctx *c, const td_expr *e, const td_scope *s, td_tkind kind,
                                 const char *what)
{
    const td_cexpr *k = td_rs_cx(c, e, s, NULL);
    const td_cexpr *x = uses_data(k);
    if (x) {
        td_diagnostic *d = ERR(c->r, x->span, TD_CODE_NOT_CONSTANT, "%s is the same for the whole "
                               "batch: it may use params, as_of and values written out, not the "
                               "data of a unit", td_gettext(td_diag_lang(c->r->d), what));
        td_rs_hint(c->r, d, "e.g. at least district_total, or at least if as_of >= 2025-01-01 "
                   "then 80 else 60", NULL);
        return NULL;
    }
    return k && td_rs_want(c, k, kind, what) ? k : NULL;
}
