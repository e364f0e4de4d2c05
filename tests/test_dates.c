/* Dates typed by the official: both forms, every impossible date refused in French. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "difelus/dates.h"

static void test_parse_valid(void **state)
{
    (void)state;
    static const struct {
        const char *text;
        struct date want;
    } cases[] = {
        {"22/03/2026", {2026, 3, 22}}, {"2026-03-22", {2026, 3, 22}},
        {" 1/3/2027 ", {2027, 3, 1}},  {"29/02/2028", {2028, 2, 29}},
        {"31/12/2100", {2100, 12, 31}}, {"01/01/2000", {2000, 1, 1}},
        {"29/02/2000", {2000, 2, 29}},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct date d;
        char err[256] = "";
        assert_true(dates_parse(cases[i].text, &d, err, sizeof err));
        assert_int_equal(d.year, cases[i].want.year);
        assert_int_equal(d.month, cases[i].want.month);
        assert_int_equal(d.day, cases[i].want.day);
    }
}

static void test_parse_refused_with_reason(void **state)
{
    (void)state;
    static const struct {
        const char *text, *reason;
    } cases[] = {
        {"31/02/2027", "février 2027 compte 28 jours"},
        {"29/02/2027", "février 2027 compte 28 jours"},
        {"31/04/2027", "avril 2027 compte 30 jours"},
        {"00/01/2027", "n'existe pas"},
        {"2027-13-01", "le mois doit être compris entre 01 et 12"},
        {"15/00/2027", "le mois"},
        {"01/01/1999", "entre 2000 et 2100"},
        {"01/01/2101", "entre 2000 et 2100"},
        {"", "Date manquante"},
        {"demain", "n'est pas une date"},
        {"12/03/27", "n'est pas une date"},
        {"2027/03/12", "n'est pas une date"},
        {"12-03-2027", "n'est pas une date"},
        {"12/03/2027x", "n'est pas une date"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct date d = {1, 1, 1};
        char err[256] = "";
        assert_false(dates_parse(cases[i].text, &d, err, sizeof err));
        if (!strstr(err, cases[i].reason))
            fail_msg("« %s » : message « %s » sans « %s »", cases[i].text, err, cases[i].reason);
        assert_int_equal(d.year, 1); /* output untouched */
    }
}

static void test_format(void **state)
{
    (void)state;
    char buf[64];
    dates_format_long((struct date){2026, 12, 24}, buf, sizeof buf);
    assert_string_equal(buf, "jeudi 24 décembre 2026");
    dates_format_long((struct date){2027, 1, 8}, buf, sizeof buf);
    assert_string_equal(buf, "vendredi 8 janvier 2027");
    dates_format_long((struct date){2000, 1, 1}, buf, sizeof buf);
    assert_string_equal(buf, "samedi 1 janvier 2000");
    dates_format_short((struct date){2027, 3, 5}, buf, sizeof buf);
    assert_string_equal(buf, "05/03/2027");
    dates_format_iso((struct date){2027, 3, 5}, buf, sizeof buf);
    assert_string_equal(buf, "2027-03-05");
}

static void test_compare_and_days(void **state)
{
    (void)state;
    assert_true(dates_compare((struct date){2026, 12, 31}, (struct date){2027, 1, 1}) < 0);
    assert_true(dates_compare((struct date){2027, 2, 1}, (struct date){2027, 1, 31}) > 0);
    assert_int_equal(dates_compare((struct date){2027, 2, 1}, (struct date){2027, 2, 1}), 0);
    assert_int_equal(dates_to_days((struct date){2027, 1, 1}) -
                         dates_to_days((struct date){2026, 12, 31}), 1);
    assert_int_equal(dates_to_days((struct date){2028, 3, 1}) -
                         dates_to_days((struct date){2028, 2, 28}), 2);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parse_valid),
        cmocka_unit_test(test_parse_refused_with_reason),
        cmocka_unit_test(test_format),
        cmocka_unit_test(test_compare_and_days),
    };
    return cmocka_run_group_tests_name("dates", tests, NULL, NULL);
}
