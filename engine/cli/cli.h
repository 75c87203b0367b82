/* Helpers shared by the subcommands of the thidua program: options (-r -D --as-of -f -o -j
 * --bom), colour, today's date, exit statuses, printing diagnostics, compiling the rules.
 * Pipeline: argv -> these helpers -> the td_* API -> an exit status (0, 1 or 2). */
#ifndef TD_CLI_H
#define TD_CLI_H

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "thidua.h"

/* ---- the language of what the program writes (docs/i18n.md) ----
 * --lang, else LANGUAGE, else the language the rules declare (the built-in rules until the
 * rules are compiled), else English. Chosen by cli_parse and cli_program, on the main thread
 * before any other starts; read only afterwards. */
td_lang cli_lang(void);
void cli_set_lang(td_lang lang);
/* Marks a string for xgettext; it is translated where it is printed, with _(). */
#define N_(s) s
/* The translation of a marked string in the program's language. */
#define _(s) td_gettext(cli_lang(), (s))
/* The same with a number: the form for n. */
#define P_(s, p, n) td_ngettext(cli_lang(), (s), (p), (n))

/* Exit statuses (DESIGN.md): nothing of severity error; some error finding; the tool could
 * not do its job (usage, rules that do not compile, an I/O failure on an output). */
enum { CLI_EXIT_OK = 0, CLI_EXIT_FINDINGS = 1, CLI_EXIT_FAIL = 2 };

/* The options a subcommand accepts, for cli_parse. */
enum {
    CLI_OPT_RULES = 1u << 0,  /* -r FILE, --rules FILE (repeatable) */
    CLI_OPT_DEFINE = 1u << 1, /* -D name=value, --define name=value (repeatable) */
    CLI_OPT_ASOF = 1u << 2,   /* --as-of YYYY-MM-DD */
    CLI_OPT_FORMAT = 1u << 3, /* -f FORMAT, --format FORMAT */
    CLI_OPT_OUTPUT = 1u << 4, /* -o FILE, --output FILE */
    CLI_OPT_JOBS = 1u << 5,   /* -j N, --jobs N (1 to 256) */
    CLI_OPT_BOM = 1u << 6,    /* --bom */
    CLI_OPT_SERVE = 1u << 7,  /* --listen ADDR:PORT, --timeout SECONDS (serve) */
    CLI_OPT_COLOR = 1u << 8,  /* --color=auto|always|never */
    CLI_OPT_QUIET = 1u << 9,  /* -q, --quiet */
    CLI_OPT_FAILON = 1u << 10, /* --fail-on error|warning */
    CLI_OPT_UNIT = 1u << 11,   /* --unit FILE (explain) */
    CLI_OPT_CSV = 1u << 12     /* --rows findings|units|targets, --sep C (eval -f csv) */
};

/* --color: whether diagnostics and reports use ANSI colours. */
typedef enum cli_color_mode { CLI_COLOR_AUTO, CLI_COLOR_ALWAYS, CLI_COLOR_NEVER } cli_color_mode;

typedef struct cli_opts {
    const char **rules; /* owned array; strings borrowed from argv */
    size_t n_rules;
    const char **defines; /* owned array; "name=value" strings borrowed from argv */
    size_t n_defines;
    bool has_as_of;
    int32_t as_of;      /* days since 1970-01-01; today unless --as-of */
    int32_t today;      /* the user's calendar day, or THIDUA_TODAY when set */
    const char *format; /* NULL when not given */
    const char *output; /* NULL when not given */
    unsigned jobs;      /* 1 unless -j */
    bool bom;
    const char *listen; /* NULL when not given */
    unsigned timeout;   /* seconds; 0 when not given */
    cli_color_mode color; /* auto unless --color */
    bool quiet;           /* -q: findings only, no progress or summary */
    bool fail_on_warning; /* --fail-on warning: exit 1 on a warning too */
    const char *unit;     /* --unit FILE, or NULL */
    td_lang lang;         /* --lang, else LANGUAGE; TD_LANG_AUTO: the rules' language */
    const char *rows;     /* --rows WHAT, or NULL */
    const char *sep;      /* --sep C, or NULL */
    const char **args; /* owned array: positional arguments ("-" included) */
    size_t n_args;
} cli_opts;

/* Today's date in the local time zone (TZ), as days since 1970-01-01; the environment
 * variable THIDUA_TODAY (YYYY-MM-DD) fixes it, for tests. */
int32_t cli_today(void);

/* Colour on `f` only on a terminal, and never when NO_COLOR is set to a non-empty value
 * (no-color.org) or TERM is "dumb". */
bool cli_color(FILE *f);

/* Colour on `f` as --color asks: always, never, or (auto) as cli_color decides. */
bool cli_use_color(const cli_opts *o, FILE *f);

/* The exit status for a td_status: 0 ok, 1 the input has errors, 2 the tool failed. */
int cli_exit_status(td_status st);

/* Tells on stderr why the tool could not do its job ("thidua eval: cannot write
 * report.html: No space left on device"); returns CLI_EXIT_FAIL. */
int cli_fail(const char *cmd, td_status st, const char *what);

/* strerror for the errors a user meets, in the program's language. */
const char *cli_strerror(int err);

/* Prints a usage error and the hint to --help; returns CLI_EXIT_FAIL. `msg` (marked with N_)
 * and `usage` are translated here. */
int cli_usage_error(const char *cmd, const char *usage, const char *msg, const char *arg);

void cli_opts_free(cli_opts *o);

/* -1 when the positional arguments name at least one unit file; otherwise tells so (a
 * usage error: an empty or wrong folder) and returns CLI_EXIT_FAIL, before any output. */
int cli_require_units(const char *cmd, const char *usage, const cli_opts *o);

/* The value of option `name` at argv[*i]: "-rVALUE", "--rules=VALUE", or the next argument.
 * NULL when this argument is not that option; *missing set when its value is missing. */
const char *cli_value(int argc, char **argv, int *i, const char *shortopt, const char *longopt,
                      bool *missing);

/* Parses the arguments of a subcommand: argv[0] is its name, options and positional
 * arguments may be mixed, "--" ends the options, "-" is positional (standard input).
 * `accept` is a set of CLI_OPT_*. Returns -1 to go on; otherwise the exit status to return
 * at once: 0 after --help (the usage and `help` printed on stdout), 2 after a usage error
 * (told on stderr). On -1 the caller frees `o` with cli_opts_free. */
int cli_parse(int argc, char **argv, unsigned accept, const char *cmd, const char *usage,
              const char *help, cli_opts *o);

/* For a command that opens library `lib` at run time (serve, eval -f xlsx): -1 when this program
 * was linked dynamically and may go on; otherwise it runs the same command line with the
 * program linked dynamically (engine/cli/dynamic.c) and does not return, or says why it
 * cannot and returns CLI_EXIT_FAIL. argv[0] is the command's name, as the commands get it. */
int cli_run_dynamic(const char *cmd, const char *lib, int argc, char **argv);

/* Prints diagnostics sorted by file and line, at most 20 errors per file. */
void cli_print_diags(td_diag *d, FILE *out, bool color);

/* Compiles the rules of -r (or the built-in Châu Thành rules without -r) with the -D
 * overrides, printing their diagnostics on stderr. Returns -1 with *out set, or the exit
 * status 2 (rules that do not compile are the tool failing to do its job here). */
int cli_program(const char *cmd, const cli_opts *o, td_program **out);
/* Compiles `rules` (n_rules files; none: the built-in rules) with o's -D into *out, the
 * diagnostics into d in o's language, else the language the rules declare, else, when no
 * rule could be read at all, the built-in rules' (else English), which becomes the
 * program's language (cli_lang). The status of td_program_compile; errno as it left it. */
td_status cli_compile(const cli_opts *o, const char *const *rules, size_t n_rules, td_diag *d,
                      td_program **out);

#endif
