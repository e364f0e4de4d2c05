/* The command line as a user runs it: help, version, usage errors, statut, reglage, and
 * the refusals (no terminal, bad database). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <jansson.h>
#include <libical/ical.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "difelus/store.h"
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
    assert_non_null(harness_strstr(r.out, "Usage : difelus"));
    assert_non_null(harness_strstr(r.out, "statut [--json]"));
    assert_non_null(harness_strstr(r.out, "--db FICHIER"));
    assert_string_equal(r.err, "");
    harness_run_free(&r);

    harness_run(&r, (const char *[]){"-V", NULL}, NULL);
    assert_int_equal(r.status, 0);
    assert_non_null(harness_strstr(r.out, "difelus 0."));
    assert_non_null(harness_strstr(r.out, "formations des élus"));
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
        if (r.status != 2 || !harness_strstr(r.err, cases[i].message) || !harness_strstr(r.err, "--help") ||
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
    assert_non_null(harness_strstr(r.out, "Étapes faites : 0/6"));
    assert_non_null(harness_strstr(r.out, "Étape en cours : 1 — Créer mon identité numérique"));
    assert_non_null(harness_strstr(r.out, "Solde DIF élu : inconnu"));
    assert_non_null(harness_strstr(r.out, "Mandats : aucun"));
    assert_non_null(harness_strstr(r.out, "Prochaine échéance : aucune"));
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
    assert_non_null(harness_strstr(r.err, "n'est pas une base difelus"));
    assert_non_null(harness_strstr(r.err, path));
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
    assert_non_null(harness_strstr(r.err, "s'affiche dans un terminal"));
    assert_non_null(harness_strstr(r.err, "difelus statut"));
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
    assert_non_null(harness_strstr(r.out, "organisme.nom = Gestions Locales"));
    assert_non_null(harness_strstr(r.out, "organisme.telephone = 09 53 34 28 34"));
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
    assert_non_null(harness_strstr(r.err, "Réglage inconnu"));
    harness_run_free(&r);
}

static void test_deadlines_command(void **state)
{
    (void)state;
    struct run_result r;
    harness_run(&r, (const char *[]){"echeances", "--demande", "2026-12-22", "--json", NULL}, NULL);
    assert_int_equal(r.status, 0);
    json_t *root = json_loads(r.out, 0, NULL);
    assert_non_null(root);
    assert_string_equal(json_string_value(json_object_get(root, "demande")), "2026-12-22");
    assert_string_equal(json_string_value(json_object_get(root, "reponse_organisme_avant")),
                        "2026-12-24");
    assert_string_equal(json_string_value(json_object_get(root, "debut_au_plus_tot")),
                        "2027-01-08");
    assert_null(json_object_get(root, "confirmation_avant"));
    assert_null(json_object_get(root, "debut_possible"));
    json_decref(root);
    harness_run_free(&r);

    harness_run(&r, (const char *[]){"echeances", "--demande", "22/12/2026", "--validation",
                                     "23/12/2026", "--debut", "2027-01-07", "--json", NULL},
                NULL);
    assert_int_equal(r.status, 0);
    root = json_loads(r.out, 0, NULL);
    assert_non_null(root);
    assert_string_equal(json_string_value(json_object_get(root, "confirmation_avant")),
                        "2026-12-30");
    assert_true(json_is_false(json_object_get(root, "debut_possible")));
    json_decref(root);
    harness_run_free(&r);

    harness_run(&r, (const char *[]){"echeances", "--demande", "2026-12-22", "--debut",
                                     "08/01/2027", "--json", NULL}, NULL);
    root = json_loads(r.out, 0, NULL);
    assert_true(json_is_true(json_object_get(root, "debut_possible")));
    json_decref(root);
    harness_run_free(&r);

    harness_run(&r, (const char *[]){"echeances", "--demande", "22/12/2026", NULL}, NULL);
    assert_int_equal(r.status, 0);
    assert_non_null(harness_strstr(r.out, "Réponse de l'organisme au plus tard le jeudi 24 décembre 2026"));
    assert_non_null(harness_strstr(r.out, "au plus tôt le vendredi 8 janvier 2027"));
    harness_run_free(&r);

    static const struct {
        const char *args[6];
        const char *message;
    } bad[] = {
        {{"echeances", "--demande", "31/02/2027", NULL}, "« 31/02/2027 » n'existe pas"},
        {{"echeances", "--demande", "2027-13-01", NULL}, "2027-13-01"},
        {{"echeances", "--demande", "hier", NULL}, "« hier » n'est pas une date"},
        {{"echeances", "--demande", "2026-12-22", "--debut", "00/01/2027", NULL}, "--debut"},
        {{"echeances", "--demande", "2026-12-22", "--validation", "2026-12-21", NULL},
         "ne peut pas précéder la demande"},
        {{"echeances", NULL}, "--demande JJ/MM/AAAA"},
        {{"statut", "--demande", "2026-12-22", NULL}, "qu'avec « echeances »"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        harness_run(&r, bad[i].args, NULL);
        if (r.status != 2 || !harness_strstr(r.err, bad[i].message) || r.out[0])
            fail_msg("cas %zu : code %d, « %s »", i, r.status, r.err);
        harness_run_free(&r);
    }
}

static void test_calendar_file_read_back(void **state)
{
    (void)state;
    const char *dir = harness_tmpdir("cli-ics");
    char db[4200], opt[4300], ics[4300];
    snprintf(db, sizeof db, "%s/d.db", dir);
    snprintf(opt, sizeof opt, "--db=%s", db);
    snprintf(ics, sizeof ics, "%s/formations.ics", dir);
    char err[1024];
    store *st = store_open(db, err, sizeof err);
    assert_non_null(st);
    struct date today = dates_today();
    struct dossier d;
    memset(&d, 0, sizeof d);
    snprintf(d.title, sizeof d.title, "Finances locales");
    d.start = dates_add_days(today, 40);
    d.end = dates_add_days(today, 41);
    d.price_cents = -1;
    assert_int_equal(store_dossier_save(st, &d, today, ACTOR_OFFICIAL), 0);
    assert_int_equal(store_dossier_set_status(st, d.id, DS_SENT, today, ACTOR_OFFICIAL), 0);
    assert_int_equal(store_dossier_set_status(st, d.id, DS_TO_VALIDATE, today, ACTOR_OFFICIAL), 0);
    struct dossier closed = d;
    closed.id = 0;
    snprintf(closed.title, sizeof closed.title, "Annulée");
    assert_int_equal(store_dossier_save(st, &closed, today, ACTOR_OFFICIAL), 0);
    assert_int_equal(store_dossier_set_status(st, closed.id, DS_CANCELLED, today, ACTOR_OFFICIAL), 0);
    store_close(st);

    struct run_result r;
    harness_run(&r, (const char *[]){opt, "calendrier", ics, NULL}, NULL);
    assert_int_equal(r.status, 0);
    assert_non_null(harness_strstr(r.out, "3 événements en attente écrits"));
    harness_run_free(&r);

    char *text = harness_read_file(ics, NULL);
    assert_non_null(text);
    icalcomponent *cal = icalparser_parse_string(text);
    free(text);
    assert_non_null(cal);
    assert_int_equal(icalcomponent_isa(cal), ICAL_VCALENDAR_COMPONENT);
    assert_true(icalrestriction_check(cal));
    assert_int_equal(icalcomponent_count_errors(cal), 0);
    int events = 0, confirm = 0, alarms = 0;
    struct date want = dates_add_working_days(today, 4);
    for (icalcomponent *ev = icalcomponent_get_first_component(cal, ICAL_VEVENT_COMPONENT); ev;
         ev = icalcomponent_get_next_component(cal, ICAL_VEVENT_COMPONENT)) {
        const char *summary = icalcomponent_get_summary(ev);
        /* Deadlines no longer pending, and the closed dossier's, are there to be dropped. */
        if (icalcomponent_get_status(ev) == ICAL_STATUS_CANCELLED)
            continue;
        events++;
        assert_null(harness_strstr(summary, "Annulée"));
        struct icaltimetype start = icalcomponent_get_dtstart(ev);
        assert_true(start.is_date);
        if (strcmp(summary, "Confirmer l'inscription — Finances locales") == 0) {
            confirm++;
            assert_int_equal(start.year, want.year);
            assert_int_equal(start.month, want.month);
            assert_int_equal(start.day, want.day);
        }
        icalcomponent *alarm = icalcomponent_get_first_component(ev, ICAL_VALARM_COMPONENT);
        assert_non_null(alarm);
        icalproperty *trigger = icalcomponent_get_first_property(alarm, ICAL_TRIGGER_PROPERTY);
        struct icaltriggertype t = icalproperty_get_trigger(trigger);
        assert_int_equal(icaldurationtype_as_int(t.duration), -86400);
        alarms++;
    }
    icalcomponent_free(cal);
    assert_int_equal(events, 3);
    assert_int_equal(confirm, 1);
    assert_int_equal(alarms, 3);

    harness_run(&r, (const char *[]){opt, "calendrier", "/nonexistent-dir/x.ics", NULL}, NULL);
    assert_int_equal(r.status, 1);
    assert_non_null(harness_strstr(r.err, "Impossible d'écrire « /nonexistent-dir/x.ics »"));
    harness_run_free(&r);
    harness_run(&r, (const char *[]){opt, "calendrier", NULL}, NULL);
    assert_int_equal(r.status, 2);
    harness_run_free(&r);
}

static void test_status_lists_open_dossiers(void **state)
{
    (void)state;
    const char *dir = harness_tmpdir("cli-dossiers");
    char db[4200], opt[4300];
    snprintf(db, sizeof db, "%s/d.db", dir);
    snprintf(opt, sizeof opt, "--db=%s", db);
    char err[1024];
    store *st = store_open(db, err, sizeof err);
    assert_non_null(st);
    struct date today = dates_today();
    struct dossier d;
    memset(&d, 0, sizeof d);
    snprintf(d.title, sizeof d.title, "Urbanisme");
    d.price_cents = -1;
    assert_int_equal(store_dossier_save(st, &d, dates_add_days(today, -10), ACTOR_OFFICIAL), 0);
    assert_int_equal(store_dossier_set_status(st, d.id, DS_SENT, dates_add_days(today, -10),
                                              ACTOR_OFFICIAL), 0);
    store_close(st);

    json_t *root = status_json(opt, NULL);
    json_t *list = json_object_get(root, "dossiers");
    assert_int_equal(json_array_size(list), 1);
    json_t *o = json_array_get(list, 0);
    assert_string_equal(json_string_value(json_object_get(o, "statut")), "envoyee");
    assert_string_equal(json_string_value(json_object_get(o, "statut_libelle")),
                        "Demande d'inscription envoyée");
    json_t *e = json_object_get(o, "echeance");
    assert_true(json_is_true(json_object_get(e, "en_retard")));
    assert_string_equal(json_string_value(json_object_get(e, "type")), "reponse_organisme");
    json_t *next = json_object_get(root, "prochaine_echeance");
    assert_true(json_is_true(json_object_get(next, "en_retard")));
    json_decref(root);

    struct run_result r;
    harness_run(&r, (const char *[]){opt, "statut", NULL}, NULL);
    assert_non_null(harness_strstr(r.out, "n° 1 « Urbanisme » : Demande d'inscription envoyée — EN RETARD"));
    assert_non_null(harness_strstr(r.out, "Prochaine échéance : EN RETARD"));
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
        cmocka_unit_test(test_deadlines_command),
        cmocka_unit_test(test_calendar_file_read_back),
        cmocka_unit_test(test_status_lists_open_dossiers),
    };
    return cmocka_run_group_tests_name("cli", tests, NULL, NULL);
}
