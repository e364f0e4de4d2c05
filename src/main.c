/* difelus: the entry point. The command line lives in src/cli/ (a table of commands);
 * without a command, the full-screen wizard starts. */
#include <errno.h>
#include <fcntl.h>
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
#include "difelus/syserr.h"
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

/* Standard input and output closed when we started (`<&-`, `>&-`): main() put a
 * placeholder there, so that no file opened later takes their number. */
static bool closed_at_start[3];

static void hold_standard_fds(void)
{
    for (int fd = 0; fd <= 2; fd++) {
        if (fcntl(fd, F_GETFD) != -1 || errno != EBADF)
            continue;
        closed_at_start[fd] = true;
        /* /dev/null the wrong way round: reading stdin or writing stdout still fails, as
         * on the closed descriptor, instead of silently reading nothing or writing into a
         * database or calendar file that would otherwise get number 0 or 1. */
        int null = open("/dev/null", fd == 0 ? O_WRONLY : O_RDONLY);
        if (null >= 0 && null != fd) {
            dup2(null, fd);
            close(null);
        }
    }
}

static int run_wizard(const char *db_option, bool color, bool lines)
{
    char err[1024], path[4096];
    /* TERM=dumb (Emacs' shell, a serial console, a speech synthesiser's wrapper) cannot
     * show the full-screen wizard: the same guide comes line by line instead. */
    const char *term = getenv("TERM");
    if (lines || (term && strcmp(term, "dumb") == 0))
        return run_lines(db_option);
    if (closed_at_start[STDIN_FILENO] || closed_at_start[STDOUT_FILENO]) {
        text_fprintf(stderr, "difelus : %s est fermée : l'assistant ne peut ni lire le "
                     "clavier ni afficher ses écrans.\nLancez difelus depuis une fenêtre de "
                     "terminal, sans fermer l'entrée ni la sortie, ou utilisez « difelus "
                     "statut » pour un résumé en texte.\n",
                     closed_at_start[STDIN_FILENO] ? "l'entrée standard" : "la sortie standard");
        return EXIT_FAILURE;
    }
    if (!isatty(STDIN_FILENO) || !isatty(STDOUT_FILENO)) {
        text_fprintf(stderr, "%s", "difelus : l'assistant s'affiche dans un terminal, et "
                     "l'entrée ou la sortie standard n'en est pas un.\nLancez difelus depuis "
                     "une fenêtre de terminal, ou utilisez « difelus --lignes » (le même "
                     "assistant, ligne à ligne, qui marche aussi avec des tubes) ou « difelus "
                     "statut » pour un résumé en texte.\n");
        return EXIT_FAILURE;
    }
    if (!tui_locale_setup(err, sizeof err)) {
        text_fprintf(stderr, "difelus : %s\n", err);
        return EXIT_FAILURE;
    }
    /* A TERM that this machine's terminfo does not know (a recent terminal over ssh,
     * whose description is not installed here) or that cannot move the cursor: the line
     * mode works on any terminal, so the official is not shut out; the notice says why
     * and how to get the full screen. A refusal would leave a non-technical official with
     * a command to retype and nothing done. */
    char shown[96];
    enum tui_terminal_verdict verdict = tui_terminal_probe(shown, sizeof shown);
    if (verdict == TUI_TERM_UNKNOWN || verdict == TUI_TERM_NO_CURSOR) {
        if (verdict == TUI_TERM_UNKNOWN)
            text_fprintf(stderr, "difelus : le terminal « %s » (variable TERM) est inconnu "
                         "sur cette machine ; l'assistant s'ouvre donc en mode lignes. Pour "
                         "l'assistant plein écran, quittez (q) puis lancez : "
                         "TERM=xterm-256color difelus\n\n", shown);
        else
            text_fprintf(stderr, "difelus : le terminal « %s » (variable TERM) ne sait pas "
                         "déplacer le curseur ; l'assistant s'ouvre donc en mode lignes, "
                         "comme avec TERM=dumb. Pour l'assistant plein écran, lancez difelus "
                         "dans une fenêtre de terminal ordinaire (xterm, GNOME Terminal, "
                         "Konsole…).\n\n", shown);
        return run_lines(db_option);
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
    bool read = store_share_get(st, &was) == 0;
    bool stale = read && was.phase != SHARE_NONE;
    struct ui_state ui;
    struct share_state now;
    /* Nothing to reset when no share was open (the usual start: one query less). */
    if ((!read || stale) && store_share_reset_stale(st) != 0) {
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
    hold_standard_fds();
    /* Past the file-size limit (ulimit -f), a write fails with EFBIG and the official reads
     * a French message, instead of SIGXFSZ killing the wizard with the terminal raw. */
    signal(SIGXFSZ, SIG_IGN);
    setlocale(LC_ALL, "");
    cli_assist_wizard = run_assist;
    int rc = cli_main(argc, argv, run_wizard);
    /* What was printed but could not be written (stdout closed, a full disk behind a
     * redirection) is a failure, not a silent success. On a terminal the wizard writes
     * through curses and says itself what went wrong. */
    if (rc == EXIT_SUCCESS && !isatty(STDOUT_FILENO)) {
        int e = fflush(stdout) != 0 ? errno : 0;
        if (e || ferror(stdout)) {
            char why[256] = "";
            if (e)
                snprintf(why, sizeof why, " (%s)", syserr_text(e));
            text_fprintf(stderr, "difelus : impossible d'écrire sur la sortie standard%s. "
                         "Relancez sans fermer la sortie, ou redirigez-la vers un fichier sur "
                         "un disque qui a de la place.\n", why);
            return EXIT_FAILURE;
        }
    }
    return rc;
}
