/* Loading unit data, second half: the generic tree (td_ynode) typed against the schema into
 * td_node, with a finding per wrong value.
 * Pipeline: load_yaml.c -> td_node (unit arena) -> eval. */
#include "load_int.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <yaml.h>

/* Where a value sits in the document, for paths and messages; lives on the C stack. */
typedef struct seg {
    const struct seg *up;   /* NULL at the document */
    const char *key;        /* the field's key, or NULL for a list item */
    const char *rec;        /* the record that has the key */
    uint32_t index;         /* 0-based position of a list item */
    const char *cite;       /* clause of the record that has the key, or NULL */
} seg;

typedef struct kpos {
    uint32_t line, col, width;  /* the value's key or list dash; line 0 when none */
} kpos;

typedef struct typer {
    const td_source *src;
    td_carve k; /* allocations in the caller's arena */
    td_diag *d;
    uint32_t findings;      /* reported so far (see MAX_FINDINGS) */
    bool oom;
    const char *cite;       /* the document record's clause, for findings about it */
    bool probe;             /* typing straight from the events (td_fast): a finding is not
                             * reported but sets `bail`, and the document is typed again from
                             * its generic tree, which reports it */
    bool bail;
} typer;

static void put_path(td_strbuf *b, const seg *s)
{
    if (!s)
        return;
    put_path(b, s->up);
    if (s->key)
        td_load_add_fmt(b, "%s%s", b->len ? "." : "", s->key);
    else
        td_load_add_fmt(b, "[%u]", s->index);
}

static const char *path_of(const seg *s, char *buf, size_t size)
{
    td_strbuf b = {buf, size, 0};
    buf[0] = '\0';
    put_path(&b, s);
    return buf;
}

/* The place as the user wrote it: the YAML path (`exemplars[2].steps[3].date`), or "the
 * document" at its top; never the name of a record of the schema. */
static void put_subject(td_lang lang, td_strbuf *b, const seg *s)
{
    if (!s) {
        td_load_add_fmt(b, "%s", TR(lang, "the document"));
        return;
    }
    char path[MSG_SIZE];
    td_strbuf p = {path, sizeof path, 0};
    path[0] = '\0';
    put_path(&p, s);
    td_load_add_fmt(b, "`%s`", path);
}

/* Reports an error or warning about the value at `s`, located at line:col. */
static void tfinding(typer *c, td_severity sev, td_code id, const seg *s, uint32_t line,
                     uint32_t col, uint32_t width, const char *hint, const char *fmt, ...)
    __attribute__((format(printf, 9, 10)));

static void tfinding(typer *c, td_severity sev, td_code id, const seg *s, uint32_t line,
                     uint32_t col, uint32_t width, const char *hint, const char *fmt, ...)
{
    if (c->probe) {
        c->bail = true;
        return;
    }
    if (!td_load_may_report(&c->findings, c->d, c->src, sev, line, col, 0))
        return;
    char path[MSG_SIZE];
    va_list ap;
    va_start(ap, fmt);
    td_diagnostic *e = td_load_vfinding(c->d, c->src, sev, id, line, col, width,
                                        path_of(s, path, sizeof path), fmt, ap);
    va_end(ap);
    if (e && hint)
        td_diag_set(c->d, &e->hint, "%s", td_gettext(c->d->lang, hint));
    /* the clause of the nearest record that declares one, else the document's */
    const char *cite = c->cite;
    for (const seg *x = s; x; x = x->up)
        if (x->cite) {
            cite = x->cite;
            break;
        }
    if (e && cite)
        td_diag_set(c->d, &e->cite, "%s", cite);
}

static const char *subject(const typer *c, const seg *s, char *buf, size_t size)
{
    td_strbuf b = {buf, size, 0};
    buf[0] = '\0';
    put_subject(c->d->lang, &b, s);
    return buf;
}

/* "'text'", "a mapping" or "a list": what was found instead of the expected value. */
static const char *found(const typer *c, const td_ynode *y, char *buf, size_t size)
{
    if (y->kind == TD_Y_MAP)
        return TR(c->d->lang, "a mapping");
    if (y->kind == TD_Y_SEQ)
        return TR(c->d->lang, "a list");
    return td_load_quote(y->text ? y->text : "", y->len, buf, size);
}

/* A new node of type t for y, its key at k (or none). */
static inline void init_node(td_node *n, const td_type *t, const td_ynode *y, const kpos *k,
                             bool invalid)
{
    *n = (td_node){ .type = t, .invalid = invalid, .line = y->line, .col = y->col,
                    .width = y->width ? y->width : 1 };
    if (k && k->line) {
        n->key_line = k->line;
        n->key_col = k->col;
    }
}

/* new_node's way for a record (its slots), or when the block is used up. */
static __attribute__((noinline)) td_node *new_node_more(typer *c, const td_type *t,
                                                        const td_ynode *y, const kpos *k,
                                                        bool invalid)
{
    td_node *n = td_take(&c->k, sizeof *n);
    if (!n) {
        c->oom = true;
        return NULL;
    }
    init_node(n, t, y, k, invalid);
    if (t->kind == TD_T_RECORD && t->rec && t->rec->n_fields) {
        /* an invalid record has every slot absent, so it is safe to read */
        n->v.slots = td_take(&c->k, t->rec->n_fields * sizeof *n->v.slots);
        if (!n->v.slots) {
            c->oom = true;
            return NULL;
        }
    }
    return n;
}

/* A node of type t for y, its key at k (or none). A leaf in its usual way (a value that is not a
 * record, in the block at hand), which calls nothing, so that it saves no registers: half of
 * its instructions were the saving of six for the calls of the other way (410,000 nodes a
 * district of 2,000 units). */
static td_node *new_node(typer *c, const td_type *t, const td_ynode *y, const kpos *k,
                         bool invalid)
{
    td_carve *b = &c->k;
    if (t->kind == TD_T_RECORD || b->left < sizeof(td_node))
        return new_node_more(c, t, y, k, invalid);
    td_node *n = (td_node *)(void *)b->cur;
    b->cur += sizeof *n;
    b->left -= sizeof *n;
    init_node(n, t, y, k, invalid);
    return n;
}

/* The key position of a list item: its '-' when the item follows one on the same line.
 * Typing leaves its column 0 (see td_item_dash_col) until a finding needs it. */
static kpos item_pos(const typer *c, const td_ynode *y)
{
    kpos k = { y->line, td_item_dash_col(c->src, y->line, y->col), 1 };
    return k;
}

/* k itself, or its column found when typing left it to be found (0: a list item's dash). */
static kpos key_at(const typer *c, const kpos *k, const td_ynode *y)
{
    return k->line && !k->col ? item_pos(c, y) : *k;
}

static td_node *type_value(typer *c, const td_type *t, const td_ynode *y, const seg *s,
                           const kpos *k);

static void put_codes(td_strbuf *b, const td_enum *e)
{
    for (uint32_t i = 0; i < e->n; i++)
        td_load_add_fmt(b, "%s%s", i ? ", " : "", e->values[i]);
}

/* "a whole number", "a date (YYYY-MM-DD)", "one of huyen, xa, ap"...: for "must be ...". */
static const char *expected(td_lang lang, const td_type *t, char *buf, size_t size)
{
    td_strbuf b = {buf, size, 0};
    buf[0] = '\0';
    switch (t->kind) {
    case TD_T_TEXT: td_load_add_fmt(&b, "%s", TR(lang, "text")); break;
    case TD_T_INT: td_load_add_fmt(&b, "%s", TR(lang, "a whole number")); break;
    case TD_T_NUMBER: td_load_add_fmt(&b, "%s", TR(lang, "a number")); break;
    case TD_T_BOOL: td_load_add_fmt(&b, "%s", TR(lang, "true or false")); break;
    case TD_T_DATE: td_load_add_fmt(&b, "%s", TR(lang, "a date (YYYY-MM-DD)")); break;
    case TD_T_MONTH: td_load_add_fmt(&b, "%s", TR(lang, "a month (YYYY-MM)")); break;
    case TD_T_ENUM:
        td_load_add_fmt(&b, "%s", TR(lang, "one of "));
        put_codes(&b, t->en);
        break;
    case TD_T_RECORD: td_load_add_fmt(&b, "%s", TR(lang, "a mapping of fields")); break;
    case TD_T_LIST: td_load_add_fmt(&b, "%s", TR(lang, "a list")); break;
    }
    return buf;
}

/* Reports a wrong value: "<subject> must be <expected>, found <value>; <what to do>".
 * `hint` and `todo` are English, marked for xgettext (wrong:7,8), translated here. */
static td_node *wrong(typer *c, const td_type *t, const td_ynode *y, const seg *s, const kpos *k,
                      td_code id, const char *hint, const char *todo)
{
    char subj[MSG_SIZE], exp[MSG_SIZE], q[QUOTE_SIZE];
    tfinding(c, TD_SEV_ERROR, id, s, y->line, y->col, y->width, hint, "%s must be %s, found %s; %s",
             subject(c, s, subj, sizeof subj), expected(c->d->lang, t, exp, sizeof exp),
             found(c, y, q, sizeof q), TR(c->d->lang, todo));
    return new_node(c, t, y, k, true);
}

static bool is_digit(char ch)
{
    return ch >= '0' && ch <= '9';
}

/* Decimal digits with an optional sign, within int64; *range tells an overflow. */
static bool parse_int(const char *s, size_t len, int64_t *out, bool *range)
{
    size_t i = 0;
    bool neg = false;
    *range = false;
    if (i < len && (s[i] == '+' || s[i] == '-'))
        neg = s[i++] == '-';
    if (i == len)
        return false;
    uint64_t v = 0, lim = neg ? (uint64_t)INT64_MAX + 1 : (uint64_t)INT64_MAX;
    for (; i < len; i++) {
        if (!is_digit(s[i]))
            return false;
        uint64_t dg = (uint64_t)(s[i] - '0');
        if (v > (lim - dg) / 10)
            *range = true;
        else
            v = v * 10 + dg;
    }
    if (*range)
        return false;
    *out = !neg ? (int64_t)v : v > (uint64_t)INT64_MAX ? INT64_MIN : -(int64_t)v;
    return true;
}

/* The value of a validated decimal without strtod, for a process whose locale does not use
 * '.' as the decimal point (the engine never calls setlocale, a host program may). */
static double decimal_value(const char *s, size_t len)
{
    double v = 0;
    long exp10 = 0, e = 0;
    int sig = 0;
    size_t i = 0;
    bool neg = false, frac = false, eneg = false;
    if (s[i] == '+' || s[i] == '-')
        neg = s[i++] == '-';
    for (; i < len && s[i] != 'e' && s[i] != 'E'; i++) {
        if (s[i] == '.') {
            frac = true;
            continue;
        }
        if (sig < 19) {
            v = v * 10 + (s[i] - '0');
            sig += v > 0;
            exp10 -= frac;
        } else {
            exp10 += !frac;
        }
    }
    if (i < len) {
        i++;
        if (s[i] == '+' || s[i] == '-')
            eneg = s[i++] == '-';
        for (; i < len && e < 100000; i++)
            e = e * 10 + (s[i] - '0');
    }
    exp10 += eneg ? -e : e;
    for (; exp10 > 0 && v < HUGE_VAL; exp10--)
        v *= 10;
    for (; exp10 < 0 && v > 0; exp10++)
        v /= 10;
    return neg ? -v : v;
}

/* The value of a validated decimal whose digits, read as an integer, stay within 2^53 and
 * whose power of ten is at most 22 away: both are exact in a double, so the one multiplication
 * or division rounds once and gives strtod's correctly rounded value, without strtod's cost
 * (about 430 instructions a number); false for any other. */
static bool exact_decimal(const char *s, size_t len, double *out)
{
    static const double p10[] = { 1e0,  1e1,  1e2,  1e3,  1e4,  1e5,  1e6,  1e7,
                                  1e8,  1e9,  1e10, 1e11, 1e12, 1e13, 1e14, 1e15,
                                  1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22 };
    size_t i = 0;
    bool neg = false;
    uint64_t m = 0;
    int sig = 0, e = 0;
    if (s[i] == '+' || s[i] == '-')
        neg = s[i++] == '-';
    for (bool frac = false; i < len && s[i] != 'e' && s[i] != 'E'; i++) {
        if (s[i] == '.') {
            frac = true;
            continue;
        }
        if ((m || s[i] != '0') && ++sig > 19)
            return false;   /* m stays below 10^19 */
        m = m * 10 + (uint64_t)(s[i] - '0');
        e -= frac;
    }
    if (i < len) {
        bool eneg = false;
        int x = 0;
        i++;    /* the e */
        if (s[i] == '+' || s[i] == '-')
            eneg = s[i++] == '-';
        for (; i < len; i++)
            if ((x = x * 10 + (s[i] - '0')) > 100)
                return false;
        e += eneg ? -x : x;
    }
    if (m > (uint64_t)1 << 53 || e < -22 || e > 22)
        return false;
    double v = e < 0 ? (double)m / p10[-e] : (double)m * p10[e];
    *out = neg ? -v : v;
    return true;
}

/* A strict decimal: [+-] digits [. digits] [e [+-] digits]; no inf, nan, hex or commas. */
static bool parse_number(const char *s, size_t len, double *out)
{
    size_t i = 0, mant = 0, ed = 0;
    if (i < len && (s[i] == '+' || s[i] == '-'))
        i++;
    for (; i < len && is_digit(s[i]); i++)
        mant++;
    if (i < len && s[i] == '.')
        for (i++; i < len && is_digit(s[i]); i++)
            mant++;
    if (!mant)
        return false;
    if (i < len && (s[i] == 'e' || s[i] == 'E')) {
        i++;
        if (i < len && (s[i] == '+' || s[i] == '-'))
            i++;
        for (; i < len && is_digit(s[i]); i++)
            ed++;
        if (!ed)
            return false;
    }
    if (i != len)
        return false;
    if (exact_decimal(s, len, out))
        return true;
    char *end = NULL;
    double v = strtod(s, &end);  /* s is NUL-terminated right after len bytes */
    if (end != s + len)
        v = decimal_value(s, len);
    if (!isfinite(v))
        return false;
    *out = v;
    return true;
}

/* A number in hexadecimal, octal or binary as YAML writes them (0x1F, 0o17, 0b101): true,
 * with its value in *out when it fits (else *fits is false). */
static bool radix_number(const char *s, size_t len, uint64_t *out, bool *fits)
{
    size_t i = 0;
    if (i < len && (s[i] == '+' || s[i] == '-'))
        i++;
    if (len - i < 3 || s[i] != '0')
        return false;
    char r = s[i + 1];
    unsigned base = r == 'x' || r == 'X'   ? 16
                    : r == 'o' || r == 'O' ? 8
                    : r == 'b' || r == 'B' ? 2
                                           : 0;
    if (!base)
        return false;
    uint64_t v = 0;
    *fits = true;
    for (i += 2; i < len; i++) {
        char ch = s[i];
        unsigned dg = is_digit(ch) ? (unsigned)(ch - '0')
                      : ch >= 'a' && ch <= 'f' ? (unsigned)(ch - 'a' + 10)
                      : ch >= 'A' && ch <= 'F' ? (unsigned)(ch - 'A' + 10)
                                               : 99;
        if (ch == '_')
            continue;
        if (dg >= base)
            return false;
        if (v > (UINT64_MAX - dg) / base)
            *fits = false;
        else
            v = v * base + dg;
    }
    *out = v;
    return true;
}

/* Refuses a hexadecimal, octal or binary number: the plan's figures are decimal, and 017
 * means 17 to the person who wrote it. NULL when the value is not written so. */
static td_node *not_decimal(typer *c, const td_type *t, const td_ynode *y, const seg *s,
                            const kpos *k)
{
    uint64_t v;
    bool fits;
    if (!y->plain || !radix_number(y->text, y->len, &v, &fits))
        return NULL;
    char hint[MSG_SIZE];
    if (fits)
        snprintf(hint, sizeof hint, TR(c->d->lang, "%s is %s%llu in decimal"), y->text,
                 y->text[0] == '-' ? "-" : "", (unsigned long long)v);
    return wrong(c, t, y, s, k, TD_CODE_DATA_TYPE, fits ? hint : NULL,
                 "write the number in decimal");
}

static bool looks_like_comma_number(const char *s, size_t len)
{
    bool digit = false, comma = false;
    for (size_t i = 0; i < len; i++) {
        if (is_digit(s[i]))
            digit = true;
        else if (s[i] == ',')
            comma = true;
        else if (s[i] != '.' && s[i] != '-' && s[i] != '+' && s[i] != ' ')
            return false;
    }
    return digit && comma;
}

/* Reads up to 3 groups of digits separated by '/', '-' or '.'; returns the number of groups. */
static int groups(const char *s, size_t len, uint32_t g[3], size_t w[3])
{
    int n = 0;
    size_t i = 0;
    while (i < len && n < 3) {
        size_t st = i;
        uint32_t v = 0;
        while (i < len && is_digit(s[i]) && i - st < 4)
            v = v * 10 + (uint32_t)(s[i++] - '0');
        if (i == st)
            return 0;
        g[n] = v;
        w[n++] = i - st;
        if (i == len)
            break;
        if (s[i] != '/' && s[i] != '-' && s[i] != '.')
            return 0;
        i++;
    }
    return i == len ? n : 0;
}

/* "did you mean 2024-04-15?" for 15/04/2024, 2024-4-15 or 15.4.2024; NULL when unsure. */
static const char *date_hint(td_lang lang, const char *s, size_t len, char *buf, size_t size)
{
    uint32_t g[3];
    size_t w[3];
    if (groups(s, len, g, w) != 3)
        return NULL;
    uint32_t y, m, d;
    if (w[0] == 4) {
        y = g[0], m = g[1], d = g[2];
    } else if (w[2] == 4) {
        d = g[0], m = g[1], y = g[2];  /* Vietnamese order: day/month/year */
    } else {
        return NULL;
    }
    char iso[32];
    int32_t days;
    snprintf(iso, sizeof iso, "%04u-%02u-%02u", y, m % 100, d % 100);
    if (m > 12 || d > 31 || !td_parse_date(iso, strlen(iso), &days))
        return NULL;
    if (strlen(iso) == len && memcmp(iso, s, len) == 0)
        return NULL;
    /* TRANSLATORS: a date written 31/5/2024 is read day/month/year */
    snprintf(buf, size, TR(lang, "did you mean %s?"), iso);
    return buf;
}

/* "did you mean 2024-05?" for 5/2024, 2024-5, 05.2024 or a whole date 2024-05-31. */
static const char *month_hint(td_lang lang, const char *s, size_t len, char *buf, size_t size)
{
    uint32_t g[3];
    size_t w[3];
    int n = groups(s, len, g, w);
    uint32_t y, m;
    if (n == 2 && w[0] == 4)
        y = g[0], m = g[1];
    else if (n == 2 && w[1] == 4)
        m = g[0], y = g[1];
    else if (n == 3 && w[0] == 4)
        y = g[0], m = g[1];
    else if (n == 3 && w[2] == 4)
        m = g[1], y = g[2];
    else
        return NULL;
    if (m < 1 || m > 12)
        return NULL;
    char iso[32];
    snprintf(iso, sizeof iso, "%04u-%02u", y, m);
    if (strlen(iso) == len && memcmp(iso, s, len) == 0)
        return NULL;
    /* TRANSLATORS: a month written 5/2024 is read month/year */
    snprintf(buf, size, TR(lang, "did you mean month %s?"), iso);
    return buf;
}

/* The years a date in a unit file can be in: a year outside is a typing mistake (0000,
 * 2204), not a date of the plan's work. */
enum { YEAR_MIN = 1900, YEAR_MAX = 2100 };

/* Reports that the year of a real date or month is outside YEAR_MIN..YEAR_MAX; true. */
static bool report_year(typer *c, const td_ynode *y, const seg *s, const char *what, int year)
{
    char subj[MSG_SIZE], q[QUOTE_SIZE];
    if (what[0] == 'd')
        tfinding(c, TD_SEV_ERROR, TD_CODE_DATA_DATE, s, y->line, y->col, y->width, NULL,
                 "%s is not a plausible date, found %s: the year %04d is not between %d and %d; "
                 "correct the year",
                 subject(c, s, subj, sizeof subj), td_load_quote(y->text, y->len, q, sizeof q),
                 year, YEAR_MIN, YEAR_MAX);
    else
        tfinding(c, TD_SEV_ERROR, TD_CODE_DATA_MONTH, s, y->line, y->col, y->width, NULL,
                 "%s is not a plausible month, found %s: the year %04d is not between %d and %d; "
                 "correct the year",
                 subject(c, s, subj, sizeof subj), td_load_quote(y->text, y->len, q, sizeof q),
                 year, YEAR_MIN, YEAR_MAX);
    return true;
}

/* The year of a real date or month (YYYY-...). */
static inline int year_of(const td_ynode *y)
{
    const char *t = y->text;
    return ((t[0] - '0') * 10 + (t[1] - '0')) * 100 + (t[2] - '0') * 10 + (t[3] - '0');
}

/* Reports a real date or month (YYYY-...) whose year is outside YEAR_MIN..YEAR_MAX; true then.
 * The year is checked here, inline: a call with the messages' buffers cost more than the check
 * (89,000 a district of 2,000 units). */
static inline bool implausible(typer *c, const td_ynode *y, const seg *s, const char *what)
{
    int year = year_of(y);
    return (year < YEAR_MIN || year > YEAR_MAX) && report_year(c, y, s, what, year);
}

static td_node *type_date(typer *c, const td_type *t, const td_ynode *y, const seg *s,
                          const kpos *k)
{
    int32_t days;
    if (td_parse_date(y->text, y->len, &days)) {
        if (implausible(c, y, s, "date"))
            return new_node(c, t, y, k, true);
        td_node *n = new_node(c, t, y, k, false);
        if (n)
            n->v.days = days;
        return n;
    }
    char why[MSG_SIZE], hint[64], subj[MSG_SIZE], q[QUOTE_SIZE];
    const char *v = y->text;
    bool shaped = y->len == 10 && v[4] == '-' && v[7] == '-';
    for (size_t i = 0; shaped && i < 10; i++)
        shaped = i == 4 || i == 7 || is_digit(v[i]);
    const char *problem = shaped ? td_date_problem(c->d->lang, v, y->len, why, sizeof why) : NULL;
    if (!problem)
        return wrong(c, t, y, s, k, TD_CODE_DATA_DATE,
                     date_hint(c->d->lang, y->text, y->len, hint, sizeof hint),
                     "write the date as YYYY-MM-DD, e.g. 2024-04-15");
    tfinding(c, TD_SEV_ERROR, TD_CODE_DATA_DATE, s, y->line, y->col, y->width, NULL,
             "%s is not a real date, found %s: %s; write a date that exists on the calendar",
             subject(c, s, subj, sizeof subj), td_load_quote(y->text, y->len, q, sizeof q),
             problem);
    return new_node(c, t, y, k, true);
}

static td_node *type_month(typer *c, const td_type *t, const td_ynode *y, const seg *s,
                           const kpos *k)
{
    int32_t month;
    if (td_parse_month(y->text, y->len, &month)) {
        if (implausible(c, y, s, "month"))
            return new_node(c, t, y, k, true);
        td_node *n = new_node(c, t, y, k, false);
        if (n)
            n->v.month = month;
        return n;
    }
    const char *v = y->text;
    bool shaped = y->len == 7 && v[4] == '-' && is_digit(v[0]) && is_digit(v[1]) &&
                  is_digit(v[2]) && is_digit(v[3]) && is_digit(v[5]) && is_digit(v[6]);
    char hint[64], subj[MSG_SIZE], q[QUOTE_SIZE];
    if (!shaped)
        return wrong(c, t, y, s, k, TD_CODE_DATA_MONTH,
                     month_hint(c->d->lang, v, y->len, hint, sizeof hint),
                     "write the month as YYYY-MM, e.g. 2024-05");
    tfinding(c, TD_SEV_ERROR, TD_CODE_DATA_MONTH, s, y->line, y->col, y->width, NULL,
             "%s is not a real month, found %s: month %.2s does not exist; "
             "write a month from 01 to 12",
             subject(c, s, subj, sizeof subj), td_load_quote(v, y->len, q, sizeof q), v + 5);
    return new_node(c, t, y, k, true);
}

static td_node *type_enum(typer *c, const td_type *t, const td_ynode *y, const seg *s,
                          const kpos *k)
{
    const td_enum *e = t->en;
    int idx = td_enum_index(e, y->text, y->len);
    if (idx >= 0) {
        td_node *n = new_node(c, t, y, k, false);
        if (n)
            n->v.enum_index = (uint32_t)idx;
        return n;
    }
    const char *near = NULL;
    for (uint32_t i = 0; i < e->n && !near; i++)
        if (strcasecmp(e->values[i], y->text) == 0)
            near = e->values[i];
    /* a code written with Vietnamese diacritics (xã for xa, phụ_nữ for phu_nu) */
    char folded[MSG_SIZE];
    bool marks = td_fold_vi(y->text, folded, sizeof folded);
    for (uint32_t i = 0; i < e->n && !near && marks; i++)
        if (strcasecmp(e->values[i], folded) == 0)
            near = e->values[i];
    if (!near)
        near = td_suggest(marks ? folded : y->text, e->values, e->n);
    char hint[MSG_SIZE];
    if (near && marks)
        snprintf(hint, sizeof hint,
                 TR(c->d->lang, "did you mean '%s'? codes are written without diacritics"), near);
    else if (near)
        snprintf(hint, sizeof hint, TR(c->d->lang, "did you mean '%s'?"), near);
    return wrong(c, t, y, s, k, TD_CODE_DATA_ENUM, near ? hint : NULL, "write one of these codes");
}

static td_node *type_scalar(typer *c, const td_type *t, const td_ynode *y, const seg *s,
                            const kpos *k)
{
    if (y->kind != TD_Y_SCALAR)
        return wrong(c, t, y, s, k, TD_CODE_DATA_TYPE, NULL, "write a single value here");
    td_node *n;
    bool range;
    switch (t->kind) {
    case TD_T_TEXT:
        n = new_node(c, t, y, k, false);
        if (n) {
            n->v.text.s = y->text;
            n->v.text.len = y->len;
        }
        return n;
    case TD_T_INT: {
        int64_t i;
        if (!y->plain && parse_int(y->text, y->len, &i, &range))
            return wrong(c, t, y, s, k, TD_CODE_DATA_TYPE, NULL,
                         "in quotes it is a text: write the number without quotes");
        if ((n = not_decimal(c, t, y, s, k)) != NULL || c->oom)
            return n;
        if (!parse_int(y->text, y->len, &i, &range)) {
            bool comma = looks_like_comma_number(y->text, y->len);
            return wrong(c, t, y, s, k, TD_CODE_DATA_TYPE,
                         comma ? N_("write the number without separators: 1000, not 1,000")
                               : NULL,
                         range ? N_("write a smaller number")
                               : N_("write digits only, e.g. 40"));
        }
        n = new_node(c, t, y, k, false);
        if (n)
            n->v.i = i;
        return n;
    }
    case TD_T_NUMBER: {
        double num;
        if (!y->plain && parse_number(y->text, y->len, &num))
            return wrong(c, t, y, s, k, TD_CODE_DATA_TYPE, NULL,
                         "in quotes it is a text: write the number without quotes");
        if ((n = not_decimal(c, t, y, s, k)) != NULL || c->oom)
            return n;
        if (!parse_number(y->text, y->len, &num)) {
            bool comma = looks_like_comma_number(y->text, y->len);
            return wrong(c, t, y, s, k, TD_CODE_DATA_TYPE,
                         comma ? N_("use a point for decimals (2.5) and no thousands separators")
                               : NULL,
                         "write digits, e.g. 40 or 2.5");
        }
        n = new_node(c, t, y, k, false);
        if (n)
            n->v.num = num;
        return n;
    }
    case TD_T_BOOL: {
        const char *v = y->text;
        bool yes = !strcmp(v, "true") || !strcmp(v, "True") || !strcmp(v, "TRUE");
        bool no = !strcmp(v, "false") || !strcmp(v, "False") || !strcmp(v, "FALSE");
        if (!yes && !no)
            return wrong(c, t, y, s, k, TD_CODE_DATA_TYPE, NULL, "write true or false");
        n = new_node(c, t, y, k, false);
        if (n)
            n->v.b = yes;
        return n;
    }
    case TD_T_DATE: return type_date(c, t, y, s, k);
    case TD_T_MONTH: return type_month(c, t, y, s, k);
    case TD_T_ENUM: return type_enum(c, t, y, s, k);
    default: return NULL;
    }
}

static void unknown_field(typer *c, const td_record *r, const td_ynode *key, const seg *s)
{
    const char *near = NULL;
    char hint[MSG_SIZE];
    if (c->findings >= MAX_FINDINGS) {
        /* not reported: spare the suggestion */
        td_load_may_report(&c->findings, c->d, c->src, TD_SEV_WARNING, key->line, key->col, 0);
        return;
    }
    if (r->n_fields) {
        const char **names = td_take(&c->k, r->n_fields * sizeof *names);
        if (!names) {
            c->oom = true;
            return;
        }
        for (uint32_t i = 0; i < r->n_fields; i++)
            names[i] = r->fields[i].name;
        /* a field name written with diacritics (tên for ten) */
        char folded[MSG_SIZE];
        bool marks = td_fold_vi(key->text, folded, sizeof folded);
        near = td_suggest(marks ? folded : key->text, names, r->n_fields);
    }
    td_lang lang = c->d->lang;
    td_strbuf b = {hint, sizeof hint, 0};
    hint[0] = '\0';
    if (near) {
        td_load_add_fmt(&b, TR(lang, "did you mean '%s'?"), near);
    } else {
        td_load_add_fmt(&b, "%s", TR(lang, "the fields here are:"));
        for (uint32_t i = 0; i < r->n_fields; i++)
            td_load_add_fmt(&b, "%s %s", i ? "," : "", r->fields[i].name);
    }
    seg sub = { s, key->text, r->name, 0, r->cite };
    char q[QUOTE_SIZE], where[MSG_SIZE];
    tfinding(c, TD_SEV_WARNING, TD_CODE_DATA_UNKNOWN_FIELD,
             &sub, key->line, key->col, key->width, hint,
             "unknown field %s in %s; it is ignored: correct its name or delete it",
             td_load_quote(key->text, key->len, q, sizeof q), subject(c, s, where, sizeof where));
}

static void missing_field(typer *c, const td_record *r, const td_field *f, const td_ynode *y,
                          const seg *s, const kpos *k)
{
    seg sub = { s, f->name, r->name, 0, r->cite };
    for (uint32_t i = 0; i < y->n; i++) {
        const td_ynode *key = y->pairs[i].key;
        if (key && key->text && y->pairs[i].value && strcmp(key->text, f->name) == 0) {
            if (!y->pairs[i].value->text)
                return;  /* refused by the loader: already reported */
            char subj[MSG_SIZE];
            tfinding(c, TD_SEV_ERROR, TD_CODE_DATA_REQUIRED, &sub, key->line, key->col, key->width,
                     NULL, "%s is empty, but it is required; write a value after '%s:'",
                     subject(c, &sub, subj, sizeof subj), f->name);
            return;
        }
    }
    bool at_key = k && k->line;
    kpos kp = at_key ? key_at(c, k, y) : (kpos){0, 0, 0};
    char where[MSG_SIZE];
    tfinding(c, TD_SEV_ERROR, TD_CODE_DATA_REQUIRED, &sub, at_key ? kp.line : y->line,
             at_key ? kp.col : y->col, at_key ? kp.width : 1, NULL,
             "%s has no '%s'; add `%s: ...`", subject(c, s, where, sizeof where), f->name,
             f->name);
}

/* td_record_field for a key of known length, without a call per field name. The search
 * starts at *next, the field after the one found last, and goes round: data are mostly
 * written in the order the schema declares the fields. */
static const td_field *field_of(const td_record *r, const char *key, uint32_t len,
                                uint32_t *next)
{
    uint32_t n = r->n_fields;
    for (uint32_t k = 0, i = *next < n ? *next : 0; k < n; k++, i = i + 1 < n ? i + 1 : 0) {
        const char *name = r->fields[i].name;
        uint32_t j = 0;
        while (j < len && name[j] && name[j] == key[j])
            j++; /* name[j] first: a key with a NUL in it must not read past the name */
        if (j == len && name[j] == '\0') {
            *next = i + 1;
            return &r->fields[i];
        }
    }
    return NULL;
}

static td_node *type_record(typer *c, const td_type *t, const td_ynode *y, const seg *s,
                            const kpos *k)
{
    const td_record *r = t->rec;
    if (y->kind != TD_Y_MAP) {
        char subj[MSG_SIZE], q[QUOTE_SIZE];
        tfinding(c, TD_SEV_ERROR, TD_CODE_DATA_NOT_A_MAPPING, s, y->line, y->col, y->width, NULL,
                 "%s must be a mapping of fields, found %s; write its fields on the "
                 "lines below, indented, as `%s: ...`",
                 subject(c, s, subj, sizeof subj), found(c, y, q, sizeof q),
                 r->n_fields ? r->fields[0].name : "name");
        return new_node(c, t, y, k, true);
    }
    td_node *n = new_node(c, t, y, k, false);
    if (!n)
        return NULL;
    uint32_t next = 0;
    for (uint32_t i = 0; i < y->n; i++) {
        const td_ynode *key = y->pairs[i].key, *value = y->pairs[i].value;
        if (!key || !key->text || !value)
            continue;   /* a tree edited by hand (thidua test) may hold holes */
        const td_field *f = field_of(r, key->text, key->len, &next);
        if (!f || f->slot >= r->n_fields) {
            unknown_field(c, r, key, s);
        } else {
            seg sub = { s, f->name, r->name, 0, r->cite };
            kpos kp = { key->line, key->col, key->width };
            n->v.slots[f->slot] = type_value(c, f->type, value, &sub, &kp);
        }
        if (c->oom)
            return NULL;
    }
    for (uint32_t i = 0; i < r->n_fields; i++) {
        const td_field *f = &r->fields[i];
        const td_node *v = n->v.slots[f->slot];
        if (!f->required)
            continue;
        if (!v || v->null) {
            missing_field(c, r, f, y, s, k);
        } else if (!v->invalid && v->type->kind == TD_T_TEXT && td_text_blank(v->v.text.s, v->v.text.len)) {
            /* a required text written as "" is as missing as no text at all */
            seg sub = { s, f->name, r->name, 0, r->cite };
            char subj[MSG_SIZE];
            tfinding(c, TD_SEV_ERROR, TD_CODE_DATA_REQUIRED, &sub, v->line, v->col, v->width, NULL,
                     "%s is blank, but it is required; write a value after '%s:'",
                     subject(c, &sub, subj, sizeof subj), f->name);
        }
    }
    return n;
}

static td_node *type_list(typer *c, const td_type *t, const td_ynode *y, const seg *s,
                          const kpos *k)
{
    if (y->kind != TD_Y_SEQ) {
        char todo[MSG_SIZE];
        if (y->kind == TD_Y_SCALAR) {
            char q[QUOTE_SIZE];
            const char *v = td_load_quote(y->text, y->len, q, sizeof q);
            snprintf(todo, sizeof todo, TR(c->d->lang, "write it as a list: [%.*s]"),
                     (int)strlen(v) - 2, v + 1);
        } else {
            snprintf(todo, sizeof todo, "%s",
                     TR(c->d->lang, "write each item on its own line, starting with '- '"));
        }
        return wrong(c, t, y, s, k, TD_CODE_DATA_TYPE, NULL, todo);
    }
    td_node *n = new_node(c, t, y, k, false);
    if (!n || !y->n)
        return n;
    td_node **items = td_take(&c->k, y->n * sizeof *items);
    if (!items) {
        c->oom = true;
        return NULL;
    }
    const td_ynode hole = { .kind = TD_Y_NULL, .line = y->line, .col = y->col, .text = "" };
    for (uint32_t i = 0; i < y->n; i++) {
        const td_ynode *it = y->items[i] ? y->items[i] : &hole;
        seg sub = { s, NULL, NULL, i, NULL };
        kpos kp = { it->line, 0, 1 }; /* the dash: found when a finding needs it */
        if (it->kind == TD_Y_NULL && it->text) {
            kp = item_pos(c, it);
            char subj[MSG_SIZE];
            tfinding(c, TD_SEV_ERROR, TD_CODE_DATA_TYPE, &sub, kp.line, kp.col, 1, NULL,
                     "%s is empty; write a value after the '-' or delete the line",
                     subject(c, &sub, subj, sizeof subj));
            items[i] = new_node(c, t->elem, it, &kp, true);
        } else {
            items[i] = type_value(c, t->elem, it, &sub, &kp);
        }
        if (c->oom)
            return NULL;
    }
    n->v.list.items = items;
    n->v.list.n = y->n;
    return n;
}

static td_node *type_value(typer *c, const td_type *t, const td_ynode *y, const seg *s,
                           const kpos *k)
{
    if (y->kind == TD_Y_NULL) {
        if (!y->text)
            return new_node(c, t, y, k, true);
        /* `propaganda:` with nothing after it: absent, but findings can point at the key */
        td_node *n = new_node(c, t, y, k, false);
        if (n)
            n->null = true;
        return n;
    }
    switch (t->kind) {
    case TD_T_RECORD: return type_record(c, t, y, s, k);
    case TD_T_LIST: return type_list(c, t, y, s, k);
    default: return type_scalar(c, t, y, s, k);
    }
}

td_status td_type_document(const td_type *type, const td_ynode *root, const td_source *src,
                           td_arena *a, td_diag *d, td_node **out)
{
    typer c = { src, { a, NULL, 0 }, d, 0, false,
                type && type->kind == TD_T_RECORD ? type->rec->cite : NULL, false, false };
    bool d_oom = d->oom;
    const td_ynode none = { .kind = TD_Y_NULL, .line = 1, .col = 1, .width = 1 };
    *out = NULL;
    if (!root)
        root = &none;
    td_node *n;
    if (root->kind == TD_Y_NULL) {
        if (root->text)
            tfinding(&c, TD_SEV_ERROR, TD_CODE_DATA_EMPTY, NULL, root->line, root->col, 1, NULL,
                     "the document is empty; write the unit's data in it, "
                     "or delete the '---' line that starts it");
        n = new_node(&c, type, root, NULL, true);
    } else {
        n = type_value(&c, type, root, NULL, NULL);
    }
    if (c.oom || !n)
        return TD_ENOMEM;
    *out = n;
    return d->oom && !d_oom ? TD_ENOMEM : TD_OK;
}

/* ---------- typing straight from the events (the loader's fast path) ---------- */

/* An open record or list of the document being typed. */
typedef struct fframe {
    td_node *node;          /* arena(unit) */
    const td_type *t;
    const td_field *f;      /* RECORD: the field whose value comes next; NULL: a key comes next */
    const td_field *prev;   /* RECORD: the field of the key before, or NULL */
    kpos key;               /* RECORD: that field's key */
    uint32_t num;           /* its number in document order (the order of the id search) */
    size_t base;            /* LIST: its first item in td_fast.items */
} fframe;

/* A scalar written under an `id` key: where td_fast_id_at looks. */
typedef struct idcand {
    const char *text;       /* arena(unit) */
    uint32_t line, col, width;
    uint32_t num;           /* number of the mapping that holds the key */
} idcand;

/* Which field follows `from` (a field, or a record for its first key), as last seen: the keys
 * of one record are mostly written in the same order from one mapping to the next, so a key is
 * found with one comparison. */
typedef struct succ {
    const void *from;
    const td_field *to;
    uint32_t len;           /* bytes of to->name */
} succ;

enum { SUCC_BITS = 9 };

struct td_fast {
    typer c;
    const td_type *doc_type;
    td_node *root;          /* the typed document once its mapping has started */
    uint32_t num;           /* nodes numbered so far */
    fframe *frames;         /* owned scratch, reused by every document */
    size_t n, cap;
    td_node **items;        /* items of the open lists, innermost last */
    size_t nitems, cap_items;
    idcand *ids;
    size_t nids, cap_ids;
    td_fevents evs;         /* the document's events, kept by the loader for a replay */
    bool key_next;          /* see td_fast_key_next */
    succ next[1u << SUCC_BITS]; /* kept from one document to the next */
};

td_fast *td_fast_new(void)
{
    return calloc(1, sizeof(td_fast));
}

void td_fast_free(td_fast *f)
{
    if (!f)
        return;
    free(f->frames);
    free(f->items);
    free(f->ids);
    free(f->evs.v);
    free(f);
}

void td_fast_begin(td_fast *f, const td_type *type, const td_source *src, td_arena *a,
                   td_diag *d)
{
    f->c = (typer){ src, { a, NULL, 0 }, d, 0, false, NULL, true, false };
    f->doc_type = type;
    f->root = NULL;
    f->num = 0;
    f->n = f->nitems = f->nids = f->evs.n = 0;
    f->key_next = false;
}

td_fevents *td_fast_events(td_fast *f)
{
    return &f->evs;
}

const bool *td_fast_key_next(const td_fast *f)
{
    return &f->key_next;
}

bool td_fast_oom(const td_fast *f)
{
    return f->c.oom;
}

td_node *td_fast_root(const td_fast *f)
{
    return f->root;
}

size_t td_fast_depth(const td_fast *f)
{
    return f->n;
}

/* Grows an array of `elem`-byte elements to hold `need`; false when out of memory. */
static bool fgrow(void **p, size_t *cap, size_t need, size_t elem)
{
    if (need <= *cap)
        return true;
    size_t n = *cap ? *cap * 2 : 16;
    while (n < need)
        n *= 2;
    void *grown = realloc(*p, n * elem);
    if (!grown)
        return false;
    *p = grown;
    *cap = n;
    return true;
}

/* fattach's way for the document, an `id` field, or a list's items grown. */
static __attribute__((noinline)) bool fattach_more(td_fast *f, fframe *fr, td_node *n,
                                                   const td_ynode *y)
{
    if (!fr) {
        f->root = n;
    } else if (fr->t->kind == TD_T_RECORD) {
        fr->node->v.slots[fr->f->slot] = n;
        const char *name = fr->f->name;
        if (name[0] == 'i' && name[1] == 'd' && !name[2] && y->kind == TD_Y_SCALAR && f->n <= 9) {
            /* find_id's depth bound: the mapping at depth f->n - 1 <= 8 */
            if (!fgrow((void **)&f->ids, &f->cap_ids, f->nids + 1, sizeof *f->ids)) {
                f->c.oom = true;
                return false;
            }
            f->ids[f->nids++] = (idcand){ y->text, y->line, y->col, y->width ? y->width : 1,
                                          fr->num };
        }
        fr->prev = fr->f;
        fr->f = NULL;
        f->key_next = true;
    } else {
        if (f->nitems == f->cap_items &&
            !fgrow((void **)&f->items, &f->cap_items, f->nitems + 1, sizeof *f->items)) {
            f->c.oom = true;
            return false;
        }
        f->items[f->nitems++] = n;
    }
    return true;
}

/* Attaches a typed value to the open record or list (or makes it the document). A leaf in its
 * usual way (see new_node). */
static bool fattach(td_fast *f, fframe *fr, td_node *n, const td_ynode *y)
{
    if (fr && fr->t->kind == TD_T_RECORD) {
        const char *name = fr->f->name;
        if (name[0] == 'i' && name[1] == 'd' && !name[2])
            return fattach_more(f, fr, n, y);
        fr->node->v.slots[fr->f->slot] = n;
        fr->prev = fr->f;
        fr->f = NULL;
        f->key_next = true;
        return true;
    }
    if (!fr || f->nitems == f->cap_items)
        return fattach_more(f, fr, n, y);
    f->items[f->nitems++] = n;
    return true;
}

/* The slot of the table of successors for the key after the open record's previous one (or
 * its first); from is what the slot is for. */
static inline succ *succ_slot(td_fast *f, const fframe *fr, const void **from)
{
    *from = fr->prev ? (const void *)fr->prev : (const void *)fr->t->rec;
    uint64_t h = ((uint64_t)(uintptr_t)*from >> 3) * 0x9E3779B97F4A7C15ULL;
    return &f->next[h >> (64 - SUCC_BITS)];
}

/* fld as the field of the open record's key y: its name, or NULL when the mapping wrote it
 * before. */
static inline const char *take_key(td_fast *f, fframe *fr, const td_field *fld,
                                   const td_ynode *y)
{
    f->num++;
    if (fld->slot >= fr->t->rec->n_fields || fr->node->v.slots[fld->slot])
        return NULL;    /* written before in this mapping */
    fr->f = fld;
    fr->key = (kpos){ y->line, y->col, y->width };
    f->key_next = false;
    return fld->name;
}

/* td_fast_key's way when slot e of the table does not hold the key's field: field_of, from
 * the field after the previous key, and e told for the next time. */
static __attribute__((noinline)) const char *fast_key_more(td_fast *f, fframe *fr, succ *e,
                                                           const void *from, const td_ynode *y)
{
    const td_record *r = fr->t->rec;
    uint32_t next = fr->prev ? (uint32_t)(fr->prev - r->fields) + 1 : 0;
    const td_field *fld = field_of(r, y->text, y->len, &next);
    if (!fld) {
        f->num++;
        return NULL;    /* not a field of the record */
    }
    *e = (succ){ from, fld, y->len };
    return take_key(f, fr, fld, y);
}

/* True when the len bytes at a and b are the same: read in words, as a call of memcmp made the
 * key's lookup save registers for it. */
static inline bool same_bytes(const char *a, const char *b, uint32_t len)
{
    uint64_t u, v;
    uint32_t x, z;
    if (len >= 8) {
        for (uint32_t i = 0; i + 8 < len; i += 8) {
            memcpy(&u, a + i, 8);
            memcpy(&v, b + i, 8);
            if (u != v)
                return false;
        }
        memcpy(&u, a + len - 8, 8);
        memcpy(&v, b + len - 8, 8);
        return u == v;
    }
    if (len >= 4) {
        memcpy(&x, a, 4);
        memcpy(&z, b, 4);
        if (x != z)
            return false;
        memcpy(&x, a + len - 4, 4);
        memcpy(&z, b + len - 4, 4);
        return x == z;
    }
    for (uint32_t i = 0; i < len; i++)
        if (a[i] != b[i])
            return false;
    return true;
}

const char *td_fast_key(td_fast *f, const td_ynode *y)
{
    /* the field that followed the previous key last time, in a leaf: calls nothing */
    fframe *fr = &f->frames[f->n - 1];
    const void *from;
    succ *e = succ_slot(f, fr, &from);
    if (e->from != from || e->len != y->len || !same_bytes(e->to->name, y->text, y->len))
        return fast_key_more(f, fr, e, from, y);
    return take_key(f, fr, e->to, y);
}

bool td_fast_scalar(td_fast *f, td_ynode *y, bool null)
{
    fframe *fr = f->n ? &f->frames[f->n - 1] : NULL;
    f->num++;
    if (!fr)
        return false;   /* a document that is a single value */
    const td_type *t;
    kpos k;
    if (fr->t->kind == TD_T_RECORD) {
        if (null)
            y->kind = TD_Y_NULL;
        t = fr->f->type;
        k = fr->key;
    } else {
        if (null)
            return false;   /* an empty item */
        t = fr->t->elem;
        k = (kpos){ y->line, 0, 1 };
    }
    typer *c = &f->c;
    td_node *n = y->kind == TD_Y_NULL || t->kind == TD_T_RECORD || t->kind == TD_T_LIST
                     ? type_value(c, t, y, NULL, &k)
                     : type_scalar(c, t, y, NULL, &k);
    if (!n || c->bail)
        return false;
    return fattach(f, fr, n, y);
}

bool td_fast_start(td_fast *f, const td_ynode *y)
{
    fframe *fr = f->n ? &f->frames[f->n - 1] : NULL;
    const td_type *t;
    kpos k;
    if (!fr) {
        t = f->doc_type;
    } else if (fr->t->kind == TD_T_RECORD) {
        if (!fr->f)
            return false;   /* a mapping or a list as a key */
        t = fr->f->type;
        k = fr->key;
    } else {
        t = fr->t->elem;
        k = (kpos){ y->line, 0, 1 };
    }
    if (y->kind == TD_Y_MAP ? t->kind != TD_T_RECORD : t->kind != TD_T_LIST)
        return false;
    td_node *n = new_node(&f->c, t, y, fr ? &k : NULL, false);
    if (!n || !fattach(f, fr, n, y))
        return false;
    if (f->n == f->cap && !fgrow((void **)&f->frames, &f->cap, f->n + 1, sizeof *f->frames)) {
        f->c.oom = true;
        return false;
    }
    f->frames[f->n++] = (fframe){ n, t, NULL, NULL, { 0, 0, 0 }, ++f->num, f->nitems };
    f->key_next = t->kind == TD_T_RECORD;
    return true;
}

/* td_fast_end's way for a list, or a record with a required text that may be blank. */
static __attribute__((noinline)) bool fast_end_more(td_fast *f)
{
    if (!f->n)
        return false;
    fframe *fr = &f->frames[f->n - 1];
    td_node *n = fr->node;
    if (fr->t->kind == TD_T_RECORD) {
        const td_record *r = fr->t->rec;
        if (fr->f)
            return false;
        for (uint32_t i = 0; i < r->n_fields; i++) {
            const td_field *fld = &r->fields[i];
            const td_node *v = n->v.slots[fld->slot];
            if (!fld->required)
                continue;
            if (!v || v->null ||
                (!v->invalid && v->type->kind == TD_T_TEXT &&
                 td_text_blank(v->v.text.s, v->v.text.len)))
                return false;   /* missing_field, or a blank required text */
        }
    } else {
        size_t k = f->nitems - fr->base;
        if (k) {
            td_node **items = td_take(&f->c.k, k * sizeof *items);
            if (!items) {
                f->c.oom = true;
                return false;
            }
            memcpy(items, f->items + fr->base, k * sizeof *items);
            n->v.list.items = items;
            n->v.list.n = (uint32_t)k;
        }
        f->nitems = fr->base;
    }
    f->n--;
    /* the value of a record's key, or an item, is done */
    f->key_next = f->n && f->frames[f->n - 1].t->kind == TD_T_RECORD;
    return true;
}

bool td_fast_end(td_fast *f)
{
    /* a record whose required fields are there and not blank, in a leaf: calls nothing */
    fframe *fr = f->n ? &f->frames[f->n - 1] : NULL;
    if (!fr || fr->t->kind != TD_T_RECORD || fr->f)
        return fast_end_more(f);
    const td_record *r = fr->t->rec;
    td_node *const *slots = fr->node->v.slots;
    for (uint32_t i = 0; i < r->n_fields; i++) {
        const td_field *fld = &r->fields[i];
        const td_node *v = slots[fld->slot];
        if (!fld->required)
            continue;
        if (!v || v->null)
            return false;   /* missing_field */
        /* a text that starts with a visible ASCII character is not blank (td_text_blank) */
        if (!v->invalid && v->type->kind == TD_T_TEXT &&
            !(v->v.text.len && v->v.text.s[0] > ' ' && v->v.text.s[0] < 0x7F))
            return fast_end_more(f);
    }
    f->n--;
    /* the value of a record's key, or an item, is done */
    f->key_next = f->n && f->frames[f->n - 1].t->kind == TD_T_RECORD;
    return true;
}

bool td_fast_id_at(const td_fast *f, const char *id, uint32_t *line, uint32_t *col,
                   uint32_t *width)
{
    const idcand *best = NULL;
    for (size_t i = 0; i < f->nids; i++)
        if ((!best || f->ids[i].num < best->num) && strcmp(f->ids[i].text, id) == 0)
            best = &f->ids[i];
    if (!best)
        return false;
    *line = best->line;
    *col = best->col;
    *width = best->width;
    return true;
}
