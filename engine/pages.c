/* Arrays that grow over a whole batch, in pages of their own (mmap), apart from the heap's
 * per-file churn. Used by the batch and the cross-unit index. */
#include "pages.h"

#include <stdint.h>
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

void *td_pages_calloc(size_t n, size_t elem)
{
    size_t bytes;
    if (!size_of(n, elem, &bytes))
        return NULL;
    void *p = mmap(NULL, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    return p == MAP_FAILED ? NULL : p; /* anonymous pages are zero */
}

void td_pages_free(void *p, size_t cap, size_t elem)
{
    size_t bytes;
    if (p && size_of(cap, elem, &bytes))
        munmap(p, bytes);
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
        g = td_pages_calloc(n, elem);
    } else if (bytes == old_bytes) {
        g = *p;
    } else {
#ifdef MREMAP_MAYMOVE
        g = mremap(*p, old_bytes, bytes, MREMAP_MAYMOVE); /* new pages are zero */
        if (g == MAP_FAILED)
            g = NULL;
#else
        g = td_pages_calloc(n, elem);
        if (g) {
            memcpy(g, *p, old_bytes < bytes ? old_bytes : bytes);
            munmap(*p, old_bytes);
        }
#endif
    }
    if (!g)
        return false;
    if (n < old_n && *p)
        memset((char *)g + n * elem, 0, bytes - n * elem); /* the rest of the last page */
    *p = g;
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
