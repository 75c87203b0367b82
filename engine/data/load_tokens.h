/* Loading unit data: libyaml's events made from its tokens (read in its scanner's queue) for the
 * forms unit data is written in, without libyaml's parser layer. Pipeline: file -> tokens -> the
 * events load_yaml.c types (the rest of a stream that leaves those forms is read by libyaml's
 * parser). */
#ifndef TD_LOAD_TOKENS_H
#define TD_LOAD_TOKENS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <yaml.h>

/* A reader of events from one libyaml parser's tokens. The accepted forms: a stream of
 * documents, the first implicit or after `---`, the others after `---`; block mappings whose
 * keys are scalars, block sequences (also without indentation after a key), flow sequences,
 * flow mappings with scalar keys, plain and quoted scalars, empty values. Anything else (a
 * directive, `...`, an anchor, alias or tag, a complex or empty key, an empty document, a
 * scanner error) ends the reading: the events given so far are those libyaml's parser gives,
 * marks included, and the caller reads the document again with yaml_parser_parse from a fresh
 * parser. */
typedef struct td_ytok {
    uint8_t state;
    uint8_t *stack;         /* the states to return to (owned) */
    size_t depth, cap;
} td_ytok;

/* Ready to read a new stream (the token in hand, if any, stays in the parser's queue, which
 * yaml_parser_delete empties). */
void td_ytok_reset(td_ytok *t);
void td_ytok_free(td_ytok *t);

/* The next event of parser p's stream into *ev: true; false when the stream leaves the
 * accepted forms here, the scanner failed or memory ran out (nothing is reported: the caller
 * reads on with libyaml's parser). The event's fields are those libyaml's parser would give
 * it, except that only the fields of its type are written (a document's start: all). The
 * caller owns a scalar's text (td_ytok_done). */
bool td_ytok_next(td_ytok *t, yaml_parser_t *p, yaml_event_t *ev);

/* Gives back what an event of td_ytok_next holds (yaml_event_delete would also do). */
static inline void td_ytok_done(yaml_event_t *ev)
{
    if (ev->type == YAML_SCALAR_EVENT)
        free(ev->data.scalar.value);
}

#endif
