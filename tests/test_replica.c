/* Replication of the official's database to the agent's copy in memory (DESIGN §5): the
 * snapshot, the official's changes going across, the agent's proposals that leave its copy
 * untouched until the official's side takes them, and the agent's own catalogue. */
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
#include "difelus/catalogue.h"
#include "difelus/share.h"
#include "difelus/store.h"
#include "store_internal.h"

static bool ticked(store *st, const char *id)
{
    bool done[GUIDE_STEPS][GUIDE_MAX_ITEMS];
    assert_int_equal(store_checklist_load(st, done), 0);
    int step = 0;
    const struct guide_item *item = guide_item_find(id, &step);
    assert_non_null(item);
    return done[step - 1][item - guide_step(step)->items];
}

/* Who ticked an item, read with SQL on the store's own connection. */
static const char *done_by(store *st, const char *id)
{
    static char out[32];
    sqlite3_stmt *stmt;
    out[0] = '\0';
    assert_int_equal(sqlite3_prepare_v2(store_db(st), "SELECT done_by FROM checklist WHERE"
                                                      " item = ?1", -1, &stmt, NULL),
                     SQLITE_OK);
    sqlite3_bind_text(stmt, 1, id, -1, SQLITE_STATIC);
    if (sqlite3_step(stmt) == SQLITE_ROW && sqlite3_column_text(stmt, 0))
        snprintf(out, sizeof out, "%s", (const char *)sqlite3_column_text(stmt, 0));
    sqlite3_finalize(stmt);
    return out;
}

static store *official_with_data(const char *name)
{
    store *st = fixture_fresh(name, NULL, 0);
    fixture_mandate(st, MANDATE_MUNICIPAL, "Saint-Étienne-de-Tinée", "Conseillère municipale",
                    (struct date){2020, 7, 1}, (struct date){2026, 3, 15});
    fixture_mandate(st, MANDATE_COMMUNAUTAIRE, "Métropole Nice Côte d’Azur",
                    "Vice-présidente « mobilités »", (struct date){2020, 7, 10},
                    (struct date){2026, 3, 20});
    assert_int_equal(store_checklist_set(st, "2.connexion", true, ACTOR_OFFICIAL), 0);
    struct ui_state ui;
    assert_int_equal(store_ui_get(st, &ui), 0);
    snprintf(ui.screen, sizeof ui.screen, "etape2");
    ui.focus = 3;
    snprintf(ui.message, sizeof ui.message, "Coché : « Se connecter »");
    assert_int_equal(store_ui_set(st, &ui), 0);
    return st;
}

static store *replica_of(store *official, const char *catalogue)
{
    void *snap = NULL;
    size_t len = 0;
    assert_int_equal(store_snapshot(official, &snap, &len), 0);
    assert_non_null(snap);
    assert_true(len >= 4096);
    char err[1024] = "";
    store *r = store_open_replica(snap, len, catalogue, err, sizeof err);
    free(snap);
    if (!r)
        fail_msg("%s", err);
    assert_true(store_is_replica(r));
    return r;
}

static void test_snapshot_gives_the_same_data(void **state)
{
    (void)state;
    store *off = official_with_data("replica-snapshot");
    assert_false(store_is_replica(off));
    store *rep = replica_of(off, NULL);

    struct mandate *a, *b;
    size_t na, nb;
    assert_int_equal(store_mandate_list(off, &a, &na), 0);
    assert_int_equal(store_mandate_list(rep, &b, &nb), 0);
    assert_int_equal(na, 2);
    assert_int_equal(nb, 2);
    for (size_t i = 0; i < na; i++) {
        assert_string_equal(a[i].collectivite, b[i].collectivite);
        assert_string_equal(a[i].function, b[i].function);
        assert_int_equal(dates_compare(a[i].start, b[i].start), 0);
        assert_int_equal(dates_compare(a[i].end, b[i].end), 0);
    }
    free(a);
    free(b);
    assert_true(ticked(rep, "2.connexion"));
    assert_false(ticked(rep, "2.compte-elu"));
    struct ui_state ui;
    assert_int_equal(store_ui_get(rep, &ui), 0);
    assert_string_equal(ui.screen, "etape2");
    assert_int_equal(ui.focus, 3);
    assert_string_equal(ui.message, "Coché : « Se connecter »");
    assert_int_equal(store_schema_version(rep), STORE_SCHEMA_VERSION);

    /* No catalogue given: it behaves as on a fresh install, empty, without an error. */
    struct catalogue_hit hits[4];
    size_t n = 9;
    char err[512];
    struct catalogue_query q = {.words = "finances", .limit = 4};
    if (catalogue_search(rep, &q, hits, 4, &n, err, sizeof err) != 0)
        fail_msg("%s", err);
    assert_int_equal(n, 0);
    store_close(rep);
    store_close(off);
}

static void test_garbage_snapshot_refused_in_french(void **state)
{
    (void)state;
    char err[512] = "";
    char junk[200];
    memset(junk, 'x', sizeof junk);
    assert_null(store_open_replica(junk, sizeof junk, NULL, err, sizeof err));
    assert_non_null(strstr(err, "illisible"));
    /* Another program's SQLite database is not a difelus base. */
    char path[4200];
    snprintf(path, sizeof path, "%s/autre.db", harness_tmpdir("replica-foreign"));
    sqlite3 *db;
    assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
    assert_int_equal(sqlite3_exec(db, "CREATE TABLE t (x)", NULL, NULL, NULL), SQLITE_OK);
    sqlite3_int64 size = 0;
    unsigned char *image = sqlite3_serialize(db, "main", &size, 0);
    assert_non_null(image);
    err[0] = '\0';
    assert_null(store_open_replica(image, (size_t)size, NULL, err, sizeof err));
    assert_non_null(strstr(err, "pas une base difelus"));
    sqlite3_free(image);
    sqlite3_close(db);
}

static void test_official_change_reaches_the_replica(void **state)
{
    (void)state;
    store *off = official_with_data("replica-change");
    store *rep = replica_of(off, NULL);
    assert_int_equal(store_share_record_start(off), 0);
    void *cs = NULL;
    size_t len = 99;
    assert_int_equal(store_share_take(off, &cs, &len), 0);
    assert_null(cs); /* nothing changed yet */
    assert_int_equal(len, 0);

    assert_int_equal(store_checklist_set(off, "2.compte-elu", true, ACTOR_OFFICIAL), 0);
    struct ui_state ui;
    assert_int_equal(store_ui_get(off, &ui), 0);
    ui.focus = 4;
    assert_int_equal(store_ui_set(off, &ui), 0);
    assert_int_equal(store_share_take(off, &cs, &len), 0);
    assert_non_null(cs);
    assert_true(len > 0 && len < 1000);
    assert_false(ticked(rep, "2.compte-elu"));
    assert_int_equal(store_replica_apply(rep, cs, len), 0);
    free(cs);
    assert_true(ticked(rep, "2.compte-elu"));
    assert_string_equal(done_by(rep, "2.compte-elu"), "official");
    assert_int_equal(store_ui_get(rep, &ui), 0);
    assert_int_equal(ui.focus, 4);

    /* The take started afresh: the next one holds only what came after. */
    assert_int_equal(store_checklist_set(off, "2.compte-elu", false, ACTOR_OFFICIAL), 0);
    assert_int_equal(store_share_take(off, &cs, &len), 0);
    assert_non_null(cs);
    assert_int_equal(store_replica_apply(rep, cs, len), 0);
    free(cs);
    assert_false(ticked(rep, "2.compte-elu"));
    assert_true(ticked(rep, "2.connexion"));

    /* After stop, nothing is recorded. */
    store_share_record_stop(off);
    assert_int_equal(store_checklist_set(off, "2.compte-elu", true, ACTOR_OFFICIAL), 0);
    assert_int_equal(store_share_take(off, &cs, &len), -1);
    assert_null(cs);
    store_close(rep);
    store_close(off);
}

static void test_proposal_leaves_replica_unchanged_until_it_comes_back(void **state)
{
    (void)state;
    store *off = official_with_data("replica-proposal");
    store *rep = replica_of(off, NULL);
    assert_int_equal(store_share_record_start(off), 0);

    /* The agent ticks; the screens say ACTOR_OFFICIAL, they do not know they are remote. */
    assert_int_equal(store_proposal_begin(rep), 0);
    assert_int_equal(store_checklist_set(rep, "2.compte-elu", true, ACTOR_OFFICIAL), 0);
    void *prop = NULL;
    size_t plen = 0;
    assert_int_equal(store_proposal_end(rep, &prop, &plen), 0);
    assert_non_null(prop);
    assert_true(plen > 0);
    assert_false(ticked(rep, "2.compte-elu")); /* rolled back on the copy */

    /* A store function that opens its own transaction works inside a proposal too. */
    assert_int_equal(store_proposal_begin(rep), 0);
    assert_int_equal(store_credit_add(rep, 40000, (struct date){2026, 11, 20}), 0);
    void *credit = NULL;
    size_t clen = 0;
    assert_int_equal(store_proposal_end(rep, &credit, &clen), 0);
    assert_non_null(credit);
    struct credit_observation obs[2];
    size_t n = 9;
    assert_int_equal(store_credit_list(rep, obs, 2, &n), 0);
    assert_int_equal(n, 0);
    free(credit);

    /* A screen's own transaction rolled back (store_commit(st, false)) inside a proposal
     * leaves what came before it in the proposal. */
    assert_int_equal(store_proposal_begin(rep), 0);
    assert_int_equal(store_checklist_set(rep, "2.premiere", true, ACTOR_OFFICIAL), 0);
    assert_int_equal(store_begin(rep), 0);
    assert_int_equal(store_checklist_set(rep, "2.confirmation", true, ACTOR_OFFICIAL), 0);
    assert_int_equal(store_commit(rep, false), -1);
    assert_true(ticked(rep, "2.premiere"));
    assert_false(ticked(rep, "2.confirmation"));
    void *partial = NULL;
    size_t partial_len = 0;
    assert_int_equal(store_proposal_end(rep, &partial, &partial_len), 0);
    assert_non_null(partial);
    assert_false(ticked(rep, "2.premiere"));
    free(partial);

    /* Nothing changed: nothing to propose. */
    assert_int_equal(store_proposal_begin(rep), 0);
    void *none = (void *)1;
    size_t nlen = 9;
    assert_int_equal(store_proposal_end(rep, &none, &nlen), 0);
    assert_null(none);
    assert_int_equal(nlen, 0);

    /* The official's side applies it (recorded, as fact (c) of DESIGN §5 says)... */
    assert_int_equal(sqlite3changeset_apply(store_db(off), (int)plen, prop, NULL, NULL, NULL),
                     SQLITE_OK);
    free(prop);
    assert_true(ticked(off, "2.compte-elu"));
    assert_string_equal(done_by(off, "2.compte-elu"), "agent");
    /* ...and its next take carries it back to the agent. */
    void *back = NULL;
    size_t blen = 0;
    assert_int_equal(store_share_take(off, &back, &blen), 0);
    assert_non_null(back);
    assert_int_equal(store_replica_apply(rep, back, blen), 0);
    free(back);
    assert_true(ticked(rep, "2.compte-elu"));
    assert_string_equal(done_by(rep, "2.compte-elu"), "agent");

    /* A replica's author is the agent unless told otherwise. */
    store_set_actor(rep, ACTOR_OFFICIAL);
    assert_int_equal(store_proposal_begin(rep), 0);
    assert_int_equal(store_checklist_set(rep, "2.connexion", true, ACTOR_OFFICIAL), 0);
    assert_string_equal(done_by(rep, "2.connexion"), "official");
    assert_int_equal(store_proposal_end(rep, &prop, &plen), 0);
    free(prop);
    store_close(rep);
    store_close(off);
}

static void test_replica_reset_twice(void **state)
{
    (void)state;
    store *off = official_with_data("replica-reset");
    store *rep = replica_of(off, NULL);
    /* A statement left open, as a module caching one would leave it. */
    sqlite3_stmt *cached;
    assert_int_equal(sqlite3_prepare_v2(store_db(rep), "SELECT item FROM checklist", -1,
                                        &cached, NULL),
                     SQLITE_OK);
    assert_int_equal(sqlite3_step(cached), SQLITE_ROW);

    for (int round = 0; round < 2; round++) {
        struct mandate m = {.level = MANDATE_REGIONAL};
        snprintf(m.collectivite, sizeof m.collectivite, "Région n° %d", round + 1);
        snprintf(m.function, sizeof m.function, "Conseillère régionale");
        m.start = (struct date){2021, 7, 1};
        m.end = (struct date){2028, 3, 31};
        assert_int_equal(store_mandate_save(off, &m), 0);
        void *snap;
        size_t len;
        assert_int_equal(store_snapshot(off, &snap, &len), 0);
        if (store_replica_reset(rep, snap, len) != 0)
            fail_msg("%s", store_error(rep));
        free(snap);
        struct mandate *list;
        size_t n;
        assert_int_equal(store_mandate_list(rep, &list, &n), 0);
        assert_int_equal(n, 3 + (size_t)round);
        bool found = false;
        for (size_t i = 0; i < n; i++)
            found = found || strcmp(list[i].collectivite, m.collectivite) == 0;
        assert_true(found);
        free(list);
    }
    sqlite3_finalize(cached);
    /* And without a statement left open. */
    assert_int_equal(store_mandate_delete(off, 1), 0);
    void *snap;
    size_t len;
    assert_int_equal(store_snapshot(off, &snap, &len), 0);
    if (store_replica_reset(rep, snap, len) != 0)
        fail_msg("%s", store_error(rep));
    free(snap);
    struct mandate *list;
    size_t n;
    assert_int_equal(store_mandate_list(rep, &list, &n), 0);
    assert_int_equal(n, 3);
    free(list);
    /* Still a working replica: a proposal after a reset. */
    assert_int_equal(store_proposal_begin(rep), 0);
    assert_int_equal(store_checklist_set(rep, "1.choix", true, ACTOR_OFFICIAL), 0);
    void *prop;
    size_t plen;
    assert_int_equal(store_proposal_end(rep, &prop, &plen), 0);
    assert_non_null(prop);
    free(prop);
    /* Garbage is refused, the copy is kept. */
    assert_int_equal(store_replica_reset(rep, "pas une base", 12), -1);
    assert_true(ticked(rep, "2.connexion"));
    store_close(rep);
    store_close(off);
}

static void test_agent_catalogue_attached(void **state)
{
    (void)state;
    /* The agent's own folder, with its catalogue imported there. */
    store *agent = fixture_fresh("replica-agent-own", NULL, 0);
    struct catalogue_import r;
    char err[1024] = "";
    if (catalogue_import_file(agent, "tests/data/organisme.csv", &r, NULL, NULL, err,
                              sizeof err) != 0)
        fail_msg("%s", err);
    char cat[4200];
    snprintf(cat, sizeof cat, "%s", store_path(agent));
    snprintf(strrchr(cat, '/') + 1, 16, "catalogue.db");
    store_close(agent);

    store *off = official_with_data("replica-agent-official");
    store *rep = replica_of(off, cat);
    struct catalogue_hit hits[4];
    size_t n = 0;
    struct catalogue_query q = {.words = "finances locales", .limit = 4};
    if (catalogue_search(rep, &q, hits, 4, &n, err, sizeof err) != 0)
        fail_msg("%s", err);
    assert_int_equal(n, 1);
    assert_string_equal(hits[0].title, "Les finances locales pour les élus");
    /* New snapshots keep the agent's catalogue (FTS5 holds statements of its own on the
     * connection: valgrind checks nothing reads freed memory). */
    for (int round = 0; round < 3; round++) {
        void *snap;
        size_t len;
        assert_int_equal(store_snapshot(off, &snap, &len), 0);
        assert_int_equal(store_replica_reset(rep, snap, len), 0);
        free(snap);
        if (catalogue_search(rep, &q, hits, 4, &n, err, sizeof err) != 0)
            fail_msg("%s", err);
        assert_int_equal(n, 1);
        struct catalogue_info info;
        if (catalogue_get_info(rep, &info, err, sizeof err) != 0)
            fail_msg("%s", err);
        assert_int_equal(info.total, 2);
    }
    /* The official has none: the official's side finds nothing. */
    if (catalogue_search(off, &q, hits, 4, &n, err, sizeof err) != 0)
        fail_msg("%s", err);
    assert_int_equal(n, 0);
    store_close(rep);
    store_close(off);

    /* A path to a catalogue not there yet: empty, as on a fresh install. */
    off = official_with_data("replica-agent-none");
    char missing[4200];
    snprintf(missing, sizeof missing, "%s/catalogue.db", harness_tmpdir("replica-agent-empty"));
    rep = replica_of(off, missing);
    if (catalogue_search(rep, &q, hits, 4, &n, err, sizeof err) != 0)
        fail_msg("%s", err);
    assert_int_equal(n, 0);
    store_close(rep);
    store_close(off);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_snapshot_gives_the_same_data),
        cmocka_unit_test(test_garbage_snapshot_refused_in_french),
        cmocka_unit_test(test_official_change_reaches_the_replica),
        cmocka_unit_test(test_proposal_leaves_replica_unchanged_until_it_comes_back),
        cmocka_unit_test(test_replica_reset_twice),
        cmocka_unit_test(test_agent_catalogue_attached),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
