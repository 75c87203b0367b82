/* References across units (Decision 12): an index of every keyed entity of the batch (16
 * bytes each), the units held in a scratch file until the batch is known, and their
 * resolution in input order: look-ups, keys used twice, likely copies.
 * Pipeline: batch merge -> td_xref_hold ... td_xref_settle -> report. */
#include "xref.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* One keyed entity of the batch; its unit's id is in td_xref.unit_owner (16 bytes, not 24:
 * the tables are the largest thing a batch keeps per unit). */
typedef struct xent {
    uint64_t key;           /* td_xhash of index and key; 0: empty slot */
    uint32_t unit;          /* ordinal of the held unit */
    uint16_t site;          /* its number in the unit's keys (saturates) */
    uint8_t ok;             /* meets the index's `require` */
} xent;

/* Two places of one key (an error at each) or of one `similar` value (a warning at each). */
typedef struct xpair {
    uint32_t unit[2];
    uint32_t site[2];
    bool similar;
} xpair;

/* Where a site is, for the message at the other place. */
typedef struct xplace {
    uint32_t unit, site;
    const char *file;       /* borrowed */
    uint32_t line;
} xplace;

struct td_xref {
    const td_program *p;
    td_lang lang;           /* of the findings (the batch's) */
    FILE *spool;            /* owned: the held units, in order */
    uint32_t held;
    xent *keys;             /* open addressing on key */
    size_t key_mask, n_keys;
    xent *sims;             /* open addressing on the `similar` hash (key field) */
    size_t sim_mask, n_sims;
    uint64_t *owners;       /* ids of the held units (open addressing; 0 empty) */
    uint64_t *unit_owner;   /* per held unit: td_xhash of its id; 0: the unit has no id */
    size_t cap_unit_owner;
    size_t owner_mask, n_owners;
    xpair *pairs;
    size_t n_pairs, cap_pairs;
    xplace *places;         /* the sites named by pairs, in hold order */
    size_t n_places, cap_places;
    uint32_t *place_slots;  /* open addressing on (unit, site): index in places + 1 */
    size_t place_mask;
    uint64_t *by_unit;      /* during the settle: pairs[i].unit[0] << 32 | i, sorted */
    size_t n_by_unit, next_by_unit;
    size_t next_pair;       /* during the settle: the first pair of the next unit (side 1) */
    const char **files;     /* per held unit: its file (borrowed) */
    size_t cap_files;
    struct wbuf *rec;       /* owned: the record of a unit being spooled */
};

static bool grow(void **p, size_t *cap, size_t need, size_t elem)
{
    if (need <= *cap)
        return true;
    size_t c = *cap ? *cap * 2 : 16;
    while (c < need)
        c *= 2;
    void *nw = realloc(*p, c * elem);
    if (!nw)
        return false;
    *p = nw;
    *cap = c;
    return true;
}

/* ---------- hash tables ---------- */

static bool table_grow(xent **t, size_t *mask, size_t n)
{
    size_t size = *t ? (*mask + 1) * 2 : 256;
    if (*t && (n + 1) * 4 <= (*mask + 1) * 3)
        return true;
    xent *nw = calloc(size, sizeof *nw);
    if (!nw)
        return false;
    for (size_t i = 0; *t && i <= *mask; i++) {
        if (!(*t)[i].key)
            continue;
        size_t k = (size_t)(*t)[i].key & (size - 1);
        while (nw[k].key)
            k = (k + 1) & (size - 1);
        nw[k] = (*t)[i];
    }
    free(*t);
    *t = nw;
    *mask = size - 1;
    return true;
}

static bool owner_add(td_xref *x, uint64_t h)
{
    if (!x->owners || (x->n_owners + 1) * 4 > (x->owner_mask + 1) * 3) {
        size_t size = x->owners ? (x->owner_mask + 1) * 2 : 256;
        uint64_t *nw = calloc(size, sizeof *nw);
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
        free(x->owners);
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

static size_t place_hash(uint32_t unit, uint32_t site)
{
    uint64_t h = ((uint64_t)unit << 32 | site) * 0x9E3779B97F4A7C15ULL;
    return (size_t)(h ^ (h >> 29));
}

/* Where a site named by a pair is, or NULL: a hash look-up, as there is one per pair. */
static xplace *place_of(const td_xref *x, uint32_t unit, uint32_t site)
{
    if (!x->place_slots)
        return NULL;
    for (size_t k = place_hash(unit, site) & x->place_mask; x->place_slots[k];
         k = (k + 1) & x->place_mask) {
        xplace *p = &x->places[x->place_slots[k] - 1];
        if (p->unit == unit && p->site == site)
            return p;
    }
    return NULL;
}

static bool place_slots_grow(td_xref *x)
{
    size_t size = x->place_slots ? (x->place_mask + 1) * 2 : 256;
    uint32_t *nw = calloc(size, sizeof *nw);
    if (!nw)
        return false;
    for (size_t i = 0; i < x->n_places; i++) {
        size_t k = place_hash(x->places[i].unit, x->places[i].site) & (size - 1);
        while (nw[k])
            k = (k + 1) & (size - 1);
        nw[k] = (uint32_t)(i + 1);
    }
    free(x->place_slots);
    x->place_slots = nw;
    x->place_mask = size - 1;
    return true;
}

static bool add_place(td_xref *x, uint32_t unit, uint32_t site, const char *file, uint32_t line)
{
    if (place_of(x, unit, site))
        return true;
    if (x->n_places >= UINT32_MAX - 1 ||
        !grow((void **)&x->places, &x->cap_places, x->n_places + 1, sizeof *x->places))
        return false;
    x->places[x->n_places++] = (xplace){unit, site, file, line};
    if (!x->place_slots || x->n_places * 2 > x->place_mask + 1)
        return place_slots_grow(x);
    size_t k = place_hash(unit, site) & x->place_mask;
    while (x->place_slots[k])
        k = (k + 1) & x->place_mask;
    x->place_slots[k] = (uint32_t)x->n_places;
    return true;
}

/* Records the pair (earlier entity e, site `site` of unit `unit`). The earlier place is
 * added to the places when its unit is the current one only; else it was added when its
 * own pair was made, or is found by line through the places list. */
static bool add_pair(td_xref *x, const xent *e, uint32_t unit, uint32_t site, bool similar)
{
    if (!grow((void **)&x->pairs, &x->cap_pairs, x->n_pairs + 1, sizeof *x->pairs))
        return false;
    x->pairs[x->n_pairs++] = (xpair){{e->unit, unit}, {e->site, site}, similar};
    return true;
}

/* Adds one unit's keys; pairs for a key already known, and for a `similar` value already
 * seen in another unit. */
static td_status index_unit(td_xref *x, const td_unit_result *u, uint32_t unit)
{
    uint64_t owner = u->id ? td_xhash(0, u->id) : 0;
    if (owner && !owner_add(x, owner))
        return TD_ENOMEM;
    if (!grow((void **)&x->unit_owner, &x->cap_unit_owner, (size_t)unit + 1,
              sizeof *x->unit_owner))
        return TD_ENOMEM;
    x->unit_owner[unit] = owner;
    for (uint32_t i = 0; i < u->n_xkeys; i++) {
        const td_xkey *k = &u->xkeys[i];
        uint16_t site = (uint16_t)(i < UINT16_MAX ? i : UINT16_MAX);
        if (!table_grow(&x->keys, &x->key_mask, x->n_keys))
            return TD_ENOMEM;
        size_t s = (size_t)k->key & x->key_mask;
        bool dup = false;
        for (; x->keys[s].key; s = (s + 1) & x->key_mask)
            if (x->keys[s].key == k->key && !dup) {
                dup = true;
                /* a second file of the same unit is already an error of the unit's id */
                bool same_unit = owner && x->unit_owner[x->keys[s].unit] == owner &&
                                 x->keys[s].unit != unit;
                if (!same_unit && !add_pair(x, &x->keys[s], unit, site, false))
                    return TD_ENOMEM;
            }
        x->keys[s] = (xent){k->key, unit, site, k->ok};
        x->n_keys++;
        if (!k->similar)
            continue;
        if (!table_grow(&x->sims, &x->sim_mask, x->n_sims))
            return TD_ENOMEM;
        s = (size_t)k->similar & x->sim_mask;
        bool seen = false;
        for (; x->sims[s].key; s = (s + 1) & x->sim_mask) {
            if (x->sims[s].key != k->similar)
                continue;
            seen = true;
            if (x->sims[s].unit != unit && !(owner && x->unit_owner[x->sims[s].unit] == owner) &&
                !add_pair(x, &x->sims[s], unit, site, true))
                return TD_ENOMEM;
            break;
        }
        if (!seen) {
            x->sims[s] = (xent){k->similar, unit, site, 0};
            x->n_sims++;
        }
    }
    return TD_OK;
}

/* Whether an entity with the look-up's owner and key exists and meets `require`; *exists
 * tells whether the key is there at all. */
static bool lookup(const td_xref *x, const td_xlookup *l, bool *owner_has)
{
    *owner_has = owner_known(x, l->owner);
    for (size_t s = x->keys ? (size_t)l->key & x->key_mask : 0; x->keys && x->keys[s].key;
         s = (s + 1) & x->key_mask)
        if (x->keys[s].key == l->key && x->unit_owner[x->keys[s].unit] == l->owner &&
            x->keys[s].ok)
            return true;
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
static td_status resolve_unit(td_xref *x, td_unit_result *u, uint32_t unit, bool provisional)
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
        if (provisional && unknown_owner) {
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
        while (x->next_by_unit < x->n_by_unit && x->by_unit[x->next_by_unit] >> 32 < unit)
            x->next_by_unit++;
        a0 = a1 = x->next_by_unit;
        while (a1 < x->n_by_unit && x->by_unit[a1] >> 32 == unit)
            a1++;
        x->next_by_unit = a1;
        while (x->next_pair < x->n_pairs && x->pairs[x->next_pair].unit[1] < unit)
            x->next_pair++;
        b0 = b1 = x->next_pair;
        while (b1 < x->n_pairs && x->pairs[b1].unit[1] == unit)
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
        const xpair *pr = &x->pairs[i];
        if (pr->unit[side] != unit)
            continue;
        uint32_t site = pr->site[side];
        if (site >= u->sites.n || site >= u->n_xkeys)
            continue;
        const xplace *other = place_of(x, pr->unit[!side], pr->site[!side]);
        const td_diagnostic *e = &u->sites.items[site];
        const td_xkey *k = &u->xkeys[site];
        const td_index *ix = k->index < x->p->n_indexes ? &x->p->indexes[k->index] : NULL;
        char where[512];
        if (other && other->line)
            snprintf(where, sizeof where, "%s:%u", shown(other->file), other->line);
        else
            snprintf(where, sizeof where, "%s",
                     other ? shown(other->file) : td_gettext(d->lang, N_("another unit")));
        td_diagnostic *c = copy_entry(d, e, pr->similar ? TD_SEV_WARNING : TD_SEV_ERROR, "");
        if (!c)
            return TD_ENOMEM;
        bool ok;
        if (pr->similar) {
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
    FILE *f;
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
    if (fread(&n, sizeof n, 1, r->f) != 1 || n > (1u << 30)) {
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
    if (n && fread(r->rec.p, 1, n, r->f) != n)
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

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

td_status td_xref_new(const td_program *p, td_lang lang, td_xref **out)
{
    td_xref *x = calloc(1, sizeof *x);
    *out = x;
    if (!x)
        return TD_ENOMEM;
    x->p = p;
    x->lang = lang;
    x->rec = calloc(1, sizeof *x->rec);
    if (!x->rec)
        return TD_ENOMEM;
    x->spool = tmpfile();
    return x->spool ? TD_OK : TD_EIO;
}

static void reset(td_xref *x)
{
    free(x->keys);
    free(x->sims);
    free(x->owners);
    x->keys = x->sims = NULL;
    x->owners = NULL;
    x->key_mask = x->sim_mask = x->owner_mask = 0;
    x->n_keys = x->n_sims = x->n_owners = 0;
    x->n_pairs = x->n_places = 0;
    free(x->place_slots);
    x->place_slots = NULL;
    x->place_mask = 0;
    free(x->by_unit);
    x->by_unit = NULL;
    x->n_by_unit = x->next_by_unit = x->next_pair = 0;
    x->held = 0;
}

void td_xref_free(td_xref *x)
{
    if (!x)
        return;
    reset(x);
    free(x->pairs);
    free(x->places);
    free(x->files);
    free(x->unit_owner);
    if (x->spool)
        fclose(x->spool);
    if (x->rec)
        free(x->rec->p);
    free(x->rec);
    free(x);
}

/* Remembers where the sites named by the new pairs are, before the unit is spooled. */
static bool note_places(td_xref *x, size_t pairs0, const td_unit_result *u, uint32_t unit,
                        const char *file)
{
    for (size_t i = pairs0; i < x->n_pairs; i++) {
        const xpair *pr = &x->pairs[i];
        uint32_t s = pr->site[1];
        if (s < u->sites.n && !add_place(x, unit, s, file, u->sites.items[s].line))
            return false;
    }
    return true;
}

td_status td_xref_hold(td_xref *x, td_unit_result *u, const char *file)
{
    uint32_t unit = x->held;
    size_t pairs0 = x->n_pairs;
    td_status st = index_unit(x, u, unit);
    if (st != TD_OK)
        return st;
    /* the first place of a key is remembered only once a second one names it */
    for (size_t i = pairs0; i < x->n_pairs; i++) {
        xpair *pr = &x->pairs[i];
        if (!place_of(x, pr->unit[0], pr->site[0])) {
            /* an earlier unit's site: its line is in the spool; the same unit's: here */
            uint32_t line = 0;
            const char *f = pr->unit[0] < x->cap_files && x->files ? x->files[pr->unit[0]] : NULL;
            if (pr->unit[0] == unit && pr->site[0] < u->sites.n)
                line = u->sites.items[pr->site[0]].line;
            else
                line = UINT32_MAX; /* filled when that unit is read back */
            if (!add_place(x, pr->unit[0], pr->site[0], pr->unit[0] == unit ? file : f, line))
                return TD_ENOMEM;
        }
    }
    if (!note_places(x, pairs0, u, unit, file))
        return TD_ENOMEM;
    if (!grow((void **)&x->files, &x->cap_files, (size_t)unit + 1, sizeof *x->files))
        return TD_ENOMEM;
    x->files[unit] = file;
    wbuf *b = x->rec;
    b->n = 0;
    w_u32(b, 0); /* the length, filled in below */
    w_unit(b, u);
    if (b->oom)
        return TD_ENOMEM;
    uint32_t len = (uint32_t)(b->n - sizeof len);
    memcpy(b->p, &len, sizeof len);
    if (b->n > (1u << 30) + sizeof len || fwrite(b->p, 1, b->n, x->spool) != b->n)
        return TD_EIO;
    td_unit_result_free(u);
    td_unit_result_init(u, x->lang);
    x->held++;
    return TD_OK;
}

td_status td_xref_settle(td_xref *x, bool provisional, td_xref_fn fn, void *arg)
{
    td_status st = TD_OK;
    if (fflush(x->spool) != 0 || fseek(x->spool, 0, SEEK_SET) != 0)
        return TD_EIO;
    /* first places whose line was not known when their pair was made: read them back, in
     * unit order (`missing`: their indices in places, sorted by unit) */
    uint64_t *missing = NULL;
    size_t n_missing = 0;
    for (size_t i = 0; i < x->n_places; i++)
        n_missing += x->places[i].line == UINT32_MAX;
    reader r = {x->spool, {NULL, 0, 0, false}, 0, false, false};
    if (n_missing) {
        if (!(missing = malloc(n_missing * sizeof *missing)))
            return TD_ENOMEM;
        n_missing = 0;
        for (size_t i = 0; i < x->n_places; i++)
            if (x->places[i].line == UINT32_MAX)
                missing[n_missing++] = (uint64_t)x->places[i].unit << 32 | i;
        qsort(missing, n_missing, sizeof *missing, cmp_u64);
        size_t m = 0;
        for (uint32_t k = 0; k < x->held && m < n_missing && !r.bad && !r.oom; k++) {
            td_unit_result u;
            td_unit_result_init(&u, x->lang);
            r_unit(&r, &u);
            for (; m < n_missing && missing[m] >> 32 == k; m++) {
                xplace *pl = &x->places[missing[m] & 0xffffffffu];
                pl->line = pl->site < u.sites.n ? u.sites.items[pl->site].line : 0;
            }
            td_unit_result_free(&u);
        }
        free(missing);
        if (r.bad || r.oom || fseek(x->spool, 0, SEEK_SET) != 0)
            st = r.oom ? TD_ENOMEM : TD_EIO;
    }
    /* the pairs by their earlier unit, so that resolving a unit does not scan them all */
    if (st == TD_OK && x->n_pairs) {
        if (x->n_pairs > UINT32_MAX || !(x->by_unit = malloc(x->n_pairs * sizeof *x->by_unit)))
            st = TD_ENOMEM;
        for (size_t i = 0; st == TD_OK && i < x->n_pairs; i++)
            x->by_unit[x->n_by_unit++] = (uint64_t)x->pairs[i].unit[0] << 32 | i;
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
            st = resolve_unit(x, &u, k, provisional);
        if (st == TD_OK)
            st = fn(arg, &u);
        td_unit_result_free(&u);
    }
    free(r.rec.p);
    reset(x);
    if (fflush(x->spool) != 0 || fseek(x->spool, 0, SEEK_SET) != 0 ||
        ftruncate(fileno(x->spool), 0) != 0)
        st = st == TD_OK ? TD_EIO : st;
    return st;
}

td_status td_xref_settle_alone(const td_program *p, td_unit_result *u)
{
    td_xref x;
    memset(&x, 0, sizeof x);
    x.p = p;
    td_status st = index_unit(&x, u, 0);
    for (size_t i = 0; st == TD_OK && i < x.n_pairs; i++)
        for (int side = 0; side < 2; side++)
            if (x.pairs[i].site[side] < u->sites.n &&
                !add_place(&x, 0, x.pairs[i].site[side], u->file,
                           u->sites.items[x.pairs[i].site[side]].line))
                st = TD_ENOMEM;
    if (st == TD_OK)
        st = resolve_unit(&x, u, 0, true);
    reset(&x);
    free(x.pairs);
    free(x.places);
    free(x.unit_owner);
    return st;
}
