/* Unit tests of the scratch stream: what is written is read back in order, in memory while
 * small and through a temporary file beyond, and it can be emptied and used again. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "scratch.h"

/* Writes records of 1..97 bytes (each byte its record's number and offset) until `total`
 * bytes, reads them back and checks each. */
static void round_trip(td_scratch *s, size_t total)
{
    unsigned char rec[97], back[97];
    size_t written = 0, k = 0;
    while (written < total) {
        size_t n = 1 + k % 97;
        for (size_t i = 0; i < n; i++)
            rec[i] = (unsigned char)(k * 31 + i);
        assert_true(td_scratch_write(s, rec, n));
        written += n;
        k++;
    }
    assert_true(td_scratch_rewind(s));
    for (size_t j = 0; j < k; j++) {
        size_t n = 1 + j % 97;
        assert_true(td_scratch_read(s, back, n));
        for (size_t i = 0; i < n; i++)
            assert_int_equal(back[i], (unsigned char)(j * 31 + i));
    }
    /* nothing past the end */
    assert_false(td_scratch_read(s, back, 1));
}

static void test_small_stays_in_memory(void **state)
{
    (void)state;
    td_scratch s = {0};
    round_trip(&s, 10000);
    assert_null(s.f);
    assert_true(td_scratch_clear(&s));
    round_trip(&s, 500);
    td_scratch_free(&s);
}

static void test_large_goes_to_a_file(void **state)
{
    (void)state;
    td_scratch s = {0};
    /* the bytes written in memory before it outgrew it are in the file too */
    round_trip(&s, TD_SCRATCH_MEM * 3 + 12345);
    assert_non_null(s.f);
    assert_true(td_scratch_clear(&s));
    /* emptied: a second use reads only its own bytes */
    round_trip(&s, 777);
    td_scratch_free(&s);
    assert_null(s.f);
    assert_null(s.mem);
}

static void test_own_limit(void **state)
{
    (void)state;
    td_scratch s = {.limit = 1000};
    round_trip(&s, 900);
    assert_null(s.f);
    assert_true(td_scratch_clear(&s));
    /* past its own limit, far below TD_SCRATCH_MEM: a file */
    round_trip(&s, 1100);
    assert_non_null(s.f);
    /* the limit outlives what it held */
    td_scratch_free(&s);
    assert_int_equal(s.limit, 1000);
    td_scratch_free(&s);
}

/* Cursors read a stream from any byte, each on its own, in memory and from a file: records
 * of 1..97 bytes written as round_trip writes them, read from the start of record j. */
static void cursors_read(td_scratch *s, size_t total)
{
    unsigned char rec[97], back[97];
    size_t written = 0, k = 0, at[8192];
    while (written < total) {
        size_t n = 1 + k % 97;
        for (size_t i = 0; i < n; i++)
            rec[i] = (unsigned char)(k * 31 + i);
        if (k < sizeof at / sizeof at[0])
            at[k] = written;
        assert_true(td_scratch_write(s, rec, n));
        written += n;
        k++;
    }
    assert_true(td_scratch_rewind(s));
    td_scratch_cursor a, b;
    memset(&a, 0, sizeof a);
    memset(&b, 0, sizeof b);
    size_t starts[] = {0, 1, 97, k / 2, k < 8192 ? k - 1 : 8191, 3};
    for (size_t t = 0; t < sizeof starts / sizeof starts[0]; t++) {
        /* a from the start of record starts[t], b from the record after it, interleaved */
        size_t ja = starts[t], jb = starts[t] + 1 < k && starts[t] + 1 < 8192 ? starts[t] + 1 : 0;
        td_scratch_seek(&a, s, at[ja]);
        td_scratch_seek(&b, s, at[jb]);
        for (size_t r = 0; r < 40 && ja < k && jb < k; r++, ja++, jb++) {
            size_t n = 1 + ja % 97;
            assert_true(td_scratch_cursor_read(&a, back, n));
            for (size_t i = 0; i < n; i++)
                assert_int_equal(back[i], (unsigned char)(ja * 31 + i));
            n = 1 + jb % 97;
            assert_true(td_scratch_cursor_read(&b, back, n));
            for (size_t i = 0; i < n; i++)
                assert_int_equal(back[i], (unsigned char)(jb * 31 + i));
        }
    }
    /* nothing past the end, and a read larger than the cursor's buffer */
    td_scratch_seek(&a, s, written);
    assert_false(td_scratch_cursor_read(&a, back, 1));
    unsigned char *all = malloc(written);
    assert_non_null(all);
    td_scratch_seek(&a, s, 0);
    assert_true(td_scratch_cursor_read(&a, all, written));
    assert_int_equal(all[at[1]], (unsigned char)31);
    assert_int_equal(all[at[2] + 1], (unsigned char)(2 * 31 + 1));
    free(all);
    td_scratch_cursor_free(&a);
    td_scratch_cursor_free(&b);
}

static void test_cursors_read_from_any_byte(void **state)
{
    (void)state;
    td_scratch s = {0};
    cursors_read(&s, 20000);
    assert_null(s.f);
    td_scratch_free(&s);
    cursors_read(&s, TD_SCRATCH_MEM * 2 + 999);
    assert_non_null(s.f);
    td_scratch_free(&s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_small_stays_in_memory),
        cmocka_unit_test(test_large_goes_to_a_file),
        cmocka_unit_test(test_own_limit),
        cmocka_unit_test(test_cursors_read_from_any_byte),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
