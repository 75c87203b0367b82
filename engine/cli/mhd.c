/* libmicrohttpd opened at run time (mhd.h): the program does not link it, so that only
 * `thidua serve` pays for loading it. Pipeline: serve only. */
#include <dlfcn.h>
#include <stdio.h>
#include <string.h>

#include "mhd.h"

/* The name the library is installed under: its soname first (what the headers we were built
 * with describe), the development link as a fallback. */
static const char *const NAMES[] = {"libmicrohttpd.so.12", "libmicrohttpd.so"};

static void say_why(char *why, size_t cap)
{
    const char *e = dlerror();
    snprintf(why, cap, "%s", e ? e : "?");
}

static bool find(void *h, const char *name, void *fn, size_t size, char *why, size_t cap)
{
    void *sym = dlsym(h, name);
    if (!sym) {
        say_why(why, cap);
        return false;
    }
    /* a function pointer is stored through its bytes: ISO C has no cast from void * */
    memcpy(fn, &sym, size);
    return true;
}

#define FIND(f) find(l->handle, "MHD_" #f, &l->f, sizeof l->f, why, cap)

bool mhd_open(mhd_lib *l, char *why, size_t cap)
{
    memset(l, 0, sizeof *l);
    why[0] = '\0';
    for (size_t i = 0; i < sizeof NAMES / sizeof NAMES[0] && !l->handle; i++)
        l->handle = dlopen(NAMES[i], RTLD_NOW | RTLD_LOCAL);
    if (!l->handle) {
        say_why(why, cap);
        return false;
    }
    if (FIND(start_daemon) && FIND(stop_daemon) && FIND(get_daemon_info) &&
        FIND(get_connection_info) && FIND(lookup_connection_value) &&
        FIND(create_response_from_buffer) && FIND(add_response_header) &&
        FIND(queue_response) && FIND(destroy_response) && FIND(create_post_processor) &&
        FIND(post_process) && FIND(destroy_post_processor))
        return true;
    mhd_close(l);
    return false;
}

void mhd_close(mhd_lib *l)
{
    if (l->handle)
        dlclose(l->handle);
    memset(l, 0, sizeof *l);
}
