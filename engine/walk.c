/* Walking a folder tree for input files: each folder once (by device and inode), symbolic
 * links followed, every entry that cannot be read told. Feeds the batch and the rule tests. */
#include "walk.h"

#include <dirent.h>
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "pages.h"

/* One folder already walked. */
typedef struct dirid {
    dev_t dev;
    ino_t ino;
    bool used;
} dirid;

typedef struct walker {
    td_walk_fn fn;
    void *arg;
    dirid *seen;            /* owned: open-addressing set of the folders walked */
    size_t mask, n;
    bool stop;              /* out of memory, or fn asked to stop */
} walker;

static size_t slot_of(const walker *w, dev_t dev, ino_t ino)
{
    uint64_t h = (uint64_t)dev * 0x9e3779b97f4a7c15ULL ^ (uint64_t)ino;
    h ^= h >> 31;
    h *= 0xbf58476d1ce4e5b9ULL;
    h ^= h >> 29;
    return (size_t)h & w->mask;
}

/* Adds a folder to the set; false when it was there already (or out of memory: w->stop). */
static bool first_visit(walker *w, dev_t dev, ino_t ino)
{
    if ((w->n + 1) * 2 > w->mask + 1 || !w->seen) {
        size_t cap = w->seen ? (w->mask + 1) * 2 : 64;
        dirid *grown = calloc(cap, sizeof *grown);
        if (!grown) {
            w->stop = true;
            return false;
        }
        dirid *old = w->seen;
        size_t old_cap = old ? w->mask + 1 : 0;
        w->seen = grown;
        w->mask = cap - 1;
        for (size_t i = 0; i < old_cap; i++) {
            if (!old[i].used)
                continue;
            size_t k = slot_of(w, old[i].dev, old[i].ino);
            while (w->seen[k].used)
                k = (k + 1) & w->mask;
            w->seen[k] = old[i];
        }
        free(old);
    }
    size_t k = slot_of(w, dev, ino);
    for (; w->seen[k].used; k = (k + 1) & w->mask)
        if (w->seen[k].dev == dev && w->seen[k].ino == ino)
            return false;
    w->seen[k] = (dirid){dev, ino, true};
    w->n++;
    return true;
}

static void tell(walker *w, td_walk_kind kind, const char *path, const char *name, int err)
{
    if (!w->stop && !w->fn(w->arg, kind, path, name, err))
        w->stop = true;
}

static char *join(const char *dir, const char *name)
{
    size_t dl = strlen(dir), nl = strlen(name);
    bool slash = dl && dir[dl - 1] == '/';
    char *s = malloc(dl + nl + 2);
    if (!s)
        return NULL;
    memcpy(s, dir, dl);
    if (!slash)
        s[dl++] = '/';
    memcpy(s + dl, name, nl + 1);
    return s;
}

static const char *last_part(const char *path)
{
    const char *s = strrchr(path, '/');
    return s && s[1] ? s + 1 : path;
}

/* The entries of one folder, kept to walk it in name order: each as its d_type and name in
 * one buffer of text, and its offset there. Both in pages of their own (engine/pages.h): a
 * folder of many files would otherwise leave the heap grown by their names, under what the
 * batch allocates next. */
typedef struct dlist {
    char *text;             /* owned: per entry, its d_type byte, then its name and a NUL */
    size_t len, cap;
    uint32_t *at;           /* owned: the entries' offsets in text, sorted by name */
    size_t n, cap_at;
} dlist;

static void dlist_free(dlist *l)
{
    td_pages_free(l->text, l->cap, 1);
    td_pages_free(l->at, l->cap_at, sizeof *l->at);
    memset(l, 0, sizeof *l);
}

static bool dlist_add(dlist *l, const char *name, unsigned char type)
{
    size_t nl = strlen(name) + 2;
    /* 8 bytes kept after the last name: cmp_entry reads a name's first 8 bytes at once */
    if (l->len + nl > UINT32_MAX ||
        !td_pages_grow((void **)&l->text, &l->cap, l->len + nl + 8, 1) ||
        !td_pages_grow((void **)&l->at, &l->cap_at, l->n + 1, sizeof *l->at))
        return false;
    l->at[l->n++] = (uint32_t)l->len;
    l->text[l->len] = (char)type;
    memcpy(l->text + l->len + 1, name, nl - 1);
    l->len += nl;
    return true;
}

/* The first 8 bytes from s on, big-endian: two names differ in them as the names compare,
 * unless both end before the byte where they differ (two names of one folder are never
 * equal: beyond a name's NUL are the next entry's bytes). */
static uint64_t head8(const char *s)
{
    const unsigned char *u = (const unsigned char *)s;
    return (uint64_t)u[0] << 56 | (uint64_t)u[1] << 48 | (uint64_t)u[2] << 40 |
           (uint64_t)u[3] << 32 | (uint64_t)u[4] << 24 | (uint64_t)u[5] << 16 |
           (uint64_t)u[6] << 8 | (uint64_t)u[7];
}

/* Names byte-wise, the first 8 bytes compared as one number (a folder of 10,000 unit files
 * sorts in about 130,000 comparisons, most decided there). */
static int cmp_entry(const void *a, const void *b, void *text)
{
    const char *t = text;
    const char *x = t + *(const uint32_t *)a + 1, *y = t + *(const uint32_t *)b + 1;
    uint64_t hx = head8(x), hy = head8(y);
    if (hx != hy)
        return hx < hy ? -1 : 1;
    return strcmp(x, y);
}

/* The entries of `dir` not starting with '.', sorted byte-wise, so that which path first
 * reaches a folder met twice does not depend on the file system's order; the folder is
 * closed before its sub-folders are opened. False when it cannot be listed (told). */
static bool list_dir(walker *w, const char *dir, dlist *out)
{
    memset(out, 0, sizeof *out);
    DIR *d = opendir(dir);
    if (!d) {
        tell(w, TD_WALK_DIR_ERROR, dir, last_part(dir), errno);
        return false;
    }
    for (;;) {
        errno = 0;
        struct dirent *e = readdir(d);
        if (!e) {
            if (errno)
                tell(w, TD_WALK_DIR_ERROR, dir, last_part(dir), errno);
            break;
        }
        if (e->d_name[0] == '.')
            continue; /* ".", "..", and hidden entries such as .git */
        if (!dlist_add(out, e->d_name, e->d_type)) {
            w->stop = true;
            break;
        }
    }
    closedir(d);
    if (!td_pages_sort(out->at, out->n, sizeof *out->at, cmp_entry, out->text))
        w->stop = true; /* out of memory, as above */
    return true;
}

/* Walks one folder, already entered in the set, `depth` levels below the first. */
static void walk_dir(walker *w, const char *dir, unsigned depth)
{
    dlist l;
    if (!list_dir(w, dir, &l))
        return;
    for (size_t i = 0; i < l.n && !w->stop; i++) {
        const char *name = l.text + l.at[i] + 1;
        unsigned char type = (unsigned char)l.text[l.at[i]];
        char *path = join(dir, name);
        if (!path) {
            w->stop = true;
            break;
        }
        struct stat sb;
        if (type == DT_REG) {
            tell(w, TD_WALK_FILE, path, name, 0);
        } else if (type == DT_FIFO || type == DT_CHR || type == DT_BLK || type == DT_SOCK) {
            tell(w, TD_WALK_SPECIAL, path, name, 0);
        } else if (stat(path, &sb) != 0) {
            tell(w, TD_WALK_BROKEN, path, name, errno);
        } else if (S_ISDIR(sb.st_mode)) {
            if (first_visit(w, sb.st_dev, sb.st_ino)) {
                if (depth >= TD_WALK_MAX_DEPTH)
                    tell(w, TD_WALK_TOO_DEEP, path, name, 0);
                else
                    walk_dir(w, path, depth + 1);
            }
        } else {
            tell(w, S_ISREG(sb.st_mode) ? TD_WALK_FILE : TD_WALK_SPECIAL, path, name, 0);
        }
        free(path);
    }
    dlist_free(&l);
}

td_status td_walk(const char *dir, td_walk_fn fn, void *arg)
{
    walker w = {fn, arg, NULL, 0, 0, false};
    struct stat sb;
    if (stat(dir, &sb) != 0)
        tell(&w, TD_WALK_DIR_ERROR, dir, last_part(dir), errno);
    else if (first_visit(&w, sb.st_dev, sb.st_ino))
        walk_dir(&w, dir, 0);
    free(w.seen);
    return w.stop ? TD_ENOMEM : TD_OK;
}
