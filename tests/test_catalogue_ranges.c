/* One formatter of a result's price and hours range for the command line and the search
 * screen, and one French plural. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <string.h>

#include "difelus/catalogue.h"
#include "difelus/text.h"

static void test_ranges(void **state)
{
    (void)state;
    struct catalogue_hit h;
    memset(&h, 0, sizeof h);
    char buf[128];
    h.price_min = 120000;
    h.price_max = 240000;
    h.hours_min = 1400;
    h.hours_max = 3500;
    catalogue_format_price(&h, buf, sizeof buf);
    assert_string_equal(buf, "1\u00a0200,00\u00a0€ à 2\u00a0400,00\u00a0€");
    catalogue_format_hours(&h, buf, sizeof buf);
    assert_string_equal(buf, "14\u00a0h à 35\u00a0h");
    h.price_min = -1;
    h.price_max = 56000;
    h.hours_min = 0;
    h.hours_max = 350;
    catalogue_format_price(&h, buf, sizeof buf);
    assert_string_equal(buf, "560,00\u00a0€");
    catalogue_format_hours(&h, buf, sizeof buf);
    assert_string_equal(buf, "3,5\u00a0h");
    h.price_min = h.price_max = -1;
    h.hours_min = h.hours_max = 0;
    catalogue_format_price(&h, buf, sizeof buf);
    assert_string_equal(buf, "prix inconnu");
    catalogue_format_hours(&h, buf, sizeof buf);
    assert_string_equal(buf, "durée inconnue");
}

static void test_plural(void **state)
{
    (void)state;
    assert_string_equal(text_plural(0), "");
    assert_string_equal(text_plural(1), "");
    assert_string_equal(text_plural(2), "s");
    assert_string_equal(text_plural(1000), "s");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_ranges),
        cmocka_unit_test(test_plural),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
