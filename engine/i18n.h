/* Languages of the messages (DESIGN Decision 13): the catalog of translations compiled from
 * po/vi.po into the library, looked up by the English text. Used by every stage that writes
 * words a person reads; docs/i18n.md tells how to mark a string and how to translate it. */
#ifndef TD_I18N_H
#define TD_I18N_H

#include "thidua.h"

/* Marks a string for xgettext without translating it here: a format string handed to the
 * diagnostics (td_diag_at, td_diag_set and the stages' finding helpers translate their
 * format themselves), or a table entry translated where it is printed. */
#define N_(s) s

/* The translation of msgid in `lang` (English: msgid itself). xgettext reads TR:2. */
#define TR(lang, s) td_gettext((lang), (s))
/* The same with a plural: the form for n. xgettext reads TRN:2,3. */
#define TRN(lang, s, p, n) td_ngettext((lang), (s), (p), (n))

/* Writes `text` with the marks of Vietnamese letters taken off (xã -> xa, phụ_nữ -> phu_nu,
 * Đ -> D) into out (size bytes, NUL-terminated, cut if too small); true when some letter
 * had marks. For "did you mean" on codes and field names, which are written without them. */
bool td_fold_vi(const char *text, char *out, size_t size);

/* The catalog of one language: a GNU .mo image produced by msgfmt at build time and embedded
 * as bytes (build/catalog_vi.c, tools/mo2c.sh). Read only; shared by every thread. */
extern const unsigned char td_catalog_vi[];
extern const unsigned long td_catalog_vi_size;

#endif
