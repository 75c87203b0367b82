/* Unit tests of source texts (engine/diag.c): a file read from disk gives the same text and
 * line table as the same bytes given in memory, whether it is read the ordinary way or, when
 * large, into pages of its own, on one thread or several; and a diagnostic's text formatted
 * without printf (texts only) reads as printf writes it. */
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

/* `n` bytes of lines of varied length (some empty), ending with a newline or not. */
static char *make_text(size_t n, bool final_newline)
{
    char *t = malloc(n);
    assert_non_null(t);
    size_t col = 0;
    for (size_t i = 0; i < n; i++) {
        if (col >= 3 + i % 71 || i % 997 == 0) {
            t[i] = '\n';
            col = 0;
        } else {
            t[i] = (char)('a' + i % 26);
            col++;
        }
    }
    t[n - 1] = final_newline ? '\n' : 'z';
    return t;
}

/* Writes the text to a file, reads it back (on `threads` threads) and compares it with
 * td_source_new's. */
static void check_read_on(size_t n, bool final_newline, bool expect_mapped, unsigned threads)
{
    char path[] = "/tmp/thidua-source-XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    char *t = make_text(n, final_newline);
    assert_int_equal(write(fd, t, n), (ssize_t)n);
    close(fd);
    td_source *disk = NULL;
    assert_int_equal(threads ? td_source_read_jobs(path, threads, &disk)
                             : td_source_read(path, &disk), TD_OK);
    unlink(path);
    td_source *mem = td_source_new(path, t, n);
    assert_non_null(disk);
    assert_non_null(mem);
    assert_string_equal(disk->name, path);
    assert_int_equal(disk->len, n);
    assert_memory_equal(disk->text, t, n);
    assert_int_equal(disk->text[n], '\0');
    assert_int_equal(disk->mapped != 0, expect_mapped);
    assert_int_equal(disk->nlines, mem->nlines);
    assert_memory_equal(disk->lines, mem->lines, mem->nlines * sizeof *mem->lines);
    uint32_t line = 0, col = 0;
    td_source_linecol(disk, (uint32_t)(n - 1), &line, &col);
    assert_int_equal(line, final_newline ? disk->nlines - 1 : disk->nlines);
    td_source_free(disk);
    td_source_free(mem);
    free(t);
}

static void check_read(size_t n, bool final_newline, bool expect_mapped)
{
    check_read_on(n, final_newline, expect_mapped, 0);
}

static void test_source_small_file_read_as_in_memory(void **state)
{
    (void)state;
    check_read(10000, true, false);
    check_read(10001, false, false);
}

static void test_source_large_file_read_into_pages(void **state)
{
    (void)state;
    check_read(5 * 1024 * 1024 + 123, false, true);
    check_read(4 * 1024 * 1024, true, true);
}

/* Read in slices on several threads, the slices meeting anywhere in a line or at its end. */
static void test_source_large_file_read_on_threads(void **state)
{
    (void)state;
    check_read_on(9 * 1024 * 1024 + 7, false, true, 2);
    check_read_on(9 * 1024 * 1024 + 7, true, true, 3);
    check_read_on(4 * 1024 * 1024 + 1, false, true, TD_SOURCE_THREADS + 5);
    check_read_on(10001, true, false, 2);
}

static void test_source_missing_file_is_eio(void **state)
{
    (void)state;
    td_source *s = NULL;
    assert_int_equal(td_source_read("/nonexistent/thidua/file.yaml", &s), TD_EIO);
    assert_null(s);
}

/* td_diag_set gives what printf gives, for formats it puts together itself (%s, %N$s, %%)
 * and for those it leaves to printf. */
static void test_diag_set_texts_as_printf_writes_them(void **state)
{
    (void)state;
    td_diag d;
    td_diag_init(&d);
    char *f = NULL;
    assert_true(td_diag_set(&d, &f, "'%s' is used twice as the id of %s: here and at %s", "A-1",
                            "exemplars[]", "x.yaml:3"));
    assert_string_equal(f, "'A-1' is used twice as the id of exemplars[]: here and at x.yaml:3");
    assert_true(td_diag_set(&d, &f, "%2$s before %1$s, %2$s again", "one", "two"));
    assert_string_equal(f, "two before one, two again");
    assert_true(td_diag_set(&d, &f, "100%% of %s%%", "đơn vị"));
    assert_string_equal(f, "100% of đơn vị%");
    assert_true(td_diag_set(&d, &f, "%s%s", "exemplar.ids", ".similar"));
    assert_string_equal(f, "exemplar.ids.similar");
    assert_true(td_diag_set(&d, &f, "no conversion at all"));
    assert_string_equal(f, "no conversion at all");
    assert_true(td_diag_set(&d, &f, "%s%s%s%s%s%s%s%s%s%s", "a", "b", "c", "d", "e", "f", "g",
                            "h", "i", "j")); /* more texts than it puts together: printf's */
    assert_string_equal(f, "abcdefghij");
    assert_true(td_diag_set(&d, &f, "%s:%u, %-4s|", "f.yaml", 12u, "ab"));
    assert_string_equal(f, "f.yaml:12, ab  |");
    free(f);
    td_diag_free(&d);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_source_small_file_read_as_in_memory),
        cmocka_unit_test(test_source_large_file_read_into_pages),
        cmocka_unit_test(test_source_large_file_read_on_threads),
        cmocka_unit_test(test_source_missing_file_is_eio),
        cmocka_unit_test(test_diag_set_texts_as_printf_writes_them),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
