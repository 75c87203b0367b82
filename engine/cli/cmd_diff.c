/* `thidua diff`: what a rule change does before a Ban Dân vận adopts it: what an overlay
 * changes against what it imports, and, given unit files, whose verdict flips.
 * Pipeline: argv -> two td_programs (-> two batches of the same paths) -> td_diff_*. */
#include "cli.h"
#include "commands.h"

static const char USAGE[] =
    N_("usage: thidua diff [-D name=value]... [--as-of YYYY-MM-DD] [-f text|json]\n"
    "                   OVERLAY.rules [PATH...]\n"
    "       thidua diff [-D name=value]... [--as-of YYYY-MM-DD] [-f text|json]\n"
    "                   OLD.rules NEW.rules [PATH...]");

static const char HELP[] =
    N_("\n"
    "Shows what a change of the rules does. With one rule file, an overlay, it is compared\n"
    "with the files it imports; with two, the second is compared with the first. First the\n"
    "declarations that change, one line each: params old -> new, criteria, workflows,\n"
    "targets and notes added, replaced (the old and new text side by side) or removed.\n"
    "\n"
    "Given unit files or folders (PATH), the batch is judged under both rule sets and the\n"
    "units whose verdict flips are listed, with the findings that appear (+) or disappear\n"
    "(-) and the target figures that change.\n"
    "\n"
    "options:\n"
    "  -D, --define name=value  override a param of both rule sets\n"
    "  --as-of DATE             the date to judge the units at (default: today)\n"
    "  -f, --format FORMAT      text (default) or json (thidua-diff/1: flips, units,\n"
    "                           targets, summary)\n"
    "  --color[=WHEN]           colours of diagnostics: auto (default: on a\n"
    "                           terminal), always, never\n"
    "  --lang vi|en             the language of messages and reports\n"
    "  -h, --help               this help\n"
    "\n"
    "Exit status: 0 whatever the comparison finds; 2 when it cannot be made (usage, rules\n"
    "that do not compile, unreadable files).\n");

static bool is_rules(const char *path)
{
    size_t n = strlen(path);
    return n > 6 && strcmp(path + n - 6, ".rules") == 0;
}

static int compile(const char *const *files, size_t n, const cli_opts *o, td_program **out)
{
    td_diag *d = td_diag_new();
    td_diag_set_lang(d, o->lang);
    if (!d)
        return cli_fail("diff", TD_ENOMEM, "cannot start");
    td_status st = td_program_compile(files, n, o->defines, o->n_defines, d, out);
    /* nothing asked for: the words of the comparison are in the language of the rules */
    if (o->lang == TD_LANG_AUTO && td_diag_lang(d) != TD_LANG_AUTO)
        cli_set_lang(td_diag_lang(d));
    td_diag_print(d, stderr, cli_use_color(o, stderr), 20, NULL, NULL);
    td_diag_delete(d);
    if (st == TD_OK)
        return -1;
    if (st == TD_EINPUT)
        fprintf(stderr, _("thidua diff: the rules in %s have errors; fix them (thidua check) "
                          "and run again\n"), files[0]);
    else
        cli_fail("diff", st, files[0]);
    return CLI_EXIT_FAIL;
}

static int judge(const td_program *p, const cli_opts *o, const char *const *paths, size_t n,
                 td_batch **out)
{
    td_batch_opts bo = {.as_of = o->as_of, .jobs = 1, .keep_units = true, .lang = cli_lang()};
    td_status st = td_batch_run(p, paths, n, &bo, out);
    return st == TD_OK ? -1 : cli_fail("diff", st, "cannot judge the units");
}

int cmd_diff(int argc, char **argv)
{
    cli_opts o;
    int rc = cli_parse(argc, argv, CLI_OPT_DEFINE | CLI_OPT_ASOF | CLI_OPT_FORMAT | CLI_OPT_COLOR,
                       "diff", USAGE, HELP, &o);
    if (rc >= 0)
        return rc;
    td_program *old = NULL, *new = NULL;
    td_batch *before = NULL, *after = NULL;
    char **imports = NULL;
    size_t n_imports = 0;
    bool json = o.format && strcmp(o.format, "json") == 0;
    if (o.format && !json && strcmp(o.format, "text") != 0) {
        rc = cli_usage_error("diff", USAGE, "-f takes text or json, not", o.format);
        goto done;
    }
    if (!o.n_args || !is_rules(o.args[0])) {
        rc = cli_usage_error("diff", USAGE, "give an overlay, or the old and the new rules "
                                            "(files ending in .rules)", NULL);
        goto done;
    }
    bool two = o.n_args > 1 && is_rules(o.args[1]);
    const char *const *paths = o.args + (two ? 2 : 1);
    size_t n_paths = o.n_args - (two ? 2 : 1);
    if (two) {
        if ((rc = compile(&o.args[0], 1, &o, &old)) >= 0)
            goto done;
    } else {
        td_diag *d = td_diag_new();
        td_diag_set_lang(d, o.lang);
        td_status st = d ? td_rules_imports(o.args[0], d, &imports, &n_imports) : TD_ENOMEM;
        if (d)
            td_diag_print(d, stderr, cli_use_color(&o, stderr), 20, NULL, NULL);
        td_diag_delete(d);
        if (st != TD_OK) {
            rc = st == TD_EINPUT ? CLI_EXIT_FAIL : cli_fail("diff", st, o.args[0]);
            goto done;
        }
        if (!n_imports) {
            fprintf(stderr, _("thidua diff: %s imports no rules, so it is not an overlay; give "
                              "the old and the new rules: thidua diff OLD.rules NEW.rules\n"),
                    o.args[0]);
            rc = CLI_EXIT_FAIL;
            goto done;
        }
        if ((rc = compile((const char *const *)imports, n_imports, &o, &old)) >= 0)
            goto done;
    }
    if ((rc = compile(&o.args[two ? 1 : 0], 1, &o, &new)) >= 0)
        goto done;
    size_t changes = 0;
    if (!json) {
        /* TRANSLATORS: the first line of `thidua diff`: the old rules, the new rules */
        printf(_("%s -> %s:\n"), two ? o.args[0] : imports[0], o.args[two ? 1 : 0]);
        td_status st = td_diff_rules(old, new, cli_lang(), stdout, &changes);
        if (st != TD_OK) {
            rc = cli_fail("diff", st, "cannot compare the rules");
            goto done;
        }
        if (!changes)
            puts(_("no declaration changes"));
    }
    if (n_paths) {
        if ((rc = judge(old, &o, paths, n_paths, &before)) >= 0 ||
            (rc = judge(new, &o, paths, n_paths, &after)) >= 0)
            goto done;
        size_t flips = 0;
        if (!json)
            putchar('\n');
        td_status st = td_diff_batches(old, new, before, after, cli_lang(), json, stdout,
                                         &flips);
        if (st != TD_OK) {
            rc = cli_fail("diff", st, "cannot write the comparison");
            goto done;
        }
    } else if (json) {
        rc = cli_usage_error("diff", USAGE, "-f json compares verdicts: give the unit files "
                                            "(PATH)", NULL);
        goto done;
    }
    rc = CLI_EXIT_OK;
done:
    for (size_t i = 0; i < n_imports; i++)
        free(imports[i]);
    free(imports);
    td_batch_free(before);
    td_batch_free(after);
    td_program_free(old);
    td_program_free(new);
    cli_opts_free(&o);
    return rc;
}
