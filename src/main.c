/* difelus: command line entry. Parses options, then runs a command or the wizard. */
#include <getopt.h>
#include <locale.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "difelus/dates.h"
#include "difelus/paths.h"
#include "difelus/status.h"
#include "difelus/store.h"
#include "difelus/text.h"
#include "difelus/version.h"
#include "tui/app.h"

enum { EXIT_USAGE = 2 };

static const char usage_text[] =
    "Usage : difelus [OPTIONS] [COMMANDE]\n"
    "\n"
    "Assistant d'inscription aux formations des élus (DIF élu) sur Mon Compte Formation.\n"
    "Sans commande, difelus ouvre l'assistant plein écran.\n"
    "\n"
    "Commandes :\n"
    "  statut [--json]          où vous en êtes : étapes, mandats, solde, échéance\n"
    "  reglage [CLÉ [VALEUR]]   affiche ou change un réglage : organisme.nom,\n"
    "                           organisme.email, organisme.telephone\n"
    "\n"
    "Options :\n"
    "  --db FICHIER     base à utiliser (sinon la variable DIFELUS_DB, sinon\n"
    "                   ~/.local/share/difelus/difelus.db)\n"
    "  --json           pour « statut » : sortie JSON\n"
    "  --no-color       sans couleurs (comme la variable NO_COLOR)\n"
    "  -h, --help       affiche cette aide\n"
    "  -V, --version    affiche la version\n"
    "\n"
    "Dans l'assistant, « ? » affiche l'aide et les touches ; « q » quitte.\n";

static int usage_error(const char *fmt, const char *arg)
{
    char clean[256];
    fputs("difelus : ", stderr);
    fprintf(stderr, fmt, text_sanitize(clean, sizeof clean, arg ? arg : ""));
    fputs("\nTapez « difelus --help » pour voir les commandes et les options.\n", stderr);
    return EXIT_USAGE;
}

static store *open_store(const char *db_option, char *path, size_t pathlen)
{
    char err[1024];
    if (paths_database(db_option, path, pathlen, err, sizeof err) != 0) {
        fprintf(stderr, "difelus : %s\n", err);
        return NULL;
    }
    store *st = store_open(path, err, sizeof err);
    if (!st)
        fprintf(stderr, "difelus : %s\n", err);
    return st;
}

static int cmd_status(store *st, const char *path, bool json)
{
    struct status s;
    if (status_load(st, dates_today(), &s) != 0) {
        fprintf(stderr, "difelus : %s\n", store_error(st));
        return EXIT_FAILURE;
    }
    int rc = EXIT_SUCCESS;
    if (json) {
        char *text = status_to_json(&s, path);
        if (text) {
            printf("%s\n", text);
            free(text);
        } else {
            fprintf(stderr, "difelus : impossible de produire le JSON (mémoire insuffisante).\n");
            rc = EXIT_FAILURE;
        }
    } else {
        status_print_text(&s, stdout);
    }
    status_free(&s);
    return rc;
}

static int cmd_setting(store *st, int argc, char **argv)
{
    char value[256];
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
            return EXIT_USAGE;
        }
        printf("%s\n", value);
        return EXIT_SUCCESS;
    }
    if (store_setting_set(st, argv[0], argv[1]) != 0) {
        fprintf(stderr, "difelus : %s\n", store_error(st));
        return EXIT_USAGE;
    }
    return EXIT_SUCCESS;
}

static int run_wizard(const char *db_option, bool color)
{
    char err[1024], path[4096];
    if (!isatty(STDIN_FILENO) || !isatty(STDOUT_FILENO)) {
        fputs("difelus : l'assistant s'affiche dans un terminal, et l'entrée ou la sortie "
              "standard n'en est pas un.\nLancez difelus depuis une fenêtre de terminal, ou "
              "utilisez « difelus statut » pour un résumé en texte.\n",
              stderr);
        return EXIT_FAILURE;
    }
    if (!tui_locale_setup(err, sizeof err)) {
        fprintf(stderr, "difelus : %s\n", err);
        return EXIT_FAILURE;
    }
    store *st = open_store(db_option, path, sizeof path);
    if (!st)
        return EXIT_FAILURE;
    int rc = tui_run(st, path, color, err, sizeof err);
    store_close(st);
    if (rc != EXIT_SUCCESS)
        fprintf(stderr, "difelus : %s\n", err);
    return rc;
}

int main(int argc, char **argv)
{
    setlocale(LC_ALL, "");

    static const struct option options[] = {
        {"db", required_argument, NULL, 'd'},   {"json", no_argument, NULL, 'j'},
        {"no-color", no_argument, NULL, 'n'},   {"help", no_argument, NULL, 'h'},
        {"version", no_argument, NULL, 'V'},    {NULL, 0, NULL, 0},
    };
    const char *db_option = NULL;
    bool json = false, color = getenv("NO_COLOR") == NULL || getenv("NO_COLOR")[0] == '\0';
    opterr = 0;
    int c;
    while ((c = getopt_long(argc, argv, ":hV", options, NULL)) != -1) {
        switch (c) {
        case 'd':
            if (optarg[0] == '\0')
                return usage_error("l'option --db attend un nom de fichier non vide.%s", "");
            db_option = optarg;
            break;
        case 'j':
            json = true;
            break;
        case 'n':
            color = false;
            break;
        case 'h':
            fputs(usage_text, stdout);
            return EXIT_SUCCESS;
        case 'V':
            printf("difelus %s — assistant d'inscription aux formations des élus\n",
                   DIFELUS_VERSION);
            return EXIT_SUCCESS;
        case ':':
            return usage_error("l'option « %s » attend une valeur.", argv[optind - 1]);
        default:
            return usage_error("option inconnue « %s ».", argv[optind - 1]);
        }
    }
    const char *command = optind < argc ? argv[optind] : NULL;
    int rest = command ? argc - optind - 1 : 0;
    char **rest_argv = argv + optind + 1;

    if (!command) {
        if (json)
            return usage_error("l'option --json ne s'emploie qu'avec une commande, par exemple "
                               "« difelus statut --json ».%s", "");
        return run_wizard(db_option, color);
    }
    if (strcmp(command, "statut") == 0) {
        if (rest > 0)
            return usage_error("« statut » ne prend pas d'argument (reçu « %s »).", rest_argv[0]);
    } else if (strcmp(command, "reglage") == 0 || strcmp(command, "réglage") == 0) {
        if (rest > 2)
            return usage_error("« reglage » prend au plus une clé et une valeur (en trop : « %s »).",
                               rest_argv[2]);
        if (json)
            return usage_error("l'option --json ne s'emploie pas avec « reglage ».%s", "");
    } else {
        return usage_error("commande inconnue « %s ». Commandes : statut, reglage.", command);
    }

    char path[4096];
    store *st = open_store(db_option, path, sizeof path);
    if (!st)
        return EXIT_FAILURE;
    int rc = strcmp(command, "statut") == 0 ? cmd_status(st, path, json)
                                            : cmd_setting(st, rest, rest_argv);
    store_close(st);
    return rc;
}
