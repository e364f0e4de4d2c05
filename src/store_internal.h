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

#endif
