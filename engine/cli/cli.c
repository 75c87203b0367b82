/* Shared command-line helpers: option parsing, colour, today's date, exit statuses,
 * printing diagnostics and compiling the rules; the commands include cli.h. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include "thidua.h"

#include "cli.h"

/* The program's language (cli.h): written only by cli_parse and cli_program, on the main
 * thread before any other starts (serve's threads only read it). TD_LANG_AUTO until chosen. */
static td_lang cli_language = TD_LANG_AUTO;

/* The language the built-in rules declare, else English. */
static td_lang builtin_lang(void)
{
    td_program *p = NULL;
    td_lang l = td_program_builtin(NULL, 0, NULL, &p) == TD_OK ? td_program_lang(p)
                                                                : TD_LANG_AUTO;
    td_program_free(p);
    return l != TD_LANG_AUTO ? l : TD_LANG_EN;
}

td_lang cli_lang(void)
{
    /* nothing chosen and no rules read yet: the language of the built-in rules */
    if (cli_language == TD_LANG_AUTO)
        cli_language = builtin_lang();
    return cli_language;
}

void cli_set_lang(td_lang lang)
{
    cli_language = lang;
}

int32_t cli_today(void)
{
    /* THIDUA_TODAY fixes the day, so that tests never depend on the clock (cli_parse
     * refuses a value that is not a date) */
    int32_t fixed;
    const char *env = getenv("THIDUA_TODAY");
    if (env && *env && td_date_parse(env, &fixed))
        return fixed;
    /* the user's calendar day (in Vietnam, UTC+7: before 07:00 the UTC date is still
     * yesterday); the engine itself never reads the clock or the time zone */
    time_t t = time(NULL);
    struct tm local;
    if (localtime_r(&t, &local))
        return td_days_from_civil(local.tm_year + 1900, (uint32_t)local.tm_mon + 1,
                                  (uint32_t)local.tm_mday);
    return (int32_t)(t >= 0 ? t / 86400 : (t - 86399) / 86400);
}

bool cli_color(FILE *f)
{
    const char *nc = getenv("NO_COLOR"), *term = getenv("TERM");
    if (nc && *nc)
        return false;
    if (term && strcmp(term, "dumb") == 0)
        return false;
    return isatty(fileno(f)) == 1;
}

bool cli_use_color(const cli_opts *o, FILE *f)
{
    return o->color == CLI_COLOR_ALWAYS ? true : o->color == CLI_COLOR_NEVER ? false : cli_color(f);
}

int cli_exit_status(td_status st)
{
    return st == TD_OK ? CLI_EXIT_OK : st == TD_EINPUT ? CLI_EXIT_FINDINGS : CLI_EXIT_FAIL;
}

int cli_fail(const char *cmd, td_status st, const char *what)
{
    int err = errno;
    const char *why = st == TD_ENOMEM ? _("out of memory")
                      : st == TD_EIO  ? (err ? cli_strerror(err) : _("input/output error"))
                      : st == TD_EBUG ? _("internal error (please report it)")
                                      : _("failed");
    const char *todo = st == TD_ENOMEM                 ? _("; close other programs or split the batch")
                       : st == TD_EIO && err == ENOENT ? _("; check that the folder exists")
                       : st == TD_EIO && err == ENOTDIR ? _("; name a file, not a folder")
                       : st == TD_EIO && err == EACCES  ? _("; choose a place you may write to")
                       : st == TD_EIO && err == ENOSPC  ? _("; free some disk space")
                                                        : "";
    fprintf(stderr, "thidua %s: %s: %s%s\n", cmd, _(what), why, todo);
    return CLI_EXIT_FAIL;
}

const char *cli_strerror(int err)
{
    /* the main thread's: serve's request threads never call it */
    static char buf[256];
    return td_strerror(cli_lang(), err, buf, sizeof buf);
}

int cli_usage_error(const char *cmd, const char *usage, const char *msg, const char *arg)
{
    fprintf(stderr, "thidua %s: %s%s%s%s\n%s\n", cmd, _(msg), arg ? " '" : "", arg ? arg : "",
            arg ? "'" : "", _(usage));
    fprintf(stderr, _("Try 'thidua %s --help'.\n"), cmd);
    return CLI_EXIT_FAIL;
}

void cli_opts_free(cli_opts *o)
{
    free(o->rules);
    free(o->defines);
    free(o->args);
    memset(o, 0, sizeof *o);
}

const char *cli_value(int argc, char **argv, int *i, const char *shortopt, const char *longopt,
                      bool *missing)
{
    const char *a = argv[*i];
    size_t sl = shortopt ? strlen(shortopt) : 0, ll = longopt ? strlen(longopt) : 0;
    const char *v = NULL;
    bool match = false;
    if (shortopt && strncmp(a, shortopt, sl) == 0) {
        match = true;
        v = a[sl] ? a + sl : NULL;
    } else if (longopt && strncmp(a, longopt, ll) == 0 && (a[ll] == '\0' || a[ll] == '=')) {
        match = true;
        v = a[ll] == '=' ? a + ll + 1 : NULL;
    }
    if (!match)
        return NULL;
    if (!v) {
        if (*i + 1 >= argc) {
            *missing = true;
            return NULL;
        }
        v = argv[++*i];
    }
    return v;
}

int cli_parse(int argc, char **argv, unsigned accept, const char *cmd, const char *usage,
              const char *help, cli_opts *o)
{
    memset(o, 0, sizeof *o);
    o->jobs = 1;
    size_t cap = argc > 0 ? (size_t)argc : 1;
    o->rules = calloc(cap, sizeof *o->rules);
    o->defines = calloc(cap, sizeof *o->defines);
    o->args = calloc(cap, sizeof *o->args);
    if (!o->rules || !o->defines || !o->args) {
        cli_opts_free(o);
        return cli_fail(cmd, TD_ENOMEM, N_("cannot start"));
    }
    /* the language first, so that --help and the usage errors before --lang speak it */
    o->lang = td_lang_from_list(getenv("LANGUAGE"));
    const char *bad_lang = NULL;
    for (int i = 1; i < argc && strcmp(argv[i], "--") != 0; i++) {
        bool missing = false;
        const char *v = cli_value(argc, argv, &i, NULL, "--lang", &missing);
        if (v && (strcmp(v, "vi") == 0 || strcmp(v, "en") == 0))
            o->lang = td_lang_parse(v);
        else if (v)
            bad_lang = v;
    }
    cli_set_lang(o->lang);
    if (bad_lang) {
        const char *a = bad_lang;
        cli_opts_free(o);
        return cli_usage_error(cmd, usage, N_("--lang takes vi or en, not"), a);
    }
    bool options = true;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i], *v;
        bool missing = false;
        int rc = -1;
        if (!options || a[0] != '-' || strcmp(a, "-") == 0) {
            o->args[o->n_args++] = a;
            continue;
        }
        if (strcmp(a, "--") == 0) {
            options = false;
        } else if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
            printf("%s\n%s", _(usage), help ? _(help) : "");
            rc = CLI_EXIT_OK;
        } else if ((accept & CLI_OPT_RULES) &&
                   ((v = cli_value(argc, argv, &i, "-r", "--rules", &missing)) || missing)) {
            if (v)
                o->rules[o->n_rules++] = v;
        } else if ((accept & CLI_OPT_DEFINE) &&
                   ((v = cli_value(argc, argv, &i, "-D", "--define", &missing)) || missing)) {
            if (v && (!strchr(v, '=') || v[0] == '='))
                rc = cli_usage_error(cmd, usage, N_("-D takes name=value, not"), v);
            else if (v)
                o->defines[o->n_defines++] = v;
        } else if ((accept & CLI_OPT_ASOF) &&
                   ((v = cli_value(argc, argv, &i, NULL, "--as-of", &missing)) || missing)) {
            if (v && !td_date_parse(v, &o->as_of))
                rc = cli_usage_error(cmd, usage,
                                     N_("--as-of takes a real date written YYYY-MM-DD, not"), v);
            o->has_as_of = v != NULL;
        } else if ((accept & CLI_OPT_FORMAT) &&
                   ((v = cli_value(argc, argv, &i, "-f", "--format", &missing)) || missing)) {
            o->format = v;
        } else if ((accept & CLI_OPT_OUTPUT) &&
                   ((v = cli_value(argc, argv, &i, "-o", "--output", &missing)) || missing)) {
            if (v && !*v)
                rc = cli_usage_error(cmd, usage, N_("-o takes a file name"), NULL);
            o->output = v;
        } else if ((accept & CLI_OPT_JOBS) &&
                   ((v = cli_value(argc, argv, &i, "-j", "--jobs", &missing)) || missing)) {
            char *end = NULL;
            long n = v ? strtol(v, &end, 10) : 0;
            if (v && (end == v || *end || n < 1 || n > 256))
                rc = cli_usage_error(cmd, usage,
                                     N_("-j takes a number of threads from 1 to 256, not"), v);
            o->jobs = (unsigned)(n > 0 ? n : 1);
        } else if ((v = cli_value(argc, argv, &i, NULL, "--lang", &missing)) || missing) {
            /* read above */
        } else if ((accept & CLI_OPT_BOM) && strcmp(a, "--bom") == 0) {
            o->bom = true;
        } else if ((accept & CLI_OPT_COLOR) && strcmp(a, "--color") == 0) {
            o->color = CLI_COLOR_ALWAYS; /* as GNU tools read a bare --color */
        } else if ((accept & CLI_OPT_COLOR) && strncmp(a, "--color=", 8) == 0) {
            v = a + 8;
            if (strcmp(v, "auto") == 0)
                o->color = CLI_COLOR_AUTO;
            else if (strcmp(v, "always") == 0)
                o->color = CLI_COLOR_ALWAYS;
            else if (strcmp(v, "never") == 0)
                o->color = CLI_COLOR_NEVER;
            else
                rc = cli_usage_error(cmd, usage, N_("--color takes auto, always or never, not"), v);
        } else if ((accept & CLI_OPT_QUIET) &&
                   (strcmp(a, "-q") == 0 || strcmp(a, "--quiet") == 0)) {
            o->quiet = true;
        } else if ((accept & CLI_OPT_FAILON) &&
                   ((v = cli_value(argc, argv, &i, NULL, "--fail-on", &missing)) || missing)) {
            if (v && strcmp(v, "warning") == 0)
                o->fail_on_warning = true;
            else if (v && strcmp(v, "error") == 0)
                o->fail_on_warning = false;
            else if (v)
                rc = cli_usage_error(cmd, usage, N_("--fail-on takes error or warning, not"), v);
        } else if ((accept & CLI_OPT_CSV) &&
                   ((v = cli_value(argc, argv, &i, NULL, "--rows", &missing)) || missing)) {
            o->rows = v;
        } else if ((accept & CLI_OPT_CSV) &&
                   ((v = cli_value(argc, argv, &i, NULL, "--sep", &missing)) || missing)) {
            o->sep = v;
        } else if ((accept & CLI_OPT_UNIT) &&
                   ((v = cli_value(argc, argv, &i, NULL, "--unit", &missing)) || missing)) {
            o->unit = v;
        } else if ((accept & CLI_OPT_SERVE) &&
                   ((v = cli_value(argc, argv, &i, NULL, "--listen", &missing)) || missing)) {
            o->listen = v;
        } else if ((accept & CLI_OPT_SERVE) &&
                   ((v = cli_value(argc, argv, &i, NULL, "--timeout", &missing)) || missing)) {
            char *end = NULL;
            long n = v ? strtol(v, &end, 10) : 0;
            if (v && (end == v || *end || n < 1 || n > 3600))
                rc = cli_usage_error(cmd, usage,
                                     N_("--timeout takes a number of seconds from 1 to 3600, not"), v);
            o->timeout = (unsigned)(n > 0 ? n : 0);
        } else {
            rc = cli_usage_error(cmd, usage, N_("unknown option"), a);
        }
        if (rc < 0 && missing)
            rc = cli_usage_error(cmd, usage, N_("this option needs a value:"), a);
        if (rc >= 0) {
            cli_opts_free(o);
            return rc;
        }
    }
    const char *env = getenv("THIDUA_TODAY");
    int32_t fixed;
    if (env && *env && !td_date_parse(env, &fixed)) {
        cli_opts_free(o);
        return cli_usage_error(cmd, usage,
                               N_("the environment variable THIDUA_TODAY must be a date "
                                  "YYYY-MM-DD (or unset), found"),
                               env);
    }
    o->today = cli_today();
    if (!o->has_as_of)
        o->as_of = o->today;
    return -1;
}

void cli_print_diags(td_diag *d, FILE *out, bool color)
{
    td_diag_print(d, out, color, 20, NULL, NULL);
}

/* True when some diagnostic of d says that a rule file could not be read, or is no rule
 * file, or that a file it imports cannot be read: the language the rules declare may be in
 * what was not read (an overlay takes the language of the rules it imports). */
static bool unread(const td_diag *d)
{
    for (size_t i = 0; i < td_diag_size(d); i++) {
        td_diag_info info;
        td_diagnostic_info(td_diag_item(d, i), &info);
        if (strcmp(info.code, "io") == 0 || strcmp(info.code, "not-rules") == 0 ||
            strcmp(info.code, "import-missing") == 0)
            return true;
    }
    return false;
}

td_status cli_compile(const cli_opts *o, const char *const *rules, size_t n_rules, td_diag *d,
                      td_program **out)
{
    /* in the language asked for; else the compilation gives d the rules' own */
    td_diag_set_lang(d, o->lang);
    td_status st = n_rules ? td_program_compile(rules, n_rules, o->defines, o->n_defines, d, out)
                           : td_program_builtin(o->defines, o->n_defines, d, out);
    if (o->lang != TD_LANG_AUTO)
        return st;
    td_lang lang = td_diag_lang(d);
    if (lang == TD_LANG_AUTO && st != TD_OK && st != TD_ENOMEM && unread(d)) {
        /* no rule could be read, so none declared a language: as before any rule is read,
         * the built-in rules' (docs/i18n.md); the messages again, in it */
        lang = builtin_lang();
        td_program_free(*out);
        *out = NULL;
        td_diag_clear(d);
        td_diag_set_lang(d, lang);
        st = n_rules ? td_program_compile(rules, n_rules, o->defines, o->n_defines, d, out)
                     : td_program_builtin(o->defines, o->n_defines, d, out);
    }
    cli_set_lang(lang != TD_LANG_AUTO ? lang : TD_LANG_EN);
    return st;
}

int cli_program(const char *cmd, const cli_opts *o, td_program **out)
{
    td_diag *d = td_diag_new();
    if (!d)
        return cli_fail(cmd, TD_ENOMEM, N_("cannot compile the rules"));
    td_status st = cli_compile(o, (const char *const *)o->rules, o->n_rules, d, out);
    int saved = errno;
    cli_print_diags(d, stderr, cli_use_color(o, stderr));
    td_diag_delete(d);
    errno = saved;
    if (st == TD_OK)
        return -1;
    if (st == TD_EINPUT) {
        fprintf(stderr, _("thidua %s: the rules have errors; fix them (thidua check) and run again\n"),
                cmd);
        return CLI_EXIT_FAIL;
    }
    return cli_fail(cmd, st,
                    o->n_rules ? N_("cannot compile the rules")
                               : N_("cannot load the built-in rules"));
}

int cli_require_units(const char *cmd, const char *usage, const cli_opts *o)
{
    /* a path that names nothing is a mistake on the command line, not a unit's finding:
     * told before any report is written */
    for (size_t i = 0; i < o->n_args; i++) {
        struct stat st;
        if (strcmp(o->args[i], "-") == 0 || stat(o->args[i], &st) == 0)
            continue;
        int err = errno;
        fprintf(stderr, _("thidua %s: %s: %s; check the path: name a unit file or a folder\n"),
                cmd, o->args[i], cli_strerror(err));
        return CLI_EXIT_FAIL;
    }
    /* the batch walks the folders again: this only looks for one unit file */
    bool any = false;
    if (td_batch_any_files(o->args, o->n_args, &any) != TD_OK)
        return cli_fail(cmd, TD_ENOMEM, N_("cannot list the unit files"));
    if (any)
        return -1;
    return cli_usage_error(cmd, usage,
                           o->n_args > 1 ? N_("no unit file (*.yaml, *.yml) in any of the paths, "
                                              "the first being")
                                         : N_("no unit file (*.yaml, *.yml) found in"),
                           o->args[0]);
}
