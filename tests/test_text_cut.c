/* One cut at a word with "…" (text_cut_at_word, used by text_clip): no separator left
 * dangling before the "…", never inside a UTF-8 character, the same result both ways. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <string.h>

#include "difelus/text.h"

static void test_no_dangling_separator(void **state)
{
    (void)state;
    char out[256];
    const char *s = "Maire adjointe, déléguée aux finances";
    assert_int_equal(text_cut_at_word(s, 16), strlen("Maire adjointe"));
    assert_string_equal(text_clip(out, sizeof out, s, 17), "Maire adjointe…");
    s = "Conseillère communautaire — Métropole Rouen Normandie";
    assert_int_equal(text_cut_at_word(s, 29), strlen("Conseillère communautaire"));
    s = "Élaborer le budget · Gestions Locales";
    assert_int_equal(text_cut_at_word(s, 21), strlen("Élaborer le budget"));
    s = "Formation (Budget communal 2027)";
    assert_int_equal(text_cut_at_word(s, 12), strlen("Formation"));
}

static void test_same_cut_everywhere(void **state)
{
    (void)state;
    static const char *const texts[] = {
        "Les finances locales pour les élus : lire, comprendre et voter le budget – 2027",
        "Communauté d’agglomération du Havre Seine Métropole",
        "Prise de parole en public ; conseil municipal — « séance » publique",
        "日本語のテキスト 長い 題名",
    };
    for (size_t i = 0; i < sizeof texts / sizeof texts[0]; i++) {
        for (int cols = 2; cols < 60; cols++) {
            char out[512], expect[512];
            text_clip(out, sizeof out, texts[i], cols);
            assert_true(text_is_clean(out));
            assert_true(text_width(out) <= cols);
            if (text_width(texts[i]) > cols) {
                size_t keep = text_cut_at_word(texts[i], cols - 1);
                snprintf(expect, sizeof expect, "%.*s…", (int)keep, texts[i]);
                assert_string_equal(out, expect);
            }
        }
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_no_dangling_separator),
        cmocka_unit_test(test_same_cut_everywhere),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
