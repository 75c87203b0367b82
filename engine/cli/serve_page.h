/* The page of `thidua serve`: the form a unit's secretary fills, and the result of checking
 * a unit file shown at its lines. Pipeline: td_batch (validate's view) -> HTML on a FILE. */
#ifndef TD_CLI_SERVE_PAGE_H
#define TD_CLI_SERVE_PAGE_H

#include <stdio.h>

#include "thidua.h"

typedef enum serve_lang { SERVE_VI, SERVE_EN } serve_lang;

/* What a page shows besides the form. Every field is borrowed and may be NULL / 0. */
typedef struct serve_view {
    serve_lang lang;
    const char *plan;       /* the plan's number and title */
    const char *as_of;      /* YYYY-MM-DD */
    const char *notice;     /* a problem with the request itself ("send a file") */
    const td_batch *batch;  /* the checked file's result (validate's view), or NULL */
    const char *text;       /* the checked file's text, for the listing with line numbers */
    size_t len;             /* bytes of text */
} serve_view;

/* Writes the whole page to `out`. Every value from the request is escaped. */
void serve_page(FILE *out, const serve_view *v);

/* The style sheet and the small script the page loads from its own server (the page works
 * without the script: it adds dropping a file onto the form). */
const char *serve_css(void);
const char *serve_js(void);

/* A word of the page in the language: the title, for the <title> of an error page. */
const char *serve_title(serve_lang lang);

/* Writes `s` (n bytes) escaped for HTML text and attributes; invalid UTF-8 and control
 * characters other than tab become U+FFFD, so that no byte of the input reaches the page
 * as markup. */
void serve_escape(FILE *out, const char *s, size_t n);

#endif
