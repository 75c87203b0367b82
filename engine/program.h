/* The compiled program: params, criteria, targets, workflows and notes with expressions
 * lowered to slots, plus the runtime values the evaluator computes with.
 * Pipeline: resolve -> td_program (program arena, read-only, shared by workers) -> eval. */
#ifndef TD_PROGRAM_H
#define TD_PROGRAM_H

#include "ops.h"
#include "schema.h"
#include "thidua.h"
#include "waiver.h"

/* ---- runtime values ---- */

typedef enum td_vkind {
    TD_V_ABSENT,    /* no value: an optional field not written, or an operation on one */
    TD_V_INVALID,   /* a value written wrong (the loader reported it): present, not usable */
    TD_V_BOOL, TD_V_INT, TD_V_NUM, TD_V_TEXT, TD_V_DATE, TD_V_MONTH, TD_V_ENUM,
    TD_V_RECORD,    /* u.node: a record node */
    TD_V_LIST       /* u.list */
} td_vkind;

typedef struct td_value td_value;
typedef struct td_vlist {
    const td_node *node;    /* a data list: iterate node->v.list (items is NULL) */
    td_value *items;        /* a computed list; arena(unit) */
    const td_type *elem;    /* element type */
    uint32_t n;
    bool dated;             /* a data list of dated records: skip those after the as-of date */
} td_vlist;                 /* (in this order: a value is 48 bytes, not 56) */

struct td_value {
    /* 16, as the compiler aligns a local value: then a function that builds the value it
     * returns in one local builds it in the caller's memory (the return slot), not on its
     * own stack to be copied out (whose 16-byte loads of the fields just stored stall) */
    _Alignas(16) td_vkind kind;
    const td_node *node;    /* where the value comes from in the data, for locations */
    union {
        bool b;
        int64_t i;
        double num;
        struct { const char *s; uint32_t len; } text;
        int32_t days;
        int32_t month;
        struct { const td_enum *en; uint32_t index; } en;
        const td_node *rec;
        td_vlist list;
    } u;
};

/* ---- compiled expressions ---- */

struct td_cexpr {
    /* what evaluating an operation reads, in its first 64 bytes (one or two cache lines: the
     * program's expressions are read again for each entity, after a unit's load has moved
     * them out of the first-level cache) */
    td_cop op;
    union {
        td_op op;               /* CMP ARITH */
        td_agg agg;             /* AGG MINMAX */
        td_quant quant;         /* QUANT */
    } sub;
    uint32_t memo;              /* an expression that rules on one entity share (the walk of
                                 * the criteria): 1 + its slot in the entity's values, or 0 */
    uint32_t up;                /* frames to go up (FIELD DEFINE LET IT PREVIOUS POSITION) */
    uint32_t slot;              /* FIELD GET: slot; LET: index */
    bool negate;                /* IN: not in */
    const td_type *type;        /* static type of the result */
    const td_cexpr *a, *b, *c;
    const td_define *def;       /* DEFINE GETDEF */
    td_value value;             /* CONST; LIST of constants only: the list (else ABSENT) */
    const td_cexpr **args;      /* LIST */
    uint32_t nargs;
    td_span span;               /* in the rules, for runtime diagnostics */
};

/* ---- declarations ---- */

/* A path from the document to the entities a rule applies to (`exemplars.plan`). */
typedef struct td_epath {
    uint32_t n;                 /* steps; 0 = the document itself */
    const uint32_t *slots;      /* slot at each step */
    const td_record **recs;     /* n + 1 records: the document's, then each step's */
    const td_cexpr **filters;   /* n conditions on the item reached at each step, or NULL */
    const char *text;           /* as written */
} td_epath;

/* A message with {expr} parts: text[0] expr[0] text[1] ... text[n]. */
typedef struct td_msg {
    uint32_t n;                 /* interpolated expressions */
    const char **text;          /* n + 1 literal pieces */
    const td_cexpr **expr;      /* n expressions */
} td_msg;

typedef struct td_param {
    const char *name, *label, *cite;
    const td_type *type;
    td_value value;             /* undated; dated: the value in force last */
    const td_value *values;     /* dated values (n_values >= 2), or NULL: see td_param_at */
    const int32_t *from;        /* the day each is in force from; from[0] is INT32_MIN */
    uint32_t n_values;
    td_span span;               /* the name in its declaration */
    td_span decl;               /* the whole declaration */
    bool overridden;            /* by `set` or -D */
    bool used;                  /* resolve: some rule reads it */
    td_value lo, hi;            /* `range LOW .. HIGH`; kind TD_V_ABSENT: no such bound */
    td_span range;              /* the range clause (len 0: none) */
    td_span given;              /* the value in force as written: the param's or the last
                                 * `set`'s (len 0: given by -D) */
    const char *given_define;   /* the -D option that gave the value, or NULL */
} td_param;

/* One criterion compiled for one of its `on` paths. What a rule run reads (where, require,
 * lets, n_lets) comes first, in one cache line when the variant starts in the first half of
 * one: each entity's rules find the program cold, a unit's load having moved it out of the
 * first-level cache (docs/performance.md, lever 28). */
typedef struct td_variant {
    const td_cexpr *where;      /* or NULL */
    const td_cexpr *require;
    const td_cexpr **lets;
    uint32_t n_lets;
    const td_cexpr *due;        /* or NULL */
    td_msg message;             /* n == 0 and text NULL: the label is the message */
    td_epath path;
} td_variant;

typedef struct td_criterion {
    const char *id, *label, *cite, *hint;
    td_severity severity;
    td_variant *variants;
    uint32_t n_variants;
    td_span span;               /* the id */
    td_span decl;               /* the whole declaration, for `thidua explain` */
} td_criterion;

/* A criterion's variant as the walk of the criteria runs it. */
typedef struct td_vrule {
    const td_criterion *c;
    const td_variant *v;
    uint32_t order;             /* the variant's rank in the program's order of criteria and
                                 * variants: findings are kept in that order (eval.c) */
} td_vrule;

/* The criteria as one walk of the document (resolve_visit.c): the `on` paths of every
 * variant merged into a tree whose nodes are the steps they share (the same slot and an
 * equal [filter]), so that each entity is reached once, each filter evaluated once per
 * item, and every rule on the entity run there. */
typedef struct td_vnode td_vnode;
struct td_vnode {
    uint32_t slot;              /* the step from the parent: a slot of its record */
    uint32_t depth;             /* steps from the document (the root: 0) */
    const td_cexpr *filter;     /* [condition] on the item reached, or NULL */
    const td_epath *path;       /* a path through this node, for the findings' data paths */
    const td_vnode *kids;       /* the steps on: those with the same slot next to each other */
    uint32_t n_kids;
    const td_vrule *rules;      /* the variants whose path ends here, in the program's order */
    uint32_t n_rules;
    uint32_t n_memo;            /* expressions its rules share, each evaluated once per entity
                                 * (td_cexpr.memo) */
};

/* What each entity's share reads (where, sum, by, the path) in the first 64 bytes, as
 * td_variant's. */
typedef struct td_target {
    const td_cexpr *where;      /* or NULL */
    const td_cexpr *sum;        /* sum EXPR of ...; NULL for count */
    const td_cexpr *by;         /* group key, or NULL */
    td_epath path;              /* the counted entities */
    const char *id, *label, *cite;
    const td_cexpr *at_least;   /* the requirement, or NULL for a tally (constant) */
    const td_cexpr *due;        /* or NULL (constant) */
    td_span span;               /* the id */
    td_span decl;               /* the whole declaration */
} td_target;

typedef struct td_guard {
    uint32_t stage;             /* index in stages */
    const char *label;
    const td_cexpr *require;    /* in the scope of the history entry */
    td_msg message;
} td_guard;

/* The checks a workflow makes on each history; `disable ID.CHECK` switches one off. */
typedef enum td_wf_check {
    TD_WF_STAGE,        /* the state is one of the declared stages */
    TD_WF_INITIAL,      /* the first entry is an initial stage */
    TD_WF_TRANSITION,   /* each entry follows the previous by an allowed transition */
    TD_WF_DATE,         /* every entry is dated */
    TD_WF_ORDER,        /* dates never go backwards */
    TD_WF_EVIDENCE,     /* every entry has evidence */
    TD_WF_FUTURE,       /* no entry is dated after the as-of date */
    TD_WF_GUARD,        /* the guards of each stage hold */
    TD_WF_NCHECKS
} td_wf_check;

/* Suffixes of the checks' rule ids: exemplar.steps.order. */
extern const char *const td_wf_check_names[TD_WF_NCHECKS];

typedef struct td_workflow {
    const char *id, *label, *cite;
    bool off[TD_WF_NCHECKS];    /* checks disabled by an overlay */
    td_epath path;              /* the entities that carry a history */
    const td_cexpr *where;
    uint32_t history_slot;      /* list field of the entity */
    const td_record *entry;     /* record of a history entry */
    uint32_t state_slot, date_slot, evidence_slot;
    td_value *stages;           /* stage values (constants) */
    const char **stage_labels;
    uint32_t n_stages;
    bool *initial;              /* n_stages flags */
    bool *allowed;              /* n_stages * n_stages: allowed[from * n + to] */
    td_guard *guards;
    uint32_t n_guards;
    td_span span;               /* the id */
    td_span decl;               /* the whole declaration */
} td_workflow;

typedef struct td_note {
    const char *id;             /* `note ID ...`, or NULL */
    const char *cite, *label, *because;
    td_span decl;
} td_note;

/* An index of entities known across the batch by an id (Decision 12): the same key in two
 * units is an error at both places; equal `similar` values in two units a warning; and
 * found(index, owner, key) asks whether unit `owner` has an entity with that key meeting
 * `require`. */
typedef struct td_index {
    const char *id, *label, *cite;
    td_epath path;              /* the indexed entities */
    const td_cexpr *key;        /* text */
    const td_cexpr *require;    /* or NULL: every indexed entity is found */
    const td_cexpr **similar;   /* values joined into one text, or none */
    uint32_t n_similar;
    td_span span;               /* the id */
    td_span decl;               /* the whole declaration */
} td_index;

typedef struct td_plan_info {
    const char *number, *title, *issuer, *issued;
    const char **implements;
    uint32_t n_implements;
    int32_t period_from, period_to;  /* days; 0 when not given */
    bool has_period;
    const char **clauses;            /* the outline: clause numbers, in the plan's order */
    const char **clause_titles;      /* and their titles ("" when none) */
    uint32_t n_clauses;              /* 0: no outline declared (cites are not checked) */
    const char *language;            /* as declared ("vi"), or NULL */
    td_lang lang;                    /* the same, or TD_LANG_AUTO */
} td_plan_info;

/* A label that inserts a dated param: pieces[0] {params[0]} pieces[1] ... (label.c). */
typedef struct td_label {
    const char *text;           /* the label as the program holds it: the key */
    uint32_t n;
    const char **pieces;        /* n + 1 literal pieces */
    const uint32_t *params;     /* n indices in params */
    const uint8_t *width;       /* n: digits a whole number is padded to with zeros, or 0 */
} td_label;

/* What an overlay changed: the declaration that gave a name its final form, and the one
 * it changed (for explain and diff). Strings in the program arena. */
typedef struct td_change {
    const char *kind;           /* criterion target workflow index note enum record define param */
    const char *id;             /* the id or name */
    const char *how;            /* "replaced", "extended", "set", "tightened" */
    uint32_t src, off;          /* the changing declaration: index in sources, byte offset */
    uint32_t was_src, was_off;  /* the declaration it changed */
} td_change;

/* A rule an overlay switched off: which, where, and why. Strings in the program arena. */
typedef struct td_disabled {
    const char *id, *because;
    uint32_t src;               /* index in sources */
    uint32_t off;               /* byte offset of the `disable` */
    const char *kind;           /* of what it switched off: "criterion", "workflow check"... */
    const char *label, *cite;   /* of the rule switched off, or NULL */
    td_span rule;               /* where that rule is declared (len 0: unknown) */
} td_disabled;

struct td_program {
    td_arena arena;             /* everything below lives here */
    td_source **sources;        /* owned: the rule files read */
    uint32_t n_sources;
    bool sources_on_disk;       /* read from files (not the built-in rules, not texts) */
    bool image;                 /* the built-in image (image.h): read-only, never freed */
    td_plan_info plan;
    td_schema schema;
    td_param *params;
    uint32_t n_params;
    td_criterion *criteria;
    uint32_t n_criteria;
    const td_vnode *visit;      /* the criteria's walk (the document), or NULL: no criteria */
    uint32_t visit_memo;        /* the largest n_memo of its nodes */
    td_target *targets;
    uint32_t n_targets;
    td_workflow *workflows;
    uint32_t n_workflows;
    td_note *notes;
    uint32_t n_notes;
    td_index *indexes;
    uint32_t n_indexes;
    td_change *changes;         /* owned: what overlays replaced, extended or set, in order */
    uint32_t n_changes;
    td_label *labels;           /* labels that insert a dated param */
    uint32_t n_labels;
    uint32_t n_disabled;        /* rules switched off by overlays */
    struct td_disabled *disabled; /* each `disable`, in the order of the rules */
    td_waiver *waivers;         /* each `waive`, in the order of the rules (Decision 11) */
    uint32_t n_waivers;
    const td_define *unit_id, *unit_name, *unit_level, *unit_group; /* report fields, or NULL */
    const td_define **report_values; /* the document's other defines, shown per unit */
    uint32_t n_report_values;
};

/* Formats a value for a message into the arena (lists joined with ", "). */
const char *td_value_format(const td_value *v, td_arena *a);

#endif
