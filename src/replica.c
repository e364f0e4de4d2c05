/* The shared session's SQL (DESIGN §5, docs/share-protocol.md §5–6): the share tables, the
 * official's recording of changes (SQLite's session extension), snapshots, the agent's
 * in-memory replica and its proposals, and the validation of a proposal before the
 * official's database takes it. All through prepared statements, as in src/store.c. */
#include "difelus/share.h"

#include <sqlite3.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "difelus/mandate.h"
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
    if (!rs || !rs->proposal)
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
                                     " agent_org, connection_lost, note FROM share_state"
                                     " WHERE id = 1");
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
    sqlite3_stmt *stmt = prepare(
        st, "INSERT INTO share_state (id, phase, code, expires_at, agent_id, agent_name,"
            " agent_org, connection_lost, note) VALUES (1, ?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)"
            " ON CONFLICT (id) DO UPDATE SET phase = excluded.phase, code = excluded.code,"
            " expires_at = excluded.expires_at, agent_id = excluded.agent_id,"
            " agent_name = excluded.agent_name, agent_org = excluded.agent_org,"
            " connection_lost = excluded.connection_lost, note = excluded.note");
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
    int rc;
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
    sqlite3 *db = store_db(st);
    if (rs->proposal) {
        sqlite3session_delete(rs->proposal);
        rs->proposal = NULL;
    }
    for (sqlite3_stmt *s = sqlite3_next_stmt(db, NULL); s; s = sqlite3_next_stmt(db, s))
        sqlite3_reset(s);
    if (!sqlite3_get_autocommit(db))
        sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
    if (!sqlite3_next_stmt(db, NULL) && load_image(db, snapshot, len) == SQLITE_OK) {
        /* In place: the catalogue stays attached. */
        sqlite3_close(fresh);
        return 0;
    }
    /* A statement kept prepared (a cache) makes SQLite 3.40 crash once the schema under it
     * is replaced: the checked connection takes the old one's place instead; the old one
     * closes when its last statement is finalized, and the catalogue is attached again
     * when next used. */
    sqlite3_close_v2(store_swap_connection(st, fresh));
    return 0;
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
    if (len > INT32_MAX)
        return failf(st, -1, "Modification reçue trop grande.");
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
