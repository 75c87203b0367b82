/* Loading unit data, first half: libyaml events into a generic YAML tree (td_ynode), with
 * duplicate keys, depth, aliases and sizes checked. Pipeline: file -> td_ynode -> load_type.c. */
#include "load_int.h"
#include "load_tokens.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <yaml.h>

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
    uint32_t stop_line;     /* a part of the file: the `---` line where the next part starts;
                             * 0: read to the end */
    bool overran;           /* the part went past stop_line without starting a document
                             * there, and read on to the end of the file */
    td_fast *fast;          /* typing straight from the events (borrowed); NULL: not asked */
    td_fevents *evs;        /* its kept events */
    const bool *key_next;   /* its td_fast_key_next */
    bool typed_fast;        /* the last document was typed so: fast describes it */
    yaml_event_t pending;   /* an event read ahead (owned while has_pending) */
    bool has_pending;
    bool pending_ok;        /* false: reading it failed, the parser holds the error */
    /* Reading by tokens (td_ytok) while the documents are typed straight from their events:
     * libyaml's parser layer is left out. The events made from the tokens go where libyaml's
     * would (the fast typer, or the generic tree when the document reports something); a
     * document that leaves the forms td_ytok reads is read again by libyaml's parser from its
     * start (to_events), and the stream goes back to tokens at the next `---` (to_tokens). */
    td_ytok tk;
    bool fresh;             /* the parser has read nothing yet */
    bool tokens;            /* this stream is read by tokens */
    uint32_t stream_docs;   /* documents started before this stream */
    size_t doc_base;        /* where a fresh parser reads the current document from */
    uint32_t doc_docs;      /* documents started before it */
    uint32_t events_until;  /* read by events until this many documents have started */
    size_t doc_findings;    /* findings recorded before the current document */
    uint64_t doc_seq;       /* and the number of the next one */
    size_t clean_from, clean_to;    /* libyaml's reader refuses no byte of src in this range */
    size_t dirty_at;        /* it refuses the character here (SIZE_MAX: none found) */
    size_t first_base;      /* where the stream the marks count from started: a switch between
                             * tokens and events starts a parser of its own, not a stream */
    size_t breaks_to;       /* libyaml counts as many lines in src[first_base, breaks_to) as
                             * src's line table does */
    bool odd_break;         /* and at breaks_to, a line break of its own (see same_lines) */
};

/* The state of one td_yaml_next call. */
typedef struct loader {
    td_yaml *y;
    td_carve k; /* allocations in the caller's arena */
    td_diag *d;
    td_ynode *top;          /* the finished root of the document */
    bool refused;           /* a limit was hit: the rest of the document is skipped */
    uint32_t refused_line;  /* where */
    uint32_t findings;      /* reported so far (see MAX_FINDINGS) */
    bool oom;
    bool fast;              /* this document is being typed straight from its events */
} loader;

/* Points a fresh libyaml parser at src from byte `base` (a line start, or just after a BOM). */
static bool start_stream(td_yaml *y, size_t base)
{
    td_ytok_reset(&y->tk);
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
    y->fresh = true;
    return true;
}

/* A reader of SRC from byte BASE on, that ends a part at STOP_LINE (0: reads to the end). */
static td_status open_at(const td_source *src, const td_limits *lim, size_t base,
                         uint32_t stop_line, td_yaml **out)
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
    y->stop_line = stop_line;
    y->clean_from = y->clean_to = src->len;
    y->dirty_at = SIZE_MAX;
    y->first_base = y->breaks_to = base;
    if (!start_stream(y, base)) {
        free(y);
        return TD_ENOMEM;
    }
    *out = y;
    return TD_OK;
}

/* Where the text starts: after a UTF-8 byte order mark (Notepad writes one), which is skipped
 * here because libyaml, told the encoding, mishandles it before a CRLF line end. */
static size_t text_start(const td_source *src)
{
    return src->len >= 3 && !memcmp(src->text, "\xEF\xBB\xBF", 3) ? 3 : 0;
}

td_status td_yaml_open(const td_source *src, const td_limits *lim, td_yaml **out)
{
    return open_at(src, lim, text_start(src), 0, out);
}

td_status td_yaml_open_part(const td_source *src, const td_limits *lim, uint32_t start_line,
                            uint32_t stop_line, td_yaml **out)
{
    if (start_line <= 1)
        return open_at(src, lim, text_start(src), stop_line, out);
    *out = NULL;
    if (start_line > src->nlines)
        return TD_EBUG;
    return open_at(src, lim, src->lines[start_line - 1], stop_line, out);
}

bool td_yaml_overran(const td_yaml *y)
{
    return y->overran;
}

/* A part of a file meets the line where the next part starts: true when it starts a document
 * there, and the part ends (the next part reads it); past it, the part reads on to the end
 * of the file as a whole file is read, and the parts after it are not used. */
static bool at_stop(td_yaml *y, uint32_t line)
{
    if (!y->stop_line || (line && line < y->stop_line))
        return false;
    if (line == y->stop_line)
        return true;
    y->overran = true;
    y->stop_line = 0;
    return false;
}

void td_yaml_close(td_yaml *y)
{
    if (!y)
        return;
    if (y->has_pending)
        yaml_event_delete(&y->pending);
    if (y->parser_ready)
        yaml_parser_delete(&y->parser);
    td_ytok_free(&y->tk);
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

static void yfinding(loader *c, td_code id, uint32_t line, uint32_t col, uint32_t width,
                     const char *path, const char *hint, const char *fmt, ...)
    __attribute__((format(printf, 8, 9)));

static void vyfinding(loader *c, td_severity sev, td_code id, uint32_t line, uint32_t col,
                      uint32_t width, const char *path, const char *hint, const char *fmt,
                      va_list ap)
{
    if (!td_load_may_report(&c->findings, c->d, c->y->src, sev, line, col, doc_index(c->y)))
        return;
    td_diagnostic *e = td_load_vfinding(c->d, c->y->src, sev, id, line, col, width, path, fmt, ap);
    if (!e)
        return;
    e->doc = doc_index(c->y);
    if (hint)
        td_diag_set(c->d, &e->hint, "%s", td_gettext(c->d->lang, hint));
}

static void yfinding(loader *c, td_code id, uint32_t line, uint32_t col, uint32_t width,
                     const char *path, const char *hint, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vyfinding(c, TD_SEV_ERROR, id, line, col, width, path, hint, fmt, ap);
    va_end(ap);
}

static void ywarning(loader *c, td_code id, uint32_t line, uint32_t col, uint32_t width,
                     const char *path, const char *hint, const char *fmt, ...)
    __attribute__((format(printf, 8, 9)));

static void ywarning(loader *c, td_code id, uint32_t line, uint32_t col, uint32_t width,
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
    td_strbuf b = {buf, size, 0};
    buf[0] = '\0';
    for (size_t i = 0; i < y->nframes; i++) {
        const frame *f = &y->frames[i];
        size_t end = i + 1 < y->nframes ? y->frames[i + 1].base : y->nkids;
        size_t cnt = end - f->base;
        if (f->node->kind == TD_Y_SEQ) {
            td_load_add_fmt(&b, "[%zu]", cnt);
        } else if (cnt % 2 == 1) {
            const td_ynode *k = y->kids[end - 1];
            td_load_add_fmt(&b, "%s%s", b.len ? "." : "", k->text ? k->text : "?");
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
    td_ynode *n = td_take(&c->k, sizeof *n);
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
    yfinding(c, TD_CODE_DATA_LIMIT, pos_line(c->y, m), pos_col(c->y, m), width,
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
    ywarning(c, TD_CODE_DATA_TAG,
             line, col, (uint32_t)(end - off), path_here(y, path, sizeof path), NULL,
             "tag %s has no meaning in a unit file; it is ignored: delete it",
             td_load_quote(src->text + off, end - off, q, sizeof q));
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
    yfinding(c, TD_CODE_DATA_NUL, line, col, width, path_here(y, path, sizeof path),
             NULL, "the value contains a NUL character (U+0000), which a unit file cannot "
                   "hold: delete the escape");
}

static void on_scalar(loader *c, const yaml_event_t *ev)
{
    td_yaml *y = c->y;
    const yaml_mark_t *m = &ev->start_mark;
    if (!count_nodes(c, 1, m, false))
        return;
    if (ev->data.scalar.tag)
        check_tag(c, ev->data.scalar.tag, m);
    size_t len = ev->data.scalar.length;
    td_ynode *n;
    if (len > y->lim.max_scalar) {
        char path[MSG_SIZE];
        yfinding(c, TD_CODE_DATA_LIMIT,
                 pos_line(y, m), pos_col(y, m), scalar_width(y, m, &ev->end_mark),
                 path_here(y, path, sizeof path), NULL,
                 "this value is %zu bytes long, more than the limit of %u; "
                 "shorten it or keep the long text in a separate document",
                 len, y->lim.max_scalar);
        n = refused_node(c, m);
    } else if (ev->data.scalar.style == YAML_DOUBLE_QUOTED_SCALAR_STYLE &&
               memchr(ev->data.scalar.value, '\0', len)) {
        /* only an escape can write a NUL: the reader refuses the byte itself */
        report_nul(c, m, &ev->end_mark);
        n = refused_node(c, m);
    } else {
        const char *tag = (const char *)ev->data.scalar.tag;
        const char *text = (const char *)ev->data.scalar.value;
        bool plain = ev->data.scalar.style == YAML_PLAIN_SCALAR_STYLE &&
                     (!tag || strcmp(tag, YAML_STR_TAG) != 0);
        bool null = tag ? strcmp(tag, YAML_NULL_TAG) == 0 : plain && td_is_null_text(text, len);
        n = new_ynode(c, null && !is_key_place(y) ? TD_Y_NULL : TD_Y_SCALAR, m);
        if (!n)
            return;
        n->plain = plain;
        n->width = scalar_width(y, m, &ev->end_mark);
        n->text = td_take_str(&c->k, text, len);
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
        const char *name = td_take_str(&c->k, anchor_name, strlen(anchor_name));
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
            yfinding(c, TD_CODE_DATA_SYNTAX, pos_line(y, m), pos_col(y, m), w, path, NULL,
                     "alias '*%.40s' refers to the value that contains it, which would never end; "
                     "write the value out instead",
                     name);
        else
            yfinding(c, TD_CODE_DATA_SYNTAX, pos_line(y, m), pos_col(y, m), w, path, NULL,
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
    const yaml_char_t *tag =
        kind == TD_Y_MAP ? ev->data.mapping_start.tag : ev->data.sequence_start.tag;
    if (tag)
        check_tag(c, tag, m);
    td_ynode *n = new_ynode(c, kind, m);
    if (!n)
        return;
    const yaml_char_t *a =
        kind == TD_Y_MAP ? ev->data.mapping_start.anchor : ev->data.sequence_start.anchor;
    const char *name = NULL;
    if (a && !anchor_allowed(c, m))
        return;
    if (a && !(name = td_take_str(&c->k, (const char *)a, strlen((const char *)a)))) {
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
    td_strbuf b = {path, sizeof path, 0};
    path_here(c->y, path, sizeof path);
    b.len = strlen(path);
    td_load_add_fmt(&b, "%s%s", b.len ? "." : "", dup->text);
    yfinding(c, TD_CODE_DATA_DUPLICATE_KEY, dup->line, dup->col, dup->width, path, NULL,
             "duplicate key %s (first at line %u); a key may appear once in a mapping: "
             "merge the two or delete one",
             td_load_quote(dup->text, dup->len, q, sizeof q), first->line);
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
    yfinding(c, TD_CODE_DATA_MERGE,
             key->line, key->col, 2, path_here(c->y, path, sizeof path), NULL,
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
    td_ypair *pairs = td_take(&c->k, (np + extra) * sizeof *pairs);
    if (!pairs) {
        c->oom = true;
        return;
    }
    for (size_t i = 0; i < np; i++) {
        td_ynode *k = kids[2 * i], *v = kids[2 * i + 1];
        if (k->kind == TD_Y_MAP || k->kind == TD_Y_SEQ) {
            char path[MSG_SIZE];
            if (k->kind == TD_Y_MAP)
                yfinding(c, TD_CODE_DATA_KEY,
                         k->line, k->col, 1, path_here(c->y, path, sizeof path),
                         NULL, "a key must be a name, found a mapping; write `name: value` with "
                         "a plain name");
            else
                yfinding(c, TD_CODE_DATA_KEY,
                         k->line, k->col, 1, path_here(c->y, path, sizeof path),
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
        n->items = td_take(&c->k, nk * sizeof *n->items);
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

/* ---- typing straight from the events (td_fast), the generic tree built only on demand ---- */

/* Room for one more kept event; false when out of memory. */
static bool grow_events(loader *c, td_fevents *e)
{
    td_fevent *v = grow(e->v, &e->cap, e->n + 1, sizeof *v);
    if (!v) {
        c->oom = true;
        return false;
    }
    e->v = v;
    return true;
}

/* Keeps an event the fast typer took, for a replay. */
static inline bool keep_event(loader *c, const yaml_event_t *ev, uint8_t style, const char *text,
                              size_t len)
{
    td_fevents *e = c->y->evs;
    if (e->n == e->cap && !grow_events(c, e))
        return false;
    td_fevent *k = &e->v[e->n++];
    k->type = (uint8_t)ev->type;
    k->style = style;
    k->line = (uint32_t)ev->start_mark.line;
    k->col = (uint32_t)ev->start_mark.column;
    k->end_line = (uint32_t)ev->end_mark.line;
    k->end_col = (uint32_t)ev->end_mark.column;
    k->len = (uint32_t)len;
    k->text = text;
    return true;
}

/* The checks of on_scalar and on_start that would report or refuse something, or need the
 * tree (anchors): false when one applies. */
static bool fast_scalar(loader *c, const yaml_event_t *ev)
{
    td_yaml *y = c->y;
    const yaml_mark_t *m = &ev->start_mark;
    size_t len = ev->data.scalar.length;
    const char *text = (const char *)ev->data.scalar.value;
    yaml_scalar_style_t style = ev->data.scalar.style;
    if (++y->nodes > y->lim.max_nodes || ev->data.scalar.tag || ev->data.scalar.anchor ||
        len > y->lim.max_scalar ||
        (style == YAML_DOUBLE_QUOTED_SCALAR_STYLE && memchr(text, '\0', len)))
        return false;
    bool plain = style == YAML_PLAIN_SCALAR_STYLE;
    if (*y->key_next) {
        /* a key: found among the fields, its text not copied (the field's name is the same) */
        td_ynode n = { TD_Y_SCALAR, pos_line(y, m), pos_col(y, m), 1, plain, text,
                       (uint32_t)len, NULL, NULL, 0 };
        const char *name = td_fast_key(y->fast, &n);
        return name && keep_event(c, ev, (uint8_t)style, name, len);
    }
    char *copy = td_take_str(&c->k, text, len);
    if (!copy) {
        c->oom = true;
        return false;
    }
    td_ynode n = { TD_Y_SCALAR, pos_line(y, m), pos_col(y, m),
                   scalar_width(y, m, &ev->end_mark), plain, copy, (uint32_t)len, NULL, NULL, 0 };
    if (!td_fast_scalar(y->fast, &n, plain && td_is_null_text(text, len))) {
        c->oom = td_fast_oom(y->fast);
        return false;
    }
    return keep_event(c, ev, (uint8_t)style, copy, len);
}

static bool fast_start(loader *c, const yaml_event_t *ev, td_ykind kind)
{
    td_yaml *y = c->y;
    const yaml_mark_t *m = &ev->start_mark;
    bool props = kind == TD_Y_MAP
                     ? ev->data.mapping_start.tag || ev->data.mapping_start.anchor
                     : ev->data.sequence_start.tag || ev->data.sequence_start.anchor;
    if (td_fast_depth(y->fast) >= y->lim.max_depth || ++y->nodes > y->lim.max_nodes || props)
        return false;
    td_ynode n = { kind, pos_line(y, m), pos_col(y, m), 1, false, NULL, 0, NULL, NULL, 0 };
    if (!td_fast_start(y->fast, &n)) {
        c->oom = td_fast_oom(y->fast);
        return false;
    }
    return keep_event(c, ev, 0, NULL, 0);
}

/* An event of a document typed straight from its events: false when the document must be
 * read the usual way from here on (or out of memory: c->oom). */
static bool fast_event(loader *c, const yaml_event_t *ev)
{
    td_fast *f = c->y->fast;
    switch (ev->type) {
    case YAML_SCALAR_EVENT: return fast_scalar(c, ev);
    case YAML_SEQUENCE_START_EVENT: return fast_start(c, ev, TD_Y_SEQ);
    case YAML_MAPPING_START_EVENT: return fast_start(c, ev, TD_Y_MAP);
    case YAML_SEQUENCE_END_EVENT:
    case YAML_MAPPING_END_EVENT:
        if (!td_fast_end(f)) {
            c->oom = td_fast_oom(f);
            return false;
        }
        return keep_event(c, ev, 0, NULL, 0);
    case YAML_DOCUMENT_END_EVENT: return td_fast_depth(f) == 0 && td_fast_root(f);
    default: return false;
    }
}

/* Builds the generic tree of the events kept so far, as the usual reading of them would
 * have (it reports nothing: the fast typer took only events that report nothing). */
static void replay(loader *c)
{
    td_yaml *y = c->y;
    const td_fevents *evs = y->evs;
    y->nframes = y->nkids = y->nanchors = 0;
    y->nodes = 0;
    y->aliases = 0;
    c->top = NULL;
    for (size_t i = 0; i < evs->n && !c->oom && !c->refused; i++) {
        const td_fevent *e = &evs->v[i];
        yaml_event_t ev;
        memset(&ev, 0, sizeof ev);
        ev.type = (yaml_event_type_t)e->type;
        ev.start_mark.line = e->line;
        ev.start_mark.column = e->col;
        ev.end_mark.line = e->end_line;
        ev.end_mark.column = e->end_col;
        switch (ev.type) {
        case YAML_SCALAR_EVENT:
            ev.data.scalar.value = (yaml_char_t *)(uintptr_t)e->text;  /* only read */
            ev.data.scalar.length = e->len;
            ev.data.scalar.style = (yaml_scalar_style_t)e->style;
            on_scalar(c, &ev);
            break;
        case YAML_MAPPING_START_EVENT: on_start(c, &ev, TD_Y_MAP); break;
        case YAML_SEQUENCE_START_EVENT: on_start(c, &ev, TD_Y_SEQ); break;
        default: on_end(c); break;
        }
    }
}

/* Leaves the fast path: the events so far become the generic tree, and reading goes on as usual. */
static void leave_fast(loader *c)
{
    if (!c->fast || c->oom)
        return;
    c->fast = false;
    replay(c);
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
            yfinding(c, TD_CODE_DATA_UTF8, line, col, 1, NULL, skipped,
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
            yfinding(c, TD_CODE_DATA_SYNTAX, line, col, 1, NULL, skipped,
                     "character U+%04X is not allowed in a YAML file; delete it "
                     "(it is often invisible in an editor)",
                     (unsigned)p->problem_value);
        else
            yfinding(c, TD_CODE_DATA_UTF8, line, col, 1, NULL, skipped,
                     "the file cannot be read as UTF-8 text (%s); save the file as UTF-8",
                     p->problem ? td_yaml_words(c->d->lang, p->problem)
                                : TR(c->d->lang, "unreadable"));
        return TD_OK;
    }
    char ctx[MSG_SIZE] = "";
    if (p->context)
        snprintf(ctx, sizeof ctx, TR(c->d->lang, " (%s that starts at line %u)"),
                 td_yaml_words(c->d->lang, p->context), pos_line(y, &p->context_mark));
    uint32_t line = pos_line(y, &p->problem_mark), col = pos_col(y, &p->problem_mark);
    if (p->error != YAML_SCANNER_ERROR && p->error != YAML_PARSER_ERROR)
        line = col = 0;
    yfinding(c, TD_CODE_DATA_SYNTAX, line, col, 1, NULL, skipped, "YAML syntax error: %s%s; %s",
             p->problem ? td_yaml_words(c->d->lang, p->problem)
                        : TR(c->d->lang, "unreadable data"), ctx,
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
    if (at_stop(y, line) || !line)
        return 0;
    y->first_base = y->breaks_to = y->src->lines[line - 1];
    y->odd_break = false;
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
    yfinding(c, TD_CODE_DATA_UTF8, 1, 1, 1, NULL, NULL,
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

/* The first character of src[from, to) that libyaml's reader refuses (reader.c: UTF-8 that is
 * not well formed, or a character YAML does not allow), or `to`. `from` starts a character. */
static size_t first_unreadable(const td_source *src, size_t from, size_t to)
{
    const unsigned char *s = (const unsigned char *)src->text;
    size_t n = src->len, i = from;
    while (i < to) {
        unsigned c = s[i];
        if (c < 0x80) {
            if ((c < 0x20 && c != '\t' && c != '\n' && c != '\r') || c == 0x7F)
                return i;
            i++;
            continue;
        }
        size_t w = (c & 0xE0) == 0xC0 ? 2 : (c & 0xF0) == 0xE0 ? 3 : (c & 0xF8) == 0xF0 ? 4 : 0;
        if (!w || w > n - i)
            return i;
        unsigned v = c & (0x7Fu >> w);
        for (size_t k = 1; k < w; k++) {
            if ((s[i + k] & 0xC0) != 0x80)
                return i;
            v = (v << 6) | (s[i + k] & 0x3Fu);
        }
        if ((w == 2 && v < 0x80) || (w == 3 && v < 0x800) || (w == 4 && v < 0x10000) ||
            (v >= 0xD800 && v <= 0xDFFF) || v > 0x10FFFF ||
            !(v == 0x85 || (v >= 0xA0 && v <= 0xD7FF) || (v >= 0xE000 && v <= 0xFFFD) ||
              v >= 0x10000))
            return i;
        i += w;
    }
    return to;
}

/* True when a parser started at byte `from` (a line start) reads as the stream's own parser
 * does: libyaml's reader decodes its input a buffer of 16 KiB at a time and fails at the first
 * character it refuses, so where it fails depends on where its input started, unless it
 * refuses nothing as far as this part of the file is read (its stop line and a buffer more). */
static bool reader_clean(td_yaml *y, size_t from)
{
    const td_source *src = y->src;
    size_t to = src->len;
    if (y->stop_line && y->stop_line <= src->nlines && src->lines[y->stop_line - 1] + 65536 < to)
        to = src->lines[y->stop_line - 1] + 65536;
    if (from >= y->clean_from && to <= y->clean_to)
        return true;
    if (from <= y->dirty_at && y->dirty_at < to)
        return false;
    size_t end = to;    /* checked from `from` to here */
    if (y->clean_from < y->clean_to && to <= y->clean_to && from < y->clean_from)
        end = y->clean_from;
    size_t bad = first_unreadable(src, from, end);
    if (bad < end) {
        y->dirty_at = bad;
        return false;
    }
    if (end == to)
        y->clean_to = to;
    y->clean_from = from;
    return true;
}

/* True when libyaml counts the lines of src[first_base, to) as src's line table does: without a
 * line break that the table does not count (a CR alone, U+0085, U+2028, U+2029), a parser
 * started at `to` gives the marks the stream's parser gives there. */
static bool same_lines(td_yaml *y, size_t to)
{
    if (to <= y->breaks_to)
        return true;
    if (y->odd_break)
        return false;
    const unsigned char *s = (const unsigned char *)y->src->text;
    size_t n = y->src->len;
    for (size_t i = y->breaks_to; i < to; i++) {
        bool odd = (s[i] == '\r' && (i + 1 >= n || s[i + 1] != '\n')) ||
                   (s[i] == 0xC2 && i + 1 < n && s[i + 1] == 0x85) ||
                   (s[i] == 0xE2 && i + 2 < n && s[i + 1] == 0x80 &&
                    (s[i + 2] == 0xA8 || s[i + 2] == 0xA9));
        if (odd) {
            y->breaks_to = i;
            y->odd_break = true;
            return false;
        }
    }
    y->breaks_to = to;
    return true;
}

/* A parser started at byte `from` (a line start) reads as the stream's own parser does there. */
static bool restart_exact(td_yaml *y, size_t from)
{
    return same_lines(y, from) && reader_clean(y, from);
}

/* Leaves reading by tokens: the current document is read again by libyaml's parser from its
 * start, exactly as that parser would have read it in the stream (started at the document's
 * line when that is the same, else at the stream's start with the documents before it read
 * over). False when out of memory. */
static bool to_events(loader *c)
{
    td_yaml *y = c->y;
    if (y->in_doc) {
        /* what the document reported so far is reported again */
        td_diag_truncate(c->d, y->doc_findings, y->doc_seq);
        c->findings = 0;
    }
    c->top = NULL;
    c->fast = false;
    y->tokens = false;
    y->in_doc = false;
    y->docs = y->doc_docs;
    uint32_t skip = 0;
    size_t from = y->doc_base;
    if (from != y->base && !restart_exact(y, from)) {
        skip = y->doc_docs - y->stream_docs;
        from = y->base;
    }
    if (!start_stream(y, from))
        return false;
    y->fresh = false;
    y->events_until = y->docs + 1;
    while (skip) {
        yaml_event_t ev;
        if (!yaml_parser_parse(&y->parser, &ev))
            break;  /* read as before: cannot happen */
        if (ev.type == YAML_DOCUMENT_END_EVENT)
            skip--;
        yaml_event_delete(&ev);
    }
    return true;
}

/* Reading by events meets the start of document `ev`: true when the stream is read by tokens
 * again from there (a `---` line, the reader started there reads as the stream's parser). */
static bool to_tokens(td_yaml *y, const yaml_event_t *ev)
{
    if (y->docs < y->events_until || ev->data.document_start.implicit ||
        ev->data.document_start.version_directive ||
        ev->data.document_start.tag_directives.start || ev->start_mark.column != 0 ||
        ev->start_mark.line == 0)
        return false;
    uint32_t line = pos_line(y, &ev->start_mark);
    if (line > y->src->nlines)
        return false;
    size_t from = y->src->lines[line - 1];
    if (!restart_exact(y, from) || y->src->len - from < 3 || memcmp(y->src->text + from, "---", 3))
        return false;
    return start_stream(y, from);
}

/* The next document: its generic tree in *root, or (with `type`, when it types without a
 * finding) its typed root in *typed and no tree. */
static td_status next_doc(td_yaml *y, const td_type *type, td_arena *a, td_diag *d,
                          td_ynode **root, td_node **typed, uint32_t *doc_line)
{
    *root = NULL;
    if (doc_line)
        *doc_line = 0;
    y->typed_fast = false;
    if (y->done)
        return TD_OK;
    loader c = { y, { a, NULL, 0 }, d, NULL, false, 0, 0, false, false };
    uint32_t dl = 0;
    yaml_mark_t doc_mark = { 0, 0, 0 };
    bool d_oom = d->oom;
    td_status st = TD_OK;
    if (y->docs == 0 && !y->in_doc && y->base == 0 && refuse_encoding(&c))
        return d->oom && !d_oom ? TD_ENOMEM : TD_OK;
    for (;;) {
        yaml_event_t ev;
        if (y->fresh) {
            y->fresh = false;
            y->tokens = type && y->fast;
            y->stream_docs = y->doc_docs = y->docs;
            y->doc_base = y->base;
        }
        bool from_tokens = y->tokens, read;
        if (from_tokens) {
            read = td_ytok_next(&y->tk, &y->parser, &ev);
            if (!read) {
                if (!to_events(&c)) {
                    y->done = true;
                    return TD_ENOMEM;
                }
                dl = 0;
                continue;
            }
        } else {
            read = y->has_pending ? y->pending_ok : yaml_parser_parse(&y->parser, &ev) != 0;
            if (y->has_pending) {
                ev = y->pending;
                y->has_pending = false;
            }
        }
        if (!read) {
            /* a syntax error spoils its document only: reading goes on at the next line
             * that starts a document after it (never at or before this one's start) */
            leave_fast(&c);
            if (c.oom) {
                y->done = true;
                return TD_ENOMEM;
            }
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
                 * moves on), so that the next one is read; one that broke before its start
                 * is placed at the error */
                *root = refused_node(&c, dl ? &doc_mark : &p->problem_mark);
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
        if (c.fast && fast_event(&c, &ev)) {
            bool end = ev.type == YAML_DOCUMENT_END_EVENT;
            if (from_tokens)
                td_ytok_done(&ev);
            else
                yaml_event_delete(&ev);
            /* nothing refused and memory held: the checks below have nothing to see */
            if (!end)
                continue;
            y->in_doc = false;
            *typed = td_fast_root(y->fast);
            y->typed_fast = true;
            if (doc_line)
                *doc_line = dl;
            break;
        }
        leave_fast(&c);
        switch (c.oom ? YAML_NO_EVENT : ev.type) {
        case YAML_STREAM_END_EVENT:
            at_stop(y, 0);
            y->done = true;
            stop = true;
            break;
        case YAML_DOCUMENT_START_EVENT:
            if (!from_tokens && type && y->fast && to_tokens(y, &ev))
                break;  /* this document is read again by tokens */
            if (at_stop(y, pos_line(y, &ev.start_mark))) {
                y->done = true;
                stop = true;
                break;
            }
            if (from_tokens) {
                y->doc_docs = y->docs;
                y->doc_findings = d->n;
                y->doc_seq = d->next_seq;
                uint32_t line = pos_line(y, &ev.start_mark);
                /* a line libyaml counts beyond the table: same_lines refuses to restart */
                y->doc_base = y->docs == y->stream_docs ? y->base
                              : line <= y->src->nlines ? y->src->lines[line - 1]
                                                       : y->src->len;
            }
            y->docs++;
            y->in_doc = true;
            y->nframes = y->nkids = y->nanchors = 0;
            y->nodes = 0;
            y->aliases = 0;
            doc_mark = ev.start_mark;
            dl = pos_line(y, &ev.start_mark);
            if (type && y->fast) {
                c.fast = true;
                td_fast_begin(y->fast, type, y->src, a, d);
            }
            break;
        case YAML_DOCUMENT_END_EVENT:
            y->in_doc = false;
            *root = c.top ? c.top : refused_node(&c, &doc_mark);
            if (doc_line)
                *doc_line = dl;
            stop = true;
            if (!from_tokens && is_blank_document(*root)) {
                /* (the token reader leaves an empty document to libyaml's parser) */
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
        if (from_tokens)
            td_ytok_done(&ev);
        else
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

td_status td_yaml_next(td_yaml *y, td_arena *a, td_diag *d, td_ynode **root, uint32_t *doc_line)
{
    return next_doc(y, NULL, a, d, root, NULL, doc_line);
}

td_status td_yaml_next_typed(td_yaml *y, td_fast **fast, const td_type *type, td_arena *a,
                             td_diag *d, td_ydoc *out)
{
    *out = (td_ydoc){ NULL, NULL, 0, 0 };
    if (!*fast && !(*fast = td_fast_new()))
        return TD_ENOMEM;
    y->fast = *fast;
    y->evs = td_fast_events(*fast);
    y->key_next = td_fast_key_next(*fast);
    td_ynode *root = NULL;
    td_node *typed = NULL;
    td_status st = next_doc(y, type, a, d, &root, &typed, &out->doc_line);
    if (st != TD_OK)
        return st;
    if (typed) {
        out->node = typed;
        out->line = typed->line;
        return TD_OK;
    }
    if (!root)
        return TD_OK;
    out->tree = root;
    out->line = root->line;
    return td_type_document(type, root, y->src, a, d, &out->node);
}

const td_ynode *td_yaml_tree(td_yaml *y, const td_ydoc *doc, td_arena *a, td_diag *d)
{
    if (doc->tree || !y->typed_fast)
        return doc->tree;
    loader c = { y, { a, NULL, 0 }, d, NULL, false, 0, 0, false, false };
    replay(&c);
    return c.oom ? NULL : c.top;
}

bool td_yaml_id_at(const td_yaml *y, const td_ydoc *doc, const char *id, uint32_t *line,
                   uint32_t *col, uint32_t *width)
{
    return !doc->tree && y->typed_fast && td_fast_id_at(y->fast, id, line, col, width);
}
