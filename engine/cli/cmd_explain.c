/* thidua explain: how the rules account for the plan, clause by clause, or one rule in full.
 * Pipeline: argv -> td_program -> the declarations listed by clause, with their source. */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "commands.h"
#include "thidua.h"

static const char USAGE[] =
    N_("usage: thidua explain [-r RULES]... [-D name=value]... [ID-OR-CLAUSE-OR-RECORD...]\n"
    "       thidua explain --unit FILE [--as-of DATE] [-r RULES]... RULE...");

static const char HELP[] =
    N_("\n"
    "Without arguments, lists every clause of the plan that the rules cite and, under it,\n"
    "the criteria, targets, workflows, params, records and notes that account for it: the\n"
    "whole plan, as the rules read it. With arguments, shows each named rule, param or\n"
    "clause (II.2.2) in full, with the file and line where it is declared; a record of the\n"
    "unit data (unit_info, plan, exemplar...) is shown with its fields: type, label, the\n"
    "rules that require each and when, the allowed codes and the rules that read it.\n"
    "\n"
    "With --unit, shows why a unit got its verdict on each named rule: every entity the\n"
    "rule visits in the unit file, each part of its condition with its value and the\n"
    "FILE:LINE:COL the value was read from, and the result. A workflow (or one of its\n"
    "checks, exemplar.steps.order) shows each entry of the history with each check; a\n"
    "target, what each entity adds and in which group.\n"
    "\n"
    "options:\n"
    "  -r, --rules FILE     the rule file (default: the built-in Châu Thành rules)\n"
    "  -D, --define K=V     override a param\n"
    "  --unit FILE          trace the named rules on this unit file\n"
    "  --as-of DATE         the date of the trace, YYYY-MM-DD (default: today)\n"
    "  --color[=WHEN]       colours of the rules' diagnostics: auto (default: on a\n"
    "                       terminal), always, never\n"
    "  --lang vi|en         the language of the messages\n"
    "  -h, --help           this help\n"
    "\n"
    "examples:\n"
    "  thidua explain\n"
    "  thidua explain exemplar.steps II.2.1\n"
    "  thidua explain exemplar\n"
    "  thidua explain --unit ready.yaml --as-of 2025-12-31 plan.hard_tasks\n"
    "  thidua explain --unit ready.yaml --as-of 2025-12-31 exemplar.steps exemplars.total\n"
    "\n"
    "Exit status: 0 done; 1 a name matches nothing; 2 usage error or rules that do not\n"
    "compile.\n");

/* One declaration that cites a clause. */
typedef struct entry {
    const char *cite;
    const char *kind; /* "criterion", "target", ... */
    const char *id;
    const char *label;
    const char *extra; /* severity, reason... */
    td_item item;      /* where it is declared */
    size_t index;      /* in td_program_item */
} entry;

/* Orders clauses as the plan numbers them: I < II < III, then 1 < 2 < 10. */
static int roman(const char *s, size_t n)
{
    static const char *const numerals[] = {"I", "II", "III", "IV", "V", "VI", "VII", "VIII"};
    for (int i = 0; i < 8; i++)
        if (strlen(numerals[i]) == n && strncmp(numerals[i], s, n) == 0)
            return i + 1;
    return 0;
}

static int cmp_cite(const char *a, const char *b)
{
    while (*a && *b) {
        size_t la = strcspn(a, ". "), lb = strcspn(b, ". ");
        int ra = roman(a, la), rb = roman(b, lb);
        long na = ra ? ra : strtol(a, NULL, 10), nb = rb ? rb : strtol(b, NULL, 10);
        if (na != nb)
            return na < nb ? -1 : 1;
        if (na == 0) {
            int c = strncmp(a, b, la < lb ? la : lb);
            if (c)
                return c;
        }
        a += la + (a[la] != '\0');
        b += lb + (b[lb] != '\0');
    }
    return *a ? 1 : *b ? -1 : 0;
}

static int cmp_entry(const void *x, const void *y)
{
    const entry *a = x, *b = y;
    int c = cmp_cite(a->cite, b->cite);
    if (c)
        return c;
    c = strcmp(a->kind, b->kind);
    return c ? c
             : (a->item.src != b->item.src
                    ? (a->item.src < b->item.src ? -1 : 1)
                    : (a->item.off > b->item.off) - (a->item.off < b->item.off));
}

/* Every declaration that cites a clause; caller frees. */
static entry *collect(const td_program *p, size_t *n_out)
{
    size_t total = td_program_items(p);
    entry *e = calloc(total + 1, sizeof *e);
    size_t n = 0;
    if (!e)
        return NULL;
    for (size_t i = 0; i < total; i++) {
        td_item it;
        if (!td_program_item(p, i, &it))
            break;
        if (!it.cite && (it.kind == TD_ITEM_PARAM || it.kind == TD_ITEM_RECORD ||
                         it.kind == TD_ITEM_ENUM))
            continue;
        e[n++] = (entry){it.cite ? it.cite : "", it.kind_name, it.id, it.label, it.detail, it, i};
    }
    qsort(e, n, sizeof *e, cmp_entry);
    *n_out = n;
    return e;
}

/* The word a reader sees for a kind of declaration, or a criterion's severity, a target's
 * use...: the rule language writes them in English, the reader gets them in their language.
 * A word not in the list (a note's reason) is shown as written. */
static const char *word(const char *w)
{
    static const char *const words[] = {
        N_("criterion"), N_("workflow"),  N_("target"),      N_("param"),
        N_("record"),    N_("note"),      N_("enum"),        N_("disabled"),
        N_("rule"),      N_("error"),     N_("warning"),     N_("info"),
        N_("requirement"), N_("tally"),   N_("overridden"),  N_("workflow check"),
    };
    for (size_t i = 0; i < sizeof words / sizeof *words; i++)
        if (strcmp(w, words[i]) == 0)
            return _(words[i]);
    return w;
}

/* Characters, not bytes, of UTF-8 text: columns line up in Vietnamese too. */
static int columns(const char *s)
{
    int n = 0;
    for (; *s; s++)
        n += ((unsigned char)*s & 0xC0) != 0x80;
    return n;
}

/* The width of the kind column of the overview: its longest word in the reader's language
 * and two spaces. */
static int kind_width(void)
{
    static const char *const kinds[] = {"criterion", "workflow", "target", "param",
                                        "record",    "note",     "enum",   "disabled"};
    int w = 0;
    for (size_t i = 0; i < sizeof kinds / sizeof *kinds; i++) {
        int c = columns(word(kinds[i]));
        w = c > w ? c : w;
    }
    return w + 2;
}

/* "  KIND      " at the kind column's width. */
static void kind_column(const char *kind)
{
    const char *w = word(kind);
    printf("  %s%*s", w, kind_width() - columns(w), "");
}

/* A line under an entry of the overview, at its text's column. */
static void under_entry(void)
{
    printf("%*s", kind_width() + 2, "");
}

static void print_entry(const entry *e)
{
    kind_column(e->kind);
    if (strcmp(e->kind, "note") == 0)
    {
        printf("%s%s%s\n", e->id, *e->id ? "  " : "", e->label);
        under_entry();
        /* TRANSLATORS: under a note of the rules: why the plan's clause is not checked */
        printf(_("(not checked: %s)\n"), e->extra);
    }
    else
        printf("%s%s%s%s  %s\n", e->id, e->extra ? " (" : "", e->extra ? word(e->extra) : "",
               e->extra ? ")" : "", e->label);
}

/* A rule switched off by an overlay, in full: what it was, which file switched it off and
 * why, and where it is declared. */
static void print_disabled(const td_disabled_info *x)
{
    printf("%s %s [%s]\n", word(x->kind ? x->kind : "rule"), x->id, x->cite ? x->cite : "");
    if (x->label)
        printf("  %s\n", x->label);
    /* TRANSLATORS: "disabled by FILE:LINE", the overlay that switched the rule off */
    printf(_("  disabled by %s:%u\n"), x->file ? x->file : "?", x->line);
    printf(_("  because: %s\n"), x->because);
    if (x->rule_file)
        printf(_("  the rule is declared at %s:%u and no longer applies\n"), x->rule_file,
               x->rule_line);
}

/* The rules switched off whose id is `what`, or that cite clause `what`; false when none.
 * `more`: something was printed before (a blank line first). */
static bool disabled(const td_program *p, const char *what, bool more)
{
    td_disabled_info x;
    bool found = false;
    for (size_t i = 0; td_program_disabled_rule(p, i, &x); i++) {
        if (strcmp(x.id, what) != 0 && (!x.cite || strcmp(x.cite, what) != 0))
            continue;
        if (more || found)
            putchar('\n');
        print_disabled(&x);
        found = true;
    }
    return found;
}

/* In the overview, under a clause: the rules an overlay switched off that cite it. */
static size_t disabled_under(const td_program *p, const char *clause)
{
    td_disabled_info x;
    size_t shown = 0;
    for (size_t i = 0; td_program_disabled_rule(p, i, &x); i++) {
        if (!x.cite || strcmp(x.cite, clause) != 0)
            continue;
        kind_column("disabled");
        printf("%s  %s\n", x.id, x.label ? x.label : "");
        under_entry();
        /* TRANSLATORS: under a disabled rule in the overview: the overlay's FILE:LINE and
         * the reason it gives */
        printf(_("(disabled by %s:%u: %s)\n"), x.file ? x.file : "?", x.line, x.because);
        shown++;
    }
    return shown;
}

static void overview(const td_program *p, const entry *e, size_t n)
{
    td_plan plan, *pl = &plan;
    td_program_plan(p, pl);
    printf("%s%s%s\n", pl->number ? pl->number : _("(no plan header)"), pl->title ? ": " : "",
           pl->title ? pl->title : "");
    if (pl->issuer || pl->issued)
        printf("  %s%s%s\n", pl->issuer ? pl->issuer : "", pl->issuer && pl->issued ? ", " : "",
               pl->issued ? pl->issued : "");
    for (size_t i = 0; i < pl->n_implements; i++)
        /* TRANSLATORS: in the plan's header: the plan this one carries out */
        printf(_("  implements %s\n"), pl->implements[i]);
    if (pl->has_period) {
        char from[11], to[11];
        td_format_date(pl->period_from, from);
        td_format_date(pl->period_to, to);
        /* TRANSLATORS: in the plan's header: its period, from .. to */
        printf(_("  period %s .. %s\n"), from, to);
    }
    if (pl->n_clauses) {
        /* the plan's own outline, each clause with what accounts for it, or a gap */
        for (size_t k = 0; k < pl->n_clauses; k++) {
            printf("\n%s%s%s\n", pl->clauses[k], *pl->clause_titles[k] ? " " : "",
                   pl->clause_titles[k]);
            size_t shown = 0;
            for (size_t i = 0; i < n; i++)
                if (strcmp(e[i].cite, pl->clauses[k]) == 0)
                    print_entry(&e[i]), shown++;
            shown += disabled_under(p, pl->clauses[k]);
            /* a heading whose sub-clauses follow is accounted for by them */
            size_t len = strlen(pl->clauses[k]);
            bool heading = k + 1 < pl->n_clauses &&
                           strncmp(pl->clauses[k + 1], pl->clauses[k], len) == 0 &&
                           pl->clauses[k + 1][len] == '.';
            if (!shown && !heading)
                fputs(_("  (no rule or note cites this clause)\n"), stdout);
        }
        return;
    }
    const char *cur = NULL;
    for (size_t i = 0; i < n; i++) {
        if (!cur || strcmp(cur, e[i].cite) != 0) {
            if (cur)
                disabled_under(p, cur);
            cur = e[i].cite;
            printf("\n%s\n", cur);
        }
        print_entry(&e[i]);
    }
    if (cur)
        disabled_under(p, cur);
}

/* Prints a declaration as written, with its file and line. */
static void source_of(const td_item *it)
{
    if (!it->file)
        return;
    printf("%s:%u:\n", it->file, it->line);
    printf("%.*s\n", (int)it->source_len, it->source);
}

/* What overlays did to `id`: which file gave it its final form, and what that replaced. */
static void changes(const td_program *p, const char *id)
{
    td_change_info c;
    for (size_t i = 0; td_program_change(p, i, &c); i++) {
        if (strcmp(c.id, id) != 0)
            continue;
        const char *file = c.file ? c.file : "?";
        /* what an overlay did to a declaration, and where */
        if (strcmp(c.how, "replaced") == 0)
            printf(_("  replaced by %s:%u"), file, c.line);
        else if (strcmp(c.how, "extended") == 0)
            printf(_("  extended by %s:%u"), file, c.line);
        else if (strcmp(c.how, "set") == 0)
            printf(_("  set by %s:%u"), file, c.line);
        else
            printf("  %s: %s:%u", c.how, file, c.line);
        if (c.was_file)
            printf(_(" (it was declared at %s:%u)"), c.was_file, c.was_line);
        putchar('\n');
    }
}

static bool detail(const td_program *p, const entry *e, size_t n, const char *what)
{
    bool found = false;
    for (size_t i = 0; i < n; i++) {
        bool is_id = *e[i].id && strcmp(e[i].id, what) == 0;
        /* a workflow's checks: exemplar.steps.order names exemplar.steps */
        size_t il = strlen(e[i].id);
        bool is_check = strcmp(e[i].kind, "workflow") == 0 && il &&
                        strncmp(what, e[i].id, il) == 0 && what[il] == '.';
        bool is_cite = strcmp(e[i].cite, what) == 0;
        if (!is_id && !is_check && !is_cite)
            continue;
        if (found)
            putchar('\n');
        found = true;
        printf("%s %s [%s]\n  %s\n", word(e[i].kind), *e[i].id ? e[i].id : "", e[i].cite,
               e[i].label);
        if (e[i].item.kind == TD_ITEM_PARAM) {
            char *v = td_program_item_value(p, e[i].index, cli_lang());
            if (e[i].item.overridden)
                printf(_("  value: %s (set by an overlay or -D)\n"), v ? v : "?");
            else
                printf(_("  value: %s\n"), v ? v : "?");
            free(v);
        }
        if (*e[i].id)
            changes(p, e[i].id);
        source_of(&e[i].item);
        if (e[i].item.kind == TD_ITEM_RECORD && is_id)
            td_contract_explain(p, e[i].id, cli_lang(), stdout);
        if (e[i].item.kind == TD_ITEM_CRITERION) {
            char *words = td_plain_criterion(p, e[i].id, cli_lang());
            if (words)
                printf("%s%s\n", _("in plain words: "), words);
            free(words);
        }
    }
    return found;
}

/* An enum of the schema, with its codes and what overlays did to it; false when none is
 * named `id`. */
static bool enum_detail(const td_program *p, const char *id)
{
    size_t total = td_program_items(p);
    for (size_t i = 0; i < total; i++) {
        td_item it;
        if (!td_program_item(p, i, &it) || it.kind != TD_ITEM_ENUM || strcmp(it.id, id) != 0)
            continue;
        char *v = td_program_item_value(p, i, cli_lang());
        printf("enum %s\n", id);
        printf(_("  codes: %s\n"), v ? v : "?");
        free(v);
        changes(p, id);
        return true;
    }
    return false;
}

/* A record that cites no clause is no item of the overview: its fields still explain it. */
static bool bare_record(const td_program *p, const char *name)
{
    for (size_t i = 0; i < td_program_records(p); i++) {
        if (strcmp(td_program_record(p, i), name) != 0)
            continue;
        printf("record %s\n", name);
        td_contract_explain(p, name, cli_lang(), stdout);
        return true;
    }
    return false;
}

/* The checks of a workflow, as `disable ID.CHECK` and the findings name them. */
static const char *const CHECKS[] = {"stage", "initial", "transition", "date", "order",
                                     "evidence", "future", "guard"};

/* Whether --unit can trace `what`: a criterion, a target, a workflow or one of its checks. */
static bool traceable(const entry *e, size_t n, const char *what)
{
    for (size_t k = 0; k < n; k++) {
        bool rule = strcmp(e[k].kind, "criterion") == 0 || strcmp(e[k].kind, "target") == 0 ||
                    strcmp(e[k].kind, "workflow") == 0;
        if (!rule)
            continue;
        if (strcmp(e[k].id, what) == 0)
            return true;
        size_t il = strlen(e[k].id);
        if (strcmp(e[k].kind, "workflow") == 0 && strncmp(what, e[k].id, il) == 0 &&
            what[il] == '.')
            for (size_t c = 0; c < sizeof CHECKS / sizeof *CHECKS; c++)
                if (strcmp(what + il + 1, CHECKS[c]) == 0)
                    return true;
    }
    return false;
}

/* thidua explain --unit FILE RULE...: the trace of each rule on the unit file. */
static int trace(const td_program *p, const entry *e, size_t n, const cli_opts *o)
{
    int rc = CLI_EXIT_OK;
    for (size_t i = 0; i < o->n_args; i++) {
        if (disabled(p, o->args[i], i > 0))
            continue; /* switched off: nothing to trace, and the overlay says why */
        if (!traceable(e, n, o->args[i])) {
            fprintf(stderr, _("thidua explain: '%s' is no criterion, target or workflow of the "
                              "rules; --unit traces those (run `thidua explain` for the list)\n"),
                    o->args[i]);
            rc = CLI_EXIT_FINDINGS;
            continue;
        }
        if (i)
            putchar('\n');
        fflush(stdout);
        td_batch_opts bo = {.as_of = o->as_of, .today = o->today, .jobs = 1, .lang = cli_lang(),
                            .ids_per_file = true, .trace_rule = o->args[i],
                            .trace_out = stdout};
        td_batch *b = NULL;
        const char *path = o->unit;
        td_status st = td_batch_run(p, &path, 1, &bo, &b);
        td_batch_free(b);
        if (st != TD_OK)
            return cli_fail("explain", st, o->unit);
    }
    return rc;
}

int cmd_explain(int argc, char **argv)
{
    cli_opts o;
    td_program *p = NULL;
    entry *e = NULL;
    int rc = cli_parse(argc, argv,
                       CLI_OPT_RULES | CLI_OPT_DEFINE | CLI_OPT_UNIT | CLI_OPT_ASOF | CLI_OPT_COLOR,
                       "explain", USAGE, HELP, &o);
    if (rc >= 0)
        return rc;
    if ((rc = cli_program("explain", &o, &p)) >= 0)
        goto done;
    size_t n = 0;
    e = collect(p, &n);
    if (!e) {
        rc = cli_fail("explain", TD_ENOMEM, "cannot list the rules");
        goto done;
    }
    if (o.unit) {
        if (!o.n_args)
            rc = cli_usage_error("explain", USAGE, "--unit needs the rules to trace", NULL);
        else
            rc = trace(p, e, n, &o);
        goto done;
    }
    rc = CLI_EXIT_OK;
    if (!o.n_args)
        overview(p, e, n);
    for (size_t i = 0; i < o.n_args; i++) {
        if (i)
            putchar('\n');
        bool found = detail(p, e, n, o.args[i]);
        found = disabled(p, o.args[i], found) || found;
        if (!found && !bare_record(p, o.args[i]) && !enum_detail(p, o.args[i])) {
            const char **ids = calloc(n + 1, sizeof *ids);
            const char *near = NULL;
            for (size_t k = 0; ids && k < n; k++)
                ids[k] = *e[k].id ? e[k].id : e[k].cite;
            if (ids)
                near = td_suggest(o.args[i], ids, n);
            if (near)
                fprintf(stderr,
                        _("thidua explain: nothing in the rules is named or cites '%s'; did you "
                          "mean '%s'? run `thidua explain` for the list\n"),
                        o.args[i], near);
            else
                fprintf(stderr,
                        _("thidua explain: nothing in the rules is named or cites '%s'; run "
                          "`thidua explain` for the list\n"),
                        o.args[i]);
            free(ids);
            rc = CLI_EXIT_FINDINGS;
        }
    }
done:
    free(e);
    td_program_free(p);
    cli_opts_free(&o);
    return rc;
}
