/* Reports: a batch's units, targets, stage counts and summary written as text, JSON, CSV
 * or a self-contained HTML page, while the batch runs (units) and at its end (aggregates).
 * Pipeline: batch merge (in order) -> td_report_unit ... td_report_finish -> FILE *. */
#ifndef TD_REPORT_H
#define TD_REPORT_H

#include "batch.h"

/* Counts the findings shown for consecutive units of one file. */
typedef struct td_report_cap {
    char *file;             /* owned: the file being counted, or NULL */
    size_t shown;           /* errors shown */
    size_t hidden_errors, hidden_other;
} td_report_cap;

struct td_report {
    td_report_opts o;
    const td_program *p;    /* borrowed */
    int32_t as_of;          /* days */
    FILE *out;              /* borrowed */
    FILE *spool;            /* owned scratch file: text failing units; html unit rows */
    FILE *spool2;           /* owned scratch file: html findings */
    bool io_error;          /* a write failed */
    size_t units;           /* units received */
    size_t listed;          /* units written to the spool (text: failing, then warned) */
    /* text: the 20-errors-per-file cap, for the main list and for the warnings list */
    td_report_cap cap, cap_warn;
    /* text (eval): units that pass but have warnings, listed after the failing ones */
    FILE *spool_warn;       /* owned */
    size_t warned;
    FILE *spool_units;      /* owned: text (eval): one line per unit with its figures */
};

/* The formats: begin after open, one call per unit, finish with the aggregates. */
td_status td_report_text_begin(td_report *r);
td_status td_report_text_unit(td_report *r, const td_unit_result *u);
td_status td_report_text_finish(td_report *r, const td_batch *b);
td_status td_report_json_begin(td_report *r);
td_status td_report_json_unit(td_report *r, const td_unit_result *u);
td_status td_report_json_finish(td_report *r, const td_batch *b);
td_status td_report_csv_begin(td_report *r);
td_status td_report_csv_unit(td_report *r, const td_unit_result *u);
td_status td_report_csv_finish(td_report *r, const td_batch *b);
td_status td_report_html_begin(td_report *r);
td_status td_report_html_unit(td_report *r, const td_unit_result *u);
td_status td_report_html_finish(td_report *r, const td_batch *b);

/* ---- helpers shared by the formats (report_text.c) ---- */

/* Characters of a UTF-8 string (an invalid byte counts as one). */
size_t td_utf8_chars(const char *s);
/* A number as reports print it: integers without a decimal point, others with up to 15
 * significant digits; "null" for NaN and infinities. */
const char *td_report_number(double v, char buf[40]);
/* Rounds a percentage to one decimal place. */
double td_report_percent(double p);
/* "ID (NAME)", "ID", "NAME" or "document N (line L)", into buf. */
const char *td_report_unit_title(const td_unit_result *u, char *buf, size_t size);
/* The row's status word: "met", "not met", "progress" (not met, not due yet) or "tally". */
const char *td_report_row_status(const td_target_row *row);
/* The label of stage slot k of a workflow (0 = no stage yet), into buf. */
const char *td_report_stage_label(const td_workflow *w, uint32_t k, char *buf, size_t size);
/* Copies a spool from its start to `out`; false when reading or writing fails. */
bool td_report_copy(FILE *spool, FILE *out);

#endif
