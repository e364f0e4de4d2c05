/* The registration guide's content: six steps, their checklists, warnings and help.
 * Everything the official reads about the procedure lives in src/guide.c, in one table,
 * so that it can be reviewed and updated without touching any drawing code. */
#ifndef DIFELUS_GUIDE_H
#define DIFELUS_GUIDE_H

#include <stddef.h>

#include "difelus/dossier.h"

#define GUIDE_STEPS 6
#define GUIDE_MAX_ITEMS 8

/* Defaults of the support organisation (from the 2023 guide); the program reads the
 * organisation from the settings stored in the database, these only seed them. */
#define GUIDE_DEFAULT_ORG_NAME "Gestions Locales"
#define GUIDE_DEFAULT_ORG_EMAIL "contact@gestionslocales.fr"
#define GUIDE_DEFAULT_ORG_PHONE "09 53 34 28 34"

struct guide_item {
    const char *id;    /* stable key stored in the database, e.g. "2.compte-elu" */
    const char *label; /* what the official ticks */
};

struct guide_step {
    int number;              /* 1..6 */
    const char *title;       /* "Rechercher une formation" */
    const char *explanation; /* two or three sentences */
    const struct guide_item *items;
    size_t item_count;
    const char *const *warnings; /* shown in the ATTENTION box */
    size_t warning_count;
    const char *help; /* longer help shown by '?' */
};

/* Step 1..6, or NULL when out of range. */
const struct guide_step *guide_step(int number);

/* The item with this id, or NULL; *step_out receives its step number when not NULL. */
const struct guide_item *guide_item_find(const char *id, int *step_out);

/* The checklist items that a dossier reaching status `s` proves done (steps 4 to 6: a
 * dossier noted, a request sent, the body's acceptance, the confirmation), NULL-terminated.
 * The store ticks them when it records the status, so that progress follows the dossier. */
const char *const *guide_items_done_by_status(enum dossier_status s);

/* General help shown under every step's help: keys and what difelus keeps. */
extern const char *const guide_general_help;

#endif
