/* `difelus catalogue importer|synchroniser|chercher|info`: import, sync, search and
 * describe the training catalogue. One table entry per action. */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli/cli.h"
#include "difelus/catalogue.h"
#include "difelus/sync.h"
#include "difelus/text.h"

static double now_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static void show_progress(size_t records, void *user)
{
    (void)user;
    char count[32];
    text_fprintf(stderr, "\r%s formation%s lue%s…", text_format_count(records, count, sizeof count),
                 text_plural(records), text_plural(records));
}

static int check_search(const struct cli_call *call)
{
    const char *modality = cli_value(call, "modalite");
    const char *departement = cli_value(call, "departement");
    const char *limit = cli_value(call, "limite");
    if (modality && strcmp(modality, "presentiel") != 0 && strcmp(modality, "présentiel") != 0 &&
        strcmp(modality, "distance") != 0)
        return cli_usage("--modalite « %s » : choisissez presentiel ou distance.", modality);
    if (departement && !places_find_departement(departement)) {
        /* The start of a name: say which ones it could be, as the search screen does. */
        const struct departement *d[5];
        size_t n = places_match_departements(departement, d, 5);
        if (n > 0) {
            char names[512] = "";
            for (size_t i = 0; i < n; i++) {
                size_t len = strlen(names);
                snprintf(names + len, sizeof names - len, "%s%s (%s)",
                         i == 0 ? "" : i + 1 == n ? " ou " : ", ", d[i]->name, d[i]->code);
            }
            char msg[1024];
            snprintf(msg, sizeof msg, "--departement « %%s » : %s %s ? Donnez son numéro ou "
                     "son nom entier.", n > 1 ? "lequel :" : "voulez-vous dire", names);
            return cli_usage(msg, departement);
        }
        return cli_usage("--departement « %s » : département inconnu (un numéro comme 07 ou "
                         "un nom comme Ardèche).", departement);
    }
    if (limit) {
        char *end;
        long n = strtol(limit, &end, 10);
        if (*end || n < 1 || n > 200)
            return cli_usage("--limite « %s » : un nombre de 1 à 200.", limit);
    }
    return 0;
}


static void print_import(const struct catalogue_import *r, double seconds)
{
    /* A decimal comma, and a precision that says something: tenths from 1 s, hundredths
     * below (« en 0,04 s », never « en 0,0 s »). */
    char took[32];
    snprintf(took, sizeof took, seconds >= 1 ? "%.1f" : "%.2f", seconds);
    if (seconds < 0.005)
        snprintf(took, sizeof took, "moins de 0,01");
    for (char *c = took; *c; c++)
        if (*c == '.')
            *c = ',';
    char count[32];
    text_fprintf(stdout, "%s formation%s importée%s (%s) en %s\u202Fs.\n",
                 text_format_count(r->records, count, sizeof count), text_plural(r->records),
           text_plural(r->records),
           r->source == SOURCE_CDC ? "catalogue de la Caisse des Dépôts"
                                   : "formations de l'organisme",
           took);
    const char *other = r->source == SOURCE_CDC ? "de l'organisme" : "de la Caisse des Dépôts";
    if (r->kept)
        text_fprintf(stdout, "%s formation%s %s gardée%s telle%s quelle%s.\n",
                     text_format_count(r->kept, count, sizeof count), text_plural(r->kept),
               other, text_plural(r->kept), text_plural(r->kept), text_plural(r->kept));
    if (r->old_unreadable)
        text_fprintf(stdout, "L'ancien catalogue était illisible ; il est remplacé. Importez à nouveau les "
               "formations %s si vous en aviez.\n", other);
    if (r->bad_siret)
        text_fprintf(stdout, "%s formation%s avec un SIRET invalide (la première : %s) : gardée%s sans "
               "SIRET ; vérifiez le SIRET de l'organisme avant de créer un dossier.\n",
               text_format_count(r->bad_siret, count, sizeof count), text_plural(r->bad_siret), r->bad_siret_where, text_plural(r->bad_siret));
    if (r->unknown_dept)
        text_fprintf(stdout, "%s formation%s avec un département inconnu (par exemple « %s ») : "
               "gardée%s, mais introuvable%s par département.\n",
               text_format_count(r->unknown_dept, count, sizeof count), text_plural(r->unknown_dept), r->unknown_dept_example,
               text_plural(r->unknown_dept), text_plural(r->unknown_dept));
}

/* " (importées le 26/11/2026 à 15 h 00)" in local time, from the log's UTC ISO date. */
static void import_date(const char *iso, size_t count, char *out, size_t len)
{
    struct tm tm = {0};
    if (!iso[0] || sscanf(iso, "%d-%d-%dT%d:%d:%d", &tm.tm_year, &tm.tm_mon, &tm.tm_mday,
                          &tm.tm_hour, &tm.tm_min, &tm.tm_sec) != 6)
        return;
    tm.tm_year -= 1900;
    tm.tm_mon -= 1;
    time_t t = timegm(&tm);
    struct tm local;
    if (!localtime_r(&t, &local))
        return;
    snprintf(out, len, " (importée%s le %02d/%02d/%04d à %d\u202Fh\u202F%02d)", text_plural(count),
             local.tm_mday, local.tm_mon + 1, local.tm_year + 1900, local.tm_hour, local.tm_min);
}

/* The options of `catalogue chercher` and `catalogue info`. */
struct catalogue_options {
    const char *modality;
    const char *departement;
    const char *limit;
    bool json;
};

static int search(store *st, int argc, char **argv, const struct catalogue_options *o)
{
    char words[1024] = "";
    size_t used = 0;
    for (int i = 0; i < argc && used + 2 < sizeof words; i++)
        used += (size_t)snprintf(words + used, sizeof words - used, "%s%s", i > 0 ? " " : "",
                                 argv[i]);
    bool more = false;
    struct catalogue_query q = {.words = words, .limit = o->limit ? atoi(o->limit) : 20,
                                .more = &more};
    if (o->modality)
        q.modality = strcmp(o->modality, "distance") == 0 ? "distance" : "presentiel";
    if (o->departement)
        q.dept = places_find_departement(o->departement);
    struct catalogue_hit *hits = calloc(200, sizeof *hits);
    size_t n = 0;
    char err[1024];
    if (!hits || catalogue_search(st, &q, hits, 200, &n, err, sizeof err) != 0) {
        text_fprintf(stderr, "difelus : %s\n", hits ? err : "mémoire insuffisante");
        free(hits);
        return 1;
    }
    char price[128], hours[128];
    if (o->json) {
        json_t *arr = json_array();
        for (size_t i = 0; i < n; i++) {
            const struct catalogue_hit *h = &hits[i];
            json_t *r = json_object();
            json_object_set_new(r, "id", json_integer(h->id));
            json_object_set_new(r, "numero", json_string(h->numero));
            json_object_set_new(r, "intitule", json_string(h->title));
            json_object_set_new(r, "organisme", json_string(h->body));
            json_object_set_new(r, "siret", h->siret[0] ? json_string(h->siret) : json_null());
            json_object_set_new(r, "lieu", h->place[0] ? json_string(h->place) : json_null());
            json_object_set_new(r, "a_distance", json_boolean(h->distance));
            json_object_set_new(r, "prix_min_centimes",
                                h->price_min >= 0 ? json_integer(h->price_min) : json_null());
            json_object_set_new(r, "prix_max_centimes",
                                h->price_max >= 0 ? json_integer(h->price_max) : json_null());
            json_object_set_new(r, "heures_min",
                                h->hours_min > 0 ? json_real(h->hours_min / 100.0) : json_null());
            json_object_set_new(r, "heures_max",
                                h->hours_max > 0 ? json_real(h->hours_max / 100.0) : json_null());
            json_object_set_new(r, "source", json_string(h->source == SOURCE_CDC ? "cdc"
                                                                                 : "organisme"));
            json_array_append_new(arr, r);
        }
        char *text = json_dumps(arr, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
        json_decref(arr);
        printf("%s\n", text ? text : "[]");
        free(text);
    } else if (n == 0) {
        text_fprintf(stdout, "Aucune formation trouvée.\n");
    } else {
        for (size_t i = 0; i < n; i++) {
            const struct catalogue_hit *h = &hits[i];
            catalogue_format_price(h, price, sizeof price);
            catalogue_format_hours(h, hours, sizeof hours);
            text_fprintf(stdout, "%s\n    %s · %s · %s · %s%s\n", h->title, h->body,
                   h->place[0] ? h->place : "lieu non indiqué", price, hours,
                   h->distance ? " · à distance" : "");
        }
        if (more && n == 1)
            text_fprintf(stdout, "Seule la première formation est affichée, d'autres correspondent\u00a0: "
                   "précisez la recherche (plus de mots, --departement, --modalite) ou "
                   "augmentez --limite (200 au plus).\n");
        else if (more)
            text_fprintf(stdout, "Seules les %zu premières formations sont affichées, d'autres "
                   "correspondent\u00a0: précisez la recherche (plus de mots, --departement, "
                   "--modalite) ou augmentez --limite (200 au plus).\n", n);
    }
    free(hits);
    return 0;
}

static int run_search(const struct cli_call *call)
{
    const struct catalogue_options o = {.modality = cli_value(call, "modalite"),
                                        .departement = cli_value(call, "departement"),
                                        .limit = cli_value(call, "limite"),
                                        .json = cli_value(call, "json") != NULL};
    return search(call->st, call->argc, call->argv, &o);
}

static int run_import(const struct cli_call *call)
{
    char err[2048];
    store *st = call->st;
    const char *file = call->argv[0];
    struct catalogue_import report;
    double t0 = now_seconds();
    bool tty = isatty(STDERR_FILENO);
    int rc = catalogue_import_file(st, file, &report, tty ? show_progress : NULL, NULL,
                                   err, sizeof err);
    if (tty)
        fputc('\n', stderr);
    if (rc != 0) {
        text_fprintf(stderr, "difelus : « %s » refusé : %s Le catalogue n'a pas été modifié.\n",
                file, err);
        return 1;
    }
    print_import(&report, now_seconds() - t0);
    return 0;
}

static int run_sync(const struct cli_call *call)
{
    char err[2048];
    store *st = call->st;
    struct catalogue_import report;
    const char *stall = getenv("DIFELUS_CATALOGUE_DELAI");
    struct sync_options opt = {.base_url = cli_value(call, "url"),
                               .stall_seconds = stall ? atol(stall) : 0,
                               .show_progress = isatty(STDERR_FILENO)};
    double t0 = now_seconds();
    if (sync_catalogue(st, &opt, &report, err, sizeof err) != 0) {
        text_fprintf(stderr, "difelus : %s\n", err);
        return 1;
    }
    print_import(&report, now_seconds() - t0);
    return 0;
}

static int run_info(const struct cli_call *call)
{
    char err[2048];
    store *st = call->st;
    struct catalogue_info info;
    if (catalogue_get_info(st, &info, err, sizeof err) != 0) {
        text_fprintf(stderr, "difelus : %s\n", err);
        return 1;
    }
    if (cli_value(call, "json")) {
        json_t *r = json_object();
        json_object_set_new(r, "formations", json_integer((json_int_t)info.total));
        json_object_set_new(r, "cdc", json_integer((json_int_t)info.cdc));
        json_object_set_new(r, "organisme", json_integer((json_int_t)info.body));
        json_object_set_new(r, "cdc_importe_le",
                            info.cdc_imported[0] ? json_string(info.cdc_imported) : json_null());
        json_object_set_new(r, "organisme_importe_le",
                            info.body_imported[0] ? json_string(info.body_imported) : json_null());
        char *text = json_dumps(r, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
        json_decref(r);
        printf("%s\n", text ? text : "{}");
        free(text);
        return 0;
    }
    if (info.total == 0) {
        text_fprintf(stdout, "Le catalogue est vide. Importez-le avec « difelus catalogue importer FICHIER » "
               "ou « difelus catalogue synchroniser ».\n");
        return 0;
    }
    char cdc_when[96] = "", body_when[96] = "";
    import_date(info.cdc_imported, info.cdc, cdc_when, sizeof cdc_when);
    import_date(info.body_imported, info.body, body_when, sizeof body_when);
    char total[32], cdc[32], body[32];
    text_fprintf(stdout, "%s formation%s : %s de la Caisse des Dépôts%s, %s de l'organisme%s.\n",
           text_format_count(info.total, total, sizeof total), text_plural(info.total),
           text_format_count(info.cdc, cdc, sizeof cdc), cdc_when,
           text_format_count(info.body, body, sizeof body), body_when);
    return 0;
}

static const struct cli_option json_only[] = {CLI_OPTION_JSON, {NULL, NULL, NULL}};

const struct cli_command cli_cmd_catalogue_import = {
    .name = "catalogue",
    .action = "importer",
    .args = "FICHIER",
    .help = "importe un catalogue de formations (CSV ou JSON de la Caisse des Dépôts, ou CSV "
            "de l'organisme)",
    .min_args = 1,
    .max_args = 1,
    .args_hint = "attend un fichier (CSV ou JSON)",
    .run = run_import,
};

static const struct cli_option sync_options[] = {
    {"url", "BASE", "miroir du portail open data"},
    {NULL, NULL, NULL},
};

const struct cli_command cli_cmd_catalogue_sync = {
    .name = "catalogue",
    .action = "synchroniser",
    .args = "[--url BASE]",
    .help = "télécharge et importe le catalogue",
    .options = sync_options,
    .run = run_sync,
};

static const struct cli_option search_options[] = {
    {"modalite", "M", "presentiel ou distance"},
    {"departement", "D", "code (07) ou nom (Ardeche)"},
    {"limite", "N", "nombre de résultats, 1 à 200"},
    CLI_OPTION_JSON,
    {NULL, NULL, NULL},
};

const struct cli_command cli_cmd_catalogue_search = {
    .name = "catalogue",
    .action = "chercher",
    .args = "MOTS [--modalite presentiel|distance] [--departement CODE_OU_NOM] [--limite N] "
            "[--json]",
    .help = "cherche dans le catalogue",
    .options = search_options,
    .min_args = 1,
    .max_args = -1,
    .args_hint = "attend des mots, par exemple « catalogue chercher budget communal »",
    .check = check_search,
    .flags = CLI_READS_ONLY,
    .run = run_search,
};

const struct cli_command cli_cmd_catalogue_info = {
    .name = "catalogue",
    .action = "info",
    .args = "[--json]",
    .help = "ce que contient le catalogue",
    .options = json_only,
    .flags = CLI_READS_ONLY,
    .run = run_info,
};
