/* Dates typed by the official: both forms, every impossible date refused in French. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "harness.h"
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
        {"00/01/2027", "le jour doit être compris entre 01 et 31"},
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
        if (!harness_strstr(err, cases[i].reason))
            fail_msg("« %s » : message « %s » sans « %s »", cases[i].text, err, cases[i].reason);
        assert_int_equal(d.year, 1); /* output untouched */
    }
}

static void test_format(void **state)
{
    (void)state;
    char buf[64];
    dates_format_long((struct date){2026, 12, 24}, buf, sizeof buf);
    assert_string_equal(buf, "jeudi\u00a024\u00a0décembre\u00a02026");
    dates_format_long((struct date){2027, 1, 8}, buf, sizeof buf);
    assert_string_equal(buf, "vendredi\u00a08\u00a0janvier\u00a02027");
    dates_format_long((struct date){2000, 1, 1}, buf, sizeof buf);
    assert_string_equal(buf, "samedi\u00a01er\u00a0janvier\u00a02000");
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

static struct date D(int y, int m, int d)
{
    return (struct date){y, m, d};
}

static void test_easter_and_holidays_2024_2035(void **state)
{
    (void)state;
    /* Easter Sundays from the published tables. */
    static const struct date easter[] = {
        {2024, 3, 31}, {2025, 4, 20}, {2026, 4, 5},  {2027, 3, 28}, {2028, 4, 16}, {2029, 4, 1},
        {2030, 4, 21}, {2031, 4, 13}, {2032, 3, 28}, {2033, 4, 17}, {2034, 4, 9},  {2035, 3, 25},
    };
    for (size_t i = 0; i < sizeof easter / sizeof easter[0]; i++) {
        struct date e = dates_easter(easter[i].year);
        assert_int_equal(dates_compare(e, easter[i]), 0);
        const char *name = NULL;
        assert_false(dates_is_holiday(e, NULL)); /* a Sunday, not a listed holiday */
        assert_true(dates_is_holiday(dates_add_days(e, 1), &name));
        assert_string_equal(name, "lundi de Pâques");
        assert_int_equal(dates_weekday(dates_add_days(e, 1)), 0);
        assert_true(dates_is_holiday(dates_add_days(e, 39), &name));
        assert_string_equal(name, "Ascension");
        assert_int_equal(dates_weekday(dates_add_days(e, 39)), 3); /* a Thursday */
        assert_true(dates_is_holiday(dates_add_days(e, 50), &name));
        assert_string_equal(name, "lundi de Pentecôte");
        assert_false(dates_is_holiday(dates_add_days(e, 2), NULL));
        assert_false(dates_is_holiday(dates_add_days(e, -2), NULL)); /* Good Friday: no */
        static const int fixed[][2] = {{1, 1}, {5, 1}, {5, 8}, {7, 14},
                                       {8, 15}, {11, 1}, {11, 11}, {12, 25}};
        int count = 0;
        for (size_t k = 0; k < 8; k++)
            count += dates_is_holiday(D(easter[i].year, fixed[k][0], fixed[k][1]), NULL);
        assert_int_equal(count, 8);
        /* Exactly eleven holidays in the year. */
        int all = 0;
        for (struct date d = D(easter[i].year, 1, 1); d.year == easter[i].year;
             d = dates_add_days(d, 1))
            all += dates_is_holiday(d, NULL);
        assert_int_equal(all, 11);
    }
    assert_false(dates_is_holiday(D(2026, 12, 26), NULL));
}

static void test_working_days(void **state)
{
    (void)state;
    static const struct {
        struct date from;
        int n;
        struct date want;
        const char *why;
    } cases[] = {
        {{2026, 12, 22}, 2, {2026, 12, 24}, "DESIGN example: reply by"},
        {{2026, 12, 22}, 11, {2027, 1, 8}, "DESIGN example: 25 Dec and 1 Jan skipped"},
        {{2026, 12, 23}, 2, {2026, 12, 28}, "Christmas Friday, then weekend"},
        {{2027, 12, 30}, 1, {2027, 12, 31}, "year end, Friday"},
        {{2027, 12, 31}, 1, {2028, 1, 3}, "New Year on a Saturday"},
        {{2027, 3, 26}, 1, {2027, 3, 30}, "Friday before Easter Monday"},
        {{2027, 3, 28}, 4, {2027, 4, 2}, "from Easter Sunday"},
        {{2026, 4, 30}, 1, {2026, 5, 4}, "1 May on a Friday"},
        {{2027, 4, 30}, 4, {2027, 5, 7}, "1 May Saturday, 8 May Saturday"},
        {{2029, 4, 30}, 2, {2029, 5, 3}, "1 May Tuesday"},
        {{2026, 5, 7}, 1, {2026, 5, 11}, "8 May on a Friday"},
        {{2026, 5, 13}, 1, {2026, 5, 15}, "Ascension 14 May 2026"},
        {{2026, 5, 22}, 1, {2026, 5, 26}, "Whit Monday 25 May 2026"},
        {{2026, 7, 13}, 1, {2026, 7, 15}, "14 July on a Tuesday"},
        {{2029, 8, 14}, 1, {2029, 8, 16}, "15 August on a Wednesday"},
        {{2026, 10, 30}, 1, {2026, 11, 2}, "1 November on a Sunday"},
        {{2027, 10, 29}, 1, {2027, 11, 2}, "1 November on a Monday"},
        {{2027, 11, 10}, 1, {2027, 11, 12}, "11 November on a Thursday"},
        {{2026, 12, 19}, 0, {2026, 12, 19}, "zero days"},
        {{2026, 12, 19}, 1, {2026, 12, 21}, "from a Saturday"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct date got = dates_add_working_days(cases[i].from, cases[i].n);
        if (dates_compare(got, cases[i].want) != 0)
            fail_msg("%s : %04d-%02d-%02d au lieu de %04d-%02d-%02d", cases[i].why, got.year,
                     got.month, got.day, cases[i].want.year, cases[i].want.month,
                     cases[i].want.day);
        if (cases[i].n > 0) {
            assert_int_equal(dates_working_days_between(cases[i].from, cases[i].want), cases[i].n);
            /* the latest request date for a start on `want` is `from` or a later non-working day */
            struct date latest = dates_latest_before(cases[i].want, cases[i].n);
            assert_true(dates_compare(latest, cases[i].from) >= 0);
            assert_int_equal(dates_compare(dates_add_working_days(latest, cases[i].n),
                                           cases[i].want), 0);
        }
    }
    assert_int_equal(dates_working_days_between(D(2026, 12, 24), D(2026, 12, 22)), 0);
    assert_true(dates_is_working_day(D(2026, 12, 24)));
    assert_false(dates_is_working_day(D(2026, 12, 26)));
}

static void test_day_arithmetic(void **state)
{
    (void)state;
    for (long day = dates_to_days(D(2000, 1, 1)); day < dates_to_days(D(2101, 1, 1)); day += 37) {
        struct date d = dates_from_days(day);
        assert_true(dates_valid(d));
        assert_int_equal(dates_to_days(d), day);
    }
    assert_int_equal(dates_compare(dates_add_days(D(2028, 2, 28), 1), D(2028, 2, 29)), 0);
    assert_int_equal(dates_compare(dates_add_days(D(2027, 1, 1), -1), D(2026, 12, 31)), 0);
    assert_int_equal(dates_weekday(D(2026, 11, 26)), 3);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parse_valid),
        cmocka_unit_test(test_parse_refused_with_reason),
        cmocka_unit_test(test_format),
        cmocka_unit_test(test_compare_and_days),
        cmocka_unit_test(test_easter_and_holidays_2024_2035),
        cmocka_unit_test(test_working_days),
        cmocka_unit_test(test_day_arithmetic),
    };
    return cmocka_run_group_tests_name("dates", tests, NULL, NULL);
}
