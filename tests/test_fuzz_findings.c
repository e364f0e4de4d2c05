/* What `make fuzz` found in the parsers of typed text, each checked on what the official
 * reads: a message cut to its buffer never ends inside a character, and a refused date,
 * price or hours value quotes what was typed without its control characters or invalid
 * UTF-8 (a paste, a command-line argument). The inputs themselves are kept in
 * tests/fuzz-corpus/ (finding-…) and replayed too. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <string.h>

#include "difelus/dates.h"
#include "difelus/dossier.h"
#include "difelus/text.h"

static void test_message_cut_between_characters(void **state)
{
    (void)state;
    /* « is two bytes: a two-byte buffer holds none of it, not its first byte. */
    char small[2];
    text_msgf(small, sizeof small, "« %s »", "1999-12-31");
    assert_string_equal(small, "");
    char mid[8];
    text_msgf(mid, sizeof mid, "Été été");
    assert_true(text_is_clean(mid));
    assert_string_equal(mid, "Été "); /* É and é are two bytes each: "Été é" would be 7 */
    struct date d;
    char err[3];
    assert_false(dates_parse("demain", &d, err, sizeof err));
    assert_true(text_is_clean(err));
}

static void test_refused_date_quoted_clean(void **state)
{
    (void)state;
    struct date d;
    char err[256];
    assert_false(dates_parse("`29\xd1\xcb\xcd\xdf", &d, err, sizeof err));
    assert_true(text_is_clean(err));
    assert_non_null(strstr(err, "n'est pas une date"));
    assert_false(dates_parse("15/03\x1b[2J/2027", &d, err, sizeof err));
    assert_true(text_is_clean(err));
    assert_null(strchr(err, '\x1b'));
    assert_non_null(strstr(err, "15/03[2J/2027"));
}

static void test_refused_price_and_hours_quoted_clean(void **state)
{
    (void)state;
    const char *values[DF_COUNT] = {"Prendre la parole", "", "", "", "", "12\xff\x07 €",
                                    "35\xc3", "", "mandat", "", ""};
    char errors[DF_COUNT][256];
    struct dossier dossier;
    memset(&dossier, 0, sizeof dossier);
    assert_int_equal(dossier_check_strings(values, &dossier, (struct date){2026, 11, 27}, errors),
                     2);
    assert_true(text_is_clean(errors[DF_PRICE]));
    assert_non_null(strstr(errors[DF_PRICE], "\u00a012? €\u00a0»"));
    assert_true(text_is_clean(errors[DF_HOURS]));
    assert_non_null(strstr(errors[DF_HOURS], "\u00a035?\u00a0»"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_message_cut_between_characters),
        cmocka_unit_test(test_refused_date_quoted_clean),
        cmocka_unit_test(test_refused_price_and_hours_quoted_clean),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
