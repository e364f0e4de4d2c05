/* Numbers as the official types or copies them from MCF: amounts with U+00A0 or U+202F
 * thousands gaps, hours with their own parser (« 7 h » and « 3h30 » accepted, « 7 € »
 * refused), and amounts written back with U+00A0. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <string.h>

#include "harness.h"
#include "difelus/dossier.h"
#include "difelus/text.h"

static void test_euros_as_mcf_shows_them(void **state)
{
    (void)state;
    long c;
    assert_true(text_parse_euros("1\u00a0234,50\u00a0€", &c));
    assert_int_equal(c, 123450);
    assert_true(text_parse_euros("1\u202f234,50\u202f€", &c));
    assert_int_equal(c, 123450);
    assert_true(text_parse_euros("12\u00a0345\u00a0678", &c));
    assert_int_equal(c, 1234567800);
    char buf[64];
    text_format_euros(98765432, buf, sizeof buf);
    assert_true(text_parse_euros(buf, &c));
    assert_int_equal(c, 98765432);
    assert_false(text_parse_euros("1\u00a0234,567", &c));
    assert_false(text_parse_euros("7 h", &c));
}

static void test_hours(void **state)
{
    (void)state;
    static const struct {
        const char *text;
        int hundredths;
    } good[] = {{"7", 700},        {"7 h", 700},     {"7h", 700},        {"3,5 h", 350},
                {"3.5", 350},      {"3h30", 350},    {"3 h 30", 350},    {"10,25 h", 1025},
                {"7\u00a0h", 700}, {"1 200 h", 120000}, {"2 heures", 200}, {"1h05", 108}};
    for (size_t i = 0; i < sizeof good / sizeof good[0]; i++) {
        int h = -1;
        if (!text_parse_hours(good[i].text, &h) || h != good[i].hundredths)
            fail_msg("« %s » : %d au lieu de %d", good[i].text, h, good[i].hundredths);
    }
    static const char *const bad[] = {"7 €", "", "h", "3h75", "3,5h30", "sept", "-2", "7 h 30 €"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        int h;
        if (text_parse_hours(bad[i], &h))
            fail_msg("« %s » accepté", bad[i]);
    }
}

static void test_dossier_hours_field(void **state)
{
    (void)state;
    const char *v[DF_COUNT] = {"Budget communal", "Gestions Locales", "732 829 320 00074",
                               "12/01/2027", "13/01/2027", "1\u00a0200,00\u00a0€", "3h30", "",
                               "mandat", ""};
    struct dossier d = {0};
    int bad = -1;
    char err[256];
    if (!dossier_from_strings(v, &d, &bad, err, sizeof err))
        fail_msg("%s", err);
    assert_int_equal(d.hours_cents, 350);
    assert_int_equal(d.price_cents, 120000);
    v[DF_HOURS] = "7 €";
    assert_false(dossier_from_strings(v, &d, &bad, err, sizeof err));
    assert_int_equal(bad, DF_HOURS);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_euros_as_mcf_shows_them),
        cmocka_unit_test(test_hours),
        cmocka_unit_test(test_dossier_hours_field),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
