/* References across units (Decision 12): the units held in a scratch stream (engine/scratch.h)
 * until the batch is known, with what the index needs of each keyed entity and look-up in two
 * more streams; at the settle, the index is built from those in passes of bounded memory, then
 * the units are resolved in input order: look-ups, keys used twice, likely copies.
 * Pipeline: batch merge -> td_xref_hold ... td_xref_settle -> report. */
#include "xref.h"

#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "label.h"
#include "pages.h"
#include "scratch.h"

/* Entities are numbered in hold order over the batch (a unit's keys in order): the unit of
 * an entity is found from the first number of each unit, its site is the rest. */
#define ENT_LIMIT (1u << 31)

/* Why streams: an index in memory (a key, a first entity per `similar` value, a unit's id,
 * a pair's lines) grew by about 70 bytes a unit over the hold, and peak memory with it. Held
 * in streams, the hold keeps 4 bytes a unit; the settle reads them back in passes, each
 * building a table of only its share of the hashes (PASS_ITEMS), and keeps what the passes
 * find: the pairs, and a bit per look-up. */

/* One keyed entity as the hold writes it (32 bytes): all the passes need of it. */
typedef struct xent {
    uint64_t key;           /* td_xhash of index and key */
    uint64_t similar;       /* td_xhash of index and the `similar` values; 0: none */
    uint64_t owner;         /* td_xhash of its unit's id; 0: the unit has no id */
    uint32_t line;          /* of its site, for the message at the other place of a pair */
    uint32_t ok;            /* it meets the index's `require` */
} xent;

/* One look-up as the hold writes it (16 bytes). */
typedef struct xlook {
    uint64_t owner, key;    /* as td_xlookup */
} xlook;

/* Two places of one key (an error at each) or of one `similar` value (a warning at each),
 * made by the settle's passes: 12 bytes, about one a unit, more the larger a batch is. The
 * line of the earlier place (line_first) is read from the entities after the passes. */
typedef struct xpair {
    uint32_t ent[2];        /* the earlier entity; the later one << 1 | `similar` */
    uint32_t line_later;    /* the line of the later place */
} xpair;

/* A pass's table (index_pass): per key or `similar` value of the pass's share, its first
 * entity; per look-up of the share, whether an entity answers it. Open addressing. */
typedef struct xslot {
    uint64_t h;             /* the key, the `similar` value, or the looked-up key */
    uint64_t owner;         /* of the first entity's unit; of a look-up, its owner */
    uint32_t ent;           /* the first entity */
    uint32_t tag;           /* XS_*; 0: empty */
} xslot;

enum { XS_KEY = 1, XS_SIM = 2, XS_LOOK = 3, XS_FOUND = 4 };

/* What passes build: a table, the pairs they find (in hold order of the later entity within
 * each pass), the answers of the look-ups. One for the whole index when one thread makes it;
 * one per thread when the settle's threads share the passes (td_xref_index_share), each then
 * reading the streams with a cursor of its own. */
typedef struct xpass {
    xslot *slots;           /* the pass's table (engine/pages.h) */
    size_t slot_mask, n_slots;
    xpair *pairs;           /* pages */
    size_t n_pairs, cap_pairs;
    uint32_t *found;        /* per look-up, a bit: an entity answers it (pages) */
    size_t cap_found;
    xpair *merge_buf;       /* td_xref_index_end's scratch (pages) */
    size_t cap_merge_buf;
    uint32_t *counts;       /* td_xref_index_end's scratch (pages) */
    size_t cap_counts;
    td_scratch_cursor *c;   /* borrowed; NULL: the streams are read themselves */
} xpass;

/* Items (entities, values, look-ups) a pass takes, about: its table is twice as many slots
 * (96 KiB). Fewer would mean more passes over the streams; the table is the same size at 2,000
 * units as at 10,000. */
#define PASS_ITEMS 2048

/* Records read from a stream at a time. */
#define CHUNK 128

/* Where the records of a run of TD_XREF_RUN held units start: the spool's byte, and the
 * look-ups held before it (16 bytes a run: a thread of the settle starts there). */
typedef struct xmark {
    unsigned long long at;
    uint32_t looks;
} xmark;

struct td_xref {
    const td_program *p;
    td_lang lang;           /* of the findings (the batch's) */
    bool provisional;       /* validate: a look-up naming a unit not held is info */
    td_xref_name_fn name;   /* the display path of a unit's file */
    void *name_arg;
    td_scratch spool;       /* the held units, in order */
    td_scratch ents;        /* per entity, an xent, in order */
    td_scratch looks;       /* per look-up, an xlook, in hold order */
    xent ent_buf[CHUNK];    /* entities not yet written to `ents` */
    xlook look_buf[CHUNK];  /* look-ups not yet written to `looks` */
    uint32_t n_ent_buf, n_look_buf;
    uint32_t held;
    uint32_t first;         /* the batch's number of the first unit held */
    uint32_t n_ents;        /* entities numbered so far */
    uint32_t n_sim;         /* of which with `similar` values */
    uint32_t n_looks;       /* look-ups held */
    uint64_t *owners;       /* provisional only: ids of the held units (open addressing) */
    size_t owner_mask, n_owners;
    uint32_t *unit_first;   /* per held unit: the number of its first entity */
    size_t cap_unit_first;
    /* the settle */
    uint32_t n_passes;      /* of an index the settle's threads share (td_xref_index_begin) */
    size_t pass_slots;      /* the size of each pass's table then */
    atomic_uint next_pass;  /* the next pass a thread takes then */
    xpair *pairs;           /* in hold order of their later entity */
    size_t n_pairs, cap_pairs;
    uint32_t *line_first;   /* per pair, the line of its earlier place (while by_unit is
                             * sorted: that unit); made once the passes' table is given back */
    uint32_t *found;        /* per look-up, a bit: an entity answers it */
    size_t cap_found;
    uint32_t *by_unit;      /* pair indexes by earlier unit, then index */
    size_t n_by_unit;
    struct wbuf *rec;       /* owned: the record of a unit being spooled */
    unsigned long long spool_bytes; /* written to the spool */
    xmark *marks;           /* per TD_XREF_RUN held units, where the first one starts */
    size_t cap_marks;
};

/* What one thread resolving units at the settle keeps: where it reads the spool, its cursors
 * in the pairs and look-ups, the record being decoded and a buffer for files' paths. */
struct td_xref_thread {
    td_scratch_cursor c;
    struct wbuf *rec;       /* owned: the record being decoded */
    uint32_t look_base;     /* the number of the first look-up of the unit being resolved */
    size_t next_by_unit;    /* the first pair (in by_unit) of the next unit (side 0) */
    size_t next_pair;       /* the first pair of the next unit (side 1) */
    char *path;             /* owned: a file's path put together (td_xref_name_fn) */
    size_t path_cap;
    xpass ix;               /* owned: what this thread's share of the passes built */
};

/* The held unit of entity `ent`: the last of the first `n` units whose first entity is at or
 * before it (a unit without keys has the same first number as the one after it). */
static uint32_t unit_of(const td_xref *x, uint32_t ent, uint32_t n)
{
    uint32_t lo = 0, hi = n;
    while (hi - lo > 1) {
        uint32_t mid = lo + (hi - lo) / 2;
        if (x->unit_first[mid] <= ent)
            lo = mid;
        else
            hi = mid;
    }
    return lo;
}

/* The display path of a held unit's file, or NULL (borrowed from t until the next call). */
static const char *file_of(const td_xref *x, td_xref_thread *t, uint32_t unit)
{
    return x->name(x->name_arg, x->first + unit, &t->path, &t->path_cap);
}

/* The later entity of a pair, and whether the pair is of `similar` values. */
static uint32_t later(const xpair *pr)
{
    return pr->ent[1] >> 1;
}

/* ---------- the units' ids (provisional) ---------- */

static bool owner_add(td_xref *x, uint64_t h)
{
    if (!x->owners || (x->n_owners + 1) * 4 > (x->owner_mask + 1) * 3) {
        size_t size = x->owners ? (x->owner_mask + 1) * 2 : 256;
        uint64_t *nw = td_pages_calloc(size, sizeof *nw);
        if (!nw)
            return false;
        for (size_t i = 0; x->owners && i <= x->owner_mask; i++) {
            if (!x->owners[i])
                continue;
            size_t k = (size_t)x->owners[i] & (size - 1);
            while (nw[k])
                k = (k + 1) & (size - 1);
            nw[k] = x->owners[i];
        }
        if (x->owners)
            td_pages_free(x->owners, x->owner_mask + 1, sizeof *x->owners);
        x->owners = nw;
        x->owner_mask = size - 1;
    }
    size_t k = (size_t)h & x->owner_mask;
    for (; x->owners[k]; k = (k + 1) & x->owner_mask)
        if (x->owners[k] == h)
            return true;
    x->owners[k] = h;
    x->n_owners++;
    return true;
}

static bool owner_known(const td_xref *x, uint64_t h)
{
    for (size_t k = x->owners ? (size_t)h & x->owner_mask : 0; x->owners && x->owners[k];
         k = (k + 1) & x->owner_mask)
        if (x->owners[k] == h)
            return true;
    return false;
}

/* ---------- the hold ---------- */

/* The line of site `site` of a unit, for the message at the other place of a pair. */
static uint32_t site_line(const td_unit_result *u, uint32_t site)
{
    return u->sites && site < u->n_xkeys ? u->sites[site].line : 0;
}

/* Writes the entities and look-ups buffered to their streams (a write a chunk, not a record). */
static bool flush_bufs(td_xref *x)
{
    bool ok = (!x->n_ent_buf || td_scratch_write(&x->ents, x->ent_buf,
                                                 x->n_ent_buf * sizeof *x->ent_buf)) &&
              (!x->n_look_buf || td_scratch_write(&x->looks, x->look_buf,
                                                  x->n_look_buf * sizeof *x->look_buf));
    x->n_ent_buf = x->n_look_buf = 0;
    return ok;
}

/* Writes what the index needs of one unit's keys and look-ups to the streams. */
static td_status index_unit(td_xref *x, const td_unit_result *u, uint32_t unit)
{
    uint64_t owner = u->id ? td_xhash(0, u->id) : 0;
    if (x->provisional && owner && !owner_add(x, owner))
        return TD_ENOMEM;
    if (!td_pages_grow((void **)&x->unit_first, &x->cap_unit_first, (size_t)unit + 1,
                       sizeof *x->unit_first))
        return TD_ENOMEM;
    if (u->n_xkeys >= ENT_LIMIT - x->n_ents || u->n_lookups >= UINT32_MAX - x->n_looks)
        return TD_ENOMEM;
    x->unit_first[unit] = x->n_ents;
    for (uint32_t i = 0; i < u->n_xkeys; i++) {
        const td_xkey *k = &u->xkeys[i];
        if (x->n_ent_buf == CHUNK && !flush_bufs(x))
            return TD_EIO;
        x->ent_buf[x->n_ent_buf++] = (xent){k->key, k->similar, owner, site_line(u, i), k->ok};
        x->n_sim += k->similar != 0;
    }
    for (uint32_t i = 0; i < u->n_lookups; i++) {
        if (x->n_look_buf == CHUNK && !flush_bufs(x))
            return TD_EIO;
        x->look_buf[x->n_look_buf++] = (xlook){u->lookups[i].owner, u->lookups[i].key};
    }
    x->n_ents += u->n_xkeys;
    x->n_looks += u->n_lookups;
    return TD_OK;
}

/* ---------- the settle's passes ---------- */

/* The pass of `n` that hash `h` belongs to (its high half scaled: the table uses the low). */
static uint32_t pass_of(uint64_t h, uint32_t n)
{
    return (uint32_t)(((h >> 32) * (uint64_t)n) >> 32);
}

/* The slot of (h, tag, owner) in the pass's table: its own, or the empty one where it goes
 * (the owner is compared for look-ups only). */
static xslot *slot_find(xpass *x, uint64_t h, uint32_t tag, uint64_t owner)
{
    size_t s = (size_t)(uint32_t)h & x->slot_mask;
    for (;; s = (s + 1) & x->slot_mask) {
        xslot *e = &x->slots[s];
        if (!e->tag || (e->h == h && (e->tag & 3) == tag && (tag != XS_LOOK || e->owner == owner)))
            return e;
    }
}

/* Makes the table `size` slots (a power of two), empty, or keeps its entries when `keep`. */
static bool slots_resize(xpass *x, size_t size, bool keep)
{
    xslot *old = x->slots;
    size_t old_size = old ? x->slot_mask + 1 : 0;
    if (old && !keep && size == old_size) {
        memset(old, 0, size * sizeof *old);
        x->n_slots = 0;
        return true;
    }
    xslot *nw = td_pages_calloc(size, sizeof *nw);
    if (!nw)
        return false;
    x->slots = nw;
    x->slot_mask = size - 1;
    x->n_slots = 0;
    for (size_t i = 0; keep && i < old_size; i++)
        if (old[i].tag) {
            *slot_find(x, old[i].h, old[i].tag & 3, old[i].owner) = old[i];
            x->n_slots++;
        }
    td_pages_free(old, old_size, sizeof *old);
    return true;
}

/* Puts entry e where slot_find left room for it (e points into the table). */
static bool slot_put(xpass *x, xslot *at, xslot e)
{
    *at = e;
    if (++x->n_slots * 4 > (x->slot_mask + 1) * 3)
        return slots_resize(x, (x->slot_mask + 1) * 2, true);
    return true;
}

/* Records the pair (earlier entity `first`, later entity `ent` at line `line`). */
static td_status add_pair(xpass *x, uint32_t first, uint32_t ent, uint32_t line, bool similar)
{
    if (x->n_pairs >= UINT32_MAX ||
        !td_pages_grow((void **)&x->pairs, &x->cap_pairs, x->n_pairs + 1, sizeof *x->pairs))
        return TD_ENOMEM;
    x->pairs[x->n_pairs++] = (xpair){{first, ent << 1 | similar}, line};
    return TD_OK;
}

/* Starts reading stream s from its first record for the passes of px. */
static bool pass_rewind(xpass *px, td_scratch *s)
{
    if (!px->c)
        return td_scratch_rewind(s);
    td_scratch_seek(px->c, s, 0);
    return true;
}

/* Reads the next chunk of a stream of `total` records of `elem` bytes, `at` of them read:
 * how many it read (never 0 before the end), 0 on a failure. */
static uint32_t next_chunk(xpass *px, td_scratch *s, void *buf, size_t elem, uint32_t at,
                           uint32_t total)
{
    uint32_t c = total - at < CHUNK ? total - at : CHUNK;
    size_t n = (size_t)c * elem;
    return (px->c ? td_scratch_cursor_read(px->c, buf, n) : td_scratch_read(s, buf, n)) ? c : 0;
}

/* One pass over the entities of share `pass` of `n`, in order: a key met before is a pair
 * with its first entity (unless the two are files of one unit), as is a `similar` value met
 * in another unit; then the look-ups of the share are answered. */
static td_status index_pass(td_xref *x, xpass *px, uint32_t pass, uint32_t n)
{
    xent buf[CHUNK];
    /* the share's look-ups first, so that the entities can answer them as they are met */
    xlook lb[CHUNK];
    if (x->n_looks && !pass_rewind(px, &x->looks))
        return TD_EIO;
    for (uint32_t at = 0, c; at < x->n_looks; at += c) {
        if (!(c = next_chunk(px, &x->looks, lb, sizeof *lb, at, x->n_looks)))
            return TD_EIO;
        for (uint32_t i = 0; i < c; i++) {
            if (pass_of(lb[i].key, n) != pass)
                continue;
            xslot *e = slot_find(px, lb[i].key, XS_LOOK, lb[i].owner);
            if (!e->tag && !slot_put(px, e, (xslot){lb[i].key, lb[i].owner, 0, XS_LOOK}))
                return TD_ENOMEM;
        }
    }
    if (!pass_rewind(px, &x->ents))
        return TD_EIO;
    uint32_t unit = 0;
    for (uint32_t at = 0, c; at < x->n_ents; at += c) {
        if (!(c = next_chunk(px, &x->ents, buf, sizeof *buf, at, x->n_ents)))
            return TD_EIO;
        for (uint32_t i = 0; i < c; i++) {
            const xent *k = &buf[i];
            uint32_t ent = at + i;
            bool key_here = pass_of(k->key, n) == pass;
            bool sim_here = k->similar && pass_of(k->similar, n) == pass;
            if (!key_here && !sim_here)
                continue;
            while (unit + 1 < x->held && x->unit_first[unit + 1] <= ent)
                unit++;
            if (key_here) {
                xslot *e = slot_find(px, k->key, XS_KEY, 0);
                if (!e->tag) {
                    if (!slot_put(px, e, (xslot){k->key, k->owner, ent, XS_KEY}))
                        return TD_ENOMEM;
                } else {
                    /* a second file of the same unit is already an error of the unit's id */
                    uint32_t other = unit_of(x, e->ent, unit + 1);
                    bool same_unit = k->owner && e->owner == k->owner && other != unit;
                    td_status st = same_unit ? TD_OK : add_pair(px, e->ent, ent, k->line, false);
                    if (st != TD_OK)
                        return st;
                }
                if (k->ok && x->n_looks) {
                    xslot *l = slot_find(px, k->key, XS_LOOK, k->owner);
                    if (l->tag)
                        l->tag |= XS_FOUND;
                }
            }
            if (sim_here) {
                xslot *e = slot_find(px, k->similar, XS_SIM, 0);
                if (!e->tag) {
                    if (!slot_put(px, e, (xslot){k->similar, k->owner, ent, XS_SIM}))
                        return TD_ENOMEM;
                } else if (unit_of(x, e->ent, unit + 1) != unit &&
                           !(k->owner && e->owner == k->owner)) {
                    td_status st = add_pair(px, e->ent, ent, k->line, true);
                    if (st != TD_OK)
                        return st;
                }
            }
        }
    }
    /* the answers of the share's look-ups, a bit each */
    if (x->n_looks && !pass_rewind(px, &x->looks))
        return TD_EIO;
    for (uint32_t at = 0, c; at < x->n_looks; at += c) {
        if (!(c = next_chunk(px, &x->looks, lb, sizeof *lb, at, x->n_looks)))
            return TD_EIO;
        for (uint32_t i = 0; i < c; i++)
            if (pass_of(lb[i].key, n) == pass &&
                slot_find(px, lb[i].key, XS_LOOK, lb[i].owner)->tag & XS_FOUND)
                px->found[(at + i) / 32] |= 1u << ((at + i) % 32);
    }
    return TD_OK;
}

/* In-place heap sorts (no memory: glibc's qsort allocates a copy of the array). */

static void sift_pairs(xpair *a, size_t root, size_t n)
{
    for (size_t child; (child = 2 * root + 1) < n; root = child) {
        if (child + 1 < n && a[child].ent[1] < a[child + 1].ent[1])
            child++;
        if (a[root].ent[1] >= a[child].ent[1])
            return;
        xpair t = a[root];
        a[root] = a[child];
        a[child] = t;
    }
}

/* The pairs by their later entity (each is met once, so the order is the hold's). */
static void sort_pairs(xpair *a, size_t n)
{
    for (size_t i = n / 2; i-- > 0;)
        sift_pairs(a, i, n);
    for (size_t i = n; i-- > 1;) {
        xpair t = a[0];
        a[0] = a[i];
        a[i] = t;
        sift_pairs(a, 0, i);
    }
}

/* The order of by_unit: earlier unit (held in line_first while it is sorted), then index. */
static uint64_t by_unit_key(const td_xref *x, size_t i)
{
    return (uint64_t)x->line_first[x->by_unit[i]] << 32 | x->by_unit[i];
}

static void sift_by_unit(td_xref *x, size_t root, size_t n)
{
    uint32_t *a = x->by_unit;
    for (size_t child; (child = 2 * root + 1) < n; root = child) {
        if (child + 1 < n && by_unit_key(x, child) < by_unit_key(x, child + 1))
            child++;
        if (by_unit_key(x, root) >= by_unit_key(x, child))
            return;
        uint32_t t = a[root];
        a[root] = a[child];
        a[child] = t;
    }
}

static void sort_by_unit(td_xref *x)
{
    size_t n = x->n_by_unit;
    for (size_t i = n / 2; i-- > 0;)
        sift_by_unit(x, i, n);
    for (size_t i = n; i-- > 1;) {
        uint32_t t = x->by_unit[0];
        x->by_unit[0] = x->by_unit[i];
        x->by_unit[i] = t;
        sift_by_unit(x, 0, i);
    }
}

/* The line of each pair's earlier place, from its entity: the settle's threads then need no
 * line from a unit another thread resolves. Read in by_unit's order, which is the entities'
 * but within a unit, so that the cursor's buffer serves the reads. */
static td_status lines_first(td_xref *x)
{
    if (!td_scratch_rewind(&x->ents))
        return TD_EIO;
    td_scratch_cursor c;
    memset(&c, 0, sizeof c);
    td_status st = TD_OK;
    for (size_t k = 0; k < x->n_by_unit && st == TD_OK; k++) {
        uint32_t i = x->by_unit[k];
        xent e;
        td_scratch_seek(&c, &x->ents, (unsigned long long)x->pairs[i].ent[0] * sizeof e);
        if (td_scratch_cursor_read(&c, &e, sizeof e))
            x->line_first[i] = e.line;
        else
            st = TD_EIO;
    }
    td_scratch_cursor_free(&c);
    return st;
}

/* Builds what the settle resolves the units with: the pairs in hold order of their later
 * entity, the pairs by their earlier unit, the lines of their earlier places, and the
 * answers of the look-ups. */
/* How many passes the index takes, and the size of each pass's table; 0 when there is
 * nothing to index. */
static uint32_t passes_of(const td_xref *x, size_t *size)
{
    uint64_t items = (uint64_t)x->n_ents + x->n_sim + x->n_looks;
    if (!items)
        return 0;
    uint32_t n = (uint32_t)((items + PASS_ITEMS - 1) / PASS_ITEMS);
    *size = 64;
    while (*size < 2 * ((items + n - 1) / n))
        *size *= 2;
    return n;
}

/* Makes the bits of the look-ups' answers, all 0. */
static bool found_new(const td_xref *x, xpass *px)
{
    px->cap_found = (size_t)x->n_looks / 32 + 1;
    return x->n_looks == 0 || (px->found = td_pages_calloc(px->cap_found, sizeof *px->found));
}

static void xpass_free(xpass *px)
{
    td_pages_free(px->slots, px->slot_mask + 1, sizeof *px->slots);
    td_pages_free(px->pairs, px->cap_pairs, sizeof *px->pairs);
    td_pages_free(px->found, px->cap_found, sizeof *px->found);
    td_pages_free(px->merge_buf, px->cap_merge_buf, sizeof *px->merge_buf);
    td_pages_free(px->counts, px->cap_counts, sizeof *px->counts);
    td_scratch_cursor *c = px->c;
    memset(px, 0, sizeof *px);
    px->c = c;
}

static td_status index_settle(td_xref *x)
{
    size_t size = 0;
    uint32_t n = passes_of(x, &size);
    if (!n)
        return TD_OK;
    if (!flush_bufs(x))
        return TD_EIO;
    xpass px;
    memset(&px, 0, sizeof px);
    if (!found_new(x, &px))
        return TD_ENOMEM;
    td_status st = TD_OK;
    for (uint32_t pass = 0; pass < n && st == TD_OK; pass++)
        st = slots_resize(&px, size, false) ? index_pass(x, &px, pass, n) : TD_ENOMEM;
    td_pages_free(px.slots, px.slot_mask + 1, sizeof *px.slots);
    x->pairs = px.pairs;
    x->n_pairs = px.n_pairs;
    x->cap_pairs = px.cap_pairs;
    x->found = px.found;
    x->cap_found = px.cap_found;
    if (st != TD_OK || !x->n_pairs)
        return st;
    sort_pairs(x->pairs, x->n_pairs);
    /* the pairs by their earlier unit, so that resolving a unit does not scan them all */
    x->n_by_unit = x->n_pairs; /* the size of both arrays */
    if (!(x->by_unit = td_pages_calloc(x->n_pairs, sizeof *x->by_unit)) ||
        !(x->line_first = td_pages_calloc(x->n_pairs, sizeof *x->line_first)))
        return TD_ENOMEM;
    for (size_t i = 0; i < x->n_pairs; i++) {
        x->by_unit[i] = (uint32_t)i;
        x->line_first[i] = unit_of(x, x->pairs[i].ent[0], x->held);
    }
    sort_by_unit(x);
    return lines_first(x);
}

/* The index shared by the settle's threads (td_xref_index_*): what one thread's passes
 * hold more than index_settle's, a table, a cursor's buffer and its pairs, it holds at once
 * with the others'; and two arrays the size of the pairs and of the units, for the two sorts,
 * which index_settle makes in place at the cost of a heap sort each (2-3 ms of o10k, where the
 * passes shared save about as much: docs/performance.md, lever 26). */

/* The end of the run of pairs in order (by their later entity) that starts at `at`. */
static size_t run_end(const xpair *a, size_t at, size_t n)
{
    while (++at < n && a[at - 1].ent[1] < a[at].ent[1])
        ;
    return at;
}

/* Sorts the n pairs at *a by their later entity, which come in runs already in order (one
 * per pass): neighbouring runs merged, to and from `buf` (n more), until one is left; *a and
 * *buf may change places. */
static void merge_runs(xpair **a, xpair **buf, size_t n)
{
    for (;;) {
        xpair *src = *a, *dst = *buf;
        size_t runs = 0;
        for (size_t lo = 0; lo < n; runs++) {
            size_t mid = run_end(src, lo, n), hi = mid < n ? run_end(src, mid, n) : n;
            size_t i = lo, j = mid, k = lo;
            while (i < mid && j < hi)
                dst[k++] = src[j].ent[1] < src[i].ent[1] ? src[j++] : src[i++];
            memcpy(dst + k, src + i, (mid - i) * sizeof *dst);
            k += mid - i;
            memcpy(dst + k, src + j, (hi - j) * sizeof *dst);
            lo = hi;
        }
        *a = dst;
        *buf = src;
        if (runs <= 1)
            return;
    }
}

/* by_unit made by counting: the pairs' earlier units (in line_first) counted in `at`
 * (held + 1 zeros), then each pair put at its unit's next place, in pair order, which is
 * sort_by_unit's order. */
static void count_by_unit(td_xref *x, uint32_t *at)
{
    size_t n_at = (size_t)x->held + 1;
    for (size_t i = 0; i < x->n_pairs; i++)
        at[x->line_first[i] + 1]++;
    for (size_t u = 1; u < n_at; u++)
        at[u] += at[u - 1];
    for (size_t i = 0; i < x->n_pairs; i++)
        x->by_unit[at[x->line_first[i]]++] = (uint32_t)i;
}

/* ---------- findings ---------- */

/* The code of a diagnostic copied or spooled, from its text. */
static td_code code_read(const char *text)
{
    td_code c = td_code_of(text);
    return c == TD_CODE_COUNT ? TD_CODE_RULE : c;
}

/* A copy of entry `e` into `d` with a new severity and message. */
static td_diagnostic *copy_entry(td_diag *d, const td_diagnostic *e, td_severity sev,
                                 const char *msg)
{
    td_diagnostic *c = td_diag_at_lc(d, sev, code_read(e->code), NULL, 0, 0, 1, "%s", msg);
    if (!c)
        return NULL;
    c->lang = e->lang;
    c->line = e->line;
    c->col = e->col;
    c->width = e->width;
    c->doc = e->doc;
    const char *const *from[] = {(const char *const *)&e->file,
                                 (const char *const *)&e->source_line,
                                 (const char *const *)&e->hint,  (const char *const *)&e->rule,
                                 (const char *const *)&e->cite,  (const char *const *)&e->label,
                                 (const char *const *)&e->path};
    char **to[] = {&c->file, &c->source_line, &c->hint, &c->rule, &c->cite, &c->label, &c->path};
    for (size_t i = 0; i < sizeof to / sizeof to[0]; i++)
        if (*from[i] && !td_diag_set(d, to[i], "%s", *from[i]))
            return NULL;
    return c;
}

/* A finding at site `site` of unit u, of index ix, with an empty message: where it points
 * from the site, its rule, cite and label from the index (as at the unit's as-of date). */
static td_diagnostic *site_entry(const td_xref *x, td_diag *d, const td_unit_result *u,
                                 uint32_t site, const td_index *ix, td_severity sev)
{
    const td_xsite *st = &u->sites[site];
    td_diagnostic *c = td_diag_at_lc(d, sev, TD_CODE_RULE, NULL, 0, 0, 1, "%s", "");
    if (!c)
        return NULL;
    c->line = st->line;
    c->col = st->col;
    c->width = st->width;
    c->doc = u->doc;
    char lb[1024];
    if ((u->site_file && !td_diag_set(d, &c->file, "%s", u->site_file)) ||
        (st->source_line && !td_diag_set(d, &c->source_line, "%s", st->source_line)) ||
        (ix && !td_diag_set(d, &c->rule, "%s", ix->id)) ||
        (ix && ix->cite && *ix->cite && !td_diag_set(d, &c->cite, "%s", ix->cite)) ||
        (ix && ix->label &&
         !td_diag_set(d, &c->label, "%s", td_label_at(x->p, ix->label, u->as_of, lb, sizeof lb))) ||
        !td_diag_set(d, &c->path, "%s", st->path ? st->path : ""))
        return NULL;
    return c;
}

static const char *shown(const char *file)
{
    return file && strcmp(file, "-") != 0 ? file : "<stdin>";
}

/* "FILE:LINE" (only FILE when line is 0) into buf, cut at cap - 1 bytes as snprintf cuts. */
static void put_where(char *buf, size_t cap, const char *file, uint32_t line)
{
    size_t n = strlen(file);
    if (n > cap - 1)
        n = cap - 1;
    memcpy(buf, file, n);
    if (line) {
        char num[12];
        size_t k = sizeof num;
        do {
            num[--k] = (char)('0' + line % 10);
            line /= 10;
        } while (line);
        num[--k] = ':';
        size_t m = sizeof num - k;
        if (m > cap - 1 - n)
            m = cap - 1 - n;
        memcpy(buf + n, num + k, m);
        n += m;
    }
    buf[n] = '\0';
}

/* Resolves one unit: its deferred findings, then the pairs that name one of its sites. */
static td_status resolve_unit(const td_xref *x, td_xref_thread *t, td_unit_result *u,
                              uint32_t unit)
{
    td_diag *d = &u->findings;
    bool changed = false;
    for (size_t i = 0; i < u->deferred.n; i++) {
        const td_xdefer *df = &u->defers[i];
        bool found = false, unknown_owner = false;
        for (uint32_t k = 0; k < df->n && !found; k++) {
            uint32_t at = df->first + k;
            if (at >= u->n_lookups)
                break;
            /* answered by the settle's passes; provisional: is a unit with that id held? */
            found = x->found && x->found[(t->look_base + at) / 32] >> ((t->look_base + at) % 32) & 1;
            unknown_owner |= x->provisional && !owner_known(x, u->lookups[at].owner);
        }
        if (found)
            continue;
        const td_diagnostic *e = &u->deferred.items[i];
        td_diagnostic *c;
        if (x->provisional && unknown_owner) {
            /* validate sees one file: what another unit's file holds is not known here */
            const td_xlookup *l = &u->lookups[df->first];
            bool said = false;
            for (size_t j = 0; j < i && !said; j++)
                said = u->defers[j].n && u->lookups[u->defers[j].first].key == l->key &&
                       u->lookups[u->defers[j].first].owner == l->owner;
            if (said)
                continue;
            c = copy_entry(d, e, TD_SEV_INFO, "");
            if (c && !td_diag_set(d, &c->message, N_("'%s' of unit %s is not in this file: to be "
                                  "checked when the district's units are evaluated together "
                                  "(thidua eval)"), l->key_text, l->owner_text))
                return TD_ENOMEM;
            if (c) {
                free(c->hint);
                c->hint = NULL;
            }
        } else {
            c = copy_entry(d, e, e->sev, e->message ? e->message : "");
            if (c)
                c->pending = e->pending; /* a deferred error not due yet stays in progress */
        }
        if (!c)
            return TD_ENOMEM;
        changed = true;
    }
    /* the pairs that name one of its sites, in pair order: those of its own keys (side 1:
     * pairs are in hold order of their later entity) merged with those naming it as the
     * earlier place (side 0: by_unit, by earlier unit); units are resolved in order, so each
     * list is walked once. */
    size_t a0, a1, b0, b1;
    uint32_t lo = x->unit_first[unit], hi = unit + 1 < x->held ? x->unit_first[unit + 1] : x->n_ents;
    /* the unit's entities are lo .. hi-1: by_unit is in order of the earlier entity's unit */
    while (t->next_by_unit < x->n_by_unit && x->pairs[x->by_unit[t->next_by_unit]].ent[0] < lo)
        t->next_by_unit++;
    a0 = a1 = t->next_by_unit;
    while (a1 < x->n_by_unit && x->pairs[x->by_unit[a1]].ent[0] < hi)
        a1++;
    t->next_by_unit = a1;
    while (t->next_pair < x->n_pairs && later(&x->pairs[t->next_pair]) < lo)
        t->next_pair++;
    b0 = b1 = t->next_pair;
    while (b1 < x->n_pairs && later(&x->pairs[b1]) < hi)
        b1++;
    t->next_pair = b1;
    size_t steps = (a1 - a0) + (b1 - b0);
    for (size_t q = 0; q < steps; q++) {
        size_t i;
        int side;
        if (a0 < a1 && (b0 >= b1 || x->by_unit[a0] <= b0)) {
            i = x->by_unit[a0++];
            side = 0;
        } else {
            i = b0++;
            side = 1;
        }
        xpair *pr = &x->pairs[i];
        uint32_t ents[2] = {pr->ent[0], later(pr)};
        bool similar = pr->ent[1] & 1;
        if (unit_of(x, ents[side], x->held) != unit)
            continue;
        uint32_t site = ents[side] - x->unit_first[unit];
        if (!u->sites || site >= u->n_xkeys)
            continue;
        const char *other_file = file_of(x, t, unit_of(x, ents[!side], x->held));
        uint32_t other_line = side ? x->line_first[i] : pr->line_later;
        const td_xkey *k = &u->xkeys[site];
        const td_index *ix = k->index < x->p->n_indexes ? &x->p->indexes[k->index] : NULL;
        char where[512];
        put_where(where, sizeof where,
                  other_file ? shown(other_file) : td_gettext(d->lang, N_("another unit")),
                  other_file ? other_line : 0);
        td_diagnostic *c = site_entry(x, d, u, site, ix, similar ? TD_SEV_WARNING : TD_SEV_ERROR);
        if (!c)
            return TD_ENOMEM;
        bool ok;
        if (similar) {
            /* TRANSLATORS: %1$s is a data path such as exemplars[].initiatives[], %2$s the
             * values, %3$s a file:line */
            ok = td_diag_set(d, &c->message, N_("another unit has an entry of %s with the "
                             "same values (%s), at %s: a file copied from another unit may "
                             "have kept its entries, and they would be counted twice"),
                             ix ? ix->path.text : "?",
                             k->similar_text ? k->similar_text : "", where) &&
                 td_diag_set(d, &c->hint, N_("remove the copied entry, or tell the "
                             "two apart if both are real"));
            if (ok && ix) {
                /* the index's id and ".similar" */
                size_t n = strlen(ix->id);
                char *rule = malloc(n + sizeof ".similar");
                if (!rule)
                    return TD_ENOMEM;
                memcpy(rule, ix->id, n);
                memcpy(rule + n, ".similar", sizeof ".similar");
                free(c->rule);
                c->rule = rule;
            }
        } else {
            /* TRANSLATORS: %1$s is an id, %2$s a data path such as exemplars[], %3$s a
             * file:line */
            ok = td_diag_set(d, &c->message, N_("'%s' is used twice as the id of %s: here and "
                             "at %s; an id names one entry in the whole batch, and an entry "
                             "counted twice inflates the figures"), k->text,
                             ix ? ix->path.text : "?", where) &&
                 td_diag_set(d, &c->hint, N_("give each its own id, or remove the copy"));
        }
        if (!ok)
            return TD_ENOMEM;
        changed = true;
    }
    if (changed)
        td_diag_sort(d);
    return d->oom ? TD_ENOMEM : TD_OK;
}

/* ---------- the spool ---------- */

/* A held unit is one record of the spool: its length (4 bytes), then its fields, built in
 * memory and written with one fwrite; it is read back whole and decoded from memory. A
 * diagnostic's code is written as its number in codes.h. */
typedef struct wbuf {
    unsigned char *p;       /* owned */
    size_t n, cap;          /* bytes */
    bool oom;
} wbuf;

static void w_bytes(wbuf *b, const void *s, size_t n)
{
    if (b->oom)
        return;
    if (n > b->cap - b->n) {
        size_t c = b->cap ? b->cap * 2 : 4096;
        while (c - b->n < n)
            c *= 2;
        unsigned char *g = realloc(b->p, c);
        if (!g) {
            b->oom = true;
            return;
        }
        b->p = g;
        b->cap = c;
    }
    memcpy(b->p + b->n, s, n);
    b->n += n;
}

static void w_u32(wbuf *b, uint32_t v)
{
    w_bytes(b, &v, sizeof v);
}

static void w_u64(wbuf *b, uint64_t v)
{
    w_bytes(b, &v, sizeof v);
}

static void w_str(wbuf *b, const char *s)
{
    if (!s) {
        w_u32(b, UINT32_MAX);
        return;
    }
    size_t n = strlen(s);
    w_u32(b, (uint32_t)n);
    w_bytes(b, s, n);
}

static void w_diag(wbuf *b, const td_diag *d)
{
    w_u32(b, (uint32_t)d->n);
    for (size_t i = 0; i < d->n; i++) {
        const td_diagnostic *e = &d->items[i];
        w_u32(b, (uint32_t)e->sev);
        w_u32(b, (uint32_t)e->lang);
        w_u32(b, e->pending);
        w_u32(b, (uint32_t)td_code_of(e->code));
        w_str(b, e->file);
        w_u32(b, e->line);
        w_u32(b, e->col);
        w_u32(b, e->width);
        w_u32(b, e->doc);
        w_str(b, e->source_line);
        w_str(b, e->message);
        w_str(b, e->hint);
        w_str(b, e->rule);
        w_str(b, e->cite);
        w_str(b, e->label);
        w_str(b, e->path);
    }
}

static void w_unit(wbuf *b, const td_unit_result *u)
{
    w_str(b, u->file);
    w_u32(b, u->doc);
    w_u32(b, u->line);
    w_str(b, u->id);
    w_str(b, u->name);
    w_str(b, u->level);
    w_str(b, u->group);
    w_u32(b, u->typed);
    w_u32(b, (uint32_t)u->as_of);
    w_u32(b, u->n_values);
    for (uint32_t i = 0; i < u->n_values; i++)
        w_str(b, u->values[i]);
    w_diag(b, &u->findings);
    w_str(b, u->site_file);
    w_u32(b, u->n_xkeys);
    for (uint32_t i = 0; i < u->n_xkeys; i++) {
        const td_xkey *k = &u->xkeys[i];
        w_u32(b, k->index);
        w_u64(b, k->key);
        w_u64(b, k->similar);
        w_u32(b, k->ok);
        w_str(b, k->text);
        w_str(b, k->similar_text);
        const td_xsite *st = u->sites ? &u->sites[i] : NULL;
        w_u32(b, st ? st->line : 0);
        w_u32(b, st ? st->col : 0);
        w_u32(b, st ? st->width : 1);
        w_str(b, st ? st->path : NULL);
        w_str(b, st ? st->source_line : NULL);
    }
    w_diag(b, &u->deferred);
    for (size_t i = 0; i < u->deferred.n; i++) {
        w_u32(b, u->defers[i].first);
        w_u32(b, u->defers[i].n);
    }
    w_u32(b, u->n_lookups);
    for (uint32_t i = 0; i < u->n_lookups; i++) {
        const td_xlookup *l = &u->lookups[i];
        w_u32(b, l->index);
        w_u64(b, l->owner);
        w_u64(b, l->key);
        w_str(b, l->owner_text);
        w_str(b, l->key_text);
    }
}

typedef struct reader {
    td_scratch_cursor *c;   /* where the spool is read */
    wbuf *rec;              /* the record being decoded */
    size_t at;              /* bytes of it decoded */
    bool bad;               /* a read failed or a length is absurd */
    bool oom;
} reader;

/* Reads the next record whole into r->rec. */
static void r_record(reader *r)
{
    uint32_t n = 0;
    wbuf *rec = r->rec;
    rec->n = r->at = 0;
    if (!td_scratch_cursor_read(r->c, &n, sizeof n) || n > (1u << 30)) {
        r->bad = true;
        return;
    }
    if (n > rec->cap) {
        unsigned char *g = realloc(rec->p, n);
        if (!g) {
            r->oom = true;
            return;
        }
        rec->p = g;
        rec->cap = n;
    }
    if (n && !td_scratch_cursor_read(r->c, rec->p, n))
        r->bad = true;
    rec->n = n;
}

static const unsigned char *r_take(reader *r, size_t n)
{
    if (r->bad || n > r->rec->n - r->at) {
        r->bad = true;
        return NULL;
    }
    const unsigned char *p = r->rec->p + r->at;
    r->at += n;
    return p;
}

static uint32_t r_u32(reader *r)
{
    uint32_t v = 0;
    const unsigned char *p = r_take(r, sizeof v);
    if (p)
        memcpy(&v, p, sizeof v);
    return v;
}

static uint64_t r_u64(reader *r)
{
    uint64_t v = 0;
    const unsigned char *p = r_take(r, sizeof v);
    if (p)
        memcpy(&v, p, sizeof v);
    return v;
}

static char *r_str(reader *r)
{
    uint32_t n = r_u32(r);
    if (r->bad || n == UINT32_MAX)
        return NULL;
    const unsigned char *p = r_take(r, n);
    if (!p)
        return NULL;
    char *s = malloc((size_t)n + 1);
    if (!s) {
        r->oom = true;
        return NULL;
    }
    memcpy(s, p, n);
    s[n] = '\0';
    return s;
}

static void r_diag(reader *r, td_diag *d)
{
    uint32_t n = r_u32(r);
    for (uint32_t i = 0; i < n && !r->bad && !r->oom; i++) {
        td_severity sev = (td_severity)r_u32(r);
        uint32_t lang = r_u32(r);
        bool pending = r_u32(r) != 0;
        uint32_t code = r_u32(r);
        td_code c = code < TD_CODE_COUNT ? (td_code)code : TD_CODE_RULE;
        td_diagnostic *e = td_diag_at_lc(d, sev, c, NULL, 0, 0, 1, "%s", "");
        if (!e) {
            r->oom = true;
            return;
        }
        e->lang = lang <= TD_LANG_VI ? (td_lang)lang : TD_LANG_EN;
        e->pending = pending;
        e->file = r_str(r);
        e->line = r_u32(r);
        e->col = r_u32(r);
        e->width = r_u32(r);
        e->doc = r_u32(r);
        e->source_line = r_str(r);
        free(e->message);
        e->message = r_str(r);
        if (!e->message && !r->bad && !(e->message = strdup("")))
            r->oom = true;
        e->hint = r_str(r);
        e->rule = r_str(r);
        e->cite = r_str(r);
        e->label = r_str(r);
        e->path = r_str(r);
    }
}

static void r_unit(reader *r, td_unit_result *u)
{
    r_record(r);
    if (r->bad || r->oom)
        return;
    u->file = r_str(r);
    u->doc = r_u32(r);
    u->line = r_u32(r);
    u->id = r_str(r);
    u->name = r_str(r);
    u->level = r_str(r);
    u->group = r_str(r);
    u->typed = r_u32(r) != 0;
    u->as_of = (int32_t)r_u32(r);
    uint32_t nv = r_u32(r);
    if (r->bad || nv > 4096) {
        r->bad = true;
        return;
    }
    if (nv) {
        u->values = calloc(nv, sizeof *u->values);
        if (!u->values) {
            r->oom = true;
            return;
        }
        u->n_values = nv;
        for (uint32_t i = 0; i < nv; i++)
            u->values[i] = r_str(r);
    }
    r_diag(r, &u->findings);
    u->site_file = r_str(r);
    uint32_t nk = r_u32(r);
    if (r->bad || nk > (1u << 24)) {
        r->bad = true;
        return;
    }
    if (nk && (!(u->xkeys = calloc(nk, sizeof *u->xkeys)) ||
               !(u->sites = calloc(nk, sizeof *u->sites)))) {
        r->oom = true;
        return;
    }
    for (uint32_t i = 0; i < nk && !r->bad; i++) {
        td_xkey *k = &u->xkeys[i];
        k->index = r_u32(r);
        k->key = r_u64(r);
        k->similar = r_u64(r);
        k->ok = r_u32(r) != 0;
        k->text = r_str(r);
        k->similar_text = r_str(r);
        td_xsite *st = &u->sites[i];
        st->line = r_u32(r);
        st->col = r_u32(r);
        st->width = r_u32(r);
        st->path = r_str(r);
        st->source_line = r_str(r);
        u->n_xkeys = i + 1;
    }
    r_diag(r, &u->deferred);
    if (u->deferred.n && !(u->defers = calloc(u->deferred.n, sizeof *u->defers))) {
        r->oom = true;
        return;
    }
    for (size_t i = 0; i < u->deferred.n; i++) {
        u->defers[i].first = r_u32(r);
        u->defers[i].n = r_u32(r);
    }
    uint32_t nl = r_u32(r);
    if (r->bad || nl > (1u << 24)) {
        r->bad = true;
        return;
    }
    if (nl && !(u->lookups = calloc(nl, sizeof *u->lookups))) {
        r->oom = true;
        return;
    }
    for (uint32_t i = 0; i < nl && !r->bad; i++) {
        td_xlookup *l = &u->lookups[i];
        l->index = r_u32(r);
        l->owner = r_u64(r);
        l->key = r_u64(r);
        l->owner_text = r_str(r);
        l->key_text = r_str(r);
        u->n_lookups = i + 1;
    }
    for (size_t i = 0; i < u->deferred.n; i++)
        if (u->defers[i].first > u->n_lookups || u->defers[i].n > u->n_lookups - u->defers[i].first)
            r->bad = true;
}

/* ---------- entry points ---------- */

/* Bytes of the index's streams kept in memory before they move to a file: a unit or a file
 * to validate stays in memory; a batch's go to their files early, as the rest of its memory
 * is what grows with it. */
#define INDEX_MEM ((size_t)16 << 10)

td_status td_xref_new(const td_program *p, td_lang lang, bool provisional, td_xref_name_fn name,
                      void *name_arg, td_xref **out)
{
    td_xref *x = calloc(1, sizeof *x);
    *out = x;
    if (!x)
        return TD_ENOMEM;
    x->p = p;
    x->lang = lang;
    x->provisional = provisional;
    x->name = name;
    x->name_arg = name_arg;
    x->ents.limit = x->looks.limit = INDEX_MEM;
    x->rec = calloc(1, sizeof *x->rec);
    if (!x->rec)
        return TD_ENOMEM;
    return TD_OK;
}

/* Forgets the held units' index (not the streams' bytes: td_scratch_clear). */
static void reset(td_xref *x)
{
    if (x->owners)
        td_pages_free(x->owners, x->owner_mask + 1, sizeof *x->owners);
    x->owners = NULL;
    x->owner_mask = 0;
    x->n_owners = 0;
    td_pages_free(x->pairs, x->cap_pairs, sizeof *x->pairs);
    x->pairs = NULL;
    x->n_pairs = x->cap_pairs = 0;
    td_pages_free(x->found, x->cap_found, sizeof *x->found);
    x->found = NULL;
    x->cap_found = 0;
    td_pages_free(x->by_unit, x->n_by_unit, sizeof *x->by_unit);
    td_pages_free(x->line_first, x->n_by_unit, sizeof *x->line_first);
    x->by_unit = NULL;
    x->line_first = NULL;
    x->n_by_unit = 0;
    x->held = x->n_ents = x->n_sim = x->n_looks = 0;
    x->spool_bytes = 0;
}

void td_xref_free(td_xref *x)
{
    if (!x)
        return;
    reset(x);
    td_pages_free(x->unit_first, x->cap_unit_first, sizeof *x->unit_first);
    td_pages_free(x->marks, x->cap_marks, sizeof *x->marks);
    td_scratch_free(&x->spool);
    td_scratch_free(&x->ents);
    td_scratch_free(&x->looks);
    if (x->rec)
        free(x->rec->p);
    free(x->rec);
    free(x);
}

td_status td_xref_hold(td_xref *x, const td_unit_result *u, uint32_t ordinal)
{
    uint32_t unit = x->held;
    if (unit == UINT32_MAX)
        return TD_ENOMEM;
    if (!unit)
        x->first = ordinal;
    if (unit % TD_XREF_RUN == 0) {
        if (!td_pages_grow((void **)&x->marks, &x->cap_marks, unit / TD_XREF_RUN + 1,
                           sizeof *x->marks))
            return TD_ENOMEM;
        x->marks[unit / TD_XREF_RUN] = (xmark){x->spool_bytes, x->n_looks};
    }
    td_status st = index_unit(x, u, unit);
    if (st != TD_OK)
        return st;
    wbuf *b = x->rec;
    b->n = 0;
    w_u32(b, 0); /* the length, filled in below */
    w_unit(b, u);
    if (b->oom)
        return TD_ENOMEM;
    uint32_t len = (uint32_t)(b->n - sizeof len);
    memcpy(b->p, &len, sizeof len);
    if (b->n > (1u << 30) + sizeof len || !td_scratch_write(&x->spool, b->p, b->n))
        return TD_EIO;
    x->spool_bytes += b->n;
    x->held++;
    return TD_OK;
}

td_status td_xref_thread_new(td_xref_thread **out)
{
    td_xref_thread *t = calloc(1, sizeof *t);
    *out = t;
    if (!t || !(t->rec = calloc(1, sizeof *t->rec)))
        return TD_ENOMEM;
    return TD_OK;
}

void td_xref_thread_free(td_xref_thread *t)
{
    if (!t)
        return;
    td_scratch_cursor_free(&t->c);
    if (t->rec)
        free(t->rec->p);
    free(t->rec);
    free(t->path);
    xpass_free(&t->ix);
    free(t);
}

td_status td_xref_settle_begin(td_xref *x)
{
    if (!td_scratch_rewind(&x->spool))
        return TD_EIO;
    return index_settle(x);
}

td_status td_xref_index_begin(td_xref *x)
{
    if (!td_scratch_rewind(&x->spool))
        return TD_EIO;
    x->n_passes = passes_of(x, &x->pass_slots);
    atomic_init(&x->next_pass, 0);
    /* the streams written out, so that the threads' cursors read them whole */
    if (x->n_passes && (!flush_bufs(x) || !td_scratch_rewind(&x->ents) ||
                        (x->n_looks && !td_scratch_rewind(&x->looks))))
        return TD_EIO;
    return TD_OK;
}

td_status td_xref_index_share(td_xref *x, td_xref_thread *t)
{
    xpass *px = &t->ix;
    px->c = &t->c;
    td_status st = TD_OK;
    for (;;) {
        uint32_t pass = atomic_fetch_add(&x->next_pass, 1);
        if (pass >= x->n_passes)
            break;
        if (!px->found && !found_new(x, px))
            st = TD_ENOMEM;
        else if (!slots_resize(px, x->pass_slots, false))
            st = TD_ENOMEM;
        else
            st = index_pass(x, px, pass, x->n_passes);
        if (st != TD_OK) {
            /* the others find no pass left */
            atomic_store(&x->next_pass, x->n_passes);
            break;
        }
    }
    return st;
}

/* What the passes and the end allocate is given back with the threads (td_xref_thread_free,
 * once they are joined), not here: unmapping pages while the other threads of the process run
 * or wait interrupts their cores, about 0.25 ms each here (o10k's end of the index 3.1 ms, of
 * which 0.55 ms the two threads' pairs given back). */
td_status td_xref_index_end(td_xref *x, td_xref_thread *const *t, unsigned n)
{
    size_t total = 0;
    for (unsigned i = 0; i < n; i++)
        total += t[i]->ix.n_pairs;
    if (!x->n_passes)
        return TD_OK;
    if (total >= UINT32_MAX)
        return TD_ENOMEM;
    if (x->n_looks) {
        x->cap_found = (size_t)x->n_looks / 32 + 1;
        if (!(x->found = td_pages_calloc(x->cap_found, sizeof *x->found)))
            return TD_ENOMEM;
        for (unsigned i = 0; i < n; i++)
            for (size_t w = 0; t[i]->ix.found && w < x->cap_found; w++)
                x->found[w] |= t[i]->ix.found[w];
    }
    if (!total)
        return TD_OK;
    xpass *keep = &t[0]->ix;
    xpair *buf = keep->merge_buf = td_pages_calloc(total, sizeof *buf);
    if (buf)
        keep->cap_merge_buf = total;
    if ((x->pairs = td_pages_calloc(total, sizeof *x->pairs)))
        x->cap_pairs = total;
    if (!x->pairs || !buf)
        return TD_ENOMEM;
    for (unsigned i = 0; i < n; i++) {
        if (t[i]->ix.n_pairs)
            memcpy(x->pairs + x->n_pairs, t[i]->ix.pairs, t[i]->ix.n_pairs * sizeof *x->pairs);
        x->n_pairs += t[i]->ix.n_pairs;
    }
    merge_runs(&x->pairs, &buf, total);
    keep->merge_buf = buf; /* the one not holding the pairs */
    x->n_by_unit = x->n_pairs;
    if (!(x->by_unit = td_pages_calloc(x->n_pairs, sizeof *x->by_unit)) ||
        !(x->line_first = td_pages_calloc(x->n_pairs, sizeof *x->line_first)))
        return TD_ENOMEM;
    for (size_t i = 0; i < x->n_pairs; i++)
        x->line_first[i] = unit_of(x, x->pairs[i].ent[0], x->held);
    if (!(keep->counts = td_pages_calloc((size_t)x->held + 1, sizeof *keep->counts)))
        return TD_ENOMEM;
    keep->cap_counts = (size_t)x->held + 1;
    count_by_unit(x, keep->counts);
    return lines_first(x);
}

uint32_t td_xref_held(const td_xref *x)
{
    return x->held;
}

/* The first index in [0, n) at which `before` is false (it is true, then false). */
#define FIRST_NOT(n, before)                                                                   \
    do {                                                                                       \
        size_t lo_ = 0, hi_ = (n);                                                             \
        while (lo_ < hi_) {                                                                    \
            size_t i = lo_ + (hi_ - lo_) / 2;                                                  \
            if (before)                                                                        \
                lo_ = i + 1;                                                                   \
            else                                                                               \
                hi_ = i;                                                                       \
        }                                                                                      \
        found_ = lo_;                                                                          \
    } while (0)

td_status td_xref_settle_range(const td_xref *x, td_xref_thread *t, uint32_t from, uint32_t to,
                               td_xref_fn fn, void *arg)
{
    if (to > x->held)
        to = x->held;
    if (from >= to)
        return TD_OK;
    if (from % TD_XREF_RUN)
        return TD_EBUG;
    /* the cursors where the units before `from` would have left them */
    const xmark *m = &x->marks[from / TD_XREF_RUN];
    uint32_t lo = x->unit_first[from];
    size_t found_;
    td_scratch_seek(&t->c, &x->spool, m->at);
    t->look_base = m->looks;
    FIRST_NOT(x->n_by_unit, x->pairs[x->by_unit[i]].ent[0] < lo);
    t->next_by_unit = found_;
    FIRST_NOT(x->n_pairs, later(&x->pairs[i]) < lo);
    t->next_pair = found_;
    reader r = {&t->c, t->rec, 0, false, false};
    td_status st = TD_OK;
    for (uint32_t k = from; k < to && st == TD_OK; k++) {
        td_unit_result u;
        td_unit_result_init(&u, x->lang);
        r_unit(&r, &u);
        if (r.oom || u.findings.oom)
            st = TD_ENOMEM;
        else if (r.bad)
            st = TD_EIO;
        if (st == TD_OK)
            st = resolve_unit(x, t, &u, k);
        t->look_base += u.n_lookups;
        if (st == TD_OK)
            st = fn(arg, &u);
        td_unit_result_free(&u);
    }
    return st;
}

td_status td_xref_settle_end(td_xref *x, td_status st)
{
    reset(x);
    if (!td_scratch_clear(&x->spool) || !td_scratch_clear(&x->ents) ||
        !td_scratch_clear(&x->looks))
        st = st == TD_OK ? TD_EIO : st;
    return st;
}

td_status td_xref_settle(td_xref *x, td_xref_fn fn, void *arg)
{
    td_xref_thread *t = NULL;
    td_status st = td_xref_thread_new(&t);
    if (st == TD_OK)
        st = td_xref_settle_begin(x);
    if (st == TD_OK)
        st = td_xref_settle_range(x, t, 0, x->held, fn, arg);
    td_xref_thread_free(t);
    return td_xref_settle_end(x, st);
}

static const char *own_file(void *arg, uint32_t unit, char **buf, size_t *cap)
{
    (void)unit;
    (void)buf;
    (void)cap;
    return ((const td_unit_result *)arg)->file;
}

td_status td_xref_settle_alone(const td_program *p, td_unit_result *u)
{
    td_xref x;
    memset(&x, 0, sizeof x);
    x.p = p;
    x.provisional = true;
    x.name = own_file;
    x.name_arg = u;
    td_status st = index_unit(&x, u, 0);
    x.held = 1;
    if (st == TD_OK)
        st = index_settle(&x);
    td_xref_thread t;
    memset(&t, 0, sizeof t);
    if (st == TD_OK)
        st = resolve_unit(&x, &t, u, 0);
    reset(&x);
    td_pages_free(x.unit_first, x.cap_unit_first, sizeof *x.unit_first);
    td_scratch_free(&x.ents);
    td_scratch_free(&x.looks);
    return st;
}
