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

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_small_stays_in_memory),
        cmocka_unit_test(test_large_goes_to_a_file),
        cmocka_unit_test(test_own_limit),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
