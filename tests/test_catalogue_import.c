/* The catalogue import as it must behave on an official's machine: it never locks the
 * personal database, the old catalogue answers until the new one is in place, a kill at
 * any moment leaves the old or the new catalogue whole, and every refusal or problem is
 * said in French (never SQLite's, jansson's, libcurl's or the system's English). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <arpa/inet.h>
#include <jansson.h>
#include <netinet/in.h>
#include <signal.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <fcntl.h>
#include <time.h>
#include <unistd.h>

#include "difelus/catalogue.h"
#include "harness.h"
#include "e2e.h"

/* A CDC-format CSV of n trainings whose titles all hold `word`. */
static void write_catalogue(const char *path, size_t n, const char *word)
{
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs("numero_formation;intitule_formation;nom_of;siret;code_departement;"
          "frais_ttc_tot_min;nombre_heures_total_min\n", f);
    for (size_t i = 0; i < n; i++)
        fprintf(f, "%s-%zu;%s pour les élus de la commune numéro %zu;Institut de formation "
                   "des élus locaux;73282932000074;07;%zu,50;7\n",
                word, i, word, i, 300 + i % 400);
    fclose(f);
}

/* Trainings in the catalogue file, or -1 when it is absent; fails when it is not whole. */
static long catalogue_count(const char *cat)
{
    struct stat sb;
    if (stat(cat, &sb) != 0)
        return -1;
    sqlite3 *db;
    assert_int_equal(sqlite3_open_v2(cat, &db, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
    sqlite3_stmt *s;
    assert_int_equal(sqlite3_prepare_v2(db, "PRAGMA integrity_check", -1, &s, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_step(s), SQLITE_ROW);
    if (strcmp((const char *)sqlite3_column_text(s, 0), "ok") != 0)
        fail_msg("catalogue abîmé : %s", sqlite3_column_text(s, 0));
    sqlite3_finalize(s);
    assert_int_equal(sqlite3_prepare_v2(db, "SELECT count(*) FROM training", -1, &s, NULL),
                     SQLITE_OK);
    assert_int_equal(sqlite3_step(s), SQLITE_ROW);
    long n = (long)sqlite3_column_int64(s, 0);
    sqlite3_finalize(s);
    sqlite3_close(db);
    return n;
}

/* Starts `difelus --db=… catalogue importer file`, optionally stopping itself at `pause`. */
static pid_t start_import(const char *db_opt, const char *file, const char *pause)
{
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        int null = open("/dev/null", O_RDWR);
        dup2(null, 0);
        dup2(null, 1);
        dup2(null, 2);
        if (pause)
            setenv("DIFELUS_TEST_ARRET_IMPORT", pause, 1);
        execl(harness_binary(), harness_binary(), db_opt, "catalogue", "importer", file,
              (char *)NULL);
        _exit(127);
    }
    return pid;
}

/* Waits until the import stopped itself at its test pause. */
static void wait_stopped(pid_t pid)
{
    int status;
    assert_int_equal(waitpid(pid, &status, WUNTRACED), pid);
    if (!WIFSTOPPED(status))
        fail_msg("l'import ne s'est pas arrêté au point voulu (statut %d)", status);
}

/* Polls until the new file exists with at least `size` bytes, or the import ended
 * (returns false then, its status reaped). */
static bool wait_new_file(pid_t pid, const char *tmp, off_t size)
{
    /* A deadline so that an import stuck for good fails the test instead of hanging it
     * (generous: the machine is shared; this never measures the import). */
    struct timespec start, now;
    clock_gettime(CLOCK_MONOTONIC, &start);
    for (;;) {
        struct stat sb;
        if (stat(tmp, &sb) == 0 && sb.st_size >= size)
            return true;
        int status;
        if (waitpid(pid, &status, WNOHANG) == pid)
            return false;
        clock_gettime(CLOCK_MONOTONIC, &now);
        if (now.tv_sec - start.tv_sec > 120) {
            kill(pid, SIGKILL);
            waitpid(pid, &status, 0);
            fail_msg("l'import n'a pas écrit « %s » (%lld octets attendus) en deux minutes",
                     tmp, (long long)size);
        }
        usleep(100); /* polling, not waiting for an outcome */
    }
}

/* The official's own database stays whole whatever the moment of the kill. */
static void database_whole(const char *dir)
{
    char path[4300];
    snprintf(path, sizeof path, "%s/difelus.db", dir);
    struct stat sb;
    if (stat(path, &sb) != 0)
        return;
    sqlite3 *db;
    assert_int_equal(sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
    sqlite3_stmt *s;
    assert_int_equal(sqlite3_prepare_v2(db, "PRAGMA integrity_check", -1, &s, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_step(s), SQLITE_ROW);
    if (strcmp((const char *)sqlite3_column_text(s, 0), "ok") != 0)
        fail_msg("base personnelle abîmée : %s", sqlite3_column_text(s, 0));
    sqlite3_finalize(s);
    sqlite3_close(db);
}

/* Trainings that `difelus catalogue chercher WORD --json` finds (what the official reads):
 * the catalogue left by a kill is not only whole but searched. */
static size_t searched(const char *db_opt, const char *word)
{
    struct run_result r;
    harness_run(&r, (const char *[]){db_opt, "catalogue", "chercher", word, "--json", NULL},
                NULL);
    if (r.status != 0)
        fail_msg("la recherche « %s » échoue après l'arrêt (%d) : %s", word, r.status, r.err);
    json_t *hits = json_loads(r.out, 0, NULL);
    assert_non_null(hits);
    size_t n = json_array_size(hits);
    json_decref(hits);
    harness_run_free(&r);
    return n;
}

/* A: a kill at any moment of an import, the final write included, leaves the old or the
 * new catalogue, whole; the very first creation leaves none or the new one. */
static void test_kill_at_any_moment(void **state)
{
    (void)state;
    const char *dir = harness_tmpdir("cat-kill");
    char db_opt[4200], cat[4200], tmp[4300], old_csv[4200], new_csv[4200];
    snprintf(db_opt, sizeof db_opt, "--db=%s/difelus.db", dir);
    snprintf(cat, sizeof cat, "%s/catalogue.db", dir);
    snprintf(tmp, sizeof tmp, "%s.nouveau", cat);
    snprintf(old_csv, sizeof old_csv, "%s/ancien.csv", dir);
    snprintf(new_csv, sizeof new_csv, "%s/nouveau.csv", dir);
    write_catalogue(old_csv, 300, "Urbanisme");
    write_catalogue(new_csv, 6000, "Cybersécurité");
    const long body = 2, old_n = 300 + body, new_n = 6000 + body;

    static const int signals[] = {SIGINT, SIGTERM, SIGKILL};
    enum { AT_ONCE, PARSING, BEFORE_COMMIT, WRITING, WRITING_MORE, BEFORE_RENAME, MOMENTS };
    int kills = 0;
    for (int first = 0; first < 2; first++) {
        for (size_t si = 0; si < 3; si++) {
            for (int m = 0; m < MOMENTS; m++) {
                /* the old catalogue: a body's 2 trainings and 300 of the CDC */
                unlink(cat);
                struct run_result r;
                if (!first) {
                    harness_run(&r, (const char *[]){db_opt, "catalogue", "importer",
                                                     "tests/data/organisme.csv", NULL}, NULL);
                    assert_int_equal(r.status, 0);
                    harness_run_free(&r);
                    harness_run(&r, (const char *[]){db_opt, "catalogue", "importer", old_csv,
                                                     NULL}, NULL);
                    assert_int_equal(r.status, 0);
                    harness_run_free(&r);
                    assert_int_equal(catalogue_count(cat), old_n);
                }
                const char *pause = m == BEFORE_COMMIT ? "ecriture"
                                    : m == BEFORE_RENAME ? "renommage"
                                                         : NULL;
                pid_t pid = start_import(db_opt, new_csv, pause);
                bool alive = true;
                if (pause)
                    wait_stopped(pid);
                else if (m == PARSING)
                    alive = wait_new_file(pid, tmp, 0);
                else if (m == WRITING)
                    alive = wait_new_file(pid, tmp, 1);
                else if (m == WRITING_MORE)
                    alive = wait_new_file(pid, tmp, 256 * 1024);
                if (alive) {
                    kill(pid, signals[si]);
                    kill(pid, SIGCONT);
                    int status;
                    assert_int_equal(waitpid(pid, &status, 0), pid);
                    kills++;
                }
                long n = catalogue_count(cat);
                database_whole(dir);
                long want_old = first ? -1 : old_n;
                if (n != want_old && n != (first ? new_n - body : new_n))
                    fail_msg("signal %d, moment %d%s : %ld formations (ni l'ancien ni le "
                             "nouveau catalogue)", signals[si], m, first ? ", création" : "", n);
                if (m == BEFORE_COMMIT || m == BEFORE_RENAME)
                    assert_int_equal(n, want_old); /* killed before the rename: the old one */
                if (n == old_n && searched(db_opt, "urbanisme") == 0)
                    fail_msg("signal %d, moment %d : l'ancien catalogue ne trouve plus rien",
                             signals[si], m);
                if (n >= new_n - body && searched(db_opt, "cybersecurite") == 0)
                    fail_msg("signal %d, moment %d : le nouveau catalogue ne trouve rien",
                             signals[si], m);
            }
        }
    }
    assert_true(kills >= 2 * 3 * 3);
    /* What a killed import left is removed by the next program that reads the catalogue. */
    pid_t pid = start_import(db_opt, new_csv, "renommage");
    wait_stopped(pid);
    kill(pid, SIGKILL);
    waitpid(pid, NULL, 0);
    assert_int_equal(access(tmp, F_OK), 0);
    struct run_result info;
    harness_run(&info, (const char *[]){db_opt, "catalogue", "info", NULL}, NULL);
    assert_int_equal(info.status, 0);
    harness_run_free(&info);
    assert_int_equal(access(tmp, F_OK), -1);
    /* The next import ignores what was left and puts its catalogue in place. */
    struct run_result r;
    harness_run(&r, (const char *[]){db_opt, "catalogue", "importer", new_csv, NULL}, NULL);
    assert_int_equal(r.status, 0);
    harness_run_free(&r);
    assert_int_equal(access(tmp, F_OK), -1);
    assert_true(catalogue_count(cat) >= 6000);
    harness_run(&r, (const char *[]){db_opt, "catalogue", "chercher", "cybersecurite", "--limite",
                                     "1", NULL}, NULL);
    assert_int_equal(r.status, 0);
    assert_non_null(harness_strstr(r.out, "Cybersécurité pour les élus"));
    harness_run_free(&r);
}

/* B: while an import runs (stopped just before its commit), the wizard ticks items and
 * saves a setting without waiting, a search answers from the old catalogue; when the new
 * one is in place, the open search screen shows it without a key. */
static void test_import_locks_nothing(void **state)
{
    (void)state;
    const char *db = fresh_db("cat-nolock");
    char new_csv[4200];
    snprintf(new_csv, sizeof new_csv, "%.*s/nouveau.csv", (int)(strlen(db) - 16), db + 5);
    write_catalogue(new_csv, 3000, "Cybersécurité");
    struct run_result r;
    harness_run(&r, (const char *[]){db, "catalogue", "importer", "tests/data/organisme.csv", NULL},
                NULL);
    assert_int_equal(r.status, 0);
    harness_run_free(&r);

    struct term *t = start(24, 80, db, NULL);
    WAIT(t, "Accueil");
    pid_t pid = start_import(db, new_csv, "ecriture");
    wait_stopped(pid); /* the whole new catalogue written, not yet committed */

    term_send(t, "1  ");
    WAIT(t, "[x] J'ai choisi : L'Identité Numérique La Poste");
    WAIT(t, "[x] J'ai installé l'application choisie");
    assert_null(harness_strstr(term_text(t), "locked"));
    assert_null(harness_strstr(term_text(t), "verrouill"));
    harness_run(&r, (const char *[]){db, "reglage", "organisme.nom",
                                     "Association des maires ruraux de l’Orne", NULL}, NULL);
    assert_int_equal(r.status, 0);
    harness_run_free(&r);
    harness_run(&r, (const char *[]){db, "catalogue", "chercher", "finances", NULL}, NULL);
    assert_int_equal(r.status, 0);
    assert_non_null(harness_strstr(r.out, "Les finances locales pour les élus"));
    harness_run_free(&r);
    /* one import at a time: a second one is refused, the first one goes on */
    harness_run(&r, (const char *[]){db, "catalogue", "importer", "tests/data/cdc-ancien.json",
                                     NULL}, NULL);
    assert_int_equal(r.status, 1);
    assert_non_null(harness_strstr(r.err, "Un autre import du catalogue est en cours"));
    harness_run_free(&r);

    term_send(t, "h");
    WAIT(t, "Accueil");
    term_send(t, "r");
    WAIT(t, "Rechercher une formation dans le catalogue");
    term_send(t, "cybersécurité");
    WAIT(t, "Aucune formation trouvée.");

    kill(pid, SIGCONT);
    int status;
    assert_int_equal(waitpid(pid, &status, 0), pid);
    assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    WAIT(t, "Cybersécurité pour les élus de la commune");
    term_send_key(t, TK_F10);
    assert_int_equal(term_wait_exit(t), 0);
    term_free(t);

    harness_run(&r, (const char *[]){db, "reglage", "organisme.nom", NULL}, NULL);
    assert_string_equal(r.out, "Association des maires ruraux de l’Orne\n");
    harness_run_free(&r);
    /* the ticks made during the import were saved */
    t = start(24, 80, db, NULL);
    WAIT(t, "Rechercher une formation");
    term_send(t, "\033");
    WAIT(t, "Accueil");
    term_send(t, "1");
    WAIT(t, "[x] J'ai installé l'application choisie");
    quit_cleanly(t);
}

/* No English from SQLite, jansson, libcurl or the system in what the user reads. */
static void assert_french(const char *text)
{
    static const char *const english[] = {
        "malformed", "btree", "database", "no such", "File exists", "No such file",
        "premature", "maximum parsing", "Couldn't", "error code", "Is a directory",
        "not a database", "disk I/O", "locked",
    };
    for (size_t i = 0; i < sizeof english / sizeof english[0]; i++)
        if (harness_strstr(text, english[i]))
            fail_msg("texte anglais « %s » dans « %s »", english[i], text);
}

static void expect(const char *db, const char *const args[], int want, const char *message)
{
    const char *full[8] = {db};
    for (int i = 0; args[i] && i < 6; i++)
        full[i + 1] = args[i];
    struct run_result r;
    harness_run(&r, full, NULL);
    const char *where = want == 0 ? r.out : r.err;
    if (r.status != want || !harness_strstr(where, message))
        fail_msg("%s %s : code %d, sortie « %s », erreur « %s » ; attendu « %s »", args[0],
                 args[1], r.status, r.out, r.err, message);
    assert_french(r.out);
    assert_french(r.err);
    harness_run_free(&r);
}

static void test_messages_in_french(void **state)
{
    (void)state;
    char dir[4200], cat[4300], file[4300];
    snprintf(dir, sizeof dir, "%s", harness_tmpdir("cat-messages"));
    char db[4300];
    snprintf(db, sizeof db, "--db=%s/difelus.db", dir);
    snprintf(cat, sizeof cat, "%s/catalogue.db", dir);
    static const char *const info[] = {"catalogue", "info", NULL};
    static const char *const import_body[] = {"catalogue", "importer", "tests/data/organisme.csv",
                                              NULL};

    /* a damaged catalogue.db: page 4 overwritten */
    snprintf(file, sizeof file, "%s/grand.csv", dir);
    write_catalogue(file, 2000, "Urbanisme");
    expect(db, (const char *[]){"catalogue", "importer", file, NULL}, 0,
           "2\u202f000 formations importées");
    FILE *f = fopen(cat, "r+b");
    assert_non_null(f);
    char junk[4096];
    memset(junk, 0x5A, sizeof junk);
    for (long page = 1; page < 8; page++) {
        fseek(f, page * 4096, SEEK_SET);
        fwrite(junk, 1, sizeof junk, f);
    }
    fclose(f);
    expect(db, info, 1, "Supprimez ce fichier puis importez ou synchronisez le catalogue");
    expect(db, import_body, 0, "L'ancien catalogue était illisible ; il est remplacé");
    expect(db, info, 0, "2 formations");

    /* a catalogue.db made by another program */
    unlink(cat);
    sqlite3 *other;
    assert_int_equal(sqlite3_open(cat, &other), SQLITE_OK);
    sqlite3_exec(other, "CREATE TABLE recette (nom TEXT); INSERT INTO recette VALUES ('tarte')",
                 NULL, NULL, NULL);
    sqlite3_close(other);
    expect(db, info, 1, "n'est pas un catalogue de difelus");
    expect(db, import_body, 1, "n'est pas un catalogue de difelus");
    assert_int_equal(access(cat, F_OK), 0); /* left as it was */

    /* a folder named catalogue.db */
    unlink(cat);
    mkdir(cat, 0700);
    expect(db, info, 1, "est un dossier, pas un catalogue");
    expect(db, import_body, 1, "est un dossier, pas un catalogue");
    rmdir(cat);

    /* a dangling symbolic link: no catalogue yet; an import replaces the link */
    assert_int_equal(symlink("/nulle/part/catalogue.db", cat), 0);
    expect(db, info, 0, "Le catalogue est vide");
    expect(db, import_body, 0, "2 formations importées");
    expect(db, info, 0, "2 formations");

    /* a file with CR-only line ends (old Mac) reads like any other */
    snprintf(file, sizeof file, "%s/mac.csv", dir);
    const char mac[] = "reference;intitule;organisme;departement\r"
                       "M1;Conduire une réunion du conseil municipal;Formations 76;76\r"
                       "M2;Le budget en pratique;Formations 76;76\r";
    harness_write_file(file, mac, strlen(mac));
    expect(db, (const char *[]){"catalogue", "importer", file, NULL}, 0, "2 formations importées");
    /* an empty one: said once that nothing changed */
    harness_write_file(file, "reference;intitule;organisme\r", 29);
    struct run_result r;
    harness_run(&r, (const char *[]){db, "catalogue", "importer", file, NULL}, NULL);
    assert_int_equal(r.status, 1);
    const char *once = harness_strstr(r.err, "n'a pas été modifié");
    assert_non_null(once);
    assert_null(harness_strstr(once + 1, "n'a pas été modifié"));
    harness_run_free(&r);

    /* jansson: cut in the middle, too deep */
    snprintf(file, sizeof file, "%s/coupe.json", dir);
    const char *cut = "[{\"numero_formation\":\"A\",\"intitule_formation\":\"Budg";
    harness_write_file(file, cut, strlen(cut));
    expect(db, (const char *[]){"catalogue", "importer", file, NULL}, 1,
           "le fichier s'arrête au milieu");
    char deep[5000];
    size_t o = 0;
    deep[o++] = '[';
    o += (size_t)snprintf(deep + o, sizeof deep - o, "{\"numero_formation\":");
    for (int i = 0; i < 3000; i++)
        deep[o++] = '[';
    deep[o] = '\0';
    snprintf(file, sizeof file, "%s/profond.json", dir);
    harness_write_file(file, deep, o);
    expect(db, (const char *[]){"catalogue", "importer", file, NULL}, 1,
           "trop d'accolades ou de crochets imbriqués");

    /* a folder given as the file to import */
    expect(db, (const char *[]){"catalogue", "importer", "tests", NULL}, 1,
           "« tests » est un dossier : indiquez le fichier CSV ou JSON");
    /* the system: a missing file */
    expect(db, (const char *[]){"catalogue", "importer", "tests/data/absent.csv", NULL}, 1,
           "fichier ou dossier introuvable");

    /* libcurl: nothing listens on a port just freed */
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    bind(fd, (struct sockaddr *)&a, sizeof a);
    socklen_t alen = sizeof a;
    getsockname(fd, (struct sockaddr *)&a, &alen);
    close(fd);
    char url[64];
    snprintf(url, sizeof url, "--url=http://127.0.0.1:%d/", ntohs(a.sin_port));
    expect(db, (const char *[]){"catalogue", "synchroniser", url, NULL}, 1,
           "le serveur refuse la connexion ou ne répond pas");
    expect(db, info, 0, "formations");
}

/* Outside input: a NUL byte in a CSV field, text after a JSON array. */
static void test_outside_input_refused(void **state)
{
    (void)state;
    const char *dir = harness_tmpdir("cat-outside");
    char db[4200], file[4300];
    snprintf(db, sizeof db, "--db=%s/difelus.db", dir);
    expect(db, (const char *[]){"catalogue", "importer", "tests/data/organisme.csv", NULL}, 0,
           "2 formations");
    snprintf(file, sizeof file, "%s/nul.csv", dir);
    const char nul[] = "reference;intitule;organisme\nA;Budget;Org\nB;Fin\0ances;Org\n";
    harness_write_file(file, nul, sizeof nul - 1);
    expect(db, (const char *[]){"catalogue", "importer", file, NULL}, 1,
           "ligne 3 : le fichier contient un octet nul");
    snprintf(file, sizeof file, "%s/suite.json", dir);
    const char *tail = "[{\"numero_formation\":\"A\",\"intitule_formation\":\"Budget\","
                       "\"nom_of\":\"O\"}] xyz";
    harness_write_file(file, tail, strlen(tail));
    expect(db, (const char *[]){"catalogue", "importer", file, NULL}, 1,
           "du texte suit la fin du tableau JSON");
    expect(db, (const char *[]){"catalogue", "info", NULL}, 0, "2 formations");
    /* the CLI says hours with their decimal, and « prix inconnu » rather than « ? » */
    expect(db, (const char *[]){"catalogue", "chercher", "reunion", NULL}, 0,
           "Paris (75) · 280,00 € · 3,5\u00a0h · à distance");
}

/* SIRET (Luhn) and départements checked; the summary says what was found; wording. */
static void test_import_summary(void **state)
{
    (void)state;
    const char *dir = harness_tmpdir("cat-summary");
    char db[4200], file[4300];
    snprintf(db, sizeof db, "--db=%s/difelus.db", dir);
    snprintf(file, sizeof file, "%s/une.csv", dir);
    const char one[] = "reference;intitule;organisme;departement\n"
                       "U1;Prendre la parole en conseil municipal;Formations 76;76\n";
    harness_write_file(file, one, strlen(one));
    struct run_result r;
    harness_run(&r, (const char *[]){db, "catalogue", "importer", file, NULL}, NULL);
    assert_int_equal(r.status, 0);
    assert_non_null(harness_strstr(r.out, "1 formation importée (formations de l'organisme) en "));
    assert_null(harness_strstr(r.out, "0,0 s"));
    assert_null(harness_strstr(r.out, "0.0"));
    harness_run_free(&r);
    harness_run(&r, (const char *[]){db, "catalogue", "info", NULL}, NULL);
    assert_non_null(harness_strstr(r.out, "1 formation : 0 de la Caisse des Dépôts, 1 de l'organisme "
                                  "(importée le "));
    assert_null(harness_strstr(r.out, "Z)")); /* a French date, not ISO */
    harness_run_free(&r);

    snprintf(file, sizeof file, "%s/controles.csv", dir);
    const char checks[] =
        "numero_formation;intitule_formation;nom_of;siret;code_departement\n"
        "C1;Urbanisme et cœur de ville;Institut Rhône;73282932000074;69\n"
        "C2;Finances locales;Institut Loire;73282932000075;42\n"
        "C3;Marchés publics;Institut Atlantide;73282932000074;Atlantide\n"
        "C4;Commande publique;Institut Atlantide;;Atlantide\n";
    harness_write_file(file, checks, strlen(checks));
    harness_run(&r, (const char *[]){db, "catalogue", "importer", file, NULL}, NULL);
    assert_int_equal(r.status, 0);
    assert_non_null(harness_strstr(r.out, "4 formations importées (catalogue de la Caisse des Dépôts)"));
    assert_non_null(harness_strstr(r.out, "1 formation de l'organisme gardée telle quelle."));
    assert_non_null(harness_strstr(r.out, "1 formation avec un SIRET invalide (la première : ligne 3) : "
                                  "gardée sans SIRET"));
    assert_non_null(harness_strstr(r.out, "2 formations avec un département inconnu (par exemple "
                                  "« Atlantide »)"));
    harness_run_free(&r);
    harness_run(&r, (const char *[]){db, "catalogue", "chercher", "finances", "--json", NULL},
                NULL);
    json_t *hits = json_loads(r.out, 0, NULL);
    assert_true(json_is_null(json_object_get(json_array_get(hits, 0), "siret")));
    json_decref(hits);
    harness_run_free(&r);
    harness_run(&r, (const char *[]){db, "catalogue", "chercher", "urbanisme", "--json", NULL},
                NULL);
    hits = json_loads(r.out, 0, NULL);
    assert_string_equal(json_string_value(json_object_get(json_array_get(hits, 0), "siret")),
                        "73282932000074");
    json_decref(hits);
    harness_run_free(&r);
    harness_run(&r, (const char *[]){db, "catalogue", "chercher", "urbanisme", NULL}, NULL);
    assert_non_null(harness_strstr(r.out, "Rhône (69) · prix inconnu · durée inconnue"));
    assert_null(harness_strstr(r.out, "?"));
    harness_run_free(&r);

    /* a SIRET given as a JSON number: its leading zero comes back, and its key is right */
    snprintf(file, sizeof file, "%s/nombre.json", dir);
    const char *number = "[{\"numero_formation\":\"N1\",\"intitule_formation\":\"Voirie "
                         "communale\",\"nom_of\":\"Institut\",\"siret\":1234567800002}]";
    harness_write_file(file, number, strlen(number));
    harness_run(&r, (const char *[]){db, "catalogue", "importer", file, NULL}, NULL);
    assert_int_equal(r.status, 0);
    assert_null(harness_strstr(r.out, "SIRET invalide"));
    harness_run_free(&r);
    harness_run(&r, (const char *[]){db, "catalogue", "chercher", "voirie", "--json", NULL},
                NULL);
    hits = json_loads(r.out, 0, NULL);
    assert_string_equal(json_string_value(json_object_get(json_array_get(hits, 0), "siret")),
                        "01234567800002");
    json_decref(hits);
    harness_run_free(&r);
}

/* reglage: a database locked by another program is not a usage error (exit 1). */
static void test_setting_on_locked_database(void **state)
{
    (void)state;
    const char *dir = harness_tmpdir("cat-reglage-verrou");
    char path[4200], db[4300];
    snprintf(path, sizeof path, "%s/difelus.db", dir);
    snprintf(db, sizeof db, "--db=%s", path);
    struct run_result r;
    harness_run(&r, (const char *[]){db, "reglage", NULL}, NULL);
    assert_int_equal(r.status, 0);
    harness_run_free(&r);
    sqlite3 *holder;
    assert_int_equal(sqlite3_open(path, &holder), SQLITE_OK);
    assert_int_equal(sqlite3_exec(holder, "BEGIN EXCLUSIVE; INSERT INTO setting (key, value)"
                                          " VALUES ('organisme.email', 'a@b.fr')",
                                  NULL, NULL, NULL), SQLITE_OK);
    harness_run(&r, (const char *[]){db, "reglage", "organisme.nom", "Formations 76", NULL}, NULL);
    assert_int_equal(r.status, 1);
    assert_non_null(harness_strstr(r.err, "difelus : "));
    harness_run_free(&r);
    sqlite3_exec(holder, "ROLLBACK", NULL, NULL, NULL);
    sqlite3_close(holder);
    harness_run(&r, (const char *[]){db, "reglage", "organisme.fax", "x", NULL}, NULL);
    assert_int_equal(r.status, 2); /* a wrong key stays a usage error */
    harness_run_free(&r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_kill_at_any_moment),
        cmocka_unit_test(test_import_locks_nothing),
        cmocka_unit_test(test_messages_in_french),
        cmocka_unit_test(test_outside_input_refused),
        cmocka_unit_test(test_import_summary),
        cmocka_unit_test(test_setting_on_locked_database),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
