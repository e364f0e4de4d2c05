/* The fuzzing harness's own checks: the « no English text » check of an error message
 * removes only the quotations (the user's text), so that English of ours between two of
 * them is found; and a replay that aborts leaves no folder behind. */
#include <dirent.h>
#include <errno.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "fuzz/fuzz.h"
#include "harness.h"

/* How fuzz_check_message(msg) ends in a child: 0 accepted, else the signal (SIGABRT: a
 * finding). */
static int check_in_child(const char *msg)
{
    fflush(NULL);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        /* A finding prints its reason on stderr: not in the test's output. */
        if (!freopen("/dev/null", "w", stderr))
            _exit(3);
        fuzz_check_message(msg, "essai");
        _exit(0);
    }
    int status;
    assert_int_equal(waitpid(pid, &status, 0), pid);
    if (WIFSIGNALED(status))
        return WTERMSIG(status);
    assert_true(WIFEXITED(status));
    assert_int_equal(WEXITSTATUS(status), 0);
    return 0;
}

static void test_english_between_two_quotations_is_found(void **state)
{
    (void)state;
    assert_int_equal(check_in_child("Le fichier « a.csv » : database is locked « b » ."),
                     SIGABRT);
    assert_int_equal(check_in_child("« x » disk I/O error « y » « z »"), SIGABRT);
    /* ours, outside any quotation */
    assert_int_equal(check_in_child("SQL logic error « a »"), SIGABRT);
}

static void test_quotations_are_the_users(void **state)
{
    (void)state;
    assert_int_equal(check_in_child("Le fichier « database.csv » est vide."), 0);
    /* two quotations, each the user's */
    assert_int_equal(check_in_child("« no such » puis « malformed » : deux textes."), 0);
    /* a quotation in a quotation */
    assert_int_equal(check_in_child("Le fichier « a « database » b » est vide."), 0);
    /* a » glued to the user's text is the user's (tests/fuzz-corpus/amounts/
     * finding-quote-in-quote) */
    assert_int_equal(check_in_child("« ?y»fts5:,?4\u00a0» n'est pas un montant."), 0);
    /* a lone « in the user's text: its quotation ends at the last » */
    assert_int_equal(check_in_child("Le fichier « a « syntax error » est vide."), 0);
}

/* Whether dir holds nothing but the names given (NULL-terminated). */
static bool only(const char *dir, const char *const keep[])
{
    DIR *d = opendir(dir);
    assert_non_null(d);
    bool ok = true;
    struct dirent *e;
    while ((e = readdir(d))) {
        if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
            continue;
        bool kept = false;
        for (int i = 0; keep[i]; i++)
            kept |= !strcmp(e->d_name, keep[i]);
        ok &= kept;
    }
    closedir(d);
    return ok;
}

/* The first child of pid (from /proc), or 0. */
static pid_t child_of(pid_t pid)
{
    char path[64];
    snprintf(path, sizeof path, "/proc/%d/task/%d/children", (int)pid, (int)pid);
    FILE *f = fopen(path, "r");
    if (!f)
        return 0;
    int child = 0;
    if (fscanf(f, "%d", &child) != 1)
        child = 0;
    fclose(f);
    return child;
}

/* A replay killed by an abort in the middle of its inputs (its second one, a pipe nobody
 * writes to, holds it): the catalogue it made in TMPDIR is removed all the same, and the
 * replay ends with the abort. */
static void test_replay_removes_its_folder_after_abort(void **state)
{
    (void)state;
    char tmp[4200], fifo[4200], bin[4200], first[4200];
    snprintf(tmp, sizeof tmp, "%s", harness_tmpdir("fuzz-tmp"));
    char *pipe_dir = strdup(harness_tmpdir("fuzz-pipe"));
    snprintf(fifo, sizeof fifo, "%s/entree", pipe_dir);
    assert_int_equal(mkfifo(fifo, 0600), 0);
    const char *build = getenv("BUILD");
    snprintf(bin, sizeof bin, "%s/tests/fuzz_replay_search", build && *build ? build : "build");
    snprintf(first, sizeof first, "tests/fuzz-corpus/search/seed-rank-limit");
    fflush(NULL);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        setenv("TMPDIR", tmp, 1);
        if (!freopen("/dev/null", "w", stdout) || !freopen("/dev/null", "w", stderr))
            _exit(3);
        execl(bin, bin, first, fifo, (char *)NULL);
        _exit(4);
    }
    /* Wait until the first input made the catalogue, and the replay's child waits on the
     * pipe. */
    char made[8400] = "";
    pid_t worker = 0;
    struct timespec t0, now;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    for (;;) {
        DIR *d = opendir(tmp);
        assert_non_null(d);
        struct dirent *e;
        while ((e = readdir(d)))
            if (!strncmp(e->d_name, "difelus-replay-", 15))
                snprintf(made, sizeof made, "%s/%s", tmp, e->d_name);
        closedir(d);
        worker = child_of(pid);
        if (made[0] && worker > 0) {
            char cat[sizeof made + 300]; /* made, a name (up to 255), the file */
            DIR *m = opendir(made);
            bool found = false;
            while (m && (e = readdir(m))) {
                struct stat sb;
                snprintf(cat, sizeof cat, "%s/%s/catalogue.db", made, e->d_name);
                found |= e->d_name[0] != '.' && stat(cat, &sb) == 0;
            }
            if (m)
                closedir(m);
            if (found)
                break;
        }
        clock_gettime(CLOCK_MONOTONIC, &now);
        if (now.tv_sec - t0.tv_sec > WAIT_MS / 1000) {
            kill(pid, SIGKILL);
            fail_msg("le rejeu n'a pas fait son catalogue dans %s", tmp);
        }
        struct timespec pause = {0, 10 * 1000 * 1000};
        nanosleep(&pause, NULL);
    }
    assert_int_equal(kill(worker, SIGABRT), 0);
    int status;
    assert_int_equal(waitpid(pid, &status, 0), pid);
    assert_true(WIFSIGNALED(status));
    assert_int_equal(WTERMSIG(status), SIGABRT);
    const char *const none[] = {NULL};
    assert_true(only(tmp, none));
    unlink(fifo);
    rmdir(pipe_dir);
    rmdir(tmp);
    free(pipe_dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_english_between_two_quotations_is_found),
        cmocka_unit_test(test_quotations_are_the_users),
        cmocka_unit_test(test_replay_removes_its_folder_after_abort),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
