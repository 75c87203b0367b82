/* A scratch stream written once and read back once, in order: the units a batch holds until
 * its settle (engine/eval/xref.c). Kept in memory while small, in an unnamed temporary file
 * once it outgrows TD_SCRATCH_MEM: a batch of a few units (a request to `thidua serve`, one
 * file to validate) opens no file, and a district's batch keeps its memory flat. */
#ifndef TD_SCRATCH_H
#define TD_SCRATCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#define TD_SCRATCH_MEM ((size_t)256 << 10)
/* The file's stdio buffer (bytes): the stream is written and read back in calls of this size
 * rather than of a page each, a quarter of the memory the stream held before its file. */
#define TD_SCRATCH_BUF ((size_t)64 << 10)

typedef struct td_scratch {
    unsigned char *mem;     /* owned: the bytes while they fit in memory */
    size_t n, cap;          /* bytes written to mem, its size */
    size_t at;              /* bytes read back from mem */
    FILE *f;                /* owned: the file, once the bytes outgrew memory */
    char *fbuf;             /* owned: f's buffer of TD_SCRATCH_BUF bytes (NULL: stdio's own) */
    size_t limit;           /* bytes kept in memory before a file; 0: TD_SCRATCH_MEM */
} td_scratch;

/* Appends n bytes. False on a failure to write (or out of memory). */
bool td_scratch_write(td_scratch *s, const void *p, size_t n);

/* Starts reading back from the first byte written. False on a failure. */
bool td_scratch_rewind(td_scratch *s);

/* Reads the next n bytes into p. False when fewer than n are left, or on a failure. */
bool td_scratch_read(td_scratch *s, void *p, size_t n);

/* Empties it for the next use (the file, if any, is kept, emptied). False on a failure. */
bool td_scratch_clear(td_scratch *s);

/* Gives back what it holds (it may be used again, empty, with the same limit). */
void td_scratch_free(td_scratch *s);

/* A reader of a scratch stream of its own, from any byte: several may read one stream at
 * once, each on its own thread, once it is written and td_scratch_rewind was called (nothing
 * is written while they read). A file is read with pread, ahead into a buffer of its own. */
typedef struct td_scratch_cursor {
    const td_scratch *s;    /* borrowed */
    unsigned char *buf;     /* owned: bytes of the file from `start` on, read ahead */
    size_t n;               /* bytes in buf */
    unsigned long long start; /* the file's byte at buf[0] */
    unsigned long long at;  /* the next byte to read */
} td_scratch_cursor;

/* Sets c to read s from byte `at` on (c zeroed before its first use; a buffer it holds is
 * kept, and what it holds of s already is read again from memory). */
void td_scratch_seek(td_scratch_cursor *c, const td_scratch *s, unsigned long long at);

/* Reads the next n bytes into p. False when fewer than n are left, or on a failure (out of
 * memory included). */
bool td_scratch_cursor_read(td_scratch_cursor *c, void *p, size_t n);

/* Gives back the cursor's buffer. */
void td_scratch_cursor_free(td_scratch_cursor *c);

#endif
