/* Batch evaluation: expand paths into unit files, evaluate them on worker threads, merge
 * the results in input order into targets, stage counts and a summary.
 * Pipeline: files -> load -> eval (per worker) -> merge (in order) -> report. */
#include "batch.h"
#include "crew.h"
#include "waiver.h"
#include "xref.h"

#include <dirent.h>
#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "load.h"
#include "pages.h"
#include "walk.h"

/* Work evaluated ahead of the merge, per worker: files, and units (which bounds the results
 * held in memory when files hold many units). */
#define WINDOW_FILES 64
#define WINDOW_UNITS 128
/* A worker claims consecutive tasks, about CLAIM_UNITS units' worth by the units a task has
 * held so far and at most CLAIM_TASKS, and merges them itself when the merge comes to them:
 * the batch's tables then move from core to core once a claim rather than once a file, and a
 * unit is read by the merge on the core that made it (docs/performance.md, lever 30). */
#define CLAIM_UNITS 16
#define CLAIM_TASKS 16
/* Units of one file a single-threaded run evaluates before merging them: a file of many
 * documents does not hold all their results at once. */
#define FLUSH_UNITS 64
#define MAX_JOBS TD_CREW_MAX
#define UNIT_CHUNK (1024 * 1024)
/* With several workers and few files, a file this large is read in parts of about this
 * size (bytes), each starting at a `---` line, so that one big file keeps every worker busy. */
#define SPLIT_MIN (1024 * 1024)
#define PART_BYTES (256 * 1024)

/* ---------- small helpers ---------- */

bool td_date_parse(const char *text, int32_t *days)
{
    return text && td_parse_date(text, strlen(text), days);
}

bool td_target_required(const td_program *p, const td_target *t, int32_t as_of, double *out)
{
    td_value v;
    if (!t->at_least || !td_eval_static(p, t->at_least, as_of, &v))
        return false;
    if (v.kind == TD_V_INT)
        *out = (double)v.u.i;
    else if (v.kind == TD_V_NUM)
        *out = v.u.num;
    else
        return false;
    return true;
}

bool td_target_due(const td_program *p, const td_target *t, int32_t as_of, int32_t *days)
{
    td_value v;
    if (!t->due || !td_eval_static(p, t->due, as_of, &v) || v.kind != TD_V_DATE)
        return false;
    *days = v.u.days;
    return true;
}

bool td_cexpr_const_number(const td_cexpr *c, double *out)
{
    if (!c)
        return false;
    if (c->op == TD_CX_NEG) {
        double v;
        if (!td_cexpr_const_number(c->a, &v))
            return false;
        *out = -v;
        return true;
    }
    if (c->op != TD_CX_CONST)
        return false;
    if (c->value.kind == TD_V_INT)
        *out = (double)c->value.u.i;
    else if (c->value.kind == TD_V_NUM)
        *out = c->value.u.num;
    else
        return false;
    return true;
}

const char *td_unit_status(const td_unit_result *u)
{
    return u->findings.errors ? "fail" : "pass";
}

static uint64_t hash_str(uint64_t h, const char *s)
{
    /* FNV-1a */
    for (; s && *s; s++) {
        h ^= (unsigned char)*s;
        h *= 0x100000001b3ULL;
    }
    return h;
}

/* Makes room for `need` elements of `elem` bytes in a growable array. */
static bool grow(void **p, size_t *cap, size_t need, size_t elem)
{
    if (need <= *cap)
        return true;
    size_t n = *cap ? *cap * 2 : 16;
    while (n < need)
        n *= 2;
    void *g = realloc(*p, n * elem);
    if (!g)
        return false;
    *p = g;
    *cap = n;
    return true;
}

/* ---------- paths ---------- */

/* The unit files are kept small over a large batch: each path as its folder, stored once,
 * and its entry (how the walk found it, then its name) in one buffer of text, 8 bytes a file
 * besides; a path is put together when it is needed (td_paths_get). */

static bool has_yaml_suffix(const char *name)
{
    size_t n = strlen(name);
    return (n > 5 && strcmp(name + n - 5, ".yaml") == 0) ||
           (n > 4 && strcmp(name + n - 4, ".yml") == 0);
}

/* Appends `n` bytes to the text; its offset in *off. */
static bool text_add(td_paths *ps, const void *s, size_t n, uint32_t *off)
{
    if (ps->len + n >= UINT32_MAX ||
        !td_pages_grow((void **)&ps->text, &ps->cap, ps->len + n, 1))
        return false;
    *off = (uint32_t)ps->len;
    if (n)
        memcpy(ps->text + ps->len, s, n);
    ps->len += n;
    return true;
}

/* The offset of folder `dir` (len bytes) in the text, stored the first time it is met. */
static bool dir_of(td_paths *ps, const char *dir, size_t len, uint32_t *off)
{
    uint64_t h = 0xcbf29ce484222325ULL;
    for (size_t i = 0; i < len; i++)
        h = (h ^ (unsigned char)dir[i]) * 0x100000001b3ULL;
    size_t k = ps->dirs ? (size_t)h & ps->dir_mask : 0;
    for (; ps->dirs && ps->dirs[k]; k = (k + 1) & ps->dir_mask) {
        const char *d = ps->text + ps->dirs[k] - 1;
        if (strncmp(d, dir, len) == 0 && d[len] == '\0') {
            *off = ps->dirs[k] - 1;
            return true;
        }
    }
    if (!text_add(ps, dir, len, off) || !text_add(ps, "", 1, &(uint32_t){0}))
        return false;
    if (!ps->dirs || (ps->n_dirs + 1) * 2 > ps->dir_mask + 1) {
        size_t size = ps->dirs ? (ps->dir_mask + 1) * 2 : 64;
        uint32_t *nw = calloc(size, sizeof *nw);
        if (!nw)
            return false;
        for (size_t i = 0; ps->dirs && i <= ps->dir_mask; i++) {
            if (!ps->dirs[i])
                continue;
            const char *d = ps->text + ps->dirs[i] - 1;
            uint64_t g = 0xcbf29ce484222325ULL;
            for (; *d; d++)
                g = (g ^ (unsigned char)*d) * 0x100000001b3ULL;
            size_t j = (size_t)g & (size - 1);
            while (nw[j])
                j = (j + 1) & (size - 1);
            nw[j] = ps->dirs[i];
        }
        free(ps->dirs);
        ps->dirs = nw;
        ps->dir_mask = size - 1;
        k = (size_t)h & ps->dir_mask;
        while (ps->dirs[k])
            k = (k + 1) & ps->dir_mask;
    }
    ps->dirs[k] = *off + 1;
    ps->n_dirs++;
    return true;
}

/* Adds an input: its path, the part of it that is its name (or NULL: the path as named), how
 * the walk found it. */
static bool paths_add(td_paths *ps, const char *path, const char *name, td_walk_kind kind,
                      int err)
{
    size_t len = strlen(path), nl = name ? strlen(name) : len;
    if (nl > len || strcmp(path + len - nl, name ? name : path) != 0)
        nl = len;
    if (!td_pages_grow((void **)&ps->recs, &ps->cap_recs, ps->n + 1, sizeof *ps->recs))
        return false;
    td_path_rec r;
    unsigned char k = (unsigned char)kind;
    if (!dir_of(ps, path, len - nl, &r.dir) || !text_add(ps, &k, 1, &r.entry) ||
        (kind != TD_WALK_FILE && !text_add(ps, &err, sizeof err, &(uint32_t){0})) ||
        !text_add(ps, path + len - nl, nl + 1, &(uint32_t){0}))
        return false;
    ps->recs[ps->n++] = r;
    return true;
}

/* The name part of an entry's text. */
static const char *entry_name(const char *entry)
{
    return entry + 1 + ((td_walk_kind)(unsigned char)entry[0] != TD_WALK_FILE ? sizeof(int) : 0);
}

/* Files to a block of the packed paths: a path is found by decoding at most this many
 * entries from its block's first. */
#define PATHS_BLOCK 16

/* Packs the paths once they are all known and in order (td_paths_pack): each entry as a
 * byte for how the walk found it (0x80 added when its folder is not the one before it, then
 * that folder's offset), the errno when it was not found as a file, then the lengths of the
 * start and of the end its name shares with the name before it in its block (a byte each)
 * and the rest of the name between them. Sorted names share most of their start, and their
 * end (.yaml): 10,000 files xa-00000.yaml ... take about 5 bytes each, and 8 bytes a block of
 * 16, where they took 23 bytes a file. */
static bool paths_pack(td_paths *ps)
{
    td_paths out;
    memset(&out, 0, sizeof out);
    const char *prev = "";
    uint32_t prev_dir = 0, d;
    bool ok = true;
    /* the folders first, so that the entries follow one another in the text */
    for (size_t i = 0; i < ps->n && ok; i++) {
        const char *dir = ps->text + ps->recs[i].dir;
        ok = dir_of(&out, dir, strlen(dir), &d);
    }
    for (size_t i = 0; i < ps->n && ok; i++) {
        const char *dir = ps->text + ps->recs[i].dir, *entry = ps->text + ps->recs[i].entry;
        const char *name = entry_name(entry);
        uint32_t at;
        ok = dir_of(&out, dir, strlen(dir), &d); /* found: stored by the loop above */
        if (ok && i % PATHS_BLOCK == 0) {
            ok = td_pages_grow((void **)&out.recs, &out.cap_recs, i / PATHS_BLOCK + 1,
                               sizeof *out.recs);
            if (ok)
                out.recs[i / PATHS_BLOCK] = (td_path_rec){d, (uint32_t)out.len};
            prev = "";
            prev_dir = d;
        }
        unsigned char kind = (unsigned char)entry[0];
        size_t shared = 0, end = 0, pl = strlen(prev), nl = strlen(name);
        while (shared < 255 && prev[shared] && prev[shared] == name[shared])
            shared++;
        while (end < 255 && shared + end < pl && shared + end < nl &&
               prev[pl - 1 - end] == name[nl - 1 - end])
            end++;
        unsigned char head[3 + sizeof d + sizeof(int)];
        size_t hn = 0;
        head[hn++] = (unsigned char)(kind | (d != prev_dir ? 0x80 : 0));
        if (d != prev_dir) {
            memcpy(head + hn, &d, sizeof d);
            hn += sizeof d;
        }
        if ((td_walk_kind)kind != TD_WALK_FILE) {
            memcpy(head + hn, entry + 1, sizeof(int));
            hn += sizeof(int);
        }
        head[hn++] = (unsigned char)shared;
        head[hn++] = (unsigned char)end;
        unsigned char nul = 0;
        ok = ok && text_add(&out, head, hn, &at) &&
             text_add(&out, name + shared, nl - shared - end, &at) && text_add(&out, &nul, 1, &at);
        prev = name;
        prev_dir = d;
    }
    free(out.dirs);
    out.dirs = NULL;
    out.dir_mask = out.n_dirs = 0;
    if (!ok) {
        td_paths_free(&out);
        return false;
    }
    out.n = ps->n;
    out.packed = true;
    td_paths_free(ps);
    *ps = out;
    return true;
}

/* Decodes entry i of packed paths: how the walk found it, and (with buf) its path put
 * together in *buf. NULL when out of memory. */
static const char *paths_decode(const td_paths *ps, size_t i, td_batch_input *in, char **buf,
                                size_t *cap)
{
    const td_path_rec *blk = &ps->recs[i / PATHS_BLOCK];
    const unsigned char *e = (const unsigned char *)ps->text + blk->entry;
    uint32_t dir = blk->dir;
    size_t nl = 0; /* the name so far, in *buf */
    for (size_t k = i - i % PATHS_BLOCK;; k++) {
        unsigned char head = *e++;
        if (head & 0x80) {
            memcpy(&dir, e, sizeof dir);
            e += sizeof dir;
        }
        in->kind = (td_walk_kind)(head & 0x7f);
        in->err = 0;
        if (in->kind != TD_WALK_FILE) {
            memcpy(&in->err, e, sizeof in->err);
            e += sizeof(int);
        }
        size_t shared = e[0], end = e[1], mid = strlen((const char *)e + 2);
        e += 2;
        if (buf) {
            if (shared + end > nl)
                shared = end = 0; /* never written so: start and end are of the name before */
            size_t len = shared + mid + end;
            if (len + 1 > *cap) {
                size_t c = len + 1 > 256 ? len + 1 : 256;
                char *g = realloc(*buf, c);
                if (!g)
                    return NULL;
                *buf = g;
                *cap = c;
            }
            /* the end of the name before moves behind the new middle, then the middle */
            memmove(*buf + shared + mid, *buf + nl - end, end);
            memcpy(*buf + shared, e, mid);
            (*buf)[len] = '\0';
            nl = len;
        }
        e += mid + 1;
        if (k == i)
            break;
    }
    if (!buf)
        return "";
    /* the folder in front of the name */
    const char *d = ps->text + dir;
    size_t dl = strlen(d);
    if (dl + nl + 1 > *cap) {
        char *g = realloc(*buf, dl + nl + 1);
        if (!g)
            return NULL;
        *buf = g;
        *cap = dl + nl + 1;
    }
    memmove(*buf + dl, *buf, nl + 1);
    memcpy(*buf, d, dl);
    return *buf;
}

td_batch_input td_paths_input(const td_paths *ps, size_t i)
{
    td_batch_input in = {TD_WALK_FILE, 0};
    if (ps->packed) {
        paths_decode(ps, i, &in, NULL, NULL);
        return in;
    }
    const char *e = ps->text + ps->recs[i].entry;
    in.kind = (td_walk_kind)(unsigned char)e[0];
    if (in.kind != TD_WALK_FILE)
        memcpy(&in.err, e + 1, sizeof in.err);
    return in;
}

const char *td_paths_get(const td_paths *ps, size_t i, char **buf, size_t *cap)
{
    if (ps->packed) {
        td_batch_input in;
        return paths_decode(ps, i, &in, buf, cap);
    }
    const char *dir = ps->text + ps->recs[i].dir;
    const char *name = entry_name(ps->text + ps->recs[i].entry);
    size_t dl = strlen(dir), nl = strlen(name);
    if (dl + nl + 1 > *cap) {
        size_t c = dl + nl + 1 > 256 ? dl + nl + 1 : 256;
        char *g = realloc(*buf, c);
        if (!g)
            return NULL;
        *buf = g;
        *cap = c;
    }
    memcpy(*buf, dir, dl);
    memcpy(*buf + dl, name, nl + 1);
    return *buf;
}

bool td_paths_pack(td_paths *ps)
{
    return ps->packed || paths_pack(ps);
}

void td_paths_free(td_paths *ps)
{
    td_pages_free(ps->text, ps->cap, 1);
    td_pages_free(ps->recs, ps->cap_recs, sizeof *ps->recs);
    free(ps->dirs);
    memset(ps, 0, sizeof *ps);
}

/* Byte-wise order of the whole paths (strcmp of folder and name put together). */
static int cmp_path(const void *pa, const void *pb, void *arg)
{
    const char *t = arg;
    const td_path_rec *a = pa, *b = pb;
    /* one folder (stored once): the names decide; most of a walk's paths share theirs, and
     * the byte loop below walked the folder's name at every comparison */
    if (a->dir == b->dir)
        return strcmp(entry_name(t + a->entry), entry_name(t + b->entry));
    const char *s[2] = {t + a->dir, entry_name(t + a->entry)};
    const char *u[2] = {t + b->dir, entry_name(t + b->entry)};
    int i = 0, j = 0;
    for (;;) {
        while (i == 0 && !*s[0])
            i = 1;
        while (j == 0 && !*u[0])
            j = 1;
        unsigned char x = (unsigned char)*s[i], y = (unsigned char)*u[j];
        if (x != y || !x)
            return (x > y) - (x < y);
        s[i]++;
        u[j]++;
    }
}

/* Keeps the unit files of a folder, and every entry that may hold units but cannot be
 * read (a folder, a *.yaml that is a pipe or a link to nothing): each becomes a finding
 * naming it, so that nothing is left out of the batch without a word. With `arg` NULL... */
static bool wanted(td_walk_kind kind, const char *name, int err)
{
    bool yaml = has_yaml_suffix(name);
    switch (kind) {
    case TD_WALK_FILE:
    case TD_WALK_SPECIAL:
        return yaml;
    case TD_WALK_BROKEN:
        /* a link to nothing not named *.yaml is no unit file; anything else that cannot be
         * examined (a folder without search permission) might be one */
        return yaml || err != ENOENT;
    case TD_WALK_DIR_ERROR:
    case TD_WALK_TOO_DEEP:
        return true;
    }
    return false;
}

static bool on_entry(void *arg, td_walk_kind kind, const char *path, const char *name, int err)
{
    return !wanted(kind, name, err) || paths_add(arg, path, name, kind, err);
}

static bool count_entry(void *arg, td_walk_kind kind, const char *path, const char *name,
                        int err)
{
    (void)path;
    *(size_t *)arg += wanted(kind, name, err);
    return true;
}

/* The inputs the paths name, in order: a folder's files sorted by path. */
static bool expand(const char *const *paths, size_t n, td_paths *out)
{
    for (size_t i = 0; i < n; i++) {
        struct stat st;
        if (strcmp(paths[i], "-") != 0 && stat(paths[i], &st) == 0 && S_ISDIR(st.st_mode)) {
            size_t first = out->n;
            if (td_walk(paths[i], on_entry, out) != TD_OK)
                return false;
            if (!td_pages_sort(out->recs + first, out->n - first, sizeof *out->recs, cmp_path,
                               out->text))
                return false;
        } else if (!paths_add(out, paths[i], NULL, TD_WALK_FILE, 0)) {
            return false;
        }
    }
    return true;
}

td_status td_batch_count_files(const char *const *paths, size_t n_paths, size_t *n_files)
{
    *n_files = 0;
    for (size_t i = 0; i < n_paths; i++) {
        struct stat st;
        if (strcmp(paths[i], "-") != 0 && stat(paths[i], &st) == 0 && S_ISDIR(st.st_mode)) {
            if (td_walk(paths[i], count_entry, n_files) != TD_OK)
                return TD_ENOMEM;
        } else {
            (*n_files)++;
        }
    }
    return TD_OK;
}

/* Stops the walk at the first input of the batch. */
static bool any_entry(void *arg, td_walk_kind kind, const char *path, const char *name, int err)
{
    (void)path;
    *(bool *)arg = wanted(kind, name, err);
    return !*(bool *)arg;
}

/* True when folder `dir` itself lists a regular *.yaml or *.yml file (not starting with '.'):
 * one the batch's walk keeps, seen from its entries as listed, unsorted, without a stat. */
static bool lists_unit_file(const char *dir)
{
    DIR *d = opendir(dir);
    if (!d)
        return false;
    bool found = false;
    for (struct dirent *e; !found && (e = readdir(d));)
        found = e->d_name[0] != '.' && e->d_type == DT_REG && has_yaml_suffix(e->d_name);
    closedir(d);
    return found;
}

td_status td_batch_any_files(const char *const *paths, size_t n_paths, bool *any)
{
    *any = false;
    for (size_t i = 0; i < n_paths && !*any; i++) {
        struct stat st;
        if (strcmp(paths[i], "-") == 0 || stat(paths[i], &st) != 0 || !S_ISDIR(st.st_mode))
            *any = true;
        else if (lists_unit_file(paths[i]))
            *any = true;
        else if (td_walk(paths[i], any_entry, any) != TD_OK && !*any)
            return TD_ENOMEM; /* stopped at an input, or out of memory */
    }
    return TD_OK;
}

/* ---------- one worker: the documents of one file ---------- */

/* A unit's result plus where its id is written, for a duplicate-id finding. */
typedef struct bunit {
    td_unit_result r;
    uint32_t id_line, id_col, id_width; /* 0 when unknown */
    char *id_text;          /* owned: the source line of the id, or NULL */
} bunit;

/* The results of one file, handed from a worker to the merge. */
typedef struct fjob {
    bunit *items;           /* owned */
    size_t n, cap;
    uint64_t bytes;
    uint32_t docs;          /* documents read (units are numbered from 0 in each part) */
    bool overran;           /* a part that read on to the end of its file (td_yaml_overran) */
    bool done;
    bool claimed;           /* one of several tasks claimed together: its owner merges it */
    td_lang lang;           /* of the findings: the batch's */
    unsigned owner;         /* the worker that evaluated it, which frees it once merged */
} fjob;

/* Jobs merged and handed back to the worker that made them, to be freed there: memory freed
 * by the thread that allocated it goes back to that thread's malloc arena and caches, where
 * a free from the merging thread locks the other arena and touches memory the other core
 * wrote (docs/performance.md, lever 14). */
typedef struct spent {
    fjob *jobs;             /* owned */
    size_t n, cap;
} spent;

typedef struct worker {
    td_arena unit;          /* reset after each document */
    td_limits lim;
    td_fast *fast;          /* owned: typing from the events, kept from file to file */
    char *path;             /* owned: the path of the file being read */
    size_t path_cap;
} worker;

static void bunit_free(bunit *u)
{
    td_unit_result_free(&u->r);
    free(u->id_text);
    u->id_text = NULL;
}

static void fjob_free(fjob *j)
{
    for (size_t i = 0; i < j->n; i++)
        bunit_free(&j->items[i]);
    free(j->items);
    memset(j, 0, sizeof *j);
}

static bunit *new_unit(fjob *j, const char *file, uint32_t doc)
{
    if (!grow((void **)&j->items, &j->cap, j->n + 1, sizeof *j->items))
        return NULL;
    bunit *u = &j->items[j->n];
    memset(u, 0, sizeof *u);
    td_unit_result_init(&u->r, j->lang);
    u->r.file = strdup(file);
    u->r.doc = doc;
    if (!u->r.file)
        return NULL;
    j->n++;
    return u;
}

/* The scalar `id` in the generic tree: the shallowest `id:` key whose value is `id`, else
 * any scalar equal to it. Breadth by depth keeps `unit.id` ahead of `exemplars[0].id`. */
static const td_ynode *find_id(const td_ynode *n, const char *id, int depth, bool keyed)
{
    if (!n || depth > 8)
        return NULL;
    if (n->kind == TD_Y_MAP) {
        for (uint32_t i = 0; i < n->n; i++) {
            const td_ynode *k = n->pairs[i].key, *v = n->pairs[i].value;
            if (v && v->kind == TD_Y_SCALAR && strcmp(v->text, id) == 0 &&
                (!keyed || (k && k->kind == TD_Y_SCALAR && strcmp(k->text, "id") == 0)))
                return v;
        }
        for (uint32_t i = 0; i < n->n; i++) {
            const td_ynode *f = find_id(n->pairs[i].value, id, depth + 1, keyed);
            if (f)
                return f;
        }
    } else if (n->kind == TD_Y_SEQ) {
        for (uint32_t i = 0; i < n->n; i++) {
            const td_ynode *it = n->items[i];
            if (!keyed && it && it->kind == TD_Y_SCALAR && strcmp(it->text, id) == 0)
                return it;
            const td_ynode *f = find_id(it, id, depth + 1, keyed);
            if (f)
                return f;
        }
    }
    return NULL;
}

static bool locate_id(bunit *u, td_yaml *y, const td_ydoc *doc, td_arena *a,
                      const td_source *src)
{
    if (!u->r.id)
        return true;
    uint32_t line = 0, col = 0, width = 0;
    if (!td_yaml_id_at(y, doc, u->r.id, &line, &col, &width)) {
        td_diag scratch;
        td_diag_init(&scratch);
        const td_ynode *root = td_yaml_tree(y, doc, a, &scratch);
        td_diag_free(&scratch);
        if (!root)
            return false;
        const td_ynode *n = find_id(root, u->r.id, 0, true);
        if (!n)
            n = find_id(root, u->r.id, 0, false);
        if (n) {
            line = n->line;
            col = n->col;
            width = n->width ? n->width : 1;
        }
    }
    if (line == 0 || line > src->nlines) {
        u->id_line = u->r.line;
        u->id_col = 1;
        u->id_width = 1;
        return true;
    }
    u->id_line = line;
    u->id_col = col;
    u->id_width = width;
    size_t start = src->lines[line - 1];
    size_t end = line < src->nlines ? src->lines[line] : src->len;
    while (end > start && (src->text[end - 1] == '\n' || src->text[end - 1] == '\r'))
        end--;
    u->id_text = strndup(src->text + start, end - start);
    return u->id_text != NULL;
}

static void finish_unit(bunit *u)
{
    for (size_t i = 0; i < u->r.findings.n; i++)
        u->r.findings.items[i].doc = u->r.doc;
    td_diag_sort(&u->r.findings);
}

/* The finding that stands for an input that cannot be read: a file, or a folder whose
 * unit files are then left out (which the message says). */
static td_status file_problem(fjob *j, const char *path, td_walk_kind kind, int err)
{
    bunit *u = new_unit(j, path, 0);
    if (!u)
        return TD_ENOMEM;
    char buf[256];
    td_diag *d = &u->r.findings;
    const char *why = err == EINVAL ? TR(d->lang, "it is not a regular file (a device, a pipe?)")
                      : err == EFBIG ? TR(d->lang, "it is larger than 64 MiB, which no unit file is")
                                     : td_strerror(d->lang, err, buf, sizeof buf);
    td_diagnostic *e;
    if (kind == TD_WALK_DIR_ERROR)
        e = td_diag_at_lc(d, TD_SEV_ERROR, TD_CODE_DATA_UNREADABLE, NULL, 0, 0, 1,
                          "cannot read the folder: %s; the unit files in it are left out of "
                          "the batch: check its permissions", why);
    else if (kind == TD_WALK_TOO_DEEP)
        e = td_diag_at_lc(d, TD_SEV_ERROR, TD_CODE_DATA_UNREADABLE, NULL, 0, 0, 1,
                          "the folder lies more than %d levels deep and was not searched; the "
                          "unit files in it are left out of the batch: move them higher up",
                          TD_WALK_MAX_DEPTH);
    else if (kind == TD_WALK_SPECIAL)
        e = td_diag_at_lc(d, TD_SEV_ERROR, TD_CODE_DATA_UNREADABLE, NULL, 0, 0, 1,
                          "this is a pipe, a device or a socket, not a unit file, and was not "
                          "read; put the unit's file in its place or move it out of the folder");
    else if (kind == TD_WALK_BROKEN && err == ENOENT)
        e = td_diag_at_lc(d, TD_SEV_ERROR, TD_CODE_DATA_UNREADABLE, NULL, 0, 0, 1,
                          "cannot read the file: it is a symbolic link to nothing; link it to "
                          "the unit's file or remove it");
    else
        e = td_diag_at_lc(d, TD_SEV_ERROR, TD_CODE_DATA_UNREADABLE, NULL, 0, 0, 1,
                          "cannot read the file: %s; check the path and its permissions", why);
    if (!e || !td_diag_set(d, &e->file, "%s", path) ||
        !td_diag_set(d, &e->rule, "%s", "data.unreadable"))
        return TD_ENOMEM;
    return TD_OK;
}

/* What a worker takes: a file, or a part of a large one (its documents from the `---` at
 * line `start` to the one before line `stop`; see td_yaml_open_part). */
typedef struct task {
    uint32_t file;
    uint32_t start;         /* 1-based line; 0: the file's start */
    uint32_t stop;          /* 1-based line where the next part starts; 0: the file's end */
} task;

/* Hands the units of `j` evaluated so far to the merge, leaving j empty. */
typedef td_status (*flush_fn)(void *arg, fjob *j);

/* Reads, loads and evaluates every document of one file into `j`: the file at `path`, or
 * `mem` (borrowed) when the batch's unit file is held in memory. With `flush`, every
 * FLUSH_UNITS units are handed on before the file ends. TD_ENOMEM only. */
static td_status run_file(worker *w, const td_program *p, const td_eval_dates *dates,
                          const char *path, const td_source *mem, const task *t, fjob *j,
                          flush_fn flush, void *flush_arg)
{
    td_source *owned = NULL;
    const td_source *src = mem;
    td_yaml *y = NULL;
    td_status st = TD_OK;
    if (!src) {
        st = td_source_read(path, &owned);
        if (st == TD_EIO)
            return file_problem(j, path, TD_WALK_FILE, errno);
        if (st != TD_OK)
            return st;
        src = owned;
    }
    j->bytes = t->start ? 0 : src->len;
    st = td_yaml_open_part(src, &w->lim, t->start, t->stop, &y);
    if (st != TD_OK)
        goto done;
    for (uint32_t doc = 0;; doc++) {
        j->docs = doc;
        bunit *u = new_unit(j, src->name, doc);
        if (!u) {
            st = TD_ENOMEM;
            goto done;
        }
        td_ydoc yd;
        st = td_yaml_next_typed(y, &w->fast, p->schema.document_type, &w->unit, &u->r.findings, &yd);
        if (st != TD_OK && !yd.node)
            goto done;
        if (!yd.node && !yd.tree) {
            /* the end, or a syntax error that ends the file: keep only its findings */
            if (u->r.findings.n) {
                finish_unit(u);
                u->r.line = u->r.findings.items[0].line;
            } else if (doc == 0 && !t->start) {
                td_diagnostic *e = td_diag_at_lc(
                    &u->r.findings, TD_SEV_ERROR, TD_CODE_DATA_NO_DOCUMENT, src, 1, 1, 1,
                    "the file holds no unit document; write the unit's data in it");
                if (!e || !td_diag_set(&u->r.findings, &e->rule, "%s", "data.no_document")) {
                    st = TD_ENOMEM;
                    goto done;
                }
                u->r.line = 1;
            } else {
                bunit_free(u);
                j->n--;
            }
            break;
        }
        /* the line of the document's first key (its `---` line is less telling) */
        u->r.line = yd.line ? yd.line : yd.doc_line;
        if (st == TD_OK)
            st = td_eval_document_at(p, yd.node, dates, src, &w->unit, &u->r);
        if (st == TD_OK && !locate_id(u, y, &yd, &w->unit, src))
            st = TD_ENOMEM;
        if (st == TD_OK && w->unit.failed)
            st = TD_ENOMEM; /* the end of the load and eval stages of one document */
        td_arena_reset(&w->unit);
        if (st != TD_OK)
            goto done;
        finish_unit(u);
        if (flush && j->n >= FLUSH_UNITS && (st = flush(flush_arg, j)) != TD_OK)
            goto done;
    }
done:
    j->overran = y && td_yaml_overran(y);
    td_yaml_close(y);
    td_source_free(owned);
    td_arena_reset(&w->unit);
    return st;
}

/* ---------- the merge: in input order, on the calling thread ---------- */

/* ---- targets: one row per (target, group), found through an open-addressing table ---- */

static uint64_t group_hash(uint32_t target, const char *group)
{
    uint64_t h = 0xcbf29ce484222325ULL ^ ((uint64_t)target * 0x9E3779B97F4A7C15ULL);
    h = group ? hash_str(h, group) : h ^ 0x5bd1e995;
    return h ^ (h >> 29);
}

static bool same_group(const td_target_row *r, uint32_t target, const char *group)
{
    return r->target == target &&
           ((!r->group && !group) || (r->group && group && strcmp(r->group, group) == 0));
}

/* The rows of the targets at one date, during the merge: the as-of date's (the batch's own
 * fields) or a history date's. */
typedef struct rowset {
    td_target_row **rows;
    size_t *n_rows, *cap_rows;
    uint32_t **group_slots;
    size_t *group_mask;
    uint32_t **gid_row;
    size_t *cap_gid_row;
} rowset;

static rowset rows_now(td_batch *b)
{
    rowset s = {&b->rows,        &b->n_rows,     &b->cap_rows,   &b->group_slots,
                &b->group_mask,  &b->gid_row,    &b->cap_gid_row};
    return s;
}

static rowset rows_then(td_history_entry *h)
{
    rowset s = {&h->rows,       &h->n_rows,  &h->cap_rows,   &h->group_slots,
                &h->group_mask, &h->gid_row, &h->cap_gid_row};
    return s;
}

static bool group_grow(rowset *s)
{
    size_t size = *s->group_slots ? (*s->group_mask + 1) * 2 : 64;
    uint32_t *slots = calloc(size, sizeof *slots);
    if (!slots)
        return false;
    for (size_t i = 0; i < *s->n_rows; i++) {
        size_t k = group_hash((*s->rows)[i].target, (*s->rows)[i].group) & (size - 1);
        while (slots[k])
            k = (k + 1) & (size - 1);
        slots[k] = (uint32_t)(i + 1);
    }
    free(*s->group_slots);
    *s->group_slots = slots;
    *s->group_mask = size - 1;
    return true;
}

/* Adds value to the row of c's target and group (h: their group_hash); *row: its index. */
static td_status add_share(td_batch *b, rowset *s, const td_contrib *c, uint64_t h, double value,
                           size_t *row)
{
    if (c->target >= b->p->n_targets)
        return TD_EBUG;
    size_t k = *s->group_slots ? h & *s->group_mask : 0;
    for (; *s->group_slots && (*s->group_slots)[k]; k = (k + 1) & *s->group_mask) {
        td_target_row *r = &(*s->rows)[(*s->group_slots)[k] - 1];
        if (same_group(r, c->target, c->group)) {
            r->actual += value;
            *row = (*s->group_slots)[k] - 1;
            return TD_OK;
        }
    }
    if (*s->n_rows >= UINT32_MAX - 1 ||
        !grow((void **)s->rows, s->cap_rows, *s->n_rows + 1, sizeof **s->rows))
        return TD_ENOMEM;
    td_target_row *r = &(*s->rows)[*s->n_rows];
    memset(r, 0, sizeof *r);
    r->target = c->target;
    r->group = c->group ? td_arena_strdup(&b->strings, c->group) : NULL;
    if (c->group && !r->group)
        return TD_ENOMEM;
    r->actual = value;
    *row = (*s->n_rows)++;
    if (!*s->group_slots || *s->n_rows * 2 > *s->group_mask + 1)
        return group_grow(s) ? TD_OK : TD_ENOMEM;
    (*s->group_slots)[k] = (uint32_t)*s->n_rows;
    return TD_OK;
}

/* The number of (target, group) (h: their group_hash), given when first met; UINT32_MAX when
 * out of memory. */
static uint32_t gid_of(td_batch *b, uint32_t target, const char *group, uint64_t h)
{
    size_t k = b->gid_slots ? h & b->gid_mask : 0;
    for (; b->gid_slots && b->gid_slots[k]; k = (k + 1) & b->gid_mask) {
        uint32_t g = b->gid_slots[k] - 1;
        const char *x = b->gid_group[g];
        if (b->gid_target[g] == target &&
            ((!x && !group) || (x && group && strcmp(x, group) == 0)))
            return g;
    }
    if (b->n_gids >= UINT32_MAX - 1 || !grow((void **)&b->gid_target, &b->cap_gids,
                                              b->n_gids + 1, sizeof *b->gid_target))
        return UINT32_MAX;
    const char **names = realloc(b->gid_group, b->cap_gids * sizeof *names); /* as gid_target */
    if (!names)
        return UINT32_MAX;
    b->gid_group = names;
    const char *name = group ? td_arena_strdup(&b->strings, group) : NULL;
    if (group && !name)
        return UINT32_MAX;
    uint32_t g = (uint32_t)b->n_gids++;
    b->gid_target[g] = target;
    b->gid_group[g] = name;
    if (!b->gid_slots || b->n_gids * 2 > b->gid_mask + 1) {
        size_t size = b->gid_slots ? (b->gid_mask + 1) * 2 : 64;
        uint32_t *slots = calloc(size, sizeof *slots);
        if (!slots)
            return UINT32_MAX;
        for (uint32_t i = 0; i < b->n_gids; i++) {
            size_t j = group_hash(b->gid_target[i], b->gid_group[i]) & (size - 1);
            while (slots[j])
                j = (j + 1) & (size - 1);
            slots[j] = i + 1;
        }
        free(b->gid_slots);
        b->gid_slots = slots;
        b->gid_mask = size - 1;
    } else {
        b->gid_slots[k] = g + 1;
    }
    return g;
}

/* Adds value to the row of c's target and group (number gid, hash h) in s. */
static td_status add_share_gid(td_batch *b, rowset *s, const td_contrib *c, uint32_t gid,
                               uint64_t h, double value)
{
    if (gid < *s->cap_gid_row && (*s->gid_row)[gid]) {
        (*s->rows)[(*s->gid_row)[gid] - 1].actual += value;
        return TD_OK;
    }
    size_t row;
    td_status st = add_share(b, s, c, h, value, &row);
    if (st != TD_OK)
        return st;
    size_t cap = *s->cap_gid_row;
    if (!grow((void **)s->gid_row, s->cap_gid_row, (size_t)gid + 1, sizeof **s->gid_row))
        return TD_ENOMEM;
    memset(*s->gid_row + cap, 0, (*s->cap_gid_row - cap) * sizeof **s->gid_row);
    (*s->gid_row)[gid] = (uint32_t)row + 1;
    return TD_OK;
}

/* A unit's contribution: to the rows at the as-of date, and at each history date. */
static td_status add_contrib(td_batch *b, const td_unit_result *r, const td_contrib *c)
{
    uint32_t n_history = r->n_history;
    td_status st = TD_OK;
    if (c->target >= b->p->n_targets)
        return TD_EBUG;
    uint64_t h = group_hash(c->target, c->group);
    uint32_t gid = gid_of(b, c->target, c->group, h);
    if (gid == UINT32_MAX)
        return TD_ENOMEM;
    if (c->now) {
        rowset s = rows_now(b);
        if ((st = add_share_gid(b, &s, c, gid, h, c->value)) != TD_OK)
            return st;
    }
    if (c->hist == TD_NO_HIST)
        return TD_OK;
    const double *hist = r->hist + c->hist;
    const bool *known = r->hknown + c->hist;
    for (uint32_t j = 0; j < n_history && j < b->n_history; j++) {
        if (!known[j])
            continue;
        td_history_entry *he = &b->history[j];
        if (gid < he->cap_gid_row && he->gid_row[gid]) {
            he->rows[he->gid_row[gid] - 1].actual += hist[j];
            continue;
        }
        rowset s = rows_then(he);
        if ((st = add_share_gid(b, &s, c, gid, h, hist[j])) != TD_OK)
            return st;
    }
    return TD_OK;
}

/* ---- unit ids: each unit's id is remembered in 8 bytes (a hash fragment and the unit's
 * ordinal), so that memory stays small over a large batch; a match is confirmed by
 * evaluating the earlier unit again from its file. */

#define ORD_BITS 28
#define ORD_LIMIT ((1u << ORD_BITS) - 1)

static uint64_t mix(uint64_t h)
{
    /* the finalizer of MurmurHash3 */
    h ^= h >> 33;
    h *= 0xff51afd7ed558ccdULL;
    h ^= h >> 33;
    h *= 0xc4ceb9fe1a85ec53ULL;
    return h ^ (h >> 33);
}

/* The home slot of fragment `frag` in a table of `size` slots (any size: the high half of
 * the mixed fragment scaled to the size). */
static size_t id_home(uint64_t frag, size_t size)
{
    return (size_t)(((mix(frag) >> 32) * (uint64_t)size) >> 32);
}

/* Makes the table `size` slots (at least 1024 and room for what it holds), in pages of its
 * own: a batch of one unit per file knows its number of units before the run and never grows
 * it, and a grown table leaves no hole in the heap where each file's reading allocates. */
static bool id_resize(td_batch *b, size_t size)
{
    if (size < 1024)
        size = 1024;
    if (size > UINT32_MAX)
        return false;
    uint64_t *slots = td_pages_calloc(size, sizeof *slots);
    if (!slots)
        return false;
    for (size_t i = 0; b->id_slots && i < b->id_size; i++) {
        uint64_t v = b->id_slots[i];
        if (!v)
            continue;
        /* entries are placed by their fragment alone, so they can be placed again */
        size_t k = id_home(v >> ORD_BITS, size);
        while (slots[k])
            k = k + 1 < size ? k + 1 : 0;
        slots[k] = v;
    }
    td_pages_free(b->id_slots, b->id_size, sizeof *b->id_slots);
    b->id_slots = slots;
    b->id_size = size;
    return true;
}

/* The ordinal of the first unit of merged file `file`. */
static uint32_t first_ordinal(const td_batch *b, size_t file)
{
    return file < b->n_ident ? (uint32_t)file : b->file_first[file];
}

/* The file index and document index of the unit with `ordinal`. */
static void locate_ordinal(const td_batch *b, uint32_t ordinal, uint32_t *file, uint32_t *doc)
{
    /* the last merged file whose first ordinal <= ordinal (later files are not known yet) */
    size_t lo = 0, hi = b->n_merged;
    while (hi - lo > 1) {
        size_t mid = lo + (hi - lo) / 2;
        if (first_ordinal(b, mid) <= ordinal)
            lo = mid;
        else
            hi = mid;
    }
    *file = (uint32_t)lo;
    *doc = ordinal - first_ordinal(b, lo);
}

/* Closes the reader of the file read again to confirm duplicate ids. */
static void confirm_close(td_batch *b)
{
    td_yaml_close(b->confirm_y);
    b->confirm_y = NULL;
    b->confirm_next = 0;
}

/* Evaluates document `doc` of file `file` again, and tells whether its id is `id` and on
 * which line it is written (0 when the file cannot be read again, as standard input). The
 * file's reader is kept for the next call, which goes on from there when it asks for a later
 * document of the same file: a file's units met again in order (a copy of a district file)
 * are read again once in all, not each from the file's start. */
static td_status earlier_id(td_batch *b, uint32_t file, uint32_t doc, const char *id, bool *same,
                            uint32_t *line)
{
    *same = false;
    *line = 0;
    const td_source *src = b->mem;
    if (src) {
        /* the unit file is held in memory: nothing to read again */
    } else if (!b->confirm_src || b->confirm_file != file) {
        confirm_close(b);
        td_source_free(b->confirm_src);
        b->confirm_src = NULL;
        const char *path = td_paths_get(&b->paths, file, &b->path_buf, &b->path_cap);
        if (!path)
            return TD_ENOMEM;
        td_status st = strcmp(path, "-") == 0 ? TD_EIO : td_source_read(path, &b->confirm_src);
        if (st == TD_EIO) {
            *same = true; /* trust the hash: the earlier text is gone */
            return TD_OK;
        }
        if (st != TD_OK)
            return st;
        b->confirm_file = file;
    }
    if (!src)
        src = b->confirm_src;
    td_diag scratch;
    td_diag_init(&scratch);
    td_unit_result r;
    td_unit_result_init(&r, b->lang);
    td_status st = TD_OK;
    if (b->confirm_y && doc < b->confirm_next)
        confirm_close(b); /* an earlier document: from the start again */
    if (!b->confirm_y)
        st = td_yaml_open(src, NULL, &b->confirm_y);
    td_yaml *y = b->confirm_y;
    while (st == TD_OK) {
        td_ynode *root = NULL;
        uint32_t dl = 0;
        td_arena_reset(&b->confirm);
        st = td_yaml_next(y, &b->confirm, &scratch, &root, &dl);
        if (st != TD_OK || !root) {
            confirm_close(b);
            break;
        }
        if (b->confirm_next++ < doc)
            continue;
        td_node *node = NULL;
        st = td_type_document(b->p->schema.document_type, root, src, &b->confirm,
                              &scratch, &node);
        if (st == TD_OK)
            st = td_eval_document(b->p, node, b->as_of, src, &b->confirm, &r);
        if (st == TD_OK && r.id && strcmp(r.id, id) == 0) {
            const td_ynode *n = find_id(root, id, 0, true);
            *same = true;
            *line = n ? n->line : root->line ? root->line : dl;
        }
        break;
    }
    td_unit_result_free(&r);
    td_diag_free(&scratch);
    td_arena_reset(&b->confirm);
    return st;
}

/* Records the unit's id, or reports it as a duplicate of an earlier unit. */
static td_status check_id(td_batch *b, bunit *u, uint32_t ordinal)
{
    const char *id = u->r.id;
    if (!id || !*id || ordinal >= ORD_LIMIT)
        return TD_OK;
    uint64_t h = mix(hash_str(0xcbf29ce484222325ULL, id));
    uint64_t frag = h >> ORD_BITS;
    size_t k = b->id_slots ? id_home(frag, b->id_size) : 0;
    for (; b->id_slots && b->id_slots[k]; k = k + 1 < b->id_size ? k + 1 : 0) {
        uint64_t v = b->id_slots[k];
        if (v >> ORD_BITS != frag)
            continue;
        uint32_t file, doc, line;
        bool same;
        locate_ordinal(b, (uint32_t)(v & ORD_LIMIT) - 1, &file, &doc);
        td_status st = earlier_id(b, file, doc, id, &same, &line);
        if (st != TD_OK)
            return st;
        if (!same)
            continue;
        const char *path = td_paths_get(&b->paths, file, &b->path_buf, &b->path_cap);
        if (!path)
            return TD_ENOMEM;
        char where[64];
        if (line)
            snprintf(where, sizeof where, ":%u", line);
        else
            snprintf(where, sizeof where, " (document %u)", doc + 1);
        td_diag *d = &u->r.findings;
        td_diagnostic *e = td_diag_at_lc(
            d, TD_SEV_ERROR, TD_CODE_BATCH_DUPLICATE_ID, NULL, 0, 0, 1,
            "unit id '%s' is already used by the unit at %s%s; each unit needs its own id: "
            "change one of them, or leave one file out if both are drafts of the same unit",
            id, strcmp(path, "-") == 0 ? "<stdin>" : path, where);
        if (!e || !td_diag_set(d, &e->file, "%s", u->r.file) ||
            !td_diag_set(d, &e->rule, "%s", "batch.duplicate_id") ||
            !td_diag_set(d, &e->path, "%s", "unit.id"))
            return TD_ENOMEM;
        e->line = u->id_line ? u->id_line : u->r.line;
        e->col = u->id_line ? u->id_col : 1;
        e->width = u->id_line ? u->id_width : 1;
        e->doc = u->r.doc;
        if (u->id_text) {
            e->source_line = u->id_text;
            u->id_text = NULL;
        }
        td_diag_sort(d);
        return TD_OK;
    }
    if ((!b->id_slots || (b->n_ids + 1) * 5 > b->id_size * 4) && !id_resize(b, b->id_size * 2))
        return TD_ENOMEM;
    size_t j = id_home(frag, b->id_size);
    while (b->id_slots[j])
        j = j + 1 < b->id_size ? j + 1 : 0;
    b->id_slots[j] = (frag << ORD_BITS) | (ordinal + 1);
    b->n_ids++;
    return TD_OK;
}

/* What finishing units adds up to: the batch's, or one settle thread's (added to the
 * batch's once it ends). */
typedef struct tally {
    td_batch_summary *sum;  /* passed, failed and the findings' counts */
    size_t *n_finished;
    td_waiver_use *use;     /* per waiver of the program */
} tally;

/* What every unit's final findings need, wherever it is finished: the clause of file-level
 * findings, the waivers and the counts. */
static td_status finish_findings(const td_batch *b, td_unit_result *r, const tally *t)
{
    /* every message names a clause: what is wrong with the file as a whole (not YAML, a
     * key twice, an id used twice) cites the clause of the unit file itself */
    const char *doc_cite = b->p->schema.document ? b->p->schema.document->cite : NULL;
    for (size_t i = 0; doc_cite && i < r->findings.n; i++)
        if (!r->findings.items[i].cite &&
            !td_diag_set(&r->findings, &r->findings.items[i].cite, "%s", doc_cite))
            return TD_ENOMEM;
    (*t->n_finished)++;
    /* per unit, with counts only: what a waiver matched is the same for any -j */
    td_waivers_apply(b->p, b->as_of, r, t->use);
    if (r->findings.errors)
        t->sum->failed++;
    else
        t->sum->passed++;
    t->sum->errors += r->findings.errors;
    t->sum->warnings += r->findings.warnings;
    t->sum->infos += r->findings.infos;
    t->sum->waived += r->findings.waived;
    return TD_OK;
}

/* What needs a unit's final findings: the clause of file-level findings, the summary, the
 * callback, and keeping the result. */
static td_status finish_merge(td_batch *b, const td_batch_opts *o, td_unit_result *r)
{
    tally all = {&b->sum, &b->n_finished, b->waiver_use};
    td_status st = finish_findings(b, r, &all);
    if (st != TD_OK)
        return st;
    if (o->on_unit && (st = o->on_unit(o->arg, r)) != TD_OK)
        return st;
    if (o->keep_units) {
        if (!grow((void **)&b->units, &b->cap_units, b->n_units + 1, sizeof *b->units))
            return TD_ENOMEM;
        b->units[b->n_units++] = *r;
        td_unit_result_init(r, b->lang);
    }
    return TD_OK;
}

typedef struct settle_arg {
    td_batch *b;
    const td_batch_opts *o;
} settle_arg;

static td_status settled(void *arg, td_unit_result *u)
{
    settle_arg *sa = arg;
    return finish_merge(sa->b, sa->o, u);
}

static void locate_ordinal(const td_batch *b, uint32_t ordinal, uint32_t *file, uint32_t *doc);

/* The display path of the file of unit `ordinal` (td_xref_name_fn). */
static const char *file_name(void *arg, uint32_t ordinal, char **buf, size_t *cap)
{
    const td_batch *b = arg;
    uint32_t file, doc;
    if (!b->n_merged)
        return NULL;
    locate_ordinal(b, ordinal, &file, &doc);
    return file < b->n_files ? td_paths_get(&b->paths, file, buf, cap) : NULL;
}

/* ---- the settle on several threads ---- */

/* The settle's threads first build the index together (td_xref_index_share: the passes shared,
 * then the first thread ends it while the others wait). The held units are then resolved and
 * finished in runs of TD_XREF_RUN, claimed in order by the settle's threads; each thread
 * hands a run's units to a sink of its own (fork_unit), and moves what the sink holds to the
 * report (take_unit) when every run before is written, its next units then going straight to
 * on_unit. The first run goes straight to on_unit: nothing comes before it. A thread whose run
 * is resolved before its turn keeps it in its sink and claims the next run into another sink
 * (up to SETTLE_HOLD runs held, each sink made when first needed), writing what it holds as
 * soon as its turn comes, between two units: so no thread waits for another's run unless it
 * is SETTLE_HOLD runs ahead. Each unit is read back, resolved, finished and freed on one
 * thread, and the report is never handed from core to core (the levers that split the settle
 * into stages did: docs/performance.md, levers 10.4, 14.3). */
#define SETTLE_HOLD 3
typedef struct settle_run {
    td_batch *b;
    const td_batch_opts *o;
    size_t n_runs;
    atomic_size_t next;     /* the next run to claim */
    pthread_mutex_t mu;
    pthread_cond_t turn_cv; /* a run was written; a thread's passes ended; the index is made */
    unsigned threads;       /* the settle's (the calling one among them) */
    unsigned shared;        /* threads whose passes have ended; guarded by mu */
    bool indexed;           /* the index is made; guarded by mu */
    td_xref_thread **ts;    /* every settler's, for td_xref_index_end */
    atomic_size_t written;  /* runs written (changed under mu) */
    bool stop;              /* guarded by mu */
    td_status fail;         /* first failure; guarded by mu */
} settle_run;

/* One thread of the settle. */
typedef struct settler {
    settle_run *run;
    td_xref_thread *t;      /* owned */
    void *child[SETTLE_HOLD]; /* owned: this thread's sinks (o->drop_unit); NULL: not made yet */
    unsigned n_held;        /* runs resolved and not yet written, oldest first: */
    size_t held_run[SETTLE_HOLD];
    void *held_sink[SETTLE_HOLD];
    void *sink;             /* where the run being resolved goes: a child, or o->arg */
    size_t claimed;         /* the run being resolved */
    td_batch_summary sum;   /* of the units finished here */
    size_t n_finished;
    td_waiver_use *use;     /* owned: per waiver, what it matched here */
} settler;

/* Records the first failure and stops every thread; under run->mu. */
static void settle_fail(settle_run *run, td_status st)
{
    if (run->fail == TD_OK)
        run->fail = st;
    run->stop = true;
    pthread_cond_broadcast(&run->turn_cv);
}

/* Marks run c written (its bytes are in the report), or the settle failed there. */
static void run_written(settle_run *run, size_t c, td_status st)
{
    pthread_mutex_lock(&run->mu);
    atomic_store_explicit(&run->written, c + 1, memory_order_release);
    if (st != TD_OK)
        settle_fail(run, st);
    pthread_cond_broadcast(&run->turn_cv);
    pthread_mutex_unlock(&run->mu);
}

/* Writes the runs this thread holds whose turn has come, oldest first. */
static td_status write_due(settler *me)
{
    settle_run *run = me->run;
    td_status st = TD_OK;
    while (st == TD_OK && me->n_held &&
           atomic_load_explicit(&run->written, memory_order_acquire) == me->held_run[0]) {
        size_t c = me->held_run[0];
        st = run->o->take_unit(run->o->arg, me->held_sink[0]);
        me->n_held--;
        memmove(me->held_run, me->held_run + 1, me->n_held * sizeof *me->held_run);
        memmove(me->held_sink, me->held_sink + 1, me->n_held * sizeof *me->held_sink);
        run_written(run, c, st);
    }
    return st;
}

/* Waits until the oldest run this thread holds may be written, and writes what is due; false
 * when the settle stops. */
static bool wait_turn(settler *me)
{
    settle_run *run = me->run;
    pthread_mutex_lock(&run->mu);
    while (atomic_load_explicit(&run->written, memory_order_relaxed) != me->held_run[0] &&
           !run->stop)
        pthread_cond_wait(&run->turn_cv, &run->mu);
    bool stop = run->stop;
    pthread_mutex_unlock(&run->mu);
    return !stop && write_due(me) == TD_OK;
}

/* A sink of this thread that holds no run, made if need be (there is one: n_held <
 * SETTLE_HOLD); NULL when out of memory. */
static void *free_sink(settler *me)
{
    const td_batch_opts *o = me->run->o;
    for (unsigned k = 0; k < SETTLE_HOLD; k++) {
        bool busy = false;
        for (unsigned h = 0; h < me->n_held; h++)
            busy |= me->held_sink[h] == me->child[k];
        if (busy)
            continue;
        if (!me->child[k] && o->fork_unit(o->arg, &me->child[k]) != TD_OK)
            me->child[k] = NULL;
        return me->child[k];
    }
    return NULL;
}

static td_status settled_here(void *arg, td_unit_result *u)
{
    settler *me = arg;
    const td_batch_opts *o = me->run->o;
    tally here = {&me->sum, &me->n_finished, me->use};
    td_status st = finish_findings(me->run->b, u, &here);
    if (st != TD_OK || !o->on_unit)
        return st;
    /* a run held before this one whose turn has come is written now, not after this run:
     * the other threads may be waiting for it */
    if (me->n_held && (st = write_due(me)) != TD_OK)
        return st;
    if (me->sink != o->arg &&
        atomic_load_explicit(&me->run->written, memory_order_acquire) == me->claimed) {
        /* every run before this one is written: what it holds goes to the report now, and
         * its next units straight there, so that a fork holds only what is made before its
         * turn (each page of it is a page fault: docs/performance.md, lever 24) */
        if ((st = o->take_unit(o->arg, me->sink)) != TD_OK)
            return st;
        me->sink = o->arg;
    }
    return o->on_unit(me->sink, u);
}

/* This thread's share of the index's passes; the first thread (the calling one) then ends
 * the index once every thread's share is done. False when the settle stops. */
static bool share_index(settler *me)
{
    settle_run *run = me->run;
    td_status st = td_xref_index_share(run->b->xref, me->t);
    bool first = me->t == run->ts[0];
    pthread_mutex_lock(&run->mu);
    if (st != TD_OK)
        settle_fail(run, st);
    run->shared++;
    pthread_cond_broadcast(&run->turn_cv);
    if (first) {
        while (run->shared < run->threads)
            pthread_cond_wait(&run->turn_cv, &run->mu);
        bool stop = run->stop;
        pthread_mutex_unlock(&run->mu);
        st = stop ? TD_OK : td_xref_index_end(run->b->xref, run->ts, run->threads);
        pthread_mutex_lock(&run->mu);
        if (st != TD_OK)
            settle_fail(run, st);
        run->indexed = true;
        pthread_cond_broadcast(&run->turn_cv);
    } else {
        while (!run->indexed && !run->stop)
            pthread_cond_wait(&run->turn_cv, &run->mu);
    }
    bool go = !run->stop;
    pthread_mutex_unlock(&run->mu);
    return go;
}

static void settle_main(void *arg)
{
    settler *me = arg;
    settle_run *run = me->run;
    const td_batch_opts *o = run->o;
    if (!share_index(me))
        return;
    for (;;) {
        if (write_due(me) != TD_OK)
            return;
        if (me->n_held == SETTLE_HOLD) {
            /* every sink holds a run: this thread is that far ahead */
            if (!wait_turn(me))
                return;
            continue;
        }
        size_t c = atomic_fetch_add(&run->next, 1);
        if (c >= run->n_runs)
            break;
        uint32_t from = (uint32_t)(c * TD_XREF_RUN);
        me->claimed = c;
        me->sink = atomic_load_explicit(&run->written, memory_order_acquire) == c
                       ? o->arg
                       : free_sink(me);
        td_status st = me->sink ? td_xref_settle_range(run->b->xref, me->t, from,
                                                       from + TD_XREF_RUN, settled_here, me)
                                : TD_ENOMEM;
        if (st != TD_OK) {
            pthread_mutex_lock(&run->mu);
            settle_fail(run, st);
            pthread_mutex_unlock(&run->mu);
            return;
        }
        if (me->sink == o->arg) {
            run_written(run, c, TD_OK);
        } else {
            me->held_run[me->n_held] = c;
            me->held_sink[me->n_held++] = me->sink;
        }
    }
    /* no run left to claim: what this thread holds is written in its turn */
    while (me->n_held)
        if (!wait_turn(me))
            return;
}

/* The settle on `n` threads of the crew (the calling one among them), the index's passes
 * among them; false when it could not start (a sink that cannot be forked: the settle is then
 * made on this thread). */
static bool settle_threads(td_batch *b, const td_batch_opts *o, td_crew *crew, unsigned n,
                           td_status *st)
{
    settle_run run;
    memset(&run, 0, sizeof run);
    run.b = b;
    run.o = o;
    run.n_runs = (td_xref_held(b->xref) + TD_XREF_RUN - 1) / TD_XREF_RUN;
    settler me[MAX_JOBS];
    memset(me, 0, n * sizeof *me);
    td_xref_thread *ts[MAX_JOBS];
    run.ts = ts;
    bool ok = true;
    *st = TD_OK;
    for (unsigned i = 0; i < n && ok && *st == TD_OK; i++) {
        me[i].run = &run;
        if ((*st = o->fork_unit(o->arg, &me[i].child[0])) == TD_OK && !me[i].child[0])
            ok = false;
        else if (*st == TD_OK && (*st = td_xref_thread_new(&me[i].t)) == TD_OK &&
                 !(me[i].use = calloc(b->p->n_waivers + 1, sizeof *me[i].use)))
            *st = TD_ENOMEM;
        ts[i] = me[i].t;
    }
    if (ok && *st == TD_OK)
        *st = td_xref_index_begin(b->xref);
    if (ok && *st == TD_OK) {
        atomic_init(&run.next, 0);
        atomic_init(&run.written, 0);
        pthread_mutex_init(&run.mu, NULL);
        pthread_cond_init(&run.turn_cv, NULL);
        void *args[MAX_JOBS];
        for (unsigned i = 0; i < n; i++)
            args[i] = &me[i];
        run.threads = n;
        td_crew_run(crew, settle_main, args, n);
        pthread_cond_destroy(&run.turn_cv);
        pthread_mutex_destroy(&run.mu);
        *st = run.fail != TD_OK ? run.fail
              : atomic_load(&run.written) == run.n_runs ? TD_OK
                                                         : TD_EBUG;
        for (unsigned i = 0; i < n; i++) {
            td_batch_summary *s = &me[i].sum;
            b->sum.passed += s->passed;
            b->sum.failed += s->failed;
            b->sum.errors += s->errors;
            b->sum.warnings += s->warnings;
            b->sum.infos += s->infos;
            b->sum.waived += s->waived;
            b->n_finished += me[i].n_finished;
            for (uint32_t w = 0; w < b->p->n_waivers; w++) {
                b->waiver_use[w].units += me[i].use[w].units;
                b->waiver_use[w].covered += me[i].use[w].covered;
                b->waiver_use[w].expired += me[i].use[w].expired;
            }
        }
    }
    for (unsigned i = 0; i < n; i++) {
        for (unsigned k = 0; k < SETTLE_HOLD; k++)
            if (me[i].child[k])
                o->drop_unit(me[i].child[k]);
        td_xref_thread_free(me[i].t);
        free(me[i].use);
    }
    return ok;
}

/* Resolves the references across the units held so far, and finishes their merge: on up to
 * -j threads of the crew (NULL: this thread alone) when there are runs for them and the sink
 * can be forked. */
static td_status settle(td_batch *b, const td_batch_opts *o, td_crew *crew)
{
    if (!b->xref)
        return TD_OK;
    unsigned n = crew ? o->jobs : 1; /* td_crew_grow holds it to what the crew may have */
    size_t runs = (td_xref_held(b->xref) + TD_XREF_RUN - 1) / TD_XREF_RUN;
    if (n > runs)
        n = (unsigned)runs;
    if (n < 2 || !o->fork_unit || !o->take_unit || !o->drop_unit || o->keep_units ||
        o->ids_per_file || (n = td_crew_grow(crew, n)) < 2) {
        settle_arg sa = {b, o};
        return td_xref_settle(b->xref, settled, &sa);
    }
    td_status st = TD_OK;
    if (!settle_threads(b, o, crew, n, &st) && st == TD_OK) {
        td_xref_thread *t = NULL;
        settle_arg sa = {b, o};
        if ((st = td_xref_settle_begin(b->xref)) == TD_OK &&
            (st = td_xref_thread_new(&t)) == TD_OK)
            st = td_xref_settle_range(b->xref, t, 0, td_xref_held(b->xref), settled, &sa);
        td_xref_thread_free(t);
    }
    return td_xref_settle_end(b->xref, st);
}

static td_status merge_unit(td_batch *b, const td_batch_opts *o, bunit *u)
{
    uint32_t ordinal = (uint32_t)b->sum.units;
    td_status st = check_id(b, u, ordinal);
    if (st != TD_OK)
        return st;
    td_unit_result *r = &u->r;
    for (uint32_t i = 0; i < r->n_contribs; i++)
        if ((st = add_contrib(b, r, &r->contribs[i])) != TD_OK)
            return st;
    if (r->stages && r->n_stages == b->n_stages)
        for (uint32_t i = 0; i < r->n_stages; i++)
            b->stages[i] += r->stages[i];
    b->sum.units++;
    /* a unit may name another's entity (Decision 12): it waits for the whole batch */
    if (b->xref)
        return td_xref_hold(b->xref, r, ordinal);
    return finish_merge(b, o, r);
}

static int cmp_row(const void *pa, const void *pb)
{
    const td_target_row *a = pa, *b = pb;
    if (a->target != b->target)
        return a->target < b->target ? -1 : 1;
    if (!a->group || !b->group)
        return a->group ? 1 : b->group ? -1 : 0;
    return strcmp(a->group, b->group);
}

/* Finishes the target rows: each target in program order (a row of 0 for a target nothing
 * contributed to), its groups sorted by name; then requirement, percent, met, severity. */
static td_status finish_rows(td_batch *b, rowset *s, int32_t as_of, bool count)
{
    const td_program *p = b->p;
    free(*s->group_slots);
    *s->group_slots = NULL;
    free(*s->gid_row);
    *s->gid_row = NULL;
    *s->cap_gid_row = 0;
    bool *seen = calloc(p->n_targets + 1, sizeof *seen);
    if (!seen)
        return TD_ENOMEM;
    for (size_t i = 0; i < *s->n_rows; i++)
        seen[(*s->rows)[i].target] = true;
    for (uint32_t t = 0; t < p->n_targets; t++) {
        if (seen[t])
            continue;
        if (!grow((void **)s->rows, s->cap_rows, *s->n_rows + 1, sizeof **s->rows)) {
            free(seen);
            return TD_ENOMEM;
        }
        memset(&(*s->rows)[*s->n_rows], 0, sizeof **s->rows);
        (*s->rows)[(*s->n_rows)++].target = t;
    }
    free(seen);
    if (*s->n_rows > 1)
        qsort(*s->rows, *s->n_rows, sizeof **s->rows, cmp_row);
    for (size_t i = 0; i < *s->n_rows; i++) {
        td_target_row *row = &(*s->rows)[i];
        const td_target *tg = &p->targets[row->target];
        double req = 0;
        bool has_req = td_target_required(p, tg, as_of, &req);
        bool due = true;
        int32_t due_day;
        if (td_target_due(p, tg, as_of, &due_day))
            due = as_of >= due_day;
        row->has_required = has_req;
        row->required = req;
        row->met = !has_req || row->actual >= req;
        row->severity = row->met ? TD_SEV_INFO : due ? TD_SEV_ERROR : TD_SEV_INFO;
        row->has_percent = has_req && req > 0 && isfinite(row->actual);
        row->percent = row->has_percent ? 100.0 * row->actual / req : 0;
        if (has_req && count) {
            b->sum.targets++;
            if (row->met)
                b->sum.targets_met++;
            else if (row->severity == TD_SEV_ERROR)
                b->sum.target_errors++;
            else
                b->sum.target_infos++;
        }
    }
    return TD_OK;
}

static int32_t month_end(int32_t month)
{
    int32_t y = month >= 0 ? month / 12 : -((-month + 11) / 12);
    uint32_t m = (uint32_t)(month - y * 12) + 1;
    return (m == 12 ? td_days_from_civil(y + 1, 1, 1) : td_days_from_civil(y, m + 1, 1)) - 1;
}

/* The same row (target and group) in a history entry, or NULL. */
static const td_target_row *row_then(const td_history_entry *h, const td_target_row *row)
{
    for (size_t i = 0; i < h->n_rows; i++)
        if (same_group(&h->rows[i], row->target, row->group))
            return &h->rows[i];
    return NULL;
}

/* The pace of each requirement not yet due: what is still needed per month left, against
 * what the last three months gave (from the history). */
static void pace(td_batch *b)
{
    int32_t now_month = td_month_of_date(b->as_of);
    for (size_t i = 0; i < b->n_rows; i++) {
        td_target_row *row = &b->rows[i];
        const td_target *tg = &b->p->targets[row->target];
        int32_t due_day;
        if (!row->has_required || !td_target_due(b->p, tg, b->as_of, &due_day) ||
            b->as_of >= due_day)
            continue;
        row->has_pace = true;
        int32_t months = td_month_of_date(due_day) - now_month;
        row->pace_months = months > 0 ? (uint32_t)months : 1;
        row->pace_needed = row->actual < row->required ? row->required - row->actual : 0;
        row->pace_per_month = row->pace_needed / row->pace_months;
        /* the last three months: from the end of the month three months back, or from the
         * oldest month end of the history when the period is younger */
        const td_history_entry *base = NULL;
        uint32_t span = 0;
        for (size_t k = b->n_history; k-- > 0;) {
            int32_t m = td_month_of_date(b->history[k].as_of);
            if (now_month - m > 3)
                break;
            base = &b->history[k];
            span = (uint32_t)(now_month - m);
        }
        const td_target_row *then = base && span ? row_then(base, row) : NULL;
        if (base && span) {
            row->has_recent = true;
            row->recent_months = span;
            row->recent_per_month = (row->actual - (then ? then->actual : 0)) / span;
        }
        row->on_pace = row->pace_needed <= 0 ||
                       (row->has_recent && row->recent_per_month >= row->pace_per_month);
    }
}

/* Finishes the target rows: each target in program order (a row of 0 for a target nothing
 * contributed to), its groups sorted by name; then requirement, percent, met, severity; the
 * same at each history date; then the pace. */
static td_status finish_targets(td_batch *b)
{
    rowset now = rows_now(b);
    td_status st = finish_rows(b, &now, b->as_of, true);
    for (size_t j = 0; j < b->n_history && st == TD_OK; j++) {
        rowset then = rows_then(&b->history[j]);
        st = finish_rows(b, &then, b->history[j].as_of, false);
    }
    if (st == TD_OK)
        pace(b);
    return st;
}

/* The history dates: the end of every month from the month the plan's period starts
 * through the month before the as-of date (at most 100 years of them). */
static td_status history_dates(td_batch *b)
{
    const td_plan_info *pl = &b->p->plan;
    if (!pl->has_period)
        return TD_OK;
    int32_t from = td_month_of_date(pl->period_from), to = td_month_of_date(b->as_of) - 1;
    if (to < from)
        return TD_OK;
    if (to - from >= 1200)
        from = to - 1199;
    size_t n = (size_t)(to - from + 1);
    b->history = calloc(n, sizeof *b->history);
    b->history_days = calloc(n, sizeof *b->history_days);
    if (!b->history || !b->history_days)
        return TD_ENOMEM;
    b->n_history = n;
    for (size_t k = 0; k < n; k++)
        b->history[k].as_of = b->history_days[k] = month_end(from + (int32_t)k);
    b->dates.history = b->history_days;
    b->dates.n_history = (uint32_t)n;
    return TD_OK;
}

/* Evaluates an input (or a part of one: `part`, the file read already), or gives the finding
 * that stands for it. TD_ENOMEM only. */
static td_status run_input(worker *w, const td_program *p, const td_batch *b, const task *t,
                           const td_source *part, fjob *j, flush_fn flush, void *flush_arg)
{
    td_batch_input in = td_paths_input(&b->paths, t->file);
    const char *path = td_paths_get(&b->paths, t->file, &w->path, &w->path_cap);
    j->lang = b->lang;
    if (!path)
        return TD_ENOMEM;
    if (in.kind != TD_WALK_FILE)
        return file_problem(j, path, in.kind, in.err);
    return run_file(w, p, &b->dates, path, part ? part : b->mem, t, j, flush, flush_arg);
}

/* ---------- threads ---------- */

typedef struct shared {
    const td_program *p;
    const td_batch_opts *o;
    td_batch *b;
    task *tasks;            /* owned: the files in order, a large one as its parts; NULL
                             * when no file is read in parts (task i is file i) */
    size_t n_tasks;
    td_source **parted;     /* owned (with tasks): per file, its text when read in parts */
    uint32_t part_docs;     /* merge: documents of the file's parts merged so far */
    bool part_skip;         /* merge: a part read on to the end: skip the file's next parts */
    fjob *jobs;             /* a ring of `ring` jobs: task i is in jobs[i % ring] */
    spent *spent;           /* per worker: its jobs merged, to be freed (guarded by mu) */
    size_t ring;            /* tasks evaluated ahead of the merge, at most */
    size_t max_held;        /* units evaluated ahead of the merge, at most (but see below) */
    atomic_size_t next;     /* the next task to claim */
    pthread_mutex_t mu;
    pthread_cond_t room_cv; /* the merge moved on: a worker waiting for room may go on */
    size_t merged;          /* tasks merged (guarded by mu) */
    size_t held;            /* units of files done and not merged yet (guarded by mu) */
    size_t made_tasks, made_units; /* evaluated so far, for the size of a claim (mu) */
    unsigned waiting;       /* workers waiting on room_cv (guarded by mu) */
    unsigned ended;         /* workers that found no task left (guarded by mu) */
    bool merging;           /* a worker is merging (guarded by mu) */
    bool stop;              /* guarded by mu */
    td_status fail;         /* first failure; guarded by mu */
} shared;

static void worker_init(worker *w)
{
    td_arena_init(&w->unit, UNIT_CHUNK);
    td_limits_default(&w->lim);
    w->fast = NULL;
    w->path = NULL;
    w->path_cap = 0;
}

static void worker_free(worker *w)
{
    td_arena_free(&w->unit);
    td_fast_free(w->fast);
    free(w->path);
}

/* The start of the merge of file i, before its first unit. */
static void merge_begin(shared *s, size_t i)
{
    td_batch *b = s->b;
    uint32_t first = (uint32_t)(b->sum.units < UINT32_MAX ? b->sum.units : UINT32_MAX);
    if (i == b->n_ident && first == i)
        b->n_ident++; /* one unit a file so far: nothing written, no page touched */
    else
        b->file_first[i] = first;
    b->n_merged = i + 1;
    if (s->o->ids_per_file && b->id_slots) {
        /* each file is judged alone: forget the ids of the files before it */
        memset(b->id_slots, 0, b->id_size * sizeof *b->id_slots);
        b->n_ids = 0;
    }
}

/* Merges the units of the file held in j, in order (they stay in j, for its owner to free). */
static td_status merge_units(shared *s, fjob *j)
{
    td_status st = TD_OK;
    for (size_t k = 0; k < j->n && st == TD_OK; k++)
        st = merge_unit(s->b, s->o, &j->items[k]);
    return st;
}

/* Frees the units of j and empties it (its array is kept). */
static void drop_units(fjob *j)
{
    for (size_t k = 0; k < j->n; k++)
        bunit_free(&j->items[k]);
    j->n = 0;
}

/* Merges file i (its first units already, when `begun`): its units in order into the
 * batch (they stay in j). */
static td_status merge_file(shared *s, size_t i, fjob *j, bool begun)
{
    td_batch *b = s->b;
    b->bytes += j->bytes;
    if (!begun)
        merge_begin(s, i);
    td_status st = merge_units(s, j);
    if (st == TD_OK && s->o->ids_per_file)
        st = settle(b, s->o, NULL); /* each file is judged alone */
    if (st == TD_OK && s->o->on_progress)
        s->o->on_progress(s->o->progress_arg, i + 1, b->n_files, b->sum.units);
    return st;
}

static task task_at(const shared *s, size_t k)
{
    return s->tasks ? s->tasks[k] : (task){(uint32_t)k, 0, 0};
}

/* Merges task k: a whole file, or one part of a file read in parts, whose units are numbered
 * on from the parts before it; the parts after one that read on to the end of the file
 * are dropped (that part read their documents already). The units stay in j. */
static td_status merge_task(shared *s, size_t k, fjob *j)
{
    task here = task_at(s, k);
    const task *t = &here;
    bool last = k + 1 == s->n_tasks || task_at(s, k + 1).file != t->file;
    if (!t->start && last)
        return merge_file(s, t->file, j, false);
    if (!t->start) {
        s->part_docs = 0;
        s->part_skip = false;
        merge_begin(s, t->file);
    }
    td_status st = TD_OK;
    if (!s->part_skip) {
        for (size_t u = 0; u < j->n; u++) {
            td_unit_result *r = &j->items[u].r;
            r->doc += s->part_docs;
            for (size_t f = 0; f < r->findings.n; f++)
                r->findings.items[f].doc = r->doc;
        }
        s->part_docs += j->docs;
        s->part_skip = j->overran;
        s->b->bytes += j->bytes;
        st = merge_units(s, j);
    }
    if (!last)
        return st;
    if (s->parted) {
        td_source_free(s->parted[t->file]);
        s->parted[t->file] = NULL;
    }
    fjob none = {0};
    return st == TD_OK ? merge_file(s, t->file, &none, true) : st;
}

/* Hands merged job j to the worker that made it (called with mu held). */
static void spend(shared *s, fjob *j)
{
    spent *l = &s->spent[j->owner];
    if (grow((void **)&l->jobs, &l->cap, l->n + 1, sizeof *l->jobs))
        l->jobs[l->n++] = *j;
    else
        fjob_free(j); /* freed here, then */
    memset(j, 0, sizeof *j);
}

/* Frees the jobs of a spent list, keeping its array. */
static void spent_free(spent *l)
{
    for (size_t i = 0; i < l->n; i++)
        fjob_free(&l->jobs[i]);
    l->n = 0;
}

/* Called with mu held by worker `me` after a file, or before it waits for room: unless another
 * worker is merging, merges every file that is done, in input order, from the next one on,
 * and stops at a file claimed with others by another worker that is still evaluating: that
 * worker merges it after its current file (unless a worker waits for room, or has ended).
 * The merge thus runs on a worker that has the file it waits for, one worker at a time, and
 * no thread is woken to do it. Returns with mu held. */
static void merge_ready(shared *s, unsigned me)
{
    if (s->merging)
        return;
    s->merging = true;
    while (!s->stop && s->merged < s->n_tasks && s->jobs[s->merged % s->ring].done) {
        const fjob *next = &s->jobs[s->merged % s->ring];
        if (next->claimed && next->owner != me && !s->waiting && !s->ended)
            break;
        size_t i = s->merged;
        fjob j = s->jobs[i % s->ring];
        memset(&s->jobs[i % s->ring], 0, sizeof *s->jobs);
        size_t units = j.n;
        pthread_mutex_unlock(&s->mu);
        td_status st = merge_task(s, i, &j);
        pthread_mutex_lock(&s->mu);
        spend(s, &j);
        s->merged = i + 1;
        s->held -= units;
        if (st != TD_OK && s->fail == TD_OK) {
            s->fail = st;
            s->stop = true;
        }
        if (s->waiting)
            pthread_cond_broadcast(&s->room_cv);
    }
    s->merging = false;
}

/* A worker's thread: the batch and the worker's number. */
typedef struct worker_arg {
    shared *s;
    unsigned me;
} worker_arg;

/* Takes the worker's spent jobs (called with mu held): swapped with `mine`, empty. */
static void take_spent(shared *s, unsigned me, spent *mine)
{
    spent t = s->spent[me];
    s->spent[me] = *mine;
    *mine = t;
}

/* Task i must wait for the merge to make room in the window (called with mu held). The task
 * the merge needs next always goes on, so the window never stalls it. */
static bool no_room(const shared *s, size_t i)
{
    return !s->stop && i != s->merged && (i >= s->merged + s->ring || s->held >= s->max_held);
}

/* Tasks to claim at once, by the units a task held so far (called with mu held). */
static size_t claim_size(const shared *s)
{
    if (!s->made_units)
        return 1;
    size_t n = CLAIM_UNITS * s->made_tasks / s->made_units;
    return n < 1 ? 1 : n > CLAIM_TASKS ? CLAIM_TASKS : n;
}

static void worker_main(void *arg)
{
    shared *s = ((worker_arg *)arg)->s;
    unsigned me = ((worker_arg *)arg)->me;
    worker w;
    worker_init(&w);
    spent mine = {0};
    size_t claim = 1, at = 0, end = 0; /* the next claim's size; this one's tasks to begin */
    bool claimed = false;               /* this claim is of several tasks */
    for (;;) {
        if (at == end) {
            at = atomic_fetch_add(&s->next, claim);
            end = at + claim;
            claimed = claim > 1;
        }
        size_t i = at++;
        if (i >= s->n_tasks)
            break;
        pthread_mutex_lock(&s->mu);
        if (s->spent[me].n) {
            take_spent(s, me, &mine);
            pthread_mutex_unlock(&s->mu);
            spent_free(&mine);
            pthread_mutex_lock(&s->mu);
        }
        while (no_room(s, i)) {
            s->waiting++;
            merge_ready(s, me); /* what is done, whoever claimed it */
            if (no_room(s, i))
                pthread_cond_wait(&s->room_cv, &s->mu);
            s->waiting--;
        }
        bool stop = s->stop;
        pthread_mutex_unlock(&s->mu);
        if (stop)
            break;
        fjob j = {0};
        j.owner = me;
        j.claimed = claimed;
        task t = task_at(s, i);
        td_status st = run_input(&w, s->p, s->b, &t, s->parted ? s->parted[t.file] : NULL, &j,
                                 NULL, NULL);
        pthread_mutex_lock(&s->mu);
        if (st != TD_OK) {
            if (s->fail == TD_OK)
                s->fail = st;
            s->stop = true;
            pthread_cond_broadcast(&s->room_cv);
            pthread_mutex_unlock(&s->mu);
            fjob_free(&j);
            break;
        }
        s->jobs[i % s->ring] = j;
        s->jobs[i % s->ring].done = true;
        s->held += j.n;
        s->made_tasks++;
        s->made_units += j.n;
        claim = claim_size(s);
        merge_ready(s, me);
        pthread_mutex_unlock(&s->mu);
    }
    pthread_mutex_lock(&s->mu);
    s->ended++;
    merge_ready(s, me); /* what is done, whoever claimed it */
    take_spent(s, me, &mine);
    pthread_mutex_unlock(&s->mu);
    spent_free(&mine);
    free(mine.jobs);
    worker_free(&w);
}

/* The workers on `jobs` threads of the crew, the calling one among them. */
static td_status run_threads(shared *s, td_crew *crew, unsigned jobs)
{
    worker_arg args[MAX_JOBS];
    void *argp[MAX_JOBS];
    if (!(s->spent = calloc(jobs, sizeof *s->spent)))
        return TD_ENOMEM;
    for (unsigned t = 0; t < jobs; t++) {
        args[t] = (worker_arg){s, t};
        argp[t] = &args[t];
    }
    td_crew_run(crew, worker_main, argp, jobs);
    /* what was merged after its worker ended */
    for (unsigned t = 0; t < jobs; t++) {
        spent_free(&s->spent[t]);
        free(s->spent[t].jobs);
    }
    free(s->spent);
    s->spent = NULL;
    if (s->fail != TD_OK)
        return s->fail;
    return s->merged == s->n_tasks ? TD_OK : TD_EBUG;
}

/* The file a single-threaded run is evaluating, for merging its units as they come. */
typedef struct inline_file {
    shared *s;
    size_t i;
    bool begun;             /* merge_begin was called */
} inline_file;

static td_status flush_inline(void *arg, fjob *j)
{
    inline_file *f = arg;
    if (!f->begun)
        merge_begin(f->s, f->i);
    f->begun = true;
    td_status st = merge_units(f->s, j);
    drop_units(j);
    return st;
}

static td_status run_inline(shared *s)
{
    worker w;
    worker_init(&w);
    td_status st = TD_OK;
    for (size_t i = 0; i < s->b->n_files && st == TD_OK; i++) {
        inline_file f = {s, i, false};
        task t = {(uint32_t)i, 0, 0};
        st = run_input(&w, s->p, s->b, &t, NULL, &s->jobs[0], flush_inline, &f);
        if (st == TD_OK)
            st = merge_file(s, i, &s->jobs[0], f.begun);
        drop_units(&s->jobs[0]);
        s->jobs[0].bytes = 0;
    }
    worker_free(&w);
    return st;
}

/* ---------- the tasks: files, and the parts of a large one ---------- */

/* True when line l (0-based) of src starts a document with `---`. */
static bool starts_document(const td_source *src, uint32_t l)
{
    const char *t = src->text + src->lines[l];
    size_t left = src->len - src->lines[l];
    return left >= 3 && !memcmp(t, "---", 3) &&
           (left == 3 || t[3] == ' ' || t[3] == '\t' || t[3] == '\r' || t[3] == '\n');
}

/* Adds the parts of file i (src, read already) to s->tasks, which has room for
 * src->len / PART_BYTES + 1 more: one part per PART_BYTES or so, each starting at a `---`
 * line after the file's first. Returns the number added. */
static size_t add_parts(shared *s, uint32_t i, const td_source *src)
{
    size_t n = s->n_tasks, first = n;
    s->tasks[n++] = (task){i, 0, 0};
    bool seen = false;
    uint32_t from = 0;
    for (uint32_t l = 0; l < src->nlines; l++) {
        if (!starts_document(src, l))
            continue;
        if (!seen) {
            seen = true; /* the first document stays in the first part */
            continue;
        }
        if (src->lines[l] - from < PART_BYTES)
            continue;
        s->tasks[n - 1].stop = l + 1;
        s->tasks[n++] = (task){i, l + 1, 0};
        from = src->lines[l];
    }
    s->n_tasks = n;
    return n - first;
}

/* The tasks of the batch: with several workers and fewer files than twice as many, each
 * file of SPLIT_MIN bytes or more is read now and handed out in parts. */
static td_status make_tasks(shared *s, unsigned jobs)
{
    td_batch *b = s->b;
    s->n_tasks = b->n_files;
    bool split = jobs > 1 && b->n_files < (size_t)jobs * 2;
    if (!split)
        return TD_OK; /* nothing kept per file: task i is file i */
    s->n_tasks = 0;
    s->parted = calloc(b->n_files + 1, sizeof *s->parted);
    s->tasks = malloc((b->n_files + 1) * sizeof *s->tasks);
    if (!s->parted || !s->tasks)
        return TD_ENOMEM;
    for (size_t i = 0; i < b->n_files; i++) {
        const td_source *src = b->mem;
        td_source *owned = NULL;
        if (td_paths_input(&b->paths, i).kind == TD_WALK_FILE && !src) {
            const char *path = td_paths_get(&b->paths, i, &b->path_buf, &b->path_cap);
            struct stat sb;
            if (!path)
                return TD_ENOMEM;
            if (stat(path, &sb) == 0 && sb.st_size >= SPLIT_MIN &&
                td_source_read_jobs(path, jobs, &owned) == TD_OK)
                src = owned;
        }
        if (!src || src->len < SPLIT_MIN) {
            td_source_free(owned);
            s->tasks[s->n_tasks++] = (task){(uint32_t)i, 0, 0};
            continue;
        }
        /* room for this file's parts and one task for each file after it */
        size_t room = s->n_tasks + src->len / PART_BYTES + 1 + (b->n_files - i - 1) + 1;
        task *grown = realloc(s->tasks, room * sizeof *s->tasks);
        if (!grown) {
            td_source_free(owned);
            return TD_ENOMEM;
        }
        s->tasks = grown;
        if (add_parts(s, (uint32_t)i, src) > 1)
            s->parted[i] = owned;
        else
            td_source_free(owned);
    }
    return TD_OK;
}

static void free_tasks(shared *s)
{
    for (size_t i = 0; s->parted && i < s->b->n_files; i++)
        td_source_free(s->parted[i]);
    free(s->parted);
    free(s->tasks);
    s->parted = NULL;
    s->tasks = NULL;
}

/* ---------- entry points ---------- */

/* td_batch_run, or with `mem` (borrowed) the one unit file held in memory. */
static td_status run_batch(const td_program *p, const char *const *paths, size_t n_paths,
                           const td_source *mem, const td_batch_opts *opts, td_batch **out)
{
    td_batch *b = calloc(1, sizeof *b);
    *out = b;
    if (!b)
        return TD_ENOMEM;
    b->p = p;
    /* the findings are written in the language asked for, else the one the rules declare */
    b->lang = opts->lang != TD_LANG_AUTO  ? opts->lang
              : p->plan.lang != TD_LANG_AUTO ? p->plan.lang
                                             : TD_LANG_EN;
    b->as_of = opts->as_of;
    b->dates.as_of = opts->as_of;
    b->dates.today = opts->today;
    b->dates.trace_rule = opts->trace_rule;
    b->dates.trace_out = opts->trace_out;
    td_arena_init(&b->strings, 64 * 1024);
    td_arena_init(&b->confirm, 0);
    td_status st = TD_OK;
    shared s;
    memset(&s, 0, sizeof s);
    b->mem = mem;
    bool ok = mem ? paths_add(&b->paths, mem->name, NULL, TD_WALK_FILE, 0)
                  : expand(paths, n_paths, &b->paths);
    ok = ok && td_paths_pack(&b->paths);
    b->n_files = b->paths.n;
    if (!ok) {
        b->n_files = 0;
        return TD_ENOMEM;
    }
    b->n_stages = td_program_stage_slots(p);
    if (b->n_stages && !(b->stages = calloc(b->n_stages, sizeof *b->stages)))
        return TD_ENOMEM;
    if (opts->history && (st = history_dates(b)) != TD_OK)
        return st;
    if (!(b->file_first = td_pages_calloc(b->n_files + 1, sizeof *b->file_first)))
        return TD_ENOMEM;
    if (!(b->waiver_use = calloc(p->n_waivers + 1, sizeof *b->waiver_use)))
        return TD_ENOMEM;
    /* the id index sized for one unit a file (validate forgets it at every file: small) */
    if (!opts->ids_per_file && !id_resize(b, b->n_files + b->n_files / 4 + 1))
        return TD_ENOMEM;
    s.p = p;
    s.o = opts;
    s.b = b;
    unsigned jobs = opts->jobs > MAX_JOBS ? MAX_JOBS : opts->jobs;
    if ((st = make_tasks(&s, jobs)) != TD_OK) {
        free_tasks(&s);
        return st;
    }
    if (jobs > s.n_tasks)
        jobs = (unsigned)s.n_tasks;
    s.ring = jobs > 1 ? (size_t)jobs * WINDOW_FILES : 1;
    s.max_held = (size_t)jobs * WINDOW_UNITS;
    s.jobs = calloc(s.ring, sizeof *s.jobs);
    if (!s.jobs) {
        free_tasks(&s);
        return TD_ENOMEM;
    }
    if (p->n_indexes && (st = td_xref_new(p, b->lang, opts->ids_per_file, file_name, b,
                                          &b->xref)) != TD_OK) {
        free(s.jobs);
        free_tasks(&s);
        return st;
    }
    /* the threads of -j, started as the workers and the settle need them and kept from one to
     * the other (the settle may need them when the workers did not: one file of many units) */
    td_crew crew;
    bool crewed = opts->jobs > 1;
    if (crewed)
        td_crew_init(&crew);
    if (jobs > 1)
        jobs = td_crew_grow(&crew, jobs);
    if (jobs <= 1) {
        st = run_inline(&s);
    } else {
        atomic_init(&s.next, 0);
        pthread_mutex_init(&s.mu, NULL);
        pthread_cond_init(&s.room_cv, NULL);
        st = run_threads(&s, &crew, jobs);
        pthread_cond_destroy(&s.room_cv);
        pthread_mutex_destroy(&s.mu);
    }
    for (size_t i = 0; i < s.ring; i++)
        fjob_free(&s.jobs[i]);
    free(s.jobs);
    free_tasks(&s);
    confirm_close(b);
    td_source_free(b->confirm_src);
    b->confirm_src = NULL;
    td_arena_free(&b->confirm);
    /* every unit is merged and its id checked: the id index is given back before the settle,
     * where a batch's memory peaks */
    td_pages_free(b->id_slots, b->id_size, sizeof *b->id_slots);
    b->id_slots = NULL;
    b->id_size = b->n_ids = 0;
    if (st == TD_OK)
        st = settle(b, opts, crewed ? &crew : NULL);
    if (crewed)
        td_crew_end(&crew);
    td_xref_free(b->xref);
    b->xref = NULL;
    if (st == TD_OK)
        st = finish_targets(b);
    return st;
}

td_status td_batch_run(const td_program *p, const char *const *paths, size_t n_paths,
                       const td_batch_opts *opts, td_batch **out)
{
    return run_batch(p, paths, n_paths, NULL, opts, out);
}

td_status td_batch_run_text(const td_program *p, const char *name, const char *text, size_t len,
                            const td_batch_opts *opts, td_batch **out)
{
    *out = NULL;
    td_source *src = td_source_new(name, text, len);
    if (!src)
        return TD_ENOMEM;
    td_status st = run_batch(p, NULL, 0, src, opts, out);
    if (*out)
        (*out)->mem = NULL;
    td_source_free(src);
    return st;
}

void td_batch_free(td_batch *b)
{
    if (!b)
        return;
    td_paths_free(&b->paths);
    free(b->path_buf);
    td_pages_free(b->file_first, b->n_files + 1, sizeof *b->file_first);
    free(b->waiver_use);
    for (size_t i = 0; i < b->n_units; i++)
        td_unit_result_free(&b->units[i]);
    free(b->units);
    free(b->rows);
    free(b->stages);
    free(b->group_slots);
    free(b->gid_row);
    free(b->gid_slots);
    free(b->gid_target);
    free(b->gid_group);
    for (size_t i = 0; i < b->n_history; i++) {
        free(b->history[i].rows);
        free(b->history[i].group_slots);
        free(b->history[i].gid_row);
    }
    free(b->history);
    free(b->history_days);
    td_pages_free(b->id_slots, b->id_size, sizeof *b->id_slots);
    td_xref_free(b->xref);
    confirm_close(b);
    td_source_free(b->confirm_src);
    td_arena_free(&b->confirm);
    td_arena_free(&b->strings);
    free(b);
}

size_t td_batch_files(const td_batch *b)
{
    return b ? b->n_files : 0;
}

const char *td_batch_file(const td_batch *b, size_t i)
{
    if (!b || i >= b->n_files)
        return NULL;
    /* the batch's buffer for a path (the batch is not otherwise changed) */
    td_batch *w = (td_batch *)(uintptr_t)b;
    return td_paths_get(&b->paths, i, &w->path_buf, &w->path_cap);
}

size_t td_batch_units(const td_batch *b)
{
    return b ? b->n_units : 0;
}

const td_unit_result *td_batch_unit(const td_batch *b, size_t i)
{
    return b && i < b->n_units ? &b->units[i] : NULL;
}

bool td_batch_waiver(const td_batch *b, size_t i, td_waiver_use_info *out)
{
    if (!b || i >= b->p->n_waivers || !b->waiver_use)
        return false;
    const td_waiver *w = &b->p->waivers[i];
    const td_waiver_use *u = &b->waiver_use[i];
    *out = (td_waiver_use_info){u->units, u->covered, u->expired,
                                w->dated_days <= b->as_of &&
                                    (!w->until || b->as_of <= w->until_days)};
    return true;
}

bool td_batch_failed(const td_batch *b, bool targets)
{
    return b->sum.failed > 0 || (targets && b->sum.target_errors > 0);
}
