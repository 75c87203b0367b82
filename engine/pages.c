/* Arrays that grow over a whole batch, in pages of their own (mmap), apart from the heap's
 * per-file churn. Used by the batch and the cross-unit index. */
#include "pages.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

/* Arrays take whole pages. */
static size_t round_up(size_t bytes)
{
    size_t page = 4096;
    return (bytes + page - 1) / page * page;
}

static bool size_of(size_t n, size_t elem, size_t *bytes)
{
    if (elem && n > SIZE_MAX / elem - 4096)
        return false;
    *bytes = round_up(n * elem > 0 ? n * elem : 1);
    return true;
}

/* An array of up to this many bytes lives in the heap. Why: each mapping and unmapping is a
 * system call, and unmapping in a program with several threads interrupts every core that runs
 * one of them to flush its TLB (a costly interrupt on a virtual machine); a small batch (a
 * request to `thidua serve`, one file to validate) made fourteen such arrays of a page or two
 * and gave them back: four fifths of the server's CPU. Larger thresholds (64 KiB) left holes in
 * the heap as the arrays of a large batch grew through them (+0.2 MB at 10,000 units). */
#define HEAP_BYTES ((size_t)8 << 10)

static void *calloc_bytes(size_t bytes)
{
    if (bytes <= HEAP_BYTES)
        return calloc(1, bytes);
    void *p = mmap(NULL, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    return p == MAP_FAILED ? NULL : p; /* anonymous pages are zero */
}

static void free_bytes(void *p, size_t bytes)
{
    if (bytes <= HEAP_BYTES)
        free(p);
    else
        munmap(p, bytes);
}

void *td_pages_calloc(size_t n, size_t elem)
{
    size_t bytes;
    return size_of(n, elem, &bytes) ? calloc_bytes(bytes) : NULL;
}

void td_pages_free(void *p, size_t cap, size_t elem)
{
    size_t bytes;
    if (p && size_of(cap, elem, &bytes))
        free_bytes(p, bytes);
}

bool td_pages_grow(void **p, size_t *cap, size_t need, size_t elem)
{
    if (need <= *cap)
        return true;
    size_t n = *cap ? *cap : 16;
    while (n < need) {
        if (n > SIZE_MAX / 2)
            return false;
        n *= 2;
    }
    /* the capacity in whole pages: an array of a few elements does not grow page by page */
    size_t bytes;
    if (!size_of(n, elem, &bytes))
        return false;
    n = bytes / elem;
    if (!td_pages_resize(p, *cap, n, elem))
        return false;
    *cap = n;
    return true;
}

bool td_pages_resize(void **p, size_t old_n, size_t n, size_t elem)
{
    size_t old_bytes = 0, bytes;
    if (!size_of(n, elem, &bytes) || (*p && !size_of(old_n, elem, &old_bytes)))
        return false;
    void *g;
    if (!*p) {
        g = calloc_bytes(bytes);
    } else if (bytes == old_bytes) {
        g = *p;
    } else if (bytes > HEAP_BYTES && old_bytes > HEAP_BYTES) {
#ifdef MREMAP_MAYMOVE
        g = mremap(*p, old_bytes, bytes, MREMAP_MAYMOVE); /* new pages are zero */
        if (g == MAP_FAILED)
            g = NULL;
#else
        g = NULL;
#endif
    } else {
        g = NULL;
    }
    if (!g && *p && bytes != old_bytes) {
        /* from the heap to pages or back (or no mremap): a copy */
        g = calloc_bytes(bytes);
        if (g) {
            memcpy(g, *p, old_bytes < bytes ? old_bytes : bytes);
            free_bytes(*p, old_bytes);
        }
    }
    if (!g)
        return false;
    if (n < old_n && *p)
        memset((char *)g + n * elem, 0, bytes - n * elem); /* the rest of the last page */
    *p = g;
    return true;
}

/* Copies one element; the sizes sorted (a folder's entries, the batch's paths) with a copy
 * of a fixed size, which the compiler makes one move (a call of memcpy for each element cost
 * about as much as the comparisons of a folder's names). */
static void put_elem(char *to, const char *from, size_t elem)
{
    switch (elem) {
    case 4:
        memcpy(to, from, 4);
        break;
    case 8:
        memcpy(to, from, 8);
        break;
    default:
        memcpy(to, from, elem);
    }
}

bool td_pages_sort(void *base, size_t n, size_t elem,
                   int (*cmp)(const void *, const void *, void *), void *arg)
{
    if (n < 2)
        return true;
    char *tmp = td_pages_calloc(n, elem);
    if (!tmp)
        return false;
    /* bottom up: runs of w merged in pairs from src to dst, then the two swap */
    char *src = base, *dst = tmp;
    for (size_t w = 1; w < n; w *= 2) {
        for (size_t lo = 0; lo < n; lo += 2 * w) {
            size_t mid = lo + w < n ? lo + w : n, hi = lo + 2 * w < n ? lo + 2 * w : n;
            if (mid == hi || cmp(src + (mid - 1) * elem, src + mid * elem, arg) <= 0) {
                memcpy(dst + lo * elem, src + lo * elem, (hi - lo) * elem); /* in order */
                continue;
            }
            size_t i = lo, j = mid, k = lo;
            while (i < mid && j < hi) {
                /* the left one on a tie: stable */
                size_t from = cmp(src + j * elem, src + i * elem, arg) < 0 ? j++ : i++;
                put_elem(dst + k++ * elem, src + from * elem, elem);
            }
            memcpy(dst + k * elem, src + i * elem, (mid - i) * elem);
            k += mid - i;
            memcpy(dst + k * elem, src + j * elem, (hi - j) * elem);
        }
        char *t = src;
        src = dst;
        dst = t;
    }
    if (src != base)
        memcpy(base, src, n * elem);
    td_pages_free(tmp, n, elem);
    return true;
}

size_t td_reftab_home(const td_reftab *t, uint64_t key)
{
    /* the high half of the key scaled to the size: any size, and the low half, which a
     * caller may also use, is left alone */
    return (size_t)(((key >> 32) * (uint64_t)t->size) >> 32);
}

bool td_reftab_room(td_reftab *t, uint32_t n, td_reftab_key_fn key, const void *arg)
{
    if (n >= UINT32_MAX - 1)
        return false;
    if (t->slots && ((size_t)n + 1) * 5 <= t->size * 4)
        return true;
    size_t size = t->slots ? t->size + t->size / 4 : 256;
    while (((size_t)n + 1) * 5 > size * 4)
        size += size / 4;
    if (size > UINT32_MAX || !td_pages_resize((void **)&t->slots, t->size, size, sizeof *t->slots))
        return false;
    t->size = size;
    /* rebuilt in place: emptied, then every record put back in order, so that records of one
     * key are still met in the order they were put */
    memset(t->slots, 0, size * sizeof *t->slots);
    for (uint32_t r = 0; r < n; r++) {
        size_t s = td_reftab_home(t, key(arg, r));
        while (t->slots[s])
            s = td_reftab_next(t, s);
        t->slots[s] = r + 1;
    }
    return true;
}

void td_reftab_free(td_reftab *t)
{
    td_pages_free(t->slots, t->size, sizeof *t->slots);
    t->slots = NULL;
    t->size = 0;
}
