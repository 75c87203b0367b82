/* Unit tests of waivers (Decision 11): which finding a waiver covers, counts, dates, and the
 * same result for any number of jobs. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <ftw.h>
#include <pthread.h>
#include <time.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "batch.h"

static const char *RULES =
    "record exemplar { required id: text  optional name: text }\n"
    "record info { required id: text  optional name: text }\n"
    "record unit_file { required unit: info  optional note: text\n"
    "                   optional exemplars: list of exemplar }\n"
    "document unit_file\n"
    "define unit_file.id = unit.id\n"
    "define unit_file.name = unit.name\n"
    "criterion unit.note \"Có ghi chú\" cite \"I.1\" on document error\n"
    "  require present(note)\n"
    "criterion exemplar.name \"Có tên\" cite \"I.1\" on exemplars warning\n"
    "  require present(name)\n"
    "index exemplar.ids \"Mã\" cite \"I.1\" on exemplars key id\n"
    "waive unit.note \"U1\" because \"lý do\" by \"Ban Thường vụ\" in \"CV 1\"\n"
    "  dated 2025-03-01 until 2025-12-31\n"
    "waive exemplar.name \"U2\" exemplar \"U2-02\" because \"lý do\" by \"Ban Thường vụ\"\n"
    "  in \"CV 2\" dated 2025-03-01\n"
    "waive unit.note \"U9\" because \"không có\" by \"Ban Thường vụ\" in \"CV 3\"\n"
    "  dated 2025-03-01\n";

static td_program *compile(void)
{
    td_diag d;
    td_diag_init(&d);
    td_rule_text rules = {"waiver.rules", RULES, strlen(RULES)};
    td_program *p = NULL;
    td_status st = td_program_compile_texts(&rules, 1, NULL, 0, &d, &p);
    for (size_t i = 0; i < d.n; i++)
        td_diag_render(&d.items[i], stderr, false);
    td_diag_free(&d);
    assert_int_equal(st, TD_OK);
    return p;
}

static int32_t day(const char *s)
{
    int32_t d = 0;
    assert_true(td_date_parse(s, &d));
    return d;
}

static const char *U1 = "unit:\n  id: U1\n  name: Một\n";
static const char *U2 = "unit:\n  id: U2\n  name: Hai\nnote: có\nexemplars:\n"
                        "  - id: U2-01\n  - id: U2-02\n";

static td_batch *run_text(const td_program *p, const char *text, const char *as_of)
{
    td_batch_opts o = {.as_of = day(as_of), .keep_units = true};
    td_batch *b = NULL;
    assert_int_equal(td_batch_run_text(p, "u.yaml", text, strlen(text), &o, &b), TD_OK);
    return b;
}

static void test_waiver_covers_finding_and_unit_passes(void **state)
{
    (void)state;
    td_program *p = compile();
    assert_int_equal(td_program_waivers(p), 3);
    td_batch *b = run_text(p, U1, "2025-11-30");
    const td_unit_result *u = td_batch_unit(b, 0);
    assert_int_equal(u->findings.n, 1);
    assert_int_equal(u->findings.items[0].waived, TD_WAIVER_COVERS);
    assert_string_equal(u->findings.items[0].waiver->document, "CV 1");
    assert_int_equal(u->findings.errors, 0);
    assert_int_equal(u->findings.waived, 1);
    assert_int_equal(b->sum.waived, 1);
    assert_int_equal(b->sum.errors, 0);
    assert_false(td_batch_failed(b, false));
    td_waiver_use_info use;
    assert_true(td_batch_waiver(b, 0, &use));
    assert_int_equal(use.covered, 1);
    assert_true(use.in_force);
    td_batch_free(b);
    td_program_free(p);
}

static void test_waiver_outside_its_dates_covers_nothing(void **state)
{
    (void)state;
    td_program *p = compile();
    const char *dates[] = {"2025-02-28", "2026-01-01"};
    td_waiver_state want[] = {TD_WAIVER_NOT_YET, TD_WAIVER_EXPIRED};
    for (int i = 0; i < 2; i++) {
        td_batch *b = run_text(p, U1, dates[i]);
        const td_unit_result *u = td_batch_unit(b, 0);
        assert_int_equal(u->findings.items[0].waived, want[i]);
        assert_non_null(u->findings.items[0].waiver);
        assert_int_equal(u->findings.errors, 1);
        assert_true(td_batch_failed(b, false));
        td_diag *d = td_diag_new();
        assert_int_equal(td_batch_waiver_warnings(b, d), TD_OK);
        /* the first waiver is not in force; the others name units not in this batch */
        assert_int_equal(td_diag_size(d), 3);
        assert_string_equal(td_diag_item(d, 0)->code,
                            i == 0 ? "waiver-not-yet" : "waiver-expired");
        td_diag_delete(d);
        td_batch_free(b);
    }
    td_program_free(p);
}

static void test_waiver_of_exemplar_covers_only_that_exemplar(void **state)
{
    (void)state;
    td_program *p = compile();
    td_batch *b = run_text(p, U2, "2025-11-30");
    const td_unit_result *u = td_batch_unit(b, 0);
    assert_int_equal(u->findings.n, 2);
    size_t waived = 0, warnings = 0;
    for (size_t i = 0; i < u->findings.n; i++) {
        const td_diagnostic *e = &u->findings.items[i];
        if (e->waived == TD_WAIVER_COVERS) {
            waived++;
            assert_string_equal(e->path, "exemplars[1]");
        } else {
            warnings++;
            assert_string_equal(e->path, "exemplars[0]");
        }
    }
    assert_int_equal(waived, 1);
    assert_int_equal(warnings, 1);
    assert_int_equal(u->findings.warnings, 1);
    td_batch_free(b);
    td_program_free(p);
}

/* Writes the text of unit file number i of a folder of them. */
typedef void (*unit_writer)(FILE *f, int i);

/* Makes the temporary folder `dir` (a mkdtemp template) with n unit files, u000.yaml on. */
static void write_units(char *dir, int n, unit_writer write)
{
    assert_non_null(mkdtemp(dir));
    char path[128];
    for (int i = 0; i < n; i++) {
        snprintf(path, sizeof path, "%s/u%03d.yaml", dir, i);
        FILE *f = fopen(path, "w");
        assert_non_null(f);
        write(f, i);
        assert_int_equal(fclose(f), 0);
    }
}

/* Removes what write_units made. */
static void remove_units(const char *dir, int n)
{
    char path[128];
    for (int i = 0; i < n; i++) {
        snprintf(path, sizeof path, "%s/u%03d.yaml", dir, i);
        assert_int_equal(remove(path), 0);
    }
    assert_int_equal(rmdir(dir), 0);
}

/* A unit with one exemplar, whose id is one of `ids`. */
static void exemplar_unit(FILE *f, int i, int ids)
{
    fprintf(f, "unit:\n  id: X%03d\nnote: có\nexemplars:\n  - id: E%02d\n    name: e\n", i,
            i % ids);
}

static void twelve_units(FILE *f, int i)
{
    if (i == 5)
        fputs(U1, f);
    else if (i == 9)
        fputs(U2, f);
    else
        fprintf(f, "unit:\n  id: X%02d\nnote: có\n", i);
}

/* What every waiver matched, and the warnings, do not depend on -j. */
static void test_waiver_same_for_any_jobs(void **state)
{
    (void)state;
    td_program *p = compile();
    char dir[] = "/tmp/td_waiver_XXXXXX";
    write_units(dir, 12, twelve_units);
    size_t covered[2][3], warn[2];
    for (int k = 0; k < 2; k++) {
        const char *paths[] = {dir};
        td_batch_opts o = {.as_of = day("2025-11-30"), .jobs = k ? 4 : 1};
        td_batch *b = NULL;
        assert_int_equal(td_batch_run(p, paths, 1, &o, &b), TD_OK);
        for (size_t i = 0; i < 3; i++) {
            td_waiver_use_info use;
            assert_true(td_batch_waiver(b, i, &use));
            covered[k][i] = use.covered * 100 + use.units;
        }
        td_diag *d = td_diag_new();
        assert_int_equal(td_batch_waiver_warnings(b, d), TD_OK);
        warn[k] = td_diag_size(d);
        td_diag_delete(d);
        assert_int_equal(b->sum.waived, 2);
        td_batch_free(b);
    }
    assert_memory_equal(covered[0], covered[1], sizeof covered[0]);
    assert_int_equal(warn[0], 1); /* U9 is in no file */
    assert_int_equal(warn[0], warn[1]);
    remove_units(dir, 12);
    td_program_free(p);
}

/* A batch's settle on several threads (td_batch_opts.fork_unit, a report forked per thread)
 * writes what one thread writes, byte for byte, with the same waivers' counts and summary:
 * 300 files (five runs of TD_XREF_RUN units), ids used twice across runs, the waived units
 * in later runs. */
static void settle_report(const td_program *p, const char *dir, unsigned jobs, const char *fmt,
                          char **out, size_t *len, size_t covered[3], td_batch_summary *sum)
{
    td_report_opts ro = {.format = strcmp(fmt, "csv") == 0 ? TD_REPORT_CSV : TD_REPORT_JSON,
                         .lang = TD_LANG_EN};
    FILE *m = open_memstream(out, len);
    assert_non_null(m);
    td_report *rep = NULL;
    assert_int_equal(td_report_open(p, day("2025-11-30"), &ro, m, &rep), TD_OK);
    const char *paths[] = {dir};
    td_batch_opts o = {.as_of = day("2025-11-30"), .jobs = jobs, .on_unit = td_report_unit,
                       .arg = rep, .fork_unit = td_report_fork, .take_unit = td_report_take,
                       .drop_unit = td_report_drop};
    td_batch *b = NULL;
    assert_int_equal(td_batch_run(p, paths, 1, &o, &b), TD_OK);
    assert_int_equal(td_report_finish(rep, b), TD_OK);
    for (size_t i = 0; i < 3; i++) {
        td_waiver_use_info use;
        assert_true(td_batch_waiver(b, i, &use));
        covered[i] = use.covered * 100 + use.units;
    }
    *sum = b->sum;
    assert_int_equal(b->n_finished, 300);
    td_report_free(rep);
    td_batch_free(b);
    assert_int_equal(fclose(m), 0);
}

static void three_hundred_units(FILE *f, int i)
{
    if (i == 150)
        fputs(U1, f);
    else if (i == 250)
        fputs(U2, f);
    else
        exemplar_unit(f, i, 97);
}

static void test_waiver_settle_on_threads_writes_as_one(void **state)
{
    (void)state;
    td_program *p = compile();
    char dir[] = "/tmp/td_waiver_XXXXXX";
    write_units(dir, 300, three_hundred_units);
    for (int k = 0; k < 2; k++) {
        const char *fmt = k ? "csv" : "json";
        char *one = NULL, *three = NULL;
        size_t n1 = 0, n3 = 0, c1[3], c3[3];
        td_batch_summary s1, s3;
        settle_report(p, dir, 1, fmt, &one, &n1, c1, &s1);
        settle_report(p, dir, 3, fmt, &three, &n3, c3, &s3);
        assert_true(n1 > 0);
        assert_int_equal(n1, n3);
        assert_memory_equal(one, three, n1);
        /* ids used twice across runs are reported at both places */
        assert_non_null(strstr(one, "used twice"));
        assert_memory_equal(c1, c3, sizeof c1);
        assert_int_equal(c1[0], 101); /* U1's note waived, in the third run */
        assert_int_equal(s1.waived, 2);
        assert_int_equal(s1.passed, s3.passed);
        assert_int_equal(s1.failed, s3.failed);
        assert_int_equal(s1.errors, s3.errors);
        assert_int_equal(s1.warnings, s3.warnings);
        assert_int_equal(s1.waived, s3.waived);
        free(one);
        free(three);
    }
    remove_units(dir, 300);
    td_program_free(p);
}

/* A sink that keeps the ids of the units it receives, a line each (td_batch_opts.fork_unit
 * and the rest). The first unit the batch's own sink receives (on whichever settle thread
 * claimed the first run) waits until another thread has made a sink beyond its first: that
 * thread has a run resolved before its turn and resolves the next into another sink. */
typedef struct idsink {
    struct idsink *root;    /* the batch's own sink */
    char *text;             /* owned */
    size_t len, cap;
    /* the root's: */
    pthread_mutex_t mu;
    pthread_cond_t cv;
    unsigned forks;         /* sinks made */
    unsigned jobs;
    bool held_ahead;        /* a sink was made while the first run waited */
} idsink;

static void ids_put(idsink *s, const char *t, size_t n)
{
    if (s->len + n + 1 > s->cap) {
        s->cap = (s->len + n + 1) * 2;
        s->text = realloc(s->text, s->cap);
        assert_non_null(s->text);
    }
    memcpy(s->text + s->len, t, n);
    s->len += n;
    s->text[s->len] = '\0';
}

static td_status ids_unit(void *arg, const td_unit_result *u)
{
    idsink *s = arg, *r = s->root;
    if (s == r && !s->len && r->jobs > 1) {
        struct timespec until;
        clock_gettime(CLOCK_REALTIME, &until);
        until.tv_sec += 10;
        pthread_mutex_lock(&r->mu);
        while (r->forks <= r->jobs &&
               pthread_cond_timedwait(&r->cv, &r->mu, &until) == 0)
            ;
        r->held_ahead = r->forks > r->jobs;
        pthread_mutex_unlock(&r->mu);
    }
    const char *id = u->id ? u->id : "-";
    ids_put(s, id, strlen(id));
    ids_put(s, "\n", 1);
    return TD_OK;
}

static td_status ids_fork(void *arg, void **child)
{
    idsink *r = ((idsink *)arg)->root;
    idsink *c = calloc(1, sizeof *c);
    assert_non_null(c);
    c->root = r;
    pthread_mutex_lock(&r->mu);
    r->forks++;
    pthread_cond_broadcast(&r->cv);
    pthread_mutex_unlock(&r->mu);
    *child = c;
    return TD_OK;
}

static td_status ids_take(void *arg, void *child)
{
    idsink *s = arg, *c = child;
    if (c->len)
        ids_put(s, c->text, c->len);
    c->len = 0;
    return TD_OK;
}

static void ids_drop(void *child)
{
    idsink *c = child;
    free(c->text);
    free(c);
}

static void six_hundred_units(FILE *f, int i)
{
    exemplar_unit(f, i, 89);
}

/* The settle's threads, when one is held up on its run, resolve the next runs ahead into
 * sinks of their own, and what the batch's sink receives is still in input order. */
static void test_waiver_settle_ahead_keeps_order(void **state)
{
    (void)state;
    td_program *p = compile();
    char dir[] = "/tmp/td_waiver_XXXXXX";
    write_units(dir, 600, six_hundred_units);
    char *one = NULL;
    for (unsigned jobs = 1; jobs <= 3; jobs++) {
        idsink s;
        memset(&s, 0, sizeof s);
        s.root = &s;
        s.jobs = jobs;
        pthread_mutex_init(&s.mu, NULL);
        pthread_cond_init(&s.cv, NULL);
        const char *paths[] = {dir};
        td_batch_opts o = {.as_of = day("2025-11-30"), .jobs = jobs, .on_unit = ids_unit,
                           .arg = &s, .fork_unit = ids_fork, .take_unit = ids_take,
                           .drop_unit = ids_drop};
        td_batch *b = NULL;
        assert_int_equal(td_batch_run(p, paths, 1, &o, &b), TD_OK);
        assert_int_equal(b->n_finished, 600);
        td_batch_free(b);
        assert_non_null(s.text);
        if (jobs == 1) {
            one = s.text;
        } else {
            assert_true(s.held_ahead);
            assert_string_equal(one, s.text);
            free(s.text);
        }
        pthread_cond_destroy(&s.cv);
        pthread_mutex_destroy(&s.mu);
    }
    free(one);
    remove_units(dir, 600);
    td_program_free(p);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_waiver_covers_finding_and_unit_passes),
        cmocka_unit_test(test_waiver_outside_its_dates_covers_nothing),
        cmocka_unit_test(test_waiver_of_exemplar_covers_only_that_exemplar),
        cmocka_unit_test(test_waiver_same_for_any_jobs),
        cmocka_unit_test(test_waiver_settle_on_threads_writes_as_one),
        cmocka_unit_test(test_waiver_settle_ahead_keeps_order),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
