/* Wrapping and cutting lines for the screens: French typography kept together, wrapping
 * that always ends, cuts at a word. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "difelus/text.h"

/* The lines of s wrapped at cols, joined by '|' (at most 64 lines). */
static const char *wrapped(const char *s, int cols)
{
    static char out[4096];
    size_t o = 0;
    const char *p = s;
    for (int i = 0; i < 64 && *p; i++) {
        const char *next;
        size_t len = text_wrap_line(p, cols, &next);
        if (next == p)
            fail_msg("la ligne %d ne progresse pas dans « %s »", i, p);
        if (o)
            out[o++] = '|';
        memcpy(out + o, p, len);
        o += len;
        p = next;
    }
    out[o] = '\0';
    return out;
}

/* A wide character in one column (a mandate named « 漢字 » in a 3-column window) used to
 * make text_wrap_count loop forever. */
static void test_wide_character_in_one_column(void **state)
{
    (void)state;
    const char *next;
    const char *s = "漢字";
    size_t len = text_wrap_line(s, 1, &next);
    assert_int_equal(len, strlen("漢"));
    assert_string_equal(next, "字");
    assert_string_equal(wrapped("漢字 élu", 1), "漢|字|é|l|u");
    assert_int_equal(text_wrap_count("漢字", 1), 2);
    assert_int_equal(text_wrap_count("Mandat « 漢字 »", 1), 10);
    assert_int_equal(text_wrap_count("漢字", 0), 2);
}

/* A line never starts with : ; ! ? » € nor ends with «, with ordinary or non-breaking
 * spaces; a non-breaking space is never a break. */
static void test_french_punctuation_stays_with_its_word(void **state)
{
    (void)state;
    assert_string_equal(wrapped("le rôle du maire : En cours", 17), "le rôle du|maire : En cours");
    assert_string_equal(wrapped("Le prix est de 1 240,00 € pour 3 jours", 24),
                        "Le prix est de 1|240,00 € pour 3 jours");
    assert_string_equal(wrapped("Solde 240,00 € estimé", 13), "Solde|240,00 €|estimé");
    assert_string_equal(wrapped("Cliquez sur « Créer mon dossier »", 14),
                        "Cliquez sur|« Créer mon|dossier »");
    assert_string_equal(wrapped("Il faut confirmer ! Urgent ?", 17),
                        "Il faut|confirmer !|Urgent ?");
    /* Non-breaking spaces (U+00A0) glue too. */
    assert_string_equal(wrapped("jeudi 24\u00a0décembre\u00a02026", 18),
                        "jeudi|24\u00a0décembre\u00a02026");
}

static void test_cut_at_word(void **state)
{
    (void)state;
    const char *s = "Communauté d’agglomération du Grand Saint-Étienne-du-Rouvray – Métropole";
    assert_int_equal(text_cut_at_word(s, 200), strlen(s));
    assert_int_equal(text_cut_at_word(s, 30), strlen("Communauté d’agglomération du"));
    assert_int_equal(text_cut_at_word("Saint-Étienne-du-Rouvray", 8), strlen("Saint-Ét"));
    /* Never before a glued mark: "800,00 €" stays whole or goes. */
    assert_int_equal(text_cut_at_word("Solde 800,00 € environ", 13), strlen("Solde"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_wide_character_in_one_column),
        cmocka_unit_test(test_french_punctuation_stays_with_its_word),
        cmocka_unit_test(test_cut_at_word),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
