/* Catalogue search with what officials really type: French punctuation (’ « » – … and a
 * non-breaking hyphen), split into words as the index's tokenizer does; hours and prices as
 * the command line shows them; a capped result list that says so; and the price and hours
 * a dossier takes from a training. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sqlite3.h>
#include <strings.h>

#include "difelus/catalogue.h"
#include "difelus/text.h"
#include "harness.h"

/* A training body's CSV whose titles hold the punctuation officials type. */
static const char fixture[] =
    "reference;intitule;organisme;siret;modalite;departement;prix;heures;description\n"
    "P-01;L’école et la commune : obligations du maire;Gestions Locales;73282932000074;"
    "présentiel;07;420,5;3,5;\n"
    "P-02;Routes de la Côte-d'Or – entretien et sécurité;Gestions Locales;73282932000074;"
    "présentiel;21;700;7;\n"
    "P-03;Le « budget » communal… en pratique;Formations Élus;;distance;;;14;\n"
    "P-04;Cœur de ville : revitaliser le centre-bourg;Formations Élus;;présentiel;69;1200;;\n"
    "P-05;Δημοκρατία et démocratie locale 2026;Formations Élus;;distance;;350;;\n";

static store *open_with_fixture(const char *name, char *opt, size_t optlen)
{
    const char *dir = harness_tmpdir(name);
    char path[4200], csv[4200], err[1024] = "";
    snprintf(path, sizeof path, "%s/difelus.db", dir);
    snprintf(csv, sizeof csv, "%s/organisme.csv", dir);
    harness_write_file(csv, fixture, strlen(fixture));
    store *st = store_open(path, err, sizeof err);
    assert_non_null(st);
    struct catalogue_import r;
    if (catalogue_import_file(st, csv, &r, NULL, NULL, err, sizeof err) != 0)
        fail_msg("import : %s", err);
    assert_int_equal(r.records, 5);
    if (opt)
        snprintf(opt, optlen, "--db=%s", path);
    return st;
}

/* References of the hits for `words`, joined by '|'; fails on any error, and on an error
 * message that is not French. */
static const char *refs(store *st, const char *words)
{
    static char out[512];
    struct catalogue_hit hits[10];
    size_t n = 0;
    char err[512] = "";
    struct catalogue_query q = {.words = words, .limit = 10};
    if (catalogue_search(st, &q, hits, 10, &n, err, sizeof err) != 0)
        fail_msg("recherche « %s » refusée : %s", words, err);
    out[0] = '\0';
    for (size_t i = 0; i < n; i++) {
        strcat(out, i ? "|" : "");
        strncat(out, hits[i].numero, sizeof out - strlen(out) - 2);
    }
    return out;
}

static void test_french_punctuation_is_only_a_separator(void **state)
{
    (void)state;
    store *st = open_with_fixture("search-punct", NULL, 0);
    /* Typed as officials type them: typographic apostrophe, non-breaking hyphen (U+2011),
     * guillemets with non-breaking spaces, en and em dashes, ellipsis. */
    assert_string_equal(refs(st, "l’école"), "P-01");
    assert_string_equal(refs(st, "l'école"), "P-01");
    assert_string_equal(refs(st, "L’ÉCOLE"), "P-01");
    assert_string_equal(refs(st, "Côte‑d’Or"), "P-02");
    assert_string_equal(refs(st, "côte-d'or"), "P-02");
    assert_string_equal(refs(st, "routes – côte"), "P-02");
    assert_string_equal(refs(st, "« budget »"), "P-03");
    assert_string_equal(refs(st, "«\u00a0budget\u00a0»"), "P-03");
    assert_string_equal(refs(st, "budget…"), "P-03");
    assert_string_equal(refs(st, "cœur"), "P-04");
    assert_string_equal(refs(st, "coeur de ville"), "P-04");
    assert_string_equal(refs(st, "centre‑bourg"), "P-04");
    assert_string_equal(refs(st, "δημοκρατία"), "P-05"); /* any alphabet is letters */
    assert_string_equal(refs(st, "démocratie 2026"), "P-05");
    /* punctuation alone, or with one letter, finds nothing and is no error */
    static const char *const nothing[] = {
        "–", "—", "…", "«", "»", "« »", "’", "‑", "l’", "d’", "« – … »", "\u00a0", "\u202f",
        "¿", "•", "·", "°", "€", "%", "‰", "§", "©", "(", ")", "[", "]", "{", "}", "\"",
        "'", "*", ":", "^", "-", "+", "NEAR", "x",
    };
    for (size_t i = 0; i < sizeof nothing / sizeof nothing[0]; i++)
        if (strcmp(refs(st, nothing[i]), "") != 0 && strcmp(nothing[i], "NEAR") != 0)
            fail_msg("« %s » a trouvé « %s »", nothing[i], refs(st, nothing[i]));
    /* mixed with words and FTS5 syntax, punctuation never becomes an error */
    static const char *const mixed[] = {
        "l’école « budget »", "“école”", "„école“", "‹école›", "école;", "école!", "école?",
        "école:", "école — commune", "école/commune", "école\\commune", "école|commune",
        "école&commune", "école AND OR NOT", "école*", "*école", "\"école", "école\"",
        "école'", "'école", "(école", "NEAR(école commune)", "title:école", "{title}:école",
        "école\u2028commune", "école\u200bcommune", "é\u0301cole", "１２３", "école‐commune",
        "école−commune", "2026‑2027", "l’école‑maternelle", "aujourd’hui", "entr’aide",
    };
    for (size_t i = 0; i < sizeof mixed / sizeof mixed[0]; i++)
        refs(st, mixed[i]);
    assert_string_equal(refs(st, "l’école « commune »"), "P-01");
    assert_string_equal(refs(st, "école: commune!"), "P-01");
    store_close(st);
}

/* A damaged index's error is French: SQLite's text never reaches the official. */
static void test_search_error_is_french(void **state)
{
    (void)state;
    char opt[4300];
    store *st = open_with_fixture("search-error", opt, sizeof opt);
    store_close(st);
    /* Drop the index behind difelus's back: the search fails, in French. */
    char cat[4300];
    snprintf(cat, sizeof cat, "%s", opt + 5);
    *strrchr(cat, '/') = '\0';
    strcat(cat, "/catalogue.db");
    sqlite3 *db;
    assert_int_equal(sqlite3_open(cat, &db), SQLITE_OK);
    assert_int_equal(sqlite3_exec(db, "DROP TABLE training_fts", NULL, NULL, NULL), SQLITE_OK);
    sqlite3_close(db);
    struct run_result r;
    harness_run(&r, (const char *[]){opt, "catalogue", "chercher", "l’école", NULL}, NULL);
    assert_int_equal(r.status, 1);
    assert_non_null(harness_strstr(r.err, "catalogue"));
    assert_null(strcasestr(r.err, "no such"));
    assert_null(strcasestr(r.err, "fts5"));
    assert_null(strcasestr(r.err, "sql"));
    harness_run_free(&r);
}

static void test_hours_formatter(void **state)
{
    (void)state;
    char buf[48];
    static const struct {
        int hundredths;
        const char *text;
    } cases[] = {
        {700, "7\u00a0h"},       {350, "3,5\u00a0h"},     {325, "3,25\u00a0h"},
        {5, "0,05\u00a0h"},      {0, "0\u00a0h"},         {1400, "14\u00a0h"},
        {120000, "1\u00a0200\u00a0h"}, {3333, "33,33\u00a0h"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        text_format_hours(cases[i].hundredths, buf, sizeof buf);
        assert_string_equal(buf, cases[i].text);
    }
}

/* The command line shows 3,5 h (not 3 h) and « prix inconnu » (not ?). */
static void test_cli_hours_and_unknown_price(void **state)
{
    (void)state;
    char opt[4300];
    store_close(open_with_fixture("search-cli", opt, sizeof opt));
    struct run_result r;
    harness_run(&r, (const char *[]){opt, "catalogue", "chercher", "l’école", NULL}, NULL);
    assert_int_equal(r.status, 0);
    assert_non_null(harness_strstr(r.out, "420,50 € · 3,5 h"));
    harness_run_free(&r);
    harness_run(&r, (const char *[]){opt, "catalogue", "chercher", "« budget »", NULL}, NULL);
    assert_int_equal(r.status, 0);
    assert_non_null(harness_strstr(r.out, "prix inconnu · 14\u00a0h"));
    assert_null(harness_strstr(r.out, "?"));
    harness_run_free(&r);
    harness_run(&r, (const char *[]){opt, "catalogue", "chercher", "cœur", NULL}, NULL);
    assert_non_null(harness_strstr(r.out, "1 200,00 € · durée inconnue"));
    harness_run_free(&r);
}

/* More matches than shown: the list says so, and how to narrow the search. */
static void test_capped_count_says_there_are_more(void **state)
{
    (void)state;
    char opt[4300];
    store *st = open_with_fixture("search-more", opt, sizeof opt);
    struct catalogue_hit hits[5];
    size_t n;
    bool more = true;
    char err[512];
    struct catalogue_query q = {.words = "formations élus", .limit = 2, .more = &more};
    assert_int_equal(catalogue_search(st, &q, hits, 5, &n, err, sizeof err), 0);
    assert_int_equal(n, 2);
    assert_true(more);
    q.limit = 3;
    assert_int_equal(catalogue_search(st, &q, hits, 5, &n, err, sizeof err), 0);
    assert_int_equal(n, 3);
    assert_false(more);
    store_close(st);
    struct run_result r;
    harness_run(&r, (const char *[]){opt, "catalogue", "chercher", "formations", "--limite", "2",
                                     NULL}, NULL);
    assert_int_equal(r.status, 0);
    if (!harness_strstr(r.out, "Seules les 2 premières"))
        fail_msg("%s / %s", r.out, r.err);
    assert_non_null(harness_strstr(r.raw_out, "Seules les 2 premières formations sont affichées, d'autres "
                                  "correspondent\u00a0: précisez la recherche"));
    harness_run_free(&r);
    harness_run(&r, (const char *[]){opt, "catalogue", "chercher", "formations", "--limite", "3",
                                     NULL}, NULL);
    assert_null(harness_strstr(r.out, "premières formations"));
    harness_run_free(&r);
}

/* A dossier takes price and hours of the same kind: both means, or one session's. */
static void test_prefill_same_kind(void **state)
{
    (void)state;
    long price;
    int hours;
    /* sessions from 1 200 € for 14 h to 2 400 € for 35 h, means 1 800 € and 21 h */
    struct catalogue_hit h = {.price_min = 120000, .price_max = 240000, .price_mean = 180000,
                              .hours_min = 1400, .hours_max = 3500, .hours_mean = 2100};
    assert_int_equal(catalogue_hit_prefill(&h, &price, &hours), PREFILL_MEANS);
    assert_int_equal(price, 180000);
    assert_int_equal(hours, 2100);
    /* one session (a body's CSV: one price, one duration) */
    struct catalogue_hit one = {.price_min = 42050, .price_max = -1, .price_mean = -1,
                                .hours_min = 350};
    assert_int_equal(catalogue_hit_prefill(&one, &price, &hours), PREFILL_ONE_SESSION);
    assert_int_equal(price, 42050);
    assert_int_equal(hours, 350);
    /* every session the same price, hours varying: the price is also the mean */
    struct catalogue_hit same = {.price_min = 56000, .price_max = 56000, .price_mean = 56000,
                                 .hours_min = 700, .hours_max = 1400, .hours_mean = 1050};
    assert_int_equal(catalogue_hit_prefill(&same, &price, &hours), PREFILL_MEANS);
    assert_int_equal(price, 56000);
    assert_int_equal(hours, 1050);
    /* varying without means: nothing rather than the lowest price with the lowest hours */
    struct catalogue_hit ranges = {.price_min = 50000, .price_max = 90000, .price_mean = -1,
                                   .hours_min = 700, .hours_max = 1400};
    assert_int_equal(catalogue_hit_prefill(&ranges, &price, &hours), PREFILL_NONE);
    assert_int_equal(price, -1);
    assert_int_equal(hours, 0);
    struct catalogue_hit unknown = {.price_min = -1, .price_max = -1, .price_mean = -1};
    assert_int_equal(catalogue_hit_prefill(&unknown, &price, &hours), PREFILL_NONE);
}

/* The Département field: a start offers the départements it may be, accents, case and
 * article folded. */
static void test_departement_suggestions(void **state)
{
    (void)state;
    const struct departement *d[8];
    assert_int_equal(places_match_departements("ard", d, 8), 2);
    assert_string_equal(d[0]->name, "Ardèche");
    assert_string_equal(d[1]->name, "Ardennes");
    assert_int_equal(places_match_departements("ARDE", d, 8), 2);
    assert_int_equal(places_match_departements("ardec", d, 8), 1);
    assert_string_equal(d[0]->code, "07");
    assert_string_equal(places_find_departement("reunion")->code, "974");
    assert_string_equal(places_find_departement("Réunion")->code, "974");
    assert_string_equal(places_find_departement("la reunion")->code, "974");
    /* as a word processor writes it: typographic apostrophe, non-breaking hyphen */
    assert_non_null(places_find_departement("Côte\u2011d\u2019Or"));
    assert_string_equal(places_find_departement("Côte\u2011d\u2019Or")->code, "21");
    assert_string_equal(places_find_departement("Côte-d\u2019Or")->code, "21");
    assert_string_equal(places_find_departement("Val\u00a0d\u2019Oise")->code, "95");
    assert_int_equal(places_match_departements("réu", d, 8), 1);
    assert_string_equal(d[0]->code, "974");
    assert_int_equal(places_match_departements("garonne", d, 8), 3); /* any word of the name */
    assert_int_equal(places_match_departements("savoie", d, 8), 1); /* the exact name first */
    assert_string_equal(d[0]->code, "73");
    assert_int_equal(places_match_departements("07", d, 8), 1);
    assert_int_equal(places_match_departements("atlantide", d, 8), 0);
    assert_int_equal(places_match_departements("", d, 8), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_french_punctuation_is_only_a_separator),
        cmocka_unit_test(test_search_error_is_french),
        cmocka_unit_test(test_hours_formatter),
        cmocka_unit_test(test_cli_hours_and_unknown_price),
        cmocka_unit_test(test_capped_count_says_there_are_more),
        cmocka_unit_test(test_prefill_same_kind),
        cmocka_unit_test(test_departement_suggestions),
    };
    return cmocka_run_group_tests_name("catalogue_search", tests, NULL, NULL);
}
