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
 * hyphens, case or article ("Ardeche", "cotes d'armor", "reunion"); NULL when unknown. */
const struct departement *places_find_departement(const char *text);

/* The départements the official may mean by text: the one places_find_departement finds,
 * else those whose name or one of its words starts with it ("ard" → Ardèche, Ardennes).
 * Writes at most max into out; returns how many match (may exceed max). */
size_t places_match_departements(const char *text, const struct departement **out, size_t max);

/* Every département, *count of them. */
const struct departement *places_departements(size_t *count);

/* Lowercases and removes French diacritics; œ → oe, æ → ae; hyphens, apostrophes and
 * runs of blanks become one space. Writes into out (always NUL-terminated). */
void places_fold(const char *in, char *out, size_t outlen);

#endif
