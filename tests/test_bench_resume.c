/* make bench's one summary table (bench/bench_resume.c): every bench's rows in one table, in
 * run order, each with its target, same-run reference and verdict; the Markdown copy in
 * <dir>/resume.md with the machine, ready to paste into BENCHMARKS.md; a bench that did not
 * run is said, not left out. The program is compiled in here, its main renamed. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "harness.h"

#define main bench_resume_main
#include "../bench/bench_resume.c"
#undef main

static void write(const char *dir, const char *name, const char *text)
{
    char path[4200];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    harness_write_file(path, text, strlen(text));
}

/* Runs bench_resume on dir, its terminal output into out.txt; returns resume.md. */
static char *run_resume(const char *dir)
{
    char out[4200], md[4200];
    snprintf(out, sizeof out, "%s/out.txt", dir);
    snprintf(md, sizeof md, "%s/resume.md", dir);
    nrows = 0;
    fflush(stdout);
    FILE *saved = stdout;
    stdout = fopen(out, "w");
    assert_non_null(stdout);
    char *argv[] = {"bench_resume", (char *)dir, NULL};
    assert_int_equal(bench_resume_main(2, argv), 0);
    fclose(stdout);
    stdout = saved;
    return harness_read_file(md, NULL);
}

static void test_every_bench_in_one_table_with_verdicts(void **state)
{
    (void)state;
    const char *dir = harness_tmpdir("bench_resume_all");
    write(dir, "machine.txt", "Processeur : AMD EPYC\nCœurs : 2\n");
    write(dir, "resume-catalogue.tsv",
          "Import de 200 000 formations\t5.10 s\t≤ shell sqlite3\tsqlite3 6.00 s → 0.85×\t"
          "atteint\nRecherche, 200 000 formations\tp50 0.7 ms, p99 3.1 ms\tp99 ≤ 2 ms\t"
          "grep -ci 120 ms\tnon atteint\n");
    write(dir, "resume-assistant.tsv",
          "Mémoire au plus haut (ru_maxrss), session complète\t9.65 Mo\t≤ 10 Mo\t"
          "après le premier écran 5.8 Mo\tatteint\nldd a|b\t9\t≤ 12\t\tatteint\n");
    write(dir, "resume-relais.tsv",
          "Relais : 500 sessions\t500 prêtes\t500 tenues, 0 erreur\tau repos 7.7 Mo\t"
          "atteint\n");
    write(dir, "resume-partage.tsv",
          "Partage : commit → agent (1500)\tp50 1.5 ms, p99 3.1 ms\tp50 ≤ 5 ms, p99 ≤ 25 ms\t"
          "vu des terminaux\tatteint\n");
    char *md = run_resume(dir);
    assert_non_null(md);
    /* the machine first, then the table with its five columns */
    assert_non_null(strstr(md, "### Machine (écrite par `bench/machine.sh`)\n\n"
                               "- Processeur : AMD EPYC\n- Cœurs : 2\n"));
    assert_non_null(strstr(md, "| Mesure | Mesuré | Objectif | Référence (même passage) | "
                               "Verdict |\n|---|---|---|---|---|\n"));
    /* every bench's rows, in the order they ran */
    char *import = strstr(md, "| Import de 200 000 formations | 5.10 s | ≤ shell sqlite3 | "
                              "sqlite3 6.00 s → 0.85× | atteint |");
    char *memory = strstr(md, "| Mémoire au plus haut (ru_maxrss), session complète | 9.65 Mo "
                              "| ≤ 10 Mo |");
    char *relay = strstr(md, "| Relais : 500 sessions |");
    char *share = strstr(md, "| Partage : commit → agent (1500) |");
    assert_non_null(import);
    assert_non_null(memory);
    assert_non_null(relay);
    assert_non_null(share);
    assert_true(import < memory && memory < relay && relay < share);
    /* a '|' in a cell does not break the Markdown table; an empty cell reads « – » */
    assert_non_null(strstr(md, "| ldd a\\|b | 9 | ≤ 12 | – | atteint |"));
    assert_non_null(strstr(md, "Objectifs atteints : 5 ; non atteints : 1."));
    char out[4200];
    snprintf(out, sizeof out, "%s/out.txt", dir);
    char *text = harness_read_file(out, NULL);
    assert_non_null(strstr(text, "Résumé de make bench"));
    /* on the terminal, one block per figure: its title, then what was measured, against
     * what, and the verdict; an empty cell is left out rather than shown as « – » */
    assert_non_null(strstr(text, "\nRecherche, 200 000 formations\n  mesuré p50 0.7 ms, p99 "
                                 "3.1 ms · objectif p99 ≤ 2 ms · référence grep -ci"));
    assert_non_null(strstr(text, "\nldd a|b\n  mesuré 9 · objectif ≤ 12 → atteint\n"));
    /* a long block wraps at words, continuation indented */
    assert_non_null(strstr(text, "\nMémoire au plus haut (ru_maxrss), session complète\n"
                                 "  mesuré 9.65 Mo · objectif ≤ 10 Mo · référence après le "
                                 "premier écran 5.8 Mo\n  → atteint\n"));
    /* ... never between a number and its unit, nor between « p90 » and its value */
    assert_true(sticky("dialog 3.35 ms (p90 4.20)", 19));
    assert_false(sticky("dialog 3.35 ms (p90 4.20)", 14));
    assert_non_null(strstr(text, "grep -ci\n  120 ms → non atteint\n"));
    /* readable on an 80-column terminal: no line is wider */
    for (char *line = text; *line;) {
        size_t len = strcspn(line, "\n");
        char one[1024];
        snprintf(one, sizeof one, "%.*s", (int)len, line);
        if (columns(one) > 80)
            print_message("trop large (%zu colonnes) : %s\n", columns(one), one);
        assert_true(columns(one) <= 80);
        line += len + (line[len] == '\n');
    }
    assert_non_null(strstr(text, "Objectifs atteints : 5 ; non atteints : 1."));
    free(text);
    free(md);
}

static void test_a_bench_that_did_not_run_is_said(void **state)
{
    (void)state;
    const char *dir = harness_tmpdir("bench_resume_missing");
    write(dir, "resume-catalogue.tsv", "Recherche\tp99 1 ms\tp99 ≤ 2 ms\tgrep\tatteint\n");
    char *md = run_resume(dir);
    assert_non_null(md);
    assert_non_null(strstr(md, "| Relais (bench_relay) | pas de mesure (resume-relais.tsv "
                               "absent) |"));
    assert_non_null(strstr(md, "| Partage (bench_share) | pas de mesure"));
    assert_non_null(strstr(md, "| Assistant (bench_wizard) | pas de mesure"));
    assert_non_null(strstr(md, "machine.txt absent"));
    char out[4200];
    snprintf(out, sizeof out, "%s/out.txt", dir);
    char *text = harness_read_file(out, NULL);
    assert_non_null(strstr(text, "\nRelais (bench_relay)\n  pas de mesure (resume-relais.tsv "
                                 "absent)\n"));
    free(text);
    free(md);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_every_bench_in_one_table_with_verdicts),
        cmocka_unit_test(test_a_bench_that_did_not_run_is_said),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
