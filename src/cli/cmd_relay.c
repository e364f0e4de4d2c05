/* `difelus relais …`: the relay of the shared session lives in its own program,
 * difelus-relais (src/relay/), so that the wizard links no HTTP server; this command runs
 * it with the same arguments. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"
#include "difelus/sync.h"
#include "difelus/text.h"

#define RELAY_HELPER "difelus-relais"

static const struct cli_option options[] = {
    {"ecoute", "ADRESSE:PORT", "adresse d'écoute du relais (127.0.0.1:8470 ; port 0 : un "
                               "port libre)"},
    {"base", "FICHIER", "journal d'audit du relais (~/.local/share/difelus/relais.db)"},
    {"agents", "FICHIER", "fichier des agents du relais (par défaut, celui de --base)"},
    {"certificat", "FICHIER", "certificat TLS (PEM) : le relais parle HTTPS"},
    {"cle", "FICHIER", "clé TLS (PEM) du certificat"},
    {"max-sessions", "N", "nombre maximal de sessions du relais (5000)"},
    {"max-par-ip", "N", "connexions simultanées d'une même adresse (64 ; 0 : sans limite)"},
    {"ouvertures-par-minute", "N", "sessions ouvertes par minute d'une même adresse (30 ; 0 : "
                                   "sans limite)"},
    {"organisme", "ORGANISME", "organisme de l'agent ajouté"},
    {NULL, NULL, NULL},
};

static int run(const struct cli_call *call)
{
    char helper[4096];
    if (!libexec_path(RELAY_HELPER, helper, sizeof helper)) {
        text_fprintf(stderr, "difelus : le programme %s est introuvable (installation "
                             "incomplète ?).\n", RELAY_HELPER);
        return EXIT_FAILURE;
    }
    char **argv = calloc((size_t)call->argc + 2 * (sizeof options / sizeof options[0]) + 2,
                         sizeof *argv);
    if (!argv) {
        text_fprintf(stderr, "difelus : mémoire insuffisante.\n");
        return EXIT_FAILURE;
    }
    int n = 0;
    argv[n++] = helper;
    for (int i = 0; i < call->argc; i++)
        argv[n++] = call->argv[i];
    /* The options as "--name=value": one word each, whatever the value starts with. */
    for (size_t i = 0; options[i].name; i++) {
        const char *v = cli_value(call, options[i].name);
        if (!v)
            continue;
        size_t len = strlen(options[i].name) + strlen(v) + 4;
        char *arg = malloc(len);
        if (!arg)
            continue;
        snprintf(arg, len, "--%s=%s", options[i].name, v);
        argv[n++] = arg;
    }
    argv[n] = NULL;
    fflush(NULL);
    execv(helper, argv);
    int e = errno;
    text_fprintf(stderr, "difelus : impossible de lancer %s (%s).\n", RELAY_HELPER,
                 e == EACCES ? "permission refusée" : "erreur système");
    for (int i = 1 + call->argc; i < n; i++)
        free(argv[i]);
    free(argv);
    return EXIT_FAILURE;
}

const struct cli_command cli_cmd_relay = {
    .name = "relais",
    .args = "[ACTION]",
    .help = "lance le relais de partage d'écran (organisme de formation) ; ACTION : "
            "agent-ajouter NOM, agent-lister, agent-revoquer ID ou journal",
    .options = options,
    .max_args = 2,
    .args_hint = "prend au plus une action et son argument",
    .flags = CLI_NO_STORE,
    .run = run,
};
