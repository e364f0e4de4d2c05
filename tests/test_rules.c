/* DIFE rules and dossiers: transitions, SIRET, eligibility on both sides of every limit,
 * deadlines in words, balance estimate. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <string.h>

#include "harness.h"
#include "difelus/dossier.h"
#include "difelus/rules.h"

static struct date D(int y, int m, int d)
{
    return (struct date){y, m, d};
}

static void test_every_transition(void **state)
{
    (void)state;
    /* The whole matrix: exactly these are allowed. */
    static const char *const allowed[] = {
        "creation>envoyee",       "creation>annulee",      "envoyee>a_valider",
        "envoyee>proposition",    "envoyee>refusee",       "envoyee>annulee",
        "proposition>validee",    "proposition>annulee",   "a_valider>validee",
        "a_valider>annulee",      "validee>en_formation",  "validee>annulee",
        "en_formation>terminee",
        /* what MCF can show after a status the official did not note (DESIGN §2) */
        "envoyee>validee",        "validee>terminee",      "en_formation>annulee",
    };
    int count = 0;
    for (int from = 0; from < DS_COUNT; from++) {
        for (int to = 0; to < DS_COUNT; to++) {
            char pair[64];
            snprintf(pair, sizeof pair, "%s>%s", dossier_status_key(from), dossier_status_key(to));
            bool expected = false;
            for (size_t i = 0; i < sizeof allowed / sizeof allowed[0]; i++)
                expected |= strcmp(pair, allowed[i]) == 0;
            if (dossier_transition_allowed(from, to) != expected)
                fail_msg("%s : %s attendu", pair, expected ? "autorisé" : "refusé");
            count += expected;
        }
    }
    assert_int_equal(count, 16);
    assert_true(dossier_status_closed(DS_REFUSED));
    assert_true(dossier_status_closed(DS_CANCELLED));
    assert_true(dossier_status_closed(DS_DONE));
    assert_false(dossier_status_closed(DS_VALIDATED));
    enum dossier_status next[DS_COUNT];
    assert_int_equal(dossier_next_statuses(DS_DONE, next), 0);
    assert_int_equal(dossier_next_statuses(DS_SENT, next), 5);
    assert_int_equal(next[0], DS_TO_VALIDATE);
    for (int s = 0; s < DS_COUNT; s++)
        assert_int_equal(dossier_status_from_key(dossier_status_key(s)), s);
    assert_string_equal(dossier_status_label(DS_TO_VALIDATE), "À valider");
}

static void test_siret(void **state)
{
    (void)state;
    char n[15], err[256];
    assert_true(dossier_siret_valid("732 829 320 00074", n, err, sizeof err));
    assert_string_equal(n, "73282932000074");
    assert_false(dossier_siret_valid("732 829 320 00075", n, err, sizeof err));
    assert_non_null(harness_strstr(err, "clé de contrôle"));
    assert_false(dossier_siret_valid("7328293200007", n, err, sizeof err));
    assert_non_null(harness_strstr(err, "13"));
    assert_false(dossier_siret_valid("73282932000074X", n, err, sizeof err));
    /* La Poste: sum of the digits a multiple of 5, even when the Luhn key fails. */
    assert_true(dossier_siret_valid("35600000000001", n, err, sizeof err));
    assert_false(dossier_siret_valid("35600000000002", n, err, sizeof err));
    assert_true(dossier_siret_valid("356 000 000 00048", n, err, sizeof err)); /* head office */
}

static struct mandate mandate(struct date start, struct date end)
{
    struct mandate m = {0};
    m.id = 1;
    m.start = start;
    m.end = end;
    snprintf(m.collectivite, sizeof m.collectivite, "Rouen");
    return m;
}

static struct dossier dossier(struct date start, struct date end, long price, int hours)
{
    struct dossier d = {0};
    d.id = 1;
    snprintf(d.title, sizeof d.title, "Budget");
    d.start = start;
    d.end = end;
    d.price_cents = price;
    d.hours_cents = hours * 100;
    d.status = DS_CREATION;
    return d;
}

/* The level of the finding whose message contains `what`; -1 when none. */
static int finding(const struct dossier *d, const struct mandate *m, size_t nm, long balance,
                   struct date request, const char *what, bool *blocking)
{
    struct rules_finding f[RULES_MAX_FINDINGS];
    size_t n = rules_check_dossier(d, m, nm, balance, request, f, blocking);
    for (size_t i = 0; i < n; i++)
        if (harness_strstr(f[i].message, what))
            return (int)f[i].level;
    return -1;
}

static void test_mandate_training_within_mandate(void **state)
{
    (void)state;
    struct mandate m = mandate(D(2026, 3, 22), D(2032, 3, 31));
    struct date request = D(2027, 1, 4);
    bool blocking;
    struct dossier d = dossier(D(2027, 3, 1), D(2027, 3, 2), 35000, 14);
    assert_int_equal(finding(&d, &m, 1, -1, request, "pendant votre mandat", &blocking),
                     FINDING_OK);
    assert_false(blocking);
    /* ends the day the mandate ends: inside; the day after: outside */
    d = dossier(D(2032, 3, 30), D(2032, 3, 31), 35000, 14);
    assert_int_equal(finding(&d, &m, 1, -1, D(2032, 1, 5), "pendant votre mandat", &blocking),
                     FINDING_OK);
    d = dossier(D(2032, 3, 31), D(2032, 4, 1), 35000, 14);
    assert_int_equal(finding(&d, &m, 1, -1, D(2032, 1, 5), "pendant un mandat en cours",
                             &blocking), FINDING_BLOCKING);
    assert_true(blocking);
    /* starts before the mandate */
    d = dossier(D(2026, 3, 21), D(2026, 3, 23), 35000, 14);
    assert_int_equal(finding(&d, &m, 1, -1, D(2026, 1, 5), "pendant un mandat en cours",
                             &blocking), FINDING_BLOCKING);
    /* no mandate at all */
    d = dossier(D(2027, 3, 1), D(2027, 3, 2), 35000, 14);
    assert_int_equal(finding(&d, NULL, 0, -1, request, "Enregistrez d'abord votre mandat",
                             &blocking), FINDING_BLOCKING);
    /* no dates yet */
    d = dossier(D(0, 0, 0), D(0, 0, 0), 35000, 14);
    assert_int_equal(finding(&d, &m, 1, -1, request, "Indiquez les dates", &blocking),
                     FINDING_BLOCKING);
}

static void test_hourly_cost(void **state)
{
    (void)state;
    struct mandate m = mandate(D(2026, 3, 22), D(2032, 3, 31));
    bool blocking;
    struct dossier d = dossier(D(2027, 3, 1), D(2027, 3, 2), 56000, 7); /* 80 €/h exactly */
    assert_int_equal(finding(&d, &m, 1, -1, D(2027, 1, 4), "Coût horaire : 80,00 €", &blocking),
                     FINDING_OK);
    d.price_cents = 56007; /* 80,001 €/h */
    assert_int_equal(finding(&d, &m, 1, -1, D(2027, 1, 4), "dépasse le plafond de 80,00 €",
                             &blocking), FINDING_BLOCKING);
    d.hours_cents = 0;
    assert_int_equal(finding(&d, &m, 1, -1, D(2027, 1, 4), "Indiquez le prix et le nombre",
                             &blocking), FINDING_WARNING);
    assert_false(blocking);
    /* A reconversion training has no hourly ceiling. */
    d = dossier(D(2027, 3, 1), D(2027, 3, 2), 900000, 7);
    d.kind = DK_RECONVERSION;
    assert_int_equal(finding(&d, &m, 1, -1, D(2027, 1, 4), "plafond", &blocking), -1);
}

static void test_reconversion_six_months(void **state)
{
    (void)state;
    /* The rights can be used until 6 months after the last mandate ended: the dossier must
     * be validated by then; the training itself may end later. */
    struct mandate m = mandate(D(2020, 6, 28), D(2026, 3, 31));
    bool blocking;
    struct dossier d = dossier(D(2026, 11, 1), D(2027, 3, 30), 150000, 35);
    d.kind = DK_RECONVERSION;
    assert_int_equal(finding(&d, &m, 1, -1, D(2026, 6, 1), "faites valider le dossier au plus "
                             "tard le mercredi 30 septembre 2026", &blocking),
                     FINDING_WARNING);
    assert_false(blocking);
    assert_int_equal(finding(&d, &m, 1, -1, D(2026, 9, 30), "Avez-vous demandé votre retraite",
                             &blocking), FINDING_WARNING);
    assert_int_equal(finding(&d, &m, 1, -1, D(2026, 10, 1), "devait être validée au plus tard "
                             "le mercredi 30 septembre 2026", &blocking), FINDING_BLOCKING);
    assert_true(blocking);
    /* During a mandate: allowed, with the date the rights run out. */
    assert_int_equal(finding(&d, &m, 1, -1, D(2026, 3, 31), "Pendant votre mandat. Après sa "
                             "fin", &blocking),
                     FINDING_OK);
    /* Validated in time: fine even when checked later. */
    d.validated_on = D(2026, 9, 29);
    assert_int_equal(finding(&d, &m, 1, -1, D(2026, 11, 27), "Avez-vous demandé", &blocking),
                     FINDING_WARNING);
    assert_int_equal(dates_compare(rules_add_months(D(2026, 8, 31), 6), D(2027, 2, 28)), 0);
}

static void test_lead_time(void **state)
{
    (void)state;
    struct mandate m = mandate(D(2026, 3, 22), D(2032, 3, 31));
    struct date request = D(2026, 12, 22);
    bool blocking;
    /* 11 jours ouvrés after 22/12/2026 is 08/01/2027: allowed; the day before is not. */
    struct dossier d = dossier(D(2027, 1, 8), D(2027, 1, 8), 35000, 7);
    assert_int_equal(finding(&d, &m, 1, -1, request, "Délai respecté", &blocking), FINDING_OK);
    assert_false(blocking);
    d = dossier(D(2027, 1, 7), D(2027, 1, 8), 35000, 7);
    assert_int_equal(finding(&d, &m, 1, -1, request, "Début possible au plus tôt : vendredi 8 "
                             "janvier 2027", &blocking), FINDING_BLOCKING);
    assert_true(blocking);
    assert_int_equal(dates_compare(rules_earliest_start(request), D(2027, 1, 8)), 0);
}

static void test_price_above_balance(void **state)
{
    (void)state;
    struct mandate m = mandate(D(2026, 3, 22), D(2032, 3, 31));
    bool blocking;
    struct dossier d = dossier(D(2027, 3, 1), D(2027, 3, 2), 45000, 14);
    assert_int_equal(finding(&d, &m, 1, 40000, D(2027, 1, 4), "50,00 € resteront à votre charge",
                             &blocking), FINDING_WARNING);
    assert_false(blocking); /* the official may pay the difference */
    d.price_cents = 40000;
    assert_int_equal(finding(&d, &m, 1, 40000, D(2027, 1, 4), "resteront", &blocking), -1);
    assert_int_equal(finding(&d, &m, 1, -1, D(2027, 1, 4), "resteront", &blocking), -1);
}

static void test_sending_checks(void **state)
{
    (void)state;
    struct mandate m = mandate(D(2026, 3, 22), D(2032, 3, 31));
    char err[512];
    struct dossier d = dossier(D(2027, 1, 7), D(2027, 1, 8), 35000, 7); /* 10 jours ouvrés */
    d.status_date = D(2026, 12, 1);
    assert_false(rules_check_transition(&d, DS_SENT, D(2026, 12, 22), D(2026, 12, 22), &m, 1,
                                        err, sizeof err));
    assert_non_null(harness_strstr(err, "Début possible au plus tôt : vendredi 8 janvier 2027"));
    d.start = D(2027, 1, 8);
    assert_true(rules_check_transition(&d, DS_SENT, D(2026, 12, 22), D(2026, 12, 22), &m, 1, err,
                                       sizeof err));
    /* dated in the future, or before the current status */
    assert_false(rules_check_transition(&d, DS_SENT, D(2026, 12, 23), D(2026, 12, 22), &m, 1,
                                        err, sizeof err));
    assert_non_null(harness_strstr(err, "futur"));
    assert_false(rules_check_transition(&d, DS_SENT, D(2026, 11, 30), D(2026, 12, 22), &m, 1,
                                        err, sizeof err));
    assert_non_null(harness_strstr(err, "depuis le 01/12/2026"));
    assert_false(rules_check_transition(&d, DS_VALIDATED, D(2026, 12, 22), D(2026, 12, 22), &m,
                                        1, err, sizeof err));
    assert_non_null(harness_strstr(err, "ne peut pas passer à « Validé »"));
}

static void test_deadlines_in_words(void **state)
{
    (void)state;
    struct dossier d = dossier(D(2027, 1, 8), D(2027, 1, 8), 35000, 7);
    char text[640];
    bool overdue;

    d.status = DS_SENT;
    d.status_date = D(2026, 12, 22);
    struct dossier_deadline dl = dossier_deadline(&d);
    assert_int_equal(dl.kind, DL_REPLY);
    assert_int_equal(dates_compare(dl.date, D(2026, 12, 24)), 0);
    dossier_deadline_text(dl, D(2026, 12, 22), text, sizeof text, &overdue);
    assert_string_equal(harness_fold(text), "L'organisme doit répondre d'ici 2 jours ouvrés, au plus tard le "
                              "jeudi 24 décembre 2026.");
    assert_false(overdue);
    dossier_deadline_text(dl, D(2026, 12, 28), text, sizeof text, &overdue);
    assert_true(overdue);
    assert_non_null(harness_strstr(text, "n'est plus valable"));
    assert_non_null(harness_strstr(text, "Si MCF la montre annulée"));

    d.status = DS_TO_VALIDATE;
    d.status_date = D(2026, 12, 18);
    dl = dossier_deadline(&d);
    assert_int_equal(dl.kind, DL_CONFIRM);
    assert_int_equal(dates_compare(dl.date, D(2026, 12, 24)), 0);
    dossier_deadline_text(dl, D(2026, 12, 22), text, sizeof text, &overdue);
    assert_string_equal(harness_fold(text), "Il vous reste 2 jours ouvrés pour confirmer, jusqu'au jeudi 24 "
                              "décembre 2026.");
    dossier_deadline_text(dl, D(2026, 12, 23), text, sizeof text, &overdue);
    assert_string_equal(harness_fold(text), "Il vous reste 1 jour ouvré pour confirmer, jusqu'au jeudi 24 "
                              "décembre 2026.");
    dossier_deadline_text(dl, D(2026, 12, 24), text, sizeof text, &overdue);
    assert_false(overdue);
    assert_non_null(harness_strstr(text, "Dernier jour pour confirmer : aujourd'hui"));
    dossier_deadline_text(dl, D(2026, 12, 25), text, sizeof text, &overdue);
    assert_true(overdue);
    assert_non_null(harness_strstr(text, "probablement été annulée"));

    d.status = DS_PROPOSAL;
    assert_int_equal(dossier_deadline(&d).kind, DL_CONFIRM);
    d.status = DS_CREATION;
    dl = dossier_deadline(&d);
    assert_int_equal(dl.kind, DL_SEND);
    assert_int_equal(dates_compare(dates_add_working_days(dl.date, 11), D(2027, 1, 8)), 0);
    d.status = DS_VALIDATED;
    assert_int_equal(dossier_deadline(&d).kind, DL_START);
    d.status = DS_CANCELLED;
    assert_int_equal(dossier_deadline(&d).kind, DL_NONE);
}

static void test_dossier_form_values(void **state)
{
    (void)state;
    const char *v[DF_COUNT] = {"Budget communal", "Gestions Locales", "732 829 320 00074",
                               "12/01/2027", "13/01/2027", "350", "10,5", "", "reconversion", ""};
    struct dossier d = {0};
    int bad = -1;
    char err[256];
    assert_true(dossier_from_strings(v, &d, &bad, err, sizeof err));
    assert_string_equal(d.siret, "73282932000074");
    assert_int_equal(d.price_cents, 35000);
    assert_int_equal(d.hours_cents, 1050);
    assert_int_equal(d.kind, DK_RECONVERSION);
    char back[DF_COUNT][DOSSIER_VALUE_MAX];
    dossier_to_strings(&d, back);
    assert_string_equal(back[DF_HOURS], "10,5"); /* as text_format_hours, not 10,50 */
    assert_string_equal(back[DF_PRICE], "350,00");

    static const struct {
        int field;
        const char *value, *reason;
    } cases[] = {
        {DF_TITLE, " ", "obligatoire"},       {DF_SIRET, "123", "14 chiffres"},
        {DF_START, "31/02/2027", "n'existe pas"}, {DF_END, "11/01/2027", "après son début"},
        {DF_PRICE, "gratuit", "n'est pas un prix"}, {DF_HOURS, "0", "nombre d'heures"},
        {DF_KIND, "loisir", "mandat ou reconversion"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        const char *w[DF_COUNT];
        memcpy(w, v, sizeof w);
        w[cases[i].field] = cases[i].value;
        struct dossier e = {0};
        assert_false(dossier_from_strings(w, &e, &bad, err, sizeof err));
        assert_int_equal(bad, cases[i].field);
        if (!harness_strstr(err, cases[i].reason))
            fail_msg("champ %d : « %s »", cases[i].field, err);
    }
    /* dates, price and hours may stay empty until known */
    const char *empty[DF_COUNT] = {"Budget", "", "", "", "", "", "", "", "mandat", ""};
    assert_true(dossier_from_strings(empty, &d, &bad, err, sizeof err));
    assert_false(dates_valid(d.start));
    assert_int_equal(d.price_cents, -1);
}

static void test_rules_table_and_estimate(void **state)
{
    (void)state;
    assert_null(rules_at(D(2021, 12, 31)));
    assert_int_equal(rules_at(D(2023, 3, 28))->ceiling_cents, 70000);
    assert_int_equal(rules_at(D(2023, 3, 29))->ceiling_cents, 80000);
    assert_int_equal(rules_at(D(2030, 1, 1))->credit_cents, 40000);

    assert_int_equal(rules_estimate_balance(NULL, 0, NULL, 0, -1, D(0, 0, 0), NULL, D(2026, 11, 26), NULL), -1);
    struct mandate m = mandate(D(2020, 6, 28), D(2026, 3, 31));
    /* Anniversaries from 28/06/2022: 400, 800 (ceiling 700 then!), ... */
    assert_int_equal(rules_estimate_balance(&m, 1, NULL, 0, -1, D(0, 0, 0), NULL, D(2022, 6, 27), NULL), 0);
    assert_int_equal(rules_estimate_balance(&m, 1, NULL, 0, -1, D(0, 0, 0), NULL, D(2022, 6, 28), NULL), 40000);
    assert_int_equal(rules_estimate_balance(&m, 1, NULL, 0, -1, D(0, 0, 0), NULL, D(2023, 3, 28), NULL), 40000);
    assert_int_equal(rules_estimate_balance(&m, 1, NULL, 0, -1, D(0, 0, 0), NULL, D(2023, 6, 28), NULL), 80000);
    assert_int_equal(rules_estimate_balance(&m, 1, NULL, 0, -1, D(0, 0, 0), NULL, D(2026, 11, 26), NULL), 80000);
    /* A validated dossier is spent on its validation day, then credit comes back. */
    struct dossier d = dossier(D(2023, 9, 1), D(2023, 9, 2), 35000, 7);
    d.status = DS_DONE;
    d.validated_on = D(2023, 7, 10);
    assert_int_equal(rules_estimate_balance(&m, 1, &d, 1, -1, D(0, 0, 0), NULL, D(2023, 8, 1), NULL), 45000);
    assert_int_equal(rules_estimate_balance(&m, 1, &d, 1, -1, D(0, 0, 0), NULL, D(2024, 6, 28), NULL), 80000);
    d.status = DS_CANCELLED; /* a cancelled dossier costs nothing */
    assert_int_equal(rules_estimate_balance(&m, 1, &d, 1, -1, D(0, 0, 0), NULL, D(2023, 8, 1), NULL), 80000);
    /* One counter per official: the oldest mandate counts, not each mandate. */
    struct mandate two[2] = {m, mandate(D(2021, 7, 1), D(2027, 6, 30))};
    assert_int_equal(rules_estimate_balance(two, 2, NULL, 0, -1, D(0, 0, 0), NULL, D(2022, 7, 1), NULL), 40000);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_every_transition),
        cmocka_unit_test(test_siret),
        cmocka_unit_test(test_mandate_training_within_mandate),
        cmocka_unit_test(test_hourly_cost),
        cmocka_unit_test(test_reconversion_six_months),
        cmocka_unit_test(test_lead_time),
        cmocka_unit_test(test_price_above_balance),
        cmocka_unit_test(test_sending_checks),
        cmocka_unit_test(test_deadlines_in_words),
        cmocka_unit_test(test_dossier_form_values),
        cmocka_unit_test(test_rules_table_and_estimate),
    };
    return cmocka_run_group_tests_name("rules", tests, NULL, NULL);
}
