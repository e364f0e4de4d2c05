/* The catalogue download's helper program and what difelus makes of it: the line protocol
 * parsed strictly (long lines, unknown keywords, bad numbers, control characters refused),
 * a helper that lies, crashes, talks nonsense or is missing gives a French message and
 * leaves the catalogue whole, and difelus itself links no libcurl (DESIGN §3). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <poll.h>
#include <sys/stat.h>

#include "difelus/sync.h"
#include "harness.h"

static int parse(const char *line, struct sync_msg *m)
{
    return sync_parse_message(line, strlen(line), m);
}

static void test_protocol_accepts_the_helpers_lines(void **state)
{
    (void)state;
    struct sync_msg m;
    assert_int_equal(parse("progression 0 0", &m), 0);
    assert_int_equal(m.kind, SYNC_MSG_PROGRESS);
    assert_int_equal(parse("progression 1048576 52428800", &m), 0);
    assert_int_equal(m.bytes, 1048576);
    assert_int_equal(m.total, 52428800);
    assert_int_equal(parse("progression 999999999999999999 0", &m), 0);
    assert_int_equal(parse("fini 52428800", &m), 0);
    assert_int_equal(m.kind, SYNC_MSG_DONE);
    assert_int_equal(m.bytes, 52428800);
    assert_int_equal(parse("erreur http 503", &m), 0);
    assert_int_equal(m.kind, SYNC_MSG_ERROR);
    assert_string_equal(m.code, "http");
    assert_int_equal(m.status, 503);
    assert_int_equal(parse("erreur connexion le serveur refuse la connexion ou ne répond pas",
                           &m), 0);
    assert_string_equal(m.code, "connexion");
    assert_string_equal(m.text, "le serveur refuse la connexion ou ne répond pas");
}

static void test_protocol_refuses_bad_input(void **state)
{
    (void)state;
    static const char *const bad[] = {
        "",
        "progression",
        "progression ",
        "progression 12",
        "progression 12 ",
        "progression  12 30",
        "progression 12  30",
        "progression 12 30 ",
        "progression 12 30 40",
        "progression -12 30",
        "progression +12 30",
        "progression 012 30",
        "progression 12a 30",
        "progression 0x10 30",
        "progression 1,5 30",
        "progression 9999999999999999999 0",  /* overflows a long long */
        "progression 40 30",                  /* more than the announced size */
        "Progression 1 2",
        "progres 1 2",
        "fini",
        "fini ",
        "fini -1",
        "fini 1 2",
        "fini 1e6",
        "termine 10",
        "erreur",
        "erreur http",
        "erreur http ",
        "erreur http 5000",
        "erreur http 99",
        "erreur http cinq cents",
        "erreur inconnu le serveur a explosé",
        "erreur CONNEXION refus",
        "erreur connexion",
        "erreur connexion ",
        "progression 1 2\r",
        "progression\t1 2",
        "erreur reseau \x1b[2J\x1b[Hécran effacé",
        "erreur reseau texte\x07",
        "erreur reseau \xc3\x28 UTF-8 invalide",
        "erreur reseau \xe2\x80\xae inversé",  /* U+202E turns the text around */
        "fini 5\x7f",
    };
    struct sync_msg m;
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        if (parse(bad[i], &m) == 0)
            fail_msg("ligne acceptée à tort : « %s »", bad[i]);
    /* a NUL inside the line, and a line longer than the protocol allows */
    assert_int_equal(sync_parse_message("fini 5\0 0", 9, &m), -1);
    char lng[SYNC_LINE_MAX + 20];
    memset(lng, 'a', sizeof lng);
    memcpy(lng, "erreur reseau ", 14);
    assert_int_equal(sync_parse_message(lng, SYNC_LINE_MAX - 1, &m), 0);
    assert_int_equal(sync_parse_message(lng, SYNC_LINE_MAX, &m), -1);
    assert_int_equal(sync_parse_message(lng, sizeof lng, &m), -1);
}

/* ---- fake helpers: shell scripts in DIFELUS_LIBEXEC_DIR ---- */

static char db_path[4200];

static store *catalogue_with_two(const char *name)
{
    snprintf(db_path, sizeof db_path, "%s/difelus.db", harness_tmpdir(name));
    char err[1024];
    store *st = store_open(db_path, err, sizeof err);
    assert_non_null(st);
    struct catalogue_import rep;
    assert_int_equal(catalogue_import_file(st, "tests/data/cdc-ancien.json", &rep, NULL, NULL,
                                           err, sizeof err), 0);
    assert_int_equal(rep.records, 2);
    return st;
}

static void fake_helper(const char *name, const char *script)
{
    char dir[4200], path[4300], text[4096];
    snprintf(dir, sizeof dir, "%s", harness_tmpdir(name));
    snprintf(path, sizeof path, "%s/%s", dir, SYNC_HELPER);
    snprintf(text, sizeof text, "#!/bin/sh\n%s\n", script);
    harness_write_file(path, text, strlen(text));
    assert_int_equal(chmod(path, 0755), 0);
    setenv("DIFELUS_LIBEXEC_DIR", dir, 1);
}

/* The sync with the fake helper fails with `want` in its message, and the two trainings of
 * the first catalogue are still there. */
static void sync_fails(const char *name, const char *script, const char *want)
{
    store *st = catalogue_with_two(name);
    fake_helper(name, script);
    struct sync_options opt = {.base_url = "http://127.0.0.1:9/"};
    struct catalogue_import rep;
    char err[1024] = "";
    if (sync_catalogue(st, &opt, &rep, err, sizeof err) == 0)
        fail_msg("%s : synchronisation réussie à tort", name);
    if (!harness_strstr(err, want))
        fail_msg("%s : message « %s », attendu « %s »", name, err, want);
    struct catalogue_info info;
    assert_int_equal(catalogue_get_info(st, &info, err, sizeof err), 0);
    assert_int_equal(info.total, 2);
    store_close(st);
    unsetenv("DIFELUS_LIBEXEC_DIR");
}

static void test_helper_misbehaving(void **state)
{
    (void)state;
    sync_fails("aide-charabia", "echo 'Downloading 50%' >&3; exit 0", "incompréhensible");
    sync_fails("aide-inconnu", "printf 'progression 10 0\\nbonjour 1\\n' >&3; exit 0",
               "incompréhensible");
    sync_fails("aide-long", "head -c 5000 /dev/zero | tr '\\0' a >&3; exit 0", "trop long");
    sync_fails("aide-coupe", "printf 'progression 10 0\\nfini 1' >&3; exit 0", "incomplet");
    sync_fails("aide-tue", "printf 'progression 10 0\\n' >&3; kill -9 $$", "brutalement");
    sync_fails("aide-muet", "exit 0", "sans finir");
    sync_fails("aide-code", "printf 'fini 0\\n' >&3; exit 3", "sans finir");
    sync_fails("aide-ment", "printf '[]' ; printf 'fini 5000\\n' >&3; exit 0", "annonce 5000");
    sync_fails("aide-apres", "printf 'fini 2\\nfini 2\\n' >&3; printf '[]'; exit 0",
               "incompréhensible");
    sync_fails("aide-http", "printf 'erreur http 503\\n' >&3; exit 1",
               "«\u00a0erreur HTTP 503\u00a0»");
    /* what a helper wrote that is not a catalogue goes through the import's checks */
    sync_fails("aide-vide", "printf 'rien' ; printf 'fini 4\\n' >&3; exit 0",
               "Le catalogue reçu est inutilisable");
}

static void test_helper_missing(void **state)
{
    (void)state;
    store *st = catalogue_with_two("aide-absente");
    setenv("DIFELUS_LIBEXEC_DIR", harness_tmpdir("aide-absente-dossier"), 1);
    struct sync_options opt = {0};
    struct catalogue_import rep;
    char err[1024] = "";
    assert_int_equal(sync_catalogue(st, &opt, &rep, err, sizeof err), -1);
    assert_non_null(harness_strstr(err, "Le programme de téléchargement difelus-telecharger est "
                                "introuvable"));
    unsetenv("DIFELUS_LIBEXEC_DIR");
    store_close(st);
}

/* The real helper, found beside the test programs' build tree, says libcurl's errors in
 * French. */
static void test_real_helper_french(void **state)
{
    (void)state;
    char path[4200];
    assert_true(sync_helper_path(path, sizeof path));
    store *st = catalogue_with_two("aide-vraie");
    struct sync_options opt = {.base_url = "ftp://127.0.0.1"};
    struct catalogue_import rep;
    char err[1024] = "";
    assert_int_equal(sync_catalogue(st, &opt, &rep, err, sizeof err), -1);
    if (!harness_strstr(err, "adresse ni http ni https"))
        fail_msg("message « %s »", err);
    store_close(st);
}

/* The import in a child process, as the wizard runs it: a good file replaces the CDC
 * trainings, a bad one is refused in French and the catalogue stays as it was. */
static enum sync_state wait_job(struct sync_job *job)
{
    while (sync_job_read(job) == SYNC_IMPORTING) {
        struct pollfd p = {.fd = job->msg_fd, .events = POLLIN};
        poll(&p, 1, 5000);
    }
    return job->state;
}

static void test_import_in_child(void **state)
{
    (void)state;
    store *st = catalogue_with_two("import-enfant");
    struct sync_job job;
    char err[1024];
    struct catalogue_info info;

    assert_int_equal(sync_job_import_start(db_path, &job, "tests/data/organisme.csv", err,
                                           sizeof err), 0);
    if (wait_job(&job) != SYNC_DONE)
        fail_msg("import refusé : %s", job.err);
    assert_int_equal(job.records, 2);
    sync_job_cancel(&job);

    char bad[4300];
    snprintf(bad, sizeof bad, "%s/pas-un-catalogue.csv", harness_tmpdir("import-mauvais"));
    harness_write_file(bad, "bonjour\n", 8);
    assert_int_equal(sync_job_import_start(db_path, &job, bad, err, sizeof err), 0);
    assert_int_equal(wait_job(&job), SYNC_FAILED);
    if (!harness_strstr(job.err, "Fichier refusé") || !harness_strstr(job.err, "n'a pas été modifié"))
        fail_msg("message « %s »", job.err);
    sync_job_cancel(&job);

    /* stopped at once: whatever the moment, the catalogue is whole */
    assert_int_equal(sync_job_import_start(db_path, &job, "tests/data/cdc-nouveau.csv", err,
                                           sizeof err), 0);
    sync_job_cancel(&job);
    assert_int_equal(job.state, SYNC_IDLE);
    assert_int_equal(catalogue_refresh_if_changed(st, err, sizeof err) >= 0, 1);
    assert_int_equal(catalogue_get_info(st, &info, err, sizeof err), 0);
    if (info.total != 2 + 2 && info.total != 3 + 2)
        fail_msg("%zu formations après un import arrêté", (size_t)info.total);
    store_close(st);
}

/* difelus starts as fast as dialog only if it loads few libraries: no libcurl, ≤ 12. */
static void test_binary_is_lean(void **state)
{
    (void)state;
    char cmd[4300];
    snprintf(cmd, sizeof cmd, "ldd '%s' 2>&1", harness_binary());
    FILE *p = popen(cmd, "r");
    assert_non_null(p);
    char line[1024], all[16384] = "";
    int count = 0;
    bool sanitized = false;
    while (fgets(line, sizeof line, p)) {
        count++;
        strncat(all, line, sizeof all - strlen(all) - 1);
        if (harness_strstr(line, "libasan") || harness_strstr(line, "libubsan"))
            sanitized = true;
    }
    assert_int_equal(pclose(p), 0);
    if (harness_strstr(all, "libcurl") || harness_strstr(all, "libical") || harness_strstr(all, "libicu"))
        fail_msg("difelus charge une bibliothèque de trop :\n%s", all);
    /* the sanitizers bring their own runtimes */
    if (!sanitized && count > 12)
        fail_msg("difelus charge %d bibliothèques (12 au plus) :\n%s", count, all);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_protocol_accepts_the_helpers_lines),
        cmocka_unit_test(test_protocol_refuses_bad_input),
        cmocka_unit_test(test_helper_misbehaving),
        cmocka_unit_test(test_helper_missing),
        cmocka_unit_test(test_real_helper_french),
        cmocka_unit_test(test_import_in_child),
        cmocka_unit_test(test_binary_is_lean),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
