/* The keywords of the rule language: spelling -> token, with what each may be used for.
 * Shared by the lexer (identifier lookup), the parser's messages and the formatter. */
#ifndef TD_KEYWORDS_H
#define TD_KEYWORDS_H

#include <stddef.h>

/* What a keyword is used for; a keyword may have several flags. */
enum {
    TD_KW_DECL = 1u << 0,     /* starts a declaration: criterion, plan, ... */
    TD_KW_CLAUSE = 1u << 1,   /* starts a clause of a declaration: cite, on, require, ... */
    TD_KW_NAME = 1u << 2,     /* also accepted where a name is expected (a soft keyword) */
    TD_KW_RESERVED = 1u << 3, /* never a name, except as a field after '.' */
    TD_KW_EXPR = 1u << 4      /* can start an expression (literal, quantifier, function) */
};

typedef struct td_keyword {
    char spelling[16];      /* NUL-terminated; inline so the table is read-only data */
    int token;              /* T_* of build/parser.h */
    unsigned flags;         /* TD_KW_* */
} td_keyword;

/* Sorted by spelling (strcmp), so that lookups can bisect. */
extern const td_keyword td_keywords[];
extern const size_t td_n_keywords;

/* The keyword spelled by s[0, len), or NULL when it is an ordinary identifier. */
const td_keyword *td_keyword_find(const char *s, size_t len);

/* The keyword entry of a token, or NULL when the token is not a keyword. */
const td_keyword *td_keyword_of_token(int token);

/* How a token is written, for messages and the formatter: "require", "<=", "not in"; a
 * token class is described ("a name", "a string", "end of file"). Never NULL. */
const char *td_token_spelling(int token);

#endif
