/* `difelus reglage`: the store alone judges a value (200 characters, not bytes nor
 * columns); a refused value exits 2, a database that fails exits 1. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"

static char db_path[4200], opt[4300];

static void fresh(const char *name)
{
    snprintf(db_path, sizeof db_path, "%s/d.db", harness_tmpdir(name));
    snprintf(opt, sizeof opt, "--db=%s", db_path);
    struct run_result r;
    harness_run(&r, (const char *[]){opt, "reglage", NULL}, NULL);
    assert_int_equal(r.status, 0);
    harness_run_free(&r);
}

static int reglage(const char *value, char **err)
{
    struct run_result r;
    harness_run(&r, (const char *[]){opt, "reglage", "organisme.nom", value, NULL}, NULL);
    int status = r.status;
    *err = strdup(r.err);
    harness_run_free(&r);
    return status;
}

/* 150 accented letters: 300 bytes, accepted by the store (200 characters). */
static void repeat(char *buf, size_t len, const char *unit, int n)
{
    buf[0] = '\0';
    for (int i = 0; i < n && strlen(buf) + strlen(unit) < len; i++)
        strcat(buf, unit);
}

static void test_refused_or_failed(void **state)
{
    (void)state;
    fresh("cli-setting");
    char value[1024], *err;
    repeat(value, sizeof value, "é", 150);
    assert_int_equal(reglage(value, &err), 0);
    free(err);
    repeat(value, sizeof value, "é", 201);
    assert_int_equal(reglage(value, &err), 2);
    assert_non_null(harness_strstr(err, "de 1 à 200 caractères (elle en fait 201)"));
    free(err);

    /* The database refuses every write now (as a full disk or a locked file would). */
    sqlite3 *db;
    assert_int_equal(sqlite3_open(db_path, &db), SQLITE_OK);
    assert_int_equal(sqlite3_exec(db,
                                  "CREATE TRIGGER no_write BEFORE INSERT ON setting BEGIN"
                                  " SELECT RAISE(ABORT, 'disque plein'); END;"
                                  "CREATE TRIGGER no_update BEFORE UPDATE ON setting BEGIN"
                                  " SELECT RAISE(ABORT, 'disque plein'); END;",
                                  NULL, NULL, NULL),
                     SQLITE_OK);
    sqlite3_close(db);
    /* A valid value that the command line used to judge again by bytes (300 ≥ 255) and by
     * columns: the failure is the database's, not the official's typing. */
    repeat(value, sizeof value, "é", 150);
    assert_int_equal(reglage(value, &err), 1);
    free(err);
    repeat(value, sizeof value, "\xe6\x97\xa5", 120); /* 120 wide characters: 240 columns */
    assert_int_equal(reglage(value, &err), 1);
    free(err);
    /* Still refused as such. */
    assert_int_equal(reglage("", &err), 2);
    free(err);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_refused_or_failed),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
