/* Resolve: the helpers every part of it shares: diagnostics that name the rule being
 * compiled, "did you mean", name tables and the scalar types.
 * Pipeline: td_ast (parse arena) -> td_program (program arena); see resolve.c. */
#include "resolve_int.h"

#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

const td_source *td_rs_src_of(td_rs *r, td_span sp)
{
    return sp.src < r->p->n_sources ? r->p->sources[sp.src] : NULL;
}

/* A mistake found while compiling a rule names that rule and its clause, as data findings
 * do: "unknown field 'strat' on plan [plan.has_dates, II.2.2]". */
td_diagnostic *td_rs_in_rule(td_rs *r, td_diagnostic *e)
{
    if (e && r->rule_id) {
        td_diag_set(r->d, &e->rule, "%s", r->rule_id);
        if (r->rule_cite)
            td_diag_set(r->d, &e->cite, "%s", r->rule_cite);
    }
    return e;
}

void td_rs_hint(td_rs *r, td_diagnostic *e, const char *fmt, const char *arg)
{
    if (e)
        td_diag_set(r->d, &e->hint, fmt, arg);
}

void td_rs_where_first(td_rs *r, td_diagnostic *e, const char *fmt, td_span first)
{
    if (!e)
        return;
    const td_source *s = td_rs_src_of(r, first);
    if (!s)
        return;
    uint32_t line, col;
    td_source_linecol(s, first.off, &line, &col);
    td_diag_set(r->d, &e->hint, fmt, s->name, line, col);
}

/* Adds "did you mean 'x'?" to `e` when a name of `set` is near `name`; false when none is. */
bool td_rs_suggest_from(td_rs *r, td_diagnostic *e, const char *name, td_name_set set,
                        const td_record *rec)
{
    const char *names[1024];
    size_t n = 0;
    const td_schema *sc = &r->p->schema;
    switch (set) {
    case NAMES_FIELDS:
    case NAMES_MEMBERS:
        for (uint32_t i = 0; i < rec->n_fields && n < 1024; i++)
            names[n++] = rec->fields[i].name;
        for (uint32_t i = 0; set == NAMES_MEMBERS && i < rec->n_defines && n < 1024; i++)
            names[n++] = rec->defines[i].name;
        break;
    case NAMES_RECORDS:
        for (uint32_t i = 0; i < sc->n_records && n < 1024; i++)
            names[n++] = sc->records[i]->name;
        break;
    case NAMES_PARAMS:
        for (uint32_t i = 0; i < r->p->n_params && n < 1024; i++)
            names[n++] = r->p->params[i].name;
        break;
    }
    const char *sug = td_suggest(name, names, n);
    if (sug)
        td_rs_hint(r, e, "did you mean '%s'?", sug);
    return sug != NULL;
}

td_type *td_rs_new_type(td_rs *r, td_tkind k)
{
    td_type *t = td_arena_alloc(r->pa, sizeof *t);
    if (t)
        t->kind = k;
    else
        r->fatal = TD_ENOMEM;
    return t;
}

const td_type *td_rs_list_of(td_rs *r, const td_type *elem)
{
    td_type *t = td_rs_new_type(r, TD_T_LIST);
    if (t)
        t->elem = elem;
    return t;
}

bool td_rs_is_numeric(const td_type *t)
{
    return t && (t->kind == TD_T_INT || t->kind == TD_T_NUMBER);
}

bool td_rs_same_type(const td_type *a, const td_type *b)
{
    if (!a || !b)
        return false;
    if (td_rs_is_numeric(a) && td_rs_is_numeric(b))
        return true;
    if (a->kind != b->kind)
        return false;
    switch (a->kind) {
    case TD_T_ENUM: return a->en == b->en;
    case TD_T_RECORD: return a->rec == b->rec;
    case TD_T_LIST: return td_rs_same_type(a->elem, b->elem);
    default: return true;
    }
}

bool td_rs_ntab_init(td_rs *r, td_ntab *t, uint32_t n)
{
    uint32_t cap = 16;
    while (cap < 2 * (uint64_t)n + 2 && cap < (1u << 31))
        cap *= 2;
    t->s = td_arena_alloc(&r->parse, cap * sizeof *t->s);
    t->mask = cap - 1;
    if (!t->s) {
        r->fatal = TD_ENOMEM;
        return false;
    }
    return true;
}

/* The slot of (owner, name): the one that holds it, or the empty one where it goes; NULL
 * when the table was never made. */
td_nslot *td_rs_ntab_slot(const td_ntab *t, const void *owner, const char *name)
{
    if (!t->s)
        return NULL;
    uint64_t h = 14695981039346656037u ^ (uint64_t)(uintptr_t)owner;
    for (const char *c = name; *c; c++)
        h = (h ^ (unsigned char)*c) * 1099511628211u;
    for (uint32_t i = (uint32_t)(h ^ (h >> 32));; i++) {
        td_nslot *x = &t->s[i & t->mask];
        if (!x->name || (x->owner == owner && strcmp(x->name, name) == 0))
            return x;
    }
}

/* The define `name` of `rec`, or NULL. */
const td_define *td_rs_define_of(td_rs *r, const td_record *rec, const char *name)
{
    const td_nslot *x = td_rs_ntab_slot(&r->defines, rec, name);
    return x && x->name ? &rec->defines[x->val] : NULL;
}

const char *td_rs_tname(const td_type *t, char *buf, size_t n)
{
    if (!t)
        return "nothing";
    return td_type_name(t, buf, n);
}

/* Makes room for element n of an array in the program arena that only this function grows:
 * the capacity doubles at powers of two (so it needs no field of its own), and a file of
 * many declarations copies each one a bounded number of times. */
void *td_rs_grow(td_rs *r, void *arr, uint32_t n, size_t size)
{
    if (n && (n & (n - 1)) != 0)
        return arr;
    void *nw = td_arena_alloc(r->pa, (n ? 2 * (size_t)n : 1) * size);
    if (!nw) {
        r->fatal = TD_ENOMEM;
        return NULL;
    }
    if (n) {
        memcpy(nw, arr, n * size);
        /* the old copy stays in the arena, unused: cleared, so that it keeps no pointer
         * into the parse arena (the compiled built-in rules are written out whole, image.h) */
        memset(arr, 0, n * size);
    }
    return nw;
}

/* A copy in the program arena of an optional text (NULL stays NULL). */
const char *td_rs_dup_opt(td_rs *r, const char *text)
{
    return text ? td_arena_strdup(r->pa, text) : NULL;
}

/* A label of the rules with its {params} inserted (label.c), or `fallback` when none is
 * written; errors name the rule being compiled. */
const char *td_rs_label_of(td_rs *r, const td_str *s, const char *fallback)
{
    if (!s->text)
        return fallback;
    const char *l = td_label_compile(r->p, r->d, s, r->rule_id, r->rule_cite);
    if (!l)
        r->fatal = TD_ENOMEM;
    return l ? l : fallback;
}
