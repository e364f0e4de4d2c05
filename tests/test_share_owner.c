/* Migration 7's owner and proposal columns: a second difelus started on the same database
 * leaves a live share alone (review finding 14), a share whose owner died is reset; the
 * assistance screen's origin is kept like the help's; a proposal number is never lowered
 * except when an agent is admitted. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include "harness.h"
#include "fixtures.h"
#include "difelus/share.h"
#include "difelus/store.h"

static void open_share(store *st, long long owner)
{
    struct share_state in = {.phase = SHARE_VIEW, .owner_pid = owner};
    snprintf(in.code, sizeof in.code, "ABCD1234");
    snprintf(in.agent_id, sizeof in.agent_id, "agent-1");
    snprintf(in.agent_name, sizeof in.agent_name, "Zoé Martin");
    assert_int_equal(store_share_set(st, &in), 0);
}

static void test_live_owner_keeps_its_share(void **state)
{
    (void)state;
    char opt[4300];
    store *st = fixture_fresh("share-owner-live", opt, sizeof opt);
    /* The parent of this test is alive and is not this process. */
    open_share(st, (long long)getppid());
    store_close(st);
    st = fixture_open(opt + strlen("--db="));
    assert_int_equal(store_share_reset_stale(st), 0);
    struct share_state out;
    assert_int_equal(store_share_get(st, &out), 0);
    assert_int_equal(out.phase, SHARE_VIEW);
    assert_string_equal(out.agent_name, "Zoé Martin");
    assert_int_equal(out.owner_pid, (long long)getppid());
    struct share_log_entry log[4];
    size_t n = 9;
    assert_int_equal(store_share_log_list(st, log, 4, &n), 0);
    assert_int_equal(n, 0);
    store_close(st);
}

static void test_dead_owner_share_is_reset(void **state)
{
    (void)state;
    char opt[4300];
    /* The dead owner is forked before the database is opened: the child ends with _exit,
     * and valgrind checks its leaks over the parent's objects, where the store, held in a
     * register only, would look lost. */
    pid_t child = fork();
    assert_true(child >= 0);
    if (child == 0)
        _exit(0);
    int status;
    assert_int_equal(waitpid(child, &status, 0), child); /* reaped: the pid is gone */
    store *st = fixture_fresh("share-owner-dead", opt, sizeof opt);
    open_share(st, (long long)child);
    store_close(st);
    st = fixture_open(opt + strlen("--db="));
    assert_int_equal(store_share_reset_stale(st), 0);
    struct share_state out;
    assert_int_equal(store_share_get(st, &out), 0);
    assert_int_equal(out.phase, SHARE_NONE);
    assert_int_equal(out.owner_pid, 0);
    assert_non_null(strstr(out.note, "interrompue"));
    struct share_log_entry log[4];
    size_t n = 0;
    assert_int_equal(store_share_log_list(st, log, 4, &n), 0);
    assert_int_equal(n, 1);
    assert_string_equal(log[0].event, "interrompu");
    store_close(st);
}

static void test_last_proposal_reset_only_on_admission(void **state)
{
    (void)state;
    char opt[4300];
    store *st = fixture_fresh("share-owner-last", opt, sizeof opt);
    struct share_state s = {.phase = SHARE_ASKED};
    snprintf(s.agent_id, sizeof s.agent_id, "agent-1");
    assert_int_equal(store_share_set(st, &s), 0);
    s.phase = SHARE_VIEW;
    assert_int_equal(store_share_set(st, &s), 0);
    s.last_proposal = 7;
    assert_int_equal(store_share_set(st, &s), 0);
    /* A copy read before proposal 7 does not bring the number back down. */
    s.last_proposal = 3;
    s.phase = SHARE_CONTROL;
    assert_int_equal(store_share_set(st, &s), 0);
    struct share_state out;
    assert_int_equal(store_share_get(st, &out), 0);
    assert_true(out.last_proposal == 7);
    /* The same agent asked again and admitted again: numbering starts over. */
    s.phase = SHARE_ASKED;
    assert_int_equal(store_share_set(st, &s), 0);
    s.phase = SHARE_VIEW;
    assert_int_equal(store_share_set(st, &s), 0);
    assert_int_equal(store_share_get(st, &out), 0);
    assert_true(out.last_proposal == 0);
    store_close(st);
}

static void test_assist_from_round_trip(void **state)
{
    (void)state;
    char opt[4300];
    store *st = fixture_fresh("share-owner-ui", opt, sizeof opt);
    struct ui_state ui;
    assert_int_equal(store_ui_get(st, &ui), 0);
    assert_string_equal(ui.assist_from, "");
    snprintf(ui.screen, sizeof ui.screen, "assistance");
    snprintf(ui.assist_from, sizeof ui.assist_from, "dossier");
    assert_int_equal(store_ui_set(st, &ui), 0);
    store_close(st);
    st = fixture_open(opt + strlen("--db="));
    struct ui_state back;
    assert_int_equal(store_ui_get(st, &back), 0);
    assert_string_equal(back.assist_from, "dossier");
    store_close(st);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_live_owner_keeps_its_share),
        cmocka_unit_test(test_dead_owner_share_is_reset),
        cmocka_unit_test(test_last_proposal_reset_only_on_admission),
        cmocka_unit_test(test_assist_from_round_trip),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
