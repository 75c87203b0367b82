/* libFuzzer harness for the rule-language parser: the input is one rule file.
 * Pipeline: rule file bytes -> parse (td_parse_source, td_parse_expr_at) -> AST; no resolve. */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "ast.h"
#include "diag.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Rendering the diagnostics exercises the caret and UTF-8 column code; the text goes nowhere. */
static FILE *sink;

static void render(td_diag *d)
{
    if (!sink) {
        sink = fopen("/dev/null", "w");
        if (!sink)
            return;
    }
    td_diag_sort(d);
    for (size_t i = 0; i < d->n; i++)
        td_diag_render(&d->items[i], sink, i % 2 == 1);
}

/* Walks an expression so that a dangling or half-built node shows under ASan. */
static size_t walk_expr(const td_expr *e, int depth)
{
    if (!e || depth > 10000)
        return 0;
    size_t n = 1 + (e->str ? strlen(e->str) : 0) + (e->name ? strlen(e->name) : 0) +
               (e->binder ? strlen(e->binder) : 0);
    n += walk_expr(e->a, depth + 1) + walk_expr(e->b, depth + 1) + walk_expr(e->c, depth + 1);
    for (uint32_t i = 0; i < e->nargs; i++)
        n += walk_expr(e->args[i], depth + 1);
    return n;
}

static size_t walk_dotted(const td_dotted *p)
{
    size_t n = p->text ? strlen(p->text) : 0;
    for (uint32_t i = 0; i < p->n; i++) {
        n += p->parts[i] ? strlen(p->parts[i]) : 0;
        if (p->filters)
            n += walk_expr(p->filters[i], 0);
    }
    return n;
}

static size_t walk_decl(const td_decl *d)
{
    size_t n = walk_expr(d->issued, 0) + walk_expr(d->period_from, 0) +
               walk_expr(d->period_to, 0) + walk_expr(d->value, 0) + walk_expr(d->where, 0) +
               walk_expr(d->due, 0) + walk_expr(d->require, 0) + walk_expr(d->sum_of, 0) +
               walk_expr(d->by, 0) + walk_expr(d->at_least, 0);
    n += walk_dotted(&d->id);
    for (uint32_t i = 0; i < d->n_on; i++)
        n += walk_dotted(&d->on[i]);
    for (uint32_t i = 0; i < d->n_lets; i++)
        n += walk_expr(d->lets[i].value, 0);
    for (uint32_t i = 0; i < d->n_stages; i++)
        n += walk_expr(d->stages[i].value, 0);
    for (uint32_t i = 0; i < d->n_starts; i++)
        n += walk_expr(d->starts[i], 0);
    for (uint32_t i = 0; i < d->n_transitions; i++)
        n += walk_expr(d->transitions[i].from, 0) + walk_expr(d->transitions[i].to, 0);
    for (uint32_t i = 0; i < d->n_guards; i++)
        n += walk_expr(d->guards[i].stage, 0) + walk_expr(d->guards[i].require, 0);
    for (uint32_t i = 0; i < d->n_fields; i++) {
        const td_ast_type *t = d->fields[i].type;
        while (t) {
            n += t->name ? strlen(t->name) : 1;
            t = t->is_list ? t->elem : NULL;
        }
    }
    for (uint32_t i = 0; i < d->n_items; i++)
        n += d->items[i].name ? strlen(d->items[i].name) : 0;
    for (uint32_t i = 0; i < d->n_implements; i++)
        n += d->implements[i].text ? strlen(d->implements[i].text) : 0;
    return n;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    td_source *src = td_source_new("fuzz.rules", (const char *)data, size);
    if (!src)
        return 0;
    td_arena a;
    td_arena_init(&a, 0);
    td_diag d;
    td_diag_init(&d);

    /* the whole input as a rule file */
    td_ast *ast = NULL;
    if (td_parse_source(&a, src, 0, &d, &ast) == TD_OK && ast) {
        volatile size_t n = 0;
        for (uint32_t i = 0; i < ast->n_decls; i++)
            n += walk_decl(ast->decls[i]);
        for (uint32_t i = 0; i < ast->n_comments; i++)
            n += ast->comments[i].len;
        (void)n;
    }

    /* the whole input as one expression, as resolve parses {...} in a message */
    if (src->len <= UINT32_MAX)
        walk_expr(td_parse_expr_at(&a, src, 0, 0, (uint32_t)src->len, &d), 0);

    /* each {...} slice, the way resolve cuts a message (at most 64 of them) */
    unsigned slices = 0;
    for (size_t i = 0; i < src->len && slices < 64; i++) {
        if (src->text[i] != '{')
            continue;
        size_t j = i + 1;
        while (j < src->len && src->text[j] != '}' && src->text[j] != '{')
            j++;
        if (j >= src->len || src->text[j] == '{')
            continue;
        walk_expr(td_parse_expr_at(&a, src, 0, (uint32_t)(i + 1), (uint32_t)(j - i - 1), &d), 0);
        slices++;
        i = j;
    }

    render(&d);
    td_diag_free(&d);
    td_arena_free(&a);
    td_source_free(src);
    return 0;
}
