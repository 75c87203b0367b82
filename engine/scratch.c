/* A scratch stream in memory while small, in a temporary file beyond (scratch.h). */
#include "scratch.h"

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
