/* The dates a dossier takes from its status history (last transition, sent, validated,
 * created, first change), worked out by store_dossier_list in one pass over the events:
 * the same as the correlated subqueries that computed them before (kept here as the
 * reference), on histories entered out of order, on the same day, sent twice. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "difelus/store.h"
#include "harness.h"

/* The query store_dossier_list ran before: its answer is what the list must give. */
static const char reference_sql[] =
    "SELECT d.id,"
    " (SELECT event_date FROM dossier_event e WHERE e.dossier_id = d.id"
    "   ORDER BY e.event_date DESC, e.id DESC LIMIT 1),"
    " (SELECT event_date FROM dossier_event e WHERE e.dossier_id = d.id"
    "   AND e.status = 'envoyee' ORDER BY e.id DESC LIMIT 1),"
    " (SELECT event_date FROM dossier_event e WHERE e.dossier_id = d.id"
    "   AND e.status = 'validee' ORDER BY e.id DESC LIMIT 1),"
    " (SELECT event_date FROM dossier_event e WHERE e.dossier_id = d.id"
    "   AND e.status = 'creation' ORDER BY e.id LIMIT 1),"
    " (SELECT min(event_date) FROM dossier_event e WHERE e.dossier_id = d.id"
    "   AND e.status <> 'creation')"
    " FROM dossier d ORDER BY d.id DESC";

static void expect_date(sqlite3_stmt *ref, int col, struct date got, long long id,
                        const char *what)
{
    char want[32] = "", have[32] = "";
    const unsigned char *text = sqlite3_column_text(ref, col);
    if (text)
        snprintf(want, sizeof want, "%s", (const char *)text);
    if (got.year)
        snprintf(have, sizeof have, "%04d-%02d-%02d", got.year, got.month, got.day);
    if (strcmp(want, have) != 0)
        fail_msg("dossier %lld, %s : attendu « %s », obtenu « %s »", id, what, want, have);
}

static void test_dates_from_history_match_the_reference(void **state)
{
    (void)state;
    char path[4200], err[1024];
    snprintf(path, sizeof path, "%s/difelus.db", harness_tmpdir("store-dossier-dates"));
    store *st = store_open(path, err, sizeof err);
    assert_non_null(st);
    store_close(st);
    sqlite3 *db;
    assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
    /* 1: entered out of order, two events the same day, sent twice, validated.
     * 2: only created. 3: no event at all. 4: created after a change (dates entered after
     * the fact), refused. 5: two creations, the first one later in time. */
    assert_int_equal(
        sqlite3_exec(
            db,
            "INSERT INTO dossier (id, title) VALUES (1, 'Un'), (2, 'Deux'), (3, 'Trois'),"
            " (4, 'Quatre'), (5, 'Cinq'), (7, 'Sept');"
            "INSERT INTO dossier_event (id, dossier_id, status, event_date, actor) VALUES"
            " (10, 1, 'creation', '2026-11-02', 'official'),"
            " (11, 1, 'envoyee', '2026-11-05', 'official'),"
            " (12, 1, 'proposition', '2026-11-05', 'agent'),"
            " (13, 1, 'envoyee', '2026-11-04', 'official'),"
            " (14, 1, 'validee', '2026-11-09', 'official'),"
            " (15, 1, 'a_valider', '2026-11-03', 'official'),"
            " (20, 2, 'creation', '2026-10-30', 'official'),"
            " (40, 4, 'refusee', '2026-11-20', 'official'),"
            " (41, 4, 'creation', '2026-11-25', 'official'),"
            " (50, 5, 'creation', '2026-11-12', 'official'),"
            " (51, 5, 'creation', '2026-11-10', 'official'),"
            " (52, 5, 'envoyee', '2026-11-12', 'official'),"
            " (70, 7, 'annulee', '2026-12-01', 'official'),"
            " (71, 7, 'envoyee', '2026-12-01', 'official'),"
            " (72, 7, 'validee', '2026-11-30', 'official')",
            NULL, NULL, NULL),
        SQLITE_OK);
    st = store_open(path, err, sizeof err);
    assert_non_null(st);
    struct dossier *list;
    size_t n;
    assert_int_equal(store_dossier_list(st, &list, &n), 0);
    assert_int_equal(n, 6);
    sqlite3_stmt *ref;
    assert_int_equal(sqlite3_prepare_v2(db, reference_sql, -1, &ref, NULL), SQLITE_OK);
    size_t i = 0;
    while (sqlite3_step(ref) == SQLITE_ROW) {
        assert_true(i < n);
        long long id = sqlite3_column_int64(ref, 0);
        assert_int_equal(list[i].id, id); /* the same order: newest first */
        expect_date(ref, 1, list[i].status_date, id, "dernier changement de statut");
        expect_date(ref, 2, list[i].sent_on, id, "envoyée le");
        expect_date(ref, 3, list[i].validated_on, id, "validée le");
        expect_date(ref, 4, list[i].created_on, id, "créée le");
        expect_date(ref, 5, list[i].changed_on, id, "premier changement");
        i++;
    }
    assert_int_equal(i, n);
    /* A few answers spelled out, in case the reference itself were wrong. */
    assert_int_equal(list[5].id, 1);
    assert_int_equal(list[5].status_date.day, 9);  /* 14: the latest date */
    assert_int_equal(list[5].sent_on.day, 4);      /* 13: the last one entered */
    assert_int_equal(list[5].changed_on.day, 3);   /* 15: the earliest change */
    assert_int_equal(list[1].status_date.day, 12); /* dossier 5: 52 beats 50 the same day */
    assert_int_equal(list[1].created_on.day, 12);  /* 50: the first creation entered */
    sqlite3_finalize(ref);
    free(list);
    store_close(st);
    sqlite3_close(db);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_dates_from_history_match_the_reference),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
