/* Loading unit data: libyaml events into a generic YAML tree (duplicate keys, depth, aliases
 * and sizes checked), then that tree typed against the schema. Pipeline: file -> load -> eval. */
#include "load.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <yaml.h>

void td_limits_default(td_limits *l)
{
    l->max_depth = 64;
    l->max_scalar = 65536;
    l->max_nodes = 200000;
    l->max_aliases = 1000;
}

/* ---- findings shared by both halves ---- */

/* A bounded text builder for messages and paths; a cut text ends with "...". */
typedef struct strbuf {
    char *s;
    size_t size, len;   /* bytes */
} strbuf;

static void add_fmt(strbuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void add_fmt(strbuf *b, const char *fmt, ...)
{
    if (b->len + 1 >= b->size)
        return;
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(b->s + b->len, b->size - b->len, fmt, ap);
    va_end(ap);
    if (n < 0)
        return;
    if ((size_t)n >= b->size - b->len) {
        b->len = b->size - 1;
        if (b->size >= 4)
            memcpy(b->s + b->size - 4, "...", 4);
    } else {
        b->len += (size_t)n;
    }
}

/* Records a finding whose stable id is both the code and the rule; path may be NULL.
 * Returns the entry (valid until the next add) or NULL when out of memory. */
static td_diagnostic *vfinding(td_diag *d, const td_source *src, td_severity sev,
                               const char *id, uint32_t line, uint32_t col, uint32_t width,
                               const char *path, const char *fmt, va_list ap)
{
    char *msg = NULL;
    if (vasprintf(&msg, td_gettext(d->lang, fmt), ap) < 0) {
        d->oom = true;
        return NULL;
    }
    td_diagnostic *e = td_diag_at_lc(d, sev, id, src, line, col, width, "%s", msg);
    free(msg);
    if (!e)
        return NULL;
    td_diag_set(d, &e->rule, "%s", id);
    if (path && *path)
        td_diag_set(d, &e->path, "%s", path);
    return e;
}

/* Quotes a value for a message: 'text', cut at 40 characters, control characters escaped. */
static const char *quote(const char *s, size_t len, char *buf, size_t size)
{
    size_t o = 0, chars = 0, i = 0;
    buf[o++] = '\'';
    while (i < len && o + 8 < size) {
        unsigned char c = (unsigned char)s[i];
        if ((c & 0xC0) != 0x80 && ++chars > 40) {
            memcpy(buf + o, "...", 3);
            o += 3;
            break;
        }
        if (c == '\n' || c == '\t' || c == '\r') {
            buf[o++] = '\\';
            buf[o++] = c == '\n' ? 'n' : c == '\t' ? 't' : 'r';
        } else if (c < 0x20 || c == 0x7F) {
            o += (size_t)snprintf(buf + o, size - o, "\\x%02X", c);
        } else {
            buf[o++] = (char)c;
        }
        i++;
    }
    buf[o++] = '\'';
    buf[o] = '\0';
    return buf;
}

enum { QUOTE_SIZE = 40 * 4 + 16, MSG_SIZE = 512 };

/* Findings of one stage for one document; past this a single note says the rest are not
 * reported, so a hostile file cannot make thousands of messages (and suggestions). */
enum { MAX_FINDINGS = 1000 };

/* True while a stage may still report (and counts the finding); the first time it may not,
 * records the note. */
static bool may_report(uint32_t *count, td_diag *d, const td_source *src, td_severity sev,
                       uint32_t line, uint32_t col, uint32_t doc)
{
    if (*count < MAX_FINDINGS) {
        ++*count;
        return true;
    }
    if (*count == MAX_FINDINGS) {
        ++*count;
        td_diagnostic *e = td_diag_at_lc(d, sev, "data.limit", src, line, col, 1,
                                         "more than %d problems in this document; the rest "
                                         "are not reported: correct these first",
                                         MAX_FINDINGS);
        if (e) {
            e->doc = doc;
            td_diag_set(d, &e->rule, "%s", "data.limit");
        }
    }
    return false;
}

/* Bump allocation inside blocks taken from the arena: one td_arena_alloc per block of nodes
 * rather than one per node keeps the per-event cost small. The blocks are not zeroed as a
 * whole: `take` zeroes what it hands out, `take_str` only writes. */
enum { CARVE_BLOCK = 16384 };

typedef struct carve {
    td_arena *a;
    char *cur;
    size_t left;    /* bytes */
} carve;

static void *take_raw(carve *k, size_t size)
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

static void *take(carve *k, size_t size)
{
    void *p = take_raw(k, size);
    if (p)
        memset(p, 0, size);
    return p;
}

static char *take_str(carve *k, const char *s, size_t len)
{
    char *p = take_raw(k, len + 1);
    if (p) {
        memcpy(p, s, len);
        p[len] = '\0';
    }
    return p;
}

/* ---- part 1: events into a generic tree ---- */

typedef struct frame {
    td_ynode *node;         /* the mapping or sequence being built */
    size_t base;            /* index of its first child in td_yaml.kids */
    uint64_t size;          /* nodes after alias expansion, itself included */
    const char *anchor;     /* arena(unit), or NULL */
} frame;

typedef struct anchor {
    const char *name;       /* arena(unit) */
    td_ynode *node;
    uint64_t size;          /* nodes after alias expansion */
} anchor;

typedef struct keyref {
    const char *text;
    uint32_t len, idx;
} keyref;

struct td_yaml {
    yaml_parser_t parser;   /* reads src from byte `base` on */
    bool parser_ready;      /* parser initialized (needs yaml_parser_delete) */
    const td_source *src;   /* borrowed */
    size_t base;            /* bytes of src before the parser's input */
    uint32_t line_base;     /* lines of src before the parser's input */
    uint32_t col_base;      /* characters before base on its line (a skipped BOM) */
    td_limits lim;
    bool done;              /* end of stream, or the rest skipped after an error */
    bool restartable;       /* set while reporting a syntax error: another document follows */
    bool in_doc;
    uint32_t docs;          /* documents started */
    /* scratch reused by every document (owned, grows); the nodes live in the arena */
    frame *frames;
    size_t nframes, cap_frames;
    td_ynode **kids;        /* children of the open collections, innermost last */
    size_t nkids, cap_kids;
    anchor *anchors;
    size_t nanchors, cap_anchors;
    keyref *keys;           /* to sort the keys of a big mapping */
    size_t cap_keys;
    uint64_t nodes;         /* nodes of this document after alias expansion */
    uint32_t aliases;       /* alias uses in this document */
    yaml_event_t pending;   /* an event read ahead (owned while has_pending) */
    bool has_pending;
    bool pending_ok;        /* false: reading it failed, the parser holds the error */
};

/* The state of one td_yaml_next call. */
typedef struct loader {
    td_yaml *y;
    carve k;                /* allocations in the caller's arena */
    td_diag *d;
    td_ynode *top;          /* the finished root of the document */
    bool refused;           /* a limit was hit: the rest of the document is skipped */
    uint32_t refused_line;  /* where */
    uint32_t findings;      /* reported so far (see MAX_FINDINGS) */
    bool oom;
} loader;

/* Points a fresh libyaml parser at src from byte `base` (a line start, or just after a BOM). */
static bool start_stream(td_yaml *y, size_t base)
{
    if (y->parser_ready)
        yaml_parser_delete(&y->parser);
    y->parser_ready = yaml_parser_initialize(&y->parser) != 0;
    if (!y->parser_ready)
        return false;
    /* Unit data is UTF-8 by contract: a UTF-16 file is refused, not converted, and the
     * offsets libyaml reports stay byte offsets of src. */
    yaml_parser_set_encoding(&y->parser, YAML_UTF8_ENCODING);
    yaml_parser_set_input_string(&y->parser, (const unsigned char *)y->src->text + base,
                                 y->src->len - base);
    uint32_t line = 1, col = 1;
    if (base)
        td_source_linecol(y->src, (uint32_t)base, &line, &col);
    y->base = base;
    y->line_base = line - 1;
    y->col_base = col - 1;
    return true;
}

td_status td_yaml_open(const td_source *src, const td_limits *lim, td_yaml **out)
{
    *out = NULL;
    td_yaml *y = calloc(1, sizeof *y);
    if (!y)
        return TD_ENOMEM;
    y->src = src;
    if (lim)
        y->lim = *lim;
    else
        td_limits_default(&y->lim);
    /* A UTF-8 byte order mark (Notepad writes one) is skipped here: libyaml, told the
     * encoding, mishandles it before a CRLF line end. */
    size_t base = src->len >= 3 && !memcmp(src->text, "\xEF\xBB\xBF", 3) ? 3 : 0;
    if (!start_stream(y, base)) {
        free(y);
        return TD_ENOMEM;
    }
    *out = y;
    return TD_OK;
}

void td_yaml_close(td_yaml *y)
{
    if (!y)
        return;
    if (y->has_pending)
        yaml_event_delete(&y->pending);
    if (y->parser_ready)
        yaml_parser_delete(&y->parser);
    free(y->frames);
    free(y->kids);
    free(y->anchors);
    free(y->keys);
    free(y);
}

/* Grows an array of `elem`-byte elements to hold `need`: the new array, or NULL when out of
 * memory (the old one is kept). */
static void *grow(void *p, size_t *cap, size_t need, size_t elem)
{
    if (need <= *cap)
        return p;
    size_t n = *cap ? *cap * 2 : 16;
    while (n < need)
        n *= 2;
    void *grown = realloc(p, n * elem);
    if (grown)
        *cap = n;
    return grown;
}

static uint32_t doc_index(const td_yaml *y)
{
    return y->in_doc && y->docs ? y->docs - 1 : y->docs;
}

static void yfinding(loader *c, const char *id, uint32_t line, uint32_t col, uint32_t width,
                     const char *path, const char *hint, const char *fmt, ...)
    __attribute__((format(printf, 8, 9)));

static void vyfinding(loader *c, td_severity sev, const char *id, uint32_t line, uint32_t col,
                      uint32_t width, const char *path, const char *hint, const char *fmt,
                      va_list ap)
{
    if (!may_report(&c->findings, c->d, c->y->src, sev, line, col, doc_index(c->y)))
        return;
    td_diagnostic *e = vfinding(c->d, c->y->src, sev, id, line, col, width, path, fmt, ap);
    if (!e)
        return;
    e->doc = doc_index(c->y);
    if (hint)
        td_diag_set(c->d, &e->hint, "%s", td_gettext(c->d->lang, hint));
}

static void yfinding(loader *c, const char *id, uint32_t line, uint32_t col, uint32_t width,
                     const char *path, const char *hint, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vyfinding(c, TD_SEV_ERROR, id, line, col, width, path, hint, fmt, ap);
    va_end(ap);
}

static void ywarning(loader *c, const char *id, uint32_t line, uint32_t col, uint32_t width,
                     const char *path, const char *hint, const char *fmt, ...)
    __attribute__((format(printf, 8, 9)));

static void ywarning(loader *c, const char *id, uint32_t line, uint32_t col, uint32_t width,
                     const char *path, const char *hint, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vyfinding(c, TD_SEV_WARNING, id, line, col, width, path, hint, fmt, ap);
    va_end(ap);
}

/* The data path of the place being filled: a key's value, an item, or (for a key) its mapping. */
static const char *path_here(const td_yaml *y, char *buf, size_t size)
{
    strbuf b = { buf, size, 0 };
    buf[0] = '\0';
    for (size_t i = 0; i < y->nframes; i++) {
        const frame *f = &y->frames[i];
        size_t end = i + 1 < y->nframes ? y->frames[i + 1].base : y->nkids;
        size_t cnt = end - f->base;
        if (f->node->kind == TD_Y_SEQ) {
            add_fmt(&b, "[%zu]", cnt);
        } else if (cnt % 2 == 1) {
            const td_ynode *k = y->kids[end - 1];
            add_fmt(&b, "%s%s", b.len ? "." : "", k->text ? k->text : "?");
        } else {
            break;  /* a key is being read: the path stops at its mapping */
        }
    }
    return buf;
}

/* 1-based line and column in src of a libyaml mark (0-based, relative to the stream start). */
static uint32_t pos_line(const td_yaml *y, const yaml_mark_t *m)
{
    return y->line_base + (uint32_t)m->line + 1;
}

static uint32_t pos_col(const td_yaml *y, const yaml_mark_t *m)
{
    return (uint32_t)m->column + 1 + (m->line == 0 ? y->col_base : 0);
}

/* Characters of a scalar on its first line (libyaml columns count characters). */
static uint32_t scalar_width(const td_yaml *y, const yaml_mark_t *s, const yaml_mark_t *e)
{
    if (s->line == e->line)
        return e->column > s->column ? (uint32_t)(e->column - s->column) : 1;
    const td_source *src = y->src;
    uint32_t line = pos_line(y, s);
    if (line > src->nlines)
        return 1;
    uint32_t off = td_source_offset(src, line, pos_col(y, s)), w = 0;
    for (size_t i = off; i < src->len && src->text[i] != '\n' && src->text[i] != '\r'; i++)
        if (((unsigned char)src->text[i] & 0xC0) != 0x80)
            w++;
    return w ? w : 1;
}

static td_ynode *new_ynode(loader *c, td_ykind kind, const yaml_mark_t *m)
{
    td_ynode *n = take(&c->k, sizeof *n);
    if (!n) {
        c->oom = true;
        return NULL;
    }
    n->kind = kind;
    n->line = pos_line(c->y, m);
    n->col = pos_col(c->y, m);
    n->width = 1;
    return n;
}

/* A node the loader gave up on after reporting why (a TD_Y_NULL without text): the typer
 * makes it an invalid value and reports nothing more. */
static td_ynode *refused_node(loader *c, const yaml_mark_t *m)
{
    return new_ynode(c, TD_Y_NULL, m);
}

/* Stops reading this document after a limit error (at mark m). */
static void refuse(loader *c, const yaml_mark_t *m)
{
    c->refused = true;
    c->refused_line = pos_line(c->y, m);
    c->y->nframes = 0;
    c->y->nkids = 0;
}

static void refuse_limit(loader *c, const yaml_mark_t *m, uint32_t width, const char *hint,
                         const char *fmt, ...)
{
    char msg[MSG_SIZE], path[MSG_SIZE];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    yfinding(c, "data.limit", pos_line(c->y, m), pos_col(c->y, m), width,
             path_here(c->y, path, sizeof path), hint, "%s", msg);
    refuse(c, m);
}

/* Reports that a limit refuses the document (data.limit at mark m, `width` characters,
 * with an optional hint), then refuses it. */
static void refuse_limit(loader *c, const yaml_mark_t *m, uint32_t width, const char *hint,
                         const char *fmt, ...) __attribute__((format(printf, 5, 6)));

static bool is_key_place(const td_yaml *y)
{
    if (!y->nframes)
        return false;
    const frame *f = &y->frames[y->nframes - 1];
    return f->node->kind == TD_Y_MAP && (y->nkids - f->base) % 2 == 0;
}

static bool too_many_nodes(loader *c, const yaml_mark_t *m, bool alias)
{
    td_yaml *y = c->y;
    if (alias)
        refuse_limit(c, m, 1, N_("a unit's data needs no aliases: write each value where it belongs"),
                     "the aliases of this document expand to more than %u values (an alias "
                     "bomb?); the document is refused: write the values out instead of "
                     "repeating '*' aliases",
                     y->lim.max_nodes);
    else
        refuse_limit(c, m, 1, NULL,
                     "the document has more than %u values; it is refused: split the data into "
                     "one document per unit",
                     y->lim.max_nodes);
    return false;
}

/* Counts `size` more nodes of the document; false (after the error) past max_nodes. */
static bool count_nodes(loader *c, uint64_t size, const yaml_mark_t *m, bool alias)
{
    c->y->nodes += size;
    return c->y->nodes <= c->y->lim.max_nodes || too_many_nodes(c, m, alias);
}

/* Places a finished node in the open collection, or makes it the document's root. */
static bool place(loader *c, td_ynode *n, uint64_t size)
{
    td_yaml *y = c->y;
    if (!y->nframes) {
        c->top = n;
        return true;
    }
    if (y->nkids == y->cap_kids) {
        td_ynode **kids = grow(y->kids, &y->cap_kids, y->nkids + 1, sizeof *kids);
        if (!kids) {
            c->oom = true;
            return false;
        }
        y->kids = kids;
    }
    y->kids[y->nkids++] = n;
    frame *f = &y->frames[y->nframes - 1];
    f->size += size;
    return true;
}

/* False (after the error) when the document defines more anchors than max_aliases: that
 * bound keeps the linear search of each alias short. */
static bool anchor_allowed(loader *c, const yaml_mark_t *m)
{
    td_yaml *y = c->y;
    size_t n = y->nanchors;
    for (size_t i = 0; i < y->nframes; i++)
        n += y->frames[i].anchor != NULL;
    if (n < y->lim.max_aliases)
        return true;
    refuse_limit(c, m, 1, NULL,
                 "the document defines more than %u anchors ('&name'); it is refused: "
                 "write the values out instead",
                 y->lim.max_aliases);
    return false;
}

static bool remember(loader *c, const char *name, td_ynode *n, uint64_t size)
{
    td_yaml *y = c->y;
    anchor *anchors = grow(y->anchors, &y->cap_anchors, y->nanchors + 1, sizeof *anchors);
    if (!anchors) {
        c->oom = true;
        return false;
    }
    y->anchors = anchors;
    y->anchors[y->nanchors++] = (anchor){ name, n, size };
    return true;
}

static bool is_null_text(const char *s, size_t len)
{
    return len == 0 || (len == 1 && s[0] == '~') ||
           (len == 4 && (!memcmp(s, "null", 4) || !memcmp(s, "Null", 4) || !memcmp(s, "NULL", 4)));
}

/* A tag (`!foo`, `!!python/object:...`) asks a YAML reader to build some object: here the
 * schema alone decides what a value is, so the tag is reported and ignored. `!!str` is
 * allowed: it says what quotes say. The node starts at its tag (libyaml marks properties). */
static void check_tag(loader *c, const yaml_char_t *tag, const yaml_mark_t *m)
{
    if (!tag || strcmp((const char *)tag, YAML_STR_TAG) == 0)
        return;
    td_yaml *y = c->y;
    const td_source *src = y->src;
    uint32_t line = pos_line(y, m), col = pos_col(y, m);
    if (line > src->nlines)
        return;
    size_t off = td_source_offset(src, line, col), end;
    if (off < src->len && src->text[off] == '&') {
        /* `&name !tag value`: the tag follows the anchor */
        while (off < src->len && !strchr(" \t\r\n", src->text[off]))
            off++;
        while (off < src->len && (src->text[off] == ' ' || src->text[off] == '\t'))
            off++;
        td_source_linecol(src, (uint32_t)off, &line, &col);
    }
    if (off >= src->len || src->text[off] != '!')
        return;
    for (end = off; end < src->len && !strchr(" \t\r\n,[]{}", src->text[end]); end++)
        if (end - off >= 200)
            break;
    char path[MSG_SIZE], q[QUOTE_SIZE];
    ywarning(c, "data.tag", line, col, (uint32_t)(end - off), path_here(y, path, sizeof path),
             NULL, "tag %s has no meaning in a unit file; it is ignored: delete it",
             quote(src->text + off, end - off, q, sizeof q));
}

/* Reports a NUL character in a scalar (only a double-quoted escape can write one: "\0",
 * "\x00", "\u0000"), at the escape when it is found in the source. */
static void report_nul(loader *c, const yaml_mark_t *m, const yaml_mark_t *e)
{
    td_yaml *y = c->y;
    const td_source *src = y->src;
    uint32_t line = pos_line(y, m), col = pos_col(y, m), width = scalar_width(y, m, e);
    size_t from = line <= src->nlines ? td_source_offset(src, line, col) : src->len;
    size_t to = pos_line(y, e) <= src->nlines ? td_source_offset(src, pos_line(y, e), pos_col(y, e))
                                              : src->len;
    static const char *const forms[] = { "\\x00", "\\u0000", "\\U00000000", "\\0" };
    for (size_t i = from; i < to && i < src->len; i++) {
        if (src->text[i] != '\\')
            continue;
        size_t k = 0;
        while (k < 4 && strncmp(src->text + i, forms[k], strlen(forms[k])) != 0)
            k++;
        if (k < 4) {
            td_source_linecol(src, (uint32_t)i, &line, &col);
            width = (uint32_t)strlen(forms[k]);
            break;
        }
        i++; /* an escaped backslash is not the start of an escape */
    }
    char path[MSG_SIZE];
    yfinding(c, "data.nul", line, col, width, path_here(y, path, sizeof path),
             NULL, "the value contains a NUL character (U+0000), which a unit file cannot "
                   "hold: delete the escape");
}

static void on_scalar(loader *c, const yaml_event_t *ev)
{
    td_yaml *y = c->y;
    const yaml_mark_t *m = &ev->start_mark;
    if (!count_nodes(c, 1, m, false))
        return;
    check_tag(c, ev->data.scalar.tag, m);
    size_t len = ev->data.scalar.length;
    td_ynode *n;
    if (len > y->lim.max_scalar) {
        char path[MSG_SIZE];
        yfinding(c, "data.limit", pos_line(y, m), pos_col(y, m), scalar_width(y, m, &ev->end_mark),
                 path_here(y, path, sizeof path), NULL,
                 "this value is %zu bytes long, more than the limit of %u; "
                 "shorten it or keep the long text in a separate document",
                 len, y->lim.max_scalar);
        n = refused_node(c, m);
    } else if (memchr(ev->data.scalar.value, '\0', len)) {
        report_nul(c, m, &ev->end_mark);
        n = refused_node(c, m);
    } else {
        const char *tag = (const char *)ev->data.scalar.tag;
        const char *text = (const char *)ev->data.scalar.value;
        bool plain = ev->data.scalar.style == YAML_PLAIN_SCALAR_STYLE &&
                     (!tag || strcmp(tag, YAML_STR_TAG) != 0);
        bool null = tag ? strcmp(tag, YAML_NULL_TAG) == 0 : plain && is_null_text(text, len);
        n = new_ynode(c, null && !is_key_place(y) ? TD_Y_NULL : TD_Y_SCALAR, m);
        if (!n)
            return;
        n->plain = plain;
        n->width = scalar_width(y, m, &ev->end_mark);
        n->text = take_str(&c->k, text, len);
        n->len = (uint32_t)len;
        if (!n->text) {
            c->oom = true;
            return;
        }
    }
    if (!n)
        return;
    if (ev->data.scalar.anchor) {
        if (!anchor_allowed(c, m))
            return;
        const char *anchor_name = (const char *)ev->data.scalar.anchor;
        const char *name = take_str(&c->k, anchor_name, strlen(anchor_name));
        if (!name) {
            c->oom = true;
            return;
        }
        if (!remember(c, name, n, 1))
            return;
    }
    place(c, n, 1);
}

static void on_alias(loader *c, const yaml_event_t *ev)
{
    td_yaml *y = c->y;
    const yaml_mark_t *m = &ev->start_mark;
    const char *name = (const char *)ev->data.alias.anchor;
    char path[MSG_SIZE];
    if (++y->aliases > y->lim.max_aliases) {
        refuse_limit(c, m, scalar_width(y, m, &ev->end_mark), NULL,
                     "the document uses more than %u aliases ('*name'); it is refused: "
                     "write the values out instead of repeating aliases",
                     y->lim.max_aliases);
        return;
    }
    const anchor *found = NULL;
    for (size_t i = y->nanchors; i-- > 0;) {
        if (strcmp(y->anchors[i].name, name) == 0) {
            found = &y->anchors[i];
            break;
        }
    }
    if (!found) {
        bool open = false;
        for (size_t i = 0; i < y->nframes; i++)
            if (y->frames[i].anchor && strcmp(y->frames[i].anchor, name) == 0)
                open = true;
        uint32_t w = scalar_width(y, m, &ev->end_mark);
        path_here(y, path, sizeof path);
        if (open)
            yfinding(c, "data.syntax", pos_line(y, m), pos_col(y, m), w, path, NULL,
                     "alias '*%.40s' refers to the value that contains it, which would never end; "
                     "write the value out instead",
                     name);
        else
            yfinding(c, "data.syntax", pos_line(y, m), pos_col(y, m), w, path, NULL,
                     "alias '*%.40s' refers to no anchor: there is no '&%.40s' before it in this "
                     "document; define the anchor first or write the value out",
                     name, name);
        if (!count_nodes(c, 1, m, false))
            return;
        td_ynode *n = refused_node(c, m);
        if (n)
            place(c, n, 1);
        return;
    }
    td_ynode *target = found->node;
    uint64_t size = found->size;
    if (count_nodes(c, size, m, true))
        place(c, target, size);
}

static void on_start(loader *c, const yaml_event_t *ev, td_ykind kind)
{
    td_yaml *y = c->y;
    const yaml_mark_t *m = &ev->start_mark;
    if (y->nframes >= y->lim.max_depth) {
        refuse_limit(c, m, 1, NULL,
                     "the data is nested more than %u levels deep; the document is refused: "
                     "look for an unclosed '[' or '{' or a runaway indentation",
                     y->lim.max_depth);
        return;
    }
    if (!count_nodes(c, 1, m, false))
        return;
    check_tag(c, kind == TD_Y_MAP ? ev->data.mapping_start.tag : ev->data.sequence_start.tag, m);
    td_ynode *n = new_ynode(c, kind, m);
    if (!n)
        return;
    const yaml_char_t *a =
        kind == TD_Y_MAP ? ev->data.mapping_start.anchor : ev->data.sequence_start.anchor;
    const char *name = NULL;
    if (a && !anchor_allowed(c, m))
        return;
    if (a && !(name = take_str(&c->k, (const char *)a, strlen((const char *)a)))) {
        c->oom = true;
        return;
    }
    frame *frames = grow(y->frames, &y->cap_frames, y->nframes + 1, sizeof *frames);
    if (!frames) {
        c->oom = true;
        return;
    }
    y->frames = frames;
    y->frames[y->nframes++] = (frame){ n, y->nkids, 1, name };
}

static int cmp_key(const void *pa, const void *pb)
{
    const keyref *a = pa, *b = pb;
    if (a->len != b->len)
        return a->len < b->len ? -1 : 1;
    int r = memcmp(a->text, b->text, a->len);
    if (r)
        return r;
    return a->idx < b->idx ? -1 : a->idx > b->idx;
}

static void report_duplicate(loader *c, const td_ynode *dup, const td_ynode *first)
{
    char path[MSG_SIZE], q[QUOTE_SIZE];
    strbuf b = { path, sizeof path, 0 };
    path_here(c->y, path, sizeof path);
    b.len = strlen(path);
    add_fmt(&b, "%s%s", b.len ? "." : "", dup->text);
    yfinding(c, "data.duplicate_key", dup->line, dup->col, dup->width, path, NULL,
             "duplicate key %s (first at line %u); a key may appear once in a mapping: "
             "merge the two or delete one",
             quote(dup->text, dup->len, q, sizeof q), first->line);
}

static bool same_key(const td_ynode *a, const td_ynode *b)
{
    return a->len == b->len && memcmp(a->text, b->text, a->len) == 0;
}

static bool is_merge_key(const td_ynode *k)
{
    return k->kind == TD_Y_SCALAR && k->plain && k->len == 2 && memcmp(k->text, "<<", 2) == 0;
}

static bool all_maps(const td_ynode *seq)
{
    for (uint32_t i = 0; i < seq->n; i++)
        if (seq->items[i]->kind != TD_Y_MAP)
            return false;
    return true;
}

/* The pairs a merge key `<< : value` brings (value: a mapping, or a list of mappings, usually
 * through aliases); 0 after reporting a value of another kind. */
static size_t merge_size(loader *c, const td_ynode *key, const td_ynode *v)
{
    size_t n = 0;
    if (v->kind == TD_Y_MAP)
        return v->n;
    if (v->kind == TD_Y_SEQ && all_maps(v)) {
        for (uint32_t i = 0; i < v->n; i++)
            n += v->items[i]->n;
        return n;
    }
    if (v->kind == TD_Y_NULL && !v->text)
        return 0; /* refused by the loader: already reported */
    char path[MSG_SIZE];
    yfinding(c, "data.merge", key->line, key->col, 2, path_here(c->y, path, sizeof path), NULL,
             "the merge key '<<' takes a mapping, usually an alias of one ('<<: *name'), or a "
             "list of them; write the fields here instead");
    return 0;
}

/* Appends the pairs of mapping `from` to pairs[*m]. */
static void merge_from(const td_ynode *from, td_ypair *pairs, size_t *m)
{
    for (uint32_t i = 0; i < from->n; i++)
        pairs[(*m)++] = from->pairs[i];
}

/* Turns the children of a finished mapping into its pairs: keys that are not scalars are
 * errors, and of duplicate keys the first is kept and the others reported. A merge key
 * (`<<: *base`) brings in the pairs of the mappings it names, after the pairs written here:
 * a key written here wins, and of the merged ones the first mapping's; the merged values keep
 * their own places in the file, so findings about them point at the anchored text. */
static void finish_map(loader *c, td_ynode *map, td_ynode **kids, size_t nk)
{
    size_t np = nk / 2, m = 0, extra = 0;
    if (!np)
        return;
    for (size_t i = 0; i < np; i++)
        if (is_merge_key(kids[2 * i]))
            extra += merge_size(c, kids[2 * i], kids[2 * i + 1]);
    td_ypair *pairs = take(&c->k, (np + extra) * sizeof *pairs);
    if (!pairs) {
        c->oom = true;
        return;
    }
    for (size_t i = 0; i < np; i++) {
        td_ynode *k = kids[2 * i], *v = kids[2 * i + 1];
        if (k->kind == TD_Y_MAP || k->kind == TD_Y_SEQ) {
            char path[MSG_SIZE];
            if (k->kind == TD_Y_MAP)
                yfinding(c, "data.key", k->line, k->col, 1, path_here(c->y, path, sizeof path),
                         NULL, "a key must be a name, found a mapping; write `name: value` with "
                         "a plain name");
            else
                yfinding(c, "data.key", k->line, k->col, 1, path_here(c->y, path, sizeof path),
                         NULL, "a key must be a name, found a list; write `name: value` with a "
                         "plain name");
            continue;
        }
        if (!k->text || is_merge_key(k))
            continue;   /* refused by the loader (already reported), or merged below */
        pairs[m++] = (td_ypair){ k, v };
    }
    size_t written = m; /* pairs before this index were written in this mapping */
    for (size_t i = 0; extra && i < np; i++) {
        const td_ynode *k = kids[2 * i], *v = kids[2 * i + 1];
        if (!is_merge_key(k))
            continue;
        if (v->kind == TD_Y_MAP)
            merge_from(v, pairs, &m);
        else if (v->kind == TD_Y_SEQ && all_maps(v))
            for (uint32_t j = 0; j < v->n; j++)
                merge_from(v->items[j], pairs, &m);
    }
    size_t kept = 0;
    if (m <= 16) {
        for (size_t i = 0; i < m; i++) {
            size_t j = 0;
            while (j < kept && !same_key(pairs[j].key, pairs[i].key))
                j++;
            if (j < kept && i < written)
                report_duplicate(c, pairs[i].key, pairs[j].key);
            else if (j == kept)
                pairs[kept++] = pairs[i];
        }
    } else {
        td_yaml *y = c->y;
        keyref *keys = grow(y->keys, &y->cap_keys, m, sizeof *keys);
        if (!keys) {
            c->oom = true;
            return;
        }
        y->keys = keys;
        for (size_t i = 0; i < m; i++)
            y->keys[i] = (keyref){ pairs[i].key->text, pairs[i].key->len, (uint32_t)i };
        qsort(y->keys, m, sizeof *y->keys, cmp_key);
        for (size_t i = 1, first = 0; i < m; i++) {
            const keyref *a = &y->keys[first], *b = &y->keys[i];
            if (a->len == b->len && memcmp(a->text, b->text, a->len) == 0) {
                if (b->idx < written)
                    report_duplicate(c, pairs[b->idx].key, pairs[a->idx].key);
                pairs[b->idx].key = NULL;
            } else {
                first = i;
            }
        }
        for (size_t i = 0; i < m; i++)
            if (pairs[i].key)
                pairs[kept++] = pairs[i];
    }
    map->pairs = pairs;
    map->n = (uint32_t)kept;
}

static void on_end(loader *c)
{
    td_yaml *y = c->y;
    if (!y->nframes)
        return;
    frame f = y->frames[y->nframes - 1];
    td_ynode *n = f.node;
    /* an empty first collection has no child stack yet: no pointer arithmetic on NULL */
    td_ynode **kids = y->kids ? y->kids + f.base : NULL;
    size_t nk = y->nkids - f.base;
    if (n->kind == TD_Y_MAP) {
        finish_map(c, n, kids, nk);
    } else if (nk) {
        n->items = take(&c->k, nk * sizeof *n->items);
        if (!n->items) {
            c->oom = true;
            return;
        }
        memcpy(n->items, kids, nk * sizeof *n->items);
        n->n = (uint32_t)nk;
    }
    y->nframes--;
    y->nkids = f.base;
    if (f.anchor && !remember(c, f.anchor, n, f.size))
        return;
    place(c, n, f.size);
}

/* The first byte of src from `from` on that does not start well-formed UTF-8, or -1. */
static long first_bad_utf8(const td_source *src, size_t from)
{
    const unsigned char *s = (const unsigned char *)src->text;
    size_t n = src->len, i = from;
    while (i < n) {
        unsigned char c = s[i];
        size_t need;
        unsigned char lo = 0x80, hi = 0xBF;
        if (c < 0x80) {
            i++;
            continue;
        } else if (c >= 0xC2 && c <= 0xDF) {
            need = 1;
        } else if (c >= 0xE0 && c <= 0xEF) {
            need = 2;
            lo = c == 0xE0 ? 0xA0 : 0x80;
            hi = c == 0xED ? 0x9F : 0xBF;
        } else if (c >= 0xF0 && c <= 0xF4) {
            need = 3;
            lo = c == 0xF0 ? 0x90 : 0x80;
            hi = c == 0xF4 ? 0x8F : 0xBF;
        } else {
            return (long)i;
        }
        if (i + need >= n)
            return (long)i;
        if (s[i + 1] < lo || s[i + 1] > hi)
            return (long)i;
        for (size_t k = 2; k <= need; k++)
            if ((s[i + k] & 0xC0) != 0x80)
                return (long)i;
        i += need + 1;
    }
    return -1;
}

/* What to do about a libyaml scanner or parser problem. */
static const char *syntax_advice(const td_yaml *y)
{
    const yaml_parser_t *p = &y->parser;
    const td_source *src = y->src;
    const char *problem = p->problem ? p->problem : "";
    if (strstr(problem, "cannot start any token")) {
        const yaml_mark_t *m = &p->problem_mark;
        uint32_t off = td_source_offset(src, pos_line(y, m), pos_col(y, m));
        if (off < src->len && src->text[off] == '\t')
            return N_("indent with spaces: YAML does not allow tabs");
        return N_("put the value in quotes");
    }
    if (strstr(problem, "mapping values are not allowed"))
        return N_("a value that contains ': ' must be put in quotes; otherwise check the indentation");
    if (strstr(problem, "did not find expected key") ||
        strstr(problem, "did not find expected '-'"))
        return N_("check the indentation: the keys of one mapping, and the '-' of one list, "
               "must start in the same column");
    if (strstr(problem, "end of stream") || strstr(problem, "quoted scalar"))
        return N_("close the quote, bracket or brace that was opened");
    if (strstr(problem, "could not find expected ':'"))
        return N_("add ':' after the key, or close the quote");
    if (strstr(problem, "did not find expected ',' or"))
        return N_("separate the items of a [...] or {...} with commas and close it");
    if (strstr(problem, "anchor") || strstr(problem, "alias"))
        return N_("an anchor or alias name is missing after '&' or '*'; quote the value");
    return N_("check the indentation, quotes and ':' on this line and the line before");
}

static td_status syntax_error(loader *c)
{
    td_yaml *y = c->y;
    const yaml_parser_t *p = &y->parser;
    const td_source *src = y->src;
    const char *skipped = c->y->restartable
                              ? N_("nothing after this point in this document was checked; the "
                                   "documents after its end (---) were")
                              : N_("nothing after this point in the file was checked");
    if (p->error == YAML_MEMORY_ERROR)
        return TD_ENOMEM;
    if (p->error == YAML_READER_ERROR) {
        /* libyaml names the byte where it noticed; the message names the one that starts the
         * bad sequence, which is what an editor shows as the wrong character */
        bool utf8 = p->problem && (strstr(p->problem, "UTF-8") || strstr(p->problem, "Unicode"));
        long bad = utf8 ? first_bad_utf8(src, y->base) : -1;
        uint32_t line, col;
        if (bad >= 0) {
            td_source_linecol(src, (uint32_t)bad, &line, &col);
            yfinding(c, "data.utf8", line, col, 1, NULL, skipped,
                     "invalid UTF-8 byte 0x%02X: the file is not saved as UTF-8 (perhaps "
                     "Windows-1258 or TCVN3); save the file as UTF-8 and check it again",
                     (unsigned char)src->text[bad]);
            return TD_OK;
        }
        size_t off = y->base + p->problem_offset;
        if (off > src->len)
            off = src->len;
        td_source_linecol(src, (uint32_t)off, &line, &col);
        if (p->problem && strstr(p->problem, "control characters"))
            yfinding(c, "data.syntax", line, col, 1, NULL, skipped,
                     "character U+%04X is not allowed in a YAML file; delete it "
                     "(it is often invisible in an editor)",
                     (unsigned)p->problem_value);
        else
            yfinding(c, "data.utf8", line, col, 1, NULL, skipped,
                     "the file cannot be read as UTF-8 text (%s); save the file as UTF-8",
                     p->problem ? p->problem : TR(c->d->lang, "unreadable"));
        return TD_OK;
    }
    char ctx[MSG_SIZE] = "";
    if (p->context)
        snprintf(ctx, sizeof ctx, TR(c->d->lang, " (%s that starts at line %u)"), p->context,
                 pos_line(y, &p->context_mark));
    uint32_t line = pos_line(y, &p->problem_mark), col = pos_col(y, &p->problem_mark);
    if (p->error != YAML_SCANNER_ERROR && p->error != YAML_PARSER_ERROR)
        line = col = 0;
    yfinding(c, "data.syntax", line, col, 1, NULL, skipped, "YAML syntax error: %s%s; %s",
             p->problem ? p->problem : TR(c->d->lang, "unreadable data"), ctx,
             TR(c->d->lang, syntax_advice(y)));
    return TD_OK;
}

/* After a refused document, the parser restarts at the next line that starts a document
 * ("---", or the line after "..."); libyaml is not made to read the rest of the refused one,
 * which for deep flow nesting costs it quadratic time. 1 when restarted, 0 when no document
 * follows, -1 when out of memory. */
/* The 1-based line where the next document starts at or after 0-based line index
 * `after_line` ("---", or the line after "..."), or 0 when none does. */
static uint32_t next_document_line(const td_yaml *y, uint32_t after_line)
{
    const td_source *src = y->src;
    for (uint32_t l = after_line; l < src->nlines; l++) {  /* l: 0-based index of line l+1 */
        const char *t = src->text + src->lines[l];
        size_t left = src->len - src->lines[l];
        if (left < 3 || (memcmp(t, "---", 3) && memcmp(t, "...", 3)))
            continue;
        if (left > 3 && t[3] != ' ' && t[3] != '\t' && t[3] != '\r' && t[3] != '\n')
            continue;
        if (t[0] == '.' && l + 1 >= src->nlines)
            return 0;
        return t[0] == '-' ? l + 1 : l + 2;
    }
    return 0;
}

/* A document with nothing in it: no value, no tag, not even `~` or `null`. */
static bool is_blank_document(const td_ynode *root)
{
    return root && root->kind == TD_Y_NULL && root->text && root->len == 0 && root->plain;
}

/* True when the stream ends after the document just read; otherwise the event read ahead
 * (or the failure to read it) is kept for the next td_yaml_next. */
static bool last_document(td_yaml *y)
{
    y->pending_ok = yaml_parser_parse(&y->parser, &y->pending) != 0;
    if (y->pending_ok && y->pending.type == YAML_STREAM_END_EVENT) {
        yaml_event_delete(&y->pending);
        return true;
    }
    y->has_pending = true;
    return false;
}

static int skip_document(td_yaml *y, uint32_t after_line)
{
    uint32_t line = next_document_line(y, after_line);
    if (!line)
        return 0;
    return start_stream(y, y->src->lines[line - 1]) ? 1 : -1;
}

/* "UTF-16" or "UTF-32" when the file starts as one does (a byte order mark, or the NUL bytes
 * that ASCII text has in it), else NULL. UTF-8 text never has a NUL in its first bytes. */
static const char *wide_encoding(const td_source *src)
{
    const unsigned char *s = (const unsigned char *)src->text;
    size_t n = src->len;
    if (n >= 4 && ((s[0] == 0xFF && s[1] == 0xFE && !s[2] && !s[3]) ||
                   (!s[0] && !s[1] && s[2] == 0xFE && s[3] == 0xFF) ||
                   (!s[0] && !s[1] && !s[2] && s[3]) || (s[0] && !s[1] && !s[2] && !s[3])))
        return "UTF-32";
    if (n >= 2 && ((s[0] == 0xFF && s[1] == 0xFE) || (s[0] == 0xFE && s[1] == 0xFF) ||
                   (!s[0] && s[1]) || (s[0] && !s[1])))
        return "UTF-16";
    return NULL;
}

/* Refuses a UTF-16 or UTF-32 file as a whole, with one finding that says how to fix it. */
static bool refuse_encoding(loader *c)
{
    const char *enc = wide_encoding(c->y->src);
    if (!enc)
        return false;
    yfinding(c, "data.utf8", 1, 1, 1, NULL, NULL,
             "the file is %s: save it as UTF-8 (in Notepad: File, Save As, Encoding UTF-8) "
             "and check it again; nothing in it was checked",
             enc);
    td_diagnostic *e = c->d->n ? &c->d->items[c->d->n - 1] : NULL;
    if (e && e->rule && strcmp(e->rule, "data.utf8") == 0) {
        free(e->source_line); /* its first line, read as UTF-8, would print as noise */
        e->source_line = NULL;
    }
    c->y->done = true;
    return true;
}

td_status td_yaml_next(td_yaml *y, td_arena *a, td_diag *d, td_ynode **root, uint32_t *doc_line)
{
    *root = NULL;
    if (doc_line)
        *doc_line = 0;
    if (y->done)
        return TD_OK;
    loader c = { y, { a, NULL, 0 }, d, NULL, false, 0, 0, false };
    uint32_t dl = 0;
    yaml_mark_t doc_mark = { 0, 0, 0 };
    bool d_oom = d->oom;
    td_status st = TD_OK;
    if (y->docs == 0 && !y->in_doc && y->base == 0 && refuse_encoding(&c))
        return d->oom && !d_oom ? TD_ENOMEM : TD_OK;
    for (;;) {
        yaml_event_t ev;
        bool read = y->has_pending ? y->pending_ok : yaml_parser_parse(&y->parser, &ev) != 0;
        if (y->has_pending) {
            ev = y->pending;
            y->has_pending = false;
        }
        if (!read) {
            /* a syntax error spoils its document only: reading goes on at the next line
             * that starts a document after it (never at or before this one's start) */
            yaml_parser_t *p = &y->parser;
            uint32_t from = 0;
            bool scan = p->error == YAML_SCANNER_ERROR || p->error == YAML_PARSER_ERROR;
            if (scan) {
                from = pos_line(y, &p->problem_mark);
                from = from ? from - 1 : 0;
                if (from < dl)
                    from = dl;
            }
            y->restartable = scan && next_document_line(y, from) > 0;
            st = syntax_error(&c);
            y->in_doc = false;
            if (y->restartable) {
                /* the spoilt document stands as a refused one (placed before the parser
                 * moves on), so that the next one is read */
                *root = refused_node(&c, &doc_mark);
                if (doc_line)
                    *doc_line = dl;
            }
            int next = y->restartable ? skip_document(y, from) : 0;
            y->restartable = false;
            y->done = next != 1;
            if (next < 0)
                return TD_ENOMEM;
            break;
        }
        bool stop = false;
        switch (ev.type) {
        case YAML_STREAM_END_EVENT:
            y->done = true;
            stop = true;
            break;
        case YAML_DOCUMENT_START_EVENT:
            y->docs++;
            y->in_doc = true;
            y->nframes = y->nkids = y->nanchors = 0;
            y->nodes = 0;
            y->aliases = 0;
            doc_mark = ev.start_mark;
            dl = pos_line(y, &ev.start_mark);
            break;
        case YAML_DOCUMENT_END_EVENT:
            y->in_doc = false;
            *root = c.top ? c.top : refused_node(&c, &doc_mark);
            if (doc_line)
                *doc_line = dl;
            stop = true;
            if (is_blank_document(*root)) {
                /* told at its `---`, not at the line after it */
                (*root)->line = pos_line(y, &doc_mark);
                (*root)->col = pos_col(y, &doc_mark);
                if (last_document(y)) {
                    /* a final `---` with nothing after it (editors and YAML tools write
                     * one) starts no unit */
                    *root = NULL;
                    y->done = true;
                }
            }
            break;
        case YAML_SCALAR_EVENT: on_scalar(&c, &ev); break;
        case YAML_ALIAS_EVENT: on_alias(&c, &ev); break;
        case YAML_SEQUENCE_START_EVENT: on_start(&c, &ev, TD_Y_SEQ); break;
        case YAML_MAPPING_START_EVENT: on_start(&c, &ev, TD_Y_MAP); break;
        case YAML_SEQUENCE_END_EVENT:
        case YAML_MAPPING_END_EVENT: on_end(&c); break;
        default: break;
        }
        yaml_event_delete(&ev);
        if (!c.oom && c.refused) {
            y->in_doc = false;
            *root = refused_node(&c, &doc_mark);
            if (doc_line)
                *doc_line = dl;
            int next = skip_document(y, c.refused_line);
            y->done = next != 1;
            if (next < 0)
                c.oom = true;
            stop = true;
        }
        if (c.oom) {
            y->done = true;
            *root = NULL;
            return TD_ENOMEM;
        }
        if (stop)
            break;
    }
    if (st == TD_OK && d->oom && !d_oom)
        st = TD_ENOMEM;
    return st;
}

/* ---- part 2: the generic tree typed against the schema ---- */

/* Where a value sits in the document, for paths and messages; lives on the C stack. */
typedef struct seg {
    const struct seg *up;   /* NULL at the document */
    const char *key;        /* the field's key, or NULL for a list item */
    const char *rec;        /* the record that has the key */
    uint32_t index;         /* 0-based position of a list item */
    const char *cite;       /* clause of the record that has the key, or NULL */
} seg;

typedef struct kpos {
    uint32_t line, col, width;  /* the value's key or list dash; line 0 when none */
} kpos;

typedef struct typer {
    const td_source *src;
    carve k;                /* allocations in the caller's arena */
    td_diag *d;
    uint32_t findings;      /* reported so far (see MAX_FINDINGS) */
    bool oom;
    const char *cite;       /* the document record's clause, for findings about it */
} typer;

static void put_path(strbuf *b, const seg *s)
{
    if (!s)
        return;
    put_path(b, s->up);
    if (s->key)
        add_fmt(b, "%s%s", b->len ? "." : "", s->key);
    else
        add_fmt(b, "[%u]", s->index);
}

static const char *path_of(const seg *s, char *buf, size_t size)
{
    strbuf b = { buf, size, 0 };
    buf[0] = '\0';
    put_path(&b, s);
    return buf;
}

/* The place as the user wrote it: the YAML path (`exemplars[2].steps[3].date`), or "the
 * document" at its top; never the name of a record of the schema. */
static void put_subject(td_lang lang, strbuf *b, const seg *s)
{
    if (!s) {
        add_fmt(b, "%s", TR(lang, "the document"));
        return;
    }
    char path[MSG_SIZE];
    strbuf p = { path, sizeof path, 0 };
    path[0] = '\0';
    put_path(&p, s);
    add_fmt(b, "`%s`", path);
}

/* Reports an error or warning about the value at `s`, located at line:col. */
static void tfinding(typer *c, td_severity sev, const char *id, const seg *s, uint32_t line,
                     uint32_t col, uint32_t width, const char *hint, const char *fmt, ...)
    __attribute__((format(printf, 9, 10)));

static void tfinding(typer *c, td_severity sev, const char *id, const seg *s, uint32_t line,
                     uint32_t col, uint32_t width, const char *hint, const char *fmt, ...)
{
    if (!may_report(&c->findings, c->d, c->src, sev, line, col, 0))
        return;
    char path[MSG_SIZE];
    va_list ap;
    va_start(ap, fmt);
    td_diagnostic *e = vfinding(c->d, c->src, sev, id, line, col, width,
                                path_of(s, path, sizeof path), fmt, ap);
    va_end(ap);
    if (e && hint)
        td_diag_set(c->d, &e->hint, "%s", td_gettext(c->d->lang, hint));
    /* the clause of the nearest record that declares one, else the document's */
    const char *cite = c->cite;
    for (const seg *x = s; x; x = x->up)
        if (x->cite) {
            cite = x->cite;
            break;
        }
    if (e && cite)
        td_diag_set(c->d, &e->cite, "%s", cite);
}

static const char *subject(const typer *c, const seg *s, char *buf, size_t size)
{
    strbuf b = { buf, size, 0 };
    buf[0] = '\0';
    put_subject(c->d->lang, &b, s);
    return buf;
}

/* "'text'", "a mapping" or "a list": what was found instead of the expected value. */
static const char *found(const typer *c, const td_ynode *y, char *buf, size_t size)
{
    if (y->kind == TD_Y_MAP)
        return TR(c->d->lang, "a mapping");
    if (y->kind == TD_Y_SEQ)
        return TR(c->d->lang, "a list");
    return quote(y->text ? y->text : "", y->len, buf, size);
}

static td_node *new_node(typer *c, const td_type *t, const td_ynode *y, const kpos *k,
                         bool invalid)
{
    td_node *n = take(&c->k, sizeof *n);
    if (!n) {
        c->oom = true;
        return NULL;
    }
    n->type = t;
    n->invalid = invalid;
    n->line = y->line;
    n->col = y->col;
    n->width = y->width ? y->width : 1;
    if (k && k->line) {
        n->key_line = k->line;
        n->key_col = k->col;
    }
    if (t->kind == TD_T_RECORD && t->rec && t->rec->n_fields) {
        /* an invalid record has every slot absent, so it is safe to read */
        n->v.slots = take(&c->k, t->rec->n_fields * sizeof *n->v.slots);
        if (!n->v.slots) {
            c->oom = true;
            return NULL;
        }
    }
    return n;
}

/* The key position of a list item: its '-' when the item follows one on the same line. */
static kpos item_pos(const typer *c, const td_ynode *y)
{
    kpos k = { y->line, y->col, 1 };
    const td_source *src = c->src;
    if (!src || y->line == 0 || y->line > src->nlines || y->col < 3)
        return k;
    const char *t = src->text;
    size_t start = src->lines[y->line - 1], p = start, end = src->len;
    for (uint32_t ch = 1; ch < y->col && p < end && t[p] != '\n'; ch++) {
        p++;
        while (p < end && ((unsigned char)t[p] & 0xC0) == 0x80)
            p++;
    }
    size_t q = p;
    while (q > start && (t[q - 1] == ' ' || t[q - 1] == '\t'))
        q--;
    if (q < p && q > start && t[q - 1] == '-' &&
        (q - 1 == start || t[q - 2] == ' ' || t[q - 2] == '\t'))
        k.col = y->col - (uint32_t)(p - (q - 1));  /* only blanks between: bytes = characters */
    return k;
}

static td_node *type_value(typer *c, const td_type *t, const td_ynode *y, const seg *s,
                           const kpos *k);

static void put_codes(strbuf *b, const td_enum *e)
{
    for (uint32_t i = 0; i < e->n; i++)
        add_fmt(b, "%s%s", i ? ", " : "", e->values[i]);
}

/* "a whole number", "a date (YYYY-MM-DD)", "one of huyen, xa, ap"...: for "must be ...". */
static const char *expected(td_lang lang, const td_type *t, char *buf, size_t size)
{
    strbuf b = { buf, size, 0 };
    buf[0] = '\0';
    switch (t->kind) {
    case TD_T_TEXT: add_fmt(&b, "%s", TR(lang, "text")); break;
    case TD_T_INT: add_fmt(&b, "%s", TR(lang, "a whole number")); break;
    case TD_T_NUMBER: add_fmt(&b, "%s", TR(lang, "a number")); break;
    case TD_T_BOOL: add_fmt(&b, "%s", TR(lang, "true or false")); break;
    case TD_T_DATE: add_fmt(&b, "%s", TR(lang, "a date (YYYY-MM-DD)")); break;
    case TD_T_MONTH: add_fmt(&b, "%s", TR(lang, "a month (YYYY-MM)")); break;
    case TD_T_ENUM:
        add_fmt(&b, "%s", TR(lang, "one of "));
        put_codes(&b, t->en);
        break;
    case TD_T_RECORD: add_fmt(&b, "%s", TR(lang, "a mapping of fields")); break;
    case TD_T_LIST: add_fmt(&b, "%s", TR(lang, "a list")); break;
    }
    return buf;
}

/* Reports a wrong value: "<subject> must be <expected>, found <value>; <what to do>".
 * `hint` and `todo` are English, marked for xgettext (wrong:7,8), translated here. */
static td_node *wrong(typer *c, const td_type *t, const td_ynode *y, const seg *s,
                      const kpos *k, const char *id, const char *hint, const char *todo)
{
    char subj[MSG_SIZE], exp[MSG_SIZE], q[QUOTE_SIZE];
    tfinding(c, TD_SEV_ERROR, id, s, y->line, y->col, y->width, hint, "%s must be %s, found %s; %s",
             subject(c, s, subj, sizeof subj), expected(c->d->lang, t, exp, sizeof exp),
             found(c, y, q, sizeof q), TR(c->d->lang, todo));
    return new_node(c, t, y, k, true);
}

static bool is_digit(char ch)
{
    return ch >= '0' && ch <= '9';
}

/* Decimal digits with an optional sign, within int64; *range tells an overflow. */
static bool parse_int(const char *s, size_t len, int64_t *out, bool *range)
{
    size_t i = 0;
    bool neg = false;
    *range = false;
    if (i < len && (s[i] == '+' || s[i] == '-'))
        neg = s[i++] == '-';
    if (i == len)
        return false;
    uint64_t v = 0, lim = neg ? (uint64_t)INT64_MAX + 1 : (uint64_t)INT64_MAX;
    for (; i < len; i++) {
        if (!is_digit(s[i]))
            return false;
        uint64_t dg = (uint64_t)(s[i] - '0');
        if (v > (lim - dg) / 10)
            *range = true;
        else
            v = v * 10 + dg;
    }
    if (*range)
        return false;
    *out = !neg ? (int64_t)v : v > (uint64_t)INT64_MAX ? INT64_MIN : -(int64_t)v;
    return true;
}

/* The value of a validated decimal without strtod, for a process whose locale does not use
 * '.' as the decimal point (the engine never calls setlocale, a host program may). */
static double decimal_value(const char *s, size_t len)
{
    double v = 0;
    long exp10 = 0, e = 0;
    int sig = 0;
    size_t i = 0;
    bool neg = false, frac = false, eneg = false;
    if (s[i] == '+' || s[i] == '-')
        neg = s[i++] == '-';
    for (; i < len && s[i] != 'e' && s[i] != 'E'; i++) {
        if (s[i] == '.') {
            frac = true;
            continue;
        }
        if (sig < 19) {
            v = v * 10 + (s[i] - '0');
            sig += v > 0;
            exp10 -= frac;
        } else {
            exp10 += !frac;
        }
    }
    if (i < len) {
        i++;
        if (s[i] == '+' || s[i] == '-')
            eneg = s[i++] == '-';
        for (; i < len && e < 100000; i++)
            e = e * 10 + (s[i] - '0');
    }
    exp10 += eneg ? -e : e;
    for (; exp10 > 0 && v < HUGE_VAL; exp10--)
        v *= 10;
    for (; exp10 < 0 && v > 0; exp10++)
        v /= 10;
    return neg ? -v : v;
}

/* A strict decimal: [+-] digits [. digits] [e [+-] digits]; no inf, nan, hex or commas. */
static bool parse_number(const char *s, size_t len, double *out)
{
    size_t i = 0, mant = 0, ed = 0;
    if (i < len && (s[i] == '+' || s[i] == '-'))
        i++;
    for (; i < len && is_digit(s[i]); i++)
        mant++;
    if (i < len && s[i] == '.')
        for (i++; i < len && is_digit(s[i]); i++)
            mant++;
    if (!mant)
        return false;
    if (i < len && (s[i] == 'e' || s[i] == 'E')) {
        i++;
        if (i < len && (s[i] == '+' || s[i] == '-'))
            i++;
        for (; i < len && is_digit(s[i]); i++)
            ed++;
        if (!ed)
            return false;
    }
    if (i != len)
        return false;
    char *end = NULL;
    double v = strtod(s, &end);  /* s is NUL-terminated right after len bytes */
    if (end != s + len)
        v = decimal_value(s, len);
    if (!isfinite(v))
        return false;
    *out = v;
    return true;
}

/* A number in hexadecimal, octal or binary as YAML writes them (0x1F, 0o17, 0b101): true,
 * with its value in *out when it fits (else *fits is false). */
static bool radix_number(const char *s, size_t len, uint64_t *out, bool *fits)
{
    size_t i = 0;
    if (i < len && (s[i] == '+' || s[i] == '-'))
        i++;
    if (len - i < 3 || s[i] != '0')
        return false;
    char r = s[i + 1];
    unsigned base = r == 'x' || r == 'X'   ? 16
                    : r == 'o' || r == 'O' ? 8
                    : r == 'b' || r == 'B' ? 2
                                           : 0;
    if (!base)
        return false;
    uint64_t v = 0;
    *fits = true;
    for (i += 2; i < len; i++) {
        char ch = s[i];
        unsigned dg = is_digit(ch) ? (unsigned)(ch - '0')
                      : ch >= 'a' && ch <= 'f' ? (unsigned)(ch - 'a' + 10)
                      : ch >= 'A' && ch <= 'F' ? (unsigned)(ch - 'A' + 10)
                                               : 99;
        if (ch == '_')
            continue;
        if (dg >= base)
            return false;
        if (v > (UINT64_MAX - dg) / base)
            *fits = false;
        else
            v = v * base + dg;
    }
    *out = v;
    return true;
}

/* Refuses a hexadecimal, octal or binary number: the plan's figures are decimal, and 017
 * means 17 to the person who wrote it. NULL when the value is not written so. */
static td_node *not_decimal(typer *c, const td_type *t, const td_ynode *y, const seg *s,
                            const kpos *k)
{
    uint64_t v;
    bool fits;
    if (!y->plain || !radix_number(y->text, y->len, &v, &fits))
        return NULL;
    char hint[MSG_SIZE];
    if (fits)
        snprintf(hint, sizeof hint, TR(c->d->lang, "%s is %s%llu in decimal"), y->text,
                 y->text[0] == '-' ? "-" : "", (unsigned long long)v);
    return wrong(c, t, y, s, k, "data.type", fits ? hint : NULL,
                 "write the number in decimal");
}

static bool looks_like_comma_number(const char *s, size_t len)
{
    bool digit = false, comma = false;
    for (size_t i = 0; i < len; i++) {
        if (is_digit(s[i]))
            digit = true;
        else if (s[i] == ',')
            comma = true;
        else if (s[i] != '.' && s[i] != '-' && s[i] != '+' && s[i] != ' ')
            return false;
    }
    return digit && comma;
}

/* Reads up to 3 groups of digits separated by '/', '-' or '.'; returns the number of groups. */
static int groups(const char *s, size_t len, uint32_t g[3], size_t w[3])
{
    int n = 0;
    size_t i = 0;
    while (i < len && n < 3) {
        size_t st = i;
        uint32_t v = 0;
        while (i < len && is_digit(s[i]) && i - st < 4)
            v = v * 10 + (uint32_t)(s[i++] - '0');
        if (i == st)
            return 0;
        g[n] = v;
        w[n++] = i - st;
        if (i == len)
            break;
        if (s[i] != '/' && s[i] != '-' && s[i] != '.')
            return 0;
        i++;
    }
    return i == len ? n : 0;
}

/* "did you mean 2024-04-15?" for 15/04/2024, 2024-4-15 or 15.4.2024; NULL when unsure. */
static const char *date_hint(td_lang lang, const char *s, size_t len, char *buf, size_t size)
{
    uint32_t g[3];
    size_t w[3];
    if (groups(s, len, g, w) != 3)
        return NULL;
    uint32_t y, m, d;
    if (w[0] == 4) {
        y = g[0], m = g[1], d = g[2];
    } else if (w[2] == 4) {
        d = g[0], m = g[1], y = g[2];  /* Vietnamese order: day/month/year */
    } else {
        return NULL;
    }
    char iso[32];
    int32_t days;
    snprintf(iso, sizeof iso, "%04u-%02u-%02u", y, m % 100, d % 100);
    if (m > 12 || d > 31 || !td_parse_date(iso, strlen(iso), &days))
        return NULL;
    if (strlen(iso) == len && memcmp(iso, s, len) == 0)
        return NULL;
    /* TRANSLATORS: a date written 31/5/2024 is read day/month/year */
    snprintf(buf, size, TR(lang, "did you mean %s?"), iso);
    return buf;
}

/* "did you mean 2024-05?" for 5/2024, 2024-5, 05.2024 or a whole date 2024-05-31. */
static const char *month_hint(td_lang lang, const char *s, size_t len, char *buf, size_t size)
{
    uint32_t g[3];
    size_t w[3];
    int n = groups(s, len, g, w);
    uint32_t y, m;
    if (n == 2 && w[0] == 4)
        y = g[0], m = g[1];
    else if (n == 2 && w[1] == 4)
        m = g[0], y = g[1];
    else if (n == 3 && w[0] == 4)
        y = g[0], m = g[1];
    else if (n == 3 && w[2] == 4)
        m = g[1], y = g[2];
    else
        return NULL;
    if (m < 1 || m > 12)
        return NULL;
    char iso[32];
    snprintf(iso, sizeof iso, "%04u-%02u", y, m);
    if (strlen(iso) == len && memcmp(iso, s, len) == 0)
        return NULL;
    /* TRANSLATORS: a month written 5/2024 is read month/year */
    snprintf(buf, size, TR(lang, "did you mean month %s?"), iso);
    return buf;
}

/* The years a date in a unit file can be in: a year outside is a typing mistake (0000,
 * 2204), not a date of the plan's work. */
enum { YEAR_MIN = 1900, YEAR_MAX = 2100 };

/* Reports a real date or month (YYYY-...) whose year is outside YEAR_MIN..YEAR_MAX; true then. */
static bool implausible(typer *c, const td_ynode *y, const seg *s, const char *what)
{
    int year = 0;
    for (int i = 0; i < 4; i++)
        year = year * 10 + (y->text[i] - '0');
    if (year >= YEAR_MIN && year <= YEAR_MAX)
        return false;
    char subj[MSG_SIZE], q[QUOTE_SIZE];
    if (what[0] == 'd')
        tfinding(c, TD_SEV_ERROR, "data.date", s, y->line, y->col, y->width, NULL,
                 "%s is not a plausible date, found %s: the year %04d is not between %d and %d; "
                 "correct the year",
                 subject(c, s, subj, sizeof subj), quote(y->text, y->len, q, sizeof q), year,
                 YEAR_MIN, YEAR_MAX);
    else
        tfinding(c, TD_SEV_ERROR, "data.month", s, y->line, y->col, y->width, NULL,
                 "%s is not a plausible month, found %s: the year %04d is not between %d and %d; "
                 "correct the year",
                 subject(c, s, subj, sizeof subj), quote(y->text, y->len, q, sizeof q), year,
                 YEAR_MIN, YEAR_MAX);
    return true;
}

static td_node *type_date(typer *c, const td_type *t, const td_ynode *y, const seg *s,
                          const kpos *k)
{
    int32_t days;
    if (td_parse_date(y->text, y->len, &days)) {
        if (implausible(c, y, s, "date"))
            return new_node(c, t, y, k, true);
        td_node *n = new_node(c, t, y, k, false);
        if (n)
            n->v.days = days;
        return n;
    }
    char why[MSG_SIZE], hint[64], subj[MSG_SIZE], q[QUOTE_SIZE];
    const char *v = y->text;
    bool shaped = y->len == 10 && v[4] == '-' && v[7] == '-';
    for (size_t i = 0; shaped && i < 10; i++)
        shaped = i == 4 || i == 7 || is_digit(v[i]);
    const char *problem = shaped ? td_date_problem(c->d->lang, v, y->len, why, sizeof why) : NULL;
    if (!problem)
        return wrong(c, t, y, s, k, "data.date", date_hint(c->d->lang, y->text, y->len, hint, sizeof hint),
                     "write the date as YYYY-MM-DD, e.g. 2024-04-15");
    tfinding(c, TD_SEV_ERROR, "data.date", s, y->line, y->col, y->width, NULL,
             "%s is not a real date, found %s: %s; write a date that exists on the calendar",
             subject(c, s, subj, sizeof subj), quote(y->text, y->len, q, sizeof q), problem);
    return new_node(c, t, y, k, true);
}

static td_node *type_month(typer *c, const td_type *t, const td_ynode *y, const seg *s,
                           const kpos *k)
{
    int32_t month;
    if (td_parse_month(y->text, y->len, &month)) {
        if (implausible(c, y, s, "month"))
            return new_node(c, t, y, k, true);
        td_node *n = new_node(c, t, y, k, false);
        if (n)
            n->v.month = month;
        return n;
    }
    const char *v = y->text;
    bool shaped = y->len == 7 && v[4] == '-' && is_digit(v[0]) && is_digit(v[1]) &&
                  is_digit(v[2]) && is_digit(v[3]) && is_digit(v[5]) && is_digit(v[6]);
    char hint[64], subj[MSG_SIZE], q[QUOTE_SIZE];
    if (!shaped)
        return wrong(c, t, y, s, k, "data.month", month_hint(c->d->lang, v, y->len, hint, sizeof hint),
                     "write the month as YYYY-MM, e.g. 2024-05");
    tfinding(c, TD_SEV_ERROR, "data.month", s, y->line, y->col, y->width, NULL,
             "%s is not a real month, found %s: month %.2s does not exist; "
             "write a month from 01 to 12",
             subject(c, s, subj, sizeof subj), quote(v, y->len, q, sizeof q), v + 5);
    return new_node(c, t, y, k, true);
}

static td_node *type_enum(typer *c, const td_type *t, const td_ynode *y, const seg *s,
                          const kpos *k)
{
    const td_enum *e = t->en;
    int idx = td_enum_index(e, y->text, y->len);
    if (idx >= 0) {
        td_node *n = new_node(c, t, y, k, false);
        if (n)
            n->v.enum_index = (uint32_t)idx;
        return n;
    }
    const char *near = NULL;
    for (uint32_t i = 0; i < e->n && !near; i++)
        if (strcasecmp(e->values[i], y->text) == 0)
            near = e->values[i];
    /* a code written with Vietnamese diacritics (xã for xa, phụ_nữ for phu_nu) */
    char folded[MSG_SIZE];
    bool marks = td_fold_vi(y->text, folded, sizeof folded);
    for (uint32_t i = 0; i < e->n && !near && marks; i++)
        if (strcasecmp(e->values[i], folded) == 0)
            near = e->values[i];
    if (!near)
        near = td_suggest(marks ? folded : y->text, e->values, e->n);
    char hint[MSG_SIZE];
    if (near && marks)
        snprintf(hint, sizeof hint,
                 TR(c->d->lang, "did you mean '%s'? codes are written without diacritics"), near);
    else if (near)
        snprintf(hint, sizeof hint, TR(c->d->lang, "did you mean '%s'?"), near);
    return wrong(c, t, y, s, k, "data.enum", near ? hint : NULL, "write one of these codes");
}

static td_node *type_scalar(typer *c, const td_type *t, const td_ynode *y, const seg *s,
                            const kpos *k)
{
    if (y->kind != TD_Y_SCALAR)
        return wrong(c, t, y, s, k, "data.type", NULL, "write a single value here");
    td_node *n;
    bool range;
    switch (t->kind) {
    case TD_T_TEXT:
        n = new_node(c, t, y, k, false);
        if (n) {
            n->v.text.s = y->text;
            n->v.text.len = y->len;
        }
        return n;
    case TD_T_INT: {
        int64_t i;
        if (!y->plain && parse_int(y->text, y->len, &i, &range))
            return wrong(c, t, y, s, k, "data.type", NULL,
                         "in quotes it is a text: write the number without quotes");
        if ((n = not_decimal(c, t, y, s, k)) != NULL || c->oom)
            return n;
        if (!parse_int(y->text, y->len, &i, &range)) {
            bool comma = looks_like_comma_number(y->text, y->len);
            return wrong(c, t, y, s, k, "data.type",
                         comma ? N_("write the number without separators: 1000, not 1,000")
                               : NULL,
                         range ? N_("write a smaller number")
                               : N_("write digits only, e.g. 40"));
        }
        n = new_node(c, t, y, k, false);
        if (n)
            n->v.i = i;
        return n;
    }
    case TD_T_NUMBER: {
        double num;
        if (!y->plain && parse_number(y->text, y->len, &num))
            return wrong(c, t, y, s, k, "data.type", NULL,
                         "in quotes it is a text: write the number without quotes");
        if ((n = not_decimal(c, t, y, s, k)) != NULL || c->oom)
            return n;
        if (!parse_number(y->text, y->len, &num)) {
            bool comma = looks_like_comma_number(y->text, y->len);
            return wrong(c, t, y, s, k, "data.type",
                         comma ? N_("use a point for decimals (2.5) and no thousands separators")
                               : NULL,
                         "write digits, e.g. 40 or 2.5");
        }
        n = new_node(c, t, y, k, false);
        if (n)
            n->v.num = num;
        return n;
    }
    case TD_T_BOOL: {
        const char *v = y->text;
        bool yes = !strcmp(v, "true") || !strcmp(v, "True") || !strcmp(v, "TRUE");
        bool no = !strcmp(v, "false") || !strcmp(v, "False") || !strcmp(v, "FALSE");
        if (!yes && !no)
            return wrong(c, t, y, s, k, "data.type", NULL, "write true or false");
        n = new_node(c, t, y, k, false);
        if (n)
            n->v.b = yes;
        return n;
    }
    case TD_T_DATE: return type_date(c, t, y, s, k);
    case TD_T_MONTH: return type_month(c, t, y, s, k);
    case TD_T_ENUM: return type_enum(c, t, y, s, k);
    default: return NULL;
    }
}

static void unknown_field(typer *c, const td_record *r, const td_ynode *key, const seg *s)
{
    const char *near = NULL;
    char hint[MSG_SIZE];
    if (c->findings >= MAX_FINDINGS) {
        /* not reported: spare the suggestion */
        may_report(&c->findings, c->d, c->src, TD_SEV_WARNING, key->line, key->col, 0);
        return;
    }
    if (r->n_fields) {
        const char **names = take(&c->k, r->n_fields * sizeof *names);
        if (!names) {
            c->oom = true;
            return;
        }
        for (uint32_t i = 0; i < r->n_fields; i++)
            names[i] = r->fields[i].name;
        /* a field name written with diacritics (tên for ten) */
        char folded[MSG_SIZE];
        bool marks = td_fold_vi(key->text, folded, sizeof folded);
        near = td_suggest(marks ? folded : key->text, names, r->n_fields);
    }
    td_lang lang = c->d->lang;
    strbuf b = { hint, sizeof hint, 0 };
    hint[0] = '\0';
    if (near) {
        add_fmt(&b, TR(lang, "did you mean '%s'?"), near);
    } else {
        add_fmt(&b, "%s", TR(lang, "the fields here are:"));
        for (uint32_t i = 0; i < r->n_fields; i++)
            add_fmt(&b, "%s %s", i ? "," : "", r->fields[i].name);
    }
    seg sub = { s, key->text, r->name, 0, r->cite };
    char q[QUOTE_SIZE], where[MSG_SIZE];
    tfinding(c, TD_SEV_WARNING, "data.unknown_field", &sub, key->line, key->col, key->width,
             hint, "unknown field %s in %s; it is ignored: correct its name or delete it",
             quote(key->text, key->len, q, sizeof q), subject(c, s, where, sizeof where));
}

static void missing_field(typer *c, const td_record *r, const td_field *f, const td_ynode *y,
                          const seg *s, const kpos *k)
{
    seg sub = { s, f->name, r->name, 0, r->cite };
    for (uint32_t i = 0; i < y->n; i++) {
        const td_ynode *key = y->pairs[i].key;
        if (key && key->text && y->pairs[i].value && strcmp(key->text, f->name) == 0) {
            if (!y->pairs[i].value->text)
                return;  /* refused by the loader: already reported */
            char subj[MSG_SIZE];
            tfinding(c, TD_SEV_ERROR, "data.required", &sub, key->line, key->col, key->width,
                     NULL, "%s is empty, but it is required; write a value after '%s:'",
                     subject(c, &sub, subj, sizeof subj), f->name);
            return;
        }
    }
    bool at_key = k && k->line;
    char where[MSG_SIZE];
    tfinding(c, TD_SEV_ERROR, "data.required", &sub, at_key ? k->line : y->line,
             at_key ? k->col : y->col, at_key ? k->width : 1, NULL,
             "%s has no '%s'; add `%s: ...`", subject(c, s, where, sizeof where), f->name,
             f->name);
}

/* td_record_field for a key of known length, without a call per field name. */
static const td_field *field_of(const td_record *r, const char *key, uint32_t len)
{
    for (uint32_t i = 0; i < r->n_fields; i++) {
        const char *name = r->fields[i].name;
        uint32_t j = 0;
        while (j < len && name[j] && name[j] == key[j])
            j++; /* name[j] first: a key with a NUL in it must not read past the name */
        if (j == len && name[j] == '\0')
            return &r->fields[i];
    }
    return NULL;
}

static td_node *type_record(typer *c, const td_type *t, const td_ynode *y, const seg *s,
                            const kpos *k)
{
    const td_record *r = t->rec;
    if (y->kind != TD_Y_MAP) {
        char subj[MSG_SIZE], q[QUOTE_SIZE];
        tfinding(c, TD_SEV_ERROR, "data.not_a_mapping", s, y->line, y->col, y->width, NULL,
                 "%s must be a mapping of fields, found %s; write its fields on the "
                 "lines below, indented, as `%s: ...`",
                 subject(c, s, subj, sizeof subj), found(c, y, q, sizeof q),
                 r->n_fields ? r->fields[0].name : "name");
        return new_node(c, t, y, k, true);
    }
    td_node *n = new_node(c, t, y, k, false);
    if (!n)
        return NULL;
    for (uint32_t i = 0; i < y->n; i++) {
        const td_ynode *key = y->pairs[i].key, *value = y->pairs[i].value;
        if (!key || !key->text || !value)
            continue;   /* a tree edited by hand (thidua test) may hold holes */
        const td_field *f = field_of(r, key->text, key->len);
        if (!f || f->slot >= r->n_fields) {
            unknown_field(c, r, key, s);
        } else {
            seg sub = { s, f->name, r->name, 0, r->cite };
            kpos kp = { key->line, key->col, key->width };
            n->v.slots[f->slot] = type_value(c, f->type, value, &sub, &kp);
        }
        if (c->oom)
            return NULL;
    }
    for (uint32_t i = 0; i < r->n_fields; i++) {
        const td_field *f = &r->fields[i];
        const td_node *v = n->v.slots[f->slot];
        if (!f->required)
            continue;
        if (!v || v->null) {
            missing_field(c, r, f, y, s, k);
        } else if (!v->invalid && v->type->kind == TD_T_TEXT && td_text_blank(v->v.text.s, v->v.text.len)) {
            /* a required text written as "" is as missing as no text at all */
            seg sub = { s, f->name, r->name, 0, r->cite };
            char subj[MSG_SIZE];
            tfinding(c, TD_SEV_ERROR, "data.required", &sub, v->line, v->col, v->width, NULL,
                     "%s is blank, but it is required; write a value after '%s:'",
                     subject(c, &sub, subj, sizeof subj), f->name);
        }
    }
    return n;
}

static td_node *type_list(typer *c, const td_type *t, const td_ynode *y, const seg *s,
                          const kpos *k)
{
    if (y->kind != TD_Y_SEQ) {
        char todo[MSG_SIZE];
        if (y->kind == TD_Y_SCALAR) {
            char q[QUOTE_SIZE];
            const char *v = quote(y->text, y->len, q, sizeof q);
            snprintf(todo, sizeof todo, TR(c->d->lang, "write it as a list: [%.*s]"),
                     (int)strlen(v) - 2, v + 1);
        } else {
            snprintf(todo, sizeof todo, "%s",
                     TR(c->d->lang, "write each item on its own line, starting with '- '"));
        }
        return wrong(c, t, y, s, k, "data.type", NULL, todo);
    }
    td_node *n = new_node(c, t, y, k, false);
    if (!n || !y->n)
        return n;
    td_node **items = take(&c->k, y->n * sizeof *items);
    if (!items) {
        c->oom = true;
        return NULL;
    }
    const td_ynode hole = { .kind = TD_Y_NULL, .line = y->line, .col = y->col, .text = "" };
    for (uint32_t i = 0; i < y->n; i++) {
        const td_ynode *it = y->items[i] ? y->items[i] : &hole;
        seg sub = { s, NULL, NULL, i, NULL };
        kpos kp = item_pos(c, it);
        if (it->kind == TD_Y_NULL && it->text) {
            char subj[MSG_SIZE];
            tfinding(c, TD_SEV_ERROR, "data.type", &sub, kp.line, kp.col, 1, NULL,
                     "%s is empty; write a value after the '-' or delete the line",
                     subject(c, &sub, subj, sizeof subj));
            items[i] = new_node(c, t->elem, it, &kp, true);
        } else {
            items[i] = type_value(c, t->elem, it, &sub, &kp);
        }
        if (c->oom)
            return NULL;
    }
    n->v.list.items = items;
    n->v.list.n = y->n;
    return n;
}

static td_node *type_value(typer *c, const td_type *t, const td_ynode *y, const seg *s,
                           const kpos *k)
{
    if (y->kind == TD_Y_NULL) {
        if (!y->text)
            return new_node(c, t, y, k, true);
        /* `propaganda:` with nothing after it: absent, but findings can point at the key */
        td_node *n = new_node(c, t, y, k, false);
        if (n)
            n->null = true;
        return n;
    }
    switch (t->kind) {
    case TD_T_RECORD: return type_record(c, t, y, s, k);
    case TD_T_LIST: return type_list(c, t, y, s, k);
    default: return type_scalar(c, t, y, s, k);
    }
}

td_status td_type_document(const td_type *type, const td_ynode *root, const td_source *src,
                           td_arena *a, td_diag *d, td_node **out)
{
    typer c = { src, { a, NULL, 0 }, d, 0, false,
                type && type->kind == TD_T_RECORD ? type->rec->cite : NULL };
    bool d_oom = d->oom;
    const td_ynode none = { .kind = TD_Y_NULL, .line = 1, .col = 1, .width = 1 };
    *out = NULL;
    if (!root)
        root = &none;
    td_node *n;
    if (root->kind == TD_Y_NULL) {
        if (root->text)
            tfinding(&c, TD_SEV_ERROR, "data.empty", NULL, root->line, root->col, 1, NULL,
                     "the document is empty; write the unit's data in it, "
                     "or delete the '---' line that starts it");
        n = new_node(&c, type, root, NULL, true);
    } else {
        n = type_value(&c, type, root, NULL, NULL);
    }
    if (c.oom || !n)
        return TD_ENOMEM;
    *out = n;
    return d->oom && !d_oom ? TD_ENOMEM : TD_OK;
}
