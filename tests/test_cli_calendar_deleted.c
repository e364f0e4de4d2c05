/* A deleted dossier's events were left in the official's calendar program: the next
 * export sends them once more, cancelled (same UID, STATUS:CANCELLED, a higher SEQUENCE),
 * and the one after that no longer mentions them. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "difelus/dates.h"
#include "difelus/store.h"

static char db[4200], opt[4300], ics[4300];

/* The calendar as written, with folded lines joined back (RFC 5545 §3.1). */
static char *export(void)
{
    struct run_result r;
    harness_run(&r, (const char *[]){opt, "calendrier", ics, NULL}, NULL);
    if (r.status != 0)
        fail_msg("code %d : %s", r.status, r.err);
    harness_run_free(&r);
    char *text = harness_read_file(ics, NULL);
    assert_non_null(text);
    char *o = text;
    for (const char *p = text; *p; p++) {
        if (p[0] == '\r' && p[1] == '\n' && p[2] == ' ') {
            p += 2;
            continue;
        }
        *o++ = *p;
    }
    *o = '\0';
    return text;
}

/* The VEVENT whose UID is uid, or NULL. */
static char *vevent(const char *cal, const char *uid)
{
    char needle[512];
    snprintf(needle, sizeof needle, "UID:%s\r\n", uid);
    const char *at = strstr(cal, needle);
    if (!at)
        return NULL;
    const char *end = strstr(at, "END:VEVENT");
    assert_non_null(end);
    return strndup(at, (size_t)(end - at));
}

static void test_deleted_dossier_cancelled_once(void **state)
{
    (void)state;
    const char *dir = harness_tmpdir("cal-deleted");
    snprintf(db, sizeof db, "%s/difelus.db", dir);
    snprintf(opt, sizeof opt, "--db=%s", db);
    snprintf(ics, sizeof ics, "%s/formations.ics", dir);
    char err[1024];
    store *st = store_open(db, err, sizeof err);
    assert_non_null(st);
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
    /* A second dossier stays: its events are not touched. */
    struct dossier other = d;
    other.id = 0;
    snprintf(other.title, sizeof other.title, "Prise de parole en public – conseil municipal");
    assert_int_equal(store_dossier_save(st, &other, today, ACTOR_OFFICIAL), 0);
    char db_id[64];
    assert_int_equal(store_database_id(st, db_id, sizeof db_id), 0);
    store_close(st);

    char confirm[256], start[256], kept[256];
    snprintf(confirm, sizeof confirm, "dossier-%lld-confirmation-%s@difelus", d.id, db_id);
    snprintf(start, sizeof start, "dossier-%lld-debut-%s@difelus", d.id, db_id);
    snprintf(kept, sizeof kept, "dossier-%lld-debut-%s@difelus", other.id, db_id);
    char *cal = export();
    char *ev = vevent(cal, confirm);
    assert_non_null(ev);
    assert_non_null(strstr(ev, "STATUS:CONFIRMED"));
    assert_non_null(strstr(ev, "SEQUENCE:3"));
    free(ev);
    assert_non_null(ev = vevent(cal, start));
    free(ev);
    free(cal);

    st = store_open(db, err, sizeof err);
    assert_non_null(st);
    assert_int_equal(store_dossier_delete(st, d.id), 0);
    store_close(st);

    cal = export();
    ev = vevent(cal, confirm);
    if (!ev)
        fail_msg("l'échéance du dossier supprimé n'est pas annulée : %s", cal);
    assert_non_null(strstr(ev, "STATUS:CANCELLED"));
    assert_non_null(strstr(ev, "SEQUENCE:4"));
    assert_non_null(strstr(ev, "le dossier a été supprimé"));
    free(ev);
    ev = vevent(cal, start);
    assert_non_null(ev);
    assert_non_null(strstr(ev, "STATUS:CANCELLED"));
    free(ev);
    ev = vevent(cal, kept);
    assert_non_null(ev);
    assert_non_null(strstr(ev, "STATUS:CONFIRMED"));
    free(ev);
    free(cal);

    /* Once: the next export no longer speaks of it. */
    cal = export();
    assert_null(strstr(cal, confirm));
    assert_null(strstr(cal, start));
    assert_non_null(strstr(cal, kept));
    free(cal);
}

/* The calendar of a database that cannot be written (read-only file, another program's
 * lock) is still exported once its identifier exists: nothing is written to it. */
static void test_export_writes_nothing(void **state)
{
    (void)state;
    const char *dir = harness_tmpdir("cal-readonly");
    snprintf(db, sizeof db, "%s/difelus.db", dir);
    snprintf(opt, sizeof opt, "--db=%s", db);
    snprintf(ics, sizeof ics, "%s/formations.ics", dir);
    char *cal = export(); /* makes the identifier */
    free(cal);
    sqlite3 *raw;
    assert_int_equal(sqlite3_open(db, &raw), SQLITE_OK);
    assert_int_equal(sqlite3_exec(raw,
                                  "CREATE TRIGGER no_write BEFORE INSERT ON setting BEGIN"
                                  " SELECT RAISE(ABORT, 'lecture seule'); END;",
                                  NULL, NULL, NULL),
                     SQLITE_OK);
    sqlite3_close(raw);
    cal = export();
    assert_non_null(strstr(cal, "BEGIN:VCALENDAR"));
    free(cal);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_deleted_dossier_cancelled_once),
        cmocka_unit_test(test_export_writes_nothing),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
