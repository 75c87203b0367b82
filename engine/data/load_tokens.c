/* Loading unit data: libyaml's events made from its tokens for the forms unit data uses, each
 * production following libyaml's parser.c step for step (the same tokens peeked in the same
 * order, the same marks). Pipeline: file -> tokens -> events -> load_yaml.c. */
#include "load_tokens.h"

#include <stdlib.h>
#include <string.h>

/* The parser's states, as libyaml names them, for the forms read here. */
enum {
    TS_STREAM_START,
    TS_IMPLICIT_DOCUMENT_START,
    TS_DOCUMENT_START,
    TS_DOCUMENT_CONTENT,
    TS_DOCUMENT_END,
    TS_BLOCK_NODE,
    TS_BLOCK_SEQUENCE_FIRST_ENTRY,
    TS_BLOCK_SEQUENCE_ENTRY,
    TS_INDENTLESS_SEQUENCE_ENTRY,
    TS_BLOCK_MAPPING_FIRST_KEY,
    TS_BLOCK_MAPPING_KEY,
    TS_BLOCK_MAPPING_VALUE,
    TS_FLOW_SEQUENCE_FIRST_ENTRY,
    TS_FLOW_SEQUENCE_ENTRY,
    TS_FLOW_MAPPING_FIRST_KEY,
    TS_FLOW_MAPPING_KEY,
    TS_FLOW_MAPPING_VALUE,
    TS_END
};

void td_ytok_reset(td_ytok *t)
{
    t->state = TS_STREAM_START;
    t->depth = 0;
}

void td_ytok_free(td_ytok *t)
{
    td_ytok_reset(t);
    free(t->stack);
    t->stack = NULL;
    t->cap = 0;
}

/* libyaml's scanner: exported by the library (libyaml.a and libyaml.so alike) and declared in
 * its private header, yaml_private.h, for its parser. */
int yaml_parser_fetch_more_tokens(yaml_parser_t *parser);

/* The token in hand, at the head of the parser's queue, scanned when there is none; NULL when
 * the scanner failed. libyaml's parser.c reads its tokens so (PEEK_TOKEN); yaml_parser_scan,
 * the public way, clears each token and copies it out of the queue (58 M instructions of a
 * district of 2,000 units, 1.5 M tokens). The token stays in the queue: a pointer to it is
 * valid until the next peek. */
static inline yaml_token_t *peek(yaml_parser_t *p)
{
    if (!p->token_available &&
        (p->stream_end_produced || p->error || !yaml_parser_fetch_more_tokens(p)))
        return NULL;    /* (as yaml_parser_scan: no token after the stream's end or an error) */
    return p->tokens.head;
}

/* Done with the token in hand (libyaml's SKIP_TOKEN): the tokens skipped hold no memory, or
 * gave it to the event; the queue never frees a token behind its head. */
static inline void skip(yaml_parser_t *p)
{
    p->token_available = 0;
    p->tokens_parsed++;
    p->stream_end_produced = p->tokens.head->type == YAML_STREAM_END_TOKEN;
    p->tokens.head++;
}

static bool push(td_ytok *t, uint8_t state)
{
    if (t->depth == t->cap) {
        size_t n = t->cap ? t->cap * 2 : 64;
        uint8_t *s = realloc(t->stack, n);
        if (!s)
            return false;
        t->stack = s;
        t->cap = n;
    }
    t->stack[t->depth++] = state;
    return true;
}

static inline void pop(td_ytok *t)
{
    t->state = t->stack[--t->depth];
}

/* The event's type and marks; no anchor, no tag (the same two first fields of a scalar's,
 * a sequence's and a mapping's data). */
static inline void marks(yaml_event_t *ev, yaml_event_type_t type, yaml_mark_t start,
                         yaml_mark_t end)
{
    ev->type = type;
    ev->data.scalar.anchor = NULL;
    ev->data.scalar.tag = NULL;
    ev->start_mark = start;
    ev->end_mark = end;
}

/* The end event of a collection at the token that closes it. */
static bool closes(td_ytok *t, yaml_parser_t *p, const yaml_token_t *tok, yaml_event_t *ev,
                   yaml_event_type_t type)
{
    pop(t);
    marks(ev, type, tok->start_mark, tok->end_mark);
    skip(p);
    return true;
}

/* An empty value (process_empty_scalar): its text is allocated as libyaml's parser does, so
 * that every scalar's is freed the same way. */
static bool empty_scalar(yaml_event_t *ev, yaml_mark_t mark)
{
    yaml_char_t *value = malloc(1);
    if (!value)
        return false;
    value[0] = '\0';
    marks(ev, YAML_SCALAR_EVENT, mark, mark);
    ev->data.scalar.value = value;
    ev->data.scalar.length = 0;
    ev->data.scalar.plain_implicit = 1;
    ev->data.scalar.quoted_implicit = 0;
    ev->data.scalar.style = YAML_PLAIN_SCALAR_STYLE;
    return true;
}

/* The start event of a collection (implicit, in `style`), at the token; the state it opens. */
static bool opens(td_ytok *t, const yaml_token_t *tok, yaml_event_t *ev, uint8_t state,
                  bool mapping, int style)
{
    t->state = state;
    if (mapping) {
        marks(ev, YAML_MAPPING_START_EVENT, tok->start_mark, tok->end_mark);
        ev->data.mapping_start.implicit = 1;
        ev->data.mapping_start.style = (yaml_mapping_style_t)style;
    } else {
        marks(ev, YAML_SEQUENCE_START_EVENT, tok->start_mark, tok->end_mark);
        ev->data.sequence_start.implicit = 1;
        ev->data.sequence_start.style = (yaml_sequence_style_t)style;
    }
    return true;
}

/* A collection's start (parse_node), or (after a key) a sequence without indentation: the
 * token in hand stays for the collection's first state; `next` is pushed for its end. */
static bool collection(td_ytok *t, const yaml_token_t *tok, yaml_event_t *ev, bool block,
                       bool indentless, uint8_t next)
{
    if (!push(t, next))
        return false;
    switch (tok->type) {
    case YAML_BLOCK_ENTRY_TOKEN:
        return indentless && opens(t, tok, ev, TS_INDENTLESS_SEQUENCE_ENTRY, false,
                                   YAML_BLOCK_SEQUENCE_STYLE);
    case YAML_FLOW_SEQUENCE_START_TOKEN:
        return opens(t, tok, ev, TS_FLOW_SEQUENCE_FIRST_ENTRY, false, YAML_FLOW_SEQUENCE_STYLE);
    case YAML_FLOW_MAPPING_START_TOKEN:
        return opens(t, tok, ev, TS_FLOW_MAPPING_FIRST_KEY, true, YAML_FLOW_MAPPING_STYLE);
    case YAML_BLOCK_SEQUENCE_START_TOKEN:
        return block && opens(t, tok, ev, TS_BLOCK_SEQUENCE_FIRST_ENTRY, false,
                              YAML_BLOCK_SEQUENCE_STYLE);
    case YAML_BLOCK_MAPPING_START_TOKEN:
        return block && opens(t, tok, ev, TS_BLOCK_MAPPING_FIRST_KEY, true,
                              YAML_BLOCK_MAPPING_STYLE);
    default:
        return false;   /* an alias, an anchor, a tag, or what libyaml reports */
    }
}

/* A node (parse_node) without properties: a scalar, or a collection; the state after it is
 * `next` (a collection pushes it, a scalar goes there at once, where libyaml pushes and pops
 * it). */
static inline bool node(td_ytok *t, yaml_parser_t *p, yaml_event_t *ev, bool block,
                        bool indentless, uint8_t next)
{
    yaml_token_t *tok = peek(p);
    if (!tok)
        return false;
    if (tok->type != YAML_SCALAR_TOKEN)
        return collection(t, tok, ev, block, indentless, next);
    t->state = next;
    marks(ev, YAML_SCALAR_EVENT, tok->start_mark, tok->end_mark);
    ev->data.scalar.value = tok->data.scalar.value;
    ev->data.scalar.length = tok->data.scalar.length;
    ev->data.scalar.style = tok->data.scalar.style;
    ev->data.scalar.plain_implicit = tok->data.scalar.style == YAML_PLAIN_SCALAR_STYLE;
    ev->data.scalar.quoted_implicit = tok->data.scalar.style != YAML_PLAIN_SCALAR_STYLE;
    skip(p);
    return true;
}

/* A key: a scalar only (a collection or nothing as a key is read by libyaml's parser). */
static inline bool key(td_ytok *t, yaml_parser_t *p, yaml_event_t *ev, uint8_t next, bool block)
{
    yaml_token_t *tok = peek(p);
    return tok && tok->type == YAML_SCALAR_TOKEN && node(t, p, ev, block, block, next);
}

static __attribute__((noinline)) bool document_start(td_ytok *t, yaml_parser_t *p, yaml_event_t *ev,
                                                     bool implicit)
{
    yaml_token_t *tok = peek(p);
    if (!tok)
        return false;
    memset(ev, 0, sizeof *ev);
    switch (tok->type) {
    case YAML_DOCUMENT_START_TOKEN:
        t->state = TS_DOCUMENT_CONTENT;
        marks(ev, YAML_DOCUMENT_START_EVENT, tok->start_mark, tok->end_mark);
        skip(p);
        return true;
    case YAML_STREAM_END_TOKEN:
        t->state = TS_END;
        marks(ev, YAML_STREAM_END_EVENT, tok->start_mark, tok->end_mark);
        skip(p);
        return true;
    case YAML_VERSION_DIRECTIVE_TOKEN:
    case YAML_TAG_DIRECTIVE_TOKEN:
    case YAML_DOCUMENT_END_TOKEN:
        return false;
    default:
        if (!implicit)
            return false;
        t->state = TS_BLOCK_NODE;
        marks(ev, YAML_DOCUMENT_START_EVENT, tok->start_mark, tok->start_mark);
        ev->data.document_start.implicit = 1;
        return true;
    }
}

/* A block sequence's entry at its '-' (`tok`): the node after it, or an empty value when the
 * next token ends the entry ('-', the block's end; a key or a value too after a key, where
 * the sequence has no indentation). The state after it is the same sequence's next entry. */
static bool block_entry(td_ytok *t, yaml_parser_t *p, yaml_event_t *ev, yaml_token_t *tok,
                        bool indentless)
{
    uint8_t state = indentless ? TS_INDENTLESS_SEQUENCE_ENTRY : TS_BLOCK_SEQUENCE_ENTRY;
    yaml_mark_t mark = tok->end_mark;
    skip(p);
    if (!(tok = peek(p)))
        return false;
    bool ends = tok->type == YAML_BLOCK_ENTRY_TOKEN || tok->type == YAML_BLOCK_END_TOKEN ||
                (indentless && (tok->type == YAML_KEY_TOKEN || tok->type == YAML_VALUE_TOKEN));
    if (!ends)
        return node(t, p, ev, true, false, state);
    t->state = state;
    return empty_scalar(ev, mark);
}

static __attribute__((noinline)) bool block_sequence_entry(td_ytok *t, yaml_parser_t *p,
                                                           yaml_event_t *ev, bool first)
{
    if (first)
        skip(p);  /* BLOCK-SEQUENCE-START */
    yaml_token_t *tok = peek(p);
    if (!tok)
        return false;
    if (tok->type == YAML_BLOCK_ENTRY_TOKEN)
        return block_entry(t, p, ev, tok, false);
    if (tok->type != YAML_BLOCK_END_TOKEN)
        return false;
    return closes(t, p, tok, ev, YAML_SEQUENCE_END_EVENT);
}

static __attribute__((noinline)) bool indentless_sequence_entry(td_ytok *t, yaml_parser_t *p,
                                                                yaml_event_t *ev)
{
    yaml_token_t *tok = peek(p);
    if (!tok)
        return false;
    if (tok->type == YAML_BLOCK_ENTRY_TOKEN)
        return block_entry(t, p, ev, tok, true);
    pop(t);
    marks(ev, YAML_SEQUENCE_END_EVENT, tok->start_mark, tok->start_mark);
    return true;
}

static __attribute__((noinline)) bool block_mapping_key(td_ytok *t, yaml_parser_t *p,
                                                        yaml_event_t *ev, bool first)
{
    if (first)
        skip(p);  /* BLOCK-MAPPING-START */
    yaml_token_t *tok = peek(p);
    if (!tok)
        return false;
    if (tok->type == YAML_KEY_TOKEN) {
        skip(p);
        return key(t, p, ev, TS_BLOCK_MAPPING_VALUE, true);
    }
    if (tok->type != YAML_BLOCK_END_TOKEN)
        return false;
    return closes(t, p, tok, ev, YAML_MAPPING_END_EVENT);
}

static __attribute__((noinline)) bool block_mapping_value(td_ytok *t, yaml_parser_t *p,
                                                          yaml_event_t *ev)
{
    yaml_token_t *tok = peek(p);
    if (!tok || tok->type != YAML_VALUE_TOKEN)
        return false;   /* a key without ':' is not written by a simple key */
    yaml_mark_t mark = tok->end_mark;
    skip(p);
    if (!(tok = peek(p)))
        return false;
    if (tok->type != YAML_KEY_TOKEN && tok->type != YAML_VALUE_TOKEN &&
        tok->type != YAML_BLOCK_END_TOKEN)
        return node(t, p, ev, true, true, TS_BLOCK_MAPPING_KEY);
    t->state = TS_BLOCK_MAPPING_KEY;
    return empty_scalar(ev, mark);
}

/* The token that starts a flow collection's next entry (parse_flow_sequence_entry and
 * parse_flow_mapping_key alike): after the opener when `first`, else after the ',' that must
 * come unless the collection ends; NULL where libyaml would report an error. */
static yaml_token_t *flow_next(yaml_parser_t *p, bool first, yaml_token_type_t end)
{
    if (first)
        skip(p);  /* '[' or '{' */
    yaml_token_t *tok = peek(p);
    if (!tok || first || tok->type == end)
        return tok;
    if (tok->type != YAML_FLOW_ENTRY_TOKEN)
        return NULL;
    skip(p);
    return peek(p);
}

static __attribute__((noinline)) bool flow_sequence_entry(td_ytok *t, yaml_parser_t *p,
                                                          yaml_event_t *ev, bool first)
{
    yaml_token_t *tok = flow_next(p, first, YAML_FLOW_SEQUENCE_END_TOKEN);
    if (!tok || tok->type == YAML_KEY_TOKEN)
        return false;   /* a pair in a list: `[a: b]` */
    if (tok->type != YAML_FLOW_SEQUENCE_END_TOKEN)
        return node(t, p, ev, false, false, TS_FLOW_SEQUENCE_ENTRY);
    return closes(t, p, tok, ev, YAML_SEQUENCE_END_EVENT);
}

static __attribute__((noinline)) bool flow_mapping_key(td_ytok *t, yaml_parser_t *p,
                                                       yaml_event_t *ev, bool first)
{
    yaml_token_t *tok = flow_next(p, first, YAML_FLOW_MAPPING_END_TOKEN);
    if (!tok)
        return false;
    if (tok->type == YAML_KEY_TOKEN) {
        skip(p);
        return key(t, p, ev, TS_FLOW_MAPPING_VALUE, false);
    }
    if (tok->type != YAML_FLOW_MAPPING_END_TOKEN)
        return false;   /* a key alone: `{a}` */
    return closes(t, p, tok, ev, YAML_MAPPING_END_EVENT);
}

static __attribute__((noinline)) bool flow_mapping_value(td_ytok *t, yaml_parser_t *p,
                                                         yaml_event_t *ev)
{
    yaml_token_t *tok = peek(p);
    if (!tok)
        return false;
    if (tok->type == YAML_VALUE_TOKEN) {
        skip(p);
        if (!(tok = peek(p)))
            return false;
        if (tok->type != YAML_FLOW_ENTRY_TOKEN && tok->type != YAML_FLOW_MAPPING_END_TOKEN)
            return node(t, p, ev, false, false, TS_FLOW_MAPPING_KEY);
    }
    t->state = TS_FLOW_MAPPING_KEY;
    return empty_scalar(ev, tok->start_mark);
}

static __attribute__((noinline)) bool stream_start(td_ytok *t, yaml_parser_t *p, yaml_event_t *ev)
{
    yaml_token_t *tok = peek(p);
    if (!tok || tok->type != YAML_STREAM_START_TOKEN)
        return false;
    t->state = TS_IMPLICIT_DOCUMENT_START;
    memset(ev, 0, sizeof *ev);
    marks(ev, YAML_STREAM_START_EVENT, tok->start_mark, tok->start_mark);
    ev->data.stream_start.encoding = tok->data.stream_start.encoding;
    skip(p);
    return true;
}

static __attribute__((noinline)) bool document_content(td_ytok *t, yaml_parser_t *p,
                                                       yaml_event_t *ev)
{
    yaml_token_t *tok = peek(p);
    if (!tok)
        return false;
    switch (tok->type) {
    case YAML_VERSION_DIRECTIVE_TOKEN:
    case YAML_TAG_DIRECTIVE_TOKEN:
    case YAML_DOCUMENT_START_TOKEN:
    case YAML_DOCUMENT_END_TOKEN:
    case YAML_STREAM_END_TOKEN:
        return false;   /* an empty document */
    default:
        return node(t, p, ev, true, false, TS_DOCUMENT_END);
    }
}

static __attribute__((noinline)) bool document_end(td_ytok *t, yaml_parser_t *p, yaml_event_t *ev)
{
    yaml_token_t *tok = peek(p);
    if (!tok || (tok->type != YAML_DOCUMENT_START_TOKEN && tok->type != YAML_STREAM_END_TOKEN))
        return false;   /* `...`, or what libyaml reports */
    t->state = TS_DOCUMENT_START;
    memset(ev, 0, sizeof *ev);
    marks(ev, YAML_DOCUMENT_END_EVENT, tok->start_mark, tok->start_mark);
    ev->data.document_end.implicit = 1;
    return true;
}

static __attribute__((noinline)) bool block_node(td_ytok *t, yaml_parser_t *p, yaml_event_t *ev)
{
    return node(t, p, ev, true, false, TS_DOCUMENT_END);
}

/* Each state's production is a function of its own and this a switch of tail calls, which
 * saves no registers: with productions inlined here, every event paid for saving the six that
 * the largest of them needs, the tail-called ones (a mapping's key, 400,000 a d2k run) twice. */
bool td_ytok_next(td_ytok *t, yaml_parser_t *p, yaml_event_t *ev)
{
    switch (t->state) {
    case TS_STREAM_START: return stream_start(t, p, ev);
    case TS_IMPLICIT_DOCUMENT_START: return document_start(t, p, ev, true);
    case TS_DOCUMENT_START: return document_start(t, p, ev, false);
    case TS_DOCUMENT_CONTENT: return document_content(t, p, ev);
    case TS_DOCUMENT_END: return document_end(t, p, ev);
    case TS_BLOCK_NODE: return block_node(t, p, ev);
    case TS_BLOCK_SEQUENCE_FIRST_ENTRY: return block_sequence_entry(t, p, ev, true);
    case TS_BLOCK_SEQUENCE_ENTRY: return block_sequence_entry(t, p, ev, false);
    case TS_INDENTLESS_SEQUENCE_ENTRY: return indentless_sequence_entry(t, p, ev);
    case TS_BLOCK_MAPPING_FIRST_KEY: return block_mapping_key(t, p, ev, true);
    case TS_BLOCK_MAPPING_KEY: return block_mapping_key(t, p, ev, false);
    case TS_BLOCK_MAPPING_VALUE: return block_mapping_value(t, p, ev);
    case TS_FLOW_SEQUENCE_FIRST_ENTRY: return flow_sequence_entry(t, p, ev, true);
    case TS_FLOW_SEQUENCE_ENTRY: return flow_sequence_entry(t, p, ev, false);
    case TS_FLOW_MAPPING_FIRST_KEY: return flow_mapping_key(t, p, ev, true);
    case TS_FLOW_MAPPING_KEY: return flow_mapping_key(t, p, ev, false);
    case TS_FLOW_MAPPING_VALUE: return flow_mapping_value(t, p, ev);
    default: return false;  /* after the stream's end */
    }
}
