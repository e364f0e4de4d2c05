/* The training catalogue: imports of both CDC formats and of a body's CSV, every bad file
 * refused with its line or record and the catalogue left as it was, search edge cases, and
 * the sync against a fixture HTTP server started here on 127.0.0.1. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <arpa/inet.h>
#include <jansson.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "difelus/catalogue.h"
#include "harness.h"

static store *fresh_store(const char *name, char *path, size_t len)
{
    snprintf(path, len, "%s/difelus.db", harness_tmpdir(name));
    char err[1024];
    store *st = store_open(path, err, sizeof err);
    assert_non_null(st);
    return st;
}

static void import_ok(store *st, const char *file, size_t want, enum catalogue_source source)
{
    struct catalogue_import r;
    char err[1024] = "";
    if (catalogue_import_file(st, file, &r, NULL, NULL, err, sizeof err) != 0)
        fail_msg("%s : %s", file, err);
    assert_int_equal(r.records, want);
    assert_int_equal(r.source, source);
}

/* Titles of the hits for `words`, joined by '|'. */
static const char *titles(store *st, const char *words, const char *modality, const char *dept)
{
    static char out[4096];
    struct catalogue_hit hits[20];
    size_t n;
    char err[512];
    struct catalogue_query q = {.words = words, .modality = modality, .limit = 20,
                                .dept = dept ? places_find_departement(dept) : NULL};
    if (catalogue_search(st, &q, hits, 20, &n, err, sizeof err) != 0)
        fail_msg("recherche « %s » : %s", words, err);
    out[0] = '\0';
    for (size_t i = 0; i < n; i++) {
        strcat(out, i ? "|" : "");
        strncat(out, hits[i].title, sizeof out - strlen(out) - 2);
    }
    return out;
}

static void test_import_three_formats(void **state)
{
    (void)state;
    char path[4200];
    store *st = fresh_store("cat-formats", path, sizeof path);
    import_ok(st, "tests/data/cdc-nouveau.csv", 3, SOURCE_CDC);
    assert_string_equal(titles(st, "budget", NULL, NULL), "Préparer le budget communal");
    import_ok(st, "tests/data/organisme.csv", 2, SOURCE_BODY);
    /* the body's trainings sit beside the CDC's */
    assert_string_equal(titles(st, "reunion", NULL, NULL), "Animer une réunion publique");
    assert_string_equal(titles(st, "budget", NULL, NULL), "Préparer le budget communal");
    /* a new CDC export replaces the old CDC rows, not the body's */
    import_ok(st, "tests/data/cdc-ancien.json", 2, SOURCE_CDC);
    assert_string_equal(titles(st, "budget", NULL, NULL), "");
    assert_string_equal(titles(st, "urbanisme", NULL, NULL), "Urbanisme et cœur de ville");
    assert_string_equal(titles(st, "finances", NULL, NULL), "Les finances locales pour les élus");
    struct catalogue_info info;
    char err[512];
    assert_int_equal(catalogue_get_info(st, &info, err, sizeof err), 0);
    assert_int_equal(info.total, 4);
    assert_int_equal(info.cdc, 2);
    assert_int_equal(info.body, 2);

    struct catalogue_hit h[4];
    size_t n;
    struct catalogue_query q = {.words = "urbanisme", .limit = 4};
    assert_int_equal(catalogue_search(st, &q, h, 4, &n, err, sizeof err), 0);
    assert_int_equal(n, 1);
    assert_int_equal(h[0].price_min, 120000);
    assert_int_equal(h[0].price_max, 150000);
    assert_int_equal(h[0].hours_min, 3500);
    assert_string_equal(h[0].place, "Rhône (69)");
    assert_string_equal(h[0].siret, "73282932000074");
    assert_false(h[0].distance);
    q.words = "reunion";
    assert_int_equal(catalogue_search(st, &q, h, 4, &n, err, sizeof err), 0);
    assert_true(h[0].distance);
    assert_int_equal(h[0].hours_min, 350);
    assert_string_equal(h[0].place, "Paris (75)");
    store_close(st);

    struct stat_like {
        int dummy;
    };
    char cat[4300];
    snprintf(cat, sizeof cat, "%.*s/catalogue.db", (int)(strrchr(path, '/') - path), path);
    assert_int_equal(access(cat, F_OK), 0); /* beside the personal database */
}

static void test_search_edge_cases(void **state)
{
    (void)state;
    char path[4200];
    store *st = fresh_store("cat-search", path, sizeof path);
    import_ok(st, "tests/data/cdc-nouveau.csv", 3, SOURCE_CDC);
    import_ok(st, "tests/data/cdc-ancien.json", 2, SOURCE_CDC);
    import_ok(st, "tests/data/cdc-nouveau.csv", 3, SOURCE_CDC);
    /* accents and ligatures on both sides */
    assert_string_equal(titles(st, "elus", NULL, NULL), "Le cœur des finances des élus");
    assert_string_equal(titles(st, "ÉLUS", NULL, NULL), "Le cœur des finances des élus");
    assert_string_equal(titles(st, "coeur", NULL, NULL), "Le cœur des finances des élus");
    assert_string_equal(titles(st, "cœur", NULL, NULL), "Le cœur des finances des élus");
    /* syntax of any kind is only text */
    static const char *const odd[] = {"carte-grise", "l'école", "AND", "\"", "*", "OR NOT",
                                      "(budget", "budget)", "NEAR(a b)", "title:budget", "^budget",
                                      "bud\"get", "", "   ", "a", "'; DROP TABLE training; --"};
    for (size_t i = 0; i < sizeof odd / sizeof odd[0]; i++)
        titles(st, odd[i], NULL, NULL); /* fails the test if any is an error */
    assert_string_equal(titles(st, "carte-grise", NULL, NULL), "Carte-grise et l'école : démarches");
    assert_string_equal(titles(st, "l'école", NULL, NULL), "Carte-grise et l'école : démarches");
    assert_string_equal(titles(st, "*", NULL, NULL), "");
    /* prefixes from two letters, every word must match */
    assert_string_equal(titles(st, "bu", NULL, NULL), "Préparer le budget communal");
    assert_string_equal(titles(st, "budget elus", NULL, NULL), "");
    /* filters */
    assert_string_equal(titles(st, "finances", "distance", NULL), "Le cœur des finances des élus");
    assert_string_equal(titles(st, "finances", "presentiel", NULL), "");
    assert_string_equal(titles(st, "budget", NULL, "Ardeche"), "Préparer le budget communal");
    assert_string_equal(titles(st, "budget", NULL, "07"), "Préparer le budget communal");
    assert_string_equal(titles(st, "budget", NULL, "75"), "");
    assert_string_equal(titles(st, "carte", NULL, "2a"), "Carte-grise et l'école : démarches");
    /* the body's name and the certification are searched too */
    assert_string_equal(titles(st, "gestions locales", NULL, NULL), "Préparer le budget communal");
    assert_string_equal(titles(st, "budgetaire", NULL, NULL), "Préparer le budget communal");
    store_close(st);

    assert_string_equal(places_find_departement("Ardeche")->code, "07");
    assert_string_equal(places_find_departement("7")->name, "Ardèche");
    assert_string_equal(places_find_departement("cotes d armor")->code, "22");
    assert_string_equal(places_find_departement("LA RÉUNION")->code, "974");
    assert_null(places_find_departement("Atlantide"));
    assert_null(places_find_departement("20"));
}

/* Imports `content` as a file; it must be refused with `reason`, the catalogue unchanged. */
static void expect_refused(store *st, const char *dir, const char *name, const char *content,
                           size_t len, const char *reason)
{
    char file[4300];
    snprintf(file, sizeof file, "%s/%s", dir, name);
    harness_write_file(file, content, len);
    struct catalogue_import r;
    char err[2048] = "";
    if (catalogue_import_file(st, file, &r, NULL, NULL, err, sizeof err) == 0)
        fail_msg("%s importé alors qu'il devait être refusé", name);
    if (!harness_strstr(err, reason))
        fail_msg("%s : « %s » sans « %s »", name, err, reason);
    assert_string_equal(titles(st, "budget", NULL, NULL), "Préparer le budget communal");
    struct catalogue_info info;
    assert_int_equal(catalogue_get_info(st, &info, err, sizeof err), 0);
    assert_int_equal(info.total, 3);
}

static void test_bad_files_refused_catalogue_intact(void **state)
{
    (void)state;
    char path[4200];
    store *st = fresh_store("cat-bad", path, sizeof path);
    const char *dir = harness_tmpdir("cat-bad-files");
    import_ok(st, "tests/data/cdc-nouveau.csv", 3, SOURCE_CDC);
    const char *head = "numero_formation;intitule_formation;nom_of\n";
    char buf[512];

    snprintf(buf, sizeof buf, "%sA;Budget;Org\nB;\"Finances jamais fermé;Org\n", head);
    expect_refused(st, dir, "tronque.csv", buf, strlen(buf), "ligne 3 : fichier tronqué");
    snprintf(buf, sizeof buf, "%sA;Budget;Org\nB;Fin\n", head);
    expect_refused(st, dir, "colonnes.csv", buf, strlen(buf), "ligne 3 : 2 colonnes au lieu de 3");
    snprintf(buf, sizeof buf, "%sA;Budget;Org\nB;Caf\xe9;Org\n", head);
    expect_refused(st, dir, "latin1.csv", buf, strlen(buf), "ligne 3, colonne 2 : le texte n'est "
                                                            "pas du texte UTF-8");
    snprintf(buf, sizeof buf, "%sA;Budget;Org\nB;Fin\033[2J;Org\n", head);
    expect_refused(st, dir, "controle.csv", buf, strlen(buf), "ligne 3, colonne 2 : le texte "
                                                              "contient un caractère de contrôle");
    snprintf(buf, sizeof buf, "numero_formation;titre;nom_of\nA;Budget;Org\n");
    expect_refused(st, dir, "colonne.csv", buf, strlen(buf), "colonne obligatoire absente "
                                                             "(intitule_formation / intitule)");
    snprintf(buf, sizeof buf, "%sA;;Org\n", head);
    expect_refused(st, dir, "vide.csv", buf, strlen(buf), "ligne 2 : le champ intitule_formation");
    snprintf(buf, sizeof buf, "numero_formation,intitule_formation,nom_of\nA,B,C\n");
    expect_refused(st, dir, "virgules.csv", buf, strlen(buf), "Séparateur attendu : « ; »");
    expect_refused(st, dir, "rien.csv", "", 0, "vide");
    snprintf(buf, sizeof buf, "%sA;Budget;Org;x\n", head);
    expect_refused(st, dir, "prix.csv", "numero_formation;intitule_formation;nom_of;"
                                        "frais_ttc_tot_min\nA;B;C;gratuit\n",
                   strlen("numero_formation;intitule_formation;nom_of;frais_ttc_tot_min\nA;B;C;"
                          "gratuit\n"),
                   "ligne 2 : prix « gratuit » n'est pas un nombre");

    /* a field of several megabytes */
    size_t big = 3 * 1024 * 1024;
    char *huge = malloc(big + 200);
    int off = snprintf(huge, 200, "%sA;", head);
    memset(huge + off, 'x', big);
    memcpy(huge + off + big, ";Org\n", 5);
    expect_refused(st, dir, "enorme.csv", huge, (size_t)off + big + 5, "ligne 2 : un champ "
                                                                      "dépasse 1 Mo");
    /* the same in JSON */
    off = snprintf(huge, 200, "[{\"numero_formation\":\"A\",\"nom_of\":\"O\",\"intitule_formation\":\"");
    memset(huge + off, 'x', big);
    memcpy(huge + off + big, "\"}]", 3);
    expect_refused(st, dir, "enorme.json", huge, (size_t)off + big + 3, "enregistrement 1 : le "
                                                                       "champ « intitule_formation » dépasse 1 Mo");
    free(huge);

    const char *j1 = "[{\"numero_formation\":\"A\",\"intitule_formation\":\"Budget\",\"nom_of\":\"O\"},"
                     "{\"numero_formation\":\"B\",\"intitule_formation\":\"Fin";
    expect_refused(st, dir, "tronque.json", j1, strlen(j1), "enregistrement 2 : JSON invalide, le "
                                                            "fichier s'arrête au milieu");
    const char *j2 = "[{\"numero_formation\":\"A\",\"intitule_formation\":\"Budget\",\"nom_of\":\"O\"}";
    expect_refused(st, dir, "sans-fin.json", j2, strlen(j2), "enregistrement 1 : « , » ou « ] »");
    const char *j3 = "[{\"numero_formation\":\"A\",\"intitule_formation\":\"B\\u0007\",\"nom_of\":\"O\"}]";
    expect_refused(st, dir, "controle.json", j3, strlen(j3), "enregistrement 1 : le champ "
                                                             "« intitule_formation » contient un caractère de contrôle");
    const char *j4 = "[[1, 2]]";
    expect_refused(st, dir, "pas-objet.json", j4, strlen(j4), "un objet JSON était attendu");
    const char *j5 = "[{\"numero_formation\":\"A\",\"intitule_formation\":\"B\"}]";
    expect_refused(st, dir, "manque.json", j5, strlen(j5), "enregistrement 1 : le champ nom_of");
    const char *j6 = "[{\"numero_formation\":\"A\",\"intitule_formation\":\"B\xff\",\"nom_of\":\"O\"}]";
    expect_refused(st, dir, "latin1.json", j6, strlen(j6), "enregistrement 1 : JSON invalide");
    char missing[4300];
    snprintf(missing, sizeof missing, "%s/absent.csv", dir);
    struct catalogue_import r;
    char err[1024];
    assert_int_equal(catalogue_import_file(st, missing, &r, NULL, NULL, err, sizeof err), -1);
    assert_non_null(harness_strstr(err, "Impossible de lire"));
    store_close(st);
}

/* ---- a fixture HTTP server on 127.0.0.1 ---- */

struct server {
    pid_t pid;
    int port;
};

/* Serves one request in the given mode: "ok" (body), "500", "tronque" (half the body),
 * "muet" (never answers). */
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
    s.pid = fork();
    if (s.pid == 0) {
        alarm(20); /* never outlives the test */
        int c = accept(fd, NULL, NULL);
        char req[4096];
        size_t got = 0;
        while (got < sizeof req - 1) {
            ssize_t n = read(c, req + got, sizeof req - 1 - got);
            if (n <= 0)
                break;
            got += (size_t)n;
            req[got] = '\0';
            if (harness_strstr(req, "\r\n\r\n"))
                break;
        }
        char head[512];
        size_t len = strlen(body);
        if (strcmp(mode, "muet") == 0) {
            pause();
            _exit(0);
        }
        if (strcmp(mode, "500") == 0) {
            const char *r = "HTTP/1.1 500 Internal Server Error\r\nContent-Length: 6\r\n"
                            "Connection: close\r\n\r\nerreur";
            ssize_t w = write(c, r, strlen(r));
            (void)w;
        } else {
            if (!harness_strstr(req, "GET /api/explore/v2.1/catalog/datasets/"
                             "moncompteformation_catalogueformation/exports/json "))
                _exit(3);
            snprintf(head, sizeof head, "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                                        "Content-Length: %zu\r\nConnection: close\r\n\r\n", len);
            ssize_t w = write(c, head, strlen(head));
            w = write(c, body, strcmp(mode, "tronque") == 0 ? len / 2 : len);
            (void)w;
        }
        close(c);
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

static void sync_with(const char *db_opt, int port, const char *const *env, int want_status,
                      const char *want)
{
    char url[64];
    snprintf(url, sizeof url, "--url=http://127.0.0.1:%d/", port);
    struct run_result r;
    harness_run(&r, (const char *[]){db_opt, "catalogue", "synchroniser", url, NULL}, env);
    if (r.status != want_status || !harness_strstr(want_status ? r.err : r.out, want))
        fail_msg("code %d, sortie « %s », erreur « %s » ; attendu « %s »", r.status, r.out,
                 r.err, want);
    harness_run_free(&r);
}

static void test_sync(void **state)
{
    (void)state;
    char path[4200], opt[4300];
    store *st = fresh_store("cat-sync", path, sizeof path);
    store_close(st);
    snprintf(opt, sizeof opt, "--db=%s", path);
    char *json = harness_read_file("tests/data/cdc-ancien.json", NULL);

    struct server s = serve("ok", json);
    sync_with(opt, s.port, NULL, 0, "2 formations importées");
    stop(s);

    s = serve("500", json);
    sync_with(opt, s.port, NULL, 1, "erreur HTTP 500");
    stop(s);

    s = serve("tronque", json);
    sync_with(opt, s.port, NULL, 1, "incomplet");
    stop(s);

    s = serve("ok", "<html>Maintenance</html>");
    sync_with(opt, s.port, NULL, 1, "Le catalogue reçu est inutilisable");
    stop(s);

    s = serve("muet", json);
    sync_with(opt, s.port, (const char *[]){"DIFELUS_CATALOGUE_DELAI=1", NULL}, 1, "ne répond plus");
    stop(s);

    /* nothing listens on a port just freed */
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    bind(fd, (struct sockaddr *)&a, sizeof a);
    socklen_t alen = sizeof a;
    getsockname(fd, (struct sockaddr *)&a, &alen);
    close(fd);
    sync_with(opt, ntohs(a.sin_port), NULL, 1, "Connexion impossible");
    free(json);

    /* after every failure the first catalogue is still there */
    struct run_result r;
    harness_run(&r, (const char *[]){opt, "catalogue", "chercher", "urbanisme", "--json", NULL},
                NULL);
    assert_int_equal(r.status, 0);
    json_t *hits = json_loads(r.out, 0, NULL);
    assert_int_equal(json_array_size(hits), 1);
    assert_string_equal(json_string_value(json_object_get(json_array_get(hits, 0), "intitule")),
                        "Urbanisme et cœur de ville");
    json_decref(hits);
    harness_run_free(&r);
}

static void test_catalogue_command_line(void **state)
{
    (void)state;
    char path[4200], opt[4300];
    store *st = fresh_store("cat-cli", path, sizeof path);
    store_close(st);
    snprintf(opt, sizeof opt, "--db=%s", path);
    struct run_result r;
    harness_run(&r, (const char *[]){opt, "catalogue", "info", NULL}, NULL);
    assert_non_null(harness_strstr(r.out, "Le catalogue est vide"));
    harness_run_free(&r);
    harness_run(&r, (const char *[]){opt, "catalogue", "importer", "tests/data/organisme.csv", NULL},
                NULL);
    assert_int_equal(r.status, 0);
    assert_non_null(harness_strstr(r.out, "2 formations importées (formations de l'organisme)"));
    harness_run_free(&r);
    harness_run(&r, (const char *[]){opt, "catalogue", "chercher", "finances", "elus",
                                     "--departement", "Ardeche", "--modalite", "presentiel", NULL},
                NULL);
    assert_int_equal(r.status, 0);
    assert_non_null(harness_strstr(r.out, "Les finances locales pour les élus"));
    assert_non_null(harness_strstr(r.raw_out, "Ardèche (07) · 560,00\u00a0€ · 7\u00a0h"));
    harness_run_free(&r);
    static const struct {
        const char *args[6];
        const char *message;
    } bad[] = {
        {{"catalogue", NULL}, "attend une action"},
        {{"catalogue", "ranger", NULL}, "action inconnue « ranger »"},
        {{"catalogue", "chercher", NULL}, "attend des mots"},
        {{"catalogue", "chercher", "x", "--modalite", "velo", NULL}, "presentiel ou distance"},
        {{"catalogue", "chercher", "x", "--departement", "Atlantide", NULL}, "département inconnu"},
        {{"catalogue", "chercher", "x", "--limite", "0", NULL}, "de 1 à 200"},
        {{"catalogue", "importer", NULL}, "attend un fichier"},
        {{"catalogue", "info", "--url", "http://x", NULL},
         "--url ne s'emploie qu'avec « catalogue synchroniser »"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        harness_run(&r, bad[i].args, NULL);
        if (r.status != 2 || !harness_strstr(r.err, bad[i].message))
            fail_msg("cas %zu : code %d, « %s »", i, r.status, r.err);
        harness_run_free(&r);
    }
    harness_run(&r, (const char *[]){opt, "catalogue", "importer", "tests/data/absent.csv", NULL},
                NULL);
    assert_int_equal(r.status, 1);
    assert_non_null(harness_strstr(r.err, "Le catalogue n'a pas été modifié"));
    harness_run_free(&r);
}

static void test_damaged_catalogue_file(void **state)
{
    (void)state;
    const char *dir = harness_tmpdir("cat-damaged");
    char path[4200], cat[4200];
    snprintf(path, sizeof path, "%s/difelus.db", dir);
    snprintf(cat, sizeof cat, "%s/catalogue.db", dir);
    char junk[8192];
    memset(junk, 'z', sizeof junk);
    harness_write_file(cat, junk, sizeof junk);
    char err[1024] = "";
    store *st = store_open(path, err, sizeof err);
    assert_non_null(st); /* the personal database is not affected */
    struct catalogue_hit h[2];
    size_t n;
    struct catalogue_query q = {.words = "budget", .limit = 2};
    assert_int_equal(catalogue_search(st, &q, h, 2, &n, err, sizeof err), -1);
    assert_non_null(harness_strstr(err, "est illisible"));
    assert_non_null(harness_strstr(err, "importez ou synchronisez le catalogue à nouveau"));
    store_close(st);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_import_three_formats),
        cmocka_unit_test(test_search_edge_cases),
        cmocka_unit_test(test_bad_files_refused_catalogue_intact),
        cmocka_unit_test(test_sync),
        cmocka_unit_test(test_catalogue_command_line),
        cmocka_unit_test(test_damaged_catalogue_file),
    };
    return cmocka_run_group_tests_name("catalogue", tests, NULL, NULL);
}
