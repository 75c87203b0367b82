/* The static program's reader of UTF-8 input for libyaml: yaml_parser_update_buffer, which
 * libyaml's scanner calls whenever it needs characters, done as libyaml's reader.c does it, with
 * the same results, but 16 bytes at a time where they are plain ASCII. Linked into the static
 * PIE only, with -Wl,--wrap=yaml_parser_update_buffer (Makefile): the linker sends the scanner's
 * calls (scanner.o of libyaml.a) to __wrap_yaml_parser_update_buffer below, which reaches
 * libyaml's own as __real_yaml_parser_update_buffer. As with the allocator (alloc.c), libyaml's
 * code is not touched, only the address its calls are bound to; the dynamic twin, the library
 * and sanitizer builds keep libyaml's reader alone (docs/performance.md, lever 27).
 *
 * Why: libyaml decodes its input one character at a time, checking each and writing it again
 * into its buffer (about 32 instructions a byte, 16 % of `eval` on the district), though for
 * UTF-8 input the bytes it writes are the bytes it read: every character it accepts is encoded
 * in the shortest form, which it writes back the same. Here a run of 16 bytes that are all
 * printable ASCII, tab, LF or CR is checked with SSE2 and copied at once; any other byte is
 * decoded and checked as libyaml does, character by character, with libyaml's messages,
 * offsets and values on the first character it refuses. The raw buffer is filled as libyaml
 * fills it (the same sizes asked of the read handler, at the same calls), so that a refused
 * byte is found at the same call, with the same characters before it in the buffer.
 *
 * Input of another encoding, or whose encoding is not yet known (libyaml finds it from the
 * first bytes), is left to libyaml's reader. */
#include <stddef.h>
#include <string.h>
#include <yaml.h>

#ifdef __SSE2__
#include <emmintrin.h>
#endif

int __real_yaml_parser_update_buffer(yaml_parser_t *parser, size_t length);
int __wrap_yaml_parser_update_buffer(yaml_parser_t *parser, size_t length);

/* yaml_private.h's MAX_FILE_SIZE */
#define MAX_FILE_SIZE (~(size_t)0 / 2)

static int reader_error(yaml_parser_t *parser, const char *problem, size_t offset, int value)
{
    parser->error = YAML_READER_ERROR;
    parser->problem = problem;
    parser->problem_offset = offset;
    parser->problem_value = value;
    return 0;
}

/* reader.c's yaml_parser_update_raw_buffer (static there). */
static int update_raw_buffer(yaml_parser_t *parser)
{
    size_t size_read = 0;
    if (parser->raw_buffer.start == parser->raw_buffer.pointer &&
        parser->raw_buffer.last == parser->raw_buffer.end)
        return 1;
    if (parser->eof)
        return 1;
    if (parser->raw_buffer.start < parser->raw_buffer.pointer &&
        parser->raw_buffer.pointer < parser->raw_buffer.last)
        memmove(parser->raw_buffer.start, parser->raw_buffer.pointer,
                (size_t)(parser->raw_buffer.last - parser->raw_buffer.pointer));
    parser->raw_buffer.last -= parser->raw_buffer.pointer - parser->raw_buffer.start;
    parser->raw_buffer.pointer = parser->raw_buffer.start;
    if (!parser->read_handler(parser->read_handler_data, parser->raw_buffer.last,
                              (size_t)(parser->raw_buffer.end - parser->raw_buffer.last),
                              &size_read))
        return reader_error(parser, "input error", parser->offset, -1);
    parser->raw_buffer.last += size_read;
    if (!size_read)
        parser->eof = 1;
    return 1;
}

#ifdef __SSE2__
/* A bit for each of the 16 bytes at p that is printable ASCII, tab, LF or CR: the characters
 * of one byte that YAML allows. */
static inline unsigned plain16(const unsigned char *p)
{
    __m128i v = _mm_loadu_si128((const __m128i *)(const void *)p);
    /* signed: the bytes from 0x80 up are negative, so neither range takes them */
    __m128i ok = _mm_and_si128(_mm_cmpgt_epi8(v, _mm_set1_epi8(0x1F)),
                               _mm_cmplt_epi8(v, _mm_set1_epi8(0x7F)));
    ok = _mm_or_si128(ok, _mm_cmpeq_epi8(v, _mm_set1_epi8('\n')));
    ok = _mm_or_si128(ok, _mm_cmpeq_epi8(v, _mm_set1_epi8('\t')));
    ok = _mm_or_si128(ok, _mm_cmpeq_epi8(v, _mm_set1_epi8('\r')));
    return (unsigned)_mm_movemask_epi8(ok);
}
#endif

/* Decodes the raw buffer into the buffer, as the loop of reader.c's yaml_parser_update_buffer
 * does for UTF-8: 1, or 0 with the reader's error set (the pointers left at the character
 * refused). Stops before an incomplete character at the raw buffer's end (not at the end of
 * the input). */
static int decode(yaml_parser_t *parser)
{
    const unsigned char *r = parser->raw_buffer.pointer, *end = parser->raw_buffer.last;
    unsigned char *out = parser->buffer.last;
    size_t unread = parser->unread, offset = parser->offset;
    int ok = 1;
    while (r != end) {
#ifdef __SSE2__
        while (end - r >= 16) {
            unsigned m = plain16(r);
            if (m != 0xFFFF) {
                /* the plain bytes before the first other one, then that one alone */
                unsigned k = (unsigned)__builtin_ctz(~m);
                memcpy(out, r, 16); /* (the buffer has room: see below) */
                out += k;
                r += k;
                unread += k;
                offset += k;
                break;
            }
            memcpy(out, r, 16);
            out += 16;
            r += 16;
            unread += 16;
            offset += 16;
        }
        if (r == end)
            break;
#endif
        unsigned char octet = r[0];
        size_t raw_unread = (size_t)(end - r);
        unsigned width = (octet & 0x80) == 0x00   ? 1
                         : (octet & 0xE0) == 0xC0 ? 2
                         : (octet & 0xF0) == 0xE0 ? 3
                         : (octet & 0xF8) == 0xF0 ? 4
                                                  : 0;
        if (!width) {
            ok = reader_error(parser, "invalid leading UTF-8 octet", offset, octet);
            break;
        }
        if (width > raw_unread) {
            if (parser->eof)
                ok = reader_error(parser, "incomplete UTF-8 octet sequence", offset, -1);
            break;
        }
        unsigned value = (octet & 0x80) == 0x00   ? octet & 0x7Fu
                         : (octet & 0xE0) == 0xC0 ? octet & 0x1Fu
                         : (octet & 0xF0) == 0xE0 ? octet & 0x0Fu
                                                  : octet & 0x07u;
        unsigned k;
        for (k = 1; k < width; k++) {
            octet = r[k];
            if ((octet & 0xC0) != 0x80)
                break;
            value = (value << 6) + (octet & 0x3Fu);
        }
        if (k < width) {
            ok = reader_error(parser, "invalid trailing UTF-8 octet", offset + k, octet);
            break;
        }
        if (!(width == 1 || (width == 2 && value >= 0x80) || (width == 3 && value >= 0x800) ||
              (width == 4 && value >= 0x10000))) {
            ok = reader_error(parser, "invalid length of a UTF-8 sequence", offset, -1);
            break;
        }
        if ((value >= 0xD800 && value <= 0xDFFF) || value > 0x10FFFF) {
            ok = reader_error(parser, "invalid Unicode character", offset, (int)value);
            break;
        }
        if (!(value == 0x09 || value == 0x0A || value == 0x0D || (value >= 0x20 && value <= 0x7E) ||
              value == 0x85 || (value >= 0xA0 && value <= 0xD7FF) ||
              (value >= 0xE000 && value <= 0xFFFD) || (value >= 0x10000 && value <= 0x10FFFF))) {
            ok = reader_error(parser, "control characters are not allowed", offset, (int)value);
            break;
        }
        /* a character accepted is in its shortest form: written back, it is the same bytes */
        for (k = 0; k < width; k++)
            out[k] = r[k];
        out += width;
        r += width;
        offset += width;
        unread++;
    }
    parser->raw_buffer.pointer = (unsigned char *)(size_t)r;
    parser->buffer.last = out;
    parser->unread = unread;
    parser->offset = offset;
    return ok;
}

/* reader.c's yaml_parser_update_buffer, for UTF-8 input. The buffer (3 times the raw buffer)
 * holds the unread characters, moved to its start, and what the raw buffer decodes into, never
 * more bytes than it holds: the copy of 16 bytes where fewer are taken stays within it. */
int __wrap_yaml_parser_update_buffer(yaml_parser_t *parser, size_t length)
{
    if (parser->encoding != YAML_UTF8_ENCODING)
        return __real_yaml_parser_update_buffer(parser, length);
    if (parser->eof && parser->raw_buffer.pointer == parser->raw_buffer.last)
        return 1;
    if (parser->unread >= length)
        return 1;
    if (parser->buffer.start < parser->buffer.pointer &&
        parser->buffer.pointer < parser->buffer.last) {
        size_t size = (size_t)(parser->buffer.last - parser->buffer.pointer);
        memmove(parser->buffer.start, parser->buffer.pointer, size);
        parser->buffer.pointer = parser->buffer.start;
        parser->buffer.last = parser->buffer.start + size;
    } else if (parser->buffer.pointer == parser->buffer.last) {
        parser->buffer.pointer = parser->buffer.start;
        parser->buffer.last = parser->buffer.start;
    }
    int first = 1;
    while (parser->unread < length) {
        if (!first || parser->raw_buffer.pointer == parser->raw_buffer.last) {
            if (!update_raw_buffer(parser))
                return 0;
        }
        first = 0;
        if (!decode(parser))
            return 0;
        if (parser->eof) {
            *(parser->buffer.last++) = '\0';
            parser->unread++;
            return 1;
        }
    }
    if (parser->offset >= MAX_FILE_SIZE)
        return reader_error(parser, "input is too long", parser->offset, -1);
    return 1;
}
