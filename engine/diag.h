/* Diagnostics: source texts, located messages (rule errors and data findings) and their
 * rendering as FILE:LINE:COL with the source line and a caret. Used by every stage. */
#ifndef TD_DIAG_H
#define TD_DIAG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "thidua.h"
#include "codes.h"
#include "i18n.h"

/* A byte range of a source: src indexes the program's source table. */
typedef struct td_span {
    uint32_t src, off, len; /* bytes */
} td_span;

/* One input text (a rule file or a unit file) with its line-start table. */
typedef struct td_source {
    char *name;         /* owned; the path as the user gave it */
    char *text;         /* owned; NUL-terminated copy of the bytes */
    size_t len;         /* bytes, without the NUL */
    uint32_t *lines;    /* owned; byte offset of the start of each line */
    uint32_t nlines;
    size_t mapped;      /* bytes of pages of their own holding text and lines (a large
                         * file: see td_source_read); 0: both from malloc */
} td_source;

/* The largest file read: far beyond any unit file or rule file (bytes). */
#define TD_SOURCE_MAX (64u * 1024 * 1024)

/* td_source_new, td_source_read, td_source_free, td_source_text: include/thidua.h */
/* The most threads td_source_read_jobs reads a file on. */
#define TD_SOURCE_THREADS 8
/* td_source_read, a large file read on up to `threads` threads at once (the batch, before
 * its workers start on the parts of one large file). */
td_status td_source_read_jobs(const char *path, unsigned threads, td_source **out);
/* 1-based line and column (column in UTF-8 characters) of a byte offset. */
void td_source_linecol(const td_source *s, uint32_t off, uint32_t *line, uint32_t *col);
/* A copy of 1-based line `line` (no newline) into *out, owned; NULL when the text has no such
 * line. False when out of memory. */
bool td_source_line_copy(const td_source *s, uint32_t line, char **out);
/* Byte offset of a 1-based line and character column (clamped to the line). */
uint32_t td_source_offset(const td_source *s, uint32_t line, uint32_t col);

/* One diagnostic or finding. Every string is owned by the td_diag that holds it. */
typedef struct td_diagnostic {
    td_severity sev;
    const char *code;       /* static; stable machine code such as "syntax" */
    char *file;             /* display path, or NULL when not tied to a file */
    uint32_t line, col;     /* 1-based; col counts UTF-8 characters; 0 = no location */
    uint32_t width;         /* characters to underline, >= 1 */
    char *source_line;      /* copy of the source line (no newline), or NULL */
    char *message;
    char *hint;             /* or NULL */
    char *rule;             /* rule id of a finding, or NULL */
    char *cite;             /* clause of the plan, or NULL */
    char *label;            /* the rule's Vietnamese label, or NULL */
    char *path;             /* data path of a finding such as "exemplars[1].steps[0]", or NULL */
    uint32_t doc;           /* 0-based document index in its file (findings) */
    uint64_t seq;           /* insertion order, to keep sorting stable */
    /* Decision 11: the waiver that covers this finding, or that would have covered it but is
     * not in force at the as-of date; borrowed from the program, NULL when none */
    const struct td_waiver *waiver;
    td_waiver_state waived; /* COVERS: counted apart, not as an error, warning or info */
    /* an error of a rule not due yet at the as-of date (its `due`), reported as info: the
     * unit is in progress on it, not failing */
    bool pending;
    td_lang lang;           /* of the message: the severity and "hint" are shown in it */
} td_diagnostic;

/* A growable list of diagnostics, owned by one worker at a time. */
typedef struct td_diag {
    td_diagnostic *items;   /* owned */
    size_t n, cap;
    size_t errors, warnings, infos;
    size_t waived;          /* entries a waiver covers (not counted by severity) */
    bool oom;               /* an allocation failed while recording: report TD_ENOMEM */
    uint64_t next_seq;
    td_lang lang;           /* of the messages recorded: each format string given to
                             * td_diag_at, td_diag_at_lc and td_diag_set is looked up in the
                             * catalog (docs/i18n.md); TD_LANG_AUTO writes English */
} td_diag;

/* A list embedded in a struct or on the stack (td_diag_new makes one on the heap); its
 * language is TD_LANG_AUTO. td_diag_init_lang gives it one (a scratch list whose entries
 * are moved into another takes that one's language). */
void td_diag_init(td_diag *d);
void td_diag_init_lang(td_diag *d, td_lang lang);
void td_diag_free(td_diag *d);
/* Forgets the entries from the n-th on, as if they had never been recorded (the next one is
 * numbered `seq`): a stage that reads something again takes back what it reported the first
 * time. */
void td_diag_truncate(td_diag *d, size_t n, uint64_t seq);

/* Records a diagnostic at a byte span of `src` (src may be NULL for no location).
 * Returns the entry, valid until the next add, or NULL when out of memory (d->oom set). */
td_diagnostic *td_diag_at(td_diag *d, td_severity sev, td_code code, const td_source *src,
                          uint32_t off, uint32_t len, const char *fmt, ...)
    __attribute__((format(printf, 7, 8)));

/* Records a diagnostic at a 1-based line and character column of `src`; width in characters. */
td_diagnostic *td_diag_at_lc(td_diag *d, td_severity sev, td_code code, const td_source *src,
                             uint32_t line, uint32_t col, uint32_t width, const char *fmt, ...)
    __attribute__((format(printf, 8, 9)));

/* Sets an owned string field of an entry (hint, rule, cite, label, path); false when out of memory. */
bool td_diag_set(td_diag *d, char **field, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Records waiver `w` (borrowed; it must outlive the list) on entry i. With TD_WAIVER_COVERS
 * the entry is counted as waived instead of by its severity; otherwise it keeps its
 * severity and says which waiver does not cover it. */
void td_diag_waive(td_diag *d, size_t i, const struct td_waiver *w, td_waiver_state state);

/* The line under a finding that a waiver names (Decision 11), without its "= ": who waived
 * it and why, or why the waiver does not cover it at this date. Caller owns the result
 * (free); NULL when no waiver names the finding, or without memory. */
char *td_diag_waiver_text(const td_diagnostic *e);

/* Moves every entry of src to the end of dst; src is left empty. */
void td_diag_move(td_diag *dst, td_diag *src);

/* td_diag_clear, td_diag_sort, td_diag_print, td_diag_render and the accessors of the
 * public API (td_diag_new...): include/thidua.h */

/* Writes text that came from an input (a name, a value, a file name) for a terminal: every
 * character that could drive one (C0 and C1 controls, DEL, the bidirectional overrides, line
 * separators) is written as an escape such as \x1B or \u202E, and so is each byte that is
 * not UTF-8; tabs are kept when keep_tab. Returns the columns written, in characters (with
 * out NULL, only counts them). */
size_t td_put_text(FILE *out, const char *s, bool keep_tab);

/* Edit distance between two strings (bytes), for "did you mean" suggestions. */
size_t td_edit_distance(const char *a, const char *b);
/* td_suggest, the nearest candidate for "did you mean": include/thidua.h */

/* "error", "warning", "info": the stable names of JSON and CSV reports. */
const char *td_severity_name(td_severity s);
/* The severity as a person reads it in `lang` ("lỗi", "cảnh báo", "thông tin"). */
const char *td_severity_label(td_lang lang, td_severity s);

/* Length of the valid UTF-8 sequence at s (n bytes available) and its code point; 0 when
 * the bytes are not valid UTF-8. */
size_t td_utf8_seq(const char *s, size_t n, uint32_t *cp);

#endif
