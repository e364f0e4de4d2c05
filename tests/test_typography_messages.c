/* French typography of what the core says (DESIGN §7): amounts, long dates, rule findings,
 * deadline texts, store refusals and the command line's output never hold an ordinary
 * space where a non-breaking one is due, so that no line starts with « : » or « € ». */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>

#include "harness.h"
#include "difelus/dates.h"
#include "difelus/dossier.h"
#include "difelus/mandate.h"
#include "difelus/rules.h"
#include "difelus/store.h"
#include "difelus/text.h"

#define D(y, m, d) ((struct date){(y), (m), (d)})

static void typeset_or_fail(const char *text, const char *where)
{
    static const char *const bad[] = {" :", " ;", " !", " ?", " »", " €", "« "};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        const char *p = strstr(text, bad[i]);
        if (p)
            fail_msg("%s : espace ordinaire avant/après « %s » dans « %s »", where, bad[i], text);
    }
}

static void test_amounts_and_dates(void **state)
{
    (void)state;
    char buf[64];
    text_format_euros(123456789, buf, sizeof buf);
    assert_string_equal(buf, "1\u00a0234\u00a0567,89\u00a0€");
    text_format_euros(-80000, buf, sizeof buf);
    assert_string_equal(buf, "-800,00\u00a0€");
    /* -LONG_MIN overflows a long: the amount is still written, digit for digit. */
    text_format_euros(LONG_MIN, buf, sizeof buf);
    assert_string_equal(buf, "-92\u00a0233\u00a0720\u00a0368\u00a0547\u00a0758,08\u00a0€");
    dates_format_long(D(2026, 12, 24), buf, sizeof buf);
    assert_string_equal(buf, "jeudi\u00a024\u00a0décembre\u00a02026");
    assert_null(strchr(buf, ' '));
}

static void test_typeset(void **state)
{
    (void)state;
    char buf[128] = "Envoi impossible : « Budget » ; vraiment ? Oui !";
    text_typeset(buf, sizeof buf);
    assert_string_equal(buf, "Envoi impossible\u00a0: «\u00a0Budget\u00a0»\u00a0; vraiment\u00a0? "
                             "Oui\u00a0!");
    /* Text that is not French punctuation stays as it is. */
    char url[64] = "https://exemple.fr/?q=a :b";
    text_typeset(url, sizeof url);
    assert_string_equal(url, "https://exemple.fr/?q=a :b");
    /* Too long once typeset: cut at a character, never inside one. */
    char small[8] = "ab « c";
    text_typeset(small, sizeof small);
    assert_true(text_is_clean(small));
    assert_string_equal(small, "ab «\u00a0");
}

static struct dossier dossier(enum dossier_status s)
{
    struct dossier d = {0};
    d.id = 1;
    snprintf(d.title, sizeof d.title, "Les finances locales pour les élus « budget » – 2027");
    snprintf(d.body, sizeof d.body, "Gestions Locales");
    d.start = D(2026, 12, 7);
    d.end = D(2026, 12, 8);
    d.price_cents = 120000;
    d.hours_cents = 700;
    d.vat = true;
    d.status = s;
    d.status_date = D(2026, 11, 20);
    d.sent_on = D(2026, 11, 20);
    d.created_on = D(2026, 11, 2);
    return d;
}

static void test_findings_and_deadlines(void **state)
{
    (void)state;
    struct mandate m = {0};
    m.id = 1;
    m.start = D(2026, 3, 22);
    m.end = D(2026, 12, 1);
    snprintf(m.collectivite, sizeof m.collectivite, "Saint-Étienne-du-Rouvray");
    for (int s = 0; s < DS_COUNT; s++) {
        struct dossier d = dossier((enum dossier_status)s);
        struct rules_finding f[RULES_MAX_FINDINGS];
        bool blocking;
        size_t n = rules_check_dossier(&d, &m, 1, 40000, D(2026, 11, 27), f, &blocking);
        assert_true(n > 0);
        for (size_t i = 0; i < n; i++)
            typeset_or_fail(f[i].message, "vérification");
        struct dossier_deadline dl = dossier_deadline(&d);
        for (int day = 0; day < 40; day++) {
            char text[512];
            bool overdue;
            dossier_deadline_text(dl, dates_from_days(dates_to_days(D(2026, 11, 10)) + day), text,
                                  sizeof text, &overdue);
            typeset_or_fail(text, "échéance");
        }
    }
}

static void test_store_and_command_line(void **state)
{
    (void)state;
    char path[4200], err[512], opt[4300];
    snprintf(path, sizeof path, "%s/d.db", harness_tmpdir("typo-store"));
    store *st = store_open(path, err, sizeof err);
    assert_non_null(st);
    struct dossier d = dossier(DS_CREATION);
    d.id = 0;
    assert_int_equal(store_dossier_save(st, &d, D(2026, 11, 20), ACTOR_OFFICIAL), 0);
    assert_int_equal(store_dossier_set_status(st, d.id, DS_DONE, D(2026, 11, 21), ACTOR_OFFICIAL),
                     -1);
    typeset_or_fail(store_error(st), "refus du store");
    store_close(st);

    snprintf(opt, sizeof opt, "--db=%s", path);
    const char *const *runs[] = {
        (const char *[]){opt, "statut", NULL},
        (const char *[]){opt, "echeances", "--demande", "20/11/2026", "--validation", "25/11/2026", NULL},
        (const char *[]){opt, "reglage", "inconnu", NULL},
        (const char *[]){opt, "catalogue", "info", NULL},
        (const char *[]){opt, "statut", "de trop", NULL}, /* a usage error */
        (const char *[]){opt, "--help", NULL},
    };
    /* A refused catalogue file: the import's message too. */
    char csv[4300];
    snprintf(csv, sizeof csv, "%s/organisme.csv", harness_tmpdir("typo-store"));
    const char bad[] = "numero_formation;intitule_formation;nom_of;frais_ttc_tot_min\n"
                       "A;Budget communal;Gestions Locales;gratuit\n";
    harness_write_file(csv, bad, sizeof bad - 1);
    struct run_result imp;
    harness_run(&imp, (const char *[]){opt, "catalogue", "importer", csv, NULL}, NULL);
    assert_int_not_equal(imp.status, 0);
    typeset_or_fail(imp.raw_err, "catalogue importer");
    harness_run_free(&imp);
    for (size_t i = 0; i < sizeof runs / sizeof runs[0]; i++) {
        struct run_result r;
        harness_run(&r, runs[i], NULL);
        typeset_or_fail(r.raw_out, runs[i][1]);
        typeset_or_fail(r.raw_err, runs[i][1]);
        harness_run_free(&r);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_amounts_and_dates),
        cmocka_unit_test(test_typeset),
        cmocka_unit_test(test_findings_and_deadlines),
        cmocka_unit_test(test_store_and_command_line),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
