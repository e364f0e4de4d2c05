/* The relay of the shared session (docs/share-protocol.md §3), over real HTTP: the relay
 * is started through `difelus relais` on a free port with a fresh base, agents are added
 * with `difelus relais agent-ajouter`, and every exchange is a libcurl request. Long polls
 * are proven by the relay's own count of waiting requests, never by a clock. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <curl/curl.h>
#include <errno.h>
#include <jansson.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "harness.h"

#define SID1 "0123456789abcdef0123456789abcdef"
#define SID2 "fedcba9876543210fedcba9876543210"

struct relay {
    pid_t pid;
    int out; /* its stdout */
    char dir[4096];
    char base[4200];
    char url[128]; /* http://127.0.0.1:PORT/v1 */
};

static long ms_left(const struct timespec *start)
{
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    long spent = (now.tv_sec - start->tv_sec) * 1000 + (now.tv_nsec - start->tv_nsec) / 1000000;
    return WAIT_MS - spent;
}

/* Starts `difelus relais --ecoute 127.0.0.1:0 --base DIR/relais.db [extra…]` with extra
 * environment entries, and reads the port from its one line. */
static void relay_start_in(struct relay *r, const char *dir, const char *const extra[],
                           const char *const env[])
{
    snprintf(r->dir, sizeof r->dir, "%s", dir);
    snprintf(r->base, sizeof r->base, "%s/relais.db", dir);
    int fds[2];
    assert_int_equal(pipe(fds), 0);
    r->pid = fork();
    assert_true(r->pid >= 0);
    if (r->pid == 0) {
        /* A failed test must not leave a relay running. */
        prctl(PR_SET_PDEATHSIG, SIGKILL);
        dup2(fds[1], 1);
        close(fds[0]);
        close(fds[1]);
        for (size_t i = 0; env && env[i]; i++)
            putenv((char *)env[i]);
        const char *args[16] = {harness_binary(), "relais", "--ecoute", "127.0.0.1:0",
                                "--base", r->base};
        size_t n = 6;
        for (size_t i = 0; extra && extra[i] && n < 15; i++)
            args[n++] = extra[i];
        args[n] = NULL;
        execv(args[0], (char **)args);
        _exit(127);
    }
    close(fds[1]);
    r->out = fds[0];
    char line[512];
    size_t len = 0;
    struct timespec start;
    clock_gettime(CLOCK_MONOTONIC, &start);
    while (!memchr(line, '\n', len) && len < sizeof line - 1) {
        struct pollfd p = {.fd = r->out, .events = POLLIN};
        long left = ms_left(&start);
        if (left <= 0 || poll(&p, 1, (int)left) <= 0)
            fail_msg("le relais n'a pas dit où il écoute");
        ssize_t n = read(r->out, line + len, sizeof line - 1 - len);
        if (n <= 0)
            fail_msg("le relais s'est arrêté au démarrage");
        len += (size_t)n;
    }
    line[len] = '\0';
    /* The one line, French, typeset: "relais : écoute sur http://127.0.0.1:PORT". */
    assert_non_null(harness_strstr(line, "relais : écoute sur http"));
    assert_non_null(strstr(line, "\u00a0: ")); /* the typeset colon (DESIGN §7) */
    bool tls = strstr(line, "https://127.0.0.1:") != NULL;
    assert_true(tls || strstr(line, "http://127.0.0.1:"));
    const char *port = strrchr(line, ':') + 1;
    snprintf(r->url, sizeof r->url, "%s://127.0.0.1:%d/v1", tls ? "https" : "http",
             atoi(port));
    assert_true(atoi(port) > 0);
}

static void relay_start(struct relay *r, const char *name, const char *const env[])
{
    relay_start_in(r, harness_tmpdir(name), NULL, env);
}

/* Stops the relay with sig and returns its exit status (waits at most WAIT_MS). */
static int relay_stop(struct relay *r, int sig)
{
    kill(r->pid, sig);
    struct timespec start;
    clock_gettime(CLOCK_MONOTONIC, &start);
    int status = 0;
    while (waitpid(r->pid, &status, WNOHANG) == 0) {
        if (ms_left(&start) <= 0) {
            kill(r->pid, SIGKILL);
            waitpid(r->pid, &status, 0);
            fail_msg("le relais ne s'est pas arrêté");
        }
        poll(NULL, 0, 10);
    }
    close(r->out);
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

/* `difelus relais agent-ajouter NAME --organisme ORG --agents FILE`: the token, printed
 * once on the last line. */
static void add_agent(const char *file, const char *name, const char *org, char token[33])
{
    char opt[4300];
    snprintf(opt, sizeof opt, "--agents=%s", file);
    struct run_result r;
    harness_run(&r, (const char *[]){"relais", "agent-ajouter", name, "--organisme", org, opt,
                                     NULL},
                NULL);
    assert_int_equal(r.status, 0);
    assert_non_null(harness_strstr(r.out, "ajouté"));
    assert_non_null(strstr(r.out, name));
    const char *last = r.out + strlen(r.out) - 1;
    assert_true(*last == '\n');
    const char *start = last;
    while (start > r.out && start[-1] != '\n')
        start--;
    assert_int_equal(last - start, 32);
    memcpy(token, start, 32);
    token[32] = '\0';
    assert_int_equal(strspn(token, "0123456789abcdef"), 32);
    harness_run_free(&r);
}

static char *journal(const struct relay *rl)
{
    char opt[4300];
    snprintf(opt, sizeof opt, "--base=%s", rl->base);
    struct run_result r;
    harness_run(&r, (const char *[]){"relais", "journal", opt, NULL}, NULL);
    assert_int_equal(r.status, 0);
    char *out = strdup(r.out);
    harness_run_free(&r);
    return out;
}

/* The journal once it holds `needle` (rows are written by the relay's writer thread),
 * failing after the harness's wait. */
static char *journal_with(const struct relay *rl, const char *needle)
{
    struct timespec start;
    clock_gettime(CLOCK_MONOTONIC, &start);
    for (;;) {
        char *log = journal(rl);
        if (harness_strstr(log, needle))
            return log;
        if (ms_left(&start) <= 0)
            fail_msg("« %s » n'est pas dans le journal :\n%s", needle, log);
        free(log);
        poll(NULL, 0, 50);
    }
}

/* ---- HTTP ---- */

struct resp {
    long status;
    char *body;
    size_t len;
    char retry_after[32];
    char content_type[128];
};

static size_t on_body(char *p, size_t size, size_t n, void *cls)
{
    struct resp *r = cls;
    char *b = realloc(r->body, r->len + size * n + 1);
    assert_non_null(b);
    memcpy(b + r->len, p, size * n);
    r->len += size * n;
    b[r->len] = '\0';
    r->body = b;
    return size * n;
}

static size_t on_header(char *p, size_t size, size_t n, void *cls)
{
    struct resp *r = cls;
    size_t len = size * n;
    if (len > 13 && strncasecmp(p, "Retry-After: ", 13) == 0)
        snprintf(r->retry_after, sizeof r->retry_after, "%.*s", (int)(len - 15), p + 13);
    if (len > 14 && strncasecmp(p, "Content-Type: ", 14) == 0)
        snprintf(r->content_type, sizeof r->content_type, "%.*s", (int)(len - 16), p + 14);
    return len;
}

static void resp_free(struct resp *r)
{
    free(r->body);
    memset(r, 0, sizeof *r);
}

/* One request; body NULL for GET and DELETE. `path` follows the relay's /v1. */
static const char *trusted_cert; /* the TLS test's self-signed certificate */

static void http_on(CURL *c, struct resp *r, const struct relay *rl, const char *method,
                    const char *path, const char *token, const void *body, size_t len)
{
    memset(r, 0, sizeof *r);
    char url[1024], auth[128];
    snprintf(url, sizeof url, "%s%s", rl->url, path);
    curl_easy_reset(c);
    curl_easy_setopt(c, CURLOPT_URL, url);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, r);
    curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, on_header);
    curl_easy_setopt(c, CURLOPT_HEADERDATA, r);
    curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, (long)WAIT_MS * 4);
    if (trusted_cert)
        curl_easy_setopt(c, CURLOPT_CAINFO, trusted_cert);
    struct curl_slist *h = NULL;
    if (token) {
        snprintf(auth, sizeof auth, "Authorization: Bearer %s", token);
        h = curl_slist_append(h, auth);
    }
    if (len > 1024 * 1024)
        h = curl_slist_append(h, "Expect: 100-continue");
    if (h)
        curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
    if (strcmp(method, "POST") == 0) {
        curl_easy_setopt(c, CURLOPT_POST, 1L);
        curl_easy_setopt(c, CURLOPT_POSTFIELDS, body ? body : "");
        curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)len);
    } else if (strcmp(method, "GET") != 0) {
        curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method);
    }
    CURLcode rc = curl_easy_perform(c);
    if (rc != CURLE_OK)
        r->status = -1;
    else
        curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &r->status);
    curl_slist_free_all(h);
}

static CURL *shared;

static void http(struct resp *r, const struct relay *rl, const char *method, const char *path,
                 const char *token, const char *body)
{
    http_on(shared, r, rl, method, path, token, body, body ? strlen(body) : 0);
}

/* The status of one request, its body checked for the "erreur" code when given. */
static void expect(const struct relay *rl, const char *method, const char *path,
                   const char *token, const char *body, long status, const char *erreur)
{
    struct resp r;
    http(&r, rl, method, path, token, body);
    if (r.status != status)
        fail_msg("%s %s : %ld au lieu de %ld (%s)", method, path, r.status, status,
                 r.body ? r.body : "");
    if (erreur) {
        json_t *j = json_loads(r.body ? r.body : "", 0, NULL);
        assert_non_null(j);
        assert_string_equal(json_string_value(json_object_get(j, "erreur")), erreur);
        /* Every error also says what happened, in French. */
        assert_non_null(json_string_value(json_object_get(j, "message")));
        json_decref(j);
    }
    resp_free(&r);
}

/* ---- frames ---- */

struct frames {
    int n;
    char type[16][32];
    unsigned long long seq[16];
    char data[16][256];
};

static void parse_frames(const struct resp *r, struct frames *f)
{
    memset(f, 0, sizeof *f);
    assert_int_equal(r->status, 200);
    assert_string_equal(r->content_type, "application/x-difelus-trames");
    size_t at = 0;
    while (at < r->len) {
        assert_true(f->n < 16);
        size_t len = 0;
        int used = 0;
        assert_int_equal(sscanf(r->body + at, "%31[a-z-] %llu %zu\n%n", f->type[f->n],
                                &f->seq[f->n], &len, &used),
                         3);
        at += (size_t)used;
        assert_true(at + len <= r->len);
        snprintf(f->data[f->n], sizeof f->data[0], "%.*s", (int)len, r->body + at);
        at += len;
        f->n++;
    }
}

static void receive(const struct relay *rl, const char *path, unsigned long long apres,
                    const char *token, struct frames *f)
{
    char p[512];
    snprintf(p, sizeof p, "%s?apres=%llu", path, apres);
    struct resp r;
    http(&r, rl, "GET", p, token, NULL);
    parse_frames(&r, f);
    resp_free(&r);
}

#define OFFICIAL "/ABCD/session/" SID1 "/recevoir"
#define OFFICIAL_SEND "/ABCD/session/" SID1 "/envoyer?type="
#define AGENT "/ABCD/agent/recevoir"
#define AGENT_SEND "/ABCD/agent/envoyer?type="

/* The official opens ABCD-EFGH; the agent joins; the official accepts. */
static void open_join_accept(const struct relay *rl, const char *token)
{
    expect(rl, "POST", "/ABCD/session", NULL,
           "{\"session\":\"" SID1 "\",\"code\":\"ABCDEFGH\"}", 201, NULL);
    expect(rl, "POST", "/ABCD/rejoindre", token, "{\"code\":\"abcd-efgh\"}", 202, NULL);
    expect(rl, "POST", OFFICIAL_SEND "accepte", NULL, "", 200, NULL);
}

static int health(const struct relay *rl, const char *what)
{
    struct resp r;
    CURL *c = curl_easy_init();
    http_on(c, &r, rl, "GET", "/sante", NULL, NULL, 0);
    curl_easy_cleanup(c);
    assert_int_equal(r.status, 200);
    json_t *j = json_loads(r.body, 0, NULL);
    assert_non_null(j);
    int n = (int)json_integer_value(json_object_get(j, what));
    json_decref(j);
    resp_free(&r);
    return n;
}

/* Waits until the relay holds at least n suspended long polls. */
static void wait_pollers(const struct relay *rl, int n)
{
    struct timespec start;
    clock_gettime(CLOCK_MONOTONIC, &start);
    while (health(rl, "attentes") < n) {
        if (ms_left(&start) <= 0)
            fail_msg("aucune requête n'attend sur le relais");
        poll(NULL, 0, 5);
    }
}

struct poller {
    pthread_t thread;
    const struct relay *rl;
    char path[512];
    const char *token;
    struct resp r;
};

static void *poll_main(void *arg)
{
    struct poller *p = arg;
    CURL *c = curl_easy_init();
    http_on(c, &p->r, p->rl, "GET", p->path, p->token, NULL, 0);
    curl_easy_cleanup(c);
    return NULL;
}

static void poller_start(struct poller *p, const struct relay *rl, const char *path,
                         unsigned long long apres, const char *token)
{
    memset(p, 0, sizeof *p);
    p->rl = rl;
    p->token = token;
    snprintf(p->path, sizeof p->path, "%s?apres=%llu", path, apres);
    assert_int_equal(pthread_create(&p->thread, NULL, poll_main, p), 0);
}

/* ---- tests ---- */

static void test_session_create_conflict_and_retry(void **state)
{
    (void)state;
    struct relay rl;
    relay_start_in(&rl, harness_tmpdir("relay-session"), (const char *[]){"--max-sessions=1", NULL},
                   NULL);
    struct resp r;
    http(&r, &rl, "POST", "/ABCD/session", NULL,
         "{\"session\":\"" SID1 "\",\"code\":\"ABCD-EFGH\"}");
    assert_int_equal(r.status, 201);
    assert_string_equal(r.body, "{\"expire\":600}");
    resp_free(&r);
    /* The same official retrying (its answer was lost): the same session. */
    http(&r, &rl, "POST", "/ABCD/session", NULL,
         "{\"session\":\"" SID1 "\",\"code\":\"ABCDEFGH\"}");
    assert_int_equal(r.status, 200);
    assert_non_null(strstr(r.body, "\"expire\":"));
    resp_free(&r);
    /* Another official drawing a code with the same key draws again. */
    expect(&rl, "POST", "/ABCD/session", NULL, "{\"session\":\"" SID2 "\",\"code\":\"ABCDWXYZ\"}",
           409, "cle-prise");
    /* The code must belong to the key of the URL. */
    expect(&rl, "POST", "/ABCE/session", NULL, "{\"session\":\"" SID2 "\",\"code\":\"ABCDWXYZ\"}",
           400, "code");
    assert_int_equal(health(&rl, "sessions"), 1);
    /* --max-sessions: one session, the relay is full. */
    expect(&rl, "POST", "/WXYZ/session", NULL, "{\"session\":\"" SID2 "\",\"code\":\"WXYZ0000\"}",
           503, "complet");
    assert_int_equal(relay_stop(&rl, SIGINT), 0);
}

/* An agent that stops polling is gone: the official is told, the session ends. */
static void test_silent_agent_leaves(void **state)
{
    (void)state;
    struct relay rl;
    relay_start(&rl, "relay-idle",
                (const char *[]){"DIFELUS_RELAIS_INACTIF=1", "DIFELUS_RELAIS_ATTENTE=1", NULL});
    char token[33];
    add_agent(rl.base, "Jeanne Martin", "Formaction Élus", token);
    open_join_accept(&rl, token);
    unsigned long long apres = 0;
    struct timespec start;
    clock_gettime(CLOCK_MONOTONIC, &start);
    bool gone = false;
    while (!gone) {
        if (ms_left(&start) <= 0)
            fail_msg("l'élu n'a pas appris le départ de l'agent");
        char path[256];
        snprintf(path, sizeof path, OFFICIAL "?apres=%llu", apres);
        struct resp r;
        http(&r, &rl, "GET", path, NULL, NULL);
        if (r.status == 200) {
            struct frames f;
            parse_frames(&r, &f);
            apres = f.seq[f.n - 1];
            gone = strcmp(f.type[f.n - 1], "depart") == 0;
        } else {
            assert_int_equal(r.status, 204);
        }
        resp_free(&r);
    }
    expect(&rl, "GET", AGENT, token, NULL, 200, NULL); /* its last frame: fin */
    char *log = journal(&rl);
    assert_non_null(strstr(log, "agent absent"));
    free(log);
    assert_int_equal(relay_stop(&rl, SIGTERM), 0);
}

static void test_join_and_codes(void **state)
{
    (void)state;
    struct relay rl;
    relay_start(&rl, "relay-join", NULL);
    char jeanne[33], paul[33];
    add_agent(rl.base, "Jeanne Martin", "Formaction Élus", jeanne);
    add_agent(rl.base, "Paul Durand", "Autre organisme", paul);
    expect(&rl, "POST", "/ABCD/session", NULL,
           "{\"session\":\"" SID1 "\",\"code\":\"ABCDEFGH\"}", 201, NULL);
    /* A wrong code, then the good one as typed over the phone (lower case, O for 0…). */
    expect(&rl, "POST", "/ABCD/rejoindre", jeanne, "{\"code\":\"ABCD-EFGJ\"}", 403, "code");
    struct resp r;
    http(&r, &rl, "POST", "/ABCD/rejoindre", jeanne, "{\"code\":\"abcd efgh\"}");
    assert_int_equal(r.status, 202);
    json_t *j = json_loads(r.body, 0, NULL);
    assert_string_equal(json_string_value(json_object_get(j, "nom")), "Jeanne Martin");
    assert_string_equal(json_string_value(json_object_get(j, "organisme")), "Formaction Élus");
    char agent_id[16];
    snprintf(agent_id, sizeof agent_id, "%s", json_string_value(json_object_get(j, "agent")));
    json_decref(j);
    resp_free(&r);
    /* The official learns who asks. */
    struct frames f;
    receive(&rl, OFFICIAL, 0, NULL, &f);
    assert_int_equal(f.n, 1);
    assert_string_equal(f.type[0], "demande");
    j = json_loads(f.data[0], 0, NULL);
    assert_non_null(j);
    assert_string_equal(json_string_value(json_object_get(j, "agent")), agent_id);
    assert_string_equal(json_string_value(json_object_get(j, "nom")), "Jeanne Martin");
    assert_string_equal(json_string_value(json_object_get(j, "organisme")), "Formaction Élus");
    json_decref(j);
    /* The code served once. */
    expect(&rl, "POST", "/ABCD/rejoindre", paul, "{\"code\":\"ABCDEFGH\"}", 410, "code-expire");
    /* Before the official accepts, the agent may only wait (or leave). */
    expect(&rl, "POST", AGENT_SEND "demande-controle", jeanne, "", 403, "pas-admis");
    /* The audit log names the agent and the key, never the code nor the session id. */
    char *log = journal(&rl);
    assert_non_null(strstr(log, "ouverture"));
    assert_non_null(strstr(log, "code-faux"));
    assert_non_null(strstr(log, "demande\t"));
    assert_non_null(strstr(log, "Jeanne Martin"));
    assert_non_null(strstr(log, "ABCD"));
    assert_null(strstr(log, "EFGH"));
    assert_null(strstr(log, SID1));
    free(log);
    /* The second agent's try with the used code is in the journal, under its name. */
    log = journal_with(&rl, "code-perime");
    assert_non_null(strstr(strstr(log, "code-perime"), "Paul Durand"));
    free(log);
    /* The base keeps only the tokens' digests. */
    size_t len;
    char *bytes = harness_read_file(rl.base, &len);
    assert_null(memmem(bytes, len, jeanne, 32));
    free(bytes);
    assert_int_equal(relay_stop(&rl, SIGTERM), 0);
}

static void test_code_expires(void **state)
{
    (void)state;
    struct relay rl;
    relay_start(&rl, "relay-expire",
                (const char *[]){"DIFELUS_RELAIS_DUREE_CODE=1", NULL});
    char token[33];
    add_agent(rl.base, "Jeanne Martin", "Formaction Élus", token);
    struct resp r;
    http(&r, &rl, "POST", "/ABCD/session", NULL,
         "{\"session\":\"" SID1 "\",\"code\":\"ABCDEFGH\"}");
    assert_int_equal(r.status, 201);
    assert_string_equal(r.body, "{\"expire\":1}");
    resp_free(&r);
    /* The relay logs the code's expiry; from then on the code is refused. */
    struct timespec start;
    clock_gettime(CLOCK_MONOTONIC, &start);
    for (;;) {
        char *log = journal(&rl);
        bool expired = strstr(log, "\texpire\t") != NULL;
        free(log);
        if (expired)
            break;
        if (ms_left(&start) <= 0)
            fail_msg("le code n'a pas expiré");
        poll(NULL, 0, 50);
    }
    http(&r, &rl, "POST", "/ABCD/rejoindre", token, "{\"code\":\"ABCDEFGH\"}");
    assert_int_equal(r.status, 410);
    assert_non_null(harness_strstr(r.body, "expiré"));
    resp_free(&r);
    /* The official's side then closes the session: the journal says the code expired (as
     * the official's history does), not that somebody ended a session. */
    expect(&rl, "DELETE", "/ABCD/session/" SID1, NULL, NULL, 200, NULL);
    /* A row written after the DELETE's: the journal is in order, so once it is there the
     * DELETE's own row (if any) is too. */
    expect(&rl, "POST", "/WXYZ/rejoindre", token, "{\"code\":\"WXYZ-0000\"}", 403, "code");
    char *log = journal_with(&rl, "code-faux");
    assert_non_null(strstr(log, "code-perime"));
    assert_null(strstr(log, "\tfin\t"));
    free(log);
    assert_int_equal(relay_stop(&rl, SIGTERM), 0);
}

static void test_wrong_codes_lock_one_token(void **state)
{
    (void)state;
    struct relay rl;
    relay_start(&rl, "relay-lock", NULL);
    char jeanne[33], paul[33];
    add_agent(rl.base, "Jeanne Martin", "Formaction Élus", jeanne);
    add_agent(rl.base, "Paul Durand", "Autre organisme", paul);
    expect(&rl, "POST", "/ABCD/session", NULL,
           "{\"session\":\"" SID1 "\",\"code\":\"ABCDEFGH\"}", 201, NULL);
    for (int i = 0; i < 5; i++)
        expect(&rl, "POST", "/ABCD/rejoindre", jeanne, "{\"code\":\"ABCDEFG1\"}", 403, "code");
    /* Locked: even the right code is refused, with the time to wait. */
    struct resp r;
    http(&r, &rl, "POST", "/ABCD/rejoindre", jeanne, "{\"code\":\"ABCDEFGH\"}");
    assert_int_equal(r.status, 429);
    assert_non_null(strstr(r.body, "\"verrouille\""));
    assert_non_null(harness_strstr(r.body, "Trop de codes faux"));
    assert_true(atoi(r.retry_after) > 0 && atoi(r.retry_after) <= 60);
    resp_free(&r);
    /* Another agent's token is not locked. */
    expect(&rl, "POST", "/ABCD/rejoindre", paul, "{\"code\":\"ABCDEFGH\"}", 202, NULL);
    char *log = journal(&rl);
    assert_non_null(strstr(log, "verrouillage"));
    free(log);
    assert_int_equal(relay_stop(&rl, SIGTERM), 0);
}

static void test_unknown_and_revoked_tokens(void **state)
{
    (void)state;
    struct relay rl;
    relay_start(&rl, "relay-tokens", NULL);
    char token[33];
    add_agent(rl.base, "Jeanne Martin", "Formaction Élus", token);
    expect(&rl, "POST", "/ABCD/session", NULL,
           "{\"session\":\"" SID1 "\",\"code\":\"ABCDEFGH\"}", 201, NULL);
    expect(&rl, "POST", "/ABCD/rejoindre", NULL, "{\"code\":\"ABCDEFGH\"}", 401, "jeton");
    expect(&rl, "POST", "/ABCD/rejoindre", "00000000000000000000000000000000",
           "{\"code\":\"ABCDEFGH\"}", 401, "jeton");
    expect(&rl, "GET", AGENT, "00000000000000000000000000000000", NULL, 401, "jeton");

    /* Revoked: listed as such, and its token no longer opens anything. */
    char opt[4300];
    snprintf(opt, sizeof opt, "--base=%s", rl.base);
    struct run_result r;
    harness_run(&r, (const char *[]){"relais", "agent-lister", opt, NULL}, NULL);
    assert_int_equal(r.status, 0);
    char id[9];
    const char *row = strstr(r.out, "Jeanne Martin");
    assert_non_null(row);
    while (row > r.out && row[-1] != '\n')
        row--;
    snprintf(id, sizeof id, "%.8s", row);
    assert_non_null(strstr(row, "\tnon\n"));
    harness_run_free(&r);
    harness_run(&r, (const char *[]){"relais", "agent-revoquer", id, opt, NULL}, NULL);
    assert_int_equal(r.status, 0);
    assert_non_null(harness_strstr(r.out, "révoqué"));
    harness_run_free(&r);
    harness_run(&r, (const char *[]){"relais", "agent-lister", opt, NULL}, NULL);
    assert_non_null(strstr(r.out, "\toui\n"));
    harness_run_free(&r);
    expect(&rl, "POST", "/ABCD/rejoindre", token, "{\"code\":\"ABCDEFGH\"}", 401, "jeton");
    /* An id that does not exist is a usage error. */
    harness_run(&r, (const char *[]){"relais", "agent-revoquer", "ffffffff", opt, NULL}, NULL);
    assert_int_equal(r.status, 2);
    assert_non_null(harness_strstr(r.err, "agent inconnu « ffffffff »"));
    harness_run_free(&r);
    assert_int_equal(relay_stop(&rl, SIGTERM), 0);
}

static void test_long_poll_wakes_and_times_out(void **state)
{
    (void)state;
    struct relay rl;
    relay_start(&rl, "relay-poll", NULL);
    char token[33];
    add_agent(rl.base, "Jeanne Martin", "Formaction Élus", token);
    open_join_accept(&rl, token);
    struct frames f;
    receive(&rl, AGENT, 0, token, &f);
    assert_int_equal(f.n, 1);
    assert_string_equal(f.type[0], "accepte");
    /* The agent waits (25 s at most); the official's frame wakes it. */
    struct poller p;
    poller_start(&p, &rl, AGENT, f.seq[0], token);
    wait_pollers(&rl, 1);
    expect(&rl, "POST", OFFICIAL_SEND "instantane", NULL, "IMAGE", 200, NULL);
    pthread_join(p.thread, NULL);
    struct frames g;
    parse_frames(&p.r, &g);
    assert_int_equal(g.n, 1);
    assert_string_equal(g.type[0], "instantane");
    assert_string_equal(g.data[0], "IMAGE");
    assert_true(g.seq[0] > f.seq[0]);
    resp_free(&p.r);
    assert_int_equal(health(&rl, "attentes"), 0);
    assert_int_equal(relay_stop(&rl, SIGTERM), 0);

    /* Nothing comes: 204 at the end of the wait (one second here). */
    relay_start(&rl, "relay-poll-204", (const char *[]){"DIFELUS_RELAIS_ATTENTE=1", NULL});
    add_agent(rl.base, "Jeanne Martin", "Formaction Élus", token);
    open_join_accept(&rl, token);
    receive(&rl, OFFICIAL, 0, NULL, &f);
    struct resp r;
    char path[256];
    snprintf(path, sizeof path, OFFICIAL "?apres=%llu", f.seq[f.n - 1]);
    http(&r, &rl, "GET", path, NULL, NULL);
    assert_int_equal(r.status, 204);
    assert_int_equal(r.len, 0);
    resp_free(&r);
    assert_int_equal(relay_stop(&rl, SIGTERM), 0);
}

static void test_order_and_acknowledgement(void **state)
{
    (void)state;
    struct relay rl;
    relay_start(&rl, "relay-order", NULL);
    char token[33];
    add_agent(rl.base, "Jeanne Martin", "Formaction Élus", token);
    open_join_accept(&rl, token);
    expect(&rl, "POST", OFFICIAL_SEND "changement", NULL, "un", 200, NULL);
    expect(&rl, "POST", OFFICIAL_SEND "changement", NULL, "deux", 200, NULL);
    struct resp r;
    http(&r, &rl, "POST", OFFICIAL_SEND "changement", NULL, "trois");
    assert_int_equal(r.status, 200);
    json_t *j = json_loads(r.body, 0, NULL);
    unsigned long long third = (unsigned long long)json_integer_value(json_object_get(j, "seq"));
    json_decref(j);
    resp_free(&r);
    struct frames f;
    receive(&rl, AGENT, 0, token, &f);
    assert_int_equal(f.n, 4);
    const char *want[] = {"accepte", "changement", "changement", "changement"};
    for (int i = 0; i < 4; i++) {
        assert_string_equal(f.type[i], want[i]);
        if (i)
            assert_int_equal(f.seq[i], f.seq[i - 1] + 1);
    }
    assert_string_equal(f.data[1], "un");
    assert_string_equal(f.data[3], "trois");
    assert_int_equal(f.seq[3], third);
    /* "apres" acknowledges: what came up to it is dropped for good. */
    struct frames g;
    receive(&rl, AGENT, f.seq[2], token, &g);
    assert_int_equal(g.n, 1);
    assert_string_equal(g.data[0], "trois");
    receive(&rl, AGENT, 0, token, &g);
    assert_int_equal(g.n, 1);
    assert_string_equal(g.data[0], "trois");
    expect(&rl, "GET", AGENT "?apres=douze", token, NULL, 400, "apres");
    assert_int_equal(relay_stop(&rl, SIGTERM), 0);
}

static void test_proposition_needs_control(void **state)
{
    (void)state;
    struct relay rl;
    relay_start(&rl, "relay-control", NULL);
    char token[33];
    add_agent(rl.base, "Jeanne Martin", "Formaction Élus", token);
    open_join_accept(&rl, token);
    struct frames f;
    receive(&rl, OFFICIAL, 0, NULL, &f);
    unsigned long long seen = f.seq[f.n - 1];
    expect(&rl, "POST", AGENT_SEND "proposition", token, "1\nchangeset", 403, "pas-de-controle");
    expect(&rl, "POST", AGENT_SEND "demande-controle", token, "", 200, NULL);
    expect(&rl, "POST", OFFICIAL_SEND "controle-accorde", NULL, "", 200, NULL);
    /* The official's side retrying an old accepte does not take control back. */
    expect(&rl, "POST", OFFICIAL_SEND "accepte", NULL, "", 200, NULL);
    expect(&rl, "POST", AGENT_SEND "proposition", token, "", 400, "vide");
    expect(&rl, "POST", AGENT_SEND "proposition", token, "2\nchangeset", 200, NULL);
    receive(&rl, OFFICIAL, seen, NULL, &f);
    assert_int_equal(f.n, 2);
    assert_string_equal(f.type[0], "demande-controle");
    assert_string_equal(f.type[1], "proposition");
    assert_string_equal(f.data[1], "2\nchangeset");
    /* Control withdrawn: proposals refused again. */
    expect(&rl, "POST", OFFICIAL_SEND "controle-retire", NULL, "", 200, NULL);
    expect(&rl, "POST", AGENT_SEND "proposition", token, "3\nchangeset", 403, "pas-de-controle");
    char *log = journal(&rl);
    assert_non_null(strstr(log, "controle-accorde"));
    assert_non_null(strstr(log, "controle-retire"));
    assert_non_null(strstr(log, "proposition-refusee"));
    free(log);
    assert_int_equal(relay_stop(&rl, SIGTERM), 0);
}

static void test_delete_ends_the_session(void **state)
{
    (void)state;
    struct relay rl;
    relay_start(&rl, "relay-delete", NULL);
    char token[33];
    add_agent(rl.base, "Jeanne Martin", "Formaction Élus", token);
    open_join_accept(&rl, token);
    expect(&rl, "POST", OFFICIAL_SEND "instantane", NULL, "IMAGE", 200, NULL);
    /* The agent waits; the official ends the session: the agent is told. */
    struct frames f;
    receive(&rl, AGENT, 0, token, &f);
    struct poller p;
    poller_start(&p, &rl, AGENT, f.seq[f.n - 1], token);
    wait_pollers(&rl, 1);
    expect(&rl, "DELETE", "/ABCD/session/" SID1, NULL, NULL, 200, NULL);
    pthread_join(p.thread, NULL);
    struct frames g;
    parse_frames(&p.r, &g);
    assert_int_equal(g.n, 1);
    assert_string_equal(g.type[0], "fin");
    resp_free(&p.r);
    /* The payloads are gone with the session. */
    receive(&rl, AGENT, 0, token, &f);
    assert_int_equal(f.n, 1);
    assert_string_equal(f.type[0], "fin");
    char path[256];
    snprintf(path, sizeof path, AGENT "?apres=%llu", f.seq[0]);
    expect(&rl, "GET", path, token, NULL, 410, "session-terminee");
    expect(&rl, "GET", OFFICIAL, NULL, NULL, 410, "session-terminee");
    expect(&rl, "POST", OFFICIAL_SEND "changement", NULL, "x", 410, "session-terminee");
    assert_int_equal(health(&rl, "sessions"), 0);
    char *log = journal(&rl);
    assert_non_null(strstr(log, "\tfin\t"));
    free(log);
    /* The key is free for a new session. */
    expect(&rl, "POST", "/ABCD/session", NULL, "{\"session\":\"" SID2 "\",\"code\":\"ABCDWXYZ\"}",
           201, NULL);
    assert_int_equal(relay_stop(&rl, SIGTERM), 0);
}

static void test_reprise_after_restart(void **state)
{
    (void)state;
    struct relay rl;
    const char *dir = harness_tmpdir("relay-restart");
    char saved[4096];
    snprintf(saved, sizeof saved, "%s", dir);
    relay_start_in(&rl, saved, NULL, NULL);
    char token[33];
    add_agent(rl.base, "Jeanne Martin", "Formaction Élus", token);
    expect(&rl, "POST", "/ABCD/session", NULL,
           "{\"session\":\"" SID1 "\",\"code\":\"ABCDEFGH\"}", 201, NULL);
    struct resp r;
    http(&r, &rl, "POST", "/ABCD/rejoindre", token, "{\"code\":\"ABCDEFGH\"}");
    json_t *j = json_loads(r.body, 0, NULL);
    char agent_id[16];
    snprintf(agent_id, sizeof agent_id, "%s", json_string_value(json_object_get(j, "agent")));
    json_decref(j);
    resp_free(&r);
    expect(&rl, "POST", OFFICIAL_SEND "accepte", NULL, "", 200, NULL);
    struct frames f;
    receive(&rl, AGENT, 0, token, &f);
    unsigned long long before = f.seq[f.n - 1];
    /* The relay stops while the agent waits: the wait is answered, the relay exits 0. */
    struct poller p;
    poller_start(&p, &rl, AGENT, before, token);
    wait_pollers(&rl, 1);
    assert_int_equal(relay_stop(&rl, SIGTERM), 0);
    pthread_join(p.thread, NULL);
    assert_int_equal(p.r.status, 503);
    assert_non_null(strstr(p.r.body, "\"arret\""));
    resp_free(&p.r);

    relay_start_in(&rl, saved, NULL, NULL);
    /* The new relay does not know the session until the official registers it again. */
    expect(&rl, "GET", AGENT, token, NULL, 404, "session-inconnue");
    expect(&rl, "GET", OFFICIAL, NULL, NULL, 404, "session-inconnue");
    char body[256];
    snprintf(body, sizeof body,
             "{\"session\":\"" SID1 "\",\"reprise\":{\"agent\":\"%s\",\"mode\":\"vue\"}}",
             agent_id);
    expect(&rl, "POST", "/ABCD/session", NULL, body, 201, NULL);
    /* The agent polls on, with the number it had: the new frames come through. */
    expect(&rl, "POST", OFFICIAL_SEND "instantane", NULL, "IMAGE", 200, NULL);
    receive(&rl, AGENT, before, token, &f);
    assert_int_equal(f.n, 1);
    assert_string_equal(f.type[0], "instantane");
    assert_true(f.seq[0] > before);
    /* In view mode, as the official said. */
    expect(&rl, "POST", AGENT_SEND "proposition", token, "1\nx", 403, "pas-de-controle");
    /* Only a known agent can be named. */
    expect(&rl, "POST", "/WXYZ/session", NULL,
           "{\"session\":\"" SID2 "\",\"reprise\":{\"agent\":\"00000000\",\"mode\":\"vue\"}}",
           403, "agent");
    assert_int_equal(relay_stop(&rl, SIGTERM), 0);
}

static void test_robustness(void **state)
{
    (void)state;
    struct relay rl;
    relay_start(&rl, "relay-robust", NULL);
    char jeanne[33], paul[33];
    add_agent(rl.base, "Jeanne Martin", "Formaction Élus", jeanne);
    add_agent(rl.base, "Paul Durand", "Autre organisme", paul);
    expect(&rl, "POST", "/ABCD/session", NULL, "{\"session\":", 400, "json");
    expect(&rl, "POST", "/ABCD/session", NULL, "[1,2]", 400, "json");
    expect(&rl, "POST", "/ABCD/session", NULL, "", 400, "json");
    expect(&rl, "POST", "/ABCD/session", NULL, "{\"session\":\"xyz\",\"code\":\"ABCDEFGH\"}", 400,
           "session");
    expect(&rl, "POST", "/ABCD/session", NULL,
           "{\"session\":\"" SID1 "\",\"code\":\"ABCDEFGU\"}", 400, "code");
    /* Over 1 MiB: 413, before the body is read. */
    size_t big = 1024 * 1024 + 1;
    char *huge = malloc(big);
    memset(huge, 'a', big);
    struct resp r;
    http_on(shared, &r, &rl, "POST", "/ABCD/session", NULL, huge, big);
    assert_int_equal(r.status, 413);
    assert_non_null(strstr(r.body, "\"trop-gros\""));
    resp_free(&r);
    /* Unknown paths and sessions. */
    expect(&rl, "GET", "/ABCD/session/" SID2 "/recevoir", NULL, NULL, 404, "session-inconnue");
    expect(&rl, "GET", "/nulle/part", NULL, NULL, 404, "chemin");
    expect(&rl, "GET", "/ABCD/session/" SID1 "/recevoir/", NULL, NULL, 404, "chemin");
    expect(&rl, "GET", "/", NULL, NULL, 404, "chemin");

    open_join_accept(&rl, jeanne);
    /* A payload of exactly 1 MiB passes, one byte more does not. */
    http_on(shared, &r, &rl, "POST", OFFICIAL_SEND "instantane", NULL, huge, big - 1);
    assert_int_equal(r.status, 200);
    resp_free(&r);
    http_on(shared, &r, &rl, "POST", OFFICIAL_SEND "instantane", NULL, huge, big);
    assert_int_equal(r.status, 413);
    resp_free(&r);
    free(huge);
    expect(&rl, "POST", "/ABCD/session/" SID1 "/envoyer", NULL, "x", 400, "type");
    expect(&rl, "POST", OFFICIAL_SEND "INSTANTANE", NULL, "x", 400, "type");
    expect(&rl, "POST", OFFICIAL_SEND "bonjour", NULL, "x", 400, "type");
    expect(&rl, "POST", OFFICIAL_SEND "proposition", NULL, "x", 400, "type");
    expect(&rl, "POST", AGENT_SEND "accepte", jeanne, "x", 400, "type");
    expect(&rl, "POST", AGENT_SEND, jeanne, "x", 400, "type");
    /* Another agent cannot read this session. */
    expect(&rl, "GET", AGENT, paul, NULL, 404, "session-inconnue");

    /* 1 000 wrong codes from one token: each refused, locked after the fifth. */
    expect(&rl, "POST", "/WXYZ/session", NULL, "{\"session\":\"" SID2 "\",\"code\":\"WXYZ0000\"}",
           201, NULL);
    for (int i = 0; i < 1000; i++) {
        char code[64];
        snprintf(code, sizeof code, "{\"code\":\"WXYZ%04d\"}", i + 1);
        http(&r, &rl, "POST", "/WXYZ/rejoindre", paul, code);
        if (r.status != (i < 5 ? 403 : 429))
            fail_msg("code faux n° %d : %ld", i + 1, r.status);
        resp_free(&r);
    }
    /* And after all that, a session still works from end to end. */
    struct frames f;
    receive(&rl, AGENT, 0, jeanne, &f);
    assert_int_equal(f.n, 2);
    assert_int_equal(strlen(f.data[1]), 255); /* the 1 MiB payload, cut by the parser */
    expect(&rl, "POST", "/WXYZ/rejoindre", jeanne, "{\"code\":\"WXYZ0000\"}", 202, NULL);
    expect(&rl, "POST", "/WXYZ/session/" SID2 "/envoyer?type=accepte", NULL, "", 200, NULL);
    receive(&rl, "/WXYZ/agent/recevoir", 0, jeanne, &f);
    assert_int_equal(f.n, 1);
    assert_string_equal(f.type[0], "accepte");
    assert_int_equal(relay_stop(&rl, SIGTERM), 0);
}

static void test_replaced_agents_file(void **state)
{
    (void)state;
    const char *dir = harness_tmpdir("relay-agents");
    char saved[4096], agents[4200], fresh[4200], opt[4300];
    snprintf(saved, sizeof saved, "%s", dir);
    snprintf(agents, sizeof agents, "%s/agents.db", saved);
    snprintf(fresh, sizeof fresh, "%s/agents-nouveau.db", saved);
    char old_token[33], new_token[33];
    add_agent(agents, "Jeanne Martin", "Formaction Élus", old_token);
    snprintf(opt, sizeof opt, "--agents=%s", agents);
    struct relay rl;
    relay_start_in(&rl, saved, (const char *[]){opt, NULL}, NULL);
    expect(&rl, "POST", "/ABCD/session", NULL,
           "{\"session\":\"" SID1 "\",\"code\":\"ABCDEFGH\"}", 201, NULL);
    expect(&rl, "POST", "/ABCD/rejoindre", old_token, "{\"code\":\"ABCDEFGX\"}", 403, "code");
    /* Deployed again: another file renamed over it (a new inode). */
    add_agent(fresh, "Paul Durand", "Autre organisme", new_token);
    assert_int_equal(rename(fresh, agents), 0);
    expect(&rl, "POST", "/ABCD/rejoindre", old_token, "{\"code\":\"ABCDEFGH\"}", 401, "jeton");
    expect(&rl, "POST", "/ABCD/rejoindre", new_token, "{\"code\":\"ABCDEFGH\"}", 202, NULL);
    /* The audit log stays in the base, not in the agents file. */
    char *log = journal(&rl);
    assert_non_null(strstr(log, "Paul Durand"));
    free(log);
    assert_int_equal(relay_stop(&rl, SIGTERM), 0);
}

static void test_command_line(void **state)
{
    (void)state;
    struct run_result r;
    harness_run(&r, (const char *[]){"--help", NULL}, NULL);
    assert_non_null(harness_strstr(r.out, "relais [ACTION]"));
    harness_run_free(&r);
    harness_run(&r, (const char *[]){"relais", "ranger", NULL}, NULL);
    assert_int_equal(r.status, 2);
    assert_non_null(harness_strstr(r.err, "commande inconnue « ranger »"));
    harness_run_free(&r);
    const char *dir = harness_tmpdir("relay-cli");
    char opt[4300];
    snprintf(opt, sizeof opt, "--base=%s/r.db", dir);
    harness_run(&r, (const char *[]){"relais", "agent-ajouter", "Jeanne", opt, NULL}, NULL);
    assert_int_equal(r.status, 2);
    assert_non_null(harness_strstr(r.err, "attend --organisme"));
    harness_run_free(&r);
    harness_run(&r, (const char *[]){"relais", "agent-ajouter", "Jeanne\033[2J", "--organisme",
                                     "X", opt, NULL},
                NULL);
    assert_int_equal(r.status, 2);
    assert_non_null(harness_strstr(r.err, "caractères de contrôle"));
    harness_run_free(&r);
    harness_run(&r, (const char *[]){"relais", "--ecoute", "nulle-part", opt, NULL}, NULL);
    assert_int_equal(r.status, 2);
    assert_non_null(harness_strstr(r.err, "adresse d'écoute invalide « nulle-part »"));
    harness_run_free(&r);
}

/* --certificat and --cle: the relay speaks HTTPS (a certificate made for the test, trusted
 * by the client: the check of the peer stays on). */
static void test_tls(void **state)
{
    (void)state;
    const char *dir = harness_tmpdir("relay-tls");
    char saved[4096], cert[4200], key[4200], cmd[10000], certopt[4300], keyopt[4300];
    snprintf(saved, sizeof saved, "%s", dir);
    snprintf(cert, sizeof cert, "%s/cert.pem", saved);
    snprintf(key, sizeof key, "%s/cle.pem", saved);
    snprintf(cmd, sizeof cmd,
             "openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes "
             "-keyout '%s' -out '%s' -days 2 -subj /CN=127.0.0.1 "
             "-addext subjectAltName=IP:127.0.0.1 >/dev/null 2>&1",
             key, cert);
    if (system(cmd) != 0)
        skip(); /* no openssl command here */
    snprintf(certopt, sizeof certopt, "--certificat=%s", cert);
    snprintf(keyopt, sizeof keyopt, "--cle=%s", key);
    struct relay rl;
    relay_start_in(&rl, saved, (const char *[]){certopt, keyopt, NULL}, NULL);
    assert_non_null(strstr(rl.url, "https://"));
    trusted_cert = cert;
    CURL *c = curl_easy_init();
    struct resp r;
    http_on(c, &r, &rl, "POST", "/ABCD/session", NULL,
            "{\"session\":\"" SID1 "\",\"code\":\"ABCDEFGH\"}", 64);
    curl_easy_cleanup(c);
    trusted_cert = NULL;
    assert_int_equal(r.status, 201);
    resp_free(&r);
    assert_int_equal(relay_stop(&rl, SIGTERM), 0);
    /* Half of the pair is a usage error. */
    struct run_result u;
    harness_run(&u, (const char *[]){"relais", certopt, NULL}, NULL);
    assert_int_equal(u.status, 2);
    assert_non_null(harness_strstr(u.err, "--certificat et --cle vont ensemble"));
    harness_run_free(&u);
}

/* 8 MiB wait in one direction at most: beyond, the sender is told to retry later (507);
 * once the agent has read and acknowledged, sending works again. */
static void test_queue_cap(void **state)
{
    (void)state;
    struct relay rl;
    relay_start(&rl, "relay-cap", NULL);
    char token[33];
    add_agent(rl.base, "Jeanne Martin", "Formaction Élus", token);
    open_join_accept(&rl, token);
    size_t mib = 1024 * 1024;
    char *part = malloc(mib);
    memset(part, 'p', mib);
    struct resp r;
    for (int i = 0; i < 8; i++) {
        http_on(shared, &r, &rl, "POST", OFFICIAL_SEND "instantane-partie", NULL, part, mib);
        assert_int_equal(r.status, 200);
        resp_free(&r);
    }
    http_on(shared, &r, &rl, "POST", OFFICIAL_SEND "instantane-partie", NULL, part, mib);
    assert_int_equal(r.status, 507);
    assert_non_null(strstr(r.body, "\"file-pleine\""));
    assert_non_null(harness_strstr(r.body, "réessayez plus tard"));
    assert_true(atoi(r.retry_after) > 0);
    resp_free(&r);
    struct frames f;
    receive(&rl, AGENT, 0, token, &f);
    assert_int_equal(f.n, 9); /* accepte and the eight parts */
    assert_string_equal(f.type[8], "instantane-partie");
    /* The agent's next poll acknowledges them and waits: the queue is empty again. */
    struct poller p;
    poller_start(&p, &rl, AGENT, f.seq[8], token);
    wait_pollers(&rl, 1);
    expect(&rl, "POST", OFFICIAL_SEND "instantane", NULL, "fin de l'image", 200, NULL);
    pthread_join(p.thread, NULL);
    parse_frames(&p.r, &f);
    resp_free(&p.r);
    assert_int_equal(f.n, 1);
    assert_string_equal(f.data[0], "fin de l'image");
    http_on(shared, &r, &rl, "POST", OFFICIAL_SEND "instantane-partie", NULL, part, mib);
    assert_int_equal(r.status, 200);
    resp_free(&r);
    free(part);
    assert_int_equal(relay_stop(&rl, SIGTERM), 0);
}

/* ---- review 4, 5, 11: limits before the body, reprises that need the session id ---- */

/* Sends raw request headers (no body follows) and returns what the relay answers within
 * WAIT_MS: a request to be refused is answered from its headers alone. */
static void raw_headers(const struct relay *rl, const char *head, char *out, size_t outlen)
{
    int port = atoi(strrchr(rl->url, ':') + 1);
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    assert_true(fd >= 0);
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    assert_int_equal(connect(fd, (struct sockaddr *)&sa, sizeof sa), 0);
    /* A connection the relay closes at once may refuse the bytes: that is an answer too
     * (none), not a reason to die of SIGPIPE. */
    if (send(fd, head, strlen(head), MSG_NOSIGNAL) < 0)
        out[0] = '\0';
    size_t len = 0;
    struct timespec start;
    clock_gettime(CLOCK_MONOTONIC, &start);
    while (len < outlen - 1 && !strstr(out, "\r\n\r\n")) {
        out[len] = '\0';
        struct pollfd p = {.fd = fd, .events = POLLIN};
        long left = ms_left(&start);
        if (left <= 0 || poll(&p, 1, (int)left) <= 0)
            break;
        ssize_t n = read(fd, out + len, outlen - 1 - len);
        if (n <= 0)
            break;
        len += (size_t)n;
        out[len] = '\0';
    }
    out[len] = '\0';
    close(fd);
}

static void test_refused_before_the_body(void **state)
{
    (void)state;
    struct relay rl;
    relay_start(&rl, "relay-headers", NULL);
    char out[4096] = "";
    /* No token: 401 at once, although the announced body never comes. */
    raw_headers(&rl,
                "POST /v1/ZZZZ/rejoindre HTTP/1.1\r\nHost: relais\r\nContent-Length: 1000\r\n"
                "Content-Type: application/json\r\n\r\n",
                out, sizeof out);
    if (strncmp(out, "HTTP/1.1 401", 12) != 0)
        fail_msg("réponse sans corps : « %.40s »", out);
    /* A wrong method or path: refused from the headers too. */
    memset(out, 0, sizeof out);
    raw_headers(&rl, "PUT /v1/ABCD/session HTTP/1.1\r\nHost: relais\r\nContent-Length: 500\r\n\r\n",
                out, sizeof out);
    assert_int_equal(strncmp(out, "HTTP/1.1 405", 12), 0);
    memset(out, 0, sizeof out);
    raw_headers(&rl, "POST /v1/ABCD/nulle HTTP/1.1\r\nHost: relais\r\nContent-Length: 500\r\n\r\n",
                out, sizeof out);
    assert_int_equal(strncmp(out, "HTTP/1.1 404", 12), 0);
    /* More than 1 MiB announced, without Expect: 413 before any byte of it is sent. */
    memset(out, 0, sizeof out);
    raw_headers(&rl,
                "POST /v1/ABCD/session HTTP/1.1\r\nHost: relais\r\n"
                "Content-Length: 1048577\r\n\r\n",
                out, sizeof out);
    assert_int_equal(strncmp(out, "HTTP/1.1 413", 12), 0);
    /* And with the client's Expect: 100-continue (libcurl), 413 instead of 100. */
    size_t big = 1024 * 1024 + 1;
    char *huge = calloc(1, big);
    struct resp r;
    http_on(shared, &r, &rl, "POST", "/ABCD/session", NULL, huge, big);
    assert_int_equal(r.status, 413);
    assert_non_null(strstr(r.body, "\"trop-gros\""));
    resp_free(&r);
    free(huge);
    /* The relay still answers. */
    assert_int_equal(health(&rl, "sessions"), 0);
    assert_int_equal(relay_stop(&rl, SIGTERM), 0);
}

static void test_session_opens_per_address(void **state)
{
    (void)state;
    struct relay rl;
    relay_start_in(&rl, harness_tmpdir("relay-opens"),
                   (const char *[]){"--ouvertures-par-minute=3", NULL}, NULL);
    char token[33];
    add_agent(rl.base, "Jeanne Martin", "Formaction Élus", token);
    open_join_accept(&rl, token); /* the first open */
    expect(&rl, "POST", "/WXYZ/session", NULL, "{\"session\":\"" SID2 "\",\"code\":\"WXYZ0000\"}",
           201, NULL);
    expect(&rl, "POST", "/QRST/session", NULL,
           "{\"session\":\"" SID2 "\",\"code\":\"QRST0000\"}", 201, NULL);
    struct resp r;
    http(&r, &rl, "POST", "/MNPQ/session", NULL, "{\"session\":\"" SID2 "\",\"code\":\"MNPQ0000\"}");
    assert_int_equal(r.status, 429);
    assert_non_null(strstr(r.body, "\"trop-d-ouvertures\""));
    assert_non_null(harness_strstr(r.body, "réessayez dans une minute"));
    assert_true(atoi(r.retry_after) > 0 && atoi(r.retry_after) <= 60);
    resp_free(&r);
    assert_int_equal(health(&rl, "sessions"), 3);
    /* The sessions already open go on working. */
    expect(&rl, "POST", OFFICIAL_SEND "instantane", NULL, "IMAGE", 200, NULL);
    struct frames f;
    receive(&rl, AGENT, 0, token, &f);
    assert_int_equal(f.n, 2);
    assert_string_equal(f.type[1], "instantane");
    assert_string_equal(f.data[1], "IMAGE");
    expect(&rl, "POST", "/WXYZ/rejoindre", token, "{\"code\":\"WXYZ0000\"}", 202, NULL);
    assert_int_equal(relay_stop(&rl, SIGTERM), 0);
}

/* Review 4: --max-par-ip caps the connections of one address; closing them lets the next
 * one in. */
static int raw_connect(const struct relay *rl)
{
    int port = atoi(strrchr(rl->url, ':') + 1);
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    assert_true(fd >= 0);
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    assert_int_equal(connect(fd, (struct sockaddr *)&sa, sizeof sa), 0);
    return fd;
}

static void test_connections_per_address(void **state)
{
    (void)state;
    struct relay rl;
    relay_start_in(&rl, harness_tmpdir("relay-per-ip"), (const char *[]){"--max-par-ip=2", NULL},
                   NULL);
    int a = raw_connect(&rl), b = raw_connect(&rl);
    /* Both held by the relay (each answers), then a third is closed without an answer. */
    static const char get[] = "GET /v1/sante HTTP/1.1\r\nHost: relais\r\n\r\n";
    char buf[1024];
    for (int i = 0; i < 2; i++) {
        int fd = i ? b : a;
        assert_int_equal(write(fd, get, sizeof get - 1), (ssize_t)(sizeof get - 1));
        struct pollfd p = {.fd = fd, .events = POLLIN};
        assert_int_equal(poll(&p, 1, WAIT_MS), 1);
        ssize_t n = read(fd, buf, sizeof buf - 1);
        assert_true(n > 12);
        assert_int_equal(strncmp(buf, "HTTP/1.1 200", 12), 0);
    }
    char out[1024] = "";
    raw_headers(&rl, get, out, sizeof out);
    assert_string_equal(out, "");
    close(a);
    close(b);
    /* Once they are closed, the address is let in again. */
    struct timespec start;
    clock_gettime(CLOCK_MONOTONIC, &start);
    for (;;) {
        memset(out, 0, sizeof out);
        raw_headers(&rl, get, out, sizeof out);
        if (strncmp(out, "HTTP/1.1 200", 12) == 0)
            break;
        if (ms_left(&start) <= 0)
            fail_msg("le relais refuse toujours l'adresse");
        poll(NULL, 0, 20);
    }
    assert_int_equal(relay_stop(&rl, SIGTERM), 0);
}

/* Review 4: the bodies being read are capped for all connections together (here 8 KiB):
 * beyond, 503 with Retry-After; the relay keeps working. */
static void test_bodies_capped(void **state)
{
    (void)state;
    struct relay rl;
    relay_start(&rl, "relay-bodies", (const char *[]){"DIFELUS_RELAIS_CORPS_KIO=8", NULL});
    char token[33];
    add_agent(rl.base, "Jeanne Martin", "Formaction Élus", token);
    open_join_accept(&rl, token);
    size_t big = 64 * 1024;
    char *body = malloc(big);
    memset(body, 'i', big);
    struct resp r;
    http_on(shared, &r, &rl, "POST", OFFICIAL_SEND "instantane", NULL, body, big);
    assert_int_equal(r.status, 503);
    assert_non_null(strstr(r.body, "\"sature\""));
    assert_non_null(harness_strstr(r.body, "réessayez plus tard"));
    assert_true(atoi(r.retry_after) > 0);
    resp_free(&r);
    /* What fits still goes through, and the bytes of the refused body were given back. */
    http_on(shared, &r, &rl, "POST", OFFICIAL_SEND "instantane", NULL, body, 4096);
    assert_int_equal(r.status, 200);
    resp_free(&r);
    http_on(shared, &r, &rl, "POST", OFFICIAL_SEND "instantane", NULL, body, 4096);
    assert_int_equal(r.status, 200);
    resp_free(&r);
    free(body);
    assert_int_equal(relay_stop(&rl, SIGTERM), 0);
}

static void reprise_body(char *out, size_t len, const char *sid, const char *agent,
                         const char *mode, const char *code)
{
    snprintf(out, len, "{\"session\":\"%s\",%s%s%s\"reprise\":{\"agent\":\"%s\",\"mode\":\"%s\"}}",
             sid, code ? "\"code\":\"" : "", code ? code : "", code ? "\"," : "", agent, mode);
}

static void joined_agent(const struct relay *rl, const char *token, char id[16])
{
    struct resp r;
    http(&r, rl, "POST", "/ABCD/rejoindre", token, "{\"code\":\"ABCDEFGH\"}");
    assert_int_equal(r.status, 202);
    json_t *j = json_loads(r.body, 0, NULL);
    snprintf(id, 16, "%s", json_string_value(json_object_get(j, "agent")));
    json_decref(j);
    resp_free(&r);
}

/* Review 5: after a restart, only the holder of the session id brings an admitted agent
 * back; once the session has ended, nobody does. */
static void test_reprise_needs_the_session_id(void **state)
{
    (void)state;
    struct relay rl;
    char dir[4096];
    snprintf(dir, sizeof dir, "%s", harness_tmpdir("relay-reprise-sid"));
    relay_start_in(&rl, dir, NULL, NULL);
    char token[33], id[16], body[512];
    add_agent(rl.base, "Jeanne Martin", "Formaction Élus", token);
    expect(&rl, "POST", "/ABCD/session", NULL,
           "{\"session\":\"" SID1 "\",\"code\":\"ABCDEFGH\"}", 201, NULL);
    joined_agent(&rl, token, id);
    expect(&rl, "POST", OFFICIAL_SEND "accepte", NULL, "", 200, NULL);
    expect(&rl, "POST", OFFICIAL_SEND "controle-accorde", NULL, "", 200, NULL);
    assert_int_equal(relay_stop(&rl, SIGTERM), 0);

    relay_start_in(&rl, dir, NULL, NULL);
    /* Someone who knows the agent's public id, not the session id: refused. */
    reprise_body(body, sizeof body, SID2, id, "controle", NULL);
    expect(&rl, "POST", "/ABCD/session", NULL, body, 403, "reprise-inconnue");
    expect(&rl, "GET", AGENT, token, NULL, 404, "session-inconnue");
    /* The official: accepted, in control as recorded. */
    reprise_body(body, sizeof body, SID1, id, "controle", NULL);
    expect(&rl, "POST", "/ABCD/session", NULL, body, 201, NULL);
    expect(&rl, "POST", AGENT_SEND "proposition", token, "1\nx", 200, NULL);
    /* The session ends: its record goes with it. */
    expect(&rl, "DELETE", "/ABCD/session/" SID1, NULL, NULL, 200, NULL);
    assert_int_equal(relay_stop(&rl, SIGTERM), 0);
    relay_start_in(&rl, dir, NULL, NULL);
    expect(&rl, "POST", "/ABCD/session", NULL, body, 403, "reprise-inconnue");
    assert_int_equal(relay_stop(&rl, SIGTERM), 0);
}

/* Review 11: a restart between the agent's join and the official's answer; the official
 * brings the request back ("demande"): its later accepte admits the same agent, and the
 * code, already used, admits nobody else. */
static void test_reprise_of_a_pending_request(void **state)
{
    (void)state;
    struct relay rl;
    char dir[4096];
    snprintf(dir, sizeof dir, "%s", harness_tmpdir("relay-reprise-demande"));
    const char *const env[] = {"DIFELUS_RELAIS_ATTENTE=1", NULL};
    relay_start_in(&rl, dir, NULL, env);
    char jeanne[33], paul[33], id[16], body[512];
    add_agent(rl.base, "Jeanne Martin", "Formaction Élus", jeanne);
    add_agent(rl.base, "Paul Durand", "Autre organisme", paul);
    expect(&rl, "POST", "/ABCD/session", NULL,
           "{\"session\":\"" SID1 "\",\"code\":\"ABCDEFGH\"}", 201, NULL);
    joined_agent(&rl, jeanne, id);
    assert_int_equal(relay_stop(&rl, SIGTERM), 0);

    relay_start_in(&rl, dir, NULL, env);
    reprise_body(body, sizeof body, SID1, id, "demande", "ABCDEFGH");
    expect(&rl, "POST", "/ABCD/session", NULL, body, 201, NULL);
    /* The code is not valid again: another agent gets « already used ». */
    expect(&rl, "POST", "/ABCD/rejoindre", paul, "{\"code\":\"ABCD-EFGH\"}", 410, "code-expire");
    /* The waiting agent retrying its join is answered again. */
    expect(&rl, "POST", "/ABCD/rejoindre", jeanne, "{\"code\":\"ABCDEFGH\"}", 202, NULL);
    /* The official answers now: the same agent is admitted. */
    expect(&rl, "POST", OFFICIAL_SEND "accepte", NULL, "", 200, NULL);
    struct frames f;
    receive(&rl, AGENT, 0, jeanne, &f);
    assert_int_equal(f.n, 1);
    assert_string_equal(f.type[0], "accepte");
    expect(&rl, "GET", AGENT, paul, NULL, 404, "session-inconnue");
    assert_int_equal(relay_stop(&rl, SIGTERM), 0);
}

/* Review 10: another process holding the relay's base (an administrator's command, a
 * checkpoint) delays no request: joins, wrong codes and admissions are answered while it
 * is held, and their rows reach the log once it is free. */
static void test_base_held_by_another_process(void **state)
{
    (void)state;
    struct relay rl;
    relay_start(&rl, "relay-base-held", NULL);
    char token[33];
    add_agent(rl.base, "Jeanne Martin", "Formaction Élus", token);
    sqlite3 *db = NULL;
    assert_int_equal(sqlite3_open(rl.base, &db), SQLITE_OK);
    assert_int_equal(sqlite3_exec(db, "BEGIN IMMEDIATE", NULL, NULL, NULL), SQLITE_OK);
    /* Many rows to write, each of which would have waited for the base. */
    expect(&rl, "POST", "/ABCD/session", NULL,
           "{\"session\":\"" SID1 "\",\"code\":\"ABCDEFGH\"}", 201, NULL);
    for (int i = 0; i < 4; i++)
        expect(&rl, "POST", "/ABCD/rejoindre", token, "{\"code\":\"ABCD0000\"}", 403, "code");
    expect(&rl, "POST", "/ABCD/rejoindre", token, "{\"code\":\"ABCDEFGH\"}", 202, NULL);
    expect(&rl, "POST", OFFICIAL_SEND "accepte", NULL, "", 200, NULL);
    expect(&rl, "POST", OFFICIAL_SEND "controle-accorde", NULL, "", 200, NULL);
    /* Still held: nothing reached the log yet. */
    char *log = journal(&rl);
    assert_null(strstr(log, "code-faux"));
    free(log);
    assert_int_equal(sqlite3_exec(db, "COMMIT", NULL, NULL, NULL), SQLITE_OK);
    sqlite3_close(db);
    /* Free again: every row is written, in order. */
    struct timespec start;
    clock_gettime(CLOCK_MONOTONIC, &start);
    for (;;) {
        log = journal(&rl);
        if (strstr(log, "controle-accorde"))
            break;
        free(log);
        if (ms_left(&start) <= 0)
            fail_msg("le journal n'a pas été écrit après la libération de la base");
        poll(NULL, 0, 20);
    }
    const char *ouv = strstr(log, "ouverture"), *faux = strstr(log, "code-faux"),
               *dem = strstr(log, "demande"), *acc = strstr(log, "accepte");
    assert_true(ouv && faux && dem && acc && ouv < faux && faux < dem && dem < acc);
    free(log);
    assert_int_equal(relay_stop(&rl, SIGTERM), 0);
}

int main(void)
{
    curl_global_init(CURL_GLOBAL_DEFAULT);
    shared = curl_easy_init();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_session_create_conflict_and_retry),
        cmocka_unit_test(test_join_and_codes),
        cmocka_unit_test(test_silent_agent_leaves),
        cmocka_unit_test(test_code_expires),
        cmocka_unit_test(test_wrong_codes_lock_one_token),
        cmocka_unit_test(test_unknown_and_revoked_tokens),
        cmocka_unit_test(test_long_poll_wakes_and_times_out),
        cmocka_unit_test(test_order_and_acknowledgement),
        cmocka_unit_test(test_proposition_needs_control),
        cmocka_unit_test(test_delete_ends_the_session),
        cmocka_unit_test(test_reprise_after_restart),
        cmocka_unit_test(test_robustness),
        cmocka_unit_test(test_replaced_agents_file),
        cmocka_unit_test(test_command_line),
        cmocka_unit_test(test_queue_cap),
        cmocka_unit_test(test_tls),
        cmocka_unit_test(test_refused_before_the_body),
        cmocka_unit_test(test_session_opens_per_address),
        cmocka_unit_test(test_connections_per_address),
        cmocka_unit_test(test_bodies_capped),
        cmocka_unit_test(test_reprise_needs_the_session_id),
        cmocka_unit_test(test_reprise_of_a_pending_request),
        cmocka_unit_test(test_base_held_by_another_process),
    };
    int rc = cmocka_run_group_tests(tests, NULL, NULL);
    curl_easy_cleanup(shared);
    curl_global_cleanup();
    return rc;
}
