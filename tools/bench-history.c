/* bench-history: `thidua eval -f json -j 1` on the public API, with or without the
 * month-by-month history and pace (td_batch_opts.history), so that `make bench` can tell
 * what the history costs: tools/bench.sh times both with bench-run. The report goes to
 * standard output. Exit status 0, or 2 when the evaluation fails.
 * Usage: bench-history on|off AS-OF PATH... */
#include <stdio.h>
#include <string.h>

#include <thidua.h>

int main(int argc, char **argv)
{
    int32_t as_of;
    if (argc < 4 || (strcmp(argv[1], "on") != 0 && strcmp(argv[1], "off") != 0) ||
        !td_date_parse(argv[2], &as_of)) {
        fprintf(stderr, "usage: bench-history on|off YYYY-MM-DD PATH...\n");
        return 2;
    }
    td_diag *d = td_diag_new();
    td_program *p = NULL;
    td_report *rep = NULL;
    td_batch *b = NULL;
    int rc = 2;
    if (!d || td_program_builtin(NULL, 0, d, &p) != TD_OK)
        goto done;
    td_report_opts ro = {.format = TD_REPORT_JSON};
    if (td_report_open(p, as_of, &ro, stdout, &rep) != TD_OK)
        goto done;
    td_batch_opts bo = {.as_of = as_of, .history = strcmp(argv[1], "on") == 0, .jobs = 1,
                        .on_unit = td_report_unit, .arg = rep};
    if (td_batch_run(p, (const char *const *)argv + 3, (size_t)argc - 3, &bo, &b) == TD_OK &&
        td_report_finish(rep, b) == TD_OK)
        rc = 0;
done:
    if (rc)
        fprintf(stderr, "bench-history: the evaluation failed\n");
    td_batch_free(b);
    td_report_free(rep);
    td_program_free(p);
    td_diag_delete(d);
    return rc;
}
