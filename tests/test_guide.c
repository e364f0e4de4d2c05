/* The guide's content: six complete steps, up to date with the law (DESIGN §2). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "harness.h"
#include "difelus/guide.h"
#include "difelus/text.h"

static void test_six_complete_steps(void **state)
{
    (void)state;
    assert_null(guide_step(0));
    assert_null(guide_step(GUIDE_STEPS + 1));
    for (int n = 1; n <= GUIDE_STEPS; n++) {
        const struct guide_step *s = guide_step(n);
        assert_non_null(s);
        assert_int_equal(s->number, n);
        assert_true(strlen(s->title) > 5);
        assert_true(strlen(s->explanation) > 40);
        assert_true(strlen(s->help) > 40);
        assert_true(s->item_count >= 3 && s->item_count <= GUIDE_MAX_ITEMS);
        assert_true(s->warning_count >= 1); /* the seed warns at every step once updated */
        for (size_t i = 0; i < s->item_count; i++) {
            int step = 0;
            assert_ptr_equal(guide_item_find(s->items[i].id, &step), &s->items[i]);
            assert_int_equal(step, n);
            /* One line of the checklist at 80 columns (prefix "> [x] " and margins). */
            if (text_width(s->items[i].label) > 72)
                fail_msg("étape %d : « %s » dépasse 72 colonnes", n, s->items[i].label);
            assert_true(text_is_clean(s->items[i].label));
        }
    }
    assert_null(guide_item_find("9.nothing", NULL));
}

/* True when some text of the guide (explanations, items, warnings, help) contains s. */
static bool guide_says(const char *s)
{
    for (int n = 1; n <= GUIDE_STEPS; n++) {
        const struct guide_step *g = guide_step(n);
        if (harness_strstr(g->explanation, s) || harness_strstr(g->help, s) || harness_strstr(g->title, s))
            return true;
        for (size_t i = 0; i < g->item_count; i++)
            if (harness_strstr(g->items[i].label, s))
                return true;
        for (size_t i = 0; i < g->warning_count; i++)
            if (harness_strstr(g->warnings[i], s))
                return true;
    }
    return false;
}

static void test_up_to_date_with_the_law(void **state)
{
    (void)state;
    assert_true(guide_says("FranceConnect+"));
    assert_true(guide_says("L'Identité Numérique La Poste"));
    assert_true(guide_says("France Identité"));
    assert_true(guide_says("400\u00a0€"));
    assert_true(guide_says("800\u00a0€"));
    assert_true(guide_says("4\u00a0jours ouvrés"));
    assert_true(guide_says("11\u00a0jours ouvrés"));
    assert_true(guide_says("quatre semaines"));
    assert_true(guide_says("2\u00a0jours ouvrés"));
    assert_true(guide_says("annulée"));
    /* Leftovers of other documents in the 2023 guide must not come back. */
    assert_false(guide_says("Planète Territoires"));
    assert_false(guide_says("700 €"));
    /* Support contact is a setting, never part of the content. */
    assert_false(guide_says("Gestions Locales"));
    assert_false(guide_says("09 53"));
}

static void test_secret_code_warning_where_codes_are_used(void **state)
{
    (void)state;
    /* Steps 1 and 2 ask for the secret code and SMS: both warn in their ATTENTION box. */
    for (int n = 1; n <= 2; n++) {
        const struct guide_step *g = guide_step(n);
        bool warned = false;
        for (size_t i = 0; i < g->warning_count; i++)
            warned |= harness_strstr(g->warnings[i], "code secret") && harness_strstr(g->warnings[i], "SMS") &&
                      harness_strstr(g->warnings[i], "support");
        assert_true(warned);
    }
    /* Step 6's box carries the 4-day rule. */
    const struct guide_step *g6 = guide_step(6);
    assert_non_null(harness_strstr(g6->warnings[0], "4\u00a0jours ouvrés"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_six_complete_steps),
        cmocka_unit_test(test_up_to_date_with_the_law),
        cmocka_unit_test(test_secret_code_warning_where_codes_are_used),
    };
    return cmocka_run_group_tests_name("guide", tests, NULL, NULL);
}
