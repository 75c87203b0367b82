/* Rule tests, the unit side: paths into a generic YAML tree (plan.number, steps[-1]), the
 * edits a case makes to a unit document, and the matching of expected and actual findings.
 * Pipeline: test file -> td_ynode, edited here -> td_type_document -> eval -> matched here. */
#include "ruletest.h"

#include "i18n.h"

#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

/* ---------- paths ---------- */

static void path_error(char *err, size_t size, td_lang lang, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* Writes the reason an edit or a path fails into err, in `lang` (xgettext reads
 * path_error:4). Out of memory leaves err empty: the callers tell it apart so. */
static void path_error(char *err, size_t size, td_lang lang, const char *fmt, ...)
{
    if (!err || !size)
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, size, td_gettext(lang, fmt), ap);
    va_end(ap);
}

static void out_of_memory(char *err, size_t size)
{
    if (err && size)
        err[0] = '\0';
}

bool td_rt_parse_index(const char *s, size_t len, int64_t *out)
{
    size_t i = 0;
    bool neg = false;
    if (len && s[0] == '-') {
        neg = true;
        i = 1;
    }
    if (i == len || len - i > 9)
        return false;
    int64_t v = 0;
    for (; i < len; i++) {
        if (s[i] < '0' || s[i] > '9')
            return false;
        v = v * 10 + (s[i] - '0');
    }
    *out = neg ? -v : v;
    return true;
}

bool td_rt_path_parse(td_arena *a, td_lang lang, const char *text, td_rt_path *out, char *err,
                      size_t err_size)
{
    memset(out, 0, sizeof *out);
    uint32_t cap = 1;
    for (const char *c = text; *c; c++)
        cap += *c == '.' || *c == '[';
    out->segs = td_arena_alloc(a, cap * sizeof *out->segs);
    out->text = td_arena_strdup(a, text);
    if (!out->segs || !out->text) {
        out_of_memory(err, err_size);
        return false;
    }
    if (!*text) {
        path_error(err, err_size, lang, "the path is empty; write a path such as plan.number or "
                                        "exemplars[0].steps[1]");
        return false;
    }
    const char *s = text;
    for (;;) {
        td_rt_seg *seg = &out->segs[out->n];
        if (*s == '[') {
            const char *close = strchr(s, ']');
            if (!close) {
                path_error(err, err_size, lang, "'[' is not closed by ']' in '%s'", text);
                return false;
            }
            if (!td_rt_parse_index(s + 1, (size_t)(close - s - 1), &seg->index)) {
                path_error(err, err_size, lang,
                           "'%.*s' in '%s' is not an index: write a whole number, [0] for the "
                           "first item, [-1] for the last", (int)(close - s + 1), s, text);
                return false;
            }
            if (out->n == 0) {
                path_error(err, err_size, lang,
                           "'%s' starts with an index, but a unit document is a mapping: "
                           "start with a key such as exemplars", text);
                return false;
            }
            seg->kind = TD_RT_INDEX;
            s = close + 1;
        } else {
            size_t len = strcspn(s, ".[]");
            if (len == 0) {
                if (*s == ']')
                    path_error(err, err_size, lang,
                               "a name is missing in '%s': a ']' comes without its '['", text);
                else
                    path_error(err, err_size, lang, "a name is missing in '%s'", text);
                return false;
            }
            seg->key = td_arena_strndup(a, s, len);
            if (!seg->key) {
                out_of_memory(err, err_size);
                return false;
            }
            seg->kind = td_rt_parse_index(s, len, &seg->index) ? TD_RT_KEY_OR_INDEX : TD_RT_KEY;
            s += len;
        }
        out->n++;
        if (*s == '\0')
            return true;
        if (*s == '.') {
            s++;
            if (*s == '\0' || *s == '.' || *s == '[') {
                path_error(err, err_size, lang, "a name is missing after '.' in '%s'", text);
                return false;
            }
        } else if (*s != '[') {
            path_error(err, err_size, lang,
                       "'%s': after ']' comes '.', '[' or the end of the path", text);
            return false;
        }
    }
}

/* The path up to and including segment i, as written: "exemplars[0].steps". */
static const char *prefix(const td_rt_path *p, uint32_t i, char *buf, size_t size)
{
    size_t len = 0;
    buf[0] = '\0';
    for (uint32_t k = 0; k <= i && k < p->n && len + 1 < size; k++) {
        const td_rt_seg *s = &p->segs[k];
        int n = s->kind == TD_RT_INDEX
                    ? snprintf(buf + len, size - len, "[%lld]", (long long)s->index)
                    : snprintf(buf + len, size - len, "%s%s", k ? "." : "", s->key);
        if (n < 0)
            break;
        len += (size_t)n;
        if (len >= size)
            len = size - 1;
    }
    return buf;
}

/* ---------- edits (path copying) ---------- */

typedef enum edit_op { OP_SET, OP_APPEND, OP_REMOVE } edit_op;

typedef struct edit {
    td_arena *a;
    td_lang lang;           /* of the reason in err */
    const td_rt_path *p;
    edit_op op;
    td_ynode *value;
    const td_ynode *at;
    char *err;
    size_t size;
    bool oom;
} edit;

static td_ynode *clone(edit *e, const td_ynode *n)
{
    td_ynode *c = td_arena_alloc(e->a, sizeof *c);
    if (!c) {
        e->oom = true;
        return NULL;
    }
    *c = *n;
    if (n->kind == TD_Y_MAP) {
        c->pairs = td_arena_alloc(e->a, ((size_t)n->n + 1) * sizeof *c->pairs);
        if (!c->pairs) {
            e->oom = true;
            return NULL;
        }
        if (n->n)
            memcpy(c->pairs, n->pairs, n->n * sizeof *c->pairs);
    } else if (n->kind == TD_Y_SEQ) {
        c->items = td_arena_alloc(e->a, ((size_t)n->n + 1) * sizeof *c->items);
        if (!c->items) {
            e->oom = true;
            return NULL;
        }
        if (n->n)
            memcpy(c->items, n->items, n->n * sizeof *c->items);
    }
    return c;
}

static td_ynode *fresh(edit *e, td_ykind kind)
{
    td_ynode *n = td_arena_alloc(e->a, sizeof *n);
    if (!n) {
        e->oom = true;
        return NULL;
    }
    n->kind = kind;
    n->line = e->at ? e->at->line : 1;
    n->col = e->at ? e->at->col : 1;
    n->width = 1;
    if (kind == TD_Y_MAP)
        n->pairs = td_arena_alloc(e->a, sizeof *n->pairs); /* room for one pair */
    else if (kind == TD_Y_SEQ)
        n->items = td_arena_alloc(e->a, sizeof *n->items);
    if ((kind == TD_Y_MAP && !n->pairs) || (kind == TD_Y_SEQ && !n->items)) {
        e->oom = true;
        return NULL;
    }
    return n;
}

static td_ynode *new_key(edit *e, const char *key)
{
    td_ynode *k = fresh(e, TD_Y_SCALAR);
    if (!k)
        return NULL;
    k->plain = true;
    k->text = td_arena_strdup(e->a, key);
    k->len = (uint32_t)strlen(key);
    k->width = e->at ? e->at->width : 1;
    if (!k->text) {
        e->oom = true;
        return NULL;
    }
    return k;
}

int td_rt_find_key(const td_ynode *map, const char *key)
{
    for (uint32_t i = 0; i < map->n; i++) {
        const td_ynode *k = map->pairs[i].key;
        if (k && k->kind == TD_Y_SCALAR && strcmp(k->text, key) == 0)
            return (int)i;
    }
    return -1;
}

const char *td_rt_kind_word(const td_ynode *n)
{
    if (!n || n->kind == TD_Y_NULL)
        return N_("empty (null)");
    return n->kind == TD_Y_MAP   ? N_("a mapping")
           : n->kind == TD_Y_SEQ ? N_("a list")
                                 : N_("a single value");
}

/* The kind of node n in the language of the edit. */
static const char *kind(const edit *e, const td_ynode *n)
{
    return td_gettext(e->lang, td_rt_kind_word(n));
}

static void no_key(edit *e, const td_ynode *map, uint32_t i)
{
    char b[256];
    const char *names[256];
    size_t n = 0;
    for (uint32_t k = 0; k < map->n && n < 256; k++)
        if (map->pairs[k].key && map->pairs[k].key->kind == TD_Y_SCALAR)
            names[n++] = map->pairs[k].key->text;
    const char *sug = td_suggest(e->p->segs[i].key, names, n);
    if (sug)
        path_error(e->err, e->size, e->lang, "there is no %s in the unit (did you mean '%s'?)",
                   prefix(e->p, i, b, sizeof b), sug);
    else
        path_error(e->err, e->size, e->lang, "there is no %s in the unit",
                   prefix(e->p, i, b, sizeof b));
}

/* Adds `item` at the end of the list `list` (absent or null: a new list). */
static td_ynode *appended(edit *e, const td_ynode *list, uint32_t i)
{
    char b[256];
    td_ynode *c;
    if (!list || list->kind == TD_Y_NULL) {
        c = fresh(e, TD_Y_SEQ);
    } else if (list->kind != TD_Y_SEQ) {
        path_error(e->err, e->size, e->lang, "%s is %s, not a list: append needs a list",
                   prefix(e->p, i, b, sizeof b), kind(e, list));
        return NULL;
    } else {
        c = clone(e, list);
    }
    if (!c)
        return NULL;
    c->items[c->n++] = e->value;
    return c;
}

/* Applies the edit from segment i down, into the node at *slot (NULL: absent). On success
 * *slot holds the edited copy; on failure *slot is untouched. */
static bool apply(edit *e, td_ynode **slot, uint32_t i)
{
    char b[256];
    const td_ynode *n = *slot;
    const td_rt_seg *s = &e->p->segs[i];
    bool last = i + 1 == e->p->n;
    bool on_list = n && n->kind == TD_Y_SEQ && s->kind != TD_RT_KEY;
    if (on_list) {
        int64_t idx = s->index < 0 ? (int64_t)n->n + s->index : s->index;
        if (idx < 0 || idx >= (int64_t)n->n) {
            char b2[256];
            if (i)
                path_error(e->err, e->size, e->lang,
                           TRN(e->lang, "%s has %u item: there is no %s",
                               "%s has %u items: there is no %s", n->n),
                           prefix(e->p, i - 1, b, sizeof b), n->n,
                           prefix(e->p, i, b2, sizeof b2));
            else
                path_error(e->err, e->size, e->lang,
                           TRN(e->lang, "the unit is a list of %u item: there is no %s",
                               "the unit is a list of %u items: there is no %s", n->n),
                           n->n, prefix(e->p, i, b2, sizeof b2));
            return false;
        }
        td_ynode *c = clone(e, n);
        if (!c)
            return false;
        uint32_t k = (uint32_t)idx;
        if (!last) {
            if (!apply(e, &c->items[k], i + 1))
                return false;
        } else if (e->op == OP_SET) {
            c->items[k] = e->value;
        } else if (e->op == OP_REMOVE) {
            memmove(&c->items[k], &c->items[k + 1], (c->n - k - 1) * sizeof *c->items);
            c->n--;
        } else {
            td_ynode *l = appended(e, c->items[k], i);
            if (!l)
                return false;
            c->items[k] = l;
        }
        *slot = c;
        return true;
    }
    if (s->kind == TD_RT_INDEX) {
        path_error(e->err, e->size, e->lang, "%s is %s, not a list: [%lld] needs a list",
                   prefix(e->p, i - 1, b, sizeof b), kind(e, n), (long long)s->index);
        return false;
    }
    /* a mapping key */
    if (n && n->kind != TD_Y_MAP && n->kind != TD_Y_NULL) {
        if (i == 0)
            path_error(e->err, e->size, e->lang, "the unit is %s, not a mapping", kind(e, n));
        else
            path_error(e->err, e->size, e->lang, "%s is %s, not a mapping, so it has no key '%s'",
                       prefix(e->p, i - 1, b, sizeof b), kind(e, n), s->key);
        return false;
    }
    int k = n && n->kind == TD_Y_MAP ? td_rt_find_key(n, s->key) : -1;
    if (k < 0 && e->op == OP_REMOVE) {
        if (n && n->kind == TD_Y_MAP)
            no_key(e, n, i);
        else
            path_error(e->err, e->size, e->lang, "there is no %s in the unit",
                       prefix(e->p, i, b, sizeof b));
        return false;
    }
    td_ynode *c = n && n->kind == TD_Y_MAP ? clone(e, n) : fresh(e, TD_Y_MAP);
    if (!c)
        return false;
    if (k < 0) {
        td_ynode *child = NULL;
        if (!last) {
            if (!apply(e, &child, i + 1))
                return false;
        } else if (e->op == OP_SET) {
            child = e->value;
        } else if (!(child = appended(e, NULL, i))) {
            return false;
        }
        td_ynode *key = new_key(e, s->key);
        if (!key)
            return false;
        c->pairs[c->n].key = key;
        c->pairs[c->n].value = child;
        c->n++;
    } else if (!last) {
        if (!apply(e, &c->pairs[k].value, i + 1))
            return false;
    } else if (e->op == OP_SET) {
        c->pairs[k].value = e->value;
    } else if (e->op == OP_REMOVE) {
        memmove(&c->pairs[k], &c->pairs[k + 1], (c->n - (uint32_t)k - 1) * sizeof *c->pairs);
        c->n--;
    } else {
        td_ynode *l = appended(e, c->pairs[k].value, i);
        if (!l)
            return false;
        c->pairs[k].value = l;
    }
    *slot = c;
    return true;
}

static bool run_edit(edit *e, td_ynode **root)
{
    td_ynode *r = *root;
    if (e->err && e->size)
        e->err[0] = '\0';
    if (!apply(e, &r, 0)) {
        if (e->oom)
            out_of_memory(e->err, e->size);
        return false;
    }
    *root = r;
    return true;
}

bool td_rt_set(td_arena *a, td_lang lang, td_ynode **root, const td_rt_path *p,
               td_ynode *value, const td_ynode *at, char *err, size_t err_size)
{
    edit e = {a, lang, p, OP_SET, value, at, err, err_size, false};
    return run_edit(&e, root);
}

bool td_rt_append(td_arena *a, td_lang lang, td_ynode **root, const td_rt_path *p,
                  td_ynode *item, const td_ynode *at, char *err, size_t err_size)
{
    edit e = {a, lang, p, OP_APPEND, item, at, err, err_size, false};
    return run_edit(&e, root);
}

bool td_rt_remove(td_arena *a, td_lang lang, td_ynode **root, const td_rt_path *p, char *err,
                  size_t err_size)
{
    edit e = {a, lang, p, OP_REMOVE, NULL, NULL, err, err_size, false};
    return run_edit(&e, root);
}

/* ---------- matching ---------- */

int td_rt_severity_of(const td_diagnostic *f)
{
    return f->waived == TD_WAIVER_COVERS ? TD_RT_SEV_WAIVED : (int)f->sev;
}

const char *td_rt_severity_word(int sev)
{
    return sev == TD_RT_SEV_WAIVED ? N_("waived") : td_severity_name((td_severity)sev);
}

bool td_rt_expect_matches(const td_rt_expect *e, const td_diagnostic *f)
{
    if (!f->rule || strcmp(e->rule, f->rule) != 0)
        return false;
    if (e->severity >= 0 && td_rt_severity_of(f) != e->severity)
        return false;
    if (e->line && f->line != e->line)
        return false;
    if (e->path && strcmp(e->path, f->path ? f->path : "") != 0)
        return false;
    if (e->message && (!f->message || !strstr(f->message, e->message)))
        return false;
    return true;
}

typedef struct matcher {
    const td_rt_expect *exp;
    const td_diagnostic *act;
    size_t n_act;
    int *exp_to, *act_to;
    bool *visited;
} matcher;

/* Kuhn's augmenting path from expectation i. Depth is bounded by the expectations. */
static bool augment(matcher *m, size_t i)
{
    for (size_t j = 0; j < m->n_act; j++) {
        if (m->visited[j] || !td_rt_expect_matches(&m->exp[i], &m->act[j]))
            continue;
        m->visited[j] = true;
        if (m->act_to[j] < 0 || augment(m, (size_t)m->act_to[j])) {
            m->act_to[j] = (int)i;
            m->exp_to[i] = (int)j;
            return true;
        }
    }
    return false;
}

bool td_rt_match(const td_rt_expect *exp, size_t n_exp, const td_diagnostic *act,
                 size_t n_act, int *exp_to, int *act_to)
{
    for (size_t i = 0; i < n_exp; i++)
        exp_to[i] = -1;
    for (size_t j = 0; j < n_act; j++)
        act_to[j] = -1;
    bool *visited = calloc(n_act + 1, sizeof *visited);
    matcher m = {exp, act, n_act, exp_to, act_to, visited};
    size_t paired = 0;
    for (size_t i = 0; i < n_exp; i++) {
        if (visited) {
            memset(visited, 0, n_act * sizeof *visited);
            paired += augment(&m, i);
            continue;
        }
        /* out of memory: pair greedily, which is only less clever */
        for (size_t j = 0; j < n_act; j++) {
            if (act_to[j] < 0 && td_rt_expect_matches(&exp[i], &act[j])) {
                act_to[j] = (int)i;
                exp_to[i] = (int)j;
                paired++;
                break;
            }
        }
    }
    free(visited);
    return paired == n_exp && paired == n_act;
}
