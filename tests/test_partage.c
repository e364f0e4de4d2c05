/* difelus-partage against the real relay (difelus-relais on a free port, a temporary base):
 * the frames a wizard gets on each side of a shared session (docs/share-protocol.md §4) —
 * the code, the join, the official's answers in order, a proposal held back until control
 * is granted, a relay that dies and comes back on the same port (both sides say so, the
 * official is asked for a snapshot, nothing lost nor doubled), a wrong code, an unknown
 * token, the end of the session on either side. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "difelus/share.h"
#include "difelus/share_link.h"
#include "difelus/sync.h"
#include "harness.h"

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* ---- the relay ---- */

struct relay {
    pid_t pid;
    char url[256];
};

static const char *relay_program(void)
{
    static char path[PATH_MAX + 64];
    if (!libexec_path("difelus-relais", path, sizeof path))
        fail_msg("difelus-relais introuvable (make all)");
    return path;
}

/* Runs the relay with args; stdout into *out (malloc'd) when out is not NULL and the
 * program ends. */
static pid_t spawn(const char *const args[], int *out_fd)
{
    int p[2];
    assert_int_equal(pipe(p), 0);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        int devnull = open("/dev/null", O_RDWR);
        dup2(devnull, 0);
        dup2(p[1], 1);
        dup2(devnull, 2);
        close(p[0]);
        execv(args[0], (char *const *)args);
        _exit(127);
    }
    close(p[1]);
    *out_fd = p[0];
    return pid;
}

/* Starts the relay on `listen` (127.0.0.1:0 for a free port). False when it could not
 * listen (the port is taken): the caller retries. */
static bool relay_start_tls(struct relay *r, const char *base, const char *listen,
                            const char *cert, const char *key)
{
    const char *args[] = {relay_program(), "--ecoute", listen, "--base", base,
                          cert ? "--certificat" : NULL, cert, "--cle", key, NULL};
    int fd;
    r->pid = spawn(args, &fd);
    char buf[512] = "";
    size_t len = 0;
    double end = now_s() + WAIT_MS / 1000.0;
    while (now_s() < end && len + 1 < sizeof buf) {
        struct pollfd pfd = {.fd = fd, .events = POLLIN};
        poll(&pfd, 1, 100);
        ssize_t n = read(fd, buf + len, sizeof buf - 1 - len);
        if (n == 0)
            break; /* it ended */
        if (n < 0)
            continue;
        len += (size_t)n;
        buf[len] = '\0';
        char *at = strstr(buf, "écoute sur ");
        char *eol = at ? strchr(at, '\n') : NULL;
        if (eol) {
            at += strlen("écoute sur ");
            snprintf(r->url, sizeof r->url, "%.*s", (int)(eol - at), at);
            close(fd);
            return true;
        }
    }
    close(fd);
    kill(r->pid, SIGKILL);
    waitpid(r->pid, NULL, 0);
    r->pid = 0;
    return false;
}

static bool relay_start(struct relay *r, const char *base, const char *listen)
{
    return relay_start_tls(r, base, listen, NULL, NULL);
}

/* As a crash: nothing is said to anyone. */
static void relay_kill(struct relay *r)
{
    if (r->pid > 0) {
        kill(r->pid, SIGKILL);
        waitpid(r->pid, NULL, 0);
    }
    r->pid = 0;
}

static void agent_token(const char *base, const char *name, const char *org, char *token,
                        size_t len)
{
    const char *args[] = {relay_program(), "agent-ajouter", name, "--organisme", org,
                          "--base", base, NULL};
    int fd;
    pid_t pid = spawn(args, &fd);
    char buf[2048] = "";
    size_t used = 0;
    ssize_t n;
    while (used + 1 < sizeof buf && (n = read(fd, buf + used, sizeof buf - 1 - used)) != 0) {
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            break;
        used += (size_t)n;
    }
    buf[used] = '\0';
    close(fd);
    int status;
    waitpid(pid, &status, 0);
    assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    /* The token is the line of 32 hex digits. */
    for (char *line = strtok(buf, "\n"); line; line = strtok(NULL, "\n"))
        if (strlen(line) == SHARE_HEX_LEN && strspn(line, "0123456789abcdef") == SHARE_HEX_LEN) {
            snprintf(token, len, "%s", line);
            return;
        }
    fail_msg("pas de jeton dans « %s »", buf);
}

/* The relay writes who it admitted (relay_admission, docs/share-protocol.md §3) from a
 * writer thread, after its answers: a relay killed right after a join may not have it on
 * disk yet, and then nobody can bring the session back. A test that kills the relay "after
 * the join" waits until the relay has recorded it (`mode` for the session of `code`). */
static void wait_admission(const char *base, const char *code, const char *mode)
{
    double end = now_s() + WAIT_MS / 1000.0;
    for (;;) {
        sqlite3 *db = NULL;
        sqlite3_stmt *st = NULL;
        bool found = false;
        if (sqlite3_open_v2(base, &db, SQLITE_OPEN_READONLY, NULL) == SQLITE_OK &&
            sqlite3_busy_timeout(db, 100) == SQLITE_OK &&
            sqlite3_prepare_v2(db,
                               "SELECT 1 FROM relay_admission WHERE session_key = ?1 "
                               "AND mode = ?2",
                               -1, &st, NULL) == SQLITE_OK) {
            sqlite3_bind_text(st, 1, code, SHARE_KEY_LEN, SQLITE_TRANSIENT);
            sqlite3_bind_text(st, 2, mode, -1, SQLITE_STATIC);
            found = sqlite3_step(st) == SQLITE_ROW;
        }
        sqlite3_finalize(st);
        sqlite3_close(db);
        if (found)
            return;
        if (now_s() > end)
            fail_msg("le relais n'a pas noté l'admission « %s » de %.4s en %d ms", mode, code,
                     WAIT_MS);
        struct timespec pause = {0, 20 * 1000 * 1000};
        nanosleep(&pause, NULL);
    }
}

/* As a relay whose base lost its records (restored from an old copy, or killed before it
 * wrote them): nobody can bring a session back. */
static void forget_admissions(const char *base)
{
    sqlite3 *db = NULL;
    assert_int_equal(sqlite3_open(base, &db), SQLITE_OK);
    sqlite3_busy_timeout(db, WAIT_MS);
    assert_int_equal(sqlite3_exec(db, "DELETE FROM relay_admission", NULL, NULL, NULL),
                     SQLITE_OK);
    sqlite3_close(db);
}

/* ---- the links ---- */

static void start(struct share_link *l, const char *mode, const char *url)
{
    char err[512] = "";
    if (share_link_start(l, mode, url, err, sizeof err) != 0)
        fail_msg("%s", err);
}

static void send_text(struct share_link *l, const char *type, const char *payload)
{
    assert_int_equal(share_link_send(l, type, 0, payload, strlen(payload)), 0);
}

/* The next frame, waiting WAIT_MS at most. */
static void next(struct share_link *l, const char *who, struct share_frame *f)
{
    double end = now_s() + WAIT_MS / 1000.0;
    for (;;) {
        int rc = share_link_next(l, f);
        if (rc == 1)
            return;
        if (rc < 0)
            fail_msg("%s : le lien s'est arrêté : %s", who, l->err);
        if (now_s() > end)
            fail_msg("%s : rien reçu en %d ms", who, WAIT_MS);
        struct pollfd p = {.fd = l->fd, .events = POLLIN};
        poll(&p, 1, 100);
    }
}

/* The next frame is `type`, its payload starting with `start` (NULL: anything). */
static struct share_frame expect(struct share_link *l, const char *who, const char *type,
                                 const char *begins)
{
    struct share_frame f;
    next(l, who, &f);
    if (strcmp(f.type, type) != 0)
        fail_msg("%s : reçu « %s » (« %.*s »), attendu « %s »", who, f.type, (int)f.len,
                 (const char *)f.data, type);
    if (begins && (f.len < strlen(begins) || memcmp(f.data, begins, strlen(begins)) != 0))
        fail_msg("%s : « %s » porte « %.*s », attendu « %s… »", who, type, (int)f.len,
                 (const char *)f.data, begins);
    return f;
}

static bool gone(pid_t pid)
{
    return pid <= 0 || (waitpid(pid, NULL, WNOHANG) < 0 && errno == ECHILD && kill(pid, 0) < 0);
}

/* An official's session with an agent admitted: returns the code. */
static void open_and_join(struct share_link *o, struct share_link *a, const char *url,
                          const char *token, char code[SHARE_CODE_LEN + 1])
{
    start(o, "officiel", url);
    struct share_frame f = expect(o, "élu", "ouvert", "{\"code\":\"");
    char shown[SHARE_CODE_LEN + 1];
    memcpy(shown, f.data + 9, SHARE_CODE_LEN);
    shown[SHARE_CODE_LEN] = '\0';
    assert_true(share_code_parse(shown, code));
    assert_string_equal(code, shown);
    assert_non_null(strstr((const char *)f.data, "\"expire\":600"));

    start(a, "agent", url);
    send_text(a, "jeton", token);
    send_text(a, "rejoindre", code);
    f = expect(a, "agent", "attente", "{");
    assert_non_null(strstr((const char *)f.data, "\"nom\":\"Marie Curie\""));
    assert_non_null(strstr((const char *)f.data, "\"organisme\":\"France Services\""));
    f = expect(o, "élu", "demande", "{");
    assert_non_null(strstr((const char *)f.data, "\"nom\":\"Marie Curie\""));
}

static void test_session_through_a_relay_restart(void **state)
{
    (void)state;
    char base[4200], token[64];
    snprintf(base, sizeof base, "%s/relais.db", harness_tmpdir("partage-session"));
    agent_token(base, "Marie Curie", "France Services", token, sizeof token);
    struct relay relay;
    assert_true(relay_start(&relay, base, "127.0.0.1:0"));

    struct share_link o, a;
    start(&o, "officiel", relay.url);
    struct share_frame f = expect(&o, "élu", "ouvert", "{\"code\":\"");
    char code[SHARE_CODE_LEN + 1], shown[SHARE_CODE_LEN + 1];
    memcpy(shown, f.data + 9, SHARE_CODE_LEN);
    shown[SHARE_CODE_LEN] = '\0';
    assert_true(share_code_parse(shown, code));
    assert_string_equal(code, shown);
    assert_non_null(strstr((const char *)f.data, "\"expire\":600"));

    /* A wrong code is refused, and the helper waits for another one. */
    start(&a, "agent", relay.url);
    send_text(&a, "jeton", token);
    char wrong[SHARE_CODE_LEN + 1];
    snprintf(wrong, sizeof wrong, "%s", code);
    wrong[SHARE_CODE_LEN - 1] = wrong[SHARE_CODE_LEN - 1] == '7' ? '8' : '7';
    send_text(&a, "rejoindre", wrong);
    f = expect(&a, "agent", "code-refuse", "code ");
    assert_non_null(harness_strstr((const char *)f.data, "vérifiez-le auprès de l'élu"));
    send_text(&a, "rejoindre", code);
    f = expect(&a, "agent", "attente", "{");
    assert_non_null(strstr((const char *)f.data, "\"nom\":\"Marie Curie\""));
    f = expect(&o, "élu", "demande", "{");
    assert_non_null(strstr((const char *)f.data, "\"nom\":\"Marie Curie\""));
    assert_non_null(strstr((const char *)f.data, "\"organisme\":\"France Services\""));

    /* The official's frames arrive in order, payloads intact. */
    static const char snap[] = "SQLite format 3\0\n\0\x01\x02";
    send_text(&o, "accepte", "");
    assert_int_equal(share_link_send(&o, "instantane", 0, snap, sizeof snap), 0);
    expect(&a, "agent", "accepte", NULL);
    f = expect(&a, "agent", "instantane", NULL);
    assert_int_equal(f.len, sizeof snap);
    assert_memory_equal(f.data, snap, sizeof snap);

    /* A proposal before control: the relay refuses it, the agent is told, and it goes
     * once control is granted. */
    send_text(&a, "proposition", "1\nchangement-1");
    f = expect(&a, "agent", "erreur-envoi", "proposition pas-de-controle ");
    send_text(&o, "controle-accorde", "");
    expect(&a, "agent", "controle-accorde", NULL);
    expect(&o, "élu", "proposition", "1\nchangement-1");
    send_text(&o, "resultat", "1 ok");
    expect(&a, "agent", "resultat", "1 ok");
    /* One the official has received but not answered yet when the relay dies. */
    send_text(&a, "proposition", "3\nchangement-3");
    expect(&o, "élu", "proposition", "3\nchangement-3");

    /* The token went only through the pipe: not on the helper's command line nor in its
     * environment. */
    char proc[64];
    size_t plen;
    snprintf(proc, sizeof proc, "/proc/%d/cmdline", (int)a.pid);
    char *seen = harness_read_file(proc, &plen);
    assert_non_null(seen);
    assert_non_null(memmem(seen, plen, "agent\0--relais", 15));
    assert_null(memmem(seen, plen, token, strlen(token)));
    free(seen);
    snprintf(proc, sizeof proc, "/proc/%d/environ", (int)a.pid);
    seen = harness_read_file(proc, &plen);
    assert_non_null(seen);
    assert_null(memmem(seen, plen, token, strlen(token)));
    free(seen);

    /* The relay dies: both sides say so. A proposal made meanwhile waits. */
    wait_admission(base, code, "controle");
    char port_listen[64];
    const char *colon = strrchr(relay.url, ':');
    snprintf(port_listen, sizeof port_listen, "127.0.0.1%s", colon);
    relay_kill(&relay);
    expect(&o, "élu", "connexion", "perdue");
    expect(&a, "agent", "connexion", "perdue");
    send_text(&a, "proposition", "2\nchangement-2");

    /* A new relay on the same port: the official's side registers the session again with
     * the agent in control, and asks its wizard for a snapshot. */
    double end = now_s() + WAIT_MS / 1000.0;
    while (!relay_start(&relay, base, port_listen))
        if (now_s() > end)
            fail_msg("le relais ne redémarre pas sur %s", port_listen);
    expect(&o, "élu", "connexion", "retablie");
    expect(&o, "élu", "besoin-instantane", NULL);
    send_text(&o, "instantane", "instantane-2");
    expect(&a, "agent", "connexion", "retablie");
    expect(&a, "agent", "instantane", "instantane-2");
    /* The waiting proposal arrives once, the unanswered one again (the official's side
     * ignores a number it applied), the answered one never. */
    expect(&o, "élu", "proposition", "2\nchangement-2");
    expect(&o, "élu", "proposition", "3\nchangement-3");
    send_text(&o, "resultat", "2 ok");
    send_text(&o, "resultat", "3 ok");
    expect(&a, "agent", "resultat", "2 ok");
    expect(&a, "agent", "resultat", "3 ok");
    send_text(&a, "demande-controle", "");
    expect(&o, "élu", "demande-controle", NULL);
    struct share_frame none;
    assert_int_equal(share_link_next(&o, &none), 0);

    /* The official ends the session: the agent is told. */
    pid_t opid = o.pid;
    send_text(&o, "fin", "");
    expect(&a, "agent", "fin", NULL);
    share_link_stop(&o);
    assert_true(gone(opid));
    pid_t apid = a.pid;
    share_link_stop(&a);
    assert_true(gone(apid));
    relay_kill(&relay);
}

static void test_agent_leaves_and_official_closes(void **state)
{
    (void)state;
    char base[4200], token[64], code[SHARE_CODE_LEN + 1];
    snprintf(base, sizeof base, "%s/relais.db", harness_tmpdir("partage-depart"));
    agent_token(base, "Marie Curie", "France Services", token, sizeof token);
    struct relay relay;
    assert_true(relay_start(&relay, base, "127.0.0.1:0"));

    /* The agent's wizard closes its pipe: the official is told the agent left. */
    struct share_link o, a;
    open_and_join(&o, &a, relay.url, token, code);
    send_text(&o, "accepte", "");
    expect(&a, "agent", "accepte", NULL);
    pid_t apid = a.pid;
    share_link_stop(&a);
    assert_true(gone(apid));
    expect(&o, "élu", "depart", NULL);
    pid_t opid = o.pid;
    share_link_stop(&o);
    assert_true(gone(opid));

    /* The official's wizard closes its pipe (no `fin` first): the agent gets `fin`. */
    open_and_join(&o, &a, relay.url, token, code);
    send_text(&o, "accepte", "");
    expect(&a, "agent", "accepte", NULL);
    share_link_stop(&o);
    expect(&a, "agent", "fin", NULL);
    share_link_stop(&a);
    relay_kill(&relay);
}

static void test_refusals(void **state)
{
    (void)state;
    char base[4200], token[64];
    snprintf(base, sizeof base, "%s/relais.db", harness_tmpdir("partage-refus"));
    agent_token(base, "Marie Curie", "France Services", token, sizeof token);
    struct relay relay;
    assert_true(relay_start(&relay, base, "127.0.0.1:0"));
    struct share_link o, a;
    start(&o, "officiel", relay.url);
    struct share_frame f = expect(&o, "élu", "ouvert", "{\"code\":\"");
    char code[SHARE_CODE_LEN + 1];
    memcpy(code, f.data + 9, SHARE_CODE_LEN);
    code[SHARE_CODE_LEN] = '\0';

    /* An unknown token, a malformed code, no token at all. */
    start(&a, "agent", relay.url);
    send_text(&a, "rejoindre", code);
    expect(&a, "agent", "code-refuse", "jeton ");
    send_text(&a, "jeton", "0123456789abcdef0123456789abcdef");
    send_text(&a, "rejoindre", code);
    f = expect(&a, "agent", "code-refuse", "jeton ");
    assert_non_null(harness_strstr((const char *)f.data, "inconnu ou révoqué"));
    send_text(&a, "jeton", token);
    send_text(&a, "rejoindre", "ABCD-EFGU");
    expect(&a, "agent", "code-refuse", "code ");
    /* Then the right code still works. */
    send_text(&a, "rejoindre", code);
    expect(&a, "agent", "attente", "{");
    expect(&o, "élu", "demande", "{");
    /* A type the official may not send is not forwarded, and the wizard is told. */
    send_text(&o, "demande", "{}");
    expect(&o, "élu", "erreur-envoi", "demande type-inconnu ");
    /* A code already used. */
    char token2[64];
    agent_token(base, "Paul Martin", "Mission locale", token2, sizeof token2);
    struct share_link a2;
    start(&a2, "agent", relay.url);
    send_text(&a2, "jeton", token2);
    send_text(&a2, "rejoindre", code);
    f = expect(&a2, "agent 2", "code-refuse", "code-expire ");
    assert_non_null(harness_strstr((const char *)f.data, "demandez un nouveau code à l'élu"));
    /* Wrong codes one after the other: the token is locked, and told for how long. */
    char wrong[SHARE_CODE_LEN + 1];
    snprintf(wrong, sizeof wrong, "%s", code);
    wrong[0] = wrong[0] == 'Z' ? 'Y' : 'Z';
    bool locked = false;
    for (int i = 0; i < 7 && !locked; i++) {
        send_text(&a2, "rejoindre", wrong);
        f = expect(&a2, "agent 2", "code-refuse", NULL);
        locked = strncmp((const char *)f.data, "verrouille ", 11) == 0;
        if (!locked)
            assert_memory_equal(f.data, "code ", 5);
    }
    assert_true(locked);
    assert_non_null(harness_strstr((const char *)f.data, "réessayez dans "));
    share_link_stop(&a2);
    /* The official refuses: the agent is told and the session ends. */
    send_text(&o, "refuse", "");
    expect(&a, "agent", "refuse", NULL);
    share_link_stop(&a);
    share_link_stop(&o);
    relay_kill(&relay);

    /* An address that is not http(s): the helper says why, in French, and stops. */
    start(&o, "officiel", "ftp://relais.example.fr");
    f = expect(&o, "élu", "erreur", NULL);
    assert_non_null(harness_strstr((const char *)f.data, "n'est pas valable"));
    struct share_frame end;
    double until = now_s() + WAIT_MS / 1000.0;
    int rc;
    while ((rc = share_link_next(&o, &end)) == 0 && now_s() < until) {
        struct pollfd p = {.fd = o.fd, .events = POLLIN};
        poll(&p, 1, 100);
    }
    assert_int_equal(rc, -1);
    share_link_stop(&o);
}

/* A snapshot of more than 1 MiB goes in parts, each of the maximum size, while neither
 * wizard reads: the helpers buffer, nobody blocks, and the bytes arrive whole and in order. */
static void test_big_snapshot(void **state)
{
    (void)state;
    char base[4200], token[64], code[SHARE_CODE_LEN + 1];
    snprintf(base, sizeof base, "%s/relais.db", harness_tmpdir("partage-gros"));
    agent_token(base, "Marie Curie", "France Services", token, sizeof token);
    struct relay relay;
    assert_true(relay_start(&relay, base, "127.0.0.1:0"));
    struct share_link o, a;
    open_and_join(&o, &a, relay.url, token, code);
    unsigned char *part = malloc(SHARE_FRAME_MAX);
    for (size_t i = 0; i < SHARE_FRAME_MAX; i++)
        part[i] = (unsigned char)(i * 31 + 7);
    send_text(&o, "accepte", "");
    assert_int_equal(share_link_send(&o, "instantane-partie", 0, part, SHARE_FRAME_MAX), 0);
    part[0] ^= 0xff;
    assert_int_equal(share_link_send(&o, "instantane-partie", 0, part, SHARE_FRAME_MAX), 0);
    send_text(&o, "instantane", "fin de l'instantané");
    expect(&a, "agent", "accepte", NULL);
    struct share_frame f = expect(&a, "agent", "instantane-partie", NULL);
    part[0] ^= 0xff;
    assert_int_equal(f.len, SHARE_FRAME_MAX);
    assert_memory_equal(f.data, part, SHARE_FRAME_MAX);
    f = expect(&a, "agent", "instantane-partie", NULL);
    part[0] ^= 0xff;
    assert_int_equal(f.len, SHARE_FRAME_MAX);
    assert_memory_equal(f.data, part, SHARE_FRAME_MAX);
    expect(&a, "agent", "instantane", "fin de l'instantané");
    free(part);
    share_link_stop(&o);
    share_link_stop(&a);
    relay_kill(&relay);
}

/* The relay restarts before any agent came: the session is registered again with the same
 * code, which an agent can still use; no snapshot is asked for. */
static void test_restart_while_waiting(void **state)
{
    (void)state;
    char base[4200], token[64];
    snprintf(base, sizeof base, "%s/relais.db", harness_tmpdir("partage-attente"));
    agent_token(base, "Marie Curie", "France Services", token, sizeof token);
    struct relay relay;
    assert_true(relay_start(&relay, base, "127.0.0.1:0"));
    struct share_link o, a;
    start(&o, "officiel", relay.url);
    struct share_frame f = expect(&o, "élu", "ouvert", "{\"code\":\"");
    char code[SHARE_CODE_LEN + 1];
    memcpy(code, f.data + 9, SHARE_CODE_LEN);
    code[SHARE_CODE_LEN] = '\0';
    char port_listen[64];
    snprintf(port_listen, sizeof port_listen, "127.0.0.1%s", strrchr(relay.url, ':'));
    relay_kill(&relay);
    expect(&o, "élu", "connexion", "perdue");
    double end = now_s() + WAIT_MS / 1000.0;
    while (!relay_start(&relay, base, port_listen))
        if (now_s() > end)
            fail_msg("le relais ne redémarre pas sur %s", port_listen);
    expect(&o, "élu", "connexion", "retablie");
    start(&a, "agent", relay.url);
    send_text(&a, "jeton", token);
    send_text(&a, "rejoindre", code);
    expect(&a, "agent", "attente", "{");
    expect(&o, "élu", "demande", "{");
    share_link_stop(&a);
    share_link_stop(&o);
    relay_kill(&relay);
}

/* Review 11: the relay restarts while the official has not answered the agent yet. The
 * official's side brings the request back (reprise "demande"): its accepte admits the same
 * agent, and the code, already used, is refused to a second agent. */
static void test_restart_before_the_answer(void **state)
{
    (void)state;
    char base[4200], token[64], token2[64];
    snprintf(base, sizeof base, "%s/relais.db", harness_tmpdir("partage-demande"));
    agent_token(base, "Marie Curie", "France Services", token, sizeof token);
    agent_token(base, "Paul Durand", "Autre organisme", token2, sizeof token2);
    struct relay relay;
    assert_true(relay_start(&relay, base, "127.0.0.1:0"));
    struct share_link o, a, b;
    char code[SHARE_CODE_LEN + 1];
    open_and_join(&o, &a, relay.url, token, code);
    wait_admission(base, code, "demande");
    char port_listen[64];
    snprintf(port_listen, sizeof port_listen, "127.0.0.1%s", strrchr(relay.url, ':'));
    relay_kill(&relay);
    expect(&o, "élu", "connexion", "perdue");
    double end = now_s() + WAIT_MS / 1000.0;
    while (!relay_start(&relay, base, port_listen))
        if (now_s() > end)
            fail_msg("le relais ne redémarre pas sur %s", port_listen);
    /* « retablie »: the session is registered again, the agent can reach it. */
    expect(&o, "élu", "connexion", "retablie");
    /* A second agent with the same code: already used. */
    start(&b, "agent", relay.url);
    send_text(&b, "jeton", token2);
    send_text(&b, "rejoindre", code);
    expect(&b, "agent 2", "code-refuse", "code-expire ");
    /* The official answers now: the agent that asked is admitted. */
    send_text(&o, "accepte", "");
    struct share_frame f;
    do
        next(&a, "agent", &f);
    while (strcmp(f.type, "connexion") == 0);
    if (strcmp(f.type, "accepte") != 0)
        fail_msg("agent : reçu « %s », attendu « accepte »", f.type);
    send_text(&o, "instantane", "image");
    expect(&a, "agent", "instantane", "image");
    share_link_stop(&b);
    share_link_stop(&a);
    share_link_stop(&o);
    relay_kill(&relay);
}

/* The relay comes back without the record of the admission (its base restored from an old
 * copy, or killed before it wrote it): the official's side cannot bring the session back,
 * and says so at once — never « connexion retablie » first, which the wizard shows as
 * « Connexion au relais rétablie : le partage continue. » while no agent can reach it. */
static void test_reprise_refused_without_retablie(void **state)
{
    (void)state;
    char base[4200], token[64], code[SHARE_CODE_LEN + 1];
    snprintf(base, sizeof base, "%s/relais.db", harness_tmpdir("partage-reprise-refusee"));
    agent_token(base, "Marie Curie", "France Services", token, sizeof token);
    struct relay relay;
    assert_true(relay_start(&relay, base, "127.0.0.1:0"));
    struct share_link o, a;
    open_and_join(&o, &a, relay.url, token, code);
    send_text(&o, "accepte", "");
    expect(&a, "agent", "accepte", NULL);
    wait_admission(base, code, "vue");
    char port_listen[64];
    snprintf(port_listen, sizeof port_listen, "127.0.0.1%s", strrchr(relay.url, ':'));
    relay_kill(&relay);
    expect(&o, "élu", "connexion", "perdue");
    forget_admissions(base);
    double end = now_s() + WAIT_MS / 1000.0;
    while (!relay_start(&relay, base, port_listen))
        if (now_s() > end)
            fail_msg("le relais ne redémarre pas sur %s", port_listen);
    struct share_frame f = expect(&o, "élu", "erreur", NULL);
    assert_non_null(harness_strstr((const char *)f.data, "n'a pas pu être reprise"));
    assert_non_null(harness_strstr((const char *)f.data, "Ouvrez-en une nouvelle"));
    /* and the helper ends: nothing more comes */
    int rc;
    end = now_s() + WAIT_MS / 1000.0;
    while ((rc = share_link_next(&o, &f)) == 0 && now_s() < end) {
        struct pollfd p = {.fd = o.fd, .events = POLLIN};
        poll(&p, 1, 100);
    }
    assert_int_equal(rc, -1);
    share_link_stop(&o);
    share_link_stop(&a);
    relay_kill(&relay);
}

/* A relay with a self-signed certificate: refused (in French) until DIFELUS_RELAIS_CA names
 * it, then the session opens over HTTPS. */
static void test_self_signed_relay(void **state)
{
    (void)state;
    const char *dir = harness_tmpdir("partage-tls");
    char cmd[10000], cert[4200], key[4200], base[4200];
    snprintf(cert, sizeof cert, "%s/relais.pem", dir);
    snprintf(key, sizeof key, "%s/relais.key", dir);
    snprintf(base, sizeof base, "%s/relais.db", dir);
    snprintf(cmd, sizeof cmd,
             "openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=127.0.0.1 "
             "-addext subjectAltName=IP:127.0.0.1 -keyout '%s' -out '%s' >/dev/null 2>&1",
             key, cert);
    if (system(cmd) != 0)
        skip(); /* no openssl program here */
    struct relay relay;
    assert_true(relay_start_tls(&relay, base, "127.0.0.1:0", cert, key));
    assert_non_null(strstr(relay.url, "https://"));
    struct share_link o;
    unsetenv("DIFELUS_RELAIS_CA");
    start(&o, "officiel", relay.url);
    struct share_frame f = expect(&o, "élu", "connexion", "perdue ");
    assert_non_null(harness_strstr((const char *)f.data, "certificat du relais"));
    share_link_stop(&o);
    setenv("DIFELUS_RELAIS_CA", cert, 1);
    start(&o, "officiel", relay.url);
    unsetenv("DIFELUS_RELAIS_CA");
    expect(&o, "élu", "ouvert", "{\"code\":\"");
    share_link_stop(&o);
    relay_kill(&relay);
}

/* A relay that does not answer: the official's side says the connection is lost (and keeps
 * trying), and leaves at once when its wizard does. */
static void test_no_relay(void **state)
{
    (void)state;
    /* A port nobody listens on: bound, then closed. */
    struct relay relay;
    char base[4200];
    snprintf(base, sizeof base, "%s/relais.db", harness_tmpdir("partage-absent"));
    assert_true(relay_start(&relay, base, "127.0.0.1:0"));
    char url[256];
    snprintf(url, sizeof url, "%s", relay.url);
    relay_kill(&relay);
    struct share_link o;
    start(&o, "officiel", url);
    struct share_frame f = expect(&o, "élu", "connexion", "perdue ");
    assert_non_null(harness_strstr((const char *)f.data, "le relais refuse la connexion"));
    pid_t pid = o.pid;
    send_text(&o, "fin", "");
    share_link_stop(&o);
    assert_true(gone(pid));
}

int main(void)
{
    signal(SIGPIPE, SIG_IGN);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_session_through_a_relay_restart),
        cmocka_unit_test(test_agent_leaves_and_official_closes),
        cmocka_unit_test(test_big_snapshot),
        cmocka_unit_test(test_restart_while_waiting),
        cmocka_unit_test(test_restart_before_the_answer),
        cmocka_unit_test(test_reprise_refused_without_retablie),
        cmocka_unit_test(test_refusals),
        cmocka_unit_test(test_self_signed_relay),
        cmocka_unit_test(test_no_relay),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
