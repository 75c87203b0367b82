/* libFuzzer harness for unit data: the input is one unit YAML file, loaded, typed against the
 * built-in program's schema and evaluated. Pipeline: unit file -> load -> type -> eval. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "diag.h"
#include "eval.h"
#include "load.h"
#include "thidua.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Documents evaluated per input: enough for multi-document files, bounded for speed. */
#define MAX_DOCS 32

/* Compiled once; read-only afterwards, as the batch shares it between workers. */
static td_program *prog;
static int32_t as_of;
static FILE *sink;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    td_diag d;
    td_diag_init(&d);
    td_status st = td_program_builtin(NULL, 0, &d, &prog);
    if (st != TD_OK || !prog) {
        for (size_t i = 0; i < d.n; i++)
            td_diag_render(&d.items[i], stderr, false);
        fprintf(stderr, "fuzz_load: the built-in rules do not compile (status %d)\n", (int)st);
        abort();
    }
    td_diag_free(&d);
    if (!td_date_parse("2025-12-31", &as_of))
        abort();
    sink = fopen("/dev/null", "w");
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    td_source *src = td_source_new("fuzz.yaml", (const char *)data, size);
    if (!src)
        return 0;
    td_limits lim;
    td_limits_default(&lim);
    td_yaml *y = NULL;
    td_arena unit;
    td_arena_init(&unit, 0);
    if (td_yaml_open(src, &lim, &y) != TD_OK)
        goto done;
    for (uint32_t doc = 0; doc < MAX_DOCS; doc++) {
        td_unit_result r;
        td_unit_result_init(&r, TD_LANG_EN);
        td_ynode *root = NULL;
        uint32_t line = 0;
        td_status st = td_yaml_next(y, &unit, &r.findings, &root, &line);
        if (st == TD_OK && root) {
            td_node *node = NULL;
            st = td_type_document(prog->schema.document_type, root, src, &unit, &r.findings,
                                  &node);
            if (st == TD_OK)
                st = td_eval_document(prog, node, as_of, src, &unit, &r);
        }
        td_diag_sort(&r.findings);
        if (sink)
            for (size_t i = 0; i < r.findings.n; i++)
                td_diag_render(&r.findings.items[i], sink, false);
        td_unit_result_free(&r);
        td_arena_reset(&unit);
        if (st != TD_OK || !root)
            break;
    }
done:
    td_yaml_close(y);
    td_arena_free(&unit);
    td_source_free(src);
    return 0;
}
