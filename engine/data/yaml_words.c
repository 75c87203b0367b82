/* libyaml's own words in the reader's language: the problems and contexts of its reader,
 * scanner and parser are English strings, and it has no catalog of its own; here each is a
 * message of ours. Pipeline: load_yaml.c's syntax findings ("YAML syntax error: ..."). */
#include "load_int.h"

#include "i18n.h"

/* Every problem and context text of libyaml 0.2 that a unit file can provoke, as libyaml
 * writes it (its messages are stable: 0.1.x and 0.2.x write the same ones). */
static const char *const WORDS[] = {
    /* reader */
    N_("invalid leading UTF-8 octet"),
    N_("incomplete UTF-8 octet sequence"),
    N_("invalid trailing UTF-8 octet"),
    N_("invalid length of a UTF-8 sequence"),
    N_("invalid Unicode character"),
    N_("control characters are not allowed"),
    N_("input is too long"),
    N_("incomplete UTF-16 character"),
    N_("incomplete UTF-16 surrogate pair"),
    N_("unexpected low surrogate area"),
    N_("expected high surrogate area"),
    N_("input error"),
    /* scanner: problems */
    N_("found character that cannot start any token"),
    N_("could not find expected ':'"),
    N_("mapping keys are not allowed in this context"),
    N_("mapping values are not allowed in this context"),
    N_("block sequence entries are not allowed in this context"),
    N_("found unexpected end of stream"),
    N_("found unexpected document indicator"),
    N_("found unknown escape character"),
    N_("did not find expected hexdecimal number"),
    N_("found invalid Unicode character escape code"),
    N_("found a tab character that violates indentation"),
    N_("found a tab character where an indentation space is expected"),
    N_("found unexpected ':'"),
    N_("found an indentation indicator equal to 0"),
    N_("did not find expected comment or line break"),
    N_("did not find expected alphabetic or numeric character"),
    N_("did not find expected whitespace or line break"),
    N_("did not find expected '!'"),
    N_("did not find expected tag URI"),
    N_("did not find URI escaped octet"),
    N_("found an incorrect leading UTF-8 octet"),
    N_("found an incorrect trailing UTF-8 octet"),
    N_("found unknown directive name"),
    N_("could not find expected directive name"),
    N_("found unexpected non-alphabetical character"),
    N_("did not find expected whitespace"),
    N_("did not find expected digit or '.' character"),
    N_("did not find expected version number"),
    N_("found extremely long version number"),
    /* scanner: contexts */
    N_("while scanning for the next token"),
    N_("while scanning a simple key"),
    N_("while scanning a quoted scalar"),
    N_("while scanning a plain scalar"),
    N_("while scanning a block scalar"),
    N_("while scanning an anchor"),
    N_("while scanning an alias"),
    N_("while scanning a tag"),
    N_("while scanning a directive"),
    N_("while scanning a %YAML directive"),
    N_("while scanning a %TAG directive"),
    N_("while parsing a quoted scalar"),
    N_("while parsing a tag"),
    /* parser: problems */
    N_("did not find expected <document start>"),
    N_("did not find expected node content"),
    N_("did not find expected key"),
    N_("did not find expected '-' indicator"),
    N_("did not find expected ',' or ']'"),
    N_("did not find expected ',' or '}'"),
    N_("found undefined tag handle"),
    N_("found duplicate %YAML directive"),
    N_("found incompatible YAML document"),
    N_("found duplicate %TAG directive"),
    /* parser: contexts */
    N_("while parsing a block mapping"),
    N_("while parsing a block collection"),
    N_("while parsing a flow sequence"),
    N_("while parsing a flow mapping"),
    N_("while parsing a block node"),
    N_("while parsing a flow node"),
    N_("while parsing a node"),
    N_("while parsing a %TAG directive"),
    N_("while parsing a tag directive"),
};

const char *td_yaml_words(td_lang lang, const char *text)
{
    if (!text || lang != TD_LANG_VI)
        return text;
    for (size_t i = 0; i < sizeof WORDS / sizeof WORDS[0]; i++)
        if (strcmp(WORDS[i], text) == 0)
            return td_gettext(lang, WORDS[i]);
    return text; /* a newer libyaml's words: as it writes them */
}
