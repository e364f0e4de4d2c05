/* One table says SQLite's result codes in French for the database, the catalogue and the
 * search, each with what to do there; SQLite's English never reaches the official. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <string.h>

#include "harness.h"
#include "store_internal.h"

static void test_one_table(void **state)
{
    (void)state;
    static const int codes[] = {SQLITE_CORRUPT, SQLITE_NOTADB, SQLITE_FULL, SQLITE_IOERR,
                                SQLITE_IOERR_WRITE, SQLITE_READONLY, SQLITE_CANTOPEN,
                                SQLITE_PERM, SQLITE_NOMEM, SQLITE_BUSY, SQLITE_LOCKED,
                                SQLITE_TOOBIG, SQLITE_ERROR, SQLITE_CONSTRAINT};
    for (size_t i = 0; i < sizeof codes / sizeof codes[0]; i++) {
        const char *cause = store_sqlite_cause(codes[i]);
        assert_non_null(cause);
        assert_null(strstr(cause, sqlite3_errstr(codes[i])));
        for (int c = 0; c < SQLITE_CONTEXTS; c++) {
            const char *advice = store_sqlite_advice(codes[i], (enum store_sqlite_context)c);
            assert_true(strlen(advice) > 10);
            assert_int_equal(advice[strlen(advice) - 1], '.');
        }
    }
    assert_string_equal(store_sqlite_cause(SQLITE_IOERR_WRITE), store_sqlite_cause(SQLITE_IOERR));
    assert_string_equal(store_sqlite_cause(SQLITE_FULL), "le disque est plein");
    /* The database's message says the same cause and the same advice. */
    char err[1024];
    store_describe_sqlite(err, sizeof err, "/home/élue/difelus.db", SQLITE_FULL, "écriture");
    assert_non_null(harness_strstr(err, "Le disque est plein : rien n'a été enregistré"));
    assert_non_null(harness_strstr(err, store_sqlite_advice(SQLITE_FULL, SQLITE_FOR_DATABASE)));
    store_describe_sqlite(err, sizeof err, "/home/élue/difelus.db", SQLITE_BUSY, NULL);
    assert_non_null(harness_strstr(err, "Fichier occupé par un autre programme"));
    assert_non_null(harness_strstr(err, "Réessayez dans un instant."));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_one_table),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
