/* `thidua eval`: the review of a whole district: every unit, the targets, the stage counts,
 * as text, JSON, CSV or HTML, on stdout or into a file written whole or not at all.
 * Pipeline: argv -> td_program -> td_batch_run (N threads) -> report -> stdout or -o FILE. */
#include "cli.h"
#include "commands.h"
#include "outfile.h"

static const char USAGE[] =
    N_("usage: thidua eval [-r RULES]... [-D name=value]... [--as-of YYYY-MM-DD] [-j N]\n"
    "                   [-f text|json|csv|html|xlsx] [-o FILE] [--bom] [-q]\n"
    "                   [--rows findings|units|targets] [--sep ,|;|tab]\n"
    "                   [--fail-on error|warning] [--color=auto|always|never] PATH...");

static const char HELP[] =
    N_("\n"
    "Evaluates every unit of a district at once: each unit's findings, the plan's targets\n"
    "over the whole batch (achieved, required, percent), and how many exemplars stand at\n"
    "each step. PATH is a unit file, a directory (searched for *.yaml and *.yml) or -.\n"
    "\n"
    "options:\n"
    "  -r, --rules RULES        rule files to use (the first is the entry); without -r,\n"
    "                           the Châu Thành rules built into the program\n"
    "  -D, --define name=value  override a param of the rules\n"
    "  --as-of DATE             the date to judge deadlines and targets at (default: today)\n"
    "  -j, --jobs N             evaluate on N threads (the output does not depend on N)\n"
    "  -f, --format FORMAT      text (default), json (thidua-report/1), csv (one row per\n"
    "                           finding), html (one self-contained page to open, print\n"
    "                           or send) or xlsx (an Excel workbook: summary, targets,\n"
    "                           units, findings; needs -o on a terminal)\n"
    "  -o, --output FILE        write the report to FILE (whole or not at all) instead of\n"
    "                           stdout\n"
    "  --bom                    csv: start with a UTF-8 byte-order mark, for Excel\n"
    "  --rows WHAT              csv: one row per finding (default), per unit, or per\n"
    "                           target with its pace\n"
    "  --sep SEP                csv: the field separator: , (default), ; (Excel set to a\n"
    "                           Vietnamese list separator; decimals then take a comma)\n"
    "                           or tab\n"
    "  -q, --quiet              no progress line; text: the findings only, without the\n"
    "                           summary, the targets and the tables\n"
    "  --fail-on SEVERITY       error (default) or warning: exit 1 on a warning too\n"
    "  --color[=WHEN]           colours: auto (default: on a terminal), always, never\n"
    "  --lang vi|en             the language of messages and reports\n"
    "  -h, --help               this help\n"
    "\n"
    "Exit status: 0 no error; 1 an error finding, or a target not met by its due date (or,\n"
    "with --fail-on warning, a warning); 2 the evaluation could not be made (usage, rules,\n"
    "an output that cannot be written).\n");

/* The file of the run that -o would write over (a unit file, or a rule file: the entry,
 * an overlay or an import), and which of the two; NULL when there is none. Compared by
 * device and inode, so that no other name of an input (a link, "./x") gets through. */
static const char *input_named(const cli_outfile *of, const td_program *p, const td_batch *b,
                               const cli_opts *o, const char **kind)
{
    *kind = "rule";
    for (size_t i = 0; i < o->n_rules; i++)
        if (cli_out_is(of, o->rules[i]))
            return o->rules[i];
    for (size_t i = 0; p && i < td_program_files(p); i++)
        if (cli_out_is(of, td_program_file(p, i)))
            return td_program_file(p, i);
    *kind = "unit";
    for (size_t i = 0; b && i < td_batch_files(b); i++)
        if (strcmp(td_batch_file(b, i), "-") != 0 && cli_out_is(of, td_batch_file(b, i)))
            return td_batch_file(b, i);
    return NULL;
}

static int refuse_input(const char *output, const char *kind, const char *input)
{
    if (strcmp(kind, "rule") == 0)
        fprintf(stderr,
                _("thidua eval: -o %s would write over the rule file %s, which this run reads; "
                  "inputs are never overwritten: choose another file\n"),
                output, input);
    else
        fprintf(stderr,
                _("thidua eval: -o %s would write over the unit file %s, which this run reads; "
                  "inputs are never overwritten: choose another file\n"),
                output, input);
    return CLI_EXIT_FAIL;
}

/* The progress line: on a terminal, once the batch has run for a second. */
typedef struct progress {
    struct timespec start, last;
    bool shown;
} progress;

static double since(const struct timespec *a, const struct timespec *b)
{
    return (double)(b->tv_sec - a->tv_sec) + (double)(b->tv_nsec - a->tv_nsec) / 1e9;
}

static void on_progress(void *arg, size_t done, size_t n, size_t units)
{
    progress *pr = arg;
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    if (since(&pr->start, &now) < 1.0 || (pr->shown && since(&pr->last, &now) < 0.1 && done < n))
        return;
    pr->last = now;
    pr->shown = true;
    /* TRANSLATORS: a progress line, rewritten in place: "thidua eval: 120/2000 files, 130 units" */
    fputc('\r', stderr);
    fprintf(stderr, _("thidua eval: %zu/%zu files, %zu units"), done, n, units);
    fputs("\033[K", stderr);
}

static bool parse_format(const char *f, td_report_format *out)
{
    static const struct { const char *name; td_report_format f; } formats[] = {
        {"text", TD_REPORT_TEXT}, {"json", TD_REPORT_JSON},
        {"csv", TD_REPORT_CSV},   {"html", TD_REPORT_HTML}, {"xlsx", TD_REPORT_XLSX},
    };
    for (size_t i = 0; i < sizeof formats / sizeof formats[0]; i++)
        if (strcmp(f, formats[i].name) == 0) {
            *out = formats[i].f;
            return true;
        }
    return false;
}

static bool parse_rows(const char *s, td_csv_rows *out)
{
    static const struct {
        const char *name;
        td_csv_rows rows;
    } rows[] = {{"findings", TD_CSV_FINDINGS}, {"units", TD_CSV_UNITS}, {"targets", TD_CSV_TARGETS}};
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++)
        if (strcmp(s, rows[i].name) == 0) {
            *out = rows[i].rows;
            return true;
        }
    return false;
}

static bool parse_sep(const char *s, char *out)
{
    if (strcmp(s, ",") == 0 || strcmp(s, ";") == 0 || strcmp(s, "\t") == 0)
        *out = s[0];
    else if (strcmp(s, "tab") == 0)
        *out = '\t';
    else
        return false;
    return true;
}

int cmd_eval(int argc, char **argv)
{
    cli_opts o;
    int rc = cli_parse(argc, argv,
                       CLI_OPT_RULES | CLI_OPT_DEFINE | CLI_OPT_ASOF | CLI_OPT_FORMAT |
                           CLI_OPT_OUTPUT | CLI_OPT_JOBS | CLI_OPT_BOM | CLI_OPT_QUIET |
                           CLI_OPT_FAILON | CLI_OPT_COLOR | CLI_OPT_CSV,
                       "eval", USAGE, HELP, &o);
    if (rc >= 0)
        return rc;
    td_report_opts ro = {.format = TD_REPORT_TEXT, .lang = o.lang};
    td_program *p = NULL;
    td_report *rep = NULL;
    td_batch *b = NULL;
    cli_outfile of = {0};
    if (!o.n_args) {
        rc = cli_usage_error("eval", USAGE, "give the unit files or directories to evaluate",
                             NULL);
        goto done;
    }
    if (o.format && !parse_format(o.format, &ro.format)) {
        rc = cli_usage_error("eval", USAGE, "-f takes text, json, csv, html or xlsx, not",
                             o.format);
        goto done;
    }
    if ((o.rows || o.sep) && ro.format != TD_REPORT_CSV) {
        rc = cli_usage_error("eval", USAGE, N_("--rows and --sep are for -f csv"), NULL);
        goto done;
    }
    if (o.rows && !parse_rows(o.rows, &ro.csv_rows)) {
        rc = cli_usage_error("eval", USAGE, N_("--rows takes findings, units or targets, not"),
                             o.rows);
        goto done;
    }
    if (o.sep && !parse_sep(o.sep, &ro.csv_sep)) {
        rc = cli_usage_error("eval", USAGE, N_("--sep takes , or ; or tab, not"), o.sep);
        goto done;
    }
    if (ro.format == TD_REPORT_XLSX && !o.output && isatty(STDOUT_FILENO) == 1) {
        rc = cli_usage_error("eval", USAGE, "a workbook is not for a terminal: give -o FILE.xlsx",
                             NULL);
        goto done;
    }
    /* the workbook is written by libxlsxwriter, opened at run time, which a program linked
     * statically must not do */
    if (ro.format == TD_REPORT_XLSX && (rc = cli_run_dynamic("eval", "libxlsxwriter", argc, argv)) >= 0)
        goto done;
    ro.bom = o.bom;
    ro.color = ro.format == TD_REPORT_TEXT &&
               (o.color == CLI_COLOR_ALWAYS || (!o.output && cli_use_color(&o, stdout)));
    ro.quiet = o.quiet;
    if ((rc = cli_require_units("eval", USAGE, &o)) >= 0 ||
        (rc = cli_program("eval", &o, &p)) >= 0)
        goto done;
    FILE *out = stdout;
    const char *kind, *input;
    if (o.output) {
        if ((rc = cli_out_open(&of, "eval", o.output)) >= 0)
            goto done;
        if ((input = input_named(&of, p, NULL, &o, &kind))) {
            rc = refuse_input(o.output, kind, input);
            goto done;
        }
        out = of.f;
    }
    td_status st = td_report_open(p, o.as_of, &ro, out, &rep);
    if (st != TD_OK) {
        rc = cli_fail("eval", st, "cannot start the report");
        goto done;
    }
    progress pr = {0};
    clock_gettime(CLOCK_MONOTONIC, &pr.start);
    td_batch_opts bo = {.as_of = o.as_of, .today = o.today, .history = true, .jobs = o.jobs, .lang = o.lang,
                        .on_unit = td_report_unit, .arg = rep, .fork_unit = td_report_fork,
                        .take_unit = td_report_take, .drop_unit = td_report_drop};
    if (!o.quiet && isatty(STDERR_FILENO) == 1) {
        bo.on_progress = on_progress;
        bo.progress_arg = &pr;
    }
    st = td_batch_run(p, o.args, o.n_args, &bo, &b);
    if (pr.shown)
        fputs("\r\033[K", stderr);
    if (st == TD_OK)
        st = td_report_finish(rep, b);
    /* waivers that did nothing (Decision 11): said on stderr, as the rules' warnings are */
    size_t waiver_warnings = 0;
    td_diag *wd = st == TD_OK ? td_diag_new() : NULL;
    if (wd)
        td_diag_set_lang(wd, cli_lang());
    if (wd && td_batch_waiver_warnings(b, wd) == TD_OK) {
        waiver_warnings = td_diag_size(wd);
        if (!o.quiet)
            td_diag_print(wd, stderr, cli_use_color(&o, stderr), 0, NULL, NULL);
    }
    td_diag_delete(wd);
    if (st == TD_OK && o.output && (input = input_named(&of, p, b, &o, &kind))) {
        rc = refuse_input(o.output, kind, input);
        goto done;
    }
    if (st == TD_OK && o.output && (rc = cli_out_commit(&of)) >= 0)
        goto done;
    if (st == TD_EIO)
        rc = cli_fail("eval", st, o.output ? o.output : "cannot write the report");
    else if (st != TD_OK)
        rc = cli_fail("eval", st, "cannot evaluate the units");
    else
        rc = td_batch_failed(b, true) ||
                     (o.fail_on_warning &&
                      td_batch_count(b, TD_SEV_WARNING) + waiver_warnings > 0)
                 ? CLI_EXIT_FINDINGS
                 : CLI_EXIT_OK;
done:
    cli_out_abort(&of);
    td_batch_free(b);
    td_report_free(rep);
    td_program_free(p);
    cli_opts_free(&o);
    return rc;
}
