/* Resolve, schema: records and enums, params (dated ones too), -D, and the computed fields
 * (defines) of each record. Runs after the files are read, before any rule is compiled.
 * Pipeline: td_ast (parse arena) -> td_program (program arena); see resolve.c. */
#include "resolve_int.h"

#include "param_range.h"

#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

typedef struct named {
    const char *name;
    td_span span;
} named;

td_record *td_rs_find_record(td_rs *r, const char *name)
{
    for (uint32_t i = 0; i < r->p->schema.n_records; i++)
        if (strcmp(r->p->schema.records[i]->name, name) == 0)
            return r->p->schema.records[i];
    return NULL;
}

td_enum *td_rs_find_enum(td_rs *r, const char *name)
{
    for (uint32_t i = 0; i < r->p->schema.n_enums; i++)
        if (strcmp(r->p->schema.enums[i]->name, name) == 0)
            return r->p->schema.enums[i];
    return NULL;
}

static const td_type *resolve_type(td_rs *r, const td_ast_type *at)
{
    if (!at)
        return NULL;
    if (at->is_list) {
        const td_type *e = resolve_type(r, at->elem);
        return e ? td_rs_list_of(r, e) : NULL;
    }
    static const char *const scalars[] = {"text", "int", "number", "bool", "date", "month"};
    const td_type *st[] = {r->t_text, r->t_int, r->t_number, r->t_bool, r->t_date, r->t_month};
    for (int i = 0; i < 6; i++)
        if (strcmp(at->name, scalars[i]) == 0)
            return st[i];
    td_enum *en = td_rs_find_enum(r, at->name);
    if (en) {
        td_type *t = td_rs_new_type(r, TD_T_ENUM);
        if (t)
            t->en = en;
        return t;
    }
    td_record *rec = td_rs_find_record(r, at->name);
    if (rec) {
        td_type *t = td_rs_new_type(r, TD_T_RECORD);
        if (t)
            t->rec = rec;
        return t;
    }
    const char *names[512];
    size_t n = 0;
    for (int i = 0; i < 6; i++)
        names[n++] = scalars[i];
    for (uint32_t i = 0; i < r->p->schema.n_enums && n < 512; i++)
        names[n++] = r->p->schema.enums[i]->name;
    for (uint32_t i = 0; i < r->p->schema.n_records && n < 512; i++)
        names[n++] = r->p->schema.records[i]->name;
    td_diagnostic *x = ERR(r, at->span, TD_CODE_UNKNOWN_TYPE, "unknown type '%s'", at->name);
    const char *sug = td_suggest(at->name, names, n);
    if (sug)
        td_rs_hint(r, x, "did you mean '%s'?", sug);
    else
        td_rs_hint(r, x, "a type is text, int, number, bool, date, month, an enum, a record, "
                   "or `list of` one of these", NULL);
    return NULL;
}

/* The labels of the params, once every `set` and -D has given its value. */
void td_rs_param_labels(td_rs *r)
{
    for (uint32_t i = 0; i < r->n_decls && !r->fatal; i++) {
        const td_decl *d = r->decls[i].decl;
        if (d->kind != TD_D_PARAM || !d->label.text)
            continue;
        for (uint32_t k = 0; k < r->p->n_params; k++) {
            td_param *prm = &r->p->params[k];
            if (prm->decl.src == d->span.src && prm->decl.off == d->span.off)
                prm->label = td_rs_label_of(r, &d->label, prm->label);
        }
    }
}

/* False (with an error) when an enum or record already has the name `d` declares. */
static bool type_name_free(td_rs *r, const td_decl *d)
{
    if (!td_rs_find_enum(r, d->name) && !td_rs_find_record(r, d->name))
        return true;
    ERR(r, d->name_span, TD_CODE_DUPLICATE, "type '%s' is declared twice", d->name);
    return false;
}

/* The declaration of enum or record `name` (not an overlay's), for provenance. */
static td_span decl_of_type(td_rs *r, td_decl_kind kind, const char *name)
{
    for (uint32_t i = 0; i < r->n_decls; i++) {
        const td_decl *d = r->decls[i].decl;
        if (d->kind == kind && !d->replace && !d->extend && d->name && strcmp(d->name, name) == 0)
            return d->span;
    }
    return (td_span){UINT32_MAX, 0, 0};
}

/* `extend enum NAME { ... }` adds codes; `replace enum NAME { ... }` gives the list anew. */
static void change_enum(td_rs *r, const td_decl *d)
{
    td_enum *en = td_rs_find_enum(r, d->name);
    if (!en) {
        td_diagnostic *x =
            d->replace ? ERR(r, d->name_span, TD_CODE_UNKNOWN_TYPE,
                             "cannot replace enum '%s': no enum has that name", d->name)
                       : ERR(r, d->name_span, TD_CODE_UNKNOWN_TYPE,
                             "cannot extend enum '%s': no enum has that name", d->name);
        const char *names[512];
        size_t n = 0;
        for (uint32_t i = 0; i < r->p->schema.n_enums && n < 512; i++)
            names[n++] = r->p->schema.enums[i]->name;
        const char *sug = td_suggest(d->name, names, n);
        if (sug)
            td_rs_hint(r, x, "did you mean '%s'?", sug);
        else if (td_rs_find_record(r, d->name))
            td_rs_hint(r, x, "it is a record: add fields with `extend RECORD { ... }`", NULL);
        return;
    }
    uint32_t keep = d->replace ? 0 : en->n;
    const char **values = td_arena_alloc(r->pa, (keep + d->n_items + 1) * sizeof *values);
    const char **labels = td_arena_alloc(r->pa, (keep + d->n_items + 1) * sizeof *labels);
    if (!values || !labels) {
        r->fatal = TD_ENOMEM;
        return;
    }
    memcpy(values, en->values, keep * sizeof *values);
    memcpy(labels, en->labels, keep * sizeof *labels);
    en->values = values;
    en->labels = labels;
    en->n = keep;
    for (uint32_t k = 0; k < d->n_items; k++) {
        if (td_enum_index(en, d->items[k].name, strlen(d->items[k].name)) >= 0) {
            td_diagnostic *x =
                d->replace ? ERR(r, d->items[k].span, TD_CODE_DUPLICATE,
                                 "value '%s' appears twice in enum %s", d->items[k].name, d->name)
                           : ERR(r, d->items[k].span, TD_CODE_DUPLICATE,
                                 "value '%s' is already in enum %s", d->items[k].name, d->name);
            if (!d->replace)
                td_rs_hint(r, x, "to change the labels of its codes, write `replace enum` with "
                           "the whole list", NULL);
            continue;
        }
        en->values[en->n] = td_arena_strdup(r->pa, d->items[k].name);
        en->labels[en->n] = td_rs_dup_opt(r, d->items[k].label.text);
        en->n++;
    }
    td_rs_keep_change(r, "enum", d->name, d->replace ? "replaced" : "extended", d,
                      decl_of_type(r, TD_D_ENUM, d->name));
}

static void declare_enum(td_rs *r, const td_decl *d)
{
    td_schema *sc = &r->p->schema;
    td_enum *en = td_arena_alloc(r->pa, sizeof *en);
    td_enum **arr = td_rs_grow(r, sc->enums, sc->n_enums, sizeof *arr);
    if (!en || !arr)
        return;
    en->name = td_arena_strdup(r->pa, d->name);
    en->values = td_arena_alloc(r->pa, (d->n_items + 1) * sizeof *en->values);
    en->labels = td_arena_alloc(r->pa, (d->n_items + 1) * sizeof *en->labels);
    if (!en->values || !en->labels) {
        r->fatal = TD_ENOMEM;
        return;
    }
    for (uint32_t k = 0; k < d->n_items; k++) {
        if (td_enum_index(en, d->items[k].name, strlen(d->items[k].name)) >= 0) {
            ERR(r, d->items[k].span, TD_CODE_DUPLICATE, "value '%s' appears twice in enum %s",
                d->items[k].name, d->name);
            continue;
        }
        en->values[en->n] = td_arena_strdup(r->pa, d->items[k].name);
        en->labels[en->n] = td_rs_dup_opt(r, d->items[k].label.text);
        en->n++;
    }
    arr[sc->n_enums++] = en;
    sc->enums = arr;
}

/* `replace record NAME "label" cite "..." { ... }`: a new label and clause; its fields
 * tighten or add (pass 2), and every field of the record stays. */
static void replace_record_head(td_rs *r, const td_decl *d)
{
    td_record *rec = td_rs_find_record(r, d->name);
    if (!rec) {
        td_diagnostic *x = ERR(r, d->name_span, TD_CODE_UNKNOWN_TYPE,
                               "cannot replace record '%s': no "
                               "record has that name", d->name);
        td_rs_suggest_from(r, x, d->name, NAMES_RECORDS, NULL);
        return;
    }
    if (d->label.text)
        rec->label = td_rs_dup_opt(r, d->label.text);
    if (d->cite.text)
        rec->cite = td_rs_dup_opt(r, d->cite.text);
    td_rs_keep_change(r, "record", d->name, "replaced", d, decl_of_type(r, TD_D_RECORD, d->name));
}

/* A field an overlay declares again (in `extend` or `replace record`): it may become
 * required, take a new label, and a free-text field may take a code list (an enum); its
 * type cannot otherwise change, as units' files and rules read it by that type. */
static void tighten_field(td_rs *r, td_record *rec, td_field *f, const td_ast_field *af)
{
    const td_type *t = resolve_type(r, af->type);
    if (!t)
        return;
    const td_type *ot = f->type, *nt = t;
    if (ot->kind == TD_T_LIST && nt->kind == TD_T_LIST) {
        ot = ot->elem;
        nt = nt->elem;
    }
    bool coded = ot->kind == TD_T_TEXT && nt->kind == TD_T_ENUM &&
                 (f->type->kind == TD_T_LIST) == (t->kind == TD_T_LIST);
    if (!td_rs_same_type(f->type, t) && !coded) {
        char b1[128], b2[128];
        td_diagnostic *x = ERR(r, af->type->span, TD_CODE_FIELD_TYPE,
                               "an overlay cannot change the "
                               "type of field '%s' of %s: it is %s, not %s",
                               f->name, rec->name, td_rs_tname(f->type, b1, sizeof b1),
                               td_rs_tname(t, b2, sizeof b2));
        td_rs_hint(r, x, "units' files and the rules read the field by its type; an overlay may "
                   "make it required, or give a text field a code list (an enum)", NULL);
        return;
    }
    f->type = t;
    if (af->required)
        f->required = true;
    if (af->label.text)
        f->label = td_rs_dup_opt(r, af->label.text);
}

static void declare_record(td_rs *r, const td_decl *d)
{
    td_schema *sc = &r->p->schema;
    td_record *rec = td_arena_alloc(r->pa, sizeof *rec);
    td_record **arr = td_rs_grow(r, sc->records, sc->n_records, sizeof *arr);
    if (!rec || !arr)
        return;
    rec->name = td_arena_strdup(r->pa, d->name);
    rec->label = td_rs_dup_opt(r, d->label.text);
    rec->cite = td_rs_dup_opt(r, d->cite.text);
    arr[sc->n_records++] = rec;
    sc->records = arr;
}

/* The type a field's values are records of (a record, or a list of records), or NULL. */
static const td_record *record_of(const td_type *t)
{
    if (t && t->kind == TD_T_LIST)
        t = t->elem;
    return t && t->kind == TD_T_RECORD ? t->rec : NULL;
}

/* `record NAME dated FIELD`: the field must be a date or a month of the record, and a record
 * is dated by one field only. Then marks the records from which a dated one can be reached,
 * so that evaluation looks for events only where there can be some (Decision 10). */
static void dated_records(td_rs *r)
{
    td_schema *sc = &r->p->schema;
    for (uint32_t i = 0; i < r->n_decls && !r->fatal; i++) {
        const td_decl *d = r->decls[i].decl;
        if ((d->kind != TD_D_RECORD && d->kind != TD_D_EXTEND) || !d->dated)
            continue;
        td_record *rec = td_rs_find_record(r, d->name);
        if (!rec)
            continue;
        const td_field *f = td_record_field(rec, d->dated);
        if (!f) {
            td_diagnostic *x = ERR(r, d->dated_span, TD_CODE_UNKNOWN_FIELD,
                                   "record %s has no field '%s' to be dated by", rec->name,
                                   d->dated);
            td_rs_suggest_from(r, x, d->dated, NAMES_FIELDS, rec);
            continue;
        }
        if (f->type->kind != TD_T_DATE && f->type->kind != TD_T_MONTH) {
            char tb[128];
            ERR(r, d->dated_span, TD_CODE_TYPE,
                "record %s cannot be dated by field '%s', a %s: name a date or month field",
                rec->name, f->name, td_type_name(f->type, tb, sizeof tb));
            continue;
        }
        if (rec->dated && rec->dated_slot != f->slot) {
            ERR(r, d->dated_span, TD_CODE_DUPLICATE,
                "record %s is already dated by another field; a record is dated by one field",
                rec->name);
            continue;
        }
        rec->dated = true;
        rec->dated_slot = f->slot;
    }
    for (uint32_t i = 0; i < sc->n_records; i++)
        sc->records[i]->holds_events = sc->records[i]->dated;
    for (bool changed = true; changed;) {
        changed = false;
        for (uint32_t i = 0; i < sc->n_records; i++) {
            td_record *rec = sc->records[i];
            for (uint32_t k = 0; k < rec->n_fields && !rec->holds_events; k++) {
                const td_record *sub = record_of(rec->fields[k].type);
                if (sub && sub->holds_events) {
                    rec->holds_events = true;
                    changed = true;
                }
            }
        }
    }
}

void td_rs_build_schema(td_rs *r)
{
    td_schema *sc = &r->p->schema;
    /* pass 1: declare enums and records */
    for (uint32_t i = 0; i < r->n_decls && !r->fatal; i++) {
        const td_decl *d = r->decls[i].decl;
        if (d->kind == TD_D_ENUM && (d->extend || d->replace))
            change_enum(r, d);
        else if (d->kind == TD_D_ENUM && type_name_free(r, d))
            declare_enum(r, d);
        else if (d->kind == TD_D_RECORD && d->replace)
            replace_record_head(r, d);
        else if (d->kind == TD_D_RECORD && type_name_free(r, d))
            declare_record(r, d);
    }
    /* pass 2: fields (records, then extends in order) */
    for (uint32_t i = 0; i < r->n_decls && !r->fatal; i++) {
        td_decl *d = r->decls[i].decl;
        if (d->kind != TD_D_RECORD && d->kind != TD_D_EXTEND)
            continue;
        td_record *rec = td_rs_find_record(r, d->name);
        if (!rec) {
            if (d->kind == TD_D_EXTEND) {
                td_diagnostic *x = ERR(r, d->name_span, TD_CODE_UNKNOWN_TYPE,
                                       "cannot extend '%s': no record has that name", d->name);
                if (td_rs_find_enum(r, d->name) && x)
                    td_diag_set(r->d, &x->hint, N_("'%s' is an enum: add codes with extend enum "
                                                   "%s { code \"label\" }"),
                                d->name, d->name);
                else
                    td_rs_suggest_from(r, x, d->name, NAMES_RECORDS, NULL);
            }
            continue;
        }
        for (uint32_t k = 0; k < d->n_fields; k++) {
            const td_ast_field *af = &d->fields[k];
            const td_field *old = td_record_field(rec, af->name);
            if (old && (d->kind == TD_D_EXTEND || d->replace)) {
                tighten_field(r, rec, (td_field *)old, af);
                if (d->kind == TD_D_EXTEND)
                    td_rs_keep_change(r, "record", rec->name, "tightened", d,
                                      decl_of_type(r, TD_D_RECORD, rec->name));
                continue;
            }
            if (old) {
                td_diagnostic *x = ERR(r, af->span, TD_CODE_DUPLICATE,
                                       "record %s already has a field "
                                       "'%s'", rec->name, af->name);
                td_rs_hint(r, x, "to make it required or give it a code list in an overlay, "
                           "declare it again in `extend RECORD { ... }`", NULL);
                continue;
            }
            const td_type *t = resolve_type(r, af->type);
            if (!t)
                continue;
            td_field *arr = td_rs_grow(r, rec->fields, rec->n_fields, sizeof *arr);
            if (!arr)
                return;
            td_field *f = &arr[rec->n_fields];
            f->name = td_arena_strdup(r->pa, af->name);
            f->label = td_rs_dup_opt(r, af->label.text);
            f->type = t;
            f->required = af->required;
            f->slot = rec->n_fields;
            rec->fields = arr;
            rec->n_fields++;
        }
    }
    dated_records(r);
    /* the document record */
    td_decl *doc = NULL;
    for (uint32_t i = 0; i < r->n_decls; i++)
        if (r->decls[i].decl->kind == TD_D_DOCUMENT)
            doc = r->decls[i].decl;
    if (!doc) {
        /* after a failed import the declaration is likely in the missing file; without
         * one, no unit file can be read, so even an empty file is refused here */
        if (!r->fatal && r->d->errors == r->errors0) {
            const td_source *first = r->p->n_sources ? r->p->sources[0] : NULL;
            td_diagnostic *x;
            if (!r->n_decls) {
                if (r->p->n_sources > 1)
                    x = td_diag_at(r->d, TD_SEV_ERROR, TD_CODE_NO_DOCUMENT, first, 0, 0,
                                   "these rules declare nothing: the file only imports files "
                                   "that are empty or only comments");
                else
                    x = td_diag_at(r->d, TD_SEV_ERROR, TD_CODE_NO_DOCUMENT, first, 0, 0,
                                   "these rules declare nothing: the file is empty or only "
                                   "comments");
                td_rs_hint(r, x, "check that this is the rule file you meant; a rule file "
                           "declares the records of a unit file, `document NAME` and "
                           "its rules", NULL);
            } else {
                x = td_diag_at(r->d, TD_SEV_ERROR, TD_CODE_NO_DOCUMENT, first, 0, 0,
                               "no `document` declaration in these rules");
                td_rs_hint(r, x, "say which record a unit file holds, e.g. `document unit_file`", NULL);
            }
        }
        return;
    }
    td_record *rec = td_rs_find_record(r, doc->name);
    if (!rec) {
        ERR(r, doc->name_span, TD_CODE_UNKNOWN_TYPE, "document '%s' is not a declared record",
            doc->name);
        return;
    }
    sc->document = rec;
    td_type *t = td_rs_new_type(r, TD_T_RECORD);
    if (t)
        t->rec = rec;
    sc->document_type = t;
}

/* A param declared by `d`, appended to the program from `init` with its name, label and
 * clause; a param without `cite` is reported. NULL when out of memory. */
static td_param *new_param(td_rs *r, const td_decl *d, const td_param *init)
{
    td_program *p = r->p;
    if (!d->cite.text) {
        td_diagnostic *x = ERR(r, d->name_span, TD_CODE_MISSING_CITE, "param '%s' has no `cite`",
                               d->name);
        td_rs_hint(r, x, "every param names the clause of the plan it comes from, "
                   "e.g. cite \"II.2.1\"", NULL);
    }
    td_param *arr = td_rs_grow(r, p->params, p->n_params, sizeof *arr);
    if (!arr)
        return NULL;
    td_param *prm = &arr[p->n_params++];
    p->params = arr;
    *prm = *init;
    prm->name = td_arena_strdup(r->pa, d->name);
    prm->label = td_rs_dup_opt(r, d->label.text);
    prm->cite = td_rs_dup_opt(r, d->cite.text);
    return prm;
}

/* The dated values of a param or set (VALUE [from DATE] [until DATE], ...) into prm, checked
 * against `type` (the param's, or NULL to take the first value's): each value after the
 * first says from when it is in force (its `from`, or the day after the previous value's
 * `until`), the dates go forward, and the last value has no end. False after an error. */
static bool dated_values(td_rs *r, const td_decl *d, const td_type *type, td_param *prm)
{
    uint32_t n = d->n_whens;
    td_value *vals = td_arena_alloc(r->pa, n * sizeof *vals);
    int32_t *from = td_arena_alloc(r->pa, n * sizeof *from);
    if (!vals || !from) {
        r->fatal = TD_ENOMEM;
        return false;
    }
    char b1[64], b2[64];
    for (uint32_t i = 0; i < n; i++) {
        const td_ast_when *w = &d->whens[i];
        const td_type *t = NULL;
        td_value fv, uv;
        const td_type *ft;
        if (!td_rs_const_value(r, w->value, &vals[i], &t)) {
            if (w->value->kind != TD_X_DATE && w->value->kind != TD_X_MONTH)
                ERR(r, w->value->span, TD_CODE_PARAM_VALUE,
                    "the value of a param must be written out: "
                    "a number, a text, a date, a month, true or false");
            return false;
        }
        if (!type)
            type = t;
        if (!td_rs_same_type(type, t)) {
            ERR(r, w->value->span, TD_CODE_TYPE, "param '%s' is %s, but this value is %s", d->name,
                td_rs_tname(type, b1, sizeof b1), td_rs_tname(t, b2, sizeof b2));
            return false;
        }
        if (type->kind == TD_T_NUMBER && vals[i].kind == TD_V_INT) {
            vals[i].kind = TD_V_NUM;
            vals[i].u.num = (double)vals[i].u.i;
        }
        if (w->from && !td_rs_const_value(r, w->from, &fv, &ft))
            return false;
        if (w->until && !td_rs_const_value(r, w->until, &uv, &ft))
            return false;
        if (w->from && w->until && uv.u.days < fv.u.days) {
            ERR(r, w->until->span, TD_CODE_PARAM_DATES, "this value of '%s' would end before it "
                "starts", d->name);
            return false;
        }
        if (i == n - 1 && w->until) {
            td_diagnostic *x = ERR(r, w->until->span, TD_CODE_PARAM_DATES,
                                   "the last value of '%s' is "
                                   "in force from its date on, with no end", d->name);
            td_rs_hint(r, x, "leave out `until` on the last value, or add the value that "
                       "follows it: 60 until 2024-12-31, 80", NULL);
            return false;
        }
        from[i] = INT32_MIN;
        if (i == 0)
            continue;
        const td_ast_when *pw = &d->whens[i - 1];
        td_value pu;
        bool has_pu = pw->until && td_rs_const_value(r, pw->until, &pu, &ft);
        const td_source *vs = td_rs_src_of(r, w->value->span);
        if (!w->from && !has_pu && vs && pw->value->kind == TD_X_NUMBER &&
            w->value->kind == TD_X_NUMBER && !pw->from &&
            pw->value->span.off + pw->value->span.len + 1 == w->value->span.off) {
            /* 0,5: a decimal comma, as Vietnamese writes numbers, not two values */
            td_span all = pw->value->span;
            all.len = w->value->span.off + w->value->span.len - all.off;
            const char *txt = vs->text;
            td_diagnostic *x = ERR(r, all, TD_CODE_DECIMAL_COMMA,
                                   "'%.*s' is written with a decimal "
                                   "comma", (int)all.len, txt + all.off);
            if (x)
                td_diag_set(r->d, &x->hint, "write decimals with a point: %.*s.%.*s",
                            (int)pw->value->span.len, txt + pw->value->span.off,
                            (int)w->value->span.len, txt + w->value->span.off);
            return false;
        }
        if (!w->from && !has_pu) {
            td_diagnostic *x = ERR(r, w->value->span, TD_CODE_PARAM_DATES,
                                   "from when is this value "
                                   "of '%s' in force?", d->name);
            td_rs_hint(r, x, "write `from DATE` after it (or `until DATE` after the value "
                       "before it): 60 until 2024-12-31, 80 from 2025-01-01", NULL);
            return false;
        }
        from[i] = w->from ? fv.u.days : pu.u.days + 1;
        if (w->from && has_pu && fv.u.days != pu.u.days + 1) {
            char day[16];
            td_format_date(pu.u.days + 1, day);
            td_diagnostic *x = ERR(r, w->from->span, TD_CODE_PARAM_DATES,
                                   "the value before ends on "
                                   "%s, so this one must be in force from %s: the dates of a "
                                   "param leave no gap and do not overlap", pw->until->str, day);
            td_rs_hint(r, x, "write from %s, or change the `until` before it", day);
            return false;
        }
        if (i > 1 && from[i] <= from[i - 1]) {
            ERR(r, w->from ? w->from->span : pw->until->span, TD_CODE_PARAM_DATES,
                "the values of '%s' must be written in the order of their dates", d->name);
            return false;
        }
    }
    /* the first value holds from the start; its own `from` only says so */
    if (n > 1 && d->whens[0].from) {
        td_value f0;
        const td_type *ft;
        if (td_rs_const_value(r, d->whens[0].from, &f0, &ft) && f0.u.days >= from[1]) {
            ERR(r, d->whens[0].from->span, TD_CODE_PARAM_DATES,
                "the values of '%s' must be written in the order of their dates", d->name);
            return false;
        }
    }
    prm->type = type;
    prm->value = vals[n - 1];
    prm->values = n > 1 ? vals : NULL;
    prm->from = n > 1 ? from : NULL;
    prm->n_values = n > 1 ? n : 0;
    return true;
}

/* True when every value that d (the param's declaration or a `set` of it) gives is within
 * prm's declared range; else an error at the first value out of it. vals: d's n values. */
static bool in_range(td_rs *r, const td_param *prm, const td_decl *d, const td_value *vals,
                     uint32_t n)
{
    for (uint32_t i = 0; i < n; i++) {
        if (td_param_in_range(prm, &vals[i]))
            continue;
        td_span at = i < d->n_whens ? d->whens[i].value->span : d->value->span;
        td_range_refuse(r->d, prm, &vals[i], td_rs_src_of(r, at), at, NULL,
                        td_rs_src_of(r, prm->range));
        return false;
    }
    return true;
}

/* The values a param holds (its dated values, or its one value). */
static const td_value *values_of(const td_param *prm, uint32_t *n)
{
    *n = prm->n_values ? prm->n_values : 1;
    return prm->n_values ? prm->values : &prm->value;
}

/* A bound of a range that names something (`range 0 .. district_total`): refused, as a
 * param's own value is. A bound that followed another param would have to be checked again
 * after every overlay's `set` and every -D, and has no single value when that param is dated;
 * a bound written out says what the rule author means once and for all. */
static void refuse_named_bound(td_rs *r, const td_expr *b)
{
    const td_param *other = td_rs_find_param(r, b->name);
    if (!other) {
        td_diagnostic *x = ERR(r, b->span, TD_CODE_PARAM_RANGE,
                               "the bounds of a range are written out, not named: '%s' is no "
                               "param, and a range takes a number, a date or a month",
                               b->name);
        td_rs_hint(r, x, "write range 0 .. 1000, range 2024-01-01 .. 2025-12-31", NULL);
        return;
    }
    td_diagnostic *x = ERR(r, b->span, TD_CODE_PARAM_RANGE,
                           "the bounds of a range are written out, not named: param '%s' may "
                           "take another value in an overlay or with -D, and the range would "
                           "not follow it",
                           b->name);
    char v[64];
    td_range_value_text(&other->value, v, sizeof v);
    if (x && other->n_values)
        td_diag_set(r->d, &x->hint, N_("write the bound itself, as a number, a date or a "
                                       "month"));
    else if (x)
        td_diag_set(r->d, &x->hint, N_("write the bound itself: %s, the value of '%s' here"), v,
                    b->name);
}

/* The range a param declares (`range 0 .. 1000`), then its own values checked against it. */
static void read_range(td_rs *r, const td_decl *d, td_param *prm)
{
    prm->lo.kind = prm->hi.kind = TD_V_ABSENT;
    if (!d->range_lo && !d->range_hi)
        return;
    const td_expr *bound[2] = {d->range_lo, d->range_hi};
    td_value v[2] = {{TD_V_ABSENT, NULL, {0}}, {TD_V_ABSENT, NULL, {0}}};
    char tb[64];
    for (int i = 0; i < 2; i++) {
        const td_type *t;
        if (!bound[i])
            continue;
        if (bound[i]->kind == TD_X_NAME) {
            refuse_named_bound(r, bound[i]);
            return;
        }
        if (!td_rs_const_value(r, bound[i], &v[i], &t))
            return;
        if (prm->type->kind != TD_T_INT && prm->type->kind != TD_T_NUMBER &&
            prm->type->kind != TD_T_DATE && prm->type->kind != TD_T_MONTH) {
            td_diagnostic *x = ERR(r, d->range_span, TD_CODE_PARAM_RANGE,
                                   N_("param '%s' is %s: only a number, a date or a month has a "
                                      "range"),
                                   d->name, td_rs_tname(prm->type, tb, sizeof tb));
            if (x)
                td_diag_set(r->d, &x->hint, N_("leave out `range`"));
            return;
        }
        if (!td_range_bound_fits(prm->type, &v[i])) {
            td_diagnostic *x = ERR(r, bound[i]->span, TD_CODE_PARAM_RANGE,
                                   N_("param '%s' is %s: the bounds of its range must be too"),
                                   d->name, td_rs_tname(prm->type, tb, sizeof tb));
            if (x)
                td_diag_set(r->d, &x->hint, N_("write the range in the param's own kind of "
                                               "value: range 0 .. 1000, range 2024-01-01 .. "
                                               "2025-12-31"));
            return;
        }
    }
    prm->lo = v[0];
    prm->hi = v[1];
    prm->range = d->range_span;
    if (!td_range_ordered(prm)) {
        ERR(r, d->range_span, TD_CODE_PARAM_RANGE,
            N_("the range of param '%s' holds no value: its lower bound is above its upper "
               "bound"), d->name);
        prm->lo.kind = prm->hi.kind = TD_V_ABSENT;
        return;
    }
    uint32_t n;
    const td_value *vals = values_of(prm, &n);
    in_range(r, prm, d, vals, n);
}

void td_rs_build_params(td_rs *r)
{
    for (uint32_t i = 0; i < r->n_decls && !r->fatal; i++) {
        td_decl *d = r->decls[i].decl;
        if (d->kind != TD_D_PARAM && d->kind != TD_D_SET)
            continue;
        td_param *existing = (td_param *)td_rs_find_param(r, d->name);
        td_value v;
        const td_type *t = NULL;
        if (!d->value)
            continue;
        bool dated = d->n_whens > 1 || (d->n_whens == 1 && (d->whens[0].from || d->whens[0].until));
        if (dated) {
            if (d->kind == TD_D_SET && !existing) {
                td_diagnostic *x = ERR(r, d->name_span, TD_CODE_UNKNOWN_PARAM,
                                       "cannot set '%s': no param has that name", d->name);
                td_rs_suggest_from(r, x, d->name, NAMES_PARAMS, NULL);
                continue;
            }
            if (d->kind == TD_D_PARAM && existing) {
                td_diagnostic *x = ERR(r, d->name_span, TD_CODE_DUPLICATE, "param '%s' is declared "
                                       "twice; to change its value in an overlay write "
                                       "`set %s = ...`", d->name, d->name);
                td_rs_where_first(r, x, N_("it was first declared at %s:%u:%u"), existing->span);
                continue;
            }
            td_param tmp = {0};
            if (!dated_values(r, d, existing ? existing->type : NULL, &tmp))
                continue;
            if (existing) {
                uint32_t nv;
                const td_value *vals = values_of(&tmp, &nv);
                if (!in_range(r, existing, d, vals, nv))
                    continue;
                td_rs_keep_change(r, "param", d->name, "set", d, existing->decl);
                existing->given = d->value->span;
                existing->given_define = NULL;
                existing->value = tmp.value;
                existing->values = tmp.values;
                existing->from = tmp.from;
                existing->n_values = tmp.n_values;
                existing->overridden = true;
                continue;
            }
            td_param *prm = new_param(r, d, &tmp);
            if (!prm)
                return;
            prm->span = d->name_span;
            prm->decl = d->span;
            prm->given = d->value->span;
            read_range(r, d, prm);
            continue;
        }
        if (!td_rs_const_value(r, d->value, &v, &t)) {
            if (d->value->kind != TD_X_DATE && d->value->kind != TD_X_MONTH) {
                td_diagnostic *x = ERR(r, d->value->span, TD_CODE_PARAM_VALUE,
                                       "the value of a param must be written out: a number, a "
                                       "text, a date, a month, true or false");
                (void)x;
            }
            continue;
        }
        if (d->kind == TD_D_PARAM) {
            if (existing) {
                td_diagnostic *x = ERR(r, d->name_span, TD_CODE_DUPLICATE, "param '%s' is declared "
                                       "twice; to change its value in an overlay write "
                                       "`set %s = ...`", d->name, d->name);
                td_rs_where_first(r, x, N_("it was first declared at %s:%u:%u"), existing->span);
                continue;
            }
            td_param zero = {0};
            td_param *prm = new_param(r, d, &zero);
            if (!prm)
                return;
            prm->type = t;
            prm->value = v;
            prm->span = d->name_span;
            prm->decl = d->span;
            prm->given = d->value->span;
            read_range(r, d, prm);
        } else {
            if (!existing) {
                td_diagnostic *x = ERR(r, d->name_span, TD_CODE_UNKNOWN_PARAM,
                                       "cannot set '%s': no param has that name", d->name);
                td_rs_suggest_from(r, x, d->name, NAMES_PARAMS, NULL);
                continue;
            }
            if (!td_rs_same_type(existing->type, t)) {
                char b1[64], b2[64];
                ERR(r, d->value->span, TD_CODE_TYPE,
                    "param '%s' is %s, but this value is %s", d->name,
                    td_rs_tname(existing->type, b1, sizeof b1), td_rs_tname(t, b2, sizeof b2));
                continue;
            }
            if (existing->type->kind == TD_T_NUMBER && v.kind == TD_V_INT) {
                v.kind = TD_V_NUM;
                v.u.num = (double)v.u.i;
            }
            if (!in_range(r, existing, d, &v, 1))
                continue;
            td_rs_keep_change(r, "param", d->name, "set", d, existing->decl);
            existing->given = d->value->span;
            existing->given_define = NULL;
            existing->value = v;
            existing->values = NULL;
            existing->from = NULL;
            existing->n_values = 0;
            existing->overridden = true;
        }
    }
}

/* Applies -D name=value after the overlays. */
void td_rs_apply_defines(td_rs *r, const char *const *defs, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        const char *eq = strchr(defs[i], '=');
        if (!eq || eq == defs[i]) {
            td_diag_at(r->d, TD_SEV_ERROR, TD_CODE_DEFINE, NULL, 0, 0,
                       "-D '%s': write -D name=value, e.g. -D district_total=80", defs[i]);
            continue;
        }
        char name[128];
        size_t nl = (size_t)(eq - defs[i]);
        if (nl >= sizeof name)
            nl = sizeof name - 1;
        memcpy(name, defs[i], nl);
        name[nl] = '\0';
        td_param *prm = (td_param *)td_rs_find_param(r, name);
        if (!prm) {
            td_diagnostic *x = td_diag_at(r->d, TD_SEV_ERROR, TD_CODE_DEFINE, NULL, 0, 0,
                                          "-D %s: no param is named '%s'", defs[i], name);
            td_rs_suggest_from(r, x, name, NAMES_PARAMS, NULL);
            continue;
        }
        const char *val = eq + 1;
        size_t vl = strlen(val);
        td_value v = {0};
        bool ok = false;
        char *end = NULL;
        switch (prm->type->kind) {
        case TD_T_INT:
            errno = 0;
            v.u.i = strtoll(val, &end, 10);
            ok = vl && *end == '\0' && errno == 0;
            v.kind = TD_V_INT;
            break;
        case TD_T_NUMBER:
            v.u.num = strtod(val, &end);
            ok = vl && *end == '\0';
            v.kind = TD_V_NUM;
            break;
        case TD_T_DATE:
            ok = td_parse_date(val, vl, &v.u.days);
            v.kind = TD_V_DATE;
            break;
        case TD_T_MONTH:
            ok = td_parse_month(val, vl, &v.u.month);
            v.kind = TD_V_MONTH;
            break;
        case TD_T_BOOL:
            ok = strcmp(val, "true") == 0 || strcmp(val, "false") == 0;
            v.u.b = val[0] == 't';
            v.kind = TD_V_BOOL;
            break;
        default:
            v.u.text.s = td_arena_strdup(r->pa, val);
            v.u.text.len = (uint32_t)vl;
            ok = v.u.text.s != NULL;
            v.kind = TD_V_TEXT;
            break;
        }
        if (!ok) {
            char buf[64], why[96];
            const char *problem = prm->type->kind == TD_T_DATE
                                      ? td_date_problem(r->d->lang, val, vl, why, sizeof why)
                                      : NULL;
            static const char *const examples[] = {
                [TD_T_INT] = N_("a whole number, e.g. 80"),
                [TD_T_NUMBER] = N_("a number, e.g. 2.5"),
                [TD_T_DATE] = N_("a date, e.g. 2025-11-30"),
                [TD_T_MONTH] = N_("a month, e.g. 2025-11"), [TD_T_BOOL] = N_("true or false")};
            td_diagnostic *x = td_diag_at(r->d, TD_SEV_ERROR, TD_CODE_DEFINE, NULL, 0, 0,
                                          "-D %s: param '%s' is %s, and '%s' is not%s%s", defs[i],
                                          name, td_rs_tname(prm->type, buf, sizeof buf), val,
                                          problem ? ": " : "", problem ? problem : "");
            static const char *const kinds[] = {
                [TD_T_INT] = N_("a whole number"), [TD_T_NUMBER] = N_("a number"),
                [TD_T_DATE] = N_("a date"), [TD_T_MONTH] = N_("a month")};
            if (x && prm->range.len && prm->type->kind <= TD_T_MONTH && kinds[prm->type->kind])
                td_range_hint(r->d, x, prm, td_rs_src_of(r, prm->range),
                              td_gettext(r->d->lang, kinds[prm->type->kind]));
            else if (x && prm->type->kind <= TD_T_MONTH && examples[prm->type->kind])
                td_diag_set(r->d, &x->hint, N_("write %s"),
                            td_gettext(r->d->lang, examples[prm->type->kind]));
            continue;
        }
        if (!td_param_in_range(prm, &v)) {
            td_range_refuse(r->d, prm, &v, NULL, prm->range, defs[i],
                            td_rs_src_of(r, prm->range));
            continue;
        }
        prm->given = (td_span){0, 0, 0};
        prm->given_define = td_arena_strdup(r->pa, defs[i]);
        prm->value = v;
        prm->values = NULL; /* -D gives one value for every date */
        prm->from = NULL;
        prm->n_values = 0;
        prm->overridden = true;
    }
}

void td_rs_compile_defines(td_rs *r)
{
    uint32_t n = 0;
    for (uint32_t i = 0; i < r->n_decls; i++)
        n += r->decls[i].decl->kind == TD_D_DEFINE;
    if (!td_rs_ntab_init(r, &r->defines, n))
        return;
    /* declare all defines first so they may refer to each other in order */
    for (uint32_t i = 0; i < r->n_decls && !r->fatal; i++) {
        td_decl *d = r->decls[i].decl;
        if (d->kind != TD_D_DEFINE)
            continue;
        td_record *rec = td_rs_find_record(r, d->name);
        if (!rec) {
            td_diagnostic *x = ERR(r, d->name_span, TD_CODE_UNKNOWN_TYPE,
                                   "cannot define '%s.%s': no record is named '%s'", d->name,
                                   d->member, d->name);
            td_rs_suggest_from(r, x, d->name, NAMES_RECORDS, NULL);
            continue;
        }
        td_define *prev = (td_define *)td_rs_define_of(r, rec, d->member);
        if (d->replace) {
            /* `replace define`: a new expression (and label) under the same name */
            if (!prev) {
                td_diagnostic *x = ERR(r, d->member_span, TD_CODE_UNKNOWN_RULE, "cannot replace "
                                       "'%s.%s': record %s has no computed field of that name",
                                       d->name, d->member, rec->name);
                td_rs_hint(r, x, "to add a computed field, leave out `replace`", NULL);
                continue;
            }
            const td_decl *was = prev->ast;
            td_rs_keep_change(r, "define", td_arena_printf(r->pa, "%s.%s", d->name, d->member),
                              "replaced", d, was ? was->span : (td_span){UINT32_MAX, 0, 0});
            prev->ast = d;
            prev->name_span = d->member_span;
            if (d->label.text)
                prev->label = td_rs_label_of(r, &d->label, prev->label);
            continue;
        }
        if (td_record_field(rec, d->member) || prev) {
            td_diagnostic *x = ERR(r, d->member_span, TD_CODE_DUPLICATE,
                                   "record %s already has a field "
                                   "'%s'", rec->name, d->member);
            if (prev)
                td_rs_hint(r, x, "to change it in an overlay write `replace define %s.%s ...`",
                           td_arena_printf(r->pa, "%s.%s", d->name, d->member));
            continue;
        }
        td_define *arr = td_rs_grow(r, rec->defines, rec->n_defines, sizeof *arr);
        if (!arr)
            return;
        td_define *def = &arr[rec->n_defines];
        def->name = td_arena_strdup(r->pa, d->member);
        def->label = td_rs_label_of(r, &d->label, NULL);
        def->ast = d;
        def->name_span = d->member_span;
        def->owner = rec;
        rec->defines = arr;
        td_nslot *x = td_rs_ntab_slot(&r->defines, rec, def->name);
        x->owner = rec;
        x->name = def->name;
        x->val = rec->n_defines++;
    }
    for (uint32_t i = 0; i < r->p->schema.n_records && !r->fatal; i++) {
        td_record *rec = r->p->schema.records[i];
        for (uint32_t k = 0; k < rec->n_defines; k++)
            td_rs_ensure_define(r, &rec->defines[k], (td_span){0, 0, 0});
    }
}

/* Compiles a define the first time it is used, so defines may use each other in any
 * order; a define that needs itself is an error. */
void td_rs_ensure_define(td_rs *r, td_define *def, td_span at)
{
    if (def->state == 2 || !def->ast || r->fatal)
        return;
    td_decl *d = def->ast;
    if (def->state == 1) {
        ERR(r, at.len ? at : d->member_span, TD_CODE_DEFINE_CYCLE, "'%s' is defined in terms of "
            "itself", def->name);
        return;
    }
    def->state = 1;
    char rule[256];
    snprintf(rule, sizeof rule, "define %s.%s", def->owner->name, def->name);
    td_cctx c = {r, rule};
    td_type *rt = td_rs_new_type(r, TD_T_RECORD);
    if (rt) {
        rt->rec = def->owner;
        td_scope s = {NULL, rt, NULL, NULL, NULL, 0};
        const td_cexpr *e = td_rs_cx(&c, d->value, &s, NULL);
        td_depth_ctx dx = {NULL, 0, false};
        uint32_t depth = e ? td_rs_eval_depth(e, &dx) : 0;
        if (depth > MAX_EVAL_DEPTH && !dx.deep_use) {
            /* said at the first define past the bound; those using it keep silent */
            td_diagnostic *x = ERR(r, d->member_span, TD_CODE_TOO_DEEP,
                                   N_("'%s' is computed through too many levels: more than %d "
                                      "operations and defines nested one in another"),
                                   def->name, MAX_EVAL_DEPTH);
            td_rs_hint(r, x, "a define that uses a define that uses "
                          "another... is evaluated one inside the other: make the chain "
                          "shorter", NULL);
        }
        if (e && depth <= MAX_EVAL_DEPTH) {
            def->expr = e;
            def->type = e->type;
        }
        def->depth = depth;
    }
    def->state = 2;
    def->ast = NULL; /* the declaration lives in the parse arena, freed after compile */
}

const td_define *td_rs_report_define(td_rs *r, const char *name)
{
    return r->p->schema.document ? td_rs_define_of(r, r->p->schema.document, name) : NULL;
}
