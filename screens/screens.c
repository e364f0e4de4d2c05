/* The table of every screen the app can show (looked up by id when resuming), and the
 * keys that work on every screen. */
#include <stdio.h>
#include <unistd.h>
#include <wctype.h>

#include "screens.h"
#include "tui/share.h"

static const struct screen *const all[] = {
    &screen_home,     &screen_steps[0], &screen_steps[1],     &screen_steps[2],
    &screen_steps[3], &screen_steps[4], &screen_steps[5],     &screen_mandates,
    &screen_mandate_form, &screen_balance, &screen_help,      &screen_dossiers,
    &screen_dossier, &screen_dossier_form, &screen_dossier_status, &screen_search,
    &screen_assistance, NULL,
};

const struct screen *const *const screens_all = all;

static const struct screen *step_screen(int step)
{
    return &screen_steps[step - 1];
}

static enum key_result go(struct app *app, const struct screen *to, int focus)
{
    app->next = to;
    app->next_focus = focus;
    return KR_GOTO;
}

/* Quitting ends the share an agent is connected to: q and F10 ask first, o quits. Kept
 * here rather than in app->ui.confirm, which the screens read as their own questions
 * (« supprimer »); a restart forgets it, as it forgets the share. */
static bool asking_quit;

/* q or F10: quits, or asks when an agent is connected. */
static enum key_result quit_key(struct app *app)
{
    char note[512];
    if (!tui_share_quit_note(app, note, sizeof note))
        return KR_QUIT;
    asking_quit = true;
    app_flash(app, true, "%s Quitter ? o : oui, quitter   n : non, rester", note);
    return KR_HANDLED;
}

/* Before every screen's handler: the answer to the question above, then the share's keys
 * (F3, F4, the answer to an agent's request). */
static enum key_result first_key(struct app *app, int type, wint_t ch)
{
    bool fkey = type == KEY_CODE_YES;
    struct share_state s;
    bool share_asks = store_share_get(app->st, &s) == 0 && s.owner_pid == (long long)getpid() &&
                      (s.phase == SHARE_ASKED || s.phase == SHARE_CONTROL_ASKED);
    char note[512];
    if (asking_quit && !tui_share_quit_note(app, note, sizeof note))
        asking_quit = false; /* the share ended meanwhile (its message replaced the question) */
    if (asking_quit && !share_asks && !(fkey && ch == KEY_RESIZE)) {
        asking_quit = false;
        if (!fkey && (ch == 'o' || ch == 'O'))
            return KR_QUIT;
        if ((!fkey && (ch == 'n' || ch == 'N' || ch == 27)) || (fkey && ch == KEY_F(10))) {
            app_flash(app, false, "Vous restez : le partage continue.");
            return KR_HANDLED;
        }
        if (!fkey || ch != KEY_F(4))
            return quit_key(app); /* only o or n answer (F4 still ends the share) */
    } else if (share_asks) {
        asking_quit = false; /* the agent's question comes first: o / n answer it */
    }
    /* The « terminal trop petit » screen (app.c) lets only this handler see keys: there q
     * and F10 quit, after the same question. */
    bool small = !app->ignore_small && (COLS < TUI_MIN_COLS || LINES < TUI_MIN_LINES);
    if (small && !share_asks &&
        ((!fkey && (ch == 'q' || ch == 'Q')) || (fkey && ch == KEY_F(10))))
        return quit_key(app);
    return share_official_key(app, type, ch);
}

/* Keys that work everywhere (DESIGN §7). Printable ones are skipped on form screens. */
static enum key_result global_key(struct app *app, int type, wint_t ch)
{
    bool fkey = type == KEY_CODE_YES;
    int step = app->screen->step;
    if (fkey) {
        switch (ch) {
        case KEY_F(10):
            return quit_key(app);
        case KEY_F(1):
            goto help;
        case KEY_F(2):
            goto assistance;
        case KEY_RIGHT:
        case KEY_NPAGE:
            goto next_step;
        case KEY_LEFT:
        case KEY_PPAGE:
            goto previous_step;
        case KEY_RESIZE:
#ifdef KEY_MOUSE
        case KEY_MOUSE:
#endif
            return KR_HANDLED;
        default:
            /* A function key that does nothing here says so too (DESIGN §7). */
            if (ch == TUI_KEY_UNKNOWN)
                app_flash(app, false, "Cette touche n'est pas reconnue par difelus. ? : l'aide "
                                      "et les touches.");
            else if (ch == KEY_F(5) || ch == KEY_F(6))
                app_flash(app, false, "F5 et F6 (catalogue : télécharger, importer un fichier) "
                                      "servent dans la recherche : r pour l'ouvrir.");
            else if (ch >= KEY_F(1) && ch <= KEY_F(12))
                app_flash(app, false, "La touche F%d ne fait rien ici. ? : l'aide et les "
                                      "touches.", (int)(ch - KEY_F0));
            else
                app_flash(app, false, "Cette touche ne fait rien ici. ? : l'aide et les "
                                      "touches.");
            return KR_HANDLED;
        }
    }
    if (app->screen->text_input)
        return KR_HANDLED;
    switch (ch) {
    case 'q':
    case 'Q':
        return quit_key(app);
    case '?':
        goto help;
    case 'a':
    case 'A':
        goto assistance;
    case 'h':
    case 'H':
        return go(app, &screen_home, 0);
    case 'm':
    case 'M':
        return go(app, &screen_mandates, 0);
    case 's':
    case 'S':
        return go(app, &screen_balance, 0);
    case 'r':
    case 'R':
        /* Échap on the search comes back here. */
        snprintf(app->ui.search_from, sizeof app->ui.search_from, "%s", app->screen->id);
        return go(app, &screen_search, 0);
    case 'd':
    case 'D': {
        /* The list opens on the dossier last seen, where the official left it. */
        int focus = 0;
        for (size_t i = 0; i < app->status.dossier_count; i++)
            if (app->status.dossiers[i].id == app->ui.dossier_id)
                focus = (int)i;
        return go(app, &screen_dossiers, focus);
    }
    default:
        if (ch >= '1' && ch <= '0' + GUIDE_STEPS)
            return go(app, step_screen((int)(ch - '0')), 0);
        /* A key that does nothing here says so, rather than seeming broken. */
        if (ch == ' ')
            app_flash(app, false, "Espace ne coche rien ici : les cases à cocher sont dans "
                                  "les étapes (1 à 6). ? : l'aide et les touches.");
        else if (ch == 27 && app->screen == &screen_home)
            app_flash(app, false, "Échap ne fait rien sur l'accueil : q pour quitter, ? : l'aide "
                                  "et les touches.");
        else if (ch == 27)
            app_flash(app, false, "Échap ne fait rien ici : h pour l'accueil. ? : l'aide et "
                                  "les touches.");
        else if (iswprint(ch))
            app_flash(app, false, "La touche « %lc » ne fait rien ici. ? : l'aide et les "
                                  "touches.", (wint_t)ch);
        return KR_HANDLED;
    }
help:
    if (app->screen != &screen_help)
        snprintf(app->ui.help_from, sizeof app->ui.help_from, "%s", app->screen->id);
    return go(app, &screen_help, 0);
assistance:
    if (app->screen == &screen_assistance)
        return KR_HANDLED;
    return go(app, &screen_assistance, 0);
next_step:
    if (step == GUIDE_STEPS) {
        app_flash(app, false, "C'est la dernière étape. h : retour à l'accueil.");
        return KR_HANDLED;
    }
    return go(app, step_screen(step ? step + 1
                                    : app->status.current_step ? app->status.current_step : 1),
              0);
previous_step:
    return go(app, step > 1 ? step_screen(step - 1) : &screen_home, 0);
}

/* At exit: the helpers the screens started stop. */
static void release(struct app *app)
{
    search_release(app);
    share_official_release(app);
}

const struct screen_table screens_table = {
    .all = all,
    .home = &screen_home,
    .global_key = global_key,
    .view_size = sizeof(struct screens_view),
    .release = release,
    .first_key = first_key,
    .overlay = share_official_overlay,
    .after_event = share_official_after_event,
};
