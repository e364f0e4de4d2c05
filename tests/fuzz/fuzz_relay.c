/* Fuzz target: the relay's request handling (src/relay/relay_http.c), without a socket.
 * The relay's own code is compiled into this file (#include below) with libmicrohttpd's
 * few calls it makes replaced by an in-memory connection: the real access handler `handle`
 * (headers first, the body in pieces, then the route) and `completed` run exactly as under
 * libmicrohttpd, a suspended long poll or delayed wrong code waits until the relay itself
 * resumes it (a frame for it, or the relay's timer run here on a fake clock). The relay's
 * databases (agents, journal and admissions, relay_db.c) are real SQLite files in a
 * temporary folder; the journal is emptied between inputs.
 *
 * An input is a script, one command a line:
 *   > METHOD URL       a request (sent when the next command comes)
 *   H Name: value      one of its headers (Content-Length is added when missing)
 *   B bytes            a line of its body (several B lines are joined by newlines)
 *   + SECONDS          the clock moves on (0 to 100 000 s), then the relay's timer runs
 *   ! journal          the journal's queue written out (what a reprise reads)
 *   ! arret            the relay stops (SIGTERM): every wait answered, then it goes on
 *   ! redemarrage      the same, and the relay starts again: sessions gone, files kept
 * Agents: ag000001 (token 0123456789abcdef0123456789abcdef), ag000002 (token
 * fedcba9876543210fedcba9876543210), ag000003 revoked (token 000…0).
 *
 * Invariants: every request gets exactly one answer with a documented status; an error
 * is JSON {"erreur": code, "message": clean French}; a 200 of frames is whole frames in
 * increasing order; an agent's path answers 2xx only to a valid token, an official's
 * session path only for a session id opened in this input; nothing is left counted (bytes
 * of frames, bodies being read, waits) once every session is freed. */
#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <jansson.h>
#include <limits.h>
#include <math.h>
#include <microhttpd.h>
#include <netdb.h>
#include <pthread.h>
#include <signal.h>
#include <sqlite3.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/random.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "fuzz.h"

/* The relay's clock, moved by the script. */
static double fake_mono = 1000.0;
static int fuzz_clock_gettime(clockid_t id, struct timespec *ts)
{
    double t = id == CLOCK_MONOTONIC ? fake_mono : 1.7e9 + fake_mono;
    ts->tv_sec = (time_t)t;
    ts->tv_nsec = (long)((t - (double)ts->tv_sec) * 1e9);
    return 0;
}

#define clock_gettime fuzz_clock_gettime
/* relay_http.o is linked too (make fuzz links every relay object): this copy's only
 * public function takes another name. */
#define relay_serve fuzz_relay_serve_unused
#include "relay/relay_http.c"
#undef relay_serve
#undef clock_gettime

/* ---- libmicrohttpd, in memory ---- */

#define MAX_HEADERS 8
#define MAX_ARGS 8

struct MHD_Connection {
    char method[16];
    char url[1024]; /* the path, without its query */
    char hname[MAX_HEADERS][64], hvalue[MAX_HEADERS][256];
    int nheaders;
    char aname[MAX_ARGS][64], avalue[MAX_ARGS][256];
    int nargs;
    char token[256]; /* the Bearer token sent, "" when none */
    bool agent_path, session_path;
    char key[8], sid[64];
    void *con_cls;
    bool suspended, resume_pending;
    bool answered, closed;
    unsigned status;
    char ctype[64];
    char *body;
    size_t len;
};

struct MHD_Response {
    char *body;
    size_t len;
    bool owned;
    char ctype[64];
};

const char *MHD_lookup_connection_value(struct MHD_Connection *c, enum MHD_ValueKind kind,
                                        const char *key)
{
    if (kind == MHD_HEADER_KIND) {
        for (int i = 0; i < c->nheaders; i++)
            if (strcasecmp(c->hname[i], key) == 0)
                return c->hvalue[i];
    } else if (kind == MHD_GET_ARGUMENT_KIND) {
        for (int i = 0; i < c->nargs; i++)
            if (strcmp(c->aname[i], key) == 0)
                return c->avalue[i];
    }
    return NULL;
}

struct MHD_Response *MHD_create_response_from_buffer(size_t size, void *buffer,
                                                     enum MHD_ResponseMemoryMode mode)
{
    struct MHD_Response *r = calloc(1, sizeof *r);
    FUZZ_CHECK(r, "mémoire");
    FUZZ_CHECK(size == 0 || buffer, "réponse de %zu octets sans données", size);
    if (mode == MHD_RESPMEM_MUST_FREE) {
        r->body = buffer;
        r->owned = true;
    } else {
        r->body = malloc(size + 1);
        FUZZ_CHECK(r->body, "mémoire");
        if (size)
            memcpy(r->body, buffer, size);
        r->owned = true;
    }
    r->len = size;
    return r;
}

enum MHD_Result MHD_add_response_header(struct MHD_Response *r, const char *header,
                                        const char *content)
{
    FUZZ_CHECK(header && content && !strpbrk(content, "\r\n"), "en-tête de réponse");
    if (strcasecmp(header, MHD_HTTP_HEADER_CONTENT_TYPE) == 0)
        snprintf(r->ctype, sizeof r->ctype, "%s", content);
    return MHD_YES;
}

enum MHD_Result MHD_queue_response(struct MHD_Connection *c, unsigned int status,
                                   struct MHD_Response *r)
{
    FUZZ_CHECK(!c->answered, "deux réponses à %s %s", c->method, c->url);
    FUZZ_CHECK(!c->suspended, "réponse à une connexion suspendue");
    c->answered = true;
    c->status = status;
    snprintf(c->ctype, sizeof c->ctype, "%s", r->ctype);
    c->body = malloc(r->len + 1);
    FUZZ_CHECK(c->body, "mémoire");
    if (r->len)
        memcpy(c->body, r->body, r->len);
    c->body[r->len] = '\0';
    c->len = r->len;
    return MHD_YES;
}

void MHD_destroy_response(struct MHD_Response *r)
{
    if (r && r->owned)
        free(r->body);
    free(r);
}

void MHD_suspend_connection(struct MHD_Connection *c)
{
    FUZZ_CHECK(!c->suspended && !c->answered, "suspension en double");
    c->suspended = true;
}

void MHD_resume_connection(struct MHD_Connection *c)
{
    FUZZ_CHECK(c->suspended, "reprise d'une connexion non suspendue");
    c->suspended = false;
    c->resume_pending = true;
}

const union MHD_ConnectionInfo *MHD_get_connection_info(struct MHD_Connection *c,
                                                        enum MHD_ConnectionInfoType type, ...)
{
    (void)c;
    static struct sockaddr_in sa;
    static union MHD_ConnectionInfo info;
    if (type != MHD_CONNECTION_INFO_CLIENT_ADDRESS)
        return NULL;
    sa.sin_family = AF_INET;
    sa.sin_addr.s_addr = htonl(0x7f000001);
    info.client_addr = (struct sockaddr *)&sa;
    return &info;
}

/* ---- the relay's state, once ---- */

static const char *const tokens[] = {"0123456789abcdef0123456789abcdef",
                                     "fedcba9876543210fedcba9876543210"};
static struct relay_config cfg;
static char dir[256], journal[300], agents_path[300];
static sqlite3 *maint; /* empties the journal between inputs */

static void db_exec(sqlite3 *db, const char *sql)
{
    char *msg = NULL;
    FUZZ_CHECK(sqlite3_exec(db, sql, NULL, NULL, &msg) == SQLITE_OK, "%s : %s", sql,
               msg ? msg : "");
}

static void add_agent(sqlite3 *db, const char *id, const char *token, const char *name,
                      const char *org, bool revoked)
{
    char hash[65], sql[1024];
    relay_sha256_hex(token, hash);
    snprintf(sql, sizeof sql,
             "INSERT INTO relay_agent (id, token_sha256, name, org, revoked_at) VALUES "
             "('%s', '%s', '%s', '%s', '%s')",
             id, hash, name, org, revoked ? "2026-11-01T00:00:00Z" : "");
    db_exec(db, sql);
}

static void remove_folder(const char *folder)
{
    const char *names[] = {"agents.db", "journal.db", "journal.db-wal", "journal.db-shm"};
    char path[600];
    for (size_t i = 0; i < sizeof names / sizeof *names; i++) {
        snprintf(path, sizeof path, "%s/%s", folder, names[i]);
        unlink(path);
    }
    rmdir(folder);
}

/* The temporary folder goes at the end of the replay; libFuzzer ends without atexit, so
 * a run also removes the folders of runs that are over (named by their process id). */
static void remove_dir(void)
{
    relay_audit_close(G.audit);
    relay_agents_close(G.agents);
    sqlite3_close(maint);
    G.audit = NULL;
    G.agents = NULL;
    maint = NULL;
    remove_folder(dir);
}

static void remove_stale(const char *parent)
{
    DIR *d = opendir(parent);
    if (!d)
        return;
    struct dirent *e;
    while ((e = readdir(d))) {
        long pid = 0;
        char tail = 0;
        if (sscanf(e->d_name, "difelus-fuzz-relay-%ld%c", &pid, &tail) == 1 && pid > 0 &&
            kill((pid_t)pid, 0) != 0 && errno == ESRCH) {
            char folder[600];
            snprintf(folder, sizeof folder, "%s/%s", parent, e->d_name);
            remove_folder(folder);
        }
    }
    closedir(d);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    /* In memory when the system has a tmpfs there: the journal is written at every
     * input. */
    const char *tmp = getenv("TMPDIR");
    struct stat sb;
    if (!tmp || !*tmp)
        tmp = stat("/dev/shm", &sb) == 0 && S_ISDIR(sb.st_mode) && access("/dev/shm", W_OK) == 0
                  ? "/dev/shm"
                  : "/tmp";
    remove_stale(tmp);
    snprintf(dir, sizeof dir, "%s/difelus-fuzz-relay-%ld", tmp, (long)getpid());
    remove_folder(dir);
    FUZZ_CHECK(mkdir(dir, 0700) == 0, "dossier temporaire %s", dir);
    atexit(remove_dir);
    snprintf(agents_path, sizeof agents_path, "%s/agents.db", dir);
    snprintf(journal, sizeof journal, "%s/journal.db", dir);
    char err[512];
    sqlite3 *db = relay_db_open(agents_path, true, err, sizeof err);
    FUZZ_CHECK(db, "%s", err);
    add_agent(db, "ag000001", tokens[0], "Zoé Martin", "Gestions Locales", false);
    add_agent(db, "ag000002", tokens[1], "Paul Durand", "Autre organisme", false);
    add_agent(db, "ag000003", "00000000000000000000000000000000", "Ancien", "Parti", true);
    sqlite3_close(db);
    maint = relay_db_open(journal, true, err, sizeof err);
    FUZZ_CHECK(maint, "%s", err);
    sqlite3_busy_timeout(maint, 5000);
    db_exec(maint, "PRAGMA synchronous=OFF");

    cfg.listen = "127.0.0.1:0";
    cfg.base = journal;
    cfg.agents = agents_path;
    cfg.max_sessions = 6;
    cfg.code_seconds = 600;
    cfg.wait_seconds = 25;
    cfg.idle_seconds = 120;
    cfg.queue_bytes = 600;
    cfg.max_per_ip = 0;
    cfg.opens_per_minute = 8;
    cfg.bodies_max = 1000;
    G.cfg = &cfg;
    G.audit = relay_audit_open(journal, err, sizeof err);
    FUZZ_CHECK(G.audit, "%s", err);
    G.agents = relay_agents_open(agents_path);
    FUZZ_CHECK(G.agents, "agents");
    pthread_mutex_init(&G.lock, NULL);
    pthread_mutex_init(&G.limits, NULL);
    pthread_cond_init(&G.wake, NULL);
    G.planned = 1e300;
    return 0;
}

/* The journal's queue written out (its writer joined), then open again. */
static void journal_flush(void)
{
    char err[512];
    relay_audit_close(G.audit);
    G.audit = relay_audit_open(journal, err, sizeof err);
    FUZZ_CHECK(G.audit, "%s", err);
}

/* ---- the script ---- */

#define MAX_CONNS 48
static struct MHD_Connection *conns[MAX_CONNS];
static size_t nconns;
static char opened[16][2][64]; /* (key, sid) of the sessions an open answered 2xx */
static size_t nopened;

static bool known_token(const char *t)
{
    return strcmp(t, tokens[0]) == 0 || strcmp(t, tokens[1]) == 0;
}

/* Checks an answer against the contract (docs/share-protocol.md §3). */
static void check_answer(const struct MHD_Connection *c)
{
    static const unsigned statuses[] = {200, 201, 202, 204, 400, 401, 403, 404, 405,
                                        409, 410, 413, 429, 503, 507};
    bool known = false;
    for (size_t i = 0; i < sizeof statuses / sizeof *statuses; i++)
        known = known || statuses[i] == c->status;
    FUZZ_CHECK(known, "statut %u à %s %s", c->status, c->method, c->url);
    bool ok = c->status >= 200 && c->status < 300;
    if (strcmp(c->ctype, FRAMES_TYPE) == 0) {
        FUZZ_CHECK(c->status == 200 && c->len > 0, "trames avec le statut %u", c->status);
        struct share_reader rd;
        share_reader_init(&rd);
        FUZZ_CHECK(share_reader_feed(&rd, c->body, c->len) == 0, "mémoire");
        struct share_frame f;
        int rc;
        uint64_t last = 0;
        size_t n = 0;
        while ((rc = share_reader_next(&rd, &f)) == 1) {
            FUZZ_CHECK(n == 0 || f.seq > last, "trames dans le désordre");
            last = f.seq;
            n++;
        }
        FUZZ_CHECK(rc == 0 && rd.taken == rd.len && n > 0, "corps de trames illisible : %s",
                   rd.err);
        share_reader_free(&rd);
    } else if (c->status == 204) {
        FUZZ_CHECK(c->len == 0, "204 avec un corps");
    } else {
        json_error_t e;
        json_t *j = json_loadb(c->body, c->len, 0, &e);
        FUZZ_CHECK(json_is_object(j), "réponse %u non JSON : %s", c->status, c->body);
        if (!ok) {
            const char *code = json_string_value(json_object_get(j, "erreur"));
            const char *msg = json_string_value(json_object_get(j, "message"));
            FUZZ_CHECK(code && *code && strspn(code, "abcdefghijklmnopqrstuvwxyz-") ==
                                            strlen(code), "code d'erreur : %s", c->body);
            fuzz_check_message(msg, "message du relais");
        }
        json_decref(j);
    }
    if (ok && c->agent_path)
        FUZZ_CHECK(known_token(c->token), "%u à un jeton inconnu : %s %s", c->status,
                   c->method, c->url);
    if (ok && c->session_path) {
        bool found = false;
        for (size_t i = 0; i < nopened; i++)
            found = found || (strcmp(opened[i][0], c->key) == 0 &&
                              strcmp(opened[i][1], c->sid) == 0);
        FUZZ_CHECK(found, "%u pour une session jamais ouverte : %s %s", c->status, c->method,
                   c->url);
    }
}

static void call(struct MHD_Connection *c, const char *upload, size_t n)
{
    size_t left = n;
    enum MHD_Result ret = handle(NULL, c, c->url, c->method, "HTTP/1.1", upload, &left,
                                 &c->con_cls);
    FUZZ_CHECK(left == 0, "corps non consommé");
    if (ret == MHD_NO)
        c->closed = true;
}

/* Answered or closed: the relay's `completed` runs, as libmicrohttpd calls it. */
static void finish(struct MHD_Connection *c)
{
    if (c->answered)
        check_answer(c);
    if (getenv("FUZZ_TRACE")) /* to read what a seed does */
        fprintf(stderr, "%s %s -> %u %.*s\n", c->method, c->url, c->status,
                (int)(c->len < 120 ? c->len : 120), c->body ? c->body : "");
    if (c->answered && strcmp(c->method, "POST") == 0 && c->status >= 200 && c->status < 300 &&
        !c->session_path && strstr(c->url, "/session") && nopened < 16) {
        /* POST /v1/KEY/session: this SID now opens its session's paths */
        json_t *j = json_loadb(c->con_cls ? ((struct request *)c->con_cls)->body : "",
                               c->con_cls ? ((struct request *)c->con_cls)->len : 0, 0, NULL);
        const char *sid = json_string_value(json_object_get(j, "session"));
        if (sid && strlen(sid) < sizeof opened[0][1]) {
            snprintf(opened[nopened][0], sizeof opened[0][0], "%s", c->key);
            snprintf(opened[nopened][1], sizeof opened[0][1], "%s", sid);
            nopened++;
        }
        json_decref(j);
    }
    completed(NULL, c, &c->con_cls, MHD_REQUEST_TERMINATED_COMPLETED_OK);
    FUZZ_CHECK(c->con_cls == NULL, "état de requête gardé");
}

/* Every connection the relay resumed is handled again, as libmicrohttpd does. */
static void run_resumed(void)
{
    bool again = true;
    while (again) {
        again = false;
        for (size_t i = 0; i < nconns; i++) {
            struct MHD_Connection *c = conns[i];
            if (!c->resume_pending || c->answered || c->closed)
                continue;
            c->resume_pending = false;
            again = true;
            call(c, NULL, 0);
            if (c->answered || c->closed)
                finish(c);
            else
                FUZZ_CHECK(c->suspended, "requête reprise restée sans réponse : %s %s",
                           c->method, c->url);
        }
    }
}

/* The relay's timer thread, one turn (timer_main without its wait). */
static void timer_turn(void)
{
    pthread_mutex_lock(&G.lock);
    double t = now_mono();
    struct request *r = G.waiters;
    while (r) {
        struct request *following = r->gnext;
        if (r->deadline <= t) {
            unlink_waiter(r);
            r->timed_out = true;
            r->resumed = true;
            MHD_resume_connection(r->conn);
        }
        r = following;
    }
    housekeeping(t);
    forget_ips(t);
    pthread_mutex_unlock(&G.lock);
    run_resumed();
}

/* A wrong code's answer is held 50 to 200 ms: the clock moves that far for it. */
static void delayed_answers(void)
{
    bool any = false;
    for (size_t i = 0; i < nconns; i++)
        any = any || (conns[i]->suspended && conns[i]->con_cls &&
                      ((struct request *)conns[i]->con_cls)->delayed);
    if (any) {
        fake_mono += 0.25;
        timer_turn();
    }
}

/* The stop on SIGTERM, up to MHD_stop_daemon (relay_serve). */
static void relay_stop(void)
{
    pthread_mutex_lock(&G.lock);
    G.stopping = true;
    while (G.waiters) {
        struct request *r = G.waiters;
        unlink_waiter(r);
        r->resumed = true;
        r->timed_out = true;
        r->draining = true;
        G.draining++;
        MHD_resume_connection(r->conn);
    }
    pthread_mutex_unlock(&G.lock);
    run_resumed();
    FUZZ_CHECK(G.draining == 0, "%u attentes sans réponse à l'arrêt", G.draining);
}

/* "name: value" and "?a=b&c=d" (percent-decoded, as libmicrohttpd gives them). */
static void decode(char *s)
{
    char *o = s;
    for (char *p = s; *p; p++) {
        if (*p == '%' && p[1] && p[2] && strchr("0123456789abcdefABCDEF", p[1]) &&
            strchr("0123456789abcdefABCDEF", p[2])) {
            char hex[3] = {p[1], p[2], 0};
            char v = (char)strtol(hex, NULL, 16);
            p += 2;
            if (v == '\0')
                break; /* libmicrohttpd stops the value there too */
            *o++ = v;
        } else {
            *o++ = *p == '+' ? ' ' : *p;
        }
    }
    *o = '\0';
}

static struct MHD_Connection *new_request(const char *line)
{
    if (nconns == MAX_CONNS)
        return NULL;
    struct MHD_Connection *c = calloc(1, sizeof *c);
    FUZZ_CHECK(c, "mémoire");
    char target[1024] = "";
    if (sscanf(line, "%15s %1023s", c->method, target) != 2) {
        free(c);
        return NULL;
    }
    char *q = strchr(target, '?');
    if (q) {
        *q++ = '\0';
        for (char *pair = strtok(q, "&"); pair && c->nargs < MAX_ARGS; pair = strtok(NULL, "&")) {
            char *eq = strchr(pair, '=');
            if (eq)
                *eq++ = '\0';
            snprintf(c->aname[c->nargs], sizeof c->aname[0], "%s", pair);
            snprintf(c->avalue[c->nargs], sizeof c->avalue[0], "%s", eq ? eq : "");
            decode(c->aname[c->nargs]);
            decode(c->avalue[c->nargs]);
            c->nargs++;
        }
    }
    snprintf(c->url, sizeof c->url, "%s", target);
    /* What the invariants need to know of the path. */
    char seg[5][48];
    int n = split_path(c->url, seg);
    if (n >= 2) {
        snprintf(c->key, sizeof c->key, "%.7s", seg[0]);
        c->agent_path = strcmp(seg[1], "rejoindre") == 0 || strcmp(seg[1], "agent") == 0;
        c->session_path = strcmp(seg[1], "session") == 0 && n >= 3;
        if (c->session_path)
            snprintf(c->sid, sizeof c->sid, "%s", seg[2]);
    }
    conns[nconns++] = c;
    return c;
}

static void send_request(struct MHD_Connection *c, const char *body, size_t len)
{
    if (!MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Content-Length") && len &&
        c->nheaders < MAX_HEADERS) {
        snprintf(c->hname[c->nheaders], sizeof c->hname[0], "Content-Length");
        snprintf(c->hvalue[c->nheaders], sizeof c->hvalue[0], "%zu", len);
        c->nheaders++;
    }
    const char *auth = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Authorization");
    if (auth && strncmp(auth, "Bearer ", 7) == 0) {
        const char *t = auth + 7;
        while (*t == ' ')
            t++;
        snprintf(c->token, sizeof c->token, "%s", t);
    }
    /* An open names the session it means: flushed first, so that a reprise reads every
     * admission written before it (the writer thread is not waited for otherwise). */
    if (strcmp(c->method, "POST") == 0 && !c->session_path && strstr(c->url, "/session"))
        journal_flush();
    call(c, NULL, 0);
    if (!c->answered && !c->closed) {
        /* The body in two pieces, as it may come off the network. */
        size_t half = len / 2;
        if (half)
            call(c, body, half);
        if (len - half)
            call(c, body + half, len - half);
        call(c, NULL, 0);
    }
    if (c->answered || c->closed)
        finish(c);
    else
        FUZZ_CHECK(c->suspended, "requête sans réponse : %s %s", c->method, c->url);
    run_resumed();
    delayed_answers();
}

/* Sessions and wrong codes forgotten, as by a new relay process. */
static void forget_sessions(void)
{
    pthread_mutex_lock(&G.lock);
    for (unsigned b = 0; b < BUCKETS; b++)
        while (G.buckets[b])
            free_session(G.buckets[b]);
    while (G.locks) {
        struct lockent *l = G.locks;
        G.locks = l->next;
        free(l);
    }
    pthread_mutex_unlock(&G.lock);
    forget_ips(1e300);
}

static void reset(void)
{
    /* Whatever still waits is answered (the clock far on), then everything is freed. */
    fake_mono += 100000.0;
    timer_turn();
    for (size_t i = 0; i < nconns; i++) {
        struct MHD_Connection *c = conns[i];
        FUZZ_CHECK(c->answered || c->closed, "requête jamais répondue : %s %s", c->method,
                   c->url);
        free(c->body);
        free(c);
    }
    nconns = 0;
    nopened = 0;
    forget_sessions();
    FUZZ_CHECK(G.nsessions == 0 && G.bytes == 0 && G.nwaiters == 0 && !G.waiters,
               "compteurs restés : %u sessions, %zu octets, %u attentes", G.nsessions,
               G.bytes, G.nwaiters);
    FUZZ_CHECK(G.bodies == 0, "%zu octets de corps restés comptés", G.bodies);
    G.stopping = false;
    G.draining = 0;
    fake_mono = 1000.0;
    /* The journal and the admissions start empty for the next input. */
    relay_audit_close(G.audit);
    db_exec(maint, "DELETE FROM relay_log; DELETE FROM relay_admission;");
    char err[512];
    G.audit = relay_audit_open(journal, err, sizeof err);
    FUZZ_CHECK(G.audit, "%s", err);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!G.cfg)
        LLVMFuzzerInitialize(NULL, NULL);
    char *script = fuzz_string(data, size);
    struct MHD_Connection *cur = NULL;
    char *body = NULL;
    size_t blen = 0, bcap = 0;
    bool has_body = false;
    char *line = script;
    while (line) {
        char *nl = strchr(line, '\n');
        if (nl)
            *nl = '\0';
        char kind = line[0];
        const char *arg = line[0] && line[1] == ' ' ? line + 2 : "";
        if (kind == '>' || kind == '+' || kind == '!') {
            if (cur)
                send_request(cur, body ? body : "", blen);
            cur = NULL;
            blen = 0;
            has_body = false;
        }
        if (kind == '>') {
            cur = new_request(arg);
        } else if (kind == 'H' && cur && cur->nheaders < MAX_HEADERS) {
            const char *colon = strchr(arg, ':');
            if (colon && colon > arg) {
                size_t nl2 = (size_t)(colon - arg);
                snprintf(cur->hname[cur->nheaders], sizeof cur->hname[0], "%.*s",
                         (int)(nl2 < 63 ? nl2 : 63), arg);
                const char *v = colon + 1;
                while (*v == ' ')
                    v++;
                snprintf(cur->hvalue[cur->nheaders], sizeof cur->hvalue[0], "%s", v);
                cur->nheaders++;
            }
        } else if (kind == 'B' && cur) {
            size_t al = strlen(arg);
            if (blen + al + 2 > bcap) {
                bcap = (blen + al + 2) * 2;
                body = realloc(body, bcap);
                FUZZ_CHECK(body, "mémoire");
            }
            if (has_body)
                body[blen++] = '\n';
            memcpy(body + blen, arg, al);
            blen += al;
            has_body = true;
        } else if (kind == '+') {
            double s = 0;
            for (const char *p = arg; *p >= '0' && *p <= '9' && s < 1e5; p++)
                s = s * 10 + (*p - '0');
            fake_mono += s > 1e5 ? 1e5 : s;
            timer_turn();
        } else if (kind == '!') {
            if (strcmp(arg, "journal") == 0)
                journal_flush();
            else if (strcmp(arg, "arret") == 0)
                relay_stop();
            else if (strcmp(arg, "redemarrage") == 0) {
                relay_stop();
                forget_sessions();
                journal_flush();
                G.stopping = false;
            }
        }
        line = nl ? nl + 1 : NULL;
    }
    if (cur)
        send_request(cur, body ? body : "", blen);
    reset();
    free(body);
    free(script);
    return 0;
}
