/* A registration dossier on Mon Compte Formation: its fields, the statuses the official
 * sees on MCF, the allowed transitions and the deadline each status sets. */
#ifndef DIFELUS_DOSSIER_H
#define DIFELUS_DOSSIER_H

#include <stdbool.h>
#include <stddef.h>

#include "difelus/dates.h"

enum dossier_status {
    DS_CREATION,     /* En cours de création */
    DS_SENT,         /* Demande d'inscription envoyée */
    DS_PROPOSAL,     /* Proposition de l'organisme */
    DS_TO_VALIDATE,  /* À valider (accepted by the body, the holder must confirm) */
    DS_REFUSED,      /* Refusé par l'organisme */
    DS_CANCELLED,    /* Annulé (by the holder, or lapsed) */
    DS_VALIDATED,    /* Validé (registered) */
    DS_IN_TRAINING,  /* En formation */
    DS_DONE,         /* Formation terminée */
    DS_COUNT
};

enum dossier_kind { DK_MANDATE, DK_RECONVERSION };

#define DOSSIER_TEXT_MAX 200  /* characters of title and body */
#define DOSSIER_NOTES_MAX 500 /* characters of notes */

struct dossier {
    long long id;
    char catalogue_id[64];
    char title[4 * DOSSIER_TEXT_MAX + 1];
    char body[4 * DOSSIER_TEXT_MAX + 1];
    char siret[15];
    struct date start, end; /* session; {0,0,0} when not known yet */
    long price_cents;       /* TTC, as MCF and the catalogue show it; -1 when not known */
    bool vat;               /* the body charges VAT (HT = TTC / 1,2); false: exempt, HT = TTC */
    int hours_cents;        /* hours of teaching × 100; 0 when not known */
    enum dossier_kind kind;
    char notes[4 * DOSSIER_NOTES_MAX + 1];
    enum dossier_status status;
    struct date created_on;   /* date it was created on MCF (first event); {0} when unknown */
    struct date changed_on;   /* date of the first change after creation; {0} when none */
    struct date status_date;  /* date of the last transition */
    struct date sent_on;      /* date of the request; {0} when not sent */
    struct date validated_on; /* date it became Validé; {0} otherwise */
};

/* Label as on MCF ("Demande d'inscription envoyée"). */
const char *dossier_status_label(enum dossier_status s);
/* Stable key stored in the database and printed in JSON ("envoyee"). */
const char *dossier_status_key(enum dossier_status s);
/* Key to status, -1 when unknown. */
int dossier_status_from_key(const char *key);
/* Refused, cancelled and finished dossiers are closed: they stay in the history. */
bool dossier_status_closed(enum dossier_status s);
/* Whether MCF lets a dossier go from one status to the other. */
bool dossier_transition_allowed(enum dossier_status from, enum dossier_status to);
/* The statuses reachable from `from`, in the order they usually come; returns how many. */
size_t dossier_next_statuses(enum dossier_status from, enum dossier_status out[DS_COUNT]);

/* SIRET: 14 digits with a valid Luhn key (La Poste's, starting 356000000, may instead have
 * the sum of their digits a multiple of 5). Spaces are ignored; *normalized gets the 14 digits. */
bool dossier_siret_valid(const char *text, char normalized[15], char *err, size_t errlen);

/* Fields of the dossier form, in order. */
enum dossier_field {
    DF_TITLE, DF_BODY, DF_SIRET, DF_START, DF_END, DF_PRICE, DF_HOURS, DF_VAT, DF_KIND,
    DF_NOTES, DF_CREATED, DF_COUNT
};
#define DOSSIER_VALUE_MAX (4 * DOSSIER_NOTES_MAX + 1)

/* Checks the form's strings and fills the editable fields of *out (the rest untouched).
 * Only the title is required; dates, price and hours may stay empty until known; an empty
 * creation date leaves created_on as it was. */
bool dossier_from_strings(const char *const values[DF_COUNT], struct dossier *out,
                          int *bad_field, char *err, size_t errlen);
/* The same checks, every field at once: errors[i] gets the message of field i ("" when
 * right). Returns how many fields are wrong; *out is filled only when none is. The creation
 * date is also checked against `today` and the dossier's later events. */
int dossier_check_strings(const char *const values[DF_COUNT], struct dossier *out,
                          struct date today, char errors[DF_COUNT][256]);
/* The choices of the VAT field, NULL-terminated: exempt first (the default). */
extern const char *const dossier_vat_choices[];
/* Price without VAT, in cents (rounded to the nearest cent); -1 when the price is unknown. */
long dossier_price_ht(const struct dossier *d);
void dossier_to_strings(const struct dossier *d, char values[DF_COUNT][DOSSIER_VALUE_MAX]);
/* "mandat" / "reconversion". */
const char *dossier_kind_label(enum dossier_kind k);

/* DL_RECONVERSION: a reconversion dossier must be validated by 6 months after the end of
 * the last local mandate (set by the status module, which knows the mandates). */
enum deadline_kind { DL_NONE, DL_SEND, DL_REPLY, DL_CONFIRM, DL_START, DL_END, DL_RECONVERSION };

struct dossier_deadline {
    enum deadline_kind kind;
    struct date date;
};

/* The deadline the dossier's current status sets (DL_NONE if none). */
struct dossier_deadline dossier_deadline(const struct dossier *d);

/* The deadline in words for the official, as of `today`: "Il vous reste 2 jours ouvrés
 * pour confirmer, jusqu'au jeudi 24 décembre 2026." or, once past, what has probably
 * happened and what to check on MCF. *overdue tells which. */
void dossier_deadline_text(struct dossier_deadline dl, struct date today, char *buf,
                           size_t len, bool *overdue);
/* What the deadline means, independent of today's date (for calendars). */
const char *dossier_deadline_advice(enum deadline_kind k);
/* Short label of a deadline for lists and calendars ("Confirmer l'inscription"). */
const char *dossier_deadline_label(enum deadline_kind k);

#endif
