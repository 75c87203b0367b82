/* Arrays that grow over a whole batch (indexes, tables, per-file records), kept in pages of
 * their own, apart from the heap where each file's reading allocates and frees its buffers.
 * Used by the batch (engine/eval/batch.c) and the cross-unit index (engine/eval/xref.c). */
#ifndef TD_PAGES_H
#define TD_PAGES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Why: an array grown with realloc in the heap leaves its old copy as a hole, which the
 * next file's parser buffers cannot fill once a small block has been put in it; the heap
 * then grows with every file. In pages of their own, an array costs its size and no more,
 * and a table replaced by a larger one is given back whole. An array of up to 8 KiB stays in
 * the heap (engine/pages.c says why); the same calls serve both. */

/* Makes room for `need` elements of `elem` bytes in *p (capacity *cap elements, NULL and 0
 * at first), doubling; new elements are zero. False when out of memory (*p unchanged). */
bool td_pages_grow(void **p, size_t *cap, size_t need, size_t elem);

/* A zeroed array of n elements of `elem` bytes, or NULL; give it back with td_pages_free
 * with the same n and elem. */
void *td_pages_calloc(size_t n, size_t elem);

/* Gives back an array of `cap` elements of `elem` bytes (NULL: nothing). */
void td_pages_free(void *p, size_t cap, size_t elem);

/* Gives the array exactly `n` elements of `elem` bytes (it had `old_n`): its content is
 * kept up to the smaller of the two, new elements are zero. False when out of memory (*p
 * unchanged). Growing moves no page through memory twice (mremap). */
bool td_pages_resize(void **p, size_t old_n, size_t n, size_t elem);

/* Sorts the n elements of `elem` bytes at base by cmp (as qsort_r's: cmp(a, b, arg)), stably,
 * with a buffer in pages of its own given back after. Why: glibc's qsort_r takes its buffer from
 * the heap, and one of 40-80 KB (10,000 files' names, their paths) left the heap that much larger
 * for the whole batch. A run already in order costs a comparison per element. False when out of
 * memory (the elements are then unchanged). */
bool td_pages_sort(void *base, size_t n, size_t elem,
                   int (*cmp)(const void *, const void *, void *), void *arg);

/* A hash table of references to records kept elsewhere (a dense array of its user's): each
 * slot holds a record's number + 1, 0 when empty; open addressing, linear probing, any
 * size. When it is 4/5 full it grows by a quarter, in place, and is rebuilt from the
 * records: no second copy is held while it grows (a doubled table and the one it replaces
 * were the peak of a batch's memory), and it is 64-80 % full, not 37-75 %. 4 bytes a slot. */
typedef struct td_reftab {
    uint32_t *slots;        /* owned (pages) */
    size_t size;            /* slots */
} td_reftab;

/* The key of record `rec` (as given to td_reftab_home). */
typedef uint64_t (*td_reftab_key_fn)(const void *arg, uint32_t rec);

/* Makes room for one more record, when the table holds records 0 .. n-1: grows it and puts
 * them back (their keys from `key`) when needed. False when out of memory or n is too large
 * (the table is unchanged). */
bool td_reftab_room(td_reftab *t, uint32_t n, td_reftab_key_fn key, const void *arg);

/* The first slot to look at for `key` (the table has room: td_reftab_room), then
 * td_reftab_next until an empty slot: the records of `key` are among those met, in the order
 * they were put. */
size_t td_reftab_home(const td_reftab *t, uint64_t key);

static inline size_t td_reftab_next(const td_reftab *t, size_t s)
{
    return s + 1 < t->size ? s + 1 : 0;
}

/* Gives the table back (it may be used again, empty). */
void td_reftab_free(td_reftab *t);

#endif
