/* What the official reads when the personal database, the disk or outside text goes wrong:
 * always French, always what to do, never SQLite's or the C library's English text; a
 * damaged database is never modified; outside text never carries terminal controls. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/wait.h>
#include <unistd.h>

#include "harness.h"
#include "fixtures.h"

/* English words that only ever come from SQLite or strerror(). */
static void assert_no_raw_text(const char *err)
{
    static const char *const raw[] = {
        "malformed", "database", "disk I/O", "readonly", "attempt to", "btree", "Page ",
        "SQLite", "No such file", "Permission denied", "Not a directory", "is full",
        "error", NULL,
    };
    for (int i = 0; raw[i]; i++)
        if (harness_strstr(err, raw[i]))
            fail_msg("texte brut « %s » dans : %s", raw[i], err);
}

static void path_join(char *out, size_t len, const char *dir, const char *name)
{
    snprintf(out, len, "%s/%s", dir, name);
}

/* A database with a mandate-free history: made by the command line itself. */
static void make_database(const char *path)
{
    char opt[4300];
    snprintf(opt, sizeof opt, "--db=%s", path);
    struct run_result r;
    harness_run(&r, (const char *[]){opt, "reglage", "organisme.nom",
                                     "Association des maires ruraux de la Côte-d'Or", NULL},
                NULL);
    assert_int_equal(r.status, 0);
    harness_run_free(&r);
}

static void overwrite(const char *path, long offset, size_t len)
{
    int fd = open(path, O_WRONLY);
    assert_true(fd >= 0);
    char junk[512];
    memset(junk, 0xA5, sizeof junk);
    assert_true(len <= sizeof junk);
    assert_int_equal(pwrite(fd, junk, len, offset), (ssize_t)len);
    close(fd);
}

static void expect_damaged_untouched(const char *path)
{
    size_t before_len;
    char *before = harness_read_file(path, &before_len);
    char opt[4300];
    snprintf(opt, sizeof opt, "--db=%s", path);
    const char *const commands[][4] = {
        {opt, "statut", NULL},
        {opt, "reglage", "organisme.telephone", "03 80 00 00 00"},
        {opt, "calendrier", "/dev/null", NULL},
    };
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++) {
        const char *args[5] = {commands[i][0], commands[i][1], commands[i][2], commands[i][3],
                               NULL};
        struct run_result r;
        harness_run(&r, args, NULL);
        assert_int_not_equal(r.status, 0);
        assert_non_null(harness_strstr(r.err, "endommagé"));
        assert_non_null(harness_strstr(r.err, "difelus ne l'a pas modifié"));
        assert_non_null(harness_strstr(r.err, "copie de sauvegarde"));
        assert_no_raw_text(r.err);
        harness_run_free(&r);
    }
    size_t after_len;
    char *after = harness_read_file(path, &after_len);
    assert_int_equal(before_len, after_len);
    assert_memory_equal(before, after, before_len);
    free(before);
    free(after);
}

/* « database disk image is malformed » and quick_check's « *** in database main *** Page 4:
 * btreeInitPage() returns error code 11 » were shown as they came. */
static void test_damaged_database_french_and_untouched(void **state)
{
    (void)state;
    const char *dir = harness_tmpdir("cli-err-damaged");
    char path[4200];
    path_join(path, sizeof path, dir, "pages.db");
    make_database(path);
    overwrite(path, 3 * 4096, 64); /* a table's root page */
    expect_damaged_untouched(path);

    path_join(path, sizeof path, dir, "schema.db");
    make_database(path);
    overwrite(path, 100, 200); /* the schema table's page header, in page 1 */
    expect_damaged_untouched(path);
}

/* Runs the binary as an unprivileged user when we are root (root writes anywhere); the
 * binary is copied to `dir` so that this works wherever the checkout lies. */
static void run_unprivileged(struct run_result *r, const char *dir, const char *const args[])
{
    if (geteuid() != 0) {
        harness_run(r, args, NULL);
        return;
    }
    char bin[4200];
    path_join(bin, sizeof bin, dir, "difelus-copie");
    if (access(bin, X_OK) != 0) {
        size_t len;
        char *data = harness_read_file(harness_binary(), &len);
        assert_non_null(data);
        harness_write_file(bin, data, len);
        free(data);
        assert_int_equal(chmod(bin, 0755), 0);
    }
    int fds[2];
    assert_int_equal(pipe(fds), 0);
    pid_t pid = fork();
    if (pid == 0) {
        close(fds[0]);
        if (setgid(65534) != 0 || setuid(65534) != 0)
            _exit(3);
        setenv("DIFELUS_BIN", bin, 1);
        unsetenv("DIFELUS_VALGRIND"); /* its suppression file may be out of reach */
        struct run_result cr;
        harness_run(&cr, args, NULL);
        char head[16];
        int n = snprintf(head, sizeof head, "%d\n", cr.status);
        if (write(fds[1], head, (size_t)n) != n || write(fds[1], cr.err, strlen(cr.err)) < 0)
            _exit(4);
        _exit(0);
    }
    close(fds[1]);
    char buf[8192];
    size_t got = 0;
    ssize_t n;
    while (got < sizeof buf - 1 && (n = read(fds[0], buf + got, sizeof buf - 1 - got)) > 0)
        got += (size_t)n;
    buf[got] = '\0';
    close(fds[0]);
    int status;
    waitpid(pid, &status, 0);
    assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    char *nl = strchr(buf, '\n');
    assert_non_null(nl);
    r->status = atoi(buf);
    r->err = strdup(nl + 1);
    r->out = strdup("");
    r->raw_err = strdup(r->err);
    r->raw_out = strdup("");
}

static char read_only_dir[64];

/* A read-only folder was reported « Impossible de lire … : attempt to write a readonly
 * database », as if the file could not be read. */
static void test_read_only_folder(void **state)
{
    (void)state;
    /* Under /tmp: the unprivileged user must reach it from any checkout. */
    char *dir = read_only_dir;
    snprintf(read_only_dir, sizeof read_only_dir, "/tmp/difelus-lecture-seule-XXXXXX");
    assert_non_null(mkdtemp(dir));
    assert_int_equal(chmod(dir, 0777), 0);
    char path[4200], opt[4300], fresh[4300];
    path_join(path, sizeof path, dir, "difelus.db");
    snprintf(opt, sizeof opt, "--db=%s", path);
    snprintf(fresh, sizeof fresh, "--db=%s/nouvelle.db", dir);
    struct run_result r;
    run_unprivileged(&r, dir, (const char *[]){opt, "reglage", "organisme.nom",
                                               "Gestions Locales", NULL});
    assert_int_equal(r.status, 0);
    harness_run_free(&r);
    size_t before_len;
    char *before = harness_read_file(path, &before_len);

    assert_int_equal(chmod(dir, 0555), 0);
    /* a change (`statut` only reads: it shows the base, see test_cli_read_only.c) */
    run_unprivileged(&r, dir, (const char *[]){opt, "reglage", "organisme.nom", "Autre", NULL});
    assert_int_equal(r.status, 1);
    assert_non_null(harness_strstr(r.err, "est en lecture seule"));
    assert_non_null(harness_strstr(r.err, dir));
    assert_non_null(harness_strstr(r.err, "--db"));
    assert_null(harness_strstr(r.err, "Impossible de lire"));
    assert_no_raw_text(r.err);
    harness_run_free(&r);

    run_unprivileged(&r, dir, (const char *[]){fresh, "statut", NULL});
    assert_int_equal(r.status, 1);
    assert_non_null(harness_strstr(r.err, "Impossible de créer"));
    assert_non_null(harness_strstr(r.err, "est en lecture seule"));
    assert_non_null(harness_strstr(r.err, "--db"));
    assert_no_raw_text(r.err);
    harness_run_free(&r);

    size_t after_len;
    char *after = harness_read_file(path, &after_len);
    assert_int_equal(before_len, after_len);
    assert_memory_equal(before, after, before_len);
    free(before);
    free(after);
}

/* Removes the read-only folder, even when the test failed. */
static int remove_read_only_dir(void **state)
{
    (void)state;
    if (!read_only_dir[0])
        return 0;
    chmod(read_only_dir, 0700);
    char f[4300];
    const char *names[] = {"difelus.db", "difelus.db-wal", "difelus.db-shm", "difelus-copie",
                           "nouvelle.db"};
    for (size_t i = 0; i < sizeof names / sizeof *names; i++) {
        path_join(f, sizeof f, read_only_dir, names[i]);
        unlink(f);
    }
    rmdir(read_only_dir);
    read_only_dir[0] = '\0';
    return 0;
}

/* A write that the file-size limit stops half-way is what a failing disk gives SQLite:
 * « disk I/O error » was shown. */
static void test_disk_io_error(void **state)
{
    (void)state;
    const char *dir = harness_tmpdir("cli-err-io");
    char path[4200], opt[4300];
    path_join(path, sizeof path, dir, "difelus.db");
    make_database(path);
    snprintf(opt, sizeof opt, "--db=%s", path);

    struct rlimit old, small = {4000, 0};
    assert_int_equal(getrlimit(RLIMIT_FSIZE, &old), 0);
    small.rlim_max = old.rlim_max;
    struct sigaction ign = {.sa_handler = SIG_IGN}, prev;
    sigaction(SIGXFSZ, &ign, &prev); /* inherited: the child gets EFBIG, not a kill */
    struct run_result r;
    assert_int_equal(setrlimit(RLIMIT_FSIZE, &small), 0);
    harness_run(&r, (const char *[]){opt, "reglage", "organisme.telephone", "03 80 00 00 00",
                                     NULL},
                NULL);
    setrlimit(RLIMIT_FSIZE, &old);
    sigaction(SIGXFSZ, &prev, NULL);
    assert_int_not_equal(r.status, 0);
    assert_non_null(harness_strstr(r.err, "Erreur de lecture ou d'écriture sur le disque"));
    assert_non_null(harness_strstr(r.err, "rien n'a été enregistré"));
    assert_non_null(harness_strstr(r.err, "recommencez"));
    assert_no_raw_text(r.err);
    harness_run_free(&r);

    harness_run(&r, (const char *[]){opt, "reglage", "organisme.telephone", NULL}, NULL);
    assert_int_equal(r.status, 0);
    assert_string_equal(r.out, "09 53 34 28 34\n"); /* the default: nothing was written */
    harness_run_free(&r);
}

/* « database or disk is full »: on a tiny tmpfs when this user may mount one (root),
 * filled up to what the database's working files need to start a write. */
static void test_disk_full(void **state)
{
    (void)state;
    /* Skipped when not root: test_disk_io_error covers the failing-write path. */
    char *dir = mount_full_disk("/tmp/difelus-plein-XXXXXX");
    char src[4200], path[4200], filler[4200], opt[4300];
    path_join(src, sizeof src, harness_tmpdir("cli-err-full"), "difelus.db");
    make_database(src);
    path_join(path, sizeof path, dir, "difelus.db");
    size_t len;
    char *data = harness_read_file(src, &len);
    harness_write_file(path, data, len);
    free(data);
    chmod(path, 0600);
    /* Leave room for the 32 KiB shared-memory file and less than one WAL frame. */
    struct statvfs vfs;
    assert_int_equal(statvfs(dir, &vfs), 0);
    unsigned long long avail = (unsigned long long)vfs.f_bavail * vfs.f_frsize;
    unsigned long long keep = 32768 + 2048;
    assert_true(avail > keep);
    path_join(filler, sizeof filler, dir, "remplissage");
    size_t fill = (size_t)(avail - keep);
    char *zeros = calloc(1, fill);
    harness_write_file(filler, zeros, fill);
    free(zeros);
    snprintf(opt, sizeof opt, "--db=%s", path);

    struct run_result r;
    harness_run(&r, (const char *[]){opt, "reglage", "organisme.nom",
                                     "Centre de formation des élus de Bourgogne", NULL},
                NULL);
    assert_int_not_equal(r.status, 0);
    assert_true(harness_strstr(r.err, "Le disque est plein") ||
                harness_strstr(r.err, "Erreur de lecture ou d'écriture sur le disque"));
    assert_non_null(harness_strstr(r.err, "place"));
    assert_no_raw_text(r.err);
    harness_run_free(&r);

    unlink(filler);
    harness_run(&r, (const char *[]){opt, "reglage", "organisme.nom", NULL}, NULL);
    assert_int_equal(r.status, 0);
    assert_string_equal(r.out, "Association des maires ruraux de la Côte-d'Or\n");
    harness_run_free(&r);
}

/* strerror() spoke English (« Not a directory », « No such file or directory »). */
static void test_system_errors_in_french(void **state)
{
    (void)state;
    const char *dir = harness_tmpdir("cli-err-errno");
    char file[4200], xdg[4300], db[4300], ics[4300];
    path_join(file, sizeof file, dir, "un-fichier");
    harness_write_file(file, "x", 1);
    char absolute[4096];
    assert_non_null(realpath(file, absolute)); /* XDG_DATA_HOME counts only when absolute */
    snprintf(xdg, sizeof xdg, "XDG_DATA_HOME=%s/sous-dossier", absolute);
    struct run_result r;
    harness_run(&r, (const char *[]){"statut", NULL}, (const char *[]){xdg, NULL});
    assert_int_equal(r.status, 1);
    assert_non_null(harness_strstr(r.err, "Impossible de créer le dossier"));
    assert_non_null(harness_strstr(r.err, "un élément du chemin n'est pas un dossier"));
    assert_no_raw_text(r.err);
    harness_run_free(&r);

    snprintf(db, sizeof db, "--db=%s/difelus.db", dir);
    snprintf(ics, sizeof ics, "%s/dossier-absent/formations.ics", dir);
    harness_run(&r, (const char *[]){db, "calendrier", ics, NULL}, NULL);
    assert_int_equal(r.status, 1);
    assert_non_null(harness_strstr(r.err, "fichier ou dossier introuvable"));
    assert_no_raw_text(r.err);
    harness_run_free(&r);
}

static bool has_controls(const char *s)
{
    static const char *const bad[] = {"\033", "\xe2\x80\xae", "\xe2\x80\x8b", "\xe2\x81\xa6",
                                      "\xef\xbb\xbf", "\xe2\x80\xa8", "\xd8\x9c", NULL};
    for (int i = 0; bad[i]; i++)
        if (harness_strstr(s, bad[i]))
            return true;
    return false;
}

/* `reglage $'\e[2J'` echoed the escape sequence to stderr; a setting holding U+202E showed
 * « Budget [U+202E]elbadne » reversed; catalogue titles carried invisible characters. */
static void test_outside_text_stripped(void **state)
{
    (void)state;
    const char *dir = harness_tmpdir("cli-err-bidi");
    char path[4200], opt[4300];
    path_join(path, sizeof path, dir, "difelus.db");
    snprintf(opt, sizeof opt, "--db=%s", path);
    struct run_result r;
    harness_run(&r, (const char *[]){opt, "reglage", "\033[2J\033]0;titre\007cl\xe2\x80\xae" "e",
                                     NULL},
                NULL);
    assert_int_not_equal(r.status, 0);
    assert_non_null(harness_strstr(r.err, "Réglage inconnu"));
    assert_false(has_controls(r.err));
    assert_null(strchr(r.err, '\007'));
    harness_run_free(&r);

    /* Typed on the command line: refused. */
    harness_run(&r, (const char *[]){opt, "reglage", "organisme.nom",
                                     "Budget \xe2\x80\xae" "elbadne", NULL},
                NULL);
    assert_int_not_equal(r.status, 0);
    assert_false(has_controls(r.err));
    harness_run_free(&r);

    /* Already in a database (an older version, another program): stripped when shown. */
    sqlite3 *db;
    assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
    assert_int_equal(sqlite3_exec(db,
                                  "INSERT OR REPLACE INTO setting (key, value) VALUES"
                                  " ('organisme.nom', 'Budget \xe2\x80\xae" "elbadne\xe2\x80\x8b"
                                  "\xe2\x81\xa6 et \xef\xbb\xbf" "comptes\xe2\x80\xa8" "locaux"
                                  "\xd8\x9c')",
                                  NULL, NULL, NULL),
                     SQLITE_OK);
    sqlite3_close(db);
    harness_run(&r, (const char *[]){opt, "reglage", "organisme.nom", NULL}, NULL);
    assert_int_equal(r.status, 0);
    assert_string_equal(r.out, "Budget elbadne et comptes locaux\n");
    harness_run_free(&r);

    /* A catalogue title with a right-to-left override and a zero-width space. */
    char csv[4200];
    path_join(csv, sizeof csv, dir, "organisme.csv");
    const char text[] =
        "reference;intitule;organisme;siret;modalite;departement;prix;heures;description\n"
        "GL-07;Budget \xe2\x80\xae" "elbadne\xe2\x80\x8b communal;Gestions Locales;"
        "73282932000074;présentiel;Ardeche;560;7;Budget\n";
    harness_write_file(csv, text, sizeof text - 1);
    harness_run(&r, (const char *[]){opt, "catalogue", "importer", csv, NULL}, NULL);
    assert_int_equal(r.status, 0);
    harness_run_free(&r);
    harness_run(&r, (const char *[]){opt, "catalogue", "chercher", "communal", NULL}, NULL);
    assert_int_equal(r.status, 0);
    assert_non_null(harness_strstr(r.out, "Budget elbadne communal"));
    assert_false(has_controls(r.out));
    harness_run_free(&r);
}

/* A dangling symbolic link was answered « File exists »; a folder named catalogue.db was
 * answered with « --db …/catalogue.db/difelus.db », which cannot help. */
static void test_dangling_link_and_catalogue_folder(void **state)
{
    (void)state;
    const char *dir = harness_tmpdir("cli-err-links");
    char link[4200], target[4200], opt[4300], folder[4200];
    path_join(link, sizeof link, dir, "difelus.db");
    path_join(target, sizeof target, dir, "cle-usb/difelus.db");
    assert_int_equal(symlink(target, link), 0);
    snprintf(opt, sizeof opt, "--db=%s", link);
    struct run_result r;
    harness_run(&r, (const char *[]){opt, "statut", NULL}, NULL);
    assert_int_equal(r.status, 1);
    assert_non_null(harness_strstr(r.err, "est un lien vers"));
    assert_non_null(harness_strstr(r.err, "qui n'existe pas"));
    assert_non_null(harness_strstr(r.err, "supprimez le lien"));
    assert_null(harness_strstr(r.err, "existe déjà"));
    assert_no_raw_text(r.err);
    harness_run_free(&r);
    struct stat sb;
    assert_int_not_equal(lstat(target, &sb), 0); /* nothing created behind the link */

    char base[4200];
    path_join(base, sizeof base, dir, "vraie.db");
    path_join(folder, sizeof folder, dir, "catalogue.db");
    assert_int_equal(mkdir(folder, 0700), 0);
    snprintf(opt, sizeof opt, "--db=%s", base);
    harness_run(&r, (const char *[]){opt, "catalogue", "info", NULL}, NULL);
    assert_int_not_equal(r.status, 0);
    assert_non_null(harness_strstr(r.err, "est un dossier"));
    assert_non_null(harness_strstr(r.err, "Renommez ou supprimez ce dossier"));
    assert_null(harness_strstr(r.err, "catalogue.db/difelus.db"));
    harness_run_free(&r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_damaged_database_french_and_untouched),
        cmocka_unit_test_teardown(test_read_only_folder, remove_read_only_dir),
        cmocka_unit_test(test_disk_io_error),
        cmocka_unit_test_teardown(test_disk_full, unmount_full_disk),
        cmocka_unit_test(test_system_errors_in_french),
        cmocka_unit_test(test_outside_text_stripped),
        cmocka_unit_test(test_dangling_link_and_catalogue_folder),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
