/* What the catalogue module (the other owner of SQL) needs from the store. */
#ifndef DIFELUS_STORE_INTERNAL_H
#define DIFELUS_STORE_INTERNAL_H

#include <sqlite3.h>

#include "difelus/store.h"

sqlite3 *store_db(store *st);
const char *store_path(const store *st);
/* The French message for SQLite result code rc on the database at path (damaged, read-only
 * file or folder, disk full, disk I/O error, busy…), saying what to do: never SQLite's own
 * English text. `what` names the failed operation, or NULL. */
void store_describe_sqlite(char *err, size_t errlen, const char *path, int rc, const char *what);

/* Where an SQLite error happened: what the official should do differs. */
enum store_sqlite_context {
    SQLITE_FOR_DATABASE,  /* the official's own database */
    SQLITE_FOR_CATALOGUE, /* the catalogue file: importing or syncing again rebuilds it */
    SQLITE_FOR_SEARCH,    /* a search in the catalogue */
    SQLITE_CONTEXTS
};
/* The one table of SQLite result codes in French: the cause ("le disque est plein"), then
 * what to do in the context ("Libérez de la place sur le disque, puis recommencez."). */
const char *store_sqlite_cause(int rc);
const char *store_sqlite_advice(int rc, enum store_sqlite_context context);
/* Checks or creates (mode 0600) a database file before SQLite opens it. */
int store_prepare_file(const char *path, char *err, size_t errlen);

/* ---- between src/store.c and src/replica.c (the shared session) ---- */

/* The buffer behind store_error, for the store's other file. */
char *store_errbuf(store *st, size_t *len);
/* A store around a connection already open (a replica); it takes the connection. NULL when
 * out of memory (the connection is then still the caller's). */
store *store_from_connection(sqlite3 *db, const char *path);
/* Puts db in place of st's connection; returns the old one (the caller closes it). */
sqlite3 *store_swap_connection(store *st, sqlite3 *db);
/* The replication state of st (NULL until replica.c needs one). */
struct replica_state;
struct replica_state **store_replica_slot(store *st);
/* Ends st's sessions and frees its replication state: store_close calls it. */
void replica_release(store *st);
/* The author to record: ACTOR_AGENT on an agent's replica whatever was asked. */
enum store_actor replica_actor(store *st, enum store_actor asked);
/* The SQL of a store transaction ("BEGIN…", "COMMIT"): inside an agent's proposal, which
 * holds a savepoint open, it nests as a savepoint instead (BEGIN would fail there). */
const char *replica_nested_sql(store *st, const char *sql);
/* Inside store_key_begin's transaction (still open): store writes nest in it. */
bool store_in_key(store *st);

#endif
