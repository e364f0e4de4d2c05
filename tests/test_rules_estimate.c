/* Balance estimate (DESIGN §2): credit only while a local mandate is held, a reading of
 * « Compte élu » as the reference, and the estimate in words with what it assumes. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <string.h>

#include "harness.h"
#include "difelus/rules.h"

static struct date D(int y, int m, int d)
{
    return (struct date){y, m, d};
}

static struct mandate mandate(struct date start, struct date end)
{
    struct mandate m = {0};
    m.start = start;
    m.end = end;
    snprintf(m.collectivite, sizeof m.collectivite, "Saint-Étienne-du-Rouvray");
    return m;
}

static struct dossier validated(long price, struct date on)
{
    struct dossier d = {0};
    d.id = 7;
    snprintf(d.title, sizeof d.title, "Finances locales : lire et voter le budget");
    d.price_cents = price;
    d.status = DS_VALIDATED;
    d.validated_on = on;
    return d;
}

/* Without a reading. */
static long plain(const struct mandate *m, size_t n, const struct dossier *d, size_t nd,
                  struct date today)
{
    return rules_estimate_balance(m, n, d, nd, -1, D(0, 0, 0), NULL, today, NULL);
}

static void test_no_credit_after_the_mandate_ended(void **state)
{
    (void)state;
    /* Ended in 2020, before the euro-based rules: nothing, not 800 € in 2026. */
    struct mandate old = mandate(D(2014, 3, 30), D(2020, 3, 15));
    assert_int_equal(plain(&old, 1, NULL, 0, D(2026, 11, 27)), 0);
    /* Ended on 15/01/2023: one full year held since 2022 (28/06/2022), then no more. */
    struct mandate short_one = mandate(D(2020, 6, 28), D(2023, 1, 15));
    assert_int_equal(plain(&short_one, 1, NULL, 0, D(2022, 6, 28)), 40000);
    assert_int_equal(plain(&short_one, 1, NULL, 0, D(2026, 11, 27)), 40000);
    /* Credited on the last day of the mandate, not the day after it ended. */
    struct mandate exact = mandate(D(2021, 7, 1), D(2023, 7, 1));
    assert_int_equal(plain(&exact, 1, NULL, 0, D(2026, 11, 27)), 80000);
    struct mandate one_day_short = mandate(D(2021, 7, 1), D(2023, 6, 30));
    assert_int_equal(plain(&one_day_short, 1, NULL, 0, D(2026, 11, 27)), 40000);
}

static void test_years_count_from_the_mandate_held(void **state)
{
    (void)state;
    /* The oldest mandate ended in 2020; a new one began on 27/06/2021 after a gap: the years
     * count from 27/06/2021, not from the anniversaries of 30/03/2014. */
    struct mandate two[2] = {mandate(D(2014, 3, 30), D(2020, 3, 15)),
                             mandate(D(2021, 6, 27), D(2028, 3, 31))};
    assert_int_equal(plain(two, 2, NULL, 0, D(2022, 6, 26)), 0);
    assert_int_equal(plain(two, 2, NULL, 0, D(2022, 6, 27)), 40000);
    /* Mandates that follow each other without a gap are one period. */
    struct mandate chained[2] = {mandate(D(2021, 6, 27), D(2022, 1, 31)),
                                 mandate(D(2022, 2, 1), D(2028, 3, 31))};
    assert_int_equal(plain(chained, 2, NULL, 0, D(2022, 6, 27)), 40000);
    /* The order they are given in does not matter. */
    struct mandate reversed[2] = {two[1], two[0]};
    assert_int_equal(plain(reversed, 2, NULL, 0, D(2022, 6, 27)), 40000);
}

static void test_reading_is_the_reference(void **state)
{
    (void)state;
    struct mandate m = mandate(D(2020, 6, 28), D(2026, 6, 27));
    struct dossier d = validated(56000, D(2026, 11, 25));
    struct rules_estimate e;
    /* 400 € read on 20/11, a 560 € dossier validated on 25/11: nothing left, not 400 €. */
    assert_int_equal(rules_estimate_balance(&m, 1, &d, 1, 40000, D(2026, 11, 20), NULL,
                                            D(2026, 11, 27), &e), 0);
    assert_true(e.from_reading);
    assert_int_equal(e.spent_cents, 56000);
    /* 800 € read: 240 € left. */
    assert_int_equal(rules_estimate_balance(&m, 1, &d, 1, 80000, D(2026, 11, 20), NULL,
                                            D(2026, 11, 27), NULL), 24000);
    /* Validated before the reading: already counted by Compte élu. */
    d.validated_on = D(2026, 11, 19);
    assert_int_equal(rules_estimate_balance(&m, 1, &d, 1, 24000, D(2026, 11, 20), NULL,
                                            D(2026, 11, 27), NULL), 24000);
    /* The same day: the caller says which came first. */
    d.validated_on = D(2026, 11, 20);
    bool after = true;
    assert_int_equal(rules_estimate_balance(&m, 1, &d, 1, 80000, D(2026, 11, 20), &after,
                                            D(2026, 11, 27), NULL), 24000);
    after = false;
    assert_int_equal(rules_estimate_balance(&m, 1, &d, 1, 80000, D(2026, 11, 20), &after,
                                            D(2026, 11, 27), NULL), 80000);
    /* Credit after the reading: only the years of mandate that end after it, capped. */
    struct mandate current = mandate(D(2020, 6, 28), D(2032, 3, 31));
    assert_int_equal(rules_estimate_balance(&current, 1, NULL, 0, 10000, D(2026, 6, 1), NULL,
                                            D(2026, 11, 27), &e), 50000);
    assert_int_equal(e.credited_cents, 40000);
    assert_true(e.accruing);
    assert_int_equal(rules_estimate_balance(&current, 1, NULL, 0, 70000, D(2026, 6, 1), NULL,
                                            D(2026, 11, 27), NULL), 80000);
    /* A reading without any mandate recorded still gives an estimate. */
    assert_int_equal(rules_estimate_balance(NULL, 0, NULL, 0, 31250, D(2026, 6, 1), NULL,
                                            D(2026, 11, 27), NULL), 31250);
}

static void test_estimate_says_what_it_assumes(void **state)
{
    (void)state;
    struct mandate m = mandate(D(2020, 6, 28), D(2026, 6, 27));
    struct dossier d = validated(56000, D(2026, 11, 25));
    struct rules_estimate e;
    char text[1024];
    rules_estimate_balance(&m, 1, &d, 1, 40000, D(2026, 11, 20), NULL, D(2026, 11, 27), &e);
    rules_estimate_text(&e, D(2026, 11, 27), text, sizeof text);
    assert_non_null(harness_strstr(text, "Estimation au 27/11/2026 : 0,00 €"));
    assert_non_null(harness_strstr(text, "le relevé du 20/11/2026 (400,00 €), moins les dossiers "
                                 "validés depuis (560,00 €)"));
    assert_non_null(harness_strstr(text, "Hypothèses : le crédit s'ajoute à la fin de chaque année de "
                                 "mandat, seulement pendant un mandat local, dans la limite de "
                                 "800,00 €"));
    assert_non_null(harness_strstr(text, "vous n'avez plus de mandat en cours : le solde n'augmente "
                                 "plus"));
    rules_estimate_balance(&m, 1, NULL, 0, -1, D(0, 0, 0), NULL, D(2026, 5, 1), &e);
    rules_estimate_text(&e, D(2026, 5, 1), text, sizeof text);
    assert_non_null(harness_strstr(text, "Estimation au 01/05/2026 : 800,00 €. Calcul sans relevé"));
    assert_non_null(harness_strstr(text, "vous avez un mandat en cours"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_no_credit_after_the_mandate_ended),
        cmocka_unit_test(test_years_count_from_the_mandate_held),
        cmocka_unit_test(test_reading_is_the_reference),
        cmocka_unit_test(test_estimate_says_what_it_assumes),
    };
    return cmocka_run_group_tests_name("rules_estimate", tests, NULL, NULL);
}
