/* The list of diagnostic codes (codes.h) as tables: each code's text and usual severity.
 * Used by every stage that reports, through td_diag_at and its wrappers. */
#include "codes.h"

#include <string.h>

static const char *const code_names[TD_CODE_COUNT] = {
#define TD_CODE_TEXT(name, text, sev) text,
    TD_CODES(TD_CODE_TEXT)
#undef TD_CODE_TEXT
};

static const td_severity code_sevs[TD_CODE_COUNT] = {
#define TD_CODE_SEV(name, text, sev) TD_SEV_##sev,
    TD_CODES(TD_CODE_SEV)
#undef TD_CODE_SEV
};

const char *td_code_name(td_code c)
{
    return (unsigned)c < TD_CODE_COUNT ? code_names[c] : "internal";
}

td_severity td_code_severity(td_code c)
{
    return (unsigned)c < TD_CODE_COUNT ? code_sevs[c] : TD_SEV_ERROR;
}

td_code td_code_of(const char *text)
{
    /* a diagnostic's code is td_code_name's text itself: found by address first, a rule's
     * finding (most of them) before the others */
    if (text == code_names[TD_CODE_RULE])
        return TD_CODE_RULE;
    for (unsigned i = 0; text && i < TD_CODE_COUNT; i++)
        if (code_names[i] == text)
            return (td_code)i;
    for (unsigned i = 0; text && i < TD_CODE_COUNT; i++)
        if (strcmp(code_names[i], text) == 0)
            return (td_code)i;
    return TD_CODE_COUNT;
}
