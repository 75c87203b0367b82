/* Unit tests of eval: criteria, absent values, workflows, messages and target shares on
 * small rules and YAML documents. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "diag.h"
#include "eval.h"
#include "load.h"
#include "program.h"

static const char *RULES =
    "enum level { huyen xa ap }\n"
    "enum exemplar_type { individual collective }\n"
    "enum review_result { commended passed not_passed }\n"
    "record step { optional step: int  optional date: date  optional evidence: text }\n"
    "record review { optional month: month  optional result: review_result }\n"
    "record plan { optional start: date  optional end: date  optional title: text }\n"
    "record exemplar { required type: exemplar_type  optional name: text\n"
    "                  optional steps: list of step  optional plan: plan\n"
    "                  optional monthly_reviews: list of review }\n"
    "record info { required id: text  required level: level  optional commune: text }\n"
    "record unit_file { required unit: info  optional plan: plan\n"
    "                   optional exemplars: list of exemplar }\n"
    "document unit_file\n"
    "define unit_file.id = unit.id\n"
    "param period_end = 2025-12-31 cite \"II.2.3\"\n"
    "define exemplar.counted = any steps have step == 1 and date <= as_of\n"
    "criterion plan.order \"Bắt đầu trước kết thúc\" cite \"II.2.2\" on plan, exemplars.plan error\n"
    "  require start <= end message \"{start} sau {end}\"\n"
    "criterion plan.title \"Có tên\" cite \"II.2.2\" on plan, exemplars.plan error\n"
    "  require not empty(title)\n"
    "criterion unit.min \"Ít nhất 1\" cite \"II.2.1\" on document error due period_end\n"
    "  require count(exemplars where counted) >= 1\n"
    "criterion ex.gaps \"Hàng tháng\" cite \"II.2.2\" on exemplars warning\n"
    "  where not empty(monthly_reviews)\n"
    "  let missing = each m in months(min(month of monthly_reviews), month_of(as_of))\n"
    "                where none monthly_reviews have month == m\n"
    "  require empty(missing) message \"thiếu {missing}\"\n"
    "workflow ex.steps \"Quy trình\" cite \"II.2.2\" on exemplars\n"
    "  history steps state step dated date evidence evidence\n"
    "  stage 1 \"Một\" stage 2 \"Hai\" stage 3 \"Ba\"\n"
    "  initial 1 transitions 1 -> 2, 2 -> 3\n"
    "  guard 1 \"Được biểu dương\" require any monthly_reviews have result == commended\n"
    "    and month <= month_of(date)\n"
    "target ex.total \"Tổng\" cite \"II.2.1\" count exemplars where counted by unit.level\n";

typedef struct fixture {
    td_program *p;
    td_arena a;
    td_unit_result res;
} fixture;

static int setup(void **state)
{
    fixture *f = calloc(1, sizeof *f);
    td_diag d;
    td_diag_init(&d);
    td_rule_text rules = {"eval.rules", RULES, strlen(RULES)};
    td_status st = td_program_compile_texts(&rules, 1, NULL, 0, &d, &f->p);
    for (size_t i = 0; i < d.n; i++)
        td_diag_render(&d.items[i], stderr, false);
    assert_int_equal(st, TD_OK);
    td_diag_free(&d);
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

static void run(fixture *f, const char *yaml, const char *as_of)
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
    assert_non_null(root);
    td_node *doc = NULL;
    assert_int_equal(td_type_document(f->p->schema.document_type, root, src, &f->a,
                                      &f->res.findings, &doc),
                     TD_OK);
    int32_t day;
    assert_true(td_parse_date(as_of, strlen(as_of), &day));
    assert_int_equal(td_eval_document(f->p, doc, day, src, &f->a, &f->res), TD_OK);
    td_yaml_close(y);
    td_source_free(src);
}

static const td_diagnostic *find(fixture *f, const char *rule)
{
    for (size_t i = 0; i < f->res.findings.n; i++)
        if (f->res.findings.items[i].rule && strcmp(f->res.findings.items[i].rule, rule) == 0)
            return &f->res.findings.items[i];
    return NULL;
}

static const char *GOOD =
    "unit: {id: U1, level: xa}\n"
    "plan:\n"
    "  title: Kế hoạch\n"
    "  start: 2024-01-01\n"
    "  end: 2025-12-31\n"
    "exemplars:\n"
    "  - type: individual\n"
    "    name: An\n"
    "    monthly_reviews:\n"
    "      - {month: 2024-05, result: commended}\n"
    "      - {month: 2024-06, result: passed}\n"
    "    steps:\n"
    "      - {step: 1, date: 2024-05-31, evidence: Biên bản}\n"
    "      - {step: 2, date: 2024-06-10, evidence: Bài báo}\n";

static void test_eval_good_unit_has_no_finding(void **state)
{
    fixture *f = *state;
    run(f, GOOD, "2024-06-30");
    for (size_t i = 0; i < f->res.findings.n; i++)
        td_diag_render(&f->res.findings.items[i], stderr, false);
    assert_int_equal(f->res.findings.n, 0);
    assert_string_equal(f->res.id, "U1");
    /* the target share: one counted exemplar in group xa */
    assert_int_equal(f->res.n_contribs, 1);
    assert_string_equal(f->res.contribs[0].group, "xa");
    assert_true(f->res.contribs[0].value == 1.0);
    /* stage counts: one exemplar at stage 2 (index 0 is "none") */
    assert_int_equal(f->res.stages[2], 1);
}

static void test_eval_reports_value_location_and_message(void **state)
{
    fixture *f = *state;
    run(f, "unit: {id: U1, level: xa}\n"
           "plan:\n"
           "  title: K\n"
           "  start: 2025-01-01\n"
           "  end: 2024-12-31\n",
        "2024-06-30");
    const td_diagnostic *e = find(f, "plan.order");
    assert_non_null(e);
    assert_int_equal(e->sev, TD_SEV_ERROR);
    assert_int_equal(e->line, 4);
    assert_int_equal(e->col, 10);
    assert_string_equal(e->message, "2025-01-01 sau 2024-12-31");
    assert_string_equal(e->cite, "II.2.2");
    assert_string_equal(e->path, "plan");
}

static void test_eval_absent_value_is_not_applicable(void **state)
{
    fixture *f = *state;
    run(f, "unit: {id: U1, level: xa}\nplan: {title: K, end: 2024-12-31}\n", "2024-06-30");
    assert_null(find(f, "plan.order"));
}

static void test_eval_missing_field_points_at_record(void **state)
{
    fixture *f = *state;
    run(f, "unit: {id: U1, level: xa}\nplan:\n  start: 2024-01-01\n", "2024-06-30");
    const td_diagnostic *e = find(f, "plan.title");
    assert_non_null(e);
    assert_int_equal(e->line, 2);
    assert_int_equal(e->col, 1);
}

static void test_eval_due_downgrades_to_info(void **state)
{
    fixture *f = *state;
    run(f, "unit: {id: U1, level: xa}\n", "2024-06-30");
    const td_diagnostic *e = find(f, "unit.min");
    assert_non_null(e);
    assert_int_equal(e->sev, TD_SEV_INFO);
    run(f, "unit: {id: U1, level: xa}\n", "2025-12-31");
    e = find(f, "unit.min");
    assert_non_null(e);
    assert_int_equal(e->sev, TD_SEV_ERROR);
}

static void test_eval_workflow_checks(void **state)
{
    fixture *f = *state;
    run(f, "unit: {id: U1, level: xa}\n"
           "exemplars:\n"
           "  - type: individual\n"
           "    monthly_reviews: [{month: 2024-05, result: passed}]\n"
           "    steps:\n"
           "      - {step: 1, date: 2024-05-31, evidence: B}\n"
           "      - {step: 3, date: 2024-05-01}\n"
           "      - {step: 4, date: 2026-01-01, evidence: C}\n",
        "2025-12-31");
    assert_non_null(find(f, "ex.steps.guard"));
    const td_diagnostic *t = find(f, "ex.steps.transition");
    assert_non_null(t);
    assert_int_equal(t->line, 7);
    assert_non_null(find(f, "ex.steps.order"));
    assert_non_null(find(f, "ex.steps.evidence"));
    assert_non_null(find(f, "ex.steps.future"));
    assert_non_null(find(f, "ex.steps.stage"));
}

static void test_eval_month_gaps(void **state)
{
    fixture *f = *state;
    run(f, "unit: {id: U1, level: xa}\n"
           "exemplars:\n"
           "  - type: individual\n"
           "    monthly_reviews:\n"
           "      - {month: 2024-05, result: commended}\n"
           "      - {month: 2024-08, result: passed}\n"
           "    steps: [{step: 1, date: 2024-05-31, evidence: B}]\n",
        "2024-09-15");
    const td_diagnostic *e = find(f, "ex.gaps");
    assert_non_null(e);
    assert_int_equal(e->sev, TD_SEV_WARNING);
    assert_string_equal(e->message, "thiếu 2024-06, 2024-07, 2024-09");
}

/* Every allocation of the unit arena fails in turn: eval reports TD_ENOMEM or succeeds,
 * never crashes, and leaks nothing (ASan checks the last part). */
static void test_eval_out_of_memory(void **state)
{
    fixture *f = *state;
    td_source *src = td_source_new("unit.yaml", GOOD, strlen(GOOD));
    td_limits lim;
    td_limits_default(&lim);
    int32_t day;
    assert_true(td_parse_date("2024-06-30", 10, &day));
    int failures = 0;
    for (int n = 1; n < 400; n++) {
        td_arena a;
        td_arena_init(&a, 256);
        td_unit_result res;
        td_unit_result_init(&res, TD_LANG_EN);
        td_yaml *y = NULL;
        assert_int_equal(td_yaml_open(src, &lim, &y), TD_OK);
        td_ynode *root = NULL;
        uint32_t line = 0;
        td_node *doc = NULL;
        td_status st = td_yaml_next(y, &a, &res.findings, &root, &line);
        if (st == TD_OK && root)
            st = td_type_document(f->p->schema.document_type, root, src, &a, &res.findings, &doc);
        if (st == TD_OK && doc) {
            a.fail_after = a.allocs + n; /* fail during evaluation only */
            st = td_eval_document(f->p, doc, day, src, &a, &res);
        }
        assert_true(st == TD_OK || st == TD_ENOMEM);
        failures += st == TD_ENOMEM;
        td_yaml_close(y);
        td_unit_result_free(&res);
        td_arena_free(&a);
    }
    assert_true(failures > 0);
    td_source_free(src);
}

/* The run of history dates a result holds for, found by a binary search: the same end as a
 * scan from `from` while the dates stay within [lo, hi], for every bound around the dates. */
static void test_eval_dates_through_matches_a_scan(void **state)
{
    (void)state;
    const int32_t dates[] = {10, 20, 30, 40, 50, 60, 70};
    const uint32_t n = 7;
    uint32_t checked = 0;
    for (uint32_t from = 0; from <= n; from++)
        for (int32_t lo = 0; lo <= 80; lo += 5)
            for (int32_t hi = lo; hi <= 80; hi += 5) {
                uint32_t k = from;
                while (k < n && dates[k] >= lo && dates[k] <= hi)
                    k++;
                assert_int_equal(td_dates_through(dates, from, n, lo, hi), k);
                checked++;
            }
    assert_int_equal(td_dates_through(dates, 2, n, INT32_MIN, INT32_MAX), n);
    assert_int_equal(td_dates_through(dates, 2, n, 30, 49), 4);
    assert_int_equal(td_dates_through(dates, 2, n, 31, 49), 2);
    assert_true(checked > 1000);
}

/* The first day of a month in fewer steps: the day td_days_from_civil gives, for every month
 * of years -2 to 10001 and a few far out. */
static void test_eval_month_first_day_matches_civil(void **state)
{
    (void)state;
    for (int32_t m = -24; m < 12 * 10002; m++) {
        int32_t y = m >= 0 ? m / 12 : -((-m + 11) / 12);
        assert_int_equal(td_month_first_day(m),
                         td_days_from_civil(y, (uint32_t)(m - y * 12) + 1, 1));
    }
    assert_int_equal(td_month_first_day(2024 * 12 + 1), td_days_from_civil(2024, 2, 1));
    assert_int_equal(td_month_first_day(2024 * 12 + 2), td_days_from_civil(2024, 3, 1));
    assert_int_equal(td_month_first_day(1970 * 12), 0);
    assert_int_equal(td_month_first_day(12 * 100000 + 5), td_days_from_civil(100000, 6, 1));
    assert_int_equal(td_month_first_day(12 * 100000 - 7), td_days_from_civil(99999, 6, 1));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_eval_good_unit_has_no_finding, setup, teardown),
        cmocka_unit_test_setup_teardown(test_eval_reports_value_location_and_message, setup, teardown),
        cmocka_unit_test_setup_teardown(test_eval_absent_value_is_not_applicable, setup, teardown),
        cmocka_unit_test_setup_teardown(test_eval_missing_field_points_at_record, setup, teardown),
        cmocka_unit_test_setup_teardown(test_eval_due_downgrades_to_info, setup, teardown),
        cmocka_unit_test_setup_teardown(test_eval_workflow_checks, setup, teardown),
        cmocka_unit_test_setup_teardown(test_eval_month_gaps, setup, teardown),
        cmocka_unit_test_setup_teardown(test_eval_out_of_memory, setup, teardown),
        cmocka_unit_test(test_eval_dates_through_matches_a_scan),
        cmocka_unit_test(test_eval_month_first_day_matches_civil),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
