/* Unit tests of the built-in rules compiled at build time (engine/lang/image.c): the image
 * linked into the library is, word for word, what the compiler makes of the rule texts the
 * library embeds, and judges units exactly as the rules compiled at run time do. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <glob.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "image.h"
#include "resolve.h"

static void test_image_is_the_compiled_text(void **state)
{
    (void)state;
    const td_image *im = &td_builtin_image;
    assert_non_null(im->words);
    td_diag d;
    td_diag_init(&d);
    td_image_build b;
    assert_int_equal(td_image_compile(TD_LANG_EN, &d, &b), TD_OK);
    assert_int_equal(b.used + b.top, im->n_words * sizeof *im->words);
    assert_int_equal(td_image_offset(&b, (size_t)((const char *)b.program - b.base)), im->program);
    /* a word of the fresh compile that points into its chunk is, in the image, a pointer
     * to the same place of the image; every other word is equal */
    const uintptr_t lo = (uintptr_t)im->words, base = (uintptr_t)b.base;
    size_t pointers = 0, differ = 0;
    for (size_t i = 0; i < im->n_words; i++) {
        size_t off = i * sizeof(uintptr_t);
        if (off >= b.used)
            off = b.size - b.top + (off - b.used);
        uintptr_t w = (uintptr_t)im->words[i], c;
        memcpy(&c, b.base + off, sizeof c);
        if (c >= base && c - base <= b.size) {
            size_t to = td_image_offset(&b, c - base);
            pointers++;
            differ += to == SIZE_MAX || w != lo + to;
        } else {
            differ += c != w;
        }
    }
    assert_int_equal(differ, 0);
    assert_true(pointers > 1000);
    td_image_build_free(&b);
    td_diag_free(&d);
}

static void test_builtin_uses_the_image_unless_defined(void **state)
{
    (void)state;
    td_diag d;
    td_diag_init(&d);
    td_program *p = NULL;
    assert_int_equal(td_program_builtin(NULL, 0, &d, &p), TD_OK);
    assert_ptr_equal(p, td_image_program());
    assert_true(p->image);
    /* the language the rules declare, as a compilation gives it */
    assert_int_equal(td_diag_lang(&d), TD_LANG_VI);
    assert_int_equal(d.n, 0);
    td_program_free(p); /* leaves the image alone */
    const char *def = "district_total=120";
    td_program *q = NULL;
    assert_int_equal(td_program_builtin(&def, 1, &d, &q), TD_OK);
    assert_false(q->image);
    td_program_free(q);
    td_diag_free(&d);
}

/* The findings of `p` on `path`, rendered as validate prints them (caller frees). */
static char *findings(const td_program *p, const char *path)
{
    td_diag d;
    td_diag_init_lang(&d, TD_LANG_EN);
    char *out = NULL;
    size_t len = 0;
    FILE *m = open_memstream(&out, &len);
    assert_non_null(m);
    int32_t as_of;
    assert_true(td_date_parse("2024-12-31", &as_of));
    td_status st = td_validate_file(p, path, as_of, &d);
    fprintf(m, "status %d\n", (int)st);
    td_diag_print(&d, m, false, 1000, NULL, NULL);
    fclose(m);
    td_diag_free(&d);
    return out;
}

static void test_image_judges_as_the_compiled_rules(void **state)
{
    (void)state;
    /* the same texts compiled now, the entry first, as td_program_builtin names them */
    td_rule_text texts[16];
    size_t n = 0;
    for (size_t i = 0; i < td_builtin_count && n < 16; i++)
        if (strcmp(td_builtin_files[i].path, TD_BUILTIN_ENTRY) == 0)
            texts[n++] = (td_rule_text){td_builtin_files[i].path, td_builtin_files[i].text,
                                        td_builtin_files[i].len};
    for (size_t i = 0; i < td_builtin_count && n < 16; i++)
        if (strcmp(td_builtin_files[i].path, TD_BUILTIN_ENTRY) != 0)
            texts[n++] = (td_rule_text){td_builtin_files[i].path, td_builtin_files[i].text,
                                        td_builtin_files[i].len};
    assert_int_equal(n, td_builtin_count);
    td_program *run = NULL, *img = NULL;
    assert_int_equal(td_program_compile_texts(texts, n, NULL, 0, NULL, &run), TD_OK);
    assert_int_equal(td_program_builtin(NULL, 0, NULL, &img), TD_OK);
    assert_false(run->image);
    assert_true(img->image);
    glob_t g;
    assert_int_equal(glob("examples/*/*.yaml", 0, NULL, &g), 0);
    assert_int_equal(glob("examples/*/*/*.yaml", GLOB_APPEND, NULL, &g), 0);
    assert_true(g.gl_pathc >= 10);
    size_t with_findings = 0;
    for (size_t i = 0; i < g.gl_pathc; i++) {
        char *a = findings(run, g.gl_pathv[i]), *b = findings(img, g.gl_pathv[i]);
        assert_string_equal(a, b);
        with_findings += strchr(a, ':') != NULL;
        free(a);
        free(b);
    }
    assert_true(with_findings > 0);
    globfree(&g);
    td_program_free(run);
    td_program_free(img);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_image_is_the_compiled_text),
        cmocka_unit_test(test_builtin_uses_the_image_unless_defined),
        cmocka_unit_test(test_image_judges_as_the_compiled_rules),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
