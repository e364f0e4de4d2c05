/* Where difelus keeps its files. */
#ifndef DIFELUS_PATHS_H
#define DIFELUS_PATHS_H

#include <stddef.h>

/* The database path: `option` (from --db) if given, else $DIFELUS_DB, else
 * $XDG_DATA_HOME/difelus/difelus.db or ~/.local/share/difelus/difelus.db, whose folders
 * are created (mode 0700) when missing. Returns 0, or -1 with a French message. */
int paths_database(const char *option, char *out, size_t outlen, char *err, size_t errlen);

#endif
