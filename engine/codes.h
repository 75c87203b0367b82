/* Every diagnostic code the engine records, with its usual severity: one list, so that the
 * code, its documentation and its tests agree. Used by every stage that reports.
 * A code is stable (scripts read it as td_diag_info.code): never rename one. */
#ifndef TD_CODES_H
#define TD_CODES_H

#include "thidua.h"

/* X(NAME, "code", SEVERITY): TD_CODE_NAME is the constant that call sites pass; SEVERITY
 * (TD_SEV_...) is the one it is usually reported with (a rule's finding takes the rule's).
 * tests/codes.sh checks that each code has a golden case under tests/golden, except those
 * marked "no case:" with the reason no input can produce them. */
#define TD_CODES(X) \
    /* the rule language: lexer and parser (parse.c, ast.c, fmt.c) */ \
    X(SYNTAX,              "syntax",              ERROR) \
    X(NUMBER_RANGE,        "number-range",        ERROR) \
    X(BAD_ESCAPE,          "bad-escape",          ERROR) \
    X(BAD_QUOTE,           "bad-quote",           ERROR) \
    X(DATE_FORMAT,         "date-format",         ERROR) \
    X(DECIMAL_COMMA,       "decimal-comma",       ERROR) \
    X(INVALID_CHARACTER,   "invalid-character",   ERROR) \
    X(INVALID_UTF8,        "invalid-utf8",        ERROR) \
    X(KEYWORD_AS_NAME,     "keyword-as-name",     ERROR) \
    X(NAME_DIACRITICS,     "name-diacritics",     ERROR) \
    X(TOO_LARGE,           "too-large",           ERROR) /* no case: a file of 4 GiB */ \
    X(TOO_DEEP,            "too-deep",            ERROR) \
    X(TOO_MANY_ERRORS,     "too-many-errors",     INFO) \
    X(UNTERMINATED_STRING, "unterminated-string", ERROR) \
    X(DUPLICATE_CLAUSE,    "duplicate-clause",    ERROR) \
    X(OVERLAY_FORM,        "overlay-form",        ERROR) \
    /* rule files: imports, overlays, names, types, rules (resolve_*.c, label.c) */ \
    X(ALWAYS_FAILS,        "always-fails",        WARNING) \
    X(ARITH,               "arith",               ERROR) \
    X(ARITY,               "arity",               ERROR) \
    X(BAD_DATE,            "bad-date",            ERROR) \
    X(BAD_MONTH,           "bad-month",           ERROR) \
    X(DEFINE,              "define",              ERROR) \
    X(DEFINE_CYCLE,        "define-cycle",        ERROR) \
    X(DISABLE_BECAUSE,     "disable-because",     ERROR) \
    X(DISABLE_KIND,        "disable-kind",        ERROR) \
    X(DISABLED_TWICE,      "disabled-twice",      WARNING) \
    X(DUPLICATE,           "duplicate",           ERROR) \
    X(DUPLICATE_RULE,      "duplicate-rule",      ERROR) \
    X(EXTEND_WORKFLOW,     "extend-workflow",     ERROR) \
    X(FIELD_TYPE,          "field-type",          ERROR) \
    X(FOUND_SCOPE,         "found-scope",         ERROR) \
    X(IMPORT_CYCLE,        "import-cycle",        ERROR) \
    X(IMPORT_DEPTH,        "import-depth",        ERROR) \
    X(IMPORT_MISSING,      "import-missing",      ERROR) \
    X(IMPORT_PATH,         "import-path",         ERROR) \
    X(INDEX,               "index",               ERROR) \
    X(LABEL_PARAM,         "label-param",         ERROR) \
    X(LANGUAGE,            "language",            ERROR) \
    X(MESSAGE,             "message",             ERROR) \
    X(MISSING_CITE,        "missing-cite",        ERROR) \
    X(MISSING_COUNT,       "missing-count",       ERROR) \
    X(MISSING_LABEL,       "missing-label",       ERROR) \
    X(MISSING_ON,          "missing-on",          ERROR) \
    X(MISSING_REQUIRE,     "missing-require",     ERROR) \
    X(MISSING_SEVERITY,    "missing-severity",    ERROR) \
    X(NEGATIVE_TARGET,     "negative-target",     ERROR) \
    X(NEVER_APPLIES,       "never-applies",       WARNING) \
    X(NEVER_FAILS,         "never-fails",         WARNING) \
    X(NO_DOCUMENT,         "no-document",         ERROR) \
    X(NOT_A_RECORD,        "not-a-record",        ERROR) \
    X(NOT_CONSTANT,        "not-constant",        ERROR) \
    X(NOT_RULES,           "not-rules",           ERROR) \
    X(NOTE,                "note",                ERROR) \
    X(PARAM_DATES,         "param-dates",         ERROR) \
    X(PARAM_RANGE,         "param-range",         ERROR) \
    X(PARAM_VALUE,         "param-value",         ERROR) \
    X(PATH,                "path",                ERROR) \
    X(PERIOD,              "period",              ERROR) \
    X(REPLACE_KIND,        "replace-kind",        ERROR) \
    X(SCOPE,               "scope",               ERROR) \
    X(TYPE,                "type",                ERROR) \
    X(UNKNOWN_CLAUSE,      "unknown-clause",      ERROR) \
    X(UNKNOWN_FIELD,       "unknown-field",       ERROR) \
    X(UNKNOWN_FUNCTION,    "unknown-function",    ERROR) \
    X(UNKNOWN_INDEX,       "unknown-index",       ERROR) \
    X(UNKNOWN_NAME,        "unknown-name",        ERROR) \
    X(UNKNOWN_PARAM,       "unknown-param",       ERROR) \
    X(UNKNOWN_RULE,        "unknown-rule",        ERROR) \
    X(UNKNOWN_STAGE,       "unknown-stage",       ERROR) \
    X(UNKNOWN_TYPE,        "unknown-type",        ERROR) \
    X(UNKNOWN_VALUE,       "unknown-value",       ERROR) \
    X(UNUSED,              "unused",              WARNING) \
    X(WAIVER_CLAUSE,       "waiver-clause",       ERROR) \
    X(WAIVER_DISABLED,     "waiver-disabled",     WARNING) \
    X(WAIVER_EMPTY,        "waiver-empty",        ERROR) \
    X(WAIVER_EXEMPLAR,     "waiver-exemplar",     ERROR) \
    X(WAIVER_TARGET,       "waiver-target",       ERROR) \
    X(WAIVER_TWICE,        "waiver-twice",        WARNING) \
    X(WAIVER_UNIT,         "waiver-unit",         ERROR) \
    X(WAIVER_UNTIL,        "waiver-until",        ERROR) \
    X(WORKFLOW,            "workflow",            ERROR) \
    /* unit data: reading and typing a YAML document (load_*.c) */ \
    X(DATA_DATE,           "data.date",           ERROR) \
    X(DATA_DUPLICATE_KEY,  "data.duplicate_key",  ERROR) \
    X(DATA_EMPTY,          "data.empty",          ERROR) \
    X(DATA_ENUM,           "data.enum",           ERROR) \
    X(DATA_KEY,            "data.key",            ERROR) \
    X(DATA_LIMIT,          "data.limit",          ERROR) \
    X(DATA_MERGE,          "data.merge",          ERROR) \
    X(DATA_MONTH,          "data.month",          ERROR) \
    X(DATA_NOT_A_MAPPING,  "data.not_a_mapping",  ERROR) \
    X(DATA_NUL,            "data.nul",            ERROR) \
    X(DATA_REQUIRED,       "data.required",       ERROR) \
    X(DATA_SYNTAX,         "data.syntax",         ERROR) \
    X(DATA_TAG,            "data.tag",            WARNING) \
    X(DATA_TYPE,           "data.type",           ERROR) \
    X(DATA_UNKNOWN_FIELD,  "data.unknown_field",  WARNING) \
    X(DATA_UTF8,           "data.utf8",           ERROR) \
    /* a batch of unit files (batch.c) */ \
    X(BATCH_DUPLICATE_ID,  "batch.duplicate_id",  ERROR) \
    X(DATA_NO_DOCUMENT,    "data.no_document",    ERROR) \
    X(DATA_UNREADABLE,     "data.unreadable",     ERROR) \
    /* evaluation: a rule's finding, and waivers at the as-of date (eval.c, waiver.c) */ \
    X(RULE,                "rule",                ERROR) \
    X(WAIVER_EXPIRED,      "waiver-expired",      WARNING) \
    X(WAIVER_NOT_YET,      "waiver-not-yet",      WARNING) \
    X(WAIVER_UNMATCHED,    "waiver-unmatched",    WARNING) \
    /* rule tests (ruletest.c) */ \
    X(TEST,                "test",                ERROR) \
    /* any stage */ \
    X(IO,                  "io",                  ERROR) \
    X(INTERNAL,            "internal",            ERROR) /* no case: a bug, never the input's */

typedef enum td_code {
#define TD_CODE_ENUM(name, text, sev) TD_CODE_##name,
    TD_CODES(TD_CODE_ENUM)
#undef TD_CODE_ENUM
    TD_CODE_COUNT
} td_code;

/* The code's text ("data.type"); static. */
const char *td_code_name(td_code c);

/* The severity the code is usually reported with. */
td_severity td_code_severity(td_code c);

/* The code whose text is `text`, or TD_CODE_COUNT when none is. */
td_code td_code_of(const char *text);

#endif
