/* `difelus statut [--json]`: steps, mandates, balance, dossiers and deadlines. */
#include <stdlib.h>

#include "cli/cli.h"
#include "difelus/dates.h"
#include "difelus/text.h"
#include "difelus/status.h"

static int run(const struct cli_call *call)
{
    struct status s;
    if (status_load(call->st, dates_today(), &s) != 0) {
        text_fprintf(stderr, "difelus : %s\n", store_error(call->st));
        return EXIT_FAILURE;
    }
    int rc = EXIT_SUCCESS;
    if (cli_value(call, "json")) {
        char *text = status_to_json(&s, call->path);
        if (text) {
            printf("%s\n", text);
            free(text);
        } else {
            text_fprintf(stderr, "difelus : impossible de produire le JSON (mémoire insuffisante).\n");
            rc = EXIT_FAILURE;
        }
    } else {
        status_print_text(&s, stdout);
    }
    status_free(&s);
    return rc;
}

static const struct cli_option options[] = {CLI_OPTION_JSON, {NULL, NULL, NULL}};

const struct cli_command cli_cmd_status = {
    .name = "statut",
    .args = "[--json]",
    .help = "étapes, mandats, solde, dossiers en cours, échéances",
    .options = options,
    .flags = CLI_READS_ONLY,
    .run = run,
};
