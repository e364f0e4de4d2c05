/* Dossier data: TTC prices and VAT, the exact hourly ceiling, dates entered after the fact,
 * statuses recorded as MCF shows them, every form error at once. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <string.h>

#include "harness.h"
#include "difelus/dossier.h"
#include "difelus/mandate.h"
#include "difelus/rules.h"

#define D(y, m, d) ((struct date){(y), (m), (d)})

static struct mandate mandate(void)
{
    struct mandate m = {0};
    m.id = 1;
    m.start = D(2026, 3, 22);
    m.end = D(2032, 3, 31);
    snprintf(m.collectivite, sizeof m.collectivite, "Saint-Étienne-du-Rouvray");
    return m;
}

static struct dossier dossier(long price, int hours_cents, bool vat)
{
    struct dossier d = {0};
    d.id = 1;
    snprintf(d.title, sizeof d.title, "Les finances locales pour les élus « budget » – 2027");
    d.start = D(2027, 3, 1);
    d.end = D(2027, 3, 2);
    d.price_cents = price;
    d.hours_cents = hours_cents;
    d.vat = vat;
    d.status = DS_CREATION;
    return d;
}

/* The message of the finding that speaks of the hourly cost, and its level. */
static const char *hourly(const struct dossier *d, int *level)
{
    static struct rules_finding f[RULES_MAX_FINDINGS];
    struct mandate m = mandate();
    bool blocking;
    size_t n = rules_check_dossier(d, &m, 1, -1, D(2027, 1, 4), f, &blocking);
    for (size_t i = 0; i < n; i++) {
        if (harness_strstr(f[i].message, "oût horaire")) {
            *level = (int)f[i].level;
            return f[i].message;
        }
    }
    fail_msg("aucune vérification du coût horaire");
    return NULL;
}

static void test_hourly_ceiling_compared_exactly(void **state)
{
    (void)state;
    int level;
    /* 560,01 € for 7 h is over 80 € per hour, even if the rate reads 80,00 € when cut. */
    struct dossier d = dossier(56001, 700, false);
    assert_int_equal(rules_compare_hourly(&d), 1);
    const char *msg = hourly(&d, &level);
    assert_int_equal(level, FINDING_BLOCKING);
    assert_non_null(harness_strstr(msg, "80,01 € HT de l'heure"));
    assert_non_null(harness_strstr(msg, "dépasse le plafond de 80,00 €"));
    /* exactly 80 € per hour: said equal, never « sous le plafond » */
    d = dossier(56000, 700, false);
    assert_int_equal(rules_compare_hourly(&d), 0);
    msg = hourly(&d, &level);
    assert_int_equal(level, FINDING_OK);
    assert_non_null(harness_strstr(msg, "égal au plafond de 80,00 €"));
    assert_null(harness_strstr(msg, "sous le plafond"));
    /* just under, with hours in hundredths: 839,99 € for 10,5 h */
    d = dossier(83999, 1050, false);
    assert_int_equal(rules_compare_hourly(&d), -1);
    msg = hourly(&d, &level);
    assert_non_null(harness_strstr(msg, "79,99 € HT"));
    assert_non_null(harness_strstr(msg, "sous le plafond"));
}

static void test_vat_gives_ht_from_ttc(void **state)
{
    (void)state;
    int level;
    /* exempt body (the default): HT = TTC */
    struct dossier d = dossier(67200, 700, false);
    assert_int_equal(dossier_price_ht(&d), 67200);
    assert_int_equal(rules_compare_hourly(&d), 1);
    /* a body charging VAT: 672 € TTC is 560 € HT, 80 € HT per hour exactly */
    d.vat = true;
    assert_int_equal(dossier_price_ht(&d), 56000);
    assert_int_equal(rules_compare_hourly(&d), 0);
    const char *msg = hourly(&d, &level);
    assert_int_equal(level, FINDING_OK);
    assert_non_null(harness_strstr(msg, "80,00 € HT"));
    assert_non_null(harness_strstr(msg, "TTC ÷ 1,2"));
    d.price_cents = 67201; /* one cent more TTC is over */
    assert_int_equal(rules_compare_hourly(&d), 1);
    d.price_cents = -1;
    assert_int_equal(dossier_price_ht(&d), -1);
}

static void test_balance_compared_with_ttc(void **state)
{
    (void)state;
    struct mandate m = mandate();
    struct rules_finding f[RULES_MAX_FINDINGS];
    bool blocking;
    /* 480 € TTC (400 € HT) against 400 € of balance: 80 € to pay */
    struct dossier d = dossier(48000, 700, true);
    size_t n = rules_check_dossier(&d, &m, 1, 40000, D(2027, 1, 4), f, &blocking);
    bool found = false;
    for (size_t i = 0; i < n; i++)
        if (harness_strstr(f[i].message, "Le prix TTC (480,00 €)") &&
            harness_strstr(f[i].message, "80,00 € resteront à votre charge"))
            found = true;
    assert_true(found);
}

static void test_vat_in_the_form(void **state)
{
    (void)state;
    const char *v[DF_COUNT] = {
        [DF_TITLE] = "Les finances locales pour les élus", [DF_PRICE] = "672",
        [DF_HOURS] = "7", [DF_VAT] = "oui (20 %)", [DF_KIND] = "mandat"};
    struct dossier d = {0};
    char errors[DF_COUNT][256];
    assert_int_equal(dossier_check_strings(v, &d, D(2026, 11, 27), errors), 0);
    assert_true(d.vat);
    assert_int_equal(d.price_cents, 67200);
    char back[DF_COUNT][DOSSIER_VALUE_MAX];
    dossier_to_strings(&d, back);
    assert_string_equal(back[DF_VAT], "oui (20 %)");
    v[DF_VAT] = "non (exonéré)";
    assert_int_equal(dossier_check_strings(v, &d, D(2026, 11, 27), errors), 0);
    assert_false(d.vat);
}

static void test_every_form_error_at_once(void **state)
{
    (void)state;
    const char *v[DF_COUNT] = {
        [DF_TITLE] = " ", [DF_SIRET] = "732 829 320 00075", [DF_START] = "31/02/2027",
        [DF_PRICE] = "gratuit", [DF_HOURS] = "0", [DF_KIND] = "mandat",
        [DF_CREATED] = "28/11/2026"};
    struct dossier d = {0};
    char errors[DF_COUNT][256];
    assert_int_equal(dossier_check_strings(v, &d, D(2026, 11, 27), errors), 6);
    assert_non_null(harness_strstr(errors[DF_TITLE], "obligatoire"));
    assert_non_null(harness_strstr(errors[DF_SIRET], "n'est pas valide"));
    assert_non_null(harness_strstr(errors[DF_START], "n'existe pas"));
    assert_non_null(harness_strstr(errors[DF_PRICE], "n'est pas un prix"));
    assert_non_null(harness_strstr(errors[DF_HOURS], "nombre d'heures"));
    assert_non_null(harness_strstr(errors[DF_CREATED], "dans le futur"));
    assert_string_equal(errors[DF_BODY], "");
    assert_string_equal(d.title, ""); /* nothing filled while something is wrong */

    const char *m[MF_COUNT] = {[MF_LEVEL] = "municipal", [MF_COLLECTIVITE] = "",
                               [MF_FUNCTION] = "", [MF_START] = "31/02/2026",
                               [MF_END] = "", [MF_SIDE] = "majorité", [MF_INDEMNIFIED] = "non"};
    struct mandate mm = {0};
    char merr[MF_COUNT][256];
    assert_int_equal(mandate_check_strings(m, &mm, merr), 4);
    assert_true(merr[MF_COLLECTIVITE][0] && merr[MF_FUNCTION][0] && merr[MF_START][0] &&
                merr[MF_END][0]);
}

static void test_creation_date_after_the_fact(void **state)
{
    (void)state;
    const char *v[DF_COUNT] = {[DF_TITLE] = "Budget communal", [DF_KIND] = "mandat",
                               [DF_CREATED] = "02/11/2026"};
    struct dossier d = {0};
    char errors[DF_COUNT][256];
    assert_int_equal(dossier_check_strings(v, &d, D(2026, 11, 27), errors), 0);
    assert_int_equal(dates_compare(d.created_on, D(2026, 11, 2)), 0);
    /* not after the dossier's first change (sent on 5 November) */
    d.changed_on = D(2026, 11, 5);
    v[DF_CREATED] = "06/11/2026";
    assert_int_equal(dossier_check_strings(v, &d, D(2026, 11, 27), errors), 1);
    assert_non_null(harness_strstr(errors[DF_CREATED], "changé de statut le 05/11/2026"));
    v[DF_CREATED] = "05/11/2026";
    assert_int_equal(dossier_check_strings(v, &d, D(2026, 11, 27), errors), 0);
    /* the deadline follows the dates entered: sent on 5 November, answer by the 9th */
    d.status = DS_SENT;
    d.status_date = D(2026, 11, 5);
    struct dossier_deadline dl = dossier_deadline(&d);
    assert_int_equal(dl.kind, DL_REPLY);
    assert_int_equal(dates_compare(dl.date, D(2026, 11, 9)), 0);
}

static void test_recording_what_mcf_shows(void **state)
{
    (void)state;
    struct mandate m = mandate();
    char err[1024], warning[2048];
    /* sent on 22 December for a session on 7 January: too soon by the rules, but MCF took
     * it: recorded, with the warning */
    struct dossier d = dossier(56001, 700, false);
    d.start = D(2027, 1, 7);
    d.end = D(2027, 1, 8);
    d.status_date = D(2026, 12, 1);
    assert_true(rules_check_record(&d, DS_SENT, D(2026, 12, 22), D(2026, 12, 22), &m, 1, err,
                                   sizeof err, warning, sizeof warning));
    assert_non_null(harness_strstr(warning, "La session commence trop tôt"));
    assert_non_null(harness_strstr(warning, "dépasse le plafond"));
    /* the e key of step 5 still refuses it, with the reason */
    d.price_cents = 35000;
    assert_false(rules_check_transition(&d, DS_SENT, D(2026, 12, 22), D(2026, 12, 22), &m, 1,
                                        err, sizeof err));
    assert_non_null(harness_strstr(err, "Envoi impossible. La session commence trop tôt"));
    /* nothing to say: no warning */
    struct dossier ok = dossier(35000, 700, false);
    ok.status_date = D(2026, 12, 1);
    assert_true(rules_check_record(&ok, DS_SENT, D(2027, 1, 4), D(2027, 1, 4), &m, 1, err,
                                   sizeof err, warning, sizeof warning));
    assert_string_equal(warning, "");
    /* « En formation » before the session's first day is refused */
    d.status = DS_VALIDATED;
    d.status_date = D(2026, 12, 28);
    assert_false(rules_check_record(&d, DS_IN_TRAINING, D(2027, 1, 6), D(2027, 1, 6), &m, 1,
                                    err, sizeof err, warning, sizeof warning));
    assert_non_null(harness_strstr(err, "ne peut pas être « En formation » avant"));
    assert_true(rules_check_record(&d, DS_IN_TRAINING, D(2027, 1, 7), D(2027, 1, 7), &m, 1,
                                   err, sizeof err, warning, sizeof warning));
    /* still: not in the future, not before the previous event */
    assert_false(rules_check_record(&d, DS_IN_TRAINING, D(2027, 1, 8), D(2027, 1, 7), &m, 1,
                                    err, sizeof err, warning, sizeof warning));
    assert_false(rules_check_record(&d, DS_CANCELLED, D(2026, 12, 27), D(2027, 1, 7), &m, 1,
                                    err, sizeof err, warning, sizeof warning));
    assert_non_null(harness_strstr(err, "depuis le 28/12/2026"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_hourly_ceiling_compared_exactly),
        cmocka_unit_test(test_vat_gives_ht_from_ttc),
        cmocka_unit_test(test_balance_compared_with_ttc),
        cmocka_unit_test(test_vat_in_the_form),
        cmocka_unit_test(test_every_form_error_at_once),
        cmocka_unit_test(test_creation_date_after_the_fact),
        cmocka_unit_test(test_recording_what_mcf_shows),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
