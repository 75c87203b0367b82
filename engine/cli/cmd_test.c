/* `thidua test`: finds the rule tests (*.test.yaml) and runs them with engine/ruletest.c,
 * then prints `N passed, N failed`. CLI layer: arguments, colour, exit status. */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "commands.h"
#include "thidua.h"

static const char usage[] =
    N_("usage: thidua test [-r RULES] [-v] [--coverage] [--require-coverage]\n"
    "                   [--color=auto|always|never] [PATH...]");

static const char help[] =
    N_("\n"
    "Runs the rules' own test cases: every file named *.test.yaml found under each\n"
    "PATH (a directory is searched recursively; a file is taken as given), in sorted\n"
    "order. Without PATH, rules/ is searched. Each case edits a unit document, judges\n"
    "it at its as_of date, and compares the findings with the ones it expects\n"
    "(docs/rule-tests.md describes the format). A failing case prints\n"
    "\n"
    "  FAIL FILE:LINE: NAME\n"
    "    - expected RULE (...)                 expected, but not found\n"
    "    + unexpected RULE (...): MESSAGE      found, but not expected\n"
    "\n"
    "and the run closes with `N passed, N failed`.\n"
    "\n"
    "options:\n"
    "  -r, --rules FILE   the entry rule file for the test files that name no `rules:`\n"
    "                     (default: the Châu Thành rules built into thidua)\n"
    "  -v, --verbose      list the passing cases too\n"
    "  --coverage         then list every criterion and workflow check with the number of\n"
    "                     passing cases in which it fails and in which it passes, every\n"
    "                     target with the cases in which the unit counts toward it, and\n"
    "                     every clause of the plan with its rules\n"
    "  --require-coverage as --coverage, and exit 1 when a criterion or workflow check\n"
    "                     has no failing case\n"
    "  --color[=WHEN]     colours: auto (default: on a terminal), always, never\n"
    "  --lang vi|en       the language of messages and reports\n"
    "  -h, --help         this help\n"
    "\n"
    "Exit status: 0 every case passes; 1 some case fails (or, with --require-coverage, a\n"
    "rule has no failing case); 2 usage error, a malformed\n"
    "test file, a path that cannot be read, or rules that do not compile.\n");

static void flush_diags(td_diag *d, bool color)
{
    td_diag_print(d, stderr, color, 0, NULL, NULL);
    td_diag_clear(d);
}

int cmd_test(int argc, char **argv)
{
    /* -v is this command's own option; the others are parsed as every command does */
    char **args = calloc((size_t)argc + 1, sizeof *args);
    if (!args)
        return cli_fail("test", TD_ENOMEM, "cannot start");
    int n_args = 0;
    bool verbose = false, options = true, coverage = false, require = false;
    for (int i = 0; i < argc; i++) {
        bool v = strcmp(argv[i], "-v") == 0 || strcmp(argv[i], "--verbose") == 0;
        bool cov = strcmp(argv[i], "--coverage") == 0;
        bool req = strcmp(argv[i], "--require-coverage") == 0;
        if (i > 0 && options && v)
            verbose = true;
        else if (i > 0 && options && (cov || req))
            coverage = true, require = require || req;
        else
            args[n_args++] = argv[i];
        if (strcmp(argv[i], "--") == 0)
            options = false;
    }
    cli_opts o;
    int parsed = cli_parse(n_args, args, CLI_OPT_RULES | CLI_OPT_COLOR, "test", usage, help, &o);
    free(args);
    if (parsed >= 0)
        return parsed;
    if (o.n_rules > 1) {
        cli_opts_free(&o);
        return cli_usage_error("test", usage, "give -r once: the entry rule file", NULL);
    }
    if (o.n_rules && access(o.rules[0], R_OK) != 0) {
        fprintf(stderr, _("thidua test: cannot read the rules '%s': %s\n"), o.rules[0],
                cli_strerror(errno));
        cli_opts_free(&o);
        return 2;
    }
    /* --lang, else LANGUAGE, else the built-in rules' language (cli_lang): the summary's */
    td_rt_options opts = {o.n_rules ? o.rules[0] : NULL, verbose, coverage, cli_lang()};
    const char *default_path = "rules/";
    const char *const *paths = o.n_args ? o.args : &default_path;
    size_t n_paths = o.n_args ? o.n_args : 1;

    bool color = cli_use_color(&o, stderr);
    int rc = 0;
    td_diag *d = td_diag_new();
    if (!d) {
        cli_opts_free(&o);
        return cli_fail("test", TD_ENOMEM, "cannot run the tests");
    }
    td_diag_set_lang(d, opts.lang);
    char **files = NULL;
    size_t n_files = 0;
    td_ruletest *t = NULL;
    td_status st = td_ruletest_find(paths, n_paths, d, &files, &n_files);
    if (st == TD_ENOMEM)
        goto oom;
    if (st != TD_OK)
        rc = 2;
    flush_diags(d, color);
    if (n_files == 0 && rc == 0) {
        /* nothing to run is a mistake (a wrong path), not a pass */
        if (n_paths > 1)
            fprintf(stderr, _("thidua test: no test files (*.test.yaml) under %s and the other "
                              "paths given; name the folder that holds them\n"), paths[0]);
        else
            fprintf(stderr, _("thidua test: no test files (*.test.yaml) under %s; name the "
                              "folder that holds them\n"), paths[0]);
        rc = 2;
    }
    if (td_ruletest_new(&opts, &t) != TD_OK)
        goto oom;
    for (size_t i = 0; i < n_files; i++) {
        st = td_ruletest_run_file(t, files[i], stdout, d);
        fflush(stdout);
        if (st == TD_ENOMEM)
            goto oom;
        if (st != TD_OK)
            rc = 2;
        flush_diags(d, color);
    }
    size_t passed = 0, failed = 0;
    td_ruletest_counts(t, &passed, &failed);
    size_t missing = 0;
    if (coverage)
        td_ruletest_coverage(t, stdout, &missing);
    /* TRANSLATORS: the last line of thidua test */
    printf(_("%zu passed, %zu failed\n"), passed, failed);
    if (failed && rc == 0)
        rc = 1;
    if (require && missing) {
        fprintf(stderr, P_("thidua test: %zu rule (criteria or workflow checks) without a "
                           "failing case; write a case that makes each fail (marked above)\n",
                           "thidua test: %zu rules (criteria or workflow checks) without a "
                           "failing case; write a case that makes each fail (marked above)\n",
                           missing),
                missing);
        if (rc == 0)
            rc = 1;
    }
    goto done;
oom:
    flush_diags(d, color);
    rc = cli_fail("test", TD_ENOMEM, "cannot run the tests");
done:
    td_ruletest_free(t);
    td_ruletest_free_files(files, n_files);
    td_diag_delete(d);
    cli_opts_free(&o);
    return rc;
}
