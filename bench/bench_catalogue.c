/* make bench: a synthetic catalogue with the CDC's real field names, its import time, the
 * search latency over varied queries, and grep -ci over the same CSV for comparison.
 * Prints figures; never fails the build. */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "difelus/catalogue.h"
#include "difelus/places.h"
#include "difelus/store.h"

static uint64_t seed = 0x9E3779B97F4A7C15ULL;

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

/* One row of the summary table that bench_wizard prints at the end of make bench (this
 * program's rows, written anew by each run). */
static char summary_path[4200];

static void summary_add(const char *figure, const char *measured, const char *target,
                        const char *reference)
{
    FILE *f = fopen(summary_path, "a");
    if (!f)
        return;
    fprintf(f, "%s\t%s\t%s\t%s\n", figure, measured, target, reference);
    fclose(f);
}

static int compare(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
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

int main(int argc, char **argv)
{
    size_t records = argc > 1 ? strtoul(argv[1], NULL, 10) : 200000;
    const char *dir = argc > 2 ? argv[2] : "build/bench";
    mkdir(dir, 0755);
    char csv[4096], db[4096], cat[4096], out[4096];
    snprintf(csv, sizeof csv, "%s/catalogue-%zu.csv", dir, records);
    snprintf(db, sizeof db, "%s/difelus.db", dir);
    snprintf(cat, sizeof cat, "%s/catalogue.db", dir);
    snprintf(out, sizeof out, "%s/grep.out", dir);
    snprintf(summary_path, sizeof summary_path, "%s/resume-catalogue.tsv", dir);
    FILE *summary = fopen(summary_path, "w"); /* a new table for this run */
    if (summary)
        fclose(summary);
    const char *suffix[] = {"", "-wal", "-shm"};
    for (int i = 0; i < 3; i++) {
        char p[4200];
        snprintf(p, sizeof p, "%s%s", db, suffix[i]);
        unlink(p);
        snprintf(p, sizeof p, "%s%s", cat, suffix[i]);
        unlink(p);
    }
    struct stat sb;
    if (stat(csv, &sb) != 0) {
        generate(csv, records);
        sync(); /* the generator's write-back must not weigh on the import measured below */
        stat(csv, &sb);
    }
    printf("difelus bench — catalogue synthétique de %zu formations (CSV de %.1f Mo, noms de "
           "champs de la Caisse des Dépôts)\n", records, sb.st_size / 1e6);

    char err[2048];
    store *st = store_open(db, err, sizeof err);
    if (!st) {
        printf("base impossible : %s\n", err);
        return 0;
    }
    struct catalogue_import rep;
    double t0 = now();
    if (catalogue_import_file(st, csv, &rep, NULL, NULL, err, sizeof err) != 0) {
        printf("import impossible : %s\n", err);
        store_close(st);
        return 0;
    }
    double import_s = now() - t0;
    printf("import : %zu formations en %.2f s (objectif ≤ 5 s)\n", rep.records, import_s);
    char measured[128], figure[128], reference[128];
    snprintf(figure, sizeof figure, "Import de %zu formations", rep.records);
    snprintf(measured, sizeof measured, "%.2f s", import_s);
    summary_add(figure, measured, "≤ 5 s", "–");

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
    size_t nq = N(words) + N(filtered);
    double *lat = calloc(nq, sizeof *lat);
    struct catalogue_hit *hits = calloc(20, sizeof *hits);
    size_t total_hits = 0;
    for (int pass = 0; pass < 2; pass++) { /* the first pass warms the caches */
        for (size_t i = 0; i < nq; i++) {
            struct catalogue_query q = {.limit = 20};
            if (i < N(words)) {
                q.words = words[i];
            } else {
                size_t k = i - N(words);
                q.words = filtered[k].words;
                q.modality = filtered[k].modality;
                q.dept = filtered[k].dept ? places_find_departement(filtered[k].dept) : NULL;
            }
            size_t n = 0;
            double s0 = now();
            if (catalogue_search(st, &q, hits, 20, &n, err, sizeof err) != 0)
                printf("requête « %s » : %s\n", q.words, err);
            lat[i] = now() - s0;
            if (pass == 1)
                total_hits += n;
        }
    }
    double mean_search = 0;
    size_t slowest = 0;
    for (size_t i = 0; i < nq; i++) {
        mean_search += lat[i];
        if (lat[i] > lat[slowest])
            slowest = i;
    }
    if (getenv("BENCH_VERBOSE"))
        for (size_t i = 0; i < nq; i++)
            printf("  %8.3f ms  %s%s%s\n", lat[i] * 1e3,
                   i < N(words) ? words[i] : filtered[i - N(words)].words,
                   i < N(words) ? "" : " +filtre", "");
    const char *slow_query = slowest < N(words) ? words[slowest] : filtered[slowest - N(words)].words;
    mean_search /= (double)nq;
    qsort(lat, nq, sizeof *lat, compare);
    double p50 = lat[nq / 2] * 1e3, p99 = lat[(nq * 99) / 100] * 1e3;
    printf("recherche, 20 premiers résultats, %zu requêtes de 3 lettres ou plus (préfixes, mots, "
           "deux mots, filtres), %zu résultats :\n", nq, total_hits);
    printf("  p50 %.3f ms (objectif ≤ 2 ms) · p99 %.3f ms (objectif ≤ 10 ms) · max %.3f ms "
           "(« %s »)\n", p50, p99, lat[nq - 1] * 1e3, slow_query);

    snprintf(measured, sizeof measured, "%.3f ms", p50);
    summary_add("Recherche p50", measured, "≤ 2 ms", "–");
    snprintf(measured, sizeof measured, "%.3f ms", p99);
    summary_add("Recherche p99", measured, "≤ 10 ms", "–");

    double grep_total = 0;
    size_t greps = 0;
    for (size_t i = 0; i < N(words); i++) {
        /* grep gets the first word of each query (the same text, one process each) */
        char word[64];
        snprintf(word, sizeof word, "%s", words[i]);
        char *space = strchr(word, ' ');
        if (space)
            *space = '\0';
        grep_total += time_grep(word, csv, out);
        greps++;
    }
    double mean_grep = grep_total / (double)greps;
    printf("grep -ci sur le CSV (mêmes mots, %zu processus, sortie dans un fichier) : moyenne "
           "%.1f ms\n", greps, mean_grep * 1e3);
    printf("rapport grep / recherche (moyennes) : %.0f× (objectif ≥ 10×)\n",
           mean_grep / mean_search);
    snprintf(measured, sizeof measured, "%.0f×", mean_grep / mean_search);
    snprintf(reference, sizeof reference, "grep -ci %.1f ms, recherche %.3f ms", mean_grep * 1e3,
             mean_search * 1e3);
    summary_add("Rapport grep / recherche", measured, "≥ 10×", reference);
    free(lat);
    free(hits);
    store_close(st);
    return 0;
}
