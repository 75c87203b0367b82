/* A rule's condition in plain words, in the user's language (thidua explain RULE): the
 * compiled condition read back as a sentence, fields named by their labels. Every phrase is
 * a message of the catalog, so that a translator words it without reading C.
 * Pipeline: td_program (compiled criteria) -> text. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "i18n.h"
#include "program.h"

#define MAX_SCOPES 16
#define MAX_TEXT 4096

typedef struct plain {
    const td_program *p;
    td_lang lang;
    const td_type *scopes[MAX_SCOPES]; /* the element of each frame, innermost last */
    int depth;
    char *buf;
    size_t len;
    bool cut; /* the text reached MAX_TEXT */
} plain;

static void put(plain *w, const char *s, size_t n)
{
    if (w->len + n >= MAX_TEXT) {
        w->cut = true;
        n = MAX_TEXT - 1 - w->len;
    }
    memcpy(w->buf + w->len, s, n);
    w->len += n;
    w->buf[w->len] = '\0';
}

static void puts_(plain *w, const char *s)
{
    put(w, s, strlen(s));
}

static void expr(plain *w, const td_cexpr *c, bool nested);

/* Writes a phrase of the catalog: "%s" parts are the sub-expressions, in order. */
static void phrase(plain *w, const char *msgid, const td_cexpr *a, const td_cexpr *b)
{
    const char *t = TR(w->lang, msgid);
    const td_cexpr *args[2] = {a, b};
    int k = 0;
    for (const char *s = t; *s;) {
        const char *pct = strstr(s, "%s");
        if (!pct) {
            puts_(w, s);
            break;
        }
        put(w, s, (size_t)(pct - s));
        if (k < 2 && args[k])
            expr(w, args[k], true);
        k++;
        s = pct + 2;
    }
}

/* The rule text of c, as the author wrote it: what has no plainer reading. */
static void source(plain *w, const td_cexpr *c)
{
    if (c->span.src >= w->p->n_sources) {
        puts_(w, "...");
        return;
    }
    const td_source *src = w->p->sources[c->span.src];
    bool space = false;
    for (uint32_t i = 0; i < c->span.len && c->span.off + i < src->len; i++) {
        char ch = src->text[c->span.off + i];
        if (ch == '\n' || ch == '\r' || ch == '\t' || ch == ' ') {
            space = true;
            continue;
        }
        if (space)
            put(w, " ", 1);
        space = false;
        put(w, &ch, 1);
    }
}

static const td_record *record_of(const td_type *t)
{
    while (t && t->kind == TD_T_LIST)
        t = t->elem;
    return t && t->kind == TD_T_RECORD ? t->rec : NULL;
}

/* A field by its label, with its key in the data: “Những việc làm khó” (hard_tasks). */
static void field(plain *w, const td_record *rec, uint32_t slot, const td_define *def)
{
    const char *name = def ? def->name : NULL, *label = def ? def->label : NULL;
    for (uint32_t i = 0; !def && rec && i < rec->n_fields; i++) {
        if (rec->fields[i].slot == slot) {
            name = rec->fields[i].name;
            label = rec->fields[i].label;
        }
    }
    if (!name) {
        puts_(w, "?");
        return;
    }
    if (label && *label && strcmp(label, name) != 0) {
        puts_(w, "“");
        puts_(w, label);
        puts_(w, "” (");
        puts_(w, name);
        puts_(w, ")");
    } else {
        puts_(w, name);
    }
}

static void constant(plain *w, const td_cexpr *c)
{
    const td_value *v = &c->value;
    char buf[64];
    switch (v->kind) {
    case TD_V_BOOL: puts_(w, v->u.b ? TR(w->lang, "true") : TR(w->lang, "false")); return;
    case TD_V_INT: snprintf(buf, sizeof buf, "%lld", (long long)v->u.i); break;
    case TD_V_NUM: snprintf(buf, sizeof buf, "%g", v->u.num); break;
    case TD_V_TEXT:
        puts_(w, "\"");
        puts_(w, v->u.text.s);
        puts_(w, "\"");
        return;
    case TD_V_ENUM:
        if (v->u.en.en && v->u.en.index < v->u.en.en->n) {
            const td_enum *en = v->u.en.en;
            const char *label = en->labels ? en->labels[v->u.en.index] : NULL;
            puts_(w, en->values[v->u.en.index]);
            if (label && *label) {
                puts_(w, " (");
                puts_(w, label);
                puts_(w, ")");
            }
            return;
        }
        source(w, c);
        return;
    default: source(w, c); return;
    }
    puts_(w, buf);
}

static bool is_time(const td_cexpr *c)
{
    return c->type && (c->type->kind == TD_T_DATE || c->type->kind == TD_T_MONTH);
}

static void compare(plain *w, const td_cexpr *c)
{
    bool t = is_time(c->a) || is_time(c->b);
    const char *id;
    switch (c->sub.op) {
    case TD_OP_EQ: id = N_("%s is %s"); break;
    case TD_OP_NE: id = N_("%s is not %s"); break;
    case TD_OP_LT: id = t ? N_("%s is before %s") : N_("%s is less than %s"); break;
    case TD_OP_LE: id = t ? N_("%s is not after %s") : N_("%s is at most %s"); break;
    case TD_OP_GT: id = t ? N_("%s is after %s") : N_("%s is more than %s"); break;
    case TD_OP_GE: id = t ? N_("%s is not before %s") : N_("%s is at least %s"); break;
    default: source(w, c); return;
    }
    phrase(w, id, c->a, c->b);
}

/* A condition over the items of a list: the items' record is the scope of its body. */
static void over_list(plain *w, const char *msgid, const td_cexpr *list, const td_cexpr *body)
{
    const char *t = TR(w->lang, msgid);
    const char *first = strstr(t, "%s");
    const char *second = first ? strstr(first + 2, "%s") : NULL;
    if (!first || !second || w->depth >= MAX_SCOPES) {
        puts_(w, t);
        return;
    }
    put(w, t, (size_t)(first - t));
    expr(w, list, true);
    put(w, first + 2, (size_t)(second - first - 2));
    w->scopes[w->depth++] = list->type && list->type->kind == TD_T_LIST ? list->type->elem : NULL;
    if (body)
        expr(w, body, true);
    w->depth--;
    puts_(w, second + 2);
}

static void expr(plain *w, const td_cexpr *c, bool nested)
{
    if (!c || w->cut)
        return;
    switch (c->op) {
    case TD_CX_CONST: constant(w, c); return;
    case TD_CX_FIELD:
    case TD_CX_DEFINE: {
        int k = w->depth - 1 - (int)c->up;
        field(w, k >= 0 ? record_of(w->scopes[k]) : NULL, c->slot,
              c->op == TD_CX_DEFINE ? c->def : NULL);
        return;
    }
    case TD_CX_GET:
    case TD_CX_GETDEF:
        field(w, record_of(c->a->type), c->slot, c->op == TD_CX_GETDEF ? c->def : NULL);
        puts_(w, TR(w->lang, " of "));
        expr(w, c->a, true);
        return;
    case TD_CX_ASOF: puts_(w, TR(w->lang, "the as-of date")); return;
    case TD_CX_IT: puts_(w, TR(w->lang, "the item")); return;
    case TD_CX_AND:
    case TD_CX_OR: {
        /* parentheses only where and and or mix */
        bool paren = nested && c->a && c->b;
        const td_cexpr *parts[2] = {c->a, c->b};
        if (paren)
            puts_(w, "(");
        for (int i = 0; i < 2; i++) {
            if (i)
                puts_(w, c->op == TD_CX_AND ? TR(w->lang, " and ") : TR(w->lang, " or "));
            expr(w, parts[i], parts[i]->op != c->op);
        }
        if (paren)
            puts_(w, ")");
        return;
    }
    case TD_CX_NOT:
        if (c->a->op == TD_CX_EMPTY)
            phrase(w, N_("%s is filled in"), c->a->a, NULL);
        else if (c->a->op == TD_CX_PRESENT)
            phrase(w, N_("%s is not written"), c->a->a, NULL);
        else
            phrase(w, N_("not (%s)"), c->a, NULL);
        return;
    case TD_CX_PRESENT: phrase(w, N_("%s is written"), c->a, NULL); return;
    case TD_CX_EMPTY: phrase(w, N_("%s is empty"), c->a, NULL); return;
    case TD_CX_LENGTH: phrase(w, N_("the number of items of %s"), c->a, NULL); return;
    case TD_CX_MONTH_OF: phrase(w, N_("the month of %s"), c->a, NULL); return;
    case TD_CX_YEAR_OF: phrase(w, N_("the year of %s"), c->a, NULL); return;
    case TD_CX_CMP: compare(w, c); return;
    case TD_CX_IN:
        phrase(w, c->negate ? N_("%s is none of %s") : N_("%s is one of %s"), c->a, c->b);
        return;
    case TD_CX_COUNT:
        if (c->b)
            over_list(w, N_("the number of items of %s such that %s"), c->a, c->b);
        else
            phrase(w, N_("the number of items of %s"), c->a, NULL);
        return;
    case TD_CX_QUANT: {
        td_quant q = c->sub.quant;
        over_list(w, q == TD_Q_ALL   ? N_("every item of %s has: %s")
                     : q == TD_Q_ANY ? N_("some item of %s has: %s")
                                     : N_("no item of %s has: %s"),
                  c->a, c->b);
        return;
    }
    case TD_CX_FOUND: phrase(w, N_("%s and %s name an entity found in the batch"), c->a, c->b); return;
    case TD_CX_IF:
        puts_(w, TR(w->lang, "if "));
        expr(w, c->a, true);
        puts_(w, TR(w->lang, " then "));
        expr(w, c->b, true);
        puts_(w, TR(w->lang, ", otherwise "));
        expr(w, c->c, true);
        return;
    default: source(w, c); return;
    }
}

char *td_plain_criterion(const td_program *p, const char *id, td_lang lang)
{
    const td_criterion *cr = NULL;
    for (uint32_t i = 0; p && i < p->n_criteria && !cr; i++)
        if (strcmp(p->criteria[i].id, id) == 0)
            cr = &p->criteria[i];
    if (!cr || !cr->n_variants)
        return NULL;
    plain w = {.p = p, .lang = lang};
    w.buf = malloc(MAX_TEXT);
    if (!w.buf)
        return NULL;
    w.buf[0] = '\0';
    const td_variant *v = &cr->variants[0];
    /* the entity checked: the record at the end of the `on` path */
    const td_record *rec = v->path.recs ? v->path.recs[v->path.n] : NULL;
    td_type ent = {.kind = TD_T_RECORD, .rec = rec};
    w.scopes[w.depth++] = &ent;
    if (v->where) {
        puts_(&w, TR(lang, "where "));
        expr(&w, v->where, false);
        puts_(&w, TR(lang, ": "));
    }
    puts_(&w, TR(lang, "requires that "));
    expr(&w, v->require, false);
    if (w.cut)
        puts_(&w, "...");
    return w.buf;
}
