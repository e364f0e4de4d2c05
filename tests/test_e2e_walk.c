/* End-to-end: the wizard walked at 80×24 as a tester did (issue 7), each finding a check
 * of what the official sees: nothing important cut, the dossier screen scrolls, the step
 * panel names the dossier it acts on, one hours format, no data lost without a word. */
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
    return fixture_dossier(st, title, created, start, 1750);
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

/* The deadline advice of dossier id, as the core words it. */
static void advice_of(store *st, long long id, char *advice, size_t len)
{
    struct dossier d = dossier_of(st, id);
    bool overdue;
    dossier_deadline_text(dossier_deadline(&d), dates_today(), advice, len, &overdue);
}

/* Every word of `text` is on screen, in order, once the screen's rows are joined: the
 * text may wrap but nothing is cut. */
static void whole_on_screen(struct term *t, const char *text)
{
    const char *p = strrchr(text, ' ');
    WAIT(t, p ? p + 1 : text);
    char screen[8192];
    size_t n = 0;
    const char *s = term_text(t);
    /* join rows, squeezing runs of spaces and the box's borders */
    for (; *s && n + 4 < sizeof screen; s++) {
        char c = *s == '\n' ? ' ' : *s;
        if (c == ' ' && n && screen[n - 1] == ' ')
            continue;
        screen[n++] = c;
    }
    screen[n] = '\0';
    char word[256];
    const char *at = screen;
    for (const char *w = text; *w;) {
        while (*w == ' ')
            w++;
        size_t len = strcspn(w, " ");
        if (!len)
            break;
        snprintf(word, sizeof word, "%.*s", (int)len, w);
        const char *found = strstr(at, word);
        if (!found)
            fail_msg("« %s » de « %s » manque à l'écran :\n%s", word, text, term_text(t));
        at = found + len;
        w += len;
    }
}

/* F10 on a form: asks when something was typed, o answers. */
static void quit_cleanly_form(struct term *t)
{
    term_send_key(t, TK_F10);
    WAIT(t, "Quitter sans enregistrer");
    term_send(t, "o");
    assert_int_equal(term_wait_exit(t), 0);
    assert_true(term_restored(t));
    term_free(t);
}

static __attribute__((unused)) void dump(struct term *t)
{
    fprintf(stderr, "----\n%s\n----\n", term_text(t));
}

/* Item 1 a, c and 3: step 5, then e; two dossiers in creation. */
static void test_step5_after_send(void **state)
{
    (void)state;
    struct date today = dates_today();
    store *st = new_db("e2e-walk-step5");
    fixture_mandate(st, MANDATE_COMMUNAUTAIRE, LONG_BODY, "Conseillère communautaire",
                (struct date){2020, 7, 15}, (struct date){2032, 3, 15});
    long long first = add_dossier(st, LONG_TITLE, today, dates_add_working_days(today, 40));
    long long second = add_dossier(st, "Finances locales : préparer et voter le budget primitif",
                                   today, dates_add_working_days(today, 45));
    char advice1[640], advice2[640];
    advice_of(st, first, advice1, sizeof advice1);
    advice_of(st, second, advice2, sizeof advice2);
    store_close(st);

    struct term *t = start(24, 80, db_opt, NULL);
    WAIT(t, "Accueil");
    term_send(t, "5");
    WAIT(t, "Envoyer ma demande");
    whole_on_screen(t, advice1);
    term_send(t, "e");
    /* The message names the dossier sent; the panel says it went on to the next one. */
    WAIT(t, "Dossier « Urbanisme durable : élaborer et réviser… » : statut « Demande");
    WAIT(t, "» : Demande d'inscription envoyée. Dossier suivant :");
    WAIT(t, "Mon dossier « Finances locales");
    /* Its deadline whole, and the ATTENTION box closed above the message. */
    whole_on_screen(t, advice2);
    ON_SCREEN(t, "└──");
    int bottom = term_find_row(t, "└──");
    int msg = term_find_row(t, "Dossier « Urbanisme");
    assert_true(bottom >= 0 && msg > bottom);
    (void)second;
    quit_cleanly(t);
}

/* Items 2 and 4: the dossier screen scrolls (the offset survives a restart) and shows the
 * hours as everywhere else. */
static void test_dossier_scrolls(void **state)
{
    (void)state;
    struct date today = dates_today();
    store *st = new_db("e2e-walk-scroll");
    fixture_mandate(st, MANDATE_COMMUNAUTAIRE, LONG_BODY, "Conseillère communautaire",
                (struct date){2020, 7, 15}, (struct date){2032, 3, 15});
    long long id = add_dossier(st, LONG_TITLE, dates_add_days(today, -30),
                               dates_add_working_days(today, 30));
    assert_int_equal(store_dossier_set_status(st, id, DS_SENT, dates_add_days(today, -20),
                                              ACTOR_OFFICIAL), 0);
    assert_int_equal(store_dossier_set_status(st, id, DS_TO_VALIDATE,
                                              dates_add_days(today, -19), ACTOR_AGENT), 0);
    struct dossier d = dossier_of(st, id);
    snprintf(d.notes, sizeof d.notes, "Salle du conseil, covoiturage avec Mme Lefèvre ; "
                                      "prévenir la direction générale des services");
    assert_int_equal(store_dossier_save(st, &d, today, ACTOR_OFFICIAL), 0);
    store_close(st);

    struct term *t = start(24, 80, db_opt, NULL);
    WAIT(t, "Accueil");
    term_send(t, "d\r");
    WAIT(t, "Dossier n° 1");
    ON_SCREEN(t, "17,5 h");
    assert_null(strstr(term_text(t), "17,50"));
    ON_SCREEN(t, "↓ suite");
    for (int i = 0; i < 12 && !strstr(term_text(t), "par le support"); i++) {
        term_send_key(t, TK_DOWN);
        WAIT(t, "↑ plus haut");
    }
    WAIT(t, "Historique");
    WAIT(t, "À valider, par le support");
    WAIT(t, "En cours de création, par vous");
    char before[8192];
    snprintf(before, sizeof before, "%s", term_text(t));
    term_send_key(t, TK_DOWN);
    WAIT(t, "Vous êtes en bas du dossier.");
    quit_cleanly(t);
    /* The same rows after a restart. */
    t = start(24, 80, db_opt, NULL);
    WAIT(t, "Dossier n° 1");
    WAIT(t, "En cours de création, par vous");
    ON_SCREEN(t, "↑ plus haut");
    term_send_key(t, TK_UP);
    WAIT(t, "Historique");
    /* The form says the hours the same way. */
    term_send(t, "e");
    WAIT(t, "modifier le dossier");
    WAIT(t, "17,5");
    assert_null(strstr(term_text(t), "17,50"));
    term_send(t, "\033");
    /* Échap acted before q: sent together, they are Alt-q (a key that does nothing). */
    assert_true(term_wait_gone(t, "modifier le dossier"));
    WAIT(t, "Dossier n° 1");
    quit_cleanly(t);
    (void)before;
}

/* A dossier in creation whose session starts `days` days from today (its deadline advice
 * then depends on `days`). */
static long long dossier_starting_in(store *st, const char *title, int days)
{
    return add_dossier(st, title, dates_add_days(dates_today(), -2),
                       dates_add_days(dates_today(), days));
}

/* Item 1 b and c: at steps 5 and 6 the deadline advice is whole at 80×24 (a weekend
 * deadline, an overdue one). */
static void test_step_deadlines_whole(void **state)
{
    (void)state;
    struct date today = dates_today();
    /* b: a sending deadline on a weekend (the advice says so) */
    store *st = new_db("e2e-walk-weekend");
    fixture_mandate(st, MANDATE_COMMUNAUTAIRE, LONG_BODY, "Conseillère communautaire",
                (struct date){2020, 7, 15}, (struct date){2032, 3, 15});
    char advice[640] = "";
    long long id = 0;
    for (int days = 20; days < 60 && !strstr(advice, "C'est un"); days++) {
        if (id)
            assert_int_equal(store_dossier_delete(st, id), 0);
        id = dossier_starting_in(st, LONG_TITLE, days);
        advice_of(st, id, advice, sizeof advice);
    }
    assert_non_null(strstr(advice, "C'est un"));
    store_close(st);
    struct term *t = start(24, 80, db_opt, NULL);
    WAIT(t, "Accueil");
    term_send(t, "5");
    WAIT(t, "Envoyer ma demande");
    whole_on_screen(t, advice);
    quit_cleanly(t);

    /* c: overdue to send (step 5), overdue to confirm (step 6) */
    st = new_db("e2e-walk-overdue");
    fixture_mandate(st, MANDATE_COMMUNAUTAIRE, LONG_BODY, "Conseillère communautaire",
                (struct date){2020, 7, 15}, (struct date){2032, 3, 15});
    long long late = dossier_starting_in(st, LONG_TITLE, 5);
    char advice5[640], advice6[640];
    advice_of(st, late, advice5, sizeof advice5);
    long long sent = add_dossier(st, "Finances locales : préparer et voter le budget primitif",
                                 dates_add_days(today, -30), dates_add_working_days(today, 30));
    assert_int_equal(store_dossier_set_status(st, sent, DS_SENT, dates_add_days(today, -20),
                                              ACTOR_OFFICIAL), 0);
    assert_int_equal(store_dossier_set_status(st, sent, DS_TO_VALIDATE,
                                              dates_add_days(today, -19), ACTOR_AGENT), 0);
    advice_of(st, sent, advice6, sizeof advice6);
    store_close(st);
    t = start(24, 80, db_opt, NULL);
    WAIT(t, "Accueil");
    term_send(t, "5");
    WAIT(t, "Envoyer ma demande");
    whole_on_screen(t, advice5);
    term_send(t, "6");
    WAIT(t, "Confirmer mon inscription");
    whole_on_screen(t, advice6);
    quit_cleanly(t);
}

/* Item 1 d and 6: the status form's intro is whole with a long title, its date label
 * aligned like the other forms' (a label never touches its field). */
static void test_status_form_intro_whole(void **state)
{
    (void)state;
    struct date today = dates_today();
    store *st = new_db("e2e-walk-status-form");
    fixture_mandate(st, MANDATE_COMMUNAUTAIRE, LONG_BODY, "Conseillère communautaire",
                (struct date){2020, 7, 15}, (struct date){2032, 3, 15});
    add_dossier(st, LONG_TITLE, dates_add_days(today, -2), dates_add_working_days(today, 30));
    store_close(st);
    struct term *t = start(24, 80, db_opt, NULL);
    WAIT(t, "Accueil");
    term_send(t, "d\r");
    WAIT(t, "Dossier n° 1");
    term_send(t, "c");
    WAIT(t, "changer le statut");
    whole_on_screen(t, "Choisissez le statut affiché sur Mon Compte Formation (Espace) et le "
                       "jour du changement (une date passée si vous le notez après coup).");
    char today_text[16];
    dates_format_short(today, today_text, sizeof today_text);
    WAIT(t, today_text);
    int row = term_find_row(t, today_text);
    assert_true(row >= 0);
    const char *text = term_row(t, row);
    const char *at = strstr(text, today_text);
    assert_true(at - text >= 3);
    assert_memory_equal(at - 2, "  ", 2); /* two spaces at least between label and value */
    term_send_key(t, TK_F10);
    assert_int_equal(term_wait_exit(t), 0);
    term_free(t);
}

/* Item 1 e and f: home with a long organisation name and e-mail, and a long collectivité:
 * the phone, the e-mail and the collectivité are whole. */
static void test_home_support_and_mandate_whole(void **state)
{
    (void)state;
    store *st = new_db("e2e-walk-home");
    fixture_mandate(st, MANDATE_COMMUNAUTAIRE, LONG_BODY, "Conseillère communautaire déléguée",
                (struct date){2020, 7, 15}, (struct date){2032, 3, 15});
    store_close(st);
    const char *settings[][2] = {
        {"organisme.nom", "Institut « Élus & Territoires » – Normandie"},
        {"organisme.email", "formation.des.elus@elus-et-territoires-normandie.fr"},
        {"organisme.telephone", "02 35 71 84 96"},
    };
    for (size_t i = 0; i < 3; i++) {
        struct run_result r;
        harness_run(&r, (const char *[]){db_opt, "reglage", settings[i][0], settings[i][1], NULL},
                    NULL);
        assert_int_equal(r.status, 0);
        harness_run_free(&r);
    }
    struct term *t = start(24, 80, db_opt, NULL);
    WAIT(t, "Accueil");
    WAIT(t, "q quitter");
    ON_SCREEN(t, "Institut « Élus & Territoires » – Normandie");
    ON_SCREEN(t, "formation.des.elus@elus-et-territoires-normandie.fr — 02 35 71 84 96");
    ON_SCREEN(t, LONG_BODY);
    ON_SCREEN(t, "jusqu'au 15/03/2032");
    quit_cleanly(t);
}

/* Item 5: a text typed past a field's maximum is refused with a message, never cut
 * silently; the field takes what the core accepts. */
static void test_typing_past_the_maximum_says_so(void **state)
{
    (void)state;
    store_close(new_db("e2e-walk-maximum"));
    struct term *t = start(24, 80, db_opt, NULL);
    WAIT(t, "Accueil");
    term_send(t, "mn");
    WAIT(t, "nouveau mandat");
    /* 100 characters (the most a mandate's function may have), then more */
    const char *function = "Vice-présidente chargée de la transition écologique, des mobilités "
                           "douces et de l’intermodalité";
    char keys[512];
    snprintf(keys, sizeof keys, "\tRouen\t%s", function);
    term_send(t, keys);
    term_send(t, " et du plan vélo");
    WAIT(t, "100 caractères au plus");
    quit_cleanly_form(t);

    store_close(new_db("e2e-walk-maximum-balance"));
    t = start(24, 80, db_opt, NULL);
    WAIT(t, "Accueil");
    term_send(t, "s");
    WAIT(t, "Solde lu sur Compte élu");
    term_send(t, "12345678901234567");
    WAIT(t, "16 caractères au plus");
    quit_cleanly_form(t);
}

/* Item 6: x deletes a mandate (d opens the dossiers everywhere), a function key that does
 * nothing says why, Échap on a saved dossier's form says it stays as it is, a long
 * prefilled field opens showing its start. */
static void test_minor_keys_and_fields(void **state)
{
    (void)state;
    struct date today = dates_today();
    store *st = new_db("e2e-walk-minor");
    fixture_mandate(st, MANDATE_COMMUNAUTAIRE, LONG_BODY, "Conseillère communautaire",
                (struct date){2020, 7, 15}, (struct date){2032, 3, 15});
    add_dossier(st, LONG_TITLE, dates_add_days(today, -2), dates_add_working_days(today, 30));
    store_close(st);
    struct term *t = start(24, 80, db_opt, NULL);
    WAIT(t, "Accueil");
    term_send(t, "\033[15~"); /* F5 */
    WAIT(t, "F5 et F6");
    term_send(t, "m");
    WAIT(t, "x supprimer");
    term_send(t, "d");
    WAIT(t, "Mes dossiers d'inscription");
    term_send(t, "m");
    WAIT(t, "x supprimer");
    term_send(t, "x");
    WAIT(t, "Supprimer le mandat");
    term_send(t, "n");
    WAIT(t, "Le mandat est gardé.");
    term_send(t, "d\r");
    WAIT(t, "Dossier n° 1");
    term_send(t, "e");
    WAIT(t, "modifier le dossier");
    WAIT(t, "Urbanisme durable : élaborer"); /* the title from its start */
    term_send(t, "\033");
    WAIT(t, "Aucune modification : le dossier « Urbanisme durable");
    ON_SCREEN(t, "reste enregistré tel quel.");
    quit_cleanly(t);
}

static const char csv_header[] =
    "numero_formation;intitule_formation;nom_of;siret_of;code_departement;nom_departement;"
    "nom_region;frais_ttc_tot_min;frais_ttc_tot_max;frais_ttc_tot_mean;"
    "nombre_heures_total_min;nombre_heures_total_max;nombre_heures_total_mean;"
    "nb_session_a_distance;type_referentiel;code_rncp;code_rs;intitule_certification;"
    "objectif_formation;date_chargement\n";

/* Imports a catalogue of `count` trainings about the budget, as another process would. */
static void import_budget_catalogue(const char *name, int count)
{
    char csv[4400], data[8192];
    const char *dir = db_opt + strlen("--db=");
    snprintf(csv, sizeof csv, "%.*s/%s.csv", (int)(strrchr(dir, '/') - dir), dir, name);
    size_t o = (size_t)snprintf(data, sizeof data, "%s", csv_header);
    for (int i = 1; i <= count; i++)
        o += (size_t)snprintf(data + o, sizeof data - o,
                              "B-%d-%s;Budget communal, module %d : préparer le débat "
                              "d’orientation;Gestions Locales;;07;Ardèche;Auvergne-Rhône-Alpes;"
                              "500;500;500;7;7;7;0;RS;;RS%d;;;2026-11-01\n",
                              i, name, i, 10 + i);
    harness_write_file(csv, data, o);
    struct run_result r;
    harness_run(&r, (const char *[]){db_opt, "catalogue", "importer", csv, NULL}, NULL);
    if (r.status != 0)
        fail_msg("import : %s", r.err);
    harness_run_free(&r);
}

/* Item 7: a catalogue imported while « create the dossier? » waits cancels the question
 * (with a message) and keeps the focus on a result that exists. */
static void test_confirmation_cancelled_when_catalogue_changes(void **state)
{
    (void)state;
    store_close(new_db("e2e-walk-confirm"));
    import_budget_catalogue("premier", 3);
    struct term *t = start(24, 80, db_opt, NULL);
    WAIT(t, "Accueil");
    term_send(t, "r");
    WAIT(t, "Tapez au moins deux lettres");
    term_send(t, "budget\r");
    WAIT(t, "module 3");
    term_send_key(t, TK_DOWN);
    term_send_key(t, TK_DOWN);
    term_send(t, "\r");
    WAIT(t, "Créer un dossier avec cette formation");
    import_budget_catalogue("second", 1);
    WAIT(t, "Le catalogue a changé pendant la question : aucun dossier créé.");
    term_send(t, "\r"); /* on the one result left, asks again */
    WAIT(t, "Créer un dossier avec cette formation");
    ON_SCREEN(t, "module 1");
    term_send(t, "\033");
    WAIT(t, "Aucun dossier créé.");
    struct dossier *list;
    size_t n;
    char err[1024];
    store *st = store_open(db_opt + strlen("--db="), err, sizeof err);
    assert_non_null(st);
    assert_int_equal(store_dossier_list(st, &list, &n), 0);
    assert_int_equal(n, 0);
    free(list);
    store_close(st);
    term_send_key(t, TK_F10);
    assert_int_equal(term_wait_exit(t), 0);
    term_free(t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_step5_after_send),
        cmocka_unit_test(test_dossier_scrolls),
        cmocka_unit_test(test_step_deadlines_whole),
        cmocka_unit_test(test_status_form_intro_whole),
        cmocka_unit_test(test_home_support_and_mandate_whole),
        cmocka_unit_test(test_typing_past_the_maximum_says_so),
        cmocka_unit_test(test_minor_keys_and_fields),
        cmocka_unit_test(test_confirmation_cancelled_when_catalogue_changes),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
