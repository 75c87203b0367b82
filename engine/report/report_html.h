/* The HTML report's shared pieces: escaping, numbers in the reader's style, and the charts
 * (inline SVG burn-up, bar tables in plain HTML) that report_html.c puts on the page.
 * Pipeline: batch merge (in order) -> td_report_unit ... td_report_finish -> FILE *. */
#ifndef TD_REPORT_HTML_H
#define TD_REPORT_HTML_H

#include "report.h"

/* Writes s with & < > " ' escaped, so that data never becomes markup; invalid UTF-8 and
 * control characters other than tab and newline become U+FFFD. NULL writes nothing. */
void td_html_esc(FILE *out, const char *s);

/* Writes s inside a CSS string ("..."): everything but letters, digits, spaces and UTF-8
 * is a hex escape, so that no value ends the string or the style sheet. */
void td_html_css_str(FILE *out, const char *s);

/* A number as the reader writes it: in Vietnamese '.' between thousands, ',' before decimals
 * (20.000; 2,5); in English 20,000; 2.5. `decimals` < 0: integers bare, others with up to 15 significant digits;
 * else exactly that many decimals. "—" for NaN and infinities. */
const char *td_html_number(td_lang lang, double v, int decimals, char buf[64]);

/* A percentage rounded to one decimal place: "70,0 %" (a no-break space before %), "70.0%". */
const char *td_html_percent(td_lang lang, double p, char buf[64]);

/* A date: dd/mm/yyyy in Vietnamese, yyyy-mm-dd in English. */
void td_html_date(td_lang lang, FILE *out, int32_t days);

/* The burn-up chart of one target row: the achieved figure at each month end of the
 * batch's history and at the as-of date, against a straight line from the period's start
 * to the requirement at the due date, the as-of date marked. Inline SVG, no script. */
void td_html_burnup(FILE *out, const td_report *r, const td_batch *b, const td_target_row *row);

/* One row of a bar table: the label, a bar of value/max (the requirement of `row` marked
 * when it has one) and the figures; `cls` is the row's class (see td_html_row_class). */
void td_html_bar_row(td_lang lang, FILE *out, const char *label, const char *cls, double value,
                     double max, const td_target_row *row);

/* The rows of one target (n rows from the batch's row `first`) as a table of bars, with
 * the requirement marked: plain HTML, so that long labels wrap instead of being cut. */
void td_html_bars(FILE *out, const td_report *r, const td_batch *b, size_t first, size_t n);

/* The word for a row's status (met, not met, in progress), or NULL for a tally;
 * and its CSS class (met, missed, progress, tally). */
const char *td_html_row_status(td_lang lang, const td_target_row *row);
const char *td_html_row_class(const td_target_row *row);

#endif
