/* The search screen says only what is true: its key line names only keys that do something
 * (no « ↑↓ choisir » over an empty list), and a catalogue address the server does not know
 * (HTTP 404) is called wrong, with the setting to check, instead of « Réessayez plus
 * tard ». */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <cmocka.h>
#include <jansson.h>

#include "harness.h"
#include "e2e.h"

#define NBSP "\u00a0"
#define F5 "\033[15~"
#define F6 "\033[17~"

static void import_catalogue(const char *db)
{
    struct run_result r;
    harness_run(&r, (const char *[]){db, "catalogue", "importer", "tests/data/organisme.csv",
                                     NULL},
                NULL);
    assert_int_equal(r.status, 0);
    harness_run_free(&r);
}

/* Results listed, then a file of the body replaces its trainings: the list is empty and
 * the key line no longer offers to choose or create. */
static void test_empty_results_offer_no_choice(void **state)
{
    (void)state;
    char db[4200], home[4200], file[4300], env[4300];
    snprintf(db, sizeof db, "%s", fresh_db("search-keys-empty"));
    import_catalogue(db);
    snprintf(home, sizeof home, "%s", harness_tmpdir("search-keys-maison"));
    snprintf(file, sizeof file, "%s/nouvelles formations.csv", home);
    static const char csv[] =
        "reference;intitule;organisme;siret;modalite;departement;prix;heures;description\n"
        "GL-07;Prendre la parole en public – « oser » l’intervention…;Gestions Locales;"
        "73282932000074;présentiel;Ardeche;490;7;Atelier filmé\n";
    harness_write_file(file, csv, strlen(csv));
    snprintf(env, sizeof env, "HOME=%s", home);
    struct term *t = start(24, 80, db, (const char *[]){env, NULL});
    WAIT(t, "Accueil");
    term_send(t, "r");
    WAIT(t, "Rechercher une formation");
    term_send(t, "réunion publique\r");
    WAIT(t, "Animer une réunion publique");
    WAIT(t, "↑↓ choisir  Entrée créer");
    term_send(t, F6);
    WAIT(t, "Fichier à importer dans le catalogue");
    term_send(t, "~/nouvelles formations.csv\r");
    WAIT(t, "Fichier importé" NBSP ": 1 formation dans le catalogue.");
    assert_true(term_wait_gone(t, "Animer une réunion publique"));
    WAIT(t, "Échap critères");
    if (strstr(term_text(t), "↑↓ choisir") || strstr(term_text(t), "Entrée créer"))
        fail_msg("touches sans effet proposées sur une liste vide :\n%s", term_text(t));
    /* Échap goes back to the criteria, as the line says */
    term_send(t, "\033");
    WAIT(t, "Tab champ  Entrée résultats");
    term_send_key(t, TK_F10);
    assert_int_equal(term_wait_exit(t), 0);
    term_free(t);
}

/* A helper that reports what a server answers for an unknown address. */
static const char *helper_404(const char *name)
{
    static char env[4300];
    char dir[4200], path[4300];
    snprintf(dir, sizeof dir, "%s", harness_tmpdir(name));
    snprintf(path, sizeof path, "%s/difelus-telecharger", dir);
    static const char script[] = "#!/bin/sh\nprintf 'erreur http 404\\n' >&3\nexit 1\n";
    harness_write_file(path, script, strlen(script));
    assert_int_equal(chmod(path, 0755), 0);
    snprintf(env, sizeof env, "DIFELUS_LIBEXEC_DIR=%s", dir);
    return env;
}

static void test_not_found_says_the_address_is_wrong(void **state)
{
    (void)state;
    char db[4200];
    snprintf(db, sizeof db, "%s", fresh_db("search-keys-404"));
    const char *env[] = {helper_404("search-keys-404-aide"),
                         "DIFELUS_CATALOGUE_URL=https://miroir.exemple.fr/catalogue-elus", NULL};
    struct term *t = start(24, 80, db, env);
    WAIT(t, "Accueil");
    term_send(t, "r");
    WAIT(t, "F5 télécharger");
    term_send(t, F5);
    if (!term_wait_for_wrapped(t, "Aucun catalogue à l'adresse "
                                  "https://miroir.exemple.fr/catalogue-elus (erreur HTTP 404)"))
        fail_msg("pas de message pour l'erreur 404 :\n%s", term_text(t));
    if (!term_wait_for_wrapped(t, "l'adresse est fausse. Vérifiez la variable "
                                  "DIFELUS_CATALOGUE_URL (voir le README)."))
        fail_msg("le message ne dit pas quoi vérifier :\n%s", term_text(t));
    assert_null(strstr(term_text(t), "Réessayez"));
    term_send_key(t, TK_F10);
    assert_int_equal(term_wait_exit(t), 0);
    term_free(t);

    /* the command line names its --url too */
    struct run_result r;
    harness_run(&r, (const char *[]){db, "catalogue", "synchroniser", "--url",
                                     "https://miroir.exemple.fr/elus/", NULL},
                (const char *[]){env[0], NULL});
    assert_int_equal(r.status, 1);
    if (!harness_strstr(r.err, "l'adresse est fausse. Vérifiez l'adresse donnée avec --url"))
        fail_msg("sortie d'erreur « %s »", r.err);
    assert_null(strstr(r.err, "Réessayez"));
    harness_run_free(&r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_empty_results_offer_no_choice),
        cmocka_unit_test(test_not_found_says_the_address_is_wrong),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
