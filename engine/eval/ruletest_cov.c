/* Rule-test coverage: for one rule set, which criteria, workflow checks and targets the
 * passing test cases show failing and passing, and which clauses of the plan they cover.
 * Pipeline: each passing case's td_unit_result -> counters per rule -> `thidua test --coverage`. */
#include <stdlib.h>
#include <string.h>

#include "eval.h"
#include "i18n.h"
#include "ruletest.h"

static uint32_t n_checks(const td_program *p)
{
    return p->n_workflows * (uint32_t)TD_WF_NCHECKS;
}

bool td_rt_cov_init(td_rt_cov *c, const td_program *prog)
{
    memset(c, 0, sizeof *c);
    c->prog = prog;
    c->n_slots = prog->n_criteria + n_checks(prog) + prog->n_targets;
    size_t n = c->n_slots ? c->n_slots : 1;
    c->fails = calloc(n, sizeof *c->fails);
    c->passes = calloc(n, sizeof *c->passes);
    c->seen = calloc(n, 1);
    if (!c->fails || !c->passes || !c->seen) {
        td_rt_cov_free(c);
        return false;
    }
    return true;
}

void td_rt_cov_free(td_rt_cov *c)
{
    free(c->fails);
    free(c->passes);
    free(c->seen);
    memset(c, 0, sizeof *c);
}

/* The slot of a finding's rule id: a criterion, or a workflow check "WORKFLOW.CHECK". */
static uint32_t slot_of(const td_program *p, const char *rule)
{
    for (uint32_t i = 0; i < p->n_criteria; i++)
        if (strcmp(p->criteria[i].id, rule) == 0)
            return i;
    for (uint32_t w = 0; w < p->n_workflows; w++) {
        size_t n = strlen(p->workflows[w].id);
        if (strncmp(p->workflows[w].id, rule, n) != 0 || rule[n] != '.')
            continue;
        for (uint32_t k = 0; k < TD_WF_NCHECKS; k++)
            if (strcmp(rule + n + 1, td_wf_check_names[k]) == 0)
                return p->n_criteria + w * (uint32_t)TD_WF_NCHECKS + k;
    }
    return UINT32_MAX;
}

void td_rt_cov_case(td_rt_cov *c, const td_unit_result *res)
{
    const td_program *p = c->prog;
    memset(c->seen, 0, c->n_slots);
    for (size_t i = 0; i < res->findings.n; i++) {
        const char *rule = res->findings.items[i].rule;
        uint32_t s = rule ? slot_of(p, rule) : UINT32_MAX;
        if (s != UINT32_MAX)
            c->seen[s] = 1;
    }
    uint32_t first_target = p->n_criteria + n_checks(p);
    for (uint32_t k = 0; k < res->n_contribs; k++) {
        const td_contrib *x = &res->contribs[k];
        if (x->target < p->n_targets && x->member && x->value > 0)
            c->seen[first_target + x->target] = 1;
    }
    for (uint32_t s = 0; s < c->n_slots; s++) {
        if (c->seen[s])
            c->fails[s]++;
        else
            c->passes[s]++;
    }
    c->cases++;
}

/* The clauses of the rules, in order of first appearance, without repeats. */
typedef struct clauses {
    const char **cite;
    size_t n;
} clauses;

static void add_clause(clauses *cl, const char *cite)
{
    if (!cite)
        return;
    for (size_t i = 0; i < cl->n; i++)
        if (strcmp(cl->cite[i], cite) == 0)
            return;
    cl->cite[cl->n++] = cite;
}

/* Compares clause numbers part by part: "II.2.10" after "II.2.9", Roman numerals in order. */
static int roman(const char *s, size_t n)
{
    static const char *const R[] = {"I", "II", "III", "IV", "V", "VI", "VII", "VIII", "IX", "X"};
    for (int i = 0; i < 10; i++)
        if (strlen(R[i]) == n && strncmp(R[i], s, n) == 0)
            return i + 1;
    return 0;
}

static int cmp_clause(const void *pa, const void *pb)
{
    const char *a = *(const char *const *)pa, *b = *(const char *const *)pb;
    while (*a && *b) {
        size_t na = strcspn(a, "."), nb = strcspn(b, ".");
        int ra = roman(a, na), rb = roman(b, nb);
        long va = ra ? ra : strtol(a, NULL, 10), vb = rb ? rb : strtol(b, NULL, 10);
        if (va != vb)
            return va < vb ? -1 : 1;
        if (na != nb || strncmp(a, b, na) != 0) {
            int c = strncmp(a, b, na < nb ? na : nb);
            return c ? c : na < nb ? -1 : 1;
        }
        a += na + (a[na] == '.');
        b += nb + (b[nb] == '.');
    }
    return *a ? 1 : *b ? -1 : 0;
}

/* The characters of UTF-8 text s: the columns it takes (Vietnamese letters are precomposed). */
static size_t cols(const char *s)
{
    size_t n = 0;
    for (; *s; s++)
        n += ((unsigned char)*s & 0xC0) != 0x80;
    return n;
}

/* s, then spaces up to `width` columns. */
static void pad(FILE *out, const char *s, size_t width)
{
    fputs(s, out);
    for (size_t n = cols(s); n < width; n++)
        fputc(' ', out);
}

/* Spaces, then s, up to `width` columns. */
static void pad_left(FILE *out, const char *s, size_t width)
{
    for (size_t n = cols(s); n < width; n++)
        fputc(' ', out);
    fputs(s, out);
}

/* Items separated by ", ", wrapped before column 80 under the first item. */
typedef struct wrap {
    FILE *out;
    size_t col, indent;
} wrap;

static void put(wrap *w, const char *item)
{
    size_t n = cols(item);
    bool first = w->col == w->indent;
    if (!first && w->col + 2 + n > 80) {
        fprintf(w->out, ",\n%*s", (int)w->indent, "");
        w->col = w->indent;
        first = true;
    }
    fprintf(w->out, "%s%s", first ? "" : ", ", item);
    w->col += (first ? 0 : 2) + n;
}

/* The table's columns: the rule (40), the clause (8), then two counts as wide as their
 * headings in the reader's language (each section its own). */
typedef struct table {
    FILE *out;
    td_lang lang;
    size_t w1, w2;          /* columns of the two counts */
} table;

static void heading(const table *t, const char *rule, const char *c1, const char *c2)
{
    fputs("  ", t->out);
    pad(t->out, rule, 40);
    fputc(' ', t->out);
    pad(t->out, TR(t->lang, "clause"), 8);
    fputc(' ', t->out);
    pad_left(t->out, c1, t->w1);
    fputc(' ', t->out);
    pad_left(t->out, c2, t->w2);
    fputc('\n', t->out);
}

static void row(const table *t, const char *id, const char *suffix, const char *cite,
                uint32_t fails, uint32_t passes, bool flag)
{
    char name[160], n1[16], n2[16];
    snprintf(name, sizeof name, "%s%s%s", id, suffix ? "." : "", suffix ? suffix : "");
    snprintf(n1, sizeof n1, "%u", fails);
    snprintf(n2, sizeof n2, "%u", passes);
    fputs("  ", t->out);
    pad(t->out, name, 40);
    fputc(' ', t->out);
    pad(t->out, cite ? cite : "-", 8);
    fputc(' ', t->out);
    pad_left(t->out, n1, t->w1);
    fputc(' ', t->out);
    pad_left(t->out, n2, t->w2);
    /* TRANSLATORS: the mark of a rule of the coverage table that no passing case makes fail */
    fprintf(t->out, "%s\n", flag ? TR(t->lang, "   <- no failing case") : "");
}

/* The columns of a count under `head`: at least min, and a space more than a wider heading
 * so that two headings of several words stay apart. */
static size_t width(size_t min, const char *head)
{
    return cols(head) <= min ? min : cols(head) + 1;
}

void td_rt_cov_print(const td_rt_cov *c, const char *rules, td_lang lang, FILE *out,
                     size_t *missing)
{
    const td_program *p = c->prog;
    if (rules)
        fprintf(out, TRN(lang, "coverage of %s: %u passing case\n",
                         "coverage of %s: %u passing cases\n", c->cases), rules, c->cases);
    else
        fprintf(out, TRN(lang, "coverage of the built-in rules: %u passing case\n",
                         "coverage of the built-in rules: %u passing cases\n", c->cases),
                c->cases);
    /* TRANSLATORS: headings of the coverage table: in how many passing cases the rule
     * fails (gives a finding), in how many it passes */
    const char *fails = TR(lang, "fails"), *passes = TR(lang, "passes");
    /* TRANSLATORS: headings of the coverage table's targets: in how many passing cases the
     * unit counts toward the target, in how many it does not */
    const char *counts = TR(lang, "counts"), *not_counted = TR(lang, "not");
    table t = {out, lang, width(5, fails), width(6, passes)};
    heading(&t, TR(lang, "criterion or workflow check"), fails, passes);
    size_t rule_count = 0, covered = 0;
    for (uint32_t i = 0; i < p->n_criteria; i++) {
        bool none = c->fails[i] == 0;
        row(&t, p->criteria[i].id, NULL, p->criteria[i].cite, c->fails[i], c->passes[i], none);
        rule_count++;
        covered += !none;
    }
    for (uint32_t w = 0; w < p->n_workflows; w++) {
        for (uint32_t k = 0; k < TD_WF_NCHECKS; k++) {
            if (p->workflows[w].off[k])
                continue;
            uint32_t s = p->n_criteria + w * (uint32_t)TD_WF_NCHECKS + k;
            bool none = c->fails[s] == 0;
            row(&t, p->workflows[w].id, td_wf_check_names[k], p->workflows[w].cite,
                c->fails[s], c->passes[s], none);
            rule_count++;
            covered += !none;
        }
    }
    if (p->n_targets) {
        t.w1 = width(5, counts);
        t.w2 = width(6, not_counted);
        heading(&t, TR(lang, "target"), counts, not_counted);
        uint32_t first = p->n_criteria + n_checks(p);
        for (uint32_t k = 0; k < p->n_targets; k++)
            row(&t, p->targets[k].id, NULL, p->targets[k].cite, c->fails[first + k],
                c->passes[first + k], false);
    }
    /* each clause with its rules and how many passing cases show each failing */
    size_t cap = p->n_criteria + p->n_workflows + p->n_targets + p->n_notes + 1;
    clauses cl = {calloc(cap, sizeof *cl.cite), 0};
    if (cl.cite) {
        for (uint32_t i = 0; i < p->n_criteria; i++)
            add_clause(&cl, p->criteria[i].cite);
        for (uint32_t i = 0; i < p->n_workflows; i++)
            add_clause(&cl, p->workflows[i].cite);
        for (uint32_t i = 0; i < p->n_targets; i++)
            add_clause(&cl, p->targets[i].cite);
        for (uint32_t i = 0; i < p->n_notes; i++)
            add_clause(&cl, p->notes[i].cite);
        qsort(cl.cite, cl.n, sizeof *cl.cite, cmp_clause);
        fputs(TR(lang, "  clauses (each rule with its failing cases):\n"), out);
        for (size_t k = 0; k < cl.n; k++) {
            fputs("    ", out);
            pad(out, cl.cite[k], 8);
            wrap w = {out, 12, 12};
            char item[200];
            for (uint32_t i = 0; i < p->n_criteria; i++)
                if (p->criteria[i].cite && strcmp(p->criteria[i].cite, cl.cite[k]) == 0) {
                    snprintf(item, sizeof item, "%s (%u)", p->criteria[i].id, c->fails[i]);
                    put(&w, item);
                }
            for (uint32_t wf = 0; wf < p->n_workflows; wf++)
                if (p->workflows[wf].cite && strcmp(p->workflows[wf].cite, cl.cite[k]) == 0) {
                    snprintf(item, sizeof item, TR(lang, "workflow %s"), p->workflows[wf].id);
                    put(&w, item);
                }
            uint32_t first = p->n_criteria + n_checks(p);
            for (uint32_t tg = 0; tg < p->n_targets; tg++)
                if (p->targets[tg].cite && strcmp(p->targets[tg].cite, cl.cite[k]) == 0) {
                    snprintf(item, sizeof item, TR(lang, "target %s (%u)"), p->targets[tg].id,
                             c->fails[first + tg]);
                    put(&w, item);
                }
            uint32_t notes = 0;
            for (uint32_t i = 0; i < p->n_notes; i++)
                notes += p->notes[i].cite && strcmp(p->notes[i].cite, cl.cite[k]) == 0;
            if (notes) {
                snprintf(item, sizeof item,
                         TRN(lang, "%u note (not checked from data)",
                             "%u notes (not checked from data)", notes), notes);
                put(&w, item);
            }
            fputc('\n', out);
        }
        free(cl.cite);
    }
    fprintf(out, TRN(lang, "  %zu of %zu criterion and workflow check has a failing case\n",
                     "  %zu of %zu criteria and workflow checks have a failing case\n",
                     rule_count), covered, rule_count);
    *missing += rule_count - covered;
}
