/* What a tester met on the command line while walking the program as an official:
 * `statut` lists current mandates first and says an ended one's dates plainly; a
 * département typed as the start of a name gets the candidates, not « inconnu »; a bad date
 * option has one colon, not two. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <string.h>

#include "difelus/store.h"
#include "harness.h"
#include "fixtures.h"

static char opt[4300];

static store *fresh(const char *name)
{
    return fixture_fresh(name, opt, sizeof opt);
}

static void add_mandate(store *st, const char *function, struct date start, struct date end)
{
    fixture_mandate(st, MANDATE_MUNICIPAL, "Saint-Étienne-du-Rouvray", function, start, end);
}

static void test_status_current_mandate_first(void **state)
{
    (void)state;
    store *st = fresh("walk-statut");
    add_mandate(st, "Conseillère municipale", (struct date){2014, 3, 15},
                (struct date){2020, 6, 28});
    add_mandate(st, "Maire adjointe", (struct date){2020, 6, 28}, (struct date){2032, 3, 15});
    store_close(st);
    struct run_result r;
    harness_run(&r, (const char *[]){opt, "statut", NULL}, NULL);
    assert_int_equal(r.status, 0);
    const char *current = strstr(r.out, "Maire adjointe");
    const char *ended = strstr(r.out, "Conseillère municipale");
    assert_non_null(current);
    assert_non_null(ended);
    assert_true(current < ended);
    assert_non_null(strstr(ended, "commencé le 15/03/2014 — terminé le 28/06/2020"));
    assert_non_null(strstr(current, "depuis le 28/06/2020 — fin prévue le 15/03/2032"));
    assert_null(strstr(r.out, "depuis le 15/03/2014, terminé"));
    harness_run_free(&r);
}

static void test_departement_candidates(void **state)
{
    (void)state;
    store_close(fresh("walk-dept"));
    struct run_result r;
    harness_run(&r, (const char *[]){opt, "catalogue", "chercher", "finances", "--departement",
                                     "ard", NULL},
                NULL);
    assert_int_equal(r.status, 2);
    assert_non_null(strstr(r.err, "Ardèche (07) ou Ardennes (08)"));
    assert_null(strstr(r.err, "inconnu"));
    harness_run_free(&r);
    harness_run(&r, (const char *[]){opt, "catalogue", "chercher", "finances", "--departement",
                                     "atlantide", NULL},
                NULL);
    assert_int_equal(r.status, 2);
    assert_non_null(strstr(r.err, "département inconnu"));
    harness_run_free(&r);
}

static void test_date_option_one_colon(void **state)
{
    (void)state;
    store_close(fresh("walk-date"));
    struct run_result r;
    harness_run(&r, (const char *[]){opt, "echeances", "--demande", "00/12/2026", NULL}, NULL);
    assert_int_equal(r.status, 2);
    assert_non_null(strstr(r.err, "option --demande, « 00/12/2026 » : le jour"));
    assert_null(strstr(r.err, "--demande : «"));
    harness_run_free(&r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_status_current_mandate_first),
        cmocka_unit_test(test_departement_candidates),
        cmocka_unit_test(test_date_option_one_colon),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
