/* The rules as `difelus statut` and `difelus echeances` tell them: the balance estimate and
 * what it assumes, ended mandates, deadlines in words and the accepted range of dates. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "difelus/store.h"
#include "harness.h"
#include "fixtures.h"

static char opt[4300];

/* A fresh database, its --db option in opt. */
static store *fresh(const char *name)
{
    return fixture_fresh(name, opt, sizeof opt);
}

static void add_mandate(store *st, struct date start, struct date end, bool indemnified)
{
    fixture_mandate_paid(st, MANDATE_MUNICIPAL, "Saint-Étienne-du-Rouvray",
                         "Conseillère municipale déléguée à la jeunesse", start, end, indemnified);
}

/* A dossier taken to « Validé » on `day`. */
static void add_validated(store *st, const char *title, long price, struct date day)
{
    struct dossier d;
    memset(&d, 0, sizeof d);
    snprintf(d.title, sizeof d.title, "%s", title);
    d.price_cents = price;
    d.start = dates_add_days(day, 40);
    d.end = dates_add_days(day, 41);
    assert_int_equal(store_dossier_save(st, &d, day, ACTOR_OFFICIAL), 0);
    assert_int_equal(store_dossier_set_status(st, d.id, DS_SENT, day, ACTOR_OFFICIAL), 0);
    assert_int_equal(store_dossier_set_status(st, d.id, DS_TO_VALIDATE, day, ACTOR_OFFICIAL), 0);
    assert_int_equal(store_dossier_set_status(st, d.id, DS_VALIDATED, day, ACTOR_OFFICIAL), 0);
}

static char *statut(void)
{
    struct run_result r;
    harness_run(&r, (const char *[]){opt, "statut", NULL}, NULL);
    assert_int_equal(r.status, 0);
    char *out = r.out;
    r.out = NULL;
    harness_run_free(&r);
    return out;
}

static void expect(const char *out, const char *what)
{
    if (!harness_strstr(out, what))
        fail_msg("« %s » absent de :\n%s", what, out);
}

static bool has_iso_date(const char *text)
{
    for (const char *p = text; *p; p++) {
        int y, m, d, n = 0;
        if (sscanf(p, "%4d-%2d-%2d%n", &y, &m, &d, &n) == 3 && n == 10 && p[4] == '-')
            return true;
    }
    return false;
}

static void test_estimate_from_reading_minus_validated(void **state)
{
    (void)state;
    struct date today = dates_today();
    char line[256], day[16], ended[16];
    dates_format_short(today, day, sizeof day);
    store *st = fresh("cli-estimate");
    /* A mandate that ended: no credit any more. */
    struct date end = dates_add_days(today, -150);
    add_mandate(st, dates_add_days(end, -6 * 365), end, true);
    /* 400 € read a week ago, then a 560 € dossier validated today: nothing left. */
    assert_int_equal(store_credit_add(st, 40000, dates_add_days(today, -7)), 0);
    add_validated(st, "Finances locales : lire, comprendre et voter le budget communal", 56000,
                  today);
    store_close(st);

    char *out = statut();
    snprintf(line, sizeof line, "Estimation au %s : 0,00 €.", day);
    expect(out, line);
    expect(out, "moins les dossiers validés depuis (560,00 €)");
    expect(out, "Hypothèses : le crédit s'ajoute à la fin de chaque année de mandat, seulement "
                "pendant un mandat local");
    expect(out, "vous n'avez plus de mandat en cours : le solde n'augmente plus");
    /* The ended mandate says so, without « (e) ». */
    dates_format_short(end, ended, sizeof ended);
    snprintf(line, sizeof line, "terminé le %s, majorité, avec indemnité", ended);
    expect(out, line);
    assert_null(harness_strstr(out, "indemnisé"));
    expect(out, "1 dossier en cours :");
    assert_false(has_iso_date(out)); /* dates in French in text output */
    free(out);

    /* The same in JSON. */
    struct run_result r;
    harness_run(&r, (const char *[]){opt, "statut", "--json", NULL}, NULL);
    json_t *root = json_loads(r.out, 0, NULL);
    assert_non_null(root);
    json_t *credit = json_object_get(root, "solde");
    assert_int_equal(json_integer_value(json_object_get(credit, "estimation_centimes")), 0);
    assert_non_null(harness_strstr(json_string_value(json_object_get(credit, "estimation_texte")),
                           "Hypothèses"));
    json_decref(root);
    harness_run_free(&r);
}

static void test_reading_after_validation_same_day(void **state)
{
    (void)state;
    struct date today = dates_today();
    char line[256], day[16];
    dates_format_short(today, day, sizeof day);
    store *st = fresh("cli-estimate-same-day");
    add_mandate(st, dates_add_days(today, -800), dates_add_days(today, 2000), false);
    /* Validated first, then the new balance read on Compte élu: it already counts it. */
    add_validated(st, "Urbanisme", 56000, today);
    assert_int_equal(store_credit_add(st, 24000, today), 0);
    store_close(st);
    char *out = statut();
    snprintf(line, sizeof line, "Estimation au %s : 240,00 €.", day);
    expect(out, line);
    expect(out, "vous avez un mandat en cours.");
    expect(out, "sans indemnité");
    free(out);
}

static void test_no_credit_after_last_mandate(void **state)
{
    (void)state;
    store *st = fresh("cli-estimate-ended");
    add_mandate(st, (struct date){2014, 3, 30}, (struct date){2020, 3, 15}, false);
    store_close(st);
    char *out = statut();
    expect(out, "Calcul sans relevé");
    assert_null(harness_strstr(out, "800,00 €."));
    char line[128], day[16];
    dates_format_short(dates_today(), day, sizeof day);
    snprintf(line, sizeof line, "Estimation au %s : 0,00 €.", day);
    expect(out, line);
    free(out);
}

static void test_deadline_list_keeps_the_most_urgent(void **state)
{
    (void)state;
    struct date today = dates_today();
    store *st = fresh("cli-many-deadlines");
    /* The oldest dossier is the most urgent (its answer is overdue); 39 newer ones follow,
     * more than the list holds. */
    for (int i = 0; i < 40; i++) {
        struct date sent = i == 0 ? dates_add_days(today, -10) : today;
        struct dossier d;
        memset(&d, 0, sizeof d);
        snprintf(d.title, sizeof d.title, "Formation n° %d : gestion des ressources humaines", i);
        d.price_cents = -1;
        assert_int_equal(store_dossier_save(st, &d, sent, ACTOR_OFFICIAL), 0);
        assert_int_equal(store_dossier_set_status(st, d.id, DS_SENT, sent, ACTOR_OFFICIAL), 0);
    }
    store_close(st);
    struct run_result r;
    harness_run(&r, (const char *[]){opt, "statut", "--json", NULL}, NULL);
    json_t *root = json_loads(r.out, 0, NULL);
    assert_non_null(root);
    json_t *next = json_object_get(root, "prochaine_echeance");
    assert_true(json_is_true(json_object_get(next, "en_retard")));
    assert_int_equal(json_integer_value(json_object_get(next, "dossier")), 1);
    json_decref(root);
    harness_run_free(&r);
    char *out = statut();
    expect(out, "Prochaine échéance : EN RETARD");
    expect(out, "Formation n° 0 :");
    free(out);
}

static void test_deadline_dates_range_and_words(void **state)
{
    (void)state;
    struct run_result r;
    /* Its answer would be due in 2101, a year the program refuses everywhere else. */
    harness_run(&r, (const char *[]){"echeances", "--demande", "31/12/2100", NULL}, NULL);
    assert_int_equal(r.status, 2);
    assert_string_equal(r.out, "");
    expect(r.err, "tomberaient après 2100");
    assert_null(harness_strstr(r.err, "2101"));
    harness_run_free(&r);
    harness_run(&r, (const char *[]){"echeances", "--demande", "00/12/2026", NULL}, NULL);
    assert_int_equal(r.status, 2);
    expect(r.err, "« 00/12/2026 » : le jour doit être compris entre 01 et 31.");
    harness_run_free(&r);
    harness_run(&r, (const char *[]){"echeances", "--demande", "2026-12-22", "--validation",
                                     "2026-12-21", NULL}, NULL);
    assert_int_equal(r.status, 2);
    expect(r.err, "la validation (lundi 21 décembre 2026) ne peut pas précéder la demande "
                  "(mardi 22 décembre 2026)");
    harness_run_free(&r);
    /* Text output: dates in French, never ISO, even when typed so. */
    harness_run(&r, (const char *[]){"echeances", "--demande", "2026-11-27", "--validation",
                                     "2026-11-27", "--debut", "2027-01-07", NULL}, NULL);
    assert_int_equal(r.status, 0);
    expect(r.out, "Réponse de l'organisme au plus tard le mardi 1er décembre 2026");
    assert_false(has_iso_date(r.out));
    harness_run_free(&r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_estimate_from_reading_minus_validated),
        cmocka_unit_test(test_reading_after_validation_same_day),
        cmocka_unit_test(test_no_credit_after_last_mandate),
        cmocka_unit_test(test_deadline_list_keeps_the_most_urgent),
        cmocka_unit_test(test_deadline_dates_range_and_words),
    };
    return cmocka_run_group_tests_name("cli_rules", tests, NULL, NULL);
}
