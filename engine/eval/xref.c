/* References across units (Decision 12): an index of every keyed entity of the batch (about
 * 14 bytes each), the units held in a scratch stream (engine/scratch.h) until the batch is
 * known, and their resolution in input order: look-ups, keys used twice, likely copies.
 * Pipeline: batch merge -> td_xref_hold ... td_xref_settle -> report. */
#include "xref.h"

#include <stdlib.h>
#include <string.h>

#include "pages.h"
#include "scratch.h"

/* Entities are numbered in hold order over the batch (a unit's keys in order): the unit of
 * an entity is found from the first number of each unit, its site is the rest. */
#define ENT_LIMIT (1u << 31)

/* The first entity of one `similar` value: 12 bytes (the value in two halves, so that no
 * padding is added). */
typedef struct xsim {
    uint32_t lo, hi;        /* td_xhash of index and the `similar` values */
    uint32_t ent;           /* the first entity that has them */
} xsim;

/* Two places of one key (an error at each) or of one `similar` value (a warning at each):
 * 8 bytes, as a batch makes about one a unit, more the larger it is. Their lines are needed
 * only at the settle: the later place's, known when the pair is made, waits in a scratch
 * file; the earlier place's is known when its unit is read back at the settle. */
typedef struct xpair {
    uint32_t ent[2];        /* the earlier entity; the later one << 1 | `similar` */
} xpair;

struct td_xref {
    const td_program *p;
    td_lang lang;           /* of the findings (the batch's) */
    bool provisional;       /* validate: a look-up naming a unit not held is info */
    td_xref_name_fn name;   /* the display path of a unit's file */
    void *name_arg;
    td_scratch spool;       /* the held units, in order */
    uint32_t held;
    uint32_t first;         /* the batch's number of the first unit held */
    uint32_t n_ents;        /* entities numbered so far */
    /* the keys: per entity its key and whether it meets the index's `require`, found
     * through a table of entity numbers (engine/pages.h); about 14 bytes an entity */
    uint64_t *key_of;       /* per entity: td_xhash of index and key */
    uint32_t *ok_bits;      /* per entity, a bit: it meets `require` */
    size_t cap_key_of, cap_ok_bits;
    td_reftab keys;         /* entity numbers, by key */
    xsim *sims;             /* per `similar` value seen, its first entity */
    size_t n_sims, cap_sims;
    td_reftab sim_tab;      /* numbers in sims, by value */
    uint64_t *owners;       /* provisional only: ids of the held units (open addressing) */
    size_t owner_mask, n_owners;
    uint64_t *unit_owner;   /* per held unit: td_xhash of its id; 0: the unit has no id */
    uint32_t *unit_first;   /* per held unit: the number of its first entity */
    size_t cap_unit_owner, cap_unit_first;
    xpair *pairs;           /* in hold order of their later entity */
    size_t n_pairs, cap_pairs;
    td_scratch later_lines; /* per pair, the line of its later place (4 bytes), in pair order */
    bool batch;             /* a batch's index (lines to later_lines, units to spool), not a
                             * unit alone (lines straight to line_later) */
    uint32_t *line_later;   /* during the settle, per pair: the line of its later place */
    uint32_t *line_first;   /* during the settle, per pair: of its earlier place (UINT32_MAX:
                             * not read back yet); 0: not known */
    size_t cap_lines;
    uint64_t *by_unit;      /* during the settle: the earlier unit << 32 | pair index, sorted */
    size_t n_by_unit, cap_by_unit, next_by_unit;
    size_t next_pair;       /* during the settle: the first pair of the next unit (side 1) */
    struct wbuf *rec;       /* owned: the record of a unit being spooled */
};

static uint64_t sim_value(const xsim *e)
{
    return (uint64_t)e->hi << 32 | e->lo;
}

static uint64_t key_at(const void *arg, uint32_t ent)
{
    return ((const td_xref *)arg)->key_of[ent];
}

static uint64_t sim_at(const void *arg, uint32_t rec)
{
    return sim_value(&((const td_xref *)arg)->sims[rec]);
}

static bool ent_ok(const td_xref *x, uint32_t ent)
{
    return x->ok_bits[ent / 32] >> (ent % 32) & 1;
}

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

/* The display path of a held unit's file, or NULL. */
static const char *file_of(const td_xref *x, uint32_t unit)
{
    return x->name(x->name_arg, x->first + unit);
}

/* The later entity of a pair, and whether the pair is of `similar` values. */
static uint32_t later(const xpair *pr)
{
    return pr->ent[1] >> 1;
}

/* ---------- hash tables ---------- */

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

/* The line of site `site` of a unit, for the message at the other place of a pair. */
static uint32_t site_line(const td_unit_result *u, uint32_t site)
{
    return site < u->sites.n ? u->sites.items[site].line : 0;
}

/* Records the pair (earlier entity `first`, entity `ent` = site `site` of `u`). */
static td_status add_pair(td_xref *x, uint32_t first, uint32_t ent, const td_unit_result *u,
                          uint32_t site, bool similar)
{
    if (x->n_pairs >= UINT32_MAX ||
        !td_pages_grow((void **)&x->pairs, &x->cap_pairs, x->n_pairs + 1, sizeof *x->pairs))
        return TD_ENOMEM;
    uint32_t line = site_line(u, site);
    if (x->batch) {
        if (!td_scratch_write(&x->later_lines, &line, sizeof line))
            return TD_EIO;
    } else {
        if (!td_pages_grow((void **)&x->line_later, &x->cap_lines, x->n_pairs + 1,
                           sizeof *x->line_later))
            return TD_ENOMEM;
        x->line_later[x->n_pairs] = line;
    }
    x->pairs[x->n_pairs++] = (xpair){{first, ent << 1 | similar}};
    return TD_OK;
}

/* Adds one unit's keys; pairs for a key already known, and for a `similar` value already
 * seen in another unit. */
static td_status index_unit(td_xref *x, const td_unit_result *u, uint32_t unit)
{
    uint64_t owner = u->id ? td_xhash(0, u->id) : 0;
    if (x->provisional && owner && !owner_add(x, owner))
        return TD_ENOMEM;
    if (!td_pages_grow((void **)&x->unit_owner, &x->cap_unit_owner, (size_t)unit + 1,
              sizeof *x->unit_owner) ||
        !td_pages_grow((void **)&x->unit_first, &x->cap_unit_first, (size_t)unit + 1,
              sizeof *x->unit_first))
        return TD_ENOMEM;
    if (u->n_xkeys >= ENT_LIMIT - x->n_ents)
        return TD_ENOMEM;
    x->unit_owner[unit] = owner;
    x->unit_first[unit] = x->n_ents;
    for (uint32_t i = 0; i < u->n_xkeys; i++) {
        const td_xkey *k = &u->xkeys[i];
        uint32_t ent = x->n_ents + i;
        if (!td_pages_grow((void **)&x->key_of, &x->cap_key_of, (size_t)ent + 1,
                           sizeof *x->key_of) ||
            !td_pages_grow((void **)&x->ok_bits, &x->cap_ok_bits, (size_t)ent / 32 + 1,
                           sizeof *x->ok_bits) ||
            !td_reftab_room(&x->keys, ent, key_at, x))
            return TD_ENOMEM;
        /* the first entity with this key: the earliest of those met */
        size_t s = td_reftab_home(&x->keys, k->key);
        uint32_t first = UINT32_MAX;
        for (; x->keys.slots[s]; s = td_reftab_next(&x->keys, s)) {
            uint32_t e = x->keys.slots[s] - 1;
            if (x->key_of[e] == k->key && e < first)
                first = e;
        }
        if (first != UINT32_MAX) {
            /* a second file of the same unit is already an error of the unit's id */
            uint32_t other = unit_of(x, first, unit + 1);
            bool same_unit = owner && x->unit_owner[other] == owner && other != unit;
            td_status st = same_unit ? TD_OK : add_pair(x, first, ent, u, i, false);
            if (st != TD_OK)
                return st;
        }
        x->key_of[ent] = k->key;
        x->ok_bits[ent / 32] |= (uint32_t)k->ok << (ent % 32);
        x->keys.slots[s] = ent + 1;
        if (!k->similar)
            continue;
        if (x->n_sims >= UINT32_MAX - 1 ||
            !td_pages_grow((void **)&x->sims, &x->cap_sims, x->n_sims + 1, sizeof *x->sims) ||
            !td_reftab_room(&x->sim_tab, (uint32_t)x->n_sims, sim_at, x))
            return TD_ENOMEM;
        s = td_reftab_home(&x->sim_tab, k->similar);
        bool seen = false;
        for (; x->sim_tab.slots[s]; s = td_reftab_next(&x->sim_tab, s)) {
            const xsim *e = &x->sims[x->sim_tab.slots[s] - 1];
            if (sim_value(e) != k->similar)
                continue;
            seen = true;
            uint32_t other = unit_of(x, e->ent, unit + 1);
            td_status st = other != unit && !(owner && x->unit_owner[other] == owner)
                               ? add_pair(x, e->ent, ent, u, i, true)
                               : TD_OK;
            if (st != TD_OK)
                return st;
            break;
        }
        if (!seen) {
            x->sims[x->n_sims] = (xsim){(uint32_t)k->similar, (uint32_t)(k->similar >> 32), ent};
            x->sim_tab.slots[s] = (uint32_t)++x->n_sims;
        }
    }
    x->n_ents += u->n_xkeys;
    return TD_OK;
}

/* Whether an entity with the look-up's owner and key exists and meets `require`; *owner_has
 * tells (provisional only) whether a unit with that id is held at all. */
static bool lookup(const td_xref *x, const td_xlookup *l, bool *owner_has)
{
    *owner_has = x->provisional ? owner_known(x, l->owner) : true;
    for (size_t s = x->keys.slots ? td_reftab_home(&x->keys, l->key) : 0;
         x->keys.slots && x->keys.slots[s]; s = td_reftab_next(&x->keys, s)) {
        uint32_t e = x->keys.slots[s] - 1;
        if (x->key_of[e] == l->key && ent_ok(x, e) &&
            x->unit_owner[unit_of(x, e, x->held)] == l->owner)
            return true;
    }
    return false;
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

static const char *shown(const char *file)
{
    return file && strcmp(file, "-") != 0 ? file : "<stdin>";
}

/* Resolves one unit: its deferred findings, then the pairs that name one of its sites. */
static td_status resolve_unit(td_xref *x, td_unit_result *u, uint32_t unit)
{
    td_diag *d = &u->findings;
    bool changed = false;
    for (size_t i = 0; i < u->deferred.n; i++) {
        const td_xdefer *df = &u->defers[i];
        bool found = false, unknown_owner = false;
        for (uint32_t k = 0; k < df->n && !found; k++) {
            bool has;
            const td_xlookup *l = &u->lookups[df->first + k];
            if (df->first + k >= u->n_lookups)
                break;
            found = lookup(x, l, &has);
            unknown_owner |= !has;
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
     * pairs are made in hold order) merged with those naming it as the earlier place (side
     * 0: by_unit, sorted by unit); units are resolved in order, so each list is walked once.
     * Without the lists (a unit judged alone) every pair is looked at. */
    size_t a0 = 0, a1 = 0, b0 = 0, b1 = 0;
    if (x->by_unit) {
        uint32_t lo = x->unit_first[unit], hi = unit + 1 < x->held ? x->unit_first[unit + 1]
                                                                   : x->n_ents;
        while (x->next_by_unit < x->n_by_unit && x->by_unit[x->next_by_unit] >> 32 < unit)
            x->next_by_unit++;
        a0 = a1 = x->next_by_unit;
        while (a1 < x->n_by_unit && x->by_unit[a1] >> 32 == unit)
            a1++;
        x->next_by_unit = a1;
        while (x->next_pair < x->n_pairs && later(&x->pairs[x->next_pair]) < lo)
            x->next_pair++;
        b0 = b1 = x->next_pair;
        while (b1 < x->n_pairs && later(&x->pairs[b1]) < hi)
            b1++;
        x->next_pair = b1;
    }
    size_t steps = x->by_unit ? (a1 - a0) + (b1 - b0) : x->n_pairs * 2;
    for (size_t q = 0; q < steps; q++) {
        size_t i;
        int side;
        if (!x->by_unit) {
            i = q / 2;
            side = (int)(q % 2);
        } else if (a0 < a1 && (b0 >= b1 || (x->by_unit[a0] & 0xffffffffu) <= b0)) {
            i = (size_t)(x->by_unit[a0++] & 0xffffffffu);
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
        if (side == 0)
            x->line_first[i] = site_line(u, site); /* for the message at the later place */
        if (site >= u->sites.n || site >= u->n_xkeys)
            continue;
        const char *other_file = file_of(x, unit_of(x, ents[!side], x->held));
        uint32_t other_line = side ? x->line_first[i] : x->line_later[i];
        if (other_line == UINT32_MAX)
            other_line = 0;
        const td_diagnostic *e = &u->sites.items[site];
        const td_xkey *k = &u->xkeys[site];
        const td_index *ix = k->index < x->p->n_indexes ? &x->p->indexes[k->index] : NULL;
        char where[512];
        if (other_file && other_line)
            snprintf(where, sizeof where, "%s:%u", shown(other_file), other_line);
        else
            snprintf(where, sizeof where, "%s",
                     other_file ? shown(other_file) : td_gettext(d->lang, N_("another unit")));
        td_diagnostic *c = copy_entry(d, e, similar ? TD_SEV_WARNING : TD_SEV_ERROR, "");
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
            if (ok && ix && !td_diag_set(d, &c->rule, "%s%s", ix->id, ".similar"))
                return TD_ENOMEM;
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
    w_u32(b, u->n_values);
    for (uint32_t i = 0; i < u->n_values; i++)
        w_str(b, u->values[i]);
    w_diag(b, &u->findings);
    w_diag(b, &u->sites);
    w_u32(b, u->n_xkeys);
    for (uint32_t i = 0; i < u->n_xkeys; i++) {
        const td_xkey *k = &u->xkeys[i];
        w_u32(b, k->index);
        w_u64(b, k->key);
        w_u64(b, k->similar);
        w_u32(b, k->ok);
        w_str(b, k->text);
        w_str(b, k->similar_text);
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
    td_scratch *f;
    wbuf rec;               /* the record being decoded (owned) */
    size_t at;              /* bytes of it decoded */
    bool bad;               /* a read failed or a length is absurd */
    bool oom;
} reader;

/* Reads the next record whole into r->rec. */
static void r_record(reader *r)
{
    uint32_t n = 0;
    r->rec.n = r->at = 0;
    if (!td_scratch_read(r->f, &n, sizeof n) || n > (1u << 30)) {
        r->bad = true;
        return;
    }
    if (n > r->rec.cap) {
        unsigned char *g = realloc(r->rec.p, n);
        if (!g) {
            r->oom = true;
            return;
        }
        r->rec.p = g;
        r->rec.cap = n;
    }
    if (n && !td_scratch_read(r->f, r->rec.p, n))
        r->bad = true;
    r->rec.n = n;
}

static const unsigned char *r_take(reader *r, size_t n)
{
    if (r->bad || n > r->rec.n - r->at) {
        r->bad = true;
        return NULL;
    }
    const unsigned char *p = r->rec.p + r->at;
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
    r_diag(r, &u->sites);
    uint32_t nk = r_u32(r);
    if (r->bad || nk > (1u << 24)) {
        r->bad = true;
        return;
    }
    if (nk && !(u->xkeys = calloc(nk, sizeof *u->xkeys))) {
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

/* The lines of the pairs, for the settle: the later places' read back from the scratch file,
 * the earlier places' to be filled as their units are read back. */
static td_status lines_ready(td_xref *x)
{
    if (!x->n_pairs)
        return TD_OK;
    if (x->batch) {
        x->cap_lines = x->n_pairs;
        if (!(x->line_later = td_pages_calloc(x->cap_lines, sizeof *x->line_later)))
            return TD_ENOMEM;
        if (!td_scratch_rewind(&x->later_lines) ||
            !td_scratch_read(&x->later_lines, x->line_later, x->n_pairs * sizeof *x->line_later))
            return TD_EIO;
    }
    if (!(x->line_first = td_pages_calloc(x->cap_lines, sizeof *x->line_first)))
        return TD_ENOMEM;
    memset(x->line_first, 0xff, x->n_pairs * sizeof *x->line_first);
    return TD_OK;
}

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

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
    x->rec = calloc(1, sizeof *x->rec);
    if (!x->rec)
        return TD_ENOMEM;
    x->batch = true;
    return TD_OK;
}

/* Gives back the `similar` values. */
static void sims_free(td_xref *x)
{
    td_reftab_free(&x->sim_tab);
    td_pages_free(x->sims, x->cap_sims, sizeof *x->sims);
    x->sims = NULL;
    x->n_sims = x->cap_sims = 0;
}

static void reset(td_xref *x)
{
    td_reftab_free(&x->keys);
    td_pages_free(x->key_of, x->cap_key_of, sizeof *x->key_of);
    td_pages_free(x->ok_bits, x->cap_ok_bits, sizeof *x->ok_bits);
    x->key_of = NULL;
    x->ok_bits = NULL;
    x->cap_key_of = x->cap_ok_bits = 0;
    sims_free(x);
    if (x->owners)
        td_pages_free(x->owners, x->owner_mask + 1, sizeof *x->owners);
    x->owners = NULL;
    x->owner_mask = 0;
    x->n_owners = 0;
    x->n_pairs = 0;
    td_pages_free(x->line_later, x->cap_lines, sizeof *x->line_later);
    td_pages_free(x->line_first, x->cap_lines, sizeof *x->line_first);
    x->line_later = x->line_first = NULL;
    x->cap_lines = 0;
    td_pages_free(x->by_unit, x->cap_by_unit, sizeof *x->by_unit);
    x->by_unit = NULL;
    x->n_by_unit = x->cap_by_unit = x->next_by_unit = x->next_pair = 0;
    x->held = x->n_ents = 0;
}

void td_xref_free(td_xref *x)
{
    if (!x)
        return;
    reset(x);
    td_pages_free(x->pairs, x->cap_pairs, sizeof *x->pairs);
    td_pages_free(x->unit_owner, x->cap_unit_owner, sizeof *x->unit_owner);
    td_pages_free(x->unit_first, x->cap_unit_first, sizeof *x->unit_first);
    td_scratch_free(&x->spool);
    td_scratch_free(&x->later_lines);
    if (x->rec)
        free(x->rec->p);
    free(x->rec);
    free(x);
}

td_status td_xref_hold(td_xref *x, td_unit_result *u, uint32_t ordinal)
{
    uint32_t unit = x->held;
    if (unit == UINT32_MAX)
        return TD_ENOMEM;
    if (!unit)
        x->first = ordinal;
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
    td_unit_result_free(u);
    td_unit_result_init(u, x->lang);
    x->held++;
    return TD_OK;
}

td_status td_xref_settle(td_xref *x, td_xref_fn fn, void *arg)
{
    td_status st = TD_OK;
    if (!td_scratch_rewind(&x->spool))
        return TD_EIO;
    /* the `similar` values are all paired by now; the keys still answer the look-ups */
    sims_free(x);
    st = lines_ready(x);
    reader r = {&x->spool, {NULL, 0, 0, false}, 0, false, false};
    /* the pairs by their earlier unit, so that resolving a unit does not scan them all */
    if (st == TD_OK && x->n_pairs) {
        if (x->n_pairs > UINT32_MAX || !(x->by_unit = td_pages_calloc(x->n_pairs, sizeof *x->by_unit)))
            st = TD_ENOMEM;
        x->cap_by_unit = x->by_unit ? x->n_pairs : 0;
        for (size_t i = 0; st == TD_OK && i < x->n_pairs; i++)
            x->by_unit[x->n_by_unit++] =
                (uint64_t)unit_of(x, x->pairs[i].ent[0], x->held) << 32 | i;
        if (st == TD_OK)
            qsort(x->by_unit, x->n_by_unit, sizeof *x->by_unit, cmp_u64);
        x->next_by_unit = x->next_pair = 0;
    }
    for (uint32_t k = 0; k < x->held && st == TD_OK; k++) {
        td_unit_result u;
        td_unit_result_init(&u, x->lang);
        r_unit(&r, &u);
        if (r.oom || u.findings.oom)
            st = TD_ENOMEM;
        else if (r.bad)
            st = TD_EIO;
        if (st == TD_OK)
            st = resolve_unit(x, &u, k);
        if (st == TD_OK)
            st = fn(arg, &u);
        td_unit_result_free(&u);
    }
    free(r.rec.p);
    reset(x);
    if (!td_scratch_clear(&x->spool) || !td_scratch_clear(&x->later_lines))
        st = st == TD_OK ? TD_EIO : st;
    return st;
}

static const char *own_file(void *arg, uint32_t unit)
{
    (void)unit;
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
        st = lines_ready(&x);
    if (st == TD_OK)
        st = resolve_unit(&x, u, 0);
    reset(&x);
    td_pages_free(x.pairs, x.cap_pairs, sizeof *x.pairs);
    td_pages_free(x.unit_owner, x.cap_unit_owner, sizeof *x.unit_owner);
    td_pages_free(x.unit_first, x.cap_unit_first, sizeof *x.unit_first);
    return st;
}
