/* make bench: a synthetic catalogue with the CDC's real field names, at several sizes
 * (BENCH_SIZES, default 50 000 to 400 000 records): its import time, the search latency over
 * the same varied queries at each size, and grep -ci over the same CSV for comparison; at the
 * main size (argv[1], 200 000 by default) the sqlite3 shell imports the same CSV into an FTS5
 * table with difelus's tokenizer, in the same run, as the import's reference. Writes the
 * rows of the summary table (<dir>/resume-catalogue.tsv) and the data of the plot of search
 * latency against size (<dir>/recherche.dat, bench/recherche.gp). The main size's catalogue
 * stays in <dir>/catalogue.db, beside the database the wizard's bench uses.
 * Prints figures; never fails the build.
 *
 * Usage: bench_catalogue [RECORDS [DIR]] (BENCH_SIZES="50000 100000 …", BENCH_PASSES: timed
 * passes over the query set at each size, BENCH_IMPORTS: rounds of difelus's import against
 * the shell's). */
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <sqlite3.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "difelus/catalogue.h"
#include "difelus/places.h"
#include "difelus/store.h"

#define SEED 0x9E3779B97F4A7C15ULL
static uint64_t seed = SEED;

static uint64_t next_random(void)
{
    seed ^= seed << 13;
    seed ^= seed >> 7;
    seed ^= seed << 17;
    return seed;
}

static const char *pick(const char *const *list, size_t n)
{
    return list[next_random() % n];
}

#define N(a) (sizeof(a) / sizeof((a)[0]))

static const char *const verbs[] = {
    "Préparer", "Comprendre", "Maîtriser", "Initiation à", "Perfectionnement en",
    "Les fondamentaux de", "Piloter", "Réussir", "Découvrir", "Se former à",
    "Approfondir", "Mettre en œuvre",
};
static const char *const subjects[] = {
    "le budget communal", "les finances locales", "l'urbanisme", "les marchés publics",
    "la prise de parole en public", "la gestion de projet", "l'anglais professionnel",
    "la comptabilité générale", "Excel et la bureautique", "le management d'équipe",
    "le droit des collectivités", "la communication numérique", "le développement durable",
    "la cybersécurité", "la paie", "les ressources humaines", "l'intercommunalité",
    "la transition écologique", "l'aménagement du territoire", "l'espagnol",
    "la soudure à l'arc", "la cuisine collective", "la petite enfance", "la logistique",
    "la conduite de chariots (CACES)", "l'accueil du public", "la médiation", "le tourisme",
    "l'action sociale", "la sécurité incendie", "le secourisme", "la fiscalité locale",
    "la commande publique", "l'eau et l'assainissement", "la voirie", "le patrimoine",
    "la démocratie participative", "l'égalité femmes-hommes", "le cœur de ville",
    "la santé au travail", "la relation aux élus", "le numérique responsable",
};
static const char *const suffixes[] = {
    "", "", "", " — niveau 1", " — niveau 2", " pour les élus", " : certification",
    " en entreprise", " (module court)", " pour débutants",
};
static const char *const body_first[] = {
    "Institut", "Centre", "Atelier", "Académie", "École", "Campus", "Maison", "Agence",
};
static const char *const body_second[] = {
    "des Territoires", "Formation Plus", "du Savoir", "Élus & Citoyens", "Compétences",
    "Horizon", "Avenir", "Pro", "Numérique", "Local", "Public", "Réussite",
};

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static void generate(const char *path, size_t records)
{
    FILE *f = fopen(path, "w");
    if (!f) {
        perror(path);
        exit(0);
    }
    seed = SEED; /* the same records whatever was generated before, at every size */
    size_t ndep;
    const struct departement *deps = places_departements(&ndep);
    fputs("numero_formation;intitule_formation;nom_of;siret_of;code_departement;"
          "nom_departement;nom_region;frais_ttc_tot_min;frais_ttc_tot_max;frais_ttc_tot_mean;"
          "nombre_heures_total_min;nombre_heures_total_max;nombre_heures_total_mean;"
          "nb_session_a_distance;type_referentiel;code_rncp;code_rs;intitule_certification;"
          "objectif_formation;date_chargement\n", f);
    for (size_t i = 0; i < records; i++) {
        const struct departement *d = &deps[next_random() % ndep];
        unsigned price = 200 + (unsigned)(next_random() % 4800);
        unsigned hours = 7 + (unsigned)(next_random() % 400);
        bool remote = next_random() % 4 == 0;
        bool rncp = next_random() % 3 == 0;
        const char *subject = pick(subjects, N(subjects));
        fprintf(f, "%zu_%06zu;%s %s%s;%s %s %u;%014llu;%s;%s;%s;%u;%u;%u;%u;%u;%u;%d;%s;%s;%s;"
                   "%s %s;\"Être capable de maîtriser %s ; objectifs détaillés du module\";"
                   "2026-11-01\n",
                i % 97, i, pick(verbs, N(verbs)), subject, pick(suffixes, N(suffixes)),
                pick(body_first, N(body_first)), pick(body_second, N(body_second)),
                (unsigned)(next_random() % 500),
                (unsigned long long)(next_random() % 100000000000000ULL), d->code, d->name,
                d->region, price, price + 300, price + 150, hours, hours, hours, remote ? 1 : 0,
                rncp ? "RNCP" : "RS", rncp ? "RNCP12345" : "", rncp ? "" : "RS6789",
                rncp ? "Titre professionnel" : "Certification", subject, subject);
    }
    fclose(f);
}


/* ---- the summary table (printed by bench_resume at the end of make bench) ---- */

static char summary_path[4200];

/* One row: figure, measured, target, same-run reference, verdict. */
static void summary_add(const char *figure, const char *measured, const char *target,
                        const char *reference, const char *verdict)
{
    FILE *f = fopen(summary_path, "a");
    if (!f)
        return;
    fprintf(f, "%s\t%s\t%s\t%s\t%s\n", figure, measured, target, reference, verdict);
    fclose(f);
}

static const char *verdict(bool met)
{
    return met ? "atteint" : "non atteint";
}

static int compare(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

/* Nearest rank: the value below which p % of the sorted values lie. */
static double percentile(const double *sorted, size_t n, unsigned p)
{
    if (!n)
        return 0;
    size_t k = (n * p + 99) / 100;
    return sorted[k ? k - 1 : 0];
}

/* 200000 → « 200 000 » (French thousands, with a narrow no-break space). */
static const char *thousands(size_t n, char *buf, size_t len)
{
    char digits[32];
    snprintf(digits, sizeof digits, "%zu", n);
    size_t d = strlen(digits), o = 0;
    for (size_t i = 0; i < d && o + 5 < len; i++) {
        if (i && (d - i) % 3 == 0) {
            memcpy(buf + o, "\xe2\x80\xaf", 3);
            o += 3;
        }
        buf[o++] = digits[i];
    }
    buf[o] = '\0';
    return buf;
}

/* Wall time of `grep -ci word file > out`, output to a file (GNU grep stops at the first
 * match when writing to /dev/null). */
static double time_grep(const char *word, const char *file, const char *out)
{
    double t0 = now();
    pid_t pid = fork();
    if (pid == 0) {
        int fd = open(out, O_WRONLY | O_CREAT | O_TRUNC, 0600);
        dup2(fd, 1);
        execlp("grep", "grep", "-ci", word, file, (char *)NULL);
        _exit(127);
    }
    int status;
    waitpid(pid, &status, 0);
    return now() - t0;
}

static void remove_database(const char *path)
{
    const char *suffix[] = {"", "-wal", "-shm", "-journal"};
    for (int i = 0; i < 4; i++) {
        char p[4200];
        snprintf(p, sizeof p, "%s%s", path, suffix[i]);
        unlink(p);
    }
}

/* ---- the sqlite3 shell's import, the import's reference ---- */

/* What the shell puts in each column of difelus's FTS5 table, from the raw CSV columns: the
 * same texts difelus indexes (its difelus_fold() folds œ and æ; replace() does it here). */
static const char *fts_source(const char *column)
{
#define FOLD(x) "replace(replace(replace(replace(" x ", 'œ', 'oe'), 'Œ', 'OE'), 'æ', 'ae'), " \
                "'Æ', 'AE')"
#define MODALITY "(CASE WHEN nb_session_a_distance + 0 > 0 THEN 'distance' ELSE 'presentiel' END)"
    static const struct {
        const char *column, *source;
    } map[] = {
        {"title", FOLD("intitule_formation")},
        {"body", FOLD("nom_of")},
        {"cert", FOLD("intitule_certification")},
        {"description", FOLD("objectif_formation")},
        {"filters", "'m' || " MODALITY " || ' d' || lower(code_departement) || ' x' || "
                    "lower(code_departement) || " MODALITY},
    };
    for (size_t i = 0; i < N(map); i++)
        if (strcmp(map[i].column, column) == 0)
            return map[i].source;
    return NULL;
}

/* Writes the shell's script: the FTS5 table is difelus's own definition and settings
 * (training_fts_config), read from the catalogue it has just built (so that it follows any
 * change of tokenizer, columns or hashsize).
 * Returns false, with why, when that definition cannot be read or mapped. */
static bool write_shell_script(const char *catalogue, const char *csv, const char *script,
                               char *why, size_t whylen)
{
    sqlite3 *db;
    if (sqlite3_open_v2(catalogue, &db, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK) {
        snprintf(why, whylen, "catalogue %s illisible", catalogue);
        sqlite3_close(db);
        return false;
    }
    char create[2048] = "", insert[8192] = "", select[8192] = "";
    sqlite3_stmt *s;
    if (sqlite3_prepare_v2(db, "SELECT sql FROM sqlite_schema WHERE name = 'training_fts'", -1,
                           &s, NULL) == SQLITE_OK &&
        sqlite3_step(s) == SQLITE_ROW)
        snprintf(create, sizeof create, "%s", (const char *)sqlite3_column_text(s, 0));
    sqlite3_finalize(s);
    bool ok = *create != '\0';
    if (!ok)
        snprintf(why, whylen, "pas de table training_fts dans %s", catalogue);
    if (ok && sqlite3_prepare_v2(db, "SELECT name FROM pragma_table_info('training_fts')", -1,
                                 &s, NULL) == SQLITE_OK) {
        snprintf(insert, sizeof insert, "INSERT INTO training_fts (rowid");
        snprintf(select, sizeof select, "SELECT rowid");
        while (ok && sqlite3_step(s) == SQLITE_ROW) {
            const char *col = (const char *)sqlite3_column_text(s, 0);
            const char *from = fts_source(col);
            if (!from) {
                snprintf(why, whylen, "colonne « %s » de l'index inconnue de ce banc", col);
                ok = false;
                break;
            }
            size_t i = strlen(insert), k = strlen(select);
            snprintf(insert + i, sizeof insert - i, ", %s", col);
            snprintf(select + k, sizeof select - k, ", %s", from);
        }
        sqlite3_finalize(s);
    }
    /* The same FTS5 settings (difelus's import sets hashsize, kept in training_fts_config):
     * each one replayed after the CREATE, but the version FTS5 writes itself. */
    char settings[4096] = "";
    if (ok && sqlite3_prepare_v2(db, "SELECT k, v FROM training_fts_config WHERE k <> 'version'"
                                     " ORDER BY k",
                                 -1, &s, NULL) == SQLITE_OK) {
        while (ok && sqlite3_step(s) == SQLITE_ROW) {
            char *row = sqlite3_column_type(s, 1) == SQLITE_INTEGER
                            ? sqlite3_mprintf("INSERT INTO training_fts (training_fts, rank)"
                                              " VALUES (%Q, %lld);\n",
                                              (const char *)sqlite3_column_text(s, 0),
                                              (long long)sqlite3_column_int64(s, 1))
                            : sqlite3_mprintf("INSERT INTO training_fts (training_fts, rank)"
                                              " VALUES (%Q, %Q);\n",
                                              (const char *)sqlite3_column_text(s, 0),
                                              (const char *)sqlite3_column_text(s, 1));
            size_t i = strlen(settings);
            if (!row || strlen(row) >= sizeof settings - i) {
                snprintf(why, whylen, "réglages de l'index trop longs pour ce banc");
                ok = false;
            } else {
                memcpy(settings + i, row, strlen(row) + 1);
            }
            sqlite3_free(row);
        }
        sqlite3_finalize(s);
    } else if (ok) {
        snprintf(why, whylen, "pas de table training_fts_config dans %s", catalogue);
        ok = false;
    }
    sqlite3_close(db);
    if (!ok)
        return false;
    FILE *f = fopen(script, "w");
    if (!f) {
        snprintf(why, whylen, "%s impossible à écrire", script);
        return false;
    }
    /* The same settings as difelus's import (no journal, no sync, 256 Mo of cache). */
    fprintf(f, "PRAGMA journal_mode = OFF;\nPRAGMA synchronous = OFF;\n"
               "PRAGMA cache_size = -262144;\n.mode csv\n.separator ;\n.import '%s' raw\n"
               "%s;\n%s%s) %s FROM raw;\n",
            csv, create, settings, insert, select);
    fclose(f);
    return true;
}

/* Runs `sqlite3 DB < script` as one command; its wall time in seconds (0 on failure), its
 * peak RSS in KiB. */
static double time_shell(const char *db, const char *script, const char *log, long *maxrss)
{
    remove_database(db);
    double t0 = now();
    pid_t pid = fork();
    if (pid == 0) {
        int in = open(script, O_RDONLY);
        int out = open(log, O_WRONLY | O_CREAT | O_TRUNC, 0600);
        if (in < 0 || out < 0)
            _exit(126);
        dup2(in, 0);
        dup2(out, 1);
        dup2(out, 2);
        execlp("sqlite3", "sqlite3", "-bail", db, (char *)NULL);
        _exit(127);
    }
    int status = 0;
    struct rusage ru;
    memset(&ru, 0, sizeof ru);
    if (pid < 0 || wait4(pid, &status, 0, &ru) != pid)
        return 0;
    double t = now() - t0;
    *maxrss = ru.ru_maxrss;
    return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? t : 0;
}

/* Rows of table `table` in `db` (-1 when it cannot be read). */
static long count_rows(const char *db_path, const char *sql)
{
    sqlite3 *db;
    long n = -1;
    if (sqlite3_open_v2(db_path, &db, SQLITE_OPEN_READONLY, NULL) == SQLITE_OK) {
        sqlite3_stmt *s;
        if (sqlite3_prepare_v2(db, sql, -1, &s, NULL) == SQLITE_OK && sqlite3_step(s) == SQLITE_ROW)
            n = (long)sqlite3_column_int64(s, 0);
        sqlite3_finalize(s);
    }
    sqlite3_close(db);
    return n;
}

/* difelus's import against the shell's, BENCH_IMPORTS rounds (default 2) in alternating
 * order (difelus then the shell, then the shell then difelus…): each side's best round is
 * compared, the least disturbed by the other processes of a shared machine. The first
 * difelus import is the one measure_size timed (import_s, updated to the best). */
static void reference_import(const char *dir, const char *csv, const char *cat, size_t records,
                             store *st, double *import_s)
{
    char script[4200], refdb[4200], log[4200], why[8800] = "", rec[64], m[128], r[256];
    snprintf(script, sizeof script, "%s/reference-sqlite3.sql", dir);
    snprintf(refdb, sizeof refdb, "%s/reference-sqlite3.db", dir);
    snprintf(log, sizeof log, "%s/reference-sqlite3.log", dir);
    char figure[128];
    snprintf(figure, sizeof figure, "Import de %s formations", thousands(records, rec, sizeof rec));
    snprintf(m, sizeof m, "%.2f s", *import_s);
    if (system("command -v sqlite3 >/dev/null 2>&1") != 0) {
        printf("  sqlite3 absent : pas de référence (apt-get install sqlite3)\n");
        summary_add(figure, m, "≤ shell sqlite3", "sqlite3 absent", "–");
        return;
    }
    if (!write_shell_script(cat, csv, script, why, sizeof why)) {
        printf("  référence sqlite3 impossible : %s\n", why);
        summary_add(figure, m, "≤ shell sqlite3", why, "–");
        return;
    }
    const char *e = getenv("BENCH_IMPORTS");
    int rounds = e && atoi(e) > 0 ? atoi(e) : 2;
    double best_mine = *import_s, best_shell = 0;
    char mine_list[256], shell_list[256];
    snprintf(mine_list, sizeof mine_list, "%.2f", *import_s);
    shell_list[0] = '\0';
    long maxrss = 0;
    for (int round = 0; round < rounds; round++) {
        for (int side = 0; side < 2; side++) {
            bool shell_turn = (side == 0) == (round % 2 == 0);
            if (shell_turn) {
                long rss = 0;
                double t = time_shell(refdb, script, log, &rss);
                long raw = count_rows(refdb, "SELECT count(*) FROM raw");
                if (t <= 0 || raw != (long)records) {
                    printf("  le shell sqlite3 a échoué (%ld lignes importées ; voir %s)\n",
                           raw, log);
                    summary_add(figure, m, "≤ shell sqlite3", "le shell sqlite3 a échoué",
                                "–");
                    return;
                }
                if (rss > maxrss)
                    maxrss = rss;
                if (!best_shell || t < best_shell)
                    best_shell = t;
                size_t used = strlen(shell_list);
                snprintf(shell_list + used, sizeof shell_list - used, "%s%.2f",
                         used ? ", " : "", t);
            } else if (round > 0) {
                struct catalogue_import rep;
                char err[2048];
                double t0 = now();
                if (catalogue_import_file(st, csv, &rep, NULL, NULL, err, sizeof err) != 0) {
                    printf("  nouvel import impossible : %s\n", err);
                    continue;
                }
                double t = now() - t0;
                if (t < best_mine)
                    best_mine = t;
                size_t used = strlen(mine_list);
                snprintf(mine_list + used, sizeof mine_list - used, ", %.2f", t);
            }
        }
    }
    remove_database(refdb); /* 90 Mo at 200 000 records, of no use afterwards */
    *import_s = best_mine;
    double ratio = best_mine / best_shell;
    printf("  référence, même passage : sqlite3 %s < %s (.import du CSV dans une table, "
           "puis l'index FTS5 de difelus, mêmes colonnes, même tokenizer, mêmes réglages "
           "FTS5), %.1f Mo de mémoire au plus\n",
           refdb, script, maxrss / 1024.0);
    printf("  %d tour%s alterné%s : difelus %s s ; sqlite3 %s s ; meilleur tour de chacun : "
           "%.2f s contre %.2f s\n", rounds, rounds > 1 ? "s" : "", rounds > 1 ? "s" : "",
           mine_list, shell_list, best_mine, best_shell);
    printf("  rapport difelus / sqlite3 : %.2f× (objectif ≤ 1) ; le shell ne valide rien (ni "
           "montants, ni heures, ni SIRET, ni modalité), garde les champs en texte sans les "
           "convertir, et n'écrit ni la table typée ni le vocabulaire (training_word) que "
           "difelus garde à côté\n",
           ratio);
    snprintf(m, sizeof m, "%.2f s (meilleur de %d)", best_mine, rounds);
    snprintf(r, sizeof r, "sqlite3 .import + FTS5 %.2f s (meilleur de %d) → %.2f×", best_shell,
             rounds, ratio);
    summary_add(figure, m, "≤ shell sqlite3", r, verdict(ratio <= 1));
}

/* ---- one size: import, searches, grep ---- */

/* At least 100 varied queries: 3-letter prefixes, whole words, two words, filters. */
static const char *const words[] = {
    "bud", "fin", "urb", "mar", "com", "ges", "ang", "pai", "cyb", "int", "tra", "amé",
    "esp", "sou", "cui", "log", "acc", "méd", "tou", "séc", "fis", "eau", "voi", "pat",
    "dém", "éga", "cœu", "san", "num", "man", "dro", "dév", "res", "pet", "con", "sec",
    "budget", "finances", "urbanisme", "marchés", "communication", "gestion", "anglais",
    "paie", "cybersécurité", "intercommunalité", "transition", "aménagement", "espagnol",
    "soudure", "cuisine", "logistique", "accueil", "médiation", "tourisme", "sécurité",
    "fiscalité", "assainissement", "voirie", "patrimoine", "démocratie", "égalité",
    "coeur", "santé", "numérique", "management", "droit", "élus", "excel", "caces",
    "budget communal", "finances locales", "marchés publics", "prise parole",
    "gestion projet", "anglais professionnel", "droit collectivités", "petite enfance",
    "transition écologique", "aménagement territoire", "action sociale", "cœur ville",
    "sécurité incendie", "commande publique", "relation élus", "santé travail",
};
static const struct {
    const char *words, *modality, *dept;
} filtered[] = {
    {"bud", "distance", NULL},       {"finances", NULL, "07"},
    {"urbanisme", "presentiel", "Ardeche"}, {"man", NULL, "75"},
    {"cyb", "distance", "69"},      {"anglais", "presentiel", "Gironde"},
    {"gestion projet", NULL, "59"}, {"com", "distance", "2A"},
    {"paie", NULL, "Rhône"},        {"soudure", "presentiel", "13"},
    {"élus", "distance", NULL},     {"tra", NULL, "971"},
    {"marchés publics", "presentiel", "33"}, {"num", "distance", "31"},
};
#define QUERIES (N(words) + N(filtered))

struct size_figures {
    size_t records;
    bool ok;
    double import_s, p50, p99, max, p99_odd, p99_even, mean, grep_mean;
    /* p99 over the queries of each query's median across passes: what a query costs by
     * itself, without the moments another process had the CPU */
    double p99_medians;
    const char *slowest;
};

static const char *query_text(size_t i)
{
    return i < N(words) ? words[i] : filtered[i - N(words)].words;
}

/* The query set, `passes` times after one untimed pass that warms the caches; fills
 * p50/p99/max (ms) and the p99 of the odd and of the even passes (how noisy p99 is). */
static void search_figures(store *st, int passes, struct size_figures *fig)
{
    size_t total = QUERIES * (size_t)passes, half = QUERIES * (size_t)((passes + 1) / 2);
    double *lat = calloc(total, sizeof *lat), *odd = calloc(half, sizeof *odd),
           *even = calloc(half, sizeof *even);
    double *per_query = calloc(QUERIES, sizeof *per_query);
    double *each = calloc(QUERIES * (size_t)passes, sizeof *each); /* [query][pass] */
    struct catalogue_hit *hits = calloc(20, sizeof *hits);
    size_t n = 0, nodd = 0, neven = 0, total_hits = 0;
    char err[2048];
    for (int pass = -1; pass < passes; pass++) {
        for (size_t i = 0; i < QUERIES; i++) {
            struct catalogue_query q = {.limit = 20};
            q.words = query_text(i);
            if (i >= N(words)) {
                size_t k = i - N(words);
                q.modality = filtered[k].modality;
                q.dept = filtered[k].dept ? places_find_departement(filtered[k].dept) : NULL;
            }
            size_t got = 0;
            double s0 = now();
            if (catalogue_search(st, &q, hits, 20, &got, err, sizeof err) != 0 && pass < 0)
                printf("  requête « %s » : %s\n", q.words, err);
            double ms = (now() - s0) * 1e3;
            if (pass < 0)
                continue;
            lat[n++] = ms;
            if (pass % 2)
                odd[nodd++] = ms;
            else
                even[neven++] = ms;
            per_query[i] += ms;
            each[i * (size_t)passes + (size_t)pass] = ms;
            if (pass == 0)
                total_hits += got;
        }
    }
    size_t slowest = 0;
    for (size_t i = 0; i < QUERIES; i++)
        if (per_query[i] > per_query[slowest])
            slowest = i;
    fig->slowest = query_text(slowest);
    if (getenv("BENCH_VERBOSE"))
        for (size_t i = 0; i < QUERIES; i++)
            printf("    %8.3f ms  %s%s\n", per_query[i] / passes, query_text(i),
                   i < N(words) ? "" : " +filtre");
    fig->mean = 0;
    for (size_t i = 0; i < n; i++)
        fig->mean += lat[i];
    fig->mean /= (double)(n ? n : 1);
    qsort(lat, n, sizeof *lat, compare);
    qsort(odd, nodd, sizeof *odd, compare);
    qsort(even, neven, sizeof *even, compare);
    fig->p50 = percentile(lat, n, 50);
    fig->p99 = percentile(lat, n, 99);
    fig->max = n ? lat[n - 1] : 0;
    fig->p99_odd = percentile(odd, nodd, 99);
    fig->p99_even = percentile(even, neven, 99);
    double *medians = calloc(QUERIES, sizeof *medians), by_query[QUERIES];
    for (size_t i = 0; i < QUERIES; i++) {
        double *v = each + i * (size_t)passes;
        qsort(v, (size_t)passes, sizeof *v, compare);
        medians[i] = by_query[i] = percentile(v, (size_t)passes, 50);
    }
    qsort(medians, QUERIES, sizeof *medians, compare);
    /* The three slowest queries by their median: where the time goes. */
    char slow3[512] = "";
    for (int k = 0; k < 3; k++) {
        size_t worst = 0, used = strlen(slow3);
        for (size_t i = 1; i < QUERIES; i++)
            if (by_query[i] > by_query[worst])
                worst = i;
        snprintf(slow3 + used, sizeof slow3 - used, "%s « %s »%s %.3f ms", k ? "," : "",
                 query_text(worst), worst < N(words) ? "" : " (avec filtre)", by_query[worst]);
        by_query[worst] = -1;
    }
    fig->p99_medians = percentile(medians, QUERIES, 99);
    free(medians);
    free(each);
    printf("  recherche, 20 premiers résultats : %zu requêtes (préfixes de 3 lettres, mots, "
           "deux mots, filtres) × %d passages après un passage de chauffe, %zu résultats par "
           "passage\n", QUERIES, passes, total_hits);
    printf("    p50 %.3f ms · p99 %.3f ms (passages pairs %.3f, impairs %.3f) · max %.3f ms · "
           "la plus lente en moyenne : « %s »\n", fig->p50, fig->p99, fig->p99_even,
           fig->p99_odd, fig->max, fig->slowest);
    printf("    p99 des médianes par requête (le coût propre des requêtes, sans les instants "
           "où un autre processus avait le processeur) : %.3f ms\n", fig->p99_medians);
    printf("    les plus lentes (médiane) :%s\n", slow3);
    free(lat);
    free(odd);
    free(even);
    free(per_query);
    free(hits);
}

static double grep_figure(const char *csv, const char *out)
{
    double total = 0;
    size_t greps = 0;
    for (size_t i = 0; i < N(words); i++) {
        /* grep gets the first word of each query (the same text, one process each) */
        char word[64];
        snprintf(word, sizeof word, "%s", words[i]);
        char *space = strchr(word, ' ');
        if (space)
            *space = '\0';
        total += time_grep(word, csv, out);
        greps++;
    }
    double mean = total / (double)greps * 1e3;
    printf("  grep -ci sur le CSV (mêmes mots, %zu processus, sortie dans un fichier) : "
           "moyenne %.1f ms\n", greps, mean);
    return mean;
}

static void measure_size(const char *dir, size_t records, bool main_size, int passes,
                         struct size_figures *fig)
{
    memset(fig, 0, sizeof *fig);
    fig->records = records;
    char csv[4200], sub[4200], db[4300], cat[4300], out[4200], rec[64];
    snprintf(csv, sizeof csv, "%s/catalogue-%zu.csv", dir, records);
    snprintf(out, sizeof out, "%s/grep.out", dir);
    /* The main size's catalogue stays beside the wizard's bench database (<dir>). */
    if (main_size)
        snprintf(sub, sizeof sub, "%s", dir);
    else
        snprintf(sub, sizeof sub, "%s/taille-%zu", dir, records);
    mkdir(sub, 0755);
    snprintf(db, sizeof db, "%s/difelus.db", sub);
    snprintf(cat, sizeof cat, "%s/catalogue.db", sub);
    remove_database(db);
    remove_database(cat);
    struct stat sb;
    if (stat(csv, &sb) != 0) {
        generate(csv, records);
        sync(); /* the generator's write-back must not weigh on the import measured below */
        stat(csv, &sb);
    }
    printf("\n%s formations (CSV de %.1f Mo)\n", thousands(records, rec, sizeof rec),
           sb.st_size / 1e6);
    char err[2048];
    store *st = store_open(db, err, sizeof err);
    if (!st) {
        printf("  base impossible : %s\n", err);
        return;
    }
    struct catalogue_import rep;
    double t0 = now();
    if (catalogue_import_file(st, csv, &rep, NULL, NULL, err, sizeof err) != 0) {
        printf("  import impossible : %s\n", err);
        store_close(st);
        return;
    }
    fig->import_s = now() - t0;
    printf("  import par difelus (en processus, catalogue_import_file) : %s formations en "
           "%.2f s\n", thousands(rep.records, rec, sizeof rec), fig->import_s);
    if (main_size)
        reference_import(dir, csv, cat, records, st, &fig->import_s);
    search_figures(st, passes, fig);
    store_close(st);
    fig->grep_mean = grep_figure(csv, out);
    fig->ok = true;
    if (!main_size) { /* only the main size's catalogue is used afterwards: disk back */
        remove_database(db);
        remove_database(cat);
        rmdir(sub);
    }
}

/* ---- main ---- */

static int compare_size(const void *a, const void *b)
{
    size_t x = *(const size_t *)a, y = *(const size_t *)b;
    return x < y ? -1 : x > y;
}

/* The sizes to measure: BENCH_SIZES (default 50 000 to 400 000), with the main size. */
static size_t read_sizes(size_t main_records, size_t *sizes, size_t cap)
{
    const char *env = getenv("BENCH_SIZES");
    const char *list = env && *env ? env : "50000 100000 200000 400000";
    size_t n = 0;
    bool has_main = false;
    for (const char *p = list; *p && n < cap - 1;) {
        char *end;
        unsigned long v = strtoul(p, &end, 10);
        if (end == p) {
            p++;
            continue;
        }
        p = end;
        if (v < 100)
            continue;
        bool dup = false;
        for (size_t i = 0; i < n; i++)
            dup |= sizes[i] == v;
        if (!dup)
            sizes[n++] = v;
        has_main |= v == main_records;
    }
    if (!has_main)
        sizes[n++] = main_records;
    qsort(sizes, n, sizeof *sizes, compare_size);
    return n;
}

/* The growth verdict, honest in both directions. g is the measured growth, allowed what
 * log(n) permits, noise the relative spread of the same figure between two halves of the
 * passes. Within the noise, the measure cannot tell: a ratio below 1 (the search did not get
 * slower with a catalogue eight times larger) or within the noise of 1 is « plat », not a
 * gain; a ratio whose noise band straddles `allowed` gets its verdict said « dans le bruit ».
 * *flat says whether to print « plat » rather than the bare ratio. */
static const char *growth_verdict(double g, double allowed, double noise, bool *flat)
{
    *flat = g <= 1 + noise;
    if (g * (1 + noise) <= allowed)
        return "atteint";
    if (g / (1 + noise) > allowed)
        return "non atteint";
    return g <= allowed ? "atteint (dans le bruit de mesure)"
                        : "non atteint (dans le bruit de mesure)";
}

/* How the search cost grows from the smallest size to the largest, against log(n). The
 * verdict rests on the p99 of the per-query medians (each query's own cost, without the
 * moments another process had the CPU: on a shared machine the raw p99 of 1 000 timings is
 * mostly those moments), the raw p99 ratio and the exponent b of p99 ∝ n^b fitted over every
 * size (least squares on logarithms) are given beside it. */
static void growth(const struct size_figures *f, size_t n)
{
    size_t first = n, last = n, used = 0;
    double sx = 0, sy = 0, sxx = 0, sxy = 0;
    for (size_t i = 0; i < n; i++) {
        if (!f[i].ok || f[i].p99 <= 0)
            continue;
        if (first == n)
            first = i;
        last = i;
        double x = log((double)f[i].records), y = log(f[i].p99);
        sx += x, sy += y, sxx += x * x, sxy += x * y;
        used++;
    }
    if (used < 2) {
        printf("\ncroissance de p99 : il faut au moins deux tailles (BENCH_SIZES)\n");
        return;
    }
    double b = (used * sxy - sx * sy) / (used * sxx - sx * sx);
    double ratio = f[last].p99 / f[first].p99;
    double log_ratio = log((double)f[last].records) / log((double)f[first].records);
    double size_ratio = (double)f[last].records / (double)f[first].records;
    double b_log = log(log_ratio) / log(size_ratio);
    /* Noise: how far apart the p99 of the odd and of the even passes are, at worst. It is
     * the raw p99's; the medians' is smaller, so using it for them errs towards « dans le
     * bruit ». */
    double noise = 0;
    for (size_t i = 0; i < n; i++)
        if (f[i].ok && f[i].p99 > 0) {
            double d = fabs(f[i].p99_odd - f[i].p99_even) / f[i].p99;
            if (d > noise)
                noise = d;
        }
    double robust = f[first].p99_medians > 0 && f[last].p99_medians > 0
                        ? f[last].p99_medians / f[first].p99_medians
                        : 0;
    bool flat;
    const char *v = growth_verdict(robust > 0 ? robust : ratio, log_ratio, noise, &flat);
    char a[64], z[64], figure[200], m[200], t[128], r[256];
    thousands(f[first].records, a, sizeof a);
    thousands(f[last].records, z, sizeof z);
    printf("\ncroissance de la recherche de %s à %s formations (×%.0f) ; log(n) ferait "
           "×%.2f, n ferait ×%.0f\n", a, z, size_ratio, log_ratio, size_ratio);
    if (robust > 0)
        printf("  p99 des médianes par requête (le coût propre de chaque requête) : ×%.2f\n",
               robust);
    printf("  p99 brut : ×%.2f ; exposant ajusté b de p99 ∝ n^b sur %zu tailles : %.2f "
           "(log(n) sur cet intervalle ≈ %.2f, linéaire = 1)\n", ratio, used, b, b_log);
    printf("  bruit : les p99 des passages pairs et impairs d'une même taille diffèrent "
           "jusqu'à %.0f %% ; %s%s\n", noise * 100, flat ? "plat (dans le bruit de mesure), " : "",
           v);
    snprintf(figure, sizeof figure, "Croissance de la recherche, %s → %s%s", a, z,
             robust > 0 ? " (p99 des médianes par requête)" : " (p99)");
    const char *flat_word = flat ? "plat (dans le bruit de mesure) : " : "";
    if (robust > 0)
        snprintf(m, sizeof m, "%s×%.2f ; p99 brut ×%.2f (b = %.2f)", flat_word, robust, ratio,
                 b);
    else
        snprintf(m, sizeof m, "%s×%.2f (b = %.2f)", flat_word, ratio, b);
    snprintf(t, sizeof t, "≤ ×%.2f (log n)", log_ratio);
    snprintf(r, sizeof r, "n : ×%.0f ; bruit ±%.0f %%", size_ratio, noise * 100);
    summary_add(figure, m, t, r, v);
}

int main(int argc, char **argv)
{
    size_t records = argc > 1 ? strtoul(argv[1], NULL, 10) : 200000;
    const char *dir = argc > 2 ? argv[2] : "build/bench";
    if (records < 100)
        records = 200000;
    setvbuf(stdout, NULL, _IOLBF, 0);
    mkdir(dir, 0755);
    snprintf(summary_path, sizeof summary_path, "%s/resume-catalogue.tsv", dir);
    FILE *summary = fopen(summary_path, "w"); /* a new table for this run */
    if (summary)
        fclose(summary);
    const char *p = getenv("BENCH_PASSES");
    int passes = p && atoi(p) > 0 ? atoi(p) : 10;
    size_t sizes[16];
    size_t nsizes = read_sizes(records, sizes, N(sizes));
    printf("\ndifelus bench — catalogue synthétique (noms de champs de la Caisse des Dépôts), "
           "%zu taille%s ; SQLite %s\n", nsizes, nsizes > 1 ? "s" : "", sqlite3_libversion());
    struct size_figures fig[16];
    for (size_t i = 0; i < nsizes; i++)
        measure_size(dir, sizes[i], sizes[i] == records, passes, &fig[i]);

    /* The plot's data: one line per size. */
    char dat[4200];
    snprintf(dat, sizeof dat, "%s/recherche.dat", dir);
    FILE *d = fopen(dat, "w");
    if (d) {
        fprintf(d, "# formations  p50_ms  p99_ms  max_ms  grep_ci_moyenne_ms  import_s  "
                   "p99_des_medianes_ms\n");
        for (size_t i = 0; i < nsizes; i++)
            if (fig[i].ok)
                fprintf(d, "%zu %.4f %.4f %.4f %.2f %.3f %.4f\n", fig[i].records, fig[i].p50,
                        fig[i].p99, fig[i].max, fig[i].grep_mean, fig[i].import_s,
                        fig[i].p99_medians);
        fclose(d);
    }
    for (size_t i = 0; i < nsizes; i++) {
        if (!fig[i].ok)
            continue;
        char rec[64], figure[160], m[128], r[256];
        bool target = fig[i].records == 200000;
        snprintf(figure, sizeof figure, "Recherche, %s formations",
                 thousands(fig[i].records, rec, sizeof rec));
        snprintf(m, sizeof m, "p50 %.3f ms, p99 %.3f ms", fig[i].p50, fig[i].p99);
        snprintf(r, sizeof r, "grep -ci %.1f ms (%.0f× la moyenne)", fig[i].grep_mean,
                 fig[i].mean > 0 ? fig[i].grep_mean / fig[i].mean : 0);
        summary_add(figure, m, target ? "p99 ≤ 2 ms" : "–", r,
                    target ? verdict(fig[i].p99 <= 2.0) : "–");
    }
    growth(fig, nsizes);
    return 0;
}
