#include "difelus/dates.h"
#include "difelus/text.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static const char *const month_names[] = {
    "janvier", "février", "mars", "avril", "mai", "juin",
    "juillet", "août", "septembre", "octobre", "novembre", "décembre",
};

static const char *const weekday_names[] = {
    "lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche",
};

int dates_weekday(struct date d);

static bool is_leap(int y)
{
    return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

int dates_days_in_month(int year, int month)
{
    static const int days[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    if (month < 1 || month > 12)
        return 0;
    return month == 2 && is_leap(year) ? 29 : days[month - 1];
}

bool dates_valid(struct date d)
{
    return d.year >= DATES_YEAR_MIN && d.year <= DATES_YEAR_MAX && d.month >= 1 &&
           d.month <= 12 && d.day >= 1 && d.day <= dates_days_in_month(d.year, d.month);
}

/* Reads exactly `digits` decimal digits; returns the number of characters consumed or 0. */
static int read_number(const char *s, int digits, int *out)
{
    int v = 0;
    for (int i = 0; i < digits; i++) {
        if (!isdigit((unsigned char)s[i]))
            return 0;
        v = v * 10 + (s[i] - '0');
    }
    *out = v;
    return digits;
}

/* Accepts one or two digits for day and month in the French form (1/3/2027 is common). */
static int read_small(const char *s, int *out)
{
    if (!isdigit((unsigned char)s[0]))
        return 0;
    if (isdigit((unsigned char)s[1]))
        return read_number(s, 2, out);
    return read_number(s, 1, out);
}

bool dates_parse(const char *text, struct date *out, char *err, size_t errlen)
{
    char buf[64];
    const char *s = text ? text : "";
    while (*s == ' ' || *s == '\t')
        s++;
    size_t n = strlen(s);
    while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\n'))
        n--;
    if (n == 0) {
        text_msgf(err, errlen, "Date manquante : tapez-la sous la forme JJ/MM/AAAA.");
        return false;
    }
    if (n >= sizeof buf) {
        text_msgf(err, errlen, "Date trop longue : tapez-la sous la forme JJ/MM/AAAA.");
        return false;
    }
    memcpy(buf, s, n);
    buf[n] = '\0';
    /* What was typed, as the messages quote it: a pasted or command-line value may hold
     * control characters or invalid UTF-8, never shown as such. */
    char shown[sizeof buf];
    text_sanitize(shown, sizeof shown, buf);

    struct date d = {0, 0, 0};
    const char *p = buf;
    int k;
    bool ok = false;
    if ((k = read_number(p, 4, &d.year)) && p[k] == '-') {
        p += k + 1;
        if ((k = read_number(p, 2, &d.month)) && p[k] == '-') {
            p += k + 1;
            if ((k = read_number(p, 2, &d.day)) && p[k] == '\0')
                ok = true;
        }
    } else if ((k = read_small(p, &d.day)) && p[k] == '/') {
        p += k + 1;
        if ((k = read_small(p, &d.month)) && p[k] == '/') {
            p += k + 1;
            if ((k = read_number(p, 4, &d.year)) && p[k] == '\0')
                ok = true;
        }
    }
    if (!ok) {
        text_msgf(err, errlen, "« %s » n'est pas une date : tapez-la sous la forme JJ/MM/AAAA "
                              "(par exemple 15/03/2027).", shown);
        return false;
    }
    if (d.year < DATES_YEAR_MIN || d.year > DATES_YEAR_MAX) {
        text_msgf(err, errlen, "« %s » : l'année doit être comprise entre %d et %d.", shown,
                 DATES_YEAR_MIN, DATES_YEAR_MAX);
        return false;
    }
    if (d.month < 1 || d.month > 12) {
        text_msgf(err, errlen, "« %s » : le mois doit être compris entre 01 et 12.", shown);
        return false;
    }
    if (d.day < 1) {
        text_msgf(err, errlen, "« %s » : le jour doit être compris entre 01 et %02d.", shown,
                 dates_days_in_month(d.year, d.month));
        return false;
    }
    if (d.day > dates_days_in_month(d.year, d.month)) {
        text_msgf(err, errlen, "« %s » n'existe pas : %s %d compte %d jours.", shown,
                 month_names[d.month - 1], d.year, dates_days_in_month(d.year, d.month));
        return false;
    }
    *out = d;
    return true;
}

int dates_compare(struct date a, struct date b)
{
    if (a.year != b.year)
        return a.year < b.year ? -1 : 1;
    if (a.month != b.month)
        return a.month < b.month ? -1 : 1;
    if (a.day != b.day)
        return a.day < b.day ? -1 : 1;
    return 0;
}

const char *dates_today_problem(void)
{
    const char *fixed = getenv("DIFELUS_AUJOURDHUI");
    struct date d;
    if (!fixed || !*fixed || dates_parse(fixed, &d, NULL, 0))
        return NULL;
    return "DIFELUS_AUJOURDHUI n'est pas une date (JJ/MM/AAAA ou AAAA-MM-JJ) : la date du "
           "jour de l'ordinateur est utilisée.";
}

struct date dates_today(void)
{
    /* A fixed "today" for tests and demonstrations (documented in the README). */
    const char *fixed = getenv("DIFELUS_AUJOURDHUI");
    struct date d;
    if (fixed && *fixed && dates_parse(fixed, &d, NULL, 0))
        return d;
    time_t now = time(NULL);
    struct tm tm;
    localtime_r(&now, &tm);
    return (struct date){tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday};
}

/* Howard Hinnant's days_from_civil. */
long dates_to_days(struct date d)
{
    long y = d.year - (d.month <= 2);
    long era = (y >= 0 ? y : y - 399) / 400;
    long yoe = y - era * 400;
    long mp = (d.month + 9) % 12;
    long doy = (153 * mp + 2) / 5 + d.day - 1;
    long doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

void dates_format_iso(struct date d, char *buf, size_t len)
{
    snprintf(buf, len, "%04d-%02d-%02d", d.year, d.month, d.day);
}

void dates_format_short(struct date d, char *buf, size_t len)
{
    snprintf(buf, len, "%02d/%02d/%04d", d.day, d.month, d.year);
}

void dates_format_long(struct date d, char *buf, size_t len)
{
    if (!dates_valid(d)) {
        snprintf(buf, len, "date inconnue");
        return;
    }
    /* French writes the first of the month as an ordinal: « 1er décembre ». */
    /* U+00A0 between the words: a long date never breaks across lines (DESIGN §7). */
    snprintf(buf, len, "%s\u00a0%d%s\u00a0%s\u00a0%d", weekday_names[dates_weekday(d)], d.day,
             d.day == 1 ? "er" : "", month_names[d.month - 1], d.year);
}

/* Howard Hinnant's civil_from_days. */
struct date dates_from_days(long z)
{
    z += 719468;
    long era = (z >= 0 ? z : z - 146096) / 146097;
    long doe = z - era * 146097;
    long yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    long y = yoe + era * 400;
    long doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    long mp = (5 * doy + 2) / 153;
    int d = (int)(doy - (153 * mp + 2) / 5 + 1);
    int m = (int)(mp < 10 ? mp + 3 : mp - 9);
    return (struct date){(int)(y + (m <= 2)), m, d};
}

struct date dates_add_days(struct date d, int n)
{
    return dates_from_days(dates_to_days(d) + n);
}

int dates_weekday(struct date d)
{
    long days = dates_to_days(d); /* 1970-01-01 was a Thursday (3) */
    return (int)(((days + 3) % 7 + 7) % 7);
}

struct date dates_easter(int year)
{
    int a = year % 19, b = year / 100, c = year % 100, d = b / 4, e = b % 4;
    int f = (b + 8) / 25, g = (b - f + 1) / 3, h = (19 * a + b - d - g + 15) % 30;
    int i = c / 4, k = c % 4, l = (32 + 2 * e + 2 * i - h - k) % 7;
    int m = (a + 11 * h + 22 * l) / 451;
    int month = (h + l - 7 * m + 114) / 31, day = (h + l - 7 * m + 114) % 31 + 1;
    return (struct date){year, month, day};
}

bool dates_is_holiday(struct date d, const char **name)
{
    static const struct {
        int month, day;
        const char *name;
    } fixed[] = {
        {1, 1, "jour de l'An"},      {5, 1, "fête du Travail"},   {5, 8, "8 Mai 1945"},
        {7, 14, "fête nationale"},   {8, 15, "Assomption"},       {11, 1, "Toussaint"},
        {11, 11, "Armistice"},       {12, 25, "Noël"},
    };
    for (size_t i = 0; i < sizeof fixed / sizeof fixed[0]; i++) {
        if (d.month == fixed[i].month && d.day == fixed[i].day) {
            if (name)
                *name = fixed[i].name;
            return true;
        }
    }
    static const struct {
        int offset;
        const char *name;
    } moving[] = {{1, "lundi de Pâques"}, {39, "Ascension"}, {50, "lundi de Pentecôte"}};
    long easter = dates_to_days(dates_easter(d.year)), day = dates_to_days(d);
    for (size_t i = 0; i < sizeof moving / sizeof moving[0]; i++) {
        if (day == easter + moving[i].offset) {
            if (name)
                *name = moving[i].name;
            return true;
        }
    }
    return false;
}

bool dates_is_working_day(struct date d)
{
    return dates_weekday(d) < 5 && !dates_is_holiday(d, NULL);
}

struct date dates_add_working_days(struct date d, int n)
{
    while (n > 0) {
        d = dates_add_days(d, 1);
        if (dates_is_working_day(d))
            n--;
    }
    return d;
}

int dates_working_days_between(struct date from, struct date to)
{
    int count = 0;
    for (struct date d = dates_add_days(from, 1); dates_compare(d, to) <= 0;
         d = dates_add_days(d, 1))
        count += dates_is_working_day(d);
    return count;
}

struct date dates_working_day_before(struct date d)
{
    do
        d = dates_add_days(d, -1);
    while (!dates_is_working_day(d) && d.year >= DATES_YEAR_MIN);
    return d;
}

bool dates_non_working_reason(struct date d, char *buf, size_t len)
{
    const char *name = NULL;
    if (dates_is_holiday(d, &name))
        snprintf(buf, len, "un jour férié (%s)", name);
    else if (dates_weekday(d) >= 5)
        snprintf(buf, len, "un %s", weekday_names[dates_weekday(d)]);
    else
        return false;
    return true;
}

struct date dates_latest_before(struct date limit, int n)
{
    struct date d = dates_add_days(limit, -1);
    while (dates_compare(dates_add_working_days(d, n), limit) > 0)
        d = dates_add_days(d, -1);
    return d;
}
