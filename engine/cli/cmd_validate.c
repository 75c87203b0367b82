/* `thidua validate`: a unit secretary's check of a submission before sending it: every
 * finding with file:line:col, rule and clause, then a verdict per unit. No district targets.
 * Pipeline: argv -> td_program -> td_batch_run -> text or JSON report on stdout. */
#include "cli.h"
#include "commands.h"

static const char USAGE[] =
    N_("usage: thidua validate [-r RULES]... [-D name=value]... [--as-of YYYY-MM-DD]\n"
    "                       [-f text|json] [-q] [--fail-on error|warning]\n"
    "                       [--color=auto|always|never] UNIT.yaml...");

static const char HELP[] =
    N_("\n"
    "Checks each unit's data (its plan, evidence and exemplars) against the rules, and says\n"
    "whether it is ready to submit. Each problem is shown with its file, line and column,\n"
    "the rule and the clause of the plan that asks for it.\n"
    "\n"
    "options:\n"
    "  -r, --rules RULES        rule files to use (the first is the entry); without -r,\n"
    "                           the Châu Thành rules built into the program\n"
    "  -D, --define name=value  override a param of the rules\n"
    "  --as-of DATE             the date to judge deadlines and dates at (default: today)\n"
    "  -f, --format FORMAT      text (default) or json (the thidua-report/1 format)\n"
    "  -q, --quiet              text: the findings only, without the verdict lines\n"
    "  --fail-on SEVERITY       error (default) or warning: exit 1 on a warning too\n"
    "  --color[=WHEN]           colours: auto (default: on a terminal), always, never\n"
    "  --lang vi|en             the language of messages and reports\n"
    "  -h, --help               this help\n"
    "  -                        read a unit file from standard input\n"
    "\n"
    "District targets are not checked here (see thidua eval); the per-unit criteria are.\n"
    "Exit status: 0 ready (no error), 1 some error found (or, with --fail-on warning, a\n"
    "warning), 2 the check could not be made.\n");

int cmd_validate(int argc, char **argv)
{
    cli_opts o;
    int rc = cli_parse(argc, argv,
                       CLI_OPT_RULES | CLI_OPT_DEFINE | CLI_OPT_ASOF | CLI_OPT_FORMAT |
                           CLI_OPT_QUIET | CLI_OPT_FAILON | CLI_OPT_COLOR,
                       "validate", USAGE, HELP, &o);
    if (rc >= 0)
        return rc;
    td_report_opts ro = {.format = TD_REPORT_TEXT, .validate = true, .lang = o.lang};
    td_program *p = NULL;
    td_report *rep = NULL;
    td_batch *b = NULL;
    if (!o.n_args) {
        rc = cli_usage_error("validate", USAGE, "give the unit file(s) to check", NULL);
        goto done;
    }
    if (o.format && strcmp(o.format, "json") == 0) {
        ro.format = TD_REPORT_JSON;
    } else if (o.format && strcmp(o.format, "text") != 0) {
        rc = cli_usage_error("validate", USAGE, "-f takes text or json, not", o.format);
        goto done;
    }
    ro.color = ro.format == TD_REPORT_TEXT && cli_use_color(&o, stdout);
    ro.quiet = o.quiet;
    if ((rc = cli_require_units("validate", USAGE, &o)) >= 0 ||
        (rc = cli_program("validate", &o, &p)) >= 0)
        goto done;
    td_status st = td_report_open(p, o.as_of, &ro, stdout, &rep);
    if (st != TD_OK) {
        rc = cli_fail("validate", st, "cannot start the report");
        goto done;
    }
    td_batch_opts bo = {.as_of = o.as_of, .today = o.today, .jobs = 1, .lang = o.lang, .on_unit = td_report_unit,
                        .arg = rep, .ids_per_file = true};
    st = td_batch_run(p, o.args, o.n_args, &bo, &b);
    if (st == TD_OK)
        st = td_report_finish(rep, b);
    if (st == TD_EIO)
        rc = cli_fail("validate", st, "cannot write the report");
    else if (st != TD_OK)
        rc = cli_fail("validate", st, "cannot check the units");
    else
        rc = td_batch_failed(b, false) ||
                     (o.fail_on_warning && td_batch_count(b, TD_SEV_WARNING) > 0)
                 ? CLI_EXIT_FINDINGS
                 : CLI_EXIT_OK;
done:
    td_batch_free(b);
    td_report_free(rep);
    td_program_free(p);
    cli_opts_free(&o);
    return rc;
}
