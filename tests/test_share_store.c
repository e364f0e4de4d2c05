/* The shared session's tables (migration 7): where the session stands, kept across a crash
 * and reset at the next start, and the log of what happened, newest first. */
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

/* The first column of the first row of sql, read on the file directly. */
static char *sql_value(const char *path, const char *sql)
{
    static char out[512];
    sqlite3 *db;
    out[0] = '\0';
    assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
    sqlite3_stmt *stmt;
    if (sqlite3_prepare_v2(db, sql, -1, &stmt, NULL) == SQLITE_OK) {
        if (sqlite3_step(stmt) == SQLITE_ROW && sqlite3_column_text(stmt, 0))
            snprintf(out, sizeof out, "%s", (const char *)sqlite3_column_text(stmt, 0));
        sqlite3_finalize(stmt);
    } else {
        snprintf(out, sizeof out, "ERREUR");
    }
    sqlite3_close(db);
    return out;
}

static void test_fresh_database_has_the_share_tables(void **state)
{
    (void)state;
    char path[4200];
    snprintf(path, sizeof path, "%s/difelus.db", harness_tmpdir("share-store-fresh"));
    store *st = fixture_open(path);
    assert_int_equal(store_schema_version(st), 7);
    struct share_state s;
    memset(&s, 0x55, sizeof s);
    assert_int_equal(store_share_get(st, &s), 0);
    assert_int_equal(s.phase, SHARE_NONE);
    assert_string_equal(s.code, "");
    assert_string_equal(s.agent_name, "");
    assert_false(s.connection_lost);
    size_t n = 99;
    struct share_log_entry log[4];
    assert_int_equal(store_share_log_list(st, log, 4, &n), 0);
    assert_int_equal(n, 0);
    store_close(st);
    assert_string_equal(sql_value(path, "SELECT count(*) || phase FROM share_state"), "1aucun");
    /* The one row is the only one there can be. */
    assert_string_equal(sql_value(path, "SELECT count(*) FROM sqlite_master WHERE name IN"
                                        " ('share_state', 'share_log')"),
                        "2");
}

static void test_version_6_database_migrates(void **state)
{
    (void)state;
    char path[4200], err[1024];
    snprintf(path, sizeof path, "%s/difelus.db", harness_tmpdir("share-store-v6"));
    store *st = store_open_at_version(path, 6, err, sizeof err);
    assert_non_null(st);
    assert_int_equal(store_checklist_set(st, "2.connexion", true, ACTOR_OFFICIAL), 0);
    store_close(st);
    assert_string_equal(sql_value(path, "PRAGMA user_version"), "6");
    assert_string_equal(sql_value(path, "SELECT count(*) FROM sqlite_master WHERE name ="
                                        " 'share_state'"),
                        "0");

    st = fixture_open(path);
    assert_int_equal(store_schema_version(st), 7);
    struct share_state s;
    assert_int_equal(store_share_get(st, &s), 0);
    assert_int_equal(s.phase, SHARE_NONE);
    bool done[GUIDE_STEPS][GUIDE_MAX_ITEMS];
    assert_int_equal(store_checklist_load(st, done), 0);
    int step = 0;
    const struct guide_item *item = guide_item_find("2.connexion", &step);
    assert_non_null(item);
    assert_true(done[step - 1][item - guide_step(step)->items]); /* the tick survived */
    assert_int_equal(store_share_log_add(st, "ouverture", "", "", ""), 0);
    store_close(st);
    assert_string_equal(sql_value(path, "SELECT event FROM share_log"), "ouverture");
}

static void test_round_trip_keeps_french_text(void **state)
{
    (void)state;
    store *st = fixture_fresh("share-store-round-trip", NULL, 0);
    struct share_state in = {.phase = SHARE_CONTROL, .connection_lost = true};
    snprintf(in.code, sizeof in.code, "ABCD1234");
    snprintf(in.expires_at, sizeof in.expires_at, "2026-11-27T10:10:00Z");
    snprintf(in.agent_id, sizeof in.agent_id, "0123456789abcdef0123456789abcdef");
    snprintf(in.agent_name, sizeof in.agent_name, "Zoé L’Hôte – « support »…");
    snprintf(in.agent_org, sizeof in.agent_org, "Gestions Locales");
    snprintf(in.note, sizeof in.note, "Contrôle accordé à 10 h 02 ; l’agent voit l’écran !");
    assert_int_equal(store_share_set(st, &in), 0);
    struct share_state out;
    assert_int_equal(store_share_get(st, &out), 0);
    assert_int_equal(out.phase, SHARE_CONTROL);
    assert_string_equal(out.code, "ABCD1234");
    assert_string_equal(out.expires_at, in.expires_at);
    assert_string_equal(out.agent_id, in.agent_id);
    assert_string_equal(out.agent_name, in.agent_name);
    assert_string_equal(out.agent_org, in.agent_org);
    assert_string_equal(out.note, in.note);
    assert_true(out.connection_lost);

    /* Every phase goes and comes back under its own name. */
    for (int p = SHARE_NONE; p <= SHARE_CONTROL; p++) {
        in.phase = (enum share_phase)p;
        assert_int_equal(store_share_set(st, &in), 0);
        assert_int_equal(store_share_get(st, &out), 0);
        assert_int_equal(out.phase, p);
    }
    store_close(st);
}

static void test_outside_text_is_cleaned_and_capped(void **state)
{
    (void)state;
    store *st = fixture_fresh("share-store-outside", NULL, 0);
    struct share_state in = {.phase = SHARE_ASKED};
    /* What the relay says of the agent comes from outside: no control reaches a screen. */
    snprintf(in.agent_name, sizeof in.agent_name, "Ana\033[2J\x07 Martin\r\n\xe2\x80\xae");
    memset(in.agent_org, 'x', sizeof in.agent_org - 1);
    in.agent_org[sizeof in.agent_org - 1] = '\0';
    assert_int_equal(store_share_set(st, &in), 0);
    struct share_state out;
    assert_int_equal(store_share_get(st, &out), 0);
    assert_true(text_is_clean(out.agent_name));
    assert_null(strchr(out.agent_name, '\033'));
    assert_non_null(strstr(out.agent_name, "Martin"));
    assert_true(text_chars(out.agent_org) <= 80);
    assert_int_equal(store_share_log_add(st, "demande", "Ève\033]0;pirate\007", "Org\x01", "d\x7f"),
                     0);
    struct share_log_entry log[2];
    size_t n = 0;
    assert_int_equal(store_share_log_list(st, log, 2, &n), 0);
    assert_int_equal(n, 1);
    assert_true(text_is_clean(log[0].agent_name));
    assert_true(text_is_clean(log[0].agent_org));
    assert_true(text_is_clean(log[0].detail));
    assert_string_equal(log[0].agent_org, "Org");
    /* A code that is not a code is refused, nothing written. */
    snprintf(in.code, sizeof in.code, "UUUUUUUU");
    assert_int_equal(store_share_set(st, &in), STORE_REFUSED);
    store_close(st);
}

static void test_reset_stale_after_a_crash(void **state)
{
    (void)state;
    char opt[4300];
    store *st = fixture_fresh("share-store-stale", opt, sizeof opt);
    /* Nothing open: nothing logged. */
    assert_int_equal(store_share_reset_stale(st), 0);
    struct share_log_entry log[4];
    size_t n = 9;
    assert_int_equal(store_share_log_list(st, log, 4, &n), 0);
    assert_int_equal(n, 0);

    struct share_state in = {.phase = SHARE_VIEW};
    snprintf(in.code, sizeof in.code, "ABCD1234");
    snprintf(in.agent_name, sizeof in.agent_name, "Zoé Martin");
    snprintf(in.agent_org, sizeof in.agent_org, "Gestions Locales");
    assert_int_equal(store_share_set(st, &in), 0);
    store_close(st); /* as if the wizard had been killed */

    st = fixture_open(opt + strlen("--db="));
    assert_int_equal(store_share_reset_stale(st), 0);
    struct share_state out;
    assert_int_equal(store_share_get(st, &out), 0);
    assert_int_equal(out.phase, SHARE_NONE);
    assert_string_equal(out.code, "");
    assert_string_equal(out.agent_name, "");
    assert_non_null(strstr(out.note, "interrompue"));
    assert_int_equal(store_share_log_list(st, log, 4, &n), 0);
    assert_int_equal(n, 1);
    assert_string_equal(log[0].event, "interrompu");
    assert_string_equal(log[0].agent_name, "Zoé Martin");
    assert_string_equal(log[0].agent_org, "Gestions Locales");
    assert_int_equal(strlen(log[0].at), 20); /* 2026-11-27T10:00:00Z */
    /* Once reset, a second start logs nothing more. */
    assert_int_equal(store_share_reset_stale(st), 0);
    assert_int_equal(store_share_log_list(st, log, 4, &n), 0);
    assert_int_equal(n, 1);
    store_close(st);
}

static void test_log_newest_first(void **state)
{
    (void)state;
    store *st = fixture_fresh("share-store-log", NULL, 0);
    const char *events[] = {"ouverture", "demande", "accepte", "controle-demande",
                            "controle-accorde", "fin"};
    for (size_t i = 0; i < 6; i++)
        assert_int_equal(store_share_log_add(st, events[i], "Zoé", "Gestions Locales", ""), 0);
    struct share_log_entry log[SHARE_LOG_MAX];
    size_t n = 0;
    assert_int_equal(store_share_log_list(st, log, SHARE_LOG_MAX, &n), 0);
    assert_int_equal(n, 6);
    for (size_t i = 0; i < 6; i++)
        assert_string_equal(log[i].event, events[5 - i]);
    /* Up to max only: the newest. */
    assert_int_equal(store_share_log_list(st, log, 2, &n), 0);
    assert_int_equal(n, 2);
    assert_string_equal(log[0].event, "fin");
    assert_string_equal(log[1].event, "controle-accorde");
    store_close(st);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_fresh_database_has_the_share_tables),
        cmocka_unit_test(test_version_6_database_migrates),
        cmocka_unit_test(test_round_trip_keeps_french_text),
        cmocka_unit_test(test_outside_text_is_cleaned_and_capped),
        cmocka_unit_test(test_reset_stale_after_a_crash),
        cmocka_unit_test(test_log_newest_first),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
