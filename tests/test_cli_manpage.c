/* The manual page difelus.1: `man --warnings` (and groff's every warning) stays silent,
 * and the page, as man renders it, names every command of the table, every option
 * (`difelus --help` and `difelus-relais --help`), every function key the screens read and
 * every environment variable the sources read. A command, option, key or variable added
 * without its line in the page fails here. Comments of the page do not count: a
 * placeholder is not documentation. */
#include <ctype.h>
#include <ftw.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include "cli/cli.h"
#include "harness.h"

#define PAGE "difelus.1"

/* Runs a shell command; its output (stdout and whatever the command redirects there),
 * malloc'ed; *status its exit status. */
static char *run_shell(const char *cmd, int *status)
{
    FILE *p = popen(cmd, "r");
    assert_non_null(p);
    size_t cap = 1 << 16, n = 0;
    char *buf = malloc(cap);
    assert_non_null(buf);
    size_t got;
    while ((got = fread(buf + n, 1, cap - n - 1, p)) > 0) {
        n += got;
        if (cap - n < 2) {
            cap *= 2;
            buf = realloc(buf, cap);
            assert_non_null(buf);
        }
    }
    buf[n] = '\0';
    int rc = pclose(p);
    *status = WIFEXITED(rc) ? WEXITSTATUS(rc) : 128 + WTERMSIG(rc);
    return buf;
}

static void page_exists(void)
{
    char *text = harness_read_file(PAGE, NULL);
    if (!text)
        fail_msg("%s est introuvable (les tests tournent depuis la racine du dépôt)", PAGE);
    free(text);
}

/* Every run of spaces, newlines and U+00A0 becomes one space: a name wrapped or typeset
 * (« --relais URL ») is found whole. */
static void squeeze(char *s)
{
    char *w = s;
    bool space = false;
    for (const char *r = s; *r;) {
        size_t nbsp = strncmp(r, "\u00a0", 2) == 0 ? 2 : 0;
        if (*r == ' ' || *r == '\n' || *r == '\t' || nbsp) {
            space = w != s;
            r += nbsp ? nbsp : 1;
            continue;
        }
        if (space)
            *w++ = ' ';
        space = false;
        *w++ = *r++;
    }
    *w = '\0';
}

/* The page as a reader sees it, on one very wide terminal, without formatting. */
static char *rendered(void)
{
    page_exists();
    int status;
    char *out = run_shell("LC_ALL=C.UTF-8 MANWIDTH=1000 MANPAGER=cat PAGER=cat MANROFFSEQ='' "
                          "man -E UTF-8 -l " PAGE " 2>&1",
                          &status);
    if (status != 0)
        fail_msg("man -l %s a échoué (code %d) : %s", PAGE, status, out);
    squeeze(out);
    return out;
}

/* Whether word occurs in text with no letter, digit, '_' or '-' glued to either side
 * (F1 is not found inside F10, DIFELUS_RELAIS not inside DIFELUS_RELAIS_CA). */
static bool has_word(const char *text, const char *word)
{
    size_t n = strlen(word);
    for (const char *p = strstr(text, word); p; p = strstr(p + 1, word)) {
        unsigned char before = p > text ? (unsigned char)p[-1] : ' ';
        unsigned char after = (unsigned char)p[n];
        bool glued_before = isalnum(before) || before == '_' || before == '-';
        bool glued_after = isalnum(after) || after == '_' || (after == '-' && isalnum((unsigned char)p[n + 1]));
        if (!glued_before && !glued_after)
            return true;
    }
    return false;
}

static int missing;

static void expect(const char *page, const char *word, const char *what)
{
    if (has_word(page, word))
        return;
    print_error("%s « %s » n'est pas dans %s\n", what, word, PAGE);
    missing++;
}

static void test_man_warnings(void **state)
{
    (void)state;
    page_exists();
    int status;
    /* stderr only: the rendered page goes to /dev/null. */
    char *err = run_shell("LC_ALL=C.UTF-8 MANROFFSEQ='' MANPAGER=cat PAGER=cat "
                          "man --warnings -E UTF-8 -l " PAGE " 2>&1 >/dev/null",
                          &status);
    if (status != 0 || err[0])
        fail_msg("man --warnings : code %d, avertissements :\n%s", status, err);
    free(err);
    /* Every warning of groff, with its UTF-8 reader (a glyph the terminal cannot show). */
    err = run_shell("LC_ALL=C.UTF-8 groff -k -man -ww -z " PAGE " 2>&1", &status);
    if (status != 0 || err[0])
        fail_msg("groff -ww : code %d, avertissements :\n%s", status, err);
    free(err);
}

static void test_man_sections(void **state)
{
    (void)state;
    char *page = rendered();
    static const char *const sections[] = {
        "NOM",      "SYNOPSIS",        "DESCRIPTION", "COMMANDES",        "OPTIONS",
        "TOUCHES",  "PARTAGE D'ÉCRAN", "FICHIERS",    "ENVIRONNEMENT",    "CODES DE RETOUR",
        "EXEMPLES", "VOIR AUSSI",
    };
    /* In order, each a heading of its own. */
    const char *at = page;
    for (size_t i = 0; i < sizeof sections / sizeof sections[0]; i++) {
        char heading[64];
        snprintf(heading, sizeof heading, " %s ", sections[i]);
        const char *found = strstr(at, heading);
        if (!found)
            fail_msg("la section %s manque (ou n'est pas à sa place) dans %s", sections[i],
                     PAGE);
        at = found + strlen(heading);
    }
    /* The files of README's « Fichiers », and the exit statuses. */
    static const char *const words[] = {"difelus.db", "catalogue.db", "relais.db", "agents.db",
                                        "difelus-telecharger", "difelus-partage",
                                        "difelus-relais", "128+n", "130", "143"};
    missing = 0;
    for (size_t i = 0; i < sizeof words / sizeof words[0]; i++)
        expect(page, words[i], "le mot");
    free(page);
    assert_int_equal(missing, 0);
}

/* Every command of the table (« catalogue importer »), and its other spelling. */
static void test_man_commands(void **state)
{
    (void)state;
    char *page = rendered();
    missing = 0;
    for (size_t c = 0; cli_commands[c]; c++) {
        const struct cli_command *cmd = cli_commands[c];
        char name[256];
        snprintf(name, sizeof name, "%s%s%s", cmd->name, cmd->action ? " " : "",
                 cmd->action ? cmd->action : "");
        expect(page, name, "la commande");
        if (cmd->alias)
            expect(page, cmd->alias, "l'autre orthographe");
        for (const struct cli_option *o = cmd->options; o && o->name; o++) {
            char opt[128];
            snprintf(opt, sizeof opt, "--%s", o->name);
            expect(page, opt, "l'option");
        }
    }
    free(page);
    assert_int_equal(missing, 0);
}

/* Each "-x" and "--word" of a help text: the options of the program itself (--db,
 * --no-color…, declared in cli.c) come from `difelus --help`. */
static void expect_options_of(const char *page, const char *help, const char *whose)
{
    int found = 0;
    for (const char *p = help; *p; p++) {
        if (*p != '-' || (p > help && (isalnum((unsigned char)p[-1]) || p[-1] == '-')))
            continue;
        size_t n = 1 + (p[1] == '-');
        if (!islower((unsigned char)p[n]) && !isupper((unsigned char)p[n]))
            continue;
        while (isalnum((unsigned char)p[n]) || (p[n] == '-' && isalnum((unsigned char)p[n + 1])))
            n++;
        char opt[64];
        snprintf(opt, sizeof opt, "%.*s", (int)n, p);
        if (n == 2 || opt[1] == '-') {
            expect(page, opt, whose);
            found++;
        }
        p += n - 1;
    }
    assert_true(found >= 4);
}

static void test_man_options(void **state)
{
    (void)state;
    char *page = rendered();
    missing = 0;
    char *help = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&help, &len);
    assert_non_null(f);
    cli_print_help(f);
    fclose(f);
    expect_options_of(page, help, "l'option de « difelus --help »");
    free(help);

    /* The relay's own options and actions, from its --help. */
    const char *build = getenv("BUILD");
    char cmd[4200];
    snprintf(cmd, sizeof cmd, "'%s/libexec/difelus/difelus-relais' --help 2>&1",
             build && *build ? build : "build");
    int status;
    char *relay = run_shell(cmd, &status);
    assert_int_equal(status, 0);
    expect_options_of(page, relay, "l'option du relais");
    int actions = 0;
    for (const char *p = strstr(relay, "difelus relais "); p;
         p = strstr(p + 1, "difelus relais ")) {
        const char *w = p + strlen("difelus relais ");
        if (*w == '[' || *w == '-')
            continue;
        char action[64];
        snprintf(action, sizeof action, "%.*s", (int)strcspn(w, " \n"), w);
        expect(page, action, "l'action du relais");
        actions++;
    }
    assert_int_equal(actions, 4);
    free(relay);
    free(page);
    assert_int_equal(missing, 0);
}

/* ---- what the sources read: environment variables, function keys ---- */

struct scan {
    const char *page;
    int env, fkeys;
};
static struct scan *scan;

/* "NAME" right after `getenv(` (secure_getenv too), and every "DIFELUS_…" literal: some
 * are read through a helper (env_seconds("DIFELUS_RELAIS_ATTENTE", 25)). */
static void scan_env(const char *src, const char *file)
{
    for (const char *p = strchr(src, '"'); p; p = strchr(p + 1, '"')) {
        const char *s = p + 1;
        size_t n = 0;
        while (isupper((unsigned char)s[n]) || isdigit((unsigned char)s[n]) || s[n] == '_')
            n++;
        if (n == 0 || s[n] != '"')
            continue;
        const char *call = p;
        while (call > src && call[-1] == ' ')
            call--;
        bool by_getenv = call - src >= 7 && strncmp(call - 7, "getenv(", 7) == 0;
        if (!by_getenv && strncmp(s, "DIFELUS_", 8) != 0)
            continue;
        char name[128], what[4200];
        snprintf(name, sizeof name, "%.*s", (int)n, s);
        snprintf(what, sizeof what, "la variable d'environnement (lue dans %s)", file);
        expect(scan->page, name, what);
        scan->env++;
        p = s + n;
    }
}

/* KEY_F(n) read by a screen: "Fn" must be in the page. */
static void scan_fkeys(const char *src, const char *file)
{
    for (const char *p = strstr(src, "KEY_F("); p; p = strstr(p + 1, "KEY_F(")) {
        char *end;
        long n = strtol(p + 6, &end, 10);
        const char *op = p;
        while (op > src && op[-1] == ' ')
            op--;
        bool bound = op - src >= 2 && (op[-2] == '<' || op[-2] == '>') && op[-1] == '=';
        if (end == p + 6 || *end != ')' || bound)
            continue; /* ch >= KEY_F(1) && ch <= KEY_F(12): a range, no key of its own */
        char key[16], what[4200];
        snprintf(key, sizeof key, "F%ld", n);
        snprintf(what, sizeof what, "la touche (lue dans %s)", file);
        expect(scan->page, key, what);
        scan->fkeys++;
    }
}

static int visit(const char *path, const struct stat *sb, int type, struct FTW *ftw)
{
    (void)sb;
    (void)ftw;
    size_t n = strlen(path);
    if (type != FTW_F || n < 3 || (strcmp(path + n - 2, ".c") != 0 && strcmp(path + n - 2, ".h") != 0))
        return 0;
    char *src = harness_read_file(path, NULL);
    assert_non_null(src);
    scan_env(src, path);
    if (strncmp(path, "screens/", 8) == 0 || strncmp(path, "src/tui/", 8) == 0)
        scan_fkeys(src, path);
    free(src);
    return 0;
}

static void test_man_environment_and_keys(void **state)
{
    (void)state;
    char *page = rendered();
    struct scan s = {.page = page};
    scan = &s;
    missing = 0;
    assert_int_equal(nftw("src", visit, 16, FTW_PHYS), 0);
    assert_int_equal(nftw("screens", visit, 16, FTW_PHYS), 0);
    /* The scan itself works: the variables and keys known today are seen. */
    assert_true(s.env >= 15);
    assert_true(s.fkeys >= 10);
    /* Read by the C library and ncurses rather than by a getenv of ours. */
    static const char *const more[] = {"LANG", "LC_ALL", "TERM", "NO_COLOR", "XDG_DATA_HOME",
                                       "HOME"};
    for (size_t i = 0; i < sizeof more / sizeof more[0]; i++)
        expect(page, more[i], "la variable d'environnement");
    free(page);
    assert_int_equal(missing, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_man_warnings),
        cmocka_unit_test(test_man_sections),
        cmocka_unit_test(test_man_commands),
        cmocka_unit_test(test_man_options),
        cmocka_unit_test(test_man_environment_and_keys),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
