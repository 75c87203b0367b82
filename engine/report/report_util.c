/* Reports: helpers every format shares (numbers, titles, statuses, stage and enum labels,
 * scratch files).
 * Pipeline: batch merge (in order) -> td_report_unit ... td_report_finish -> FILE *. */
#include "report.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "label.h"

size_t td_utf8_chars(const char *s)
{
    size_t n = 0;
    for (; s && *s; s++)
        n += ((unsigned char)*s & 0xC0) != 0x80;
    return n;
}

const char *td_report_number(double v, char buf[40])
{
    if (!isfinite(v)) {
        strcpy(buf, "null");
    } else if (v == floor(v) && fabs(v) < 9007199254740992.0) {
        snprintf(buf, 40, "%.0f", v == 0 ? 0.0 : v);
    } else {
        snprintf(buf, 40, "%.15g", v);
    }
    return buf;
}

double td_report_percent(double p)
{
    return floor(p * 10 + 0.5) / 10;
}

const char *td_report_unit_title(td_lang lang, const td_unit_result *u, char *buf, size_t size)
{
    if (u->id && u->name)
        snprintf(buf, size, "%s (%s)", u->id, u->name);
    else if (u->id || u->name)
        snprintf(buf, size, "%s", u->id ? u->id : u->name);
    else if (!u->typed && u->doc == 0)
        buf[0] = '\0'; /* the file as a whole: unreadable, empty or not YAML */
    else if (u->line)
        snprintf(buf, size, TR(lang, "document %u (line %u)"), u->doc + 1, u->line);
    else
        snprintf(buf, size, TR(lang, "document %u"), u->doc + 1);
    return buf;
}

const char *td_report_row_status(const td_target_row *row)
{
    /* the JSON report's words: translated where a person reads them (N_) */
    if (!row->has_required)
        return N_("tally");
    if (row->met)
        return N_("met");
    return row->severity == TD_SEV_ERROR ? N_("not met") : N_("progress");
}

static const char *const_text(const td_value *v, char *buf, size_t size)
{
    switch (v->kind) {
    case TD_V_INT: snprintf(buf, size, "%lld", (long long)v->u.i); break;
    case TD_V_NUM: snprintf(buf, size, "%g", v->u.num); break;
    case TD_V_TEXT: snprintf(buf, size, "%.*s", (int)v->u.text.len, v->u.text.s); break;
    case TD_V_ENUM: snprintf(buf, size, "%s", v->u.en.en->values[v->u.en.index]); break;
    case TD_V_BOOL: snprintf(buf, size, "%s", v->u.b ? "true" : "false"); break;
    default: snprintf(buf, size, "?"); break;
    }
    return buf;
}

const char *td_report_stage_label(td_lang lang, const td_workflow *w, uint32_t k, char *buf,
                                  size_t size)
{
    if (k == 0) {
        snprintf(buf, size, "%s", TR(lang, "no stage yet"));
        return buf;
    }
    char v[64];
    const_text(&w->stages[k - 1], v, sizeof v);
    const char *label = w->stage_labels ? w->stage_labels[k - 1] : NULL;
    if (label && *label)
        snprintf(buf, size, "%s (%s)", v, label);
    else
        snprintf(buf, size, "%s", v);
    return buf;
}

bool td_report_copy(FILE *spool, FILE *out)
{
    if (!spool)
        return true;
    if (fflush(spool) != 0 || fseek(spool, 0, SEEK_SET) != 0)
        return false;
    char buf[65536];
    size_t n;
    while ((n = fread(buf, 1, sizeof buf, spool)) > 0)
        if (fwrite(buf, 1, n, out) != n)
            return false;
    return !ferror(spool);
}

const char *td_report_param_value(const td_report *r, const td_param *prm, int32_t *from,
                                  int32_t *until, char *buf, size_t size)
{
    const td_value *v = td_param_at(prm, r->as_of, from, until);
    td_arena a;
    td_arena_init(&a, 256);
    const char *s = td_value_format(v, &a);
    snprintf(buf, size, "%s", s ? s : "");
    td_arena_free(&a);
    return buf;
}

const char *td_report_label(const td_report *r, const char *s, char *buf, size_t size)
{
    return td_label_at(r->p, s, r->as_of, buf, size);
}

bool td_report_target_due(const td_report *r, const td_target *t, int32_t *days)
{
    return td_target_due(r->p, t, r->as_of, days);
}

size_t td_report_rows_of(const td_batch *b, size_t i)
{
    size_t n = 1;
    while (i + n < b->n_rows && b->rows[i + n].target == b->rows[i].target)
        n++;
    return n;
}

const char *td_report_enum_label(const td_type *t, const char *code)
{
    if (!code || !t || t->kind != TD_T_ENUM)
        return code;
    int i = td_enum_index(t->en, code, strlen(code));
    return i >= 0 && t->en->labels[i] ? t->en->labels[i] : code;
}

FILE *td_report_spool(void)
{
    return tmpfile();
}

bool td_report_spool_ok(FILE *spool)
{
    return !spool || !ferror(spool);
}

void td_report_spool_close(FILE *spool)
{
    if (spool)
        fclose(spool);
}

double td_report_round_int(double v)
{
    /* what round() gives, without libm (docs/performance.md, lever 11): v - trunc(v) is
     * exact, and trunc is inlined */
    double t = trunc(v);
    if (fabs(v - t) >= 0.5)
        t += copysign(1.0, v);
    return t;
}

double td_report_round(double v, unsigned decimals)
{
    /* half away from zero, as people round (printf would give 3.2 for 3.25); the powers of
     * ten are exact, as pow(10, n) gives them */
    static const double SCALE[] = {1, 10, 100, 1e3, 1e4, 1e5, 1e6};
    double scale = SCALE[decimals > 6 ? 6 : decimals];
    v = td_report_round_int(v * scale) / scale;
    return v == 0 ? 0.0 : v; /* no "-0" */
}

const char *td_report_num_text(double v, unsigned decimals, bool vi, char buf[48])
{
    if (!isfinite(v)) {
        strcpy(buf, "-");
        return buf;
    }
    if (fabs(v) >= 1e15) {
        snprintf(buf, 48, "%.0f", v);
        return buf;
    }
    v = td_report_round(v, decimals);
    char raw[48];
    snprintf(raw, sizeof raw, "%.*f", (int)decimals, v);
    char *dot = strchr(raw, '.');
    if (dot) {
        /* trailing zeros of the fraction dropped, and the point with them */
        char *end = raw + strlen(raw);
        while (end > dot + 1 && end[-1] == '0')
            *--end = '\0';
        if (end == dot + 1)
            *dot = '\0';
    }
    if (strcmp(raw, "-0") == 0)
        strcpy(raw, "0");
    /* Vietnamese: a dot between thousands and a decimal comma (20.000; 2,5) */
    size_t o = 0;
    const char *s = raw;
    if (*s == '-')
        buf[o++] = *s++;
    size_t whole = strcspn(s, ".");
    for (size_t i = 0; i < whole; i++) {
        if (vi && i && (whole - i) % 3 == 0)
            buf[o++] = '.';
        buf[o++] = s[i];
    }
    if (s[whole] == '.') {
        buf[o++] = vi ? ',' : '.';
        for (const char *f = s + whole + 1; *f; f++)
            buf[o++] = *f;
    }
    buf[o] = '\0';
    return buf;
}

const char *td_report_pace_text(const td_target_row *row, td_lang lang, char *buf, size_t size)
{
    if (!row->has_pace || row->pace_needed <= 0)
        return NULL;
    bool vi = lang == TD_LANG_VI;
    char need[48], per[48], recent[48];
    td_report_num_text(row->pace_needed, 1, vi, need);
    td_report_num_text(row->pace_per_month, 1, vi, per);
    /* TRANSLATORS: the pace of a target not yet due: what is still needed, in how many
     * months, and how many a month that makes ("30 more needed in 12 months, 2.5/month") */
    int n = snprintf(buf, size,
                     TRN(lang, "%s more needed in %u month, %s/month",
                         "%s more needed in %u months, %s/month", row->pace_months),
                     need, row->pace_months, per);
    if (!row->has_recent || n < 0 || (size_t)n >= size)
        return buf;
    td_report_num_text(row->recent_per_month, 1, vi, recent);
    /* TRANSLATORS: the end of a target's pace: whether what the last months gave would reach
     * the requirement by its due date */
    const char *verdict = row->on_pace ? TR(lang, "on pace") : TR(lang, "behind pace");
    /* TRANSLATORS: after the pace: "; last 3 months: 1.7/month — behind pace" */
    snprintf(buf + n, size - (size_t)n,
             TRN(lang, "; last %u month: %s/month — %s", "; last %u months: %s/month — %s",
                 row->recent_months),
             row->recent_months, recent, verdict);
    return buf;
}
