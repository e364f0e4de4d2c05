/* « Most urgent » first: overdue deadlines, then by date — a training that began
 * yesterday (to note « En formation », not late) does not pass before « confirmez
 * aujourd'hui ». A mistyped DIFELUS_AUJOURDHUI is said, not silently replaced. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <string.h>

#include "harness.h"
#include "difelus/status.h"
#include "difelus/store.h"

#define D(y, m, d) ((struct date){(y), (m), (d)})

static void test_confirm_today_before_a_begun_training(void **state)
{
    (void)state;
    char path[4200], err[512], opt[4300];
    snprintf(path, sizeof path, "%s/d.db", harness_tmpdir("urgency"));
    snprintf(opt, sizeof opt, "--db=%s", path);
    store *st = store_open(path, err, sizeof err);
    assert_non_null(st);
    struct dossier begun;
    memset(&begun, 0, sizeof begun);
    snprintf(begun.title, sizeof begun.title, "Prise de parole en public – conseil municipal");
    begun.start = D(2026, 11, 26);
    begun.end = D(2026, 11, 30);
    assert_int_equal(store_dossier_save(st, &begun, D(2026, 10, 1), ACTOR_OFFICIAL), 0);
    assert_int_equal(store_dossier_set_status(st, begun.id, DS_SENT, D(2026, 10, 1),
                                              ACTOR_OFFICIAL), 0);
    assert_int_equal(store_dossier_set_status(st, begun.id, DS_TO_VALIDATE, D(2026, 10, 5),
                                              ACTOR_OFFICIAL), 0);
    assert_int_equal(store_dossier_set_status(st, begun.id, DS_VALIDATED, D(2026, 10, 6),
                                              ACTOR_OFFICIAL), 0);
    struct dossier confirm = begun;
    confirm.id = 0;
    snprintf(confirm.title, sizeof confirm.title, "Les finances locales : voter le budget");
    confirm.start = D(2027, 1, 18);
    confirm.end = D(2027, 1, 19);
    assert_int_equal(store_dossier_save(st, &confirm, D(2026, 11, 2), ACTOR_OFFICIAL), 0);
    assert_int_equal(store_dossier_set_status(st, confirm.id, DS_SENT, D(2026, 11, 2),
                                              ACTOR_OFFICIAL), 0);
    /* Offered on Monday 23: four working days to confirm, until today, Friday 27. */
    assert_int_equal(store_dossier_set_status(st, confirm.id, DS_TO_VALIDATE, D(2026, 11, 23),
                                              ACTOR_OFFICIAL), 0);
    struct status s;
    assert_int_equal(status_load(st, D(2026, 11, 27), &s), 0);
    assert_true(s.deadline_count >= 2);
    assert_int_equal(s.deadlines[0].kind, DL_CONFIRM);
    assert_int_equal(s.deadlines[0].dossier_id, confirm.id);
    status_free(&s);
    store_close(st);

    struct run_result r;
    harness_run(&r, (const char *[]){opt, "statut", NULL},
                (const char *[]){"DIFELUS_AUJOURDHUI=2026-11-27", NULL});
    assert_int_equal(r.status, 0);
    assert_non_null(harness_strstr(r.out, "Prochaine échéance : vendredi 27 novembre 2026 — "
                                          "Confirmer"));
    harness_run_free(&r);
}

static void test_bad_fixed_day_said(void **state)
{
    (void)state;
    struct run_result r;
    harness_run(&r, (const char *[]){"echeances", "--demande", "20/11/2026", NULL},
                (const char *[]){"DIFELUS_AUJOURDHUI=31/02/2026", NULL});
    assert_int_equal(r.status, 0);
    assert_non_null(harness_strstr(r.err, "DIFELUS_AUJOURDHUI n'est pas une date"));
    harness_run_free(&r);
    harness_run(&r, (const char *[]){"echeances", "--demande", "20/11/2026", NULL},
                (const char *[]){"DIFELUS_AUJOURDHUI=2026-11-27", NULL});
    assert_string_equal(r.err, "");
    harness_run_free(&r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_confirm_today_before_a_begun_training),
        cmocka_unit_test(test_bad_fixed_day_said),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
