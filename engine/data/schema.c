/* The data schema: field and enum lookups, type names for messages, and the strict
 * calendar (dates as days since 1970-01-01, months as year*12 + month-1) used by load and eval. */
#include "schema.h"

#include <stdio.h>
#include <string.h>

const td_field *td_record_field(const td_record *r, const char *name)
{
    for (uint32_t i = 0; i < r->n_fields; i++)
        if (r->fields[i].name[0] == name[0] && strcmp(r->fields[i].name, name) == 0)
            return &r->fields[i];
    return NULL;
}

const td_define *td_record_define(const td_record *r, const char *name)
{
    for (uint32_t i = 0; i < r->n_defines; i++)
        if (strcmp(r->defines[i].name, name) == 0)
            return &r->defines[i];
    return NULL;
}

int td_enum_index(const td_enum *e, const char *code, size_t len)
{
    for (uint32_t i = 0; i < e->n; i++)
        if (strncmp(e->values[i], code, len) == 0 && e->values[i][len] == '\0')
            return (int)i;
    return -1;
}

/* A bounded string builder: appends never overflow; a cut text ends with "...". */
typedef struct sbuf {
    char *buf;
    size_t size, len;   /* bytes */
    bool cut;
} sbuf;

static void put(sbuf *b, const char *s)
{
    if (b->size == 0 || b->cut)
        return;
    size_t n = strlen(s);
    if (b->len + n < b->size) {
        memcpy(b->buf + b->len, s, n + 1);
        b->len += n;
        return;
    }
    b->cut = true;
    size_t keep = b->size >= 4 ? b->size - 4 : b->size - 1;  /* bytes before the "..." */
    if (keep > b->len) {
        size_t take = keep - b->len;
        /* never cut inside a UTF-8 sequence */
        while (take > 0 && ((unsigned char)s[take] & 0xC0) == 0x80)
            take--;
        memcpy(b->buf + b->len, s, take);
        b->len += take;
    } else {
        while (keep > 0 && ((unsigned char)b->buf[keep] & 0xC0) == 0x80)
            keep--;
        b->len = keep;
    }
    if (b->size >= 4) {
        memcpy(b->buf + b->len, "...", 4);
        b->len += 3;
    } else {
        b->buf[b->len] = '\0';
    }
}

static void put_codes(sbuf *b, const td_enum *e)
{
    for (uint32_t i = 0; i < e->n; i++) {
        if (i)
            put(b, ", ");
        put(b, e->values[i]);
    }
}

static void put_type(sbuf *b, const td_type *t, bool in_list)
{
    switch (t->kind) {
    case TD_T_TEXT: put(b, "text"); break;
    case TD_T_INT: put(b, "int"); break;
    case TD_T_NUMBER: put(b, "number"); break;
    case TD_T_BOOL: put(b, "bool"); break;
    case TD_T_DATE: put(b, "date (YYYY-MM-DD)"); break;
    case TD_T_MONTH: put(b, "month (YYYY-MM)"); break;
    case TD_T_ENUM:
        if (!t->en) {
            put(b, "enum");
        } else if (in_list) {
            put(b, t->en->name);
            put(b, " (");
            put_codes(b, t->en);
            put(b, ")");
        } else {
            put(b, "one of ");
            put_codes(b, t->en);
        }
        break;
    case TD_T_RECORD: put(b, t->rec ? t->rec->name : "record"); break;
    case TD_T_LIST:
        put(b, "list of ");
        if (t->elem)
            put_type(b, t->elem, true);
        else
            put(b, "values");
        break;
    }
}

const char *td_type_name(const td_type *t, char *buf, size_t size)
{
    sbuf b = { buf, size, 0, false };
    if (size)
        buf[0] = '\0';
    put_type(&b, t, false);
    return buf;
}

/* ---- calendar (proleptic Gregorian; H. Hinnant's days_from_civil) ---- */

static bool is_leap(int32_t y)
{
    return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static uint32_t days_in_month(int32_t y, uint32_t m)
{
    static const unsigned char dim[12] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
    return m == 2 && is_leap(y) ? 29u : dim[m - 1];
}

int32_t td_days_from_civil(int32_t y, uint32_t m, uint32_t d)
{
    y -= m <= 2;
    int32_t era = (y >= 0 ? y : y - 399) / 400;
    uint32_t yoe = (uint32_t)(y - era * 400);
    uint32_t doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
    uint32_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + (int32_t)doe - 719468;
}

void td_civil_from_days(int32_t days, int32_t *y, uint32_t *m, uint32_t *d)
{
    int64_t z = (int64_t)days + 719468;
    int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    uint32_t doe = (uint32_t)(z - era * 146097);
    uint32_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    uint32_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    uint32_t mp = (5 * doy + 2) / 153;
    *d = doy - (153 * mp + 2) / 5 + 1;
    *m = mp < 10 ? mp + 3 : mp - 9;
    *y = (int32_t)((int64_t)yoe + era * 400 + (*m <= 2));
}

int32_t td_month_of_date(int32_t days)
{
    int32_t y;
    uint32_t m, d;
    td_civil_from_days(days, &y, &m, &d);
    return y * 12 + (int32_t)m - 1;
}

static inline bool is_digit(char c)
{
    return (unsigned char)(c - '0') <= 9;
}

/* The value of the two digits at s. */
static inline uint32_t two(const char *s)
{
    return (uint32_t)(s[0] - '0') * 10 + (uint32_t)(s[1] - '0');
}

/* Splits "YYYY-MM-DD" (dd false: "YYYY-MM") into numbers; false when the shape is wrong. Each
 * place checked at once, not in a loop of digits: 89,000 dates and months a d2k run. */
static bool split(const char *s, size_t len, bool dd, uint32_t *y, uint32_t *m, uint32_t *d)
{
    if (len != (dd ? 10u : 7u) || s[4] != '-' || !is_digit(s[0]) || !is_digit(s[1]) ||
        !is_digit(s[2]) || !is_digit(s[3]) || !is_digit(s[5]) || !is_digit(s[6]))
        return false;
    *y = two(s) * 100 + two(s + 2);
    *m = two(s + 5);
    if (!dd)
        return true;
    if (s[7] != '-' || !is_digit(s[8]) || !is_digit(s[9]))
        return false;
    *d = two(s + 8);
    return true;
}

bool td_parse_date(const char *s, size_t len, int32_t *days)
{
    uint32_t y, m, d;
    if (!split(s, len, true, &y, &m, &d) || m < 1 || m > 12 || d < 1 ||
        d > days_in_month((int32_t)y, m))
        return false;
    *days = td_days_from_civil((int32_t)y, m, d);
    return true;
}

bool td_parse_month(const char *s, size_t len, int32_t *month)
{
    uint32_t y, m, d;
    if (!split(s, len, false, &y, &m, &d) || m < 1 || m > 12)
        return false;
    *month = (int32_t)y * 12 + (int32_t)m - 1;
    return true;
}

/* Writes n digits of v (0 <= v < 10^n) at p. */
static void put_digits(char *p, uint32_t v, int n)
{
    for (int i = n - 1; i >= 0; i--) {
        p[i] = (char)('0' + v % 10);
        v /= 10;
    }
}

/* Years outside 0000..9999 cannot be written in the fixed format; they are clamped. */
static uint32_t clamp_year(int32_t y)
{
    return y < 0 ? 0u : y > 9999 ? 9999u : (uint32_t)y;
}

void td_format_date(int32_t days, char buf[11])
{
    int32_t y;
    uint32_t m, d;
    td_civil_from_days(days, &y, &m, &d);
    put_digits(buf, clamp_year(y), 4);
    buf[4] = '-';
    put_digits(buf + 5, m, 2);
    buf[7] = '-';
    put_digits(buf + 8, d, 2);
    buf[10] = '\0';
}

void td_format_month(int32_t month, char buf[8])
{
    int32_t y = month >= 0 ? month / 12 : (month - 11) / 12;
    uint32_t m = (uint32_t)(month - y * 12) + 1;
    put_digits(buf, clamp_year(y), 4);
    buf[4] = '-';
    put_digits(buf + 5, m, 2);
    buf[7] = '\0';
}

/* characters, not pointers: a table of pointers would need relocations in writable data */
static const char month_names[12][10] = {
    "January", "February", "March", "April", "May", "June",
    "July", "August", "September", "October", "November", "December",
};

/* The reason is written into buf, in `lang`; NULL when s is a valid date. */
const char *td_date_problem(td_lang lang, const char *s, size_t len, char *buf, size_t size)
{
    uint32_t y, m, d;
    if (!split(s, len, true, &y, &m, &d))
        snprintf(buf, size, "%s", TR(lang, "write the date as YYYY-MM-DD"));
    else if (m < 1 || m > 12)
        snprintf(buf, size, TR(lang, "month %.2s does not exist"), s + 5);
    else if (d < 1)
        snprintf(buf, size, TR(lang, "day %.2s does not exist"), s + 8);
    else if (d > days_in_month((int32_t)y, m) && lang == TD_LANG_VI)
        snprintf(buf, size, TR(lang, "month %02u of %04u has %u days"), m, y,
                 days_in_month((int32_t)y, m));
    else if (d > days_in_month((int32_t)y, m))
        snprintf(buf, size, "%s %04u has %u days", month_names[m - 1], y,
                 days_in_month((int32_t)y, m));
    else
        return NULL;
    return buf;
}

bool td_text_blank(const char *s, size_t len)
{
    for (size_t i = 0; i < len; i++) {
        unsigned char ch = (unsigned char)s[i];
        if (ch == ' ' || ch == '\t' || ch == '\n' || ch == '\r')
            continue;
        if (ch == 0xC2 && i + 1 < len && (unsigned char)s[i + 1] == 0xA0) {
            i++; /* U+00A0, a no-break space pasted from a word processor */
            continue;
        }
        return false;
    }
    return true;
}
