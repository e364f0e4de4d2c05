/* Progress follows the dossier: recording a dossier's status ticks the checklist items of
 * steps 4 to 6 that it proves done, with who did it, and the current step moves on. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <sqlite3.h>
#include <stdio.h>
#include <string.h>

#include "difelus/status.h"
#include "difelus/store.h"
#include "harness.h"

/* done_by of a checklist item read from the file, "" when not ticked. */
static const char *ticked_by(const char *path, const char *item)
{
    static char out[64];
    out[0] = '\0';
    sqlite3 *db;
    assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
    sqlite3_stmt *st;
    assert_int_equal(sqlite3_prepare_v2(db, "SELECT done_by FROM checklist WHERE item = ?1"
                                            " AND done = 1", -1, &st, NULL), SQLITE_OK);
    sqlite3_bind_text(st, 1, item, -1, SQLITE_STATIC);
    if (sqlite3_step(st) == SQLITE_ROW && sqlite3_column_text(st, 0))
        snprintf(out, sizeof out, "%s", (const char *)sqlite3_column_text(st, 0));
    sqlite3_finalize(st);
    sqlite3_close(db);
    return out;
}

static int current_step(store *st)
{
    struct status s;
    assert_int_equal(status_load(st, (struct date){2026, 11, 27}, &s), 0);
    int step = s.current_step;
    status_free(&s);
    return step;
}

static void test_dossier_status_ticks_steps_4_to_6(void **state)
{
    (void)state;
    char err[1024], path[4200];
    snprintf(path, sizeof path, "%s/p.db", harness_tmpdir("store-progress"));
    store *st = store_open(path, err, sizeof err);
    assert_non_null(st);
    /* Step 1 ticked by hand, step 2 not: as the official. */
    const struct guide_step *g1 = guide_step(1);
    for (size_t i = 0; i < g1->item_count; i++)
        assert_int_equal(store_checklist_set(st, g1->items[i].id, true, ACTOR_OFFICIAL), 0);
    assert_int_equal(current_step(st), 2);
    /* 5.champs ticked by hand by the agent, earlier: kept as it was. */
    assert_int_equal(store_checklist_set(st, "5.champs", true, ACTOR_AGENT), 0);

    struct dossier d;
    memset(&d, 0, sizeof d);
    snprintf(d.title, sizeof d.title, "Formation des élus : le rôle du maire");
    d.start = (struct date){2027, 1, 12};
    d.end = (struct date){2027, 1, 13};
    d.price_cents = -1;
    assert_int_equal(store_dossier_save(st, &d, (struct date){2026, 11, 20}, ACTOR_OFFICIAL), 0);
    assert_string_equal(ticked_by(path, "4.creation"), "official");
    assert_string_equal(ticked_by(path, "5.envoi"), "");
    assert_int_equal(current_step(st), 2);

    assert_int_equal(store_dossier_set_status(st, d.id, DS_SENT, (struct date){2026, 11, 23},
                                              ACTOR_OFFICIAL), 0);
    assert_string_equal(ticked_by(path, "5.champs"), "agent"); /* ticked before, kept */
    assert_string_equal(ticked_by(path, "5.envoi"), "official");
    assert_string_equal(ticked_by(path, "5.date"), "official");
    assert_string_equal(ticked_by(path, "6.reception"), "");
    assert_int_equal(current_step(st), 6);

    /* The agent records the body's acceptance: the ticks say so. */
    assert_int_equal(store_dossier_set_status(st, d.id, DS_TO_VALIDATE,
                                              (struct date){2026, 11, 24}, ACTOR_AGENT), 0);
    assert_string_equal(ticked_by(path, "6.reception"), "agent");
    assert_string_equal(ticked_by(path, "5.envoi"), "official"); /* first author kept */
    assert_int_equal(current_step(st), 6);

    assert_int_equal(store_dossier_set_status(st, d.id, DS_VALIDATED,
                                              (struct date){2026, 11, 26}, ACTOR_OFFICIAL), 0);
    assert_string_equal(ticked_by(path, "6.confirmation"), "official");
    assert_int_equal(current_step(st), 0); /* step 6 done */
    struct status s;
    assert_int_equal(status_load(st, (struct date){2026, 11, 27}, &s), 0);
    assert_true(s.steps[4].done);
    assert_true(s.steps[5].done);
    assert_false(s.steps[1].done); /* nothing invented for step 2 */
    status_free(&s);
    store_close(st);
}

/* Noting a balance reading is the step-2 item that asks for it (« touche s »). */
static void test_balance_reading_ticks_step_2(void **state)
{
    (void)state;
    char err[1024], path[4200];
    snprintf(path, sizeof path, "%s/p.db", harness_tmpdir("store-progress-credit"));
    store *st = store_open(path, err, sizeof err);
    assert_non_null(st);
    assert_string_equal(ticked_by(path, "2.compte-elu"), "");
    assert_int_equal(store_credit_add(st, 40000, (struct date){2026, 11, 20}), 0);
    assert_string_equal(ticked_by(path, "2.compte-elu"), "official");
    /* unticked by hand, a second reading ticks it again; a tick by the agent is kept */
    assert_int_equal(store_checklist_set(st, "2.compte-elu", false, ACTOR_OFFICIAL), 0);
    assert_int_equal(store_checklist_set(st, "2.compte-elu", true, ACTOR_AGENT), 0);
    assert_int_equal(store_credit_add(st, 42000, (struct date){2026, 11, 25}), 0);
    assert_string_equal(ticked_by(path, "2.compte-elu"), "agent");
    store_close(st);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_dossier_status_ticks_steps_4_to_6),
        cmocka_unit_test(test_balance_reading_ticks_step_2),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
