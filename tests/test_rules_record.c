/* Recording what MCF shows: the statuses it can show after one the official did not note,
 * with the rules' warnings kept whole (never a message cut in the middle). */
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
#include "difelus/rules.h"
#include "difelus/store.h"
#include "difelus/text.h"

#define D(y, m, d) ((struct date){(y), (m), (d)})

static struct dossier too_soon(void)
{
    struct dossier d = {0};
    d.id = 1;
    snprintf(d.title, sizeof d.title, "Les finances locales pour les élus « budget » – 2027");
    d.start = D(2027, 1, 7);
    d.end = D(2027, 1, 8);
    d.price_cents = 90000; /* 128,57 € de l'heure: above the ceiling */
    d.hours_cents = 700;
    d.status = DS_CREATION;
    d.status_date = D(2026, 12, 1);
    return d;
}

static void test_warnings_whole(void **state)
{
    (void)state;
    struct mandate m = {0};
    m.id = 1;
    m.start = D(2026, 3, 22);
    m.end = D(2032, 3, 31);
    struct dossier d = too_soon();
    char err[1024], full[2048];
    assert_true(rules_check_record(&d, DS_SENT, D(2026, 12, 22), D(2026, 12, 22), &m, 1, err,
                                   sizeof err, full, sizeof full));
    const char *second = strstr(full, ". ");
    assert_non_null(second); /* two messages, one after the other */
    size_t first_len = (size_t)(second - full) + 1;
    /* Room for the first one only (and half of the second): the second is left out whole. */
    for (size_t room = first_len + 1; room < strlen(full); room += 7) {
        char warning[2048];
        assert_true(rules_check_record(&d, DS_SENT, D(2026, 12, 22), D(2026, 12, 22), &m, 1,
                                       err, sizeof err, warning, room));
        assert_true(text_is_clean(warning));
        if (strncmp(full, warning, strlen(warning)) != 0 ||
            (warning[0] && warning[strlen(warning) - 1] != '.'))
            fail_msg("avertissement coupé (%zu octets) : « %s »", room, warning);
    }
}

static void test_what_mcf_shows(void **state)
{
    (void)state;
    char path[4200], err[512];
    snprintf(path, sizeof path, "%s/d.db", harness_tmpdir("rules-record"));
    store *st = store_open(path, err, sizeof err);
    assert_non_null(st);
    struct dossier d = too_soon();
    d.id = 0;
    d.start = D(2027, 3, 1);
    d.end = D(2027, 3, 2);
    assert_int_equal(store_dossier_save(st, &d, D(2026, 12, 1), ACTOR_OFFICIAL), 0);
    assert_int_equal(store_dossier_set_status(st, d.id, DS_SENT, D(2026, 12, 2), ACTOR_OFFICIAL),
                     0);
    /* Confirmed on MCF before « À valider » was noted. */
    assert_int_equal(store_dossier_set_status(st, d.id, DS_VALIDATED, D(2026, 12, 8),
                                              ACTOR_OFFICIAL), 0);
    assert_int_equal(store_dossier_set_status(st, d.id, DS_IN_TRAINING, D(2027, 3, 1),
                                              ACTOR_OFFICIAL), 0);
    /* Abandoned on the first day. */
    assert_int_equal(store_dossier_set_status(st, d.id, DS_CANCELLED, D(2027, 3, 1),
                                              ACTOR_OFFICIAL), 0);
    assert_true(dossier_transition_allowed(DS_VALIDATED, DS_DONE));
    assert_false(dossier_transition_allowed(DS_CANCELLED, DS_VALIDATED));
    store_close(st);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_warnings_whole),
        cmocka_unit_test(test_what_mcf_shows),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
