/* Loading unit data, internals: what the YAML reader (load_yaml.c) and the typing against
 * the schema (load_type.c) share: bounded message text, findings, and bump allocation.
 * Only the load files include this header. */
#ifndef TD_LOAD_INT_H
#define TD_LOAD_INT_H

#include "load.h"

#include <stdarg.h>
#include <string.h>

/* A bounded text builder for messages and paths; a cut text ends with "...". */
typedef struct td_strbuf {
    char *s;
    size_t size, len;   /* bytes */
} td_strbuf;

void td_load_add_fmt(td_strbuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

enum { QUOTE_SIZE = 40 * 4 + 16, MSG_SIZE = 512 };

/* A problem or context text of libyaml (yaml_parser_t's problem, context) in `lang`; libyaml
 * writes them in English. A text this version does not know is returned as it is. */
const char *td_yaml_words(td_lang lang, const char *text);

/* Findings of one stage for one document; past this a single note says the rest are not
 * reported, so a hostile file cannot make thousands of messages (and suggestions). */
enum { MAX_FINDINGS = 1000 };

/* A plain scalar that YAML reads as null. */
static inline bool td_is_null_text(const char *s, size_t len)
{
    return len == 0 || (len == 1 && s[0] == '~') ||
           (len == 4 && (!memcmp(s, "null", 4) || !memcmp(s, "Null", 4) || !memcmp(s, "NULL", 4)));
}

/* Bump allocation inside blocks taken from the arena: one td_arena_alloc per block of nodes
 * rather than one per node keeps the per-event cost small. The blocks are not zeroed as a
 * whole: `td_take` zeroes what it hands out, `td_take_str` only writes. */
enum { CARVE_BLOCK = 16384 };

typedef struct td_carve {
    td_arena *a;
    char *cur;
    size_t left;    /* bytes */
} td_carve;

static inline void *td_take_raw(td_carve *k, size_t size)
{
    size = (size + 7) & ~(size_t)7;
    if (size > k->left) {
        if (size > CARVE_BLOCK / 4)
            return td_arena_alloc_raw(k->a, size);  /* a big one on its own; keep the block */
        char *p = td_arena_alloc_raw(k->a, CARVE_BLOCK);
        if (!p)
            return NULL;
        k->cur = p;
        k->left = CARVE_BLOCK;
    }
    void *p = k->cur;
    k->cur += size;
    k->left -= size;
    return p;
}

static inline void *td_take(td_carve *k, size_t size)
{
    void *p = td_take_raw(k, size);
    if (p)
        memset(p, 0, size);
    return p;
}

static inline char *td_take_str(td_carve *k, const char *s, size_t len)
{
    char *p = td_take_raw(k, len + 1);
    if (p) {
        memcpy(p, s, len);
        p[len] = '\0';
    }
    return p;
}

/* Records a finding whose stable id is both the code and the rule; path may be NULL.
 * Returns the entry (valid until the next add) or NULL when out of memory. */
td_diagnostic *td_load_vfinding(td_diag *d, const td_source *src, td_severity sev, td_code id,
                                uint32_t line, uint32_t col, uint32_t width, const char *path,
                                const char *fmt, va_list ap);

/* Quotes a value for a message: 'text', cut at 40 characters, control characters escaped. */
const char *td_load_quote(const char *s, size_t len, char *buf, size_t size);

/* True while a stage may still report (and counts the finding); the first time it may not,
 * records the note. */
bool td_load_may_report(uint32_t *count, td_diag *d, const td_source *src, td_severity sev,
                        uint32_t line, uint32_t col, uint32_t doc);

/* Typing straight from libyaml's events, without the generic tree (load_type.c), for the
 * documents that type without a finding: each call returns false when the document needs
 * something it does not do (a finding, an unknown or repeated key, a value of the wrong kind),
 * and the loader then types the document again the usual way, from its generic tree (the
 * events read so far replayed), which reports it. The nodes are those td_type_document makes
 * from the tree. The scalars passed must stay valid until the document is done. */
/* An event the fast typer took, kept for a replay into the generic tree: libyaml's event
 * type and scalar style, its marks (0-based, as libyaml gives them) and the loader's copy of a
 * scalar's text (arena(unit)). */
typedef struct td_fevent {
    uint8_t type, style;
    uint32_t line, col, end_line, end_col;
    uint32_t len;           /* bytes of text */
    const char *text;       /* a key's: its field's name (the same bytes) */
} td_fevent;

typedef struct td_fevents {
    td_fevent *v;           /* owned */
    size_t n, cap;
} td_fevents;

td_fast *td_fast_new(void);
td_fevents *td_fast_events(td_fast *f);
/* True while a key comes next (the innermost open value is a record's mapping): the
 * loader reads it through this pointer, valid as long as f. */
const bool *td_fast_key_next(const td_fast *f);
/* Starts a document typed against `type`; nodes in `a`; `d` is never written. */
void td_fast_begin(td_fast *f, const td_type *type, const td_source *src, td_arena *a,
                   td_diag *d);
/* A key (when td_fast_key_next): its field's name (borrowed from the program), or NULL. */
const char *td_fast_key(td_fast *f, const td_ynode *y);
/* A scalar value, y->text a copy that lives as long as the nodes; null: written as null (`~`,
 * `null`, nothing) without quotes. */
bool td_fast_scalar(td_fast *f, td_ynode *y, bool null);
bool td_fast_start(td_fast *f, const td_ynode *y);   /* a mapping or list starts at y */
bool td_fast_end(td_fast *f);                        /* the innermost one ends */
bool td_fast_oom(const td_fast *f);
size_t td_fast_depth(const td_fast *f);             /* open mappings and lists */
td_node *td_fast_root(const td_fast *f);            /* the document, once its mapping started */
/* Where find_id would find `id` among the scalars written under an `id` key; false when
 * none of them is `id` (the tree must then be searched). */
bool td_fast_id_at(const td_fast *f, const char *id, uint32_t *line, uint32_t *col,
                   uint32_t *width);

#endif
