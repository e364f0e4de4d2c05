/* An elected mandate and the checks applied to what the official types for it. */
#ifndef DIFELUS_MANDATE_H
#define DIFELUS_MANDATE_H

#include <stdbool.h>
#include <stddef.h>

#include "difelus/dates.h"

enum mandate_level {
    MANDATE_MUNICIPAL,
    MANDATE_COMMUNAUTAIRE,
    MANDATE_DEPARTEMENTAL,
    MANDATE_REGIONAL,
    MANDATE_OTHER,
    MANDATE_LEVEL_COUNT
};

#define MANDATE_TEXT_MAX 100 /* characters of collectivité and function */

struct mandate {
    long long id; /* 0 until saved */
    enum mandate_level level;
    char collectivite[4 * MANDATE_TEXT_MAX + 1];
    char function[4 * MANDATE_TEXT_MAX + 1];
    struct date start, end;
    bool opposition;
    bool indemnified;
};

/* Fields of the mandate form, in order; the form and the validation share them. */
enum mandate_field {
    MF_LEVEL,
    MF_COLLECTIVITE,
    MF_FUNCTION,
    MF_START,
    MF_END,
    MF_SIDE,
    MF_INDEMNIFIED,
    MF_COUNT
};

/* "municipal", "communautaire", "départemental", "régional", "autre". */
const char *mandate_level_label(enum mandate_level level);

/* Parses a level label (as above, accents optional); returns -1 if unknown. */
int mandate_level_parse(const char *label);

/* Checks the form's strings (one per enum mandate_field: level label, texts, dates
 * JJ/MM/AAAA, "majorité"/"opposition", "oui"/"non") and fills *out (id untouched).
 * On error returns false, sets *bad_field and writes a French message into err. */
bool mandate_from_strings(const char *const values[MF_COUNT], struct mandate *out,
                          int *bad_field, char *err, size_t errlen);
/* The same checks, every field at once: errors[i] gets the message of field i ("" when
 * right). Returns how many fields are wrong; *out is filled only when none is. */
int mandate_check_strings(const char *const values[MF_COUNT], struct mandate *out,
                          char errors[MF_COUNT][256]);

/* The form's strings for an existing mandate, one buffer per field. */
void mandate_to_strings(const struct mandate *m, char values[MF_COUNT][4 * MANDATE_TEXT_MAX + 1]);

#endif
