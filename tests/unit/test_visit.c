/* Unit tests of the walk of the criteria (resolve_visit.c, eval.c): the `on` paths merged
 * into one tree, each entity reached once, and findings in the order of the rules. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "diag.h"
#include "eval.h"
#include "load.h"
#include "program.h"
#include "resolve.h"

static const char *SCHEMA =
    "enum level { huyen xa }\n"
    "enum exemplar_type { individual collective }\n"
    "record crit { optional name: text  optional target: number }\n"
    "record plan { optional title: text  optional start: date  optional end: date\n"
    "              optional criteria: list of crit }\n"
    "record exemplar { required type: exemplar_type  optional name: text\n"
    "                  optional plan: plan }\n"
    "record info { required id: text  required level: level }\n"
    "record unit_file { required unit: info  optional plan: plan\n"
    "                   optional exemplars: list of exemplar }\n"
    "document unit_file\n";

typedef struct fixture {
    td_program *p;
    td_arena a;
    td_unit_result res;
} fixture;

static td_program *compile(const char *rules)
{
    size_t n = strlen(SCHEMA) + strlen(rules) + 1;
    char *text = malloc(n);
    assert_non_null(text);
    snprintf(text, n, "%s%s", SCHEMA, rules);
    td_diag d;
    td_diag_init(&d);
    td_rule_text t = {"visit.rules", text, strlen(text)};
    td_program *p = NULL;
    td_status st = td_program_compile_texts(&t, 1, NULL, 0, &d, &p);
    for (size_t i = 0; i < d.n; i++)
        td_diag_render(&d.items[i], stderr, false);
    assert_int_equal(st, TD_OK);
    td_diag_free(&d);
    free(text);
    return p;
}

static int setup(void **state)
{
    fixture *f = calloc(1, sizeof *f);
    td_arena_init(&f->a, 0);
    td_unit_result_init(&f->res, TD_LANG_EN);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fixture *f = *state;
    td_unit_result_free(&f->res);
    td_arena_free(&f->a);
    td_program_free(f->p);
    free(f);
    return 0;
}

static void run(fixture *f, const char *yaml)
{
    td_unit_result_free(&f->res);
    td_unit_result_init(&f->res, TD_LANG_EN);
    td_arena_reset(&f->a);
    td_source *src = td_source_new("unit.yaml", yaml, strlen(yaml));
    td_limits lim;
    td_limits_default(&lim);
    td_yaml *y = NULL;
    assert_int_equal(td_yaml_open(src, &lim, &y), TD_OK);
    td_ynode *root = NULL;
    uint32_t line = 0;
    assert_int_equal(td_yaml_next(y, &f->a, &f->res.findings, &root, &line), TD_OK);
    td_node *doc = NULL;
    assert_int_equal(td_type_document(f->p->schema.document_type, root, src, &f->a,
                                      &f->res.findings, &doc),
                     TD_OK);
    int32_t day;
    assert_true(td_parse_date("2025-12-31", 10, &day));
    assert_int_equal(td_eval_document(f->p, doc, day, src, &f->a, &f->res), TD_OK);
    td_diag_sort(&f->res.findings);
    td_yaml_close(y);
    td_source_free(src);
}

/* Paths that share steps share nodes; steps on one field with different filters are
 * siblings next to each other; a rule sits where its path ends. */
static void test_visit_merges_shared_steps(void **state)
{
    fixture *f = *state;
    f->p = compile(
        "criterion a.title \"A\" cite \"1\" on plan, exemplars[type == collective].plan error\n"
        "  require not empty(title)\n"
        "criterion a.name \"B\" cite \"1\" on exemplars where type == individual error\n"
        "  require not empty(name)\n"
        "criterion a.crit \"C\" cite \"1\" on exemplars[type == collective].plan.criteria error\n"
        "  require target > 0\n"
        "criterion a.doc \"D\" cite \"1\" on document error\n"
        "  require present(plan)\n");
    const td_vnode *root = f->p->visit;
    assert_non_null(root);
    assert_int_equal(root->depth, 0);
    assert_int_equal(root->n_rules, 1);
    assert_string_equal(root->rules[0].c->id, "a.doc");
    assert_int_equal(root->rules[0].order, 4); /* a.title has two variants: 0 and 1 */
    assert_int_equal(root->n_kids, 3);         /* plan; exemplars[...]; exemplars */
    const td_vnode *plan = &root->kids[0];
    assert_null(plan->filter);
    assert_int_equal(plan->n_rules, 1);
    assert_int_equal(plan->rules[0].order, 0);
    /* the two steps on `exemplars` are next to each other, filtered first (first used) */
    const td_vnode *coll = &root->kids[1], *all = &root->kids[2];
    assert_int_equal(coll->slot, all->slot);
    assert_non_null(coll->filter);
    assert_null(all->filter);
    assert_int_equal(all->n_rules, 1);
    assert_string_equal(all->rules[0].c->id, "a.name");
    /* exemplars[type == collective].plan: one node for both criteria that go through it */
    assert_int_equal(coll->n_kids, 1);
    const td_vnode *cplan = &coll->kids[0];
    assert_int_equal(cplan->depth, 2);
    assert_int_equal(cplan->n_rules, 1);
    assert_int_equal(cplan->rules[0].order, 1);
    assert_int_equal(cplan->n_kids, 1);
    assert_int_equal(cplan->kids[0].n_rules, 1);
    assert_string_equal(cplan->kids[0].rules[0].c->id, "a.crit");
    assert_int_equal(cplan->kids[0].depth, 3);
}

/* Equal filters written in two rules are one step; different ones are two. */
static void test_visit_compares_filters_by_meaning(void **state)
{
    fixture *f = *state;
    f->p = compile(
        "criterion b.one \"A\" cite \"1\" on exemplars[type == collective] error\n"
        "  require not empty(name)\n"
        "criterion b.two \"B\" cite \"1\" on exemplars[type == collective].plan error\n"
        "  require not empty(title)\n"
        "criterion b.three \"C\" cite \"1\" on exemplars[type == individual] error\n"
        "  require not empty(name)\n");
    const td_vnode *root = f->p->visit;
    assert_int_equal(root->n_kids, 2);
    assert_int_equal(root->kids[0].n_rules, 1);
    assert_int_equal(root->kids[0].n_kids, 1);
    assert_string_equal(root->kids[1].rules[0].c->id, "b.three");
    const td_criterion *c = &f->p->criteria[0];
    assert_true(td_cexpr_same(c[0].variants[0].require, c[2].variants[0].require));
    assert_false(td_cexpr_same(c[0].variants[0].require, c[1].variants[0].require));
    assert_false(td_cexpr_same(c[0].variants[0].path.filters[0],
                               c[2].variants[0].path.filters[0]));
}

/* Two rules that blame the same place report in the order of the rules, although the walk
 * runs the rule on the document before the one on its plan. */
static void test_visit_keeps_the_order_of_rules(void **state)
{
    fixture *f = *state;
    f->p = compile(
        "criterion c.start \"A\" cite \"1\" on plan error\n"
        "  require present(start)\n"
        "criterion c.title \"B\" cite \"1\" on document error\n"
        "  require present(plan.title)\n"
        "criterion c.end \"C\" cite \"1\" on plan error\n"
        "  require present(end)\n");
    run(f, "unit: {id: U1, level: xa}\n"
           "plan:\n"
           "  criteria: []\n");
    assert_int_equal(f->res.findings.n, 3);
    assert_string_equal(f->res.findings.items[0].rule, "c.start");
    assert_string_equal(f->res.findings.items[1].rule, "c.title");
    assert_string_equal(f->res.findings.items[2].rule, "c.end");
    assert_int_equal(f->res.findings.items[0].line, f->res.findings.items[1].line);
    assert_int_equal(f->res.findings.items[0].col, f->res.findings.items[1].col);
}

/* Each rule sees the entities its own path reaches: the filter of one step does not leak
 * into a sibling step on the same field. */
static void test_visit_filters_each_step(void **state)
{
    fixture *f = *state;
    f->p = compile(
        "criterion d.coll \"A\" cite \"1\" on exemplars[type == collective] error\n"
        "  require not empty(name)\n"
        "criterion d.all \"B\" cite \"1\" on exemplars error\n"
        "  require not empty(name)\n");
    run(f, "unit: {id: U1, level: xa}\n"
           "exemplars:\n"
           "  - {type: individual}\n"
           "  - {type: collective}\n");
    assert_int_equal(f->res.findings.n, 3);
    assert_string_equal(f->res.findings.items[0].rule, "d.all");
    assert_string_equal(f->res.findings.items[0].path, "exemplars[0]");
    assert_string_equal(f->res.findings.items[1].rule, "d.coll");
    assert_string_equal(f->res.findings.items[1].path, "exemplars[1]");
    assert_string_equal(f->res.findings.items[2].rule, "d.all");
    assert_string_equal(f->res.findings.items[2].path, "exemplars[1]");
}

/* The memo slot of each node of c that has one, in pre-order; returns how many. */
static uint32_t memos(const td_cexpr *c, uint32_t *out, uint32_t n)
{
    if (!c)
        return n;
    if (c->memo)
        out[n++] = c->memo;
    n = memos(c->a, out, n);
    n = memos(c->b, out, n);
    n = memos(c->c, out, n);
    for (uint32_t i = 0; i < c->nargs; i++)
        n = memos(c->args[i], out, n);
    return n;
}

/* An expression that rules on one entity both compute has one slot of the entity's values;
 * one only a rule computes, none. Lets are compared by what they compute; an expression
 * with found() is never shared. */
static void test_visit_shares_expressions(void **state)
{
    fixture *f = *state;
    f->p = compile(
        "criterion e.one \"A\" cite \"1\" on plan error\n"
        "  require present(start) and present(end)\n"
        "criterion e.two \"B\" cite \"1\" on plan error\n"
        "  where present(start)\n"
        "  let n = count(criteria)\n"
        "  require n > 0 and present(end)\n"
        "criterion e.three \"C\" cite \"1\" on plan error\n"
        "  let k = count(criteria)\n"
        "  require k > 0\n");
    const td_criterion *c = f->p->criteria;
    const td_vnode *plan = &f->p->visit->kids[0];
    assert_int_equal(plan->n_rules, 3);
    uint32_t a[16], b[16], w[16], k[16];
    uint32_t na = memos(c[0].variants[0].require, a, 0);
    uint32_t nw = memos(c[1].variants[0].where, w, 0);
    uint32_t nb = memos(c[1].variants[0].require, b, 0);
    uint32_t nk = memos(c[2].variants[0].require, k, 0);
    /* e.one: present(start) and present(end) shared, the `and` not */
    assert_int_equal(na, 2);
    assert_int_equal(nw, 1);
    assert_int_equal(w[0], a[0]);
    /* e.two: n > 0 is k > 0 of e.three; present(end) that of e.one */
    assert_int_equal(nb, 2);
    assert_int_equal(nk, 1);
    assert_int_equal(b[0], k[0]);
    assert_int_equal(b[1], a[1]);
    /* the lets' expressions themselves */
    assert_int_not_equal(c[1].variants[0].lets[0]->memo, 0);
    assert_int_equal(c[1].variants[0].lets[0]->memo, c[2].variants[0].lets[0]->memo);
    assert_int_equal(plan->n_memo, 4);
    assert_true(f->p->visit_memo >= 4);
    run(f, "unit: {id: U1, level: xa}\n"
           "plan:\n"
           "  start: 2024-01-01\n");
    assert_int_equal(f->res.findings.n, 3);
    assert_string_equal(f->res.findings.items[0].rule, "e.one");
    assert_string_equal(f->res.findings.items[1].rule, "e.two");
    assert_string_equal(f->res.findings.items[2].rule, "e.three");
}

/* A shared expression that cannot be computed is reported by each rule at its own place in
 * the rules. */
static void test_visit_shared_fault_is_each_rules_own(void **state)
{
    fixture *f = *state;
    f->p = compile(
        "criterion g.one \"A\" cite \"1\" on document error\n"
        "  require 10 / count(exemplars) > 1\n"
        "criterion g.two \"B\" cite \"1\" on document error\n"
        "  require 10 / count(exemplars) > 1\n");
    assert_int_not_equal(f->p->criteria[0].variants[0].require->memo, 0);
    run(f, "unit: {id: U1, level: xa}\n");
    assert_int_equal(f->res.findings.n, 2);
    /* lines 13 and 15 of the rules (the schema takes 11) */
    assert_non_null(strstr(f->res.findings.items[0].message, "visit.rules:13:"));
    assert_non_null(strstr(f->res.findings.items[1].message, "visit.rules:15:"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_visit_merges_shared_steps, setup, teardown),
        cmocka_unit_test_setup_teardown(test_visit_compares_filters_by_meaning, setup, teardown),
        cmocka_unit_test_setup_teardown(test_visit_keeps_the_order_of_rules, setup, teardown),
        cmocka_unit_test_setup_teardown(test_visit_filters_each_step, setup, teardown),
        cmocka_unit_test_setup_teardown(test_visit_shares_expressions, setup, teardown),
        cmocka_unit_test_setup_teardown(test_visit_shared_fault_is_each_rules_own, setup,
                                        teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
