/* Resolve and compile: read rule files and their imports, apply overlays and -D, build the
 * schema, resolve every name against it, type every expression and lower it to slots.
 * Pipeline: td_ast (parse arena) -> td_program (program arena). */
#include "resolve.h"

#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "ast.h"
#include "eval.h"
#include "i18n.h"
#include "keywords.h"
#include "label.h"

#define MAX_IMPORT_DEPTH 32

/* One declaration with the file it came from. */
typedef struct rdecl {
    td_decl *decl;
    const td_source *src;
} rdecl;

/* An open-addressing table from (owner, name) to a number, in the parse arena: rule ids
 * (owner NULL) and the defines of each record, so that declaring and finding them stays
 * linear in their count. Sized once, for all the names it will hold. */
typedef struct nslot {
    const void *owner;
    const char *name;           /* NULL: an empty slot */
    uint32_t val;
} nslot;

typedef struct ntab {
    nslot *s;                   /* arena(parse); NULL when empty */
    uint32_t mask;              /* slots - 1 */
} ntab;

/* A compile-time scope: mirrors one runtime frame. */
typedef struct scope {
    const struct scope *up;
    const td_type *elem;        /* type of the frame's element (record or scalar), or NULL */
    const char *binder;         /* the element's name, or NULL (implicit: fields in scope) */
    const char **let_names;     /* lets of an entity frame */
    const td_type **let_types;
    uint32_t n_lets;
} scope;

typedef struct rs {
    td_program *p;
    td_arena *pa;               /* program arena */
    td_arena parse;             /* parse arena: ASTs */
    td_diag *d;
    bool builtin;               /* read files from the built-in table */
    const td_rule_text *mem;    /* borrowed: texts read before the built-in table, or NULL */
    size_t n_mem;
    rdecl *decls;
    uint32_t n_decls, cap_decls;
    const char **stack;         /* import chain being read, for cycle detection */
    uint32_t depth;
    char **loaded;              /* canonical paths already read */
    uint32_t n_loaded;
    td_status fatal;            /* TD_ENOMEM / TD_EIO stop everything */
    td_decl **off_checks;       /* `disable WORKFLOW.CHECK` declarations */
    size_t errors0;             /* errors in the caller's sink before this compile */
    const char *rule_id;        /* the rule being compiled, or NULL */
    const char *rule_cite;      /* its clause, or NULL */
    uint32_t n_off_checks;
    bool in_criterion;          /* compiling a criterion: found() is allowed */
    const char **index_ids;     /* the indexes compiled so far, by number (found) */
    uint32_t n_index_ids;
    const td_type *t_text, *t_int, *t_number, *t_bool, *t_date, *t_month;
    ntab defines;               /* (record, name) -> index in record->defines */
    uint32_t nest;              /* cx calls in progress: how deep compilation recurses */
    bool nest_reported;         /* the error of too deep a nesting is said once */
    uint32_t *entry_src;        /* the sources of the files named by the caller (not imports) */
    size_t n_entry_src;
} rs;

/* How deep evaluation may recurse, counted in compiled operations plus those of the defines
 * they use (a chain of defines each using the previous one nests them all); and how deep
 * compilation may, counted in the same way. Both keep a thread's stack far from its end,
 * sanitizers included. */
#define MAX_EVAL_DEPTH 512

/* ---------- diagnostics ---------- */

/* Records a `disable` in the program, for `explain` and `diff`; false when out of memory. */
static bool keep_disabled(rs *r, const td_decl *d);

/* Records that declaration `d` (an overlay's) changed `kind id` as declared at `was`. */
static void keep_change(rs *r, const char *kind, const char *id, const char *how,
                        const td_decl *d, td_span was)
{
    td_program *p = r->p;
    td_change *grown = realloc(p->changes, (p->n_changes + 1) * sizeof *grown);
    if (!grown) {
        r->fatal = TD_ENOMEM;
        return;
    }
    p->changes = grown;
    td_change *c = &grown[p->n_changes++];
    c->kind = kind;
    c->id = td_arena_strdup(r->pa, id);
    c->how = how;
    c->src = d->span.src;
    c->off = d->span.off;
    c->was_src = was.src;
    c->was_off = was.off;
    if (!c->id)
        r->fatal = TD_ENOMEM;
}


static const td_source *src_of(rs *r, td_span sp)
{
    return sp.src < r->p->n_sources ? r->p->sources[sp.src] : NULL;
}

#define ERR(r, sp, code, ...) \
    in_rule(r, td_diag_at((r)->d, TD_SEV_ERROR, code, src_of(r, sp), (sp).off, (sp).len, \
                          __VA_ARGS__))
#define WARN(r, sp, code, ...) \
    in_rule(r, td_diag_at((r)->d, TD_SEV_WARNING, code, src_of(r, sp), (sp).off, (sp).len, \
                          __VA_ARGS__))

/* A mistake found while compiling a rule names that rule and its clause, as data findings
 * do: "unknown field 'strat' on plan [plan.has_dates, II.2.2]". */
static td_diagnostic *in_rule(rs *r, td_diagnostic *e)
{
    if (e && r->rule_id) {
        td_diag_set(r->d, &e->rule, "%s", r->rule_id);
        if (r->rule_cite)
            td_diag_set(r->d, &e->cite, "%s", r->rule_cite);
    }
    return e;
}

static void hint(rs *r, td_diagnostic *e, const char *fmt, const char *arg)
{
    if (e)
        td_diag_set(r->d, &e->hint, fmt, arg);
}

static void where_first(rs *r, td_diagnostic *e, const char *what, td_span first)
{
    if (!e)
        return;
    const td_source *s = src_of(r, first);
    if (!s)
        return;
    uint32_t line, col;
    td_source_linecol(s, first.off, &line, &col);
    td_diag_set(r->d, &e->hint, "%s first declared at %s:%u:%u", what, s->name, line, col);
}

/* Which names a "did you mean" looks among. */
typedef enum name_set {
    NAMES_FIELDS,           /* the data fields of `rec` */
    NAMES_MEMBERS,          /* its data fields and computed fields */
    NAMES_RECORDS,          /* every record */
    NAMES_PARAMS            /* every param */
} name_set;

/* Adds "did you mean 'x'?" to `e` when a name of `set` is near `name`; false when none is. */
static bool suggest_from(rs *r, td_diagnostic *e, const char *name, name_set set,
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
        hint(r, e, "did you mean '%s'?", sug);
    return sug != NULL;
}

/* ---------- types ---------- */

static td_type *new_type(rs *r, td_tkind k)
{
    td_type *t = td_arena_alloc(r->pa, sizeof *t);
    if (t)
        t->kind = k;
    else
        r->fatal = TD_ENOMEM;
    return t;
}

static const td_type *list_of(rs *r, const td_type *elem)
{
    td_type *t = new_type(r, TD_T_LIST);
    if (t)
        t->elem = elem;
    return t;
}

static bool is_numeric(const td_type *t)
{
    return t && (t->kind == TD_T_INT || t->kind == TD_T_NUMBER);
}

static bool same_type(const td_type *a, const td_type *b)
{
    if (!a || !b)
        return false;
    if (is_numeric(a) && is_numeric(b))
        return true;
    if (a->kind != b->kind)
        return false;
    switch (a->kind) {
    case TD_T_ENUM: return a->en == b->en;
    case TD_T_RECORD: return a->rec == b->rec;
    case TD_T_LIST: return same_type(a->elem, b->elem);
    default: return true;
    }
}

static bool ntab_init(rs *r, ntab *t, uint32_t n)
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
static nslot *ntab_slot(const ntab *t, const void *owner, const char *name)
{
    if (!t->s)
        return NULL;
    uint64_t h = 14695981039346656037u ^ (uint64_t)(uintptr_t)owner;
    for (const char *c = name; *c; c++)
        h = (h ^ (unsigned char)*c) * 1099511628211u;
    for (uint32_t i = (uint32_t)(h ^ (h >> 32));; i++) {
        nslot *x = &t->s[i & t->mask];
        if (!x->name || (x->owner == owner && strcmp(x->name, name) == 0))
            return x;
    }
}

/* The define `name` of `rec`, or NULL. */
static const td_define *define_of(rs *r, const td_record *rec, const char *name)
{
    const nslot *x = ntab_slot(&r->defines, rec, name);
    return x && x->name ? &rec->defines[x->val] : NULL;
}

static const char *tname(const td_type *t, char *buf, size_t n)
{
    if (!t)
        return "nothing";
    return td_type_name(t, buf, n);
}

/* ---------- reading files ---------- */

static char *dir_join(const char *base_file, const char *rel)
{
    if (rel[0] == '/')
        return strdup(rel);
    const char *slash = strrchr(base_file, '/');
    size_t dl = slash ? (size_t)(slash - base_file) + 1 : 0;
    char *out = malloc(dl + strlen(rel) + 1);
    if (!out)
        return NULL;
    memcpy(out, base_file, dl);
    strcpy(out + dl, rel);
    return out;
}

/* Most parts an import path may have: far beyond any real folder tree. */
#define MAX_PATH_PARTS 256

/* Folds "a/b/../c" and "./" so that built-in paths and cycle checks compare equal. False
 * (the path left as it was) when it has more than MAX_PATH_PARTS parts or would not fit
 * in PATH_MAX: such a path is refused, never cut short to name another file. */
static bool normalize(char *path)
{
    char *parts[MAX_PATH_PARTS];
    int n = 0;
    bool abs = path[0] == '/';
    size_t in_len = strlen(path);
    if (in_len >= PATH_MAX)
        return false;
    char copy[PATH_MAX];
    memcpy(copy, path, in_len + 1);
    char *tok = copy + (abs ? 1 : 0);
    while (tok && *tok) {
        char *next = strchr(tok, '/');
        if (next)
            *next++ = '\0';
        if (strcmp(tok, ".") == 0 || *tok == '\0') {
        } else if (strcmp(tok, "..") == 0 && n > 0 && strcmp(parts[n - 1], "..") != 0) {
            n--;
        } else if (n < MAX_PATH_PARTS) {
            parts[n++] = tok;
        } else {
            return false;
        }
        tok = next;
    }
    /* the folded path is never longer than the path: it fits where the path was */
    size_t len = 0;
    if (abs)
        path[len++] = '/';
    for (int i = 0; i < n; i++) {
        size_t pl = strlen(parts[i]);
        if (i)
            path[len++] = '/';
        memcpy(path + len, parts[i], pl);
        len += pl;
    }
    path[len] = '\0';
    return true;
}

static td_status read_rule_file(rs *r, const char *path, td_source **out)
{
    for (size_t i = 0; i < r->n_mem; i++) {
        char *name = strndup(r->mem[i].name, PATH_MAX - 1);
        if (!name)
            return TD_ENOMEM;
        normalize(name);
        bool same = strcmp(name, path) == 0;
        free(name);
        if (same) {
            *out = td_source_new(path, r->mem[i].text, r->mem[i].len);
            return *out ? TD_OK : TD_ENOMEM;
        }
    }
    if (!r->builtin)
        return td_source_read(path, out);
    for (size_t i = 0; i < td_builtin_count; i++) {
        if (strcmp(td_builtin_files[i].path, path) == 0) {
            *out = td_source_new(path, td_builtin_files[i].text, td_builtin_files[i].len);
            return *out ? TD_OK : TD_ENOMEM;
        }
    }
    errno = ENOENT;
    return TD_EIO;
}

static bool add_source(rs *r, td_source *s)
{
    td_source **grown = realloc(r->p->sources, (r->p->n_sources + 1) * sizeof *grown);
    if (!grown)
        return false;
    r->p->sources = grown;
    r->p->sources[r->p->n_sources++] = s;
    return true;
}

static bool push_decl(rs *r, td_decl *dcl, const td_source *src)
{
    if (r->n_decls == r->cap_decls) {
        uint32_t cap = r->cap_decls ? r->cap_decls * 2 : 64;
        rdecl *grown = realloc(r->decls, cap * sizeof *grown);
        if (!grown)
            return false;
        r->decls = grown;
        r->cap_decls = cap;
    }
    r->decls[r->n_decls].decl = dcl;
    r->decls[r->n_decls].src = src;
    r->n_decls++;
    return true;
}

/* Why the bytes of a file cannot be a rule file, or NULL: a rule file is UTF-8 text. Never
 * quotes the content (a binary or a system file named by mistake is not echoed). */
static const char *not_text(const td_source *src, td_lang lang, char *buf, size_t size)
{
    const char *t = src->text;
    size_t n = src->len, line = 1, col = 1;
    for (size_t i = n >= 3 && memcmp(t, "\xEF\xBB\xBF", 3) == 0 ? 3 : 0; i < n;) {
        unsigned char c = (unsigned char)t[i];
        uint32_t cp;
        size_t k = c < 0x80 ? 1 : td_utf8_seq(t + i, n - i, &cp);
        if (c == 0 || c == 0x7F || (c < 0x20 && c != '\t' && c != '\n' && c != '\r' && c != '\f')) {
            snprintf(buf, size, TR(lang, "it holds binary data (a control byte at line %zu, "
                                         "column %zu)"),
                     line, col);
            return buf;
        }
        if (!k) {
            snprintf(buf, size, TR(lang, "it is not UTF-8 text (at line %zu, column %zu)"), line,
                     col);
            return buf;
        }
        if (c == '\n')
            line++, col = 1;
        else
            col++;
        i += k;
    }
    return NULL;
}

/* True when the text, past comments and blank space, begins with a declaration keyword or
 * a word close to one: a rule file, perhaps with mistakes to report. */
static bool starts_like_rules(const td_source *src)
{
    const char *t = src->text, *end = t + src->len;
    if (src->len >= 3 && memcmp(t, "\xEF\xBB\xBF", 3) == 0)
        t += 3;
    for (;;) {
        while (t < end && (*t == ' ' || *t == '\t' || *t == '\n' || *t == '\r' || *t == '\f'))
            t++;
        if (t < end && *t == '#') {
            while (t < end && *t != '\n')
                t++;
            continue;
        }
        break;
    }
    if (t == end)
        return true; /* an empty file: said elsewhere */
    char word[16];
    size_t n = 0;
    while (t + n < end && n < sizeof word - 1 &&
           ((t[n] >= 'a' && t[n] <= 'z') || (t[n] >= 'A' && t[n] <= 'Z') || t[n] == '_'))
        n++;
    if (n == 0 || (t + n < end && ((t[n] >= 'a' && t[n] <= 'z') || t[n] == '_')))
        return false;
    memcpy(word, t, n);
    word[n] = '\0';
    const char *decls[32];
    size_t k = 0;
    for (size_t i = 0; i < td_n_keywords && k < 32; i++)
        if (td_keywords[i].flags & TD_KW_DECL)
            decls[k++] = td_keywords[i].spelling;
    for (size_t i = 0; i < k; i++)
        if (strcmp(decls[i], word) == 0)
            return true;
    return td_suggest(word, decls, k) != NULL;
}

/* Reads `path` and, first, every file it imports; appends their declarations in order.
 * `from`/`at` locate the import for errors (from NULL for a command-line file). */
static void load_file(rs *r, const char *path_in, const td_source *from, td_span at)
{
    if (r->fatal)
        return;
    char *path = strdup(path_in);
    if (!path) {
        r->fatal = TD_ENOMEM;
        return;
    }
    if (!normalize(path)) {
        if (from) {
            td_diagnostic *e = td_diag_at(r->d, TD_SEV_ERROR, "import-path", from, at.off, at.len,
                                          "the import path is too long (more than %d parts, or "
                                          "%d bytes with the folder of this file)",
                                          MAX_PATH_PARTS, PATH_MAX - 1);
            hint(r, e, "%s", "write a shorter path to the file, relative to this file's folder");
        } else {
            td_diag_at(r->d, TD_SEV_ERROR, "io", NULL, 0, 0,
                       "cannot read rule file '%s': the path is too long", path);
            r->fatal = TD_EIO;
        }
        free(path);
        return;
    }
    for (uint32_t i = 0; i < r->depth; i++) {
        if (strcmp(r->stack[i], path) == 0) {
            /* name the cycle: a -> b -> a */
            size_t len = 1;
            for (uint32_t j = i; j < r->depth; j++)
                len += strlen(r->stack[j]) + 4;
            len += strlen(path);
            char *chain = malloc(len);
            if (chain) {
                chain[0] = '\0';
                for (uint32_t j = i; j < r->depth; j++) {
                    strcat(chain, r->stack[j]);
                    strcat(chain, " -> ");
                }
                strcat(chain, path);
                td_diagnostic *e =
                    td_diag_at(r->d, TD_SEV_ERROR, "import-cycle", from, at.off, at.len,
                               "import cycle: %s", chain);
                hint(r, e, "%s", "a file cannot import itself, directly or through others; "
                                 "move the shared declarations into a file both import");
                free(chain);
            }
            free(path);
            return;
        }
    }
    for (uint32_t i = 0; i < r->n_loaded; i++) {
        if (strcmp(r->loaded[i], path) == 0) {
            free(path); /* already read through another import */
            return;
        }
    }
    if (r->depth >= MAX_IMPORT_DEPTH) {
        td_diag_at(r->d, TD_SEV_ERROR, "import-depth", from, at.off, at.len,
                   "imports nested deeper than %d files", MAX_IMPORT_DEPTH);
        free(path);
        return;
    }
    td_source *src = NULL;
    td_status st = read_rule_file(r, path, &src);
    if (st != TD_OK) {
        if (st == TD_ENOMEM) {
            r->fatal = TD_ENOMEM;
        } else if (from) {
            td_diagnostic *e = td_diag_at(r->d, TD_SEV_ERROR, "import-missing", from, at.off,
                                          at.len, "cannot read imported file '%s': %s", path,
                                          strerror(errno));
            hint(r, e, "%s", "an import path is relative to the file that imports it");
        } else {
            td_diag_at(r->d, TD_SEV_ERROR, "io", NULL, 0, 0, "cannot read rule file '%s': %s",
                       path, strerror(errno));
            r->fatal = TD_EIO;
        }
        free(path);
        return;
    }
    char **grown = realloc(r->loaded, (r->n_loaded + 1) * sizeof *grown);
    if (grown)
        r->loaded = grown;
    if (!grown || !add_source(r, src)) {
        td_source_free(src);
        free(path);
        r->fatal = TD_ENOMEM;
        return;
    }
    r->loaded = grown;
    r->loaded[r->n_loaded++] = path;
    uint32_t src_index = r->p->n_sources - 1;
    char why[96];
    td_lang lang = td_diag_lang(r->d);
    if (not_text(src, lang, why, sizeof why)) {
        /* one message, at the import (or naming the file): its bytes are not shown */
        td_diagnostic *e =
            from ? td_diag_at(r->d, TD_SEV_ERROR, "not-rules", from, at.off, at.len,
                              N_("cannot import '%s': it is not a rule file: %s"), path, why)
                 : td_diag_at(r->d, TD_SEV_ERROR, "not-rules", NULL, 0, 0,
                              N_("'%s' is not a rule file: %s"), path, why);
        hint(r, e, "%s", TR(lang, "a rule file is UTF-8 text: check the path; if it is a rule "
                                  "file, save it as UTF-8"));
        return;
    }
    td_diag scratch;
    td_diag_init(&scratch);
    td_ast *ast = NULL;
    td_status pst = td_parse_source(&r->parse, src, src_index, &scratch, &ast);
    if (pst == TD_OK && ast && from && ast->n_decls == 0 && scratch.errors > 0 &&
        !starts_like_rules(src)) {
        /* a text file that is no rule file (named by mistake): one message, no line of it */
        td_diag_free(&scratch);
        td_diagnostic *e = td_diag_at(r->d, TD_SEV_ERROR, "not-rules", from, at.off, at.len,
                                      N_("cannot import '%s': it is not a rule file (no "
                                         "declaration could be read from it)"),
                                      path);
        hint(r, e, "%s", TR(lang, "a rule file declares `plan`, `param`, `record`, "
                                  "`criterion`...: check the path"));
        return;
    }
    td_diag_move(r->d, &scratch);
    td_diag_free(&scratch);
    if (pst != TD_OK || !ast) {
        r->fatal = TD_ENOMEM;
        return;
    }
    r->stack[r->depth++] = path;
    for (uint32_t i = 0; i < ast->n_decls && !r->fatal; i++) {
        td_decl *dcl = ast->decls[i];
        if (dcl->kind == TD_D_IMPORT) {
            if (!dcl->path.text)
                continue;
            char *target = dir_join(path, dcl->path.text);
            if (!target) {
                r->fatal = TD_ENOMEM;
                break;
            }
            load_file(r, target, src, dcl->path.span);
            free(target);
        } else if (!push_decl(r, dcl, src)) {
            r->fatal = TD_ENOMEM;
        }
    }
    r->depth--;
}

/* ---------- constants ---------- */

static bool const_value(rs *r, const td_expr *e, td_value *out, const td_type **type)
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
            td_diagnostic *x = ERR(r, e->span, "bad-date", "'%s' is not a date: %s", e->str,
                                   td_date_problem(r->d->lang, e->str, strlen(e->str), why, sizeof why));
            hint(r, x, "%s", "write dates as YYYY-MM-DD, e.g. 2025-12-31");
            return false;
        }
        out->kind = TD_V_DATE;
        *type = r->t_date;
        return true;
    }
    case TD_X_MONTH:
        if (!td_parse_month(e->str, strlen(e->str), &out->u.month)) {
            td_diagnostic *x = ERR(r, e->span, "bad-month", "'%s' is not a month", e->str);
            hint(r, x, "%s", "write months as YYYY-MM with a month from 01 to 12, e.g. 2024-05");
            return false;
        }
        out->kind = TD_V_MONTH;
        *type = r->t_month;
        return true;
    case TD_X_UNARY:
        if (e->op == TD_OP_NEG && e->a && e->a->kind == TD_X_NUMBER) {
            if (!const_value(r, e->a, out, type))
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

/* ---------- expressions ---------- */

typedef struct cctx {
    rs *r;
    const char *rule;           /* for messages: "criterion plan.has_dates" */
} cctx;

static td_cexpr *node(rs *r, td_cop op, const td_type *t, td_span sp)
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

static const td_cexpr *cx(cctx *c, const td_expr *e, const scope *s, const td_type *hint_t);

static void ensure_define(rs *r, td_define *def, td_span at);

static const td_type *field_type_over(rs *r, const td_type *t, const char *name,
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
    else if ((*def = define_of(r, rec, name)) != NULL) {
        ensure_define(r, (td_define *)*def, (td_span){0, 0, 0});
        ft = (*def)->type;
    }
    if (!ft)
        return NULL;
    if (t->kind == TD_T_LIST) /* mapped over the list, flattened */
        return ft->kind == TD_T_LIST ? ft : list_of(r, ft);
    return ft;
}

/* Names visible from a scope, for "did you mean". */
static size_t visible_names(rs *r, const scope *s, const td_type *hint_t, const char **out,
                            size_t cap)
{
    size_t n = 0;
    for (const scope *x = s; x; x = x->up) {
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

static const td_param *find_param(rs *r, const char *name)
{
    for (uint32_t i = 0; i < r->p->n_params; i++)
        if (strcmp(r->p->params[i].name, name) == 0)
            return &r->p->params[i];
    return NULL;
}

static const td_cexpr *enum_const(cctx *c, const td_enum *en, const char *code, td_span sp)
{
    int idx = td_enum_index(en, code, strlen(code));
    if (idx < 0)
        return NULL;
    td_type *t = new_type(c->r, TD_T_ENUM);
    td_cexpr *k = t ? node(c->r, TD_C_CONST, t, sp) : NULL;
    if (!k)
        return NULL;
    t->en = en;
    k->value.kind = TD_V_ENUM;
    k->value.u.en.en = en;
    k->value.u.en.index = (uint32_t)idx;
    return k;
}

static const td_cexpr *resolve_name(cctx *c, const td_expr *e, const scope *s,
                                    const td_type *hint_t)
{
    rs *r = c->r;
    uint32_t up = 0;
    for (const scope *x = s; x; x = x->up, up++) {
        if (x->binder && strcmp(x->binder, e->name) == 0) {
            td_cexpr *k = node(r, TD_C_IT, x->elem, e->span);
            if (k)
                k->up = up;
            return k;
        }
        for (uint32_t i = 0; i < x->n_lets; i++) {
            if (strcmp(x->let_names[i], e->name) == 0) {
                td_cexpr *k = node(r, TD_C_LET, x->let_types[i], e->span);
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
                td_cexpr *k = node(r, TD_C_FIELD, f->type, e->span);
                if (k) {
                    k->up = up;
                    k->slot = f->slot;
                }
                return k;
            }
            const td_define *def = define_of(r, x->elem->rec, e->name);
            if (def) {
                ensure_define(r, (td_define *)def, e->span);
                if (!def->type)
                    return NULL; /* its own error is reported */
                ((td_define *)def)->used = true;
                td_cexpr *k = node(r, TD_C_DEFINE, def->type, e->span);
                if (k) {
                    k->up = up;
                    k->def = def;
                }
                return k;
            }
        }
    }
    td_param *prm = (td_param *)find_param(r, e->name);
    if (prm) {
        prm->used = true;
        /* a dated param reads the value in force at the as-of date */
        td_cexpr *k = node(r, prm->n_values ? TD_C_PARAM : TD_C_CONST, prm->type, e->span);
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
    const char *in = r->rule_id ? "" : " in ", *what = r->rule_id ? "" : c->rule;
    if (hint_t && hint_t->kind == TD_T_ENUM) {
        x = ERR(r, e->span, "unknown-name", "unknown name '%s'%s%s: not a field, a param "
                "or a value of %s", e->name, in, what, hint_t->en->name);
    } else {
        const scope *inner = s;
        while (inner && inner->binder)
            inner = inner->up;
        x = ERR(r, e->span, "unknown-name", "unknown name '%s'%s%s: not a field of %s nor "
                "a param", e->name, in, what,
                inner && inner->elem && inner->elem->kind == TD_T_RECORD ? inner->elem->rec->name
                                                                          : "this scope");
    }
    if (sug)
        hint(r, x, "did you mean '%s'?", sug);
    return NULL;
}

static bool want(cctx *c, const td_cexpr *k, td_tkind kind, const char *what)
{
    if (!k)
        return false;
    if (k->type && (k->type->kind == kind || (kind == TD_T_NUMBER && is_numeric(k->type))))
        return true;
    char buf[128];
    td_diagnostic *x = ERR(c->r, k->span, "type", "%s must be %s, but this is %s", what,
                           kind == TD_T_BOOL     ? "a condition (true or false)"
                           : kind == TD_T_NUMBER ? "a number"
                           : kind == TD_T_LIST   ? "a list"
                           : kind == TD_T_DATE   ? "a date"
                           : kind == TD_T_MONTH  ? "a month"
                           : kind == TD_T_TEXT   ? "a text"
                                                 : "a value of another type",
                           tname(k->type, buf, sizeof buf));
    (void)x;
    return false;
}

static const td_type *elem_of(const td_cexpr *k)
{
    return k && k->type && k->type->kind == TD_T_LIST ? k->type->elem : NULL;
}

/* Coerces a text constant to a value of an enum when compared with one. */
static const td_cexpr *coerce(cctx *c, const td_cexpr *k, const td_type *to)
{
    if (!k || !to || to->kind != TD_T_ENUM || k->op != TD_C_CONST || k->value.kind != TD_V_TEXT)
        return k;
    const td_cexpr *e = enum_const(c, to->en, k->value.u.text.s, k->span);
    if (!e) {
        const char *sug = td_suggest(k->value.u.text.s, to->en->values, to->en->n);
        td_diagnostic *x = ERR(c->r, k->span, "unknown-value", "'%s' is not a value of %s",
                               k->value.u.text.s, to->en->name);
        if (sug)
            hint(c->r, x, "did you mean '%s'?", sug);
    }
    return e;
}

static bool comparable(cctx *c, const td_cexpr *a, const td_cexpr *b, bool ordered, td_span sp)
{
    char b1[128], b2[128];
    if (!same_type(a->type, b->type)) {
        td_diagnostic *x = ERR(c->r, sp, "type", "cannot compare %s with %s",
                               tname(a->type, b1, sizeof b1), tname(b->type, b2, sizeof b2));
        hint(c->r, x, "%s", "both sides of a comparison must have the same type");
        return false;
    }
    if (ordered) {
        td_tkind k = a->type->kind;
        if (!(is_numeric(a->type) || k == TD_T_DATE || k == TD_T_MONTH || k == TD_T_TEXT)) {
            ERR(c->r, sp, "type", "%s values have no order; use == or !=",
                tname(a->type, b1, sizeof b1));
            return false;
        }
    }
    if (a->type->kind == TD_T_RECORD || a->type->kind == TD_T_LIST) {
        ERR(c->r, sp, "type", "cannot compare whole %s values; compare one of their fields",
            tname(a->type, b1, sizeof b1));
        return false;
    }
    return true;
}

/* An iteration scope over the list compiled from e->a (with e->binder). */
static bool iter_scope(cctx *c, const td_expr *e, const scope *s, const td_cexpr **list,
                       scope *inner)
{
    *list = cx(c, e->a, s, NULL);
    if (!*list)
        return false;
    if (!want(c, *list, TD_T_LIST, "what follows"))
        return false;
    memset(inner, 0, sizeof *inner);
    inner->up = s;
    inner->elem = elem_of(*list);
    inner->binder = e->binder;
    return true;
}

/* The list of count/sum/min/max and its optional `where` (e->b), compiled in the scope of
 * one item; *where is NULL when there is none. */
static bool iter_where(cctx *c, const td_expr *e, const scope *s, const td_cexpr **list,
                       scope *inner, const td_cexpr **where)
{
    *where = NULL;
    if (!iter_scope(c, e, s, list, inner))
        return false;
    if (!e->b)
        return true;
    *where = cx(c, e->b, inner, NULL);
    return *where && want(c, *where, TD_T_BOOL, "the condition after 'where'");
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
static const td_cexpr *cx_found(cctx *c, const td_expr *e, const scope *s)
{
    rs *r = c->r;
    char id[256];
    if (e->nargs != 3) {
        td_diagnostic *x = ERR(r, e->span, "arity", "found takes 3 arguments, not %u", e->nargs);
        hint(r, x, "%s", "write found(INDEX, UNIT-ID, KEY), e.g. found(exemplar.ids, unit, "
                         "exemplar)");
        return NULL;
    }
    if (!dotted_text(e->args[0], id, sizeof id)) {
        ERR(r, e->args[0]->span, "type", "the first argument of found names an `index` "
            "declaration, e.g. exemplar.ids");
        return NULL;
    }
    if (!r->in_criterion) {
        ERR(r, e->span, "found-scope", "found() is decided across the units of a batch, so it "
            "may only be used in a criterion's conditions, not in a define, a target or a "
            "workflow");
        return NULL;
    }
    uint32_t ix = 0;
    while (ix < r->n_index_ids && strcmp(r->index_ids[ix], id) != 0)
        ix++;
    if (ix == r->n_index_ids) {
        td_diagnostic *x = ERR(r, e->args[0]->span, "unknown-index", "no index is named '%s'",
                               id);
        const char *sug = td_suggest(id, r->index_ids, r->n_index_ids);
        if (sug)
            hint(r, x, "did you mean '%s'?", sug);
        else
            hint(r, x, "%s", "declare it with `index ID \"label\" cite \"...\" on PATH key EXPR`");
        return NULL;
    }
    const td_cexpr *a = cx(c, e->args[1], s, NULL), *b = cx(c, e->args[2], s, NULL);
    if (!want(c, a, TD_T_TEXT, "the unit id given to found") ||
        !want(c, b, TD_T_TEXT, "the key given to found"))
        return NULL;
    td_cexpr *k = node(r, TD_C_FOUND, r->t_bool, e->span);
    if (k) {
        k->slot = ix;
        k->a = a;
        k->b = b;
    }
    return k;
}

static const td_cexpr *cx_call(cctx *c, const td_expr *e, const scope *s)
{
    rs *r = c->r;
    if (strcmp(e->name, "found") == 0)
        return cx_found(c, e, s);
    static const char *const fns[] = {"present", "empty", "length", "month_of", "year_of",
                                      "months", "without_spaces"};
    static const td_cop ops[] = {TD_C_PRESENT, TD_C_EMPTY, TD_C_LENGTH, TD_C_MONTH_OF,
                                 TD_C_YEAR_OF, TD_C_MONTHS, TD_C_NOSPACE};
    static const uint32_t arity[] = {1, 1, 1, 1, 1, 2, 1};
    const size_t n_fns = sizeof fns / sizeof fns[0];
    size_t i = 0;
    while (i < n_fns && strcmp(fns[i], e->name) != 0)
        i++;
    if (i == n_fns) {
        td_diagnostic *x = ERR(r, e->name_span, "unknown-function", "unknown function '%s'",
                               e->name);
        const char *sug = td_suggest(e->name, fns, n_fns);
        if (sug)
            hint(r, x, "did you mean '%s'?", sug);
        else
            hint(r, x, "%s", "functions are present, empty, length, month_of, year_of, months, "
                             "without_spaces, found; count, sum, min, max take a list");
        return NULL;
    }
    if (e->nargs != arity[i]) {
        ERR(r, e->span, "arity", "%s takes %u argument%s, not %u", fns[i], arity[i],
            arity[i] == 1 ? "" : "s", e->nargs);
        return NULL;
    }
    const td_cexpr *a = cx(c, e->args[0], s, NULL);
    const td_cexpr *b = e->nargs > 1 ? cx(c, e->args[1], s, NULL) : NULL;
    if (!a || (e->nargs > 1 && !b))
        return NULL;
    char buf[128];
    const td_type *t = NULL;
    switch (ops[i]) {
    case TD_C_PRESENT:
        t = r->t_bool;
        break;
    case TD_C_EMPTY:
    case TD_C_LENGTH:
        if (a->type->kind != TD_T_TEXT && a->type->kind != TD_T_LIST) {
            ERR(r, a->span, "type", "%s needs a text or a list, but this is %s", fns[i],
                tname(a->type, buf, sizeof buf));
            return NULL;
        }
        t = ops[i] == TD_C_EMPTY ? r->t_bool : r->t_int;
        break;
    case TD_C_MONTH_OF:
        if (!want(c, a, TD_T_DATE, "the argument of month_of"))
            return NULL;
        t = r->t_month;
        break;
    case TD_C_YEAR_OF:
        if (a->type->kind != TD_T_DATE && a->type->kind != TD_T_MONTH) {
            ERR(r, a->span, "type", "year_of needs a date or a month, but this is %s",
                tname(a->type, buf, sizeof buf));
            return NULL;
        }
        t = r->t_int;
        break;
    case TD_C_MONTHS:
        if (!want(c, a, TD_T_MONTH, "the first month") || !want(c, b, TD_T_MONTH, "the last month"))
            return NULL;
        t = list_of(r, r->t_month);
        break;
    case TD_C_NOSPACE:
        if (!want(c, a, TD_T_TEXT, "the argument of without_spaces"))
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
static bool is_loose_name(cctx *c, const td_expr *e, const scope *s)
{
    if (e->kind != TD_X_NAME)
        return false;
    for (const scope *x = s; x; x = x->up) {
        if (x->binder && strcmp(x->binder, e->name) == 0)
            return false;
        for (uint32_t i = 0; i < x->n_lets; i++)
            if (strcmp(x->let_names[i], e->name) == 0)
                return false;
        if (!x->binder && x->elem && x->elem->kind == TD_T_RECORD &&
            (td_record_field(x->elem->rec, e->name) || define_of(c->r, x->elem->rec, e->name)))
            return false;
    }
    return find_param(c->r, e->name) == NULL;
}

static const td_cexpr *cx_binary(cctx *c, const td_expr *e, const scope *s)
{
    rs *r = c->r;
    char b1[128], b2[128];
    switch (e->op) {
    case TD_OP_AND:
    case TD_OP_OR: {
        const td_cexpr *a = cx(c, e->a, s, NULL), *b = cx(c, e->b, s, NULL);
        if (!a || !b || !want(c, a, TD_T_BOOL, e->op == TD_OP_AND ? "each side of 'and'"
                                                                : "each side of 'or'") ||
            !want(c, b, TD_T_BOOL, e->op == TD_OP_AND ? "each side of 'and'" : "each side of 'or'"))
            return NULL;
        td_cexpr *k = node(r, e->op == TD_OP_AND ? TD_C_AND : TD_C_OR, r->t_bool, e->span);
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
            b = cx(c, e->b, s, NULL);
            a = b ? cx(c, e->a, s, b->type) : NULL;
            if (!a || !b)
                return NULL;
        } else {
            a = cx(c, e->a, s, NULL);
            if (!a)
                return NULL;
            b = coerce(c, cx(c, e->b, s, a->type), a->type);
        }
        if (!b)
            return NULL;
        a = coerce(c, a, b->type);
        if (!a)
            return NULL;
        if (!comparable(c, a, b, e->op != TD_OP_EQ && e->op != TD_OP_NE, e->span))
            return NULL;
        td_cexpr *k = node(r, TD_C_CMP, r->t_bool, e->span);
        if (k) {
            k->sub = (int)e->op;
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
            b = cx(c, e->b, s, NULL);
            a = b ? cx(c, e->a, s, elem_of(b)) : NULL;
        } else {
            a = cx(c, e->a, s, NULL);
            b = a ? cx(c, e->b, s, list_of(r, a->type)) : NULL;
        }
        if (!a)
            return NULL;
        if (!b || !want(c, b, TD_T_LIST, "the right side of 'in'"))
            return NULL;
        if (b->op == TD_C_LIST) {
            td_cexpr *bl = (td_cexpr *)b;
            for (uint32_t i = 0; i < bl->nargs; i++) {
                bl->args[i] = coerce(c, bl->args[i], a->type);
                if (!bl->args[i])
                    return NULL;
            }
            if (bl->nargs)
                bl->type = list_of(r, a->type);
        }
        if (b->type->elem && !same_type(a->type, b->type->elem)) {
            ERR(r, e->span, "type", "cannot look for %s in a list of %s",
                tname(a->type, b1, sizeof b1), tname(b->type->elem, b2, sizeof b2));
            return NULL;
        }
        td_cexpr *k = node(r, TD_C_IN, r->t_bool, e->span);
        if (k) {
            k->negate = e->op == TD_OP_NOT_IN;
            k->a = a;
            k->b = b;
        }
        return k;
    }
    case TD_OP_ADD: case TD_OP_SUB: case TD_OP_MUL: case TD_OP_DIV: {
        const td_cexpr *a = cx(c, e->a, s, NULL), *b = cx(c, e->b, s, NULL);
        if (!a || !b)
            return NULL;
        const td_type *t = NULL;
        td_tkind ka = a->type->kind, kb = b->type->kind;
        if (is_numeric(a->type) && is_numeric(b->type))
            t = (ka == TD_T_INT && kb == TD_T_INT && e->op != TD_OP_DIV) ? r->t_int : r->t_number;
        else if ((ka == TD_T_DATE || ka == TD_T_MONTH) && kb == TD_T_INT &&
                 (e->op == TD_OP_ADD || e->op == TD_OP_SUB))
            t = a->type; /* date +- days, month +- months */
        else if (ka == kb && (ka == TD_T_DATE || ka == TD_T_MONTH) && e->op == TD_OP_SUB)
            t = r->t_int; /* days or months between */
        if (!t) {
            td_diagnostic *x = ERR(r, e->span, "type", "cannot compute %s %s %s",
                                   tname(a->type, b1, sizeof b1),
                                   e->op == TD_OP_ADD ? "+" : e->op == TD_OP_SUB ? "-"
                                   : e->op == TD_OP_MUL ? "*" : "/",
                                   tname(b->type, b2, sizeof b2));
            hint(r, x, "%s", "arithmetic works on numbers; a date or month plus or minus a whole "
                             "number of days or months; and a date minus a date");
            return NULL;
        }
        if (a->op == TD_C_CONST && b->op == TD_C_CONST) {
            /* constants fold, and one that cannot be computed is an error here, not a rule
             * that would never say anything */
            const char *why;
            td_value v = td_arith((int)e->op, t->kind, a->value, b->value, &why);
            if (why) {
                td_lang lang = td_diag_lang(r->d);
                td_diagnostic *x = ERR(r, e->span, "arith", N_("this cannot be computed: %s"),
                                       TR(lang, why));
                hint(r, x, "%s", TR(lang, "check the numbers and the params it uses"));
                return NULL;
            }
            if (v.kind != TD_V_ABSENT) {
                td_cexpr *k = node(r, TD_C_CONST, t, e->span);
                if (k)
                    k->value = v;
                return k;
            }
        }
        td_cexpr *k = node(r, TD_C_ARITH, t, e->span);
        if (k) {
            k->sub = (int)e->op;
            k->a = a;
            k->b = b;
        }
        return k;
    }
    default:
        return NULL;
    }
}

/* What eval_depth needs besides the expression. */
typedef struct depth_ctx {
    const uint32_t *lets;       /* the depth of each let of the criterion, or NULL */
    uint32_t n_lets;
    bool deep_use;              /* set when a define or let used is past the bound */
} depth_ctx;

/* How deep evaluating k recurses: one level per operation, plus the depth of each define or
 * let it uses, as they are evaluated where they are used (capped past MAX_EVAL_DEPTH). */
static uint32_t eval_depth(const td_cexpr *k, depth_ctx *x)
{
    if (!k)
        return 0;
    uint32_t d = 0, e;
    if ((k->op == TD_C_DEFINE || k->op == TD_C_GETDEF) && k->def)
        d = k->def->depth;
    else if (k->op == TD_C_LET && x->lets && k->slot < x->n_lets)
        d = x->lets[k->slot];
    if (d > MAX_EVAL_DEPTH)
        x->deep_use = true;
    if ((e = eval_depth(k->a, x)) > d)
        d = e;
    if ((e = eval_depth(k->b, x)) > d)
        d = e;
    if ((e = eval_depth(k->c, x)) > d)
        d = e;
    for (uint32_t i = 0; i < k->nargs; i++)
        if ((e = eval_depth(k->args[i], x)) > d)
            d = e;
    return d > MAX_EVAL_DEPTH ? MAX_EVAL_DEPTH + 1 : d + 1;
}

static const td_cexpr *cx_node(cctx *c, const td_expr *e, const scope *s,
                               const td_type *hint_t);

/* Lowers one expression. Compiling a define the expression uses nests here (ensure_define),
 * so a chain of defines declared after their users recurses once per define: bounded. */
static const td_cexpr *cx(cctx *c, const td_expr *e, const scope *s, const td_type *hint_t)
{
    rs *r = c->r;
    if (!e || r->fatal)
        return NULL;
    if (r->nest >= MAX_EVAL_DEPTH) {
        if (!r->nest_reported) {
            td_diagnostic *x = ERR(r, e->span, "too-deep",
                                   N_("too many levels of defines used one inside another "
                                      "here: more than %d operations nested"),
                                   MAX_EVAL_DEPTH);
            hint(r, x, "%s", TR(td_diag_lang(r->d), "a define that uses a define that uses "
                                "another... is evaluated one inside the other: make the chain "
                                "shorter"));
        }
        r->nest_reported = true;
        return NULL;
    }
    r->nest++;
    const td_cexpr *k = cx_node(c, e, s, hint_t);
    r->nest--;
    return k;
}

static const td_cexpr *cx_node(cctx *c, const td_expr *e, const scope *s,
                               const td_type *hint_t)
{
    rs *r = c->r;
    char buf[128];
    switch (e->kind) {
    case TD_X_NUMBER: case TD_X_STRING: case TD_X_DATE: case TD_X_MONTH: case TD_X_BOOL: {
        td_value v;
        const td_type *t = NULL;
        if (!const_value(r, e, &v, &t))
            return NULL;
        td_cexpr *k = node(r, TD_C_CONST, t, e->span);
        if (k)
            k->value = v;
        return k;
    }
    case TD_X_NAME:
        return resolve_name(c, e, s, hint_t);
    case TD_X_ROOT:
        return node(r, TD_C_ROOT, r->p->schema.document_type, e->span);
    case TD_X_ASOF:
        return node(r, TD_C_ASOF, r->t_date, e->span);
    case TD_X_IT: case TD_X_PREVIOUS: case TD_X_POSITION: {
        if (!s || !s->elem) {
            ERR(r, e->span, "scope", "'%s' only means something inside all/any/none/count/each "
                "or a rule's entity", e->kind == TD_X_IT ? "it" : e->kind == TD_X_PREVIOUS
                ? "previous" : "position");
            return NULL;
        }
        td_cop op = e->kind == TD_X_IT ? TD_C_IT : e->kind == TD_X_PREVIOUS ? TD_C_PREVIOUS
                                                                             : TD_C_POSITION;
        return node(r, op, op == TD_C_POSITION ? r->t_int : s->elem, e->span);
    }
    case TD_X_FIELD: {
        const td_cexpr *a = cx(c, e->a, s, NULL);
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
                ERR(r, e->name_span, "not-a-record", "'%s' has no fields: it is %s", e->name,
                    tname(a->type, buf, sizeof buf));
                return NULL;
            }
            td_diagnostic *x = ERR(r, e->name_span, "unknown-field", "unknown field '%s' on %s",
                                   e->name, rec->name);
            suggest_from(r, x, e->name, NAMES_MEMBERS, rec);
            return NULL;
        }
        if (def)
            ((td_define *)def)->used = true;
        td_cexpr *k = node(r, f ? TD_C_GET : TD_C_GETDEF, t, e->span);
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
        td_cexpr *k = node(r, TD_C_LIST, NULL, e->span);
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
            k->args[i] = coerce(c, cx(c, e->args[i], s, et), et);
            if (!k->args[i])
                return NULL;
            if (!first)
                first = k->args[i]->type;
            else if (!same_type(first, k->args[i]->type)) {
                char b2[128];
                ERR(r, e->args[i]->span, "type", "a list holds values of one type: this is %s, "
                    "the first was %s", tname(k->args[i]->type, buf, sizeof buf),
                    tname(first, b2, sizeof b2));
                return NULL;
            }
        }
        k->type = list_of(r, first ? first : (et ? et : r->t_text));
        return k;
    }
    case TD_X_UNARY: {
        const td_cexpr *a = cx(c, e->a, s, NULL);
        if (!a)
            return NULL;
        if (e->op == TD_OP_NOT) {
            if (!want(c, a, TD_T_BOOL, "what follows 'not'"))
                return NULL;
        } else if (!want(c, a, TD_T_NUMBER, "what follows '-'")) {
            return NULL;
        }
        td_cexpr *k = node(r, e->op == TD_OP_NOT ? TD_C_NOT : TD_C_NEG, a->type, e->span);
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
        scope inner;
        if (!iter_where(c, e, s, &list, &inner, &where))
            return NULL;
        td_cexpr *k = node(r, TD_C_COUNT, r->t_int, e->span);
        if (k) {
            k->a = list;
            k->b = where;
        }
        return k;
    }
    case TD_X_AGG: {
        const td_cexpr *list, *where;
        scope inner;
        if (!iter_where(c, e, s, &list, &inner, &where))
            return NULL;
        const td_cexpr *val = cx(c, e->c, &inner, NULL);
        if (!val)
            return NULL;
        td_tkind vk = val->type->kind;
        if (e->agg == TD_AGG_SUM ? !is_numeric(val->type)
                                 : !(is_numeric(val->type) || vk == TD_T_DATE ||
                                     vk == TD_T_MONTH || vk == TD_T_TEXT)) {
            ERR(r, val->span, "type", "%s needs %s, but this is %s",
                e->agg == TD_AGG_SUM ? "sum" : e->agg == TD_AGG_MIN ? "min" : "max",
                e->agg == TD_AGG_SUM ? "numbers" : "numbers, dates, months or texts",
                tname(val->type, buf, sizeof buf));
            return NULL;
        }
        td_cexpr *k = node(r, TD_C_AGG, val->type, e->span);
        if (k) {
            k->sub = (int)e->agg;
            k->a = list;
            k->b = where;
            k->c = val;
        }
        return k;
    }
    case TD_X_MINMAX: {
        const td_cexpr *a = cx(c, e->a, s, NULL), *b = cx(c, e->b, s, NULL);
        if (!a || !b || !comparable(c, a, b, true, e->span))
            return NULL;
        td_cexpr *k = node(r, TD_C_MINMAX, a->type, e->span);
        if (k) {
            k->sub = (int)e->agg;
            k->a = a;
            k->b = b;
            if (is_numeric(a->type) && a->type->kind != b->type->kind)
                k->type = r->t_number;
        }
        return k;
    }
    case TD_X_QUANT:
    case TD_X_EACH: {
        const td_cexpr *list;
        scope inner;
        if (!iter_scope(c, e, s, &list, &inner))
            return NULL;
        const td_cexpr *body = cx(c, e->b, &inner, NULL);
        if (!body || !want(c, body, TD_T_BOOL, e->kind == TD_X_EACH
                                                   ? "the condition after 'where'"
                                                   : "the condition after 'have'"))
            return NULL;
        td_cexpr *k = node(r, e->kind == TD_X_EACH ? TD_C_EACH : TD_C_QUANT,
                           e->kind == TD_X_EACH ? list->type : r->t_bool, e->span);
        if (k) {
            k->sub = (int)e->quant;
            k->a = list;
            k->b = body;
        }
        return k;
    }
    case TD_X_IF: {
        const td_cexpr *a = cx(c, e->a, s, NULL);
        if (!a || !want(c, a, TD_T_BOOL, "the condition after 'if'"))
            return NULL;
        const td_cexpr *b = cx(c, e->b, s, hint_t);
        if (!b)
            return NULL;
        const td_cexpr *k3 = coerce(c, cx(c, e->c, s, b->type), b->type);
        if (!k3)
            return NULL;
        if (!same_type(b->type, k3->type)) {
            char b2[128];
            ERR(r, e->span, "type", "'then' gives %s but 'else' gives %s",
                tname(b->type, buf, sizeof buf), tname(k3->type, b2, sizeof b2));
            return NULL;
        }
        td_cexpr *k = node(r, TD_C_IF, b->type, e->span);
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

static const td_cexpr *cx_bool(cctx *c, const td_expr *e, const scope *s, const char *what)
{
    const td_cexpr *k = cx(c, e, s, NULL);
    return k && want(c, k, TD_T_BOOL, what) ? k : NULL;
}

/* ---------- messages ---------- */

/* Compiles "text {expr} text" from the raw source of the string (escapes undone here). */
static bool compile_message(cctx *c, const td_str *str, const scope *s, td_msg *out)
{
    rs *r = c->r;
    memset(out, 0, sizeof *out);
    if (!str->text)
        return true;
    const td_source *src = src_of(r, str->span);
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
    size_t bl = 0;
    bool ok = true;
    for (size_t i = 0; i < n; i++) {
        char ch = raw[i];
        if (ch == '\\' && i + 1 < n) {
            char esc = raw[++i];
            buf[bl++] = esc == 'n' ? '\n' : esc == 't' ? '\t' : esc;
            continue;
        }
        if (ch != '{') {
            buf[bl++] = ch;
            continue;
        }
        size_t j = i + 1;
        while (j < n && raw[j] != '}' && raw[j] != '{')
            j++;
        td_span at = {str->span.src, str->span.off + 1 + (uint32_t)i, 1};
        if (j >= n || raw[j] == '{') {
            td_diagnostic *x = ERR(r, at, "message", "'{' in a message is not closed by '}'");
            hint(r, x, "%s", "write \\{ for a literal brace");
            return false;
        }
        if (ne == 64) {
            ERR(r, at, "message", "a message interpolates at most 64 values");
            return false;
        }
        td_expr *e = td_parse_expr_at(&r->parse, src, str->span.src,
                                      str->span.off + 1 + (uint32_t)i + 1, (uint32_t)(j - i - 1),
                                      r->d);
        const td_cexpr *k = e ? cx(c, e, s, NULL) : NULL;
        if (!k)
            ok = false;
        buf[bl] = '\0';
        texts[ne] = td_arena_strndup(r->pa, buf, bl);
        exprs[ne++] = k;
        bl = 0;
        i = j;
    }
    buf[bl] = '\0';
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
    out->text[ne] = td_arena_strndup(r->pa, buf, bl);
    return true;
}

/* ---------- schema ---------- */

typedef struct named {
    const char *name;
    td_span span;
} named;

static td_record *find_record(rs *r, const char *name)
{
    for (uint32_t i = 0; i < r->p->schema.n_records; i++)
        if (strcmp(r->p->schema.records[i]->name, name) == 0)
            return r->p->schema.records[i];
    return NULL;
}

static td_enum *find_enum(rs *r, const char *name)
{
    for (uint32_t i = 0; i < r->p->schema.n_enums; i++)
        if (strcmp(r->p->schema.enums[i]->name, name) == 0)
            return r->p->schema.enums[i];
    return NULL;
}

static const td_type *resolve_type(rs *r, const td_ast_type *at)
{
    if (!at)
        return NULL;
    if (at->is_list) {
        const td_type *e = resolve_type(r, at->elem);
        return e ? list_of(r, e) : NULL;
    }
    static const char *const scalars[] = {"text", "int", "number", "bool", "date", "month"};
    const td_type *st[] = {r->t_text, r->t_int, r->t_number, r->t_bool, r->t_date, r->t_month};
    for (int i = 0; i < 6; i++)
        if (strcmp(at->name, scalars[i]) == 0)
            return st[i];
    td_enum *en = find_enum(r, at->name);
    if (en) {
        td_type *t = new_type(r, TD_T_ENUM);
        if (t)
            t->en = en;
        return t;
    }
    td_record *rec = find_record(r, at->name);
    if (rec) {
        td_type *t = new_type(r, TD_T_RECORD);
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
    td_diagnostic *x = ERR(r, at->span, "unknown-type", "unknown type '%s'", at->name);
    const char *sug = td_suggest(at->name, names, n);
    if (sug)
        hint(r, x, "did you mean '%s'?", sug);
    else
        hint(r, x, "%s", "a type is text, int, number, bool, date, month, an enum, a record, "
                         "or `list of` one of these");
    return NULL;
}

/* Makes room for element n of an array in the program arena that only this function grows:
 * the capacity doubles at powers of two (so it needs no field of its own), and a file of
 * many declarations copies each one a bounded number of times. */
static void *grow(rs *r, void *arr, uint32_t n, size_t size)
{
    if (n && (n & (n - 1)) != 0)
        return arr;
    void *nw = td_arena_alloc(r->pa, (n ? 2 * (size_t)n : 1) * size);
    if (!nw) {
        r->fatal = TD_ENOMEM;
        return NULL;
    }
    if (n)
        memcpy(nw, arr, n * size);
    return nw;
}

/* A copy in the program arena of an optional text (NULL stays NULL). */
static const char *dup_opt(rs *r, const char *text)
{
    return text ? td_arena_strdup(r->pa, text) : NULL;
}

/* A label of the rules with its {params} inserted (label.c), or `fallback` when none is
 * written; errors name the rule being compiled. */
static const char *label_of(rs *r, const td_str *s, const char *fallback)
{
    if (!s->text)
        return fallback;
    const char *l = td_label_compile(r->p, r->d, s, r->rule_id, r->rule_cite);
    if (!l)
        r->fatal = TD_ENOMEM;
    return l ? l : fallback;
}

/* The labels of the params, once every `set` and -D has given its value. */
static void param_labels(rs *r)
{
    for (uint32_t i = 0; i < r->n_decls && !r->fatal; i++) {
        const td_decl *d = r->decls[i].decl;
        if (d->kind != TD_D_PARAM || !d->label.text)
            continue;
        for (uint32_t k = 0; k < r->p->n_params; k++) {
            td_param *prm = &r->p->params[k];
            if (prm->decl.src == d->span.src && prm->decl.off == d->span.off)
                prm->label = label_of(r, &d->label, prm->label);
        }
    }
}

/* False (with an error) when an enum or record already has the name `d` declares. */
static bool type_name_free(rs *r, const td_decl *d)
{
    if (!find_enum(r, d->name) && !find_record(r, d->name))
        return true;
    ERR(r, d->name_span, "duplicate", "type '%s' is declared twice", d->name);
    return false;
}

/* The declaration of enum or record `name` (not an overlay's), for provenance. */
static td_span decl_of_type(rs *r, td_decl_kind kind, const char *name)
{
    for (uint32_t i = 0; i < r->n_decls; i++) {
        const td_decl *d = r->decls[i].decl;
        if (d->kind == kind && !d->replace && !d->extend && d->name && strcmp(d->name, name) == 0)
            return d->span;
    }
    return (td_span){UINT32_MAX, 0, 0};
}

/* `extend enum NAME { ... }` adds codes; `replace enum NAME { ... }` gives the list anew. */
static void change_enum(rs *r, const td_decl *d)
{
    td_enum *en = find_enum(r, d->name);
    if (!en) {
        td_diagnostic *x = ERR(r, d->name_span, "unknown-type", "cannot %s enum '%s': no enum has "
                               "that name", d->replace ? "replace" : "extend", d->name);
        const char *names[512];
        size_t n = 0;
        for (uint32_t i = 0; i < r->p->schema.n_enums && n < 512; i++)
            names[n++] = r->p->schema.enums[i]->name;
        const char *sug = td_suggest(d->name, names, n);
        if (sug)
            hint(r, x, "did you mean '%s'?", sug);
        else if (find_record(r, d->name))
            hint(r, x, "%s", "it is a record: add fields with `extend RECORD { ... }`");
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
            td_diagnostic *x = ERR(r, d->items[k].span, "duplicate", "value '%s' %s in enum %s",
                                   d->items[k].name, d->replace ? "appears twice" : "is already",
                                   d->name);
            if (!d->replace)
                hint(r, x, "%s", "to change the labels of its codes, write `replace enum` with "
                                 "the whole list");
            continue;
        }
        en->values[en->n] = td_arena_strdup(r->pa, d->items[k].name);
        en->labels[en->n] = dup_opt(r, d->items[k].label.text);
        en->n++;
    }
    keep_change(r, "enum", d->name, d->replace ? "replaced" : "extended", d,
                decl_of_type(r, TD_D_ENUM, d->name));
}

static void declare_enum(rs *r, const td_decl *d)
{
    td_schema *sc = &r->p->schema;
    td_enum *en = td_arena_alloc(r->pa, sizeof *en);
    td_enum **arr = grow(r, sc->enums, sc->n_enums, sizeof *arr);
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
            ERR(r, d->items[k].span, "duplicate", "value '%s' appears twice in enum %s",
                d->items[k].name, d->name);
            continue;
        }
        en->values[en->n] = td_arena_strdup(r->pa, d->items[k].name);
        en->labels[en->n] = dup_opt(r, d->items[k].label.text);
        en->n++;
    }
    arr[sc->n_enums++] = en;
    sc->enums = arr;
}

/* `replace record NAME "label" cite "..." { ... }`: a new label and clause; its fields
 * tighten or add (pass 2), and every field of the record stays. */
static void replace_record_head(rs *r, const td_decl *d)
{
    td_record *rec = find_record(r, d->name);
    if (!rec) {
        td_diagnostic *x = ERR(r, d->name_span, "unknown-type", "cannot replace record '%s': no "
                               "record has that name", d->name);
        suggest_from(r, x, d->name, NAMES_RECORDS, NULL);
        return;
    }
    if (d->label.text)
        rec->label = dup_opt(r, d->label.text);
    if (d->cite.text)
        rec->cite = dup_opt(r, d->cite.text);
    keep_change(r, "record", d->name, "replaced", d, decl_of_type(r, TD_D_RECORD, d->name));
}

/* A field an overlay declares again (in `extend` or `replace record`): it may become
 * required, take a new label, and a free-text field may take a code list (an enum); its
 * type cannot otherwise change, as units' files and rules read it by that type. */
static void tighten_field(rs *r, td_record *rec, td_field *f, const td_ast_field *af)
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
    if (!same_type(f->type, t) && !coded) {
        char b1[128], b2[128];
        td_diagnostic *x = ERR(r, af->type->span, "field-type", "an overlay cannot change the "
                               "type of field '%s' of %s: it is %s, not %s", f->name, rec->name,
                               tname(f->type, b1, sizeof b1), tname(t, b2, sizeof b2));
        hint(r, x, "%s", "units' files and the rules read the field by its type; an overlay may "
                         "make it required, or give a text field a code list (an enum)");
        return;
    }
    f->type = t;
    if (af->required)
        f->required = true;
    if (af->label.text)
        f->label = dup_opt(r, af->label.text);
}

static void declare_record(rs *r, const td_decl *d)
{
    td_schema *sc = &r->p->schema;
    td_record *rec = td_arena_alloc(r->pa, sizeof *rec);
    td_record **arr = grow(r, sc->records, sc->n_records, sizeof *arr);
    if (!rec || !arr)
        return;
    rec->name = td_arena_strdup(r->pa, d->name);
    rec->label = dup_opt(r, d->label.text);
    rec->cite = dup_opt(r, d->cite.text);
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
static void dated_records(rs *r)
{
    td_schema *sc = &r->p->schema;
    for (uint32_t i = 0; i < r->n_decls && !r->fatal; i++) {
        const td_decl *d = r->decls[i].decl;
        if ((d->kind != TD_D_RECORD && d->kind != TD_D_EXTEND) || !d->dated)
            continue;
        td_record *rec = find_record(r, d->name);
        if (!rec)
            continue;
        const td_field *f = td_record_field(rec, d->dated);
        if (!f) {
            td_diagnostic *x = ERR(r, d->dated_span, "unknown-field",
                                   "record %s has no field '%s' to be dated by", rec->name,
                                   d->dated);
            suggest_from(r, x, d->dated, NAMES_FIELDS, rec);
            continue;
        }
        if (f->type->kind != TD_T_DATE && f->type->kind != TD_T_MONTH) {
            char tb[128];
            ERR(r, d->dated_span, "type",
                "record %s cannot be dated by field '%s', a %s: name a date or month field",
                rec->name, f->name, td_type_name(f->type, tb, sizeof tb));
            continue;
        }
        if (rec->dated && rec->dated_slot != f->slot) {
            ERR(r, d->dated_span, "duplicate",
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

static void build_schema(rs *r)
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
        td_record *rec = find_record(r, d->name);
        if (!rec) {
            if (d->kind == TD_D_EXTEND) {
                td_diagnostic *x = ERR(r, d->name_span, "unknown-type",
                                       "cannot extend '%s': no record has that name", d->name);
                suggest_from(r, x, d->name, NAMES_RECORDS, NULL);
            }
            continue;
        }
        for (uint32_t k = 0; k < d->n_fields; k++) {
            const td_ast_field *af = &d->fields[k];
            const td_field *old = td_record_field(rec, af->name);
            if (old && (d->kind == TD_D_EXTEND || d->replace)) {
                tighten_field(r, rec, (td_field *)old, af);
                if (d->kind == TD_D_EXTEND)
                    keep_change(r, "record", rec->name, "tightened", d,
                                decl_of_type(r, TD_D_RECORD, rec->name));
                continue;
            }
            if (old) {
                td_diagnostic *x = ERR(r, af->span, "duplicate", "record %s already has a field "
                                       "'%s'", rec->name, af->name);
                hint(r, x, "%s", "to make it required or give it a code list in an overlay, "
                                 "declare it again in `extend RECORD { ... }`");
                continue;
            }
            const td_type *t = resolve_type(r, af->type);
            if (!t)
                continue;
            td_field *arr = grow(r, rec->fields, rec->n_fields, sizeof *arr);
            if (!arr)
                return;
            td_field *f = &arr[rec->n_fields];
            f->name = td_arena_strdup(r->pa, af->name);
            f->label = dup_opt(r, af->label.text);
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
                    x = td_diag_at(r->d, TD_SEV_ERROR, "no-document", first, 0, 0,
                                   "these rules declare nothing: the file only imports files "
                                   "that are empty or only comments");
                else
                    x = td_diag_at(r->d, TD_SEV_ERROR, "no-document", first, 0, 0,
                                   "these rules declare nothing: the file is empty or only "
                                   "comments");
                hint(r, x, "%s", "check that this is the rule file you meant; a rule file "
                                 "declares the records of a unit file, `document NAME` and "
                                 "its rules");
            } else {
                x = td_diag_at(r->d, TD_SEV_ERROR, "no-document", first, 0, 0,
                               "no `document` declaration in these rules");
                hint(r, x, "%s", "say which record a unit file holds, e.g. `document unit_file`");
            }
        }
        return;
    }
    td_record *rec = find_record(r, doc->name);
    if (!rec) {
        ERR(r, doc->name_span, "unknown-type", "document '%s' is not a declared record",
            doc->name);
        return;
    }
    sc->document = rec;
    td_type *t = new_type(r, TD_T_RECORD);
    if (t)
        t->rec = rec;
    sc->document_type = t;
}

/* ---------- params ---------- */

/* A param declared by `d`, appended to the program from `init` with its name, label and
 * clause; a param without `cite` is reported. NULL when out of memory. */
static td_param *new_param(rs *r, const td_decl *d, const td_param *init)
{
    td_program *p = r->p;
    if (!d->cite.text) {
        td_diagnostic *x = ERR(r, d->name_span, "missing-cite", "param '%s' has no `cite`",
                               d->name);
        hint(r, x, "%s", "every param names the clause of the plan it comes from, "
                         "e.g. cite \"II.2.1\"");
    }
    td_param *arr = grow(r, p->params, p->n_params, sizeof *arr);
    if (!arr)
        return NULL;
    td_param *prm = &arr[p->n_params++];
    p->params = arr;
    *prm = *init;
    prm->name = td_arena_strdup(r->pa, d->name);
    prm->label = dup_opt(r, d->label.text);
    prm->cite = dup_opt(r, d->cite.text);
    return prm;
}

/* The dated values of a param or set (VALUE [from DATE] [until DATE], ...) into prm, checked
 * against `type` (the param's, or NULL to take the first value's): each value after the
 * first says from when it is in force (its `from`, or the day after the previous value's
 * `until`), the dates go forward, and the last value has no end. False after an error. */
static bool dated_values(rs *r, const td_decl *d, const td_type *type, td_param *prm)
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
        if (!const_value(r, w->value, &vals[i], &t)) {
            if (w->value->kind != TD_X_DATE && w->value->kind != TD_X_MONTH)
                ERR(r, w->value->span, "param-value", "the value of a param must be written out: "
                    "a number, a text, a date, a month, true or false");
            return false;
        }
        if (!type)
            type = t;
        if (!same_type(type, t)) {
            ERR(r, w->value->span, "type", "param '%s' is %s, but this value is %s", d->name,
                tname(type, b1, sizeof b1), tname(t, b2, sizeof b2));
            return false;
        }
        if (type->kind == TD_T_NUMBER && vals[i].kind == TD_V_INT) {
            vals[i].kind = TD_V_NUM;
            vals[i].u.num = (double)vals[i].u.i;
        }
        if (w->from && !const_value(r, w->from, &fv, &ft))
            return false;
        if (w->until && !const_value(r, w->until, &uv, &ft))
            return false;
        if (w->from && w->until && uv.u.days < fv.u.days) {
            ERR(r, w->until->span, "param-dates", "this value of '%s' would end before it "
                "starts", d->name);
            return false;
        }
        if (i == n - 1 && w->until) {
            td_diagnostic *x = ERR(r, w->until->span, "param-dates", "the last value of '%s' is "
                                   "in force from its date on, with no end", d->name);
            hint(r, x, "%s", "leave out `until` on the last value, or add the value that "
                             "follows it: 60 until 2024-12-31, 80");
            return false;
        }
        from[i] = INT32_MIN;
        if (i == 0)
            continue;
        const td_ast_when *pw = &d->whens[i - 1];
        td_value pu;
        bool has_pu = pw->until && const_value(r, pw->until, &pu, &ft);
        const td_source *vs = src_of(r, w->value->span);
        if (!w->from && !has_pu && vs && pw->value->kind == TD_X_NUMBER &&
            w->value->kind == TD_X_NUMBER && !pw->from &&
            pw->value->span.off + pw->value->span.len + 1 == w->value->span.off) {
            /* 0,5: a decimal comma, as Vietnamese writes numbers, not two values */
            td_span all = pw->value->span;
            all.len = w->value->span.off + w->value->span.len - all.off;
            const char *txt = vs->text;
            td_diagnostic *x = ERR(r, all, "decimal-comma", "'%.*s' is written with a decimal "
                                   "comma", (int)all.len, txt + all.off);
            if (x)
                td_diag_set(r->d, &x->hint, "write decimals with a point: %.*s.%.*s",
                            (int)pw->value->span.len, txt + pw->value->span.off,
                            (int)w->value->span.len, txt + w->value->span.off);
            return false;
        }
        if (!w->from && !has_pu) {
            td_diagnostic *x = ERR(r, w->value->span, "param-dates", "from when is this value "
                                   "of '%s' in force?", d->name);
            hint(r, x, "%s", "write `from DATE` after it (or `until DATE` after the value "
                             "before it): 60 until 2024-12-31, 80 from 2025-01-01");
            return false;
        }
        from[i] = w->from ? fv.u.days : pu.u.days + 1;
        if (w->from && has_pu && fv.u.days != pu.u.days + 1) {
            char day[16];
            td_format_date(pu.u.days + 1, day);
            td_diagnostic *x = ERR(r, w->from->span, "param-dates", "the value before ends on "
                                   "%s, so this one must be in force from %s: the dates of a "
                                   "param leave no gap and do not overlap", pw->until->str, day);
            hint(r, x, "write from %s, or change the `until` before it", day);
            return false;
        }
        if (i > 1 && from[i] <= from[i - 1]) {
            ERR(r, w->from ? w->from->span : pw->until->span, "param-dates",
                "the values of '%s' must be written in the order of their dates", d->name);
            return false;
        }
    }
    /* the first value holds from the start; its own `from` only says so */
    if (n > 1 && d->whens[0].from) {
        td_value f0;
        const td_type *ft;
        if (const_value(r, d->whens[0].from, &f0, &ft) && f0.u.days >= from[1]) {
            ERR(r, d->whens[0].from->span, "param-dates",
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

static void build_params(rs *r)
{
    for (uint32_t i = 0; i < r->n_decls && !r->fatal; i++) {
        td_decl *d = r->decls[i].decl;
        if (d->kind != TD_D_PARAM && d->kind != TD_D_SET)
            continue;
        td_param *existing = (td_param *)find_param(r, d->name);
        td_value v;
        const td_type *t = NULL;
        if (!d->value)
            continue;
        bool dated = d->n_whens > 1 || (d->n_whens == 1 && (d->whens[0].from || d->whens[0].until));
        if (dated) {
            if (d->kind == TD_D_SET && !existing) {
                td_diagnostic *x = ERR(r, d->name_span, "unknown-param",
                                       "cannot set '%s': no param has that name", d->name);
                suggest_from(r, x, d->name, NAMES_PARAMS, NULL);
                continue;
            }
            if (d->kind == TD_D_PARAM && existing) {
                td_diagnostic *x = ERR(r, d->name_span, "duplicate", "param '%s' is declared "
                                       "twice; to change its value in an overlay write "
                                       "`set %s = ...`", d->name, d->name);
                where_first(r, x, "it was", existing->span);
                continue;
            }
            td_param tmp = {0};
            if (!dated_values(r, d, existing ? existing->type : NULL, &tmp))
                continue;
            if (existing) {
                keep_change(r, "param", d->name, "set", d, existing->decl);
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
            continue;
        }
        if (!const_value(r, d->value, &v, &t)) {
            if (d->value->kind != TD_X_DATE && d->value->kind != TD_X_MONTH) {
                td_diagnostic *x = ERR(r, d->value->span, "param-value",
                                       "the value of a param must be written out: a number, a "
                                       "text, a date, a month, true or false");
                (void)x;
            }
            continue;
        }
        if (d->kind == TD_D_PARAM) {
            if (existing) {
                td_diagnostic *x = ERR(r, d->name_span, "duplicate", "param '%s' is declared "
                                       "twice; to change its value in an overlay write "
                                       "`set %s = ...`", d->name, d->name);
                where_first(r, x, "it was", existing->span);
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
        } else {
            if (!existing) {
                td_diagnostic *x = ERR(r, d->name_span, "unknown-param",
                                       "cannot set '%s': no param has that name", d->name);
                suggest_from(r, x, d->name, NAMES_PARAMS, NULL);
                continue;
            }
            if (!same_type(existing->type, t)) {
                char b1[64], b2[64];
                ERR(r, d->value->span, "type", "param '%s' is %s, but this value is %s",
                    d->name, tname(existing->type, b1, sizeof b1), tname(t, b2, sizeof b2));
                continue;
            }
            if (existing->type->kind == TD_T_NUMBER && v.kind == TD_V_INT) {
                v.kind = TD_V_NUM;
                v.u.num = (double)v.u.i;
            }
            keep_change(r, "param", d->name, "set", d, existing->decl);
            existing->value = v;
            existing->values = NULL;
            existing->from = NULL;
            existing->n_values = 0;
            existing->overridden = true;
        }
    }
}

/* Applies -D name=value after the overlays. */
static void apply_defines(rs *r, const char *const *defs, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        const char *eq = strchr(defs[i], '=');
        if (!eq || eq == defs[i]) {
            td_diag_at(r->d, TD_SEV_ERROR, "define", NULL, 0, 0,
                       "-D '%s': write -D name=value, e.g. -D district_total=80", defs[i]);
            continue;
        }
        char name[128];
        size_t nl = (size_t)(eq - defs[i]);
        if (nl >= sizeof name)
            nl = sizeof name - 1;
        memcpy(name, defs[i], nl);
        name[nl] = '\0';
        td_param *prm = (td_param *)find_param(r, name);
        if (!prm) {
            td_diagnostic *x = td_diag_at(r->d, TD_SEV_ERROR, "define", NULL, 0, 0,
                                          "-D %s: no param is named '%s'", defs[i], name);
            suggest_from(r, x, name, NAMES_PARAMS, NULL);
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
                [TD_T_INT] = "a whole number, e.g. 80", [TD_T_NUMBER] = "a number, e.g. 2.5",
                [TD_T_DATE] = "a date, e.g. 2025-11-30", [TD_T_MONTH] = "a month, e.g. 2025-11",
                [TD_T_BOOL] = "true or false"};
            td_diagnostic *x = td_diag_at(r->d, TD_SEV_ERROR, "define", NULL, 0, 0,
                                          "-D %s: param '%s' is %s, and '%s' is not%s%s", defs[i],
                                          name, tname(prm->type, buf, sizeof buf), val,
                                          problem ? ": " : "", problem ? problem : "");
            if (x && prm->type->kind <= TD_T_MONTH && examples[prm->type->kind])
                td_diag_set(r->d, &x->hint, "write %s", examples[prm->type->kind]);
            continue;
        }
        prm->value = v;
        prm->values = NULL; /* -D gives one value for every date */
        prm->from = NULL;
        prm->n_values = 0;
        prm->overridden = true;
    }
}

/* ---------- entity paths ---------- */

static const td_cexpr *cx_bool(cctx *c, const td_expr *e, const scope *s, const char *what);

static bool resolve_epath(rs *r, const td_dotted *dp, td_epath *out, scope *scopes,
                          uint32_t max_scopes, cctx *c)
{
    const td_schema *sc = &r->p->schema;
    memset(out, 0, sizeof *out);
    out->text = td_arena_strdup(r->pa, dp->text ? dp->text : "document");
    bool is_doc = dp->n == 1 && strcmp(dp->parts[0], "document") == 0;
    uint32_t n = is_doc ? 0 : dp->n;
    if (n + 1 > max_scopes) {
        ERR(r, dp->span, "path", "path '%s' is too long", dp->text);
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
            td_diagnostic *x = ERR(r, dp->spans[i], "unknown-field",
                                   "unknown field '%s' on %s", dp->parts[i], rec->name);
            if (!suggest_from(r, x, dp->parts[i], NAMES_FIELDS, rec) && i == 0)
                hint(r, x, "%s", "`on` names a path from the unit file: document, plan, "
                                 "exemplars, exemplars.plan...");
            return false;
        }
        const td_type *t = f->type;
        if (t->kind == TD_T_LIST)
            t = t->elem;
        if (t->kind != TD_T_RECORD) {
            char buf[64];
            ERR(r, dp->spans[i], "not-a-record", "'%s' is %s, not a record: a rule applies to "
                "records such as plan or exemplars", dp->parts[i], tname(f->type, buf, sizeof buf));
            return false;
        }
        slots[i] = f->slot;
        rec = t->rec;
        recs[i + 1] = rec;
        memset(&scopes[i + 1], 0, sizeof scopes[i + 1]);
        scopes[i + 1].up = &scopes[i];
        scopes[i + 1].elem = t;
        if (dp->filters && dp->filters[i]) {
            filters[i] = cx_bool(c, dp->filters[i], &scopes[i + 1], "the condition in [...]");
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

/* ---------- rules ---------- */

typedef struct rule_ref {
    const char *id;
    td_decl *decl;
    const td_source *src;
    bool disabled;
} rule_ref;

/* A rule whose condition is written as a constant checks nothing: `where false` never
 * applies, `require true` never fails, `require false` fails everywhere. */
static void warn_constant(rs *r, const td_decl *d, const td_variant *var)
{
    const td_cexpr *w = var->where, *q = var->require;
    if (w && w->op == TD_C_CONST && w->value.kind == TD_V_BOOL && !w->value.u.b) {
        td_diagnostic *x = WARN(r, w->span, "never-applies", "rule %s never applies: its "
                                "`where` is always false", d->id.text);
        hint(r, x, "%s", "write the condition that picks the entities it checks, or disable the rule "
             "with `disable ... because`");
    } else if (q && q->op == TD_C_CONST && q->value.kind == TD_V_BOOL) {
        td_diagnostic *x = WARN(r, q->span, q->value.u.b ? "never-fails" : "always-fails",
                                q->value.u.b ? "rule %s never fails: its `require` is always true"
                                             : "rule %s fails on every entity: its `require` is "
                                               "always false", d->id.text);
        hint(r, x, "%s", "write what the plan requires of the data");
    }
}

static void check_common(rs *r, td_decl *d, const char *what)
{
    if (d->dup_clause.len) {
        ERR(r, d->dup_clause, "duplicate-clause", "%s %s has two `%s` clauses; keep one", what,
            d->id.text, d->dup_clause_name ? d->dup_clause_name : "");
    }
    if (!d->cite.text) {
        td_diagnostic *x = ERR(r, d->id.span, "missing-cite", "%s %s has no `cite`", what,
                               d->id.text);
        hint(r, x, "%s", "every rule names the clause of the plan it enforces, e.g. cite \"II.2.2\"");
    }
    if (!d->label.text || !*d->label.text) {
        ERR(r, d->id.span, "missing-label", "%s %s has no label: write what it checks, in the "
            "words of the plan, after its id", what, d->id.text);
    }
}

static void compile_criterion(rs *r, td_decl *d, td_criterion *out)
{
    check_common(r, d, "criterion");
    out->id = td_arena_strdup(r->pa, d->id.text);
    out->label = label_of(r, &d->label, out->id);
    out->cite = d->cite.text ? td_arena_strdup(r->pa, d->cite.text) : "";
    out->hint = dup_opt(r, d->hint.text);
    out->span = d->id.span;
    out->decl = d->span;
    if (!d->has_severity) {
        td_diagnostic *x = ERR(r, d->id.span, "missing-severity",
                               "criterion %s has no severity", d->id.text);
        hint(r, x, "%s", "write error, warning or info");
    }
    out->severity = d->severity;
    if (!d->n_on) {
        td_diagnostic *x = ERR(r, d->id.span, "missing-on",
                               "criterion %s does not say what it applies to", d->id.text);
        hint(r, x, "%s", "add `on plan` (or document, exemplars, exemplars.plan...)");
        return;
    }
    if (!d->require) {
        td_diagnostic *x = ERR(r, d->id.span, "missing-require",
                               "criterion %s has no `require` condition", d->id.text);
        hint(r, x, "%s", "add `require` and the condition a unit must meet");
        return;
    }
    out->variants = td_arena_alloc(r->pa, d->n_on * sizeof *out->variants);
    if (!out->variants) {
        r->fatal = TD_ENOMEM;
        return;
    }
    char rule[256];
    snprintf(rule, sizeof rule, "criterion %s", d->id.text);
    cctx c = {r, rule};
    bool first_failed = false;
    for (uint32_t v = 0; v < d->n_on && !r->fatal; v++) {
        /* report each mistake once, not once per path, unless only a later path has it */
        td_diag scratch, *real = r->d;
        td_diag_init(&scratch);
        if (v > 0)
            r->d = &scratch;
        scope scopes[16];
        uint32_t *let_depth = NULL; /* lets are evaluated where they are first used */
        td_variant *var = &out->variants[out->n_variants];
        bool ok = resolve_epath(r, &d->on[v], &var->path, scopes, 15, &c);
        scope *ent = ok ? &scopes[var->path.n] : NULL;
        if (ok) {
            ent->let_names = td_arena_alloc(r->pa, (d->n_lets + 1) * sizeof *ent->let_names);
            ent->let_types = td_arena_alloc(r->pa, (d->n_lets + 1) * sizeof *ent->let_types);
            var->lets = td_arena_alloc(r->pa, (d->n_lets + 1) * sizeof *var->lets);
            let_depth = td_arena_alloc(&r->parse, (d->n_lets + 1) * sizeof *let_depth);
            if (!ent->let_names || !ent->let_types || !var->lets || !let_depth) {
                r->fatal = TD_ENOMEM;
                ok = false;
            }
        }
        if (ok && d->where && !(var->where = cx_bool(&c, d->where, ent, "the condition after 'where'")))
            ok = false;
        if (ok && d->due) {
            var->due = cx(&c, d->due, ent, NULL);
            ok = var->due && want(&c, var->due, TD_T_DATE, "the date after 'due'");
        }
        for (uint32_t i = 0; ok && i < d->n_lets; i++) {
            for (uint32_t j = 0; j < i; j++)
                if (strcmp(d->lets[j].name, d->lets[i].name) == 0)
                    ERR(r, d->lets[i].span, "duplicate", "'%s' is defined twice in %s",
                        d->lets[i].name, d->id.text);
            const td_cexpr *k = cx(&c, d->lets[i].value, ent, NULL);
            if (!k) {
                ok = false;
                break;
            }
            depth_ctx dx = {let_depth, i, false};
            let_depth[i] = eval_depth(k, &dx);
            if (let_depth[i] > MAX_EVAL_DEPTH) {
                td_diagnostic *x = ERR(r, d->lets[i].span, "too-deep",
                                       N_("'%s' is computed through too many levels: more "
                                          "than %d operations, lets and defines nested one in "
                                          "another"),
                                       d->lets[i].name, MAX_EVAL_DEPTH);
                hint(r, x, "%s", TR(td_diag_lang(r->d), "a let that uses a let that uses "
                                    "another... is evaluated one inside the other: make the "
                                    "chain shorter"));
                ok = false;
                break;
            }
            var->lets[i] = k;
            ent->let_names[i] = d->lets[i].name;
            ent->let_types[i] = k->type;
            ent->n_lets = i + 1;
            var->n_lets = i + 1;
        }
        if (ok && !(var->require = cx_bool(&c, d->require, ent, "the condition after 'require'")))
            ok = false;
        if (ok && !compile_message(&c, &d->message, ent, &var->message))
            ok = false;
        if (ok && v == 0)
            warn_constant(r, d, var);
        if (v == 0) {
            first_failed = !ok;
        } else {
            r->d = real;
            if (!first_failed)
                td_diag_move(real, &scratch);
            td_diag_free(&scratch);
        }
        if (ok)
            out->n_variants++;
    }
}

/* The number a constant holds (0 for other kinds). */
static double const_num(const td_cexpr *k)
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
    case TD_C_ROOT: case TD_C_FIELD: case TD_C_DEFINE: case TD_C_LET: case TD_C_IT:
    case TD_C_PREVIOUS: case TD_C_POSITION: case TD_C_FOUND:
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
static const td_cexpr *const_expr(cctx *c, const td_expr *e, const scope *s, td_tkind kind,
                                  const char *what)
{
    const td_cexpr *k = cx(c, e, s, NULL);
    const td_cexpr *x = uses_data(k);
    if (x) {
        td_diagnostic *d = ERR(c->r, x->span, "not-constant", "%s is the same for the whole "
                               "batch: it may use params, as_of and values written out, not the "
                               "data of a unit", what);
        hint(c->r, d, "%s", "e.g. at least district_total, or at least if as_of >= 2025-01-01 "
                            "then 80 else 60");
        return NULL;
    }
    return k && want(c, k, kind, what) ? k : NULL;
}

static void compile_target(rs *r, td_decl *d, td_target *out)
{
    check_common(r, d, "target");
    out->id = td_arena_strdup(r->pa, d->id.text);
    out->label = label_of(r, &d->label, out->id);
    out->cite = d->cite.text ? td_arena_strdup(r->pa, d->cite.text) : "";
    out->span = d->id.span;
    out->decl = d->span;
    if (!d->n_on) {
        td_diagnostic *x = ERR(r, d->id.span, "missing-count", "target %s does not say what it "
                               "counts", d->id.text);
        hint(r, x, "%s", "add `count exemplars` or `sum EXPR of PATH`");
        return;
    }
    char rule[256];
    snprintf(rule, sizeof rule, "target %s", d->id.text);
    cctx c = {r, rule};
    scope scopes[16];
    if (!resolve_epath(r, &d->on[0], &out->path, scopes, 15, &c))
        return;
    scope *ent = &scopes[out->path.n];
    if (d->where)
        out->where = cx_bool(&c, d->where, ent, "the condition after 'where'");
    if (d->is_sum && d->sum_of) {
        out->sum = cx(&c, d->sum_of, ent, NULL);
        if (out->sum && !want(&c, out->sum, TD_T_NUMBER, "what `sum` adds up"))
            out->sum = NULL;
    }
    if (d->by) {
        out->by = cx(&c, d->by, ent, NULL);
        if (out->by && (out->by->type->kind == TD_T_LIST || out->by->type->kind == TD_T_RECORD)) {
            ERR(r, d->by->span, "type", "`by` needs one value per entity (a text, an enum, a "
                "number or a date), not a list or a record");
            out->by = NULL;
        }
    }
    if (d->at_least)
        out->at_least = const_expr(&c, d->at_least, ent, TD_T_NUMBER,
                                   "the number after 'at least'");
    if (out->at_least && out->at_least->op == TD_C_CONST && const_num(out->at_least) < 0) {
        /* a count or a sum of counts is never negative: the target could never be missed */
        const td_expr *x = d->at_least;
        td_diagnostic *e = ERR(r, x->span, "negative-target", "target %s asks for at least %g: "
                               "what it counts is never negative", d->id.text,
                               const_num(out->at_least));
        if (x->kind == TD_X_NAME)
            hint(r, e, "the value is param '%s': check its `set` line or the -D option",
                 x->name);
        else
            hint(r, e, "%s", "write the least number the plan asks for, 0 or more");
        out->at_least = NULL;
    }
    if (d->due)
        out->due = const_expr(&c, d->due, ent, TD_T_DATE, "the date after 'due'");
}

static void compile_index(rs *r, td_decl *d, td_index *out)
{
    check_common(r, d, "index");
    out->id = td_arena_strdup(r->pa, d->id.text);
    out->label = label_of(r, &d->label, out->id);
    out->cite = d->cite.text ? td_arena_strdup(r->pa, d->cite.text) : "";
    out->span = d->id.span;
    out->decl = d->span;
    char rule[256];
    snprintf(rule, sizeof rule, "index %s", d->id.text);
    cctx c = {r, rule};
    if (!d->n_on || !d->key) {
        td_diagnostic *x = ERR(r, d->id.span, "index", "index %s needs `on PATH` (the entities) "
                               "and `key EXPR` (the id of each in the batch)", d->id.text);
        hint(r, x, "%s", "e.g. on exemplars key id");
        return;
    }
    if (d->n_on > 1)
        ERR(r, d->on[1].span, "index", "an index covers one path of entities");
    if (!r->p->unit_id) {
        td_diagnostic *x = ERR(r, d->id.span, "index", "index %s needs the unit's id: the "
                               "document record has no computed field `id`", d->id.text);
        hint(r, x, "%s", "e.g. define unit_file.id \"Mã đơn vị\" = unit.id");
        return;
    }
    scope scopes[16];
    if (!resolve_epath(r, &d->on[0], &out->path, scopes, 15, &c))
        return;
    scope *ent = &scopes[out->path.n];
    out->key = cx(&c, d->key, ent, NULL);
    if (out->key && !want(&c, out->key, TD_T_TEXT, "the key of an index"))
        out->key = NULL;
    if (d->require)
        out->require = cx_bool(&c, d->require, ent, "the condition after 'require'");
    out->similar = td_arena_alloc(r->pa, (d->n_similar + 1) * sizeof *out->similar);
    if (!out->similar) {
        r->fatal = TD_ENOMEM;
        return;
    }
    for (uint32_t i = 0; i < d->n_similar; i++) {
        const td_cexpr *k = cx(&c, d->similar[i], ent, NULL);
        if (!k)
            continue;
        if (k->type->kind == TD_T_LIST || k->type->kind == TD_T_RECORD) {
            ERR(r, d->similar[i]->span, "type", "`similar` compares single values (a text, an "
                "enum, a number or a date), not a list or a record");
            continue;
        }
        out->similar[out->n_similar++] = k;
    }
}

static int stage_index(const td_workflow *w, const td_cexpr *k)
{
    if (!k || k->op != TD_C_CONST)
        return -1;
    for (uint32_t i = 0; i < w->n_stages; i++) {
        const td_value *a = &w->stages[i], *b = &k->value;
        if (a->kind == TD_V_INT && b->kind == TD_V_INT && a->u.i == b->u.i)
            return (int)i;
        if (a->kind == TD_V_ENUM && b->kind == TD_V_ENUM && a->u.en.index == b->u.en.index)
            return (int)i;
        if (a->kind == TD_V_TEXT && b->kind == TD_V_TEXT && strcmp(a->u.text.s, b->u.text.s) == 0)
            return (int)i;
    }
    return -1;
}

static const td_field *wf_field(rs *r, const td_record *rec, const char *name, td_span sp,
                                const char *role)
{
    if (!name) {
        ERR(r, sp, "workflow", "the workflow does not name its %s field", role);
        return NULL;
    }
    const td_field *f = td_record_field(rec, name);
    if (!f) {
        td_diagnostic *x = ERR(r, sp, "unknown-field", "unknown field '%s' on %s", name, rec->name);
        suggest_from(r, x, name, NAMES_FIELDS, rec);
    }
    return f;
}

static void compile_workflow(rs *r, td_decl *d, td_workflow *w)
{
    check_common(r, d, "workflow");
    w->id = td_arena_strdup(r->pa, d->id.text);
    w->label = label_of(r, &d->label, w->id);
    w->cite = d->cite.text ? td_arena_strdup(r->pa, d->cite.text) : "";
    w->span = d->id.span;
    w->decl = d->span;
    char rule[256];
    snprintf(rule, sizeof rule, "workflow %s", d->id.text);
    cctx c = {r, rule};
    if (!d->n_on) {
        ERR(r, d->id.span, "missing-on", "workflow %s does not say what it applies to "
            "(`on exemplars`)", d->id.text);
        return;
    }
    scope scopes[16];
    if (!resolve_epath(r, &d->on[0], &w->path, scopes, 14, &c))
        return;
    scope *ent = &scopes[w->path.n];
    if (d->where)
        w->where = cx_bool(&c, d->where, ent, "the condition after 'where'");
    const td_record *erec = w->path.recs[w->path.n];
    const td_field *hist = wf_field(r, erec, d->history, d->history_span.len ? d->history_span
                                                                              : d->id.span,
                                    "history");
    if (!hist)
        return;
    if (hist->type->kind != TD_T_LIST || hist->type->elem->kind != TD_T_RECORD) {
        ERR(r, d->history_span, "type", "the history '%s' must be a list of records", hist->name);
        return;
    }
    w->history_slot = hist->slot;
    w->entry = hist->type->elem->rec;
    /* an entry that is an event (Decision 10) is not visited after the as-of date: the
     * `future` check cannot fire, its place is taken by data.after_as_of */
    if (w->entry->dated)
        w->off[TD_WF_FUTURE] = true;
    const td_field *fs = wf_field(r, w->entry, d->state_field, d->state_span.len ? d->state_span
                                                                                  : d->id.span,
                                  "state");
    const td_field *fd = wf_field(r, w->entry, d->date_field, d->date_span.len ? d->date_span
                                                                                : d->id.span,
                                  "date");
    const td_field *fe = d->evidence_field ? wf_field(r, w->entry, d->evidence_field,
                                                      d->evidence_span, "evidence")
                                           : NULL;
    if (!fs || !fd || (d->evidence_field && !fe))
        return;
    if (fd->type->kind != TD_T_DATE) {
        ERR(r, d->date_span, "type", "the date field '%s' of a history must be a date",
            fd->name);
        return;
    }
    w->state_slot = fs->slot;
    w->date_slot = fd->slot;
    w->evidence_slot = fe ? fe->slot : UINT32_MAX;
    if (!d->n_stages) {
        ERR(r, d->id.span, "workflow", "workflow %s declares no `stage`", d->id.text);
        return;
    }
    w->stages = td_arena_alloc(r->pa, d->n_stages * sizeof *w->stages);
    w->stage_labels = td_arena_alloc(r->pa, d->n_stages * sizeof *w->stage_labels);
    w->initial = td_arena_alloc(r->pa, d->n_stages * sizeof *w->initial);
    w->allowed = td_arena_alloc(r->pa, (size_t)d->n_stages * d->n_stages * sizeof *w->allowed);
    w->guards = td_arena_alloc(r->pa, (d->n_guards + 1) * sizeof *w->guards);
    if (!w->stages || !w->stage_labels || !w->initial || !w->allowed || !w->guards) {
        r->fatal = TD_ENOMEM;
        return;
    }
    for (uint32_t i = 0; i < d->n_stages; i++) {
        const td_cexpr *k = coerce(&c, cx(&c, d->stages[i].value, NULL, fs->type), fs->type);
        if (!k)
            return;
        if (k->op != TD_C_CONST || !same_type(k->type, fs->type)) {
            char buf[64];
            ERR(r, d->stages[i].span, "type", "a stage is a value of the state field '%s' (%s)",
                fs->name, tname(fs->type, buf, sizeof buf));
            return;
        }
        if (fs->type->kind == TD_T_INT && k->value.kind == TD_V_NUM) {
            td_diagnostic *x = ERR(r, k->span, "type", "stages are whole numbers, not %g",
                                   k->value.u.num);
            hint(r, x, "%s", "number the stages 1, 2, 3...; to add a stage between two others, "
                 "renumber the stages after it");
            return;
        }
        if (stage_index(w, k) >= 0) {
            ERR(r, d->stages[i].span, "duplicate", "this stage is declared twice");
            return;
        }
        w->stages[w->n_stages] = k->value;
        w->stage_labels[w->n_stages++] = label_of(r, &d->stages[i].label, "");
    }
    for (uint32_t i = 0; i < d->n_starts; i++) {
        int si = stage_index(w, coerce(&c, cx(&c, d->starts[i], NULL, fs->type), fs->type));
        if (si < 0) {
            ERR(r, d->starts[i]->span, "unknown-stage", "`initial` names a stage that is not "
                "declared with `stage`");
            continue;
        }
        w->initial[si] = true;
    }
    if (!d->n_starts)
        w->initial[0] = true;
    for (uint32_t i = 0; i < d->n_transitions; i++) {
        int a = stage_index(w, coerce(&c, cx(&c, d->transitions[i].from, NULL, fs->type), fs->type));
        int b = stage_index(w, coerce(&c, cx(&c, d->transitions[i].to, NULL, fs->type), fs->type));
        if (a < 0 || b < 0) {
            ERR(r, d->transitions[i].span, "unknown-stage", "this transition names a stage that "
                "is not declared with `stage`");
            continue;
        }
        w->allowed[(uint32_t)a * w->n_stages + (uint32_t)b] = true;
    }
    scope entry = {ent, hist->type->elem, NULL, NULL, NULL, 0};
    for (uint32_t i = 0; i < d->n_guards; i++) {
        const td_ast_guard *g = &d->guards[i];
        int si = stage_index(w, coerce(&c, cx(&c, g->stage, NULL, fs->type), fs->type));
        if (si < 0) {
            ERR(r, g->span, "unknown-stage", "this guard names a stage that is not declared");
            continue;
        }
        td_guard *out = &w->guards[w->n_guards];
        out->stage = (uint32_t)si;
        out->label = label_of(r, &g->label, w->stage_labels[si]);
        out->require = g->require ? cx_bool(&c, g->require, &entry, "a guard") : NULL;
        if (!out->require) {
            if (!g->require)
                ERR(r, g->span, "missing-require", "a guard needs `require` and a condition");
            continue;
        }
        if (!compile_message(&c, &g->message, &entry, &out->message))
            continue;
        w->n_guards++;
    }
}

/* Adds "did you mean" with the rule ids declared so far; false when none is near. */
static bool suggest_rule(rs *r, td_diagnostic *e, const char *id, const rule_ref *refs,
                         uint32_t n)
{
    const char *names[1024];
    size_t k = 0;
    for (uint32_t i = 0; i < n && k < 1024; i++)
        names[k++] = refs[i].id;
    const char *sug = td_suggest(id, names, k);
    if (sug)
        hint(r, e, "did you mean '%s'?", sug);
    return sug != NULL;
}

/* Two stage values as written (1, built, "x") name the same stage. */
static bool same_stage(const td_expr *a, const td_expr *b)
{
    if (!a || !b || a->kind != b->kind)
        return false;
    switch (a->kind) {
    case TD_X_NUMBER:
        return a->is_int == b->is_int && (a->is_int ? a->ival == b->ival : a->num == b->num);
    case TD_X_NAME: return strcmp(a->name, b->name) == 0;
    case TD_X_STRING: return strcmp(a->str, b->str) == 0;
    default: return false;
    }
}

/* `extend workflow ID`: the workflow `base` with the stages, transitions, guards and
 * `initial` of `ext`. A stage written `after S` comes between S and the stages S led to
 * (S -> X becomes S -> NEW -> X); `before S` between the stages that led to S and S (and
 * takes S's place as an initial stage). NULL after an error. */
static td_decl *extend_workflow(rs *r, const td_decl *base, const td_decl *ext)
{
    const char *what = ext->cite.text ? "cite" : ext->n_on ? "on" : ext->where ? "where"
                       : ext->history ? "history" : ext->state_field ? "state"
                       : ext->date_field ? "dated" : ext->evidence_field ? "evidence" : NULL;
    if (what) {
        td_diagnostic *x = ERR(r, ext->id.span, "extend-workflow", "extend workflow %s adds "
                               "stages, transitions, guards and `initial`; it cannot change `%s`",
                               ext->id.text, what);
        hint(r, x, "to change more, write `replace workflow %s ...` with the whole workflow",
             ext->id.text);
        return NULL;
    }
    td_arena *a = &r->parse;
    td_decl *m = td_arena_alloc(a, sizeof *m);
    uint32_t ns = base->n_stages + ext->n_stages;
    uint32_t nt_cap = 2 * (base->n_transitions + ext->n_stages) + ext->n_transitions + 1;
    td_ast_stage *st = td_arena_alloc(a, (ns + 1) * sizeof *st);
    td_ast_transition *tr = td_arena_alloc(a, nt_cap * sizeof *tr);
    td_expr **starts = td_arena_alloc(a, (base->n_starts + ext->n_starts + 1) * sizeof *starts);
    td_ast_guard *gd = td_arena_alloc(a, (base->n_guards + ext->n_guards + 1) * sizeof *gd);
    if (!m || !st || !tr || !starts || !gd) {
        r->fatal = TD_ENOMEM;
        return NULL;
    }
    *m = *base;
    if (ext->label.text)
        m->label = ext->label;
    uint32_t n = base->n_stages, nt = base->n_transitions, n0 = base->n_starts;
    if (base->stages)
        memcpy(st, base->stages, n * sizeof *st);
    if (base->transitions)
        memcpy(tr, base->transitions, nt * sizeof *tr);
    if (base->starts)
        memcpy(starts, base->starts, n0 * sizeof *starts);
    bool ok = true;
    for (uint32_t i = 0; i < ext->n_stages; i++) {
        td_ast_stage s = ext->stages[i];
        bool dup = false;
        for (uint32_t k = 0; k < n && !dup; k++)
            dup = same_stage(st[k].value, s.value);
        if (dup) {
            ERR(r, s.value->span, "duplicate", "workflow %s already has this stage", ext->id.text);
            ok = false;
            continue;
        }
        const td_expr *at = s.after ? s.after : s.before;
        uint32_t k = 0;
        while (at && k < n && !same_stage(st[k].value, at))
            k++;
        if (at && k == n) {
            ERR(r, at->span, "unknown-stage", "workflow %s has no such stage to insert %s",
                ext->id.text, s.after ? "after" : "before");
            ok = false;
            continue;
        }
        uint32_t pos = !at ? n : s.after ? k + 1 : k;
        memmove(&st[pos + 1], &st[pos], (n - pos) * sizeof *st);
        st[pos] = s;
        st[pos].after = st[pos].before = NULL;
        n++;
        if (!at)
            continue;
        for (uint32_t t = 0; t < nt; t++) {
            if (s.after && same_stage(tr[t].from, at))
                tr[t].from = s.value;
            else if (s.before && same_stage(tr[t].to, at))
                tr[t].to = s.value;
        }
        tr[nt].from = s.after ? (td_expr *)at : s.value;
        tr[nt].to = s.after ? s.value : (td_expr *)at;
        tr[nt++].span = s.span;
        for (uint32_t q = 0; s.before && q < n0; q++)
            if (same_stage(starts[q], at))
                starts[q] = s.value;
    }
    if (ext->transitions)
        memcpy(&tr[nt], ext->transitions, ext->n_transitions * sizeof *tr);
    nt += ext->n_transitions;
    if (ext->n_starts) {
        if (ext->starts)
            memcpy(starts, ext->starts, ext->n_starts * sizeof *starts);
        n0 = ext->n_starts;
    }
    if (base->guards)
        memcpy(gd, base->guards, base->n_guards * sizeof *gd);
    if (ext->guards)
        memcpy(&gd[base->n_guards], ext->guards, ext->n_guards * sizeof *gd);
    m->stages = st;
    m->n_stages = n;
    m->transitions = tr;
    m->n_transitions = nt;
    m->starts = starts;
    m->n_starts = n0;
    m->guards = gd;
    m->n_guards = base->n_guards + ext->n_guards;
    m->extend = false;
    return ok ? m : NULL;
}

/* What `disable NAME` says when NAME is a param, a type or a computed field: they cannot be
 * switched off, as the rules read them. True when it said it. */
static bool disable_other(rs *r, const td_decl *d)
{
    const char *id = d->id.text;
    td_diagnostic *x = NULL;
    if (find_param(r, id)) {
        x = ERR(r, d->id.span, "disable-kind", "'%s' is a param: the rules read its value, so it "
                "cannot be switched off", id);
        hint(r, x, "change its value with `set %s = ...`", id);
    } else if (find_enum(r, id) || find_record(r, id)) {
        x = ERR(r, d->id.span, "disable-kind", "'%s' is a type of the unit data: units' files "
                "are read by it, so it cannot be switched off", id);
        hint(r, x, "%s", "add codes with `extend enum`, fields with `extend RECORD`, or write "
                         "`replace enum` / `replace record`");
    } else {
        const char *dot = strchr(id, '.');
        char rec[128];
        if (!dot || (size_t)(dot - id) >= sizeof rec)
            return false;
        memcpy(rec, id, (size_t)(dot - id));
        rec[dot - id] = '\0';
        const td_record *rc = find_record(r, rec);
        bool is_def = false;
        for (uint32_t i = 0; rc && i < r->n_decls && !is_def; i++) {
            const td_decl *x2 = r->decls[i].decl;
            is_def = x2->kind == TD_D_DEFINE && strcmp(x2->name, rec) == 0 &&
                     strcmp(x2->member, dot + 1) == 0;
        }
        if (!is_def)
            return false;
        x = ERR(r, d->id.span, "disable-kind", "'%s' is a computed field: rules and reports may "
                "read it, so it cannot be switched off", id);
        hint(r, x, "give it another expression with `replace define %s ...`", id);
    }
    return true;
}

/* The `note ID` declared with that id, or NULL. */
static const td_decl *note_named(rs *r, const char *id)
{
    for (uint32_t i = 0; i < r->n_decls; i++) {
        const td_decl *d = r->decls[i].decl;
        if (d->kind == TD_D_NOTE && d->id.text && strcmp(d->id.text, id) == 0)
            return d;
    }
    return NULL;
}

/* Collects rule declarations by id, applying replace and disable in order. */
static rule_ref *collect_rules(rs *r, uint32_t *n_out)
{
    static const char *const kinds[] = {[TD_D_CRITERION] = "criterion", [TD_D_TARGET] = "target",
                                        [TD_D_WORKFLOW] = "workflow", [TD_D_INDEX] = "index"};
    rule_ref *refs = calloc(r->n_decls + 1, sizeof *refs);
    uint32_t n = 0;
    if (!refs) {
        r->fatal = TD_ENOMEM;
        return NULL;
    }
    ntab ids = {NULL, 0};
    if (!ntab_init(r, &ids, r->n_decls)) {
        free(refs);
        return NULL;
    }
    for (uint32_t i = 0; i < r->n_decls; i++) {
        td_decl *d = r->decls[i].decl;
        if (d->kind != TD_D_CRITERION && d->kind != TD_D_TARGET && d->kind != TD_D_WORKFLOW &&
            d->kind != TD_D_INDEX && d->kind != TD_D_DISABLE)
            continue;
        if (!d->id.text)
            continue;
        nslot *slot = ntab_slot(&ids, NULL, d->id.text);
        rule_ref *found = slot->name ? &refs[slot->val] : NULL;
        if (d->kind == TD_D_DISABLE) {
            if (!d->because.text || !d->because.text[0]) {
                td_diagnostic *x = ERR(r, d->id.span, "disable-because",
                                       "disable %s says no reason: a rule of the plan is switched "
                                       "off only with the reason written down",
                                       d->id.text);
                hint(r, x, "write it after the id: disable %s because \"...\"", d->id.text);
                continue;
            }
            if (!found) {
                /* a workflow's own check (exemplar.steps.future) may be disabled too */
                const char *dot = strrchr(d->id.text, '.');
                bool sub = false;
                for (uint32_t k = 0; dot && k < n; k++)
                    sub |= refs[k].decl->kind == TD_D_WORKFLOW &&
                           strncmp(refs[k].id, d->id.text, (size_t)(dot - d->id.text)) == 0 &&
                           strlen(refs[k].id) == (size_t)(dot - d->id.text);
                if (sub) {
                    td_decl **grown = realloc(r->off_checks, (r->n_off_checks + 1) * sizeof *grown);
                    if (!grown) {
                        r->fatal = TD_ENOMEM;
                        break;
                    }
                    r->off_checks = grown;
                    r->off_checks[r->n_off_checks++] = d;
                    if (!keep_disabled(r, d))
                        break;
                    continue;
                }
                if (note_named(r, d->id.text)) {
                    /* a note switched off: left out of the plan's account (build_rules) */
                    td_decl **grown = realloc(r->off_checks, (r->n_off_checks + 1) * sizeof *grown);
                    if (!grown) {
                        r->fatal = TD_ENOMEM;
                        break;
                    }
                    r->off_checks = grown;
                    r->off_checks[r->n_off_checks++] = d;
                    if (!keep_disabled(r, d))
                        break;
                    continue;
                }
                if (disable_other(r, d))
                    continue;
                td_diagnostic *x = ERR(r, d->id.span, "unknown-rule",
                                       "cannot disable '%s': no rule has that id", d->id.text);
                suggest_rule(r, x, d->id.text, refs, n);
                continue;
            }
            if (found->disabled) {
                WARN(r, d->id.span, "disabled-twice", "rule %s is already disabled", d->id.text);
                continue;
            }
            found->disabled = true;
            if (!keep_disabled(r, d))
                break;
            continue;
        }
        if (d->extend) {
            if (!found || found->decl->kind != TD_D_WORKFLOW) {
                td_diagnostic *x = ERR(r, d->id.span, "unknown-rule", "cannot extend '%s': no "
                                       "workflow has that id", d->id.text);
                suggest_rule(r, x, d->id.text, refs, n);
                continue;
            }
            td_decl *m = extend_workflow(r, found->decl, d);
            if (m) {
                keep_change(r, "workflow", d->id.text, "extended", d, found->decl->span);
                found->decl = m;
            }
            continue;
        }
        if (d->replace) {
            if (!found) {
                td_diagnostic *x = ERR(r, d->id.span, "unknown-rule", "cannot replace '%s': no "
                                       "rule has that id", d->id.text);
                if (!suggest_rule(r, x, d->id.text, refs, n))
                    hint(r, x, "%s", "to add a new rule, leave out `replace`");
                continue;
            }
            if (found->decl->kind != d->kind) {
                td_diagnostic *x = ERR(r, d->id.span, "replace-kind", "'%s' is not a %s but a %s",
                                       d->id.text, kinds[d->kind], kinds[found->decl->kind]);
                if (x)
                    td_diag_set(r->d, &x->hint, "write `replace %s %s ...`",
                                kinds[found->decl->kind], d->id.text);
                continue;
            }
            keep_change(r, kinds[d->kind], d->id.text, "replaced", d, found->decl->span);
            found->decl = d;
            found->src = r->decls[i].src;
            found->disabled = false;
            continue;
        }
        if (found) {
            td_diagnostic *x = ERR(r, d->id.span, "duplicate-rule", "rule id '%s' is used twice",
                                   d->id.text);
            if (x) {
                const td_source *s = src_of(r, found->decl->id.span);
                uint32_t line = 0, col = 0;
                if (s)
                    td_source_linecol(s, found->decl->id.span.off, &line, &col);
                td_diag_set(r->d, &x->hint, "first used at %s:%u:%u; to change that rule in an "
                            "overlay write `replace %s %s ...`", s ? s->name : "?", line, col,
                            found->decl->kind == TD_D_CRITERION ? "criterion"
                            : found->decl->kind == TD_D_TARGET  ? "target"
                            : found->decl->kind == TD_D_INDEX   ? "index"
                                                                : "workflow",
                            d->id.text);
            }
            continue;
        }
        refs[n].id = d->id.text;
        refs[n].decl = d;
        refs[n].src = r->decls[i].src;
        slot->name = d->id.text;
        slot->val = n++;
    }
    *n_out = n;
    return refs;
}

static void compile_defines(rs *r)
{
    uint32_t n = 0;
    for (uint32_t i = 0; i < r->n_decls; i++)
        n += r->decls[i].decl->kind == TD_D_DEFINE;
    if (!ntab_init(r, &r->defines, n))
        return;
    /* declare all defines first so they may refer to each other in order */
    for (uint32_t i = 0; i < r->n_decls && !r->fatal; i++) {
        td_decl *d = r->decls[i].decl;
        if (d->kind != TD_D_DEFINE)
            continue;
        td_record *rec = find_record(r, d->name);
        if (!rec) {
            td_diagnostic *x = ERR(r, d->name_span, "unknown-type",
                                   "cannot define '%s.%s': no record is named '%s'", d->name,
                                   d->member, d->name);
            suggest_from(r, x, d->name, NAMES_RECORDS, NULL);
            continue;
        }
        td_define *prev = (td_define *)define_of(r, rec, d->member);
        if (d->replace) {
            /* `replace define`: a new expression (and label) under the same name */
            if (!prev) {
                td_diagnostic *x = ERR(r, d->member_span, "unknown-rule", "cannot replace "
                                       "'%s.%s': record %s has no computed field of that name",
                                       d->name, d->member, rec->name);
                hint(r, x, "%s", "to add a computed field, leave out `replace`");
                continue;
            }
            const td_decl *was = prev->ast;
            keep_change(r, "define", td_arena_printf(r->pa, "%s.%s", d->name, d->member),
                        "replaced", d, was ? was->span : (td_span){UINT32_MAX, 0, 0});
            prev->ast = d;
            if (d->label.text)
                prev->label = label_of(r, &d->label, prev->label);
            continue;
        }
        if (td_record_field(rec, d->member) || prev) {
            td_diagnostic *x = ERR(r, d->member_span, "duplicate", "record %s already has a field "
                                   "'%s'", rec->name, d->member);
            if (prev)
                hint(r, x, "to change it in an overlay write `replace define %s.%s ...`",
                     td_arena_printf(r->pa, "%s.%s", d->name, d->member));
            continue;
        }
        td_define *arr = grow(r, rec->defines, rec->n_defines, sizeof *arr);
        if (!arr)
            return;
        td_define *def = &arr[rec->n_defines];
        def->name = td_arena_strdup(r->pa, d->member);
        def->label = label_of(r, &d->label, NULL);
        def->ast = d;
        def->owner = rec;
        rec->defines = arr;
        nslot *x = ntab_slot(&r->defines, rec, def->name);
        x->owner = rec;
        x->name = def->name;
        x->val = rec->n_defines++;
    }
    for (uint32_t i = 0; i < r->p->schema.n_records && !r->fatal; i++) {
        td_record *rec = r->p->schema.records[i];
        for (uint32_t k = 0; k < rec->n_defines; k++)
            ensure_define(r, &rec->defines[k], (td_span){0, 0, 0});
    }
}

/* Compiles a define the first time it is used, so defines may use each other in any
 * order; a define that needs itself is an error. */
static void ensure_define(rs *r, td_define *def, td_span at)
{
    if (def->state == 2 || !def->ast || r->fatal)
        return;
    td_decl *d = def->ast;
    if (def->state == 1) {
        ERR(r, at.len ? at : d->member_span, "define-cycle", "'%s' is defined in terms of "
            "itself", def->name);
        return;
    }
    def->state = 1;
    char rule[256];
    snprintf(rule, sizeof rule, "define %s.%s", def->owner->name, def->name);
    cctx c = {r, rule};
    td_type *rt = new_type(r, TD_T_RECORD);
    if (rt) {
        rt->rec = def->owner;
        scope s = {NULL, rt, NULL, NULL, NULL, 0};
        const td_cexpr *e = cx(&c, d->value, &s, NULL);
        depth_ctx dx = {NULL, 0, false};
        uint32_t depth = e ? eval_depth(e, &dx) : 0;
        if (depth > MAX_EVAL_DEPTH && !dx.deep_use) {
            /* said at the first define past the bound; those using it keep silent */
            td_diagnostic *x = ERR(r, d->member_span, "too-deep",
                                   N_("'%s' is computed through too many levels: more than %d "
                                      "operations and defines nested one in another"),
                                   def->name, MAX_EVAL_DEPTH);
            hint(r, x, "%s", TR(td_diag_lang(r->d), "a define that uses a define that uses "
                                "another... is evaluated one inside the other: make the chain "
                                "shorter"));
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

static const td_define *report_define(rs *r, const char *name)
{
    return r->p->schema.document ? define_of(r, r->p->schema.document, name) : NULL;
}

/* A bound of the plan's period: a date written out, or a date param, so that the period
 * and the params the rules read (the targets' due date) cannot disagree. */
static bool period_bound(rs *r, const td_expr *e, td_value *out)
{
    const td_type *t;
    if (e->kind != TD_X_NAME)
        return const_value(r, e, out, &t);
    td_param *prm = (td_param *)find_param(r, e->name);
    if (!prm || prm->type->kind != TD_T_DATE) {
        td_diagnostic *x = ERR(r, e->span, prm ? "type" : "unknown-param",
                               prm ? "param '%s' is not a date" : "no param is named '%s'",
                               e->name);
        hint(r, x, "%s", "the period is two dates, or two date params: period start .. end");
        return false;
    }
    prm->used = true;
    *out = prm->value;
    return true;
}

static void build_plan_info(rs *r)
{
    td_plan_info *pi = &r->p->plan;
    const char *language = NULL;
    td_lang lang = TD_LANG_AUTO;
    for (uint32_t i = 0; i < r->n_decls; i++) {
        td_decl *d = r->decls[i].decl;
        if (d->kind != TD_D_PLAN)
            continue;
        /* an overlay's plan header replaces the base's, but keeps its language unless it
         * declares one */
        memset(pi, 0, sizeof *pi);
        if (d->language.text) {
            lang = td_lang_parse(d->language.text);
            if (lang == TD_LANG_AUTO || strlen(d->language.text) != 2)
                ERR(r, d->language.span, "language",
                    "the language '%s' is not one the program speaks; write \"vi\" or \"en\"",
                    d->language.text);
            else
                language = dup_opt(r, d->language.text);
        }
        pi->number = dup_opt(r, d->plan_number.text);
        pi->title = dup_opt(r, d->title.text);
        pi->issuer = dup_opt(r, d->issuer.text);
        td_value v;
        const td_type *t;
        if (d->issued && const_value(r, d->issued, &v, &t))
            pi->issued = td_arena_strdup(r->pa, d->issued->str);
        uint32_t nc = d->n_outline / 2;
        pi->clauses = td_arena_alloc(r->pa, (nc + 1) * sizeof *pi->clauses);
        pi->clause_titles = td_arena_alloc(r->pa, (nc + 1) * sizeof *pi->clause_titles);
        for (uint32_t k = 0; pi->clauses && pi->clause_titles && k < nc; k++) {
            const char *num = d->outline[2 * k].text, *title = d->outline[2 * k + 1].text;
            for (uint32_t j = 0; j < k; j++)
                if (strcmp(pi->clauses[j], num) == 0)
                    ERR(r, d->outline[2 * k].span, "duplicate", "clause %s is in the outline "
                        "twice", num);
            pi->clauses[pi->n_clauses] = td_arena_strdup(r->pa, num);
            pi->clause_titles[pi->n_clauses++] = title ? td_arena_strdup(r->pa, title) : "";
        }
        pi->implements = td_arena_alloc(r->pa, (d->n_implements + 1) * sizeof *pi->implements);
        for (uint32_t k = 0; pi->implements && k < d->n_implements; k++)
            pi->implements[pi->n_implements++] = td_arena_strdup(r->pa, d->implements[k].text);
        if (d->period_from && d->period_to) {
            td_value a, b;
            if (period_bound(r, d->period_from, &a) && period_bound(r, d->period_to, &b)) {
                if (a.u.days > b.u.days) {
                    ERR(r, d->period_from->span, "period", "the period starts after it ends");
                } else {
                    pi->period_from = a.u.days;
                    pi->period_to = b.u.days;
                    pi->has_period = true;
                }
            }
        }
    }
    pi->language = language;
    pi->lang = language ? lang : TD_LANG_AUTO;
}

/* With an outline in the plan header, every `cite` names one of its clauses. */
static void check_cites(rs *r)
{
    const td_plan_info *pi = &r->p->plan;
    if (!pi->n_clauses)
        return;
    for (uint32_t i = 0; i < r->n_decls; i++) {
        const td_decl *d = r->decls[i].decl;
        if (!d->cite.text)
            continue;
        bool known = false;
        for (uint32_t k = 0; k < pi->n_clauses && !known; k++)
            known = strcmp(pi->clauses[k], d->cite.text) == 0;
        if (known)
            continue;
        td_diagnostic *x = ERR(r, d->cite.span, "unknown-clause", "the plan %s has no clause "
                               "'%s'", pi->number ? pi->number : "", d->cite.text);
        const char *sug = td_suggest(d->cite.text, pi->clauses, pi->n_clauses);
        if (sug)
            hint(r, x, "did you mean '%s'? the clauses are those of the plan header's `outline`",
                 sug);
        else
            hint(r, x, "%s", "cite a clause of the plan header's `outline`");
    }
}

static void build_rules(rs *r)
{
    td_program *p = r->p;
    uint32_t n = 0;
    rule_ref *refs = collect_rules(r, &n);
    if (!refs)
        return;
    p->criteria = td_arena_alloc(r->pa, (n + 1) * sizeof *p->criteria);
    p->targets = td_arena_alloc(r->pa, (n + 1) * sizeof *p->targets);
    p->workflows = td_arena_alloc(r->pa, (n + 1) * sizeof *p->workflows);
    p->indexes = td_arena_alloc(r->pa, (n + 1) * sizeof *p->indexes);
    r->index_ids = td_arena_alloc(r->pa, (n + 1) * sizeof *r->index_ids);
    if (!p->criteria || !p->targets || !p->workflows || !p->indexes || !r->index_ids) {
        r->fatal = TD_ENOMEM;
        free(refs);
        return;
    }
    /* indexes first: criteria look entities up in them with found() */
    for (uint32_t i = 0; i < n && !r->fatal; i++) {
        td_decl *d = refs[i].decl;
        if (refs[i].disabled || d->kind != TD_D_INDEX)
            continue;
        r->rule_id = d->id.text;
        r->rule_cite = d->cite.text;
        compile_index(r, d, &p->indexes[p->n_indexes++]);
        r->index_ids[r->n_index_ids++] = d->id.text;
    }
    for (uint32_t i = 0; i < n && !r->fatal; i++) {
        if (refs[i].disabled || refs[i].decl->kind == TD_D_INDEX)
            continue;
        td_decl *d = refs[i].decl;
        r->rule_id = d->id.text;
        r->rule_cite = d->cite.text;
        if (d->kind == TD_D_CRITERION) {
            r->in_criterion = true;
            compile_criterion(r, d, &p->criteria[p->n_criteria]);
            r->in_criterion = false;
            p->n_criteria++;
        } else if (d->kind == TD_D_TARGET) {
            compile_target(r, d, &p->targets[p->n_targets]);
            p->n_targets++;
        } else {
            compile_workflow(r, d, &p->workflows[p->n_workflows]);
            p->n_workflows++;
        }
    }
    r->rule_id = r->rule_cite = NULL;
    free(refs);
    /* checks of workflows switched off by `disable exemplar.steps.future` */
    for (uint32_t i = 0; i < r->n_off_checks; i++) {
        td_decl *d = r->off_checks[i];
        const char *dot = strrchr(d->id.text, '.');
        bool found = false;
        if (note_named(r, d->id.text))
            continue; /* a note: below */
        for (uint32_t w = 0; w < p->n_workflows; w++) {
            td_workflow *wf = &p->workflows[w];
            if (strncmp(wf->id, d->id.text, (size_t)(dot - d->id.text)) != 0 ||
                strlen(wf->id) != (size_t)(dot - d->id.text))
                continue;
            for (int k = 0; k < TD_WF_NCHECKS; k++)
                if (strcmp(td_wf_check_names[k], dot + 1) == 0) {
                    wf->off[k] = true;
                    found = true;
                }
            if (!found) {
                td_diagnostic *x = ERR(r, d->id.span, "unknown-rule", "workflow %s has no check "
                                       "'%s'", wf->id, dot + 1);
                const char *sug = td_suggest(dot + 1, td_wf_check_names, TD_WF_NCHECKS);
                if (sug)
                    hint(r, x, "did you mean '%s'?", sug);
                found = true;
            }
        }
    }
    /* notes: an overlay replaces one by its id, or switches it off with `disable ID` */
    for (uint32_t i = 0; i < r->n_decls && !r->fatal; i++) {
        td_decl *d = r->decls[i].decl;
        if (d->kind != TD_D_NOTE)
            continue;
        if (!d->because.text) {
            td_diagnostic *x = ERR(r, d->span, "note", "a note needs `because` and the reason "
                                   "the clause cannot be checked from data");
            (void)x;
        }
        td_note *prev = NULL;
        for (uint32_t k = 0; d->id.text && k < p->n_notes && !prev; k++)
            if (p->notes[k].id && strcmp(p->notes[k].id, d->id.text) == 0)
                prev = &p->notes[k];
        if (d->replace && !d->id.text) {
            ERR(r, d->span, "unknown-rule", "replace note needs the id of the note it replaces: "
                "replace note ID \"CLAUSE\" \"LABEL\" because \"...\"");
            continue;
        }
        if (d->replace && !prev) {
            td_diagnostic *x = ERR(r, d->id.span, "unknown-rule", "cannot replace note '%s': no "
                                   "note has that id", d->id.text);
            const char *names[512];
            size_t nn = 0;
            for (uint32_t k = 0; k < p->n_notes && nn < 512; k++)
                if (p->notes[k].id)
                    names[nn++] = p->notes[k].id;
            const char *sug = td_suggest(d->id.text, names, nn);
            if (sug)
                hint(r, x, "did you mean '%s'?", sug);
            else
                hint(r, x, "%s", "a note is replaced by the id written after `note`; `thidua "
                                 "explain` lists them");
            continue;
        }
        if (!d->replace && prev) {
            td_diagnostic *x = ERR(r, d->id.span, "duplicate-rule", "note id '%s' is used twice",
                                   d->id.text);
            hint(r, x, "to change that note in an overlay write `replace note %s ...`",
                 d->id.text);
            continue;
        }
        td_note *nt = prev;
        if (!nt) {
            td_note *arr = grow(r, p->notes, p->n_notes, sizeof *arr);
            if (!arr)
                return;
            p->notes = arr;
            nt = &arr[p->n_notes++];
        } else {
            keep_change(r, "note", d->id.text, "replaced", d, nt->decl);
        }
        nt->id = dup_opt(r, d->id.text);
        nt->cite = d->cite.text ? td_arena_strdup(r->pa, d->cite.text) : "";
        nt->label = label_of(r, &d->label, "");
        nt->because = d->because.text ? td_arena_strdup(r->pa, d->because.text) : "";
        nt->decl = d->span;
    }
    /* notes switched off */
    for (uint32_t i = 0; i < r->n_off_checks; i++) {
        const char *id = r->off_checks[i]->id.text;
        for (uint32_t k = 0; k < p->n_notes; k++) {
            if (!p->notes[k].id || strcmp(p->notes[k].id, id) != 0)
                continue;
            memmove(&p->notes[k], &p->notes[k + 1], (p->n_notes - k - 1) * sizeof *p->notes);
            p->n_notes--;
            break;
        }
    }
    free(r->off_checks);
    r->off_checks = NULL;
}

/* Params and computed fields that nothing reads are left over from an edit, or misspelt
 * where they were meant to be used: warnings, once the rules compile, for those declared in
 * the files the caller named, in a plan. What an imported file or a library of rules without
 * a plan header declares is for its importers to use, and computed fields of the document are figures reports show per unit. */
static bool in_entry_file(const rs *r, td_span sp)
{
    for (size_t i = 0; i < r->n_entry_src; i++)
        if (r->entry_src[i] == sp.src)
            return true;
    return false;
}

static void warn_unused(rs *r)
{
    /* rules without a plan header are a library for a district's plan to import */
    if (r->d->errors > r->errors0 || !r->p->plan.number)
        return;
    for (uint32_t i = 0; i < r->p->n_params; i++) {
        const td_param *prm = &r->p->params[i];
        if (prm->used || !in_entry_file(r, prm->span))
            continue;
        td_diagnostic *x = WARN(r, prm->span, "unused", "param %s is declared but no rule, "
                                "message or target reads it", prm->name);
        hint(r, x, "%s", "use it where the plan's number belongs, or remove it");
    }
    for (uint32_t i = 0; i < r->p->schema.n_records; i++) {
        const td_record *rec = r->p->schema.records[i];
        if (rec == r->p->schema.document)
            continue;
        for (uint32_t j = 0; j < rec->n_defines; j++) {
            const td_define *def = &rec->defines[j];
            const td_decl *d = def->ast;
            if (def->used || !d || !in_entry_file(r, d->id.span))
                continue;
            td_diagnostic *x = WARN(r, d->id.span, "unused", "computed field %s.%s is defined "
                                    "but no rule reads it", rec->name, def->name);
            hint(r, x, "%s", "use it in a rule, or remove it");
        }
    }
}

/* ---------- waivers (Decision 11) ---------- */

/* A waiver's text clause: present and not blank, else an error (`missing` or `empty`, each
 * with the rule and the unit) saying what to write. */
static const char *waiver_text(rs *r, const td_decl *d, td_str s, const char *kw,
                               const char *missing, const char *empty)
{
    if (s.text && !td_text_blank(s.text, strlen(s.text)))
        return td_arena_strdup(r->pa, s.text);
    td_diagnostic *x =
        ERR(r, s.text ? s.span : d->id.span, s.text ? "waiver-empty" : "waiver-clause",
            s.text ? empty : missing, d->id.text, d->unit.text ? d->unit.text : "");
    if (x)
        td_diag_set(r->d, &x->hint, N_("a waiver is granted only in writing: add %s \"...\""), kw);
    return NULL;
}

/* A waiver's date clause; false (reported) when missing or not a date. */
static bool waiver_date(rs *r, const td_decl *d, const td_expr *e, int32_t *days)
{
    td_value v;
    const td_type *t;
    if (!e || e->kind != TD_X_DATE || !const_value(r, e, &v, &t) || v.kind != TD_V_DATE)
        return false;
    (void)d;
    *days = v.u.days;
    return true;
}

/* Whether `rule` names what a unit's finding can carry: a criterion, an index, a workflow
 * or one of its checks. Sets *whole for a workflow; *target for a target's id. */
static bool waivable(const td_program *p, const char *rule, bool *whole, bool *target)
{
    *whole = *target = false;
    for (uint32_t i = 0; i < p->n_criteria; i++)
        if (strcmp(p->criteria[i].id, rule) == 0)
            return true;
    for (uint32_t i = 0; i < p->n_indexes; i++)
        if (strcmp(p->indexes[i].id, rule) == 0)
            return true;
    const char *dot = strrchr(rule, '.');
    for (uint32_t i = 0; i < p->n_workflows; i++) {
        const td_workflow *w = &p->workflows[i];
        if (strcmp(w->id, rule) == 0)
            return (*whole = true);
        if (!dot || strlen(w->id) != (size_t)(dot - rule) ||
            strncmp(w->id, rule, (size_t)(dot - rule)))
            continue;
        for (int k = 0; k < TD_WF_NCHECKS; k++)
            if (!w->off[k] && strcmp(td_wf_check_names[k], dot + 1) == 0)
                return true;
    }
    for (uint32_t i = 0; i < p->n_targets; i++)
        if (strcmp(p->targets[i].id, rule) == 0)
            *target = true;
    return false;
}

/* "did you mean" among the rules a waiver can name. */
static void suggest_waivable(rs *r, td_diagnostic *x, const char *rule)
{
    const td_program *p = r->p;
    char buf[512][96];
    const char *names[512];
    size_t n = 0;
    for (uint32_t i = 0; i < p->n_criteria && n < 512; i++)
        names[n++] = p->criteria[i].id;
    for (uint32_t i = 0; i < p->n_indexes && n < 512; i++)
        names[n++] = p->indexes[i].id;
    for (uint32_t i = 0; i < p->n_workflows && n < 512; i++) {
        names[n++] = p->workflows[i].id;
        for (int k = 0; k < TD_WF_NCHECKS && n < 512; k++) {
            snprintf(buf[n], sizeof buf[n], "%s.%s", p->workflows[i].id, td_wf_check_names[k]);
            names[n] = buf[n];
            n++;
        }
    }
    const char *sug = td_suggest(rule, names, n);
    if (sug)
        hint(r, x, "did you mean '%s'?", sug);
}

static void build_waiver(rs *r, const td_decl *d)
{
    td_program *p = r->p;
    bool whole, target, ok = true;
    if (d->dup_clause.len) {
        ERR(r, d->dup_clause, "duplicate-clause",
            N_("the waiver of %s has two `%s` clauses; keep "
               "one"),
            d->id.text, d->dup_clause_name ? d->dup_clause_name : "");
        ok = false;
    }
    if (!waivable(p, d->id.text, &whole, &target)) {
        for (uint32_t i = 0; i < p->n_disabled; i++)
            if (strcmp(p->disabled[i].id, d->id.text) == 0) {
                WARN(r, d->id.span, "waiver-disabled",
                     N_("%s is disabled: the waiver has nothing "
                        "to cover"),
                     d->id.text);
                return;
            }
        td_diagnostic *x;
        if (target) {
            x = ERR(r, d->id.span, "waiver-target",
                    N_("%s is a target of the whole batch: it "
                       "cannot be waived for one unit"),
                    d->id.text);
            hint(r, x, N_("to change what the district must reach, `set` its param"), NULL);
        } else {
            x = ERR(r, d->id.span, "unknown-rule", N_("cannot waive '%s': no rule has that id"),
                    d->id.text);
            suggest_waivable(r, x, d->id.text);
        }
        ok = false;
    }
    const char *unit = NULL;
    if (!d->unit.text || td_text_blank(d->unit.text, strlen(d->unit.text))) {
        td_diagnostic *x =
            ERR(r, d->unit.span, "waiver-unit", N_("the waiver of %s names no unit"), d->id.text);
        hint(r, x, N_("write the unit's id as its file gives it (unit.id), e.g. \"CT-TT-HND\""),
             NULL);
        ok = false;
    } else {
        unit = td_arena_strdup(r->pa, d->unit.text);
    }
    const char *exemplar = NULL;
    if (d->exemplar.text) {
        if (td_text_blank(d->exemplar.text, strlen(d->exemplar.text))) {
            ERR(r, d->exemplar.span, "waiver-empty", N_("the waiver of %s names an empty exemplar"),
                d->id.text);
            ok = false;
        } else if (!p->n_indexes) {
            td_diagnostic *x = ERR(r, d->exemplar.span, "waiver-exemplar",
                                   N_("the rules declare "
                                      "no index, so no exemplar is known by an id"));
            hint(r, x,
                 N_("declare one (index ID \"label\" cite \"...\" on exemplars key id), "
                    "or waive the rule for the whole unit"),
                 NULL);
            ok = false;
        } else {
            exemplar = td_arena_strdup(r->pa, d->exemplar.text);
        }
    }
    const char *reason = waiver_text(
        r, d, d->because, "because", N_("the waiver of %s for \"%s\" says no reason (`because`)"),
        N_("the waiver of %s for \"%s\" has an empty reason (`because`)"));
    const char *by = waiver_text(
        r, d, d->issuer, "by", N_("the waiver of %s for \"%s\" says no approving authority (`by`)"),
        N_("the waiver of %s for \"%s\" has an empty approving authority (`by`)"));
    const char *doc = waiver_text(r, d, d->document, "in",
                                  N_("the waiver of %s for \"%s\" says no document (`in`)"),
                                  N_("the waiver of %s for \"%s\" has an empty document (`in`)"));
    ok = ok && reason && by && doc;
    int32_t dated = 0, until = 0;
    if (!d->issued) {
        td_diagnostic *x = ERR(r, d->id.span, "waiver-clause",
                               N_("the waiver of %s for \"%s\" "
                                  "says no date of approval (`dated`)"),
                               d->id.text, unit ? unit : "");
        hint(r, x, N_("add dated YYYY-MM-DD, the date of the approving document"), NULL);
        ok = false;
    } else if (!waiver_date(r, d, d->issued, &dated)) {
        ok = false;
    }
    if (d->until) {
        if (!waiver_date(r, d, d->until, &until)) {
            ok = false;
        } else if (d->issued && until < dated) {
            td_diagnostic *x = ERR(r, d->until->span, "waiver-until",
                                   N_("the waiver ends "
                                      "(until %s) before it is granted (dated %s)"),
                                   d->until->str, d->issued->str);
            hint(r, x, N_("`until` is the last day the waiver is in force, on or after `dated`"),
                 NULL);
            ok = false;
        }
    }
    if (!ok)
        return;
    for (uint32_t i = 0; i < p->n_waivers; i++) {
        const td_waiver *w = &p->waivers[i];
        if (strcmp(w->rule, d->id.text) == 0 && strcmp(w->unit, unit) == 0 &&
            (w->exemplar ? exemplar && strcmp(w->exemplar, exemplar) == 0 : !exemplar)) {
            td_diagnostic *x =
                exemplar ? WARN(r, d->id.span, "waiver-twice",
                                N_("%s is already waived for \"%s\" (exemplar \"%s\"): the first "
                                   "waiver applies"),
                                d->id.text, unit, exemplar)
                         : WARN(r, d->id.span, "waiver-twice",
                                N_("%s is already waived for \"%s\": the first waiver applies"),
                                d->id.text, unit);
            where_first(r, x, "the waiver", w->span);
            return;
        }
    }
    td_waiver *arr = grow(r, p->waivers, p->n_waivers, sizeof *arr);
    if (!arr)
        return;
    arr[p->n_waivers] =
        (td_waiver){.rule = td_arena_strdup(r->pa, d->id.text),
                    .whole_workflow = whole,
                    .unit = unit,
                    .exemplar = exemplar,
                    .reason = reason,
                    .approved_by = by,
                    .document = doc,
                    .dated = td_arena_strdup(r->pa, d->issued->str),
                    .until = d->until ? td_arena_strdup(r->pa, d->until->str) : NULL,
                    .dated_days = dated,
                    .until_days = until,
                    .span = d->span};
    p->waivers = arr;
    p->n_waivers++;
}

/* Every `waive` of the rules and their imports, checked against the compiled rules. */
static void build_waivers(rs *r)
{
    for (uint32_t i = 0; i < r->n_decls && !r->fatal; i++) {
        const td_decl *d = r->decls[i].decl;
        if (d->kind != TD_D_WAIVE || !d->id.text)
            continue;
        r->rule_id = r->rule_cite = NULL;
        build_waiver(r, d);
    }
}

/* The end of a stage: an allocation that failed in it (arena failure is sticky, so the
 * calls need not each be checked) stops the compilation. */
static bool stage_done(rs *r)
{
    if (!r->fatal && (r->pa->failed || r->parse.failed || r->d->oom))
        r->fatal = TD_ENOMEM;
    return !r->fatal;
}

static td_status compile_all(rs *r, const char *const *files, size_t n_files,
                             const char *const *defines, size_t n_defines)
{
    r->entry_src = td_arena_alloc(r->pa, (n_files + 1) * sizeof *r->entry_src);
    for (size_t i = 0; i < n_files && !r->fatal; i++) {
        uint32_t before = r->p->n_sources;
        load_file(r, files[i], NULL, (td_span){0, 0, 0});
        if (r->entry_src && r->p->n_sources > before)
            r->entry_src[r->n_entry_src++] = before;
    }
    if (!stage_done(r))
        return r->fatal;
    r->p->schema.document = NULL;
    build_schema(r);
    build_params(r);
    apply_defines(r, defines, n_defines);
    param_labels(r);
    build_plan_info(r);
    check_cites(r);
    if (stage_done(r) && r->p->schema.document) {
        compile_defines(r);
        r->p->unit_id = report_define(r, "id");
        r->p->unit_name = report_define(r, "name");
        r->p->unit_level = report_define(r, "level");
        r->p->unit_group = report_define(r, "group");
        build_rules(r);
        build_waivers(r);
        warn_unused(r);
        /* every other computed field of the document is a figure reports show per unit
         * (III.1: the counts announced for each unit) */
        const td_record *doc = r->p->schema.document;
        r->p->report_values = td_arena_alloc(r->pa, (doc->n_defines + 1) * sizeof *r->p->report_values);
        for (uint32_t i = 0; r->p->report_values && i < doc->n_defines; i++) {
            const td_define *def = &doc->defines[i];
            if (def->type && def != r->p->unit_id && def != r->p->unit_name &&
                def != r->p->unit_level && def != r->p->unit_group)
                r->p->report_values[r->p->n_report_values++] = def;
        }
    }
    if (!stage_done(r))
        return r->fatal;
    if (r->d->oom)
        return TD_ENOMEM;
    return r->d->errors > r->errors0 ? TD_EINPUT : TD_OK;
}

/* The language the plan headers parsed so far declare (the last one), or TD_LANG_AUTO. */
static td_lang declared_lang(const rs *r)
{
    td_lang lang = TD_LANG_AUTO;
    for (uint32_t i = 0; r->decls && i < r->n_decls; i++) {
        const td_decl *d = r->decls[i].decl;
        if (d && d->kind == TD_D_PLAN && d->language.text)
            lang = td_lang_parse(d->language.text);
    }
    return lang;
}

static td_status compile_once(bool builtin, const td_rule_text *mem, size_t n_mem,
                              const char *const *files, size_t n_files,
                              const char *const *defines, size_t n_defines, int fail_after,
                              td_diag *d, td_program **out, td_lang *declared);

/* Compiles in d's language; when d has none yet (TD_LANG_AUTO), in the language the rules
 * declare: the diagnostics are first written in English and, when there are any and the
 * rules declare another language, compiled again to write them in it. d then keeps that
 * language, for what the caller records next. */
static td_status compile_program(bool builtin, const td_rule_text *mem, size_t n_mem,
                                 const char *const *files, size_t n_files,
                                 const char *const *defines, size_t n_defines, int fail_after,
                                 td_diag *d, td_program **out)
{
    td_lang declared = TD_LANG_AUTO;
    if (!d || d->lang != TD_LANG_AUTO)
        return compile_once(builtin, mem, n_mem, files, n_files, defines, n_defines, fail_after,
                            d, out, &declared);
    td_diag tmp;
    td_diag_init(&tmp);
    tmp.lang = TD_LANG_EN;
    td_status st = compile_once(builtin, mem, n_mem, files, n_files, defines, n_defines,
                                fail_after, &tmp, out, &declared);
    if (declared != TD_LANG_AUTO && declared != TD_LANG_EN && tmp.n > 0 &&
        st != TD_ENOMEM) {
        td_program_free(*out);
        td_diag_clear(&tmp);
        tmp.lang = declared;
        st = compile_once(builtin, mem, n_mem, files, n_files, defines, n_defines, fail_after,
                          &tmp, out, &declared);
    }
    td_diag_move(d, &tmp);
    td_diag_free(&tmp);
    if (declared != TD_LANG_AUTO)
        d->lang = declared;
    return st != TD_OK ? st : d->oom ? TD_ENOMEM : TD_OK;
}

static td_status compile_once(bool builtin, const td_rule_text *mem, size_t n_mem,
                              const char *const *files, size_t n_files,
                              const char *const *defines, size_t n_defines, int fail_after,
                              td_diag *d, td_program **out, td_lang *declared)
{
    *out = NULL;
    if (!d) {
        /* the caller does not want the diagnostics */
        td_diag scratch;
        td_diag_init(&scratch);
        td_status st = compile_once(builtin, mem, n_mem, files, n_files, defines, n_defines,
                                    fail_after, &scratch, out, declared);
        td_diag_free(&scratch);
        return st;
    }
    td_program *p = calloc(1, sizeof *p);
    if (!p)
        return TD_ENOMEM;
    td_arena_init(&p->arena, 64 * 1024);
    p->sources_on_disk = !builtin && !mem;
    rs r;
    memset(&r, 0, sizeof r);
    r.p = p;
    r.pa = &p->arena;
    r.d = d;
    r.builtin = builtin;
    r.mem = mem;
    r.n_mem = n_mem;
    r.errors0 = d->errors;
    td_arena_init(&r.parse, 64 * 1024);
    r.pa->fail_after = r.parse.fail_after = fail_after;
    const char *stack[MAX_IMPORT_DEPTH + 1];
    r.stack = stack;
    td_type *ts[6];
    td_tkind ks[6] = {TD_T_TEXT, TD_T_INT, TD_T_NUMBER, TD_T_BOOL, TD_T_DATE, TD_T_MONTH};
    for (int i = 0; i < 6; i++)
        ts[i] = new_type(&r, ks[i]);
    r.t_text = ts[0];
    r.t_int = ts[1];
    r.t_number = ts[2];
    r.t_bool = ts[3];
    r.t_date = ts[4];
    r.t_month = ts[5];
    td_status st = r.fatal ? r.fatal : compile_all(&r, files, n_files, defines, n_defines);
    *declared = declared_lang(&r);
    td_arena_free(&r.parse);
    free(r.decls);
    free(r.off_checks);
    for (uint32_t i = 0; i < r.n_loaded; i++)
        free(r.loaded[i]);
    free(r.loaded);
    if (st != TD_OK) {
        td_program_free(p);
        return st;
    }
    *out = p;
    return TD_OK;
}

td_status td_program_compile(const char *const *files, size_t n_files,
                             const char *const *defines, size_t n_defines, td_diag *d,
                             td_program **out)
{
    return compile_program(false, NULL, 0, files, n_files, defines, n_defines, 0, d, out);
}

td_status td_program_compile_texts(const td_rule_text *texts, size_t n_texts,
                                   const char *const *defines, size_t n_defines, td_diag *d,
                                   td_program **out)
{
    if (n_texts == 0) {
        *out = NULL;
        return TD_EBUG;
    }
    return compile_program(true, texts, n_texts, &texts[0].name, 1, defines, n_defines, 0, d, out);
}

td_status td_program_builtin(const char *const *defines, size_t n_defines, td_diag *d,
                             td_program **out)
{
    const char *entry = TD_BUILTIN_ENTRY;
    return compile_program(true, NULL, 0, &entry, 1, defines, n_defines, 0, d, out);
}

td_status td_compile_with_faults(const td_rule_text *texts, size_t n_texts, int fail_after,
                                 td_diag *d, td_program **out)
{
    return compile_program(true, texts, n_texts, &texts[0].name, 1, NULL, 0, fail_after, d, out);
}

void td_program_free(td_program *p)
{
    if (!p)
        return;
    for (uint32_t i = 0; i < p->n_sources; i++)
        td_source_free(p->sources[i]);
    free(p->sources);
    free(p->disabled);
    free(p->changes);
    td_arena_free(&p->arena);
    free(p);
}

static bool keep_disabled(rs *r, const td_decl *d)
{
    td_program *p = r->p;
    td_disabled *grown = realloc(p->disabled, (p->n_disabled + 1) * sizeof *grown);
    if (!grown) {
        r->fatal = TD_ENOMEM;
        return false;
    }
    p->disabled = grown;
    td_disabled *x = &p->disabled[p->n_disabled];
    x->id = td_arena_strdup(&p->arena, d->id.text);
    x->because = td_arena_strdup(&p->arena, d->because.text);
    x->src = d->span.src;
    x->off = d->span.off;
    if (!x->id || !x->because) {
        r->fatal = TD_ENOMEM;
        return false;
    }
    p->n_disabled++;
    return true;
}
