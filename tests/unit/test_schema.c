/* Unit tests of engine/schema.c: lookups, type names and the strict calendar.
 * Pipeline: used by resolve (names), load (parsing data) and eval (date arithmetic). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "schema.h"

static bool date_ok(const char *s)
{
    int32_t days;
    return td_parse_date(s, strlen(s), &days);
}

static int32_t date_of(const char *s)
{
    int32_t days = -1;
    assert_true(td_parse_date(s, strlen(s), &days));
    return days;
}

static void test_schema_epoch_and_known_days(void **state)
{
    (void)state;
    assert_int_equal(date_of("1970-01-01"), 0);
    assert_int_equal(date_of("1970-01-02"), 1);
    assert_int_equal(date_of("1969-12-31"), -1);
    assert_int_equal(date_of("2000-03-01"), 11017);
    assert_int_equal(date_of("2024-01-01"), 19723);
    assert_int_equal(date_of("2025-12-31"), 20453);
    assert_int_equal(td_days_from_civil(2024, 3, 28), date_of("2024-03-28"));
}

static void test_schema_leap_years(void **state)
{
    (void)state;
    assert_true(date_ok("2024-02-29"));
    assert_true(date_ok("2000-02-29"));
    assert_false(date_ok("2023-02-29"));
    assert_false(date_ok("1900-02-29"));
    assert_false(date_ok("2100-02-29"));
    assert_false(date_ok("2024-02-30"));
    assert_int_equal(date_of("2024-03-01") - date_of("2024-02-28"), 2);
    assert_int_equal(date_of("2023-03-01") - date_of("2023-02-28"), 1);
}

static void test_schema_rejects_bad_dates(void **state)
{
    (void)state;
    assert_false(date_ok("2024-13-01"));
    assert_false(date_ok("2024-00-10"));
    assert_false(date_ok("2024-01-00"));
    assert_false(date_ok("2024-01-32"));
    assert_false(date_ok("2024-04-31"));
    assert_true(date_ok("2024-04-30"));
    assert_true(date_ok("2024-12-31"));
    assert_false(date_ok("2024-1-05"));
    assert_false(date_ok("2024-01-5"));
    assert_false(date_ok("24-01-05"));
    assert_false(date_ok("2024-01-05 "));
    assert_false(date_ok("2024/01/05"));
    assert_false(date_ok("2O24-01-05"));
    assert_false(date_ok("2024-01-0a"));
    assert_false(date_ok("+024-01-05"));
    assert_false(date_ok(""));
    /* the length given is what counts, not the NUL */
    int32_t days;
    assert_false(td_parse_date("2024-01-05", 9, &days));
    assert_true(td_parse_date("2024-01-05xyz", 10, &days));
    assert_int_equal(days, date_of("2024-01-05"));
}

static void test_schema_round_trip(void **state)
{
    (void)state;
    char buf[11];
    int32_t from = date_of("1900-01-01"), to = date_of("2100-12-31");
    for (int32_t d = from; d <= to; d++) {
        td_format_date(d, buf);
        assert_int_equal(strlen(buf), 10);
        assert_int_equal(date_of(buf), d);
        int32_t y;
        uint32_t m, dd;
        td_civil_from_days(d, &y, &m, &dd);
        assert_int_equal(td_days_from_civil(y, m, dd), d);
        assert_int_equal(td_month_of_date(d), y * 12 + (int32_t)m - 1);
    }
    td_format_date(date_of("2024-02-29"), buf);
    assert_string_equal(buf, "2024-02-29");
    td_format_date(0, buf);
    assert_string_equal(buf, "1970-01-01");
}

static void test_schema_months(void **state)
{
    (void)state;
    int32_t m;
    assert_true(td_parse_month("2024-05", 7, &m));
    assert_int_equal(m, 2024 * 12 + 4);
    assert_true(td_parse_month("2024-12", 7, &m));
    assert_int_equal(m, 2024 * 12 + 11);
    assert_false(td_parse_month("2024-13", 7, &m));
    assert_false(td_parse_month("2024-00", 7, &m));
    assert_false(td_parse_month("2024-5", 6, &m));
    assert_false(td_parse_month("2024-05-01", 10, &m));
    assert_false(td_parse_month("2024/05", 7, &m));
    char buf[8];
    td_format_month(2024 * 12 + 4, buf);
    assert_string_equal(buf, "2024-05");
    td_format_month(2025 * 12 + 11, buf);
    assert_string_equal(buf, "2025-12");
    assert_int_equal(td_month_of_date(date_of("2024-05-31")), 2024 * 12 + 4);
    assert_int_equal(td_month_of_date(date_of("2024-06-01")), 2024 * 12 + 5);
    for (int32_t x = 1900 * 12; x < 2100 * 12; x++) {
        td_format_month(x, buf);
        assert_true(td_parse_month(buf, 7, &m));
        assert_int_equal(m, x);
    }
}

static void test_schema_date_problem_explains(void **state)
{
    (void)state;
    char buf[128];
    assert_string_equal(td_date_problem(TD_LANG_EN, "2024-02-30", 10, buf, sizeof buf),
                        "February 2024 has 29 days");
    assert_string_equal(td_date_problem(TD_LANG_EN, "2023-02-29", 10, buf, sizeof buf),
                        "February 2023 has 28 days");
    assert_string_equal(td_date_problem(TD_LANG_EN, "2024-04-31", 10, buf, sizeof buf),
                        "April 2024 has 30 days");
    assert_string_equal(td_date_problem(TD_LANG_EN, "2024-13-01", 10, buf, sizeof buf),
                        "month 13 does not exist");
    assert_string_equal(td_date_problem(TD_LANG_EN, "2024-05-00", 10, buf, sizeof buf),
                        "day 00 does not exist");
    assert_string_equal(td_date_problem(TD_LANG_EN, "15/04/2024", 10, buf, sizeof buf),
                        "write the date as YYYY-MM-DD");
    assert_string_equal(td_date_problem(TD_LANG_EN, "2024-4-15", 9, buf, sizeof buf),
                        "write the date as YYYY-MM-DD");
    assert_null(td_date_problem(TD_LANG_EN, "2024-02-29", 10, buf, sizeof buf));
}

static const char *level_codes[] = { "huyen", "xa", "ap" };
static const td_enum level_enum = { "level", level_codes, NULL, 3 };
static const td_type t_text = { TD_T_TEXT, NULL, NULL, NULL };
static const td_type t_level = { TD_T_ENUM, &level_enum, NULL, NULL };
static td_field ex_fields[] = {
    { "id", NULL, &t_text, true, 0 },
    { "name", NULL, &t_text, false, 1 },
};
static td_define ex_defines[] = { { .name = "counted" } };
static const td_record ex_rec = { .name = "exemplar", .fields = ex_fields, .n_fields = 2,
                                  .defines = ex_defines, .n_defines = 1 };
static const td_type t_ex = { TD_T_RECORD, NULL, &ex_rec, NULL };
static const td_type t_exs = { TD_T_LIST, NULL, NULL, &t_ex };
static const td_type t_levels = { TD_T_LIST, NULL, NULL, &t_level };

static void test_schema_type_names(void **state)
{
    (void)state;
    char buf[128];
    static const td_type t_date = { TD_T_DATE, NULL, NULL, NULL };
    static const td_type t_month = { TD_T_MONTH, NULL, NULL, NULL };
    static const td_type t_dates = { TD_T_LIST, NULL, NULL, &t_date };
    assert_string_equal(td_type_name(&t_text, buf, sizeof buf), "text");
    assert_string_equal(td_type_name(&t_date, buf, sizeof buf), "date (YYYY-MM-DD)");
    assert_string_equal(td_type_name(&t_month, buf, sizeof buf), "month (YYYY-MM)");
    assert_string_equal(td_type_name(&t_level, buf, sizeof buf), "one of huyen, xa, ap");
    assert_string_equal(td_type_name(&t_ex, buf, sizeof buf), "exemplar");
    assert_string_equal(td_type_name(&t_exs, buf, sizeof buf), "list of exemplar");
    assert_string_equal(td_type_name(&t_dates, buf, sizeof buf), "list of date (YYYY-MM-DD)");
    assert_string_equal(td_type_name(&t_levels, buf, sizeof buf), "list of level (huyen, xa, ap)");
    /* a small buffer is cut, never overflowed */
    char small[12];
    td_type_name(&t_level, small, sizeof small);
    assert_int_equal(strlen(small), sizeof small - 1);
    assert_string_equal(small + strlen(small) - 3, "...");
}

static void test_schema_lookups(void **state)
{
    (void)state;
    assert_ptr_equal(td_record_field(&ex_rec, "name"), &ex_fields[1]);
    assert_null(td_record_field(&ex_rec, "nam"));
    assert_ptr_equal(td_record_define(&ex_rec, "counted"), &ex_defines[0]);
    assert_null(td_record_define(&ex_rec, "name"));
    assert_int_equal(td_enum_index(&level_enum, "xa", 2), 1);
    assert_int_equal(td_enum_index(&level_enum, "xaa", 2), 1);  /* only len bytes count */
    assert_int_equal(td_enum_index(&level_enum, "x", 1), -1);
    assert_int_equal(td_enum_index(&level_enum, "huyenx", 6), -1);
    assert_int_equal(td_enum_index(&level_enum, "ap", 2), 2);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_schema_epoch_and_known_days),
        cmocka_unit_test(test_schema_leap_years),
        cmocka_unit_test(test_schema_rejects_bad_dates),
        cmocka_unit_test(test_schema_round_trip),
        cmocka_unit_test(test_schema_months),
        cmocka_unit_test(test_schema_date_problem_explains),
        cmocka_unit_test(test_schema_type_names),
        cmocka_unit_test(test_schema_lookups),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
