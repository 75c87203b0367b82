/* Unit tests of batch: -j independence, duplicate ids across files, a broken or unreadable
 * file in the middle of a batch, target aggregation by group, stage counts, path expansion. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <ftw.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "batch.h"

static const char *RULES =
    "enum level { huyen xa ap }\n"
    "record step { optional step: int  optional date: date  optional evidence: text }\n"
    "record exemplar { optional name: text  optional steps: list of step }\n"
    "record info { required id: text  optional name: text  required level: level\n"
    "              optional commune: text }\n"
    "record unit_file { required unit: info  optional note: text\n"
    "                   optional exemplars: list of exemplar }\n"
    "document unit_file\n"
    "define unit_file.id = unit.id\n"
    "define unit_file.name = unit.name\n"
    "define unit_file.level = unit.level\n"
    "define unit_file.group = unit.commune\n"
    "define exemplar.counted = any steps have step == 1 and date <= as_of\n"
    "criterion unit.note \"Có ghi chú\" cite \"I.1\" on document error\n"
    "  require present(note)\n"
    "target ex.total \"Tổng\" cite \"II.2.1\" count exemplars where counted\n"
    "  at least 5 due 2025-12-31\n"
    "target ex.by_level \"Theo cấp\" cite \"II.2.1\" count exemplars where counted\n"
    "  by unit.level at least 2 due 2025-12-31\n"
    "target ex.by_commune \"Theo xã\" cite \"III.1\" count exemplars where counted\n"
    "  by unit.commune\n"
    "workflow ex.steps \"Quy trình\" cite \"II.2.2\" on exemplars\n"
    "  history steps state step dated date evidence evidence\n"
    "  stage 1 \"Một\" stage 2 \"Hai\"\n"
    "  initial 1 transitions 1 -> 2\n";

typedef struct fixture {
    td_program *p;
    char dir[64];
    int32_t as_of;
} fixture;

static void write_file(fixture *f, const char *name, const char *text)
{
    char path[256];
    snprintf(path, sizeof path, "%s/%s", f->dir, name);
    char *slash = strrchr(path, '/');
    if (slash > path + strlen(f->dir)) {
        *slash = '\0';
        mkdir(path, 0777);
        *slash = '/';
    }
    FILE *fp = fopen(path, "wb");
    assert_non_null(fp);
    fputs(text, fp);
    assert_int_equal(fclose(fp), 0);
}

/* Removes a scratch directory and what it holds (no shell). */
static int remove_entry(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
    (void)sb;
    (void)flag;
    (void)ftw;
    return remove(path);
}

static int remove_tree(const char *dir)
{
    return nftw(dir, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
}

static int setup(void **state)
{
    fixture *f = calloc(1, sizeof *f);
    strcpy(f->dir, "/tmp/td_batch_XXXXXX");
    assert_non_null(mkdtemp(f->dir));
    td_diag d;
    td_diag_init(&d);
    td_rule_text rules = {"batch.rules", RULES, strlen(RULES)};
    td_status st = td_program_compile_texts(&rules, 1, NULL, 0, &d, &f->p);
    for (size_t i = 0; i < d.n; i++)
        td_diag_render(&d.items[i], stderr, false);
    td_diag_free(&d);
    assert_int_equal(st, TD_OK);
    assert_true(td_date_parse("2025-12-31", &f->as_of));
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fixture *f = *state;
    assert_int_equal(remove_tree(f->dir), 0);
    td_program_free(f->p);
    free(f);
    return 0;
}

/* A unit with `n` counted exemplars (step 1 dated) and one at step 2. */
static char *unit_text(const char *id, const char *level, const char *commune, int n,
                       bool note)
{
    char *s = NULL;
    size_t len = 0;
    FILE *m = open_memstream(&s, &len);
    fprintf(m, "unit:\n  id: %s\n  name: Đơn vị %s\n  level: %s\n", id, id, level);
    if (commune)
        fprintf(m, "  commune: %s\n", commune);
    if (note)
        fprintf(m, "note: có\n");
    fprintf(m, "exemplars:\n");
    for (int i = 0; i < n; i++)
        fprintf(m, "  - name: Điển hình %d\n    steps:\n"
                   "      - {step: 1, date: 2024-05-31, evidence: Biên bản}\n%s",
                i, i == 0 ? "      - {step: 2, date: 2024-06-30, evidence: Bài viết}\n" : "");
    fprintf(m, "  - name: Chưa có bước\n");
    fclose(m);
    return s;
}

static td_batch *run(fixture *f, const char *const *paths, size_t n, unsigned jobs)
{
    td_batch_opts o = {.as_of = f->as_of, .jobs = jobs, .keep_units = true};
    td_batch *b = NULL;
    assert_int_equal(td_batch_run(f->p, paths, n, &o, &b), TD_OK);
    return b;
}

static const td_diagnostic *find(const td_unit_result *u, const char *rule)
{
    for (size_t i = 0; i < u->findings.n; i++)
        if (u->findings.items[i].rule && strcmp(u->findings.items[i].rule, rule) == 0)
            return &u->findings.items[i];
    return NULL;
}

static const td_target_row *row(const td_batch *b, const char *target, const char *group)
{
    for (size_t i = 0; i < b->n_rows; i++) {
        const td_target_row *r = &b->rows[i];
        if (strcmp(b->p->targets[r->target].id, target) != 0)
            continue;
        if ((!group && !r->group) || (group && r->group && strcmp(group, r->group) == 0))
            return r;
    }
    return NULL;
}

/* Writes a district of several multi-document files in two directories. */
static void district(fixture *f)
{
    static const char *communes[] = {"Tân Thạch", "An Hiệp", "Giao Long"};
    for (int k = 0; k < 12; k++) {
        char name[64], id1[32], id2[32];
        snprintf(name, sizeof name, "%s/f%02d.yaml", k % 2 ? "xa" : "huyen", k);
        snprintf(id1, sizeof id1, "U%02d-A", k);
        snprintf(id2, sizeof id2, "U%02d-B", k);
        char *a = unit_text(id1, k % 2 ? "xa" : "huyen", k % 2 ? communes[k % 3] : NULL, k % 3,
                            k % 4 != 0);
        char *b = unit_text(id2, "ap", communes[(k + 1) % 3], 1, true);
        char *both = NULL;
        size_t len = 0;
        FILE *m = open_memstream(&both, &len);
        fprintf(m, "%s---\n%s", a, b);
        fclose(m);
        write_file(f, name, both);
        free(a);
        free(b);
        free(both);
    }
}

static void same_result(const td_unit_result *x, const td_unit_result *y)
{
    assert_string_equal(x->file, y->file);
    assert_int_equal(x->doc, y->doc);
    assert_int_equal(x->line, y->line);
    assert_string_equal(x->id ? x->id : "", y->id ? y->id : "");
    assert_int_equal(x->findings.n, y->findings.n);
    for (size_t i = 0; i < x->findings.n; i++) {
        assert_string_equal(x->findings.items[i].message, y->findings.items[i].message);
        assert_int_equal(x->findings.items[i].line, y->findings.items[i].line);
    }
}

/* The same units, findings, target rows, stage counts and summary, in the same order. */
static void same_batch(const td_batch *x, const td_batch *y)
{
    assert_int_equal(td_batch_units(y), td_batch_units(x));
    for (size_t i = 0; i < td_batch_units(x); i++)
        same_result(td_batch_unit(x, i), td_batch_unit(y, i));
    assert_int_equal(y->n_rows, x->n_rows);
    for (size_t i = 0; i < x->n_rows; i++) {
        assert_int_equal(y->rows[i].target, x->rows[i].target);
        assert_string_equal(y->rows[i].group ? y->rows[i].group : "",
                            x->rows[i].group ? x->rows[i].group : "");
        assert_true(y->rows[i].actual == x->rows[i].actual);
    }
    assert_memory_equal(y->stages, x->stages, x->n_stages * sizeof *x->stages);
    assert_memory_equal(&y->sum, &x->sum, sizeof x->sum);
}

static void test_batch_jobs_do_not_change_results(void **state)
{
    fixture *f = *state;
    district(f);
    const char *paths[] = {f->dir};
    td_batch *b1 = run(f, paths, 1, 1);
    assert_int_equal(td_batch_units(b1), 24);
    for (unsigned jobs = 2; jobs <= 8; jobs *= 2) {
        td_batch *bn = run(f, paths, 1, jobs);
        same_batch(b1, bn);
        td_batch_free(bn);
    }
    td_batch_free(b1);
}

/* Workers claim several files at a time when files hold few units, and merge them
 * themselves: one-unit files, then files of 8 units, for which the claims that the one-unit
 * files sized are more than the window holds, then one-unit files again. */
static void test_batch_claims_change_with_the_units_a_file_holds(void **state)
{
    fixture *f = *state;
    static const char *levels[] = {"huyen", "xa", "ap"};
    char name[64], id[32];
    for (int k = 0; k < 460; k++) {
        bool big = k >= 150 && k < 400;
        snprintf(name, sizeof name, "f%03d.yaml", k);
        char *text = NULL;
        size_t len = 0;
        FILE *m = open_memstream(&text, &len);
        for (int d = 0; d < (big ? 8 : 1); d++) {
            snprintf(id, sizeof id, "U%03d-%02d", k, d);
            char *u = unit_text(id, levels[(k + d) % 3], k % 2 ? "An Hiệp" : NULL, (k + d) % 4,
                                (k + d) % 5 != 0);
            fprintf(m, "%s%s", d ? "---\n" : "", u);
            free(u);
        }
        fclose(m);
        write_file(f, name, text);
        free(text);
    }
    /* a wait for room that never ended failed the test rather than hanging it */
    alarm(120);
    const char *paths[] = {f->dir};
    td_batch *b1 = run(f, paths, 1, 1);
    assert_int_equal(td_batch_units(b1), 210 + 250 * 8);
    for (unsigned k = 0; k < 20; k++) { /* the threads' timing differs from run to run */
        td_batch *bn = run(f, paths, 1, 2 + k % 4);
        same_batch(b1, bn);
        td_batch_free(bn);
    }
    td_batch_free(b1);
    alarm(0);
}

static void test_batch_orders_files_bytewise(void **state)
{
    fixture *f = *state;
    district(f);
    write_file(f, "xa/notes.txt", "not a unit file");
    write_file(f, ".hidden/h.yaml", "unit: {id: H, level: xa}\n");
    char *u = unit_text("Y1", "xa", "An Hiệp", 1, true);
    write_file(f, "xa/z.yml", u);
    free(u);
    const char *paths[] = {f->dir};
    td_batch *b = run(f, paths, 1, 2);
    assert_int_equal(td_batch_files(b), 13);
    /* a path is valid until the next call: the one before is copied */
    char *prev = strdup(td_batch_file(b, 0));
    for (size_t i = 1; i < td_batch_files(b); i++) {
        const char *cur = td_batch_file(b, i);
        assert_true(strcmp(prev, cur) < 0);
        free(prev);
        prev = strdup(cur);
    }
    free(prev);
    assert_non_null(strstr(td_batch_file(b, 12), "xa/z.yml"));
    td_batch_free(b);
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(a, b);
}

/* The paths are packed once known (each name as what it does not share with the one before
 * it, 16 files a block): every path reads back whole, in any order, across folders, a link to
 * nothing, and paths named on the command line that share more than 255 bytes. */
static void test_batch_packed_paths_read_back(void **state)
{
    fixture *f = *state;
    char *u = unit_text("P1", "xa", "An Hiệp", 1, false);
    char name[300];
    static char want[64][600];
    size_t n = 0;
    char stem[201];
    memset(stem, 'a', 200);
    stem[200] = '\0';
    /* 37 files of one folder whose names share 200 bytes and more, then 5 in a sub-folder */
    for (int i = 0; i < 37; i++) {
        snprintf(name, sizeof name, "%s%03d.yaml", stem, i * 7);
        write_file(f, name, u);
    }
    for (int i = 0; i < 5; i++) {
        snprintf(name, sizeof name, "sub/%s%d.yaml", stem, i);
        write_file(f, name, u);
    }
    /* names whose shared start and shared end would overlap */
    static const char *const odd[] = {"zz.yaml", "zzz.yaml", "zzz.yml", "zzzz.yml", "zzzzz.yaml"};
    for (size_t i = 0; i < sizeof odd / sizeof odd[0]; i++) {
        write_file(f, odd[i], u);
        snprintf(want[n++], sizeof want[0], "%s/%s", f->dir, odd[i]);
    }
    char link[128];
    snprintf(link, sizeof link, "%s/b-link.yaml", f->dir);
    assert_int_equal(symlink("nothing-there.yaml", link), 0);
    /* the expected order: byte-wise by whole path */
    snprintf(want[n++], sizeof want[0], "%s/%s", f->dir, "b-link.yaml");
    for (int i = 0; i < 37; i++)
        snprintf(want[n++], sizeof want[0], "%s/%s%03d.yaml", f->dir, stem, i * 7);
    for (int i = 0; i < 5; i++)
        snprintf(want[n++], sizeof want[0], "%s/sub/%s%d.yaml", f->dir, stem, i);
    /* and two files named on the command line, sharing their whole folder (over 255 bytes) */
    char deep[512];
    snprintf(deep, sizeof deep, "%s/sub/%s/%s", f->dir, stem, stem);
    char mid[512];
    snprintf(mid, sizeof mid, "%s/sub/%s", f->dir, stem);
    assert_int_equal(mkdir(mid, 0777), 0);
    assert_int_equal(mkdir(deep, 0777), 0);
    snprintf(want[n++], sizeof want[0], "%s/x1.yaml", deep);
    snprintf(want[n++], sizeof want[0], "%s/x2.yaml", deep);
    for (size_t k = n - 2; k < n; k++) {
        FILE *fp = fopen(want[k], "wb");
        assert_non_null(fp);
        fputs(u, fp);
        assert_int_equal(fclose(fp), 0);
    }
    free(u);
    const char *paths[] = {f->dir, want[n - 2], want[n - 1]};
    td_batch *b = run(f, paths, 3, 1);
    /* the walk of the folder finds the two deep files too: the folder's files in byte-wise
     * order of their whole paths, then the two named */
    size_t got_n = td_batch_files(b);
    assert_int_equal(got_n, n + 2);
    static char all[64][600];
    memcpy(all, want, n * sizeof all[0]);
    qsort(all, n, sizeof all[0], cmp_str);
    memcpy(all[n], want[n - 2], sizeof all[0]);
    memcpy(all[n + 1], want[n - 1], sizeof all[0]);
    for (size_t k = got_n; k-- > 0;)
        assert_string_equal(td_batch_file(b, k), all[k]);
    for (size_t k = 0; k < got_n; k += 3)
        assert_string_equal(td_batch_file(b, k), all[k]);
    td_batch_free(b);
}

static void test_batch_reports_duplicate_ids_across_files(void **state)
{
    fixture *f = *state;
    char *a = unit_text("CT-X", "xa", "An Hiệp", 1, true);
    char *c = unit_text("CT-Y", "xa", "An Hiệp", 1, true);
    write_file(f, "a.yaml", a);
    write_file(f, "b.yaml", c);
    write_file(f, "c.yaml", a); /* the id of a.yaml again */
    free(a);
    free(c);
    char pa[128], pb[128], pc[128];
    snprintf(pa, sizeof pa, "%s/a.yaml", f->dir);
    snprintf(pb, sizeof pb, "%s/b.yaml", f->dir);
    snprintf(pc, sizeof pc, "%s/c.yaml", f->dir);
    const char *paths[] = {pa, pb, pc};
    for (unsigned jobs = 1; jobs <= 2; jobs++) {
        td_batch *b = run(f, paths, 3, jobs);
        assert_int_equal(td_batch_units(b), 3);
        assert_null(find(td_batch_unit(b, 0), "batch.duplicate_id"));
        assert_null(find(td_batch_unit(b, 1), "batch.duplicate_id"));
        const td_diagnostic *e = find(td_batch_unit(b, 2), "batch.duplicate_id");
        assert_non_null(e);
        assert_int_equal(e->sev, TD_SEV_ERROR);
        assert_string_equal(e->file, pc);
        assert_int_equal(e->line, 2); /* the id: line of c.yaml */
        char where[160];
        snprintf(where, sizeof where, "%s:2", pa);
        assert_non_null(strstr(e->message, where));
        assert_int_equal(b->sum.failed, 1);
        td_batch_free(b);
    }
}

/* Writes the units with ids ID-<ids[k]>, one document each, into one file; line[k]: the
 * line of unit k's id, when asked for. */
static void write_units_of(fixture *f, const char *name, const int *ids, int n, int *line)
{
    char *text = NULL;
    size_t len = 0;
    FILE *m = open_memstream(&text, &len);
    for (int k = 0; k < n; k++) {
        char id[32];
        snprintf(id, sizeof id, "ID-%d", ids[k]);
        char *u = unit_text(id, "xa", "An Hiệp", 1, true);
        fprintf(m, "%s%s", k ? "---\n" : "", u);
        free(u);
    }
    fclose(m);
    for (int k = 0; line && k < n; k++) {
        char key[40];
        snprintf(key, sizeof key, "  id: ID-%d\n", ids[k]);
        const char *p = strstr(text, key);
        assert_non_null(p);
        line[k] = 1;
        for (const char *q = text; q < p; q++)
            line[k] += *q == '\n';
    }
    write_file(f, name, text);
    free(text);
}

/* The duplicates of a file's units, met in its order, then in reverse, then skipping, each
 * named at the line of the earlier unit (the earlier file read again goes on from the
 * document it read last, or starts again for an earlier one). */
static void test_batch_duplicates_of_a_copied_file(void **state)
{
    fixture *f = *state;
    int first[] = {0, 1, 2, 3, 4, 5};
    int again[] = {0, 1, 2, 3, 4, 5, 9, 5, 4, 3, 2, 1, 0, 2, 4};
    int line[6];
    write_units_of(f, "a.yaml", first, 6, line);
    write_units_of(f, "b.yaml", again, 15, NULL);
    const char *paths[] = {f->dir};
    char pa[128];
    snprintf(pa, sizeof pa, "%s/a.yaml", f->dir);
    for (unsigned jobs = 1; jobs <= 3; jobs++) {
        td_batch *b = run(f, paths, 1, jobs);
        assert_int_equal(td_batch_units(b), 21);
        for (size_t i = 0; i < 21; i++) {
            const td_diagnostic *e = find(td_batch_unit(b, i), "batch.duplicate_id");
            int id = i < 6 ? first[i] : again[i - 6];
            /* every id of b.yaml but ID-9 is one of a.yaml's, which is named */
            assert_int_equal(e != NULL, i >= 6 && id != 9);
            if (!e)
                continue;
            char where[160];
            snprintf(where, sizeof where, "%s:%d;", pa, line[id]);
            assert_non_null(strstr(e->message, where));
        }
        td_batch_free(b);
    }
}

static void test_batch_duplicate_id_in_one_file(void **state)
{
    fixture *f = *state;
    char *a = unit_text("CT-X", "xa", "An Hiệp", 1, true);
    char *both = NULL;
    size_t len = 0;
    FILE *m = open_memstream(&both, &len);
    fprintf(m, "%s---\n%s", a, a);
    fclose(m);
    write_file(f, "a.yaml", both);
    char pa[128];
    snprintf(pa, sizeof pa, "%s/a.yaml", f->dir);
    const char *paths[] = {pa};
    td_batch *b = run(f, paths, 1, 1);
    assert_int_equal(td_batch_units(b), 2);
    const td_diagnostic *e = find(td_batch_unit(b, 1), "batch.duplicate_id");
    assert_non_null(e);
    assert_true(e->line > 2);
    assert_non_null(strstr(e->message, ".yaml:2"));
    td_batch_free(b);
    free(a);
    free(both);
}

/* A unit file held in memory is judged as the same file on disk would be, under the name
 * given, without touching the file system (a directory of that name is not walked). */
static void test_batch_text_judges_memory_as_a_file(void **state)
{
    fixture *f = *state;
    char *a = unit_text("CT-X", "xa", "An Hiệp", 1, true);
    char *both = NULL;
    size_t len = 0;
    FILE *m = open_memstream(&both, &len);
    fprintf(m, "%s---\n%s", a, a);
    fclose(m);
    td_batch_opts o = {.as_of = f->as_of, .jobs = 4, .keep_units = true, .ids_per_file = true};
    td_batch *b = NULL;
    assert_int_equal(td_batch_run_text(f->p, f->dir, both, len, &o, &b), TD_OK);
    assert_int_equal(td_batch_files(b), 1);
    assert_string_equal(td_batch_file(b, 0), f->dir);
    assert_int_equal(td_batch_units(b), 2);
    assert_string_equal(td_batch_unit(b, 0)->file, f->dir);
    assert_null(find(td_batch_unit(b, 0), "batch.duplicate_id"));
    const td_diagnostic *e = find(td_batch_unit(b, 1), "batch.duplicate_id");
    assert_non_null(e);
    assert_true(e->line > 2);
    td_batch_free(b);
    free(a);
    free(both);
}

static void test_batch_goes_on_after_broken_and_missing_files(void **state)
{
    fixture *f = *state;
    char *a = unit_text("A", "xa", "An Hiệp", 1, true);
    char *c = unit_text("C", "xa", "An Hiệp", 2, true);
    write_file(f, "1.yaml", a);
    write_file(f, "2.yaml", "unit: {id: B, level: xa\nnote: [unclosed\n");
    write_file(f, "3.yaml", c);
    write_file(f, "4.yaml", "# only a comment\n");
    free(a);
    free(c);
    char missing[128];
    snprintf(missing, sizeof missing, "%s/nowhere.yaml", f->dir);
    const char *paths[] = {f->dir, missing};
    for (unsigned jobs = 1; jobs <= 3; jobs++) {
        td_batch *b = run(f, paths, 2, jobs);
        assert_int_equal(td_batch_units(b), 5);
        const td_unit_result *broken = td_batch_unit(b, 1);
        assert_false(broken->typed);
        assert_null(broken->id);
        assert_non_null(find(broken, "data.syntax"));
        assert_string_equal(td_batch_unit(b, 2)->id, "C");
        assert_true(td_batch_unit(b, 2)->typed);
        assert_non_null(find(td_batch_unit(b, 3), "data.no_document"));
        const td_diagnostic *e = find(td_batch_unit(b, 4), "data.unreadable");
        assert_non_null(e);
        assert_string_equal(e->file, missing);
        assert_non_null(strstr(e->message, "No such file"));
        assert_int_equal(b->sum.units, 5);
        assert_int_equal(b->sum.passed, 2);
        assert_int_equal(b->sum.failed, 3);
        /* the good units still count toward the targets: 1 + 2 counted exemplars */
        assert_true(row(b, "ex.total", NULL)->actual == 3);
        td_batch_free(b);
    }
}

static void test_batch_aggregates_targets_by_group(void **state)
{
    fixture *f = *state;
    char *u1 = unit_text("U1", "xa", "Tân Thạch", 2, true);
    char *u2 = unit_text("U2", "huyen", NULL, 1, true);
    char *u3 = unit_text("U3", "ap", "An Hiệp", 3, true);
    char *u4 = unit_text("U4", "xa", "An Hiệp", 0, false);
    write_file(f, "u1.yaml", u1);
    write_file(f, "u2.yaml", u2);
    write_file(f, "u3.yaml", u3);
    write_file(f, "u4.yaml", u4);
    free(u1);
    free(u2);
    free(u3);
    free(u4);
    const char *paths[] = {f->dir};
    td_batch *b = run(f, paths, 1, 2);
    const td_target_row *total = row(b, "ex.total", NULL);
    assert_non_null(total);
    assert_true(total->actual == 6);
    assert_true(total->has_required && total->required == 5);
    assert_true(total->met);
    assert_true(total->has_percent && total->percent == 120);
    /* grouped: a row per group, sorted by name, the requirement applies to each */
    const td_target_row *xa = row(b, "ex.by_level", "xa");
    const td_target_row *huyen = row(b, "ex.by_level", "huyen");
    const td_target_row *ap = row(b, "ex.by_level", "ap");
    assert_true(xa && huyen && ap);
    assert_true(xa->actual == 2 && xa->met);
    assert_true(huyen->actual == 1 && !huyen->met);
    assert_int_equal(huyen->severity, TD_SEV_ERROR);
    assert_true(ap->actual == 3 && ap->met);
    assert_true(ap < huyen && huyen < xa);
    /* a tally: no requirement; U4 makes its commune known with 0 */
    const td_target_row *an_hiep = row(b, "ex.by_commune", "An Hiệp");
    assert_non_null(an_hiep);
    assert_true(an_hiep->actual == 3);
    assert_false(an_hiep->has_required);
    assert_true(an_hiep->met);
    assert_true(row(b, "ex.by_commune", "Tân Thạch")->actual == 2);
    assert_int_equal(b->sum.targets, 4);
    assert_int_equal(b->sum.targets_met, 3);
    assert_int_equal(b->sum.target_errors, 1);
    assert_true(td_batch_failed(b, true));
    /* U4 has no note: one unit fails */
    assert_int_equal(b->sum.failed, 1);
    /* stages: per exemplar its last stage; "Chưa có bước" exemplars have none */
    assert_int_equal(b->n_stages, 3);
    assert_int_equal(b->stages[0], 4); /* one per unit */
    assert_int_equal(b->stages[2], 3); /* the first exemplar of U1, U2, U3 reaches 2 */
    assert_int_equal(b->stages[1], 3); /* the others stay at 1 */
    td_batch_free(b);
}

static void test_batch_unmet_target_before_due_is_progress(void **state)
{
    fixture *f = *state;
    char *u1 = unit_text("U1", "xa", "Tân Thạch", 1, true);
    write_file(f, "u1.yaml", u1);
    free(u1);
    const char *paths[] = {f->dir};
    td_batch_opts o = {.jobs = 1};
    assert_true(td_date_parse("2024-12-31", &o.as_of));
    td_batch *b = NULL;
    assert_int_equal(td_batch_run(f->p, paths, 1, &o, &b), TD_OK);
    const td_target_row *total = row(b, "ex.total", NULL);
    assert_false(total->met);
    assert_int_equal(total->severity, TD_SEV_INFO);
    assert_int_equal(b->sum.target_errors, 0);
    assert_int_equal(b->sum.target_infos, 2); /* ex.total and ex.by_level for xa */
    assert_false(td_batch_failed(b, true));
    assert_int_equal(td_batch_units(b), 0); /* keep_units was not asked for */
    td_batch_free(b);
}

typedef struct seen {
    char ids[64][16];
    size_t n;
} seen;

static td_status collect(void *arg, const td_unit_result *u)
{
    seen *s = arg;
    if (s->n < 64)
        snprintf(s->ids[s->n++], sizeof s->ids[0], "%s", u->id ? u->id : "-");
    return TD_OK;
}

static td_status refuse(void *arg, const td_unit_result *u)
{
    (void)u;
    return ++*(int *)arg == 3 ? TD_EIO : TD_OK;
}

static void test_batch_streams_units_in_order_and_stops_on_error(void **state)
{
    fixture *f = *state;
    district(f);
    const char *paths[] = {f->dir};
    seen s1 = {0}, s2 = {0};
    td_batch_opts o = {.as_of = f->as_of, .jobs = 1, .on_unit = collect, .arg = &s1};
    td_batch *b = NULL;
    assert_int_equal(td_batch_run(f->p, paths, 1, &o, &b), TD_OK);
    td_batch_free(b);
    o.jobs = 4;
    o.arg = &s2;
    assert_int_equal(td_batch_run(f->p, paths, 1, &o, &b), TD_OK);
    td_batch_free(b);
    assert_int_equal(s1.n, 24);
    assert_memory_equal(&s1, &s2, sizeof s1);
    assert_string_equal(s1.ids[0], "U00-A");
    /* a callback failure (a report that cannot be written) stops the batch */
    int calls = 0;
    td_batch_opts o2 = {.as_of = f->as_of, .jobs = 2, .on_unit = refuse, .arg = &calls};
    assert_int_equal(td_batch_run(f->p, paths, 1, &o2, &b), TD_EIO);
    assert_int_equal(calls, 3);
    td_batch_free(b);
}

/* td_batch_any_files tells what td_batch_count_files > 0 tells: a unit file at the top of a
 * folder, one only in a sub-folder, none (other files, a hidden one, a folder), a file or "-"
 * named, a missing path (a finding of the batch). */
static void test_batch_any_files_as_the_count(void **state)
{
    fixture *f = *state;
    char top[128], sub[128], none[128], missing[128];
    snprintf(top, sizeof top, "%s/top", f->dir);
    snprintf(sub, sizeof sub, "%s/sub", f->dir);
    snprintf(none, sizeof none, "%s/none", f->dir);
    snprintf(missing, sizeof missing, "%s/missing", f->dir);
    write_file(f, "top/notes.txt", "x");
    write_file(f, "top/u.yaml", "unit:\n  id: U1\n");
    write_file(f, "sub/a.txt", "x");
    write_file(f, "sub/deep/u.yml", "unit:\n  id: U2\n");
    write_file(f, "none/a.txt", "x");
    write_file(f, "none/.hidden.yaml", "unit:\n  id: U3\n");
    write_file(f, "none/deeper/b.txt", "x");
    char file[160];
    snprintf(file, sizeof file, "%s/top/u.yaml", f->dir);
    const char *cases[][2] = {{top, NULL}, {sub, NULL}, {none, NULL}, {none, sub},
                              {none, file}, {"-", NULL}, {missing, NULL}};
    bool want[] = {true, true, false, true, true, true, true};
    for (size_t i = 0; i < sizeof want / sizeof want[0]; i++) {
        size_t n = cases[i][1] ? 2 : 1, count = 0;
        bool any = !want[i];
        assert_int_equal(td_batch_any_files(cases[i], n, &any), TD_OK);
        assert_int_equal(td_batch_count_files(cases[i], n, &count), TD_OK);
        assert_int_equal(any, want[i]);
        assert_int_equal(any, count > 0);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_batch_jobs_do_not_change_results, setup, teardown),
        cmocka_unit_test_setup_teardown(test_batch_claims_change_with_the_units_a_file_holds,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(test_batch_orders_files_bytewise, setup, teardown),
        cmocka_unit_test_setup_teardown(test_batch_reports_duplicate_ids_across_files, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_batch_duplicate_id_in_one_file, setup, teardown),
        cmocka_unit_test_setup_teardown(test_batch_duplicates_of_a_copied_file, setup, teardown),
        cmocka_unit_test_setup_teardown(test_batch_text_judges_memory_as_a_file, setup, teardown),
        cmocka_unit_test_setup_teardown(test_batch_goes_on_after_broken_and_missing_files, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_batch_packed_paths_read_back, setup, teardown),
        cmocka_unit_test_setup_teardown(test_batch_aggregates_targets_by_group, setup, teardown),
        cmocka_unit_test_setup_teardown(test_batch_unmet_target_before_due_is_progress, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_batch_streams_units_in_order_and_stops_on_error,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(test_batch_any_files_as_the_count, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
