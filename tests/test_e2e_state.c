/* Everything a screen shows is a function of the database (issue 8): the wizard killed
 * with SIGKILL on any screen — a dossier, a mandate being edited, a half-typed form, a
 * pending question, search results — comes back identical, character for character, at
 * the same size. And what another process writes (a setting, a tick) appears on the open
 * wizard without a key press. */
#include <dirent.h>
#include <sched.h>
#include <setjmp.h>
#include <signal.h>
#include <stdio.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <jansson.h>

#include "difelus/store.h"
#include "harness.h"
#include "e2e.h"

/* The ids of screens_all (screens/screens.c; this test does not link the screens). */
static const char *const screens_all_ids[] = {
    "accueil", "etape1", "etape2", "etape3", "etape4", "etape5", "etape6", "mandats", "mandat",
    "solde", "aide", "dossiers", "dossier", "dossier-modifier", "dossier-statut", "recherche",
    NULL,
};

/* Ids of the screens checked, to prove every screen of the table was. */
static char checked[64][32];
static int checked_count;

static void mark(const char *id)
{
    for (int i = 0; i < checked_count; i++)
        if (strcmp(checked[i], id) == 0)
            return;
    snprintf(checked[checked_count++], sizeof checked[0], "%s", id);
}


/* Kills the wizard with SIGKILL once it has drawn, reads what it left on the terminal,
 * starts it again at the same size on the same database and checks that the screen is
 * the same, character for character (the message line included: it is part of the saved
 * state, until the next key), with the cursor at the same place. */
static void kill_and_compare(struct term **tp, const char *db, const char *screen_id)
{
    pid_t pid = child_pid();
    assert_true(pid > 0);
    wait_idle(pid);
    assert_int_equal(kill(pid, SIGKILL), 0);
    assert_int_equal(term_wait_exit(*tp), 128 + SIGKILL);
    int row, col; /* the cursor too: in a form, on the same character of the same field */
    term_cursor(*tp, &row, &col);
    char *before = strdup(term_text(*tp));
    assert_non_null(before);
    term_free(*tp);
    *tp = start(24, 80, db, NULL);
    /* Blind to the kind of space while waiting, exact afterwards. */
    if (!term_wait_for(*tp, before))
        fail_msg("écran « %s » différent après kill -9 ; avant :\n%s", screen_id, before);
    assert_string_equal(term_text(*tp), before);
    if (!term_wait_cursor(*tp, row, col)) {
        int now_row, now_col;
        term_cursor(*tp, &now_row, &now_col);
        fail_msg("écran « %s » : curseur en %d,%d avant kill -9, en %d,%d après", screen_id,
                 row, col, now_row, now_col);
    }
    free(before);
    mark(screen_id);
}

static void import_catalogue(const char *db)
{
    struct run_result r;
    harness_run(&r, (const char *[]){db, "catalogue", "importer", "tests/data/organisme.csv",
                                     NULL},
                NULL);
    assert_int_equal(r.status, 0);
    harness_run_free(&r);
}

static void test_every_screen_survives_kill(void **state)
{
    (void)state;
    char db[4200];
    snprintf(db, sizeof db, "%s", fresh_db("e2e-state-kill"));
    import_catalogue(db);
    struct term *t = start(24, 80, db, NULL);
    WAIT(t, "Accueil");
    term_send_key(t, TK_DOWN);
    term_send_key(t, TK_DOWN);
    WAIT(t, "> [ ] 3.");
    kill_and_compare(&t, db, "accueil");

    /* The six steps, one ticked, the focus moved. */
    term_send(t, "1");
    WAIT(t, "Étape 1/6");
    term_send(t, " ");
    WAIT(t, "[x]");
    kill_and_compare(&t, db, "etape1");
    static const char *const steps[] = {"2", "3", "4", "5", "6"};
    for (size_t i = 0; i < 5; i++) {
        char title[32], id[16];
        term_send(t, steps[i]);
        snprintf(title, sizeof title, "Étape %s/6", steps[i]);
        snprintf(id, sizeof id, "etape%s", steps[i]);
        WAIT(t, title);
        WAIT(t, "q quitter");
        kill_and_compare(&t, db, id);
    }

    /* A new mandate, half-typed with French punctuation. */
    term_send(t, "m");
    WAIT(t, "Aucun mandat enregistré");
    kill_and_compare(&t, db, "mandats");
    term_send(t, "n");
    WAIT(t, "nouveau mandat");
    term_send(t, "\tCommunauté de communes « Val d’Ardèche » – Privas");
    term_send(t, "\tVice-présidente chargée de l’urbanisme…");
    WAIT(t, "Vice-présidente chargée de l’urbanisme…");
    kill_and_compare(&t, db, "mandat");
    /* The draft goes on where it was: the cursor in the same field. */
    term_send(t, " et des mobilités\t22/03/2026\t31/03/2032\r");
    WAIT(t, "Mandat enregistré");
    WAIT(t, "Vice-présidente chargée de l’urbanisme… et des mobilités");
    kill_and_compare(&t, db, "mandats");
    /* A pending question survives too, and its answer still works. */
    term_send(t, "x");
    WAIT(t, "Supprimer le mandat");
    kill_and_compare(&t, db, "mandats");
    term_send(t, "n");
    WAIT(t, "Le mandat est gardé");
    /* The mandate being edited (not a new one) comes back as itself. */
    term_send(t, "\r");
    WAIT(t, "modifier un mandat");
    WAIT(t, "Val d’Ardèche");
    kill_and_compare(&t, db, "mandat");
    term_send(t, "\033");
    WAIT(t, "Rien n'a été modifié");

    /* The balance, half-typed. */
    term_send(t, "s");
    WAIT(t, "Mon solde DIF élu");
    term_send(t, "1 250,50");
    WAIT(t, "1 250,50");
    kill_and_compare(&t, db, "solde");
    /* Échap after typing asks first: the question survives. */
    term_send(t, "\033");
    WAIT(t, "Abandonner ce que vous avez tapé");
    kill_and_compare(&t, db, "solde");
    term_send(t, "o");
    WAIT(t, "Aucun solde enregistré");

    /* The help opened from step 3, scrolled: it still knows where it came from. */
    term_send(t, "3?");
    WAIT(t, "Étape 3 — ");
    term_send_key(t, TK_DOWN);
    term_send_key(t, TK_DOWN);
    WAIT(t, "Échap retour");
    kill_and_compare(&t, db, "aide");
    term_send(t, "\033");
    WAIT(t, "Étape 3/6");

    /* A search with results, the results focused, then the question before a dossier. */
    term_send(t, "r");
    WAIT(t, "Rechercher une formation");
    term_send(t, "finances");
    WAIT(t, "Les finances locales pour les élus");
    kill_and_compare(&t, db, "recherche");
    /* F6: the path of a file to import, half-typed (in the draft, not in the form). */
    term_send(t, "\033[17~");
    WAIT(t, "Fichier à importer dans le catalogue");
    term_send(t, "~/Téléchargements/formations – « élus » 2027…");
    WAIT(t, "« élus » 2027…");
    kill_and_compare(&t, db, "recherche");
    term_send(t, "\033");
    WAIT(t, "Aucun fichier importé");
    term_send(t, "\r");
    WAIT(t, "Entrée : créer un dossier");
    kill_and_compare(&t, db, "recherche");
    term_send(t, "\r");
    WAIT(t, "Créer un dossier avec cette formation");
    kill_and_compare(&t, db, "recherche");
    term_send(t, "\r");
    WAIT(t, "dates de la session.");
    /* The dossier's form, prefilled, then half-typed: the same dossier comes back. */
    term_send(t, "\t\t\t15/03/2027");
    WAIT(t, "15/03/2027");
    kill_and_compare(&t, db, "dossier-modifier");
    term_send(t, "\t15/03/2027\r");
    WAIT(t, "Dossier enregistré");
    WAIT(t, "du 15/03/2027 au 15/03/2027");
    kill_and_compare(&t, db, "dossier");
    term_send(t, "x");
    WAIT(t, "Supprimer le dossier");
    kill_and_compare(&t, db, "dossier");
    term_send(t, "n");
    WAIT(t, "Le dossier est gardé");
    term_send(t, "c");
    WAIT(t, "changer le statut");
    kill_and_compare(&t, db, "dossier-statut");
    term_send(t, "\033");
    WAIT(t, "Statut inchangé");
    term_send(t, "\033");
    WAIT(t, "Mes dossiers d'inscription");
    kill_and_compare(&t, db, "dossiers");

    /* A new dossier typed by hand, with French punctuation in its notes. */
    term_send(t, "n");
    WAIT(t, "nouveau dossier d'inscription");
    term_send(t, "Prendre la parole en public – « oser » l’intervention…");
    WAIT(t, "Prendre la parole en public");
    kill_and_compare(&t, db, "dossier-modifier");
    term_send_key(t, TK_F10);
    WAIT(t, "Quitter sans enregistrer");
    term_send(t, "o");
    assert_int_equal(term_wait_exit(t), 0);
    term_free(t);

    /* Every screen of the table was rebuilt. */
    for (int i = 0; screens_all_ids[i]; i++) {
        bool seen = false;
        for (int k = 0; k < checked_count; k++)
            seen = seen || strcmp(checked[k], screens_all_ids[i]) == 0;
        if (!seen)
            fail_msg("l'écran « %s » n'a pas été vérifié après kill -9", screens_all_ids[i]);
    }
}

/* The path in "--db=PATH". */
static const char *path_of(const char *db_option)
{
    return db_option + strlen("--db=");
}

/* A setting written by the command line, in another process, is on the open wizard's
 * home screen (its support line) without a key press. */
static void test_setting_from_other_process_appears(void **state)
{
    (void)state;
    char db[4200];
    snprintf(db, sizeof db, "%s", fresh_db("e2e-state-setting"));
    struct term *t = start(24, 80, db, NULL);
    WAIT(t, "Accueil");
    struct run_result r;
    harness_run(&r, (const char *[]){db, "reglage", "organisme.telephone", "04 75 66 12 34",
                                     NULL},
                NULL);
    assert_int_equal(r.status, 0);
    harness_run_free(&r);
    WAIT(t, "04 75 66 12 34");
    quit_cleanly(t);
}

/* A tick made through the store by another connection (a support agent, later) is on the
 * open step without a key press. */
static void test_tick_from_other_process_appears(void **state)
{
    (void)state;
    char db[4200];
    snprintf(db, sizeof db, "%s", fresh_db("e2e-state-tick"));
    struct term *t = start(24, 80, db, NULL);
    WAIT(t, "Accueil");
    term_send(t, "1");
    WAIT(t, "Étape 1/6");
    assert_null(strstr(term_text(t), "[x]"));
    char err[1024];
    store *st = store_open(path_of(db), err, sizeof err);
    assert_non_null(st);
    const struct guide_step *g = guide_step(1);
    assert_int_equal(store_checklist_set(st, g->items[0].id, true, ACTOR_AGENT), 0);
    store_close(st);
    WAIT(t, "[x]");
    quit_cleanly(t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_every_screen_survives_kill),
        cmocka_unit_test(test_setting_from_other_process_appears),
        cmocka_unit_test(test_tick_from_other_process_appears),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
