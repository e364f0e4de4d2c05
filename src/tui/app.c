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
#include "difelus/trace.h"
#include "difelus/syserr.h"
#include "difelus/text.h"
#include "tui/share_agent.h"
#include "tui/tui.h"

#include <term.h> /* last: its capability macros must not rename anything above */

/* Signals only set a flag and write one byte to a pipe that the event loop polls with
 * stdin, so that one arriving between two waits is never missed (no curses call in a
 * handler). */
static volatile sig_atomic_t got_signal, got_winch;
static int wake_pipe[2] = {-1, -1};
/* SIGHUP was ignored when we started (nohup): it stays so; a closed terminal is then
 * noticed by the event loop itself. */
static bool hup_ignored;

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
        if (signals[i] != SIGHUP || !hup_ignored)
            sigaction(signals[i], &sa, NULL);
}

/* Installed before newterm(): ncurses then leaves SIGWINCH to us. */
static bool install_signals(void)
{
    if (pipe2(wake_pipe, O_CLOEXEC | O_NONBLOCK) != 0)
        return false;
    struct sigaction was;
    hup_ignored = sigaction(SIGHUP, NULL, &was) == 0 && was.sa_handler == SIG_IGN;
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
    /* The terminal cut or wiped what it showed while it was smaller, and after a storm of
     * resizes ending at the size curses already knew, curses sees no change at all: the
     * next refresh repaints the whole screen instead of sending only its differences. */
    clearok(curscr, TRUE);
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

enum tui_terminal_verdict tui_terminal_probe(char *shown, size_t shown_len)
{
    const char *term = getenv("TERM");
    snprintf(shown, shown_len, "%s", "");
    if (!term || !*term)
        return TUI_TERM_UNSET;
    text_clip(shown, shown_len, term, 40); /* outside text, shown in a message */
    int status = 0;
    /* setupterm refuses a printing terminal (hc) itself, with status 1: it is known,
     * it only cannot move the cursor. */
    if (setupterm(term, STDOUT_FILENO, &status) != OK)
        return status == 1 ? TUI_TERM_NO_CURSOR : TUI_TERM_UNKNOWN;
    /* A terminal that cannot move the cursor (TERM=dumb: Emacs' shell, some IDE consoles;
     * a printing terminal, hc) would show the full-screen wizard as a blank screen. */
    const char *cup = tigetstr("cup");
    bool addressable = cup && cup != (const char *)-1 && tigetflag("hc") <= 0;
    del_curterm(cur_term);
    return addressable ? TUI_TERM_OK : TUI_TERM_NO_CURSOR;
}

bool tui_terminal_check(char *err, size_t errlen)
{
    char shown[96];
    switch (tui_terminal_probe(shown, sizeof shown)) {
    case TUI_TERM_OK:
        return true;
    case TUI_TERM_UNSET:
        snprintf(err, errlen, "la variable TERM n'est pas définie : difelus ne sait pas quel "
                              "terminal piloter. Lancez-le depuis une fenêtre de terminal, ou "
                              "essayez : TERM=xterm-256color difelus. Sans terminal, « difelus "
                              "statut » donne un résumé en texte.");
        return false;
    case TUI_TERM_UNKNOWN:
        snprintf(err, errlen, "le terminal « %s » (variable TERM) est inconnu. Essayez : "
                              "TERM=xterm-256color difelus", shown);
        return false;
    case TUI_TERM_NO_CURSOR:
        break;
    }
    snprintf(err, errlen,
             "le terminal « %s » (variable TERM) ne sait pas déplacer le curseur, et "
             "l'assistant plein écran en a besoin. Lancez difelus dans une fenêtre de "
             "terminal ordinaire (xterm, GNOME Terminal, Konsole…), ou essayez : "
             "TERM=xterm-256color difelus. Sans l'assistant, les commandes en texte "
             "restent disponibles : « difelus statut », « difelus --help ».",
             shown);
    return false;
}

void app_flash(struct app *app, bool error, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(app->ui.message, sizeof app->ui.message, fmt, ap);
    va_end(ap);
    /* Every message of the message line is typeset here, once (a value ending with "…"
     * before the full stop of « Mandat enregistré : … »). */
    text_typeset(app->ui.message, sizeof app->ui.message);
    app->ui.message_error = error;
}

/* Copies the open form's values, messages, cursor field and "changed" mark into the
 * draft (saved by app_save_ui). */
static void draft_capture(struct app *app)
{
    struct tui_form *tf = &app->form;
    if (!app->screen || !app->screen->text_input || !tf->form)
        return;
    app->draft.count = tf->count + app->screen->draft_extra;
    for (int i = 0; i < tf->count; i++) {
        tui_form_value(tf, i, app->draft.value[i], sizeof app->draft.value[i]);
        snprintf(app->draft.error[i], sizeof app->draft.error[i], "%s", tf->errors[i]);
    }
    app->ui.draft_field = tui_form_current(tf);
    app->ui.draft_dirty = tf->dirty;
    tui_form_cursor(tf, &app->ui.draft_cursor, &app->ui.draft_scroll);
}

/* Puts the draft back into the form just opened (or changed by another process). */
static void draft_apply(struct app *app)
{
    struct tui_form *tf = &app->form;
    for (int i = 0; i < tf->count && i < app->draft.count; i++) {
        tui_form_set_value(tf, i, app->draft.value[i]);
        snprintf(tf->errors[i], sizeof tf->errors[i], "%s", app->draft.error[i]);
    }
    tf->dirty = app->ui.draft_dirty;
    tui_form_focus(tf, app->ui.draft_field);
    tui_form_set_cursor(tf, app->ui.draft_cursor, app->ui.draft_scroll);
}

static void forget_draft(struct app *app)
{
    app->draft.count = 0;
    app->ui.draft_screen[0] = '\0';
    app->ui.draft_field = 0;
    app->ui.draft_dirty = false;
    app->ui.draft_cursor = -1;
    app->ui.draft_scroll = 0;
    app->ui.results = false;
}

/* Field by field: the bytes after a string's end do not count. */
static bool ui_equal(const struct ui_state *a, const struct ui_state *b)
{
    return strcmp(a->screen, b->screen) == 0 && a->focus == b->focus &&
           a->scroll == b->scroll && a->dossier_id == b->dossier_id &&
           a->mandate_id == b->mandate_id && strcmp(a->help_from, b->help_from) == 0 &&
           strcmp(a->search_from, b->search_from) == 0 && strcmp(a->confirm, b->confirm) == 0 &&
           a->confirm_id == b->confirm_id && a->results == b->results &&
           strcmp(a->message, b->message) == 0 && a->message_error == b->message_error &&
           strcmp(a->draft_screen, b->draft_screen) == 0 && a->draft_field == b->draft_field &&
           a->draft_dirty == b->draft_dirty && a->draft_cursor == b->draft_cursor &&
           a->draft_scroll == b->draft_scroll && strcmp(a->assist_from, b->assist_from) == 0;
}

static bool draft_equal(const struct ui_draft *a, const struct ui_draft *b)
{
    if (a->count != b->count)
        return false;
    for (int i = 0; i < a->count; i++)
        if (strcmp(a->value[i], b->value[i]) != 0 || strcmp(a->error[i], b->error[i]) != 0)
            return false;
    return true;
}

void app_save_ui(struct app *app)
{
    /* The agent's replica is written only inside a proposal: what the agent sees is kept
     * in memory, the replica follows the official's database. */
    if (app->agent && !share_agent_writes(app))
        return;
    snprintf(app->ui.screen, sizeof app->ui.screen, "%s", app->screen->id);
    /* What the database will give back: the message without control characters. */
    char clean[sizeof app->ui.message];
    text_sanitize(clean, sizeof clean, app->ui.message);
    memcpy(app->ui.message, clean, sizeof clean);
    bool ui_changed = !ui_equal(&app->ui, &app->saved_ui);
    bool draft_changed = !draft_equal(&app->draft, &app->saved_draft);
    if (!ui_changed && !draft_changed)
        return;
    /* One transaction: another process never sees the screen without its form's text. */
    long long changes = store_changes(app->st);
    bool ok = store_begin(app->st) == 0;
    if (ok && ui_changed)
        ok = store_ui_set(app->st, &app->ui) == 0;
    for (int i = 0; ok && i < app->draft.count; i++)
        if (i >= app->saved_draft.count ||
            strcmp(app->draft.value[i], app->saved_draft.value[i]) != 0 ||
            strcmp(app->draft.error[i], app->saved_draft.error[i]) != 0)
            ok = store_draft_set_field(app->st, i, app->draft.value[i], app->draft.error[i]) == 0;
    if (ok && app->draft.count < app->saved_draft.count)
        ok = store_draft_clear(app->st, app->draft.count) == 0;
    bool committed = store_commit(app->st, ok) == 0;
    app->ui_changes += store_changes(app->st) - changes;
    if (!committed) {
        app_flash(app, true, "%s", store_error(app->st));
        return;
    }
    app->saved_ui = app->ui;
    app->saved_draft = app->draft;
}

void app_reload_status(struct app *app)
{
    status_free(&app->status);
    if (status_load(app->st, app->today, &app->status) != 0)
        app_flash(app, true, "%s", store_error(app->st));
    store_setting_get(app->st, "organisme.nom", app->org_name, sizeof app->org_name);
    store_setting_get(app->st, "organisme.email", app->org_email, sizeof app->org_email);
    store_setting_get(app->st, "organisme.telephone", app->org_phone, sizeof app->org_phone);
}

const struct screen *app_find_screen(const struct app *app, const char *id)
{
    for (int i = 0; app->table->all[i]; i++)
        if (strcmp(app->table->all[i]->id, id) == 0)
            return app->table->all[i];
    return NULL;
}

bool app_watch_fd(struct app *app, int fd,
                  void (*ready)(struct app *app, int fd, short revents, void *data), void *data)
{
    if (app->fd_count >= APP_MAX_FDS)
        return false;
    app->fds[app->fd_count++] = (struct app_fd){.fd = fd, .ready = ready, .data = data};
    return true;
}

void app_unwatch_fd(struct app *app, int fd)
{
    for (size_t i = 0; i < app->fd_count; i++)
        if (app->fds[i].fd == fd) {
            app->fds[i] = app->fds[--app->fd_count];
            return;
        }
}

const struct dossier *app_dossier(const struct app *app)
{
    for (size_t i = 0; i < app->status.dossier_count; i++)
        if (app->status.dossiers[i].id == app->ui.dossier_id)
            return &app->status.dossiers[i];
    return NULL;
}

void app_flash_status_noted(struct app *app, long long id, const char *title,
                            enum dossier_status to, struct date day)
{
    /* A statement of what was recorded and of the deadline it sets (« À valider le
     * vendredi… » alone read as an order), naming the dossier: at steps 5 and 6 the panel
     * then goes on to another one. */
    char when[64], next[160] = "", name[160];
    text_clip(name, sizeof name, title, 40);
    dates_format_long(day, when, sizeof when);
    for (size_t i = 0; i < app->status.dossier_count; i++) {
        struct dossier_deadline dl = dossier_deadline(&app->status.dossiers[i]);
        if (app->status.dossiers[i].id != id || dl.kind == DL_NONE)
            continue;
        char due[64];
        dates_format_long(dl.date, due, sizeof due);
        snprintf(next, sizeof next, " Échéance : %s (%s).", due, dossier_deadline_label(dl.kind));
    }
    app_flash(app, false, "Dossier « %s » : statut « %s » noté à la date du %s.%s", name,
              dossier_status_label(to), when, next);
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
    char title[sizeof d->title];
    long long id = d->id;
    snprintf(title, sizeof title, "%s", d->title);
    app_reload_status(app);
    app_flash_status_noted(app, id, title, to, day);
    return true;
}

bool app_move_focus(struct app *app, int type, wint_t ch, int count)
{
    if (type != KEY_CODE_YES || (ch != KEY_UP && ch != KEY_DOWN))
        return false;
    int f = app->ui.focus + (ch == KEY_UP ? -1 : 1);
    if (f >= 0 && f < count)
        app->ui.focus = f;
    return true;
}

/* Prepares the current screen: its form (with the draft put back when it was being
 * typed) and its loaded data. */
static void enter_screen(struct app *app)
{
    const struct screen *to = app->screen;
    if (to->enter)
        to->enter(app);
    if (to->text_input && app->form.form) {
        if (strcmp(app->ui.draft_screen, to->id) == 0 &&
            app->draft.count == app->form.count + to->draft_extra) {
            draft_apply(app);
        } else {
            snprintf(app->ui.draft_screen, sizeof app->ui.draft_screen, "%s", to->id);
            for (int i = app->form.count; i < app->form.count + to->draft_extra; i++)
                app->draft.value[i][0] = app->draft.error[i][0] = '\0';
            app->form.dirty = false;
            draft_capture(app);
        }
    }
    if (to->load)
        to->load(app);
}

void app_goto(struct app *app, const struct screen *to, int focus)
{
    /* The draft stays while the help is open over its form, and when coming back to it;
     * leaving the form otherwise (saved, abandoned) forgets it. */
    bool keep = to->keeps_draft || (to->text_input && strcmp(app->ui.draft_screen, to->id) == 0);
    tui_form_close(&app->form);
    app->previous = app->screen;
    app->screen = to;
    app->ui.focus = focus < 0 ? 0 : focus;
    app->ui.scroll = 0;
    app->ui.confirm[0] = '\0';
    app->ui.confirm_id = 0;
    if (!keep)
        forget_draft(app);
    app_reload_status(app);
    erase();
    enter_screen(app);
    app_save_ui(app);
}

/* Rebuilds the screen from the database: at start, and when another process changed
 * ui_state or ui_draft (app->previous is NULL then: nothing was left by a key). */
static void resume(struct app *app, const struct ui_state *ui, const struct ui_draft *draft)
{
    app->ui = *ui;
    app->draft = *draft;
    app->saved_ui = *ui;
    app->saved_draft = *draft;
    const struct screen *s = app_find_screen(app, ui->screen);
    if (app->agent && share_agent_screen(app))
        s = share_agent_screen(app); /* before the official's screen arrives, or after */
    if (!s) {
        s = app->table->home;
        app->ui.focus = 0;
    }
    tui_form_close(&app->form);
    app->previous = NULL;
    app->screen = s;
    app_reload_status(app);
    erase();
    enter_screen(app);
    app_save_ui(app); /* the focus clamped, a form's draft started */
}

/* Another process wrote to the database: the status, the settings, and the screen itself
 * when its state changed (a support agent following the session). */
static void external_change(struct app *app)
{
    struct ui_state ui;
    static struct ui_draft draft; /* large; only the event loop uses it */
    if (app->agent && !share_agent_follows(app)) {
        /* The agent's keys are on their way to the official: the screen follows once the
         * answers came back, so that a key typed meanwhile is not lost. */
        app_reload_status(app);
        if (app->screen->load)
            app->screen->load(app);
        return;
    }
    if (store_ui_get(app->st, &ui) == 0 && store_draft_get(app->st, &draft) == 0 &&
        (!ui_equal(&ui, &app->saved_ui) || !draft_equal(&draft, &app->saved_draft))) {
        resume(app, &ui, &draft);
        return;
    }
    app_reload_status(app);
    if (app->screen->load)
        app->screen->load(app);
}

/* Returns true when the key asks to quit. */
static bool handle_key_inner(struct app *app, int type, wint_t ch)
{
    if (type == KEY_CODE_YES && ch == KEY_RESIZE)
        return false;
    app->ui.message[0] = '\0';
    if (!app->ignore_small && (COLS < TUI_MIN_COLS || LINES < TUI_MIN_LINES)) {
        if (type == OK && (ch == 'i' || ch == 'I')) {
            app->ignore_small = true;
            return false;
        }
        /* What covers every screen still answers here (a shared session's F4 and its
         * question, drawn over this screen too): a share never waits for a bigger window.
         * Not on the agent's side: there the official's question is only mirrored. */
        enum key_result r = app->table->first_key && !app->agent
                                ? app->table->first_key(app, type, ch)
                                : KR_UNHANDLED;
        if (r != KR_UNHANDLED) {
            app_save_ui(app);
            app_reload_status(app);
            if (app->screen->load)
                app->screen->load(app);
            return r == KR_QUIT;
        }
        return (type == OK && (ch == 'q' || ch == 'Q')) ||
               (type == KEY_CODE_YES && ch == KEY_F(10));
    }
    app->next = NULL;
    app->next_focus = 0; /* a handler that names no focus gets the first row */
    enum key_result r = app->table->first_key ? app->table->first_key(app, type, ch)
                                              : KR_UNHANDLED;
    if (r == KR_UNHANDLED && app->screen->key)
        r = app->screen->key(app, type, ch);
    if (r == KR_UNHANDLED)
        r = app->table->global_key(app, type, ch);
    if (r == KR_GOTO && app->next) {
        app_goto(app, app->next, app->next_focus);
        app->next = NULL;
        return false; /* app_goto reloaded and saved the state */
    }
    /* One path for every key: the form's text into the draft, the state saved, the data
     * reloaded once. */
    draft_capture(app);
    app_save_ui(app);
    app_reload_status(app);
    if (app->screen->load)
        app->screen->load(app);
    return r == KR_QUIT;
}

static bool handle_key(struct app *app, int type, wint_t ch)
{
    static struct ui_draft draft_before; /* large; one wizard per process */
    struct ui_state ui_before;
    /* A key answering a question (app->ui.confirm) is atomic on every screen: the search's
     * « créer le dossier » saved the dossier, then the next screen and the answered question
     * in another transaction; killed between the two, the question came back and Enter made
     * a second dossier. The catalogue's lazy ATTACH works inside BEGIN IMMEDIATE, and its
     * DETACH is skipped inside a transaction (catalogue_attach). */
    bool atomic = (app->screen->atomic_keys || app->ui.confirm[0]) && !app->agent &&
                  store_key_begin(app->st) == 0;
    long long changes = 0;
    if (atomic) {
        ui_before = app->ui;
        draft_before = app->draft;
        changes = store_changes(app->st);
        app->ui_changes = 0;
    }
    bool quit = handle_key_inner(app, type, ch);
    /* Rows the key's own action wrote (a mandate saved, a dossier deleted), beyond the
     * screen's state and the form's text. */
    bool recorded = atomic && store_changes(app->st) - changes > app->ui_changes;
    if (atomic && store_key_end(app->st) != 0) {
        char why[sizeof app->ui.message];
        snprintf(why, sizeof why, "%s", store_error(app->st));
        /* What the key recorded was not written (a full disk): the screen goes back to what
         * it showed before the key — never « enregistré » for what is not. When only the
         * screen's state and the typed text were not written, the screen stays (one can
         * still move, type and quit) and the next key that can write saves them. */
        if (recorded)
            resume(app, &ui_before, &draft_before);
        /* what the database holds, so that the next save writes what it lacks */
        if (store_ui_get(app->st, &app->saved_ui) != 0 ||
            store_draft_get(app->st, &app->saved_draft) != 0) {
            memset(&app->saved_ui, 0, sizeof app->saved_ui);
            memset(&app->saved_draft, 0, sizeof app->saved_draft);
        }
        app_flash(app, true, "%s", why);
        return recorded ? false : quit;
    }
    return quit;
}

bool app_handle_key(struct app *app, int type, wint_t ch)
{
    return handle_key(app, type, ch);
}

void app_resume_store(struct app *app)
{
    struct ui_state ui;
    static struct ui_draft draft; /* large */
    if (store_ui_get(app->st, &ui) != 0 || store_draft_get(app->st, &draft) != 0) {
        memset(&ui, 0, sizeof ui);
        memset(&draft, 0, sizeof draft);
        snprintf(ui.screen, sizeof ui.screen, "%s", app->table->home->id);
    }
    resume(app, &ui, &draft);
}

static struct share_agent *agent_for_run;

void app_set_agent(struct share_agent *agent)
{
    agent_for_run = agent;
}

static void draw(struct app *app)
{
    /* A form's screen is not erased before each draw (that would wipe its fields): but
     * after a change of size, what was drawn at another size (a tiny window's message)
     * stays in the parts the form does not paint, and the fields themselves were wiped
     * by the too-small screen. Erase once and post the form again (it keeps its cursor). */
    static int drawn_lines, drawn_cols;
    bool resized = LINES != drawn_lines || COLS != drawn_cols;
    drawn_lines = LINES;
    drawn_cols = COLS;
    if (tui_too_small(app)) {
        if (app->table->overlay && !app->agent)
            app->table->overlay(app); /* an agent's question is answered here too */
        refresh();
        return;
    }
    if (!app->screen->text_input) {
        erase();
    } else if (resized) {
        erase();
        if (app->form.posted)
            app->form.posted_lines = -1; /* tui_form_draw posts it again */
    }
    app->screen->draw(app);
    if (app->table->overlay)
        app->table->overlay(app);
    refresh();
    trace_flush(); /* make bench: the changes drawn (DIFELUS_TRACE) */
}

/* The common spellings of the editing and function keys, whatever the terminfo entry
 * says: under tmux or screen with TERM=xterm-256color, or PuTTY (End is ESC[4~ there), the
 * entry names other sequences, and the keys arrived as Échap, `[`, `4`, `~`. A sequence
 * the entry already binds (or that would clash with one) is left as it is. */
static void define_common_keys(void)
{
    static const struct {
        const char *seq;
        int code;
    } keys[] = {
        {"\033[1~", KEY_HOME}, {"\033[7~", KEY_HOME}, {"\033[H", KEY_HOME},  {"\033OH", KEY_HOME},
        {"\033[4~", KEY_END},  {"\033[8~", KEY_END},  {"\033[F", KEY_END},   {"\033OF", KEY_END},
        {"\033[2~", KEY_IC},   {"\033[3~", KEY_DC},   {"\033[5~", KEY_PPAGE}, {"\033[6~", KEY_NPAGE},
        {"\033[A", KEY_UP},    {"\033[B", KEY_DOWN},  {"\033[C", KEY_RIGHT}, {"\033[D", KEY_LEFT},
        {"\033OA", KEY_UP},    {"\033OB", KEY_DOWN},  {"\033OC", KEY_RIGHT}, {"\033OD", KEY_LEFT},
        {"\033OM", KEY_ENTER}, {"\033[Z", KEY_BTAB},
        {"\033OP", KEY_F(1)},  {"\033OQ", KEY_F(2)},  {"\033OR", KEY_F(3)},  {"\033OS", KEY_F(4)},
        {"\033[11~", KEY_F(1)}, {"\033[12~", KEY_F(2)}, {"\033[13~", KEY_F(3)},
        {"\033[14~", KEY_F(4)}, {"\033[[A", KEY_F(1)}, {"\033[[B", KEY_F(2)},
        {"\033[[C", KEY_F(3)}, {"\033[[D", KEY_F(4)}, {"\033[[E", KEY_F(5)},
        /* and the other function keys difelus serves (the rest: a key it does not know) */
        {"\033[15~", KEY_F(5)}, {"\033[17~", KEY_F(6)}, {"\033[19~", KEY_F(8)},
        {"\033[21~", KEY_F(10)},
    };
    for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++)
        if (key_defined(keys[i].seq) == 0)
            define_key(keys[i].seq, keys[i].code);
}

/* The next byte of a sequence: it follows at once, or within the Échap delay when the
 * terminal's write was cut in two. */
static int sequence_byte(wint_t *ch)
{
    timeout(ESCDELAY);
    int type = get_wch(ch);
    nodelay(stdscr, TRUE);
    return type;
}

/* A key read too far: the next get_wch gives it again. */
static void give_back(int type, wint_t ch)
{
    if (type == KEY_CODE_YES)
        ungetch((int)ch);
    else if (type == OK)
        unget_wch(ch);
}

/* Called after get_wch gave Échap. curses waited ESCDELAY for what follows, so anything
 * already there came with it: the rest of a sequence curses does not know (CSI: `[`,
 * parameters, a final byte; SS3: `O` and one byte) or an Alt-key (Échap and one
 * character). It is consumed whole and true returned: one key that does nothing, never
 * Échap followed by letters. A control character is given back: two Échap stay two. */
static bool escape_sequence(void)
{
    wint_t ch;
    int type = get_wch(&ch);
    if (type == ERR)
        return false; /* a real Échap */
    if ((type == OK && ch < 0x20) || (type == KEY_CODE_YES && ch == KEY_RESIZE)) {
        /* Échap then Entrée, Tab or a second Échap: each keeps its meaning (Alt and them
         * is no key difelus could serve). */
        give_back(type, ch);
        return false;
    }
    if (type != OK)
        return true; /* Alt and a known key */
    if (ch == '[') {
        /* Parameter and intermediate bytes up to the final byte (ECMA-48), bounded. */
        for (int n = 0; n < 64; n++) {
            type = sequence_byte(&ch);
            if (type == OK && ch >= 0x40 && ch <= 0x7e)
                break;
            if (type != OK || ch < 0x20 || ch > 0x3f) {
                give_back(type, ch); /* not part of a sequence: a key of its own */
                break;
            }
        }
    } else if (ch == 'O') {
        type = sequence_byte(&ch);
        if (type != OK || ch < 0x20 || ch > 0x7e)
            give_back(type, ch);
    }
    return true;
}

int tui_run(const struct screen_table *table, store *st, const char *db_path, bool color,
            char *err, size_t errlen)
{
    /* Its callers (run_wizard, run_assist) ran tui_terminal_check before opening anything:
     * reading the terminfo entry a third time here (newterm reads it too) cost 0,1 ms. An
     * unknown TERM still fails at newterm below. */
    if (!install_signals()) {
        snprintf(err, errlen, "impossible de préparer le terminal (%s).", syserr_text(errno));
        return EXIT_FAILURE;
    }
    /* The terminal's size comes from the terminal: LINES and COLUMNS left in the
     * environment at another size (exported by a shell, a script) would be taken first. */
    use_tioctl(TRUE);
    SCREEN *scr = newterm(NULL, stdout, stdin);
    if (!scr) {
        remove_signals();
        char shown[96];
        snprintf(err, errlen, "le terminal « %s » (variable TERM) est inconnu. Essayez : "
                              "TERM=xterm-256color difelus",
                 text_clip(shown, sizeof shown, getenv("TERM"), 40));
        return EXIT_FAILURE;
    }
    set_term(scr);
    cbreak();
    noecho();
    nonl();
    keypad(stdscr, TRUE);
    nodelay(stdscr, TRUE);
    set_escdelay(25);
    define_common_keys();
    curs_set(1); /* the cursor sits on the focused line, for screen readers */
    tui_colors_init(color);

    static struct app app; /* large (the draft twice); one wizard per process */
    /* Zero already the first time: clearing its 114 Kio would touch 29 pages for nothing
     * before the first screen. */
    static bool ran;
    if (ran)
        memset(&app, 0, sizeof app);
    ran = true;
    app.table = table;
    app.st = st;
    app.db_path = db_path;
    app.color = color;
    app.today = dates_today();
    app.view = calloc(1, table->view_size ? table->view_size : 1);
    static struct ui_draft draft;
    struct ui_state saved;
    if (!app.view) {
        endwin();
        delscreen(scr);
        remove_signals();
        snprintf(err, errlen, "mémoire insuffisante.");
        return EXIT_FAILURE;
    }
    app.data_version = store_data_version(st);
    app.agent = agent_for_run;
    if (app.agent)
        share_agent_start(&app);
    if (store_ui_get(st, &saved) != 0 || store_draft_get(st, &draft) != 0) {
        memset(&saved, 0, sizeof saved);
        memset(&draft, 0, sizeof draft);
        snprintf(saved.screen, sizeof saved.screen, "%s", table->home->id);
    }
    resume(&app, &saved, &draft);

    bool quit = false, failed = false, gone = false;
    int idle = 0;
    draw(&app);
    while (!quit && !got_signal) {
        /* The keyboard, the signals' pipe, then the helpers' pipes (app_watch_fd). */
        struct pollfd p[2 + APP_MAX_FDS] = {{.fd = STDIN_FILENO, .events = POLLIN},
                                            {.fd = wake_pipe[0], .events = POLLIN}};
        size_t nfds = 2;
        for (size_t i = 0; i < app.fd_count; i++)
            p[nfds++] = (struct pollfd){.fd = app.fds[i].fd, .events = POLLIN};
        /* A short timeout: what another process writes (a setting, a tick, an import) is
         * on the screen within 100 ms; checking PRAGMA data_version reads no disk. */
        int r = poll(p, nfds, 50);
        int poll_errno = errno; /* before the checks below can change it */
        if (got_signal)
            break;
        bool changed = false;
        char cat_err[512];
        if (catalogue_refresh_if_changed(st, cat_err, sizeof cat_err) != 0) {
            app.catalogue_changes++;
            changed = true;
        }
        long long dv = store_data_version(st);
        if (dv != app.data_version) {
            app.data_version = dv;
            changed = true;
        }
        if (r < 0 && poll_errno != EINTR) {
            /* Said after the terminal is restored, with a failure status. */
            snprintf(err, errlen, "lecture du clavier impossible (%s). Ce qui était "
                                  "enregistré l'est toujours ; relancez difelus.",
                     syserr_text(poll_errno));
            failed = true;
            break;
        }
        /* The terminal went away (the window closed, the ssh link dropped, without a
         * SIGHUP reaching us): the keys still buffered are read below, then we stop. */
        bool hung_up = r > 0 && (p[0].revents & (POLLHUP | POLLERR | POLLNVAL));
        if (r > 0 && (p[1].revents & POLLIN)) {
            char drain[64];
            while (read(wake_pipe[0], drain, sizeof drain) > 0)
                ;
        }
        bool spoke = false;
        for (size_t i = 2; r > 0 && i < nfds; i++) {
            if (!p[i].revents)
                continue;
            /* The callback may unwatch its fd: find it again by number. */
            for (size_t k = 0; k < app.fd_count; k++)
                if (app.fds[k].fd == p[i].fd) {
                    app.fds[k].ready(&app, p[i].fd, p[i].revents, app.fds[k].data);
                    changed = spoke = true;
                    break;
                }
        }
        if (spoke)
            app_save_ui(&app); /* what a helper's end said (app_flash) is saved like a key's */
        if (got_winch) {
            got_winch = 0;
            /* Before curses resizes: it would move the form's window to fit a tiny size,
             * and the form library would then write into the screen's text there. */
            tui_form_unpost(&app.form);
            apply_resize();
            changed = true;
        }
        if (changed)
            external_change(&app);
        wint_t ch;
        int type;
        bool got_key = false;
        while (!quit && (type = get_wch(&ch)) != ERR) {
            got_key = true;
            if (type == OK && ch == 27 && escape_sequence()) {
                type = KEY_CODE_YES;
                ch = TUI_KEY_UNKNOWN;
            }
            quit = app.agent ? share_agent_key(&app, type, ch) : handle_key(&app, type, ch);
        }
        /* A readable stdin that yields no key again and again is a closed terminal. */
        idle = r > 0 && (p[0].revents & POLLIN) && !got_key ? idle + 1 : 0;
        if (!quit && (hung_up || idle > 1000)) {
            gone = true;
            break;
        }
        bool again = !quit && table->after_event && table->after_event(&app, got_key || changed);
        if (!quit && (got_key || changed || again))
            draw(&app);
    }
    bool typed = app.screen && app.ui.draft_dirty && app.ui.draft_screen[0];
    if (table->release)
        table->release(&app); /* no helper outlives the wizard */
    tui_form_close(&app.form);
    status_free(&app.status);
    free(app.view);
    endwin();
    delscreen(scr);
    remove_signals();
    if (got_signal) {
        /* Say only what is true: typed text is kept as a draft, not recorded. */
        if (typed) /* a form is open, or behind the help opened from it */
            snprintf(err, errlen, "interrompu ; tout ce que vous aviez validé est enregistré, et "
                                  "ce que vous tapiez est gardé : vous le retrouverez en "
                                  "relançant difelus.");
        else
            snprintf(err, errlen, "interrompu ; tout ce que vous aviez validé est enregistré.");
        return 128 + got_signal;
    }
    if (gone) {
        /* Said on stderr (a file, when it was redirected): the terminal is no more. */
        snprintf(err, errlen, "le terminal a été fermé : plus rien ne peut être lu au clavier. "
                              "Tout ce que vous aviez validé est enregistré%s ; relancez "
                              "difelus pour reprendre au même endroit.",
                 typed ? ", et ce que vous tapiez est gardé" : "");
        return EXIT_FAILURE;
    }
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
