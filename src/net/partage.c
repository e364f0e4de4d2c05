/* difelus-partage: the network side of a shared session (docs/share-protocol.md §4), in its
 * own process so that difelus itself never links libcurl (DESIGN §3).
 *
 *   difelus-partage officiel|agent --relais URL
 *
 * Speaks frames (§2) with the wizard on file descriptor 3 and HTTP with the relay (§3), in
 * one libcurl multi loop that also polls fd 3: a long poll `recevoir` always outstanding,
 * the wizard's frames POSTed one at a time in order, each retried with backoff while the
 * relay does not answer. It never blocks on fd 3 (what goes to the wizard is buffered), and
 * never passes the relay's own words on: its error codes become French texts here.
 *
 * Besides §4, it says to the wizard (extensions of the contract, both sides):
 *   erreur-envoi  payload "<type> <code> <French text>": a frame the relay refused for good
 *                 (e.g. "proposition pas-de-controle …"); not fatal. An agent's refused
 *                 proposal is kept and sent again when control is granted.
 *   fin           (len 0) the relay says the session is over (410); the agent also gets
 *                 the relay's own `fin` frame, forwarded as is. */
#include <curl/curl.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <jansson.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "difelus/share.h"
#include "difelus/share_link.h"
#include "difelus/text.h"
#include "net/partage_msg.h"

#define WIZ_FD 3
#define POLL_TIMEOUT_MS 35000L  /* the relay holds a long poll 25 s at most */
#define OPEN_TIMEOUT_MS 15000L
#define SEND_TIMEOUT_MS 120000L /* up to 1 MiB */
#define CONNECT_TIMEOUT_MS 5000L
#define CLOSE_SECONDS 2.0 /* best effort to tell the relay we leave */
#define BACKOFF_FIRST 0.1
#define BACKOFF_MAX 5.0
#define SMALL_BODY_MAX 8192

enum req_kind { R_OPEN, R_POLL, R_SEND, R_FINAL };

struct req {
    CURL *h;
    enum req_kind kind;
    struct curl_slist *headers;
    char *body;
    size_t body_len;
    long status;
    bool got_status;
    struct share_reader frames; /* a 200 poll's body, read as it comes */
    bool has_last;
    uint64_t last_seq;
    bool bad; /* the relay's body is not what it should be */
    char small[SMALL_BODY_MAX + 1]; /* any other body (JSON) */
    size_t small_len;
    char errbuf[CURL_ERROR_SIZE];
};

struct item {
    char type[SHARE_TYPE_MAX + 1];
    unsigned char *data;
    size_t len;
    bool proposal;
    uint64_t number;
};

enum prop_state { P_QUEUED, P_SENT, P_REFUSED };

struct proposal {
    uint64_t number;
    unsigned char *data;
    size_t len;
    enum prop_state st;
    unsigned epoch; /* of the connection that took it (P_SENT) */
};

struct backoff {
    int fails;
    double next;
};

static struct {
    bool official;
    char base[1024];
    const char *ca;
    CURLM *multi;
    /* the wizard */
    struct share_reader in;
    unsigned char *out;
    size_t out_len, out_off, out_cap;
    bool wizard_gone;
    bool wizard_fin; /* the official's wizard ended the share itself (`fin`) */
    /* the relay */
    bool lost;
    unsigned epoch; /* one more at each loss of the relay */
    uint64_t after;
    struct req *open, *poll, *send, *final;
    struct backoff open_b, poll_b, send_b;
    bool ended, fin_said;
    bool closing, final_done, done;
    double close_deadline;
    int exit_code;
    /* official */
    char sid[SHARE_HEX_LEN + 1], code[SHARE_CODE_LEN + 1], announced[SHARE_CODE_LEN + 1];
    bool registered, open_reprise;
    int conflicts;
    char agent_id[72];
    bool accepted, control;
    /* agent */
    char token[600];
    char join_code[SHARE_CODE_LEN + 1];
    bool join_wanted, joined;
    /* frames for the relay, in order */
    struct item *queue;
    size_t qlen, qcap;
    /* the agent's proposals without a `resultat` yet */
    struct proposal *props;
    size_t plen, pcap;
} H;

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void *xrealloc(void *p, size_t n)
{
    void *q = realloc(p, n ? n : 1);
    if (!q) {
        /* Nothing sensible is left to do: the wizard sees the pipe close. */
        _exit(3);
    }
    return q;
}

/* ---- to the wizard ---- */

static void out_append(const void *data, size_t len)
{
    if (len == 0)
        return;
    if (H.out_len + len > H.out_cap) {
        size_t cap = H.out_cap ? H.out_cap : 65536;
        while (cap < H.out_len + len)
            cap *= 2;
        H.out = xrealloc(H.out, cap);
        H.out_cap = cap;
    }
    memcpy(H.out + H.out_len, data, len);
    H.out_len += len;
}

static void emit(const char *type, uint64_t seq, const void *data, size_t len)
{
    if (H.wizard_gone)
        return;
    char head[SHARE_HEADER_MAX];
    int hl = share_frame_header(head, type, seq, len);
    if (hl < 0)
        return;
    out_append(head, (size_t)hl);
    out_append(data, len);
}

/* A frame whose payload is a French message (typeset). */
static void emit_text(const char *type, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static void emit_text(const char *type, const char *fmt, ...)
{
    char text[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(text, sizeof text, fmt, ap);
    va_end(ap);
    text_typeset(text, sizeof text);
    emit(type, 0, text, strlen(text));
}

static void begin_close(void);

static void wizard_gone(void)
{
    H.wizard_gone = true;
    H.out_len = H.out_off = 0;
    begin_close();
}

/* Writes what fd 3 takes now; never waits. */
static void flush_out(void)
{
    while (!H.wizard_gone && H.out_off < H.out_len) {
        ssize_t n = write(WIZ_FD, H.out + H.out_off, H.out_len - H.out_off);
        if (n > 0) {
            H.out_off += (size_t)n;
            continue;
        }
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
            break;
        wizard_gone();
        return;
    }
    if (H.out_off == H.out_len) {
        H.out_off = H.out_len = 0;
    } else if (H.out_off > (1u << 20)) {
        memmove(H.out, H.out + H.out_off, H.out_len - H.out_off);
        H.out_len -= H.out_off;
        H.out_off = 0;
    }
}

/* At the end: what is left goes out, waiting a little at most. */
static void flush_out_before_exit(void)
{
    double end = now() + 1.0;
    while (!H.wizard_gone && H.out_off < H.out_len && now() < end) {
        flush_out();
        if (H.out_off < H.out_len) {
            struct timespec ts = {0, 5 * 1000 * 1000};
            nanosleep(&ts, NULL);
        }
    }
}

static void cleanup(void);

/* A fatal error: the wizard gets `erreur` with the French text, and the helper exits. */
static void fatal(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));
static void fatal(const char *fmt, ...)
{
    char text[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(text, sizeof text, fmt, ap);
    va_end(ap);
    text_typeset(text, sizeof text);
    emit("erreur", 0, text, strlen(text));
    flush_out_before_exit();
    cleanup();
    exit(1);
}

/* ---- connection state ---- */

static void lost(const char *detail)
{
    if (H.lost)
        return;
    H.lost = true;
    H.epoch++;
    emit_text("connexion", "perdue %s", detail);
}

static void requeue_proposals(enum prop_state which, bool older_only);

static void connection_ok(void)
{
    if (!H.lost)
        return;
    H.lost = false;
    emit("connexion", 0, "retablie", 8);
    /* The relay may have lost what it had not delivered yet: the proposals it took before
     * the loss go again (the official's side ignores those it already applied, and answers
     * them again); the ones taken since, by this relay, are not doubled. */
    if (!H.official)
        requeue_proposals(P_SENT, true);
}

static double jitter(void)
{
    return 0.75 + 0.5 * ((double)random() / (double)RAND_MAX);
}

static void backoff_fail(struct backoff *b)
{
    double d = BACKOFF_FIRST;
    for (int i = 1; i < b->fails + 1 && d < BACKOFF_MAX; i++)
        d *= 2;
    if (d > BACKOFF_MAX)
        d = BACKOFF_MAX;
    b->fails++;
    b->next = now() + d * jitter();
}

static void backoff_ok(struct backoff *b)
{
    b->fails = 0;
    b->next = 0;
}

/* ---- requests ---- */

static void req_free(struct req *r)
{
    if (!r)
        return;
    if (r->h) {
        curl_multi_remove_handle(H.multi, r->h);
        curl_easy_cleanup(r->h);
    }
    curl_slist_free_all(r->headers);
    free(r->body);
    share_reader_free(&r->frames);
    free(r);
}

static void req_abort(struct req **slot)
{
    req_free(*slot);
    *slot = NULL;
}

static bool relay_frame(struct req *r, const struct share_frame *f);

static size_t on_body(char *p, size_t size, size_t nmemb, void *user)
{
    struct req *r = user;
    size_t n = size * nmemb;
    if (!r->got_status) {
        curl_easy_getinfo(r->h, CURLINFO_RESPONSE_CODE, &r->status);
        r->got_status = true;
    }
    if (r->kind == R_POLL && r->status == 200) {
        /* The relay answers again: said before the frames it brings. */
        connection_ok();
        /* Frames are taken as they come: a 1 MiB snapshot in many parts never has to sit
         * whole in memory, and what arrived before a cut is not asked for again. */
        if (share_reader_feed(&r->frames, p, n) != 0) {
            r->bad = true;
            return 0;
        }
        struct share_frame f;
        int rc;
        while ((rc = share_reader_next(&r->frames, &f)) == 1) {
            if (!relay_frame(r, &f)) {
                r->bad = true;
                return 0;
            }
        }
        if (rc < 0) {
            r->bad = true;
            return 0;
        }
        return n;
    }
    size_t room = SMALL_BODY_MAX - r->small_len;
    size_t k = n < room ? n : room;
    memcpy(r->small + r->small_len, p, k);
    r->small_len += k;
    r->small[r->small_len] = '\0';
    return n;
}

/* Starts a request. body is taken (freed with the request). */
static struct req *req_start(enum req_kind kind, const char *url, const char *method,
                             char *body, size_t body_len, const char *content_type,
                             long timeout_ms)
{
    struct req *r = calloc(1, sizeof *r);
    if (!r)
        _exit(3);
    r->kind = kind;
    r->body = body;
    r->body_len = body_len;
    share_reader_init(&r->frames);
    r->h = curl_easy_init();
    if (!r->h)
        _exit(3);
    CURL *h = r->h;
    curl_easy_setopt(h, CURLOPT_URL, url);
    curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 0L);
    curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, CONNECT_TIMEOUT_MS);
    curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, timeout_ms);
    curl_easy_setopt(h, CURLOPT_USERAGENT, "difelus-partage");
    curl_easy_setopt(h, CURLOPT_SSL_VERIFYPEER, 1L);
    curl_easy_setopt(h, CURLOPT_SSL_VERIFYHOST, 2L);
    if (H.ca)
        curl_easy_setopt(h, CURLOPT_CAINFO, H.ca);
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(h, CURLOPT_WRITEDATA, r);
    curl_easy_setopt(h, CURLOPT_ERRORBUFFER, r->errbuf);
    curl_easy_setopt(h, CURLOPT_PRIVATE, r);
    /* No "100-continue" round trip before a snapshot. */
    r->headers = curl_slist_append(r->headers, "Expect:");
    if (content_type) {
        char ct[128];
        snprintf(ct, sizeof ct, "Content-Type: %s", content_type);
        r->headers = curl_slist_append(r->headers, ct);
    }
    if (!H.official && H.token[0]) {
        /* The token goes only in this header: never on a command line nor in a file. */
        char auth[sizeof H.token + 32];
        snprintf(auth, sizeof auth, "Authorization: Bearer %s", H.token);
        r->headers = curl_slist_append(r->headers, auth);
        memset(auth, 0, sizeof auth);
    }
    curl_easy_setopt(h, CURLOPT_HTTPHEADER, r->headers);
    if (strcmp(method, "POST") == 0) {
        curl_easy_setopt(h, CURLOPT_POST, 1L);
        curl_easy_setopt(h, CURLOPT_POSTFIELDS, r->body ? r->body : "");
        curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)r->body_len);
    } else if (strcmp(method, "DELETE") == 0) {
        curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, "DELETE");
    }
    curl_multi_add_handle(H.multi, h);
    return r;
}

static void key_of(const char *code, char key[SHARE_KEY_LEN + 1])
{
    share_code_key(code, key);
}

/* The relay's URL for `path` (after /v1/KEY). */
static void url_for(char *url, size_t len, const char *code, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static void url_for(char *url, size_t len, const char *code, const char *fmt, ...)
{
    char key[SHARE_KEY_LEN + 1];
    key_of(code, key);
    int n = snprintf(url, len, "%s/v1/%s", H.base, key);
    if (n < 0 || (size_t)n >= len)
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(url + n, len - (size_t)n, fmt, ap);
    va_end(ap);
}

static char *json_body(json_t *j, size_t *len)
{
    char *s = j ? json_dumps(j, JSON_COMPACT) : NULL;
    json_decref(j);
    if (!s)
        _exit(3);
    *len = strlen(s);
    return s;
}

static void start_open(void)
{
    char url[2048];
    size_t len = 0;
    char *body;
    if (H.official) {
        /* After a relay restart an agent that joined is named again, with its mode, instead
         * of a code: the agent keeps polling and finds the session back. One still waiting
         * for the official's answer ("demande") is named too, with the code only so that
         * the relay recognises it: registering with the code would make it valid again
         * for anyone (review 11). */
        H.open_reprise = H.agent_id[0] != '\0';
        if (H.open_reprise && H.accepted)
            body = json_body(json_pack("{s:s, s:{s:s, s:s}}", "session", H.sid, "reprise",
                                       "agent", H.agent_id, "mode",
                                       H.control ? "controle" : "vue"), &len);
        else if (H.open_reprise)
            body = json_body(json_pack("{s:s, s:s, s:{s:s, s:s}}", "session", H.sid, "code",
                                       H.code, "reprise", "agent", H.agent_id, "mode",
                                       "demande"), &len);
        else
            body = json_body(json_pack("{s:s, s:s}", "session", H.sid, "code", H.code), &len);
        url_for(url, sizeof url, H.code, "/session");
    } else {
        body = json_body(json_pack("{s:s}", "code", H.join_code), &len);
        url_for(url, sizeof url, H.join_code, "/rejoindre");
    }
    H.open = req_start(R_OPEN, url, "POST", body, len, "application/json", OPEN_TIMEOUT_MS);
}

static void start_poll(void)
{
    char url[2048];
    if (H.official)
        url_for(url, sizeof url, H.code, "/session/%s/recevoir?apres=%" PRIu64, H.sid,
                H.after);
    else
        url_for(url, sizeof url, H.join_code, "/agent/recevoir?apres=%" PRIu64, H.after);
    H.poll = req_start(R_POLL, url, "GET", NULL, 0, NULL, POLL_TIMEOUT_MS);
}

static void start_send(void)
{
    struct item *it = &H.queue[0];
    char url[2048];
    if (H.official)
        url_for(url, sizeof url, H.code, "/session/%s/envoyer?type=%s", H.sid, it->type);
    else
        url_for(url, sizeof url, H.join_code, "/agent/envoyer?type=%s", it->type);
    char *copy = xrealloc(NULL, it->len);
    if (it->len)
        memcpy(copy, it->data, it->len);
    H.send = req_start(R_SEND, url, "POST", copy, it->len, "application/octet-stream",
                       SEND_TIMEOUT_MS);
}

static void start_final(void)
{
    char url[2048];
    double left = H.close_deadline - now();
    long ms = left > 0.05 ? (long)(left * 1000) : 50;
    if (H.official) {
        /* fd 3 closed without `fin`: the official's program stopped; the agent is told so
         * rather than « the official ended the share » (docs/share-protocol.md §3). */
        bool stopped = H.wizard_gone && !H.wizard_fin;
        url_for(url, sizeof url, H.code, stopped ? "/session/%s?raison=arret" : "/session/%s",
                H.sid);
        H.final = req_start(R_FINAL, url, "DELETE", NULL, 0, NULL, ms);
    } else {
        url_for(url, sizeof url, H.join_code, "/agent/envoyer?type=depart");
        H.final = req_start(R_FINAL, url, "POST", NULL, 0, "application/octet-stream", ms);
    }
    curl_easy_setopt(H.final->h, CURLOPT_CONNECTTIMEOUT_MS, ms);
}

/* ---- the queue of frames for the relay ---- */

static void queue_push(const char *type, const void *data, size_t len, bool proposal,
                       uint64_t number)
{
    if (H.qlen == H.qcap) {
        H.qcap = H.qcap ? H.qcap * 2 : 16;
        H.queue = xrealloc(H.queue, H.qcap * sizeof *H.queue);
    }
    struct item *it = &H.queue[H.qlen++];
    memset(it, 0, sizeof *it);
    snprintf(it->type, sizeof it->type, "%s", type);
    it->data = xrealloc(NULL, len);
    if (len)
        memcpy(it->data, data, len);
    it->len = len;
    it->proposal = proposal;
    it->number = number;
}

static void queue_pop(void)
{
    if (H.qlen == 0)
        return;
    free(H.queue[0].data);
    memmove(H.queue, H.queue + 1, (H.qlen - 1) * sizeof *H.queue);
    H.qlen--;
}

static struct proposal *proposal_find(uint64_t number)
{
    for (size_t i = 0; i < H.plen; i++)
        if (H.props[i].number == number)
            return &H.props[i];
    return NULL;
}

static void proposal_drop(uint64_t number)
{
    struct proposal *p = proposal_find(number);
    if (!p)
        return;
    free(p->data);
    size_t i = (size_t)(p - H.props);
    memmove(H.props + i, H.props + i + 1, (H.plen - i - 1) * sizeof *H.props);
    H.plen--;
}

static void requeue_proposals(enum prop_state which, bool older_only)
{
    for (size_t i = 0; i < H.plen; i++) {
        struct proposal *p = &H.props[i];
        if (p->st != which || (older_only && p->epoch == H.epoch))
            continue;
        p->st = P_QUEUED;
        queue_push("proposition", p->data, p->len, true, p->number);
    }
}

/* ---- the relay's answers ---- */

/* The relay's error code from its JSON body ("" when there is none). */
static void relay_code(const struct req *r, char *code, size_t len)
{
    partage_relay_code(r->small, r->small_len, code, len);
}

/* What went wrong, in French, when the relay did not answer usefully; false when it did
 * (an HTTP status below 500). */
static bool network_trouble(const struct req *r, CURLcode rc, bool bad, char *detail,
                            size_t len)
{
    long status = r->status;
    if (rc == CURLE_OK && bad) {
        snprintf(detail, len, "le relais a répondu des données illisibles");
        return true;
    }
    switch (rc) {
    case CURLE_OK:
        if (status >= 500) {
            char code[64];
            relay_code(r, code, sizeof code);
            if (strcmp(code, "complet") == 0)
                snprintf(detail, len, "le relais est complet (trop de sessions ouvertes)");
            else if (strcmp(code, "arret") == 0)
                snprintf(detail, len, "le relais s'arrête");
            else if (strcmp(code, "agents") == 0)
                snprintf(detail, len, "le relais ne peut pas lire son fichier des agents");
            else
                snprintf(detail, len, "le relais répond «\u00a0erreur HTTP %ld\u00a0»", status);
            return true;
        }
        if (status < 100) {
            snprintf(detail, len, "le relais n'a rien répondu");
            return true;
        }
        return false;
    case CURLE_WRITE_ERROR:
        snprintf(detail, len, "le relais a répondu des données illisibles");
        return true;
    case CURLE_COULDNT_CONNECT:
        snprintf(detail, len, "le relais refuse la connexion ou ne répond pas");
        return true;
    case CURLE_COULDNT_RESOLVE_HOST:
        snprintf(detail, len, "nom du relais inconnu");
        return true;
    case CURLE_COULDNT_RESOLVE_PROXY:
        snprintf(detail, len, "nom du proxy inconnu");
        return true;
    case CURLE_OPERATION_TIMEDOUT:
        snprintf(detail, len, "le relais ne répond plus (délai dépassé)");
        return true;
    case CURLE_GOT_NOTHING:
    case CURLE_RECV_ERROR:
    case CURLE_PARTIAL_FILE:
        snprintf(detail, len, "la connexion au relais a été coupée");
        return true;
    case CURLE_SEND_ERROR:
        snprintf(detail, len, "l'envoi au relais a été interrompu");
        return true;
    case CURLE_SSL_CONNECT_ERROR:
        snprintf(detail, len, "la connexion chiffrée au relais a échoué");
        return true;
    case CURLE_PEER_FAILED_VERIFICATION:
        snprintf(detail, len, "le certificat du relais n'est pas valide");
        return true;
    case CURLE_SSL_CACERT_BADFILE:
        snprintf(detail, len, "certificat de confiance du relais illisible (DIFELUS_RELAIS_CA)");
        return true;
    default:
        snprintf(detail, len, "erreur réseau");
        return true;
    }
}

static void ended(void)
{
    if (H.ended)
        return;
    H.ended = true;
    if (!H.fin_said)
        emit("fin", 0, "", 0);
    H.fin_said = true;
}

static void session_unknown(void)
{
    /* The relay restarted and forgot the session: register it again (with the admitted
     * agent), then ask the wizard for a snapshot, which the agent may need. */
    lost("le relais a redémarré");
    H.registered = false;
    req_abort(&H.poll);
    req_abort(&H.send);
    backoff_ok(&H.open_b);
}

static void bad_token(void)
{
    fatal("Le relais n'accepte plus votre jeton d'agent (inconnu ou révoqué). Demandez-en un "
          "nouveau à l'administrateur du relais.");
}

static void on_open_done(struct req *r, CURLcode rc)
{
    char detail[256], code[64];
    if (network_trouble(r, rc, false, detail, sizeof detail)) {
        lost(detail);
        backoff_fail(&H.open_b);
        return;
    }
    relay_code(r, code, sizeof code);
    long st = r->status;
    if (H.official) {
        if (st == 200 || st == 201) {
            H.registered = true;
            H.conflicts = 0;
            backoff_ok(&H.open_b);
            backoff_ok(&H.poll_b);
            backoff_ok(&H.send_b);
            connection_ok();
            if (H.open_reprise && H.accepted) {
                emit("besoin-instantane", 0, "", 0);
            } else if (H.open_reprise) {
                /* A pending request: nothing to show the agent before the answer. */
            } else if (strcmp(H.code, H.announced) != 0) {
                json_int_t expire = (json_int_t)partage_open_expire(r->small, r->small_len);
                size_t len;
                char *body = json_body(json_pack("{s:s, s:I}", "code", H.code, "expire",
                                                 expire), &len);
                emit("ouvert", 0, body, len);
                free(body);
                snprintf(H.announced, sizeof H.announced, "%s", H.code);
            }
            return;
        }
        /* No « retablie » here: for the official it means the session is registered again
         * (an agent can reach it), and a refused registration is not — a refused reprise
         * said « retablie » just before its fatal error, and an agent joining at that
         * moment was told the code did not exist. */
        if (st == 409 && !H.open_reprise && ++H.conflicts < 50) {
            /* Another session holds this rendezvous key: another code. */
            if (share_code_new(H.code) != 0)
                fatal("Impossible de tirer un code de session (générateur aléatoire "
                      "indisponible).");
            backoff_ok(&H.open_b);
            return;
        }
        if (st == 403 && H.open_reprise)
            fatal("La session partagée n'a pas pu être reprise après le redémarrage du relais "
                  "(l'agent n'y est plus reconnu). Ouvrez-en une nouvelle.");
        if (st == 409)
            fatal("La session partagée n'a pas pu être reprise après le redémarrage du relais "
                  "(son code est pris par une autre session). Ouvrez-en une nouvelle.");
        fatal("Le relais a refusé d'ouvrir la session partagée (erreur HTTP %ld). Vérifiez "
              "l'adresse du relais (DIFELUS_RELAIS).", st);
    }
    /* agent */
    connection_ok();
    backoff_ok(&H.open_b);
    if (st == 200 || st == 201 || st == 202) {
        char vals[3][PARTAGE_FIELD_MAX];
        partage_join_answer(r->small, r->small_len, vals);
        size_t len;
        char *body = json_body(json_pack("{s:s, s:s, s:s}", "agent", vals[0], "nom", vals[1],
                                         "organisme", vals[2]), &len);
        H.joined = true;
        H.join_wanted = false;
        emit("attente", 0, body, len);
        free(body);
        return;
    }
    H.join_wanted = false;
    if (st == 401) {
        emit_text("code-refuse", "jeton Le relais ne connaît pas votre jeton d'agent (inconnu "
                                 "ou révoqué). Demandez-en un nouveau à l'administrateur du "
                                 "relais.");
    } else if (st == 410) {
        emit_text("code-refuse", "code-expire Ce code a expiré ou a déjà servi : demandez un "
                                 "nouveau code à l'élu.");
    } else if (st == 429) {
        curl_off_t wait = 0;
        curl_easy_getinfo(r->h, CURLINFO_RETRY_AFTER, &wait);
        if (wait <= 0 || wait > 3600)
            wait = 60;
        emit_text("code-refuse", "verrouille Trop de codes erronés : réessayez dans %ld\u00a0s.",
                  (long)wait);
    } else if (st == 403 || strcmp(code, "code") == 0) {
        emit_text("code-refuse", "code Ce code ne correspond à aucune session : vérifiez-le "
                                 "auprès de l'élu.");
    } else {
        emit_text("code-refuse", "code Le relais a refusé ce code (erreur HTTP %ld).", st);
    }
}

static void on_poll_done(struct req *r, CURLcode rc)
{
    char detail[256];
    if (rc == CURLE_OK && r->status == 200 && r->frames.len > r->frames.taken)
        r->bad = true; /* cut in the middle of a frame */
    if (network_trouble(r, rc, r->bad, detail, sizeof detail)) {
        lost(detail);
        backoff_fail(&H.poll_b);
        return;
    }
    long st = r->status;
    if (st == 200 || st == 204) {
        connection_ok();
        backoff_ok(&H.poll_b);
        return;
    }
    if (st == 404) {
        if (H.official) {
            session_unknown();
        } else {
            /* The official's side re-registers the session after a relay restart. */
            lost("le relais a redémarré");
            backoff_fail(&H.poll_b);
        }
        return;
    }
    if (st == 410) {
        connection_ok();
        ended();
        return;
    }
    if (st == 401 && !H.official)
        bad_token();
    snprintf(detail, sizeof detail, "le relais répond «\u00a0erreur HTTP %ld\u00a0»", st);
    lost(detail);
    backoff_fail(&H.poll_b);
}

static void on_send_done(struct req *r, CURLcode rc)
{
    char detail[256], code[64];
    if (rc == CURLE_OK && r->status == 507) {
        /* The other side has not read what waits for it yet (file-pleine): not a lost
         * connection, just later — after the relay's Retry-After at least. */
        curl_off_t wait = 0;
        curl_easy_getinfo(r->h, CURLINFO_RETRY_AFTER, &wait);
        backoff_fail(&H.send_b);
        if (wait > 0 && wait <= 60 && H.send_b.next < now() + (double)wait)
            H.send_b.next = now() + (double)wait;
        return;
    }
    if (network_trouble(r, rc, false, detail, sizeof detail)) {
        lost(detail);
        backoff_fail(&H.send_b);
        return;
    }
    long st = r->status;
    if (H.qlen == 0)
        return;
    /* The head of the queue, copied: connection_ok may add to the queue (and move it). */
    struct item it = H.queue[0];
    if (st == 404) {
        if (H.official) {
            session_unknown();
        } else {
            lost("le relais a redémarré");
            backoff_fail(&H.send_b);
        }
        return;
    }
    connection_ok();
    backoff_ok(&H.send_b);
    if (st == 401 && !H.official)
        bad_token();
    if (st == 410) {
        ended();
        return;
    }
    relay_code(r, code, sizeof code);
    if (st >= 200 && st < 300) {
        if (it.proposal) {
            struct proposal *p = proposal_find(it.number);
            if (p) {
                p->st = P_SENT;
                p->epoch = H.epoch;
            }
        }
    } else if (st == 403 && strcmp(code, "pas-de-controle") == 0 && it.proposal) {
        struct proposal *p = proposal_find(it.number);
        if (p)
            p->st = P_REFUSED;
        emit_text("erreur-envoi", "proposition pas-de-controle L'élu ne vous a pas donné le "
                                  "contrôle : la modification sera proposée s'il vous "
                                  "l'accorde.");
    } else if (st == 413) {
        emit_text("erreur-envoi", "%s trop-grand Message trop volumineux pour le relais.",
                  it.type);
    } else if (strcmp(code, "pas-d-agent") == 0) {
        emit_text("erreur-envoi", "%s pas-d-agent Aucun agent n'a rejoint la session : message "
                                  "non transmis.", it.type);
    } else if (strcmp(code, "pas-admis") == 0) {
        if (it.proposal)
            proposal_drop(it.number);
        emit_text("erreur-envoi", "%s pas-admis %s", it.type,
                  H.official ? "L'agent n'est pas encore admis : message non transmis."
                             : "L'élu ne vous a pas encore admis : message non transmis.");
    } else {
        if (it.proposal)
            proposal_drop(it.number);
        emit_text("erreur-envoi", "%s refuse Le relais a refusé ce message (erreur HTTP %ld).",
                  it.type, st);
    }
    queue_pop();
}

static void on_done(CURL *h, CURLcode rc)
{
    struct req *r = NULL;
    curl_easy_getinfo(h, CURLINFO_PRIVATE, (char **)&r);
    if (!r)
        return;
    if (!r->got_status)
        curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &r->status);
    if (r == H.open)
        H.open = NULL;
    else if (r == H.poll)
        H.poll = NULL;
    else if (r == H.send)
        H.send = NULL;
    else if (r == H.final)
        H.final = NULL;
    switch (r->kind) {
    case R_OPEN:
        on_open_done(r, rc);
        break;
    case R_POLL:
        on_poll_done(r, rc);
        break;
    case R_SEND:
        on_send_done(r, rc);
        break;
    case R_FINAL:
        H.final_done = true;
        break;
    }
    req_free(r);
}

/* A frame the relay delivered: checked, noted, passed on as is. False on nonsense. Called
 * from inside libcurl's callback: it must not touch any transfer. */
static bool relay_frame(struct req *r, const struct share_frame *f)
{
    if (r->has_last && f->seq <= r->last_seq)
        return false;
    r->has_last = true;
    r->last_seq = f->seq;
    H.after = f->seq;
    if (H.official) {
        if (strcmp(f->type, "demande") == 0) {
            char id[sizeof H.agent_id];
            if (partage_demande_agent(f->data, f->len, id, sizeof id))
                snprintf(H.agent_id, sizeof H.agent_id, "%s", id);
        } else if (strcmp(f->type, "depart") == 0) {
            H.accepted = H.control = false;
            H.agent_id[0] = '\0';
        }
    } else {
        unsigned long long number;
        if (strcmp(f->type, "resultat") == 0 && share_result_number(f->data, f->len, &number))
            proposal_drop(number);
        else if (strcmp(f->type, "controle-accorde") == 0)
            requeue_proposals(P_REFUSED, false);
        else if (strcmp(f->type, "fin") == 0) {
            H.fin_said = true;
            H.ended = true;
        } else if (strcmp(f->type, "refuse") == 0) {
            H.fin_said = true; /* the refusal says the end: no « fin » over it */
        }
    }
    emit(f->type, f->seq, f->data, f->len);
    return true;
}

/* ---- from the wizard ---- */

static void wizard_frame(const struct share_frame *f)
{
    if (H.official) {
        if (strcmp(f->type, "fin") == 0) {
            H.wizard_fin = true;
            begin_close();
            return;
        }
        if (share_type_sender(f->type) != SHARE_SENDER_OFFICIAL) {
            emit_text("erreur-envoi", "%s type-inconnu Type de message inconnu du programme de "
                                      "partage.", f->type);
            return;
        }
        /* The mode a re-registration must give back. */
        if (strcmp(f->type, "accepte") == 0) {
            H.accepted = true;
            H.control = false;
        } else if (strcmp(f->type, "refuse") == 0) {
            H.accepted = H.control = false;
            H.agent_id[0] = '\0';
        } else if (strcmp(f->type, "controle-accorde") == 0) {
            H.control = true;
        } else if (strcmp(f->type, "controle-retire") == 0 ||
                   strcmp(f->type, "controle-refuse") == 0) {
            H.control = false;
        }
        queue_push(f->type, f->data, f->len, false, 0);
        return;
    }
    if (strcmp(f->type, "jeton") == 0) {
        if (!partage_token_ok(f->data, f->len, sizeof H.token)) {
            emit_text("code-refuse", "jeton Le jeton d'agent est mal formé.");
            return;
        }
        memcpy(H.token, f->data, f->len);
        H.token[f->len] = '\0';
        return;
    }
    if (strcmp(f->type, "rejoindre") == 0) {
        char code[SHARE_CODE_LEN + 1];
        if (!partage_join_code(f->data, f->len, code)) {
            emit_text("code-refuse", "code Ce code n'est pas valable : il a 8 caractères, "
                                     "lettres et chiffres.");
            return;
        }
        if (!H.token[0]) {
            emit_text("code-refuse", "jeton Aucun jeton d'agent n'a été donné.");
            return;
        }
        if (H.joined) {
            emit_text("erreur-envoi", "rejoindre deja La session est déjà rejointe.");
            return;
        }
        snprintf(H.join_code, sizeof H.join_code, "%s", code);
        H.join_wanted = true;
        req_abort(&H.open);
        backoff_ok(&H.open_b);
        return;
    }
    if (strcmp(f->type, "depart") == 0) {
        begin_close();
        return;
    }
    if (share_type_sender(f->type) != SHARE_SENDER_AGENT) {
        emit_text("erreur-envoi", "%s type-inconnu Type de message inconnu du programme de "
                                  "partage.", f->type);
        return;
    }
    if (strcmp(f->type, "proposition") == 0) {
        unsigned long long number;
        const void *cs;
        size_t clen;
        if (!share_proposal_split(f->data, f->len, &number, &cs, &clen)) {
            emit_text("erreur-envoi", "proposition format La proposition est mal formée.");
            return;
        }
        /* Kept until its `resultat`, to be sent again after a reconnection. */
        proposal_drop(number);
        if (H.plen == H.pcap) {
            H.pcap = H.pcap ? H.pcap * 2 : 16;
            H.props = xrealloc(H.props, H.pcap * sizeof *H.props);
        }
        struct proposal *p = &H.props[H.plen++];
        p->number = number;
        p->data = xrealloc(NULL, f->len);
        memcpy(p->data, f->data, f->len);
        p->len = f->len;
        p->st = P_QUEUED;
        queue_push("proposition", f->data, f->len, true, number);
        return;
    }
    queue_push(f->type, f->data, f->len, false, 0);
}

static void read_wizard(void)
{
    while (!H.wizard_gone) {
        unsigned char buf[65536];
        ssize_t n = read(WIZ_FD, buf, sizeof buf);
        if (n > 0) {
            if (share_reader_feed(&H.in, buf, (size_t)n) != 0)
                _exit(3);
            struct share_frame f;
            int rc;
            while ((rc = share_reader_next(&H.in, &f)) == 1)
                wizard_frame(&f);
            if (rc < 0) {
                /* Not the wizard speaking: stop as if it had left. */
                wizard_gone();
                return;
            }
            continue;
        }
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
            return;
        wizard_gone();
        return;
    }
}

/* ---- the loop ---- */

static void begin_close(void)
{
    if (H.closing)
        return;
    H.closing = true;
    H.close_deadline = now() + CLOSE_SECONDS;
    req_abort(&H.poll);
}

static void schedule(void)
{
    double t = now();
    bool ready = H.official ? H.registered : H.joined;
    if (H.closing) {
        req_abort(&H.open);
        if (!ready || H.ended || H.final_done || t >= H.close_deadline) {
            H.done = true;
            return;
        }
        if (H.final)
            return;
        /* What the wizard sent before leaving goes first, as long as there is time. */
        if ((H.qlen == 0 && !H.send) || t >= H.close_deadline - 1.0) {
            req_abort(&H.send);
            start_final();
            return;
        }
    }
    if (!ready) {
        bool wanted = H.official || H.join_wanted;
        if (wanted && !H.open && !H.closing && t >= H.open_b.next)
            start_open();
        return;
    }
    if (H.ended)
        return;
    if (!H.poll && !H.closing && t >= H.poll_b.next)
        start_poll();
    if (!H.send && H.qlen > 0 && t >= H.send_b.next)
        start_send();
}

/* How long the loop may sleep: until the next retry or deadline, 1 s at most. */
static int next_wake_ms(void)
{
    double t = now(), wake = t + 1.0;
    const struct backoff *bs[] = {&H.open_b, &H.poll_b, &H.send_b};
    for (size_t i = 0; i < 3; i++)
        if (bs[i]->next > t && bs[i]->next < wake)
            wake = bs[i]->next;
    if (H.closing) {
        if (H.close_deadline - 1.0 > t && H.close_deadline - 1.0 < wake)
            wake = H.close_deadline - 1.0;
        if (H.close_deadline < wake)
            wake = H.close_deadline;
    }
    double ms = (wake - t) * 1000.0 + 1.0;
    return ms < 0 ? 0 : (int)ms;
}

static void cleanup(void)
{
    req_abort(&H.open);
    req_abort(&H.poll);
    req_abort(&H.send);
    req_abort(&H.final);
    if (H.multi)
        curl_multi_cleanup(H.multi);
    H.multi = NULL;
    while (H.qlen)
        queue_pop();
    free(H.queue);
    for (size_t i = 0; i < H.plen; i++)
        free(H.props[i].data);
    free(H.props);
    free(H.out);
    share_reader_free(&H.in);
    memset(H.token, 0, sizeof H.token);
    curl_global_cleanup();
}

static void usage(void)
{
    fprintf(stderr, "Utilisation\u00a0: difelus-partage officiel|agent --relais URL\n"
                    "(lancé par difelus, qui lui parle sur le descripteur 3)\n");
    exit(2);
}

/* An http(s) address without spaces nor control characters; trailing slashes dropped. */
static bool relay_url_ok(const char *url)
{
    if (strncmp(url, "http://", 7) != 0 && strncmp(url, "https://", 8) != 0)
        return false;
    size_t len = strlen(url);
    if (len >= sizeof H.base - 200 || len <= 8)
        return false;
    for (const char *p = url; *p; p++)
        if ((unsigned char)*p <= 0x20 || (unsigned char)*p >= 0x7f || *p == '?' || *p == '#')
            return false;
    return true;
}

int main(int argc, char **argv)
{
    if (argc < 2 || (strcmp(argv[1], "officiel") != 0 && strcmp(argv[1], "agent") != 0))
        usage();
    const char *url = NULL;
    for (int i = 2; i < argc; i++) {
        if (strcmp(argv[i], "--relais") == 0 && i + 1 < argc)
            url = argv[++i];
        else
            usage();
    }
    if (fcntl(WIZ_FD, F_GETFD) < 0) {
        fprintf(stderr, "difelus-partage est lancé par difelus (descripteur 3 absent).\n");
        return 2;
    }
    signal(SIGPIPE, SIG_IGN);
    /* The terminal's hang-up (the wizard killed, the window closed) must not kill the helper
     * before it ends the session: it ends when fd 3 closes, telling the relay why. */
    signal(SIGHUP, SIG_IGN);
    fcntl(WIZ_FD, F_SETFL, fcntl(WIZ_FD, F_GETFL) | O_NONBLOCK);
    H.official = strcmp(argv[1], "officiel") == 0;
    share_reader_init(&H.in);
    srandom((unsigned)(getpid() ^ (unsigned)time(NULL)));
    if (!url)
        url = share_relay_url();
    if (!relay_url_ok(url)) {
        char shown[256];
        text_clip(shown, sizeof shown, url, 60);
        fatal("L'adresse du relais «\u00a0%s\u00a0» n'est pas valable\u00a0: elle doit commencer "
              "par http:// ou https:// (variable DIFELUS_RELAIS).", shown);
    }
    snprintf(H.base, sizeof H.base, "%s", url);
    for (size_t n = strlen(H.base); n > 0 && H.base[n - 1] == '/'; n--)
        H.base[n - 1] = '\0';
    const char *ca = getenv("DIFELUS_RELAIS_CA");
    H.ca = ca && *ca ? ca : NULL;
    if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK || !(H.multi = curl_multi_init()))
        fatal("Impossible de préparer la connexion au relais (bibliothèque réseau).");
    if (H.official && (share_random_hex(H.sid) != 0 || share_code_new(H.code) != 0))
        fatal("Impossible de tirer un code de session (générateur aléatoire indisponible).");

    while (!H.done) {
        struct curl_waitfd wfd = {.fd = WIZ_FD, .events = CURL_WAIT_POLLIN};
        if (H.out_off < H.out_len)
            wfd.events |= CURL_WAIT_POLLOUT;
        curl_multi_poll(H.multi, H.wizard_gone ? NULL : &wfd, H.wizard_gone ? 0 : 1,
                        next_wake_ms(), NULL);
        read_wizard();
        int running = 0;
        curl_multi_perform(H.multi, &running);
        CURLMsg *m;
        int left;
        while ((m = curl_multi_info_read(H.multi, &left)))
            if (m->msg == CURLMSG_DONE)
                on_done(m->easy_handle, m->data.result);
        schedule();
        flush_out();
    }
    flush_out_before_exit();
    cleanup();
    return H.exit_code;
}
