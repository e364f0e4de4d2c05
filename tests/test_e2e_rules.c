/* End-to-end, the rules as the official sees them at 80×24: the balance estimate and what
 * it assumes, the reconversion question, and the message after a status change. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "difelus/dates.h"
#include "difelus/store.h"
#include "harness.h"
#include "e2e.h"
#include "fixtures.h"

static char opt[4300];

static store *prepare(const char *name)
{
    return fixture_fresh(name, opt, sizeof opt);
}

static void add_mandate(store *st, struct date start, struct date end)
{
    fixture_mandate(st, MANDATE_MUNICIPAL, "Saint-Étienne-du-Rouvray", "Conseillère municipale",
                    start, end);
}

static long long add_dossier(store *st, const char *title, enum dossier_kind kind,
                             struct date start)
{
    struct dossier d;
    memset(&d, 0, sizeof d);
    snprintf(d.title, sizeof d.title, "%s", title);
    snprintf(d.body, sizeof d.body, "Gestions Locales");
    d.kind = kind;
    d.start = start;
    d.end = dates_add_days(start, 1);
    d.price_cents = 56000;
    d.hours_cents = 1400;
    assert_int_equal(store_dossier_save(st, &d, dates_today(), ACTOR_OFFICIAL), 0);
    return d.id;
}

static void test_estimate_and_reconversion_on_screen(void **state)
{
    (void)state;
    struct date today = dates_today();
    char text[256], day[16];
    dates_format_short(today, day, sizeof day);
    store *st = prepare("e2e-estimate");
    add_mandate(st, dates_add_days(today, -6 * 365), dates_add_days(today, -60));
    assert_int_equal(store_credit_add(st, 40000, dates_add_days(today, -7)), 0);
    long long id = add_dossier(st, "Finances locales", DK_MANDATE, dates_add_days(today, -40));
    assert_int_equal(store_dossier_set_status(st, id, DS_SENT, today, ACTOR_OFFICIAL), 0);
    assert_int_equal(store_dossier_set_status(st, id, DS_TO_VALIDATE, today, ACTOR_OFFICIAL), 0);
    assert_int_equal(store_dossier_set_status(st, id, DS_VALIDATED, today, ACTOR_OFFICIAL), 0);
    add_dossier(st, "Titre professionnel de comptable assistant", DK_RECONVERSION,
                dates_add_days(today, 60));
    store_close(st);

    struct term *t = start(24, 80, opt, NULL);
    WAIT(t, "Accueil");
    /* 400 € read, then 560 € validated: the estimate says so, and says it is one. */
    WAIT(t, "· estimation : 0,00 €");
    WAIT(t, ", terminé le"); /* the names may give way, never the date */ /* not « jusqu'au » a day already past */
    term_send(t, "s");
    WAIT(t, "Mon solde DIF élu");
    snprintf(text, sizeof text, "Estimation au %s : 0,00 €.", day);
    WAIT(t, text);
    WAIT(t, "Hypothèses");
    WAIT(t, "vous n'avez plus de mandat en"); /* « cours » may wrap to the next row */
    term_send(t, "\033");
    WAIT(t, "Accueil");
    /* The reconversion dossier asks the question the rule depends on. */
    term_send(t, "d");
    WAIT(t, "Mes dossiers d'inscription");
    term_send(t, "\r");
    WAIT(t, "Titre professionnel de comptable assistant");
    WAIT(t, "faites valider le");
    WAIT(t, "Avez-vous demandé votre retraite ? Si oui, ces droits de reconversion");
    /* The form names the kind of training without « liée au reconversion ». */
    term_send(t, "e");
    WAIT(t, "Type de formation");
    WAIT(t, "reconversion");
    assert_null(strstr(term_text(t), "liée au"));
    term_send(t, "\033");
    WAIT(t, "Titre professionnel de comptable assistant");
    WAIT(t, "Vérifications");
    quit_cleanly(t);
}

static void test_status_change_states_the_deadline(void **state)
{
    (void)state;
    struct date today = dates_today();
    char text[256], when[64], due[64];
    store *st = prepare("e2e-status-message");
    add_mandate(st, dates_add_days(today, -400), dates_add_days(today, 2000));
    long long id = add_dossier(st, "Urbanisme", DK_MANDATE, dates_add_days(today, 60));
    assert_int_equal(store_dossier_set_status(st, id, DS_SENT, today, ACTOR_OFFICIAL), 0);
    store_close(st);

    struct term *t = start(24, 80, opt, NULL);
    WAIT(t, "Accueil");
    term_send(t, "6v");
    WAIT(t, "Mon dossier « Urbanisme » — À valider");
    dates_format_long(today, when, sizeof when);
    dates_format_long(dates_add_working_days(today, 4), due, sizeof due);
    snprintf(text, sizeof text, "Dossier « Urbanisme » : statut « À valider » noté à la date du");
    WAIT(t, text);
    WAIT(t, "Échéance :"); /* the message wraps on two rows */
    snprintf(text, sizeof text, "%s (Confirmer l'inscription).", due);
    if (!term_wait_for_wrapped(t, text)) /* where it wraps depends on the dates */
        fail_msg("« %s » n'apparaît pas à l'écran", text);
    snprintf(text, sizeof text, "À valider le %s", when);
    assert_null(strstr(term_text(t), text));
    quit_cleanly(t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_estimate_and_reconversion_on_screen),
        cmocka_unit_test(test_status_change_states_the_deadline),
    };
    return cmocka_run_group_tests_name("e2e_rules", tests, NULL, NULL);
}
