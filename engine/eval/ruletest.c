/* Rule tests: YAML test files (*.test.yaml) whose cases edit a unit document, evaluate it
 * against the rules, and compare its findings with the findings the case expects.
 * Pipeline: test file -> td_ynode, edited (ruletest_edit.c) -> td_type_document -> td_eval_document
 * -> matched; this file is the runner. */
#include "ruletest.h"
#include "waiver.h"
#include "xref.h"

#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "eval.h"
#include "i18n.h"
#include "walk.h"

/* ---------- file names ---------- */

/* Folds "a/b/../c" and "./" for display and for comparing paths (in place: the result
 * is never longer). */
static void normalize(char *path)
{
    size_t len = strlen(path);
    char *copy = malloc(len + 1);
    if (!copy)
        return; /* left as written: only display and comparison suffer */
    memcpy(copy, path, len + 1);
    bool abs = copy[0] == '/';
    char *out = path;
    if (abs)
        *out++ = '/';
    char *start = out;
    size_t kept = 0; /* parts written that are not ".." */
    for (char *part = copy + abs; part && *part;) {
        char *next = strchr(part, '/');
        if (next)
            *next++ = '\0';
        if (*part == '\0' || strcmp(part, ".") == 0) {
            /* nothing */
        } else if (strcmp(part, "..") == 0 && kept > 0) {
            out--; /* the '/' written after the last part */
            while (out > start && out[-1] != '/')
                out--;
            kept--;
        } else {
            size_t pl = strlen(part);
            memcpy(out, part, pl);
            out += pl;
            *out++ = '/';
            if (strcmp(part, "..") != 0)
                kept++;
        }
        part = next;
    }
    if (out > start)
        out--; /* the last '/' */
    else if (!abs)
        *out++ = '.';
    *out = '\0';
    free(copy);
}

/* `rel` relative to the directory of `file`, normalized; malloc'd. */
static char *beside(const char *file, const char *rel)
{
    size_t dl = 0;
    if (rel[0] != '/') {
        const char *slash = strrchr(file, '/');
        dl = slash ? (size_t)(slash - file) + 1 : 0;
    }
    char *out = malloc(dl + strlen(rel) + 2);
    if (!out)
        return NULL;
    memcpy(out, file, dl);
    strcpy(out + dl, rel);
    normalize(out);
    return out;
}

/* ---------- the runner ---------- */

typedef struct compiled {
    char *rules;            /* owned; NULL: the built-in rules */
    td_program *prog;       /* owned; NULL when they do not compile */
    td_rt_cov cov;          /* with coverage on */
} compiled;

struct td_ruletest {
    char *rules;            /* owned copy of the -r option, or NULL */
    td_lang lang;           /* of the lines printed; AUTO: the language of each file's rules */
    bool verbose;
    bool coverage;
    compiled *progs;
    size_t n_progs;
    size_t passed, failed;
};

td_status td_ruletest_new(const td_rt_options *o, td_ruletest **out)
{
    td_ruletest *t = calloc(1, sizeof *t);
    if (!t)
        return TD_ENOMEM;
    t->lang = o ? o->lang : TD_LANG_AUTO;
    t->verbose = o && o->verbose;
    t->coverage = o && o->coverage;
    if (o && o->rules && !(t->rules = strdup(o->rules))) {
        free(t);
        return TD_ENOMEM;
    }
    *out = t;
    return TD_OK;
}

void td_ruletest_free(td_ruletest *t)
{
    if (!t)
        return;
    for (size_t i = 0; i < t->n_progs; i++) {
        free(t->progs[i].rules);
        td_rt_cov_free(&t->progs[i].cov);
        td_program_free(t->progs[i].prog);
    }
    free(t->progs);
    free(t->rules);
    free(t);
}

/* The language of the lines printed about rule set `p` (NULL: not compiled). */
static td_lang lang_for(const td_ruletest *t, const td_program *p)
{
    td_lang lang = t->lang != TD_LANG_AUTO ? t->lang : p ? td_program_lang(p) : TD_LANG_AUTO;
    return lang != TD_LANG_AUTO ? lang : TD_LANG_EN;
}

void td_ruletest_coverage(const td_ruletest *t, FILE *out, size_t *missing)
{
    *missing = 0;
    for (size_t i = 0; i < t->n_progs; i++)
        if (t->progs[i].prog && t->progs[i].cov.fails)
            td_rt_cov_print(&t->progs[i].cov, t->progs[i].rules,
                            lang_for(t, t->progs[i].prog), out, missing);
}

void td_ruletest_counts(const td_ruletest *t, size_t *passed, size_t *failed)
{
    *passed = t->passed;
    *failed = t->failed;
}

/* One edit of a case, as written. */
typedef struct tedit {
    td_rt_path path;
    const td_ynode *at;     /* the path as written (the key, or the list item) */
    td_ynode *value;        /* SET, APPEND */
} tedit;

typedef struct tcase {
    const char *name;
    uint32_t line;          /* of the case's mapping */
    const td_ynode *base;   /* the case's `base`, or NULL */
    td_ynode *unit;         /* an inline unit, or NULL */
    tedit *sets, *appends, *removes;
    uint32_t n_sets, n_appends, n_removes;
    int32_t as_of;
    bool has_as_of;
    int32_t today;          /* the day the case is run on (Decision 10), or 0: none */
    td_rt_expect *exp;
    uint32_t n_exp;
} tcase;

typedef struct basefile {
    char *path;             /* owned, normalized */
    td_source *src;         /* owned; NULL when it cannot be used */
} basefile;

typedef struct tfile {
    td_ruletest *t;
    const char *path;
    td_source *src;         /* the test file */
    td_arena arena;         /* its tree and the parsed cases */
    td_arena unit;          /* one case's document; reset per case */
    td_diag *d;
    bool bad;               /* a problem was recorded */
    bool oom;
    const td_ynode *rules;  /* the file's `rules`, or NULL */
    const td_ynode *base;   /* the file's `base`, or NULL */
    int32_t as_of;
    bool has_as_of;
    bool as_of_written;     /* the file has `as_of` (maybe wrong: then already reported) */
    int32_t today;          /* the file's `today`, or 0 */
    tcase *cases;
    uint32_t n_cases;
    basefile *bases;
    uint32_t n_bases;
    const td_program *prog;
    td_rt_cov *cov;         /* the coverage of prog, or NULL when not asked for */
} tfile;

static td_diagnostic *problem(tfile *f, const td_ynode *at, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* What a YAML node is ("a mapping", "a list"...), in the language of the list. */
static const char *kind(const tfile *f, const td_ynode *n)
{
    return td_gettext(td_diag_lang(f->d), td_rt_kind_word(n));
}

static td_diagnostic *problem(tfile *f, const td_ynode *at, const char *fmt, ...)
{
    char msg[1024];
    va_list ap;
    va_start(ap, fmt);
    /* the format in the language of the list (xgettext reads problem:3) */
    vsnprintf(msg, sizeof msg, td_gettext(td_diag_lang(f->d), fmt), ap);
    va_end(ap);
    f->bad = true;
    if (at)
        return td_diag_at_lc(f->d, TD_SEV_ERROR, TD_CODE_TEST, f->src, at->line, at->col,
                             at->width ? at->width : 1, "%s", msg);
    /* about the whole file: its name, no line */
    td_diagnostic *x = td_diag_at(f->d, TD_SEV_ERROR, TD_CODE_TEST, NULL, 0, 0, "%s", msg);
    if (x)
        td_diag_set(f->d, &x->file, "%s", f->path);
    return x;
}

static void problem_hint(tfile *f, td_diagnostic *x, const char *fmt, const char *arg)
{
    if (x)
        td_diag_set(f->d, &x->hint, fmt, arg);
}

static const char *scalar(const td_ynode *n)
{
    return n && n->kind == TD_Y_SCALAR ? n->text : NULL;
}

/* Checks that every key of `map` is one of `known`; suggests the nearest. */
static void known_keys(tfile *f, const td_ynode *map, const char *const *known, size_t n,
                       const char *where)
{
    where = td_gettext(td_diag_lang(f->d), where);
    for (uint32_t i = 0; i < map->n; i++) {
        const td_ynode *k = map->pairs[i].key;
        const char *name = scalar(k);
        bool ok = false;
        for (size_t j = 0; name && j < n && !ok; j++)
            ok = strcmp(name, known[j]) == 0;
        if (ok)
            continue;
        td_diagnostic *x = problem(f, k, "unknown key '%s' in %s", name ? name : "?", where);
        const char *sug = name ? td_suggest(name, known, n) : NULL;
        if (sug)
            problem_hint(f, x, "did you mean '%s'?", sug);
        else if (x) {
            char list[256] = "";
            for (size_t j = 0; j < n; j++) {
                strncat(list, known[j], sizeof list - strlen(list) - 1);
                if (j + 1 < n)
                    strncat(list, ", ", sizeof list - strlen(list) - 1);
            }
            td_diag_set(f->d, &x->hint, N_("the keys of %s are: %s"), where, list);
        }
    }
}

static const td_ynode *get(const td_ynode *map, const char *key, const td_ynode **keynode)
{
    int k = map && map->kind == TD_Y_MAP ? td_rt_find_key(map, key) : -1;
    if (keynode)
        *keynode = k >= 0 ? map->pairs[k].key : NULL;
    return k >= 0 ? map->pairs[k].value : NULL;
}

static bool read_date(tfile *f, const td_ynode *n, int32_t *days)
{
    const char *s = scalar(n);
    if (!s) {
        problem(f, n, "as_of must be a date written YYYY-MM-DD, not %s", kind(f, n));
        return false;
    }
    if (!td_parse_date(s, n->len, days)) {
        char why[96];
        td_diagnostic *x = problem(f, n, "as_of '%s' is not a date: %s", s,
                                   td_date_problem(f->d->lang, s, n->len, why, sizeof why));
        problem_hint(f, x, "write the date as YYYY-MM-DD, e.g. as_of: 2025-12-31", NULL);
        return false;
    }
    return true;
}

static bool read_path(tfile *f, const td_ynode *n, const char *what, td_rt_path *out)
{
    const char *s = scalar(n);
    if (!s || !*s) {
        td_diagnostic *x = problem(f, n, "%s needs a path such as plan.number, not %s", what,
                                   s ? td_gettext(td_diag_lang(f->d), N_("an empty text")) : kind(f, n));
        problem_hint(f, x, "a path names mapping keys with '.' and list items with [N]: "
                                 "exemplars[0].steps[1].evidence", NULL);
        return false;
    }
    char err[512];
    if (!td_rt_path_parse(&f->arena, td_diag_lang(f->d), s, out, err, sizeof err)) {
        if (!err[0]) {
            f->oom = true;
            return false;
        }
        td_diagnostic *x = problem(f, n, "%s %s: %s", what, s, err);
        problem_hint(f, x, "a path names mapping keys with '.' and list items with [N]: "
                                 "exemplars[0].steps[1].evidence", NULL);
        return false;
    }
    return true;
}

/* `set:` and `append:`: a mapping from paths to values. */
static bool read_edits(tfile *f, const td_ynode *n, const char *what, tedit **out, uint32_t *count)
{
    if (!n || n->kind == TD_Y_NULL)
        return true;
    if (n->kind != TD_Y_MAP) {
        td_diagnostic *x = problem(f, n, "%s must be a mapping of paths to values, not %s", what,
                                   kind(f, n));
        problem_hint(f, x, "for example:  set: { plan.number: \"\", plan.start: 2026-01-01 }", NULL);
        return false;
    }
    *out = td_arena_alloc(&f->arena, ((size_t)n->n + 1) * sizeof **out);
    if (!*out) {
        f->oom = true;
        return false;
    }
    bool ok = true;
    for (uint32_t i = 0; i < n->n; i++) {
        tedit *e = &(*out)[*count];
        e->at = n->pairs[i].key;
        e->value = n->pairs[i].value;
        if (!read_path(f, e->at, what, &e->path)) {
            ok = false;
            continue;
        }
        (*count)++;
    }
    return ok;
}

static bool read_removes(tfile *f, const td_ynode *n, tcase *c)
{
    if (!n || n->kind == TD_Y_NULL)
        return true;
    if (n->kind == TD_Y_MAP) {
        td_diagnostic *x = problem(f, n, "remove must be a list of paths, not a mapping");
        problem_hint(f, x, "for example:  remove: [plan.number, \"exemplars[0].steps[1]\"]", NULL);
        return false;
    }
    uint32_t total = n->kind == TD_Y_SEQ ? n->n : 1;
    c->removes = td_arena_alloc(&f->arena, ((size_t)total + 1) * sizeof *c->removes);
    if (!c->removes) {
        f->oom = true;
        return false;
    }
    bool ok = true;
    for (uint32_t i = 0; i < total; i++) {
        const td_ynode *item = n->kind == TD_Y_SEQ ? n->items[i] : n;
        tedit *e = &c->removes[c->n_removes];
        e->at = item;
        if (!read_path(f, item, "remove", &e->path)) {
            ok = false;
            continue;
        }
        c->n_removes++;
    }
    return ok;
}

static bool read_expect_item(tfile *f, const td_ynode *n, td_rt_expect *e)
{
    static const char *const keys[] = {"rule", "severity", "line", "path", "message"};
    memset(e, 0, sizeof *e);
    e->severity = -1;
    e->at_line = n->line;
    e->at_col = n->col;
    if (n->kind == TD_Y_SCALAR) {
        e->rule = n->text;
        if (!*e->rule) {
            problem(f, n, "an expected finding needs a rule id");
            return false;
        }
        return true;
    }
    if (n->kind != TD_Y_MAP) {
        td_diagnostic *x = problem(f, n, "an expected finding is a rule id or a mapping, not %s",
                                   kind(f, n));
        problem_hint(f, x, "for example:  - plan.number   or   - {rule: plan.period, "
                                 "severity: error, line: 14}", NULL);
        return false;
    }
    size_t before = f->d->errors;
    known_keys(f, n, keys, 5, N_("an expected finding"));
    const td_ynode *k;
    const td_ynode *v = get(n, "rule", &k);
    if (!scalar(v) || !*scalar(v)) {
        problem(f, v ? v : n, "an expected finding needs `rule:` and a rule id");
    } else {
        e->rule = v->text;
    }
    if ((v = get(n, "severity", NULL)) != NULL) {
        const char *s = scalar(v);
        if (s && strcmp(s, "error") == 0)
            e->severity = TD_SEV_ERROR;
        else if (s && strcmp(s, "warning") == 0)
            e->severity = TD_SEV_WARNING;
        else if (s && strcmp(s, "info") == 0)
            e->severity = TD_SEV_INFO;
        else if (s && strcmp(s, "waived") == 0)
            e->severity = TD_RT_SEV_WAIVED;
        else {
            static const char *const sev[] = {"error", "warning", "info", "waived"};
            td_diagnostic *x = problem(f, v, "severity must be error, warning, info or waived");
            const char *sug = s ? td_suggest(s, sev, 4) : NULL;
            if (sug)
                problem_hint(f, x, "did you mean '%s'?", sug);
        }
    }
    if ((v = get(n, "line", NULL)) != NULL) {
        const char *s = scalar(v);
        int64_t line = 0;
        if (!s || !td_rt_parse_index(s, strlen(s), &line) || line <= 0)
            problem(f, v, "line must be a line number (1 or more)");
        else
            e->line = (uint32_t)line;
    }
    if ((v = get(n, "path", NULL)) != NULL) {
        if (!scalar(v))
            problem(f, v, "path must be a data path such as exemplars[0].steps[1]");
        else
            e->path = v->text;
    }
    if ((v = get(n, "message", NULL)) != NULL) {
        if (!scalar(v) || !*scalar(v))
            problem(f, v, "message must be a text that the finding's message contains");
        else
            e->message = v->text;
    }
    return f->d->errors == before;
}

static bool read_case(tfile *f, const td_ynode *n, tcase *c)
{
    static const char *const keys[] = {"name", "base", "unit", "remove", "set", "append",
                                       "as_of", "today", "expect"};
    memset(c, 0, sizeof *c);
    c->line = n->line;
    if (n->kind != TD_Y_MAP) {
        td_diagnostic *x = problem(f, n, "a case is a mapping with name, expect and the edits, "
                                   "not %s", kind(f, n));
        problem_hint(f, x, "see docs/rule-tests.md", NULL);
        return false;
    }
    size_t before = f->d->errors;
    known_keys(f, n, keys, 9, N_("a case"));
    const td_ynode *k, *v;
    v = get(n, "name", &k);
    if (!scalar(v) || !*scalar(v)) {
        td_diagnostic *x = problem(f, v ? v : n, "a case needs a `name:`");
        problem_hint(f, x, "say in a few words what the case shows, e.g. "
                                 "name: kế hoạch thiếu số hiệu", NULL);
        c->name = "?";
    } else {
        c->name = v->text;
    }
    char what[160];
    if (strcmp(c->name, "?") == 0)
        snprintf(what, sizeof what, "%s", td_gettext(td_diag_lang(f->d), N_("this case")));
    else
        snprintf(what, sizeof what, td_gettext(td_diag_lang(f->d), N_("case '%.120s'")), c->name);
    c->base = get(n, "base", &k);
    if (c->base && !scalar(c->base))
        problem(f, c->base, "base must be the path of a unit file, relative to this test file");
    c->unit = (td_ynode *)get(n, "unit", &k);
    if (c->unit && c->base) {
        problem(f, k, "a case takes `base` (a unit file) or `unit` (a unit written here), "
                      "not both");
    } else if (!c->unit && !c->base && !f->base) {
        td_diagnostic *x = problem(f, n, "%s has no unit to start from", what);
        problem_hint(f, x, "give `base: FILE` at the top of the test file or in the case, "
                                 "or write the unit under `unit:`", NULL);
    }
    read_removes(f, get(n, "remove", NULL), c);
    read_edits(f, get(n, "set", NULL), "set", &c->sets, &c->n_sets);
    read_edits(f, get(n, "append", NULL), "append", &c->appends, &c->n_appends);
    if ((v = get(n, "as_of", NULL)) != NULL) {
        c->has_as_of = read_date(f, v, &c->as_of);
    } else if (f->has_as_of) {
        c->as_of = f->as_of;
        c->has_as_of = true;
    } else if (!f->as_of_written) {
        td_diagnostic *x = problem(f, n, "%s has no as_of date", what);
        problem_hint(f, x, "give `as_of: YYYY-MM-DD` at the top of the test file or in the "
                                 "case: the date the unit is judged at", NULL);
    }
    c->today = f->today;
    if ((v = get(n, "today", NULL)) != NULL && !read_date(f, v, &c->today))
        c->today = 0;
    v = get(n, "expect", &k);
    if (!k) {
        td_diagnostic *x = problem(f, n, "%s has no `expect:`", what);
        problem_hint(f, x, "list the findings the case must give, or write expect: [] "
                                 "for a unit with no finding at all", NULL);
    } else if (v && v->kind != TD_Y_SEQ && v->kind != TD_Y_NULL) {
        td_diagnostic *x = problem(f, v, "expect must be a list of findings, not %s",
                                   kind(f, v));
        problem_hint(f, x, "for example:  expect: [plan.number]   or   expect: []", NULL);
    } else if (v && v->kind == TD_Y_SEQ) {
        c->exp = td_arena_alloc(&f->arena, ((size_t)v->n + 1) * sizeof *c->exp);
        if (!c->exp) {
            f->oom = true;
            return false;
        }
        for (uint32_t i = 0; i < v->n; i++)
            if (read_expect_item(f, v->items[i], &c->exp[c->n_exp]))
                c->n_exp++;
    }
    return f->d->errors == before;
}

static bool read_file(tfile *f, const td_ynode *root)
{
    static const char *const keys[] = {"rules", "as_of", "today", "base", "cases"};
    if (!root || root->kind != TD_Y_MAP) {
        td_diagnostic *x = problem(f, root, "a test file is a mapping with `as_of`, `base` and "
                                   "`cases`, not %s", kind(f, root));
        problem_hint(f, x, "see docs/rule-tests.md", NULL);
        return false;
    }
    known_keys(f, root, keys, 5, N_("a test file"));
    const td_ynode *k, *v;
    if ((v = get(root, "rules", &k)) != NULL) {
        if (!scalar(v) || !*scalar(v))
            problem(f, v, "rules must be the path of the entry rule file, relative to this "
                          "test file");
        else
            f->rules = v;
    }
    if ((v = get(root, "as_of", NULL)) != NULL) {
        f->as_of_written = true;
        f->has_as_of = read_date(f, v, &f->as_of);
    }
    if ((v = get(root, "today", NULL)) != NULL && !read_date(f, v, &f->today))
        f->today = 0;
    if ((v = get(root, "base", NULL)) != NULL) {
        if (!scalar(v) || !*scalar(v))
            problem(f, v, "base must be the path of a unit file, relative to this test file");
        else
            f->base = v;
    }
    v = get(root, "cases", &k);
    if (!v || v->kind != TD_Y_SEQ || v->n == 0) {
        td_diagnostic *x = problem(f, v ? v : root, "a test file needs `cases:`, a list of "
                                   "one or more cases");
        problem_hint(f, x, "each case has a name, the edits it makes to the base unit "
                                 "and the findings it expects", NULL);
        return false;
    }
    f->cases = td_arena_alloc(&f->arena, v->n * sizeof *f->cases);
    if (!f->cases) {
        f->oom = true;
        return false;
    }
    for (uint32_t i = 0; i < v->n; i++)
        if (read_case(f, v->items[i], &f->cases[f->n_cases]))
            f->n_cases++;
    return !f->bad;
}

/* The compiled rules of a test file: its `rules`, else -r, else the built-in rules. */
static td_status program_for(tfile *f, const td_program **out)
{
    td_ruletest *t = f->t;
    *out = NULL;
    char *rules = NULL;
    if (f->rules) {
        if (!(rules = beside(f->path, f->rules->text)))
            return TD_ENOMEM;
    } else if (t->rules) {
        if (!(rules = strdup(t->rules)))
            return TD_ENOMEM;
        normalize(rules);
    }
    for (size_t i = 0; i < t->n_progs; i++) {
        compiled *c = &t->progs[i];
        if ((c->rules == NULL) != (rules == NULL) || (rules && strcmp(c->rules, rules) != 0))
            continue;
        free(rules);
        if (!c->prog)
        {
            if (c->rules)
                problem(f, f->rules, "cannot run these tests: the rules in %s cannot be used "
                        "(see above)", c->rules);
            else
                problem(f, f->rules, "cannot run these tests: the built-in rules cannot be "
                        "used (see above)");
        }
        *out = c->prog;
        f->cov = c->prog && t->coverage ? &c->cov : NULL;
        return TD_OK;
    }
    compiled *grown = realloc(t->progs, (t->n_progs + 1) * sizeof *grown);
    if (!grown) {
        free(rules);
        return TD_ENOMEM;
    }
    t->progs = grown;
    compiled *c = &t->progs[t->n_progs++];
    c->rules = rules;
    c->prog = NULL;
    memset(&c->cov, 0, sizeof c->cov);
    td_diag cd;
    td_diag_init_lang(&cd, f->d ? f->d->lang : TD_LANG_AUTO);
    td_status st = rules ? td_program_compile((const char *const *)&c->rules, 1, NULL, 0, &cd,
                                              &c->prog)
                         : td_program_builtin(NULL, 0, &cd, &c->prog);
    int saved = errno;
    if (st == TD_ENOMEM || cd.oom) {
        td_diag_free(&cd);
        return TD_ENOMEM;
    }
    if (st == TD_EIO) {
        char why[128];
        td_diagnostic *x = problem(f, f->rules, "cannot read the rules '%s': %s", rules,
                                   td_strerror(td_diag_lang(f->d), saved, why, sizeof why));
        problem_hint(f, x,
                     f->rules ? N_("the path of `rules` is relative to the test file")
                              : N_("the path given with -r is relative to the current directory"),
                     NULL);
    } else if (st != TD_OK) {
        td_diag_move(f->d, &cd);
        if (rules)
            problem(f, f->rules, "cannot run these tests: the rules in %s do not compile",
                    rules);
        else
            problem(f, f->rules, "cannot run these tests: the built-in rules do not compile");
    }
    td_diag_free(&cd);
    if (c->prog && t->coverage) {
        if (!td_rt_cov_init(&c->cov, c->prog))
            return TD_ENOMEM;
        f->cov = &c->cov;
    }
    *out = c->prog;
    return TD_OK;
}

/* The unit file a case starts from, read once per test file. */
static const basefile *base_for(tfile *f, const td_ynode *at)
{
    char *path = beside(f->path, at->text);
    if (!path) {
        f->oom = true;
        return NULL;
    }
    for (uint32_t i = 0; i < f->n_bases; i++) {
        if (strcmp(f->bases[i].path, path) == 0) {
            free(path);
            return f->bases[i].src ? &f->bases[i] : NULL;
        }
    }
    basefile *grown = realloc(f->bases, (f->n_bases + 1) * sizeof *grown);
    if (!grown) {
        free(path);
        f->oom = true;
        return NULL;
    }
    f->bases = grown;
    basefile *b = &f->bases[f->n_bases++];
    b->path = path;
    b->src = NULL;
    td_source *src = NULL;
    td_status st = td_source_read(path, &src);
    if (st != TD_OK) {
        if (st == TD_ENOMEM) {
            f->oom = true;
        } else {
            char why[128];
            td_diagnostic *x = problem(f, at, "cannot read the unit file '%s': %s", path,
                                       td_strerror(td_diag_lang(f->d), errno, why, sizeof why));
            problem_hint(f, x, "the path of `base` is relative to the test file", NULL);
        }
        return NULL;
    }
    /* a case starts from one unit: refuse a file of several documents */
    td_limits lim;
    td_limits_default(&lim);
    td_yaml *y = NULL;
    td_arena a;
    td_arena_init(&a, 16 * 1024);
    td_diag scratch;
    td_diag_init(&scratch);
    uint32_t docs = 0;
    if (td_yaml_open(src, &lim, &y) != TD_OK) {
        f->oom = true;
    } else {
        for (;;) {
            td_ynode *root = NULL;
            uint32_t line = 0;
            if (td_yaml_next(y, &a, &scratch, &root, &line) != TD_OK) {
                f->oom = true;
                break;
            }
            if (!root)
                break;
            docs++;
        }
        td_yaml_close(y);
    }
    bool yaml_errors = scratch.errors > 0;
    td_diag_free(&scratch);
    td_arena_free(&a);
    if (docs == 0 && !yaml_errors) {
        td_diagnostic *x = problem(f, at, "the unit file '%s' holds no unit", path);
        problem_hint(f, x, "a case starts from a unit file with one unit document", NULL);
    }
    if (docs > 1) {
        td_diagnostic *x = problem(f, at, "the unit file '%s' holds %u documents; a case starts "
                                   "from one unit", path, docs);
        problem_hint(f, x, "split the file, one unit per file", NULL);
    }
    if (f->oom || docs > 1 || (docs == 0 && !yaml_errors)) {
        td_source_free(src);
        return NULL;
    }
    b->src = src;
    return b;
}

/* A remove path with every step resolved against the tree: keys and non-negative indices. */
typedef struct rpath {
    const tedit *e;
    td_rt_path p;
} rpath;

static bool resolve_remove(tfile *f, const td_ynode *root, const tedit *e, rpath *out)
{
    out->e = e;
    out->p = e->path;
    out->p.segs = td_arena_alloc(&f->unit, e->path.n * sizeof *out->p.segs);
    if (!out->p.segs) {
        f->oom = true;
        return false;
    }
    const td_ynode *n = root;
    for (uint32_t i = 0; i < e->path.n; i++) {
        td_rt_seg s = e->path.segs[i];
        if (n && n->kind == TD_Y_SEQ && s.kind != TD_RT_KEY) {
            int64_t idx = s.index < 0 ? (int64_t)n->n + s.index : s.index;
            s.kind = TD_RT_INDEX;
            s.index = idx;
            n = idx >= 0 && idx < (int64_t)n->n ? n->items[idx] : NULL;
        } else if (n && n->kind == TD_Y_MAP && s.kind != TD_RT_INDEX) {
            s.kind = TD_RT_KEY;
            int k = td_rt_find_key(n, s.key);
            n = k >= 0 ? n->pairs[k].value : NULL;
        } else {
            n = NULL;
        }
        out->p.segs[i] = s;
        if (!n && i + 1 < e->path.n)
            break; /* td_rt_remove will say what is missing */
    }
    return true;
}

static int cmp_rpath(const void *x, const void *y)
{
    const rpath *a = x, *b = y;
    for (uint32_t i = 0; i < a->p.n && i < b->p.n; i++) {
        const td_rt_seg *s = &a->p.segs[i], *t = &b->p.segs[i];
        if (s->kind != t->kind)
            return s->kind < t->kind ? -1 : 1;
        if (s->kind == TD_RT_INDEX && s->index != t->index)
            return s->index > t->index ? -1 : 1; /* the later item first */
        if (s->kind != TD_RT_INDEX) {
            int c = strcmp(s->key, t->key);
            if (c)
                return c;
        }
    }
    if (a->p.n != b->p.n)
        return a->p.n > b->p.n ? -1 : 1; /* the deeper path first */
    return 0;
}

/* Applies a case's edits: set, then append (a list adds each of its items), then remove
 * (from the end, so that every index names an item of the unit as written). False when an
 * edit does not fit. */
static bool edit_case(tfile *f, const tcase *c, td_ynode **root)
{
    char err[512];
    bool ok = true;
    td_lang lang = td_diag_lang(f->d);
    for (uint32_t i = 0; i < c->n_sets; i++) {
        const tedit *e = &c->sets[i];
        if (!td_rt_set(&f->unit, lang, root, &e->path, e->value, e->at, err, sizeof err)) {
            if (!err[0])
                f->oom = true;
            else
                problem(f, e->at, "set %s: %s", e->path.text, err);
            ok = false;
        }
    }
    for (uint32_t i = 0; i < c->n_appends; i++) {
        /* a list written as the value adds each of its items ([[a, b]] adds one list) */
        const tedit *e = &c->appends[i];
        bool many = e->value && e->value->kind == TD_Y_SEQ;
        uint32_t n = many ? e->value->n : 1;
        for (uint32_t k = 0; k < n; k++) {
            td_ynode *item = many ? e->value->items[k] : e->value;
            if (!td_rt_append(&f->unit, lang, root, &e->path, item, e->at, err, sizeof err)) {
                if (!err[0])
                    f->oom = true;
                else
                    problem(f, e->at, "append %s: %s", e->path.text, err);
                ok = false;
                break;
            }
        }
    }
    if (!c->n_removes)
        return ok;
    rpath *rs = td_arena_alloc(&f->unit, c->n_removes * sizeof *rs);
    if (!rs) {
        f->oom = true;
        return false;
    }
    for (uint32_t i = 0; i < c->n_removes; i++)
        if (!resolve_remove(f, *root, &c->removes[i], &rs[i]))
            return false;
    qsort(rs, c->n_removes, sizeof *rs, cmp_rpath);
    for (uint32_t i = 0; i < c->n_removes; i++) {
        if (i && cmp_rpath(&rs[i - 1], &rs[i]) == 0) {
            problem(f, rs[i].e->at, "remove %s: this removes what %s already removes",
                    rs[i].e->path.text, rs[i - 1].e->path.text);
            ok = false;
            continue;
        }
        if (!td_rt_remove(&f->unit, lang, root, &rs[i].p, err, sizeof err)) {
            if (!err[0])
                f->oom = true;
            else
                problem(f, rs[i].e->at, "remove %s: %s", rs[i].e->path.text, err);
            ok = false;
        }
    }
    return ok;
}

/* The details of an expected or unexpected finding, "(error, line 9, path plan)", each a
 * whole phrase of the catalog. */
typedef struct details {
    FILE *out;
    const char *sep;
} details;

static void detail(details *dt, const char *text)
{
    fprintf(dt->out, "%s%s", dt->sep, text);
    dt->sep = ", ";
}

static void print_expect(FILE *out, td_lang lang, const td_rt_expect *e)
{
    /* TRANSLATORS: a finding a failing rule-test case expects but does not give; after it
     * come its details in parentheses: (error, line 9, path plan) */
    fprintf(out, TR(lang, "  - expected %s"), e->rule);
    details dt = {out, " ("};
    char buf[1200];
    if (e->severity >= 0)
        detail(&dt, TR(lang, td_rt_severity_word(e->severity)));
    if (e->line) {
        snprintf(buf, sizeof buf, TR(lang, "line %u"), e->line);
        detail(&dt, buf);
    }
    if (e->path) {
        snprintf(buf, sizeof buf, TR(lang, "path %s"), e->path);
        detail(&dt, buf);
    }
    if (e->message) {
        snprintf(buf, sizeof buf, TR(lang, "message containing \"%s\""), e->message);
        detail(&dt, buf);
    }
    fputs(dt.sep[0] == ',' ? ")\n" : "\n", out);
}

static void print_finding(FILE *out, td_lang lang, const td_diagnostic *x)
{
    /* TRANSLATORS: a finding that a failing rule-test case gives but does not expect */
    fprintf(out, TR(lang, "  + unexpected %s"), x->rule ? x->rule : x->code);
    details dt = {out, " ("};
    char buf[1200];
    detail(&dt, TR(lang, td_rt_severity_word(td_rt_severity_of(x))));
    if (x->line) {
        snprintf(buf, sizeof buf, TR(lang, "line %u"), x->line);
        detail(&dt, buf);
    }
    if (x->path && *x->path) {
        snprintf(buf, sizeof buf, TR(lang, "path %s"), x->path);
        detail(&dt, buf);
    }
    fprintf(out, "): %s\n", x->message);
}

/* Loads the case's unit (its own, or its base file's), applies its edits and judges it
 * into res, whose findings are in the language res was set up with. False when the case
 * cannot run (a problem was recorded, or f->oom). */
static bool judge(tfile *f, const tcase *c, td_unit_result *res)
{
    const td_source *src = f->src;
    td_ynode *root = NULL;
    uint32_t doc_line = 1;
    if (c->unit) {
        root = c->unit;
        doc_line = c->unit->line;
    } else {
        const basefile *b = base_for(f, c->base ? c->base : f->base);
        if (!b)
            return false;
        src = b->src;
        td_limits lim;
        td_limits_default(&lim);
        td_yaml *y = NULL;
        if (td_yaml_open(src, &lim, &y) != TD_OK) {
            f->oom = true;
            return false;
        }
        td_status st = td_yaml_next(y, &f->unit, &res->findings, &root, &doc_line);
        td_yaml_close(y);
        if (st != TD_OK) {
            f->oom = true;
            return false;
        }
    }
    res->line = doc_line;
    if (root && !edit_case(f, c, &root))
        return false;
    if (root) {
        td_node *node = NULL;
        td_eval_dates dates = {.as_of = c->as_of, .today = c->today};
        if (td_type_document(f->prog->schema.document_type, root, src, &f->unit,
                             &res->findings, &node) != TD_OK ||
            td_eval_document_at(f->prog, node, &dates, src, &f->unit, res) != TD_OK ||
            td_xref_settle_alone(f->prog, res) != TD_OK) {
            f->oom = true;
            return false;
        }
        /* the overlay's waivers apply to the case's unit as in a batch */
        td_waiver_use *use = calloc(f->prog->n_waivers + 1, sizeof *use);
        if (!use) {
            f->oom = true;
            return false;
        }
        td_waivers_apply(f->prog, c->as_of, res, use);
        free(use);
    }
    if (res->findings.oom) {
        f->oom = true;
        return false;
    }
    td_diag_sort(&res->findings);
    return true;
}

/* Moves the findings a case compares to the front and returns their number: the notes that
 * an event is after the as-of date (Decision 10) are compared only by a case that expects
 * one, since every early as_of would otherwise have to list them all. */
static size_t compared(const tcase *c, td_unit_result *res)
{
    bool want_events = false;
    for (uint32_t i = 0; i < c->n_exp; i++)
        want_events |= strcmp(c->exp[i].rule, "data.after_as_of") == 0;
    if (want_events)
        return res->findings.n;
    size_t n_act = 0;
    for (size_t j = 0; j < res->findings.n; j++) {
        const td_diagnostic *x = &res->findings.items[j];
        if (x->rule && strcmp(x->rule, "data.after_as_of") == 0)
            continue;
        if (n_act != j) {
            td_diagnostic keep = *x;
            memmove(&res->findings.items[n_act + 1], &res->findings.items[n_act],
                    (j - n_act) * sizeof keep);
            res->findings.items[n_act] = keep;
        }
        n_act++;
    }
    return n_act;
}

/* True when a and b hold the same findings in the same order, whatever their words. */
static bool same_findings(const td_diag *a, const td_diag *b, size_t n)
{
    if (a->n < n || b->n < n)
        return false;
    for (size_t j = 0; j < n; j++) {
        const td_diagnostic *x = &a->items[j], *y = &b->items[j];
        if (x->line != y->line || x->col != y->col || x->sev != y->sev ||
            x->waived != y->waived || strcmp(x->rule ? x->rule : "", y->rule ? y->rule : "") ||
            strcmp(x->code ? x->code : "", y->code ? y->code : ""))
            return false;
    }
    return true;
}

/* Runs one case; false when it could not run (a problem was recorded). A case is judged
 * with the engine's findings in English, so that `message:` in a test means the same
 * whatever language the reader asks for; a failing case is judged again in the reader's
 * language to show its unexpected findings in it. */
static bool run_case(tfile *f, const tcase *c, FILE *out)
{
    td_arena_reset(&f->unit);
    td_unit_result res, shown;
    td_unit_result_init(&res, TD_LANG_EN);
    td_unit_result_init(&shown, TD_LANG_EN);
    bool ran = false;
    int *exp_to = NULL, *act_to = NULL;
    td_lang lang = lang_for(f->t, f->prog);
    if (!judge(f, c, &res))
        goto done;
    ran = true;
    exp_to = malloc((c->n_exp + 1) * sizeof *exp_to);
    act_to = malloc((res.findings.n + 1) * sizeof *act_to);
    if (!exp_to || !act_to) {
        f->oom = true;
        ran = false;
        goto done;
    }
    size_t n_act = compared(c, &res);
    if (td_rt_match(c->exp, c->n_exp, res.findings.items, n_act, exp_to, act_to)) {
        f->t->passed++;
        if (f->cov)
            td_rt_cov_case(f->cov, &res);
        if (f->t->verbose)
            /* TRANSLATORS: a passing rule-test case: FILE:LINE: NAME */
            fprintf(out, TR(lang, "ok   %s:%u: %s\n"), f->path, c->line, c->name);
        goto done;
    }
    f->t->failed++;
    /* TRANSLATORS: a failing rule-test case: FILE:LINE: NAME */
    fprintf(out, TR(lang, "FAIL %s:%u: %s\n"), f->path, c->line, c->name);
    for (uint32_t i = 0; i < c->n_exp; i++)
        if (exp_to[i] < 0)
            print_expect(out, lang, &c->exp[i]);
    const td_diag *words = &res.findings;
    if (lang != TD_LANG_EN) {
        td_unit_result_free(&shown);
        td_unit_result_init(&shown, lang);
        if (judge(f, c, &shown) && compared(c, &shown) == n_act &&
            same_findings(&res.findings, &shown.findings, n_act))
            words = &shown.findings;
        if (f->oom)
            goto done;
    }
    for (size_t j = 0; j < n_act; j++)
        if (act_to[j] < 0)
            print_finding(out, lang, &words->items[j]);
done:
    free(exp_to);
    free(act_to);
    td_unit_result_free(&shown);
    td_unit_result_free(&res);
    return ran;
}

static td_status run_file(td_ruletest *t, const char *path, FILE *out, td_diag *d);

td_status td_ruletest_run_file(td_ruletest *t, const char *path, FILE *out, td_diag *d)
{
    td_diag scratch;
    td_diag_init(&scratch);
    td_status st = run_file(t, path, out, d ? d : &scratch);
    td_diag_free(&scratch);
    return st;
}

static td_status run_file(td_ruletest *t, const char *path, FILE *out, td_diag *d)
{
    tfile f;
    memset(&f, 0, sizeof f);
    f.t = t;
    f.path = path;
    f.d = d;
    td_arena_init(&f.arena, 16 * 1024);
    td_arena_init(&f.unit, 64 * 1024);
    td_yaml *y = NULL;
    td_status st = td_source_read(path, &f.src);
    if (st == TD_ENOMEM)
        goto done;
    if (st != TD_OK) {
        char why[128];
        td_diag_at(d, TD_SEV_ERROR, TD_CODE_IO, NULL, 0, 0, "cannot read the test file '%s': %s",
                   path, td_strerror(td_diag_lang(d), errno, why, sizeof why));
        f.bad = true;
        st = TD_OK;
        goto done;
    }
    td_limits lim;
    td_limits_default(&lim);
    if ((st = td_yaml_open(f.src, &lim, &y)) != TD_OK)
        goto done;
    td_ynode *root = NULL;
    uint32_t line = 0;
    size_t before = d->n;
    if ((st = td_yaml_next(y, &f.arena, d, &root, &line)) != TD_OK)
        goto done;
    if (d->n != before) {
        f.bad = true; /* YAML syntax, duplicate keys...: already reported */
        goto done;
    }
    td_ynode *more = NULL;
    if ((st = td_yaml_next(y, &f.arena, d, &more, &line)) != TD_OK)
        goto done;
    if (more) {
        td_diagnostic *x = problem(&f, more, "a test file holds one document; this is a second "
                                   "one");
        problem_hint(&f, x, "put the cases of both in one `cases:` list, or split the file",
                     NULL);
        goto done;
    }
    if (d->n != before) {
        f.bad = true;
        goto done;
    }
    if (!read_file(&f, root) || f.oom)
        goto done;
    if ((st = program_for(&f, &f.prog)) != TD_OK)
        goto done;
    if (!f.prog)
        goto done;
    for (uint32_t i = 0; i < f.n_cases && !f.oom; i++)
        run_case(&f, &f.cases[i], out);
done:
    if (y)
        td_yaml_close(y);
    for (uint32_t i = 0; i < f.n_bases; i++) {
        free(f.bases[i].path);
        td_source_free(f.bases[i].src);
    }
    free(f.bases);
    td_arena_free(&f.unit);
    td_arena_free(&f.arena);
    td_source_free(f.src);
    if (st == TD_OK && (f.oom || d->oom))
        st = TD_ENOMEM;
    if (st == TD_OK && f.bad)
        st = TD_EINPUT;
    return st;
}

/* ---------- finding test files ---------- */

typedef struct flist {
    char **v;
    size_t n, cap;
    bool oom;
} flist;

static void fl_add(flist *l, char *path)
{
    if (!path) {
        l->oom = true;
        return;
    }
    if (l->n == l->cap) {
        size_t cap = l->cap ? l->cap * 2 : 32;
        char **grown = realloc(l->v, cap * sizeof *grown);
        if (!grown) {
            free(path);
            l->oom = true;
            return;
        }
        l->v = grown;
        l->cap = cap;
    }
    l->v[l->n++] = path;
}

static bool is_test_name(const char *name)
{
    static const char suffix[] = ".test.yaml";
    size_t n = strlen(name), s = sizeof suffix - 1;
    return n > s && strcmp(name + n - s, suffix) == 0;
}

typedef struct finder {
    flist *l;
    td_diag *d;
} finder;

/* Keeps the test files of a folder; a folder or a test file that cannot be read is an
 * error naming it. */
static bool on_entry(void *arg, td_walk_kind kind, const char *path, const char *name, int err)
{
    finder *f = arg;
    char why[128];
    switch (kind) {
    case TD_WALK_FILE:
        if (is_test_name(name))
            fl_add(f->l, strdup(path));
        break;
    case TD_WALK_SPECIAL:
        if (is_test_name(name))
            td_diag_at(f->d, TD_SEV_ERROR, TD_CODE_IO, NULL, 0, 0,
                       "cannot read the test file '%s': it is a pipe, a device or a socket, "
                       "not a file", path);
        break;
    case TD_WALK_BROKEN:
        if (is_test_name(name) || err != ENOENT)
            td_diag_at(f->d, TD_SEV_ERROR, TD_CODE_IO, NULL, 0, 0, "cannot read '%s': %s", path,
                       td_strerror(td_diag_lang(f->d), err, why, sizeof why));
        break;
    case TD_WALK_DIR_ERROR:
        td_diag_at(f->d, TD_SEV_ERROR, TD_CODE_IO, NULL, 0, 0, "cannot read the directory '%s': %s",
                   path, td_strerror(td_diag_lang(f->d), err, why, sizeof why));
        break;
    case TD_WALK_TOO_DEEP:
        td_diag_at(f->d, TD_SEV_ERROR, TD_CODE_IO, NULL, 0, 0,
                   "the directory '%s' lies more than %d levels deep and was not searched",
                   path, TD_WALK_MAX_DEPTH);
        break;
    }
    return !f->l->oom && !f->d->oom;
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static td_status find_files(const char *const *paths, size_t n_paths, td_diag *d, char ***out,
                            size_t *n_out);

td_status td_ruletest_find(const char *const *paths, size_t n_paths, td_diag *d, char ***out,
                           size_t *n_out)
{
    td_diag scratch;
    td_diag_init(&scratch);
    td_status st = find_files(paths, n_paths, d ? d : &scratch, out, n_out);
    td_diag_free(&scratch);
    return st;
}

static td_status find_files(const char *const *paths, size_t n_paths, td_diag *d, char ***out,
                            size_t *n_out)
{
    flist l = {0};
    td_status st = TD_OK;
    for (size_t i = 0; i < n_paths && !l.oom; i++) {
        struct stat sb;
        if (stat(paths[i], &sb) != 0) {
            char why[128];
            td_diag_at(d, TD_SEV_ERROR, TD_CODE_IO, NULL, 0, 0, "cannot read '%s': %s", paths[i],
                       td_strerror(td_diag_lang(d), errno, why, sizeof why));
            st = TD_EIO;
            continue;
        }
        if (S_ISDIR(sb.st_mode)) {
            size_t before = d->errors;
            finder f = {&l, d};
            if (td_walk(paths[i], on_entry, &f) != TD_OK)
                l.oom = true;
            if (d->errors != before)
                st = TD_EIO;
        } else {
            fl_add(&l, strdup(paths[i]));
        }
    }
    if (l.oom) {
        td_ruletest_free_files(l.v, l.n);
        *out = NULL;
        *n_out = 0;
        return TD_ENOMEM;
    }
    if (l.n > 1)
        qsort(l.v, l.n, sizeof *l.v, cmp_str);
    size_t w = 0;
    for (size_t i = 0; i < l.n; i++) {
        if (w && strcmp(l.v[w - 1], l.v[i]) == 0)
            free(l.v[i]);
        else
            l.v[w++] = l.v[i];
    }
    *out = l.v;
    *n_out = w;
    return st;
}

void td_ruletest_free_files(char **files, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(files[i]);
    free(files);
}
