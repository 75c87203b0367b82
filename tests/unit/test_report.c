/* Unit tests of the reports: JSON string escaping, CSV quoting and the byte-order mark, HTML
 * escaping of hostile names (in the page and in its print style), Vietnamese numbers, the
 * text verdicts and the 20-errors-per-file cap. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "report.h"
#include "report_html.h"

static const char *RULES =
    "plan \"58-KH/BDVHU\" \"Kế hoạch <thi đua> & \\\"Đồng Khởi mới\\\"\"\n"
    "enum level { huyen xa ap }\n"
    "record step { optional step: int  optional date: date  optional evidence: text }\n"
    "record exemplar { optional name: text  optional steps: list of step }\n"
    "record info { required id: text  optional name: text  required level: level\n"
    "              optional commune: text }\n"
    "record unit_file { required unit: info  optional exemplars: list of exemplar }\n"
    "document unit_file\n"
    "define unit_file.id = unit.id\n"
    "define unit_file.name = unit.name\n"
    "define unit_file.level = unit.level\n"
    "define unit_file.group = unit.commune\n"
    "define exemplar.counted = any steps have step == 1 and date <= as_of\n"
    "criterion unit.exemplars \"Có điển hình\" cite \"II.2.1\" on document error\n"
    "  require count(exemplars where counted) >= 1\n"
    "target ex.total \"Tổng\" cite \"II.2.1\" count exemplars where counted\n"
    "  at least 4 due 2025-12-31\n"
    "target ex.by_commune \"Theo xã\" cite \"III.1\" count exemplars where counted\n"
    "  by unit.commune\n"
    "workflow ex.steps \"Quy trình\" cite \"II.2.2\" on exemplars\n"
    "  history steps state step dated date evidence evidence\n"
    "  stage 1 \"Một\" stage 2 \"Hai\"\n"
    "  initial 1 transitions 1 -> 2\n";

static const char *HOSTILE =
    "unit:\n"
    "  id: \"X<1>&'2'\"\n"
    "  name: <script>alert(1)</script>\n"
    "  level: xa\n"
    "  commune: \"<img src=x onerror=alert(1)>\"\n"
    "exemplars:\n"
    "  - name: \"\\\"Tổ\\\" <b>\"\n"
    "    steps: [{step: 1, date: 2024-05-31, evidence: Biên bản}]\n";

typedef struct fixture {
    td_program *p;
    int32_t as_of;
    char path[64];
    char *out;
    size_t len;
} fixture;

static int setup(void **state)
{
    fixture *f = calloc(1, sizeof *f);
    td_diag d;
    td_diag_init(&d);
    td_rule_text rules = {"report.rules", RULES, strlen(RULES)};
    td_status st = td_program_compile_texts(&rules, 1, NULL, 0, &d, &f->p);
    for (size_t i = 0; i < d.n; i++)
        td_diag_render(&d.items[i], stderr, false);
    td_diag_free(&d);
    assert_int_equal(st, TD_OK);
    assert_true(td_date_parse("2025-12-31", &f->as_of));
    strcpy(f->path, "/tmp/td_report_unit_XXXXXX");
    int fd = mkstemp(f->path);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, HOSTILE, strlen(HOSTILE)), (ssize_t)strlen(HOSTILE));
    close(fd);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fixture *f = *state;
    unlink(f->path);
    free(f->out);
    td_program_free(f->p);
    free(f);
    return 0;
}

/* Runs the batch over `paths` into a report of format `fmt`; the output is in f->out. */
static void report(fixture *f, td_report_opts ro, const char *const *paths, size_t n)
{
    free(f->out);
    f->out = NULL;
    FILE *m = open_memstream(&f->out, &f->len);
    td_report *rep = NULL;
    assert_int_equal(td_report_open(f->p, f->as_of, &ro, m, &rep), TD_OK);
    td_batch_opts bo = {.as_of = f->as_of, .jobs = 1, .on_unit = td_report_unit, .arg = rep};
    td_batch *b = NULL;
    assert_int_equal(td_batch_run(f->p, paths, n, &bo, &b), TD_OK);
    assert_int_equal(td_report_finish(rep, b), TD_OK);
    td_report_free(rep);
    td_batch_free(b);
    fclose(m);
}

/* A unit result made by hand, with strings no YAML file could carry. */
static void fake_unit(td_unit_result *u, const char *name, const char *message)
{
    td_unit_result_init(u, TD_LANG_EN);
    u->file = strdup("dir/a,b \"c\".yaml");
    u->id = strdup("U-1");
    u->name = strdup(name);
    u->line = 3;
    td_diagnostic *e = td_diag_at_lc(&u->findings, TD_SEV_ERROR, TD_CODE_RULE, NULL, 0, 0, 1, "%s",
                                     message);
    assert_non_null(e);
    td_diag_set(&u->findings, &e->file, "%s", u->file);
    td_diag_set(&u->findings, &e->rule, "plan.title");
    td_diag_set(&u->findings, &e->cite, "II.2.2");
    td_diag_set(&u->findings, &e->path, "plan");
    e->line = 7;
    e->col = 3;
}

/* Writes a report of one hand-made unit. */
static void report_fake(fixture *f, td_report_opts ro, const td_unit_result *u)
{
    free(f->out);
    f->out = NULL;
    FILE *m = open_memstream(&f->out, &f->len);
    td_report *rep = NULL;
    assert_int_equal(td_report_open(f->p, f->as_of, &ro, m, &rep), TD_OK);
    assert_int_equal(td_report_unit(rep, u), TD_OK);
    td_batch *b = NULL;
    td_batch_opts bo = {.as_of = f->as_of};
    assert_int_equal(td_batch_run(f->p, NULL, 0, &bo, &b), TD_OK);
    assert_int_equal(td_report_finish(rep, b), TD_OK);
    td_report_free(rep);
    td_batch_free(b);
    fclose(m);
}

/* A fork of a report holds its units until taken, then the report's output is what the
 * report alone writes (json, csv); a format that keeps state across units does not fork. */
static void test_report_fork_writes_as_the_report(void **state)
{
    fixture *f = *state;
    td_unit_result u[3];
    fake_unit(&u[0], "Một", "thiếu \"tên\"");
    fake_unit(&u[1], "Hai", "line\nbreak");
    fake_unit(&u[2], "Ba", "tab\there");
    td_report_format fmts[] = {TD_REPORT_JSON, TD_REPORT_CSV};
    for (size_t k = 0; k < 2; k++) {
        td_report_opts ro = {.format = fmts[k], .lang = TD_LANG_EN};
        char *out[2] = {NULL, NULL};
        size_t len[2] = {0, 0};
        for (int forked = 0; forked < 2; forked++) {
            FILE *m = open_memstream(&out[forked], &len[forked]);
            td_report *rep = NULL;
            assert_int_equal(td_report_open(f->p, f->as_of, &ro, m, &rep), TD_OK);
            assert_int_equal(td_report_unit(rep, &u[0]), TD_OK);
            void *child = NULL;
            if (forked) {
                assert_int_equal(td_report_fork(rep, &child), TD_OK);
                assert_non_null(child);
                assert_int_equal(td_report_unit(child, &u[1]), TD_OK);
                assert_int_equal(td_report_unit(child, &u[2]), TD_OK);
                fflush(m);
                size_t before = len[forked];
                assert_int_equal(td_report_take(rep, child), TD_OK);
                fflush(m);
                assert_true(len[forked] > before); /* held until taken */
                td_report_drop(child);
            } else {
                assert_int_equal(td_report_unit(rep, &u[1]), TD_OK);
                assert_int_equal(td_report_unit(rep, &u[2]), TD_OK);
            }
            td_report_free(rep);
            fclose(m);
        }
        assert_int_equal(len[0], len[1]);
        assert_memory_equal(out[0], out[1], len[0]);
        free(out[0]);
        free(out[1]);
    }
    td_report_opts text = {.format = TD_REPORT_TEXT, .lang = TD_LANG_EN};
    FILE *m = fopen("/dev/null", "w");
    td_report *rep = NULL;
    assert_int_equal(td_report_open(f->p, f->as_of, &text, m, &rep), TD_OK);
    void *child = &text;
    assert_int_equal(td_report_fork(rep, &child), TD_OK);
    assert_null(child);
    td_report_free(rep);
    fclose(m);
    for (size_t i = 0; i < 3; i++)
        td_unit_result_free(&u[i]);
}

static void test_report_json_escapes_strings(void **state)
{
    fixture *f = *state;
    td_unit_result u;
    fake_unit(&u, "Tổ \"A\" \\ B\x01\t\n\x7f" "bad\xff\xc3" "end\xe2\x80\xa8",
              "line 1\nline 2\r\"q\"");
    td_report_opts ro = {.format = TD_REPORT_JSON};
    report_fake(f, ro, &u);
    td_unit_result_free(&u);
    /* quotes and backslashes escaped, control characters as \u, UTF-8 kept, invalid bytes
     * replaced by U+FFFD, U+2028 escaped for JavaScript */
    assert_non_null(strstr(f->out, "\"name\": \"Tổ \\\"A\\\" \\\\ B\\u0001\\t\\n\x7f"
                                   "bad\xEF\xBF\xBD\xEF\xBF\xBD" "end\\u2028\""));
    assert_non_null(strstr(f->out, "\"message\": \"line 1\\nline 2\\r\\\"q\\\"\""));
    assert_non_null(strstr(f->out, "\"file\": \"dir/a,b \\\"c\\\".yaml\""));
    assert_non_null(strstr(f->out, "\"format\": \"thidua-report/1\""));
    assert_non_null(strstr(f->out, "\"as_of\": \"2025-12-31\""));
    assert_non_null(strstr(f->out, "\"title\": \"Kế hoạch <thi đua> & \\\"Đồng Khởi mới\\\"\""));
    assert_non_null(strstr(f->out, "\"line\": 7, \"column\": 3"));
    assert_non_null(strstr(f->out, "\"status\": \"fail\""));
    for (size_t i = 0; i < f->len; i++)
        assert_true((unsigned char)f->out[i] >= 0x20 || f->out[i] == '\n');
}

static void test_report_json_has_targets_workflows_summary(void **state)
{
    fixture *f = *state;
    const char *paths[] = {f->path};
    td_report_opts ro = {.format = TD_REPORT_JSON};
    report(f, ro, paths, 1);
    assert_non_null(strstr(f->out, "{\"id\": \"ex.total\", \"label\": \"Tổng\", "
                                   "\"cite\": \"II.2.1\",\n"
                                   "     \"group\": null, \"actual\": 1, \"required\": 4, "
                                   "\"percent\": 25, \"met\": false, \"status\": \"not met\", "
                                   "\"severity\": \"error\",\n"
                                   "     \"due\": \"2025-12-31\", \"pace\": null}"));
    assert_non_null(strstr(f->out, "\"group\": \"<img src=x onerror=alert(1)>\", \"actual\": 1, "
                                   "\"required\": null, \"percent\": null, \"met\": null"));
    assert_non_null(strstr(f->out, "\"none\": 0, \"stages\": [\n"
                                   "       {\"value\": 1, \"label\": \"Một\", \"count\": 1},"));
    assert_non_null(strstr(f->out, "\"summary\": {\"units\": 1, \"passed\": 1, \"failed\": 0, "
                                   "\"errors\": 0, \"warnings\": 0"));
    assert_non_null(strstr(f->out, "\"targets_not_met\": 1"));
    /* validate reports no targets */
    ro.validate = true;
    report(f, ro, paths, 1);
    assert_non_null(strstr(f->out, "\"targets\": [],"));
    assert_non_null(strstr(f->out, "\"mode\": \"validate\""));
}

static void test_report_csv_quotes_fields(void **state)
{
    fixture *f = *state;
    td_unit_result u;
    fake_unit(&u, "=HYPERLINK(\"http://x\")", "a, b \"c\"\nd");
    td_report_opts ro = {.format = TD_REPORT_CSV};
    report_fake(f, ro, &u);
    const char *expect =
        "file,line,column,unit_id,unit_name,rule,cite,severity,message,path,waiver,"
        "waiver_reason,waiver_approved_by,waiver_document,waiver_dated,waiver_until\r\n"
        "\"dir/a,b \"\"c\"\".yaml\",7,3,U-1,\"'=HYPERLINK(\"\"http://x\"\")\",plan.title,II.2.2,"
        "error,\"a, b \"\"c\"\"\nd\",plan,,,,,,\r\n";
    assert_string_equal(f->out, expect);
    ro.bom = true;
    report_fake(f, ro, &u);
    assert_memory_equal(f->out, "\xEF\xBB\xBF" "file,line", 12);
    td_unit_result_free(&u);
}

/* The scratch files of the xlsx report in dir: "thidua-xlsx-*". */
static size_t xlsx_scratch(const char *dir)
{
    char cmd[256];
    snprintf(cmd, sizeof cmd, "ls %s | grep -c '^thidua-xlsx-'", dir);
    FILE *p = popen(cmd, "r");
    assert_non_null(p);
    size_t n = 0;
    assert_int_equal(fscanf(p, "%zu", &n), 1);
    pclose(p);
    return n;
}

static void test_report_xlsx_is_a_workbook_and_leaves_no_scratch(void **state)
{
    fixture *f = *state;
    char dir[] = "/tmp/td_xlsx_XXXXXX";
    assert_non_null(mkdtemp(dir));
    const char *old = getenv("TMPDIR");
    char *saved = old ? strdup(old) : NULL;
    setenv("TMPDIR", dir, 1);
    td_unit_result u;
    fake_unit(&u, "Tổ\x01 \xff=SUM(1)", "a\x02b");
    td_report_opts ro = {.format = TD_REPORT_XLSX};
    report_fake(f, ro, &u);
    /* a zip archive with the workbook's parts */
    assert_true(f->len > 1000);
    assert_memory_equal(f->out, "PK\x03\x04", 4);
    assert_int_equal(xlsx_scratch(dir), 0);
    /* opened and given up without finishing: nothing left behind */
    td_report *rep = NULL;
    FILE *m = fopen("/dev/null", "w");
    assert_int_equal(td_report_open(f->p, f->as_of, &ro, m, &rep), TD_OK);
    assert_int_equal(td_report_unit(rep, &u), TD_OK);
    assert_int_equal(xlsx_scratch(dir), 1);
    td_report_free(rep);
    fclose(m);
    assert_int_equal(xlsx_scratch(dir), 0);
    td_unit_result_free(&u);
    if (saved) {
        setenv("TMPDIR", saved, 1);
        free(saved);
    } else {
        unsetenv("TMPDIR");
    }
    assert_int_equal(rmdir(dir), 0);
}

static void test_report_html_escapes_hostile_names(void **state)
{
    fixture *f = *state;
    const char *paths[] = {f->path};
    td_report_opts ro = {.format = TD_REPORT_HTML};
    report(f, ro, paths, 1);
    assert_non_null(strstr(f->out, "<meta charset=\"utf-8\">"));
    assert_non_null(strstr(f->out, "&lt;script&gt;alert(1)&lt;/script&gt;"));
    assert_non_null(strstr(f->out, "X&lt;1&gt;&amp;&#39;2&#39;"));
    assert_non_null(strstr(f->out, "&lt;img src=x onerror=alert(1)&gt;"));
    assert_non_null(strstr(f->out, "Kế hoạch &lt;thi đua&gt; &amp; &quot;Đồng Khởi mới&quot;"));
    /* nothing from the data became markup, and the page needs no script or asset */
    assert_null(strstr(f->out, "<script"));
    assert_null(strstr(f->out, "<img"));
    assert_null(strstr(f->out, "http://"));
    assert_null(strstr(f->out, "https://"));
    assert_non_null(strstr(f->out, "<svg"));
    assert_non_null(strstr(f->out, "</html>\n"));
    /* a finding's message and source line are escaped too */
    td_unit_result u;
    fake_unit(&u, "Đơn vị", "<b>bold</b> & \"q\" \xff");
    u.findings.items[0].source_line = strdup("  title: <i>x</i>");
    report_fake(f, ro, &u);
    td_unit_result_free(&u);
    assert_non_null(strstr(f->out, "&lt;b&gt;bold&lt;/b&gt; &amp; &quot;q&quot; \xEF\xBF\xBD"));
    assert_non_null(strstr(f->out, "title: &lt;i&gt;x&lt;/i&gt;"));
    assert_null(strstr(f->out, "<b>bold"));
}

/* Numbers as a Vietnamese reader writes them: dots between thousands, a decimal comma. */
static void test_report_html_numbers_vietnamese(void **state)
{
    (void)state;
    char buf[64];
    assert_string_equal(td_html_number(TD_LANG_VI, 20000, -1, buf), "20.000");
    assert_string_equal(td_html_number(TD_LANG_VI, 999, -1, buf), "999");
    assert_string_equal(td_html_number(TD_LANG_VI, 1000, 0, buf), "1.000");
    assert_string_equal(td_html_number(TD_LANG_VI, 1234567, -1, buf), "1.234.567");
    assert_string_equal(td_html_number(TD_LANG_VI, -1234.5, -1, buf), "-1.234,5");
    assert_string_equal(td_html_number(TD_LANG_VI, 2.5, 1, buf), "2,5");
    assert_string_equal(td_html_number(TD_LANG_VI, 3, 1, buf), "3,0");
    /* rounded as the text report rounds: half away from zero (printf gives 3,2 and -0,0) */
    assert_string_equal(td_html_number(TD_LANG_VI, 3.25, 1, buf), "3,3");
    assert_string_equal(td_html_number(TD_LANG_VI, -0.04, 1, buf), "0,0");
    assert_string_equal(td_html_number(TD_LANG_VI, 0, -1, buf), "0");
    assert_string_equal(td_html_number(TD_LANG_VI, 1.0 / 0.0, -1, buf), "—");
    assert_string_equal(td_html_percent(TD_LANG_VI, 70, buf), "70,0\xC2\xA0%");
    assert_string_equal(td_html_percent(TD_LANG_VI, 45.744, buf), "45,7\xC2\xA0%");
    assert_string_equal(td_html_percent(TD_LANG_VI, 12345.6, buf), "12.345,6\xC2\xA0%");
    /* and as an English reader writes them */
    assert_string_equal(td_html_number(TD_LANG_EN, 20000, -1, buf), "20,000");
    assert_string_equal(td_html_number(TD_LANG_EN, -1234.5, -1, buf), "-1,234.5");
    assert_string_equal(td_html_percent(TD_LANG_EN, 70, buf), "70.0%");
}

/* A value written into the print style sheet (the running header) cannot end the string,
 * the rule or the style element. */
static void test_report_html_print_header_escapes(void **state)
{
    fixture *f = *state;
    const char *rules = "plan \"X\\\"}</style><script>alert(9)</script>\" \"T\"\n"
                        "record info { required id: text }\n"
                        "record unit_file { required unit: info }\n"
                        "document unit_file\n";
    td_diag d;
    td_diag_init(&d);
    td_rule_text rt = {"hostile.rules", rules, strlen(rules)};
    td_program *p = NULL;
    td_status st = td_program_compile_texts(&rt, 1, NULL, 0, &d, &p);
    for (size_t i = 0; i < d.n; i++)
        td_diag_render(&d.items[i], stderr, false);
    td_diag_free(&d);
    assert_int_equal(st, TD_OK);
    td_program *keep = f->p;
    f->p = p;
    const char *paths[] = {f->path};
    report(f, (td_report_opts){.format = TD_REPORT_HTML}, paths, 1);
    f->p = keep;
    td_program_free(p);
    assert_non_null(strstr(f->out, "@top-left{content:\""));
    assert_null(strstr(f->out, "<script"));
    assert_null(strstr(f->out, "}</style"));
    /* one style element, closed once */
    const char *end = strstr(f->out, "</style>");
    assert_non_null(end);
    assert_null(strstr(end + 1, "</style>"));
    assert_non_null(strstr(f->out, "X\\22 \\7d \\3c \\2f style\\3e \\3c script\\3e alert\\28 9\\29 "));
}

static void test_report_text_validate_verdicts(void **state)
{
    fixture *f = *state;
    const char *paths[] = {f->path};
    td_report_opts ro = {.format = TD_REPORT_TEXT, .validate = true};
    report(f, ro, paths, 1);
    char expect[256];
    snprintf(expect, sizeof expect, "%s: X<1>&'2' (<script>alert(1)</script>): ready to submit\n",
             f->path);
    assert_string_equal(f->out, expect);
    td_unit_result u;
    fake_unit(&u, "Đơn vị", "thiếu tên");
    report_fake(f, ro, &u);
    td_unit_result_free(&u);
    assert_non_null(
        strstr(f->out, "dir/a,b \"c\".yaml:7:3: error: thiếu tên [plan.title, II.2.2]\n"));
    assert_non_null(strstr(f->out, "dir/a,b \"c\".yaml: U-1 (Đơn vị): 1 error: not ready\n"));
    assert_null(strstr(f->out, "\033["));
}

static void test_report_text_caps_errors_per_file(void **state)
{
    fixture *f = *state;
    td_unit_result u;
    fake_unit(&u, "Đơn vị", "lỗi 0");
    for (int i = 1; i < 25; i++) {
        td_diagnostic *e = td_diag_at_lc(&u.findings, TD_SEV_ERROR, TD_CODE_RULE, NULL, 0, 0, 1,
                                         "lỗi %d", i);
        td_diag_set(&u.findings, &e->file, "%s", u.file);
        e->line = (uint32_t)(10 + i);
        e->col = 1;
    }
    td_report_opts ro = {.format = TD_REPORT_TEXT, .validate = true};
    report_fake(f, ro, &u);
    assert_non_null(strstr(f->out, "lỗi 19"));
    assert_null(strstr(f->out, "lỗi 20"));
    assert_non_null(strstr(f->out, "... 5 more errors in dir/a,b \"c\".yaml\n"));
    assert_non_null(strstr(f->out, "25 errors: not ready"));
    /* eval: the summary first, then targets, stages and the failing units */
    ro.validate = false;
    report_fake(f, ro, &u);
    td_unit_result_free(&u);
    char *summary = strstr(f->out, "0 units: 0 passed, 0 failed");
    char *targets = strstr(f->out, "Targets at 2025-12-31");
    char *failing = strstr(f->out, "Failing units (1)");
    assert_true(summary && targets && failing && summary < targets && targets < failing);
    assert_non_null(strstr(f->out, "... 5 more errors in"));
}

/* Numbers for people: Vietnamese groups thousands with a dot and has a decimal comma;
 * halves round away from zero. */
static void test_report_numbers_in_both_styles(void **state)
{
    (void)state;
    char b[48];
    assert_string_equal(td_report_num_text(20000, 1, true, b), "20.000");
    assert_string_equal(td_report_num_text(20000, 1, false, b), "20000");
    assert_string_equal(td_report_num_text(2.5, 1, true, b), "2,5");
    assert_string_equal(td_report_num_text(3.25, 1, false, b), "3.3");
    assert_string_equal(td_report_num_text(-1234.56, 1, true, b), "-1.234,6");
    assert_string_equal(td_report_num_text(0.04, 1, true, b), "0");
    assert_string_equal(td_report_num_text(-0.04, 1, false, b), "0");
    assert_string_equal(td_report_num_text(1234567, 0, true, b), "1.234.567");
}

/* The program rounds without libm (docs/performance.md, lever 11): bit for bit what round()
 * and pow(10, n) gave, -0 included, at the halves, just below them, beyond 2^52, and on
 * a spread of other values. */
static void test_report_rounds_as_libm(void **state)
{
    (void)state;
    double v[4096];
    size_t n = 0;
    const double fixed[] = {0.0, -0.0, 0.5, -0.5, 1.5, -2.5, 0.49999999999999994,
                            -0.49999999999999994, 4503599627370495.5, 4503599627370497.0,
                            9007199254740993.0, 1e300, -1e-300, 3.25, 2.675, 1.005, 0.125};
    for (size_t i = 0; i < sizeof fixed / sizeof fixed[0]; i++)
        v[n++] = fixed[i];
    for (int k = -600; k <= 600; k++) {
        v[n++] = k + 0.5;
        v[n++] = nextafter(k + 0.5, 0);
        v[n++] = k / 100.0;
    }
    uint64_t x = 88172645463325252u;
    while (n < sizeof v / sizeof v[0]) {
        x ^= x << 13, x ^= x >> 7, x ^= x << 17;
        v[n++] = ((double)(x >> 11) / 9007199254740992.0 - 0.5) * (double)(1u << (x & 31));
    }
    for (size_t i = 0; i < n; i++) {
        double a = td_report_round_int(v[i]), b = round(v[i]);
        assert_memory_equal(&a, &b, sizeof a);
        for (unsigned d = 0; d <= 6; d++) {
            double want = round(v[i] * pow(10, d)) / pow(10, d);
            want = want == 0 ? 0.0 : want;
            double got = td_report_round(v[i], d);
            assert_memory_equal(&got, &want, sizeof got);
        }
    }
}

/* The pace sentence of the plan's staff (issue 10), in both languages. */
static void test_report_pace_sentence(void **state)
{
    (void)state;
    char b[256];
    td_target_row row = {.has_required = true, .required = 100, .actual = 70, .has_pace = true,
                         .pace_needed = 30, .pace_months = 12, .pace_per_month = 2.5,
                         .has_recent = true, .recent_months = 3, .recent_per_month = 5.0 / 3};
    assert_string_equal(td_report_pace_text(&row, TD_LANG_VI, b, sizeof b),
                        "cần thêm 30 trong 12 tháng, 2,5/tháng; 3 tháng qua: 1,7/tháng — "
                        "chưa kịp tiến độ");
    assert_string_equal(td_report_pace_text(&row, TD_LANG_EN, b, sizeof b),
                        "30 more needed in 12 months, 2.5/month; last 3 months: 1.7/month — "
                        "behind pace");
    row.on_pace = true;
    row.recent_months = 1;
    row.pace_months = 1;
    assert_string_equal(td_report_pace_text(&row, TD_LANG_EN, b, sizeof b),
                        "30 more needed in 1 month, 2.5/month; last 1 month: 1.7/month — "
                        "on pace");
    row.has_recent = false;
    assert_string_equal(td_report_pace_text(&row, TD_LANG_VI, b, sizeof b),
                        "cần thêm 30 trong 1 tháng, 2,5/tháng");
    row.pace_needed = 0;
    assert_null(td_report_pace_text(&row, TD_LANG_VI, b, sizeof b));
    row.pace_needed = 30;
    row.has_pace = false;
    assert_null(td_report_pace_text(&row, TD_LANG_VI, b, sizeof b));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_report_json_escapes_strings, setup, teardown),
        cmocka_unit_test_setup_teardown(test_report_fork_writes_as_the_report, setup, teardown),
        cmocka_unit_test_setup_teardown(test_report_json_has_targets_workflows_summary, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_report_csv_quotes_fields, setup, teardown),
        cmocka_unit_test_setup_teardown(test_report_xlsx_is_a_workbook_and_leaves_no_scratch,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(test_report_html_escapes_hostile_names, setup, teardown),
        cmocka_unit_test_setup_teardown(test_report_html_numbers_vietnamese, setup, teardown),
        cmocka_unit_test_setup_teardown(test_report_html_print_header_escapes, setup, teardown),
        cmocka_unit_test_setup_teardown(test_report_text_validate_verdicts, setup, teardown),
        cmocka_unit_test_setup_teardown(test_report_text_caps_errors_per_file, setup, teardown),
        cmocka_unit_test(test_report_numbers_in_both_styles),
        cmocka_unit_test(test_report_rounds_as_libm),
        cmocka_unit_test(test_report_pace_sentence),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
