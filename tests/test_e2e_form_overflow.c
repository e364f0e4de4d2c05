/* End-to-end: a text longer than its form field is never cut without a mark (a tester's
 * walkthrough, finding 20): « → » after the field while text is hidden past its end,
 * « ← » before it while its start is scrolled out; a text that fits shows neither. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "e2e.h"

#define LONG_BODY "Communauté d’agglomération du Grand Saint-Étienne-du-Rouvray Métropole"

/* The row of `label` holds `mark` (want) or not; the screen was read up to date by a wait
 * just before (the checks of the harness read the terminal only while they wait). */
static void row_mark(struct term *t, const char *label, const char *mark, bool want)
{
    int row = term_find_row(t, label);
    if (row < 0 || (strstr(term_row(t, row), mark) != NULL) != want)
        fail_msg("ligne « %s » : « %s » %s :\n%s", label, mark, want ? "attendu" : "en trop",
                 term_text(t));
}

static void test_long_field_marked(void **state)
{
    (void)state;
    struct term *t = start(24, 80, fresh_db("e2e-form-overflow"), NULL);
    WAIT(t, "Accueil");
    term_send(t, "m");
    WAIT(t, "Mes mandats");
    term_send(t, "n");
    WAIT(t, "Fonction (maire, adjoint…)");
    term_send(t, "\t");
    WAIT(t, "> Collectivité");
    term_send(t, LONG_BODY);
    WAIT(t, "Rouvray Métropole"); /* the end typed, the start scrolled out */
    WAIT(t, "←");
    row_mark(t, "Collectivité", "←", true);
    row_mark(t, "Collectivité", "→", false);
    /* Another field: the long one is shown from its start, the rest hidden after it. */
    term_send(t, "\tMaire");
    WAIT(t, "Communauté d’agglomération");
    WAIT(t, "→");
    assert_true(term_wait_gone(t, "←"));
    row_mark(t, "Collectivité", "→", true);
    row_mark(t, "Collectivité", "←", false);
    /* A text that fits: no mark. */
    row_mark(t, "Fonction (maire", "→", false);
    row_mark(t, "Fonction (maire", "←", false);
    /* Every mark inside 80 columns: the « → » right after the field. */
    int row = term_find_row(t, "Collectivité");
    assert_true(row >= 0);
    const char *arrow = strstr(term_row(t, row), "→");
    assert_non_null(arrow);
    assert_null(strstr(arrow + strlen("→"), "→"));
    term_send_key(t, TK_F10);
    WAIT(t, "Quitter sans enregistrer");
    quit_cleanly_answer(t, "o");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_long_field_marked),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
