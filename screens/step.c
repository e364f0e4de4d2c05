/* The six steps of the guide: explanation, checklist, ATTENTION box. One implementation,
 * six table entries; the content comes from the guide module. */
#include <stdio.h>

#include "difelus/text.h"
#include "tui/tui.h"

static const struct guide_step *current(const struct app *app)
{
    return guide_step(app->screen->step);
}

static void step_enter(struct app *app)
{
    int n = (int)current(app)->item_count;
    if (app->ui.focus >= n)
        app->ui.focus = n - 1;
}

/* What the official can do on the current dossier at this step, as a key. */
static const char *dossier_action(int step, const struct dossier *d)
{
    if (!d)
        return step == 4 ? "n : noter le dossier créé sur Mon Compte Formation" : NULL;
    if (step == 5 && d->status == DS_CREATION)
        return "e : j'ai envoyé ma demande aujourd'hui    o : ouvrir le dossier";
    if (step == 6 && d->status == DS_SENT)
        return "v : l'organisme a validé ma demande (« À valider »)    o : ouvrir";
    if (step == 6 && (d->status == DS_TO_VALIDATE || d->status == DS_PROPOSAL))
        return "c : j'ai confirmé mon inscription    o : ouvrir le dossier";
    return "o : ouvrir le dossier    d : tous mes dossiers";
}

/* Steps 4 to 6 work on the current dossier: its status, its deadline in words, the key
 * that moves it on. Returns the rows used. */
static int draw_dossier_panel(struct app *app, int y, int w)
{
    int step = app->screen->step;
    const struct dossier *d = status_current_dossier(&app->status);
    char line[1024];
    int start = y;
    if (d) {
        snprintf(line, sizeof line, "Mon dossier : %s — %s", d->title,
                 dossier_status_label(d->status));
        tui_print(y++, 3, w, A_BOLD, line);
        y += tui_dossier_deadline(app, d, y, 3, w, 2, 0);
    } else {
        tui_print(y++, 3, w, A_BOLD, "Aucun dossier en cours dans difelus.");
    }
    const char *action = dossier_action(step, d);
    if (action)
        tui_print(y++, 3, w, 0, action);
    return y - start;
}

static void step_draw(struct app *app)
{
    const struct guide_step *g = current(app);
    int idx = g->number - 1;
    char line[512];
    int w = COLS - 4, y = 2;

    snprintf(line, sizeof line, "Étape %d/%d — %s", g->number, GUIDE_STEPS, g->title);
    tui_title_bar(line);
    y += tui_paragraph(y, 2, w, 4, 0, g->explanation);
    y++;

    int cursor_y = y;
    for (size_t i = 0; i < g->item_count && y < LINES - 3; i++) {
        bool focus = (int)i == app->ui.focus;
        bool done = app->status.ticked[idx][i];
        if (focus)
            cursor_y = y;
        tui_print(y, 1, 1, A_BOLD, focus ? ">" : " ");
        tui_print(y, 3, 4, done ? tui_attr(TC_DONE) | A_BOLD : 0, done ? "[x]" : "[ ]");
        y += tui_paragraph(y, 7, w - 5, 2, focus ? tui_attr(TC_FOCUS) : 0, g->items[i].label);
    }
    if (app->status.steps[idx].done && y < LINES - 3) {
        tui_print(y + 1, 3, w, tui_attr(TC_DONE) | A_BOLD,
                  g->number < GUIDE_STEPS ? "Étape faite. → : étape suivante."
                                          : "Dernière étape faite. h : retour à l'accueil.");
        y += 2;
    }
    y++;
    if (g->number >= 4)
        y += draw_dossier_panel(app, y, w) + 1;
    if (g->number == 3 && y < LINES - 5) {
        tui_print(y++, 3, w, A_BOLD, "r : chercher dans le catalogue de difelus, hors ligne, "
                                     "et créer le dossier");
        y++;
    }
    tui_warning_box(y, 1, COLS - 2, LINES - 2 - y, g->warnings, g->warning_count);
    tui_key_line(app, "↑↓ choisir  Espace cocher  ←→ étapes  ? aide  h accueil  q quitter");
    move(cursor_y, 4);
}

static enum key_result dossier_key(struct app *app, int step, wint_t ch)
{
    const struct dossier *d = status_current_dossier(&app->status);
    if (ch == 'n' && step == 4 && !d) {
        app->dossier_id = 0;
        app->next = &screen_dossier_form;
        return KR_GOTO;
    }
    if (ch == 'o' && d) {
        app->dossier_id = d->id;
        app->next = &screen_dossier;
        return KR_GOTO;
    }
    enum dossier_status to = DS_COUNT;
    if (ch == 'e' && step == 5 && d && d->status == DS_CREATION)
        to = DS_SENT;
    else if (ch == 'v' && step == 6 && d && d->status == DS_SENT)
        to = DS_TO_VALIDATE;
    else if (ch == 'c' && step == 6 && d &&
             (d->status == DS_TO_VALIDATE || d->status == DS_PROPOSAL))
        to = DS_VALIDATED;
    if (to == DS_COUNT)
        return KR_UNHANDLED;
    app_dossier_transition(app, d, to, app->today);
    return KR_HANDLED;
}

static enum key_result step_key(struct app *app, int type, wint_t ch)
{
    const struct guide_step *g = current(app);
    int n = (int)g->item_count;
    if (app_move_focus(app, type, ch, n))
        return KR_HANDLED;
    if (g->number >= 4 && type == OK) {
        enum key_result r = dossier_key(app, g->number, ch);
        if (r != KR_UNHANDLED)
            return r;
    }
    if (!(type == OK && ch == ' ') && !tui_key_is_enter(type, ch))
        return KR_UNHANDLED;
    int idx = g->number - 1;
    bool now = !app->status.ticked[idx][app->ui.focus];
    if (store_checklist_set(app->st, g->items[app->ui.focus].id, now, ACTOR_OFFICIAL) != 0) {
        app_flash(app, true, "Coche non enregistrée : %s", store_error(app->st));
        return KR_HANDLED;
    }
    app_reload_status(app);
    if (now && app->status.steps[idx].done)
        app_flash(app, false, "Étape %d faite !", g->number);
    else if (now && app->ui.focus < n - 1)
        app->ui.focus++; /* on to the next item, as on a paper checklist */
    app_save_ui(app);
    return KR_HANDLED;
}

#define STEP_SCREEN(n)                                                                     \
    {                                                                                      \
        .id = "etape" #n, .step = n, .enter = step_enter, .draw = step_draw,               \
        .key = step_key,                                                                   \
    }

const struct screen screen_steps[GUIDE_STEPS] = {
    STEP_SCREEN(1), STEP_SCREEN(2), STEP_SCREEN(3),
    STEP_SCREEN(4), STEP_SCREEN(5), STEP_SCREEN(6),
};
