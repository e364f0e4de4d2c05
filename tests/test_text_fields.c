/* The dossier and mandate forms count a text's length in characters, as the store does
 * and as the message says (a CJK or accented title is not refused for its columns or
 * bytes), with one function and one message. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <string.h>

#include "harness.h"
#include "difelus/dossier.h"
#include "difelus/mandate.h"
#include "difelus/text.h"

static void repeat(char *buf, size_t len, const char *unit, int n)
{
    buf[0] = '\0';
    for (int i = 0; i < n && strlen(buf) + strlen(unit) < len; i++)
        strcat(buf, unit);
}

static void test_dossier_title_in_characters(void **state)
{
    (void)state;
    static char title[2048];
    repeat(title, sizeof title, "\xe6\x97\xa5", 150); /* 150 characters, 300 columns */
    const char *v[DF_COUNT] = {title, "Gestions Locales", "732 829 320 00074", "12/01/2027",
                               "13/01/2027", "350", "10,5", "", "mandat", ""};
    struct dossier d = {0};
    int bad = -1;
    char err[256];
    if (!dossier_from_strings(v, &d, &bad, err, sizeof err))
        fail_msg("%s", err);
    assert_string_equal(d.title, title);
    repeat(title, sizeof title, "é", 201);
    assert_false(dossier_from_strings(v, &d, &bad, err, sizeof err));
    assert_int_equal(bad, DF_TITLE);
    assert_non_null(harness_strstr(err, "L'intitulé de la formation : 200 caractères au plus "
                                        "(il y en a 201)."));
}

static void test_mandate_in_characters(void **state)
{
    (void)state;
    static char coll[1024];
    repeat(coll, sizeof coll, "\xe6\x97\xa5", 60); /* 60 characters, 120 columns */
    const char *v[MF_COUNT] = {0};
    v[MF_LEVEL] = "municipal";
    v[MF_COLLECTIVITE] = coll;
    v[MF_FUNCTION] = "Maire adjointe";
    v[MF_START] = "22/03/2026";
    v[MF_END] = "31/03/2032";
    v[MF_SIDE] = "opposition";
    v[MF_INDEMNIFIED] = "oui";
    struct mandate m = {0};
    int bad = -1;
    char err[256];
    if (!mandate_from_strings(v, &m, &bad, err, sizeof err))
        fail_msg("%s", err);
    repeat(coll, sizeof coll, "é", 101);
    assert_false(mandate_from_strings(v, &m, &bad, err, sizeof err));
    assert_int_equal(bad, MF_COLLECTIVITE);
    assert_non_null(harness_strstr(err, "La collectivité : 100 caractères au plus (il y en a "
                                        "101)."));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_dossier_title_in_characters),
        cmocka_unit_test(test_mandate_in_characters),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
