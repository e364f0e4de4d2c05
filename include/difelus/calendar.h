/* Export of the pending deadlines and session dates as an iCalendar file (RFC 5545). */
#ifndef DIFELUS_CALENDAR_H
#define DIFELUS_CALENDAR_H

#include <stddef.h>

#include "difelus/status.h"
#include "difelus/store.h"

/* The calendar as text (malloc'ed): one all-day event per pending deadline and per session
 * start and end of the open dossiers, each with a reminder the day before; and, with the
 * same UID and STATUS:CANCELLED, each deadline that the dossier's history set before and
 * that is no longer pending, so that calendar programs drop it. UIDs carry a random id made
 * once per database (store_database_id). Lines end in CRLF and are folded at 75 octets, never
 * inside a UTF-8 character. *pending and *cancelled receive the counts. NULL with a French
 * message on failure. */
char *calendar_to_ics(store *st, const struct status *s, size_t *pending, size_t *cancelled,
                      char *err, size_t errlen);

/* Writes calendar_to_ics() to path (through a temporary file, so a failure leaves the old
 * file whole). Returns 0, or -1 with a French message. */
int calendar_write(store *st, const struct status *s, const char *path, size_t *pending,
                   size_t *cancelled, char *err, size_t errlen);

#endif
