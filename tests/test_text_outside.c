/* Outside text on its way to the screen: the one sanitizer strips every control, visible
 * or not (bidirectional overrides reverse what follows them), and text_clip cuts at a
 * word or a character, never inside one. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <string.h>

#include "difelus/syserr.h"
#include "difelus/text.h"

#include <errno.h>

/* Valid UTF-8 throughout (a cut inside a character leaves a lone lead byte). */
static bool valid_utf8(const char *s)
{
    const unsigned char *p = (const unsigned char *)s;
    while (*p) {
        int n = *p < 0x80 ? 1 : (*p & 0xE0) == 0xC0 ? 2 : (*p & 0xF0) == 0xE0 ? 3
                : (*p & 0xF8) == 0xF0                ? 4
                                                     : 0;
        if (n == 0)
            return false;
        for (int i = 1; i < n; i++)
            if ((p[i] & 0xC0) != 0x80)
                return false;
        p += n;
    }
    return true;
}

static void test_sanitize_strips_invisible_controls(void **state)
{
    (void)state;
    static const char *const invisible[] = {
        "\xe2\x80\xae", /* U+202E right-to-left override */
        "\xe2\x80\xab", /* U+202B right-to-left embedding */
        "\xe2\x80\x8b", /* U+200B zero width space */
        "\xe2\x80\x8c", "\xe2\x80\x8d", "\xe2\x80\x8e", "\xe2\x80\x8f",
        "\xe2\x81\xa6", "\xe2\x81\xa7", "\xe2\x81\xa8", "\xe2\x81\xa9", /* U+2066–U+2069 */
        "\xef\xbb\xbf", /* U+FEFF */
        "\xd8\x9c",     /* U+061C Arabic letter mark */
        "\xc2\xad",     /* soft hyphen */
        "\xe2\x81\xa0", /* U+2060 word joiner */
        "\xf3\xa0\x80\x81", /* U+E0001 language tag */
        "\xc2\x9b",     /* C1 CSI */
        "\x1b",
    };
    for (size_t i = 0; i < sizeof invisible / sizeof *invisible; i++) {
        char src[64], out[64];
        snprintf(src, sizeof src, "Budget %selbadne", invisible[i]);
        assert_string_equal(text_sanitize(out, sizeof out, src), "Budget elbadne");
        assert_false(text_is_clean(src));
    }
    char out[128];
    /* Line and paragraph separators end a line, like \n: a space, not glued words. */
    assert_string_equal(text_sanitize(out, sizeof out, "Finances\xe2\x80\xa8locales\xe2\x80\xa9"
                                                       "2027"),
                        "Finances locales 2027");
    /* What is visible stays: accents, dashes, guillemets, narrow no-break space, emoji. */
    const char *visible = "« Côte‑d’Or » — 3,5\xe2\x80\xafh 📅 漢字";
    assert_string_equal(text_sanitize(out, sizeof out, visible), visible);
    assert_true(text_is_clean(visible));
}

static void test_clip_at_word_never_inside_character(void **state)
{
    (void)state;
    char out[256];
    /* Short text is untouched (sanitized only). */
    assert_string_equal(text_clip(out, sizeof out, "Maire adjointe", 40), "Maire adjointe");
    assert_string_equal(text_clip(out, sizeof out, "Maire\xe2\x80\xae adjointe", 40),
                        "Maire adjointe");
    /* Cut at a word, with an ellipsis, within the columns. */
    const char *function = "Adjointe chargée de l’éducation et de la petite enfance";
    text_clip(out, sizeof out, function, 40);
    assert_string_equal(out, "Adjointe chargée de l’éducation et de…");
    assert_true(text_width(out) <= 40);
    /* Every width, every byte budget: valid UTF-8, within the columns. */
    const char *titles[] = {function, "Élaboration du budget communal : méthode", "漢字漢字漢字漢字",
                            "Éééééééééééééééééééé"};
    for (size_t i = 0; i < sizeof titles / sizeof *titles; i++) {
        for (int cols = 1; cols <= 45; cols++) {
            text_clip(out, sizeof out, titles[i], cols);
            assert_true(valid_utf8(out));
            assert_true(text_width(out) <= cols);
        }
        for (size_t bytes = 1; bytes <= 48; bytes++) {
            char small[48];
            text_clip(small, bytes, titles[i], 40);
            assert_true(valid_utf8(small));
            assert_true(strlen(small) < bytes);
        }
    }
    /* A word longer than the room is cut at a character. */
    text_clip(out, sizeof out, "Intercommunalité", 8);
    assert_string_equal(out, "Interco…");
}

static void test_system_errors_french(void **state)
{
    (void)state;
    assert_string_equal(syserr_text(ENOENT), "fichier ou dossier introuvable");
    assert_string_equal(syserr_text(EACCES), "permission refusée");
    assert_string_equal(syserr_text(ENOSPC), "le disque est plein");
    assert_string_equal(syserr_text(EROFS), "le disque est en lecture seule");
    assert_string_equal(syserr_text(12345), "erreur système n° 12345");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sanitize_strips_invisible_controls),
        cmocka_unit_test(test_clip_at_word_never_inside_character),
        cmocka_unit_test(test_system_errors_french),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
