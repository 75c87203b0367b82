/* An output file named by -o, written whole or not at all and only ever over a regular
 * file: the commands write to `f`, then commit or abort. CLI layer, after the report. */
#ifndef TD_CLI_OUTFILE_H
#define TD_CLI_OUTFILE_H

#include <stdbool.h>
#include <stdio.h>
#include <sys/stat.h>

/* The stdio buffer (bytes) of a report's stream, stdout included when it is not a terminal. */
#define CLI_OUT_BLOCK (64 << 10)

typedef struct cli_outfile {
    const char *cmd;        /* borrowed: the command, for messages */
    const char *path;       /* borrowed: the target */
    char *tmp;              /* owned: the temporary file beside the target */
    FILE *f;                /* the temporary file, open for writing */
    char *buf;              /* owned: f's buffer (NULL: stdio's own) */
    bool exists;            /* the target existed when opened ... */
    struct stat target;     /* ... and was this file */
    bool in_place;          /* commit copies into the target rather than renaming over it */
} cli_outfile;

/* Refuses a target that exists and is not a regular file (a device, a pipe, a symbolic
 * link, a folder), then opens a temporary file beside it, with the mode and owner of the
 * target when it exists. Returns -1 on success; otherwise tells why on stderr and returns
 * the exit status 2 (nothing is left behind). */
int cli_out_open(cli_outfile *o, const char *cmd, const char *path);

/* True when `path` names the target (the same device and inode): a file the run reads
 * must never be written over. */
bool cli_out_is(const cli_outfile *o, const char *path);

/* Puts the written text in place of the target: renamed over it, or, when renaming would
 * break its hard links or change its owner, copied into it once the whole text is written
 * and the space for it reserved. The target is untouched when this fails. Returns -1 on
 * success; otherwise tells why on stderr and returns the exit status 2. */
int cli_out_commit(cli_outfile *o);

/* Removes the temporary file; the target is untouched. Safe to call after commit. */
void cli_out_abort(cli_outfile *o);

#endif
