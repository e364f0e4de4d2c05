/* Calendar dates as the official types and reads them (JJ/MM/AAAA). */
#ifndef DIFELUS_DATES_H
#define DIFELUS_DATES_H

#include <stdbool.h>
#include <stddef.h>

#define DATES_YEAR_MIN 2000
#define DATES_YEAR_MAX 2100

struct date {
    int year, month, day;
};

/* Parses "JJ/MM/AAAA" or "AAAA-MM-JJ" (surrounding blanks allowed). On failure returns
 * false and writes a French message naming the value into err. */
bool dates_parse(const char *text, struct date *out, char *err, size_t errlen);

/* True when the date exists in the calendar and its year is within the supported range. */
bool dates_valid(struct date d);

/* Number of days in a month of a year (1-12). */
int dates_days_in_month(int year, int month);

/* <0, 0, >0 like strcmp. */
int dates_compare(struct date a, struct date b);

/* Today in local time. */
/* A French warning when DIFELUS_AUJOURDHUI is set but is not a date (dates_today then
 * uses the computer's date), else NULL: said once on stderr at start. */
const char *dates_today_problem(void);
struct date dates_today(void);

/* "AAAA-MM-JJ" into buf (at least 11 bytes). */
void dates_format_iso(struct date d, char *buf, size_t len);

/* "JJ/MM/AAAA" into buf (at least 11 bytes). */
void dates_format_short(struct date d, char *buf, size_t len);

/* "jeudi 24 décembre 2026" into buf. */
void dates_format_long(struct date d, char *buf, size_t len);

/* Days since 1970-01-01 (proleptic Gregorian), for differences between dates. */
long dates_to_days(struct date d);
/* The inverse of dates_to_days. */
struct date dates_from_days(long days);
/* d plus n calendar days (n may be negative). */
struct date dates_add_days(struct date d, int n);
/* 0 = Monday … 6 = Sunday. */
int dates_weekday(struct date d);

/* Easter Sunday of a Gregorian year (anonymous Gregorian algorithm). */
struct date dates_easter(int year);
/* True for a French public holiday (1 Jan, Easter Monday, 1 and 8 May, Ascension, Whit
 * Monday, 14 Jul, 15 Aug, 1 and 11 Nov, 25 Dec); *name gets its name when not NULL. */
bool dates_is_holiday(struct date d, const char **name);
/* Monday to Friday, except public holidays (MCF: "hors samedi, dimanche et jours fériés"). */
bool dates_is_working_day(struct date d);
/* "n jours ouvrés after d": the n-th jour ouvré strictly after d (n >= 0; n = 0 gives d). */
struct date dates_add_working_days(struct date d, int n);
/* Jours ouvrés in (from, to]: how many are left from `from` until `to` included; 0 when
 * to <= from. */
int dates_working_days_between(struct date from, struct date to);
/* The last jour ouvré strictly before d. */
struct date dates_working_day_before(struct date d);
/* When d is not a jour ouvré, writes why ("un dimanche", "un jour férié (Noël)") and returns
 * true; false for a jour ouvré. */
bool dates_non_working_reason(struct date d, char *buf, size_t len);
/* The last day d such that dates_add_working_days(d, n) <= limit. */
struct date dates_latest_before(struct date limit, int n);

#endif
