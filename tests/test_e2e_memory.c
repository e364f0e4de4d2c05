/* End-to-end, the wizard's memory (issue 10: peak RSS ≤ 10 MB): opening the search screen
 * on a catalogue larger than SQLite's page cache must not read the whole catalogue (it used
 * to count the trainings with a scan and a sort: the page cache and the sorter filled up,
 * 4 Mo and 0,4 s at 200 000 trainings), and a session of searches stays under the target.
 * Memory is read from /proc (VmHWM, the peak), never time. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "e2e.h"

/* Sanitizers and valgrind multiply the memory: the figures are checked without them. */
#if defined(__SANITIZE_ADDRESS__)
#define SANITIZED 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define SANITIZED 1
#endif
#endif
#ifndef SANITIZED
#define SANITIZED 0
#endif

#define TRAININGS 6000

static const char header[] =
    "numero_formation;intitule_formation;nom_of;siret_of;code_departement;nom_departement;"
    "nom_region;frais_ttc_tot_min;frais_ttc_tot_max;frais_ttc_tot_mean;"
    "nombre_heures_total_min;nombre_heures_total_max;nombre_heures_total_mean;"
    "nb_session_a_distance;type_referentiel;code_rncp;code_rs;intitule_certification;"
    "objectif_formation;date_chargement\n";

static const char *const themes[] = {"budget communal", "urbanisme", "marchés publics",
                                     "prise de parole", "ressources humaines", "numérique"};

/* A database beside a catalogue of TRAININGS trainings from the Caisse des Dépôts (about
 * 5 Mo of table, more than the 2 Mo of SQLite's page cache) and 2 from a training body. */
static const char *db_with_large_catalogue(const char *name)
{
    const char *db = fresh_db(name);
    static char opt[4300];
    snprintf(opt, sizeof opt, "%s", db);
    const char *dir = opt + 5;
    int dirlen = (int)(strrchr(dir, '/') - dir);
    char csv[4400], body_csv[4400];
    snprintf(csv, sizeof csv, "%.*s/cdc.csv", dirlen, dir);
    snprintf(body_csv, sizeof body_csv, "%.*s/organisme.csv", dirlen, dir);
    size_t cap = (size_t)TRAININGS * 1024 + 4096, o = 0;
    char *data = malloc(cap);
    assert_non_null(data);
    o += (size_t)snprintf(data + o, cap - o, "%s", header);
    for (int i = 1; i <= TRAININGS; i++) {
        const char *theme = themes[i % (int)(sizeof themes / sizeof *themes)];
        o += (size_t)snprintf(
            data + o, cap - o,
            "M-%d;Maîtriser le %s, module %d;Institut des Territoires %d;;%02d;Ardèche;"
            "Auvergne-Rhône-Alpes;%d;%d;%d;7;14;10;%d;RS;;RS%d;Certificat %s;"
            "Former les élus au %s : cadre juridique, calendrier, rôle du conseil municipal "
            "et des commissions, préparation des délibérations, suivi de l'exécution, "
            "contrôle de légalité, relations avec les services de l'État et les partenaires, "
            "exercices pratiques sur des cas réels de communes de toutes tailles, module %d;"
            "2026-11-01\n",
            i, theme, i, i % 97, 1 + i % 95, 300 + i % 900, 600 + i % 900, 450 + i % 900,
            i % 3, 1000 + i, theme, theme, i);
    }
    harness_write_file(csv, data, o);
    free(data);
    static const char body[] = "reference;intitule;organisme;modalite;departement;prix;heures\n"
                               "O-1;Le budget primitif pas à pas;Gestions Locales;presentiel;"
                               "07;420;7\n"
                               "O-2;Urbanisme et PLU;Gestions Locales;distance;;380;7\n";
    harness_write_file(body_csv, body, sizeof body - 1);
    const char *files[] = {csv, body_csv};
    for (int k = 0; k < 2; k++) {
        struct run_result r;
        harness_run(&r, (const char *[]){opt, "catalogue", "importer", files[k], NULL}, NULL);
        if (r.status != 0)
            fail_msg("import de %s : %s", files[k], r.err);
        harness_run_free(&r);
    }
    return opt;
}

/* The peak resident memory of a process, in kB (-1 when /proc does not say). */
static long peak_kb(pid_t pid)
{
    char path[64], line[256];
    snprintf(path, sizeof path, "/proc/%d/status", (int)pid);
    FILE *f = fopen(path, "r");
    if (!f)
        return -1;
    long kb = -1;
    while (fgets(line, sizeof line, f))
        if (sscanf(line, "VmHWM: %ld kB", &kb) == 1)
            break;
    fclose(f);
    return kb;
}

static bool measured(void)
{
    return !SANITIZED && !getenv("DIFELUS_VALGRIND");
}

/* The search screen opens with the catalogue's size (both sources) without reading the
 * catalogue: the peak memory barely moves. */
static void test_search_screen_opens_without_reading_the_catalogue(void **state)
{
    (void)state;
    const char *db = db_with_large_catalogue("e2e-memory-open");
    struct term *t = start(24, 80, db, NULL);
    WAIT(t, "q quitter");
    pid_t pid = child_pid();
    wait_idle(pid);
    long before = peak_kb(pid);
    term_send(t, "r");
    WAIT(t, "formations du catalogue sont cherchées");
    /* « les 6 002 formations »: the thousands separator is a narrow no-break space. */
    if (!term_wait_for_wrapped(t, "6\u202f002 formations"))
        fail_msg("le nombre de formations (6 002) n'est pas à l'écran :\n%s", term_text(t));
    wait_idle(pid);
    long after = peak_kb(pid);
    /* Measured, /proc must say: a figure that cannot be read is a failure, not a pass. */
    if (measured() && (before <= 0 || after <= 0))
        fail_msg("pic de mémoire illisible dans /proc/%d/status (avant %ld ko, après %ld ko)",
                 (int)pid, before, after);
    if (measured() && after - before >= 1024)
        fail_msg("ouvrir la recherche a fait monter la mémoire de %ld ko (de %ld à %ld ko) : "
                 "le catalogue a été lu",
                 after - before, before, after);
    term_send(t, "\x1b");
    WAIT(t, "q quitter");
    quit_cleanly(t);
}

/* Six steps, the dossiers, searches as they are typed (results each time), quit: the
 * wizard's peak stays under the 10 MB. */
static void test_session_of_searches_stays_under_ten_megabytes(void **state)
{
    (void)state;
    if (!measured())
        skip(); /* only the figure is checked here, and valgrind makes the session slow */
    const char *db = db_with_large_catalogue("e2e-memory-session");
    struct term *t = start(24, 80, db, NULL);
    WAIT(t, "q quitter");
    pid_t pid = child_pid();
    for (int s = 1; s <= 6; s++) {
        char key[2] = {(char)('0' + s), '\0'};
        char title[32];
        snprintf(title, sizeof title, "Étape %d/6", s);
        term_send(t, key);
        WAIT(t, title);
    }
    term_send(t, "d");
    WAIT(t, "Mes dossiers");
    term_send(t, "h");
    WAIT(t, "q quitter");
    static const char *const searches[] = {"budget", "urbanisme", "marchés publics",
                                           "prise de parole", "num"};
    for (size_t i = 0; i < sizeof searches / sizeof *searches; i++) {
        term_send(t, "r");
        WAIT(t, "formations du catalogue sont cherchées");
        term_send(t, searches[i]);
        WAIT(t, "premiers résultats");
        term_send(t, "\x1b");
        WAIT(t, "q quitter");
    }
    wait_idle(pid);
    long peak = peak_kb(pid);
    if (measured() && peak <= 0)
        fail_msg("pic de mémoire illisible dans /proc/%d/status (%ld)", (int)pid, peak);
    if (measured() && peak > 10 * 1024)
        fail_msg("pic de mémoire de l'assistant : %ld ko, plus que les 10 Mo visés", peak);
    quit_cleanly(t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_search_screen_opens_without_reading_the_catalogue),
        cmocka_unit_test(test_session_of_searches_stays_under_ten_megabytes),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
