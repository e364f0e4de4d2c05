/* Where the official stands: steps done, mandates, balance, dossiers and deadlines. Shared
 * by the home screen, the dossier screens and `difelus statut`. */
#ifndef DIFELUS_STATUS_H
#define DIFELUS_STATUS_H

#include <stdbool.h>
#include <stdio.h>

#include "difelus/dates.h"
#include "difelus/dossier.h"
#include "difelus/guide.h"
#include "difelus/mandate.h"
#include "difelus/rules.h"
#include "difelus/store.h"

struct status_step {
    int ticked, total;
    bool done; /* every item ticked */
};

struct status_deadline {
    struct date date;
    enum deadline_kind kind;    /* DL_NONE for the end of a mandate */
    long long dossier_id;       /* 0 for a mandate */
    bool overdue;
    char label[1024];           /* "Confirmer l'inscription — Budget communal" */
    char text[640];             /* the deadline in words (dossier_deadline_text) */
};

#define STATUS_MAX_DEADLINES 32

struct status {
    struct date today;
    struct status_step steps[GUIDE_STEPS];
    bool ticked[GUIDE_STEPS][GUIDE_MAX_ITEMS];
    int steps_done;
    int current_step; /* first step not done, 0 when all are */
    struct mandate *mandates; /* owned, freed by status_free */
    size_t mandate_count;
    struct dossier *dossiers; /* owned, newest first */
    size_t dossier_count;
    bool credit_known;
    struct credit_observation credit;
    long estimate_cents; /* -1 when neither a mandate nor a reading is known */
    bool *after_reading; /* owned: dossier i validated after the reading (NULL without one) */
    struct rules_estimate estimate; /* how it was made */
    /* Pending deadlines, most urgent (earliest, so overdue) first. */
    struct status_deadline deadlines[STATUS_MAX_DEADLINES];
    size_t deadline_count;
    size_t deadline_total; /* all pending deadlines, kept or not (the list keeps the earliest) */
};

/* Reads everything from the store; returns 0 or -1 (message in store_error). */
int status_load(store *st, struct date today, struct status *out);
void status_free(struct status *s);

/* The dossier steps 4 to 6 work on: the newest one still open, or NULL. */
const struct dossier *status_current_dossier(const struct status *s);
/* The balance to compare prices with: the estimate, which starts from the latest reading
 * of Compte élu when there is one; -1 when neither a mandate nor a reading is known. */
long status_balance(const struct status *s);
/* The balance a dossier's price must be compared with: the estimate without that dossier
 * (a Validé or En formation dossier already used its credit in the estimate, so comparing
 * its price with status_balance would count it twice); -1 when unknown. */
long status_balance_for_dossier(const struct status *s, const struct dossier *d);
/* The estimate in words with what it assumes (statut, home and balance screens). */
void status_estimate_text(const struct status *s, char *buf, size_t len);

/* Plain French text, as `difelus statut` prints it. */
void status_print_text(const struct status *s, FILE *out);

/* JSON with the stable keys documented in the README; returns a malloc'ed string. */
char *status_to_json(const struct status *s, const char *db_path);

#endif
