/* Test fixtures: a store with mandates and dossiers made through the core API, as the
 * wizard would have left it. Shared by unit, CLI and end-to-end tests so that each test
 * file does not carry its own copy; and the tiny tmpfs of the « disk full » tests.
 * Include after <cmocka.h> and "harness.h". */
#ifndef DIFELUS_TEST_FIXTURES_H
#define DIFELUS_TEST_FIXTURES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <unistd.h>

#include "difelus/dates.h"
#include "difelus/dossier.h"
#include "difelus/store.h"

/* The store open on `path`; fails the test with the store's message otherwise. */
static inline store *fixture_open(const char *path)
{
    char err[1024];
    store *st = store_open(path, err, sizeof err);
    if (!st)
        fail_msg("%s", err);
    return st;
}

/* A new database in a fresh folder named from `name` (needs "harness.h"), open; its
 * --db option is written to `opt` when `opt` is not NULL. */
static inline store *fixture_fresh(const char *name, char *opt, size_t opt_size)
{
    char db[4200];
    snprintf(db, sizeof db, "%s/difelus.db", harness_tmpdir(name));
    if (opt)
        snprintf(opt, opt_size, "--db=%s", db);
    return fixture_open(db);
}

/* A mandate saved through the store; `indemnified`: the official is paid for it. */
static inline void fixture_mandate_paid(store *st, enum mandate_level level,
                                        const char *collectivite, const char *function,
                                        struct date start, struct date end, bool indemnified)
{
    struct mandate m;
    memset(&m, 0, sizeof m);
    m.level = level;
    snprintf(m.collectivite, sizeof m.collectivite, "%s", collectivite);
    snprintf(m.function, sizeof m.function, "%s", function);
    m.start = start;
    m.end = end;
    m.indemnified = indemnified;
    assert_int_equal(store_mandate_save(st, &m), 0);
}

static inline void fixture_mandate(store *st, enum mandate_level level,
                                   const char *collectivite, const char *function,
                                   struct date start, struct date end)
{
    fixture_mandate_paid(st, level, collectivite, function, start, end, false);
}

/* A dossier with Gestions Locales created on `created`, its session from `start` for two
 * days, no price, `hours_cents` hours (0: none). Returns its id. */
static inline long long fixture_dossier(store *st, const char *title, struct date created,
                                        struct date start, int hours_cents)
{
    struct dossier d;
    memset(&d, 0, sizeof d);
    snprintf(d.title, sizeof d.title, "%s", title);
    snprintf(d.body, sizeof d.body, "Gestions Locales");
    d.start = start;
    d.end = dates_add_days(start, 1);
    d.price_cents = -1;
    d.hours_cents = hours_cents;
    assert_int_equal(store_dossier_save(st, &d, created, ACTOR_OFFICIAL), 0);
    return d.id;
}

/* The tmpfs of a full-disk test ("" when none is mounted); a function so that each test
 * file has one without an unused variable where it has none. */
static inline char *full_disk_dir(void)
{
    static char dir[64];
    return dir;
}

/* A 512 KiB tmpfs mounted on a new folder made from `template` (…XXXXXX); skips the test
 * when this user may not mount one (not root). Unmount with unmount_full_disk. */
static inline char *mount_full_disk(const char *template)
{
    char *dir = full_disk_dir();
    snprintf(dir, 64, "%s", template);
    assert_non_null(mkdtemp(dir));
    if (mount("tmpfs", dir, "tmpfs", MS_NOSUID | MS_NODEV, "size=512k,mode=0777") != 0) {
        rmdir(dir);
        dir[0] = '\0';
        skip();
    }
    return dir;
}

/* Teardown: the tmpfs unmounted even when the test fails. */
static inline int unmount_full_disk(void **state)
{
    (void)state;
    char *dir = full_disk_dir();
    if (dir[0]) {
        char filler[128];
        snprintf(filler, sizeof filler, "%s/remplissage", dir);
        unlink(filler);
        umount2(dir, MNT_DETACH);
        rmdir(dir);
        dir[0] = '\0';
    }
    return 0;
}

#endif
