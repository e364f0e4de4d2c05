/* Home: where the official stands, steps done, balance, next deadline, mandates. */
#include <stdio.h>

#include "difelus/text.h"
#include "tui/tui.h"

static void home_enter(struct app *app)
{
    /* Focus the step to do next: Enter continues where the official left off. */
    app->ui.focus = app->status.current_step ? app->status.current_step - 1 : 0;
}

static void home_draw(struct app *app)
{
    const struct status *s = &app->status;
    char line[1024], buf[128];
    int w = COLS - 4, y = 2;
    tui_title_bar("Accueil — Inscription à une formation d'élu (DIF élu)");

    if (s->current_step)
        snprintf(line, sizeof line, "Vous en êtes à l'étape %d/%d : %s.", s->current_step,
                 GUIDE_STEPS, guide_step(s->current_step)->title);
    else
        snprintf(line, sizeof line, "Toutes les étapes sont faites. Bravo !");
    tui_print(y++, 2, w, A_BOLD, line);
    snprintf(line, sizeof line, "Étapes faites : %d/%d", s->steps_done, GUIDE_STEPS);
    tui_print(y++, 2, w, 0, line);
    int cursor_y = y;
    for (int i = 0; i < GUIDE_STEPS; i++) {
        const struct guide_step *g = guide_step(i + 1);
        bool focus = i == app->ui.focus;
        snprintf(line, sizeof line, "%s %d. %s (%d/%d)", s->steps[i].done ? "[x]" : "[ ]",
                 i + 1, g->title, s->steps[i].ticked, s->steps[i].total);
        if (focus)
            cursor_y = y;
        tui_print(y, 1, 1, A_BOLD, focus ? ">" : " ");
        tui_print(y++, 3, w - 1, focus ? tui_attr(TC_FOCUS) : 0, line);
    }
    y++;
    char estimate[256] = "";
    if (s->estimate_cents >= 0) {
        text_format_euros(s->estimate_cents, buf, sizeof buf);
        snprintf(estimate, sizeof estimate, " · estimation : %s", buf);
    }
    if (s->credit_known) {
        char day[16];
        text_format_euros(s->credit.amount_cents, buf, sizeof buf);
        dates_format_short(s->credit.observed_on, day, sizeof day);
        snprintf(line, sizeof line, "Solde DIF élu : %s (relevé le %s)%s", buf, day, estimate);
    } else {
        snprintf(line, sizeof line, "Solde DIF élu : inconnu (s pour le noter)%s", estimate);
    }
    tui_print(y++, 2, w, 0, line);
    y++;

    int support_y = LINES - 4;
    if (s->deadline_count == 0) {
        tui_print(y++, 2, w, 0, "Prochaine échéance : aucune");
    } else {
        tui_print(y++, 2, w, A_BOLD, "Échéances, la plus urgente d'abord (d : mes dossiers)");
        for (size_t i = 0; i < s->deadline_count && i < 3 && y < support_y - 3; i++) {
            const struct status_deadline *dl = &s->deadlines[i];
            dates_format_long(dl->date, buf, sizeof buf);
            snprintf(line, sizeof line, "%s%s — %s", dl->overdue ? "EN RETARD — " : "", buf,
                     dl->label);
            tui_print(y++, 4, w - 2, dl->overdue ? tui_attr(TC_ERROR) : 0, line);
        }
    }
    y++;
    tui_print(y++, 2, w, A_BOLD, "Mes mandats (m : les gérer)");
    if (s->mandate_count == 0)
        tui_print(y++, 4, w - 2, 0, "Aucun mandat enregistré : appuyez sur m pour en ajouter un.");
    for (size_t i = 0; i < s->mandate_count && y < support_y; i++) {
        const struct mandate *m = &s->mandates[i];
        char end[16];
        dates_format_short(m->end, end, sizeof end);
        bool last_row = y == support_y - 1 && i + 1 < s->mandate_count;
        snprintf(line, sizeof line, "- %s, %s (%s), %s %s%s", m->function, m->collectivite,
                 mandate_level_label(m->level),
                 dates_compare(m->end, s->today) < 0 ? "terminé le" : "jusqu'au", end,
                 last_row ? " (et d'autres : m)" : "");
        tui_print(y++, 4, w - 2, 0, line);
    }

    snprintf(line, sizeof line, "Support : %s — %s — %s", app->org_name, app->org_email,
             app->org_phone);
    tui_print(support_y, 2, w, 0, line);

    tui_key_line(app, "1-6 étapes  r rechercher  m mandats  d dossiers  s solde  ? aide  q quitter");
    move(cursor_y, 1);
}

static enum key_result home_key(struct app *app, int type, wint_t ch)
{
    if (app_move_focus(app, type, ch, GUIDE_STEPS))
        return KR_HANDLED;
    if (tui_key_is_enter(type, ch)) {
        app->next = &screen_steps[app->ui.focus];
        app->next_focus = 0;
        return KR_GOTO;
    }
    return KR_UNHANDLED;
}

const struct screen screen_home = {
    .id = "accueil",
    .enter = home_enter,
    .draw = home_draw,
    .key = home_key,
};
