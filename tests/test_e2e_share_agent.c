/* The support agent's side (`difelus assister`, issue 9): the real binary in a pseudo-
 * terminal, with a FAKE difelus-partage written by the test into its own libexec folder.
 * The fake records every frame the wizard writes on fd 3 and passes to the wizard whatever
 * the test writes into a FIFO: the test plays the relay and the official. The snapshot is
 * the file of a small database made through the core API (rollback journal, so that its
 * bytes are a valid image), the changes are changesets recorded on it. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>
#include <jansson.h>
#include <sqlite3.h>

#include "difelus/share.h"
#include "difelus/share_link.h"
#include "difelus/store.h"
#include "harness.h"
#include "e2e.h"
#include "fixtures.h"

#define TOKEN "0123456789abcdef0123456789abcdef"

struct fake {
    char dir[4096];
    char libexec[4200], recu[4200], args[4200], env[4200], fifo[4200];
    char env_libexec[4300], env_db[4300];
    int fd; /* the FIFO's write end: what the fake passes to the wizard */
};

/* The fake helper: records what it reads on fd 3, writes what arrives in the FIFO. */
static void fake_start(struct fake *f, const char *name)
{
    snprintf(f->dir, sizeof f->dir, "%s", harness_tmpdir(name));
    snprintf(f->libexec, sizeof f->libexec, "%s/libexec", f->dir);
    snprintf(f->recu, sizeof f->recu, "%s/recu", f->dir);
    snprintf(f->args, sizeof f->args, "%s/args", f->dir);
    snprintf(f->env, sizeof f->env, "%s/env", f->dir);
    snprintf(f->fifo, sizeof f->fifo, "%s/envoi", f->dir);
    assert_int_equal(mkdir(f->libexec, 0700), 0);
    assert_int_equal(mkfifo(f->fifo, 0600), 0);
    char script[20000], path[4300];
    snprintf(script, sizeof script,
             "#!/bin/sh\n"
             "printf '%%s\\n' \"$*\" > '%s'\n"
             "env > '%s'\n"
             "cat <&3 > '%s' &\n"
             "exec cat '%s' >&3\n",
             f->args, f->env, f->recu, f->fifo);
    snprintf(path, sizeof path, "%s/%s", f->libexec, SHARE_HELPER);
    harness_write_file(path, script, strlen(script));
    assert_int_equal(chmod(path, 0755), 0);
    /* Read-write: opening never blocks, and the fake's cat never sees an end. */
    f->fd = open(f->fifo, O_RDWR | O_CLOEXEC);
    assert_true(f->fd >= 0);
    snprintf(f->env_libexec, sizeof f->env_libexec, "DIFELUS_LIBEXEC_DIR=%s", f->libexec);
    /* The agent's own data folder (its catalogue would be there): none. */
    snprintf(f->env_db, sizeof f->env_db, "DIFELUS_DB=%s/agent/difelus.db", f->dir);
}

static void fake_send(struct fake *f, const char *type, const void *data, size_t len)
{
    char head[SHARE_HEADER_MAX];
    int n = share_frame_header(head, type, 1, len);
    assert_true(n > 0);
    assert_int_equal(write(f->fd, head, (size_t)n), n);
    const char *p = data;
    while (len > 0) {
        ssize_t w = write(f->fd, p, len);
        assert_true(w > 0);
        p += w;
        len -= (size_t)w;
    }
}

static void fake_say(struct fake *f, const char *type, const char *text)
{
    fake_send(f, type, text, strlen(text));
}

#define FRAMES_MAX 32
struct frames {
    size_t n;
    char type[FRAMES_MAX][SHARE_TYPE_MAX + 1];
    unsigned char *data[FRAMES_MAX];
    size_t len[FRAMES_MAX];
};

static void frames_free(struct frames *fr)
{
    for (size_t i = 0; i < fr->n; i++)
        free(fr->data[i]);
    fr->n = 0;
}

/* Every whole frame the wizard wrote so far. */
static void frames_read(struct fake *f, struct frames *fr)
{
    frames_free(fr);
    size_t len = 0;
    char *bytes = harness_read_file(f->recu, &len);
    if (!bytes)
        return;
    struct share_reader r;
    share_reader_init(&r);
    assert_int_equal(share_reader_feed(&r, bytes, len), 0);
    struct share_frame fm;
    while (fr->n < FRAMES_MAX && share_reader_next(&r, &fm) == 1) {
        snprintf(fr->type[fr->n], sizeof fr->type[fr->n], "%s", fm.type);
        fr->data[fr->n] = malloc(fm.len + 1);
        assert_non_null(fr->data[fr->n]);
        memcpy(fr->data[fr->n], fm.data, fm.len);
        fr->data[fr->n][fm.len] = '\0';
        fr->len[fr->n] = fm.len;
        fr->n++;
    }
    share_reader_free(&r);
    free(bytes);
}

static long long now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Waits until the wizard has written `count` frames; fails showing what came. */
static void frames_wait(struct fake *f, struct frames *fr, size_t count)
{
    long long deadline = now_ms() + WAIT_MS;
    for (;;) {
        frames_read(f, fr);
        if (fr->n >= count)
            return;
        if (now_ms() > deadline)
            break;
        poll(NULL, 0, 10);
    }
    char seen[1024] = "";
    for (size_t i = 0; i < fr->n; i++)
        snprintf(seen + strlen(seen), sizeof seen - strlen(seen), "%s ", fr->type[i]);
    fail_msg("%zu trames attendues, %zu reçues : %s", count, fr->n, seen);
}

static const char *const *agent_env(struct fake *f, const char *token)
{
    static char tok[256];
    snprintf(tok, sizeof tok, "DIFELUS_JETON=%s", token);
    static const char *env[8];
    env[0] = f->env_libexec;
    env[1] = f->env_db;
    env[2] = tok;
    env[3] = "DIFELUS_RELAIS=http://127.0.0.1:9/";
    env[4] = NULL;
    return env;
}

/* ---- without a token, or with a code that is not one ---- */

static void test_no_token_says_how_to_get_one(void **state)
{
    (void)state;
    struct run_result r;
    harness_run(&r, (const char *[]){"assister", "ABCD-EFGH", NULL},
                (const char *[]){"DIFELUS_JETON=", NULL});
    assert_int_equal(r.status, 2);
    assert_non_null(harness_strstr(r.err, "demandez à l'administrateur du relais"));
    assert_non_null(harness_strstr(r.err, "difelus relais agent-ajouter"));
    assert_non_null(harness_strstr(r.err, "DIFELUS_JETON"));
    harness_run_free(&r);

    /* A token file: its first line; one readable by others is worth a warning. */
    const char *dir = harness_tmpdir("agent-jeton-fichier");
    char file[4200];
    snprintf(file, sizeof file, "%s/jeton", dir);
    harness_write_file(file, "\n", 1);
    harness_run(&r, (const char *[]){"assister", "--jeton-fichier", file, "ABCD-EFGH", NULL},
                (const char *[]){"DIFELUS_JETON=", NULL});
    assert_int_equal(r.status, 2);
    assert_non_null(harness_strstr(r.err, "est vide"));
    harness_run_free(&r);

    /* A code that is not one: said at once, no relay contacted. */
    harness_run(&r, (const char *[]){"assister", "ABCD-EFGU", NULL},
                (const char *[]){"DIFELUS_JETON=" TOKEN, NULL});
    assert_int_equal(r.status, 2);
    assert_non_null(harness_strstr(r.err, "n'est pas un code de partage"));
    harness_run_free(&r);

    /* In --help. */
    harness_run(&r, (const char *[]){"--help", NULL}, NULL);
    assert_non_null(harness_strstr(r.out, "assister"));
    assert_non_null(harness_strstr(r.out, "--jeton-fichier"));
    harness_run_free(&r);
}

static void test_token_file_readable_by_others_warns(void **state)
{
    (void)state;
    struct fake f;
    fake_start(&f, "agent-jeton-lisible");
    char file[4200];
    snprintf(file, sizeof file, "%s/jeton", f.dir);
    harness_write_file(file, "  " TOKEN "  \nautre ligne\n", strlen(TOKEN) + 17);
    assert_int_equal(chmod(file, 0644), 0);
    struct term *t = term_start(24, 80,
                                (const char *[]){"assister", "--jeton-fichier", file, NULL},
                                (const char *[]){f.env_libexec, f.env_db, "DIFELUS_JETON=",
                                                 NULL});
    WAIT(t, "Code de l'élu");
    struct frames fr = {0};
    frames_wait(&f, &fr, 1);
    assert_string_equal(fr.type[0], "jeton");
    assert_string_equal((char *)fr.data[0], TOKEN);
    /* The warning is in the screen, where the agent reads it (printed before the screen
     * opened, it was hidden until the agent quit); the command pastes into a shell. */
    WAIT(t, "peut être lu par d'autres utilisateurs");
    char cmd[4400];
    snprintf(cmd, sizeof cmd, "chmod 600 %s", file);
    if (!term_wait_for(t, cmd))
        fail_msg("« %s » n'est pas à l'écran :\n%s", cmd, term_text(t));
    assert_null(strstr(term_text(t), "chmod 600 «"));
    term_send_key(t, TK_F10);
    assert_int_equal(term_wait_exit(t), 0);
    assert_true(term_restored(t));
    term_free(t);
    frames_free(&fr);
    close(f.fd);
}

/* ---- the code prompt ---- */

static void erase_field(struct term *t)
{
    for (int i = 0; i < 24; i++)
        term_send(t, "\177");
}

static void test_code_prompt(void **state)
{
    (void)state;
    struct fake f;
    fake_start(&f, "agent-code");
    struct term *t = term_start(24, 80, (const char *[]){"assister", NULL}, agent_env(&f, TOKEN));
    WAIT(t, "Code de l'élu");
    WAIT(t, "Assistance : pas encore connecté");

    /* Entrée on an empty field: what to type. */
    term_send(t, "\r");
    WAIT(t, "Tapez le code que l'élu vous lit.");
    assert_null(strstr(term_text(t), "«  »"));
    /* A wrong format is said without contacting the relay; the message follows the text. */
    term_send(t, "4k6w q4\r");
    WAIT(t, "« 4k6w q4 » n'est pas un code de partage");
    term_send(t, "z");
    WAIT(t, "« 4k6w q4z » n'est pas un code de partage");
    assert_null(strstr(term_text(t), "« 4k6w q4 »"));
    term_send(t, "\025"); /* Ctrl-U */
    WAIT(t, "Tapez le code que l'élu vous lit.");
    assert_null(strstr(term_text(t), "4k6w"));
    term_send(t, "abcd efg\r");
    WAIT(t, "n'est pas un code de partage");
    struct frames fr = {0};
    frames_wait(&f, &fr, 1);
    assert_string_equal(fr.type[0], "jeton");
    assert_string_equal((char *)fr.data[0], TOKEN);

    /* As heard: lower case, a space. */
    erase_field(t);
    term_send(t, "abcd efgh\r");
    frames_wait(&f, &fr, 2);
    assert_string_equal(fr.type[1], "rejoindre");
    assert_string_equal((char *)fr.data[1], "ABCDEFGH");
    WAIT(t, "Vérification du code");

    /* The relay refused it: the tries left before the lock are counted. */
    fake_say(&f, "code-refuse", "code Code incorrect.");
    WAIT(t, "Code refusé : ce n'est pas le code de l'élu. Encore 4 essais avant un blocage "
            "d'une minute.");
    WAIT(t, "Code de l'élu");
    for (int i = 0; i < 3; i++) {
        term_send(t, "\r");
        frames_wait(&f, &fr, 3 + (size_t)i);
        fake_say(&f, "code-refuse", "code Code incorrect.");
        WAIT(t, i == 0 ? "Encore 3 essais avant un blocage d'une minute."
                : i == 1 ? "Encore 2 essais avant un blocage d'une minute."
                         : "Encore 1 essai avant un blocage d'une minute.");
    }
    term_send(t, "\r");
    frames_wait(&f, &fr, 6);
    fake_say(&f, "code-refuse", "code Code incorrect.");
    WAIT(t, "Le prochain essai sera bloqué une minute");
    /* Typed again, with I, L and O read as 1, 1 and 0. */
    erase_field(t);
    term_send(t, "iLoO-2345\r");
    frames_wait(&f, &fr, 7);
    assert_string_equal(fr.type[6], "rejoindre");
    assert_string_equal((char *)fr.data[6], "11002345");

    /* Locked for a minute: explained. */
    fake_say(&f, "code-refuse", "verrouille Trop d'essais.");
    WAIT(t, "Trop de codes faux");
    WAIT(t, "Attendez une minute");

    /* An expired code: ask the official for a new one. */
    erase_field(t);
    term_send(t, "abcd-efgh\r");
    frames_wait(&f, &fr, 8);
    fake_say(&f, "code-refuse", "code-expire Code expiré.");
    WAIT(t, "demandez à l'élu un nouveau code");

    /* The token never on the helper's command line nor in its environment. */
    char *args = harness_read_file(f.args, NULL);
    char *env = harness_read_file(f.env, NULL);
    assert_non_null(args);
    assert_non_null(env);
    assert_non_null(strstr(args, "agent --relais http://127.0.0.1:9/"));
    assert_null(strstr(args, TOKEN));
    assert_null(strstr(env, TOKEN));
    free(args);
    free(env);

    /* Ctrl-C (SIGINT): the terminal restored, and words about the agent's session. */
    pid_t pid = child_pid();
    assert_true(pid > 0);
    wait_idle(pid);
    assert_int_equal(kill(pid, SIGINT), 0);
    assert_int_equal(term_wait_exit(t), 130);
    assert_true(term_restored(t));
    WAIT(t, "la session d'assistance est quittée, rien n'a changé chez l'élu");
    term_free(t);
    frames_free(&fr);
    close(f.fd);
}

/* ---- the official's screen, view and control ---- */

/* The official's database: step 1 open, its first item ticked, the focus on the second. */
static void official_db(const char *name, char *path, size_t pathlen)
{
    char opt[4300];
    store *st = fixture_fresh(name, opt, sizeof opt);
    snprintf(path, pathlen, "%s", opt + strlen("--db="));
    assert_int_equal(store_checklist_set(st, "1.choix", true, ACTOR_OFFICIAL), 0);
    struct ui_state ui;
    assert_int_equal(store_ui_get(st, &ui), 0);
    snprintf(ui.screen, sizeof ui.screen, "etape1");
    ui.focus = 1;
    assert_int_equal(store_ui_set(st, &ui), 0);
    store_close(st);
    /* A rollback journal: the file's bytes are then the whole database. */
    sqlite3 *db;
    assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
    assert_int_equal(sqlite3_exec(db, "PRAGMA journal_mode = DELETE", NULL, NULL, NULL),
                     SQLITE_OK);
    sqlite3_close(db);
}

static void checklist_of(const char *path, const char *item, int *done, char *by, size_t bylen)
{
    sqlite3 *db;
    sqlite3_stmt *s;
    assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
    assert_int_equal(sqlite3_prepare_v2(db, "SELECT done, coalesce(done_by, '') FROM checklist "
                                            "WHERE item = ?1", -1, &s, NULL), SQLITE_OK);
    sqlite3_bind_text(s, 1, item, -1, SQLITE_STATIC);
    *done = 0;
    by[0] = '\0';
    if (sqlite3_step(s) == SQLITE_ROW) {
        *done = sqlite3_column_int(s, 0);
        snprintf(by, bylen, "%s", (const char *)sqlite3_column_text(s, 1));
    }
    sqlite3_finalize(s);
    sqlite3_close(db);
}

/* The official's side of a change: recorded on its database and sent as `changement`. */
static void send_changes(struct fake *f, store *official)
{
    void *buf = NULL;
    size_t len = 0;
    assert_int_equal(store_share_take(official, &buf, &len), 0);
    assert_true(len > 0);
    fake_send(f, "changement", buf, len);
    free(buf);
}

static void test_view_then_control(void **state)
{
    (void)state;
    struct fake f;
    fake_start(&f, "agent-session");
    char path[4300];
    official_db("agent-session-elu", path, sizeof path);
    size_t snap_len = 0;
    char *snap = harness_read_file(path, &snap_len);
    assert_non_null(snap);

    struct term *t = term_start(24, 80, (const char *[]){"assister", "abcd efgh", NULL},
                                agent_env(&f, TOKEN));
    struct frames fr = {0};
    frames_wait(&f, &fr, 2);
    assert_string_equal(fr.type[0], "jeton");
    assert_string_equal(fr.type[1], "rejoindre");
    assert_string_equal((char *)fr.data[1], "ABCDEFGH");

    fake_say(&f, "attente", "{\"agent\":\"a1\",\"nom\":\"Camille\",\"organisme\":\"GL\"}");
    WAIT(t, "En attente de l'accord de l'élu");
    WAIT(t, "L'élu voit votre demande au nom de Camille (GL)");

    /* Accepted: the snapshot, in two parts, then the official's screen. */
    fake_say(&f, "accepte", "");
    fake_send(&f, "instantane-partie", snap, snap_len / 2);
    fake_send(&f, "instantane", snap + snap_len / 2, snap_len - snap_len / 2);
    free(snap);
    WAIT(t, "Étape 1/6");
    WAIT(t, "[x] J'ai choisi");
    WAIT(t, "[ ] J'ai installé");
    WAIT(t, "Assistance : écran de l'élu — lecture seule");
    WAIT(t, "Lecture seule. c : demander le contrôle, ? : vos touches");

    /* The official ticks an item: the agent's screen follows. */
    store *official = fixture_open(path);
    assert_int_equal(store_share_record_start(official), 0);
    assert_int_equal(store_checklist_set(official, "1.creation", true, ACTOR_OFFICIAL), 0);
    send_changes(&f, official);
    WAIT(t, "[x] J'ai créé");

    /* View mode: a tick changes nothing, and says so; nothing is sent. */
    term_send(t, " ");
    WAIT(t, "Lecture seule : cette touche ne change rien. c : contrôle");
    term_send_key(t, TK_DOWN);
    term_send(t, "2");
    WAIT(t, "[ ] J'ai installé");
    WAIT(t, "Étape 1/6");
    term_send(t, "c");
    WAIT(t, "Demande envoyée ; l'élu doit accepter");
    /* A frame the relay refused for good: its French text is shown. */
    fake_say(&f, "erreur-envoi", "demande-controle refuse La demande n'a pas pu partir.");
    WAIT(t, "La demande n'a pas pu partir.");
    frames_wait(&f, &fr, 3);
    assert_int_equal(fr.n, 3);
    assert_string_equal(fr.type[2], "demande-controle");

    /* Control: the agent's tick goes as a proposal; the official applies it. */
    fake_say(&f, "controle-accorde", "");
    WAIT(t, "Assistance : écran de l'élu — contrôle");
    term_send(t, " ");
    frames_wait(&f, &fr, 4);
    assert_string_equal(fr.type[3], "proposition");
    assert_true(fr.len[3] > 2);
    assert_memory_equal(fr.data[3], "1\n", 2);
    /* Not on the agent's screen before the official's answer: the replica rolled back. */
    int done = 0;
    char by[16];
    checklist_of(path, "1.application", &done, by, sizeof by);
    assert_int_equal(done, 0);
    if (store_share_apply_proposal(official, 1, fr.data[3] + 2, fr.len[3] - 2) != 0)
        fail_msg("proposition refusée : %s", store_error(official));
    checklist_of(path, "1.application", &done, by, sizeof by);
    assert_int_equal(done, 1);
    assert_string_equal(by, "agent");
    /* As the official does: the answer, then the change it made. */
    fake_say(&f, "resultat", "1 ok");
    send_changes(&f, official);
    WAIT(t, "[x] J'ai installé");

    /* A refused proposal: the reason is shown, the screen stays as the official's. */
    term_send(t, " ");
    frames_wait(&f, &fr, 5);
    assert_string_equal(fr.type[4], "proposition");
    assert_memory_equal(fr.data[4], "2\n", 2);
    fake_say(&f, "resultat", "2 refus Cette case ne se décoche pas ainsi.");
    WAIT(t, "L'élu n'a pas pris votre modification : Cette case ne se décoche pas ainsi.");
    WAIT(t, "[x] J'ai installé");

    /* Control withdrawn: view mode again. */
    fake_say(&f, "controle-retire", "");
    WAIT(t, "Assistance : écran de l'élu — lecture seule");
    WAIT(t, "L'élu a repris le contrôle");
    term_send(t, " ");
    WAIT(t, "Lecture seule : cette touche ne change rien. c : contrôle");

    /* The connection drops and comes back: the banner says so. */
    fake_say(&f, "connexion", "perdue");
    WAIT(t, "Assistance : connexion perdue, nouvelle tentative…");
    fake_say(&f, "connexion", "retablie");
    WAIT(t, "Assistance : écran de l'élu — lecture seule");

    /* The official ends the session: said, then a key quits. */
    fake_say(&f, "fin", "");
    WAIT(t, "L'élu a terminé le partage.");
    term_send(t, "x");
    assert_int_equal(term_wait_exit(t), 0);
    assert_true(term_restored(t));
    term_free(t);
    frames_read(&f, &fr);
    assert_int_equal(fr.n, 5); /* no proposal in view mode, no departure after the end */
    frames_free(&fr);
    store_close(official);
    close(f.fd);
}

/* The official types in a form, then opens the search: the agent follows the typed text,
 * and its own (absent) catalogue is said to be empty. With control and an answer awaited,
 * q asks before leaving; leaving says so to the relay. */
/* Review 12: the part of an image left by a reconnection is dropped; the next whole image
 * is shown, not glued to it. */
static void test_parts_dropped_on_reconnection(void **state)
{
    (void)state;
    struct fake f;
    fake_start(&f, "agent-morceaux");
    char path[4300];
    official_db("agent-morceaux-elu", path, sizeof path);
    size_t snap_len = 0;
    char *snap = harness_read_file(path, &snap_len);
    assert_non_null(snap);
    struct term *t = term_start(24, 80, (const char *[]){"assister", "abcd efgh", NULL},
                                agent_env(&f, TOKEN));
    struct frames fr = {0};
    frames_wait(&f, &fr, 2);
    fake_say(&f, "accepte", "");
    fake_send(&f, "instantane-partie", snap, snap_len / 3); /* an image cut by a restart */
    fake_say(&f, "connexion", "retablie");
    fake_send(&f, "instantane", snap, snap_len);
    free(snap);
    WAIT(t, "Étape 1/6");
    WAIT(t, "[x] J'ai choisi");
    WAIT(t, "Assistance : écran de l'élu — lecture seule");
    fake_say(&f, "fin", "");
    WAIT(t, "L'élu a terminé le partage.");
    term_send(t, "x");
    assert_int_equal(term_wait_exit(t), 0);
    term_free(t);
    frames_free(&fr);
    close(f.fd);
}

static void test_follows_form_and_asks_before_leaving(void **state)
{
    (void)state;
    struct fake f;
    fake_start(&f, "agent-formulaire");
    char opt[4300], path[4300];
    store *official = fixture_fresh("agent-formulaire-elu", opt, sizeof opt);
    snprintf(path, sizeof path, "%s", opt + strlen("--db="));
    struct ui_state ui;
    assert_int_equal(store_ui_get(official, &ui), 0);
    snprintf(ui.screen, sizeof ui.screen, "solde");
    snprintf(ui.draft_screen, sizeof ui.draft_screen, "solde");
    ui.draft_dirty = true;
    ui.draft_cursor = -1;
    assert_int_equal(store_ui_set(official, &ui), 0);
    assert_int_equal(store_draft_set_field(official, 0, "123", ""), 0);
    assert_int_equal(store_draft_set_field(official, 1, "20/11/2026", ""), 0);
    void *snap = NULL;
    size_t snap_len = 0;
    assert_int_equal(store_snapshot(official, &snap, &snap_len), 0);

    struct term *t = term_start(24, 80, (const char *[]){"assister", "ABCD-EFGH", NULL},
                                agent_env(&f, TOKEN));
    struct frames fr = {0};
    frames_wait(&f, &fr, 2);
    fake_say(&f, "accepte", "");
    fake_send(&f, "instantane", snap, snap_len);
    free(snap);
    WAIT(t, "Mon solde DIF élu");
    if (!term_wait_field(t, "Solde lu sur Compte élu", "123"))
        fail_msg("le texte tapé par l'élu manque :\n%s", term_text(t));

    /* A change that does not apply: the agent asks for a new snapshot, and takes it. */
    fake_say(&f, "changement", "pas un changeset");
    frames_wait(&f, &fr, 3);
    assert_string_equal(fr.type[2], "besoin-instantane");
    assert_int_equal(store_draft_set_field(official, 0, "12", ""), 0);
    assert_int_equal(store_snapshot(official, &snap, &snap_len), 0);
    fake_send(&f, "instantane", snap, snap_len);
    free(snap);
    if (!term_wait_field(t, "Solde lu sur Compte élu", "12"))
        fail_msg("la nouvelle copie n'est pas montrée :\n%s", term_text(t));

    /* The official types more digits. */
    assert_int_equal(store_share_record_start(official), 0);
    assert_int_equal(store_draft_set_field(official, 0, "1234", ""), 0);
    send_changes(&f, official);
    if (!term_wait_field(t, "Solde lu sur Compte élu", "1234"))
        fail_msg("le chiffre tapé par l'élu manque :\n%s", term_text(t));

    /* The search, with the agent's catalogue: there is none. */
    assert_int_equal(store_ui_get(official, &ui), 0);
    snprintf(ui.screen, sizeof ui.screen, "recherche");
    ui.draft_screen[0] = '\0';
    assert_int_equal(store_ui_set(official, &ui), 0);
    assert_int_equal(store_draft_clear(official, 0), 0);
    send_changes(&f, official);
    WAIT(t, "Le catalogue de difelus est vide");

    /* The official's assistance screen: the session as the official's share_state says. */
    struct share_state shared;
    assert_int_equal(store_share_get(official, &shared), 0);
    shared.phase = SHARE_VIEW;
    snprintf(shared.agent_name, sizeof shared.agent_name, "Camille Martin");
    snprintf(shared.agent_org, sizeof shared.agent_org, "Gestions Locales");
    assert_int_equal(store_share_set(official, &shared), 0);
    assert_int_equal(store_ui_get(official, &ui), 0);
    snprintf(ui.screen, sizeof ui.screen, "assistance");
    assert_int_equal(store_ui_set(official, &ui), 0);
    send_changes(&f, official);
    WAIT(t, "Connecté : Camille Martin (Gestions Locales)");

    /* Back to step 1; control; a tick awaits the official's answer: q asks first. */
    assert_int_equal(store_ui_get(official, &ui), 0);
    snprintf(ui.screen, sizeof ui.screen, "etape1");
    ui.focus = 0;
    assert_int_equal(store_ui_set(official, &ui), 0);
    send_changes(&f, official);
    WAIT(t, "Étape 1/6");
    fake_say(&f, "controle-accorde", "");
    WAIT(t, "L'élu vous a donné le contrôle");
    /* The assistance stays the official's: a is not proposed. */
    term_send(t, "a");
    WAIT(t, "Le partage se règle chez l'élu");
    term_send(t, "\033[15~"); /* F5 */
    WAIT(t, "Votre catalogue se met à jour hors du partage");
    term_send(t, " ");
    frames_wait(&f, &fr, 4);
    assert_string_equal(fr.type[3], "proposition");
    term_send(t, "q");
    WAIT(t, "Une modification attend encore la réponse de l'élu. Quitter quand même ?");
    term_send(t, "n");
    WAIT(t, "Étape 1/6");
    term_send(t, "q");
    WAIT(t, "Quitter quand même ?");
    term_send(t, "o");
    assert_int_equal(term_wait_exit(t), 0);
    assert_true(term_restored(t));
    term_free(t);
    frames_wait(&f, &fr, 5);
    assert_string_equal(fr.type[4], "depart");
    frames_free(&fr);
    store_close(official);
    close(f.fd);
}

static void test_refused_and_quit(void **state)
{
    (void)state;
    struct fake f;
    fake_start(&f, "agent-refus");
    struct term *t = term_start(24, 80, (const char *[]){"assister", "ABCD-EFGH", NULL},
                                agent_env(&f, TOKEN));
    struct frames fr = {0};
    frames_wait(&f, &fr, 2);
    fake_say(&f, "attente", "{}");
    WAIT(t, "En attente de l'accord de l'élu");
    /* q while waiting: the agent leaves, and says so to the relay. */
    term_send(t, "q");
    assert_int_equal(term_wait_exit(t), 0);
    assert_true(term_restored(t));
    term_free(t);
    frames_wait(&f, &fr, 3);
    assert_string_equal(fr.type[2], "depart");
    close(f.fd);

    fake_start(&f, "agent-refus-2");
    t = term_start(24, 80, (const char *[]){"assister", "ABCD-EFGH", NULL}, agent_env(&f, TOKEN));
    frames_wait(&f, &fr, 2);
    fake_say(&f, "refuse", "");
    WAIT(t, "L'élu a refusé le partage");
    WAIT(t, "Appuyez sur une touche pour quitter.");
    term_send(t, " ");
    assert_int_equal(term_wait_exit(t), 0);
    term_free(t);
    close(f.fd);

    /* A token the relay does not know: said, and the exit status says it failed. */
    fake_start(&f, "agent-refus-3");
    t = term_start(24, 80, (const char *[]){"assister", "ABCD-EFGH", NULL}, agent_env(&f, TOKEN));
    frames_wait(&f, &fr, 2);
    fake_say(&f, "code-refuse", "jeton Jeton inconnu.");
    WAIT(t, "Le relais refuse votre jeton d'agent");
    /* No share ever started: the title says what happened. */
    WAIT(t, "Assistance : jeton refusé");
    assert_null(strstr(term_text(t), "partage terminé"));
    term_send(t, " ");
    assert_int_equal(term_wait_exit(t), 1);
    assert_true(term_restored(t));
    WAIT(t, "difelus : Le relais refuse votre jeton d'agent");
    term_free(t);
    frames_free(&fr);
    close(f.fd);
}

/* ---- the agent's keys with control (walkthrough findings) ---- */

#define F3 "\033OR"
#define F4 "\033OS"

/* A session on the official's step 1 (official_db): the agent sees it, in view mode. */
static struct term *live_start(struct fake *f, const char *name, int rows, int cols,
                               char *path, size_t pathlen, store **official)
{
    fake_start(f, name);
    char elu[256];
    snprintf(elu, sizeof elu, "%s-elu", name);
    official_db(elu, path, pathlen);
    size_t snap_len = 0;
    char *snap = harness_read_file(path, &snap_len);
    assert_non_null(snap);
    struct term *t = term_start(rows, cols, (const char *[]){"assister", "ABCD-EFGH", NULL},
                                agent_env(f, TOKEN));
    struct frames fr = {0};
    frames_wait(f, &fr, 2);
    frames_free(&fr);
    fake_say(f, "accepte", "");
    fake_send(f, "instantane", snap, snap_len);
    free(snap);
    *official = fixture_open(path);
    assert_int_equal(store_share_record_start(*official), 0);
    return t;
}

/* A frame whose text shows on the agent's screen: once it is there, every frame sent
 * before it was handled (the pipe keeps the order). */
static void barrier(struct fake *f, struct term *t, const char *text)
{
    char payload[256];
    snprintf(payload, sizeof payload, "x refuse %s", text);
    fake_say(f, "erreur-envoi", payload);
    WAIT(t, text);
}

/* F10 while a key is on its way asks first: once the question is there, every key typed
 * before F10 was read; n keeps the session. */
static void keys_read(struct term *t)
{
    term_send_key(t, TK_F10);
    WAIT(t, "Quitter quand même ?");
    term_send(t, "n");
    if (!term_wait_gone(t, "Quitter quand même ?"))
        fail_msg("la question reste :\n%s", term_text(t));
}

/* The official applies proposal `i` of the frames, answers ok, then sends its change. */
static void official_takes(struct fake *f, store *official, struct frames *fr, size_t i,
                           const char *number)
{
    assert_string_equal(fr->type[i], "proposition");
    size_t n = strlen(number);
    assert_memory_equal(fr->data[i], number, n);
    assert_int_equal(fr->data[i][n], '\n');
    if (store_share_apply_proposal(official, strtoull(number, NULL, 10), fr->data[i] + n + 1,
                                   fr->len[i] - n - 1) != 0)
        fail_msg("proposition refusée : %s", store_error(official));
    char answer[64];
    snprintf(answer, sizeof answer, "%s ok", number);
    fake_say(f, "resultat", answer);
    send_changes(f, official);
}

/* Keys typed quickly go one at a time, each on the screen the previous one made: the
 * next is handled only once the official's answer AND its echo are on the replica; what
 * the agent sees is the official's state, never a change not applied there. */
static void test_keys_keep_their_order(void **state)
{
    (void)state;
    struct fake f;
    char path[4300];
    store *official;
    struct term *t = live_start(&f, "agent-ordre", 24, 80, path, sizeof path, &official);
    WAIT(t, "[ ] J'ai installé");
    fake_say(&f, "controle-accorde", "");
    WAIT(t, "Assistance : écran de l'élu — contrôle");

    /* Space twice, with no pause: each ticks its row and moves the focus to the next. */
    term_send(t, " ");
    term_send(t, " ");
    keys_read(t);
    struct frames fr = {0};
    frames_wait(&f, &fr, 3);
    barrier(&f, t, "Premier repère.");
    frames_read(&f, &fr);
    assert_int_equal(fr.n, 3); /* jeton, rejoindre, one proposal: the others wait */
    /* The tick is not shown before the official has it. */
    assert_non_null(strstr(term_text(t), "[ ] J'ai installé"));

    /* The answer alone does not let the next key go: the echo must be there first. */
    assert_string_equal(fr.type[2], "proposition");
    assert_memory_equal(fr.data[2], "1\n", 2);
    if (store_share_apply_proposal(official, 1, fr.data[2] + 2, fr.len[2] - 2) != 0)
        fail_msg("proposition refusée : %s", store_error(official));
    fake_say(&f, "resultat", "1 ok");
    barrier(&f, t, "Deuxième repère.");
    frames_read(&f, &fr);
    assert_int_equal(fr.n, 3);
    send_changes(&f, official);
    WAIT(t, "[x] J'ai installé");

    /* The second Space, on the screen the first made: the third row. */
    frames_wait(&f, &fr, 4);
    official_takes(&f, official, &fr, 3, "2");
    WAIT(t, "[x] J'ai créé");
    int done = 0;
    char by[16];
    checklist_of(path, "1.application", &done, by, sizeof by);
    assert_int_equal(done, 1);
    checklist_of(path, "1.creation", &done, by, sizeof by);
    assert_int_equal(done, 1);
    assert_string_equal(by, "agent");

    /* A refused proposal: the key typed after it is not sent, and the agent is told. */
    term_send_key(t, TK_UP);
    frames_wait(&f, &fr, 5);
    term_send(t, " ");
    keys_read(t);
    fake_say(&f, "resultat", "3 refus Pas maintenant.");
    WAIT(t, "L'élu n'a pas pris votre modification : Pas maintenant. La touche tapée "
            "ensuite n'a pas été envoyée.");
    barrier(&f, t, "Quatrième repère.");
    frames_read(&f, &fr);
    assert_int_equal(fr.n, 5);

    /* The relay is down: a key waits, and the screen shows nothing done. */
    fake_say(&f, "connexion", "perdue");
    WAIT(t, "Assistance : connexion perdue");
    term_send(t, " ");
    WAIT(t, "Connexion au relais perdue : 1 touche attend son retour.");
    frames_read(&f, &fr);
    assert_int_equal(fr.n, 5);
    assert_non_null(strstr(term_text(t), "[x] J'ai installé"));
    assert_non_null(strstr(term_text(t), "[x] J'ai créé"));
    /* Back: the key goes. */
    fake_say(&f, "connexion", "retablie");
    frames_wait(&f, &fr, 6);
    assert_string_equal(fr.type[5], "proposition");
    assert_memory_equal(fr.data[5], "4\n", 2);

    /* The relay down again, a key typed; then the end: the key not sent is said, not
     * dropped silently. */
    if (!term_wait_gone(t, "Connexion au relais perdue"))
        fail_msg("le message reste :\n%s", term_text(t));
    fake_say(&f, "connexion", "perdue");
    WAIT(t, "Connexion au relais perdue : vos touches partiront à son retour.");
    term_send(t, " ");
    WAIT(t, "Connexion au relais perdue : 1 touche attend son retour.");
    fake_say(&f, "fin", "");
    WAIT(t, "L'élu a terminé le partage. La touche tapée ensuite n'a pas été envoyée.");
    term_send(t, "x");
    assert_int_equal(term_wait_exit(t), 0);
    term_free(t);
    frames_free(&fr);
    store_close(official);
    close(f.fd);
}

/* A key whose only effect would be a message is not proposed: the agent gets its own
 * message, and the official's message line stays the official's. */
static void test_keys_that_only_say_something(void **state)
{
    (void)state;
    struct fake f;
    char path[4300];
    store *official;
    struct term *t = live_start(&f, "agent-messages", 24, 80, path, sizeof path, &official);
    WAIT(t, "Étape 1/6");
    /* View mode: ? says the agent's keys. */
    term_send(t, "?");
    WAIT(t, "Vos touches : c demander le contrôle, q quitter.");

    fake_say(&f, "controle-accorde", "");
    WAIT(t, "Assistance : écran de l'élu — contrôle");
    term_send(t, F4);
    WAIT(t, "Seul l'élu peut reprendre la main ou arrêter le partage.");
    term_send(t, "x");
    WAIT(t, "La touche « x » ne fait rien ici.");
    term_send(t, F3);
    WAIT(t, "Seul l'élu peut reprendre la main ou arrêter le partage.");
    term_send(t, "?");
    WAIT(t, "Contrôle : vos touches agissent chez l'élu. F10 : quitter.");
    struct frames fr = {0};
    barrier(&f, t, "Repère.");
    frames_read(&f, &fr);
    assert_int_equal(fr.n, 2); /* nothing proposed: jeton and rejoindre only */
    struct ui_state ui;
    assert_int_equal(store_ui_get(official, &ui), 0);
    assert_string_equal(ui.message, "");
    term_send_key(t, TK_F10);
    assert_int_equal(term_wait_exit(t), 0);
    term_free(t);
    frames_free(&fr);
    store_close(official);
    close(f.fd);
}

/* With control, an escape sequence difelus does not know and an Alt-key are one key that
 * does nothing: said to the agent, never sent as Échap and letters to the official. */
static void test_unknown_escape_sequence_not_sent(void **state)
{
    (void)state;
    struct fake f;
    char path[4300];
    store *official;
    struct term *t = live_start(&f, "agent-sequence", 24, 80, path, sizeof path, &official);
    WAIT(t, "Étape 1/6");
    fake_say(&f, "controle-accorde", "");
    WAIT(t, "Assistance : écran de l'élu — contrôle");
    term_send(t, "\033[27;5;13~");
    WAIT(t, "Cette touche n'est pas reconnue par difelus. ? : vos touches");
    term_send(t, "?");
    WAIT(t, "Contrôle : vos touches agissent chez l'élu.");
    term_send(t, "\033o");
    WAIT(t, "Cette touche n'est pas reconnue par difelus. ? : vos touches");
    struct frames fr = {0};
    barrier(&f, t, "Repère.");
    frames_read(&f, &fr);
    assert_int_equal(fr.n, 2); /* nothing proposed: jeton and rejoindre only */
    term_send_key(t, TK_F10);
    assert_int_equal(term_wait_exit(t), 0);
    term_free(t);
    frames_free(&fr);
    store_close(official);
    close(f.fd);
}

/* The official's program stopped (its helper says so in `fin`): the agent is told that,
 * and the end screen shows only the end, not the official's message line or question. */
static void test_end_when_the_official_program_stops(void **state)
{
    (void)state;
    struct fake f;
    char path[4300];
    store *official;
    struct term *t = live_start(&f, "agent-arret", 24, 80, path, sizeof path, &official);
    WAIT(t, "Étape 1/6");
    struct ui_state ui;
    assert_int_equal(store_ui_get(official, &ui), 0);
    snprintf(ui.message, sizeof ui.message, "Quitter sans enregistrer ce que vous avez tapé ?");
    assert_int_equal(store_ui_set(official, &ui), 0);
    send_changes(&f, official);
    /* During the session the official's message line is mirrored. */
    WAIT(t, "Quitter sans enregistrer");
    fake_say(&f, "fin", "arret");
    WAIT(t, "Le programme de l'élu s'est arrêté : le partage est terminé.");
    if (!term_wait_gone(t, "Quitter sans enregistrer"))
        fail_msg("le message de l'élu reste :\n%s", term_text(t));
    assert_null(strstr(term_text(t), "L'élu a terminé le partage"));
    WAIT(t, "une touche quitter");
    term_send(t, "x");
    assert_int_equal(term_wait_exit(t), 0);
    term_free(t);
    store_close(official);
    close(f.fd);
}

/* At 60 × 15: the size never split; after i, the agent's line fits the row. */
static void test_small_terminal(void **state)
{
    (void)state;
    struct fake f;
    char path[4300];
    store *official;
    struct term *t = live_start(&f, "agent-petit", 15, 60, path, sizeof path, &official);
    WAIT(t, "Terminal trop petit");
    if (!term_wait_for(t, "60 × 15"))
        fail_msg("la taille manque :\n%s", term_text(t));
    assert_non_null(strstr(term_text(t), "60\u00a0×\u00a015"));
    term_send(t, "i");
    WAIT(t, "Étape 1/6");
    WAIT(t, "Lecture seule. c : demander le contrôle, ? : vos touches");
    /* Whole on the last row (term_find_row reads a non-breaking space as a space). */
    assert_int_equal(term_find_row(t, "Lecture seule. c : demander le contrôle, ? : vos touches"),
                     14);
    term_send(t, " ");
    WAIT(t, "Lecture seule : cette touche ne change rien. c : contrôle");
    assert_int_equal(term_find_row(t, "Lecture seule : cette touche ne change rien. c : contrôle"),
                     14);
    term_send(t, "q");
    assert_int_equal(term_wait_exit(t), 0);
    term_free(t);
    store_close(official);
    close(f.fd);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_no_token_says_how_to_get_one),
        cmocka_unit_test(test_token_file_readable_by_others_warns),
        cmocka_unit_test(test_code_prompt),
        cmocka_unit_test(test_view_then_control),
        cmocka_unit_test(test_parts_dropped_on_reconnection),
        cmocka_unit_test(test_follows_form_and_asks_before_leaving),
        cmocka_unit_test(test_refused_and_quit),
        cmocka_unit_test(test_keys_keep_their_order),
        cmocka_unit_test(test_keys_that_only_say_something),
        cmocka_unit_test(test_unknown_escape_sequence_not_sent),
        cmocka_unit_test(test_end_when_the_official_program_stops),
        cmocka_unit_test(test_small_terminal),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
