/* A reading of « Compte élu » and a validation noted the same day, in the same second:
 * the one noted after the reading is after it (the history's order), not before it. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "difelus/store.h"

#define D(y, m, d) ((struct date){(y), (m), (d)})

static long long validated(store *st, const char *title)
{
    struct dossier d;
    memset(&d, 0, sizeof d);
    snprintf(d.title, sizeof d.title, "%s", title);
    d.start = D(2027, 2, 1);
    d.end = D(2027, 2, 2);
    d.price_cents = 50000;
    assert_int_equal(store_dossier_save(st, &d, D(2026, 11, 2), ACTOR_OFFICIAL), 0);
    assert_int_equal(store_dossier_set_status(st, d.id, DS_SENT, D(2026, 11, 2), ACTOR_OFFICIAL),
                     0);
    assert_int_equal(store_dossier_set_status(st, d.id, DS_TO_VALIDATE, D(2026, 11, 20),
                                              ACTOR_OFFICIAL), 0);
    return d.id;
}

static void test_same_second(void **state)
{
    (void)state;
    char path[4200], err[512];
    snprintf(path, sizeof path, "%s/d.db", harness_tmpdir("credit-order"));
    store *st = store_open(path, err, sizeof err);
    assert_non_null(st);
    long long before = validated(st, "Prise de parole en public – conseil municipal");
    long long after = validated(st, "Les finances locales : voter le budget");
    /* Noted in this order within one second (a test runs far faster than a second): */
    assert_int_equal(store_dossier_set_status(st, before, DS_VALIDATED, D(2026, 11, 24),
                                              ACTOR_OFFICIAL), 0);
    assert_int_equal(store_credit_add(st, 80000, D(2026, 11, 24)), 0);
    assert_int_equal(store_dossier_set_status(st, after, DS_VALIDATED, D(2026, 11, 24),
                                              ACTOR_OFFICIAL), 0);
    struct credit_observation c;
    size_t n;
    assert_int_equal(store_credit_list(st, &c, 1, &n), 0);
    assert_int_equal(n, 1);
    long long *ids;
    size_t count;
    assert_int_equal(store_credit_validated_after(st, c.id, &ids, &count), 0);
    bool has_after = false, has_before = false;
    for (size_t i = 0; i < count; i++) {
        has_after |= ids[i] == after;
        has_before |= ids[i] == before;
    }
    free(ids);
    assert_true(has_after);
    assert_false(has_before);
    store_close(st);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_same_second),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
