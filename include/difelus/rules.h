/* The rules of the DIFE and of MCF registrations (DESIGN §2), in one place: the credit
 * table with effective dates, the balance estimate and the eligibility of a dossier. */
#ifndef DIFELUS_RULES_H
#define DIFELUS_RULES_H

#include <stdbool.h>
#include <stddef.h>

#include "difelus/dates.h"
#include "difelus/dossier.h"
#include "difelus/mandate.h"

#define RULES_REPLY_WORKING_DAYS 2     /* body's answer after the request (secondary) */
#define RULES_CONFIRM_WORKING_DAYS 4   /* holder's confirmation (secondary; seed step 6) */
#define RULES_MIN_LEAD_WORKING_DAYS 11 /* request to session start (secondary) */
#define RULES_MAX_HOURLY_CENTS 8000L   /* mandate training: 80 € HT per hour (CGCT R1621-7) */
#define RULES_RECONVERSION_MONTHS 6    /* reconversion validated ≤ 6 months after the last
                                          * local mandate (CGCT R2123-22-1-C) */

/* One row per change of the law: from that day on, the yearly credit and the ceiling. */
struct rules_period {
    struct date from;
    long credit_cents;  /* per full year of mandate */
    long ceiling_cents; /* the balance never goes above */
    const char *source;
};

/* The rows, oldest first, and how many. */
const struct rules_period *rules_periods(size_t *count);
/* The row in force on `day`, or NULL before the first one. */
const struct rules_period *rules_at(struct date day);

/* How an estimate was made, to say what it assumes. */
struct rules_estimate {
    long cents;              /* the estimate; -1 when neither a mandate nor a reading is known */
    bool from_reading;       /* it starts from a reading of « Compte élu » */
    long reading_cents;      /* that reading, -1 without */
    struct date reading_day;
    long credited_cents;     /* credit added after the reading (or since 2022 without one) */
    long spent_cents;        /* price of the dossiers validated after the reading (or since) */
    bool accruing;           /* a local mandate is held today: the balance still grows */
};

/* Estimate of the balance on `today` (DESIGN §2). Credit accrues only while a local mandate
 * is held: one yearly credit at the end of each full year of a held period (mandates that
 * overlap or follow each other count as one period), capped by the ceiling in force. A
 * reading of « Compte élu » (reading_cents >= 0) is the starting point: only the credit after
 * it counts, minus the dossiers validated after it — after_reading[i] tells it for dossier i
 * (a validation the same day as the reading may come before or after it); NULL compares
 * the days. Without a reading the count starts in 2022 (euro-based rules). Returns the
 * estimate or -1; *out (may be NULL) receives the details. */
long rules_estimate_balance(const struct mandate *mandates, size_t mandate_count,
                            const struct dossier *dossiers, size_t dossier_count,
                            long reading_cents, struct date reading_day,
                            const bool *after_reading, struct date today,
                            struct rules_estimate *out);

/* The estimate in words with what it assumes: « Estimation au 27/11/2026 : 0,00 €. Calcul :
 * … Hypothèses : … ». */
void rules_estimate_text(const struct rules_estimate *e, struct date today, char *buf,
                         size_t len);

/* Whether one of the mandates is held on `day` (start and end included). */
bool rules_mandate_held(const struct mandate *mandates, size_t n, struct date day);

enum finding_level { FINDING_OK, FINDING_WARNING, FINDING_BLOCKING };

struct rules_finding {
    enum finding_level level;
    char message[512];
};

#define RULES_MAX_FINDINGS 8

/* Checks a dossier, each finding with its reason in French. `request` is the day the
 * request is (or was) sent; `balance_cents` is -1 when unknown. Returns how many findings;
 * *blocking tells whether one forbids sending the request. */
size_t rules_check_dossier(const struct dossier *d, const struct mandate *mandates,
                           size_t mandate_count, long balance_cents, struct date request,
                           struct rules_finding out[RULES_MAX_FINDINGS], bool *blocking);

/* Whether the wizard's own keys may move dossier d to `to` on `day`: rules_check_record,
 * and for sending no blocking finding (the message then gives the earliest possible
 * start). On refusal writes the reason into err. */
bool rules_check_transition(const struct dossier *d, enum dossier_status to, struct date day,
                            struct date today, const struct mandate *mandates,
                            size_t mandate_count, char *err, size_t errlen);

/* The dossier's price HT per hour of teaching compared exactly with the ceiling of 80 € HT:
 * -1 under, 0 equal, 1 over. Needs a known price and hours. */
int rules_compare_hourly(const struct dossier *d);

/* Whether a change of status seen on MCF can be recorded on `day`: a transition MCF
 * allows, dated neither before the current status nor after today, and « En formation »
 * not before the session's first day. MCF has the last word: a request sent or a dossier
 * validated despite a rule is recorded, and *warning gets what the rules say ("" when
 * nothing). On refusal writes the reason into err. */
bool rules_check_record(const struct dossier *d, enum dossier_status to, struct date day,
                        struct date today, const struct mandate *mandates, size_t mandate_count,
                        char *err, size_t errlen, char *warning, size_t warnlen);

/* Earliest session start for a request made on `request`. */
struct date rules_earliest_start(struct date request);

/* d plus n months, the day clamped to the month's length. */
struct date rules_add_months(struct date d, int n);

#endif
