/* End-to-end, the search screen (step 3) at 80×24 as an official uses it: French
 * punctuation typed in the words, long titles and ranges laid out without cutting what
 * matters, a capped list that says so, the Mandat and Département fields, the dossier shown
 * before it is created, and Échap back to where `r` was pressed. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "difelus/dates.h"
#include "difelus/store.h"
#include "difelus/text.h"
#include "harness.h"
#include "e2e.h"

#define NBSP "\u00a0"

static const char header[] =
    "numero_formation;intitule_formation;nom_of;siret_of;code_departement;nom_departement;"
    "nom_region;frais_ttc_tot_min;frais_ttc_tot_max;frais_ttc_tot_mean;"
    "nombre_heures_total_min;nombre_heures_total_max;nombre_heures_total_mean;"
    "nb_session_a_distance;type_referentiel;code_rncp;code_rs;intitule_certification;"
    "objectif_formation;date_chargement\n";

/* The longest title seen in the catalogue's kind, sessions from 1 200 € for 14 h to
 * 2 400 € for 35 h (means 1 800 € and 21 h), à distance, in the longest-named
 * département. */
#define LONG_TITLE                                                                         \
    "Élaborer et exécuter le budget d’une commune nouvelle ou d’une communauté de "      \
    "communes : débat d’orientation budgétaire, plan pluriannuel d’investissement et "    \
    "prospective financière"

/* A database whose catalogue holds the trainings above and 24 more about the budget. */
static const char *db_with_catalogue(const char *name)
{
    const char *db = fresh_db(name);
    static char opt[4300];
    snprintf(opt, sizeof opt, "%s", db);
    const char *dir = opt + 5;
    char csv[4400];
    snprintf(csv, sizeof csv, "%.*s/cdc.csv", (int)(strrchr(dir, '/') - dir), dir);
    char *data = malloc(64 * 1024);
    assert_non_null(data);
    size_t o = (size_t)snprintf(data, 64 * 1024, "%s", header);
    o += (size_t)snprintf(data + o, 64 * 1024 - o,
                          "L-1;" LONG_TITLE ";Association des Formations Territoriales et "
                          "Intercommunales du Sud-Est;73282932000074;04;"
                          "Alpes-de-Haute-Provence;Provence-Alpes-Côte d'Azur;1200;2400;1800;"
                          "14;35;21;3;RS;;RS1;;;2026-11-01\n"
                          "E-1;L’école et la commune : obligations du maire;Gestions Locales;"
                          "73282932000074;974;La Réunion;La Réunion;420.5;420.5;420.5;3.5;3.5;"
                          "3.5;0;RS;;RS2;;;2026-11-01\n"
                          "C-1;Routes de la Côte-d'Or – entretien;Gestions Locales;;21;"
                          "Côte-d'Or;Bourgogne-Franche-Comté;;;;7;7;7;0;RS;;RS3;;;2026-11-01\n"
                          "A-1;Les Ardennes et la forêt communale;Gestions Locales;;08;Ardennes;"
                          "Grand Est;300;300;300;7;7;7;0;RS;;RS4;;;2026-11-01\n");
    for (int i = 1; i <= 24; i++)
        o += (size_t)snprintf(data + o, 64 * 1024 - o,
                              "B-%d;Budget communal, module %d;Gestions Locales;;07;Ardèche;"
                              "Auvergne-Rhône-Alpes;500;500;500;7;7;7;0;RS;;RS%d;;;2026-11-01\n",
                              i, i, 10 + i);
    harness_write_file(csv, data, o);
    free(data);
    struct run_result r;
    harness_run(&r, (const char *[]){opt, "catalogue", "importer", csv, NULL}, NULL);
    if (r.status != 0)
        fail_msg("import : %s", r.err);
    harness_run_free(&r);
    return opt;
}

static void add_mandate(const char *opt, const char *function, const char *collectivite,
                        struct date start, struct date end)
{
    char err[1024];
    store *st = store_open(opt + 5, err, sizeof err);
    assert_non_null(st);
    struct mandate m = {.level = MANDATE_MUNICIPAL, .start = start, .end = end};
    snprintf(m.function, sizeof m.function, "%s", function);
    snprintf(m.collectivite, sizeof m.collectivite, "%s", collectivite);
    assert_int_equal(store_mandate_save(st, &m), 0);
    store_close(st);
}

static size_t dossier_count(const char *opt, struct dossier *first)
{
    char err[1024];
    store *st = store_open(opt + 5, err, sizeof err);
    assert_non_null(st);
    struct dossier *list;
    size_t n;
    assert_int_equal(store_dossier_list(st, &list, &n), 0);
    if (n && first)
        *first = list[0];
    free(list);
    store_close(st);
    return n;
}

/* No screen ever shows SQLite's or FTS5's English. */
static void no_engine_text(struct term *t)
{
    const char *s = term_text(t);
    assert_null(strstr(s, "fts5"));
    assert_null(strstr(s, "syntax"));
    assert_null(strstr(s, "phrase"));
    assert_null(strstr(s, "Recherche impossible"));
}

static void test_french_punctuation_typed(void **state)
{
    (void)state;
    const char *db = db_with_catalogue("e2e-search-punct");
    struct term *t = start(24, 80, db, NULL);
    WAIT(t, "Accueil");
    term_send(t, "r");
    WAIT(t, "Tapez au moins deux lettres");
    term_send(t, "l’école « commune »");
    WAIT(t, "L’école et la commune : obligations du maire");
    WAIT(t, "1 résultat");
    no_engine_text(t);
    term_send(t, "\025Côte‑d’Or – entretien…");
    WAIT(t, "Routes de la Côte-d'Or – entretien");
    no_engine_text(t);
    static const struct {
        const char *typed, *shown;
    } odd[] = {
        {"« budget »", "Budget communal, module"}, {"–", "Tapez au moins deux lettres"},
        {"…", "Tapez au moins deux lettres"},      {"d’", "Aucune formation trouvée."},
        {"budget —", "Budget communal, module"},    {"«" NBSP "»", "Aucune formation trouvée."},
        {"« – … »", "Aucune formation trouvée."},
    };
    for (size_t i = 0; i < sizeof odd / sizeof odd[0]; i++) {
        term_send(t, "\025");
        WAIT(t, "Tapez au moins deux lettres");
        term_send(t, odd[i].typed);
        WAIT(t, odd[i].shown);
        no_engine_text(t);
    }
    term_send(t, "\025« budget »");
    WAIT(t, "Budget communal, module");
    no_engine_text(t);
    term_send_key(t, TK_F10);
    assert_int_equal(term_wait_exit(t), 0);
    term_free(t);
}

/* The longest title is cut at a word with "…"; modality, price range, hours range and
 * place are whole; 3,5 h is not 3 h; a capped list says so. */
static void test_result_lines_at_80x24(void **state)
{
    (void)state;
    const char *db = db_with_catalogue("e2e-search-layout");
    struct term *t = start(24, 80, db, NULL);
    WAIT(t, "Accueil");
    term_send(t, "r");
    WAIT(t, "Tapez au moins deux lettres");
    term_send(t, "prospective");
    WAIT(t, "1 résultat");
    WAIT(t, "Élaborer et exécuter le budget");
    WAIT(t, "À distance · 1 200,00 €");
    int row = term_find_row(t, "Élaborer et exécuter le budget");
    assert_true(row > 0);
    char title[512];
    snprintf(title, sizeof title, "%s", term_row(t, row));
    char *end = strstr(title, "…");
    if (!end)
        fail_msg("titre sans « … » : %s", title);
    *end = '\0';
    /* cut after a whole word of the title */
    const char *in_title = strstr(LONG_TITLE, strstr(title, "Élaborer"));
    assert_non_null(in_title);
    char next = in_title[strlen(strstr(title, "Élaborer"))];
    if (next != ' ' && next != ',' && next != ':')
        fail_msg("titre coupé au milieu d'un mot : %s", title);
    const char *facts = term_row(t, row + 1);
    if (!harness_strstr(facts, "À distance · 1 200,00 € à 2 400,00 € · 14" NBSP "h à 35" NBSP "h · "
                       "dép. 04"))
        fail_msg("ligne des faits : %s", facts);
    term_send(t, "\025l’école");
    WAIT(t, "420,50 € · 3,5" NBSP "h · La Réunion (974) · Gestions Locales");
    term_send(t, "\025budget");
    WAIT(t, "Les 20 premiers résultats, il y en a d'autres" NBSP ": précisez la recherche.");
    term_send(t, "\025budget module 7");
    WAIT(t, "1 résultat");
    term_send_key(t, TK_F10);
    assert_int_equal(term_wait_exit(t), 0);
    term_free(t);
}

/* Enter on a result shows what will be created; Échap creates nothing and says so; Enter
 * creates it with the means of price and hours, never the lowest of each. */
static void test_dossier_shown_before_created(void **state)
{
    (void)state;
    const char *db = db_with_catalogue("e2e-search-confirm");
    struct term *t = start(24, 80, db, NULL);
    WAIT(t, "Accueil");
    term_send(t, "r");
    WAIT(t, "Tapez au moins deux lettres");
    term_send(t, "prospective\r");
    WAIT(t, "Entrée\u00a0: créer un dossier avec cette formation");
    term_send(t, "z"); /* a letter in the results says what the keys do there */
    WAIT(t, "revient aux critères pour changer la recherche");
    term_send(t, "\r");
    WAIT(t, "Créer un dossier avec cette formation" NBSP "?");
    WAIT(t, "Association des Formations Territoriales");
    WAIT(t, "Prix TTC" NBSP ": 1 800,00 € · Durée" NBSP ": 21" NBSP "h (moyennes des sessions");
    WAIT(t, "Entrée créer le dossier  Échap revenir aux résultats");
    assert_int_equal(dossier_count(db, NULL), 0); /* nothing made before the answer */
    term_send(t, "x");
    WAIT(t, "Entrée pour créer ce dossier, Échap pour revenir aux résultats");
    term_send(t, "\033");
    WAIT(t, "Aucun dossier créé.");
    WAIT(t, "Entrée\u00a0: créer un dossier avec cette formation");
    assert_int_equal(dossier_count(db, NULL), 0);
    term_send(t, "\r");
    WAIT(t, "Créer un dossier avec cette formation");
    term_send(t, "\r");
    WAIT(t, "Dossier n° 1 créé avec «\u00a0Élaborer");
    struct dossier d;
    assert_int_equal(dossier_count(db, &d), 1);
    assert_int_equal(d.price_cents, 180000); /* TTC mean, with the mean hours */
    assert_int_equal(d.hours_cents, 2100);
    term_send_key(t, TK_F10);
    assert_int_equal(term_wait_exit(t), 0);
    term_free(t);
}

/* The Mandat choice starts on the current mandate; long labels cycle, whole characters. */
static void test_mandate_choice(void **state)
{
    (void)state;
    const char *db = db_with_catalogue("e2e-search-mandate");
    add_mandate(db, "Conseillère municipale déléguée à l’éducation et à la jeunesse",
                "Saint-Étienne-de-Saint-Geoirs", (struct date){2014, 3, 30},
                (struct date){2020, 5, 23});
    add_mandate(db, "Vice-présidente chargée de l’économie et de l’emploi",
                "Communauté d’agglomération du Pays Voironnais", (struct date){2020, 7, 15},
                (struct date){2032, 3, 31});
    struct term *t = start(24, 80, db, NULL);
    WAIT(t, "Accueil");
    term_send(t, "r");
    WAIT(t, "Tapez au moins deux lettres");
    int row = term_find_row(t, "Mandat");
    assert_true(row > 0);
    const char *line = term_row(t, row);
    if (!strstr(line, "Vice-présidente chargée") || !strstr(line, "— Communauté"))
        fail_msg("mandat proposé : %s", line);
    assert_non_null(strstr(line, "…"));
    assert_null(strstr(line, "\xef\xbf\xbd")); /* no broken character */
    term_send_key(t, TK_UP); /* to the Mandat field */
    WAIT(t, "> Mandat");
    term_send(t, " ");
    WAIT(t, "(sans mandat)");
    term_send(t, " ");
    WAIT(t, "Conseillère municipale");
    WAIT(t, "Saint-Étienne");
    assert_null(strstr(term_row(t, row), "\xef\xbf\xbd"));
    term_send(t, " ");
    WAIT(t, "Vice-présidente chargée");
    term_send(t, " ");
    WAIT(t, "(sans mandat)");
    term_send_key(t, TK_F10);
    assert_int_equal(term_wait_exit(t), 0);
    term_free(t);
}

/* `ard` offers Ardèche and Ardennes; `reunion` is La Réunion; a unique start is taken. */
static void test_departement_field(void **state)
{
    (void)state;
    const char *db = db_with_catalogue("e2e-search-dept");
    struct term *t = start(24, 80, db, NULL);
    WAIT(t, "Accueil");
    term_send(t, "r");
    WAIT(t, "Tapez au moins deux lettres");
    term_send(t, "commun\t\tard");
    WAIT(t, "Ardèche (07) ou Ardennes (08)");
    WAIT(t, "Précisez le département (voir sous le champ Lieu)");
    term_send(t, "enn");
    WAIT(t, "→ Ardennes (08)");
    WAIT(t, "Les Ardennes et la forêt communale");
    term_send(t, "\025reunion");
    WAIT(t, "L’école et la commune");
    WAIT(t, "1 résultat");
    term_send(t, "\025RÉUNION");
    WAIT(t, "L’école et la commune");
    term_send(t, "\025Atlantide");
    WAIT(t, "Département inconnu");
    term_send_key(t, TK_F10);
    assert_int_equal(term_wait_exit(t), 0);
    term_free(t);
}

/* Échap from the search goes back to the screen where `r` was pressed. */
static void test_escape_returns_where_r_was_pressed(void **state)
{
    (void)state;
    const char *db = db_with_catalogue("e2e-search-back");
    struct term *t = start(24, 80, db, NULL);
    WAIT(t, "Accueil");
    term_send(t, "3");
    WAIT(t, "r : chercher dans le catalogue de difelus");
    term_send(t, "r");
    WAIT(t, "Rechercher une formation dans le catalogue");
    term_send(t, "\033");
    WAIT(t, "r : chercher dans le catalogue de difelus");
    assert_true(term_wait_gone(t, "Rechercher une formation dans le catalogue"));
    term_send(t, "d");
    WAIT(t, "Mes dossiers");
    term_send(t, "r");
    WAIT(t, "Rechercher une formation dans le catalogue");
    term_send(t, "\033");
    WAIT(t, "Mes dossiers");
    term_send(t, "h");
    WAIT(t, "Accueil");
    term_send(t, "r");
    WAIT(t, "Rechercher une formation dans le catalogue");
    term_send(t, "\033");
    WAIT(t, "Accueil");
    quit_cleanly(t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_french_punctuation_typed),
        cmocka_unit_test(test_result_lines_at_80x24),
        cmocka_unit_test(test_dossier_shown_before_created),
        cmocka_unit_test(test_mandate_choice),
        cmocka_unit_test(test_departement_field),
        cmocka_unit_test(test_escape_returns_where_r_was_pressed),
    };
    return cmocka_run_group_tests_name("e2e_search", tests, NULL, NULL);
}
