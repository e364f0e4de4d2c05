/* The DIFE balance the official reads on Mon Compte Formation's "Compte élu" page. */
#ifndef DIFELUS_BALANCE_H
#define DIFELUS_BALANCE_H

#include <stdbool.h>
#include <stddef.h>

#include "difelus/dates.h"

/* DIFE ceiling since 29 March 2023 (arrêté du 27 mars 2023): no balance can exceed it. */
#define BALANCE_CEILING_CENTS 80000L

enum balance_field { BF_AMOUNT, BF_DATE, BF_COUNT };

/* Checks an amount typed in euros and the day it was read (JJ/MM/AAAA, not after today).
 * On error returns false, sets *bad_field and writes a French message into err. */
bool balance_from_strings(const char *amount, const char *day, struct date today,
                          long *cents, struct date *observed, int *bad_field, char *err,
                          size_t errlen);

#endif
