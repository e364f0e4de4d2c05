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
    struct term *t = open_form("e2e-forms-start-r", "r", "Rechercher une formation");
    insert_at_start(t, "Nom ou thème de la formation");
    term_free(t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_typing_at_start_mandate_form),
        cmocka_unit_test(test_typing_at_start_dossier_form),
        cmocka_unit_test(test_typing_at_start_balance_form),
        cmocka_unit_test(test_typing_at_start_search_form),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
