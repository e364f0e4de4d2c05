/* End-to-end: the wizard on terminals that misbehave (issue 10, item 4): a storm of
 * resizes on every kind of screen, tiny windows, terminals without colour, a TERM that
 * terminfo does not know or that cannot move the cursor, a keyboard that is closed or goes
 * away, a wrong LINES/COLUMNS. Never a crash, the terminal left as it was found, the
 * documented exit status, nothing typed lost. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "harness.h"
#include "e2e.h"

/* The sizes a window goes through while its corner is dragged, tiny ones included. */
static const int storm_sizes[][2] = {{5, 20}, {1, 1},   {24, 80}, {3, 10},  {40, 132},
                                     {15, 60}, {2, 8},  {30, 100}, {24, 79}, {23, 80}};

/* Until the wizard waits for keys again, everything it drew read. */
static void settle(struct term *t)
{
    wait_idle(child_pid());
    term_drain(t);
}

/* The screen as drawn once the wizard is idle, then 50 resizes sent at once (the last one
 * back to 80×24): the screen must come back exactly as it was, cursor included, with the
 * process alive. */
static void storm(struct term *t, const char *what)
{
    pid_t pid = child_pid();
    assert_true(pid > 0);
    wait_idle(pid);
    term_drain(t);
    char *before = strdup(term_text(t));
    int row, col;
    term_cursor(t, &row, &col);
    for (int i = 0; i < 49; i++)
        term_resize(t, storm_sizes[i % 10][0], storm_sizes[i % 10][1]);
    term_resize(t, 24, 80);
    if (!term_wait_screen(t, before))
        fail_msg("après 50 redimensionnements (%s), l'écran n'est plus le même", what);
    if (!term_wait_cursor(t, row, col)) {
        int r, c;
        term_cursor(t, &r, &c);
        fail_msg("après 50 redimensionnements (%s), le curseur est en (%d, %d) au lieu de "
                 "(%d, %d)", what, r, c, row, col);
    }
    assert_int_equal(kill(pid, 0), 0);
    /* The same, one size at a time, each drawn before the next: a form's window, moved by
     * curses to fit 10 × 3, was written into the screen's text (a letter of the hint line
     * blanked) when the form was posted again at 80 × 24. */
    term_resize(t, 3, 10);
    WAIT(t, "q quitter");
    settle(t);
    term_resize(t, 24, 80);
    if (!term_wait_screen(t, before))
        fail_msg("revenu de 10 × 3 (%s), l'écran n'est plus le même", what);
    free(before);
}

/* A catalogue of a few trainings about the budget, imported into the database of `opt`. */
static void import_catalogue(const char *opt)
{
    const char *dir = opt + strlen("--db=");
    char csv[4400];
    snprintf(csv, sizeof csv, "%.*s/cdc.csv", (int)(strrchr(dir, '/') - dir), dir);
    char data[8192];
    size_t o = (size_t)snprintf(data, sizeof data,
                                "numero_formation;intitule_formation;nom_of;code_departement;"
                                "nom_departement;frais_ttc_tot_mean;nombre_heures_total_mean;"
                                "nb_session_a_distance;type_referentiel;code_rs;"
                                "date_chargement\n");
    for (int i = 1; i <= 30; i++)
        o += (size_t)snprintf(data + o, sizeof data - o,
                              "B-%d;Budget communal, module %d;Gestions Locales;07;Ardèche;"
                              "500;7;0;RS;RS%d;2026-11-01\n", i, i, 10 + i);
    harness_write_file(csv, data, o);
    struct run_result r;
    harness_run(&r, (const char *[]){opt, "catalogue", "importer", csv, NULL}, NULL);
    if (r.status != 0)
        fail_msg("import : %s", r.err);
    harness_run_free(&r);
}

/* Item 1: home, a step with its checklist, the help, a form with half-typed text, the
 * question that guards it, the search results: each survives a storm of resizes. */
static void test_resize_storm_on_every_screen(void **state)
{
    (void)state;
    char db[4200];
    snprintf(db, sizeof db, "%s", fresh_db("e2e-term-storm"));
    import_catalogue(db);
    struct term *t = start(24, 80, db, NULL);
    WAIT(t, "Étapes faites : 0/6");
    storm(t, "accueil");

    term_send(t, "1 ");
    WAIT(t, "[x]");
    storm(t, "étape 1");

    term_send(t, "?");
    WAIT(t, "Aide");
    storm(t, "aide");
    term_send(t, "\033");
    WAIT(t, "Étape 1/6");

    term_send(t, "mn");
    WAIT(t, "nouveau mandat");
    term_send(t, "\tMétropole Rouen Normand");
    WAIT(t, "Métropole Rouen Normand");
    storm(t, "formulaire");
    term_send(t, "ie"); /* the text goes on where it stood */
    WAIT(t, "Métropole Rouen Normandie");
    term_send(t, "\033");
    WAIT(t, "Abandonner ce que vous avez tapé ?");
    storm(t, "question");
    term_send(t, "n");
    WAIT(t, "Rien n'est perdu"); /* the first question is gone before the second Échap */
    WAIT(t, "Métropole Rouen Normandie");
    term_send(t, "\033");
    WAIT(t, "Abandonner ce que vous avez tapé ?");
    term_send(t, "o");
    WAIT(t, "Rien n'a été modifié.");

    term_send(t, "r");
    WAIT(t, "Rechercher une formation");
    term_send(t, "budget\r");
    WAIT(t, "Budget communal, module");
    storm(t, "résultats");
    term_send_key(t, TK_F10); /* q would be typed into the criteria */
    assert_int_equal(term_wait_exit(t), 0);
    assert_true(term_restored(t));
    term_free(t);
}

/* Item 2: 20×5, 10×3 and 1×1. The message says what to do, cut at words when it must be;
 * keys other than i and q do nothing; i shows the screen anyway; back at 80×24 the screen
 * is whole; q quits from the small screen. */
static void test_tiny_windows(void **state)
{
    (void)state;
    static const int sizes[][2] = {{5, 20}, {3, 10}, {1, 1}};
    char db[4200];
    snprintf(db, sizeof db, "%s", fresh_db("e2e-term-tiny"));
    /* The reference: the home screen drawn at 80×24. */
    struct term *t = start(24, 80, db, NULL);
    WAIT(t, "Étapes faites : 0/6");
    wait_idle(child_pid());
    term_drain(t);
    char *home = strdup(term_text(t));
    quit_cleanly(t);

    for (size_t s = 0; s < sizeof sizes / sizeof sizes[0]; s++) {
        int rows = sizes[s][0], cols = sizes[s][1];
        t = start(rows, cols, db, NULL);
        if (cols >= 20) {
            WAIT(t, "Terminal trop petit");
            WAIT(t, "Agrandissez la fenêtre, ou :");
        } else if (cols >= 10) {
            WAIT(t, "Trop petit");
        }
        if (cols >= 10) { /* the two keys, before the advice that would push them out */
            WAIT(t, "i ignorer");
            WAIT(t, "q quitter");
        }
        /* Every row holds whole words (or a word cut with …), never a stray byte. */
        wait_idle(child_pid());
        term_drain(t);
        for (int y = 0; y < rows; y++) {
            const char *r = term_row(t, y);
            for (const char *p = r; *p; p++)
                if ((unsigned char)*p < 0x20)
                    fail_msg("caractère de contrôle à l'écran en %d × %d : « %s »", cols, rows,
                             r);
        }
        /* Keys that would change something are ignored while the message is shown. */
        term_send(t, "1 2 3 ?mnx\r\t");
        settle(t); /* read before the resize below, not after it */
        term_send(t, "i"); /* below 20 columns the screen is only drawn without crashing */
        if (cols >= 20)
            WAIT(t, "Accueil");
        settle(t);
        term_send(t, "2");
        if (cols >= 20)
            WAIT(t, "Étape");
        settle(t);
        term_resize(t, 24, 80);
        WAIT(t, "Étape 2/6");
        term_send(t, "h");
        if (!term_wait_screen(t, home))
            fail_msg("revenu à 80 × 24 depuis %d × %d, l'accueil n'est pas redessiné", cols,
                     rows);
        quit_cleanly(t);

        /* q and F10 quit from the message itself. */
        t = start(rows, cols, db, NULL);
        if (cols >= 20)
            WAIT(t, "Terminal trop petit");
        else
            wait_idle(child_pid());
        if (s == 1)
            term_send_key(t, TK_F10);
        else
            term_send(t, "q");
        assert_int_equal(term_wait_exit(t), 0);
        assert_true(term_restored(t));
        term_free(t);
    }
    json_t *st = status_of(db);
    json_t *steps = json_object_get(st, "etapes");
    assert_non_null(steps);
    json_decref(st);
    free(home);
}

/* No cell of the screen has a colour. */
static void assert_no_colour(struct term *t, const char *where)
{
    for (int y = 0; y < 24; y++)
        for (int x = 0; x < 80; x++)
            if (!term_cell_default_colors(t, y, x))
                fail_msg("couleur en (%d, %d) sur %s :\n%s", y, x, where, term_text(t));
}

/* The row of the cursor (the focused line, for screen readers) is marked without colour. */
static void assert_focus_marked(struct term *t, const char *where)
{
    int row, col;
    term_cursor(t, &row, &col);
    for (int x = 0; x < 80; x++)
        if (term_cell_emphasis(t, row, x))
            return;
    fail_msg("sur %s, la ligne du curseur (%d) n'est marquée ni en inverse, ni en gras, ni "
             "soulignée :\n%s", where, row, term_text(t));
}

/* Item 3: TERM=vt100, TERM=xterm-mono, NO_COLOR and --no-color: every screen walked, no
 * colour anywhere, warnings said with « ATTENTION », the focus marked without colour. */
static void test_no_colour_terminals(void **state)
{
    (void)state;
    struct {
        const char *env, *arg;
    } cases[] = {{"TERM=vt100", NULL},
                 {"TERM=xterm-mono", NULL},
                 {"NO_COLOR=1", NULL},
                 {"TERM=xterm-256color", "--no-color"}};
    char db[4200];
    snprintf(db, sizeof db, "%s", fresh_db("e2e-term-mono"));
    for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
        struct term *t = term_start(24, 80, (const char *[]){db, cases[c].arg, NULL},
                                    (const char *[]){cases[c].env, NULL});
        WAIT(t, "Étapes faites");
        settle(t);
        assert_no_colour(t, "l'accueil");
        assert_focus_marked(t, "l'accueil");
        for (int step = 1; step <= 6; step++) {
            char key[2] = {(char)('0' + step), 0}, title[32];
            snprintf(title, sizeof title, "Étape %d/6", step);
            term_send(t, key);
            WAIT(t, title);
            WAIT(t, "ATTENTION");
            settle(t);
            assert_no_colour(t, title);
            assert_focus_marked(t, title);
        }
        /* Each key, and the title it opens (NULL: the title before it is gone). */
        static const struct {
            const char *key, *title;
        } others[] = {{"?", "Aide"},          {"\033", NULL},
                      {"m", "Mes mandats"},   {"n", "nouveau mandat"},
                      {"\033", NULL},         {"s", "Mon solde DIF élu"},
                      {"\033", NULL},         {"d", "Mes dossiers"},
                      {"h", "Étapes faites"}, {"r", "dans le catalogue"},
                      {"\033", NULL}};
        for (size_t k = 0; k < sizeof others / sizeof others[0]; k++) {
            term_send(t, others[k].key);
            if (others[k].title)
                WAIT(t, others[k].title);
            else if (!term_wait_gone(t, others[k - 1].title))
                fail_msg("Échap n'a pas quitté « %s »", others[k - 1].title);
            settle(t);
            assert_no_colour(t, others[k].title ? others[k].title : "l'écran d'avant");
        }
        term_send(t, "h");
        WAIT(t, "Étapes faites");
        quit_cleanly(t);
    }
}

/* A terminfo entry of a printing terminal: it prints line after line, never moves back. */
static const char *glass_terminfo(void)
{
    static char dir[4200];
    snprintf(dir, sizeof dir, "%s", harness_tmpdir("e2e-term-terminfo"));
    char src[4300], cmd[9000];
    snprintf(src, sizeof src, "%s/verre.src", dir);
    static const char entry[] = "verre|terminal papier sans curseur adressable,\n"
                                "\tam, hc, os, cols#80, bel=^G, cr=\\r, cud1=\\n, ind=\\n,\n";
    harness_write_file(src, entry, sizeof entry - 1);
    snprintf(cmd, sizeof cmd, "tic -x -o '%s' '%s'", dir, src);
    assert_int_equal(system(cmd), 0);
    return dir;
}

/* Item 4: a TERM unknown to terminfo, or a terminal that cannot move the cursor, opens
 * the line mode (as TERM=dumb does) with a French notice that says why and how to get the
 * full screen: an official is never shut out, and the line mode works on any terminal. */
static void test_unknown_or_limited_terminal(void **state)
{
    (void)state;
    char db[4200];
    snprintf(db, sizeof db, "%s", fresh_db("e2e-term-unknown"));
    struct run_result r;
    harness_run(&r, (const char *[]){db, "reglage", "organisme.nom", "Mairie de Lodève", NULL},
                NULL);
    assert_int_equal(r.status, 0);
    harness_run_free(&r);

    /* 60 rows: the notice stays above the line mode's menu. */
    struct term *t = start(60, 80, db, (const char *[]){"TERM=nimportequoi-9000", NULL});
    WAIT(t, "le terminal « nimportequoi-9000 » (variable TERM) est inconnu");
    WAIT(t, "TERM=xterm-256color difelus");
    WAIT(t, "Votre choix [1] :");
    term_send(t, "q\r");
    WAIT(t, "Tout est enregistré.");
    assert_int_equal(term_wait_exit(t), 0);
    assert_true(term_restored(t));
    term_free(t);
    harness_run(&r, (const char *[]){db, "reglage", "organisme.nom", NULL}, NULL);
    assert_int_equal(r.status, 0);
    assert_non_null(strstr(r.out, "Mairie de Lodève"));
    harness_run_free(&r);

    char terminfo[4300];
    snprintf(terminfo, sizeof terminfo, "TERMINFO=%s", glass_terminfo());
    t = start(60, 80, db, (const char *[]){"TERM=verre", terminfo, NULL});
    WAIT(t, "ne sait pas déplacer le curseur");
    WAIT(t, "Votre choix [1] :");
    term_send(t, "q\r");
    WAIT(t, "Tout est enregistré.");
    assert_int_equal(term_wait_exit(t), 0);
    assert_true(term_restored(t));
    term_free(t);

}

/* Runs the binary with its descriptor `fd` (0: stdin, 1: stdout) closed; stderr read
 * through a pipe. Returns the exit status; *err gets what it said. */
static int run_with_closed(int fd, const char *const args[], char **err)
{
    int p[2];
    assert_int_equal(pipe(p), 0);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        dup2(p[1], 2);
        close(p[0]);
        close(p[1]);
        int null = open("/dev/null", O_RDWR);
        dup2(null, fd == 0 ? 1 : 0);
        close(null);
        close(fd);
        size_t n = 0;
        while (args[n])
            n++;
        char **argv = calloc(n + 2, sizeof *argv);
        argv[0] = (char *)harness_binary();
        for (size_t i = 0; i < n; i++)
            argv[i + 1] = (char *)args[i];
        setenv("TERM", "xterm-256color", 1);
        execv(argv[0], argv);
        _exit(127);
    }
    close(p[1]);
    size_t cap = 4096, len = 0;
    char *buf = malloc(cap);
    ssize_t got;
    while ((got = read(p[0], buf + len, cap - len - 1)) != 0) {
        if (got < 0) {
            if (errno == EINTR)
                continue;
            break;
        }
        len += (size_t)got;
        if (cap - len < 2)
            buf = realloc(buf, cap *= 2);
    }
    buf[len] = '\0';
    close(p[0]);
    int status;
    waitpid(pid, &status, 0);
    *err = buf;
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

static bool db_exists(const char *opt)
{
    struct stat sb;
    return stat(opt + strlen("--db="), &sb) == 0;
}

/* Item 5, at start: stdin closed (`<&-`), stdin /dev/null, stdout closed (`>&-`). */
static void test_closed_keyboard_or_screen_at_start(void **state)
{
    (void)state;
    char db[4200], *err;
    snprintf(db, sizeof db, "%s", fresh_db("e2e-term-closed"));
    /* The wizard cannot read a closed keyboard: it says so, and touches no database. */
    assert_int_equal(run_with_closed(0, (const char *[]){db, NULL}, &err), 1);
    assert_non_null(harness_strstr(err, "l'entrée standard est fermée"));
    assert_non_null(harness_strstr(err, "difelus statut"));
    free(err);
    assert_false(db_exists(db));
    assert_int_equal(run_with_closed(1, (const char *[]){db, NULL}, &err), 1);
    assert_non_null(harness_strstr(err, "la sortie standard est fermée"));
    free(err);
    assert_false(db_exists(db));

    /* The line mode cannot read a closed stdin: not the end of a script, a failure. */
    assert_int_equal(run_with_closed(0, (const char *[]){db, "--lignes", NULL}, &err), 1);
    assert_non_null(harness_strstr(err, "lecture du clavier impossible"));
    free(err);
    /* Nowhere to write: it says so on stderr, with a failure status, not 0. */
    assert_int_equal(run_with_closed(1, (const char *[]){db, "--lignes", NULL}, &err), 1);
    assert_non_null(harness_strstr(err, "impossible d'écrire"));
    free(err);
    assert_int_equal(run_with_closed(1, (const char *[]){db, "statut", NULL}, &err), 1);
    assert_non_null(harness_strstr(err, "impossible d'écrire"));
    free(err);

    struct run_result r;
    harness_run(&r, (const char *[]){db, NULL}, NULL); /* stdin: /dev/null */
    assert_int_equal(r.status, 1);
    assert_non_null(harness_strstr(r.err, "n'en est pas un"));
    harness_run_free(&r);
    /* The line mode on a pipe that closes after two answers: it ends, saying so. */
    harness_run_input(&r, (const char *[]){db, "--lignes", NULL}, NULL, "1\n");
    assert_int_equal(r.status, 0);
    assert_non_null(harness_strstr(r.out, "Fin de l'entrée"));
    harness_run_free(&r);
}

/* Reads the draft of the mandate form back: the wizard restarted on `db` shows it. */
static void draft_is_back(const char *db, const char *typed)
{
    struct term *t = start(24, 80, db, NULL);
    WAIT(t, "nouveau mandat");
    WAIT(t, typed);
    term_send(t, "\003"); /* q would be typed; F10 asks about the typed text */
    assert_int_equal(term_wait_exit(t), 130);
    assert_true(term_restored(t));
    term_free(t);
}

/* `nohup difelus DB [ARG] 2>journal` in a terminal: started by a shell that ignores
 * SIGHUP, stderr into a file beside the database (its path in errfile). */
static struct term *start_nohup(const char *db, const char *arg, char *errfile, size_t len)
{
    char cmd[16384], bin[4200];
    snprintf(errfile, len, "%.*s/journal", (int)(strrchr(db, '/') - db - 5), db + 5);
    if (!realpath(harness_binary(), bin))
        fail_msg("%s introuvable", harness_binary());
    snprintf(cmd, sizeof cmd, "trap '' HUP; exec '%s' '%s' %s 2>'%s'", bin, db,
             arg ? arg : "", errfile);
    const char *saved = getenv("DIFELUS_BIN");
    char *was = saved ? strdup(saved) : NULL;
    setenv("DIFELUS_BIN", "/bin/sh", 1);
    struct term *t = term_start(24, 80, (const char *[]){"-c", cmd, NULL}, NULL);
    if (was)
        setenv("DIFELUS_BIN", was, 1);
    else
        unsetenv("DIFELUS_BIN");
    free(was);
    return t;
}

/* Item 5, while running: the terminal hangs up (the window closed, the ssh link dropped)
 * with a half-typed form. SIGHUP: exit 129; with SIGHUP ignored (nohup), the closed
 * terminal itself is noticed: exit 1 and a French message on stderr, no busy loop. The
 * typed text is in the draft either way. */
static void test_terminal_hangs_up(void **state)
{
    (void)state;
    if (getenv("DIFELUS_VALGRIND") && *getenv("DIFELUS_VALGRIND"))
        skip(); /* the wrapper shell below would run under valgrind instead */
    char db[4200];
    snprintf(db, sizeof db, "%s", fresh_db("e2e-term-hup"));
    struct term *t = start(24, 80, db, NULL);
    WAIT(t, "Accueil");
    term_send(t, "mn");
    WAIT(t, "nouveau mandat");
    term_send(t, "\tCommunauté de communes du Lodévois");
    WAIT(t, "du Lodévois");
    settle(t);
    term_hangup(t);
    assert_int_equal(term_wait_exit(t), 128 + SIGHUP);
    term_free(t);
    draft_is_back(db, "du Lodévois");

    /* nohup difelus 2>journal: no SIGHUP, only a terminal that reads nothing any more. */
    char errfile[4300];
    t = start_nohup(db, NULL, errfile, sizeof errfile);
    WAIT(t, "nouveau mandat");
    term_send(t, " Lodève");
    WAIT(t, "Lodévois Lodève");
    settle(t);
    term_hangup(t);
    assert_int_equal(term_wait_exit(t), 1);
    term_free(t);
    char *said = harness_read_file(errfile, NULL);
    assert_non_null(said);
    if (!harness_strstr(said, "le terminal a été fermé"))
        fail_msg("message sur la sortie d'erreur : « %s »", said);
    assert_non_null(harness_strstr(said, "ce que vous tapiez est gardé"));
    free(said);
    draft_is_back(db, "Lodévois Lodève");
}

/* Item 5, the line mode: its terminal hangs up. SIGHUP: 129; under nohup the read fails,
 * which is no end of a script: a French message on stderr and status 1, not « Fin de
 * l'entrée » and 0. */
static void test_line_mode_hangs_up(void **state)
{
    (void)state;
    if (getenv("DIFELUS_VALGRIND") && *getenv("DIFELUS_VALGRIND"))
        skip();
    char db[4200];
    snprintf(db, sizeof db, "%s", fresh_db("e2e-term-lines-hup"));
    struct term *t = term_start(24, 80, (const char *[]){db, "--lignes", NULL}, NULL);
    WAIT(t, "Votre choix [1] :");
    settle(t);
    term_hangup(t);
    assert_int_equal(term_wait_exit(t), 128 + SIGHUP);
    term_free(t);

    char errfile[4300];
    t = start_nohup(db, "--lignes", errfile, sizeof errfile);
    WAIT(t, "Votre choix [1] :");
    settle(t);
    term_hangup(t);
    assert_int_equal(term_wait_exit(t), 1);
    term_free(t);
    char *said = harness_read_file(errfile, NULL);
    assert_non_null(said);
    if (!harness_strstr(said, "lecture du clavier impossible"))
        fail_msg("message sur la sortie d'erreur : « %s »", said);
    assert_non_null(harness_strstr(said, "Tout ce que vous avez fait est enregistré"));
    free(said);
}

/* Item 6: LINES and COLUMNS left in the environment by another program (a shell that
 * exported them at another size): the wizard takes the terminal's real size. */
static void test_wrong_lines_columns_in_environment(void **state)
{
    (void)state;
    struct term *t = start(24, 80, fresh_db("e2e-term-env"),
                           (const char *[]){"LINES=10", "COLUMNS=40", NULL});
    WAIT(t, "Étapes faites : 0/6");
    assert_int_equal(term_find_row(t, "Terminal trop petit"), -1);
    term_resize(t, 30, 100);
    term_send(t, "1");
    WAIT(t, "Étape 1/6");
    quit_cleanly(t);

    t = start(24, 80, fresh_db("e2e-term-env-big"),
              (const char *[]){"LINES=50", "COLUMNS=200", NULL});
    WAIT(t, "Étapes faites : 0/6");
    settle(t);
    int row, col;
    term_cursor(t, &row, &col);
    assert_true(row < 24 && col < 80);
    assert_non_null(strstr(term_row(t, 0), "difelus")); /* the title bar ends at column 80 */
    quit_cleanly(t);
}

/* Item 6: the line mode in a terminal that is resized meanwhile goes on as before. */
static void test_resize_during_line_mode(void **state)
{
    (void)state;
    struct term *t = term_start(24, 80, (const char *[]){fresh_db("e2e-term-lines"), "--lignes",
                                                         NULL}, NULL);
    WAIT(t, "Votre choix [1] :");
    for (int i = 0; i < 50; i++)
        term_resize(t, storm_sizes[i % 10][0], storm_sizes[i % 10][1]);
    term_resize(t, 24, 80);
    term_send(t, "q\r");
    WAIT(t, "Tout est enregistré.");
    assert_int_equal(term_wait_exit(t), 0);
    assert_true(term_restored(t));
    term_free(t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_resize_storm_on_every_screen),
        cmocka_unit_test(test_tiny_windows),
        cmocka_unit_test(test_no_colour_terminals),
        cmocka_unit_test(test_unknown_or_limited_terminal),
        cmocka_unit_test(test_closed_keyboard_or_screen_at_start),
        cmocka_unit_test(test_terminal_hangs_up),
        cmocka_unit_test(test_line_mode_hangs_up),
        cmocka_unit_test(test_wrong_lines_columns_in_environment),
        cmocka_unit_test(test_resize_during_line_mode),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
