/* Unit tests of the rule-language parser (grammar/parser.y, engine/ast.c, engine/parse.c):
 * every declaration, expression precedence, spans, recovery and error messages. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "parse.h"

typedef struct fx {
    td_arena arena;
    td_diag diag;
    td_source *src;
    char buf[2048];         /* sexpr output */
    size_t len;
} fx;

static int setup(void **state)
{
    fx *f = calloc(1, sizeof *f);
    if (!f)
        return -1;
    td_arena_init(&f->arena, 0);
    td_diag_init(&f->diag);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fx *f = *state;
    td_source_free(f->src);
    td_diag_free(&f->diag);
    td_arena_free(&f->arena);
    free(f);
    return 0;
}

static td_ast *parse(fx *f, const char *text)
{
    td_source_free(f->src);
    f->src = td_source_new("t.rules", text, strlen(text));
    assert_non_null(f->src);
    td_ast *ast = NULL;
    assert_int_equal(td_parse_source(&f->arena, f->src, 3, &f->diag, &ast), TD_OK);
    assert_non_null(ast);
    assert_int_equal(ast->src, 3);
    return ast;
}

/* Parses a file that must have no errors. */
static td_ast *parse_ok(fx *f, const char *text)
{
    td_ast *ast = parse(f, text);
    for (size_t i = 0; i < f->diag.n; i++)
        print_error("unexpected: %u:%u: %s\n", f->diag.items[i].line, f->diag.items[i].col,
                    f->diag.items[i].message);
    assert_int_equal(f->diag.n, 0);
    assert_false(ast->had_errors);
    return ast;
}

static td_decl *only_decl(fx *f, const char *text, td_decl_kind kind)
{
    td_ast *ast = parse_ok(f, text);
    assert_int_equal(ast->n_decls, 1);
    assert_int_equal(ast->decls[0]->kind, kind);
    return ast->decls[0];
}

/* The source text of a span (in the static buffer of the fixture's last call). */
static const char *text_of(fx *f, td_span sp)
{
    static char out[512];
    assert_true(sp.off + sp.len <= f->src->len);
    snprintf(out, sizeof out, "%.*s", (int)sp.len, f->src->text + sp.off);
    return out;
}

/* Expressions as S-expressions, so that a tree reads in one line. */
static void put(fx *f, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(f->buf + f->len, sizeof f->buf - f->len, fmt, ap);
    va_end(ap);
    if (n > 0)
        f->len += (size_t)n;
    assert_true(f->len < sizeof f->buf);
}

static const char *op_name(td_op op)
{
    static const char *const names[] = {"or", "and", "not", "neg", "==", "!=", "<", "<=", ">",
                                        ">=", "in", "not-in", "+", "-", "*", "/"};
    return names[op];
}

static void sx(fx *f, const td_expr *e);

static void sx_binder(fx *f, const td_expr *e)
{
    if (e->binder)
        put(f, " %s in", e->binder);
}

static void sx_args(fx *f, td_expr *const *args, uint32_t n)
{
    for (uint32_t i = 0; i < n; i++) {
        put(f, i ? " " : "");
        sx(f, args[i]);
    }
}

static void sx(fx *f, const td_expr *e)
{
    static const char *const aggs[] = {"sum", "min", "max"};
    static const char *const quants[] = {"all", "any", "none"};
    if (!e) {
        put(f, "NULL");
        return;
    }
    switch (e->kind) {
    case TD_X_NUMBER: put(f, e->is_int ? "%g" : "%g.", e->num); break;
    case TD_X_STRING: put(f, "\"%s\"", e->str); break;
    case TD_X_DATE: put(f, "date:%s", e->str); break;
    case TD_X_MONTH: put(f, "month:%s", e->str); break;
    case TD_X_BOOL: put(f, e->boolean ? "true" : "false"); break;
    case TD_X_NAME: put(f, "%s", e->name); break;
    case TD_X_FIELD: put(f, "(. "); sx(f, e->a); put(f, " %s)", e->name); break;
    case TD_X_ROOT: put(f, "root"); break;
    case TD_X_IT: put(f, "it"); break;
    case TD_X_PREVIOUS: put(f, "previous"); break;
    case TD_X_POSITION: put(f, "position"); break;
    case TD_X_ASOF: put(f, "as_of"); break;
    case TD_X_LIST: put(f, "["); sx_args(f, e->args, e->nargs); put(f, "]"); break;
    case TD_X_UNARY: put(f, "(%s ", op_name(e->op)); sx(f, e->a); put(f, ")"); break;
    case TD_X_BINARY:
        put(f, "(%s ", op_name(e->op));
        sx(f, e->a);
        put(f, " ");
        sx(f, e->b);
        put(f, ")");
        break;
    case TD_X_CALL: put(f, "(%s", e->name); put(f, e->nargs ? " " : ""); sx_args(f, e->args, e->nargs); put(f, ")"); break;
    case TD_X_COUNT:
        put(f, "(count");
        sx_binder(f, e);
        put(f, " ");
        sx(f, e->a);
        if (e->b) {
            put(f, " where ");
            sx(f, e->b);
        }
        put(f, ")");
        break;
    case TD_X_AGG:
        put(f, "(%s ", aggs[e->agg]);
        sx(f, e->c);
        put(f, " of");
        sx_binder(f, e);
        put(f, " ");
        sx(f, e->a);
        if (e->b) {
            put(f, " where ");
            sx(f, e->b);
        }
        put(f, ")");
        break;
    case TD_X_MINMAX:
        put(f, "(%s2 ", aggs[e->agg]);
        sx(f, e->a);
        put(f, " ");
        sx(f, e->b);
        put(f, ")");
        break;
    case TD_X_QUANT:
        put(f, "(%s", quants[e->quant]);
        sx_binder(f, e);
        put(f, " ");
        sx(f, e->a);
        put(f, " have ");
        sx(f, e->b);
        put(f, ")");
        break;
    case TD_X_EACH:
        put(f, "(each");
        sx_binder(f, e);
        put(f, " ");
        sx(f, e->a);
        put(f, " where ");
        sx(f, e->b);
        put(f, ")");
        break;
    case TD_X_IF:
        put(f, "(if ");
        sx(f, e->a);
        put(f, " ");
        sx(f, e->b);
        put(f, " ");
        sx(f, e->c);
        put(f, ")");
        break;
    }
}

static const char *show(fx *f, const td_expr *e)
{
    f->len = 0;
    f->buf[0] = '\0';
    sx(f, e);
    return f->buf;
}

/* Parses a whole text as one expression (td_parse_expr_at); NULL on a syntax error. */
static td_expr *expr_of(fx *f, const char *text)
{
    td_source_free(f->src);
    f->src = td_source_new("t.rules", text, strlen(text));
    assert_non_null(f->src);
    return td_parse_expr_at(&f->arena, f->src, 3, 0, (uint32_t)strlen(text), &f->diag);
}

static void expect_expr(fx *f, const char *text, const char *want)
{
    td_expr *e = expr_of(f, text);
    if (!e)
        print_error("%s: %s\n", text, f->diag.n ? f->diag.items[0].message : "?");
    assert_non_null(e);
    assert_string_equal(show(f, e), want);
    assert_int_equal(f->diag.n, 0);
    /* the whole text, trimmed, is the span of the root */
    size_t a = 0, b = strlen(text);
    while (text[a] == ' ')
        a++;
    while (b > a && text[b - 1] == ' ')
        b--;
    if (text[a] != '(') {
        assert_int_equal(e->span.off, a);
        assert_int_equal(e->span.len, b - a);
    }
}

/* Declarations. */

static void test_parse_plan(void **state)
{
    fx *f = *state;
    td_decl *d = only_decl(f,
        "plan \"58-KH/BDVHU\" \"Hưởng ứng cao điểm thi đua “Đồng Khởi mới”\"\n"
        "  implements \"111-KH/BDVTU\", \"330-KH/TU\" period 2024-01-01 .. 2025-12-31\n"
        "  by \"Ban Dân vận Huyện ủy Châu Thành\" dated 2024-03-28\n",
        TD_D_PLAN);
    assert_string_equal(d->plan_number.text, "58-KH/BDVHU");
    assert_string_equal(text_of(f, d->plan_number.span), "\"58-KH/BDVHU\"");
    assert_string_equal(d->title.text, "Hưởng ứng cao điểm thi đua “Đồng Khởi mới”");
    assert_string_equal(d->issuer.text, "Ban Dân vận Huyện ủy Châu Thành");
    assert_int_equal(d->issued->kind, TD_X_DATE);
    assert_string_equal(d->issued->str, "2024-03-28");
    assert_int_equal(d->n_implements, 2);
    assert_string_equal(d->implements[0].text, "111-KH/BDVTU");
    assert_string_equal(d->implements[1].text, "330-KH/TU");
    assert_string_equal(d->period_from->str, "2024-01-01");
    assert_string_equal(d->period_to->str, "2025-12-31");
    assert_string_equal(text_of(f, d->period_to->span), "2025-12-31");
    assert_int_equal(d->dup_clause.len, 0);
    assert_int_equal(d->span.off, 0);
    assert_int_equal(d->span.len, strlen(f->src->text) - 1); /* to the end of the last clause */
}

static void test_parse_import_param_set(void **state)
{
    fx *f = *state;
    td_ast *ast = parse_ok(f,
        "import \"province.rules\"\n"
        "param district_total = 100 \"Số điển hình toàn hệ thống\" cite \"II.2.1\"\n"
        "param start = 2024-01-01\n"
        "set district_total = 80\n");
    assert_int_equal(ast->n_decls, 4);
    td_decl *imp = ast->decls[0], *p1 = ast->decls[1], *p2 = ast->decls[2], *s = ast->decls[3];
    assert_int_equal(imp->kind, TD_D_IMPORT);
    assert_string_equal(imp->path.text, "province.rules");
    assert_string_equal(text_of(f, imp->path.span), "\"province.rules\"");
    assert_int_equal(p1->kind, TD_D_PARAM);
    assert_string_equal(p1->name, "district_total");
    assert_string_equal(text_of(f, p1->name_span), "district_total");
    assert_string_equal(show(f, p1->value), "100");
    assert_string_equal(p1->label.text, "Số điển hình toàn hệ thống");
    assert_string_equal(p1->cite.text, "II.2.1");
    assert_string_equal(text_of(f, p1->span),
                        "param district_total = 100 \"Số điển hình toàn hệ thống\" cite \"II.2.1\"");
    assert_null(p2->label.text);
    assert_null(p2->cite.text);
    assert_string_equal(show(f, p2->value), "date:2024-01-01");
    assert_int_equal(s->kind, TD_D_SET);
    assert_string_equal(s->name, "district_total");
    assert_string_equal(show(f, s->value), "80");
}

static void test_parse_enum_record_extend_document(void **state)
{
    fx *f = *state;
    td_ast *ast = parse_ok(f,
        "enum level { huyen \"Cấp huyện\", xa \"Cấp xã\", ap }\n"
        "enum tag { thanh_nien phu_nu, llvt, }\n"
        "enum empty {}\n"
        "record plan { required number: text \"Số kế hoạch\"  optional start: date\n"
        "  criteria: list of plan_criterion, by: text required required: list of list of int }\n"
        "extend exemplar { optional award: text }\n"
        "document unit_file\n");
    assert_int_equal(ast->n_decls, 6);
    td_decl *e = ast->decls[0];
    assert_int_equal(e->kind, TD_D_ENUM);
    assert_string_equal(e->name, "level");
    assert_int_equal(e->n_items, 3);
    assert_string_equal(e->items[0].name, "huyen");
    assert_string_equal(e->items[0].label.text, "Cấp huyện");
    assert_string_equal(text_of(f, e->items[1].span), "xa");
    assert_null(e->items[2].label.text);
    assert_int_equal(ast->decls[1]->n_items, 3);
    assert_string_equal(ast->decls[1]->items[1].name, "phu_nu");
    assert_int_equal(ast->decls[2]->n_items, 0);

    td_decl *r = ast->decls[3];
    assert_int_equal(r->kind, TD_D_RECORD);
    assert_string_equal(r->name, "plan");
    assert_int_equal(r->n_fields, 5);
    assert_string_equal(r->fields[0].name, "number");
    assert_true(r->fields[0].required);
    assert_string_equal(r->fields[0].type->name, "text");
    assert_false(r->fields[0].type->is_list);
    assert_string_equal(r->fields[0].label.text, "Số kế hoạch");
    assert_string_equal(r->fields[1].name, "start");
    assert_false(r->fields[1].required);
    assert_null(r->fields[1].label.text);
    assert_string_equal(r->fields[2].name, "criteria");
    assert_false(r->fields[2].required);
    assert_true(r->fields[2].type->is_list);
    assert_string_equal(r->fields[2].type->elem->name, "plan_criterion");
    assert_string_equal(text_of(f, r->fields[2].type->span), "list of plan_criterion");
    assert_string_equal(r->fields[3].name, "by");
    assert_string_equal(r->fields[4].name, "required");
    assert_true(r->fields[4].required);
    assert_true(r->fields[4].type->elem->is_list);
    assert_string_equal(r->fields[4].type->elem->elem->name, "int");

    assert_int_equal(ast->decls[4]->kind, TD_D_EXTEND);
    assert_string_equal(ast->decls[4]->name, "exemplar");
    assert_string_equal(ast->decls[4]->fields[0].name, "award");
    assert_int_equal(ast->decls[5]->kind, TD_D_DOCUMENT);
    assert_string_equal(ast->decls[5]->name, "unit_file");
    assert_string_equal(text_of(f, ast->decls[5]->name_span), "unit_file");
}

static void test_parse_define(void **state)
{
    fx *f = *state;
    td_decl *d = only_decl(f,
        "define exemplar.counted \"Điển hình được tính\" = any steps have step == 1 and date <= as_of",
        TD_D_DEFINE);
    assert_string_equal(d->name, "exemplar");
    assert_string_equal(d->member, "counted");
    assert_string_equal(text_of(f, d->member_span), "counted");
    assert_string_equal(d->label.text, "Điển hình được tính");
    assert_string_equal(show(f, d->value), "(any steps have (and (== step 1) (<= date as_of)))");
}

static const char criterion_text[] =
    "criterion plan.has_dates \"Thời gian thực hiện có thời điểm bắt đầu và kết thúc\"\n"
    "  cite \"II.2.2\"\n"
    "  on plan, exemplars.plan\n"
    "  where type == collective\n"
    "  error\n"
    "  due period_end\n"
    "  let missing = each m in months(a, b) where none monthly_reviews have month == m\n"
    "  let n = count(missing)\n"
    "  require present(start) and present(end) and start <= end\n"
    "  message \"Kế hoạch bắt đầu {start} sau ngày kết thúc {end}\"\n"
    "  hint \"Ghi ngày bắt đầu trước ngày kết thúc\"\n";

static void test_parse_criterion(void **state)
{
    fx *f = *state;
    td_decl *d = only_decl(f, criterion_text, TD_D_CRITERION);
    assert_false(d->replace);
    assert_string_equal(d->id.text, "plan.has_dates");
    assert_int_equal(d->id.n, 2);
    assert_string_equal(d->id.parts[1], "has_dates");
    assert_string_equal(text_of(f, d->id.spans[1]), "has_dates");
    assert_string_equal(text_of(f, d->id.span), "plan.has_dates");
    assert_string_equal(text_of(f, d->name_span), "plan.has_dates");
    assert_string_equal(d->label.text, "Thời gian thực hiện có thời điểm bắt đầu và kết thúc");
    assert_string_equal(d->cite.text, "II.2.2");
    assert_int_equal(d->n_on, 2);
    assert_string_equal(d->on[0].text, "plan");
    assert_string_equal(d->on[1].text, "exemplars.plan");
    assert_string_equal(text_of(f, d->on[1].span), "exemplars.plan");
    assert_string_equal(show(f, d->where), "(== type collective)");
    assert_true(d->has_severity);
    assert_int_equal(d->severity, TD_SEV_ERROR);
    assert_string_equal(text_of(f, d->severity_span), "error");
    assert_string_equal(show(f, d->due), "period_end");
    assert_int_equal(d->n_lets, 2);
    assert_string_equal(d->lets[0].name, "missing");
    assert_string_equal(text_of(f, d->lets[0].span), "missing");
    assert_string_equal(show(f, d->lets[0].value),
                        "(each m in (months a b) where (none monthly_reviews have (== month m)))");
    assert_string_equal(show(f, d->lets[1].value), "(count missing)");
    assert_string_equal(show(f, d->require),
                        "(and (and (present start) (present end)) (<= start end))");
    assert_string_equal(d->message.text, "Kế hoạch bắt đầu {start} sau ngày kết thúc {end}");
    assert_string_equal(text_of(f, d->message.span),
                        "\"Kế hoạch bắt đầu {start} sau ngày kết thúc {end}\"");
    assert_string_equal(d->hint.text, "Ghi ngày bắt đầu trước ngày kết thúc");
    assert_int_equal(d->dup_clause.len, 0);
    assert_int_equal(d->span.off, 0);
    assert_int_equal(d->span.len, sizeof criterion_text - 2); /* without the last newline */
}

static void test_parse_clause_order_is_free(void **state)
{
    fx *f = *state;
    td_decl *d = only_decl(f,
        "criterion a.b require x > 0 warning on unit where y hint \"h\" cite \"I\"",
        TD_D_CRITERION);
    assert_null(d->label.text);
    assert_string_equal(show(f, d->require), "(> x 0)");
    assert_int_equal(d->severity, TD_SEV_WARNING);
    assert_string_equal(d->on[0].text, "unit");
    assert_string_equal(show(f, d->where), "y");
    assert_string_equal(d->hint.text, "h");
    assert_string_equal(d->cite.text, "I");
}

static void test_parse_target(void **state)
{
    fx *f = *state;
    td_ast *ast = parse_ok(f,
        "target exemplars.total \"Toàn hệ thống xây dựng ít nhất 100 điển hình\" cite \"II.2.1\"\n"
        "  count exemplars\n"
        "  where counted\n"
        "  by root.unit.commune\n"
        "  at least district_total\n"
        "  due period_end\n"
        "target plan.assigned \"Tổng chỉ tiêu\" sum target of plan.criteria\n");
    assert_int_equal(ast->n_decls, 2);
    td_decl *t = ast->decls[0];
    assert_int_equal(t->kind, TD_D_TARGET);
    assert_string_equal(t->id.text, "exemplars.total");
    assert_string_equal(t->cite.text, "II.2.1");
    assert_false(t->is_sum);
    assert_null(t->sum_of);
    assert_int_equal(t->n_on, 1);
    assert_string_equal(t->on[0].text, "exemplars");
    assert_string_equal(show(f, t->where), "counted");
    assert_string_equal(show(f, t->by), "(. (. root unit) commune)");
    assert_string_equal(show(f, t->at_least), "district_total");
    assert_string_equal(show(f, t->due), "period_end");
    td_decl *s = ast->decls[1];
    assert_true(s->is_sum);
    assert_string_equal(show(f, s->sum_of), "target");
    assert_int_equal(s->n_on, 1);
    assert_string_equal(s->on[0].text, "plan.criteria");
    assert_int_equal(s->on[0].n, 2);
    assert_null(s->at_least); /* a tally */
    assert_null(s->by);
}

static void test_parse_workflow(void **state)
{
    fx *f = *state;
    td_decl *w = only_decl(f,
        "workflow exemplar.steps \"Quy trình 5 bước\" cite \"II.2.2\"\n"
        "  on exemplars where type == collective\n"
        "  history steps state step dated date evidence evidence\n"
        "  stage 1 \"Xây dựng điển hình\"\n"
        "  stage 2 \"Tuyên truyền\"\n"
        "  stage done\n"
        "  initial 1, 2\n"
        "  transitions 1 -> 2, 2 -> done\n"
        "  guard 1 \"Được biểu dương trước\" require any monthly_reviews have result == commended"
        " message \"Chưa được biểu dương\"\n"
        "  guard 2 require true\n",
        TD_D_WORKFLOW);
    assert_string_equal(w->id.text, "exemplar.steps");
    assert_string_equal(w->label.text, "Quy trình 5 bước");
    assert_string_equal(w->on[0].text, "exemplars");
    assert_string_equal(show(f, w->where), "(== type collective)");
    assert_string_equal(w->history, "steps");
    assert_string_equal(w->state_field, "step");
    assert_string_equal(w->date_field, "date");
    assert_string_equal(w->evidence_field, "evidence");
    assert_string_equal(text_of(f, w->history_span), "steps");
    assert_string_equal(text_of(f, w->evidence_span), "evidence");
    assert_int_equal(w->evidence_span.off + 0u,
                     (uint32_t)(strstr(f->src->text, "evidence evidence") - f->src->text) + 9);
    assert_int_equal(w->n_stages, 3);
    assert_string_equal(show(f, w->stages[0].value), "1");
    assert_string_equal(w->stages[1].label.text, "Tuyên truyền");
    assert_string_equal(text_of(f, w->stages[1].span), "stage 2 \"Tuyên truyền\"");
    assert_string_equal(show(f, w->stages[2].value), "done");
    assert_null(w->stages[2].label.text);
    assert_int_equal(w->n_starts, 2);
    assert_string_equal(show(f, w->starts[1]), "2");
    assert_int_equal(w->n_transitions, 2);
    assert_string_equal(show(f, w->transitions[1].from), "2");
    assert_string_equal(show(f, w->transitions[1].to), "done");
    assert_string_equal(text_of(f, w->transitions[1].span), "2 -> done");
    assert_int_equal(w->n_guards, 2);
    assert_string_equal(show(f, w->guards[0].stage), "1");
    assert_string_equal(w->guards[0].label.text, "Được biểu dương trước");
    assert_string_equal(show(f, w->guards[0].require),
                        "(any monthly_reviews have (== result commended))");
    assert_string_equal(w->guards[0].message.text, "Chưa được biểu dương");
    assert_null(w->guards[1].label.text);
    assert_null(w->guards[1].message.text);
    assert_string_equal(text_of(f, w->guards[1].span), "guard 2 require true");
}

static void test_parse_disable_note(void **state)
{
    fx *f = *state;
    td_ast *ast = parse_ok(f,
        "disable exemplar.youth_info because \"Xã không có đoàn viên\"\n"
        "disable plan.x\n"
        "note \"I.1\" \"Tuyên truyền sâu rộng\" because \"Không kiểm tra được từ dữ liệu\"\n");
    assert_int_equal(ast->n_decls, 3);
    td_decl *d = ast->decls[0];
    assert_int_equal(d->kind, TD_D_DISABLE);
    assert_string_equal(d->id.text, "exemplar.youth_info");
    assert_string_equal(d->because.text, "Xã không có đoàn viên");
    assert_null(ast->decls[1]->because.text);
    td_decl *n = ast->decls[2];
    assert_int_equal(n->kind, TD_D_NOTE);
    assert_string_equal(n->cite.text, "I.1");
    assert_string_equal(n->label.text, "Tuyên truyền sâu rộng");
    assert_string_equal(n->because.text, "Không kiểm tra được từ dữ liệu");
}

static void test_parse_replace(void **state)
{
    fx *f = *state;
    td_ast *ast = parse_ok(f,
        "replace criterion plan.has_dates \"Có ngày\" on plan error require present(start)\n"
        "replace target exemplars.total count exemplars at least 80\n"
        "replace workflow exemplar.steps on exemplars history steps state step\n"
        "criterion x.y on plan info require true\n");
    assert_int_equal(ast->n_decls, 4);
    assert_true(ast->decls[0]->replace);
    assert_int_equal(ast->decls[0]->kind, TD_D_CRITERION);
    assert_string_equal(ast->decls[0]->id.text, "plan.has_dates");
    assert_int_equal(ast->decls[0]->span.off, 0); /* from `replace` */
    assert_true(ast->decls[1]->replace);
    assert_int_equal(ast->decls[1]->kind, TD_D_TARGET);
    assert_true(ast->decls[2]->replace);
    assert_int_equal(ast->decls[2]->kind, TD_D_WORKFLOW);
    assert_false(ast->decls[3]->replace);
}

static void test_parse_duplicate_clause(void **state)
{
    fx *f = *state;
    td_decl *d = only_decl(f,
        "criterion a.b on plan require x == 1 error\n"
        "  require x == 2\n"
        "  warning\n",
        TD_D_CRITERION);
    /* the last one wins; the last repetition is recorded */
    assert_string_equal(show(f, d->require), "(== x 2)");
    assert_int_equal(d->severity, TD_SEV_WARNING);
    assert_string_equal(d->dup_clause_name, "warning");
    assert_string_equal(text_of(f, d->dup_clause), "warning");
    td_decl *p = only_decl(f, "plan \"a\" \"b\" dated 2024-01-01 by \"x\" dated 2024-02-02", TD_D_PLAN);
    assert_string_equal(p->issued->str, "2024-02-02");
    assert_string_equal(p->dup_clause_name, "dated");
    assert_string_equal(text_of(f, p->dup_clause), "dated 2024-02-02");
    td_decl *t = only_decl(f, "target a.b count x sum y of z", TD_D_TARGET);
    assert_true(t->is_sum);
    assert_string_equal(t->dup_clause_name, "sum");
    td_decl *n = only_decl(f, "param x = 1 cite \"a\" cite \"b\"", TD_D_PARAM);
    assert_string_equal(n->cite.text, "b");
    assert_string_equal(n->dup_clause_name, "cite");
}

static void test_parse_soft_keywords_as_names(void **state)
{
    fx *f = *state;
    td_ast *ast = parse_ok(f,
        "record plan { required plan: text target: int by: text state: int evidence: text\n"
        "  count: int min: int list: text optional: bool note: text }\n"
        "enum kind { plan target by error info }\n"
        "param target = 5\n"
        "criterion plan.target on plan, target.plan.by\n"
        "  where plan.state == state and target > 0 and evidence != \"\" and by.where == 1\n"
        "  require count + sum + min(max, 1) > 0 and message(note) and x.criterion == 1\n"
        "workflow plan.state on history history state state dated dated evidence evidence evidence\n");
    assert_int_equal(ast->n_decls, 5);
    assert_string_equal(ast->decls[0]->fields[0].name, "plan");
    assert_string_equal(ast->decls[0]->fields[5].name, "count");
    assert_string_equal(ast->decls[0]->fields[7].name, "list");
    assert_string_equal(ast->decls[0]->fields[8].name, "optional");
    assert_false(ast->decls[0]->fields[8].required);
    assert_int_equal(ast->decls[1]->n_items, 5);
    assert_string_equal(ast->decls[2]->name, "target");
    td_decl *c = ast->decls[3];
    assert_string_equal(c->id.text, "plan.target");
    assert_string_equal(c->on[1].text, "target.plan.by");
    assert_string_equal(show(f, c->where),
                        "(and (and (and (== (. plan state) state) (> target 0)) (!= evidence \"\")) "
                        "(== (. by where) 1))");
    assert_string_equal(show(f, c->require),
                        "(and (and (> (+ (+ count sum) (min2 max 1)) 0) (message note)) "
                        "(== (. x criterion) 1))");
    td_decl *w = ast->decls[4];
    assert_string_equal(w->on[0].text, "history");
    assert_string_equal(w->history, "state");
    assert_string_equal(w->state_field, "dated");
    assert_string_equal(w->date_field, "evidence");
    assert_string_equal(w->evidence_field, "evidence");
}

static void test_parse_comments_kept(void **state)
{
    fx *f = *state;
    td_ast *ast = parse_ok(f, "# one\nparam a = 1 # two\n# three");
    assert_int_equal(ast->n_decls, 1);
    assert_int_equal(ast->n_comments, 3);
    assert_string_equal(text_of(f, ast->comments[1]), "# two");
    assert_string_equal(text_of(f, ast->comments[2]), "# three");
}

static void test_parse_empty_file_and_bom(void **state)
{
    fx *f = *state;
    td_ast *ast = parse_ok(f, "");
    assert_int_equal(ast->n_decls, 0);
    ast = parse_ok(f, "\xEF\xBB\xBF# với BOM\ndocument unit_file\n");
    assert_int_equal(ast->n_decls, 1);
    assert_int_equal(ast->decls[0]->span.off, 15); /* bytes: BOM, "# với BOM\n" */
    assert_int_equal(ast->comments[0].off, 3);
}

/* Expressions. */

static void test_expr_precedence(void **state)
{
    fx *f = *state;
    expect_expr(f, "a or b and c", "(or a (and b c))");
    expect_expr(f, "a and b or c", "(or (and a b) c)");
    expect_expr(f, "not a == b", "(not (== a b))");
    expect_expr(f, "not a and b", "(and (not a) b)");
    expect_expr(f, "not not a", "(not (not a))");
    expect_expr(f, "a + b * c - d / e", "(- (+ a (* b c)) (/ d e))");
    expect_expr(f, "a - b - c", "(- (- a b) c)");
    expect_expr(f, "-a * b", "(* (neg a) b)");
    expect_expr(f, "- a.b", "(neg (. a b))");
    expect_expr(f, "a + 1 <= b * 2 and c != 2024-05", "(and (<= (+ a 1) (* b 2)) (!= c month:2024-05))");
    expect_expr(f, "(a or b) and c", "(and (or a b) c)");
    expect_expr(f, "x in [a, b] or y", "(or (in x [a b]) y)");
    expect_expr(f, "x not in [a, b]", "(not-in x [a b])");
    expect_expr(f, "not x not in []", "(not (not-in x []))");
    expect_expr(f, "a == true or b != false", "(or (== a true) (!= b false))");
    expect_expr(f, "1 + 2.5", "(+ 1 2.5.)");
    expect_expr(f, "\"Hà\" == name", "(== \"Hà\" name)");
    expect_expr(f, "root.unit.level in [xa, ap]", "(in (. (. root unit) level) [xa ap])");
    expect_expr(f, "it.step == previous.step + 1 and position > 1 and date <= as_of",
                "(and (and (== (. it step) (+ (. previous step) 1)) (> position 1)) (<= date as_of))");
}

static void test_expr_quantifier_body_extent(void **state)
{
    fx *f = *state;
    expect_expr(f, "any steps have step == 1 and date <= as_of",
                "(any steps have (and (== step 1) (<= date as_of)))");
    expect_expr(f, "x and all s in steps has s.step > 0 or y",
                "(and x (all s in steps have (or (> (. s step) 0) y)))");
    expect_expr(f, "none a.b.c have it", "(none (. (. a b) c) have it)");
    expect_expr(f, "any months(a, b) have true", "(any (months a b) have true)");
    expect_expr(f, "each m in months(a, b) where none r have month == m",
                "(each m in (months a b) where (none r have (== month m)))");
    /* count() takes a list written as a path or a call: a filter goes in parentheses */
    expect_expr(f, "count((each x in l where x > 1)) + 1",
                "(+ (count (each x in l where (> x 1))) 1)");
    expect_expr(f, "if a then b else c or d", "(if a b (or c d))");
    expect_expr(f, "if a then if b then 1 else 2 else 3", "(if a (if b 1 2) 3)");
    expect_expr(f, "1 + if a then 2 else 3", "(+ 1 (if a 2 3))");
}

static void test_expr_aggregates(void **state)
{
    fx *f = *state;
    expect_expr(f, "count(L where P)", "(count L where P)");
    expect_expr(f, "count(e in exemplars where e.type == individual) >= 1",
                "(>= (count e in exemplars where (== (. e type) individual)) 1)");
    expect_expr(f, "count(plan.criteria)", "(count (. plan criteria))");
    expect_expr(f, "sum(t of L)", "(sum t of L)");
    expect_expr(f, "sum(c.target * 2 of c in plan.criteria where c.target > 0)",
                "(sum (* (. c target) 2) of c in (. plan criteria) where (> (. c target) 0))");
    expect_expr(f, "min(a, b)", "(min2 a b)");
    expect_expr(f, "max(a + 1, b)", "(max2 (+ a 1) b)");
    expect_expr(f, "min(x of L)", "(min x of L)");
    expect_expr(f, "max(date of steps where step > 1)", "(max date of steps where (> step 1))");
    expect_expr(f, "present(start) and length(name) > 0 and f()",
                "(and (and (present start) (> (length name) 0)) (f))");
    expect_expr(f, "count + sum", "(+ count sum)");
    td_expr *e = expr_of(f, "sum(t of x in L where p)");
    assert_non_null(e);
    assert_int_equal(e->kind, TD_X_AGG);
    assert_int_equal(e->agg, TD_AGG_SUM);
    assert_string_equal(e->binder, "x");
    assert_string_equal(text_of(f, e->binder_span), "x");
    assert_string_equal(show(f, e->c), "t");
    assert_string_equal(show(f, e->a), "L");
    assert_string_equal(show(f, e->b), "p");
    e = expr_of(f, "count(L)");
    assert_null(e->binder);
    assert_null(e->b);
    e = expr_of(f, "min(a, b)");
    assert_int_equal(e->kind, TD_X_MINMAX);
    assert_int_equal(e->agg, TD_AGG_MIN);
}

static void test_expr_field_chain_spans(void **state)
{
    fx *f = *state;
    td_expr *e = expr_of(f, "  root.unit . commune == \"Tân Thạch\"");
    assert_non_null(e);
    assert_int_equal(e->kind, TD_X_BINARY);
    td_expr *a = e->a;
    assert_int_equal(a->kind, TD_X_FIELD);
    assert_string_equal(a->name, "commune");
    assert_string_equal(text_of(f, a->name_span), "commune");
    assert_string_equal(text_of(f, a->span), "root.unit . commune");
    assert_int_equal(a->a->kind, TD_X_FIELD);
    assert_string_equal(text_of(f, a->a->span), "root.unit");
    assert_int_equal(a->a->a->kind, TD_X_ROOT);
    assert_string_equal(text_of(f, e->b->span), "\"Tân Thạch\"");
    assert_string_equal(e->b->str, "Tân Thạch");
    assert_string_equal(text_of(f, e->span), "root.unit . commune == \"Tân Thạch\"");
    e = expr_of(f, "present(a.b)");
    assert_int_equal(e->kind, TD_X_CALL);
    assert_string_equal(text_of(f, e->name_span), "present");
    assert_int_equal(e->nargs, 1);
    assert_string_equal(text_of(f, e->args[0]->span), "a.b");
    e = expr_of(f, "12.5");
    assert_false(e->is_int);
    assert_true(e->num == 12.5);
    e = expr_of(f, "12");
    assert_true(e->is_int);
}

/* Whole numbers are kept exactly; one past INT64_MAX is an error at the literal, never a
 * wrapped value (it was -9223372036854775808). */
static void test_number_literal_range(void **state)
{
    fx *f = *state;
    td_expr *e = expr_of(f, "9223372036854775807");
    assert_true(e->is_int);
    assert_true(e->ival == INT64_MAX);
    assert_int_equal(f->diag.n, 0);
    e = expr_of(f, "9007199254740993");
    assert_true(e->ival == 9007199254740993LL); /* not rounded through a double */
    td_ast *ast = parse(f, "param x = 99999999999999999999 cite \"I\"\n");
    assert_non_null(ast);
    assert_int_equal(f->diag.errors, 1);
    assert_string_equal(f->diag.items[0].code, "number-range");
    assert_int_equal(f->diag.items[0].line, 1);
    assert_int_equal(f->diag.items[0].col, 11);
    assert_int_equal(f->diag.items[0].width, 20);
}

static void test_parse_expr_at_spans(void **state)
{
    fx *f = *state;
    const char *text = "criterion a.b message \"Còn {count(x where y > 1)} ngày\"";
    td_source_free(f->src);
    f->src = td_source_new("t.rules", text, strlen(text));
    uint32_t off = (uint32_t)(strchr(text, '{') - text) + 1;
    uint32_t len = (uint32_t)(strchr(text, '}') - text) - off;
    td_expr *e = td_parse_expr_at(&f->arena, f->src, 9, off, len, &f->diag);
    assert_non_null(e);
    assert_int_equal(f->diag.n, 0);
    assert_int_equal(e->kind, TD_X_COUNT);
    assert_int_equal(e->span.src, 9);
    assert_int_equal(e->span.off, off);
    assert_int_equal(e->span.len, len);
    assert_string_equal(text_of(f, e->a->span), "x");
    assert_int_equal(e->a->span.off, off + 6);
    assert_string_equal(text_of(f, e->b->span), "y > 1");
    assert_string_equal(text_of(f, e->b->b->span), "1");
    assert_int_equal(e->b->a->span.src, 9);

    /* a syntax error is reported at its place in the file */
    off = (uint32_t)(strstr(text, "y >") - text);
    e = td_parse_expr_at(&f->arena, f->src, 9, off, 3, &f->diag);
    assert_null(e);
    assert_int_equal(f->diag.n, 1);
    assert_string_equal(f->diag.items[0].code, "syntax");
    assert_string_equal(f->diag.items[0].message,
                        "expected an expression, found the end of the expression");
    assert_int_equal(f->diag.items[0].col, off + 3); /* after '>'; "ò" is 2 bytes, 1 column */
    assert_false(f->diag.oom);

    e = expr_of(f, "");
    assert_null(e);
    e = expr_of(f, "a b");
    assert_null(e);
    assert_string_equal(f->diag.items[2].message,
                        "expected an operator or the end of the expression, found \"b\"");
}

/* Errors. */

static void test_error_nonassoc_comparison(void **state)
{
    fx *f = *state;
    assert_null(expr_of(f, "a < b < c"));
    assert_int_equal(f->diag.n, 1);
    assert_int_equal(f->diag.items[0].col, 7);
    assert_non_null(strstr(f->diag.items[0].message, "found \"<\""));
}

static void test_error_missing_require_expression(void **state)
{
    fx *f = *state;
    td_ast *ast = parse(f,
        "criterion plan.has_dates \"Có ngày\"\n"
        "  on plan error\n"
        "  require\n"
        "  message \"Thiếu ngày\"\n"
        "criterion plan.ok on plan error require true\n");
    assert_true(ast->had_errors);
    assert_int_equal(f->diag.n, 1);
    const td_diagnostic *e = &f->diag.items[0];
    assert_string_equal(e->code, "syntax");
    assert_int_equal(e->sev, TD_SEV_ERROR);
    assert_string_equal(e->message, "expected an expression after \"require\", found \"message\"");
    assert_int_equal(e->line, 4);
    assert_int_equal(e->col, 3);
    assert_int_equal(e->width, 7);
    assert_string_equal(e->hint, "\"message\" starts a clause here; complete what comes before it");
    assert_int_equal(ast->n_decls, 1);
    assert_string_equal(ast->decls[0]->id.text, "plan.ok");

    /* at the end of the file, the caret goes right after `require` */
    td_diag_clear(&f->diag);
    ast = parse(f, "criterion a.b on plan error require\n\n");
    assert_int_equal(f->diag.n, 1);
    assert_string_equal(f->diag.items[0].message,
                        "expected an expression, found the end of the file");
    assert_int_equal(f->diag.items[0].line, 1);
    assert_int_equal(f->diag.items[0].col, 36);
    assert_int_equal(ast->n_decls, 0);
}

static void test_error_misspelt_keyword(void **state)
{
    fx *f = *state;
    parse(f, "criterion a.b on plan\n  requir x > 1\n");
    assert_int_equal(f->diag.n, 1);
    const td_diagnostic *e = &f->diag.items[0];
    assert_string_equal(e->message,
                        "expected a clause, a declaration or \"[\", found \"requir\"");
    assert_int_equal(e->line, 2);
    assert_int_equal(e->col, 3);
    assert_string_equal(e->hint, "did you mean 'require'?");

    td_diag_clear(&f->diag);
    parse(f, "critrion a.b on plan require x\n");
    assert_string_equal(f->diag.items[0].message, "expected a declaration, found \"critrion\"");
    assert_string_equal(f->diag.items[0].hint, "did you mean 'criterion'?");

    td_diag_clear(&f->diag);
    parse(f, "criterion a.b on plan require x = 1\n");
    assert_string_equal(f->diag.items[0].hint, "to compare, write '=='");

    td_diag_clear(&f->diag);
    parse(f, "plan \"a\" \"b\" dated 2024-01-01 period 2024-01-01 - 2025-01-01\n");
    assert_string_equal(f->diag.items[0].message, "expected \"..\", found \"-\"");
    assert_int_equal(f->diag.items[0].col, 49);

    td_diag_clear(&f->diag);
    parse(f, "record r { a: int b text }\n");
    assert_string_equal(f->diag.items[0].message, "expected \":\", found \"text\"");

    td_diag_clear(&f->diag);
    parse(f, "enum e { a, \"b\" }\n");
    assert_string_equal(f->diag.items[0].message, "expected a name or \"}\", found a string");
}

static void test_error_recovery_three_broken(void **state)
{
    fx *f = *state;
    td_ast *ast = parse(f,
        "param a = 1\n"
        "criterion x.broken on plan require a + * 2\n"           /* 1 */
        "param b = 2\n"
        "enum level { huyen xa: }\n"                             /* 2 */
        "criterion x.good on plan error require a > 0\n"
        "target t.x count exemplars at most 3\n"                 /* 3 */
        "document unit_file\n");
    assert_true(ast->had_errors);
    assert_int_equal(f->diag.n, 3);
    assert_int_equal(f->diag.items[0].line, 2);
    assert_int_equal(f->diag.items[1].line, 4);
    assert_int_equal(f->diag.items[2].line, 6);
    for (int i = 0; i < 3; i++)
        assert_string_equal(f->diag.items[i].code, "syntax");
    assert_string_equal(f->diag.items[0].message, "expected an expression, found \"*\"");
    assert_string_equal(f->diag.items[2].message, "expected \"least\", found \"most\"");
    assert_int_equal(ast->n_decls, 4);
    assert_string_equal(ast->decls[0]->name, "a");
    assert_string_equal(ast->decls[1]->name, "b");
    assert_string_equal(ast->decls[2]->id.text, "x.good");
    assert_int_equal(ast->decls[3]->kind, TD_D_DOCUMENT);
}

static void test_error_recovery_keyword_taken_as_name(void **state)
{
    fx *f = *state;
    /* `criterion` ends the broken param's expression: the next declaration still parses */
    td_ast *ast = parse(f,
        "param a =\n"
        "criterion b.c \"nhãn\" on plan error require true\n"
        "set x = 1 +\n"
        "target t.u count exemplars\n");
    assert_int_equal(f->diag.n, 2);
    assert_string_equal(f->diag.items[0].message, "expected an expression, found \"criterion\"");
    assert_int_equal(f->diag.items[0].line, 2);
    assert_string_equal(f->diag.items[1].message,
                        "expected an expression after \"+\", found \"target\"");
    assert_int_equal(ast->n_decls, 2);
    assert_string_equal(ast->decls[0]->id.text, "b.c");
    assert_string_equal(ast->decls[0]->label.text, "nhãn");
    assert_string_equal(ast->decls[1]->id.text, "t.u");
}

static void test_error_invalid_character_once(void **state)
{
    fx *f = *state;
    td_ast *ast = parse(f, "param a = 1 ! 2\nparam b = 2\n");
    assert_int_equal(f->diag.n, 1);
    assert_string_equal(f->diag.items[0].code, "invalid-character");
    assert_int_equal(ast->n_decls, 1);
    assert_string_equal(ast->decls[0]->name, "b");
    assert_true(ast->had_errors);

    /* a string error does not break the declaration */
    td_diag_clear(&f->diag);
    ast = parse(f, "param a = \"x\\qy\"\nparam b = \"open\n");
    assert_int_equal(f->diag.n, 2);
    assert_string_equal(f->diag.items[0].code, "bad-escape");
    assert_string_equal(f->diag.items[1].code, "unterminated-string");
    assert_int_equal(ast->n_decls, 2);
    assert_true(ast->had_errors);
}

static void test_error_limit(void **state)
{
    fx *f = *state;
    char text[4096];
    size_t len = 0;
    for (int i = 0; i < 25; i++)
        len += (size_t)snprintf(text + len, sizeof text - len, "param p%d = (1\n", i);
    snprintf(text + len, sizeof text - len, "param last = 1\n");
    td_ast *ast = parse(f, text);
    assert_true(ast->had_errors);
    assert_int_equal(f->diag.n, 21);
    assert_int_equal(f->diag.errors, 20);
    for (int i = 0; i < 20; i++) {
        assert_int_equal(f->diag.items[i].sev, TD_SEV_ERROR);
        assert_int_equal(f->diag.items[i].line, (uint32_t)i + 2); /* found at the next `param` */
    }
    const td_diagnostic *note = &f->diag.items[20];
    assert_int_equal(note->sev, TD_SEV_INFO);
    assert_string_equal(note->code, "too-many-errors");
    assert_non_null(strstr(note->message, "too many errors"));
}

static void test_error_deep_nesting(void **state)
{
    fx *f = *state;
    enum { DEPTH = 5000 };
    char *text = malloc(2 * DEPTH + 32);
    assert_non_null(text);
    size_t n = (size_t)sprintf(text, "param a = ");
    memset(text + n, '(', DEPTH);
    n += DEPTH;
    text[n++] = '1';
    memset(text + n, ')', DEPTH);
    n += DEPTH;
    text[n] = '\0';
    td_ast *ast = parse(f, text);
    free(text);
    assert_true(ast->had_errors);
    assert_int_equal(f->diag.n, 1);
    assert_string_equal(f->diag.items[0].code, "too-deep");
    /* 200 levels are fine */
    td_diag_clear(&f->diag);
    char ok[512];
    n = (size_t)sprintf(ok, "param a = ");
    memset(ok + n, '(', 200);
    ok[n + 200] = '1';
    memset(ok + n + 201, ')', 200);
    ok[n + 401] = '\0';
    ast = parse_ok(f, ok);
    assert_string_equal(show(f, ast->decls[0]->value), "1");
}

static void test_out_of_memory(void **state)
{
    fx *f = *state;
    td_source *src = td_source_new("t.rules", criterion_text, strlen(criterion_text));
    assert_non_null(src);
    bool done = false;
    int n = 1;
    for (; n < 1000 && !done; n++) {
        td_arena a;
        td_diag d;
        td_arena_init(&a, 256);
        td_diag_init(&d);
        a.fail_after = n;
        td_ast *ast = NULL;
        td_status st = td_parse_source(&a, src, 0, &d, &ast);
        if (st == TD_OK) {
            assert_non_null(ast);
            assert_int_equal(ast->n_decls, 1);
            assert_int_equal(d.n, 0);
            done = true;
        } else {
            assert_int_equal(st, TD_ENOMEM);
            assert_null(ast);
        }
        a.fail_after = 0;
        td_expr *e = td_parse_expr_at(&a, src, 0, 0, 9, &d);
        (void)e;
        td_diag_free(&d);
        td_arena_free(&a);
    }
    assert_true(done);
    assert_true(n > 40); /* every allocation of the parse failed once */
    td_source_free(src);
    (void)f;
}

int main(void)
{
#define T(name) cmocka_unit_test_setup_teardown(name, setup, teardown)
    const struct CMUnitTest tests[] = {
        T(test_parse_plan),
        T(test_parse_import_param_set),
        T(test_parse_enum_record_extend_document),
        T(test_parse_define),
        T(test_parse_criterion),
        T(test_parse_clause_order_is_free),
        T(test_parse_target),
        T(test_parse_workflow),
        T(test_parse_disable_note),
        T(test_parse_replace),
        T(test_parse_duplicate_clause),
        T(test_parse_soft_keywords_as_names),
        T(test_parse_comments_kept),
        T(test_parse_empty_file_and_bom),
        T(test_expr_precedence),
        T(test_expr_quantifier_body_extent),
        T(test_expr_aggregates),
        T(test_expr_field_chain_spans),
        T(test_number_literal_range),
        T(test_parse_expr_at_spans),
        T(test_error_nonassoc_comparison),
        T(test_error_missing_require_expression),
        T(test_error_misspelt_keyword),
        T(test_error_recovery_three_broken),
        T(test_error_recovery_keyword_taken_as_name),
        T(test_error_invalid_character_once),
        T(test_error_limit),
        T(test_error_deep_nesting),
        T(test_out_of_memory),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
