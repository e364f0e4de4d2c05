/* The command line as a user runs it: help, version, usage errors, statut, reglage, and
 * the refusals (no terminal, bad database). */
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

#include "harness.h"

static char db_opt[4200];

/* "--db=<fresh path>" in a new folder. */
static const char *fresh_db(const char *name)
{
    snprintf(db_opt, sizeof db_opt, "--db=%s/difelus.db", harness_tmpdir(name));
    return db_opt;
}

static void test_help_and_version(void **state)
{
    (void)state;
    struct run_result r;
    harness_run(&r, (const char *[]){"--help", NULL}, NULL);
    assert_int_equal(r.status, 0);
    assert_non_null(strstr(r.out, "Usage : difelus"));
    assert_non_null(strstr(r.out, "statut [--json]"));
    assert_non_null(strstr(r.out, "--db FICHIER"));
    assert_string_equal(r.err, "");
    harness_run_free(&r);

    harness_run(&r, (const char *[]){"-V", NULL}, NULL);
    assert_int_equal(r.status, 0);
    assert_non_null(strstr(r.out, "difelus 0."));
    assert_non_null(strstr(r.out, "formations des élus"));
    harness_run_free(&r);
}

static void test_usage_errors_exit_2_in_french(void **state)
{
    (void)state;
    static const struct {
        const char *args[5];
        const char *message;
    } cases[] = {
        {{"--frobnicate", NULL}, "option inconnue « --frobnicate »"},
        {{"-x", NULL}, "option inconnue « -x »"},
        {{"--db", NULL}, "attend une valeur"},
        {{"--db=", "statut", NULL}, "nom de fichier non vide"},
        {{"lancer", NULL}, "commande inconnue « lancer »"},
        {{"statut", "maintenant", NULL}, "ne prend pas d'argument"},
        {{"--json", NULL}, "--json ne s'emploie qu'avec une commande"},
        {{"reglage", "a", "b", "c"}, "au plus une clé et une valeur"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct run_result r;
        harness_run(&r, cases[i].args, NULL);
        if (r.status != 2 || !strstr(r.err, cases[i].message) || !strstr(r.err, "--help") ||
            r.out[0] != '\0')
            fail_msg("cas %zu : code %d, stderr « %s »", i, r.status, r.err);
        harness_run_free(&r);
    }
}

static json_t *status_json(const char *db, const char *const *env)
{
    struct run_result r;
    if (db)
        harness_run(&r, (const char *[]){db, "statut", "--json", NULL}, env);
    else
        harness_run(&r, (const char *[]){"statut", "--json", NULL}, env);
    assert_int_equal(r.status, 0);
    json_error_t jerr;
    json_t *root = json_loads(r.out, 0, &jerr);
    if (!root)
        fail_msg("JSON invalide (%s) : %s", jerr.text, r.out);
    harness_run_free(&r);
    return root;
}

static void test_status_json_on_fresh_database(void **state)
{
    (void)state;
    json_t *root = status_json(fresh_db("cli-json"), NULL);
    json_t *steps = json_object_get(root, "etapes");
    assert_int_equal(json_integer_value(json_object_get(steps, "faites")), 0);
    assert_int_equal(json_integer_value(json_object_get(steps, "total")), 6);
    assert_int_equal(json_integer_value(json_object_get(steps, "en_cours")), 1);
    json_t *detail = json_object_get(steps, "detail");
    assert_int_equal(json_array_size(detail), 6);
    json_t *s3 = json_array_get(detail, 2);
    assert_string_equal(json_string_value(json_object_get(s3, "titre")),
                        "Rechercher une formation");
    assert_true(json_is_array(json_object_get(s3, "elements_coches")));
    assert_true(json_is_false(json_object_get(s3, "faite")));
    assert_int_equal(json_array_size(json_object_get(root, "mandats")), 0);
    json_t *credit = json_object_get(root, "solde");
    assert_true(json_is_false(json_object_get(credit, "connu")));
    assert_true(json_is_null(json_object_get(credit, "montant_centimes")));
    assert_true(json_is_null(json_object_get(root, "prochaine_echeance")));
    assert_non_null(json_string_value(json_object_get(root, "version")));
    json_decref(root);
}

static void test_status_text(void **state)
{
    (void)state;
    struct run_result r;
    harness_run(&r, (const char *[]){fresh_db("cli-text"), "statut", NULL}, NULL);
    assert_int_equal(r.status, 0);
    assert_non_null(strstr(r.out, "Étapes faites : 0/6"));
    assert_non_null(strstr(r.out, "Étape en cours : 1 — Créer mon identité numérique"));
    assert_non_null(strstr(r.out, "Solde DIF élu : inconnu"));
    assert_non_null(strstr(r.out, "Mandats : aucun"));
    assert_non_null(strstr(r.out, "Prochaine échéance : aucune"));
    harness_run_free(&r);
}

static void test_database_from_environment_and_default_path(void **state)
{
    (void)state;
    char env_db[4200], xdg[4200], path[4300];
    snprintf(env_db, sizeof env_db, "DIFELUS_DB=%s/env.db", harness_tmpdir("cli-env"));
    json_t *root = status_json(NULL, (const char *[]){env_db, NULL});
    assert_string_equal(json_string_value(json_object_get(root, "base")), env_db + 11);
    json_decref(root);

    /* Without --db nor DIFELUS_DB: $XDG_DATA_HOME/difelus/difelus.db, created 0600. */
    char dir[4096];
    if (!realpath(harness_tmpdir("cli-xdg"), dir))
        fail_msg("realpath");
    snprintf(xdg, sizeof xdg, "XDG_DATA_HOME=%s/data", dir);
    struct run_result r;
    harness_run(&r, (const char *[]){"statut", NULL}, (const char *[]){xdg, NULL});
    assert_int_equal(r.status, 0);
    harness_run_free(&r);
    snprintf(path, sizeof path, "%s/data/difelus/difelus.db", dir);
    struct stat sb;
    assert_int_equal(stat(path, &sb), 0);
    assert_int_equal(sb.st_mode & 0777, 0600);
    snprintf(path, sizeof path, "%s/data/difelus", dir);
    assert_int_equal(stat(path, &sb), 0);
    assert_int_equal(sb.st_mode & 0777, 0700);
}

static void test_bad_database_exit_1_untouched(void **state)
{
    (void)state;
    const char *dir = harness_tmpdir("cli-baddb");
    char path[4200], opt[4300];
    snprintf(path, sizeof path, "%s/photo.jpg", dir);
    const char garbage[] = "\xff\xd8\xff\xe0 not a database at all, but a picture";
    harness_write_file(path, garbage, sizeof garbage);
    snprintf(opt, sizeof opt, "--db=%s", path);
    struct run_result r;
    harness_run(&r, (const char *[]){opt, "statut", NULL}, NULL);
    assert_int_equal(r.status, 1);
    assert_non_null(strstr(r.err, "n'est pas une base difelus"));
    assert_non_null(strstr(r.err, path));
    assert_string_equal(r.out, "");
    harness_run_free(&r);
    size_t len;
    char *after = harness_read_file(path, &len);
    assert_int_equal(len, sizeof garbage);
    assert_memory_equal(after, garbage, len);
    free(after);
}

static void test_wizard_refuses_without_terminal(void **state)
{
    (void)state;
    struct run_result r;
    const char *db = fresh_db("cli-notty");
    harness_run(&r, (const char *[]){db, NULL}, NULL); /* stdin /dev/null, stdout a pipe */
    assert_int_equal(r.status, 1);
    assert_non_null(strstr(r.err, "s'affiche dans un terminal"));
    assert_non_null(strstr(r.err, "difelus statut"));
    assert_string_equal(r.out, ""); /* no escape sequence garbled into the output */
    harness_run_free(&r);
    struct stat sb;
    assert_int_not_equal(stat(db + 5, &sb), 0); /* nothing created either */
}

static void test_settings(void **state)
{
    (void)state;
    const char *db = fresh_db("cli-settings");
    struct run_result r;
    harness_run(&r, (const char *[]){db, "reglage", NULL}, NULL);
    assert_int_equal(r.status, 0);
    assert_non_null(strstr(r.out, "organisme.nom = Gestions Locales"));
    assert_non_null(strstr(r.out, "organisme.telephone = 09 53 34 28 34"));
    harness_run_free(&r);
    harness_run(&r, (const char *[]){db, "reglage", "organisme.telephone", "02 35 00 00 00", NULL},
                NULL);
    assert_int_equal(r.status, 0);
    harness_run_free(&r);
    harness_run(&r, (const char *[]){db, "reglage", "organisme.telephone", NULL}, NULL);
    assert_string_equal(r.out, "02 35 00 00 00\n");
    harness_run_free(&r);
    harness_run(&r, (const char *[]){db, "reglage", "organisme.fax", "x", NULL}, NULL);
    assert_int_equal(r.status, 2);
    assert_non_null(strstr(r.err, "Réglage inconnu"));
    harness_run_free(&r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_help_and_version),
        cmocka_unit_test(test_usage_errors_exit_2_in_french),
        cmocka_unit_test(test_status_json_on_fresh_database),
        cmocka_unit_test(test_status_text),
        cmocka_unit_test(test_database_from_environment_and_default_path),
        cmocka_unit_test(test_bad_database_exit_1_untouched),
        cmocka_unit_test(test_wizard_refuses_without_terminal),
        cmocka_unit_test(test_settings),
    };
    return cmocka_run_group_tests_name("cli", tests, NULL, NULL);
}
