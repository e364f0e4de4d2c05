/* Export of the pending deadlines and session dates as an iCalendar file (RFC 5545). */
#ifndef DIFELUS_CALENDAR_H
#define DIFELUS_CALENDAR_H

#include <stddef.h>

#include "difelus/status.h"

/* The calendar as text (malloc'ed): one all-day event per pending deadline and per session
 * start and end of the open dossiers, each with a reminder the day before. *count receives
 * the number of events. NULL when out of memory. */
char *calendar_to_ics(const struct status *s, size_t *count);

/* Writes calendar_to_ics() to path (through a temporary file, so a failure leaves the old
 * file whole). Returns 0, or -1 with a French message. */
int calendar_write(const struct status *s, const char *path, size_t *count, char *err,
                   size_t errlen);

#endif
