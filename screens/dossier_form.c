/* Creating or editing a dossier, and recording a change of its status. */
#include <stdio.h>
#include <string.h>

#include "difelus/text.h"
#include "difelus/rules.h"
#include "screens.h"

static const char *const kinds[] = {"mandat", "reconversion", NULL};

/* Same order as enum dossier_field. */
static const struct tui_field_desc fields[DF_COUNT] = {
    {"Intitulé de la formation", TF_TEXT, 44, DOSSIER_TEXT_MAX, NULL},
    {"Organisme de formation", TF_TEXT, 44, DOSSIER_TEXT_MAX, NULL},
    {"SIRET de l'organisme", TF_TEXT, 20, 20, NULL},
    {"Début (JJ/MM/AAAA)", TF_TEXT, 10, 10, NULL},
    {"Fin (JJ/MM/AAAA)", TF_TEXT, 10, 10, NULL},
    {"Prix TTC (€)", TF_TEXT, 12, 14, NULL},
    {"Heures de formation", TF_TEXT, 8, 8, NULL},
    {"TVA facturée par l'organisme", TF_CHOICE, 14, 14, dossier_vat_choices},
    {"Type de formation", TF_CHOICE, 14, 14, kinds},
    {"Notes", TF_TEXT, 44, DOSSIER_NOTES_MAX, NULL},
    {"Créé sur MCF le (JJ/MM/AAAA)", TF_TEXT, 10, 10, NULL},
};


static void form_enter(struct app *app)
{
    char values[DF_COUNT][DOSSIER_VALUE_MAX] = {{0}};
    const char *init[DF_COUNT] = {NULL};
    const struct dossier *d = app->ui.dossier_id ? app_dossier(app) : NULL;
    if (d) {
        dossier_to_strings(d, values);
        for (int i = 0; i < DF_COUNT; i++)
            init[i] = values[i];
    } else {
        /* A dossier noted the day it is created on MCF; another day can be typed. */
        dates_format_short(app->today, values[DF_CREATED], sizeof values[DF_CREATED]);
        init[DF_CREATED] = values[DF_CREATED];
    }
    if (!tui_form_open(&app->form, fields, DF_COUNT, init, 3))
        app_flash(app, true, "Mémoire insuffisante pour afficher le formulaire.");
}

static void form_draw(struct app *app)
{
    tui_title_bar(app->ui.dossier_id ? "Mes dossiers — modifier le dossier"
                                  : "Mes dossiers — nouveau dossier d'inscription");
    move(1, 0);
    clrtoeol();
    tui_print(1, 2, COLS - 4, 0, "Recopiez ce qu'affiche Mon Compte Formation ; seul "
                                 "l'intitulé est requis.");
    move(2, 0);
    clrtoeol();
    move(tui_form_bottom(&app->form), 0);
    clrtobot();
    tui_key_line(app, "Tab ↑↓ champ  Entrée enregistrer  Échap annuler  F1 aide  F10 quitter");
    if (app->form.form)
        tui_form_draw(&app->form);
}

/* Checks every field; d gets the dossier when all are right. Returns how many are wrong. */
static int check_form(struct app *app, struct dossier *d, char errors[DF_COUNT][256])
{
    char values[DF_COUNT][DOSSIER_VALUE_MAX] = {{0}};
    const char *v[DF_COUNT];
    for (int i = 0; i < DF_COUNT; i++) {
        tui_form_value(&app->form, i, values[i], sizeof values[i]);
        v[i] = values[i];
    }
    const struct dossier *old = app->ui.dossier_id ? app_dossier(app) : NULL;
    if (old)
        *d = *old;
    else
        memset(d, 0, sizeof *d);
    return dossier_check_strings(v, d, app->today, errors);
}

static enum key_result form_key(struct app *app, int type, wint_t ch)
{
    enum key_result r;
    struct dossier d;
    char errors[DF_COUNT][256];
    /* Échap says what is true: a dossier already saved (from a search result too) stays
     * as it is; a new one is not created. */
    const struct dossier *saved = app->ui.dossier_id ? app_dossier(app) : NULL;
    char cancelled[1024], title[160];
    if (saved)
        snprintf(cancelled, sizeof cancelled, "Aucune modification\u00a0: le dossier "
                 "«\u00a0%s\u00a0» reste enregistré tel quel.",
                 text_clip(title, sizeof title, saved->title, 50));
    else
        snprintf(cancelled, sizeof cancelled, "Aucun dossier créé.");
    if (!tui_form_shared_key(app, &app->form, type, ch,
                             app->ui.dossier_id ? &screen_dossier : &screen_dossiers,
                             cancelled, &r)) {
        if (r == KR_HANDLED && tui_form_has_errors(&app->form)) {
            check_form(app, &d, errors);
            tui_form_recheck(&app->form, (const char(*)[256])errors, DF_COUNT);
        }
        return r;
    }
    if (check_form(app, &d, errors) != 0) {
        int bad = tui_form_show_errors(&app->form, (const char(*)[256])errors, DF_COUNT);
        app_flash(app, true, bad > 1 ? "Dossier non enregistré : corrigez les %d champs signalés."
                                     : "Dossier non enregistré : corrigez le champ signalé.",
                  bad);
        return KR_HANDLED;
    }
    if (store_dossier_save(app->st, &d, app->today, ACTOR_OFFICIAL) != 0) {
        app_flash(app, true, "%s", store_error(app->st));
        return KR_HANDLED;
    }
    app_flash(app, false, "Dossier enregistré : %s.", d.title);
    app->ui.dossier_id = d.id;
    app->next = &screen_dossier;
    return KR_GOTO;
}

const struct screen screen_dossier_form = {
    .id = "dossier-modifier",
    .text_input = true,
    .atomic_keys = true,
    .enter = form_enter,
    .draw = form_draw,
    .key = form_key,
};

/* ---- change of status ---- */

enum { SF_STATUS, SF_DATE, SF_COUNT };

/* « Annulé » is final: asked (app->ui.confirm) before it is recorded. */
#define CONFIRM_CANCEL "annuler-dossier"

/* What the status form asks, above it; returns the rows it takes at this width. */
static int status_intro(const struct dossier *d, char *line, size_t len)
{
    snprintf(line, len, "%s : aujourd'hui « %s ». Choisissez le statut affiché sur Mon Compte "
                        "Formation (Espace) et le jour du changement (une date passée si vous "
                        "le notez après coup).",
             d->title, dossier_status_label(d->status));
    return text_wrap_count(line, COLS - 4);
}

static void status_enter(struct app *app)
{
    struct screens_view *v = view_of(app);
    const struct dossier *d = app_dossier(app);
    v->status_count = d ? dossier_next_statuses(d->status, v->status_values) : 0;
    for (size_t i = 0; i < v->status_count; i++)
        v->status_choices[i] = dossier_status_label(v->status_values[i]);
    v->status_choices[v->status_count] = NULL;
    v->status_fields[SF_STATUS] =
        (struct tui_field_desc){"Nouveau statut", TF_CHOICE, 30, 30, v->status_choices};
    v->status_fields[SF_DATE] =
        (struct tui_field_desc){"Changé le (JJ/MM/AAAA)", TF_TEXT, 10, 10, NULL};
    char today[16], intro[2048];
    dates_format_short(app->today, today, sizeof today);
    const char *init[SF_COUNT] = {NULL, today};
    /* The form below the whole intro (a long title makes it four rows). */
    int top = d ? 3 + status_intro(d, intro, sizeof intro) : 6;
    if (v->status_count == 0 ||
        !tui_form_open(&app->form, v->status_fields, SF_COUNT, init, top > 6 ? top : 6))
        app_flash(app, true, "Ce dossier ne peut plus changer de statut.");
}

static void status_draw(struct app *app)
{
    const struct dossier *d = app_dossier(app);
    char line[1024];
    snprintf(line, sizeof line, "Dossier n° %lld — changer le statut", d ? d->id : 0LL);
    tui_title_bar(line);
    int top = app->form.form ? app->form.top : 6;
    for (int y = 1; y < top; y++) {
        move(y, 0);
        clrtoeol();
    }
    if (d) {
        char intro[2048];
        int rows = status_intro(d, intro, sizeof intro);
        tui_paragraph(2, 2, COLS - 4, rows < top - 3 ? rows : top - 3, 0, intro);
    }
    move(tui_form_bottom(&app->form), 0);
    clrtobot();
    tui_key_line(app, "Espace choisir  Tab champ  Entrée enregistrer  Échap annuler  F10 quitter");
    if (app->form.form)
        tui_form_draw(&app->form);
}

/* Records what MCF shows; a rule it breaks is kept beside it in the history and said. */
static bool record_status(struct app *app, const struct dossier *d, enum dossier_status to,
                          struct date day)
{
    char err[1024], warning[2048];
    if (!rules_check_record(d, to, day, app->today, app->status.mandates,
                            app->status.mandate_count, err, sizeof err, warning,
                            sizeof warning)) {
        tui_form_reject(&app->form, SF_DATE, err);
        return false;
    }
    if (store_dossier_set_status_noted(app->st, d->id, to, day, ACTOR_OFFICIAL, warning) != 0) {
        app_flash(app, true, "%s", store_error(app->st));
        return false;
    }
    char when[64];
    dates_format_long(day, when, sizeof when);
    if (warning[0])
        app_flash(app, true, "%s le %s : noté comme sur Mon Compte Formation, malgré les "
                             "règles (voir Vérifications et Historique).",
                  dossier_status_label(to), when);
    char title[sizeof d->title];
    long long id = d->id;
    snprintf(title, sizeof title, "%s", d->title);
    app_reload_status(app);
    if (!warning[0])
        app_flash_status_noted(app, id, title, to, day);
    return true;
}

/* The chosen status and day, checked; false with the message under the field. */
static bool chosen(struct app *app, enum dossier_status *to, struct date *day)
{
    char label[TUI_FORM_VALUE_MAX], day_text[TUI_FORM_VALUE_MAX], err[512];
    tui_form_value(&app->form, SF_STATUS, label, sizeof label);
    tui_form_value(&app->form, SF_DATE, day_text, sizeof day_text);
    if (!dates_parse(day_text, day, err, sizeof err)) {
        tui_form_reject(&app->form, SF_DATE, err);
        return false;
    }
    const struct screens_view *v = view_of(app);
    for (size_t i = 0; i < v->status_count; i++) {
        if (strcmp(label, v->status_choices[i]) == 0) {
            *to = v->status_values[i];
            return true;
        }
    }
    tui_form_reject(&app->form, SF_STATUS, "Choisissez un statut avec Espace.");
    return false;
}

static enum key_result status_key(struct app *app, int type, wint_t ch)
{
    const struct dossier *d = app_dossier(app);
    if (!app->form.form || !d) {
        if (type == OK && ch == 27) {
            app->next = &screen_dossier;
            return KR_GOTO;
        }
        return KR_UNHANDLED;
    }
    enum dossier_status to;
    struct date day;
    if (strcmp(app->ui.confirm, CONFIRM_CANCEL) == 0) {
        if (type == OK && (ch == 'o' || ch == 'O')) {
            app->ui.confirm[0] = '\0';
            if (chosen(app, &to, &day) && record_status(app, d, to, day)) {
                app->next = &screen_dossier;
                return KR_GOTO;
            }
            return KR_HANDLED;
        }
        if (type == OK && (ch == 'n' || ch == 'N' || ch == 27)) {
            app->ui.confirm[0] = '\0';
            app_flash(app, false, "Le dossier n'est pas annulé : choisissez un autre statut ou "
                                  "Échap.");
            return KR_HANDLED;
        }
        app_flash(app, true, "Annuler ce dossier ? C'est définitif : son statut ne changera "
                             "plus. o : oui, annuler   n : non");
        return KR_HANDLED;
    }
    enum key_result r;
    if (!tui_form_shared_key(app, &app->form, type, ch, &screen_dossier, "Statut inchangé.", &r))
        return r;
    if (!chosen(app, &to, &day))
        return KR_HANDLED;
    if (to == DS_CANCELLED) {
        char err[1024], warning[16];
        if (!rules_check_record(d, to, day, app->today, app->status.mandates,
                                app->status.mandate_count, err, sizeof err, warning,
                                sizeof warning)) {
            tui_form_reject(&app->form, SF_DATE, err);
            return KR_HANDLED;
        }
        snprintf(app->ui.confirm, sizeof app->ui.confirm, CONFIRM_CANCEL);
        app_flash(app, true, "Annuler ce dossier ? C'est définitif : son statut ne changera "
                             "plus. o : oui, annuler   n : non");
        return KR_HANDLED;
    }
    if (!record_status(app, d, to, day))
        return KR_HANDLED;
    app->next = &screen_dossier;
    return KR_GOTO;
}

const struct screen screen_dossier_status = {
    .id = "dossier-statut",
    .text_input = true,
    .atomic_keys = true,
    .enter = status_enter,
    .draw = status_draw,
    .key = status_key,
};
