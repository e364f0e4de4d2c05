/* The relay's SQLite files: the agents (who may join a session; only the SHA-256 of their
 * token is kept) and the audit log (who did what, on which rendezvous key; never a code nor
 * a session id). Prepared statements only. */
#include "relay/relay.h"

#include <errno.h>
#include <openssl/evp.h>
#include <pthread.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>

static const char schema[] =
    "CREATE TABLE IF NOT EXISTS relay_agent ("
    " id TEXT PRIMARY KEY,"
    " token_sha256 TEXT NOT NULL UNIQUE,"
    " name TEXT NOT NULL,"
    " org TEXT NOT NULL,"
    " created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ','now')),"
    " revoked_at TEXT NOT NULL DEFAULT '');"
    "CREATE TABLE IF NOT EXISTS relay_log ("
    " id INTEGER PRIMARY KEY,"
    " at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ','now')),"
    " event TEXT NOT NULL,"
    " agent_id TEXT NOT NULL DEFAULT '',"
    " agent_name TEXT NOT NULL DEFAULT '',"
    " session_key TEXT NOT NULL DEFAULT '',"
    " detail TEXT NOT NULL DEFAULT '');"
    /* Who an official admitted, so that after a restart only the holder of the session id
     * can bring the session back (a reprise): the SID itself is never stored. */
    "CREATE TABLE IF NOT EXISTS relay_admission ("
    " session_key TEXT PRIMARY KEY,"
    " sid_sha256 TEXT NOT NULL,"
    " agent_id TEXT NOT NULL,"
    " mode TEXT NOT NULL,"
    " at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ','now')));";

int relay_random_hex(char *out, size_t hexdigits)
{
    unsigned char bytes[64];
    size_t n = (hexdigits + 1) / 2, got = 0;
    if (n > sizeof bytes)
        return -1;
    while (got < n) {
        ssize_t r = getrandom(bytes + got, n - got, 0);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            return -1;
        got += (size_t)r;
    }
    for (size_t i = 0; i < hexdigits; i++)
        out[i] = "0123456789abcdef"[(bytes[i / 2] >> (i % 2 ? 0 : 4)) & 15];
    out[hexdigits] = '\0';
    return 0;
}

void relay_sha256_hex(const char *s, char out[65])
{
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int len = 0;
    if (!EVP_Digest(s, strlen(s), md, &len, EVP_sha256(), NULL) || len != 32) {
        /* Never equal to a stored hash: a token that cannot be hashed is unknown. */
        memset(out, 'x', 64);
        out[64] = '\0';
        return;
    }
    for (unsigned i = 0; i < 32; i++)
        snprintf(out + 2 * i, 3, "%02x", md[i]);
}

static void copy_col(char *dst, size_t len, sqlite3_stmt *st, int col)
{
    const unsigned char *t = sqlite3_column_text(st, col);
    snprintf(dst, len, "%s", t ? (const char *)t : "");
}

sqlite3 *relay_db_open(const char *path, bool write, char *err, size_t errlen)
{
    sqlite3 *db = NULL;
    /* Reading only: an administrator reading the log of a relay that runs as another user
     * must not create files (-wal, -shm) that the relay then could not open. */
    int flags = write ? SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE : SQLITE_OPEN_READONLY;
    if (sqlite3_open_v2(path, &db, flags, NULL) != SQLITE_OK) {
        snprintf(err, errlen, "impossible d'ouvrir la base « %s ».", path);
        sqlite3_close(db);
        return NULL;
    }
    sqlite3_busy_timeout(db, 2000);
    if (!write)
        return db;
    if (sqlite3_exec(db, schema, NULL, NULL, NULL) != SQLITE_OK) {
        snprintf(err, errlen, "la base « %s » est illisible ou n'est pas une base du relais.",
                 path);
        sqlite3_close(db);
        return NULL;
    }
    return db;
}

/* ---- agents ---- */

int relay_db_agent_add(sqlite3 *db, const char *name, const char *org,
                       char id[RELAY_ID_LEN + 1], char token[RELAY_HEX_LEN + 1], char *err,
                       size_t errlen)
{
    char hash[65];
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(db,
                           "INSERT INTO relay_agent (id, token_sha256, name, org) "
                           "VALUES (?, ?, ?, ?)",
                           -1, &st, NULL) != SQLITE_OK) {
        snprintf(err, errlen, "la base des agents est illisible.");
        return -1;
    }
    int rc = SQLITE_CONSTRAINT;
    /* A collision of ids (32 bits) is unlikely but possible: draw again. */
    for (int tries = 0; tries < 8 && rc == SQLITE_CONSTRAINT; tries++) {
        if (relay_random_hex(id, RELAY_ID_LEN) != 0 ||
            relay_random_hex(token, RELAY_HEX_LEN) != 0) {
            sqlite3_finalize(st);
            snprintf(err, errlen, "le système n'a pas fourni de nombres aléatoires.");
            return -1;
        }
        relay_sha256_hex(token, hash);
        sqlite3_reset(st);
        sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 2, hash, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 3, name, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 4, org, -1, SQLITE_STATIC);
        rc = sqlite3_step(st);
    }
    sqlite3_finalize(st);
    if (rc != SQLITE_DONE) {
        snprintf(err, errlen, "l'agent n'a pas pu être enregistré (base verrouillée ou "
                              "disque plein ?).");
        return -1;
    }
    return 0;
}

static void read_agent(sqlite3_stmt *st, struct relay_agent *a)
{
    copy_col(a->id, sizeof a->id, st, 0);
    copy_col(a->name, sizeof a->name, st, 1);
    copy_col(a->org, sizeof a->org, st, 2);
    copy_col(a->created, sizeof a->created, st, 3);
    const unsigned char *rev = sqlite3_column_text(st, 4);
    a->revoked = rev && rev[0];
}

int relay_db_agent_list(sqlite3 *db, void (*each)(const struct relay_agent *, void *),
                        void *cls, char *err, size_t errlen)
{
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(db,
                           "SELECT id, name, org, created_at, revoked_at FROM relay_agent "
                           "ORDER BY created_at, rowid",
                           -1, &st, NULL) != SQLITE_OK) {
        snprintf(err, errlen, "la base des agents est illisible.");
        return -1;
    }
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        struct relay_agent a;
        read_agent(st, &a);
        each(&a, cls);
    }
    sqlite3_finalize(st);
    if (rc != SQLITE_DONE) {
        snprintf(err, errlen, "la base des agents est illisible.");
        return -1;
    }
    return 0;
}

int relay_db_agent_revoke(sqlite3 *db, const char *id, char *err, size_t errlen)
{
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(db, "SELECT revoked_at FROM relay_agent WHERE id = ?", -1, &st,
                           NULL) != SQLITE_OK) {
        snprintf(err, errlen, "la base des agents est illisible.");
        return -1;
    }
    sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
    int rc = sqlite3_step(st);
    int result = rc == SQLITE_ROW ? (sqlite3_column_bytes(st, 0) > 0 ? 2 : 1)
                 : rc == SQLITE_DONE ? 0
                                     : -1;
    sqlite3_finalize(st);
    if (result != 1) {
        if (result < 0)
            snprintf(err, errlen, "la base des agents est illisible.");
        return result;
    }
    if (sqlite3_prepare_v2(db,
                           "UPDATE relay_agent SET revoked_at = "
                           "strftime('%Y-%m-%dT%H:%M:%SZ','now') WHERE id = ?",
                           -1, &st, NULL) != SQLITE_OK) {
        snprintf(err, errlen, "la base des agents est illisible.");
        return -1;
    }
    sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
    rc = sqlite3_step(st);
    sqlite3_finalize(st);
    if (rc != SQLITE_DONE) {
        snprintf(err, errlen, "la révocation n'a pas pu être enregistrée (base verrouillée ou "
                              "disque plein ?).");
        return -1;
    }
    return 1;
}

/* ---- the agents file as the server reads it ---- */

struct relay_agents {
    pthread_mutex_t lock;
    char *path;
    sqlite3 *db;
    dev_t dev;
    ino_t ino;
    struct timespec mtime;
    off_t size;
};

struct relay_agents *relay_agents_open(const char *path)
{
    struct relay_agents *a = calloc(1, sizeof *a);
    if (!a || !(a->path = strdup(path))) {
        free(a);
        return NULL;
    }
    pthread_mutex_init(&a->lock, NULL);
    return a;
}

void relay_agents_close(struct relay_agents *a)
{
    if (!a)
        return;
    sqlite3_close(a->db);
    pthread_mutex_destroy(&a->lock);
    free(a->path);
    free(a);
}

/* Reopens the file when it was replaced (another inode: a deployment by copy and rename)
 * or changed; SQLite alone would keep reading the old inode. 0 when open, 1 when the file
 * does not exist, -1 when it cannot be opened. Called with the lock held. */
static int agents_fresh(struct relay_agents *a)
{
    struct stat sb;
    if (stat(a->path, &sb) != 0) {
        sqlite3_close(a->db);
        a->db = NULL;
        /* Not deployed yet: no agent at all, rather than a relay out of order. */
        return errno == ENOENT ? 1 : -1;
    }
    if (a->db && sb.st_dev == a->dev && sb.st_ino == a->ino && sb.st_size == a->size &&
        sb.st_mtim.tv_sec == a->mtime.tv_sec && sb.st_mtim.tv_nsec == a->mtime.tv_nsec)
        return 0;
    sqlite3_close(a->db);
    a->db = NULL;
    if (sqlite3_open_v2(a->path, &a->db, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK) {
        sqlite3_close(a->db);
        a->db = NULL;
        return -1;
    }
    sqlite3_busy_timeout(a->db, 1000);
    a->dev = sb.st_dev;
    a->ino = sb.st_ino;
    a->size = sb.st_size;
    a->mtime = sb.st_mtim;
    return 0;
}

static int agents_query(struct relay_agents *a, const char *sql, const char *value,
                        struct relay_agent *out)
{
    pthread_mutex_lock(&a->lock);
    int fresh = agents_fresh(a);
    int result = fresh == 1 ? 0 : -1;
    sqlite3_stmt *st = NULL;
    if (fresh == 0 && sqlite3_prepare_v2(a->db, sql, -1, &st, NULL) == SQLITE_OK) {
        sqlite3_bind_text(st, 1, value, -1, SQLITE_STATIC);
        int rc = sqlite3_step(st);
        if (rc == SQLITE_ROW) {
            read_agent(st, out);
            result = 1;
        } else if (rc == SQLITE_DONE) {
            result = 0;
        }
    }
    sqlite3_finalize(st);
    pthread_mutex_unlock(&a->lock);
    return result;
}

int relay_agents_check(struct relay_agents *a, const char *token, struct relay_agent *out)
{
    char hash[65];
    relay_sha256_hex(token, hash);
    int rc = agents_query(a,
                          "SELECT id, name, org, created_at, revoked_at FROM relay_agent "
                          "WHERE token_sha256 = ?",
                          hash, out);
    return rc == 1 && out->revoked ? 0 : rc;
}

int relay_agents_find(struct relay_agents *a, const char *id, struct relay_agent *out)
{
    return agents_query(a,
                        "SELECT id, name, org, created_at, revoked_at FROM relay_agent "
                        "WHERE id = ?",
                        id, out);
}

/* ---- the audit log and the admissions ---- */

/* Rows are queued and written by one writer thread, so that no request (and never the
 * server's global lock) waits for the disk or for another process holding the file. */
struct audit_item {
    struct audit_item *next;
    enum { ITEM_LOG, ITEM_ADMIT, ITEM_FORGET } kind;
    char event[32], agent_id[RELAY_ID_LEN + 1], agent_name[RELAY_NAME_MAX + 1];
    char key[8], detail[256], sid_hash[65], mode[16];
};

struct relay_audit {
    pthread_mutex_t lock; /* the queue */
    pthread_cond_t wake;
    struct audit_item *head, *tail;
    bool closing;
    bool gave_up; /* the writer's: the base stayed busy during the stop */
    pthread_t writer;
    sqlite3 *db; /* the writer's */
    sqlite3_stmt *insert, *admit, *forget;
    pthread_mutex_t rlock; /* the reader's connection */
    sqlite3 *rdb;
    sqlite3_stmt *lookup;
};

static bool closing(struct relay_audit *a)
{
    pthread_mutex_lock(&a->lock);
    bool c = a->closing;
    pthread_mutex_unlock(&a->lock);
    return c;
}

static void write_item(struct relay_audit *a, const struct audit_item *it)
{
    sqlite3_stmt *st = it->kind == ITEM_LOG ? a->insert : it->kind == ITEM_ADMIT ? a->admit
                                                                                  : a->forget;
    if (a->gave_up)
        return; /* stopping, the base held by another process: do not wait row by row */
    sqlite3_reset(st);
    if (it->kind == ITEM_LOG) {
        sqlite3_bind_text(st, 1, it->event, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 2, it->agent_id, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 3, it->agent_name, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 4, it->key, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 5, it->detail, -1, SQLITE_STATIC);
    } else if (it->kind == ITEM_ADMIT) {
        sqlite3_bind_text(st, 1, it->key, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 2, it->sid_hash, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 3, it->agent_id, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 4, it->mode, -1, SQLITE_STATIC);
    } else {
        sqlite3_bind_text(st, 1, it->key, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 2, it->sid_hash, -1, SQLITE_STATIC);
    }
    int rc;
    /* Another process holding the base (an administrator's command, a checkpoint) only
     * delays the row: the writer waits for it, nobody else does. At the stop, one try. */
    while (((rc = sqlite3_step(st)) == SQLITE_BUSY || rc == SQLITE_LOCKED) && !closing(a))
        sqlite3_reset(st);
    a->gave_up = rc == SQLITE_BUSY || rc == SQLITE_LOCKED;
    if (rc != SQLITE_DONE)
        fprintf(stderr, "relais\u00a0: une ligne du journal n'a pas pu être écrite (%s).\n",
                it->kind == ITEM_LOG ? it->event : "admission");
    sqlite3_reset(st);
    sqlite3_clear_bindings(st);
}

static void *writer_main(void *arg)
{
    struct relay_audit *a = arg;
    pthread_mutex_lock(&a->lock);
    for (;;) {
        while (!a->head && !a->closing)
            pthread_cond_wait(&a->wake, &a->lock);
        if (!a->head)
            break; /* closing, and everything written */
        struct audit_item *it = a->head;
        a->head = it->next;
        if (!a->head)
            a->tail = NULL;
        pthread_mutex_unlock(&a->lock);
        write_item(a, it);
        free(it);
        pthread_mutex_lock(&a->lock);
    }
    pthread_mutex_unlock(&a->lock);
    return NULL;
}

static void enqueue(struct relay_audit *a, struct audit_item *it)
{
    pthread_mutex_lock(&a->lock);
    if (a->tail)
        a->tail->next = it;
    else
        a->head = it;
    a->tail = it;
    pthread_cond_signal(&a->wake);
    pthread_mutex_unlock(&a->lock);
}

struct relay_audit *relay_audit_open(const char *path, char *err, size_t errlen)
{
    struct relay_audit *a = calloc(1, sizeof *a);
    if (!a) {
        snprintf(err, errlen, "mémoire insuffisante.");
        return NULL;
    }
    a->db = relay_db_open(path, true, err, errlen);
    if (!a->db) {
        free(a);
        return NULL;
    }
    /* The log is a record, not the session's data: losing its last lines on a power cut is
     * acceptable, waiting for the disk at every wrong code is not (WAL, no sync per
     * line). */
    sqlite3_exec(a->db, "PRAGMA journal_mode=WAL", NULL, NULL, NULL);
    sqlite3_exec(a->db, "PRAGMA synchronous=NORMAL", NULL, NULL, NULL);
    if (sqlite3_prepare_v2(a->db,
                           "INSERT INTO relay_log (event, agent_id, agent_name, session_key, "
                           "detail) VALUES (?, ?, ?, ?, ?)",
                           -1, &a->insert, NULL) != SQLITE_OK ||
        sqlite3_prepare_v2(a->db,
                           "INSERT OR REPLACE INTO relay_admission (session_key, sid_sha256, "
                           "agent_id, mode) VALUES (?, ?, ?, ?)",
                           -1, &a->admit, NULL) != SQLITE_OK ||
        sqlite3_prepare_v2(a->db,
                           "DELETE FROM relay_admission WHERE session_key = ? AND "
                           "sid_sha256 = ?",
                           -1, &a->forget, NULL) != SQLITE_OK ||
        sqlite3_open_v2(path, &a->rdb, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK ||
        sqlite3_prepare_v2(a->rdb,
                           "SELECT sid_sha256, agent_id, mode FROM relay_admission "
                           "WHERE session_key = ?",
                           -1, &a->lookup, NULL) != SQLITE_OK) {
        snprintf(err, errlen, "la base « %s » n'accepte pas le journal.", path);
        sqlite3_finalize(a->insert);
        sqlite3_finalize(a->admit);
        sqlite3_finalize(a->forget);
        sqlite3_close(a->rdb);
        sqlite3_close(a->db);
        free(a);
        return NULL;
    }
    sqlite3_busy_timeout(a->rdb, 2000);
    pthread_mutex_init(&a->lock, NULL);
    pthread_mutex_init(&a->rlock, NULL);
    pthread_cond_init(&a->wake, NULL);
    if (pthread_create(&a->writer, NULL, writer_main, a) != 0) {
        snprintf(err, errlen, "le système refuse un fil d'exécution de plus.");
        relay_audit_close(a);
        return NULL;
    }
    return a;
}

void relay_audit_close(struct relay_audit *a)
{
    if (!a)
        return;
    pthread_mutex_lock(&a->lock);
    bool running = !a->closing;
    a->closing = true;
    pthread_cond_signal(&a->wake);
    pthread_mutex_unlock(&a->lock);
    if (running && a->writer)
        pthread_join(a->writer, NULL); /* writes what is still queued */
    sqlite3_finalize(a->insert);
    sqlite3_finalize(a->admit);
    sqlite3_finalize(a->forget);
    sqlite3_finalize(a->lookup);
    sqlite3_close(a->rdb);
    sqlite3_close(a->db);
    pthread_cond_destroy(&a->wake);
    pthread_mutex_destroy(&a->rlock);
    pthread_mutex_destroy(&a->lock);
    free(a);
}

void relay_audit(struct relay_audit *a, const char *event, const char *agent_id,
                 const char *agent_name, const char *key, const char *detail)
{
    if (!a)
        return;
    struct audit_item *it = calloc(1, sizeof *it);
    if (!it) {
        fprintf(stderr, "relais\u00a0: une ligne du journal n'a pas pu être écrite (%s).\n",
                event);
        return;
    }
    it->kind = ITEM_LOG;
    snprintf(it->event, sizeof it->event, "%s", event);
    snprintf(it->agent_id, sizeof it->agent_id, "%s", agent_id ? agent_id : "");
    snprintf(it->agent_name, sizeof it->agent_name, "%s", agent_name ? agent_name : "");
    snprintf(it->key, sizeof it->key, "%s", key ? key : "");
    snprintf(it->detail, sizeof it->detail, "%s", detail ? detail : "");
    enqueue(a, it);
}

void relay_admission_put(struct relay_audit *a, const char *key, const char *sid,
                         const char *agent_id, const char *mode)
{
    struct audit_item *it = a ? calloc(1, sizeof *it) : NULL;
    if (!it)
        return;
    it->kind = ITEM_ADMIT;
    snprintf(it->key, sizeof it->key, "%s", key);
    relay_sha256_hex(sid, it->sid_hash);
    snprintf(it->agent_id, sizeof it->agent_id, "%s", agent_id);
    snprintf(it->mode, sizeof it->mode, "%s", mode);
    enqueue(a, it);
}

void relay_admission_forget(struct relay_audit *a, const char *key, const char *sid)
{
    struct audit_item *it = a ? calloc(1, sizeof *it) : NULL;
    if (!it)
        return;
    it->kind = ITEM_FORGET;
    snprintf(it->key, sizeof it->key, "%s", key);
    relay_sha256_hex(sid, it->sid_hash);
    enqueue(a, it);
}

int relay_admission_check(struct relay_audit *a, const char *key, const char *sid,
                          char agent_id[RELAY_ID_LEN + 1], char mode[16])
{
    if (!a)
        return -1;
    char hash[65], stored[65] = "";
    relay_sha256_hex(sid, hash);
    pthread_mutex_lock(&a->rlock);
    sqlite3_reset(a->lookup);
    sqlite3_bind_text(a->lookup, 1, key, -1, SQLITE_STATIC);
    int rc = sqlite3_step(a->lookup);
    int found = 0;
    if (rc == SQLITE_ROW) {
        copy_col(stored, sizeof stored, a->lookup, 0);
        copy_col(agent_id, RELAY_ID_LEN + 1, a->lookup, 1);
        copy_col(mode, 16, a->lookup, 2);
        /* Hashes of secrets: compared in full whatever they hold. */
        unsigned char diff = strlen(stored) != 64;
        for (size_t i = 0; i < 64 && stored[i]; i++)
            diff |= (unsigned char)(stored[i] ^ hash[i]);
        found = diff == 0 ? 1 : 0;
    } else if (rc != SQLITE_DONE) {
        found = -1;
    }
    sqlite3_reset(a->lookup);
    sqlite3_clear_bindings(a->lookup);
    pthread_mutex_unlock(&a->rlock);
    return found;
}

int relay_db_log_list(sqlite3 *db, void (*each)(const struct relay_log_entry *, void *),
                      void *cls, char *err, size_t errlen)
{
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(db,
                           "SELECT at, event, agent_id, agent_name, session_key, detail "
                           "FROM relay_log ORDER BY id",
                           -1, &st, NULL) != SQLITE_OK) {
        snprintf(err, errlen, "le journal est illisible.");
        return -1;
    }
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        struct relay_log_entry e;
        copy_col(e.at, sizeof e.at, st, 0);
        copy_col(e.event, sizeof e.event, st, 1);
        copy_col(e.agent_id, sizeof e.agent_id, st, 2);
        copy_col(e.agent_name, sizeof e.agent_name, st, 3);
        copy_col(e.key, sizeof e.key, st, 4);
        copy_col(e.detail, sizeof e.detail, st, 5);
        each(&e, cls);
    }
    sqlite3_finalize(st);
    if (rc != SQLITE_DONE) {
        snprintf(err, errlen, "le journal est illisible.");
        return -1;
    }
    return 0;
}
