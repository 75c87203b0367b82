/* The JSON report, format "thidua-report/1" (docs/report-format.md): units are written as
 * they arrive, then targets, workflow stage counts and the summary.
 * Pipeline: batch merge (in order) -> td_report_unit ... td_report_finish -> FILE *. */
#include "report.h"

#include <math.h>
#include <string.h>

/* Bytes of the character at s (n bytes left) when a JSON string holds it as it is; 0 when it
 * is escaped or replaced. */
static inline size_t plain_len(const char *s, size_t n)
{
    unsigned char c = (unsigned char)s[0];
    if (c < 0x80)
        return c >= 0x20 && c != '"' && c != '\\';
    uint32_t cp;
    size_t len = td_utf8_seq(s, n, &cp);
    if (!len)
        return 0;
    return cp == 0x2028 || cp == 0x2029 ? 0 : len;
}

/* td_report_json_str (report.h): writes s as a JSON string: quotes, backslashes and control characters escaped, UTF-8
 * passed through, invalid UTF-8 replaced by U+FFFD; "null" for NULL. */
void td_report_json_str(FILE *out, const char *s)
{
    if (!s) {
        fputs("null", out);
        return;
    }
    fputc('"', out);
    size_t n = strlen(s);
    for (size_t i = 0; i < n;) {
        /* the longest run written as it is (printable ASCII but quote and backslash, and
         * well-formed UTF-8 but U+2028 and U+2029), in one fwrite */
        size_t k = i;
        while (k < n) {
            size_t len = plain_len(s + k, n - k);
            if (!len)
                break;
            k += len;
        }
        if (k > i) {
            fwrite(s + i, 1, k - i, out);
            i = k;
            continue;
        }
        unsigned char ch = (unsigned char)s[i];
        switch (ch) {
        case '"':
            fputs("\\\"", out);
            i++;
            continue;
        case '\\':
            fputs("\\\\", out);
            i++;
            continue;
        case '\n':
            fputs("\\n", out);
            i++;
            continue;
        case '\r':
            fputs("\\r", out);
            i++;
            continue;
        case '\t':
            fputs("\\t", out);
            i++;
            continue;
        case '\b':
            fputs("\\b", out);
            i++;
            continue;
        case '\f':
            fputs("\\f", out);
            i++;
            continue;
        default: break;
        }
        if (ch < 0x20) {
            fprintf(out, "\\u%04x", ch);
            i++;
            continue;
        }
        uint32_t cp;
        size_t len = td_utf8_seq(s + i, n - i, &cp);
        if (!len) {
            fputs("\xEF\xBF\xBD", out);
            i++;
        } else if (cp == 0x2028 || cp == 0x2029) {
            /* valid JSON as is, but not valid JavaScript: escaped for embedders */
            fprintf(out, "\\u%04x", cp);
            i += len;
        } else {
            fwrite(s + i, 1, len, out);
            i += len;
        }
    }
    fputc('"', out);
}

/* Writes `lead` (punctuation and a key) then the value as a JSON string or null. */
static void jkv(FILE *out, const char *lead, const char *value)
{
    fputs(lead, out);
    td_report_json_str(out, value);
}

static void jnum(FILE *out, double v)
{
    char buf[40];
    fputs(td_report_number(v, buf), out);
}

static void jdate(FILE *out, int32_t days)
{
    char d[11];
    td_format_date(days, d);
    td_report_json_str(out, d);
}

static td_status json_begin(td_report *r, void *state)
{
    (void)state;
    FILE *out = r->out;
    const td_plan_info *pl = &r->p->plan;
    fputs("{\n  \"format\": \"thidua-report/1\",\n  \"as_of\": ", out);
    jdate(out, r->as_of);
    jkv(out, ",\n  \"plan\": {\"number\": ", pl->number);
    jkv(out, ", \"title\": ", pl->title);
    jkv(out, ", \"issuer\": ", pl->issuer);
    jkv(out, ", \"issued\": ", pl->issued);
    fputs(", \"period\": ", out);
    if (pl->has_period) {
        fputs("{\"from\": ", out);
        jdate(out, pl->period_from);
        fputs(", \"to\": ", out);
        jdate(out, pl->period_to);
        fputs("}", out);
    } else {
        fputs("null", out);
    }
    fprintf(out, "},\n  \"mode\": \"%s\",\n  \"units\": [", r->o.validate ? "validate" : "eval");
    return TD_OK;
}

/* The waiver a finding names (Decision 11), as an object. */
static void jwaiver(FILE *out, const td_waiver *w)
{
    jkv(out, "{\"reason\": ", w->reason);
    jkv(out, ", \"approved_by\": ", w->approved_by);
    jkv(out, ", \"document\": ", w->document);
    jkv(out, ", \"dated\": ", w->dated);
    jkv(out, ", \"until\": ", w->until);
}

static void jfinding(FILE *out, const td_diagnostic *e)
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
        fprintf(out, ", \"line\": %u, \"column\": %u", e->line, e->col);
    else
        fputs(", \"line\": null, \"column\": null", out);
    if (e->waiver && e->waived == TD_WAIVER_COVERS) {
        fputs(",\n         \"status\": \"waived\", \"waiver\": ", out);
        jwaiver(out, e->waiver);
        fputs("}", out);
    } else if (e->waiver) {
        fputs(",\n         \"lapsed_waiver\": ", out);
        jwaiver(out, e->waiver);
        jkv(out, ", \"why\": ", e->waived == TD_WAIVER_EXPIRED ? "ended" : "not_yet");
        fputs("}", out);
    }
    if (e->pending && e->waived != TD_WAIVER_COVERS)
        fputs(", \"status\": \"progress\"", out);
    fputs("}", out);
}

static td_status json_unit(td_report *r, void *state, const td_unit_result *u)
{
    (void)state;
    FILE *out = r->out;
    fputs(r->units > 1 ? ",\n    {\"file\": " : "\n    {\"file\": ", out);
    td_report_json_str(out, u->file);
    fprintf(out, ", \"document\": %u, \"line\": ", u->doc + 1);
    if (u->line)
        fprintf(out, "%u", u->line);
    else
        fputs("null", out);
    jkv(out, ",\n     \"id\": ", u->id);
    jkv(out, ", \"name\": ", u->name);
    jkv(out, ", \"level\": ", u->level);
    jkv(out, ", \"group\": ", u->group);
    if (r->p->n_report_values && !u->n_values) {
        fputs(",\n     \"values\": null", out);
    } else if (u->n_values) {
        fputs(",\n     \"values\": {", out);
        for (uint32_t i = 0; i < u->n_values; i++) {
            const td_define *def = r->p->report_values[i];
            fputs(i ? ", " : "", out);
            td_report_json_str(out, def->name);
            fputs(": ", out);
            bool num = def->type->kind == TD_T_INT || def->type->kind == TD_T_NUMBER;
            if (u->values[i] && num)
                fputs(u->values[i], out);
            else
                td_report_json_str(out, u->values[i]);
        }
        fputs("}", out);
    }
    fprintf(out, ",\n     \"status\": \"%s\", \"errors\": %zu, \"warnings\": %zu, \"infos\": %zu, "
            "\"waived\": %zu,", td_unit_status(u), u->findings.errors, u->findings.warnings,
            u->findings.infos, u->findings.waived);
    if (!u->findings.n) {
        fputs(" \"findings\": []}", out);
        return TD_OK;
    }
    fputs("\n     \"findings\": [\n", out);
    for (size_t i = 0; i < u->findings.n; i++) {
        if (i)
            fputs(",\n", out);
        jfinding(out, &u->findings.items[i]);
    }
    fputs("\n     ]}", out);
    return TD_OK;
}

static void jpace(FILE *out, const td_target_row *row);

static void jtargets(td_report *r, const td_batch *b)
{
    FILE *out = r->out;
    bool any = !r->o.validate && b->n_rows;
    fputs("  \"targets\": [", out);
    if (!any) {
        fputs("],\n", out);
        return;
    }
    for (size_t i = 0; i < b->n_rows; i++) {
        const td_target_row *row = &b->rows[i];
        const td_target *t = &r->p->targets[row->target];
        fputs(i ? ",\n    {\"id\": " : "\n    {\"id\": ", out);
        td_report_json_str(out, t->id);
        char lb[1024];
        jkv(out, ", \"label\": ", td_report_label(r, t->label, lb, sizeof lb));
        jkv(out, ", \"cite\": ", t->cite && *t->cite ? t->cite : NULL);
        jkv(out, ",\n     \"group\": ", row->group);
        fputs(", \"actual\": ", out);
        jnum(out, row->actual);
        fputs(", \"required\": ", out);
        if (row->has_required)
            jnum(out, row->required);
        else
            fputs("null", out);
        fputs(", \"percent\": ", out);
        if (row->has_percent)
            jnum(out, td_report_percent(row->percent));
        else
            fputs("null", out);
        fputs(", \"met\": ", out);
        fputs(!row->has_required ? "null" : row->met ? "true" : "false", out);
        jkv(out, ", \"status\": ", td_report_row_status(row));
        jkv(out, ", \"severity\": ",
            row->has_required && !row->met ? td_severity_name(row->severity) : NULL);
        int32_t due;
        fputs(",\n     \"due\": ", out);
        if (td_report_target_due(r, t, &due))
            jdate(out, due);
        else
            fputs("null", out);
        jpace(out, row);
        fputs("}", out);
    }
    fputs("\n  ],\n", out);
}

/* A rate as JSON: rounded to two decimals. */
static void jrate(FILE *out, double v)
{
    jnum(out, td_report_round_int(v * 100) / 100);
}

/* The pace of a requirement not yet due (docs/report-format.md), or null. */
static void jpace(FILE *out, const td_target_row *row)
{
    fputs(", \"pace\": ", out);
    if (!row->has_pace) {
        fputs("null", out);
        return;
    }
    fputs("{\"needed\": ", out);
    jnum(out, row->pace_needed);
    fprintf(out, ", \"months_left\": %u, \"needed_per_month\": ", row->pace_months);
    jrate(out, row->pace_per_month);
    if (row->has_recent) {
        fprintf(out, ",\n              \"recent_months\": %u, \"recent_gain\": ",
                row->recent_months);
        jnum(out, row->recent_per_month * row->recent_months);
        fputs(", \"recent_per_month\": ", out);
        jrate(out, row->recent_per_month);
    } else {
        fputs(",\n              \"recent_months\": null, \"recent_gain\": null, "
              "\"recent_per_month\": null", out);
    }
    fprintf(out, ", \"on_pace\": %s}", row->on_pace ? "true" : "false");
}

/* One date of the history: every target row at that date, as {id, group, actual}. */
static void jhistory_entry(FILE *out, const td_program *p, int32_t day, const td_target_row *rows,
                           size_t n, bool first)
{
    fputs(first ? "\n    {\"as_of\": " : ",\n    {\"as_of\": ", out);
    jdate(out, day);
    fputs(", \"targets\": [", out);
    for (size_t i = 0; i < n; i++) {
        fputs(i ? ",\n      {\"id\": " : "\n      {\"id\": ", out);
        td_report_json_str(out, p->targets[rows[i].target].id);
        jkv(out, ", \"group\": ", rows[i].group);
        fputs(", \"actual\": ", out);
        jnum(out, rows[i].actual);
        fputs("}", out);
    }
    fputs(n ? "\n    ]}" : "]}", out);
}

/* The targets month by month: each month end of the history, then the as-of date. */
static void jhistory(td_report *r, const td_batch *b)
{
    FILE *out = r->out;
    fputs("  \"history\": [", out);
    if (r->o.validate) {
        fputs("],\n", out);
        return;
    }
    for (size_t j = 0; j < b->n_history; j++)
        jhistory_entry(out, r->p, b->history[j].as_of, b->history[j].rows, b->history[j].n_rows,
                       j == 0);
    jhistory_entry(out, r->p, r->as_of, b->rows, b->n_rows, b->n_history == 0);
    fputs("\n  ],\n", out);
}

static void jworkflows(td_report *r, const td_batch *b)
{
    FILE *out = r->out;
    fputs("  \"workflows\": [", out);
    uint32_t base = 0;
    for (uint32_t w = 0; w < r->p->n_workflows; w++) {
        const td_workflow *wf = &r->p->workflows[w];
        fputs(w ? ",\n    {\"id\": " : "\n    {\"id\": ", out);
        td_report_json_str(out, wf->id);
        jkv(out, ", \"label\": ", wf->label);
        jkv(out, ", \"cite\": ", wf->cite && *wf->cite ? wf->cite : NULL);
        fprintf(out, ",\n     \"none\": %llu, \"stages\": [",
                base < b->n_stages ? (unsigned long long)b->stages[base] : 0ULL);
        for (uint32_t k = 1; k <= wf->n_stages; k++) {
            const td_value *v = &wf->stages[k - 1];
            fputs(k > 1 ? ",\n       {\"value\": " : "\n       {\"value\": ", out);
            if (v->kind == TD_V_INT)
                fprintf(out, "%lld", (long long)v->u.i);
            else if (v->kind == TD_V_NUM)
                jnum(out, v->u.num);
            else if (v->kind == TD_V_TEXT)
                td_report_json_str(out, v->u.text.s);
            else if (v->kind == TD_V_ENUM)
                td_report_json_str(out, v->u.en.en->values[v->u.en.index]);
            else
                fputs("null", out);
            jkv(out, ", \"label\": ", wf->stage_labels ? wf->stage_labels[k - 1] : NULL);
            fprintf(out, ", \"count\": %llu}",
                    base + k < b->n_stages ? (unsigned long long)b->stages[base + k] : 0ULL);
        }
        fputs(wf->n_stages ? "\n     ]}" : "]}", out);
        base += wf->n_stages + 1;
    }
    fputs(r->p->n_workflows ? "\n  ],\n" : "],\n", out);
}

/* Every waiver of the rules with what this batch saw of it. */
static void jwaivers(td_report *r, const td_batch *b)
{
    FILE *out = r->out;
    fputs("  \"waivers\": [", out);
    for (uint32_t i = 0; i < r->p->n_waivers; i++) {
        const td_waiver *w = &r->p->waivers[i];
        td_waiver_info wi;
        td_waiver_use_info use = {0, 0, 0, false};
        td_program_waiver(r->p, i, &wi);
        td_batch_waiver(b, i, &use);
        jkv(out, i ? ",\n    {\"rule\": " : "\n    {\"rule\": ", w->rule);
        jkv(out, ", \"unit\": ", w->unit);
        jkv(out, ", \"exemplar\": ", w->exemplar);
        fputs(",\n     \"waiver\": ", out);
        jwaiver(out, w);
        fputs("},\n     ", out);
        jkv(out, "\"file\": ", wi.file);
        fprintf(out, ", \"line\": %u, \"in_force\": %s, \"units\": %zu, \"covered\": %zu, "
                "\"not_in_force\": %zu}", wi.line, use.in_force ? "true" : "false", use.units,
                use.covered, use.not_in_force);
    }
    fputs(r->p->n_waivers ? "\n  ],\n" : "],\n", out);
}

static td_status json_finish(td_report *r, void *state, const td_batch *b)
{
    (void)state;
    FILE *out = r->out;
    fputs(r->units ? "\n  ],\n" : "],\n", out);
    jtargets(r, b);
    jhistory(r, b);
    jworkflows(r, b);
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
        fputs(any ? ",\n    {\"name\": " : "  \"params\": [\n    {\"name\": ", out);
        any = true;
        td_report_json_str(out, prm->name);
        fputs(", \"value\": ", out);
        if (prm->value.kind == TD_V_INT || prm->value.kind == TD_V_NUM)
            fputs(v, out);
        else
            td_report_json_str(out, v);
        fputs(", \"from\": ", out);
        if (from == INT32_MIN)
            fputs("null", out);
        else
            jdate(out, from);
        fputs(", \"until\": ", out);
        if (until == INT32_MAX)
            fputs("null", out);
        else
            jdate(out, until);
        fputs("}", out);
    }
    if (any)
        fputs("\n  ],\n", out);
    jwaivers(r, b);
    const td_batch_summary *s = &b->sum;
    bool t = !r->o.validate;
    fprintf(out,
            "  \"summary\": {\"units\": %zu, \"passed\": %zu, \"failed\": %zu, \"errors\": %zu, "
            "\"warnings\": %zu, \"infos\": %zu, \"waived\": %zu,\n"
            "              \"targets\": %zu, \"targets_met\": %zu, \"targets_not_met\": %zu, "
            "\"targets_in_progress\": %zu}\n}\n",
            s->units, s->passed, s->failed, s->errors, s->warnings, s->infos, s->waived,
            t ? s->targets : 0,
            t ? s->targets_met : 0, t ? s->target_errors : 0, t ? s->target_infos : 0);
    return TD_OK;
}

const td_report_ops td_report_json_ops = {
    .name = "json",
    .begin = json_begin,
    .unit = json_unit,
    .finish = json_finish,
};
