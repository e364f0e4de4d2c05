/* After kill -9, the wizard comes back as it was, down to what the state test does not
 * reach: the search's message about the last download or import, and the cursor's place
 * inside a half-typed field. And ⌫ at the end of a full field (a date, 10 characters of
 * 10) erases its last character in every form that has one. */
#include <dirent.h>
#include <sched.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <jansson.h>

#include "harness.h"
#include "e2e.h"

#define NBSP "\u00a0"
#define F5 "\033[15~"
#define F6 "\033[17~"
#define BACKSPACE "\177"


/* Kills the wizard with SIGKILL once it has drawn, starts it again at the same size on the
 * same database (and environment) and checks that the screen and the cursor are the
 * same. */
static void kill_and_compare(struct term **tp, const char *db, const char *const *env)
{
    pid_t pid = child_pid();
    assert_true(pid > 0);
    wait_idle(pid);
    assert_int_equal(kill(pid, SIGKILL), 0);
    assert_int_equal(term_wait_exit(*tp), 128 + SIGKILL);
    int row, col; /* read once everything written was read */
    term_cursor(*tp, &row, &col);
    char *before = strdup(term_text(*tp));
    assert_non_null(before);
    term_free(*tp);
    *tp = start(24, 80, db, env);
    if (!term_wait_for(*tp, before))
        fail_msg("écran différent après kill -9 ; avant :\n%s\naprès :\n%s", before,
                 term_text(*tp));
    assert_string_equal(term_text(*tp), before);
    if (!term_wait_cursor(*tp, row, col)) {
        int row2, col2;
        term_cursor(*tp, &row2, &col2);
        fail_msg("curseur en %d,%d avant kill -9, en %d,%d après", row, col, row2, col2);
    }
    free(before);
}

/* Characters of a UTF-8 text. */
static int text_chars(const char *s)
{
    int n = 0;
    for (; *s; s++)
        n += (*s & 0xC0) != 0x80;
    return n;
}

/* The field beside `label` holds `value`. */
static void field_shows(struct term *t, const char *label, const char *value)
{
    if (!term_wait_field(t, label, value))
        fail_msg("« %s » n'a pas la valeur « %s »", label, value);
}

/* Where the cursor is once `count` keys ← moved it from after `value` in the field beside
 * `label` (the field's text is read on screen, one column a character here). */
static void wait_cursor_back(struct term *t, const char *label, const char *value, int count)
{
    field_shows(t, label, value);
    int y = term_find_row(t, label);
    const char *row = term_row(t, y);
    const char *at = strstr(strstr(row, label) + strlen(label), value);
    int col = 0;
    for (const char *p = row; p < at; p++)
        col += (*p & 0xC0) != 0x80;
    if (!term_wait_cursor(t, y, col + text_chars(value) - count))
        fail_msg("le curseur n'est pas revenu de %d caractères dans « %s »", count, value);
}

/* A refused file, a refused download and an imported file: each message under the criteria
 * comes back after kill -9 at the same place, and goes at the next key as before. */
static void test_search_job_message_survives_kill(void **state)
{
    (void)state;
    char db[4200], home[4200], file[4300], env_home[4300];
    snprintf(db, sizeof db, "%s", fresh_db("resume-job"));
    snprintf(home, sizeof home, "%s", harness_tmpdir("resume-job-maison"));
    snprintf(file, sizeof file, "%s/formations de l’organisme « Élus & territoires ».csv",
             home);
    size_t len;
    char *csv = harness_read_file("tests/data/cdc-nouveau.csv", &len);
    harness_write_file(file, csv, len);
    free(csv);
    snprintf(env_home, sizeof env_home, "HOME=%s", home);
    /* Nothing listens on port 1 of this machine: the download is refused at once. */
    const char *env[] = {env_home, "DIFELUS_CATALOGUE_URL=http://127.0.0.1:1/", NULL};

    struct term *t = start(24, 80, db, env);
    WAIT(t, "Accueil");
    term_send(t, "r");
    WAIT(t, "F6 importe un fichier");
    term_send(t, F6);
    WAIT(t, "Fichier à importer dans le catalogue");
    term_send(t, "~/Téléchargements/catalogue – « envoyé » par le support….csv\r");
    WAIT(t, "Fichier refusé" NBSP ": Impossible de lire");
    kill_and_compare(&t, db, env);
    /* the next key takes the message away, as it did before the restart */
    term_send(t, "b");
    assert_true(term_wait_gone(t, "Fichier refusé"));

    term_send(t, F5);
    WAIT(t, "Connexion impossible");
    kill_and_compare(&t, db, env);
    term_send(t, BACKSPACE);
    assert_true(term_wait_gone(t, "Connexion impossible"));

    term_send(t, F6);
    WAIT(t, "Fichier à importer dans le catalogue");
    term_send(t, "\025~/formations de l’organisme « Élus & territoires ».csv\r");
    WAIT(t, "Fichier importé" NBSP ": 3 formations dans le catalogue.");
    kill_and_compare(&t, db, env);
    term_send(t, "budget");
    assert_true(term_wait_gone(t, "Fichier importé"));
    WAIT(t, "Préparer le budget communal");
    term_send_key(t, TK_F10);
    assert_int_equal(term_wait_exit(t), 0);
    term_free(t);
}

/* The mandate form's Fin field typed « 12/0 », the cursor moved back twice: after kill -9
 * the cursor is on the same character, and what is typed next goes there. */
static void test_cursor_in_field_survives_kill(void **state)
{
    (void)state;
    char db[4200];
    snprintf(db, sizeof db, "%s", fresh_db("resume-cursor"));
    struct term *t = start(24, 80, db, NULL);
    WAIT(t, "Accueil");
    term_send(t, "m");
    WAIT(t, "Aucun mandat enregistré");
    term_send(t, "n");
    WAIT(t, "nouveau mandat");
    term_send(t, "\tCommunauté d’agglomération « Privas Centre Ardèche »");
    term_send(t, "\tConseillère communautaire déléguée à l’habitat…");
    term_send(t, "\t22/03/2026\t12/0");
    field_shows(t, "Fin prévue", "12/0");
    term_send_key(t, TK_LEFT);
    term_send_key(t, TK_LEFT);
    wait_cursor_back(t, "Fin prévue", "12/0", 2);
    kill_and_compare(&t, db, NULL);
    term_send(t, "X");
    field_shows(t, "Fin prévue", "12X/0");
    /* a long text scrolled in its field: the same part shown, the cursor on the same
     * character */
    term_send_key(t, TK_UP);
    term_send_key(t, TK_UP);
    WAIT(t, "l’habitat…");
    term_send(t, " et au logement des jeunes travailleurs saisonniers");
    WAIT(t, "travailleurs saisonniers");
    for (int i = 0; i < 11; i++)
        term_send_key(t, TK_LEFT);
    wait_cursor_back(t, "Fonction", "saisonniers", 11);
    kill_and_compare(&t, db, NULL);
    term_send(t, "«");
    WAIT(t, "«saisonniers");
    term_send_key(t, TK_F10);
    WAIT(t, "Quitter sans enregistrer");
    term_send(t, "o");
    assert_int_equal(term_wait_exit(t), 0);
    term_free(t);
}

/* ⌫ with the cursor after a full date erases its last digit (the form open, the cursor
 * in the date beside `label`, which holds `full`). */
static void backspace_on_full_date(struct term *t, const char *label, const char *full)
{
    field_shows(t, label, full);
    char shorter[16];
    snprintf(shorter, sizeof shorter, "%.*s", (int)strlen(full) - 1, full);
    term_send(t, BACKSPACE);
    field_shows(t, label, shorter);
    int y = term_find_row(t, label);
    if (strstr(term_row(t, y), full))
        fail_msg("⌫ n'a rien effacé :\n%s", term_text(t));
    /* the digit typed back completes the date again */
    term_send(t, full + strlen(full) - 1);
    field_shows(t, label, full);
}

static void test_backspace_at_end_of_full_date(void **state)
{
    (void)state;
    char db[4200];
    snprintf(db, sizeof db, "%s", fresh_db("resume-backspace"));
    struct term *t = start(24, 80, db, NULL);
    WAIT(t, "Accueil");

    /* the mandate form: both dates typed whole */
    term_send(t, "m");
    WAIT(t, "Aucun mandat enregistré");
    term_send(t, "n");
    WAIT(t, "nouveau mandat");
    term_send(t, "\tCommune de Saint-Étienne-de-Lugdarès\tMaire\t22/03/2026");
    backspace_on_full_date(t, "Début du mandat", "22/03/2026");
    term_send(t, "\t31/03/2032");
    backspace_on_full_date(t, "Fin prévue", "31/03/2032");
    term_send(t, "\r");
    WAIT(t, "Mandat enregistré");

    /* the balance form: the date is prefilled with today */
    term_send(t, "s");
    WAIT(t, "Mon solde DIF élu");
    term_send(t, "712,50\t");
    backspace_on_full_date(t, "Date du relevé", "27/11/2026");
    term_send(t, "\r");
    WAIT(t, "Solde enregistré");
    term_send(t, "\033");
    /* Échap acted (its message replaced this one) before the next key: sent together,
     * they would be Alt and a letter. */
    assert_true(term_wait_gone(t, "Solde enregistré"));
    WAIT(t, "Accueil");

    /* the dossier form: its three dates */
    term_send(t, "d");
    WAIT(t, "Mes dossiers d'inscription");
    term_send(t, "n");
    WAIT(t, "nouveau dossier d'inscription");
    term_send(t, "Prendre la parole en public – « oser » l’intervention…");
    term_send(t, "\tÉlus & territoires – formation des élus locaux\t\t15/03/2027");
    backspace_on_full_date(t, "Début (JJ", "15/03/2027");
    term_send(t, "\t16/03/2027");
    backspace_on_full_date(t, "Fin (JJ", "16/03/2027");
    /* prefilled with today */
    term_send(t, "\t1 200,00\t14\t\t\t\t");
    backspace_on_full_date(t, "Créé sur MCF le", "27/11/2026");
    term_send(t, "\r");
    WAIT(t, "Dossier enregistré");

    /* the change of status: its date is prefilled with today */
    term_send(t, "c");
    WAIT(t, "changer le statut");
    term_send(t, "\t");
    backspace_on_full_date(t, "Changé le", "27/11/2026");
    term_send(t, "\033");
    WAIT(t, "Abandonner ce que vous avez tapé");
    term_send(t, "o");
    assert_true(term_wait_gone(t, "changer le statut"));
    quit_cleanly(t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_search_job_message_survives_kill),
        cmocka_unit_test(test_cursor_in_field_survives_kill),
        cmocka_unit_test(test_backspace_at_end_of_full_date),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
