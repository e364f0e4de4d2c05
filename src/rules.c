#include "difelus/rules.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "difelus/balance.h"
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

/* A held period: mandates that overlap or follow each other without a day between. */
struct held {
    struct date start, end;
};

static size_t held_periods(const struct mandate *mandates, size_t n, struct held *out,
                           size_t max)
{
    size_t count = 0;
    bool used[64] = {false};
    if (n > 64)
        n = 64;
    /* Take the mandates by start date (the store gives them so, but tests may not). */
    for (size_t k = 0; k < n; k++) {
        size_t best = n;
        for (size_t i = 0; i < n; i++)
            if (!used[i] && dates_valid(mandates[i].start) && dates_valid(mandates[i].end) &&
                (best == n || dates_compare(mandates[i].start, mandates[best].start) < 0))
                best = i;
        if (best == n)
            break;
        used[best] = true;
        const struct mandate *m = &mandates[best];
        if (count > 0 &&
            dates_compare(m->start, dates_add_days(out[count - 1].end, 1)) <= 0) {
            if (dates_compare(m->end, out[count - 1].end) > 0)
                out[count - 1].end = m->end;
        } else if (count < max) {
            out[count++] = (struct held){m->start, m->end};
        }
    }
    return count;
}

bool rules_mandate_held(const struct mandate *mandates, size_t n, struct date day)
{
    for (size_t i = 0; i < n; i++)
        if (dates_compare(mandates[i].start, day) <= 0 && dates_compare(day, mandates[i].end) <= 0)
            return true;
    return false;
}

long rules_estimate_balance(const struct mandate *mandates, size_t mandate_count,
                            const struct dossier *dossiers, size_t dossier_count,
                            long reading_cents, struct date reading_day,
                            const bool *after_reading, struct date today,
                            struct rules_estimate *out)
{
    struct rules_estimate e;
    memset(&e, 0, sizeof e);
    e.cents = -1;
    e.from_reading = reading_cents >= 0 && dates_valid(reading_day);
    e.reading_cents = e.from_reading ? reading_cents : -1;
    e.reading_day = reading_day;
    e.accruing = rules_mandate_held(mandates, mandate_count, today);
    if (out)
        *out = e;
    if (mandate_count == 0 && !e.from_reading)
        return -1;
    /* Credits at the end of each full year held and spendings on each validation, applied
     * in date order so that the ceiling in force on each day applies. */
    struct event {
        struct date day;
        long amount; /* > 0 credit, < 0 spending */
    } events[256];
    size_t n = 0;
    struct held held[64];
    size_t held_count = held_periods(mandates, mandate_count, held, 64);
    for (size_t p = 0; p < held_count; p++) {
        for (int year = 1; n < 200; year++) {
            struct date credit = rules_add_months(held[p].start, 12 * year);
            if (dates_compare(credit, held[p].end) > 0 || dates_compare(credit, today) > 0)
                break;
            const struct rules_period *rp = rules_at(credit);
            if (rp && (!e.from_reading || dates_compare(credit, reading_day) > 0)) {
                events[n++] = (struct event){credit, rp->credit_cents};
                e.credited_cents += rp->credit_cents;
            }
        }
    }
    size_t count;
    const struct date since = rules_periods(&count)[0].from;
    for (size_t i = 0; i < dossier_count && n < 256; i++) {
        const struct dossier *d = &dossiers[i];
        if (!consumes_credit(d->status) || !dates_valid(d->validated_on) ||
            d->price_cents <= 0 || dates_compare(d->validated_on, today) > 0)
            continue;
        bool counts = e.from_reading
                          ? (after_reading ? after_reading[i]
                                           : dates_compare(d->validated_on, reading_day) > 0)
                          : dates_compare(d->validated_on, since) >= 0;
        if (counts) {
            events[n++] = (struct event){d->validated_on, -d->price_cents};
            e.spent_cents += d->price_cents;
        }
    }
    /* Insertion sort: a few dozen events at most; spendings after credits of the same day. */
    for (size_t i = 1; i < n; i++) {
        struct event ev = events[i];
        size_t j = i;
        while (j > 0 && (dates_compare(events[j - 1].day, ev.day) > 0 ||
                         (dates_compare(events[j - 1].day, ev.day) == 0 &&
                          events[j - 1].amount < 0 && ev.amount > 0))) {
            events[j] = events[j - 1];
            j--;
        }
        events[j] = ev;
    }
    long balance = e.from_reading ? reading_cents : 0;
    for (size_t i = 0; i < n; i++) {
        balance += events[i].amount;
        const struct rules_period *p = rules_at(events[i].day);
        if (p && balance > p->ceiling_cents)
            balance = p->ceiling_cents;
        if (balance < 0)
            balance = 0;
    }
    e.cents = balance;
    if (out)
        *out = e;
    return balance;
}

void rules_estimate_text(const struct rules_estimate *e, struct date today, char *buf,
                         size_t len)
{
    char amount[32], day[16], a[32], b[32], ceiling[32], credit[32];
    const struct rules_period *p = rules_at(today);
    text_format_euros(p ? p->ceiling_cents : BALANCE_CEILING_CENTS, ceiling, sizeof ceiling);
    text_format_euros(p ? p->credit_cents : 40000, credit, sizeof credit);
    text_format_euros(e->cents, amount, sizeof amount);
    dates_format_short(today, day, sizeof day);
    int n = text_msgf(buf, len, "Estimation au %s : %s. ", day, amount);
    if (n < 0 || (size_t)n >= len)
        return;
    char *rest = buf + n;
    size_t restlen = len - (size_t)n;
    if (e->from_reading) {
        char seen[16];
        dates_format_short(e->reading_day, seen, sizeof seen);
        text_format_euros(e->reading_cents, a, sizeof a);
        text_format_euros(e->spent_cents, b, sizeof b);
        n = text_msgf(rest, restlen, "Calcul : le relevé du %s (%s), moins les dossiers validés "
                                    "depuis (%s)", seen, a, b);
        if (e->credited_cents > 0) {
            text_format_euros(e->credited_cents, a, sizeof a);
            n += text_msgf(rest + n, restlen > (size_t)n ? restlen - (size_t)n : 0,
                          ", plus les années de mandat achevées depuis (%s)", a);
        }
    } else {
        text_format_euros(e->spent_cents, b, sizeof b);
        n = text_msgf(rest, restlen, "Calcul sans relevé : %s par année de mandat achevée "
                                    "depuis 2022, moins les dossiers validés (%s)", credit, b);
    }
    if (n < 0 || (size_t)n >= restlen)
        return;
    text_msgf(rest + n, restlen - (size_t)n,
             ". Hypothèses : le crédit s'ajoute à la fin de chaque année de mandat, seulement "
             "pendant un mandat local, dans la limite de %s ; %s Le montant exact est sur "
             "« Compte élu ».", ceiling,
             e->accruing ? "vous avez un mandat en cours." : "vous n'avez plus de mandat en "
                                                            "cours : le solde n'augmente plus.");
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
    text_typeset(out[*n].message, sizeof out[*n].message);
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
    if (d->kind == DK_RECONVERSION) {
        /* CGCT R2123-22-1-C: the rights must be used — the dossier validated — by 6 months
         * after the end of the last local mandate, by an official who holds none any more
         * and has not claimed a pension. The training itself may end later. */
        const struct mandate *latest = NULL;
        for (size_t i = 0; i < mandate_count; i++)
            if (!latest || dates_compare(mandates[i].end, latest->end) > 0)
                latest = &mandates[i];
        if (!latest) {
            add(out, &n, FINDING_BLOCKING, "Enregistrez d'abord votre mandat (touche m) : les "
                                           "droits de reconversion se comptent depuis la fin "
                                           "de votre dernier mandat local.");
        } else {
            struct date limit = rules_add_months(latest->end, RULES_RECONVERSION_MONTHS);
            struct date day = dates_valid(d->validated_on) ? d->validated_on : request;
            dates_format_long(limit, a, sizeof a);
            dates_format_short(latest->end, b, sizeof b);
            /* Each finding fits the two lines the dossier screen gives it. */
            if (rules_mandate_held(mandates, mandate_count, day)) {
                add(out, &n, FINDING_OK, "Pendant votre mandat. Après sa fin, ces droits "
                                         "servent jusqu'au %s (6 mois), sauf retraite "
                                         "demandée.", a);
            } else if (dates_compare(day, limit) > 0) {
                add(out, &n, FINDING_BLOCKING, "Trop tard : une reconversion devait être "
                                               "validée au plus tard le %s (6 mois après la "
                                               "fin du dernier mandat).", a);
            } else {
                add(out, &n, FINDING_WARNING, "Dernier mandat local terminé le %s : faites "
                                              "valider le dossier au plus tard le %s.", b, a);
                add(out, &n, FINDING_WARNING, "Avez-vous demandé votre retraite ? Si oui, ces "
                                              "droits de reconversion ne peuvent plus servir.");
            }
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
        add(out, &n, FINDING_WARNING, "Le prix TTC (%s) dépasse votre solde estimé (%s) : %s "
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
        text_msgf(err, errlen, "Un dossier « %s » ne peut pas passer à « %s ».",
                 dossier_status_label(d->status), dossier_status_label(to));
        return false;
    }
    if (!dates_valid(day)) {
        text_msgf(err, errlen, "Indiquez la date du changement (JJ/MM/AAAA).");
        return false;
    }
    if (dates_compare(day, today) > 0) {
        text_msgf(err, errlen, "Cette date est dans le futur : notez le changement le jour où "
                              "il a eu lieu.");
        return false;
    }
    if (dates_valid(d->status_date) && dates_compare(day, d->status_date) < 0) {
        dates_format_short(d->status_date, a, sizeof a);
        text_msgf(err, errlen, "Le dossier est « %s » depuis le %s : le changement ne peut pas "
                              "être plus ancien.", dossier_status_label(d->status), a);
        return false;
    }
    if (to == DS_IN_TRAINING && dates_valid(d->start) && dates_compare(day, d->start) < 0) {
        dates_format_long(d->start, a, sizeof a);
        text_msgf(err, errlen, "La session commence le %s : le dossier ne peut pas être « En "
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
            /* Whole messages only: one cut in the middle (of a word, of a character)
             * would be kept in the dossier's history as it is. */
            size_t need = (used ? 1 : 0) + strlen(findings[i].message);
            if (need >= warnlen - used)
                continue;
            snprintf(warning + used, warnlen - used, "%s%s", used ? " " : "",
                     findings[i].message);
            used += need;
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
                text_msgf(err, errlen, "Envoi impossible. %s", findings[i].message);
                return false;
            }
        }
    }
    return true;
}
