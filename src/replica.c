/* The shared session's SQL (DESIGN §5, docs/share-protocol.md §5–6): the share tables, the
 * official's recording of changes (SQLite's session extension), snapshots, the agent's
 * in-memory replica and its proposals, and the validation of a proposal before the
 * official's database takes it. All through prepared statements, as in src/store.c. */
#include "difelus/share.h"

#include <sqlite3.h>
#include <stdarg.h>
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
