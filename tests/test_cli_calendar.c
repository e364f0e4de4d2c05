/* `difelus calendrier`: UIDs unique between databases, deadlines no longer pending sent
 * again as cancelled with the same UID, and a valid calendar when nothing is pending. Each
 * file is read back with libical, as a calendar program would. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <libical/ical.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "difelus/store.h"
#include "harness.h"

struct base {
    char db[4200], opt[4300], ics[4300];
};

static store *fresh(struct base *b, const char *name)
{
    const char *dir = harness_tmpdir(name);
    char err[1024];
    snprintf(b->db, sizeof b->db, "%s/difelus.db", dir);
    snprintf(b->opt, sizeof b->opt, "--db=%s", b->db);
    snprintf(b->ics, sizeof b->ics, "%s/formations.ics", dir);
    store *st = store_open(b->db, err, sizeof err);
    if (!st)
        fail_msg("%s", err);
    return st;
}

/* A dossier sent and accepted by the body today: « Confirmer l'inscription » is pending. */
static long long add_to_validate(store *st)
{
    struct date today = dates_today();
    struct dossier d;
    memset(&d, 0, sizeof d);
    snprintf(d.title, sizeof d.title, "Finances locales : lire, comprendre et voter le budget");
    snprintf(d.body, sizeof d.body, "Gestions Locales – formation des élus");
    d.start = dates_add_days(today, 40);
    d.end = dates_add_days(today, 41);
    d.price_cents = 56000;
    assert_int_equal(store_dossier_save(st, &d, today, ACTOR_OFFICIAL), 0);
    assert_int_equal(store_dossier_set_status(st, d.id, DS_SENT, today, ACTOR_OFFICIAL), 0);
    assert_int_equal(store_dossier_set_status(st, d.id, DS_TO_VALIDATE, today, ACTOR_OFFICIAL), 0);
    return d.id;
}

/* Exports and reads the file back; checks it is a valid calendar. */
static icalcomponent *export(const struct base *b)
{
    struct run_result r;
    harness_run(&r, (const char *[]){b->opt, "calendrier", b->ics, NULL}, NULL);
    if (r.status != 0)
        fail_msg("code %d : %s", r.status, r.err);
    harness_run_free(&r);
    char *text = harness_read_file(b->ics, NULL);
    assert_non_null(text);
    icalcomponent *cal = icalparser_parse_string(text);
    free(text);
    assert_non_null(cal);
    assert_int_equal(icalcomponent_isa(cal), ICAL_VCALENDAR_COMPONENT);
    assert_true(icalrestriction_check(cal));
    assert_int_equal(icalcomponent_count_errors(cal), 0);
    /* RFC 5545: a calendar holds at least one component. */
    assert_true(icalcomponent_count_components(cal, ICAL_ANY_COMPONENT) >= 1);
    return cal;
}

/* The event whose summary starts with `summary` (after an optional « Plus d'actualité : »). */
static icalcomponent *event(icalcomponent *cal, const char *summary)
{
    for (icalcomponent *ev = icalcomponent_get_first_component(cal, ICAL_VEVENT_COMPONENT); ev;
         ev = icalcomponent_get_next_component(cal, ICAL_VEVENT_COMPONENT)) {
        const char *s = icalcomponent_get_summary(ev);
        if (strncmp(s, "Plus d'actualité : ", strlen("Plus d'actualité : ")) == 0)
            s += strlen("Plus d'actualité : ");
        if (strncmp(s, summary, strlen(summary)) == 0)
            return ev;
    }
    fail_msg("pas d'événement « %s »", summary);
    return NULL;
}

static void test_uids_differ_between_databases(void **state)
{
    (void)state;
    struct base a, b;
    store *st = fresh(&a, "ics-a");
    add_to_validate(st);
    store_close(st);
    st = fresh(&b, "ics-b");
    add_to_validate(st);
    store_close(st);
    icalcomponent *ca = export(&a), *cb = export(&b);
    char uid_a[256];
    snprintf(uid_a, sizeof uid_a, "%s", icalcomponent_get_uid(event(ca, "Confirmer l'inscription")));
    const char *uid_b = icalcomponent_get_uid(event(cb, "Confirmer l'inscription"));
    /* Same dossier number 1 in both databases, different UIDs. */
    assert_string_not_equal(uid_a, uid_b);
    icalcomponent_free(cb);
    /* The same database gives the same UID at each export. */
    cb = export(&a);
    assert_string_equal(uid_a, icalcomponent_get_uid(event(cb, "Confirmer l'inscription")));
    icalcomponent_free(ca);
    icalcomponent_free(cb);
}

static void test_deadline_no_longer_pending_is_cancelled(void **state)
{
    (void)state;
    struct base b;
    store *st = fresh(&b, "ics-cancel");
    long long id = add_to_validate(st);
    icalcomponent *cal = export(&b);
    icalcomponent *confirm = event(cal, "Confirmer l'inscription");
    assert_int_equal(icalcomponent_get_status(confirm), ICAL_STATUS_CONFIRMED);
    char uid[256];
    snprintf(uid, sizeof uid, "%s", icalcomponent_get_uid(confirm));
    int sequence = icalproperty_get_sequence(
        icalcomponent_get_first_property(confirm, ICAL_SEQUENCE_PROPERTY));
    icalcomponent_free(cal);

    /* Confirmed on MCF: the reminder must leave the official's calendar. */
    assert_int_equal(store_dossier_set_status(st, id, DS_VALIDATED, dates_today(),
                                              ACTOR_OFFICIAL), 0);
    cal = export(&b);
    confirm = event(cal, "Confirmer l'inscription");
    assert_string_equal(icalcomponent_get_uid(confirm), uid);
    assert_int_equal(icalcomponent_get_status(confirm), ICAL_STATUS_CANCELLED);
    assert_true(icalproperty_get_sequence(icalcomponent_get_first_property(
                    confirm, ICAL_SEQUENCE_PROPERTY)) > sequence);
    assert_null(icalcomponent_get_first_component(confirm, ICAL_VALARM_COMPONENT));
    /* The session's start is still pending. */
    assert_int_equal(icalcomponent_get_status(event(cal, "Début de la formation")),
                     ICAL_STATUS_CONFIRMED);
    icalcomponent_free(cal);

    /* Cancelled: the session's dates leave the calendar too. */
    assert_int_equal(store_dossier_set_status(st, id, DS_CANCELLED, dates_today(),
                                              ACTOR_OFFICIAL), 0);
    store_close(st);
    struct run_result r;
    harness_run(&r, (const char *[]){b.opt, "calendrier", b.ics, NULL}, NULL);
    assert_non_null(strstr(r.out, "0 événement à venir écrit"));
    assert_non_null(strstr(r.out, "échéances qui ne sont plus en attente y sont marquées "
                                  "« annulées »"));
    harness_run_free(&r);
    cal = export(&b);
    assert_int_equal(icalcomponent_get_status(event(cal, "Début de la formation")),
                     ICAL_STATUS_CANCELLED);
    assert_int_equal(icalcomponent_get_status(event(cal, "Fin de la formation")),
                     ICAL_STATUS_CANCELLED);
    icalcomponent_free(cal);
}

static void test_nothing_pending_is_a_valid_calendar(void **state)
{
    (void)state;
    struct base b;
    store_close(fresh(&b, "ics-empty"));
    icalcomponent *cal = export(&b);
    assert_null(icalcomponent_get_first_component(cal, ICAL_VEVENT_COMPONENT));
    assert_non_null(icalcomponent_get_first_property(cal, ICAL_VERSION_PROPERTY));
    assert_non_null(icalcomponent_get_first_property(cal, ICAL_PRODID_PROPERTY));
    icalcomponent_free(cal);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_uids_differ_between_databases),
        cmocka_unit_test(test_deadline_no_longer_pending_is_cancelled),
        cmocka_unit_test(test_nothing_pending_is_a_valid_calendar),
    };
    return cmocka_run_group_tests_name("cli_calendar", tests, NULL, NULL);
}
