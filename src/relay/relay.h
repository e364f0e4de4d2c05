/* The relay of the shared session (docs/share-protocol.md §3): internal declarations shared
 * by its three files. relay_db.c keeps the agents file and the audit log (SQLite),
 * relay_http.c is the HTTP server (libmicrohttpd), relay_main.c the command line. */
#ifndef DIFELUS_RELAY_H
#define DIFELUS_RELAY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define RELAY_HEX_LEN 32   /* a token or a session id: 128 bits in hex */
#define RELAY_ID_LEN 8     /* an agent's public id */
#define RELAY_NAME_MAX 200 /* bytes of an agent's name or organisation */

/* ---- agents and audit (relay_db.c) ---- */

struct relay_agent {
    char id[RELAY_ID_LEN + 1];
    char name[RELAY_NAME_MAX + 1];
    char org[RELAY_NAME_MAX + 1];
    char created[32];
    bool revoked;
};

/* The agents file, reopened when it is replaced or changed (the same file may be deployed
 * on several relays). Thread-safe. */
struct relay_agents;
struct relay_agents *relay_agents_open(const char *path);
void relay_agents_close(struct relay_agents *a);
/* 1 with *out for a known, unrevoked token; 0 for unknown or revoked; -1 when the file
 * cannot be read. */
int relay_agents_check(struct relay_agents *a, const char *token, struct relay_agent *out);
/* 1 with *out for a known agent id (revoked or not), 0 unknown, -1 error. */
int relay_agents_find(struct relay_agents *a, const char *id, struct relay_agent *out);

/* Opens a database holding the agents table and/or the audit log: to write (created with
 * its tables when missing) or read only. NULL with a French message. */
struct sqlite3;
struct sqlite3 *relay_db_open(const char *path, bool write, char *err, size_t errlen);
/* The subcommands' work: 0, or -1 with a French message. */
int relay_db_agent_add(struct sqlite3 *db, const char *name, const char *org,
                       char id[RELAY_ID_LEN + 1], char token[RELAY_HEX_LEN + 1], char *err,
                       size_t errlen);
/* Calls each(agent) in order of creation. */
int relay_db_agent_list(struct sqlite3 *db, void (*each)(const struct relay_agent *, void *),
                        void *cls, char *err, size_t errlen);
/* 1 revoked now, 0 unknown id, 2 already revoked, -1 error. */
int relay_db_agent_revoke(struct sqlite3 *db, const char *id, char *err, size_t errlen);

struct relay_log_entry {
    char at[32], event[32], agent_id[RELAY_ID_LEN + 1], agent_name[RELAY_NAME_MAX + 1];
    char key[8], detail[256];
};
/* The audit log: rows are queued and written in order by its own writer thread (never by
 * a request, never under the server's lock); relay_audit_close writes what is queued. */
struct relay_audit;
struct relay_audit *relay_audit_open(const char *path, char *err, size_t errlen);
void relay_audit_close(struct relay_audit *a);
/* Never the code, never the session id. */
void relay_audit(struct relay_audit *a, const char *event, const char *agent_id,
                 const char *agent_name, const char *key, const char *detail);
/* The admissions (queued like the log): the agent a session admitted and in which mode
 * ("demande", "vue", "controle"), kept under sha256(SID) until the session ends. */
void relay_admission_put(struct relay_audit *a, const char *key, const char *sid,
                         const char *agent_id, const char *mode);
void relay_admission_forget(struct relay_audit *a, const char *key, const char *sid);
/* 1 with the agent id and mode when the record of `key` has this SID; 0 when there is no
 * record or another SID; -1 when the base cannot be read. Reads the disk: never call it
 * under the server's lock. */
int relay_admission_check(struct relay_audit *a, const char *key, const char *sid,
                          char agent_id[RELAY_ID_LEN + 1], char mode[16]);
int relay_db_log_list(struct sqlite3 *db, void (*each)(const struct relay_log_entry *, void *),
                      void *cls, char *err, size_t errlen);

/* 128 random bits in hex (getrandom). 0 or -1. */
int relay_random_hex(char *out, size_t hexdigits);
/* SHA-256 of s as 64 hex digits. */
void relay_sha256_hex(const char *s, char out[65]);

/* ---- the server (relay_http.c) ---- */

struct relay_config {
    const char *listen;      /* "ADDRESS:PORT" */
    const char *base;        /* the audit log */
    const char *agents;      /* the agents file */
    const char *cert, *key;  /* TLS, both or neither */
    unsigned max_sessions;
    unsigned code_seconds;   /* 600; DIFELUS_RELAIS_DUREE_CODE in tests */
    unsigned wait_seconds;   /* long polls: 25; DIFELUS_RELAIS_ATTENTE in tests */
    unsigned idle_seconds;   /* a side silent that long is gone: 120 */
    size_t queue_bytes;      /* per queue cap */
    unsigned max_per_ip;     /* connections from one address (0: no limit) */
    unsigned opens_per_minute; /* session opens from one address (0: no limit) */
    size_t bodies_max;       /* body bytes being read, all connections: 64 MiB;
                              * DIFELUS_RELAIS_CORPS_KIO (KiB) in tests */
};

/* Runs until SIGINT or SIGTERM: the exit status. */
int relay_serve(const struct relay_config *cfg);

#endif
