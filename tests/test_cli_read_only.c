/* A base the official cannot write (owned by someone else, in someone else's folder): the
 * commands that only read show what is saved; the ones that write say, in French, whose it
 * is and what to do, with commands that can be pasted into a shell. Run as user 65534
 * through setpriv (root writes anywhere). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "difelus/store.h"
#include "harness.h"

/* A space in the folder's name: the advice must quote it for the shell. */
static char dir[80];
static char bin_before[4200];
static char path[300], db_opt[400];

static void unprivileged(void)
{
    if (geteuid() != 0)
        skip(); /* the case needs a base owned by another user */
    if (access("/usr/bin/setpriv", X_OK) != 0) {
        fprintf(stderr, "# setpriv absent : test de la base d'un autre utilisateur sauté\n");
        skip();
    }
    char bin[200], wrapper[200], script[600];
    snprintf(bin, sizeof bin, "%s/difelus", dir);
    size_t len;
    char *data = harness_read_file(harness_binary(), &len);
    assert_non_null(data);
    harness_write_file(bin, data, len);
    free(data);
    assert_int_equal(chmod(bin, 0755), 0);
    snprintf(wrapper, sizeof wrapper, "%s/en-utilisateur", dir);
    snprintf(script, sizeof script, "#!/bin/sh\nexec /usr/bin/setpriv --reuid=65534 "
                                    "--regid=65534 --clear-groups '%s' \"$@\"\n", bin);
    harness_write_file(wrapper, script, strlen(script));
    assert_int_equal(chmod(wrapper, 0755), 0);
    snprintf(bin_before, sizeof bin_before, "%s", getenv("DIFELUS_BIN") ? getenv("DIFELUS_BIN") : "");
    setenv("DIFELUS_BIN", wrapper, 1);
    unsetenv("DIFELUS_VALGRIND");
}

/* Root's base, one item ticked, in root's folder (0755), the file 0644: readable by all. */
static int make_root_base(void **state)
{
    (void)state;
    snprintf(dir, sizeof dir, "/tmp/difelus base de root-XXXXXX");
    assert_non_null(mkdtemp(dir));
    assert_int_equal(chmod(dir, 0755), 0);
    snprintf(path, sizeof path, "%s/difelus.db", dir);
    snprintf(db_opt, sizeof db_opt, "--db=%s", path);
    char err[4096];
    store *st = store_open(path, err, sizeof err);
    assert_non_null(st);
    assert_int_equal(store_checklist_set(st, "1.choix", true, ACTOR_OFFICIAL), 0);
    store_close(st);
    assert_int_equal(chmod(path, 0644), 0);
    return 0;
}

static int remove_root_base(void **state)
{
    (void)state;
    if (bin_before[0])
        setenv("DIFELUS_BIN", bin_before, 1);
    else
        unsetenv("DIFELUS_BIN");
    if (!dir[0])
        return 0;
    DIR *d = opendir(dir);
    struct dirent *e;
    while (d && (e = readdir(d))) {
        char f[400];
        if (e->d_name[0] == '.')
            continue;
        snprintf(f, sizeof f, "%s/%s", dir, e->d_name);
        unlink(f);
    }
    if (d)
        closedir(d);
    rmdir(dir);
    dir[0] = '\0';
    return 0;
}

static char *read_base(size_t *len)
{
    char *data = harness_read_file(path, len);
    assert_non_null(data);
    return data;
}

/* `statut` was refused « Impossible de modifier … » although it only reads. */
static void test_status_reads_a_base_of_another_user(void **state)
{
    (void)state;
    if (geteuid() != 0)
        skip();
    struct run_result r;
    /* root's catalogue beside it */
    harness_run(&r, (const char *[]){db_opt, "catalogue", "importer", "tests/data/cdc-nouveau.csv",
                                     NULL}, NULL);
    assert_int_equal(r.status, 0);
    harness_run_free(&r);
    char cat[400];
    snprintf(cat, sizeof cat, "%s/catalogue.db", dir);
    assert_int_equal(chmod(cat, 0644), 0);
    unprivileged();
    size_t before_len, after_len;
    char *before = read_base(&before_len);
    harness_run(&r, (const char *[]){db_opt, "statut", NULL}, NULL);
    if (r.status != 0)
        fail_msg("statut %d : %s", r.status, r.err);
    assert_non_null(harness_strstr(r.out, "Étape 1 — Créer mon identité numérique (1/4)"));
    assert_non_null(harness_strstr(r.err, "en lecture seule pour vous"));
    harness_run_free(&r);
    harness_run(&r, (const char *[]){db_opt, "statut", "--json", NULL}, NULL);
    assert_int_equal(r.status, 0);
    assert_int_equal(r.out[0], '{'); /* the note is on stderr: stdout stays JSON */
    harness_run_free(&r);
    harness_run(&r, (const char *[]){db_opt, "catalogue", "info", NULL}, NULL);
    assert_int_equal(r.status, 0);
    assert_non_null(harness_strstr(r.out, "3 formations : 3 de la Caisse des Dépôts"));
    harness_run_free(&r);
    harness_run(&r, (const char *[]){db_opt, "catalogue", "chercher", "budget", NULL}, NULL);
    if (r.status != 0)
        fail_msg("chercher %d : %s", r.status, r.err);
    assert_non_null(harness_strstr(r.out, "Préparer le budget communal"));
    harness_run_free(&r);
    char *after = read_base(&after_len);
    assert_int_equal(before_len, after_len);
    assert_memory_equal(before, after, before_len);
    free(before);
    free(after);
}

/* A change was told « chmod 600 « …/difelus.db » »: nobody can chmod root's file, and
 * the « » and the space broke the command once pasted. */
static void test_change_says_whose_base_it_is(void **state)
{
    (void)state;
    unprivileged();
    char quoted[400];
    snprintf(quoted, sizeof quoted, "cp '%s' ~/difelus.db", path);
    struct run_result r;
    harness_run(&r, (const char *[]){db_opt, "reglage", "organisme.nom", "Autre", NULL}, NULL);
    assert_int_equal(r.status, 1);
    assert_non_null(harness_strstr(r.err, "appartient à un autre utilisateur"));
    assert_non_null(harness_strstr(r.err, quoted));
    assert_non_null(harness_strstr(r.err, "difelus --db ~/difelus.db"));
    assert_null(harness_strstr(r.err, "chmod"));
    harness_run_free(&r);

    /* the base writable but not its folder (the -wal and -shm): the same advice */
    assert_int_equal(chmod(path, 0666), 0);
    harness_run(&r, (const char *[]){db_opt, "reglage", "organisme.nom", "Autre", NULL}, NULL);
    assert_int_equal(r.status, 1);
    assert_non_null(harness_strstr(r.err, "Ce dossier appartient à un autre utilisateur"));
    assert_non_null(harness_strstr(r.err, quoted));
    assert_null(harness_strstr(r.err, "chmod"));
    harness_run_free(&r);
    harness_run(&r, (const char *[]){db_opt, "statut", NULL}, NULL);
    assert_int_equal(r.status, 0);
    assert_non_null(harness_strstr(r.out, "(1/4)"));
    harness_run_free(&r);
}

/* A first calendar needs an identifier stored in the base: said, not a random one (the
 * agenda would get every event twice); once it is there, the calendar is written. */
static void test_calendar_from_a_base_of_another_user(void **state)
{
    (void)state;
    unprivileged();
    char ics[400], own[300];
    snprintf(own, sizeof own, "%s/agenda", dir);
    assert_int_equal(mkdir(own, 0777), 0);
    assert_int_equal(chmod(own, 0777), 0);
    snprintf(ics, sizeof ics, "%s/formations.ics", own);
    struct run_result r;
    harness_run(&r, (const char *[]){db_opt, "calendrier", ics, NULL}, NULL);
    assert_int_equal(r.status, 1);
    assert_non_null(harness_strstr(r.err, "premier calendrier"));
    assert_non_null(harness_strstr(r.err, "--db"));
    harness_run_free(&r);
    char err[4096], id[64];
    store *st = store_open(path, err, sizeof err);
    assert_non_null(st);
    assert_int_equal(store_database_id(st, id, sizeof id), 0);
    store_close(st);
    harness_run(&r, (const char *[]){db_opt, "calendrier", ics, NULL}, NULL);
    if (r.status != 0)
        fail_msg("calendrier %d : %s", r.status, r.err);
    harness_run_free(&r);
    assert_int_equal(access(ics, R_OK), 0);
    unlink(ics);
    rmdir(own);
}

/* A base of an older schema cannot be read without its update, which writes. */
static void test_old_base_needs_its_update(void **state)
{
    (void)state;
    unprivileged();
    unlink(path);
    char err[4096];
    store *st = store_open_at_version(path, STORE_SCHEMA_VERSION - 1, err, sizeof err);
    assert_non_null(st);
    store_close(st);
    assert_int_equal(chmod(path, 0644), 0);
    struct run_result r;
    harness_run(&r, (const char *[]){db_opt, "statut", NULL}, NULL);
    assert_int_equal(r.status, 1);
    assert_non_null(harness_strstr(r.err, "version plus ancienne"));
    assert_non_null(harness_strstr(r.err, "mettre à jour"));
    assert_non_null(harness_strstr(r.err, "n'a pas été modifiée"));
    harness_run_free(&r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_status_reads_a_base_of_another_user,
                                        make_root_base, remove_root_base),
        cmocka_unit_test_setup_teardown(test_change_says_whose_base_it_is, make_root_base,
                                        remove_root_base),
        cmocka_unit_test_setup_teardown(test_calendar_from_a_base_of_another_user,
                                        make_root_base, remove_root_base),
        cmocka_unit_test_setup_teardown(test_old_base_needs_its_update, make_root_base,
                                        remove_root_base),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
