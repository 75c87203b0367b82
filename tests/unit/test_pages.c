/* Unit tests of pages: arrays (in the heap up to 8 KiB, in pages of their own above) grown and
 * resized with their content, and the table of references (td_reftab) that grows in place and
 * keeps each key's records in the order they were put. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "pages.h"

static void test_pages_grow_keeps_content(void **state)
{
    (void)state;
    uint32_t *a = NULL;
    size_t cap = 0;
    for (uint32_t i = 0; i < 100000; i++) {
        assert_true(td_pages_grow((void **)&a, &cap, (size_t)i + 1, sizeof *a));
        a[i] = i * 7;
    }
    assert_true(cap >= 100000);
    for (uint32_t i = 0; i < 100000; i++)
        assert_int_equal(a[i], i * 7);
    td_pages_free(a, cap, sizeof *a);
}

static void test_pages_resize_exact(void **state)
{
    (void)state;
    uint64_t *a = NULL;
    assert_true(td_pages_resize((void **)&a, 0, 1000, sizeof *a));
    for (size_t i = 0; i < 1000; i++) {
        assert_int_equal(a[i], 0);
        a[i] = i + 1;
    }
    /* larger (from the heap to pages): the content stays, the new elements are zero */
    assert_true(td_pages_resize((void **)&a, 1000, 30000, sizeof *a));
    for (size_t i = 0; i < 30000; i++)
        assert_int_equal(a[i], i < 1000 ? i + 1 : 0);
    /* smaller, then larger again: what was cut off comes back as zero */
    assert_true(td_pages_resize((void **)&a, 30000, 10, sizeof *a));
    assert_true(td_pages_resize((void **)&a, 10, 1000, sizeof *a));
    for (size_t i = 0; i < 1000; i++)
        assert_int_equal(a[i], i < 10 ? i + 1 : 0);
    td_pages_free(a, 1000, sizeof *a);
}

/* Records for the table: each its key. */
typedef struct recs {
    uint64_t *key;
    size_t n, cap;
} recs;

static uint64_t key_of(const void *arg, uint32_t rec)
{
    return ((const recs *)arg)->key[rec];
}

/* Puts record r (key k) into t, as the batch's index does: room first, then the first empty
 * slot from the key's home. */
static void put(td_reftab *t, recs *r, uint64_t k)
{
    assert_true(td_pages_grow((void **)&r->key, &r->cap, r->n + 1, sizeof *r->key));
    assert_true(td_reftab_room(t, (uint32_t)r->n, key_of, r));
    r->key[r->n] = k;
    size_t s = td_reftab_home(t, k);
    while (t->slots[s])
        s = td_reftab_next(t, s);
    t->slots[s] = (uint32_t)++r->n;
}

/* The records of key k, in the order met from its home, written into out (at most max). */
static size_t find(const td_reftab *t, const recs *r, uint64_t k, uint32_t *out, size_t max)
{
    size_t n = 0;
    for (size_t s = td_reftab_home(t, k); t->slots[s]; s = td_reftab_next(t, s))
        if (r->key[t->slots[s] - 1] == k && n < max)
            out[n++] = t->slots[s] - 1;
    return n;
}

static uint64_t mixed(uint64_t i)
{
    uint64_t z = i * 0x9E3779B97F4A7C15ULL;
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    return z ^ (z >> 31);
}

static void test_reftab_finds_every_record_in_order(void **state)
{
    (void)state;
    td_reftab t = {NULL, 0};
    recs r = {NULL, 0, 0};
    /* 50,000 records of 20,000 keys, each key up to three times: the table grows many
     * times on the way and is rebuilt in place each time */
    for (uint64_t i = 0; i < 50000; i++)
        put(&t, &r, mixed(i % 20000 + 1));
    assert_true(t.size * 4 >= r.n * 5);
    assert_true(t.size * 16 <= r.n * 25); /* not doubled past need: at most 1/0.64 of it */
    for (uint64_t k = 0; k < 20000; k++) {
        uint32_t got[4];
        size_t n = find(&t, &r, mixed(k + 1), got, 4);
        size_t want = k < 10000 ? 3 : 2;
        assert_int_equal(n, want);
        for (size_t j = 0; j < n; j++)
            assert_int_equal(got[j], k + j * 20000); /* in the order they were put */
    }
    uint32_t none[1];
    assert_int_equal(find(&t, &r, mixed(20001), none, 1), 0);
    td_reftab_free(&t);
    assert_null(t.slots);
    assert_int_equal(t.size, 0);
    td_pages_free(r.key, r.cap, sizeof *r.key);
}

static void test_reftab_keys_sharing_a_home(void **state)
{
    (void)state;
    td_reftab t = {NULL, 0};
    recs r = {NULL, 0, 0};
    /* keys whose high halves are equal all start at one slot: the probes wrap around the
     * end of the table and still find each */
    for (uint64_t i = 0; i < 300; i++)
        put(&t, &r, UINT64_C(0xffffffff00000000) | (i + 1));
    for (uint64_t i = 0; i < 300; i++) {
        uint32_t got[2];
        assert_int_equal(find(&t, &r, UINT64_C(0xffffffff00000000) | (i + 1), got, 2), 1);
        assert_int_equal(got[0], i);
    }
    td_reftab_free(&t);
    td_pages_free(r.key, r.cap, sizeof *r.key);
}

/* Sort records by their key only, so that a tie shows whether the order of equals is kept. */
typedef struct rec {
    uint32_t key, seq;
} rec;

static int cmp_rec(const void *a, const void *b, void *arg)
{
    (void)arg;
    uint32_t x = ((const rec *)a)->key, y = ((const rec *)b)->key;
    return x < y ? -1 : x > y;
}

static void test_pages_sort_stable(void **state)
{
    (void)state;
    size_t sizes[] = {0, 1, 2, 3, 17, 1000, 5000};
    for (size_t z = 0; z < sizeof sizes / sizeof sizes[0]; z++) {
        size_t n = sizes[z];
        for (int order = 0; order < 3; order++) {
            rec *a = calloc(n + 1, sizeof *a);
            assert_non_null(a);
            uint32_t r = 12345;
            for (size_t i = 0; i < n; i++) {
                r = r * 1103515245u + 12345u;
                /* random with many ties; in order; reversed */
                a[i].key = order == 0 ? (r >> 16) % 50 : order == 1 ? (uint32_t)i : (uint32_t)(n - i);
                a[i].seq = (uint32_t)i;
            }
            assert_true(td_pages_sort(a, n, sizeof *a, cmp_rec, NULL));
            for (size_t i = 1; i < n; i++) {
                assert_true(a[i - 1].key <= a[i].key);
                if (a[i - 1].key == a[i].key)
                    assert_true(a[i - 1].seq < a[i].seq);
            }
            free(a);
        }
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_pages_grow_keeps_content),
        cmocka_unit_test(test_pages_resize_exact),
        cmocka_unit_test(test_reftab_finds_every_record_in_order),
        cmocka_unit_test(test_reftab_keys_sharing_a_home),
        cmocka_unit_test(test_pages_sort_stable),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
