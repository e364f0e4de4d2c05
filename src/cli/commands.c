/* The command table: one line per command, in the order of `difelus --help`. A new command
 * is a file src/cli/cmd_<name>.c defining `const struct cli_command cli_cmd_<name>` and one
 * line here. */
#include "cli/cli.h"

#define CLI_COMMANDS(X)                                                                    \
    X(cli_cmd_status)                                                                      \
    X(cli_cmd_deadlines)                                                                   \
    X(cli_cmd_calendar)                                                                    \
    X(cli_cmd_catalogue_import)                                                            \
    X(cli_cmd_catalogue_sync)                                                              \
    X(cli_cmd_catalogue_search)                                                            \
    X(cli_cmd_catalogue_info)                                                              \
    X(cli_cmd_setting)                                                                     \
    X(cli_cmd_relay)                                                                       \
    X(cli_cmd_assist)

#define CLI_DECLARE(c) extern const struct cli_command c;
#define CLI_ENTRY(c) &c,

CLI_COMMANDS(CLI_DECLARE)

const struct cli_command *const cli_commands[] = {CLI_COMMANDS(CLI_ENTRY) NULL};
