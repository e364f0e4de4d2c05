/* The guide's text as an official reads it: French typography (DESIGN §7), wording that a
 * new user understands, and the checklist items a dossier's status proves done. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <string.h>

#include "difelus/guide.h"

/* Calls check(text, where) on every text of the guide. */
static void each_text(void (*check)(const char *text, const char *where))
{
    char where[64];
    for (int n = 1; n <= GUIDE_STEPS; n++) {
        const struct guide_step *g = guide_step(n);
        snprintf(where, sizeof where, "étape %d, titre", n);
        check(g->title, where);
        snprintf(where, sizeof where, "étape %d, explication", n);
        check(g->explanation, where);
        snprintf(where, sizeof where, "étape %d, aide", n);
        check(g->help, where);
        for (size_t i = 0; i < g->item_count; i++) {
            snprintf(where, sizeof where, "étape %d, case %s", n, g->items[i].id);
            check(g->items[i].label, where);
        }
        for (size_t i = 0; i < g->warning_count; i++) {
            snprintf(where, sizeof where, "étape %d, avertissement %zu", n, i + 1);
            check(g->warnings[i], where);
        }
    }
    check(guide_general_help, "aide générale");
}

static void no_breaking_space_in_typography(const char *text, const char *where)
{
    static const char *const bad[] = {" :", " ;", " !", " ?", " »", " €", "« "};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        const char *p = strstr(text, bad[i]);
        if (p)
            fail_msg("%s : espace ordinaire dans « %.30s » (une espace insécable est due)", where,
                     p > text + 10 ? p - 10 : text);
    }
}

static void test_non_breaking_spaces(void **state)
{
    (void)state;
    each_text(no_breaking_space_in_typography);
}

static void understood_by_a_new_user(const char *text, const char *where)
{
    /* A new user never saw the 2023 paper guide. */
    if (strstr(text, "ancien guide"))
        fail_msg("%s : « l'ancien guide » ne dit rien à un nouvel utilisateur", where);
    /* « sans réponse, contactez-le, votre demande n'est plus valable » chained two ideas. */
    if (strstr(text, "contactez-le, votre demande"))
        fail_msg("%s : phrase ambiguë sur la demande sans réponse", where);
}

static void test_wording(void **state)
{
    (void)state;
    each_text(understood_by_a_new_user);
    const struct guide_step *g5 = guide_step(5);
    assert_non_null(strstr(g5->warnings[0], "n'est plus valable"));
}

static bool has(const char *const *ids, const char *id)
{
    for (; *ids; ids++)
        if (strcmp(*ids, id) == 0)
            return true;
    return false;
}

static void test_items_done_by_a_dossier(void **state)
{
    (void)state;
    for (int s = 0; s < DS_COUNT; s++)
        for (const char *const *id = guide_items_done_by_status((enum dossier_status)s); *id;
             id++) {
            int step = 0;
            assert_non_null(guide_item_find(*id, &step));
            assert_true(step >= 4 && step <= 6);
        }
    assert_true(has(guide_items_done_by_status(DS_CREATION), "4.creation"));
    assert_false(has(guide_items_done_by_status(DS_CREATION), "5.envoi"));
    assert_true(has(guide_items_done_by_status(DS_SENT), "5.envoi"));
    assert_true(has(guide_items_done_by_status(DS_SENT), "5.date"));
    assert_false(has(guide_items_done_by_status(DS_SENT), "6.reception"));
    assert_true(has(guide_items_done_by_status(DS_TO_VALIDATE), "6.reception"));
    assert_false(has(guide_items_done_by_status(DS_TO_VALIDATE), "6.confirmation"));
    assert_true(has(guide_items_done_by_status(DS_VALIDATED), "6.confirmation"));
    assert_true(has(guide_items_done_by_status(DS_REFUSED), "5.envoi"));
    assert_null(*guide_items_done_by_status(DS_CANCELLED));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_non_breaking_spaces),
        cmocka_unit_test(test_wording),
        cmocka_unit_test(test_items_done_by_a_dossier),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
