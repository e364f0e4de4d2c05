/* Crash safety (issue 10): a full disk and a read-only database. Past the file-size limit
 * (RLIMIT_FSIZE, no root needed) or on a full tmpfs (root), typing in a form, saving it,
 * ticking, importing the catalogue and starting the wizard give a French message that says
 * what is wrong and what to do; nothing already saved is lost (checked once space is
 * back), the wizard never crashes and the terminal is restored. A database that cannot be
 * written (run as an unprivileged user: root writes anywhere) is said so, with where and
 * how to fix it, and is left untouched. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <dirent.h>
#include <fcntl.h>
#include <jansson.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include "difelus/guide.h"
#include "harness.h"
#include "e2e.h"
#include "fixtures.h"

#define NBSP "\u00a0"

/* No English system or SQLite text reached the official. */
static void no_raw_text(const char *text)
{
    static const char *const raw[] = {"disk", "full", "I/O", "database", "No space",
                                      "readonly", "read-only", "Permission", "File too large"};
    for (size_t i = 0; i < sizeof raw / sizeof *raw; i++)
        if (strstr(text, raw[i]))
            fail_msg("texte anglais « %s » montré :\n%s", raw[i], text);
}

/* The terminal wraps the message line inside words: compare without blanks. */
static bool said(struct term *t, const char *text)
{
    char hay[8192], needle[1024];
    size_t h = 0, n = 0;
    for (const char *p = harness_fold(term_text(t)); *p && h < sizeof hay - 1; p++)
        if (*p != ' ' && *p != '\n')
            hay[h++] = *p;
    hay[h] = '\0';
    for (const char *p = harness_fold(text); *p && n < sizeof needle - 1; p++)
        if (*p != ' ' && *p != '\n')
            needle[n++] = *p;
    needle[n] = '\0';
    return strstr(hay, needle) != NULL;
}

#define SAID(t, text)                                                                      \
    do {                                                                                   \
        if (!said((t), (text)))                                                            \
            fail_msg("« %s » n'est pas à l'écran :\n%s", (text), term_text(t));            \
    } while (0)

/* A database at `path` with one mandate and step 1's first item ticked. */
static void saved_before(const char *path)
{
    store *st = fixture_open(path);
    fixture_mandate(st, MANDATE_MUNICIPAL, "Commune d’Aubenas", "Adjointe à la culture…",
                    (struct date){2026, 3, 15}, (struct date){2032, 3, 31});
    assert_int_equal(store_checklist_set(st, guide_step(1)->items[0].id, true, ACTOR_OFFICIAL),
                     0);
    store_close(st);
}

/* What was saved before the trouble is all there, with what was saved after. */
static void still_saved(const char *db_opt, size_t mandates)
{
    json_t *root = status_of(db_opt);
    json_t *ms = json_object_get(root, "mandats");
    assert_int_equal(json_array_size(ms), mandates);
    assert_string_equal(json_string_value(json_object_get(json_array_get(ms, 0), "collectivite")),
                        "Commune d’Aubenas");
    json_t *step1 = json_array_get(json_object_get(json_object_get(root, "etapes"), "detail"), 0);
    assert_true(json_integer_value(json_object_get(step1, "cochees")) >= 1);
    json_decref(root);
}

/* The wizard on the new mandate form, « Commune de Privas » typed (and saved as a draft). */
static struct term *typing_a_mandate(const char *db_opt, const char *const *env)
{
    struct term *t = start(24, 80, db_opt, env);
    WAIT(t, "Accueil");
    term_send(t, "m");
    WAIT(t, "Vos mandats d'élu");
    term_send(t, "n");
    WAIT(t, "nouveau mandat");
    term_send(t, "\tCommune de Privas");
    WAIT(t, "Commune de Privas");
    wait_idle(child_pid());
    return t;
}

/* How many times process pid went to sleep of its own accord (it waits in poll, 50 ms at
 * most, between rounds of keys). */
static long sleeps(pid_t pid)
{
    char path[64], line[256];
    snprintf(path, sizeof path, "/proc/%d/status", (int)pid);
    FILE *f = fopen(path, "r");
    assert_non_null(f);
    long n = -1;
    while (fgets(line, sizeof line, f))
        if (sscanf(line, "voluntary_ctxt_switches: %ld", &n) == 1)
            break;
    fclose(f);
    return n;
}

/* Until the wizard has handled every key sent: a refused key changes nothing on screen, so
 * no text can be waited for. Its terminal's input queue is read through /proc; then it is
 * seen back in poll twice more, as keys that ncurses read ahead (while drawing) wait in its
 * own buffer for the next round. */
static void keys_handled(void)
{
    pid_t pid = child_pid();
    char link[64], tty[256];
    snprintf(link, sizeof link, "/proc/%d/fd/0", (int)pid);
    ssize_t n = readlink(link, tty, sizeof tty - 1);
    assert_true(n > 0);
    tty[n] = '\0';
    int fd = open(tty, O_RDONLY | O_NOCTTY | O_NONBLOCK);
    assert_true(fd >= 0);
    for (long i = 0;; i++) {
        int pending = 0;
        assert_int_equal(ioctl(fd, FIONREAD, &pending), 0);
        if (pending == 0)
            break;
        if (i > 100000)
            fail_msg("l'assistant ne lit plus ses touches (%d octets en attente)", pending);
        usleep(100); /* polling, not waiting for an outcome */
    }
    close(fd);
    long start = sleeps(pid);
    for (long i = 0; sleeps(pid) < start + 3; i++) {
        if (i > 1000000)
            fail_msg("l'assistant ne revient pas attendre ses touches");
        usleep(100);
    }
    wait_idle(pid);
}

/* Typing and saving while nothing can be written: said each time; the typed text stays on
 * screen (the keys that move and quit still work), the Enter that would save the mandate
 * is refused and never says « enregistré »; then, room made by `make_room`, Enter saves
 * it, typed text included. */
static void refused_then_saved(struct term *t, const char *cause, const char *advice,
                               void (*make_room)(void))
{
    term_send(t, " – centre");
    WAIT(t, cause);
    keys_handled();
    WAIT(t, "recommencez"); /* the whole message drawn (it wraps at words) */
    SAID(t, advice);
    no_raw_text(term_text(t));
    WAIT(t, "Commune de Privas – centre");
    term_send(t, "\tMaire\t15/03/2026\t31/03/2032\r");
    WAIT(t, "31/03/2032");
    keys_handled();
    WAIT(t, "recommencez");
    SAID(t, cause);
    assert_null(strstr(term_text(t), "Mandat enregistré"));
    WAIT(t, "nouveau mandat"); /* still the form, with everything typed */
    WAIT(t, "Commune de Privas – centre");
    WAIT(t, "Maire");
    make_room();
    term_send(t, "\r");
    WAIT(t, "Mandat enregistré");
    WAIT(t, "Commune de Privas – centre");
    quit_cleanly(t);
}

/* ---- the file-size limit: works for any user ---- */

static pid_t limited;

static void lift_limit(void)
{
    struct rlimit rl;
    assert_int_equal(prlimit(limited, RLIMIT_FSIZE, NULL, &rl), 0);
    rl.rlim_cur = rl.rlim_max;
    assert_int_equal(prlimit(limited, RLIMIT_FSIZE, &rl, NULL), 0);
}

/* SIGXFSZ killed the wizard at its first write past the limit, the terminal left raw. */
static void test_file_size_limit_in_wizard(void **state)
{
    (void)state;
    char db_opt[4300], path[4200];
    snprintf(path, sizeof path, "%s/difelus.db", harness_tmpdir("crash-disque-limite"));
    snprintf(db_opt, sizeof db_opt, "--db=%s", path);
    saved_before(path);
    struct term *t = typing_a_mandate(db_opt, NULL);
    limited = child_pid();
    assert_true(limited > 0);
    /* the soft limit only: the hard one may not be raised again without privileges */
    struct rlimit rl;
    assert_int_equal(prlimit(limited, RLIMIT_FSIZE, NULL, &rl), 0);
    rl.rlim_cur = 4096;
    assert_int_equal(prlimit(limited, RLIMIT_FSIZE, &rl, NULL), 0);
    refused_then_saved(t, "rien n'a été enregistré", "reste de la place, puis recommencez",
                       lift_limit);
    still_saved(db_opt, 2);
}

/* ---- a full tmpfs (root) ---- */

static char filler[128];

/* fixtures.h's tmpfs, bigger: once room is made, each key of the form appends a few pages
 * to the database's journal (WAL) until its checkpoint, more than 512 KiB hold. */
static char *mount_disk(const char *template)
{
    char *dir = full_disk_dir();
    snprintf(dir, 64, "%s", template);
    assert_non_null(mkdtemp(dir));
    if (mount("tmpfs", dir, "tmpfs", MS_NOSUID | MS_NODEV, "size=4m,mode=0777") != 0) {
        rmdir(dir);
        dir[0] = '\0';
        fprintf(stderr, "# pas le droit de monter un tmpfs : test du disque plein sauté\n");
        skip();
    }
    return dir;
}

static void fill_disk(const char *dir)
{
    snprintf(filler, sizeof filler, "%s/remplissage", dir);
    struct statvfs vfs;
    assert_int_equal(statvfs(dir, &vfs), 0);
    size_t avail = (size_t)vfs.f_bavail * vfs.f_frsize;
    char *zeros = calloc(1, avail + 1);
    assert_non_null(zeros);
    int fd = open(filler, O_WRONLY | O_CREAT | O_APPEND, 0600);
    assert_true(fd >= 0);
    /* until the disk refuses: the very last block too */
    size_t done = 0;
    ssize_t n;
    while (done < avail + 1 && (n = write(fd, zeros, avail + 1 - done)) > 0)
        done += (size_t)n;
    close(fd);
    free(zeros);
}

static void empty_disk(void)
{
    unlink(filler);
}

static void test_full_disk_form_in_wizard(void **state)
{
    (void)state;
    char *dir = mount_disk("/tmp/difelus-plein-form-XXXXXX");
    char db_opt[4300], path[4200];
    snprintf(path, sizeof path, "%s/difelus.db", dir);
    snprintf(db_opt, sizeof db_opt, "--db=%s", path);
    saved_before(path);
    struct term *t = typing_a_mandate(db_opt, NULL);
    fill_disk(dir);
    refused_then_saved(t, "Le disque est plein", "Libérez de la place sur le disque, puis "
                                                 "recommencez", empty_disk);
    still_saved(db_opt, 2);
}

/* Started on a full disk, the wizard cannot open its working files: it says so before
 * taking the screen, and nothing is lost. */
static void test_wizard_starts_on_full_disk(void **state)
{
    (void)state;
    char *dir = mount_full_disk("/tmp/difelus-plein-debut-XXXXXX");
    char db_opt[4300], path[4200];
    snprintf(path, sizeof path, "%s/difelus.db", dir);
    snprintf(db_opt, sizeof db_opt, "--db=%s", path);
    saved_before(path);
    fill_disk(dir);
    struct term *t = start(24, 80, db_opt, NULL);
    int status = term_wait_exit(t);
    if (status != 1)
        fail_msg("statut %d (1 attendu) :\n%s", status, term_text(t));
    SAID(t, "Le disque est plein");
    SAID(t, "Libérez de la place sur le disque, puis recommencez");
    no_raw_text(term_text(t));
    assert_true(term_restored(t));
    term_free(t);
    /* the command line says the same */
    struct run_result r;
    harness_run(&r, (const char *[]){db_opt, "statut", NULL}, NULL);
    assert_int_equal(r.status, 1);
    assert_non_null(harness_strstr(r.err, "Le disque est plein"));
    assert_non_null(harness_strstr(r.err, "Libérez de la place"));
    no_raw_text(r.err);
    harness_run_free(&r);
    empty_disk();
    still_saved(db_opt, 1);
}

/* An import that does not fit: the old catalogue kept and searched, nothing left on the
 * disk, and the import works once there is room. */
static void test_import_on_full_disk(void **state)
{
    (void)state;
    char *dir = mount_full_disk("/tmp/difelus-plein-import-XXXXXX");
    char db_opt[4300], path[4200], csv[4300];
    snprintf(path, sizeof path, "%s/difelus.db", dir);
    snprintf(db_opt, sizeof db_opt, "--db=%s", path);
    saved_before(path);
    struct run_result r;
    harness_run(&r, (const char *[]){db_opt, "catalogue", "importer", "tests/data/cdc-nouveau.csv",
                                     NULL}, NULL);
    assert_int_equal(r.status, 0);
    harness_run_free(&r);
    /* 6 000 trainings: more than the tmpfs holds */
    snprintf(csv, sizeof csv, "%s/gros.csv", harness_tmpdir("crash-disque-import"));
    FILE *f = fopen(csv, "w");
    assert_non_null(f);
    fputs("numero_formation;intitule_formation;nom_of;siret;code_departement;"
          "frais_ttc_tot_min;nombre_heures_total_min\n", f);
    for (int i = 0; i < 6000; i++)
        fprintf(f, "C-%d;Cybersécurité pour les élus de la commune numéro %d;Institut de "
                   "formation des élus locaux;73282932000074;07;%d,50;7\n", i, i, 300 + i % 400);
    fclose(f);
    harness_run(&r, (const char *[]){db_opt, "catalogue", "importer", csv, NULL}, NULL);
    assert_int_equal(r.status, 1);
    assert_non_null(harness_strstr(r.err, "le disque est plein"));
    assert_non_null(harness_strstr(r.err, "Libérez de la place sur le disque"));
    assert_non_null(harness_strstr(r.err, "Le catalogue n'a pas été modifié"));
    no_raw_text(r.err);
    harness_run_free(&r);
    harness_run(&r, (const char *[]){db_opt, "catalogue", "chercher", "budget", NULL}, NULL);
    assert_int_equal(r.status, 0);
    assert_non_null(harness_strstr(r.out, "Préparer le budget communal"));
    harness_run_free(&r);
    char nouveau[4300];
    snprintf(nouveau, sizeof nouveau, "%s/catalogue.db.nouveau", dir);
    assert_int_equal(access(nouveau, F_OK), -1);
    still_saved(db_opt, 1);
    /* the disk had room for the rest: it still has */
    harness_run(&r, (const char *[]){db_opt, "reglage", "organisme.nom", "Élus & territoires",
                                     NULL}, NULL);
    assert_int_equal(r.status, 0);
    harness_run_free(&r);
}

/* ---- a database that cannot be written ---- */

static char ro_dir[64];
static char bin_before[4200]; /* DIFELUS_BIN before the wrapper */

/* Runs the wizard and the command line as user 65534 (root writes anywhere): a wrapper
 * given as DIFELUS_BIN, beside a copy of the binary that this user can reach. */
static void unprivileged(void)
{
    if (geteuid() != 0)
        return; /* permissions already apply */
    if (access("/usr/bin/setpriv", X_OK) != 0) {
        fprintf(stderr, "# setpriv absent : test de la base en lecture seule sauté\n");
        skip();
    }
    char bin[200], wrapper[200], script[600];
    snprintf(bin, sizeof bin, "%s/difelus", ro_dir);
    size_t len;
    char *data = harness_read_file(harness_binary(), &len);
    assert_non_null(data);
    harness_write_file(bin, data, len);
    free(data);
    assert_int_equal(chmod(bin, 0755), 0);
    snprintf(wrapper, sizeof wrapper, "%s/en-utilisateur", ro_dir);
    snprintf(script, sizeof script, "#!/bin/sh\nexec /usr/bin/setpriv --reuid=65534 "
                                    "--regid=65534 --clear-groups %s \"$@\"\n", bin);
    harness_write_file(wrapper, script, strlen(script));
    assert_int_equal(chmod(wrapper, 0755), 0);
    snprintf(bin_before, sizeof bin_before, "%s", getenv("DIFELUS_BIN") ? getenv("DIFELUS_BIN") : "");
    setenv("DIFELUS_BIN", wrapper, 1);
}

static int remove_ro_dir(void **state)
{
    (void)state;
    if (bin_before[0])
        setenv("DIFELUS_BIN", bin_before, 1);
    else
        unsetenv("DIFELUS_BIN");
    if (!ro_dir[0])
        return 0;
    chmod(ro_dir, 0700);
    DIR *d = opendir(ro_dir);
    struct dirent *e;
    while (d && (e = readdir(d))) {
        char f[400];
        if (e->d_name[0] == '.')
            continue;
        snprintf(f, sizeof f, "%s/%s", ro_dir, e->d_name);
        unlink(f);
    }
    if (d)
        closedir(d);
    rmdir(ro_dir);
    ro_dir[0] = '\0';
    return 0;
}

/* The wizard and `statut` on a database that cannot be written: in French, where it is,
 * what to do (the rights, or --db), exit status 1, terminal restored, file untouched. */
static void expect_read_only(const char *db_opt, const char *path, const char *const *words)
{
    size_t before_len, after_len;
    char *before = harness_read_file(path, &before_len);
    struct term *t = start(24, 80, db_opt, NULL);
    int status = term_wait_exit(t);
    if (status != 1)
        fail_msg("statut %d (1 attendu) :\n%s", status, term_text(t));
    for (size_t i = 0; words[i]; i++)
        SAID(t, words[i]);
    SAID(t, path);
    no_raw_text(term_text(t));
    assert_true(term_restored(t));
    term_free(t);
    struct run_result r;
    /* a change is refused; `statut`, which only reads, shows the base (test_cli_read_only) */
    harness_run(&r, (const char *[]){db_opt, "reglage", "organisme.nom", "Autre", NULL}, NULL);
    assert_int_equal(r.status, 1);
    for (size_t i = 0; words[i]; i++)
        if (!harness_strstr(r.err, words[i]))
            fail_msg("« %s » n'est pas dans : %s", words[i], r.err);
    no_raw_text(r.err);
    harness_run_free(&r);
    char *after = harness_read_file(path, &after_len);
    assert_int_equal(before_len, after_len);
    assert_memory_equal(before, after, before_len);
    free(before);
    free(after);
}

static void test_read_only_database(void **state)
{
    (void)state;
    snprintf(ro_dir, sizeof ro_dir, "/tmp/difelus-ro-XXXXXX");
    assert_non_null(mkdtemp(ro_dir));
    assert_int_equal(chmod(ro_dir, 0777), 0);
    unprivileged();
    char path[300], db_opt[400];
    snprintf(path, sizeof path, "%s/difelus.db", ro_dir);
    snprintf(db_opt, sizeof db_opt, "--db=%s", path);
    struct run_result r;
    harness_run(&r, (const char *[]){db_opt, "reglage", "organisme.nom", "Élus & territoires",
                                     NULL}, NULL);
    assert_int_equal(r.status, 0);
    harness_run_free(&r);

    /* the file read-only */
    assert_int_equal(chmod(path, 0444), 0);
    expect_read_only(db_opt, path,
                     (const char *[]){"en lecture seule", "chmod u+w", NULL});
    /* the folder read-only (the file writable): no room for the working files */
    assert_int_equal(chmod(path, 0644), 0);
    assert_int_equal(chmod(ro_dir, 0555), 0);
    expect_read_only(db_opt, path,
                     (const char *[]){"est en lecture seule", "autre utilisateur", "--db", NULL});
    /* writable again: what was saved is there */
    assert_int_equal(chmod(ro_dir, 0777), 0);
    harness_run(&r, (const char *[]){db_opt, "reglage", "organisme.nom", NULL}, NULL);
    assert_int_equal(r.status, 0);
    assert_string_equal(r.out, "Élus & territoires\n");
    harness_run_free(&r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_file_size_limit_in_wizard),
        cmocka_unit_test_teardown(test_full_disk_form_in_wizard, unmount_full_disk),
        cmocka_unit_test_teardown(test_wizard_starts_on_full_disk, unmount_full_disk),
        cmocka_unit_test_teardown(test_import_on_full_disk, unmount_full_disk),
        cmocka_unit_test_teardown(test_read_only_database, remove_ro_dir),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
