/* Never « …. »: a "…" (a value cut by text_clip, or typed) followed by a message's full
 * stop keeps the "…" alone once the message is typeset (text_typeset, text_msgf). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <string.h>

#include "difelus/text.h"

static void test_ellipsis_then_stop(void **state)
{
    (void)state;
    char out[256];
    text_msgf(out, sizeof out, "Mandat enregistré : %s — %s.", "Président",
              "« Rouen Normandie » – l’agglo…");
    assert_string_equal(out, "Mandat enregistré\u00a0: Président — «\u00a0Rouen "
                             "Normandie\u00a0» – l’agglo…");
    char title[64];
    text_clip(title, sizeof title, "Prendre la parole en public : l’art du discours politique",
              40);
    text_msgf(out, sizeof out, "Dossier enregistré : %s.", title);
    assert_null(strstr(out, "…."));
    assert_non_null(strstr(out, "…"));
    assert_int_equal(out[strlen(out) - 1], (char)0xA6); /* ends with the "…" */
}

static void test_typeset_in_place(void **state)
{
    (void)state;
    /* No space to make non-breaking: the "." still goes; every "…." of the text. */
    char s[64] = "un…. deux…. trois… quatre.";
    assert_string_equal(text_typeset(s, sizeof s), "un… deux… trois… quatre.");
    /* Plain dots and a "…" alone are left as they are. */
    char t[64] = "Chargement… etc. ...";
    assert_string_equal(text_typeset(t, sizeof t), "Chargement… etc. ...");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_ellipsis_then_stop),
        cmocka_unit_test(test_typeset_in_place),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
