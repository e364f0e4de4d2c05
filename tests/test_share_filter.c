/* The changeset filter: what the official's side accepts of an agent's proposal. Anything
 * outside the allowed tables, any value the official's own forms would refuse, a change
 * not attributed to the agent, garbage: refused with a French reason, the database left
 * byte for byte as it was. An allowed tick goes through, recorded as the agent's. */
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
#include "fixtures.h"
#include "difelus/share.h"
#include "difelus/store.h"
#include "difelus/text.h"
#include "store_internal.h"

struct pair {
    store *off, *rep;
    long long dossier;
};

/* Proposal numbers only grow, as the agent's do (each test's database starts at 0). */
static unsigned long long next_number;

static int apply(store *off, const void *buf, size_t len)
{
    return store_share_apply_proposal(off, ++next_number, buf, len);
}

static struct pair setup(const char *name)
{
    struct pair p;
    p.off = fixture_fresh(name, NULL, 0);
    fixture_mandate(p.off, MANDATE_MUNICIPAL, "Saint-Étienne-de-Tinée", "Conseillère municipale",
                    (struct date){2020, 7, 1}, (struct date){2026, 3, 15});
    p.dossier = fixture_dossier(p.off, "Les finances locales", (struct date){2026, 11, 2},
                                (struct date){2027, 1, 12}, 700);
    assert_int_equal(store_share_record_start(p.off), 0);
    void *snap;
    size_t len;
    assert_int_equal(store_snapshot(p.off, &snap, &len), 0);
    char err[512];
    p.rep = store_open_replica(snap, len, NULL, err, sizeof err);
    free(snap);
    if (!p.rep)
        fail_msg("%s", err);
    return p;
}

static void teardown(struct pair *p)
{
    store_close(p->rep);
    store_close(p->off);
}

/* The proposal made by running sql on the agent's copy. */
static void *propose_sql(store *rep, const char *sql, size_t *len)
{
    assert_int_equal(store_proposal_begin(rep), 0);
    char *msg = NULL;
    if (sqlite3_exec(store_db(rep), sql, NULL, NULL, &msg) != SQLITE_OK)
        fail_msg("%s : %s", sql, msg);
    void *buf = NULL;
    assert_int_equal(store_proposal_end(rep, &buf, len), 0);
    assert_non_null(buf);
    return buf;
}

/* Applies a proposal that must be refused with a reason holding `why`; the official's
 * database and what its recording would send stay exactly as they were. */
static void assert_refused(store *off, const void *buf, size_t len, const char *why)
{
    void *before, *after;
    size_t nb, na;
    assert_int_equal(store_snapshot(off, &before, &nb), 0);
    int rc = apply(off, buf, len);
    if (rc != STORE_REFUSED)
        fail_msg("accepté (%d) au lieu d'être refusé pour « %s » : %s", rc, why,
                 store_error(off));
    const char *err = store_error(off);
    if (!harness_strstr(err, why))
        fail_msg("raison « %s » sans « %s »", err, why);
    assert_int_equal(err[strlen(err) - 1], '.'); /* a clause that follows « refusée : » */
    assert_true(text_is_clean(err));
    assert_int_equal(store_snapshot(off, &after, &na), 0);
    assert_int_equal(nb, na);
    assert_memory_equal(before, after, nb);
    free(before);
    free(after);
    void *sent = NULL;
    size_t slen = 0;
    assert_int_equal(store_share_take(off, &sent, &slen), 0);
    assert_null(sent); /* nothing goes back out */
}

static void refused_sql(const char *name, const char *sql, const char *why)
{
    struct pair p = setup(name);
    size_t len;
    void *buf = propose_sql(p.rep, sql, &len);
    assert_refused(p.off, buf, len, why);
    free(buf);
    teardown(&p);
}

static void test_forbidden_tables(void **state)
{
    (void)state;
    refused_sql("filter-setting",
                "INSERT INTO setting (key, value) VALUES ('organisme.nom', 'Pirate SARL')",
                "une modification des réglages");
    refused_sql("filter-setting-internal",
                "INSERT INTO setting (key, value) VALUES ('interne.identifiant', 'abc')",
                "une modification des réglages");
    refused_sql("filter-share-state", "UPDATE share_state SET phase = 'controle'",
                "une modification de l'état de l'assistance");
    refused_sql("filter-share-log", "INSERT INTO share_log (event) VALUES ('fin')",
                "une modification du journal de l'assistance");
    refused_sql("filter-unknown",
                "CREATE TABLE pirate (id INTEGER PRIMARY KEY, x TEXT);"
                "INSERT INTO pirate VALUES (1, 'x')",
                "une partie inconnue de la base");
    /* Among allowed changes, one forbidden: the whole proposal is refused. */
    refused_sql("filter-mixed",
                "UPDATE ui_state SET focus = 2;"
                "INSERT INTO setting (key, value) VALUES ('organisme.email', 'x@y.fr')",
                "une modification des réglages");
}

static void test_sqlite_internal_table(void **state)
{
    (void)state;
    struct pair p = setup("filter-sqlite-stat");
    assert_int_equal(store_proposal_begin(p.rep), 0);
    assert_int_equal(sqlite3_exec(store_db(p.rep), "ANALYZE main", NULL, NULL, NULL), SQLITE_OK);
    void *buf = NULL;
    size_t len = 0;
    assert_int_equal(store_proposal_end(p.rep, &buf, &len), 0);
    assert_non_null(buf); /* the session module follows sqlite_stat1 */
    assert_refused(p.off, buf, len, "une modification interne de la base");
    free(buf);
    teardown(&p);
}

static void test_values_local_input_refuses(void **state)
{
    (void)state;
    refused_sql("filter-control",
                "UPDATE mandate SET collectivite = 'Nice' || char(27) || '[2J'",
                "la collectivité d'un mandat contient un caractère de contrôle");
    refused_sql("filter-bidi", "UPDATE dossier SET notes = 'ok ' || char(8238) || 'evil'",
                "les notes d'un dossier contiennent un caractère de contrôle");
    refused_sql("filter-too-long", "UPDATE dossier SET title = printf('%.*c', 201, 'x')",
                "l'intitulé d'une formation dépasse 200 caractères");
    refused_sql("filter-empty-title", "UPDATE dossier SET title = '   '",
                "l'intitulé d'une formation est vide");
    refused_sql("filter-text-in-number", "UPDATE dossier SET price_cents = 'beaucoup'",
                "n'est pas un nombre entier");
    refused_sql("filter-bad-date", "UPDATE mandate SET start_date = '2020-02-30'",
                "le début d'un mandat n'est pas une date valable");
    refused_sql("filter-bad-status", "UPDATE dossier SET status = 'gagne'",
                "l'état d'un dossier est inconnu");
    refused_sql("filter-bad-item",
                "INSERT INTO checklist (item, step, done, done_by) VALUES ('9.rien', 1, 1,"
                " 'agent')",
                "n'existe pas dans le guide");
    refused_sql("filter-blob", "UPDATE ui_draft SET value = x'00ff' WHERE 1;"
                               "INSERT INTO ui_draft (field, value) VALUES (0, x'00ff')",
                "données binaires");
}

static void test_mandate_ending_before_it_starts(void **state)
{
    (void)state;
    refused_sql("filter-mandate-order", "UPDATE mandate SET end_date = '2019-06-30'",
                "La fin prévue doit venir après le début du mandat");
    refused_sql("filter-mandate-new",
                "INSERT INTO mandate (level, collectivite, function, start_date, end_date)"
                " VALUES ('regional', 'Région Sud', 'Conseillère', '2021-07-01', '2021-07-01')",
                "La fin prévue doit venir après le début du mandat");
}

static void test_negative_price_or_hours(void **state)
{
    (void)state;
    /* The database's own CHECK stops it while applying: refused all the same. */
    refused_sql("filter-negative",
                "PRAGMA ignore_check_constraints = ON; UPDATE dossier SET price_cents = -100",
                "une valeur n'est pas permise");
    refused_sql("filter-foreign-key",
                "PRAGMA defer_foreign_keys = ON; UPDATE dossier SET mandate_id = 999",
                "un mandat ou un dossier qui n'existe pas");
    refused_sql("filter-session-order",
                "UPDATE dossier SET session_start = '2027-01-12', session_end = '2027-01-10'",
                "des dates de session incorrects");
}

static void test_actor_must_be_the_agent(void **state)
{
    (void)state;
    struct pair p = setup("filter-actor");
    /* A replica told to record the official: what a forged proposal would carry. */
    store_set_actor(p.rep, ACTOR_OFFICIAL);
    assert_int_equal(store_proposal_begin(p.rep), 0);
    assert_int_equal(store_checklist_set(p.rep, "2.connexion", true, ACTOR_OFFICIAL), 0);
    void *buf;
    size_t len;
    assert_int_equal(store_proposal_end(p.rep, &buf, &len), 0);
    assert_refused(p.off, buf, len, "doit être attribué à l'assistance");
    free(buf);
    teardown(&p);

    refused_sql("filter-event-actor",
                "INSERT INTO dossier_event (dossier_id, status, event_date, actor) VALUES"
                " (1, 'envoyee', '2026-11-20', 'official')",
                "doit être attribué à l'assistance");
}

static void test_garbage_and_empty(void **state)
{
    (void)state;
    struct pair p = setup("filter-garbage");
    unsigned char junk[64];
    for (size_t i = 0; i < sizeof junk; i++)
        junk[i] = (unsigned char)(i * 37 + 11);
    assert_refused(p.off, junk, sizeof junk, "la modification reçue est illisible");
    /* A table header cut short: SQLite 3.40 alone would loop forever on it. */
    assert_refused(p.off, "T\x03\x01", 3, "la modification reçue est illisible");
    assert_refused(p.off, "T\x01\x01mandate", 9, "la modification reçue est illisible");
    assert_refused(p.off, "", 0, "la modification reçue est vide");
    assert_refused(p.off, NULL, 0, "la modification reçue est vide");
    /* A good proposal cut short. */
    size_t len;
    void *buf = propose_sql(p.rep, "UPDATE ui_state SET focus = 5, screen = 'etape2'", &len);
    assert_refused(p.off, buf, len - 3, "la modification reçue est illisible");
    free(buf);
    teardown(&p);
}

static bool ticked(store *st, const char *id)
{
    bool done[GUIDE_STEPS][GUIDE_MAX_ITEMS];
    assert_int_equal(store_checklist_load(st, done), 0);
    int step = 0;
    const struct guide_item *item = guide_item_find(id, &step);
    return done[step - 1][item - guide_step(step)->items];
}

static void test_allowed_tick_accepted(void **state)
{
    (void)state;
    struct pair p = setup("filter-tick");
    assert_int_equal(store_proposal_begin(p.rep), 0);
    assert_int_equal(store_checklist_set(p.rep, "2.connexion", true, ACTOR_OFFICIAL), 0);
    struct ui_state ui;
    assert_int_equal(store_ui_get(p.rep, &ui), 0);
    ui.focus = 1;
    snprintf(ui.message, sizeof ui.message, "Coché : « Se connecter » !");
    assert_int_equal(store_ui_set(p.rep, &ui), 0);
    void *buf;
    size_t len;
    assert_int_equal(store_proposal_end(p.rep, &buf, &len), 0);
    if (apply(p.off, buf, len) != 0)
        fail_msg("%s", store_error(p.off));
    free(buf);
    assert_true(ticked(p.off, "2.connexion"));
    assert_int_equal(store_ui_get(p.off, &ui), 0);
    assert_int_equal(ui.focus, 1);
    /* It goes back to the agent like the official's own changes. */
    void *back;
    assert_int_equal(store_share_take(p.off, &back, &len), 0);
    assert_non_null(back);
    assert_int_equal(store_replica_apply(p.rep, back, len), 0);
    free(back);
    assert_true(ticked(p.rep, "2.connexion"));
    teardown(&p);
}

static void test_agent_reading_and_deletion_accepted(void **state)
{
    (void)state;
    /* The store notes its own bookkeeping beside a balance reading and a deleted dossier:
     * that part of the setting table is the agent's to write with them. */
    struct pair p = setup("filter-bookkeeping");
    assert_int_equal(store_proposal_begin(p.rep), 0);
    assert_int_equal(store_credit_add(p.rep, 80000, (struct date){2026, 11, 26}), 0);
    void *buf;
    size_t len;
    assert_int_equal(store_proposal_end(p.rep, &buf, &len), 0);
    if (apply(p.off, buf, len) != 0)
        fail_msg("%s", store_error(p.off));
    free(buf);
    struct credit_observation obs[2];
    size_t n = 0;
    assert_int_equal(store_credit_list(p.off, obs, 2, &n), 0);
    assert_int_equal(n, 1);
    assert_int_equal(obs[0].amount_cents, 80000);

    assert_int_equal(store_proposal_begin(p.rep), 0);
    assert_int_equal(store_dossier_delete(p.rep, p.dossier), 0);
    assert_int_equal(store_proposal_end(p.rep, &buf, &len), 0);
    if (apply(p.off, buf, len) != 0)
        fail_msg("%s", store_error(p.off));
    free(buf);
    struct dossier *list;
    assert_int_equal(store_dossier_list(p.off, &list, &n), 0);
    assert_int_equal(n, 0);
    free(list);
    struct store_deleted_dossier *gone;
    assert_int_equal(store_deleted_dossiers(p.off, &gone, &n), 0);
    assert_int_equal(n, 1);
    free(gone);
    teardown(&p);
}

/* The official's own change reaches the agent's copy, as the recording sends it. */
static void official_to_agent(struct pair *p)
{
    void *back = NULL;
    size_t len = 0;
    assert_int_equal(store_share_take(p->off, &back, &len), 0);
    if (back)
        assert_int_equal(store_replica_apply(p->rep, back, len), 0);
    free(back);
}

static void checklist_row(store *st, const char *item, int *done, char *by, size_t bylen)
{
    sqlite3_stmt *stmt;
    assert_int_equal(sqlite3_prepare_v2(store_db(st), "SELECT done, coalesce(done_by, '')"
                                                      " FROM checklist WHERE item = ?1",
                                        -1, &stmt, NULL),
                     SQLITE_OK);
    sqlite3_bind_text(stmt, 1, item, -1, SQLITE_STATIC);
    assert_int_equal(sqlite3_step(stmt), SQLITE_ROW);
    *done = sqlite3_column_int(stmt, 0);
    snprintf(by, bylen, "%s", (const char *)sqlite3_column_text(stmt, 1));
    sqlite3_finalize(stmt);
}

static int count_of(store *st, const char *sql)
{
    sqlite3_stmt *stmt;
    assert_int_equal(sqlite3_prepare_v2(store_db(st), sql, -1, &stmt, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_step(stmt), SQLITE_ROW);
    int n = sqlite3_column_int(stmt, 0);
    sqlite3_finalize(stmt);
    return n;
}

/* Review finding 1: an UPDATE carries only the columns it changes. Unticking the
 * official's tick without naming anyone would leave the row « by the official ». */
static void test_untick_without_author(void **state)
{
    (void)state;
    struct pair p = setup("filter-untick");
    assert_int_equal(store_checklist_set(p.off, "2.connexion", true, ACTOR_OFFICIAL), 0);
    official_to_agent(&p);
    size_t len;
    void *buf = propose_sql(p.rep, "UPDATE checklist SET done = 0 WHERE item = '2.connexion'",
                            &len);
    assert_refused(p.off, buf, len, "doit être attribué à l'assistance");
    free(buf);
    /* Ticked again « by the official » with another column changed: refused as well. */
    buf = propose_sql(p.rep, "UPDATE checklist SET done_at = '2026-11-20T10:00:00Z'"
                             " WHERE item = '2.connexion'",
                      &len);
    assert_refused(p.off, buf, len, "doit être attribué à l'assistance");
    free(buf);
    int done;
    char by[16];
    checklist_row(p.off, "2.connexion", &done, by, sizeof by);
    assert_int_equal(done, 1);
    assert_string_equal(by, "official");
    /* The agent's screen unticks as the official's would: accepted, no author left. */
    assert_int_equal(store_proposal_begin(p.rep), 0);
    assert_int_equal(store_checklist_set(p.rep, "2.connexion", false, ACTOR_AGENT), 0);
    assert_int_equal(store_proposal_end(p.rep, &buf, &len), 0);
    if (apply(p.off, buf, len) != 0)
        fail_msg("%s", store_error(p.off));
    free(buf);
    checklist_row(p.off, "2.connexion", &done, by, sizeof by);
    assert_int_equal(done, 0);
    assert_string_equal(by, "");
    teardown(&p);
}

/* Review finding 1: deletes only as the local screens make them. */
static void test_deletes_the_screens_cannot_make(void **state)
{
    (void)state;
    refused_sql("filter-delete-history", "DELETE FROM dossier_event",
                "la suppression de l'historique d'un dossier n'est pas permise");
    struct pair p = setup("filter-delete-tick");
    assert_int_equal(store_checklist_set(p.off, "2.connexion", true, ACTOR_OFFICIAL), 0);
    official_to_agent(&p);
    size_t len;
    void *buf = propose_sql(p.rep, "DELETE FROM checklist", &len);
    assert_refused(p.off, buf, len, "la suppression d'une coche n'est pas permise");
    free(buf);
    teardown(&p);
    p = setup("filter-delete-search");
    assert_int_equal(sqlite3_exec(store_db(p.off), "INSERT INTO search (keywords) VALUES"
                                                   " ('budget')",
                                  NULL, NULL, NULL),
                     SQLITE_OK);
    official_to_agent(&p);
    buf = propose_sql(p.rep, "DELETE FROM search", &len);
    assert_refused(p.off, buf, len, "la suppression d'une recherche n'est pas permise");
    free(buf);
    teardown(&p);
}

/* The mandates screen deletes a mandate: allowed, and the official's dossiers go on. */
static void test_mandate_deletion_accepted(void **state)
{
    (void)state;
    struct pair p = setup("filter-delete-mandate");
    struct mandate *m;
    size_t n;
    assert_int_equal(store_mandate_list(p.rep, &m, &n), 0);
    assert_int_equal(n, 1);
    long long id = m[0].id;
    free(m);
    assert_int_equal(sqlite3_exec(store_db(p.off), "UPDATE dossier SET mandate_id ="
                                                   " (SELECT id FROM mandate)",
                                  NULL, NULL, NULL),
                     SQLITE_OK);
    official_to_agent(&p);
    assert_int_equal(store_proposal_begin(p.rep), 0);
    assert_int_equal(store_mandate_delete(p.rep, id), 0);
    void *buf;
    size_t len;
    assert_int_equal(store_proposal_end(p.rep, &buf, &len), 0);
    if (apply(p.off, buf, len) != 0)
        fail_msg("%s", store_error(p.off));
    free(buf);
    assert_int_equal(store_mandate_list(p.off, &m, &n), 0);
    assert_int_equal(n, 0);
    free(m);
    struct dossier *list;
    assert_int_equal(store_dossier_list(p.off, &list, &n), 0);
    assert_int_equal(n, 1);
    assert_string_equal(list[0].title, "Les finances locales");
    free(list);
    assert_int_equal(count_of(p.off, "SELECT count(*) FROM dossier WHERE mandate_id IS NULL"),
                     1);
    /* And the dossier still takes a status change. */
    assert_int_equal(store_dossier_set_status(p.off, p.dossier, DS_CANCELLED,
                                              (struct date){2026, 11, 20}, ACTOR_OFFICIAL),
                     0);
    teardown(&p);
}

/* Review finding 2: a status only as the status screen sets it. */
static void test_status_jump_refused(void **state)
{
    (void)state;
    char sql[512];
    snprintf(sql, sizeof sql,
             "UPDATE dossier SET status = 'terminee';"
             "INSERT INTO dossier_event (dossier_id, status, event_date, actor) VALUES"
             " ((SELECT id FROM dossier), 'terminee', '2026-11-20', 'agent')");
    refused_sql("filter-status-jump", sql, "ne peut pas passer à « Formation terminée »");
    /* Allowed step, but nothing in the history. */
    refused_sql("filter-status-no-event", "UPDATE dossier SET status = 'annulee'",
                "doit être noté dans son historique");
    /* A history row alone. */
    refused_sql("filter-event-alone",
                "INSERT INTO dossier_event (dossier_id, status, event_date, actor) VALUES"
                " ((SELECT id FROM dossier), 'annulee', '2026-11-20', 'agent')",
                "doit aller avec l'état du dossier");
    /* The status screen's own rule: not a day to come. */
    refused_sql("filter-status-future",
                "UPDATE dossier SET status = 'annulee';"
                "INSERT INTO dossier_event (dossier_id, status, event_date, actor) VALUES"
                " ((SELECT id FROM dossier), 'annulee', '2027-01-04', 'agent')",
                "cette date est dans le futur");
    /* As the agent's screen does it: accepted. */
    struct pair p = setup("filter-status-ok");
    assert_int_equal(store_proposal_begin(p.rep), 0);
    assert_int_equal(store_dossier_set_status(p.rep, p.dossier, DS_CANCELLED,
                                              (struct date){2026, 11, 20}, ACTOR_AGENT),
                     0);
    void *buf;
    size_t len;
    assert_int_equal(store_proposal_end(p.rep, &buf, &len), 0);
    if (apply(p.off, buf, len) != 0)
        fail_msg("%s", store_error(p.off));
    free(buf);
    assert_int_equal(count_of(p.off, "SELECT count(*) FROM dossier WHERE status = 'annulee'"),
                     1);
    assert_int_equal(count_of(p.off, "SELECT count(*) FROM dossier_event WHERE"
                                     " status = 'annulee' AND actor = 'agent'"),
                     1);
    teardown(&p);
}

/* Review finding 3: a proposal sent again after a reconnection is not applied twice. */
static void test_replayed_number_not_applied_twice(void **state)
{
    (void)state;
    struct pair p = setup("filter-replay");
    struct share_state s = {.phase = SHARE_ASKED};
    snprintf(s.agent_id, sizeof s.agent_id, "agent-1");
    assert_int_equal(store_share_set(p.off, &s), 0);
    s.phase = SHARE_CONTROL;
    assert_int_equal(store_share_set(p.off, &s), 0);
    official_to_agent(&p);
    assert_int_equal(store_proposal_begin(p.rep), 0);
    assert_int_equal(store_checklist_set(p.rep, "2.connexion", true, ACTOR_AGENT), 0);
    void *buf;
    size_t len;
    assert_int_equal(store_proposal_end(p.rep, &buf, &len), 0);
    assert_int_equal(store_share_apply_proposal(p.off, 5, buf, len), 0);
    assert_true(ticked(p.off, "2.connexion"));
    /* The official unticks it afterwards. */
    assert_int_equal(store_checklist_set(p.off, "2.connexion", false, ACTOR_OFFICIAL), 0);
    /* Proposal 5 comes again, and an older one: answered ok, nothing applied. */
    assert_int_equal(store_share_apply_proposal(p.off, 5, buf, len), 0);
    assert_false(ticked(p.off, "2.connexion"));
    assert_int_equal(store_share_apply_proposal(p.off, 2, buf, len), 0);
    assert_false(ticked(p.off, "2.connexion"));
    struct share_state out;
    assert_int_equal(store_share_get(p.off, &out), 0);
    assert_true(out.last_proposal == 5);
    /* Number 0 is no proposal's. */
    assert_int_equal(store_share_apply_proposal(p.off, 0, buf, len), STORE_REFUSED);
    free(buf);
    /* A new agent admitted starts again from 1. */
    s.phase = SHARE_ASKED;
    snprintf(s.agent_id, sizeof s.agent_id, "agent-2");
    assert_int_equal(store_share_set(p.off, &s), 0);
    s.phase = SHARE_VIEW;
    assert_int_equal(store_share_set(p.off, &s), 0);
    assert_int_equal(store_share_get(p.off, &out), 0);
    assert_true(out.last_proposal == 0);
    teardown(&p);
}

/* Review finding 1: what the official changed since the agent's copy is not overwritten. */
static void test_stale_update_refused(void **state)
{
    (void)state;
    struct pair p = setup("filter-stale");
    /* The official renames the dossier; the agent has not received it yet. */
    assert_int_equal(sqlite3_exec(store_db(p.off), "UPDATE dossier SET title = 'Budget 2027'",
                                  NULL, NULL, NULL),
                     SQLITE_OK);
    void *ignored;
    size_t len;
    assert_int_equal(store_share_take(p.off, &ignored, &len), 0);
    free(ignored);
    void *buf = propose_sql(p.rep, "UPDATE dossier SET title = 'Finances'", &len);
    assert_refused(p.off, buf, len, "a modifié entre-temps");
    free(buf);
    /* The official ticks an item; the agent ticks it too on an older copy. */
    assert_int_equal(store_checklist_set(p.off, "2.connexion", true, ACTOR_OFFICIAL), 0);
    assert_int_equal(store_share_take(p.off, &ignored, &len), 0);
    free(ignored);
    assert_int_equal(store_proposal_begin(p.rep), 0);
    assert_int_equal(store_checklist_set(p.rep, "2.connexion", true, ACTOR_AGENT), 0);
    assert_int_equal(store_proposal_end(p.rep, &buf, &len), 0);
    assert_refused(p.off, buf, len, "a modifié entre-temps");
    free(buf);
    int done;
    char by[16];
    checklist_row(p.off, "2.connexion", &done, by, sizeof by);
    assert_string_equal(by, "official");
    teardown(&p);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_forbidden_tables),
        cmocka_unit_test(test_sqlite_internal_table),
        cmocka_unit_test(test_values_local_input_refuses),
        cmocka_unit_test(test_mandate_ending_before_it_starts),
        cmocka_unit_test(test_negative_price_or_hours),
        cmocka_unit_test(test_actor_must_be_the_agent),
        cmocka_unit_test(test_garbage_and_empty),
        cmocka_unit_test(test_allowed_tick_accepted),
        cmocka_unit_test(test_agent_reading_and_deletion_accepted),
        cmocka_unit_test(test_untick_without_author),
        cmocka_unit_test(test_deletes_the_screens_cannot_make),
        cmocka_unit_test(test_mandate_deletion_accepted),
        cmocka_unit_test(test_status_jump_refused),
        cmocka_unit_test(test_replayed_number_not_applied_twice),
        cmocka_unit_test(test_stale_update_refused),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
