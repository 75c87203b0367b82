/* embed: the smallest program built on libthidua. It compiles the rules built into the
 * library, validates the unit files named on its command line at today's date (or at the
 * date in THIDUA_AS_OF), prints each finding, and exits as `thidua validate` does:
 * 0 no error, 1 some error found, 2 the check could not be made.
 *
 *   cc embed.c $(pkg-config --cflags --libs thidua) -o embed && ./embed unit.yaml */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include <thidua.h>

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: %s UNIT.yaml...\n", argv[0]);
        return 2;
    }
    time_t now = time(NULL);
    struct tm today;
    localtime_r(&now, &today);
    int32_t as_of = td_days_from_civil(today.tm_year + 1900, (uint32_t)today.tm_mon + 1,
                                       (uint32_t)today.tm_mday);
    const char *fixed = getenv("THIDUA_AS_OF");
    if (fixed && !td_date_parse(fixed, &as_of)) {
        fprintf(stderr, "%s: THIDUA_AS_OF is not a date YYYY-MM-DD: %s\n", argv[0], fixed);
        return 2;
    }
    td_diag *d = td_diag_new();
    /* the messages in the language LANGUAGE asks for, else in the rules' own (Vietnamese) */
    td_diag_set_lang(d, td_lang_from_list(getenv("LANGUAGE")));
    td_program *p = NULL;
    if (!d || td_program_builtin(NULL, 0, d, &p) != TD_OK) {
        td_diag_print(d, stderr, false, 0, NULL, NULL);
        fprintf(stderr, "%s: cannot compile the built-in rules\n", argv[0]);
        td_diag_delete(d);
        return 2;
    }
    int rc = 0;
    for (int i = 1; i < argc; i++) {
        td_status st = td_validate_file(p, argv[i], as_of, d);
        td_diag_print(d, stdout, false, 0, NULL, NULL);
        printf("%s: %zu errors, %zu warnings\n", argv[i], td_diag_count(d, TD_SEV_ERROR),
               td_diag_count(d, TD_SEV_WARNING));
        td_diag_clear(d);
        if (st == TD_EINPUT && rc == 0)
            rc = 1;
        else if (st != TD_OK && st != TD_EINPUT)
            rc = 2;
    }
    td_program_free(p);
    td_diag_delete(d);
    return rc;
}
