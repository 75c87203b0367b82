/* Unit tests of engine/load.c: YAML events into the generic tree, its limits and errors,
 * and the tree typed against a small hand-built schema. Pipeline: unit file -> load -> eval. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "load.h"

/* ---- a small schema: doc { name*, count, ratio, active, issued, month, level, tags, plan,
 * solutions }, plan { number*, title, criteria }, criterion { name, target } ---- */

static const char *level_codes[] = { "huyen", "xa", "ap" };
static const td_enum level_enum = { "level", level_codes, NULL, 3 };

static const td_type t_text = { TD_T_TEXT, NULL, NULL, NULL };
static const td_type t_int = { TD_T_INT, NULL, NULL, NULL };
static const td_type t_number = { TD_T_NUMBER, NULL, NULL, NULL };
static const td_type t_bool = { TD_T_BOOL, NULL, NULL, NULL };
static const td_type t_date = { TD_T_DATE, NULL, NULL, NULL };
static const td_type t_month = { TD_T_MONTH, NULL, NULL, NULL };
static const td_type t_level = { TD_T_ENUM, &level_enum, NULL, NULL };
static const td_type t_texts = { TD_T_LIST, NULL, NULL, &t_text };

static td_field crit_fields[] = {
    { "name", NULL, &t_text, false, 0 },
    { "target", NULL, &t_number, false, 1 },
};
static const td_record crit_rec = { .name = "plan_criterion", .fields = crit_fields, .n_fields = 2 };
static const td_type t_crit = { TD_T_RECORD, NULL, &crit_rec, NULL };
static const td_type t_crits = { TD_T_LIST, NULL, NULL, &t_crit };

static td_field plan_fields[] = {
    { "number", NULL, &t_text, true, 0 },
    { "title", NULL, &t_text, false, 1 },
    { "criteria", NULL, &t_crits, false, 2 },
};
static const td_record plan_rec = { .name = "plan", .fields = plan_fields, .n_fields = 3 };
static const td_type t_plan = { TD_T_RECORD, NULL, &plan_rec, NULL };

enum { S_NAME, S_COUNT, S_RATIO, S_ACTIVE, S_ISSUED, S_MONTH, S_LEVEL, S_TAGS, S_PLAN, S_SOL };
static td_field doc_fields[] = {
    { "name", NULL, &t_text, true, S_NAME },
    { "count", NULL, &t_int, false, S_COUNT },
    { "ratio", NULL, &t_number, false, S_RATIO },
    { "active", NULL, &t_bool, false, S_ACTIVE },
    { "issued", NULL, &t_date, false, S_ISSUED },
    { "month", NULL, &t_month, false, S_MONTH },
    { "level", NULL, &t_level, false, S_LEVEL },
    { "tags", NULL, &t_texts, false, S_TAGS },
    { "plan", NULL, &t_plan, false, S_PLAN },
    { "solutions", NULL, &t_texts, false, S_SOL },
};
static const td_record doc_rec = { .name = "unit_doc", .fields = doc_fields, .n_fields = 10 };
static const td_type t_doc = { TD_T_RECORD, NULL, &doc_rec, NULL };

/* ---- fixture ---- */

typedef struct fx {
    td_arena a;
    td_diag d;
    td_source *src;
    td_yaml *y;
    td_limits lim;
} fx;

static int setup(void **state)
{
    fx *f = calloc(1, sizeof *f);
    if (!f)
        return -1;
    td_arena_init(&f->a, 0);
    td_diag_init(&f->d);
    td_limits_default(&f->lim);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fx *f = *state;
    td_yaml_close(f->y);
    td_source_free(f->src);
    td_diag_free(&f->d);
    td_arena_free(&f->a);
    free(f);
    return 0;
}

static void open_text(fx *f, const char *text, size_t len)
{
    f->src = td_source_new("unit.yaml", text, len);
    assert_non_null(f->src);
    assert_int_equal(td_yaml_open(f->src, &f->lim, &f->y), TD_OK);
}

/* The next document's generic root (NULL at the end). */
static td_ynode *next_doc(fx *f, uint32_t *doc_line)
{
    td_ynode *root = NULL;
    assert_int_equal(td_yaml_next(f->y, &f->a, &f->d, &root, doc_line), TD_OK);
    return root;
}

/* Loads and types the first document of `text`. */
static td_node *load(fx *f, const char *text)
{
    open_text(f, text, strlen(text));
    td_ynode *root = next_doc(f, NULL);
    assert_non_null(root);
    td_node *n = NULL;
    assert_int_equal(td_type_document(&t_doc, root, f->src, &f->a, &f->d, &n), TD_OK);
    assert_non_null(n);
    return n;
}

/* The only finding with id `rule`; fails when there is none or several. */
static const td_diagnostic *only(fx *f, const char *rule)
{
    const td_diagnostic *found = NULL;
    for (size_t i = 0; i < f->d.n; i++) {
        if (f->d.items[i].rule && strcmp(f->d.items[i].rule, rule) == 0) {
            assert_null(found);
            found = &f->d.items[i];
        }
    }
    if (!found) {
        for (size_t i = 0; i < f->d.n; i++)
            print_error("finding: %s [%s]\n", f->d.items[i].message, f->d.items[i].rule);
        fail_msg("no finding %s", rule);
    }
    return found;
}

static void assert_contains(const char *s, const char *part)
{
    if (!s || !strstr(s, part))
        fail_msg("'%s' does not contain '%s'", s ? s : "(null)", part);
}


/* ---- tests ---- */

static const char good[] =
    "# a unit\n"                                    /* 1 */
    "name: Hội Nông dân xã Tân Thạch\n"             /* 2 */
    "count: -12\n"                                  /* 3 */
    "ratio: 2.5\n"                                  /* 4 */
    "active: true\n"                                /* 5 */
    "issued: '2024-04-10'\n"                        /* 6 */
    "month: 2024-05\n"                              /* 7 */
    "level: xa\n"                                   /* 8 */
    "tags: [a, 'b c']\n"                            /* 9 */
    "plan:\n"                                       /* 10 */
    "  number: 05-KH/HND\n"                         /* 11 */
    "  criteria:\n"                                 /* 12 */
    "    - name: Hội viên\n"                        /* 13 */
    "      target: 40\n"                            /* 14 */
    "    -   name: Tổ hợp tác\n"                    /* 15 */
    "        target: 1e2\n"                         /* 16 */
    "solutions:\n"                                  /* 17 */
    "  - Phân công cán bộ\n";                       /* 18 */

/* The key column of a node as a finding reads it: a list item's dash is found only then. */
static uint32_t key_col(const fx *f, const td_node *n)
{
    return n->key_col ? n->key_col : td_item_dash_col(f->src, n->line, n->col);
}

static void test_load_good_document(void **state)
{
    fx *f = *state;
    td_node *n = load(f, good);
    assert_int_equal(f->d.n, 0);
    assert_false(n->invalid);
    td_node **s = n->v.slots;
    assert_string_equal(s[S_NAME]->v.text.s, "Hội Nông dân xã Tân Thạch");
    assert_int_equal(s[S_NAME]->line, 2);
    assert_int_equal(s[S_NAME]->col, 7);
    assert_int_equal(s[S_NAME]->key_line, 2);
    assert_int_equal(s[S_NAME]->key_col, 1);
    assert_int_equal(s[S_NAME]->width, 25);  /* characters, not bytes */
    assert_int_equal(s[S_COUNT]->v.i, -12);
    assert_true(s[S_RATIO]->v.num == 2.5);
    assert_true(s[S_ACTIVE]->v.b);
    assert_int_equal(s[S_ISSUED]->v.days, td_days_from_civil(2024, 4, 10));
    assert_int_equal(s[S_ISSUED]->width, 12);  /* the quotes are part of the value */
    assert_int_equal(s[S_MONTH]->v.month, 2024 * 12 + 4);
    assert_int_equal(s[S_LEVEL]->v.enum_index, 1);
    assert_int_equal(s[S_TAGS]->v.list.n, 2);
    assert_string_equal(s[S_TAGS]->v.list.items[1]->v.text.s, "b c");
    assert_int_equal(s[S_TAGS]->v.list.items[1]->col, 11);
    assert_int_equal(s[S_TAGS]->v.list.items[1]->key_col, 0);  /* found when needed */
    assert_int_equal(key_col(f, s[S_TAGS]->v.list.items[1]), 11);  /* flow: no dash */
    td_node *plan = s[S_PLAN];
    assert_ptr_equal(plan->type, &t_plan);
    assert_string_equal(plan->v.slots[0]->v.text.s, "05-KH/HND");
    assert_null(plan->v.slots[1]);
    td_node *crits = plan->v.slots[2];
    assert_int_equal(crits->v.list.n, 2);
    td_node *c0 = crits->v.list.items[0], *c1 = crits->v.list.items[1];
    assert_int_equal(c0->line, 13);
    assert_int_equal(c0->col, 7);
    assert_int_equal(c0->key_line, 13);
    assert_int_equal(key_col(f, c0), 5);  /* the '-' */
    assert_int_equal(key_col(f, c1), 5);
    assert_int_equal(c1->col, 9);
    assert_true(c0->v.slots[1]->v.num == 40);
    assert_true(c1->v.slots[1]->v.num == 100);
    assert_int_equal(c1->v.slots[1]->line, 16);
    assert_int_equal(c1->v.slots[1]->col, 17);
    assert_int_equal(key_col(f, s[S_SOL]->v.list.items[0]), 3);
    /* end of stream */
    assert_null(next_doc(f, NULL));
    assert_null(next_doc(f, NULL));
}

static void test_load_several_documents(void **state)
{
    fx *f = *state;
    const char *text = "name: A\n---\nname: B\n...\n---\n# empty\n---\nname: D\n";
    open_text(f, text, strlen(text));
    uint32_t line = 0;
    td_ynode *r = next_doc(f, &line);
    assert_int_equal(r->kind, TD_Y_MAP);
    assert_int_equal(line, 1);
    assert_string_equal(r->pairs[0].value->text, "A");
    r = next_doc(f, &line);
    assert_int_equal(line, 2);
    assert_string_equal(r->pairs[0].value->text, "B");
    r = next_doc(f, &line);
    assert_int_equal(r->kind, TD_Y_NULL);
    assert_int_equal(line, 5);
    td_node *n = NULL;
    assert_int_equal(td_type_document(&t_doc, r, f->src, &f->a, &f->d, &n), TD_OK);
    assert_true(n->invalid);
    assert_contains(only(f, "data.empty")->message, "the document is empty");
    r = next_doc(f, &line);
    assert_int_equal(line, 7);
    assert_string_equal(r->pairs[0].value->text, "D");
    assert_null(next_doc(f, &line));
    assert_int_equal(line, 0);
}

static void test_load_empty_file(void **state)
{
    fx *f = *state;
    open_text(f, "", 0);
    assert_null(next_doc(f, NULL));
    assert_int_equal(f->d.n, 0);
}

static void test_load_comment_only_file_has_no_document(void **state)
{
    fx *f = *state;
    const char *text = "# nothing yet\n\n";
    open_text(f, text, strlen(text));
    assert_null(next_doc(f, NULL));
    assert_int_equal(f->d.n, 0);
}

static void test_load_null_document(void **state)
{
    fx *f = *state;
    open_text(f, "null\n", 5);
    td_ynode *r = next_doc(f, NULL);
    assert_int_equal(r->kind, TD_Y_NULL);
    assert_null(next_doc(f, NULL));
}

static void test_load_duplicate_key(void **state)
{
    fx *f = *state;
    const char *text = "name: A\n"
                       "plan:\n"
                       "  number: 1\n"
                       "  title: x\n"
                       "  number: 2\n"
                       "name: B\n";
    td_node *n = load(f, text);
    assert_int_equal(f->d.errors, 2);
    const td_diagnostic *e = &f->d.items[0];
    assert_string_equal(e->rule, "data.duplicate_key");
    assert_int_equal(e->line, 5);
    assert_int_equal(e->col, 3);
    assert_int_equal(e->width, 6);
    assert_string_equal(e->path, "plan.number");
    assert_string_equal(e->message, "duplicate key 'number' (first at line 3); a key may appear "
                                    "once in a mapping: merge the two or delete one");
    e = &f->d.items[1];
    assert_int_equal(e->line, 6);
    assert_string_equal(e->path, "name");
    assert_contains(e->message, "(first at line 1)");
    /* the first is kept */
    assert_string_equal(n->v.slots[S_NAME]->v.text.s, "A");
    assert_string_equal(n->v.slots[S_PLAN]->v.slots[0]->v.text.s, "1");
}

static void test_load_duplicate_key_in_big_mapping(void **state)
{
    fx *f = *state;
    char text[2048];
    size_t len = 0;
    for (int i = 0; i < 40; i++)
        len += (size_t)snprintf(text + len, sizeof text - len, "k%02d: %d\n", i, i);
    len += (size_t)snprintf(text + len, sizeof text - len, "k07: again\nk07: thrice\n");
    open_text(f, text, len);
    td_ynode *r = next_doc(f, NULL);
    assert_int_equal(r->n, 40);
    assert_int_equal(f->d.errors, 2);
    for (size_t i = 0; i < 2; i++) {
        assert_string_equal(f->d.items[i].rule, "data.duplicate_key");
        assert_contains(f->d.items[i].message, "(first at line 8)");
    }
    assert_string_equal(r->pairs[7].value->text, "7");
}

static void test_load_key_that_is_not_a_name(void **state)
{
    fx *f = *state;
    const char *text = "? [a, b]\n: 1\nname: x\n";
    open_text(f, text, strlen(text));
    td_ynode *r = next_doc(f, NULL);
    assert_int_equal(r->n, 1);
    const td_diagnostic *e = only(f, "data.key");
    assert_int_equal(e->line, 1);
    assert_contains(e->message, "a key must be a name, found a list");
}

static void test_load_wrong_type(void **state)
{
    fx *f = *state;
    const char *text = "name: A\n"
                       "count: 1.5\n"
                       "active: yes\n"
                       "plan:\n"
                       "  number: 1\n"
                       "  criteria:\n"
                       "    - target: 40\n"
                       "    - target: bốn mươi\n"
                       "tags: một\n"
                       "solutions: {a: 1}\n";
    td_node *n = load(f, text);
    assert_int_equal(f->d.errors, 5);
    const td_diagnostic *e = &f->d.items[0];
    assert_string_equal(e->rule, "data.type");
    assert_int_equal(e->line, 2);
    assert_int_equal(e->col, 8);
    assert_string_equal(e->message, "`count` must be a whole number, found "
                                    "'1.5'; write digits only, e.g. 40");
    assert_true(n->v.slots[S_COUNT]->invalid);
    assert_contains(f->d.items[1].message, "must be true or false, found 'yes'");
    e = &f->d.items[2];
    assert_string_equal(e->path, "plan.criteria[1].target");
    assert_int_equal(e->line, 8);
    assert_int_equal(e->col, 15);
    assert_int_equal(e->width, 8);
    assert_string_equal(e->message, "`plan.criteria[1].target` must be a number, found "
                                    "'bốn mươi'; write digits, e.g. 40 or 2.5");
    td_node *crit = n->v.slots[S_PLAN]->v.slots[2]->v.list.items[1];
    assert_false(crit->invalid);
    assert_true(crit->v.slots[1]->invalid);
    assert_int_equal(crit->v.slots[1]->key_col, 7);
    assert_contains(f->d.items[3].message, "must be a list, found 'một'; "
                                           "write it as a list: [một]");
    assert_true(n->v.slots[S_TAGS]->invalid);
    assert_int_equal(n->v.slots[S_TAGS]->v.list.n, 0);
    assert_contains(f->d.items[4].message, "found a mapping; write each item on its own line");
}

static void test_load_text_mapping_and_record_scalar(void **state)
{
    fx *f = *state;
    const char *text = "name: {first: A}\nplan: 05-KH\n";
    td_node *n = load(f, text);
    assert_int_equal(f->d.errors, 2);
    assert_contains(f->d.items[0].message,
                    "`name` must be text, found a mapping");
    const td_diagnostic *e = only(f, "data.not_a_mapping");
    assert_contains(e->message, "`plan` must be a mapping of fields, "
                                "found '05-KH'");
    td_node *plan = n->v.slots[S_PLAN];
    assert_true(plan->invalid);
    assert_non_null(plan->v.slots);  /* safe to read: every slot absent */
    assert_null(plan->v.slots[0]);
    /* an invalid value is present: no "required" error for name */
    assert_int_equal(f->d.errors, 2);
}

static void test_load_numbers_are_strict(void **state)
{
    fx *f = *state;
    const char *text = "name: 2024\n"
                       "count: 9223372036854775807\n"
                       "ratio: '1,5'\n"
                       "tags: [true, 12, -0.5]\n";
    td_node *n = load(f, text);
    assert_string_equal(n->v.slots[S_NAME]->v.text.s, "2024");
    assert_int_equal(n->v.slots[S_COUNT]->v.i, INT64_MAX);
    assert_true(n->v.slots[S_RATIO]->invalid);
    const td_diagnostic *e = only(f, "data.type");
    assert_contains(e->hint, "use a point for decimals");
    assert_string_equal(n->v.slots[S_TAGS]->v.list.items[0]->v.text.s, "true");
    assert_string_equal(n->v.slots[S_TAGS]->v.list.items[2]->v.text.s, "-0.5");
}

static void test_load_int_out_of_range(void **state)
{
    fx *f = *state;
    td_node *n = load(f, "name: a\ncount: 9223372036854775808\n");
    assert_true(n->v.slots[S_COUNT]->invalid);
    assert_contains(only(f, "data.type")->message, "write a smaller number");
}

static void test_load_bad_date(void **state)
{
    fx *f = *state;
    td_node *n = load(f, "name: a\nissued: 2024-02-30\n");
    const td_diagnostic *e = only(f, "data.date");
    assert_int_equal(e->line, 2);
    assert_int_equal(e->col, 9);
    assert_int_equal(e->width, 10);
    assert_string_equal(e->path, "issued");
    assert_string_equal(e->message, "`issued` is not a real date, found "
                                    "'2024-02-30': February 2024 has 29 days; write a date that "
                                    "exists on the calendar");
    assert_true(n->v.slots[S_ISSUED]->invalid);
}

static void test_load_date_in_another_shape(void **state)
{
    fx *f = *state;
    load(f, "name: a\nissued: 15/04/2024\n");
    const td_diagnostic *e = only(f, "data.date");
    assert_contains(e->message, "must be a date (YYYY-MM-DD), found '15/04/2024'; "
                                "write the date as YYYY-MM-DD");
    assert_string_equal(e->hint, "did you mean 2024-04-15?");
}

static void test_load_bad_month(void **state)
{
    fx *f = *state;
    td_node *n = load(f, "name: a\nmonth: 2024-13\n");
    const td_diagnostic *e = only(f, "data.month");
    assert_contains(e->message, "found '2024-13': month 13 does not exist");
    assert_true(n->v.slots[S_MONTH]->invalid);
    teardown(state);
    setup(state);
    f = *state;
    load(f, "name: a\nmonth: 5/2024\n");
    e = only(f, "data.month");
    assert_contains(e->message, "must be a month (YYYY-MM), found '5/2024'");
    assert_string_equal(e->hint, "did you mean month 2024-05?");
}

static void test_load_implausible_dates(void **state)
{
    fx *f = *state;
    td_node *n = load(f, "name: a\nissued: 0000-01-01\nmonth: 2101-01\n"
                         "tags: [1900-01-01, 2100-12-31]\n");
    const td_diagnostic *e = only(f, "data.date");
    assert_int_equal(e->line, 2);
    assert_int_equal(e->col, 9);
    assert_int_equal(e->width, 10);
    assert_contains(e->message, "is not a plausible date, found '0000-01-01': the year 0000 is "
                                "not between 1900 and 2100");
    assert_true(n->v.slots[S_ISSUED]->invalid);
    e = only(f, "data.month");
    assert_contains(e->message, "is not a plausible month, found '2101-01'");
    assert_true(n->v.slots[S_MONTH]->invalid);
    assert_int_equal(f->d.n, 2);
    /* the bounds themselves are plausible */
    teardown(state);
    setup(state);
    f = *state;
    n = load(f, "name: a\nissued: 1900-01-01\nmonth: 2100-12\n");
    assert_false(n->v.slots[S_ISSUED]->invalid);
    assert_false(n->v.slots[S_MONTH]->invalid);
    assert_int_equal(f->d.n, 0);
}

static void test_load_numbers_not_in_decimal(void **state)
{
    fx *f = *state;
    td_node *n = load(f, "name: a\ncount: 0x10\nratio: -0o17\n"
                         "plan: {number: '1', criteria: [{target: 0b_101}, {target: 017}]}\n");
    assert_true(n->v.slots[S_COUNT]->invalid);
    assert_true(n->v.slots[S_RATIO]->invalid);
    assert_int_equal(f->d.n, 3);
    const td_diagnostic *e = &f->d.items[0];
    assert_string_equal(e->rule, "data.type");
    assert_int_equal(e->line, 2);
    assert_contains(e->message, "found '0x10'; write the number in decimal");
    assert_string_equal(e->hint, "0x10 is 16 in decimal");
    assert_string_equal(f->d.items[1].hint, "-0o17 is -15 in decimal");
    assert_string_equal(f->d.items[2].hint, "0b_101 is 5 in decimal");
    /* a leading zero is decimal: 017 is what its writer means, 17 */
    const td_node *plan = n->v.slots[S_PLAN];
    assert_true(plan->v.slots[2]->v.list.items[1]->v.slots[1]->v.num == 17);
}

static void test_load_tags_are_warned(void **state)
{
    fx *f = *state;
    td_node *n = load(f, "name: !!python/object:os.system a\nlevel: &l !foo xa\n"
                         "tags: !!seq [x]\ncount: !!str 3\n");
    /* each tag is reported at itself, and the value is read as if it were not there */
    assert_int_equal(n->v.slots[S_LEVEL]->v.enum_index, 1);
    assert_string_equal(n->v.slots[S_NAME]->v.text.s, "a");
    assert_int_equal(n->v.slots[S_TAGS]->v.list.n, 1);
    size_t tags = 0;
    for (size_t i = 0; i < f->d.n; i++) {
        const td_diagnostic *e = &f->d.items[i];
        if (strcmp(e->rule, "data.tag") != 0)
            continue;
        assert_int_equal(e->sev, TD_SEV_WARNING);
        assert_contains(e->message, "has no meaning in a unit file; it is ignored: delete it");
        if (tags == 0) {
            assert_int_equal(e->line, 1);
            assert_int_equal(e->col, 7);
            assert_int_equal(e->width, 25);
            assert_string_equal(e->path, "name");
        } else if (tags == 1) {
            assert_int_equal(e->line, 2);
            assert_int_equal(e->col, 11);
            assert_contains(e->message, "'!foo'");
        }
        tags++;
    }
    /* !!str says what quotes say: no warning, and 3 in quotes is not a number */
    assert_int_equal(tags, 3);
    assert_true(n->v.slots[S_COUNT]->invalid);
}

static void test_load_final_document_marker(void **state)
{
    fx *f = *state;
    /* a final `---` (with a comment or a `...` after it) starts no document */
    const char *texts[] = { "name: A\n---\n", "name: A\n---\n# end\n\n", "name: A\n--- \n...\n" };
    for (size_t i = 0; i < sizeof texts / sizeof texts[0]; i++) {
        td_yaml_close(f->y);
        td_source_free(f->src);
        f->y = NULL;
        open_text(f, texts[i], strlen(texts[i]));
        assert_non_null(next_doc(f, NULL));
        assert_null(next_doc(f, NULL));
        assert_int_equal(f->d.n, 0);
    }
    /* one in the middle is an empty document, told at its `---` */
    td_yaml_close(f->y);
    td_source_free(f->src);
    const char *text = "name: A\n---\n\n---\nname: B\n---\n";
    open_text(f, text, strlen(text));
    uint32_t line;
    assert_non_null(next_doc(f, &line));
    td_ynode *r = next_doc(f, &line);
    assert_int_equal(r->kind, TD_Y_NULL);
    assert_int_equal(r->line, 2);
    td_node *n = NULL;
    assert_int_equal(td_type_document(&t_doc, r, f->src, &f->a, &f->d, &n), TD_OK);
    assert_int_equal(only(f, "data.empty")->line, 2);
    r = next_doc(f, &line);
    assert_int_equal(line, 4);
    assert_string_equal(r->pairs[0].value->text, "B");
    assert_null(next_doc(f, &line));
    /* `--- ~` is a document that says null: still an error, not nothing */
    td_yaml_close(f->y);
    td_source_free(f->src);
    td_diag_clear(&f->d);
    text = "name: A\n--- ~\n";
    open_text(f, text, strlen(text));
    assert_non_null(next_doc(f, &line));
    assert_non_null(next_doc(f, &line));
    assert_null(next_doc(f, &line));
}

static void test_load_enum_outside(void **state)
{
    fx *f = *state;
    td_node *n = load(f, "name: a\nlevel: xaa\n");
    const td_diagnostic *e = only(f, "data.enum");
    assert_string_equal(e->message, "`level` must be one of huyen, xa, ap, "
                                    "found 'xaa'; write one of these codes");
    assert_string_equal(e->hint, "did you mean 'xa'?");
    assert_true(n->v.slots[S_LEVEL]->invalid);
    assert_int_equal(e->sev, TD_SEV_ERROR);
}

static void test_load_missing_required(void **state)
{
    fx *f = *state;
    const char *text = "count: 1\n"
                       "plan:\n"
                       "  title: x\n";
    td_node *n = load(f, text);
    assert_int_equal(f->d.errors, 2);
    const td_diagnostic *e = &f->d.items[0];
    assert_string_equal(e->rule, "data.required");
    assert_string_equal(e->message, "`plan` has no 'number'; add `number: ...`");
    assert_string_equal(e->path, "plan.number");
    assert_int_equal(e->line, 2);  /* at the key 'plan' */
    assert_int_equal(e->col, 1);
    assert_int_equal(e->width, 4);
    e = &f->d.items[1];
    assert_string_equal(e->message, "the document has no 'name'; add `name: ...`");
    assert_int_equal(e->line, 1);
    assert_null(n->v.slots[S_NAME]);
}

static void test_load_required_but_empty(void **state)
{
    fx *f = *state;
    load(f, "name:\n");
    const td_diagnostic *e = only(f, "data.required");
    assert_contains(e->message, "`name` is empty, but it is required");
    assert_int_equal(e->line, 1);
}

static void test_load_unknown_field_warning(void **state)
{
    fx *f = *state;
    td_node *n = load(f, "name: a\nsolution: [x]\nzzzzzz: 1\n");
    assert_int_equal(f->d.errors, 0);
    assert_int_equal(f->d.warnings, 2);
    const td_diagnostic *e = &f->d.items[0];
    assert_int_equal(e->sev, TD_SEV_WARNING);
    assert_string_equal(e->rule, "data.unknown_field");
    assert_string_equal(e->hint, "did you mean 'solutions'?");
    assert_string_equal(e->path, "solution");
    assert_int_equal(e->line, 2);
    assert_int_equal(e->width, 8);
    assert_contains(e->message, "unknown field 'solution' in the document; it is ignored");
    assert_contains(f->d.items[1].hint, "the fields here are: name, count,");
    assert_null(n->v.slots[S_SOL]);
}

/* A key with a NUL byte in it ("name\0x") is no field, and matching it reads nothing past
 * the field's name (ASan checks the second part). */
static void test_load_key_with_nul(void **state)
{
    fx *f = *state;
    td_node *n = load(f, "\"name\\0x\": a\n");
    assert_non_null(n);
    assert_null(n->v.slots[S_NAME]);
    /* the key is refused at its escape, and nothing more is said about it */
    const td_diagnostic *e = only(f, "data.nul");
    assert_int_equal(e->line, 1);
    assert_int_equal(e->col, 6);
    assert_int_equal(e->width, 2);
    only(f, "data.required");
    assert_int_equal(f->d.n, 2);
}

static void test_load_nul_in_value(void **state)
{
    fx *f = *state;
    td_node *n = load(f, "name: \"Tân\\\\0 \\x00x\"\ntitle: \"\\u0000\"\n");
    /* the value is refused, not cut at the NUL; an escaped backslash is not the escape */
    assert_int_equal(f->d.n, 3);
    const td_diagnostic *e = &f->d.items[0];
    assert_string_equal(e->rule, "data.nul");
    assert_int_equal(e->line, 1);
    assert_int_equal(e->col, 15);
    assert_int_equal(e->width, 4);
    assert_contains(e->message, "NUL character");
    assert_string_equal(e->path, "name");
    assert_true(n->v.slots[S_NAME]->invalid);
    assert_string_equal(f->d.items[1].rule, "data.nul");
    assert_int_equal(f->d.items[1].line, 2);
    assert_int_equal(f->d.items[1].col, 9);
    assert_int_equal(f->d.items[1].width, 6);
    /* the key is still unknown; a required field refused is not also missing */
    assert_string_equal(f->d.items[2].rule, "data.unknown_field");
}

static void test_load_null_is_absent(void **state)
{
    fx *f = *state;
    const char *text = "name: 'null'\ncount: null\nratio: ~\nissued:\nlevel: NULL\n"
                       "plan: {number: x, title: }\ntags: [~, a]\n";
    td_node *n = load(f, text);
    assert_string_equal(n->v.slots[S_NAME]->v.text.s, "null");  /* quoted: text */
    /* a key with no value is absent, but keeps where its key is written */
    const int absent[] = {S_COUNT, S_RATIO, S_ISSUED, S_LEVEL};
    for (size_t i = 0; i < sizeof absent / sizeof absent[0]; i++) {
        const td_node *x = n->v.slots[absent[i]];
        assert_non_null(x);
        assert_true(x->null);
        assert_false(x->invalid);
        assert_int_equal(x->key_line, i + 2);
        assert_int_equal(x->key_col, 1);
    }
    assert_true(n->v.slots[S_PLAN]->v.slots[1]->null);
    /* an empty list item is an error, kept as an invalid item */
    const td_diagnostic *e = only(f, "data.type");
    assert_contains(e->message, "`tags[0]` is empty");
    assert_string_equal(e->path, "tags[0]");
    assert_int_equal(n->v.slots[S_TAGS]->v.list.n, 2);
    assert_true(n->v.slots[S_TAGS]->v.list.items[0]->invalid);
    assert_int_equal(f->d.n, 1);
}

static void test_load_invalid_utf8(void **state)
{
    fx *f = *state;
    const char text[] = "name: a\nplan:\n  title: caf\xC3\x28 ok\n";
    open_text(f, text, sizeof text - 1);
    assert_null(next_doc(f, NULL));
    const td_diagnostic *e = only(f, "data.utf8");
    assert_int_equal(e->line, 3);
    assert_int_equal(e->col, 13);
    assert_contains(e->message, "invalid UTF-8 byte 0xC3");
    assert_contains(e->message, "save the file as UTF-8");
    assert_int_equal(f->d.n, 1);
    assert_null(next_doc(f, NULL));  /* the rest is skipped */
}

static void test_load_latin1_file(void **state)
{
    fx *f = *state;
    const char text[] = "name: Nguy\xEAn V\xE9n\n";
    open_text(f, text, sizeof text - 1);
    assert_null(next_doc(f, NULL));
    const td_diagnostic *e = only(f, "data.utf8");
    assert_int_equal(e->line, 1);
    assert_int_equal(e->col, 11);
    assert_contains(e->message, "0xEA");
}

static void test_load_syntax_error(void **state)
{
    fx *f = *state;
    const char *text = "name: A\n---\nname: B\nplan:\n  number: 1\n title: x\nname: C\n";
    open_text(f, text, strlen(text));
    assert_non_null(next_doc(f, NULL));  /* the first document is fine */
    assert_null(next_doc(f, NULL));
    const td_diagnostic *e = only(f, "data.syntax");
    assert_int_equal(e->line, 6);
    assert_int_equal(e->col, 2);
    assert_contains(e->message, "YAML syntax error: ");
    assert_contains(e->message, "check the indentation");
    assert_int_equal(e->doc, 1);
    assert_non_null(e->hint);
    assert_null(next_doc(f, NULL));
    assert_int_equal(f->d.n, 1);
}

static void test_load_tab_indentation(void **state)
{
    fx *f = *state;
    const char *text = "plan:\n\tnumber: 1\n";
    open_text(f, text, strlen(text));
    assert_null(next_doc(f, NULL));
    const td_diagnostic *e = only(f, "data.syntax");
    assert_int_equal(e->line, 2);
    assert_contains(e->message, "tabs");
}

static void test_load_aliases_are_shared(void **state)
{
    fx *f = *state;
    const char *text = "name: &n Tân Thạch\ntags: [*n, *n]\n";
    open_text(f, text, strlen(text));
    td_ynode *r = next_doc(f, NULL);
    td_ynode *name = r->pairs[0].value, *tags = r->pairs[1].value;
    assert_ptr_equal(tags->items[0], name);
    assert_ptr_equal(tags->items[1], name);
    td_node *n = NULL;
    assert_int_equal(td_type_document(&t_doc, r, f->src, &f->a, &f->d, &n), TD_OK);
    assert_string_equal(n->v.slots[S_TAGS]->v.list.items[1]->v.text.s, "Tân Thạch");
    assert_int_equal(f->d.n, 0);
}

static void test_load_unknown_alias(void **state)
{
    fx *f = *state;
    td_node *n = load(f, "name: *nowhere\ncount: 1\n");
    const td_diagnostic *e = only(f, "data.syntax");
    assert_int_equal(e->line, 1);
    assert_int_equal(e->col, 7);
    assert_contains(e->message, "alias '*nowhere' refers to no anchor");
    assert_true(n->v.slots[S_NAME]->invalid);
    assert_int_equal(n->v.slots[S_COUNT]->v.i, 1);
    assert_int_equal(f->d.n, 1);  /* the typer adds nothing */
}

static void test_load_alias_bomb_refused(void **state)
{
    fx *f = *state;
    char text[4096];
    size_t len = (size_t)snprintf(text, sizeof text,
                                  "a: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n");
    for (char c = 'b'; c <= 'i'; c++)
        len += (size_t)snprintf(text + len, sizeof text - len,
                                "%c: &%c [*%c, *%c, *%c, *%c, *%c, *%c, *%c, *%c, *%c]\n", c, c,
                                c - 1, c - 1, c - 1, c - 1, c - 1, c - 1, c - 1, c - 1, c - 1);
    len += (size_t)snprintf(text + len, sizeof text - len, "---\nname: next\n");
    open_text(f, text, len);
    td_ynode *r = next_doc(f, NULL);
    assert_int_equal(r->kind, TD_Y_NULL);
    td_node *n = NULL;
    assert_int_equal(td_type_document(&t_doc, r, f->src, &f->a, &f->d, &n), TD_OK);
    assert_true(n->invalid);
    assert_int_equal(f->d.n, 1);
    const td_diagnostic *e = only(f, "data.limit");
    assert_int_equal(e->line, 6);  /* f: 1 + 9*7381 nodes passes 200000 */
    assert_contains(e->message, "the aliases of this document expand to more than 200000 values");
    /* the next document is read normally */
    uint32_t line = 0;
    r = next_doc(f, &line);
    assert_non_null(r);
    assert_string_equal(r->pairs[0].value->text, "next");
    assert_int_equal(line, 10);
    assert_int_equal(r->pairs[0].value->line, 11);  /* lines of the whole file */
    assert_null(next_doc(f, NULL));
}

static void test_load_too_many_aliases(void **state)
{
    fx *f = *state;
    f->lim.max_aliases = 3;
    load(f, "name: &n x\ntags: [*n, *n, *n, *n]\n");
    const td_diagnostic *e = only(f, "data.limit");
    assert_int_equal(e->col, 20);  /* the fourth */
    assert_contains(e->message, "more than 3 aliases");
}

static void test_load_deep_nesting_refused(void **state)
{
    fx *f = *state;
    enum { DEEP = 10000 };
    char *text = malloc(2 * DEEP + 16);
    assert_non_null(text);
    size_t len = 0;
    len += (size_t)sprintf(text, "a: ");
    memset(text + len, '[', DEEP);
    len += DEEP;
    memset(text + len, ']', DEEP);
    len += DEEP;
    text[len++] = '\n';
    open_text(f, text, len);
    free(text);
    td_ynode *r = next_doc(f, NULL);
    assert_int_equal(r->kind, TD_Y_NULL);
    assert_int_equal(f->d.n, 1);
    const td_diagnostic *e = only(f, "data.limit");
    assert_int_equal(e->line, 1);
    assert_int_equal(e->col, 4 + 63);  /* the 64th '[' is depth 65 under the root mapping */
    assert_contains(e->message, "nested more than 64 levels deep");
    assert_true(f->a.used < 64 * 1024);
    assert_null(next_doc(f, NULL));
}

static void test_load_depth_limit_is_exact(void **state)
{
    fx *f = *state;
    f->lim.max_depth = 3;
    open_text(f, "a: [[x]]\n---\na: [[[x]]]\n", 24);
    td_ynode *r = next_doc(f, NULL);
    assert_int_equal(r->kind, TD_Y_MAP);
    assert_int_equal(f->d.n, 0);
    r = next_doc(f, NULL);
    assert_int_equal(r->kind, TD_Y_NULL);
    assert_string_equal(only(f, "data.limit")->path, "a[0][0]");
}

static void test_load_reading_resumes_after_a_refused_document(void **state)
{
    fx *f = *state;
    f->lim.max_depth = 4;
    const char *text = "name: a\n"                     /* 1 */
                       "---\n"                         /* 2 */
                       "tags: [[[[[x]]]]]\n"           /* 3 */
                       "more: 1\n"                     /* 4 */
                       "...\n"                         /* 5 */
                       "name: c\n"                     /* 6 */
                       "---\n"                         /* 7 */
                       "tags: [[[[[x]]]]]\n"           /* 8 */
                       "---   # the last\n"            /* 9 */
                       "name: d\n"                     /* 10 */
                       "  bad: indent\n";              /* 11 */
    open_text(f, text, strlen(text));
    uint32_t line;
    td_ynode *r = next_doc(f, &line);
    assert_string_equal(r->pairs[0].value->text, "a");
    r = next_doc(f, &line);
    assert_int_equal(line, 2);
    assert_int_equal(r->kind, TD_Y_NULL);
    assert_null(r->text);  /* refused: the typer reports nothing more */
    td_node *n = NULL;
    assert_int_equal(td_type_document(&t_doc, r, f->src, &f->a, &f->d, &n), TD_OK);
    assert_true(n->invalid);
    assert_int_equal(f->d.n, 1);
    assert_int_equal(f->d.items[0].line, 3);
    assert_int_equal(f->d.items[0].col, 10);
    r = next_doc(f, &line);
    assert_int_equal(line, 6);
    assert_string_equal(r->pairs[0].value->text, "c");
    assert_int_equal(r->pairs[0].value->line, 6);
    r = next_doc(f, &line);
    assert_int_equal(r->kind, TD_Y_NULL);
    assert_int_equal(line, 7);
    assert_int_equal(f->d.n, 2);
    assert_int_equal(f->d.items[1].line, 8);
    assert_int_equal(f->d.items[1].doc, 3);
    /* the syntax error of the last document is located in the whole file */
    assert_null(next_doc(f, &line));
    assert_int_equal(f->d.n, 3);
    assert_string_equal(f->d.items[2].rule, "data.syntax");
    assert_int_equal(f->d.items[2].line, 11);
    assert_int_equal(f->d.items[2].col, 6);
    assert_int_equal(f->d.items[2].doc, 4);
}

static void test_load_control_character(void **state)
{
    fx *f = *state;
    const char text[] = "name: a\nplan: {number: \x07}\n";
    open_text(f, text, sizeof text - 1);
    assert_null(next_doc(f, NULL));
    const td_diagnostic *e = only(f, "data.syntax");
    assert_int_equal(e->line, 2);
    assert_int_equal(e->col, 16);
    assert_contains(e->message, "character U+0007 is not allowed");
}

static void test_load_utf16_file_is_refused(void **state)
{
    fx *f = *state;
    const char text[] = "\xFF\xFEn\0a\0:\0 \0a\0\n\0";
    open_text(f, text, sizeof text - 1);
    assert_null(next_doc(f, NULL));
    const td_diagnostic *e = only(f, "data.utf8");
    assert_int_equal(e->line, 1);
    assert_int_equal(e->col, 1);
    assert_contains(e->message, "the file is UTF-16: save it as UTF-8");
    assert_null(e->source_line);
    assert_int_equal(f->d.n, 1);
}

/* Without a byte order mark, the NUL bytes of ASCII text tell UTF-16 and UTF-32. */
static void test_load_utf16_without_bom(void **state)
{
    static const struct {
        const char *text;
        size_t len;
        const char *says;
    } cases[] = {
        { "n\0a\0:\0 \0a\0", 10, "UTF-16" },            /* little-endian */
        { "\0n\0a\0:\0 \0a", 10, "UTF-16" },            /* big-endian */
        { "\xFE\xFF\0n\0a", 6, "UTF-16" },
        { "n\0\0\0a\0\0\0", 8, "UTF-32" },
        { "\xFF\xFE\0\0n\0\0\0", 8, "UTF-32" },
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        fx *f = *state;
        td_yaml_close(f->y);
        td_source_free(f->src);
        td_diag_clear(&f->d);
        open_text(f, cases[i].text, cases[i].len);
        assert_null(next_doc(f, NULL));
        assert_contains(only(f, "data.utf8")->message, cases[i].says);
    }
}

static void test_load_merge_key_and_alias_key(void **state)
{
    fx *f = *state;
    td_node *n = load(f, "name: &k count\n*k : 3\nplan: &p {number: x}\n<<: *p\n");
    assert_int_equal(n->v.slots[S_COUNT]->v.i, 3);
    /* the merged mapping brings `number`, which the document does not know */
    const td_diagnostic *e = only(f, "data.unknown_field");
    assert_contains(e->message, "unknown field 'number'");
    assert_int_equal(e->line, 3);
    assert_int_equal(e->col, 11);
    assert_int_equal(f->d.n, 1);
}

static void test_load_merge_key_brings_fields(void **state)
{
    fx *f = *state;
    const char *text = "name: A\n"
                       "base: &b\n"
                       "  number: '05'\n"
                       "  title: Base\n"
                       "  criteria: [{name: c, target: x}]\n"
                       "more: &m {title: More, extra: 1}\n"
                       "plan:\n"
                       "  <<: [*b, *m]\n"
                       "  title: Own\n";
    td_node *n = load(f, text);
    const td_node *plan = n->v.slots[S_PLAN];
    /* written here wins over merged; of the merged, the first mapping wins */
    assert_string_equal(plan->v.slots[0]->v.text.s, "05");
    assert_int_equal(plan->v.slots[0]->line, 3);
    assert_string_equal(plan->v.slots[1]->v.text.s, "Own");
    assert_int_equal(plan->v.slots[1]->line, 9);
    /* a merged value keeps its own place: the finding points at the anchored text */
    const td_diagnostic *e = only(f, "data.type");
    assert_int_equal(e->line, 5);
    assert_string_equal(e->path, "plan.criteria[0].target");
    /* unknown fields: `base` and `more` in the document, `extra` merged into the plan;
     * no duplicate-key error for what a merge overrides */
    size_t unknown = 0;
    for (size_t i = 0; i < f->d.n; i++)
        unknown += strcmp(f->d.items[i].rule, "data.unknown_field") == 0;
    assert_int_equal(unknown, 3);
    assert_int_equal(f->d.n, 4);
}

static void test_load_merge_key_of_a_scalar(void **state)
{
    fx *f = *state;
    td_node *n = load(f, "name: A\nplan:\n  number: '1'\n  <<: text\n");
    const td_diagnostic *e = only(f, "data.merge");
    assert_int_equal(e->line, 4);
    assert_int_equal(e->col, 3);
    assert_contains(e->message, "the merge key '<<' takes a mapping");
    /* one error, no unknown field '<<' after it */
    assert_int_equal(f->d.n, 1);
    assert_string_equal(n->v.slots[S_PLAN]->v.slots[0]->v.text.s, "1");
}

static void test_load_merge_key_many_fields(void **state)
{
    fx *f = *state;
    /* more than 16 pairs: the sorted way of finding duplicates */
    char text[2048];
    size_t o = (size_t)snprintf(text, sizeof text, "x: &x {");
    for (int i = 0; i < 20; i++)
        o += (size_t)snprintf(text + o, sizeof text - o, "%sk%d: %d", i ? ", " : "", i, i);
    o += (size_t)snprintf(text + o, sizeof text - o, "}\ny:\n  <<: *x\n  k3: own\n  k3: twice\n");
    open_text(f, text, o);
    td_ynode *r = next_doc(f, NULL);
    assert_non_null(r);
    const td_ynode *y = r->pairs[1].value;
    assert_int_equal(y->n, 20);
    assert_string_equal(y->pairs[0].key->text, "k3");
    assert_string_equal(y->pairs[0].value->text, "own");
    /* a key written twice in the mapping itself is still a duplicate */
    const td_diagnostic *e = only(f, "data.duplicate_key");
    assert_int_equal(e->line, 5);
    assert_int_equal(f->d.n, 1);
}

static void test_load_multiline_scalar_width(void **state)
{
    fx *f = *state;
    td_node *n = load(f, "name: Tân Thạch\n  xã Tân\nlevel: >\n  tinh\n");
    assert_string_equal(n->v.slots[S_NAME]->v.text.s, "Tân Thạch xã Tân");
    assert_int_equal(n->v.slots[S_NAME]->width, 9);
    const td_diagnostic *e = only(f, "data.enum");
    assert_int_equal(e->line, 3);
    assert_int_equal(e->col, 8);
    assert_int_equal(e->width, 1);
}

static void test_load_type_without_root(void **state)
{
    fx *f = *state;
    td_node *n = NULL;
    assert_int_equal(td_type_document(&t_doc, NULL, NULL, &f->a, &f->d, &n), TD_OK);
    assert_true(n->invalid);
    assert_null(n->v.slots[S_NAME]);
    assert_int_equal(f->d.n, 0);
}

static void test_load_findings_are_capped(void **state)
{
    fx *f = *state;
    size_t cap = 1600 * 24, len = 0;
    char *text = malloc(cap);
    assert_non_null(text);
    len += (size_t)snprintf(text, cap, "name: a\n");
    for (int i = 0; i < 1500; i++)
        len += (size_t)snprintf(text + len, cap - len, "unknown_field_%04d: 1\n", i);
    load(f, text);
    free(text);
    assert_int_equal(f->d.n, 1001);
    assert_int_equal(f->d.warnings, 1001);
    const td_diagnostic *e = &f->d.items[1000];
    assert_string_equal(e->rule, "data.limit");
    assert_int_equal(e->line, 1002);
    assert_contains(e->message, "more than 1000 problems in this document");
}

static void test_load_anchors_are_capped(void **state)
{
    fx *f = *state;
    f->lim.max_aliases = 2;
    open_text(f, "a: &x 1\nb: &y [2]\nc: &z 3\n", 26);
    td_ynode *r = next_doc(f, NULL);
    assert_int_equal(r->kind, TD_Y_NULL);
    const td_diagnostic *e = only(f, "data.limit");
    assert_int_equal(e->line, 3);
    assert_contains(e->message, "more than 2 anchors");
}

static void test_load_long_scalar_refused(void **state)
{
    fx *f = *state;
    f->lim.max_scalar = 8;
    td_node *n = load(f, "name: 123456789\nplan: {number: '12345678'}\n");
    const td_diagnostic *e = only(f, "data.limit");
    assert_int_equal(e->line, 1);
    assert_int_equal(e->col, 7);
    assert_string_equal(e->path, "name");
    assert_contains(e->message, "9 bytes long, more than the limit of 8");
    assert_true(n->v.slots[S_NAME]->invalid);
    assert_string_equal(n->v.slots[S_PLAN]->v.slots[0]->v.text.s, "12345678");
    assert_int_equal(f->d.n, 1);
}

static void test_load_too_many_nodes(void **state)
{
    fx *f = *state;
    f->lim.max_nodes = 10;
    open_text(f, "[1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]\n", 36);
    td_ynode *r = next_doc(f, NULL);
    assert_int_equal(r->kind, TD_Y_NULL);
    assert_contains(only(f, "data.limit")->message, "more than 10 values");
}

static void test_load_paths_of_findings(void **state)
{
    fx *f = *state;
    const char *text = "name: a\n"
                       "plan:\n"
                       "  number: x\n"
                       "  criteria:\n"
                       "    - name: a\n"
                       "    - name: b\n"
                       "      target: many\n"
                       "      extra: 1\n"
                       "    - [1]\n";
    load(f, text);
    assert_int_equal(f->d.n, 3);
    assert_string_equal(f->d.items[0].path, "plan.criteria[1].target");
    assert_string_equal(f->d.items[1].path, "plan.criteria[1].extra");
    assert_string_equal(f->d.items[1].message, "unknown field 'extra' in `plan.criteria[1]`; "
                                               "it is ignored: correct its name or delete it");
    assert_string_equal(f->d.items[2].path, "plan.criteria[2]");
    assert_contains(f->d.items[2].message, "`plan.criteria[2]` must be a "
                                           "mapping of fields, found a list");
}

static void test_load_bom_and_crlf(void **state)
{
    fx *f = *state;
    const char text[] = "\xEF\xBB\xBFname: a\r\nlevel: tinh\r\n";
    open_text(f, text, sizeof text - 1);
    td_ynode *r = next_doc(f, NULL);
    td_node *n = NULL;
    assert_int_equal(td_type_document(&t_doc, r, f->src, &f->a, &f->d, &n), TD_OK);
    assert_string_equal(n->v.slots[S_NAME]->v.text.s, "a");
    const td_diagnostic *e = only(f, "data.enum");
    assert_int_equal(e->line, 2);
    assert_int_equal(e->col, 8);
    assert_int_equal(e->width, 4);
}

static void test_load_out_of_memory(void **state)
{
    fx *f = *state;
    open_text(f, good, strlen(good));
    td_source *src = f->src;
    for (int fail = 1; fail < 200; fail++) {
        td_arena a;
        td_arena_init(&a, 256);
        a.fail_after = fail;
        td_yaml *y = NULL;
        assert_int_equal(td_yaml_open(src, NULL, &y), TD_OK);
        td_ynode *root = NULL;
        td_status st = td_yaml_next(y, &a, &f->d, &root, NULL);
        if (st == TD_OK) {
            td_node *n = NULL;
            st = td_type_document(&t_doc, root, src, &a, &f->d, &n);
            assert_true(st == TD_OK ? n != NULL : st == TD_ENOMEM);
        } else {
            assert_int_equal(st, TD_ENOMEM);
            assert_null(root);
        }
        td_yaml_close(y);
        td_arena_free(&a);
    }
}

int main(void)
{
#define T(name) cmocka_unit_test_setup_teardown(name, setup, teardown)
    const struct CMUnitTest tests[] = {
        T(test_load_good_document),
        T(test_load_several_documents),
        T(test_load_empty_file),
        T(test_load_comment_only_file_has_no_document),
        T(test_load_null_document),
        T(test_load_duplicate_key),
        T(test_load_duplicate_key_in_big_mapping),
        T(test_load_key_that_is_not_a_name),
        T(test_load_wrong_type),
        T(test_load_text_mapping_and_record_scalar),
        T(test_load_numbers_are_strict),
        T(test_load_int_out_of_range),
        T(test_load_bad_date),
        T(test_load_date_in_another_shape),
        T(test_load_bad_month),
        T(test_load_enum_outside),
        T(test_load_missing_required),
        T(test_load_required_but_empty),
        T(test_load_unknown_field_warning),
        T(test_load_null_is_absent),
        T(test_load_implausible_dates),
        T(test_load_numbers_not_in_decimal),
        T(test_load_tags_are_warned),
        T(test_load_final_document_marker),
        T(test_load_key_with_nul),
        T(test_load_nul_in_value),
        T(test_load_invalid_utf8),
        T(test_load_latin1_file),
        T(test_load_syntax_error),
        T(test_load_tab_indentation),
        T(test_load_aliases_are_shared),
        T(test_load_unknown_alias),
        T(test_load_alias_bomb_refused),
        T(test_load_too_many_aliases),
        T(test_load_deep_nesting_refused),
        T(test_load_depth_limit_is_exact),
        T(test_load_reading_resumes_after_a_refused_document),
        T(test_load_control_character),
        T(test_load_utf16_file_is_refused),
        T(test_load_utf16_without_bom),
        T(test_load_merge_key_and_alias_key),
        T(test_load_merge_key_brings_fields),
        T(test_load_merge_key_of_a_scalar),
        T(test_load_merge_key_many_fields),
        T(test_load_multiline_scalar_width),
        T(test_load_type_without_root),
        T(test_load_findings_are_capped),
        T(test_load_anchors_are_capped),
        T(test_load_long_scalar_refused),
        T(test_load_too_many_nodes),
        T(test_load_paths_of_findings),
        T(test_load_bom_and_crlf),
        T(test_load_out_of_memory),
    };
#undef T
    return cmocka_run_group_tests(tests, NULL, NULL);
}
