/* Shared by the end-to-end test files: a fresh database, the wizard started on it, waits
 * that fail with what was missing and the screen shown, a clean quit, `statut --json`
 * read back, the kill -9 helpers. Include after <cmocka.h>, <jansson.h> and "harness.h". */
#ifndef DIFELUS_TEST_E2E_H
#define DIFELUS_TEST_E2E_H

#include <dirent.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <unistd.h>


/* "--db=<a new empty folder>/difelus.db"; the next call overwrites the text. */
static inline const char *fresh_db(const char *name)
{
    static char fresh_opt[4200];
    snprintf(fresh_opt, sizeof fresh_opt, "--db=%s/difelus.db", harness_tmpdir(name));
    return fresh_opt;
}

static inline struct term *start(int rows, int cols, const char *db, const char *const *env)
{
    return term_start(rows, cols, (const char *[]){db, NULL}, env);
}

#define WAIT(t, text)                                                                      \
    do {                                                                                   \
        if (!term_wait_for((t), (text)))                                                   \
            fail_msg("« %s » n'apparaît pas à l'écran :\n%s", (text), term_text(t));       \
    } while (0)

/* The screen arrives in several writes: every check waits for its text. */
#define ON_SCREEN(t, text) WAIT(t, text)

static inline void quit_cleanly(struct term *t)
{
    term_send(t, "q");
    assert_int_equal(term_wait_exit(t), 0);
    assert_true(term_restored(t));
    term_free(t);
}

/* quit_cleanly after a question: `answer` is the key that quits (q asked first). */
static inline void quit_cleanly_answer(struct term *t, const char *answer)
{
    term_send(t, answer);
    assert_int_equal(term_wait_exit(t), 0);
    assert_true(term_restored(t));
    term_free(t);
}

static inline json_t *status_of(const char *db)
{
    struct run_result r;
    harness_run(&r, (const char *[]){db, "statut", "--json", NULL}, NULL);
    assert_int_equal(r.status, 0);
    json_t *root = json_loads(r.out, 0, NULL);
    assert_non_null(root);
    harness_run_free(&r);
    return root;
}

/* The wizard started last by this test process (a failed test may leave an older one). */
static inline pid_t child_pid(void)
{
    DIR *d = opendir("/proc");
    assert_non_null(d);
    struct dirent *e;
    pid_t found = 0;
    unsigned long long newest = 0;
    while ((e = readdir(d))) {
        char path[300], buf[512];
        snprintf(path, sizeof path, "/proc/%s/stat", e->d_name);
        FILE *f = fopen(path, "r");
        if (!f)
            continue;
        size_t n = fread(buf, 1, sizeof buf - 1, f);
        fclose(f);
        buf[n] = '\0';
        const char *close_paren = strrchr(buf, ')');
        int ppid = 0;
        char st;
        unsigned long long started = 0;
        /* fields 3 (state), 4 (parent) and 22 (start time) of proc(5) */
        if (close_paren &&
            sscanf(close_paren + 1,
                   " %c %d %*d %*d %*d %*d %*u %*u %*u %*u %*u %*u %*u %*d %*d %*d %*d %*d %*d "
                   "%llu",
                   &st, &ppid, &started) == 3 &&
            ppid == getpid() && st != 'Z' && started >= newest) {
            newest = started;
            found = (pid_t)atoi(e->d_name);
        }
    }
    closedir(d);
    return found;
}

/* Until the wizard waits in poll(): it has drawn everything it had to (it draws before it
 * waits), so the screen seen is whole. Without /proc/PID/syscall, returns at once. */
static inline void wait_idle(pid_t pid)
{
    char path[64];
    snprintf(path, sizeof path, "/proc/%d/syscall", (int)pid);
    for (long i = 0; i < 1000000; i++) {
        FILE *f = fopen(path, "r");
        if (!f)
            return;
        char word[32] = "";
        int got = fscanf(f, "%31s", word);
        fclose(f);
        if (got != 1)
            return;
        long nr = strcmp(word, "running") == 0 ? -1 : atol(word); /* "running": not idle */
        if (nr == 7 || nr == 271 || nr == 73) /* poll, ppoll (x86-64), ppoll (arm64) */
            return;
        sched_yield();
    }
}

#endif
