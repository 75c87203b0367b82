/* `thidua template`: a commented blank unit file to fill in, written from the compiled
 * schema and rules, so that a secretary starts from the program alone.
 * Pipeline: argv -> td_program -> td_contract_template -> stdout or -o FILE. */
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "commands.h"
#include "outfile.h"
#include "thidua.h"

static const char USAGE[] =
    N_("usage: thidua template [-r RULES]... [-D name=value]... [--level CODE] [--kind CODE]\n"
    "                       [-o FILE] [--lang vi|en]");

static const char HELP[] =
    N_("\n"
    "Writes a blank unit file to fill in. Above each field, a comment gives its label and\n"
    "type, whether it is required and by which rule and clause (and when, if only in some\n"
    "cases), and the allowed codes with their labels; after each empty value, an example.\n"
    "Written as is, the file is not ready: thidua validate says what to fill in.\n"
    "\n"
    "options:\n"
    "  -r, --rules RULES        rule files to use (default: the built-in Châu Thành rules)\n"
    "  -D, --define name=value  override a param of the rules\n"
    "  --level CODE             the unit's level, written in (huyen, xa or ap in the\n"
    "                           shipped rules; thidua explain unit_info lists them)\n"
    "  --kind CODE              the unit's kind, written in (mttq, ctxh...)\n"
    "  -o, --output FILE        write the template to FILE (default: standard output)\n"
    "  --color[=WHEN]           colours of diagnostics: auto (default: on a\n"
    "                           terminal), always, never\n"
    "  --lang vi|en             the language of the comments (default: the rules',\n"
    "                           Vietnamese for the shipped rules)\n"
    "  -h, --help               this help\n"
    "\n"
    "example:\n"
    "  thidua template --level xa --kind ctxh -o ho-so.yaml\n"
    "\n"
    "Exit status: 0 written; 2 usage error (a code that does not exist included), rules\n"
    "that do not compile, or a write that failed.\n");

/* Takes --level and --kind out of argv (cli_parse does not know them) into set[]. */
static int take_sets(int *argc, char **argv, const char **set, size_t *n_set)
{
    static const char *const names[] = {"level", "kind"};
    int w = 1;
    for (int i = 1; i < *argc; i++) {
        if (strcmp(argv[i], "--") == 0) {
            while (i < *argc)
                argv[w++] = argv[i++];
            break;
        }
        bool taken = false;
        for (size_t k = 0; k < 2 && !taken; k++) {
            char opt[16];
            snprintf(opt, sizeof opt, "--%s", names[k]);
            bool missing = false;
            int j = i;
            const char *v = cli_value(*argc, argv, &j, NULL, opt, &missing);
            if (missing)
                return cli_usage_error("template", USAGE, N_("give a code after"), opt);
            if (!v)
                continue;
            if (*n_set >= 64)
                return cli_usage_error("template", USAGE, N_("too many options"), opt);
            size_t len = strlen(names[k]) + strlen(v) + 2;
            char *s = malloc(len);
            if (!s)
                return cli_fail("template", TD_ENOMEM, N_("cannot read the options"));
            snprintf(s, len, "%s=%s", names[k], v);
            set[(*n_set)++] = s;
            i = j;
            taken = true;
        }
        if (!taken)
            argv[w++] = argv[i];
    }
    *argc = w;
    argv[w] = NULL;
    return -1;
}

int cmd_template(int argc, char **argv)
{
    cli_opts o;
    td_program *p = NULL;
    cli_outfile of = {0};
    const char *set[64];
    size_t n_set = 0;
    char *problem = NULL;
    int rc = take_sets(&argc, argv, set, &n_set);
    if (rc >= 0)
        goto early;
    rc = cli_parse(argc, argv, CLI_OPT_RULES | CLI_OPT_DEFINE | CLI_OPT_OUTPUT | CLI_OPT_COLOR,
                   "template", USAGE, HELP, &o);
    if (rc >= 0)
        goto early;
    if (o.n_args) {
        rc = cli_usage_error("template", USAGE, N_("template takes no file name but -o FILE, not"),
                             o.args[0]);
        goto done;
    }
    if ((rc = cli_program("template", &o, &p)) >= 0)
        goto done;
    FILE *out = stdout;
    if (o.output) {
        if ((rc = cli_out_open(&of, "template", o.output)) >= 0)
            goto done;
        for (size_t i = 0; i < td_program_files(p); i++) {
            if (cli_out_is(&of, td_program_file(p, i))) {
                fprintf(stderr, _("thidua template: -o %s names a rule file this run reads; "
                                  "give another file\n"), o.output);
                rc = CLI_EXIT_FAIL;
                goto done;
            }
        }
        out = of.f;
    }
    td_template_opts to = {set, n_set, cli_lang()};
    td_status st = td_contract_template(p, &to, out, &problem);
    if (st == TD_EINPUT) {
        rc = cli_usage_error("template", USAGE, problem ? problem : N_("a wrong code"), NULL);
        goto done;
    }
    if (st == TD_OK && o.output && (rc = cli_out_commit(&of)) >= 0)
        goto done;
    rc = st == TD_OK ? CLI_EXIT_OK
                     : cli_fail("template", st, o.output ? o.output : N_("cannot write the template"));
done:
    cli_out_abort(&of);
    td_program_free(p);
    cli_opts_free(&o);
early:
    free(problem);
    for (size_t i = 0; i < n_set; i++)
        free((char *)set[i]);
    return rc;
}
