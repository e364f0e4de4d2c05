#include "difelus/rules.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "difelus/text.h"

/* A change of the law is one more row. Before 2022 the DIF was counted in hours: the
 * estimate only counts the years from the euro-based rules on. */
static const struct rules_period periods[] = {
    {{2022, 1, 1}, 40000, 70000, "arrêté du 12 juillet 2021"},
    {{2023, 3, 29}, 40000, 80000, "arrêté du 27 mars 2023"},
};

const struct rules_period *rules_periods(size_t *count)
{
    *count = sizeof periods / sizeof periods[0];
    return periods;
}

const struct rules_period *rules_at(struct date day)
{
    const struct rules_period *found = NULL;
    for (size_t i = 0; i < sizeof periods / sizeof periods[0]; i++)
        if (dates_compare(periods[i].from, day) <= 0)
            found = &periods[i];
    return found;
}

struct date rules_add_months(struct date d, int n)
{
    int m = d.year * 12 + (d.month - 1) + n;
    struct date r = {m / 12, m % 12 + 1, d.day};
    int dim = dates_days_in_month(r.year, r.month);
    if (r.day > dim)
        r.day = dim;
    return r;
}

struct date rules_earliest_start(struct date request)
{
    return dates_add_working_days(request, RULES_MIN_LEAD_WORKING_DAYS);
}

static bool consumes_credit(enum dossier_status s)
{
    return s == DS_VALIDATED || s == DS_IN_TRAINING || s == DS_DONE;
}

long rules_estimate_balance(const struct mandate *mandates, size_t mandate_count,
                            const struct dossier *dossiers, size_t dossier_count,
                            struct date today)
{
    if (mandate_count == 0)
        return -1;
    struct date first = mandates[0].start;
    for (size_t i = 1; i < mandate_count; i++)
        if (dates_compare(mandates[i].start, first) < 0)
            first = mandates[i].start;
    /* Credits on each anniversary and spendings on each validation, applied in date order
     * so that the ceiling in force on each day applies. */
    struct event {
        struct date day;
        long amount; /* > 0 credit, < 0 spending */
    } events[256];
    long balance = 0;
    int years = 1;
    struct date next_credit = rules_add_months(first, 12);
    size_t n = 0;
    while (dates_compare(next_credit, today) <= 0 && n < 200) {
        const struct rules_period *p = rules_at(next_credit);
        if (p)
            events[n++] = (struct event){next_credit, p->credit_cents};
        next_credit = rules_add_months(first, 12 * ++years);
    }
    for (size_t i = 0; i < dossier_count && n < 256; i++) {
        const struct dossier *d = &dossiers[i];
        if (consumes_credit(d->status) && dates_valid(d->validated_on) && d->price_cents > 0 &&
            dates_compare(d->validated_on, first) >= 0 &&
            dates_compare(d->validated_on, today) <= 0)
            events[n++] = (struct event){d->validated_on, -d->price_cents};
    }
    /* Insertion sort: a few dozen events at most; spendings after credits of the same day. */
    for (size_t i = 1; i < n; i++) {
        struct event e = events[i];
        size_t j = i;
        while (j > 0 && (dates_compare(events[j - 1].day, e.day) > 0 ||
                         (dates_compare(events[j - 1].day, e.day) == 0 &&
                          events[j - 1].amount < 0 && e.amount > 0))) {
            events[j] = events[j - 1];
            j--;
        }
        events[j] = e;
    }
    for (size_t i = 0; i < n; i++) {
        balance += events[i].amount;
        const struct rules_period *p = rules_at(events[i].day);
        if (p && balance > p->ceiling_cents)
            balance = p->ceiling_cents;
        if (balance < 0)
            balance = 0;
    }
    return balance;
}

__attribute__((format(printf, 4, 5))) static void
add(struct rules_finding *out, size_t *n, enum finding_level level, const char *fmt, ...)
{
    if (*n >= RULES_MAX_FINDINGS)
        return;
    va_list ap;
    va_start(ap, fmt);
    out[*n].level = level;
    vsnprintf(out[*n].message, sizeof out[*n].message, fmt, ap);
    va_end(ap);
    (*n)++;
}

int rules_compare_hourly(const struct dossier *d)
{
    /* HT ≤ 80 € × hours, in integers: HT = TTC (exempt) or TTC × 10 / 12, and hours are
     * counted in hundredths, so compare TTC × 100 × (10 or 12) with 8 000 × hours × 10 —
     * no rate rounded to the cent (560,01 € for 7 h is over). */
    long long lhs = (long long)d->price_cents * 100 * 10;
    long long rhs = (long long)RULES_MAX_HOURLY_CENTS * d->hours_cents * (d->vat ? 12 : 10);
    return lhs < rhs ? -1 : lhs > rhs;
}

/* The hourly rate HT for display, rounded away from the ceiling so that a rate over it
 * never reads "80,00 €", nor one under it. */
static long hourly_for_display(const struct dossier *d, int side)
{
    long long num = (long long)d->price_cents * 100 * 10;
    long long den = (long long)d->hours_cents * (d->vat ? 12 : 10);
    return (long)(side > 0 ? (num + den - 1) / den : num / den);
}

static void check_hourly(const struct dossier *d, struct rules_finding *out, size_t *n)
{
    char a[96], b[96];
    int side = rules_compare_hourly(d);
    text_format_euros(hourly_for_display(d, side), a, sizeof a);
    text_format_euros(RULES_MAX_HOURLY_CENTS, b, sizeof b);
    const char *kind = d->vat ? "prix TTC ÷ 1,2" : "organisme exonéré de TVA : HT = TTC";
    if (side > 0)
        add(out, n, FINDING_BLOCKING, "Le coût horaire (%s HT de l'heure, %s) dépasse le "
                                      "plafond de %s HT par heure d'enseignement.", a, kind, b);
    else if (side == 0)
        add(out, n, FINDING_OK, "Coût horaire : %s HT (%s), égal au plafond de %s HT par "
                                "heure : accepté.", a, kind, b);
    else
        add(out, n, FINDING_OK, "Coût horaire : %s HT (%s), sous le plafond de %s HT par "
                                "heure.", a, kind, b);
}

size_t rules_check_dossier(const struct dossier *d, const struct mandate *mandates,
                           size_t mandate_count, long balance_cents, struct date request,
                           struct rules_finding out[RULES_MAX_FINDINGS], bool *blocking)
{
    size_t n = 0;
    char a[96], b[96], c[96];
    *blocking = false;
    bool dated = dates_valid(d->start) && dates_valid(d->end);
    if (!dated) {
        add(out, &n, FINDING_BLOCKING, "Indiquez les dates de début et de fin de la "
                                       "session.");
    }
    if (dated && d->kind == DK_MANDATE) {
        const struct mandate *cover = NULL, *latest = NULL;
        for (size_t i = 0; i < mandate_count; i++) {
            const struct mandate *m = &mandates[i];
            if (!latest || dates_compare(m->end, latest->end) > 0)
                latest = m;
            if (dates_compare(m->start, d->start) <= 0 && dates_compare(d->end, m->end) <= 0)
                cover = m;
        }
        if (cover) {
            dates_format_short(cover->end, b, sizeof b);
            add(out, &n, FINDING_OK, "La formation commence et se termine pendant votre "
                                     "mandat (%s, jusqu'au %s).", cover->collectivite, b);
        } else if (!latest) {
            add(out, &n, FINDING_BLOCKING, "Enregistrez d'abord votre mandat (touche m) : une "
                                           "formation liée au mandat doit se dérouler "
                                           "pendant celui-ci.");
        } else {
            dates_format_short(latest->start, a, sizeof a);
            dates_format_short(latest->end, b, sizeof b);
            add(out, &n, FINDING_BLOCKING, "Une formation liée au mandat doit commencer et se "
                                           "terminer pendant un mandat en cours : le vôtre va "
                                           "du %s au %s.", a, b);
        }
    }
    if (d->kind == DK_MANDATE) {
        if (d->price_cents >= 0 && d->hours_cents > 0)
            check_hourly(d, out, &n);
        else
            add(out, &n, FINDING_WARNING, "Indiquez le prix et le nombre d'heures pour "
                                          "vérifier le plafond de 80 € HT par heure.");
    }
    if (dated && d->kind == DK_RECONVERSION) {
        const struct mandate *latest = NULL;
        for (size_t i = 0; i < mandate_count; i++)
            if (!latest || dates_compare(mandates[i].end, latest->end) > 0)
                latest = &mandates[i];
        if (!latest) {
            add(out, &n, FINDING_BLOCKING, "Enregistrez d'abord votre mandat (touche m) : une "
                                           "formation de reconversion doit finir au plus tard "
                                           "6 mois après sa fin.");
        } else {
            struct date limit = rules_add_months(latest->end, RULES_RECONVERSION_MONTHS);
            dates_format_long(limit, a, sizeof a);
            if (dates_compare(d->end, limit) <= 0)
                add(out, &n, FINDING_OK, "La formation de reconversion se termine au plus "
                                         "tard le %s (6 mois après la fin de votre mandat).", a);
            else
                add(out, &n, FINDING_BLOCKING, "Une formation de reconversion doit se terminer "
                                               "au plus tard le %s, 6 mois après la fin de "
                                               "votre mandat.", a);
        }
    }
    if (dates_valid(d->start)) {
        struct date earliest = rules_earliest_start(request);
        dates_format_long(earliest, a, sizeof a);
        dates_format_long(request, b, sizeof b);
        if (dates_compare(d->start, earliest) < 0)
            add(out, &n, FINDING_BLOCKING, "La session commence trop tôt. Début possible au "
                                           "plus tôt : %s (11 jours ouvrés après la demande "
                                           "du %s).", a, b);
        else
            add(out, &n, FINDING_OK, "Délai respecté : au moins 11 jours ouvrés entre la "
                                     "demande et le début (au plus tôt le %s).", a);
    }
    if (d->price_cents >= 0 && balance_cents >= 0 && d->price_cents > balance_cents) {
        text_format_euros(d->price_cents, a, sizeof a);
        text_format_euros(balance_cents, b, sizeof b);
        text_format_euros(d->price_cents - balance_cents, c, sizeof c);
        add(out, &n, FINDING_WARNING, "Le prix TTC (%s) dépasse votre solde DIF élu (%s) : %s "
                                      "resteront à votre charge.", a, b, c);
    }
    for (size_t i = 0; i < n; i++)
        if (out[i].level == FINDING_BLOCKING)
            *blocking = true;
    return n;
}

bool rules_check_record(const struct dossier *d, enum dossier_status to, struct date day,
                        struct date today, const struct mandate *mandates, size_t mandate_count,
                        char *err, size_t errlen, char *warning, size_t warnlen)
{
    char a[64];
    if (warnlen)
        warning[0] = '\0';
    if (!dossier_transition_allowed(d->status, to)) {
        snprintf(err, errlen, "Un dossier « %s » ne peut pas passer à « %s ».",
                 dossier_status_label(d->status), dossier_status_label(to));
        return false;
    }
    if (!dates_valid(day)) {
        snprintf(err, errlen, "Indiquez la date du changement (JJ/MM/AAAA).");
        return false;
    }
    if (dates_compare(day, today) > 0) {
        snprintf(err, errlen, "Cette date est dans le futur : notez le changement le jour où "
                              "il a eu lieu.");
        return false;
    }
    if (dates_valid(d->status_date) && dates_compare(day, d->status_date) < 0) {
        dates_format_short(d->status_date, a, sizeof a);
        snprintf(err, errlen, "Le dossier est « %s » depuis le %s : le changement ne peut pas "
                              "être plus ancien.", dossier_status_label(d->status), a);
        return false;
    }
    if (to == DS_IN_TRAINING && dates_valid(d->start) && dates_compare(day, d->start) < 0) {
        dates_format_long(d->start, a, sizeof a);
        snprintf(err, errlen, "La session commence le %s : le dossier ne peut pas être « En "
                              "formation » avant ce jour.", a);
        return false;
    }
    if (to == DS_SENT || to == DS_VALIDATED) {
        /* MCF has the last word: what it shows is recorded, with what the rules say. */
        struct rules_finding findings[RULES_MAX_FINDINGS];
        bool blocking;
        struct date request = to == DS_SENT || !dates_valid(d->sent_on) ? day : d->sent_on;
        size_t n = rules_check_dossier(d, mandates, mandate_count, -1, request, findings,
                                       &blocking);
        size_t used = 0;
        for (size_t i = 0; i < n && warnlen; i++) {
            if (findings[i].level != FINDING_BLOCKING)
                continue;
            int w = snprintf(warning + used, warnlen - used, "%s%s", used ? " " : "",
                             findings[i].message);
            if (w < 0 || (size_t)w >= warnlen - used)
                break;
            used += (size_t)w;
        }
    }
    return true;
}

bool rules_check_transition(const struct dossier *d, enum dossier_status to, struct date day,
                            struct date today, const struct mandate *mandates,
                            size_t mandate_count, char *err, size_t errlen)
{
    char warning[2048];
    if (!rules_check_record(d, to, day, today, mandates, mandate_count, err, errlen, warning,
                            sizeof warning))
        return false;
    if (to == DS_SENT) {
        struct rules_finding findings[RULES_MAX_FINDINGS];
        bool blocking;
        size_t n = rules_check_dossier(d, mandates, mandate_count, -1, day, findings, &blocking);
        for (size_t i = 0; i < n; i++) {
            if (findings[i].level == FINDING_BLOCKING) {
                snprintf(err, errlen, "Envoi impossible. %s", findings[i].message);
                return false;
            }
        }
    }
    return true;
}
