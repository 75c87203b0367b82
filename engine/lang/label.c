/* Labels that insert params, so that `set` and `-D` change what every report prints, and
 * the value of a dated param at an as-of date. Pipeline: resolve -> label.c -> td_program;
 * eval and the reports call td_label_at with their as-of date. */
#include "label.h"

#include "braces.h"

#include <limits.h>
#include <stdio.h>
#include <string.h>

/* The most params one label inserts. */
#define MAX_PIECES 32

const td_value *td_param_at(const td_param *prm, int32_t as_of, int32_t *from, int32_t *until)
{
    uint32_t k = 0;
    if (prm->n_values)
        while (k + 1 < prm->n_values && prm->from[k + 1] <= as_of)
            k++;
    if (from)
        *from = prm->n_values && k ? prm->from[k] : INT32_MIN;
    if (until)
        *until = prm->n_values && k + 1 < prm->n_values ? prm->from[k + 1] - 1 : INT32_MAX;
    return prm->n_values ? &prm->values[k] : &prm->value;
}

static const td_param *param_named(const td_program *p, const char *name, uint32_t *index)
{
    for (uint32_t i = 0; i < p->n_params; i++)
        if (strcmp(p->params[i].name, name) == 0) {
            *index = i;
            return &p->params[i];
        }
    return NULL;
}

/* Appends to a fixed buffer, never past `size` (NUL included) nor inside a character. */
static void put(char *buf, size_t size, size_t *len, const char *s, size_t n)
{
    if (*len + 1 >= size)
        return;
    if (*len + n + 1 > size) {
        n = size - 1 - *len;
        while (n > 0 && ((unsigned char)s[n] & 0xC0) == 0x80)
            n--;
    }
    memcpy(buf + *len, s, n);
    *len += n;
    buf[*len] = '\0';
}

/* A param's value as a label shows it, into tmp (or the text of the value itself). */
static const char *show(const td_value *v, unsigned width, char *tmp, size_t size,
                        td_arena *a)
{
    if (v->kind == TD_V_INT && width) {
        snprintf(tmp, size, "%0*lld", (int)width, (long long)v->u.i);
        return tmp;
    }
    const char *s = td_value_format(v, a);
    return s ? s : "";
}

static void render(const td_program *p, const td_label *l, int32_t as_of, char *buf,
                   size_t size, td_arena *scratch)
{
    size_t len = 0;
    buf[0] = '\0';
    for (uint32_t i = 0; i <= l->n; i++) {
        put(buf, size, &len, l->pieces[i], strlen(l->pieces[i]));
        if (i == l->n)
            break;
        char tmp[48];
        const td_value *v = td_param_at(&p->params[l->params[i]], as_of, NULL, NULL);
        if (v->kind == TD_V_TEXT) {
            put(buf, size, &len, v->u.text.s, v->u.text.len);
            continue;
        }
        const char *s = show(v, l->width[i], tmp, sizeof tmp, scratch);
        put(buf, size, &len, s, strlen(s));
    }
}

const char *td_label_at(const td_program *p, const char *s, int32_t as_of, char *buf,
                        size_t size)
{
    if (!s || !p->n_labels || size == 0)
        return s;
    for (uint32_t i = 0; i < p->n_labels; i++) {
        if (p->labels[i].text != s)
            continue;
        /* the values of a label are numbers, dates, months and texts of the rules: a
         * small arena on the stack's side holds their formatting */
        td_arena scratch;
        td_arena_init(&scratch, 512);
        render(p, &p->labels[i], as_of, buf, size, &scratch);
        td_arena_free(&scratch);
        return buf;
    }
    return s;
}

/* An error about a brace of a label, at bytes [off, off + len) of the source. */
static td_diagnostic *brace_error(td_program *p, td_diag *d, const td_str *s, uint32_t off,
                                  uint32_t len, const char *rule, const char *cite)
{
    const td_source *src = s->span.src < p->n_sources ? p->sources[s->span.src] : NULL;
    td_diagnostic *e = td_diag_at(d, TD_SEV_ERROR, TD_CODE_LABEL_PARAM, src, off, len, "%s", "");
    if (e && rule) {
        td_diag_set(d, &e->rule, "%s", rule);
        if (cite)
            td_diag_set(d, &e->cite, "%s", cite);
    }
    return e;
}

const char *td_label_compile(td_program *p, td_diag *d, const td_str *s, const char *rule,
                             const char *cite)
{
    td_arena *a = &p->arena;
    if (!s->text)
        return NULL;
    const td_source *src = s->span.src < p->n_sources ? p->sources[s->span.src] : NULL;
    /* the braces are read from the source, where \{ is still told from { */
    if (!strchr(s->text, '{') || !src || s->span.len < 2 ||
        (size_t)s->span.off + s->span.len > src->len || src->text[s->span.off] != '"')
        return td_arena_strdup(a, s->text);
    const char *raw = src->text + s->span.off + 1;
    size_t n = s->span.len - 2;
    char *buf = td_arena_alloc(a, n + 1);
    const char *pieces[MAX_PIECES + 1];
    uint32_t params[MAX_PIECES];
    uint8_t width[MAX_PIECES];
    uint32_t np = 0;
    bool dated = false, ok = true;
    if (!buf)
        return NULL;
    td_braces br;
    td_braces_init(&br, raw, n, buf);
    size_t i = 0, j = 0;
    td_braces_step step;
    while ((step = td_braces_next(&br, &i, &j)) == TD_BRACES_HOLE) {
        uint32_t at = s->span.off + 1 + (uint32_t)i;
        /* {name} or {name:0N} */
        size_t b = i + 1, e_ = j;
        while (b < e_ && (raw[b] == ' ' || raw[b] == '\t'))
            b++;
        while (e_ > b && (raw[e_ - 1] == ' ' || raw[e_ - 1] == '\t'))
            e_--;
        size_t colon = b;
        while (colon < e_ && raw[colon] != ':')
            colon++;
        char name[128];
        size_t nl = colon - b;
        while (nl > 0 && (raw[b + nl - 1] == ' ' || raw[b + nl - 1] == '\t'))
            nl--;
        /* after ':', a 0 and the digits a whole number is padded to: {x:02} */
        unsigned w = 0;
        bool fmt_ok = colon == e_;
        if (colon < e_ && colon + 2 < e_ + 1 && raw[colon + 1] == '0' && colon + 2 < e_) {
            fmt_ok = true;
            for (size_t k = colon + 2; k < e_ && fmt_ok; k++) {
                fmt_ok = raw[k] >= '0' && raw[k] <= '9' && w < 10;
                w = w * 10 + (unsigned)(raw[k] - '0');
            }
            fmt_ok = fmt_ok && w >= 1 && w <= 20;
        }
        if (nl >= sizeof name)
            nl = sizeof name - 1;
        memcpy(name, raw + b, nl);
        name[nl] = '\0';
        uint32_t index = 0;
        const td_param *prm = nl ? param_named(p, name, &index) : NULL;
        if (!prm || !fmt_ok || np == MAX_PIECES) {
            td_diagnostic *x = brace_error(p, d, s, at, (uint32_t)(j - i + 1), rule, cite);
            if (x && !prm) {
                td_diag_set(d, &x->message, N_("'{%s}' in a label names no param: a label is "
                            "the same for every unit, and inserts only params"), name);
                const char *names[512];
                size_t k = 0;
                for (uint32_t q = 0; q < p->n_params && k < 512; q++)
                    names[k++] = p->params[q].name;
                const char *sug = nl ? td_suggest(name, names, k) : NULL;
                if (sug)
                    td_diag_set(d, &x->hint, N_("did you mean '%s'?"), sug);
                else
                    td_diag_set(d, &x->hint, N_("declare it with `param`, write a value of "
                                "the unit in `message` instead, or \\{ for a brace"));
            } else if (x && !fmt_ok) {
                td_diag_set(d, &x->message, N_("'{%s}': after ':' a label takes the digits a "
                            "whole number is written with, such as {%s:02}"), name, name);
            } else if (x) {
                td_diag_set(d, &x->message, N_("a label inserts at most %d params"), MAX_PIECES);
            }
            ok = false;
            continue;
        }
        if (w && prm->type->kind != TD_T_INT) {
            td_diagnostic *x = brace_error(p, d, s, at, (uint32_t)(j - i + 1), rule, cite);
            if (x)
                td_diag_set(d, &x->message, N_("'{%s:0%u}': %s is not a whole number, so it "
                            "has no digits to pad"), name, w, name);
            ok = false;
            continue;
        }
        p->params[index].used = true;
        pieces[np] = td_arena_strndup(a, buf, br.len);
        params[np] = index;
        width[np++] = (uint8_t)w;
        dated |= prm->n_values > 0;
    }
    if (step == TD_BRACES_UNCLOSED) {
        td_diagnostic *e = brace_error(p, d, s, s->span.off + 1 + (uint32_t)i, 1, rule, cite);
        if (e) {
            td_diag_set(d, &e->message, N_("'{' in a label is not closed by '}'"));
            td_diag_set(d, &e->hint, N_("write {PARAM} to insert a param, or \\{ for a "
                                        "brace"));
        }
        ok = false;
    }
    if (!ok)
        return td_arena_strdup(a, s->text);
    pieces[np] = td_arena_strndup(a, buf, br.len);
    td_label l = {0};
    l.n = np;
    l.pieces = td_arena_alloc(a, (np + 1) * sizeof *l.pieces);
    l.params = td_arena_alloc(a, (np + 1) * sizeof *l.params);
    l.width = td_arena_alloc(a, np + 1);
    if (!l.pieces || !l.params || !l.width)
        return NULL;
    memcpy((void *)l.pieces, pieces, (np + 1) * sizeof *pieces);
    memcpy((void *)l.params, params, np * sizeof *params);
    memcpy((void *)l.width, width, np);
    /* the text the program holds: the values in force last */
    char out[4096];
    render(p, &l, INT32_MAX, out, sizeof out, a);
    l.text = td_arena_strdup(a, out);
    if (!l.text || !dated)
        return l.text;
    td_label *grown = td_arena_alloc(a, (p->n_labels + 1) * sizeof *grown);
    if (!grown)
        return NULL;
    if (p->n_labels)
        memcpy(grown, p->labels, p->n_labels * sizeof *grown);
    grown[p->n_labels++] = l;
    p->labels = grown;
    return l.text;
}
