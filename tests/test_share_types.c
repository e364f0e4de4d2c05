/* The one table of frame types and their senders (share_type_sender, review 19), read by
 * the relay and by difelus-partage: every type of docs/share-protocol.md §3 with its side,
 * and what neither side may send. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "difelus/share_link.h"

static void test_senders(void **state)
{
    (void)state;
    static const char *const official[] = {"accepte", "refuse", "instantane-partie",
                                           "instantane", "changement", "controle-accorde",
                                           "controle-refuse", "controle-retire", "resultat"};
    static const char *const agent[] = {"demande-controle", "proposition", "besoin-instantane",
                                        "depart"};
    for (size_t i = 0; i < sizeof official / sizeof official[0]; i++)
        assert_int_equal(share_type_sender(official[i]), SHARE_SENDER_OFFICIAL);
    for (size_t i = 0; i < sizeof agent / sizeof agent[0]; i++)
        assert_int_equal(share_type_sender(agent[i]), SHARE_SENDER_AGENT);
    /* Made by the relay or local to the pipe: nobody sends them to the relay. */
    static const char *const none[] = {"demande", "fin", "ouvert", "jeton", "rejoindre",
                                       "connexion", "", "ACCEPTE", "accepte ", "instantane-"};
    for (size_t i = 0; i < sizeof none / sizeof none[0]; i++)
        assert_int_equal(share_type_sender(none[i]), SHARE_SENDER_NONE);
    assert_int_equal(share_type_sender(NULL), SHARE_SENDER_NONE);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_senders),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
