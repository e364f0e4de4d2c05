/* The wizard's state in the database (schemas 5 and 6): ui_state holds everything a screen
 * depends on, ui_draft the open form as typed; both read back as written, and PRAGMA
 * data_version tells another connection's write. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "difelus/store.h"
#include "harness.h"

static store *open_fresh(const char *name, char *path, size_t len)
{
    char err[1024];
    snprintf(path, len, "%s/difelus.db", harness_tmpdir(name));
    store *st = store_open(path, err, sizeof err);
    assert_non_null(st);
    return st;
}

static void test_state_round_trip(void **state)
{
    (void)state;
    char path[4200];
    store *st = open_fresh("store-ui-state", path, sizeof path);
    assert_true(store_schema_version(st) >= 6);
    struct ui_state fresh;
    assert_int_equal(store_ui_get(st, &fresh), 0);
    assert_int_equal(fresh.draft_cursor, -1); /* a form opens with the cursor at the end */
    struct ui_state ui = {.screen = "dossier", .focus = 3, .scroll = 7, .dossier_id = 42,
                          .mandate_id = 9, .help_from = "etape3", .search_from = "accueil",
                          .confirm = "supprimer", .confirm_id = 12, .results = true,
                          .message = "Supprimer le dossier « Prendre la parole – oser » ?",
                          .message_error = true, .draft_screen = "mandat", .draft_field = 2,
                          .draft_dirty = true, .draft_cursor = 17, .draft_scroll = 4};
    assert_int_equal(store_ui_set(st, &ui), 0);
    assert_int_equal(store_draft_set_field(st, 0, "municipal", ""), 0);
    assert_int_equal(store_draft_set_field(st, 2, "Vice-présidente chargée de l’urbanisme…",
                                           "Date invalide : tapez JJ/MM/AAAA."),
                     0);
    store_close(st);

    char err[1024];
    st = store_open(path, err, sizeof err);
    assert_non_null(st);
    struct ui_state back;
    assert_int_equal(store_ui_get(st, &back), 0);
    assert_string_equal(back.screen, "dossier");
    assert_int_equal(back.focus, 3);
    assert_int_equal(back.scroll, 7);
    assert_int_equal(back.dossier_id, 42);
    assert_int_equal(back.mandate_id, 9);
    assert_string_equal(back.help_from, "etape3");
    assert_string_equal(back.search_from, "accueil");
    assert_string_equal(back.confirm, "supprimer");
    assert_int_equal(back.confirm_id, 12);
    assert_true(back.results);
    assert_string_equal(back.message, ui.message);
    assert_true(back.message_error);
    assert_string_equal(back.draft_screen, "mandat");
    assert_int_equal(back.draft_field, 2);
    assert_true(back.draft_dirty);
    assert_int_equal(back.draft_cursor, 17);
    assert_int_equal(back.draft_scroll, 4);
    static struct ui_draft draft;
    assert_int_equal(store_draft_get(st, &draft), 0);
    assert_int_equal(draft.count, 3);
    assert_string_equal(draft.value[0], "municipal");
    assert_string_equal(draft.value[1], "");
    assert_string_equal(draft.value[2], "Vice-présidente chargée de l’urbanisme…");
    assert_string_equal(draft.error[2], "Date invalide : tapez JJ/MM/AAAA.");
    /* A shorter form forgets the fields after its own. */
    assert_int_equal(store_draft_clear(st, 1), 0);
    assert_int_equal(store_draft_get(st, &draft), 0);
    assert_int_equal(draft.count, 1);
    assert_int_equal(store_draft_clear(st, 0), 0);
    assert_int_equal(store_draft_get(st, &draft), 0);
    assert_int_equal(draft.count, 0);
    store_close(st);
}

static void test_data_version_sees_other_connection(void **state)
{
    (void)state;
    char path[4200], err[1024];
    store *a = open_fresh("store-ui-version", path, sizeof path);
    store *b = store_open(path, err, sizeof err);
    assert_non_null(b);
    long long before = store_data_version(a);
    assert_true(before >= 0);
    /* Its own writes do not count: the wizard does not reload for its own keys. */
    struct ui_state ui = {.screen = "accueil"};
    assert_int_equal(store_ui_set(a, &ui), 0);
    assert_int_equal(store_data_version(a), before);
    assert_int_equal(store_setting_set(b, "organisme.telephone", "04 75 66 12 34"), 0);
    assert_true(store_data_version(a) != before);
    store_close(b);
    store_close(a);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_state_round_trip),
        cmocka_unit_test(test_data_version_sees_other_connection),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
