/* The command table is the command line: `--help` lists exactly its commands with their
 * help lines and options, within 80 columns; an option given to a command that does not
 * declare it is refused in French (exit 2) before the database is touched. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cli/cli.h"
#include "difelus/text.h"
#include "harness.h"

/* Runs of spaces and newlines become one space, so that a wrapped line compares whole. */
static void squeeze(char *s)
{
    char *w = s;
    bool space = false;
    for (const char *r = s; *r; r++) {
        if (*r == ' ' || *r == '\n') {
            space = w != s;
            continue;
        }
        if (space)
            *w++ = ' ';
        space = false;
        *w++ = *r;
    }
    *w = '\0';
}

/* The lines of `out` from the one after `title` to the next empty line (malloc'ed). */
static char *section(const char *out, const char *title)
{
    const char *start = harness_strstr(out, title);
    assert_non_null(start);
    start = strchr(start, '\n') + 1;
    const char *end = harness_strstr(start, "\n\n");
    assert_non_null(end);
    char *s = strndup(start, (size_t)(end - start) + 1);
    assert_non_null(s);
    return s;
}

static size_t table_size(void)
{
    size_t n = 0;
    while (cli_commands[n])
        n++;
    return n;
}

static char *help_output(void)
{
    struct run_result r;
    harness_run(&r, (const char *[]){"--help", NULL}, NULL);
    assert_int_equal(r.status, 0);
    assert_string_equal(r.err, "");
    char *out = strdup(r.out);
    harness_run_free(&r);
    return out;
}

static void test_help_lists_exactly_the_table(void **state)
{
    (void)state;
    char *out = help_output();
    char *commands = section(out, "Commandes :\n");
    /* An entry starts at two spaces then a letter; its wrapped lines are indented more. */
    size_t n = table_size(), seen = 0;
    char *line = commands;
    while (*line) {
        char *next = strchr(line, '\n');
        assert_non_null(next);
        char *end = next + 1;
        while (strncmp(end, "   ", 3) == 0)
            end = strchr(end, '\n') + 1;
        assert_true(line[0] == ' ' && line[1] == ' ' && line[2] != ' ');
        if (seen >= n)
            fail_msg("« --help » liste une commande de plus que la table : %.*s",
                     (int)(next - line), line);
        const struct cli_command *c = cli_commands[seen];
        char want[1024], got[1024];
        snprintf(want, sizeof want, "%s%s%s%s%s %s", c->name, c->action ? " " : "",
                 c->action ? c->action : "", c->args ? " " : "", c->args ? c->args : "",
                 c->help);
        snprintf(got, sizeof got, "%.*s", (int)(end - line), line);
        squeeze(want);
        squeeze(got);
        assert_string_equal(got, want);
        seen++;
        line = end;
    }
    assert_int_equal(seen, n);
    free(commands);
    free(out);
}

static void test_help_lists_every_option_with_its_commands(void **state)
{
    (void)state;
    char *out = help_output();
    char *options = section(out, "Options :\n");
    squeeze(options);
    for (size_t c = 0; cli_commands[c]; c++) {
        const struct cli_command *cmd = cli_commands[c];
        for (const struct cli_option *o = cmd->options; o && o->name; o++) {
            /* An option shared by several commands takes a value in all or in none: one
             * getopt_long entry serves them all. */
            for (size_t d = 0; cli_commands[d]; d++)
                for (const struct cli_option *p = cli_commands[d]->options; p && p->name; p++)
                    if (strcmp(p->name, o->name) == 0 && !p->value != !o->value)
                        fail_msg("--%s prend une valeur dans une commande, pas dans une autre",
                                 o->name);
            char flag[128], owner[128];
            snprintf(flag, sizeof flag, "--%s%s%s ", o->name, o->value ? " " : "",
                     o->value ? o->value : "");
            const char *at = harness_strstr(options, flag);
            if (!at)
                fail_msg("« %s » manque dans les options de « --help »", flag);
            assert_null(harness_strstr(at + 1, flag)); /* listed once, even when shared */
            /* Its line names the command it belongs to. */
            snprintf(owner, sizeof owner, "%s%s%s", cmd->name, cmd->action ? " " : "",
                     cmd->action ? cmd->action : "");
            const char *next = harness_strstr(at + strlen(flag), " --");
            const char *found = harness_strstr(at, owner);
            if (!found || (next && found > next))
                fail_msg("l'aide de « %s » ne dit pas qu'elle va avec « %s »", flag, owner);
        }
    }
    free(options);
    free(out);
}

static void test_help_fits_80_columns(void **state)
{
    (void)state;
    char *out = help_output();
    for (char *line = strtok(out, "\n"); line; line = strtok(NULL, "\n"))
        if (text_width(line) > 80)
            fail_msg("ligne de %d colonnes : « %s »", text_width(line), line);
    free(out);
}

static bool accepts(const struct cli_command *c, const char *option)
{
    for (const struct cli_option *o = c->options; o && o->name; o++)
        if (strcmp(o->name, option) == 0)
            return true;
    return false;
}

/* Every option of every command, given to each command that does not declare it: exit 2,
 * a French message naming the command, the pointer to --help, no output, no database. */
static void test_option_of_another_command_is_refused(void **state)
{
    (void)state;
    char db[4200], dbopt[4300];
    snprintf(db, sizeof db, "%s/difelus.db", harness_tmpdir("cli-table"));
    snprintf(dbopt, sizeof dbopt, "--db=%s", db);
    size_t refused = 0;
    for (size_t c = 0; cli_commands[c]; c++) {
        const struct cli_command *cmd = cli_commands[c];
        for (size_t d = 0; cli_commands[d]; d++) {
            for (const struct cli_option *o = cli_commands[d]->options; o && o->name; o++) {
                if (accepts(cmd, o->name))
                    continue;
                char flag[128], name[128], expect[256];
                snprintf(flag, sizeof flag, "--%s", o->name);
                snprintf(name, sizeof name, "%s%s%s", cmd->name, cmd->action ? " " : "",
                         cmd->action ? cmd->action : "");
                snprintf(expect, sizeof expect, "l'option %s ", flag);
                const char *args[8] = {dbopt, cmd->name};
                int k = 2;
                if (cmd->action)
                    args[k++] = cmd->action;
                args[k++] = "budget communal de la commune de Saint-Étienne-de-Lugdarès";
                args[k++] = flag;
                if (o->value)
                    args[k++] = "03/12/2026";
                struct run_result r;
                harness_run(&r, args, NULL);
                char pas[256];
                snprintf(pas, sizeof pas, "pas avec « %s »", name);
                if (r.status != 2 || !harness_strstr(r.err, expect) || !harness_strstr(r.err, pas) ||
                    !harness_strstr(r.err, "s'emploie") || !harness_strstr(r.err, "difelus --help") ||
                    r.out[0] != '\0')
                    fail_msg("« %s %s » : code %d, « %s »", name, flag, r.status, r.err);
                harness_run_free(&r);
                refused++;
            }
        }
    }
    assert_true(refused > 0);
    struct stat sb;
    assert_int_not_equal(stat(db, &sb), 0); /* refused before the database was created */

    /* The messages name where the option goes. */
    struct run_result r;
    harness_run(&r, (const char *[]){"calendrier", "agenda.ics", "--demande", "03/12/2026", NULL},
                NULL);
    assert_int_equal(r.status, 2);
    assert_non_null(harness_strstr(r.err, "l'option --demande ne s'emploie qu'avec « echeances », pas "
                                  "avec « calendrier »."));
    harness_run_free(&r);
    harness_run(&r, (const char *[]){"catalogue", "importer", "formations.csv", "--json", NULL},
                NULL);
    assert_int_equal(r.status, 2);
    assert_non_null(harness_strstr(r.err, "l'option --json s'emploie avec « statut », « echeances », "
                                  "« catalogue chercher » ou « catalogue info », pas avec "
                                  "« catalogue importer »."));
    harness_run_free(&r);
}

/* Without a command the wizard would start and ignore it: refused, naming the commands. */
static void test_command_option_without_command_is_refused(void **state)
{
    (void)state;
    for (size_t c = 0; cli_commands[c]; c++) {
        for (const struct cli_option *o = cli_commands[c]->options; o && o->name; o++) {
            char flag[128];
            snprintf(flag, sizeof flag, "--%s", o->name);
            const char *args[] = {flag, o->value ? "03/12/2026" : NULL, NULL};
            struct run_result r;
            harness_run(&r, args, NULL);
            if (r.status != 2 || !harness_strstr(r.err, "ne s'emploie qu'avec une commande") ||
                !harness_strstr(r.err, flag) || r.out[0] != '\0')
                fail_msg("« %s » seul : code %d, « %s »", flag, r.status, r.err);
            harness_run_free(&r);
        }
    }
    struct run_result r;
    harness_run(&r, (const char *[]){"--url", "https://miroir.example.fr", NULL}, NULL);
    assert_non_null(harness_strstr(r.err, "l'option --url ne s'emploie qu'avec une commande : "
                                  "« catalogue synchroniser »."));
    harness_run_free(&r);
}

/* Unknown commands and actions list what the table holds. */
static void test_unknown_names_list_the_table(void **state)
{
    (void)state;
    struct run_result r;
    harness_run(&r, (const char *[]){"inscrire", NULL}, NULL);
    assert_int_equal(r.status, 2);
    assert_non_null(harness_strstr(r.err, "commande inconnue « inscrire ». Commandes : statut, "
                                  "echeances, calendrier, catalogue, reglage, relais, assister."));
    harness_run_free(&r);
    harness_run(&r, (const char *[]){"catalogue", "ranger", NULL}, NULL);
    assert_int_equal(r.status, 2);
    assert_non_null(harness_strstr(r.err, "action inconnue « ranger » : importer, synchroniser, "
                                  "chercher ou info."));
    harness_run_free(&r);
    /* The other spellings of the table reach the same command. */
    harness_run(&r, (const char *[]){"échéances", "--demande", "22/12/2026", NULL}, NULL);
    assert_int_equal(r.status, 0);
    assert_non_null(harness_strstr(r.out, "au plus tard le jeudi 24 décembre 2026"));
    harness_run_free(&r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_help_lists_exactly_the_table),
        cmocka_unit_test(test_help_lists_every_option_with_its_commands),
        cmocka_unit_test(test_help_fits_80_columns),
        cmocka_unit_test(test_option_of_another_command_is_refused),
        cmocka_unit_test(test_command_option_without_command_is_refused),
        cmocka_unit_test(test_unknown_names_list_the_table),
    };
    return cmocka_run_group_tests_name("cli_table", tests, NULL, NULL);
}
