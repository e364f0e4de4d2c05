/* The codes of a shared session: what the official reads over the phone and what the agent
 * types back (Crockford base32), the rendezvous key, and the random session ids. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <string.h>

#include "harness.h"
#include "difelus/share.h"

static const char alphabet[] = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";

static void test_new_codes_use_the_alphabet_only(void **state)
{
    (void)state;
    int seen[256] = {0};
    char first[SHARE_CODE_LEN + 1] = "";
    bool differ = false;
    for (int i = 0; i < 10000; i++) {
        char code[SHARE_CODE_LEN + 1];
        assert_int_equal(share_code_new(code), 0);
        assert_int_equal(strlen(code), SHARE_CODE_LEN);
        for (int k = 0; k < SHARE_CODE_LEN; k++) {
            if (!strchr(alphabet, code[k]))
                fail_msg("caractère hors alphabet « %c » dans %s", code[k], code);
            assert_int_not_equal(code[k], 'U');
            seen[(unsigned char)code[k]]++;
        }
        /* What is drawn is read back unchanged. */
        char back[SHARE_CODE_LEN + 1];
        assert_true(share_code_parse(code, back));
        assert_string_equal(back, code);
        if (i == 0)
            memcpy(first, code, sizeof first);
        else if (strcmp(first, code) != 0)
            differ = true;
    }
    assert_true(differ);
    /* 80 000 characters drawn: every one of the 32 comes up. */
    for (const char *c = alphabet; *c; c++)
        assert_true(seen[(unsigned char)*c] > 0);
    assert_int_equal(seen['U'] + seen['I'] + seen['L'] + seen['O'], 0);
}

static void test_parse_forgives_what_a_listener_types(void **state)
{
    (void)state;
    char out[SHARE_CODE_LEN + 1];
    assert_true(share_code_parse("ABCD-EFGH", out));
    assert_string_equal(out, "ABCDEFGH");
    assert_true(share_code_parse("abcd efgh", out));
    assert_string_equal(out, "ABCDEFGH");
    assert_true(share_code_parse("  ab-cd ef - gh ", out));
    assert_string_equal(out, "ABCDEFGH");
    /* I and L read as 1, O as 0, in either case. */
    assert_true(share_code_parse("ILil-Oo12", out));
    assert_string_equal(out, "11110012");
    assert_true(share_code_parse("7z9y-x0wv", out));
    assert_string_equal(out, "7Z9YX0WV");
}

static void test_parse_refuses_bad_input(void **state)
{
    (void)state;
    char out[SHARE_CODE_LEN + 1];
    const char *bad[] = {
        "",          "ABCD-EFG",   "ABCD-EFGHJ", "ABCU-EFGH", "abcu-efgh", "ABCD_EFGH",
        "ABCD.EFGH", "ABCD\tEFGH", "ÀBCD-EFGH",  "ABCD-EFG!", "--------",  "ABCDEFGH0",
        "ABC",       "ABCD\nEFGH",
    };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        strcpy(out, "XXXX");
        if (share_code_parse(bad[i], out))
            fail_msg("« %s » accepté comme %s", bad[i], out);
        assert_string_equal(out, "");
    }
    assert_false(share_code_parse(NULL, out));
}

static void test_format_and_key(void **state)
{
    (void)state;
    char shown[SHARE_CODE_LEN + 2];
    share_code_format("ABCDEFGH", shown);
    assert_string_equal(shown, "ABCD-EFGH");
    char key[SHARE_KEY_LEN + 1];
    share_code_key("ABCDEFGH", key);
    assert_string_equal(key, "ABCD");
    char code[SHARE_CODE_LEN + 1], parsed[SHARE_CODE_LEN + 1];
    assert_int_equal(share_code_new(code), 0);
    share_code_format(code, shown);
    assert_int_equal(strlen(shown), 9);
    assert_int_equal(shown[4], '-');
    assert_true(share_code_parse(shown, parsed));
    assert_string_equal(parsed, code);
}

static void test_random_hex(void **state)
{
    (void)state;
    char a[SHARE_HEX_LEN + 1], b[SHARE_HEX_LEN + 1];
    assert_int_equal(share_random_hex(a), 0);
    assert_int_equal(share_random_hex(b), 0);
    assert_int_equal(strlen(a), 32);
    assert_int_equal(strlen(b), 32);
    assert_int_equal(strspn(a, "0123456789abcdef"), 32);
    assert_int_equal(strspn(b, "0123456789abcdef"), 32);
    assert_string_not_equal(a, b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_new_codes_use_the_alphabet_only),
        cmocka_unit_test(test_parse_forgives_what_a_listener_types),
        cmocka_unit_test(test_parse_refuses_bad_input),
        cmocka_unit_test(test_format_and_key),
        cmocka_unit_test(test_random_hex),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
