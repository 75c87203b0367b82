/* `thidua fmt`: reprints rule files in the standard layout (docs/fmt.md), to standard
 * output, in place (-w) or only checking (--check). CLI layer over td_fmt; the layout
 * itself is engine/fmt.c. */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"
#include "commands.h"
#include "thidua.h"

static const char usage[] = N_("usage: thidua fmt [--check | -w] RULES...");

static const char help[] =
    N_("\n"
    "Reprints each rule file in the standard layout: clauses indented by 4 spaces in a\n"
    "fixed order, one declaration after another with blank lines between them, short\n"
    "clauses joined on one line up to 100 characters, expressions with only the\n"
    "parentheses they need. Every comment is kept. Only the syntax is read: names and\n"
    "imports are not checked (that is `thidua check`).\n"
    "\n"
    "Without options, the files are printed one after another on standard output\n"
    "(\"-\" reads standard input).\n"
    "\n"
    "options:\n"
    "  -w, --write      rewrite each file in place (only when its layout changes)\n"
    "  --check          print nothing; name on stderr every file that is not in the\n"
    "                   standard layout, and exit 1 if there is one\n"
    "  --color[=WHEN]   colours of syntax errors: auto (default: on a terminal),\n"
    "                   always, never\n"
    "  --lang vi|en     the language of messages and reports\n"
    "  -h, --help       this help\n"
    "\n"
    "A file with syntax errors is not reprinted: its errors are shown as `thidua check`\n"
    "shows them, and it is never rewritten.\n"
    "\n"
    "Exit status: 0 done (with --check: every file is in the standard layout); 1 a file\n"
    "has syntax errors (or, with --check, is not in the standard layout); 2 usage error,\n"
    "a file that cannot be read or written.\n");

/* Writes `text` over `path`: a new file in the same directory, then renamed over the old
 * one, so that the file is whole or untouched. The mode of the old file is kept; a
 * symbolic link is followed, not replaced. */
static bool write_over(const char *path, const char *text, size_t len)
{
    char *real = realpath(path, NULL);
    if (!real)
        return false;
    char *dircopy = strdup(real), *tmp = NULL;
    int fd = -1;
    bool ok = false;
    struct stat sb;
    if (!dircopy || stat(real, &sb) != 0)
        goto done;
    if (asprintf(&tmp, "%s/.thidua-fmt.XXXXXX", dirname(dircopy)) < 0) {
        tmp = NULL;
        goto done;
    }
    fd = mkstemp(tmp);
    if (fd < 0)
        goto done;
    if (fchmod(fd, sb.st_mode & 07777) != 0)
        goto fail;
    for (size_t done = 0; done < len;) {
        ssize_t w = write(fd, text + done, len - done);
        if (w < 0) {
            if (errno == EINTR)
                continue;
            goto fail;
        }
        done += (size_t)w;
    }
    if (fsync(fd) != 0)
        goto fail;
    if (close(fd) != 0) {
        fd = -1;
        goto fail;
    }
    fd = -1;
    if (rename(tmp, real) != 0)
        goto fail;
    ok = true;
    goto done;
fail: {
    int saved = errno;
    if (fd >= 0)
        close(fd);
    fd = -1;
    unlink(tmp);
    errno = saved;
}
done:
    if (fd >= 0)
        close(fd);
    free(tmp);
    free(dircopy);
    free(real);
    return ok;
}

int cmd_fmt(int argc, char **argv)
{
    bool check = false, write = false, options = true;
    cli_color_mode color_mode = CLI_COLOR_AUTO;
    const char **files = calloc(argc > 0 ? (size_t)argc : 1, sizeof *files);
    size_t n = 0;
    if (!files)
        return cli_fail("fmt", TD_ENOMEM, "cannot start");
    int rc = 0;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (!options || a[0] != '-' || strcmp(a, "-") == 0) {
            files[n++] = a;
        } else if (strcmp(a, "--") == 0) {
            options = false;
        } else if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
            printf("%s\n%s", _(usage), _(help));
            goto done;
        } else if (strcmp(a, "--check") == 0) {
            check = true;
        } else if (strcmp(a, "--color") == 0) {
            color_mode = CLI_COLOR_ALWAYS; /* as GNU tools read a bare --color */
        } else if (strncmp(a, "--color=", 8) == 0) {
            color_mode = strcmp(a + 8, "always") == 0 ? CLI_COLOR_ALWAYS
                         : strcmp(a + 8, "never") == 0 ? CLI_COLOR_NEVER
                         : strcmp(a + 8, "auto") == 0  ? CLI_COLOR_AUTO
                                                       : (cli_color_mode)-1;
            if ((int)color_mode < 0) {
                rc = cli_usage_error("fmt", usage, N_("--color takes auto, always or never, not"),
                                     a + 8);
                goto done;
            }
        } else if (strcmp(a, "-w") == 0 || strcmp(a, "--write") == 0) {
            write = true;
        } else if (strcmp(a, "--lang") == 0 && i + 1 < argc &&
                   td_lang_parse(argv[i + 1]) != TD_LANG_AUTO) {
            i++; /* chosen by main (cli_lang) */
        } else {
            rc = cli_usage_error("fmt", usage, "unknown option", a);
            goto done;
        }
    }
    if (check && write) {
        rc = cli_usage_error("fmt", usage, "--check and -w do not go together", NULL);
        goto done;
    }
    if (n == 0) {
        rc = cli_usage_error("fmt", usage, "no rule file given", NULL);
        goto done;
    }
    for (size_t i = 0; i < n; i++) {
        if (write && strcmp(files[i], "-") == 0) {
            rc = cli_usage_error("fmt", usage, "-w rewrites files; it cannot rewrite", "-");
            goto done;
        }
    }
    bool color = color_mode == CLI_COLOR_ALWAYS ? true
                 : color_mode == CLI_COLOR_NEVER ? false
                                                 : cli_color(stderr);
    for (size_t i = 0; i < n; i++) {
        int r = 0;
        td_source *src = NULL;
        td_status st = td_source_read(files[i], &src);
        if (st != TD_OK) {
            if (st == TD_ENOMEM) {
                rc = cli_fail("fmt", st, files[i]);
                break;
            }
            fprintf(stderr, _("error: cannot read rule file '%s': %s\n"), files[i],
                    errno == EINVAL ? _("not a regular file") : cli_strerror(errno));
            rc = 2;
            continue;
        }
        td_diag *d = td_diag_new();
        td_diag_set_lang(d, cli_lang());
        if (!d) {
            td_source_free(src);
            rc = cli_fail("fmt", TD_ENOMEM, files[i]);
            break;
        }
        char *text = NULL;
        size_t len = 0, src_len = 0;
        const char *src_text = td_source_text(src, &src_len);
        st = td_fmt(src, d, &text, &len);
        td_diag_print(d, stderr, color, 20, NULL, NULL);
        if (st == TD_EINPUT) {
            r = 1;
        } else if (st == TD_EBUG) {
            r = 2; /* the diagnostic says it; the file is left alone */
        } else if (st != TD_OK) {
            r = cli_fail("fmt", st, files[i]);
        } else if (check) {
            if (len != src_len || memcmp(text, src_text, len) != 0) {
                fprintf(stderr, _("%s: not in the standard layout (thidua fmt -w %s)\n"),
                        files[i], files[i]);
                r = 1;
            }
        } else if (write) {
            if ((len != src_len || memcmp(text, src_text, len) != 0) &&
                !write_over(files[i], text, len))
                r = cli_fail("fmt", TD_EIO, files[i]);
        } else if (fwrite(text, 1, len, stdout) != len || fflush(stdout) != 0) {
            r = cli_fail("fmt", TD_EIO, "standard output");
        }
        bool oom = st == TD_ENOMEM || td_diag_out_of_memory(d);
        free(text);
        td_diag_delete(d);
        td_source_free(src);
        if (r > rc)
            rc = r;
        if (oom)
            break;
    }
done:
    free(files);
    return rc;
}
