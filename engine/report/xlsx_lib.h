/* libxlsxwriter, opened when an Excel report begins instead of when the program starts.
 * Pipeline: report (engine/report_xlsx.c) only. */
#ifndef TD_XLSX_LIB_H
#define TD_XLSX_LIB_H

#include <stdbool.h>
#include <xlsxwriter.h>

/* The functions the workbook report calls, found in the library at run time. Linked, the
 * library and what it loads (OpenSSL's libcrypto, minizip, zlib) cost every run of every
 * command about 3 ms before main: a sixth of a one-file `thidua validate` (docs/performance.md,
 * lever 5). Each report holds its own copy: no global. */
typedef struct td_xlsx_lib {
    void *handle;   /* owned: td_xlsx_lib_close */
    __typeof__(workbook_new_opt) *workbook_new_opt;
    __typeof__(workbook_set_properties) *workbook_set_properties;
    __typeof__(workbook_add_worksheet) *workbook_add_worksheet;
    __typeof__(workbook_add_format) *workbook_add_format;
    __typeof__(workbook_close) *workbook_close;
    __typeof__(lxw_workbook_free) *lxw_workbook_free;
    __typeof__(worksheet_write_string) *worksheet_write_string;
    __typeof__(worksheet_write_number) *worksheet_write_number;
    __typeof__(worksheet_write_datetime) *worksheet_write_datetime;
    __typeof__(worksheet_set_column) *worksheet_set_column;
    __typeof__(worksheet_set_row) *worksheet_set_row;
    __typeof__(worksheet_freeze_panes) *worksheet_freeze_panes;
    __typeof__(worksheet_autofilter) *worksheet_autofilter;
    __typeof__(worksheet_conditional_format_range) *worksheet_conditional_format_range;
    __typeof__(format_set_bold) *format_set_bold;
    __typeof__(format_set_bg_color) *format_set_bg_color;
    __typeof__(format_set_bottom) *format_set_bottom;
    __typeof__(format_set_text_wrap) *format_set_text_wrap;
    __typeof__(format_set_align) *format_set_align;
    __typeof__(format_set_num_format) *format_set_num_format;
    __typeof__(format_set_font_size) *format_set_font_size;
} td_xlsx_lib;

/* Opens the library and finds every function; false (and *l zeroed) when the library or one
 * of them is missing. */
bool td_xlsx_lib_open(td_xlsx_lib *l);
/* Closes what td_xlsx_lib_open opened; nothing for a zeroed *l. */
void td_xlsx_lib_close(td_xlsx_lib *l);

#endif
