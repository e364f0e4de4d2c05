/* The wizard's event loop: terminal set-up and restore, global keys, screen switching. */
#include "tui/app.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/ioctl.h>
#include <langinfo.h>
#include <locale.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <wctype.h>

#include "difelus/catalogue.h"
#include "difelus/guide.h"
#include "difelus/rules.h"
#include "difelus/syserr.h"
#include "difelus/text.h"
#include "tui/tui.h"

#include <term.h> /* last: its capability macros must not rename anything above */

/* Signals only set a flag and write one byte to a pipe that the event loop polls with
 * stdin, so that one arriving between two waits is never missed (no curses call in a
 * handler). */
static volatile sig_atomic_t got_signal, got_winch;
static int wake_pipe[2] = {-1, -1};
/* Whether keys were typed into the form now open since it was opened (help visits
 * included): the interrupt message must not say typed text was saved when it was not. */
static bool typed_in_form;

static void on_signal(int sig)
{
    int saved = errno;
    if (sig == SIGWINCH)
        got_winch = 1;
    else
        got_signal = sig;
    if (wake_pipe[1] >= 0) {
        ssize_t ignored = write(wake_pipe[1], "", 1);
        (void)ignored;
    }
    errno = saved;
}

static void set_handlers(void (*handler)(int))
{
    /* SIGQUIT (Ctrl-\) too: left to its default, it would kill us with the terminal
     * still without echo. */
    static const int signals[] = {SIGWINCH, SIGINT, SIGTERM, SIGHUP, SIGQUIT};
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = handler;
    sigemptyset(&sa.sa_mask);
    for (size_t i = 0; i < sizeof signals / sizeof signals[0]; i++)
        sigaction(signals[i], &sa, NULL);
}

/* Installed before newterm(): ncurses then leaves SIGWINCH to us. */
static bool install_signals(void)
{
    if (pipe2(wake_pipe, O_CLOEXEC | O_NONBLOCK) != 0)
        return false;
    set_handlers(on_signal);
    return true;
}

static void remove_signals(void)
{
    set_handlers(SIG_DFL);
    close(wake_pipe[0]);
    close(wake_pipe[1]);
    wake_pipe[0] = wake_pipe[1] = -1;
}

/* Tells curses the new size; it queues KEY_RESIZE for the key loop. */
static void apply_resize(void)
{
    struct winsize ws;
    if (ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_row > 0 && ws.ws_col > 0)
        resizeterm(ws.ws_row, ws.ws_col);
}

static bool codeset_is_utf8(void)
{
    const char *cs = nl_langinfo(CODESET);
    return cs && (strcmp(cs, "UTF-8") == 0 || strcmp(cs, "utf8") == 0);
}

bool tui_locale_setup(char *err, size_t errlen)
{
    if (codeset_is_utf8())
        return true;
    /* Without a UTF-8 codeset ncursesw silently drops every accented letter. */
    static const char *const fallbacks[] = {"C.UTF-8", "C.utf8", "fr_FR.UTF-8", "en_US.UTF-8"};
    for (size_t i = 0; i < sizeof fallbacks / sizeof fallbacks[0]; i++)
        if (setlocale(LC_CTYPE, fallbacks[i]) && codeset_is_utf8())
            return true;
    snprintf(err, errlen,
             "aucune locale UTF-8 n'est disponible sur cette machine, et sans elle les "
             "lettres accentuées ne peuvent pas s'afficher. Installez-en une (paquet "
             "« locales », ou C.UTF-8) puis relancez, par exemple : LANG=C.UTF-8 difelus");
    return false;
}

bool tui_terminal_check(char *err, size_t errlen)
{
    const char *term = getenv("TERM");
    if (!term || !*term) {
        snprintf(err, errlen, "la variable TERM n'est pas définie : difelus ne sait pas quel "
                              "terminal piloter. Lancez-le depuis une fenêtre de terminal, ou "
                              "essayez : TERM=xterm-256color difelus. Sans terminal, « difelus "
                              "statut » donne un résumé en texte.");
        return false;
    }
    char shown[96];
    text_clip(shown, sizeof shown, term, 40); /* outside text, shown in a message */
    int status = 0;
    if (setupterm(term, STDOUT_FILENO, &status) != OK) {
        snprintf(err, errlen, "le terminal « %s » (variable TERM) est inconnu. Essayez : "
                              "TERM=xterm-256color difelus", shown);
        return false;
    }
    /* A terminal that cannot move the cursor (TERM=dumb: Emacs' shell, some IDE consoles)
     * would show the full-screen wizard as a blank screen. */
    const char *cup = tigetstr("cup");
    bool addressable = cup && cup != (const char *)-1 && tigetflag("hc") <= 0;
    del_curterm(cur_term);
    if (!addressable) {
        snprintf(err, errlen,
                 "le terminal « %s » (variable TERM) ne sait pas déplacer le curseur, et "
                 "l'assistant plein écran en a besoin. Lancez difelus dans une fenêtre de "
                 "terminal ordinaire (xterm, GNOME Terminal, Konsole…), ou essayez : "
                 "TERM=xterm-256color difelus. Sans l'assistant, les commandes en texte "
                 "restent disponibles : « difelus statut », « difelus --help ».",
                 shown);
        return false;
    }
    return true;
}

void app_flash(struct app *app, bool error, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(app->flash, sizeof app->flash, fmt, ap);
    va_end(ap);
    app->flash_is_error = error;
}

void app_save_ui(struct app *app)
{
    snprintf(app->ui.screen, sizeof app->ui.screen, "%s", app->screen->id);
    if (store_ui_set(app->st, &app->ui) != 0)
        app_flash(app, true, "%s", store_error(app->st));
}

void app_reload_status(struct app *app)
{
    status_free(&app->status);
    if (status_load(app->st, app->today, &app->status) != 0)
        app_flash(app, true, "%s", store_error(app->st));
}

const struct screen *app_find_screen(const char *id)
{
    for (int i = 0; screens_all[i]; i++)
        if (strcmp(screens_all[i]->id, id) == 0)
            return screens_all[i];
    return NULL;
}

const struct dossier *app_dossier(const struct app *app)
{
    for (size_t i = 0; i < app->status.dossier_count; i++)
        if (app->status.dossiers[i].id == app->dossier_id)
            return &app->status.dossiers[i];
    return NULL;
}

bool app_dossier_transition(struct app *app, const struct dossier *d, enum dossier_status to,
                            struct date day)
{
    char err[1024];
    if (!rules_check_transition(d, to, day, app->today, app->status.mandates,
                                app->status.mandate_count, err, sizeof err)) {
        app_flash(app, true, "%s", err);
        return false;
    }
    if (store_dossier_set_status(app->st, d->id, to, day, ACTOR_OFFICIAL) != 0) {
        app_flash(app, true, "%s", store_error(app->st));
        return false;
    }
    /* A statement of what was recorded and of the deadline it sets (« À valider le
     * vendredi… » alone read as an order); short enough for the two message rows. */
    char when[64], next[160] = "";
    long long id = d->id;
    dates_format_long(day, when, sizeof when);
    app_reload_status(app);
    for (size_t i = 0; i < app->status.dossier_count; i++) {
        struct dossier_deadline dl = dossier_deadline(&app->status.dossiers[i]);
        if (app->status.dossiers[i].id != id || dl.kind == DL_NONE)
            continue;
        char due[64];
        dates_format_long(dl.date, due, sizeof due);
        snprintf(next, sizeof next, " Échéance : %s (%s).", due, dossier_deadline_label(dl.kind));
    }
    app_flash(app, false, "Statut « %s » noté à la date du %s.%s", dossier_status_label(to), when,
              next);
    return true;
}

bool app_move_focus(struct app *app, int type, wint_t ch, int count)
{
    if (type != KEY_CODE_YES || (ch != KEY_UP && ch != KEY_DOWN))
        return false;
    int f = app->ui.focus + (ch == KEY_UP ? -1 : 1);
    if (f >= 0 && f < count) {
        app->ui.focus = f;
        app_save_ui(app);
    }
    return true;
}

void app_goto(struct app *app, const struct screen *to, int focus)
{
    if (app->screen && app->screen->leave)
        app->screen->leave(app);
    if (!to->text_input && to != &screen_help)
        typed_in_form = false; /* the form was closed (saved or abandoned) */
    app->previous = app->screen;
    app->screen = to;
    app->ui.focus = focus < 0 ? 0 : focus;
    app->ui.scroll = 0;
    app_reload_status(app);
    erase();
    if (to->enter)
        to->enter(app);
    app_save_ui(app);
}

static const struct screen *step_screen(int step)
{
    return &screen_steps[step - 1];
}

/* Keys that work everywhere (DESIGN §7). Printable ones are skipped on form screens. */
static enum key_result global_key(struct app *app, int type, wint_t ch)
{
    bool fkey = type == KEY_CODE_YES;
    int step = app->screen->step;
    if (fkey) {
        switch (ch) {
        case KEY_F(10):
            return KR_QUIT;
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
        default:
            return KR_HANDLED;
        }
    }
    if (app->screen->text_input)
        return KR_HANDLED;
    switch (ch) {
    case 'q':
    case 'Q':
        return KR_QUIT;
    case '?':
        goto help;
    case 'a':
    case 'A':
        goto assistance;
    case 'h':
    case 'H':
        app->next = &screen_home;
        app->next_focus = 0;
        return KR_GOTO;
    case 'm':
    case 'M':
        app->next = &screen_mandates;
        app->next_focus = 0;
        return KR_GOTO;
    case 's':
    case 'S':
        app->next = &screen_balance;
        app->next_focus = 0;
        return KR_GOTO;
    case 'r':
    case 'R':
        app->next = &screen_search;
        app->next_focus = 0;
        return KR_GOTO;
    case 'd':
    case 'D':
        /* The list opens on the dossier last seen, where the official left it. */
        app->next = &screen_dossiers;
        app->next_focus = 0;
        for (size_t i = 0; i < app->status.dossier_count; i++)
            if (app->status.dossiers[i].id == app->dossier_id)
                app->next_focus = (int)i;
        return KR_GOTO;
    default:
        if (ch >= '1' && ch <= '0' + GUIDE_STEPS) {
            app->next = step_screen((int)(ch - '0'));
            app->next_focus = 0;
            return KR_GOTO;
        }
        /* A key that does nothing here says so, rather than seeming broken. */
        if (ch == ' ')
            app_flash(app, false, "Espace ne coche rien ici : les cases à cocher sont dans "
                                  "les étapes (1 à 6). ? : l'aide et les touches.");
        else if (ch == 27 && app->screen == &screen_home)
            app_flash(app, false, "Échap ne fait rien sur l'accueil : q pour quitter, ? : l'aide "
                                  "et les touches.");
        else if (ch == 27)
            app_flash(app, false, "Échap ne fait rien ici : h pour l'accueil. ? : l'aide et "
                                  "les touches.");
        else if (iswprint(ch))
            app_flash(app, false, "La touche « %lc » ne fait rien ici. ? : l'aide et les "
                                  "touches.", (wint_t)ch);
        return KR_HANDLED;
    }
help:
    app->help_from = app->screen;
    app->next = &screen_help;
    app->next_focus = 0;
    return KR_GOTO;
assistance:
    app_flash(app, false, "Le partage d'écran avec le support arrive bientôt. En attendant, "
                          "appelez %s au %s.", app->org_name, app->org_phone);
    return KR_HANDLED;
next_step:
    if (step == GUIDE_STEPS) {
        app_flash(app, false, "C'est la dernière étape. h : retour à l'accueil.");
        return KR_HANDLED;
    }
    app->next = step_screen(step ? step + 1
                                 : app->status.current_step ? app->status.current_step : 1);
    app->next_focus = 0;
    return KR_GOTO;
previous_step:
    app->next = step > 1 ? step_screen(step - 1) : &screen_home;
    app->next_focus = 0;
    return KR_GOTO;
}

static bool handle_key(struct app *app, int type, wint_t ch)
{
    if (type == KEY_CODE_YES && ch == KEY_RESIZE)
        return false;
    app->flash[0] = '\0';
    if (!app->ignore_small && (COLS < TUI_MIN_COLS || LINES < TUI_MIN_LINES)) {
        if (type == OK && (ch == 'i' || ch == 'I'))
            app->ignore_small = true;
        return (type == OK && (ch == 'q' || ch == 'Q')) ||
               (type == KEY_CODE_YES && ch == KEY_F(10));
    }
    if (app->screen->text_input &&
        ((type == OK && ch != '\r' && ch != '\n' && ch != '\t' && ch != 27) ||
         (type == KEY_CODE_YES && (ch == KEY_BACKSPACE || ch == KEY_DC || ch == KEY_LEFT ||
                                   ch == KEY_RIGHT))))
        typed_in_form = true; /* a character, an erasure or a choice changed */
    bool submitted = app->screen->text_input && tui_key_is_enter(type, ch);
    enum key_result r = app->screen->key ? app->screen->key(app, type, ch) : KR_UNHANDLED;
    if (submitted && !(app->flash[0] && app->flash_is_error))
        typed_in_form = false; /* Entrée saved (or searched) what was typed */
    if (r == KR_UNHANDLED)
        r = global_key(app, type, ch);
    if (r == KR_GOTO && app->next) {
        app_goto(app, app->next, app->next_focus);
        app->next = NULL;
        app->next_focus = 0; /* a handler that names no focus gets the first row */
    }
    return r == KR_QUIT;
}

static void draw(struct app *app)
{
    if (tui_too_small(app)) {
        refresh();
        return;
    }
    if (!app->screen->text_input)
        erase();
    app->screen->draw(app);
    refresh();
}

static const struct screen *resume_screen(const struct ui_state *ui)
{
    const struct screen *s = app_find_screen(ui->screen);
    if (!s)
        return &screen_home;
    if (s->parent)
        s = app_find_screen(s->parent);
    return s ? s : &screen_home;
}

int tui_run(store *st, const char *db_path, bool color, char *err, size_t errlen)
{
    if (!tui_terminal_check(err, errlen))
        return EXIT_FAILURE;
    if (!install_signals()) {
        snprintf(err, errlen, "impossible de préparer le terminal (%s).", syserr_text(errno));
        return EXIT_FAILURE;
    }
    SCREEN *scr = newterm(NULL, stdout, stdin);
    if (!scr) {
        remove_signals();
        char shown[96];
        snprintf(err, errlen, "le terminal « %s » (variable TERM) est inconnu. Essayez : "
                              "TERM=xterm-256color difelus",
                 text_clip(shown, sizeof shown, getenv("TERM"), 40));
        return EXIT_FAILURE;
    }
    typed_in_form = false;
    set_term(scr);
    cbreak();
    noecho();
    nonl();
    keypad(stdscr, TRUE);
    nodelay(stdscr, TRUE);
    set_escdelay(25);
    curs_set(1); /* the cursor sits on the focused line, for screen readers */
    tui_colors_init(color);

    struct app app;
    memset(&app, 0, sizeof app);
    app.st = st;
    app.db_path = db_path;
    app.color = color;
    app.today = dates_today();
    app.watch_fd = -1;
    store_setting_get(st, "organisme.nom", app.org_name, sizeof app.org_name);
    store_setting_get(st, "organisme.email", app.org_email, sizeof app.org_email);
    store_setting_get(st, "organisme.telephone", app.org_phone, sizeof app.org_phone);
    struct ui_state saved;
    if (store_ui_get(st, &saved) != 0)
        snprintf(saved.screen, sizeof saved.screen, "accueil");
    app_goto(&app, resume_screen(&saved), saved.focus);

    bool quit = false, failed = false;
    int idle = 0;
    draw(&app);
    while (!quit && !got_signal) {
        struct pollfd p[3] = {{.fd = STDIN_FILENO, .events = POLLIN},
                              {.fd = wake_pipe[0], .events = POLLIN},
                              {.fd = app.watch_fd, .events = POLLIN}};
        /* Wakes every second to notice a catalogue replaced by an import meanwhile. */
        int r = poll(p, app.watch_fd >= 0 ? 3 : 2, 1000);
        int poll_errno = errno; /* before the catalogue check can change it */
        if (got_signal)
            break;
        char cat_err[512];
        if (catalogue_refresh_if_changed(st, cat_err, sizeof cat_err) != 0)
            app.catalogue_changes++;
        if (r < 0 && poll_errno != EINTR) {
            /* Said after the terminal is restored, with a failure status. */
            snprintf(err, errlen, "lecture du clavier impossible (%s). Ce qui était "
                                  "enregistré l'est toujours ; relancez difelus.",
                     syserr_text(poll_errno));
            failed = true;
            break;
        }
        if (r > 0 && (p[0].revents & (POLLHUP | POLLERR | POLLNVAL)) && !(p[0].revents & POLLIN))
            break; /* the terminal went away */
        if (r > 0 && (p[1].revents & POLLIN)) {
            char drain[64];
            while (read(wake_pipe[0], drain, sizeof drain) > 0)
                ;
            r--;
        }
        if (r > 0 && app.watch_fd >= 0 && (p[2].revents & (POLLIN | POLLHUP | POLLERR)) &&
            app.on_watch)
            app.on_watch(&app); /* a helper spoke (or ended): the screen shows it below */
        if (got_winch) {
            got_winch = 0;
            apply_resize();
        }
        wint_t ch;
        int type;
        bool got_key = false;
        while (!quit && (type = get_wch(&ch)) != ERR) {
            got_key = true;
            quit = handle_key(&app, type, ch);
        }
        /* A readable stdin that yields no key again and again is a closed terminal. */
        idle = r > 0 && (p[0].revents & POLLIN) && !got_key ? idle + 1 : 0;
        if (idle > 1000)
            break;
        if (!quit)
            draw(&app);
    }
    if (app.screen && app.screen->leave)
        app.screen->leave(&app);
    for (int i = 0; screens_all[i]; i++)
        if (screens_all[i]->cleanup)
            screens_all[i]->cleanup();
    status_free(&app.status);
    endwin();
    delscreen(scr);
    remove_signals();
    if (got_signal) {
        /* Say only what is true: a form with typed text is lost (forms are saved only on
         * Entrée); everything else was saved as it was done. */
        if (typed_in_form) /* a form is open, or behind the help opened from it */
            snprintf(err, errlen, "interrompu. Le formulaire ouvert n'était pas validé : ce "
                                  "que vous y aviez tapé n'a pas été enregistré. Tout le reste "
                                  "est enregistré.");
        else
            snprintf(err, errlen, "interrompu ; tout ce que vous aviez validé est enregistré.");
        return 128 + got_signal;
    }
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
