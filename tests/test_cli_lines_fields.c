/* The line mode checks each field as soon as it is typed: a screen reader's or a braille
 * display's user hears the refusal right after the answer, with its reason in short
 * lines, and only that field is asked again (Entrée keeps its previous value). The checks
 * across fields (an end before its start) come at the end and re-ask only the fields
 * concerned. Driven only by typed lines through a pipe, read only from printed lines. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "difelus/dossier.h"
#include "difelus/store.h"
#include "difelus/text.h"
#include "harness.h"
#include "e2e.h"
#include "fixtures.h"

static char opt[4300];

static store *fresh(const char *name)
{
    return fixture_fresh(name, opt, sizeof opt);
}

static store *reopen(void)
{
    return fixture_open(opt + strlen("--db="));
}

static void run_lines(struct run_result *r, const char *input)
{
    harness_run_input(r, (const char *[]){opt, "--lignes", NULL}, NULL, input);
    if (r->status != 0)
        fail_msg("code %d ; erreur : %s\nsortie : %s", r->status, r->err, r->out);
}

/* The text with the lines a long sentence was wrapped on joined again, and the space
 * left after a question's colon dropped: a newline and its indent read as one space. */
static char *joined(const char *text)
{
    char *j = malloc(strlen(text) + 1), *o = j;
    for (const char *p = text; *p; p++) {
        if (*p == '\n' || (*p == ' ' && p[1] == '\n')) {
            while (p[1] == ' ' || p[1] == '\n')
                p++;
            *o++ = ' ';
        } else {
            *o++ = *p;
        }
    }
    *o = '\0';
    return j;
}

/* Fails unless the dialogue says each text in turn, one after the other (others may come
 * between): what is said right after an answer comes before the next question. */
static void said_in_order(const struct run_result *r, const char *const texts[])
{
    char *all = joined(r->out);
    const char *at = all;
    for (size_t i = 0; texts[i]; i++) {
        char *t = joined(harness_fold(texts[i]));
        const char *found = strstr(at, t);
        if (!found)
            fail_msg("« %s » n'a pas été dit à son tour :\n%s", texts[i], r->out);
        at = found + strlen(t);
        free(t);
    }
    free(all);
}

static size_t count_of(const char *hay, const char *needle)
{
    size_t n = 0;
    const char *folded = harness_fold(needle);
    for (const char *p = strstr(hay, folded); p; p = strstr(p + 1, folded))
        n++;
    return n;
}

/* Every printed line fits a 40-cell braille display. */
static void assert_short_lines(const struct run_result *r)
{
    const char *p = r->raw_out;
    while (*p) {
        size_t n = strcspn(p, "\n");
        char line[1024];
        snprintf(line, sizeof line, "%.*s", (int)n, p);
        if (text_width(line) > 40)
            fail_msg("ligne de %d colonnes : « %s »", text_width(line), line);
        p += n + (p[n] == '\n');
    }
}

/* The walkthrough's case: Début = 31/02/2026 is refused before Fin prévue is asked, Début
 * alone is asked again, the good date is taken and the mandate saved at the first try. */
static void test_bad_date_refused_at_once(void **state)
{
    (void)state;
    store_close(fresh("fields-mandate-date"));
    struct run_result r;
    run_lines(&r, "7\n1\n\nRouen\nMaire\n31/02/2026\n15/07/2020\n15/03/2032\n\n\n");
    assert_short_lines(&r);
    said_in_order(&r, (const char *const[]){
                          "Début du mandat (JJ/MM/AAAA) :",
                          "« 31/02/2026 » n'existe pas : février 2026 compte 28 jours.",
                          "Début du mandat (JJ/MM/AAAA) :", "Fin prévue (JJ/MM/AAAA) :",
                          "Mandat enregistré : Maire — Rouen.", NULL});
    assert_int_equal(count_of(r.out, "Début du mandat"), 2);
    assert_int_equal(count_of(r.out, "Fin prévue"), 1);
    assert_int_equal(count_of(r.out, "Majorité ou opposition"), 1);
    assert_int_equal(count_of(r.out, "Indemnisé(e)"), 1);
    assert_null(strstr(r.out, "non enregistré"));
    harness_run_free(&r);

    store *st = reopen();
    struct mandate *m;
    size_t count;
    assert_int_equal(store_mandate_list(st, &m, &count), 0);
    assert_int_equal(count, 1);
    assert_int_equal(m[0].start.year, 2020);
    assert_int_equal(m[0].start.month, 7);
    assert_int_equal(m[0].end.year, 2032);
    free(m);
    store_close(st);
}

/* A mandate edited: a refused end date is asked again with the saved one in brackets, and
 * Entrée keeps it; an empty collectivité is refused at once too. */
static void test_refused_field_keeps_previous_value(void **state)
{
    (void)state;
    store *st = fresh("fields-mandate-edit");
    fixture_mandate(st, MANDATE_MUNICIPAL, "Rouen", "Maire", (struct date){2020, 7, 15},
                    (struct date){2032, 3, 15});
    store_close(st);
    struct run_result r;
    run_lines(&r, "7\n1\n1\n\n-\nLe Havre\n\n\n30/02/2031\n\n\n\n");
    assert_short_lines(&r);
    said_in_order(&r, (const char *const[]){
                          "Collectivité [Rouen] :", "La collectivité",
                          "Collectivité [Rouen] :", "Fin prévue (JJ/MM/AAAA) [15/03/2032] :",
                          "« 30/02/2031 » n'existe pas",
                          "Fin prévue (JJ/MM/AAAA) [15/03/2032] :",
                          "Mandat enregistré : Maire — Le Havre.", NULL});
    assert_int_equal(count_of(r.out, "Fin prévue"), 2);
    assert_null(strstr(r.out, "non enregistré"));
    harness_run_free(&r);

    st = reopen();
    struct mandate *m;
    size_t count;
    assert_int_equal(store_mandate_list(st, &m, &count), 0);
    assert_int_equal(count, 1);
    assert_string_equal(m[0].collectivite, "Le Havre");
    assert_int_equal(m[0].end.year, 2032);
    assert_int_equal(m[0].end.day, 15);
    free(m);
    store_close(st);
}

/* An end before the start passes each field's own check: it is said at the end, then only
 * the start (Entrée keeps it) and the end are asked again, not the whole form. */
static void test_end_before_start_reasks_only_dates(void **state)
{
    (void)state;
    store_close(fresh("fields-mandate-cross"));
    struct run_result r;
    run_lines(&r, "7\n1\n\nRouen\nMaire\n15/07/2020\n01/01/2019\n\n\n\n15/03/2032\n");
    assert_short_lines(&r);
    said_in_order(&r, (const char *const[]){
                          "Indemnisé(e) :", "Mandat non enregistré :",
                          "Fin prévue (JJ/MM/AAAA) : La fin prévue doit venir après le début "
                          "du mandat.",
                          "Début du mandat (JJ/MM/AAAA) [15/07/2020] :",
                          "Fin prévue (JJ/MM/AAAA) [01/01/2019] :",
                          "Mandat enregistré : Maire — Rouen.", NULL});
    assert_int_equal(count_of(r.out, "Niveau :"), 1);
    assert_int_equal(count_of(r.out, "Collectivité"), 1);
    assert_int_equal(count_of(r.out, "Majorité ou opposition"), 1);
    assert_int_equal(count_of(r.out, "Indemnisé(e)"), 1);
    harness_run_free(&r);

    store *st = reopen();
    struct mandate *m;
    size_t count;
    assert_int_equal(store_mandate_list(st, &m, &count), 0);
    assert_int_equal(count, 1);
    assert_int_equal(m[0].start.year, 2020);
    assert_int_equal(m[0].end.year, 2032);
    free(m);
    store_close(st);
}

/* The dossier's form: an empty title, a short SIRET, a price and hours that are not
 * numbers, a creation in the future, each refused right after it is typed; then a session
 * ending before it starts, said at the end with only its two dates asked again. */
static void test_dossier_fields_at_once(void **state)
{
    (void)state;
    store_close(fresh("fields-dossier"));
    struct run_result r;
    run_lines(&r, "8\n1\n"
                  "\nFinances locales\n"     /* title: empty, then typed */
                  "\n"                       /* body */
                  "123\n\n"                  /* SIRET: 3 digits, then left empty */
                  "02/02/2027\n01/02/2027\n" /* session: its end before its start */
                  "abc\n700\n"               /* price */
                  "3h75\n14\n"               /* hours */
                  "\n\n\n"                   /* VAT, kind, notes */
                  "30/11/2026\n\n"           /* created: in the future, then today */
                  "\n03/02/2027\n");         /* start kept, end typed again */
    assert_short_lines(&r);
    said_in_order(&r, (const char *const[]){
                          "Intitulé de la formation :",
                          "L'intitulé de la formation est obligatoire.",
                          "Intitulé de la formation :", "Organisme de formation :",
                          "SIRET de l'organisme :", "Un SIRET compte 14 chiffres ; celui-ci en a 3.",
                          "SIRET de l'organisme :", "Début (JJ/MM/AAAA) :", "Prix TTC (€) :",
                          "« abc » n'est pas un prix", "Prix TTC (€) :", "Heures de formation :",
                          "« 3h75 » : tapez le nombre d'heures", "Heures de formation :",
                          "Créé sur MCF le (JJ/MM/AAAA) [27/11/2026] :",
                          "Cette date est dans le futur",
                          "Créé sur MCF le (JJ/MM/AAAA) [27/11/2026] :",
                          "Dossier non enregistré :",
                          "Fin (JJ/MM/AAAA) : La fin de la session doit venir après son début.",
                          "Début (JJ/MM/AAAA) [02/02/2027] :", "Fin (JJ/MM/AAAA) [01/02/2027] :",
                          "Dossier enregistré : Finances locales.", NULL});
    assert_int_equal(count_of(r.out, "Dossier non enregistré"), 1);
    assert_int_equal(count_of(r.out, "Prix TTC"), 2);
    assert_int_equal(count_of(r.out, "Type de formation"), 1);
    harness_run_free(&r);

    store *st = reopen();
    struct dossier *d;
    size_t count;
    assert_int_equal(store_dossier_list(st, &d, &count), 0);
    assert_int_equal(count, 1);
    assert_string_equal(d[0].title, "Finances locales");
    assert_string_equal(d[0].siret, "");
    assert_int_equal(d[0].price_cents, 70000);
    assert_int_equal(d[0].hours_cents, 1400);
    assert_int_equal(d[0].end.day, 3);
    assert_int_equal(d[0].created_on.day, 27);
    free(d);
    store_close(st);
}

/* The balance: an amount that is not one is refused before the date is asked, a date in
 * the future before anything is saved; the reading is then recorded. */
static void test_balance_fields_at_once(void **state)
{
    (void)state;
    store_close(fresh("fields-balance"));
    struct run_result r;
    run_lines(&r, "9\n1\nquatre cents\n400\n28/11/2026\n\n");
    assert_short_lines(&r);
    said_in_order(&r, (const char *const[]){
                          "Solde lu sur Compte élu (€) :",
                          "« quatre cents » n'est pas un montant",
                          "Solde lu sur Compte élu (€) :", "Date du relevé (JJ/MM/AAAA)",
                          "Cette date est dans le futur", "Date du relevé (JJ/MM/AAAA)",
                          "Solde enregistré : 400,00 € lu le 27/11/2026.", NULL});
    assert_int_equal(count_of(r.out, "Solde lu sur Compte élu"), 2);
    assert_int_equal(count_of(r.out, "Date du relevé"), 2);
    assert_null(strstr(r.out, "Solde non enregistré"));
    harness_run_free(&r);

    store *st = reopen();
    struct credit_observation seen[2];
    size_t n;
    assert_int_equal(store_credit_list(st, seen, 2, &n), 0);
    assert_int_equal(n, 1);
    assert_int_equal(seen[0].amount_cents, 40000);
    store_close(st);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_bad_date_refused_at_once),
        cmocka_unit_test(test_refused_field_keeps_previous_value),
        cmocka_unit_test(test_end_before_start_reasks_only_dates),
        cmocka_unit_test(test_dossier_fields_at_once),
        cmocka_unit_test(test_balance_fields_at_once),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
