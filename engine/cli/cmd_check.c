/* `thidua check`: compiles rule files and prints their diagnostics with carets, then one
 * summary line per file. CLI layer over td_program_compile; no rule logic here. */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "commands.h"
#include "thidua.h"

enum { MAX_ERRORS_PER_FILE = 20 };

static const char usage[] =
    N_("usage: thidua check [-D name=value]... [--color=auto|always|never] RULES...");

static const char help[] =
    N_("\n"
    "Compiles each rule file given, with the files it imports, and prints every\n"
    "mistake found as FILE:LINE:COL with the source line and a caret, at most 20\n"
    "errors per file. Each file given is checked on its own, as the entry file of\n"
    "its rules (as `-r FILE` would use it), then one line sums it up:\n"
    "\n"
    "  rules/ben-tre/chau-thanh.rules: ok (N criteria, N targets, N workflows, N notes)\n"
    "  rules/mine.rules: 2 errors, 1 warning\n"
    "\n"
    "A mistake in a file imported by several of the files given is shown once.\n"
    "\n"
    "options:\n"
    "  -D, --define name=value   override a param, as an overlay's `set` would\n"
    "                            (repeatable; applied after the overlays)\n"
    "  --color[=WHEN]            colours: auto (default: on a terminal), always, never\n"
    "  --lang vi|en              the language of messages and reports\n"
    "  -h, --help                this help\n"
    "\n"
    "Exit status: 0 every file compiles (warnings allowed); 1 some file has errors;\n"
    "2 usage error (a -D that names no param or has a bad value included), or a file\n"
    "that cannot be read.\n");

/* The diagnostics already printed, so that a mistake in a file imported by several of
 * the files given is reported once. */
typedef struct seen {
    char **keys;
    size_t n, cap;
} seen;

static bool seen_before(seen *s, const td_diagnostic *entry)
{
    char *key = NULL;
    td_diag_info e;
    td_diagnostic_info(entry, &e);
    if (asprintf(&key, "%s:%u:%u:%d:%s", e.file ? e.file : "", e.line, e.col, (int)e.severity,
                 e.message) < 0)
        return false;
    for (size_t i = 0; i < s->n; i++) {
        if (strcmp(s->keys[i], key) == 0) {
            free(key);
            return true;
        }
    }
    if (s->n == s->cap) {
        size_t cap = s->cap ? s->cap * 2 : 32;
        char **grown = realloc(s->keys, cap * sizeof *grown);
        if (!grown) {
            free(key);
            return false;
        }
        s->keys = grown;
        s->cap = cap;
    }
    s->keys[s->n++] = key;
    return false;
}

static void seen_free(seen *s)
{
    for (size_t i = 0; i < s->n; i++)
        free(s->keys[i]);
    free(s->keys);
}

static bool skip_seen(void *arg, const td_diagnostic *e)
{
    return seen_before(arg, e);
}

/* Prints the sorted diagnostics, at most MAX_ERRORS_PER_FILE errors for each file; a
 * mistake in a file imported by several of the files given is shown once. */
static void render(td_diag *d, seen *s, bool color)
{
    td_diag_print(d, stderr, color, MAX_ERRORS_PER_FILE, skip_seen, s);
}

/* Errors of -D (a param that does not exist, a bad value) are usage errors (exit 2), not
 * mistakes in the rules: they have no file. */
static size_t define_errors(const td_diag *d)
{
    size_t n = 0;
    for (size_t i = 0; i < td_diag_size(d); i++) {
        td_diag_info e;
        td_diagnostic_info(td_diag_item(d, i), &e);
        n += !e.file && e.severity == TD_SEV_ERROR && e.code && strcmp(e.code, "define") == 0;
    }
    return n;
}

static void summary(const char *file, const td_program *prog, const td_diag *d)
{
    size_t warnings = td_diag_count(d, TD_SEV_WARNING);
    if (!prog) {
        size_t errors = td_diag_count(d, TD_SEV_ERROR) - define_errors(d);
        if (!errors)
            return; /* only -D is wrong: the usage error says it all */
        printf("%s: ", file);
        printf(P_("%zu error", "%zu errors", errors), errors);
        if (warnings)
            printf(P_(", %zu warning", ", %zu warnings", warnings), warnings);
        putchar('\n');
        return;
    }
    td_program_summary p;
    td_program_counts(prog, &p);
    /* TRANSLATORS: "FILE: ok (30 criteria, 9 targets, 1 workflow, 16 notes)" */
    printf("%s: %s", file, _("ok"));
    if (warnings)
        printf(P_(" with %zu warning", " with %zu warnings", warnings), warnings);
    printf(" (");
    printf(P_("%u criterion", "%u criteria", p.criteria), p.criteria);
    printf(P_(", %u target", ", %u targets", p.targets), p.targets);
    printf(P_(", %u workflow", ", %u workflows", p.workflows), p.workflows);
    printf(P_(", %u note", ", %u notes", p.notes), p.notes);
    if (p.disabled)
        printf(_(", %u disabled"), p.disabled);
    puts(")");
}

int cmd_check(int argc, char **argv)
{
    cli_opts o;
    int rc = cli_parse(argc, argv, CLI_OPT_DEFINE | CLI_OPT_COLOR, "check", usage, help, &o);
    if (rc >= 0)
        return rc;
    seen s = {0};
    if (o.n_args == 0) {
        rc = cli_usage_error("check", usage, "no rule file given", NULL);
        goto done;
    }
    rc = 0;
    bool color = cli_use_color(&o, stderr);
    for (size_t i = 0; i < o.n_args; i++) {
        td_diag *d = td_diag_new();
        if (!d) {
            rc = cli_fail("check", TD_ENOMEM, o.args[i]);
            break;
        }
        td_program *p = NULL;
        td_status st = cli_compile(&o, (const char *const *)&o.args[i], 1, d, &p);
        render(d, &s, color);
        if (st == TD_ENOMEM || td_diag_out_of_memory(d)) {
            rc = cli_fail("check", TD_ENOMEM, o.args[i]);
        } else if (st == TD_EIO) {
            rc = 2; /* the diagnostic names the file and the reason */
        } else if (st == TD_OK || st == TD_EINPUT) {
            summary(o.args[i], p, d);
            int r = st == TD_OK ? 0 : define_errors(d) ? 2 : 1;
            if (r > rc)
                rc = r;
        } else {
            rc = cli_fail("check", st, o.args[i]);
        }
        bool lost = fflush(stdout) != 0;
        if (lost)
            rc = cli_fail("check", TD_EIO, "standard output");
        bool oom = st == TD_ENOMEM || td_diag_out_of_memory(d);
        td_program_free(p);
        td_diag_delete(d);
        if (oom || lost)
            break;
    }
done:
    seen_free(&s);
    cli_opts_free(&o);
    return rc;
}
