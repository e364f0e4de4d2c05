/* The line mode (`difelus --lignes`, and TERM=dumb) for screen readers and braille
 * displays, driven only by typed lines through a pipe and read only from printed lines:
 * the six steps, a mandate, a dossier through to « Validé », `<`, Entrée for the default,
 * end of input midway, and the full-screen wizard then opening on the same step. */
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
#include "difelus/guide.h"
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

/* The dialogue as printed, with the lines a long sentence was wrapped on joined again
 * (a newline and the indent of a continued line read as one space). */
static char *joined(const char *out)
{
    char *j = malloc(strlen(out) + 1), *o = j;
    for (const char *p = out; *p; p++) {
        if (*p == '\n') {
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

/* Fails with the dialogue when `text` was not said (the wrapping does not matter). */
#define SAID(r, text)                                                                      \
    do {                                                                                   \
        char *j_ = joined((r)->out), *t_ = joined(harness_fold(text));                                 \
        if (!strstr(j_, t_))                                                               \
            fail_msg("« %s » n'a pas été dit :\n%s", (text), (r)->out);                    \
        free(j_);                                                                          \
        free(t_);                                                                          \
    } while (0)

static size_t count_of(const char *hay, const char *needle)
{
    size_t n = 0;
    for (const char *p = strstr(hay, needle); p; p = strstr(p + 1, needle))
        n++;
    return n;
}

/* Every line fits in `cols` columns, and nothing moves the cursor or paints. */
static void assert_plain_lines(const struct run_result *r, int cols)
{
    assert_null(strchr(r->raw_out, '\033'));
    assert_null(strchr(r->raw_out, '\r'));
    const char *p = r->raw_out;
    while (*p) {
        size_t n = strcspn(p, "\n");
        char line[1024];
        snprintf(line, sizeof line, "%.*s", (int)n, p);
        if (text_width(line) > cols)
            fail_msg("ligne de %d colonnes (au plus %d) : « %s »", text_width(line), cols, line);
        p += n + (p[n] == '\n');
    }
}

static void run_lines(struct run_result *r, const char *input, const char *const env[])
{
    harness_run_input(r, (const char *[]){opt, "--lignes", NULL}, env, input);
    if (r->status != 0)
        fail_msg("code %d ; erreur : %s\nsortie : %s", r->status, r->err, r->out);
}

static void ui_screen(char *buf, size_t len)
{
    store *st = reopen();
    struct ui_state ui;
    assert_int_equal(store_ui_get(st, &ui), 0);
    snprintf(buf, len, "%s", ui.screen);
    store_close(st);
}

/* Each step from the menu, its first item ticked (number 1), back to the menu with `<`. */
static void test_six_steps_each_ticked(void **state)
{
    (void)state;
    store_close(fresh("lines-steps"));
    char input[256] = "";
    for (int n = 1; n <= GUIDE_STEPS; n++) {
        char step[32];
        snprintf(step, sizeof step, "%d\n1\n%s", n, n < GUIDE_STEPS ? "<\n" : "");
        strcat(input, step);
    }
    struct run_result r;
    run_lines(&r, input, NULL);
    assert_plain_lines(&r, 40);
    for (int n = 1; n <= GUIDE_STEPS; n++) {
        const struct guide_step *g = guide_step(n);
        char line[1024];
        snprintf(line, sizeof line, "Étape %d/%d — %s", n, GUIDE_STEPS, g->title);
        SAID(&r, line);
        SAID(&r, g->explanation);
        snprintf(line, sizeof line, "ATTENTION : %s", g->warnings[0]);
        SAID(&r, harness_fold(line));
        snprintf(line, sizeof line, "Coché : %s", g->items[0].label);
        SAID(&r, harness_fold(line));
        snprintf(line, sizeof line, "1. [fait] %s", g->items[0].label);
        SAID(&r, harness_fold(line));
    }
    SAID(&r, "Fin de l'entrée : tout ce que vous avez fait est enregistré.");
    /* The wizard's keys (« touche s ») mean nothing here: every action is a number. */
    assert_null(strstr(r.out, "touche"));
    harness_run_free(&r);

    store *st = reopen();
    bool done[GUIDE_STEPS][GUIDE_MAX_ITEMS];
    assert_int_equal(store_checklist_load(st, done), 0);
    for (int n = 0; n < GUIDE_STEPS; n++) {
        assert_true(done[n][0]);
        assert_false(done[n][1]);
    }
    store_close(st);
    char screen[32];
    ui_screen(screen, sizeof screen);
    assert_string_equal(screen, "etape6"); /* where the input ended */
}

/* A mandate typed with French punctuation in its fields, then listed; its level and side
 * are chosen by number, the rest by default. */
static void test_mandate_added_and_listed(void **state)
{
    (void)state;
    store_close(fresh("lines-mandate"));
    const char *collectivite = "Communauté d’agglomération « Rouen – Normandie »";
    const char *function = "Vice-présidente (finances…)";
    char input[1024];
    snprintf(input, sizeof input, "7\n1\n2\n%s\n%s\n15/07/2020\n15/03/2032\n\n2\n<\n",
             collectivite, function);
    struct run_result r;
    run_lines(&r, input, NULL);
    assert_plain_lines(&r, 40);
    SAID(&r, "Mes mandats");
    SAID(&r, "Aucun mandat noté");
    SAID(&r, "Mandat enregistré : Vice-présidente (finances…) — Communauté d’agglomération "
             "« Rouen – Normandie ».");
    SAID(&r, "1. Vice-présidente (finances…) — Communauté d’agglomération « Rouen – Normandie » "
             "(communautaire, du 15/07/2020 au 15/03/2032)");
    SAID(&r, "7. Mes mandats (1)"); /* back to the menu with `<` */
    harness_run_free(&r);

    store *st = reopen();
    struct mandate *m;
    size_t count;
    assert_int_equal(store_mandate_list(st, &m, &count), 0);
    assert_int_equal(count, 1);
    assert_string_equal(m[0].collectivite, collectivite);
    assert_string_equal(m[0].function, function);
    assert_int_equal(m[0].level, MANDATE_COMMUNAUTAIRE);
    assert_false(m[0].opposition);
    assert_true(m[0].indemnified);
    free(m);
    store_close(st);
}

/* The number of `to` in the list of statuses the line mode offers after `from`. */
static int choice_of(enum dossier_status from, enum dossier_status to)
{
    enum dossier_status next[DS_COUNT];
    size_t n = dossier_next_statuses(from, next);
    for (size_t i = 0; i < n; i++)
        if (next[i] == to)
            return (int)i + 1;
    fail_msg("%s ne suit pas %s", dossier_status_label(to), dossier_status_label(from));
    return 0;
}

/* A dossier created, then moved through « Demande d'inscription envoyée » and « À valider »
 * to « Validé », each deadline shown in jours ouvrés from Friday 27 November 2026. */
static void test_dossier_through_to_validated(void **state)
{
    (void)state;
    store *st = fresh("lines-dossier");
    fixture_mandate(st, MANDATE_MUNICIPAL, "Rouen", "Conseillère municipale",
                    (struct date){2020, 6, 28}, (struct date){2032, 3, 15});
    store_close(st);
    char input[1024];
    snprintf(input, sizeof input,
             "8\n1\n"                                     /* Mes dossiers, Nouveau dossier */
             "Finances locales : l’essentiel\nFormation Élus\n\n" /* title, body, SIRET */
             "01/02/2027\n02/02/2027\n700\n14\n\n\n\n\n"  /* dates, price, hours, defaults */
             "1\n%d\n\n"                                  /* change status: sent, today */
             "1\n%d\n\n"                                  /* to be validated, today */
             "1\n%d\n\n",                                 /* validated, today */
             choice_of(DS_CREATION, DS_SENT), choice_of(DS_SENT, DS_TO_VALIDATE),
             choice_of(DS_TO_VALIDATE, DS_VALIDATED));
    struct run_result r;
    run_lines(&r, input, NULL);
    assert_plain_lines(&r, 40);
    SAID(&r, "Dossier enregistré : Finances locales : l’essentiel.");
    SAID(&r, "Échéance : Envoyez la demande au plus tard le dimanche 17 janvier 2027.");
    SAID(&r, "Dossier « Finances locales : l’essentiel » : statut « Demande d'inscription "
             "envoyée » noté à la date du vendredi 27 novembre 2026.");
    SAID(&r, "Échéance : L'organisme doit répondre d'ici 2 jours ouvrés, au plus tard le "
             "mardi 1er décembre 2026.");
    SAID(&r, "statut « À valider » noté à la date du vendredi 27 novembre 2026.");
    SAID(&r, "Échéance : Il vous reste 4 jours ouvrés pour confirmer, jusqu'au "
             "jeudi 3 décembre 2026.");
    SAID(&r, "statut « Validé » noté à la date du vendredi 27 novembre 2026.");
    SAID(&r, "Statut : Validé (depuis le 27/11/2026).");
    assert_null(strstr(r.out, "malgré les règles")); /* the mandate covers the session */
    harness_run_free(&r);

    st = reopen();
    struct dossier *d;
    size_t count;
    assert_int_equal(store_dossier_list(st, &d, &count), 0);
    assert_int_equal(count, 1);
    assert_int_equal(d[0].status, DS_VALIDATED);
    assert_int_equal(d[0].price_cents, 70000);
    struct dossier_event ev[8];
    size_t n;
    assert_int_equal(store_dossier_events(st, d[0].id, ev, 8, &n), 0);
    assert_int_equal(n, 4);
    free(d);
    store_close(st);
    char screen[32];
    ui_screen(screen, sizeof screen);
    assert_string_equal(screen, "dossier");
}

/* Steps 4 to 6 move the dossier on as the wizard's keys do: noted at step 4, sent at
 * step 5, accepted then confirmed at step 6; the checklist follows the status. */
static void test_steps_move_the_dossier(void **state)
{
    (void)state;
    store *st = fresh("lines-step-dossier");
    fixture_mandate(st, MANDATE_MUNICIPAL, "Rouen", "Conseillère municipale",
                    (struct date){2020, 6, 28}, (struct date){2032, 3, 15});
    store_close(st);
    struct run_result r;
    run_lines(&r,
              "4\n4\n"                                     /* step 4: note the dossier */
              "Stage « budget »\n\n\n01/02/2027\n02/02/2027\n300\n7\n\n\n\n\n"
              "5\n"                                        /* on to step 5 */
              "4\n"                                        /* « j'ai envoyé ma demande » */
              "5\n"                                        /* on to step 6 */
              "4\n"                                        /* the body accepted */
              "4\n",                                       /* I confirmed */
              NULL);
    assert_plain_lines(&r, 40);
    SAID(&r, "4. Noter le dossier créé sur Mon Compte Formation");
    SAID(&r, "Mon dossier « Stage « budget » » — En cours de création");
    SAID(&r, "4. J'ai envoyé ma demande aujourd'hui");
    SAID(&r, "statut « Demande d'inscription envoyée » noté à la date du vendredi 27 novembre "
             "2026. Échéance : L'organisme doit répondre d'ici 2 jours ouvrés, au plus tard "
             "le mardi 1er décembre 2026.");
    SAID(&r, "4. L'organisme a validé ma demande (« À valider »)");
    SAID(&r, "Échéance : Il vous reste 4 jours ouvrés pour confirmer, jusqu'au "
             "jeudi 3 décembre 2026.");
    SAID(&r, "4. J'ai confirmé mon inscription");
    SAID(&r, "statut « Validé » noté à la date du vendredi 27 novembre 2026.");
    SAID(&r, "Mon dossier « Stage « budget » » — Validé");
    harness_run_free(&r);

    st = reopen();
    struct dossier *d;
    size_t count;
    assert_int_equal(store_dossier_list(st, &d, &count), 0);
    assert_int_equal(count, 1);
    assert_int_equal(d[0].status, DS_VALIDATED);
    free(d);
    bool done[GUIDE_STEPS][GUIDE_MAX_ITEMS];
    assert_int_equal(store_checklist_load(st, done), 0);
    assert_true(done[4][1]); /* 5.envoi, from the status */
    assert_true(done[5][2]); /* 6.confirmation */
    store_close(st);
}

/* « Aide de cette étape »: the guide's help of the step, and whom to call, the phone
 * number on one line. */
static void test_step_help(void **state)
{
    (void)state;
    store_close(fresh("lines-help-step"));
    struct run_result r;
    run_lines(&r, "3\n8\n", NULL); /* step 3: 5 items, next, previous, help */
    assert_plain_lines(&r, 40);
    SAID(&r, "8. Aide de cette étape");
    SAID(&r, "Aide — étape 3/6");
    SAID(&r, guide_step(3)->help);
    SAID(&r, guide_general_help);
    SAID(&r, "Support : Gestions Locales, 09 53 34 28 34, contact@gestionslocales.fr.");
    assert_non_null(strstr(r.raw_out, "09\u00a053\u00a034\u00a028\u00a034"));
    harness_run_free(&r);
}

/* A reading of « Compte élu »: refused above the ceiling, then recorded. */
static void test_balance_reading(void **state)
{
    (void)state;
    store_close(fresh("lines-balance"));
    struct run_result r;
    run_lines(&r, "9\n1\n1 234,5\n412,50\n\n", NULL);
    assert_plain_lines(&r, 40);
    /* refused as soon as typed, and asked again without the refused value */
    SAID(&r, "Le DIF élu ne peut pas dépasser 800,00 € : vérifiez le montant lu.");
    assert_int_equal(count_of(r.out, "Solde lu sur Compte élu (€) :"), 2);
    assert_int_equal(count_of(r.out, "Date du relevé"), 1);
    assert_null(strstr(r.out, "[1 234,5]"));
    SAID(&r, "Solde enregistré : 412,50 € lu le 27/11/2026.");
    SAID(&r, "Relevé : 412,50 € le 27/11/2026.");
    harness_run_free(&r);
    store *st = reopen();
    struct credit_observation seen[2];
    size_t n;
    assert_int_equal(store_credit_list(st, seen, 2, &n), 0);
    assert_int_equal(n, 1);
    assert_int_equal(seen[0].amount_cents, 41250);
    store_close(st);
}

/* `<` goes back (a step to the menu, a field to the one before, the first field out of
 * the form); an empty line takes the choice in brackets. */
static void test_back_and_default(void **state)
{
    (void)state;
    store_close(fresh("lines-back"));
    struct run_result r;
    run_lines(&r,
              "\n"             /* default: step 1, the first not done */
              "\n"             /* default: its first item not ticked */
              "<\n"            /* back to the menu */
              "7\n1\n"         /* Mes mandats, Ajouter */
              "\n"             /* level: municipal by default */
              "Rouen\n"        /* collectivité */
              "<\n"            /* back to the collectivité */
              "<\n"            /* back to the level */
              "<\n"            /* out of the form: nothing saved */
              "<\n"            /* from the list of mandates to the menu */
              "<\n",           /* at the menu: said where one is */
              NULL);
    const struct guide_step *g = guide_step(1);
    char line[1024];
    SAID(&r, "Votre choix [1] :");
    snprintf(line, sizeof line, "Coché : %s", g->items[0].label);
    SAID(&r, harness_fold(line));
    SAID(&r, "Votre choix [2] :"); /* the next item is the default now */
    SAID(&r, "Collectivité [Rouen] :");
    SAID(&r, "Rien n'a été enregistré.");
    SAID(&r, "Vous êtes au menu principal : « q » pour quitter.");
    assert_true(count_of(r.out, "Menu principal —") >= 3);
    assert_true(count_of(r.out, "Niveau :") == 2);
    harness_run_free(&r);

    store *st = reopen();
    struct mandate *m;
    size_t count;
    assert_int_equal(store_mandate_list(st, &m, &count), 0);
    assert_int_equal(count, 0);
    free(m);
    bool done[GUIDE_STEPS][GUIDE_MAX_ITEMS];
    assert_int_equal(store_checklist_load(st, done), 0);
    assert_true(done[0][0]);
    store_close(st);
}

/* The input ends in the middle of a form: what was done before is kept, the form's half
 * is not recorded, and the next run starts where the official was. */
static void test_eof_midway_keeps_what_was_done(void **state)
{
    (void)state;
    store_close(fresh("lines-eof"));
    struct run_result r;
    run_lines(&r, "2\n3\n<\n8\n1\nUne formation à moitié", NULL);
    SAID(&r, "Fin de l'entrée : tout ce que vous avez fait est enregistré.");
    harness_run_free(&r);
    store *st = reopen();
    bool done[GUIDE_STEPS][GUIDE_MAX_ITEMS];
    assert_int_equal(store_checklist_load(st, done), 0);
    assert_true(done[1][2]);
    struct dossier *d;
    size_t count;
    assert_int_equal(store_dossier_list(st, &d, &count), 0);
    assert_int_equal(count, 0);
    free(d);
    store_close(st);

    run_lines(&r, "", NULL);
    SAID(&r, "Mes dossiers d'inscription"); /* where the input ended */
    harness_run_free(&r);
    run_lines(&r, "<\n2\n", NULL);
    char line[1024];
    snprintf(line, sizeof line, "3. [fait] %s", guide_step(2)->items[2].label);
    SAID(&r, harness_fold(line));
    harness_run_free(&r);
}

/* A form half typed in the full-screen wizard: the line mode says it is not saved, and it
 * stays for the wizard until the official moves elsewhere in the line mode. */
static void test_wizard_draft_kept_until_moving(void **state)
{
    (void)state;
    store *st = fresh("lines-draft");
    struct ui_state ui;
    assert_int_equal(store_ui_get(st, &ui), 0);
    snprintf(ui.screen, sizeof ui.screen, "mandat");
    snprintf(ui.draft_screen, sizeof ui.draft_screen, "mandat");
    ui.draft_dirty = true;
    assert_int_equal(store_ui_set(st, &ui), 0);
    assert_int_equal(store_draft_set_field(st, 1, "Rou", ""), 0);
    store_close(st);

    struct run_result r;
    run_lines(&r, "q\n", NULL);
    SAID(&r, "Un formulaire commencé dans l'assistant plein écran n'est pas enregistré");
    SAID(&r, "Mes mandats"); /* the form's list */
    harness_run_free(&r);
    st = reopen();
    struct ui_draft *draft = malloc(sizeof *draft);
    assert_int_equal(store_ui_get(st, &ui), 0);
    assert_string_equal(ui.screen, "mandat");
    assert_true(ui.draft_dirty);
    assert_int_equal(store_draft_get(st, draft), 0);
    assert_string_equal(draft->value[1], "Rou");
    store_close(st);

    run_lines(&r, "<\n", NULL); /* to the menu: the place changes */
    harness_run_free(&r);
    st = reopen();
    assert_int_equal(store_ui_get(st, &ui), 0);
    assert_string_equal(ui.screen, "accueil");
    assert_false(ui.draft_dirty);
    free(draft);
    store_close(st);
}

/* TERM=dumb without --lignes starts the line mode; COLUMNS widens it up to 80. */
static void test_term_dumb_and_columns(void **state)
{
    (void)state;
    store_close(fresh("lines-dumb"));
    struct run_result r;
    harness_run_input(&r, (const char *[]){opt, NULL}, (const char *[]){"TERM=dumb", NULL},
                      "q\n");
    assert_int_equal(r.status, 0);
    SAID(&r, "difelus — mode lignes (lecteur d'écran, plage braille).");
    SAID(&r, "Tout est enregistré. À bientôt !");
    assert_plain_lines(&r, 40);
    harness_run_free(&r);

    run_lines(&r, "1\n", (const char *[]){"COLUMNS=60", NULL});
    assert_plain_lines(&r, 60);
    SAID(&r, "Tapez le numéro d'un choix puis Entrée. Entrée seule : le choix"); /* one line */
    assert_non_null(strstr(r.out, "Tapez le numéro d'un choix puis Entrée. Entrée seule : le"));
    harness_run_free(&r);
    run_lines(&r, "1\n", (const char *[]){"COLUMNS=200", NULL});
    assert_plain_lines(&r, 80);
    harness_run_free(&r);
}

/* --help lists the option; with a command it is refused, not ignored. */
static void test_help_lists_option(void **state)
{
    (void)state;
    struct run_result r;
    harness_run(&r, (const char *[]){"--help", NULL}, NULL);
    assert_int_equal(r.status, 0);
    assert_non_null(strstr(r.out, "--lignes"));
    harness_run_free(&r);
    store_close(fresh("lines-help"));
    harness_run(&r, (const char *[]){opt, "--lignes", "statut", NULL}, NULL);
    assert_int_equal(r.status, 2);
    assert_non_null(strstr(r.err, "--lignes"));
    harness_run_free(&r);
}

/* The official switches: the line mode leaves step 4, the full-screen wizard opens on
 * step 4, goes on to step 5 and quits; the line mode then starts on step 5. */
static void test_switch_with_wizard(void **state)
{
    (void)state;
    store_close(fresh("lines-switch"));
    struct run_result r;
    run_lines(&r, "4\n", NULL);
    SAID(&r, "Étape 4/6 — Créer mon dossier d'inscription");
    harness_run_free(&r);

    struct term *t = start(24, 80, opt, NULL);
    ON_SCREEN(t, "Étape 4/6 — Créer mon dossier d'inscription");
    term_send_key(t, TK_RIGHT);
    ON_SCREEN(t, "Étape 5/6 — Envoyer ma demande");
    quit_cleanly(t);

    run_lines(&r, "", NULL);
    SAID(&r, "Étape 5/6 — Envoyer ma demande");
    assert_null(strstr(r.out, "Étape 4/6"));
    harness_run_free(&r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_six_steps_each_ticked),
        cmocka_unit_test(test_mandate_added_and_listed),
        cmocka_unit_test(test_dossier_through_to_validated),
        cmocka_unit_test(test_steps_move_the_dossier),
        cmocka_unit_test(test_balance_reading),
        cmocka_unit_test(test_step_help),
        cmocka_unit_test(test_back_and_default),
        cmocka_unit_test(test_eof_midway_keeps_what_was_done),
        cmocka_unit_test(test_wizard_draft_kept_until_moving),
        cmocka_unit_test(test_term_dumb_and_columns),
        cmocka_unit_test(test_help_lists_option),
        cmocka_unit_test(test_switch_with_wizard),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
