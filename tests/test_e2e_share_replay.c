/* End-to-end: proposal numbers on the official's side (review findings 3 and 19). The real
 * wizard runs in a pseudo-terminal with a FAKE difelus-partage (as in
 * test_e2e_share_official.c): a proposal sent again after a reconnection is answered ok
 * and not applied a second time, so the official's later change survives; a number that is
 * not a number is answered « 0 refus ». */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "difelus/guide.h"
#include "difelus/share.h"
#include "difelus/store.h"
#include "harness.h"
#include "e2e.h"
#include "fixtures.h"
#include "share_fake.h"

#define AGENT_JSON "{\"agent\":\"0123456789abcdef0123456789abcdef\",\"nom\":\"Zoé Martin\"," \
                   "\"organisme\":\"Gestions Locales\"}"
#define CODE_JSON "{\"code\":\"K7QM3WX9\",\"expire\":600}"

/* Waits until the wizard has written `needle` to the helper `times` times. */
static void wait_count(struct fake *fk, const char *needle, int times)
{
    for (int i = 0; i < WAIT_MS / 5; i++) {
        if (count_received(fk, needle) >= times)
            return;
        struct timespec ts = {0, 5 * 1000 * 1000};
        nanosleep(&ts, NULL);
    }
    size_t len = 0;
    char *got = harness_read_file(fk->received, &len);
    fail_msg("le faux difelus-partage n'a pas reçu %d fois « %s » ; reçu : %.*s", times, needle,
             (int)(len > 2000 ? 2000 : len), got ? got : "(rien)");
}

/* "<head>" then the changeset of `sql` run on an empty checklist table. */
static void send_tick(struct fake *fk, const char *head, const char *sql)
{
    sqlite3 *mem;
    assert_int_equal(sqlite3_open(":memory:", &mem), SQLITE_OK);
    assert_int_equal(sqlite3_exec(mem, "CREATE TABLE checklist (item TEXT PRIMARY KEY, step"
                                       " INTEGER NOT NULL, done INTEGER NOT NULL DEFAULT 0,"
                                       " done_at TEXT, done_by TEXT);",
                                  NULL, NULL, NULL),
                     SQLITE_OK);
    sqlite3_session *ses;
    assert_int_equal(sqlite3session_create(mem, "main", &ses), SQLITE_OK);
    assert_int_equal(sqlite3session_attach(ses, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_exec(mem, sql, NULL, NULL, NULL), SQLITE_OK);
    int cs_len = 0;
    void *cs = NULL;
    assert_int_equal(sqlite3session_changeset(ses, &cs_len, &cs), SQLITE_OK);
    size_t n = strlen(head);
    char *payload = malloc(n + (size_t)cs_len);
    memcpy(payload, head, n);
    memcpy(payload + n, cs, (size_t)cs_len);
    fake_send(fk, "proposition", payload, n + (size_t)cs_len);
    free(payload);
    sqlite3_free(cs);
    sqlite3session_delete(ses);
    sqlite3_close(mem);
}

static int done_of(const char *path, const char *item)
{
    sqlite3 *db;
    assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
    sqlite3_busy_timeout(db, WAIT_MS); /* the wizard may be writing */
    sqlite3_stmt *stmt;
    assert_int_equal(sqlite3_prepare_v2(db, "SELECT done FROM checklist WHERE item = ?1", -1,
                                        &stmt, NULL),
                     SQLITE_OK);
    sqlite3_bind_text(stmt, 1, item, -1, SQLITE_STATIC);
    int done = sqlite3_step(stmt) == SQLITE_ROW ? sqlite3_column_int(stmt, 0) : 0;
    sqlite3_finalize(stmt);
    sqlite3_close(db);
    return done;
}

static void test_replayed_proposal_keeps_the_officials_change(void **state)
{
    (void)state;
    struct fake fk;
    fake_setup(&fk, "e2e-share-replay");
    struct term *t = fake_start(&fk);
    const char *path = fk.db_opt + strlen("--db=");
    WAIT(t, "Accueil");
    term_send(t, "a");
    WAIT(t, "Demande d'un code au relais…");
    fake_say(&fk, "ouvert", CODE_JSON);
    WAIT(t, "Code : K7QM-3WX9");
    term_send(t, "\033");
    WAIT(t, "Accueil");
    fake_say(&fk, "demande", AGENT_JSON);
    WAIT(t, "DEMANDE DU SUPPORT");
    WAIT(t, "o : accepter"); /* after the quiet second */
    term_send(t, "o");
    wait_count(&fk, "accepte 0 0\n", 1);
    WAIT(t, "lecture seule");
    fake_say(&fk, "demande-controle", "");
    WAIT(t, "DEMANDE DE CONTRÔLE");
    WAIT(t, "o : accepter"); /* after the quiet second */
    term_send(t, "o");
    wait_count(&fk, "controle-accorde 0 0\n", 1);

    const char *item = guide_step(1)->items[1].id;
    char tick[512];
    snprintf(tick, sizeof tick, "INSERT INTO checklist VALUES ('%s', 1, 1,"
                                " '2026-11-27T09:00:00Z', 'agent');", item);
    /* A number with a leading zero is no number: refused under 0, nothing applied. */
    send_tick(&fk, "08\n", tick);
    wait_count(&fk, "\n0 refus proposition illisible.", 1);
    assert_int_equal(done_of(path, item), 0);

    send_tick(&fk, "8\n", tick);
    wait_count(&fk, "\n8 ok", 1);
    assert_int_equal(done_of(path, item), 1);

    /* The official unticks it (here from another process on the same database). */
    {
        store *st = fixture_open(path);
        assert_int_equal(store_checklist_set(st, item, false, ACTOR_OFFICIAL), 0);
        store_close(st);
    }
    /* The helper sends proposal 8 again after a reconnection: ok, and not applied. */
    send_tick(&fk, "8\n", tick);
    wait_count(&fk, "\n8 ok", 2);
    assert_int_equal(done_of(path, item), 0);
    assert_int_equal(count_received(&fk, "\n8 refus"), 0);

    term_send(t, "\033OS"); /* F4 */
    wait_count(&fk, "fin 0 0\n", 1);
    assert_true(term_wait_gone(t, "Partage :"));
    quit_cleanly(t);
    fake_free(&fk);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_replayed_proposal_keeps_the_officials_change),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
