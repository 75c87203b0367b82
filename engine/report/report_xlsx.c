/* The Excel workbook report (libxlsxwriter): a summary sheet, the targets with data bars,
 * one row per unit, one row per finding, and the targets month by month when known.
 * Pipeline: batch merge (in order) -> td_report_unit ... td_report_finish -> FILE *. */
#include "report.h"
#include "xlsx_lib.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <xlsxwriter.h>

/* A word a person reads in the workbook: its English text, marked N_() for the catalog
 * (po/vi.po holds the Vietnamese) and translated where it is written. */
typedef const char *word;

static const char *say(const td_report *r, word w)
{
    return TR(r->o.lang, w);
}

/* True when the workbook speaks Vietnamese (numbers then written 2,5 in sentences). */
static bool r_vi(const td_report *r)
{
    return r->o.lang == TD_LANG_VI;
}

/* A column: its heading and width (characters). */
typedef struct column {
    word head;
    double width;
} column;

static const column TARGET_COLS[] = {
    {N_("Target"), 22},   {N_("Content"), 48},
    {N_("Clause"), 9},         {N_("Group"), 24},
    {N_("Achieved"), 10},    {N_("Required"), 10},
    {N_("Percent"), 14},        {N_("Status"), 16},
    {N_("Due"), 12},         {N_("Still needed"), 10},
    {N_("Months left"), 10},
    {N_("Needed per month"), 10},
    {N_("Per month lately"), 11},
    {N_("Months counted lately"), 10},
    {N_("Pace"), 60},
};
enum {
    T_ID, T_LABEL, T_CITE, T_GROUP, T_ACTUAL, T_REQUIRED, T_PERCENT, T_STATUS, T_DUE, T_NEEDED,
    T_MONTHS, T_PER_MONTH, T_RECENT, T_RECENT_MONTHS, T_PACE
};

static const column FINDING_COLS[] = {
    {N_("File"), 36},            {N_("Line"), 7},
    {N_("Column"), 6},           {N_("Unit id"), 16},
    {N_("Unit name"), 30},     {N_("Rule"), 28},
    {N_("Clause"), 9},        {N_("Severity"), 11},
    {N_("Message"), 70},    {N_("Where in the data"), 30},
    {N_("Hint"), 40},          {N_("Waiver"), 50},
};

static const word W_SUMMARY = N_("Summary");
static const word W_TARGETS = N_("Targets");
static const word W_UNITS = N_("Unit list");
static const word W_FINDINGS = N_("Findings");
static const word W_HISTORY = N_("By month");
static const word W_DATE = N_("As of");
static const word W_NO = N_("No.");
static const word W_ID = N_("Unit id");
static const word W_NAME = N_("Unit name");
static const word W_LEVEL = N_("Level");
static const word W_GROUP = N_("Group");
static const word W_RESULT = N_("Outcome");
static const word W_ERRORS = N_("Errors");
static const word W_WARNINGS = N_("Warnings");
static const word W_INFOS = N_("Information");
static const word W_FILE = N_("File");
static const word W_PASS = N_("Pass");
static const word W_FAIL = N_("Fail");
static const word W_MET = N_("Met");
static const word W_NOT_MET = N_("Not met");
static const word W_PROGRESS = N_("In progress");
static const word W_TALLY = N_("Tally");
static const word W_ERROR = N_("Error");
static const word W_WARNING = N_("Warning");
static const word W_INFO = N_("Info");
static const word W_WAIVED = N_("Waived");
static const word W_N_WAIVED = N_("Waived findings");
static const word W_REPORT = N_("Emulation review");
static const word W_PLAN = N_("Plan");
static const word W_TITLE = N_("Title");
static const word W_ISSUER = N_("Issued by");
static const word W_FROM = N_("Period from");
static const word W_TO = N_("Period to");
static const word W_AS_OF = N_("Figures as of");
static const word W_N_UNITS = N_("Units evaluated");
static const word W_PASSED = N_("Units that pass (no error)");
static const word W_FAILED = N_("Units that fail");
static const word W_T_MET = N_("Targets met");
static const word W_T_NOT_MET = N_("Targets not met by their due date");
static const word W_T_PROGRESS = N_("Targets in progress (not due yet)");
static const word W_T_ALL = N_("Targets with a requirement");
static const word W_STAGES = N_("Exemplars by stage");
static const word W_NO_STAGE = N_("No stage yet");
static const word W_TOTAL = N_("Whole system");
static const word W_LEFT_OUT = N_("more findings than a sheet holds: the rest are in -f csv");

/* Excel's last row (0-based), kept free for the note on findings left out. */
#define LAST_ROW (LXW_ROW_MAX - 2)
/* Characters a cell holds. */
#define CELL_MAX 32767

typedef struct xlsx_state {
    td_xlsx_lib lib;        /* owned: the library, opened by xlsx_begin */
    char path[4096];        /* the workbook's scratch file; "" when none was made */
    lxw_workbook *wb;       /* owned until workbook_close */
    lxw_worksheet *summary, *targets, *history, *units, *findings;
    lxw_format *head, *date, *percent, *rate, *wrap, *bold, *title;
    lxw_row_t unit_row, finding_row; /* the next row to write */
    size_t left_out;        /* findings past the sheet's last row */
    lxw_error err;          /* the first error of a write */
    char *buf;              /* owned: the text of one cell, made safe */
    size_t cap;
} xlsx_state;

/* Records the first error of a libxlsxwriter call. */
static void check(xlsx_state *x, lxw_error e)
{
    if (e != LXW_NO_ERROR && x->err == LXW_NO_ERROR)
        x->err = e;
}

/* s as a cell may hold it: valid UTF-8 (invalid bytes become U+FFFD), no control character
 * but tab and newline (XML cannot carry them), at most CELL_MAX characters. NULL when there
 * is no memory. */
static const char *safe(xlsx_state *x, const char *s)
{
    size_t n = strlen(s);
    if (x->cap < n * 3 + 1) {
        char *b = realloc(x->buf, n * 3 + 1);
        if (!b)
            return NULL;
        x->buf = b;
        x->cap = n * 3 + 1;
    }
    size_t o = 0, chars = 0;
    for (size_t i = 0; i < n && chars < CELL_MAX; chars++) {
        uint32_t cp;
        size_t len = td_utf8_seq(s + i, n - i, &cp);
        if (!len || (cp < 0x20 && cp != '\t' && cp != '\n') || cp == 0x7F ||
            (cp >= 0x80 && cp < 0xA0) || cp == 0xFFFE || cp == 0xFFFF) {
            memcpy(x->buf + o, "\xEF\xBF\xBD", 3);
            o += 3;
            i += len ? len : 1;
            continue;
        }
        memcpy(x->buf + o, s + i, len);
        o += len;
        i += len;
    }
    x->buf[o] = '\0';
    return x->buf;
}

/* A text cell; nothing for NULL or "". Text is never read as a formula. */
static void text(xlsx_state *x, lxw_worksheet *ws, lxw_row_t row, lxw_col_t col, const char *s,
                 lxw_format *f)
{
    if (!s || !*s)
        return;
    const char *v = safe(x, s);
    check(x, v ? x->lib.worksheet_write_string(ws, row, col, v, f) : LXW_ERROR_MEMORY_MALLOC_FAILED);
}

static void number(xlsx_state *x, lxw_worksheet *ws, lxw_row_t row, lxw_col_t col, double v,
                   lxw_format *f)
{
    check(x, x->lib.worksheet_write_number(ws, row, col, v, f));
}

/* A date as an Excel date (a serial number shown with a date format). */
static void date(xlsx_state *x, lxw_worksheet *ws, lxw_row_t row, lxw_col_t col, int32_t days)
{
    int32_t y;
    uint32_t m, d;
    td_civil_from_days(days, &y, &m, &d);
    lxw_datetime dt = {.year = (int)y, .month = (int)m, .day = (int)d};
    check(x, x->lib.worksheet_write_datetime(ws, row, col, &dt, x->date));
}

/* A heading row: the words, frozen above the rows, with widths. */
static void heading(xlsx_state *x, const td_report *r, lxw_worksheet *ws, const column *cols,
                    size_t n)
{
    for (size_t c = 0; c < n; c++) {
        text(x, ws, 0, (lxw_col_t)c, say(r, cols[c].head), x->head);
        check(x, x->lib.worksheet_set_column(ws, (lxw_col_t)c, (lxw_col_t)c, cols[c].width,
                                      cols[c].width > 40 ? x->wrap : NULL));
    }
    x->lib.worksheet_freeze_panes(ws, 1, 0);
}

/* Filters on every column of a sheet of `rows` rows below its heading. */
static void filters(xlsx_state *x, lxw_worksheet *ws, lxw_row_t rows, size_t n_cols)
{
    check(x, x->lib.worksheet_autofilter(ws, 0, 0, rows, (lxw_col_t)(n_cols - 1)));
}

/* The units sheet's columns: number, id, name, level, group, the rules' report values,
 * result, errors, warnings, infos, file. */
static size_t unit_cols(const td_report *r)
{
    return 5 + r->p->n_report_values + 5;
}

static void units_heading(xlsx_state *x, const td_report *r)
{
    lxw_worksheet *ws = x->units;
    const td_program *p = r->p;
    column cols[5] = {{W_NO, 6}, {W_ID, 16}, {W_NAME, 36}, {W_LEVEL, 10}, {W_GROUP, 18}};
    heading(x, r, ws, cols, 5);
    /* the rules name the level, the group and their report values */
    if (p->unit_level && p->unit_level->label)
        text(x, ws, 0, 3, p->unit_level->label, x->head);
    if (p->unit_group && p->unit_group->label)
        text(x, ws, 0, 4, p->unit_group->label, x->head);
    lxw_col_t c = 5;
    for (uint32_t i = 0; i < p->n_report_values; i++, c++) {
        const td_define *def = p->report_values[i];
        text(x, ws, 0, c, def->label ? def->label : def->name, x->head);
        check(x, x->lib.worksheet_set_column(ws, c, c, 14, NULL));
    }
    const column tail[5] = {{W_RESULT, 11}, {W_ERRORS, 7}, {W_WARNINGS, 9}, {W_INFOS, 9},
                            {W_FILE, 36}};
    for (size_t k = 0; k < 5; k++, c++) {
        text(x, ws, 0, c, say(r, tail[k].head), x->head);
        check(x, x->lib.worksheet_set_column(ws, c, c, tail[k].width, NULL));
    }
}

static td_status xlsx_begin(td_report *r, void *state)
{
    xlsx_state *x = state;
    if (!td_xlsx_lib_open(&x->lib))
        return TD_EIO;
    const char *dir = getenv("TMPDIR");
    if (!dir || !*dir)
        dir = "/tmp";
    if ((size_t)snprintf(x->path, sizeof x->path, "%s/thidua-xlsx-XXXXXX", dir) >=
        sizeof x->path) {
        x->path[0] = '\0';
        return TD_EIO;
    }
    int fd = mkstemp(x->path);
    if (fd < 0) {
        x->path[0] = '\0';
        return TD_EIO;
    }
    close(fd);
    /* constant memory: rows go to scratch files as they are written, so that a district of
     * any size costs the same memory */
    lxw_workbook_options wo = {.constant_memory = LXW_TRUE};
    x->wb = x->lib.workbook_new_opt(x->path, &wo);
    if (!x->wb)
        return TD_ENOMEM;
    /* the creation time is the as-of date, so that the same data give the same bytes */
    lxw_doc_properties props = {
        .title = (char *)say(r, W_REPORT),
        .created = (time_t)r->as_of * 86400,
    };
    check(x, x->lib.workbook_set_properties(x->wb, &props));
    x->summary = x->lib.workbook_add_worksheet(x->wb, say(r, W_SUMMARY));
    x->targets = x->lib.workbook_add_worksheet(x->wb, say(r, W_TARGETS));
    x->history = x->lib.workbook_add_worksheet(x->wb, say(r, W_HISTORY));
    x->units = x->lib.workbook_add_worksheet(x->wb, say(r, W_UNITS));
    x->findings = x->lib.workbook_add_worksheet(x->wb, say(r, W_FINDINGS));
    x->head = x->lib.workbook_add_format(x->wb);
    x->date = x->lib.workbook_add_format(x->wb);
    x->percent = x->lib.workbook_add_format(x->wb);
    x->rate = x->lib.workbook_add_format(x->wb);
    x->wrap = x->lib.workbook_add_format(x->wb);
    x->bold = x->lib.workbook_add_format(x->wb);
    x->title = x->lib.workbook_add_format(x->wb);
    if (!x->summary || !x->targets || !x->history || !x->units || !x->findings || !x->head ||
        !x->date || !x->percent || !x->rate || !x->wrap || !x->bold || !x->title)
        return TD_ENOMEM;
    x->lib.format_set_bold(x->head);
    x->lib.format_set_bg_color(x->head, 0xEEF1F4);
    x->lib.format_set_bottom(x->head, LXW_BORDER_THIN);
    x->lib.format_set_text_wrap(x->head);
    x->lib.format_set_align(x->head, LXW_ALIGN_VERTICAL_TOP);
    x->lib.format_set_num_format(x->date, "dd/mm/yyyy");
    x->lib.format_set_num_format(x->percent, "0.0%");
    x->lib.format_set_num_format(x->rate, "0.0");
    x->lib.format_set_text_wrap(x->wrap);
    x->lib.format_set_align(x->wrap, LXW_ALIGN_VERTICAL_TOP);
    x->lib.format_set_bold(x->bold);
    x->lib.format_set_bold(x->title);
    x->lib.format_set_font_size(x->title, 14);
    units_heading(x, r);
    heading(x, r, x->findings, FINDING_COLS, sizeof FINDING_COLS / sizeof FINDING_COLS[0]);
    x->unit_row = x->finding_row = 1;
    return x->err == LXW_NO_ERROR ? TD_OK : TD_EIO;
}

static const char *severity_word(const td_report *r, td_severity s)
{
    return say(r, s == TD_SEV_ERROR ? W_ERROR : s == TD_SEV_WARNING ? W_WARNING : W_INFO);
}

static void finding_row(xlsx_state *x, const td_report *r, const td_unit_result *u,
                        const td_diagnostic *e)
{
    lxw_worksheet *ws = x->findings;
    lxw_row_t row = x->finding_row++;
    text(x, ws, row, 0, e->file ? e->file : u->file, NULL);
    if (e->line) {
        number(x, ws, row, 1, e->line, NULL);
        number(x, ws, row, 2, e->col, NULL);
    }
    text(x, ws, row, 3, u->id, NULL);
    text(x, ws, row, 4, u->name, NULL);
    text(x, ws, row, 5, e->rule ? e->rule : e->code, NULL);
    text(x, ws, row, 6, e->cite, NULL);
    bool waived = e->waived == TD_WAIVER_COVERS;
    text(x, ws, row, 7,
         waived       ? say(r, W_WAIVED)
         : e->pending ? say(r, W_PROGRESS)
                      : severity_word(r, e->sev),
         NULL);
    text(x, ws, row, 8, e->message, x->wrap);
    text(x, ws, row, 9, e->path, NULL);
    text(x, ws, row, 10, e->hint, x->wrap);
    const td_waiver *w = e->waiver;
    if (w) {
        /* Decision 11: the reason and the approver, or why the waiver does not apply */
        char buf[2048], why[256] = "";
        if (e->waived == TD_WAIVER_EXPIRED)
            snprintf(why, sizeof why, TR(r->o.lang, "Ended after %s: "), w->until);
        else if (!waived)
            snprintf(why, sizeof why, TR(r->o.lang, "Not in force yet, dated %s: "), w->dated);
        snprintf(buf, sizeof buf, "%s%s (%s, %s, %s%s%s)", why, w->reason, w->approved_by,
                 w->document, w->dated, w->until ? " – " : "", w->until ? w->until : "");
        text(x, ws, row, 11, buf, x->wrap);
    }
}

static td_status xlsx_unit(td_report *r, void *state, const td_unit_result *u)
{
    xlsx_state *x = state;
    const td_program *p = r->p;
    lxw_worksheet *ws = x->units;
    if (x->unit_row <= LAST_ROW) {
        lxw_row_t row = x->unit_row++;
        number(x, ws, row, 0, (double)r->units, NULL);
        text(x, ws, row, 1, u->id, NULL);
        text(x, ws, row, 2, u->name, NULL);
        text(x, ws, row, 3,
             td_report_enum_label(p->unit_level ? p->unit_level->type : NULL, u->level), NULL);
        text(x, ws, row, 4, u->group, NULL);
        lxw_col_t c = 5;
        for (uint32_t i = 0; i < p->n_report_values; i++, c++) {
            const td_define *def = p->report_values[i];
            const char *v = i < u->n_values ? u->values[i] : NULL;
            char *end;
            double d = v ? strtod(v, &end) : 0;
            if (v && *v && !*end &&
                (def->type->kind == TD_T_INT || def->type->kind == TD_T_NUMBER))
                number(x, ws, row, c, d, NULL);
            else
                text(x, ws, row, c, td_report_enum_label(def->type, v), NULL);
        }
        text(x, ws, row, c++, say(r, u->findings.errors ? W_FAIL : W_PASS), NULL);
        number(x, ws, row, c++, (double)u->findings.errors, NULL);
        number(x, ws, row, c++, (double)u->findings.warnings, NULL);
        number(x, ws, row, c++, (double)u->findings.infos, NULL);
        text(x, ws, row, c, u->file, NULL);
    }
    for (size_t i = 0; i < u->findings.n; i++) {
        if (x->finding_row > LAST_ROW) {
            x->left_out += u->findings.n - i;
            break;
        }
        finding_row(x, r, u, &u->findings.items[i]);
    }
    if (x->err == LXW_ERROR_MEMORY_MALLOC_FAILED)
        return TD_ENOMEM;
    return x->err == LXW_NO_ERROR ? TD_OK : TD_EIO;
}

static const char *row_status_word(const td_report *r, const td_target_row *row)
{
    if (!row->has_required)
        return say(r, W_TALLY);
    if (row->met)
        return say(r, W_MET);
    return say(r, row->severity == TD_SEV_ERROR ? W_NOT_MET : W_PROGRESS);
}

static void targets_sheet(xlsx_state *x, const td_report *r, const td_batch *b)
{
    lxw_worksheet *ws = x->targets;
    size_t n_cols = sizeof TARGET_COLS / sizeof TARGET_COLS[0];
    heading(x, r, ws, TARGET_COLS, n_cols);
    lxw_row_t row = 1;
    for (size_t i = 0; i < b->n_rows && row <= LAST_ROW; i++, row++) {
        const td_target_row *tr = &b->rows[i];
        const td_target *t = &r->p->targets[tr->target];
        text(x, ws, row, T_ID, t->id, NULL);
        char lb[1024];
        text(x, ws, row, T_LABEL, td_report_label(r, t->label, lb, sizeof lb), x->wrap);
        text(x, ws, row, T_CITE, t->cite, NULL);
        text(x, ws, row, T_GROUP,
             tr->group ? td_report_enum_label(t->by ? t->by->type : NULL, tr->group)
                       : say(r, W_TOTAL),
             NULL);
        number(x, ws, row, T_ACTUAL, tr->actual, NULL);
        if (tr->has_required)
            number(x, ws, row, T_REQUIRED, tr->required, NULL);
        if (tr->has_percent)
            number(x, ws, row, T_PERCENT, td_report_percent(tr->percent) / 100, x->percent);
        text(x, ws, row, T_STATUS, row_status_word(r, tr), NULL);
        int32_t due;
        if (td_report_target_due(r, t, &due))
            date(x, ws, row, T_DUE, due);
        if (tr->has_pace) {
            number(x, ws, row, T_NEEDED, tr->pace_needed, NULL);
            number(x, ws, row, T_MONTHS, tr->pace_months, NULL);
            number(x, ws, row, T_PER_MONTH, tr->pace_per_month, x->rate);
            if (tr->has_recent) {
                number(x, ws, row, T_RECENT, tr->recent_per_month, x->rate);
                number(x, ws, row, T_RECENT_MONTHS, tr->recent_months, NULL);
            }
            char pace[256];
            text(x, ws, row, T_PACE, td_report_pace_text(tr, r_vi(r) ? TD_LANG_VI : TD_LANG_EN, pace, sizeof pace), NULL);
        }
    }
    if (row > 1) {
        /* a bar in each percent cell, full at 100 % */
        lxw_conditional_format bar = {
            .type = LXW_CONDITIONAL_DATA_BAR,
            .min_rule_type = LXW_CONDITIONAL_RULE_TYPE_NUMBER,
            .min_value = 0,
            .max_rule_type = LXW_CONDITIONAL_RULE_TYPE_NUMBER,
            .max_value = 1,
            .bar_color = 0x2E7D32,
            .bar_solid = LXW_TRUE,
        };
        check(x, x->lib.worksheet_conditional_format_range(ws, 1, T_PERCENT, row - 1, T_PERCENT, &bar));
    }
    filters(x, ws, row - 1, n_cols);
}

/* The heading of a target row in the history sheet: its label, and its group. */
static const char *history_head(const td_report *r, const td_target_row *tr, char *buf,
                                size_t size)
{
    const td_target *t = &r->p->targets[tr->target];
    const char *label = t->label ? t->label : t->id;
    if (tr->group)
        snprintf(buf, size, "%s: %s", label,
                 td_report_enum_label(t->by ? t->by->type : NULL, tr->group));
    else
        snprintf(buf, size, "%s", label);
    return buf;
}

/* The same row (target and group) among `rows`, or NULL: a group becomes known later. */
static const td_target_row *same_row(const td_target_row *rows, size_t n,
                                     const td_target_row *tr)
{
    for (size_t i = 0; i < n; i++)
        if (rows[i].target == tr->target &&
            ((!rows[i].group && !tr->group) ||
             (rows[i].group && tr->group && strcmp(rows[i].group, tr->group) == 0)))
            return &rows[i];
    return NULL;
}

/* The targets month by month: a row per month end of the history and one for the as-of
 * date, a column per target row of the as-of date (a group not yet known then is blank). */
static void history_sheet(xlsx_state *x, const td_report *r, const td_batch *b)
{
    lxw_worksheet *ws = x->history;
    size_t n_cols = b->n_rows + 1 < LXW_COL_MAX ? b->n_rows + 1 : LXW_COL_MAX;
    text(x, ws, 0, 0, say(r, W_DATE), x->head);
    check(x, x->lib.worksheet_set_column(ws, 0, 0, 14, NULL));
    for (size_t c = 1; c < n_cols; c++) {
        char head[512];
        text(x, ws, 0, (lxw_col_t)c, history_head(r, &b->rows[c - 1], head, sizeof head),
             x->head);
    }
    if (n_cols > 1)
        check(x, x->lib.worksheet_set_column(ws, 1, (lxw_col_t)(n_cols - 1), 16, NULL));
    check(x, x->lib.worksheet_set_row(ws, 0, 75, NULL));
    x->lib.worksheet_freeze_panes(ws, 1, 1);
    lxw_row_t row = 1;
    for (size_t j = 0; j <= b->n_history; j++, row++) {
        const td_target_row *rows = j < b->n_history ? b->history[j].rows : b->rows;
        size_t n = j < b->n_history ? b->history[j].n_rows : b->n_rows;
        date(x, ws, row, 0, j < b->n_history ? b->history[j].as_of : r->as_of);
        for (size_t c = 1; c < n_cols; c++) {
            const td_target_row *then = same_row(rows, n, &b->rows[c - 1]);
            if (then)
                number(x, ws, row, (lxw_col_t)c, then->actual, NULL);
        }
    }
    filters(x, ws, row - 1, n_cols);
}

/* A label and a value on the summary sheet. */
static void pair_count(xlsx_state *x, const td_report *r, lxw_row_t row, word w, size_t v)
{
    text(x, x->summary, row, 0, say(r, w), NULL);
    number(x, x->summary, row, 1, (double)v, NULL);
}

static void summary_sheet(xlsx_state *x, const td_report *r, const td_batch *b)
{
    lxw_worksheet *ws = x->summary;
    const td_plan_info *pl = &r->p->plan;
    const td_batch_summary *s = &b->sum;
    check(x, x->lib.worksheet_set_column(ws, 0, 0, 44, NULL));
    check(x, x->lib.worksheet_set_column(ws, 1, 1, 60, NULL));
    lxw_row_t row = 0;
    text(x, ws, row++, 0, say(r, W_REPORT), x->title);
    row++;
    text(x, ws, row, 0, say(r, W_PLAN), NULL);
    text(x, ws, row++, 1, pl->number, x->bold);
    text(x, ws, row, 0, say(r, W_TITLE), NULL);
    text(x, ws, row++, 1, pl->title, x->wrap);
    if (pl->issuer) {
        text(x, ws, row, 0, say(r, W_ISSUER), NULL);
        text(x, ws, row++, 1, pl->issuer, NULL);
    }
    if (pl->has_period) {
        text(x, ws, row, 0, say(r, W_FROM), NULL);
        date(x, ws, row++, 1, pl->period_from);
        text(x, ws, row, 0, say(r, W_TO), NULL);
        date(x, ws, row++, 1, pl->period_to);
    }
    text(x, ws, row, 0, say(r, W_AS_OF), x->bold);
    date(x, ws, row++, 1, r->as_of);
    row++;
    pair_count(x, r, row++, W_N_UNITS, s->units);
    pair_count(x, r, row++, W_PASSED, s->passed);
    pair_count(x, r, row++, W_FAILED, s->failed);
    pair_count(x, r, row++, W_ERRORS, s->errors);
    pair_count(x, r, row++, W_WARNINGS, s->warnings);
    pair_count(x, r, row++, W_INFOS, s->infos);
    if (s->waived)
        pair_count(x, r, row++, W_N_WAIVED, s->waived);
    if (s->targets) {
        row++;
        pair_count(x, r, row++, W_T_ALL, s->targets);
        pair_count(x, r, row++, W_T_MET, s->targets_met);
        pair_count(x, r, row++, W_T_NOT_MET, s->target_errors);
        pair_count(x, r, row++, W_T_PROGRESS, s->target_infos);
    }
    uint32_t base = 0;
    for (uint32_t w = 0; w < r->p->n_workflows; w++) {
        const td_workflow *wf = &r->p->workflows[w];
        row++;
        text(x, ws, row, 0, say(r, W_STAGES), x->bold);
        text(x, ws, row++, 1, wf->label ? wf->label : wf->id, x->bold);
        for (uint32_t k = 0; k <= wf->n_stages; k++) {
            char label[256];
            if (k == 0)
                snprintf(label, sizeof label, "%s", say(r, W_NO_STAGE));
            else
                td_report_stage_label(r->o.lang, wf, k, label, sizeof label);
            text(x, ws, row, 0, label, NULL);
            number(x, ws, row++, 1,
                   base + k < b->n_stages ? (double)b->stages[base + k] : 0, NULL);
        }
        base += wf->n_stages + 1;
    }
}

/* Copies the closed workbook to `out`. */
static bool copy_out(const char *path, FILE *out)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return false;
    bool ok = td_report_copy(f, out);
    fclose(f);
    return ok;
}

static td_status xlsx_finish(td_report *r, void *state, const td_batch *b)
{
    xlsx_state *x = state;
    summary_sheet(x, r, b);
    targets_sheet(x, r, b);
    history_sheet(x, r, b);
    filters(x, x->units, x->unit_row - 1, unit_cols(r));
    if (x->left_out) {
        char note[256];
        snprintf(note, sizeof note, "%zu %s", x->left_out, say(r, W_LEFT_OUT));
        text(x, x->findings, x->finding_row, 0, note, x->bold);
    }
    filters(x, x->findings, x->finding_row - 1, sizeof FINDING_COLS / sizeof FINDING_COLS[0]);
    lxw_error e = x->lib.workbook_close(x->wb);
    x->wb = NULL;
    check(x, e);
    if (x->err == LXW_ERROR_MEMORY_MALLOC_FAILED)
        return TD_ENOMEM;
    if (x->err != LXW_NO_ERROR || !copy_out(x->path, r->out))
        return TD_EIO;
    return TD_OK;
}

static void xlsx_release(void *state)
{
    xlsx_state *x = state;
    if (x->wb)
        x->lib.lxw_workbook_free(x->wb);
    if (x->path[0])
        unlink(x->path);
    free(x->buf);
    td_xlsx_lib_close(&x->lib);
}

const td_report_ops td_report_xlsx_ops = {
    .name = "xlsx",
    .state_size = sizeof(xlsx_state),
    .begin = xlsx_begin,
    .unit = xlsx_unit,
    .finish = xlsx_finish,
    .release = xlsx_release,
};
