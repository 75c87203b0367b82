/* libFuzzer harness for rule files compiled from memory and run on a unit: the input is up to
 * four parts separated by a line "%%": an entry rule file, a second rule file it may import
 * (as "other.rules", beside it, or any built-in file by its path), -D overrides (one
 * "name=value" a line) and one unit YAML file, evaluated with the program the rules make.
 * Pipeline: rule texts -> parse -> resolve -> compile -> load -> type -> eval -> render. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "diag.h"
#include "eval.h"
#include "load.h"
#include "thidua.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MAX_DOCS 8      /* documents of the unit file evaluated per input */
#define MAX_DEFINES 8   /* -D overrides taken from the third part */

static int32_t as_of;
static FILE *sink;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    if (!td_date_parse("2025-12-31", &as_of))
        abort();
    sink = fopen("/dev/null", "w");
    return 0;
}

/* The next part of [*p, end): up to a line "%%" (not included), or the end. */
static void next_part(const char **p, const char *end, const char **part, size_t *len)
{
    const char *s = *p;
    *part = s;
    for (const char *x = s; x < end; x++) {
        if ((x == s || x[-1] == '\n') && end - x >= 3 && x[0] == '%' && x[1] == '%' &&
            x[2] == '\n') {
            *len = (size_t)(x - s);
            *p = x + 3;
            return;
        }
    }
    *len = (size_t)(end - s);
    *p = end;
}

static void render(td_diag *d)
{
    td_diag_sort(d);
    if (sink)
        for (size_t i = 0; i < d->n; i++)
            td_diag_render(&d->items[i], sink, i % 2 == 1);
}

/* Evaluates every document of the unit text with the program, as validate does. */
static void run_unit(const td_program *prog, const char *text, size_t len)
{
    if (!prog->schema.document_type)
        return;
    td_source *src = td_source_new("unit.yaml", text, len);
    if (!src)
        return;
    td_limits lim;
    td_limits_default(&lim);
    td_yaml *y = NULL;
    td_arena unit;
    td_arena_init(&unit, 0);
    if (td_yaml_open(src, &lim, &y) == TD_OK) {
        for (uint32_t doc = 0; doc < MAX_DOCS; doc++) {
            td_unit_result r;
            td_unit_result_init(&r);
            td_ynode *root = NULL;
            uint32_t line = 0;
            td_status st = td_yaml_next(y, &unit, &r.findings, &root, &line);
            if (st == TD_OK && root) {
                td_node *node = NULL;
                st = td_type_document(prog->schema.document_type, root, src, &unit,
                                      &r.findings, &node);
                if (st == TD_OK)
                    st = td_eval_document(prog, node, as_of, src, &unit, &r);
            }
            render(&r.findings);
            td_unit_result_free(&r);
            td_arena_reset(&unit);
            if (st != TD_OK || !root)
                break;
        }
    }
    td_yaml_close(y);
    td_arena_free(&unit);
    td_source_free(src);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *p = (const char *)data, *end = p + size;
    const char *parts[4] = {"", "", "", ""};
    size_t lens[4] = {0, 0, 0, 0};
    for (int i = 0; i < 4 && p < end; i++)
        next_part(&p, end, &parts[i], &lens[i]);

    td_rule_text texts[2] = {
        {"rules/ben-tre/fuzz.rules", parts[0], lens[0]},
        {"rules/ben-tre/other.rules", parts[1], lens[1]},
    };
    /* -D overrides: each line of the third part, NUL-terminated copies */
    char *defs[MAX_DEFINES];
    size_t n_defs = 0;
    for (const char *s = parts[2], *e = parts[2] + lens[2]; s < e && n_defs < MAX_DEFINES;) {
        const char *nl = memchr(s, '\n', (size_t)(e - s));
        size_t n = nl ? (size_t)(nl - s) : (size_t)(e - s);
        char *def = malloc(n + 1);
        if (def) {
            memcpy(def, s, n);
            def[n] = '\0';
            defs[n_defs++] = def;
        }
        s += n + 1;
    }

    td_diag d;
    td_diag_init(&d);
    td_program *prog = NULL;
    td_status st = td_program_compile_texts(texts, 2, (const char *const *)defs, n_defs, &d,
                                            &prog);
    render(&d);
    td_diag_free(&d);
    if (st == TD_OK && prog)
        run_unit(prog, parts[3], lens[3]);
    td_program_free(prog);
    for (size_t i = 0; i < n_defs; i++)
        free(defs[i]);
    return 0;
}
