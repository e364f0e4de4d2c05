/* Shared by the end-to-end test files: a fresh database, the wizard started on it, waits
 * that fail with what was missing, a clean quit, `statut --json` read back. Include after
 * <cmocka.h>, <jansson.h> and "harness.h". */
#ifndef DIFELUS_TEST_E2E_H
#define DIFELUS_TEST_E2E_H

#include <stdio.h>


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
            fail_msg("« %s » n'apparaît pas à l'écran", (text));                           \
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

#endif
