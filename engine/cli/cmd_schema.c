/* `thidua schema`: the JSON Schema (draft 2020-12) of one unit's data, written from the
 * compiled rules, for editors that complete and check YAML as it is typed.
 * Pipeline: argv -> td_program -> td_contract_schema -> stdout or -o FILE. */
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "commands.h"
#include "outfile.h"
#include "thidua.h"

static const char USAGE[] =
    N_("usage: thidua schema [-r RULES]... [-D name=value]... [-o FILE] [--lang vi|en]");

static const char HELP[] =
    N_("\n"
    "Writes the JSON Schema (draft 2020-12) of a unit file as the rules declare it: every\n"
    "record and field with the rules' label as its title, the type, the allowed codes with\n"
    "their labels, and as `required` the fields that a rule requires unconditionally (a\n"
    "field required only in some cases, such as commune for a unit at level xa, is said in\n"
    "its description). Fields the schema does not know are allowed, as thidua only warns\n"
    "about them. An editor given the schema completes and checks the file as it is typed;\n"
    "with VS Code's YAML extension, put this line first in the unit file:\n"
    "\n"
    "  # yaml-language-server: $schema=thidua-unit.schema.json\n"
    "\n"
    "options:\n"
    "  -r, --rules RULES        rule files to use (default: the built-in Châu Thành rules)\n"
    "  -D, --define name=value  override a param of the rules\n"
    "  -o, --output FILE        write the schema to FILE (default: standard output)\n"
    "  --color[=WHEN]           colours of diagnostics: auto (default: on a\n"
    "                           terminal), always, never\n"
    "  --lang vi|en             the language of the descriptions\n"
    "  -h, --help               this help\n"
    "\n"
    "example:\n"
    "  thidua schema -o thidua-unit.schema.json\n"
    "\n"
    "Exit status: 0 written; 2 usage error, rules that do not compile, or a write that\n"
    "failed.\n");

int cmd_schema(int argc, char **argv)
{
    cli_opts o;
    td_program *p = NULL;
    cli_outfile of = {0};
    int rc = cli_parse(argc, argv, CLI_OPT_RULES | CLI_OPT_DEFINE | CLI_OPT_OUTPUT | CLI_OPT_COLOR,
                       "schema", USAGE, HELP, &o);
    if (rc >= 0)
        return rc;
    if (o.n_args) {
        rc = cli_usage_error("schema", USAGE, N_("schema takes no file name but -o FILE, not"),
                             o.args[0]);
        goto done;
    }
    if ((rc = cli_program("schema", &o, &p)) >= 0)
        goto done;
    FILE *out = stdout;
    if (o.output) {
        if ((rc = cli_out_open(&of, "schema", o.output)) >= 0)
            goto done;
        for (size_t i = 0; i < td_program_files(p); i++) {
            if (cli_out_is(&of, td_program_file(p, i))) {
                fprintf(stderr, _("thidua schema: -o %s names a rule file this run reads; "
                                  "give another file\n"), o.output);
                rc = CLI_EXIT_FAIL;
                goto done;
            }
        }
        out = of.f;
    }
    td_status st = td_contract_schema(p, cli_lang(), out);
    if (st == TD_OK && o.output && (rc = cli_out_commit(&of)) >= 0)
        goto done;
    rc = st == TD_OK ? CLI_EXIT_OK
                     : cli_fail("schema", st, o.output ? o.output : N_("cannot write the schema"));
done:
    cli_out_abort(&of);
    td_program_free(p);
    cli_opts_free(&o);
    return rc;
}
