/* End-to-end, scale-out (issue 9 §6): two real relays (each its own audit base, one shared
 * agents file) behind a real HAProxy on 127.0.0.1 that hashes on the rendezvous key
 * (`balance uri path-only depth 2`, `hash-type consistent`, from contrib/haproxy.cfg). Many
 * sessions with different keys go through HAProxy: both relays get some, every agent's join
 * reaches its official and frames flow both ways, whichever relay the key lands on; each key
 * stays on one relay. Then the same with the real wizard and `difelus assister` on two
 * pseudo-terminals, session after session until both relays have served one. Skipped (not
 * failed) when the haproxy binary is missing. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <arpa/inet.h>
#include <curl/curl.h>
#include <jansson.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <unistd.h>

#include "harness.h"
#include "e2e.h"
#include "share_e2e.h"

#define F4 "\033OS"

#define SESSIONS 24

static const char *haproxy_bin(void)
{
    static const char *const places[] = {"/usr/sbin/haproxy", "/usr/bin/haproxy",
                                         "/usr/local/sbin/haproxy", "/usr/local/bin/haproxy"};
    for (size_t i = 0; i < sizeof places / sizeof *places; i++)
        if (access(places[i], X_OK) == 0)
            return places[i];
    return NULL;
}

/* ---- HTTP through libcurl, one handle per side (connections kept alive) ---- */

struct reply {
    long status;
    char *body;
    size_t len;
};

static size_t on_body(char *data, size_t size, size_t n, void *user)
{
    struct reply *r = user;
    char *grown = realloc(r->body, r->len + size * n + 1);
    assert_non_null(grown);
    r->body = grown;
    memcpy(r->body + r->len, data, size * n);
    r->len += size * n;
    r->body[r->len] = '\0';
    return size * n;
}

/* One request; the reply in r (body NUL-terminated, free it with reply_free). */
static void http(CURL *e, struct reply *r, const char *method, const char *url,
                 const char *token, const char *body)
{
    memset(r, 0, sizeof *r);
    r->body = calloc(1, 1);
    struct curl_slist *h = curl_slist_append(NULL, "Expect:");
    char auth[128];
    if (token) {
        snprintf(auth, sizeof auth, "Authorization: Bearer %s", token);
        h = curl_slist_append(h, auth);
    }
    curl_easy_reset(e);
    curl_easy_setopt(e, CURLOPT_URL, url);
    curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(e, CURLOPT_TIMEOUT, 40L); /* a long poll holds at most 25 s */
    curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(e, CURLOPT_WRITEDATA, r);
    curl_easy_setopt(e, CURLOPT_CUSTOMREQUEST, method);
    if (body) {
        curl_easy_setopt(e, CURLOPT_POSTFIELDS, body);
        curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE, (long)strlen(body));
    }
    curl_easy_setopt(e, CURLOPT_HTTPHEADER, h);
    CURLcode rc = curl_easy_perform(e);
    curl_slist_free_all(h);
    if (rc != CURLE_OK)
        fail_msg("%s %s : %s", method, url, curl_easy_strerror(rc));
    curl_easy_getinfo(e, CURLINFO_RESPONSE_CODE, &r->status);
}

static void reply_free(struct reply *r)
{
    free(r->body);
    r->body = NULL;
}

/* The frame of `type` in a recevoir body ("<type> <seq> <len>\n<payload>"…): its payload
 * copied into payload and its seq; false when there is none. */
static bool frame_find(const struct reply *r, const char *type, char *payload, size_t size,
                       unsigned long long *seq)
{
    size_t at = 0;
    while (at < r->len) {
        char t[32];
        unsigned long long s;
        size_t len;
        const char *nl = memchr(r->body + at, '\n', r->len - at);
        if (!nl || sscanf(r->body + at, "%24[a-z-] %llu %zu", t, &s, &len) != 3)
            fail_msg("trame mal formée : %s", r->body + at);
        const char *data = nl + 1;
        assert_true((size_t)(data - r->body) + len <= r->len);
        if (strcmp(t, type) == 0) {
            snprintf(payload, size, "%.*s", (int)len, data);
            *seq = s;
            return true;
        }
        at = (size_t)(data - r->body) + len;
    }
    return false;
}

/* ---- codes as the official's side draws them (docs/share-protocol.md §1) ---- */

static void new_code(char code[9])
{
    static const char alphabet[] = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";
    unsigned char b[8];
    assert_int_equal(getrandom(b, sizeof b, 0), (ssize_t)sizeof b);
    for (int i = 0; i < 8; i++)
        code[i] = alphabet[b[i] % 32];
    code[8] = '\0';
}

static void new_sid(char sid[33])
{
    unsigned char b[16];
    assert_int_equal(getrandom(b, sizeof b, 0), (ssize_t)sizeof b);
    for (int i = 0; i < 16; i++)
        snprintf(sid + 2 * i, 3, "%02x", b[i]);
}

/* ---- HAProxy ---- */

static int free_port(void)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t len = sizeof a;
    assert_int_equal(bind(fd, (struct sockaddr *)&a, sizeof a), 0);
    assert_int_equal(getsockname(fd, (struct sockaddr *)&a, &len), 0);
    close(fd);
    return ntohs(a.sin_port);
}

/* Words of a config line, spaces collapsed, for comparisons. */
static void squeeze(const char *line, char *out, size_t size)
{
    size_t n = 0;
    bool space = true;
    for (const char *p = line; *p && *p != '\n' && n + 1 < size; p++) {
        if (*p == ' ' || *p == '\t') {
            if (!space)
                out[n++] = ' ';
            space = true;
        } else {
            out[n++] = *p;
            space = false;
        }
    }
    while (n && out[n - 1] == ' ')
        n--;
    out[n] = '\0';
}

static const char builtin_cfg[] =
    "global\n"
    "    maxconn 4096\n"
    "defaults\n"
    "    mode http\n"
    "    timeout connect 5s\n"
    "    timeout client 60s\n"
    "    timeout server 60s\n"
    "frontend partage\n"
    "    bind 127.0.0.1:8470\n"
    "    default_backend relais\n"
    "backend relais\n"
    "    balance uri path-only depth 2\n"
    "    hash-type consistent\n"
    "    server relais1 127.0.0.1:8471\n"
    "    server relais2 127.0.0.1:8472\n";

/* The test's config from contrib/haproxy.cfg (else the one above): the same balancing,
 * listening on 127.0.0.1:port, its first two servers our relays, the rest dropped, and
 * what a test cannot do (daemon, chroot, user, syslog, stats socket, TLS, thousands of
 * connections) left out. */
static char *haproxy_config(int port, const struct relay relays[2], bool *from_contrib)
{
    char *src = harness_read_file("contrib/haproxy.cfg", NULL);
    *from_contrib = src != NULL;
    const char *text = src ? src : builtin_cfg;
    size_t cap = strlen(text) + 1024, n = 0;
    char *out = malloc(cap);
    assert_non_null(out);
    bool balance = false, hash = false;
    int servers = 0;
    for (const char *line = text; *line;) {
        const char *end = strchr(line, '\n');
        size_t len = end ? (size_t)(end - line) : strlen(line);
        char words[1024];
        squeeze(line, words, sizeof words);
        char first[64] = "";
        sscanf(words, "%63s", first);
        char keep[1100];
        snprintf(keep, sizeof keep, "%.*s", (int)len, line);
        if (strcmp(words, "balance uri path-only depth 2") == 0)
            balance = true;
        if (strcmp(words, "hash-type consistent") == 0)
            hash = true;
        if (!strcmp(first, "daemon") || !strcmp(first, "chroot") || !strcmp(first, "user") ||
            !strcmp(first, "group") || !strcmp(first, "pidfile") || !strcmp(first, "log") ||
            !strcmp(first, "stats") || !strncmp(first, "ssl-", 4) || !strcmp(first, "ca-base") ||
            !strcmp(first, "crt-base")) {
            keep[0] = '\0';
        } else if (!strcmp(first, "maxconn")) {
            /* two descriptors a connection: within a test's ulimit -n */
            snprintf(keep, sizeof keep, "    maxconn 1000");
        } else if (!strcmp(first, "bind")) {
            snprintf(keep, sizeof keep, "    bind 127.0.0.1:%d", port);
        } else if (!strcmp(first, "server")) {
            char name[64] = "relais";
            sscanf(words, "server %63s", name);
            if (servers < 2)
                snprintf(keep, sizeof keep, "    server %s 127.0.0.1:%s%s", name,
                         strrchr(relays[servers].listen, ':') + 1,
                         strstr(words, " check") ? " check inter 1s" : "");
            else
                keep[0] = '\0';
            servers++;
        }
        n += (size_t)snprintf(out + n, cap - n, "%s\n", keep);
        line = end ? end + 1 : line + len;
    }
    free(src);
    if (!balance || !hash || servers < 2)
        fail_msg("contrib/haproxy.cfg : il faut « balance uri path-only depth 2 », "
                 "« hash-type consistent » et au moins deux « server »");
    return out;
}

struct haproxy {
    pid_t pid;
    char url[64];
    char log[4200];
};

/* Starts HAProxy in front of the two relays on a free port (another port when it could not
 * bind the one picked); waits until it answers /v1/sante. */
static void haproxy_start(struct haproxy *h, const char *dir, const struct relay relays[2],
                          CURL *e)
{
    for (int attempt = 0; attempt < 5; attempt++) {
        int port = free_port();
        bool from_contrib;
        char *cfg = haproxy_config(port, relays, &from_contrib);
        if (attempt == 0 && !from_contrib)
            print_message("contrib/haproxy.cfg absent : configuration écrite par le test\n");
        char path[4300];
        snprintf(path, sizeof path, "%s/haproxy.cfg", dir);
        harness_write_file(path, cfg, strlen(cfg));
        free(cfg);
        snprintf(h->log, sizeof h->log, "%s/haproxy.log", dir);
        unlink(h->log);
        char *argv[] = {(char *)haproxy_bin(), "-db", "-f", path, NULL};
        h->pid = share_spawn(argv, h->log);
        snprintf(h->url, sizeof h->url, "http://127.0.0.1:%d", port);
        long long deadline = share_now_ms() + WAIT_MS;
        while (share_now_ms() < deadline) {
            int st;
            if (waitpid(h->pid, &st, WNOHANG) == h->pid) {
                h->pid = 0;
                break; /* the port was taken meanwhile, or the config is wrong */
            }
            char url[128];
            snprintf(url, sizeof url, "%s/v1/sante", h->url);
            struct reply r;
            memset(&r, 0, sizeof r);
            r.body = calloc(1, 1);
            curl_easy_reset(e);
            curl_easy_setopt(e, CURLOPT_URL, url);
            curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
            curl_easy_setopt(e, CURLOPT_TIMEOUT, 5L);
            curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, on_body);
            curl_easy_setopt(e, CURLOPT_WRITEDATA, &r);
            if (curl_easy_perform(e) == CURLE_OK) {
                curl_easy_getinfo(e, CURLINFO_RESPONSE_CODE, &r.status);
                if (r.status == 200) {
                    reply_free(&r);
                    return;
                }
            }
            reply_free(&r);
            share_tick();
        }
        if (h->pid > 0) {
            kill(h->pid, SIGKILL);
            waitpid(h->pid, NULL, 0);
            h->pid = 0;
        }
    }
    char *text = harness_read_file(h->log, NULL);
    fail_msg("HAProxy ne démarre pas : %s", text ? text : "");
}

static void haproxy_stop(struct haproxy *h)
{
    struct relay r = {.pid = h->pid};
    relay_stop_with(&r, SIGTERM);
    h->pid = 0;
}

/* ---- the test ---- */

struct session {
    char code[9], key[5], sid[33], token[33], name[64];
};

/* Counts the lines of a relay's journal whose event is `event` and key is `key` (NULL:
 * any key). Columns: date, event, agent, name, key, detail. */
static int journal_count(const char *journal, const char *event, const char *key)
{
    int n = 0;
    for (const char *line = journal; *line;) {
        const char *end = strchr(line, '\n');
        size_t len = end ? (size_t)(end - line) : strlen(line);
        char copy[1024];
        snprintf(copy, sizeof copy, "%.*s", (int)len, line);
        char *cols[6] = {0};
        char *p = copy;
        for (int i = 0; i < 6 && p; i++) {
            cols[i] = p;
            p = strchr(p, '\t');
            if (p)
                *p++ = '\0';
        }
        if (cols[4] && strcmp(cols[1], event) == 0 && (!key || strcmp(cols[4], key) == 0))
            n++;
        line = end ? end + 1 : line + len;
    }
    return n;
}

/* What the test started, stopped by the teardown even when an assertion ended it early. */
static struct relay relays[2];
static struct haproxy proxy;

static struct term *official_term, *agent_term;

static int teardown(void **state)
{
    (void)state;
    term_free(agent_term);
    term_free(official_term);
    agent_term = official_term = NULL;
    haproxy_stop(&proxy);
    relay_stop(&relays[0]);
    relay_stop(&relays[1]);
    return 0;
}

static void test_sessions_through_haproxy(void **state)
{
    (void)state;
    if (!haproxy_bin()) {
        print_message("haproxy est absent (paquet Debian haproxy) : test sauté\n");
        skip();
    }
    char dir[4096];
    snprintf(dir, sizeof dir, "%s", harness_tmpdir("haproxy"));
    char agents[4200];
    snprintf(agents, sizeof agents, "%s/agents.db", dir);
    static struct session s[SESSIONS];
    /* Half the agents before the relays start, half after: the shared file is re-read. */
    for (int i = 0; i < SESSIONS / 2; i++) {
        snprintf(s[i].name, sizeof s[i].name, "Agent n° %d", i + 1);
        relay_agent_add(agents, dir, s[i].name, "Gestions Locales", s[i].token);
    }
    relay_start(&relays[0], dir, "relais1", agents);
    relay_start(&relays[1], dir, "relais2", agents);
    for (int i = SESSIONS / 2; i < SESSIONS; i++) {
        snprintf(s[i].name, sizeof s[i].name, "Agent n° %d", i + 1);
        relay_agent_add(agents, dir, s[i].name, "Gestions Locales", s[i].token);
    }
    CURL *official = curl_easy_init(), *agent = curl_easy_init();
    assert_non_null(official);
    assert_non_null(agent);
    struct haproxy *hp = &proxy, h;
    haproxy_start(hp, dir, relays, official);
    h = *hp;

    char url[512], body[256], payload[512];
    struct reply r;
    unsigned long long seq;
    for (int i = 0; i < SESSIONS; i++) {
        struct session *x = &s[i];
        /* The official opens a session (another code when the key is taken). */
        for (;;) {
            new_code(x->code);
            memcpy(x->key, x->code, 4);
            x->key[4] = '\0';
            new_sid(x->sid);
            snprintf(url, sizeof url, "%s/v1/%s/session", h.url, x->key);
            snprintf(body, sizeof body, "{\"session\":\"%s\",\"code\":\"%s\"}", x->sid,
                     x->code);
            http(official, &r, "POST", url, NULL, body);
            long status = r.status;
            reply_free(&r);
            if (status == 409)
                continue;
            assert_int_equal(status, 201);
            break;
        }
        /* The agent joins with the code: accepted (the agents added after the relays
         * started are known once the relay has re-read the shared file). */
        snprintf(url, sizeof url, "%s/v1/%s/rejoindre", h.url, x->key);
        snprintf(body, sizeof body, "{\"code\":\"%s\"}", x->code);
        long long deadline = share_now_ms() + WAIT_MS;
        for (;;) {
            http(agent, &r, "POST", url, x->token, body);
            if (r.status != 401 || share_now_ms() > deadline)
                break;
            reply_free(&r);
            share_tick();
        }
        if (r.status != 202)
            fail_msg("rejoindre %s : %ld %s", x->key, r.status, r.body);
        assert_non_null(strstr(r.body, x->name));
        reply_free(&r);
        /* The official's poll brings the agent's request, with the agent's name. */
        snprintf(url, sizeof url, "%s/v1/%s/session/%s/recevoir?apres=0", h.url, x->key,
                 x->sid);
        http(official, &r, "GET", url, NULL, NULL);
        assert_int_equal(r.status, 200);
        assert_true(frame_find(&r, "demande", payload, sizeof payload, &seq));
        assert_non_null(strstr(payload, x->name));
        assert_non_null(strstr(payload, "Gestions Locales"));
        unsigned long long official_after = seq;
        reply_free(&r);
        /* Accepted: the agent's poll says so. */
        snprintf(url, sizeof url, "%s/v1/%s/session/%s/envoyer?type=accepte", h.url, x->key,
                 x->sid);
        http(official, &r, "POST", url, NULL, "");
        assert_int_equal(r.status, 200);
        reply_free(&r);
        snprintf(url, sizeof url, "%s/v1/%s/agent/recevoir?apres=0", h.url, x->key);
        http(agent, &r, "GET", url, x->token, NULL);
        assert_int_equal(r.status, 200);
        assert_true(frame_find(&r, "accepte", payload, sizeof payload, &seq));
        unsigned long long agent_after = seq;
        reply_free(&r);
        /* A change from the official reaches the agent, byte for byte… */
        snprintf(url, sizeof url, "%s/v1/%s/session/%s/envoyer?type=changement", h.url,
                 x->key, x->sid);
        char sent[64];
        snprintf(sent, sizeof sent, "changement n° %d : « coché » !", i);
        http(official, &r, "POST", url, NULL, sent);
        assert_int_equal(r.status, 200);
        reply_free(&r);
        snprintf(url, sizeof url, "%s/v1/%s/agent/recevoir?apres=%llu", h.url, x->key,
                 agent_after);
        http(agent, &r, "GET", url, x->token, NULL);
        assert_int_equal(r.status, 200);
        assert_true(frame_find(&r, "changement", payload, sizeof payload, &seq));
        assert_string_equal(payload, sent);
        reply_free(&r);
        /* …and one from the agent reaches the official. */
        snprintf(url, sizeof url, "%s/v1/%s/agent/envoyer?type=besoin-instantane", h.url,
                 x->key);
        snprintf(sent, sizeof sent, "instantané n° %d ?", i);
        http(agent, &r, "POST", url, x->token, sent);
        assert_int_equal(r.status, 200);
        reply_free(&r);
        snprintf(url, sizeof url, "%s/v1/%s/session/%s/recevoir?apres=%llu", h.url, x->key,
                 x->sid, official_after);
        http(official, &r, "GET", url, NULL, NULL);
        assert_int_equal(r.status, 200);
        assert_true(frame_find(&r, "besoin-instantane", payload, sizeof payload, &seq));
        assert_string_equal(payload, sent);
        reply_free(&r);
    }
    /* The officials end their sessions: each agent is told. */
    for (int i = 0; i < SESSIONS; i++) {
        snprintf(url, sizeof url, "%s/v1/%s/session/%s", h.url, s[i].key, s[i].sid);
        http(official, &r, "DELETE", url, NULL, NULL);
        assert_int_equal(r.status, 200);
        reply_free(&r);
    }

    /* Both relays served some sessions, and every key's events are all on one relay. */
    char *journals[2] = {relay_journal(&relays[0], dir), relay_journal(&relays[1], dir)};
    int opened[2] = {journal_count(journals[0], "ouverture", NULL),
                     journal_count(journals[1], "ouverture", NULL)};
    print_message("sessions par relais derrière HAProxy : %d et %d\n", opened[0], opened[1]);
    if (opened[0] == 0 || opened[1] == 0)
        fail_msg("un relais n'a reçu aucune session :\n%s\n---\n%s", journals[0], journals[1]);
    assert_int_equal(opened[0] + opened[1], SESSIONS);
    for (int i = 0; i < SESSIONS; i++) {
        int on[2];
        for (int k = 0; k < 2; k++)
            on[k] = journal_count(journals[k], "ouverture", s[i].key) +
                    journal_count(journals[k], "demande", s[i].key);
        if (!((on[0] == 2 && on[1] == 0) || (on[0] == 0 && on[1] == 2)))
            fail_msg("la clé %s n'est pas restée sur un seul relais (%d et %d)", s[i].key,
                     on[0], on[1]);
    }
    free(journals[0]);
    free(journals[1]);

    curl_easy_cleanup(official);
    curl_easy_cleanup(agent);
    teardown(NULL);
}

/* Two relays behind HAProxy, started for a test; the agents' file is in dir. */
static void cluster_up(char *dir, size_t dirlen, const char *name, char *agents,
                       size_t agentslen, CURL *e)
{
    char real[4096];
    assert_non_null(realpath(harness_tmpdir(name), real));
    snprintf(dir, dirlen, "%s", real);
    snprintf(agents, agentslen, "%s/agents.db", dir);
    relay_start(&relays[0], dir, "relais1", agents);
    relay_start(&relays[1], dir, "relais2", agents);
    haproxy_start(&proxy, dir, relays, e);
}

/* One shared session with the real programs, every request through HAProxy: the agent
 * joins with the code on the official's screen, sees step 1, follows a tick; with control,
 * ticks a row that the official's screen shows; the official ends it. */
static void wizard_session(const char *dir, const char *token, int n)
{
    char db_opt[4300], relay_env[128], token_env[64], code[10];
    snprintf(db_opt, sizeof db_opt, "--db=%s/difelus-%d.db", dir, n);
    snprintf(relay_env, sizeof relay_env, "DIFELUS_RELAIS=%s", proxy.url);
    snprintf(token_env, sizeof token_env, "DIFELUS_JETON=%s", token);
    official_term = term_start(24, 80, (const char *[]){db_opt, NULL},
                               (const char *[]){relay_env, NULL});
    struct term *official = official_term;
    term_watch(official);
    WAIT(official, "Accueil");
    share_official_code(official, code);
    term_send(official, "1");
    WAIT(official, "Étape 1/6");
    agent_term = term_start(24, 80, (const char *[]){"assister", code, NULL},
                            (const char *[]){relay_env, token_env, NULL});
    struct term *agent = agent_term;
    term_watch(agent);
    WAIT(official, "DEMANDE DU SUPPORT");
    WAIT(official, "o : accepter"); /* after the quiet second */
    WAIT(official, "Dominique Roux (Gestions Locales)");
    term_send(official, "o");
    WAIT(agent, "Étape 1/6");
    WAIT(agent, "Assistance : écran de l'élu — lecture seule");
    term_send(official, " ");
    WAIT(agent, "[x] J'ai choisi");
    term_send(agent, "c");
    WAIT(official, "DEMANDE DE CONTRÔLE");
    WAIT(official, "o : accepter"); /* after the quiet second */
    term_send(official, "o");
    WAIT(agent, "Assistance : écran de l'élu — contrôle");
    term_send(agent, " ");
    WAIT(official, "[x] J'ai installé l'application");
    WAIT(agent, "[x] J'ai installé l'application");
    term_send(official, F4);
    WAIT(agent, "L'élu a terminé le partage");
    term_send(agent, "q");
    assert_int_equal(term_wait_exit(agent), 0);
    quit_cleanly(official);
    term_free(agent);
    agent_term = official_term = NULL;
}

static void test_wizards_through_haproxy(void **state)
{
    (void)state;
    if (!haproxy_bin()) {
        print_message("haproxy est absent (paquet Debian haproxy) : test sauté\n");
        skip();
    }
    CURL *e = curl_easy_init();
    assert_non_null(e);
    char dir[4096], agents[4200], token[33];
    cluster_up(dir, sizeof dir, "haproxy-assistant", agents, sizeof agents, e);
    curl_easy_cleanup(e);
    relay_agent_add(agents, dir, "Dominique Roux", "Gestions Locales", token);
    /* A key lands on either relay: sessions until both served one (12 at most: all on one
     * relay by chance once in 2 048 runs). */
    int served[2] = {0, 0}, n = 0;
    while ((!served[0] || !served[1]) && n < 12) {
        wizard_session(dir, token, n++);
        for (int k = 0; k < 2; k++) {
            char *journal = relay_journal(&relays[k], dir);
            served[k] = journal_count(journal, "accepte", NULL);
            free(journal);
        }
    }
    print_message("sessions de l'assistant par relais derrière HAProxy : %d et %d\n", served[0],
                  served[1]);
    assert_true(served[0] > 0 && served[1] > 0);
    assert_int_equal(served[0] + served[1], n);
    teardown(NULL);
}

int main(void)
{
    curl_global_init(CURL_GLOBAL_DEFAULT);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_teardown(test_sessions_through_haproxy, teardown),
        cmocka_unit_test_teardown(test_wizards_through_haproxy, teardown),
    };
    int rc = cmocka_run_group_tests(tests, NULL, NULL);
    curl_global_cleanup();
    return rc;
}
