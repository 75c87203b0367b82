/* Resolve and compile, internals: the state shared by the files resolve_*.c, one per
 * concern, as PostgreSQL's analyser splits into parse_*.c around one state. resolve.c runs
 * the stages in order (compile_all). Only the resolve files include this header. */
#ifndef TD_RESOLVE_INT_H
#define TD_RESOLVE_INT_H

#include "resolve.h"

#include "ast.h"
#include "eval.h"
#include "i18n.h"
#include "keywords.h"
#include "label.h"

#define MAX_IMPORT_DEPTH 32

/* One declaration with the file it came from. */
typedef struct td_rdecl {
    td_decl *decl;
    const td_source *src;
} td_rdecl;

/* An open-addressing table from (owner, name) to a number, in the parse arena: rule ids
 * (owner NULL) and the defines of each record, so that declaring and finding them stays
 * linear in their count. Sized once, for all the names it will hold. */
typedef struct td_nslot {
    const void *owner;
    const char *name;           /* NULL: an empty slot */
    uint32_t val;
} td_nslot;

typedef struct td_ntab {
    td_nslot *s;                /* arena(parse); NULL when empty */
    uint32_t mask;              /* slots - 1 */
} td_ntab;

/* A compile-time scope: mirrors one runtime frame. */
typedef struct td_scope {
    const struct td_scope *up;
    const td_type *elem;        /* type of the frame's element (record or scalar), or NULL */
    const char *binder;         /* the element's name, or NULL (implicit: fields in scope) */
    const char **let_names;     /* lets of an entity frame */
    const td_type **let_types;
    uint32_t n_lets;
} td_scope;

typedef struct td_rs {
    td_program *p;
    td_arena *pa;               /* program arena */
    td_arena parse;             /* parse arena: ASTs */
    td_diag *d;
    bool builtin;               /* read files from the built-in table */
    const td_rule_text *mem;    /* borrowed: texts read before the built-in table, or NULL */
    size_t n_mem;
    td_rdecl *decls;
    uint32_t n_decls, cap_decls;
    const char **stack;         /* import chain being read, for cycle detection */
    uint32_t depth;
    char **loaded;              /* canonical paths already read */
    uint32_t n_loaded;
    td_status fatal;            /* TD_ENOMEM / TD_EIO stop everything */
    td_decl **off_checks;       /* `disable WORKFLOW.CHECK` declarations */
    size_t errors0;             /* errors in the caller's sink before this compile */
    const char *rule_id;        /* the rule being compiled, or NULL */
    const char *rule_cite;      /* its clause, or NULL */
    uint32_t n_off_checks;
    bool in_criterion;          /* compiling a criterion: found() is allowed */
    const char **index_ids;     /* the indexes compiled so far, by number (found) */
    uint32_t n_index_ids;
    const td_type *t_text, *t_int, *t_number, *t_bool, *t_date, *t_month;
    td_ntab defines;            /* (record, name) -> index in record->defines */
    uint32_t nest;              /* cx calls in progress: how deep compilation recurses */
    bool nest_reported;         /* the error of too deep a nesting is said once */
    uint32_t *entry_src;        /* the sources of the files named by the caller (not imports) */
    size_t n_entry_src;
    uint32_t n_visit_nodes;     /* nodes of the criteria's walk made (resolve_visit.c) */
} td_rs;

/* How deep evaluation may recurse, counted in compiled operations plus those of the defines
 * they use (a chain of defines each using the previous one nests them all); and how deep
 * compilation may, counted in the same way. Both keep a thread's stack far from its end,
 * sanitizers included. */
#define MAX_EVAL_DEPTH 512

#define ERR(r, sp, code, ...) \
    td_rs_in_rule(r, td_diag_at((r)->d, TD_SEV_ERROR, code, td_rs_src_of(r, sp), (sp).off, \
                                (sp).len, __VA_ARGS__))
#define WARN(r, sp, code, ...) \
    td_rs_in_rule(r, td_diag_at((r)->d, TD_SEV_WARNING, code, td_rs_src_of(r, sp), (sp).off, \
                                (sp).len, __VA_ARGS__))

/* Which names a "did you mean" looks among. */
typedef enum td_name_set {
    NAMES_FIELDS,           /* the data fields of `rec` */
    NAMES_MEMBERS,          /* its data fields and computed fields */
    NAMES_RECORDS,          /* every record */
    NAMES_PARAMS            /* every param */
} td_name_set;

typedef struct td_cctx {
    td_rs *r;
    const char *rule;           /* for messages: "criterion plan.has_dates" */
} td_cctx;

/* What eval_depth needs besides the expression. */
typedef struct td_depth_ctx {
    const uint32_t *lets;       /* the depth of each let of the criterion, or NULL */
    uint32_t n_lets;
    bool deep_use;              /* set when a define or let used is past the bound */
} td_depth_ctx;

typedef struct td_rule_ref {
    const char *id;
    td_decl *decl;
    const td_source *src;
    bool disabled;
} td_rule_ref;

/* ---------- diagnostics, names and types (resolve_util.c) ---------- */

const td_source *td_rs_src_of(td_rs *r, td_span sp);
td_diagnostic *td_rs_in_rule(td_rs *r, td_diagnostic *e);
void td_rs_hint(td_rs *r, td_diagnostic *e, const char *fmt, const char *arg);
/* Hints where something was first declared: fmt (marked, translated here) takes the file,
 * line and column: "it was first declared at %s:%u:%u". */
void td_rs_where_first(td_rs *r, td_diagnostic *e, const char *fmt, td_span first);
bool td_rs_suggest_from(td_rs *r, td_diagnostic *e, const char *name, td_name_set set,
                        const td_record *rec);
td_type *td_rs_new_type(td_rs *r, td_tkind k);
const td_type *td_rs_list_of(td_rs *r, const td_type *elem);
bool td_rs_is_numeric(const td_type *t);
bool td_rs_same_type(const td_type *a, const td_type *b);
bool td_rs_ntab_init(td_rs *r, td_ntab *t, uint32_t n);
td_nslot *td_rs_ntab_slot(const td_ntab *t, const void *owner, const char *name);
const td_define *td_rs_define_of(td_rs *r, const td_record *rec, const char *name);
const char *td_rs_tname(const td_type *t, char *buf, size_t n);
void *td_rs_grow(td_rs *r, void *arr, uint32_t n, size_t size);
const char *td_rs_dup_opt(td_rs *r, const char *text);
const char *td_rs_label_of(td_rs *r, const td_str *s, const char *fallback);

/* ---------- files, imports and overlays (resolve_import.c) ---------- */

void td_rs_keep_change(td_rs *r, const char *kind, const char *id, const char *how,
                       const td_decl *d, td_span was);
void td_rs_load_file(td_rs *r, const char *path_in, const td_source *from, td_span at);
const td_decl *td_rs_note_named(td_rs *r, const char *id);
td_rule_ref *td_rs_collect_rules(td_rs *r, uint32_t *n_out);

/* ---------- schema, params and defines (resolve_schema.c) ---------- */

td_record *td_rs_find_record(td_rs *r, const char *name);
td_enum *td_rs_find_enum(td_rs *r, const char *name);
void td_rs_param_labels(td_rs *r);
void td_rs_build_schema(td_rs *r);
void td_rs_build_params(td_rs *r);
void td_rs_apply_defines(td_rs *r, const char *const *defs, size_t n);
void td_rs_compile_defines(td_rs *r);
void td_rs_ensure_define(td_rs *r, td_define *def, td_span at);
const td_define *td_rs_report_define(td_rs *r, const char *name);

/* ---------- expressions (resolve_expr.c) ---------- */

bool td_rs_const_value(td_rs *r, const td_expr *e, td_value *out, const td_type **type);
const td_param *td_rs_find_param(td_rs *r, const char *name);
bool td_rs_want(td_cctx *c, const td_cexpr *k, td_tkind kind, const char *what);
const td_cexpr *td_rs_coerce(td_cctx *c, const td_cexpr *k, const td_type *to);
uint32_t td_rs_eval_depth(const td_cexpr *k, td_depth_ctx *x);
const td_cexpr *td_rs_cx(td_cctx *c, const td_expr *e, const td_scope *s, const td_type *hint_t);
const td_cexpr *td_rs_cx_bool(td_cctx *c, const td_expr *e, const td_scope *s, const char *what);
bool td_rs_compile_message(td_cctx *c, const td_str *str, const td_scope *s, td_msg *out);
bool td_rs_resolve_epath(td_rs *r, const td_dotted *dp, td_epath *out, td_scope *scopes,
                         uint32_t max_scopes, td_cctx *c);
double td_rs_const_num(const td_cexpr *k);
const td_cexpr *td_rs_const_expr(td_cctx *c, const td_expr *e, const td_scope *s, td_tkind kind,
                                 const char *what);

/* ---------- rules (resolve_rules.c) ---------- */

td_decl *td_rs_extend_workflow(td_rs *r, const td_decl *base, const td_decl *ext);
void td_rs_build_rules(td_rs *r);

/* ---------- the walk of the criteria (resolve_visit.c) ---------- */

/* Builds td_program.visit from the criteria compiled. */
void td_rs_build_visits(td_rs *r);

/* ---------- plan, cites, warnings and waivers (resolve_plan.c) ---------- */

void td_rs_build_plan_info(td_rs *r);
void td_rs_check_cites(td_rs *r);
void td_rs_warn_unused(td_rs *r);
void td_rs_build_waivers(td_rs *r);

#endif
