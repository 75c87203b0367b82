/* The HTML report: one self-contained, printable page (no script, no external asset) that
 * answers first: the targets with their burn-up charts, the failing units and why, a table of
 * contents; then the tallies, the stages, the units by group and each unit's findings, folded.
 * Pipeline: batch merge (in order) -> td_report_unit ... td_report_finish -> FILE *. */
#include "report_html.h"
#include "i18n.h"
#include "waiver.h"

#include <stdlib.h>
#include <string.h>

/* Up to this many units, every fold of the page is open (it reads and prints whole); past
 * it the units' lists and findings are folded, so that a district of 20,000 units renders
 * in seconds: a closed <details> is parsed but never laid out. */
#define OPEN_UNITS_MAX 100
/* The spools mark each fold with this byte; the copy into the page makes it " open" or
 * nothing. No value reaches the page with it: escaping turns control characters into U+FFFD. */
#define FOLD_MARK '\x01'
/* Reasons on the first screen; units named per reason. */
#define FIRST_REASONS 5
#define REASON_UNITS 4
/* Up to this many failing units, the first screen names each with its main reason. */
#define FIRST_UNITS 10
/* Past this many findings among the passing units, their folds are left out of the page and
 * the warnings by rule stand for them: a page of 20,000 units then renders in seconds. */
#define PASSING_FINDINGS_MAX 5000
/* Findings shown in one unit's fold: of errors, warnings and waived ones; of infos. */
#define FOLD_MAX 25
/* The rows spool marks the link of a passing unit to its fold with this byte before each of
 * its two tags: the copy drops the marks, or the tags too when the folds are left out. */
#define LINK_MARK '\x02'

typedef enum unit_class { UC_FAIL, UC_FINDINGS, UC_CLEAN } unit_class;

/* Where a unit's entry in the list of units sits in the rows spool. */
typedef struct unit_rec {
    uint64_t off;           /* bytes into the spool */
    uint32_t len;           /* bytes */
    uint32_t group;         /* index in html_state.groups */
    uint32_t ordinal;       /* 1-based, in input order */
    uint8_t cls;            /* unit_class */
} unit_rec;

/* The units of one group (the rules' unit group, such as the commune). */
typedef struct group_acc {
    char *name;             /* owned; NULL for the units without a group */
    size_t units, failed, findings; /* units; failing; with some finding */
    uint32_t rank;          /* place in the page: by name, the units without one first */
} group_acc;

/* A rule and the units with a finding of it (errors of failing units, or warnings). */
typedef struct reason {
    char *key;              /* owned: the rule id, or the finding's code */
    char *label;            /* owned: the rule's label, or the first finding's message */
    char *cite;             /* owned, or NULL */
    size_t units;           /* units with such a finding */
    size_t findings;        /* the findings */
    uint32_t last;          /* ordinal of the last unit counted */
    uint32_t ex[REASON_UNITS]; /* the first units: ordinals */
    bool ex_fail[REASON_UNITS]; /* whether each failed (its fold is always in the page) */
    char *ex_name[REASON_UNITS]; /* owned: their ids */
} reason;

typedef struct reason_set {
    reason *items;          /* owned */
    size_t n, cap;
} reason_set;

/* A failing unit as the first screen names it. */
typedef struct failing {
    uint32_t ordinal;       /* 1-based, in input order */
    size_t errors;
    char *title;            /* owned: the id, or the title when the unit has none */
    char *name;             /* owned, or NULL */
    char *why;              /* owned: the main reason's label or message */
    char *key, *cite;       /* owned: its rule (or code) and clause (or NULL) */
} failing;

typedef struct html_state {
    FILE *rows;             /* owned spool: each unit's entry in the list of units */
    FILE *findings;         /* owned spool: a fold per failing unit */
    FILE *passing;          /* owned spool: a fold per passing unit with findings */
    unit_rec *recs;         /* owned */
    size_t n_recs, cap_recs;
    group_acc *groups;      /* owned */
    size_t n_groups, cap_groups, last_group;
    reason_set reasons;     /* error rules of the failing units */
    reason_set warns;       /* warning rules of all units */
    failing first[FIRST_UNITS]; /* the first failing units */
    size_t n_failing;
    size_t listed, passing_listed; /* failing units; passing units with findings */
    size_t passing_findings; /* findings of the passing units */
    td_lang lang;           /* of the page's words */
} html_state;

static td_status html_begin(td_report *r, void *state)
{
    html_state *h = state;
    h->lang = r->o.lang;
    h->rows = td_report_spool();
    h->findings = td_report_spool();
    h->passing = td_report_spool();
    return h->rows && h->findings && h->passing ? TD_OK : TD_EIO;
}

static char *dup_str(const char *s)
{
    return s ? strdup(s) : NULL;
}

static bool grow(void **items, size_t *cap, size_t n, size_t size)
{
    if (n < *cap)
        return true;
    size_t c = *cap ? *cap * 2 : 16;
    void *p = realloc(*items, c * size);
    if (!p)
        return false;
    *items = p;
    *cap = c;
    return true;
}

/* The index of the unit's group, added when new; SIZE_MAX when out of memory. */
static size_t group_of(html_state *h, const char *name)
{
    for (size_t k = 0; k < h->n_groups; k++) {
        size_t i = (h->last_group + k) % h->n_groups;
        const char *g = h->groups[i].name;
        if ((!g && !name) || (g && name && strcmp(g, name) == 0))
            return h->last_group = i;
    }
    if (!grow((void **)&h->groups, &h->cap_groups, h->n_groups, sizeof *h->groups))
        return SIZE_MAX;
    group_acc *g = &h->groups[h->n_groups];
    memset(g, 0, sizeof *g);
    if (name && !(g->name = strdup(name)))
        return SIZE_MAX;
    return h->last_group = h->n_groups++;
}

static const char *key_of(const td_diagnostic *e)
{
    return e->rule ? e->rule : e->code ? e->code : "";
}

static bool is_waived(const td_diagnostic *e)
{
    return e->waived == TD_WAIVER_COVERS;
}

/* An error that fails the unit (a waived one does not). */
static bool is_error(const td_diagnostic *e)
{
    return e->sev == TD_SEV_ERROR && !is_waived(e);
}

static bool is_warning(const td_diagnostic *e)
{
    return e->sev == TD_SEV_WARNING && !is_waived(e);
}

/* Counts the unit's findings that `pick` selects under their rules in `set`, each unit once
 * per rule. */
static bool add_reasons(td_lang lang, reason_set *set, const td_unit_result *u, uint32_t ordinal,
                        bool fail, bool (*pick)(const td_diagnostic *))
{
    for (size_t i = 0; i < u->findings.n; i++) {
        const td_diagnostic *e = &u->findings.items[i];
        if (!pick(e))
            continue;
        const char *key = key_of(e);
        reason *rs = NULL;
        for (size_t k = 0; k < set->n && !rs; k++)
            if (strcmp(set->items[k].key, key) == 0)
                rs = &set->items[k];
        if (!rs) {
            if (!grow((void **)&set->items, &set->cap, set->n, sizeof *set->items))
                return false;
            rs = &set->items[set->n++];
            memset(rs, 0, sizeof *rs);
            rs->key = strdup(key);
            rs->label = dup_str(e->label && *e->label ? e->label : e->message);
            rs->cite = dup_str(e->cite);
            if (!rs->key || !rs->label || (e->cite && !rs->cite))
                return false;
        }
        rs->findings++;
        if (rs->last == ordinal)
            continue;
        rs->last = ordinal;
        if (rs->units < REASON_UNITS) {
            char title[512];
            const char *name = u->id                                           ? u->id
                               : *td_report_unit_title(lang, u, title, sizeof title) ? title
                                                                               : u->file;
            rs->ex[rs->units] = ordinal;
            rs->ex_fail[rs->units] = fail;
            if (!(rs->ex_name[rs->units] = strdup(name)))
                return false;
        }
        rs->units++;
    }
    return true;
}

static void free_reasons(reason_set *set)
{
    for (size_t i = 0; i < set->n; i++) {
        reason *rs = &set->items[i];
        free(rs->key);
        free(rs->label);
        free(rs->cite);
        for (size_t k = 0; k < REASON_UNITS; k++)
            free(rs->ex_name[k]);
    }
    free(set->items);
}

/* What says most about a unit: of the rule with the most findings that `pick` selects, the
 * first (the first 256 such findings are weighed); NULL when there is none. */
static const td_diagnostic *main_reason(const td_unit_result *u,
                                        bool (*pick)(const td_diagnostic *))
{
    const td_diagnostic *best = NULL;
    size_t best_n = 0, seen = 0;
    for (size_t i = 0; i < u->findings.n && seen < 256; i++) {
        const td_diagnostic *e = &u->findings.items[i];
        if (!pick(e))
            continue;
        seen++;
        size_t n = 0;
        for (size_t j = i; j < u->findings.n; j++)
            n += pick(&u->findings.items[j]) &&
                 strcmp(key_of(&u->findings.items[j]), key_of(e)) == 0;
        if (n > best_n) {
            best = e;
            best_n = n;
        }
    }
    return best;
}

static const char *sev_word(td_lang L, td_severity s)
{
    return s == TD_SEV_ERROR ? TR(L, "Error") : s == TD_SEV_WARNING ? TR(L, "Warning") : TR(L, "Info");
}

/* The source line with a caret under the finding's column, as the text report shows it. */
static void html_source(FILE *out, const td_diagnostic *e)
{
    if (!e->source_line || !e->line)
        return;
    fprintf(out, "<pre>%5u | ", e->line);
    td_html_esc(out, e->source_line);
    fputs("\n      | ", out);
    const char *s = e->source_line;
    uint32_t col = 1;
    for (size_t i = 0; s[i] && col < e->col; i++) {
        if (((unsigned char)s[i] & 0xC0) == 0x80)
            continue;
        fputc(s[i] == '\t' ? '\t' : ' ', out);
        col++;
    }
    fputc('^', out);
    for (uint32_t k = 1; k < e->width && k < 200; k++)
        fputc('~', out);
    fputs("</pre>", out);
}

static bool same_str(const char *a, const char *b)
{
    return a && b && strcmp(a, b) == 0;
}

/* Who waived a finding and why (Decision 11), or why its waiver does not cover it. */
static void html_waiver(td_lang L, FILE *out, const td_diagnostic *e)
{
    const td_waiver *w = e->waiver;
    if (!w)
        return;
    fputs("<div class=\"hint\">", out);
    if (e->waived == TD_WAIVER_COVERS) {
        fputs(TR(L, "Waived: "), out);
    } else if (e->waived == TD_WAIVER_EXPIRED) {
        fputs(TR(L, "The waiver ended on "), out);
        td_html_esc(out, w->until);
        fputs(TR(L, ", no longer in force: "), out);
    } else {
        fputs(TR(L, "The waiver is dated "), out);
        td_html_esc(out, w->dated);
        fputs(TR(L, ", after the as-of date, not in force yet: "), out);
    }
    td_html_esc(out, w->reason);
    fputs(TR(L, " (approved by "), out);
    td_html_esc(out, w->approved_by);
    fputs(", ", out);
    td_html_esc(out, w->document);
    fputs(TR(L, ", dated "), out);
    td_html_esc(out, w->dated);
    if (w->until) {
        fputs(TR(L, ", until "), out);
        td_html_esc(out, w->until);
    }
    fputs(")</div>", out);
}

/* One finding. The file is named when it is not the unit's own (named above the list); the
 * criterion and the hint are not repeated from the finding before, `prev` (or NULL). */
static void html_finding(td_lang L, FILE *out, const td_diagnostic *e, const char *unit_file,
                         const td_diagnostic *prev)
{
    if (is_waived(e))
        fprintf(out, "<li><span class=\"badge b-waived\">%s</span> <span class=\"loc\">",
                TR(L, "Waived"));
    else
        fprintf(out, "<li><span class=\"badge b-%s\">%s</span> <span class=\"loc\">",
                td_severity_name(e->sev),
                /* a rule not due yet at the as-of date (its `due`) */
                e->pending ? TR(L, "In progress") : sev_word(L, e->sev));
    if (!same_str(e->file, unit_file)) {
        td_html_esc(out, e->file);
        if (e->line)
            fprintf(out, ":%u:%u", e->line, e->col);
    } else if (e->line) {
        fprintf(out, TR(L, "line %u, column %u"), e->line, e->col);
    }
    fputs("</span> <span class=\"rule\">[", out);
    td_html_esc(out, e->rule ? e->rule : e->code);
    if (e->cite && *e->cite) {
        fputs(", ", out);
        td_html_esc(out, e->cite);
    }
    fputs("]</span><div class=\"msg\">", out);
    td_html_esc(out, e->message);
    fputs("</div>", out);
    bool same_rule = prev && same_str(prev->rule, e->rule) && same_str(prev->label, e->label);
    if (e->label && *e->label && !same_rule && (!e->message || strcmp(e->label, e->message) != 0)) {
        fputs("<div class=\"hint\">", out);
        fputs(TR(L, "Criterion: "), out);
        td_html_esc(out, e->label);
        fputs("</div>", out);
    }
    html_source(out, e);
    if (e->hint && !(prev && same_str(prev->hint, e->hint))) {
        fputs("<div class=\"hint\">", out);
        fputs(TR(L, "Hint: "), out);
        td_html_esc(out, e->hint);
        fputs("</div>", out);
    }
    html_waiver(L, out, e);
    fputs("</li>\n", out);
}

/* A count with its noun: `fmt` is the translated "%s errors" for n, %s the count written the
 * reader's way. */
static void count(td_lang L, FILE *out, size_t n, const char *fmt)
{
    char buf[64];
    fprintf(out, fmt, td_html_number(L, (double)n, 0, buf));
}

/* The order of a unit's findings in its fold: errors, warnings, waived; infos apart. */
static int fold_rank(const td_diagnostic *e)
{
    return is_waived(e) ? 2 : e->sev == TD_SEV_ERROR ? 0 : e->sev == TD_SEV_WARNING ? 1 : 3;
}

/* The findings of ranks [from, to] as a list of at most FOLD_MAX; then how many are left out. */
static void fold_list(td_lang L, FILE *f, const td_unit_result *u, int from, int to)
{
    fputs("<ul>\n", f);
    const td_diagnostic *prev = NULL;
    size_t shown = 0, left = 0;
    for (int k = from; k <= to; k++)
        for (size_t i = 0; i < u->findings.n; i++) {
            const td_diagnostic *e = &u->findings.items[i];
            if (fold_rank(e) != k)
                continue;
            if (shown == FOLD_MAX) {
                left++;
                continue;
            }
            html_finding(L, f, e, u->file, prev);
            prev = e;
            shown++;
        }
    if (left) {
        fputs("<li class=\"more\">… ", f);
        count(L, f, left,
              TRN(L, "%s more finding of this unit is not shown here (the -f json and -f xlsx "
                     "reports have all)",
                  "%s more findings of this unit are not shown here (the -f json and -f xlsx "
                  "reports have all)",
                  left));
        fputs("</li>\n", f);
    }
    fputs("</ul>\n", f);
}

/* The fold of one unit's findings: errors, warnings and waived ones, then the infos folded
 * apart. */
static void unit_findings(td_lang L, FILE *f, const td_unit_result *u, size_t ordinal, bool fail)
{
    fprintf(f, "<details class=\"unit%s\"%c><summary>", fail ? " bad" : "", FOLD_MARK);
    char title[512];
    td_report_unit_title(L, u, title, sizeof title);
    td_html_esc(f, *title ? title : u->file);
    fputs(" <span class=\"cnt\">", f);
    size_t e = u->findings.errors, w = u->findings.warnings, i = u->findings.infos;
    count(L, f, e, TRN(L, "%s error", "%s errors", e));
    fputs(" · ", f);
    count(L, f, w, TRN(L, "%s warning", "%s warnings", w));
    fputs(" · ", f);
    count(L, f, i, TRN(L, "%s info", "%s infos", i));
    if (u->findings.waived) {
        fputs(" · ", f);
        count(L, f, u->findings.waived, TR(L, "%s waived"));
    }
    fprintf(f, "</span></summary><div class=\"anchor\" id=\"u%zu\"></div><p class=\"meta\">",
            ordinal);
    td_html_esc(f, u->file);
    if (u->doc && u->line)
        fprintf(f, ":%u", u->line);
    fputs("</p>\n", f);
    if (u->findings.errors + u->findings.warnings + u->findings.waived)
        fold_list(L, f, u, 0, 2);
    if (u->findings.infos) {
        fputs("<details class=\"infos\"><summary>", f);
        count(L, f, i, TRN(L, "%s info (it does not change the result)",
                           "%s infos (they do not change the result)", i));
        fputs("</summary>", f);
        fold_list(L, f, u, 3, 3);
        fputs("</details>\n", f);
    }
    fputs("</details>\n", f);
}

/* The unit's entry in the list of units: a full row when it has findings, else a short one.
 * A passing unit's link to its fold is marked (LINK_MARK): the fold may be left out. */
static void unit_row(td_report *r, FILE *t, const td_unit_result *u, size_t ordinal, unit_class c)
{
    td_lang L = r->o.lang;
    char buf[64];
    fprintf(t, "<tr><td class=\"n\">%s</td><td>", td_html_number(L, (double)ordinal, 0, buf));
    if (c == UC_FINDINGS)
        fputc(LINK_MARK, t);
    if (c != UC_CLEAN)
        fprintf(t, "<a href=\"#u%zu\">", ordinal);
    td_html_esc(t, u->id ? u->id : "—");
    if (c == UC_FINDINGS)
        fputc(LINK_MARK, t);
    fputs(c != UC_CLEAN ? "</a></td><td>" : "</td><td>", t);
    if (u->name)
        td_html_esc(t, u->name);
    else
        td_html_esc(t, u->file);
    fputs("</td><td>", t);
    td_html_esc(t, td_report_enum_label(r->p->unit_level ? r->p->unit_level->type : NULL,
                                        u->level));
    for (uint32_t i = 0; i < u->n_values; i++) {
        const td_type *ty = r->p->report_values[i]->type;
        fputs(ty->kind == TD_T_INT || ty->kind == TD_T_NUMBER ? "</td><td class=\"n\">"
                                                              : "</td><td>",
              t);
        td_html_esc(t, td_report_enum_label(ty, u->values[i]));
    }
    if (c == UC_CLEAN) {
        fputs("</td></tr>\n", t);
        return;
    }
    bool fail = c == UC_FAIL;
    fprintf(t, "</td><td class=\"%s\">%s</td><td class=\"n\">%s</td>", fail ? "fail" : "pass",
            fail ? TR(L, "fail") : TR(L, "pass"), td_html_number(L, (double)u->findings.errors, 0, buf));
    fprintf(t, "<td class=\"n\">%s</td><td>", td_html_number(L, (double)u->findings.warnings, 0, buf));
    /* a failing unit's main error in words; a passing unit's main warning by its rule id,
     * short, as the warnings by rule say the rest */
    const td_diagnostic *why = main_reason(u, fail ? is_error : is_warning);
    if (why && fail) {
        td_html_esc(t, why->label && *why->label ? why->label : why->message);
        if (u->findings.errors > 1) {
            fputs(" <span class=\"more\">(+", t);
            size_t more = u->findings.errors - 1;
            count(L, t, more, TRN(L, "%s more error", "%s more errors", more));
            fputs(")</span>", t);
        }
    } else if (why) {
        fprintf(t, "<span class=\"more\">%s <span class=\"rule\">", TR(L, "Warning"));
        td_html_esc(t, key_of(why));
        fputs("</span>", t);
        if (u->findings.warnings > 1)
            fprintf(t, " (+%s)", td_html_number(L, (double)(u->findings.warnings - 1), 0, buf));
        fputs("</span>", t);
    }
    fputs("</td></tr>\n", t);
}

static td_status html_unit(td_report *r, void *state, const td_unit_result *u)
{
    html_state *h = state;
    td_lang L = h->lang;
    size_t ordinal = r->units;
    bool fail = u->findings.errors > 0;
    unit_class c = fail ? UC_FAIL : u->findings.n ? UC_FINDINGS : UC_CLEAN;
    size_t g = group_of(h, u->group);
    if (g == SIZE_MAX ||
        !grow((void **)&h->recs, &h->cap_recs, h->n_recs, sizeof *h->recs) ||
        (fail && !add_reasons(h->lang, &h->reasons, u, (uint32_t)ordinal, true, is_error)) ||
        !add_reasons(h->lang, &h->warns, u, (uint32_t)ordinal, fail, is_warning))
        return TD_ENOMEM;
    if (fail && h->n_failing < FIRST_UNITS) {
        failing *fu = &h->first[h->n_failing++];
        const td_diagnostic *why = main_reason(u, is_error);
        if (!why) /* an error finding was counted but none is listed */
            return TD_EBUG;
        char title[512];
        td_report_unit_title(L, u, title, sizeof title);
        fu->ordinal = (uint32_t)ordinal;
        fu->errors = u->findings.errors;
        fu->title = strdup(u->id ? u->id : *title ? title : u->file);
        fu->name = u->id ? dup_str(u->name) : NULL;
        fu->why = dup_str(why->label && *why->label ? why->label : why->message);
        fu->key = strdup(key_of(why));
        fu->cite = dup_str(why->cite);
        if (!fu->title || !fu->why || !fu->key || (why->cite && !fu->cite) ||
            (u->id && u->name && !fu->name))
            return TD_ENOMEM;
    }
    group_acc *ga = &h->groups[g];
    ga->units++;
    ga->failed += fail;
    ga->findings += c != UC_CLEAN;

    long before = ftell(h->rows);
    unit_row(r, h->rows, u, ordinal, c);
    long after = ftell(h->rows);
    if (before < 0 || after < before)
        return TD_EIO;
    h->recs[h->n_recs++] = (unit_rec){.off = (uint64_t)before, .len = (uint32_t)(after - before),
                                      .group = (uint32_t)g, .ordinal = (uint32_t)ordinal,
                                      .cls = (uint8_t)c};
    if (c == UC_FAIL) {
        h->listed++;
        unit_findings(h->lang, h->findings, u, ordinal, true);
    } else if (c == UC_FINDINGS) {
        h->passing_listed++;
        h->passing_findings += u->findings.n;
        unit_findings(h->lang, h->passing, u, ordinal, false);
    }
    return td_report_spool_ok(h->rows) && td_report_spool_ok(h->findings) &&
                   td_report_spool_ok(h->passing)
               ? TD_OK
               : TD_EIO;
}

/* ---------- the page ---------- */

static const char STYLE[] =
    ":root{--ink:#1d2630;--muted:#56616c;--line:#d9dee3;--ok:#2e7d32;--bad:#c62828;"
    "--warn:#8f5400;--prog:#b25e00;--info:#1565c0;--tally:#546e7a;--bg:#f5f7f9}\n"
    "*{box-sizing:border-box}\n"
    "body{margin:0;background:var(--bg);color:var(--ink);font:14px/1.45 'Segoe UI',Roboto,"
    "'Noto Sans',Arial,sans-serif}\n"
    "main{max-width:1120px;margin:0 auto;padding:10px 28px 40px;background:#fff}\n"
    "header{border-bottom:3px solid #a31515;padding-bottom:4px;margin-bottom:4px}\n"
    ".kicker{margin:0;color:#a31515;font-weight:600;text-transform:uppercase;"
    "letter-spacing:.04em;font-size:12px}\n"
    "h1{margin:0;font-size:22px;line-height:1.25}h1 small{font-size:15px;font-weight:400}\n"
    "h2{font-size:17px;margin:16px 0 6px;border-bottom:1px solid var(--line);"
    "padding-bottom:2px}\n"
    "h3{font-size:14px;margin:0 0 2px;line-height:1.3}\n"
    ".meta{margin:2px 0;color:var(--muted);font-size:12px}.d{white-space:nowrap}\n"
    ".stats{margin:4px 0 0;font-size:13px;color:var(--muted)}.stats b{color:var(--ink);"
    "font-size:15px}\n"
    ".stats b.ok{color:var(--ok)}.stats b.bad{color:var(--bad)}.stats b.warn{color:var(--warn)}\n"
    ".first h2{margin:8px 0 4px}\n"
    ".tcards{display:grid;grid-template-columns:repeat(auto-fill,minmax(320px,1fr));gap:10px}\n"
    ".tcard{display:flex;flex-direction:column;border:1px solid var(--line);"
    "border-top:4px solid var(--tally);border-radius:5px;padding:6px 10px 4px;"
    "break-inside:avoid}.tcard svg{margin-top:auto}\n"
    ".tcard.met{border-top-color:var(--ok)}.tcard.missed{border-top-color:var(--bad)}"
    ".tcard.progress{border-top-color:var(--prog)}\n"
    ".fig{margin:2px 0 0;font-size:13px}.fig b{font-size:20px}\n"
    ".st{display:inline-block;border-radius:3px;padding:0 6px;font-size:12px;font-weight:600;"
    "color:#fff;background:var(--tally)}\n"
    ".met .st{background:var(--ok)}.missed .st{background:var(--bad)}"
    ".progress .st{background:var(--warn)}\n"
    ".pace{margin:1px 0;font-size:12px}.pace::first-letter{text-transform:uppercase}.pace.late{color:var(--bad)}.pace.ok{color:var(--ok)}\n"
    "svg{display:block;max-width:100%;height:auto}\n"
    "svg.burnup{width:100%;margin-bottom:2px}\n"
    "svg text{font:10.5px 'Segoe UI',Roboto,'Noto Sans',Arial,sans-serif;fill:var(--muted)}\n"
    "svg .yl{text-anchor:end}svg .vl{font-weight:700;font-size:12px;fill:var(--ink)}\n"
    "svg .ax{stroke:#8a949e;stroke-width:1}svg .tick{stroke:#8a949e}\n"
    "svg .lvl{stroke:#b8c0c8;stroke-dasharray:1 3}\n"
    "svg .ideal{stroke:#1d2630;stroke-width:1.3;stroke-dasharray:5 3}\n"
    "svg .asof{stroke:#1d2630;stroke-width:1;stroke-dasharray:2 2}\n"
    "svg .done{fill:none;stroke-width:2.5;stroke-linejoin:round}\n"
    "svg .area{stroke:none;opacity:.14}\n"
    "svg .met{stroke:var(--ok);fill:var(--ok)}svg .missed{stroke:var(--bad);fill:var(--bad)}"
    "svg .progress{stroke:var(--prog);fill:var(--prog)}svg .tally{stroke:var(--tally);"
    "fill:var(--tally)}svg .done.met,svg .done.missed,svg .done.progress,svg .done.tally"
    "{fill:none}\n"
    ".legend{font-size:12px;font-weight:400;color:var(--muted);margin:0 0 0 12px}\n"
    ".k{display:inline-block;width:22px;height:0;vertical-align:middle;margin:0 4px 0 10px;"
    "border-top:2.5px solid var(--prog)}.k.ideal{border-top:1.5px dashed var(--ink)}"
    ".k.asof{width:0;height:12px;border-top:0;border-left:1.5px dotted var(--ink)}\n"
    "table{border-collapse:collapse;width:100%;font-size:13px}\n"
    "th,td{border-bottom:1px solid var(--line);padding:3px 6px;text-align:left;"
    "vertical-align:top}\n"
    "thead th{background:#eef1f4}td.n,th.n{text-align:right}\n"
    "table.reasons{font-size:12.5px;line-height:1.35}table.reasons td{padding:2px 6px}"
    "table.reasons td.n{font-weight:700;font-size:13px}\n"
    "table.tally{width:auto;min-width:60%}\n"
    ".pass{color:var(--ok);font-weight:600}.fail{color:var(--bad);font-weight:600}\n"
    "td.pass,td.fail{white-space:nowrap}.more{color:var(--muted);font-size:12px}\n"
    "td,th{overflow-wrap:break-word}h1,h2,h3,.meta,.msg,summary,.loc,.fig,.pace,"
    "table.units td,table.reasons td{overflow-wrap:anywhere}\n"
    "table.units{table-layout:fixed}table.units th{overflow-wrap:normal}.c-n{width:5%}.c-id{width:12%}.c-lv{width:9%}"
    ".c-num{width:9%}.c-txt{width:13%}.c-st{width:8%}.c-e{width:4%}.c-w{width:6%}"
    ".c-why{width:24%}table.short .c-txt{width:24%}\n"
    "table.reasons a{white-space:nowrap}table.reasons th.n{width:6.5em;white-space:nowrap}"
    "table.reasons th.u{width:36%}\n"
    "table.bars{margin:2px 0 12px}table.bars th{width:38%;font-weight:400}"
    "table.bars td.bar{width:34%}table.bars td.v{width:28%}\n"
    ".track{display:block;position:relative;height:14px;margin-top:3px;background:#eef1f4}\n"
    ".fill{display:block;height:100%;background:var(--tally)}\n"
    ".met .fill{background:var(--ok)}.missed .fill{background:var(--bad)}"
    ".progress .fill{background:var(--prog)}.stage .fill{background:var(--info)}"
    ".stage0 .fill{background:#90a4ae}\n"
    ".req{position:absolute;top:-3px;bottom:-3px;border-left:2px dashed var(--ink)}\n"
    "td.v .st{font-size:11px}\n"
    ".target{margin-bottom:10px;break-inside:avoid}\n"
    "nav.toc{margin:8px 0 0;padding:6px 10px;background:#eef1f4;border-radius:5px;"
    "font-size:13px}nav.toc ol{display:inline;margin:0;padding:0;list-style:none}"
    "nav.toc li{display:inline;margin-left:14px}nav.toc b{margin-right:4px}\n"
    "details.grp{margin:4px 0;border:1px solid var(--line);border-radius:4px;padding:2px 8px}\n"
    "details.grp>summary{font-weight:600;cursor:pointer}\n"
    "details.grp table{margin:4px 0 8px}.clean{margin:6px 0 2px;font-size:12px;"
    "color:var(--muted)}\n"
    "details.unit{border:1px solid var(--line);border-left:4px solid var(--warn);"
    "border-radius:4px;padding:3px 10px;margin:6px 0}\n"
    "details.unit.bad{border-left-color:var(--bad)}\n"
    "details.unit>summary{font-weight:600;cursor:pointer}\n"
    ".cnt{font-weight:400;color:var(--muted);font-size:12px;margin-left:6px}\n"
    "details.infos{margin:4px 0}details.infos>summary{color:var(--info);font-size:12px;"
    "cursor:pointer}\n"
    ".anchor{scroll-margin-top:40px}\n"
    "ul{margin:4px 0;padding-left:0;list-style:none}li{margin:6px 0}\n"
    ".badge{display:inline-block;min-width:70px;text-align:center;border-radius:3px;"
    "color:#fff;font-size:12px;font-weight:600;padding:0 6px}\n"
    ".b-error{background:var(--bad)}.b-warning{background:var(--warn)}"
    ".b-info{background:var(--info)}.b-waived{background:#2e7d32}\n"
    "h3.sub{margin:12px 0 4px}li.more{color:var(--muted);font-size:12px}\n"
    ".loc,.rule{font-family:Consolas,'DejaVu Sans Mono',monospace;font-size:12px;"
    "color:var(--muted)}\n"
    "pre{margin:3px 0 0;padding:3px 8px;background:#f3f4f6;border-radius:3px;font-size:12px;"
    "white-space:pre-wrap;overflow-wrap:anywhere}\n"
    ".hint{color:var(--muted);font-size:12px}\n"
    "footer{margin-top:24px;color:var(--muted);font-size:12px}\n"
    "a{color:#0d47a1}\n"
    "@media print{body{background:#fff;font-size:11px}main{padding:0;max-width:none}"
    "*{-webkit-print-color-adjust:exact;print-color-adjust:exact}a{color:inherit;"
    "text-decoration:none}h2{break-after:avoid}nav.toc{display:none}"
    "tr,li,.tcard,.target{break-inside:avoid}details>summary{list-style:none}"
    ".tcards{grid-template-columns:repeat(3,1fr)}table.units{font-size:10px}"
    "table.units td,table.units th{padding:2px 3px}.c-n{width:4%}.c-e{width:5%}.c-w{width:7%}"
    ".c-why{width:20%}"
    "details>summary::-webkit-details-marker{display:none}}\n";

/* Page size, numbers and the running header of the printed report (A4). */
static void page_rules(FILE *out, const td_report *r)
{
    const td_plan_info *pl = &r->p->plan;
    td_lang L = r->o.lang;
    fputs("@page{size:A4;margin:16mm 12mm 16mm 12mm;"
          "@top-left{content:\"",
          out);
    td_html_css_str(out, TR(L, "Emulation report · Plan "));
    td_html_css_str(out, pl->number ? pl->number : TR(L, "(no number)"));
    fputs("\";font:9px sans-serif;color:#56616c}@top-right{content:\"", out);
    char d[16];
    int32_t y;
    uint32_t m, dd;
    td_civil_from_days(r->as_of, &y, &m, &dd);
    if (L == TD_LANG_VI)
        snprintf(d, sizeof d, "%02u/%02u/%04d", dd, m, (int)y);
    else
        snprintf(d, sizeof d, "%04d-%02u-%02u", (int)y, m, dd);
    td_html_css_str(out, TR(L, "Figures as of "));
    td_html_css_str(out, d);
    fputs("\";font:9px sans-serif;color:#56616c}@bottom-right{content:\"", out);
    td_html_css_str(out, TR(L, "Page "));
    fputs("\" counter(page) \"/\" counter(pages);font:9px sans-serif;color:#56616c}}\n", out);
}

static void target_meta(FILE *out, const td_report *r, const td_target *t)
{
    td_lang L = r->o.lang;
    fputs("<p class=\"meta\"><span class=\"rule\">", out);
    td_html_esc(out, t->id);
    fputs("</span>", out);
    if (t->cite && *t->cite) {
        fputs(TR(L, " · clause "), out);
        td_html_esc(out, t->cite);
    }
    int32_t due;
    if (td_report_target_due(r, t, &due)) {
        fputs(TR(L, " · due "), out);
        fputs("<span class=\"d\">", out);
        td_html_date(L, out, due);
        fputs("</span>", out);
    }
    fputs("</p>\n", out);
}

/* The pace sentence of the text and CSV reports ("cần thêm 39 trong 12 tháng, 3,3/tháng; 3 tháng
 * qua: 1,7/tháng — chưa kịp tiến độ"): one wording and one rounding in every format. */
static void pace_line(td_lang L, FILE *out, const td_target_row *row)
{
    if (!row->has_pace)
        return;
    if (row->pace_needed <= 0) {
        fprintf(out, "<p class=\"pace ok\">%s</p>\n", TR(L, "The requirement is reached before the due date"));
        return;
    }
    char pace[256];
    if (!td_report_pace_text(row, L, pace, sizeof pace))
        return;
    fprintf(out, "<p class=\"pace %s\">", row->on_pace ? "ok" : "late");
    td_html_esc(out, pace);
    fputs("</p>\n", out);
}

/* A card per target with a requirement: the figures, the pace, the burn-up chart. */
static void target_cards(FILE *out, const td_report *r, const td_batch *b)
{
    td_lang L = r->o.lang;
    size_t cards = 0;
    bool any = false;
    for (size_t i = 0; i < b->n_rows && !any; i++)
        any = b->rows[i].has_required;
    fprintf(out, "<section id=\"muc-tieu\"><h2>%s", TR(L, "Targets"));
    if (any)
        fprintf(out, "<span class=\"legend\"><span class=\"k\"></span>%s<span class=\"k ideal\">"
                     "</span>%s<span class=\"k asof\"></span>%s</span>",
                TR(L, "achieved, month by month"),
                TR(L, "steady pace from the period's start to the requirement at the due date"),
                TR(L, "as-of date"));
    fputs("</h2><div class=\"tcards\">\n", out);
    for (size_t i = 0; i < b->n_rows; i += td_report_rows_of(b, i)) {
        size_t n = td_report_rows_of(b, i);
        const td_target_row *row = &b->rows[i];
        if (!row->has_required)
            continue;
        const td_target *t = &r->p->targets[row->target];
        cards++;
        char a[64], q[64], pc[64];
        if (n == 1 && !row->group) {
            fprintf(out, "<div class=\"tcard %s\"><h3>", td_html_row_class(row));
            char lb[1024];
            td_html_esc(out, t->label ? td_report_label(r, t->label, lb, sizeof lb) : t->id);
            fputs("</h3>", out);
            target_meta(out, r, t);
            fprintf(out, "<p class=\"fig\"><b>%s</b> / %s", td_html_number(L, row->actual, -1, a),
                    td_html_number(L, row->required, -1, q));
            if (row->has_percent)
                fprintf(out, " · %s", td_html_percent(L, row->percent, pc));
            fprintf(out, " <span class=\"st\">%s</span></p>\n", td_html_row_status(L, row));
            pace_line(L, out, row);
            td_html_burnup(out, r, b, row);
        } else {
            size_t met = 0, due_missed = 0;
            for (size_t k = i; k < i + n; k++) {
                met += b->rows[k].met;
                due_missed += !b->rows[k].met && b->rows[k].severity == TD_SEV_ERROR;
            }
            fprintf(out, "<div class=\"tcard %s\"><h3>",
                    met == n ? "met" : due_missed ? "missed" : "progress");
            char lb[1024];
            td_html_esc(out, t->label ? td_report_label(r, t->label, lb, sizeof lb) : t->id);
            fputs("</h3>", out);
            target_meta(out, r, t);
            fputs("<p class=\"fig\">", out);
            fprintf(out, TR(L, "<b>%s</b> / %s groups reach %s"), td_html_number(L, (double)met, 0, a),
                    td_html_number(L, (double)n, 0, q), td_html_number(L, row->required, -1, pc));
            fprintf(out, " — <a href=\"#t%zu\">%s</a></p>\n", i, TR(L, "see each group"));
        }
        fputs("</div>\n", out);
    }
    fputs("</div>\n", out);
    if (!cards)
        fprintf(out, "<p class=\"meta\">%s</p>\n", TR(L, "The rules declare no target with a requirement."));
    fputs("</section>\n", out);
}

static int reason_cmp(const void *x, const void *y)
{
    const reason *a = x, *b = y;
    if (a->units != b->units)
        return a->units > b->units ? -1 : 1;
    return strcmp(a->key, b->key);
}

/* The units named for a rule: links to the folds that are in the page. */
static void reason_units(td_lang L, FILE *out, const reason *rs, bool passing_folds)
{
    for (size_t k = 0; k < rs->units && k < REASON_UNITS; k++) {
        fputs(k ? ", " : "", out);
        bool link = rs->ex_fail[k] || passing_folds;
        if (link)
            fprintf(out, "<a href=\"#u%u\">", rs->ex[k]);
        td_html_esc(out, rs->ex_name[k]);
        if (link)
            fputs("</a>", out);
    }
    if (rs->units > REASON_UNITS)
    {
        size_t more = rs->units - REASON_UNITS;
        fputs(" <span class=\"more\">", out);
        count(L, out, more, TRN(L, "and %s other unit", "and %s other units", more));
        fputs("</span>", out);
    }
}

/* A rule's label and, in small print, its id and clause. */
static void reason_label(FILE *out, const char *label, const char *key, const char *cite)
{
    td_html_esc(out, label);
    fputs(" <span class=\"rule\">[", out);
    td_html_esc(out, key);
    if (cite && *cite) {
        fputs(", ", out);
        td_html_esc(out, cite);
    }
    fputs("]</span>", out);
}

/* The failing units under their main reasons: each error rule, how many failing units
 * have it, and the first of them. */
static void failing_units(FILE *out, html_state *h, const td_batch *b)
{
    td_lang L = h->lang;
    char a[64], c[64];
    fputs("<section id=\"chua-dat\"><h2>", out);
    fprintf(out, TR(L, "Failing units: %s of %s"), td_html_number(L, (double)b->sum.failed, 0, a),
            td_html_number(L, (double)b->sum.units, 0, c));
    fputs("</h2>\n", out);
    if (!b->sum.failed) {
        fprintf(out, "<p>%s</p></section>\n", TR(L, "No unit has an error."));
        return;
    }
    if (b->sum.failed <= h->n_failing) {
        fprintf(out, "<table class=\"reasons\"><thead><tr><th class=\"u\">%s</th><th>%s</th>"
                     "<th class=\"n\">%s</th></tr></thead><tbody>\n",
                TR(L, "Unit"), TR(L, "Main reason"), TR(L, "Errors"));
        for (size_t i = 0; i < h->n_failing; i++) {
            const failing *fu = &h->first[i];
            fprintf(out, "<tr><td><a href=\"#u%u\">", fu->ordinal);
            td_html_esc(out, fu->title);
            fputs("</a>", out);
            if (fu->name) {
                fputs(" <span class=\"more\">", out);
                td_html_esc(out, fu->name);
                fputs("</span>", out);
            }
            fputs("</td><td>", out);
            reason_label(out, fu->why, fu->key, fu->cite);
            fprintf(out, "</td><td class=\"n\">%s</td></tr>\n",
                    td_html_number(L, (double)fu->errors, 0, a));
        }
        fputs("</tbody></table></section>\n", out);
        return;
    }
    const reason_set *set = &h->reasons;
    fprintf(out, "<table class=\"reasons\"><thead><tr><th>%s</th><th class=\"n\">%s</th>"
                 "<th class=\"u\">%s</th></tr></thead><tbody>\n",
            TR(L, "Main reason (the rule broken)"), TR(L, "Units"), TR(L, "Unit"));
    /* the reasons shared by several units, at least three and at most FIRST_REASONS; all
     * of them when only one more would be left */
    size_t shown = 0;
    while (shown < set->n && shown < FIRST_REASONS && (shown < 3 || set->items[shown].units > 1))
        shown++;
    if (shown + 1 == set->n)
        shown = set->n;
    for (size_t i = 0; i < shown; i++) {
        const reason *rs = &set->items[i];
        fputs("<tr><td>", out);
        reason_label(out, rs->label, rs->key, rs->cite);
        fprintf(out, "</td><td class=\"n\">%s</td><td>", td_html_number(L, (double)rs->units, 0, a));
        reason_units(L, out, rs, true);
        fputs("</td></tr>\n", out);
    }
    fputs("</tbody></table>\n", out);
    if (shown < set->n) {
        size_t rest = 0;
        for (size_t i = shown; i < set->n; i++)
            rest += set->items[i].units;
        fputs("<p class=\"meta\">", out);
        fprintf(out, TR(L, "And %s more rules (%s units in all): see the column “Main reason” in "
                           "the <a href=\"#don-vi\">list of units</a>."),
                td_html_number(L, (double)(set->n - shown), 0, a),
                td_html_number(L, (double)rest, 0, c));
        fputs("</p>\n", out);
    }
    fputs("</section>\n", out);
}

/* The warnings by rule: how many, in how many units, the first of them. */
static void html_warnings(FILE *out, const html_state *h, bool passing_folds)
{
    td_lang L = h->lang;
    char a[64];
    fprintf(out, "<section id=\"canh-bao\"><h2>%s</h2>\n<table class=\"reasons\"><thead><tr>"
                 "<th>%s</th><th class=\"n\">%s</th><th class=\"n\">%s</th><th class=\"u\">%s</th>"
                 "</tr></thead><tbody>\n",
            TR(L, "Warnings by rule"), TR(L, "Rule"), TR(L, "Warnings"), TR(L, "Units"),
            TR(L, "Unit"));
    for (size_t i = 0; i < h->warns.n; i++) {
        const reason *rs = &h->warns.items[i];
        fputs("<tr><td>", out);
        reason_label(out, rs->label, rs->key, rs->cite);
        fprintf(out, "</td><td class=\"n\">%s</td>", td_html_number(L, (double)rs->findings, 0, a));
        fprintf(out, "<td class=\"n\">%s</td><td>", td_html_number(L, (double)rs->units, 0, a));
        reason_units(L, out, rs, passing_folds);
        fputs("</td></tr>\n", out);
    }
    fputs("</tbody></table></section>\n", out);
}

/* Targets by group (the requirement per group marked) and the tallies. */
static bool has_details(const td_batch *b)
{
    for (size_t i = 0; i < b->n_rows; i += td_report_rows_of(b, i))
        if (!b->rows[i].has_required || td_report_rows_of(b, i) > 1 || b->rows[i].group)
            return true;
    return false;
}

static void target_block(FILE *out, const td_report *r, const td_batch *b, size_t i, size_t n)
{
    const td_target *t = &r->p->targets[b->rows[i].target];
    fprintf(out, "<div class=\"target\" id=\"t%zu\"><h3>", i);
    char lb[1024];
    td_html_esc(out, t->label ? td_report_label(r, t->label, lb, sizeof lb) : t->id);
    fputs("</h3>", out);
    target_meta(out, r, t);
    td_html_bars(out, r, b, i, n);
    fputs("</div>\n", out);
}

static void html_details(FILE *out, const td_report *r, const td_batch *b)
{
    td_lang L = r->o.lang;
    fprintf(out, "<section id=\"thong-ke\"><h2>%s</h2>\n", TR(L, "Targets by group and tallies"));
    for (size_t i = 0; i < b->n_rows; i += td_report_rows_of(b, i)) {
        size_t n = td_report_rows_of(b, i);
        if (b->rows[i].has_required && (n > 1 || b->rows[i].group))
            target_block(out, r, b, i, n);
    }
    bool single = false;
    for (size_t i = 0; i < b->n_rows && !single; i += td_report_rows_of(b, i))
        single = !b->rows[i].has_required && td_report_rows_of(b, i) == 1 && !b->rows[i].group;
    if (single) {
        fprintf(out, "<table class=\"tally\"><thead><tr><th>%s</th><th>%s</th><th>%s</th>"
                     "<th>%s</th></tr></thead><tbody>\n",
                TR(L, "What is counted"), TR(L, "Id"), TR(L, "Clause"), TR(L, "Count"));
        for (size_t i = 0; i < b->n_rows; i += td_report_rows_of(b, i)) {
            const td_target_row *row = &b->rows[i];
            if (row->has_required || td_report_rows_of(b, i) != 1 || row->group)
                continue;
            const td_target *t = &r->p->targets[row->target];
            char a[64];
            fputs("<tr><td>", out);
            char lb[1024];
            td_html_esc(out, t->label ? td_report_label(r, t->label, lb, sizeof lb) : t->id);
            fputs("</td><td class=\"rule\">", out);
            td_html_esc(out, t->id);
            fputs("</td><td>", out);
            td_html_esc(out, t->cite);
            fprintf(out, "</td><td class=\"n\"><b>%s</b></td></tr>\n",
                    td_html_number(L, row->actual, -1, a));
        }
        fputs("</tbody></table>\n", out);
    }
    for (size_t i = 0; i < b->n_rows; i += td_report_rows_of(b, i)) {
        size_t n = td_report_rows_of(b, i);
        if (!b->rows[i].has_required && (n > 1 || b->rows[i].group))
            target_block(out, r, b, i, n);
    }
    fputs("</section>\n", out);
}

static void html_stages(FILE *out, const td_report *r, const td_batch *b)
{
    td_lang L = r->o.lang;
    fprintf(out, "<section id=\"buoc\"><h2>%s</h2>\n", TR(L, "Exemplars by step"));
    uint32_t base = 0;
    for (uint32_t w = 0; w < r->p->n_workflows; w++) {
        const td_workflow *wf = &r->p->workflows[w];
        uint64_t max = 1;
        for (uint32_t k = 0; k <= wf->n_stages && base + k < b->n_stages; k++)
            if (b->stages[base + k] > max)
                max = b->stages[base + k];
        fputs("<div class=\"target\"><h3>", out);
        td_html_esc(out, wf->label ? wf->label : wf->id);
        fputs("</h3><p class=\"meta\"><span class=\"rule\">", out);
        td_html_esc(out, wf->id);
        fputs("</span>", out);
        if (wf->cite && *wf->cite) {
            fputs(TR(L, " · clause "), out);
            td_html_esc(out, wf->cite);
        }
        fprintf(out, " · %s</p>\n<table class=\"bars\"><tbody>\n",
                TR(L, "exemplars by the last step done at the as-of date"));
        for (uint32_t k = 0; k <= wf->n_stages; k++) {
            uint64_t c = base + k < b->n_stages ? b->stages[base + k] : 0;
            char label[256];
            if (k == 0)
                snprintf(label, sizeof label, "%s", TR(L, "No step yet"));
            else
                td_report_stage_label(L, wf, k, label, sizeof label);
            td_html_bar_row(L, out, label, k ? "stage" : "stage0", (double)c, (double)max, NULL);
        }
        fputs("</tbody></table></div>\n", out);
        base += wf->n_stages + 1;
    }
    fputs("</section>\n", out);
}

/* Copies a spool into the page, each fold mark made `open` or removed. */
static bool copy_folds(FILE *spool, FILE *out, bool open)
{
    if (fflush(spool) != 0 || fseek(spool, 0, SEEK_SET) != 0)
        return false;
    char buf[65536];
    size_t n;
    while ((n = fread(buf, 1, sizeof buf, spool)) > 0) {
        size_t i = 0;
        while (i < n) {
            char *m = memchr(buf + i, FOLD_MARK, n - i);
            size_t upto = m ? (size_t)(m - buf) : n;
            if (fwrite(buf + i, 1, upto - i, out) != upto - i)
                return false;
            if (m && open)
                fputs(" open", out);
            i = m ? upto + 1 : n;
        }
    }
    return !ferror(spool);
}

/* Copies the rows spool's bytes [off, off + len) into the page: each LINK_MARK dropped, and
 * the tag after it too unless `links`. `buf` (owned, *cap bytes) grows to hold the range. */
static bool copy_range(FILE *spool, FILE *out, uint64_t off, uint32_t len, bool links,
                       char **buf, size_t *cap)
{
    if (!len)
        return true;
    if (len > *cap) {
        char *p = realloc(*buf, len);
        if (!p)
            return false;
        *buf = p;
        *cap = len;
    }
    if (fseek(spool, (long)off, SEEK_SET) != 0 || fread(*buf, 1, len, spool) != len)
        return false;
    const char *s = *buf, *end = *buf + len;
    while (s < end) {
        const char *m = memchr(s, LINK_MARK, (size_t)(end - s));
        const char *upto = m ? m : end;
        if (fwrite(s, 1, (size_t)(upto - s), out) != (size_t)(upto - s))
            return false;
        if (!m)
            break;
        s = m + 1;
        if (!links) {
            const char *gt = memchr(s, '>', (size_t)(end - s));
            s = gt ? gt + 1 : end;
        }
    }
    return true;
}

static int group_cmp(const void *x, const void *y)
{
    const group_acc *const *a = x, *const *b = y;
    if (!(*a)->name || !(*b)->name)
        return (*a)->name ? 1 : (*b)->name ? -1 : 0;
    return strcmp((*a)->name, (*b)->name);
}

/* Units by the group's place, then failing, with findings, without; then input order.
 * The group's rank is copied into the record's `group` before sorting. */
static int rec_cmp(const void *x, const void *y)
{
    const unit_rec *a = x, *b = y;
    if (a->group != b->group)
        return a->group < b->group ? -1 : 1;
    if (a->cls != b->cls)
        return a->cls < b->cls ? -1 : 1;
    return a->ordinal < b->ordinal ? -1 : a->ordinal > b->ordinal;
}

static void units_head(FILE *out, const td_report *r, bool full)
{
    fprintf(out, "<table class=\"units%s\"><colgroup><col class=\"c-n\"><col class=\"c-id\">"
                 "<col><col class=\"c-lv\">",
            full ? "" : " short");
    for (uint32_t i = 0; i < r->p->n_report_values; i++) {
        const td_type *ty = r->p->report_values[i]->type;
        fputs(ty->kind == TD_T_INT || ty->kind == TD_T_NUMBER ? "<col class=\"c-num\">"
                                                              : "<col class=\"c-txt\">",
              out);
    }
    if (full)
        fputs("<col class=\"c-st\"><col class=\"c-e\"><col class=\"c-w\"><col class=\"c-why\">",
              out);
    td_lang L = r->o.lang;
    fprintf(out, "</colgroup><thead><tr><th>#</th><th>%s</th><th>%s</th><th>%s</th>",
            TR(L, "Id"), TR(L, "Unit name"), TR(L, "Level"));
    for (uint32_t i = 0; i < r->p->n_report_values; i++) {
        const td_define *def = r->p->report_values[i];
        fputs("<th>", out);
        td_html_esc(out, def->label ? def->label : def->name);
        fputs("</th>", out);
    }
    if (full)
        fprintf(out, "<th>%s</th><th class=\"n\">%s</th><th class=\"n\">%s</th><th>%s</th>",
                TR(L, "Result"), TR(L, "Errors"), TR(L, "Warnings"), TR(L, "Main reason"));
    fputs("</tr></thead><tbody>\n", out);
}

/* The units by group, each group a fold: those with findings in full, the others short. */
static td_status html_units(FILE *out, const td_report *r, html_state *h, bool open,
                            bool links)
{
    char *buf = NULL;
    size_t cap = 0;
    group_acc **order = malloc((h->n_groups ? h->n_groups : 1) * sizeof *order);
    if (!order)
        return TD_ENOMEM;
    for (size_t g = 0; g < h->n_groups; g++)
        order[g] = &h->groups[g];
    qsort(order, h->n_groups, sizeof *order, group_cmp);
    for (size_t k = 0; k < h->n_groups; k++)
        order[k]->rank = (uint32_t)k;
    for (size_t i = 0; i < h->n_recs; i++)
        h->recs[i].group = h->groups[h->recs[i].group].rank;
    if (h->n_recs)
        qsort(h->recs, h->n_recs, sizeof *h->recs, rec_cmp);

    const td_define *gd = r->p->unit_group;
    td_lang L = r->o.lang;
    const char *glabel = gd && gd->label ? gd->label : TR(L, "Group");
    fprintf(out, "<section id=\"don-vi\"><h2>%s</h2>\n", TR(L, "Units"));
    size_t i = 0;
    bool ok = true;
    for (size_t k = 0; k < h->n_groups && ok; k++) {
        const group_acc *g = order[k];
        fprintf(out, "<details class=\"grp\"%s><summary>", open ? " open" : "");
        if (g->name) {
            td_html_esc(out, glabel);
            fputs(": ", out);
            td_html_esc(out, td_report_enum_label(gd ? gd->type : NULL, g->name));
        } else {
            /* TRANSLATORS: the heading of the units outside every group; %s is the
               group's label from the rules, e.g. "Xã, thị trấn". */
            char *none = NULL;
            if (asprintf(&none, TR(L, "Not in any %s"), glabel) < 0)
                none = NULL;
            td_html_esc(out, none ? none : glabel);
            free(none);
        }
        fputs(" <span class=\"cnt\">", out);
        count(L, out, g->units, TRN(L, "%s unit", "%s units", g->units));
        if (g->failed) {
            fputs(" · <span class=\"fail\">", out);
            count(L, out, g->failed, TR(L, "%s failing"));
            fputs("</span>", out);
        }
        fputs(" · ", out);
        count(L, out, g->units - g->failed, TR(L, "%s passing"));
        fputs("</span></summary>\n", out);
        size_t end = i;
        while (end < h->n_recs && h->recs[end].group == k)
            end++;
        size_t clean = i;
        while (clean < end && h->recs[clean].cls != UC_CLEAN)
            clean++;
        if (clean > i) {
            units_head(out, r, true);
            for (size_t j = i; j < clean && ok; j++)
                ok = copy_range(h->rows, out, h->recs[j].off, h->recs[j].len, links, &buf, &cap);
            fputs("</tbody></table>\n", out);
        }
        if (end > clean) {
            fputs("<p class=\"clean\">", out);
            count(L, out, end - clean,
                  TRN(L, "Passing, without any finding: %s unit",
                      "Passing, without any finding: %s units", end - clean));
            fputs("</p>\n", out);
            units_head(out, r, false);
            for (size_t j = clean; j < end && ok; j++)
                ok = copy_range(h->rows, out, h->recs[j].off, h->recs[j].len, links, &buf, &cap);
            fputs("</tbody></table>\n", out);
        }
        fputs("</details>\n", out);
        i = end;
    }
    fputs("</section>\n", out);
    free(order);
    free(buf);
    return ok && !ferror(h->rows) ? TD_OK : TD_EIO;
}

static td_status html_finish(td_report *r, void *state, const td_batch *b)
{
    html_state *h = state;
    FILE *out = r->out;
    const td_plan_info *pl = &r->p->plan;
    const td_batch_summary *s = &b->sum;
    bool open = r->units <= OPEN_UNITS_MAX;
    bool passing_folds = h->passing_findings <= PASSING_FINDINGS_MAX;
    td_lang L = h->lang;
    char a[64], c[64];
    if (h->reasons.n)
        qsort(h->reasons.items, h->reasons.n, sizeof *h->reasons.items, reason_cmp);
    if (h->warns.n)
        qsort(h->warns.items, h->warns.n, sizeof *h->warns.items, reason_cmp);
    fprintf(out, "<!DOCTYPE html>\n<html lang=\"%s\">\n<head>\n<meta charset=\"utf-8\">\n"
                 "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
                 "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; "
                 "style-src 'unsafe-inline'\">\n<title>%s ",
            td_lang_code(L), TR(L, "Emulation report"));
    td_html_esc(out, pl->number);
    fputs(" – ", out);
    td_html_date(L, out, r->as_of);
    fputs("</title>\n<style>\n", out);
    fputs(STYLE, out);
    page_rules(out, r);
    fprintf(out, "</style>\n</head>\n<body><main>\n<header><p class=\"kicker\">%s</p>\n<h1>%s",
            TR(L, "Report on the emulation results"), TR(L, "Plan "));
    td_html_esc(out, pl->number ? pl->number : TR(L, "(no number)"));
    if (pl->title) {
        fputs(" <small>", out);
        td_html_esc(out, pl->title);
        fputs("</small>", out);
    }
    fputs("</h1>\n<p class=\"meta\">", out);
    if (pl->issuer) {
        td_html_esc(out, pl->issuer);
        fputs(" · ", out);
    }
    if (pl->has_period) {
        fputs(TR(L, "Period: "), out);
        td_html_date(L, out, pl->period_from);
        fputs(" – ", out);
        td_html_date(L, out, pl->period_to);
        fputs(" · ", out);
    }
    fprintf(out, "<b>%s", TR(L, "Figures as of "));
    td_html_date(L, out, r->as_of);
    fputs("</b></p>\n<p class=\"stats\">", out);
    count(L, out, s->units, TRN(L, "<b>%s</b> unit evaluated", "<b>%s</b> units evaluated", s->units));
    fputs(" · ", out);
    count(L, out, s->passed, TR(L, "<b class=\"ok\">%s</b> passing"));
    fputs(" · ", out);
    count(L, out, s->failed, s->failed ? TR(L, "<b class=\"bad\">%s</b> failing")
                                       : TR(L, "<b class=\"ok\">%s</b> failing"));
    fputs(" · ", out);
    count(L, out, s->errors, s->errors ? TRN(L, "<b class=\"bad\">%s</b> error", "<b class=\"bad\">%s</b> errors", s->errors)
                                       : TRN(L, "<b class=\"ok\">%s</b> error", "<b class=\"ok\">%s</b> errors", s->errors));
    fputs(" · ", out);
    count(L, out, s->warnings, s->warnings ? TRN(L, "<b class=\"warn\">%s</b> warning", "<b class=\"warn\">%s</b> warnings", s->warnings)
                                           : TRN(L, "<b class=\"ok\">%s</b> warning", "<b class=\"ok\">%s</b> warnings", s->warnings));
    fputs(" · ", out);
    count(L, out, s->infos, TRN(L, "<b>%s</b> info", "<b>%s</b> infos", s->infos));
    if (s->waived) {
        fputs(" · ", out);
        count(L, out, s->waived, TR(L, "<b>%s</b> waived"));
    }
    if (s->targets) {
        fprintf(out, " · <b class=\"%s\">", s->targets_met == s->targets ? "ok" : s->target_errors ? "bad" : "warn");
        fprintf(out, TR(L, "%s/%s</b> targets met"), td_html_number(L, (double)s->targets_met, 0, a),
                td_html_number(L, (double)s->targets, 0, c));
    }
    fputs("</p>\n</header>\n<div class=\"first\">\n", out);

    target_cards(out, r, b);
    failing_units(out, h, b);
    bool details = has_details(b);
    fprintf(out, "<nav class=\"toc\"><b>%s</b><ol>", TR(L, "Contents"));
    if (details)
        fprintf(out, "<li><a href=\"#thong-ke\">%s</a></li>", TR(L, "Targets by group and tallies"));
    if (r->p->n_workflows)
        fprintf(out, "<li><a href=\"#buoc\">%s</a></li>", TR(L, "Exemplars by step"));
    if (h->warns.n)
        fprintf(out, "<li><a href=\"#canh-bao\">%s</a></li>", TR(L, "Warnings by rule"));
    fprintf(out, "<li><a href=\"#don-vi\">%s</a></li>", TR(L, "Units"));
    if (h->listed || h->passing_listed)
        fprintf(out, "<li><a href=\"#van-de\">%s</a></li>", TR(L, "Findings of each unit"));
    fputs("</ol></nav>\n</div>\n", out);

    if (details)
        html_details(out, r, b);
    if (r->p->n_workflows)
        html_stages(out, r, b);
    if (h->warns.n)
        html_warnings(out, h, passing_folds);
    td_status st = html_units(out, r, h, open, passing_folds);
    if (st != TD_OK)
        return st;
    if (h->listed || h->passing_listed) {
        fprintf(out, "<section id=\"van-de\"><h2>%s</h2>\n", TR(L, "Findings of each unit"));
        if (!open)
            fprintf(out, "<p class=\"meta\">%s</p>\n", TR(L, "Click a unit's name to open it."));
        if (h->listed) {
            fputs("<h3 class=\"sub\">", out);
            count(L, out, h->listed, TR(L, "Failing units: %s"));
            fputs("</h3>\n", out);
            if (!copy_folds(h->findings, out, open))
                return TD_EIO;
        }
        if (h->passing_listed) {
            fputs("<h3 class=\"sub\">", out);
            count(L, out, h->passing_listed,
                  TR(L, "Passing units with warnings, infos or waived findings: %s"));
            fputs("</h3>\n", out);
            if (!passing_folds) {
                fputs("<p>", out);
                count(L, out, h->passing_findings,
                      TR(L, "The %s findings of these units are not in this page, so that it opens "
                            "quickly: the <a href=\"#canh-bao\">warnings by rule</a> count them, "
                            "and the -f json and -f xlsx reports have each of them."));
                fputs("</p>\n", out);
            }
            else if (!copy_folds(h->passing, out, open))
                return TD_EIO;
        }
        fputs("</section>\n", out);
    }
    fputs("<footer>", out);
    fprintf(out, TR(L, "Made with thidua %s · each finding gives file:line:column, the rule's id "
                       "and the plan's clause."),
            TD_VERSION);
    fputs("</footer>\n</main></body>\n</html>\n", out);
    return TD_OK;
}

static void html_release(void *state)
{
    html_state *h = state;
    td_report_spool_close(h->rows);
    td_report_spool_close(h->findings);
    td_report_spool_close(h->passing);
    free(h->recs);
    for (size_t i = 0; i < h->n_groups; i++)
        free(h->groups[i].name);
    free(h->groups);
    free_reasons(&h->reasons);
    free_reasons(&h->warns);
    for (size_t i = 0; i < h->n_failing; i++) {
        failing *fu = &h->first[i];
        free(fu->title);
        free(fu->name);
        free(fu->why);
        free(fu->key);
        free(fu->cite);
    }
}

const td_report_ops td_report_html_ops = {
    .name = "html",
    .state_size = sizeof(html_state),
    .begin = html_begin,
    .unit = html_unit,
    .finish = html_finish,
    .release = html_release,
};
