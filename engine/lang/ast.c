/* AST constructors: one per action of grammar/parser.y, building nodes in the parse arena.
 * Pipeline: parse -> AST (this file) -> resolve. Out of memory, they set p->oom and stop. */
#include "parse.h"

#include <string.h>

static void *alloc(td_parse *p, size_t size)
{
    void *m = p->oom ? NULL : td_arena_alloc(p->arena, size);
    if (!m) {
        p->oom = true;
        p->stop = true;
    }
    return m;
}

/* Grows *arr (n elements of `size`) by one slot; capacity doubles at powers of two, so the
 * capacity needs no field of its own. Returns the new slot or NULL. */
static void *grow(td_parse *p, void **arr, uint32_t n, size_t size)
{
    if (n == 0 || (n & (n - 1)) == 0) {
        void *data = alloc(p, (n ? 2 * (size_t)n : 1) * size);
        if (!data)
            return NULL;
        if (n)
            memcpy(data, *arr, n * size);
        *arr = data;
    }
    return (char *)*arr + (size_t)n * size;
}

static td_span join(td_span a, td_span b)
{
    if (b.off + b.len > a.off + a.len)
        a.len = b.off + b.len - a.off;
    return a;
}

td_vec ast_vec_empty(void)
{
    td_vec v = {NULL, 0, 0};
    return v;
}

td_vec ast_vec_push(td_parse *p, td_vec v, const void *elem, size_t size)
{
    if (!elem)
        return v;
    if (v.n == v.cap) {
        uint32_t cap = v.cap ? v.cap * 2 : 4;
        void *data = alloc(p, (size_t)cap * size);
        if (!data)
            return v;
        if (v.n)
            memcpy(data, v.data, (size_t)v.n * size);
        v.data = data;
        v.cap = cap;
    }
    memcpy((char *)v.data + (size_t)v.n * size, elem, size);
    v.n++;
    return v;
}

td_vec ast_vec_one(td_parse *p, const void *elem, size_t size)
{
    return ast_vec_push(p, ast_vec_empty(), elem, size);
}

const char *ast_kw_name(td_parse *p, const char *spelling, td_span sp)
{
    /* remembered so that a syntax error right after it can say the keyword was meant */
    p->kw_name_span = sp;
    p->has_kw_name = true;
    return spelling;
}

/* Expressions. */

static uint32_t depth_of(const td_expr *e)
{
    return e ? e->depth : 0;
}

/* Sets the nesting depth of a new node from its operands. Past TD_MAX_EXPR_DEPTH the parse
 * stops and keeps no declaration from here on, so that no pass ever walks the tree. */
static td_expr *deepen(td_parse *p, td_expr *e)
{
    if (!e)
        return e;
    uint32_t d = depth_of(e->a);
    if (depth_of(e->b) > d)
        d = depth_of(e->b);
    if (depth_of(e->c) > d)
        d = depth_of(e->c);
    for (uint32_t i = 0; i < e->nargs; i++)
        if (depth_of(e->args[i]) > d)
            d = depth_of(e->args[i]);
    e->depth = d + 1;
    if (e->depth > TD_MAX_EXPR_DEPTH && !p->deep)
        td_parse_nested_too_deep(p, e->span);
    return e;
}

static td_expr *expr_new(td_parse *p, td_expr_kind kind, td_span sp)
{
    td_expr *e = alloc(p, sizeof *e);
    if (e) {
        e->kind = kind;
        e->span = sp;
    }
    return e;
}

td_expr *ast_number(td_parse *p, td_num n, td_span sp)
{
    td_expr *e = expr_new(p, TD_X_NUMBER, sp);
    if (e) {
        e->num = n.value;
        e->is_int = n.is_int;
        e->ival = n.i;
    }
    if (n.too_big) {
        /* never a wrapped or infinite value: the rule would check something else */
        td_diagnostic *x =
            n.is_int ? td_parse_error(p, TD_CODE_NUMBER_RANGE, sp,
                                      "this number is too large: a whole number goes up to "
                                      "9223372036854775807")
                     : td_parse_error(p, TD_CODE_NUMBER_RANGE, sp,
                                      "this number is too large: it is beyond what a number "
                                      "can hold");
        if (x)
            td_diag_set(p->diag, &x->hint, N_("write a smaller number"));
        if (e)
            e->ival = 0;
    }
    return e;
}

td_expr *ast_string(td_parse *p, td_str s, td_span sp)
{
    td_expr *e = expr_new(p, TD_X_STRING, sp);
    if (e)
        e->str = s.text ? s.text : "";
    return e;
}

td_expr *ast_date(td_parse *p, td_expr_kind kind, const char *text, td_span sp)
{
    td_expr *e = expr_new(p, kind, sp);
    if (e)
        e->str = text;
    return e;
}

td_expr *ast_bool(td_parse *p, bool b, td_span sp)
{
    td_expr *e = expr_new(p, TD_X_BOOL, sp);
    if (e)
        e->boolean = b;
    return e;
}

td_expr *ast_leaf(td_parse *p, td_expr_kind kind, td_span sp)
{
    return expr_new(p, kind, sp);
}

td_expr *ast_name(td_parse *p, const char *name, td_span sp)
{
    td_expr *e = expr_new(p, TD_X_NAME, sp);
    if (e) {
        e->name = name;
        e->name_span = sp;
    }
    return e;
}

td_expr *ast_field(td_parse *p, td_expr *a, const char *name, td_span name_sp, td_span sp)
{
    td_expr *e = expr_new(p, TD_X_FIELD, sp);
    if (e) {
        e->a = a;
        e->name = name;
        e->name_span = name_sp;
    }
    return deepen(p, e);
}

td_expr *ast_list(td_parse *p, td_vec items, td_span sp)
{
    td_expr *e = expr_new(p, TD_X_LIST, sp);
    if (e) {
        e->args = items.data;
        e->nargs = items.n;
    }
    return deepen(p, e);
}

td_expr *ast_call(td_parse *p, const char *name, td_span name_sp, td_vec args, td_span sp)
{
    td_expr *e = expr_new(p, TD_X_CALL, sp);
    if (e) {
        e->name = name;
        e->name_span = name_sp;
        e->args = args.data;
        e->nargs = args.n;
    }
    return deepen(p, e);
}

td_expr *ast_unary(td_parse *p, td_op op, td_expr *a, td_span sp)
{
    td_expr *e = expr_new(p, TD_X_UNARY, sp);
    if (e) {
        e->op = op;
        e->a = a;
    }
    return deepen(p, e);
}

td_expr *ast_binary(td_parse *p, td_op op, td_expr *a, td_expr *b, td_span sp)
{
    td_expr *e = expr_new(p, TD_X_BINARY, sp);
    if (e) {
        e->op = op;
        e->a = a;
        e->b = b;
    }
    return deepen(p, e);
}

static void bind(td_expr *e, td_iter it)
{
    e->binder = it.binder;
    e->binder_span = it.binder_span;
    e->a = it.list;
}

td_expr *ast_count(td_parse *p, td_iter it, td_expr *where, td_span sp)
{
    td_expr *e = expr_new(p, TD_X_COUNT, sp);
    if (e) {
        bind(e, it);
        e->b = where;
    }
    return deepen(p, e);
}

td_expr *ast_agg(td_parse *p, td_agg agg, td_expr *mapped, td_iter it, td_expr *where,
                 td_span sp)
{
    td_expr *e = expr_new(p, TD_X_AGG, sp);
    if (e) {
        e->agg = agg;
        bind(e, it);
        e->b = where;
        e->c = mapped;
    }
    return deepen(p, e);
}

td_expr *ast_minmax(td_parse *p, td_agg agg, td_expr *a, td_expr *b, td_span sp)
{
    td_expr *e = expr_new(p, TD_X_MINMAX, sp);
    if (e) {
        e->agg = agg;
        e->a = a;
        e->b = b;
    }
    return deepen(p, e);
}

td_expr *ast_quant(td_parse *p, td_quant q, td_iter it, td_expr *body, td_span sp)
{
    td_expr *e = expr_new(p, TD_X_QUANT, sp);
    if (e) {
        e->quant = q;
        bind(e, it);
        e->b = body;
    }
    return deepen(p, e);
}

td_expr *ast_each(td_parse *p, td_iter it, td_expr *cond, td_span sp)
{
    td_expr *e = expr_new(p, TD_X_EACH, sp);
    if (e) {
        bind(e, it);
        e->b = cond;
    }
    return deepen(p, e);
}

td_expr *ast_if(td_parse *p, td_expr *a, td_expr *b, td_expr *c, td_span sp)
{
    td_expr *e = expr_new(p, TD_X_IF, sp);
    if (e) {
        e->a = a;
        e->b = b;
        e->c = c;
    }
    return deepen(p, e);
}

td_iter ast_iter(td_parse *p, const char *binder, td_span binder_sp, td_expr *list)
{
    (void)p;
    td_iter it = {binder, {0, 0, 0}, list};
    if (binder)
        it.binder_span = binder_sp;
    return it;
}

/* Parts of declarations. */

td_str ast_str_none(void)
{
    td_str s = {NULL, {0, 0, 0}};
    return s;
}

td_dotted *ast_dotted_filter(td_parse *p, td_dotted *path, td_expr *cond, td_span sp)
{
    if (path && path->n && path->filters) {
        if (path->filters[path->n - 1]) {
            /* a[x][y] would keep one condition and lose the other without a word */
            td_parse_error(p, TD_CODE_SYNTAX, sp, "two conditions in [...] on '%s'; join them with "
                           "`and` in one [...]", path->parts[path->n - 1]);
            return path;
        }
        path->filters[path->n - 1] = cond;
        path->span = join(path->span, sp);
    }
    return path;
}

/* "a.b" from a and b, in the parse arena (a printf pass for each part was a tenth of
 * parsing the built-in rules); NULL when out of memory. */
static char *join_dotted(td_parse *p, const char *a, const char *b)
{
    size_t la = strlen(a), lb = strlen(b);
    char *t = td_arena_alloc_raw(p->arena, la + lb + 2);
    if (!t)
        return NULL;
    memcpy(t, a, la);
    t[la] = '.';
    memcpy(t + la + 1, b, lb + 1);
    return t;
}

td_dotted *ast_dotted(td_parse *p, td_dotted *prefix, const char *part, td_span part_sp)
{
    td_dotted *d = prefix;
    if (!d) {
        d = alloc(p, sizeof *d);
        if (!d)
            return NULL;
        d->span = part_sp;
    }
    uint32_t n = d->n + 1;
    const char **parts = alloc(p, n * sizeof *parts);
    td_span *spans = alloc(p, n * sizeof *spans);
    td_expr **filters = alloc(p, n * sizeof *filters);
    const char *text = !part ? NULL : n == 1 ? part : join_dotted(p, d->text, part);
    if (!parts || !spans || !filters || !part || !text) {
        p->oom = p->stop = true;
        return d;
    }
    if (d->n) {
        memcpy(parts, d->parts, d->n * sizeof *parts);
        memcpy(spans, d->spans, d->n * sizeof *spans);
        if (d->filters)
            memcpy(filters, d->filters, d->n * sizeof *filters);
    }
    filters[n - 1] = NULL;
    d->filters = filters;
    parts[n - 1] = part;
    spans[n - 1] = part_sp;
    d->parts = parts;
    d->spans = spans;
    d->n = n;
    d->text = text;
    d->span = join(d->span, part_sp);
    return d;
}

td_ast_type *ast_type(td_parse *p, const char *name, td_ast_type *elem, td_span sp)
{
    td_ast_type *t = alloc(p, sizeof *t);
    if (t) {
        t->is_list = name == NULL;
        t->elem = elem;
        t->name = name ? name : "list";
        t->span = sp;
    }
    return t;
}

td_ast_field *ast_field_decl(td_parse *p, bool required, const char *name, td_span name_sp,
                             td_ast_type *type, td_str label)
{
    td_ast_field *f = alloc(p, sizeof *f);
    if (f) {
        f->name = name;
        f->span = name_sp;
        f->required = required;
        f->type = type;
        f->label = label;
    }
    return f;
}

td_ast_enum_item *ast_enum_item(td_parse *p, const char *name, td_span sp, td_str label)
{
    td_ast_enum_item *it = alloc(p, sizeof *it);
    if (it) {
        it->name = name;
        it->span = sp;
        it->label = label;
    }
    return it;
}

td_ast_transition *ast_transition(td_parse *p, td_expr *from, td_expr *to, td_span sp)
{
    td_ast_transition *t = alloc(p, sizeof *t);
    if (t) {
        t->from = from;
        t->to = to;
        t->span = sp;
    }
    return t;
}

/* Clauses. */

td_clause *ast_clause(td_parse *p, td_clause_kind kind, td_span sp)
{
    td_clause *c = alloc(p, sizeof *c);
    if (c) {
        c->kind = kind;
        c->span = sp;
    }
    return c;
}

td_clause *ast_clause_expr(td_parse *p, td_clause_kind kind, td_expr *a, td_expr *b,
                           td_span sp)
{
    td_clause *c = ast_clause(p, kind, sp);
    if (c) {
        c->a = a;
        c->b = b;
    }
    return c;
}

td_clause *ast_clause_str(td_parse *p, td_clause_kind kind, td_str s, td_span sp)
{
    td_clause *c = ast_clause(p, kind, sp);
    if (c)
        c->str = s;
    return c;
}

td_clause *ast_clause_name(td_parse *p, td_clause_kind kind, const char *name, td_span name_sp,
                           td_span sp)
{
    td_clause *c = ast_clause(p, kind, sp);
    if (c) {
        c->name = name;
        c->name_span = name_sp;
    }
    return c;
}

td_clause *ast_clause_list(td_parse *p, td_clause_kind kind, td_vec list, td_span sp)
{
    td_clause *c = ast_clause(p, kind, sp);
    if (c)
        c->list = list;
    return c;
}

td_clause *ast_clause_severity(td_parse *p, td_severity sev, td_span sp)
{
    td_clause *c = ast_clause(p, TD_CL_SEVERITY, sp);
    if (c)
        c->sev = sev;
    return c;
}

td_clause *ast_clause_sum(td_parse *p, td_expr *summed, td_dotted *path, td_span sp)
{
    td_clause *c = ast_clause(p, TD_CL_SUM, sp);
    if (c) {
        c->a = summed;
        c->list = ast_vec_one(p, path, sizeof *path);
    }
    return c;
}

td_clause *ast_clause_let(td_parse *p, const char *name, td_span name_sp, td_expr *value,
                          td_span sp)
{
    td_clause *c = ast_clause(p, TD_CL_LET, sp);
    if (c) {
        c->let.name = name;
        c->let.span = name_sp;
        c->let.value = value;
    }
    return c;
}

td_clause *ast_clause_stage(td_parse *p, td_expr *value, td_str label, td_span sp)
{
    td_clause *c = ast_clause(p, TD_CL_STAGE, sp);
    if (c) {
        c->stage.value = value;
        c->stage.label = label;
        c->stage.span = sp;
    }
    return c;
}

td_clause *ast_clause_stage_at(td_parse *p, td_expr *value, td_str label, td_expr *after,
                               td_expr *before, td_span sp)
{
    td_clause *c = ast_clause_stage(p, value, label, sp);
    if (c) {
        c->stage.after = after;
        c->stage.before = before;
    }
    return c;
}

td_clause *ast_clause_guard(td_parse *p, td_expr *stage, td_str label, td_expr *require,
                            td_str message, td_span sp)
{
    td_clause *c = ast_clause(p, TD_CL_GUARD, sp);
    if (c) {
        c->guard.stage = stage;
        c->guard.label = label;
        c->guard.require = require;
        c->guard.message = message;
        c->guard.span = sp;
    }
    return c;
}

/* Declarations. */

static td_decl *decl_new(td_parse *p, td_decl_kind kind, td_span sp)
{
    td_decl *d = alloc(p, sizeof *d);
    if (d) {
        d->kind = kind;
        d->span = sp;
    }
    return d;
}

td_decl *ast_decl_plan(td_parse *p, td_str number, td_str title, td_span sp)
{
    td_decl *d = decl_new(p, TD_D_PLAN, sp);
    if (d) {
        d->plan_number = number;
        d->title = title;
        d->name_span = number.span;
    }
    return d;
}

td_decl *ast_decl_import(td_parse *p, td_str path, td_span sp)
{
    td_decl *d = decl_new(p, TD_D_IMPORT, sp);
    if (d) {
        d->path = path;
        d->name_span = path.span;
    }
    return d;
}

td_decl *ast_decl_param(td_parse *p, td_decl_kind kind, const char *name, td_span name_sp,
                        td_expr *value, td_str label, td_span sp)
{
    td_decl *d = decl_new(p, kind, sp);
    if (d) {
        d->name = name;
        d->name_span = name_sp;
        d->value = value;
        d->label = label;
    }
    return d;
}

td_ast_when *ast_when(td_parse *p, td_expr *value, td_expr *from, td_expr *until, td_span sp)
{
    td_ast_when *w = alloc(p, sizeof *w);
    if (w) {
        w->value = value;
        w->from = from;
        w->until = until;
        w->span = sp;
    }
    return w;
}

td_decl *ast_decl_whens(td_parse *p, td_decl_kind kind, const char *name, td_span name_sp,
                        td_vec whens, td_str label, td_span sp)
{
    td_ast_when *w = whens.data;
    td_decl *d = ast_decl_param(p, kind, name, name_sp, whens.n ? w[0].value : NULL, label, sp);
    if (d) {
        d->whens = w;
        d->n_whens = whens.n;
    }
    return d;
}

td_decl *ast_extend(td_parse *p, td_decl *d)
{
    (void)p;
    if (d)
        d->extend = true;
    return d;
}

/* Overlay forms written the way a reader would guess them: each is one error that says what
 * to write instead; the declaration meant is kept when it is clear (so that nothing else is
 * reported about it), dropped otherwise. */

td_decl *ast_extend_record(td_parse *p, td_span kw, td_decl *d)
{
    td_diagnostic *e = td_parse_error(p, TD_CODE_OVERLAY_FORM, kw, "`extend` names the record "
                                      "without the word `record`");
    if (e && d)
        td_diag_set(p->diag, &e->hint, N_("write extend %s { ... }"), d->name);
    return d;
}

td_decl *ast_extend_rule(td_parse *p, td_decl *d)
{
    if (!d)
        return NULL;
    const char *kind = d->kind == TD_D_TARGET ? "target" : d->kind == TD_D_INDEX ? "index"
                                                                                  : "criterion";
    td_diagnostic *e = td_parse_error(p, TD_CODE_OVERLAY_FORM,
                                      d->id.span, "a %s cannot be extended: "
                                      "an overlay extends an enum, a record or a workflow",
                                      kind);
    if (e)
        td_diag_set(p->diag, &e->hint, N_("to change %s %s, write the whole new rule as "
                                          "`replace %s %s ...`, or add a rule of its own"),
                    kind, d->id.text, kind, d->id.text);
    return NULL;
}

td_decl *ast_replace_param(td_parse *p, td_span kw, td_decl *d)
{
    if (!d)
        return NULL;
    td_diagnostic *e = td_parse_error(p, TD_CODE_OVERLAY_FORM,
                                      kw, "an overlay changes a param with "
                                      "`set`, not `replace param`");
    if (e)
        td_diag_set(p->diag, &e->hint, N_("write set %s = ... (the label and cite stay those "
                                          "of the param)"), d->name);
    d->kind = TD_D_SET;
    return d;
}

td_decl *ast_disable_kind(td_parse *p, td_span kw, td_decl *d)
{
    td_diagnostic *e = td_parse_error(p, TD_CODE_OVERLAY_FORM, kw, "`disable` takes the id alone, "
                                      "without the kind of what it switches off");
    if (e && d)
        td_diag_set(p->diag, &e->hint, N_("write disable %s because \"...\""), d->id.text);
    return d;
}

td_decl *ast_note_id(td_parse *p, td_decl *d, td_dotted *id)
{
    (void)p;
    if (d && id)
        d->id = *id;
    return d;
}

td_decl *ast_decl_enum(td_parse *p, const char *name, td_span name_sp, td_vec items,
                       td_span sp)
{
    td_decl *d = decl_new(p, TD_D_ENUM, sp);
    if (d) {
        d->name = name;
        d->name_span = name_sp;
        d->items = items.data;
        d->n_items = items.n;
    }
    return d;
}

td_decl *ast_decl_record(td_parse *p, td_decl_kind kind, const char *name, td_span name_sp,
                         td_str label, td_str cite, td_vec fields, td_span sp)
{
    td_decl *d = decl_new(p, kind, sp);
    if (d) {
        d->name = name;
        d->name_span = name_sp;
        d->label = label;
        d->cite = cite;
        d->fields = fields.data;
        d->n_fields = fields.n;
    }
    return d;
}

td_decl *ast_record_dated(td_parse *p, td_decl *d, const char *field, td_span field_sp)
{
    (void)p;
    if (d && field) {
        d->dated = field;
        d->dated_span = field_sp;
    }
    return d;
}

td_decl *ast_decl_document(td_parse *p, const char *name, td_span name_sp, td_span sp)
{
    td_decl *d = decl_new(p, TD_D_DOCUMENT, sp);
    if (d) {
        d->name = name;
        d->name_span = name_sp;
    }
    return d;
}

td_decl *ast_decl_define(td_parse *p, const char *record, td_span record_sp,
                         const char *member, td_span member_sp, td_str label, td_expr *value,
                         td_span sp)
{
    td_decl *d = decl_new(p, TD_D_DEFINE, sp);
    if (d) {
        d->name = record;
        d->name_span = record_sp;
        d->member = member;
        d->member_span = member_sp;
        d->label = label;
        d->value = value;
    }
    return d;
}

td_decl *ast_decl_rule(td_parse *p, td_decl_kind kind, td_dotted *id, td_str label,
                       td_span sp)
{
    td_decl *d = decl_new(p, kind, sp);
    if (d && id) {
        d->id = *id;
        d->name_span = id->span;
    }
    if (d)
        d->label = label;
    return d;
}

td_decl *ast_decl_disable(td_parse *p, td_dotted *id, td_str because, td_span sp)
{
    td_decl *d = ast_decl_rule(p, TD_D_DISABLE, id, ast_str_none(), sp);
    if (d)
        d->because = because;
    return d;
}

td_decl *ast_decl_note(td_parse *p, td_str cite, td_str label, td_str because, td_span sp)
{
    td_decl *d = decl_new(p, TD_D_NOTE, sp);
    if (d) {
        d->cite = cite;
        d->label = label;
        d->because = because;
        d->name_span = cite.span;
    }
    return d;
}

td_decl *ast_decl_waive(td_parse *p, td_dotted *rule, td_str unit, td_span sp)
{
    td_decl *d = ast_decl_rule(p, TD_D_WAIVE, rule, ast_str_none(), sp);
    if (d)
        d->unit = unit;
    return d;
}

static const char *severity_word(td_severity s)
{
    return s == TD_SEV_ERROR ? "error" : s == TD_SEV_WARNING ? "warning" : "info";
}

/* Applies one clause; `dup` tells whether the clause was already written. */
td_decl *ast_apply(td_parse *p, td_decl *d, td_clause *c)
{
    if (!d || !c)
        return d;
    bool dup = false;
    const char *name = "";
    void *slot;
    switch (c->kind) {
    case TD_CL_CITE:
        dup = d->cite.text != NULL;
        name = "cite";
        d->cite = c->str;
        break;
    case TD_CL_ON:
        dup = d->n_on > 0;
        name = "on";
        d->on = c->list.data;
        d->n_on = c->list.n;
        break;
    case TD_CL_WHERE:
        dup = d->where != NULL;
        name = "where";
        d->where = c->a;
        break;
    case TD_CL_SEVERITY:
        dup = d->has_severity;
        name = severity_word(c->sev);
        d->has_severity = true;
        d->severity = c->sev;
        d->severity_span = c->span;
        break;
    case TD_CL_DUE:
        dup = d->due != NULL;
        name = "due";
        d->due = c->a;
        break;
    case TD_CL_LET:
        if ((slot = grow(p, (void **)&d->lets, d->n_lets, sizeof *d->lets)) != NULL) {
            memcpy(slot, &c->let, sizeof c->let);
            d->n_lets++;
        }
        break;
    case TD_CL_REQUIRE:
        dup = d->require != NULL;
        name = "require";
        d->require = c->a;
        break;
    case TD_CL_MESSAGE:
        dup = d->message.text != NULL;
        name = "message";
        d->message = c->str;
        break;
    case TD_CL_HINT:
        dup = d->hint.text != NULL;
        name = "hint";
        d->hint = c->str;
        break;
    case TD_CL_COUNT:
    case TD_CL_SUM:
        /* count and sum are two spellings of one clause: what the target measures */
        dup = d->n_on > 0;
        name = c->kind == TD_CL_SUM ? "sum" : "count";
        d->is_sum = c->kind == TD_CL_SUM;
        d->sum_of = c->a;
        d->on = c->list.data;
        d->n_on = c->list.n;
        break;
    case TD_CL_BY:
        dup = d->by != NULL;
        name = "by";
        d->by = c->a;
        break;
    case TD_CL_AT_LEAST:
        dup = d->at_least != NULL;
        name = "at least";
        d->at_least = c->a;
        break;
    case TD_CL_HISTORY:
        dup = d->history != NULL;
        name = "history";
        d->history = c->name;
        d->history_span = c->name_span;
        break;
    case TD_CL_STATE:
        dup = d->state_field != NULL;
        name = "state";
        d->state_field = c->name;
        d->state_span = c->name_span;
        break;
    case TD_CL_DATED:
        dup = d->date_field != NULL;
        name = "dated";
        d->date_field = c->name;
        d->date_span = c->name_span;
        break;
    case TD_CL_EVIDENCE:
        dup = d->evidence_field != NULL;
        name = "evidence";
        d->evidence_field = c->name;
        d->evidence_span = c->name_span;
        break;
    case TD_CL_STAGE:
        if ((slot = grow(p, (void **)&d->stages, d->n_stages, sizeof *d->stages)) != NULL) {
            memcpy(slot, &c->stage, sizeof c->stage);
            d->n_stages++;
        }
        break;
    case TD_CL_INITIAL:
        dup = d->n_starts > 0;
        name = "initial";
        d->starts = c->list.data;
        d->n_starts = c->list.n;
        break;
    case TD_CL_TRANSITIONS:
        dup = d->n_transitions > 0;
        name = "transitions";
        d->transitions = c->list.data;
        d->n_transitions = c->list.n;
        break;
    case TD_CL_GUARD:
        if ((slot = grow(p, (void **)&d->guards, d->n_guards, sizeof *d->guards)) != NULL) {
            memcpy(slot, &c->guard, sizeof c->guard);
            d->n_guards++;
        }
        break;
    case TD_CL_ISSUER:
        dup = d->issuer.text != NULL;
        name = "by";
        d->issuer = c->str;
        break;
    case TD_CL_LANGUAGE:
        dup = d->language.text != NULL;
        name = "language";
        d->language = c->str;
        break;
    case TD_CL_ISSUED:
        dup = d->issued != NULL;
        name = "dated";
        d->issued = c->a;
        break;
    case TD_CL_IMPLEMENTS:
        dup = d->n_implements > 0;
        name = "implements";
        d->implements = c->list.data;
        d->n_implements = c->list.n;
        break;
    case TD_CL_OUTLINE:
        dup = d->n_outline > 0;
        name = "outline";
        d->outline = c->list.data;
        d->n_outline = c->list.n;
        break;
    case TD_CL_PERIOD:
        dup = d->period_from != NULL;
        name = "period";
        d->period_from = c->a;
        d->period_to = c->b;
        break;
    case TD_CL_BECAUSE:
        dup = d->because.text != NULL;
        name = "because";
        d->because = c->str;
        break;
    case TD_CL_EXEMPLAR:
        dup = d->exemplar.text != NULL;
        name = "exemplar";
        d->exemplar = c->str;
        break;
    case TD_CL_DOC:
        dup = d->document.text != NULL;
        name = "in";
        d->document = c->str;
        break;
    case TD_CL_RANGE:
        dup = d->range_lo != NULL || d->range_hi != NULL;
        name = "range";
        d->range_lo = c->a;
        d->range_hi = c->b;
        d->range_span = c->span;
        break;
    case TD_CL_UNTIL:
        dup = d->until != NULL;
        name = "until";
        d->until = c->a;
        break;
    case TD_CL_KEY:
        dup = d->key != NULL;
        name = "key";
        d->key = c->a;
        break;
    case TD_CL_SIMILAR:
        dup = d->n_similar > 0;
        name = "similar";
        d->similar = c->list.data;
        d->n_similar = c->list.n;
        break;
    }
    if (dup) {
        d->dup_clause = c->span;
        d->dup_clause_name = name;
    }
    d->span = join(d->span, c->span);
    return d;
}

td_decl *ast_replace(td_parse *p, td_decl *d)
{
    (void)p;
    if (d)
        d->replace = true;
    return d;
}

void ast_add_decl(td_parse *p, td_decl *d, td_span sp)
{
    if (!d || p->deep)
        return;
    d->span = sp;
    p->decls = ast_vec_push(p, p->decls, &d, sizeof d);
}

void ast_set_expr(td_parse *p, td_expr *e)
{
    p->expr = p->deep ? NULL : e;
}

/* Structural equality (td_ast_equal): fmt checks its output with it. */

static bool str_eq(const char *a, const char *b)
{
    return a && b ? strcmp(a, b) == 0 : a == b;
}

static bool tstr_eq(td_str a, td_str b)
{
    return str_eq(a.text, b.text);
}

static bool expr_eq(const td_expr *a, const td_expr *b);

static bool exprs_eq(td_expr *const *a, td_expr *const *b, uint32_t n)
{
    for (uint32_t i = 0; i < n; i++)
        if (!expr_eq(a[i], b[i]))
            return false;
    return true;
}

static bool expr_eq(const td_expr *a, const td_expr *b)
{
    if (!a || !b)
        return a == b;
    if (a->kind != b->kind)
        return false;
    switch (a->kind) {
    case TD_X_NUMBER:
        return a->num == b->num && a->is_int == b->is_int && a->ival == b->ival;
    case TD_X_STRING:
    case TD_X_DATE:
    case TD_X_MONTH: return str_eq(a->str, b->str);
    case TD_X_BOOL: return a->boolean == b->boolean;
    case TD_X_NAME: return str_eq(a->name, b->name);
    case TD_X_FIELD: return str_eq(a->name, b->name) && expr_eq(a->a, b->a);
    case TD_X_ROOT:
    case TD_X_IT:
    case TD_X_PREVIOUS:
    case TD_X_POSITION:
    case TD_X_ASOF: return true;
    case TD_X_LIST: return a->nargs == b->nargs && exprs_eq(a->args, b->args, a->nargs);
    case TD_X_UNARY: return a->op == b->op && expr_eq(a->a, b->a);
    case TD_X_BINARY: return a->op == b->op && expr_eq(a->a, b->a) && expr_eq(a->b, b->b);
    case TD_X_CALL:
        return str_eq(a->name, b->name) && a->nargs == b->nargs &&
               exprs_eq(a->args, b->args, a->nargs);
    case TD_X_COUNT:
    case TD_X_EACH:
        return str_eq(a->binder, b->binder) && expr_eq(a->a, b->a) && expr_eq(a->b, b->b);
    case TD_X_AGG:
        return a->agg == b->agg && str_eq(a->binder, b->binder) && expr_eq(a->a, b->a) &&
               expr_eq(a->b, b->b) && expr_eq(a->c, b->c);
    case TD_X_MINMAX: return a->agg == b->agg && expr_eq(a->a, b->a) && expr_eq(a->b, b->b);
    case TD_X_QUANT:
        return a->quant == b->quant && str_eq(a->binder, b->binder) && expr_eq(a->a, b->a) &&
               expr_eq(a->b, b->b);
    case TD_X_IF: return expr_eq(a->a, b->a) && expr_eq(a->b, b->b) && expr_eq(a->c, b->c);
    }
    return false;
}

static bool dotted_eq(const td_dotted *a, const td_dotted *b)
{
    if (a->n != b->n)
        return false;
    for (uint32_t i = 0; i < a->n; i++) {
        if (!str_eq(a->parts[i], b->parts[i]))
            return false;
        const td_expr *x = a->filters ? a->filters[i] : NULL, *y = b->filters ? b->filters[i] : NULL;
        if (!expr_eq(x, y))
            return false;
    }
    return true;
}

static bool type_eq(const td_ast_type *a, const td_ast_type *b)
{
    if (!a || !b)
        return a == b;
    return a->is_list == b->is_list && str_eq(a->name, b->name) && type_eq(a->elem, b->elem);
}

static bool decl_eq(const td_decl *a, const td_decl *b)
{
    if (a->kind != b->kind || a->replace != b->replace || a->extend != b->extend ||
        a->n_whens != b->n_whens)
        return false;
    for (uint32_t i = 0; i < a->n_whens; i++)
        if (!expr_eq(a->whens[i].value, b->whens[i].value) ||
            !expr_eq(a->whens[i].from, b->whens[i].from) ||
            !expr_eq(a->whens[i].until, b->whens[i].until))
            return false;
    if (!expr_eq(a->range_lo, b->range_lo) || !expr_eq(a->range_hi, b->range_hi))
        return false;
    if (!tstr_eq(a->plan_number, b->plan_number) || !tstr_eq(a->title, b->title) ||
        !tstr_eq(a->issuer, b->issuer) || !tstr_eq(a->language, b->language) ||
        !expr_eq(a->issued, b->issued) ||
        !expr_eq(a->period_from, b->period_from) || !expr_eq(a->period_to, b->period_to) ||
        a->n_implements != b->n_implements || !tstr_eq(a->path, b->path) ||
        a->n_outline != b->n_outline)
        return false;
    for (uint32_t i = 0; i < a->n_outline; i++)
        if (!tstr_eq(a->outline[i], b->outline[i]))
            return false;
    for (uint32_t i = 0; i < a->n_implements; i++)
        if (!tstr_eq(a->implements[i], b->implements[i]))
            return false;
    if (!str_eq(a->name, b->name) || !str_eq(a->member, b->member) ||
        !expr_eq(a->value, b->value) || !tstr_eq(a->label, b->label) ||
        a->n_items != b->n_items || a->n_fields != b->n_fields)
        return false;
    for (uint32_t i = 0; i < a->n_items; i++)
        if (!str_eq(a->items[i].name, b->items[i].name) ||
            !tstr_eq(a->items[i].label, b->items[i].label))
            return false;
    for (uint32_t i = 0; i < a->n_fields; i++) {
        const td_ast_field *x = &a->fields[i], *y = &b->fields[i];
        if (!str_eq(x->name, y->name) || x->required != y->required ||
            !type_eq(x->type, y->type) || !tstr_eq(x->label, y->label))
            return false;
    }
    if (!dotted_eq(&a->id, &b->id) || !tstr_eq(a->cite, b->cite) || a->n_on != b->n_on ||
        !expr_eq(a->where, b->where) || a->has_severity != b->has_severity ||
        (a->has_severity && a->severity != b->severity) || !expr_eq(a->due, b->due) ||
        a->n_lets != b->n_lets || !expr_eq(a->require, b->require) ||
        !tstr_eq(a->message, b->message) || !tstr_eq(a->hint, b->hint) ||
        !tstr_eq(a->because, b->because) || a->is_sum != b->is_sum ||
        !expr_eq(a->sum_of, b->sum_of) || !expr_eq(a->by, b->by) ||
        !expr_eq(a->at_least, b->at_least) || !tstr_eq(a->unit, b->unit) ||
        !tstr_eq(a->exemplar, b->exemplar) || !tstr_eq(a->document, b->document) ||
        !expr_eq(a->until, b->until))
        return false;
    for (uint32_t i = 0; i < a->n_on; i++)
        if (!dotted_eq(&a->on[i], &b->on[i]))
            return false;
    for (uint32_t i = 0; i < a->n_lets; i++)
        if (!str_eq(a->lets[i].name, b->lets[i].name) ||
            !expr_eq(a->lets[i].value, b->lets[i].value))
            return false;
    if (!str_eq(a->history, b->history) || !str_eq(a->state_field, b->state_field) ||
        !str_eq(a->date_field, b->date_field) || !str_eq(a->evidence_field, b->evidence_field) ||
        a->n_stages != b->n_stages || a->n_starts != b->n_starts ||
        a->n_transitions != b->n_transitions || a->n_guards != b->n_guards ||
        (a->dup_clause.len > 0) != (b->dup_clause.len > 0) ||
        !str_eq(a->dup_clause_name, b->dup_clause_name))
        return false;
    for (uint32_t i = 0; i < a->n_stages; i++)
        if (!expr_eq(a->stages[i].value, b->stages[i].value) ||
            !tstr_eq(a->stages[i].label, b->stages[i].label) ||
            !expr_eq(a->stages[i].after, b->stages[i].after) ||
            !expr_eq(a->stages[i].before, b->stages[i].before))
            return false;
    if (!exprs_eq(a->starts, b->starts, a->n_starts))
        return false;
    for (uint32_t i = 0; i < a->n_transitions; i++)
        if (!expr_eq(a->transitions[i].from, b->transitions[i].from) ||
            !expr_eq(a->transitions[i].to, b->transitions[i].to))
            return false;
    for (uint32_t i = 0; i < a->n_guards; i++) {
        const td_ast_guard *x = &a->guards[i], *y = &b->guards[i];
        if (!expr_eq(x->stage, y->stage) || !tstr_eq(x->label, y->label) ||
            !expr_eq(x->require, y->require) || !tstr_eq(x->message, y->message))
            return false;
    }
    return true;
}

bool td_ast_equal(const td_ast *a, const td_ast *b)
{
    if (a->n_decls != b->n_decls || a->had_errors != b->had_errors)
        return false;
    for (uint32_t i = 0; i < a->n_decls; i++)
        if (!decl_eq(a->decls[i], b->decls[i]))
            return false;
    return true;
}
