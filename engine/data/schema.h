/* The data schema declared by the rule files (enums, records, fields), as resolve builds
 * it, and the typed document tree that load builds from a unit's YAML against it.
 * Pipeline: resolve -> td_schema (program arena, read-only) ; load -> td_node (unit arena). */
#ifndef TD_SCHEMA_H
#define TD_SCHEMA_H

#include <stdbool.h>
#include <stdint.h>

#include "arena.h"
#include "diag.h"

typedef enum td_tkind {
    TD_T_TEXT, TD_T_INT, TD_T_NUMBER, TD_T_BOOL, TD_T_DATE, TD_T_MONTH,
    TD_T_ENUM, TD_T_RECORD, TD_T_LIST
} td_tkind;

typedef struct td_type td_type;
typedef struct td_record td_record;
typedef struct td_cexpr td_cexpr;

typedef struct td_enum {
    const char *name;
    const char **values;    /* the codes written in the data: huyen, xa, ap */
    const char **labels;    /* Vietnamese label of each value, or NULL */
    uint32_t n;
} td_enum;

struct td_type {
    td_tkind kind;
    const td_enum *en;      /* ENUM */
    const td_record *rec;   /* RECORD */
    const td_type *elem;    /* LIST */
};

/* A data field of a record: a key of the YAML mapping. */
typedef struct td_field {
    const char *name;       /* the YAML key */
    const char *label;      /* Vietnamese label, or NULL */
    const td_type *type;
    bool required;          /* absent -> error of the loader */
    uint32_t slot;          /* index in td_node.v.rec.slots */
} td_field;

/* A computed field (`define record.name = expr`). */
typedef struct td_define {
    const char *name;
    const char *label;
    const td_type *type;    /* the type of the expression; NULL while being resolved */
    const td_cexpr *expr;   /* compiled in the scope of the record */
    void *ast;              /* resolve's bookkeeping (the td_decl) */
    const td_record *owner; /* the record it is defined on */
    int state;              /* resolve: 0 not compiled, 1 compiling, 2 done */
    uint32_t depth;         /* how deep evaluating it recurses (operations, defines) */
    bool used;              /* resolve: some rule or define reads it */
    td_span name_span;      /* resolve: where its name is declared, for the unused warning */
} td_define;

struct td_record {
    const char *name;
    td_field *fields;       /* in declaration order (extend appends) */
    uint32_t n_fields;      /* == number of slots */
    td_define *defines;
    uint32_t n_defines;
    const char *label;      /* Vietnamese label, or NULL */
    const char *cite;       /* clause of the plan its data answers, or NULL: data findings
                             * inside this record cite it */
    bool dated;             /* an event (`dated FIELD`): each record happened at a date */
    uint32_t dated_slot;    /* when dated: the slot of its date or month field */
    bool holds_events;      /* a dated record is this one or can be reached from its fields */
};

typedef struct td_schema {
    td_enum **enums;
    uint32_t n_enums;
    td_record **records;
    uint32_t n_records;
    const td_record *document;  /* the record a unit document holds */
    const td_type *document_type;
} td_schema;

/* Lookups; NULL when absent. */
const td_field *td_record_field(const td_record *r, const char *name);
const td_define *td_record_define(const td_record *r, const char *name);
/* Index of value `code` in the enum, or -1. */
int td_enum_index(const td_enum *e, const char *code, size_t len);
/* "text", "date", "list of exemplar", "level (huyen, xa, ap)"... into buf. */
const char *td_type_name(const td_type *t, char *buf, size_t size);

/* True when a text holds nothing but spaces, tabs, line breaks or no-break spaces: such a
 * text is as missing as no text at all (shared by load and eval). */
bool td_text_blank(const char *s, size_t len);

/* Calendar helpers. Dates are days since 1970-01-01; months are year*12 + (month-1). */
bool td_parse_date(const char *s, size_t len, int32_t *days);   /* strict YYYY-MM-DD */
bool td_parse_month(const char *s, size_t len, int32_t *month); /* strict YYYY-MM */
/* td_format_date and td_days_from_civil: include/thidua.h */
void td_format_month(int32_t month, char buf[8]);
void td_civil_from_days(int32_t days, int32_t *y, uint32_t *m, uint32_t *d);
int32_t td_month_of_date(int32_t days);
/* Why a YYYY-MM-DD string is not a date, for messages ("month 13 does not exist"). */
const char *td_date_problem(td_lang lang, const char *s, size_t len, char *buf, size_t size);

/* A value of the typed document tree. Nodes live in the unit arena. */
typedef struct td_node {
    const td_type *type;    /* the declared type this node was checked against */
    bool invalid;           /* the value was present but wrong (an error was reported) */
    bool null;              /* the key was written with no value: absent, but located */
    uint32_t line, col;     /* 1-based position of the value */
    uint32_t key_line, key_col; /* position of its mapping key or list dash; 0 when none;
                                 * key_col 0 on a list item: see td_item_dash_col */
    uint32_t width;         /* characters of a scalar, for the caret; 1 otherwise */
    union {
        struct { const char *s; uint32_t len; } text;   /* TEXT (NUL-terminated too) */
        int64_t i;                                      /* INT */
        double num;                                     /* NUMBER */
        bool b;                                         /* BOOL */
        int32_t days;                                   /* DATE */
        int32_t month;                                  /* MONTH */
        uint32_t enum_index;                            /* ENUM */
        struct td_node **slots;                         /* RECORD: n_fields entries, NULL = absent */
        struct { struct td_node **items; uint32_t n; } list; /* LIST */
    } v;
} td_node;

#endif
