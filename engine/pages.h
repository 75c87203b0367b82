/* Arrays that grow over a whole batch (indexes, tables, per-file records), kept in pages of
 * their own, apart from the heap where each file's reading allocates and frees its buffers.
 * Used by the batch (engine/eval/batch.c) and the cross-unit index (engine/eval/xref.c). */
#ifndef TD_PAGES_H
#define TD_PAGES_H

#include <stdbool.h>
#include <stddef.h>

/* Why: an array grown with realloc in the heap leaves its old copy as a hole, which the
 * next file's parser buffers cannot fill once a small block has been put in it; the heap
 * then grows with every file. In pages of their own, an array costs its size and no more,
 * and a table replaced by a larger one is given back whole. */

/* Makes room for `need` elements of `elem` bytes in *p (capacity *cap elements, NULL and 0
 * at first), doubling; new elements are zero. False when out of memory (*p unchanged). */
bool td_pages_grow(void **p, size_t *cap, size_t need, size_t elem);

/* A zeroed array of n elements of `elem` bytes, or NULL; give it back with td_pages_free
 * with the same n and elem. */
void *td_pages_calloc(size_t n, size_t elem);

/* Gives back an array of `cap` elements of `elem` bytes (NULL: nothing). */
void td_pages_free(void *p, size_t cap, size_t elem);

#endif
