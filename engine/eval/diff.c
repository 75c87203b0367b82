/* What a rule change does: the declarations an overlay changes against what it imports, and
 * the units whose verdict flips when the same batch is judged under two rule sets.
 * Pipeline: two td_programs (+ a batch of unit files) -> a comparison -> text or JSON. */
#include <stdlib.h>
#include <string.h>

#include "arena.h"
#include "ast.h"
#include "batch.h"
#include "diag.h"
#include "i18n.h"
#include "label.h"
#include "program.h"
#include "report.h"

/* ---------- the imports of a rule file ---------- */

/* `rel` beside `file`; malloc'd. */
static char *beside(const char *file, const char *rel)
{
    const char *slash = strrchr(file, '/');
    size_t dl = rel[0] != '/' && slash ? (size_t)(slash - file) + 1 : 0;
    char *out = malloc(dl + strlen(rel) + 1);
    if (out) {
        memcpy(out, file, dl);
        strcpy(out + dl, rel);
    }
    return out;
}

td_status td_rules_imports(const char *file, td_diag *d, char ***out, size_t *n_out)
{
    *out = NULL;
    *n_out = 0;
    td_source *src = NULL;
    td_status st = td_source_read(file, &src);
    if (st != TD_OK)
        return st;
    td_arena a;
    td_arena_init(&a, 16 * 1024);
    td_ast *ast = NULL;
    st = td_parse_source(&a, src, 0, d, &ast);
    if (st == TD_OK && ast && ast->had_errors)
        st = TD_EINPUT;
    size_t n = 0;
    for (uint32_t i = 0; st == TD_OK && i < ast->n_decls; i++)
        n += ast->decls[i]->kind == TD_D_IMPORT && ast->decls[i]->path.text;
    char **list = st == TD_OK ? calloc(n + 1, sizeof *list) : NULL;
    if (st == TD_OK && !list)
        st = TD_ENOMEM;
    for (uint32_t i = 0; st == TD_OK && i < ast->n_decls; i++) {
        const td_decl *dcl = ast->decls[i];
        if (dcl->kind != TD_D_IMPORT || !dcl->path.text)
            continue;
        if (!(list[*n_out] = beside(file, dcl->path.text)))
            st = TD_ENOMEM;
        else
            (*n_out)++;
    }
    if (st == TD_OK) {
        *out = list;
    } else if (list) {
        for (size_t i = 0; i < *n_out; i++)
            free(list[i]);
        free(list);
        *n_out = 0;
    }
    td_arena_free(&a);
    td_source_free(src);
    return st;
}

/* ---------- what changed in the rules ---------- */

typedef struct item {
    td_item it;
    char *value;            /* a param's value or an enum's codes (owned), else NULL */
    size_t index;
} item;

/* What a line says of a declaration, one sentence per kind of declaration (indexed by
 * td_item_kind), so that a translator sees each sentence whole. */
/* TRANSLATORS: a declaration that a rule change adds: the id (and label), " (FILE:LINE)";
 * its text follows */
static const char *const ADDED[] = {
    N_("+ criterion %s added%s\n"), N_("+ workflow %s added%s\n"), N_("+ target %s added%s\n"),
    N_("+ param %s added%s\n"),     N_("+ record %s added%s\n"),   N_("+ note %s added%s\n"),
    N_("+ enum %s added%s\n"),
};
/* TRANSLATORS: a declaration that a rule change removes: the id (and label), " (FILE:LINE)" */
static const char *const REMOVED[] = {
    N_("- criterion %s removed%s\n"), N_("- workflow %s removed%s\n"),
    N_("- target %s removed%s\n"),    N_("- param %s removed%s\n"),
    N_("- record %s removed%s\n"),    N_("- note %s removed%s\n"),
    N_("- enum %s removed%s\n"),
};
/* TRANSLATORS: a rule written anew: its id, " (FILE:LINE)" of the new text, " (FILE:LINE)" of
 * the old one; the old lines (-) and the new ones (+) follow */
static const char *const REPLACED[] = {
    N_("~ criterion %s replaced%s; it was%s:\n"), N_("~ workflow %s replaced%s; it was%s:\n"),
    N_("~ target %s replaced%s; it was%s:\n"),    N_("~ param %s replaced%s; it was%s:\n"),
    N_("~ record %s replaced%s; it was%s:\n"),    N_("~ note %s replaced%s; it was%s:\n"),
    N_("~ enum %s replaced%s; it was%s:\n"),
};
/* TRANSLATORS: a rule an overlay switched off: its id, the overlay's FILE:LINE, the reason */
static const char *const DISABLED[] = {
    N_("- criterion %s disabled (%s:%u) because: %s\n"),
    N_("- workflow %s disabled (%s:%u) because: %s\n"),
    N_("- target %s disabled (%s:%u) because: %s\n"),
    N_("- rule %s disabled (%s:%u) because: %s\n"),
    N_("- rule %s disabled (%s:%u) because: %s\n"),
    N_("- note %s disabled (%s:%u) because: %s\n"),
    N_("- rule %s disabled (%s:%u) because: %s\n"),
};

/* The language of the words: AUTO is the one the new rules declare. */
static td_lang words_of(td_lang lang, const td_program *p)
{
    return lang != TD_LANG_AUTO ? lang : td_program_lang(p);
}

static bool same_item(const td_item *a, const td_item *b)
{
    if (a->kind != b->kind)
        return false;
    if (a->kind == TD_ITEM_NOTE && *a->id && *b->id)
        return strcmp(a->id, b->id) == 0; /* a note with an id is replaced by its id */
    if (a->kind == TD_ITEM_NOTE)
        return strcmp(a->cite ? a->cite : "", b->cite ? b->cite : "") == 0 &&
               strcmp(a->label, b->label) == 0;
    return strcmp(a->id, b->id) == 0;
}

/* The declaration as written, without its surrounding blank space, for the side by side. */
static void put_source(FILE *out, const char *lead, const td_item *it)
{
    if (!it->source)
        return;
    const char *s = it->source, *end = it->source + it->source_len;
    while (end > s && (end[-1] == '\n' || end[-1] == ' ' || end[-1] == '\r'))
        end--;
    while (s < end) {
        const char *nl = memchr(s, '\n', (size_t)(end - s));
        size_t n = nl ? (size_t)(nl - s) : (size_t)(end - s);
        fprintf(out, "%s%.*s\n", lead, (int)n, s);
        s += n + (nl != NULL);
    }
}

static bool same_source(const td_item *a, const td_item *b)
{
    return a->source_len == b->source_len &&
           (!a->source || memcmp(a->source, b->source, a->source_len) == 0);
}

static item *items_of(const td_program *p, td_lang lang, size_t *n)
{
    *n = td_program_items(p);
    item *v = calloc(*n + 1, sizeof *v);
    if (!v)
        return NULL;
    for (size_t i = 0; i < *n; i++) {
        td_program_item(p, i, &v[i].it);
        v[i].index = i;
        if (v[i].it.kind == TD_ITEM_PARAM || v[i].it.kind == TD_ITEM_ENUM)
            v[i].value = td_program_item_value(p, i, lang);
    }
    return v;
}

static void free_items(item *v, size_t n)
{
    for (size_t i = 0; v && i < n; i++)
        free(v[i].value);
    free(v);
}

static const char *where(const td_item *it, char *buf, size_t cap)
{
    if (!it->file)
        return "";
    snprintf(buf, cap, " (%s:%u)", it->file, it->line);
    return buf;
}

/* "ID “LABEL”", "ID" or "“LABEL”" (a note without an id), into buf. */
static const char *named(const char *id, const char *label, char *buf, size_t cap)
{
    if (*id && label && *label)
        snprintf(buf, cap, "%s \xe2\x80\x9c%s\xe2\x80\x9d", id, label);
    else if (label && *label)
        snprintf(buf, cap, "\xe2\x80\x9c%s\xe2\x80\x9d", label);
    else
        snprintf(buf, cap, "%s", id);
    return buf;
}

static const char *name_of(const td_item *it, char *buf, size_t cap)
{
    return named(it->id, it->label, buf, cap);
}

/* The last change of kind `kind` to `id` in p, or false. */
static bool change_of(const td_program *p, const char *kind, const char *id, td_change_info *out)
{
    bool found = false;
    td_change_info c;
    for (size_t k = 0; td_program_change(p, k, &c); k++)
        if (strcmp(c.kind, kind) == 0 && strcmp(c.id, id) == 0) {
            *out = c;
            found = true;
        }
    return found;
}

/* An enum whose codes change: extended or replaced by an overlay, or changed (two files). */
static void enum_line(FILE *out, td_lang l, const td_program *new, const char *id,
                      const char *was, const char *now)
{
    td_change_info c;
    char w[600];
    if (!change_of(new, "enum", id, &c)) {
        fprintf(out, TR(l, "~ enum %s changed: %s -> %s\n"), id, was, now);
        return;
    }
    snprintf(w, sizeof w, " (%s:%u)", c.file ? c.file : "?", c.line);
    if (strcmp(c.how, "replaced") == 0)
        /* TRANSLATORS: an enum an overlay replaced: its name, " (FILE:LINE)", the old codes,
         * the new codes */
        fprintf(out, TR(l, "~ enum %s replaced%s: %s -> %s\n"), id, w, was, now);
    else
        fprintf(out, TR(l, "~ enum %s extended%s: %s -> %s\n"), id, w, was, now);
}

/* A change an overlay made to a declaration that stays where it was: a workflow extended, a
 * record tightened or replaced, a computed field replaced. */
static void change_line(FILE *out, td_lang l, const td_change_info *c)
{
    const char *file = c->file ? c->file : "?";
    bool replaced = strcmp(c->how, "replaced") == 0;
    if (strcmp(c->kind, "workflow") == 0)
        fprintf(out, TR(l, "~ workflow %s extended (%s:%u)\n"), c->id, file, c->line);
    else if (strcmp(c->kind, "record") == 0 && replaced)
        fprintf(out, TR(l, "~ record %s replaced (%s:%u)\n"), c->id, file, c->line);
    else if (strcmp(c->kind, "record") == 0)
        /* TRANSLATORS: `extend RECORD` made fields the record already had stricter */
        fprintf(out, TR(l, "~ record %s: fields made stricter (%s:%u)\n"), c->id, file, c->line);
    else
        /* TRANSLATORS: a computed field (`define`) written anew, RECORD.NAME */
        fprintf(out, TR(l, "~ computed field %s replaced (%s:%u)\n"), c->id, file, c->line);
}

/* A waiver the new rules grant (Decision 11), one sentence. */
static void waiver_line(FILE *out, td_lang l, const td_waiver_info *w)
{
    const char *file = w->file ? w->file : "?";
    /* TRANSLATORS: a waiver granted: the rule, the unit's id, [the exemplar's id,] the
     * overlay's FILE:LINE, the reason, who approved it, the document, its date[, its end] */
    if (w->exemplar && w->until)
        fprintf(out, TR(l, "+ waiver of %s for %s, exemplar %s (%s:%u) because: %s; approved "
                           "by %s, %s dated %s, until %s\n"),
                w->rule, w->unit, w->exemplar, file, w->line, w->reason, w->approved_by,
                w->document, w->dated, w->until);
    else if (w->exemplar)
        fprintf(out, TR(l, "+ waiver of %s for %s, exemplar %s (%s:%u) because: %s; approved "
                           "by %s, %s dated %s\n"),
                w->rule, w->unit, w->exemplar, file, w->line, w->reason, w->approved_by,
                w->document, w->dated);
    else if (w->until)
        fprintf(out, TR(l, "+ waiver of %s for %s (%s:%u) because: %s; approved by %s, %s "
                           "dated %s, until %s\n"),
                w->rule, w->unit, file, w->line, w->reason, w->approved_by, w->document,
                w->dated, w->until);
    else
        fprintf(out, TR(l, "+ waiver of %s for %s (%s:%u) because: %s; approved by %s, %s "
                           "dated %s\n"),
                w->rule, w->unit, file, w->line, w->reason, w->approved_by, w->document,
                w->dated);
}

td_status td_diff_rules(const td_program *old, const td_program *new, td_lang lang, FILE *out,
                        size_t *changes)
{
    td_lang l = words_of(lang, new);
    size_t no = 0, nn = 0;
    *changes = 0;
    item *o = items_of(old, l, &no), *n = items_of(new, l, &nn);
    if (!o || !n) {
        free_items(o, no);
        free_items(n, nn);
        return TD_ENOMEM;
    }
    char w1[600], w2[600], name[1200];
    for (size_t i = 0; i < nn; i++) {
        const td_item *b = &n[i].it;
        const item *a = NULL;
        for (size_t k = 0; k < no && !a; k++)
            if (same_item(&o[k].it, b))
                a = &o[k];
        if (!a) {
            if (b->kind == TD_ITEM_PARAM && n[i].value)
                /* TRANSLATORS: a param added: its name, its value, " (FILE:LINE)" */
                fprintf(out, TR(l, "+ param %s = %s added%s\n"), b->id, n[i].value,
                        where(b, w1, sizeof w1));
            else
                fprintf(out, TR(l, ADDED[b->kind]), name_of(b, name, sizeof name),
                        where(b, w1, sizeof w1));
            put_source(out, "      ", b);
            (*changes)++;
        } else if (b->kind == TD_ITEM_ENUM) {
            if (a->value && n[i].value && strcmp(a->value, n[i].value) != 0) {
                enum_line(out, l, new, b->id, a->value, n[i].value);
                (*changes)++;
            }
        } else if (b->kind == TD_ITEM_PARAM) {
            if (a->value && n[i].value && strcmp(a->value, n[i].value) != 0) {
                /* where the new value is written: the overlay's `set`, else the declaration */
                td_change_info c;
                if (change_of(new, "param", b->id, &c) && c.file)
                    snprintf(w1, sizeof w1, " (%s:%u)", c.file, c.line);
                else
                    where(b, w1, sizeof w1);
                /* TRANSLATORS: a param's value changes: its name, the old value, the new one
                 * (a dated value reads "60 until 2024-12-31, 80 from 2025-01-01"), and
                 * " (FILE:LINE)" where the new value is written */
                fprintf(out, TR(l, "~ param %s: %s -> %s%s\n"), b->id, a->value, n[i].value,
                        w1);
                (*changes)++;
            }
        } else if (!same_source(&a->it, b) && b->kind != TD_ITEM_RECORD) {
            fprintf(out, TR(l, REPLACED[b->kind]), *b->id ? b->id : name_of(b, name, sizeof name),
                    where(b, w1, sizeof w1), where(&a->it, w2, sizeof w2));
            put_source(out, "    - ", &a->it);
            put_source(out, "    + ", b);
            (*changes)++;
        }
    }
    for (size_t k = 0; k < no; k++) {
        bool kept = false;
        for (size_t i = 0; i < nn && !kept; i++)
            kept = same_item(&o[k].it, &n[i].it);
        if (kept)
            continue;
        const td_item *a = &o[k].it;
        td_disabled_info x;
        bool off = false;
        for (size_t i = 0; !off && td_program_disabled_rule(new, i, &x); i++)
            off = *a->id && strcmp(x.id, a->id) == 0;
        if (off)
            fprintf(out, TR(l, DISABLED[a->kind]), a->id, x.file ? x.file : "?", x.line,
                    x.because);
        else
            fprintf(out, TR(l, REMOVED[a->kind]), name_of(a, name, sizeof name),
                    where(a, w1, sizeof w1));
        (*changes)++;
    }
    /* a workflow extended, a record tightened or replaced, a computed field replaced: the
     * declaration stays where it was, what an overlay did to it is in the changes */
    for (size_t i = 0; true; i++) {
        td_change_info c;
        if (!td_program_change(new, i, &c))
            break;
        if (strcmp(c.kind, "workflow") != 0 && strcmp(c.kind, "record") != 0 &&
            strcmp(c.kind, "define") != 0)
            continue;
        if (strcmp(c.kind, "workflow") == 0 && strcmp(c.how, "extended") != 0)
            continue; /* a workflow replaced shows with its source above */
        change_line(out, l, &c);
        (*changes)++;
    }
    /* a workflow's check switched off: the workflow stays, one of its checks goes */
    for (size_t i = 0; true; i++) {
        td_disabled_info x, y;
        if (!td_program_disabled_rule(new, i, &x))
            break;
        bool rule = false, before = false;
        for (size_t k = 0; k < no && !rule; k++)
            rule = strcmp(o[k].it.id, x.id) == 0;
        for (size_t k = 0; !before && td_program_disabled_rule(old, k, &y); k++)
            before = strcmp(y.id, x.id) == 0;
        if (rule || before)
            continue;
        /* TRANSLATORS: one check of a workflow switched off: its id, the overlay's FILE:LINE,
         * the reason */
        fprintf(out, TR(l, "- check %s disabled (%s:%u) because: %s\n"), x.id,
                x.file ? x.file : "?", x.line, x.because);
        (*changes)++;
    }
    /* waivers granted (Decision 11): those of `new` that `old` does not have */
    td_waiver_info wn, wo;
    for (size_t i = 0; td_program_waiver(new, i, &wn); i++) {
        bool before = false;
        for (size_t k = 0; !before && td_program_waiver(old, k, &wo); k++)
            before = strcmp(wn.rule, wo.rule) == 0 && strcmp(wn.unit, wo.unit) == 0 &&
                     (wn.exemplar ? wo.exemplar && strcmp(wn.exemplar, wo.exemplar) == 0
                                  : !wo.exemplar) &&
                     strcmp(wn.dated, wo.dated) == 0;
        if (before)
            continue;
        waiver_line(out, l, &wn);
        (*changes)++;
    }
    free_items(o, no);
    free_items(n, nn);
    return TD_OK;
}

/* ---------- verdict flips over a batch ---------- */

/* The severity a finding is reported with: "waived" when a waiver covers it. */
static const char *shown_severity(const td_diagnostic *x)
{
    return x->waived == TD_WAIVER_COVERS ? "waived" : td_severity_name(x->sev);
}

/* One finding, as the comparison sees it: same rule, severity (waived or not), place and
 * data path. */
static bool same_finding(const td_diagnostic *a, const td_diagnostic *b)
{
    return a->sev == b->sev && (a->waived == TD_WAIVER_COVERS) == (b->waived == TD_WAIVER_COVERS) &&
           a->line == b->line && a->col == b->col &&
           strcmp(a->rule ? a->rule : a->code, b->rule ? b->rule : b->code) == 0 &&
           strcmp(a->path ? a->path : "", b->path ? b->path : "") == 0;
}

static bool has_finding(const td_diag *d, const td_diagnostic *x)
{
    for (size_t i = 0; i < d->n; i++)
        if (same_finding(&d->items[i], x))
            return true;
    return false;
}

static const char *verdict(const td_unit_result *u)
{
    return u->findings.errors ? "fail" : "pass";
}

/* The verdict for a person: "pass" or "fail" in the language of the words. */
static const char *verdict_word(td_lang l, const td_unit_result *u)
{
    return u->findings.errors ? TR(l, "fail") : TR(l, "pass");
}

typedef struct side {
    const td_batch *b;
    const td_program *p;
} side;

static void json_finding(FILE *out, const td_diagnostic *x, const char *change, bool *first)
{
    fprintf(out, "%s\n        {\"change\": \"%s\", \"rule\": ", *first ? "" : ",", change);
    td_report_json_str(out, x->rule ? x->rule : x->code);
    fprintf(out, ", \"severity\": \"%s\", \"line\": %u, \"column\": %u, \"message\": ",
            shown_severity(x), x->line, x->col);
    td_report_json_str(out, x->message);
    fputc('}', out);
    *first = false;
}

static void text_finding(FILE *out, td_lang l, const td_diagnostic *x, char mark)
{
    const char *sev = x->waived == TD_WAIVER_COVERS ? TR(l, "waived")
                                                    : td_severity_label(l, x->sev);
    fprintf(out, "    %c %s:%u:%u: %s: ", mark, x->file ? x->file : "", x->line, x->col, sev);
    td_put_text(out, x->message, true);
    fprintf(out, " [%s%s%s]\n", x->rule ? x->rule : x->code, x->cite ? ", " : "",
            x->cite ? x->cite : "");
}

/* The line of a unit whose findings change: its id, file (and document), and the verdicts. */
static void unit_line(FILE *out, td_lang l, const char *id, const td_unit_result *b,
                      const char *was, const char *now, bool flip)
{
    /* TRANSLATORS: a unit whose verdict changes: its id, its file[, the document's number in
     * the file], the old verdict and the new ("pass" or "fail") */
    if (flip && b->doc)
        fprintf(out, TR(l, "%s (%s, document %u): %s -> %s  (verdict flips)\n"), id, b->file,
                b->doc + 1, was, now);
    else if (flip)
        fprintf(out, TR(l, "%s (%s): %s -> %s  (verdict flips)\n"), id, b->file, was, now);
    /* TRANSLATORS: a unit whose verdict stays the same ("pass" or "fail") while its findings
     * change; those that appear (+) and disappear (-) follow */
    else if (b->doc)
        fprintf(out, TR(l, "%s (%s, document %u): still %s; its findings change\n"), id,
                b->file, b->doc + 1, now);
    else
        fprintf(out, TR(l, "%s (%s): still %s; its findings change\n"), id, b->file, now);
}

/* The units whose findings change, in input order; *flips counts verdicts that change. */
static void units_diff(FILE *out, td_lang l, bool json, side o, side n, size_t *flips,
                       size_t *changed)
{
    size_t count = td_batch_units(o.b) < td_batch_units(n.b) ? td_batch_units(o.b)
                                                              : td_batch_units(n.b);
    bool first_unit = true;
    for (size_t i = 0; i < count; i++) {
        const td_unit_result *a = td_batch_unit(o.b, i), *b = td_batch_unit(n.b, i);
        bool any = false;
        for (size_t k = 0; k < b->findings.n && !any; k++)
            any = !has_finding(&a->findings, &b->findings.items[k]);
        for (size_t k = 0; k < a->findings.n && !any; k++)
            any = !has_finding(&b->findings, &a->findings.items[k]);
        bool flip = strcmp(verdict(a), verdict(b)) != 0;
        if (!any && !flip)
            continue;
        (*changed)++;
        *flips += flip;
        const char *id = b->id ? b->id : a->id ? a->id : "?";
        if (json) {
            fprintf(out, "%s\n    {\"id\": ", first_unit ? "" : ",");
            td_report_json_str(out, id);
            fputs(", \"file\": ", out);
            td_report_json_str(out, b->file);
            fprintf(out, ", \"document\": %u, \"before\": \"%s\", \"after\": \"%s\", "
                         "\"findings\": [",
                    b->doc + 1, verdict(a), verdict(b));
            bool first = true;
            for (size_t k = 0; k < b->findings.n; k++)
                if (!has_finding(&a->findings, &b->findings.items[k]))
                    json_finding(out, &b->findings.items[k], "appears", &first);
            for (size_t k = 0; k < a->findings.n; k++)
                if (!has_finding(&b->findings, &a->findings.items[k]))
                    json_finding(out, &a->findings.items[k], "disappears", &first);
            fputs("]}", out);
        } else {
            if (first_unit)
                /* TRANSLATORS: before the first unit whose findings change: what the marks of
                 * the finding lines below mean */
                fputs(TR(l, "(+ a finding that appears under the new rules, - one that no "
                            "longer appears)\n"),
                      out);
            unit_line(out, l, id, b, verdict_word(l, a), verdict_word(l, b), flip);
            for (size_t k = 0; k < b->findings.n; k++)
                if (!has_finding(&a->findings, &b->findings.items[k]))
                    text_finding(out, l, &b->findings.items[k], '+');
            for (size_t k = 0; k < a->findings.n; k++)
                if (!has_finding(&b->findings, &a->findings.items[k]))
                    text_finding(out, l, &a->findings.items[k], '-');
        }
        first_unit = false;
    }
}

static const td_target_row *row_like(const td_batch *b, const td_program *p,
                                     const td_program *q, const td_target_row *r)
{
    const char *id = q->targets[r->target].id;
    for (size_t i = 0; i < b->n_rows; i++) {
        const td_target_row *x = &b->rows[i];
        if (strcmp(p->targets[x->target].id, id) == 0 &&
            strcmp(x->group ? x->group : "", r->group ? r->group : "") == 0)
            return x;
    }
    return NULL;
}

/* A target's figure for a person: "4 / 100 not met", "4" (a tally), or "" (no row). */
static const char *figure(td_lang l, const td_target_row *r, char *buf, size_t cap)
{
    char a[48], q[48];
    bool vi = l == TD_LANG_VI;
    if (!r)
        buf[0] = '\0';
    else if (!r->has_required)
        snprintf(buf, cap, "%s", td_report_num_text(r->actual, 6, vi, a));
    else if (r->met)
        /* TRANSLATORS: a target's figure: what the batch reaches / what is required */
        snprintf(buf, cap, TR(l, "%s / %s met"), td_report_num_text(r->actual, 6, vi, a),
                 td_report_num_text(r->required, 6, vi, q));
    else
        snprintf(buf, cap, TR(l, "%s / %s not met"), td_report_num_text(r->actual, 6, vi, a),
                 td_report_num_text(r->required, 6, vi, q));
    return buf;
}

static void targets_diff(FILE *out, td_lang l, bool json, side o, side n, size_t *changed)
{
    bool first = true;
    for (size_t i = 0; i < n.b->n_rows; i++) {
        const td_target_row *r = &n.b->rows[i];
        const td_target_row *before = row_like(o.b, o.p, n.p, r);
        if (before && before->actual == r->actual && before->met == r->met &&
            before->has_required == r->has_required &&
            (!r->has_required || before->required == r->required))
            continue;
        (*changed)++;
        const td_target *tg = &n.p->targets[r->target];
        const char *id = tg->id;
        if (json) {
            fprintf(out, "%s\n    {\"id\": ", first ? "" : ",");
            td_report_json_str(out, id);
            fputs(", \"group\": ", out);
            if (r->group)
                td_report_json_str(out, r->group);
            else
                fputs("null", out);
            if (before)
                fprintf(out, ", \"before\": {\"actual\": %g, \"required\": %g, \"met\": %s}",
                        before->actual, before->required, before->met ? "true" : "false");
            else
                fputs(", \"before\": null", out);
            fprintf(out, ", \"after\": {\"actual\": %g, \"required\": %g, \"met\": %s}}",
                    r->actual, r->required, r->met ? "true" : "false");
        } else {
            char was[160], now[160], lb[512], name[640];
            id = named(id, td_label_at(n.p, tg->label, n.b->as_of, lb, sizeof lb), name,
                       sizeof name);
            figure(l, before, was, sizeof was);
            figure(l, r, now, sizeof now);
            /* TRANSLATORS: a target's figures change: its id[, the group], the old figure
             * ("4 / 100 not met"), the new one */
            if (!before && r->group)
                /* TRANSLATORS: a target the old rules did not have: id, group, its figure */
                fprintf(out, TR(l, "target %s [%s]: (none) -> %s\n"), id, r->group, now);
            else if (!before)
                fprintf(out, TR(l, "target %s: (none) -> %s\n"), id, now);
            else if (r->group)
                fprintf(out, TR(l, "target %s [%s]: %s -> %s\n"), id, r->group, was, now);
            else
                fprintf(out, TR(l, "target %s: %s -> %s\n"), id, was, now);
        }
        first = false;
    }
    for (size_t i = 0; i < o.b->n_rows; i++) {
        const td_target_row *r = &o.b->rows[i];
        if (row_like(n.b, n.p, o.p, r))
            continue;
        (*changed)++;
        if (json) {
            fprintf(out, "%s\n    {\"id\": ", first ? "" : ",");
            td_report_json_str(out, o.p->targets[r->target].id);
            fprintf(out, ", \"group\": null, \"before\": {\"actual\": %g}, \"after\": null}",
                    r->actual);
        } else {
            char was[48], lb[512], name[640];
            const td_target *tg = &o.p->targets[r->target];
            const char *id = named(tg->id, td_label_at(o.p, tg->label, o.b->as_of, lb, sizeof lb),
                                   name, sizeof name);
            td_report_num_text(r->actual, 6, l == TD_LANG_VI, was);
            /* TRANSLATORS: a target the new rules no longer have: its id[, the group], the
             * old figure */
            if (r->group)
                fprintf(out, TR(l, "target %s [%s]: %s -> (removed)\n"), id, r->group, was);
            else
                fprintf(out, TR(l, "target %s: %s -> (removed)\n"), id, was);
        }
        first = false;
    }
}

td_status td_diff_batches(const td_program *old, const td_program *new, const td_batch *before,
                          const td_batch *after, td_lang lang, bool json, FILE *out,
                          size_t *flips)
{
    td_lang l = words_of(lang, new);
    side o = {before, old}, n = {after, new};
    size_t changed_units = 0, changed_targets = 0;
    *flips = 0;
    char day[11];
    td_format_date(after->as_of, day);
    if (json) {
        fprintf(out, "{\n  \"format\": \"thidua-diff/1\",\n  \"as_of\": \"%s\",\n  \"flips\": [",
                day);
        /* flips first: the units whose verdict changes */
        size_t count = td_batch_units(before) < td_batch_units(after) ? td_batch_units(before)
                                                                      : td_batch_units(after);
        bool first = true;
        for (size_t i = 0; i < count; i++) {
            const td_unit_result *a = td_batch_unit(before, i), *b = td_batch_unit(after, i);
            if (strcmp(verdict(a), verdict(b)) == 0)
                continue;
            fprintf(out, "%s\n    {\"id\": ", first ? "" : ",");
            td_report_json_str(out, b->id ? b->id : "?");
            fputs(", \"file\": ", out);
            td_report_json_str(out, b->file);
            fprintf(out, ", \"before\": \"%s\", \"after\": \"%s\"}", verdict(a), verdict(b));
            first = false;
        }
        fputs(first ? "],\n  \"units\": [" : "\n  ],\n  \"units\": [", out);
        units_diff(out, l, true, o, n, flips, &changed_units);
        fputs(changed_units ? "\n  ],\n  \"targets\": [" : "],\n  \"targets\": [", out);
        targets_diff(out, l, true, o, n, &changed_targets);
        fprintf(out, "%s,\n  \"summary\": {\"units\": %zu, \"flips\": %zu, \"changed_units\": %zu, "
                     "\"changed_targets\": %zu}\n}\n",
                changed_targets ? "\n  ]" : "]", td_batch_units(after), *flips, changed_units,
                changed_targets);
    } else {
        size_t units = td_batch_units(after);
        fprintf(out, TRN(l, "as of %s, %zu unit judged under both rule sets\n",
                         "as of %s, %zu units judged under both rule sets\n", units),
                day, units);
        units_diff(out, l, false, o, n, flips, &changed_units);
        targets_diff(out, l, false, o, n, &changed_targets);
        /* TRANSLATORS: the three parts of the last line of `thidua diff`, written one after
         * the other: "1 verdict flips; 2 units with changed findings; 4 target figures
         * change" */
        fprintf(out, TRN(l, "%zu verdict flips; ", "%zu verdicts flip; ", *flips), *flips);
        fprintf(out,
                TRN(l, "%zu unit with changed findings; ", "%zu units with changed findings; ",
                    changed_units),
                changed_units);
        fprintf(out,
                TRN(l, "%zu target figure changes\n", "%zu target figures change\n",
                    changed_targets),
                changed_targets);
    }
    return ferror(out) ? TD_EIO : TD_OK;
}
