/* Unit tests of walk: each folder once through symbolic-link loops, entries in name order,
 * pipes and links to nothing told, a folder that cannot be opened told. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "walk.h"

typedef struct fixture {
    char dir[64];
    char seen[4096];        /* one line per entry told: KIND RELATIVE-PATH */
    size_t len;
} fixture;

static void at(fixture *f, char *out, size_t size, const char *rel)
{
    snprintf(out, size, "%s/%s", f->dir, rel);
}

static void make_dir(fixture *f, const char *rel)
{
    char p[256];
    at(f, p, sizeof p, rel);
    assert_int_equal(mkdir(p, 0755), 0);
}

static void make_file(fixture *f, const char *rel)
{
    char p[256];
    at(f, p, sizeof p, rel);
    FILE *fp = fopen(p, "w");
    assert_non_null(fp);
    fputs("x: 1\n", fp);
    assert_int_equal(fclose(fp), 0);
}

static void make_link(fixture *f, const char *target, const char *rel)
{
    char p[256];
    at(f, p, sizeof p, rel);
    assert_int_equal(symlink(target, p), 0);
}

static bool record(void *arg, td_walk_kind kind, const char *path, const char *name, int err)
{
    static const char *const kinds[] = {"file", "special", "broken", "dir-error", "too-deep"};
    fixture *f = arg;
    size_t dl = strlen(f->dir);
    assert_true(strncmp(path, f->dir, dl) == 0);
    assert_string_equal(strrchr(path, '/') + 1, name);
    int n = snprintf(f->seen + f->len, sizeof f->seen - f->len, "%s %s%s\n", kinds[kind],
                     path + dl + 1, kind == TD_WALK_BROKEN && err == 0 ? " (no errno)" : "");
    assert_true(n > 0 && (size_t)n < sizeof f->seen - f->len);
    f->len += (size_t)n;
    return true;
}

static int setup(void **state)
{
    fixture *f = calloc(1, sizeof *f);
    strcpy(f->dir, "/tmp/td_walk_XXXXXX");
    assert_non_null(mkdtemp(f->dir));
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fixture *f = *state;
    char cmd[256];
    snprintf(cmd, sizeof cmd, "chmod -R u+rwx %s; rm -rf %s", f->dir, f->dir);
    assert_int_equal(system(cmd), 0);
    free(f);
    return 0;
}

static void test_walk_ends_on_links_back_to_ancestors(void **state)
{
    fixture *f = *state;
    make_dir(f, "a");
    make_dir(f, "a/b");
    make_file(f, "a/b/unit.yaml");
    make_file(f, "a/top.yaml");
    make_link(f, "..", "a/b/up1");
    make_link(f, "..", "a/b/up2");
    make_link(f, "../..", "a/b/root");
    char root[256];
    at(f, root, sizeof root, "a");
    assert_int_equal(td_walk(root, record, f), TD_OK);
    /* each file once, whatever the number of ways to reach it */
    assert_string_equal(f->seen, "file a/b/unit.yaml\nfile a/top.yaml\n");
}

static void test_walk_goes_in_name_order_and_follows_links_once(void **state)
{
    fixture *f = *state;
    make_dir(f, "real");
    make_file(f, "real/u.yaml");
    make_dir(f, "tree");
    make_link(f, "../real", "tree/b-link");
    make_link(f, "../real", "tree/a-link");
    make_file(f, "tree/c.yaml");
    char root[256];
    at(f, root, sizeof root, "tree");
    assert_int_equal(td_walk(root, record, f), TD_OK);
    assert_string_equal(f->seen, "file tree/a-link/u.yaml\nfile tree/c.yaml\n");
}

static void test_walk_tells_pipes_and_links_to_nothing(void **state)
{
    fixture *f = *state;
    make_dir(f, "t");
    char p[256];
    at(f, p, sizeof p, "t/pipe.yaml");
    assert_int_equal(mkfifo(p, 0644), 0);
    make_link(f, "nothere.yaml", "t/dangling.yaml");
    make_file(f, "t/.hidden.yaml");
    char root[256];
    at(f, root, sizeof root, "t");
    assert_int_equal(td_walk(root, record, f), TD_OK);
    assert_string_equal(f->seen, "broken t/dangling.yaml\nspecial t/pipe.yaml\n");
}

static void test_walk_tells_a_folder_it_cannot_open(void **state)
{
    fixture *f = *state;
    char root[256];
    at(f, root, sizeof root, "missing");
    assert_int_equal(td_walk(root, record, f), TD_OK);
    assert_string_equal(f->seen, "dir-error missing\n");
    if (geteuid() == 0) {
        /* permissions do not bind root: tests/golden/eval/unreadable-entries runs the
         * program as an unprivileged user for this case */
        skip();
    }
    f->len = 0;
    f->seen[0] = '\0';
    make_dir(f, "t");
    make_dir(f, "t/locked");
    make_file(f, "t/locked/u.yaml");
    at(f, root, sizeof root, "t/locked");
    assert_int_equal(chmod(root, 0), 0);
    at(f, root, sizeof root, "t");
    assert_int_equal(td_walk(root, record, f), TD_OK);
    assert_string_equal(f->seen, "dir-error t/locked\n");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_walk_ends_on_links_back_to_ancestors, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_walk_goes_in_name_order_and_follows_links_once,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(test_walk_tells_pipes_and_links_to_nothing, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_walk_tells_a_folder_it_cannot_open, setup,
                                        teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
