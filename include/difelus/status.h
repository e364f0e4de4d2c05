/* Where the official stands: steps done, mandates, balance, next deadline. Shared by the
 * home screen and `difelus statut`. */
#ifndef DIFELUS_STATUS_H
#define DIFELUS_STATUS_H

#include <stdbool.h>
#include <stdio.h>

#include "difelus/dates.h"
#include "difelus/guide.h"
#include "difelus/mandate.h"
#include "difelus/store.h"

struct status_step {
    int ticked, total;
    bool done; /* every item ticked */
};

struct status_deadline {
    bool known;
    struct date date;
    char label[640];
};

struct status {
    struct date today;
    struct status_step steps[GUIDE_STEPS];
    bool ticked[GUIDE_STEPS][GUIDE_MAX_ITEMS];
    int steps_done;
    int current_step; /* first step not done, 0 when all are */
    struct mandate *mandates; /* owned, freed by status_free */
    size_t mandate_count;
    bool credit_known;
    struct credit_observation credit;
    struct status_deadline next_deadline;
};

/* Reads everything from the store; returns 0 or -1 (message in store_error). */
int status_load(store *st, struct date today, struct status *out);
void status_free(struct status *s);

/* Plain French text, as `difelus statut` prints it. */
void status_print_text(const struct status *s, FILE *out);

/* JSON with the stable keys documented in the README; returns a malloc'ed string. */
char *status_to_json(const struct status *s, const char *db_path);

#endif
