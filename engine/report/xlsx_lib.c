/* libxlsxwriter opened at run time (xlsx_lib.h): neither the program nor the library links
 * it, so that only `eval -f xlsx` pays for loading it. Pipeline: report only. */
#include <dlfcn.h>
#include <string.h>

#include "xlsx_lib.h"

/* Its soname first (the headers we were built with), the development link as a fallback. */
static const char *const NAMES[] = {"libxlsxwriter.so.4", "libxlsxwriter.so"};

static bool find(void *h, const char *name, void *fn, size_t size)
{
    void *sym = dlsym(h, name);
    if (!sym)
        return false;
    /* a function pointer is stored through its bytes: ISO C has no cast from void * */
    memcpy(fn, &sym, size);
    return true;
}

#define FIND(f) find(l->handle, #f, &l->f, sizeof l->f)

bool td_xlsx_lib_open(td_xlsx_lib *l)
{
    memset(l, 0, sizeof *l);
    for (size_t i = 0; i < sizeof NAMES / sizeof NAMES[0] && !l->handle; i++)
        l->handle = dlopen(NAMES[i], RTLD_NOW | RTLD_LOCAL);
    if (!l->handle)
        return false;
    if (FIND(workbook_new_opt) && FIND(workbook_set_properties) &&
        FIND(workbook_add_worksheet) && FIND(workbook_add_format) && FIND(workbook_close) &&
        FIND(lxw_workbook_free) && FIND(worksheet_write_string) &&
        FIND(worksheet_write_number) && FIND(worksheet_write_datetime) &&
        FIND(worksheet_set_column) && FIND(worksheet_set_row) && FIND(worksheet_freeze_panes) &&
        FIND(worksheet_autofilter) && FIND(worksheet_conditional_format_range) &&
        FIND(format_set_bold) && FIND(format_set_bg_color) && FIND(format_set_bottom) &&
        FIND(format_set_text_wrap) && FIND(format_set_align) && FIND(format_set_num_format) &&
        FIND(format_set_font_size))
        return true;
    td_xlsx_lib_close(l);
    return false;
}

void td_xlsx_lib_close(td_xlsx_lib *l)
{
    if (l->handle)
        dlclose(l->handle);
    memset(l, 0, sizeof *l);
}
