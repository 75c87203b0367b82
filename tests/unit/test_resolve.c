/* Unit tests of resolve: names, types, imports, overlays and -D, on small rule texts. */
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
#include "program.h"
#include "braces.h"
#include "resolve.h"

static const char *SCHEMA =
    "enum level { huyen xa ap }\n"
    "enum exemplar_type { individual collective }\n"
    "record step { optional step: int  optional date: date  optional evidence: text }\n"
    "record plan { optional start: date  optional end: date  optional title: text\n"
    "              optional contents: list of text }\n"
    "record exemplar { required type: exemplar_type  optional name: text\n"
    "                  optional steps: list of step  optional plan: plan }\n"
    "record info { required id: text  required level: level }\n"
    "record unit_file { required unit: info  optional plan: plan\n"
    "                   optional exemplars: list of exemplar }\n"
    "document unit_file\n"
    "param total = 100 \"Tổng\" cite \"II.2.1\"\n"
    "param period_end = 2025-12-31 cite \"II.2.3\"\n";

/* Rule texts held in memory: the tests compile them with td_program_compile_texts, so
 * that no file is written. */
typedef struct fixture {
    td_rule_text texts[8];      /* names and texts owned */
    size_t n_texts;
    td_diag d;
    td_program *p;
} fixture;

static int setup(void **state)
{
    fixture *f = calloc(1, sizeof *f);
    td_diag_init(&f->d);
    *state = f;
    return 0;
}

static void forget_texts(fixture *f)
{
    for (size_t i = 0; i < f->n_texts; i++) {
        free((char *)f->texts[i].name);
        free((char *)f->texts[i].text);
    }
    f->n_texts = 0;
}

static int teardown(void **state)
{
    fixture *f = *state;
    forget_texts(f);
    td_program_free(f->p);
    td_diag_free(&f->d);
    free(f);
    return 0;
}

/* Adds (or replaces) the rule text `name`. */
static void add_text(fixture *f, const char *name, const char *text)
{
    size_t i = 0;
    while (i < f->n_texts && strcmp(f->texts[i].name, name) != 0)
        i++;
    assert_true(i < 8);
    if (i == f->n_texts) {
        f->n_texts++;
        f->texts[i].name = strdup(name);
    } else {
        free((char *)f->texts[i].text);
    }
    f->texts[i].text = strdup(text);
    f->texts[i].len = strlen(text);
}

/* Compiles the texts with `entry` as the entry file. */
static td_status compile_entry(fixture *f, const char *entry, const char *const *defines,
                               size_t n_defines)
{
    td_rule_text order[8];
    size_t n = 0;
    for (size_t i = 0; i < f->n_texts; i++)
        if (strcmp(f->texts[i].name, entry) == 0)
            order[n++] = f->texts[i];
    assert_int_equal(n, 1);
    for (size_t i = 0; i < f->n_texts; i++)
        if (strcmp(f->texts[i].name, entry) != 0)
            order[n++] = f->texts[i];
    td_program_free(f->p);
    f->p = NULL;
    td_diag_clear(&f->d);
    return td_program_compile_texts(order, n, defines, n_defines, &f->d, &f->p);
}

static td_status compile_text(fixture *f, const char *rules)
{
    char *all = malloc(strlen(SCHEMA) + strlen(rules) + 1);
    strcpy(all, SCHEMA);
    strcat(all, rules);
    add_text(f, "main.rules", all);
    free(all);
    return compile_entry(f, "main.rules", NULL, 0);
}

static const td_diagnostic *first_error(fixture *f)
{
    for (size_t i = 0; i < f->d.n; i++)
        if (f->d.items[i].sev == TD_SEV_ERROR)
            return &f->d.items[i];
    return NULL;
}

static void test_resolve_good_criterion(void **state)
{
    fixture *f = *state;
    assert_int_equal(compile_text(f, "criterion plan.dates \"Có thời gian\" cite \"II.2.2\"\n"
                                     "  on plan, exemplars.plan error\n"
                                     "  require present(start) and start <= end\n"),
                     TD_OK);
    assert_int_equal(f->p->n_criteria, 1);
    assert_int_equal(f->p->criteria[0].n_variants, 2);
    assert_string_equal(f->p->criteria[0].cite, "II.2.2");
}

static void test_resolve_suggests_field(void **state)
{
    fixture *f = *state;
    assert_int_equal(compile_text(f, "criterion plan.dates \"x\" cite \"II.2.2\" on plan error\n"
                                     "  require present(strat)\n"),
                     TD_EINPUT);
    const td_diagnostic *e = first_error(f);
    assert_non_null(e);
    assert_string_equal(e->code, "unknown-name");
    assert_non_null(strstr(e->message, "strat"));
    assert_non_null(e->hint);
    assert_non_null(strstr(e->hint, "'start'"));
    assert_int_equal(e->line, 15);
}

static void test_resolve_type_mismatch(void **state)
{
    fixture *f = *state;
    assert_int_equal(compile_text(f, "criterion plan.x \"x\" cite \"II.2.2\" on plan error\n"
                                     "  require start <= 3\n"),
                     TD_EINPUT);
    const td_diagnostic *e = first_error(f);
    assert_non_null(e);
    assert_string_equal(e->code, "type");
    assert_non_null(strstr(e->message, "cannot compare"));
}

static void test_resolve_enum_value_from_other_side(void **state)
{
    fixture *f = *state;
    assert_int_equal(compile_text(f, "criterion ex.c \"x\" cite \"II.2.2\"\n"
                                     "  on exemplars where collective == type error\n"
                                     "  require present(plan)\n"
                                     "criterion ex.d \"x\" cite \"II.2.2\"\n"
                                     "  on exemplars where type == colective error\n"
                                     "  require present(plan)\n"),
                     TD_EINPUT);
    const td_diagnostic *e = first_error(f);
    assert_non_null(e);
    assert_non_null(strstr(e->message, "colective"));
    assert_non_null(e->hint);
    assert_non_null(strstr(e->hint, "collective"));
}

static void test_resolve_missing_cite(void **state)
{
    fixture *f = *state;
    assert_int_equal(compile_text(f, "criterion plan.x \"x\" on plan error require present(end)\n"),
                     TD_EINPUT);
    const td_diagnostic *e = first_error(f);
    assert_non_null(e);
    assert_string_equal(e->code, "missing-cite");
}

static void test_resolve_duplicate_rule_and_replace(void **state)
{
    fixture *f = *state;
    const char *crit = "criterion plan.x \"x\" cite \"II.2.2\" on plan error require present(end)\n";
    char buf[1024];
    snprintf(buf, sizeof buf, "%s%s", crit, crit);
    assert_int_equal(compile_text(f, buf), TD_EINPUT);
    assert_string_equal(first_error(f)->code, "duplicate-rule");
    snprintf(buf, sizeof buf, "%sreplace criterion plan.x \"y\" cite \"II.2.2\" on plan warning "
                              "require present(start)\n", crit);
    assert_int_equal(compile_text(f, buf), TD_OK);
    assert_int_equal(f->p->n_criteria, 1);
    assert_int_equal(f->p->criteria[0].severity, TD_SEV_WARNING);
    assert_int_equal(compile_text(f, "replace criterion plan.nope \"y\" cite \"II.2.2\" on plan "
                                     "warning require present(start)\n"),
                     TD_EINPUT);
    assert_string_equal(first_error(f)->code, "unknown-rule");
}

static void test_resolve_disable_and_set(void **state)
{
    fixture *f = *state;
    assert_int_equal(compile_text(f, "criterion plan.x \"x\" cite \"II.2.2\" on plan error "
                                     "require present(end)\n"
                                     "disable plan.x because \"không áp dụng\"\n"
                                     "set total = 80\n"),
                     TD_OK);
    assert_int_equal(f->p->n_criteria, 0);
    assert_int_equal(f->p->params[0].value.u.i, 80);
    assert_int_equal(compile_text(f, "set totl = 80\n"), TD_EINPUT);
    assert_non_null(strstr(first_error(f)->hint, "total"));
}

static void test_resolve_define_override(void **state)
{
    fixture *f = *state;
    add_text(f, "d.rules", SCHEMA);
    const char *defs[] = {"total=75", "period_end=2025-11-30"};
    assert_int_equal(compile_entry(f, "d.rules", defs, 2), TD_OK);
    assert_int_equal(f->p->params[0].value.u.i, 75);
    char date[11];
    td_format_date(f->p->params[1].value.u.days, date);
    assert_string_equal(date, "2025-11-30");
    const char *bad[] = {"period_end=2025-02-30"};
    assert_int_equal(compile_entry(f, "d.rules", bad, 1), TD_EINPUT);
}

/* A declared range bounds the param's own value, each value of a `set` and each -D; the
 * bounds are inclusive and either may be left out. */
static void test_resolve_param_range(void **state)
{
    fixture *f = *state;
    static const char *base = "param need = 5 \"Cần\" cite \"II.2.1\" range 0 .. 10\n"
                              "param day = 2024-06-01 \"Ngày\" cite \"II.2.1\" range 2024-01-01 ..\n";
    char text[512];
    snprintf(text, sizeof text, "%sset need = 10\n", base);
    assert_int_equal(compile_text(f, text), TD_OK);
    assert_int_equal(f->p->params[2].value.u.i, 10);
    snprintf(text, sizeof text, "%sset need = 11\n", base);
    assert_int_equal(compile_text(f, text), TD_EINPUT);
    assert_string_equal(first_error(f)->code, "param-range");
    assert_int_equal(first_error(f)->line, 16);
    assert_non_null(strstr(first_error(f)->hint, "from 0 to 10"));
    snprintf(text, sizeof text, "%sset need = 1, -1 from 2025-01-01\n", base);
    assert_int_equal(compile_text(f, text), TD_EINPUT);
    assert_string_equal(first_error(f)->code, "param-range");
    snprintf(text, sizeof text, "%sset day = 2023-12-31\n", base);
    assert_int_equal(compile_text(f, text), TD_EINPUT);
    assert_non_null(strstr(first_error(f)->hint, "2024-01-01 or more"));

    add_text(f, "r.rules", base);
    add_text(f, "s.rules", SCHEMA);
    snprintf(text, sizeof text, "import \"s.rules\"\nimport \"r.rules\"\n");
    add_text(f, "m.rules", text);
    const char *ok[] = {"need=0"};
    assert_int_equal(compile_entry(f, "m.rules", ok, 1), TD_OK);
    const char *out[] = {"need=-1"};
    assert_int_equal(compile_entry(f, "m.rules", out, 1), TD_EINPUT);
    assert_string_equal(first_error(f)->code, "define");
    assert_non_null(strstr(first_error(f)->message, "-D need=-1"));
    const char *kind[] = {"need=năm"};
    assert_int_equal(compile_entry(f, "m.rules", kind, 1), TD_EINPUT);
    assert_non_null(strstr(first_error(f)->hint, "a whole number from 0 to 10"));

    assert_int_equal(compile_text(f, "param t = \"x\" cite \"II.2.1\" range 0 .. 1\n"), TD_EINPUT);
    assert_int_equal(compile_text(f, "param n = 5 cite \"II.2.1\" range 6 .. 1\n"), TD_EINPUT);
    assert_int_equal(compile_text(f, "param n = 5 cite \"II.2.1\" range 2024-01-01 ..\n"),
                     TD_EINPUT);
}

static void test_resolve_import_cycle(void **state)
{
    fixture *f = *state;
    add_text(f, "a.rules", "import \"b.rules\"\n");
    add_text(f, "b.rules", "import \"a.rules\"\n");
    assert_int_equal(compile_entry(f, "a.rules", NULL, 0), TD_EINPUT);
    const td_diagnostic *e = first_error(f);
    assert_non_null(e);
    assert_string_equal(e->code, "import-cycle");
    assert_non_null(strstr(e->message, "a.rules -> "));
    assert_non_null(strstr(e->message, "b.rules -> "));
}

static void test_resolve_missing_import(void **state)
{
    fixture *f = *state;
    assert_int_equal(compile_text(f, "import \"nowhere.rules\"\n"), TD_EINPUT);
    assert_string_equal(first_error(f)->code, "import-missing");
}

static void test_resolve_workflow(void **state)
{
    fixture *f = *state;
    assert_int_equal(compile_text(f, "workflow ex.steps \"Quy trình\" cite \"II.2.2\" on exemplars\n"
                                     "  history steps state step dated date evidence evidence\n"
                                     "  stage 1 \"Một\" stage 2 \"Hai\" stage 3 \"Ba\"\n"
                                     "  initial 1 transitions 1 -> 2, 2 -> 3\n"
                                     "  guard 2 \"g\" require date >= 2024-01-01\n"
                                     "disable ex.steps.future because \"thử\"\n"),
                     TD_OK);
    assert_int_equal(f->p->n_workflows, 1);
    const td_workflow *w = &f->p->workflows[0];
    assert_int_equal(w->n_stages, 3);
    assert_true(w->initial[0]);
    assert_false(w->initial[1]);
    assert_true(w->allowed[0 * 3 + 1]);
    assert_false(w->allowed[0 * 3 + 2]);
    assert_int_equal(w->n_guards, 1);
    assert_true(w->off[TD_WF_FUTURE]);
    assert_false(w->off[TD_WF_ORDER]);
    assert_int_equal(compile_text(f, "workflow ex.steps \"Quy trình\" cite \"II.2.2\" on exemplars\n"
                                     "  history steps state step dated date evidence evidence\n"
                                     "  stage 1 \"Một\" transitions 1 -> 7\n"),
                     TD_EINPUT);
    assert_string_equal(first_error(f)->code, "unknown-stage");
}

static void test_resolve_target_requirement_constant(void **state)
{
    fixture *f = *state;
    assert_int_equal(compile_text(f, "target ex.total \"Tổng\" cite \"II.2.1\" count exemplars\n"
                                     "  by unit.level at least total due period_end\n"),
                     TD_OK);
    assert_int_equal(f->p->n_targets, 1);
    assert_non_null(f->p->targets[0].by);
    assert_int_equal(compile_text(f, "target ex.total \"Tổng\" cite \"II.2.1\" count exemplars\n"
                                     "  at least count(steps)\n"),
                     TD_EINPUT);
}

static void test_resolve_message_interpolation(void **state)
{
    fixture *f = *state;
    assert_int_equal(compile_text(f, "criterion plan.x \"x\" cite \"II.2.2\" on plan error\n"
                                     "  require start <= end message \"từ {start} đến {end}\"\n"),
                     TD_OK);
    const td_msg *m = &f->p->criteria[0].variants[0].message;
    assert_int_equal(m->n, 2);
    assert_string_equal(m->text[0], "từ ");
    assert_string_equal(m->text[1], " đến ");
    assert_string_equal(m->text[2], "");
    assert_int_equal(compile_text(f, "criterion plan.x \"x\" cite \"II.2.2\" on plan error\n"
                                     "  require start <= end message \"từ {strt}\"\n"),
                     TD_EINPUT);
    assert_string_equal(first_error(f)->code, "unknown-name");
}

static void test_resolve_defines_in_any_order(void **state)
{
    fixture *f = *state;
    assert_int_equal(compile_text(f, "define exemplar.b = a and true\n"
                                     "define exemplar.a = any steps have step == 1\n"
                                     "criterion ex.b \"x\" cite \"II.2.2\" on exemplars error require b\n"),
                     TD_OK);
    assert_int_equal(compile_text(f, "define exemplar.a = b\ndefine exemplar.b = a\n"),
                     TD_EINPUT);
    assert_string_equal(first_error(f)->code, "define-cycle");
}

/* Every allocation of a compilation can fail: the compiler then returns TD_ENOMEM and no
 * program, and never crashes nor leaks (ASan in make check). Arena failure is sticky and
 * checked once per stage, so the loop also proves that no stage goes on past a failure. */
static void test_resolve_fault_injection(void **state)
{
    fixture *f = *state;
    char *main_text = NULL;
    size_t len = 0;
    FILE *m = open_memstream(&main_text, &len);
    assert_non_null(m);
    fprintf(m, "import \"schema.rules\"\n"
               "plan \"1-KH\" \"Kế hoạch\" by \"Ban\" dated 2024-01-02 period 2024-01-01 .. 2025-12-31\n"
               "set total = 90\n"
               "define exemplar.counted \"Được tính\" = any steps have step == 1\n"
               "define unit_file.id \"Mã\" = unit.id\n"
               "criterion plan.dates \"Có thời gian\" cite \"II.2.2\" on plan, exemplars.plan error\n"
               "  let d = end - start\n"
               "  require present(start) and start <= end\n"
               "  message \"Kế hoạch từ {start} đến {end} ({d} ngày)\"\n"
               "workflow ex.steps \"Quy trình\" cite \"II.2.2\" on exemplars\n"
               "  history steps state step dated date evidence evidence\n"
               "  stage 1 \"Một\" stage 2 \"Hai\" initial 1 transitions 1 -> 2\n"
               "  guard 2 \"g\" require date >= 2024-01-01\n"
               "target ex.total \"Tổng\" cite \"II.2.1\" count exemplars where counted\n"
               "  by unit.level at least total due period_end\n"
               "note \"III.3\" \"Nghiêm túc\" because \"nothing to measure\"\n");
    assert_int_equal(fclose(m), 0);
    td_rule_text texts[] = {{"main.rules", main_text, len}, {"schema.rules", SCHEMA, strlen(SCHEMA)}};
    td_status st = TD_ENOMEM;
    int n = 1;
    for (; st != TD_OK && n < 100000; n++) {
        td_diag_clear(&f->d);
        td_program *p = NULL;
        st = td_compile_with_faults(texts, 2, n, &f->d, &p);
        if (st != TD_OK) {
            assert_int_equal(st, TD_ENOMEM);
            assert_null(p);
        }
        td_program_free(p);
    }
    assert_int_equal(st, TD_OK);
    assert_true(n > 50); /* the loop did go through the whole compilation */
    free(main_text);
}

/* The same over an overlay: replace, disable, extend of an enum, a record and a workflow, a
 * dated set and a waiver of one exemplar, each recorded in the program (changes, disabled). */
static void test_resolve_fault_injection_overlay(void **state)
{
    fixture *f = *state;
    static const char *base =
    "import \"schema.rules\"\n"
    "plan \"1-KH\" \"Kế hoạch\" by \"Ban\" dated 2024-01-02 period 2024-01-01 .. 2025-12-31\n"
    "define unit_file.id \"Mã\" = unit.id\n"
    "index exemplar.ids \"Mã\" cite \"II.2.1\" on exemplars key name\n"
    "criterion plan.dates \"Có thời gian\" cite \"II.2.2\" on plan error\n"
    "  require present(start) and start <= end\n"
    "criterion plan.title \"Có tên\" cite \"II.2.2\" on plan error\n"
    "  require present(title)\n"
    "workflow ex.steps \"Quy trình\" cite \"II.2.2\" on exemplars\n"
    "  history steps state step dated date evidence evidence\n"
    "  stage 1 \"Một\" stage 2 \"Hai\" initial 1 transitions 1 -> 2\n"
    "target ex.total \"Tổng\" cite \"II.2.1\" count exemplars at least total due period_end\n";
    static const char *overlay =
    "import \"base.rules\"\n"
    "plan \"2-KH\" \"Kế hoạch xã\"\n"
    "extend enum level { tinh \"Tỉnh\" }\n"
    "extend plan { required title: text }\n"
    "set total = 60 until 2024-12-31, 80\n"
    "replace criterion plan.dates \"Có thời gian (xã)\" cite \"II.2.2\" on plan warning\n"
    "  require present(end)\n"
    "disable plan.title because \"Xã không yêu cầu\"\n"
    "extend workflow ex.steps\n"
    "  stage 3 \"Ba\" after 2\n"
    "waive plan.dates \"CT-1\" exemplar \"A\" because \"Lý do\" by \"Ban\" in \"CV 1\" dated 2025-01-02 until 2025-12-31\n";
    td_rule_text texts[] = {{"overlay.rules", overlay, strlen(overlay)},
                            {"base.rules", base, strlen(base)},
                            {"schema.rules", SCHEMA, strlen(SCHEMA)}};
    td_status st = TD_ENOMEM;
    int n = 1;
    for (; st != TD_OK && n < 100000; n++) {
        td_diag_clear(&f->d);
        td_program *p = NULL;
        st = td_compile_with_faults(texts, 3, n, &f->d, &p);
        if (st != TD_OK) {
            assert_int_equal(st, TD_ENOMEM);
            assert_null(p);
        }
        td_program_free(p);
    }
    assert_int_equal(st, TD_OK);
    assert_int_equal(f->d.errors, 0);
    assert_true(n > 50); /* the loop did go through the whole compilation */
}

/* The reader of `{…}` holes shared by labels and messages: text with its escapes undone,
 * each hole's braces, an unclosed brace, and a brace written as \{. */
static void test_braces_reader(void **state)
{
    (void)state;
    static const char raw[] = "Ki\\{e\\u0300}m {a.b} tra\\n{ x }!";
    char buf[sizeof raw];
    td_braces b;
    size_t open = 0, close = 0;
    td_braces_init(&b, raw, sizeof raw - 1, buf);
    assert_int_equal(td_braces_next(&b, &open, &close), TD_BRACES_HOLE);
    assert_string_equal(buf, "Ki{eu0300}m ");
    assert_int_equal(b.len, 12);
    assert_memory_equal(raw + open, "{a.b}", close - open + 1);
    assert_int_equal(td_braces_next(&b, &open, &close), TD_BRACES_HOLE);
    assert_string_equal(buf, " tra\n");
    assert_memory_equal(raw + open + 1, " x ", close - open - 1);
    assert_int_equal(td_braces_next(&b, &open, &close), TD_BRACES_END);
    assert_string_equal(buf, "!");

    static const char bad[] = "a {b {c}";
    char buf2[sizeof bad];
    td_braces_init(&b, bad, sizeof bad - 1, buf2);
    assert_int_equal(td_braces_next(&b, &open, &close), TD_BRACES_UNCLOSED);
    assert_int_equal(open, 2);
    assert_string_equal(buf2, "a ");
    assert_int_equal(td_braces_next(&b, &open, &close), TD_BRACES_END);
    td_braces_init(&b, "x {", 3, buf2);
    assert_int_equal(td_braces_next(&b, &open, &close), TD_BRACES_UNCLOSED);
    assert_int_equal(open, 2);
    /* a backslash that ends the string is kept as written */
    td_braces_init(&b, "x\\", 2, buf2);
    assert_int_equal(td_braces_next(&b, &open, &close), TD_BRACES_END);
    assert_string_equal(buf2, "x\\");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_resolve_fault_injection, setup, teardown),
        cmocka_unit_test_setup_teardown(test_resolve_fault_injection_overlay, setup, teardown),
        cmocka_unit_test_setup_teardown(test_resolve_good_criterion, setup, teardown),
        cmocka_unit_test_setup_teardown(test_resolve_suggests_field, setup, teardown),
        cmocka_unit_test_setup_teardown(test_resolve_type_mismatch, setup, teardown),
        cmocka_unit_test_setup_teardown(test_resolve_enum_value_from_other_side, setup, teardown),
        cmocka_unit_test_setup_teardown(test_resolve_missing_cite, setup, teardown),
        cmocka_unit_test_setup_teardown(test_resolve_duplicate_rule_and_replace, setup, teardown),
        cmocka_unit_test_setup_teardown(test_resolve_disable_and_set, setup, teardown),
        cmocka_unit_test_setup_teardown(test_resolve_define_override, setup, teardown),
        cmocka_unit_test_setup_teardown(test_resolve_param_range, setup, teardown),
        cmocka_unit_test_setup_teardown(test_resolve_import_cycle, setup, teardown),
        cmocka_unit_test_setup_teardown(test_resolve_missing_import, setup, teardown),
        cmocka_unit_test_setup_teardown(test_resolve_workflow, setup, teardown),
        cmocka_unit_test_setup_teardown(test_resolve_target_requirement_constant, setup, teardown),
        cmocka_unit_test_setup_teardown(test_resolve_message_interpolation, setup, teardown),
        cmocka_unit_test_setup_teardown(test_resolve_defines_in_any_order, setup, teardown),
        cmocka_unit_test(test_braces_reader),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
