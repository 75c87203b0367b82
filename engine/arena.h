/* Arena allocator: chunked bump allocation with a named lifetime.
 * Used by every stage (parse, program, file, unit); chunks never move. */
#ifndef TD_ARENA_H
#define TD_ARENA_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct td_arena_chunk td_arena_chunk;

typedef struct td_arena {
    td_arena_chunk *head;   /* current chunk; older chunks linked behind it */
    size_t chunk_size;      /* bytes; default size of a new chunk */
    size_t used;            /* bytes handed out since the last reset */
    int fail_after;         /* fault injection: fail the Nth allocation (0 = never) */
    int allocs;             /* allocations counted while fail_after is set */
    bool failed;            /* sticky: an allocation failed since init or the last reset; a
                             * stage checks it once at its end instead of after every call */
    bool flat_top;          /* td_arena_init_zeroed: text is taken from the chunk's end */
} td_arena;

/* Prepares an empty arena; no memory is taken until the first allocation. */
void td_arena_init(td_arena *a, size_t chunk_size);

/* Prepares an arena whose first chunk, of `size` bytes, is taken now and zeroed, so that
 * what it hands out (padding included) is the same from one run to the next: the compiled
 * built-in rules are written out from such an arena (engine/lang/image.c). False when out of
 * memory. */
bool td_arena_init_zeroed(td_arena *a, size_t size);

/* The memory handed out when it all lies in one chunk of an arena made by
 * td_arena_init_zeroed: the chunk's start, the bytes used from its start (*used) and from
 * its end (*top: what td_arena_alloc_flat took). NULL when the arena has several chunks or
 * none. */
const void *td_arena_single(const td_arena *a, size_t *used, size_t *top);

/* Returns zeroed memory valid until td_arena_reset/free, or NULL when out of memory. */
void *td_arena_alloc(td_arena *a, size_t size);

/* The same, not zeroed: for memory the caller writes whole anyway. */
void *td_arena_alloc_raw(td_arena *a, size_t size);

/* The same, for memory that will hold no pointer (text): in an arena made by
 * td_arena_init_zeroed it is taken from the end of the chunk, apart from the structures, so
 * that the pages of a program image that need no relocation hold text only (image.h).
 * td_arena_strndup, td_arena_strdup and td_arena_printf take their memory here. */
void *td_arena_alloc_flat(td_arena *a, size_t size);

/* Copies `len` bytes of `s` and a terminating NUL into the arena; NULL when out of memory. */
char *td_arena_strndup(td_arena *a, const char *s, size_t len);
char *td_arena_strdup(td_arena *a, const char *s);

/* printf into the arena; NULL when out of memory. */
char *td_arena_printf(td_arena *a, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Forgets every allocation but keeps the first chunk for reuse. */
void td_arena_reset(td_arena *a);

/* Releases every chunk. */
void td_arena_free(td_arena *a);

#endif
