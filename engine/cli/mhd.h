/* libmicrohttpd, opened by `thidua serve` when it starts instead of by every run of the program.
 * Pipeline: serve only; the other commands never load it (nor GnuTLS, which it loads). */
#ifndef TD_CLI_MHD_H
#define TD_CLI_MHD_H

#include <microhttpd.h>
#include <stdbool.h>
#include <stddef.h>

/* The functions serve calls, found in the library at run time. Linking the program with
 * -lmicrohttpd loaded it and its dependencies (GnuTLS, nettle, gmp, p11-kit...) at the start
 * of every command: about 8 ms of a 20 ms `thidua validate` (docs/performance.md, lever 5). */
typedef struct mhd_lib {
    void *handle;   /* owned: dlclose in mhd_close */
    __typeof__(MHD_start_daemon) *start_daemon;
    __typeof__(MHD_stop_daemon) *stop_daemon;
    __typeof__(MHD_get_daemon_info) *get_daemon_info;
    __typeof__(MHD_get_connection_info) *get_connection_info;
    __typeof__(MHD_lookup_connection_value) *lookup_connection_value;
    __typeof__(MHD_create_response_from_buffer) *create_response_from_buffer;
    __typeof__(MHD_add_response_header) *add_response_header;
    __typeof__(MHD_queue_response) *queue_response;
    __typeof__(MHD_destroy_response) *destroy_response;
    __typeof__(MHD_create_post_processor) *create_post_processor;
    __typeof__(MHD_post_process) *post_process;
    __typeof__(MHD_destroy_post_processor) *destroy_post_processor;
} mhd_lib;

/* Opens the library and finds every function; false (and *l closed) when the library or
 * one of them is missing, with the loader's reason in why[cap]. */
bool mhd_open(mhd_lib *l, char *why, size_t cap);
void mhd_close(mhd_lib *l);

#endif
