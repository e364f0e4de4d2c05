/* Deadlines in words (DESIGN §2, §7): « aujourd'hui » rather than « d'ici 0 jours ouvrés »,
 * « 1er » in long dates, a sending deadline on a weekend or holiday, and the advice once a
 * deadline has passed. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <string.h>

#include "harness.h"
#include "difelus/dossier.h"
#include "difelus/rules.h"

static struct date D(int y, int m, int d)
{
    return (struct date){y, m, d};
}

static struct dossier_deadline deadline(enum dossier_status status, struct date status_date,
                                        struct date start)
{
    struct dossier d;
    memset(&d, 0, sizeof d);
    snprintf(d.title, sizeof d.title, "Finances locales");
    d.status = status;
    d.status_date = status_date;
    d.start = start;
    d.end = start;
    return dossier_deadline(&d);
}

static void expect(const char *text, const char *what)
{
    if (!harness_strstr(text, what))
        fail_msg("« %s » absent de « %s »", what, text);
}

static void test_reply_due_today(void **state)
{
    (void)state;
    char text[640];
    bool overdue;
    /* Sent on Tuesday 22/12/2026: the body answers by Thursday 24. */
    struct dossier_deadline dl = deadline(DS_SENT, D(2026, 12, 22), D(2027, 2, 1));
    dossier_deadline_text(dl, D(2026, 12, 24), text, sizeof text, &overdue);
    assert_false(overdue);
    assert_null(harness_strstr(text, "0 jour"));
    assert_string_equal(harness_fold(text), "L'organisme doit répondre aujourd'hui au plus tard (jeudi 24 "
                              "décembre 2026).");
}

static void test_first_of_the_month(void **state)
{
    (void)state;
    char text[640], buf[64];
    bool overdue;
    dates_format_long(D(2026, 12, 1), buf, sizeof buf);
    assert_string_equal(buf, "mardi\u00a01er\u00a0décembre\u00a02026");
    dates_format_long(D(2026, 12, 11), buf, sizeof buf);
    assert_string_equal(buf, "vendredi\u00a011\u00a0décembre\u00a02026");
    /* Sent on Friday 27/11/2026: answer by Tuesday 1er December. */
    struct dossier_deadline dl = deadline(DS_SENT, D(2026, 11, 27), D(2027, 2, 1));
    dossier_deadline_text(dl, D(2026, 11, 27), text, sizeof text, &overdue);
    expect(text, "au plus tard le mardi 1er décembre 2026");
    assert_null(harness_strstr(text, " 1 décembre"));
}

static void test_sending_deadline_on_weekend_or_holiday(void **state)
{
    (void)state;
    char text[640];
    bool overdue;
    /* A session on Monday 18/01/2027: the request may leave on Sunday 3 January at the
     * latest (MCF is open every day), better on Thursday 31 December (1 January is a
     * holiday). */
    struct dossier_deadline dl = deadline(DS_CREATION, D(2026, 11, 27), D(2027, 1, 18));
    assert_int_equal(dl.kind, DL_SEND);
    dossier_deadline_text(dl, D(2026, 11, 27), text, sizeof text, &overdue);
    expect(text, "Envoyez la demande au plus tard le dimanche 3 janvier 2027.");
    expect(text, "C'est un dimanche : Mon Compte Formation reste ouvert, mais mieux vaut "
                 "envoyer la demande au plus tard le jeudi 31 décembre 2026, dernier jour "
                 "ouvré avant.");
    /* A holiday: Monday 1er November 2027 is the last day for a session on 17/11/2027. */
    dl = deadline(DS_CREATION, D(2027, 10, 1), D(2027, 11, 17));
    assert_int_equal(dates_compare(dl.date, D(2027, 11, 1)), 0);
    dossier_deadline_text(dl, D(2027, 10, 1), text, sizeof text, &overdue);
    expect(text, "C'est un jour férié (Toussaint)");
    expect(text, "au plus tard le vendredi 29 octobre 2027, dernier jour ouvré avant");
    /* On a working day: no advice. */
    dl = deadline(DS_CREATION, D(2026, 11, 27), D(2027, 1, 20));
    dossier_deadline_text(dl, D(2026, 11, 27), text, sizeof text, &overdue);
    assert_null(harness_strstr(text, "C'est un"));
}

static void test_advice_once_past(void **state)
{
    (void)state;
    char text[640];
    bool overdue;
    struct dossier_deadline dl = deadline(DS_SENT, D(2026, 12, 22), D(2027, 2, 1));
    dossier_deadline_text(dl, D(2026, 12, 28), text, sizeof text, &overdue);
    assert_true(overdue);
    expect(text, "notez « Annulé »");
    /* A session that began is not a missed deadline: the record is only behind. */
    dl = deadline(DS_VALIDATED, D(2026, 12, 22), D(2027, 2, 1));
    dossier_deadline_text(dl, D(2027, 2, 2), text, sizeof text, &overdue);
    assert_false(overdue);
    assert_string_equal(harness_fold(text), "La formation a commencé le lundi 1er février 2027 : notez le "
                              "dossier « En formation ».");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_reply_due_today),
        cmocka_unit_test(test_first_of_the_month),
        cmocka_unit_test(test_sending_deadline_on_weekend_or_holiday),
        cmocka_unit_test(test_advice_once_past),
    };
    return cmocka_run_group_tests_name("deadlines_words", tests, NULL, NULL);
}
