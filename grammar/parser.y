/* The grammar of the rule language: tokens from grammar/lexer.l, one-line actions calling the
 * constructors of engine/ast.c. Pipeline: rule text -> parse (syntax only) -> td_ast -> resolve.
 *
 * Names. Wherever a name is expected (expression primaries, fields after '.', dotted paths,
 * declared names, binders, workflow field names, enum items, record fields) the grammar takes
 * an identifier or a soft keyword (`soft_kw` below: every declaration and clause keyword, and
 * list, required, optional, least), because the data has fields called plan, target, by,
 * state, evidence... `count`, `sum`, `min` and `max` are names too, except directly before
 * '(' in an expression, where they are the aggregate functions.
 * Fully reserved (never a name, except as a field after '.'):
 *     if then else all any none each have has in where of and or not true false
 *     root it previous position as_of
 * `not in` is one token (the lexer joins the two words), so that it can be a comparison
 * while `not` alone is the prefix operator of lower precedence. */

%require "3.8"
%define api.pure full
%define api.prefix {td_yy}
%define api.location.type {td_span}
%define parse.error custom
%define parse.lac full
%locations
%expect 0
%parse-param {yyscan_t scanner} {td_parse *p}
%lex-param {yyscan_t scanner}

%code requires {
#include "parse.h"
#ifndef YY_TYPEDEF_YY_SCANNER_T
#define YY_TYPEDEF_YY_SCANNER_T
typedef void *yyscan_t;
#endif
}

%code {
#define YYSTYPE TD_YYSTYPE
#define YYLTYPE TD_YYLTYPE
#include "lexer.h"

/* Deeper than this (a few hundred nested parentheses) is reported, not parsed: later
 * stages recurse over the tree. */
#define YYMAXDEPTH 1000

/* A nonterminal spans its first symbol to the end of its last; an empty one sits where the
 * previous symbol ends. */
#define YYLLOC_DEFAULT(Cur, Rhs, N)                                                         \
    do {                                                                                    \
        if (N) {                                                                            \
            (Cur).src = YYRHSLOC(Rhs, 1).src;                                               \
            (Cur).off = YYRHSLOC(Rhs, 1).off;                                               \
            (Cur).len = YYRHSLOC(Rhs, N).off + YYRHSLOC(Rhs, N).len - YYRHSLOC(Rhs, 1).off; \
        } else {                                                                            \
            (Cur).src = YYRHSLOC(Rhs, 0).src;                                               \
            (Cur).off = YYRHSLOC(Rhs, 0).off + YYRHSLOC(Rhs, 0).len;                        \
            (Cur).len = 0;                                                                  \
        }                                                                                   \
    } while (0)

static void yyerror(const td_span *loc, yyscan_t scanner, td_parse *p, const char *msg);
}

%initial-action { @$.src = p->src_index; @$.off = p->off; @$.len = 0; }

%union {
    td_expr *expr;
    td_decl *decl;
    td_clause *clause;
    td_dotted *dotted;
    td_ast_type *type;
    td_ast_field *afield;
    td_ast_enum_item *item;
    td_ast_transition *trans;
    td_ast_when *when;
    td_str str;
    td_num num;
    td_vec vec;
    td_iter iter;
    const char *text;
}

%token T_EOF 0 "end of file"
%token T_START_FILE "start of file" T_START_EXPR "start of expression"
%token T_INVALID "invalid character"
%token <text> T_IDENT "name"
%token <num> T_NUMBER "number"
%token <str> T_STRING "string"
%token <text> T_DATE "date" T_MONTH "month"

%token T_LPAREN "(" T_RPAREN ")" T_LBRACKET "[" T_RBRACKET "]" T_LBRACE "{" T_RBRACE "}"
%token T_COMMA "," T_DOT "." T_COLON ":" T_ASSIGN "=" T_EQ "==" T_NE "!=" T_LT "<" T_LE "<="
%token T_GT ">" T_GE ">=" T_PLUS "+" T_MINUS "-" T_STAR "*" T_SLASH "/" T_DOTDOT ".."
%token T_ARROW "->" T_NOT_IN "not in"

/* keywords: every one carries its spelling (engine/keywords.c) */
%token <text> T_AFTER "after" T_ALL "all" T_AND "and" T_ANY "any" T_AS_OF "as_of" T_AT "at"
%token <text> T_BECAUSE "because" T_BEFORE "before" T_BY "by" T_CITE "cite" T_COUNT "count"
%token <text> T_CRITERION "criterion" T_DATED "dated" T_DEFINE "define" T_DISABLE "disable"
%token <text> T_DOCUMENT "document" T_DUE "due" T_EACH "each" T_ELSE "else" T_ENUM "enum"
%token <text> T_ERROR "error" T_EVIDENCE "evidence" T_EXEMPLAR "exemplar" T_EXTEND "extend"
%token <text> T_FALSE "false" T_FROM "from"
%token <text> T_GUARD "guard" T_HAS "has" T_HAVE "have" T_HINT "hint" T_HISTORY "history"
%token <text> T_IF "if" T_IMPLEMENTS "implements" T_OUTLINE "outline" T_IMPORT "import" T_IN "in" T_INDEX "index"
%token <text> T_INFO "info" T_KEY "key" T_SIMILAR "similar"
%token <text> T_INITIAL "initial" T_IT "it" T_LANGUAGE "language" T_LEAST "least" T_LET "let" T_LIST "list"
%token <text> T_MAX "max" T_MESSAGE "message" T_MIN "min" T_NONE "none" T_NOT "not"
%token <text> T_NOTE "note" T_OF "of" T_ON "on" T_OPTIONAL "optional" T_OR "or"
%token <text> T_PARAM "param" T_PERIOD "period" T_PLAN "plan" T_POSITION "position"
%token <text> T_PREVIOUS "previous" T_RANGE "range" T_RECORD "record" T_REPLACE "replace" T_REQUIRE "require"
%token <text> T_REQUIRED "required" T_ROOT "root" T_SET "set" T_STAGE "stage" T_STATE "state"
%token <text> T_SUM "sum" T_TARGET "target" T_THEN "then" T_TRANSITIONS "transitions"
%token <text> T_TRUE "true" T_UNTIL "until" T_WAIVE "waive" T_WARNING "warning" T_WHERE "where"
%token <text> T_WORKFLOW "workflow"

/* Lowest first. LAMBDA: the bodies of if/all/any/none/each extend as far right as they can. */
%precedence LAMBDA
%left T_OR
%left T_AND
%precedence T_NOT
%nonassoc T_EQ T_NE T_LT T_LE T_GT T_GE T_IN T_NOT_IN
%left T_PLUS T_MINUS
%left T_STAR T_SLASH
%precedence UMINUS

%type <decl> decl plan_decl param_decl criterion_decl target_decl workflow_decl index_decl
%type <decl> waive_decl
%type <decl> note_decl
%type <when> when
%type <expr> opt_from opt_until
%type <clause> plan_clause crit_clause target_clause wf_clause index_clause
%type <clause> cite_clause on_clause where_clause due_clause waive_clause range_clause
%type <expr> expr postfix primary opt_where period_bound range_bound
%type <iter> iter
%type <vec> whens args exprs str_list outline_list dotted_list trans_list enum_list enum_seq fields field_seq
%type <dotted> dotted epath
%type <type> type
%type <afield> field
%type <item> enum_item
%type <trans> transition
%type <str> opt_str opt_cite opt_because opt_message
%type <text> soft_kw name any_name field_name have opt_dated

%%

start
    : T_START_FILE decls
    | T_START_EXPR expr                 { ast_set_expr(p, $2); }
    ;

/* Recovery is per declaration: after an error the parser skips to the next declaration
 * keyword (engine/parse.c may rewind the lexer to one that was read as a name). */
decls
    : %empty
    | decls decl                        { ast_add_decl(p, $2, @2); }
    | decls error
    ;

decl
    : plan_decl
    | T_IMPORT T_STRING                 { $$ = ast_decl_import(p, $2, @$); }
    | param_decl
    | T_SET any_name T_ASSIGN whens     { $$ = ast_decl_whens(p, TD_D_SET, $2, @2, $4, ast_str_none(), @$); }
    | T_ENUM any_name T_LBRACE enum_list T_RBRACE { $$ = ast_decl_enum(p, $2, @2, $4, @$); }
    | T_EXTEND T_ENUM any_name T_LBRACE enum_list T_RBRACE { $$ = ast_extend(p, ast_decl_enum(p, $3, @3, $5, @$)); }
    | T_REPLACE T_ENUM any_name T_LBRACE enum_list T_RBRACE { $$ = ast_replace(p, ast_decl_enum(p, $3, @3, $5, @$)); }
    | T_RECORD any_name opt_str opt_cite opt_dated T_LBRACE fields T_RBRACE { $$ = ast_record_dated(p, ast_decl_record(p, TD_D_RECORD, $2, @2, $3, $4, $7, @$), $5, @5); }
    | T_REPLACE T_RECORD any_name opt_str opt_cite opt_dated T_LBRACE fields T_RBRACE { $$ = ast_replace(p, ast_record_dated(p, ast_decl_record(p, TD_D_RECORD, $3, @3, $4, $5, $8, @$), $6, @6)); }
    | T_EXTEND any_name opt_dated T_LBRACE fields T_RBRACE { $$ = ast_record_dated(p, ast_decl_record(p, TD_D_EXTEND, $2, @2, ast_str_none(), ast_str_none(), $5, @$), $3, @3); }
    | T_EXTEND T_RECORD any_name opt_dated T_LBRACE fields T_RBRACE { $$ = ast_extend_record(p, @2, ast_record_dated(p, ast_decl_record(p, TD_D_EXTEND, $3, @3, ast_str_none(), ast_str_none(), $6, @$), $4, @4)); }
    | T_DOCUMENT any_name               { $$ = ast_decl_document(p, $2, @2, @$); }
    | T_DEFINE any_name T_DOT field_name opt_str T_ASSIGN expr { $$ = ast_decl_define(p, $2, @2, $4, @4, $5, $7, @$); }
    | T_REPLACE T_DEFINE any_name T_DOT field_name opt_str T_ASSIGN expr { $$ = ast_replace(p, ast_decl_define(p, $3, @3, $5, @5, $6, $8, @$)); }
    | criterion_decl
    | target_decl
    | workflow_decl
    | index_decl
    | T_REPLACE criterion_decl          { $$ = ast_replace(p, $2); }
    | T_REPLACE target_decl             { $$ = ast_replace(p, $2); }
    | T_REPLACE workflow_decl           { $$ = ast_replace(p, $2); }
    | T_REPLACE index_decl              { $$ = ast_replace(p, $2); }
    | T_EXTEND workflow_decl            { $$ = ast_extend(p, $2); }
    | T_EXTEND criterion_decl           { $$ = ast_extend_rule(p, $2); }
    | T_REPLACE param_decl              { $$ = ast_replace_param(p, @1, $2); }
    | T_DISABLE dotted opt_because      { $$ = ast_decl_disable(p, $2, $3, @$); }
    | T_DISABLE decl_kind dotted opt_because { $$ = ast_disable_kind(p, @2, ast_decl_disable(p, $3, $4, @$)); }
    | note_decl
    | T_REPLACE note_decl               { $$ = ast_replace(p, $2); }
    | waive_decl
    ;

/* the kinds `disable` does not take (disable criterion X): words that are never names */
decl_kind
    : T_CRITERION | T_WORKFLOW | T_PARAM | T_ENUM | T_RECORD | T_DEFINE
    ;

/* waive RULE "UNIT" [exemplar "ID"] because "reason" by "authority" in "document"
 *       dated DATE [until DATE]  (Decision 11; resolve says which clause is missing) */
waive_decl
    : T_WAIVE dotted T_STRING           { $$ = ast_decl_waive(p, $2, $3, @$); }
    | waive_decl waive_clause           { $$ = ast_apply(p, $1, $2); }
    ;

waive_clause
    : T_EXEMPLAR T_STRING               { $$ = ast_clause_str(p, TD_CL_EXEMPLAR, $2, @$); }
    | T_BECAUSE T_STRING                { $$ = ast_clause_str(p, TD_CL_BECAUSE, $2, @$); }
    | T_BY T_STRING                     { $$ = ast_clause_str(p, TD_CL_ISSUER, $2, @$); }
    | T_IN T_STRING                     { $$ = ast_clause_str(p, TD_CL_DOC, $2, @$); }
    | T_DATED T_DATE                    { $$ = ast_clause_expr(p, TD_CL_ISSUED, ast_date(p, TD_X_DATE, $2, @2), NULL, @$); }
    | T_UNTIL T_DATE                    { $$ = ast_clause_expr(p, TD_CL_UNTIL, ast_date(p, TD_X_DATE, $2, @2), NULL, @$); }
    ;

/* note [id] "clause" "label" because "reason": an id lets an overlay replace or disable it */
note_decl
    : T_NOTE T_STRING T_STRING opt_because { $$ = ast_decl_note(p, $2, $3, $4, @$); }
    | T_NOTE dotted T_STRING T_STRING opt_because { $$ = ast_note_id(p, ast_decl_note(p, $3, $4, $5, @$), $2); }
    ;

/* VALUE [from DATE] [until DATE], ...: a param's values and when each is in force */
whens
    : when                              { $$ = ast_vec_one(p, $1, sizeof *$1); }
    | whens T_COMMA when                { $$ = ast_vec_push(p, $1, $3, sizeof *$3); }
    ;

when
    : expr opt_from opt_until           { $$ = ast_when(p, $1, $2, $3, @$); }
    ;

opt_from
    : %empty                            { $$ = NULL; }
    | T_FROM T_DATE                     { $$ = ast_date(p, TD_X_DATE, $2, @2); }
    ;

opt_until
    : %empty                            { $$ = NULL; }
    | T_UNTIL T_DATE                    { $$ = ast_date(p, TD_X_DATE, $2, @2); }
    ;

/* plan "number" "title" [by "issuer"] [dated DATE] [implements "a", "b"] [period D .. D]
 *      [language "vi"] */
plan_decl
    : T_PLAN T_STRING T_STRING          { $$ = ast_decl_plan(p, $2, $3, @$); }
    | plan_decl plan_clause             { $$ = ast_apply(p, $1, $2); }
    ;

plan_clause
    : T_BY T_STRING                     { $$ = ast_clause_str(p, TD_CL_ISSUER, $2, @$); }
    | T_DATED T_DATE                    { $$ = ast_clause_expr(p, TD_CL_ISSUED, ast_date(p, TD_X_DATE, $2, @2), NULL, @$); }
    | T_IMPLEMENTS str_list             { $$ = ast_clause_list(p, TD_CL_IMPLEMENTS, $2, @$); }
    | T_LANGUAGE T_STRING               { $$ = ast_clause_str(p, TD_CL_LANGUAGE, $2, @$); }
    | T_OUTLINE outline_list            { $$ = ast_clause_list(p, TD_CL_OUTLINE, $2, @$); }
    | T_PERIOD period_bound T_DOTDOT period_bound { $$ = ast_clause_expr(p, TD_CL_PERIOD, $2, $4, @$); }
    ;

/* the plan's period: dates written out, or the date params the rules read */
period_bound
    : T_DATE                            { $$ = ast_date(p, TD_X_DATE, $1, @1); }
    | T_IDENT                           { $$ = ast_name(p, $1, @1); }
    ;

/* the plan's clauses: "II.2.1" ["its title"], ... (pairs in one list) */
outline_list
    : T_STRING opt_str                  { $$ = ast_vec_push(p, ast_vec_one(p, &$1, sizeof $1), &$2, sizeof $2); }
    | outline_list T_COMMA T_STRING opt_str { $$ = ast_vec_push(p, ast_vec_push(p, $1, &$3, sizeof $3), &$4, sizeof $4); }
    ;

str_list
    : T_STRING                          { $$ = ast_vec_one(p, &$1, sizeof $1); }
    | str_list T_COMMA T_STRING         { $$ = ast_vec_push(p, $1, &$3, sizeof $3); }
    ;

/* param name = expr ["label"] [cite "II.2.1"] [range LOW .. HIGH] */
param_decl
    : T_PARAM any_name T_ASSIGN whens opt_str { $$ = ast_decl_whens(p, TD_D_PARAM, $2, @2, $4, $5, @$); }
    | param_decl cite_clause            { $$ = ast_apply(p, $1, $2); }
    | param_decl range_clause           { $$ = ast_apply(p, $1, $2); }
    ;

/* range 0 .. 1000, range 1 .. (no upper bound), range .. 2025-12-31 (no lower bound) */
range_clause
    : T_RANGE range_bound T_DOTDOT range_bound { $$ = ast_clause_expr(p, TD_CL_RANGE, $2, $4, @$); }
    | T_RANGE range_bound T_DOTDOT      { $$ = ast_clause_expr(p, TD_CL_RANGE, $2, NULL, @$); }
    | T_RANGE T_DOTDOT range_bound      { $$ = ast_clause_expr(p, TD_CL_RANGE, NULL, $3, @$); }
    ;

/* a bound is written out: a number, a date or a month; a name is read so that resolve can
 * say to write its value instead */
range_bound
    : T_NUMBER                          { $$ = ast_number(p, $1, @$); }
    | T_IDENT                           { $$ = ast_name(p, $1, @$); }
    | T_MINUS T_NUMBER                  { $$ = ast_unary(p, TD_OP_NEG, ast_number(p, $2, @2), @$); }
    | T_DATE                            { $$ = ast_date(p, TD_X_DATE, $1, @$); }
    | T_MONTH                           { $$ = ast_date(p, TD_X_MONTH, $1, @$); }
    ;

enum_list
    : %empty                            { $$ = ast_vec_empty(); }
    | enum_seq opt_comma
    ;

enum_seq
    : enum_item                         { $$ = ast_vec_one(p, $1, sizeof *$1); }
    | enum_seq opt_comma enum_item      { $$ = ast_vec_push(p, $1, $3, sizeof *$3); }
    ;

enum_item
    : any_name opt_str                  { $$ = ast_enum_item(p, $1, @1, $2); }
    ;

/* `dated FIELD`: the field whose date or month says when each record happened (an event) */
opt_dated
    : %empty                            { $$ = NULL; }
    | T_DATED any_name                  { $$ = $2; @$ = @2; }
    ;

fields
    : %empty                            { $$ = ast_vec_empty(); }
    | field_seq opt_comma
    ;

field_seq
    : field                             { $$ = ast_vec_one(p, $1, sizeof *$1); }
    | field_seq opt_comma field         { $$ = ast_vec_push(p, $1, $3, sizeof *$3); }
    ;

field
    : any_name T_COLON type opt_str     { $$ = ast_field_decl(p, false, $1, @1, $3, $4); }
    | T_REQUIRED any_name T_COLON type opt_str { $$ = ast_field_decl(p, true, $2, @2, $4, $5); }
    | T_OPTIONAL any_name T_COLON type opt_str { $$ = ast_field_decl(p, false, $2, @2, $4, $5); }
    ;

type
    : any_name                          { $$ = ast_type(p, $1, NULL, @$); }
    | T_LIST T_OF type                  { $$ = ast_type(p, NULL, $3, @$); }
    ;

opt_comma
    : %empty
    | T_COMMA
    ;

criterion_decl
    : T_CRITERION dotted opt_str        { $$ = ast_decl_rule(p, TD_D_CRITERION, $2, $3, @$); }
    | criterion_decl crit_clause        { $$ = ast_apply(p, $1, $2); }
    ;

crit_clause
    : cite_clause
    | on_clause
    | where_clause
    | due_clause
    | T_ERROR                           { $$ = ast_clause_severity(p, TD_SEV_ERROR, @$); }
    | T_WARNING                         { $$ = ast_clause_severity(p, TD_SEV_WARNING, @$); }
    | T_INFO                            { $$ = ast_clause_severity(p, TD_SEV_INFO, @$); }
    | T_LET any_name T_ASSIGN expr      { $$ = ast_clause_let(p, $2, @2, $4, @$); }
    | T_REQUIRE expr                    { $$ = ast_clause_expr(p, TD_CL_REQUIRE, $2, NULL, @$); }
    | T_MESSAGE T_STRING                { $$ = ast_clause_str(p, TD_CL_MESSAGE, $2, @$); }
    | T_HINT T_STRING                   { $$ = ast_clause_str(p, TD_CL_HINT, $2, @$); }
    ;

target_decl
    : T_TARGET dotted opt_str           { $$ = ast_decl_rule(p, TD_D_TARGET, $2, $3, @$); }
    | target_decl target_clause         { $$ = ast_apply(p, $1, $2); }
    ;

target_clause
    : cite_clause
    | where_clause
    | due_clause
    | T_COUNT epath                     { $$ = ast_clause_list(p, TD_CL_COUNT, ast_vec_one(p, $2, sizeof *$2), @$); }
    | T_SUM expr T_OF epath             { $$ = ast_clause_sum(p, $2, $4, @$); }
    | T_BY expr                         { $$ = ast_clause_expr(p, TD_CL_BY, $2, NULL, @$); }
    | T_AT T_LEAST expr                 { $$ = ast_clause_expr(p, TD_CL_AT_LEAST, $3, NULL, @$); }
    ;

workflow_decl
    : T_WORKFLOW dotted opt_str         { $$ = ast_decl_rule(p, TD_D_WORKFLOW, $2, $3, @$); }
    | workflow_decl wf_clause           { $$ = ast_apply(p, $1, $2); }
    ;

wf_clause
    : cite_clause
    | on_clause
    | where_clause
    | T_HISTORY any_name                { $$ = ast_clause_name(p, TD_CL_HISTORY, $2, @2, @$); }
    | T_STATE any_name                  { $$ = ast_clause_name(p, TD_CL_STATE, $2, @2, @$); }
    | T_DATED any_name                  { $$ = ast_clause_name(p, TD_CL_DATED, $2, @2, @$); }
    | T_EVIDENCE any_name               { $$ = ast_clause_name(p, TD_CL_EVIDENCE, $2, @2, @$); }
    | T_STAGE expr opt_str              { $$ = ast_clause_stage(p, $2, $3, @$); }
    | T_STAGE expr opt_str T_AFTER expr { $$ = ast_clause_stage_at(p, $2, $3, $5, NULL, @$); }
    | T_STAGE expr opt_str T_BEFORE expr { $$ = ast_clause_stage_at(p, $2, $3, NULL, $5, @$); }
    | T_INITIAL exprs                   { $$ = ast_clause_list(p, TD_CL_INITIAL, $2, @$); }
    | T_TRANSITIONS trans_list          { $$ = ast_clause_list(p, TD_CL_TRANSITIONS, $2, @$); }
    | T_GUARD expr opt_str T_REQUIRE expr opt_message { $$ = ast_clause_guard(p, $2, $3, $5, $6, @$); }
    ;

/* index id "label" cite "II.2.2" on path key expr [similar expr, ...] [require expr] */
index_decl
    : T_INDEX dotted opt_str            { $$ = ast_decl_rule(p, TD_D_INDEX, $2, $3, @$); }
    | index_decl index_clause           { $$ = ast_apply(p, $1, $2); }
    ;

index_clause
    : cite_clause
    | on_clause
    | T_KEY expr                        { $$ = ast_clause_expr(p, TD_CL_KEY, $2, NULL, @$); }
    | T_SIMILAR exprs                   { $$ = ast_clause_list(p, TD_CL_SIMILAR, $2, @$); }
    | T_REQUIRE expr                    { $$ = ast_clause_expr(p, TD_CL_REQUIRE, $2, NULL, @$); }
    ;

trans_list
    : transition                        { $$ = ast_vec_one(p, $1, sizeof *$1); }
    | trans_list T_COMMA transition     { $$ = ast_vec_push(p, $1, $3, sizeof *$3); }
    ;

transition
    : expr T_ARROW expr                 { $$ = ast_transition(p, $1, $3, @$); }
    ;

cite_clause
    : T_CITE T_STRING                   { $$ = ast_clause_str(p, TD_CL_CITE, $2, @$); }
    ;

on_clause
    : T_ON dotted_list                  { $$ = ast_clause_list(p, TD_CL_ON, $2, @$); }
    ;

where_clause
    : T_WHERE expr                      { $$ = ast_clause_expr(p, TD_CL_WHERE, $2, NULL, @$); }
    ;

due_clause
    : T_DUE expr                        { $$ = ast_clause_expr(p, TD_CL_DUE, $2, NULL, @$); }
    ;

opt_str
    : %empty                            { $$ = ast_str_none(); }
    | T_STRING
    ;

opt_cite
    : %empty                            { $$ = ast_str_none(); }
    | T_CITE T_STRING                   { $$ = $2; }
    ;

opt_because
    : %empty                            { $$ = ast_str_none(); }
    | T_BECAUSE T_STRING                { $$ = $2; }
    ;

opt_message
    : %empty                            { $$ = ast_str_none(); }
    | T_MESSAGE T_STRING                { $$ = $2; }
    ;

dotted_list
    : epath                             { $$ = ast_vec_one(p, $1, sizeof *$1); }
    | dotted_list T_COMMA epath         { $$ = ast_vec_push(p, $1, $3, sizeof *$3); }
    ;

/* A path to the entities a rule applies to; a part may keep only some of its items:
 * exemplars[type == collective].plan */
epath
    : any_name                          { $$ = ast_dotted(p, NULL, $1, @1); }
    | epath T_DOT field_name            { $$ = ast_dotted(p, $1, $3, @3); }
    | epath T_LBRACKET expr T_RBRACKET  { $$ = ast_dotted_filter(p, $1, $3, @$); }
    ;

dotted
    : any_name                          { $$ = ast_dotted(p, NULL, $1, @1); }
    | dotted T_DOT field_name           { $$ = ast_dotted(p, $1, $3, @3); }
    ;

/* Expressions. */
expr
    : postfix
    | T_MINUS expr %prec UMINUS         { $$ = ast_unary(p, TD_OP_NEG, $2, @$); }
    | T_NOT expr                        { $$ = ast_unary(p, TD_OP_NOT, $2, @$); }
    | expr T_OR expr                    { $$ = ast_binary(p, TD_OP_OR, $1, $3, @$); }
    | expr T_AND expr                   { $$ = ast_binary(p, TD_OP_AND, $1, $3, @$); }
    | expr T_EQ expr                    { $$ = ast_binary(p, TD_OP_EQ, $1, $3, @$); }
    | expr T_NE expr                    { $$ = ast_binary(p, TD_OP_NE, $1, $3, @$); }
    | expr T_LT expr                    { $$ = ast_binary(p, TD_OP_LT, $1, $3, @$); }
    | expr T_LE expr                    { $$ = ast_binary(p, TD_OP_LE, $1, $3, @$); }
    | expr T_GT expr                    { $$ = ast_binary(p, TD_OP_GT, $1, $3, @$); }
    | expr T_GE expr                    { $$ = ast_binary(p, TD_OP_GE, $1, $3, @$); }
    | expr T_IN expr                    { $$ = ast_binary(p, TD_OP_IN, $1, $3, @$); }
    | expr T_NOT_IN expr                { $$ = ast_binary(p, TD_OP_NOT_IN, $1, $3, @$); }
    | expr T_PLUS expr                  { $$ = ast_binary(p, TD_OP_ADD, $1, $3, @$); }
    | expr T_MINUS expr                 { $$ = ast_binary(p, TD_OP_SUB, $1, $3, @$); }
    | expr T_STAR expr                  { $$ = ast_binary(p, TD_OP_MUL, $1, $3, @$); }
    | expr T_SLASH expr                 { $$ = ast_binary(p, TD_OP_DIV, $1, $3, @$); }
    | T_IF expr T_THEN expr T_ELSE expr %prec LAMBDA { $$ = ast_if(p, $2, $4, $6, @$); }
    | T_ALL iter have expr %prec LAMBDA { $$ = ast_quant(p, TD_Q_ALL, $2, $4, @$); }
    | T_ANY iter have expr %prec LAMBDA { $$ = ast_quant(p, TD_Q_ANY, $2, $4, @$); }
    | T_NONE iter have expr %prec LAMBDA { $$ = ast_quant(p, TD_Q_NONE, $2, $4, @$); }
    | T_EACH iter T_WHERE expr %prec LAMBDA { $$ = ast_each(p, $2, $4, @$); }
    ;

have
    : T_HAVE
    | T_HAS
    ;

/* [binder in] list: the list is a postfix expression, so `in` cannot be read as the
 * membership operator. */
iter
    : postfix                           { $$ = ast_iter(p, NULL, @$, $1); }
    | name T_IN postfix                 { $$ = ast_iter(p, $1, @1, $3); }
    ;

opt_where
    : %empty                            { $$ = NULL; }
    | T_WHERE expr                      { $$ = $2; }
    ;

postfix
    : primary
    | postfix T_DOT field_name          { $$ = ast_field(p, $1, $3, @3, @$); }
    ;

primary
    : T_NUMBER                          { $$ = ast_number(p, $1, @$); }
    | T_STRING                          { $$ = ast_string(p, $1, @$); }
    | T_DATE                            { $$ = ast_date(p, TD_X_DATE, $1, @$); }
    | T_MONTH                           { $$ = ast_date(p, TD_X_MONTH, $1, @$); }
    | T_TRUE                            { $$ = ast_bool(p, true, @$); }
    | T_FALSE                           { $$ = ast_bool(p, false, @$); }
    | T_ROOT                            { $$ = ast_leaf(p, TD_X_ROOT, @$); }
    | T_IT                              { $$ = ast_leaf(p, TD_X_IT, @$); }
    | T_PREVIOUS                        { $$ = ast_leaf(p, TD_X_PREVIOUS, @$); }
    | T_POSITION                        { $$ = ast_leaf(p, TD_X_POSITION, @$); }
    | T_AS_OF                           { $$ = ast_leaf(p, TD_X_ASOF, @$); }
    | name                              { $$ = ast_name(p, $1, @$); }
    | T_COUNT                           { $$ = ast_name(p, $1, @$); }
    | T_SUM                             { $$ = ast_name(p, $1, @$); }
    | T_MIN                             { $$ = ast_name(p, $1, @$); }
    | T_MAX                             { $$ = ast_name(p, $1, @$); }
    | name T_LPAREN args T_RPAREN       { $$ = ast_call(p, $1, @1, $3, @$); }
    | T_LPAREN expr T_RPAREN            { $$ = $2; }
    | T_LBRACKET args T_RBRACKET        { $$ = ast_list(p, $2, @$); }
    | T_COUNT T_LPAREN iter opt_where T_RPAREN { $$ = ast_count(p, $3, $4, @$); }
    | T_SUM T_LPAREN expr T_OF iter opt_where T_RPAREN { $$ = ast_agg(p, TD_AGG_SUM, $3, $5, $6, @$); }
    | T_MIN T_LPAREN expr T_OF iter opt_where T_RPAREN { $$ = ast_agg(p, TD_AGG_MIN, $3, $5, $6, @$); }
    | T_MAX T_LPAREN expr T_OF iter opt_where T_RPAREN { $$ = ast_agg(p, TD_AGG_MAX, $3, $5, $6, @$); }
    | T_MIN T_LPAREN expr T_COMMA expr T_RPAREN { $$ = ast_minmax(p, TD_AGG_MIN, $3, $5, @$); }
    | T_MAX T_LPAREN expr T_COMMA expr T_RPAREN { $$ = ast_minmax(p, TD_AGG_MAX, $3, $5, @$); }
    ;

args
    : %empty                            { $$ = ast_vec_empty(); }
    | exprs
    ;

exprs
    : expr                              { $$ = ast_vec_one(p, &$1, sizeof $1); }
    | exprs T_COMMA expr                { $$ = ast_vec_push(p, $1, &$3, sizeof $3); }
    ;

/* Names: see the comment at the top of this file. */
/* Declaration keywords that no data field is named after (criterion, workflow, param,
 * enum, record, extend, define, disable, import, replace) are not names: a rule that ends
 * too early then reports the next declaration instead of swallowing it. */
soft_kw
    : T_AFTER | T_AT | T_BECAUSE | T_BEFORE | T_BY | T_CITE | T_DATED | T_FROM
    | T_DOCUMENT | T_DUE | T_ERROR | T_EVIDENCE | T_EXEMPLAR | T_GUARD | T_HINT
    | T_HISTORY | T_IMPLEMENTS | T_OUTLINE | T_INDEX | T_INFO | T_INITIAL | T_KEY | T_LANGUAGE | T_LEAST | T_LET | T_LIST
    | T_MESSAGE | T_NOTE | T_ON | T_OPTIONAL | T_PERIOD | T_PLAN | T_RANGE
    | T_REQUIRE | T_REQUIRED | T_SET | T_SIMILAR | T_STAGE | T_STATE | T_TARGET
    | T_TRANSITIONS | T_UNTIL | T_WARNING
    ;

name
    : T_IDENT
    | soft_kw                           { $$ = ast_kw_name(p, $1, @1); }
    ;

any_name
    : name
    | T_COUNT | T_SUM | T_MIN | T_MAX
    ;

field_name
    : any_name
    | T_ALL | T_AND | T_ANY | T_AS_OF | T_EACH | T_ELSE | T_FALSE | T_HAS | T_HAVE | T_IF
    | T_IN | T_IT | T_NONE | T_NOT | T_OF | T_OR | T_POSITION | T_PREVIOUS | T_ROOT
    | T_THEN | T_TRUE | T_WHERE
    | T_CRITERION | T_DEFINE | T_DISABLE | T_ENUM | T_EXTEND | T_IMPORT | T_PARAM | T_RECORD
    | T_REPLACE | T_WAIVE | T_WORKFLOW
    ;

%%

/* The token number (build/parser.h) of a grammar symbol. */
static int token_of(yysymbol_kind_t sym)
{
    if (sym == YYSYMBOL_YYEOF)
        return T_EOF;
    for (int t = T_START_FILE; t <= YYMAXUTOK; t++)
        if (YYTRANSLATE(t) == sym)
            return t;
    return T_INVALID;
}

static int yyreport_syntax_error(const yypcontext_t *ctx, yyscan_t scanner, td_parse *p)
{
    yysymbol_kind_t syms[YYNTOKENS];
    int toks[YYNTOKENS];
    (void)scanner;
    int n = yypcontext_expected_tokens(ctx, syms, YYNTOKENS);
    if (n < 0)
        return n;
    for (int i = 0; i < n; i++)
        toks[i] = token_of(syms[i]);
    td_parse_syntax_error(p, token_of(yypcontext_token(ctx)), *yypcontext_location(ctx), toks, n);
    return 0;
}

/* Only called when the parser stack is exhausted (absurd nesting) or LAC runs out of memory. */
static void yyerror(const td_span *loc, yyscan_t scanner, td_parse *p, const char *msg)
{
    (void)scanner;
    (void)msg;
    td_parse_too_deep(p, *loc);
}
