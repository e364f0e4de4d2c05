/* End-to-end, the end of a share as the agent reads it (walkthrough finding 6): a real relay
 * on 127.0.0.1, the official's wizard and the agent's `difelus assister` in two pseudo-
 * terminals. The official's program is killed (kill -9): its helper sees fd 3 close without
 * `fin`, ends the session with DELETE …?raison=arret, and the relay passes that reason in the
 * agent's `fin`: the agent reads that the official's program stopped, not that the official
 * ended the share. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <jansson.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "harness.h"
#include "e2e.h"
#include "share_e2e.h"

struct share {
    char dir[4096];
    struct relay relay;
    char token[33];
    char db_opt[4300];
    char relay_env[128], token_env[64];
    struct term *official, *agent;
};

static struct share *live;

static void share_down(struct share *s)
{
    term_free(s->agent);
    term_free(s->official);
    s->agent = s->official = NULL;
    relay_stop(&s->relay);
    live = NULL;
}

static int teardown(void **state)
{
    (void)state;
    if (live)
        share_down(live);
    return 0;
}

static void test_official_program_killed(void **state)
{
    (void)state;
    static struct share s;
    memset(&s, 0, sizeof s);
    live = &s;
    char real[4096];
    assert_non_null(realpath(harness_tmpdir("agent-arret-reel"), real));
    snprintf(s.dir, sizeof s.dir, "%s", real);
    relay_start(&s.relay, s.dir, "relais", NULL);
    relay_agent_add(s.relay.agents, s.dir, "Camille Martin", "Gestions Locales", s.token);
    snprintf(s.db_opt, sizeof s.db_opt, "--db=%s/difelus.db", s.dir);
    snprintf(s.relay_env, sizeof s.relay_env, "DIFELUS_RELAIS=%s", s.relay.url);
    snprintf(s.token_env, sizeof s.token_env, "DIFELUS_JETON=%s", s.token);
    s.official = term_start(24, 80, (const char *[]){s.db_opt, NULL},
                            (const char *[]){s.relay_env, NULL});
    term_watch(s.official);
    WAIT(s.official, "Accueil");
    pid_t official = child_pid(); /* the newest child: the official's wizard */
    assert_true(official > 0);

    char code[10];
    share_official_code(s.official, code);
    s.agent = term_start(24, 80, (const char *[]){"assister", code, NULL},
                         (const char *[]){s.relay_env, s.token_env, NULL});
    term_watch(s.agent);
    WAIT(s.official, "Camille Martin (Gestions Locales)");
    WAIT(s.official, "o : accepter"); /* keys in the question's first second are not answers */
    term_send(s.official, "o");
    WAIT(s.agent, "Assistance : écran de l'élu — lecture seule");

    assert_int_equal(kill(official, SIGKILL), 0);
    WAIT(s.agent, "Le programme de l'élu s'est arrêté : le partage est terminé.");
    assert_null(strstr(term_text(s.agent), "L'élu a terminé le partage"));
    term_send(s.agent, "x");
    assert_int_equal(term_wait_exit(s.agent), 0);
    share_down(&s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_teardown(test_official_program_killed, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
