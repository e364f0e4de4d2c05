/* A reconversion after the last mandate: the date by which the dossier must be validated
 * is in the deadline list, before the session's own sending deadline when it comes first
 * (an official who followed the sending deadline alone would lose the rights). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <string.h>

#include "difelus/status.h"
#include "difelus/store.h"
#include "harness.h"
#include "fixtures.h"

#define D(y, m, d) ((struct date){(y), (m), (d)})

static store *fresh(const char *name)
{
    return fixture_fresh(name, NULL, 0);
}

static void add_mandate(store *st, struct date start, struct date end)
{
    fixture_mandate(st, MANDATE_MUNICIPAL, "Rouen", "Conseillère municipale", start, end);
}

static long long add_reconversion(store *st, struct date created)
{
    struct dossier d;
    memset(&d, 0, sizeof d);
    snprintf(d.title, sizeof d.title, "Titre professionnel de comptable assistant(e)");
    d.kind = DK_RECONVERSION;
    d.price_cents = -1;
    d.start = D(2027, 6, 1);
    d.end = D(2027, 6, 30);
    assert_int_equal(store_dossier_save(st, &d, created, ACTOR_OFFICIAL), 0);
    return d.id;
}

static void test_reconversion_limit_listed_first(void **state)
{
    (void)state;
    store *st = fresh("status-reconv");
    add_mandate(st, D(2020, 7, 1), D(2026, 10, 15));
    long long id = add_reconversion(st, D(2026, 12, 1));
    struct status s;
    assert_int_equal(status_load(st, D(2026, 12, 1), &s), 0);
    assert_true(s.deadline_count >= 2);
    const struct status_deadline *first = &s.deadlines[0];
    assert_int_equal(first->kind, DL_RECONVERSION);
    assert_int_equal(first->dossier_id, id);
    assert_int_equal(dates_compare(first->date, D(2027, 4, 15)), 0);
    assert_false(first->overdue);
    assert_non_null(strstr(first->label, "Faire valider la reconversion"));
    assert_non_null(harness_strstr(first->text, "15 avril 2027"));
    assert_int_equal(s.deadlines[1].kind, DL_SEND); /* the session's own deadline, later */
    status_free(&s);

    /* Past the limit: overdue, said so. */
    assert_int_equal(status_load(st, D(2027, 4, 16), &s), 0);
    assert_int_equal(s.deadlines[0].kind, DL_RECONVERSION);
    assert_true(s.deadlines[0].overdue);
    assert_non_null(strstr(s.deadlines[0].text, "EN RETARD"));
    status_free(&s);
    store_close(st);
}

/* While a mandate is held, or for a mandate training, no such deadline. */
static void test_no_limit_during_a_mandate(void **state)
{
    (void)state;
    store *st = fresh("status-reconv-held");
    add_mandate(st, D(2020, 7, 1), D(2032, 3, 15));
    add_reconversion(st, D(2026, 12, 1));
    struct status s;
    assert_int_equal(status_load(st, D(2026, 12, 1), &s), 0);
    for (size_t i = 0; i < s.deadline_count; i++)
        assert_int_not_equal(s.deadlines[i].kind, DL_RECONVERSION);
    status_free(&s);
    store_close(st);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_reconversion_limit_listed_first),
        cmocka_unit_test(test_no_limit_during_a_mandate),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
