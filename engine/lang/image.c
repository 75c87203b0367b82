/* The built-in rules compiled at build time: the program moved whole into one arena chunk
 * for tools/gen-image.c, and the image it wrote handed out at run time.
 * Pipeline: rule text --(build time) td_program image--> eval; see image.h. */
#include "image.h"

#include "resolve.h"

#include <stdlib.h>
#include <string.h>

const td_program *td_image_program(void)
{
    const td_image *im = &td_builtin_image;
    if (!im->words || im->program + sizeof(td_program) > im->n_words * sizeof *im->words)
        return NULL;
    return (const td_program *)(const void *)((const char *)im->words + im->program);
}

/* A copy of `size` bytes of `src` in the arena (with the text when `flat`: it holds no
 * pointer); NULL for none (or out of memory, which the arena remembers). */
static void *keep(td_arena *a, const void *src, size_t size, bool flat)
{
    if (!src || !size)
        return NULL;
    void *m = flat ? td_arena_alloc_flat(a, size) : td_arena_alloc_raw(a, size);
    if (m)
        memcpy(m, src, size);
    return m;
}

size_t td_image_offset(const td_image_build *b, size_t off)
{
    if (off <= b->used)
        return off;
    if (off >= b->size - b->top && off <= b->size)
        return b->used + (off - (b->size - b->top));
    return SIZE_MAX;
}

td_status td_image_compile(td_lang lang, td_diag *d, td_image_build *out)
{
    memset(out, 0, sizeof *out);
    td_diag_set_lang(d, lang);
    td_program *p = NULL;
    td_status st = td_compile_builtin_zeroed(d, &p);
    if (st == TD_OK && d->n > 0)
        st = TD_EINPUT;
    if (st != TD_OK) {
        td_program_free(p);
        return st;
    }
    /* what the program owns outside its arena (the sources, the overlays' changes and
     * disables, the program itself) is copied into it */
    td_arena *a = &p->arena;
    td_source **srcs = td_arena_alloc(a, (p->n_sources + 1) * sizeof *srcs);
    for (uint32_t i = 0; srcs && i < p->n_sources; i++) {
        const td_source *s = p->sources[i];
        td_source *c = keep(a, s, sizeof *s, false);
        if (!c)
            break;
        c->name = td_arena_strdup(a, s->name);
        c->text = keep(a, s->text, s->len + 1, true);
        c->lines = keep(a, s->lines, s->nlines * sizeof *s->lines, true);
        srcs[i] = c;
    }
    td_program *img = keep(a, p, sizeof *p, false);
    if (img) {
        memset(&img->arena, 0, sizeof img->arena);
        img->sources = srcs;
        img->changes = keep(a, p->changes, p->n_changes * sizeof *p->changes, false);
        img->disabled = keep(a, p->disabled, p->n_disabled * sizeof *p->disabled, false);
        img->image = true;
    }
    if (a->failed) {
        st = TD_ENOMEM;
    } else if (!(out->base = td_arena_single(a, &out->used, &out->top))) {
        st = TD_EBUG; /* outgrew its chunk: raise TD_IMAGE_CHUNK */
    } else {
        out->size = TD_IMAGE_CHUNK;
        out->program = img;
    }
    /* the chunk goes to out; the rest of p is freed */
    out->arena = p->arena;
    memset(&p->arena, 0, sizeof p->arena);
    td_program_free(p);
    return st;
}

void td_image_build_free(td_image_build *b)
{
    td_arena_free(&b->arena);
    memset(b, 0, sizeof *b);
}
