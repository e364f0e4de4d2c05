/* The command line: a table of commands, like tmux's cmd_entry. Each command lives in its
 * own file src/cli/cmd_*.c and defines one `const struct cli_command`; src/cli/commands.c
 * lists them. The dispatcher (cli.c) parses the options of every command with one
 * getopt_long, refuses an option given to a command that does not declare it, checks the
 * number of arguments, opens the database and calls the handler; `--help` is printed from
 * the same table. */
#ifndef DIFELUS_CLI_H
#define DIFELUS_CLI_H

#include <stdbool.h>
#include <stdio.h>

#include "difelus/store.h"

enum { CLI_USAGE = 2 };

/* One option of a command: `--name` and, when it takes one, the name of its value. */
struct cli_option {
    const char *name;  /* without the leading "--" */
    const char *value; /* "DATE" for `--debut DATE`; NULL for a flag */
    const char *help;  /* one line, French, without final full stop */
};

/* Declared by every command that has a JSON output, so that its help reads the same. */
#define CLI_OPTION_JSON {"json", NULL, "sortie JSON"}

/* What a handler gets: its arguments (after the command's words), its options, and the
 * database, opened unless the command says it does without. */
struct cli_call {
    int argc;
    char **argv;
    store *st;        /* NULL in `check` and for CLI_NO_STORE commands */
    const char *path; /* the database's path when st is open */
    const char *const *values; /* internal: see cli_value */
};

enum cli_flags {
    CLI_NO_STORE = 1 << 0, /* never opens the database (`echeances`) */
    CLI_READS_ONLY = 1 << 1, /* only reads: opens a base it cannot write read-only (`statut`) */
};

struct cli_command {
    const char *name;   /* the first word: "statut", "catalogue" */
    const char *alias;  /* another spelling of the first word ("échéances"), or NULL */
    const char *action; /* the second word for grouped commands ("importer"), or NULL */
    const char *args;   /* synopsis of the arguments, shown in --help, or NULL */
    const char *help;   /* one line for --help */
    const struct cli_option *options; /* ended by {NULL}; NULL when none */
    int min_args, max_args; /* max_args -1: no limit */
    /* Said after « name » when the number of arguments is wrong (too many: the first extra
     * one is added); NULL for commands without arguments. */
    const char *args_hint;
    int flags;
    /* Checks the arguments before the database is opened: 0, or CLI_USAGE after a message. */
    int (*check)(const struct cli_call *call);
    /* Runs the command: the exit status. */
    int (*run)(const struct cli_call *call);
};

/* The table, in the order of --help; ended by NULL. */
extern const struct cli_command *const cli_commands[];

/* The value of an option given to this command, "" for a flag, NULL when not given. */
const char *cli_value(const struct cli_call *call, const char *option);

/* Prints « difelus : <fmt with arg sanitized> » and the pointer to --help on stderr;
 * returns CLI_USAGE. */
int cli_usage(const char *fmt, const char *arg);

/* Opens the database named by --db (or DIFELUS_DB, or the default) and fills path; NULL
 * after a French message on stderr. */
store *cli_open_store(const char *db_option, char *path, size_t pathlen);

/* Prints the help generated from the table, at most 80 columns wide. */
void cli_print_help(FILE *out);

/* The support agent's wizard (`difelus assister`), set by main.c so that the command line
 * links without the screens; it returns the exit status, a French message in err. `notice`
 * (or "") is a warning to show inside the screen, where it is read. */
extern int (*cli_assist_wizard)(const char *relay_url, const char *token, const char *code,
                                const char *notice, bool color, char *err, size_t errlen);

/* Parses argv and runs the command it names, or `wizard` when it names none (`lines`:
 * --lignes was given, the line mode is asked for). */
int cli_main(int argc, char **argv,
             int (*wizard)(const char *db_option, bool color, bool lines));

#endif
