/* The `{…}` holes of a rule string, read from its source between the quotes, where `\{` is
 * still told from `{`. One reader serves a label (`{param}`) and a message (`{expr}`):
 * label.c and resolve_expr.c say what a hole means. */
#ifndef TD_BRACES_H
#define TD_BRACES_H

#include <stddef.h>

typedef enum {
    TD_BRACES_END,      /* the string ended: buf holds its last text */
    TD_BRACES_HOLE,     /* a hole: buf holds the text before it */
    TD_BRACES_UNCLOSED, /* a '{' with no '}' before the next '{' or the end */
} td_braces_step;

typedef struct {
    const char *raw; /* the bytes between the quotes, escapes as written */
    size_t n;
    size_t pos;      /* the next byte to read */
    char *buf;       /* n + 1 bytes of the caller's */
    size_t len;      /* bytes of text in buf, escapes undone, NUL after them */
} td_braces;

/* Starts reading raw[0, n) with a text buffer of n + 1 bytes. */
void td_braces_init(td_braces *b, const char *raw, size_t n, char *buf);

/* Reads the text up to the next hole into b->buf (from its start). For a hole or an unclosed
 * brace, *open is the offset of its '{' in raw; for a hole, *close that of its '}' (the
 * hole's text is raw[*open + 1, *close)), and the next step reads after it. */
td_braces_step td_braces_next(td_braces *b, size_t *open, size_t *close);

#endif
