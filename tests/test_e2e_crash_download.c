/* Crash safety of the catalogue download (issue 10): the helper difelus-telecharger killed
 * with SIGKILL midway, the wizard killed while it downloads, and the wizard killed while its
 * import child writes the new catalogue (that child killed too, or left to finish). Each
 * time the old catalogue (or the whole new one) is there and searchable, both databases
 * pass PRAGMA integrity_check, no file is left beside the database, and the next download
 * works. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <arpa/inet.h>
#include <dirent.h>
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
#include <time.h>
#include <unistd.h>

#include "harness.h"
#include "e2e.h"

#define NBSP "\u00a0"
#define F5 "\033[15~"

/* ---- a fixture server on 127.0.0.1 that answers several downloads in turn ---- */

struct server {
    pid_t pid;
    int port;
};

/* Connection i gets modes[i]: "ok" (the whole body) or "lent" (the headers and half the
 * body, then nothing: the connection stays open until the server is stopped). */
static struct server serve(const char *const *modes, const char *body)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    int one = 1;
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    assert_int_equal(bind(fd, (struct sockaddr *)&a, sizeof a), 0);
    assert_int_equal(listen(fd, 4), 0);
    socklen_t alen = sizeof a;
    getsockname(fd, (struct sockaddr *)&a, &alen);
    struct server s = {.port = ntohs(a.sin_port)};
    s.pid = fork();
    if (s.pid == 0) {
        alarm(60); /* never outlives the test */
        for (size_t i = 0; modes[i]; i++) {
            int c = accept(fd, NULL, NULL);
            char req[4096];
            size_t got = 0;
            while (got < sizeof req - 1) {
                ssize_t n = read(c, req + got, sizeof req - 1 - got);
                if (n <= 0)
                    break;
                got += (size_t)n;
                req[got] = '\0';
                if (strstr(req, "\r\n\r\n"))
                    break;
            }
            size_t len = strlen(body);
            char head[512];
            snprintf(head, sizeof head, "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                                        "Content-Length: %zu\r\nConnection: close\r\n\r\n", len);
            ssize_t w = write(c, head, strlen(head));
            if (strcmp(modes[i], "lent") == 0) {
                w = write(c, body, len / 2); /* and the socket stays open */
            } else {
                w = write(c, body, len);
                close(c);
            }
            (void)w;
        }
        pause();
        _exit(0);
    }
    close(fd);
    return s;
}

static void stop(struct server s)
{
    kill(s.pid, SIGKILL);
    waitpid(s.pid, NULL, 0);
}

/* ---- what the official keeps ---- */

/* A database whose catalogue holds the three trainings of cdc-nouveau.csv (« budget »);
 * the download brings the two of cdc-ancien.json (« urbanisme »). */
static void db_with_catalogue(const char *name, char *db, size_t size)
{
    snprintf(db, size, "%.4190s", fresh_db(name));
    struct run_result r;
    harness_run(&r, (const char *[]){db, "catalogue", "importer", "tests/data/cdc-nouveau.csv",
                                     NULL}, NULL);
    assert_int_equal(r.status, 0);
    harness_run_free(&r);
}

static size_t found(const char *db, const char *words)
{
    struct run_result r;
    harness_run(&r, (const char *[]){db, "catalogue", "chercher", words, "--json", NULL}, NULL);
    if (r.status != 0)
        fail_msg("la recherche « %s » échoue (%d) : %s", words, r.status, r.err);
    json_t *hits = json_loads(r.out, 0, NULL);
    assert_non_null(hits);
    size_t n = json_array_size(hits);
    json_decref(hits);
    harness_run_free(&r);
    return n;
}

static void integrity_ok(const char *path)
{
    struct stat sb;
    if (stat(path, &sb) != 0)
        fail_msg("« %s » a disparu", path);
    sqlite3 *db;
    assert_int_equal(sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE, NULL), SQLITE_OK);
    sqlite3_stmt *s;
    assert_int_equal(sqlite3_prepare_v2(db, "PRAGMA integrity_check", -1, &s, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_step(s), SQLITE_ROW);
    if (strcmp((const char *)sqlite3_column_text(s, 0), "ok") != 0)
        fail_msg("%s abîmé : %s", path, sqlite3_column_text(s, 0));
    sqlite3_finalize(s);
    sqlite3_close(db);
}

static void folder_of(const char *db, char *dir, size_t size)
{
    snprintf(dir, size, "%.4190s", db + strlen("--db="));
    *strrchr(dir, '/') = '\0';
}

/* Both databases whole; the catalogue is the old one (`old`) or the new one; returns
 * whether it is the old one. */
enum which { OLD, NEW, EITHER };
static bool catalogue_whole(const char *db, enum which want)
{
    char dir[4200], path[4300];
    folder_of(db, dir, sizeof dir);
    snprintf(path, sizeof path, "%s/difelus.db", dir);
    integrity_ok(path);
    snprintf(path, sizeof path, "%s/catalogue.db", dir);
    integrity_ok(path);
    size_t old = found(db, "budget"), new = found(db, "urbanisme");
    if (!((old == 1 && new == 0 && want != NEW) || (old == 0 && new == 1 && want != OLD)))
        fail_msg("catalogue ni ancien ni nouveau (ou pas celui attendu) : %zu « budget », "
                 "%zu « urbanisme »", old, new);
    return old == 1;
}

/* No file of an unfinished download or import is left beside the database (the import's
 * catalogue.db.nouveau is removed by the next program that reads the catalogue, and
 * `found` has run one). */
static void no_leftover(const char *db)
{
    char dir[4200];
    folder_of(db, dir, sizeof dir);
    DIR *d = opendir(dir);
    assert_non_null(d);
    struct dirent *e;
    while ((e = readdir(d)))
        if (strstr(e->d_name, "telechargement") || strstr(e->d_name, ".nouveau"))
            fail_msg("fichier laissé : %s", e->d_name);
    closedir(d);
}

/* ---- processes ---- */

/* A child of `parent` whose command name starts with `comm` (and, when `state` is not 0,
 * in that state: 'T' stopped), waited for until WAIT_MS; 0 when none came. */
static pid_t child_of(pid_t parent, const char *comm, char state)
{
    struct timespec t0, now;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    for (;;) {
        DIR *d = opendir("/proc");
        assert_non_null(d);
        struct dirent *e;
        pid_t found_pid = 0;
        while ((e = readdir(d)) && !found_pid) {
            char path[300], buf[512];
            snprintf(path, sizeof path, "/proc/%s/stat", e->d_name);
            FILE *f = fopen(path, "r");
            if (!f)
                continue;
            size_t n = fread(buf, 1, sizeof buf - 1, f);
            fclose(f);
            buf[n] = '\0';
            char *open_paren = strchr(buf, '('), *close_paren = strrchr(buf, ')');
            char st;
            int ppid;
            if (!open_paren || !close_paren ||
                sscanf(close_paren + 1, " %c %d", &st, &ppid) != 2 || ppid != parent)
                continue;
            *close_paren = '\0';
            if (strncmp(open_paren + 1, comm, strlen(comm)) == 0 && (!state || st == state))
                found_pid = (pid_t)atoi(e->d_name);
        }
        closedir(d);
        if (found_pid)
            return found_pid;
        clock_gettime(CLOCK_MONOTONIC, &now);
        if ((now.tv_sec - t0.tv_sec) * 1000 + (now.tv_nsec - t0.tv_nsec) / 1000000 > WAIT_MS)
            return 0;
        usleep(1000); /* polling /proc, not waiting for an outcome */
    }
}

/* Waits until process pid (not ours: orphaned) has ended. */
static void wait_gone(pid_t pid)
{
    struct timespec t0, now;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    char path[64];
    snprintf(path, sizeof path, "/proc/%d/stat", (int)pid);
    for (;;) {
        FILE *f = fopen(path, "r");
        char st = 'Z';
        if (f) {
            char buf[512];
            size_t n = fread(buf, 1, sizeof buf - 1, f);
            fclose(f);
            buf[n] = '\0';
            char *cp = strrchr(buf, ')');
            if (cp)
                sscanf(cp + 1, " %c", &st);
        }
        if (!f || st == 'Z' || st == 'X')
            return;
        clock_gettime(CLOCK_MONOTONIC, &now);
        if (now.tv_sec - t0.tv_sec > WAIT_MS / 1000)
            fail_msg("le processus %d ne s'est pas arrêté", (int)pid);
        usleep(1000);
    }
}

static void open_search(struct term *t)
{
    WAIT(t, "Accueil");
    term_send(t, "r");
}

/* The next download, from the same wizard, brings the new catalogue. */
static void download_again(struct term *t, const char *db)
{
    term_send(t, F5);
    WAIT(t, "Catalogue téléchargé" NBSP ": 2 formations importées.");
    term_send(t, "urbanisme");
    WAIT(t, "Urbanisme et cœur de ville");
    term_send_key(t, TK_F10); /* q would be typed in the search field */
    assert_int_equal(term_wait_exit(t), 0);
    assert_true(term_restored(t));
    term_free(t);
    catalogue_whole(db, NEW);
    no_leftover(db);
}

static void kill_wizard(struct term *t)
{
    pid_t pid = child_pid();
    assert_true(pid > 0);
    assert_int_equal(kill(pid, SIGKILL), 0);
    assert_int_equal(term_wait_exit(t), 128 + SIGKILL);
    term_free(t);
}

/* The helper killed midway: a French message, the old catalogue searched as before, and
 * F5 again downloads. */
static void test_helper_killed_midway(void **state)
{
    (void)state;
    char db[4200];
    db_with_catalogue("crash-dl-aide", db, sizeof db);
    char *json = harness_read_file("tests/data/cdc-ancien.json", NULL);
    struct server s = serve((const char *[]){"lent", "ok", NULL}, json);
    char url[96];
    snprintf(url, sizeof url, "DIFELUS_CATALOGUE_URL=http://127.0.0.1:%d/", s.port);
    struct term *t = start(24, 80, db, (const char *[]){url, NULL});
    open_search(t);
    WAIT(t, "F5 télécharger  F6 importer");
    term_send(t, F5);
    WAIT(t, "reçus sur 1,0" NBSP "ko");
    pid_t helper = child_of(child_pid(), "difelus-telecha", 0);
    assert_true(helper > 0);
    assert_int_equal(kill(helper, SIGKILL), 0);
    WAIT(t, "s'est arrêté brutalement");
    WAIT(t, "Réessayez.");
    assert_null(strstr(term_text(t), "Killed"));
    catalogue_whole(db, OLD);
    no_leftover(db);
    /* the wizard searches the old catalogue, and downloads again */
    term_send(t, "budget");
    WAIT(t, "Préparer le budget communal");
    term_send(t, "\025");
    download_again(t, db);
    stop(s);
    free(json);
}

/* The wizard killed while its helper downloads: the old catalogue, whole; the wizard
 * started again searches it and downloads. */
static void test_wizard_killed_while_downloading(void **state)
{
    (void)state;
    char db[4200];
    db_with_catalogue("crash-dl-assistant", db, sizeof db);
    char *json = harness_read_file("tests/data/cdc-ancien.json", NULL);
    struct server s = serve((const char *[]){"lent", "ok", NULL}, json);
    char url[96];
    snprintf(url, sizeof url, "DIFELUS_CATALOGUE_URL=http://127.0.0.1:%d/", s.port);
    struct term *t = start(24, 80, db, (const char *[]){url, NULL});
    open_search(t);
    WAIT(t, "F5 télécharger  F6 importer");
    term_send(t, F5);
    WAIT(t, "reçus sur 1,0" NBSP "ko");
    kill_wizard(t);
    catalogue_whole(db, OLD);
    no_leftover(db);
    t = start(24, 80, db, (const char *[]){url, NULL});
    WAIT(t, "F5 télécharger  F6 importer"); /* back on the search, no download shown */
    assert_null(strstr(term_text(t), "reçus sur"));
    WAIT(t, "Le téléchargement précédent a été interrompu" NBSP "; l'ancien catalogue est");
    term_send(t, "budget");
    WAIT(t, "Préparer le budget communal");
    term_send(t, "\025");
    download_again(t, db);
    stop(s);
    free(json);
}

/* The wizard killed while its import child writes the new catalogue (stopped just before
 * its commit): that child killed as well leaves the old catalogue; left to finish, it puts
 * the whole new one in place. */
static void killed_while_importing(const char *name, bool child_finishes)
{
    char db[4200];
    db_with_catalogue(name, db, sizeof db);
    char *json = harness_read_file("tests/data/cdc-ancien.json", NULL);
    struct server s = serve((const char *[]){"ok", "ok", NULL}, json);
    char url[96], stop_at[64] = "DIFELUS_TEST_ARRET_IMPORT=ecriture";
    snprintf(url, sizeof url, "DIFELUS_CATALOGUE_URL=http://127.0.0.1:%d/", s.port);
    struct term *t = start(24, 80, db, (const char *[]){url, stop_at, NULL});
    open_search(t);
    WAIT(t, "F5 télécharger  F6 importer");
    pid_t wizard = child_pid();
    term_send(t, F5);
    pid_t importer = child_of(wizard, "difelus", 'T'); /* the import stopped itself */
    if (!importer)
        fail_msg("l'import ne s'est pas arrêté avant d'écrire :\n%s", term_text(t));
    kill_wizard(t);
    if (child_finishes) {
        kill(importer, SIGCONT);
    } else {
        kill(importer, SIGKILL);
        kill(importer, SIGCONT);
    }
    wait_gone(importer);
    /* left to finish, the orphan import may also die of its parent's closed pipe (SIGPIPE)
     * before its commit: the old catalogue, whole, is right too */
    bool old = catalogue_whole(db, child_finishes ? EITHER : OLD);
    if (child_finishes)
        fprintf(stderr, "# l'import laissé seul : %s\n",
                old ? "ancien catalogue gardé" : "nouveau catalogue en place");
    no_leftover(db);
    t = start(24, 80, db, (const char *[]){url, NULL});
    WAIT(t, "F5 télécharger  F6 importer");
    /* said only when it is true: not when the import went on to replace the catalogue */
    if (old)
        WAIT(t, "Le téléchargement précédent a été interrompu");
    else
        assert_null(strstr(term_text(t), "interrompu"));
    term_send(t, old ? "budget" : "urbanisme");
    WAIT(t, old ? "Préparer le budget communal" : "Urbanisme et cœur de ville");
    term_send(t, "\025");
    download_again(t, db);
    stop(s);
    free(json);
}

static void test_wizard_and_import_killed(void **state)
{
    (void)state;
    killed_while_importing("crash-dl-import-tue", false);
}

static void test_wizard_killed_import_finishes(void **state)
{
    (void)state;
    killed_while_importing("crash-dl-import-fini", true);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_helper_killed_midway),
        cmocka_unit_test(test_wizard_killed_while_downloading),
        cmocka_unit_test(test_wizard_and_import_killed),
        cmocka_unit_test(test_wizard_killed_import_finishes),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
