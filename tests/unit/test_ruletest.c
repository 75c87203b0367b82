/* Unit tests of engine/ruletest.c: paths, the set/append/remove edits on a YAML tree (and
 * that they never modify the tree they start from), matching findings, and test files. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include <ftw.h>

#include "ruletest.h"

typedef struct fx {
    td_arena a;
    td_diag d;
    td_source *src;
    char dir[64];
} fx;

static int setup(void **state)
{
    fx *f = calloc(1, sizeof *f);
    if (!f)
        return -1;
    td_arena_init(&f->a, 4096);
    td_diag_init(&f->d);
    *state = f;
    return 0;
}

/* Removes a scratch directory and what it holds (no shell). */
static int remove_entry(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
    (void)sb;
    (void)flag;
    (void)ftw;
    return remove(path);
}

static int remove_tree(const char *dir)
{
    return nftw(dir, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
}

static int teardown(void **state)
{
    fx *f = *state;
    td_arena_free(&f->a);
    td_diag_free(&f->d);
    td_source_free(f->src);
    if (f->dir[0]) {
        if (remove_tree(f->dir) != 0)
            fprintf(stderr, "could not remove %s\n", f->dir);
    }
    free(f);
    return 0;
}

/* Parses one YAML document. */
static td_ynode *yaml(fx *f, const char *text)
{
    td_source_free(f->src);
    f->src = td_source_new("t.yaml", text, strlen(text));
    assert_non_null(f->src);
    td_limits lim;
    td_limits_default(&lim);
    td_yaml *y = NULL;
    assert_int_equal(td_yaml_open(f->src, &lim, &y), TD_OK);
    td_ynode *root = NULL;
    uint32_t line = 0;
    assert_int_equal(td_yaml_next(y, &f->a, &f->d, &root, &line), TD_OK);
    td_yaml_close(y);
    assert_int_equal(f->d.n, 0);
    assert_non_null(root);
    return root;
}

/* A compact rendering of a tree: {a:1,b:[x,y]}; null is ~. */
static void dump_into(const td_ynode *n, char *buf, size_t size)
{
    size_t len = strlen(buf);
    if (!n || n->kind == TD_Y_NULL) {
        snprintf(buf + len, size - len, "~");
    } else if (n->kind == TD_Y_SCALAR) {
        snprintf(buf + len, size - len, "%s", n->text);
    } else if (n->kind == TD_Y_MAP) {
        snprintf(buf + len, size - len, "{");
        for (uint32_t i = 0; i < n->n; i++) {
            len = strlen(buf);
            snprintf(buf + len, size - len, "%s%s:", i ? "," : "", n->pairs[i].key->text);
            dump_into(n->pairs[i].value, buf, size);
        }
        len = strlen(buf);
        snprintf(buf + len, size - len, "}");
    } else {
        snprintf(buf + len, size - len, "[");
        for (uint32_t i = 0; i < n->n; i++) {
            len = strlen(buf);
            snprintf(buf + len, size - len, "%s", i ? "," : "");
            dump_into(n->items[i], buf, size);
        }
        len = strlen(buf);
        snprintf(buf + len, size - len, "]");
    }
}

static const char *dump(const td_ynode *n)
{
    static char buf[2048]; /* tests only */
    buf[0] = '\0';
    dump_into(n, buf, sizeof buf);
    return buf;
}

static td_rt_path path(fx *f, const char *text)
{
    td_rt_path p;
    char err[256];
    bool ok = td_rt_path_parse(&f->a, TD_LANG_EN, text, &p, err, sizeof err);
    if (!ok)
        fail_msg("path '%s': %s", text, err);
    return p;
}

static const char *UNIT = "plan:\n"
                          "  number: 05-KH\n"
                          "  start: 2024-04-15\n"
                          "exemplars:\n"
                          "  - id: A\n"
                          "    steps:\n"
                          "      - {step: 1, evidence: e1}\n"
                          "      - {step: 2, evidence: e2}\n"
                          "      - {step: 3, evidence: e3}\n"
                          "  - id: B\n";

/* ---------- paths ---------- */

static void test_ruletest_path_keys_and_indices(void **state)
{
    fx *f = *state;
    td_rt_path p = path(f, "exemplars[0].steps[-1].evidence");
    assert_int_equal(p.n, 5);
    assert_int_equal(p.segs[0].kind, TD_RT_KEY);
    assert_string_equal(p.segs[0].key, "exemplars");
    assert_int_equal(p.segs[1].kind, TD_RT_INDEX);
    assert_int_equal(p.segs[1].index, 0);
    assert_int_equal(p.segs[2].kind, TD_RT_KEY);
    assert_string_equal(p.segs[2].key, "steps");
    assert_int_equal(p.segs[3].kind, TD_RT_INDEX);
    assert_int_equal(p.segs[3].index, -1);
    assert_int_equal(p.segs[4].kind, TD_RT_KEY);
    assert_string_equal(p.segs[4].key, "evidence");
    assert_string_equal(p.text, "exemplars[0].steps[-1].evidence");
}

static void test_ruletest_path_dotted_index(void **state)
{
    fx *f = *state;
    td_rt_path p = path(f, "exemplars.1.id");
    assert_int_equal(p.n, 3);
    assert_int_equal(p.segs[1].kind, TD_RT_KEY_OR_INDEX);
    assert_int_equal(p.segs[1].index, 1);
    assert_string_equal(p.segs[1].key, "1");
}

static void test_ruletest_path_rejects_malformed(void **state)
{
    fx *f = *state;
    static const char *const bad[] = {"", "a..b", "a.", "a[x]", "[0]", "a[0", "a]b",
                                      "a[0]b", "a[]"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        td_rt_path p;
        char err[256] = "";
        if (td_rt_path_parse(&f->a, TD_LANG_EN, bad[i], &p, err, sizeof err))
            fail_msg("'%s' was accepted", bad[i]);
        assert_true(err[0] != '\0');
    }
}

/* ---------- set ---------- */

static void test_ruletest_set_replaces_and_keeps_original(void **state)
{
    fx *f = *state;
    td_ynode *root = yaml(f, UNIT);
    char before[2048];
    snprintf(before, sizeof before, "%s", dump(root));
    td_ynode *orig = root;
    td_ynode *v = yaml(f, "\"\"\n");
    td_rt_path p = path(f, "plan.number");
    char err[256];
    assert_true(td_rt_set(&f->a, TD_LANG_EN, &root, &p, v, v, err, sizeof err));
    assert_ptr_not_equal(root, orig);
    assert_string_equal(dump(orig), before);
    assert_string_equal(dump(root),
                        "{plan:{number:,start:2024-04-15},exemplars:[{id:A,steps:[{step:1,"
                        "evidence:e1},{step:2,evidence:e2},{step:3,evidence:e3}]},{id:B}]}");
}

static void test_ruletest_set_creates_mappings(void **state)
{
    fx *f = *state;
    td_ynode *root = yaml(f, UNIT);
    td_ynode *v = yaml(f, "2024-06-15\n");
    td_rt_path p = path(f, "congress.held");
    char err[256];
    assert_true(td_rt_set(&f->a, TD_LANG_EN, &root, &p, v, v, err, sizeof err));
    assert_non_null(strstr(dump(root), ",congress:{held:2024-06-15}}"));
    /* a new key keeps the location of the test file's path */
    const td_ynode *last = root->pairs[root->n - 1].key;
    assert_string_equal(last->text, "congress");
    assert_int_equal(last->line, v->line);
}

static void test_ruletest_set_list_items(void **state)
{
    fx *f = *state;
    td_ynode *root = yaml(f, UNIT);
    td_ynode *v = yaml(f, "X\n");
    char err[256];
    td_rt_path p = path(f, "exemplars[0].steps[1].evidence");
    assert_true(td_rt_set(&f->a, TD_LANG_EN, &root, &p, v, v, err, sizeof err));
    td_rt_path q = path(f, "exemplars[0].steps[-1].evidence");
    assert_true(td_rt_set(&f->a, TD_LANG_EN, &root, &q, v, v, err, sizeof err));
    td_rt_path r = path(f, "exemplars.1.id");
    assert_true(td_rt_set(&f->a, TD_LANG_EN, &root, &r, v, v, err, sizeof err));
    assert_string_equal(dump(root),
                        "{plan:{number:05-KH,start:2024-04-15},exemplars:[{id:A,steps:[{step:1,"
                        "evidence:e1},{step:2,evidence:X},{step:3,evidence:X}]},{id:X}]}");
}

static void test_ruletest_set_refuses_what_does_not_fit(void **state)
{
    fx *f = *state;
    td_ynode *root = yaml(f, UNIT);
    td_ynode *orig = root;
    td_ynode *v = yaml(f, "X\n");
    char err[256];
    td_rt_path p = path(f, "plan.number.x");
    assert_false(td_rt_set(&f->a, TD_LANG_EN, &root, &p, v, v, err, sizeof err));
    assert_non_null(strstr(err, "plan.number is a single value, not a mapping"));
    assert_ptr_equal(root, orig);
    td_rt_path q = path(f, "exemplars[5].id");
    assert_false(td_rt_set(&f->a, TD_LANG_EN, &root, &q, v, v, err, sizeof err));
    assert_string_equal(err, "exemplars has 2 items: there is no exemplars[5]");
    td_rt_path r = path(f, "plan[0]");
    assert_false(td_rt_set(&f->a, TD_LANG_EN, &root, &r, v, v, err, sizeof err));
    assert_non_null(strstr(err, "not a list"));
    assert_ptr_equal(root, orig);
}

/* ---------- remove ---------- */

static void test_ruletest_remove_key_and_item(void **state)
{
    fx *f = *state;
    td_ynode *root = yaml(f, UNIT);
    char before[2048];
    snprintf(before, sizeof before, "%s", dump(root));
    td_ynode *orig = root;
    char err[256];
    td_rt_path p = path(f, "plan.number");
    assert_true(td_rt_remove(&f->a, TD_LANG_EN, &root, &p, err, sizeof err));
    td_rt_path q = path(f, "exemplars[0].steps[1]");
    assert_true(td_rt_remove(&f->a, TD_LANG_EN, &root, &q, err, sizeof err));
    td_rt_path r = path(f, "exemplars[-1]");
    assert_true(td_rt_remove(&f->a, TD_LANG_EN, &root, &r, err, sizeof err));
    assert_string_equal(dump(root), "{plan:{start:2024-04-15},exemplars:[{id:A,steps:[{step:1,"
                                    "evidence:e1},{step:3,evidence:e3}]}]}");
    assert_string_equal(dump(orig), before);
}

static void test_ruletest_remove_missing_suggests(void **state)
{
    fx *f = *state;
    td_ynode *root = yaml(f, UNIT);
    char err[256];
    td_rt_path p = path(f, "plan.numbr");
    assert_false(td_rt_remove(&f->a, TD_LANG_EN, &root, &p, err, sizeof err));
    assert_string_equal(err, "there is no plan.numbr in the unit (did you mean 'number'?)");
    td_rt_path q = path(f, "congress.held");
    assert_false(td_rt_remove(&f->a, TD_LANG_EN, &root, &q, err, sizeof err));
    assert_string_equal(err, "there is no congress in the unit");
}

/* ---------- append ---------- */

static void test_ruletest_append(void **state)
{
    fx *f = *state;
    td_ynode *root = yaml(f, UNIT);
    td_ynode *item = yaml(f, "{step: 4, evidence: e4}\n");
    char err[256];
    td_rt_path p = path(f, "exemplars[0].steps");
    assert_true(td_rt_append(&f->a, TD_LANG_EN, &root, &p, item, item, err, sizeof err));
    td_rt_path q = path(f, "exemplars[1].tags");
    td_ynode *tag = yaml(f, "thanh_nien\n");
    assert_true(td_rt_append(&f->a, TD_LANG_EN, &root, &q, tag, tag, err, sizeof err));
    assert_string_equal(dump(root),
                        "{plan:{number:05-KH,start:2024-04-15},exemplars:[{id:A,steps:[{step:1,"
                        "evidence:e1},{step:2,evidence:e2},{step:3,evidence:e3},{step:4,"
                        "evidence:e4}]},{id:B,tags:[thanh_nien]}]}");
    td_rt_path r = path(f, "plan.number");
    assert_false(td_rt_append(&f->a, TD_LANG_EN, &root, &r, tag, tag, err, sizeof err));
    assert_string_equal(err, "plan.number is a single value, not a list: append needs a list");
}

/* ---------- the reasons in the reader's language ---------- */

static void test_ruletest_edit_errors_in_vietnamese(void **state)
{
    fx *f = *state;
    td_ynode *root = yaml(f, UNIT);
    td_ynode *v = yaml(f, "X\n");
    char err[256];
    td_rt_path p = path(f, "exemplars[5].id");
    assert_false(td_rt_set(&f->a, TD_LANG_VI, &root, &p, v, v, err, sizeof err));
    assert_string_equal(err, "exemplars có 2 phần tử: không có exemplars[5]");
    td_rt_path q = path(f, "plan.numbr");
    assert_false(td_rt_remove(&f->a, TD_LANG_VI, &root, &q, err, sizeof err));
    assert_string_equal(err, "đơn vị không có plan.numbr (có phải ý bạn là 'number'?)");
    td_rt_path r = path(f, "plan.number");
    assert_false(td_rt_append(&f->a, TD_LANG_VI, &root, &r, v, v, err, sizeof err));
    assert_non_null(strstr(err, "một giá trị đơn, không phải một danh sách"));
    td_rt_path bad;
    assert_false(td_rt_path_parse(&f->a, TD_LANG_VI, "plan[x]", &bad, err, sizeof err));
    assert_non_null(strstr(err, "không phải là số thứ tự"));
    /* English stays the language of the code */
    assert_false(td_rt_path_parse(&f->a, TD_LANG_EN, "plan[x]", &bad, err, sizeof err));
    assert_non_null(strstr(err, "is not an index"));
}

/* ---------- matching ---------- */

static td_diagnostic finding(const char *rule, td_severity sev, uint32_t line)
{
    td_diagnostic x;
    memset(&x, 0, sizeof x);
    x.rule = (char *)rule;
    x.sev = sev;
    x.line = line;
    x.message = (char *)"m";
    x.path = (char *)"plan";
    return x;
}

static td_rt_expect expect(const char *rule, int sev, uint32_t line)
{
    td_rt_expect e;
    memset(&e, 0, sizeof e);
    e.rule = rule;
    e.severity = sev;
    e.line = line;
    return e;
}

static void test_ruletest_match_exact(void **state)
{
    (void)state;
    td_diagnostic act[] = {finding("plan.number", TD_SEV_ERROR, 3),
                           finding("plan.period", TD_SEV_ERROR, 4)};
    td_rt_expect exp[] = {expect("plan.period", -1, 0), expect("plan.number", TD_SEV_ERROR, 3)};
    int e2a[2], a2e[2];
    assert_true(td_rt_match(exp, 2, act, 2, e2a, a2e));
    assert_int_equal(e2a[0], 1);
    assert_int_equal(e2a[1], 0);
}

static void test_ruletest_match_reports_both_sides(void **state)
{
    (void)state;
    td_diagnostic act[] = {finding("plan.number", TD_SEV_WARNING, 3),
                           finding("plan.title", TD_SEV_ERROR, 4)};
    td_rt_expect exp[] = {expect("plan.number", TD_SEV_ERROR, 0), expect("plan.title", -1, 4)};
    int e2a[2], a2e[2];
    assert_false(td_rt_match(exp, 2, act, 2, e2a, a2e));
    assert_int_equal(e2a[0], -1); /* wrong severity */
    assert_int_equal(e2a[1], 1);
    assert_int_equal(a2e[0], -1);
    assert_int_equal(a2e[1], 1);
}

static void test_ruletest_match_is_a_multiset(void **state)
{
    (void)state;
    td_diagnostic act[] = {finding("plan.number", TD_SEV_ERROR, 3)};
    td_rt_expect exp[] = {expect("plan.number", -1, 0), expect("plan.number", -1, 0)};
    int e2a[2], a2e[1];
    assert_false(td_rt_match(exp, 2, act, 1, e2a, a2e));
    assert_int_equal(e2a[0] + e2a[1], -1); /* one paired (0), one not (-1) */
    td_rt_expect none[1];
    assert_false(td_rt_match(none, 0, act, 1, e2a, a2e));
    assert_true(td_rt_match(none, 0, act, 0, e2a, a2e));
}

static void test_ruletest_match_does_not_depend_on_order(void **state)
{
    (void)state;
    /* a greedy pairing would give the first expectation the line-3 finding and leave the
     * second without one */
    td_diagnostic act[] = {finding("r", TD_SEV_ERROR, 3), finding("r", TD_SEV_ERROR, 7)};
    td_rt_expect exp[] = {expect("r", TD_SEV_ERROR, 0), expect("r", -1, 3)};
    int e2a[2], a2e[2];
    assert_true(td_rt_match(exp, 2, act, 2, e2a, a2e));
    assert_int_equal(e2a[0], 1);
    assert_int_equal(e2a[1], 0);
}

static void test_ruletest_match_path_and_message(void **state)
{
    (void)state;
    td_diagnostic x = finding("r", TD_SEV_INFO, 1);
    x.message = (char *)"thiếu kết quả đánh giá hàng tháng của: 2024-07";
    td_rt_expect e = expect("r", TD_SEV_INFO, 0);
    e.path = "plan";
    e.message = "2024-07";
    assert_true(td_rt_expect_matches(&e, &x));
    e.path = "exemplars[0]";
    assert_false(td_rt_expect_matches(&e, &x));
    e.path = NULL;
    e.message = "2024-08";
    assert_false(td_rt_expect_matches(&e, &x));
}

/* ---------- test files ---------- */

static void write_file(fx *f, const char *name, const char *text)
{
    char p[256];
    snprintf(p, sizeof p, "%s/%s", f->dir, name);
    FILE *out = fopen(p, "w");
    assert_non_null(out);
    fputs(text, out);
    fclose(out);
}

static void make_dir(fx *f)
{
    snprintf(f->dir, sizeof f->dir, "/tmp/td-ruletest-XXXXXX");
    assert_non_null(mkdtemp(f->dir));
}

static const char *RULES = "enum kind { a, b }\n"
                           "record unit_file {\n"
                           "    required name: text \"Tên\"\n"
                           "    optional kind: kind \"Loại\"\n"
                           "    optional count: int \"Số\"\n"
                           "}\n"
                           "document unit_file\n"
                           "criterion unit.count \"Có số\" cite \"II\" on document error\n"
                           "    require present(count) and count > 0\n"
                           "    message \"thiếu số\"\n";

static void test_ruletest_file_runs_cases(void **state)
{
    fx *f = *state;
    make_dir(f);
    write_file(f, "t.rules", RULES);
    write_file(f, "base.yaml", "name: X\ncount: 2\n");
    write_file(f, "u.test.yaml", "rules: t.rules\n"
                                 "as_of: 2025-12-31\n"
                                 "base: base.yaml\n"
                                 "cases:\n"
                                 "  - name: đủ\n"
                                 "    expect: []\n"
                                 "  - name: thiếu\n"
                                 "    remove: [count]\n"
                                 "    expect: [unit.count]\n"
                                 "  - name: sai\n"
                                 "    set: {count: 0}\n"
                                 "    expect: [{rule: unit.count, severity: warning}]\n");
    td_ruletest *t = NULL;
    td_rt_options o = {.rules = NULL};
    assert_int_equal(td_ruletest_new(&o, &t), TD_OK);
    char path[128];
    snprintf(path, sizeof path, "%s/u.test.yaml", f->dir);
    char *out = NULL;
    size_t len = 0;
    FILE *mem = open_memstream(&out, &len);
    assert_int_equal(td_ruletest_run_file(t, path, mem, &f->d), TD_OK);
    fclose(mem);
    size_t passed, failed;
    td_ruletest_counts(t, &passed, &failed);
    assert_int_equal(passed, 2);
    assert_int_equal(failed, 1);
    assert_non_null(strstr(out, "FAIL "));
    assert_non_null(strstr(out, "u.test.yaml:10: sai\n"
                                "  - expected unit.count (warning)\n"
                                "  + unexpected unit.count (error, line 11): thiếu số\n"));
    free(out);
    td_ruletest_free(t);
}

static void test_ruletest_file_malformed(void **state)
{
    fx *f = *state;
    make_dir(f);
    write_file(f, "t.rules", RULES);
    write_file(f, "m.test.yaml", "rules: t.rules\n"
                                 "as_of: 2025-12-31\n"
                                 "cases:\n"
                                 "  - name: x\n"
                                 "    unit: {name: X}\n"
                                 "    expct: []\n");
    td_ruletest *t = NULL;
    td_rt_options o = {.rules = NULL};
    assert_int_equal(td_ruletest_new(&o, &t), TD_OK);
    char path[128];
    snprintf(path, sizeof path, "%s/m.test.yaml", f->dir);
    assert_int_equal(td_ruletest_run_file(t, path, stdout, &f->d), TD_EINPUT);
    assert_true(f->d.errors >= 1);
    assert_string_equal(f->d.items[0].message, "unknown key 'expct' in a case");
    assert_string_equal(f->d.items[0].hint, "did you mean 'expect'?");
    assert_int_equal(f->d.items[0].line, 6);
    assert_int_equal(f->d.items[0].col, 5);
    td_ruletest_free(t);
}

static void test_ruletest_find_sorts(void **state)
{
    fx *f = *state;
    make_dir(f);
    char sub[128];
    snprintf(sub, sizeof sub, "%s/b", f->dir);
    assert_int_equal(mkdir(sub, 0700), 0);
    write_file(f, "b/z.test.yaml", "x: 1\n");
    write_file(f, "a.test.yaml", "x: 1\n");
    write_file(f, "c.yaml", "x: 1\n");
    const char *paths[] = {f->dir};
    char **files = NULL;
    size_t n = 0;
    assert_int_equal(td_ruletest_find(paths, 1, &f->d, &files, &n), TD_OK);
    assert_int_equal(n, 2);
    assert_non_null(strstr(files[0], "/a.test.yaml"));
    assert_non_null(strstr(files[1], "/b/z.test.yaml"));
    td_ruletest_free_files(files, n);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_ruletest_path_keys_and_indices, setup, teardown),
        cmocka_unit_test_setup_teardown(test_ruletest_path_dotted_index, setup, teardown),
        cmocka_unit_test_setup_teardown(test_ruletest_path_rejects_malformed, setup, teardown),
        cmocka_unit_test_setup_teardown(test_ruletest_set_replaces_and_keeps_original, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_ruletest_set_creates_mappings, setup, teardown),
        cmocka_unit_test_setup_teardown(test_ruletest_set_list_items, setup, teardown),
        cmocka_unit_test_setup_teardown(test_ruletest_set_refuses_what_does_not_fit, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_ruletest_remove_key_and_item, setup, teardown),
        cmocka_unit_test_setup_teardown(test_ruletest_remove_missing_suggests, setup, teardown),
        cmocka_unit_test_setup_teardown(test_ruletest_append, setup, teardown),
        cmocka_unit_test_setup_teardown(test_ruletest_edit_errors_in_vietnamese, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_ruletest_match_exact, setup, teardown),
        cmocka_unit_test_setup_teardown(test_ruletest_match_reports_both_sides, setup, teardown),
        cmocka_unit_test_setup_teardown(test_ruletest_match_is_a_multiset, setup, teardown),
        cmocka_unit_test_setup_teardown(test_ruletest_match_does_not_depend_on_order, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_ruletest_match_path_and_message, setup, teardown),
        cmocka_unit_test_setup_teardown(test_ruletest_file_runs_cases, setup, teardown),
        cmocka_unit_test_setup_teardown(test_ruletest_file_malformed, setup, teardown),
        cmocka_unit_test_setup_teardown(test_ruletest_find_sorts, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
