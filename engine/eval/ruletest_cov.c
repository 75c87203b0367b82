/* Rule-test coverage: for one rule set, which criteria, workflow checks and targets the
 * passing test cases show failing and passing, and which clauses of the plan they cover.
 * Pipeline: each passing case's td_unit_result -> counters per rule -> `thidua test --coverage`. */
#include <stdlib.h>
#include <string.h>

#include "eval.h"
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

/* Items separated by ", ", wrapped before column 80 under the first item. */
typedef struct wrap {
    FILE *out;
    size_t col, indent;
} wrap;

static void put(wrap *w, const char *item)
{
    size_t n = strlen(item);
    bool first = w->col == w->indent;
    if (!first && w->col + 2 + n > 80) {
        fprintf(w->out, ",\n%*s", (int)w->indent, "");
        w->col = w->indent;
        first = true;
    }
    fprintf(w->out, "%s%s", first ? "" : ", ", item);
    w->col += (first ? 0 : 2) + n;
}

static void row(FILE *out, const char *id, const char *suffix, const char *cite, uint32_t fails,
                uint32_t passes, bool flag)
{
    char name[160];
    snprintf(name, sizeof name, "%s%s%s", id, suffix ? "." : "", suffix ? suffix : "");
    fprintf(out, "  %-40s %-8s %5u %6u%s\n", name, cite ? cite : "-", fails, passes,
            flag ? "   <- no failing case" : "");
}

void td_rt_cov_print(const td_rt_cov *c, const char *rules, FILE *out, size_t *missing)
{
    const td_program *p = c->prog;
    fprintf(out, "coverage of %s: %u passing cases\n", rules ? rules : "the built-in rules",
            c->cases);
    fprintf(out, "  %-40s %-8s %5s %6s\n", "criterion or workflow check", "clause", "fails",
            "passes");
    size_t rule_count = 0, covered = 0;
    for (uint32_t i = 0; i < p->n_criteria; i++) {
        bool none = c->fails[i] == 0;
        row(out, p->criteria[i].id, NULL, p->criteria[i].cite, c->fails[i], c->passes[i], none);
        rule_count++;
        covered += !none;
    }
    for (uint32_t w = 0; w < p->n_workflows; w++) {
        for (uint32_t k = 0; k < TD_WF_NCHECKS; k++) {
            if (p->workflows[w].off[k])
                continue;
            uint32_t s = p->n_criteria + w * (uint32_t)TD_WF_NCHECKS + k;
            bool none = c->fails[s] == 0;
            row(out, p->workflows[w].id, td_wf_check_names[k], p->workflows[w].cite,
                c->fails[s], c->passes[s], none);
            rule_count++;
            covered += !none;
        }
    }
    if (p->n_targets) {
        fprintf(out, "  %-40s %-8s %5s %6s\n", "target", "clause", "counts", "not");
        uint32_t first = p->n_criteria + n_checks(p);
        for (uint32_t t = 0; t < p->n_targets; t++)
            row(out, p->targets[t].id, NULL, p->targets[t].cite, c->fails[first + t],
                c->passes[first + t], false);
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
        fputs("  clauses (each rule with its failing cases):\n", out);
        for (size_t k = 0; k < cl.n; k++) {
            fprintf(out, "    %-8s", cl.cite[k]);
            wrap w = {out, 12, 12};
            char item[200];
            for (uint32_t i = 0; i < p->n_criteria; i++)
                if (p->criteria[i].cite && strcmp(p->criteria[i].cite, cl.cite[k]) == 0) {
                    snprintf(item, sizeof item, "%s (%u)", p->criteria[i].id, c->fails[i]);
                    put(&w, item);
                }
            for (uint32_t wf = 0; wf < p->n_workflows; wf++)
                if (p->workflows[wf].cite && strcmp(p->workflows[wf].cite, cl.cite[k]) == 0) {
                    snprintf(item, sizeof item, "workflow %s", p->workflows[wf].id);
                    put(&w, item);
                }
            uint32_t first = p->n_criteria + n_checks(p);
            for (uint32_t t = 0; t < p->n_targets; t++)
                if (p->targets[t].cite && strcmp(p->targets[t].cite, cl.cite[k]) == 0) {
                    snprintf(item, sizeof item, "target %s (%u)", p->targets[t].id,
                             c->fails[first + t]);
                    put(&w, item);
                }
            uint32_t notes = 0;
            for (uint32_t i = 0; i < p->n_notes; i++)
                notes += p->notes[i].cite && strcmp(p->notes[i].cite, cl.cite[k]) == 0;
            if (notes) {
                snprintf(item, sizeof item, "%u note%s (not checked from data)", notes,
                         notes == 1 ? "" : "s");
                put(&w, item);
            }
            fputc('\n', out);
        }
        free(cl.cite);
    }
    fprintf(out, "  %zu of %zu criteria and workflow checks have a failing case\n", covered,
            rule_count);
    *missing += rule_count - covered;
}
