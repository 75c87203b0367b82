/* The static program's allocator of small blocks: malloc, calloc, realloc and free of up to
 * 64 bytes for libyaml, the engine and the C library alike, bigger ones left to glibc's malloc.
 * Linked into the static PIE only, with -Wl,--wrap=malloc,... (Makefile), which sends every
 * call of those four by name to the __wrap_ functions below and lets them reach glibc's as
 * __real_*: libyaml is used as it is, its calls bound to this at link time. Sanitizer builds,
 * the dynamic twin and the library keep glibc's alone (docs/performance.md, lever 15).
 *
 * Why: a bare libyaml parse spends about a fifth of its time in glibc's malloc and free, nearly
 * all of it on blocks of 16 to 64 bytes (four per plain scalar: the scanner's strings, then the
 * event's value), and thidua paid that inside every run. Here a block is taken from and given
 * back to a list of its own size in the calling thread, with no lock, no header and no check
 * beyond an address range; a thread that frees more than it takes (the merge frees what the
 * workers made) hands the surplus to a shared pool, under a lock, in batches. Bigger blocks
 * (the engine's arrays and records, the file buffers, libyaml's buffers) stay with glibc, which
 * can reuse the memory of one size for another: classes of every size up to 1 KiB ran no faster
 * and held more memory at 10,000 units.
 *
 * Layout: one reservation of address space (untouched pages cost nothing), cut into one region
 * per size class, so that the class of a block is its distance from the start divided by the
 * region size, and a block of glibc's is one outside the reservation. Memory is carved from a
 * region as threads need it and never given back to the system, only reused: that holds because
 * the small blocks alive at once stay few over a batch. A class whose region is used up, or a
 * system that refuses the reservation, falls back on glibc.
 *
 * State: this file is the one place with process-wide writable state (the pools and the
 * reservation, under `lock` and atomics) and thread-local state (each thread's lists), as an
 * allocator must; it is not part of the engine library. */
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>

void *__real_malloc(size_t n);
void *__real_calloc(size_t k, size_t n);
void *__real_realloc(void *p, size_t n);
void __real_free(void *p);
void *__wrap_malloc(size_t n);
void *__wrap_calloc(size_t k, size_t n);
void *__wrap_realloc(void *p, size_t n);
void __wrap_free(void *p);
size_t td_alloc_carved(void);

#define CLASSES 4
#define MAX_SMALL 64            /* bytes: bigger blocks are glibc's */
#define REGION_SHIFT 26         /* 64 MiB of addresses a class */
#define RESERVED ((uintptr_t)CLASSES << REGION_SHIFT)
#define CARVE 65536             /* bytes of a region a thread takes at a time */

static const uint32_t class_size[CLASSES] = { 16, 32, 48, 64 };
/* Blocks moved to the pool at a time, 8 KiB of each class: a thread keeps at most twice as many
 * freed. A table, not a division in every free. */
static const uint32_t class_batch[CLASSES] = { 512, 256, 170, 128 };

/* A free block: in its thread's list, or the first of a batch in the pool. */
typedef struct block {
    struct block *next;
    struct block *next_batch; /* in the pool: the next batch */
} block;

/* Shared by all threads, under `lock`. */
typedef struct pool {
    char *carved;               /* the region is carved up to here */
    block *batches;             /* full batches (class_batch[] blocks each) */
    block *loose;               /* single blocks left by threads that ended */
} pool;

/* What a thread keeps of each class. */
typedef struct cache {
    block *free[CLASSES];
    uint32_t count[CLASSES];    /* blocks in free[] */
    char *bump[CLASSES], *end[CLASSES]; /* carved and not yet used */
    bool registered;            /* the thread-exit hand-back is set */
} cache;

enum { NOT_YET, SETTING_UP, READY, UNAVAILABLE };
static atomic_int state = NOT_YET;
static _Atomic uintptr_t base;  /* the reservation, once READY; 0 before */
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pool pools[CLASSES];
static pthread_key_t exit_key;
static bool have_exit_key;
static _Thread_local cache tc;

/* The class of a request of n <= MAX_SMALL bytes (malloc(0) takes a 16-byte block).
 * A request of 16 bytes takes a block of 64: it is the size every string of libyaml's scanner
 * starts at (INITIAL_STRING_SIZE, four a plain scalar), which it doubles with realloc as the
 * text grows, and realloc within a block's size keeps the block. In blocks of 16, each doubling
 * to 32 and 64 bytes was a new block, a copy and a free: the copy read with wide loads the bytes
 * the scanner had just stored one at a time, which the processor cannot forward from its
 * stores; the scanner of plain scalars took 29 % less CPU time in 64 (lever 27). */
static inline unsigned class_of(size_t n)
{
    return n == 16 ? CLASSES - 1 : n ? (unsigned)((n - 1) >> 4) : 0;
}

/* The block's class, or -1 when it is not one of ours (NULL included). */
static inline int class_of_block(const void *p)
{
    uintptr_t b = atomic_load_explicit(&base, memory_order_acquire);
    uintptr_t off = (uintptr_t)p - b;
    return b && off < RESERVED ? (int)(off >> REGION_SHIFT) : -1;
}

static void thread_exit(void *arg);

/* Reserves the regions at the first need; false when this allocator is not available (yet:
 * another thread is setting it up; or ever: the system refused the reservation). */
static bool ready(void)
{
    int s = atomic_load_explicit(&state, memory_order_acquire);
    if (s == READY)
        return true;
    if (s != NOT_YET || !atomic_compare_exchange_strong(&state, &s, SETTING_UP))
        return false;
    void *r = mmap(NULL, RESERVED, PROT_READ | PROT_WRITE,
                   MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (r == MAP_FAILED) {
        atomic_store_explicit(&state, UNAVAILABLE, memory_order_release);
        return false;
    }
    /* small blocks want small pages: a huge page would hold 2 MiB of a class at once */
    madvise(r, RESERVED, MADV_NOHUGEPAGE);
    for (unsigned c = 0; c < CLASSES; c++)
        pools[c].carved = (char *)r + ((uintptr_t)c << REGION_SHIFT);
    have_exit_key = pthread_key_create(&exit_key, thread_exit) == 0;
    atomic_store_explicit(&base, (uintptr_t)r, memory_order_release);
    atomic_store_explicit(&state, READY, memory_order_release);
    return true;
}

/* Gives the first `n` blocks of the thread's list of class c to the pool as one batch.
 * (Slow paths are kept out of line: inlined, they would make malloc and free save registers
 * at every call.) */
static __attribute__((noinline)) void give_batch(cache *t, unsigned c, uint32_t n)
{
    block *first = t->free[c], *last = first;
    for (uint32_t i = 1; i < n; i++)
        last = last->next;
    t->free[c] = last->next;
    t->count[c] -= n;
    last->next = NULL;
    pthread_mutex_lock(&lock);
    first->next_batch = pools[c].batches;
    pools[c].batches = first;
    pthread_mutex_unlock(&lock);
}

/* A thread ends: what it kept goes back to the pool (what it carved and never used stays
 * carved, at most CARVE bytes of addresses a class, most of it never touched). */
static void thread_exit(void *arg)
{
    cache *t = arg;
    for (unsigned c = 0; c < CLASSES; c++) {
        uint32_t batch = class_batch[c];
        while (t->count[c] >= batch)
            give_batch(t, c, batch);
        if (!t->free[c])
            continue;
        block *last = t->free[c];
        while (last->next)
            last = last->next;
        pthread_mutex_lock(&lock);
        last->next = pools[c].loose;
        pools[c].loose = t->free[c];
        pthread_mutex_unlock(&lock);
        t->free[c] = NULL;
        t->count[c] = 0;
    }
    t->registered = false;
}

/* The thread has no free block of class c left: takes a batch from the pool, or carves more
 * of the region; falls back on glibc when neither can be had. */
static __attribute__((noinline)) void *refill(cache *t, unsigned c, size_t n)
{
    if (!ready())
        return __real_malloc(n);
    if (!t->registered && have_exit_key) {
        t->registered = true; /* set first: no second try, even if the call allocated */
        pthread_setspecific(exit_key, t);
    }
    uint32_t size = class_size[c];
    pthread_mutex_lock(&lock);
    pool *p = &pools[c];
    if (p->batches) {
        block *b = p->batches;
        p->batches = b->next_batch;
        pthread_mutex_unlock(&lock);
        t->free[c] = b->next;
        t->count[c] = class_batch[c] - 1;
        return b;
    }
    if (p->loose) {
        block *b = p->loose, *last = b;
        uint32_t k = 1, batch = class_batch[c];
        while (k < batch && last->next) {
            last = last->next;
            k++;
        }
        p->loose = last->next;
        pthread_mutex_unlock(&lock);
        last->next = NULL;
        t->free[c] = b->next;
        t->count[c] = k - 1;
        return b;
    }
    char *end = (char *)atomic_load_explicit(&base, memory_order_relaxed) +
                ((uintptr_t)(c + 1) << REGION_SHIFT);
    size_t take = (size_t)(end - p->carved) < CARVE ? (size_t)(end - p->carved) : CARVE;
    take -= take % size;
    char *got = p->carved;
    p->carved += take;
    pthread_mutex_unlock(&lock);
    if (!take)
        return __real_malloc(n); /* the region is used up */
    t->bump[c] = got + size;
    t->end[c] = got + take;
    return got;
}

void *__wrap_malloc(size_t n)
{
    if (n > MAX_SMALL)
        return __real_malloc(n);
    unsigned c = class_of(n);
    cache *t = &tc;
    block *b = t->free[c];
    if (b) {
        t->free[c] = b->next;
        t->count[c]--;
        return b;
    }
    if (t->bump[c] < t->end[c]) {
        void *p = t->bump[c];
        t->bump[c] += class_size[c];
        return p;
    }
    return refill(t, c, n);
}

void __wrap_free(void *p)
{
    int c = class_of_block(p);
    if (c < 0) {
        __real_free(p);
        return;
    }
    cache *t = &tc;
    block *b = p;
    b->next = t->free[c];
    t->free[c] = b;
    uint32_t batch = class_batch[c];
    if (++t->count[c] >= 2 * batch)
        give_batch(t, (unsigned)c, batch);
}

void *__wrap_calloc(size_t k, size_t n)
{
    size_t bytes;
    if (__builtin_mul_overflow(k, n, &bytes)) {
        errno = ENOMEM;
        return NULL;
    }
    if (bytes > MAX_SMALL)
        return __real_calloc(k, n);
    void *p = __wrap_malloc(bytes);
    if (p)
        memset(p, 0, bytes);
    return p;
}

void *__wrap_realloc(void *p, size_t n)
{
    int c = class_of_block(p);
    if (c < 0)
        return p ? __real_realloc(p, n) : __wrap_malloc(n);
    if (n == 0) {
        __wrap_free(p); /* as glibc does */
        return NULL;
    }
    size_t have = class_size[c];
    if (n <= have)
        return p;
    void *q = __wrap_malloc(n);
    if (!q)
        return NULL;
    memcpy(q, p, have);
    __wrap_free(p);
    return q;
}

/* Bytes of the regions carved so far (the tests check that freed blocks are used again). */
size_t td_alloc_carved(void)
{
    uintptr_t b = atomic_load_explicit(&base, memory_order_acquire);
    if (!b)
        return 0;
    size_t sum = 0;
    pthread_mutex_lock(&lock);
    for (unsigned c = 0; c < CLASSES; c++)
        sum += (size_t)(pools[c].carved - ((char *)b + ((uintptr_t)c << REGION_SHIFT)));
    pthread_mutex_unlock(&lock);
    return sum;
}
