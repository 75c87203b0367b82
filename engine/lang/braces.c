/* The `{…}` holes of a rule string and its escapes: see braces.h. */
#include "braces.h"

void td_braces_init(td_braces *b, const char *raw, size_t n, char *buf)
{
    b->raw = raw;
    b->n = n;
    b->pos = 0;
    b->buf = buf;
    b->len = 0;
    buf[0] = '\0';
}

td_braces_step td_braces_next(td_braces *b, size_t *open, size_t *close)
{
    const char *raw = b->raw;
    size_t i = b->pos, n = b->n;
    b->len = 0;
    for (; i < n; i++) {
        char ch = raw[i];
        if (ch == '\\' && i + 1 < n) {
            char esc = raw[++i];
            b->buf[b->len++] = esc == 'n' ? '\n' : esc == 't' ? '\t' : esc;
            continue;
        }
        if (ch == '{')
            break;
        b->buf[b->len++] = ch;
    }
    b->buf[b->len] = '\0';
    if (i >= n) {
        b->pos = n;
        return TD_BRACES_END;
    }
    size_t j = i + 1;
    while (j < n && raw[j] != '}' && raw[j] != '{')
        j++;
    *open = i;
    if (j >= n || raw[j] == '{') {
        b->pos = n;
        return TD_BRACES_UNCLOSED;
    }
    *close = j;
    b->pos = j + 1;
    return TD_BRACES_HOLE;
}
