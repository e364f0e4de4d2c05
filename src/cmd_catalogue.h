/* `difelus catalogue …`: import, sync, search and describe the training catalogue. */
#ifndef DIFELUS_CMD_CATALOGUE_H
#define DIFELUS_CMD_CATALOGUE_H

#include <stdbool.h>

#include "difelus/store.h"

struct catalogue_options {
    const char *url;
    const char *modality;
    const char *departement;
    const char *limit;
    bool json;
};

/* argv[0] is the sub-command. Returns the exit status (2 for usage errors). */
int cmd_catalogue(store *st, int argc, char **argv, const struct catalogue_options *o);

/* Checks the arguments before any file is opened: 0, or 2 after a usage message. */
int cmd_catalogue_check(int argc, char **argv, const struct catalogue_options *o);

#endif
