/* End-to-end, the catalogue from the search screen without the command line: F5 downloads
 * it through the helper difelus-telecharger from a fixture server on 127.0.0.1 with a
 * progress bar while keys keep working, a server error is said in French, Échap during a
 * slow download keeps the old catalogue, and F6 imports a file whose path is typed. */
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
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "harness.h"
#include "e2e.h"

#define NBSP "\u00a0"
#define F5 "\033[15~"
#define F6 "\033[17~"

/* ---- a fixture HTTP server on 127.0.0.1 ---- */

struct server {
    pid_t pid;
    int port;
};

/* Serves one request: "ok" (the body), "500", or "lent" (the headers and half the body,
 * then the rest only when the test sends SIGUSR1). */
static struct server serve(const char *mode, const char *body)
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
    /* Blocked before the fork: a SIGUSR1 sent early waits for sigwait. */
    sigset_t usr1, old;
    sigemptyset(&usr1);
    sigaddset(&usr1, SIGUSR1);
    sigprocmask(SIG_BLOCK, &usr1, &old);
    s.pid = fork();
    if (s.pid == 0) {
        alarm(30); /* never outlives the test */
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
        ssize_t w;
        if (strcmp(mode, "500") == 0) {
            const char *r = "HTTP/1.1 500 Internal Server Error\r\nContent-Length: 21\r\n"
                            "Connection: close\r\n\r\nInternal Server Error";
            w = write(c, r, strlen(r));
        } else {
            if (!strstr(req, "GET /api/explore/v2.1/catalog/datasets/"
                             "moncompteformation_catalogueformation/exports/json "))
                _exit(3);
            char head[512];
            snprintf(head, sizeof head, "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                                        "Content-Length: %zu\r\nConnection: close\r\n\r\n", len);
            w = write(c, head, strlen(head));
            if (strcmp(mode, "lent") == 0) {
                w = write(c, body, len / 2);
                int sig;
                sigwait(&usr1, &sig);
                w = write(c, body + len / 2, len - len / 2);
            } else {
                w = write(c, body, len);
            }
        }
        (void)w;
        close(c);
        _exit(0);
    }
    sigprocmask(SIG_SETMASK, &old, NULL);
    close(fd);
    return s;
}

static void stop(struct server s)
{
    kill(s.pid, SIGKILL);
    waitpid(s.pid, NULL, 0);
}

/* A database whose catalogue holds the three trainings of cdc-nouveau.csv. */
static const char *db_with_catalogue(const char *name)
{
    const char *db = fresh_db(name);
    struct run_result r;
    harness_run(&r, (const char *[]){db, "catalogue", "importer", "tests/data/cdc-nouveau.csv",
                                     NULL}, NULL);
    assert_int_equal(r.status, 0);
    harness_run_free(&r);
    return db;
}

static size_t found(const char *db, const char *words)
{
    struct run_result r;
    harness_run(&r, (const char *[]){db, "catalogue", "chercher", words, "--json", NULL}, NULL);
    assert_int_equal(r.status, 0);
    json_t *hits = json_loads(r.out, 0, NULL);
    assert_non_null(hits);
    size_t n = json_array_size(hits);
    json_decref(hits);
    harness_run_free(&r);
    return n;
}

/* No file of an unfinished download is left beside the database. */
static void no_leftover(const char *db)
{
    char dir[4200];
    snprintf(dir, sizeof dir, "%s", db + 5);
    *strrchr(dir, '/') = '\0';
    DIR *d = opendir(dir);
    assert_non_null(d);
    struct dirent *e;
    while ((e = readdir(d)))
        if (strstr(e->d_name, "telechargement"))
            fail_msg("fichier laissé : %s", e->d_name);
    closedir(d);
}

static struct term *search_screen(const char *db, int port)
{
    char url[96];
    snprintf(url, sizeof url, "DIFELUS_CATALOGUE_URL=http://127.0.0.1:%d/", port);
    struct term *t = start(24, 80, db, (const char *[]){url, NULL});
    WAIT(t, "Accueil");
    term_send(t, "r");
    WAIT(t, "Rechercher une formation");
    WAIT(t, "F5 télécharger  F6 importer");
    return t;
}

static void test_download_with_progress(void **state)
{
    (void)state;
    const char *db = db_with_catalogue("dl-ok");
    char *json = harness_read_file("tests/data/cdc-ancien.json", NULL);
    struct server s = serve("lent", json);
    struct term *t = search_screen(db, s.port);
    term_send(t, "urba");
    WAIT(t, "Aucune formation trouvée");
    term_send(t, F5);
    /* 505 of 1 011 octets: the bar, the share, how to stop */
    WAIT(t, "Téléchargement du catalogue" NBSP ": 505" NBSP "octets reçus sur 1,0" NBSP "ko "
            "(49\u202f%)");
    WAIT(t, "[#");
    WAIT(t, "Échap" NBSP ": arrêter");
    WAIT(t, "Échap arrêter  Tab champ");
    /* the screen answers keys during the download */
    term_send(t, "nisme");
    WAIT(t, "urbanisme");
    ON_SCREEN(t, "Téléchargement du catalogue");
    kill(s.pid, SIGUSR1);
    WAIT(t, "Catalogue téléchargé" NBSP ": 2 formations importées.");
    /* the results come from the fresh catalogue without a key */
    WAIT(t, "Urbanisme et cœur de ville");
    assert_true(term_wait_gone(t, "Téléchargement du catalogue"));
    term_send_key(t, TK_F10);
    assert_int_equal(term_wait_exit(t), 0);
    assert_true(term_restored(t));
    term_free(t);
    stop(s);
    free(json);
    assert_int_equal(found(db, "urbanisme"), 1);
    assert_int_equal(found(db, "budget"), 0); /* the CDC trainings were replaced */
    no_leftover(db);
}

static void test_download_server_error(void **state)
{
    (void)state;
    const char *db = db_with_catalogue("dl-500");
    struct server s = serve("500", "");
    struct term *t = search_screen(db, s.port);
    term_send(t, F5);
    WAIT(t, "a répondu «" NBSP "erreur HTTP 500" NBSP "»");
    WAIT(t, "plus tard.");
    const char *screen = term_text(t);
    if (strstr(screen, "Internal") || strstr(screen, "--url") || strstr(screen, "curl"))
        fail_msg("texte anglais ou de ligne de commande à l'écran :\n%s", screen);
    /* the old catalogue is searched as before */
    term_send(t, "budget");
    WAIT(t, "Préparer le budget communal");
    term_send_key(t, TK_F10);
    assert_int_equal(term_wait_exit(t), 0);
    term_free(t);
    stop(s);
    assert_int_equal(found(db, "budget"), 1);
    no_leftover(db);
}

static void test_download_escape_keeps_old(void **state)
{
    (void)state;
    const char *db = db_with_catalogue("dl-echap");
    char *json = harness_read_file("tests/data/cdc-ancien.json", NULL);
    struct server s = serve("lent", json);
    struct term *t = search_screen(db, s.port);
    term_send(t, F5);
    WAIT(t, "reçus sur 1,0" NBSP "ko");
    term_send(t, "\033");
    WAIT(t, "Téléchargement arrêté" NBSP ": l'ancien catalogue est gardé tel quel.");
    assert_true(term_wait_gone(t, "reçus sur"));
    WAIT(t, "F5 télécharger  F6 importer");
    /* even once the server would have sent the rest */
    kill(s.pid, SIGUSR1);
    term_send(t, "budget");
    WAIT(t, "Préparer le budget communal");
    /* the screen stays usable: Échap now goes back as before */
    term_send(t, "\033");
    WAIT(t, "Accueil");
    term_send(t, "q");
    assert_int_equal(term_wait_exit(t), 0);
    assert_true(term_restored(t));
    term_free(t);
    stop(s);
    free(json);
    assert_int_equal(found(db, "budget"), 1);
    assert_int_equal(found(db, "urbanisme"), 0);
    no_leftover(db);
}

static void test_import_file_key(void **state)
{
    (void)state;
    const char *db = fresh_db("dl-fichier");
    char home[4200], file[4300], env[4300], *csv;
    size_t len;
    snprintf(home, sizeof home, "%s", harness_tmpdir("dl-fichier-maison"));
    snprintf(file, sizeof file, "%s/formations de l’organisme.csv", home);
    csv = harness_read_file("tests/data/cdc-nouveau.csv", &len);
    harness_write_file(file, csv, len);
    free(csv);
    snprintf(env, sizeof env, "HOME=%s", home);
    struct term *t = start(24, 80, db, (const char *[]){env, NULL});
    WAIT(t, "Accueil");
    term_send(t, "r");
    WAIT(t, "Le catalogue de difelus est vide");
    WAIT(t, "F6 importe un fichier");
    /* a path that leads nowhere */
    term_send(t, F6);
    WAIT(t, "Fichier à importer dans le catalogue");
    WAIT(t, "Entrée importer  Échap annuler");
    term_send(t, "~/Téléchargements/catalogue envoyé par le support.csv");
    WAIT(t, "~/Téléchargements/catalogue envoyé par le support.csv");
    term_send(t, "\r");
    WAIT(t, "Fichier refusé" NBSP ": Impossible de lire");
    /* the path's length (it lies under $BUILD) decides where this sentence wraps */
    if (!term_wait_for_wrapped(t, "Le catalogue n'a pas été modifié."))
        fail_msg("« Le catalogue n'a pas été modifié. » n'apparaît pas à l'écran");
    WAIT(t, "Le catalogue de difelus est vide");
    /* the refused path comes back to be corrected; Échap in the prompt imports nothing */
    term_send(t, F6);
    WAIT(t, "Fichier à importer dans le catalogue");
    WAIT(t, "~/Téléchargements/catalogue envoyé par le support.csv");
    term_send(t, "~/n’importe");
    term_send(t, "\033");
    WAIT(t, "Aucun fichier importé.");
    /* the body's file, with ~ for the official's home and a typo erased */
    term_send(t, F6);
    WAIT(t, "Fichier à importer dans le catalogue");
    assert_true(term_wait_gone(t, "support.csv"));
    term_send(t, "~/formations de l’organismX\177e.csv\r");
    WAIT(t, "Fichier importé" NBSP ": 3 formations dans le catalogue.");
    term_send(t, "budget");
    WAIT(t, "Préparer le budget communal");
    term_send_key(t, TK_F10);
    assert_int_equal(term_wait_exit(t), 0);
    assert_true(term_restored(t));
    term_free(t);
    assert_int_equal(found(db, "budget"), 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_download_with_progress),
        cmocka_unit_test(test_download_server_error),
        cmocka_unit_test(test_download_escape_keeps_old),
        cmocka_unit_test(test_import_file_key),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
