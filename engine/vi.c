/* Folding of Vietnamese letters: see vi.h. */
#include "vi.h"

#include "diag.h"

/* U+1EA0..U+1EF9, the Latin Extended Additional letters that Vietnamese uses, come in
 * upper/lower pairs grouped by base letter: A 24 code points, E 16, I 4, O 24, U 14, Y 8. */
static const struct {
    uint32_t last;
    char base;
} extended[] = {
    {0x1EB7, 'a'}, {0x1EC7, 'e'}, {0x1ECB, 'i'}, {0x1EE3, 'o'}, {0x1EF1, 'u'}, {0x1EF9, 'y'},
};

/* U+00C0..U+00FF: only the letters Vietnamese writes (À Á Â Ã È É Ê Ì Í Ò Ó Ô Õ Ù Ú Ý and
 * their small forms) have a base; the others are not Vietnamese. */
static char latin1_base(uint32_t cp)
{
    static const char table[64] = "AAAA\0\0\0\0EEE\0II\0\0" "\0\0OOOO\0\0\0UU\0\0Y\0\0"
                                  "aaaa\0\0\0\0eee\0ii\0\0" "\0\0oooo\0\0\0uu\0\0y\0\0";
    return table[cp - 0xC0];
}

char td_vi_base(uint32_t cp)
{
    if (cp >= 0xC0 && cp <= 0xFF)
        return latin1_base(cp);
    switch (cp) {
    case 0x102: return 'A'; /* Ă */
    case 0x103: return 'a';
    case 0x110: return 'D'; /* Đ */
    case 0x111: return 'd';
    case 0x128: return 'I'; /* Ĩ */
    case 0x129: return 'i';
    case 0x168: return 'U'; /* Ũ */
    case 0x169: return 'u';
    case 0x1A0: return 'O'; /* Ơ */
    case 0x1A1: return 'o';
    case 0x1AF: return 'U'; /* Ư */
    case 0x1B0: return 'u';
    default: break;
    }
    if (cp < 0x1EA0 || cp > 0x1EF9)
        return 0;
    for (size_t i = 0; i < sizeof extended / sizeof extended[0]; i++) {
        if (cp <= extended[i].last) {
            char c = extended[i].base;
            /* even code points are the capitals */
            return (cp % 2 == 0) ? (char)(c - 'a' + 'A') : c;
        }
    }
    return 0;
}

size_t td_vi_fold(const char *s, size_t n, char *out, size_t cap)
{
    size_t len = 0;
    for (size_t i = 0; i < n;) {
        unsigned char c = (unsigned char)s[i];
        char b = (char)c;
        size_t k = 1;
        if (c >= 0x80) {
            uint32_t cp;
            k = td_utf8_seq(s + i, n - i, &cp);
            b = k ? td_vi_base(cp) : 0;
            if (!b)
                return (size_t)-1;
        }
        if (len + 1 >= cap)
            return (size_t)-1;
        out[len++] = b;
        i += k;
    }
    if (cap)
        out[len] = '\0';
    return len;
}
