/* Loading unit data: libyaml events into a generic YAML tree (load_yaml.c), then that tree
 * typed against the schema (load_type.c); here, what both halves share.
 * Pipeline: file -> load -> eval. */
#include "load_int.h"

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

void td_load_add_fmt(td_strbuf *b, const char *fmt, ...)
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
td_diagnostic *td_load_vfinding(td_diag *d, const td_source *src, td_severity sev, td_code id,
                                uint32_t line, uint32_t col, uint32_t width, const char *path,
                                const char *fmt, va_list ap)
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
    td_diag_set(d, &e->rule, "%s", td_code_name(id));
    if (path && *path)
        td_diag_set(d, &e->path, "%s", path);
    return e;
}

/* Quotes a value for a message: 'text', cut at 40 characters, control characters escaped. */
const char *td_load_quote(const char *s, size_t len, char *buf, size_t size)
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

/* True while a stage may still report (and counts the finding); the first time it may not,
 * records the note. */
bool td_load_may_report(uint32_t *count, td_diag *d, const td_source *src, td_severity sev,
                        uint32_t line, uint32_t col, uint32_t doc)
{
    if (*count < MAX_FINDINGS) {
        ++*count;
        return true;
    }
    if (*count == MAX_FINDINGS) {
        ++*count;
        td_diagnostic *e = td_diag_at_lc(d, sev, TD_CODE_DATA_LIMIT, src, line, col, 1,
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

uint32_t td_item_dash_col(const td_source *src, uint32_t line, uint32_t col)
{
    if (!src || line == 0 || line > src->nlines || col < 3)
        return col;
    const char *t = src->text;
    size_t start = src->lines[line - 1], p = start, end = src->len;
    for (uint32_t ch = 1; ch < col && p < end && t[p] != '\n'; ch++) {
        p++;
        while (p < end && ((unsigned char)t[p] & 0xC0) == 0x80)
            p++;
    }
    size_t q = p;
    while (q > start && (t[q - 1] == ' ' || t[q - 1] == '\t'))
        q--;
    if (q < p && q > start && t[q - 1] == '-' &&
        (q - 1 == start || t[q - 2] == ' ' || t[q - 2] == '\t'))
        return col - (uint32_t)(p - (q - 1));  /* only blanks between: bytes = characters */
    return col;
}
