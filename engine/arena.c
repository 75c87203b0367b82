/* Arena allocator: chunked bump allocation with a named lifetime.
 * Used by every stage (parse, program, file, unit); chunks never move. */
#include "arena.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct td_arena_chunk {
    td_arena_chunk *next;   /* older chunk */
    size_t size;            /* bytes of data[] */
    size_t used;            /* bytes of data[] handed out from its start */
    size_t top;             /* and from its end (flat_top arenas only) */
    max_align_t data[];     /* the memory handed out */
};

void td_arena_init(td_arena *a, size_t chunk_size)
{
    memset(a, 0, sizeof *a);
    a->chunk_size = chunk_size ? chunk_size : 64 * 1024;
}

static td_arena_chunk *new_chunk(size_t size)
{
    td_arena_chunk *c = malloc(sizeof *c + size);
    if (!c)
        return NULL;
    c->next = NULL;
    c->size = size;
    c->used = 0;
    c->top = 0;
    return c;
}

bool td_arena_init_zeroed(td_arena *a, size_t size)
{
    td_arena_init(a, size);
    td_arena_chunk *c = calloc(1, sizeof *c + size);
    if (!c)
        return false;
    c->size = size;
    a->head = c;
    a->flat_top = true;
    return true;
}

const void *td_arena_single(const td_arena *a, size_t *used, size_t *top)
{
    if (!a->head || a->head->next)
        return NULL;
    *used = a->head->used;
    *top = a->head->top;
    return a->head->data;
}

/* Bump allocation: uninitialised memory, or NULL (and the arena marked failed). */
static void *bump(td_arena *a, size_t size)
{
    const size_t align = sizeof(max_align_t);
    if (a->fail_after && ++a->allocs >= a->fail_after) {
        a->failed = true;
        return NULL; /* fault injection (tests); counted only then, so it never overflows */
    }
    size = (size + align - 1) / align * align;
    if (size == 0)
        size = align;
    td_arena_chunk *c = a->head;
    if (!c || c->size - c->used - c->top < size) {
        size_t want = size > a->chunk_size ? size : a->chunk_size;
        td_arena_chunk *n = new_chunk(want);
        if (!n) {
            a->failed = true;
            return NULL;
        }
        if (c && size > a->chunk_size && c->size - c->used - c->top >= align) {
            /* a big block goes behind the current chunk, which keeps its free space */
            n->next = c->next;
            c->next = n;
            n->used = size;
            a->used += size;
            return n->data;
        }
        n->next = c;
        a->head = c = n;
    }
    void *p = (char *)c->data + c->used;
    c->used += size;
    a->used += size;
    return p;
}

void *td_arena_alloc(td_arena *a, size_t size)
{
    void *p = bump(a, size);
    if (p)
        memset(p, 0, size);
    return p;
}

void *td_arena_alloc_raw(td_arena *a, size_t size)
{
    return bump(a, size);
}

void *td_arena_alloc_flat(td_arena *a, size_t size)
{
    const size_t align = sizeof(max_align_t);
    td_arena_chunk *c = a->head;
    size_t rounded = (size + align - 1) / align * align;
    if (!a->flat_top || a->fail_after || !c || rounded == 0 || c->size - c->used - c->top < rounded)
        return bump(a, size); /* a full chunk: bump takes another, and the image is refused */
    c->top += rounded;
    a->used += rounded;
    return (char *)c->data + (c->size - c->top);
}

char *td_arena_strndup(td_arena *a, const char *s, size_t len)
{
    char *p = td_arena_alloc_flat(a, len + 1);
    if (!p)
        return NULL;
    if (len)
        memcpy(p, s, len);
    p[len] = '\0';
    return p;
}

char *td_arena_strdup(td_arena *a, const char *s)
{
    return td_arena_strndup(a, s, strlen(s));
}

char *td_arena_printf(td_arena *a, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0) {
        a->failed = true;
        return NULL;
    }
    char *p = td_arena_alloc_flat(a, (size_t)n + 1);
    if (!p)
        return NULL;
    va_start(ap, fmt);
    vsnprintf(p, (size_t)n + 1, fmt, ap);
    va_end(ap);
    return p;
}

void td_arena_reset(td_arena *a)
{
    td_arena_chunk *c = a->head;
    a->failed = false;
    if (!c)
        return;
    /* keep the oldest chunk of default size, free the rest */
    td_arena_chunk *keep = NULL;
    while (c) {
        td_arena_chunk *next = c->next;
        if (!keep && c->size == a->chunk_size) {
            keep = c;
        } else {
            free(c);
        }
        c = next;
    }
    if (keep) {
        keep->next = NULL;
        keep->used = 0;
        keep->top = 0;
    }
    a->head = keep;
    a->used = 0;
    a->failed = false;
}

void td_arena_free(td_arena *a)
{
    td_arena_chunk *c = a->head;
    while (c) {
        td_arena_chunk *next = c->next;
        free(c);
        c = next;
    }
    a->head = NULL;
    a->used = 0;
}
