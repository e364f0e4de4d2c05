/* `difelus < /dev/null` (or in a pipe) cannot show the full-screen wizard: the message
 * named only « difelus statut », not the line mode, which works with pipes. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"

static void test_not_a_terminal_names_the_line_mode(void **state)
{
    (void)state;
    char db[4300];
    snprintf(db, sizeof db, "--db=%s/difelus.db", harness_tmpdir("cli-tubes"));
    struct run_result r;
    harness_run(&r, (const char *[]){db, NULL}, (const char *[]){"TERM=xterm", NULL});
    assert_int_equal(r.status, 1);
    assert_non_null(harness_strstr(r.err, "n'en est pas un"));
    if (!harness_strstr(r.err, "« difelus --lignes »"))
        fail_msg("le mode lignes n'est pas proposé : %s", r.err);
    assert_non_null(harness_strstr(r.err, "« difelus statut »"));
    harness_run_free(&r);
    /* and what it proposes works there: the line mode reads the pipe to its end */
    harness_run_input(&r, (const char *[]){db, "--lignes", NULL},
                      (const char *[]){"TERM=xterm", NULL}, "");
    assert_int_equal(r.status, 0);
    harness_run_free(&r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_not_a_terminal_names_the_line_mode),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
