/* End-to-end: what the screens show and how one moves between them, at 80×24 with the
 * longest realistic values. The database is prepared through the store (as the wizard
 * would have left it), then the real binary runs in a pseudo-terminal. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "difelus/dates.h"
#include "difelus/dossier.h"
#include "difelus/guide.h"
#include "difelus/rules.h"
#include "difelus/store.h"
#include "harness.h"
#include "e2e.h"
#include "fixtures.h"

#define LONG_BODY "Communauté d’agglomération du Grand Saint-Étienne-du-Rouvray – Métropole"
#define LONG_TITLE "Urbanisme durable : élaborer et réviser le plan local d’urbanisme intercommunal"

static char db_opt[4200];

/* A new database; returns the store open on it (the --db option is in db_opt). */
static store *new_db(const char *name)
{
    snprintf(db_opt, sizeof db_opt, "%s", fresh_db(name));
    return fixture_open(db_opt + strlen("--db="));
}

static long long add_dossier(store *st, const char *title, struct date created,
                             struct date start)
{
    return fixture_dossier(st, title, created, start, 0);
}

static void set_status(store *st, long long id, enum dossier_status to, struct date day,
                       enum store_actor actor)
{
    assert_int_equal(store_dossier_set_status(st, id, to, day, actor), 0);
}

static struct dossier dossier_of(store *st, long long id)
{
    struct dossier *list, out;
    size_t n;
    assert_int_equal(store_dossier_list(st, &list, &n), 0);
    memset(&out, 0, sizeof out);
    for (size_t i = 0; i < n; i++)
        if (list[i].id == id)
            out = list[i];
    free(list);
    assert_true(out.id == id);
    return out;
}

/* The last word of a text (what is lost first when it is cut). */
static const char *last_word(const char *text)
{
    static char word[128];
    const char *p = strrchr(text, ' ');
    snprintf(word, sizeof word, "%.100s", p ? p + 1 : text);
    return word;
}

/* Item 7 of the issue: after e, v, c the progress follows the dossier. */
static void test_progress_follows_dossier(void **state)
{
    (void)state;
    struct date today = dates_today();
    store *st = new_db("e2e-screens-progress");
    const struct guide_step *g1 = guide_step(1);
    for (size_t i = 0; i < g1->item_count; i++)
        assert_int_equal(store_checklist_set(st, g1->items[i].id, true, ACTOR_OFFICIAL), 0);
    fixture_mandate(st, MANDATE_MUNICIPAL, "Rouen", "Maire", dates_add_days(today, -300),
                dates_add_days(today, 2000));
    add_dossier(st, "Budget communal", today, dates_add_working_days(today, 20));
    store_close(st);

    struct term *t = start(24, 80, db_opt, NULL);
    WAIT(t, "Vous en êtes à l'étape 2/6");
    term_send(t, "5");
    WAIT(t, "Budget communal");
    WAIT(t, "— En cours de création");
    term_send(t, "e");
    WAIT(t, "— Demande d'inscription envoyée");
    ON_SCREEN(t, "[x] J'ai envoyé ma demande d'inscription");
    ON_SCREEN(t, "Étape faite.");
    term_send(t, "h");
    WAIT(t, "Vous en êtes à l'étape 6/6 : Confirmer mon inscription.");
    ON_SCREEN(t, "[x] 5. Envoyer ma demande (3/3)");
    term_send(t, "6v");
    WAIT(t, "— À valider");
    ON_SCREEN(t, "[x] J'ai reçu le mail de l'organisme qui valide ma demande");
    term_send(t, "c");
    WAIT(t, "— Validé");
    ON_SCREEN(t, "[x] J'ai confirmé mon inscription dans mon dossier de formation");
    term_send(t, "h");
    WAIT(t, "Dernière étape faite : votre inscription est confirmée.");
    ON_SCREEN(t, "[x] 6. Confirmer mon inscription (3/3)");
    ON_SCREEN(t, "Étapes faites : 3/6");
    assert_null(strstr(term_text(t), "étape 2/6"));
    quit_cleanly(t);
}

/* Items 8 and 9: home at 80×24 with long names, several mandates and deadlines: the
 * current mandate first and whole, end dates and amounts never cut. */
static void test_home_nothing_cut_current_mandate_first(void **state)
{
    (void)state;
    struct date today = dates_today();
    store *st = new_db("e2e-screens-home");
    fixture_mandate(st, MANDATE_MUNICIPAL, "Commune de Saint-Germain-au-Mont-d’Or",
                "Conseillère municipale déléguée aux affaires scolaires",
                (struct date){2014, 3, 28}, (struct date){2020, 5, 23});
    fixture_mandate(st, MANDATE_COMMUNAUTAIRE, LONG_BODY,
                "Vice-présidente chargée de la transition écologique et des mobilités",
                (struct date){2020, 7, 15}, (struct date){2032, 3, 15});
    assert_int_equal(store_credit_add(st, 24000, dates_add_days(today, -10)), 0);
    const char *titles[] = {LONG_TITLE, "Finances locales : préparer et voter le budget primitif",
                            "Prise de parole en public et communication de crise des élus"};
    for (int i = 0; i < 3; i++) {
        long long id = add_dossier(st, titles[i], dates_add_days(today, -3),
                                   dates_add_working_days(today, 30 + i));
        set_status(st, id, DS_SENT, dates_add_days(today, -i), ACTOR_OFFICIAL);
    }
    store_close(st);

    struct term *t = start(24, 80, db_opt, NULL);
    WAIT(t, "Accueil");
    WAIT(t, "jusqu'au 15/03/2032");
    WAIT(t, "Support :");
    WAIT(t, "q quitter");
    int row = term_find_row(t, "jusqu'au 15/03/2032");
    assert_non_null(strstr(term_row(t, row), "Vice-présidente"));
    assert_true(row < term_find_row(t, "Support :"));
    ON_SCREEN(t, "Solde DIF élu : 240,00 € (relevé le");
    WAIT(t, "estimation :");
    WAIT(t, ",00 €\n"); /* the estimate's amount whole, at the end of its row */
    ON_SCREEN(t, "Échéances, la plus urgente d'abord");
    ON_SCREEN(t, "Mes mandats");
    term_send(t, "m"); /* the mandates screen names each collectivité whole */
    WAIT(t, "Vos mandats d'élu(e)");
    ON_SCREEN(t, LONG_BODY);
    ON_SCREEN(t, "Vice-présidente chargée de la transition écologique et des mobilités");
    ON_SCREEN(t, "communautaire · du 15/07/2020 au 15/03/2032");
    quit_cleanly(t);
}

/* Item 8: the dossier list keeps the status behind a long title; the dossier screen shows
 * the whole EN RETARD advice, the notes, and who made each change. */
static void test_dossier_screens_nothing_cut(void **state)
{
    (void)state;
    struct date today = dates_today();
    store *st = new_db("e2e-screens-dossier");
    fixture_mandate(st, MANDATE_COMMUNAUTAIRE, LONG_BODY, "Conseillère communautaire",
                (struct date){2020, 7, 15}, (struct date){2032, 3, 15});
    long long id = add_dossier(st, LONG_TITLE, dates_add_days(today, -20),
                               dates_add_working_days(today, 30));
    set_status(st, id, DS_SENT, dates_add_days(today, -14), ACTOR_AGENT);
    struct dossier d = dossier_of(st, id);
    snprintf(d.notes, sizeof d.notes, "Salle du conseil, covoiturage avec Mme Lefèvre");
    assert_int_equal(store_dossier_save(st, &d, today, ACTOR_OFFICIAL), 0);
    char advice[640];
    bool overdue;
    dossier_deadline_text(dossier_deadline(&d), today, advice, sizeof advice, &overdue);
    assert_true(overdue);
    store_close(st);

    struct term *t = start(24, 80, db_opt, NULL);
    WAIT(t, "Accueil");
    term_send(t, "d");
    WAIT(t, "Mes dossiers d'inscription");
    WAIT(t, "— Demande d'inscription envoyée");
    WAIT(t, "q quitter");
    int row = term_find_row(t, "— Demande d'inscription envoyée");
    assert_non_null(strstr(term_row(t, row), "Urbanisme durable"));
    assert_non_null(strstr(term_row(t, row), "…")); /* the title gave way, at a word */
    term_send(t, "\r");
    WAIT(t, "Dossier n° 1");
    WAIT(t, "EN RETARD");
    ON_SCREEN(t, "d’urbanisme intercommunal"); /* the whole title, wrapped */
    ON_SCREEN(t, last_word(advice));
    ON_SCREEN(t, "Salle du conseil, covoiturage avec Mme Lefèvre");
    ON_SCREEN(t, "Demande d'inscription envoyée, par le support");
    ON_SCREEN(t, "En cours de création, par vous");
    quit_cleanly(t);
}

/* Item 8: the refusal at step 5 is shown whole. */
static void test_step5_refusal_whole(void **state)
{
    (void)state;
    struct date today = dates_today();
    store *st = new_db("e2e-screens-refusal");
    fixture_mandate(st, MANDATE_COMMUNAUTAIRE, LONG_BODY, "Conseillère communautaire",
                (struct date){2020, 7, 15}, (struct date){2032, 3, 15});
    long long id = add_dossier(st, LONG_TITLE, today, dates_add_working_days(today, 3));
    struct dossier d = dossier_of(st, id);
    struct mandate *mandates;
    size_t count;
    assert_int_equal(store_mandate_list(st, &mandates, &count), 0);
    char why[1024];
    assert_false(rules_check_transition(&d, DS_SENT, today, today, mandates, count, why,
                                        sizeof why));
    free(mandates);
    char advice[640];
    bool overdue;
    dossier_deadline_text(dossier_deadline(&d), today, advice, sizeof advice, &overdue);
    store_close(st);

    struct term *t = start(24, 80, db_opt, NULL);
    WAIT(t, "Accueil");
    term_send(t, "5");
    WAIT(t, "Envoyer ma demande");
    /* The panel's deadline advice and the whole ATTENTION box fit together. */
    WAIT(t, "(visez quatre semaines).");
    ON_SCREEN(t, last_word(advice));
    term_send(t, "e");
    WAIT(t, "Envoi impossible");
    ON_SCREEN(t, last_word(why));
    quit_cleanly(t);
}

/* Item 10: steps 5 and 6 show the dossier that needs action (overdue first), and say how
 * many others there are. */
static void test_steps_show_most_urgent_dossier(void **state)
{
    (void)state;
    struct date today = dates_today();
    store *st = new_db("e2e-screens-urgent");
    fixture_mandate(st, MANDATE_MUNICIPAL, "Rouen", "Maire", (struct date){2020, 7, 15},
                (struct date){2032, 3, 15});
    long long late = add_dossier(st, "Urbanisme et droit des sols", dates_add_days(today, -20),
                                 dates_add_working_days(today, 30));
    set_status(st, late, DS_SENT, dates_add_days(today, -10), ACTOR_OFFICIAL);
    long long fresh = add_dossier(st, "Finances locales", today, dates_add_working_days(today, 40));
    set_status(st, fresh, DS_SENT, today, ACTOR_OFFICIAL);
    add_dossier(st, "Prise de parole en public", today, dates_add_working_days(today, 50));
    store_close(st);

    struct term *t = start(24, 80, db_opt, NULL);
    WAIT(t, "Accueil");
    term_send(t, "6");
    WAIT(t, "Étape 6/6");
    WAIT(t, "Mon dossier");
    WAIT(t, " — Demande d'inscription envoyée"); /* the whole row is there */
    int row = term_find_row(t, "Mon dossier");
    if (!strstr(term_row(t, row), "Urbanisme et droit des sols"))
        fail_msg("l'étape 6 montre « %s », pas le dossier en retard", term_row(t, row));
    ON_SCREEN(t, "Mon dossier « Urbanisme et droit des sols » — Demande d'inscription envoyée");
    ON_SCREEN(t, "EN RETARD");
    ON_SCREEN(t, "Et 2 autres dossiers en cours : d pour les voir.");
    term_send(t, "5"); /* step 5 is about the dossier not sent yet */
    WAIT(t, "Mon dossier « Prise de parole en public » — En cours de création");
    ON_SCREEN(t, "Et 2 autres dossiers en cours, dont 1 en retard : d pour les voir.");
    quit_cleanly(t);
}

/* Keys that do nothing say why. */
static void test_keys_that_do_nothing_say_why(void **state)
{
    (void)state;
    struct date today = dates_today();
    store *st = new_db("e2e-screens-keys");
    fixture_mandate(st, MANDATE_MUNICIPAL, "Rouen", "Maire", (struct date){2020, 7, 15},
                (struct date){2032, 3, 15});
    add_dossier(st, "Budget communal", today, dates_add_working_days(today, 30));
    store_close(st);

    struct term *t = start(24, 80, db_opt, NULL);
    WAIT(t, "Accueil");
    term_send(t, " ");
    WAIT(t, "Les cases se cochent dans l'étape : Entrée ouvre l'étape 1.");
    term_send(t, "\033");
    WAIT(t, "Échap ne fait rien sur l'accueil : q pour quitter");
    term_send(t, "4");
    WAIT(t, "Mon dossier « Budget communal »");
    term_send(t, "n");
    WAIT(t, "Le dossier « Budget communal » est déjà en cours : o pour l'ouvrir");
    term_send(t, "\033");
    WAIT(t, "Échap ne fait rien sur une étape : h pour l'accueil");
    term_send(t, "6");
    WAIT(t, "Étape 6/6");
    term_send(t, "v");
    WAIT(t, "v sert quand la demande est envoyée et attend l'organisme ; le dossier");
    ON_SCREEN(t, "« En cours de création ».");
    term_send(t, "c");
    WAIT(t, "c sert quand le dossier est « À valider »");
    term_send(t, "x");
    WAIT(t, "La touche « x » ne fait rien ici.");
    quit_cleanly(t);
}

/* French typography: non-breaking spaces on screen; no line of a box starts with a mark
 * that belongs to the word before it. */
static void test_typography_on_screen(void **state)
{
    (void)state;
    struct term *t = start(24, 80, fresh_db("e2e-screens-typo"), NULL);
    WAIT(t, "Accueil");
    WAIT(t, "q quitter");
    assert_non_null(strstr(term_text(t), "Étapes faites\u00a0:"));
    for (int n = 1; n <= GUIDE_STEPS; n++) {
        char key[2] = {(char)('0' + n), 0}, title[64];
        term_send(t, key);
        snprintf(title, sizeof title, "Étape %d/6", n);
        WAIT(t, title);
        WAIT(t, "ATTENTION");
        for (int y = 0; y < 24; y++) {
            const char *row = term_row(t, y);
            const char *inner = strstr(row, "│   ");
            if (!inner)
                continue;
            inner += strlen("│   ");
            if (*inner == ':' || *inner == ';' || *inner == '!' || *inner == '?' ||
                strncmp(inner, "€", strlen("€")) == 0 || strncmp(inner, "»", strlen("»")) == 0)
                fail_msg("étape %d, ligne %d commence par un signe collé au mot d'avant : %s", n,
                         y, row);
        }
    }
    quit_cleanly(t);
}

/* text_wrap_count looped forever at one column with a wide character: a mandate named
 * « 漢字 », a 3-column window, i to ignore the size, then a message naming it. */
static void test_wide_name_in_three_columns(void **state)
{
    (void)state;
    store *st = new_db("e2e-screens-narrow");
    fixture_mandate(st, MANDATE_MUNICIPAL, "漢字", "漢字", (struct date){2020, 7, 15},
                (struct date){2032, 3, 15});
    store_close(st);
    struct term *t = start(24, 3, db_opt, NULL);
    WAIT(t, "\nTr…"); /* « Trop petit », cut: the title of a tiny window's message */
    term_send(t, "i");
    WAIT(t, " A\n");
    term_send(t, "m");
    WAIT(t, " M\n");
    term_send(t, "x"); /* « Supprimer le mandat « 漢字 — 漢字 » ? », one column wide */
    WAIT(t, "\n S\n u\n p\n …\n"); /* four rows of one column, the rest given up */
    term_send(t, "n");
    WAIT(t, "\n L\n e\n m\n");
    quit_cleanly(t);
}

/* Navigation: PgDn scrolls the help; the dossier list keeps its position. */
static void test_navigation(void **state)
{
    (void)state;
    struct date today = dates_today();
    store *st = new_db("e2e-screens-nav");
    fixture_mandate(st, MANDATE_MUNICIPAL, "Rouen", "Maire", (struct date){2020, 7, 15},
                (struct date){2032, 3, 15});
    add_dossier(st, "Budget communal", today, dates_add_working_days(today, 30));
    add_dossier(st, "Urbanisme et droit des sols", today, dates_add_working_days(today, 31));
    add_dossier(st, "Prise de parole en public", today, dates_add_working_days(today, 32));
    store_close(st);

    struct term *t = start(24, 80, db_opt, NULL);
    WAIT(t, "Accueil");
    term_send(t, "3?");
    WAIT(t, "Étape 3 — Rechercher une formation");
    term_send_key(t, TK_PAGE_DOWN);
    WAIT(t, "q ou F10");
    assert_true(term_wait_gone(t, "Étape 3 — Rechercher une formation"));
    ON_SCREEN(t, "Aide");
    term_send_key(t, TK_PAGE_UP);
    WAIT(t, "Étape 3 — Rechercher une formation");
    term_send(t, "\033");
    WAIT(t, "Étape 3/6");

    term_send(t, "d");
    WAIT(t, "Mes dossiers d'inscription");
    term_send_key(t, TK_DOWN);
    term_send_key(t, TK_DOWN);
    term_send(t, "\r");
    WAIT(t, "Dossier n° 1 — Budget communal");
    term_send(t, "\033");
    WAIT(t, "Mes dossiers d'inscription");
    WAIT(t, "Budget communal —");
    int row = term_find_row(t, "Budget communal —");
    if (row <= 0)
        fail_msg("écran :\n%s", term_text(t));
    assert_true(term_row(t, row)[1] == '>');
    int markers = 0;
    for (int y = 0; y < 24; y++)
        markers += term_row(t, y)[1] == '>';
    assert_int_equal(markers, 1);
    term_send(t, "h");
    WAIT(t, "Accueil");
    term_send(t, "d"); /* from elsewhere too: on the dossier last seen */
    WAIT(t, "Mes dossiers d'inscription");
    WAIT(t, " > Budget communal —");
    quit_cleanly(t);
}

/* Rows of the screen with the focus marker « > » in their first two columns. */
static int focus_markers(struct term *t)
{
    int markers = 0;
    for (int y = 0; y < 24; y++) {
        const char *row = term_row(t, y);
        markers += row[0] == '>' || (row[0] == ' ' && row[1] == '>');
    }
    return markers;
}

/* One « > » marker at a time: on the search screen, the results list has it, not also the
 * criterion field the official left. */
static void test_one_focus_marker_on_search(void **state)
{
    (void)state;
    const char *db = fresh_db("e2e-screens-marker");
    struct run_result r;
    harness_run(&r, (const char *[]){db, "catalogue", "importer", "tests/data/organisme.csv", NULL},
                NULL);
    assert_int_equal(r.status, 0);
    harness_run_free(&r);
    struct term *t = start(24, 80, db, NULL);
    WAIT(t, "Accueil");
    term_send(t, "r");
    WAIT(t, "Tapez au moins deux lettres");
    term_send(t, "fi");
    WAIT(t, "1 résultat");
    WAIT(t, "> Nom ou thème de la formation");
    assert_int_equal(focus_markers(t), 1); /* the field being typed in */
    term_send(t, "\r");
    WAIT(t, "Entrée : créer un dossier avec cette formation");
    WAIT(t, " > Les finances locales pour les élus");
    assert_true(term_wait_gone(t, "> Nom ou thème de la formation"));
    assert_int_equal(focus_markers(t), 1);
    term_send(t, "\033");
    WAIT(t, "Entrée : choisir parmi les résultats");
    assert_true(term_wait_gone(t, " > Les finances locales pour les élus"));
    WAIT(t, "> Nom ou thème de la formation");
    assert_int_equal(focus_markers(t), 1);
    term_send_key(t, TK_F10);
    assert_int_equal(term_wait_exit(t), 0);
    term_free(t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_progress_follows_dossier),
        cmocka_unit_test(test_home_nothing_cut_current_mandate_first),
        cmocka_unit_test(test_dossier_screens_nothing_cut),
        cmocka_unit_test(test_step5_refusal_whole),
        cmocka_unit_test(test_steps_show_most_urgent_dossier),
        cmocka_unit_test(test_keys_that_do_nothing_say_why),
        cmocka_unit_test(test_typography_on_screen),
        cmocka_unit_test(test_wide_name_in_three_columns),
        cmocka_unit_test(test_navigation),
        cmocka_unit_test(test_one_focus_marker_on_search),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
