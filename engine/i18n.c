/* Languages of the messages: choosing one from a name or from LANGUAGE, and looking a message
 * up in the catalog compiled into the library. Read only; used by every stage and the CLI. */
#include "i18n.h"

#include <errno.h>
#include <string.h>

/* A .mo image (GNU gettext's format, written by msgfmt): a header of 32-bit words, then two
 * tables of (length, offset) pairs, the original strings sorted byte-wise and their
 * translations in the same order. Read with memcpy: the bytes need not be aligned. */
typedef struct mo {
    const unsigned char *bytes;
    unsigned long size;
    bool swap;          /* written on a machine of the other byte order */
    uint32_t n;         /* strings */
    uint32_t orig, tran; /* byte offsets of the two tables */
} mo;

static uint32_t word(const mo *m, uint32_t off)
{
    uint32_t v;
    if ((unsigned long)off + 4 > m->size)
        return 0;
    memcpy(&v, m->bytes + off, 4);
    if (m->swap)
        v = (v >> 24) | ((v >> 8) & 0xFF00u) | ((v << 8) & 0xFF0000u) | (v << 24);
    return v;
}

static bool mo_open(mo *m, const unsigned char *bytes, unsigned long size)
{
    *m = (mo){bytes, size, false, 0, 0, 0};
    uint32_t magic = word(m, 0);
    if (magic == 0xde120495u)
        m->swap = true;
    else if (magic != 0x950412deu)
        return false;
    m->n = word(m, 8);
    m->orig = word(m, 12);
    m->tran = word(m, 16);
    return (unsigned long)m->orig + 8ul * m->n <= size && (unsigned long)m->tran + 8ul * m->n <= size;
}

/* The string of table entry i (NUL-terminated in the image), or NULL when out of bounds. */
static const char *entry(const mo *m, uint32_t table, uint32_t i, uint32_t *len)
{
    *len = word(m, table + 8 * i);
    uint32_t off = word(m, table + 8 * i + 4);
    if ((unsigned long)off + *len >= m->size)
        return NULL;
    return (const char *)m->bytes + off;
}

/* Binary search of msgid among the original strings (a plural entry holds "one\0other":
 * strcmp stops at its first NUL, so it is found by its singular). */
static const char *lookup(const unsigned char *bytes, unsigned long size, const char *msgid,
                          uint32_t *len)
{
    mo m;
    if (!msgid || !*msgid || !mo_open(&m, bytes, size))
        return NULL;
    uint32_t lo = 0, hi = m.n;
    while (lo < hi) {
        uint32_t mid = lo + (hi - lo) / 2, olen;
        const char *o = entry(&m, m.orig, mid, &olen);
        if (!o)
            return NULL;
        int c = strcmp(msgid, o);
        if (c == 0)
            return entry(&m, m.tran, mid, len);
        if (c < 0)
            hi = mid;
        else
            lo = mid + 1;
    }
    return NULL;
}

const char *td_gettext(td_lang lang, const char *msgid)
{
    uint32_t len;
    const char *t = lang == TD_LANG_VI ? lookup(td_catalog_vi, td_catalog_vi_size, msgid, &len)
                                       : NULL;
    return t && *t ? t : msgid;
}

const char *td_ngettext(td_lang lang, const char *msgid, const char *plural, unsigned long n)
{
    uint32_t len;
    /* Vietnamese has one form for every number (Plural-Forms: nplurals=1) */
    const char *t = lang == TD_LANG_VI ? lookup(td_catalog_vi, td_catalog_vi_size, msgid, &len)
                                       : NULL;
    if (t && *t)
        return t;
    return n == 1 ? msgid : plural;
}

const char *td_strerror(td_lang lang, int err, char *buf, size_t size)
{
    /* the system's own words are English (the C locale); the reasons a user meets reading
     * and writing files are the catalog's */
    switch (err) {
    case ENOENT: return TR(lang, "No such file or directory");
    case EACCES: return TR(lang, "Permission denied");
    case ENOTDIR: return TR(lang, "Not a directory");
    case EISDIR: return TR(lang, "Is a directory");
    case ENOSPC: return TR(lang, "No space left on device");
    case EINVAL: return TR(lang, "Invalid argument");
    case EFBIG: return TR(lang, "File too large");
    case EROFS: return TR(lang, "Read-only file system");
    case ELOOP: return TR(lang, "Too many levels of symbolic links");
    case ENAMETOOLONG: return TR(lang, "File name too long");
    case EEXIST: return TR(lang, "File exists");
    case ENOMEM: return TR(lang, "Cannot allocate memory");
    case EIO: return TR(lang, "Input/output error");
    case EPIPE: return TR(lang, "Broken pipe");
    case EADDRINUSE: return TR(lang, "Address already in use");
    case EADDRNOTAVAIL: return TR(lang, "Cannot assign requested address");
    default: break;
    }
    if (!buf || !size)
        return "";
    /* GNU strerror_r: the text may be static or in buf; thread-safe either way */
    return strerror_r(err, buf, size);
}

td_lang td_lang_parse(const char *name)
{
    if (!name)
        return TD_LANG_AUTO;
    /* a language code, then optionally _TERRITORY, .CODESET or @MODIFIER, as in a locale
     * name (vi_VN.UTF-8) */
    size_t n = strcspn(name, "_.@");
    if (n == 2 && strncmp(name, "vi", 2) == 0)
        return TD_LANG_VI;
    if (n == 2 && strncmp(name, "en", 2) == 0)
        return TD_LANG_EN;
    return TD_LANG_AUTO;
}

td_lang td_lang_from_list(const char *list)
{
    /* LANGUAGE as gettext reads it: a colon-separated list, the first usable one wins */
    while (list && *list) {
        size_t n = strcspn(list, ":");
        char one[64];
        if (n < sizeof one) {
            memcpy(one, list, n);
            one[n] = '\0';
            td_lang l = td_lang_parse(one);
            if (l != TD_LANG_AUTO)
                return l;
        }
        list += n;
        if (*list == ':')
            list++;
    }
    return TD_LANG_AUTO;
}

const char *td_lang_code(td_lang lang)
{
    return lang == TD_LANG_VI ? "vi" : "en";
}

/* The Vietnamese letters with marks, by the letter without them. */
static const struct {
    char base;
    const char *marked;     /* UTF-8, one after another */
} VI_LETTERS[] = {
    {'a', "àáảãạăằắẳẵặâầấẩẫậ"}, {'A', "ÀÁẢÃẠĂẰẮẲẴẶÂẦẤẨẪẬ"},
    {'e', "èéẻẽẹêềếểễệ"},       {'E', "ÈÉẺẼẸÊỀẾỂỄỆ"},
    {'i', "ìíỉĩị"},             {'I', "ÌÍỈĨỊ"},
    {'o', "òóỏõọôồốổỗộơờớởỡợ"}, {'O', "ÒÓỎÕỌÔỒỐỔỖỘƠỜỚỞỠỢ"},
    {'u', "ùúủũụưừứửữự"},       {'U', "ÙÚỦŨỤƯỪỨỬỮỰ"},
    {'y', "ỳýỷỹỵ"},             {'Y', "ỲÝỶỸỴ"},
    {'d', "đ"},                 {'D', "Đ"},
};

/* The letter without marks of the UTF-8 character at s (n bytes), or 0. */
static char unmarked(const char *s, size_t n)
{
    for (size_t i = 0; i < sizeof VI_LETTERS / sizeof VI_LETTERS[0]; i++) {
        const char *m = VI_LETTERS[i].marked;
        for (const char *p = m; *p;) {
            size_t len = 1;
            while (p[len] && ((unsigned char)p[len] & 0xC0) == 0x80)
                len++;
            if (len == n && memcmp(p, s, n) == 0)
                return VI_LETTERS[i].base;
            p += len;
        }
    }
    return 0;
}

bool td_fold_vi(const char *text, char *out, size_t size)
{
    bool marked = false;
    size_t o = 0;
    for (const char *s = text; *s && o + 1 < size;) {
        size_t n = 1;
        while (s[n] && ((unsigned char)s[n] & 0xC0) == 0x80)
            n++;
        char base = n > 1 ? unmarked(s, n) : 0;
        if (base) {
            out[o++] = base;
            marked = true;
        } else if (o + n < size) {
            memcpy(out + o, s, n);
            o += n;
        } else {
            break;
        }
        s += n;
    }
    out[o] = '\0';
    return marked;
}
