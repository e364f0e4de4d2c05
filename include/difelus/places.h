/* French départements and régions, embedded, to validate and normalise locations. */
#ifndef DIFELUS_PLACES_H
#define DIFELUS_PLACES_H

#include <stddef.h>

struct departement {
    const char *code;   /* "07", "2A", "971" */
    const char *name;   /* "Ardèche" */
    const char *region; /* "Auvergne-Rhône-Alpes" */
};

/* The département for a code ("7", "07", "2a") or a name written with or without accents,
 * hyphens or case ("Ardeche", "cotes d'armor"); NULL when unknown. */
const struct departement *places_find_departement(const char *text);

/* Every département, *count of them. */
const struct departement *places_departements(size_t *count);

/* Lowercases and removes French diacritics; œ → oe, æ → ae; hyphens, apostrophes and
 * runs of blanks become one space. Writes into out (always NUL-terminated). */
void places_fold(const char *in, char *out, size_t outlen);

#endif
