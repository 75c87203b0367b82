/* Unit tests of the public API alone (include/thidua.h): diagnostics on the heap, rules
 * compiled from texts in memory, one unit validated from a text, what a program holds. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "thidua.h"

static const char *SCHEMA =
    "record info { required id: text  optional name: text }\n"
    "record unit_file cite \"II.1.1\" { required unit: info }\n"
    "document unit_file\n"
    "define unit_file.id \"Mã\" = unit.id\n";

static const char *RULE =
    "import \"schema.rules\"\n"
    "param min_len = 3 \"Độ dài tối thiểu\" cite \"II.2.2\"\n"
    "criterion unit.named \"Đơn vị có tên\" cite \"II.2.2\" on unit error\n"
    "  require present(name)\n";

static td_status compile(td_diag *d, td_program **p)
{
    td_rule_text texts[] = {
        {"mem/main.rules", RULE, strlen(RULE)},
        {"mem/schema.rules", SCHEMA, strlen(SCHEMA)},
    };
    return td_program_compile_texts(texts, 2, NULL, 0, d, p);
}

static void test_api_compile_texts_with_import(void **state)
{
    (void)state;
    td_diag *d = td_diag_new();
    td_program *p = NULL;
    assert_int_equal(compile(d, &p), TD_OK);
    assert_int_equal(td_diag_count(d, TD_SEV_ERROR), 0);
    td_program_summary s;
    td_program_counts(p, &s);
    assert_int_equal(s.criteria, 1);
    assert_int_equal(s.params, 1);
    /* the items: the criterion, then the param with its value and where it is written */
    size_t n = td_program_items(p);
    bool found = false;
    for (size_t i = 0; i < n; i++) {
        td_item it;
        assert_true(td_program_item(p, i, &it));
        if (it.kind != TD_ITEM_PARAM)
            continue;
        found = true;
        assert_string_equal(it.id, "min_len");
        assert_string_equal(it.kind_name, "param");
        assert_string_equal(it.file, "mem/main.rules");
        assert_int_equal(it.line, 2);
        char *v = td_program_item_value(p, i, TD_LANG_EN);
        assert_string_equal(v, "3");
        free(v);
    }
    assert_true(found);
    td_item it;
    assert_false(td_program_item(p, n, &it));
    td_program_free(p);
    td_diag_delete(d);
}

static void test_api_compile_text_errors_name_the_text(void **state)
{
    (void)state;
    const char *bad = "criterion x \"x\" cite \"I\" on nothing error require 1\n";
    td_rule_text t = {"<buffer>", bad, strlen(bad)};
    td_diag *d = td_diag_new();
    td_program *p = NULL;
    assert_int_equal(td_program_compile_texts(&t, 1, NULL, 0, d, &p), TD_EINPUT);
    assert_null(p);
    assert_true(td_diag_count(d, TD_SEV_ERROR) >= 1);
    td_diag_info e;
    td_diagnostic_info(td_diag_item(d, 0), &e);
    assert_string_equal(e.file, "<buffer>");
    assert_int_equal(e.line, 1);
    assert_null(td_diag_item(d, td_diag_size(d)));
    td_diag_delete(d);
}

static void test_api_missing_import_is_a_finding(void **state)
{
    (void)state;
    const char *text = "import \"nowhere.rules\"\n";
    td_rule_text t = {"a.rules", text, strlen(text)};
    td_diag *d = td_diag_new();
    td_program *p = NULL;
    assert_int_equal(td_program_compile_texts(&t, 1, NULL, 0, d, &p), TD_EINPUT);
    td_diag_info e;
    td_diagnostic_info(td_diag_item(d, 0), &e);
    assert_string_equal(e.code, "import-missing");
    td_diag_delete(d);
}

static void test_api_overlay_in_memory_imports_builtin(void **state)
{
    (void)state;
    const char *text = "import \"chau-thanh.rules\"\nset district_total = 80\n";
    td_rule_text t = {"rules/ben-tre/mine.rules", text, strlen(text)};
    td_program *p = NULL;
    assert_int_equal(td_program_compile_texts(&t, 1, NULL, 0, NULL, &p), TD_OK);
    td_plan plan;
    td_program_plan(p, &plan);
    assert_string_equal(plan.number, "58-KH/BDVHU");
    td_program_free(p);
}

static void test_api_null_diag_is_accepted(void **state)
{
    (void)state;
    td_program *p = NULL;
    assert_int_equal(compile(NULL, &p), TD_OK);
    const char *yaml = "unit: {id: A}\n";
    assert_int_equal(td_validate_text(p, "u.yaml", yaml, strlen(yaml), 0, NULL), TD_EINPUT);
    td_diag_print(NULL, stderr, false, 0, NULL, NULL);
    td_diag_clear(NULL);
    assert_int_equal(td_diag_size(NULL), 0);
    td_diag_delete(NULL);
    td_program_free(p);
}

static void test_api_validate_text(void **state)
{
    (void)state;
    td_program *p = NULL;
    assert_int_equal(compile(NULL, &p), TD_OK);
    td_diag *d = td_diag_new();
    const char *good = "unit: {id: A, name: Hội}\n";
    assert_int_equal(td_validate_text(p, "good.yaml", good, strlen(good), 0, d), TD_OK);
    assert_int_equal(td_diag_size(d), 0);
    /* two documents with one id: the second is told, as `thidua validate` tells it */
    const char *twice = "unit: {id: A, name: X}\n---\nunit: {id: A, name: Y}\n";
    assert_int_equal(td_validate_text(p, "twice.yaml", twice, strlen(twice), 0, d), TD_EINPUT);
    assert_int_equal(td_diag_count(d, TD_SEV_ERROR), 1);
    td_diag_info e;
    td_diagnostic_info(td_diag_item(d, 0), &e);
    assert_string_equal(e.code, "batch.duplicate_id");
    assert_string_equal(e.file, "twice.yaml");
    assert_int_equal(e.line, 3);
    assert_non_null(strstr(e.message, "twice.yaml:1"));
    td_diag_clear(d);
    const char *missing = "unit: {id: B}\n";
    assert_int_equal(td_validate_text(p, "m.yaml", missing, strlen(missing), 0, d), TD_EINPUT);
    td_diagnostic_info(td_diag_item(d, 0), &e);
    assert_string_equal(e.rule, "unit.named");
    assert_string_equal(e.cite, "II.2.2");
    td_diag_delete(d);
    td_program_free(p);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_api_compile_texts_with_import),
        cmocka_unit_test(test_api_compile_text_errors_name_the_text),
        cmocka_unit_test(test_api_missing_import_is_a_finding),
        cmocka_unit_test(test_api_overlay_in_memory_imports_builtin),
        cmocka_unit_test(test_api_null_diag_is_accepted),
        cmocka_unit_test(test_api_validate_text),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
