/* Walking a folder tree for input files: each folder once, symbolic links followed, every
 * entry that cannot be read told to the caller. Used by the batch (unit files) and by the
 * rule tests (*.test.yaml) to turn a folder named on the command line into a file list. */
#ifndef TD_WALK_H
#define TD_WALK_H

#include <stdbool.h>

#include "thidua.h"

/* Folders deeper than this below the folder walked are not opened (TD_WALK_TOO_DEEP). */
#define TD_WALK_MAX_DEPTH 256

typedef enum td_walk_kind {
    TD_WALK_FILE,      /* a regular file, or a symbolic link to one */
    TD_WALK_SPECIAL,   /* a pipe, a device or a socket (or a link to one): never opened */
    TD_WALK_BROKEN,    /* an entry that cannot be examined (a link to nothing: ENOENT) */
    TD_WALK_DIR_ERROR, /* a folder that cannot be opened or listed to the end */
    TD_WALK_TOO_DEEP   /* a folder deeper than TD_WALK_MAX_DEPTH, not opened */
} td_walk_kind;

/* Receives one entry: its path (borrowed until the call returns), its name (the last
 * part of the path) and, for TD_WALK_BROKEN and TD_WALK_DIR_ERROR, the errno that says
 * why. Returns false to stop the walk (out of memory). */
typedef bool (*td_walk_fn)(void *arg, td_walk_kind kind, const char *path, const char *name,
                           int err);

/* Walks the folder `dir` and every folder below it, calling `fn` for each entry that is
 * not a folder, depth first with each folder's entries in byte-wise order of their names
 * (so that which path reaches a folder linked twice is always the same). Entries whose name
 * starts with '.' are skipped. Symbolic links to folders are followed, and a folder met
 * again (a link back to an ancestor, two links to one folder) is skipped: its entries are
 * already told, so nothing is left out and the walk ends on any tree. `dir` itself failing
 * to open is told as TD_WALK_DIR_ERROR. TD_OK, or TD_ENOMEM (also when `fn` stopped). */
td_status td_walk(const char *dir, td_walk_fn fn, void *arg);

#endif
