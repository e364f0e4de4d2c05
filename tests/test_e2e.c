/* End-to-end: the real binary in a pseudo-terminal (libvterm), read as the official sees it,
 * at 80×24 and at 60×15. The database of the restart tests is left in $BUILD/e2e/ so that
 * `difelus --db build/e2e/difelus.db statut --json` shows what was done here. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "difelus/dates.h"
#include "difelus/guide.h"
#include "difelus/store.h"
#include "harness.h"
#include "e2e.h"

static char e2e_opt[4200];  /* --db=<the database left for inspection> */

static void test_first_start_shows_home(void **state)
{
    (void)state;
    struct term *t = start(24, 80, fresh_db("e2e-first"), NULL);
    WAIT(t, "Accueil");
    ON_SCREEN(t, "Vous en êtes à l'étape 1/6 : Créer mon identité numérique.");
    ON_SCREEN(t, "Étapes faites : 0/6");
    ON_SCREEN(t, "[ ] 6. Confirmer mon inscription (0/3)");
    ON_SCREEN(t, "Solde DIF élu : inconnu");
    ON_SCREEN(t, "Prochaine échéance : aucune");
    ON_SCREEN(t, "Aucun mandat enregistré");
    ON_SCREEN(t, "Gestions Locales — contact@gestionslocales.fr — 09 53 34 28 34");
    ON_SCREEN(t, "q quitter");
    quit_cleanly(t);
}

/* The support organisation is a setting: the screens show what the settings say. */
static void test_support_contact_from_settings(void **state)
{
    (void)state;
    const char *db = fresh_db("e2e-settings");
    struct run_result r;
    harness_run(&r, (const char *[]){db, "reglage", "organisme.nom", "Formations 76", NULL}, NULL);
    assert_int_equal(r.status, 0);
    harness_run_free(&r);
    harness_run(&r, (const char *[]){db, "reglage", "organisme.telephone", "02 35 00 00 00", NULL},
                NULL);
    harness_run_free(&r);
    struct term *t = start(24, 80, db, NULL);
    WAIT(t, "Support : Formations 76 — contact@gestionslocales.fr — 02 35 00 00 00");
    term_send(t, "?");
    WAIT(t, "Formations 76 — contact@gestionslocales.fr — 02 35 00 00 00");
    term_send(t, "a");
    WAIT(t, "Formations 76 au 02 35 00 00 00.");
    quit_cleanly(t);
}

static void test_every_step_reached_and_left(void **state)
{
    (void)state;
    struct term *t = start(24, 80, fresh_db("e2e-steps"), NULL);
    WAIT(t, "Accueil");
    for (int n = 1; n <= GUIDE_STEPS; n++) {
        const struct guide_step *g = guide_step(n);
        char key[2] = {(char)('0' + n), 0}, title[256];
        term_send(t, key);
        snprintf(title, sizeof title, "Étape %d/6 — %s", n, g->title);
        WAIT(t, title);
        ON_SCREEN(t, "ATTENTION");
        for (size_t i = 0; i < g->item_count; i++)
            ON_SCREEN(t, g->items[i].label); /* every item visible at 80×24 */
        char start_of_warning[24];
        for (size_t i = 0; i < g->warning_count; i++) {
            snprintf(start_of_warning, sizeof start_of_warning, "! %.20s", g->warnings[i]);
            start_of_warning[sizeof start_of_warning - 1] = '\0';
            /* the whole box fits: the first words of each warning are there */
            char words[16];
            size_t cut = 12; /* never inside a character (accents, non-breaking spaces) */
            while (cut > 0 && ((unsigned char)g->warnings[i][cut] & 0xC0) == 0x80)
                cut--;
            snprintf(words, sizeof words, "%.*s", (int)cut, g->warnings[i]);
            ON_SCREEN(t, words);
        }
    }
    term_send_key(t, TK_RIGHT);
    WAIT(t, "C'est la dernière étape");
    term_send_key(t, TK_LEFT);
    WAIT(t, "Étape 5/6");
    for (int i = 0; i < 4; i++)
        term_send_key(t, TK_LEFT);
    WAIT(t, "Étape 1/6");
    term_send_key(t, TK_LEFT);
    WAIT(t, "Accueil");
    term_send(t, "\r"); /* Enter continues at the current step */
    WAIT(t, "Étape 1/6");
    term_send_key(t, TK_PAGE_DOWN);
    WAIT(t, "Étape 2/6");
    term_send_key(t, TK_PAGE_DOWN);
    WAIT(t, "Étape 3/6");
    term_send_key(t, TK_PAGE_UP);
    WAIT(t, "Étape 2/6");
    term_send(t, "a"); /* the screen sharing: tests/test_e2e_share_official.c */
    WAIT(t, "Assistance");
    WAIT(t, "Gestions Locales au 09 53 34 28 34.");
    term_send(t, "\033OS"); /* F4: the sharing that began there stops */
    term_send(t, "h");
    WAIT(t, "Accueil");
    term_send(t, "3?");
    WAIT(t, "Étape 3 — Rechercher une formation");
    ON_SCREEN(t, "Contacter le support");
    ON_SCREEN(t, "09 53 34 28 34");
    term_send(t, "\033");
    WAIT(t, "Étape 3/6 — Rechercher une formation");
    quit_cleanly(t);
}

static void test_tick_and_screen_survive_restart(void **state)
{
    (void)state;
    /* The database is shared with the mandate test (both leave their work for `statut`),
     * in either order: start from home whatever screen was left. */
    struct term *t = start(24, 80, e2e_opt, NULL);
    WAIT(t, "q quitter");
    term_send(t, "h");
    WAIT(t, "Accueil");
    term_send(t, "1    "); /* four items, ticked one after the other */
    WAIT(t, "Étape 1 faite !");
    term_send(t, "2 ");
    WAIT(t, "[x] Je me suis connecté(e)");
    quit_cleanly(t);

    t = start(24, 80, e2e_opt, NULL);
    WAIT(t, "Étape 2/6 — Accéder à mon compte formation");
    WAIT(t, "q quitter");
    int row = term_find_row(t, "Je me suis connecté(e)");
    assert_true(row > 0);
    assert_non_null(strstr(term_row(t, row), "[x]"));
    row = term_find_row(t, "J'ai confirmé la connexion");
    assert_non_null(strstr(term_row(t, row), "[ ]"));
    term_send(t, "1");
    WAIT(t, "Étape 1/6");
    ON_SCREEN(t, "Étape faite.");
    term_send(t, "h");
    WAIT(t, "Étapes faites : 1/6");
    ON_SCREEN(t, "Vous en êtes à l'étape 2/6");
    ON_SCREEN(t, "[x] 1. Créer mon identité numérique (4/4)");
    term_send(t, "2");
    WAIT(t, "Étape 2/6");
    quit_cleanly(t);

    json_t *root = status_of(e2e_opt);
    json_t *steps = json_object_get(root, "etapes");
    assert_int_equal(json_integer_value(json_object_get(steps, "faites")), 1);
    json_t *ticked = json_object_get(json_array_get(json_object_get(steps, "detail"), 1),
                                     "elements_coches");
    assert_int_equal(json_array_size(ticked), 1);
    assert_string_equal(json_string_value(json_array_get(ticked, 0)), "2.connexion");
    json_decref(root);
}

static void test_mandate_bad_date_refused_fields_kept(void **state)
{
    (void)state;
    struct term *t = start(24, 80, e2e_opt, NULL);
    WAIT(t, "q quitter"); /* any screen: m works from all of them */
    term_send(t, "m");
    WAIT(t, "Aucun mandat enregistré");
    term_send(t, "n");
    WAIT(t, "nouveau mandat");
    term_send(t, "\tSaint-Étienne-du-Rouvray\tMaire adjoint\t31/02/2027\t01/04/2032\t \t \r");
    WAIT(t, "« 31/02/2027 » n'existe pas : février 2027 compte 28 jours.");
    ON_SCREEN(t, "Mandat non enregistré");
    int label = term_find_row(t, "Début du mandat");
    assert_int_equal(term_find_row(t, "n'existe pas"), label + 1); /* next to its field */
    assert_non_null(strstr(term_row(t, label), "31/02/2027"));
    ON_SCREEN(t, "Saint-Étienne-du-Rouvray");
    ON_SCREEN(t, "Maire adjoint");
    ON_SCREEN(t, "01/04/2032");
    assert_non_null(strstr(term_row(t, term_find_row(t, "Majorité ou opposition")), "opposition"));
    assert_non_null(strstr(term_row(t, term_find_row(t, "Indemnisé(e)")), "oui"));
    ON_SCREEN(t, "Mandat non enregistré");
    term_send(t, "\02522/03/2026\r"); /* Ctrl-U clears the field: the cursor is on it */
    WAIT(t, "Mandat enregistré : Maire adjoint — Saint-Étienne-du-Rouvray.");
    ON_SCREEN(t, "municipal · du 22/03/2026 au 01/04/2032 · opposition · indemnisé(e)");
    quit_cleanly(t);

    t = start(24, 80, e2e_opt, NULL);
    WAIT(t, "Mes mandats");
    ON_SCREEN(t, "> Saint-Étienne-du-Rouvray\n     Maire adjoint\n");
    term_send(t, "h");
    WAIT(t, "Accueil");
    ON_SCREEN(t, "- Maire adjoint, Saint-Étienne-du-Rouvray (municipal), jusqu'au 01/04/2032");
    ON_SCREEN(t, "jeudi 1er avril 2032 — Fin prévue du mandat (Saint-Étienne-du-Rouvray)");
    term_send(t, "2");
    WAIT(t, "Étape 2/6");
    quit_cleanly(t);

    json_t *root = status_of(e2e_opt);
    json_t *m = json_array_get(json_object_get(root, "mandats"), 0);
    assert_string_equal(json_string_value(json_object_get(m, "collectivite")),
                        "Saint-Étienne-du-Rouvray");
    assert_string_equal(json_string_value(json_object_get(m, "debut")), "2026-03-22");
    json_decref(root);
}

static void test_mandate_edit_and_delete(void **state)
{
    (void)state;
    struct term *t = start(24, 80, fresh_db("e2e-edit"), NULL);
    WAIT(t, "Accueil");
    term_send(t, "mn");
    WAIT(t, "nouveau mandat");
    term_send(t, "   \tConseil régional de Bretagne\tConseillère régionale\t01/07/2021\t"
                 "31/03/2028\r");
    WAIT(t, "Mandat enregistré");
    ON_SCREEN(t, "régional · du 01/07/2021 au 31/03/2028 · majorité · non indemnisé(e)");
    term_send(t, "\r");
    WAIT(t, "modifier un mandat");
    term_send(t, "\t\t\025Vice-présidente\r");
    WAIT(t, "Mandat enregistré : Vice-présidente — Conseil régional de Bretagne.");
    term_send(t, "x");
    WAIT(t, "Supprimer le mandat « Vice-présidente — Conseil régional de Bretagne » ?");
    term_send(t, "n");
    WAIT(t, "Le mandat est gardé.");
    term_send(t, "x");
    WAIT(t, "Supprimer le mandat");
    term_send(t, "o");
    WAIT(t, "Mandat supprimé.");
    ON_SCREEN(t, "Aucun mandat enregistré");
    quit_cleanly(t);
}

static void test_small_terminal(void **state)
{
    (void)state;
    const char *db = fresh_db("e2e-small");
    struct term *t = start(15, 60, db, NULL);
    WAIT(t, "Terminal trop petit");
    ON_SCREEN(t, "Terminal trop petit — agrandissez la fenêtre ou appuyez");
    ON_SCREEN(t, "sur i pour ignorer");
    ON_SCREEN(t, "fait 60 × 15");
    term_send(t, "2"); /* ignored while the message is shown */
    term_send(t, "i");
    WAIT(t, "Accueil");
    ON_SCREEN(t, "Étapes faites : 0/6");
    quit_cleanly(t);

    t = start(15, 60, db, NULL);
    WAIT(t, "Terminal trop petit");
    term_resize(t, 24, 80);
    WAIT(t, "Vous en êtes à l'étape 1/6");
    term_resize(t, 15, 60);
    WAIT(t, "Terminal trop petit");
    quit_cleanly(t);
}

/* Whatever the size, once the official chose to ignore the warning, every screen draws
 * without crashing and q still leaves cleanly. */
static void test_tiny_terminal_ignored(void **state)
{
    (void)state;
    struct term *t = start(5, 20, fresh_db("e2e-tiny"), NULL);
    WAIT(t, "Terminal trop");
    term_send(t, "i");
    WAIT(t, "Accueil");
    term_send(t, "1 2 3 4 5 6?");
    WAIT(t, "Aide");
    /* Échap, then the letter once Échap acted: sent together they are Alt and a letter. */
    term_send(t, "\033");
    assert_true(term_wait_gone(t, "Aide"));
    term_send(t, "m");
    WAIT(t, "Mes mandats");
    term_send(t, "n");
    WAIT(t, "Agrandissez");
    term_send(t, "\033");
    assert_true(term_wait_gone(t, "Agrandissez"));
    term_send(t, "s");
    WAIT(t, "Mon solde");
    term_send(t, "\033");
    assert_true(term_wait_gone(t, "Mon solde"));
    term_resize(t, 2, 8);
    term_send(t, "h");
    term_resize(t, 24, 80);
    WAIT(t, "[ ] 5. Envoyer ma demande (1/3)"); /* ticks made at 20×5 were saved */
    WAIT(t, "[ ] 6. Confirmer mon inscription (0/3)");
    quit_cleanly(t);
}

static void test_resize_keeps_what_was_typed(void **state)
{
    (void)state;
    struct term *t = start(24, 80, fresh_db("e2e-resize"), NULL);
    WAIT(t, "Accueil");
    term_send(t, "mn");
    WAIT(t, "nouveau mandat");
    term_send(t, "\tRouen");
    WAIT(t, "Rouen");
    term_resize(t, 15, 60);
    WAIT(t, "Terminal trop petit");
    term_resize(t, 30, 100);
    WAIT(t, "Rouen");
    ON_SCREEN(t, "Collectivité");
    term_send_key(t, TK_F1);
    WAIT(t, "Contacter le support");
    term_send(t, "\033");
    WAIT(t, "Rouen"); /* back from help, nothing typed is lost */
    term_send(t, "\033");
    WAIT(t, "Abandonner ce que vous avez tapé ?"); /* typed text is not dropped silently */
    term_send(t, "o");
    WAIT(t, "Rien n'a été modifié.");
    quit_cleanly(t);
}

static void test_accents_under_lang_c(void **state)
{
    (void)state;
    struct term *t = start(24, 80, fresh_db("e2e-langc"),
                           (const char *[]){"LANG=C", "LC_ALL=C", NULL});
    WAIT(t, "Étapes faites : 0/6");
    ON_SCREEN(t, "Prochaine échéance : aucune");
    term_send(t, "1");
    WAIT(t, "Étape 1/6 — Créer mon identité numérique");
    quit_cleanly(t);
}

static void test_colours_only_when_allowed(void **state)
{
    (void)state;
    const char *db = fresh_db("e2e-colour");
    struct term *t = start(24, 80, db, NULL);
    WAIT(t, "Accueil");
    assert_false(term_cell_default_colors(t, 0, 3)); /* title bar in colour */
    quit_cleanly(t);

    t = start(24, 80, db, (const char *[]){"NO_COLOR=1", NULL});
    WAIT(t, "Accueil");
    assert_true(term_cell_default_colors(t, 0, 3));
    assert_true(term_cell_reverse(t, 0, 3)); /* still marked, without colour */
    quit_cleanly(t);

    t = term_start(24, 80, (const char *[]){db, "--no-color", NULL}, NULL);
    WAIT(t, "Accueil");
    term_send(t, "2");
    WAIT(t, "ATTENTION");
    for (int y = 0; y < 24; y++)
        for (int x = 0; x < 80; x++)
            if (!term_cell_default_colors(t, y, x))
                fail_msg("couleur en (%d, %d) malgré --no-color", y, x);
    quit_cleanly(t);
}

static void test_balance_recorded(void **state)
{
    (void)state;
    struct term *t = start(24, 80, fresh_db("e2e-balance"), NULL);
    WAIT(t, "Accueil");
    term_send(t, "s");
    WAIT(t, "Mon solde DIF élu");
    ON_SCREEN(t, "Aucun relevé enregistré");
    term_send(t, "812\r");
    WAIT(t, "Le DIF élu ne peut pas dépasser 800,00 €");
    term_send(t, "\025712,50\r");
    WAIT(t, "Solde enregistré : 712,50 €.");
    char today[16], line[64];
    dates_format_short(dates_today(), today, sizeof today);
    snprintf(line, sizeof line, "Solde DIF élu : 712,50 € (relevé le %s", today);
    ON_SCREEN(t, line);
    quit_cleanly(t);
}

static void test_other_ways_out(void **state)
{
    (void)state;
    /* F10 quits even from a form, where q is just a letter; typed text makes it ask. */
    const char *db = fresh_db("e2e-exit");
    struct term *t = start(24, 80, db, NULL);
    WAIT(t, "Accueil");
    term_send(t, "mn");
    WAIT(t, "nouveau mandat");
    term_send(t, "\tquoi");
    WAIT(t, "quoi");
    term_send_key(t, TK_F10);
    WAIT(t, "Quitter sans enregistrer ce que vous avez tapé ?");
    term_send(t, "o");
    assert_int_equal(term_wait_exit(t), 0);
    assert_true(term_restored(t));
    term_free(t);

    /* Ctrl-C restores the terminal too. */
    t = start(24, 80, db, NULL);
    WAIT(t, "Mes mandats");
    term_send(t, "\003");
    assert_int_equal(term_wait_exit(t), 130);
    assert_true(term_restored(t));
    term_free(t);

    /* An unknown terminal type: a French notice, then the line mode (issue 10), no crash. */
    t = start(24, 80, db, (const char *[]){"TERM=terminal-inexistant", NULL});
    WAIT(t, "« terminal-inexistant » (variable TERM) est inconnu");
    WAIT(t, "Votre choix");
    term_send(t, "q\r");
    assert_int_equal(term_wait_exit(t), 0);
    term_free(t);
}

/* Issue 3's journey: a dossier is created at step 4, refused at step 5 while it starts too
 * soon (the earliest date is shown), corrected, sent, validated by the body at step 6, and
 * the confirmation deadline is on the home screen. */
static void test_dossier_journey(void **state)
{
    (void)state;
    struct date today = dates_today();
    struct date too_soon = dates_add_working_days(today, 10);
    struct date earliest = dates_add_working_days(today, 11);
    struct date confirm_by = dates_add_working_days(today, 4);
    char soon[16], ok[16], keys[256], text[256], day[64];
    dates_format_short(too_soon, soon, sizeof soon);
    dates_format_short(earliest, ok, sizeof ok);

    struct term *t = start(24, 80, fresh_db("e2e-dossier"), NULL);
    WAIT(t, "Accueil");
    term_send(t, "mn\tRouen\tMaire\t22/03/2026\t31/03/2090\r");
    WAIT(t, "Mandat enregistré");
    term_send(t, "4");
    WAIT(t, "n : noter le dossier créé sur Mon Compte Formation");
    term_send(t, "n");
    WAIT(t, "nouveau dossier d'inscription");
    WAIT(t, "Notes"); /* all nine fields are there */
    snprintf(keys, sizeof keys, "Budget communal\tGestions Locales\t732 829 320 00074\t%s\t%s"
                                "\t350\t14\r", soon, soon);
    term_send(t, keys);
    WAIT(t, "Dossier enregistré : Budget communal.");
    WAIT(t, "En cours de création");

    term_send(t, "5");
    WAIT(t, "Mon dossier « Budget communal » — En cours de création");
    term_send(t, "e");
    dates_format_long(earliest, day, sizeof day);
    snprintf(text, sizeof text, "%s (11 jours ouvrés après la demande", day);
    WAIT(t, "Envoi impossible. La session commence trop tôt. Début possible au plus tôt");
    WAIT(t, text); /* the earliest possible start, on the line below */
    WAIT(t, "Mon dossier « Budget communal » — En cours de création"); /* not sent */

    term_send(t, "o");
    WAIT(t, "Dossier n° 1 — Budget communal");
    WAIT(t, "NON");
    term_send(t, "e");
    WAIT(t, "modifier le dossier");
    snprintf(keys, sizeof keys, "\t\t\t\025%s\t\025%s\r", ok, ok);
    term_send(t, keys);
    WAIT(t, "Délai respecté");

    term_send(t, "5");
    WAIT(t, "Envoyer ma demande");
    term_send(t, "e");
    WAIT(t, "Mon dossier « Budget communal » — Demande d'inscription envoyée");
    WAIT(t, "L'organisme doit répondre d'ici 2 jours ouvrés");

    term_send(t, "6v");
    WAIT(t, "Mon dossier « Budget communal » — À valider");
    dates_format_long(confirm_by, day, sizeof day);
    snprintf(text, sizeof text, "Il vous reste 4 jours ouvrés pour confirmer, jusqu'au %s", day);
    WAIT(t, "Il vous reste 4 jours ouvrés pour confirmer");

    term_send(t, "h");
    WAIT(t, "Échéances, la plus urgente d'abord");
    snprintf(text, sizeof text, "%s — Confirmer l'inscription — Budget communal", day);
    WAIT(t, text);
    WAIT(t, "Fin prévue du mandat (Rouen)");
    int row = term_find_row(t, "Confirmer l'inscription");
    assert_true(row < term_find_row(t, "Fin prévue du mandat")); /* most urgent first */

    term_send(t, "d");
    WAIT(t, "Mes dossiers d'inscription");
    WAIT(t, "Budget communal — À valider");
    term_send(t, "\r");
    WAIT(t, "Dossier n° 1 — Budget communal");
    term_send(t, "c");
    WAIT(t, "changer le statut");
    WAIT(t, "Validé"); /* the first status reachable from « À valider » */
    char tomorrow[16], now[16];
    dates_format_short(dates_add_days(today, 1), tomorrow, sizeof tomorrow);
    dates_format_short(today, now, sizeof now);
    snprintf(keys, sizeof keys, "\t\025%s\r", tomorrow);
    term_send(t, keys);
    WAIT(t, "Cette date est dans le futur");
    snprintf(keys, sizeof keys, "\025%s\r", now);
    term_send(t, keys);
    WAIT(t, "Validé (depuis le");
    WAIT(t, "En cours de création"); /* the history keeps every step */
    WAIT(t, "Demande d'inscription envoyée");
    term_send(t, "h");
    WAIT(t, "— Début de la formation — Budget communal");
    quit_cleanly(t);
}

/* Issue 4's journey: criteria typed as on MCF, results as the official types, Enter on a
 * result gives a dossier prefilled from it; the search is kept in the history. */
static void test_search_screen_to_dossier(void **state)
{
    (void)state;
    const char *db = fresh_db("e2e-search");
    char path[4200];
    snprintf(path, sizeof path, "%s", db + 5);

    struct term *t = start(24, 80, db, NULL);
    WAIT(t, "Accueil");
    term_send(t, "r");
    WAIT(t, "Le catalogue de difelus est vide");
    WAIT(t, "F5 télécharge");
    term_send_key(t, TK_F10); /* q would be typed in the search field */
    assert_int_equal(term_wait_exit(t), 0);
    assert_true(term_restored(t));
    term_free(t);

    struct run_result r;
    harness_run(&r, (const char *[]){db, "catalogue", "importer", "tests/data/organisme.csv", NULL},
                NULL);
    assert_int_equal(r.status, 0);
    harness_run_free(&r);

    t = start(24, 80, db, NULL);
    WAIT(t, "Tapez au moins deux lettres\u00a0: les 2 formations"); /* resumed where it was */
    term_send(t, "\033");
    WAIT(t, "Accueil");
    term_send(t, "3");
    WAIT(t, "r : chercher dans le catalogue de difelus");
    term_send(t, "r");
    WAIT(t, "Rechercher une formation dans le catalogue");
    WAIT(t, "Tapez au moins deux lettres");
    term_send(t, "f");
    WAIT(t, "Tapez au moins deux lettres"); /* one letter: nothing searched yet */
    term_send(t, "i");
    WAIT(t, "1 résultat");
    WAIT(t, "Les finances locales pour les élus");
    WAIT(t, "Présentiel · 560,00 € · 7\u00a0h · Ardèche (07) · Gestions Locales");
    term_send(t, "\t\t");
    term_send(t, "Paris");
    WAIT(t, "Aucune formation trouvée.");
    term_send(t, "\025Ardeche");
    WAIT(t, "Les finances locales pour les élus");
    term_send(t, "\r");
    WAIT(t, "Entrée\u00a0: créer un dossier avec cette formation");
    term_send(t, "\r");
    WAIT(t, "Créer un dossier avec cette formation");
    term_send(t, "\r");
    WAIT(t, "Dossier n° 1 créé avec «\u00a0Les finances locales pour les élus\u00a0»");
    WAIT(t, "modifier le dossier");
    int row = term_find_row(t, "Intitulé de la formation");
    assert_non_null(strstr(term_row(t, row), "Les finances locales pour les élus"));
    assert_non_null(strstr(term_row(t, term_find_row(t, "Organisme de formation")),
                           "Gestions Locales"));
    assert_non_null(strstr(term_row(t, term_find_row(t, "SIRET")), "73282932000074"));
    assert_non_null(strstr(term_row(t, term_find_row(t, "Prix TTC")), "560,00"));
    assert_non_null(strstr(term_row(t, term_find_row(t, "Heures")), "7"));
    term_send(t, "\r");
    WAIT(t, "Dossier n° 1 — Les finances locales pour les élus");
    quit_cleanly(t);

    char err[1024];
    store *st = store_open(path, err, sizeof err);
    assert_non_null(st);
    long long searches = 0;
    assert_int_equal(store_search_count(st, &searches), 0);
    assert_int_equal(searches, 1);
    store_close(st);
}

int main(void)
{
    const char *build = getenv("BUILD");
    char dir[4096];
    snprintf(dir, sizeof dir, "%s/e2e", build && *build ? build : "build");
    mkdir(build && *build ? build : "build", 0755);
    mkdir(dir, 0755);
    snprintf(e2e_opt, sizeof e2e_opt, "--db=%s/difelus.db", dir);
    static const char *const suffixes[] = {"", "-wal", "-shm"};
    for (int i = 0; i < 3; i++) {
        char p[4300];
        snprintf(p, sizeof p, "%s/difelus.db%s", dir, suffixes[i]);
        unlink(p);
    }
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_first_start_shows_home),
        cmocka_unit_test(test_support_contact_from_settings),
        cmocka_unit_test(test_every_step_reached_and_left),
        cmocka_unit_test(test_tick_and_screen_survive_restart),
        cmocka_unit_test(test_mandate_bad_date_refused_fields_kept),
        cmocka_unit_test(test_mandate_edit_and_delete),
        cmocka_unit_test(test_small_terminal),
        cmocka_unit_test(test_tiny_terminal_ignored),
        cmocka_unit_test(test_resize_keeps_what_was_typed),
        cmocka_unit_test(test_accents_under_lang_c),
        cmocka_unit_test(test_colours_only_when_allowed),
        cmocka_unit_test(test_balance_recorded),
        cmocka_unit_test(test_other_ways_out),
        cmocka_unit_test(test_dossier_journey),
        cmocka_unit_test(test_search_screen_to_dossier),
    };
    return cmocka_run_group_tests_name("e2e", tests, NULL, NULL);
}
