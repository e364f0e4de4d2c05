/* The personal database's dossier data: migration 4 (VAT, warnings), creation dates
 * entered after the fact, deletions, and the settings' limit in characters. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "difelus/store.h"
#include "harness.h"

#define D(y, m, d) ((struct date){(y), (m), (d)})

static const char *db_in(const char *name)
{
    static char path[4200];
    snprintf(path, sizeof path, "%s/difelus.db", harness_tmpdir(name));
    return path;
}

static struct dossier sample(void)
{
    struct dossier d;
    memset(&d, 0, sizeof d);
    snprintf(d.title, sizeof d.title, "Les finances locales pour les élus « budget » – 2027");
    snprintf(d.body, sizeof d.body, "Gestions Locales");
    d.start = D(2027, 1, 12);
    d.end = D(2027, 1, 13);
    d.price_cents = 67200;
    d.hours_cents = 700;
    return d;
}

static const struct dossier *find(const struct dossier *list, size_t n, long long id)
{
    for (size_t i = 0; i < n; i++)
        if (list[i].id == id)
            return &list[i];
    return NULL;
}

static void test_migration_4_keeps_dossiers_exempt(void **state)
{
    (void)state;
    const char *path = db_in("store-dossier-mig");
    char err[1024];
    store *st = store_open_at_version(path, 3, err, sizeof err);
    assert_non_null(st);
    store_close(st);
    sqlite3 *db;
    assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
    assert_int_equal(sqlite3_exec(db, "INSERT INTO dossier (id, title, price_cents, hours)"
                                      " VALUES (1, 'Budget communal', 56000, 7);"
                                      "INSERT INTO dossier_event (dossier_id, status, event_date,"
                                      " actor) VALUES (1, 'creation', '2026-11-02', 'official')",
                                  NULL, NULL, NULL),
                     SQLITE_OK);
    sqlite3_close(db);

    st = store_open(path, err, sizeof err);
    assert_non_null(st);
    assert_int_equal(store_schema_version(st), STORE_SCHEMA_VERSION); /* 4 and later */
    struct dossier *list;
    size_t n;
    assert_int_equal(store_dossier_list(st, &list, &n), 0);
    assert_int_equal(n, 1);
    assert_int_equal(list[0].price_cents, 56000); /* a TTC price, as it always was */
    assert_false(list[0].vat);                    /* exempt by default: HT = TTC */
    assert_int_equal(dates_compare(list[0].created_on, D(2026, 11, 2)), 0);
    free(list);
    store_close(st);
}

static void test_vat_and_dates_after_the_fact(void **state)
{
    (void)state;
    char err[1024];
    store *st = store_open(db_in("store-dossier-dates"), err, sizeof err);
    assert_non_null(st);
    struct dossier d = sample();
    d.vat = true;
    d.created_on = D(2026, 11, 2); /* created on MCF before it was noted here */
    assert_int_equal(store_dossier_save(st, &d, D(2026, 11, 27), ACTOR_OFFICIAL), 0);
    assert_int_equal(store_dossier_set_status_noted(st, d.id, DS_SENT, D(2026, 11, 5),
                                                    ACTOR_OFFICIAL, "La session commence trop tôt."),
                     0);
    struct dossier *list;
    size_t n;
    assert_int_equal(store_dossier_list(st, &list, &n), 0);
    const struct dossier *got = find(list, n, d.id);
    assert_non_null(got);
    assert_true(got->vat);
    assert_int_equal(dates_compare(got->created_on, D(2026, 11, 2)), 0);
    assert_int_equal(dates_compare(got->changed_on, D(2026, 11, 5)), 0);
    assert_int_equal(dates_compare(got->sent_on, D(2026, 11, 5)), 0);
    assert_int_equal(dates_compare(got->status_date, D(2026, 11, 5)), 0);
    /* the creation date corrected later */
    struct dossier edit = *got;
    free(list);
    edit.created_on = D(2026, 11, 4);
    edit.vat = false;
    assert_int_equal(store_dossier_save(st, &edit, D(2026, 11, 27), ACTOR_OFFICIAL), 0);
    struct dossier_event ev[8];
    size_t count;
    assert_int_equal(store_dossier_events(st, d.id, ev, 8, &count), 0);
    assert_int_equal(count, 2);
    assert_int_equal(ev[0].status, DS_CREATION);
    assert_int_equal(dates_compare(ev[0].day, D(2026, 11, 4)), 0);
    assert_string_equal(ev[0].warning, "");
    assert_string_equal(ev[1].warning, "La session commence trop tôt.");
    assert_int_equal(store_dossier_list(st, &list, &n), 0);
    assert_false(find(list, n, d.id)->vat);
    free(list);
    store_close(st);
}

static void test_deleting_a_dossier_and_a_reading(void **state)
{
    (void)state;
    char err[1024];
    store *st = store_open(db_in("store-dossier-delete"), err, sizeof err);
    assert_non_null(st);
    struct dossier d = sample(), keep = sample();
    assert_int_equal(store_dossier_save(st, &d, D(2026, 11, 27), ACTOR_OFFICIAL), 0);
    assert_int_equal(store_dossier_save(st, &keep, D(2026, 11, 27), ACTOR_OFFICIAL), 0);
    assert_int_equal(store_dossier_set_status(st, d.id, DS_SENT, D(2026, 11, 27), ACTOR_OFFICIAL),
                     0);
    assert_int_equal(store_dossier_delete(st, d.id), 0);
    struct dossier *list;
    size_t n;
    assert_int_equal(store_dossier_list(st, &list, &n), 0);
    assert_int_equal(n, 1);
    assert_int_equal(list[0].id, keep.id);
    free(list);
    struct dossier_event ev[4];
    size_t count = 9;
    assert_int_equal(store_dossier_events(st, d.id, ev, 4, &count), 0);
    assert_int_equal(count, 0); /* its history went with it */

    assert_int_equal(store_credit_add(st, 71250, D(2026, 11, 20)), 0);
    assert_int_equal(store_credit_add(st, 81200, D(2026, 11, 27)), 0);
    struct credit_observation c[4];
    assert_int_equal(store_credit_list(st, c, 4, &n), 0);
    assert_int_equal(n, 2);
    assert_int_equal(store_credit_delete(st, c[0].id), 0);
    assert_int_equal(store_credit_list(st, c, 4, &n), 0);
    assert_int_equal(n, 1);
    assert_int_equal(c[0].amount_cents, 71250);
    store_close(st);
}

static void test_setting_limit_in_characters(void **state)
{
    (void)state;
    char err[1024];
    store *st = store_open(db_in("store-dossier-setting"), err, sizeof err);
    assert_non_null(st);
    /* 200 accented characters take 400 bytes: accepted, as the message promises */
    char value[1024] = "";
    for (int i = 0; i < 200; i++)
        strcat(value, "é");
    assert_int_equal(store_setting_set(st, "organisme.nom", value), 0);
    char back[1024];
    assert_int_equal(store_setting_get(st, "organisme.nom", back, sizeof back), 0);
    assert_string_equal(back, value);
    strcat(value, "é"); /* 201 characters: refused, and the message says so */
    assert_int_equal(store_setting_set(st, "organisme.nom", value), STORE_REFUSED);
    assert_non_null(harness_strstr(store_error(st), "de 1 à 200 caractères (elle en fait 201)"));
    store_close(st);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_migration_4_keeps_dossiers_exempt),
        cmocka_unit_test(test_vat_and_dates_after_the_fact),
        cmocka_unit_test(test_deleting_a_dossier_and_a_reading),
        cmocka_unit_test(test_setting_limit_in_characters),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
