/* Reports: the entry points that dispatch to each format, helpers the formats share, and
 * the text format (validate's per-unit verdicts, eval's summary, targets and failing units).
 * Pipeline: batch merge (in order) -> td_report_unit ... td_report_finish -> FILE *. */
#include "report.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* ---------- entry points ---------- */

td_status td_report_open(const td_program *p, int32_t as_of, const td_report_opts *o,
                         FILE *out, td_report **rp)
{
    *rp = NULL;
    td_report *r = calloc(1, sizeof *r);
    if (!r)
        return TD_ENOMEM;
    r->o = *o;
    if (!r->o.max_errors)
        r->o.max_errors = 20;
    r->p = p;
    r->as_of = as_of;
    r->out = out;
    td_status st = TD_OK;
    switch (r->o.format) {
    case TD_REPORT_TEXT: st = td_report_text_begin(r); break;
    case TD_REPORT_JSON: st = td_report_json_begin(r); break;
    case TD_REPORT_CSV: st = td_report_csv_begin(r); break;
    case TD_REPORT_HTML: st = td_report_html_begin(r); break;
    default: st = TD_EBUG; break;
    }
    if (st == TD_OK && ferror(out))
        st = TD_EIO;
    if (st != TD_OK) {
        td_report_free(r);
        return st;
    }
    *rp = r;
    return TD_OK;
}

td_status td_report_unit(void *report, const td_unit_result *u)
{
    td_report *r = report;
    td_status st = TD_OK;
    r->units++;
    switch (r->o.format) {
    case TD_REPORT_TEXT: st = td_report_text_unit(r, u); break;
    case TD_REPORT_JSON: st = td_report_json_unit(r, u); break;
    case TD_REPORT_CSV: st = td_report_csv_unit(r, u); break;
    case TD_REPORT_HTML: st = td_report_html_unit(r, u); break;
    }
    if (st == TD_OK && (r->io_error || ferror(r->out) || (r->spool && ferror(r->spool)) ||
                        (r->spool2 && ferror(r->spool2)) ||
                        (r->spool_warn && ferror(r->spool_warn))))
        st = TD_EIO;
    return st;
}

td_status td_report_finish(td_report *r, const td_batch *b)
{
    td_status st = TD_OK;
    switch (r->o.format) {
    case TD_REPORT_TEXT: st = td_report_text_finish(r, b); break;
    case TD_REPORT_JSON: st = td_report_json_finish(r, b); break;
    case TD_REPORT_CSV: st = td_report_csv_finish(r, b); break;
    case TD_REPORT_HTML: st = td_report_html_finish(r, b); break;
    }
    if (fflush(r->out) != 0 || ferror(r->out) || r->io_error)
        return st == TD_OK ? TD_EIO : st;
    return st;
}

void td_report_free(td_report *r)
{
    if (!r)
        return;
    if (r->spool)
        fclose(r->spool);
    if (r->spool2)
        fclose(r->spool2);
    if (r->spool_warn)
        fclose(r->spool_warn);
    if (r->spool_units)
        fclose(r->spool_units);
    free(r->cap.file);
    free(r->cap_warn.file);
    free(r);
}

/* ---------- shared helpers ---------- */


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

const char *td_report_unit_title(const td_unit_result *u, char *buf, size_t size)
{
    if (u->id && u->name)
        snprintf(buf, size, "%s (%s)", u->id, u->name);
    else if (u->id || u->name)
        snprintf(buf, size, "%s", u->id ? u->id : u->name);
    else if (!u->typed && u->doc == 0)
        buf[0] = '\0'; /* the file as a whole: unreadable, empty or not YAML */
    else if (u->line)
        snprintf(buf, size, "document %u (line %u)", u->doc + 1, u->line);
    else
        snprintf(buf, size, "document %u", u->doc + 1);
    return buf;
}

const char *td_report_row_status(const td_target_row *row)
{
    if (!row->has_required)
        return "tally";
    if (row->met)
        return "met";
    return row->severity == TD_SEV_ERROR ? "not met" : "progress";
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

const char *td_report_stage_label(const td_workflow *w, uint32_t k, char *buf, size_t size)
{
    if (k == 0) {
        snprintf(buf, size, "no stage yet");
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

/* ---------- text ---------- */

typedef struct style {
    const char *bold, *red, *green, *yellow, *dim, *reset;
} style;

static style style_of(const td_report *r)
{
    if (!r->o.color)
        return (style){"", "", "", "", "", ""};
    return (style){"\033[1m", "\033[1;31m", "\033[1;32m", "\033[1;33m", "\033[2m", "\033[0m"};
}

/* Writes s, then spaces up to `width` characters. */
static void pad(FILE *out, const char *s, size_t width)
{
    fputs(s, out);
    for (size_t n = td_utf8_chars(s); n < width; n++)
        fputc(' ', out);
}

static void plural(FILE *out, size_t n, const char *word, bool *first)
{
    if (!n)
        return;
    fprintf(out, "%s%zu %s%s", *first ? "" : ", ", n, word, n == 1 ? "" : "s");
    *first = false;
}

/* "3 errors, 1 warning" (nothing when there is no finding); true when something was written. */
static bool counts(FILE *out, size_t errors, size_t warnings, size_t infos)
{
    bool first = true;
    plural(out, errors, "error", &first);
    plural(out, warnings, "warning", &first);
    plural(out, infos, "info", &first);
    return !first;
}

/* Ends the cap of the current file: a line on `out` for what it hid. */
static void cap_flush(td_report_cap *c, FILE *out)
{
    if (c->file && (c->hidden_errors || c->hidden_other)) {
        fprintf(out, "... %zu more error%s", c->hidden_errors, c->hidden_errors == 1 ? "" : "s");
        if (c->hidden_other)
            fprintf(out, " (and %zu more warning%s or info%s)", c->hidden_other,
                    c->hidden_other == 1 ? "" : "s", c->hidden_other == 1 ? "" : "s");
        fprintf(out, " in %s\n", c->file);
    }
    free(c->file);
    memset(c, 0, sizeof *c);
}

/* Renders a unit's findings of severity >= min to `out`, at most max_errors errors per
 * file; after that, the rest of the file is counted and told by cap_flush. */
static td_status render_findings(td_report *r, td_report_cap *c, const td_unit_result *u,
                                 FILE *out, td_severity min)
{
    const char *file = u->file ? u->file : "";
    if (!c->file || strcmp(c->file, file) != 0) {
        cap_flush(c, out);
        c->file = strdup(file);
        if (!c->file)
            return TD_ENOMEM;
    }
    for (size_t i = 0; i < u->findings.n; i++) {
        const td_diagnostic *e = &u->findings.items[i];
        if (e->sev < min)
            continue;
        if (c->shown >= r->o.max_errors) {
            if (e->sev == TD_SEV_ERROR)
                c->hidden_errors++;
            else
                c->hidden_other++;
            continue;
        }
        if (e->sev == TD_SEV_ERROR)
            c->shown++;
        td_diag_render(e, out, r->o.color);
    }
    return TD_OK;
}

td_status td_report_text_begin(td_report *r)
{
    if (r->o.validate)
        return TD_OK;
    r->spool = tmpfile();
    r->spool_warn = tmpfile();
    r->spool_units = r->o.validate || !r->p->n_report_values ? NULL : tmpfile();
    return r->spool && r->spool_warn && (r->o.validate || !r->p->n_report_values ||
                                         r->spool_units) ? TD_OK : TD_EIO;
}

/* "FILE[:LINE]: ID (NAME): " in bold: where a unit is and which it is. */
static void unit_lead(td_report *r, const td_unit_result *u, FILE *out)
{
    style s = style_of(r);
    char title[512];
    td_report_unit_title(u, title, sizeof title);
    fprintf(out, "%s%s", s.bold, u->file ? u->file : "");
    if (u->doc && u->line)
        fprintf(out, ":%u", u->line);
    fprintf(out, ": %s%s%s", title, *title ? ": " : "", s.reset);
}

static void unit_header(td_report *r, const td_unit_result *u, FILE *out, bool warnings_only)
{
    unit_lead(r, u, out);
    counts(out, u->findings.errors, u->findings.warnings, warnings_only ? 0 : u->findings.infos);
    fputc('\n', out);
}

td_status td_report_text_unit(td_report *r, const td_unit_result *u)
{
    style s = style_of(r);
    if (r->o.validate) {
        /* the findings, then one verdict line per unit */
        td_status st = render_findings(r, &r->cap, u, r->out, TD_SEV_INFO);
        if (st != TD_OK)
            return st;
        unit_lead(r, u, r->out);
        if (counts(r->out, u->findings.errors, u->findings.warnings, u->findings.infos))
            fputs(": ", r->out);
        if (u->findings.errors)
            fprintf(r->out, "%snot ready%s\n", s.red, s.reset);
        else
            fprintf(r->out, "%sready to submit%s\n", s.green, s.reset);
        return TD_OK;
    }
    if (r->spool_units && u->typed) {
        /* III.1: the figures of every unit, passing or not */
        fputs("  ", r->spool_units);
        pad(r->spool_units, u->id ? u->id : "?", 20);
        for (uint32_t i = 0; i < u->n_values; i++) {
            char num[32];
            snprintf(num, sizeof num, "%s", u->values[i] ? u->values[i] : "-");
            fprintf(r->spool_units, " %6s", num);
        }
        fprintf(r->spool_units, "  %-4s  %s\n", u->findings.errors ? "fail" : "pass",
                u->name ? u->name : "");
    }
    if (u->findings.errors) {
        if (r->listed)
            fputc('\n', r->spool);
        r->listed++;
        unit_header(r, u, r->spool, false);
        return render_findings(r, &r->cap, u, r->spool, TD_SEV_INFO);
    }
    if (u->findings.warnings) {
        if (r->warned)
            fputc('\n', r->spool_warn);
        r->warned++;
        unit_header(r, u, r->spool_warn, true);
        return render_findings(r, &r->cap_warn, u, r->spool_warn, TD_SEV_WARNING);
    }
    return TD_OK;
}

static void text_targets(td_report *r, const td_batch *b)
{
    style s = style_of(r);
    FILE *out = r->out;
    char date[11];
    td_format_date(r->as_of, date);
    fprintf(out, "\n%sTargets at %s%s\n", s.bold, date, s.reset);
    size_t gw = 7; /* "(total)" */
    for (size_t i = 0; i < b->n_rows; i++)
        if (b->rows[i].group) {
            size_t w = td_utf8_chars(b->rows[i].group);
            if (w > gw)
                gw = w < 40 ? w : 40;
        }
    for (size_t i = 0; i < b->n_rows; i++) {
        const td_target_row *row = &b->rows[i];
        const td_target *t = &r->p->targets[row->target];
        if (i == 0 || b->rows[i - 1].target != row->target) {
            fprintf(out, "  %s%s%s  %s", s.bold, t->id, s.reset, t->label ? t->label : "");
            if (t->cite && *t->cite)
                fprintf(out, " [%s]", t->cite);
            fputc('\n', out);
        }
        char a[40], q[40], cell[96];
        td_report_number(row->actual, a);
        if (row->has_required)
            snprintf(cell, sizeof cell, "%s / %s", a, td_report_number(row->required, q));
        else
            snprintf(cell, sizeof cell, "%s", a);
        fputs("    ", out);
        pad(out, row->group ? row->group : "(total)", gw);
        fprintf(out, "  %16s", cell);
        if (row->has_percent)
            fprintf(out, "  %6.1f%%", td_report_percent(row->percent));
        else
            fprintf(out, "  %7s", "");
        const char *st = td_report_row_status(row);
        const char *c = !row->has_required ? s.dim
                        : row->met         ? s.green
                        : row->severity == TD_SEV_ERROR ? s.red
                                                        : s.yellow;
        fprintf(out, "  %s%s%s\n", c, st, s.reset);
    }
}

static void text_stages(td_report *r, const td_batch *b)
{
    style s = style_of(r);
    FILE *out = r->out;
    uint32_t base = 0;
    for (uint32_t w = 0; w < r->p->n_workflows; w++) {
        const td_workflow *wf = &r->p->workflows[w];
        fprintf(out, "\n%sStages of %s%s  %s", s.bold, wf->id, s.reset, wf->label ? wf->label : "");
        if (wf->cite && *wf->cite)
            fprintf(out, " [%s]", wf->cite);
        fputc('\n', out);
        char label[256];
        for (uint32_t k = 0; k <= wf->n_stages; k++)
            fprintf(out, "    %8llu  %s\n",
                    base + k < b->n_stages ? (unsigned long long)b->stages[base + k] : 0ULL,
                    td_report_stage_label(wf, k, label, sizeof label));
        base += wf->n_stages + 1;
    }
}

td_status td_report_text_finish(td_report *r, const td_batch *b)
{
    style s = style_of(r);
    FILE *out = r->out;
    cap_flush(&r->cap, r->o.validate ? out : r->spool);
    if (!r->o.validate)
        cap_flush(&r->cap_warn, r->spool_warn);
    if (r->o.validate) {
        if (b->sum.units > 1)
            fprintf(out, "%zu units: %zu ready to submit, %zu not ready\n", b->sum.units,
                    b->sum.passed, b->sum.failed);
        return TD_OK;
    }
    const td_plan_info *pl = &r->p->plan;
    char date[11];
    td_format_date(r->as_of, date);
    fprintf(out, "%s%s%s%s%s, as of %s\n", s.bold, pl->number ? pl->number : "(no plan)",
            pl->title ? ": " : "", pl->title ? pl->title : "", s.reset, date);
    fprintf(out, "%zu unit%s: %s%zu passed%s, %s%zu failed%s; ", b->sum.units,
            b->sum.units == 1 ? "" : "s", s.green, b->sum.passed, s.reset,
            b->sum.failed ? s.red : "", b->sum.failed, b->sum.failed ? s.reset : "");
    fprintf(out, "%zu error%s, %zu warning%s, %zu info%s\n", b->sum.errors,
            b->sum.errors == 1 ? "" : "s", b->sum.warnings, b->sum.warnings == 1 ? "" : "s",
            b->sum.infos, b->sum.infos == 1 ? "" : "s");
    if (b->sum.targets)
        fprintf(out, "targets: %zu of %zu met; %zu not met by the due date, %zu in progress\n",
                b->sum.targets_met, b->sum.targets, b->sum.target_errors, b->sum.target_infos);
    if (b->n_rows)
        text_targets(r, b);
    if (r->p->n_workflows)
        text_stages(r, b);
    if (r->spool_units) {
        fprintf(out, "\n%sUnits%s (", s.bold, s.reset);
        for (uint32_t i = 0; i < r->p->n_report_values; i++) {
            const td_define *def = r->p->report_values[i];
            fprintf(out, "%s%s: %s", i ? "; " : "", def->name, def->label ? def->label : def->name);
        }
        fputs(")\n", out);
        if (!td_report_copy(r->spool_units, out))
            return TD_EIO;
    }
    if (r->listed) {
        fprintf(out, "\n%sFailing units (%zu)%s\n", s.bold, r->listed, s.reset);
        if (!td_report_copy(r->spool, out))
            return TD_EIO;
    }
    if (r->warned) {
        fprintf(out, "\n%sUnits that pass with warnings (%zu)%s\n", s.bold, r->warned, s.reset);
        if (!td_report_copy(r->spool_warn, out))
            return TD_EIO;
    }
    return TD_OK;
}
