#include "difelus/status.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "difelus/rules.h"
#include "difelus/text.h"
#include "difelus/version.h"

/* Most urgent first: overdue ones, then by date. A past date that is not overdue (a
 * training that began: « notez-le En formation ») is only a record to bring up to date:
 * it counts as today, after the real deadlines of today (« confirmez aujourd'hui »). */
static bool more_urgent(const struct status_deadline *a, const struct status_deadline *b,
                        struct date today)
{
    if (a->overdue != b->overdue)
        return a->overdue;
    if (a->overdue)
        return dates_compare(a->date, b->date) < 0;
    bool a_past = dates_compare(a->date, today) < 0, b_past = dates_compare(b->date, today) < 0;
    struct date ka = a_past ? today : a->date, kb = b_past ? today : b->date;
    int c = dates_compare(ka, kb);
    if (c != 0)
        return c < 0;
    if (a_past != b_past)
        return !a_past;
    return dates_compare(a->date, b->date) < 0;
}

static void add_deadline(struct status *s, const struct status_deadline *dl)
{
    s->deadline_total++;
    /* Keep the list sorted, most urgent first; when it is full, the least urgent one gives
     * way, never the most urgent. */
    if (s->deadline_count == STATUS_MAX_DEADLINES) {
        if (!more_urgent(dl, &s->deadlines[STATUS_MAX_DEADLINES - 1], s->today))
            return;
        s->deadline_count--;
    }
    size_t i = s->deadline_count++;
    while (i > 0 && more_urgent(dl, &s->deadlines[i - 1], s->today)) {
        s->deadlines[i] = s->deadlines[i - 1];
        i--;
    }
    s->deadlines[i] = *dl;
}

static void collect_deadlines(struct status *s)
{
    struct status_deadline dl;
    for (size_t i = 0; i < s->dossier_count; i++) {
        const struct dossier *d = &s->dossiers[i];
        if (dossier_status_closed(d->status))
            continue;
        struct dossier_deadline dd = dossier_deadline(d);
        if (dd.kind == DL_NONE)
            continue;
        memset(&dl, 0, sizeof dl);
        dl.date = dd.date;
        dl.kind = dd.kind;
        dl.dossier_id = d->id;
        snprintf(dl.label, sizeof dl.label, "%s — %s", dossier_deadline_label(dd.kind), d->title);
        dossier_deadline_text(dd, s->today, dl.text, sizeof dl.text, &dl.overdue);
        add_deadline(s, &dl);
    }
    /* A reconversion after the last mandate: the dossier must be validated within 6 months
     * of its end, which may come before the sending deadline of the session itself. */
    const struct mandate *latest = NULL;
    for (size_t i = 0; i < s->mandate_count; i++)
        if (!latest || dates_compare(s->mandates[i].end, latest->end) > 0)
            latest = &s->mandates[i];
    bool held = rules_mandate_held(s->mandates, s->mandate_count, s->today);
    for (size_t i = 0; latest && !held && i < s->dossier_count; i++) {
        const struct dossier *d = &s->dossiers[i];
        if (d->kind != DK_RECONVERSION || dossier_status_closed(d->status) ||
            d->status == DS_VALIDATED || d->status == DS_IN_TRAINING || d->status == DS_DONE)
            continue;
        struct date limit = rules_add_months(latest->end, RULES_RECONVERSION_MONTHS);
        char day[64];
        dates_format_long(limit, day, sizeof day);
        memset(&dl, 0, sizeof dl);
        dl.date = limit;
        dl.kind = DL_RECONVERSION;
        dl.dossier_id = d->id;
        dl.overdue = dates_compare(s->today, limit) > 0;
        snprintf(dl.label, sizeof dl.label, "%s — %s", dossier_deadline_label(DL_RECONVERSION),
                 d->title);
        snprintf(dl.text, sizeof dl.text,
                 dl.overdue ? "EN RETARD — Une reconversion devait être validée au plus tard le "
                              "%s (6 mois après la fin de votre dernier mandat local)."
                            : "Faites valider ce dossier de reconversion au plus tard le %s "
                              "(6 mois après la fin de votre dernier mandat local) : envoyez la "
                              "demande au moins 6 jours ouvrés avant.",
                 day);
        add_deadline(s, &dl);
    }
    for (size_t i = 0; i < s->mandate_count; i++) {
        const struct mandate *m = &s->mandates[i];
        if (!dates_valid(m->end) || dates_compare(m->end, s->today) < 0)
            continue;
        memset(&dl, 0, sizeof dl);
        dl.date = m->end;
        snprintf(dl.label, sizeof dl.label, "Fin prévue du mandat (%s)", m->collectivite);
        snprintf(dl.text, sizeof dl.text, "Une formation liée à ce mandat doit être terminée "
                                          "avant la fin du mandat.");
        add_deadline(s, &dl);
    }
}

int status_load(store *st, struct date today, struct status *out)
{
    memset(out, 0, sizeof *out);
    out->today = today;
    out->estimate_cents = -1;
    if (store_checklist_load(st, out->ticked) != 0)
        return -1;
    for (int s = 0; s < GUIDE_STEPS; s++) {
        const struct guide_step *gs = guide_step(s + 1);
        struct status_step *ss = &out->steps[s];
        ss->total = (int)gs->item_count;
        for (size_t i = 0; i < gs->item_count; i++)
            ss->ticked += out->ticked[s][i];
        ss->done = ss->ticked == ss->total;
        if (ss->done)
            out->steps_done++;
    }
    /* The official is at the first step not done after the furthest one done: a dossier
     * sent on MCF (steps 4 to 6 ticked from its status) moves the progress on even if an
     * earlier checklist was never ticked in difelus. 0 when step 6 is done. */
    int last_done = 0;
    for (int s = 0; s < GUIDE_STEPS; s++)
        if (out->steps[s].done)
            last_done = s + 1;
    for (int s = last_done; s < GUIDE_STEPS && out->current_step == 0; s++)
        if (!out->steps[s].done)
            out->current_step = s + 1;
    size_t n = 0;
    if (store_mandate_list(st, &out->mandates, &out->mandate_count) != 0 ||
        store_dossier_list(st, &out->dossiers, &out->dossier_count) != 0 ||
        store_credit_list(st, &out->credit, 1, &n) != 0) {
        status_free(out);
        return -1;
    }
    out->credit_known = n == 1;
    /* The reading is the reference: only what happened after it changes the estimate. */
    bool *after = NULL;
    if (out->credit_known) {
        long long *ids = NULL;
        size_t count = 0;
        if (store_credit_validated_after(st, out->credit.id, &ids, &count) != 0) {
            status_free(out);
            return -1;
        }
        after = calloc(out->dossier_count + 1, sizeof *after);
        for (size_t i = 0; after && i < out->dossier_count; i++)
            for (size_t k = 0; k < count; k++)
                after[i] |= out->dossiers[i].id == ids[k];
        free(ids);
        if (!after) {
            status_free(out);
            return -1;
        }
    }
    out->estimate_cents = rules_estimate_balance(
        out->mandates, out->mandate_count, out->dossiers, out->dossier_count,
        out->credit_known ? out->credit.amount_cents : -1, out->credit.observed_on, after, today,
        &out->estimate);
    out->after_reading = after;
    collect_deadlines(out);
    return 0;
}

void status_free(struct status *s)
{
    free(s->mandates);
    free(s->dossiers);
    free(s->after_reading);
    s->mandates = NULL;
    s->dossiers = NULL;
    s->after_reading = NULL;
    s->mandate_count = s->dossier_count = 0;
}

const struct dossier *status_current_dossier(const struct status *s)
{
    for (size_t i = 0; i < s->dossier_count; i++) /* newest first */
        if (!dossier_status_closed(s->dossiers[i].status))
            return &s->dossiers[i];
    return NULL;
}

long status_balance(const struct status *s)
{
    return s->estimate_cents;
}

long status_balance_for_dossier(const struct status *s, const struct dossier *d)
{
    if (s->estimate_cents < 0 || !d)
        return s->estimate_cents;
    size_t i = 0;
    while (i < s->dossier_count && s->dossiers[i].id != d->id)
        i++;
    if (i == s->dossier_count)
        return s->estimate_cents; /* not saved yet: it used nothing */
    /* The estimate again, with this dossier as if it had used no credit: exact under the
     * ceiling, which a mere « estimate + price » would not be. */
    struct dossier *copy = malloc(s->dossier_count * sizeof *copy);
    if (!copy)
        return s->estimate_cents;
    memcpy(copy, s->dossiers, s->dossier_count * sizeof *copy);
    copy[i].status = DS_CREATION;
    long balance = rules_estimate_balance(
        s->mandates, s->mandate_count, copy, s->dossier_count,
        s->credit_known ? s->credit.amount_cents : -1, s->credit.observed_on, s->after_reading,
        s->today, NULL);
    free(copy);
    return balance;
}

void status_estimate_text(const struct status *s, char *buf, size_t len)
{
    if (s->estimate_cents < 0)
        text_msgf(buf, len, "Estimation : impossible sans mandat ni relevé de « Compte élu ».");
    else
        rules_estimate_text(&s->estimate, s->today, buf, len);
}

void status_print_text(const struct status *s, FILE *out)
{
    char buf[64], day[64];
    text_fprintf(out, "Étapes faites : %d/%d\n", s->steps_done, GUIDE_STEPS);
    for (int i = 0; i < GUIDE_STEPS; i++) {
        const struct guide_step *gs = guide_step(i + 1);
        text_fprintf(out, "  %s Étape %d — %s (%d/%d)\n", s->steps[i].done ? "[x]" : "[ ]", i + 1,
                gs->title, s->steps[i].ticked, s->steps[i].total);
    }
    if (s->current_step)
        text_fprintf(out, "Étape en cours : %d — %s\n", s->current_step,
                guide_step(s->current_step)->title);
    else if (s->steps_done == GUIDE_STEPS)
        text_fprintf(out, "Toutes les étapes sont faites.\n");
    else
        text_fprintf(out, "Dernière étape faite : l'inscription est confirmée.\n");

    text_fprintf(out, s->mandate_count ? "Mandats :\n" : "Mandats : aucun\n");
    /* Current mandates first, as on home; ended ones after them. */
    for (size_t k = 0; k < 2 * s->mandate_count; k++) {
        const struct mandate *m = &s->mandates[k % s->mandate_count];
        if ((dates_compare(m->end, s->today) < 0) != (k >= s->mandate_count))
            continue;
        char start[11], end[11];
        dates_format_short(m->start, start, sizeof start);
        dates_format_short(m->end, end, sizeof end);
        bool ended = dates_compare(m->end, s->today) < 0;
        text_fprintf(out, "  - %s, %s (%s), %s %s %s %s, %s, %s\n", m->function,
                m->collectivite, mandate_level_label(m->level),
                ended ? "commencé le" : "depuis le", start,
                ended ? "— terminé le" : "— fin prévue le", end,
                m->opposition ? "opposition" : "majorité",
                m->indemnified ? "avec indemnité" : "sans indemnité");
    }
    if (s->credit_known) {
        text_format_euros(s->credit.amount_cents, buf, sizeof buf);
        dates_format_short(s->credit.observed_on, day, sizeof day);
        text_fprintf(out, "Solde DIF élu : %s (relevé le %s sur « Compte élu »)\n", buf, day);
    } else {
        text_fprintf(out, "Solde DIF élu : inconnu (aucun relevé de « Compte élu »)\n");
    }
    char estimate[1024];
    status_estimate_text(s, estimate, sizeof estimate);
    text_fprintf(out, "%s\n", estimate);
    size_t open = 0;
    for (size_t i = 0; i < s->dossier_count; i++)
        open += !dossier_status_closed(s->dossiers[i].status);
    if (open)
        text_fprintf(out, "%zu dossier%s en cours :\n", open, text_plural(open));
    else
        text_fprintf(out, "Dossiers en cours : aucun\n");
    for (size_t i = 0; i < s->dossier_count; i++) {
        const struct dossier *d = &s->dossiers[i];
        if (dossier_status_closed(d->status))
            continue;
        /* The title in guillemets: one with a colon of its own reads without a double one. */
        text_fprintf(out, "  - n° %lld « %s » : %s", d->id, d->title, dossier_status_label(d->status));
        struct dossier_deadline dd = dossier_deadline(d);
        if (dd.kind != DL_NONE) {
            char text[640];
            bool overdue;
            dossier_deadline_text(dd, s->today, text, sizeof text, &overdue);
            text_fprintf(out, " — %s%s", overdue ? "EN RETARD : " : "", text);
        }
        fputc('\n', out);
    }
    if (s->deadline_count) {
        const struct status_deadline *dl = &s->deadlines[0];
        dates_format_long(dl->date, day, sizeof day);
        text_fprintf(out, "Prochaine échéance : %s%s — %s\n", dl->overdue ? "EN RETARD — " : "", day,
                dl->label);
    } else {
        text_fprintf(out, "Prochaine échéance : aucune\n");
    }
}

static json_t *json_date(struct date d)
{
    char iso[16];
    if (!dates_valid(d))
        return json_null();
    dates_format_iso(d, iso, sizeof iso);
    return json_string(iso);
}

static const char *deadline_key(enum deadline_kind k)
{
    static const char *const keys[] = {"fin_mandat", "envoi", "reponse_organisme",
                                       "confirmation", "debut_formation", "fin_formation",
                                       "validation_reconversion"};
    return keys[k];
}

static json_t *deadline_json(const struct status_deadline *dl)
{
    json_t *o = json_object();
    json_object_set_new(o, "date", json_date(dl->date));
    json_object_set_new(o, "type", json_string(deadline_key(dl->kind)));
    json_object_set_new(o, "libelle", json_string(dl->label));
    json_object_set_new(o, "texte", json_string(dl->text));
    json_object_set_new(o, "en_retard", json_boolean(dl->overdue));
    json_object_set_new(o, "dossier", dl->dossier_id ? json_integer(dl->dossier_id) : json_null());
    return o;
}

static json_t *dossier_json(const struct status *s, const struct dossier *d)
{
    json_t *o = json_object();
    json_object_set_new(o, "id", json_integer(d->id));
    json_object_set_new(o, "intitule", json_string(d->title));
    json_object_set_new(o, "organisme", json_string(d->body));
    json_object_set_new(o, "siret", d->siret[0] ? json_string(d->siret) : json_null());
    json_object_set_new(o, "type", json_string(dossier_kind_label(d->kind)));
    json_object_set_new(o, "debut", json_date(d->start));
    json_object_set_new(o, "fin", json_date(d->end));
    json_object_set_new(o, "prix_centimes",
                        d->price_cents >= 0 ? json_integer(d->price_cents) : json_null());
    json_object_set_new(o, "tva", json_boolean(d->vat));
    json_object_set_new(o, "prix_ht_centimes", d->price_cents >= 0
                                                   ? json_integer(dossier_price_ht(d))
                                                   : json_null());
    json_object_set_new(o, "heures",
                        d->hours_cents > 0 ? json_real(d->hours_cents / 100.0) : json_null());
    json_object_set_new(o, "statut", json_string(dossier_status_key(d->status)));
    json_object_set_new(o, "statut_libelle", json_string(dossier_status_label(d->status)));
    json_object_set_new(o, "statut_depuis", json_date(d->status_date));
    json_t *deadline = json_null();
    for (size_t i = 0; i < s->deadline_count; i++)
        if (s->deadlines[i].dossier_id == d->id)
            deadline = deadline_json(&s->deadlines[i]);
    json_object_set_new(o, "echeance", deadline);
    return o;
}

char *status_to_json(const struct status *s, const char *db_path)
{
    json_t *root = json_object();
    json_object_set_new(root, "version", json_string(DIFELUS_VERSION));
    json_object_set_new(root, "base", json_string(db_path));
    json_object_set_new(root, "aujourdhui", json_date(s->today));

    json_t *steps = json_object();
    json_object_set_new(steps, "faites", json_integer(s->steps_done));
    json_object_set_new(steps, "total", json_integer(GUIDE_STEPS));
    json_object_set_new(steps, "en_cours", s->current_step ? json_integer(s->current_step)
                                                           : json_null());
    json_t *detail = json_array();
    for (int i = 0; i < GUIDE_STEPS; i++) {
        const struct guide_step *gs = guide_step(i + 1);
        json_t *step = json_object();
        json_object_set_new(step, "numero", json_integer(i + 1));
        json_object_set_new(step, "titre", json_string(gs->title));
        json_object_set_new(step, "faite", json_boolean(s->steps[i].done));
        json_object_set_new(step, "cochees", json_integer(s->steps[i].ticked));
        json_object_set_new(step, "elements", json_integer(s->steps[i].total));
        json_t *ticked = json_array();
        for (size_t k = 0; k < gs->item_count; k++)
            if (s->ticked[i][k])
                json_array_append_new(ticked, json_string(gs->items[k].id));
        json_object_set_new(step, "elements_coches", ticked);
        json_array_append_new(detail, step);
    }
    json_object_set_new(steps, "detail", detail);
    json_object_set_new(root, "etapes", steps);

    json_t *mandates = json_array();
    for (size_t i = 0; i < s->mandate_count; i++) {
        const struct mandate *m = &s->mandates[i];
        json_t *o = json_object();
        json_object_set_new(o, "id", json_integer(m->id));
        json_object_set_new(o, "niveau", json_string(mandate_level_label(m->level)));
        json_object_set_new(o, "collectivite", json_string(m->collectivite));
        json_object_set_new(o, "fonction", json_string(m->function));
        json_object_set_new(o, "debut", json_date(m->start));
        json_object_set_new(o, "fin_prevue", json_date(m->end));
        json_object_set_new(o, "opposition", json_boolean(m->opposition));
        json_object_set_new(o, "indemnise", json_boolean(m->indemnified));
        json_array_append_new(mandates, o);
    }
    json_object_set_new(root, "mandats", mandates);

    json_t *credit = json_object();
    json_object_set_new(credit, "connu", json_boolean(s->credit_known));
    json_object_set_new(credit, "montant_centimes",
                        s->credit_known ? json_integer(s->credit.amount_cents) : json_null());
    json_object_set_new(credit, "releve_le",
                        s->credit_known ? json_date(s->credit.observed_on) : json_null());
    json_object_set_new(credit, "estimation_centimes",
                        s->estimate_cents >= 0 ? json_integer(s->estimate_cents) : json_null());
    json_object_set_new(credit, "estimation_au",
                        s->estimate_cents >= 0 ? json_date(s->today) : json_null());
    char estimate[1024];
    status_estimate_text(s, estimate, sizeof estimate);
    json_object_set_new(credit, "estimation_texte", json_string(estimate));
    json_object_set_new(root, "solde", credit);

    json_t *dossiers = json_array();
    for (size_t i = 0; i < s->dossier_count; i++)
        if (!dossier_status_closed(s->dossiers[i].status))
            json_array_append_new(dossiers, dossier_json(s, &s->dossiers[i]));
    json_object_set_new(root, "dossiers", dossiers);

    json_t *deadlines = json_array();
    for (size_t i = 0; i < s->deadline_count; i++)
        json_array_append_new(deadlines, deadline_json(&s->deadlines[i]));
    json_object_set_new(root, "echeances", deadlines);
    json_object_set_new(root, "prochaine_echeance",
                        s->deadline_count ? deadline_json(&s->deadlines[0]) : json_null());
    char *text = json_dumps(root, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
    json_decref(root);
    return text;
}
