/* `difelus calendrier`: UIDs unique between databases, deadlines no longer pending sent
 * again as cancelled with the same UID, a valid calendar when nothing is pending, and long
 * French text folded and escaped as RFC 5545 says. Each file is read back with libical, as a
 * calendar program would; difelus itself writes it without libical. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <libical/ical.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "difelus/calendar.h"
#include "difelus/status.h"
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
    assert_non_null(harness_strstr(r.out, "0 événement en attente écrit"));
    assert_non_null(harness_strstr(r.out, "échéances qui ne sont plus en attente y sont marquées "
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

/* A long French title and body: accents, « » ’ – …, and the characters TEXT escapes (a
 * newline never reaches the calendar: the store turns it into a space). */
static const char long_title[] =
    "Budget communal : « lire, comprendre ; voter » – l’essentiel pour l’élu(e) délégué(e) "
    "aux finances… séance d’été à Saint-Étienne \\ Île-de-France";
static const char long_body[] =
    "Association des élus – formation, antenne d’Île-de-France ; Paris 75015 \\ bureau « B »";

/* Whether the n octets at s are whole UTF-8 sequences. */
static bool utf8_whole(const char *s, size_t n)
{
    for (size_t i = 0; i < n;) {
        unsigned char c = (unsigned char)s[i];
        size_t len = c < 0x80 ? 1 : c >= 0xf0 ? 4 : c >= 0xe0 ? 3 : c >= 0xc0 ? 2 : 0;
        if (len == 0 || i + len > n)
            return false;
        for (size_t k = 1; k < len; k++)
            if (((unsigned char)s[i + k] & 0xc0) != 0x80)
                return false;
        i += len;
    }
    return true;
}

static void test_long_french_text_folded_and_escaped(void **state)
{
    (void)state;
    struct base b;
    store *st = fresh(&b, "ics-fold");
    struct date today = dates_today();
    struct dossier d;
    memset(&d, 0, sizeof d);
    snprintf(d.title, sizeof d.title, "%s", long_title);
    snprintf(d.body, sizeof d.body, "%s", long_body);
    d.start = dates_add_days(today, 40);
    d.end = dates_add_days(today, 41);
    d.price_cents = 56000;
    assert_int_equal(store_dossier_save(st, &d, today, ACTOR_OFFICIAL), 0);
    assert_int_equal(store_dossier_set_status(st, d.id, DS_SENT, today, ACTOR_OFFICIAL), 0);
    assert_int_equal(store_dossier_set_status(st, d.id, DS_TO_VALIDATE, today, ACTOR_OFFICIAL), 0);
    store_close(st);

    /* Read back by libical, the text is the one typed, character for character. */
    icalcomponent *cal = export(&b);
    char want[1024];
    snprintf(want, sizeof want, "Confirmer l'inscription — %s", long_title);
    icalcomponent *confirm = event(cal, "Confirmer l'inscription");
    assert_string_equal(icalcomponent_get_summary(confirm), want);
    assert_int_equal(icalcomponent_get_status(confirm), ICAL_STATUS_CONFIRMED);
    icalcomponent *alarm = icalcomponent_get_first_component(confirm, ICAL_VALARM_COMPONENT);
    assert_non_null(alarm);
    assert_string_equal(icalcomponent_get_description(alarm), want);
    struct icaltimetype start = icalcomponent_get_dtstart(confirm);
    struct icaltimetype end = icalcomponent_get_dtend(confirm);
    struct date day = dates_add_working_days(today, 4);
    assert_true(start.is_date && end.is_date);
    assert_int_equal(start.year * 10000 + start.month * 100 + start.day,
                     day.year * 10000 + day.month * 100 + day.day);
    day = dates_add_days(day, 1);
    assert_int_equal(end.year * 10000 + end.month * 100 + end.day,
                     day.year * 10000 + day.month * 100 + day.day);
    assert_true(icaltime_is_utc(icalcomponent_get_dtstamp(confirm)));
    snprintf(want, sizeof want, "Organisme : %s. Statut du dossier : ", long_body);
    const char *description = icalcomponent_get_description(event(cal, "Début de la formation"));
    assert_non_null(description);
    assert_non_null(harness_strstr(description, want));
    icalcomponent_free(cal);

    /* The file itself: CRLF line ends, no physical line over 75 octets, and each one whole
     * UTF-8, even where a long line's 75th octet falls inside a character. */
    size_t len = 0;
    char *text = harness_read_file(b.ics, &len);
    assert_non_null(text);
    char logical[4096] = "";
    size_t logical_len = 0, straddled = 0, folded = 0;
    for (size_t at = 0; at < len;) {
        char *crlf = harness_strstr(text + at, "\r\n");
        if (!crlf)
            fail_msg("ligne sans CRLF à l'octet %zu", at);
        size_t n = (size_t)(crlf - (text + at));
        const char *l = text + at;
        if (memchr(l, '\n', n) || memchr(l, '\r', n))
            fail_msg("fin de ligne isolée à l'octet %zu", at);
        if (n > 75)
            fail_msg("ligne de %zu octets : %.*s", n, (int)n, l);
        if (!utf8_whole(l, n))
            fail_msg("ligne coupée dans un caractère : %.*s", (int)n, l);
        if (n > 0 && l[0] == ' ') {
            folded++;
            l++;
            n--;
        } else {
            logical_len = 0;
        }
        assert_true(logical_len + n < sizeof logical);
        memcpy(logical + logical_len, l, n);
        logical_len += n;
        logical[logical_len] = '\0';
        /* A character that starts before octet 75 of the unfolded line and ends after it. */
        if (logical_len > 75 && logical_len - n <= 75) {
            size_t c = 74;
            while (c > 0 && ((unsigned char)logical[c] & 0xc0) == 0x80)
                c--;
            if ((unsigned char)logical[c] >= 0xc0 && ((unsigned char)logical[75] & 0xc0) == 0x80)
                straddled++;
        }
        at += (size_t)(crlf - (text + at)) + 2;
        /* TEXT escapes: backslash, semicolon and comma. */
        if (strncmp(logical, "DESCRIPTION:Organisme : ", 24) == 0 &&
            (at >= len || text[at] != ' '))
            assert_non_null(harness_strstr(logical, "formation\\, antenne d’Île-de-France \\; "
                                             "Paris 75015 \\\\ bureau « B »."));
    }
    assert_true(folded > 0);
    assert_true(straddled > 0);
    free(text);
}

/* A newline that reaches the writer (the store turns those typed into spaces) is escaped as
 * \n, and other control characters, which TEXT forbids, are dropped. */
static void test_newline_in_text_escaped(void **state)
{
    (void)state;
    struct base b;
    store *st = fresh(&b, "ics-newline");
    add_to_validate(st);
    struct status s;
    assert_int_equal(status_load(st, dates_today(), &s), 0);
    assert_int_equal(s.dossier_count, 1);
    snprintf(s.dossiers[0].title, sizeof s.dossiers[0].title,
             "Budget :\nl’essentiel\r\x1b");
    size_t pending = 0, cancelled = 0;
    char err[1024];
    char *text = calendar_to_ics(st, &s, &pending, &cancelled, err, sizeof err);
    if (!text)
        fail_msg("%s", err);
    assert_non_null(harness_strstr(text, "SUMMARY:Confirmer l'inscription — Budget :\\nl’essentiel\r\n"));
    icalcomponent *cal = icalparser_parse_string(text);
    free(text);
    assert_non_null(cal);
    assert_true(icalrestriction_check(cal));
    assert_string_equal(icalcomponent_get_summary(event(cal, "Confirmer l'inscription")),
                        "Confirmer l'inscription — Budget :\nl’essentiel");
    icalcomponent_free(cal);
    status_free(&s);
    store_close(st);
}

/* The wizard does not load libical: it pulls ICU, some thirty shared libraries, for one
 * command. */
static void test_binary_does_not_link_libical(void **state)
{
    (void)state;
    char cmd[4200], out[16384];
    snprintf(cmd, sizeof cmd, "ldd '%s' 2>&1", harness_binary());
    FILE *p = popen(cmd, "r");
    assert_non_null(p);
    size_t n = fread(out, 1, sizeof out - 1, p);
    out[n] = '\0';
    assert_int_equal(pclose(p), 0);
    assert_non_null(harness_strstr(out, "libc.so"));
    const char *lib = harness_strstr(out, "libical") ? harness_strstr(out, "libical") : harness_strstr(out, "libicu");
    if (lib)
        fail_msg("difelus charge %.*s", (int)strcspn(lib, " \n"), lib);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_uids_differ_between_databases),
        cmocka_unit_test(test_deadline_no_longer_pending_is_cancelled),
        cmocka_unit_test(test_nothing_pending_is_a_valid_calendar),
        cmocka_unit_test(test_long_french_text_folded_and_escaped),
        cmocka_unit_test(test_newline_in_text_escaped),
        cmocka_unit_test(test_binary_does_not_link_libical),
    };
    return cmocka_run_group_tests_name("cli_calendar", tests, NULL, NULL);
}
