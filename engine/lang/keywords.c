/* The keywords of the rule language: spelling -> token, with what each may be used for.
 * Shared by the lexer (identifier lookup), the parser's messages and the formatter. */
#include "keywords.h"


#include "i18n.h"
#include "parser.h"

#define D TD_KW_DECL
#define C TD_KW_CLAUSE
#define N TD_KW_NAME
#define R TD_KW_RESERVED
#define X TD_KW_EXPR

/* Soft keywords (N) are names wherever a name is expected; count, sum, min and max are
 * names except directly before '(' in an expression. Reserved words (R) can only be
 * field names after a '.'. Keep this table sorted. */
const td_keyword td_keywords[] = {
    {"after", T_AFTER, C | N},
    {"all", T_ALL, R | X},
    {"and", T_AND, R},
    {"any", T_ANY, R | X},
    {"as_of", T_AS_OF, R | X},
    {"at", T_AT, C | N},
    {"because", T_BECAUSE, C | N},
    {"before", T_BEFORE, C | N},
    {"by", T_BY, C | N},
    {"cite", T_CITE, C | N},
    {"count", T_COUNT, C | N | X},
    {"criterion", T_CRITERION, D | N},
    {"dated", T_DATED, C | N},
    {"define", T_DEFINE, D | N},
    {"disable", T_DISABLE, D | N},
    {"document", T_DOCUMENT, D | N},
    {"due", T_DUE, C | N},
    {"each", T_EACH, R | X},
    {"else", T_ELSE, R},
    {"enum", T_ENUM, D | N},
    {"error", T_ERROR, C | N},
    {"evidence", T_EVIDENCE, C | N},
    {"exemplar", T_EXEMPLAR, C | N},
    {"extend", T_EXTEND, D | N},
    {"false", T_FALSE, R | X},
    {"from", T_FROM, C | N},
    {"guard", T_GUARD, C | N},
    {"has", T_HAS, R},
    {"have", T_HAVE, R},
    {"hint", T_HINT, C | N},
    {"history", T_HISTORY, C | N},
    {"if", T_IF, R | X},
    {"implements", T_IMPLEMENTS, C | N},
    {"import", T_IMPORT, D | N},
    {"in", T_IN, R},
    {"index", T_INDEX, D | N},
    {"info", T_INFO, C | N},
    {"initial", T_INITIAL, C | N},
    {"it", T_IT, R | X},
    {"key", T_KEY, C | N},
    {"language", T_LANGUAGE, C | N},
    {"least", T_LEAST, N},
    {"let", T_LET, C | N},
    {"list", T_LIST, N},
    {"max", T_MAX, N | X},
    {"message", T_MESSAGE, C | N},
    {"min", T_MIN, N | X},
    {"none", T_NONE, R | X},
    {"not", T_NOT, R | X},
    {"note", T_NOTE, D | N},
    {"of", T_OF, R},
    {"on", T_ON, C | N},
    {"optional", T_OPTIONAL, N},
    {"or", T_OR, R},
    {"outline", T_OUTLINE, C | N},
    {"param", T_PARAM, D | N},
    {"period", T_PERIOD, C | N},
    {"plan", T_PLAN, D | N},
    {"position", T_POSITION, R | X},
    {"previous", T_PREVIOUS, R | X},
    {"range", T_RANGE, C | N},
    {"record", T_RECORD, D | N},
    {"replace", T_REPLACE, D | N},
    {"require", T_REQUIRE, C | N},
    {"required", T_REQUIRED, N},
    {"root", T_ROOT, R | X},
    {"set", T_SET, D | N},
    {"similar", T_SIMILAR, C | N},
    {"stage", T_STAGE, C | N},
    {"state", T_STATE, C | N},
    {"sum", T_SUM, C | N | X},
    {"target", T_TARGET, D | N},
    {"then", T_THEN, R},
    {"transitions", T_TRANSITIONS, C | N},
    {"true", T_TRUE, R | X},
    {"until", T_UNTIL, C | N},
    {"waive", T_WAIVE, D | N},
    {"warning", T_WARNING, C | N},
    {"where", T_WHERE, C | R},
    {"workflow", T_WORKFLOW, D | N},
};

const size_t td_n_keywords = sizeof td_keywords / sizeof td_keywords[0];

/* strncmp's order, written out: a call into the C library for each step of the search was
 * most of the time of looking up a word (each identifier of a rule file is looked up) */
static int compare(const char *kw, const char *s, size_t len)
{
    for (size_t i = 0; i < len; i++) {
        unsigned char a = (unsigned char)kw[i], b = (unsigned char)s[i];
        if (a != b)
            return a < b ? -1 : 1;
    }
    return kw[len] ? 1 : 0;
}

const td_keyword *td_keyword_find(const char *s, size_t len)
{
    size_t lo = 0, hi = td_n_keywords;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int c = compare(td_keywords[mid].spelling, s, len);
        if (c == 0)
            return &td_keywords[mid];
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return NULL;
}

const td_keyword *td_keyword_of_token(int token)
{
    for (size_t i = 0; i < td_n_keywords; i++)
        if (td_keywords[i].token == token)
            return &td_keywords[i];
    return NULL;
}

const char *td_token_spelling(int token)
{
    const td_keyword *kw = td_keyword_of_token(token);
    if (kw)
        return kw->spelling;
    switch (token) {
    case T_EOF: return N_("end of file");
    case T_IDENT: return N_("a name");
    case T_NUMBER: return N_("a number");
    case T_STRING: return N_("a string");
    case T_DATE: return N_("a date");
    case T_MONTH: return N_("a month");
    case T_INVALID: return N_("an invalid character");
    case T_NOT_IN: return "not in";
    case T_LPAREN: return "(";
    case T_RPAREN: return ")";
    case T_LBRACKET: return "[";
    case T_RBRACKET: return "]";
    case T_LBRACE: return "{";
    case T_RBRACE: return "}";
    case T_COMMA: return ",";
    case T_DOT: return ".";
    case T_COLON: return ":";
    case T_ASSIGN: return "=";
    case T_EQ: return "==";
    case T_NE: return "!=";
    case T_LT: return "<";
    case T_LE: return "<=";
    case T_GT: return ">";
    case T_GE: return ">=";
    case T_PLUS: return "+";
    case T_MINUS: return "-";
    case T_STAR: return "*";
    case T_SLASH: return "/";
    case T_DOTDOT: return "..";
    case T_ARROW: return "->";
    default: return N_("a token");
    }
}
