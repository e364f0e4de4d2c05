/* `difelus reglage [CLÉ [VALEUR]]`: shows or changes a setting. */
#include <stdlib.h>

#include "cli/cli.h"
#include "difelus/text.h"

/* A wrong key or value is a usage error (2); the database failing (locked, full disk) is
 * not the user's typing: 1. The store alone judges the value (STORE_REFUSED). */
static int failed(store *st, int rc)
{
    text_fprintf(stderr, "difelus : %s\n", store_error(st));
    return rc == STORE_REFUSED ? CLI_USAGE : EXIT_FAILURE;
}

static int run(const struct cli_call *call)
{
    store *st = call->st;
    int argc = call->argc;
    char **argv = call->argv;
    char value[4 * STORE_SETTING_MAX + 1];
    if (argc == 0) {
        for (int i = 0; store_setting_keys[i]; i++) {
            int rc = store_setting_get(st, store_setting_keys[i], value, sizeof value);
            if (rc != 0)
                return failed(st, rc);
            printf("%s = %s\n", store_setting_keys[i], value);
        }
        return EXIT_SUCCESS;
    }
    if (argc == 1) {
        int rc = store_setting_get(st, argv[0], value, sizeof value);
        if (rc != 0)
            return failed(st, rc);
        printf("%s\n", value);
        return EXIT_SUCCESS;
    }
    int rc = store_setting_set(st, argv[0], argv[1]);
    return rc != 0 ? failed(st, rc) : EXIT_SUCCESS;
}

const struct cli_command cli_cmd_setting = {
    .name = "reglage",
    .alias = "réglage",
    .args = "[CLÉ [VALEUR]]",
    .help = "affiche ou change un réglage : organisme.nom, organisme.email, "
            "organisme.telephone",
    .max_args = 2,
    .args_hint = "prend au plus une clé et une valeur",
    .run = run,
};
