/* The order and the reach of a catalogue search, as fast at 400 000 trainings as at 5: the
 * words in a title come before the same words in a body's name or a certification, even
 * in a hit set too large to rank whole (its first 1 000 are); and a prefix of four letters
 * or more finds every word it starts, through the catalogue's vocabulary or, in a
 * catalogue written before it existed, by the index's own prefix search. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "difelus/catalogue.h"
#include "harness.h"

/* A store in its own folder with `csv` imported as its catalogue. */
static store *with_catalogue(const char *name, const char *csv, size_t records, char *dir_out,
                             size_t dirlen)
{
    const char *dir = harness_tmpdir(name);
    char path[4200], file[4200], err[1024] = "";
    snprintf(path, sizeof path, "%s/difelus.db", dir);
    snprintf(file, sizeof file, "%s/catalogue.csv", dir);
    harness_write_file(file, csv, strlen(csv));
    store *st = store_open(path, err, sizeof err);
    assert_non_null(st);
    struct catalogue_import r;
    if (catalogue_import_file(st, file, &r, NULL, NULL, err, sizeof err) != 0)
        fail_msg("import : %s", err);
    assert_int_equal(r.records, records);
    if (dir_out)
        snprintf(dir_out, dirlen, "%s", dir);
    return st;
}

/* Numbers of the hits for `words` (at most `limit`), joined by '|'; *more if not NULL. */
static const char *found(store *st, const char *words, int limit, bool *more)
{
    static char out[8192];
    struct catalogue_hit hits[60];
    size_t n = 0;
    char err[512] = "";
    struct catalogue_query q = {.words = words, .limit = limit, .more = more};
    if (catalogue_search(st, &q, hits, 60, &n, err, sizeof err) != 0)
        fail_msg("recherche « %s » refusée : %s", words, err);
    out[0] = '\0';
    for (size_t i = 0; i < n; i++) {
        strcat(out, i ? "|" : "");
        strncat(out, hits[i].numero, sizeof out - strlen(out) - 2);
    }
    return out;
}

#define HEADER "numero_formation;intitule_formation;nom_of;intitule_certification\n"

static void test_title_before_body_before_certification(void **state)
{
    (void)state;
    static const char csv[] = HEADER
        "C-1;Accueil du public;Institut du Budget;\n"
        "C-2;Accueil des usagers;Centre Horizon;Gestion du budget\n"
        "C-3;Budget et accueil;Institut du Budget;\n"
        "C-4;Le budget communal;Centre Horizon;\n"
        "C-5;Tourisme;Centre Horizon;\n";
    store *st = with_catalogue("rank-columns", csv, 5, NULL, 0);
    /* title and body, title, body, certification */
    assert_string_equal(found(st, "budget", 10, NULL), "C-3|C-4|C-1|C-2");
    assert_string_equal(found(st, "budg", 10, NULL), "C-3|C-4|C-1|C-2");
    /* both words in the title first, then one in the title and one in the body's name,
     * then one in the title and one in the certification */
    assert_string_equal(found(st, "budget accueil", 10, NULL), "C-3|C-1|C-2");
    store_close(st);
}

/* 1 500 trainings hold « budget » in their body's name; one of them, the 600th, in its
 * title too: it comes first although it is far from the first in the index. */
static void test_large_hit_set_ranks_its_first_thousand(void **state)
{
    (void)state;
    size_t cap = 1600 * 80;
    char *csv = malloc(cap);
    assert_non_null(csv);
    size_t o = (size_t)snprintf(csv, cap, HEADER);
    for (int i = 1; i <= 1500; i++)
        o += (size_t)snprintf(csv + o, cap - o, "L-%d;%s %d;Budget Conseil;\n", i,
                              i == 600 ? "Budget de la commune, session" : "Accueil, session",
                              i);
    store *st = with_catalogue("rank-large", csv, 1500, NULL, 0);
    free(csv);
    bool more = false;
    const char *hits = found(st, "budget", 5, &more);
    assert_true(more);
    if (strncmp(hits, "L-600|", 6) != 0)
        fail_msg("« budget » : %s (L-600 attendu en premier)", hits);
    /* the filters of the index keep that order */
    more = false;
    assert_string_equal(found(st, "budget commune", 5, &more), "L-600");
    assert_false(more);
    store_close(st);
}

static const char prefixes_csv[] =
    HEADER "P-1;Anglais professionnel;Langues Vivantes;\n"
           "P-2;Anglaise professionnelle;Langues Vivantes;\n"
           "P-3;Professionnalisation des élus;Institut Local;\n"
           "P-4;Profil de poste;Institut Local;\n"
           "P-5;Profaa profab profac profad profae profaf profag profah;Institut Local;\n"
           "P-6;Profai profaj profak profal profam profan profao profap profaq;Institut Local;\n";

/* Numbers of the hits of each query, checked in the catalogue at `dir`. */
static void check_prefixes(store *st)
{
    assert_string_equal(found(st, "profession", 10, NULL), "P-1|P-2|P-3");
    assert_string_equal(found(st, "professionnel", 10, NULL), "P-1|P-2");
    assert_string_equal(found(st, "PROFESSIONNELLE", 10, NULL), "P-2");
    assert_string_equal(found(st, "anglais profess", 10, NULL), "P-1");
    assert_string_equal(found(st, "élus professionnalisation", 10, NULL), "P-3");
    assert_string_equal(found(st, "professionnalisations", 10, NULL), "");
    assert_string_equal(found(st, "zzzz", 10, NULL), "");
    /* more than 16 words start with « prof » */
    assert_string_equal(found(st, "prof", 10, NULL), "P-1|P-2|P-3|P-4|P-5|P-6");
    assert_string_equal(found(st, "profa", 10, NULL), "P-5|P-6");
    assert_string_equal(found(st, "profaq", 10, NULL), "P-6");
}

static void test_long_prefixes_find_every_word(void **state)
{
    (void)state;
    char dir[4200];
    store *st = with_catalogue("rank-prefixes", prefixes_csv, 6, dir, sizeof dir);
    check_prefixes(st);
    store_close(st);
    /* A catalogue imported by an earlier difelus has no vocabulary: the same answers. */
    char cat[4300], path[4300], err[512] = "";
    snprintf(cat, sizeof cat, "%s/catalogue.db", dir);
    sqlite3 *db;
    assert_int_equal(sqlite3_open(cat, &db), SQLITE_OK);
    assert_int_equal(sqlite3_exec(db, "DROP TABLE training_word", NULL, NULL, NULL), SQLITE_OK);
    sqlite3_close(db);
    snprintf(path, sizeof path, "%s/difelus.db", dir);
    st = store_open(path, err, sizeof err);
    assert_non_null(st);
    check_prefixes(st);
    store_close(st);
}

/* A prefix stands for several words of the catalogue: a training holding three of them
 * (« formation », « formateurs », « formatrices ») does not outweigh one holding both typed
 * words in its title; the order stays the same while the official types the word on. */
static void test_prefix_forms_count_once(void **state)
{
    (void)state;
    static const char csv[] = HEADER
        "F-1;Formation des formateurs et formatrices;Institut du Budget;\n"
        "F-2;Budget communal : formation;Centre Horizon;\n";
    store *st = with_catalogue("rank-forms", csv, 2, NULL, 0);
    assert_string_equal(found(st, "budget form", 10, NULL), "F-2|F-1");
    assert_string_equal(found(st, "budget forma", 10, NULL), "F-2|F-1");
    assert_string_equal(found(st, "budget formation", 10, NULL), "F-2|F-1");
    store_close(st);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_title_before_body_before_certification),
        cmocka_unit_test(test_large_hit_set_ranks_its_first_thousand),
        cmocka_unit_test(test_long_prefixes_find_every_word),
        cmocka_unit_test(test_prefix_forms_count_once),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
