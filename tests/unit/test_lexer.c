/* Unit tests of the rule-language lexer (grammar/lexer.l) and the keyword table
 * (engine/keywords.c): token classes, spans in bytes, literals, errors. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "keywords.h"
#include "parse.h"
#include "parser.h"

#define MAXTOK 64

typedef struct fx {
    td_arena arena;
    td_diag diag;
    td_source *src;
    td_parse p;
    bool open;
    td_token toks[MAXTOK];
    int n;
} fx;

static int setup(void **state)
{
    fx *f = calloc(1, sizeof *f);
    if (!f)
        return -1;
    td_arena_init(&f->arena, 0);
    td_diag_init(&f->diag);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fx *f = *state;
    if (f->open)
        td_parse_close(&f->p);
    td_source_free(f->src);
    td_diag_free(&f->diag);
    td_arena_free(&f->arena);
    free(f);
    return 0;
}

/* Scans text[off, off+len) (the whole text when len is 0) into f->toks, up to T_EOF. */
static int lex_range(fx *f, const char *text, size_t tlen, uint32_t off, uint32_t len)
{
    f->src = td_source_new("t.rules", text, tlen);
    assert_non_null(f->src);
    if (!len)
        len = (uint32_t)tlen - off;
    assert_int_equal(td_parse_open(&f->p, &f->arena, f->src, 7, &f->diag, off, len, 0), TD_OK);
    f->open = true;
    f->n = 0;
    while (f->n < MAXTOK) {
        int k = td_lex(&f->p, &f->toks[f->n]);
        f->n++;
        if (k == T_EOF)
            break;
    }
    return f->n;
}

static int lex(fx *f, const char *text)
{
    return lex_range(f, text, strlen(text), 0, 0);
}

static void expect_kinds(const fx *f, const int *kinds, int n)
{
    assert_int_equal(f->n, n + 1);
    for (int i = 0; i < n; i++)
        assert_int_equal(f->toks[i].kind, kinds[i]);
    assert_int_equal(f->toks[n].kind, T_EOF);
}

static void expect_span(const td_token *t, uint32_t off, uint32_t len)
{
    assert_int_equal(t->span.src, 7);
    assert_int_equal(t->span.off, off);
    assert_int_equal(t->span.len, len);
}

static void test_lexer_punctuation(void **state)
{
    fx *f = *state;
    lex(f, "( ) [ ] { } , . : = == != < <= > >= + - * / .. -> ...");
    static const int kinds[] = {T_LPAREN, T_RPAREN, T_LBRACKET, T_RBRACKET, T_LBRACE, T_RBRACE,
                                T_COMMA, T_DOT, T_COLON, T_ASSIGN, T_EQ, T_NE, T_LT, T_LE, T_GT,
                                T_GE, T_PLUS, T_MINUS, T_STAR, T_SLASH, T_DOTDOT, T_ARROW,
                                T_DOTDOT, T_DOT};
    expect_kinds(f, kinds, 24);
    expect_span(&f->toks[10], 20, 2); /* == */
    expect_span(&f->toks[21], 47, 2); /* -> */
    expect_span(&f->toks[22], 50, 2); /* ... is .. then . */
    expect_span(&f->toks[23], 52, 1);
    assert_int_equal(f->diag.n, 0);
}

static void test_lexer_numbers(void **state)
{
    fx *f = *state;
    lex(f, "123 12.5 0.25 007");
    static const int kinds[] = {T_NUMBER, T_NUMBER, T_NUMBER, T_NUMBER};
    expect_kinds(f, kinds, 4);
    assert_true(f->toks[0].num.is_int);
    assert_true(f->toks[0].num.value == 123.0);
    assert_false(f->toks[1].num.is_int);
    assert_true(f->toks[1].num.value == 12.5);
    assert_true(f->toks[2].num.value == 0.25);
    assert_true(f->toks[3].num.value == 7.0);
    expect_span(&f->toks[1], 4, 4);
}

static void test_lexer_dates_months_and_minus(void **state)
{
    fx *f = *state;
    lex(f, "2024-03-28 2024-05 2024 - 05 a-1 2024-05-1 x..y");
    static const int kinds[] = {T_DATE, T_MONTH, T_NUMBER, T_MINUS, T_NUMBER, T_IDENT, T_MINUS,
                                T_NUMBER, T_MONTH, T_MINUS, T_NUMBER, T_IDENT, T_DOTDOT, T_IDENT};
    expect_kinds(f, kinds, 14);
    assert_string_equal(f->toks[0].text, "2024-03-28");
    expect_span(&f->toks[0], 0, 10);
    assert_string_equal(f->toks[1].text, "2024-05");
    assert_string_equal(f->toks[8].text, "2024-05");
    /* the calendar is resolve's business: the lexer keeps impossible dates as written */
    fx g = {0};
    td_arena_init(&g.arena, 0);
    td_diag_init(&g.diag);
    lex(&g, "2024-02-30");
    assert_int_equal(g.toks[0].kind, T_DATE);
    assert_string_equal(g.toks[0].text, "2024-02-30");
    td_parse_close(&g.p);
    td_source_free(g.src);
    td_diag_free(&g.diag);
    td_arena_free(&g.arena);
}

static void test_lexer_string_escapes(void **state)
{
    fx *f = *state;
    lex(f, "x \"a\\\"b\\\\c\\nd\\te\\{k\\}\" y");
    static const int kinds[] = {T_IDENT, T_STRING, T_IDENT};
    expect_kinds(f, kinds, 3);
    assert_string_equal(f->toks[1].str.text, "a\"b\\c\nd\te{k}");
    expect_span(&f->toks[1], 2, 20); /* the quotes included */
    assert_memory_equal(&f->toks[1].str.span, &f->toks[1].span, sizeof(td_span));
    expect_span(&f->toks[2], 23, 1);
    assert_int_equal(f->diag.n, 0);
}

static void test_lexer_string_utf8(void **state)
{
    fx *f = *state;
    const char *text = "\"Hưởng ứng “Đồng Khởi mới”\" ư";
    lex(f, text);
    assert_int_equal(f->toks[0].kind, T_STRING);
    assert_string_equal(f->toks[0].str.text, "Hưởng ứng “Đồng Khởi mới”");
    /* offsets count bytes, not characters */
    uint32_t len = (uint32_t)strlen("\"Hưởng ứng “Đồng Khởi mới”\"");
    expect_span(&f->toks[0], 0, len);
    /* a Vietnamese letter outside a string is a name written with diacritics: one error,
     * then the name without them */
    assert_int_equal(f->toks[1].kind, T_IDENT);
    expect_span(&f->toks[1], len + 1, 2);
    assert_string_equal(f->toks[1].text, "u");
    assert_int_equal(f->diag.n, 1);
    assert_string_equal(f->diag.items[0].code, "name-diacritics");
    assert_non_null(strstr(f->diag.items[0].hint, "không dấu"));
}

static void test_lexer_unterminated_string(void **state)
{
    fx *f = *state;
    lex(f, "a = 1\nlabel \"Số điển hình\n  next");
    static const int kinds[] = {T_IDENT, T_ASSIGN, T_NUMBER, T_IDENT, T_STRING, T_IDENT};
    expect_kinds(f, kinds, 6);
    assert_string_equal(f->toks[4].str.text, "Số điển hình");
    assert_int_equal(f->diag.n, 1);
    const td_diagnostic *e = &f->diag.items[0];
    assert_string_equal(e->code, "unterminated-string");
    assert_int_equal(e->sev, TD_SEV_ERROR);
    assert_int_equal(e->line, 2);
    assert_int_equal(e->col, 7);
    assert_int_equal(e->width, 13); /* to the end of the line, in characters */
    assert_non_null(strstr(e->message, "unterminated string"));
    assert_non_null(e->hint);
    /* the next line is scanned normally */
    assert_string_equal(f->toks[5].text, "next");
}

static void test_lexer_unterminated_string_at_eof(void **state)
{
    fx *f = *state;
    lex(f, "x \"abc\\");
    assert_int_equal(f->toks[1].kind, T_STRING);
    assert_int_equal(f->toks[2].kind, T_EOF);
    assert_int_equal(f->diag.n, 1);
    assert_string_equal(f->diag.items[0].code, "unterminated-string");
    assert_int_equal(f->diag.items[0].col, 3);
}

static void test_lexer_bad_escape(void **state)
{
    fx *f = *state;
    lex(f, "\"a\\qb\" \"\\é\"");
    assert_int_equal(f->toks[0].kind, T_STRING);
    assert_string_equal(f->toks[0].str.text, "a\\qb");
    assert_int_equal(f->diag.n, 2);
    assert_string_equal(f->diag.items[0].code, "bad-escape");
    assert_int_equal(f->diag.items[0].col, 3);
    assert_int_equal(f->diag.items[0].width, 2);
    assert_string_equal(f->diag.items[0].message, "unknown escape '\\q' in a string");
    assert_string_equal(f->diag.items[1].message, "unknown escape '\\é' in a string");
}

static void test_lexer_invalid_character(void **state)
{
    fx *f = *state;
    lex(f, "a ! b ; “x” && “open");
    static const int kinds[] = {T_IDENT, T_INVALID, T_IDENT, T_INVALID, T_STRING, T_INVALID,
                                T_INVALID, T_IDENT};
    expect_kinds(f, kinds, 8);
    expect_span(&f->toks[1], 2, 1);
    assert_int_equal(f->diag.n, 5);
    assert_string_equal(f->diag.items[0].code, "invalid-character");
    assert_string_equal(f->diag.items[0].message, "invalid character '!'");
    assert_int_equal(f->diag.items[0].col, 3);
    assert_non_null(strstr(f->diag.items[0].hint, "not"));
    assert_non_null(strstr(f->diag.items[1].hint, "separator"));
    /* curly quotes around a text: one error, and the text is still a string */
    assert_string_equal(f->toks[4].str.text, "x");
    expect_span(&f->toks[4], 8, 7);
    assert_string_equal(f->diag.items[2].code, "bad-quote");
    assert_string_equal(f->diag.items[2].hint, "write \"x\"");
    /* && is one mistake, not two */
    expect_span(&f->toks[5], 16, 2);
    assert_string_equal(f->diag.items[3].message, "invalid operator '&&'");
    assert_string_equal(f->diag.items[3].hint, "write 'and'");
    /* an opening curly quote alone is an invalid character */
    assert_non_null(strstr(f->diag.items[4].message, "U+201C"));
    assert_non_null(strstr(f->diag.items[4].hint, "straight double quotes"));
}

static void test_lexer_single_quotes(void **state)
{
    fx *f = *state;
    lex(f, "x == 'Tân Thạch' or y == 'a");
    static const int kinds[] = {T_IDENT, T_EQ, T_STRING, T_OR, T_IDENT, T_EQ, T_INVALID,
                                T_IDENT};
    expect_kinds(f, kinds, 8);
    assert_string_equal(f->toks[2].str.text, "Tân Thạch");
    assert_int_equal(f->diag.n, 2);
    assert_string_equal(f->diag.items[0].code, "bad-quote");
    assert_int_equal(f->diag.items[0].col, 6);
    assert_string_equal(f->diag.items[0].hint, "write \"Tân Thạch\"");
    assert_string_equal(f->diag.items[1].code, "invalid-character");
}

static void test_lexer_invalid_utf8(void **state)
{
    fx *f = *state;
    /* a lone lead byte, an overlong form in a string, a bad byte in a comment */
    const char text[] = "a \xC3( \"x\xC0\xAFy\" # ok \xFF\nb";
    lex_range(f, text, sizeof text - 1, 0, 0);
    static const int kinds[] = {T_IDENT, T_INVALID, T_LPAREN, T_STRING, T_IDENT};
    expect_kinds(f, kinds, 5);
    expect_span(&f->toks[1], 2, 1);
    assert_string_equal(f->toks[3].str.text, "xy");
    assert_int_equal(f->diag.n, 3);
    for (int i = 0; i < 3; i++)
        assert_string_equal(f->diag.items[i].code, "invalid-utf8");
    assert_string_equal(f->diag.items[0].message, "invalid UTF-8 byte 0xC3");
    assert_int_equal(f->diag.items[0].col, 3);
    assert_non_null(strstr(f->diag.items[1].message, "0xC0 in a string"));
    assert_non_null(strstr(f->diag.items[2].message, "0xFF in a comment"));
}

static void test_lexer_comments(void **state)
{
    fx *f = *state;
    lex(f, "# head\r\na # tail \"not a string\"\n#\nb");
    static const int kinds[] = {T_IDENT, T_IDENT};
    expect_kinds(f, kinds, 2);
    expect_span(&f->toks[0], 8, 1);
    expect_span(&f->toks[1], 34, 1);
    assert_int_equal(f->p.comments.n, 3);
    const td_span *c = f->p.comments.data;
    assert_int_equal(c[0].off, 0);
    assert_int_equal(c[0].len, 6); /* without the CR */
    assert_int_equal(c[1].off, 10);
    assert_int_equal(c[1].len, 21);
    assert_int_equal(c[2].off, 32);
    assert_int_equal(c[2].len, 1);
    assert_int_equal(f->diag.n, 0);
}

static void test_lexer_keywords_and_names(void **state)
{
    fx *f = *state;
    lex(f, "criterion plan state stater as_of Plan _x1 not in notin not inside not\n in(");
    static const int kinds[] = {T_CRITERION, T_PLAN, T_STATE, T_IDENT, T_AS_OF, T_IDENT,
                                T_IDENT, T_NOT_IN, T_IDENT, T_NOT, T_IDENT, T_NOT_IN, T_LPAREN};
    expect_kinds(f, kinds, 13);
    assert_string_equal(f->toks[0].text, "criterion");
    assert_string_equal(f->toks[3].text, "stater");
    assert_string_equal(f->toks[5].text, "Plan"); /* keywords are case-sensitive */
    expect_span(&f->toks[7], 43, 6);
    expect_span(&f->toks[8], 50, 5);
    expect_span(&f->toks[11], 67, 7); /* across a newline */
    expect_span(&f->toks[12], 74, 1);
}

static void test_lexer_offsets_of_substring(void **state)
{
    fx *f = *state;
    /* scanning part of a text keeps offsets absolute */
    const char *text = "message \"Còn {count(x)} ngày\"";
    uint32_t off = (uint32_t)(strstr(text, "{") - text) + 1;
    lex_range(f, text, strlen(text), off, 8);
    static const int kinds[] = {T_COUNT, T_LPAREN, T_IDENT, T_RPAREN};
    expect_kinds(f, kinds, 4);
    expect_span(&f->toks[0], off, 5);
    expect_span(&f->toks[2], off + 6, 1);
    expect_span(&f->toks[4], off + 8, 0);
}

static void test_lexer_empty_and_eof(void **state)
{
    fx *f = *state;
    lex(f, "  \n\t");
    assert_int_equal(f->n, 1);
    assert_int_equal(f->toks[0].kind, T_EOF);
    expect_span(&f->toks[0], 4, 0);
    /* asking again still says end of input */
    td_token t;
    assert_int_equal(td_lex(&f->p, &t), T_EOF);
}

static void test_keyword_table(void **state)
{
    (void)state;
    assert_true(td_n_keywords > 60);
    for (size_t i = 0; i < td_n_keywords; i++) {
        const td_keyword *k = &td_keywords[i];
        if (i)
            assert_true(strcmp(td_keywords[i - 1].spelling, k->spelling) < 0);
        assert_ptr_equal(td_keyword_find(k->spelling, strlen(k->spelling)), k);
        assert_ptr_equal(td_keyword_of_token(k->token), k);
        assert_string_equal(td_token_spelling(k->token), k->spelling);
        /* a keyword is a name or reserved, never both */
        assert_true(((k->flags & TD_KW_NAME) != 0) != ((k->flags & TD_KW_RESERVED) != 0));
    }
    assert_null(td_keyword_find("requir", 6));
    assert_null(td_keyword_find("required_x", 10));
    assert_non_null(td_keyword_find("required_x", 8));
    assert_string_equal(td_token_spelling(T_LE), "<=");
    assert_string_equal(td_token_spelling(T_NOT_IN), "not in");
    assert_true(td_keyword_find("plan", 4)->flags & TD_KW_NAME);
    assert_true(td_keyword_find("where", 5)->flags & TD_KW_RESERVED);
    assert_true(td_keyword_find("criterion", 9)->flags & TD_KW_DECL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_lexer_punctuation, setup, teardown),
        cmocka_unit_test_setup_teardown(test_lexer_numbers, setup, teardown),
        cmocka_unit_test_setup_teardown(test_lexer_dates_months_and_minus, setup, teardown),
        cmocka_unit_test_setup_teardown(test_lexer_string_escapes, setup, teardown),
        cmocka_unit_test_setup_teardown(test_lexer_string_utf8, setup, teardown),
        cmocka_unit_test_setup_teardown(test_lexer_unterminated_string, setup, teardown),
        cmocka_unit_test_setup_teardown(test_lexer_unterminated_string_at_eof, setup, teardown),
        cmocka_unit_test_setup_teardown(test_lexer_bad_escape, setup, teardown),
        cmocka_unit_test_setup_teardown(test_lexer_invalid_character, setup, teardown),
        cmocka_unit_test_setup_teardown(test_lexer_single_quotes, setup, teardown),
        cmocka_unit_test_setup_teardown(test_lexer_invalid_utf8, setup, teardown),
        cmocka_unit_test_setup_teardown(test_lexer_comments, setup, teardown),
        cmocka_unit_test_setup_teardown(test_lexer_keywords_and_names, setup, teardown),
        cmocka_unit_test_setup_teardown(test_lexer_offsets_of_substring, setup, teardown),
        cmocka_unit_test_setup_teardown(test_lexer_empty_and_eof, setup, teardown),
        cmocka_unit_test(test_keyword_table),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
