/* Loading unit data: libyaml events into a generic YAML tree (with duplicate-key, depth,
 * alias and size checks), then that tree typed against the schema into td_node.
 * Pipeline: unit file bytes -> td_ynode -> td_node (unit arena) -> eval. */
#ifndef TD_LOAD_H
#define TD_LOAD_H

#include "schema.h"

/* Bounds that keep a hostile file from costing unbounded time or memory. */
typedef struct td_limits {
    uint32_t max_depth;         /* nesting of mappings/sequences; default 64 */
    uint32_t max_scalar;        /* bytes of one scalar; default 65536 */
    uint32_t max_nodes;         /* nodes of one document after alias expansion; default 200000 */
    uint32_t max_aliases;       /* alias uses in one document; default 1000 */
} td_limits;

void td_limits_default(td_limits *l);

typedef enum td_ykind { TD_Y_NULL, TD_Y_SCALAR, TD_Y_MAP, TD_Y_SEQ } td_ykind;

typedef struct td_ynode td_ynode;
typedef struct td_ypair { td_ynode *key, *value; } td_ypair;

/* A generic YAML node. Aliases point at the anchored node (shared, never copied). */
struct td_ynode {
    td_ykind kind;
    uint32_t line, col;         /* 1-based start of the node (libyaml marks + 1) */
    uint32_t width;             /* characters of a scalar on its first line; 1 otherwise */
    bool plain;                 /* SCALAR: written without quotes (so `null`, `~` mean null) */
    const char *text;           /* SCALAR: NUL-terminated; arena(unit) */
    uint32_t len;               /* SCALAR: bytes */
    td_ypair *pairs;            /* MAP; a duplicate key is reported and the first kept */
    td_ynode **items;           /* SEQ */
    uint32_t n;                 /* MAP pairs or SEQ items */
};

typedef struct td_yaml td_yaml;

/* Starts reading the documents of `src` (borrowed; must outlive the reader).
 * Caller owns *out (td_yaml_close). TD_ENOMEM only. */
td_status td_yaml_open(const td_source *src, const td_limits *lim, td_yaml **out);

/* Reads the next document into arena `a`: *root is NULL at the end of the stream.
 * Problems (syntax errors with libyaml's location, invalid UTF-8, duplicate keys, limits)
 * are findings in `d` with the file's name and line:column; after a syntax error the rest
 * of the file is skipped (*root NULL). *doc_line is the line where the document starts.
 * An empty document gives a TD_Y_NULL root. Returns TD_ENOMEM or TD_OK. */
td_status td_yaml_next(td_yaml *y, td_arena *a, td_diag *d, td_ynode **root, uint32_t *doc_line);

/* What typing straight from the events keeps from one document and one file to the next (a
 * worker's: caches and scratch); td_yaml_next_typed makes it, td_fast_free frees it. */
typedef struct td_fast td_fast;
void td_fast_free(td_fast *f);

/* A document read and typed by td_yaml_next_typed. */
typedef struct td_ydoc {
    td_node *node;          /* typed against the schema; NULL (with tree) at the end */
    const td_ynode *tree;   /* its generic tree, when one was built (a document that typed
                             * with findings, or was refused); else NULL: see td_yaml_tree */
    uint32_t line;          /* 1-based line of its root value */
    uint32_t doc_line;      /* where the document starts */
} td_ydoc;

/* td_yaml_next then td_type_document against `type` (which reports what it reports), into
 * arena `a`: node and tree NULL at the end of the stream. *fast (owned by the caller, made when
 * NULL) must be used by one reader at a time. A document that types without any
 * finding is typed straight from libyaml's events, without its generic tree (the same nodes).
 * Returns TD_ENOMEM or TD_OK. */
td_status td_yaml_next_typed(td_yaml *y, td_fast **fast, const td_type *type, td_arena *a,
                             td_diag *d, td_ydoc *out);

/* The generic tree of `doc`, the document td_yaml_next_typed read last: doc->tree, or built
 * now in `a` from its events (NULL when out of memory). `d` gets no findings. */
const td_ynode *td_yaml_tree(td_yaml *y, const td_ydoc *doc, td_arena *a, td_diag *d);

/* For a document typed without its tree: where `id` is as the value of an `id` key, as a
 * search of the tree for the shallowest `id: ID` finds it (mapping by mapping, a mapping's
 * own keys first); false when the tree must be searched (no such key, or doc->tree). */
bool td_yaml_id_at(const td_yaml *y, const td_ydoc *doc, const char *id, uint32_t *line,
                   uint32_t *col, uint32_t *width);

/* Like td_yaml_open, for a part of src: reading starts at the 1-based line start_line (a
 * `---` line; 0 or 1: the file's start) and ends before the document that starts at line
 * stop_line (0: the end). The documents read are those a reader of the whole file would
 * read there, with the same findings: when the part does not start a document exactly at
 * stop_line (a syntax error across it), it reads on to the end of the file instead, and
 * td_yaml_overran then says so. TD_ENOMEM only. */
td_status td_yaml_open_part(const td_source *src, const td_limits *lim, uint32_t start_line,
                            uint32_t stop_line, td_yaml **out);
bool td_yaml_overran(const td_yaml *y);

void td_yaml_close(td_yaml *y);

/* Types a generic document against `type` (normally schema->document_type). Wrong types,
 * bad dates and months, values outside an enum, missing required fields are errors; keys
 * the schema does not know are warnings with a "did you mean" hint. Findings go to `d`,
 * located in `src`. The result is never NULL unless out of memory: a wrong value becomes a
 * node with `invalid` set (or an absent slot for null). Nodes live in `a`. */
td_status td_type_document(const td_type *type, const td_ynode *root, const td_source *src,
                           td_arena *a, td_diag *d, td_node **out);

/* The column of the '-' of a list item that starts at line:col (1-based) of src, when the
 * item follows it on that line; else col. Typing stores a list item's key column as 0 and
 * leaves this to whoever reports at it (td_node.key_col). */
uint32_t td_item_dash_col(const td_source *src, uint32_t line, uint32_t col);

#endif
