/* The line mode (`difelus --lignes`, and TERM=dumb): the guide, mandates, dossiers and
 * deadlines as a plain line-by-line dialogue with numbered choices, for screen readers and
 * braille displays (as the Debian installer's text frontend). No curses: it reads lines
 * and prints lines, so it works over pipes; the same core and database as the wizard. */
#ifndef DIFELUS_LINES_H
#define DIFELUS_LINES_H

#include <stdio.h>

#include "difelus/dates.h"
#include "difelus/store.h"

/* Columns of output when COLUMNS says nothing more: what a braille display shows. */
#define LINES_WIDTH_MIN 40
#define LINES_WIDTH_MAX 80

/* The width to wrap at: COLUMNS when it is between LINES_WIDTH_MIN and LINES_WIDTH_MAX,
 * the nearest bound otherwise (LINES_WIDTH_MIN when unset or not a number). */
int lines_width(const char *columns);

/* Runs the dialogue on `in` and `out` until the official quits or the input ends (what
 * was done is saved as it is done). Starts where ui_state says (the step of the wizard)
 * and keeps it up to date. Returns the exit status; a French message in err on failure. */
int lines_run(store *st, FILE *in, FILE *out, struct date today, char *err, size_t errlen);

#endif
