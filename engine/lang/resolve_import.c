/* Resolve, first stage: read the rule files and their imports (files, the built-in table
 * or texts in memory), and apply overlays: `replace`, `disable` and `extend` of rules.
 * Pipeline: td_ast (parse arena) -> td_program (program arena); see resolve.c. */
#include "resolve_int.h"

#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

/* Records a `disable` in the program, for `explain` and `diff`; false when out of memory. */
static bool keep_disabled(td_rs *r, const td_decl *d, const td_decl *rule, const char *kind);

/* Records that declaration `d` (an overlay's) changed `kind id` as declared at `was`. */
void td_rs_keep_change(td_rs *r, const char *kind, const char *id, const char *how,
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
    /* copies, as everything the program points to is in its arena (image.h) */
    c->kind = td_arena_strdup(r->pa, kind);
    c->id = td_arena_strdup(r->pa, id);
    c->how = td_arena_strdup(r->pa, how);
    c->src = d->span.src;
    c->off = d->span.off;
    c->was_src = was.src;
    c->was_off = was.off;
    if (!c->kind || !c->id || !c->how)
        r->fatal = TD_ENOMEM;
}

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

static td_status read_rule_file(td_rs *r, const char *path, td_source **out)
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

static bool add_source(td_rs *r, td_source *s)
{
    td_source **grown = realloc(r->p->sources, (r->p->n_sources + 1) * sizeof *grown);
    if (!grown)
        return false;
    r->p->sources = grown;
    r->p->sources[r->p->n_sources++] = s;
    return true;
}

static bool push_decl(td_rs *r, td_decl *dcl, const td_source *src)
{
    if (r->n_decls == r->cap_decls) {
        uint32_t cap = r->cap_decls ? r->cap_decls * 2 : 64;
        td_rdecl *grown = realloc(r->decls, cap * sizeof *grown);
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
    const unsigned char *t = (const unsigned char *)src->text;
    size_t n = src->len, start = n >= 3 && memcmp(t, "\xEF\xBB\xBF", 3) == 0 ? 3 : 0, i = start;
    bool binary = false;
    /* the first byte that is neither text nor a usual space; its line and column are
     * counted only then (every byte of every rule file passes here) */
    while (i < n) {
        unsigned char c = t[i];
        if (c >= 0x20 && c < 0x7F) {
            i++;
        } else if (c >= 0x80) {
            uint32_t cp;
            size_t k = td_utf8_seq((const char *)t + i, n - i, &cp);
            if (!k)
                break;
            i += k;
        } else if (c == '\n' || c == '\t' || c == '\r' || c == '\f') {
            i++;
        } else {
            binary = true;
            break;
        }
    }
    if (i >= n)
        return NULL;
    size_t line = 1, col = 1;
    for (size_t j = start; j < i; j++) {
        if (t[j] == '\n')
            line++, col = 1;
        else if ((t[j] & 0xC0) != 0x80)
            col++; /* a character starts here: the bytes before i are valid UTF-8 */
    }
    if (binary)
        snprintf(buf, size, TR(lang, "it holds binary data (a control byte at line %zu, "
                                     "column %zu)"),
                 line, col);
    else
        snprintf(buf, size, TR(lang, "it is not UTF-8 text (at line %zu, column %zu)"), line, col);
    return buf;
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
void td_rs_load_file(td_rs *r, const char *path_in, const td_source *from, td_span at)
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
            td_diagnostic *e = td_diag_at(r->d, TD_SEV_ERROR, TD_CODE_IMPORT_PATH,
                                          from, at.off, at.len,
                                          "the import path is too long (more than %d parts, or "
                                          "%d bytes with the folder of this file)",
                                          MAX_PATH_PARTS, PATH_MAX - 1);
            td_rs_hint(r, e, "write a shorter path to the file, relative to this file's folder", NULL);
        } else {
            td_diag_at(r->d, TD_SEV_ERROR, TD_CODE_IO, NULL, 0, 0,
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
                    td_diag_at(r->d, TD_SEV_ERROR, TD_CODE_IMPORT_CYCLE, from, at.off, at.len,
                               "import cycle: %s", chain);
                td_rs_hint(r, e, "a file cannot import itself, directly or through others; "
                           "move the shared declarations into a file both import", NULL);
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
        td_diag_at(r->d, TD_SEV_ERROR, TD_CODE_IMPORT_DEPTH, from, at.off, at.len,
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
            char why[128];
            td_diagnostic *e = td_diag_at(r->d, TD_SEV_ERROR, TD_CODE_IMPORT_MISSING, from, at.off,
                                          at.len, "cannot read imported file '%s': %s", path,
                                          td_strerror(td_diag_lang(r->d), errno, why, sizeof why));
            td_rs_hint(r, e, "an import path is relative to the file that imports it", NULL);
        } else {
            char why[128];
            td_diag_at(r->d, TD_SEV_ERROR, TD_CODE_IO, NULL, 0, 0, "cannot read rule file '%s': %s",
                       path, td_strerror(td_diag_lang(r->d), errno, why, sizeof why));
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
            from ? td_diag_at(r->d, TD_SEV_ERROR, TD_CODE_NOT_RULES, from, at.off, at.len,
                              N_("cannot import '%s': it is not a rule file: %s"), path, why)
                 : td_diag_at(r->d, TD_SEV_ERROR, TD_CODE_NOT_RULES, NULL, 0, 0,
                              N_("'%s' is not a rule file: %s"), path, why);
        td_rs_hint(r, e, "a rule file is UTF-8 text: check the path; if it is a rule "
                            "file, save it as UTF-8", NULL);
        return;
    }
    td_diag scratch;
    td_diag_init_lang(&scratch, r->d->lang); /* syntax errors in the messages' language */
    td_ast *ast = NULL;
    td_status pst = td_parse_source(&r->parse, src, src_index, &scratch, &ast);
    if (pst == TD_OK && ast && from && ast->n_decls == 0 && scratch.errors > 0 &&
        !starts_like_rules(src)) {
        /* a text file that is no rule file (named by mistake): one message, no line of it */
        td_diag_free(&scratch);
        td_diagnostic *e = td_diag_at(r->d, TD_SEV_ERROR, TD_CODE_NOT_RULES, from, at.off, at.len,
                                      N_("cannot import '%s': it is not a rule file (no "
                                         "declaration could be read from it)"),
                                      path);
        td_rs_hint(r, e, "a rule file declares `plan`, `param`, `record`, "
                            "`criterion`...: check the path", NULL);
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
            td_rs_load_file(r, target, src, dcl->path.span);
            free(target);
        } else if (!push_decl(r, dcl, src)) {
            r->fatal = TD_ENOMEM;
        }
    }
    r->depth--;
}

/* Adds "did you mean" with the rule ids declared so far; false when none is near. */
static bool suggest_rule(td_rs *r, td_diagnostic *e, const char *id, const td_rule_ref *refs,
                         uint32_t n)
{
    const char *names[1024];
    size_t k = 0;
    for (uint32_t i = 0; i < n && k < 1024; i++)
        names[k++] = refs[i].id;
    const char *sug = td_suggest(id, names, k);
    if (sug)
        td_rs_hint(r, e, "did you mean '%s'?", sug);
    return sug != NULL;
}

/* What `disable NAME` says when NAME is a param, a type or a computed field: they cannot be
 * switched off, as the rules read them. True when it said it. */
static bool disable_other(td_rs *r, const td_decl *d)
{
    const char *id = d->id.text;
    td_diagnostic *x = NULL;
    if (td_rs_find_param(r, id)) {
        x = ERR(r, d->id.span, TD_CODE_DISABLE_KIND,
                "'%s' is a param: the rules read its value, so it "
                "cannot be switched off", id);
        td_rs_hint(r, x, "change its value with `set %s = ...`", id);
    } else if (td_rs_find_enum(r, id) || td_rs_find_record(r, id)) {
        x = ERR(r, d->id.span, TD_CODE_DISABLE_KIND,
                "'%s' is a type of the unit data: units' files "
                "are read by it, so it cannot be switched off", id);
        td_rs_hint(r, x, "add codes with `extend enum`, fields with `extend RECORD`, or write "
                   "`replace enum` / `replace record`", NULL);
    } else {
        const char *dot = strchr(id, '.');
        char rec[128];
        if (!dot || (size_t)(dot - id) >= sizeof rec)
            return false;
        memcpy(rec, id, (size_t)(dot - id));
        rec[dot - id] = '\0';
        const td_record *rc = td_rs_find_record(r, rec);
        bool is_def = false;
        for (uint32_t i = 0; rc && i < r->n_decls && !is_def; i++) {
            const td_decl *x2 = r->decls[i].decl;
            is_def = x2->kind == TD_D_DEFINE && strcmp(x2->name, rec) == 0 &&
                     strcmp(x2->member, dot + 1) == 0;
        }
        if (!is_def)
            return false;
        x = ERR(r, d->id.span, TD_CODE_DISABLE_KIND,
                "'%s' is a computed field: rules and reports may "
                "read it, so it cannot be switched off", id);
        td_rs_hint(r, x, "give it another expression with `replace define %s ...`", id);
    }
    return true;
}

/* The `note ID` declared with that id, or NULL. */
const td_decl *td_rs_note_named(td_rs *r, const char *id)
{
    for (uint32_t i = 0; i < r->n_decls; i++) {
        const td_decl *d = r->decls[i].decl;
        if (d->kind == TD_D_NOTE && d->id.text && strcmp(d->id.text, id) == 0)
            return d;
    }
    return NULL;
}

/* Collects rule declarations by id, applying replace and disable in order. */
td_rule_ref *td_rs_collect_rules(td_rs *r, uint32_t *n_out)
{
    static const char *const kinds[] = {[TD_D_CRITERION] = "criterion", [TD_D_TARGET] = "target",
                                        [TD_D_WORKFLOW] = "workflow", [TD_D_INDEX] = "index"};
    td_rule_ref *refs = calloc(r->n_decls + 1, sizeof *refs);
    uint32_t n = 0;
    if (!refs) {
        r->fatal = TD_ENOMEM;
        return NULL;
    }
    td_ntab ids = {NULL, 0};
    if (!td_rs_ntab_init(r, &ids, r->n_decls)) {
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
        td_nslot *slot = td_rs_ntab_slot(&ids, NULL, d->id.text);
        td_rule_ref *found = slot->name ? &refs[slot->val] : NULL;
        if (d->kind == TD_D_DISABLE) {
            if (d->because.text && td_text_blank(d->because.text, strlen(d->because.text))) {
                td_diagnostic *x = ERR(r, d->because.span, TD_CODE_DISABLE_BECAUSE,
                                       N_("disable %s has an empty reason (`because`): a rule "
                                          "of the plan is switched off only with the reason "
                                          "written down"),
                                       d->id.text);
                if (x)
                    td_diag_set(r->d, &x->hint, N_("write why the rule does not apply here, "
                                                   "e.g. because \"Đại hội tổ chức theo lịch "
                                                   "riêng của huyện\""));
                continue;
            }
            if (!d->because.text) {
                td_diagnostic *x = ERR(r, d->id.span, TD_CODE_DISABLE_BECAUSE,
                                       "disable %s says no reason: a rule of the plan is switched "
                                       "off only with the reason written down",
                                       d->id.text);
                td_rs_hint(r, x, "write it after the id: disable %s because \"...\"", d->id.text);
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
                    const td_decl *wf = NULL;
                    for (uint32_t k = 0; dot && k < n && !wf; k++)
                        if (refs[k].decl->kind == TD_D_WORKFLOW &&
                            strlen(refs[k].id) == (size_t)(dot - d->id.text) &&
                            strncmp(refs[k].id, d->id.text, (size_t)(dot - d->id.text)) == 0)
                            wf = refs[k].decl;
                    if (!keep_disabled(r, d, wf, "workflow check"))
                        break;
                    continue;
                }
                if (td_rs_note_named(r, d->id.text)) {
                    /* a note switched off: left out of the plan's account (build_rules) */
                    td_decl **grown = realloc(r->off_checks, (r->n_off_checks + 1) * sizeof *grown);
                    if (!grown) {
                        r->fatal = TD_ENOMEM;
                        break;
                    }
                    r->off_checks = grown;
                    r->off_checks[r->n_off_checks++] = d;
                    if (!keep_disabled(r, d, td_rs_note_named(r, d->id.text), "note"))
                        break;
                    continue;
                }
                if (disable_other(r, d))
                    continue;
                td_diagnostic *x = ERR(r, d->id.span, TD_CODE_UNKNOWN_RULE,
                                       "cannot disable '%s': no rule has that id", d->id.text);
                suggest_rule(r, x, d->id.text, refs, n);
                continue;
            }
            if (found->disabled) {
                WARN(r, d->id.span, TD_CODE_DISABLED_TWICE,
                     "rule %s is already disabled", d->id.text);
                continue;
            }
            found->disabled = true;
            if (!keep_disabled(r, d, found->decl, NULL))
                break;
            continue;
        }
        if (d->extend) {
            if (!found || found->decl->kind != TD_D_WORKFLOW) {
                td_diagnostic *x = ERR(r, d->id.span, TD_CODE_UNKNOWN_RULE,
                                       "cannot extend '%s': no "
                                       "workflow has that id", d->id.text);
                suggest_rule(r, x, d->id.text, refs, n);
                continue;
            }
            td_decl *m = td_rs_extend_workflow(r, found->decl, d);
            if (m) {
                td_rs_keep_change(r, "workflow", d->id.text, "extended", d, found->decl->span);
                found->decl = m;
            }
            continue;
        }
        if (d->replace) {
            if (!found) {
                td_diagnostic *x = ERR(r, d->id.span, TD_CODE_UNKNOWN_RULE,
                                       "cannot replace '%s': no "
                                       "rule has that id", d->id.text);
                if (!suggest_rule(r, x, d->id.text, refs, n))
                    td_rs_hint(r, x, "to add a new rule, leave out `replace`", NULL);
                continue;
            }
            if (found->decl->kind != d->kind) {
                td_diagnostic *x = ERR(r, d->id.span, TD_CODE_REPLACE_KIND,
                                       "'%s' is not a %s but a %s",
                                       d->id.text, kinds[d->kind], kinds[found->decl->kind]);
                if (x)
                    td_diag_set(r->d, &x->hint, "write `replace %s %s ...`",
                                kinds[found->decl->kind], d->id.text);
                continue;
            }
            td_rs_keep_change(r, kinds[d->kind], d->id.text, "replaced", d, found->decl->span);
            found->decl = d;
            found->src = r->decls[i].src;
            found->disabled = false;
            continue;
        }
        if (found) {
            td_diagnostic *x = ERR(r, d->id.span, TD_CODE_DUPLICATE_RULE,
                                   "rule id '%s' is used twice",
                                   d->id.text);
            if (x) {
                const td_source *s = td_rs_src_of(r, found->decl->id.span);
                uint32_t line = 0, col = 0;
                if (s)
                    td_source_linecol(s, found->decl->id.span.off, &line, &col);
                td_diag_set(r->d, &x->hint,
                            N_("first used at %s:%u:%u; to change that rule in an overlay write "
                               "`replace %s %s ...`"), s ? s->name : "?", line, col,
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

/* Records `disable` d of `rule` (its declaration, or NULL), of `kind` (NULL: the rule's). */
static bool keep_disabled(td_rs *r, const td_decl *d, const td_decl *rule, const char *kind)
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
    if (!kind && rule)
        kind = rule->kind == TD_D_TARGET     ? "target"
               : rule->kind == TD_D_WORKFLOW ? "workflow"
               : rule->kind == TD_D_INDEX    ? "index"
                                             : "criterion";
    /* a copy, as everything the program points to is in its arena (image.h) */
    x->kind = kind ? td_arena_strdup(&p->arena, kind) : NULL;
    /* the label as reports print it, params inserted */
    x->label = rule && rule->label.text ? td_rs_label_of(r, &rule->label, NULL) : NULL;
    x->cite = rule && rule->cite.text ? td_arena_strdup(&p->arena, rule->cite.text) : NULL;
    x->rule = rule ? (rule->id.text ? rule->id.span : rule->span) : (td_span){0, 0, 0};
    if (!x->id || !x->because || (kind && !x->kind)) {
        r->fatal = TD_ENOMEM;
        return false;
    }
    p->n_disabled++;
    return true;
}
