/* The official's mandates: list, then add / edit (mandate_form.c) / delete. */
#include <stdio.h>

#include "screens.h"

static void mandates_enter(struct app *app)
{
    int n = (int)app->status.mandate_count;
    if (app->ui.focus >= n)
        app->ui.focus = n > 0 ? n - 1 : 0;
}

static void mandates_draw(struct app *app)
{
    const struct status *s = &app->status;
    char line[1024], start[16], end[16];
    int w = COLS - 4, y = 2;
    tui_title_bar("Mes mandats");
    y += tui_paragraph(y, 2, w, 2, 0,
                       "Vos mandats d'élu(e) : difelus s'en sert pour vérifier les dates des "
                       "formations et calculer votre DIF élu.");
    y++;
    int cursor_y = y;
    if (s->mandate_count == 0)
        tui_print(y, 4, w - 2, 0, "Aucun mandat enregistré. Appuyez sur n pour en ajouter un.");
    /* Three rows a mandate: the collectivité whole (it names the mandate), the function,
     * then level, dates and side; long names are cut at a word, never the dates. */
    int rows = (LINES - 3 - y) / 3;
    if (rows < 1)
        rows = 1;
    int first = app->ui.focus >= rows ? app->ui.focus - rows + 1 : 0;
    for (int i = first; i < (int)s->mandate_count && i < first + rows; i++) {
        const struct mandate *m = &s->mandates[i];
        bool focus = i == app->ui.focus;
        if (focus)
            cursor_y = y;
        dates_format_short(m->start, start, sizeof start);
        dates_format_short(m->end, end, sizeof end);
        tui_print(y, 1, 1, A_BOLD, focus ? ">" : " ");
        tui_print(y++, 3, w - 1, focus ? tui_attr(TC_FOCUS) : A_BOLD, m->collectivite);
        tui_print(y++, 5, w - 3, 0, m->function);
        snprintf(line, sizeof line, "%s · du %s au %s · %s · %s", mandate_level_label(m->level),
                 start, end, m->opposition ? "opposition" : "majorité",
                 m->indemnified ? "indemnisé(e)" : "non indemnisé(e)");
        tui_print(y++, 5, w - 3, 0, line);
    }
    tui_key_line(app, app->ui.confirm[0]
                          ? "o supprimer  n ou Échap garder"
                          : "n nouveau  Entrée modifier  x supprimer  h accueil  ? aide  q quitter");
    move(cursor_y, 1);
}

static enum key_result mandates_key(struct app *app, int type, wint_t ch)
{
    const struct status *s = &app->status;
    int n = (int)s->mandate_count;
    if (app->ui.confirm[0]) {
        app->ui.confirm[0] = '\0';
        if (type == OK && (ch == 'o' || ch == 'O')) {
            if (store_mandate_delete(app->st, s->mandates[app->ui.focus].id) != 0) {
                app_flash(app, true, "%s", store_error(app->st));
                return KR_HANDLED;
            }
            app_reload_status(app);
            if (app->ui.focus >= (int)app->status.mandate_count && app->ui.focus > 0)
                app->ui.focus--;
            app_flash(app, false, "Mandat supprimé.");
        } else {
            app_flash(app, false, "Le mandat est gardé.");
        }
        return KR_HANDLED;
    }
    if (app_move_focus(app, type, ch, n))
        return KR_HANDLED;
    if (type == OK && (ch == 'n' || ch == 'N')) {
        app->ui.mandate_id = 0;
        app->next = &screen_mandate_form;
        return KR_GOTO;
    }
    bool enter = tui_key_is_enter(type, ch);
    /* x and Suppr delete, as on a dossier: d stays « mes dossiers » everywhere. */
    bool del = (type == OK && (ch == 'x' || ch == 'X')) || (type == KEY_CODE_YES && ch == KEY_DC);
    if ((enter || del) && n == 0) {
        app_flash(app, false, "Aucun mandat : appuyez sur n pour en ajouter un.");
        return KR_HANDLED;
    }
    if (enter) {
        app->ui.mandate_id = s->mandates[app->ui.focus].id;
        app->next = &screen_mandate_form;
        return KR_GOTO;
    }
    if (del) {
        snprintf(app->ui.confirm, sizeof app->ui.confirm, "supprimer");
        app_flash(app, false, "Supprimer le mandat « %s — %s » ? o : oui, n : non",
                  s->mandates[app->ui.focus].function, s->mandates[app->ui.focus].collectivite);
        return KR_HANDLED;
    }
    return KR_UNHANDLED;
}

const struct screen screen_mandates = {
    .id = "mandats",
    .atomic_keys = true, /* a deletion and its question answered */
    .enter = mandates_enter,
    .draw = mandates_draw,
    .key = mandates_key,
};
