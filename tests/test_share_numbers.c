/* Proposal numbers (docs/share-protocol.md §5), parsed by one function on both sides
 * (review finding 19): the official's wizard and difelus-partage agree on what is a
 * number, so a proposal the one keeps is never answered under another number. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <string.h>

#include "difelus/share_link.h"

static bool split(const char *payload, size_t len, unsigned long long *n, size_t *clen,
                  const char **cs)
{
    const void *c = NULL;
    bool ok = share_proposal_split(payload, len, n, &c, clen);
    *cs = c;
    return ok;
}

static void test_well_formed(void **state)
{
    (void)state;
    unsigned long long n = 0;
    size_t clen = 99;
    const char *cs = NULL;
    const char p[] = "42\nT\x01\x02";
    assert_true(split(p, sizeof p - 1, &n, &clen, &cs));
    assert_true(n == 42);
    assert_ptr_equal(cs, p + 3);
    assert_int_equal(clen, 3);
    /* The changeset may be empty here: what it holds is the store's business. */
    assert_true(split("7\n", 2, &n, &clen, &cs));
    assert_true(n == 7);
    assert_int_equal(clen, 0);
    assert_true(split("9223372036854775807\nx", 21, &n, &clen, &cs));
    assert_true(n == 9223372036854775807ULL);
}

static void test_malformed(void **state)
{
    (void)state;
    static const char *const bad[] = {
        "0\nx",     /* no proposal 0 */
        "007\nx",   /* leading zeros */
        "+7\nx",    /* a sign */
        "-7\nx",
        " 7\nx",    /* a space */
        "7 \nx",
        "7x\nx",
        "\nx",      /* no number */
        "7",        /* no newline */
        "7 ok",     /* a resultat, not a proposition */
        "9223372036854775808\nx", /* beyond 2^63-1 */
        "99999999999999999999999\nx",
    };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        unsigned long long n = 12345;
        size_t clen = 99;
        const char *cs = NULL;
        if (split(bad[i], strlen(bad[i]), &n, &clen, &cs))
            fail_msg("« %s » accepté", bad[i]);
        assert_true(n == 12345); /* nothing set */
    }
    unsigned long long n;
    const void *c;
    size_t clen;
    assert_false(share_proposal_split(NULL, 0, &n, &c, &clen));
    assert_false(share_proposal_split("", 0, &n, &c, &clen));
    /* The length counts, not a NUL. */
    assert_false(share_proposal_split("12\n", 2, &n, &c, &clen));
}

static void test_result_numbers(void **state)
{
    (void)state;
    unsigned long long n = 0;
    assert_true(share_result_number("3 ok", 4, &n));
    assert_true(n == 3);
    const char refus[] = "15 refus la modification reçue est illisible.";
    assert_true(share_result_number(refus, sizeof refus - 1, &n));
    assert_true(n == 15);
    assert_false(share_result_number("03 ok", 5, &n));
    assert_false(share_result_number("0 refus proposition illisible.", 30, &n));
    assert_false(share_result_number("3\nok", 4, &n));
    assert_false(share_result_number("3", 1, &n));
    assert_false(share_result_number("ok", 2, &n));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_well_formed),
        cmocka_unit_test(test_malformed),
        cmocka_unit_test(test_result_numbers),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
