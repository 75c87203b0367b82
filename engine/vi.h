/* Vietnamese text: letters with diacritics folded to their base letter, so that a name or a
 * code typed with diacritics (`chỉ_tiêu`, `xã`) can be matched and suggested unaccented. */
#ifndef TD_VI_H
#define TD_VI_H

#include <stddef.h>
#include <stdint.h>

/* The ASCII base of a Vietnamese letter (U+00C0..U+1EF9: à → a, Đ → D, ự → u), or 0 when
 * the code point is not a Vietnamese letter with a diacritic. */
char td_vi_base(uint32_t cp);

/* Writes s (n bytes of UTF-8) with every Vietnamese letter folded into out (size cap, always
 * NUL-terminated). Returns the length written, or (size_t)-1 when s holds a non-ASCII
 * character that is not a Vietnamese letter or out is too small. */
size_t td_vi_fold(const char *s, size_t n, char *out, size_t cap);

#endif
