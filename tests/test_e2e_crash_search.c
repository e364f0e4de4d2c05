/* Crash safety of the search's « Entrée créer le dossier » (issue 10, review): the dossier
 * and the answered question (the next screen, app->ui.confirm cleared) are one transaction.
 * They were two: killed between them, the wizard came back on the same question and Enter
 * made a second dossier.
 *
 * The moment between the two is made long without a debug hook in the program: a trigger
 * added by the test makes the screen's state update (the question answered) slow, and the
 * test reads the database meanwhile. A dossier readable while the question is still the
 * saved state is what a kill -9 at that moment would leave; the wizard is killed there. */
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <jansson.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "harness.h"
#include "e2e.h"

static void exec_sql(const char *path, const char *sql)
{
    sqlite3 *db;
    assert_int_equal(sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE, NULL), SQLITE_OK);
    sqlite3_busy_timeout(db, 60000);
    char *err = NULL;
    if (sqlite3_exec(db, sql, NULL, NULL, &err) != SQLITE_OK)
        fail_msg("%s : %s", sql, err);
    sqlite3_close(db);
}

/* One snapshot: how many dossiers, and the question the saved state asks. */
static void read_snapshot(sqlite3 *db, int *dossiers, char *confirm, size_t size)
{
    assert_int_equal(sqlite3_exec(db, "BEGIN", NULL, NULL, NULL), SQLITE_OK);
    sqlite3_stmt *s;
    assert_int_equal(sqlite3_prepare_v2(db, "SELECT count(*) FROM dossier", -1, &s, NULL),
                     SQLITE_OK);
    assert_int_equal(sqlite3_step(s), SQLITE_ROW);
    *dossiers = sqlite3_column_int(s, 0);
    sqlite3_finalize(s);
    assert_int_equal(sqlite3_prepare_v2(db, "SELECT confirm FROM ui_state", -1, &s, NULL),
                     SQLITE_OK);
    confirm[0] = '\0';
    if (sqlite3_step(s) == SQLITE_ROW && sqlite3_column_text(s, 0))
        snprintf(confirm, size, "%s", (const char *)sqlite3_column_text(s, 0));
    sqlite3_finalize(s);
    assert_int_equal(sqlite3_exec(db, "COMMIT", NULL, NULL, NULL), SQLITE_OK);
}

static void test_kill_after_create_from_search(void **state)
{
    (void)state;
    const char *opt = fresh_db("e2e-crash-search");
    char db[4300], path[4300];
    snprintf(db, sizeof db, "%s", opt);
    snprintf(path, sizeof path, "%s", db + strlen("--db="));
    struct run_result r;
    harness_run(&r, (const char *[]){db, "catalogue", "importer", "tests/data/organisme.csv", NULL},
                NULL);
    assert_int_equal(r.status, 0);
    harness_run_free(&r);

    struct term *t = start(24, 80, db, NULL);
    WAIT(t, "Accueil");
    term_send(t, "r");
    WAIT(t, "Tapez au moins deux lettres");
    term_send(t, "finances\r");
    WAIT(t, "Entrée\u00a0: créer un dossier avec cette formation");
    term_send(t, "\r");
    WAIT(t, "Entrée créer le dossier  Échap revenir aux résultats");
    wait_idle(child_pid());

    /* The question answered is saved slowly: a cross join counted (CPU only, no sleep). */
    exec_sql(path, "CREATE TABLE test_burn (x INTEGER);"
                   "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c"
                   " WHERE x < 250) INSERT INTO test_burn SELECT x FROM c;"
                   "CREATE TRIGGER test_slow_answer BEFORE UPDATE ON ui_state"
                   " WHEN OLD.confirm <> '' AND NEW.confirm = '' BEGIN"
                   " SELECT count(*) FROM test_burn a, test_burn b, test_burn c; END;");

    sqlite3 *reader;
    assert_int_equal(sqlite3_open_v2(path, &reader, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
    sqlite3_busy_timeout(reader, 60000);
    term_send(t, "\r");
    int dossiers = 0;
    char confirm[64] = "";
    /* Until the dossier is readable (polled, with a deadline of several minutes: valgrind). */
    for (long i = 0; i < 300000 && dossiers == 0; i++) {
        read_snapshot(reader, &dossiers, confirm, sizeof confirm);
        if (dossiers == 0)
            nanosleep(&(struct timespec){.tv_nsec = 1000000}, NULL);
    }
    pid_t pid = child_pid();
    assert_true(pid > 0);
    assert_int_equal(kill(pid, SIGKILL), 0); /* at once: the state as a crash leaves it */
    assert_int_equal(term_wait_exit(t), 128 + SIGKILL);
    term_free(t);
    sqlite3_close(reader);
    assert_int_equal(dossiers, 1);
    if (confirm[0])
        fail_msg("dossier enregistré alors que la question « %s » reste à l'écran au "
                 "redémarrage : Entrée en créerait un second",
                 confirm);

    exec_sql(path, "DROP TRIGGER test_slow_answer; DROP TABLE test_burn;");
    /* Started again: the new dossier's form, not the question; one dossier. */
    t = start(24, 80, db, NULL);
    WAIT(t, "Dossier n° 1");
    wait_idle(child_pid());
    assert_null(harness_strstr(term_text(t), "Entrée créer le dossier"));
    term_send_key(t, TK_F10);
    term_wait_exit(t);
    term_free(t);
    json_t *root = status_of(db);
    assert_int_equal(json_array_size(json_object_get(root, "dossiers")), 1);
    json_decref(root);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_kill_after_create_from_search),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
