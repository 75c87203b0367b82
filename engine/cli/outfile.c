/* The -o output file: a temporary file beside the target, then renamed over it or copied
 * into it; never written over anything but a regular file. Used by the commands' -o. */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"
#include "outfile.h"

/* The temporary file, removed if the program is interrupted. */
static char *volatile pending_tmp;

static void on_signal(int sig)
{
    char *t = pending_tmp;
    if (t)
        unlink(t);
    signal(sig, SIG_DFL);
    raise(sig);
}

static void watch_signals(char *tmp)
{
    pending_tmp = tmp;
    void (*h)(int) = tmp ? on_signal : SIG_DFL;
    signal(SIGINT, h);
    signal(SIGTERM, h);
    signal(SIGHUP, h);
}

static const char *kind_of(mode_t m)
{
    return S_ISLNK(m)                  ? _("a symbolic link")
           : S_ISDIR(m)                ? _("a folder")
           : S_ISFIFO(m)               ? _("a pipe (FIFO)")
           : S_ISCHR(m) || S_ISBLK(m) ? _("a device")
           : S_ISSOCK(m)               ? _("a socket")
                                       : _("something other than a regular file");
}

static int fail(const cli_outfile *o, int err)
{
    errno = err;
    return cli_fail(o->cmd, TD_EIO, o->path);
}

/* The folder part of `path` ("." for a bare name); caller frees. */
static char *dir_of(const char *path)
{
    char *copy = strdup(path);
    if (!copy)
        return NULL;
    char *d = strdup(dirname(copy));
    free(copy);
    return d;
}

int cli_out_open(cli_outfile *o, const char *cmd, const char *path)
{
    memset(o, 0, sizeof *o);
    o->cmd = cmd;
    o->path = path;
    if (lstat(path, &o->target) == 0) {
        if (!S_ISREG(o->target.st_mode)) {
            /* TRANSLATORS: the third %s is what the path is: a folder, a device... */
            fprintf(stderr,
                    _("thidua %s: -o %s: this is %s; a report is only written to a regular file, "
                      "whole or not at all: name another file, or leave out -o to write on "
                      "standard output\n"),
                    cmd, path, kind_of(o->target.st_mode));
            return CLI_EXIT_FAIL;
        }
        o->exists = true;
    } else if (errno != ENOENT) {
        return fail(o, errno);
    }
    char *dir = dir_of(path);
    /* a short name, so that a target whose own name is near the limit still works */
    size_t size = dir ? strlen(dir) + 48 : 0;
    o->tmp = dir ? malloc(size) : NULL;
    if (!o->tmp) {
        free(dir);
        return cli_fail(cmd, TD_ENOMEM, path);
    }
    int fd = -1;
    for (unsigned n = 0; n < 100 && fd < 0; n++) {
        snprintf(o->tmp, size, "%s/.thidua-%ld-%u.tmp", dir, (long)getpid(), n);
        fd = open(o->tmp, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
        if (fd < 0 && errno != EEXIST)
            break;
    }
    free(dir);
    if (fd < 0) {
        int err = errno;
        free(o->tmp);
        o->tmp = NULL;
        return fail(o, err);
    }
    watch_signals(o->tmp);
    if (o->exists) {
        /* renaming a new file over the target would cut its hard links, or give it our
         * owner when we cannot give it its own: then it is copied into at the end */
        o->in_place = o->target.st_nlink > 1;
        if (!o->in_place &&
            (o->target.st_uid != geteuid() || o->target.st_gid != getegid()) &&
            fchown(fd, o->target.st_uid, o->target.st_gid) != 0)
            o->in_place = true;
        if (!o->in_place && fchmod(fd, o->target.st_mode & 07777) != 0)
            o->in_place = true;
    }
    o->f = fdopen(fd, "w+b");
    if (!o->f) {
        int err = errno;
        close(fd);
        cli_out_abort(o);
        return fail(o, err);
    }
    /* a report of a district is tens of megabytes: written in blocks of CLI_OUT_BLOCK rather
     * than of a page, each a system call */
    if ((o->buf = malloc(CLI_OUT_BLOCK)) && setvbuf(o->f, o->buf, _IOFBF, CLI_OUT_BLOCK) != 0) {
        free(o->buf);
        o->buf = NULL;
    }
    return -1;
}

bool cli_out_is(const cli_outfile *o, const char *path)
{
    struct stat st;
    return o->exists && stat(path, &st) == 0 && st.st_dev == o->target.st_dev &&
           st.st_ino == o->target.st_ino;
}

/* Closes the temporary file's stream, then frees its buffer. False when the last writes
 * failed. */
static bool close_stream(cli_outfile *o)
{
    bool ok = !o->f || fclose(o->f) == 0;
    o->f = NULL;
    free(o->buf);
    o->buf = NULL;
    return ok;
}

void cli_out_abort(cli_outfile *o)
{
    close_stream(o);
    if (o->tmp)
        unlink(o->tmp);
    watch_signals(NULL);
    free(o->tmp);
    o->tmp = NULL;
}

/* Whether the target is still what cli_out_open found (nothing, or the same file). */
static bool unchanged(const cli_outfile *o, const struct stat *now, bool exists)
{
    if (exists != o->exists)
        return false;
    return !exists || (S_ISREG(now->st_mode) && now->st_dev == o->target.st_dev &&
                       now->st_ino == o->target.st_ino);
}

static int changed(cli_outfile *o)
{
    fprintf(stderr,
            _("thidua %s: -o %s: the file was replaced or removed while the report was written; "
              "it is left as it is now: run again\n"),
            o->cmd, o->path);
    cli_out_abort(o);
    return CLI_EXIT_FAIL;
}

/* Copies the temporary file of `len` bytes into the target, after reserving the space,
 * with the interrupting signals held: errno set when it fails. */
static bool copy_into(cli_outfile *o, off_t len, bool *stale)
{
    int in = fileno(o->f);
    int fd = open(o->path, O_WRONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0)
        return false;
    struct stat now;
    if (fstat(fd, &now) != 0 || !unchanged(o, &now, true)) {
        *stale = true;
        close(fd);
        return false;
    }
    /* a full disk fails here, before the target is touched */
    if (len > 0 && fallocate(fd, FALLOC_FL_KEEP_SIZE, 0, len) != 0 && errno != EOPNOTSUPP &&
        errno != ENOSYS) {
        int err = errno;
        close(fd);
        errno = err;
        return false;
    }
    sigset_t hold, old;
    sigemptyset(&hold);
    sigaddset(&hold, SIGINT);
    sigaddset(&hold, SIGTERM);
    sigaddset(&hold, SIGHUP);
    sigprocmask(SIG_BLOCK, &hold, &old);
    bool ok = true;
    char buf[65536];
    for (off_t off = 0; ok && off < len;) {
        ssize_t got = pread(in, buf, sizeof buf, off);
        if (got <= 0) {
            if (got < 0 && errno == EINTR)
                continue;
            if (got == 0)
                errno = EIO;
            ok = false;
            break;
        }
        for (ssize_t put = 0; ok && put < got;) {
            ssize_t w = pwrite(fd, buf + put, (size_t)(got - put), off + put);
            if (w < 0 && errno == EINTR)
                continue;
            if (w <= 0)
                ok = false;
            else
                put += w;
        }
        off += got;
    }
    ok = ok && ftruncate(fd, len) == 0 && fsync(fd) == 0;
    int err = errno;
    ok = close(fd) == 0 && ok;
    sigprocmask(SIG_SETMASK, &old, NULL);
    if (!ok && err)
        errno = err;
    return ok;
}

int cli_out_commit(cli_outfile *o)
{
    bool ok = fflush(o->f) == 0 && !ferror(o->f) && fsync(fileno(o->f)) == 0;
    int err = errno;
    off_t len = ok ? ftello(o->f) : 0;
    if (ok && len < 0) {
        ok = false;
        err = errno;
    }
    if (!ok) {
        cli_out_abort(o);
        return fail(o, err ? err : EIO);
    }
    if (o->in_place) {
        bool stale = false;
        if (!copy_into(o, len, &stale)) {
            if (stale)
                return changed(o);
            err = errno;
            cli_out_abort(o);
            return fail(o, err);
        }
        cli_out_abort(o); /* the temporary file's work is done */
        return -1;
    }
    struct stat now;
    bool exists = lstat(o->path, &now) == 0;
    if (!unchanged(o, &now, exists))
        return changed(o);
    ok = close_stream(o);
    if (!ok || rename(o->tmp, o->path) != 0) {
        err = errno;
        cli_out_abort(o);
        return fail(o, err);
    }
    char *dir = dir_of(o->path);
    int dfd = dir ? open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC) : -1;
    if (dfd >= 0) {
        fsync(dfd);
        close(dfd);
    }
    free(dir);
    free(o->tmp);
    o->tmp = NULL;
    watch_signals(NULL);
    return -1;
}
