/* End-to-end, the shared session (issue 9's acceptance): a real relay on 127.0.0.1, the
 * official's wizard and the agent's `difelus assister` in two pseudo-terminals. The agent
 * joins with the code read on the official's screen, sees the official's screen once
 * accepted, follows the official's ticks; in view mode the agent's keys change nothing;
 * with control, the agent's tick reaches the official's screen and database (done_by
 * agent); the official ends the session and the agent is told. Then the refusals: a join
 * refused by the official, a wrong code, an expired code, the lock after five wrong codes;
 * and the relay killed and restarted on its port in the middle of a session. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <ctype.h>
#include <jansson.h>
#include <signal.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "harness.h"
#include "e2e.h"
#include "share_e2e.h"

#define F3 "\033OR"
#define F4 "\033OS"

struct share {
    char dir[4096];
    struct relay relay;
    char token[33];
    char db_opt[4300], db_path[4200];
    char relay_env[128], token_env[64];
    struct term *official, *agent;
};

/* The session of the running test, stopped by the teardown when an assertion ended the
 * test early (no wizard or relay left behind). */
static struct share *live;

/* A relay with one agent, Camille Martin of Gestions Locales; the official's wizard on a
 * fresh database, pointed at the relay, on its home screen. */
static void share_up(struct share *s, const char *name)
{
    memset(s, 0, sizeof *s);
    live = s;
    char real[4096];
    assert_non_null(realpath(harness_tmpdir(name), real));
    snprintf(s->dir, sizeof s->dir, "%s", real);
    relay_start(&s->relay, s->dir, "relais", NULL);
    relay_agent_add(s->relay.agents, s->dir, "Camille Martin", "Gestions Locales", s->token);
    snprintf(s->db_path, sizeof s->db_path, "%s/difelus.db", s->dir);
    snprintf(s->db_opt, sizeof s->db_opt, "--db=%s", s->db_path);
    snprintf(s->relay_env, sizeof s->relay_env, "DIFELUS_RELAIS=%s", s->relay.url);
    snprintf(s->token_env, sizeof s->token_env, "DIFELUS_JETON=%s", s->token);
    s->official = term_start(24, 80, (const char *[]){s->db_opt, NULL},
                             (const char *[]){s->relay_env, NULL});
    term_watch(s->official);
    WAIT(s->official, "Accueil");
}

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

static void official_code(struct share *s, char code[10])
{
    share_official_code(s->official, code);
}

/* `difelus assister CODE` (code NULL: the prompt asks for it), token and relay from the
 * environment, as the README tells agents. */
static void agent_start(struct share *s, const char *code)
{
    const char *args[] = {"assister", code, NULL};
    s->agent = term_start(24, 80, args, (const char *[]){s->relay_env, s->token_env, NULL});
    term_watch(s->agent);
}

/* The agent is in, seeing the official's screen: the official accepted the request. */
static void join_and_accept(struct share *s)
{
    char code[10];
    official_code(s, code);
    /* Back to step 1: the screen the agent must see once accepted. */
    term_send(s->official, "1");
    WAIT(s->official, "Étape 1/6");
    agent_start(s, code);
    WAIT(s->official, "DEMANDE DU SUPPORT");
    WAIT(s->official, "o : accepter"); /* after the quiet second */
    WAIT(s->official, "Camille Martin (Gestions Locales)");
    term_send(s->official, "o");
    WAIT(s->official, "Partage : Camille Martin");
    WAIT(s->official, "lecture seule");
    WAIT(s->agent, "Étape 1/6");
    WAIT(s->agent, "Assistance : écran de l'élu — lecture seule");
}

/* done and done_by of a checklist item, read in the official's database. */
static void checklist_row(const char *db, const char *item, int *done, char *by, size_t bylen)
{
    sqlite3 *h;
    assert_int_equal(sqlite3_open_v2(db, &h, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
    sqlite3_busy_timeout(h, 5000);
    sqlite3_stmt *q;
    assert_int_equal(sqlite3_prepare_v2(h,
                                        "SELECT done, coalesce(done_by, '') FROM checklist "
                                        "WHERE item = ?",
                                        -1, &q, NULL),
                     SQLITE_OK);
    sqlite3_bind_text(q, 1, item, -1, SQLITE_STATIC);
    *done = 0;
    by[0] = '\0';
    if (sqlite3_step(q) == SQLITE_ROW) {
        *done = sqlite3_column_int(q, 0);
        snprintf(by, bylen, "%s", (const char *)sqlite3_column_text(q, 1));
    }
    sqlite3_finalize(q);
    sqlite3_close(h);
}

static int ticked(const char *db)
{
    sqlite3 *h;
    assert_int_equal(sqlite3_open_v2(db, &h, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
    sqlite3_busy_timeout(h, 5000);
    sqlite3_stmt *q;
    assert_int_equal(
        sqlite3_prepare_v2(h, "SELECT count(*) FROM checklist WHERE done = 1", -1, &q, NULL),
        SQLITE_OK);
    int n = sqlite3_step(q) == SQLITE_ROW ? sqlite3_column_int(q, 0) : -1;
    sqlite3_finalize(q);
    sqlite3_close(h);
    return n;
}

/* Lines of the relay's audit log whose event is `event`. */
static int journal_count(struct share *s, const char *event)
{
    char *journal = relay_journal(&s->relay, s->dir);
    int seen = 0;
    for (const char *line = journal; line && *line; line = strchr(line, '\n')) {
        if (*line == '\n')
            line++;
        const char *tab = strchr(line, '\t');
        if (tab && strncmp(tab + 1, event, strlen(event)) == 0 &&
            tab[1 + strlen(event)] == '\t')
            seen++;
    }
    free(journal);
    return seen;
}

/* Waits until the relay's audit log holds n lines of event. */
static void wait_journal(struct share *s, const char *event, int n)
{
    long long deadline = share_now_ms() + WAIT_MS;
    while (journal_count(s, event) < n) {
        if (share_now_ms() > deadline) {
            char *journal = relay_journal(&s->relay, s->dir);
            fail_msg("%d « %s » attendus dans le journal du relais :\n%s\nécran de l'agent :\n%s",
                     n, event, journal, s->agent ? term_text(s->agent) : "");
        }
        share_tick();
    }
}

static void test_view_then_control(void **state)
{
    (void)state;
    static struct share s; /* static: the teardown may need it after a failure */
    share_up(&s, "share-main");
    join_and_accept(&s);

    /* A tick by the official appears at the agent. */
    term_send(s.official, " ");
    WAIT(s.official, "[x] J'ai choisi");
    WAIT(s.agent, "[x] J'ai choisi");
    /* (Space moved the focus to the second row.) */

    /* View only: the agent's tick is refused on the agent's screen and changes nothing,
     * there nor at the official's (were it applied, the tick with control below would
     * untick the row instead). */
    term_send(s.agent, " ");
    WAIT(s.agent, "Lecture seule : cette touche ne change rien");
    WAIT(s.agent, "[ ] J'ai installé l'application");
    WAIT(s.official, "[ ] J'ai installé l'application");
    assert_int_equal(ticked(s.db_path), 1);

    /* The agent asks for control; the official grants it. */
    term_send(s.agent, "c");
    WAIT(s.official, "DEMANDE DE CONTRÔLE");
    WAIT(s.official, "o : accepter"); /* after the quiet second */
    term_send(s.official, "o");
    WAIT(s.official, "contrôle");
    WAIT(s.agent, "L'élu vous a donné le contrôle");
    WAIT(s.agent, "Assistance : écran de l'élu — contrôle");
    /* The agent ticks the second row: on both screens, and in the official's base. */
    term_send(s.agent, " ");
    WAIT(s.official, "[x] J'ai installé l'application");
    WAIT(s.agent, "[x] J'ai installé l'application");

    /* The official takes control back (F3): the agent's keys change nothing again. */
    term_send(s.official, F3);
    WAIT(s.agent, "L'élu a repris le contrôle");
    WAIT(s.agent, "Assistance : écran de l'élu — lecture seule");
    term_send(s.agent, " ");
    WAIT(s.agent, "Lecture seule : cette touche ne change rien");
    WAIT(s.agent, "[ ] J'ai créé mon identité");

    /* The official ends the session (F4): the agent is told. */
    term_send(s.official, F4);
    WAIT(s.agent, "L'élu a terminé le partage");
    term_send(s.agent, "q");
    assert_int_equal(term_wait_exit(s.agent), 0);
    quit_cleanly(s.official);
    s.official = NULL;

    int done;
    char by[16];
    checklist_row(s.db_path, "1.choix", &done, by, sizeof by);
    assert_int_equal(done, 1);
    assert_string_equal(by, "official");
    checklist_row(s.db_path, "1.application", &done, by, sizeof by);
    assert_int_equal(done, 1);
    assert_string_equal(by, "agent");
    assert_int_equal(ticked(s.db_path), 2);
    /* Nothing was proposed in view mode: the relay refused no proposal. */
    assert_int_equal(journal_count(&s, "proposition-refusee"), 0);
    share_down(&s);
}

/* The official's base: how many mandates whose collectivité holds `part`. */
static int mandates_with(const char *db, const char *part)
{
    sqlite3 *h;
    assert_int_equal(sqlite3_open_v2(db, &h, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
    sqlite3_busy_timeout(h, 5000);
    sqlite3_stmt *q;
    assert_int_equal(sqlite3_prepare_v2(h,
                                        "SELECT count(*) FROM mandate "
                                        "WHERE instr(collectivite, ?) > 0",
                                        -1, &q, NULL),
                     SQLITE_OK);
    sqlite3_bind_text(q, 1, part, -1, SQLITE_STATIC);
    int n = sqlite3_step(q) == SQLITE_ROW ? sqlite3_column_int(q, 0) : -1;
    sqlite3_finalize(q);
    sqlite3_close(h);
    return n;
}

/* Forms: the agent follows the official's typing as it goes (ui_draft), typed with French
 * punctuation and typographic apostrophes, then the saved mandate. */
static void test_official_typing_followed(void **state)
{
    (void)state;
    static struct share s; /* static: the teardown may need it after a failure */
    share_up(&s, "share-forms");
    join_and_accept(&s);

    term_send(s.official, "m");
    WAIT(s.official, "Aucun mandat enregistré");
    WAIT(s.agent, "Aucun mandat enregistré");
    term_send(s.official, "n");
    WAIT(s.agent, "nouveau mandat");
    term_send(s.official, "\tCommunauté de communes « Val d’Ardèche » – Privas");
    WAIT(s.agent, "« Val d’Ardèche » – Privas");
    term_send(s.official, "\tVice-présidente chargée de l’urbanisme…");
    WAIT(s.agent, "Vice-présidente chargée de l’urbanisme…");
    term_send(s.official, "\t22/03/2026\t31/03/2032\r");
    WAIT(s.official, "Mandat enregistré");
    WAIT(s.agent, "Val d’Ardèche");
    assert_int_equal(mandates_with(s.db_path, "« Val d’Ardèche »"), 1);

    term_send(s.official, F4);
    WAIT(s.agent, "L'élu a terminé le partage");
    term_send(s.agent, "q");
    assert_int_equal(term_wait_exit(s.agent), 0);
    quit_cleanly(s.official);
    s.official = NULL;
    assert_int_equal(mandates_with(s.db_path, "Communauté de communes « Val d’Ardèche » – Privas"),
                     1);
    share_down(&s);
}

static void test_refused_join(void **state)
{
    (void)state;
    static struct share s; /* static: the teardown may need it after a failure */
    share_up(&s, "share-refuse");
    char code[10];
    official_code(&s, code);
    agent_start(&s, code);
    WAIT(s.official, "DEMANDE DU SUPPORT");
    WAIT(s.official, "o : accepter"); /* after the quiet second */
    term_send(s.official, "n");
    WAIT(s.official, "Vous avez refusé la demande de Camille Martin");
    WAIT(s.agent, "L'élu a refusé le partage");
    share_down(&s);
}

static void test_wrong_code(void **state)
{
    (void)state;
    static struct share s; /* static: the teardown may need it after a failure */
    share_up(&s, "share-wrong");
    char code[10];
    official_code(&s, code);
    /* One character off (the last: never the key, so the same relay session). */
    code[8] = code[8] == '0' ? '1' : '0';
    agent_start(&s, code);
    WAIT(s.agent, "Code refusé : ce n'est pas le code de l'élu");
    /* The official saw nothing. */
    assert_int_equal(term_find_row(s.official, "DEMANDE DU SUPPORT"), -1);
    share_down(&s);
}

static void test_expired_code(void **state)
{
    (void)state;
    static struct share s; /* static: the teardown may need it after a failure */
    setenv("DIFELUS_RELAIS_DUREE_CODE", "1", 1); /* read by the relay at its start */
    share_up(&s, "share-expired");
    unsetenv("DIFELUS_RELAIS_DUREE_CODE");
    char code[10];
    official_code(&s, code);
    WAIT(s.official, "Le code de partage a expiré");
    agent_start(&s, code);
    WAIT(s.agent, "Ce code a expiré ou a déjà servi");
    share_down(&s);
}

/* The code field of `difelus assister` emptied, then `typed` and Enter. */
static void type_code(struct term *t, const char *typed)
{
    for (int i = 0; i < 16; i++)
        term_send(t, "\177");
    char keys[64];
    snprintf(keys, sizeof keys, "%s\r", typed);
    term_send(t, keys);
}

static void test_lock_after_five_wrong_codes(void **state)
{
    (void)state;
    static struct share s; /* static: the teardown may need it after a failure */
    share_up(&s, "share-lock");
    char code[10], wrong[10];
    official_code(&s, code);
    snprintf(wrong, sizeof wrong, "%s", code);
    agent_start(&s, NULL);
    WAIT(s.agent, "Code de l'élu");
    for (int i = 0; i < 5; i++) {
        /* Typed as heard: lower case, a space instead of the dash. */
        wrong[8] = "01234"[i] == code[8] ? '9' : "01234"[i];
        char heard[16];
        snprintf(heard, sizeof heard, "%.4s %.4s", wrong, wrong + 5);
        for (char *p = heard; *p; p++)
            *p = (char)tolower((unsigned char)*p);
        type_code(s.agent, heard);
        /* The prompt gives way to « Vérification du code… » (the relay answers a wrong
         * code after 50 to 200 ms), then comes back with the refusal. */
        if (!term_wait_gone(s.agent, "Code de l'élu"))
            fail_msg("le code n'est pas parti au relais :\n%s", term_text(s.agent));
        WAIT(s.agent, "Code refusé : ce n'est pas le code de l'élu");
        WAIT(s.agent, "Code de l'élu");
    }
    wait_journal(&s, "code-faux", 5);
    /* The sixth, even the right one: locked for a minute. */
    type_code(s.agent, code);
    WAIT(s.agent, "Trop de codes faux");
    assert_int_equal(term_find_row(s.official, "DEMANDE DU SUPPORT"), -1);
    share_down(&s);
}

static void test_relay_restarted_mid_session(void **state)
{
    (void)state;
    static struct share s; /* static: the teardown may need it after a failure */
    share_up(&s, "share-restart");
    join_and_accept(&s);
    relay_stop_with(&s.relay, SIGKILL);
    WAIT(s.official, "connexion perdue, nouvelle tentative…");
    WAIT(s.agent, "Assistance : connexion perdue, nouvelle tentative");
    relay_restart(&s.relay, s.dir, "relais");
    /* Both come back on their own (the official registers the session again), and a tick
     * after the restart reaches the agent. */
    WAIT(s.official, "Partage : Camille Martin");
    WAIT(s.agent, "Assistance : écran de l'élu — lecture seule");
    /* and both say so in words, not only by their banner (walkthrough 23) */
    WAIT(s.official, "Connexion au relais rétablie : le partage continue.");
    WAIT(s.agent, "Connexion au relais rétablie");
    term_send(s.official, " ");
    WAIT(s.official, "[x] J'ai choisi");
    WAIT(s.agent, "[x] J'ai choisi");
    /* and so does the next screen */
    term_send(s.official, "2");
    WAIT(s.official, "[ ] Je me suis connecté(e)");
    WAIT(s.agent, "Étape 2/6");
    WAIT(s.agent, "[ ] Je me suis connecté(e)");
    share_down(&s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_teardown(test_view_then_control, teardown),
        cmocka_unit_test_teardown(test_official_typing_followed, teardown),
        cmocka_unit_test_teardown(test_refused_join, teardown),
        cmocka_unit_test_teardown(test_wrong_code, teardown),
        cmocka_unit_test_teardown(test_expired_code, teardown),
        cmocka_unit_test_teardown(test_lock_after_five_wrong_codes, teardown),
        cmocka_unit_test_teardown(test_relay_restarted_mid_session, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
