/* Home: where the official stands, steps done, balance, next deadline, mandates. */
#include <stdio.h>
#include <string.h>

#include "difelus/text.h"
#include "screens.h"

static void home_enter(struct app *app)
{
    /* Focus the step to do next: Enter continues where the official left off. Not when
     * the screen is rebuilt from the database (no previous screen): it is as it was. */
    if (app->previous)
        app->ui.focus = app->status.current_step ? app->status.current_step - 1 : 0;
}

/* Rows mandate m takes on home at `cols` columns: two when its line does not fit on one
 * (the collectivité then whole on the second, rather than reduced to « … »). */
static int mandate_rows_needed(const struct mandate *m, int cols, bool ended)
{
    char row[1024];
    snprintf(row, sizeof row, "- %s, %s (%s), %s 00/00/0000", m->function, m->collectivite,
             mandate_level_label(m->level), ended ? "terminé le" : "jusqu'au");
    return text_width(row) > cols ? 2 : 1;
}

/* Mandates still running (or to come) first, ended ones after: the current mandate is the
 * one the official needs to see. Order within each group: as the store gives them. */
static size_t order_mandates(const struct status *s, size_t *order)
{
    size_t n = 0, current = 0;
    for (int pass = 0; pass < 2; pass++)
        for (size_t i = 0; i < s->mandate_count; i++) {
            bool ended = dates_valid(s->mandates[i].end) &&
                         dates_compare(s->mandates[i].end, s->today) < 0;
            if (ended == (pass == 1))
                order[n++] = i;
            if (pass == 0 && !ended)
                current++;
        }
    return current;
}

static void draw_balance(const struct status *s, int *y, int w)
{
    char line[1024], amount[64], day[64], estimate[256] = "";
    if (s->estimate_cents >= 0) {
        text_format_euros(s->estimate_cents, amount, sizeof amount);
        snprintf(estimate, sizeof estimate, "estimation : %s", amount);
    }
    if (s->credit_known) {
        text_format_euros(s->credit.amount_cents, amount, sizeof amount);
        dates_format_short(s->credit.observed_on, day, sizeof day);
        snprintf(line, sizeof line, "Solde DIF élu : %s (relevé le %s)", amount, day);
    } else {
        snprintf(line, sizeof line, "Solde DIF élu : inconnu (s pour le noter)");
    }
    /* The amounts are never cut: the estimate goes on its own line when both do not fit. */
    if (estimate[0] && text_width(line) + 3 + text_width(estimate) <= w) {
        size_t n = strlen(line);
        snprintf(line + n, sizeof line - n, " · %s", estimate);
        estimate[0] = '\0';
    }
    tui_print((*y)++, 2, w, 0, line);
    if (estimate[0]) {
        snprintf(line, sizeof line, "Solde DIF élu, %s", estimate);
        tui_print((*y)++, 2, w, 0, line);
    }
}

static void home_draw(struct app *app)
{
    const struct status *s = &app->status;
    char line[1024], buf[128];
    int w = COLS - 4, y = 2;
    tui_title_bar("Accueil — Inscription à une formation d'élu (DIF élu)");

    if (s->current_step)
        snprintf(line, sizeof line, "Vous en êtes à l'étape %d/%d : %s.", s->current_step,
                 GUIDE_STEPS, guide_step(s->current_step)->title);
    else if (s->steps_done == GUIDE_STEPS)
        snprintf(line, sizeof line, "Toutes les étapes sont faites. Bravo !");
    else
        snprintf(line, sizeof line, "Dernière étape faite : votre inscription est confirmée.");
    tui_print(y++, 2, w, A_BOLD, line);
    snprintf(line, sizeof line, "Étapes faites : %d/%d", s->steps_done, GUIDE_STEPS);
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
    draw_balance(s, &y, w);
    y++;

    /* Below: deadlines, then mandates, down to the support line. The current mandates
     * always get their rows; the deadlines take what is left, the most urgent first. */
    /* The support line on two rows when it does not fit on one: the e-mail and the phone
     * are whole on the second. A message of several rows covers it for a moment. */
    char support[1024], contact[1024];
    snprintf(support, sizeof support, "Support : %s — %s — %s", app->org_name, app->org_email,
             app->org_phone);
    snprintf(contact, sizeof contact, "%s — %s", app->org_email, app->org_phone);
    bool support_two = text_width(support) > w;
    int support_y = LINES - 3 - support_two;
    size_t order[s->mandate_count + 1];
    size_t current = order_mandates(s, order);
    int avail = support_y - y;
    /* A current mandate too long for a row takes two: its collectivité whole on the
     * second. */
    int current_rows = 0;
    for (size_t k = 0; k < current; k++)
        current_rows += mandate_rows_needed(&s->mandates[order[k]], w - 2, false);
    int mandate_min = 1 + (s->mandate_count == 0 ? 1 : (current ? current_rows : 1));
    int gap = 1;
    int deadline_rows = s->deadline_count == 0 ? 1 : 1 + (int)s->deadline_count;
    if (deadline_rows > avail - mandate_min - gap)
        gap = 0;
    if (deadline_rows > avail - mandate_min - gap)
        deadline_rows = avail - mandate_min - gap;
    if (deadline_rows < (s->deadline_count ? 2 : 1))
        deadline_rows = s->deadline_count ? 2 : 1;

    if (s->deadline_count == 0) {
        tui_print(y++, 2, w, 0, "Prochaine échéance : aucune");
    } else {
        size_t shown = (size_t)(deadline_rows - 1);
        if (shown > s->deadline_count)
            shown = s->deadline_count;
        if (shown < s->deadline_count)
            snprintf(line, sizeof line, "Échéances, la plus urgente d'abord (et %zu autre%s : d)",
                     s->deadline_count - shown, s->deadline_count - shown > 1 ? "s" : "");
        else
            snprintf(line, sizeof line, "Échéances, la plus urgente d'abord (d : mes dossiers)");
        tui_print(y++, 2, w, A_BOLD, line);
        for (size_t i = 0; i < shown; i++) {
            const struct status_deadline *dl = &s->deadlines[i];
            dates_format_long(dl->date, buf, sizeof buf);
            /* The date first: the label is what may be cut. */
            char row[sizeof dl->label + 256];
            snprintf(row, sizeof row, "%s%s — %s", dl->overdue ? "EN RETARD — " : "", buf,
                     dl->label);
            tui_print(y++, 4, w - 2, dl->overdue ? tui_attr(TC_ERROR) : 0, row);
        }
    }
    y += gap;
    int mandate_rows = support_y - y - 1;
    if (s->mandate_count == 0) {
        tui_print(y++, 2, w, A_BOLD, "Mes mandats (m : les gérer)");
        tui_print(y++, 4, w - 2, 0, "Aucun mandat enregistré : appuyez sur m pour en ajouter un.");
    } else {
        /* As many mandates as fit, each on the rows it needs (one when room is short) */
        size_t shown = 0;
        int used = 0;
        bool split[s->mandate_count + 1];
        for (size_t k = 0; k < s->mandate_count; k++) {
            int need = mandate_rows_needed(&s->mandates[order[k]], w - 2, k >= current);
            int left = mandate_rows - used - (k + 1 < s->mandate_count); /* « et N autres » */
            if (need > left && (k > 0 || left < 1))
                break;
            split[k] = need == 2 && used + 2 <= mandate_rows;
            used += split[k] ? 2 : 1;
            shown++;
        }
        if (shown < s->mandate_count)
            snprintf(line, sizeof line, "Mes mandats (et %zu autre%s : m)",
                     s->mandate_count - shown, s->mandate_count - shown > 1 ? "s" : "");
        else
            snprintf(line, sizeof line, "Mes mandats (m : les gérer)");
        tui_print(y++, 2, w, A_BOLD, line);
        for (size_t k = 0; k < shown; k++) {
            const struct mandate *m = &s->mandates[order[k]];
            char end[16], head[1024], tail[64];
            dates_format_short(m->end, end, sizeof end);
            bool ended = k >= current;
            /* The end date is never cut: the names give way. */
            snprintf(tail, sizeof tail, ended ? ", terminé le %s" : ", jusqu'au %s", end);
            if (split[k]) {
                snprintf(head, sizeof head, "- %s (%s)", m->function,
                         mandate_level_label(m->level));
                tui_print_pair(y++, 4, w - 2, 0, head, tail);
                tui_print(y++, 6, w - 4, 0, m->collectivite);
            } else {
                snprintf(head, sizeof head, "- %s, %s (%s)", m->function, m->collectivite,
                         mandate_level_label(m->level));
                tui_print_pair(y++, 4, w - 2, 0, head, tail);
            }
        }
    }

    if (support_two) {
        snprintf(line, sizeof line, "Support : %s", app->org_name);
        tui_print(support_y, 2, w, 0, line);
        tui_print(support_y + 1, 4, w - 2, 0, contact);
    } else {
        tui_print(support_y, 2, w, 0, support);
    }

    /* The assistance key where the official looks for keys (at 80 columns m gives way: the
     * mandates' heading above says « m : les gérer »). */
    static const char keys_wide[] = "1-6 étapes  r rechercher  m mandats  d dossiers  s solde  "
                                    "a assistance  ? aide  q quitter";
    static const char keys[] = "1-6 étapes  r rechercher  d dossiers  s solde  a assistance  "
                               "? aide  q quitter";
    tui_key_line(app, text_width(keys_wide) <= COLS - 2 ? keys_wide : keys);
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
    if (type == OK && ch == ' ') {
        app_flash(app, false, "Les cases se cochent dans l'étape : Entrée ouvre l'étape %d.",
                  app->ui.focus + 1);
        return KR_HANDLED;
    }
    return KR_UNHANDLED;
}

const struct screen screen_home = {
    .id = "accueil",
    .enter = home_enter,
    .draw = home_draw,
    .key = home_key,
};
