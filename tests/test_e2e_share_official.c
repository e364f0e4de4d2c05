/* End-to-end: the official's side of a shared session (issue 9, part D). The real wizard
 * runs in a pseudo-terminal with a FAKE difelus-partage: a shell script written here into
 * the folder given as DIFELUS_LIBEXEC_DIR. What the test writes into a FIFO, the script
 * passes to the wizard on fd 3 (the frames a real helper would send); what the wizard
 * writes on fd 3, the script appends to a file this test reads. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <signal.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "difelus/guide.h"
#include "difelus/share.h"
#include "difelus/store.h"
#include "harness.h"
#include "e2e.h"
#include "fixtures.h"
#include "share_fake.h"

/* Names at the limits the relay accepts (100 characters each), with French punctuation. */
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

/* True when one of the changement frames after the first `skip` ones is a changeset that
 * writes a row of `table` (decoded, not matched as text). */
static bool changes_since_touch(struct fake *fk, int skip, const char *table)
{
    size_t len = 0;
    char *got = harness_read_file(fk->received, &len);
    bool found = false;
    int seen = 0;
    const char *head = "changement 0 ";
    for (char *p = got; p && !found && (p = memmem(p, len - (size_t)(p - got), head,
                                                   strlen(head)));) {
        char *nl = memchr(p, '\n', len - (size_t)(p - got));
        if (!nl)
            break;
        size_t n = strtoul(p + strlen(head), NULL, 10);
        char *payload = nl + 1;
        if ((size_t)(got + len - payload) < n)
            break;
        if (seen++ >= skip) {
            sqlite3_changeset_iter *it;
            if (sqlite3changeset_start(&it, (int)n, payload) == SQLITE_OK) {
                while (!found && sqlite3changeset_next(it) == SQLITE_ROW) {
                    const char *tab;
                    int cols, op, indirect;
                    if (sqlite3changeset_op(it, &tab, &cols, &op, &indirect) == SQLITE_OK &&
                        strcmp(tab, table) == 0)
                        found = true;
                }
                sqlite3changeset_finalize(it);
            }
        }
        p = payload + n;
    }
    free(got);
    return found;
}

static void dump(struct term *t)
{
    if (getenv("DUMP"))
        fprintf(stderr, "----\n%s\n", term_text(t));
}

/* A proposal as the agent's side sends it: "<number>\n" then the changeset that `sql`
 * makes on a database with the tables of `schema` (the agent's replica). */
static void send_proposal(struct fake *fk, int number, const char *schema, const char *before,
                          const char *sql)
{
    sqlite3 *mem;
    assert_int_equal(sqlite3_open(":memory:", &mem), SQLITE_OK);
    assert_int_equal(sqlite3_exec(mem, schema, NULL, NULL, NULL), SQLITE_OK);
    if (before)
        assert_int_equal(sqlite3_exec(mem, before, NULL, NULL, NULL), SQLITE_OK);
    sqlite3_session *ses;
    assert_int_equal(sqlite3session_create(mem, "main", &ses), SQLITE_OK);
    assert_int_equal(sqlite3session_attach(ses, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_exec(mem, sql, NULL, NULL, NULL), SQLITE_OK);
    int cs_len = 0;
    void *cs = NULL;
    assert_int_equal(sqlite3session_changeset(ses, &cs_len, &cs), SQLITE_OK);
    assert_true(cs_len > 0);
    char *payload = malloc((size_t)cs_len + 32);
    int n = snprintf(payload, 32, "%d\n", number);
    memcpy(payload + n, cs, (size_t)cs_len);
    fake_send(fk, "proposition", payload, (size_t)cs_len + (size_t)n);
    free(payload);
    sqlite3_free(cs);
    sqlite3session_delete(ses);
    sqlite3_close(mem);
}

/* The session of the test as far as a code shown on the assistance screen. */
static void open_with_code(struct term *t, struct fake *fk, const char *key)
{
    term_send(t, key);
    WAIT(t, "Assistance");
    WAIT(t, "Demande d'un code au relais…");
    fake_say(fk, "ouvert", CODE_JSON);
    WAIT(t, "Code : K7QM-3WX9");
}

/* The row of the screen where text appears, failing when it does not. */
static int row_of(struct term *t, const char *text)
{
    WAIT(t, text);
    int row = term_find_row(t, text);
    assert_true(row >= 0);
    return row;
}

/* `a` shows the code in large letters and as text, what sharing means, the expiry; the
 * banner shows the code on every screen; Échap goes back. A relay that does not answer
 * says so, with the setting to change. */
static void test_code_in_large_letters(void **state)
{
    (void)state;
    struct fake fk;
    fake_setup(&fk, "e2e-share-code");
    struct term *t = fake_start(&fk);
    WAIT(t, "Accueil");
    term_send(t, "a");
    WAIT(t, "Demande d'un code au relais…");
    /* The helper cannot reach the relay yet. */
    fake_say(&fk, "connexion", "perdue délai dépassé");
    WAIT(t, "Le relais du support ne répond pas : vérifiez votre connexion à Internet ; "
            "nouvelle tentative…");
    WAIT(t, "DIFELUS_RELAIS");
    dump(t);
    fake_say(&fk, "ouvert", CODE_JSON);
    WAIT(t, "Code : K7QM-3WX9");
    WAIT(t, "Valable jusqu'à");
    WAIT(t, "encore 10 minutes");
    WAIT(t, "Ne donnez jamais vos mots de passe, votre code FranceConnect+ ni les codes reçus "
            "par SMS");
    /* Large letters: five rows of blocks above the plain code. */
    int text_row = row_of(t, "Code : K7QM-3WX9");
    for (int r = text_row - 5; r < text_row; r++)
        assert_non_null(strstr(term_row(t, r), "█"));
    /* K is "#   #" then "#  # ": its first rows read as blocks in those columns. */
    assert_non_null(strstr(term_row(t, text_row - 5), "█   █"));
    dump(t);
    /* The banner on the title row, on another screen too. */
    assert_non_null(harness_strstr(term_row(t, 0), "code K7QM-3WX9"));
    term_send(t, "\033");
    WAIT(t, "Accueil");
    assert_non_null(harness_strstr(term_row(t, 0), "Partage : code K7QM-3WX9"));
    assert_non_null(harness_strstr(term_row(t, 0), "F4"));
    /* The helper was started as the contract says. */
    char args[4300];
    snprintf(args, sizeof args, "%s/arguments", fk.dir);
    char *a = harness_read_file(args, NULL);
    assert_non_null(a);
    assert_non_null(strstr(a, "officiel --relais "));
    free(a);
    /* F4 cancels the code: the helper is told, the banner goes. */
    term_send(t, F4);
    wait_received(&fk, "fin 0 0\n");
    assert_true(term_wait_gone(t, "Partage :"));
    quit_cleanly(t);
    fake_free(&fk);
}

/* The whole session: a request over a step screen refused, then over a form accepted; the
 * agent gets the snapshot and the changes; control asked, granted, taken back; a forbidden
 * proposal refused with nothing changed; the connection lost; F4 ends; the history. */
static void test_session_with_agent(void **state)
{
    (void)state;
    struct fake fk;
    fake_setup(&fk, "e2e-share-session");
    struct term *t = fake_start(&fk);
    WAIT(t, "Accueil");

    /* A request over a step screen: who and what, o / n only. */
    open_with_code(t, &fk, "a");
    term_send(t, "\033");
    WAIT(t, "Accueil");
    term_send(t, "1");
    WAIT(t, "Étape 1/6");
    fake_say(&fk, "demande", AGENT_JSON);
    WAIT(t, "DEMANDE DU SUPPORT");
    WAIT(t, "Marie-Hélène Dupont-Lefèvre");
    WAIT(t, "pôle élus)");
    WAIT(t, "demande à voir votre écran");
    WAIT(t, "o : accepter");
    /* the key row says what works while the question is open (walkthrough 8) */
    WAIT(t, "o accepter  n refuser  F4 arrêter le partage  F10");
    if (term_find_row(t, "o accepter  n refuser  F4 arrêter le partage  F10") != 23)
        fail_msg("ligne des touches pendant la question :\n%s", term_text(t));
    dump(t);
    term_send(t, "2");
    WAIT(t, "Répondez d'abord au support : o pour accepter, n pour refuser");
    WAIT(t, "DEMANDE DU SUPPORT"); /* still there, still on step 1 */
    assert_true(term_find_row(t, "Étape 1/6") >= 0);
    WAIT(t, "o : accepter"); /* a second without keys: o and n answer again */
    term_send(t, "n");
    wait_received(&fk, "refuse 0 0\n");
    assert_true(term_wait_gone(t, "DEMANDE DU SUPPORT"));
    assert_true(term_wait_gone(t, "Partage :"));
    WAIT(t, "Vous avez refusé la demande de Marie-Hélène");

    /* A new code, asked from a step screen with F2, then a request over a form. */
    open_with_code(t, &fk, F2);
    term_send(t, "\033");
    WAIT(t, "Étape 1/6");
    term_send(t, "m");
    WAIT(t, "Mes mandats");
    term_send(t, "n");
    WAIT(t, "Fonction (maire, adjoint…)");
    fake_say(&fk, "demande", AGENT_JSON);
    WAIT(t, "DEMANDE DU SUPPORT");
    WAIT(t, "Marie-Hélène Dupont-Lefèvre");
    /* Typed as the question appears: not an answer, and not typed into the form. */
    term_send(t, "o");
    WAIT(t, "Touche ignorée : lisez la question, puis répondez : o oui, n non.");
    WAIT(t, "Lisez la question, puis répondez : o oui, n non");
    WAIT(t, "o : accepter");
    assert_false(received_has(&fk, "accepte 0 0\n", 12));
    WAIT(t, "DEMANDE DU SUPPORT");
    term_send(t, "x"); /* not typed into the form */
    WAIT(t, "Répondez d'abord au support");
    /* Still typing (« xo… »): the o right after another key is not an answer either. */
    term_send(t, "o");
    WAIT(t, "Touche ignorée : lisez la question");
    WAIT(t, "o : accepter");
    assert_false(received_has(&fk, "accepte 0 0\n", 12));
    term_send(t, "o");
    wait_received(&fk, "accepte 0 0\n");
    wait_received(&fk, "instantane 0 ");
    assert_true(term_wait_gone(t, "DEMANDE DU SUPPORT"));
    WAIT(t, "lecture seule");
    if (!harness_strstr(term_row(t, 0), "Partage : Marie-Hélène"))
        fail_msg("bandeau : %s", term_text(t));
    assert_non_null(harness_strstr(term_row(t, 0), "lecture seule"));

    /* The assistance screen with the longest names, at 80×24: who, which mode, the keys. */
    term_send(t, F2);
    WAIT(t, "Connecté : Marie-Hélène Dupont-Lefèvre");
    WAIT(t, "Saône-et-Loire…)"); /* as share_state keeps it (SHARE_NAME_COLS) */
    WAIT(t, "Mode : lecture seule");
    WAIT(t, "F4 : arrêter le partage");
    WAIT(t, "Historique des partages");
    dump(t);
    /* The history scrolls (walkthrough 13): ↓ goes back in time and says what is above. */
    term_send_key(t, TK_DOWN);
    WAIT(t, "1 plus récent au-dessus, ↑");
    term_send_key(t, TK_UP);
    assert_true(term_wait_gone(t, "plus récent au-dessus"));
    term_send_key(t, TK_UP);
    WAIT(t, "Vous êtes en haut de l'historique.");
    term_send(t, "\033");
    WAIT(t, "Fonction (maire, adjoint…)");

    /* A tick by the official goes to the agent as a change. */
    term_send(t, "\033");
    assert_true(term_wait_gone(t, "nouveau mandat")); /* Échap acted: not Alt-1 with the 1 */
    WAIT(t, "Mes mandats");
    term_send(t, "1");
    WAIT(t, "Étape 1/6");
    /* Counted before the tick: the F2/Échap/1 presses sent changes of ui_state already
     * (review 17); the new one must carry the checklist row. */
    int before_tick = count_received(&fk, "changement 0 ");
    term_send(t, " ");
    for (int i = 0; i < WAIT_MS / 5 && !changes_since_touch(&fk, before_tick, "checklist"); i++) {
        struct timespec ts = {0, 5 * 1000 * 1000};
        nanosleep(&ts, NULL);
    }
    assert_true(changes_since_touch(&fk, before_tick, "checklist"));

    /* Control: asked, granted; a forbidden proposal refused; F3 takes it back. */
    fake_say(&fk, "demande-controle", "");
    WAIT(t, "DEMANDE DE CONTRÔLE");
    WAIT(t, "Marie-Hélène Dupont-Lefèvre");
    WAIT(t, "o : accepter");
    term_send(t, "o");
    wait_received(&fk, "controle-accorde 0 0\n");
    WAIT(t, "contrôle · F3 F4");
    dump(t);

    send_proposal(&fk, 7, "CREATE TABLE setting (key TEXT PRIMARY KEY, value TEXT NOT NULL);",
                  NULL, "INSERT INTO setting VALUES ('organisme.telephone', '08 99 99 99 99');");
    wait_received(&fk, "\n7 refus ");
    WAIT(t, "Modification de Marie-Hélène");
    WAIT(t, "refusée, rien n'a changé");
    {
        store *st = fixture_open(fk.db_opt + strlen("--db="));
        char phone[256] = "";
        store_setting_get(st, "organisme.telephone", phone, sizeof phone);
        assert_null(strstr(phone, "08 99 99 99 99"));
        store_close(st);
    }
    /* An allowed proposal: the agent ticks the second item of step 1 for the official. */
    int changes = count_received(&fk, "changement 0 ");
    const struct guide_step *g1 = guide_step(1);
    char tick[512];
    snprintf(tick, sizeof tick, "INSERT INTO checklist VALUES ('%s', 1, 1, "
                                "'2026-11-27T09:00:00Z', 'agent');", g1->items[1].id);
    send_proposal(&fk, 8, "CREATE TABLE checklist (item TEXT PRIMARY KEY, step INTEGER NOT "
                          "NULL, done INTEGER NOT NULL DEFAULT 0, done_at TEXT, done_by TEXT);",
                  NULL, tick);
    wait_received(&fk, "\n8 ok");
    char ticked[300];
    snprintf(ticked, sizeof ticked, "[x] %.40s", g1->items[1].label);
    WAIT(t, ticked);
    /* What it changed goes back to the agent like the official's own changes. */
    for (int i = 0; i < WAIT_MS / 5 && count_received(&fk, "changement 0 ") == changes; i++) {
        struct timespec ts = {0, 5 * 1000 * 1000};
        nanosleep(&ts, NULL);
    }
    assert_true(count_received(&fk, "changement 0 ") > changes);

    term_send(t, F3);
    wait_received(&fk, "controle-retire 0 0\n");
    WAIT(t, "Vous avez repris le contrôle");
    assert_non_null(harness_strstr(term_row(t, 0), "lecture seule"));

    /* Refusing control. */
    fake_say(&fk, "demande-controle", "");
    WAIT(t, "DEMANDE DE CONTRÔLE");
    WAIT(t, "o : accepter");
    term_send(t, "n");
    wait_received(&fk, "controle-refuse 0 0\n");
    assert_true(term_wait_gone(t, "DEMANDE DE CONTRÔLE"));
    /* Asked again at once: refused without asking the official again, and logged. */
    fake_say(&fk, "demande-controle", "");
    for (int i = 0; i < WAIT_MS / 5 && count_received(&fk, "controle-refuse 0 0\n") < 2; i++) {
        struct timespec ts = {0, 5 * 1000 * 1000};
        nanosleep(&ts, NULL);
    }
    assert_int_equal(count_received(&fk, "controle-refuse 0 0\n"), 2);
    assert_int_equal(term_find_row(t, "DEMANDE DE CONTRÔLE"), -1);

    /* The connection to the relay lost, then back. */
    fake_say(&fk, "connexion", "perdue");
    WAIT(t, "connexion perdue, nouvelle tentative…"); /* the title keeps its room */
    fake_say(&fk, "connexion", "retablie");
    assert_true(term_wait_gone(t, "connexion perdue"));

    /* The agent asks for a new snapshot. */
    int before = count_received(&fk, "instantane 0 ");
    fake_say(&fk, "besoin-instantane", "");
    for (int i = 0; i < WAIT_MS / 5 && count_received(&fk, "instantane 0 ") == before; i++) {
        struct timespec ts = {0, 5 * 1000 * 1000};
        nanosleep(&ts, NULL);
    }
    assert_true(count_received(&fk, "instantane 0 ") > before);

    /* F4 ends it, on any screen. */
    term_send(t, F4);
    wait_received(&fk, "fin 0 0\n");
    assert_true(term_wait_gone(t, "Partage :"));
    WAIT(t, "Partage arrêté");

    /* The history, newest first, on the assistance screen. */
    term_send(t, "a");
    WAIT(t, "Historique des partages");
    WAIT(t, "Partage arrêté — Marie-Hélène");
    WAIT(t, "Contrôle refusé");
    WAIT(t, "Contrôle repris");
    WAIT(t, "Modification de l'agent refusée");
    WAIT(t, "Contrôle accordé");
    WAIT(t, "Connexion acceptée");
    int newest = row_of(t, "Partage arrêté — ");
    int older = row_of(t, "Contrôle accordé");
    assert_true(newest < older);
    /* Nothing of the screen below 24 rows. */
    assert_true(row_of(t, "Historique des partages") < 23);
    dump(t);
    term_send(t, F4);
    assert_true(term_wait_gone(t, "Partage :"));
    quit_cleanly(t);
    fake_free(&fk);
}

/* The agent leaves; the code expires; a helper that fails says why. */
static void test_ends_without_the_official(void **state)
{
    (void)state;
    struct fake fk;
    fake_setup(&fk, "e2e-share-ends");
    struct term *t = fake_start(&fk);
    WAIT(t, "Accueil");
    open_with_code(t, &fk, "a");
    fake_say(&fk, "demande", AGENT_JSON);
    WAIT(t, "DEMANDE DU SUPPORT");
    WAIT(t, "o : accepter");
    term_send(t, "o");
    wait_received(&fk, "accepte 0 0\n");
    fake_say(&fk, "depart", "");
    WAIT(t, "a quitté le partage");
    assert_true(term_wait_gone(t, "Partage :"));
    WAIT(t, "Départ de l'agent");

    /* A code that expires: the screen says so, the history too. */
    term_send(t, "\r");
    WAIT(t, "Demande d'un code au relais…");
    fake_say(&fk, "ouvert", "{\"code\":\"K7QM3WX9\",\"expire\":1}");
    WAIT(t, "Le code a expiré");
    WAIT(t, "Code expiré");
    assert_true(term_wait_gone(t, "Partage :"));

    /* The helper gives up with a French message. */
    term_send(t, "\r");
    WAIT(t, "Demande d'un code au relais…");
    fake_say(&fk, "erreur", "adresse du\001 relais\a invalide.");
    WAIT(t, "Le partage s'est arrêté : adresse du relais invalide.");
    assert_true(term_wait_gone(t, "Partage :"));

    /* The helper speaks garbage: the session stops, said in French. */
    open_with_code(t, &fk, "\r");
    const char garbage[] = "CECI N'EST PAS UNE TRAME\n";
    assert_int_equal(write(fk.fifo, garbage, sizeof garbage - 1), (ssize_t)(sizeof garbage - 1));
    WAIT(t, "Le partage s'est arrêté : Le programme de partage difelus-partage a envoyé un "
            "message illisible");
    assert_true(term_wait_gone(t, "Partage :"));
    term_send(t, "a"); /* a key that does nothing here says so */
    WAIT(t, "Vous êtes dans l'assistance");

    /* The relay ends the session (its helper says `fin`). */
    open_with_code(t, &fk, "\r");
    fake_say(&fk, "fin", "");
    WAIT(t, "Le relais du support a mis fin au partage.");
    assert_true(term_wait_gone(t, "Partage :"));
    quit_cleanly(t);
    fake_free(&fk);
}

/* kill -9 in the middle of a session: at the next start no banner, and « interrompu » in
 * the history. */
static void test_killed_mid_session(void **state)
{
    (void)state;
    struct fake fk;
    fake_setup(&fk, "e2e-share-killed");
    struct term *t = fake_start(&fk);
    WAIT(t, "Accueil");
    open_with_code(t, &fk, "a");
    fake_say(&fk, "demande", AGENT_JSON);
    WAIT(t, "DEMANDE DU SUPPORT");
    WAIT(t, "o : accepter");
    term_send(t, "o");
    wait_received(&fk, "accepte 0 0\n");
    WAIT(t, "lecture seule");
    pid_t pid = child_pid();
    assert_true(pid > 0);
    kill(pid, SIGKILL);
    term_wait_exit(t);
    term_free(t);

    t = fake_start(&fk);
    WAIT(t, "Assistance");
    wait_idle(child_pid());
    assert_null(harness_strstr(term_text(t), "Partage :"));
    assert_null(strstr(term_text(t), "DEMANDE DU SUPPORT"));
    WAIT(t, "La dernière session d'assistance a été interrompue");
    WAIT(t, "Partage interrompu");
    WAIT(t, "Le partage d'écran a été interrompu quand difelus s'est arrêté");
    assert_null(harness_strstr(term_text(t), "(lecture seule). F4"));
    dump(t);
    quit_cleanly(t);
    fake_free(&fk);
}

/* A database above 1 MiB goes in `instantane-partie` frames of 1 MiB, then `instantane`;
 * what another process writes meanwhile goes as a new snapshot. */
static void test_big_snapshot_and_other_process(void **state)
{
    (void)state;
    struct fake fk;
    fake_setup(&fk, "e2e-share-big");
    store_close(fixture_open(fk.db_opt + strlen("--db=")));
    sqlite3 *db;
    assert_int_equal(sqlite3_open(fk.db_opt + strlen("--db="), &db), SQLITE_OK);
    assert_int_equal(sqlite3_exec(db, "CREATE TABLE bourrage (x BLOB); INSERT INTO bourrage "
                                      "VALUES (randomblob(1500000));", NULL, NULL, NULL),
                     SQLITE_OK);
    sqlite3_close(db);
    struct term *t = fake_start(&fk);
    WAIT(t, "Accueil");
    open_with_code(t, &fk, "a");
    fake_say(&fk, "demande", AGENT_JSON);
    WAIT(t, "DEMANDE DU SUPPORT");
    WAIT(t, "o : accepter");
    term_send(t, "o");
    wait_received(&fk, "instantane-partie 0 1048576\n");
    wait_received(&fk, "instantane 0 ");
    assert_int_equal(count_received(&fk, "instantane 0 "), 1);

    struct run_result r;
    harness_run(&r, (const char *[]){fk.db_opt, "reglage", "organisme.nom", "Formations 76",
                                     NULL},
                NULL);
    assert_int_equal(r.status, 0);
    harness_run_free(&r);
    for (int i = 0; i < WAIT_MS / 5 && count_received(&fk, "instantane 0 ") < 2; i++) {
        struct timespec ts = {0, 5 * 1000 * 1000};
        nanosleep(&ts, NULL);
    }
    assert_int_equal(count_received(&fk, "instantane 0 "), 2);
    assert_int_equal(count_received(&fk, "instantane-partie 0 1048576\n"), 2);
    term_send(t, "q"); /* an agent is connected: quitting asks first (it ends the share) */
    WAIT(t, "Quitter arrête aussi le partage");
    quit_cleanly_answer(t, "o");
    wait_received(&fk, "fin 0 0\n"); /* quitting ends the sharing */
    fake_free(&fk);
}

/* Review 18: control characters in the name and organisation of a request (an escape that
 * would clear the screen, a carriage return, a tab) never reach the terminal: the question
 * and the banner show clean text. */
static void test_request_with_control_characters(void **state)
{
    (void)state;
    struct fake fk;
    fake_setup(&fk, "e2e-share-controles");
    struct term *t = fake_start(&fk);
    WAIT(t, "Accueil");
    open_with_code(t, &fk, "a");
    fake_say(&fk, "demande", "{\"agent\":\"a\",\"nom\":\"\\u001b[2JJeanne\\rRoux\\t\","
                             "\"organisme\":\"Gestions\\u001b[31m\\rLocales\"}");
    WAIT(t, "DEMANDE DU SUPPORT");
    WAIT(t, "Jeanne");
    WAIT(t, "Locales");
    assert_null(strstr(term_text(t), "[2J"));
    assert_null(strstr(term_text(t), "[31m"));
    /* The screen below was not cleared by an escape sequence: the title is still there. */
    assert_non_null(harness_strstr(term_row(t, 0), "Assistance"));
    WAIT(t, "o : accepter");
    term_send(t, "o");
    wait_received(&fk, "accepte 0 0\n");
    WAIT(t, "lecture seule · F4");
    assert_non_null(harness_strstr(term_row(t, 0), "Partage : Jeanne"));
    assert_null(strstr(term_row(t, 0), "[2J"));
    term_send(t, F4);
    wait_received(&fk, "fin 0 0\n");
    quit_cleanly(t);
    fake_free(&fk);
}

/* A second difelus started on the same database while a share runs leaves it alone
 * (review 14): the share's owner is the first process, still alive. */
static void test_second_wizard_leaves_share(void **state)
{
    (void)state;
    struct fake fk;
    fake_setup(&fk, "e2e-share-second");
    struct term *t = fake_start(&fk);
    pid_t first = fk.wizard;
    WAIT(t, "Accueil");
    open_with_code(t, &fk, "a");
    fake_say(&fk, "demande", AGENT_JSON);
    WAIT(t, "DEMANDE DU SUPPORT");
    WAIT(t, "o : accepter");
    term_send(t, "o");
    wait_received(&fk, "accepte 0 0\n");
    WAIT(t, "lecture seule");
    {
        store *st = fixture_open(fk.db_opt + strlen("--db="));
        struct share_state s;
        assert_int_equal(store_share_get(st, &s), 0);
        assert_int_equal(s.owner_pid, (long long)first);
        store_close(st);
    }
    struct term *second = start(24, 80, fk.db_opt, NULL);
    WAIT(second, "Historique des partages");
    /* It shows what the database says: the first one's session (review 13). */
    WAIT(second, "Connecté : Marie-Hélène");
    WAIT(second, "Partage : Marie-Hélène");
    wait_idle(child_pid());
    assert_null(strstr(term_text(second), "Le partage d'écran a été interrompu"));
    quit_cleanly(second);
    store *st = fixture_open(fk.db_opt + strlen("--db="));
    struct share_state s;
    assert_int_equal(store_share_get(st, &s), 0);
    assert_int_equal(s.phase, SHARE_VIEW);
    struct share_log_entry log[SHARE_LOG_MAX];
    size_t n = 0;
    assert_int_equal(store_share_log_list(st, log, SHARE_LOG_MAX, &n), 0);
    for (size_t i = 0; i < n; i++)
        assert_string_not_equal(log[i].event, "interrompu");
    store_close(st);
    /* The first one still shares. */
    assert_non_null(harness_strstr(term_row(t, 0), "lecture seule"));
    term_send(t, F4);
    wait_received(&fk, "fin 0 0\n");
    quit_cleanly(t);
    fake_free(&fk);
}

/* The screens a session's banner must not cover anything of, with the key that leads
 * there, a text that says it is shown and the key that leaves it. */
static const struct {
    const char *key, *marker, *leave;
} every_screen[] = {
    {"h", "1-6 étapes", NULL},
    {"1", "Espace cocher", NULL},
    {"2", "Espace cocher", NULL},
    {"3", "Espace cocher", NULL},
    {"4", "Espace cocher", NULL},
    {"5", "Espace cocher", NULL},
    {"6", "Espace cocher", NULL},
    {"m", "Vos mandats d'élu(e)", NULL},
    {"n", "Fonction (maire, adjoint…)", "\033"},
    {"s", "F8 supprimer le dernier relevé", "\033"},
    {"?", "Les touches", "\033"},
    {"d", "n nouveau  Entrée ouvrir", NULL},
    {"r", "Entrée résultats  F5 télécharger", "\033"},
};
#define SCREEN_COUNT (sizeof every_screen / sizeof every_screen[0])

/* Rows 1 to 22 of each screen, as the screen draws them. */
static void visit_every_screen(struct term *t, char rows[][24 * 400], bool banner)
{
    for (size_t i = 0; i < SCREEN_COUNT; i++) {
        term_send(t, every_screen[i].key);
        WAIT(t, every_screen[i].marker);
        /* A function key that does nothing says so below everything the screen drew: once
         * its words are there, so is the screen (F11 and F12 in turn, so that the words of
         * the screen before never match). */
        bool odd = i % 2;
        term_send(t, odd ? "\033[23~" : "\033[24~");
        WAIT(t, odd ? "La touche F11 ne fait rien ici" : "La touche F12 ne fait rien ici");
        if (banner && (!harness_strstr(term_row(t, 0), "Partage : Marie Dupont") ||
                       !harness_strstr(term_row(t, 0), "lecture seule · F4")))
            fail_msg("pas de bandeau après « %s » :\n%s", every_screen[i].key, term_text(t));
        if (!banner && harness_strstr(term_row(t, 0), "Partage"))
            fail_msg("bandeau resté après « %s » :\n%s", every_screen[i].key, term_text(t));
        rows[i][0] = '\0';
        for (int y = 1; y < 23; y++) { /* the key line may come after the message */
            strcat(rows[i], term_row(t, y));
            strcat(rows[i], "\n");
        }
        if (every_screen[i].leave) {
            term_send(t, every_screen[i].leave);
            /* Échap acted before the next key: sent together, they are Alt and a key. */
            assert_true(term_wait_gone(t, every_screen[i].marker));
        }
    }
}

/* At 80×24 on every screen, the banner takes the title row only: rows 1 to 22 (the key
 * line aside) are the same with and without it. F4 over the question ends the session at once. */
static void test_banner_hides_nothing(void **state)
{
    (void)state;
    struct fake fk;
    fake_setup(&fk, "e2e-share-banner");
    struct term *t = fake_start(&fk);
    WAIT(t, "Accueil");
    open_with_code(t, &fk, "a");
    fake_say(&fk, "demande", "{\"agent\":\"a\",\"nom\":\"Marie Dupont\","
                             "\"organisme\":\"Formations Élus\"}");
    WAIT(t, "DEMANDE DU SUPPORT");
    WAIT(t, "o : accepter");
    term_send(t, "o");
    WAIT(t, "lecture seule");
    static char with[SCREEN_COUNT][24 * 400], without[SCREEN_COUNT][24 * 400];
    visit_every_screen(t, with, true);
    term_send(t, F4);
    wait_received(&fk, "fin 0 0\n");
    assert_true(term_wait_gone(t, "Partage :"));
    visit_every_screen(t, without, false);
    for (size_t i = 0; i < SCREEN_COUNT; i++)
        if (strcmp(with[i], without[i]) != 0) {
            fprintf(stderr, "avec le bandeau :\n%s\nsans :\n%s", with[i], without[i]);
            fail_msg("après « %s », l'écran diffère avec le bandeau", every_screen[i].key);
        }

    /* F4 answers the question too: the session ends. */
    term_send(t, "a");
    WAIT(t, "Demande d'un code au relais…");
    fake_say(&fk, "ouvert", CODE_JSON);
    WAIT(t, "Code : K7QM-3WX9");
    fake_say(&fk, "demande", AGENT_JSON);
    WAIT(t, "DEMANDE DU SUPPORT");
    int fins = count_received(&fk, "fin 0 0\n");
    term_send(t, F4);
    assert_true(term_wait_gone(t, "DEMANDE DU SUPPORT"));
    assert_true(term_wait_gone(t, "Partage :"));
    for (int i = 0; i < WAIT_MS / 5 && count_received(&fk, "fin 0 0\n") == fins; i++) {
        struct timespec ts = {0, 5 * 1000 * 1000};
        nanosleep(&ts, NULL);
    }
    assert_true(count_received(&fk, "fin 0 0\n") > fins);

    /* A 100-character name: the screen's title keeps its first words (the agent must see
     * which screen the official is on), the banner the name cut with « … » and the mode. */
    term_send(t, "\r");
    WAIT(t, "Demande d'un code au relais…");
    fake_say(&fk, "ouvert", CODE_JSON);
    WAIT(t, "Code : K7QM-3WX9");
    fake_say(&fk, "demande", AGENT_JSON);
    WAIT(t, "DEMANDE DU SUPPORT");
    WAIT(t, "o : accepter");
    term_send(t, "o");
    wait_received(&fk, "accepte 0 0\n");
    WAIT(t, "lecture seule · F4");
    static const struct {
        const char *key, *title;
    } titled[] = {{"h", "Accueil — Inscription"}, {"1", "Étape 1/6"}, {"m", "Mes mandats"}};
    for (size_t i = 0; i < sizeof titled / sizeof titled[0]; i++) {
        term_send(t, titled[i].key);
        WAIT(t, titled[i].title);
        if (!harness_strstr(term_row(t, 0), titled[i].title) ||
            !harness_strstr(term_row(t, 0), "Partage : Marie-") ||
            !harness_strstr(term_row(t, 0), " — lecture seule · F4"))
            fail_msg("titre ou bandeau caché après « %s » : %s", titled[i].key,
                     term_row(t, 0));
        assert_null(harness_strstr(term_row(t, 0), "pôle élus"));
    }
    term_send(t, F4);
    wait_received(&fk, "fin 0 0\n");
    quit_cleanly(t);
    fake_free(&fk);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_code_in_large_letters),
        cmocka_unit_test(test_session_with_agent),
        cmocka_unit_test(test_ends_without_the_official),
        cmocka_unit_test(test_killed_mid_session),
        cmocka_unit_test(test_second_wizard_leaves_share),
        cmocka_unit_test(test_request_with_control_characters),
        cmocka_unit_test(test_big_snapshot_and_other_process),
        cmocka_unit_test(test_banner_hides_nothing),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
