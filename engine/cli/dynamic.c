/* The program linked as a static PIE (the Makefile's LINK=static-pie: no dynamic loader, no
 * library mapped at start; docs/performance.md, lever 11) must not open libraries: a library
 * opened with dlopen brings its own C library, whose threads (libmicrohttpd's) know nothing
 * of this one's. The commands that open one (serve, eval -f xlsx) hand over to the same
 * program linked dynamically, which the build and `make install` put at a path relative to
 * this one (TD_TWIN_*: build/twin.h, from the Makefile). Used by cmd_serve.c and cmd_eval.c. */
#include <elf.h>
#include <limits.h>
#include <link.h>
#include <sys/auxv.h>

#include "cli.h"
#include "twin.h"

/* True when this program was started by the dynamic loader (its headers name one). */
static bool linked_dynamically(void)
{
    const ElfW(Phdr) *ph = (const ElfW(Phdr) *)getauxval(AT_PHDR);
    unsigned long n = getauxval(AT_PHNUM);
    for (unsigned long i = 0; ph && i < n; i++)
        if (ph[i].p_type == PT_INTERP)
            return true;
    return !ph; /* not known: assume it may open libraries, as before */
}

int cli_run_dynamic(const char *cmd, const char *lib, int argc, char **argv)
{
    if (linked_dynamically())
        return -1;
    /* the folder of this program: the dynamic one is at a path relative to it, in the
     * build tree or where `make install` put both */
    static const char *const rel[] = {TD_TWIN_BUILD, TD_TWIN_INSTALL};
    char self[PATH_MAX], path[PATH_MAX];
    int err = ENOENT;
    bool tried = false;
    ssize_t len = readlink("/proc/self/exe", self, sizeof self - 1);
    if (len <= 0) {
        err = len < 0 ? errno : ENOENT;
        len = 0;
    }
    char **args = calloc((size_t)argc + 2, sizeof *args);
    if (!args) {
        err = ENOMEM;
        len = 0;
    }
    self[len] = '\0';
    char *slash = strrchr(self, '/');
    if (slash)
        *slash = '\0';
    for (size_t i = 0; len > 0 && i < sizeof rel / sizeof rel[0]; i++) {
        if (snprintf(path, sizeof path, "%s/%s", self, rel[i]) >= (int)sizeof path ||
            access(path, X_OK) != 0)
            continue;
        args[0] = path;
        for (int a = 0; a < argc; a++)
            args[a + 1] = argv[a];
        fflush(NULL);
        execv(path, args);
        err = errno; /* it is there but did not start */
        tried = true;
        break;
    }
    free(args);
    /* name the one that failed, else where `make install` puts it */
    if (!tried && (len <= 0 || snprintf(path, sizeof path, "%s/%s", self, TD_TWIN_INSTALL) >=
                                   (int)sizeof path))
        snprintf(path, sizeof path, "%s", TD_TWIN_INSTALL);
    /* TRANSLATORS: thidua serve: cannot start /usr/libexec/thidua/thidua-dynamic, the copy of
     * the program that opens libmicrohttpd: No such file or directory; reinstall thidua */
    fprintf(stderr,
            _("thidua %s: cannot start %s, the copy of the program that opens %s: %s; reinstall "
              "thidua\n"),
            cmd, path, lib, cli_strerror(err));
    return CLI_EXIT_FAIL;
}
