/* Unit tests of engine/data/load_tokens.c: the events made from libyaml's tokens are libyaml's
 * parser's events, marks included, as far as the token reader goes; and a unit file read through
 * it (td_yaml_next_typed) gives the findings the generic tree gives. Pipeline: file -> load. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "load.h"
#include "load_tokens.h"

/* ---- events: td_ytok beside yaml_parser_parse ---- */

static void assert_same_mark(const yaml_mark_t *a, const yaml_mark_t *b)
{
    assert_int_equal(a->index, b->index);
    assert_int_equal(a->line, b->line);
    assert_int_equal(a->column, b->column);
}

static void assert_same_event(const yaml_event_t *t, const yaml_event_t *e)
{
    assert_int_equal(t->type, e->type);
    assert_same_mark(&t->start_mark, &e->start_mark);
    assert_same_mark(&t->end_mark, &e->end_mark);
    switch (e->type) {
    case YAML_SCALAR_EVENT:
        assert_int_equal(t->data.scalar.length, e->data.scalar.length);
        assert_memory_equal(t->data.scalar.value, e->data.scalar.value, e->data.scalar.length);
        assert_int_equal(t->data.scalar.style, e->data.scalar.style);
        assert_int_equal(t->data.scalar.plain_implicit, e->data.scalar.plain_implicit);
        assert_int_equal(t->data.scalar.quoted_implicit, e->data.scalar.quoted_implicit);
        assert_null(e->data.scalar.tag);
        assert_null(e->data.scalar.anchor);
        break;
    case YAML_SEQUENCE_START_EVENT:
        assert_int_equal(t->data.sequence_start.style, e->data.sequence_start.style);
        assert_int_equal(t->data.sequence_start.implicit, e->data.sequence_start.implicit);
        break;
    case YAML_MAPPING_START_EVENT:
        assert_int_equal(t->data.mapping_start.style, e->data.mapping_start.style);
        assert_int_equal(t->data.mapping_start.implicit, e->data.mapping_start.implicit);
        break;
    case YAML_DOCUMENT_START_EVENT:
        assert_int_equal(t->data.document_start.implicit, e->data.document_start.implicit);
        break;
    case YAML_DOCUMENT_END_EVENT:
        assert_int_equal(t->data.document_end.implicit, e->data.document_end.implicit);
        break;
    default:
        break;
    }
}

/* Reads `text` by tokens and by libyaml's parser side by side: every event the token reader
 * gives must be the parser's. Returns the number of events it gave; *to_end: it read the whole
 * stream. */
static size_t compare(const char *text, bool *to_end)
{
    yaml_parser_t tp, ep;
    assert_true(yaml_parser_initialize(&tp));
    assert_true(yaml_parser_initialize(&ep));
    yaml_parser_set_encoding(&tp, YAML_UTF8_ENCODING);
    yaml_parser_set_encoding(&ep, YAML_UTF8_ENCODING);
    yaml_parser_set_input_string(&tp, (const unsigned char *)text, strlen(text));
    yaml_parser_set_input_string(&ep, (const unsigned char *)text, strlen(text));
    td_ytok t;
    memset(&t, 0, sizeof t);
    td_ytok_reset(&t);
    size_t n = 0;
    *to_end = false;
    for (;;) {
        yaml_event_t te, ee;
        if (!td_ytok_next(&t, &tp, &te))
            break;
        assert_true(yaml_parser_parse(&ep, &ee));
        assert_same_event(&te, &ee);
        n++;
        bool end = te.type == YAML_STREAM_END_EVENT;
        td_ytok_done(&te);
        yaml_event_delete(&ee);
        if (end) {
            *to_end = true;
            break;
        }
    }
    td_ytok_free(&t);
    yaml_parser_delete(&tp);
    yaml_parser_delete(&ep);
    return n;
}

static void assert_read_whole(const char *text)
{
    bool to_end;
    size_t n = compare(text, &to_end);
    if (!to_end)
        fail_msg("the token reader stopped after %zu events of:\n%s", n, text);
}

/* The token reader gives `events` events of `text` (each the parser's), then stops. */
static void assert_stops_after(const char *text, size_t events)
{
    bool to_end;
    size_t n = compare(text, &to_end);
    if (to_end || n != events)
        fail_msg("%zu events (%s), not %zu, of:\n%s", n, to_end ? "to the end" : "then stopped",
                 events, text);
}

static void test_tokens_block_forms(void **state)
{
    (void)state;
    assert_read_whole("a: 1\nb: x y\nc:\n  d: 2\n  e:\n    - f\n    - g: 3\n      h: 4\n");
    assert_read_whole("list:\n- a\n- b\nnext: c\n");     /* a sequence without indentation */
    assert_read_whole("list:\n-\n- \nx:\n");             /* empty items and an empty value */
    assert_read_whole("a:\n  - - x\n    - y\n  -\n    k: v\n");
    assert_read_whole("- a\n- b: c\n  d: e\n-\n");        /* a list at the root */
    assert_read_whole("plain\n");                          /* a scalar at the root */
    assert_read_whole("a: b\n  c d\n\n  e\n");             /* a plain scalar on several lines */
    assert_read_whole("a: 'x ''y'''\nb: \"z\\n\\u00e9\"\n"
                      "c: |\n  lit\n  eral\nd: >-\n  fol\n  ded\n");
    assert_read_whole("# comment\n\nname: Hội Nông dân xã Tân Thạch # trailing\n");
    assert_read_whole("a: 1\r\nb:\r\n  - x\r\n");
    assert_read_whole("k: v\nlast:");                       /* no final line break */
    assert_read_whole("? a\n: 1\n");                     /* the tokens of `a: 1` */
}

static void test_tokens_flow_forms(void **state)
{
    (void)state;
    assert_read_whole("a: [x, 'y z', \"w\"]\nb: []\nc: {}\nd: [chan_1, mui_3]\n");
    assert_read_whole("e: {unit: CT-H, exemplar: CT-H-01, since: 2024-08-01}\n");
    assert_read_whole("f: [[a, b], {k: v}, []]\ng: {k: [1, 2], l: {m: n}}\n");
    assert_read_whole("h: [a, b, ]\ni: {k: v, }\nj: {k: , l: }\n");
    assert_read_whole("l: [a,\n  b,\n  c]\n");
}

static void test_tokens_documents(void **state)
{
    (void)state;
    assert_read_whole("");
    assert_read_whole("# only a comment\n");
    assert_read_whole("a: 1\n---\nb: 2\n--- \nc: 3\n");
    assert_read_whole("---\na: 1\n---\n- b\n");
    assert_read_whole("--- x\n--- [y]\n");
    assert_read_whole("\xEF\xBB\xBF" "a: 1\n");             /* a byte order mark */
}

static void test_tokens_stop_where_the_parser_takes_over(void **state)
{
    (void)state;
    /* STREAM-START, DOCUMENT-START, MAPPING-START, key a: then the anchor */
    assert_stops_after("a: &x 1\nb: *x\n", 4);
    assert_stops_after("a: !!str 1\n", 4);                 /* a tag */
    assert_stops_after("a: 1\nb: *x\n", 6);                /* an alias */
    assert_stops_after("%YAML 1.1\n---\na: 1\n", 1);        /* a directive */
    assert_stops_after("a: 1\n...\nb: 2\n", 6);            /* `...` after the mapping's end */
    assert_stops_after("? a\nb: 1\n", 4);                  /* a key without a value */
    assert_stops_after("[a, b]: 1\n", 3);                   /* a collection as a key */
    assert_stops_after("a: 1\n---\n---\nb: 2\n", 8);        /* an empty document */
    assert_stops_after("a: [x: y]\n", 5);                   /* a pair in a flow list */
    assert_stops_after("a: {x}\n", 5);                      /* a key alone in a flow mapping */
    assert_stops_after("a:\n\tb: 1\n", 4);                  /* a tab: a scanner error */
    assert_stops_after("a: 1\n b: 2\n", 5);                 /* what the parser reports */
    assert_stops_after("a: [x, y\n", 7);                    /* an unclosed flow list */
    assert_stops_after("a: 1\n- b\n", 5);
}

/* ---- the load: typed by tokens, the findings of the generic tree ---- */

static const char *level_codes[] = { "huyen", "xa", "ap" };
static const td_enum level_enum = { "level", level_codes, NULL, 3 };
static const td_type t_text = { TD_T_TEXT, NULL, NULL, NULL };
static const td_type t_int = { TD_T_INT, NULL, NULL, NULL };
static const td_type t_date = { TD_T_DATE, NULL, NULL, NULL };
static const td_type t_level = { TD_T_ENUM, &level_enum, NULL, NULL };
static const td_type t_texts = { TD_T_LIST, NULL, NULL, &t_text };
static td_field doc_fields[] = {
    { "id", NULL, &t_text, true, 0 },     { "count", NULL, &t_int, false, 1 },
    { "issued", NULL, &t_date, false, 2 }, { "level", NULL, &t_level, false, 3 },
    { "tags", NULL, &t_texts, false, 4 },
};
static const td_record doc_rec = { .name = "unit_doc", .fields = doc_fields, .n_fields = 5 };
static const td_type t_doc = { TD_T_RECORD, NULL, &doc_rec, NULL };

/* One reading of a text: every document's findings (rule, line, column, document) and its
 * line, as one text to compare. */
static char *reading(const char *text, size_t len, bool typed, uint32_t start, uint32_t stop)
{
    td_source *src = td_source_new("unit.yaml", text, len);
    assert_non_null(src);
    td_limits lim;
    td_limits_default(&lim);
    td_yaml *y = NULL;
    assert_int_equal(td_yaml_open_part(src, &lim, start, stop, &y), TD_OK);
    td_fast *fast = NULL;
    size_t cap = 1 << 20, used = 0;
    char *out = calloc(1, cap);
    assert_non_null(out);
    for (int doc = 0; doc < 5000; doc++) {
        td_arena a;
        td_diag d;
        td_arena_init(&a, 0);
        td_diag_init(&d);
        uint32_t line = 0, doc_line = 0;
        bool more;
        if (typed) {
            td_ydoc yd;
            assert_int_equal(td_yaml_next_typed(y, &fast, &t_doc, &a, &d, &yd), TD_OK);
            more = yd.node || yd.tree;
            line = yd.line;
            doc_line = yd.doc_line;
        } else {
            td_ynode *root = NULL;
            td_node *n = NULL;
            assert_int_equal(td_yaml_next(y, &a, &d, &root, &doc_line), TD_OK);
            more = root != NULL;
            if (root) {
                assert_int_equal(td_type_document(&t_doc, root, src, &a, &d, &n), TD_OK);
                line = root->line;
            }
        }
        used += (size_t)snprintf(out + used, cap - used, "doc %d line %u at %u:", doc, line,
                                 doc_line);
        for (size_t i = 0; i < d.n; i++)
            used += (size_t)snprintf(out + used, cap - used, " [%s %u:%u d%u %s]",
                                     d.items[i].rule ? d.items[i].rule : "-", d.items[i].line,
                                     d.items[i].col, d.items[i].doc, d.items[i].message);
        used += (size_t)snprintf(out + used, cap - used, "\n");
        assert_true(used < cap);
        td_diag_free(&d);
        td_arena_free(&a);
        if (!more)
            break;
    }
    used += (size_t)snprintf(out + used, cap - used, "overran %d\n", td_yaml_overran(y));
    td_fast_free(fast);
    td_yaml_close(y);
    td_source_free(src);
    return out;
}

static void assert_typed_as_tree(const char *text, size_t len, uint32_t start, uint32_t stop)
{
    char *tree = reading(text, len, false, start, stop);
    char *typed = reading(text, len, true, start, stop);
    if (strcmp(tree, typed) != 0)
        fail_msg("read from the tree:\n%s\nread by tokens:\n%s", tree, typed);
    free(tree);
    free(typed);
}

static const char unit_ok[] = "id: A\ncount: 3\nissued: 2024-04-10\nlevel: xa\ntags: [a, b]\n";

/* A text of `n` documents; document i is `bad[i % nbad]` when i is in `at`, else unit_ok. */
static char *documents(int n, const char *const *at_text, const int *at, int nat, size_t *len)
{
    size_t cap = (size_t)n * 256 + 4096, used = 0;
    char *s = malloc(cap);
    assert_non_null(s);
    for (int i = 0; i < n; i++) {
        const char *doc = unit_ok;
        for (int k = 0; k < nat; k++)
            if (at[k] == i)
                doc = at_text[k];
        used += (size_t)snprintf(s + used, cap - used, "%s%s", i ? "---\n" : "", doc);
    }
    *len = used;
    return s;
}

static void test_tokens_load_as_the_tree(void **state)
{
    (void)state;
    static const char *const texts[] = {
        unit_ok,
        "id: B\ncount: x\n",                    /* a finding: read again by events */
        "id: C\ncount: &a 1\nlevel: *a\n",      /* an anchor and an alias */
        "id: D\ncount: !!int 1\n",              /* a tag */
        "id: E\nid: F\n",                       /* a duplicate key */
        "id: G\nissued: 2024-02-30\n",          /* an impossible date */
        "id: H\n\tcount: 1\n",                  /* a tab: a syntax error */
        "id: I\ncount: [1\n",                   /* an unclosed list */
        "id: J\nother: {k: v}\n",               /* an unknown field */
        "",                                     /* an empty document */
        "id: K\ntags: [\"a\\0b\"]\n",           /* a NUL escape */
        "- id: L\n",                            /* a list at the root */
        "id: M\ntags: [a\xC2\x85" "b]\n",       /* U+0085, a line break to libyaml */
        "id: N\rcount: 1\n",                    /* a CR alone */
        "id: O\ntags: [\xE2\x80\xA8]\n",         /* U+2028 */
        "id: P\r\ncount: 1\r\n",                /* CRLF */
        /* reported, then read again by events: reported once */
        "id: Q\ntags: [\"a\\0b\"]\ncount: &a 1\n",
        "id: R\nother: {a: 1, a: 2}\ncount: !!int 3\n",
    };
    size_t n = sizeof texts / sizeof *texts;
    for (size_t i = 0; i < n; i++) {
        for (size_t j = 0; j < n; j++) {
            char buf[1024];
            int len = snprintf(buf, sizeof buf, "%s---\n%s---\n%s", texts[i], texts[j], unit_ok);
            assert_typed_as_tree(buf, (size_t)len, 0, 0);
            len = snprintf(buf, sizeof buf, "---\n%s---\n%s...\n%s", texts[j], unit_ok, texts[i]);
            assert_typed_as_tree(buf, (size_t)len, 0, 0);
        }
    }
}

/* libyaml's reader refuses a byte a buffer of 16 KiB ahead of where its parser is: a document
 * read again by events is read from its own line only when nothing after it is refused. */
static void test_tokens_load_invalid_bytes_later(void **state)
{
    (void)state;
    static const char *const bad[] = { "id: X\ncount: y\n", "id: Y\nlevel: \xC3\x28\n",
                                       "id: Z\ncount: \x01\n", "id: W\ncount: &a 1\n" };
    /* a unit is 64 bytes: 256 of them to a buffer of the reader */
    for (int where = 0; where < 4; where++) {
        for (int gap = 1; gap < 700; gap += 53) {
            int at[3] = { 5, 5 + gap, 5 + gap + 3 };
            const char *texts[3] = { bad[where], bad[(where + 1) % 4], bad[(where + 2) % 4] };
            size_t len;
            char *s = documents(800, texts, at, 3, &len);
            assert_typed_as_tree(s, len, 0, 0);
            free(s);
        }
    }
}

/* A part of a file (td_yaml_open_part) read by tokens ends where a part read by events ends. */
static void test_tokens_load_parts(void **state)
{
    (void)state;
    static const char *const bad[] = { "id: X\ncount: y\n", "id: Y\nlevel: \xC3\x28\n" };
    int at[2] = { 40, 390 };
    size_t len;
    char *s = documents(800, bad, at, 2, &len);
    uint32_t dash[800], ndash = 0, line = 1;  /* the `---` lines, where a part may start */
    for (size_t i = 0; i < len; i++) {
        if (i == 0 || s[i - 1] == '\n') {
            if (!strncmp(s + i, "---\n", 4))
                dash[ndash++] = line;
        }
        line += s[i] == '\n';
    }
    assert_int_equal(ndash, 799);
    for (uint32_t k = 0; k < ndash; k += 61)
        for (uint32_t m = k + 1; m < ndash; m += 97)
            assert_typed_as_tree(s, len, k ? dash[k] : 0, dash[m]);
    free(s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_tokens_block_forms),
        cmocka_unit_test(test_tokens_flow_forms),
        cmocka_unit_test(test_tokens_documents),
        cmocka_unit_test(test_tokens_stop_where_the_parser_takes_over),
        cmocka_unit_test(test_tokens_load_as_the_tree),
        cmocka_unit_test(test_tokens_load_invalid_bytes_later),
        cmocka_unit_test(test_tokens_load_parts),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
