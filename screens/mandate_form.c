/* Adding or editing a mandate. A refused value gets its message under its field; every
 * other field keeps what was typed. */
#include <stdio.h>
#include <string.h>

#include "screens.h"

static const char *const level_choices[] = {"municipal", "communautaire", "départemental",
                                            "régional", "autre", NULL};
static const char *const side_choices[] = {"majorité", "opposition", NULL};
static const char *const yes_no[] = {"non", "oui", NULL};

/* Same order as enum mandate_field. */
static const struct tui_field_desc fields[MF_COUNT] = {
    {"Niveau", TF_CHOICE, 15, 15, level_choices},
    {"Collectivité", TF_TEXT, 44, MANDATE_TEXT_MAX, NULL},
    {"Fonction (maire, adjoint…)", TF_TEXT, 44, MANDATE_TEXT_MAX, NULL},
    {"Début du mandat (JJ/MM/AAAA)", TF_TEXT, 10, 10, NULL},
    {"Fin prévue (JJ/MM/AAAA)", TF_TEXT, 10, 10, NULL},
    {"Majorité ou opposition", TF_CHOICE, 12, 12, side_choices},
    {"Indemnisé(e)", TF_CHOICE, 5, 5, yes_no},
};


static void form_enter(struct app *app)
{
    char values[MF_COUNT][4 * MANDATE_TEXT_MAX + 1];
    const char *init[MF_COUNT] = {NULL};
    memset(values, 0, sizeof values);
    for (size_t i = 0; app->ui.mandate_id && i < app->status.mandate_count; i++) {
        if (app->status.mandates[i].id == app->ui.mandate_id) {
            mandate_to_strings(&app->status.mandates[i], values);
            for (int k = 0; k < MF_COUNT; k++)
                init[k] = values[k];
        }
    }
    if (!tui_form_open(&app->form, fields, MF_COUNT, init, 4))
        app_flash(app, true, "Mémoire insuffisante pour afficher le formulaire.");
}

static void form_draw(struct app *app)
{
    tui_title_bar(app->ui.mandate_id ? "Mes mandats — modifier un mandat" : "Mes mandats — nouveau mandat");
    move(1, 0);
    clrtoeol();
    move(2, 0);
    clrtoeol();
    tui_print(2, 2, COLS - 4, 0, "Dates sous la forme JJ/MM/AAAA, par exemple 22/03/2026.");
    move(tui_form_bottom(&app->form), 0);
    clrtobot();
    tui_key_line(app, "Tab ↑↓ champ  Entrée enregistrer  Échap annuler  F1 aide  F10 quitter");
    if (app->form.form)
        tui_form_draw(&app->form);
}

/* Checks every field; m gets the mandate when all are right. Returns how many are wrong. */
static int check_form(struct app *app, struct mandate *m, char errors[MF_COUNT][256])
{
    char values[MF_COUNT][4 * MANDATE_TEXT_MAX + 1];
    const char *v[MF_COUNT];
    for (int i = 0; i < MF_COUNT; i++) {
        tui_form_value(&app->form, i, values[i], sizeof values[i]);
        v[i] = values[i];
    }
    memset(m, 0, sizeof *m);
    m->id = app->ui.mandate_id;
    return mandate_check_strings(v, m, errors);
}

static enum key_result form_key(struct app *app, int type, wint_t ch)
{
    enum key_result r;
    struct mandate m;
    char errors[MF_COUNT][256];
    if (!tui_form_shared_key(app, &app->form, type, ch, &screen_mandates, "Rien n'a été modifié.",
                             &r)) {
        if (r == KR_HANDLED && tui_form_has_errors(&app->form)) {
            check_form(app, &m, errors);
            tui_form_recheck(&app->form, (const char(*)[256])errors, MF_COUNT);
        }
        return r;
    }
    if (check_form(app, &m, errors) != 0) {
        int bad = tui_form_show_errors(&app->form, (const char(*)[256])errors, MF_COUNT);
        app_flash(app, true, bad > 1 ? "Mandat non enregistré : corrigez les %d champs signalés."
                                     : "Mandat non enregistré : corrigez le champ signalé.",
                  bad);
        return KR_HANDLED;
    }
    if (store_mandate_save(app->st, &m) != 0) {
        app_flash(app, true, "%s", store_error(app->st));
        return KR_HANDLED;
    }
    app_flash(app, false, "Mandat enregistré : %s — %s.", m.function, m.collectivite);
    app->next = &screen_mandates;
    app->next_focus = 0;
    app_reload_status(app);
    for (size_t i = 0; i < app->status.mandate_count; i++)
        if (app->status.mandates[i].id == m.id)
            app->next_focus = (int)i;
    return KR_GOTO;
}

const struct screen screen_mandate_form = {
    .id = "mandat",
    .text_input = true,
    .atomic_keys = true,
    .enter = form_enter,
    .draw = form_draw,
    .key = form_key,
};
