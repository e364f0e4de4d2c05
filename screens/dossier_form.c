/* Creating or editing a dossier, and recording a change of its status. */
#include <stdio.h>
#include <string.h>

#include "tui/tui.h"

static const char *const kinds[] = {"mandat", "reconversion", NULL};

/* Same order as enum dossier_field. */
static const struct tui_field_desc fields[DF_COUNT] = {
    {"Intitulé de la formation", TF_TEXT, 44, DOSSIER_TEXT_MAX, NULL},
    {"Organisme de formation", TF_TEXT, 44, DOSSIER_TEXT_MAX, NULL},
    {"SIRET de l'organisme", TF_TEXT, 20, 20, NULL},
    {"Début (JJ/MM/AAAA)", TF_TEXT, 10, 10, NULL},
    {"Fin (JJ/MM/AAAA)", TF_TEXT, 10, 10, NULL},
    {"Prix HT (€)", TF_TEXT, 12, 14, NULL},
    {"Heures de formation", TF_TEXT, 8, 8, NULL},
    {"Type de formation", TF_CHOICE, 14, 14, kinds},
    {"Notes", TF_TEXT, 44, DOSSIER_NOTES_MAX, NULL},
};

static struct tui_form form;

static void form_enter(struct app *app)
{
    if (tui_form_resume(&form, app))
        return;
    static char values[DF_COUNT][DOSSIER_VALUE_MAX];
    const char *init[DF_COUNT] = {NULL};
    const struct dossier *d = app->dossier_id ? app_dossier(app) : NULL;
    if (d) {
        dossier_to_strings(d, values);
        for (int i = 0; i < DF_COUNT; i++)
            init[i] = values[i];
    }
    if (!tui_form_open(&form, fields, DF_COUNT, init, 3))
        app_flash(app, true, "Mémoire insuffisante pour afficher le formulaire.");
}

static void form_leave(struct app *app)
{
    tui_form_leave(&form, app);
}

static void form_cleanup(void)
{
    tui_form_close(&form);
}

static void form_draw(struct app *app)
{
    tui_title_bar(app->dossier_id ? "Mes dossiers — modifier le dossier"
                                  : "Mes dossiers — nouveau dossier d'inscription");
    move(1, 0);
    clrtoeol();
    tui_print(1, 2, COLS - 4, 0, "Recopiez ce qu'indique Mon Compte Formation ; seul "
                                 "l'intitulé est requis.");
    move(2, 0);
    clrtoeol();
    move(tui_form_bottom(&form), 0);
    clrtobot();
    tui_key_line(app, "Tab ↑↓ champ  Entrée enregistrer  Échap annuler  F1 aide  F10 quitter");
    if (form.form)
        tui_form_draw(&form);
}

static enum key_result form_key(struct app *app, int type, wint_t ch)
{
    enum key_result r;
    if (!tui_form_screen_key(app, &form, type, ch,
                             app->dossier_id ? &screen_dossier : &screen_dossiers,
                             "Rien n'a été modifié.", &r))
        return r;
    static char values[DF_COUNT][DOSSIER_VALUE_MAX];
    const char *v[DF_COUNT];
    for (int i = 0; i < DF_COUNT; i++) {
        tui_form_value(&form, i, values[i], sizeof values[i]);
        v[i] = values[i];
    }
    struct dossier d;
    const struct dossier *old = app->dossier_id ? app_dossier(app) : NULL;
    if (old)
        d = *old;
    else
        memset(&d, 0, sizeof d);
    int bad = 0;
    char err[512];
    if (!dossier_from_strings(v, &d, &bad, err, sizeof err)) {
        tui_form_reject(&form, bad, err);
        app_flash(app, true, "Dossier non enregistré : corrigez le champ signalé.");
        return KR_HANDLED;
    }
    if (store_dossier_save(app->st, &d, app->today, ACTOR_OFFICIAL) != 0) {
        app_flash(app, true, "%s", store_error(app->st));
        return KR_HANDLED;
    }
    app_flash(app, false, "Dossier enregistré : %s.", d.title);
    app->dossier_id = d.id;
    app->next = &screen_dossier;
    return KR_GOTO;
}

const struct screen screen_dossier_form = {
    .id = "dossier-modifier",
    .parent = "dossiers",
    .text_input = true,
    .enter = form_enter,
    .leave = form_leave,
    .cleanup = form_cleanup,
    .draw = form_draw,
    .key = form_key,
};

/* ---- change of status ---- */

enum { SF_STATUS, SF_DATE, SF_COUNT };

static const char *status_choices[DS_COUNT + 1];
static enum dossier_status status_values[DS_COUNT];
static size_t status_count;

static const struct tui_field_desc status_fields[SF_COUNT] = {
    {"Nouveau statut", TF_CHOICE, 30, 30, status_choices},
    {"Date du changement (JJ/MM/AAAA)", TF_TEXT, 10, 10, NULL},
};

static struct tui_form status_form;

static void status_enter(struct app *app)
{
    if (tui_form_resume(&status_form, app))
        return;
    const struct dossier *d = app_dossier(app);
    status_count = d ? dossier_next_statuses(d->status, status_values) : 0;
    for (size_t i = 0; i < status_count; i++)
        status_choices[i] = dossier_status_label(status_values[i]);
    status_choices[status_count] = NULL;
    char today[16];
    dates_format_short(app->today, today, sizeof today);
    const char *init[SF_COUNT] = {NULL, today};
    if (status_count == 0 || !tui_form_open(&status_form, status_fields, SF_COUNT, init, 6))
        app_flash(app, true, "Ce dossier ne peut plus changer de statut.");
}

static void status_leave(struct app *app)
{
    tui_form_leave(&status_form, app);
}

static void status_cleanup(void)
{
    tui_form_close(&status_form);
}

static void status_draw(struct app *app)
{
    const struct dossier *d = app_dossier(app);
    char line[1024];
    snprintf(line, sizeof line, "Dossier n° %lld — changer le statut", d ? d->id : 0LL);
    tui_title_bar(line);
    for (int y = 1; y < 6; y++) {
        move(y, 0);
        clrtoeol();
    }
    if (d) {
        snprintf(line, sizeof line, "%s : aujourd'hui « %s ». Choisissez le statut affiché sur "
                                    "Mon Compte Formation (Espace) et le jour du changement.",
                 d->title, dossier_status_label(d->status));
        tui_paragraph(2, 2, COLS - 4, 3, 0, line);
    }
    move(tui_form_bottom(&status_form), 0);
    clrtobot();
    tui_key_line(app, "Espace choisir  Tab champ  Entrée enregistrer  Échap annuler  F10 quitter");
    if (status_form.form)
        tui_form_draw(&status_form);
}

static enum key_result status_key(struct app *app, int type, wint_t ch)
{
    const struct dossier *d = app_dossier(app);
    if (!status_form.form || !d) {
        if (type == OK && ch == 27) {
            app->next = &screen_dossier;
            return KR_GOTO;
        }
        return KR_UNHANDLED;
    }
    enum key_result r;
    if (!tui_form_screen_key(app, &status_form, type, ch, &screen_dossier, "Statut inchangé.", &r))
        return r;
    char label[TUI_FORM_VALUE_MAX], day_text[TUI_FORM_VALUE_MAX], err[512];
    tui_form_value(&status_form, SF_STATUS, label, sizeof label);
    tui_form_value(&status_form, SF_DATE, day_text, sizeof day_text);
    struct date day;
    if (!dates_parse(day_text, &day, err, sizeof err)) {
        tui_form_reject(&status_form, SF_DATE, err);
        return KR_HANDLED;
    }
    for (size_t i = 0; i < status_count; i++) {
        if (strcmp(label, status_choices[i]) == 0) {
            if (!app_dossier_transition(app, d, status_values[i], day)) {
                tui_form_reject(&status_form, SF_DATE, app->flash);
                return KR_HANDLED;
            }
            app->next = &screen_dossier;
            return KR_GOTO;
        }
    }
    tui_form_reject(&status_form, SF_STATUS, "Choisissez un statut avec Espace.");
    return KR_HANDLED;
}

const struct screen screen_dossier_status = {
    .id = "dossier-statut",
    .parent = "dossiers",
    .text_input = true,
    .enter = status_enter,
    .leave = status_leave,
    .cleanup = status_cleanup,
    .draw = status_draw,
    .key = status_key,
};
