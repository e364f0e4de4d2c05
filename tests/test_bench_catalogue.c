/* make bench's import reference (bench/bench_catalogue.c): the script it gives the sqlite3
 * shell builds the same FTS5 index as difelus's own import of the same CSV — the same table
 * definition (tokenizer, prefixes, columns), the same FTS5 settings and the same words in each
 * column — so that the import figure is compared with a shell doing the same indexing work.
 * The bench is compiled in here, its main renamed. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "harness.h"

#define main bench_catalogue_main
#include "../bench/bench_catalogue.c"
#undef main

/* One value of a query on a database (a count, or the text of a first column). */
static char *query_text_of(const char *path, const char *sql, const char *bind)
{
    sqlite3 *db;
    char *out = NULL;
    assert_int_equal(sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
    sqlite3_stmt *s;
    assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &s, NULL), SQLITE_OK);
    if (bind)
        sqlite3_bind_text(s, 1, bind, -1, SQLITE_STATIC);
    if (sqlite3_step(s) == SQLITE_ROW)
        out = strdup((const char *)sqlite3_column_text(s, 0));
    sqlite3_finalize(s);
    sqlite3_close(db);
    assert_non_null(out);
    return out;
}

static void test_the_shell_builds_the_same_index_as_difelus(void **state)
{
    (void)state;
    if (system("command -v sqlite3 >/dev/null 2>&1") != 0) {
        print_message("sqlite3 absent (apt-get install sqlite3) : test sauté\n");
        skip();
    }
    const char *dir = harness_tmpdir("bench_catalogue_reference");
    char csv[4200], db[4200], cat[4200], script[4200], refdb[4200], log[4200], why[8800];
    snprintf(csv, sizeof csv, "%s/catalogue.csv", dir);
    snprintf(db, sizeof db, "%s/difelus.db", dir);
    snprintf(cat, sizeof cat, "%s/catalogue.db", dir);
    snprintf(script, sizeof script, "%s/reference.sql", dir);
    snprintf(refdb, sizeof refdb, "%s/reference.db", dir);
    snprintf(log, sizeof log, "%s/reference.log", dir);
    generate(csv, 600);
    char err[2048];
    store *st = store_open(db, err, sizeof err);
    assert_non_null(st);
    struct catalogue_import rep;
    assert_int_equal(catalogue_import_file(st, csv, &rep, NULL, NULL, err, sizeof err), 0);
    store_close(st);
    assert_int_equal(rep.records, 600);

    assert_true(write_shell_script(cat, csv, script, why, sizeof why));
    long maxrss = 0;
    double seconds = time_shell(refdb, script, log, &maxrss);
    if (seconds <= 0) {
        char *text = harness_read_file(log, NULL);
        print_message("sqlite3 : %s\n", text ? text : "(rien)");
        free(text);
    }
    assert_true(seconds > 0);
    assert_true(maxrss > 0);
    assert_int_equal(count_rows(refdb, "SELECT count(*) FROM raw"), 600);

    /* The same definition: tokenizer, prefix indexes, columns. */
    static const char def[] = "SELECT sql FROM sqlite_schema WHERE name = 'training_fts'";
    char *mine = query_text_of(cat, def, NULL), *shell = query_text_of(refdb, def, NULL);
    assert_string_equal(shell, mine);
    free(mine);
    free(shell);

    /* The same FTS5 settings (difelus's hashsize of 32 Mo): the same work in each. */
    static const char config[] =
        "SELECT coalesce(group_concat(k || '=' || v, ' '), '') FROM"
        " (SELECT k, v FROM training_fts_config ORDER BY k)";
    mine = query_text_of(cat, config, NULL);
    shell = query_text_of(refdb, config, NULL);
    assert_non_null(strstr(mine, "hashsize=33554432"));
    assert_string_equal(shell, mine);
    free(mine);
    free(shell);

    /* The same words in each column: accents removed, œ folded, prefixes, the filters. */
    static const char *const matches[] = {
        "budget",          "title : budg*",   "title : urbanisme", "coeur",
        "oeuvre",          "title : amenag*", "body : institut",   "cert : titre",
        "filters : mdistance", "filters : d2a", "filters : x07presentiel", "ecologique",
    };
    static const char count[] =
        "SELECT count(*) FROM training_fts WHERE training_fts MATCH ?1";
    for (size_t i = 0; i < N(matches); i++) {
        char *a = query_text_of(cat, count, matches[i]), *b = query_text_of(refdb, count,
                                                                              matches[i]);
        if (strcmp(a, b) != 0)
            print_message("« %s » : difelus %s, shell %s\n", matches[i], a, b);
        assert_string_equal(b, a);
        if (i < 3)
            assert_true(atol(a) > 0);
        free(a);
        free(b);
    }
}

/* Runs growth() on two sizes, 50 000 and 400 000: p99 and the p99 of the per-query medians
 * at each, and the odd/even p99 spread (noise, relative); returns the summary row. */
static char *growth_row(double p99_a, double med_a, double p99_z, double med_z, double noise)
{
    const char *dir = harness_tmpdir("bench_catalogue_growth");
    snprintf(summary_path, sizeof summary_path, "%s/resume-catalogue.tsv", dir);
    struct size_figures f[2] = {
        {.records = 50000, .ok = true, .p99 = p99_a, .p99_medians = med_a,
         .p99_odd = p99_a * (1 + noise / 2), .p99_even = p99_a * (1 - noise / 2)},
        {.records = 400000, .ok = true, .p99 = p99_z, .p99_medians = med_z,
         .p99_odd = p99_z, .p99_even = p99_z},
    };
    growth(f, 2);
    char *row = harness_read_file(summary_path, NULL);
    assert_non_null(row);
    return row;
}

static void test_the_growth_verdict_is_honest_both_ways(void **state)
{
    (void)state;
    /* p99 went down as the catalogue grew eightfold: noise, not a gain — « plat », and the
     * verdict rests on the per-query medians, flat within the noise */
    char *row = growth_row(10.0, 4.0, 5.2, 3.8, 0.18);
    assert_non_null(strstr(row, "\tplat (dans le bruit de mesure) : ×0.95 ; p99 brut ×0.52"));
    assert_non_null(strstr(row, "(p99 des médianes par requête)\t"));
    assert_non_null(strstr(row, "\t≤ ×1.19 (log n)\tn : ×8 ; bruit ±18 %\tatteint\n"));
    free(row);
    /* the raw p99 went down, but each query's own cost grew sixfold: not met */
    row = growth_row(10.0, 4.0, 8.0, 24.0, 0.18);
    assert_null(strstr(row, "plat"));
    assert_non_null(strstr(row, "\t×6.00 ; p99 brut ×0.80"));
    assert_non_null(strstr(row, "\tnon atteint\n"));
    free(row);
    /* above log(n), but by less than the noise: the verdict says the measure cannot tell */
    row = growth_row(10.0, 4.0, 10.0, 5.2, 0.18);
    assert_non_null(strstr(row, "\tnon atteint (dans le bruit de mesure)\n"));
    free(row);
    /* no per-query medians: the raw p99 decides, with the same honesty */
    row = growth_row(10.0, 0, 9.0, 0, 0.05);
    assert_non_null(strstr(row, "(p99)\tplat (dans le bruit de mesure) : ×0.90 (b = "));
    assert_non_null(strstr(row, "\tatteint\n"));
    free(row);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_the_shell_builds_the_same_index_as_difelus),
        cmocka_unit_test(test_the_growth_verdict_is_honest_both_ways),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
