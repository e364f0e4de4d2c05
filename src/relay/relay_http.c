/* The relay's HTTP server (docs/share-protocol.md §3), on libmicrohttpd: one internal
 * polling thread on epoll serves every request; long polls and the delayed answers to
 * wrong codes are suspended connections, and the relay's own timer thread resumes them,
 * because a suspended connection never times out in libmicrohttpd (DESIGN §5). Session
 * payloads are opaque bytes kept in memory only: the relay reads the envelope (type, seq),
 * never the payload. One mutex guards every session, queue and waiter; nothing touches the
 * disk under it (the agents file is read on a request's first call, the reprise's records
 * before the lock, and the audit rows are queued to a writer thread). A second mutex,
 * `limits`, guards the per-address counts and the bytes of bodies being read. */
#include "relay/relay.h"

#include <errno.h>
#include <jansson.h>
#include <limits.h>
#include <math.h>
#include <microhttpd.h>
#include <netdb.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/resource.h>
#include <arpa/inet.h>
#include <sys/socket.h>
#include <time.h>

#include "difelus/share.h"
#include "difelus/share_link.h"
#include "difelus/text.h"

#define BODY_MAX (1024 * 1024) /* a frame's payload, or a JSON body */
#define KEY_LEN SHARE_KEY_LEN
#define CODE_LEN SHARE_CODE_LEN
#define TYPE_MAX 24
#define BUCKETS 4096
#define LOCK_FAILS 5        /* wrong codes ... */
#define LOCK_WINDOW 60.0    /* ... within this many seconds lock the token ... */
#define LOCK_SECONDS 60.0   /* ... for this long */
#define TOMBSTONE 60.0      /* an ended session keeps its last frames this long */
#define GLOBAL_BYTES ((size_t)1 << 30)
#define IP_BUCKETS 1024
#define FRAMES_TYPE "application/x-difelus-trames"

static const char crockford[] = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";

enum side { OFFICIAL, AGENT }; /* also: the queue of frames going TO that side */

enum phase {
    P_WAITING, /* the code is out, no agent yet */
    P_JOINED,  /* an agent gave the code; the official has not answered */
    P_VIEW,
    P_CONTROL,
    P_ENDED,   /* a tombstone: only its last frames remain */
};

struct frame {
    struct frame *next;
    uint64_t seq;
    char type[TYPE_MAX + 1];
    size_t len;
    unsigned char data[];
};

struct request;

struct queue {
    struct frame *head, *tail;
    uint64_t next_seq;
    size_t bytes;
    struct request *waiters; /* long polls of that side, linked by snext */
};

struct session {
    struct session *next; /* bucket chain */
    char key[KEY_LEN + 1];
    char sid[RELAY_HEX_LEN + 1];
    char code[CODE_LEN + 1];
    double code_deadline;
    bool code_expired; /* logged once */
    enum phase phase;
    char agent_id[RELAY_ID_LEN + 1];
    char agent_name[RELAY_NAME_MAX + 1];
    char agent_org[RELAY_NAME_MAX + 1];
    double seen[2]; /* last request of each side */
    double ended_at;
    struct queue q[2];
};

/* A request's state (libmicrohttpd's con_cls), and a suspended connection's place in the
 * waiter lists. */
struct request {
    struct MHD_Connection *conn;
    char *body;
    size_t len, cap;
    bool too_big;
    /* suspended: linked in the global list (gprev/gnext) and, for a long poll, in its
     * session's queue (snext); whoever unlinks it resumes it, exactly once. */
    bool suspended;
    bool resumed; /* handled again after a suspension */
    bool timed_out;
    double deadline;
    struct request *gprev, *gnext;
    struct request *snext;
    struct session *session; /* valid only while linked */
    enum side side;
    int delayed; /* an answer kept back (a wrong code): its HTTP status */
    bool draining; /* resumed by the stop: counted until answered */
    /* Decided on the first call, from the headers alone, before any body is read. */
    bool opening;            /* POST /v1/KEY/session */
    char key[KEY_LEN + 1];
    bool authed;             /* an agent's path: its token was good */
    struct relay_agent agent;
    size_t reserved;         /* body bytes counted in G.bodies */
    bool overloaded;         /* G.bodies was full */
    /* A reprise, read from the disk before the global lock is taken. */
    int find_rc;             /* relay_agents_find */
    struct relay_agent named;
    int rec_rc;              /* relay_admission_check */
    char rec_agent[RELAY_ID_LEN + 1], rec_mode[16];
};

/* Session opens from one address in the current minute. */
struct ipent {
    struct ipent *next;
    char ip[INET6_ADDRSTRLEN];
    double window;
    unsigned count;
};

/* A token's recent wrong codes. */
struct lockent {
    struct lockent *next;
    char agent_id[RELAY_ID_LEN + 1];
    double fails[LOCK_FAILS];
    unsigned nfails; /* ring position */
    double locked_until;
};

static struct {
    pthread_mutex_t lock;
    pthread_cond_t wake;
    const struct relay_config *cfg;
    struct relay_agents *agents;
    struct relay_audit *audit;
    struct session *buckets[BUCKETS];
    unsigned nsessions;
    struct request *waiters; /* global list */
    unsigned nwaiters;
    struct lockent *locks;
    size_t bytes;
    bool stopping;
    unsigned draining; /* waits resumed by the stop, not answered yet */
    double planned; /* when the timer thread wakes next */
    /* Guarded by `limits`, never held with a disk access: */
    pthread_mutex_t limits;
    size_t bodies;
    struct ipent *ips[IP_BUCKETS];
} G;

static double now_mono(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Sequence numbers start at the wall clock in microseconds, so that a session recreated
 * after a restart numbers its frames above anything an earlier relay gave out: a client's
 * `apres` from before the restart then drops nothing new. */
static uint64_t first_seq(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

/* ---- answers ---- */

static enum MHD_Result send_response(struct MHD_Connection *c, unsigned status, char *body,
                                     size_t len, const char *type, unsigned retry_after)
{
    struct MHD_Response *r =
        MHD_create_response_from_buffer(len, body, body ? MHD_RESPMEM_MUST_FREE
                                                        : MHD_RESPMEM_PERSISTENT);
    if (!r) {
        free(body);
        return MHD_NO;
    }
    if (type)
        MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, type);
    MHD_add_response_header(r, MHD_HTTP_HEADER_CACHE_CONTROL, "no-store");
    if (retry_after) {
        char v[16];
        snprintf(v, sizeof v, "%u", retry_after);
        MHD_add_response_header(r, MHD_HTTP_HEADER_RETRY_AFTER, v);
    }
    enum MHD_Result ret = MHD_queue_response(c, status, r);
    MHD_destroy_response(r);
    return ret;
}

static enum MHD_Result send_json(struct MHD_Connection *c, unsigned status, json_t *j,
                                 unsigned retry_after)
{
    char *s = j ? json_dumps(j, JSON_COMPACT) : NULL;
    json_decref(j);
    if (!s)
        return MHD_NO;
    return send_response(c, status, s, strlen(s), "application/json", retry_after);
}

static enum MHD_Result send_error_after(struct MHD_Connection *c, unsigned status,
                                        const char *code, const char *message,
                                        unsigned retry_after)
{
    char text[512];
    snprintf(text, sizeof text, "%s", message);
    text_typeset(text, sizeof text);
    return send_json(c, status, json_pack("{s:s, s:s}", "erreur", code, "message", text),
                     retry_after);
}

static enum MHD_Result send_error(struct MHD_Connection *c, unsigned status, const char *code,
                                  const char *message)
{
    return send_error_after(c, status, code, message, 0);
}

static enum MHD_Result send_empty(struct MHD_Connection *c, unsigned status)
{
    return send_response(c, status, NULL, 0, NULL, 0);
}

static enum MHD_Result unknown_session(struct MHD_Connection *c)
{
    return send_error(c, MHD_HTTP_NOT_FOUND, "session-inconnue",
                      "Session inconnue (le relais a peut-être redémarré) : "
                      "réinscrivez-la.");
}

static enum MHD_Result ended_session(struct MHD_Connection *c)
{
    return send_error(c, MHD_HTTP_GONE, "session-terminee", "La session est terminée.");
}

/* ---- sessions ---- */

static unsigned bucket_of(const char *key)
{
    unsigned h = 0;
    for (int i = 0; i < KEY_LEN; i++)
        h = h * 32 + (unsigned)(strchr(crockford, key[i]) - crockford);
    return h % BUCKETS;
}

static bool valid_key(const char *s, size_t len)
{
    if (len != KEY_LEN)
        return false;
    for (size_t i = 0; i < len; i++)
        if (!s[i] || !strchr(crockford, s[i]))
            return false;
    return true;
}

static bool valid_hex(const char *s)
{
    if (!s || strlen(s) != RELAY_HEX_LEN)
        return false;
    for (const char *p = s; *p; p++)
        if (!strchr("0123456789abcdef", *p))
            return false;
    return true;
}

/* Comparison of secrets in a time that does not depend on where they differ. */
static bool same_secret(const char *a, const char *b)
{
    size_t la = strlen(a), lb = strlen(b);
    unsigned char diff = la != lb;
    for (size_t i = 0; i < la && i < lb; i++)
        diff |= (unsigned char)(a[i] ^ b[i]);
    return diff == 0;
}

static struct session *find_session(const char *key)
{
    for (struct session *s = G.buckets[bucket_of(key)]; s; s = s->next)
        if (strcmp(s->key, key) == 0)
            return s;
    return NULL;
}

static void drop_frame(struct queue *q)
{
    struct frame *f = q->head;
    q->head = f->next;
    if (!q->head)
        q->tail = NULL;
    q->bytes -= f->len;
    G.bytes -= f->len;
    free(f);
}

/* Resumes every long poll of one side: they will look at the queue again. */
static void wake_side(struct session *s, enum side side)
{
    struct queue *q = &s->q[side];
    while (q->waiters) {
        struct request *r = q->waiters;
        q->waiters = r->snext;
        r->snext = NULL;
        r->session = NULL;
        if (r->gprev)
            r->gprev->gnext = r->gnext;
        else
            G.waiters = r->gnext;
        if (r->gnext)
            r->gnext->gprev = r->gprev;
        r->gprev = r->gnext = NULL;
        r->suspended = false;
        r->resumed = true;
        G.nwaiters--;
        MHD_resume_connection(r->conn);
    }
}

/* Appends a frame to the queue going to `to`. Its seq, or 0 when memory is short. */
static uint64_t push_frame(struct session *s, enum side to, const char *type,
                           const void *data, size_t len)
{
    struct queue *q = &s->q[to];
    struct frame *f = malloc(sizeof *f + len + 1);
    if (!f)
        return 0;
    f->next = NULL;
    f->seq = q->next_seq++;
    snprintf(f->type, sizeof f->type, "%s", type);
    f->len = len;
    if (len)
        memcpy(f->data, data, len);
    f->data[len] = '\0';
    if (q->tail)
        q->tail->next = f;
    else
        q->head = f;
    q->tail = f;
    q->bytes += len;
    G.bytes += len;
    wake_side(s, to);
    return f->seq;
}

static void audit(const struct session *s, const char *event, const char *detail)
{
    relay_audit(G.audit, event, s ? s->agent_id : "", s ? s->agent_name : "",
                s ? s->key : "", detail);
}

/* Ends a session: payloads are dropped at once; only the frames that say it ended
 * (refuse, depart, fin) stay for the tombstone's short life, then it is freed. */
static void end_session(struct session *s, const char *to_agent, const char *to_official)
{
    for (int side = 0; side < 2; side++) {
        struct queue *q = &s->q[side];
        struct frame *keep = NULL, **tail = &keep;
        while (q->head) {
            struct frame *f = q->head;
            if (strcmp(f->type, "refuse") == 0 || strcmp(f->type, "depart") == 0 ||
                strcmp(f->type, "fin") == 0) {
                q->head = f->next;
                f->next = NULL;
                *tail = f;
                tail = &f->next;
            } else {
                drop_frame(q);
            }
        }
        q->head = keep;
        q->tail = NULL;
        for (struct frame *f = keep; f; f = f->next)
            q->tail = f;
    }
    bool had_agent = s->phase != P_WAITING;
    if (had_agent)
        relay_admission_forget(G.audit, s->key, s->sid);
    if (to_agent && had_agent)
        push_frame(s, AGENT, to_agent, NULL, 0);
    if (to_official)
        push_frame(s, OFFICIAL, to_official, NULL, 0);
    s->phase = P_ENDED;
    s->ended_at = now_mono();
    wake_side(s, OFFICIAL);
    wake_side(s, AGENT);
}

static void free_session(struct session *s)
{
    struct session **p = &G.buckets[bucket_of(s->key)];
    while (*p != s)
        p = &(*p)->next;
    *p = s->next;
    wake_side(s, OFFICIAL);
    wake_side(s, AGENT);
    for (int side = 0; side < 2; side++)
        while (s->q[side].head)
            drop_frame(&s->q[side]);
    G.nsessions--;
    free(s);
}

static struct session *new_session(const char *key, const char *sid)
{
    struct session *s = calloc(1, sizeof *s);
    if (!s)
        return NULL;
    memcpy(s->key, key, KEY_LEN); /* checked by valid_key */
    memcpy(s->sid, sid, RELAY_HEX_LEN); /* checked by valid_hex */
    s->q[OFFICIAL].next_seq = s->q[AGENT].next_seq = first_seq();
    s->seen[OFFICIAL] = s->seen[AGENT] = now_mono();
    unsigned b = bucket_of(key);
    s->next = G.buckets[b];
    G.buckets[b] = s;
    G.nsessions++;
    return s;
}

/* ---- waiting ---- */

/* Suspends the connection until `deadline` (or until its queue gets a frame, for a long
 * poll). Called with the lock held. */
static void suspend_until(struct request *r, double deadline, struct session *s,
                          enum side side)
{
    r->deadline = deadline;
    r->timed_out = false;
    r->suspended = true;
    r->gprev = NULL;
    r->gnext = G.waiters;
    if (G.waiters)
        G.waiters->gprev = r;
    G.waiters = r;
    G.nwaiters++;
    r->session = s;
    r->side = side;
    if (s) {
        r->snext = s->q[side].waiters;
        s->q[side].waiters = r;
    }
    MHD_suspend_connection(r->conn);
    if (deadline < G.planned)
        pthread_cond_signal(&G.wake);
}

/* Unlinks a waiter (lock held): from the global list and its session's list. */
static void unlink_waiter(struct request *r)
{
    if (r->session) {
        struct request **p = &r->session->q[r->side].waiters;
        while (*p && *p != r)
            p = &(*p)->snext;
        if (*p)
            *p = r->snext;
        r->session = NULL;
    }
    r->snext = NULL;
    if (r->gprev)
        r->gprev->gnext = r->gnext;
    else
        G.waiters = r->gnext;
    if (r->gnext)
        r->gnext->gprev = r->gprev;
    r->gprev = r->gnext = NULL;
    r->suspended = false;
    G.nwaiters--;
}

/* ---- wrong codes ---- */

static struct lockent *lock_entry(const char *agent_id, bool create)
{
    for (struct lockent *l = G.locks; l; l = l->next)
        if (strcmp(l->agent_id, agent_id) == 0)
            return l;
    if (!create)
        return NULL;
    struct lockent *l = calloc(1, sizeof *l);
    if (!l)
        return NULL;
    snprintf(l->agent_id, sizeof l->agent_id, "%s", agent_id);
    for (int i = 0; i < LOCK_FAILS; i++)
        l->fails[i] = -1e9;
    l->next = G.locks;
    G.locks = l;
    return l;
}

/* Records a wrong code; true when it locks the token. */
static bool record_wrong(const char *agent_id, double now)
{
    struct lockent *l = lock_entry(agent_id, true);
    if (!l)
        return false;
    l->fails[l->nfails % LOCK_FAILS] = now;
    l->nfails++;
    /* The ring holds the last LOCK_FAILS wrong codes; the oldest is the next to go. */
    double oldest = l->fails[l->nfails % LOCK_FAILS];
    if (now - oldest <= LOCK_WINDOW) {
        l->locked_until = now + LOCK_SECONDS;
        for (int i = 0; i < LOCK_FAILS; i++)
            l->fails[i] = -1e9;
        return true;
    }
    return false;
}

/* ---- routes ---- */

static bool parse_u64(const char *s, uint64_t *out)
{
    if (!s || !*s || strlen(s) > 19)
        return false;
    uint64_t v = 0;
    for (const char *p = s; *p; p++) {
        if (*p < '0' || *p > '9')
            return false;
        v = v * 10 + (uint64_t)(*p - '0');
    }
    if (v > (uint64_t)INT64_MAX)
        return false;
    *out = v;
    return true;
}

static bool valid_type(const char *t)
{
    size_t n = t ? strlen(t) : 0;
    if (n < 1 || n > TYPE_MAX)
        return false;
    for (size_t i = 0; i < n; i++)
        if (!((t[i] >= 'a' && t[i] <= 'z') || t[i] == '-'))
            return false;
    return true;
}

/* The frames of a queue after `apres` (the ones up to it are acknowledged and dropped),
 * in the frame format; NULL when there are none. */
static char *collect_frames(struct queue *q, uint64_t apres, size_t *len)
{
    /* A client numbering from another relay (a clock set back) gets everything. */
    if (apres >= q->next_seq)
        apres = 0;
    while (q->head && q->head->seq <= apres)
        drop_frame(q);
    if (!q->head)
        return NULL;
    size_t total = 0;
    for (struct frame *f = q->head; f; f = f->next)
        total += 64 + f->len;
    char *buf = malloc(total + 1);
    if (!buf)
        return NULL;
    size_t used = 0;
    for (struct frame *f = q->head; f; f = f->next) {
        used += (size_t)snprintf(buf + used, 64, "%s %llu %zu\n", f->type,
                                 (unsigned long long)f->seq, f->len);
        memcpy(buf + used, f->data, f->len);
        used += f->len;
    }
    *len = used;
    return buf;
}

/* GET …/recevoir for one side, first call or after a resumption. Lock held. */
static enum MHD_Result receive(struct request *r, struct session *s, enum side side)
{
    struct MHD_Connection *c = r->conn;
    uint64_t apres = 0;
    const char *a = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "apres");
    if (a && !parse_u64(a, &apres))
        return send_error(c, MHD_HTTP_BAD_REQUEST, "apres",
                          "Le paramètre « apres » doit être un nombre.");
    double now = now_mono();
    s->seen[side] = now;
    size_t len = 0;
    char *frames = collect_frames(&s->q[side], apres, &len);
    if (frames)
        return send_response(c, MHD_HTTP_OK, frames, len, FRAMES_TYPE, 0);
    if (s->phase == P_ENDED)
        return ended_session(c);
    if (G.stopping)
        return send_error(c, MHD_HTTP_SERVICE_UNAVAILABLE, "arret", "Le relais s'arrête.");
    if (r->resumed && r->timed_out)
        return send_empty(c, MHD_HTTP_NO_CONTENT);
    if (!r->resumed)
        r->deadline = now + G.cfg->wait_seconds;
    suspend_until(r, r->deadline, s, side);
    return MHD_YES;
}

static json_t *parse_body(struct request *r)
{
    return r->len ? json_loadb(r->body, r->len, JSON_REJECT_DUPLICATES, NULL) : NULL;
}

static enum MHD_Result bad_json(struct MHD_Connection *c)
{
    return send_error(c, MHD_HTTP_BAD_REQUEST, "json",
                      "Le corps de la requête n'est pas le JSON attendu.");
}

/* POST /v1/KEY/session */
static enum MHD_Result open_session(struct request *r, const char *key)
{
    struct MHD_Connection *c = r->conn;
    json_t *body = parse_body(r);
    const char *sid = body ? json_string_value(json_object_get(body, "session")) : NULL;
    const char *code = body ? json_string_value(json_object_get(body, "code")) : NULL;
    json_t *reprise = body ? json_object_get(body, "reprise") : NULL;
    if (!json_is_object(body) || (!code && !json_is_object(reprise))) {
        json_decref(body);
        return bad_json(c);
    }
    if (!valid_hex(sid)) {
        json_decref(body);
        return send_error(c, MHD_HTTP_BAD_REQUEST, "session",
                          "L'identifiant de session doit faire 32 chiffres hexadécimaux.");
    }
    char norm[CODE_LEN + 1] = "";
    struct relay_agent agent = {0};
    enum phase phase = P_WAITING;
    bool is_reprise = json_is_object(reprise), known_reprise = false;
    const char *mode = NULL;
    char mode_buf[16];
    if (code && (!share_code_parse(code, norm) || strncmp(norm, key, KEY_LEN) != 0)) {
        json_decref(body);
        return send_error(c, MHD_HTTP_BAD_REQUEST, "code",
                          "Le code ne correspond pas à la clé de rendez-vous.");
    }
    if (is_reprise) {
        const char *id = json_string_value(json_object_get(reprise, "agent"));
        mode = json_string_value(json_object_get(reprise, "mode"));
        if (!id || !mode ||
            (strcmp(mode, "vue") != 0 && strcmp(mode, "controle") != 0 &&
             strcmp(mode, "demande") != 0)) {
            json_decref(body);
            return bad_json(c);
        }
        /* `mode` points into `body`, freed below: kept in mode_buf (found by make asan) */
        snprintf(mode_buf, sizeof mode_buf, "%s", mode);
        mode = mode_buf;
        phase = strcmp(mode, "vue") == 0       ? P_VIEW
                : strcmp(mode, "controle") == 0 ? P_CONTROL
                                                : P_JOINED;
        /* The agents file and the admissions were read before the lock (handle). */
        if (r->find_rc < 0 || r->rec_rc < 0) {
            json_decref(body);
            return send_error(c, MHD_HTTP_SERVICE_UNAVAILABLE, "agents",
                              "La base du relais est illisible.");
        }
        if (r->find_rc == 0 || r->named.revoked || strcmp(r->named.id, id) != 0) {
            json_decref(body);
            return send_error(c, MHD_HTTP_FORBIDDEN, "agent", "Agent inconnu ou révoqué.");
        }
        agent = r->named;
        known_reprise = r->rec_rc == 1 && strcmp(r->rec_agent, id) == 0;
    }
    char sid_copy[RELAY_HEX_LEN + 1];
    snprintf(sid_copy, sizeof sid_copy, "%s", sid);
    json_decref(body);

    struct session *s = find_session(key);
    double now = now_mono();
    if (s && same_secret(s->sid, sid_copy)) {
        if (s->phase == P_ENDED)
            return ended_session(c);
        s->seen[OFFICIAL] = now;
        double left = s->code[0] && s->phase == P_WAITING ? s->code_deadline - now : 0;
        return send_json(c, MHD_HTTP_OK,
                         json_pack("{s:I}", "expire", (json_int_t)(left > 0 ? ceil(left) : 0)),
                         0);
    }
    if (s && s->phase != P_ENDED)
        return send_error(c, MHD_HTTP_CONFLICT, "cle-prise",
                          "Cette clé de rendez-vous est déjà prise : tirez un autre code.");
    /* Only the official who admitted this agent (the holder of the SID recorded at the
     * admission) brings a session back: an agent id alone is public. */
    if (is_reprise && !known_reprise)
        return send_error(c, MHD_HTTP_FORBIDDEN, "reprise-inconnue",
                          "Le relais ne connaît pas cette session : tirez un nouveau code.");
    if (s)
        free_session(s);
    if (G.nsessions >= G.cfg->max_sessions)
        return send_error(c, MHD_HTTP_SERVICE_UNAVAILABLE, "complet",
                          "Le relais a atteint son nombre maximal de sessions.");
    s = new_session(key, sid_copy);
    if (!s)
        return send_error(c, MHD_HTTP_SERVICE_UNAVAILABLE, "memoire",
                          "Le relais manque de mémoire.");
    if (code && !is_reprise) {
        snprintf(s->code, sizeof s->code, "%s", norm);
        s->code_deadline = now + G.cfg->code_seconds;
        audit(s, "ouverture", "");
        return send_json(c, MHD_HTTP_CREATED,
                         json_pack("{s:I}", "expire", (json_int_t)G.cfg->code_seconds), 0);
    }
    s->phase = phase;
    s->code_expired = true;
    /* The code comes back only to be recognised: the agent retrying its join gets its
     * answer again, anyone else a code already used (410); it never admits again. */
    if (code)
        snprintf(s->code, sizeof s->code, "%s", norm);
    snprintf(s->agent_id, sizeof s->agent_id, "%s", agent.id);
    snprintf(s->agent_name, sizeof s->agent_name, "%s", agent.name);
    snprintf(s->agent_org, sizeof s->agent_org, "%s", agent.org);
    s->seen[AGENT] = now;
    relay_admission_put(G.audit, s->key, s->sid, s->agent_id, mode);
    char detail[32];
    snprintf(detail, sizeof detail, "reprise %s", mode);
    audit(s, "ouverture", detail);
    return send_json(c, MHD_HTTP_CREATED, json_pack("{s:i}", "expire", 0), 0);
}

/* The agent named by the Authorization header; answers 401/503 itself (returns false). */
static bool authenticate(struct request *r, struct relay_agent *agent, enum MHD_Result *ret)
{
    const char *h =
        MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_AUTHORIZATION);
    const char *token = h && strncmp(h, "Bearer ", 7) == 0 ? h + 7 : NULL;
    while (token && *token == ' ')
        token++;
    int rc = valid_hex(token) ? relay_agents_check(G.agents, token, agent) : 0;
    if (rc == 1)
        return true;
    if (rc < 0)
        *ret = send_error(r->conn, MHD_HTTP_SERVICE_UNAVAILABLE, "agents",
                          "Le fichier des agents est illisible.");
    else
        *ret = send_error(r->conn, MHD_HTTP_UNAUTHORIZED, "jeton",
                          "Jeton d'agent inconnu ou révoqué.");
    return false;
}

/* POST /v1/KEY/rejoindre. Lock held; the agent is authenticated. */
static enum MHD_Result join(struct request *r, const char *key, const struct relay_agent *agent)
{
    struct MHD_Connection *c = r->conn;
    double now = now_mono();
    struct lockent *l = lock_entry(agent->id, false);
    if (l && l->locked_until > now)
        return send_error_after(c, MHD_HTTP_TOO_MANY_REQUESTS, "verrouille",
                                "Trop de codes faux : réessayez dans une minute.",
                                (unsigned)ceil(l->locked_until - now));
    json_t *body = parse_body(r);
    const char *code = body ? json_string_value(json_object_get(body, "code")) : NULL;
    if (!json_is_object(body) || !code) {
        json_decref(body);
        return bad_json(c);
    }
    char norm[CODE_LEN + 1];
    bool valid = share_code_parse(code, norm) && strncmp(norm, key, KEY_LEN) == 0;
    json_decref(body);
    struct session *s = valid ? find_session(key) : NULL;
    if (s && s->code[0] && same_secret(s->code, norm)) {
        /* A retry by the agent already waiting (its answer was lost) is answered again. */
        bool again = s->phase == P_JOINED && strcmp(s->agent_id, agent->id) == 0;
        if (!again && (s->phase != P_WAITING || now > s->code_deadline)) {
            /* A code tried again (a second agent, or after its expiry) is in the journal
             * like a wrong one: the admin sees who tried it. */
            relay_audit(G.audit, "code-perime", agent->id, agent->name, key, "");
            return send_error(c, MHD_HTTP_GONE, "code-expire",
                              "Ce code a expiré ou a déjà servi : demandez-en un nouveau.");
        }
        if (!again) {
            s->phase = P_JOINED;
            snprintf(s->agent_id, sizeof s->agent_id, "%s", agent->id);
            snprintf(s->agent_name, sizeof s->agent_name, "%s", agent->name);
            snprintf(s->agent_org, sizeof s->agent_org, "%s", agent->org);
            s->seen[AGENT] = now;
            json_t *who = json_pack("{s:s, s:s, s:s}", "agent", agent->id, "nom", agent->name,
                                    "organisme", agent->org);
            char *payload = who ? json_dumps(who, JSON_COMPACT) : NULL;
            json_decref(who);
            if (!payload || !push_frame(s, OFFICIAL, "demande", payload, strlen(payload))) {
                free(payload);
                s->phase = P_WAITING;
                return send_error(c, MHD_HTTP_SERVICE_UNAVAILABLE, "memoire",
                                  "Le relais manque de mémoire.");
            }
            free(payload);
            relay_admission_put(G.audit, s->key, s->sid, s->agent_id, "demande");
            audit(s, "demande", "");
        }
        return send_json(c, MHD_HTTP_ACCEPTED,
                         json_pack("{s:s, s:s, s:s}", "agent", agent->id, "nom", agent->name,
                                   "organisme", agent->org),
                         0);
    }
    /* A wrong code: counted, logged, and answered late so that guessing is slow. */
    bool locked = record_wrong(agent->id, now);
    relay_audit(G.audit, "code-faux", agent->id, agent->name, valid ? key : "", "");
    if (locked)
        relay_audit(G.audit, "verrouillage", agent->id, agent->name, "", "");
    if (G.stopping)
        return send_error(c, MHD_HTTP_FORBIDDEN, "code", "Code incorrect.");
    unsigned char rnd = 0;
    if (getrandom(&rnd, 1, 0) != 1)
        rnd = 128;
    r->delayed = MHD_HTTP_FORBIDDEN;
    suspend_until(r, now + 0.050 + 0.150 * rnd / 255.0, NULL, OFFICIAL);
    return MHD_YES;
}

/* POST …/envoyer from one side. Lock held. */
static enum MHD_Result deliver(struct request *r, struct session *s, enum side from)
{
    struct MHD_Connection *c = r->conn;
    const char *type = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "type");
    enum share_sender sender = from == OFFICIAL ? SHARE_SENDER_OFFICIAL : SHARE_SENDER_AGENT;
    if (!valid_type(type) || share_type_sender(type) != sender)
        return send_error(c, MHD_HTTP_BAD_REQUEST, "type",
                          "Type de trame absent ou inconnu.");
    if (s->phase == P_ENDED)
        return ended_session(c);
    s->seen[from] = now_mono();
    bool admission = strcmp(type, "accepte") == 0 || strcmp(type, "refuse") == 0;
    if (from == OFFICIAL && s->phase == P_WAITING)
        return send_error(c, MHD_HTTP_CONFLICT, "pas-d-agent",
                          "Aucun agent n'a encore rejoint la session.");
    if (from == OFFICIAL && s->phase == P_JOINED && !admission)
        return send_error(c, MHD_HTTP_CONFLICT, "pas-admis",
                          "L'agent n'a pas encore été accepté.");
    if (from == AGENT && s->phase == P_JOINED && strcmp(type, "depart") != 0)
        return send_error(c, MHD_HTTP_FORBIDDEN, "pas-admis",
                          "L'élu n'a pas encore accepté la demande.");
    if (from == AGENT && strcmp(type, "proposition") == 0) {
        if (s->phase != P_CONTROL) {
            audit(s, "proposition-refusee", "pas de contrôle");
            return send_error(c, MHD_HTTP_FORBIDDEN, "pas-de-controle",
                              "L'élu n'a pas donné le contrôle.");
        }
        if (r->len == 0)
            return send_error(c, MHD_HTTP_BAD_REQUEST, "vide",
                              "Une proposition ne peut pas être vide.");
    }
    enum side to = from == OFFICIAL ? AGENT : OFFICIAL;
    if (s->q[to].bytes + r->len > G.cfg->queue_bytes || G.bytes + r->len > GLOBAL_BYTES)
        return send_error_after(c, MHD_HTTP_INSUFFICIENT_STORAGE, "file-pleine",
                                "Trop de données attendent d'être lues : réessayez plus tard.",
                                1);
    uint64_t seq = push_frame(s, to, type, r->body, r->len);
    if (!seq)
        return send_error(c, MHD_HTTP_SERVICE_UNAVAILABLE, "memoire",
                          "Le relais manque de mémoire.");
    /* The relay's view of the session follows the frames it carries. */
    if (strcmp(type, "accepte") == 0) {
        /* Only the first one admits: a retried accepte must not take control back. */
        if (s->phase == P_JOINED) {
            s->phase = P_VIEW;
            relay_admission_put(G.audit, s->key, s->sid, s->agent_id, "vue");
            audit(s, "accepte", "");
        }
    } else if (strcmp(type, "refuse") == 0) {
        audit(s, "refuse", "");
        end_session(s, NULL, NULL);
    } else if (strcmp(type, "controle-accorde") == 0) {
        s->phase = P_CONTROL;
        relay_admission_put(G.audit, s->key, s->sid, s->agent_id, "controle");
        audit(s, "controle-accorde", "");
    } else if (strcmp(type, "controle-retire") == 0 || strcmp(type, "controle-refuse") == 0) {
        s->phase = P_VIEW;
        relay_admission_put(G.audit, s->key, s->sid, s->agent_id, "vue");
        audit(s, type, "");
    } else if (strcmp(type, "demande-controle") == 0) {
        audit(s, "controle-demande", "");
    } else if (strcmp(type, "depart") == 0) {
        audit(s, "depart", from == AGENT ? "agent" : "officiel");
        end_session(s, NULL, NULL);
    }
    return send_json(c, MHD_HTTP_OK, json_pack("{s:I}", "seq", (json_int_t)seq), 0);
}

/* Splits "/v1/A/B/C/D" into at most 5 segments after /v1. */
static int split_path(const char *url, char seg[5][48])
{
    if (strncmp(url, "/v1/", 4) != 0)
        return -1;
    const char *p = url + 4;
    int n = 0;
    while (*p) {
        const char *e = strchr(p, '/');
        size_t len = e ? (size_t)(e - p) : strlen(p);
        if (n == 5 || len == 0 || len >= sizeof seg[0])
            return -1;
        memcpy(seg[n], p, len);
        seg[n][len] = '\0';
        n++;
        p += len;
        if (*p == '/')
            p++;
        if (*p == '\0' && e)
            return -1; /* a trailing slash */
    }
    return n;
}

static enum MHD_Result route(struct request *r, const char *url, const char *method)
{
    struct MHD_Connection *c = r->conn;
    char seg[5][48];
    int n = split_path(url, seg);
    bool get = strcmp(method, "GET") == 0, post = strcmp(method, "POST") == 0,
         del = strcmp(method, "DELETE") == 0;
    if (n == 1 && strcmp(seg[0], "sante") == 0) {
        if (!get)
            goto bad_method;
        unsigned live = 0;
        for (unsigned b = 0; b < BUCKETS; b++)
            for (struct session *s = G.buckets[b]; s; s = s->next)
                live += s->phase != P_ENDED;
        return send_json(c, MHD_HTTP_OK,
                         json_pack("{s:i, s:i}", "sessions", (int)live, "attentes",
                                   (int)G.nwaiters),
                         0);
    }
    if (n < 2 || !valid_key(seg[0], strlen(seg[0])))
        goto not_found;
    const char *key = seg[0];
    if (strcmp(seg[1], "session") == 0) {
        if (n == 2) {
            if (!post)
                goto bad_method;
            return open_session(r, key);
        }
        if (!valid_hex(seg[2]))
            goto not_found;
        struct session *s = find_session(key);
        if (!s || !same_secret(s->sid, seg[2]))
            return unknown_session(c);
        if (n == 3) {
            if (!del)
                goto bad_method;
            if (s->phase != P_ENDED) {
                /* `?raison=arret`: the official's program stopped without ending the share;
                 * the agent's `fin` carries that reason (docs/share-protocol.md §3). A session
                 * whose code ran out is logged « expire », as the official's history says. */
                const char *why = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "raison");
                bool stopped = why && strcmp(why, "arret") == 0;
                bool had_agent = s->phase != P_WAITING;
                bool expired = s->phase == P_WAITING && now_mono() > s->code_deadline;
                if (!(expired && s->code_expired))
                    audit(s, expired ? "expire" : "fin", expired ? "code" : stopped ? "arret" : "");
                end_session(s, stopped ? NULL : "fin", NULL);
                if (stopped && had_agent)
                    push_frame(s, AGENT, "fin", "arret", 5);
            }
            return send_json(c, MHD_HTTP_OK, json_object(), 0);
        }
        if (n == 4 && strcmp(seg[3], "recevoir") == 0) {
            if (!get)
                goto bad_method;
            return receive(r, s, OFFICIAL);
        }
        if (n == 4 && strcmp(seg[3], "envoyer") == 0) {
            if (!post)
                goto bad_method;
            return deliver(r, s, OFFICIAL);
        }
        goto not_found;
    }
    bool joining = n == 2 && strcmp(seg[1], "rejoindre") == 0;
    bool agent_path = n == 3 && strcmp(seg[1], "agent") == 0 &&
                      (strcmp(seg[2], "recevoir") == 0 || strcmp(seg[2], "envoyer") == 0);
    if (!joining && !agent_path)
        goto not_found;
    if ((joining || strcmp(seg[2], "envoyer") == 0) ? !post : !get)
        goto bad_method;
    if (!r->authed) /* checked on the first call, before the lock */
        return send_error(c, MHD_HTTP_UNAUTHORIZED, "jeton", "Jeton d'agent inconnu ou révoqué.");
    const struct relay_agent agent = r->agent;
    if (joining)
        return join(r, key, &agent);
    struct session *s = find_session(key);
    if (!s || s->phase == P_WAITING || strcmp(s->agent_id, agent.id) != 0)
        return unknown_session(c);
    if (strcmp(seg[2], "recevoir") == 0)
        return receive(r, s, AGENT);
    return deliver(r, s, AGENT);

not_found:
    return send_error(c, MHD_HTTP_NOT_FOUND, "chemin", "Adresse inconnue du relais.");
bad_method:
    return send_error(c, MHD_HTTP_METHOD_NOT_ALLOWED, "methode",
                      "Méthode non acceptée à cette adresse.");
}

/* ---- limits decided before any body is read ---- */

/* Counts a session open from the client's address; 0, or the seconds to wait. */
static unsigned opens_wait(struct MHD_Connection *c)
{
    unsigned max = G.cfg->opens_per_minute;
    if (!max)
        return 0;
    const union MHD_ConnectionInfo *ci =
        MHD_get_connection_info(c, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
    char ip[INET6_ADDRSTRLEN] = "?";
    if (ci && ci->client_addr) {
        const struct sockaddr *sa = ci->client_addr;
        if (sa->sa_family == AF_INET)
            inet_ntop(AF_INET, &((const struct sockaddr_in *)(const void *)sa)->sin_addr, ip,
                      sizeof ip);
        else if (sa->sa_family == AF_INET6)
            inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)(const void *)sa)->sin6_addr,
                      ip, sizeof ip);
    }
    unsigned h = 0;
    for (const char *p = ip; *p; p++)
        h = h * 31 + (unsigned char)*p;
    double now = now_mono();
    unsigned wait = 0;
    pthread_mutex_lock(&G.limits);
    struct ipent *e = G.ips[h % IP_BUCKETS];
    while (e && strcmp(e->ip, ip) != 0)
        e = e->next;
    if (!e && (e = calloc(1, sizeof *e)) != NULL) {
        snprintf(e->ip, sizeof e->ip, "%s", ip);
        e->window = now;
        e->next = G.ips[h % IP_BUCKETS];
        G.ips[h % IP_BUCKETS] = e;
    }
    if (e) {
        if (now - e->window >= 60.0) {
            e->window = now;
            e->count = 0;
        }
        if (e->count >= max)
            wait = (unsigned)ceil(e->window + 60.0 - now);
        else
            e->count++;
    }
    pthread_mutex_unlock(&G.limits);
    return wait;
}

/* Forgets the addresses whose minute is over (timer thread). */
static void forget_ips(double now)
{
    pthread_mutex_lock(&G.limits);
    for (unsigned b = 0; b < IP_BUCKETS; b++) {
        struct ipent **p = &G.ips[b];
        while (*p) {
            struct ipent *e = *p;
            if (now - e->window >= 60.0) {
                *p = e->next;
                free(e);
            } else {
                p = &e->next;
            }
        }
    }
    pthread_mutex_unlock(&G.limits);
}

/* The first call of a request, headers only: the route, the method, the agent's token,
 * the announced length and the per-address limits are settled here, so that nothing is
 * buffered for a request that will be refused (the body is read only afterwards). False
 * with *ret when it answered. No global lock: the agents file may be read. */
static bool precheck(struct request *r, const char *url, const char *method,
                     enum MHD_Result *ret)
{
    struct MHD_Connection *c = r->conn;
    char seg[5][48];
    int n = split_path(url, seg);
    bool get = strcmp(method, "GET") == 0, post = strcmp(method, "POST") == 0,
         del = strcmp(method, "DELETE") == 0;
    bool agent = false;
    if (n == 1 && strcmp(seg[0], "sante") == 0) {
        if (!get)
            goto bad_method;
    } else if (n < 2 || !valid_key(seg[0], strlen(seg[0]))) {
        goto not_found;
    } else if (strcmp(seg[1], "session") == 0) {
        if (n == 2 && !post)
            goto bad_method;
        if (n > 2 && !valid_hex(seg[2]))
            goto not_found;
        if (n == 3 && !del)
            goto bad_method;
        if (n == 4 && strcmp(seg[3], "recevoir") != 0 && strcmp(seg[3], "envoyer") != 0)
            goto not_found;
        if (n == 4 && (strcmp(seg[3], "recevoir") == 0 ? !get : !post))
            goto bad_method;
        if (n > 4)
            goto not_found;
        r->opening = n == 2;
        /* valid_key checked seg[0]'s length above; copied by length (gcc -O1 cannot see it) */
        memcpy(r->key, seg[0], sizeof r->key - 1);
        r->key[sizeof r->key - 1] = '\0';
    } else {
        bool joining = n == 2 && strcmp(seg[1], "rejoindre") == 0;
        bool agent_path = n == 3 && strcmp(seg[1], "agent") == 0 &&
                          (strcmp(seg[2], "recevoir") == 0 || strcmp(seg[2], "envoyer") == 0);
        if (!joining && !agent_path)
            goto not_found;
        if ((joining || strcmp(seg[2], "envoyer") == 0) ? !post : !get)
            goto bad_method;
        agent = true;
    }
    if (agent) {
        if (!authenticate(r, &r->agent, ret))
            return false;
        r->authed = true;
    }
    const char *cl =
        MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_LENGTH);
    if (cl && strtoull(cl, NULL, 10) > BODY_MAX) {
        r->too_big = true;
        *ret = send_error(c, MHD_HTTP_CONTENT_TOO_LARGE, "trop-gros",
                          "Le corps de la requête dépasse 1 Mio.");
        return false;
    }
    if (r->opening) {
        unsigned wait = opens_wait(c);
        if (wait) {
            *ret = send_error_after(c, MHD_HTTP_TOO_MANY_REQUESTS, "trop-d-ouvertures",
                                    "Trop de sessions ouvertes depuis cette adresse : "
                                    "réessayez dans une minute.",
                                    wait);
            return false;
        }
    }
    return true;

not_found:
    *ret = send_error(c, MHD_HTTP_NOT_FOUND, "chemin", "Adresse inconnue du relais.");
    return false;
bad_method:
    *ret = send_error(c, MHD_HTTP_METHOD_NOT_ALLOWED, "methode",
                      "Méthode non acceptée à cette adresse.");
    return false;
}

/* A reprise names an agent and a session id: both are looked up on the disk here, before
 * the global lock is taken (open_session reads the results). */
static void read_reprise(struct request *r)
{
    r->find_rc = r->rec_rc = 0;
    json_t *body = parse_body(r);
    json_t *reprise = json_is_object(body) ? json_object_get(body, "reprise") : NULL;
    const char *sid = json_is_object(body) ? json_string_value(json_object_get(body, "session"))
                                           : NULL;
    const char *id = json_string_value(json_object_get(reprise, "agent"));
    if (id && strlen(id) <= RELAY_ID_LEN) {
        r->find_rc = relay_agents_find(G.agents, id, &r->named);
        if (r->find_rc == 1 && valid_hex(sid))
            r->rec_rc = relay_admission_check(G.audit, r->key, sid, r->rec_agent, r->rec_mode);
    }
    json_decref(body);
}

static enum MHD_Result handle(void *cls, struct MHD_Connection *c, const char *url,
                              const char *method, const char *version, const char *upload,
                              size_t *upload_size, void **con_cls)
{
    (void)cls;
    (void)version;
    struct request *r = *con_cls;
    if (!r) {
        r = calloc(1, sizeof *r);
        if (!r)
            return MHD_NO;
        r->conn = c;
        *con_cls = r;
        enum MHD_Result ret = MHD_NO;
        if (!precheck(r, url, method, &ret))
            return ret;
        return MHD_YES;
    }
    if (*upload_size) {
        size_t n = *upload_size;
        *upload_size = 0;
        if (r->too_big || r->overloaded || r->len + n > BODY_MAX) {
            r->too_big = !r->overloaded;
            return MHD_YES;
        }
        /* Bodies being read are capped across all connections: many slow uploads must
         * not exhaust the relay's memory. */
        pthread_mutex_lock(&G.limits);
        bool room = G.bodies + n <= G.cfg->bodies_max;
        if (room) {
            G.bodies += n;
            r->reserved += n;
        }
        pthread_mutex_unlock(&G.limits);
        if (!room) {
            r->overloaded = true;
            return MHD_YES;
        }
        if (r->len + n > r->cap) {
            size_t cap = r->cap ? r->cap : 4096;
            while (cap < r->len + n)
                cap *= 2;
            char *b = realloc(r->body, cap);
            if (!b)
                return MHD_NO;
            r->body = b;
            r->cap = cap;
        }
        memcpy(r->body + r->len, upload, n);
        r->len += n;
        return MHD_YES;
    }
    if (r->too_big)
        return send_error(c, MHD_HTTP_CONTENT_TOO_LARGE, "trop-gros",
                          "Le corps de la requête dépasse 1 Mio.");
    if (r->overloaded)
        return send_error_after(c, MHD_HTTP_SERVICE_UNAVAILABLE, "sature",
                                "Le relais reçoit trop de données : réessayez plus tard.", 1);
    if (r->opening && !r->resumed && !r->delayed)
        read_reprise(r);
    pthread_mutex_lock(&G.lock);
    enum MHD_Result ret;
    if (r->delayed) {
        ret = send_error(c, (unsigned)r->delayed, "code", "Code incorrect.");
    } else {
        ret = route(r, url, method);
    }
    pthread_mutex_unlock(&G.lock);
    return ret;
}

static void completed(void *cls, struct MHD_Connection *c, void **con_cls,
                      enum MHD_RequestTerminationCode toe)
{
    (void)cls;
    (void)c;
    (void)toe;
    struct request *r = *con_cls;
    if (!r)
        return;
    pthread_mutex_lock(&G.lock);
    if (r->suspended)
        unlink_waiter(r);
    if (r->draining && --G.draining == 0)
        pthread_cond_broadcast(&G.wake);
    pthread_mutex_unlock(&G.lock);
    if (r->reserved) {
        pthread_mutex_lock(&G.limits);
        G.bodies -= r->reserved;
        pthread_mutex_unlock(&G.limits);
    }
    free(r->body);
    free(r);
    *con_cls = NULL;
}

/* ---- the timer thread ---- */

static void housekeeping(double now)
{
    for (unsigned b = 0; b < BUCKETS; b++) {
        struct session *s = G.buckets[b];
        while (s) {
            struct session *next = s->next;
            double idle = G.cfg->idle_seconds;
            if (s->phase == P_ENDED) {
                if (now - s->ended_at > TOMBSTONE)
                    free_session(s);
            } else if (!s->q[OFFICIAL].waiters && now - s->seen[OFFICIAL] > idle) {
                audit(s, "expire", "élu absent");
                end_session(s, "fin", NULL);
            } else if (s->phase != P_WAITING && !s->q[AGENT].waiters &&
                       now - s->seen[AGENT] > idle) {
                audit(s, "depart", "agent absent");
                end_session(s, "fin", "depart");
            } else if (s->phase == P_WAITING && !s->code_expired && now > s->code_deadline) {
                s->code_expired = true;
                audit(s, "expire", "code");
            }
            s = next;
        }
    }
    struct lockent **p = &G.locks;
    while (*p) {
        struct lockent *l = *p;
        double last = -1e9;
        for (int i = 0; i < LOCK_FAILS; i++)
            last = l->fails[i] > last ? l->fails[i] : last;
        if (l->locked_until < now && now - last > LOCK_WINDOW) {
            *p = l->next;
            free(l);
        } else {
            p = &l->next;
        }
    }
}

static void *timer_main(void *arg)
{
    (void)arg;
    pthread_mutex_lock(&G.lock);
    double next_house = now_mono() + 1.0;
    while (!G.stopping) {
        double now = now_mono();
        double next = next_house;
        struct request *r = G.waiters;
        while (r) {
            struct request *following = r->gnext;
            if (r->deadline <= now) {
                unlink_waiter(r);
                r->timed_out = true;
                r->resumed = true;
                MHD_resume_connection(r->conn);
            } else if (r->deadline < next) {
                next = r->deadline;
            }
            r = following;
        }
        if (now >= next_house) {
            housekeeping(now);
            forget_ips(now);
            next_house = now + 1.0;
            next = next < next_house ? next : next_house;
        }
        G.planned = next;
        struct timespec ts;
        double whole = floor(next);
        ts.tv_sec = (time_t)whole;
        ts.tv_nsec = (long)((next - whole) * 1e9);
        pthread_cond_timedwait(&G.wake, &G.lock, &ts);
    }
    pthread_mutex_unlock(&G.lock);
    return NULL;
}

/* ---- start and stop ---- */

static char *read_file(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    char *buf = NULL;
    size_t len = 0, cap = 0;
    for (;;) {
        if (len + 4096 + 1 > cap) {
            cap = cap ? cap * 2 : 8192;
            char *b = realloc(buf, cap);
            if (!b || cap > 1024 * 1024) {
                free(b ? b : buf);
                fclose(f);
                return NULL;
            }
            buf = b;
        }
        size_t n = fread(buf + len, 1, cap - len - 1, f);
        len += n;
        if (n == 0)
            break;
    }
    bool failed = ferror(f);
    fclose(f);
    if (failed) {
        free(buf);
        return NULL;
    }
    buf[len] = '\0';
    return buf;
}

/* "ADDRESS:PORT" or "[IPV6]:PORT". */
static int parse_listen(const char *listen, char host[256], char port[16])
{
    const char *colon = strrchr(listen, ':');
    if (!colon || colon == listen || strlen(colon + 1) == 0 || strlen(colon + 1) >= 16)
        return -1;
    size_t hl = (size_t)(colon - listen);
    const char *h = listen;
    if (h[0] == '[' && hl >= 2 && h[hl - 1] == ']') {
        h++;
        hl -= 2;
    }
    if (hl == 0 || hl >= 256)
        return -1;
    memcpy(host, h, hl);
    host[hl] = '\0';
    snprintf(port, 16, "%s", colon + 1);
    for (const char *p = port; *p; p++)
        if (*p < '0' || *p > '9')
            return -1;
    return atoi(port) <= 65535 ? 0 : -1;
}

int relay_serve(const struct relay_config *cfg)
{
    char host[256], port[16], err[512];
    if (parse_listen(cfg->listen, host, port) != 0) {
        text_fprintf(stderr, "relais : adresse d'écoute invalide « %s » (attendu "
                             "ADRESSE:PORT, par exemple 127.0.0.1:8470).\n",
                     text_sanitize(err, sizeof err, cfg->listen));
        return 2;
    }
    struct addrinfo hints = {.ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM,
                             .ai_flags = AI_PASSIVE | AI_NUMERICSERV};
    struct addrinfo *ai = NULL;
    if (getaddrinfo(host, port, &hints, &ai) != 0 || !ai) {
        text_fprintf(stderr, "relais : adresse d'écoute inconnue « %s ».\n",
                     text_sanitize(err, sizeof err, host));
        return 2;
    }
    char *cert = NULL, *key = NULL;
    if (cfg->cert) {
        if (!MHD_is_feature_supported(MHD_FEATURE_TLS)) {
            text_fprintf(stderr, "relais : cette libmicrohttpd ne sait pas faire de TLS ; "
                                 "placez le relais derrière un mandataire TLS.\n");
            freeaddrinfo(ai);
            return 1;
        }
        cert = read_file(cfg->cert);
        key = read_file(cfg->key);
        if (!cert || !key) {
            text_fprintf(stderr, "relais : impossible de lire « %s ».\n",
                         text_sanitize(err, sizeof err, !cert ? cfg->cert : cfg->key));
            free(cert);
            free(key);
            freeaddrinfo(ai);
            return 1;
        }
    }

    G.cfg = cfg;
    G.planned = 0;
    G.audit = relay_audit_open(cfg->base, err, sizeof err);
    if (!G.audit) {
        text_fprintf(stderr, "relais : %s\n", err);
        free(cert);
        free(key);
        freeaddrinfo(ai);
        return 1;
    }
    G.agents = relay_agents_open(cfg->agents);
    pthread_mutex_init(&G.lock, NULL);
    pthread_mutex_init(&G.limits, NULL);
    pthread_condattr_t ca;
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(&G.wake, &ca);
    pthread_condattr_destroy(&ca);

    /* Many long polls are many open files: take what the system allows. */
    struct rlimit rl;
    unsigned limit = 1000;
    if (getrlimit(RLIMIT_NOFILE, &rl) == 0) {
        if (rl.rlim_cur < rl.rlim_max) {
            rl.rlim_cur = rl.rlim_max;
            setrlimit(RLIMIT_NOFILE, &rl);
            getrlimit(RLIMIT_NOFILE, &rl);
        }
        if (rl.rlim_cur != RLIM_INFINITY && rl.rlim_cur > 64)
            limit = (unsigned)(rl.rlim_cur > 100000 ? 100000 : rl.rlim_cur - 32);
    }

    /* Signals go to the thread that waits for them, not to libmicrohttpd's threads. */
    sigset_t sigs;
    sigemptyset(&sigs);
    sigaddset(&sigs, SIGINT);
    sigaddset(&sigs, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &sigs, NULL);
    signal(SIGPIPE, SIG_IGN);

    /* libmicrohttpd's default SO_REUSEADDR lets a restarted relay take its port back at
     * once; SO_REUSEPORT (MHD_OPTION_LISTENING_ADDRESS_REUSE) would let a second relay
     * share the port by mistake, splitting the sessions between them. */
    unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL | MHD_ALLOW_SUSPEND_RESUME;
    if (ai->ai_family == AF_INET6)
        flags |= MHD_USE_IPv6;
    if (cert)
        flags |= MHD_USE_TLS;
    /* Connections from one address are capped (behind a proxy every client has the
     * proxy's address: the proxy's own limits apply there, see contrib/haproxy.cfg). */
    struct MHD_OptionItem tls[4] = {{MHD_OPTION_END, 0, NULL}};
    size_t nopt = 0;
    if (cfg->max_per_ip)
        tls[nopt++] = (struct MHD_OptionItem){MHD_OPTION_PER_IP_CONNECTION_LIMIT,
                                              (intptr_t)cfg->max_per_ip, NULL};
    if (cert) {
        tls[nopt++] = (struct MHD_OptionItem){MHD_OPTION_HTTPS_MEM_CERT, 0, cert};
        tls[nopt++] = (struct MHD_OptionItem){MHD_OPTION_HTTPS_MEM_KEY, 0, key};
    }
    tls[nopt] = (struct MHD_OptionItem){MHD_OPTION_END, 0, NULL};
    struct MHD_Daemon *d = MHD_start_daemon(
        flags, 0, NULL, NULL, handle, NULL, MHD_OPTION_SOCK_ADDR, ai->ai_addr,
        MHD_OPTION_NOTIFY_COMPLETED, completed, NULL, MHD_OPTION_CONNECTION_TIMEOUT,
        (unsigned)60, MHD_OPTION_CONNECTION_LIMIT, limit, MHD_OPTION_ARRAY, tls,
        MHD_OPTION_END);
    freeaddrinfo(ai);
    if (!d) {
        text_fprintf(stderr, "relais : impossible d'écouter sur « %s » (adresse déjà prise "
                             "ou non autorisée).\n",
                     text_sanitize(err, sizeof err, cfg->listen));
        relay_audit_close(G.audit);
        relay_agents_close(G.agents);
        free(cert);
        free(key);
        return 1;
    }
    const union MHD_DaemonInfo *info = MHD_get_daemon_info(d, MHD_DAEMON_INFO_BIND_PORT);
    unsigned bound = info ? info->port : (unsigned)atoi(port);
    bool v6 = strchr(host, ':') != NULL;
    printf("relais\u00a0: écoute sur %s://%s%s%s:%u\n", cert ? "https" : "http", v6 ? "[" : "",
           host, v6 ? "]" : "", bound);
    fflush(stdout);

    pthread_t timer;
    pthread_create(&timer, NULL, timer_main, NULL);
    int sig = 0;
    while (sigwait(&sigs, &sig) != 0)
        ;

    /* A suspended connection left when the daemon stops is a fatal error in
     * libmicrohttpd: resume them all first, then let nothing suspend again. */
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
    pthread_cond_broadcast(&G.wake);
    pthread_mutex_unlock(&G.lock);
    pthread_join(timer, NULL);
    /* The waits just resumed get their answer (503) before the connections close; a client
     * that stopped reading does not hold the stop more than two seconds. */
    pthread_mutex_lock(&G.lock);
    struct timespec until;
    clock_gettime(CLOCK_MONOTONIC, &until);
    until.tv_sec += 2;
    while (G.draining > 0 && pthread_cond_timedwait(&G.wake, &G.lock, &until) == 0)
        ;
    pthread_mutex_unlock(&G.lock);
    MHD_stop_daemon(d);

    for (unsigned b = 0; b < BUCKETS; b++)
        while (G.buckets[b])
            free_session(G.buckets[b]);
    while (G.locks) {
        struct lockent *l = G.locks;
        G.locks = l->next;
        free(l);
    }
    forget_ips(1e300);
    relay_audit_close(G.audit);
    relay_agents_close(G.agents);
    pthread_cond_destroy(&G.wake);
    pthread_mutex_destroy(&G.limits);
    pthread_mutex_destroy(&G.lock);
    free(cert);
    free(key);
    return 0;
}
