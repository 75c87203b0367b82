/* A scratch stream in memory while small, in a temporary file beyond (scratch.h). */
#include "scratch.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Moves the bytes held in memory to a new temporary file. */
static bool to_file(td_scratch *s)
{
    if (!(s->f = tmpfile()))
        return false;
    if ((s->fbuf = malloc(TD_SCRATCH_BUF)) && setvbuf(s->f, s->fbuf, _IOFBF, TD_SCRATCH_BUF) != 0) {
        free(s->fbuf);
        s->fbuf = NULL;
    }
    if (s->n && fwrite(s->mem, 1, s->n, s->f) != s->n)
        return false;
    free(s->mem);
    s->mem = NULL;
    s->n = s->cap = s->at = 0;
    return true;
}

bool td_scratch_write(td_scratch *s, const void *p, size_t n)
{
    size_t limit = s->limit ? s->limit : TD_SCRATCH_MEM;
    if (!s->f && n > limit - s->n && !to_file(s))
        return false;
    if (s->f)
        return fwrite(p, 1, n, s->f) == n;
    if (s->n + n > s->cap) {
        size_t cap = s->cap ? s->cap : 4096;
        while (cap < s->n + n)
            cap *= 2;
        unsigned char *g = realloc(s->mem, cap);
        if (!g)
            return false;
        s->mem = g;
        s->cap = cap;
    }
    memcpy(s->mem + s->n, p, n);
    s->n += n;
    return true;
}

bool td_scratch_rewind(td_scratch *s)
{
    s->at = 0;
    return !s->f || (fflush(s->f) == 0 && fseek(s->f, 0, SEEK_SET) == 0);
}

bool td_scratch_read(td_scratch *s, void *p, size_t n)
{
    if (s->f)
        return fread(p, 1, n, s->f) == n;
    if (n > s->n - s->at)
        return false;
    memcpy(p, s->mem + s->at, n);
    s->at += n;
    return true;
}

bool td_scratch_clear(td_scratch *s)
{
    free(s->mem);
    s->mem = NULL;
    s->n = s->cap = s->at = 0;
    return !s->f || (fflush(s->f) == 0 && fseek(s->f, 0, SEEK_SET) == 0 &&
                     ftruncate(fileno(s->f), 0) == 0);
}

void td_scratch_free(td_scratch *s)
{
    free(s->mem);
    if (s->f)
        fclose(s->f);
    free(s->fbuf);
    size_t limit = s->limit;
    memset(s, 0, sizeof *s);
    s->limit = limit;
}

/* Bytes a cursor reads ahead from a file. */
#define CURSOR_AHEAD ((size_t)64 << 10)

void td_scratch_seek(td_scratch_cursor *c, const td_scratch *s, unsigned long long at)
{
    if (c->s != s)
        c->n = 0;
    c->s = s;
    c->at = at;
}

/* Reads up to n bytes of the file at byte `at` into p: how many (0 at the end), or -1. */
static ssize_t read_at(const td_scratch *s, void *p, size_t n, unsigned long long at)
{
    for (;;) {
        ssize_t k = pread(fileno(s->f), p, n, (off_t)at);
        if (k >= 0 || errno != EINTR)
            return k;
    }
}

bool td_scratch_cursor_read(td_scratch_cursor *c, void *p, size_t n)
{
    const td_scratch *s = c->s;
    if (!s->f) {
        if (c->at > s->n || n > s->n - c->at)
            return false;
        memcpy(p, s->mem + c->at, n);
        c->at += n;
        return true;
    }
    unsigned char *to = p;
    while (n) {
        if (c->at >= c->start && c->at < c->start + c->n) {
            size_t k = (size_t)(c->start + c->n - c->at);
            if (k > n)
                k = n;
            memcpy(to, c->buf + (c->at - c->start), k);
            to += k;
            n -= k;
            c->at += k;
            continue;
        }
        if (n >= CURSOR_AHEAD) {
            /* a large read goes straight to p */
            ssize_t k = read_at(s, to, n, c->at);
            if (k <= 0)
                return false;
            to += k;
            n -= (size_t)k;
            c->at += (unsigned long long)k;
            continue;
        }
        if (!c->buf && !(c->buf = malloc(CURSOR_AHEAD)))
            return false;
        c->n = 0;
        c->start = c->at;
        ssize_t k = read_at(s, c->buf, CURSOR_AHEAD, c->at);
        if (k <= 0)
            return false;
        c->n = (size_t)k;
    }
    return true;
}

void td_scratch_cursor_free(td_scratch_cursor *c)
{
    free(c->buf);
    memset(c, 0, sizeof *c);
}
