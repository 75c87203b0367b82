/* The built-in rules compiled at build time: tools/gen-image.c compiles the shipped rules into
 * one zeroed arena chunk and writes it out as C data (build/builtin_image.c), its pointers
 * relocated by the linker; td_program_builtin hands that program out when no -D is given.
 * Pipeline: rule text --(build time) td_program image--> eval. */
#ifndef TD_IMAGE_H
#define TD_IMAGE_H

#include "program.h"

/* The program arena as it was at build time. Every word is one 8-byte word of the arena:
 * either its bytes, written as an integer constant, or a pointer into the arena, written as
 * an address in `words`, which the linker (or the dynamic loader) fixes up. */
typedef struct td_image {
    const void *const *words;   /* NULL: no image was built; the rules are compiled */
    size_t n_words;
    size_t program;             /* byte offset of the td_program in words */
} td_image;

/* Generated from the shipped rule files by tools/gen-image.c (build/builtin_image.c). */
extern const td_image td_builtin_image;

/* The program of the built-in image, or NULL when there is none. Read-only memory: its
 * `image` flag makes td_program_free leave it alone. */
const td_program *td_image_program(void);

/* A program compiled with everything it owns inside one chunk of its arena: its structures
 * from the chunk's start, its text from the chunk's end (td_arena_alloc_flat). The image is
 * the two parts one after the other: [base, base + used) then [base + size - top, base +
 * size); a part's pointers name places in either. */
typedef struct td_image_build {
    td_arena arena;             /* owned: the chunk (td_image_build_free) */
    const char *base;           /* the start of the chunk's memory */
    size_t size;                /* bytes of the chunk: TD_IMAGE_CHUNK */
    size_t used, top;           /* bytes used from its start and from its end; multiples of 16 */
    const td_program *program;  /* in the first part */
} td_image_build;

/* The offset in the image of byte `off` of the chunk, or SIZE_MAX when the chunk's byte is
 * in neither part. The end of a part maps to the start of the next (a pointer just past an
 * array). */
size_t td_image_offset(const td_image_build *b, size_t off);

/* Compiles the built-in rules for an image, with diagnostics in `lang` (the program must
 * not depend on it: tools/gen-image.c compiles in two languages and compares). Caller owns
 * out (td_image_build_free, also after a failure). TD_EINPUT when the rules have
 * diagnostics (d holds them); TD_EBUG when the program outgrew TD_IMAGE_CHUNK. */
td_status td_image_compile(td_lang lang, td_diag *d, td_image_build *out);
void td_image_build_free(td_image_build *b);

/* The size of the one chunk an image is compiled into (bytes): far beyond the shipped
 * rules' program (about 220 KB). */
#define TD_IMAGE_CHUNK (8u * 1024 * 1024)

#endif
