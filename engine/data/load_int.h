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

#endif
