/* The formatter: reprints a parsed rule file in the standard layout and puts every comment
 * back next to the declaration or clause it belongs to. Pipeline: rule text -> parse ->
 * td_ast -> fmt -> rule text (then parsed again, to check that nothing changed).
 *
 * How it works. Each declaration is laid out as groups of "units" (a unit is the head of a
 * declaration, one clause, one enum item or record field, a closing brace); a group is
 * printed on one line when it fits in TD_FMT_WIDTH characters and no comment sits inside
 * it, otherwise one unit per line. Every unit knows the byte range of the source it comes
 * from (found with the token list), so each comment is attached to a unit: a comment on a
 * line of its own goes before the unit of the next token, a comment after code goes at the
 * end of the line of the unit of the previous token. Blank lines between top-level items
 * are kept (one at most); declarations of different kinds are always set apart. */
#include "fmt.h"

#include <stdlib.h>
#include <string.h>

#include "keywords.h"
#include "parse.h"
#include "parser.h"

enum { IND = 4 };

/* A growable string; out of memory is sticky. */
typedef struct sb {
    char *s;
    size_t n, cap;
    bool oom;
} sb;

static void sb_add(sb *b, const char *s, size_t n)
{
    if (b->oom)
        return;
    if (b->n + n + 1 > b->cap) {
        size_t cap = b->cap ? b->cap : 256;
        while (cap < b->n + n + 1)
            cap *= 2;
        char *g = realloc(b->s, cap);
        if (!g) {
            b->oom = true;
            return;
        }
        b->s = g;
        b->cap = cap;
    }
    memcpy(b->s + b->n, s, n);
    b->n += n;
    b->s[b->n] = '\0';
}

static void sb_puts(sb *b, const char *s)
{
    sb_add(b, s, strlen(s));
}

static void sb_putc(sb *b, char c)
{
    sb_add(b, &c, 1);
}

static void sb_spaces(sb *b, int n)
{
    for (int i = 0; i < n; i++)
        sb_putc(b, ' ');
}

/* Characters (not bytes) of UTF-8 text. */
static uint32_t width_of(const char *s, size_t n)
{
    uint32_t w = 0;
    for (size_t i = 0; i < n; i++)
        w += ((unsigned char)s[i] & 0xC0) != 0x80;
    return w;
}

typedef struct tok {
    int kind;
    uint32_t off, len;
} tok;

/* A comment of the source and where it goes. */
typedef struct cmt {
    uint32_t off, len;      /* the text, trailing blanks left out */
    bool own;               /* on a line of its own (else after code) */
    int32_t next;           /* the next comment of the same list, or -1 */
} cmt;

typedef struct list {
    int32_t first, last;
} list;

/* One piece printed as a whole. */
typedef struct unit {
    const char *text;       /* arena */
    uint32_t len, width;
    uint32_t lo, hi;        /* the source bytes it comes from */
    uint32_t decl;
    int cind;               /* indentation of the comments printed before it */
    list cm;                /* its comments, in source order */
    bool brk;               /* the author began a line with it: it starts a line here too */
} unit;

/* Units printed on one line when they fit; else `indent` for the first, `cont` for the rest. */
typedef struct group {
    uint32_t first, n;
    int indent, cont;
} group;

typedef struct dlay {
    const td_decl *d;
    uint32_t g_first, n_groups;
    uint32_t u_first;       /* its head unit */
    list after;             /* indented comments right after it */
} dlay;

typedef struct fmt {
    const td_source *src;
    const td_ast *ast;
    td_arena *arena;
    td_diag *diag;
    tok *toks;
    uint32_t ntok;
    cmt *cms;
    uint32_t ncm;
    unit *units;
    uint32_t nunits, capu;
    group *groups;
    uint32_t ngroups, capg;
    dlay *decls;
    uint32_t *order;        /* unit indexes sorted by lo */
    list eof;               /* comments after the last declaration */
    sb cur;                 /* the unit being built */
    uint32_t g_open;        /* first unit of the group being built */
    int g_indent, g_cont;
    uint32_t cur_decl;
    int own_parens;         /* parentheses around the next expression that are its
                             * construct's own, as in present(x) or count(x) */
    bool oom;
} fmt;

/* Tokens. */

static td_status lex_all(fmt *f)
{
    const td_source *src = f->src;
    uint32_t off = src->len >= 3 && memcmp(src->text, "\xEF\xBB\xBF", 3) == 0 ? 3 : 0;
    td_diag scratch;
    td_diag_init(&scratch);
    td_parse p;
    td_status st = td_parse_open(&p, f->arena, src, f->ast->src, &scratch, off,
                                 (uint32_t)src->len - off, 0);
    uint32_t cap = 0;
    while (st == TD_OK) {
        td_token t;
        int k = td_lex(&p, &t);
        if (p.oom) {
            st = TD_ENOMEM;
            break;
        }
        if (k == T_EOF)
            break;
        if (f->ntok == cap) {
            cap = cap ? cap * 2 : 1024;
            tok *g = realloc(f->toks, cap * sizeof *g);
            if (!g) {
                st = TD_ENOMEM;
                break;
            }
            f->toks = g;
        }
        f->toks[f->ntok++] = (tok){k, t.span.off, t.span.len};
    }
    td_parse_close(&p);
    td_diag_free(&scratch);
    return st;
}

/* Index of the first token that starts at or after `off` (ntok when none). */
static uint32_t tok_at(const fmt *f, uint32_t off)
{
    uint32_t lo = 0, hi = f->ntok;
    while (lo < hi) {
        uint32_t mid = lo + (hi - lo) / 2;
        if (f->toks[mid].off < off)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

static uint32_t tok_end(const fmt *f, uint32_t i)
{
    return f->toks[i].off + f->toks[i].len;
}

/* The offset of the token `k` tokens before the one at `off` (clause keywords). */
static uint32_t back(const fmt *f, uint32_t off, uint32_t k)
{
    uint32_t i = tok_at(f, off);
    return i >= k ? f->toks[i - k].off : off;
}

/* The tokens of a clause-level expression with its own parentheses, which its span leaves
 * out: *lo is the index of its first token, the result the byte after its last. */
static uint32_t expr_range(const fmt *f, const td_expr *e, uint32_t *lo)
{
    uint32_t i = tok_at(f, e->span.off), n = 0;
    while (i > 0 && f->toks[i - 1].kind == T_LPAREN)
        i--, n++;
    *lo = i;
    uint32_t end = e->span.off + e->span.len, j = tok_at(f, end);
    while (n > 0 && j < f->ntok && f->toks[j].kind == T_RPAREN)
        end = tok_end(f, j++), n--;
    return end;
}

/* The offset of the clause keyword `k` tokens before a clause-level expression. */
static uint32_t expr_lo(const fmt *f, const td_expr *e, uint32_t k)
{
    uint32_t i;
    expr_range(f, e, &i);
    return i >= k ? f->toks[i - k].off : f->toks[i].off;
}

static uint32_t expr_hi(const fmt *f, const td_expr *e)
{
    uint32_t i;
    return expr_range(f, e, &i);
}

static uint32_t span_end(td_span s)
{
    return s.off + s.len;
}

/* Building units and groups. */

static void begin(fmt *f)
{
    f->cur.n = 0;
    if (f->cur.s)
        f->cur.s[0] = '\0';
}

static void end_unit(fmt *f, uint32_t lo, uint32_t hi, int cind)
{
    if (f->cur.oom)
        f->oom = true;
    if (f->oom)
        return;
    if (f->nunits == f->capu) {
        uint32_t cap = f->capu ? f->capu * 2 : 256;
        unit *g = realloc(f->units, cap * sizeof *g);
        if (!g) {
            f->oom = true;
            return;
        }
        f->units = g;
        f->capu = cap;
    }
    char *text = td_arena_strndup(f->arena, f->cur.s ? f->cur.s : "", f->cur.n);
    if (!text) {
        f->oom = true;
        return;
    }
    unit *u = &f->units[f->nunits++];
    u->text = text;
    u->len = (uint32_t)f->cur.n;
    u->width = width_of(text, f->cur.n);
    u->lo = lo;
    u->hi = hi > lo ? hi : lo + 1;
    u->decl = f->cur_decl;
    u->cind = cind;
    u->cm = (list){-1, -1};
    u->brk = false;
}

static void open_group(fmt *f, int indent, int cont)
{
    f->g_open = f->nunits;
    f->g_indent = indent;
    f->g_cont = cont;
}

static void close_group(fmt *f)
{
    if (f->oom || f->nunits == f->g_open)
        return;
    if (f->ngroups == f->capg) {
        uint32_t cap = f->capg ? f->capg * 2 : 128;
        group *g = realloc(f->groups, cap * sizeof *g);
        if (!g) {
            f->oom = true;
            return;
        }
        f->groups = g;
        f->capg = cap;
    }
    f->groups[f->ngroups++] = (group){f->g_open, f->nunits - f->g_open, f->g_indent, f->g_cont};
}

/* Printing the pieces. */

/* A string as written, quotes included; a tab in it becomes \t. Escapes stay as they are,
 * so that \{ (a brace) and { (a value in a message) keep their meaning. */
static void put_str(fmt *f, sb *b, td_str s)
{
    const char *t = f->src->text + s.span.off;
    for (uint32_t i = 0; i < s.span.len; i++) {
        if (t[i] == '\t')
            sb_add(b, "\\t", 2);
        else
            sb_putc(b, t[i]);
    }
}

static void put_raw(fmt *f, sb *b, td_span s)
{
    sb_add(b, f->src->text + s.off, s.len);
}

/* Binding levels, loosest first (grammar/parser.y): the forms whose body reaches to the
 * right (if, all, any, none, each) 0, or 1, and 2, not 3, comparisons 4, + - 5, * / 6,
 * unary - 7, postfix and primaries 8. */
static int op_level(td_op op)
{
    switch (op) {
    case TD_OP_OR: return 1;
    case TD_OP_AND: return 2;
    case TD_OP_NOT: return 3;
    case TD_OP_ADD:
    case TD_OP_SUB: return 5;
    case TD_OP_MUL:
    case TD_OP_DIV: return 6;
    case TD_OP_NEG: return 7;
    default: return 4;
    }
}

static int level(const td_expr *e)
{
    switch (e->kind) {
    case TD_X_UNARY:
    case TD_X_BINARY: return op_level(e->op);
    case TD_X_IF:
    case TD_X_QUANT:
    case TD_X_EACH: return 0;
    default: return 8;
    }
}

/* A form that starts with its operator and whose operand ends it: it takes in every
 * operator that follows it and binds tighter than its level. */
static bool is_prefix(const td_expr *e)
{
    return e->kind == TD_X_UNARY || e->kind == TD_X_IF || e->kind == TD_X_QUANT ||
           e->kind == TD_X_EACH;
}

static const char *op_text(td_op op)
{
    switch (op) {
    case TD_OP_OR: return "or";
    case TD_OP_AND: return "and";
    case TD_OP_NOT: return "not";
    case TD_OP_NEG: return "-";
    case TD_OP_EQ: return "==";
    case TD_OP_NE: return "!=";
    case TD_OP_LT: return "<";
    case TD_OP_LE: return "<=";
    case TD_OP_GT: return ">";
    case TD_OP_GE: return ">=";
    case TD_OP_IN: return "in";
    case TD_OP_NOT_IN: return "not in";
    case TD_OP_ADD: return "+";
    case TD_OP_SUB: return "-";
    case TD_OP_MUL: return "*";
    case TD_OP_DIV: return "/";
    }
    return "?";
}

static void put_expr(fmt *f, sb *b, const td_expr *e, int minp, int rprec);

/* The pairs of parentheses written around `e` (its span leaves them out). */
static int paren_pairs(const fmt *f, const td_expr *e)
{
    uint32_t i = tok_at(f, e->span.off), j = tok_at(f, e->span.off + e->span.len);
    int n = 0;
    while (i > 0 && j < f->ntok && f->toks[i - 1].kind == T_LPAREN &&
           f->toks[j].kind == T_RPAREN)
        i--, j++, n++;
    return n;
}

/* The sole argument of a call, or the list of count(...): the parentheses are the call's. */
static void put_inside(fmt *f, sb *b, const td_expr *e, int minp)
{
    f->own_parens = 1;
    put_expr(f, b, e, minp, 0);
}

static void put_args(fmt *f, sb *b, td_expr *const *args, uint32_t n)
{
    for (uint32_t i = 0; i < n; i++) {
        if (i)
            sb_add(b, ", ", 2);
        if (n == 1)
            put_inside(f, b, args[i], 0);
        else
            put_expr(f, b, args[i], 0, 0);
    }
}

/* [binder in] list */
static void put_iter(fmt *f, sb *b, const td_expr *e)
{
    if (e->binder) {
        sb_puts(b, e->binder);
        sb_puts(b, " in ");
        put_expr(f, b, e->a, 8, 0);
    } else if (e->kind == TD_X_COUNT && !e->b) {
        put_inside(f, b, e->a, 8); /* count(x): the parentheses are count's */
    } else {
        put_expr(f, b, e->a, 8, 0);
    }
}

static void put_where(fmt *f, sb *b, const td_expr *cond)
{
    if (cond) {
        sb_puts(b, " where ");
        put_expr(f, b, cond, 0, 0);
    }
}

static bool ends_with_not(const sb *b, size_t from)
{
    return b->n >= from + 4 && memcmp(b->s + b->n - 4, ".not", 4) == 0;
}

/* An expression with the parentheses the grammar needs and those its author wrote (one
 * pair, however many were written). `minp`: the loosest level that may stand here without
 * parentheses (8: only a postfix); `rprec`: the level of the operator that follows it on
 * the line (0: none, or a delimiter). */
static void put_expr(fmt *f, sb *b, const td_expr *e, int minp, int rprec)
{
    int own = f->own_parens;
    f->own_parens = 0;
    if (!e)
        return;
    int lv = level(e);
    bool paren = is_prefix(e) ? (minp >= 8 || rprec > lv) : lv < minp;
    paren = paren || paren_pairs(f, e) > own;
    if (paren) {
        sb_putc(b, '(');
        rprec = 0;
    }
    switch (e->kind) {
    case TD_X_NUMBER: put_raw(f, b, e->span); break;
    case TD_X_STRING: {
        td_str s = {e->str, e->span};
        put_str(f, b, s);
        break;
    }
    case TD_X_DATE:
    case TD_X_MONTH: sb_puts(b, e->str); break;
    case TD_X_BOOL: sb_puts(b, e->boolean ? "true" : "false"); break;
    case TD_X_NAME: sb_puts(b, e->name); break;
    case TD_X_FIELD:
        put_expr(f, b, e->a, 8, 0);
        sb_putc(b, '.');
        sb_puts(b, e->name);
        break;
    case TD_X_ROOT: sb_puts(b, "root"); break;
    case TD_X_IT: sb_puts(b, "it"); break;
    case TD_X_PREVIOUS: sb_puts(b, "previous"); break;
    case TD_X_POSITION: sb_puts(b, "position"); break;
    case TD_X_ASOF: sb_puts(b, "as_of"); break;
    case TD_X_LIST:
        sb_putc(b, '[');
        put_args(f, b, e->args, e->nargs);
        sb_putc(b, ']');
        break;
    case TD_X_UNARY:
        if (e->op == TD_OP_NOT) {
            sb_puts(b, "not ");
            put_expr(f, b, e->a, 4, rprec);
        } else {
            sb_putc(b, '-');
            /* "- -x": two minus signs, not a token of their own */
            if (e->a && e->a->kind == TD_X_UNARY && e->a->op == TD_OP_NEG)
                sb_putc(b, ' ');
            put_expr(f, b, e->a, 7, rprec);
        }
        break;
    case TD_X_BINARY: {
        bool cmp = lv == 4;
        size_t at = b->n;
        put_expr(f, b, e->a, cmp ? lv + 1 : lv, lv);
        if ((e->op == TD_OP_IN || e->op == TD_OP_NOT_IN) && ends_with_not(b, at)) {
            /* a field named `not` before `in` would read as "not in" */
            b->n = at;
            sb_putc(b, '(');
            put_expr(f, b, e->a, 0, 0);
            sb_putc(b, ')');
        }
        sb_putc(b, ' ');
        sb_puts(b, op_text(e->op));
        sb_putc(b, ' ');
        put_expr(f, b, e->b, lv + 1, rprec);
        break;
    }
    case TD_X_CALL:
        sb_puts(b, e->name);
        sb_putc(b, '(');
        put_args(f, b, e->args, e->nargs);
        sb_putc(b, ')');
        break;
    case TD_X_COUNT:
        sb_puts(b, "count(");
        put_iter(f, b, e);
        put_where(f, b, e->b);
        sb_putc(b, ')');
        break;
    case TD_X_AGG:
        sb_puts(b, e->agg == TD_AGG_SUM ? "sum(" : e->agg == TD_AGG_MIN ? "min(" : "max(");
        put_expr(f, b, e->c, 0, 0);
        sb_puts(b, " of ");
        put_iter(f, b, e);
        put_where(f, b, e->b);
        sb_putc(b, ')');
        break;
    case TD_X_MINMAX:
        sb_puts(b, e->agg == TD_AGG_MIN ? "min(" : "max(");
        put_expr(f, b, e->a, 0, 0);
        sb_puts(b, ", ");
        put_expr(f, b, e->b, 0, 0);
        sb_putc(b, ')');
        break;
    case TD_X_QUANT:
        sb_puts(b, e->quant == TD_Q_ALL ? "all " : e->quant == TD_Q_ANY ? "any " : "none ");
        put_iter(f, b, e);
        sb_puts(b, " have ");
        put_expr(f, b, e->b, 0, rprec);
        break;
    case TD_X_EACH:
        sb_puts(b, "each ");
        put_iter(f, b, e);
        sb_puts(b, " where ");
        put_expr(f, b, e->b, 0, rprec);
        break;
    case TD_X_IF:
        sb_puts(b, "if ");
        put_expr(f, b, e->a, 0, 0);
        sb_puts(b, " then ");
        put_expr(f, b, e->b, 0, 0);
        sb_puts(b, " else ");
        put_expr(f, b, e->c, 0, rprec);
        break;
    }
    if (paren)
        sb_putc(b, ')');
}

static void put_dotted(fmt *f, sb *b, const td_dotted *d)
{
    for (uint32_t i = 0; i < d->n; i++) {
        if (i)
            sb_putc(b, '.');
        sb_puts(b, d->parts[i]);
        if (d->filters && d->filters[i]) {
            sb_putc(b, '[');
            put_expr(f, b, d->filters[i], 0, 0);
            sb_putc(b, ']');
        }
    }
}

static void put_paths(fmt *f, sb *b, const td_dotted *on, uint32_t n)
{
    for (uint32_t i = 0; i < n; i++) {
        if (i)
            sb_add(b, ", ", 2);
        put_dotted(f, b, &on[i]);
    }
}

static void put_type(sb *b, const td_ast_type *t)
{
    if (!t)
        return;
    if (t->is_list) {
        sb_puts(b, "list of ");
        put_type(b, t->elem);
    } else {
        sb_puts(b, t->name);
    }
}

static void put_label(fmt *f, sb *b, td_str s)
{
    if (s.text) {
        sb_putc(b, ' ');
        put_str(f, b, s);
    }
}

/* Units of clauses. */

/* keyword "string" */
static void str_unit(fmt *f, const char *kw, td_str s)
{
    if (!s.text)
        return;
    begin(f);
    sb_puts(&f->cur, kw);
    sb_putc(&f->cur, ' ');
    put_str(f, &f->cur, s);
    end_unit(f, back(f, s.span.off, 1), span_end(s.span), IND);
}

/* keyword expr, the keyword `k` tokens before the expression */
static void expr_unit(fmt *f, const char *kw, const td_expr *e, uint32_t k, int cind)
{
    if (!e)
        return;
    begin(f);
    sb_puts(&f->cur, kw);
    sb_putc(&f->cur, ' ');
    put_expr(f, &f->cur, e, 0, 0);
    end_unit(f, expr_lo(f, e, k), expr_hi(f, e), cind);
}

/* The items of a chain of one operator (and, or) at the top of `e`, left to right, where
 * no parentheses of the author's group them: a or b or c gives a, b, c. Iterative, so that
 * a chain of thousands of terms needs no stack. NULL when out of memory. */
static const td_expr **chain_items(fmt *f, const td_expr *e, td_op op, uint32_t *n)
{
    uint32_t k = 1;
    for (const td_expr *x = e; x->kind == TD_X_BINARY && x->op == op && x->a &&
                               (x == e || paren_pairs(f, x) == 0);
         x = x->a)
        k++;
    const td_expr **items = td_arena_alloc(f->arena, k * sizeof *items);
    if (!items)
        return NULL;
    *n = k;
    const td_expr *x = e;
    for (uint32_t i = k - 1; i > 0; i--) {
        items[i] = x->b;
        x = x->a;
    }
    items[0] = x;
    return items;
}

/* keyword expr, where a top-level chain of `or` (or of `and`) is one unit per term, so that
 * a long condition breaks before its operators and the author's line breaks there stay. */
static void cond_units(fmt *f, const char *kw, const td_expr *e, uint32_t k, int cind)
{
    if (!e)
        return;
    td_op op = e->kind == TD_X_BINARY ? e->op : TD_OP_ADD;
    if ((op != TD_OP_OR && op != TD_OP_AND) || paren_pairs(f, e) > 0) {
        expr_unit(f, kw, e, k, cind);
        return;
    }
    uint32_t n = 0;
    const td_expr **items = chain_items(f, e, op, &n);
    if (!items) {
        f->oom = true;
        return;
    }
    int lv = op_level(op);
    for (uint32_t i = 0; i < n; i++) {
        begin(f);
        sb_puts(&f->cur, i ? op_text(op) : kw);
        sb_putc(&f->cur, ' ');
        put_expr(f, &f->cur, items[i], i ? lv + 1 : lv, i + 1 < n ? lv : 0);
        uint32_t first, lo = i ? 0 : expr_lo(f, e, k);
        uint32_t hi = expr_range(f, items[i], &first);
        if (i) {
            uint32_t prev = expr_hi(f, items[i - 1]), at = tok_at(f, prev);
            lo = at < f->ntok ? f->toks[at].off : prev;
        }
        end_unit(f, lo, hi, cind);
        if (i && !f->oom) {
            uint32_t prev = expr_hi(f, items[i - 1]), next = f->toks[first].off;
            f->units[f->nunits - 1].brk =
                memchr(f->src->text + prev, '\n', next - prev) != NULL;
        }
    }
}

static void on_unit(fmt *f, const char *kw, const td_decl *d)
{
    if (!d->n_on)
        return;
    begin(f);
    sb_puts(&f->cur, kw);
    sb_putc(&f->cur, ' ');
    put_paths(f, &f->cur, d->on, d->n_on);
    end_unit(f, back(f, d->on[0].span.off, 1), span_end(d->on[d->n_on - 1].span), IND);
}

static void name_unit(fmt *f, const char *kw, const char *name, td_span sp)
{
    if (!name)
        return;
    begin(f);
    sb_puts(&f->cur, kw);
    sb_putc(&f->cur, ' ');
    sb_puts(&f->cur, name);
    end_unit(f, back(f, sp.off, 1), span_end(sp), IND);
}

/* The head of a rule: [replace] criterion|target|workflow id ["label"]. */
static void rule_head(fmt *f, const td_decl *d, const char *kw)
{
    open_group(f, 0, 0);
    begin(f);
    if (d->replace || d->extend)
        sb_puts(&f->cur, d->replace ? "replace " : "extend ");
    sb_puts(&f->cur, kw);
    sb_putc(&f->cur, ' ');
    put_dotted(f, &f->cur, &d->id);
    put_label(f, &f->cur, d->label);
    end_unit(f, d->span.off, d->label.text ? span_end(d->label.span) : span_end(d->id.span), 0);
    close_group(f);
}

static void one_group(fmt *f, void (*add)(fmt *, const td_decl *), const td_decl *d)
{
    open_group(f, IND, IND);
    add(f, d);
    close_group(f);
}

/* Declarations. */

static void lay_criterion(fmt *f, const td_decl *d)
{
    rule_head(f, d, "criterion");
    open_group(f, IND, IND);
    str_unit(f, "cite", d->cite);
    on_unit(f, "on", d);
    expr_unit(f, "where", d->where, 1, IND);
    if (d->has_severity) {
        begin(f);
        sb_puts(&f->cur, td_severity_name(d->severity));
        end_unit(f, d->severity_span.off, span_end(d->severity_span), IND);
    }
    close_group(f);
    open_group(f, IND, IND);
    expr_unit(f, "due", d->due, 1, IND);
    close_group(f);
    for (uint32_t i = 0; i < d->n_lets; i++) {
        const td_ast_let *l = &d->lets[i];
        open_group(f, IND, IND);
        begin(f);
        sb_puts(&f->cur, "let ");
        sb_puts(&f->cur, l->name);
        sb_puts(&f->cur, " = ");
        put_expr(f, &f->cur, l->value, 0, 0);
        end_unit(f, expr_lo(f, l->value, 3), expr_hi(f, l->value), IND);
        close_group(f);
    }
    open_group(f, IND, 2 * IND);
    cond_units(f, "require", d->require, 1, IND);
    close_group(f);
    open_group(f, IND, IND);
    str_unit(f, "message", d->message);
    close_group(f);
    open_group(f, IND, IND);
    str_unit(f, "hint", d->hint);
    close_group(f);
}

static void target_measure(fmt *f, const td_decl *d)
{
    if (!d->n_on)
        return;
    begin(f);
    uint32_t lo;
    if (d->is_sum && d->sum_of) {
        sb_puts(&f->cur, "sum ");
        put_expr(f, &f->cur, d->sum_of, 0, 0);
        sb_puts(&f->cur, " of ");
        lo = expr_lo(f, d->sum_of, 1);
    } else {
        sb_puts(&f->cur, "count ");
        lo = back(f, d->on[0].span.off, 1);
    }
    put_dotted(f, &f->cur, &d->on[0]);
    end_unit(f, lo, span_end(d->on[0].span), IND);
}

static void lay_target(fmt *f, const td_decl *d)
{
    rule_head(f, d, "target");
    open_group(f, IND, IND);
    str_unit(f, "cite", d->cite);
    close_group(f);
    open_group(f, IND, IND);
    target_measure(f, d);
    expr_unit(f, "where", d->where, 1, IND);
    close_group(f);
    open_group(f, IND, IND);
    expr_unit(f, "by", d->by, 1, IND);
    close_group(f);
    open_group(f, IND, IND);
    expr_unit(f, "at least", d->at_least, 2, IND);
    close_group(f);
    open_group(f, IND, IND);
    expr_unit(f, "due", d->due, 1, IND);
    close_group(f);
}

static void lay_index(fmt *f, const td_decl *d)
{
    rule_head(f, d, "index");
    open_group(f, IND, IND);
    str_unit(f, "cite", d->cite);
    close_group(f);
    open_group(f, IND, IND);
    on_unit(f, "on", d);
    close_group(f);
    open_group(f, IND, IND);
    expr_unit(f, "key", d->key, 1, IND);
    close_group(f);
    if (d->n_similar) {
        open_group(f, IND, IND);
        begin(f);
        sb_puts(&f->cur, "similar ");
        put_args(f, &f->cur, d->similar, d->n_similar);
        end_unit(f, expr_lo(f, d->similar[0], 1), expr_hi(f, d->similar[d->n_similar - 1]), IND);
        close_group(f);
    }
    open_group(f, IND, IND);
    expr_unit(f, "require", d->require, 1, IND);
    close_group(f);
}

static void wf_fields(fmt *f, const td_decl *d)
{
    name_unit(f, "history", d->history, d->history_span);
    name_unit(f, "state", d->state_field, d->state_span);
    name_unit(f, "dated", d->date_field, d->date_span);
    name_unit(f, "evidence", d->evidence_field, d->evidence_span);
}

static void lay_workflow(fmt *f, const td_decl *d)
{
    rule_head(f, d, "workflow");
    open_group(f, IND, IND);
    str_unit(f, "cite", d->cite);
    close_group(f);
    open_group(f, IND, IND);
    on_unit(f, "on", d);
    expr_unit(f, "where", d->where, 1, IND);
    close_group(f);
    one_group(f, wf_fields, d);
    for (uint32_t i = 0; i < d->n_stages; i++) {
        const td_ast_stage *s = &d->stages[i];
        open_group(f, IND, IND);
        begin(f);
        sb_puts(&f->cur, "stage ");
        put_expr(f, &f->cur, s->value, 0, 0);
        put_label(f, &f->cur, s->label);
        if (s->after || s->before) {
            sb_puts(&f->cur, s->after ? " after " : " before ");
            put_expr(f, &f->cur, s->after ? s->after : s->before, 0, 0);
        }
        end_unit(f, s->span.off, span_end(s->span), IND);
        close_group(f);
    }
    if (d->n_starts) {
        open_group(f, IND, IND);
        begin(f);
        sb_puts(&f->cur, "initial ");
        put_args(f, &f->cur, d->starts, d->n_starts);
        end_unit(f, expr_lo(f, d->starts[0], 1), expr_hi(f, d->starts[d->n_starts - 1]), IND);
        close_group(f);
    }
    if (d->n_transitions) {
        open_group(f, IND, IND);
        begin(f);
        sb_puts(&f->cur, "transitions ");
        for (uint32_t i = 0; i < d->n_transitions; i++) {
            if (i)
                sb_add(&f->cur, ", ", 2);
            put_expr(f, &f->cur, d->transitions[i].from, 0, 0);
            sb_puts(&f->cur, " -> ");
            put_expr(f, &f->cur, d->transitions[i].to, 0, 0);
        }
        end_unit(f, back(f, d->transitions[0].span.off, 1),
                 span_end(d->transitions[d->n_transitions - 1].span), IND);
        close_group(f);
    }
    for (uint32_t i = 0; i < d->n_guards; i++) {
        const td_ast_guard *g = &d->guards[i];
        open_group(f, IND, IND);
        begin(f);
        sb_puts(&f->cur, "guard ");
        put_expr(f, &f->cur, g->stage, 0, 0);
        put_label(f, &f->cur, g->label);
        end_unit(f, g->span.off, g->label.text ? span_end(g->label.span) : expr_hi(f, g->stage),
                 IND);
        close_group(f);
        open_group(f, 2 * IND, 3 * IND);
        cond_units(f, "require", g->require, 1, 2 * IND);
        close_group(f);
        if (g->message.text) {
            open_group(f, 2 * IND, 2 * IND);
            begin(f);
            sb_puts(&f->cur, "message ");
            put_str(f, &f->cur, g->message);
            end_unit(f, back(f, g->message.span.off, 1), span_end(g->message.span), 2 * IND);
            close_group(f);
        }
    }
}

static void lay_plan(fmt *f, const td_decl *d)
{
    open_group(f, 0, 0);
    begin(f);
    sb_puts(&f->cur, "plan ");
    put_str(f, &f->cur, d->plan_number);
    end_unit(f, d->span.off, span_end(d->plan_number.span), 0);
    close_group(f);
    if (d->title.text) {
        open_group(f, IND, IND);
        begin(f);
        put_str(f, &f->cur, d->title);
        end_unit(f, d->title.span.off, span_end(d->title.span), IND);
        close_group(f);
    }
    open_group(f, IND, IND);
    str_unit(f, "by", d->issuer);
    close_group(f);
    open_group(f, IND, IND);
    expr_unit(f, "dated", d->issued, 1, IND);
    close_group(f);
    if (d->n_implements) {
        open_group(f, IND, IND);
        begin(f);
        sb_puts(&f->cur, "implements ");
        for (uint32_t i = 0; i < d->n_implements; i++) {
            if (i)
                sb_add(&f->cur, ", ", 2);
            put_str(f, &f->cur, d->implements[i]);
        }
        end_unit(f, back(f, d->implements[0].span.off, 1),
                 span_end(d->implements[d->n_implements - 1].span), IND);
        close_group(f);
    }
    if (d->n_outline) {
        /* one clause with its title per unit: the lines fill to the width */
        open_group(f, IND, 2 * IND);
        begin(f);
        sb_puts(&f->cur, "outline");
        end_unit(f, back(f, d->outline[0].span.off, 1), back(f, d->outline[0].span.off, 0),
                 2 * IND);
        for (uint32_t i = 0; i + 1 < d->n_outline; i += 2) {
            begin(f);
            put_str(f, &f->cur, d->outline[i]);
            td_span last = d->outline[i].span;
            if (d->outline[i + 1].text) {
                sb_putc(&f->cur, ' ');
                put_str(f, &f->cur, d->outline[i + 1]);
                last = d->outline[i + 1].span;
            }
            if (i + 2 < d->n_outline)
                sb_putc(&f->cur, ',');
            end_unit(f, d->outline[i].span.off, span_end(last) + (i + 2 < d->n_outline), 2 * IND);
        }
        close_group(f);
    }
    if (d->period_from && d->period_to) {
        open_group(f, IND, IND);
        begin(f);
        sb_puts(&f->cur, "period ");
        sb_puts(&f->cur, d->period_from->kind == TD_X_NAME ? d->period_from->name
                                                           : d->period_from->str);
        sb_puts(&f->cur, " .. ");
        sb_puts(&f->cur, d->period_to->kind == TD_X_NAME ? d->period_to->name
                                                         : d->period_to->str);
        end_unit(f, back(f, d->period_from->span.off, 1), span_end(d->period_to->span), IND);
        close_group(f);
    }
    open_group(f, IND, IND);
    str_unit(f, "language", d->language);
    close_group(f);
}

/* The closing brace of an enum, record or extend: the last token of the declaration. */
static void close_brace(fmt *f, const td_decl *d)
{
    uint32_t i = tok_at(f, span_end(d->span));
    uint32_t at = i > 0 ? f->toks[i - 1].off : span_end(d->span);
    open_group(f, 0, 0);
    begin(f);
    sb_putc(&f->cur, '}');
    end_unit(f, at, at + 1, IND);
    close_group(f);
}

/* The byte after the `{` that opens a body (the first one after `from`). */
static uint32_t brace_end(const fmt *f, uint32_t from)
{
    for (uint32_t i = tok_at(f, from); i < f->ntok; i++)
        if (f->toks[i].kind == T_LBRACE)
            return tok_end(f, i);
    return from;
}

static void lay_enum(fmt *f, const td_decl *d)
{
    open_group(f, 0, 0);
    begin(f);
    if (d->replace || d->extend)
        sb_puts(&f->cur, d->replace ? "replace " : "extend ");
    sb_puts(&f->cur, "enum ");
    sb_puts(&f->cur, d->name);
    sb_puts(&f->cur, " {");
    end_unit(f, d->span.off, brace_end(f, span_end(d->name_span)), 0);
    close_group(f);
    for (uint32_t i = 0; i < d->n_items; i++) {
        const td_ast_enum_item *it = &d->items[i];
        open_group(f, IND, IND);
        begin(f);
        sb_puts(&f->cur, it->name);
        put_label(f, &f->cur, it->label);
        end_unit(f, it->span.off, it->label.text ? span_end(it->label.span) : span_end(it->span),
                 IND);
        close_group(f);
    }
    close_brace(f, d);
}

static void lay_record(fmt *f, const td_decl *d)
{
    open_group(f, 0, 0);
    begin(f);
    if (d->replace)
        sb_puts(&f->cur, "replace ");
    sb_puts(&f->cur, d->kind == TD_D_RECORD ? "record " : "extend ");
    sb_puts(&f->cur, d->name);
    put_label(f, &f->cur, d->label);
    if (d->cite.text) {
        sb_puts(&f->cur, " cite ");
        put_str(f, &f->cur, d->cite);
    }
    if (d->dated) {
        sb_puts(&f->cur, " dated ");
        sb_puts(&f->cur, d->dated);
    }
    sb_puts(&f->cur, " {");
    uint32_t prev = brace_end(f, span_end(d->name_span));
    end_unit(f, d->span.off, prev, 0);
    close_group(f);
    for (uint32_t i = 0; i < d->n_fields; i++) {
        const td_ast_field *fl = &d->fields[i];
        uint32_t lo = fl->span.off, k = tok_at(f, lo);
        if (k > 0 && (f->toks[k - 1].kind == T_REQUIRED || f->toks[k - 1].kind == T_OPTIONAL) &&
            f->toks[k - 1].off >= prev)
            lo = f->toks[k - 1].off;
        uint32_t hi = fl->label.text ? span_end(fl->label.span)
                      : fl->type     ? span_end(fl->type->span)
                                     : span_end(fl->span);
        open_group(f, IND, IND);
        begin(f);
        sb_puts(&f->cur, fl->required ? "required " : "optional ");
        sb_puts(&f->cur, fl->name);
        sb_puts(&f->cur, ": ");
        put_type(&f->cur, fl->type);
        put_label(f, &f->cur, fl->label);
        end_unit(f, lo, hi, IND);
        close_group(f);
        prev = hi;
    }
    close_brace(f, d);
}

/* A declaration printed on one line: the whole of it is one unit. */
static void lay_line(fmt *f, const td_decl *d)
{
    open_group(f, 0, 0);
    begin(f);
    sb *b = &f->cur;
    switch (d->kind) {
    case TD_D_IMPORT:
        sb_puts(b, "import ");
        put_str(f, b, d->path);
        break;
    case TD_D_PARAM:
    case TD_D_SET:
        sb_puts(b, d->kind == TD_D_PARAM ? "param " : "set ");
        sb_puts(b, d->name);
        sb_puts(b, " = ");
        for (uint32_t i = 0; i < d->n_whens; i++) {
            const td_ast_when *w = &d->whens[i];
            if (i)
                sb_add(b, ", ", 2);
            put_expr(f, b, w->value, 0, 0);
            if (w->from) {
                sb_puts(b, " from ");
                sb_puts(b, w->from->str);
            }
            if (w->until) {
                sb_puts(b, " until ");
                sb_puts(b, w->until->str);
            }
        }
        if (!d->n_whens)
            put_expr(f, b, d->value, 0, 0);
        put_label(f, b, d->label);
        if (d->cite.text) {
            sb_puts(b, " cite ");
            put_str(f, b, d->cite);
        }
        if (d->range_lo || d->range_hi) {
            sb_puts(b, " range ");
            if (d->range_lo) {
                put_expr(f, b, d->range_lo, 0, 0);
                sb_add(b, " ", 1);
            }
            sb_add(b, "..", 2);
            if (d->range_hi) {
                sb_add(b, " ", 1);
                put_expr(f, b, d->range_hi, 0, 0);
            }
        }
        break;
    case TD_D_DOCUMENT:
        sb_puts(b, "document ");
        sb_puts(b, d->name);
        break;
    case TD_D_DISABLE:
        sb_puts(b, "disable ");
        put_dotted(f, b, &d->id);
        if (d->because.text) {
            sb_puts(b, " because ");
            put_str(f, b, d->because);
        }
        break;
    default: break;
    }
    end_unit(f, d->span.off, span_end(d->span), IND);
    close_group(f);
}

static void lay_define(fmt *f, const td_decl *d)
{
    open_group(f, 0, IND);
    begin(f);
    if (d->replace)
        sb_puts(&f->cur, "replace ");
    sb_puts(&f->cur, "define ");
    sb_puts(&f->cur, d->name);
    sb_putc(&f->cur, '.');
    sb_puts(&f->cur, d->member);
    put_label(f, &f->cur, d->label);
    sb_puts(&f->cur, " =");
    uint32_t eq = d->value ? expr_lo(f, d->value, 1) : d->span.off;
    end_unit(f, d->span.off, tok_end(f, tok_at(f, eq)), IND);
    if (d->value) {
        begin(f);
        put_expr(f, &f->cur, d->value, 0, 0);
        end_unit(f, expr_lo(f, d->value, 0), expr_hi(f, d->value), IND);
    }
    close_group(f);
}

static void lay_note(fmt *f, const td_decl *d)
{
    open_group(f, 0, 0);
    begin(f);
    if (d->replace)
        sb_puts(&f->cur, "replace ");
    sb_puts(&f->cur, "note ");
    if (d->id.text) {
        put_dotted(f, &f->cur, &d->id);
        sb_putc(&f->cur, ' ');
    }
    put_str(f, &f->cur, d->cite);
    put_label(f, &f->cur, d->label);
    end_unit(f, d->span.off, d->label.text ? span_end(d->label.span) : span_end(d->cite.span), 0);
    close_group(f);
    open_group(f, IND, IND);
    str_unit(f, "because", d->because);
    close_group(f);
}

/* waive RULE "UNIT" on the first line, then each clause on its own line. */
static void lay_waive(fmt *f, const td_decl *d)
{
    open_group(f, 0, 0);
    begin(f);
    sb_puts(&f->cur, "waive ");
    put_dotted(f, &f->cur, &d->id);
    sb_putc(&f->cur, ' ');
    put_str(f, &f->cur, d->unit);
    end_unit(f, d->span.off, span_end(d->unit.span), 0);
    close_group(f);
    open_group(f, IND, IND);
    str_unit(f, "exemplar", d->exemplar);
    close_group(f);
    open_group(f, IND, IND);
    str_unit(f, "because", d->because);
    close_group(f);
    open_group(f, IND, IND);
    str_unit(f, "by", d->issuer);
    close_group(f);
    open_group(f, IND, IND);
    str_unit(f, "in", d->document);
    close_group(f);
    open_group(f, IND, IND);
    expr_unit(f, "dated", d->issued, 1, IND);
    close_group(f);
    open_group(f, IND, IND);
    expr_unit(f, "until", d->until, 1, IND);
    close_group(f);
}

static void lay_decl(fmt *f, const td_decl *d)
{
    switch (d->kind) {
    case TD_D_PLAN: lay_plan(f, d); break;
    case TD_D_IMPORT:
    case TD_D_PARAM:
    case TD_D_SET:
    case TD_D_DOCUMENT:
    case TD_D_DISABLE: lay_line(f, d); break;
    case TD_D_ENUM: lay_enum(f, d); break;
    case TD_D_RECORD:
    case TD_D_EXTEND: lay_record(f, d); break;
    case TD_D_DEFINE: lay_define(f, d); break;
    case TD_D_CRITERION: lay_criterion(f, d); break;
    case TD_D_TARGET: lay_target(f, d); break;
    case TD_D_WORKFLOW: lay_workflow(f, d); break;
    case TD_D_NOTE: lay_note(f, d); break;
    case TD_D_INDEX: lay_index(f, d); break;
    case TD_D_WAIVE: lay_waive(f, d); break;
    }
}

/* Comments. */

static void push(fmt *f, list *l, uint32_t c)
{
    f->cms[c].next = -1;
    if (l->last >= 0)
        f->cms[l->last].next = (int32_t)c;
    else
        l->first = (int32_t)c;
    l->last = (int32_t)c;
}

static int cmp_lo(const void *a, const void *b, void *arg)
{
    const unit *u = arg;
    uint32_t x = u[*(const uint32_t *)a].lo, y = u[*(const uint32_t *)b].lo;
    return x < y ? -1 : x > y;
}

/* The unit holding the byte `off`; else, the one that starts before it (prev) or after it
 * (!prev); -1 when there is none at all. */
static int32_t unit_of(const fmt *f, uint32_t off, bool prev)
{
    uint32_t lo = 0, hi = f->nunits;
    while (lo < hi) { /* the first unit that starts after off */
        uint32_t mid = lo + (hi - lo) / 2;
        if (f->units[f->order[mid]].lo <= off)
            lo = mid + 1;
        else
            hi = mid;
    }
    if (lo > 0 && off < f->units[f->order[lo - 1]].hi)
        return (int32_t)f->order[lo - 1];
    if (prev)
        return lo > 0 ? (int32_t)f->order[lo - 1] : f->nunits ? (int32_t)f->order[0] : -1;
    return lo < f->nunits ? (int32_t)f->order[lo] : f->nunits ? (int32_t)f->order[f->nunits - 1] : -1;
}

/* A line with nothing but blanks lies between a and b. */
static bool blank_between(const fmt *f, uint32_t a, uint32_t b)
{
    const char *t = f->src->text;
    bool after_nl = false, empty = true;
    for (uint32_t i = a; i < b && i < f->src->len; i++) {
        char c = t[i];
        if (c == '\n') {
            if (after_nl && empty)
                return true;
            after_nl = true;
            empty = true;
        } else if (c != ' ' && c != '\t' && c != '\r' && c != '\f' && c != '\v') {
            empty = false;
        }
    }
    return false;
}

/* Bytes before `off` on its line, or 0 when only blanks (or a byte order mark) come first. */
static uint32_t column(const fmt *f, uint32_t off, bool *code_before)
{
    const char *t = f->src->text;
    uint32_t i = off;
    *code_before = false;
    while (i > 0 && t[i - 1] != '\n')
        i--;
    if (i == 0 && off >= 3 && memcmp(t, "\xEF\xBB\xBF", 3) == 0)
        i = 3;
    for (uint32_t k = i; k < off; k++)
        if (t[k] != ' ' && t[k] != '\t' && t[k] != '\r' && t[k] != '\f' && t[k] != '\v')
            *code_before = true;
    return off - i;
}

static td_status attach(fmt *f)
{
    f->order = malloc((f->nunits ? f->nunits : 1) * sizeof *f->order);
    f->cms = malloc((f->ast->n_comments ? f->ast->n_comments : 1) * sizeof *f->cms);
    if (!f->order || !f->cms)
        return TD_ENOMEM;
    for (uint32_t i = 0; i < f->nunits; i++)
        f->order[i] = i;
    qsort_r(f->order, f->nunits, sizeof *f->order, cmp_lo, f->units);
    f->ncm = f->ast->n_comments;
    f->eof = (list){-1, -1};
    for (uint32_t c = 0; c < f->ncm; c++) {
        td_span sp = f->ast->comments[c];
        while (sp.len > 1 && (f->src->text[sp.off + sp.len - 1] == ' ' ||
                              f->src->text[sp.off + sp.len - 1] == '\t'))
            sp.len--;
        bool code;
        uint32_t col = column(f, sp.off, &code);
        uint32_t in = tok_at(f, sp.off);
        int32_t ip = (int32_t)in - 1;
        f->cms[c] = (cmt){sp.off, sp.len, !code || ip < 0, -1};
        if (!f->cms[c].own) {
            int32_t u = unit_of(f, f->toks[ip].off, true);
            if (u >= 0) {
                push(f, &f->units[u].cm, c);
                continue;
            }
        }
        int32_t un = in < f->ntok ? unit_of(f, f->toks[in].off, false) : -1;
        bool at_decl = un < 0 || (f->decls[f->units[un].decl].u_first == (uint32_t)un &&
                                  f->units[un].lo == f->toks[in].off);
        if (at_decl && col > 0 && ip >= 0 && !blank_between(f, tok_end(f, (uint32_t)ip), sp.off)) {
            /* indented right under a declaration: it still belongs to that one */
            int32_t up = unit_of(f, f->toks[ip].off, true);
            if (up >= 0 && (un < 0 || f->units[up].decl != f->units[un].decl)) {
                push(f, &f->decls[f->units[up].decl].after, c);
                continue;
            }
        }
        if (un < 0)
            push(f, &f->eof, c);
        else
            push(f, &f->units[un].cm, c);
    }
    return TD_OK;
}

/* Printing. */

typedef struct out {
    sb b;
    bool any;               /* something was printed */
    bool force;             /* a blank line before the next top-level item */
    uint32_t prev_end;      /* where the last top-level item ends in the source */
} out;

static void put_comment(fmt *f, out *o, uint32_t c, int indent)
{
    sb_spaces(&o->b, indent);
    sb_add(&o->b, f->src->text + f->cms[c].off, f->cms[c].len);
    sb_putc(&o->b, '\n');
}

/* A top-level item (a comment at the left margin, the head of a declaration) spanning the
 * source bytes [lo, hi): a blank line first when the source had one, or when forced. */
static void top_item(fmt *f, out *o, uint32_t lo, uint32_t hi)
{
    if (o->any && (o->force || blank_between(f, o->prev_end, lo)))
        sb_putc(&o->b, '\n');
    o->force = false;
    o->any = true;
    if (hi > o->prev_end)
        o->prev_end = hi;
}

static uint32_t count_cm(const fmt *f, list l)
{
    uint32_t n = 0;
    for (int32_t c = l.first; c >= 0; c = f->cms[c].next)
        n++;
    return n;
}

/* The comment printed at the end of the unit's line: its last one, when it follows code. */
static int32_t tail_of(const fmt *f, const unit *u)
{
    return u->cm.last >= 0 && !f->cms[u->cm.last].own ? u->cm.last : -1;
}

/* The comments printed before a unit's line; `top` for a declaration's head. */
static void put_leading(fmt *f, out *o, const unit *u, int indent, bool top)
{
    int32_t tail = tail_of(f, u);
    for (int32_t c = u->cm.first; c >= 0 && c != tail; c = f->cms[c].next) {
        if (top)
            top_item(f, o, f->cms[c].off, f->cms[c].off + f->cms[c].len);
        put_comment(f, o, (uint32_t)c, indent);
    }
}

static void put_units(fmt *f, out *o, const group *g, bool top)
{
    const unit *us = &f->units[g->first];
    bool join = g->n == 1;
    if (!join) {
        uint32_t w = (uint32_t)g->indent + g->n - 1;
        for (uint32_t i = 0; i < g->n; i++)
            w += us[i].width;
        join = w <= TD_FMT_WIDTH;
        for (uint32_t i = 0; join && i < g->n; i++) {
            const unit *u = &us[i];
            uint32_t n = count_cm(f, u->cm);
            if (i == 0)
                join = tail_of(f, u) < 0;
            else if (i == g->n - 1)
                join = n == 0 || (n == 1 && tail_of(f, u) >= 0);
            else
                join = n == 0;
        }
    }
    bool brk = false;
    for (uint32_t i = 1; i < g->n; i++)
        brk = brk || us[i].brk;
    if (brk) {
        /* the author's lines, each joined when it fits */
        uint32_t s = 0;
        for (uint32_t i = 1; i <= g->n; i++) {
            if (i < g->n && !us[i].brk)
                continue;
            group run = {g->first + s, i - s, s ? g->cont : g->indent, g->cont};
            put_units(f, o, &run, top && s == 0);
            s = i;
        }
        return;
    }
    if (!join) {
        for (uint32_t i = 0; i < g->n; i++) {
            group one = {g->first + i, 1, i ? g->cont : g->indent, g->cont};
            put_units(f, o, &one, top && i == 0);
        }
        return;
    }
    put_leading(f, o, &us[0], top ? 0 : us[0].cind < g->indent ? g->indent : us[0].cind, top);
    if (top)
        top_item(f, o, us[0].lo, us[g->n - 1].hi);
    sb_spaces(&o->b, g->indent);
    for (uint32_t i = 0; i < g->n; i++) {
        if (i)
            sb_putc(&o->b, ' ');
        sb_add(&o->b, us[i].text, us[i].len);
    }
    int32_t tail = tail_of(f, &us[g->n - 1]);
    if (tail >= 0) {
        sb_add(&o->b, "  ", 2);
        sb_add(&o->b, f->src->text + f->cms[tail].off, f->cms[tail].len);
    }
    sb_putc(&o->b, '\n');
}

/* Kinds of one-line declarations that may follow each other without a blank line. */
static bool compact(td_decl_kind k)
{
    return k == TD_D_IMPORT || k == TD_D_PARAM || k == TD_D_SET || k == TD_D_DOCUMENT ||
           k == TD_D_DEFINE || k == TD_D_DISABLE || k == TD_D_NOTE;
}

static void print_all(fmt *f, out *o)
{
    for (uint32_t k = 0; k < f->ast->n_decls; k++) {
        dlay *l = &f->decls[k];
        if (k > 0) {
            td_decl_kind a = f->decls[k - 1].d->kind, b = l->d->kind;
            o->force = a != b || !compact(a);
        }
        for (uint32_t g = 0; g < l->n_groups; g++)
            put_units(f, o, &f->groups[l->g_first + g], g == 0);
        uint32_t end = span_end(l->d->span);
        for (uint32_t g = 0; g < l->n_groups; g++) {
            const group *gr = &f->groups[l->g_first + g];
            for (uint32_t i = 0; i < gr->n; i++)
                for (int32_t c = f->units[gr->first + i].cm.first; c >= 0; c = f->cms[c].next)
                    if (f->cms[c].off + f->cms[c].len > end)
                        end = f->cms[c].off + f->cms[c].len;
        }
        for (int32_t c = l->after.first; c >= 0; c = f->cms[c].next) {
            put_comment(f, o, (uint32_t)c, IND);
            end = f->cms[c].off + f->cms[c].len;
        }
        if (end > o->prev_end)
            o->prev_end = end;
        o->force = false;
    }
    for (int32_t c = f->eof.first; c >= 0; c = f->cms[c].next) {
        top_item(f, o, f->cms[c].off, f->cms[c].off + f->cms[c].len);
        put_comment(f, o, (uint32_t)c, 0);
    }
}

/* What fmt cannot reprint without losing part of it. */
static bool refuse(fmt *f)
{
    bool bad = false;
    for (uint32_t k = 0; k < f->ast->n_decls; k++) {
        const td_decl *d = f->ast->decls[k];
        if (d->dup_clause.len) {
            td_diagnostic *e = td_diag_at(
                f->diag, TD_SEV_ERROR, TD_CODE_DUPLICATE_CLAUSE, f->src, d->dup_clause.off,
                d->dup_clause.len, "this declaration has two `%s` clauses; keep one",
                d->dup_clause_name ? d->dup_clause_name : "");
            if (e)
                td_diag_set(f->diag, &e->hint, N_("remove one of them, then run thidua fmt again"));
            bad = true;
        }
    }
    for (uint32_t i = 1; i < f->ntok; i++) {
        if (f->toks[i - 1].kind == T_RBRACKET && f->toks[i].kind == T_LBRACKET) {
            td_diagnostic *e = td_diag_at(f->diag, TD_SEV_ERROR, TD_CODE_DUPLICATE_CLAUSE, f->src,
                                          f->toks[i].off, 1,
                                          "a part of a path takes one [condition]; this second "
                                          "one would replace the first");
            if (e)
                td_diag_set(f->diag, &e->hint, N_("join the two conditions with `and`"));
            bad = true;
        }
    }
    return bad;
}

static td_status layout(fmt *f)
{
    f->decls = calloc(f->ast->n_decls ? f->ast->n_decls : 1, sizeof *f->decls);
    if (!f->decls)
        return TD_ENOMEM;
    for (uint32_t k = 0; k < f->ast->n_decls; k++) {
        dlay *l = &f->decls[k];
        l->d = f->ast->decls[k];
        l->g_first = f->ngroups;
        l->u_first = f->nunits;
        l->after = (list){-1, -1};
        f->cur_decl = k;
        lay_decl(f, l->d);
        l->n_groups = f->ngroups - l->g_first;
        if (f->oom)
            return TD_ENOMEM;
    }
    return TD_OK;
}

/* The text of a comment without its trailing blanks. */
typedef struct ctext {
    const char *s;
    uint32_t n;
} ctext;

static int cmp_ctext(const void *a, const void *b)
{
    const ctext *x = a, *y = b;
    int c = memcmp(x->s, y->s, x->n < y->n ? x->n : y->n);
    return c ? c : x->n < y->n ? -1 : x->n > y->n;
}

static ctext *comment_texts(const td_ast *a, const td_source *s)
{
    ctext *t = malloc((a->n_comments ? a->n_comments : 1) * sizeof *t);
    if (!t)
        return NULL;
    for (uint32_t i = 0; i < a->n_comments; i++) {
        td_span x = a->comments[i];
        while (x.len && (s->text[x.off + x.len - 1] == ' ' || s->text[x.off + x.len - 1] == '\t'))
            x.len--;
        t[i] = (ctext){s->text + x.off, x.len};
    }
    qsort(t, a->n_comments, sizeof *t, cmp_ctext);
    return t;
}

/* The same comments with the same texts (trailing blanks aside). Their order may differ:
 * a comment moves with its clause when the clauses are put in order. 1 same, 0 not, -1 out
 * of memory. */
static int same_comments(const td_ast *a, const td_source *sa, const td_ast *b,
                         const td_source *sb_)
{
    if (a->n_comments != b->n_comments)
        return 0;
    ctext *x = comment_texts(a, sa), *y = comment_texts(b, sb_);
    int same = x && y ? 1 : -1;
    for (uint32_t i = 0; same == 1 && i < a->n_comments; i++)
        same = cmp_ctext(&x[i], &y[i]) == 0;
    free(x);
    free(y);
    return same;
}

/* Parses the new text again: it must say the same thing, with the same comments. */
static td_status self_check(fmt *f, const char *text, size_t len)
{
    td_source *s2 = td_source_new(f->src->name, text, len);
    if (!s2)
        return TD_ENOMEM;
    td_arena a2;
    td_arena_init(&a2, 0);
    td_diag d2;
    td_diag_init(&d2);
    td_ast *ast2 = NULL;
    td_status st = td_parse_source(&a2, s2, f->ast->src, &d2, &ast2);
    int same = st == TD_OK ? same_comments(f->ast, f->src, ast2, s2) : 1;
    if (same < 0)
        st = TD_ENOMEM;
    if (st == TD_OK && (ast2->had_errors || !td_ast_equal(f->ast, ast2) || !same)) {
        td_diag_at(f->diag, TD_SEV_ERROR, TD_CODE_INTERNAL, f->src, 0, 0,
                   "fmt could not reprint this file without changing it; it is left as it is "
                   "(please report this)");
        st = TD_EBUG;
    }
    td_diag_free(&d2);
    td_arena_free(&a2);
    td_source_free(s2);
    return st;
}

static td_status fmt_source(const td_source *src, td_diag *d, char **out_text, size_t *out_len);

td_status td_fmt(const td_source *src, td_diag *d, char **out_text, size_t *out_len)
{
    td_diag scratch;
    td_diag_init(&scratch);
    td_status st = fmt_source(src, d ? d : &scratch, out_text, out_len);
    td_diag_free(&scratch);
    return st;
}

static td_status fmt_source(const td_source *src, td_diag *d, char **out_text, size_t *out_len)
{
    *out_text = NULL;
    *out_len = 0;
    td_arena arena;
    td_arena_init(&arena, 0);
    fmt f;
    memset(&f, 0, sizeof f);
    f.src = src;
    f.arena = &arena;
    f.diag = d;
    out o;
    memset(&o, 0, sizeof o);
    td_ast *ast = NULL;
    td_status st = td_parse_source(&arena, src, 0, d, &ast);
    if (st != TD_OK)
        goto done;
    if (ast->had_errors) {
        st = TD_EINPUT;
        goto done;
    }
    f.ast = ast;
    if ((st = lex_all(&f)) != TD_OK)
        goto done;
    if (refuse(&f)) {
        st = TD_EINPUT;
        goto done;
    }
    if ((st = layout(&f)) != TD_OK || (st = attach(&f)) != TD_OK)
        goto done;
    print_all(&f, &o);
    if (o.b.oom || d->oom) {
        st = TD_ENOMEM;
        goto done;
    }
    if (!o.b.s) {
        o.b.s = calloc(1, 1);
        if (!o.b.s) {
            st = TD_ENOMEM;
            goto done;
        }
    }
    if ((st = self_check(&f, o.b.s, o.b.n)) != TD_OK)
        goto done;
    *out_text = o.b.s;
    *out_len = o.b.n;
    o.b.s = NULL;
done:
    free(o.b.s);
    free(f.cur.s);
    free(f.toks);
    free(f.cms);
    free(f.units);
    free(f.groups);
    free(f.decls);
    free(f.order);
    td_arena_free(&arena);
    return st;
}
