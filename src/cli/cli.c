/* The dispatcher of the command line: options, command lookup, usage errors, --help; all
 * from the table in commands.c, so that no command is named here. */
#include "cli/cli.h"

#include <getopt.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "difelus/paths.h"
#include "difelus/dates.h"
#include "difelus/text.h"
#include "difelus/version.h"

enum { HELP_WIDTH = 80, MAX_OPTIONS = 48, OPT_BASE = 256 };

/* Options of the program itself, valid with every command and with none. */
static const struct cli_option global_options[] = {
    {"db", "FICHIER", "base à utiliser (sinon la variable DIFELUS_DB, sinon "
                      "~/.local/share/difelus/difelus.db)"},
    {"lignes", NULL, "mode lignes pour lecteur d'écran ou plage braille : questions "
                     "numérotées, ligne à ligne (choisi aussi quand TERM=dumb)"},
    {"no-color", NULL, "sans couleurs (comme la variable NO_COLOR)"},
    {"help", NULL, "affiche cette aide"},
    {"version", NULL, "affiche la version"},
    {NULL, NULL, NULL},
};
enum { GLOBAL_DB, GLOBAL_LINES, GLOBAL_NO_COLOR, GLOBAL_HELP, GLOBAL_VERSION, GLOBAL_COUNT };

int cli_usage(const char *fmt, const char *arg)
{
    char clean[256];
    fputs("difelus\u00a0: ", stderr);
    text_fprintf(stderr, fmt, text_sanitize(clean, sizeof clean, arg ? arg : ""));
    fputs("\nTapez «\u00a0difelus --help\u00a0» pour voir les commandes et les options.\n",
          stderr);
    return CLI_USAGE;
}

/* Every option of the table once (the first declaration gives its help), globals first. */
struct option_set {
    const struct cli_option *opt[MAX_OPTIONS];
    size_t n;
};

static void collect_options(struct option_set *set)
{
    set->n = 0;
    for (const struct cli_option *o = global_options; o->name; o++)
        set->opt[set->n++] = o;
    for (size_t c = 0; cli_commands[c]; c++) {
        const struct cli_option *o = cli_commands[c]->options;
        for (; o && o->name; o++) {
            size_t i = 0;
            while (i < set->n && strcmp(set->opt[i]->name, o->name) != 0)
                i++;
            /* A table too long for the array is a programming error caught by the tests. */
            if (i == set->n && set->n < MAX_OPTIONS)
                set->opt[set->n++] = o;
        }
    }
}

static bool accepts(const struct cli_command *c, const char *option)
{
    for (const struct cli_option *o = c->options; o && o->name; o++)
        if (strcmp(o->name, option) == 0)
            return true;
    return false;
}

/* "catalogue chercher" or "statut". */
static void full_name(const struct cli_command *c, char *buf, size_t len)
{
    snprintf(buf, len, "%s%s%s", c->name, c->action ? " " : "", c->action ? c->action : "");
}

/* « statut », « echeances » ou « catalogue info »: the commands that take an option. */
static size_t owners(const char *option, bool quoted, char *buf, size_t len)
{
    size_t total = 0, seen = 0, used = 0;
    for (size_t c = 0; cli_commands[c]; c++)
        total += accepts(cli_commands[c], option);
    buf[0] = '\0';
    for (size_t c = 0; cli_commands[c] && used < len; c++) {
        if (!accepts(cli_commands[c], option))
            continue;
        char name[128];
        full_name(cli_commands[c], name, sizeof name);
        seen++;
        const char *sep = seen == 1 ? "" : seen == total ? " ou " : ", ";
        used += (size_t)snprintf(buf + used, len - used, quoted ? "%s« %s »" : "%s%s", sep,
                                 name);
    }
    return total;
}

/* Display width of the first n bytes of s. */
static int width_n(const char *s, size_t n)
{
    char tmp[512];
    if (n >= sizeof tmp)
        n = sizeof tmp - 1;
    memcpy(tmp, s, n);
    tmp[n] = '\0';
    return text_width(tmp);
}

/* Whether a line may break at the space at p: not inside brackets (an option stays with
 * its value), not before a French high punctuation nor after « (they go with their word). */
static bool break_ok(const char *text, const char *p, int depth)
{
    if (depth > 0)
        return false;
    if (strchr(":;!?", p[1]) && p[1] && (p[2] == ' ' || p[2] == '\0'))
        return false;
    if (strncmp(p + 1, "»", strlen("»")) == 0)
        return false;
    return !(p - text >= 2 && strncmp(p - 2, "«", strlen("«")) == 0);
}

/* Writes text from column *col, wrapping before HELP_WIDTH and indenting continuation
 * lines; *first says that nothing is written on the current line yet. */
static void wrap(FILE *out, const char *text, int *col, int indent, bool first)
{
    const char *p = text;
    while (*p) {
        const char *end = p;
        int depth = 0;
        while (*end && (*end != ' ' || !break_ok(text, end, depth))) {
            depth += *end == '[' ? 1 : *end == ']' ? -1 : 0;
            end++;
        }
        int w = width_n(p, (size_t)(end - p));
        if (!first && *col + 1 + w > HELP_WIDTH) {
            fprintf(out, "\n%*s", indent, "");
            *col = indent;
        } else if (!first) {
            fputc(' ', out);
            (*col)++;
        }
        first = false;
        fwrite(p, 1, (size_t)(end - p), out);
        *col += w;
        p = *end ? end + 1 : end;
    }
}

/* "  left" then the help at column `at` (on the next line when left is too wide). */
static void help_line(FILE *out, const char *left, int left_indent, const char *help, int at)
{
    int col = 0;
    fputs("  ", out);
    col = 2;
    wrap(out, left, &col, left_indent, true);
    if (col + 2 > at) {
        fputc('\n', out);
        col = 0;
    }
    fprintf(out, "%*s", at - col, "");
    col = at;
    char typeset[1024]; /* the spaces French typography glues become U+00A0 (DESIGN §7) */
    snprintf(typeset, sizeof typeset, "%s", help);
    wrap(out, text_typeset(typeset, sizeof typeset), &col, at, true);
    fputc('\n', out);
}

static void option_left(const struct cli_option *o, char *buf, size_t len)
{
    const char *shorts = strcmp(o->name, "help") == 0      ? "-h, "
                         : strcmp(o->name, "version") == 0 ? "-V, "
                                                           : "";
    snprintf(buf, len, "%s--%s%s%s", shorts, o->name, o->value ? " " : "",
             o->value ? o->value : "");
}

void cli_print_help(FILE *out)
{
    fputs("Usage\u00a0: difelus [OPTIONS] [COMMANDE]\n"
          "\n"
          "Assistant d'inscription aux formations des élus (DIF élu), Mon Compte Formation.\n"
          "Sans commande, difelus ouvre l'assistant plein écran\u00a0; avec --lignes, le même\n"
          "assistant ligne à ligne, pour lecteur d'écran ou plage braille.\n"
          "\n"
          "Commandes\u00a0:\n",
          out);
    for (size_t c = 0; cli_commands[c]; c++) {
        const struct cli_command *cmd = cli_commands[c];
        char name[128], left[512];
        full_name(cmd, name, sizeof name);
        snprintf(left, sizeof left, "%s%s%s", name, cmd->args ? " " : "",
                 cmd->args ? cmd->args : "");
        help_line(out, left, 2 + text_width(name) + 1, cmd->help, 28);
    }
    fputs("\nOptions\u00a0:\n", out);
    struct option_set set;
    collect_options(&set);
    int at = 0;
    char left[256], help[512], who[256];
    for (size_t i = 0; i < set.n; i++) {
        option_left(set.opt[i], left, sizeof left);
        int w = 2 + text_width(left) + 2;
        at = w > at ? w : at;
    }
    at = at > 30 ? 30 : at;
    /* --db, the options of the commands, then --lignes, --no-color, --help and --version. */
    for (size_t k = 0; k < set.n; k++) {
        size_t i = k == 0                      ? GLOBAL_DB
                   : k < set.n - GLOBAL_COUNT + 1 ? k + GLOBAL_COUNT - 1
                                                  : k - (set.n - GLOBAL_COUNT);
        option_left(set.opt[i], left, sizeof left);
        if (i < GLOBAL_COUNT) {
            snprintf(help, sizeof help, "%s", set.opt[i]->help);
        } else {
            owners(set.opt[i]->name, false, who, sizeof who);
            snprintf(help, sizeof help, "avec %s : %s", who, set.opt[i]->help);
        }
        help_line(out, left, 4, help, at);
    }
    fputs("\nDans l'assistant, «\u00a0?\u00a0» affiche l'aide et les touches\u00a0; «\u00a0q\u00a0» "
          "quitte.\n", out);
}

const char *cli_value(const struct cli_call *call, const char *option)
{
    struct option_set set;
    collect_options(&set);
    for (size_t i = 0; i < set.n; i++)
        if (strcmp(set.opt[i]->name, option) == 0)
            return call->values[i];
    return NULL;
}

store *cli_open_store(const char *db_option, char *path, size_t pathlen)
{
    char err[1024];
    if (paths_database(db_option, path, pathlen, err, sizeof err) != 0) {
        text_fprintf(stderr, "difelus : %s\n", err);
        return NULL;
    }
    store *st = store_open(path, err, sizeof err);
    if (!st)
        text_fprintf(stderr, "difelus : %s\n", err);
    return st;
}

/* Whether the official can write the base and its folder (for the -wal and -shm). */
static bool base_writable(const char *path)
{
    char folder[4096];
    const char *slash = strrchr(path, '/');
    if (!slash)
        snprintf(folder, sizeof folder, ".");
    else if (slash == path)
        snprintf(folder, sizeof folder, "/");
    else
        snprintf(folder, sizeof folder, "%.*s", (int)(slash - path), path);
    return access(path, W_OK) == 0 && access(folder, W_OK) == 0;
}

/* For a command that only reads: a base the official cannot write is opened read-only, so
 * that what is saved can still be shown; the reason is said on stderr (stdout may be JSON). */
static store *open_store_to_read(const char *db_option, char *path, size_t pathlen)
{
    char err[4096], err_ro[4096];
    if (paths_database(db_option, path, pathlen, err, sizeof err) != 0) {
        text_fprintf(stderr, "difelus : %s\n", err);
        return NULL;
    }
    store *st = store_open(path, err, sizeof err);
    if (st)
        return st;
    if (access(path, R_OK) != 0 || base_writable(path)) {
        text_fprintf(stderr, "difelus : %s\n", err);
        return NULL;
    }
    st = store_open_read_only(path, err_ro, sizeof err_ro);
    if (!st) {
        text_fprintf(stderr, "difelus : %s\n", err_ro);
        return NULL;
    }
    text_fprintf(stderr, "difelus : la base « %s » est en lecture seule pour vous : voici ce qui "
                         "y est enregistré, sans rien y changer.\n", path);
    return st;
}

/* "statut, echeances, calendrier, catalogue, reglage": each first word once. */
static void command_names(char *buf, size_t len)
{
    size_t used = 0;
    buf[0] = '\0';
    for (size_t c = 0; cli_commands[c] && used < len; c++) {
        bool again = false;
        for (size_t d = 0; d < c; d++)
            again |= strcmp(cli_commands[d]->name, cli_commands[c]->name) == 0;
        if (!again)
            used += (size_t)snprintf(buf + used, len - used, "%s%s", used ? ", " : "",
                                     cli_commands[c]->name);
    }
}

/* "importer, synchroniser, chercher ou info": the actions of a grouped command. */
static void action_names(const char *name, char *buf, size_t len)
{
    size_t total = 0, seen = 0, used = 0;
    for (size_t c = 0; cli_commands[c]; c++)
        total += strcmp(cli_commands[c]->name, name) == 0;
    buf[0] = '\0';
    for (size_t c = 0; cli_commands[c] && used < len; c++) {
        if (strcmp(cli_commands[c]->name, name) != 0)
            continue;
        seen++;
        used += (size_t)snprintf(buf + used, len - used, "%s%s",
                                 seen == 1 ? "" : seen == total ? " ou " : ", ",
                                 cli_commands[c]->action);
    }
}

/* The command named by words[0] (and words[1] for grouped commands); NULL after a usage
 * message. *used is the number of words of its name. */
static const struct cli_command *find_command(int n, char **words, int *used, int *rc)
{
    const struct cli_command *group = NULL;
    for (size_t c = 0; cli_commands[c]; c++) {
        const struct cli_command *cmd = cli_commands[c];
        if (strcmp(cmd->name, words[0]) != 0 && !(cmd->alias && strcmp(cmd->alias, words[0]) == 0))
            continue;
        if (!cmd->action) {
            *used = 1;
            return cmd;
        }
        group = cmd;
        if (n > 1 && strcmp(cmd->action, words[1]) == 0) {
            *used = 2;
            return cmd;
        }
    }
    char list[512], msg[1024];
    if (group) {
        action_names(group->name, list, sizeof list);
        if (n < 2)
            snprintf(msg, sizeof msg, "« %s » attend une action : %s.%%s", group->name, list);
        else
            snprintf(msg, sizeof msg, "action inconnue « %%s » : %s.", list);
        *rc = cli_usage(msg, n < 2 ? "" : words[1]);
        return NULL;
    }
    command_names(list, sizeof list);
    snprintf(msg, sizeof msg, "commande inconnue « %%s ». Commandes : %s.", list);
    *rc = cli_usage(msg, words[0]);
    return NULL;
}

static int wrong_count(const struct cli_command *cmd, int argc, char **argv)
{
    char name[128], msg[1024];
    full_name(cmd, name, sizeof name);
    if (cmd->max_args == 0 || !cmd->args_hint) {
        snprintf(msg, sizeof msg, "« %s » ne prend pas d'argument (reçu « %%s »).", name);
        return cli_usage(msg, argv[0]);
    }
    if (cmd->max_args >= 0 && argc > cmd->max_args) {
        snprintf(msg, sizeof msg, "« %s » %s (en trop : « %%s »).", name, cmd->args_hint);
        return cli_usage(msg, argv[cmd->max_args]);
    }
    snprintf(msg, sizeof msg, "« %s » %s.%%s", name, cmd->args_hint);
    return cli_usage(msg, "");
}

int cli_main(int argc, char **argv,
             int (*wizard)(const char *db_option, bool color, bool lines))
{
    struct option_set set;
    collect_options(&set);
    struct option longopts[MAX_OPTIONS + 1];
    for (size_t i = 0; i < set.n; i++)
        longopts[i] = (struct option){set.opt[i]->name,
                                      set.opt[i]->value ? required_argument : no_argument, NULL,
                                      OPT_BASE + (int)i};
    longopts[set.n] = (struct option){NULL, 0, NULL, 0};

    const char *values[MAX_OPTIONS] = {NULL};
    bool color = getenv("NO_COLOR") == NULL || getenv("NO_COLOR")[0] == '\0';
    /* A mistyped fixed date must not silently give another day's deadlines. */
    const char *today_problem = dates_today_problem();
    if (today_problem)
        text_fprintf(stderr, "difelus : attention, %s\n", today_problem);
    opterr = 0;
    int c;
    while ((c = getopt_long(argc, argv, ":hV", longopts, NULL)) != -1) {
        if (c == 'h' || c == OPT_BASE + GLOBAL_HELP) {
            cli_print_help(stdout);
            return EXIT_SUCCESS;
        }
        if (c == 'V' || c == OPT_BASE + GLOBAL_VERSION) {
            text_fprintf(stdout, "difelus %s — assistant d'inscription aux formations des élus\n",
                   DIFELUS_VERSION);
            return EXIT_SUCCESS;
        }
        if (c == ':')
            return cli_usage("l'option « %s » attend une valeur.", argv[optind - 1]);
        if (c < OPT_BASE || c >= OPT_BASE + (int)set.n)
            return cli_usage("option inconnue « %s ».", argv[optind - 1]);
        if (c == OPT_BASE + GLOBAL_DB && optarg[0] == '\0')
            return cli_usage("l'option --db attend un nom de fichier non vide.%s", "");
        if (c == OPT_BASE + GLOBAL_NO_COLOR)
            color = false;
        values[c - OPT_BASE] = optarg ? optarg : "";
    }
    const char *db_option = values[GLOBAL_DB];
    char who[512], msg[1024];

    if (optind >= argc) {
        for (size_t i = GLOBAL_COUNT; i < set.n; i++) {
            if (!values[i])
                continue;
            owners(set.opt[i]->name, true, who, sizeof who);
            snprintf(msg, sizeof msg, "l'option --%s ne s'emploie qu'avec une commande : %s.%%s",
                     set.opt[i]->name, who);
            return cli_usage(msg, "");
        }
        return wizard(db_option, color, values[GLOBAL_LINES] != NULL);
    }

    int rc = CLI_USAGE, words = 0;
    const struct cli_command *cmd = find_command(argc - optind, argv + optind, &words, &rc);
    if (!cmd)
        return rc;
    char name[128];
    full_name(cmd, name, sizeof name);
    if (values[GLOBAL_LINES])
        return cli_usage("l'option --lignes ouvre l'assistant en mode lignes : elle s'emploie "
                         "sans commande (reçu « %s »).", name);
    for (size_t i = GLOBAL_COUNT; i < set.n; i++) {
        if (!values[i] || accepts(cmd, set.opt[i]->name))
            continue;
        size_t n = owners(set.opt[i]->name, true, who, sizeof who);
        snprintf(msg, sizeof msg, "l'option --%s %s %s, pas avec « %%s ».", set.opt[i]->name,
                 n == 1 ? "ne s'emploie qu'avec" : "s'emploie avec", who);
        return cli_usage(msg, name);
    }
    struct cli_call call = {.argc = argc - optind - words, .argv = argv + optind + words,
                            .values = values};
    if (call.argc < cmd->min_args || (cmd->max_args >= 0 && call.argc > cmd->max_args))
        return wrong_count(cmd, call.argc, call.argv);
    if (cmd->check && (rc = cmd->check(&call)) != 0)
        return rc;
    if (cmd->flags & CLI_NO_STORE)
        return cmd->run(&call);

    char path[4096];
    call.st = cmd->flags & CLI_READS_ONLY ? open_store_to_read(db_option, path, sizeof path)
                                          : cli_open_store(db_option, path, sizeof path);
    if (!call.st)
        return EXIT_FAILURE;
    call.path = path;
    rc = cmd->run(&call);
    store_close(call.st);
    return rc;
}
