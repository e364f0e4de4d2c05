/* The personal database: creation, migration, reopening, and every bad file left intact. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "difelus/store.h"
#include "harness.h"

static char *path_in(const char *dir, const char *name)
{
    static char buf[8][4096];
    static int i;
    char *p = buf[i++ % 8];
    snprintf(p, 4096, "%s/%s", dir, name);
    return p;
}

/* Runs SQL on the file directly (not through the store) and returns the first column. */
static char *sql_value(const char *path, const char *sql)
{
    sqlite3 *db;
    static char out[256];
    out[0] = '\0';
    assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) == SQLITE_OK) {
        if (sqlite3_step(st) == SQLITE_ROW && sqlite3_column_text(st, 0))
            snprintf(out, sizeof out, "%s", (const char *)sqlite3_column_text(st, 0));
        sqlite3_finalize(st);
    } else {
        snprintf(out, sizeof out, "ERREUR %s", sqlite3_errmsg(db));
    }
    sqlite3_close(db);
    return out;
}

static void sql_exec(const char *path, const char *sql)
{
    sqlite3 *db;
    assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
    assert_int_equal(sqlite3_exec(db, sql, NULL, NULL, NULL), SQLITE_OK);
    sqlite3_close(db);
}

static struct mandate sample_mandate(void)
{
    struct mandate m = {0};
    m.level = MANDATE_COMMUNAUTAIRE;
    snprintf(m.collectivite, sizeof m.collectivite, "Métropole Rouen Normandie");
    snprintf(m.function, sizeof m.function, "Conseillère communautaire");
    m.start = (struct date){2026, 4, 10};
    m.end = (struct date){2032, 3, 31};
    m.indemnified = true;
    return m;
}

static void test_create_new(void **state)
{
    (void)state;
    const char *dir = harness_tmpdir("store-new");
    char *path = path_in(dir, "difelus.db");
    char err[1024];
    store *st = store_open(path, err, sizeof err);
    assert_non_null(st);
    assert_int_equal(store_schema_version(st), STORE_SCHEMA_VERSION);
    struct stat sb;
    assert_int_equal(stat(path, &sb), 0);
    assert_int_equal(sb.st_mode & 0777, 0600);
    struct ui_state ui;
    assert_int_equal(store_ui_get(st, &ui), 0);
    assert_string_equal(ui.screen, "accueil");
    store_close(st);
    assert_string_equal(sql_value(path, "PRAGMA journal_mode"), "wal");
    assert_string_equal(sql_value(path, "PRAGMA application_id"), "1145652805");
    assert_string_equal(sql_value(path, "SELECT count(*) FROM sqlite_master WHERE name IN"
                                        " ('profile','mandate','credit_observation','checklist',"
                                        "'ui_state','setting','dossier','dossier_event')"),
                        "8");
}

static void test_reopen_keeps_everything(void **state)
{
    (void)state;
    const char *dir = harness_tmpdir("store-reopen");
    char *path = path_in(dir, "d.db");
    char err[1024];
    store *st = store_open(path, err, sizeof err);
    assert_non_null(st);
    assert_int_equal(store_checklist_set(st, "3.mandat", true, ACTOR_AGENT), 0);
    assert_int_equal(store_checklist_set(st, "1.choix", true, ACTOR_OFFICIAL), 0);
    assert_int_equal(store_checklist_set(st, "1.choix", false, ACTOR_OFFICIAL), 0);
    struct mandate m = sample_mandate();
    assert_int_equal(store_mandate_save(st, &m), 0);
    assert_true(m.id > 0);
    assert_int_equal(store_credit_add(st, 40000, (struct date){2026, 1, 5}), 0);
    assert_int_equal(store_credit_add(st, 71250, (struct date){2026, 11, 2}), 0);
    struct ui_state ui = {.screen = "etape4", .focus = 2, .scroll = 1};
    assert_int_equal(store_ui_set(st, &ui), 0);
    assert_int_equal(store_setting_set(st, "organisme.nom", "Formations Élus 76"), 0);
    store_close(st);

    st = store_open(path, err, sizeof err);
    assert_non_null(st);
    bool done[GUIDE_STEPS][GUIDE_MAX_ITEMS];
    assert_int_equal(store_checklist_load(st, done), 0);
    assert_true(done[2][1]);  /* 3.mandat */
    assert_false(done[0][0]); /* 1.choix unticked again */
    struct mandate *list;
    size_t n;
    assert_int_equal(store_mandate_list(st, &list, &n), 0);
    assert_int_equal(n, 1);
    assert_string_equal(list[0].collectivite, "Métropole Rouen Normandie");
    assert_int_equal(list[0].level, MANDATE_COMMUNAUTAIRE);
    assert_int_equal(list[0].start.month, 4);
    assert_true(list[0].indemnified);
    assert_false(list[0].opposition);
    free(list);
    struct credit_observation c[4];
    assert_int_equal(store_credit_list(st, c, 4, &n), 0);
    assert_int_equal(n, 2);
    assert_int_equal(c[0].amount_cents, 71250); /* latest first */
    assert_int_equal(c[0].observed_on.month, 11);
    assert_int_equal(store_ui_get(st, &ui), 0);
    assert_string_equal(ui.screen, "etape4");
    assert_int_equal(ui.focus, 2);
    char value[256];
    assert_int_equal(store_setting_get(st, "organisme.nom", value, sizeof value), 0);
    assert_string_equal(value, "Formations Élus 76");
    assert_int_equal(store_setting_get(st, "organisme.telephone", value, sizeof value), 0);
    assert_string_equal(value, GUIDE_DEFAULT_ORG_PHONE);
    store_close(st);
    assert_string_equal(sql_value(path, "SELECT done_by FROM checklist WHERE item = '3.mandat'"),
                        "agent");
}

static void test_mandate_update_delete_order(void **state)
{
    (void)state;
    char err[1024];
    store *st = store_open(path_in(harness_tmpdir("store-mandates"), "d.db"), err, sizeof err);
    assert_non_null(st);
    struct mandate a = sample_mandate(), b = sample_mandate();
    b.start = (struct date){2021, 7, 1};
    b.level = MANDATE_REGIONAL;
    assert_int_equal(store_mandate_save(st, &a), 0);
    assert_int_equal(store_mandate_save(st, &b), 0);
    snprintf(a.function, sizeof a.function, "Vice-présidente");
    assert_int_equal(store_mandate_save(st, &a), 0);
    struct mandate *list;
    size_t n;
    assert_int_equal(store_mandate_list(st, &list, &n), 0);
    assert_int_equal(n, 2);
    assert_int_equal(list[0].id, b.id); /* ordered by start date */
    assert_string_equal(list[1].function, "Vice-présidente");
    free(list);
    assert_int_equal(store_mandate_delete(st, b.id), 0);
    assert_int_equal(store_mandate_list(st, &list, &n), 0);
    assert_int_equal(n, 1);
    free(list);
    store_close(st);
}

static void test_refuses_bad_input(void **state)
{
    (void)state;
    char err[1024];
    store *st = store_open(path_in(harness_tmpdir("store-bad"), "d.db"), err, sizeof err);
    assert_non_null(st);
    assert_int_equal(store_checklist_set(st, "9.inconnu", true, ACTOR_OFFICIAL), -1);
    assert_non_null(harness_strstr(store_error(st), "inconnu"));
    assert_int_equal(store_setting_set(st, "organisme.couleur", "bleu"), STORE_REFUSED);
    assert_non_null(harness_strstr(store_error(st), "Réglage inconnu"));
    assert_int_equal(store_setting_set(st, "organisme.nom", "Evil\033[2J"), STORE_REFUSED);
    assert_int_equal(store_setting_set(st, "organisme.nom", "   "), STORE_REFUSED);
    char value[256];
    assert_int_equal(store_setting_get(st, "organisme.nom", value, sizeof value), 0);
    assert_string_equal(value, GUIDE_DEFAULT_ORG_NAME);
    store_close(st);
}

static void test_migrates_older_schema(void **state)
{
    (void)state;
    char *path = path_in(harness_tmpdir("store-migrate"), "old.db");
    char err[1024];
    store *st = store_open_at_version(path, 1, err, sizeof err);
    assert_non_null(st);
    struct mandate m = sample_mandate();
    assert_int_equal(store_mandate_save(st, &m), 0);
    assert_int_equal(store_checklist_set(st, "2.connexion", true, ACTOR_OFFICIAL), 0);
    store_close(st);
    assert_string_equal(sql_value(path, "PRAGMA user_version"), "1");
    assert_string_equal(sql_value(path, "SELECT count(*) FROM sqlite_master WHERE name = 'dossier'"),
                        "0");

    st = store_open(path, err, sizeof err);
    assert_non_null(st);
    assert_int_equal(store_schema_version(st), STORE_SCHEMA_VERSION);
    struct mandate *list;
    size_t n;
    assert_int_equal(store_mandate_list(st, &list, &n), 0);
    assert_int_equal(n, 1);
    free(list);
    bool done[GUIDE_STEPS][GUIDE_MAX_ITEMS];
    assert_int_equal(store_checklist_load(st, done), 0);
    assert_true(done[1][0]);
    store_close(st);
    assert_string_equal(sql_value(path, "SELECT count(*) FROM sqlite_master WHERE name IN"
                                        " ('dossier', 'dossier_event')"),
                        "2");
}

/* Opening must fail with a message containing `reason` and the path, leaving the file
 * byte for byte as it was. */
static void expect_refused(const char *path, const char *reason)
{
    size_t before_len = 0, after_len = 0;
    char *before = harness_read_file(path, &before_len);
    char err[2048] = "";
    store *st = store_open(path, err, sizeof err);
    if (st)
        fail_msg("« %s » ouvert alors qu'il devait être refusé", path);
    if (!harness_strstr(err, reason) || !harness_strstr(err, path))
        fail_msg("message « %s » sans « %s » ou sans le chemin", err, reason);
    char *after = harness_read_file(path, &after_len);
    if (before || after) {
        assert_non_null(before);
        assert_non_null(after);
        assert_int_equal(before_len, after_len);
        assert_memory_equal(before, after, before_len);
    }
    free(before);
    free(after);
}

static void test_not_a_database(void **state)
{
    (void)state;
    const char *dir = harness_tmpdir("store-notdb");
    char *path = path_in(dir, "notes.db");
    char text[8192];
    memset(text, '-', sizeof text);
    memcpy(text, "Ceci est une liste de courses, pas une base.\n", 46);
    harness_write_file(path, text, sizeof text);
    expect_refused(path, "n'est pas une base difelus");

    char *other = path_in(dir, "other.db");
    sql_exec(other, "CREATE TABLE contacts (nom TEXT); INSERT INTO contacts VALUES ('x');");
    expect_refused(other, "autre programme");
}

static void test_damaged(void **state)
{
    (void)state;
    const char *dir = harness_tmpdir("store-damaged");
    char *path = path_in(dir, "d.db");
    char err[1024];
    store *st = store_open(path, err, sizeof err);
    assert_non_null(st);
    for (int i = 0; i < 200; i++) {
        struct mandate m = sample_mandate();
        assert_int_equal(store_mandate_save(st, &m), 0);
    }
    store_close(st);
    sql_exec(path, "PRAGMA wal_checkpoint(TRUNCATE)");
    size_t len;
    char *bytes = harness_read_file(path, &len);
    assert_true(len > 3 * 4096);
    memset(bytes + 4096, 0xA5, len - 4096); /* scribble over every page but the first */
    harness_write_file(path, bytes, len);
    expect_refused(path, "endommagé");

    char *cut = path_in(dir, "cut.db");
    harness_write_file(cut, bytes, 4096 + 100); /* truncated copy */
    expect_refused(cut, "");
    free(bytes);
}

static void test_unreadable(void **state)
{
    (void)state;
    const char *dir = harness_tmpdir("store-unreadable");
    char err[1024] = "";
    assert_null(store_open(dir, err, sizeof err));
    assert_non_null(harness_strstr(err, "est un dossier"));
    assert_non_null(harness_strstr(err, dir));

    assert_null(store_open(path_in(dir, "missing/d.db"), err, sizeof err));
    assert_non_null(harness_strstr(err, "n'existe pas"));
}

/* Opens path as an unprivileged user (root reads any file, so the permission cases are
 * checked as "nobody" when the tests run as root); returns the error message. */
static void open_without_privileges(const char *path, char *err, size_t errlen)
{
    int fds[2];
    assert_int_equal(pipe(fds), 0);
    pid_t pid = fork();
    if (pid == 0) {
        close(fds[0]);
        if (geteuid() == 0 && (setgid(65534) != 0 || setuid(65534) != 0))
            _exit(3);
        char msg[1024] = "";
        store *st = store_open(path, msg, sizeof msg);
        if (st) {
            store_close(st);
            snprintf(msg, sizeof msg, "OUVERT");
        }
        ssize_t w = write(fds[1], msg, strlen(msg));
        _exit(w < 0 ? 4 : 0);
    }
    close(fds[1]);
    ssize_t n = read(fds[0], err, errlen - 1);
    err[n > 0 ? n : 0] = '\0';
    close(fds[0]);
    int status;
    waitpid(pid, &status, 0);
    assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
}

static void test_permissions(void **state)
{
    (void)state;
    /* Under /tmp, not build/: the unprivileged user must be able to reach the file even
     * when the checkout lies in a folder it cannot enter (a 0700 home, a mktemp -d). */
    char dir[] = "/tmp/difelus-perms-XXXXXX";
    assert_non_null(mkdtemp(dir));
    chmod(dir, 0777);
    char *path = path_in(dir, "locked.db");
    char err[1024] = "";
    store *st = store_open(path, err, sizeof err);
    assert_non_null(st);
    store_close(st);
    if (geteuid() == 0)
        assert_int_equal(chown(path, 65534, 65534), 0);
    size_t before_len;
    /* static: the unprivileged children below fork from here and end with _exit, and
     * valgrind checks their leaks over the parent's objects; this copy, held in a register
     * only, looked lost there (exit code 99 under make valgrind). */
    static char *before;
    before = harness_read_file(path, &before_len);

    chmod(path, 0000);
    open_without_privileges(path, err, sizeof err);
    assert_non_null(harness_strstr(err, "pas le droit de le lire"));
    assert_non_null(harness_strstr(err, path));
    chmod(path, 0400);
    open_without_privileges(path, err, sizeof err);
    assert_non_null(harness_strstr(err, "lecture seule"));
    chmod(path, 0600);
    open_without_privileges(path, err, sizeof err);
    assert_string_equal(err, "OUVERT");

    size_t after_len;
    char *after = harness_read_file(path, &after_len);
    assert_int_equal(before_len, after_len);
    assert_memory_equal(before, after, before_len);
    free(before);
    free(after);
    const char *suffixes[] = {"", "-wal", "-shm", "-journal"};
    for (size_t i = 0; i < sizeof suffixes / sizeof *suffixes; i++) {
        char f[4200];
        snprintf(f, sizeof f, "%s%s", path, suffixes[i]);
        unlink(f);
    }
    rmdir(dir);
}

static void test_newer_schema(void **state)
{
    (void)state;
    char *path = path_in(harness_tmpdir("store-newer"), "d.db");
    char err[1024];
    store *st = store_open(path, err, sizeof err);
    assert_non_null(st);
    store_close(st);
    sql_exec(path, "PRAGMA user_version = 99; PRAGMA wal_checkpoint(TRUNCATE);");
    expect_refused(path, "version plus récente de difelus");
}

static void test_dossiers_and_history(void **state)
{
    (void)state;
    char err[1024];
    store *st = store_open(path_in(harness_tmpdir("store-dossiers"), "d.db"), err, sizeof err);
    assert_non_null(st);
    struct dossier d;
    memset(&d, 0, sizeof d);
    snprintf(d.title, sizeof d.title, "Finances locales");
    snprintf(d.body, sizeof d.body, "Gestions Locales");
    d.start = (struct date){2027, 1, 12};
    d.end = (struct date){2027, 1, 13};
    d.price_cents = 35000;
    d.hours_cents = 1050;
    assert_int_equal(store_dossier_save(st, &d, (struct date){2026, 12, 1}, ACTOR_OFFICIAL), 0);
    assert_true(d.id > 0);
    struct dossier other = d;
    other.id = 0;
    snprintf(other.title, sizeof other.title, "Urbanisme");
    other.price_cents = -1;
    other.hours_cents = 0;
    assert_int_equal(store_dossier_save(st, &other, (struct date){2026, 12, 2}, ACTOR_OFFICIAL), 0);

    assert_int_equal(store_dossier_set_status(st, d.id, DS_SENT, (struct date){2026, 12, 3},
                                              ACTOR_OFFICIAL), 0);
    assert_int_equal(store_dossier_set_status(st, d.id, DS_TO_VALIDATE,
                                              (struct date){2026, 12, 4}, ACTOR_AGENT), 0);
    /* refused transition: nothing recorded */
    assert_int_equal(store_dossier_set_status(st, d.id, DS_DONE, (struct date){2026, 12, 5},
                                              ACTOR_OFFICIAL), -1);
    assert_non_null(harness_strstr(harness_fold(store_error(st)), "ne peut pas passer à « Formation terminée »"));
    assert_int_equal(store_dossier_set_status(st, d.id, DS_VALIDATED, (struct date){2026, 12, 7},
                                              ACTOR_OFFICIAL), 0);
    /* editing the fields never touches the status */
    snprintf(d.notes, sizeof d.notes, "Salle 2");
    assert_int_equal(store_dossier_save(st, &d, (struct date){2026, 12, 8}, ACTOR_OFFICIAL), 0);

    struct dossier *list;
    size_t n;
    assert_int_equal(store_dossier_list(st, &list, &n), 0);
    assert_int_equal(n, 2);
    assert_string_equal(list[0].title, "Urbanisme"); /* newest first */
    assert_int_equal(list[0].price_cents, -1);
    assert_int_equal(list[0].status, DS_CREATION);
    const struct dossier *got = &list[1];
    assert_int_equal(got->status, DS_VALIDATED);
    assert_int_equal(got->hours_cents, 1050);
    assert_string_equal(got->notes, "Salle 2");
    assert_int_equal(dates_compare(got->status_date, (struct date){2026, 12, 7}), 0);
    assert_int_equal(dates_compare(got->sent_on, (struct date){2026, 12, 3}), 0);
    assert_int_equal(dates_compare(got->validated_on, (struct date){2026, 12, 7}), 0);
    free(list);

    struct dossier_event ev[8];
    assert_int_equal(store_dossier_events(st, d.id, ev, 8, &n), 0);
    assert_int_equal(n, 4);
    assert_int_equal(ev[0].status, DS_CREATION);
    assert_int_equal(ev[2].status, DS_TO_VALIDATE);
    assert_int_equal(ev[2].actor, ACTOR_AGENT);
    assert_int_equal(ev[3].day.day, 7);
    store_close(st);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_create_new),
        cmocka_unit_test(test_reopen_keeps_everything),
        cmocka_unit_test(test_mandate_update_delete_order),
        cmocka_unit_test(test_refuses_bad_input),
        cmocka_unit_test(test_migrates_older_schema),
        cmocka_unit_test(test_not_a_database),
        cmocka_unit_test(test_damaged),
        cmocka_unit_test(test_unreadable),
        cmocka_unit_test(test_permissions),
        cmocka_unit_test(test_newer_schema),
        cmocka_unit_test(test_dossiers_and_history),
    };
    return cmocka_run_group_tests_name("store", tests, NULL, NULL);
}
