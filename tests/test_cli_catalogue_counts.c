/* Numbers of trainings are grouped by thousands wherever they are printed (« 1 200 »
 * with a narrow no-break space), as `catalogue importer` already did for its total:
 * `catalogue info` and the importer's warnings printed « 1200 formations ». */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"

#define NNBSP "\u202f"

static void test_counts_grouped_in_import_and_info(void **state)
{
    (void)state;
    const char *dir = harness_tmpdir("cli-catalogue-counts");
    char csv[4200], db_opt[4300];
    snprintf(csv, sizeof csv, "%s/cdc.csv", dir);
    snprintf(db_opt, sizeof db_opt, "--db=%s/difelus.db", dir);
    FILE *f = fopen(csv, "w");
    assert_non_null(f);
    fputs("numero_formation;intitule_formation;nom_of;siret;code_departement;"
          "frais_ttc_tot_min;nombre_heures_total_min\n", f);
    /* every SIRET invalid and every department unknown: the warnings count 1 200 too */
    for (int i = 0; i < 1200; i++)
        fprintf(f, "C-%d;Finances locales pour les élus numéro %d;Institut de formation des "
                   "élus locaux;12345;00;%d,50;7\n", i, i, 300 + i % 400);
    fclose(f);
    struct run_result r;
    harness_run(&r, (const char *[]){db_opt, "catalogue", "importer", csv, NULL}, NULL);
    if (r.status != 0)
        fail_msg("importer %d : %s", r.status, r.err);
    assert_non_null(harness_strstr(r.out, "1" NNBSP "200 formations importées"));
    if (!harness_strstr(r.out, "1" NNBSP "200 formations avec un SIRET invalide"))
        fail_msg("pas de « 1 200 formations avec un SIRET invalide » dans : %s", r.out);
    if (!harness_strstr(r.out, "1" NNBSP "200 formations avec un département inconnu"))
        fail_msg("pas de « 1 200 formations avec un département inconnu » dans : %s", r.out);
    harness_run_free(&r);

    harness_run(&r, (const char *[]){db_opt, "catalogue", "info", NULL}, NULL);
    assert_int_equal(r.status, 0);
    if (!harness_strstr(r.out, "1" NNBSP "200 formations : 1" NNBSP "200 de la Caisse des Dépôts"))
        fail_msg("nombres non groupés : %s", r.out);
    assert_non_null(harness_strstr(r.out, ", 0 de l'organisme."));
    harness_run_free(&r);
    /* JSON keeps plain numbers */
    harness_run(&r, (const char *[]){db_opt, "catalogue", "info", "--json", NULL}, NULL);
    assert_int_equal(r.status, 0);
    assert_non_null(harness_strstr(r.out, "\"formations\": 1200"));
    harness_run_free(&r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_counts_grouped_in_import_and_info),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
