/* The changeset filter and the tables' primary keys: SQLite applies a changeset's changes
 * only to tables whose primary key matches its own, and skips the others without a word.
 * A proposal deleting a dossier with its history, whose dossier part claims another key,
 * would have deleted the history of a dossier that stays (found by fuzz_changeset): it is
 * refused, with a French reason, and the official's dossier keeps its history. An update
 * without its row's key, on which SQLite crashed, is refused on both sides. */
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
#include "fixtures.h"
#include "difelus/share.h"
#include "difelus/store.h"
#include "difelus/text.h"
#include "store_internal.h"

/* The table header of `table` in a changeset: 'T', its column count (one byte here), one
 * key flag a column, the name. Returns the offset of the flags, or -1. */
static long key_flags(const unsigned char *cs, size_t len, const char *table, int *ncol)
{
    size_t tl = strlen(table) + 1;
    for (size_t i = 0; i + 2 < len; i++) {
        if (cs[i] != 'T' || cs[i + 1] == 0 || cs[i + 1] > 64)
            continue;
        size_t name = i + 2 + cs[i + 1];
        if (name + tl <= len && memcmp(cs + name, table, tl) == 0) {
            *ncol = cs[i + 1];
            return (long)(i + 2);
        }
    }
    return -1;
}

static size_t history_length(store *st, long long dossier)
{
    struct dossier_event events[16];
    size_t n = 0;
    assert_int_equal(store_dossier_events(st, dossier, events, 16, &n), 0);
    return n;
}

static void test_dossier_part_with_another_key_refused(void **state)
{
    (void)state;
    store *off = fixture_fresh("filter-key", NULL, 0);
    fixture_mandate(off, MANDATE_MUNICIPAL, "Saint-Étienne-de-Tinée", "Conseillère municipale",
                    (struct date){2020, 7, 1}, (struct date){2026, 3, 15});
    long long dossier = fixture_dossier(off, "Les finances locales", (struct date){2026, 11, 2},
                                        (struct date){2027, 1, 12}, 700);
    assert_int_equal(store_share_record_start(off), 0);
    void *snap;
    size_t slen;
    assert_int_equal(store_snapshot(off, &snap, &slen), 0);
    char err[512];
    store *rep = store_open_replica(snap, slen, NULL, err, sizeof err);
    free(snap);
    if (!rep)
        fail_msg("%s", err);
    store_set_actor(rep, ACTOR_AGENT);

    /* The agent deletes the dossier, as its screen does: the dossier and its history. */
    assert_int_equal(store_proposal_begin(rep), 0);
    assert_int_equal(store_dossier_delete(rep, dossier), 0);
    void *buf = NULL;
    size_t len = 0;
    assert_int_equal(store_proposal_end(rep, &buf, &len), 0);
    assert_non_null(buf);
    size_t before = history_length(off, dossier);
    assert_true(before > 0);

    /* The dossier part now says its last column is part of the key. */
    int ncol = 0;
    long flags = key_flags(buf, len, "dossier", &ncol);
    assert_true(flags > 0 && ncol > 1);
    ((unsigned char *)buf)[flags + ncol - 1] = 2;

    assert_int_equal(store_share_apply_proposal(off, 1, buf, len), STORE_REFUSED);
    const char *why = store_error(off);
    if (!harness_strstr(why, "vient d'une autre version de difelus"))
        fail_msg("raison : %s", why);
    assert_true(text_is_clean(why));
    /* The dossier is there, and so is its whole history. */
    struct dossier *list = NULL;
    size_t n = 0;
    assert_int_equal(store_dossier_list(off, &list, &n), 0);
    assert_int_equal(n, 1);
    assert_int_equal(list[0].id, dossier);
    free(list);
    assert_int_equal(history_length(off, dossier), before);

    /* The same proposal untouched goes through: the check does not refuse the real keys. */
    ((unsigned char *)buf)[flags + ncol - 1] = 0;
    assert_int_equal(store_share_apply_proposal(off, 2, buf, len), 0);
    assert_int_equal(store_dossier_list(off, &list, &n), 0);
    assert_int_equal(n, 0);
    free(list);
    free(buf);
    store_close(rep);
    store_close(off);
}

/* An update whose row key is left undefined: SQLite 3.40 crashed applying it (found by
 * fuzz_changeset). The official's side refuses it as unreadable, the agent's replica too. */
static void test_update_without_its_key_refused(void **state)
{
    (void)state;
    store *off = fixture_fresh("filter-key-undefined", NULL, 0);
    fixture_mandate(off, MANDATE_MUNICIPAL, "Saint-Étienne-de-Tinée", "Conseillère municipale",
                    (struct date){2020, 7, 1}, (struct date){2026, 3, 15});
    void *snap;
    size_t slen;
    assert_int_equal(store_snapshot(off, &snap, &slen), 0);
    char err[512];
    store *rep = store_open_replica(snap, slen, NULL, err, sizeof err);
    if (!rep)
        fail_msg("%s", err);
    store *rep2 = store_open_replica(snap, slen, NULL, err, sizeof err);
    free(snap);
    if (!rep2)
        fail_msg("%s", err);
    store_set_actor(rep, ACTOR_AGENT);
    assert_int_equal(store_proposal_begin(rep), 0);
    assert_int_equal(sqlite3_exec(store_db(rep), "UPDATE mandate SET opposition = 1", NULL, NULL,
                                  NULL), SQLITE_OK);
    void *buf = NULL;
    size_t len = 0;
    assert_int_equal(store_proposal_end(rep, &buf, &len), 0);
    assert_non_null(buf);
    /* After the header: the op, the indirect flag, then the old key (an integer: its type
     * and 8 bytes), made undefined (type 0, no bytes). */
    int ncol = 0;
    long flags = key_flags(buf, len, "mandate", &ncol);
    assert_true(flags > 0);
    size_t rec = (size_t)flags + (size_t)ncol + strlen("mandate") + 1;
    unsigned char *cs = buf;
    assert_int_equal(cs[rec], SQLITE_UPDATE);
    assert_int_equal(cs[rec + 2], SQLITE_INTEGER);
    cs[rec + 2] = 0;
    memmove(cs + rec + 3, cs + rec + 11, len - (rec + 11));
    len -= 8;

    assert_int_equal(store_share_apply_proposal(off, 1, buf, len), STORE_REFUSED);
    if (!harness_strstr(store_error(off), "illisible"))
        fail_msg("raison : %s", store_error(off));
    struct mandate *list = NULL;
    size_t n = 0;
    assert_int_equal(store_mandate_list(off, &list, &n), 0);
    assert_int_equal(n, 1);
    assert_false(list[0].opposition);
    free(list);
    /* The same bytes reaching an agent's copy as the official's change. */
    assert_int_equal(store_replica_apply(rep2, buf, len), -1);
    assert_true(harness_strstr(store_error(rep2), "illisible") != NULL);
    assert_true(text_is_clean(store_error(rep2)));
    free(buf);
    store_close(rep2);
    store_close(rep);
    store_close(off);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_dossier_part_with_another_key_refused),
        cmocka_unit_test(test_update_without_its_key_refused),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
