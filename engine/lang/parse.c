/* Parsing a rule file, or one expression of a message, into the AST: drives the flex scanner
 * and the bison parser and words their errors. Pipeline: rule text -> parse -> td_ast -> resolve. */
#include "parse.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "keywords.h"
#include "parser.h"
#include "lexer.h"
#include "i18n.h"
#include "vi.h"

static td_span span_at(const td_parse *p, uint32_t off, uint32_t len)
{
    td_span s = {p->src_index, off, len};
    return s;
}

/* Diagnostics. */

td_diagnostic *td_parse_error(td_parse *p, td_code code, td_span sp, const char *fmt, ...)
{
    if (p->stop)
        return NULL;
    if (p->errors >= TD_PARSE_MAX_ERRORS) {
        /* like a compiler: past this point, more messages are mostly echoes of the first */
        if (p->expr_mode)
            td_diag_at(p->diag, TD_SEV_INFO, TD_CODE_TOO_MANY_ERRORS, p->src, sp.off, sp.len,
                       "too many errors (%d); the rest of the expression was not checked",
                       TD_PARSE_MAX_ERRORS);
        else
            td_diag_at(p->diag, TD_SEV_INFO, TD_CODE_TOO_MANY_ERRORS, p->src, sp.off, sp.len,
                       "too many errors (%d); the rest of this file was not checked",
                       TD_PARSE_MAX_ERRORS);
        p->stop = true;
        return NULL;
    }
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    /* the format in the list's language (xgettext reads td_parse_error:4) */
    vsnprintf(msg, sizeof msg, td_gettext(td_diag_lang(p->diag), fmt), ap);
    va_end(ap);
    p->errors++;
    return td_diag_at(p->diag, TD_SEV_ERROR, code, p->src, sp.off, sp.len, "%s", msg);
}

/* A hint in the list's language (xgettext reads parse_hint:3). */
static void parse_hint(td_parse *p, td_diagnostic *e, const char *text)
{
    if (e)
        td_diag_set(p->diag, &e->hint, "%s", td_gettext(td_diag_lang(p->diag), text));
}

/* Words of a syntax error (a noun such as "a name"), in the list's language. */
static const char *word(const td_parse *p, const char *english)
{
    return td_gettext(td_diag_lang(p->diag), english);
}

static unsigned kw_flags(int tok);

/* The lexer. */

void td_lex_advance(td_parse *p, td_span *loc, size_t len)
{
    *loc = span_at(p, p->off, (uint32_t)len);
    p->off += (uint32_t)len;
}

int td_lex_token(td_parse *p, int token, const td_span *loc)
{
    for (int i = 2; i > 0; i--) {
        p->hist_tok[i] = p->hist_tok[i - 1];
        p->hist_span[i] = p->hist_span[i - 1];
    }
    p->hist_tok[0] = token;
    p->hist_span[0] = *loc;
    p->ntok++;
    /* what an `extend` names, for the message when its body is not fields (an enum) */
    if (token == T_EXTEND) {
        p->in_extend = true;
        p->extend_first = -1;
    } else if (p->in_extend && p->extend_first < 0) {
        p->extend_first = token;
        p->extend_name = *loc;
    } else if (p->in_extend && (p->hist_tok[1] == T_RBRACE || (kw_flags(token) & TD_KW_DECL))) {
        p->in_extend = false; /* the body ended (a syntax error reads the brace first) */
    }
    return token;
}

int td_lex_begin(td_parse *p, td_span *loc)
{
    if (p->start_token) {
        int t = p->start_token;
        p->start_token = 0;
        *loc = span_at(p, p->off, 0);
        return td_lex_token(p, t, loc);
    }
    return p->stop ? td_lex_end(p, loc) : -1;
}

int td_lex_end(td_parse *p, td_span *loc)
{
    *loc = span_at(p, p->off, 0);
    return td_lex_token(p, T_EOF, loc);
}

void *td_lex_reserve(td_parse *p, size_t size)
{
    if (!p)
        return NULL;
    p->oom = p->stop = true;
    size = (size + 15) & ~(size_t)15;
    if (size > sizeof p->reserve - p->reserve_used)
        return NULL;
    void *m = p->reserve + p->reserve_used;
    p->reserve_used += size;
    return m;
}

bool td_lex_owns(const td_parse *p, const void *ptr)
{
    if (!p)
        return false;
    uintptr_t a = (uintptr_t)ptr, lo = (uintptr_t)p->reserve;
    return a >= lo && a < lo + sizeof p->reserve;
}

const char *td_lex_text(td_parse *p, const char *s, size_t len)
{
    char *t = p->oom ? NULL : td_arena_strndup(p->arena, s, len);
    if (!t) {
        p->oom = p->stop = true;
        return "";
    }
    return t;
}

td_num td_lex_number(const char *s, size_t len)
{
    /* digits as one integer, then one division: exact for the numbers rules hold, and
     * independent of the C locale's decimal point */
    td_num n = {0, true, 0, false};
    double m = 0, scale = 1;
    for (size_t i = 0; i < len; i++) {
        if (s[i] == '.') {
            n.is_int = false;
            continue;
        }
        m = m * 10 + (s[i] - '0');
        if (!n.is_int)
            scale *= 10;
        /* the integer exactly, never wrapping: a value past INT64_MAX is refused by the
         * constructor at the literal */
        if (n.is_int && (__builtin_mul_overflow(n.i, 10, &n.i) ||
                         __builtin_add_overflow(n.i, s[i] - '0', &n.i)))
            n.too_big = true;
    }
    n.value = m / scale;
    if (!isfinite(n.value))
        n.too_big = true;
    return n;
}

td_str td_lex_string(td_parse *p, const char *s, size_t len, td_span sp)
{
    td_str out = {"", sp};
    const unsigned char *u = (const unsigned char *)s;
    /* written up to its NUL below: not zeroed first */
    char *buf = p->oom ? NULL : td_arena_alloc_raw(p->arena, len + 1);
    if (!buf) {
        p->oom = p->stop = true;
        return out;
    }
    size_t o = 0, i = 1;
    bool closed = false, bad_escape = false, bad_byte = false;
    while (i < len) {
        unsigned char c = u[i];
        uint32_t cp;
        if (c == '"') {
            closed = true;
            break;
        }
        if (c == '\\' && i + 1 < len) {
            char r = 0;
            switch (s[i + 1]) {
            case '"': r = '"'; break;
            case '\\': r = '\\'; break;
            case 'n': r = '\n'; break;
            case 't': r = '\t'; break;
            case '{': r = '{'; break;
            case '}': r = '}'; break;
            default: break;
            }
            if (r) {
                buf[o++] = r;
                i += 2;
                continue;
            }
            if (!bad_escape) {
                size_t k = td_utf8_seq((const char *)u + i + 1, len - i - 1, &cp);
                td_diagnostic *e = td_parse_error(
                    p, TD_CODE_BAD_ESCAPE,
                    span_at(p, sp.off + (uint32_t)i, (uint32_t)(1 + (k ? k : 1))),
                    "unknown escape '\\%.*s' in a string", (int)(k ? k : 1), s + i + 1);
                parse_hint(p, e, "the escapes are \\\" \\\\ \\n \\t \\{ \\}; write \\\\ for a backslash");
            }
            bad_escape = true;
            buf[o++] = '\\';
            i++;
            continue;
        }
        if (c && c < 0x80) {
            buf[o++] = (char)c; /* ASCII, the common case, needs no decoding */
            i++;
            continue;
        }
        size_t k = c ? td_utf8_seq((const char *)u + i, len - i, &cp) : 0;
        if (!k) {
            if (!bad_byte) {
                td_diagnostic *e =
                    c ? td_parse_error(p, TD_CODE_INVALID_UTF8, span_at(p, sp.off + (uint32_t)i, 1),
                                       "invalid UTF-8 byte 0x%02X in a string", c)
                      : td_parse_error(p, TD_CODE_INVALID_CHARACTER,
                                       span_at(p, sp.off + (uint32_t)i, 1),
                                       "invalid character U+0000 in a string");
                parse_hint(p, e, c ? N_("save the file as UTF-8") : N_("remove the NUL byte"));
            }
            bad_byte = true;
            i++;
            continue;
        }
        for (size_t j = 0; j < k; j++) /* 2 to 4 bytes: no call to memcpy */
            buf[o++] = s[i++];
    }
    buf[o] = '\0';
    out.text = buf;
    if (!closed) {
        td_diagnostic *e = td_parse_error(p, TD_CODE_UNTERMINATED_STRING, sp,
                                          "unterminated string: the closing '\"' is missing");
        parse_hint(p, e, "a string ends on the line where it starts; write \\n for a line break");
    }
    return out;
}

td_str td_lex_quoted(td_parse *p, const char *s, size_t len, td_span sp, size_t quote_len)
{
    td_str out = {"", sp};
    size_t n = len - 2 * quote_len;
    td_diagnostic *e =
        quote_len == 1
            ? td_parse_error(p, TD_CODE_BAD_QUOTE, sp,
                             "strings are written between double quotes, not single quotes")
            : td_parse_error(p, TD_CODE_BAD_QUOTE, sp,
                             "strings are written between straight double quotes, not “ ”");
    if (e)
        td_diag_set(p->diag, &e->hint, N_("write \"%.*s\""), (int)n, s + quote_len);
    out.text = td_lex_text(p, s + quote_len, n);
    return out;
}

void td_lex_comment(td_parse *p, const char *s, size_t len, td_span sp)
{
    const unsigned char *u = (const unsigned char *)s;
    for (size_t i = 0; i < len;) {
        uint32_t cp;
        if (u[i] && u[i] < 0x80) {
            i++; /* ASCII, the common case, needs no decoding */
            continue;
        }
        size_t k = u[i] ? td_utf8_seq((const char *)u + i, len - i, &cp) : 0;
        if (!k) {
            td_diagnostic *e =
                u[i] ? td_parse_error(p, TD_CODE_INVALID_UTF8, span_at(p, sp.off + (uint32_t)i, 1),
                                      "invalid UTF-8 byte 0x%02X in a comment", u[i])
                     : td_parse_error(p, TD_CODE_INVALID_CHARACTER,
                                      span_at(p, sp.off + (uint32_t)i, 1),
                                      "invalid character U+0000 in a comment");
            parse_hint(p, e, u[i] ? N_("save the file as UTF-8") : N_("remove the NUL byte"));
            break;
        }
        i += k;
    }
    /* a trailing CR belongs to the line ending, not to the comment */
    if (sp.len && s[len - 1] == '\r')
        sp.len--;
    p->comments = ast_vec_push(p, p->comments, &sp, sizeof sp);
}

void td_lex_invalid(td_parse *p, const char *s, size_t len, td_span sp)
{
    const unsigned char *u = (const unsigned char *)s;
    uint32_t cp = u[0];
    td_diagnostic *e;
    if (len == 1 && cp >= 0x80) {
        e = td_parse_error(p, TD_CODE_INVALID_UTF8, sp, "invalid UTF-8 byte 0x%02X", u[0]);
        parse_hint(p, e, "save the file as UTF-8");
        return;
    }
    if (len > 1)
        td_utf8_seq((const char *)u, len, &cp);
    if (len == 2 && cp < 0x80)
        e = td_parse_error(p, TD_CODE_INVALID_CHARACTER, sp, "invalid operator '%.2s'", s);
    else if (cp > 0x20 && cp < 0x7F)
        e = td_parse_error(p, TD_CODE_INVALID_CHARACTER, sp, "invalid character '%c'", (int)cp);
    else if (cp < 0x80)
        e = td_parse_error(p, TD_CODE_INVALID_CHARACTER,
                           sp, "invalid character U+%04X", (unsigned)cp);
    else
        e = td_parse_error(p, TD_CODE_INVALID_CHARACTER, sp, "invalid character '%.*s' (U+%04X)",
                           (int)len, s, (unsigned)cp);
    switch (cp) {
    case '\'': parse_hint(p, e, "strings are written between double quotes: \"...\""); break;
    case '!': parse_hint(p, e, "write 'not' to negate, or '!=' to compare"); break;
    case '&': parse_hint(p, e, "write 'and'"); break;
    case '|': parse_hint(p, e, "write 'or'"); break;
    case ';': parse_hint(p, e, "declarations need no separator; remove it"); break;
    case 0x201C:
    case 0x201D:
    case 0x201E: parse_hint(p, e, "write strings between straight double quotes: \"...\""); break;
    case 0xA0: parse_hint(p, e, "a non-breaking space: replace it with an ordinary space"); break;
    default: break;
    }
}

/* A date written the Vietnamese way, D/M/YYYY (`30/11/2025`): one error saying how to
 * write it, and the date in ISO form so that the parse goes on without a cascade. */
const char *td_lex_dmy(td_parse *p, const char *s, size_t len, td_span sp)
{
    unsigned d = 0, m = 0, y = 0;
    char iso[16];
    const char *t = s, *end = s + len;
    while (t < end && *t != '/')
        d = d * 10 + (unsigned)(*t++ - '0');
    for (t++; t < end && *t != '/'; t++)
        m = m * 10 + (unsigned)(*t - '0');
    for (t++; t < end; t++)
        y = y * 10 + (unsigned)(*t - '0');
    snprintf(iso, sizeof iso, "%04u-%02u-%02u", y % 10000, m % 100, d % 100);
    td_diagnostic *e = td_parse_error(p, TD_CODE_DATE_FORMAT, sp,
                                      "'%.*s' is a date written day/month/year", (int)len, s);
    if (e)
        td_diag_set(p->diag, &e->hint, N_("write dates as YYYY-MM-DD: %s"), iso);
    return td_lex_text(p, iso, strlen(iso));
}

/* A run of letters, digits, underscores and non-ASCII characters that is longer than a
 * name. When its non-ASCII characters are all Vietnamese letters (`chỉ_tiêu`) it is a name
 * written with diacritics: one error with the unaccented name, which *folded receives.
 * Otherwise the length of what the scanner should take now: the ASCII name before the
 * first non-ASCII character, or that character alone. */
size_t td_lex_name_run(td_parse *p, const char *s, size_t len, td_span sp, const char **folded)
{
    char buf[256];
    *folded = NULL;
    if (len < sizeof buf && td_vi_fold(s, len, buf, sizeof buf) != (size_t)-1) {
        td_diagnostic *e = td_parse_error(p, TD_CODE_NAME_DIACRITICS, sp,
                                          "a name written with diacritics: '%.*s'", (int)len, s);
        if (e)
            td_diag_set(p->diag, &e->hint,
                        N_("names are written without diacritics (tên viết không dấu): %s"), buf);
        *folded = td_lex_text(p, buf, strlen(buf));
        return len;
    }
    size_t ascii = 0;
    while (ascii < len && (unsigned char)s[ascii] < 0x80)
        ascii++;
    if (ascii)
        return ascii;
    uint32_t cp;
    size_t k = td_utf8_seq(s, len, &cp);
    return k ? k : 1;
}

/* The scanner took back all but `keep` bytes of the token it matched (yyless). */
void td_lex_shorten(td_parse *p, td_span *loc, size_t keep)
{
    p->off = loc->off + (uint32_t)keep;
    loc->len = (uint32_t)keep;
}

void td_lex_fatal(td_parse *p, const char *msg)
{
    if (strstr(msg, "memory"))
        p->oom = true;
    td_parse_error(p, TD_CODE_INTERNAL,
                   span_at(p, p->off, 0), "the rule text could not be scanned: %s",
                   msg);
    p->stop = true;
}

/* Starts scanning again at `off`, so that a declaration keyword that was taken as a name
 * inside a broken declaration begins the next one. Only ever moves forward. */
static void rewind_to(td_parse *p, uint32_t off)
{
    if (off <= p->resync_floor || off < p->base || off >= p->end)
        return;
    YY_BUFFER_STATE b =
        td_yy_scan_buffer(p->buf + (off - p->base), (yy_size_t)(p->end - off) + 2, p->scanner);
    if (!b)
        return;
    td_yy_delete_buffer(p->lexbuf, p->scanner);
    p->lexbuf = b;
    p->off = off;
    p->resync_floor = off;
}

/* Syntax errors. */

static bool has(const int *toks, int n, int t)
{
    for (int i = 0; i < n; i++)
        if (toks[i] == t)
            return true;
    return false;
}

static unsigned kw_flags(int tok)
{
    const td_keyword *kw = td_keyword_of_token(tok);
    return kw ? kw->flags : 0;
}

static bool is_operator(int t)
{
    switch (t) {
    case T_OR:
    case T_AND:
    case T_EQ:
    case T_NE:
    case T_LT:
    case T_LE:
    case T_GT:
    case T_GE:
    case T_IN:
    case T_NOT_IN:
    case T_PLUS:
    case T_MINUS:
    case T_STAR:
    case T_SLASH:
    case T_DOT:
    case T_LPAREN: return true;
    default: return false;
    }
}

static bool starts_expr(int t)
{
    switch (t) {
    case T_IDENT:
    case T_NUMBER:
    case T_STRING:
    case T_DATE:
    case T_MONTH:
    case T_LPAREN:
    case T_LBRACKET:
    case T_MINUS:
    case T_NOT: return true;
    default: return (kw_flags(t) & (TD_KW_NAME | TD_KW_EXPR)) != 0;
    }
}

/* What has to follow token t: "a name" or "an expression". */
static const char *wanted_after(int t)
{
    switch (t) {
    case T_DOT:
    case T_ON:
    case T_HISTORY:
    case T_STATE:
    case T_DATED:
    case T_EVIDENCE:
    case T_DOCUMENT:
    case T_LET:
    case T_ENUM:
    case T_RECORD:
    case T_EXTEND:
    case T_PARAM:
    case T_SET:
    case T_DEFINE:
    case T_DISABLE:
    case T_WAIVE:
    case T_CRITERION:
    case T_TARGET:
    case T_WORKFLOW:
    case T_COUNT:
    case T_OF:
    case T_COLON:
    case T_REQUIRED:
    case T_OPTIONAL:
    case T_ALL:
    case T_ANY:
    case T_NONE:
    case T_EACH:
    case T_IN: return N_("a name");
    case T_COMMA: return N_("another item");
    default: return N_("an expression");
    }
}

/* The found token for a message: its text, quoted, or what it is. */
static void describe(const td_parse *p, int tok, td_span at, char *buf, size_t size)
{
    if (tok == T_EOF) {
        snprintf(buf, size, "%s",
                 p->expr_mode ? word(p, N_("the end of the expression"))
                              : word(p, N_("the end of the file")));
        return;
    }
    if (tok == T_STRING) {
        snprintf(buf, size, "%s", word(p, N_("a string")));
        return;
    }
    if (tok == T_NOT_IN) {
        snprintf(buf, size, "\"not in\"");
        return;
    }
    const char *s = p->src->text + at.off;
    size_t n = at.len;
    bool cut = false;
    if (n > 40) {
        n = 40;
        while (n > 0 && ((unsigned char)s[n] & 0xC0) == 0x80)
            n--;
        cut = true;
    }
    snprintf(buf, size, "\"%.*s%s\"", (int)n, s, cut ? "..." : "");
}

static bool at_line_start(const td_parse *p, uint32_t off)
{
    for (; off > p->base; off--) {
        char c = p->src->text[off - 1];
        if (c == '\n')
            return true;
        if (c != ' ' && c != '\t' && c != '\r')
            return false;
    }
    return true;
}

/* The error right after a clause or declaration keyword that the grammar took as a name
 * (`require` followed by `message "..."` on the next line): the keyword was meant, and the
 * part before it is missing. Returns true when it reported. */
static bool keyword_meant(td_parse *p, int found)
{
    int ktok = p->hist_tok[1], btok = p->hist_tok[2];
    td_span k = p->hist_span[1];
    unsigned flags = kw_flags(ktok);
    if (!p->has_kw_name || k.off != p->kw_name_span.off || k.len != p->kw_name_span.len)
        return false;
    if (!(flags & (TD_KW_DECL | TD_KW_CLAUSE)) || btok < 0 || btok == T_START_FILE ||
        btok == T_START_EXPR)
        return false;
    bool takes_string = ktok == T_MESSAGE || ktok == T_HINT || ktok == T_CITE || ktok == T_BECAUSE;
    if (!at_line_start(p, k.off) && !(takes_string && found == T_STRING))
        return false;
    const char *kw = td_token_spelling(ktok), *before = td_token_spelling(btok);
    /* TRANSLATORS: the first %s is "a name", "another item" or "an expression"; the others
     * are keywords of the rule language */
    td_diagnostic *e = td_parse_error(p, TD_CODE_SYNTAX,
                                      k, "expected %s after \"%s\", found \"%s\"",
                                      word(p, wanted_after(btok)), before, kw);
    if (e && (flags & TD_KW_DECL))
        td_diag_set(p->diag, &e->hint,
                    N_("\"%s\" starts a declaration here; complete what comes before it"), kw);
    else if (e)
        td_diag_set(p->diag, &e->hint,
                    N_("\"%s\" starts a clause here; complete what comes before it"), kw);
    /* the parser skips to a declaration keyword: let it find this one */
    if ((flags & TD_KW_DECL) && found != T_EOF && !(kw_flags(found) & TD_KW_DECL))
        rewind_to(p, k.off);
    return true;
}

/* A reserved keyword right where a declaration wants its name (`param all`). */
static bool reserved_name(td_parse *p, int found, td_span at, const int *expected, int n)
{
    if (found == T_IDENT || !kw_flags(found) || !has(expected, n, T_IDENT) ||
        p->hist_tok[1] < 0 || !(kw_flags(p->hist_tok[1]) & TD_KW_DECL))
        return false;
    const char *kw = td_token_spelling(found);
    td_diagnostic *e = td_parse_error(p, TD_CODE_KEYWORD_AS_NAME, at,
                                      "'%s' is a keyword of the rule language, not a name", kw);
    if (e)
        td_diag_set(p->diag, &e->hint, N_("choose another name, e.g. %s_%s"), kw,
                    td_token_spelling(p->hist_tok[1]));
    return true;
}

/* `count exemplars where ...`: a function's argument written without its parentheses. */
static bool call_without_parens(td_parse *p, int found, td_span at)
{
    int fn = p->hist_tok[1];
    if ((fn != T_COUNT && fn != T_SUM && fn != T_MIN && fn != T_MAX) ||
        (found != T_IDENT && !kw_flags(found)))
        return false;
    const char *name = td_token_spelling(fn);
    td_diagnostic *e = td_parse_error(p, TD_CODE_SYNTAX, p->hist_span[1],
                                      "'%s' takes what it counts in parentheses", name);
    if (e)
        td_diag_set(p->diag, &e->hint,
                    N_("write %s(%.*s ...): the list and its `where` go between the parentheses"),
                    name, (int)at.len, p->src->text + at.off);
    return true;
}

/* A decimal comma, as Vietnamese writes numbers (`0,5`). */
static bool decimal_comma(td_parse *p, int found, td_span at)
{
    td_span num = p->hist_span[1];
    const char *t = p->src->text;
    if (found != T_COMMA || p->hist_tok[1] != T_NUMBER || num.off + num.len != at.off ||
        at.off + 1 >= p->end || t[at.off + 1] < '0' || t[at.off + 1] > '9')
        return false;
    uint32_t end = at.off + 1;
    while (end < p->end && t[end] >= '0' && t[end] <= '9')
        end++;
    td_span all = {num.src, num.off, end - num.off};
    td_diagnostic *e = td_parse_error(p, TD_CODE_DECIMAL_COMMA, all,
                                      "'%.*s' is written with a decimal comma", (int)all.len,
                                      t + all.off);
    if (e)
        td_diag_set(p->diag, &e->hint, N_("write decimals with a point: %.*s.%.*s"), (int)num.len,
                    t + num.off, (int)(end - at.off - 1), t + at.off + 1);
    return true;
}

/* The length of the dotted id (exemplars.total) written at byte off. */
static int dotted_len(const td_parse *p, uint32_t off)
{
    uint32_t e = off;
    while (e < p->end) {
        char c = p->src->text[e];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '_' || c == '.'))
            break;
        e++;
    }
    while (e > off && p->src->text[e - 1] == '.')
        e--;
    return (int)(e - off);
}

/* A token that can be a name (an identifier or a soft keyword). */
static bool name_like(int t)
{
    return t == T_IDENT || (kw_flags(t) & TD_KW_NAME);
}

/* Overlay forms a reader would guess (`extend tag { cao_tuoi "..." }` for an enum,
 * `replace tag { ... }`, `extend target ID`, `disable target ID`, `disable ID "reason"`):
 * one error that says what to write instead. The forms the grammar can read whole are in
 * engine/ast.c (ast_extend_record...). */
static bool overlay_form(td_parse *p, int found, td_span at, const int *expected, int n)
{
    const char *t = p->src->text;
    int prev = p->hist_tok[1], before = p->hist_tok[2];
    td_span ps = p->hist_span[1];
    td_diagnostic *e = NULL;
    if (p->in_extend && name_like(p->extend_first) && has(expected, n, T_COLON) &&
        name_like(prev) && !has(expected, n, T_IDENT)) {
        td_span nm = p->extend_name;
        e = td_parse_error(p, TD_CODE_OVERLAY_FORM, ps, "expected \":\" and a type after '%.*s': "
                           "`extend %.*s { ... }` adds fields to a record",
                           (int)ps.len, t + ps.off, (int)nm.len, t + nm.off);
        if (e)
            td_diag_set(p->diag, &e->hint, N_("to add codes to an enum, write extend enum %.*s "
                                              "{ %.*s \"label\" }; a field is written "
                                              "optional %.*s: text \"label\""),
                        (int)nm.len, t + nm.off, (int)ps.len, t + ps.off, (int)ps.len,
                        t + ps.off);
    } else if (prev == T_REPLACE && name_like(found) && found != T_TARGET && found != T_INDEX &&
               found != T_NOTE) {
        e = td_parse_error(p, TD_CODE_OVERLAY_FORM,
                           at, "`replace` says what kind of declaration it "
                           "replaces");
        if (e)
            td_diag_set(p->diag, &e->hint, N_("write replace enum %.*s { ... } or replace record "
                                              "%.*s { ... }; a rule: replace criterion (target, "
                                              "workflow, index, note) ID ..."),
                        (int)at.len, t + at.off, (int)at.len, t + at.off);
    } else if (before == T_EXTEND && (prev == T_TARGET || prev == T_INDEX || prev == T_NOTE) &&
               name_like(found)) {
        const char *kind = td_token_spelling(prev);
        e = td_parse_error(p, TD_CODE_OVERLAY_FORM,
                           ps, "a %s cannot be extended: an overlay extends "
                           "an enum, a record or a workflow", kind);
        int il = dotted_len(p, at.off);
        if (e)
            td_diag_set(p->diag, &e->hint, N_("to change %s %.*s, write the whole new one as "
                                              "`replace %s %.*s ...`"),
                        kind, il, t + at.off, kind, il, t + at.off);
    } else if (before == T_DISABLE && (prev == T_TARGET || prev == T_INDEX || prev == T_NOTE) &&
               name_like(found)) {
        e = td_parse_error(p, TD_CODE_OVERLAY_FORM, ps, "`disable` takes the id alone, without the "
                           "kind of what it switches off");
        if (e)
            td_diag_set(p->diag, &e->hint, N_("write disable %.*s because \"...\""),
                        dotted_len(p, at.off), t + at.off);
    } else if (found == T_STRING && name_like(prev) && has(expected, n, T_BECAUSE) &&
               (before == T_DISABLE || before == T_DOT)) {
        e = td_parse_error(p, TD_CODE_OVERLAY_FORM,
                           at, "the reason of a `disable` follows the word "
                           "`because`");
        if (e)
            td_diag_set(p->diag, &e->hint, N_("write because before it: because %.*s"),
                        (int)at.len, t + at.off);
    } else {
        return false;
    }
    return true;
}

#define MAX_EXPECTED 192

void td_parse_syntax_error(td_parse *p, int found, td_span at, const int *expected, int n)
{
    if (p->stop || p->oom || found == T_INVALID)
        return; /* the lexer has reported the invalid character */
    if (keyword_meant(p, found))
        return;
    if (overlay_form(p, found, at, expected, n) || reserved_name(p, found, at, expected, n) ||
        decimal_comma(p, found, at) || call_without_parens(p, found, at))
        return;
    if (n > MAX_EXPECTED)
        n = MAX_EXPECTED;
    if (found == T_EOF && p->hist_tok[1] >= 0) {
        /* point just after the last token rather than at the end of the file */
        at.off = p->hist_span[1].off + p->hist_span[1].len;
        at.len = 0;
    }

    bool used[MAX_EXPECTED] = {false};
    bool expr_ctx = has(expected, n, T_IDENT) && has(expected, n, T_NUMBER);
    bool name_ctx = !expr_ctx && has(expected, n, T_IDENT);
    bool op_ctx = has(expected, n, T_PLUS) && has(expected, n, T_STAR);
    int ndecl = 0;
    for (int i = 0; i < n; i++)
        if (kw_flags(expected[i]) & TD_KW_DECL)
            ndecl++;
    bool decl_ctx = !expr_ctx && !name_ctx && ndecl >= 10;
    for (int i = 0; i < n; i++) {
        int t = expected[i];
        if ((expr_ctx && starts_expr(t)) || (name_ctx && (t == T_IDENT || kw_flags(t))) ||
            (decl_ctx && (t == T_EOF || (kw_flags(t) & TD_KW_DECL))) || (op_ctx && is_operator(t)))
            used[i] = true;
    }
    int rest = 0, nclause = 0;
    for (int i = 0; i < n; i++) {
        if (!used[i]) {
            rest++;
            nclause += (kw_flags(expected[i]) & TD_KW_CLAUSE) != 0;
        }
    }
    int ncat = expr_ctx + name_ctx + op_ctx + decl_ctx;
    bool clause_ctx = ncat + rest > 4 && nclause >= 2;
    if (clause_ctx) {
        for (int i = 0; i < n; i++)
            if (!used[i] && (kw_flags(expected[i]) & TD_KW_CLAUSE))
                used[i] = true, rest--;
        ncat++;
    }
    if (ncat + rest > 4) {
        /* too many to list: leave out what would only continue the current item */
        for (int i = 0; i < n; i++) {
            int t = expected[i];
            if (!used[i] && (t == T_DOT || t == T_LPAREN || t == T_COMMA))
                used[i] = true, rest--;
        }
    }

    const char *items[MAX_EXPECTED + 8];
    char quoted[8][48];
    int ni = 0, nq = 0;
    if (expr_ctx)
        items[ni++] = word(p, N_("an expression"));
    if (name_ctx)
        items[ni++] = word(p, N_("a name"));
    if (op_ctx)
        items[ni++] = word(p, N_("an operator"));
    if (clause_ctx)
        items[ni++] = word(p, N_("a clause"));
    if (decl_ctx)
        items[ni++] = word(p, N_("a declaration"));
    bool eof = false;
    for (int i = 0; i < n; i++) {
        int t = expected[i];
        if (used[i])
            continue;
        if (t == T_EOF) {
            eof = true;
        } else if (t == T_IDENT || t == T_NUMBER || t == T_STRING || t == T_DATE || t == T_MONTH) {
            items[ni++] = word(p, td_token_spelling(t));
        } else if (nq < 8) {
            snprintf(quoted[nq], sizeof quoted[nq], "\"%s\"", td_token_spelling(t));
            items[ni++] = quoted[nq++];
        } else {
            items[ni++] = "...";
        }
    }
    if (eof)
        items[ni++] = p->expr_mode ? word(p, N_("the end of the expression"))
                                   : word(p, N_("the end of the file"));

    char what[96], list[512];
    describe(p, found, at, what, sizeof what);
    td_diagnostic *e;
    if (ni == 0 || ni > 4) {
        e = td_parse_error(p, TD_CODE_SYNTAX, at, "unexpected %s", what);
    } else {
        size_t len = 0;
        list[0] = '\0';
        for (int i = 0; i < ni; i++) {
            /* TRANSLATORS: joins the last two things expected: "a name or \")\"" */
            const char *sep = i == 0 ? "" : i == ni - 1 ? word(p, N_(" or ")) : ", ";
            int w = snprintf(list + len, sizeof list - len, "%s%s", sep, items[i]);
            if (w > 0 && (size_t)w < sizeof list - len)
                len += (size_t)w;
        }
        /* TRANSLATORS: "expected a name or \")\", found \"where\"" */
        e = td_parse_error(p, TD_CODE_SYNTAX, at, "expected %s, found %s", list, what);
    }
    if (!e)
        return;

    if (found == T_IDENT) {
        /* a misspelt keyword: suggest the nearest keyword the parser could take here */
        const char *cands[MAX_EXPECTED];
        size_t nc = 0;
        for (int i = 0; i < n; i++)
            if (kw_flags(expected[i]))
                cands[nc++] = td_token_spelling(expected[i]);
        char name[64];
        snprintf(name, sizeof name, "%.*s", (int)(at.len < 63 ? at.len : 63),
                 p->src->text + at.off);
        const char *sug = td_suggest(name, cands, nc);
        if (sug)
            td_diag_set(p->diag, &e->hint, N_("did you mean '%s'?"), sug);
    } else if (found == T_ASSIGN && has(expected, n, T_EQ)) {
        td_diag_set(p->diag, &e->hint, N_("to compare, write '=='"));
    }
}

void td_parse_too_deep(td_parse *p, td_span at)
{
    if (p->oom)
        return;
    td_diagnostic *e = td_parse_error(p, TD_CODE_TOO_DEEP, at, "too deeply nested to be parsed");
    parse_hint(p, e, "split the expression with `let`");
    p->stop = true;
}

void td_parse_nested_too_deep(td_parse *p, td_span at)
{
    if (p->oom)
        return;
    /* whatever else this parse finds, no declaration is kept (ast_add_decl) */
    p->deep = true;
    td_diagnostic *e = td_parse_error(p, TD_CODE_TOO_DEEP, at,
                                      "this expression is nested too deeply: more than %d "
                                      "levels (each term of a chain of `and`, `or` or `+` is "
                                      "one level)",
                                      TD_MAX_EXPR_DEPTH);
    parse_hint(p, e, "split it: give parts of it a name with `let` or `define`, then combine "
                     "the names");
    p->stop = true;
}

/* Driving the scanner and the parser. */

td_status td_parse_open(td_parse *p, td_arena *a, const td_source *src, uint32_t src_index,
                        td_diag *d, uint32_t off, uint32_t len, int start_token)
{
    memset(p, 0, sizeof *p);
    p->arena = a;
    p->src = src;
    p->src_index = src_index;
    p->diag = d;
    p->base = p->off = p->resync_floor = off;
    p->end = off + len;
    p->start_token = start_token;
    p->expr_mode = start_token == T_START_EXPR;
    for (int i = 0; i < 3; i++)
        p->hist_tok[i] = -1;
    p->buf = malloc((size_t)len + 2);
    if (!p->buf)
        return TD_ENOMEM;
    if (len)
        memcpy(p->buf, src->text + off, len);
    p->buf[len] = p->buf[len + 1] = '\0';
    yyscan_t scanner;
    if (td_yylex_init_extra(p, &scanner) != 0)
        return TD_ENOMEM;
    p->scanner = scanner;
    p->lexbuf = td_yy_scan_buffer(p->buf, (yy_size_t)len + 2, scanner);
    if (!p->lexbuf || p->oom)
        return TD_ENOMEM;
    return TD_OK;
}

void td_parse_close(td_parse *p)
{
    if (p->scanner) {
        if (p->lexbuf)
            td_yy_delete_buffer(p->lexbuf, p->scanner);
        td_yylex_destroy(p->scanner);
    }
    free(p->buf);
    p->scanner = p->lexbuf = NULL;
    p->buf = NULL;
}

int td_lex(td_parse *p, td_token *t)
{
    TD_YYSTYPE v;
    memset(&v, 0, sizeof v);
    td_span loc = span_at(p, p->off, 0);
    int k = td_yylex(&v, &loc, p->scanner);
    memset(t, 0, sizeof *t);
    t->kind = k;
    t->span = loc;
    if (k == T_NUMBER)
        t->num = v.num;
    else if (k == T_STRING)
        t->str = v.str, t->text = v.str.text;
    else if (k == T_IDENT || k == T_DATE || k == T_MONTH || k == T_NOT_IN || kw_flags(k))
        t->text = v.text;
    return k;
}

td_status td_parse_source(td_arena *a, const td_source *src, uint32_t src_index, td_diag *d,
                          td_ast **out)
{
    *out = NULL;
    td_ast *ast = td_arena_alloc(a, sizeof *ast);
    if (!ast)
        return TD_ENOMEM;
    ast->src = src_index;
    if (src->len > UINT32_MAX - 16) {
        td_diag_at(d, TD_SEV_ERROR, TD_CODE_TOO_LARGE, src, 0, 0,
                   "the file is too large (4 GiB or more)");
        ast->had_errors = true;
        *out = ast;
        return TD_OK;
    }
    /* a byte order mark is not part of the text */
    uint32_t off = src->len >= 3 && memcmp(src->text, "\xEF\xBB\xBF", 3) == 0 ? 3 : 0;
    td_parse p;
    td_status st =
        td_parse_open(&p, a, src, src_index, d, off, (uint32_t)src->len - off, T_START_FILE);
    int r = st == TD_OK ? td_yyparse(p.scanner, &p) : 0;
    if (st == TD_OK && p.oom)
        st = TD_ENOMEM;
    if (st == TD_OK) {
        ast->decls = p.decls.data;
        ast->n_decls = p.decls.n;
        ast->comments = p.comments.data;
        ast->n_comments = p.comments.n;
        ast->had_errors = p.errors > 0 || r != 0;
        *out = ast;
    }
    td_parse_close(&p);
    return st;
}

td_expr *td_parse_expr_at(td_arena *a, const td_source *src, uint32_t src_index, uint32_t off,
                          uint32_t len, td_diag *d)
{
    if (off > src->len || len > src->len - off)
        return NULL;
    td_parse p;
    td_expr *e = NULL;
    if (td_parse_open(&p, a, src, src_index, d, off, len, T_START_EXPR) == TD_OK) {
        int r = td_yyparse(p.scanner, &p);
        if (r == 0 && p.errors == 0 && !p.oom)
            e = p.expr;
    }
    if (p.oom || !p.buf)
        d->oom = true; /* the caller tells "out of memory" from a syntax error by this */
    td_parse_close(&p);
    return e;
}
