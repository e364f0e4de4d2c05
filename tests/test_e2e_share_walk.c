/* End-to-end: what a tester's walkthrough of the shared session found outside the share's
 * own screens. On the official's side, with the FAKE difelus-partage of
 * share_fake.h (a script in DIFELUS_LIBEXEC_DIR passing the frames the test
 * writes into a FIFO): the « Terminal trop petit » screen keeps the share in sight (who,
 * F4, the agent's question answered with o / n, « 70 × 20 » on one row); quitting with an
 * agent connected says that the share ends too (q, F10, the form's question). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "harness.h"
#include "e2e.h"
#include "share_fake.h"

#define AGENT_NAME "Marie-Hélène Dupont-Lefèvre de la Tour d’Auvergne « Mariette » : " \
                   "conseillère ; support ! ? dévouée"
#define AGENT_ORG "Formations Élus — Association départementale des maires de " \
                  "Saône-et-Loire (AD71) : pôle élus"
#define AGENT_JSON "{\"agent\":\"0123456789abcdef0123456789abcdef\",\"nom\":\"" AGENT_NAME \
                   "\",\"organisme\":\"" AGENT_ORG "\"}"
#define CODE_JSON "{\"code\":\"K7QM3WX9\",\"expire\":600}"

#define F2 "\033OQ"
#define F3 "\033OR"
#define F4 "\033OS"

/* The session of the test as far as a code shown on the assistance screen. */
static void open_with_code(struct term *t, struct fake *fk, const char *key)
{
    term_send(t, key);
    WAIT(t, "Assistance");
    WAIT(t, "Demande d'un code au relais…");
    fake_say(fk, "ouvert", CODE_JSON);
    WAIT(t, "Code : K7QM-3WX9");
}


/* A session in view mode with the agent of AGENT_JSON, from the home screen. */
static void admitted(struct term *t, struct fake *fk)
{
    open_with_code(t, fk, "a");
    term_send(t, "\033");
    WAIT(t, "Accueil");
    fake_say(fk, "demande", AGENT_JSON);
    WAIT(t, "DEMANDE DU SUPPORT");
    WAIT(t, "o : accepter"); /* keys typed in the question's first second are not answers */
    term_send(t, "o");
    wait_received(fk, "accepte 0 0\n");
    assert_true(term_wait_gone(t, "DEMANDE DU SUPPORT"));
    WAIT(t, "lecture seule");
}

/* Finding 3: at 70×20 the share is still in sight and still answers. */
static void test_too_small_keeps_the_share(void **state)
{
    (void)state;
    struct fake fk;
    fake_setup(&fk, "e2e-walk-small");
    struct term *t = fake_start(&fk);
    WAIT(t, "Accueil");
    admitted(t, &fk);

    term_resize(t, 20, 70);
    WAIT(t, "Terminal trop petit");
    /* who is watching, in which mode, and how to stop it */
    WAIT(t, "lecture seule · F4");
    WAIT(t, "Marie-Hélène Dupont-Lefèvre");
    WAIT(t, "F4 : arrêter le partage");
    /* the size on one row, never « 70 » at a row's end and « × 20 » on the next */
    WAIT(t, "la fenêtre fait 70 × 20.");
    if (term_find_row(t, "70 × 20.") < 0)
        fail_msg("« 70 × 20 » coupé :\n%s", term_text(t));
    assert_non_null(strstr(term_text(t), "70\u00a0×\u00a020"));

    /* the agent asks for control: the question shows over this screen, o answers it */
    fake_say(&fk, "demande-controle", "");
    WAIT(t, "DEMANDE DE CONTRÔLE");
    WAIT(t, "o : accepter");
    term_send(t, "x");
    WAIT(t, "Répondez d'abord au support");
    WAIT(t, "o : accepter"); /* a second without keys: o and n answer again */
    term_send(t, "o");
    wait_received(&fk, "controle-accorde 0 0\n");
    assert_true(term_wait_gone(t, "DEMANDE DE CONTRÔLE"));
    WAIT(t, "contrôle · F3 reprendre, F4 arrêter");
    WAIT(t, "Terminal trop petit");

    /* F4 ends the share from here too */
    term_send(t, F4);
    wait_received(&fk, "fin 0 0\n");
    assert_true(term_wait_gone(t, "Partage :"));
    WAIT(t, "Terminal trop petit");

    term_resize(t, 24, 80);
    WAIT(t, "Accueil");
    quit_cleanly(t);
    fake_free(&fk);
}

/* Finding 22: q, F10 and the form's « quitter sans enregistrer ? » say that the share ends
 * too; n stays (the share goes on), o quits and the agent is told. */
static void test_quit_says_the_share_ends(void **state)
{
    (void)state;
    struct fake fk;
    fake_setup(&fk, "e2e-walk-quit");
    struct term *t = fake_start(&fk);
    WAIT(t, "Accueil");
    admitted(t, &fk);

    term_send(t, "q");
    WAIT(t, "Quitter arrête aussi le partage avec Marie-Hélène");
    WAIT(t, "o : oui, quitter");
    term_send(t, "n");
    WAIT(t, "Vous restez : le partage continue.");
    WAIT(t, "Accueil");
    assert_int_equal(count_received(&fk, "fin 0 0\n"), 0);

    term_send_key(t, TK_F10);
    WAIT(t, "Quitter arrête aussi le partage avec Marie-Hélène");
    term_send(t, "2"); /* not an answer: asked again, nothing else happens */
    WAIT(t, "Quitter arrête aussi le partage");
    assert_true(term_find_row(t, "Accueil") >= 0);
    term_send(t, "\033");
    /* Échap acted before m: sent together, they are Alt-m (not an answer either). */
    assert_true(term_wait_gone(t, "Quitter arrête aussi le partage"));
    WAIT(t, "Vous restez");

    /* A form with typed text: one question says both. */
    term_send(t, "m");
    WAIT(t, "Mes mandats");
    term_send(t, "n");
    WAIT(t, "Fonction (maire, adjoint…)");
    term_send(t, "\tRouen");
    WAIT(t, "Rouen");
    term_send_key(t, TK_F10);
    WAIT(t, "Quitter sans enregistrer ce que vous avez tapé ?");
    WAIT(t, "Quitter arrête aussi le partage avec Marie-Hélène");
    term_send(t, "n");
    WAIT(t, "Rien n'est perdu");
    term_send(t, "\033");
    WAIT(t, "Abandonner ce que vous avez tapé ?");
    term_send(t, "o");
    WAIT(t, "Mes mandats");

    term_send(t, "q");
    WAIT(t, "Quitter arrête aussi le partage");
    quit_cleanly_answer(t, "o");
    wait_received(&fk, "fin 0 0\n");
    fake_free(&fk);
}

/* The agent leaves while the question is asked: its message replaces the question, which
 * is forgotten (a later o does not quit), and q then quits at once. */
static void test_agent_leaves_while_asking(void **state)
{
    (void)state;
    struct fake fk;
    fake_setup(&fk, "e2e-walk-quit-leaves");
    struct term *t = fake_start(&fk);
    WAIT(t, "Accueil");
    admitted(t, &fk);
    term_send(t, "q");
    WAIT(t, "Quitter arrête aussi le partage");
    fake_say(&fk, "depart", "");
    WAIT(t, "a quitté le partage.");
    assert_true(term_wait_gone(t, "Partage :"));
    term_send(t, "o");
    WAIT(t, "La touche « o » ne fait rien ici");
    quit_cleanly(t);
    fake_free(&fk);
}

/* Without an agent connected nothing is asked: q quits at once. */
static void test_quit_without_agent(void **state)
{
    (void)state;
    struct fake fk;
    fake_setup(&fk, "e2e-walk-quit-none");
    struct term *t = fake_start(&fk);
    WAIT(t, "Accueil");
    open_with_code(t, &fk, "a");
    term_send(t, "\033");
    WAIT(t, "Accueil");
    quit_cleanly(t);
    fake_free(&fk);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_too_small_keeps_the_share),
        cmocka_unit_test(test_quit_says_the_share_ends),
        cmocka_unit_test(test_agent_leaves_while_asking),
        cmocka_unit_test(test_quit_without_agent),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
