/* Unit tests of the static program's allocator of small blocks (engine/cli/alloc.c), linked
 * here as in the program: malloc, calloc, realloc and free of this file go through it
 * (-Wl,--wrap=...). Blocks are aligned, kept whole across realloc, reused once freed, also when
 * another thread frees them, and bigger blocks are glibc's. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

size_t td_alloc_carved(void);

/* Every size up to the largest class and a bit beyond: aligned for any type, writable whole. */
static void test_alloc_blocks_aligned_and_whole(void **state)
{
    (void)state;
    void *p[80];
    for (size_t n = 0; n < 80; n++) {
        p[n] = malloc(n);
        assert_non_null(p[n]);
        assert_int_equal((uintptr_t)p[n] % 16, 0);
        memset(p[n], (int)n, n);
    }
    for (size_t n = 0; n < 80; n++) {
        for (size_t i = 0; i < n; i++)
            assert_int_equal(((unsigned char *)p[n])[i], n);
        free(p[n]);
    }
    assert_true(td_alloc_carved() > 0);
    free(NULL);
}

/* A freed small block is the next one of its size; a big block takes nothing of the regions. */
static void test_alloc_reuses_freed_blocks(void **state)
{
    (void)state;
    for (size_t n = 1; n <= 64; n += 7) {
        void *p = malloc(n);
        uintptr_t was = (uintptr_t)p;
        free(p);
        p = malloc(n);
        assert_int_equal((uintptr_t)p, was);
        free(p);
    }
    size_t carved = td_alloc_carved();
    for (int round = 0; round < 1000; round++) {
        void *q[64];
        for (int i = 0; i < 64; i++)
            q[i] = malloc((size_t)(1 + i % 64));
        for (int i = 0; i < 64; i++)
            free(q[i]);
    }
    void *big[100];
    for (int i = 0; i < 100; i++)
        big[i] = malloc(65 + (size_t)i * 100);
    for (int i = 0; i < 100; i++)
        free(big[i]);
    assert_true(td_alloc_carved() <= carved + 4 * 65536);
}

/* realloc keeps the contents while a block grows from the smallest class into glibc's blocks
 * and shrinks back; realloc(NULL) allocates, realloc(p, 0) frees. */
static void test_alloc_realloc_keeps_contents(void **state)
{
    (void)state;
    unsigned char *p = NULL;
    size_t have = 0;
    for (size_t n = 1; n <= 3000; n += n < 100 ? 1 : 37) {
        p = realloc(p, n);
        assert_non_null(p);
        for (size_t i = 0; i < have; i++)
            assert_int_equal(p[i], (unsigned char)(i * 7));
        for (size_t i = have; i < n; i++)
            p[i] = (unsigned char)(i * 7);
        have = n;
    }
    for (size_t n = have; n >= 1; n = n > 100 ? n - 53 : n - 1) {
        p = realloc(p, n);
        assert_non_null(p);
        for (size_t i = 0; i < n; i++)
            assert_int_equal(p[i], (unsigned char)(i * 7));
    }
    assert_null(realloc(p, 0));
    void *q = realloc(NULL, 10);
    assert_non_null(q);
    free(q);
}

/* calloc zeroes a reused block, and refuses a size that overflows. */
static void test_alloc_calloc_zeroes(void **state)
{
    (void)state;
    unsigned char *p = malloc(48);
    memset(p, 0xAA, 48);
    uintptr_t was = (uintptr_t)p;
    free(p);
    unsigned char *q = calloc(3, 16);
    assert_int_equal((uintptr_t)q, was);
    for (int i = 0; i < 48; i++)
        assert_int_equal(q[i], 0);
    free(q);
    volatile size_t huge = SIZE_MAX / 2; /* not known to the compiler, which would refuse it */
    errno = 0;
    assert_null(calloc(huge, 4));
    assert_int_equal(errno, ENOMEM);
    unsigned char *big = calloc(100, 100);
    assert_non_null(big);
    for (int i = 0; i < 10000; i++)
        assert_int_equal(big[i], 0);
    free(big);
}

#define HANDOFF 4096
typedef struct handoff {
    void *blocks[HANDOFF];
    pthread_mutex_t mu;
    pthread_cond_t cv;
    int full;                   /* blocks[] holds a round for the consumer */
    int rounds;
} handoff;

/* Makes HANDOFF blocks a round, marked with their round, for the other thread to free. */
static void *producer(void *arg)
{
    handoff *h = arg;
    for (int r = 0; r < h->rounds; r++) {
        pthread_mutex_lock(&h->mu);
        while (h->full)
            pthread_cond_wait(&h->cv, &h->mu);
        for (int i = 0; i < HANDOFF; i++) {
            size_t n = (size_t)(1 + (i * 13 + r) % 64);
            h->blocks[i] = malloc(n);
            memset(h->blocks[i], r & 0xFF, n);
        }
        h->full = 1;
        pthread_cond_broadcast(&h->cv);
        pthread_mutex_unlock(&h->mu);
    }
    return NULL;
}

static void *consumer(void *arg)
{
    handoff *h = arg;
    for (int r = 0; r < h->rounds; r++) {
        pthread_mutex_lock(&h->mu);
        while (!h->full)
            pthread_cond_wait(&h->cv, &h->mu);
        for (int i = 0; i < HANDOFF; i++) {
            unsigned char *b = h->blocks[i];
            if (b[0] != (unsigned char)(r & 0xFF))
                abort();
            free(b);
        }
        h->full = 0;
        pthread_cond_broadcast(&h->cv);
        pthread_mutex_unlock(&h->mu);
    }
    return NULL;
}

/* One thread allocates, another frees, for 200 rounds: the blocks freed on the other thread come
 * back to the one that allocates, so the regions stop growing; and what threads kept when they
 * ended is used again. */
static void test_alloc_blocks_freed_by_another_thread(void **state)
{
    (void)state;
    handoff *h = calloc(1, sizeof *h);
    assert_non_null(h);
    pthread_mutex_init(&h->mu, NULL);
    pthread_cond_init(&h->cv, NULL);
    h->rounds = 200;
    size_t before = td_alloc_carved();
    pthread_t a, b;
    assert_int_equal(pthread_create(&a, NULL, producer, h), 0);
    assert_int_equal(pthread_create(&b, NULL, consumer, h), 0);
    pthread_join(a, NULL);
    pthread_join(b, NULL);
    size_t after = td_alloc_carved();
    /* 200 rounds of about 140 KiB each: without reuse, 28 MiB */
    assert_true(after - before < 2 * 1024 * 1024);
    void *q[HANDOFF];
    for (int i = 0; i < HANDOFF; i++)
        q[i] = malloc((size_t)(1 + i % 64));
    assert_true(td_alloc_carved() - after < 4 * 65536);
    for (int i = 0; i < HANDOFF; i++)
        free(q[i]);
    pthread_mutex_destroy(&h->mu);
    pthread_cond_destroy(&h->cv);
    free(h);
}

/* A block of 16 bytes, the first size of libyaml's strings, grows to 32 and 64 bytes in place
 * (its contents kept), and to glibc's blocks beyond. */
static void test_alloc_string_grows_in_place(void **state)
{
    (void)state;
    char *p = malloc(16);
    assert_non_null(p);
    memset(p, 'a', 16);
    char *q = realloc(p, 32);
    assert_ptr_equal(q, p);
    memset(q + 16, 'b', 16);
    char *r = realloc(q, 64);
    assert_ptr_equal(r, p);
    memset(r + 32, 'c', 32);
    char *g = realloc(r, 128);
    assert_non_null(g);
    for (int i = 0; i < 64; i++)
        assert_int_equal(g[i], i < 16 ? 'a' : i < 32 ? 'b' : 'c');
    free(g);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_alloc_blocks_aligned_and_whole),
        cmocka_unit_test(test_alloc_reuses_freed_blocks),
        cmocka_unit_test(test_alloc_realloc_keeps_contents),
        cmocka_unit_test(test_alloc_calloc_zeroes),
        cmocka_unit_test(test_alloc_blocks_freed_by_another_thread),
        cmocka_unit_test(test_alloc_string_grows_in_place),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
