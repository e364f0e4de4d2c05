#include "difelus/dossier.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "difelus/rules.h"
#include "difelus/text.h"

static const struct {
    const char *key, *label;
} statuses[DS_COUNT] = {
    [DS_CREATION] = {"creation", "En cours de création"},
    [DS_SENT] = {"envoyee", "Demande d'inscription envoyée"},
    [DS_PROPOSAL] = {"proposition", "Proposition de l'organisme"},
    [DS_TO_VALIDATE] = {"a_valider", "À valider"},
    [DS_REFUSED] = {"refusee", "Refusé par l'organisme"},
    [DS_CANCELLED] = {"annulee", "Annulé"},
    [DS_VALIDATED] = {"validee", "Validé"},
    [DS_IN_TRAINING] = {"en_formation", "En formation"},
    [DS_DONE] = {"terminee", "Formation terminée"},
};

/* Allowed transitions, in the order they usually come (MCF, DESIGN §2). Any status MCF
 * can show next is allowed, even when the official skipped one on the way (a dossier
 * confirmed on MCF before « À valider » was noted: Envoyé → Validé; a training never
 * noted « En formation »: Validé → Terminée; a training abandoned: En formation →
 * Annulé); the rules' warnings are kept beside it. The usual ones come first. */
static const enum dossier_status next_of[DS_COUNT][6] = {
    [DS_CREATION] = {DS_SENT, DS_CANCELLED, DS_COUNT},
    [DS_SENT] = {DS_TO_VALIDATE, DS_PROPOSAL, DS_REFUSED, DS_CANCELLED, DS_VALIDATED, DS_COUNT},
    [DS_PROPOSAL] = {DS_VALIDATED, DS_CANCELLED, DS_COUNT},
    [DS_TO_VALIDATE] = {DS_VALIDATED, DS_CANCELLED, DS_COUNT},
    [DS_REFUSED] = {DS_COUNT},
    [DS_CANCELLED] = {DS_COUNT},
    [DS_VALIDATED] = {DS_IN_TRAINING, DS_CANCELLED, DS_DONE, DS_COUNT},
    [DS_IN_TRAINING] = {DS_DONE, DS_CANCELLED, DS_COUNT},
    [DS_DONE] = {DS_COUNT},
};

const char *dossier_status_label(enum dossier_status s)
{
    return (unsigned)s < DS_COUNT ? statuses[s].label : "?";
}

const char *dossier_status_key(enum dossier_status s)
{
    return (unsigned)s < DS_COUNT ? statuses[s].key : "?";
}

int dossier_status_from_key(const char *key)
{
    for (int i = 0; key && i < DS_COUNT; i++)
        if (strcmp(key, statuses[i].key) == 0)
            return i;
    return -1;
}

bool dossier_status_closed(enum dossier_status s)
{
    return s == DS_REFUSED || s == DS_CANCELLED || s == DS_DONE;
}

size_t dossier_next_statuses(enum dossier_status from, enum dossier_status out[DS_COUNT])
{
    size_t n = 0;
    if ((unsigned)from >= DS_COUNT)
        return 0;
    for (size_t i = 0; i < 6 && next_of[from][i] != DS_COUNT; i++) {
        /* Zero-initialised trailing entries are DS_CREATION, never a target. */
        if (next_of[from][i] == DS_CREATION)
            break;
        out[n++] = next_of[from][i];
    }
    return n;
}

bool dossier_transition_allowed(enum dossier_status from, enum dossier_status to)
{
    enum dossier_status next[DS_COUNT];
    size_t n = dossier_next_statuses(from, next);
    for (size_t i = 0; i < n; i++)
        if (next[i] == to)
            return true;
    return false;
}

bool dossier_siret_valid(const char *text, char normalized[15], char *err, size_t errlen)
{
    char digits[15];
    size_t n = 0;
    for (const char *p = text; *p; p++) {
        if (*p == ' ' || *p == '.')
            continue;
        if (!isdigit((unsigned char)*p) || n == 14) {
            text_msgf(err, errlen, "Un SIRET compte 14 chiffres (espaces permis), par exemple "
                                  "732 829 320 00074.");
            return false;
        }
        digits[n++] = *p;
    }
    digits[n] = '\0';
    if (n != 14) {
        text_msgf(err, errlen, "Un SIRET compte 14 chiffres ; celui-ci en a %zu.", n);
        return false;
    }
    int luhn = 0, plain = 0;
    for (int i = 0; i < 14; i++) {
        int v = digits[13 - i] - '0';
        plain += v;
        if (i % 2 == 1) {
            v *= 2;
            if (v > 9)
                v -= 9;
        }
        luhn += v;
    }
    bool ok = luhn % 10 == 0;
    /* La Poste's establishments share one SIREN: INSEE lets their NIC make the plain sum
     * of the 14 digits a multiple of 5 instead (its head office is Luhn-valid too). */
    if (!ok && strncmp(digits, "356000000", 9) == 0)
        ok = plain % 5 == 0;
    if (!ok) {
        text_msgf(err, errlen, "Ce SIRET n'est pas valide (sa clé de contrôle ne correspond "
                              "pas) : vérifiez les 14 chiffres.");
        return false;
    }
    memcpy(normalized, digits, 15);
    return true;
}

const char *const dossier_vat_choices[] = {"non (exonéré)", "oui (20 %)", NULL};

long dossier_price_ht(const struct dossier *d)
{
    if (d->price_cents < 0)
        return -1;
    /* TTC = HT × 1,2, so HT = TTC × 10 / 12, rounded half up. */
    return d->vat ? (d->price_cents * 10 + 6) / 12 : d->price_cents;
}

const char *dossier_kind_label(enum dossier_kind k)
{
    return k == DK_RECONVERSION ? "reconversion" : "mandat";
}

/* Copies a clean, trimmed text of at most max characters (empty allowed unless required). */
static bool check_text(const char *value, const char *what, bool required, int max, char *dst,
                       size_t dstlen, char *err, size_t errlen)
{
    return text_check_field(value, what, required, max, dst, dstlen, err, errlen);
}

/* An optional date: empty gives {0,0,0}. */
static bool optional_date(const char *value, struct date *out, char *err, size_t errlen)
{
    char buf[64];
    snprintf(buf, sizeof buf, "%s", value ? value : "");
    if (text_trim(buf)[0] == '\0') {
        *out = (struct date){0, 0, 0};
        return true;
    }
    return dates_parse(buf, out, err, errlen);
}

int dossier_check_strings(const char *const values[DF_COUNT], struct dossier *out,
                          struct date today, char errors[DF_COUNT][256])
{
    struct dossier d = *out;
    char buf[128], shown[128];
    int bad = 0;
    for (int i = 0; i < DF_COUNT; i++)
        errors[i][0] = '\0';
#define BAD(field) (bad++, errors[field])
#define ERR sizeof errors[0]
    if (!check_text(values[DF_TITLE], "L'intitulé de la formation", true, DOSSIER_TEXT_MAX,
                    d.title, sizeof d.title, errors[DF_TITLE], ERR))
        bad++;
    if (!check_text(values[DF_BODY], "L'organisme", false, DOSSIER_TEXT_MAX, d.body,
                    sizeof d.body, errors[DF_BODY], ERR))
        bad++;
    snprintf(buf, sizeof buf, "%s", values[DF_SIRET] ? values[DF_SIRET] : "");
    if (text_trim(buf)[0] == '\0')
        d.siret[0] = '\0';
    else if (!dossier_siret_valid(buf, d.siret, errors[DF_SIRET], ERR))
        bad++;
    bool start_ok = optional_date(values[DF_START], &d.start, errors[DF_START], ERR);
    bool end_ok = optional_date(values[DF_END], &d.end, errors[DF_END], ERR);
    bad += !start_ok + !end_ok;
    if (start_ok && end_ok && dates_valid(d.start) && dates_valid(d.end) &&
        dates_compare(d.end, d.start) < 0)
        text_msgf(BAD(DF_END), ERR, "La fin de la session doit venir après son début.");
    snprintf(buf, sizeof buf, "%s", values[DF_PRICE] ? values[DF_PRICE] : "");
    long cents;
    int hours;
    if (text_trim(buf)[0] == '\0') {
        d.price_cents = -1;
    } else if (!text_parse_euros(buf, &cents) || cents > 10000000L) {
        /* Quoted sanitized: a paste may hold control characters or invalid UTF-8. */
        text_sanitize(shown, sizeof shown, buf);
        text_msgf(BAD(DF_PRICE), ERR, "« %s » n'est pas un prix : tapez-le en euros TTC, par "
                                     "exemple 350 ou 420,50.", shown);
    } else {
        d.price_cents = cents;
    }
    snprintf(buf, sizeof buf, "%s", values[DF_HOURS] ? values[DF_HOURS] : "");
    if (text_trim(buf)[0] == '\0') {
        d.hours_cents = 0;
    } else if (!text_parse_hours(buf, &hours) || hours == 0 || hours > 200000) {
        text_sanitize(shown, sizeof shown, buf);
        text_msgf(BAD(DF_HOURS), ERR, "« %s » : tapez le nombre d'heures de formation, par "
                                     "exemple 7, 10,5 ou 3h30.", shown);
    } else {
        d.hours_cents = hours;
    }
    snprintf(buf, sizeof buf, "%s", values[DF_VAT] ? values[DF_VAT] : "");
    text_trim(buf);
    if (buf[0] == '\0' || strncasecmp(buf, "non", 3) == 0)
        d.vat = false;
    else if (strncasecmp(buf, "oui", 3) == 0)
        d.vat = true;
    else
        text_msgf(BAD(DF_VAT), ERR, "Choisissez avec Espace : l'organisme facture-t-il la TVA ?");
    snprintf(buf, sizeof buf, "%s", values[DF_KIND] ? values[DF_KIND] : "");
    text_trim(buf);
    if (strcasecmp(buf, "mandat") == 0)
        d.kind = DK_MANDATE;
    else if (strcasecmp(buf, "reconversion") == 0)
        d.kind = DK_RECONVERSION;
    else
        text_msgf(BAD(DF_KIND), ERR, "Choisissez avec Espace : mandat ou reconversion.");
    if (!check_text(values[DF_NOTES], "Les notes", false, DOSSIER_NOTES_MAX, d.notes,
                    sizeof d.notes, errors[DF_NOTES], ERR))
        bad++;
    struct date created = d.created_on;
    if (!optional_date(values[DF_CREATED], &created, errors[DF_CREATED], ERR)) {
        bad++;
    } else if (dates_valid(created)) {
        char day[32];
        if (dates_valid(today) && dates_compare(created, today) > 0) {
            text_msgf(BAD(DF_CREATED), ERR, "Cette date est dans le futur : indiquez le jour où "
                                           "le dossier a été créé sur Mon Compte Formation.");
        } else if (dates_valid(d.changed_on) && dates_compare(created, d.changed_on) > 0) {
            dates_format_short(d.changed_on, day, sizeof day);
            text_msgf(BAD(DF_CREATED), ERR, "Le dossier a changé de statut le %s : il a été "
                                           "créé ce jour-là ou avant.", day);
        } else {
            d.created_on = created;
        }
    }
#undef BAD
#undef ERR
    if (bad == 0)
        *out = d;
    return bad;
}

bool dossier_from_strings(const char *const values[DF_COUNT], struct dossier *out,
                          int *bad_field, char *err, size_t errlen)
{
    char errors[DF_COUNT][256];
    if (dossier_check_strings(values, out, (struct date){0, 0, 0}, errors) == 0)
        return true;
    for (int i = 0; i < DF_COUNT; i++) {
        if (errors[i][0]) {
            *bad_field = i;
            text_msgf(err, errlen, "%s", errors[i]);
            break;
        }
    }
    return false;
}

void dossier_to_strings(const struct dossier *d, char values[DF_COUNT][DOSSIER_VALUE_MAX])
{
    for (int i = 0; i < DF_COUNT; i++)
        values[i][0] = '\0';
    snprintf(values[DF_TITLE], DOSSIER_VALUE_MAX, "%s", d->title);
    snprintf(values[DF_BODY], DOSSIER_VALUE_MAX, "%s", d->body);
    snprintf(values[DF_SIRET], DOSSIER_VALUE_MAX, "%s", d->siret);
    if (dates_valid(d->start))
        dates_format_short(d->start, values[DF_START], DOSSIER_VALUE_MAX);
    if (dates_valid(d->end))
        dates_format_short(d->end, values[DF_END], DOSSIER_VALUE_MAX);
    if (d->price_cents >= 0)
        snprintf(values[DF_PRICE], DOSSIER_VALUE_MAX, "%ld,%02ld", d->price_cents / 100,
                 d->price_cents % 100);
    /* as text_format_hours writes them (17,5 h): 17,5 rather than 17,50 */
    if (d->hours_cents > 0 && d->hours_cents % 10 == 0 && d->hours_cents % 100)
        snprintf(values[DF_HOURS], DOSSIER_VALUE_MAX, "%d,%d", d->hours_cents / 100,
                 d->hours_cents % 100 / 10);
    else if (d->hours_cents > 0)
        snprintf(values[DF_HOURS], DOSSIER_VALUE_MAX, d->hours_cents % 100 ? "%d,%02d" : "%d",
                 d->hours_cents / 100, d->hours_cents % 100);
    snprintf(values[DF_VAT], DOSSIER_VALUE_MAX, "%s", dossier_vat_choices[d->vat ? 1 : 0]);
    snprintf(values[DF_KIND], DOSSIER_VALUE_MAX, "%s", dossier_kind_label(d->kind));
    if (dates_valid(d->created_on))
        dates_format_short(d->created_on, values[DF_CREATED], DOSSIER_VALUE_MAX);
    snprintf(values[DF_NOTES], DOSSIER_VALUE_MAX, "%s", d->notes);
}

struct dossier_deadline dossier_deadline(const struct dossier *d)
{
    struct dossier_deadline dl = {DL_NONE, {0, 0, 0}};
    switch (d->status) {
    case DS_CREATION:
        if (dates_valid(d->start)) {
            dl.kind = DL_SEND;
            dl.date = dates_latest_before(d->start, RULES_MIN_LEAD_WORKING_DAYS);
        }
        break;
    case DS_SENT:
        dl.kind = DL_REPLY;
        dl.date = dates_add_working_days(d->status_date, RULES_REPLY_WORKING_DAYS);
        break;
    case DS_PROPOSAL:
    case DS_TO_VALIDATE:
        dl.kind = DL_CONFIRM;
        dl.date = dates_add_working_days(d->status_date, RULES_CONFIRM_WORKING_DAYS);
        break;
    case DS_VALIDATED:
        if (dates_valid(d->start)) {
            dl.kind = DL_START;
            dl.date = d->start;
        }
        break;
    case DS_IN_TRAINING:
        if (dates_valid(d->end)) {
            dl.kind = DL_END;
            dl.date = d->end;
        }
        break;
    default:
        break;
    }
    return dl;
}

const char *dossier_deadline_label(enum deadline_kind k)
{
    switch (k) {
    case DL_SEND:
        return "Envoyer la demande";
    case DL_REPLY:
        return "Réponse de l'organisme";
    case DL_CONFIRM:
        return "Confirmer l'inscription";
    case DL_START:
        return "Début de la formation";
    case DL_END:
        return "Fin de la formation";
    case DL_RECONVERSION:
        return "Faire valider la reconversion";
    default:
        return "";
    }
}

const char *dossier_deadline_advice(enum deadline_kind k)
{
    switch (k) {
    case DL_SEND:
        return "Dernier jour pour envoyer la demande d'inscription sur Mon Compte Formation "
               "(11 jours ouvrés avant le début de la session).";
    case DL_REPLY:
        return "L'organisme doit avoir répondu à votre demande (2 jours ouvrés). Sans réponse, "
               "vérifiez le dossier sur Mon Compte Formation et appelez l'organisme.";
    case DL_CONFIRM:
        return "Dernier jour pour confirmer votre inscription sur Mon Compte Formation "
               "(4 jours ouvrés), sinon elle est annulée.";
    case DL_START:
        return "La formation commence.";
    case DL_END:
        return "La formation se termine.";
    case DL_RECONVERSION:
        return "Dernier jour pour que le dossier de reconversion soit validé (6 mois après la "
               "fin du dernier mandat local) : la demande doit partir assez tôt pour la réponse "
               "de l'organisme (2 jours ouvrés) et votre confirmation (4 jours ouvrés).";
    default:
        return "";
    }
}

void dossier_deadline_text(struct dossier_deadline dl, struct date today, char *buf,
                           size_t len, bool *overdue)
{
    char day[64];
    dates_format_long(dl.date, day, sizeof day);
    int left = dates_working_days_between(today, dl.date);
    bool past = dates_compare(today, dl.date) > 0;
    bool is_today = dates_compare(today, dl.date) == 0;
    *overdue = past;
    const char *unit = left == 1 ? "jour ouvré" : "jours ouvrés";
    switch (dl.kind) {
    case DL_SEND:
        if (past)
            text_msgf(buf, len, "Trop tard pour cette session : la demande devait partir au "
                               "plus tard le %s (11 jours ouvrés avant le début). Choisissez "
                               "une session plus lointaine et notez ses dates.", day);
        else {
            /* MCF takes requests every day, but the official may need the body or the town
             * hall to answer a question: advise the last working day before. */
            char why[96], before[64], advice[512] = "";
            if (dates_non_working_reason(dl.date, why, sizeof why)) {
                struct date wd = dates_working_day_before(dl.date);
                dates_format_long(wd, before, sizeof before);
                if (dates_compare(wd, today) >= 0)
                    snprintf(advice, sizeof advice, " C'est %s : Mon Compte Formation reste "
                                                    "ouvert, mais mieux vaut envoyer la demande "
                                                    "au plus tard le %s, dernier jour ouvré "
                                                    "avant.", why, before);
                else
                    snprintf(advice, sizeof advice, " C'est %s : Mon Compte Formation reste "
                                                    "ouvert, envoyez-la sans attendre.", why);
            }
            if (is_today)
                text_msgf(buf, len, "Dernier jour pour envoyer la demande : aujourd'hui, %s.%s",
                         day, advice);
            else
                text_msgf(buf, len, "Envoyez la demande au plus tard le %s.%s", day, advice);
        }
        break;
    case DL_REPLY:
        if (past)
            text_msgf(buf, len, "L'organisme devait répondre au plus tard le %s : sans réponse, "
                               "la demande n'est plus valable. Si MCF la montre annulée, notez "
                               "« Annulé » et appelez l'organisme avant de redemander.", day);
        else if (is_today || left == 0)
            text_msgf(buf, len, "L'organisme doit répondre aujourd'hui au plus tard (%s).", day);
        else
            text_msgf(buf, len, "L'organisme doit répondre d'ici %d %s, au plus tard le %s.",
                     left, unit, day);
        break;
    case DL_CONFIRM:
        if (past)
            text_msgf(buf, len, "Le délai pour confirmer est passé (%s) : l'inscription a "
                               "probablement été annulée. Si MCF la montre annulée, notez "
                               "« Annulé » et refaites une demande.", day);
        else if (is_today || left == 0)
            text_msgf(buf, len, "Dernier jour pour confirmer : aujourd'hui, %s !", day);
        else
            text_msgf(buf, len, "Il vous reste %d %s pour confirmer, jusqu'au %s.", left, unit,
                     day);
        break;
    case DL_START:
        /* Not a deadline the official can miss: only the record is behind. */
        if (past) {
            text_msgf(buf, len, "La formation a commencé le %s : notez le dossier « En "
                               "formation ».", day);
            *overdue = false;
        }
        else
            text_msgf(buf, len, "La formation commence le %s.", day);
        break;
    case DL_END:
        if (past) {
            text_msgf(buf, len, "La formation s'est terminée le %s : notez le dossier "
                               "« Formation terminée ».", day);
            *overdue = false;
        }
        else
            text_msgf(buf, len, "La formation se termine le %s.", day);
        break;
    case DL_RECONVERSION:
        if (past)
            snprintf(buf, len, "Une reconversion devait être validée au plus tard le %s.", day);
        else
            snprintf(buf, len, "Faites valider le dossier de reconversion au plus tard le %s.",
                     day);
        break;
    case DL_NONE:
        text_msgf(buf, len, "Pas d'échéance.");
        *overdue = false;
        break;
    }
}
