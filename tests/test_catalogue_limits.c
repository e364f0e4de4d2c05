/* Catalogue values that do not fit: hours become hundredths in an int, so 1e9 h overflowed;
 * more than 10 000 h is refused like a value that is not a number. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <string.h>

#include "harness.h"

static void test_hours_capped(void **state)
{
    (void)state;
    const char *dir = harness_tmpdir("cat-limits");
    char db[4200], opt[4300], csv[4300];
    snprintf(db, sizeof db, "%s/difelus.db", dir);
    snprintf(opt, sizeof opt, "--db=%s", db);
    snprintf(csv, sizeof csv, "%s/organisme.csv", dir);
    const char bad[] =
        "reference;intitule;organisme;siret;modalite;departement;prix;heures;description\n"
        "GL-07;Élaborer et exécuter le budget communal;Gestions Locales;73282932000074;"
        "présentiel;Ardèche;560;1000000000;Budget\n";
    harness_write_file(csv, bad, sizeof bad - 1);
    struct run_result r;
    harness_run(&r, (const char *[]){opt, "catalogue", "importer", csv, NULL}, NULL);
    assert_int_not_equal(r.status, 0);
    if (!harness_strstr(r.err, "heures « 1000000000 » : plus de 10 000 h"))
        fail_msg("%s", r.err);
    harness_run_free(&r);

    const char good[] =
        "reference;intitule;organisme;siret;modalite;departement;prix;heures;description\n"
        "GL-07;Élaborer et exécuter le budget communal;Gestions Locales;73282932000074;"
        "présentiel;Ardèche;560;10000;Budget\n";
    harness_write_file(csv, good, sizeof good - 1);
    harness_run(&r, (const char *[]){opt, "catalogue", "importer", csv, NULL}, NULL);
    assert_int_equal(r.status, 0);
    harness_run_free(&r);
    harness_run(&r, (const char *[]){opt, "catalogue", "chercher", "budget", NULL}, NULL);
    assert_int_equal(r.status, 0);
    assert_non_null(harness_strstr(r.out, "560,00 € · 10 000 h"));
    harness_run_free(&r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_hours_capped),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
