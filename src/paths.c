#include "difelus/paths.h"
#include "difelus/syserr.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

/* mkdir -p with mode 0700 for the folders we create; existing ones are left alone. */
static int make_dirs(char *path, char *err, size_t errlen)
{
    for (char *p = path + 1; *p; p++) {
        if (*p != '/')
            continue;
        *p = '\0';
        int rc = mkdir(path, 0700);
        int e = errno;
        *p = '/';
        if (rc != 0 && e != EEXIST) {
            *p = '\0';
            snprintf(err, errlen, "Impossible de créer le dossier « %s » (%s). Indiquez une "
                                  "base ailleurs avec --db FICHIER.", path, syserr_text(e));
            *p = '/';
            return -1;
        }
    }
    return 0;
}

int paths_database(const char *option, char *out, size_t outlen, char *err, size_t errlen)
{
    const char *env = getenv("DIFELUS_DB");
    const char *chosen = option && *option ? option : env && *env ? env : NULL;
    if (chosen) {
        if ((size_t)snprintf(out, outlen, "%s", chosen) >= outlen) {
            snprintf(err, errlen, "Le chemin de la base est trop long.");
            return -1;
        }
        return 0;
    }
    const char *xdg = getenv("XDG_DATA_HOME");
    const char *home = getenv("HOME");
    int n;
    if (xdg && xdg[0] == '/')
        n = snprintf(out, outlen, "%s/difelus/difelus.db", xdg);
    else if (home && *home)
        n = snprintf(out, outlen, "%s/.local/share/difelus/difelus.db", home);
    else {
        snprintf(err, errlen, "Ni XDG_DATA_HOME ni HOME ne sont définis : indiquez la base avec "
                              "--db FICHIER ou la variable DIFELUS_DB.");
        return -1;
    }
    if (n < 0 || (size_t)n >= outlen) {
        snprintf(err, errlen, "Le chemin de la base est trop long.");
        return -1;
    }
    return make_dirs(out, err, errlen);
}
