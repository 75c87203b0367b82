/* Unit tests of the formatter (engine/fmt.c): the layout of every declaration, minimal
 * parentheses, strings, comments and blank lines; and its properties on every rule file of
 * the repository (idempotent, meaning-preserving, comments kept) and on random expressions. */
#include <glob.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "fmt.h"
#include "parse.h"

/* Formats `text`; returns the status, the output in *out (malloc'd) or NULL. */
static td_status fmt_text(const char *text, size_t len, char **out, td_diag *d)
{
    td_source *src = td_source_new("t.rules", text, len);
    assert_non_null(src);
    size_t n = 0;
    td_status st = td_fmt(src, d, out, &n);
    if (st == TD_OK)
        assert_int_equal(strlen(*out), n);
    td_source_free(src);
    return st;
}

/* Formats text that must format; the result is malloc'd. */
static char *fmt_ok(const char *text)
{
    td_diag d;
    td_diag_init(&d);
    char *out = NULL;
    td_status st = fmt_text(text, strlen(text), &out, &d);
    for (size_t i = 0; i < d.n; i++)
        print_error("unexpected: %u:%u: %s\n", d.items[i].line, d.items[i].col,
                    d.items[i].message);
    assert_int_equal(st, TD_OK);
    td_diag_free(&d);
    return out;
}

static void expect(const char *in, const char *want)
{
    char *got = fmt_ok(in);
    if (strcmp(got, want) != 0)
        print_error("input:\n%s\n--- want:\n%s--- got:\n%s---\n", in, want, got);
    assert_string_equal(got, want);
    /* and the output is a fixed point */
    char *again = fmt_ok(got);
    assert_string_equal(again, got);
    free(again);
    free(got);
}

/* The expression of `require`, formatted. */
static void expect_expr(const char *in, const char *want)
{
    char src[1024], exp[1024];
    snprintf(src, sizeof src, "criterion a\n    require %s\n", in);
    snprintf(exp, sizeof exp, "criterion a\n    require %s\n", want);
    expect(src, exp);
}

/* Layout of each declaration. */

static void test_plan(void **state)
{
    (void)state;
    expect("plan \"N\" \"T\" period 2024-01-01 .. 2025-12-31 implements \"a\",\"b\" dated "
           "2024-03-28 by \"I\"",
           "plan \"N\"\n    \"T\"\n    by \"I\"\n    dated 2024-03-28\n    implements \"a\", "
           "\"b\"\n    period 2024-01-01 .. 2025-12-31\n");
    expect("plan \"N\" \"T\"", "plan \"N\"\n    \"T\"\n");
}

static void test_one_line_decls(void **state)
{
    (void)state;
    expect("import   \"a.rules\"\nimport \"b.rules\"",
           "import \"a.rules\"\nimport \"b.rules\"\n");
    expect("param x=1 \"L\" cite \"I\"\nparam y = 2024-05\n\nparam z = -2.50 cite \"I\"",
           "param x = 1 \"L\" cite \"I\"\nparam y = 2024-05\n\nparam z = -2.50 cite \"I\"\n");
    expect("set x = 80 set y = 2025-11-30", "set x = 80\nset y = 2025-11-30\n");
    expect("document unit_file", "document unit_file\n");
    expect("disable a.b because \"r\" disable c", "disable a.b because \"r\"\ndisable c\n");
    expect("note \"I.1\" \"L\" because \"r\" note \"I.2\" \"M\"",
           "note \"I.1\" \"L\"\n    because \"r\"\nnote \"I.2\" \"M\"\n");
}

static void test_schema(void **state)
{
    (void)state;
    expect("enum level { huyen \"H\", xa \"X\" ap }",
           "enum level {\n    huyen \"H\"\n    xa \"X\"\n    ap\n}\n");
    expect("record r \"R\" cite \"I\" { required a: text \"A\", b: list of list of int }",
           "record r \"R\" cite \"I\" {\n    required a: text \"A\"\n    optional b: list of "
           "list of int\n}\n");
    expect("extend r { optional x: bool }", "extend r {\n    optional x: bool\n}\n");
    /* keywords as names */
    expect("record plan { optional required: text optional state: int }",
           "record plan {\n    optional required: text\n    optional state: int\n}\n");
}

static void test_define(void **state)
{
    (void)state;
    expect("define r.x \"X\" = count(exemplars where counted)",
           "define r.x \"X\" = count(exemplars where counted)\n");
    /* too long for one line: the value goes on the next, indented */
    expect("define exemplar.counted \"Điển hình đã hoàn thành Bước 1 (được tính vào chỉ tiêu)\" "
           "= any steps have step == 1 and date <= as_of",
           "define exemplar.counted \"Điển hình đã hoàn thành Bước 1 (được tính vào chỉ tiêu)\" "
           "=\n    any steps have step == 1 and date <= as_of\n");
}

static void test_criterion_order(void **state)
{
    (void)state;
    expect("replace criterion a.b \"L\" hint \"h\" message \"m\" require x let y = 1 due d "
           "error where w on plan, exemplars[type == collective].plan cite \"II\"",
           "replace criterion a.b \"L\"\n"
           "    cite \"II\" on plan, exemplars[type == collective].plan where w error\n"
           "    due d\n"
           "    let y = 1\n"
           "    require x\n"
           "    message \"m\"\n"
           "    hint \"h\"\n");
    /* lets keep their order */
    expect("criterion a let b = 1 let a = 2 require a",
           "criterion a\n    let b = 1\n    let a = 2\n    require a\n");
}

static void test_long_group_breaks(void **state)
{
    (void)state;
    expect("criterion a cite \"II.2.2\" on plan.registrations, "
           "exemplars[type == collective].plan.registrations where not empty(registrations) "
           "error require x",
           "criterion a\n"
           "    cite \"II.2.2\"\n"
           "    on plan.registrations, exemplars[type == collective].plan.registrations\n"
           "    where not empty(registrations)\n"
           "    error\n"
           "    require x\n");
}

static void test_target(void **state)
{
    (void)state;
    expect("target t \"L\" due d at least n by unit.kind where counted count exemplars cite "
           "\"II\"",
           "target t \"L\"\n    cite \"II\"\n    count exemplars where counted\n    by unit.kind\n"
           "    at least n\n    due d\n");
    expect("replace target t sum (a + b) of plan.criteria[target > 0]",
           "replace target t\n    sum (a + b) of plan.criteria[target > 0]\n");
}

static void test_workflow(void **state)
{
    (void)state;
    expect("workflow w \"W\" guard 1 \"G\" require x message \"m\" transitions 1 -> 2 initial 1 "
           "stage 1 \"S\" stage 2 evidence e dated d state s history h where y on ex cite \"I\" "
           "guard 2 require z",
           "workflow w \"W\"\n"
           "    cite \"I\"\n"
           "    on ex where y\n"
           "    history h state s dated d evidence e\n"
           "    stage 1 \"S\"\n"
           "    stage 2\n"
           "    initial 1\n"
           "    transitions 1 -> 2\n"
           "    guard 1 \"G\"\n"
           "        require x\n"
           "        message \"m\"\n"
           "    guard 2\n"
           "        require z\n");
}

/* Expressions. */

static void test_parentheses(void **state)
{
    (void)state;
    expect_expr("((a))", "(a)"); /* one pair of the author's, however many */
    expect_expr("a", "a");
    expect_expr("(a or b) and c", "(a or b) and c");
    expect_expr("a or (b and c)", "a or (b and c)");
    expect_expr("a or b and c", "a or b and c");
    expect_expr("(a and b) or c", "(a and b) or c");
    expect_expr("a - (b - c)", "a - (b - c)");
    expect_expr("(a - b) - c", "(a - b) - c");
    expect_expr("a - b - c", "a - b - c");
    expect_expr("a * (b + c) / d", "a * (b + c) / d");
    expect_expr("(a == b) == c", "(a == b) == c");
    expect_expr("not (a == b)", "not (a == b)");
    expect_expr("not a == b", "not a == b");
    expect_expr("(not a) == b", "(not a) == b");
    expect_expr("not (a and b)", "not (a and b)");
    expect_expr("not not a", "not not a");
    expect_expr("-(a + b) * -c", "-(a + b) * -c");
    expect_expr("- -a", "- -a");
    expect_expr("a + (not b) - c", "a + (not b) - c");
    expect_expr("a and (not b) or c", "a and (not b) or c");
    expect_expr("(a.b).c", "(a.b).c");
    expect_expr("present(a) and count(plan.criteria) > 0", "present(a) and count(plan.criteria) > 0");
    expect_expr("(a + b).c", "(a + b).c");
    expect_expr("x not in [a, b] and y in tags", "x not in [a, b] and y in tags");
    expect_expr("(x.not) in y", "(x.not) in y");
}

static void test_lambda_bodies(void **state)
{
    (void)state;
    /* the bodies reach to the right: parentheses when something follows */
    expect_expr("(all s in steps have s.ok) and b", "(all s in steps have s.ok) and b");
    /* parentheses the author wrote stay, even where the grammar does not need them */
    expect_expr("all s in steps have (s.ok and b)", "all s in steps have (s.ok and b)");
    expect_expr("b and (any steps have ok)", "b and (any steps have ok)");
    expect_expr("(b and any steps have ok) or c", "(b and any steps have ok) or c");
    expect_expr("b and (any steps have ok) or c", "b and (any steps have ok) or c");
    expect_expr("(if a then b else c) + 1", "(if a then b else c) + 1");
    expect_expr("if (all x have y) then (each m in l where m > 1) else c",
                "if (all x have y) then (each m in l where m > 1) else c");
    expect_expr("none (a.b) have it", "none (a.b) have it");
    expect_expr("any (a + b) have it", "any (a + b) have it");
    expect_expr("count((a) where (b or c)) + sum((x * 2) of m in l where m) + min(a, (b))",
                "count((a) where (b or c)) + sum((x * 2) of m in l where m) + min(a, (b))");
    expect_expr("max(month of monthly_reviews)", "max(month of monthly_reviews)");
    expect_expr("-(all x have y)", "-(all x have y)");
    expect_expr("(-all x have y) + 1", "(-all x have y) + 1");
    expect_expr("-all x have y", "-all x have y");
    expect_expr("- all x have y", "-all x have y");
    expect_expr("all x has y", "all x have y");
}

static void test_literals(void **state)
{
    (void)state;
    expect_expr("12.50 + 007 - 2024-05 + 2024-05-01 + true + false",
                "12.50 + 007 - 2024-05 + 2024-05-01 + true + false");
    expect_expr("root.plan.end <= as_of and position > 0 and previous.x != it",
                "root.plan.end <= as_of and position > 0 and previous.x != it");
    /* a field may be any word after '.' */
    expect_expr("a.if + a.count", "a.if + a.count");
    expect_expr("count + sum(x of l)", "count + sum(x of l)");
}

static void test_strings(void **state)
{
    (void)state;
    /* escapes stay as written (\{ is a brace, { a value); a tab becomes \t */
    expect("criterion a message \"a \\\"b\\\" \\\\ \\{c\\} {d} \\n\tend\"",
           "criterion a\n    message \"a \\\"b\\\" \\\\ \\{c\\} {d} \\n\\tend\"\n");
    expect("param p = \"Cấp xã “điển hình”\" cite \"I\"",
           "param p = \"Cấp xã “điển hình”\" cite \"I\"\n");
}

/* Comments and blank lines. */

static void test_comments(void **state)
{
    (void)state;
    expect("# head\n\n\n\n# doc of a\ncriterion a # on head\n  # before cite\n  cite \"I\" "
           "on plan   # after on\n  error\n  require x and # inside\n    y\n    # under the "
           "rule\ncriterion b require z\n# the end   \n",
           "# head\n\n# doc of a\ncriterion a  # on head\n    # before cite\n    cite \"I\"\n"
           "    on plan  # after on\n    error\n    require x\n        and y  # inside\n"
           "    # under the rule\n\ncriterion b\n    require z\n# the end\n");
    /* a trailing comment on the last clause of a group keeps the group on one line */
    expect("criterion a\n    cite \"I\" on plan error  # why\n",
           "criterion a\n    cite \"I\" on plan error  # why\n");
    /* two comments on one line's worth of code: the first goes above */
    expect("param x = 1 # one\n \"L\" # two\n", "# one\nparam x = 1 \"L\"  # two\n");
    /* inside braces */
    expect("enum e { # first\n a # of a\n # before b\n b\n # last\n}",
           "enum e {  # first\n    a  # of a\n    # before b\n    b\n    # last\n}\n");
    expect("# only a comment\n", "# only a comment\n");
    expect("", "");
    expect("\n\n", "");
}

static void test_blank_lines(void **state)
{
    (void)state;
    /* kinds that differ, or rules, are always set apart; the same one-line kind keeps the
     * source's choice */
    expect("import \"a\"\nplan \"N\" \"T\"\nparam a = 1\nparam b = 2\n\n\n\nparam c = 3\n"
           "criterion x require y\ncriterion z require w\n",
           "import \"a\"\n\nplan \"N\"\n    \"T\"\n\nparam a = 1\nparam b = 2\n\nparam c = 3\n\n"
           "criterion x\n    require y\n\ncriterion z\n    require w\n");
}

static void test_bom_crlf(void **state)
{
    (void)state;
    expect("\xEF\xBB\xBF# c\r\nparam x = 1\r\n\r\nparam y = 2 # t\r\n",
           "# c\nparam x = 1\n\nparam y = 2  # t\n");
}

static void test_refused(void **state)
{
    (void)state;
    const char *bad[] = {
        "criterion a cite \"I\" cite \"II\" require x", /* a clause written twice */
        "criterion a on plan[x][y] require z",          /* two [conditions] on one part */
        "criterion a require (x",                       /* a syntax error */
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        td_diag d;
        td_diag_init(&d);
        char *out = NULL;
        assert_int_equal(fmt_text(bad[i], strlen(bad[i]), &out, &d), TD_EINPUT);
        assert_null(out);
        assert_true(d.errors > 0);
        td_diag_free(&d);
    }
}

/* Properties on the rule files of the repository. */

typedef struct parsed {
    td_arena arena;
    td_diag diag;
    td_source *src;
    td_ast *ast;
} parsed;

static void parse_into(parsed *p, const char *name, const char *text, size_t len)
{
    td_arena_init(&p->arena, 0);
    td_diag_init(&p->diag);
    p->src = td_source_new(name, text, len);
    assert_non_null(p->src);
    assert_int_equal(td_parse_source(&p->arena, p->src, 0, &p->diag, &p->ast), TD_OK);
}

static void parsed_free(parsed *p)
{
    td_source_free(p->src);
    td_diag_free(&p->diag);
    td_arena_free(&p->arena);
}

static size_t trimmed(const td_source *s, td_span c)
{
    size_t n = c.len;
    while (n && (s->text[c.off + n - 1] == ' ' || s->text[c.off + n - 1] == '\t'))
        n--;
    return n;
}

static int cmp_strp(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Checks fmt on one text: the AST and the comments are the same, fmt(fmt(x)) == fmt(x).
 * Returns false (and checks nothing) when the text has syntax errors or a clause written
 * twice. *same tells whether
 * the text was already in the standard layout. */
static bool check_properties(const char *name, const char *text, size_t len, bool *same)
{
    parsed a;
    parse_into(&a, name, text, len);
    bool dup = false; /* fmt refuses a clause written twice (test_refused) */
    for (uint32_t i = 0; i < a.ast->n_decls; i++)
        dup |= a.ast->decls[i]->dup_clause.len > 0;
    if (a.ast->had_errors || dup) {
        parsed_free(&a);
        return false;
    }
    td_diag d;
    td_diag_init(&d);
    char *once = NULL, *twice = NULL;
    size_t n1 = 0, n2 = 0;
    td_status st = td_fmt(a.src, &d, &once, &n1);
    if (st != TD_OK) {
        print_error("%s: fmt failed (%d)\n", name, (int)st);
        FILE *dump = fopen("build/tests/fmt-failure.rules", "wb");
        if (dump) {
            fwrite(text, 1, len, dump);
            fclose(dump);
        }
    }
    assert_int_equal(st, TD_OK);
    parsed b;
    parse_into(&b, "fmt", once, n1);
    assert_false(b.ast->had_errors);
    if (!td_ast_equal(a.ast, b.ast))
        print_error("%s: the AST changed\n", name);
    assert_true(td_ast_equal(a.ast, b.ast));
    /* the same comments: a comment moves with its clause, so compare them sorted */
    assert_int_equal(a.ast->n_comments, b.ast->n_comments);
    char **ta = calloc(a.ast->n_comments + 1, sizeof *ta), **tb = calloc(a.ast->n_comments + 1, sizeof *tb);
    assert_true(ta && tb);
    for (uint32_t i = 0; i < a.ast->n_comments; i++) {
        td_span x = a.ast->comments[i], y = b.ast->comments[i];
        ta[i] = strndup(a.src->text + x.off, trimmed(a.src, x));
        tb[i] = strndup(b.src->text + y.off, trimmed(b.src, y));
        assert_true(ta[i] && tb[i]);
    }
    qsort(ta, a.ast->n_comments, sizeof *ta, cmp_strp);
    qsort(tb, a.ast->n_comments, sizeof *tb, cmp_strp);
    for (uint32_t i = 0; i < a.ast->n_comments; i++) {
        assert_string_equal(ta[i], tb[i]);
        free(ta[i]);
        free(tb[i]);
    }
    free(ta);
    free(tb);
    assert_int_equal(td_fmt(b.src, &d, &twice, &n2), TD_OK);
    if (n1 != n2 || memcmp(once, twice, n1) != 0)
        print_error("%s: not idempotent\n--- once:\n%s--- twice:\n%s", name, once, twice);
    assert_int_equal(n1, n2);
    assert_memory_equal(once, twice, n1);
    *same = n1 == len && memcmp(once, text, len) == 0;
    free(once);
    free(twice);
    td_diag_free(&d);
    parsed_free(&b);
    parsed_free(&a);
    return true;
}

static char *slurp(const char *path, size_t *len)
{
    td_source *s = NULL;
    assert_int_equal(td_source_read(path, &s), TD_OK);
    char *t = malloc(s->len + 1);
    assert_non_null(t);
    memcpy(t, s->text, s->len + 1);
    *len = s->len;
    td_source_free(s);
    return t;
}

static void test_repository_files(void **state)
{
    (void)state;
    const char *patterns[] = {"rules/ben-tre/*.rules", "rules/examples/*.rules",
                              "tests/golden/*/*/*.rules", /* check/ and the others */
                              "tests/fuzz/corpus_parse/*.rules"};
    size_t checked = 0, skipped = 0, shipped = 0;
    for (size_t p = 0; p < sizeof patterns / sizeof patterns[0]; p++) {
        glob_t g;
        if (glob(patterns[p], 0, NULL, &g) != 0)
            continue;
        for (size_t i = 0; i < g.gl_pathc; i++) {
            size_t len = 0;
            char *text = slurp(g.gl_pathv[i], &len);
            bool same = false;
            if (check_properties(g.gl_pathv[i], text, len, &same)) {
                checked++;
                if (strncmp(g.gl_pathv[i], "rules/", 6) == 0) {
                    shipped++;
                    if (!same) /* a decision of the rules' owners, not a failure */
                        print_message("note: %s is not in the standard layout (thidua fmt %s)\n",
                                      g.gl_pathv[i], g.gl_pathv[i]);
                }
            } else {
                skipped++;
            }
            free(text);
        }
        globfree(&g);
    }
    print_message("fmt properties: %zu files checked (%zu shipped), %zu with syntax errors "
                  "skipped\n",
                  checked, shipped, skipped);
    assert_true(shipped >= 3);
    assert_true(checked >= 40);
}

/* Properties on random expressions: whatever parentheses the input has, fmt keeps the tree
 * and reaches a fixed point. */

static uint32_t rnd(uint64_t *s)
{
    *s = *s * 6364136223846793005ULL + 1442695040888963407ULL;
    return (uint32_t)(*s >> 33);
}

typedef struct gbuf {
    char s[4096];
    size_t n;
} gbuf;

static void put(gbuf *b, const char *t)
{
    size_t k = strlen(t);
    if (b->n + k < sizeof b->s) {
        memcpy(b->s + b->n, t, k);
        b->n += k;
        b->s[b->n] = '\0';
    }
}

static void gen_expr(gbuf *b, uint64_t *s, int depth);

static void gen_postfix(gbuf *b, uint64_t *s, int depth)
{
    static const char *atoms[] = {"a", "b", "it", "position", "previous", "as_of", "root",
                                  "true", "1", "2.5", "\"s\"", "2024-05", "2024-05-01",
                                  "x.y", "x.not", "x.in", "[a, 1]", "count", "plan"};
    uint32_t r = rnd(s) % (depth > 0 ? 12 : 6);
    switch (r) {
    case 6: put(b, "f("); gen_expr(b, s, depth - 1); put(b, ", "); gen_expr(b, s, depth - 1); put(b, ")"); break;
    case 7: put(b, "count("); gen_postfix(b, s, depth - 1); put(b, " where "); gen_expr(b, s, depth - 1); put(b, ")"); break;
    case 8: put(b, "sum("); gen_expr(b, s, depth - 1); put(b, " of m in "); gen_postfix(b, s, depth - 1); put(b, ")"); break;
    case 9: put(b, "min("); gen_expr(b, s, depth - 1); put(b, ", "); gen_expr(b, s, depth - 1); put(b, ")"); break;
    case 10: put(b, "("); gen_expr(b, s, depth - 1); put(b, ")"); break;
    case 11: gen_postfix(b, s, depth - 1); put(b, ".f"); break;
    default: put(b, atoms[rnd(s) % (sizeof atoms / sizeof atoms[0])]); break;
    }
}

static void gen_expr(gbuf *b, uint64_t *s, int depth)
{
    static const char *ops[] = {" or ", " and ", " == ", " != ", " < ", " <= ", " > ", " >= ",
                                " in ", " not in ", " + ", " - ", " * ", " / "};
    if (depth <= 0) {
        gen_postfix(b, s, 0);
        return;
    }
    uint32_t r = rnd(s) % 12;
    bool paren = rnd(s) % 3 == 0;
    if (paren)
        put(b, "(");
    switch (r) {
    case 0: put(b, "not "); gen_expr(b, s, depth - 1); break;
    case 1: put(b, "-"); gen_expr(b, s, depth - 1); break;
    case 2: put(b, "if "); gen_expr(b, s, depth - 1); put(b, " then "); gen_expr(b, s, depth - 1); put(b, " else "); gen_expr(b, s, depth - 1); break;
    case 3: put(b, rnd(s) % 2 ? "all " : "any m in "); gen_postfix(b, s, depth - 1); put(b, " have "); gen_expr(b, s, depth - 1); break;
    case 4: put(b, "each m in "); gen_postfix(b, s, depth - 1); put(b, " where "); gen_expr(b, s, depth - 1); break;
    case 5: gen_postfix(b, s, depth); break;
    default:
        gen_expr(b, s, depth - 1);
        put(b, ops[rnd(s) % (sizeof ops / sizeof ops[0])]);
        gen_expr(b, s, depth - 1);
        break;
    }
    if (paren)
        put(b, ")");
}

static void test_random_expressions(void **state)
{
    (void)state;
    uint64_t seed = 20240328;
    size_t valid = 0, changed = 0;
    for (int i = 0; i < 4000; i++) {
        gbuf b = {{0}, 0};
        put(&b, "criterion r\n    where ");
        gen_expr(&b, &seed, 1 + i % 5);
        put(&b, "\n    require ");
        gen_expr(&b, &seed, 1 + i % 4);
        put(&b, "\n");
        bool same = false;
        if (check_properties("random", b.s, b.n, &same)) {
            valid++;
            changed += !same;
        }
    }
    print_message("random expressions: %zu of 4000 parse, %zu reprinted differently\n", valid,
                  changed);
    assert_true(valid > 1000);
}

/* Every construct, with comments in odd places. */
static const char torture[] =
    "# header\n\nimport \"a.rules\" # t\nplan \"N\" \"T\" by \"I\" dated 2024-03-28 implements \"A\", \"B\" "
    "period 2024-01-01 .. 2025-12-31\nparam p = -3.50 \"neg\" cite \"I\"\nset p = 2\n"
    "enum e { a \"A\", b c \"C\" }\nrecord r \"R\" cite \"I\" { required id: text \"Id\" "
    "name: list of list of text optional required: int , }\nextend r { optional x: bool }\n"
    "document r\ndefine r.x \"X\" = count(m in items where m.v > 1)\n"
    "replace criterion c.one \"One\" require (a or b) and not c == d message \"m {x} \\{l\\}\" "
    "hint \"h\" error on plan, exemplars[type == collective].plan where all s in steps have "
    "s.step == position cite \"II\" due 2025-12-31 let q = if a then b else c let z = each m in "
    "months(f, l) where m not in r\n"
    "target t.one \"T\" cite \"II\" sum (value) of exemplars[counted] where true by unit.kind "
    "at least 10 due period_end\ntarget t.two count document\n"
    "workflow w \"W\" cite \"II\" on exemplars where type == collective history steps state "
    "step dated date evidence evidence stage 1 \"S1\" stage 2 initial 1, 2 transitions 1 -> 2, "
    "2 -> 1 guard 1 \"G\" require any r have x message \"gm\" guard (2) require ((true))\n"
    "disable c.one because \"why\"\nnote \"I.1\" \"L\" because \"r\"\n# end\n";

/* Comments inserted at random between the tokens of a text (at spaces outside strings and
 * comments): fmt keeps the tree and every comment, and reaches a fixed point. */
static void test_random_comments(void **state)
{
    (void)state;
    size_t lens[3];
    char *texts[3];
    texts[0] = slurp("rules/ben-tre/province.rules", &lens[0]);
    texts[1] = slurp("rules/ben-tre/chau-thanh.rules", &lens[1]);
    texts[2] = strdup(torture);
    assert_non_null(texts[2]);
    lens[2] = strlen(torture);
    uint64_t seed = 58;
    size_t inserted = 0, skipped = 0;
    for (int it = 0; it < 120; it++) {
        const char *t = texts[it % 3];
        size_t n = lens[it % 3], cap = 2 * n + 4096, o = 0;
        char *buf = malloc(cap);
        assert_non_null(buf);
        uint32_t every = 4 + rnd(&seed) % 40;
        bool in_str = false, in_cmt = false;
        for (size_t i = 0; i < n; i++) {
            char c = t[i];
            if (!in_str && !in_cmt && c == ' ' && rnd(&seed) % every == 0 && o + 32 < cap) {
                o += (size_t)snprintf(buf + o, cap - o, " # c%zu%s\n", inserted++,
                                      rnd(&seed) % 4 ? "" : "   ");
                if (rnd(&seed) % 3 == 0)
                    o += (size_t)snprintf(buf + o, cap - o, "\n");
                if (rnd(&seed) % 2)
                    o += (size_t)snprintf(buf + o, cap - o, "  ");
                continue;
            }
            if (in_str && c == '\\' && i + 1 < n) {
                buf[o++] = c;
                buf[o++] = t[++i];
                continue;
            }
            if (!in_cmt && c == '"')
                in_str = !in_str;
            else if (!in_str && c == '#')
                in_cmt = true;
            else if (c == '\n')
                in_cmt = false;
            if (o + 1 < cap)
                buf[o++] = c;
        }
        bool same = false;
        /* a comment between `not` and `in` splits that token: such a text is skipped */
        skipped += !check_properties("random-comments", buf, o, &same);
        free(buf);
    }
    print_message("random comments: %zu inserted over 120 files, %zu files skipped\n", inserted,
                  skipped);
    assert_true(skipped < 40);
    for (int i = 0; i < 3; i++)
        free(texts[i]);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_plan),
        cmocka_unit_test(test_one_line_decls),
        cmocka_unit_test(test_schema),
        cmocka_unit_test(test_define),
        cmocka_unit_test(test_criterion_order),
        cmocka_unit_test(test_long_group_breaks),
        cmocka_unit_test(test_target),
        cmocka_unit_test(test_workflow),
        cmocka_unit_test(test_parentheses),
        cmocka_unit_test(test_lambda_bodies),
        cmocka_unit_test(test_literals),
        cmocka_unit_test(test_strings),
        cmocka_unit_test(test_comments),
        cmocka_unit_test(test_blank_lines),
        cmocka_unit_test(test_bom_crlf),
        cmocka_unit_test(test_refused),
        cmocka_unit_test(test_repository_files),
        cmocka_unit_test(test_random_expressions),
        cmocka_unit_test(test_random_comments),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
