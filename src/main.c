/* difelus: the entry point. The command line lives in src/cli/ (a table of commands);
 * without a command, the full-screen wizard starts. */
#include <locale.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"
#include "difelus/dates.h"
#include "difelus/share.h"
#include "difelus/text.h"
#include "lines/lines.h"
#include "tui/app.h"

/* The wizard's screens and global keys (screens/screens.c). */
extern const struct screen_table screens_table;

/* The line mode (--lignes, or TERM=dumb, which cannot move the cursor): no terminal
 * needed, pipes will do. */
static int run_lines(const char *db_option)
{
    char err[1024], path[4096];
    store *st = cli_open_store(db_option, path, sizeof path);
    if (!st)
        return EXIT_FAILURE;
    if (store_share_reset_stale(st) != 0)
        text_fprintf(stderr, "difelus : %s\n", store_error(st));
    int rc = lines_run(st, stdin, stdout, dates_today(), err, sizeof err);
    store_close(st);
    if (rc != EXIT_SUCCESS)
        text_fprintf(stderr, "difelus : %s\n", err);
    return rc;
}

static int run_wizard(const char *db_option, bool color, bool lines)
{
    char err[1024], path[4096];
    /* TERM=dumb (Emacs' shell, a serial console, a speech synthesiser's wrapper) cannot
     * show the full-screen wizard: the same guide comes line by line instead. */
    const char *term = getenv("TERM");
    if (lines || (term && strcmp(term, "dumb") == 0))
        return run_lines(db_option);
    if (!isatty(STDIN_FILENO) || !isatty(STDOUT_FILENO)) {
        text_fprintf(stderr, "%s", "difelus : l'assistant s'affiche dans un terminal, et "
                     "l'entrée ou la sortie standard n'en est pas un.\nLancez difelus depuis "
                     "une fenêtre de terminal, ou utilisez « difelus statut » pour un résumé en "
                     "texte.\n");
        return EXIT_FAILURE;
    }
    if (!tui_locale_setup(err, sizeof err)) {
        text_fprintf(stderr, "difelus : %s\n", err);
        return EXIT_FAILURE;
    }
    /* Before the database is opened or created: nothing happens on a refused terminal. */
    if (!tui_terminal_check(err, sizeof err)) {
        text_fprintf(stderr, "difelus : %s\n", err);
        return EXIT_FAILURE;
    }
    store *st = cli_open_store(db_option, path, sizeof path);
    if (!st)
        return EXIT_FAILURE;
    /* A shared session left open by a crash is over: no stale banner, « interrompu » in
     * its history, and the message line says so instead of what it said then. */
    struct share_state was;
    bool stale = store_share_get(st, &was) == 0 && was.phase != SHARE_NONE;
    struct ui_state ui;
    struct share_state now;
    if (store_share_reset_stale(st) != 0) {
        text_fprintf(stderr, "difelus : %s\n", store_error(st));
    } else if (stale && store_share_get(st, &now) == 0 && now.phase == SHARE_NONE &&
               store_ui_get(st, &ui) == 0) {
        /* Only when it was reset: a share of another live difelus stays as it is. */
        text_msgf(ui.message, sizeof ui.message, "Le partage d'écran a été interrompu quand "
                                                 "difelus s'est arrêté : plus rien n'est "
                                                 "partagé. a : l'assistance.");
        ui.message_error = false;
        store_ui_set(st, &ui);
    }
    int rc = tui_run(&screens_table, st, path, color, err, sizeof err);
    store_close(st);
    if (rc != EXIT_SUCCESS)
        text_fprintf(stderr, "difelus : %s\n", err);
    return rc;
}

/* The support agent's wizard (screens/agent_code.c). */
extern int screens_agent_run(const char *relay_url, const char *token, const char *code,
                             const char *notice, bool color, char *err, size_t errlen);

static int run_assist(const char *relay_url, const char *token, const char *code,
                      const char *notice, bool color, char *err, size_t errlen)
{
    if (!isatty(STDIN_FILENO) || !isatty(STDOUT_FILENO)) {
        snprintf(err, errlen, "l'écran de l'élu s'affiche dans un terminal, et l'entrée ou la "
                              "sortie standard n'en est pas un. Lancez « difelus assister » "
                              "depuis une fenêtre de terminal.");
        return EXIT_FAILURE;
    }
    if (!tui_locale_setup(err, errlen) || !tui_terminal_check(err, errlen))
        return EXIT_FAILURE;
    return screens_agent_run(relay_url, token, code, notice, color, err, errlen);
}

int main(int argc, char **argv)
{
    /* Past the file-size limit (ulimit -f), a write fails with EFBIG and the official reads
     * a French message, instead of SIGXFSZ killing the wizard with the terminal raw. */
    signal(SIGXFSZ, SIG_IGN);
    setlocale(LC_ALL, "");
    cli_assist_wizard = run_assist;
    return cli_main(argc, argv, run_wizard);
}
