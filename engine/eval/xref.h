/* References across units (Decision 12): the index of every unit's keyed entities, kept in a
 * few bytes each, and the units held back until the whole batch (or, for validate, the whole
 * file) is known, then resolved in input order.
 * Pipeline: eval (td_unit_result with keys, look-ups, deferred findings) -> batch merge ->
 * td_xref_hold ... td_xref_settle -> report. */
#ifndef TD_XREF_H
#define TD_XREF_H

#include "eval.h"

typedef struct td_xref td_xref;

/* Receives each settled unit, in the order it was held. `u` is borrowed until it returns,
 * except that the callback may take its contents (leaving it initialised). */
typedef td_status (*td_xref_fn)(void *arg, td_unit_result *u);

/* The display path of the file of the batch's unit number `unit`, put together in *buf
 * (*cap bytes, grown as needed) if need be: several threads of a settle may ask at once, each
 * with a buffer of its own. Borrowed: used before the next call with the same buffer. */
typedef const char *(*td_xref_name_fn)(void *arg, uint32_t unit, char **buf, size_t *cap);

/* A new, empty index for `p` (borrowed). Held units are spooled to a scratch stream, and so
 * is what the index needs of their keyed entities (32 bytes each) and look-ups (16), so that
 * memory does not grow with the batch: it keeps 4 bytes per unit, and the settle builds the
 * index in passes of bounded memory, keeping 20 bytes per pair of places and a bit per
 * look-up. With `provisional` (validate: one file at a time), a look-up naming a unit
 * that is not held holds for now and is reported as info. `name` gives the files' paths for
 * the messages. Caller owns *out (td_xref_free). TD_ENOMEM. */
td_status td_xref_new(const td_program *p, td_lang lang, bool provisional, td_xref_name_fn name,
                      void *name_arg, td_xref **out);
void td_xref_free(td_xref *x);

/* Adds the keys of `u` to the index and holds a copy of the unit until td_xref_settle.
 * `ordinal` is the unit's number in the batch (the units held until a settle are numbered in
 * a row; the path of its file comes from the index's `name`). `u` is borrowed: its owner
 * frees it, so that a batch's worker frees the memory it allocated. TD_ENOMEM, TD_EIO. */
td_status td_xref_hold(td_xref *x, const td_unit_result *u, uint32_t ordinal);

/* Resolves every held unit against the index: a deferred finding is kept when none of its
 * look-ups finds an entity that meets the index's `require`; a key used twice is an error
 * at each place; equal `similar` values in two units are a warning at each. Calls fn for
 * each unit in order, then forgets them all and empties the index. */
td_status td_xref_settle(td_xref *x, td_xref_fn fn, void *arg);

/* td_xref_settle in parts, for several threads: td_xref_settle_begin builds the index
 * (TD_EIO, TD_ENOMEM); then the held units are resolved in runs of TD_XREF_RUN units, any run
 * on any thread, each thread with a td_xref_thread of its own (td_xref_settle_range: units
 * from .. to-1, `from` a multiple of TD_XREF_RUN; fn is called for each, in order, on that
 * thread); td_xref_settle_end forgets them all and empties the index, and returns `st` or
 * TD_EIO. Nothing but td_xref_settle_range may be called between begin and end, and it only
 * reads the index: the units of a run are those a single thread would give. */
#define TD_XREF_RUN 64u

typedef struct td_xref_thread td_xref_thread;

/* Caller owns *out (td_xref_thread_free), set even on failure. TD_ENOMEM. */
td_status td_xref_thread_new(td_xref_thread **out);
void td_xref_thread_free(td_xref_thread *t);

td_status td_xref_settle_begin(td_xref *x);

/* td_xref_settle_begin on several threads at once: td_xref_index_begin on one (TD_EIO); then
 * td_xref_index_share on each, with its td_xref_thread (they take the index's passes until none
 * is left; TD_ENOMEM, TD_EIO); then, once every one has returned, td_xref_index_end on one, with
 * all of their td_xref_threads (TD_ENOMEM, TD_EIO). The index is the same as
 * td_xref_settle_begin's; each thread holds a pass's table, a cursor's buffer and the pairs
 * it found, and the first two arrays the size of the pairs and of the units, until
 * td_xref_thread_free (pages given back while the other threads run interrupt them). */
td_status td_xref_index_begin(td_xref *x);
td_status td_xref_index_share(td_xref *x, td_xref_thread *t);
td_status td_xref_index_end(td_xref *x, td_xref_thread *const *t, unsigned n);
/* Units held. */
uint32_t td_xref_held(const td_xref *x);
td_status td_xref_settle_range(const td_xref *x, td_xref_thread *t, uint32_t from, uint32_t to,
                               td_xref_fn fn, void *arg);
td_status td_xref_settle_end(td_xref *x, td_status st);

/* Resolves the look-ups of one unit judged alone (a rule test): as td_xref_settle with
 * `provisional`, with only that unit held. TD_ENOMEM; TD_EIO (a unit too large for memory
 * whose scratch file cannot be made). */
td_status td_xref_settle_alone(const td_program *p, td_unit_result *u);

#endif
