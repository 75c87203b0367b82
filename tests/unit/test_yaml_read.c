/* Unit tests of the static program's reader of UTF-8 input for libyaml (engine/cli/yaml_read.c),
 * linked here as in the program (-Wl,--wrap=yaml_parser_update_buffer): beside libyaml's own
 * reader (__real_yaml_parser_update_buffer), on the same input read in the same steps, it must
 * leave the parser in the same state after every call (the characters in the buffer, their
 * count, the raw buffer, the offset, the end of the input, and the error with its message,
 * offset and value), and a whole parse through it must give libyaml's events. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

int __real_yaml_parser_update_buffer(yaml_parser_t *parser, size_t length);
int __wrap_yaml_parser_update_buffer(yaml_parser_t *parser, size_t length);

/* A small deterministic generator (xorshift), so that a failure can be replayed. */
static uint64_t rnd_state;
static uint32_t rnd(uint32_t n)
{
    rnd_state ^= rnd_state << 13;
    rnd_state ^= rnd_state >> 7;
    rnd_state ^= rnd_state << 17;
    return (uint32_t)(rnd_state % n);
}

/* A read handler that gives at most `piece` bytes a call (0: as much as asked). */
typedef struct source {
    const unsigned char *p;
    size_t left, piece;
} source;

static int read_piece(void *data, unsigned char *buf, size_t size, size_t *got)
{
    source *s = data;
    size_t n = s->left < size ? s->left : size;
    if (s->piece && n > s->piece)
        n = s->piece;
    memcpy(buf, s->p, n);
    s->p += n;
    s->left -= n;
    *got = n;
    return 1;
}

static void assert_same_state(const yaml_parser_t *a, const yaml_parser_t *b)
{
    assert_int_equal(a->error, b->error);
    if (a->error) {
        assert_string_equal(a->problem, b->problem);
        assert_int_equal(a->problem_offset, b->problem_offset);
        assert_int_equal(a->problem_value, b->problem_value);
    }
    assert_int_equal(a->unread, b->unread);
    assert_int_equal(a->offset, b->offset);
    assert_int_equal(a->eof, b->eof);
    assert_int_equal(a->buffer.pointer - a->buffer.start, b->buffer.pointer - b->buffer.start);
    assert_int_equal(a->buffer.last - a->buffer.start, b->buffer.last - b->buffer.start);
    assert_memory_equal(a->buffer.pointer, b->buffer.pointer,
                        (size_t)(b->buffer.last - b->buffer.pointer));
    assert_int_equal(a->raw_buffer.pointer - a->raw_buffer.start,
                     b->raw_buffer.pointer - b->raw_buffer.start);
    assert_int_equal(a->raw_buffer.last - a->raw_buffer.start,
                     b->raw_buffer.last - b->raw_buffer.start);
}

/* Skips n characters of the buffer, as the scanner does. */
static void consume(yaml_parser_t *p, size_t n)
{
    while (n-- && p->unread) {
        unsigned char c = *p->buffer.pointer;
        p->buffer.pointer += (c & 0x80) == 0 ? 1 : (c & 0xE0) == 0xC0 ? 2 : (c & 0xF0) == 0xE0 ? 3 : 4;
        p->unread--;
    }
}

/* Reads `text` with both readers side by side, asking for 1 to 4 characters at a time and
 * skipping some between the calls; `piece` as read_piece's, or SIZE_MAX for a string input. */
static void compare(const unsigned char *text, size_t len, size_t piece, bool encoding)
{
    yaml_parser_t a, b;
    source sa = { text, len, piece }, sb = { text, len, piece };
    assert_true(yaml_parser_initialize(&a));
    assert_true(yaml_parser_initialize(&b));
    if (encoding) {
        yaml_parser_set_encoding(&a, YAML_UTF8_ENCODING);
        yaml_parser_set_encoding(&b, YAML_UTF8_ENCODING);
    }
    if (piece == SIZE_MAX) {
        yaml_parser_set_input_string(&a, text, len);
        yaml_parser_set_input_string(&b, text, len);
    } else {
        yaml_parser_set_input(&a, read_piece, &sa);
        yaml_parser_set_input(&b, read_piece, &sb);
    }
    for (int step = 0; step < 1000000; step++) {
        size_t want = 1 + rnd(4);
        int ra = __wrap_yaml_parser_update_buffer(&a, want);
        int rb = __real_yaml_parser_update_buffer(&b, want);
        assert_int_equal(ra, rb);
        assert_same_state(&a, &b);
        bool end = b.eof && b.raw_buffer.pointer == b.raw_buffer.last;
        if (!rb || (end && b.unread <= 1))
            break;  /* an error, or all read but the NUL put at the end */
        size_t n = rnd(3) == 0 ? b.unread : rnd((uint32_t)b.unread + 1);
        if (end && n >= b.unread)
            n = b.unread - 1;
        consume(&a, n);
        consume(&b, n);
    }
    yaml_parser_delete(&a);
    yaml_parser_delete(&b);
}

/* The pieces of text the inputs are made of: plain ASCII (0-7), the characters of one byte
 * YAML refuses (8-11), well-formed characters of 2, 3 and 4 bytes that it allows (12-20), and
 * the others (21-): refused (C1 controls, U+FFFE) or malformed (bad leading and trailing bytes,
 * overlong forms, surrogates, beyond U+10FFFF, sequences cut short). */
static const char *const parts[] = {
    "a", "key: value\n", "  - item\n", "\t", "\r\n", "\r", "0123456789abcdefghijklmnop", " ",
    "\x01", "\x7f", "\x00", "\x1b",
    "\xc3\xa9", "\xe1\xbb\xa7", "\xe1\xbb\x87", "\xc2\x85", "\xc2\xa0", "\xe2\x80\xa8",
    "\xf0\x9f\x98\x80", "\xef\xbb\xbf", "\xef\xbf\xbd",
    "\xc2\x80", "\xef\xbf\xbe", "\x80", "\xbf", "\xff", "\xf8\x88\x80\x80\x80", "\xc3",
    "\xe1\xbb", "\xc3\x28", "\xc0\xaf", "\xe0\x80\xaf", "\xf0\x80\x80\xaf", "\xed\xa0\x80",
    "\xf4\x90\x80\x80", "\xf0\x9f\x98",
};
enum { FIRST_REFUSED = 8, FIRST_MULTI = 12, FIRST_BAD = 21 };

static size_t part_len(size_t i)
{
    return parts[i][0] == 0 ? 1 : strlen(parts[i]);  /* "\x00" */
}

/* A text of about n bytes: plain ASCII mostly, with other parts at a given rate (per 1000). */
static size_t make_text(unsigned char *buf, size_t n, uint32_t rate, bool only_valid)
{
    size_t len = 0, nparts = sizeof parts / sizeof *parts;
    while (len < n) {
        size_t i = rnd(1000) < rate ? FIRST_REFUSED + rnd((uint32_t)(nparts - FIRST_REFUSED))
                                    : rnd(FIRST_REFUSED);
        if (only_valid && (i < FIRST_MULTI ? i >= FIRST_REFUSED : i >= FIRST_BAD))
            continue;
        size_t l = part_len(i);
        if (len + l > n + 8)
            break;
        memcpy(buf + len, parts[i], l);
        len += l;
    }
    return len;
}

static void test_yaml_read_same_state_valid(void **state)
{
    (void)state;
    static unsigned char buf[70000];
    static const size_t pieces[] = { SIZE_MAX, 0, 1, 3, 16, 17, 4095, 16383 };
    rnd_state = 0x9E3779B97F4A7C15ULL;
    for (int round = 0; round < 60; round++) {
        size_t n = round < 20 ? 1 + rnd(100) : round < 40 ? 1 + rnd(5000) : 16000 + rnd(50000);
        size_t len = make_text(buf, n, rnd(4) * 100, true);
        for (size_t k = 0; k < sizeof pieces / sizeof *pieces; k++)
            compare(buf, len, pieces[k], true);
    }
}

/* One refused or malformed part among valid text, at every distance from the buffers'
 * boundaries near 16 KiB, and at random places. */
static void test_yaml_read_same_error(void **state)
{
    (void)state;
    static unsigned char buf[40000];
    size_t nparts = sizeof parts / sizeof *parts;
    rnd_state = 0x2545F4914F6CDD1DULL;
    for (size_t i = FIRST_REFUSED; i < nparts; i++) {
        for (size_t at = 16370; at < 16400; at++) {
            size_t len = make_text(buf, 20000, 150, true);
            size_t l = part_len(i);
            memcpy(buf + at, parts[i], l);
            compare(buf, len, SIZE_MAX, true);
            compare(buf, len, 1000, true);
        }
        for (int round = 0; round < 20; round++) {
            size_t len = make_text(buf, 1 + rnd(30000), 200, true);
            size_t at = rnd((uint32_t)len);
            size_t l = part_len(i);
            if (at + l > len)
                len = at + l;
            memcpy(buf + at, parts[i], l);
            compare(buf, len, rnd(2) ? SIZE_MAX : 1 + rnd(20000), true);
        }
        /* at the very end: a sequence cut short by the end of the input */
        size_t len = make_text(buf, 1 + rnd(20000), 100, true);
        memcpy(buf + len, parts[i], part_len(i));
        compare(buf, len + part_len(i), SIZE_MAX, true);
    }
    for (int round = 0; round < 300; round++) {
        size_t len = make_text(buf, 1 + rnd(39000), rnd(600), false);
        compare(buf, len, rnd(2) ? SIZE_MAX : rnd(3000), true);
    }
}

/* Without the encoding set, libyaml's reader finds it (a byte order mark, or UTF-8): the
 * reads after the first are this reader's, and must go on as libyaml's. */
static void test_yaml_read_encoding_found(void **state)
{
    (void)state;
    static unsigned char buf[30000];
    rnd_state = 0x1234567ULL;
    for (int round = 0; round < 40; round++) {
        size_t len = 3 + make_text(buf + 3, rnd(25000), rnd(400), round % 2 == 0);
        if (round % 4 < 2)
            memcpy(buf, "\xef\xbb\xbf", 3);
        else
            memcpy(buf, "a: ", 3);
        compare(buf, len, round % 3 ? SIZE_MAX : 1 + rnd(5000), false);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_yaml_read_same_state_valid),
        cmocka_unit_test(test_yaml_read_same_error),
        cmocka_unit_test(test_yaml_read_encoding_found),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
