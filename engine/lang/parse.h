/* Internal to the parser: the parse context shared by the lexer (grammar/lexer.l), the
 * grammar (grammar/parser.y) and the AST constructors (engine/ast.c). Pipeline: parse. */
#ifndef TD_PARSE_H
#define TD_PARSE_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ast.h"

/* Syntax errors recorded per parse before the rest of the input is skipped. */
#define TD_PARSE_MAX_ERRORS 20

/* A growable array in the parse arena; a grown copy leaves the old block behind (the arena
 * frees it with everything else). Elements are copied in by value. */
typedef struct td_vec {
    void *data;             /* arena(parse) */
    uint32_t n, cap;        /* elements */
} td_vec;

/* A number token. */
typedef struct td_num {
    double value;
    bool is_int;            /* written without a decimal point */
    int64_t i;              /* is_int: the exact value */
    bool too_big;           /* an integer past INT64_MAX, or a number past what a double holds */
} td_num;

/* `[binder in] list` of count, sum, min, max, all, any, none and each. */
typedef struct td_iter {
    const char *binder;     /* NULL for `it` */
    td_span binder_span;
    td_expr *list;
} td_iter;

typedef enum td_clause_kind {
    TD_CL_CITE, TD_CL_ON, TD_CL_WHERE, TD_CL_SEVERITY, TD_CL_DUE, TD_CL_LET, TD_CL_REQUIRE,
    TD_CL_MESSAGE, TD_CL_HINT, TD_CL_COUNT, TD_CL_SUM, TD_CL_BY, TD_CL_AT_LEAST, TD_CL_HISTORY,
    TD_CL_STATE, TD_CL_DATED, TD_CL_EVIDENCE, TD_CL_STAGE, TD_CL_INITIAL, TD_CL_TRANSITIONS,
    TD_CL_GUARD, TD_CL_ISSUER, TD_CL_ISSUED, TD_CL_IMPLEMENTS, TD_CL_OUTLINE, TD_CL_PERIOD,
    TD_CL_BECAUSE, TD_CL_KEY, TD_CL_SIMILAR, TD_CL_EXEMPLAR, TD_CL_DOC, TD_CL_UNTIL, TD_CL_LANGUAGE,
    TD_CL_RANGE
} td_clause_kind;

/* One clause of a declaration, before it is applied to the td_decl. */
typedef struct td_clause {
    td_clause_kind kind;
    td_span span;           /* the whole clause */
    td_expr *a, *b;         /* WHERE DUE REQUIRE BY AT_LEAST SUM(a = summed) PERIOD ISSUED UNTIL
                             * RANGE (either may be NULL) */
    td_str str;             /* CITE MESSAGE HINT ISSUER BECAUSE EXEMPLAR DOC */
    const char *name;       /* HISTORY STATE DATED EVIDENCE */
    td_span name_span;
    td_severity sev;        /* SEVERITY */
    td_vec list;            /* ON, COUNT, SUM: td_dotted; INITIAL, SIMILAR: td_expr *;
                             * TRANSITIONS: td_ast_transition; IMPLEMENTS: td_str */
    td_ast_let let;         /* LET */
    td_ast_stage stage;     /* STAGE */
    td_ast_guard guard;     /* GUARD */
} td_clause;

/* One token, as td_lex returns it (tests and the formatter). */
typedef struct td_token {
    int kind;               /* T_* of build/parser.h; T_EOF at the end */
    td_span span;
    const char *text;       /* IDENT, DATE, MONTH: as written; keywords: the spelling */
    td_num num;             /* NUMBER */
    td_str str;             /* STRING */
} td_token;

/* The state of one parse: what the lexer, the grammar and the constructors share. */
typedef struct td_parse {
    td_arena *arena;        /* borrowed; the AST is allocated here */
    const td_source *src;   /* borrowed */
    uint32_t src_index;     /* stored in every span */
    td_diag *diag;          /* borrowed */
    void *scanner;          /* owned (yyscan_t) */
    void *lexbuf;           /* owned (YY_BUFFER_STATE) over buf */
    char *buf;              /* owned; the scanned bytes, then two NULs */
    uint32_t base, end;     /* the scanned range of src->text, in bytes */
    uint32_t off;           /* byte offset in src of the next unscanned byte */
    int start_token;        /* returned by the lexer first (T_START_FILE/EXPR), or 0 */
    bool expr_mode;         /* parsing an expression alone (td_parse_expr_at) */
    uint32_t errors;        /* errors recorded by this parse */
    bool stop;              /* too many errors or out of memory: the lexer ends the input */
    bool oom;               /* an allocation failed */
    bool deep;              /* an expression nested too deeply: no declaration is kept */
    uint32_t ntok;          /* tokens returned so far */
    int hist_tok[3];        /* the last tokens returned: [0] is the newest */
    td_span hist_span[3];
    bool in_extend;         /* between `extend` and the end of its body */
    int extend_first;       /* the token right after that `extend` (-1 before it is read) */
    td_span extend_name;    /* its span: the record (or enum) named */
    td_span kw_name_span;   /* the last keyword the grammar took as a name */
    bool has_kw_name;
    uint32_t resync_floor;  /* the lexer is only rewound past this offset */
    td_vec decls;           /* td_decl * */
    td_vec comments;        /* td_span of each comment */
    td_expr *expr;          /* expr_mode: the result */
    size_t reserve_used;    /* bytes of reserve handed to the scanner */
    _Alignas(16) unsigned char reserve[512]; /* scanner memory when malloc fails */
} td_parse;

/* Prepares p to scan text[off, off+len) of src; the lexer first returns start_token (0 for
 * none). TD_ENOMEM when out of memory. Always pair with td_parse_close. */
td_status td_parse_open(td_parse *p, td_arena *a, const td_source *src, uint32_t src_index,
                        td_diag *d, uint32_t off, uint32_t len, int start_token);
void td_parse_close(td_parse *p);

/* Scans the next token (tests and the formatter); T_EOF (0) at the end. */
int td_lex(td_parse *p, td_token *t);

/* Records an error of this parse, unless TD_PARSE_MAX_ERRORS were recorded already: then
 * the first time adds the note "too many errors" and stops the parse. Returns the entry or
 * NULL. */
td_diagnostic *td_parse_error(td_parse *p, td_code code, td_span sp, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* Reports a syntax error: `found` is the lookahead token, `expected` the tokens the
 * parser could accept there (n of them). Called by the grammar's yyreport_syntax_error. */
void td_parse_syntax_error(td_parse *p, int found, td_span at, const int *expected, int n);
/* Reports that the parser stack is exhausted (absurd nesting). */
void td_parse_too_deep(td_parse *p, td_span at);
/* Reports an expression nested past TD_MAX_EXPR_DEPTH at `at` (the node that crossed it)
 * and stops the parse. */
void td_parse_nested_too_deep(td_parse *p, td_span at);

/* Lexer helpers (engine/parse.c). Each records its diagnostics and returns the value. */
void td_lex_advance(td_parse *p, td_span *loc, size_t len);
/* Records a returned token (for messages) and returns it. */
int td_lex_token(td_parse *p, int token, const td_span *loc);
/* The token to return before scanning (the start token, or T_EOF once stopped), or -1. */
int td_lex_begin(td_parse *p, td_span *loc);
/* End of input: an empty span where the input ends. */
int td_lex_end(td_parse *p, td_span *loc);
/* Scanner memory from the reserve in p (NULL when exhausted); whether ptr is in it. */
void *td_lex_reserve(td_parse *p, size_t size);
bool td_lex_owns(const td_parse *p, const void *ptr);
const char *td_lex_text(td_parse *p, const char *s, size_t len);
td_num td_lex_number(const char *s, size_t len);
td_str td_lex_string(td_parse *p, const char *s, size_t len, td_span sp);
/* A string between single (quote_len 1) or curly (3) quotes: reported, then taken as is. */
td_str td_lex_quoted(td_parse *p, const char *s, size_t len, td_span sp, size_t quote_len);
void td_lex_comment(td_parse *p, const char *s, size_t len, td_span sp);
void td_lex_invalid(td_parse *p, const char *s, size_t len, td_span sp);
const char *td_lex_dmy(td_parse *p, const char *s, size_t len, td_span sp);
size_t td_lex_name_run(td_parse *p, const char *s, size_t len, td_span sp, const char **folded);
void td_lex_shorten(td_parse *p, td_span *loc, size_t keep);
void td_lex_fatal(td_parse *p, const char *msg);

/* AST constructors (engine/ast.c), one per grammar action. Each takes the parse context
 * and the span of what it builds; out of memory they set p->oom and return NULL (or an
 * empty value), and they accept NULL operands so the parse can wind down. */
td_vec ast_vec_push(td_parse *p, td_vec v, const void *elem, size_t size);
td_vec ast_vec_one(td_parse *p, const void *elem, size_t size);
td_vec ast_vec_empty(void);

const char *ast_kw_name(td_parse *p, const char *spelling, td_span sp);

td_expr *ast_number(td_parse *p, td_num n, td_span sp);
td_expr *ast_string(td_parse *p, td_str s, td_span sp);
td_expr *ast_date(td_parse *p, td_expr_kind kind, const char *text, td_span sp);
td_expr *ast_bool(td_parse *p, bool b, td_span sp);
td_expr *ast_leaf(td_parse *p, td_expr_kind kind, td_span sp);
td_expr *ast_name(td_parse *p, const char *name, td_span sp);
td_expr *ast_field(td_parse *p, td_expr *a, const char *name, td_span name_sp, td_span sp);
td_expr *ast_list(td_parse *p, td_vec items, td_span sp);
td_expr *ast_call(td_parse *p, const char *name, td_span name_sp, td_vec args, td_span sp);
td_expr *ast_unary(td_parse *p, td_op op, td_expr *a, td_span sp);
td_expr *ast_binary(td_parse *p, td_op op, td_expr *a, td_expr *b, td_span sp);
td_expr *ast_count(td_parse *p, td_iter it, td_expr *where, td_span sp);
td_expr *ast_agg(td_parse *p, td_agg agg, td_expr *mapped, td_iter it, td_expr *where,
                 td_span sp);
td_expr *ast_minmax(td_parse *p, td_agg agg, td_expr *a, td_expr *b, td_span sp);
td_expr *ast_quant(td_parse *p, td_quant q, td_iter it, td_expr *body, td_span sp);
td_expr *ast_each(td_parse *p, td_iter it, td_expr *cond, td_span sp);
td_expr *ast_if(td_parse *p, td_expr *a, td_expr *b, td_expr *c, td_span sp);
td_iter ast_iter(td_parse *p, const char *binder, td_span binder_sp, td_expr *list);

td_str ast_str_none(void);
td_dotted *ast_dotted_filter(td_parse *p, td_dotted *path, td_expr *cond, td_span sp);
td_dotted *ast_dotted(td_parse *p, td_dotted *prefix, const char *part, td_span part_sp);
td_ast_type *ast_type(td_parse *p, const char *name, td_ast_type *elem, td_span sp);
td_ast_field *ast_field_decl(td_parse *p, bool required, const char *name, td_span name_sp,
                             td_ast_type *type, td_str label);
td_ast_enum_item *ast_enum_item(td_parse *p, const char *name, td_span sp, td_str label);
td_ast_transition *ast_transition(td_parse *p, td_expr *from, td_expr *to, td_span sp);

td_clause *ast_clause(td_parse *p, td_clause_kind kind, td_span sp);
td_clause *ast_clause_expr(td_parse *p, td_clause_kind kind, td_expr *a, td_expr *b,
                           td_span sp);
td_clause *ast_clause_str(td_parse *p, td_clause_kind kind, td_str s, td_span sp);
td_clause *ast_clause_name(td_parse *p, td_clause_kind kind, const char *name, td_span name_sp,
                           td_span sp);
td_clause *ast_clause_list(td_parse *p, td_clause_kind kind, td_vec list, td_span sp);
td_clause *ast_clause_severity(td_parse *p, td_severity sev, td_span sp);
td_clause *ast_clause_sum(td_parse *p, td_expr *summed, td_dotted *path, td_span sp);
td_clause *ast_clause_let(td_parse *p, const char *name, td_span name_sp, td_expr *value,
                          td_span sp);
td_clause *ast_clause_stage(td_parse *p, td_expr *value, td_str label, td_span sp);
td_clause *ast_clause_guard(td_parse *p, td_expr *stage, td_str label, td_expr *require,
                            td_str message, td_span sp);

/* Declaration heads, then clauses applied one by one (the last of a kind wins; a repeated
 * clause is recorded in dup_clause). */
td_decl *ast_decl_plan(td_parse *p, td_str number, td_str title, td_span sp);
td_decl *ast_decl_import(td_parse *p, td_str path, td_span sp);
td_ast_when *ast_when(td_parse *p, td_expr *value, td_expr *from, td_expr *until, td_span sp);
/* A param or set with its values (td_ast_when); the first is also `value`. */
td_decl *ast_decl_whens(td_parse *p, td_decl_kind kind, const char *name, td_span name_sp,
                        td_vec whens, td_str label, td_span sp);
/* `extend enum` / `extend workflow`: an overlay adds to a declaration. */
td_decl *ast_extend(td_parse *p, td_decl *d);
/* Mis-typed overlay forms, each reported with what to write instead: `extend record NAME`
 * (kept as `extend NAME`), `extend criterion|target|index` (dropped), `replace param` (kept
 * as `set`), `disable criterion|workflow|param|... ID` (kept as `disable ID`). kw: the
 * word that should not be there. */
td_decl *ast_extend_record(td_parse *p, td_span kw, td_decl *d);
td_decl *ast_extend_rule(td_parse *p, td_decl *d);
td_decl *ast_replace_param(td_parse *p, td_span kw, td_decl *d);
td_decl *ast_disable_kind(td_parse *p, td_span kw, td_decl *d);
/* stage V "label" after|before S (extend workflow). */
td_clause *ast_clause_stage_at(td_parse *p, td_expr *value, td_str label, td_expr *after,
                               td_expr *before, td_span sp);
td_decl *ast_note_id(td_parse *p, td_decl *d, td_dotted *id);
td_decl *ast_decl_param(td_parse *p, td_decl_kind kind, const char *name, td_span name_sp,
                        td_expr *value, td_str label, td_span sp);
td_decl *ast_decl_enum(td_parse *p, const char *name, td_span name_sp, td_vec items,
                       td_span sp);
td_decl *ast_decl_record(td_parse *p, td_decl_kind kind, const char *name, td_span name_sp,
                         td_str label, td_str cite, td_vec fields, td_span sp);
/* Sets the `dated FIELD` of a record or extend declaration (`field` NULL: none); returns d. */
td_decl *ast_record_dated(td_parse *p, td_decl *d, const char *field, td_span field_sp);
td_decl *ast_decl_document(td_parse *p, const char *name, td_span name_sp, td_span sp);
td_decl *ast_decl_define(td_parse *p, const char *record, td_span record_sp,
                         const char *member, td_span member_sp, td_str label, td_expr *value,
                         td_span sp);
td_decl *ast_decl_rule(td_parse *p, td_decl_kind kind, td_dotted *id, td_str label,
                       td_span sp);
td_decl *ast_decl_disable(td_parse *p, td_dotted *id, td_str because, td_span sp);
td_decl *ast_decl_note(td_parse *p, td_str cite, td_str label, td_str because, td_span sp);
/* waive RULE "UNIT": the clauses follow with ast_apply. */
td_decl *ast_decl_waive(td_parse *p, td_dotted *rule, td_str unit, td_span sp);
td_decl *ast_apply(td_parse *p, td_decl *d, td_clause *c);
td_decl *ast_replace(td_parse *p, td_decl *d);
/* Appends a finished declaration to the file (span: the keyword to the end). */
void ast_add_decl(td_parse *p, td_decl *d, td_span sp);
/* Sets the result of an expression parse. */
void ast_set_expr(td_parse *p, td_expr *e);

#endif
