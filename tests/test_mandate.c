/* What the official types for a mandate or a balance: each bad field is named. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "harness.h"
#include "difelus/balance.h"
#include "difelus/mandate.h"

static void good(const char *v[MF_COUNT])
{
    v[MF_LEVEL] = "municipal";
    v[MF_COLLECTIVITE] = "Saint-Étienne-du-Rouvray";
    v[MF_FUNCTION] = "Maire adjoint";
    v[MF_START] = "22/03/2026";
    v[MF_END] = "31/03/2032";
    v[MF_SIDE] = "opposition";
    v[MF_INDEMNIFIED] = "oui";
}

static void test_valid_mandate(void **state)
{
    (void)state;
    const char *v[MF_COUNT];
    good(v);
    struct mandate m = {.id = 7};
    int bad = -1;
    char err[256];
    assert_true(mandate_from_strings(v, &m, &bad, err, sizeof err));
    assert_int_equal(m.id, 7);
    assert_int_equal(m.level, MANDATE_MUNICIPAL);
    assert_string_equal(m.collectivite, "Saint-Étienne-du-Rouvray");
    assert_int_equal(m.start.day, 22);
    assert_int_equal(m.end.year, 2032);
    assert_true(m.opposition);
    assert_true(m.indemnified);

    char back[MF_COUNT][4 * MANDATE_TEXT_MAX + 1];
    mandate_to_strings(&m, back);
    for (int i = 0; i < MF_COUNT; i++)
        assert_string_equal(back[i], v[i]);
}

static void test_each_bad_field_is_named(void **state)
{
    (void)state;
    static const struct {
        int field;
        const char *value, *reason;
    } cases[] = {
        {MF_LEVEL, "cantonal", "Choisissez le niveau"},
        {MF_COLLECTIVITE, "   ", "La collectivité est obligatoire"},
        {MF_FUNCTION, "", "La fonction est obligatoire"},
        {MF_START, "31/02/2027", "n'existe pas"},
        {MF_START, "", "Date manquante"},
        {MF_END, "2027-13-01", "le mois"},
        {MF_END, "01/01/2026", "après le début"},
        {MF_SIDE, "neutre", "majorité ou opposition"},
        {MF_INDEMNIFIED, "peut-être", "oui ou non"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        const char *v[MF_COUNT];
        good(v);
        v[cases[i].field] = cases[i].value;
        struct mandate m = {0};
        int bad = -1;
        char err[256] = "";
        assert_false(mandate_from_strings(v, &m, &bad, err, sizeof err));
        assert_int_equal(bad, cases[i].field);
        if (!harness_strstr(err, cases[i].reason))
            fail_msg("champ %d « %s » : « %s »", cases[i].field, cases[i].value, err);
        assert_string_equal(m.collectivite, ""); /* nothing half-filled */
    }
}

static void test_text_limits(void **state)
{
    (void)state;
    const char *v[MF_COUNT];
    good(v);
    char longname[4 * MANDATE_TEXT_MAX];
    memset(longname, 'a', MANDATE_TEXT_MAX + 1);
    longname[MANDATE_TEXT_MAX + 1] = '\0';
    v[MF_COLLECTIVITE] = longname;
    struct mandate m = {0};
    int bad;
    char err[256];
    assert_false(mandate_from_strings(v, &m, &bad, err, sizeof err));
    assert_int_equal(bad, MF_COLLECTIVITE);
    /* 100 accented letters are 100 characters, not 200 bytes. */
    longname[0] = '\0';
    for (int i = 0; i < MANDATE_TEXT_MAX; i++)
        strcat(longname, "é");
    assert_true(mandate_from_strings(v, &m, &bad, err, sizeof err));
    /* Control characters typed or pasted are removed. */
    v[MF_COLLECTIVITE] = "Lyon\033[2J";
    assert_true(mandate_from_strings(v, &m, &bad, err, sizeof err));
    assert_string_equal(m.collectivite, "Lyon[2J");
}

static void test_levels(void **state)
{
    (void)state;
    assert_int_equal(mandate_level_parse("départemental"), MANDATE_DEPARTEMENTAL);
    assert_int_equal(mandate_level_parse("regional"), MANDATE_REGIONAL);
    assert_int_equal(mandate_level_parse("x"), -1);
    assert_string_equal(mandate_level_label(MANDATE_REGIONAL), "régional");
}

static void test_balance(void **state)
{
    (void)state;
    struct date today = {2026, 11, 26}, d;
    long cents;
    int bad = -1;
    char err[256];
    assert_true(balance_from_strings("712,50", "26/11/2026", today, &cents, &d, &bad, err,
                                     sizeof err));
    assert_int_equal(cents, 71250);
    assert_true(balance_from_strings("800", "01/01/2026", today, &cents, &d, &bad, err,
                                     sizeof err));
    assert_false(balance_from_strings("800,01", "26/11/2026", today, &cents, &d, &bad, err,
                                      sizeof err));
    assert_int_equal(bad, BF_AMOUNT);
    assert_non_null(harness_strstr(err, "800,00 €"));
    assert_false(balance_from_strings("beaucoup", "26/11/2026", today, &cents, &d, &bad, err,
                                      sizeof err));
    assert_int_equal(bad, BF_AMOUNT);
    assert_false(balance_from_strings("400", "27/11/2026", today, &cents, &d, &bad, err,
                                      sizeof err));
    assert_int_equal(bad, BF_DATE);
    assert_non_null(harness_strstr(err, "futur"));
    assert_false(balance_from_strings("400", "30/02/2026", today, &cents, &d, &bad, err,
                                      sizeof err));
    assert_int_equal(bad, BF_DATE);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_valid_mandate),
        cmocka_unit_test(test_each_bad_field_is_named),
        cmocka_unit_test(test_text_limits),
        cmocka_unit_test(test_levels),
        cmocka_unit_test(test_balance),
    };
    return cmocka_run_group_tests_name("mandate", tests, NULL, NULL);
}
