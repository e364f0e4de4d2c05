/* End-to-end: a dossier as it really happened — dates entered after the fact, TTC prices
 * with or without VAT, statuses recorded as MCF shows them, « Annulé » asked first, and a
 * dossier or a balance reading made by mistake deleted. */
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
#include "harness.h"
#include "e2e.h"

#define F8_KEY "\033[19~"

static void short_date(struct date d, char *buf)
{
    dates_format_short(d, buf, 16);
}

/* A wizard with a current mandate, on the new dossier form. */
static char db_opt[4200];


static struct term *new_dossier(const char *name)
{
    snprintf(db_opt, sizeof db_opt, "%s", fresh_db(name));
    struct term *t = start(24, 80, db_opt, NULL);
    WAIT(t, "Accueil");
    term_send(t, "mn\tMétropole Rouen Normandie\tConseillère métropolitaine déléguée\t"
                 "22/03/2026\t31/03/2032\r");
    WAIT(t, "Mandat enregistré");
    term_send(t, "h");
    WAIT(t, "Accueil");
    term_send(t, "dn");
    WAIT(t, "nouveau dossier d'inscription");
    return t;
}

static void test_dates_after_the_fact_and_ttc(void **state)
{
    (void)state;
    struct date today = dates_today();
    struct date created = dates_add_days(today, -12), sent = dates_add_days(today, -9);
    struct date start_on = dates_add_working_days(sent, 20);
    char c[16], s[16], before[16], st[16], keys[512], text[256], day[64];
    short_date(created, c);
    short_date(sent, s);
    short_date(dates_add_days(created, -1), before);
    short_date(start_on, st);

    struct term *t = new_dossier("e2e-data-dates");
    /* 672 € TTC from a body that charges VAT: 560 € HT for 7 h, the ceiling exactly */
    snprintf(keys, sizeof keys, "Les finances locales pour les élus « budget » – 2027\t"
                                "Gestions Locales\t\t%s\t%s\t672\t7\t \t\t"
                                "Créé sur MCF par l’élue avant de l’installer\t\025%s\r",
             st, st, c);
    term_send(t, keys);
    WAIT(t, "Dossier enregistré");
    WAIT(t, "672,00 € TTC (560,00 € HT)");
    ON_SCREEN(t, "égal au plafond de"); /* « 80,00 € » may wrap whole to the next row */
    snprintf(text, sizeof text, "En cours de création (depuis le %s)", c);
    ON_SCREEN(t, text);

    /* the request was sent on MCF three days after: not before the creation, though */
    term_send(t, "c");
    WAIT(t, "changer le statut");
    snprintf(keys, sizeof keys, "\t\025%s\r", before);
    term_send(t, keys);
    snprintf(text, sizeof text, "depuis le %s", c);
    WAIT(t, text);
    ON_SCREEN(t, "ne peut pas");
    snprintf(keys, sizeof keys, "\025%s\r", s);
    term_send(t, keys);
    snprintf(text, sizeof text, "Demande d'inscription envoyée (depuis le %s)", s);
    WAIT(t, text);
    /* the body's answer was due two working days after the date entered */
    dates_format_long(dates_add_working_days(sent, 2), day, sizeof day);
    ON_SCREEN(t, day);
    ON_SCREEN(t, "EN RETARD");
    quit_cleanly(t);

    json_t *root = status_of(db_opt);
    json_t *d = json_array_get(json_object_get(root, "dossiers"), 0);
    assert_int_equal(json_integer_value(json_object_get(d, "prix_centimes")), 67200);
    assert_true(json_is_true(json_object_get(d, "tva")));
    assert_int_equal(json_integer_value(json_object_get(d, "prix_ht_centimes")), 56000);
    json_decref(root);
}

static void test_recording_what_mcf_shows(void **state)
{
    (void)state;
    struct date today = dates_today();
    struct date soon = dates_add_working_days(today, 3);
    char s[16], keys[512];
    short_date(soon, s);
    struct term *t = new_dossier("e2e-data-reality");
    snprintf(keys, sizeof keys, "Prise de parole en public pour les élus\tGestions Locales\t\t"
                                "%s\t%s\t560,01\t7\r", s, s);
    term_send(t, keys);
    WAIT(t, "Dossier enregistré");
    ON_SCREEN(t, "80,01 € HT de l'heure");

    /* the e key of step 5 refuses, with the reason */
    term_send(t, "5e");
    WAIT(t, "Envoi impossible.");
    /* but MCF took the request: the status form records it, the warning kept beside it */
    term_send(t, "oc");
    WAIT(t, "changer le statut");
    term_send(t, "\r");
    if (!term_wait_for_wrapped(t, "noté comme sur Mon Compte Formation, malgré les règles"))
        fail_msg("le message « noté comme sur Mon Compte Formation » n'apparaît pas");
    WAIT(t, "Demande d'inscription envoyée (depuis le");
    /* the message may cover the history for a moment: reopen the dossier */
    term_send(t, "\033");
    WAIT(t, "Mes dossiers d'inscription");
    term_send(t, "\r");
    ON_SCREEN(t, "NON  La session commence trop tôt");
    /* the history is below the checks: the dossier scrolls */
    WAIT(t, "↓ suite");
    for (int i = 0; i < 10 && !strstr(term_text(t), "par vous — malgré"); i++) {
        term_send_key(t, TK_DOWN);
        WAIT(t, "↑ plus haut");
    }
    WAIT(t, "Demande d'inscription envoyée, par vous — malgré les règles");
    term_send(t, "c");
    WAIT(t, "changer le statut");
    term_send(t, "\r"); /* À valider */
    WAIT(t, "À valider (depuis le");
    term_send(t, "c");
    WAIT(t, "changer le statut");
    term_send(t, "\r"); /* Validé */
    WAIT(t, "Validé (depuis le");

    /* « En formation » before the session's first day is refused */
    term_send(t, "c");
    WAIT(t, "En formation");
    term_send(t, "\r");
    if (!term_wait_for_wrapped(t, "« En formation » avant ce jour")) /* wraps by date */
        fail_msg("the refusal of « En formation » is not on screen");
    /* « Annulé » is final: asked first */
    term_send(t, "\033");
    WAIT(t, "Validé (depuis le");
    term_send(t, "c");
    WAIT(t, "En formation");
    term_send(t, " ");
    WAIT(t, "Annulé");
    term_send(t, "\r");
    WAIT(t, "C'est définitif");
    term_send(t, "n");
    WAIT(t, "Le dossier n'est pas annulé");
    term_send(t, "\r");
    WAIT(t, "C'est définitif");
    term_send(t, "o");
    WAIT(t, "Annulé (depuis le");
    quit_cleanly(t);
}

static void test_deleting_what_was_made_by_mistake(void **state)
{
    (void)state;
    struct term *t = new_dossier("e2e-data-delete");
    term_send(t, "Formation notée deux fois par erreur – « doublon »\r");
    WAIT(t, "Dossier enregistré");
    term_send(t, "x");
    WAIT(t, "Supprimer le dossier « Formation notée deux fois par erreur");
    term_send(t, "n");
    WAIT(t, "Le dossier est gardé.");
    ON_SCREEN(t, "Dossier n° 1");
    term_send(t, "x");
    WAIT(t, "Supprimer le dossier");
    term_send(t, "o");
    WAIT(t, "supprimé.");
    WAIT(t, "Aucun dossier.");

    term_send(t, "s");
    WAIT(t, "Mon solde DIF élu");
    term_send(t, "712,50\r");
    WAIT(t, "Solde enregistré : 712,50 €.");
    term_send(t, "s");
    WAIT(t, "Relevés enregistrés");
    term_send(t, F8_KEY);
    WAIT(t, "Supprimer le relevé de 712,50 €");
    term_send(t, "o");
    WAIT(t, "Relevé supprimé.");
    WAIT(t, "Aucun relevé enregistré");
    term_send(t, "\033");
    WAIT(t, "Accueil");
    quit_cleanly(t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_dates_after_the_fact_and_ttc),
        cmocka_unit_test(test_recording_what_mcf_shows),
        cmocka_unit_test(test_deleting_what_was_made_by_mistake),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
