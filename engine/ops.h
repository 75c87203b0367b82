/* Operators and compiled operations: the enums the evaluator switches on. The parser writes
 * td_op, td_agg and td_quant into the AST; resolve lowers expressions to td_cop nodes that keep
 * them (td_cexpr in program.h). Pipeline: parse -> resolve -> eval. */
#ifndef TD_OPS_H
#define TD_OPS_H

/* Unary and binary operators, as written and as compiled (td_cexpr.sub.op of CMP, ARITH). */
typedef enum td_op {
    TD_OP_OR, TD_OP_AND, TD_OP_NOT, TD_OP_NEG,
    TD_OP_EQ, TD_OP_NE, TD_OP_LT, TD_OP_LE, TD_OP_GT, TD_OP_GE,
    TD_OP_IN, TD_OP_NOT_IN,
    TD_OP_ADD, TD_OP_SUB, TD_OP_MUL, TD_OP_DIV
} td_op;

/* sum, min and max of a list (AGG), or min and max of two values (MINMAX). */
typedef enum td_agg { TD_AGG_SUM, TD_AGG_MIN, TD_AGG_MAX } td_agg;

/* all, any, none ... have ... */
typedef enum td_quant { TD_Q_ALL, TD_Q_ANY, TD_Q_NONE } td_quant;

/* A compiled operation (td_cexpr.op); the comments name the td_cexpr members it reads. */
typedef enum td_cop {
    TD_CX_CONST,    /* value */
    TD_CX_ROOT,     /* the document */
    TD_CX_FIELD,    /* slot of the record in frame `up` */
    TD_CX_DEFINE,   /* computed field `def` of the record in frame `up` */
    TD_CX_LET,      /* let number `index` of frame `up` */
    TD_CX_IT,       /* the element of frame `up` (binder or `it`) */
    TD_CX_PREVIOUS, /* the element before it in frame `up` */
    TD_CX_POSITION, /* 1-based position in frame `up` */
    TD_CX_ASOF,
    TD_CX_GET,      /* field `slot` of record value a; over a list: mapped and flattened */
    TD_CX_GETDEF,   /* computed field `def` of record value a (mapped over a list) */
    TD_CX_NOT, TD_CX_NEG, TD_CX_AND, TD_CX_OR,
    TD_CX_CMP,      /* op: EQ NE LT LE GT GE */
    TD_CX_IN,       /* a in list b (NOT_IN when negate) */
    TD_CX_ARITH,    /* op: ADD SUB MUL DIV on numbers; date/month +- int; date - date */
    TD_CX_LIST,     /* [args] */
    TD_CX_PRESENT, TD_CX_EMPTY, TD_CX_LENGTH, TD_CX_MONTH_OF, TD_CX_YEAR_OF, TD_CX_MONTHS,
    TD_CX_NOSPACE,  /* without_spaces(text) */
    TD_CX_COUNT,    /* count(a where b) */
    TD_CX_AGG,      /* agg(c of a where b) */
    TD_CX_MINMAX,   /* min/max(a, b) */
    TD_CX_QUANT,    /* all/any/none a have b */
    TD_CX_EACH,     /* each a where b */
    TD_CX_IF,
    TD_CX_FOUND,    /* found(index `slot`, owner a, key b): decided across units (eval.c) */
    TD_CX_PARAM     /* param number `slot`, dated: the value in force at the as-of date */
} td_cop;

#endif
