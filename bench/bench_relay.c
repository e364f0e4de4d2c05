/* make bench: the relay under load (issue 9, docs/share-protocol.md §3). Starts
 * difelus-relais on 127.0.0.1 (port chosen by the system), adds the agents, then from this one
 * process with libcurl's multi interface: N sessions (default 500) registered by their
 * officials, joined by their agents and accepted, so that 2 N long polls (1 000) are held at
 * once. While they are held it times frames sent by one side until the other side's long
 * poll returns them — one at a time, then many at once — and prints the relay's memory
 * (VmRSS, VmHWM of /proc/PID/status) before, under load and after, and every error seen.
 * Prints figures; never fails the build.
 *
 * Usage: bench_relay [RELAY [DIR [SESSIONS]]] (BENCH_RELAY_FRAMES: frames per series). */
#include <curl/curl.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/random.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static uint64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static int compare_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

/* Nearest rank: the value below which p % of the sorted values lie. */
static uint64_t percentile(const uint64_t *sorted, size_t n, unsigned p)
{
    if (!n)
        return 0;
    size_t k = (n * p + 99) / 100;
    return sorted[k ? k - 1 : 0];
}

/* ---- errors: counted, the first few kept to be printed ---- */

static unsigned error_count;
static char error_first[8][256];

static void error_add(const char *fmt, ...)
{
    if (error_count < sizeof error_first / sizeof *error_first) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(error_first[error_count], sizeof error_first[0], fmt, ap);
        va_end(ap);
    }
    error_count++;
}

/* ---- the relay process ---- */

static pid_t relay_pid;
static char relay_url[128];

/* "kB" figures of /proc/PID/status; 0 when unreadable. */
static void relay_memory(long *rss, long *hwm)
{
    char path[64], line[256];
    *rss = *hwm = 0;
    snprintf(path, sizeof path, "/proc/%d/status", (int)relay_pid);
    FILE *f = fopen(path, "r");
    if (!f)
        return;
    while (fgets(line, sizeof line, f)) {
        sscanf(line, "VmRSS: %ld", rss);
        sscanf(line, "VmHWM: %ld", hwm);
    }
    fclose(f);
}

/* CPU seconds (user + system) the relay used so far. */
static double relay_cpu(void)
{
    char path[64], buf[1024];
    snprintf(path, sizeof path, "/proc/%d/stat", (int)relay_pid);
    FILE *f = fopen(path, "r");
    if (!f)
        return 0;
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    buf[n] = '\0';
    const char *p = strrchr(buf, ')');
    unsigned long ut = 0, st = 0;
    if (!p || sscanf(p + 1, " %*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %lu %lu", &ut, &st) != 2)
        return 0;
    return (double)(ut + st) / (double)sysconf(_SC_CLK_TCK);
}

static void print_memory(const char *when)
{
    long rss, hwm;
    relay_memory(&rss, &hwm);
    printf("  mémoire du relais %-36s VmRSS %6.1f Mo   VmHWM %6.1f Mo\n", when, rss / 1024.0,
           hwm / 1024.0);
}

/* Runs the relay with args and its output into out (a file), returns the child. */
static pid_t spawn(char *const argv[], const char *out)
{
    pid_t pid = fork();
    if (pid == 0) {
        int fd = open(out, O_WRONLY | O_CREAT | O_TRUNC, 0600);
        int null = open("/dev/null", O_RDONLY);
        if (fd < 0 || null < 0)
            _exit(127);
        dup2(null, 0);
        dup2(fd, 1);
        dup2(fd, 2);
        execv(argv[0], argv);
        _exit(127);
    }
    return pid;
}

static char *read_all(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    char *buf = malloc(65536);
    if (!buf) {
        fclose(f);
        return NULL;
    }
    size_t n = fread(buf, 1, 65535, f);
    fclose(f);
    buf[n] = '\0';
    return buf;
}

/* The first run of 32 lower-case hex digits in s (the token agent-ajouter prints). */
static bool find_token(const char *s, char out[33])
{
    for (const char *p = s; *p; p++) {
        size_t n = strspn(p, "0123456789abcdef");
        if (n == 32 && (p == s || !strchr("0123456789abcdef", p[-1]))) {
            memcpy(out, p, 32);
            out[32] = '\0';
            return true;
        }
        if (n)
            p += n - 1;
    }
    return false;
}

static bool agent_add(const char *relay, const char *base, const char *dir, int i,
                      char token[33])
{
    char name[64], out[4300];
    snprintf(name, sizeof name, "Agent %d", i + 1);
    snprintf(out, sizeof out, "%s/agent-ajouter.txt", dir);
    char *argv[] = {(char *)relay, "agent-ajouter", name, "--organisme", "Banc d'essai",
                    "--base", (char *)base, NULL};
    pid_t pid = spawn(argv, out);
    int status = 0;
    if (pid < 0 || waitpid(pid, &status, 0) < 0)
        return false;
    char *text = read_all(out);
    bool ok = WIFEXITED(status) && WEXITSTATUS(status) == 0 && text && find_token(text, token);
    if (!ok)
        printf("  agent-ajouter a échoué (code %d) : %s\n",
               WIFEXITED(status) ? WEXITSTATUS(status) : -1, text ? text : "");
    free(text);
    return ok;
}

/* Starts the relay and reads its address from « relais : écoute sur http://… ». */
static bool relay_start(const char *relay, const char *base, const char *dir)
{
    char out[4300];
    snprintf(out, sizeof out, "%s/relais.log", dir);
    /* Every client comes from 127.0.0.1: the per-address limits are off, as behind HAProxy
     * (which limits per client address itself; README, « Relais »). */
    char *argv[] = {(char *)relay, "--ecoute", "127.0.0.1:0", "--base", (char *)base,
                    "--max-par-ip", "0", "--ouvertures-par-minute", "0", NULL};
    relay_pid = spawn(argv, out);
    if (relay_pid < 0)
        return false;
    uint64_t deadline = now_ns() + 10000000000u;
    while (now_ns() < deadline) {
        char *text = read_all(out);
        const char *at = text ? strstr(text, "http://127.0.0.1:") : NULL;
        if (at) {
            size_t n = strspn(at, "htp:/127.0123456789");
            snprintf(relay_url, sizeof relay_url, "%.*s", (int)n, at);
            free(text);
            return true;
        }
        free(text);
        int status;
        if (waitpid(relay_pid, &status, WNOHANG) == relay_pid) {
            text = read_all(out);
            printf("  le relais s'est arrêté au démarrage : %s\n", text ? text : "");
            free(text);
            relay_pid = 0;
            return false;
        }
        struct timespec ts = {0, 2000000};
        nanosleep(&ts, NULL); /* waiting for a child's first line: nothing to poll */
    }
    printf("  le relais n'a pas donné son adresse en 10 s\n");
    return false;
}

static void relay_stop(void)
{
    if (relay_pid <= 0)
        return;
    kill(relay_pid, SIGTERM);
    uint64_t deadline = now_ns() + 5000000000u;
    int status;
    while (waitpid(relay_pid, &status, WNOHANG) == 0) {
        if (now_ns() > deadline) {
            printf("  le relais ne s'arrête pas sur SIGTERM en 5 s : SIGKILL\n");
            kill(relay_pid, SIGKILL);
            waitpid(relay_pid, &status, 0);
            break;
        }
        struct timespec ts = {0, 5000000};
        nanosleep(&ts, NULL);
    }
    relay_pid = 0;
}

/* ---- sessions and requests ---- */

enum kind { K_REGISTER, K_JOIN, K_POLL_OFFICIAL, K_POLL_AGENT, K_SEND, K_ACCEPT, K_DELETE,
            K_HEALTH };
static const char *const kind_name[] = {"session", "rejoindre", "recevoir (officiel)",
                                        "recevoir (agent)", "envoyer", "accepte", "DELETE",
                                        "sante"};

struct session {
    char code[9], key[5], sid[33], token[33];
    uint64_t official_after, agent_after;
    bool registered, joined, demanded, accepted, ended;
    bool official_polling, agent_polling;
    int busy; /* frames being timed towards this session */
};

struct req {
    enum kind kind;
    int s;
    bool from_agent; /* K_SEND */
    long mid;        /* K_SEND: the frame's measure number */
    char url[256];
    char *post;
    size_t post_len;
    char *body;
    size_t len, cap;
    struct curl_slist *hdr;
};

static CURLM *multi;
static struct session *sessions;
static int nsessions;
static int in_flight; /* requests other than long polls */
static long health_sessions = -1, health_waits = -1;

/* Per measured frame: when it was posted, when the other side's poll returned it. */
static uint64_t *sent_at, *got_at;
static bool *posted;
static long nmeasures;

static void random_code(char code[9])
{
    static const char alphabet[] = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";
    unsigned char r[8];
    if (getrandom(r, sizeof r, 0) != (ssize_t)sizeof r)
        for (int i = 0; i < 8; i++)
            r[i] = (unsigned char)rand();
    for (int i = 0; i < 8; i++)
        code[i] = alphabet[r[i] % 32];
    code[8] = '\0';
}

static void random_hex(char out[33])
{
    unsigned char r[16];
    if (getrandom(r, sizeof r, 0) != (ssize_t)sizeof r)
        for (int i = 0; i < 16; i++)
            r[i] = (unsigned char)rand();
    for (int i = 0; i < 16; i++)
        snprintf(out + 2 * i, 3, "%02x", r[i]);
}

static size_t on_body(char *data, size_t size, size_t n, void *user)
{
    struct req *r = user;
    size_t add = size * n;
    if (r->len + add + 1 > r->cap) {
        size_t cap = r->cap ? r->cap * 2 : 1024;
        while (cap < r->len + add + 1)
            cap *= 2;
        char *grown = realloc(r->body, cap);
        if (!grown)
            return 0;
        r->body = grown;
        r->cap = cap;
    }
    memcpy(r->body + r->len, data, add);
    r->len += add;
    r->body[r->len] = '\0';
    return add;
}

static void req_start(enum kind kind, int s, const char *method, const char *path,
                      const char *post, size_t post_len, bool agent, const char *type)
{
    struct req *r = calloc(1, sizeof *r);
    CURL *e = curl_easy_init();
    if (!r || !e) {
        error_add("mémoire épuisée");
        free(r);
        if (e)
            curl_easy_cleanup(e);
        return;
    }
    r->kind = kind;
    r->s = s;
    snprintf(r->url, sizeof r->url, "%s%s", relay_url, path);
    curl_easy_setopt(e, CURLOPT_URL, r->url);
    curl_easy_setopt(e, CURLOPT_PRIVATE, r);
    curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(e, CURLOPT_WRITEDATA, r);
    curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT, 10L);
    bool poll = kind == K_POLL_OFFICIAL || kind == K_POLL_AGENT;
    curl_easy_setopt(e, CURLOPT_TIMEOUT, poll ? 60L : 20L);
    r->hdr = curl_slist_append(r->hdr, "Expect:");
    if (agent) {
        char auth[128];
        snprintf(auth, sizeof auth, "Authorization: Bearer %s", sessions[s].token);
        r->hdr = curl_slist_append(r->hdr, auth);
    }
    if (post) {
        r->post = malloc(post_len + 1);
        memcpy(r->post, post, post_len);
        r->post_len = post_len;
        r->hdr = curl_slist_append(r->hdr, type ? "Content-Type: application/octet-stream"
                                                : "Content-Type: application/json");
        curl_easy_setopt(e, CURLOPT_POSTFIELDS, r->post);
        curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE, (long)post_len);
    }
    if (method)
        curl_easy_setopt(e, CURLOPT_CUSTOMREQUEST, method);
    curl_easy_setopt(e, CURLOPT_HTTPHEADER, r->hdr);
    if (!poll)
        in_flight++;
    curl_multi_add_handle(multi, e);
}

static void poll_official(int s)
{
    char path[160];
    struct session *x = &sessions[s];
    snprintf(path, sizeof path, "/v1/%s/session/%s/recevoir?apres=%" PRIu64, x->key, x->sid,
             x->official_after);
    x->official_polling = true;
    req_start(K_POLL_OFFICIAL, s, NULL, path, NULL, 0, false, NULL);
}

static void poll_agent(int s)
{
    char path[160];
    struct session *x = &sessions[s];
    snprintf(path, sizeof path, "/v1/%s/agent/recevoir?apres=%" PRIu64, x->key,
             x->agent_after);
    x->agent_polling = true;
    req_start(K_POLL_AGENT, s, NULL, path, NULL, 0, true, NULL);
}

static void register_session(int s)
{
    struct session *x = &sessions[s];
    random_code(x->code);
    memcpy(x->key, x->code, 4);
    x->key[4] = '\0';
    random_hex(x->sid);
    char path[64], body[128];
    snprintf(path, sizeof path, "/v1/%s/session", x->key);
    int n = snprintf(body, sizeof body, "{\"session\":\"%s\",\"code\":\"%s\"}", x->sid, x->code);
    req_start(K_REGISTER, s, "POST", path, body, (size_t)n, false, NULL);
}

static void join_session(int s)
{
    struct session *x = &sessions[s];
    char path[64], body[64];
    snprintf(path, sizeof path, "/v1/%s/rejoindre", x->key);
    int n = snprintf(body, sizeof body, "{\"code\":\"%s\"}", x->code);
    req_start(K_JOIN, s, "POST", path, body, (size_t)n, true, NULL);
}

static void send_frame(int s, const char *type, const char *payload, bool from_agent, long mid)
{
    struct session *x = &sessions[s];
    char path[160];
    if (from_agent)
        snprintf(path, sizeof path, "/v1/%s/agent/envoyer?type=%s", x->key, type);
    else
        snprintf(path, sizeof path, "/v1/%s/session/%s/envoyer?type=%s", x->key, x->sid, type);
    enum kind k = mid >= 0 ? K_SEND : K_ACCEPT;
    req_start(k, s, "POST", path, payload, strlen(payload), from_agent, type);
    if (mid >= 0) {
        sent_at[mid] = now_ns();
        posted[mid] = true;
        x->busy++;
    }
}

/* Reads the frames of a long poll's body: "<type> <seq> <len>\n<payload>". */
static void read_frames(struct req *r, bool to_agent)
{
    struct session *x = &sessions[r->s];
    size_t at = 0;
    uint64_t now = now_ns();
    while (at < r->len) {
        const char *nl = memchr(r->body + at, '\n', r->len - at);
        char type[32];
        uint64_t seq;
        size_t len;
        if (!nl || sscanf(r->body + at, "%24[a-z-] %" SCNu64 " %zu", type, &seq, &len) != 3 ||
            (size_t)(nl - r->body) + 1 + len > r->len) {
            error_add("trame mal formée reçue par %s", to_agent ? "l'agent" : "l'officiel");
            return;
        }
        const char *payload = nl + 1;
        if (to_agent) {
            if (seq > x->agent_after)
                x->agent_after = seq;
            if (strcmp(type, "accepte") == 0)
                x->accepted = true;
            else if (strcmp(type, "fin") == 0)
                x->ended = true;
        } else {
            if (seq > x->official_after)
                x->official_after = seq;
            if (strcmp(type, "demande") == 0 && !x->demanded) {
                x->demanded = true;
                send_frame(r->s, "accepte", "", false, -1);
            }
        }
        long mid;
        if (len > 7 && memcmp(payload, "mesure ", 7) == 0 &&
            sscanf(payload + 7, "%ld", &mid) == 1 && mid >= 0 && mid < nmeasures &&
            posted[mid] && !got_at[mid]) {
            got_at[mid] = now;
            x->busy--;
        }
        at = (size_t)(payload - r->body) + len;
    }
}

static bool teardown; /* the end: polls are no longer re-armed */

static void on_done(CURL *e, CURLcode code)
{
    struct req *r;
    long status = 0;
    curl_easy_getinfo(e, CURLINFO_PRIVATE, (char **)&r);
    curl_easy_getinfo(e, CURLINFO_RESPONSE_CODE, &status);
    struct session *x = &sessions[r->s];
    bool poll = r->kind == K_POLL_OFFICIAL || r->kind == K_POLL_AGENT;
    if (!poll)
        in_flight--;
    if (code != CURLE_OK) {
        if (!(teardown && poll))
            error_add("%s : %s", kind_name[r->kind], curl_easy_strerror(code));
        if (r->kind == K_POLL_OFFICIAL)
            x->official_polling = false;
        if (r->kind == K_POLL_AGENT)
            x->agent_polling = false;
        goto done;
    }
    switch (r->kind) {
    case K_REGISTER:
        if (status == 201 || status == 200) {
            x->registered = true;
            poll_official(r->s);
            join_session(r->s);
        } else if (status == 409) {
            register_session(r->s); /* key taken: another code, as the official's side does */
        } else {
            error_add("session : HTTP %ld %s", status, r->body ? r->body : "");
        }
        break;
    case K_JOIN:
        if (status == 202) {
            x->joined = true;
            poll_agent(r->s);
        } else {
            error_add("rejoindre : HTTP %ld %s", status, r->body ? r->body : "");
        }
        break;
    case K_POLL_OFFICIAL:
    case K_POLL_AGENT: {
        bool agent = r->kind == K_POLL_AGENT;
        if (agent)
            x->agent_polling = false;
        else
            x->official_polling = false;
        if (status == 200)
            read_frames(r, agent);
        else if (status == 410 || (teardown && status == 404))
            x->ended = true;
        else if (status != 204)
            error_add("%s : HTTP %ld %s", kind_name[r->kind], status, r->body ? r->body : "");
        if (!teardown && !x->ended && (status == 200 || status == 204)) {
            if (agent)
                poll_agent(r->s);
            else
                poll_official(r->s);
        }
        break;
    }
    case K_SEND:
    case K_ACCEPT:
    case K_DELETE:
        if (status != 200)
            error_add("%s : HTTP %ld %s", kind_name[r->kind], status, r->body ? r->body : "");
        break;
    case K_HEALTH:
        if (status == 200 && r->body) {
            const char *p = strstr(r->body, "\"sessions\"");
            const char *q = strstr(r->body, "\"attentes\"");
            if (p)
                sscanf(strchr(p, ':') + 1, " %ld", &health_sessions);
            if (q)
                sscanf(strchr(q, ':') + 1, " %ld", &health_waits);
        } else {
            error_add("sante : HTTP %ld", status);
        }
        break;
    }
done:
    curl_multi_remove_handle(multi, e);
    curl_easy_cleanup(e);
    curl_slist_free_all(r->hdr);
    free(r->post);
    free(r->body);
    free(r);
}

/* The multi handle driven by epoll (curl_multi_socket_action): only the sockets that woke
 * are looked at, where curl_multi_perform would look at all 1 000 polls on every turn and
 * the bench would measure itself. */
static int epfd = -1;
static long timer_ms = -1;
static uint64_t timer_at;

static int on_timer(CURLM *m, long ms, void *user)
{
    (void)m;
    (void)user;
    timer_ms = ms;
    timer_at = now_ns() + (uint64_t)(ms > 0 ? ms : 0) * 1000000u;
    return 0;
}

static int on_socket(CURL *e, curl_socket_t fd, int what, void *user, void *sockp)
{
    (void)e;
    (void)user;
    (void)sockp;
    if (what == CURL_POLL_REMOVE) {
        epoll_ctl(epfd, EPOLL_CTL_DEL, fd, NULL); /* already gone when curl closed it */
        return 0;
    }
    struct epoll_event ev = {0};
    ev.data.fd = fd;
    ev.events = (what & CURL_POLL_IN ? EPOLLIN : 0u) | (what & CURL_POLL_OUT ? EPOLLOUT : 0u);
    if (epoll_ctl(epfd, EPOLL_CTL_MOD, fd, &ev) != 0 && errno == ENOENT)
        epoll_ctl(epfd, EPOLL_CTL_ADD, fd, &ev);
    return 0;
}

static int drain(void)
{
    int done = 0, left;
    CURLMsg *m;
    while ((m = curl_multi_info_read(multi, &left)))
        if (m->msg == CURLMSG_DONE) {
            on_done(m->easy_handle, m->data.result);
            done++;
        }
    return done;
}

/* One turn of the event loop: handles what completed; when nothing did, waits at most ms
 * for the network or curl's timer. */
static void pump(int ms)
{
    if (drain())
        return;
    int wait = ms, running;
    if (timer_ms >= 0) {
        uint64_t now = now_ns();
        long left = now >= timer_at ? 0 : (long)((timer_at - now) / 1000000u);
        if (left < wait)
            wait = (int)left;
    }
    struct epoll_event evs[256];
    int n = epoll_wait(epfd, evs, 256, wait);
    for (int i = 0; i < n; i++) {
        int flags = (evs[i].events & EPOLLIN ? CURL_CSELECT_IN : 0) |
                    (evs[i].events & EPOLLOUT ? CURL_CSELECT_OUT : 0) |
                    (evs[i].events & (EPOLLERR | EPOLLHUP) ? CURL_CSELECT_ERR : 0);
        curl_multi_socket_action(multi, evs[i].data.fd, flags, &running);
    }
    if (timer_ms >= 0 && now_ns() >= timer_at) {
        timer_ms = -1;
        curl_multi_socket_action(multi, CURL_SOCKET_TIMEOUT, 0, &running);
    }
    drain();
}

static int count(bool (*pred)(const struct session *))
{
    int n = 0;
    for (int i = 0; i < nsessions; i++)
        n += pred(&sessions[i]);
    return n;
}

static bool is_ready(const struct session *x)
{
    return x->accepted && x->official_polling && x->agent_polling;
}

static bool is_registered(const struct session *x) { return x->registered; }
static bool is_joined(const struct session *x) { return x->joined; }
static bool is_accepted(const struct session *x) { return x->accepted; }

static void health(void)
{
    health_sessions = health_waits = -1;
    req_start(K_HEALTH, 0, NULL, "/v1/sante", NULL, 0, false, NULL);
    uint64_t deadline = now_ns() + 5000000000u;
    while (health_sessions < 0 && in_flight && now_ns() < deadline)
        pump(50);
}

/* Rows of the summary table (<dir>/resume-relais.tsv, printed by bench_resume): figure,
 * measured, target, same-run reference, verdict. */
static char summary_path[4200];

static void summary_add(const char *figure, const char *measured, const char *target,
                        const char *reference, const char *verdict)
{
    FILE *f = fopen(summary_path, "a");
    if (!f)
        return;
    fprintf(f, "%s\t%s\t%s\t%s\t%s\n", figure, measured, target, reference, verdict);
    fclose(f);
}

/* p50 and p99 (ms) and frames lost of the last series, for the summary. */
static double last_p50, last_p99;
static long last_lost;

static void print_latencies(const char *what, long from, long to, double seconds)
{
    size_t n = 0;
    uint64_t *v = malloc(sizeof *v * (size_t)(to - from + 1));
    long lost = 0;
    for (long i = from; i < to; i++) {
        if (!posted[i])
            continue;
        if (got_at[i])
            v[n++] = got_at[i] - sent_at[i];
        else
            lost++;
    }
    qsort(v, n, sizeof *v, compare_u64);
    printf("  %s : %zu trames en %.2f s (%.0f/s)\n", what, n, seconds,
           seconds > 0 ? n / seconds : 0);
    printf("      envoi → retour du long poll de l'autre côté : p50 %.3f ms   p99 %.3f ms   "
           "max %.3f ms\n",
           percentile(v, n, 50) / 1e6, percentile(v, n, 99) / 1e6,
           n ? v[n - 1] / 1e6 : 0.0);
    if (lost)
        printf("      %ld trames jamais reçues\n", lost);
    last_p50 = percentile(v, n, 50) / 1e6;
    last_p99 = percentile(v, n, 99) / 1e6;
    last_lost = lost;
    free(v);
}

/* A series of frames: window at a time (1: one after the other), alternating sides, each to
 * a session that has no frame under way, so that every frame finds the other side's poll
 * held. */
static void series(const char *what, long from, long frames, int window)
{
    last_p50 = last_p99 = 0;
    last_lost = frames;
    long next = from, end = from + frames;
    int cursor = 0;
    uint64_t t0 = now_ns(), deadline = t0 + 120000000000u;
    double cpu0 = relay_cpu();
    while (now_ns() < deadline) {
        long pending = 0;
        for (long i = from; i < next; i++)
            pending += posted[i] && !got_at[i];
        if (next == end && !pending)
            break;
        while (next < end && pending < window) {
            int tries = 0;
            while (tries++ < nsessions) {
                cursor = (cursor + 7) % nsessions; /* 7 and 500 are coprime: every session */
                if (is_ready(&sessions[cursor]) && !sessions[cursor].busy)
                    break;
            }
            if (tries > nsessions)
                break;
            char payload[64];
            snprintf(payload, sizeof payload, "mesure %ld", next);
            bool from_agent = next % 2;
            send_frame(cursor, from_agent ? "besoin-instantane" : "changement", payload,
                       from_agent, next);
            next++;
            pending++;
        }
        pump(100);
    }
    double seconds = (now_ns() - t0) / 1e9;
    print_latencies(what, from, end, seconds);
    double cpu = relay_cpu() - cpu0;
    printf("      CPU du relais pendant la série : %.2f s\n", cpu);
    char figure[160], m[160], r[160];
    snprintf(figure, sizeof figure, "Relais chargé : %s (%ld)", what, frames);
    snprintf(m, sizeof m, "p50 %.2f ms, p99 %.2f ms%s", last_p50, last_p99,
             last_lost ? ", trames perdues" : "");
    snprintf(r, sizeof r, "CPU du relais %.2f s", cpu);
    summary_add(figure, m, "–", r, last_lost ? "non atteint" : "–");
}

int main(int argc, char **argv)
{
    const char *relay = argc > 1 ? argv[1] : "build/libexec/difelus/difelus-relais";
    const char *dir_arg = argc > 2 ? argv[2] : "build/bench";
    nsessions = argc > 3 ? atoi(argv[3]) : 500;
    if (nsessions < 1)
        nsessions = 1;
    const char *f = getenv("BENCH_RELAY_FRAMES");
    long frames = f && atol(f) >= 100 ? atol(f) : 1000;
    setvbuf(stdout, NULL, _IOLBF, 0);
    signal(SIGPIPE, SIG_IGN);

    printf("\ndifelus bench — le relais sous charge : %d sessions, %d long polls tenus\n",
           nsessions, 2 * nsessions);
    if (access(relay, X_OK) != 0) {
        printf("  %s absent : faites d'abord make (pas de mesure)\n", relay);
        return 0;
    }
    /* Two descriptors per session here, and as many in the relay (its child: inherited). */
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
        rl.rlim_cur = rl.rlim_max;
        setrlimit(RLIMIT_NOFILE, &rl);
    }
    getrlimit(RLIMIT_NOFILE, &rl);
    if (rl.rlim_cur < (rlim_t)(4 * nsessions + 64))
        printf("  attention : ulimit -n vaut %lu, trop peu pour %d connexions\n",
               (unsigned long)rl.rlim_cur, 2 * nsessions);

    mkdir(dir_arg, 0755);
    snprintf(summary_path, sizeof summary_path, "%s/resume-relais.tsv", dir_arg);
    FILE *summary = fopen(summary_path, "w"); /* a new table for this run */
    if (summary)
        fclose(summary);
    char dir[4096], base[4200];
    snprintf(dir, sizeof dir, "%s/relais-XXXXXX", dir_arg);
    if (!mkdtemp(dir)) {
        printf("  dossier %s impossible : %s\n", dir, strerror(errno));
        return 0;
    }
    snprintf(base, sizeof base, "%s/relais.db", dir);

    sessions = calloc((size_t)nsessions, sizeof *sessions);
    nmeasures = 3 * frames;
    sent_at = calloc((size_t)nmeasures, sizeof *sent_at);
    got_at = calloc((size_t)nmeasures, sizeof *got_at);
    posted = calloc((size_t)nmeasures, sizeof *posted);
    if (!sessions || !sent_at || !got_at || !posted)
        return 0;

    uint64_t t = now_ns();
    for (int i = 0; i < nsessions; i++)
        if (!agent_add(relay, base, dir, i, sessions[i].token)) {
            printf("  pas de mesure sans agents\n");
            return 0;
        }
    printf("  %d agents ajoutés en %.1f s (un processus agent-ajouter chacun)\n", nsessions,
           (now_ns() - t) / 1e9);
    if (!relay_start(relay, base, dir))
        return 0;
    printf("  relais %s (pid %d)\n", relay_url, (int)relay_pid);

    curl_global_init(CURL_GLOBAL_DEFAULT);
    multi = curl_multi_init();
    curl_multi_setopt(multi, CURLMOPT_MAXCONNECTS, (long)(4 * nsessions + 64));
    curl_multi_setopt(multi, CURLMOPT_MAX_HOST_CONNECTIONS, 0L);
    epfd = epoll_create1(EPOLL_CLOEXEC);
    curl_multi_setopt(multi, CURLMOPT_SOCKETFUNCTION, on_socket);
    curl_multi_setopt(multi, CURLMOPT_TIMERFUNCTION, on_timer);

    health();
    print_memory("au repos :");
    long idle_rss, idle_hwm;
    relay_memory(&idle_rss, &idle_hwm);

    /* Setting up: register, join, accept; at most 100 requests at once besides the polls. */
    t = now_ns();
    uint64_t deadline = t + 120000000000u;
    int started = 0, ready = 0;
    uint64_t progress = now_ns();
    while (now_ns() < deadline && ready < nsessions) {
        while (started < nsessions && in_flight < 100)
            register_session(started++);
        pump(100);
        int now_ready = count(is_ready);
        if (now_ready != ready || in_flight)
            progress = now_ns();
        ready = now_ready;
        if (started == nsessions && now_ns() - progress > 5000000000u)
            break; /* nothing more came for 5 s: the rest failed */
    }
    printf("  mise en place en %.2f s : %d sessions ouvertes, %d agents entrés, %d acceptés, "
           "%d prêtes (2 long polls tenus)\n",
           (now_ns() - t) / 1e9, count(is_registered), count(is_joined), count(is_accepted),
           count(is_ready));
    health();
    printf("  /v1/sante : %ld sessions, %ld attentes\n", health_sessions, health_waits);
    print_memory("sous charge (polls tenus) :");
    long load_rss, load_hwm;
    relay_memory(&load_rss, &load_hwm);
    if (count(is_ready))
        printf("  soit %.0f Ko par session (deux connexions en long poll chacune)\n",
               (double)(load_rss - idle_rss) / count(is_ready));
    int ready_sessions = count(is_ready);
    unsigned setup_errors = error_count;

    if (count(is_ready) > 0) {
        series("une trame à la fois", 0, frames, 1);
        series("50 trames à la fois", frames, frames, 50);
        series("une trame par session, toutes à la fois", 2 * frames, frames,
               nsessions < frames ? nsessions : (int)frames);
        health();
        printf("  /v1/sante : %ld sessions, %ld attentes\n", health_sessions, health_waits);
        print_memory("après les mesures :");
    }

    /* The end: every official ends its session; the agents get « fin ». */
    teardown = true;
    for (int i = 0; i < nsessions; i++)
        if (sessions[i].registered) {
            char path[128];
            snprintf(path, sizeof path, "/v1/%s/session/%s", sessions[i].key, sessions[i].sid);
            req_start(K_DELETE, i, "DELETE", path, NULL, 0, false, NULL);
            while (in_flight >= 100)
                pump(100);
        }
    deadline = now_ns() + 30000000000u;
    while (in_flight && now_ns() < deadline)
        pump(100);
    health();
    printf("  /v1/sante après la fin des sessions : %ld sessions, %ld attentes\n",
           health_sessions, health_waits);
    print_memory("sessions terminées :");

    printf("  erreurs : %u\n", error_count);
    {
        char figure[160], m[160], tgt[64], r[160];
        snprintf(figure, sizeof figure, "Relais : %d sessions, %d long polls tenus", nsessions,
                 2 * nsessions);
        snprintf(m, sizeof m, "%d prêtes, %u erreurs ; VmRSS %.1f Mo", ready_sessions,
                 error_count, load_rss / 1024.0);
        snprintf(tgt, sizeof tgt, "%d tenues, 0 erreur", nsessions);
        snprintf(r, sizeof r, "au repos %.1f Mo (%u erreurs à la mise en place)",
                 idle_rss / 1024.0, setup_errors);
        summary_add(figure, m, tgt, r,
                    ready_sessions == nsessions && error_count == 0 ? "atteint" : "non atteint");
    }
    for (unsigned i = 0; i < error_count && i < sizeof error_first / sizeof *error_first; i++)
        printf("    %s\n", error_first[i]);
    relay_stop();
    curl_multi_cleanup(multi); /* handles still there (polls) leak here: the process ends */
    curl_global_cleanup();
    return 0;
}
