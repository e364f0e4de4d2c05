/* End-to-end: the official finds the assistance key where keys are listed (a tester's
 * walkthrough, finding 17): the key line of Accueil and of every step says « a
 * assistance » at 80 columns, whole (never cut with « … »), and the other screens' key
 * lines still fit; wider, the keys that gave way come back; the help lists a and F2. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "e2e.h"

/* The last row (the key line) holds `keys`, whole and not cut. */
static void key_line_has(struct term *t, const char *keys)
{
    term_wait_for(t, keys); /* drawn in several writes */
    const char *row = term_row(t, 23);
    if (!harness_strstr(row, keys) || strstr(row, "…"))
        fail_msg("ligne des touches : « %s » attendu, entier :\n%s", keys, term_text(t));
}

static void test_assistance_on_key_lines(void **state)
{
    (void)state;
    struct term *t = start(24, 80, fresh_db("e2e-walk-keys"), NULL);
    WAIT(t, "Accueil");
    key_line_has(t, "a assistance  ? aide  q quitter");
    key_line_has(t, "1-6 étapes");
    for (int step = 1; step <= 6; step++) {
        char key[2] = {(char)('0' + step), '\0'}, title[32];
        snprintf(title, sizeof title, "Étape %d/6", step);
        term_send(t, key);
        WAIT(t, title);
        key_line_has(t, "Espace cocher  ←→ étapes  a assistance  ? aide  q quitter");
    }
    /* The other screens' key lines still fit at 80 columns. */
    static const struct {
        const char *key, *screen, *keys;
    } others[] = {
        {"d", "Mes dossiers", "q quitter"},
        {"m", "Mes mandats", "q quitter"},
        {"s", "Solde", "Échap retour"},
    };
    for (size_t i = 0; i < sizeof others / sizeof others[0]; i++) {
        term_send(t, "h");
        WAIT(t, "1-6 étapes");
        term_send(t, others[i].key);
        WAIT(t, others[i].screen);
        key_line_has(t, others[i].keys);
    }
    term_send(t, "\033");
    /* Échap acted before h: sent together, they are Alt-h (a key that does nothing). */
    assert_true(term_wait_gone(t, "Solde lu sur Compte élu"));
    term_send(t, "h");
    WAIT(t, "1-6 étapes");
    /* The help lists the key. */
    term_send(t, "?");
    WAIT(t, "Les touches");
    for (int i = 0; i < 10 && !harness_strstr(term_text(t), "a ou F2"); i++) {
        term_send_key(t, TK_PAGE_DOWN);
        term_wait_for(t, "a ou F2");
    }
    WAIT(t, "a ou F2            assistance : partager l'écran avec le support");
    term_send(t, "\033");
    WAIT(t, "1-6 étapes");
    quit_cleanly(t);
}

/* Wider than 80 columns, m and h come back beside a. */
static void test_wide_key_lines(void **state)
{
    (void)state;
    struct term *t = start(24, 110, fresh_db("e2e-walk-keys-wide"), NULL);
    WAIT(t, "Accueil");
    key_line_has(t, "m mandats  d dossiers  s solde  a assistance  ? aide  q quitter");
    term_send(t, "3");
    WAIT(t, "Étape 3/6");
    key_line_has(t, "a assistance  ? aide  h accueil  q quitter");
    quit_cleanly(t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_assistance_on_key_lines),
        cmocka_unit_test(test_wide_key_lines),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
