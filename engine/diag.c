/* Diagnostics: source texts, located messages (rule errors and data findings) and their
 * rendering as FILE:LINE:COL with the source line and a caret. Used by every stage. */
#include "diag.h"
#include "waiver.h"

#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "pages.h"

#ifdef __SSE2__
#include <emmintrin.h>
#endif

/* A file at least this large (bytes) is read into pages of its own (read_large). */
#define SOURCE_LARGE (4u * 1024 * 1024)

#ifdef __SSE2__
/* A bit for each '\n' among the 16 bytes at p. */
static inline uint64_t newlines16(const char *p)
{
    __m128i v = _mm_loadu_si128((const __m128i *)(const void *)p);
    return (uint32_t)_mm_movemask_epi8(_mm_cmpeq_epi8(v, _mm_set1_epi8('\n')));
}

/* A bit for each '\n' among the 64 bytes at p. */
static inline uint64_t newlines64(const char *p)
{
    return newlines16(p) | newlines16(p + 16) << 16 | newlines16(p + 32) << 32 |
           newlines16(p + 48) << 48;
}
#endif

/* The line tables are made 64 bytes at a time where SSE2 is available (every x86-64): a call
 * of memchr for each line (30 bytes in unit data) cost about 40 instructions a line, 13.5 M of
 * a district of 2,000 units (now 7.8 M), 20.7 M of one file of 2,000 units. */

/* The newlines of t[from, to). */
static uint32_t count_lines(const char *t, size_t from, size_t to)
{
    uint32_t n = 0;
#ifdef __SSE2__
    for (; to - from >= 64; from += 64)
        n += (uint32_t)__builtin_popcountll(newlines64(t + from));
#endif
    for (const char *p = t + from, *end = t + to; (p = memchr(p, '\n', (size_t)(end - p))); p++)
        n++;
    return n;
}

/* The start of the line after each newline of t[from, to) into out (room for one a byte):
 * how many. */
static uint32_t line_starts(const char *t, size_t from, size_t to, uint32_t *out)
{
    uint32_t n = 0;
#ifdef __SSE2__
    for (; to - from >= 64; from += 64)
        for (uint64_t m = newlines64(t + from); m; m &= m - 1)
            out[n++] = (uint32_t)from + 1 + (uint32_t)__builtin_ctzll(m);
#endif
    for (const char *p = t + from, *end = t + to; (p = memchr(p, '\n', (size_t)(end - p)));)
        out[n++] = (uint32_t)(++p - t);
    return n;
}

/* Makes the table hold `need` more entries; false (the table freed) when out of memory. */
static inline bool room_lines(uint32_t **lines, uint32_t *cap, uint32_t n, size_t need)
{
    if (*cap - n >= need)
        return true;
    size_t want = *cap;
    while (want - n < need)
        want *= 2;
    if (want == *cap)
        return true;
    uint32_t *grown = want <= UINT32_MAX ? realloc(*lines, want * sizeof **lines) : NULL;
    if (!grown) {
        free(*lines);
        return false;
    }
    *lines = grown;
    *cap = (uint32_t)want;
    return true;
}

static bool build_lines(td_source *s)
{
    const char *t = s->text;
    size_t len = s->len, i = 0;
    size_t want = 64 + len / 32; /* about one line in 32 bytes: few or no reallocs */
    uint32_t cap = want < UINT32_MAX / 2 ? (uint32_t)want : UINT32_MAX / 2, n = 0;
    uint32_t *lines = malloc(cap * sizeof *lines);
    if (!lines)
        return false;
    lines[n++] = 0;
#ifdef __SSE2__
    for (; len - i >= 64; i += 64) {
        if (!room_lines(&lines, &cap, n, 64))
            return false;
        for (uint64_t m = newlines64(t + i); m; m &= m - 1)
            lines[n++] = (uint32_t)i + 1 + (uint32_t)__builtin_ctzll(m);
    }
#endif
    if (!room_lines(&lines, &cap, n, len - i))
        return false;
    n += line_starts(t, i, len, lines + n);
    s->lines = lines;
    s->nlines = n;
    return true;
}

td_source *td_source_new(const char *name, const char *text, size_t len)
{
    td_source *s = calloc(1, sizeof *s);
    if (!s)
        return NULL;
    s->name = strdup(name);
    s->text = malloc(len + 1);
    if (!s->name || !s->text)
        goto fail;
    if (len)
        memcpy(s->text, text, len);
    s->text[len] = '\0';
    s->len = len;
    if (!build_lines(s))
        goto fail;
    return s;
fail:
    td_source_free(s);
    return NULL;
}

/* Asks for huge pages under the array at p (bytes long). Why: on a virtual machine the first
 * touch of each 4 KiB page costs far more than copying the page (16 us here, measured: the
 * 12,000 pages of a 48 MB unit file cost 0.19 s, twice what reading it costs otherwise);
 * with 2 MiB pages they are about 25 touches. Only a hint: without it, nothing changes. */
static void advise_huge(void *p, size_t bytes)
{
#ifdef MADV_HUGEPAGE
    (void)madvise(p, (bytes + 4095) / 4096 * 4096, MADV_HUGEPAGE);
#else
    (void)p;
    (void)bytes;
#endif
}

/* One slice of a large file read on its own thread: bytes [from, to) of the file read into
 * text, the newlines among them counted, then the starts of the lines after them written
 * into the line table from index `first`. */
typedef struct slice {
    int fd;
    char *text;
    size_t from, to;
    uint32_t count;         /* newlines in [from, to) */
    uint32_t *lines;        /* the second pass: the file's line table */
    uint32_t first;         /* the second pass: where this slice's line starts go */
    int err;                /* errno of a failed read; EAGAIN: the file was shorter */
} slice;

static void *read_slice(void *arg)
{
    slice *sl = arg;
    size_t at = sl->from;
    while (at < sl->to) {
        ssize_t got = pread(sl->fd, sl->text + at, sl->to - at, (off_t)at);
        if (got < 0 && errno == EINTR)
            continue;
        if (got <= 0) {
            sl->err = got < 0 ? errno : EAGAIN;
            return NULL;
        }
        at += (size_t)got;
    }
    sl->count = count_lines(sl->text, sl->from, sl->to);
    return NULL;
}

static void *fill_slice(void *arg)
{
    slice *sl = arg;
    line_starts(sl->text, sl->from, sl->to, sl->lines + sl->first);
    return NULL;
}

/* Runs fn on each of the n slices, the first on this thread and the others on threads of
 * their own (or on this one, when a thread cannot be started). */
static void run_slices(void *(*fn)(void *), slice *sl, unsigned n)
{
    pthread_t th[TD_SOURCE_THREADS];
    bool started[TD_SOURCE_THREADS] = {false};
    for (unsigned i = 1; i < n; i++)
        started[i] = pthread_create(&th[i], NULL, fn, &sl[i]) == 0;
    fn(&sl[0]);
    for (unsigned i = 1; i < n; i++) {
        if (started[i])
            pthread_join(th[i], NULL);
        else
            fn(&sl[i]);
    }
}

/* A large regular file (`size` bytes, as fstat says) read from fd into pages of their own that
 * may be huge pages, its line table beside it (sized from a count of its lines), in `threads`
 * slices read at once. NULL with *st TD_OK when the file did not hold `size` bytes (it changed
 * while read): the caller then reads it the ordinary way, from its start. */
static td_source *read_large(int fd, const char *path, size_t size, unsigned threads,
                             td_status *st)
{
    *st = TD_ENOMEM;
    td_source *s = calloc(1, sizeof *s);
    char *text = td_pages_calloc(size + 1, 1); /* zeroed: the NUL after the text */
    uint32_t *lines = NULL;
    uint32_t n = 1;
    if (!s || !text)
        goto fail;
    advise_huge(text, size + 1);
    /* slices that meet at huge page boundaries, so that no page is touched by two threads */
    slice sl[TD_SOURCE_THREADS];
    unsigned k = threads < 1 ? 1 : threads > TD_SOURCE_THREADS ? TD_SOURCE_THREADS : threads;
    const uintptr_t huge = (uintptr_t)2 << 20;
    size_t from = 0;
    for (unsigned i = 0; i < k; i++) {
        uintptr_t end = ((uintptr_t)text + size / k * (i + 1) + huge - 1) & ~(huge - 1);
        size_t to = i + 1 == k || end - (uintptr_t)text > size ? size : end - (uintptr_t)text;
        sl[i] = (slice){fd, text, from, to, 0, NULL, 0, 0};
        from = to;
    }
    run_slices(read_slice, sl, k);
    bool changed = false;
    for (unsigned i = 0; i < k; i++) {
        if (sl[i].err && sl[i].err != EAGAIN) {
            errno = sl[i].err;
            *st = TD_EIO;
            goto fail;
        }
        changed = changed || sl[i].err;
        n += sl[i].count;
    }
    char more;
    if (changed || pread(fd, &more, 1, (off_t)size) != 0) {
        *st = lseek(fd, 0, SEEK_SET) == 0 ? TD_OK : TD_EIO;
        goto fail;
    }
    if (!(lines = td_pages_calloc(n, sizeof *lines)))
        goto fail;
    advise_huge(lines, (size_t)n * sizeof *lines);
    lines[0] = 0;
    for (unsigned i = 0, first = 1; i < k; first += sl[i].count, i++) {
        sl[i].lines = lines;
        sl[i].first = first;
    }
    run_slices(fill_slice, sl, k);
    s->text = text;
    s->len = size;
    s->mapped = size + 1;
    s->lines = lines;
    s->nlines = n;
    if (!(s->name = strdup(path))) {
        td_source_free(s);
        return NULL;
    }
    *st = TD_OK;
    return s;
fail:
    td_pages_free(text, size + 1, 1);
    free(s);
    return NULL;
}

static td_status source_read(const char *path, unsigned threads, td_source **out);

td_status td_source_read(const char *path, td_source **out)
{
    return source_read(path, 1, out);
}

td_status td_source_read_jobs(const char *path, unsigned threads, td_source **out)
{
    return source_read(path, threads, out);
}

/* Up to n bytes of fd (stdin's stream when fd < 0), 0 at the end; after 0, errno is 0 at the
 * end of the file and the error otherwise. A read interrupted by a signal is tried again. */
static size_t read_some(int fd, char *p, size_t n)
{
    errno = 0;
    if (fd < 0)
        return fread(p, 1, n, stdin);
    for (;;) {
        ssize_t got = read(fd, p, n);
        if (got >= 0) {
            errno = 0;
            return (size_t)got;
        }
        if (errno != EINTR)
            return 0;
    }
}

static td_status source_read(const char *path, unsigned threads, td_source **out)
{
    *out = NULL;
    bool is_stdin = strcmp(path, "-") == 0;
    int fd = -1; /* a regular file is read with read(2): no stream, no second fstat */
    off_t size = -1;
    if (!is_stdin) {
        /* a device or a pipe named as a file could be endless or never answer: opened
         * without waiting, and refused unless it is a regular file */
        fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
        if (fd < 0)
            return TD_EIO;
        struct stat sb;
        if (fstat(fd, &sb) != 0 || !S_ISREG(sb.st_mode)) {
            int saved = S_ISREG(sb.st_mode) ? errno : EINVAL;
            close(fd);
            errno = saved;
            return TD_EIO;
        }
        size = sb.st_size;
        if (size >= SOURCE_LARGE && (uint64_t)size < TD_SOURCE_MAX) {
            td_status st = TD_OK;
            *out = read_large(fd, path, (size_t)size, threads, &st);
            if (*out || st != TD_OK) {
                int saved = errno;
                close(fd);
                errno = saved;
                return st;
            }
        }
    }
    /* a regular file is read into a buffer of its size (one byte more, to see its end):
     * a fixed first size shrunk afterwards leaves a remainder in the heap at every file */
    size_t cap = 8192, len = 0;
    if (size >= 0 && (uint64_t)size < TD_SOURCE_MAX)
        cap = (size_t)size + 1;
    char *buf = malloc(cap);
    td_status st = TD_OK;
    if (!buf) {
        st = TD_ENOMEM;
        goto done;
    }
    for (;;) {
        if (len == cap) {
            cap *= 2;
            char *grown = realloc(buf, cap);
            if (!grown) {
                st = TD_ENOMEM;
                goto done;
            }
            buf = grown;
        }
        size_t want = cap - len;
        size_t got = read_some(fd, buf + len, want);
        len += got;
        if (len > TD_SOURCE_MAX) {
            st = TD_EIO;
            errno = EFBIG;
            break;
        }
        if (got == 0) {
            if (fd >= 0 ? errno != 0 : ferror(stdin))
                st = TD_EIO;
            break;
        }
        /* a read of a regular file falls short only at its end (the buffer is one byte
         * larger than the file was): no second read to hear it */
        if (fd >= 0 && got < want)
            break;
    }
    if (st == TD_OK) {
        /* the source takes ownership of the buffer */
        char *text = realloc(buf, len + 1);
        if (!text) {
            st = TD_ENOMEM;
            goto done;
        }
        buf = text; /* freed at done: until the source owns it */
        td_source *s = calloc(1, sizeof *s);
        if (!s) {
            st = TD_ENOMEM;
            goto done;
        }
        buf = NULL;
        text[len] = '\0';
        s->text = text;
        s->len = len;
        s->name = strdup(is_stdin ? "<stdin>" : path);
        if (!s->name || !build_lines(s)) {
            td_source_free(s);
            st = TD_ENOMEM;
            goto done;
        }
        *out = s;
    }
done:
    {
        int saved = errno;
        free(buf);
        if (fd >= 0)
            close(fd);
        errno = saved;
    }
    return st;
}

void td_source_free(td_source *s)
{
    if (!s)
        return;
    free(s->name);
    if (s->mapped) {
        td_pages_free(s->text, s->mapped, 1);
        td_pages_free(s->lines, s->nlines, sizeof *s->lines);
    } else {
        free(s->text);
        free(s->lines);
    }
    free(s);
}

static uint32_t utf8_chars(const char *p, size_t n)
{
    uint32_t c = 0;
    for (size_t i = 0; i < n; i++)
        if (((unsigned char)p[i] & 0xC0) != 0x80)
            c++;
    return c;
}

void td_source_linecol(const td_source *s, uint32_t off, uint32_t *line, uint32_t *col)
{
    if (off > s->len)
        off = (uint32_t)s->len;
    uint32_t lo = 0, hi = s->nlines;
    while (hi - lo > 1) {
        uint32_t mid = lo + (hi - lo) / 2;
        if (s->lines[mid] <= off)
            lo = mid;
        else
            hi = mid;
    }
    *line = lo + 1;
    *col = utf8_chars(s->text + s->lines[lo], off - s->lines[lo]) + 1;
}

static size_t line_length(const td_source *s, uint32_t idx)
{
    size_t start = s->lines[idx];
    size_t end = idx + 1 < s->nlines ? s->lines[idx + 1] : s->len;
    while (end > start && (s->text[end - 1] == '\n' || s->text[end - 1] == '\r'))
        end--;
    return end - start;
}

bool td_source_line_copy(const td_source *s, uint32_t line, char **out)
{
    *out = NULL;
    if (line < 1 || line > s->nlines)
        return true;
    *out = strndup(s->text + s->lines[line - 1], line_length(s, line - 1));
    return *out != NULL;
}

uint32_t td_source_offset(const td_source *s, uint32_t line, uint32_t col)
{
    if (line == 0 || line > s->nlines)
        return (uint32_t)s->len;
    uint32_t start = s->lines[line - 1];
    size_t n = line_length(s, line - 1);
    uint32_t chars = 1;
    size_t i = 0;
    while (i < n && chars < col) {
        i++;
        while (i < n && ((unsigned char)s->text[start + i] & 0xC0) == 0x80)
            i++;
        chars++;
    }
    return start + (uint32_t)i;
}

void td_diag_init(td_diag *d)
{
    memset(d, 0, sizeof *d);
}

void td_diag_init_lang(td_diag *d, td_lang lang)
{
    memset(d, 0, sizeof *d);
    d->lang = lang;
}

void td_diag_set_lang(td_diag *d, td_lang lang)
{
    if (d)
        d->lang = lang;
}

td_lang td_diag_lang(const td_diag *d)
{
    return d ? d->lang : TD_LANG_AUTO;
}

static bool is_plain_fmt(const char *fmt)
{
    return fmt[0] == '%' && fmt[1] == 's' && !fmt[2];
}

/* The format in the list's language; "%s" (a message formatted by the caller) is kept. */
static const char *tr_fmt(const td_diag *d, const char *fmt)
{
    if (d->lang != TD_LANG_VI || is_plain_fmt(fmt))
        return fmt;
    return td_gettext(d->lang, fmt);
}

enum { STR_ARGS = 9, STR_CONVS = 16 };

/* vasprintf for a format whose conversions are only %s, or only %1$s .. %9$s (a translation
 * may reorder them), and %% (16 conversions at most): the texts put together with memcpy,
 * without a pass of printf, which the messages of the settle (Decision 12) paid thousands of
 * times. 1 when done (*out owned), -1 out of memory, 0 when the format is not of that kind
 * (ap not read). */
static int str_format(char **out, const char *fmt, va_list ap)
{
    /* the conversions first: where, which text (STR_ARGS: a %), how many bytes they take */
    const char *at[STR_CONVS];
    unsigned which[STR_CONVS], skip[STR_CONVS];
    unsigned n = 0, seq = 0, top = 0;
    for (const char *f = fmt; (f = strchr(f, '%')); f += skip[n++]) {
        if (n == STR_CONVS)
            return 0;
        at[n] = f;
        if (f[1] == '%') {
            which[n] = STR_ARGS;
            skip[n] = 2;
        } else if (f[1] == 's' && seq < STR_ARGS) {
            which[n] = seq++;
            skip[n] = 2;
        } else if (f[1] >= '1' && f[1] <= '9' && f[2] == '$' && f[3] == 's') {
            which[n] = (unsigned)(f[1] - '1');
            top = which[n] + 1 > top ? which[n] + 1 : top;
            skip[n] = 4;
        } else {
            return 0;
        }
    }
    if (seq && top)
        return 0;
    const char *arg[STR_ARGS + 1];
    size_t len[STR_ARGS + 1];
    unsigned n_args = seq ? seq : top;
    for (unsigned i = 0; i < n_args; i++) {
        arg[i] = va_arg(ap, const char *);
        if (!arg[i])
            arg[i] = "(null)"; /* as glibc's printf writes it */
        len[i] = strlen(arg[i]);
    }
    arg[STR_ARGS] = "%";
    len[STR_ARGS] = 1;
    size_t total = strlen(fmt);
    for (unsigned i = 0; i < n; i++)
        total = total - skip[i] + len[which[i]];
    char *s = malloc(total + 1), *w = s;
    if (!s)
        return -1;
    const char *f = fmt;
    for (unsigned i = 0; i < n; i++) {
        memcpy(w, f, (size_t)(at[i] - f));
        w += at[i] - f;
        memcpy(w, arg[which[i]], len[which[i]]);
        w += len[which[i]];
        f = at[i] + skip[i];
    }
    strcpy(w, f);
    *out = s;
    return 1;
}

/* vasprintf of fmt in the list's language, through str_format when it can. */
static int diag_format(const td_diag *d, char **out, const char *fmt, va_list ap)
{
    const char *f = tr_fmt(d, fmt);
    int r = str_format(out, f, ap);
    if (r)
        return r > 0 ? 0 : -1;
    return vasprintf(out, f, ap) < 0 ? -1 : 0;
}

static void entry_free(td_diagnostic *e)
{
    free(e->file);
    free(e->source_line);
    free(e->message);
    free(e->hint);
    free(e->rule);
    free(e->cite);
    free(e->label);
    free(e->path);
}

void td_diag_clear(td_diag *d)
{
    if (!d)
        return;
    for (size_t i = 0; i < d->n; i++)
        entry_free(&d->items[i]);
    d->n = 0;
    d->errors = d->warnings = d->infos = d->waived = 0;
    d->oom = false;
}

static void count_entry(td_diag *d, const td_diagnostic *e, int delta);

void td_diag_truncate(td_diag *d, size_t n, uint64_t seq)
{
    while (d->n > n) {
        td_diagnostic *e = &d->items[--d->n];
        count_entry(d, e, -1);
        entry_free(e);
    }
    d->next_seq = seq;
}

void td_diag_free(td_diag *d)
{
    td_diag_clear(d);
    free(d->items);
    memset(d, 0, sizeof *d);
}

static void count(td_diag *d, td_severity sev, int delta)
{
    size_t *c = sev == TD_SEV_ERROR ? &d->errors : sev == TD_SEV_WARNING ? &d->warnings : &d->infos;
    *c = (size_t)((long)*c + delta);
}

static void count_entry(td_diag *d, const td_diagnostic *e, int delta)
{
    if (e->waived == TD_WAIVER_COVERS)
        d->waived = (size_t)((long)d->waived + delta);
    else
        count(d, e->sev, delta);
}

void td_diag_waive(td_diag *d, size_t i, const struct td_waiver *w, td_waiver_state state)
{
    if (i >= d->n)
        return;
    td_diagnostic *e = &d->items[i];
    count_entry(d, e, -1);
    e->waiver = w;
    e->waived = w ? state : TD_WAIVER_NONE;
    count_entry(d, e, 1);
}

/* The test suite's record of the codes a run reports: when THIDUA_CODE_LOG names a file,
 * each code recorded is appended to it, one a line (tests/golden.sh checks with it that
 * every code of codes.h has a golden case). Nothing happens when it is not set. */
static void log_code(const char *code)
{
    const char *path = getenv("THIDUA_CODE_LOG");
    if (!path || !*path)
        return;
    FILE *f = fopen(path, "a");
    if (!f)
        return;
    fprintf(f, "%s\n", code);
    fclose(f);
}

static td_diagnostic *push(td_diag *d, td_severity sev, td_code code, const char *fmt, va_list ap)
{
    if (d->n == d->cap) {
        size_t cap = d->cap ? d->cap * 2 : 16;
        td_diagnostic *grown = realloc(d->items, cap * sizeof *grown);
        if (!grown) {
            d->oom = true;
            return NULL;
        }
        d->items = grown;
        d->cap = cap;
    }
    char *msg = NULL;
    if (is_plain_fmt(fmt)) {
        const char *arg = va_arg(ap, const char *);
        msg = strdup(arg ? arg : "(null)");
        if (!msg) {
            d->oom = true;
            return NULL;
        }
    } else if (diag_format(d, &msg, fmt, ap) < 0) {
        d->oom = true;
        return NULL;
    }
    td_diagnostic *e = &d->items[d->n++];
    memset(e, 0, sizeof *e);
    e->lang = d->lang;
    e->sev = sev;
    e->code = td_code_name(code);
    e->message = msg;
    e->width = 1;
    e->seq = d->next_seq++;
    count(d, sev, 1);
    log_code(e->code);
    return e;
}

static void locate(td_diag *d, td_diagnostic *e, const td_source *src, uint32_t line,
                   uint32_t col, uint32_t width)
{
    e->file = strdup(src->name);
    if (!e->file)
        d->oom = true;
    e->line = line;
    e->col = col;
    e->width = width ? width : 1;
    if (line >= 1 && line <= src->nlines) {
        e->source_line = strndup(src->text + src->lines[line - 1], line_length(src, line - 1));
        if (!e->source_line)
            d->oom = true;
    }
}

td_diagnostic *td_diag_at(td_diag *d, td_severity sev, td_code code, const td_source *src,
                          uint32_t off, uint32_t len, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    td_diagnostic *e = push(d, sev, code, fmt, ap);
    va_end(ap);
    if (!e || !src)
        return e;
    uint32_t line, col;
    td_source_linecol(src, off, &line, &col);
    /* underline at most to the end of the line */
    size_t ll = line_length(src, line - 1);
    size_t start = src->lines[line - 1];
    size_t end = (size_t)off + len;
    if (end > start + ll)
        end = start + ll;
    uint32_t width = end > off ? utf8_chars(src->text + off, end - off) : 1;
    locate(d, e, src, line, col, width);
    return e;
}

td_diagnostic *td_diag_at_lc(td_diag *d, td_severity sev, td_code code, const td_source *src,
                             uint32_t line, uint32_t col, uint32_t width, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    td_diagnostic *e = push(d, sev, code, fmt, ap);
    va_end(ap);
    if (!e || !src)
        return e;
    locate(d, e, src, line, col, width);
    return e;
}

bool td_diag_set(td_diag *d, char **field, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *s = NULL;
    int r = 0;
    if (is_plain_fmt(fmt)) {
        /* a text as it is: the common case, without a pass of printf */
        const char *arg = va_arg(ap, const char *);
        if (!(s = strdup(arg ? arg : "(null)")))
            r = -1;
    } else {
        r = diag_format(d, &s, fmt, ap);
    }
    va_end(ap);
    if (r < 0) {
        d->oom = true;
        return false;
    }
    free(*field);
    *field = s;
    return true;
}

void td_diag_move(td_diag *dst, td_diag *src)
{
    for (size_t i = 0; i < src->n; i++) {
        if (dst->n == dst->cap) {
            size_t cap = dst->cap ? dst->cap * 2 : 16;
            while (cap < dst->n + (src->n - i))
                cap *= 2;
            td_diagnostic *grown = realloc(dst->items, cap * sizeof *grown);
            if (!grown) {
                dst->oom = true;
                for (size_t j = i; j < src->n; j++)
                    entry_free(&src->items[j]);
                break;
            }
            dst->items = grown;
            dst->cap = cap;
        }
        td_diagnostic *e = &dst->items[dst->n++];
        *e = src->items[i];
        e->seq = dst->next_seq++;
        count_entry(dst, e, 1);
    }
    dst->oom |= src->oom;
    src->n = 0;
    src->errors = src->warnings = src->infos = src->waived = 0;
    src->oom = false;
}

static int cmp_entry(const void *a, const void *b)
{
    const td_diagnostic *x = a, *y = b;
    int c = strcmp(x->file ? x->file : "", y->file ? y->file : "");
    if (c)
        return c;
    if (x->line != y->line)
        return x->line < y->line ? -1 : 1;
    if (x->col != y->col)
        return x->col < y->col ? -1 : 1;
    return x->seq < y->seq ? -1 : x->seq > y->seq;
}

void td_diag_sort(td_diag *d)
{
    if (d && d->n > 1)
        qsort(d->items, d->n, sizeof d->items[0], cmp_entry);
}

const char *td_severity_name(td_severity s)
{
    return s == TD_SEV_ERROR ? "error" : s == TD_SEV_WARNING ? "warning" : "info";
}

const char *td_severity_label(td_lang lang, td_severity s)
{
    /* TRANSLATORS: a severity, as GCC writes it in a diagnostic ("FILE:3:5: error: ...") */
    return s == TD_SEV_ERROR     ? TR(lang, "error")
           : s == TD_SEV_WARNING ? TR(lang, "warning")
                                 : TR(lang, "info");
}

/* Byte index of the start of character `chars` (0-based) in s. */
static size_t char_index(const char *s, size_t chars)
{
    size_t i = 0;
    while (s[i] && chars) {
        i++;
        while (s[i] && ((unsigned char)s[i] & 0xC0) == 0x80)
            i++;
        chars--;
    }
    return i;
}

/* The safe form of the character at s (its bytes, or an escape) in out[16]; returns the bytes
 * of s it stands for (at least 1, 0 at the end) and the characters of the form in *chars. */
static size_t safe_char(const char *s, bool keep_tab, char out[16], size_t *chars)
{
    uint32_t cp = 0;
    size_t n = td_utf8_seq(s, strnlen(s, 4), &cp);
    if (!*s)
        return 0;
    if (!n) {
        snprintf(out, 16, "\\x%02X", (unsigned char)*s);
        *chars = 4;
        return 1;
    }
    bool control = (cp < 0x20 && !(cp == '\t' && keep_tab)) || (cp >= 0x7F && cp <= 0x9F) ||
                   cp == 0x061C || cp == 0x200E || cp == 0x200F || (cp >= 0x2028 && cp <= 0x202E) ||
                   (cp >= 0x2066 && cp <= 0x2069);
    if (!control) {
        memcpy(out, s, n);
        out[n] = '\0';
        *chars = 1;
    } else if (cp < 0x80) {
        *chars = (size_t)snprintf(out, 16, "\\x%02X", (unsigned)cp);
    } else {
        *chars = (size_t)snprintf(out, 16, "\\u%04X", (unsigned)cp);
    }
    return n;
}

size_t td_put_text(FILE *out, const char *s, bool keep_tab)
{
    size_t cols = 0, used, chars;
    char buf[16];
    for (; s && (used = safe_char(s, keep_tab, buf, &chars)) > 0; s += used) {
        if (out)
            fputs(buf, out);
        cols += chars;
    }
    return cols;
}

/* Writes the characters [first, last) of text, safely; the columns they took. */
static size_t put_chars(FILE *out, const char *text, size_t first, size_t last)
{
    size_t cols = 0, used, chars;
    char buf[16];
    const char *s = text + char_index(text, first);
    for (size_t c = first; c < last && (used = safe_char(s, true, buf, &chars)) > 0; c++) {
        fputs(buf, out);
        cols += chars;
        s += used;
    }
    return cols;
}

char *td_diag_waiver_text(const td_diagnostic *e)
{
    const td_waiver *w = e->waiver;
    if (!w || e->waived == TD_WAIVER_NONE)
        return NULL;
    char *s = NULL;
    int n;
    if (e->waived == TD_WAIVER_COVERS && w->until)
        /* TRANSLATORS: under a waived finding: reason, authority, document, dates */
        n = asprintf(&s, TR(e->lang, "waived: %s (approved by %s, %s dated %s, until %s)"),
                     w->reason, w->approved_by, w->document, w->dated, w->until);
    else if (e->waived == TD_WAIVER_COVERS)
        /* TRANSLATORS: under a waived finding: reason, authority, document, date */
        n = asprintf(&s, TR(e->lang, "waived: %s (approved by %s, %s dated %s)"), w->reason,
                     w->approved_by, w->document, w->dated);
    else if (e->waived == TD_WAIVER_EXPIRED)
        n = asprintf(&s,
                     TR(e->lang, "note: the waiver of this finding ended on %s; it no "
                                 "longer covers it (approved by %s, %s dated %s)"),
                     w->until, w->approved_by, w->document, w->dated);
    else
        n = asprintf(&s,
                     TR(e->lang, "note: the waiver of this finding is dated %s, after the "
                                 "as-of date; it does not cover it yet (approved by %s, %s)"),
                     w->dated, w->approved_by, w->document);
    return n < 0 ? NULL : s;
}

/* The line under a finding that a waiver names (Decision 11). */
static void render_waiver(const td_diagnostic *e, FILE *out)
{
    char *s = td_diag_waiver_text(e);
    if (!s)
        return;
    fprintf(out, " %*s = ", 4, "");
    td_put_text(out, s, false);
    fputc('\n', out);
    free(s);
}

void td_diag_render(const td_diagnostic *e, FILE *out, bool color)
{
    const char *bold = color ? "\033[1m" : "", *reset = color ? "\033[0m" : "";
    bool waived = e->waived == TD_WAIVER_COVERS;
    const char *sevc = !color                     ? ""
                       : waived                   ? "\033[1;32m"
                       : e->sev == TD_SEV_ERROR   ? "\033[1;31m"
                       : e->sev == TD_SEV_WARNING ? "\033[1;35m"
                                                  : "\033[1;36m";
    fputs(bold, out);
    if (e->file) {
        td_put_text(out, e->file, false);
        if (e->line)
            fprintf(out, ":%u:%u", e->line, e->col);
        fputs(": ", out);
    }
    /* TRANSLATORS: a finding that a waiver covers, in place of its severity (Decision 11) */
    /* TRANSLATORS: in place of "info" before a finding of a rule not due yet (its `due`) */
    fprintf(out, "%s%s%s:%s%s ", reset, sevc,
            waived       ? TR(e->lang, "waived")
            : e->pending ? TR(e->lang, "in progress")
                         : td_severity_label(e->lang, e->sev),
            reset, bold);
    td_put_text(out, e->message, false);
    if (e->rule) {
        fputs(" [", out);
        td_put_text(out, e->rule, false);
        if (e->cite) {
            fputs(", ", out);
            td_put_text(out, e->cite, false);
        }
        fputc(']', out);
    }
    fprintf(out, "%s\n", reset);
    if (e->source_line && e->line) {
        const char *text = e->source_line;
        size_t nchars = utf8_chars(text, strlen(text));
        size_t col0 = e->col ? e->col - 1 : 0;
        size_t first = 0, last = nchars; /* characters shown */
        const size_t window = 96;
        if (nchars > window) {
            first = col0 > 40 ? col0 - 40 : 0;
            last = first + window - 8 < nchars ? first + window - 8 : nchars;
        }
        char num[16];
        int w = snprintf(num, sizeof num, "%u", e->line);
        fprintf(out, " %*s | %s", w < 4 ? 4 : w, num, first ? "..." : "");
        put_chars(out, text, first, last);
        fprintf(out, "%s\n", last < nchars ? "..." : "");
        fprintf(out, " %*s | %s", w < 4 ? 4 : w, "", first ? "   " : "");
        /* copy tabs from the prefix so the caret lines up; an escaped character takes the
         * columns of its escape */
        size_t i = char_index(text, first), used, chars;
        char buf[16];
        for (size_t c = first; c < col0 && (used = safe_char(text + i, true, buf, &chars)) > 0;
             c++, i += used) {
            if (text[i] == '\t')
                fputc('\t', out);
            else
                fprintf(out, "%*s", (int)chars, "");
        }
        fputs(sevc, out);
        fputc('^', out);
        size_t under = 0;
        for (uint32_t k = 0; k < e->width && col0 + k < last &&
                             (used = safe_char(text + i, true, buf, &chars)) > 0;
             k++, i += used)
            under += chars;
        for (size_t k = 1; k < under; k++)
            fputc('~', out);
        fprintf(out, "%s\n", reset);
    }
    if (e->hint) {
        /* TRANSLATORS: before a hint under a diagnostic: "     = hint: did you mean ...?" */
        fprintf(out, " %*s = %s ", 4, "", TR(e->lang, "hint:"));
        td_put_text(out, e->hint, false);
        fputc('\n', out);
    }
    render_waiver(e, out);
}

/* Optimal string alignment distance: insertions, deletions, substitutions and swaps of
 * two adjacent characters ("edn" -> "end") each cost one. */
static void more_errors(FILE *out, td_lang lang, size_t hidden, const char *file)
{
    if (hidden)
        fprintf(out, TRN(lang, "... and %zu more error in %s\n", "... and %zu more errors in %s\n",
                         hidden),
                hidden, file && *file ? file : TR(lang, "the command line"));
}

void td_diag_print(td_diag *d, FILE *out, bool color, size_t max_errors,
                   bool (*skip)(void *arg, const td_diagnostic *e), void *arg)
{
    if (!d)
        return;
    td_diag_sort(d);
    const char *file = NULL;
    size_t errors = 0, hidden = 0;
    for (size_t i = 0; i < d->n; i++) {
        const td_diagnostic *e = &d->items[i];
        const char *f = e->file ? e->file : "";
        if (i == 0 || strcmp(file, f) != 0) {
            more_errors(out, d->lang, hidden, file);
            file = f;
            errors = hidden = 0;
        }
        if (skip && skip(arg, e))
            continue;
        if (e->sev == TD_SEV_ERROR && e->waived != TD_WAIVER_COVERS && max_errors &&
            ++errors > max_errors) {
            hidden++;
            continue;
        }
        td_diag_render(e, out, color);
    }
    more_errors(out, d->lang, hidden, file);
}

size_t td_edit_distance(const char *a, const char *b)
{
    size_t la = strlen(a), lb = strlen(b);
    if (la > 64 || lb > 64)
        return la > lb ? la : lb;
    size_t rows[3][65];
    size_t *pp = rows[0], *prev = rows[1], *row = rows[2];
    for (size_t j = 0; j <= lb; j++)
        prev[j] = j;
    for (size_t i = 1; i <= la; i++) {
        row[0] = i;
        for (size_t j = 1; j <= lb; j++) {
            size_t cost = a[i - 1] == b[j - 1] ? 0 : 1;
            size_t best = prev[j - 1] + cost;
            if (prev[j] + 1 < best)
                best = prev[j] + 1;
            if (row[j - 1] + 1 < best)
                best = row[j - 1] + 1;
            if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] &&
                pp[j - 2] + 1 < best)
                best = pp[j - 2] + 1;
            row[j] = best;
        }
        size_t *t = pp;
        pp = prev;
        prev = row;
        row = t;
    }
    return prev[lb];
}

const char *td_suggest(const char *name, const char *const *candidates, size_t n)
{
    const char *best = NULL;
    size_t best_d = (size_t)-1;
    size_t len = strlen(name);
    size_t limit = len <= 3 ? 1 : len <= 6 ? 2 : 3;
    for (size_t i = 0; i < n; i++) {
        if (!candidates[i])
            continue;
        size_t dist = td_edit_distance(name, candidates[i]);
        if (dist < best_d) {
            best_d = dist;
            best = candidates[i];
        }
    }
    return best_d <= limit ? best : NULL;
}

/* Length of the valid UTF-8 sequence at str (n bytes available) and its code point; 0 when
 * the bytes are not valid UTF-8 (overlong forms and surrogates included). */
size_t td_utf8_seq(const char *str, size_t n, uint32_t *cp)
{
    /* each length on its own path: the rule files and the data are mostly ASCII and
     * two- or three-byte Vietnamese letters, and every byte of them is decoded here */
    const unsigned char *s = (const unsigned char *)str;
    if (n == 0)
        return 0;
    uint32_t c = s[0], v;
    if (c < 0x80) {
        *cp = c;
        return 1;
    }
    if (c < 0xC2) /* a continuation byte, or the start of an overlong form */
        return 0;
    if (c < 0xE0) {
        if (n < 2 || (s[1] & 0xC0) != 0x80)
            return 0;
        *cp = (c & 0x1F) << 6 | (s[1] & 0x3Fu);
        return 2;
    }
    if (c < 0xF0) {
        if (n < 3 || (s[1] & 0xC0) != 0x80 || (s[2] & 0xC0) != 0x80)
            return 0;
        v = (c & 0x0F) << 12 | (s[1] & 0x3Fu) << 6 | (s[2] & 0x3Fu);
        if (v < 0x800 || (v >= 0xD800 && v <= 0xDFFF))
            return 0;
        *cp = v;
        return 3;
    }
    if (c < 0xF8) {
        if (n < 4 || (s[1] & 0xC0) != 0x80 || (s[2] & 0xC0) != 0x80 || (s[3] & 0xC0) != 0x80)
            return 0;
        v = (c & 0x07) << 18 | (s[1] & 0x3Fu) << 12 | (s[2] & 0x3Fu) << 6 | (s[3] & 0x3Fu);
        if (v < 0x10000 || v > 0x10FFFF)
            return 0;
        *cp = v;
        return 4;
    }
    return 0;
}
