/* Reports: what every format sees, the table of format operations that report.c dispatches
 * to, and the helpers the formats share (report_util.c). A format is one file defining one
 * td_report_ops, and one row in report.c's table.
 * Pipeline: batch merge (in order) -> td_report_unit ... td_report_finish -> FILE *. */
#ifndef TD_REPORT_H
#define TD_REPORT_H

#include "batch.h"

struct td_report_ops;

/* The report as every format sees it; a format's own fields live in its private state. */
struct td_report {
    td_report_opts o;
    const td_program *p;    /* borrowed */
    int32_t as_of;          /* days */
    FILE *out;              /* borrowed */
    size_t units;           /* units received, the one being written included */
    bool io_error;          /* a write failed */
    struct held_out *held;  /* owned by a fork (td_report_fork): the bytes `out` wrote */
    const struct td_report_ops *ops; /* borrowed: static const */
    void *state;            /* owned: ops->state_size bytes, zeroed before begin */
};

/* One format. `begin` runs once after open, `unit` once per unit in input order, `finish`
 * once with the batch's aggregates; each returns TD_EIO when one of its own scratch files
 * failed (the dispatcher checks `out`). `release` frees what the state holds, whether or
 * not begin succeeded; it may be NULL. */
typedef struct td_report_ops {
    const char *name;       /* as `-f` spells it */
    size_t state_size;      /* bytes of private state */
    bool forkable;          /* each unit written alone, from r->out, r->units and the
                             * options: a fork of the report writes units as the report would */
    td_status (*begin)(td_report *r, void *state);
    td_status (*unit)(td_report *r, void *state, const td_unit_result *u);
    td_status (*finish)(td_report *r, void *state, const td_batch *b);
    void (*release)(void *state);
} td_report_ops;

extern const td_report_ops td_report_text_ops;
extern const td_report_ops td_report_json_ops;
extern const td_report_ops td_report_csv_ops;
extern const td_report_ops td_report_html_ops;
extern const td_report_ops td_report_xlsx_ops;

/* ---- helpers shared by the formats (report_util.c) ---- */

/* Characters of a UTF-8 string (an invalid byte counts as one). */
size_t td_utf8_chars(const char *s);
/* A number as reports print it: integers without a decimal point, others with up to 15
 * significant digits; "null" for NaN and infinities. */
const char *td_report_number(double v, char buf[40]);
/* Writes s as a JSON string: quotes, backslashes and control characters escaped, UTF-8
 * passed through, invalid UTF-8 replaced by U+FFFD; "null" for NULL. */
void td_report_json_str(FILE *out, const char *s);
/* Rounds a percentage to one decimal place. */
double td_report_percent(double p);
/* "ID (NAME)", "ID", "NAME" or "document N (line L)", into buf. */
const char *td_report_unit_title(td_lang lang, const td_unit_result *u, char *buf, size_t size);
/* The row's status word: "met", "not met", "progress" (not met, not due yet) or "tally", in
 * English (JSON); TR() gives it to a person. */
const char *td_report_row_status(const td_target_row *row);
/* The label of stage slot k of a workflow (0 = no stage yet), into buf. */
const char *td_report_stage_label(td_lang lang, const td_workflow *w, uint32_t k, char *buf,
                                  size_t size);
/* A label of the rules (a target's, a workflow's, a stage's...) as it reads at the
 * report's as-of date: it may insert a dated param (td_label_at). */
const char *td_report_label(const td_report *r, const char *s, char *buf, size_t size);
/* The value of a dated param in force at the report's as-of date, as text into buf, and
 * the days it is in force from and until (INT32_MIN / INT32_MAX when open). */
const char *td_report_param_value(const td_report *r, const td_param *prm, int32_t *from,
                                  int32_t *until, char *buf, size_t size);
/* The due date of a target (days) at the report's as-of date in *days; false when it has
 * none. */
bool td_report_target_due(const td_report *r, const td_target *t, int32_t *days);
/* The rows of one target start at row i of the batch; how many there are. */
size_t td_report_rows_of(const td_batch *b, size_t i);
/* The label of an enum code for people (the rules' label), or the code itself when `t` is
 * no enum or the code has no label. */
const char *td_report_enum_label(const td_type *t, const char *code);
/* A number for people, with at most `decimals` decimals (trailing zeros dropped): "2.5",
 * "20000" in English; "2,5", "20.000" in Vietnamese (a dot between thousands, a decimal
 * comma). */
const char *td_report_num_text(double v, unsigned decimals, bool vi, char buf[48]);
/* The pace of a row not yet due as one sentence, into buf: "30 more needed in 12 months,
 * 2.5/month; last 3 months: 1.7/month — behind pace", in Vietnamese "cần thêm 30 trong 12
 * tháng, 2,5/tháng; 3 tháng qua: 1,7/tháng — chưa kịp tiến độ", from the catalog); without the part
 * after the semicolon when no month has passed yet. NULL when the row has no pace or
 * nothing more is needed. */
/* V rounded to DECIMALS (at most 6) half away from zero, as people round; never -0. */
double td_report_round(double v, unsigned decimals);
/* V rounded to an integer half away from zero: round(v) of C99, -0 kept. */
double td_report_round_int(double v);
const char *td_report_pace_text(const td_target_row *row, td_lang lang, char *buf, size_t size);
/* A scratch file for a format's spool; NULL when it cannot be made. */
FILE *td_report_spool(void);
/* True when a spool (or NULL) has not failed. */
bool td_report_spool_ok(FILE *spool);
/* Closes a spool (or NULL). */
void td_report_spool_close(FILE *spool);
/* Copies a spool from its start to `out`; false when reading or writing fails. */
bool td_report_copy(FILE *spool, FILE *out);

#endif
