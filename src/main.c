/* difelus: command line entry. Parses options, then runs a command or the wizard. */
#include <getopt.h>
#include <jansson.h>
#include <locale.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "difelus/calendar.h"
#include "difelus/dates.h"
#include "difelus/rules.h"
#include "difelus/paths.h"
#include "difelus/status.h"
#include "difelus/store.h"
#include "difelus/text.h"
#include "difelus/version.h"
#include "cmd_catalogue.h"
#include "tui/app.h"

enum { EXIT_USAGE = 2 };

static const char usage_text[] =
    "Usage : difelus [OPTIONS] [COMMANDE]\n"
    "\n"
    "Assistant d'inscription aux formations des élus (DIF élu), Mon Compte Formation.\n"
    "Sans commande, difelus ouvre l'assistant plein écran.\n"
    "\n"
    "Commandes :\n"
    "  statut [--json]           étapes, mandats, solde, dossiers en cours, échéances\n"
    "  echeances --demande DATE [--validation DATE] [--debut DATE] [--json]\n"
    "                            délais d'une demande d'inscription, en jours ouvrés\n"
    "  calendrier FICHIER.ics    les échéances et les dates de formation dans un\n"
    "                            calendrier, avec un rappel la veille\n"
    "  catalogue importer FICHIER\n"
    "                            importe un catalogue de formations (CSV ou JSON de\n"
    "                            la Caisse des Dépôts, ou CSV de l'organisme)\n"
    "  catalogue synchroniser [--url BASE]\n"
    "                            télécharge et importe le catalogue\n"
    "  catalogue chercher MOTS [--modalite presentiel|distance]\n"
    "                     [--departement CODE_OU_NOM] [--limite N] [--json]\n"
    "                            cherche dans le catalogue\n"
    "  catalogue info [--json]   ce que contient le catalogue\n"
    "  reglage [CLÉ [VALEUR]]    affiche ou change un réglage : organisme.nom,\n"
    "                            organisme.email, organisme.telephone\n"
    "\n"
    "Options :\n"
    "  --db FICHIER       base à utiliser (sinon la variable DIFELUS_DB, sinon\n"
    "                     ~/.local/share/difelus/difelus.db)\n"
    "  --json             sortie JSON (statut, echeances, catalogue)\n"
    "  --demande DATE     jour de la demande (JJ/MM/AAAA ou AAAA-MM-JJ)\n"
    "  --validation DATE  jour où l'organisme a validé la demande\n"
    "  --debut DATE       début prévu de la session\n"
    "  --url BASE         miroir du portail open data (catalogue synchroniser)\n"
    "  --modalite M       presentiel ou distance (catalogue chercher)\n"
    "  --departement D    code (07) ou nom (Ardeche) (catalogue chercher)\n"
    "  --limite N         nombre de résultats, 1 à 200 (catalogue chercher)\n"
    "  --no-color         sans couleurs (comme la variable NO_COLOR)\n"
    "  -h, --help         affiche cette aide\n"
    "  -V, --version      affiche la version\n"
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

static int cmd_setting(store *st, int argc, char **argv)
{
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
            return setting_known(argv[0]) ? EXIT_FAILURE : EXIT_USAGE;
        }
        printf("%s\n", value);
        return EXIT_SUCCESS;
    }
    if (store_setting_set(st, argv[0], argv[1]) != 0) {
        fprintf(stderr, "difelus : %s\n", store_error(st));
        return setting_known(argv[0]) && setting_value_ok(argv[1]) ? EXIT_FAILURE : EXIT_USAGE;
    }
    return EXIT_SUCCESS;
}

/* Parses a date option; on failure prints a French usage error naming the value. */
static bool date_option(const char *name, const char *value, struct date *out)
{
    char err[256];
    if (dates_parse(value, out, err, sizeof err))
        return true;
    char clean[512];
    fprintf(stderr, "difelus : --%s : %s\n", name, text_sanitize(clean, sizeof clean, err));
    fputs("Tapez « difelus --help » pour voir les commandes et les options.\n", stderr);
    return false;
}

static int cmd_deadlines(const char *request_text, const char *validation_text,
                         const char *start_text, bool json)
{
    struct date request, validation = {0, 0, 0}, start = {0, 0, 0};
    if (!request_text)
        return usage_error("« echeances » demande la date de la demande : --demande "
                           "JJ/MM/AAAA.%s", "");
    if (!date_option("demande", request_text, &request) ||
        (validation_text && !date_option("validation", validation_text, &validation)) ||
        (start_text && !date_option("debut", start_text, &start)))
        return EXIT_USAGE;
    char a[64], b[64];
    if (validation_text && dates_compare(validation, request) < 0) {
        dates_format_long(validation, a, sizeof a);
        dates_format_long(request, b, sizeof b);
        char both[200];
        snprintf(both, sizeof both, "la validation (%s) ne peut pas précéder la demande (%s).",
                 a, b);
        return usage_error("%s", both);
    }
    struct date reply = dates_add_working_days(request, RULES_REPLY_WORKING_DAYS);
    struct date earliest = rules_earliest_start(request);
    struct date confirm = dates_add_working_days(validation, RULES_CONFIRM_WORKING_DAYS);
    bool possible = start_text && dates_compare(start, earliest) >= 0;
    /* The same range for what is computed as for what is typed: a deadline after 2100 would
     * be a date the program refuses everywhere else. */
    if (!dates_valid(reply) || !dates_valid(earliest) ||
        (validation_text && !dates_valid(confirm))) {
        char range[200];
        snprintf(range, sizeof range, "les échéances de cette demande tomberaient après %d : "
                                      "difelus compte les dates de %d à %d. Choisissez une "
                                      "date plus proche.", DATES_YEAR_MAX, DATES_YEAR_MIN,
                 DATES_YEAR_MAX);
        return usage_error("%s", range);
    }
    if (json) {
        json_t *root = json_object();
        dates_format_iso(request, a, sizeof a);
        json_object_set_new(root, "demande", json_string(a));
        dates_format_iso(reply, a, sizeof a);
        json_object_set_new(root, "reponse_organisme_avant", json_string(a));
        dates_format_iso(earliest, a, sizeof a);
        json_object_set_new(root, "debut_au_plus_tot", json_string(a));
        if (validation_text) {
            dates_format_iso(validation, a, sizeof a);
            json_object_set_new(root, "validation", json_string(a));
            dates_format_iso(confirm, a, sizeof a);
            json_object_set_new(root, "confirmation_avant", json_string(a));
        }
        if (start_text) {
            dates_format_iso(start, a, sizeof a);
            json_object_set_new(root, "debut", json_string(a));
            json_object_set_new(root, "debut_possible", json_boolean(possible));
        }
        char *text = json_dumps(root, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
        json_decref(root);
        if (!text)
            return EXIT_FAILURE;
        printf("%s\n", text);
        free(text);
        return EXIT_SUCCESS;
    }
    dates_format_long(request, a, sizeof a);
    printf("Demande envoyée le %s.\n", a);
    dates_format_long(reply, a, sizeof a);
    printf("Réponse de l'organisme au plus tard le %s (%d jours ouvrés).\n", a,
           RULES_REPLY_WORKING_DAYS);
    dates_format_long(earliest, a, sizeof a);
    printf("Début de la formation au plus tôt le %s (%d jours ouvrés ; visez quatre semaines).\n",
           a, RULES_MIN_LEAD_WORKING_DAYS);
    if (validation_text) {
        dates_format_long(validation, b, sizeof b);
        dates_format_long(confirm, a, sizeof a);
        printf("Validée par l'organisme le %s : confirmez au plus tard le %s (%d jours ouvrés), "
               "sinon l'inscription est annulée.\n", b, a, RULES_CONFIRM_WORKING_DAYS);
    }
    if (start_text) {
        dates_format_long(start, b, sizeof b);
        if (possible)
            printf("Début le %s : possible.\n", b);
        else
            printf("Début le %s : trop tôt, il faut au moins %d jours ouvrés après la demande.\n",
                   b, RULES_MIN_LEAD_WORKING_DAYS);
    }
    return EXIT_SUCCESS;
}

static int cmd_calendar(store *st, const char *file)
{
    struct status s;
    if (status_load(st, dates_today(), &s) != 0) {
        fprintf(stderr, "difelus : %s\n", store_error(st));
        return EXIT_FAILURE;
    }
    char err[1024];
    size_t count = 0, cancelled = 0;
    int rc = calendar_write(st, &s, file, &count, &cancelled, err, sizeof err);
    status_free(&s);
    if (rc != 0) {
        fprintf(stderr, "difelus : %s\n", err);
        return EXIT_FAILURE;
    }
    printf("%zu événement%s à venir écrit%s dans %s.\n", count, count > 1 ? "s" : "",
           count > 1 ? "s" : "", file);
    if (cancelled == 1)
        printf("1 échéance qui n'est plus en attente y est marquée « annulée », pour que votre "
               "agenda la retire à l'import.\n");
    else if (cancelled > 1)
        printf("%zu échéances qui ne sont plus en attente y sont marquées « annulées », pour "
               "que votre agenda les retire à l'import.\n", cancelled);
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
    /* Before the database is opened or created: nothing happens on a refused terminal. */
    if (!tui_terminal_check(err, sizeof err)) {
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
        {"demande", required_argument, NULL, 'r'},
        {"validation", required_argument, NULL, 'v'},
        {"debut", required_argument, NULL, 's'},
        {"url", required_argument, NULL, 'u'},
        {"modalite", required_argument, NULL, 'M'},
        {"departement", required_argument, NULL, 'D'},
        {"limite", required_argument, NULL, 'L'},
        {"no-color", no_argument, NULL, 'n'},   {"help", no_argument, NULL, 'h'},
        {"version", no_argument, NULL, 'V'},    {NULL, 0, NULL, 0},
    };
    const char *db_option = NULL, *request = NULL, *validation = NULL, *start = NULL;
    struct catalogue_options cat = {0};
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
        case 'r':
            request = optarg;
            break;
        case 'v':
            validation = optarg;
            break;
        case 's':
            start = optarg;
            break;
        case 'u':
            cat.url = optarg;
            break;
        case 'M':
            cat.modality = optarg;
            break;
        case 'D':
            cat.departement = optarg;
            break;
        case 'L':
            cat.limit = optarg;
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
    bool deadline_options = request || validation || start;
    if (deadline_options && strcmp(command, "echeances") != 0 && strcmp(command, "échéances") != 0)
        return usage_error("--demande, --validation et --debut ne s'emploient qu'avec "
                           "« echeances ».%s", "");
    if (strcmp(command, "echeances") == 0 || strcmp(command, "échéances") == 0) {
        if (rest > 0)
            return usage_error("« echeances » ne prend pas d'argument (reçu « %s »).",
                               rest_argv[0]);
        return cmd_deadlines(request, validation, start, json);
    }
    bool catalogue_options = cat.url || cat.modality || cat.departement || cat.limit;
    if (catalogue_options && strcmp(command, "catalogue") != 0)
        return usage_error("--url, --modalite, --departement et --limite s'emploient avec "
                           "« catalogue ».%s", "");
    if (strcmp(command, "catalogue") == 0) {
        cat.json = json;
        int bad = cmd_catalogue_check(rest, rest_argv, &cat);
        if (bad)
            return bad;
    } else if (strcmp(command, "calendrier") == 0) {
        if (rest != 1)
            return usage_error("« calendrier » attend un nom de fichier, par exemple "
                               "« difelus calendrier formations.ics ».%s", "");
        if (json)
            return usage_error("l'option --json ne s'emploie pas avec « calendrier ».%s", "");
    } else if (strcmp(command, "statut") == 0) {
        if (rest > 0)
            return usage_error("« statut » ne prend pas d'argument (reçu « %s »).", rest_argv[0]);
    } else if (strcmp(command, "reglage") == 0 || strcmp(command, "réglage") == 0) {
        if (rest > 2)
            return usage_error("« reglage » prend au plus une clé et une valeur (en trop : « %s »).",
                               rest_argv[2]);
        if (json)
            return usage_error("l'option --json ne s'emploie pas avec « reglage ».%s", "");
    } else {
        return usage_error("commande inconnue « %s ». Commandes : statut, echeances, "
                           "calendrier, catalogue, reglage.", command);
    }

    char path[4096];
    store *st = open_store(db_option, path, sizeof path);
    if (!st)
        return EXIT_FAILURE;
    int rc = strcmp(command, "catalogue") == 0    ? cmd_catalogue(st, rest, rest_argv, &cat)
             : strcmp(command, "statut") == 0     ? cmd_status(st, path, json)
             : strcmp(command, "calendrier") == 0 ? cmd_calendar(st, rest_argv[0])
                                                  : cmd_setting(st, rest, rest_argv);
    store_close(st);
    return rc;
}
