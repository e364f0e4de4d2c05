/* Fuzz target: the filter of an agent's proposals (store_share_apply_proposal, src/replica.c)
 * on the official's database. An input is a proposition's payload as the official's side
 * gets it, "<number>\n<changeset>" (share_proposal_split); bytes that are not one are taken
 * whole as the changeset of proposal 1, so that raw changesets are fuzzed too.
 *
 * The official's database is made once, in memory of a tmpfs when there is one: a mandate,
 * dossiers (one sent to the body), a balance reading, ticks, settings, a shared session
 * in control with its log; every timestamp is then fixed, so that the seeds recorded from
 * a replica of it (FUZZ_CHANGESET_SEEDS=DIR, below) apply to it. Each input runs inside a
 * transaction rolled back afterwards, and the official's recording (store_share_record)
 * runs as during a real share.
 *
 * Invariants, whatever the bytes:
 *   - what an agent may never change is unchanged: the settings (but the store's own
 *     bookkeeping rows "interne.releve.N" and "interne.dossier_supprime.N"), the share's
 *     state (but last_proposal), the share's log, the schema;
 *   - refused (or failed): nothing changed at all, and the reason is clean French;
 *   - applied: the database is sound (integrity and foreign keys), every tick touched is
 *     the agent's or undone, no history row of a kept dossier is rewritten but its date,
 *     every new history row is the agent's, and what the official's recording sends on
 *     touches only the tables an agent may change. */
#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <sqlite3.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "difelus/dates.h"
#include "difelus/dossier.h"
#include "difelus/mandate.h"
#include "difelus/share.h"
#include "difelus/share_link.h"
#include "difelus/store.h"
#include "difelus/text.h"
#include "fuzz.h"
#include "store_internal.h"

static store *official;
static char dir[256], db_path[300];

static void db_exec(sqlite3 *db, const char *sql)
{
    char *msg = NULL;
    FUZZ_CHECK(sqlite3_exec(db, sql, NULL, NULL, &msg) == SQLITE_OK, "%s : %s", sql,
               msg ? msg : "");
}

static void ok(int rc, const char *what, store *st)
{
    FUZZ_CHECK(rc == 0, "%s : %s", what, store_error(st));
}

/* The official's database as the seeds expect it. */
static void build_fixture(store *st)
{
    struct mandate m = {0};
    m.level = MANDATE_MUNICIPAL;
    snprintf(m.collectivite, sizeof m.collectivite, "Saint-Étienne-de-Tinée");
    snprintf(m.function, sizeof m.function, "Conseillère municipale");
    m.start = (struct date){2020, 7, 1};
    m.end = (struct date){2026, 3, 15};
    ok(store_mandate_save(st, &m), "mandat", st);
    struct mandate m2 = m;
    m2.id = 0;
    m2.level = MANDATE_COMMUNAUTAIRE;
    snprintf(m2.collectivite, sizeof m2.collectivite, "Métropole Nice Côte d'Azur");
    m2.start = (struct date){2026, 3, 16};
    m2.end = (struct date){2032, 3, 15};
    ok(store_mandate_save(st, &m2), "mandat 2", st);
    struct dossier d = {0};
    snprintf(d.title, sizeof d.title, "Les finances locales");
    snprintf(d.body, sizeof d.body, "Gestions Locales");
    d.start = (struct date){2027, 1, 12};
    d.end = (struct date){2027, 1, 13};
    d.price_cents = 56000;
    d.hours_cents = 700;
    ok(store_dossier_save(st, &d, (struct date){2026, 11, 2}, ACTOR_OFFICIAL), "dossier", st);
    struct dossier d2 = {0};
    snprintf(d2.title, sizeof d2.title, "Prise de parole en public");
    snprintf(d2.body, sizeof d2.body, "Organisme de formation");
    d2.start = (struct date){2027, 2, 8};
    d2.end = (struct date){2027, 2, 8};
    d2.price_cents = -1;
    d2.hours_cents = 0;
    ok(store_dossier_save(st, &d2, (struct date){2026, 11, 20}, ACTOR_OFFICIAL), "dossier 2", st);
    ok(store_dossier_set_status(st, d2.id, DS_SENT, (struct date){2026, 11, 23}, ACTOR_OFFICIAL),
       "envoi", st);
    ok(store_credit_add(st, 80000, (struct date){2026, 10, 1}), "solde", st);
    ok(store_checklist_set(st, "1.choix", true, ACTOR_OFFICIAL), "coche", st);
    ok(store_checklist_set(st, "2.connexion", true, ACTOR_OFFICIAL), "coche 2", st);
    ok(store_checklist_set(st, "2.confirmation", false, ACTOR_OFFICIAL), "décoche", st);
    ok(store_setting_set(st, "organisme.nom", "Gestions Locales"), "réglage", st);
    ok(store_draft_set_field(st, 0, "Les fin", ""), "brouillon", st);
    ok(store_share_log_add(st, "demande", "Zoé Martin", "Gestions Locales", ""), "journal", st);
    struct store_search search = {.keywords = "finances", .modality = "presentiel",
                                  .location = "06"};
    long long found[] = {7};
    const char *titles[] = {"Les finances locales"};
    ok(store_search_add(st, &search, found, titles, 1), "recherche", st);
    db_exec(store_db(st), "INSERT INTO profile (id, display_name, collectivite) VALUES"
                          " (1, 'Zoé Martin', 'Saint-Étienne-de-Tinée')");
    struct share_state s = {0};
    FUZZ_CHECK(store_share_get(st, &s) == 0, "assistance");
    s.phase = SHARE_CONTROL;
    snprintf(s.code, sizeof s.code, "ABCDEFGH");
    snprintf(s.agent_id, sizeof s.agent_id, "ag000001");
    snprintf(s.agent_name, sizeof s.agent_name, "Zoé Martin");
    snprintf(s.agent_org, sizeof s.agent_org, "Gestions Locales");
    ok(store_share_set(st, &s), "assistance", st);
    /* Fixed timestamps: a seed's old values match whenever the fixture was made. */
    db_exec(store_db(st),
            "UPDATE credit_observation SET recorded_at = '2026-11-20T10:00:00Z';"
            "UPDATE checklist SET done_at = '2026-11-20T10:00:00Z' WHERE done_at IS NOT NULL;"
            "UPDATE dossier SET created_at = '2026-11-20T10:00:00Z';"
            "UPDATE dossier_event SET recorded_at = '2026-11-20T10:00:00Z';"
            "UPDATE share_log SET at = '2026-11-20T10:00:00Z';"
            "UPDATE search SET searched_at = '2026-11-20T10:00:00Z';"
            "UPDATE share_state SET expires_at = '2026-11-27T10:10:00Z', owner_pid = 0;");
}

static store *open_fixture(const char *folder)
{
    snprintf(db_path, sizeof db_path, "%s/difelus.db", folder);
    unlink(db_path);
    char err[1024];
    store *st = store_open(db_path, err, sizeof err);
    FUZZ_CHECK(st, "%s", err);
    build_fixture(st);
    return st;
}

static void remove_folder(const char *folder)
{
    const char *names[] = {"difelus.db", "difelus.db-wal", "difelus.db-shm", "catalogue.db",
                           "catalogue.db-wal", "catalogue.db-shm", "catalogue.db-journal",
                           "difelus.db-journal"};
    char path[600];
    for (size_t i = 0; i < sizeof names / sizeof *names; i++) {
        snprintf(path, sizeof path, "%s/%s", folder, names[i]);
        unlink(path);
    }
    rmdir(folder);
}

static void remove_dir(void)
{
    remove_folder(dir);
}

/* libFuzzer ends without atexit: a run removes the folders of runs that are over (named by
 * their process id). */
static void remove_stale(const char *parent)
{
    DIR *d = opendir(parent);
    if (!d)
        return;
    struct dirent *e;
    while ((e = readdir(d))) {
        long pid = 0;
        char tail = 0;
        if (sscanf(e->d_name, "difelus-fuzz-changeset-%ld%c", &pid, &tail) == 1 && pid > 0 &&
            kill((pid_t)pid, 0) != 0 && errno == ESRCH) {
            char folder[600];
            snprintf(folder, sizeof folder, "%s/%s", parent, e->d_name);
            remove_folder(folder);
        }
    }
    closedir(d);
}

static void make_dir(void)
{
    const char *tmp = getenv("TMPDIR");
    struct stat sb;
    if (!tmp || !*tmp)
        tmp = stat("/dev/shm", &sb) == 0 && S_ISDIR(sb.st_mode) && access("/dev/shm", W_OK) == 0
                  ? "/dev/shm"
                  : "/tmp";
    remove_stale(tmp);
    snprintf(dir, sizeof dir, "%s/difelus-fuzz-changeset-%ld", tmp, (long)getpid());
    remove_folder(dir);
    FUZZ_CHECK(mkdir(dir, 0700) == 0, "dossier temporaire %s", dir);
    atexit(remove_dir);
}

/* ---- seeds: proposals recorded on a replica of the fixture ---- */

static store *replica_of(store *st)
{
    void *snap;
    size_t len;
    FUZZ_CHECK(store_snapshot(st, &snap, &len) == 0, "instantané");
    char err[512];
    store *rep = store_open_replica(snap, len, NULL, err, sizeof err);
    free(snap);
    FUZZ_CHECK(rep, "%s", err);
    return rep;
}

static unsigned seed_count;

static void write_seed(const char *out, const char *name, unsigned long long number,
                       const void *cs, size_t len)
{
    char path[600];
    snprintf(path, sizeof path, "%s/%s", out, name);
    FILE *f = fopen(path, "wb");
    FUZZ_CHECK(f, "%s", path);
    fprintf(f, "%llu\n", number);
    if (len)
        fwrite(cs, 1, len, f);
    fclose(f);
    seed_count++;
}

typedef void (*edit_fn)(store *rep);

static void seed(store *rep, const char *out, const char *name, edit_fn edit, const char *sql)
{
    FUZZ_CHECK(store_proposal_begin(rep) == 0, "%s", store_error(rep));
    if (edit)
        edit(rep);
    if (sql)
        db_exec(store_db(rep), sql);
    void *buf = NULL;
    size_t len = 0;
    FUZZ_CHECK(store_proposal_end(rep, &buf, &len) == 0, "%s", store_error(rep));
    write_seed(out, name, 1 + seed_count, buf, len);
    free(buf);
}

static long long first_dossier(store *st, bool sent)
{
    struct dossier *list = NULL;
    size_t n = 0;
    FUZZ_CHECK(store_dossier_list(st, &list, &n) == 0, "dossiers");
    long long id = 0;
    for (size_t i = 0; i < n; i++)
        if ((list[i].status == DS_SENT) == sent)
            id = list[i].id;
    free(list);
    return id;
}

static void e_tick(store *rep)
{
    ok(store_checklist_set(rep, "2.confirmation", true, ACTOR_OFFICIAL), "coche", rep);
}
static void e_untick(store *rep)
{
    ok(store_checklist_set(rep, "1.choix", false, ACTOR_OFFICIAL), "décoche", rep);
}
static void e_mandate(store *rep)
{
    struct mandate m = {0};
    m.level = MANDATE_DEPARTEMENTAL;
    snprintf(m.collectivite, sizeof m.collectivite, "Alpes-Maritimes");
    snprintf(m.function, sizeof m.function, "Conseillère départementale");
    m.start = (struct date){2021, 7, 1};
    m.end = (struct date){2028, 3, 31};
    ok(store_mandate_save(rep, &m), "mandat", rep);
}
static void e_mandate_edit(store *rep)
{
    struct mandate *list = NULL;
    size_t n = 0;
    ok(store_mandate_list(rep, &list, &n), "mandats", rep);
    FUZZ_CHECK(n > 0, "pas de mandat");
    list[0].opposition = true;
    snprintf(list[0].function, sizeof list[0].function, "Adjointe au maire");
    ok(store_mandate_save(rep, &list[0]), "mandat", rep);
    free(list);
}
static void e_mandate_delete(store *rep)
{
    struct mandate *list = NULL;
    size_t n = 0;
    ok(store_mandate_list(rep, &list, &n), "mandats", rep);
    ok(store_mandate_delete(rep, list[n - 1].id), "suppression", rep);
    free(list);
}
static void e_dossier(store *rep)
{
    struct dossier d = {0};
    snprintf(d.title, sizeof d.title, "Urbanisme et PLU");
    snprintf(d.body, sizeof d.body, "Institut des élus");
    snprintf(d.siret, sizeof d.siret, "73282932000074");
    d.start = (struct date){2027, 3, 1};
    d.end = (struct date){2027, 3, 2};
    d.price_cents = 84000;
    d.hours_cents = 1400;
    ok(store_dossier_save(rep, &d, (struct date){2026, 11, 27}, ACTOR_OFFICIAL), "dossier", rep);
}
static void e_dossier_edit(store *rep)
{
    struct dossier *list = NULL;
    size_t n = 0;
    ok(store_dossier_list(rep, &list, &n), "dossiers", rep);
    snprintf(list[0].notes, sizeof list[0].notes, "Rappeler l'organisme lundi.");
    list[0].price_cents = 55000;
    ok(store_dossier_save(rep, &list[0], (struct date){2026, 11, 27}, ACTOR_OFFICIAL), "dossier",
       rep);
    free(list);
}
static void e_status(store *rep)
{
    ok(store_dossier_set_status(rep, first_dossier(rep, false), DS_SENT,
                                (struct date){2026, 11, 27}, ACTOR_OFFICIAL), "état", rep);
}
static void e_status_proposal(store *rep)
{
    ok(store_dossier_set_status(rep, first_dossier(rep, true), DS_PROPOSAL,
                                (struct date){2026, 11, 25}, ACTOR_OFFICIAL), "état", rep);
}
static void e_dossier_delete(store *rep)
{
    ok(store_dossier_delete(rep, first_dossier(rep, false)), "suppression", rep);
}
static void e_credit(store *rep)
{
    ok(store_credit_add(rep, 40000, (struct date){2026, 11, 26}), "solde", rep);
}
static void e_draft(store *rep)
{
    ok(store_draft_set_field(rep, 0, "Les finances locales", ""), "brouillon", rep);
    ok(store_draft_set_field(rep, 1, "Gestions Loc", ""), "brouillon", rep);
}
static void e_ui(store *rep)
{
    struct ui_state ui;
    ok(store_ui_get(rep, &ui), "écran", rep);
    snprintf(ui.screen, sizeof ui.screen, "etape3");
    ui.focus = 2;
    ok(store_ui_set(rep, &ui), "écran", rep);
}
static void e_search(store *rep)
{
    struct store_search s = {.keywords = "finances locales", .modality = "distance",
                             .location = "06"};
    long long ids[] = {12, 40};
    const char *titles[] = {"Les finances locales", "Budget communal"};
    ok(store_search_add(rep, &s, ids, titles, 2), "recherche", rep);
}
static void e_setting(store *rep)
{
    ok(store_setting_set(rep, "organisme.nom", "Autre organisme"), "réglage", rep);
}

static void make_seeds(const char *out)
{
    mkdir(out, 0755);
    store *rep = replica_of(official);
    store_set_actor(rep, ACTOR_AGENT);
    seed(rep, out, "coche", e_tick, NULL);
    seed(rep, out, "decoche", e_untick, NULL);
    seed(rep, out, "mandat-nouveau", e_mandate, NULL);
    seed(rep, out, "mandat-modifie", e_mandate_edit, NULL);
    seed(rep, out, "mandat-supprime", e_mandate_delete, NULL);
    seed(rep, out, "dossier-nouveau", e_dossier, NULL);
    seed(rep, out, "dossier-modifie", e_dossier_edit, NULL);
    seed(rep, out, "dossier-envoye", e_status, NULL);
    seed(rep, out, "dossier-proposition", e_status_proposal, NULL);
    seed(rep, out, "dossier-supprime", e_dossier_delete, NULL);
    seed(rep, out, "solde", e_credit, NULL);
    seed(rep, out, "brouillon", e_draft, NULL);
    seed(rep, out, "ecran", e_ui, NULL);
    seed(rep, out, "recherche", e_search, NULL);
    seed(rep, out, "profil", NULL, "UPDATE profile SET display_name = 'Zoé Martin-Roux'");
    seed(rep, out, "historique-redate", NULL,
         "UPDATE dossier_event SET event_date = '2026-11-01' WHERE status = 'creation' AND"
         " dossier_id = (SELECT min(id) FROM dossier)");
    /* What must be refused, recorded the same way. */
    seed(rep, out, "refus-reglage", e_setting, NULL);
    seed(rep, out, "refus-assistance", NULL, "UPDATE share_state SET phase = 'aucun'");
    seed(rep, out, "refus-journal", NULL, "DELETE FROM share_log");
    seed(rep, out, "refus-coche-officiel", NULL,
         "UPDATE checklist SET done = 1, done_by = 'official' WHERE item = '2.confirmation'");
    seed(rep, out, "refus-historique", NULL, "UPDATE dossier_event SET actor = 'agent'");
    seed(rep, out, "refus-controle", NULL,
         "UPDATE mandate SET collectivite = 'a' || char(27) || '[2J'");
    seed(rep, out, "refus-pas-un-nombre", NULL,
         "UPDATE dossier SET price_cents = 'cher' WHERE id = (SELECT min(id) FROM dossier)");
    seed(rep, out, "refus-binaire", NULL, "UPDATE mandate SET function = x'41424300'");
    seed(rep, out, "refus-trop-long", NULL,
         "UPDATE dossier SET notes = printf('%.600c', 'a') WHERE id = (SELECT min(id) FROM"
         " dossier)");
    seed(rep, out, "refus-vide", NULL, "UPDATE mandate SET collectivite = '   '");
    seed(rep, out, "refus-date", NULL, "UPDATE mandate SET start_date = '2020-02-30'");
    seed(rep, out, "refus-siret", NULL,
         "UPDATE dossier SET siret = '12345678901234' WHERE id = (SELECT min(id) FROM dossier)");
    seed(rep, out, "refus-element-inconnu", NULL,
         "INSERT INTO checklist (item, step, done, done_by) VALUES ('9.inconnu', 1, 1, 'agent')");
    seed(rep, out, "refus-suppression-coche", NULL, "DELETE FROM checklist WHERE item = '1.choix'");
    seed(rep, out, "refus-suppression-recherche", NULL, "DELETE FROM search");
    seed(rep, out, "refus-suppression-profil", NULL, "DELETE FROM profile");
    seed(rep, out, "refus-etat-sans-historique", NULL,
         "UPDATE dossier SET status = 'envoyee' WHERE status = 'creation'");
    seed(rep, out, "refus-passage-interdit", NULL,
         "UPDATE dossier SET status = 'validee' WHERE status = 'creation';"
         "INSERT INTO dossier_event (dossier_id, status, event_date, actor) SELECT id,"
         " 'validee', '2026-11-27', 'agent' FROM dossier WHERE status = 'validee'");
    seed(rep, out, "refus-nouveau-dossier-envoye", NULL,
         "INSERT INTO dossier (title, status) VALUES ('Finances', 'envoyee')");
    seed(rep, out, "refus-historique-seul", NULL,
         "INSERT INTO dossier_event (dossier_id, status, event_date, actor) SELECT min(id),"
         " 'annulee', '2026-11-27', 'agent' FROM dossier");
    store_close(rep);
}

/* Closed before its folder goes (atexit runs the other way round): valgrind sees no
 * connection left. */
static void close_official(void)
{
    store_share_record_stop(official);
    store_close(official);
    official = NULL;
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    make_dir();
    official = open_fixture(dir);
    atexit(close_official);
    const char *seeds = getenv("FUZZ_CHANGESET_SEEDS");
    if (seeds && *seeds) {
        make_seeds(seeds);
        fprintf(stderr, "%u graines écrites dans %s\n", seed_count, seeds);
        exit(0);
    }
    ok(store_share_record_start(official), "enregistrement", official);
    /* Nothing recorded from the fixture itself. */
    void *buf = NULL;
    size_t len = 0;
    ok(store_share_take(official, &buf, &len), "enregistrement", official);
    free(buf);
    return 0;
}

/* ---- the invariants ---- */

/* One query's rows as text; a malloc'ed string. */
static char *dump(const char *sql, bool (*skip)(sqlite3_stmt *))
{
    sqlite3_stmt *stmt = NULL;
    FUZZ_CHECK(sqlite3_prepare_v2(store_db(official), sql, -1, &stmt, NULL) == SQLITE_OK, "%s",
               sql);
    size_t len = 0, cap = 256;
    char *s = malloc(cap);
    FUZZ_CHECK(s, "mémoire");
    s[0] = '\0';
    int rc;
    while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
        if (skip && skip(stmt))
            continue;
        for (int c = 0; c < sqlite3_column_count(stmt); c++) {
            const char *v = (const char *)sqlite3_column_text(stmt, c);
            size_t n = v ? strlen(v) : 4;
            if (len + n + 3 > cap) {
                cap = (len + n + 3) * 2;
                s = realloc(s, cap);
                FUZZ_CHECK(s, "mémoire");
            }
            memcpy(s + len, v ? v : "NULL", n);
            len += n;
            s[len++] = '|';
        }
        s[len++] = '\n';
        s[len] = '\0';
    }
    FUZZ_CHECK(rc == SQLITE_DONE, "%s : %s", sql, sqlite3_errmsg(store_db(official)));
    sqlite3_finalize(stmt);
    return s;
}

/* The store's own bookkeeping keys, which an agent's reading or deletion writes. */
static bool bookkeeping(sqlite3_stmt *stmt)
{
    const char *k = (const char *)sqlite3_column_text(stmt, 0);
    static const char *const prefixes[] = {"interne.releve.", "interne.dossier_supprime."};
    for (size_t i = 0; k && i < 2; i++) {
        size_t n = strlen(prefixes[i]);
        if (strncmp(k, prefixes[i], n) == 0 && k[n] && strspn(k + n, "0123456789") ==
                                                         strlen(k + n))
            return true;
    }
    return false;
}

/* What an agent may never change. */
static char *forbidden(void)
{
    char *parts[4] = {
        dump("SELECT key, value FROM setting ORDER BY key", bookkeeping),
        dump("SELECT id, phase, code, expires_at, agent_id, agent_name, agent_org, "
             "connection_lost, note, owner_pid FROM share_state ORDER BY id", NULL),
        dump("SELECT * FROM share_log ORDER BY id", NULL),
        dump("SELECT type, name, tbl_name, sql FROM sqlite_master ORDER BY name", NULL),
    };
    size_t n = 0;
    for (int i = 0; i < 4; i++)
        n += strlen(parts[i]) + 2;
    char *all = malloc(n + 1);
    FUZZ_CHECK(all, "mémoire");
    all[0] = '\0';
    for (int i = 0; i < 4; i++) {
        strcat(all, parts[i]);
        strcat(all, "#\n");
        free(parts[i]);
    }
    return all;
}

/* Everything, for « nothing changed ». */
static char *everything(void)
{
    static const char *const tables[] = {"profile", "mandate", "credit_observation",
                                         "checklist", "ui_state", "setting", "dossier",
                                         "dossier_event", "search", "search_result",
                                         "ui_draft", "share_state", "share_log", NULL};
    size_t cap = 1, n = 0;
    char *all = calloc(1, 1);
    for (int i = 0; tables[i]; i++) {
        char sql[128];
        snprintf(sql, sizeof sql, "SELECT * FROM %s ORDER BY rowid", tables[i]);
        char *part = dump(sql, NULL);
        size_t pl = strlen(part);
        cap += pl + 2;
        all = realloc(all, cap);
        FUZZ_CHECK(all, "mémoire");
        memcpy(all + n, part, pl);
        n += pl;
        all[n++] = '#';
        all[n] = '\0';
        free(part);
    }
    return all;
}

static long long count(const char *sql)
{
    sqlite3_stmt *stmt = NULL;
    FUZZ_CHECK(sqlite3_prepare_v2(store_db(official), sql, -1, &stmt, NULL) == SQLITE_OK, "%s",
               sql);
    FUZZ_CHECK(sqlite3_step(stmt) == SQLITE_ROW, "%s", sql);
    long long n = sqlite3_column_int64(stmt, 0);
    sqlite3_finalize(stmt);
    return n;
}

/* The rows before the proposal, to compare with after (in the same transaction). */
static void snapshot_rows(void)
{
    db_exec(store_db(official),
            "CREATE TEMP TABLE IF NOT EXISTS before_check (item TEXT, done INT, done_at TEXT,"
            " done_by TEXT);"
            "CREATE TEMP TABLE IF NOT EXISTS before_event (id INT, dossier_id INT, status TEXT,"
            " event_date TEXT, actor TEXT, warning TEXT, recorded_at TEXT);"
            "CREATE TEMP TABLE IF NOT EXISTS before_dossier (id INT, status TEXT);"
            "DELETE FROM before_check; DELETE FROM before_event; DELETE FROM before_dossier;"
            "INSERT INTO before_dossier SELECT id, status FROM dossier;"
            "INSERT INTO before_check SELECT item, done, done_at, done_by FROM checklist;"
            "INSERT INTO before_event SELECT id, dossier_id, status, event_date, actor, warning,"
            " recorded_at FROM dossier_event;");
}

static void check_applied(void)
{
    char *integrity = dump("PRAGMA integrity_check", NULL);
    FUZZ_CHECK(strcmp(integrity, "ok|\n") == 0, "intégrité : %s", integrity);
    free(integrity);
    FUZZ_CHECK(count("SELECT count(*) FROM pragma_foreign_key_check") == 0,
               "référence cassée après une proposition acceptée");
    /* Ticks: every one changed is the agent's, or undone. */
    FUZZ_CHECK(count("SELECT count(*) FROM checklist c LEFT JOIN before_check b USING (item)"
                     " WHERE (b.item IS NULL OR c.done IS NOT b.done OR c.done_by IS NOT"
                     " b.done_by OR c.done_at IS NOT b.done_at)"
                     " AND NOT ((c.done = 1 AND c.done_by = 'agent') OR"
                     "          (c.done = 0 AND c.done_by IS NULL))") == 0,
               "une coche changée n'est pas attribuée à l'assistance");
    FUZZ_CHECK(count("SELECT count(*) FROM before_check b WHERE b.item NOT IN"
                     " (SELECT item FROM checklist)") == 0, "une coche supprimée");
    /* History: kept rows unchanged but their date, new rows the agent's. */
    FUZZ_CHECK(count("SELECT count(*) FROM dossier_event e JOIN before_event b USING (id)"
                     " WHERE e.dossier_id IS NOT b.dossier_id OR e.status IS NOT b.status OR"
                     " e.actor IS NOT b.actor OR e.warning IS NOT b.warning OR"
                     " e.recorded_at IS NOT b.recorded_at") == 0,
               "historique réécrit");
    FUZZ_CHECK(count("SELECT count(*) FROM dossier_event WHERE id NOT IN"
                     " (SELECT id FROM before_event) AND actor <> 'agent'") == 0,
               "nouvel historique non attribué à l'assistance");
    FUZZ_CHECK(count("SELECT count(*) FROM before_event b WHERE b.id NOT IN"
                     " (SELECT id FROM dossier_event) AND b.dossier_id IN"
                     " (SELECT id FROM dossier)") == 0,
               "historique supprimé d'un dossier gardé");
    /* A dossier's status: a new one starts « En cours de création »; a change is one the
     * status screen allows, with the agent's history row for it. */
    FUZZ_CHECK(count("SELECT count(*) FROM dossier WHERE id NOT IN (SELECT id FROM"
                     " before_dossier) AND status <> 'creation'") == 0,
               "nouveau dossier à un autre état que la création");
    FUZZ_CHECK(count("SELECT count(*) FROM dossier d JOIN before_dossier b USING (id)"
                     " WHERE d.status IS NOT b.status AND NOT EXISTS (SELECT 1 FROM"
                     " dossier_event e WHERE e.dossier_id = d.id AND e.status = d.status AND"
                     " e.actor = 'agent' AND e.id NOT IN (SELECT id FROM before_event))") == 0,
               "état de dossier changé sans son historique");
    sqlite3_stmt *moved = NULL;
    FUZZ_CHECK(sqlite3_prepare_v2(store_db(official),
                                  "SELECT b.status, d.status FROM dossier d JOIN before_dossier b"
                                  " USING (id) WHERE d.status IS NOT b.status",
                                  -1, &moved, NULL) == SQLITE_OK, "états");
    while (sqlite3_step(moved) == SQLITE_ROW) {
        const char *from = (const char *)sqlite3_column_text(moved, 0);
        const char *to = (const char *)sqlite3_column_text(moved, 1);
        int f = from ? dossier_status_from_key(from) : -1;
        int t = to ? dossier_status_from_key(to) : -1;
        FUZZ_CHECK(f >= 0 && t >= 0 && dossier_transition_allowed((enum dossier_status)f,
                                                                   (enum dossier_status)t),
                   "passage de « %s » à « %s » accepté", from ? from : "?", to ? to : "?");
    }
    sqlite3_finalize(moved);
    /* What the official's side sends on: allowed tables only. */
    void *buf = NULL;
    size_t len = 0;
    ok(store_share_take(official, &buf, &len), "enregistrement", official);
    if (buf) {
        sqlite3_changeset_iter *it = NULL;
        FUZZ_CHECK(sqlite3changeset_start(&it, (int)len, buf) == SQLITE_OK, "changeset");
        static const char *const allowed[] = {
            "checklist", "mandate", "credit_observation", "dossier", "dossier_event", "search",
            "search_result", "profile", "ui_state", "ui_draft", "setting", "share_state", NULL};
        while (sqlite3changeset_next(it) == SQLITE_ROW) {
            const char *table = NULL;
            int ncol = 0, op = 0, indirect = 0;
            sqlite3changeset_op(it, &table, &ncol, &op, &indirect);
            bool found = false;
            for (int i = 0; allowed[i] && table; i++)
                found = found || strcmp(allowed[i], table) == 0;
            FUZZ_CHECK(found, "la proposition a changé la table %s", table ? table : "?");
        }
        sqlite3changeset_finalize(it);
        free(buf);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!official)
        LLVMFuzzerInitialize(NULL, NULL);
    unsigned long long number = 1;
    const void *cs = data;
    size_t clen = size;
    const void *split_cs;
    size_t split_len;
    if (share_proposal_split(data, size, &number, &split_cs, &split_len)) {
        cs = split_cs;
        clen = split_len;
    } else {
        number = 1;
    }
    sqlite3 *db = store_db(official);
    db_exec(db, "BEGIN");
    snapshot_rows();
    char *forbidden_before = forbidden();
    char *all_before = everything();
    int rc = store_share_apply_proposal(official, number, cs, clen);
    if (getenv("FUZZ_TRACE")) /* to read what a seed does */
        fprintf(stderr, "proposition %llu de %zu octets : %d %s\n", number, clen, rc,
                rc ? store_error(official) : "appliquée");
    char *forbidden_after = forbidden();
    FUZZ_CHECK(strcmp(forbidden_before, forbidden_after) == 0,
               "une donnée interdite à l'assistance a changé (résultat %d) :\navant :\n%s\n"
               "après :\n%s", rc, forbidden_before, forbidden_after);
    if (rc != 0) {
        char *all_after = everything();
        FUZZ_CHECK(strcmp(all_before, all_after) == 0,
                   "proposition refusée (%d : %s) mais la base a changé", rc,
                   store_error(official));
        free(all_after);
        fuzz_check_message(store_error(official), "refus d'une proposition");
        /* A reason whose subject is plural (« les notes d'un dossier ») says so in its
         * verb. */
        const char *why = store_error(official);
        if (strncmp(why, "les ", 4) == 0) {
            static const char *const singular[] = {" contient ", " dépasse ", " est ",
                                                   " n'est ", " n'existe "};
            for (size_t i = 0; i < sizeof singular / sizeof *singular; i++)
                FUZZ_CHECK(!strstr(why, singular[i]), "accord du verbe : %s", why);
        }
        FUZZ_CHECK(rc == STORE_REFUSED, "échec %d au lieu d'un refus : %s", rc,
                   store_error(official));
        void *buf = NULL;
        size_t len = 0;
        ok(store_share_take(official, &buf, &len), "enregistrement", official);
        FUZZ_CHECK(!buf, "un refus a laissé %zu octets à envoyer", len);
    } else {
        check_applied();
    }
    free(forbidden_before);
    free(forbidden_after);
    free(all_before);
    db_exec(db, "ROLLBACK");
    /* What the rollback undid is not sent either. */
    void *buf = NULL;
    size_t len = 0;
    ok(store_share_take(official, &buf, &len), "enregistrement", official);
    free(buf);
    return 0;
}
