/* Text helpers: control characters never reach the screen, widths and wrapping in columns. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "harness.h"
#include "difelus/text.h"

static void test_sanitize_strips_controls(void **state)
{
    (void)state;
    char buf[128];
    assert_string_equal(text_sanitize(buf, sizeof buf, "Saint-\033[31mÉtienne\a"),
                        "Saint-[31mÉtienne");
    assert_string_equal(text_sanitize(buf, sizeof buf, "a\tb\nc\x7f" "d\xc2\x9b" "e"), "a b cde");
    assert_string_equal(text_sanitize(buf, sizeof buf, "bad \xff\xfe utf8"), "bad ?? utf8");
    assert_string_equal(text_sanitize(buf, sizeof buf, NULL), "");
    /* Never splits a multibyte character when the buffer is short. */
    assert_string_equal(text_sanitize(buf, 3, "éé"), "é");
    assert_true(text_is_clean("Saint-Étienne-du-Rouvray"));
    assert_false(text_is_clean("x\033y"));
    assert_false(text_is_clean("\xc3"));
}

static void test_width_fit_wrap(void **state)
{
    (void)state;
    assert_int_equal(text_width("Étape 3/6 — Recherche"), 21);
    assert_int_equal(text_fit("Étape", 2), strlen("Ét"));
    const char *next;
    const char *s = "Ne donnez jamais votre code secret";
    size_t len = text_wrap_line(s, 12, &next);
    assert_int_equal(len, strlen("Ne donnez"));
    assert_string_equal(next, "jamais votre code secret");
    assert_int_equal(text_wrap_count(s, 12), 3);
    assert_int_equal(text_wrap_count("", 12), 1);
    /* A word longer than the line is cut, not lost. */
    len = text_wrap_line("abcdefghij", 4, &next);
    assert_int_equal(len, 4);
    assert_string_equal(next, "efghij");
}

static void test_trim(void **state)
{
    (void)state;
    char s[] = "   Maire adjoint   ";
    assert_string_equal(text_trim(s), "Maire adjoint");
}

static void test_euros(void **state)
{
    (void)state;
    char buf[32];
    text_format_euros(40000, buf, sizeof buf);
    assert_string_equal(buf, "400,00\u00a0€");
    text_format_euros(123456789, buf, sizeof buf);
    assert_string_equal(buf, "1\u00a0234\u00a0567,89\u00a0€");
    long c;
    assert_true(text_parse_euros("400", &c));
    assert_int_equal(c, 40000);
    assert_true(text_parse_euros("712,5", &c));
    assert_int_equal(c, 71250);
    assert_true(text_parse_euros("1 234.56 €", &c));
    assert_int_equal(c, 123456);
    assert_false(text_parse_euros("", &c));
    assert_false(text_parse_euros("-5", &c));
    assert_false(text_parse_euros("12,345", &c));
    assert_false(text_parse_euros("12,", &c));
    assert_false(text_parse_euros("quatre cents", &c));
    assert_false(text_parse_euros("99999999999999", &c));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sanitize_strips_controls),
        cmocka_unit_test(test_width_fit_wrap),
        cmocka_unit_test(test_trim),
        cmocka_unit_test(test_euros),
    };
    return cmocka_run_group_tests_name("text", tests, NULL, NULL);
}
