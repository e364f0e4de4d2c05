/* `difelus reglage [CLÉ [VALEUR]]`: shows or changes a setting. */
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "difelus/text.h"

/* A wrong key or value is a usage error (2); the database failing (locked, full disk) is
 * not the user's typing: 1. */
static bool setting_known(const char *key)
{
    for (int i = 0; store_setting_keys[i]; i++)
        if (strcmp(store_setting_keys[i], key) == 0)
            return true;
    return false;
}

static bool setting_value_ok(const char *value)
{
    char clean[256];
    if (strlen(value) >= sizeof clean || !text_is_clean(value))
        return false;
    snprintf(clean, sizeof clean, "%s", value);
    text_trim(clean);
    return clean[0] != '\0' && text_width(clean) <= 200;
}

static int run(const struct cli_call *call)
{
    store *st = call->st;
    int argc = call->argc;
    char **argv = call->argv;
    char value[4 * STORE_SETTING_MAX + 1];
    if (argc == 0) {
        for (int i = 0; store_setting_keys[i]; i++) {
            if (store_setting_get(st, store_setting_keys[i], value, sizeof value) != 0) {
                fprintf(stderr, "difelus : %s\n", store_error(st));
                return EXIT_FAILURE;
            }
            printf("%s = %s\n", store_setting_keys[i], value);
        }
        return EXIT_SUCCESS;
    }
    if (argc == 1) {
        if (store_setting_get(st, argv[0], value, sizeof value) != 0) {
            fprintf(stderr, "difelus : %s\n", store_error(st));
            return setting_known(argv[0]) ? EXIT_FAILURE : CLI_USAGE;
        }
        printf("%s\n", value);
        return EXIT_SUCCESS;
    }
    if (store_setting_set(st, argv[0], argv[1]) != 0) {
        fprintf(stderr, "difelus : %s\n", store_error(st));
        return setting_known(argv[0]) && setting_value_ok(argv[1]) ? EXIT_FAILURE : CLI_USAGE;
    }
    return EXIT_SUCCESS;
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
