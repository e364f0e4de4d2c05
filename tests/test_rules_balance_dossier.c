/* A validated dossier's price was compared with an estimate that had already subtracted
 * it: counted twice, « dépasse votre solde » although the credit covered it. The balance
 * for a dossier leaves that dossier out; the message says « solde estimé ». */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <string.h>

#include "harness.h"
#include "difelus/rules.h"
#include "difelus/status.h"
#include "difelus/store.h"

#define D(y, m, d) ((struct date){(y), (m), (d)})

static bool says_too_expensive(const struct status *s, const struct dossier *d, long balance)
{
    struct rules_finding f[RULES_MAX_FINDINGS];
    bool blocking;
    size_t n = rules_check_dossier(d, s->mandates, s->mandate_count, balance, d->sent_on, f,
                                   &blocking);
    for (size_t i = 0; i < n; i++)
        if (harness_strstr(f[i].message, "resteront à votre charge")) {
            assert_non_null(harness_strstr(f[i].message, "votre solde estimé"));
            return true;
        }
    return false;
}

static void test_validated_dossier_counted_once(void **state)
{
    (void)state;
    char path[4200], err[512];
    snprintf(path, sizeof path, "%s/d.db", harness_tmpdir("balance-dossier"));
    store *st = store_open(path, err, sizeof err);
    assert_non_null(st);
    assert_int_equal(store_credit_add(st, 80000, D(2026, 10, 1)), 0);
    struct dossier d;
    memset(&d, 0, sizeof d);
    snprintf(d.title, sizeof d.title, "Les finances locales pour les élus « budget » – 2027");
    d.start = D(2027, 1, 11);
    d.end = D(2027, 1, 12);
    d.price_cents = 70000;
    d.hours_cents = 1400;
    assert_int_equal(store_dossier_save(st, &d, D(2026, 10, 5), ACTOR_OFFICIAL), 0);
    assert_int_equal(store_dossier_set_status(st, d.id, DS_SENT, D(2026, 10, 5), ACTOR_OFFICIAL),
                     0);
    assert_int_equal(store_dossier_set_status(st, d.id, DS_TO_VALIDATE, D(2026, 10, 8),
                                              ACTOR_OFFICIAL), 0);
    assert_int_equal(store_dossier_set_status(st, d.id, DS_VALIDATED, D(2026, 10, 9),
                                              ACTOR_OFFICIAL), 0);
    struct status s;
    assert_int_equal(status_load(st, D(2026, 11, 27), &s), 0);
    assert_int_equal(status_balance(&s), 10000); /* 800 € read, 700 € validated since */
    const struct dossier *mine = &s.dossiers[0];
    assert_int_equal(mine->status, DS_VALIDATED);
    assert_int_equal(status_balance_for_dossier(&s, mine), 80000);
    assert_false(says_too_expensive(&s, mine, status_balance_for_dossier(&s, mine)));
    /* A new dossier of 200 € is compared with what is left. */
    struct dossier other = *mine;
    other.id = 0;
    other.status = DS_CREATION;
    other.price_cents = 20000;
    assert_int_equal(status_balance_for_dossier(&s, &other), 10000);
    assert_true(says_too_expensive(&s, &other, status_balance_for_dossier(&s, &other)));
    status_free(&s);
    store_close(st);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_validated_dossier_counted_once),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
