#include "difelus/status.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "difelus/text.h"
#include "difelus/version.h"

/* Until dossiers have deadlines of their own, the next one is the nearest expected end of
 * a mandate: a mandate training must be over by then. */
static void find_next_deadline(struct status *s)
{
    for (size_t i = 0; i < s->mandate_count; i++) {
        const struct mandate *m = &s->mandates[i];
        if (!dates_valid(m->end) || dates_compare(m->end, s->today) < 0)
            continue;
        if (s->next_deadline.known && dates_compare(m->end, s->next_deadline.date) >= 0)
            continue;
        s->next_deadline.known = true;
        s->next_deadline.date = m->end;
        snprintf(s->next_deadline.label, sizeof s->next_deadline.label,
                 "Fin prévue du mandat (%s) : une formation liée à ce mandat doit être "
                 "terminée avant.",
                 m->collectivite);
    }
}

int status_load(store *st, struct date today, struct status *out)
{
    memset(out, 0, sizeof *out);
    out->today = today;
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
        else if (out->current_step == 0)
            out->current_step = s + 1;
    }
    if (store_mandate_list(st, &out->mandates, &out->mandate_count) != 0)
        return -1;
    size_t n = 0;
    if (store_credit_list(st, &out->credit, 1, &n) != 0) {
        status_free(out);
        return -1;
    }
    out->credit_known = n == 1;
    find_next_deadline(out);
    return 0;
}

void status_free(struct status *s)
{
    free(s->mandates);
    s->mandates = NULL;
    s->mandate_count = 0;
}

void status_print_text(const struct status *s, FILE *out)
{
    char buf[64], clean[512];
    fprintf(out, "Étapes faites : %d/%d\n", s->steps_done, GUIDE_STEPS);
    for (int i = 0; i < GUIDE_STEPS; i++) {
        const struct guide_step *gs = guide_step(i + 1);
        fprintf(out, "  %s Étape %d — %s (%d/%d)\n", s->steps[i].done ? "[x]" : "[ ]", i + 1,
                gs->title, s->steps[i].ticked, s->steps[i].total);
    }
    if (s->current_step)
        fprintf(out, "Étape en cours : %d — %s\n", s->current_step,
                guide_step(s->current_step)->title);
    else
        fprintf(out, "Toutes les étapes sont faites.\n");

    fprintf(out, s->mandate_count ? "Mandats :\n" : "Mandats : aucun\n");
    for (size_t i = 0; i < s->mandate_count; i++) {
        const struct mandate *m = &s->mandates[i];
        char start[11], end[11];
        dates_format_short(m->start, start, sizeof start);
        dates_format_short(m->end, end, sizeof end);
        fprintf(out, "  - %s, %s (%s), du %s au %s, %s, %s\n",
                text_sanitize(clean, sizeof clean, m->function), m->collectivite,
                mandate_level_label(m->level), start, end,
                m->opposition ? "opposition" : "majorité",
                m->indemnified ? "indemnisé" : "non indemnisé");
    }
    if (s->credit_known) {
        char day[16];
        text_format_euros(s->credit.amount_cents, buf, sizeof buf);
        dates_format_short(s->credit.observed_on, day, sizeof day);
        fprintf(out, "Solde DIF élu : %s (relevé le %s sur Compte élu)\n", buf, day);
    } else {
        fprintf(out, "Solde DIF élu : inconnu\n");
    }
    if (s->next_deadline.known) {
        char day[64];
        dates_format_long(s->next_deadline.date, day, sizeof day);
        fprintf(out, "Prochaine échéance : %s — %s\n", day, s->next_deadline.label);
    } else {
        fprintf(out, "Prochaine échéance : aucune\n");
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
    json_object_set_new(root, "solde", credit);

    if (s->next_deadline.known) {
        json_t *d = json_object();
        json_object_set_new(d, "date", json_date(s->next_deadline.date));
        json_object_set_new(d, "libelle", json_string(s->next_deadline.label));
        json_object_set_new(root, "prochaine_echeance", d);
    } else {
        json_object_set_new(root, "prochaine_echeance", json_null());
    }
    char *text = json_dumps(root, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
    json_decref(root);
    return text;
}
