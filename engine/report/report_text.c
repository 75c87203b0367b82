/* The text report: validate's findings and per-unit verdicts; eval's summary, targets,
 * stage counts, unit figures, failing units and units that pass with warnings.
 * Pipeline: batch merge (in order) -> td_report_unit ... td_report_finish -> FILE *. */
#include "report.h"

#include <stdlib.h>
#include <string.h>

/* Counts the findings shown for consecutive units of one file. */
typedef struct file_cap {
    char *file;             /* owned: the file being counted, or NULL */
    size_t shown;           /* errors shown */
    size_t hidden_errors, hidden_other;
} file_cap;

typedef struct text_state {
    FILE *failing;          /* owned spool (eval): the failing units and their findings */
    FILE *warned;           /* owned spool (eval): units that pass but have warnings */
    FILE *waived;           /* owned spool (eval): units that pass with only waived findings */
    FILE *progress;         /* owned spool (eval): units that pass, in progress on some rule */
    FILE *figures;          /* owned spool (eval): one line per unit with its figures */
    size_t n_failing, n_warned, n_waived, n_progress;
    file_cap cap, cap_warn;      /* the errors-per-file cap, for each of the two lists */
} text_state;

typedef struct style {
    const char *bold, *red, *green, *yellow, *dim, *reset;
} style;

static style style_of(const td_report *r)
{
    if (!r->o.color)
        return (style){"", "", "", "", "", ""};
    return (style){"\033[1m", "\033[1;31m", "\033[1;32m", "\033[1;33m", "\033[2m", "\033[0m"};
}

/* Writes s (escaped: it comes from the data), cut with "…" when it is wider than `width`
 * characters, then spaces up to `width`. */
static void pad(FILE *out, const char *s, size_t width)
{
    char buf[512];
    size_t n;
    if (width && td_put_text(NULL, s, false) > width) {
        /* the first width - 1 characters, whole UTF-8 sequences */
        size_t o = 0, chars = 0;
        for (const char *c = s; *c && chars < width - 1 && o + 8 < sizeof buf; chars++) {
            size_t len = 1;
            while (c[len] && ((unsigned char)c[len] & 0xC0) == 0x80)
                len++;
            memcpy(buf + o, c, len);
            o += len;
            c += len;
        }
        memcpy(buf + o, "\xE2\x80\xA6", 4); /* … and its NUL */
        n = td_put_text(out, buf, false);
    } else {
        n = td_put_text(out, s, false);
    }
    for (; n < width; n++)
        fputc(' ', out);
}

/* The text report fits a terminal of this many columns (issue 10); longer details are in
 * -f html and -f xlsx. */
#define WIDTH 80

/* Writes s (escaped: it may come from the data) at column `col`, after a space when `space`,
 * breaking lines at spaces so that none passes WIDTH; a continuation line starts with
 * `indent` spaces. A word longer than a line is written whole. Returns the column after the
 * last character. */
static size_t wrap(FILE *out, const char *s, size_t col, size_t indent, bool space)
{
    char word[256];
    bool first = true;
    while (s && *s) {
        s += strspn(s, " ");
        size_t len = strcspn(s, " ");
        if (!len)
            break;
        char *w = len < sizeof word ? word : malloc(len + 1);
        if (!w)
            w = word, len = sizeof word - 1; /* no memory: the word is cut */
        memcpy(w, s, len);
        w[len] = '\0';
        size_t width = td_put_text(NULL, w, false);
        bool sep = !first || space;
        if (col + sep + width > WIDTH && col > indent) {
            fprintf(out, "\n%*s", (int)indent, "");
            col = indent;
        } else if (sep) {
            fputc(' ', out);
            col++;
        }
        col += td_put_text(out, w, false);
        if (w != word)
            free(w);
        s += strcspn(s, " ");
        first = false;
    }
    return col;
}

/* One count of `counts`: fmt is the form of n, already chosen. */
static void plural(FILE *out, size_t n, const char *fmt, bool *first)
{
    if (!n)
        return;
    fputs(*first ? "" : ", ", out);
    fprintf(out, fmt, n);
    *first = false;
}

/* "3 errors, 1 warning, 1 waived" (nothing when there is no finding); true when something
 * was written. */
static bool counts(td_lang l, FILE *out, size_t errors, size_t warnings, size_t infos,
                   size_t waived, size_t pending)
{
    bool first = true;
    plural(out, errors, TRN(l, "%zu error", "%zu errors", errors), &first);
    plural(out, warnings, TRN(l, "%zu warning", "%zu warnings", warnings), &first);
    plural(out, infos, TRN(l, "%zu info", "%zu infos", infos), &first);
    plural(out, waived, TR(l, "%zu waived"), &first);
    /* TRANSLATORS: findings of rules not due yet, "3 in progress" */
    plural(out, pending, TR(l, "%zu in progress"), &first);
    return !first;
}

/* The unit's findings of rules not due yet at the as-of date (reported as info). */
static size_t n_pending(const td_unit_result *u)
{
    size_t n = 0;
    for (size_t i = 0; i < u->findings.n; i++)
        n += u->findings.items[i].pending && u->findings.items[i].waived != TD_WAIVER_COVERS;
    return n;
}

/* Ends the cap of the current file: a line on `out` for what it hid. */
static void cap_flush(td_lang l, file_cap *c, FILE *out)
{
    if (c->file && (c->hidden_errors || c->hidden_other)) {
        fprintf(out, TRN(l, "... %zu more error", "... %zu more errors", c->hidden_errors),
                c->hidden_errors);
        if (c->hidden_other)
            fprintf(out,
                    TRN(l, " (and %zu more warning or info)", " (and %zu more warnings or infos)",
                        c->hidden_other),
                    c->hidden_other);
        /* TRANSLATORS: "... 3 more errors in FILE" */
        fputs(TR(l, " in "), out);
        td_put_text(out, c->file, false);
        fputc('\n', out);
    }
    free(c->file);
    memset(c, 0, sizeof *c);
}

/* A finding of eval's lists, under the header that names its unit and file: "LINE:COL:
 * SEVERITY: MESSAGE [RULE, CLAUSE]" wrapped to WIDTH, then its hint. The source line and
 * its caret are left to validate, -f html and -f xlsx. */
static void finding_line(td_report *r, const td_unit_result *u, const td_diagnostic *e,
                         FILE *out)
{
    style s = style_of(r);
    bool waived = e->waived == TD_WAIVER_COVERS;
    const char *sevc = !r->o.color            ? ""
                       : waived                   ? "\033[1;32m"
                       : e->sev == TD_SEV_ERROR   ? "\033[1;31m"
                       : e->sev == TD_SEV_WARNING ? "\033[1;35m"
                                                  : "\033[1;36m";
    size_t col = 2;
    fputs("  ", out);
    if (e->file && u->file && strcmp(e->file, u->file) != 0) {
        col += td_put_text(out, e->file, false) + 1;
        fputc(':', out);
    }
    if (e->line)
        col += (size_t)fprintf(out, "%u:%u: ", e->line, e->col);
    /* TRANSLATORS: in place of "info" before a finding of a rule not due yet (its `due`) */
    const char *sev = waived       ? TR(r->o.lang, "waived")
                      : e->pending ? TR(r->o.lang, "in progress")
                                   : td_severity_label(r->o.lang, e->sev);
    fprintf(out, "%s%s%s:", sevc, sev, s.reset);
    col += td_utf8_chars(sev) + 1;
    col = wrap(out, e->message, col, 6, true);
    if (e->rule) {
        /* "[rule, clause]" kept on one line */
        char tag[256];
        snprintf(tag, sizeof tag, "[%s%s%s]", e->rule, e->cite ? ", " : "",
                 e->cite ? e->cite : "");
        size_t w = td_put_text(NULL, tag, false);
        if (col + 1 + w > WIDTH)
            fputs("\n     ", out);
        fprintf(out, " %s", s.dim);
        td_put_text(out, tag, false);
        fputs(s.reset, out);
    }
    fputc('\n', out);
    if (e->hint) {
        /* TRANSLATORS: before a hint under a diagnostic: "     = hint: did you mean ...?" */
        const char *hint = TR(r->o.lang, "hint:");
        fprintf(out, "      = %s", hint);
        wrap(out, e->hint, 8 + td_utf8_chars(hint), 8, true);
        fputc('\n', out);
    }
    char *note = td_diag_waiver_text(e);
    if (note) {
        fputs("      =", out);
        wrap(out, note, 7, 8, true);
        fputc('\n', out);
        free(note);
    }
}

/* Renders a unit's findings of severity >= min to `out`, at most max_errors errors per
 * file; after that, the rest of the file is counted and told by cap_flush. */
static td_status render_findings(td_report *r, file_cap *c, const td_unit_result *u,
                                 FILE *out, td_severity min)
{
    const char *file = u->file ? u->file : "";
    if (!c->file || strcmp(c->file, file) != 0) {
        cap_flush(r->o.lang, c, out);
        c->file = strdup(file);
        if (!c->file)
            return TD_ENOMEM;
    }
    /* eval's lists fold the events dated after the as-of date into one line per unit: at an
     * interim review they are hundreds (Decision 10); -f json, -f html and validate keep
     * each of them */
    bool fold = !r->o.validate && !r->o.quiet;
    size_t later = 0;
    for (size_t i = 0; i < u->findings.n; i++) {
        const td_diagnostic *e = &u->findings.items[i];
        bool waived = e->waived == TD_WAIVER_COVERS;
        /* the lists of passing units show what they are in progress on, too */
        if (e->sev < min && !waived && !(e->pending && min <= TD_SEV_ERROR + 1))
            continue;
        if (fold && e->sev == TD_SEV_INFO && e->rule && strcmp(e->rule, "data.after_as_of") == 0) {
            later++;
            continue;
        }
        bool error = e->sev == TD_SEV_ERROR && !waived;
        if (c->shown >= r->o.max_errors) {
            if (error)
                c->hidden_errors++;
            else
                c->hidden_other++;
            continue;
        }
        if (error)
            c->shown++;
        if (r->o.validate || r->o.quiet)
            td_diag_render(e, out, r->o.color);
        else
            finding_line(r, u, e, out);
    }
    if (later) {
        char line[512];
        snprintf(line, sizeof line,
                 TRN(r->o.lang,
                     "%zu event dated after the as-of date is not counted at this review "
                     "[data.after_as_of]; -f json and -f html list it",
                     "%zu events dated after the as-of date are not counted at this review "
                     "[data.after_as_of]; -f json and -f html list each",
                     later),
                 later);
        fputs("  ", out);
        wrap(out, line, 2, 6, false);
        fputc('\n', out);
    }
    return TD_OK;
}

static td_status text_begin(td_report *r, void *state)
{
    text_state *t = state;
    if (r->o.validate || r->o.quiet)
        return TD_OK;
    t->failing = td_report_spool();
    t->warned = td_report_spool();
    t->waived = td_report_spool();
    t->progress = td_report_spool();
    if (r->p->n_report_values)
        t->figures = td_report_spool();
    return t->failing && t->warned && t->waived && t->progress &&
                   (!r->p->n_report_values || t->figures)
               ? TD_OK
               : TD_EIO;
}

/* "FILE[:LINE]: ID (NAME): " in bold: where a unit is and which it is. */
static void unit_lead(td_report *r, const td_unit_result *u, FILE *out)
{
    style s = style_of(r);
    char title[512];
    td_report_unit_title(r->o.lang, u, title, sizeof title);
    fputs(s.bold, out);
    td_put_text(out, u->file, false);
    if (u->doc && u->line)
        fprintf(out, ":%u", u->line);
    fputs(": ", out);
    td_put_text(out, title, false);
    fprintf(out, "%s%s", *title ? ": " : "", s.reset);
}

/* The head of a unit in eval's lists: "FILE[:LINE]: ID (NAME): N errors", wrapped. */
static void unit_header(td_report *r, const td_unit_result *u, FILE *out, bool warnings_only)
{
    style s = style_of(r);
    char title[512], line[1200], n[128];
    td_report_unit_title(r->o.lang, u, title, sizeof title);
    FILE *m = fmemopen(n, sizeof n, "w");
    if (m) {
        counts(r->o.lang, m, u->findings.errors, u->findings.warnings,
               warnings_only ? 0 : u->findings.infos, u->findings.waived,
               warnings_only ? n_pending(u) : 0);
        fclose(m);
    } else {
        n[0] = '\0';
    }
    char where[16] = "";
    if (u->doc && u->line)
        snprintf(where, sizeof where, ":%u", u->line);
    snprintf(line, sizeof line, "%s%s:%s%s%s %s", u->file ? u->file : "", where, *title ? " " : "",
             title, *title ? ":" : "", n);
    fputs(s.bold, out);
    wrap(out, line, 0, 2, false);
    fprintf(out, "%s\n", s.reset);
}

static td_status text_unit_lists(td_report *r, text_state *t, const td_unit_result *u)
{
    style s = style_of(r);
    if (r->o.validate || r->o.quiet) {
        /* the findings, then one verdict line per unit (none when quiet) */
        td_status st = render_findings(r, &t->cap, u, r->out, TD_SEV_INFO);
        if (st != TD_OK || r->o.quiet)
            return st;
        unit_lead(r, u, r->out);
        if (counts(r->o.lang, r->out, u->findings.errors, u->findings.warnings,
                   u->findings.infos, u->findings.waived, 0))
            fputs(": ", r->out);
        /* TRANSLATORS: the verdicts of validate on a unit's file */
        if (u->findings.errors)
            fprintf(r->out, "%s%s%s\n", s.red, TR(r->o.lang, "not ready"), s.reset);
        else
            fprintf(r->out, "%s%s%s\n", s.green, TR(r->o.lang, "ready to submit"), s.reset);
        return TD_OK;
    }
    if (t->figures && u->typed) {
        /* III.1: the figures of every unit, passing or not */
        /* fixed columns (numbers to the right, text cut to its column), then the name,
         * wrapped under itself */
        fputs("  ", t->figures);
        pad(t->figures, u->id ? u->id : "?", 18);
        size_t col = 20;
        for (uint32_t i = 0; i < u->n_values; i++) {
            const char *v = u->values[i] ? u->values[i] : "-";
            td_tkind k = r->p->report_values[i]->type->kind;
            fputc(' ', t->figures);
            if (k == TD_T_INT || k == TD_T_NUMBER) {
                size_t w = td_put_text(NULL, v, false);
                fprintf(t->figures, "%*s", w < 3 ? (int)(3 - w) : 0, "");
                td_put_text(t->figures, v, false);
                col += 1 + (w < 3 ? 3 : w);
            } else {
                pad(t->figures, v, 14);
                col += 15;
            }
        }
        /* TRANSLATORS: a unit's verdict in eval's table of figures; pad to 4 characters */
        const char *verdict = u->findings.errors ? TR(r->o.lang, "fail") : TR(r->o.lang, "pass");
        size_t vw = td_utf8_chars(verdict);
        fprintf(t->figures, "  %s%*s  ", verdict, vw < 4 ? (int)(4 - vw) : 0, "");
        col += 4 + (vw < 4 ? 4 : vw);
        wrap(t->figures, u->name, col, col < WIDTH - 20 ? col : 8, false);
        fputc('\n', t->figures);
    }
    if (u->findings.errors) {
        if (t->n_failing)
            fputc('\n', t->failing);
        t->n_failing++;
        unit_header(r, u, t->failing, false);
        return render_findings(r, &t->cap, u, t->failing, TD_SEV_INFO);
    }
    if (u->findings.warnings) {
        if (t->n_warned)
            fputc('\n', t->warned);
        t->n_warned++;
        unit_header(r, u, t->warned, true);
        return render_findings(r, &t->cap_warn, u, t->warned, TD_SEV_WARNING);
    }
    if (u->findings.waived) {
        if (t->n_waived)
            fputc('\n', t->waived);
        t->n_waived++;
        unit_header(r, u, t->waived, true);
        /* the waived findings only: the unit's infos are not the point here */
        return render_findings(r, &t->cap_warn, u, t->waived, TD_SEV_ERROR + 1);
    }
    if (n_pending(u)) {
        /* in the middle of its work at the as-of date: in progress, not failing */
        if (t->n_progress)
            fputc('\n', t->progress);
        t->n_progress++;
        unit_header(r, u, t->progress, true);
        return render_findings(r, &t->cap_warn, u, t->progress, TD_SEV_ERROR + 1);
    }
    return TD_OK;
}

static td_status text_unit(td_report *r, void *state, const td_unit_result *u)
{
    text_state *t = state;
    td_status st = text_unit_lists(r, t, u);
    if (st == TD_OK && !(td_report_spool_ok(t->failing) && td_report_spool_ok(t->warned) &&
                         td_report_spool_ok(t->waived) && td_report_spool_ok(t->progress) &&
                         td_report_spool_ok(t->figures)))
        st = TD_EIO;
    return st;
}

/* "ID  LABEL [CLAUSE]" at `indent`, the id in bold, the rest wrapped under the label. */
static void heading_line(td_report *r, FILE *out, size_t indent, const char *id,
                         const char *label, const char *cite)
{
    style s = style_of(r);
    fprintf(out, "%*s%s", (int)indent, "", s.bold);
    size_t col = indent + td_put_text(out, id, false);
    fputs(s.reset, out);
    char text[1024];
    snprintf(text, sizeof text, "%s%s%s%s", label ? label : "", cite && *cite ? " [" : "",
             cite && *cite ? cite : "", cite && *cite ? "]" : "");
    if (*text) {
        fputc(' ', out);
        wrap(out, text, col + 1, indent + 2, true);
    }
    fputc('\n', out);
}

static void text_targets(td_report *r, const td_batch *b)
{
    style s = style_of(r);
    FILE *out = r->out;
    char date[11];
    td_format_date(r->as_of, date);
    fputs("\n", out);
    fputs(s.bold, out);
    fprintf(out, TR(r->o.lang, "Targets at %s"), date);
    fprintf(out, "%s\n", s.reset);
    /* the dated params: the value each target and heading used */
    for (uint32_t i = 0; i < r->p->n_params; i++) {
        const td_param *prm = &r->p->params[i];
        if (!prm->n_values)
            continue;
        char v[256], d1[11], d2[11];
        int32_t from, until;
        td_report_param_value(r, prm, &from, &until, v, sizeof v);
        td_format_date(from, d1);
        td_format_date(until, d2);
        if (from == INT32_MIN)
            fprintf(out, TR(r->o.lang, "  %s = %s (in force until %s)\n"), prm->name, v, d2);
        else if (until == INT32_MAX)
            fprintf(out, TR(r->o.lang, "  %s = %s (in force from %s)\n"), prm->name, v, d1);
        else
            fprintf(out, TR(r->o.lang, "  %s = %s (in force from %s until %s)\n"), prm->name, v,
                    d1, d2);
    }
    const char *total = TR(r->o.lang, "(total)");
    size_t gw = td_utf8_chars(total);
    for (size_t i = 0; i < b->n_rows; i++)
        if (b->rows[i].group) {
            size_t w = td_put_text(NULL, b->rows[i].group, false);
            if (w > gw)
                gw = w < 32 ? w : 32;
        }
    for (size_t i = 0; i < b->n_rows; i++) {
        const td_target_row *row = &b->rows[i];
        const td_target *t = &r->p->targets[row->target];
        if (i == 0 || b->rows[i - 1].target != row->target) {
            char lb[1024];
            heading_line(r, out, 2, t->id,
                         t->label ? td_report_label(r, t->label, lb, sizeof lb) : NULL, t->cite);
        }
        /* numbers in the reader's style: 20.000 and 70,0% in Vietnamese */
        bool vi = r->o.lang == TD_LANG_VI;
        char a[48], q[48], cell[112], pc[48];
        td_report_num_text(row->actual, 6, vi, a);
        if (row->has_required)
            snprintf(cell, sizeof cell, "%s / %s", a, td_report_num_text(row->required, 6, vi, q));
        else
            snprintf(cell, sizeof cell, "%s", a);
        fputs("    ", out);
        pad(out, row->group ? row->group : total, gw);
        fprintf(out, "  %14s", cell);
        if (row->has_percent) {
            snprintf(pc, sizeof pc, "%.1f", td_report_percent(row->percent));
            if (vi)
                *strchr(pc, '.') = ',';
            fprintf(out, "  %6s%%", pc);
        } else {
            fprintf(out, "  %7s", "");
        }
        const char *st = TR(r->o.lang, td_report_row_status(row));
        const char *c = !row->has_required ? s.dim
                        : row->met         ? s.green
                        : row->severity == TD_SEV_ERROR ? s.red
                                                        : s.yellow;
        fprintf(out, "  %s%s%s\n", c, st, s.reset);
        char pace[256];
        if (td_report_pace_text(row, r->o.lang, pace, sizeof pace)) {
            /* too long for a line: what is needed, then the recent months below it */
            char *recent = strstr(pace, "; ");
            if (recent && 6 + td_utf8_chars(pace) > WIDTH)
                *recent = '\0', recent += 2;
            else
                recent = NULL;
            fprintf(out, "      %s", row->on_pace ? "" : s.yellow);
            wrap(out, pace, 6, 8, false);
            if (recent) {
                fputs(";\n      ", out);
                wrap(out, recent, 6, 8, false);
            }
            fprintf(out, "%s\n", row->on_pace ? "" : s.reset);
        }
    }
}

static void text_stages(td_report *r, const td_batch *b)
{
    FILE *out = r->out;
    uint32_t base = 0;
    for (uint32_t w = 0; w < r->p->n_workflows; w++) {
        const td_workflow *wf = &r->p->workflows[w];
        char lead[256];
        snprintf(lead, sizeof lead, TR(r->o.lang, "Stages of %s"), wf->id);
        fputc('\n', out);
        heading_line(r, out, 0, lead, wf->label, wf->cite);
        char label[256];
        for (uint32_t k = 0; k <= wf->n_stages; k++) {
            fprintf(out, "    %8llu ",
                    base + k < b->n_stages ? (unsigned long long)b->stages[base + k] : 0ULL);
            wrap(out, td_report_stage_label(r->o.lang, wf, k, label, sizeof label), 13, 16, true);
            fputc('\n', out);
        }
        base += wf->n_stages + 1;
    }
}

/* Each waiver of the rules, what it covered in this batch, and why it covered nothing. */
static void text_waivers(td_report *r, const td_batch *b)
{
    style s = style_of(r);
    FILE *out = r->out;
    td_lang l = r->o.lang;
    fprintf(out, "\n%s", s.bold);
    fprintf(out, TR(l, "Waivers (%u)"), r->p->n_waivers);
    fprintf(out, "%s\n", s.reset);
    for (uint32_t i = 0; i < r->p->n_waivers; i++) {
        const td_waiver *w = &r->p->waivers[i];
        td_waiver_use_info use = {0, 0, 0, false};
        td_batch_waiver(b, i, &use);
        fprintf(out, "  %s%s%s", s.bold, w->rule, s.reset);
        /* TRANSLATORS: "RULE for UNIT[, exemplar ID]: ..." in the list of waivers */
        size_t col = 2 + td_utf8_chars(w->rule) + td_utf8_chars(TR(l, " for "));
        fputs(TR(l, " for "), out);
        col += td_put_text(out, w->unit, false);
        if (w->exemplar) {
            fputs(TR(l, ", exemplar "), out);
            col += td_utf8_chars(TR(l, ", exemplar ")) + td_put_text(out, w->exemplar, false);
        }
        fputc(':', out);
        char state[256];
        if (r->as_of < w->dated_days)
            snprintf(state, sizeof state, "%s", TR(l, "not in force yet: dated after this date"));
        else if (!use.in_force)
            snprintf(state, sizeof state, TR(l, "ended on %s: no longer in force"), w->until);
        else if (!use.units)
            snprintf(state, sizeof state, "%s", TR(l, "the unit is not in this batch"));
        else if (!use.covered)
            snprintf(state, sizeof state, "%s", TR(l, "no finding to cover"));
        else
            snprintf(state, sizeof state,
                     TRN(l, "%zu finding waived", "%zu findings waived", use.covered),
                     use.covered);
        /* the state on a line of its own when it would pass the width */
        fputs(col + 2 + td_utf8_chars(state) > WIDTH ? "\n    " : " ", out);
        bool covered = r->as_of >= w->dated_days && use.in_force && use.units && use.covered;
        fprintf(out, "%s%s%s", covered ? "" : s.yellow, state, covered ? "" : s.reset);
        fputc('\n', out);
        char *why = NULL;
        int n = w->until ? asprintf(&why, TR(l, "%s (approved by %s, %s dated %s, until %s)"),
                                    w->reason, w->approved_by, w->document, w->dated, w->until)
                         : asprintf(&why, TR(l, "%s (approved by %s, %s dated %s)"), w->reason,
                                    w->approved_by, w->document, w->dated);
        if (n >= 0) {
            fputs("   ", out);
            wrap(out, why, 3, 4, true);
            fputc('\n', out);
            free(why);
        }
    }
}

static td_status text_finish(td_report *r, void *state, const td_batch *b)
{
    text_state *t = state;
    style s = style_of(r);
    FILE *out = r->out;
    td_lang l = r->o.lang;
    cap_flush(l, &t->cap, r->o.validate || r->o.quiet ? out : t->failing);
    if (r->o.quiet)
        return TD_OK;
    if (!r->o.validate)
        cap_flush(l, &t->cap_warn, t->warned);
    if (r->o.validate) {
        if (b->sum.units > 1)
            fprintf(out, TR(l, "%zu units: %zu ready to submit, %zu not ready\n"), b->sum.units,
                    b->sum.passed, b->sum.failed);
        return TD_OK;
    }
    const td_plan_info *pl = &r->p->plan;
    char date[11];
    td_format_date(r->as_of, date);
    char head[1024], asof[128];
    snprintf(asof, sizeof asof, TR(l, ", as of %s\n"), date);
    asof[strcspn(asof, "\n")] = '\0';
    snprintf(head, sizeof head, "%s%s%s%s", pl->number ? pl->number : TR(l, "(no plan)"),
             pl->title ? ": " : "", pl->title ? pl->title : "", asof);
    fputs(s.bold, out);
    wrap(out, head, 0, 2, false);
    fprintf(out, "%s\n", s.reset);
    fprintf(out, TRN(l, "%zu unit: ", "%zu units: ", b->sum.units), b->sum.units);
    fputs(s.green, out);
    fprintf(out, TR(l, "%zu passed"), b->sum.passed);
    fprintf(out, "%s, %s", s.reset, b->sum.failed ? s.red : "");
    fprintf(out, TR(l, "%zu failed"), b->sum.failed);
    fprintf(out, "%s; ", b->sum.failed ? s.reset : "");
    fprintf(out, TRN(l, "%zu error, ", "%zu errors, ", b->sum.errors), b->sum.errors);
    fprintf(out, TRN(l, "%zu warning, ", "%zu warnings, ", b->sum.warnings), b->sum.warnings);
    fprintf(out, TRN(l, "%zu info", "%zu infos", b->sum.infos), b->sum.infos);
    if (b->sum.waived)
        fprintf(out, TR(l, "; %zu waived"), b->sum.waived);
    fputc('\n', out);
    if (b->sum.targets)
        fprintf(out, TR(l, "targets: %zu of %zu met; %zu not met by the due date, %zu in progress\n"),
                b->sum.targets_met, b->sum.targets, b->sum.target_errors, b->sum.target_infos);
    if (b->n_rows)
        text_targets(r, b);
    if (r->p->n_workflows)
        text_stages(r, b);
    if (t->figures) {
        fprintf(out, "\n%s%s%s", s.bold, TR(l, "Units"), s.reset);
        size_t col = td_utf8_chars(TR(l, "Units"));
        for (uint32_t i = 0; i < r->p->n_report_values; i++) {
            const td_define *def = r->p->report_values[i];
            char part[512];
            snprintf(part, sizeof part, "%s%s: %s%s", i ? "" : "(", def->name,
                     def->label ? def->label : def->name,
                     i + 1 < r->p->n_report_values ? ";" : ")");
            col = wrap(out, part, col, 2, true);
        }
        fputc('\n', out);
        if (!td_report_copy(t->figures, out))
            return TD_EIO;
    }
    if (t->n_failing) {
        fprintf(out, "\n%s", s.bold);
        fprintf(out, TR(l, "Failing units (%zu)"), t->n_failing);
        fprintf(out, "%s\n", s.reset);
        if (!td_report_copy(t->failing, out))
            return TD_EIO;
    }
    if (t->n_warned) {
        fprintf(out, "\n%s", s.bold);
        fprintf(out, TR(l, "Units that pass with warnings (%zu)"), t->n_warned);
        fprintf(out, "%s\n", s.reset);
        if (!td_report_copy(t->warned, out))
            return TD_EIO;
    }
    if (t->n_waived) {
        fprintf(out, "\n%s", s.bold);
        fprintf(out, TR(l, "Units that pass with waived findings (%zu)"), t->n_waived);
        fprintf(out, "%s\n", s.reset);
        if (!td_report_copy(t->waived, out))
            return TD_EIO;
    }
    if (t->n_progress) {
        fprintf(out, "\n%s", s.bold);
        fprintf(out, TR(l, "Units that pass, in progress on rules not due yet (%zu)"),
                t->n_progress);
        fprintf(out, "%s\n", s.reset);
        if (!td_report_copy(t->progress, out))
            return TD_EIO;
    }
    if (r->p->n_waivers)
        text_waivers(r, b);
    return TD_OK;
}

static void text_release(void *state)
{
    text_state *t = state;
    td_report_spool_close(t->failing);
    td_report_spool_close(t->warned);
    td_report_spool_close(t->waived);
    td_report_spool_close(t->progress);
    td_report_spool_close(t->figures);
    free(t->cap.file);
    free(t->cap_warn.file);
}

const td_report_ops td_report_text_ops = {
    .name = "text",
    .state_size = sizeof(text_state),
    .begin = text_begin,
    .unit = text_unit,
    .finish = text_finish,
    .release = text_release,
};
