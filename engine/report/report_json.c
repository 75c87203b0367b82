/* The JSON report, format "thidua-report/1" (docs/report-format.md): units are written as
 * they arrive, then targets, workflow stage counts and the summary.
 * Pipeline: batch merge (in order) -> td_report_unit ... td_report_finish -> FILE *. */
#include "report.h"

#include <math.h>
#include <stdarg.h>
#include <string.h>

/* What a byte is to a JSON string: J_PLAIN, written as it is (printable ASCII but quote and
 * backslash); J_ESC, escaped (quote, backslash, control characters); J_2 .. J_4, the lead byte
 * of a UTF-8 sequence of that length (J_3X: one that may be overlong, a surrogate, U+2028 or
 * U+2029: E0, E2 and ED); J_BAD, a byte no valid sequence starts with. */
enum { J_PLAIN, J_ESC, J_2, J_3, J_4, J_BAD, J_3X };

static const unsigned char JCLASS[256] = {
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, /* 0x00 */
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, /* 0x10 */
    0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, /* 0x20: '"' */
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, /* 0x30 */
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, /* 0x40 */
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, /* 0x50: '\\' */
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, /* 0x60 */
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, /* 0x70 */
    5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, /* 0x80: continuation bytes */
    5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, /* 0x90 */
    5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, /* 0xA0 */
    5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, /* 0xB0 */
    5, 5, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, /* 0xC0: C0 and C1 only overlong */
    2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, /* 0xD0 */
    6, 3, 6, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 6, 3, 3, /* 0xE0 */
    4, 4, 4, 4, 4, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, /* 0xF0: past F4, beyond U+10FFFF */
};

static inline bool cont(unsigned char c)
{
    return (c & 0xC0) == 0x80;
}

/* The end of the run from s that a JSON string holds as it is: printable ASCII but quote and
 * backslash, and well-formed UTF-8 (no overlong form, no surrogate) but U+2028 and U+2029
 * (valid JSON, not valid JavaScript: escaped for embedders). s is NUL-terminated, so a
 * sequence cut short meets the NUL, which is no continuation byte. */
static const unsigned char *plain_run(const unsigned char *s)
{
    for (;;) {
        unsigned char k = JCLASS[*s];
        if (k == J_PLAIN) {
            s++;
            continue;
        }
        switch (k) {
        case J_2:
            if (!cont(s[1]))
                return s;
            s += 2;
            continue;
        case J_3:
            if (!cont(s[1]) || !cont(s[2]))
                return s;
            s += 3;
            continue;
        case J_3X: {
            if (!cont(s[1]) || !cont(s[2]))
                return s;
            uint32_t v = (s[0] & 0x0Fu) << 12 | (s[1] & 0x3Fu) << 6 | (s[2] & 0x3Fu);
            if (v < 0x800 || (v >= 0xD800 && v <= 0xDFFF) || v == 0x2028 || v == 0x2029)
                return s;
            s += 3;
            continue;
        }
        case J_4: {
            if (!cont(s[1]) || !cont(s[2]) || !cont(s[3]))
                return s;
            uint32_t v = (s[0] & 0x07u) << 18 | (s[1] & 0x3Fu) << 12 | (s[2] & 0x3Fu) << 6 |
                         (s[3] & 0x3Fu);
            if (v < 0x10000 || v > 0x10FFFF)
                return s;
            s += 4;
            continue;
        }
        default: return s; /* an escape, a bad byte, or the NUL at the end */
        }
    }
}

/* The report's text gathered before it goes to the FILE: one fwrite for many small pieces
 * (the report is mostly short keys and values). */
typedef struct jbuf {
    FILE *out;
    size_t n;
    char b[8192];
} jbuf;

static void jflush(jbuf *j)
{
    if (j->n)
        fwrite(j->b, 1, j->n, j->out);
    j->n = 0;
}

static void jput(jbuf *j, const char *s, size_t n)
{
    if (n > sizeof j->b - j->n) {
        jflush(j);
        if (n > sizeof j->b) {
            fwrite(s, 1, n, j->out);
            return;
        }
    }
    memcpy(j->b + j->n, s, n);
    j->n += n;
}

static void jputs(jbuf *j, const char *s)
{
    jput(j, s, strlen(s));
}

/* A literal, its length known at compile time. */
#define JLIT(j, lit) jput((j), (lit), sizeof(lit) - 1)

static jbuf *jopen(jbuf *j, FILE *out)
{
    j->out = out;
    j->n = 0;
    return j;
}

/* printf into the buffer, for the few lines written once per report. */
__attribute__((format(printf, 2, 3))) static void jfmt(jbuf *j, const char *fmt, ...)
{
    char line[512];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(line, sizeof line, fmt, ap);
    va_end(ap);
    if (n < 0)
        return;
    if ((size_t)n < sizeof line) {
        jput(j, line, (size_t)n);
        return;
    }
    jflush(j);
    va_start(ap, fmt);
    vfprintf(j->out, fmt, ap);
    va_end(ap);
}

static void jchar(jbuf *j, char c)
{
    if (j->n == sizeof j->b)
        jflush(j);
    j->b[j->n++] = c;
}

static void juint(jbuf *j, unsigned long long v)
{
    char d[24];
    size_t k = sizeof d;
    do {
        d[--k] = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    jput(j, d + k, sizeof d - k);
}

/* \u and four hex digits. */
static void jhex4(jbuf *j, uint32_t cp)
{
    static const char HEX[] = "0123456789abcdef";
    char e[6] = {'\\', 'u', HEX[cp >> 12 & 15], HEX[cp >> 8 & 15], HEX[cp >> 4 & 15],
                 HEX[cp & 15]};
    jput(j, e, sizeof e);
}

/* s as a JSON string (see td_report_json_str). */
static void jstr(jbuf *j, const char *str)
{
    if (!str) {
        JLIT(j, "null");
        return;
    }
    const unsigned char *s = (const unsigned char *)str;
    jchar(j, '"');
    for (;;) {
        const unsigned char *k = plain_run(s);
        if (k > s) {
            jput(j, (const char *)s, (size_t)(k - s));
            s = k;
        }
        unsigned char ch = *s;
        if (!ch)
            break;
        switch (ch) {
        case '"': JLIT(j, "\\\""); s++; continue;
        case '\\': JLIT(j, "\\\\"); s++; continue;
        case '\n': JLIT(j, "\\n"); s++; continue;
        case '\r': JLIT(j, "\\r"); s++; continue;
        case '\t': JLIT(j, "\\t"); s++; continue;
        case '\b': JLIT(j, "\\b"); s++; continue;
        case '\f': JLIT(j, "\\f"); s++; continue;
        default: break;
        }
        if (ch < 0x20) {
            jhex4(j, ch);
            s++;
            continue;
        }
        uint32_t cp;
        size_t len = td_utf8_seq((const char *)s, strnlen((const char *)s, 4), &cp);
        if (!len) {
            JLIT(j, "\xEF\xBF\xBD");
            s++;
        } else {
            jhex4(j, cp); /* U+2028 or U+2029: plain_run passes every other valid sequence */
            s += len;
        }
    }
    jchar(j, '"');
}

/* td_report_json_str (report.h): writes s as a JSON string: quotes, backslashes and control characters escaped, UTF-8
 * passed through, invalid UTF-8 replaced by U+FFFD; "null" for NULL. */
void td_report_json_str(FILE *out, const char *s)
{
    jbuf j;
    j.out = out;
    j.n = 0;
    jstr(&j, s);
    jflush(&j);
}

/* Writes `lead` (punctuation and a key) then the value as a JSON string or null. */
static void jkv(jbuf *j, const char *lead, const char *value)
{
    jputs(j, lead);
    jstr(j, value);
}

static void jnum(jbuf *j, double v)
{
    char buf[40];
    jputs(j, td_report_number(v, buf));
}

static void jdate(jbuf *j, int32_t days)
{
    char d[11];
    td_format_date(days, d);
    jstr(j, d);
}

static td_status json_begin(td_report *r, void *state)
{
    (void)state;
    jbuf jb;
    jbuf *out = jopen(&jb, r->out);
    const td_plan_info *pl = &r->p->plan;
    jputs(out, "{\n  \"format\": \"thidua-report/1\",\n  \"as_of\": ");
    jdate(out, r->as_of);
    jkv(out, ",\n  \"plan\": {\"number\": ", pl->number);
    jkv(out, ", \"title\": ", pl->title);
    jkv(out, ", \"issuer\": ", pl->issuer);
    jkv(out, ", \"issued\": ", pl->issued);
    jputs(out, ", \"period\": ");
    if (pl->has_period) {
        jputs(out, "{\"from\": ");
        jdate(out, pl->period_from);
        jputs(out, ", \"to\": ");
        jdate(out, pl->period_to);
        jputs(out, "}");
    } else {
        jputs(out, "null");
    }
    jputs(out, r->o.validate ? "},\n  \"mode\": \"validate\",\n  \"units\": ["
                             : "},\n  \"mode\": \"eval\",\n  \"units\": [");
    jflush(out);
    return TD_OK;
}

/* The waiver a finding names (Decision 11), as an object. */
static void jwaiver(jbuf *out, const td_waiver *w)
{
    jkv(out, "{\"reason\": ", w->reason);
    jkv(out, ", \"approved_by\": ", w->approved_by);
    jkv(out, ", \"document\": ", w->document);
    jkv(out, ", \"dated\": ", w->dated);
    jkv(out, ", \"until\": ", w->until);
}

static void jfinding(jbuf *out, const td_diagnostic *e)
{
    jkv(out, "        {\"rule\": ", e->rule ? e->rule : e->code);
    jkv(out, ", \"severity\": ", td_severity_name(e->sev));
    jkv(out, ", \"cite\": ", e->cite);
    jkv(out, ", \"label\": ", e->label);
    jkv(out, ",\n         \"message\": ", e->message);
    jkv(out, ",\n         \"hint\": ", e->hint);
    jkv(out, ", \"path\": ", e->path && *e->path ? e->path : NULL);
    jkv(out, ", \"file\": ", e->file);
    if (e->line)
    {
        jputs(out, ", \"line\": ");
        juint(out, e->line);
        jputs(out, ", \"column\": ");
        juint(out, e->col);
    }
    else
        jputs(out, ", \"line\": null, \"column\": null");
    if (e->waiver && e->waived == TD_WAIVER_COVERS) {
        jputs(out, ",\n         \"status\": \"waived\", \"waiver\": ");
        jwaiver(out, e->waiver);
        jputs(out, "}");
    } else if (e->waiver) {
        jputs(out, ",\n         \"lapsed_waiver\": ");
        jwaiver(out, e->waiver);
        jkv(out, ", \"why\": ", e->waived == TD_WAIVER_EXPIRED ? "ended" : "not_yet");
        jputs(out, "}");
    }
    if (e->pending && e->waived != TD_WAIVER_COVERS)
        jputs(out, ", \"status\": \"progress\"");
    jputs(out, "}");
}

static td_status json_unit(td_report *r, void *state, const td_unit_result *u)
{
    (void)state;
    jbuf jb;
    jbuf *out = jopen(&jb, r->out);
    jputs(out, r->units > 1 ? ",\n    {\"file\": " : "\n    {\"file\": ");
    jstr(out, u->file);
    jputs(out, ", \"document\": ");
    juint(out, u->doc + 1);
    jputs(out, ", \"line\": ");
    if (u->line)
        juint(out, u->line);
    else
        jputs(out, "null");
    jkv(out, ",\n     \"id\": ", u->id);
    jkv(out, ", \"name\": ", u->name);
    jkv(out, ", \"level\": ", u->level);
    jkv(out, ", \"group\": ", u->group);
    if (r->p->n_report_values && !u->n_values) {
        jputs(out, ",\n     \"values\": null");
    } else if (u->n_values) {
        jputs(out, ",\n     \"values\": {");
        for (uint32_t i = 0; i < u->n_values; i++) {
            const td_define *def = r->p->report_values[i];
            jputs(out, i ? ", " : "");
            jstr(out, def->name);
            jputs(out, ": ");
            bool num = def->type->kind == TD_T_INT || def->type->kind == TD_T_NUMBER;
            if (u->values[i] && num)
                jputs(out, u->values[i]);
            else
                jstr(out, u->values[i]);
        }
        jputs(out, "}");
    }
    jputs(out, ",\n     \"status\": \"");
    jputs(out, td_unit_status(u));
    jputs(out, "\", \"errors\": ");
    juint(out, u->findings.errors);
    jputs(out, ", \"warnings\": ");
    juint(out, u->findings.warnings);
    jputs(out, ", \"infos\": ");
    juint(out, u->findings.infos);
    jputs(out, ", \"waived\": ");
    juint(out, u->findings.waived);
    jputs(out, ",");
    if (!u->findings.n) {
        jputs(out, " \"findings\": []}");
        jflush(out);
        return TD_OK;
    }
    jputs(out, "\n     \"findings\": [\n");
    for (size_t i = 0; i < u->findings.n; i++) {
        if (i)
            jputs(out, ",\n");
        jfinding(out, &u->findings.items[i]);
    }
    jputs(out, "\n     ]}");
    jflush(out);
    return TD_OK;
}

static void jpace(jbuf *out, const td_target_row *row);

static void jtargets(jbuf *out, td_report *r, const td_batch *b)
{
    bool any = !r->o.validate && b->n_rows;
    jputs(out, "  \"targets\": [");
    if (!any) {
        jputs(out, "],\n");
        return;
    }
    for (size_t i = 0; i < b->n_rows; i++) {
        const td_target_row *row = &b->rows[i];
        const td_target *t = &r->p->targets[row->target];
        jputs(out, i ? ",\n    {\"id\": " : "\n    {\"id\": ");
        jstr(out, t->id);
        char lb[1024];
        jkv(out, ", \"label\": ", td_report_label(r, t->label, lb, sizeof lb));
        jkv(out, ", \"cite\": ", t->cite && *t->cite ? t->cite : NULL);
        jkv(out, ",\n     \"group\": ", row->group);
        jputs(out, ", \"actual\": ");
        jnum(out, row->actual);
        jputs(out, ", \"required\": ");
        if (row->has_required)
            jnum(out, row->required);
        else
            jputs(out, "null");
        jputs(out, ", \"percent\": ");
        if (row->has_percent)
            jnum(out, td_report_percent(row->percent));
        else
            jputs(out, "null");
        jputs(out, ", \"met\": ");
        jputs(out, !row->has_required ? "null" : row->met ? "true" : "false");
        jkv(out, ", \"status\": ", td_report_row_status(row));
        jkv(out, ", \"severity\": ",
            row->has_required && !row->met ? td_severity_name(row->severity) : NULL);
        int32_t due;
        jputs(out, ",\n     \"due\": ");
        if (td_report_target_due(r, t, &due))
            jdate(out, due);
        else
            jputs(out, "null");
        jpace(out, row);
        jputs(out, "}");
    }
    jputs(out, "\n  ],\n");
}

/* A rate as JSON: rounded to two decimals. */
static void jrate(jbuf *out, double v)
{
    jnum(out, td_report_round_int(v * 100) / 100);
}

/* The pace of a requirement not yet due (docs/report-format.md), or null. */
static void jpace(jbuf *out, const td_target_row *row)
{
    jputs(out, ", \"pace\": ");
    if (!row->has_pace) {
        jputs(out, "null");
        return;
    }
    jputs(out, "{\"needed\": ");
    jnum(out, row->pace_needed);
    jfmt(out, ", \"months_left\": %u, \"needed_per_month\": ", row->pace_months);
    jrate(out, row->pace_per_month);
    if (row->has_recent) {
        jfmt(out, ",\n              \"recent_months\": %u, \"recent_gain\": ",
                row->recent_months);
        jnum(out, row->recent_per_month * row->recent_months);
        jputs(out, ", \"recent_per_month\": ");
        jrate(out, row->recent_per_month);
    } else {
        jputs(out, ",\n              \"recent_months\": null, \"recent_gain\": null, "
              "\"recent_per_month\": null");
    }
    jfmt(out, ", \"on_pace\": %s}", row->on_pace ? "true" : "false");
}

/* One date of the history: every target row at that date, as {id, group, actual}. */
static void jhistory_entry(jbuf *out, const td_program *p, int32_t day, const td_target_row *rows,
                           size_t n, bool first)
{
    jputs(out, first ? "\n    {\"as_of\": " : ",\n    {\"as_of\": ");
    jdate(out, day);
    jputs(out, ", \"targets\": [");
    for (size_t i = 0; i < n; i++) {
        jputs(out, i ? ",\n      {\"id\": " : "\n      {\"id\": ");
        jstr(out, p->targets[rows[i].target].id);
        jkv(out, ", \"group\": ", rows[i].group);
        jputs(out, ", \"actual\": ");
        jnum(out, rows[i].actual);
        jputs(out, "}");
    }
    jputs(out, n ? "\n    ]}" : "]}");
}

/* The targets month by month: each month end of the history, then the as-of date. */
static void jhistory(jbuf *out, td_report *r, const td_batch *b)
{
    jputs(out, "  \"history\": [");
    if (r->o.validate) {
        jputs(out, "],\n");
        return;
    }
    for (size_t j = 0; j < b->n_history; j++)
        jhistory_entry(out, r->p, b->history[j].as_of, b->history[j].rows, b->history[j].n_rows,
                       j == 0);
    jhistory_entry(out, r->p, r->as_of, b->rows, b->n_rows, b->n_history == 0);
    jputs(out, "\n  ],\n");
}

static void jworkflows(jbuf *out, td_report *r, const td_batch *b)
{
    jputs(out, "  \"workflows\": [");
    uint32_t base = 0;
    for (uint32_t w = 0; w < r->p->n_workflows; w++) {
        const td_workflow *wf = &r->p->workflows[w];
        jputs(out, w ? ",\n    {\"id\": " : "\n    {\"id\": ");
        jstr(out, wf->id);
        jkv(out, ", \"label\": ", wf->label);
        jkv(out, ", \"cite\": ", wf->cite && *wf->cite ? wf->cite : NULL);
        jfmt(out, ",\n     \"none\": %llu, \"stages\": [",
                base < b->n_stages ? (unsigned long long)b->stages[base] : 0ULL);
        for (uint32_t k = 1; k <= wf->n_stages; k++) {
            const td_value *v = &wf->stages[k - 1];
            jputs(out, k > 1 ? ",\n       {\"value\": " : "\n       {\"value\": ");
            if (v->kind == TD_V_INT)
                jfmt(out, "%lld", (long long)v->u.i);
            else if (v->kind == TD_V_NUM)
                jnum(out, v->u.num);
            else if (v->kind == TD_V_TEXT)
                jstr(out, v->u.text.s);
            else if (v->kind == TD_V_ENUM)
                jstr(out, v->u.en.en->values[v->u.en.index]);
            else
                jputs(out, "null");
            jkv(out, ", \"label\": ", wf->stage_labels ? wf->stage_labels[k - 1] : NULL);
            jfmt(out, ", \"count\": %llu}",
                    base + k < b->n_stages ? (unsigned long long)b->stages[base + k] : 0ULL);
        }
        jputs(out, wf->n_stages ? "\n     ]}" : "]}");
        base += wf->n_stages + 1;
    }
    jputs(out, r->p->n_workflows ? "\n  ],\n" : "],\n");
}

/* Every waiver of the rules with what this batch saw of it. */
static void jwaivers(jbuf *out, td_report *r, const td_batch *b)
{
    jputs(out, "  \"waivers\": [");
    for (uint32_t i = 0; i < r->p->n_waivers; i++) {
        const td_waiver *w = &r->p->waivers[i];
        td_waiver_info wi;
        td_waiver_use_info use = {0, 0, 0, false};
        td_program_waiver(r->p, i, &wi);
        td_batch_waiver(b, i, &use);
        jkv(out, i ? ",\n    {\"rule\": " : "\n    {\"rule\": ", w->rule);
        jkv(out, ", \"unit\": ", w->unit);
        jkv(out, ", \"exemplar\": ", w->exemplar);
        jputs(out, ",\n     \"waiver\": ");
        jwaiver(out, w);
        jputs(out, "},\n     ");
        jkv(out, "\"file\": ", wi.file);
        jfmt(out, ", \"line\": %u, \"in_force\": %s, \"units\": %zu, \"covered\": %zu, "
                "\"not_in_force\": %zu}", wi.line, use.in_force ? "true" : "false", use.units,
                use.covered, use.not_in_force);
    }
    jputs(out, r->p->n_waivers ? "\n  ],\n" : "],\n");
}

static td_status json_finish(td_report *r, void *state, const td_batch *b)
{
    (void)state;
    jbuf jb;
    jbuf *out = jopen(&jb, r->out);
    jputs(out, r->units ? "\n  ],\n" : "],\n");
    jtargets(out, r, b);
    jhistory(out, r, b);
    jworkflows(out, r, b);
    /* the params with dated values, as in force at the as-of date (the value the targets
     * and headings used) */
    bool any = false;
    for (uint32_t i = 0; i < r->p->n_params; i++) {
        const td_param *prm = &r->p->params[i];
        if (!prm->n_values)
            continue;
        char v[256];
        int32_t from, until;
        td_report_param_value(r, prm, &from, &until, v, sizeof v);
        jputs(out, any ? ",\n    {\"name\": " : "  \"params\": [\n    {\"name\": ");
        any = true;
        jstr(out, prm->name);
        jputs(out, ", \"value\": ");
        if (prm->value.kind == TD_V_INT || prm->value.kind == TD_V_NUM)
            jputs(out, v);
        else
            jstr(out, v);
        jputs(out, ", \"from\": ");
        if (from == INT32_MIN)
            jputs(out, "null");
        else
            jdate(out, from);
        jputs(out, ", \"until\": ");
        if (until == INT32_MAX)
            jputs(out, "null");
        else
            jdate(out, until);
        jputs(out, "}");
    }
    if (any)
        jputs(out, "\n  ],\n");
    jwaivers(out, r, b);
    const td_batch_summary *s = &b->sum;
    bool t = !r->o.validate;
    jfmt(out,
            "  \"summary\": {\"units\": %zu, \"passed\": %zu, \"failed\": %zu, \"errors\": %zu, "
            "\"warnings\": %zu, \"infos\": %zu, \"waived\": %zu,\n"
            "              \"targets\": %zu, \"targets_met\": %zu, \"targets_not_met\": %zu, "
            "\"targets_in_progress\": %zu}\n}\n",
            s->units, s->passed, s->failed, s->errors, s->warnings, s->infos, s->waived,
            t ? s->targets : 0,
            t ? s->targets_met : 0, t ? s->target_errors : 0, t ? s->target_infos : 0);
    jflush(out);
    return TD_OK;
}

const td_report_ops td_report_json_ops = {
    .name = "json",
    .begin = json_begin,
    .forkable = true,
    .unit = json_unit,
    .finish = json_finish,
};
