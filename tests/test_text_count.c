/* Counts shown to the official are typeset the French way: « 3 000 formations », the
 * thousands apart with a narrow no-break space (U+202F) that never wraps. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "difelus/text.h"

static void test_count_groups_thousands(void **state)
{
    (void)state;
    char buf[32];
    assert_string_equal(text_format_count(0, buf, sizeof buf), "0");
    assert_string_equal(text_format_count(7, buf, sizeof buf), "7");
    assert_string_equal(text_format_count(999, buf, sizeof buf), "999");
    assert_string_equal(text_format_count(1000, buf, sizeof buf), "1\u202f000");
    assert_string_equal(text_format_count(3000, buf, sizeof buf), "3\u202f000");
    assert_string_equal(text_format_count(45678, buf, sizeof buf), "45\u202f678");
    assert_string_equal(text_format_count(1234567, buf, sizeof buf), "1\u202f234\u202f567");
    /* cut to the buffer, never overflowing it */
    char small[4];
    text_format_count(123456, small, sizeof small);
    assert_int_equal(strlen(small), 3);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_count_groups_thousands),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
