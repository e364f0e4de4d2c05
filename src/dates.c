#include "difelus/dates.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

static const char *const month_names[] = {
    "janvier", "février", "mars", "avril", "mai", "juin",
    "juillet", "août", "septembre", "octobre", "novembre", "décembre",
};

static const char *const weekday_names[] = {
    "jeudi", "vendredi", "samedi", "dimanche", "lundi", "mardi", "mercredi",
};

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
        snprintf(err, errlen, "Date manquante : tapez-la sous la forme JJ/MM/AAAA.");
        return false;
    }
    if (n >= sizeof buf) {
        snprintf(err, errlen, "Date trop longue : tapez-la sous la forme JJ/MM/AAAA.");
        return false;
    }
    memcpy(buf, s, n);
    buf[n] = '\0';

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
        snprintf(err, errlen, "« %s » n'est pas une date : tapez-la sous la forme JJ/MM/AAAA "
                              "(par exemple 15/03/2027).", buf);
        return false;
    }
    if (d.year < DATES_YEAR_MIN || d.year > DATES_YEAR_MAX) {
        snprintf(err, errlen, "« %s » : l'année doit être comprise entre %d et %d.", buf,
                 DATES_YEAR_MIN, DATES_YEAR_MAX);
        return false;
    }
    if (d.month < 1 || d.month > 12) {
        snprintf(err, errlen, "« %s » : le mois doit être compris entre 01 et 12.", buf);
        return false;
    }
    if (d.day < 1 || d.day > dates_days_in_month(d.year, d.month)) {
        snprintf(err, errlen, "« %s » n'existe pas : %s %d compte %d jours.", buf,
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

struct date dates_today(void)
{
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
    long days = dates_to_days(d); /* 1970-01-01 was a Thursday */
    int wd = (int)(((days % 7) + 7) % 7);
    snprintf(buf, len, "%s %d %s %d", weekday_names[wd], d.day, month_names[d.month - 1],
             d.year);
}
