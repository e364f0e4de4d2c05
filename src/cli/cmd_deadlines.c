/* `difelus echeances --demande DATE [--validation DATE] [--debut DATE] [--json]`: the
 * deadlines of a request for training, in working days; never opens the database. */
#include <jansson.h>
#include <stdlib.h>

#include "cli/cli.h"
#include "difelus/dates.h"
#include "difelus/rules.h"
#include "difelus/text.h"

/* Parses a date option; on failure prints a French usage error naming the value. */
static bool date_option(const char *name, const char *value, struct date *out)
{
    char err[256];
    if (dates_parse(value, out, err, sizeof err))
        return true;
    char clean[512];
    text_fprintf(stderr, "difelus : option --%s, %s\n", name, text_sanitize(clean, sizeof clean, err));
    fputs("Tapez «\u00a0difelus --help\u00a0» pour voir les commandes et les options.\n", stderr);
    return false;
}

static int run(const struct cli_call *call)
{
    const char *request_text = cli_value(call, "demande");
    const char *validation_text = cli_value(call, "validation");
    const char *start_text = cli_value(call, "debut");
    bool json = cli_value(call, "json") != NULL;
    struct date request, validation = {0, 0, 0}, start = {0, 0, 0};
    if (!request_text)
        return cli_usage("« echeances » demande la date de la demande : --demande "
                         "JJ/MM/AAAA.%s", "");
    if (!date_option("demande", request_text, &request) ||
        (validation_text && !date_option("validation", validation_text, &validation)) ||
        (start_text && !date_option("debut", start_text, &start)))
        return CLI_USAGE;
    char a[64], b[64];
    if (validation_text && dates_compare(validation, request) < 0) {
        dates_format_long(validation, a, sizeof a);
        dates_format_long(request, b, sizeof b);
        char both[200];
        snprintf(both, sizeof both, "la validation (%s) ne peut pas précéder la demande (%s).",
                 a, b);
        return cli_usage("%s", both);
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
        return cli_usage("%s", range);
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
    text_fprintf(stdout, "Demande envoyée le %s.\n", a);
    dates_format_long(reply, a, sizeof a);
    text_fprintf(stdout, "Réponse de l'organisme au plus tard le %s (%d jours ouvrés).\n", a,
           RULES_REPLY_WORKING_DAYS);
    dates_format_long(earliest, a, sizeof a);
    text_fprintf(stdout, "Début de la formation au plus tôt le %s (%d jours ouvrés ; visez quatre semaines).\n",
           a, RULES_MIN_LEAD_WORKING_DAYS);
    if (validation_text) {
        dates_format_long(validation, b, sizeof b);
        dates_format_long(confirm, a, sizeof a);
        text_fprintf(stdout, "Validée par l'organisme le %s : confirmez au plus tard le %s (%d jours ouvrés), "
               "sinon l'inscription est annulée.\n", b, a, RULES_CONFIRM_WORKING_DAYS);
    }
    if (start_text) {
        dates_format_long(start, b, sizeof b);
        if (possible)
            text_fprintf(stdout, "Début le %s : possible.\n", b);
        else
            text_fprintf(stdout, "Début le %s : trop tôt, il faut au moins %d jours ouvrés après la demande.\n",
                   b, RULES_MIN_LEAD_WORKING_DAYS);
    }
    return EXIT_SUCCESS;
}

static const struct cli_option options[] = {
    {"demande", "DATE", "jour de la demande (JJ/MM/AAAA ou AAAA-MM-JJ)"},
    {"validation", "DATE", "jour où l'organisme a validé la demande"},
    {"debut", "DATE", "début prévu de la session"},
    CLI_OPTION_JSON,
    {NULL, NULL, NULL},
};

const struct cli_command cli_cmd_deadlines = {
    .name = "echeances",
    .alias = "échéances",
    .args = "--demande DATE [--validation DATE] [--debut DATE] [--json]",
    .help = "délais d'une demande d'inscription, en jours ouvrés",
    .options = options,
    .flags = CLI_NO_STORE,
    .run = run,
};
