/* The shared session's SQL (DESIGN §5, docs/share-protocol.md §5–6): the share tables, the
 * official's recording of changes (SQLite's session extension), snapshots, the agent's
 * in-memory replica and its proposals, and the validation of a proposal before the
 * official's database takes it. All through prepared statements, as in src/store.c. */
#include "difelus/share.h"

#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <sqlite3.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "difelus/dates.h"
#include "difelus/dossier.h"
#include "difelus/guide.h"
#include "difelus/mandate.h"
#include "difelus/rules.h"
#include "difelus/store.h"
#include "difelus/text.h"
#include "store_internal.h"

struct replica_state {
    bool replica;               /* an agent's copy in memory (store_open_replica) */
    enum store_actor actor;     /* who a replica records as the author */
    sqlite3_session *recording; /* the official's side, while an agent is admitted */
    sqlite3_session *proposal;  /* the agent's edit, between begin and end */
};

static struct replica_state *state_of(store *st, bool create)
{
    struct replica_state **slot = store_replica_slot(st);
    if (!*slot && create)
        *slot = calloc(1, sizeof **slot);
    return *slot;
}

void replica_release(store *st)
{
    struct replica_state **slot = store_replica_slot(st);
    if (!*slot)
        return;
    if ((*slot)->recording)
        sqlite3session_delete((*slot)->recording);
    if ((*slot)->proposal)
        sqlite3session_delete((*slot)->proposal);
    free(*slot);
    *slot = NULL;
}

enum store_actor replica_actor(store *st, enum store_actor asked)
{
    struct replica_state *rs = state_of(st, false);
    return rs && rs->replica ? rs->actor : asked;
}

const char *replica_nested_sql(store *st, const char *sql)
{
    struct replica_state *rs = state_of(st, false);
    /* Inside an agent's proposal, or a wizard's key (store_key_begin): a savepoint. */
    if ((!rs || !rs->proposal) && !store_in_key(st))
        return sql;
    if (strncmp(sql, "BEGIN", 5) == 0)
        return "SAVEPOINT store_nested";
    if (strcmp(sql, "COMMIT") == 0)
        return "RELEASE store_nested";
    if (strcmp(sql, "ROLLBACK") == 0)
        return "ROLLBACK TO store_nested; RELEASE store_nested";
    return sql;
}

/* ---- errors ---- */

static int failf(store *st, int status, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static int failf(store *st, int status, const char *fmt, ...)
{
    size_t len;
    char *err = store_errbuf(st, &len);
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, len, fmt, ap);
    va_end(ap);
    text_typeset(err, len);
    return status;
}

/* The store's French message for the last SQLite failure on st. */
static int fail_sqlite(store *st, const char *what)
{
    size_t len;
    char *err = store_errbuf(st, &len);
    store_describe_sqlite(err, len, store_path(st), sqlite3_errcode(store_db(st)), what);
    return -1;
}

static sqlite3_stmt *prepare(store *st, const char *sql)
{
    sqlite3_stmt *stmt = NULL;
    if (sqlite3_prepare_v2(store_db(st), sql, -1, &stmt, NULL) != SQLITE_OK) {
        fail_sqlite(st, "préparation");
        return NULL;
    }
    return stmt;
}

static int run(store *st, sqlite3_stmt *stmt, const char *what)
{
    if (!stmt)
        return -1;
    int rc = sqlite3_step(stmt);
    sqlite3_finalize(stmt);
    return rc == SQLITE_DONE ? 0 : fail_sqlite(st, what);
}

static int exec(store *st, const char *sql, const char *what)
{
    if (sqlite3_exec(store_db(st), sql, NULL, NULL, NULL) != SQLITE_OK)
        return fail_sqlite(st, what);
    return 0;
}

/* ---- the share tables ---- */

static const char *const phase_keys[] = {"aucun", "ouverture", "attente", "demande", "vue",
                                         "demande-controle", "controle"};
#define PHASES (sizeof phase_keys / sizeof *phase_keys)

/* Text that came from outside (the relay's agent name and organisation): controls gone,
 * cut at a word to `cols` columns and to the buffer, so that no screen gets it raw. */
#define SHARE_NAME_COLS 80
#define SHARE_NOTE_COLS 300
#define SHARE_DETAIL_COLS 200

static void column_text(sqlite3_stmt *stmt, int col, char *buf, size_t len, int cols)
{
    const char *v = (const char *)sqlite3_column_text(stmt, col);
    text_clip(buf, len, v ? v : "", cols);
}

int store_share_get(store *st, struct share_state *out)
{
    memset(out, 0, sizeof *out);
    out->phase = SHARE_NONE;
    sqlite3_stmt *stmt = prepare(st, "SELECT phase, code, expires_at, agent_id, agent_name,"
                                     " agent_org, connection_lost, note, last_proposal,"
                                     " owner_pid FROM share_state WHERE id = 1");
    if (!stmt)
        return -1;
    int rc = sqlite3_step(stmt);
    if (rc == SQLITE_ROW) {
        const char *phase = (const char *)sqlite3_column_text(stmt, 0);
        for (size_t i = 0; phase && i < PHASES; i++)
            if (strcmp(phase, phase_keys[i]) == 0)
                out->phase = (enum share_phase)i;
        column_text(stmt, 1, out->code, sizeof out->code, SHARE_CODE_LEN);
        column_text(stmt, 2, out->expires_at, sizeof out->expires_at, 31);
        column_text(stmt, 3, out->agent_id, sizeof out->agent_id, 39);
        column_text(stmt, 4, out->agent_name, sizeof out->agent_name, SHARE_NAME_COLS);
        column_text(stmt, 5, out->agent_org, sizeof out->agent_org, SHARE_NAME_COLS);
        out->connection_lost = sqlite3_column_int(stmt, 6) != 0;
        column_text(stmt, 7, out->note, sizeof out->note, SHARE_NOTE_COLS);
        sqlite3_int64 last = sqlite3_column_int64(stmt, 8);
        out->last_proposal = last > 0 ? (unsigned long long)last : 0;
        out->owner_pid = sqlite3_column_int64(stmt, 9);
    }
    sqlite3_finalize(stmt);
    return rc == SQLITE_ROW || rc == SQLITE_DONE ? 0 : fail_sqlite(st, "lecture de l'assistance");
}

int store_share_set(store *st, const struct share_state *s)
{
    if ((unsigned)s->phase >= PHASES)
        return failf(st, STORE_REFUSED, "État de l'assistance inconnu.");
    char code[SHARE_CODE_LEN + 1] = "";
    if (s->code[0] && !share_code_parse(s->code, code))
        return failf(st, STORE_REFUSED, "Code d'assistance invalide.");
    char expires[32], id[40], name[256], org[256], note[512];
    text_clip(expires, sizeof expires, s->expires_at, 31);
    text_clip(id, sizeof id, s->agent_id, 39);
    text_clip(name, sizeof name, s->agent_name, SHARE_NAME_COLS);
    text_clip(org, sizeof org, s->agent_org, SHARE_NAME_COLS);
    text_clip(note, sizeof note, s->note, SHARE_NOTE_COLS);
    if (s->last_proposal > (unsigned long long)INT64_MAX || s->owner_pid < 0)
        return failf(st, STORE_REFUSED, "État de l'assistance invalide.");
    /* last_proposal: 0 when an agent is admitted (demande → vue) or another agent takes
     * the place; otherwise never lowered, so that a caller holding an older copy of the
     * state cannot make an applied proposal number count as new again. */
    sqlite3_stmt *stmt = prepare(
        st, "INSERT INTO share_state (id, phase, code, expires_at, agent_id, agent_name,"
            " agent_org, connection_lost, note, last_proposal, owner_pid)"
            " VALUES (1, ?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)"
            " ON CONFLICT (id) DO UPDATE SET phase = excluded.phase, code = excluded.code,"
            " expires_at = excluded.expires_at, agent_id = excluded.agent_id,"
            " agent_name = excluded.agent_name, agent_org = excluded.agent_org,"
            " connection_lost = excluded.connection_lost, note = excluded.note,"
            " last_proposal = CASE WHEN share_state.agent_id <> excluded.agent_id"
            "   OR (share_state.phase = 'demande' AND excluded.phase = 'vue') THEN 0"
            "   ELSE max(share_state.last_proposal, excluded.last_proposal) END,"
            " owner_pid = excluded.owner_pid");
    if (!stmt)
        return -1;
    sqlite3_bind_text(stmt, 1, phase_keys[s->phase], -1, SQLITE_STATIC);
    sqlite3_bind_text(stmt, 2, code, -1, SQLITE_STATIC);
    sqlite3_bind_text(stmt, 3, expires, -1, SQLITE_STATIC);
    sqlite3_bind_text(stmt, 4, id, -1, SQLITE_STATIC);
    sqlite3_bind_text(stmt, 5, name, -1, SQLITE_STATIC);
    sqlite3_bind_text(stmt, 6, org, -1, SQLITE_STATIC);
    sqlite3_bind_int(stmt, 7, s->connection_lost ? 1 : 0);
    sqlite3_bind_text(stmt, 8, note, -1, SQLITE_STATIC);
    sqlite3_bind_int64(stmt, 9, (sqlite3_int64)s->last_proposal);
    sqlite3_bind_int64(stmt, 10, s->owner_pid);
    return run(st, stmt, "enregistrement de l'assistance");
}

int store_share_log_add(store *st, const char *event, const char *agent_name,
                        const char *agent_org, const char *detail)
{
    char ev[32], name[256], org[256], det[256];
    text_clip(ev, sizeof ev, event ? event : "", 31);
    if (!ev[0])
        return failf(st, STORE_REFUSED, "Événement d'assistance vide.");
    text_clip(name, sizeof name, agent_name ? agent_name : "", SHARE_NAME_COLS);
    text_clip(org, sizeof org, agent_org ? agent_org : "", SHARE_NAME_COLS);
    text_clip(det, sizeof det, detail ? detail : "", SHARE_DETAIL_COLS);
    sqlite3_stmt *stmt = prepare(st, "INSERT INTO share_log (event, agent_name, agent_org,"
                                     " detail) VALUES (?1, ?2, ?3, ?4)");
    if (!stmt)
        return -1;
    sqlite3_bind_text(stmt, 1, ev, -1, SQLITE_STATIC);
    sqlite3_bind_text(stmt, 2, name, -1, SQLITE_STATIC);
    sqlite3_bind_text(stmt, 3, org, -1, SQLITE_STATIC);
    sqlite3_bind_text(stmt, 4, det, -1, SQLITE_STATIC);
    return run(st, stmt, "journal de l'assistance");
}

int store_share_log_list(store *st, struct share_log_entry *out, size_t max, size_t *count)
{
    *count = 0;
    sqlite3_stmt *stmt = prepare(st, "SELECT at, event, agent_name, agent_org, detail"
                                     " FROM share_log ORDER BY id DESC LIMIT ?1");
    if (!stmt)
        return -1;
    sqlite3_bind_int64(stmt, 1, (sqlite3_int64)max);
    int rc = SQLITE_DONE;
    while (*count < max && (rc = sqlite3_step(stmt)) == SQLITE_ROW) {
        struct share_log_entry *e = &out[*count];
        column_text(stmt, 0, e->at, sizeof e->at, 31);
        column_text(stmt, 1, e->event, sizeof e->event, 31);
        column_text(stmt, 2, e->agent_name, sizeof e->agent_name, SHARE_NAME_COLS);
        column_text(stmt, 3, e->agent_org, sizeof e->agent_org, SHARE_NAME_COLS);
        column_text(stmt, 4, e->detail, sizeof e->detail, SHARE_DETAIL_COLS);
        (*count)++;
    }
    if (*count == max)
        rc = SQLITE_DONE;
    sqlite3_finalize(stmt);
    return rc == SQLITE_DONE ? 0 : fail_sqlite(st, "lecture du journal de l'assistance");
}

int store_share_reset_stale(store *st)
{
    struct share_state s;
    if (store_share_get(st, &s) != 0)
        return -1;
    if (s.phase == SHARE_NONE)
        return 0;
    /* Another difelus on the same database may be sharing right now: its share is left
     * alone while that process lives (this process, just started, is never the owner). */
    if (s.owner_pid > 0 && s.owner_pid != (long long)getpid() && s.owner_pid <= INT_MAX &&
        !(kill((pid_t)s.owner_pid, 0) == -1 && errno == ESRCH))
        return 0;
    if (exec(st, "SAVEPOINT share_reset", "fin de l'assistance interrompue") != 0)
        return -1;
    char name[256], org[256];
    snprintf(name, sizeof name, "%s", s.agent_name);
    snprintf(org, sizeof org, "%s", s.agent_org);
    struct share_state none = {.phase = SHARE_NONE};
    snprintf(none.note, sizeof none.note,
             "La dernière session d'assistance a été interrompue (difelus s'est arrêté "
             "pendant le partage).");
    text_typeset(none.note, sizeof none.note);
    if (store_share_set(st, &none) != 0 ||
        store_share_log_add(st, "interrompu", name, org, phase_keys[s.phase]) != 0) {
        sqlite3_exec(store_db(st), "ROLLBACK TO share_reset; RELEASE share_reset", NULL, NULL,
                     NULL);
        return -1;
    }
    return exec(st, "RELEASE share_reset", "fin de l'assistance interrompue");
}

/* ---- the official's side: recording and snapshots ---- */

static int fail_code(store *st, int rc, const char *what)
{
    size_t len;
    char *err = store_errbuf(st, &len);
    store_describe_sqlite(err, len, store_path(st), rc, what);
    return -1;
}

/* A session recording every table of "main" (tables added later too). */
static int session_new(store *st, sqlite3_session **out, const char *what)
{
    *out = NULL;
    int rc = sqlite3session_create(store_db(st), "main", out);
    if (rc == SQLITE_OK)
        rc = sqlite3session_attach(*out, NULL);
    if (rc != SQLITE_OK) {
        if (*out)
            sqlite3session_delete(*out);
        *out = NULL;
        return fail_code(st, rc, what);
    }
    return 0;
}

/* The changeset of session s as a malloc'd buffer (NULL and 0 when empty). */
static int session_take(store *st, sqlite3_session *s, void **buf, size_t *len, const char *what)
{
    *buf = NULL;
    *len = 0;
    int n = 0;
    void *p = NULL;
    int rc = sqlite3session_changeset(s, &n, &p);
    if (rc != SQLITE_OK) {
        sqlite3_free(p);
        return fail_code(st, rc, what);
    }
    if (n > 0) {
        *buf = malloc((size_t)n);
        if (!*buf) {
            sqlite3_free(p);
            return failf(st, -1, "Mémoire insuffisante.");
        }
        memcpy(*buf, p, (size_t)n);
        *len = (size_t)n;
    }
    sqlite3_free(p);
    return 0;
}

int store_share_record_start(store *st)
{
    struct replica_state *rs = state_of(st, true);
    if (!rs)
        return failf(st, -1, "Mémoire insuffisante.");
    if (rs->recording)
        return 0;
    return session_new(st, &rs->recording, "début du partage");
}

int store_share_take(store *st, void **buf, size_t *len)
{
    *buf = NULL;
    *len = 0;
    struct replica_state *rs = state_of(st, false);
    if (!rs || !rs->recording)
        return failf(st, -1, "Le partage n'est pas ouvert : aucune modification à envoyer.");
    if (session_take(st, rs->recording, buf, len, "lecture des modifications") != 0)
        return -1;
    /* A session keeps everything since it started: a fresh one makes the next take hold
     * only what comes after this one. */
    sqlite3session_delete(rs->recording);
    rs->recording = NULL;
    if (session_new(st, &rs->recording, "suite du partage") != 0) {
        free(*buf);
        *buf = NULL;
        *len = 0;
        return -1;
    }
    return 0;
}

void store_share_record_stop(store *st)
{
    struct replica_state *rs = state_of(st, false);
    if (rs && rs->recording) {
        sqlite3session_delete(rs->recording);
        rs->recording = NULL;
    }
}

/* A WAL database's image says so in bytes 18 and 19 (2); read from memory, it must say
 * "rollback journal" (1), otherwise the copy shows no row (checked on SQLite 3.40). */
static void unwal(unsigned char *image, size_t len)
{
    if (len >= 20) {
        image[18] = 1;
        image[19] = 1;
    }
}

int store_snapshot(store *st, void **buf, size_t *len)
{
    *buf = NULL;
    *len = 0;
    sqlite3_int64 size = 0;
    unsigned char *image = sqlite3_serialize(store_db(st), "main", &size, 0);
    if (!image || size <= 0) {
        sqlite3_free(image);
        return failf(st, -1, "Impossible de copier la base pour le partage (mémoire "
                             "insuffisante ?).");
    }
    *buf = malloc((size_t)size);
    if (!*buf) {
        sqlite3_free(image);
        return failf(st, -1, "Mémoire insuffisante.");
    }
    memcpy(*buf, image, (size_t)size);
    sqlite3_free(image);
    *len = (size_t)size;
    unwal(*buf, *len);
    return 0;
}

/* ---- the agent's side: the replica ---- */

static const char sqlite_magic[] = "SQLite format 3";

/* Loads snapshot into db's "main" (db owns the copy). SQLite's result code. */
static int load_image(sqlite3 *db, const void *snapshot, size_t len)
{
    unsigned char *copy = sqlite3_malloc64(len);
    if (!copy)
        return SQLITE_NOMEM;
    memcpy(copy, snapshot, len);
    unwal(copy, len);
    return sqlite3_deserialize(db, "main", copy, (sqlite3_int64)len, (sqlite3_int64)len,
                               SQLITE_DESERIALIZE_FREEONCLOSE | SQLITE_DESERIALIZE_RESIZEABLE);
}

/* Whether the loaded image is a difelus database of this program's schema: a replica
 * drawn by other code than the database's would show wrong screens. NULL, or why not. */
static const char *image_problem(sqlite3 *db)
{
    sqlite3_stmt *stmt = NULL;
    int app_id = -1, version = -1;
    if (sqlite3_prepare_v2(db, "SELECT (SELECT application_id FROM pragma_application_id),"
                               " (SELECT user_version FROM pragma_user_version),"
                               " (SELECT count(*) FROM sqlite_master)",
                           -1, &stmt, NULL) == SQLITE_OK &&
        sqlite3_step(stmt) == SQLITE_ROW) {
        app_id = sqlite3_column_int(stmt, 0);
        version = sqlite3_column_int(stmt, 1);
    }
    sqlite3_finalize(stmt);
    if (app_id < 0)
        return "la copie reçue de la base est illisible";
    if (app_id != STORE_APPLICATION_ID)
        return "la copie reçue n'est pas une base difelus";
    if (version > STORE_SCHEMA_VERSION)
        return "la personne aidée a une version plus récente de difelus : mettez la vôtre à "
               "jour";
    if (version < STORE_SCHEMA_VERSION)
        return "la personne aidée a une version plus ancienne de difelus : elle doit la "
               "mettre à jour";
    return NULL;
}

store *store_open_replica(const void *snapshot, size_t len, const char *catalogue_path,
                          char *err, size_t errlen)
{
    /* The catalogue module finds "catalogue.db" beside store_path(st): the replica's path
     * is made so that it names the agent's own catalogue; without one, a folder that
     * cannot exist, so that the catalogue behaves as on a fresh install (empty). */
    char path[4096];
    if (catalogue_path && *catalogue_path) {
        const char *slash = strrchr(catalogue_path, '/');
        const char *base = slash ? slash + 1 : catalogue_path;
        if (strcmp(base, "catalogue.db") != 0 || strlen(catalogue_path) + 16 >= sizeof path) {
            text_msgf(err, errlen, "Le catalogue de l'assistance doit être un fichier nommé "
                                   "catalogue.db (reçu : « %s »).", catalogue_path);
            return NULL;
        }
        snprintf(path, sizeof path, "%.*sdifelus.db", (int)(base - catalogue_path),
                 catalogue_path);
    } else {
        snprintf(path, sizeof path, "/proc/self/difelus-sans-catalogue/difelus.db");
    }
    if (!snapshot || len < 100 || memcmp(snapshot, sqlite_magic, sizeof sqlite_magic) != 0) {
        text_msgf(err, errlen, "La copie reçue de la base de la personne aidée est "
                               "illisible. Demandez-en une nouvelle.");
        return NULL;
    }
    sqlite3 *db = NULL;
    int rc = sqlite3_open_v2(":memory:", &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL);
    if (rc == SQLITE_OK)
        rc = load_image(db, snapshot, len);
    if (rc != SQLITE_OK) {
        sqlite3_close(db);
        text_msgf(err, errlen, "Impossible de charger la copie de la base de la personne "
                               "aidée (%s).", store_sqlite_cause(rc));
        return NULL;
    }
    const char *problem = image_problem(db);
    if (problem) {
        sqlite3_close(db);
        text_msgf(err, errlen, "Assistance impossible : %s.", problem);
        return NULL;
    }
    sqlite3_extended_result_codes(db, 0);
    sqlite3_exec(db, "PRAGMA foreign_keys = ON", NULL, NULL, NULL);
    store *st = store_from_connection(db, path);
    struct replica_state *rs = st ? state_of(st, true) : NULL;
    if (!rs) {
        if (st)
            store_close(st);
        else
            sqlite3_close(db);
        text_msgf(err, errlen, "Mémoire insuffisante.");
        return NULL;
    }
    rs->replica = true;
    rs->actor = ACTOR_AGENT;
    return st;
}

bool store_is_replica(const store *st)
{
    struct replica_state *const *slot = store_replica_slot((store *)st);
    return *slot && (*slot)->replica;
}

void store_set_actor(store *st, enum store_actor actor)
{
    struct replica_state *rs = state_of(st, true);
    if (rs)
        rs->actor = actor;
}

/* A new in-memory connection holding snapshot, checked. NULL with the reason in st. */
static sqlite3 *replica_connection(store *st, const void *snapshot, size_t len)
{
    sqlite3 *db = NULL;
    int rc = sqlite3_open_v2(":memory:", &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL);
    if (rc == SQLITE_OK)
        rc = load_image(db, snapshot, len);
    if (rc != SQLITE_OK) {
        sqlite3_close(db);
        failf(st, -1, "Impossible de charger la nouvelle copie de la base de la personne "
                      "aidée (%s).", store_sqlite_cause(rc));
        return NULL;
    }
    const char *problem = image_problem(db);
    if (problem) {
        sqlite3_close(db);
        failf(st, -1, "Assistance impossible : %s.", problem);
        return NULL;
    }
    sqlite3_extended_result_codes(db, 0);
    sqlite3_exec(db, "PRAGMA foreign_keys = ON", NULL, NULL, NULL);
    return db;
}

int store_replica_reset(store *st, const void *snapshot, size_t len)
{
    struct replica_state *rs = state_of(st, false);
    if (!rs || !rs->replica)
        return failf(st, -1, "Cette base n'est pas une copie d'assistance.");
    if (!snapshot || len < 100 || memcmp(snapshot, sqlite_magic, sizeof sqlite_magic) != 0)
        return failf(st, -1, "La copie reçue de la base de la personne aidée est illisible.");
    /* Checked on a connection of its own first: a bad copy leaves the replica as it was. */
    sqlite3 *fresh = replica_connection(st, snapshot, len);
    if (!fresh)
        return -1;
    if (rs->proposal) {
        sqlite3session_delete(rs->proposal);
        rs->proposal = NULL;
    }
    /* Never replaced in place: SQLite 3.40 crashes once the schema under a statement kept
     * prepared is replaced (a cache, FTS5's own statements on the attached catalogue), and
     * was seen reading freed memory in the next catalogue query. The checked connection
     * takes the old one's place; the old one closes when its last statement is finalized,
     * and the catalogue is attached again when next used. */
    sqlite3_close_v2(store_swap_connection(st, fresh));
    return 0;
}

/* ---- changesets from outside ---- */

/* SQLite's varint (1 to 9 bytes, big-endian, 7 bits a byte, all 8 in the ninth). */
static bool read_varint(const unsigned char *p, size_t len, size_t *at, unsigned long long *out)
{
    unsigned long long v = 0;
    for (int i = 0; i < 9; i++) {
        if (*at >= len)
            return false;
        unsigned char b = p[(*at)++];
        if (i == 8) {
            *out = v << 8 | b;
            return true;
        }
        v = v << 7 | (b & 0x7f);
        if (!(b & 0x80)) {
            *out = v;
            return true;
        }
    }
    return false;
}

/* One record of ncol values; undefined values (type 0) only where `undefined_ok`, and never
 * in a primary-key column when `pk` (the table's key flags) is given. */
static bool read_record(const unsigned char *p, size_t len, size_t *at, unsigned long long ncol,
                        bool undefined_ok, const unsigned char *pk)
{
    for (unsigned long long c = 0; c < ncol; c++) {
        if (*at >= len)
            return false;
        unsigned char type = p[(*at)++];
        unsigned long long n = 0;
        switch (type) {
        case 0:
            if (!undefined_ok || (pk && pk[c]))
                return false;
            break;
        case SQLITE_INTEGER:
        case SQLITE_FLOAT:
            if (len - *at < 8)
                return false;
            *at += 8;
            break;
        case SQLITE_TEXT:
        case SQLITE_BLOB:
            if (!read_varint(p, len, at, &n) || n > len - *at)
                return false;
            *at += (size_t)n;
            break;
        case SQLITE_NULL:
            break;
        default:
            return false;
        }
    }
    return true;
}

/* Whether buf is a well-formed changeset, walked byte by byte before SQLite sees it: Debian's
 * SQLite 3.40 loops forever on some truncated ones (a table header cut short). */
static bool changeset_well_formed(const void *buf, size_t len)
{
    const unsigned char *p = buf;
    size_t at = 0;
    unsigned long long ncol = 0;
    const unsigned char *pk = NULL;
    if (len == 0 || p[0] != 'T')
        return false;
    while (at < len) {
        unsigned char op = p[at++];
        if (op == 'T') {
            if (!read_varint(p, len, &at, &ncol) || ncol == 0 || ncol > 64 || ncol > len - at)
                return false;
            pk = p + at; /* the primary-key flags */
            at += (size_t)ncol;
            const unsigned char *nul = at < len ? memchr(p + at, 0, len - at) : NULL;
            if (!nul || nul == p + at)
                return false;
            at = (size_t)(nul - p) + 1;
            continue;
        }
        if (at >= len || p[at] > 1) /* the "indirect" flag */
            return false;
        at++;
        bool ok;
        if (op == SQLITE_INSERT)
            ok = read_record(p, len, &at, ncol, false, NULL);
        else if (op == SQLITE_DELETE)
            ok = read_record(p, len, &at, ncol, false, NULL);
        else if (op == SQLITE_UPDATE)
            /* An update without its row's key: SQLite 3.40 crashes applying it (found by
             * fuzz_changeset). */
            ok = read_record(p, len, &at, ncol, true, pk) &&
                 read_record(p, len, &at, ncol, true, NULL);
        else
            ok = false;
        if (!ok)
            return false;
    }
    return true;
}

/* The official's row wins: the replica is a copy, never an authority. */
static int replica_conflict(void *ctx, int conflict, sqlite3_changeset_iter *it)
{
    (void)ctx;
    (void)it;
    switch (conflict) {
    case SQLITE_CHANGESET_DATA:
    case SQLITE_CHANGESET_CONFLICT:
        return SQLITE_CHANGESET_REPLACE;
    case SQLITE_CHANGESET_NOTFOUND:
        return SQLITE_CHANGESET_OMIT;
    default: /* CONSTRAINT, FOREIGN_KEY: the copy has drifted, a new snapshot is needed */
        return SQLITE_CHANGESET_ABORT;
    }
}

int store_replica_apply(store *st, const void *buf, size_t len)
{
    struct replica_state *rs = state_of(st, false);
    if (!rs || !rs->replica)
        return failf(st, -1, "Cette base n'est pas une copie d'assistance.");
    if (rs->proposal)
        return failf(st, -1, "Une modification de l'assistance est en cours.");
    if (len == 0)
        return 0;
    if (len > INT32_MAX || !changeset_well_formed(buf, len))
        return failf(st, -1, "La modification reçue de la personne aidée est illisible : une "
                             "nouvelle copie est demandée.");
    int rc = sqlite3changeset_apply(store_db(st), (int)len, (void *)buf, NULL,
                                    replica_conflict, NULL);
    if (rc != SQLITE_OK)
        return failf(st, -1, "La modification reçue de la personne aidée n'a pas pu être "
                             "appliquée (%s) : une nouvelle copie est demandée.",
                     store_sqlite_cause(rc));
    return 0;
}

int store_proposal_begin(store *st)
{
    struct replica_state *rs = state_of(st, true);
    if (!rs)
        return failf(st, -1, "Mémoire insuffisante.");
    if (rs->proposal)
        return failf(st, -1, "Une modification de l'assistance est déjà en cours.");
    if (exec(st, "SAVEPOINT proposal", "début de la modification") != 0)
        return -1;
    if (session_new(st, &rs->proposal, "début de la modification") != 0) {
        sqlite3_exec(store_db(st), "ROLLBACK TO proposal; RELEASE proposal", NULL, NULL, NULL);
        return -1;
    }
    return 0;
}

int store_proposal_end(store *st, void **buf, size_t *len)
{
    *buf = NULL;
    *len = 0;
    struct replica_state *rs = state_of(st, false);
    if (!rs || !rs->proposal)
        return failf(st, -1, "Aucune modification de l'assistance en cours.");
    /* The changeset first: after ROLLBACK TO, the session would find nothing changed. */
    int status = session_take(st, rs->proposal, buf, len, "lecture de la modification");
    sqlite3session_delete(rs->proposal);
    rs->proposal = NULL;
    /* A store function that failed inside may have rolled everything back already. */
    sqlite3 *db = store_db(st);
    if (!sqlite3_get_autocommit(db))
        sqlite3_exec(db, "ROLLBACK TO proposal; RELEASE proposal", NULL, NULL, NULL);
    return status;
}

/* ---- the official's side: validating an agent's proposal ---- */

/* What may be in a proposal's text columns: the limits and checks of local input. */
enum value_rule {
    RULE_TEXT,     /* clean text within the limit */
    RULE_REQUIRED, /* the same, not empty */
    RULE_DATE,     /* an ISO date, or NULL */
    RULE_AGENT,    /* 'agent' (the author of a change made in a shared session) */
    RULE_DONE_BY,  /* 'agent', or NULL (an item unticked) */
    RULE_ITEM,     /* an item of the guide */
    RULE_STATUS,   /* a dossier status key */
    RULE_SIRET,    /* empty, or a valid SIRET */
    RULE_TABBED,   /* the store's bookkeeping: clean text whose fields are apart by tabs */
};

struct column_rule {
    const char *table, *column;
    enum value_rule rule;
    int max_chars; /* 0: no limit of characters */
    const char *what; /* in words an official understands */
};

static const struct column_rule column_rules[] = {
    {"mandate", "collectivite", RULE_REQUIRED, MANDATE_TEXT_MAX, "la collectivité d'un mandat"},
    {"mandate", "function", RULE_REQUIRED, MANDATE_TEXT_MAX, "la fonction d'un mandat"},
    {"mandate", "start_date", RULE_DATE, 10, "le début d'un mandat"},
    {"mandate", "end_date", RULE_DATE, 10, "la fin d'un mandat"},
    {"credit_observation", "observed_on", RULE_DATE, 10, "la date d'un solde"},
    {"checklist", "item", RULE_ITEM, 64, "un élément de la liste"},
    {"checklist", "done_by", RULE_DONE_BY, 8, "l'auteur d'une coche"},
    {"dossier", "catalogue_id", RULE_TEXT, 63, "la référence d'une formation"},
    {"dossier", "title", RULE_REQUIRED, DOSSIER_TEXT_MAX, "l'intitulé d'une formation"},
    {"dossier", "body", RULE_TEXT, DOSSIER_TEXT_MAX, "l'organisme d'une formation"},
    {"dossier", "siret", RULE_SIRET, 20, "le SIRET d'un organisme"},
    {"dossier", "session_start", RULE_DATE, 10, "le début d'une session"},
    {"dossier", "session_end", RULE_DATE, 10, "la fin d'une session"},
    {"dossier", "status", RULE_STATUS, 32, "l'état d'un dossier"},
    {"dossier", "notes", RULE_TEXT, DOSSIER_NOTES_MAX, "les notes d'un dossier"},
    {"dossier_event", "status", RULE_STATUS, 32, "l'état d'un dossier"},
    {"dossier_event", "event_date", RULE_DATE, 10, "la date d'un changement d'état"},
    {"dossier_event", "actor", RULE_AGENT, 8, "l'auteur d'un changement d'état"},
    {"dossier_event", "warning", RULE_TEXT, 1000, "l'avertissement d'un changement d'état"},
    {"search", "keywords", RULE_TEXT, 500, "les mots d'une recherche"},
    {"search", "location", RULE_TEXT, 64, "le lieu d'une recherche"},
    {"search_result", "title", RULE_TEXT, 500, "le titre d'un résultat de recherche"},
    {"ui_state", "screen", RULE_TEXT, 31, "l'écran affiché"},
    {"ui_state", "help_from", RULE_TEXT, 31, "l'écran affiché"},
    {"ui_state", "search_from", RULE_TEXT, 31, "l'écran affiché"},
    {"ui_state", "assist_from", RULE_TEXT, 31, "l'écran affiché"},
    {"ui_state", "confirm", RULE_TEXT, 23, "la question en cours"},
    {"ui_state", "draft_screen", RULE_TEXT, 31, "l'écran affiché"},
    {"ui_state", "message", RULE_TEXT, 1000, "le message affiché"},
    {"ui_draft", "value", RULE_TEXT, STORE_DRAFT_VALUE_MAX - 1, "un champ du formulaire en cours"},
    {"ui_draft", "error", RULE_TEXT, 250, "un message du formulaire en cours"},
    {"profile", NULL, RULE_TEXT, 200, "le profil"},
    {"setting", "value", RULE_TABBED, 1000, "une donnée interne"},
};

/* The tables an agent may change, and how a refusal names the others. */
static const char *const allowed_tables[] = {
    "checklist", "mandate", "credit_observation", "dossier", "dossier_event", "search",
    "search_result", "profile", "ui_state", "ui_draft", NULL,
};

static bool table_allowed(const char *table)
{
    for (const char *const *t = allowed_tables; *t; t++)
        if (strcmp(*t, table) == 0)
            return true;
    return false;
}

static const char *table_words(const char *table)
{
    if (strcmp(table, "setting") == 0)
        return "une modification des réglages";
    if (strcmp(table, "share_state") == 0)
        return "une modification de l'état de l'assistance";
    if (strcmp(table, "share_log") == 0)
        return "une modification du journal de l'assistance";
    if (strncmp(table, "sqlite_", 7) == 0)
        return "une modification interne de la base";
    return "une modification d'une partie inconnue de la base";
}

/* The store keeps its own bookkeeping beside a balance reading and a deleted dossier in the
 * setting table (src/store.c, keys "interne.releve.N" and "interne.dossier_supprime.N"):
 * an agent noting a reading or deleting a dossier makes them, and only them. */
static bool bookkeeping_key(const char *key)
{
    static const char *const prefixes[] = {"interne.releve.", "interne.dossier_supprime."};
    for (size_t i = 0; i < sizeof prefixes / sizeof *prefixes; i++) {
        size_t n = strlen(prefixes[i]);
        if (strncmp(key, prefixes[i], n) == 0 && key[n] && strspn(key + n, "0123456789") ==
                                                              strlen(key + n))
            return true;
    }
    return false;
}

static const struct column_rule *rule_of(const char *table, const char *column)
{
    for (size_t i = 0; i < sizeof column_rules / sizeof *column_rules; i++) {
        const struct column_rule *r = &column_rules[i];
        if (strcmp(r->table, table) == 0 && (!r->column || strcmp(r->column, column) == 0))
            return r;
    }
    return NULL;
}

/* A table's columns as the official's database has them. */
#define PROPOSAL_COLUMNS 32
struct table_shape {
    int count;
    char name[PROPOSAL_COLUMNS][40];
    char type[PROPOSAL_COLUMNS][16];
    unsigned char pk[PROPOSAL_COLUMNS]; /* position in the primary key, 0 when not in it */
};

static int table_shape(store *st, const char *table, struct table_shape *out)
{
    out->count = 0;
    sqlite3_stmt *stmt = prepare(st, "SELECT name, upper(type), pk FROM"
                                     " pragma_table_info(?1) ORDER BY cid");
    if (!stmt)
        return -1;
    sqlite3_bind_text(stmt, 1, table, -1, SQLITE_STATIC);
    int rc;
    while ((rc = sqlite3_step(stmt)) == SQLITE_ROW && out->count < PROPOSAL_COLUMNS) {
        const char *name = (const char *)sqlite3_column_text(stmt, 0);
        const char *type = (const char *)sqlite3_column_text(stmt, 1);
        snprintf(out->name[out->count], sizeof out->name[0], "%s", name ? name : "");
        snprintf(out->type[out->count], sizeof out->type[0], "%s", type ? type : "");
        int pk = sqlite3_column_int(stmt, 2);
        out->pk[out->count] = (unsigned char)(pk > 0 && pk < 256 ? pk : 0);
        out->count++;
    }
    sqlite3_finalize(stmt);
    return rc == SQLITE_DONE || rc == SQLITE_ROW ? 0 : fail_sqlite(st, "lecture du schéma");
}

/* The reason alone, as a clause: both sides put it after their own words (« Modification
 * de Zoé refusée, rien n'a changé : … », « L'élu n'a pas pris votre modification : … »). */
static int refuse(store *st, const char *why)
{
    return failf(st, STORE_REFUSED, "%s.", why);
}

static int refuse_value(store *st, const char *what, const char *problem)
{
    /* « les notes d'un dossier contiennent… »: the verb agrees with a plural subject
     * (found by fuzz_changeset's seeds). */
    static const char *const plural[][2] = {
        {"contient ", "contiennent "}, {"dépasse ", "dépassent "},
        {"n'est ", "ne sont "},       {"est ", "sont "},
        {"n'existe ", "n'existent "},
    };
    char why[512];
    if (strncmp(what, "les ", 4) == 0)
        for (size_t i = 0; i < sizeof plural / sizeof *plural; i++) {
            size_t n = strlen(plural[i][0]);
            if (strncmp(problem, plural[i][0], n) == 0) {
                snprintf(why, sizeof why, "%s %s%s", what, plural[i][1], problem + n);
                return refuse(st, why);
            }
        }
    snprintf(why, sizeof why, "%s %s", what, problem);
    return refuse(st, why);
}

/* Checks one new value of a proposal against the column's type and rule. */
static int check_value(store *st, const char *table, const char *column, const char *type,
                       sqlite3_value *v)
{
    const struct column_rule *r = rule_of(table, column);
    const char *what = r ? r->what : "un texte";
    int vt = sqlite3_value_type(v);
    if (vt == SQLITE_BLOB)
        return refuse_value(st, what, "contient des données binaires");
    if (vt == SQLITE_NULL) {
        if (r && (r->rule == RULE_REQUIRED || r->rule == RULE_AGENT || r->rule == RULE_ITEM ||
                  r->rule == RULE_STATUS))
            return refuse_value(st, what, "est vide");
        return 0;
    }
    /* A text in a number's column would pass SQLite's CHECKs ('abc' >= 0 is true). */
    if (strstr(type, "INT") && vt != SQLITE_INTEGER)
        return refuse_value(st, what, "n'est pas un nombre entier");
    if (strstr(type, "REAL") && vt != SQLITE_INTEGER && vt != SQLITE_FLOAT)
        return refuse_value(st, what, "n'est pas un nombre");
    if (vt != SQLITE_TEXT)
        return strstr(type, "TEXT") ? refuse_value(st, what, "n'est pas un texte") : 0;

    const char *text = (const char *)sqlite3_value_text(v);
    int bytes = sqlite3_value_bytes(v);
    if (!text || (size_t)bytes != strlen(text))
        return refuse_value(st, what, "contient un caractère de contrôle");
    bool clean;
    if (r && r->rule == RULE_TABBED) {
        char *copy = strdup(text);
        if (!copy)
            return failf(st, -1, "Mémoire insuffisante.");
        for (char *t = copy; (t = strchr(t, '\t')) != NULL;)
            *t = ' ';
        clean = text_is_clean(copy);
        free(copy);
    } else {
        clean = text_is_clean(text);
    }
    if (!clean)
        return refuse_value(st, what, "contient un caractère de contrôle");
    int max = r ? r->max_chars : 1000;
    if (text_chars(text) > (size_t)max) {
        char problem[96];
        snprintf(problem, sizeof problem, "dépasse %d caractères", max);
        return refuse_value(st, what, problem);
    }
    if (!r)
        return 0;
    char err[256];
    switch (r->rule) {
    case RULE_REQUIRED: {
        char trimmed[4 * DOSSIER_NOTES_MAX + 1];
        snprintf(trimmed, sizeof trimmed, "%s", text);
        if (!*text_trim(trimmed))
            return refuse_value(st, what, "est vide");
        return 0;
    }
    case RULE_DATE: {
        struct date d;
        if (strlen(text) != 10 || !dates_parse(text, &d, err, sizeof err))
            return refuse_value(st, what, "n'est pas une date valable");
        return 0;
    }
    case RULE_AGENT:
    case RULE_DONE_BY:
        if (strcmp(text, "agent") != 0)
            return refuse(st, "une coche ou un changement d'état fait pendant l'assistance "
                              "doit être attribué à l'assistance");
        return 0;
    case RULE_ITEM: {
        int step = 0;
        if (!guide_item_find(text, &step))
            return refuse_value(st, what, "n'existe pas dans le guide");
        return 0;
    }
    case RULE_STATUS:
        if (dossier_status_from_key(text) < 0)
            return refuse_value(st, what, "est inconnu");
        return 0;
    case RULE_SIRET: {
        char normalized[15];
        if (*text && !dossier_siret_valid(text, normalized, err, sizeof err))
            return refuse_value(st, what, "n'est pas valable");
        return 0;
    }
    case RULE_TEXT:
    case RULE_TABBED:
        return 0;
    }
    return 0;
}

/* Ids of the rows a proposal touched, for the checks made once it is applied. */
struct id_list {
    long long *ids;
    size_t count, cap;
};

static int id_add(struct id_list *l, sqlite3_value *v)
{
    if (!v || sqlite3_value_type(v) != SQLITE_INTEGER)
        return 0;
    if (l->count == l->cap) {
        size_t cap = l->cap ? l->cap * 2 : 8;
        long long *grown = realloc(l->ids, cap * sizeof *grown);
        if (!grown)
            return -1;
        l->ids = grown;
        l->cap = cap;
    }
    l->ids[l->count++] = sqlite3_value_int64(v);
    return 0;
}

/* Names of checklist items a proposal touched (their primary key). */
struct name_list {
    char (*names)[72];
    size_t count, cap;
};

static int name_add(struct name_list *l, sqlite3_value *v)
{
    if (!v || sqlite3_value_type(v) != SQLITE_TEXT)
        return 0;
    if (l->count == l->cap) {
        size_t cap = l->cap ? l->cap * 2 : 8;
        char(*grown)[72] = realloc(l->names, cap * sizeof *grown);
        if (!grown)
            return -1;
        l->names = grown;
        l->cap = cap;
    }
    snprintf(l->names[l->count++], sizeof l->names[0], "%s", (const char *)sqlite3_value_text(v));
    return 0;
}

static bool id_in(const struct id_list *l, long long id)
{
    for (size_t i = 0; i < l->count; i++)
        if (l->ids[i] == id)
            return true;
    return false;
}

/* A dossier's status as a proposal changes it, and the history rows it adds: the two go
 * together, as store_dossier_set_status writes them. */
#define PROPOSAL_STATUS_MAX 16
struct status_change {
    long long dossier;
    char from[32], to[32];
};
struct event_insert {
    long long dossier;
    char status[32], day[16];
    bool agent, matched;
};

struct proposal_scan {
    size_t changes;
    struct id_list mandates, dossiers;
    struct name_list items;          /* checklist rows inserted or updated */
    struct id_list events_added;     /* dossier_event rows inserted */
    struct id_list events_redated;   /* dossier_event rows updated (their date only) */
    struct id_list dossiers_deleted; /* dossier rows deleted */
    struct id_list dossiers_added;   /* dossier rows inserted */
    struct id_list history_deleted;  /* dossiers whose dossier_event rows are deleted */
    struct status_change status[PROPOSAL_STATUS_MAX];
    size_t status_count;
    struct event_insert events[PROPOSAL_STATUS_MAX];
    size_t event_count;
};

static void scan_free(struct proposal_scan *scan)
{
    free(scan->mandates.ids);
    free(scan->dossiers.ids);
    free(scan->items.names);
    free(scan->events_added.ids);
    free(scan->events_redated.ids);
    free(scan->dossiers_deleted.ids);
    free(scan->dossiers_added.ids);
    free(scan->history_deleted.ids);
}

static int column_index(const struct table_shape *shape, const char *name)
{
    for (int c = 0; c < shape->count; c++)
        if (strcmp(shape->name[c], name) == 0)
            return c;
    return -1;
}

/* The value of column `name` of the row a change is about: the new one of an INSERT, the
 * old one of an UPDATE's key or of a DELETE. NULL when absent. */
static sqlite3_value *change_value(sqlite3_changeset_iter *it, const struct table_shape *shape,
                                   const char *name, bool new_value)
{
    int c = column_index(shape, name);
    sqlite3_value *v = NULL;
    if (c < 0)
        return NULL;
    if (new_value)
        sqlite3changeset_new(it, c, &v);
    else
        sqlite3changeset_old(it, c, &v);
    return v;
}

static void value_copy(char *buf, size_t len, sqlite3_value *v)
{
    const char *t = v && sqlite3_value_type(v) == SQLITE_TEXT
                        ? (const char *)sqlite3_value_text(v)
                        : "";
    snprintf(buf, len, "%s", t);
}

static long long value_id(sqlite3_value *v)
{
    return v && sqlite3_value_type(v) == SQLITE_INTEGER ? sqlite3_value_int64(v) : 0;
}

/* What a change does beyond its values: the deletes the local screens can make and no
 * other (review finding 1), and what the checks of the whole proposal need to know. */
static int note_change(store *st, sqlite3_changeset_iter *it, const char *table, int op,
                       const struct table_shape *shape, struct proposal_scan *scan)
{
    bool del = op == SQLITE_DELETE, ins = op == SQLITE_INSERT;
    int rc = 0;
    if (strcmp(table, "checklist") == 0) {
        if (del)
            return refuse(st, "la suppression d'une coche n'est pas permise à l'assistance");
        rc = name_add(&scan->items, change_value(it, shape, "item", ins));
    } else if (strcmp(table, "dossier_event") == 0) {
        if (del) {
            rc = id_add(&scan->history_deleted, change_value(it, shape, "dossier_id", false));
        } else if (ins) {
            if (scan->event_count == PROPOSAL_STATUS_MAX)
                return refuse(st, "la modification change trop d'états de dossiers à la fois");
            struct event_insert *e = &scan->events[scan->event_count++];
            memset(e, 0, sizeof *e);
            e->dossier = value_id(change_value(it, shape, "dossier_id", true));
            value_copy(e->status, sizeof e->status, change_value(it, shape, "status", true));
            value_copy(e->day, sizeof e->day, change_value(it, shape, "event_date", true));
            char actor[16];
            value_copy(actor, sizeof actor, change_value(it, shape, "actor", true));
            e->agent = strcmp(actor, "agent") == 0;
            rc = id_add(&scan->events_added, change_value(it, shape, "id", true));
        } else {
            /* The local form changes a dossier's creation date, nothing else of its history. */
            for (int c = 0; c < shape->count; c++) {
                sqlite3_value *v = NULL;
                if (sqlite3changeset_new(it, c, &v) == SQLITE_OK && v &&
                    strcmp(shape->name[c], "event_date") != 0)
                    return refuse(st, "l'historique d'un dossier ne peut pas être réécrit");
            }
            rc = id_add(&scan->events_redated, change_value(it, shape, "id", false));
        }
    } else if (strcmp(table, "dossier") == 0) {
        if (del) {
            rc = id_add(&scan->dossiers_deleted, change_value(it, shape, "id", false));
        } else if (ins) {
            char status[32];
            value_copy(status, sizeof status, change_value(it, shape, "status", true));
            if (strcmp(status, dossier_status_key(DS_CREATION)) != 0) {
                char why[256];
                text_msgf(why, sizeof why, "un nouveau dossier commence à l'état « %s »",
                          dossier_status_label(DS_CREATION));
                return refuse(st, why);
            }
            rc = id_add(&scan->dossiers_added, change_value(it, shape, "id", true));
        } else {
            sqlite3_value *to = change_value(it, shape, "status", true);
            if (to) {
                if (scan->status_count == PROPOSAL_STATUS_MAX)
                    return refuse(st, "la modification change trop d'états de dossiers à la fois");
                struct status_change *c = &scan->status[scan->status_count++];
                c->dossier = value_id(change_value(it, shape, "id", false));
                value_copy(c->from, sizeof c->from, change_value(it, shape, "status", false));
                value_copy(c->to, sizeof c->to, to);
            }
        }
    } else if (del && (strcmp(table, "search") == 0 || strcmp(table, "search_result") == 0)) {
        return refuse(st, "la suppression d'une recherche n'est pas permise à l'assistance");
    } else if (del && (strcmp(table, "profile") == 0 || strcmp(table, "ui_state") == 0)) {
        return refuse(st, "cette suppression n'est pas permise à l'assistance");
    }
    /* Deletes left: a mandate, a balance reading, the open form's fields and the store's
     * bookkeeping beside them (checked above): what the local screens delete. */
    return rc == 0 ? 0 : failf(st, -1, "Mémoire insuffisante.");
}

/* A message of the rules (a sentence) as a clause that refuse() ends. */
static int refuse_sentence(store *st, const char *sentence)
{
    char why[1024];
    snprintf(why, sizeof why, "%s", sentence);
    size_t n = strlen(why);
    while (n > 0 && (why[n - 1] == '.' || why[n - 1] == ' '))
        why[--n] = '\0';
    if (n > 0 && (unsigned char)why[0] < 0x80)
        why[0] = (char)(why[0] >= 'A' && why[0] <= 'Z' ? why[0] - 'A' + 'a' : why[0]);
    return refuse(st, why);
}

/* A status change as the official's own keys would make it: allowed from the status the
 * official's dossier has now, by the rules of the status screen (rules_check_record), and
 * noted in the history by the agent the same day (review finding 2). */
static int check_status_change(store *st, struct proposal_scan *scan,
                               const struct status_change *c)
{
    static const char *const conflict = "la personne aidée a modifié entre-temps la même donnée";
    struct dossier *list = NULL;
    size_t n = 0;
    if (store_dossier_list(st, &list, &n) != 0)
        return -1;
    struct dossier d;
    bool found = false;
    for (size_t i = 0; i < n; i++)
        if (list[i].id == c->dossier) {
            d = list[i];
            found = true;
        }
    free(list);
    if (!found || strcmp(dossier_status_key(d.status), c->from) != 0)
        return refuse(st, conflict);
    int to = dossier_status_from_key(c->to);
    if (to < 0)
        return refuse_value(st, "l'état d'un dossier", "est inconnu");
    char why[512];
    if (!dossier_transition_allowed(d.status, (enum dossier_status)to)) {
        text_msgf(why, sizeof why, "un dossier « %s » ne peut pas passer à « %s »",
                  dossier_status_label(d.status), dossier_status_label((enum dossier_status)to));
        return refuse(st, why);
    }
    struct event_insert *e = NULL;
    for (size_t i = 0; i < scan->event_count && !e; i++)
        if (!scan->events[i].matched && scan->events[i].dossier == c->dossier &&
            strcmp(scan->events[i].status, c->to) == 0 && scan->events[i].agent)
            e = &scan->events[i];
    if (!e)
        return refuse(st, "un changement d'état d'un dossier doit être noté dans son "
                          "historique");
    e->matched = true;
    struct date day;
    char err[1024], warning[2048];
    if (!dates_parse(e->day, &day, err, sizeof err))
        return refuse_value(st, "la date d'un changement d'état", "n'est pas une date valable");
    struct mandate *mandates = NULL;
    size_t mcount = 0;
    if (store_mandate_list(st, &mandates, &mcount) != 0)
        return -1;
    bool ok = rules_check_record(&d, (enum dossier_status)to, day, dates_today(), mandates,
                                 mcount, err, sizeof err, warning, sizeof warning);
    free(mandates);
    return ok ? 0 : refuse_sentence(st, err);
}

/* The checks that need the whole proposal: a history deleted only with its dossier, a
 * status changed only with its history row, a history row only with its status change
 * (or the creation of its dossier). */
static int check_links(store *st, struct proposal_scan *scan)
{
    for (size_t i = 0; i < scan->history_deleted.count; i++)
        if (!id_in(&scan->dossiers_deleted, scan->history_deleted.ids[i]))
            return refuse(st, "la suppression de l'historique d'un dossier n'est pas permise "
                              "à l'assistance");
    for (size_t i = 0; i < scan->status_count; i++) {
        int rc = check_status_change(st, scan, &scan->status[i]);
        if (rc != 0)
            return rc;
    }
    for (size_t i = 0; i < scan->event_count; i++) {
        struct event_insert *e = &scan->events[i];
        if (e->matched)
            continue;
        if (id_in(&scan->dossiers_added, e->dossier) &&
            strcmp(e->status, dossier_status_key(DS_CREATION)) == 0) {
            e->matched = true;
            continue;
        }
        return refuse(st, "un changement d'état de l'historique doit aller avec l'état du "
                          "dossier");
    }
    return 0;
}

/* Reads the whole changeset before anything is applied: every table allowed, every value
 * as the official's own input would be. 0, STORE_REFUSED or -1, with the reason. */
static int scan_proposal(store *st, const void *buf, size_t len, struct proposal_scan *scan)
{
    sqlite3_changeset_iter *it = NULL;
    if (!changeset_well_formed(buf, len) ||
        sqlite3changeset_start(&it, (int)len, (void *)buf) != SQLITE_OK)
        return refuse(st, "la modification reçue est illisible");
    struct table_shape shape;
    char shape_of[64] = "";
    int status = 0, rc = SQLITE_DONE;
    while (status == 0 && (rc = sqlite3changeset_next(it)) == SQLITE_ROW) {
        const char *table = NULL;
        int ncol = 0, op = 0, indirect = 0;
        if (sqlite3changeset_op(it, &table, &ncol, &op, &indirect) != SQLITE_OK || !table) {
            status = refuse(st, "la modification reçue est illisible");
            break;
        }
        scan->changes++;
        bool setting = strcmp(table, "setting") == 0;
        if (!table_allowed(table) && !setting) {
            char why[256];
            snprintf(why, sizeof why, "%s n'est pas permise à l'assistance", table_words(table));
            status = refuse(st, why);
            break;
        }
        if (strcmp(shape_of, table) != 0) {
            if (table_shape(st, table, &shape) != 0) {
                status = -1;
                break;
            }
            snprintf(shape_of, sizeof shape_of, "%s", table);
        }
        /* The primary key as the official's table has it: SQLite skips, without a word,
         * the changes of a table whose key differs, and the rest of the proposal would
         * apply without them (a dossier kept, its history deleted: found by
         * fuzz_changeset). */
        unsigned char *pk = NULL;
        int npk = 0;
        bool same_key = ncol == shape.count &&
                        sqlite3changeset_pk(it, &pk, &npk) == SQLITE_OK && npk == ncol;
        for (int c = 0; same_key && c < ncol; c++)
            same_key = pk[c] == shape.pk[c];
        if (!same_key) {
            status = refuse(st, "la modification reçue vient d'une autre version de difelus");
            break;
        }
        if (setting) {
            /* Only the store's own bookkeeping beside a reading or a deleted dossier. */
            sqlite3_value *key = NULL;
            if (op == SQLITE_INSERT)
                sqlite3changeset_new(it, 0, &key);
            else
                sqlite3changeset_old(it, 0, &key);
            const char *k = key && sqlite3_value_type(key) == SQLITE_TEXT
                                ? (const char *)sqlite3_value_text(key)
                                : "";
            if (!bookkeeping_key(k)) {
                status = refuse(st, "une modification des réglages n'est pas permise à "
                                    "l'assistance");
                break;
            }
        }
        if (op == SQLITE_INSERT || op == SQLITE_UPDATE) {
            for (int c = 0; status == 0 && c < ncol; c++) {
                sqlite3_value *v = NULL;
                if (sqlite3changeset_new(it, c, &v) != SQLITE_OK) {
                    status = refuse(st, "la modification reçue est illisible");
                    break;
                }
                if (v) /* NULL: a column an update leaves as it is */
                    status = check_value(st, table, shape.name[c], shape.type[c], v);
            }
        }
        if (status == 0)
            status = note_change(st, it, table, op, &shape, scan);
        if (status == 0 && op != SQLITE_DELETE) {
            sqlite3_value *id = NULL;
            if (op == SQLITE_INSERT)
                sqlite3changeset_new(it, 0, &id);
            else
                sqlite3changeset_old(it, 0, &id);
            struct id_list *l = strcmp(table, "mandate") == 0   ? &scan->mandates
                                : strcmp(table, "dossier") == 0 ? &scan->dossiers
                                                                : NULL;
            if (l && id_add(l, id) != 0)
                status = failf(st, -1, "Mémoire insuffisante.");
        }
    }
    int end = sqlite3changeset_finalize(it);
    if (status == 0 && (rc != SQLITE_DONE || end != SQLITE_OK))
        status = refuse(st, "la modification reçue est illisible");
    if (status == 0 && scan->changes == 0)
        status = refuse(st, "la modification reçue est vide");
    if (status == 0)
        status = check_links(st, scan);
    return status;
}

/* The first column of `sql` bound to a text or an id, as text ("" when no row). */
static int row_text(store *st, const char *sql, const char *key, long long id, char *out,
                    size_t len, bool *found)
{
    sqlite3_stmt *stmt = prepare(st, sql);
    if (!stmt)
        return -1;
    if (key)
        sqlite3_bind_text(stmt, 1, key, -1, SQLITE_STATIC);
    else
        sqlite3_bind_int64(stmt, 1, id);
    int rc = sqlite3_step(stmt);
    *found = rc == SQLITE_ROW;
    const char *v = *found ? (const char *)sqlite3_column_text(stmt, 0) : NULL;
    snprintf(out, len, "%s", v ? v : "");
    sqlite3_finalize(stmt);
    return rc == SQLITE_ROW || rc == SQLITE_DONE ? 0 : fail_sqlite(st, "vérification");
}

/* Every touched tick and history row as it is once applied: an UPDATE carries only the
 * columns it changes, so a row left ticked « by the official », or unticked with the
 * official still named, is seen only here (review finding 1). */
static int check_authors(store *st, const struct proposal_scan *scan)
{
    static const char *const not_agent = "une coche ou un changement d'état fait pendant "
                                         "l'assistance doit être attribué à l'assistance";
    char v[32];
    bool found;
    for (size_t i = 0; i < scan->items.count; i++) {
        if (row_text(st, "SELECT CASE WHEN done = 1 AND done_by IS 'agent' THEN 'ok'"
                         " WHEN done = 0 AND done_by IS NULL THEN 'ok' ELSE 'non' END"
                         " FROM checklist WHERE item = ?1",
                     scan->items.names[i], 0, v, sizeof v, &found) != 0)
            return -1;
        if (found && strcmp(v, "ok") != 0)
            return refuse(st, not_agent);
    }
    for (size_t i = 0; i < scan->events_added.count; i++) {
        if (row_text(st, "SELECT actor FROM dossier_event WHERE id = ?1", NULL,
                     scan->events_added.ids[i], v, sizeof v, &found) != 0)
            return -1;
        if (found && strcmp(v, "agent") != 0)
            return refuse(st, not_agent);
    }
    for (size_t i = 0; i < scan->events_redated.count; i++) {
        if (row_text(st, "SELECT status FROM dossier_event WHERE id = ?1", NULL,
                     scan->events_redated.ids[i], v, sizeof v, &found) != 0)
            return -1;
        if (found && strcmp(v, dossier_status_key(DS_CREATION)) != 0)
            return refuse(st, "l'historique d'un dossier ne peut pas être réécrit");
    }
    return 0;
}

/* The checks of the official's own forms, on the rows as they are once applied. */
static int check_applied(store *st, const struct proposal_scan *scan)
{
    int authors = check_authors(st, scan);
    if (authors != 0)
        return authors;
    for (size_t i = 0; i < scan->mandates.count; i++) {
        sqlite3_stmt *stmt = prepare(st, "SELECT level, collectivite, function, start_date,"
                                         " end_date, opposition, indemnified FROM mandate"
                                         " WHERE id = ?1");
        if (!stmt)
            return -1;
        sqlite3_bind_int64(stmt, 1, scan->mandates.ids[i]);
        int rc = sqlite3_step(stmt);
        if (rc != SQLITE_ROW) {
            sqlite3_finalize(stmt);
            if (rc == SQLITE_DONE)
                continue; /* deleted again by the same proposal */
            return fail_sqlite(st, "vérification des mandats");
        }
        struct mandate m = {0};
        char err[256];
        int level = mandate_level_parse((const char *)sqlite3_column_text(stmt, 0));
        m.level = level < 0 ? MANDATE_OTHER : (enum mandate_level)level;
        snprintf(m.collectivite, sizeof m.collectivite, "%s",
                 (const char *)sqlite3_column_text(stmt, 1));
        snprintf(m.function, sizeof m.function, "%s", (const char *)sqlite3_column_text(stmt, 2));
        bool dates_ok =
            dates_parse((const char *)sqlite3_column_text(stmt, 3), &m.start, err, sizeof err) &&
            dates_parse((const char *)sqlite3_column_text(stmt, 4), &m.end, err, sizeof err);
        m.opposition = sqlite3_column_int(stmt, 5) != 0;
        m.indemnified = sqlite3_column_int(stmt, 6) != 0;
        sqlite3_finalize(stmt);
        if (!dates_ok)
            return refuse(st, "les dates d'un mandat ne sont pas valables");
        char values[MF_COUNT][4 * MANDATE_TEXT_MAX + 1];
        mandate_to_strings(&m, values);
        const char *v[MF_COUNT];
        for (int f = 0; f < MF_COUNT; f++)
            v[f] = values[f];
        char errors[MF_COUNT][256];
        struct mandate checked;
        if (mandate_check_strings(v, &checked, errors) > 0) {
            for (int f = 0; f < MF_COUNT; f++)
                if (errors[f][0]) {
                    char why[320];
                    snprintf(why, sizeof why, "mandat incorrect (%s)", errors[f]);
                    /* The form's sentence ends with a period: the reason goes on. */
                    size_t n = strlen(why);
                    if (n > 2 && why[n - 2] == '.')
                        memmove(why + n - 2, why + n - 1, 2);
                    return refuse(st, why);
                }
        }
    }
    for (size_t i = 0; i < scan->dossiers.count; i++) {
        sqlite3_stmt *stmt = prepare(st, "SELECT count(*) FROM dossier WHERE id = ?1 AND"
                                         " (price_cents < 0 OR hours < 0 OR (session_start"
                                         " IS NOT NULL AND session_end IS NOT NULL AND"
                                         " session_end < session_start))");
        if (!stmt)
            return -1;
        sqlite3_bind_int64(stmt, 1, scan->dossiers.ids[i]);
        int rc = sqlite3_step(stmt);
        int bad = rc == SQLITE_ROW ? sqlite3_column_int(stmt, 0) : -1;
        sqlite3_finalize(stmt);
        if (bad < 0)
            return fail_sqlite(st, "vérification des dossiers");
        if (bad > 0)
            return refuse(st, "un dossier aurait un prix, des heures ou des dates de session "
                              "incorrects");
    }
    return 0;
}

/* How the official's database takes a proposal made on a copy that may be a little
 * behind: the agent's value wins over a row changed since (the agent has control), a row
 * gone is left gone, but a new row whose id is taken meanwhile, a broken constraint or a
 * missing reference stops everything. */
struct apply_ctx {
    int aborted_on; /* the conflict that stopped it, 0 if none */
};

static bool values_equal(sqlite3_value *a, sqlite3_value *b)
{
    int t = sqlite3_value_type(a);
    if (t != sqlite3_value_type(b))
        return false;
    switch (t) {
    case SQLITE_NULL:
        return true;
    case SQLITE_INTEGER:
        return sqlite3_value_int64(a) == sqlite3_value_int64(b);
    case SQLITE_FLOAT:
        return sqlite3_value_double(a) == sqlite3_value_double(b);
    default: {
        int n = sqlite3_value_bytes(a);
        const void *pa = t == SQLITE_TEXT ? (const void *)sqlite3_value_text(a)
                                          : sqlite3_value_blob(a);
        const void *pb = t == SQLITE_TEXT ? (const void *)sqlite3_value_text(b)
                                          : sqlite3_value_blob(b);
        return n == sqlite3_value_bytes(b) && (n == 0 || memcmp(pa, pb, (size_t)n) == 0);
    }
    }
}

/* An UPDATE whose row already holds every new value (a mandate's deletion in the same
 * proposal has already emptied a dossier's mandate_id, ON DELETE SET NULL): nothing of
 * the official's is lost by leaving it. */
static bool already_applied(sqlite3_changeset_iter *it, int op, int ncol)
{
    if (op != SQLITE_UPDATE)
        return false;
    for (int c = 0; c < ncol; c++) {
        sqlite3_value *v = NULL, *cur = NULL;
        if (sqlite3changeset_new(it, c, &v) != SQLITE_OK)
            return false;
        if (!v)
            continue;
        if (sqlite3changeset_conflict(it, c, &cur) != SQLITE_OK || !cur || !values_equal(v, cur))
            return false;
    }
    return true;
}

static int proposal_conflict(void *p, int conflict, sqlite3_changeset_iter *it)
{
    struct apply_ctx *ctx = p;
    const char *table = NULL;
    int ncol = 0, op = 0, indirect = 0;
    sqlite3changeset_op(it, &table, &ncol, &op, &indirect);
    /* The official's progress and dossiers: a row the official changed since the agent's
     * copy was made is not overwritten with what the agent saw before (review finding 1). */
    bool guarded = table && (strcmp(table, "checklist") == 0 || strcmp(table, "dossier") == 0 ||
                             strcmp(table, "dossier_event") == 0);
    switch (conflict) {
    case SQLITE_CHANGESET_DATA:
        if (guarded && already_applied(it, op, ncol))
            return SQLITE_CHANGESET_OMIT;
        if (guarded) {
            ctx->aborted_on = SQLITE_CHANGESET_DATA;
            return SQLITE_CHANGESET_ABORT;
        }
        return SQLITE_CHANGESET_REPLACE;
    case SQLITE_CHANGESET_NOTFOUND:
        return SQLITE_CHANGESET_OMIT;
    case SQLITE_CHANGESET_CONFLICT:
        /* The wizard's position, the form: one row each, the agent's wins. A new
         * mandate or dossier with an id the official used meanwhile: not overwritten. */
        if (strcmp(table ? table : "", "checklist") == 0) {
            ctx->aborted_on = SQLITE_CHANGESET_DATA; /* the official ticked it meanwhile */
            return SQLITE_CHANGESET_ABORT;
        }
        if (table && (strcmp(table, "ui_state") == 0 ||
                      strcmp(table, "ui_draft") == 0 || strcmp(table, "profile") == 0 ||
                      strcmp(table, "setting") == 0))
            return SQLITE_CHANGESET_REPLACE;
        ctx->aborted_on = conflict;
        return SQLITE_CHANGESET_ABORT;
    default: /* CONSTRAINT, FOREIGN_KEY */
        ctx->aborted_on = conflict;
        return SQLITE_CHANGESET_ABORT;
    }
}

/* The highest proposal number applied for the admitted agent (0: none). */
static int last_proposal(store *st, unsigned long long *out)
{
    *out = 0;
    sqlite3_stmt *stmt = prepare(st, "SELECT last_proposal FROM share_state WHERE id = 1");
    if (!stmt)
        return -1;
    int rc = sqlite3_step(stmt);
    if (rc == SQLITE_ROW && sqlite3_column_int64(stmt, 0) > 0)
        *out = (unsigned long long)sqlite3_column_int64(stmt, 0);
    sqlite3_finalize(stmt);
    return rc == SQLITE_ROW || rc == SQLITE_DONE ? 0 : fail_sqlite(st, "lecture de l'assistance");
}

int store_share_apply_proposal(store *st, unsigned long long number, const void *buf,
                               size_t len)
{
    if (!buf || len == 0)
        return refuse(st, "la modification reçue est vide");
    if (len > INT32_MAX)
        return refuse(st, "la modification reçue est trop grande");
    if (number == 0 || number > (unsigned long long)INT64_MAX)
        return refuse(st, "le numéro de la modification reçue est illisible");
    /* A proposal sent again after a reconnection (contract §5): already applied, it is
     * answered ok and not applied twice, which would undo what the official did since. */
    unsigned long long last;
    if (last_proposal(st, &last) != 0)
        return -1;
    if (number <= last)
        return 0;
    struct proposal_scan scan = {0};
    int status = scan_proposal(st, buf, len, &scan);
    if (status != 0)
        goto done;
    sqlite3 *db = store_db(st);
    if (exec(st, "SAVEPOINT share_proposal", "application de la modification") != 0) {
        status = -1;
        goto done;
    }
    struct apply_ctx ctx = {0};
    int rc = sqlite3changeset_apply(db, (int)len, (void *)buf, NULL, proposal_conflict, &ctx);
    if (rc != SQLITE_OK) {
        if (ctx.aborted_on == SQLITE_CHANGESET_DATA)
            status = refuse(st, "la personne aidée a modifié entre-temps la même donnée");
        else if (ctx.aborted_on == SQLITE_CHANGESET_CONFLICT)
            status = refuse(st, "la personne aidée a créé entre-temps une donnée au même "
                                "endroit");
        else if (ctx.aborted_on == SQLITE_CHANGESET_FOREIGN_KEY)
            status = refuse(st, "elle fait référence à un mandat ou un dossier qui n'existe "
                                "pas");
        else if (ctx.aborted_on == SQLITE_CHANGESET_CONSTRAINT || rc == SQLITE_CONSTRAINT)
            status = refuse(st, "une valeur n'est pas permise (contrôle de la base)");
        else if (rc == SQLITE_CORRUPT || rc == SQLITE_MISUSE || rc == SQLITE_SCHEMA)
            status = refuse(st, "la modification reçue est illisible");
        else
            status = fail_code(st, rc, "application de la modification");
    } else {
        status = check_applied(st, &scan);
    }
    if (status == 0) {
        sqlite3_stmt *stmt = prepare(st, "UPDATE share_state SET last_proposal = ?1 WHERE id = 1");
        if (stmt)
            sqlite3_bind_int64(stmt, 1, (sqlite3_int64)number);
        status = run(st, stmt, "application de la modification");
    }
    if (status != 0) {
        sqlite3_exec(db, "ROLLBACK TO share_proposal; RELEASE share_proposal", NULL, NULL, NULL);
        goto done;
    }
    if (exec(st, "RELEASE share_proposal", "application de la modification") != 0) {
        sqlite3_exec(db, "ROLLBACK TO share_proposal; RELEASE share_proposal", NULL, NULL, NULL);
        status = -1;
    }
done:
    scan_free(&scan);
    return status;
}
