/* The thidua program: a table of subcommands and the loop that picks one.
 * The CLI is a thin client of the engine; each command lives in cmd_<name>.c. */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "commands.h"
#include "outfile.h"
#include "thidua.h"

typedef struct command {
    const char *name;
    int (*run)(int argc, char **argv);
    const char *summary;
} command;

static const command commands[] = {
    {"check", cmd_check, N_("check rule files and report their mistakes")},
    {"validate", cmd_validate, N_("check one unit's submission before it is sent")},
    {"eval", cmd_eval, N_("evaluate every unit of a district and report on the targets")},
    {"test", cmd_test, N_("run the rules' own test cases (*.test.yaml)")},
    {"explain", cmd_explain, N_("show how the rules account for each clause of the plan")},
    {"fmt", cmd_fmt, N_("reprint rule files in the standard layout")},
    {"template", cmd_template, N_("write a blank unit file to fill in, with every field explained")},
    {"schema", cmd_schema, N_("write the JSON Schema of a unit file, for editors")},
    {"diff", cmd_diff, N_("show what a rule change does: declarations and verdicts that change")},
    {"serve", cmd_serve, N_("serve the page on which units check their files in a browser")},
};
enum { N_COMMANDS = sizeof commands / sizeof commands[0] };

static void usage(FILE *out)
{
    fputs(_("usage: thidua COMMAND [OPTIONS] [ARGS...]\n"
            "\n"
            "Checks emulation plans (kế hoạch thi đua) against rule files.\n"
            "\n"
            "commands:\n"),
          out);
    for (size_t i = 0; i < N_COMMANDS; i++)
        fprintf(out, "  %-10s %s\n", commands[i].name, _(commands[i].summary));
    fputs(_("\n"
          "examples:\n"
          "  thidua check rules/ben-tre/chau-thanh.rules\n"
          "  thidua validate --as-of 2025-12-31 examples/submission/ready.yaml\n"
          "  thidua eval --as-of 2025-12-31 -f html -o report.html examples/chau-thanh/\n"
          "  thidua test rules/\n"
          "  thidua explain II.2.2\n"
          "\n"
          "  thidua help COMMAND     the options of one command (or thidua COMMAND --help)\n"
          "  thidua --version        the version\n"
          "\n"
          "  thidua COMMAND --lang vi|en   in Vietnamese or in English (default: the variable\n"
          "                                LANGUAGE, else the language the rules declare)\n"
          "\n"
          "Exit status: 0 nothing of severity error; 1 errors in the rules or the data;\n"
          "2 the tool could not do its job (usage, unreadable file, rules that do not compile).\n"),
          out);
}

static const command *find(const char *name)
{
    for (size_t i = 0; i < N_COMMANDS; i++)
        if (strcmp(commands[i].name, name) == 0)
            return &commands[i];
    return NULL;
}

static int unknown(const char *name)
{
    const char *names[N_COMMANDS];
    for (size_t i = 0; i < N_COMMANDS; i++)
        names[i] = commands[i].name;
    fprintf(stderr, _("thidua: unknown command '%s'\n"), name);
    const char *sug = td_suggest(name, names, N_COMMANDS);
    if (sug)
        fprintf(stderr, _("  did you mean 'thidua %s'?\n"), sug);
    fputs(_("  run 'thidua --help' for the list of commands\n"), stderr);
    return 2;
}

/* Flushes and closes standard output: a full disk or a pipe closed early (with SIGPIPE
 * ignored) must not pass for success with the output lost. Returns the exit status. */
static int finish_output(const char *name, int rc)
{
    errno = 0;
    bool failed = fflush(stdout) != 0 || ferror(stdout);
    int err = errno;
    /* a closed standard output that nothing was written to loses nothing */
    if (fclose(stdout) != 0 && !failed && errno != EBADF) {
        failed = true;
        err = errno;
    }
    if (!failed)
        return rc;
    if (rc != 2)
        fprintf(stderr, _("thidua%s%s: standard output: %s%s\n"), name ? " " : "", name ? name : "",
                err ? cli_strerror(err) : _("a write failed (a full disk, a closed pipe?)"),
                err == ENOSPC ? _("; free some disk space") : "");
    return 2;
}

/* The language of the messages before a command reads its options: --lang anywhere, else
 * LANGUAGE; otherwise cli_lang() falls back on the built-in rules' language. */
static void choose_lang(int argc, char **argv)
{
    td_lang lang = td_lang_from_list(getenv("LANGUAGE"));
    for (int i = 1; i + 1 < argc; i++)
        if (strcmp(argv[i], "--lang") == 0 && td_lang_parse(argv[i + 1]) != TD_LANG_AUTO)
            lang = td_lang_parse(argv[i + 1]);
    cli_set_lang(lang);
}

static int run(int argc, char **argv)
{
    choose_lang(argc, argv);
    if (argc < 2) {
        usage(stderr);
        return 2;
    }
    const char *name = argv[1];
    if (strcmp(name, "--help") == 0 || strcmp(name, "-h") == 0) {
        usage(stdout);
        return 0;
    }
    if (strcmp(name, "--version") == 0 || strcmp(name, "-V") == 0) {
        printf("thidua %s\n", TD_VERSION);
        return 0;
    }
    if (strcmp(name, "help") == 0) {
        if (argc < 3) {
            usage(stdout);
            return 0;
        }
        if (argc > 3) {
            fputs(_("thidua: usage: thidua help COMMAND\n"), stderr);
            return 2;
        }
        const command *c = find(argv[2]);
        if (!c)
            return unknown(argv[2]);
        char *help_argv[] = {(char *)c->name, (char *)"--help", NULL};
        return c->run(2, help_argv);
    }
    if (name[0] == '-') {
        fprintf(stderr, _("thidua: unknown option '%s' (options come after the command)\n"), name);
        fputs(_("  run 'thidua --help' for the list of commands\n"), stderr);
        return 2;
    }
    const command *c = find(name);
    if (!c)
        return unknown(name);
    return c->run(argc - 1, argv + 1);
}

int main(int argc, char **argv)
{
    /* stdout, when it is not a terminal (a file, a pipe), written in blocks of CLI_OUT_BLOCK
     * rather than of a page: a district's report is tens of megabytes, and each block is a
     * system call. The buffer lives as long as the process, which flushes stdout at its exit. */
    static char out_block[CLI_OUT_BLOCK];
    if (!isatty(STDOUT_FILENO))
        setvbuf(stdout, out_block, _IOFBF, sizeof out_block);
    const char *name = argc >= 2 && find(argv[1]) ? argv[1] : NULL;
    return finish_output(name, run(argc, argv));
}
