/* The abstract syntax tree of a rule file, as the parser builds it (syntax only: no name is
 * looked up here). Pipeline: parse -> AST -> resolve. Every node lives in the parse arena. */
#ifndef TD_AST_H
#define TD_AST_H

#include <stdbool.h>
#include <stdint.h>

#include "arena.h"
#include "diag.h"
#include "ops.h"

typedef enum td_expr_kind {
    TD_X_NUMBER,    /* num; is_int tells 12 from 12.5 */
    TD_X_STRING,    /* str: the unescaped text (UTF-8) */
    TD_X_DATE,      /* str: the literal as written, "2024-02-30"; checked by resolve */
    TD_X_MONTH,     /* str: the literal as written, "2024-05" */
    TD_X_BOOL,      /* boolean */
    TD_X_NAME,      /* name: a bare identifier (field, param, let, binder or enum value) */
    TD_X_FIELD,     /* a.name: field `name` of the record `a` */
    TD_X_ROOT,      /* `root`: the document */
    TD_X_IT,        /* `it`: the current element of the innermost iteration */
    TD_X_PREVIOUS,  /* `previous`: the element before the current one (absent for the first) */
    TD_X_POSITION,  /* `position`: 1-based index of the current element */
    TD_X_ASOF,      /* `as_of`: the evaluation date */
    TD_X_LIST,      /* [a, b, c]: args */
    TD_X_UNARY,     /* op a */
    TD_X_BINARY,    /* a op b (and, or, comparisons, in, arithmetic) */
    TD_X_CALL,      /* name(args): present, empty, length, month_of, year_of, months, ... */
    TD_X_COUNT,     /* count([binder in] a [where b]) */
    TD_X_AGG,       /* agg(c of [binder in] a [where b]), agg = sum|min|max */
    TD_X_MINMAX,    /* min(a, b) / max(a, b): agg tells which */
    TD_X_QUANT,     /* all|any|none [binder in] a have b */
    TD_X_EACH,      /* each [binder in] a where b: the filtered list */
    TD_X_IF         /* if a then b else c */
} td_expr_kind;

typedef struct td_expr td_expr;

/* An expression. Which members are set depends on kind (see td_expr_kind). */
struct td_expr {
    td_expr_kind kind;
    td_span span;           /* the whole expression */
    td_op op;               /* UNARY, BINARY */
    td_agg agg;             /* AGG, MINMAX */
    td_quant quant;         /* QUANT */
    double num;             /* NUMBER */
    bool is_int;            /* NUMBER written without a decimal point */
    int64_t ival;           /* NUMBER with is_int: the exact value */
    bool boolean;           /* BOOL */
    const char *str;        /* STRING, DATE, MONTH; arena(parse) */
    const char *name;       /* NAME, FIELD (the field), CALL (the function); arena(parse) */
    td_span name_span;      /* NAME, FIELD, CALL: span of the name alone */
    const char *binder;     /* COUNT, AGG, QUANT, EACH: the bound name, or NULL for `it` */
    td_span binder_span;
    td_expr *a, *b, *c;     /* operands: see td_expr_kind */
    td_expr **args;         /* LIST, CALL: arguments; arena(parse) */
    uint32_t nargs;
    uint32_t depth;         /* nesting: 0 for a leaf, else 1 + the deepest operand */
};

/* The deepest nesting an expression may have (a chain of `and` or `+` nests one level per
 * term). Every pass over expressions recurses, in resolve, eval, fmt and the tools; this
 * bound keeps them all within a thread's stack. */
#define TD_MAX_EXPR_DEPTH 256

/* A dotted name: plan.has_dates, exemplars.plan. */
typedef struct td_dotted {
    const char **parts;     /* arena(parse) */
    td_span *spans;         /* span of each part */
    uint32_t n;
    td_span span;           /* the whole name */
    const char *text;       /* the parts joined with '.' */
    td_expr **filters;      /* `on` paths: the [condition] after each part, or NULL */
} td_dotted;

/* A quoted string with its span. */
typedef struct td_str {
    const char *text;       /* unescaped; arena(parse); NULL when absent */
    td_span span;           /* including the quotes */
} td_str;

typedef enum td_decl_kind {
    TD_D_PLAN, TD_D_IMPORT, TD_D_PARAM, TD_D_SET, TD_D_ENUM, TD_D_RECORD, TD_D_EXTEND,
    TD_D_DOCUMENT, TD_D_DEFINE, TD_D_CRITERION, TD_D_TARGET, TD_D_WORKFLOW, TD_D_DISABLE,
    TD_D_NOTE, TD_D_INDEX, TD_D_WAIVE
} td_decl_kind;

/* A field of a record or extend declaration: [required|optional] name: type ["label"]. */
typedef struct td_ast_type {
    bool is_list;           /* list of elem */
    struct td_ast_type *elem; /* when is_list */
    const char *name;       /* text int number bool date month, or an enum/record name */
    td_span span;
} td_ast_type;

typedef struct td_ast_field {
    const char *name;
    td_span span;           /* the name */
    bool required;          /* `required` was written; the default is optional */
    td_ast_type *type;
    td_str label;
} td_ast_field;

typedef struct td_ast_enum_item {
    const char *name;
    td_span span;
    td_str label;
} td_ast_enum_item;

/* One `let name = expr` of a criterion. */
typedef struct td_ast_let {
    const char *name;
    td_span span;
    td_expr *value;
} td_ast_let;

/* A guard of a workflow stage: guard STAGE "label" require EXPR [message "..."]. */
typedef struct td_ast_guard {
    td_expr *stage;
    td_str label;
    td_expr *require;
    td_str message;
    td_span span;
} td_ast_guard;

typedef struct td_ast_stage {
    td_expr *value;         /* the state value as written in the data (1, 2, or a name) */
    td_str label;
    td_span span;
    td_expr *after, *before; /* `extend workflow`: the stage it is inserted after / before */
} td_ast_stage;

/* One value of a param and when it is in force: VALUE [from DATE] [until DATE]. */
typedef struct td_ast_when {
    td_expr *value;
    td_expr *from, *until;  /* DATE literals, or NULL */
    td_span span;
} td_ast_when;

typedef struct td_ast_transition {
    td_expr *from, *to;
    td_span span;
} td_ast_transition;

/* One declaration. Which members are set depends on kind; `span` covers the keyword to
 * the end, `name_span` the declared name. Repeated clauses keep the last one and set
 * `dup_clause` to the span of the repetition, so resolve can report it. */
typedef struct td_decl {
    td_decl_kind kind;
    td_span span;
    bool replace;           /* CRITERION TARGET WORKFLOW INDEX NOTE ENUM RECORD DEFINE written
                             * as `replace ...` */
    bool extend;            /* ENUM, WORKFLOW written as `extend ...` (an overlay adds to it) */

    /* PLAN: plan "58-KH/BDVHU" "title" [by "issuer"] [dated 2024-03-28]
     *       [implements "111-KH/BDVTU", "330-KH/TU"] [period 2024-01-01 .. 2025-12-31]
     *       [language "vi"] */
    td_str plan_number, title, issuer;
    td_str language;        /* the users' language ("vi", "en"), or no text */
    td_expr *issued, *period_from, *period_to;  /* DATE literals */
    td_str *implements;
    uint32_t n_implements;
    td_str *outline;        /* [outline "I" "MỤC ĐÍCH, YÊU CẦU", "I.1", ...]: pairs of a
                             * clause number and its title (text NULL when none) */
    uint32_t n_outline;     /* entries: twice the clauses */

    /* IMPORT: import "province.rules" */
    td_str path;

    /* PARAM / SET: param name = expr ["label"] cite "II.2.1";  set name = expr */
    /* ENUM: enum name { a "label", b, ... };  RECORD / EXTEND: record name { fields } */
    /* DOCUMENT: document name  (the record a unit file holds) */
    /* DEFINE: define record.name ["label"] = expr */
    const char *name;       /* PARAM SET ENUM RECORD EXTEND DOCUMENT; DEFINE: the record */
    td_span name_span;
    const char *member;     /* DEFINE: the defined field name */
    td_span member_span;
    td_expr *value;         /* PARAM SET DEFINE; PARAM SET: the first of `whens` */
    td_ast_when *whens;     /* PARAM SET: every value with its dates (n_whens >= 1) */
    uint32_t n_whens;
    td_expr *range_lo, *range_hi; /* PARAM: `range LOW .. HIGH`, literals; NULL: no bound */
    td_span range_span;     /* PARAM: the range clause (len 0: none) */
    td_str label;           /* PARAM DEFINE CRITERION TARGET WORKFLOW NOTE */
    td_ast_enum_item *items;
    uint32_t n_items;
    td_ast_field *fields;
    uint32_t n_fields;
    const char *dated;      /* RECORD EXTEND: `dated FIELD`, the field dating each record; or NULL */
    td_span dated_span;

    /* CRITERION: criterion id "label" cite "II.2.2" on path, path [where expr]
     *            error|warning|info [due expr] [let n = expr]... require expr
     *            [message "... {expr} ..."] [hint "..."]
     * TARGET:    target id "label" cite "II.2.1" (count path | sum expr of path)
     *            [where expr] [by expr] [at least expr] [due expr]
     * WORKFLOW:  workflow id "label" cite "II.2.2" on path [where expr]
     *            history field state field dated field evidence field
     *            stage v "label"... initial v, ... transitions v -> v, ...
     *            guard v "label" require expr [message "..."]...
     * INDEX:     index id "label" cite "II.2.2" on path key expr [similar expr, ...]
 *            [require expr]   (on: n_on = 1; require: what found(id, owner, key) asks)
 * DISABLE:   disable id [because "reason"]
     * NOTE:      note [id] "I.1" "label" because "reason" */
    td_dotted id;           /* CRITERION TARGET WORKFLOW DISABLE; NOTE: its id (text NULL when
                             * it has none) */
    td_str cite;            /* CRITERION TARGET WORKFLOW NOTE (the clause) */
    td_dotted *on;          /* CRITERION WORKFLOW: entity paths; TARGET: the counted path */
    uint32_t n_on;
    td_expr *where;
    bool has_severity;
    td_severity severity;
    td_span severity_span;
    td_expr *due;
    td_ast_let *lets;
    uint32_t n_lets;
    td_expr *require;
    td_str message, hint, because;
    bool is_sum;            /* TARGET: sum expr of path (else count) */
    td_expr *sum_of;        /* TARGET: the summed expression */
    td_expr *by;            /* TARGET: group key */
    td_expr *at_least;      /* TARGET: the requirement, or NULL for a tally */
    const char *history, *state_field, *date_field, *evidence_field; /* WORKFLOW */
    td_span history_span, state_span, date_span, evidence_span;
    td_ast_stage *stages;
    uint32_t n_stages;
    td_expr **starts;
    uint32_t n_starts;
    td_ast_transition *transitions;
    uint32_t n_transitions;
    td_ast_guard *guards;
    uint32_t n_guards;
    td_expr *key;           /* INDEX: the entity's id in the batch */
    td_expr **similar;      /* INDEX: values that, equal in two units, suggest a copy */
    uint32_t n_similar;
    /* WAIVE: waive id "UNIT" [exemplar "ID"] because "reason" by "authority" (issuer)
     *        in "document" dated DATE (issued) [until DATE] */
    td_str unit, exemplar, document;
    td_expr *until;         /* DATE literal, or NULL */
    td_span dup_clause;     /* len > 0: a clause was written twice here */
    const char *dup_clause_name;
} td_decl;

/* A parsed rule file. */
typedef struct td_ast {
    uint32_t src;           /* index of its source in the program's source table */
    td_decl **decls;        /* arena(parse) */
    uint32_t n_decls;
    bool had_errors;        /* syntax errors were reported */
    td_span *comments;      /* each `#` comment, in source order (kept for fmt); arena(parse) */
    uint32_t n_comments;
} td_ast;

/* Parses one rule file. `src_index` is stored in every span. Syntax errors go to `d`
 * (at most 20 per file, with recovery per declaration) and set had_errors.
 * The AST lives in `a`. TD_ENOMEM only when out of memory; syntax errors return TD_OK
 * with (*out)->had_errors set. */
td_status td_parse_source(td_arena *a, const td_source *src, uint32_t src_index, td_diag *d,
                          td_ast **out);

/* Parses an expression written inside a message's {braces}: text[off, off+len) of src.
 * Used by resolve for message interpolation. NULL (with a diagnostic) on a syntax error. */
td_expr *td_parse_expr_at(td_arena *a, const td_source *src, uint32_t src_index, uint32_t off,
                          uint32_t len, td_diag *d);

/* Whether two ASTs say the same thing: the same declarations, clauses, names, literals and
 * expression trees, ignoring spans, source indexes and comments. Both are borrowed. */
bool td_ast_equal(const td_ast *a, const td_ast *b);

#endif
