/* End-to-end tests of the form machinery shared by every form screen (mandate, dossier,
 * balance, search criteria, change of status): editing inside a field, questions before
 * typed text is thrown away, every field error at once, errors that go once corrected. */
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

#define HOME_KEY "\033OH" /* Home, as xterm sends it in keypad mode */

/* The row of `label` holds `text` (waits for the screen to settle first). */
static void row_has(struct term *t, const char *label, const char *text)
{
    WAIT(t, text);
    int row = term_find_row(t, label);
    if (row < 0)
        fail_msg("« %s » n'apparaît pas à l'écran", label);
    if (!strstr(term_row(t, row), text))
        fail_msg("la ligne « %s » ne contient pas « %s » : %s", label, text, term_row(t, row));
}

/* Type a text, go back to the start of the field (Home, or ← to its first character) and
 * type one more letter: it goes before the text, which stays whole. */
static void insert_at_start(struct term *t, const char *label)
{
    term_send(t, "Abcdef");
    row_has(t, label, "Abcdef");
    term_send(t, HOME_KEY "Z");
    row_has(t, label, "ZAbcdef");
    for (int i = 0; i < 7; i++)
        term_send_key(t, TK_LEFT);
    term_send(t, "Y");
    row_has(t, label, "YZAbcdef");
}

/* One wizard per form; the typed text is left unsaved (the process is killed at the end). */
static struct term *open_form(const char *name, const char *keys, const char *title)
{
    struct term *t = start(24, 80, fresh_db(name), NULL);
    WAIT(t, "Accueil");
    term_send(t, keys);
    WAIT(t, title);
    return t;
}

static void test_typing_at_start_mandate_form(void **state)
{
    (void)state;
    struct term *t = open_form("e2e-forms-start-m", "mn", "nouveau mandat");
    term_send(t, "\t");
    insert_at_start(t, "Collectivité");
    term_free(t);
}

static void test_typing_at_start_dossier_form(void **state)
{
    (void)state;
    struct term *t = open_form("e2e-forms-start-d", "dn", "nouveau dossier d'inscription");
    insert_at_start(t, "Intitulé de la formation");
    term_send(t, "\tSaint-Étienne-du-Rouvray");
    row_has(t, "Organisme de formation", "Saint-Étienne-du-Rouvray");
    term_send(t, HOME_KEY "« ");
    row_has(t, "Organisme de formation", "« Saint-Étienne-du-Rouvray");
    term_free(t);
}

static void test_typing_at_start_balance_form(void **state)
{
    (void)state;
    struct term *t = open_form("e2e-forms-start-b", "s", "Mon solde DIF élu");
    insert_at_start(t, "Solde lu sur Compte élu");
    term_free(t);
}

static void test_typing_at_start_search_form(void **state)
{
    (void)state;
    const char *db = fresh_db("e2e-forms-start-r");
    struct run_result r;
    harness_run(&r, (const char *[]){db, "catalogue", "importer", "tests/data/organisme.csv", NULL},
                NULL);
    assert_int_equal(r.status, 0);
    harness_run_free(&r);
    struct term *t = start(24, 80, db, NULL);
    WAIT(t, "Accueil");
    term_send(t, "r");
    WAIT(t, "Nom ou thème de la formation");
    insert_at_start(t, "Nom ou thème de la formation");
    term_free(t);
}

/* Échap or F10 with typed text asks first; without typed text they act at once. */
static void test_typed_text_never_dropped_without_a_question(void **state)
{
    (void)state;
    struct term *t = open_form("e2e-forms-ask", "mn", "nouveau mandat");
    term_send(t, "\033"); /* nothing typed: leaves at once */
    WAIT(t, "Rien n'a été modifié.");
    term_send(t, "n");
    WAIT(t, "nouveau mandat");
    term_send(t, "\tCommunauté d’agglomération Rouen Normandie");
    WAIT(t, "Communauté d’agglomération");
    term_send(t, "\033");
    WAIT(t, "Abandonner ce que vous avez tapé ?");
    ON_SCREEN(t, "nouveau mandat"); /* still on the form */
    term_send(t, "n");
    WAIT(t, "Rien n'est perdu");
    ON_SCREEN(t, "Communauté d’agglomération");
    term_send_key(t, TK_F10);
    WAIT(t, "Quitter sans enregistrer ce que vous avez tapé ?");
    term_send(t, "x"); /* only o or n answer; the letter is not typed */
    WAIT(t, "Quitter sans enregistrer");
    term_send(t, "n");
    WAIT(t, "Rien n'est perdu");
    assert_null(strstr(term_row(t, term_find_row(t, "Collectivité")), "Normandiex"));
    term_send(t, "\033");
    WAIT(t, "Abandonner");
    term_send(t, "o");
    WAIT(t, "Rien n'a été modifié.");
    ON_SCREEN(t, "Aucun mandat enregistré");
    quit_cleanly(t);
}

/* Every wrong field says so at once, in full at 80×24, and its message goes as soon as
 * the field is right. */
static void test_every_error_at_once_and_gone_when_corrected(void **state)
{
    (void)state;
    struct term *t = open_form("e2e-forms-errors", "dn", "nouveau dossier d'inscription");
    term_send(t, "\t\t732 829 320 00075\t31/02/2027\t\tgratuit\r");
    WAIT(t, "Dossier non enregistré : corrigez les 4 champs signalés.");
    ON_SCREEN(t, "L'intitulé de la formation est obligatoire.");
    ON_SCREEN(t, "Ce SIRET n'est pas valide");
    ON_SCREEN(t, "les 14 chiffres."); /* the long message wraps, never cut */
    ON_SCREEN(t, "« 31/02/2027 » n'existe pas");
    ON_SCREEN(t, "« gratuit » n'est pas un prix");
    int siret = term_find_row(t, "SIRET de l'organisme");
    assert_int_equal(term_find_row(t, "Ce SIRET n'est pas valide"), siret + 1);
    ON_SCREEN(t, "Notes"); /* every field still on screen */
    ON_SCREEN(t, "Créé sur MCF le");
    /* the cursor is on the first wrong field: the title */
    term_send(t, "Les finances locales pour les élus « budget » – 2027");
    if (!term_wait_gone(t, "est obligatoire"))
        fail_msg("le message du titre corrigé reste affiché");
    ON_SCREEN(t, "Ce SIRET n'est pas valide"); /* the others stay until corrected */
    term_send(t, "\t\t\025732 829 320 00074");
    if (!term_wait_gone(t, "Ce SIRET n'est pas valide"))
        fail_msg("le message du SIRET corrigé reste affiché");
    ON_SCREEN(t, "n'existe pas");
    term_send(t, "\t\02512/01/2027\t\t\025350\r");
    WAIT(t, "Dossier enregistré : Les finances locales pour les élus « budget » – 2027.");
    quit_cleanly(t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_typing_at_start_mandate_form),
        cmocka_unit_test(test_typing_at_start_dossier_form),
        cmocka_unit_test(test_typing_at_start_balance_form),
        cmocka_unit_test(test_typing_at_start_search_form),
        cmocka_unit_test(test_typed_text_never_dropped_without_a_question),
        cmocka_unit_test(test_every_error_at_once_and_gone_when_corrected),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
