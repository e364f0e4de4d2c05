/* Crash safety (issue 10): the wizard killed with SIGKILL at random moments of a scripted
 * series of changes — ticks and unticks on steps 1 to 6, mandates added and edited, dossiers
 * created (in their form, or from a search result) and taken to « Validé », text typed in a
 * form and left half-typed — and started again each time. Every change the screen
 * acknowledged before the kill is in the database, the half-typed text is back in its form,
 * and PRAGMA integrity_check says ok. Some kills come right after a key, before the screen
 * showed its effect: that change may or may not be there, but the database agrees with
 * itself and nothing is recorded twice.
 *
 * The script is pseudo-random from a seed (printed; DIFELUS_SOAK_SEED chooses it). Its
 * size: DIFELUS_SOAK=1 (make soak) makes at least 200 changes and 50 kills; by default
 * (make test) a shortened run that still kills a dozen times. */
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <jansson.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "difelus/dossier.h"
#include "difelus/guide.h"
#include "harness.h"
#include "e2e.h"

#define MAX_ITEMS 8
#define MAX_MANDATES 10
#define MAX_DOSSIERS 10
#define MAX_FORM 6

/* What the official saw acknowledged: the truth the database must hold. */
struct model {
    bool tick[GUIDE_STEPS][MAX_ITEMS];
    int mandates;
    char coll[MAX_MANDATES][256], func[MAX_MANDATES][256];
    int dossiers;
    char title[MAX_DOSSIERS][256];
    enum dossier_status status[MAX_DOSSIERS];
};

static struct soak {
    unsigned long long rng;
    unsigned seed;
    int changes, kills, unacked;
    int searched; /* dossiers created from a search result */
    int want_changes, want_kills;
    char db[4200], path[4200];
    struct term *t;
    struct model m;
    /* Where the wizard is, for the check after a restart: a text its screen shows, and the
     * texts typed in the open form (acknowledged). */
    char mark[256];
    int form_n;
    char form[MAX_FORM][256];
} S;

#define SOAK_FAIL(...)                                                                     \
    do {                                                                                   \
        fprintf(stderr, "graine %u (DIFELUS_SOAK_SEED=%u pour rejouer), %d changements, " \
                        "%d arrêts : ",                                                    \
                S.seed, S.seed, S.changes, S.kills);                                       \
        fail_msg(__VA_ARGS__);                                                             \
    } while (0)

static unsigned next_rand(void)
{
    /* xorshift64*: the same script for the same seed on every machine */
    S.rng ^= S.rng >> 12;
    S.rng ^= S.rng << 25;
    S.rng ^= S.rng >> 27;
    return (unsigned)((S.rng * 2685821657736338717ULL) >> 33);
}

static int pick(int n)
{
    return n > 0 ? (int)(next_rand() % (unsigned)n) : 0;
}

static bool chance(int percent)
{
    return pick(100) < percent;
}

static void wait_text(const char *text)
{
    if (!term_wait_for(S.t, text))
        SOAK_FAIL("« %s » n'apparaît pas à l'écran :\n%s", text, term_text(S.t));
}

static void set_mark(const char *text)
{
    snprintf(S.mark, sizeof S.mark, "%s", text);
}

/* ---- the database, read by the test itself ---- */

static void integrity_ok(void)
{
    sqlite3 *db;
    if (sqlite3_open_v2(S.path, &db, SQLITE_OPEN_READWRITE, NULL) != SQLITE_OK)
        SOAK_FAIL("base illisible après l'arrêt : %s", sqlite3_errmsg(db));
    sqlite3_stmt *s;
    assert_int_equal(sqlite3_prepare_v2(db, "PRAGMA integrity_check", -1, &s, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_step(s), SQLITE_ROW);
    const char *r = (const char *)sqlite3_column_text(s, 0);
    if (strcmp(r, "ok") != 0)
        SOAK_FAIL("integrity_check : %s", r);
    sqlite3_finalize(s);
    sqlite3_close(db);
}

static int item_index(int step, const char *id)
{
    const struct guide_step *gs = guide_step(step);
    for (size_t k = 0; k < gs->item_count; k++)
        if (strcmp(gs->items[k].id, id) == 0)
            return (int)k;
    return -1;
}

static int status_of_key(const char *key)
{
    for (int s = 0; s < DS_COUNT; s++)
        if (strcmp(dossier_status_key((enum dossier_status)s), key) == 0)
            return s;
    return -1;
}

/* What `difelus statut --json` (what the official's command line shows) says, read into
 * a model. */
static void read_database(struct model *out)
{
    memset(out, 0, sizeof *out);
    json_t *root = status_of(S.db);
    json_t *steps = json_object_get(json_object_get(root, "etapes"), "detail");
    for (int s = 0; s < GUIDE_STEPS; s++) {
        json_t *ticked = json_object_get(json_array_get(steps, (size_t)s), "elements_coches");
        for (size_t i = 0; i < json_array_size(ticked); i++) {
            int k = item_index(s + 1, json_string_value(json_array_get(ticked, i)));
            assert_true(k >= 0 && k < MAX_ITEMS);
            out->tick[s][k] = true;
        }
    }
    json_t *ms = json_object_get(root, "mandats");
    for (size_t i = 0; i < json_array_size(ms) && i < MAX_MANDATES; i++) {
        json_t *o = json_array_get(ms, i);
        snprintf(out->coll[i], sizeof out->coll[i], "%s",
                 json_string_value(json_object_get(o, "collectivite")));
        snprintf(out->func[i], sizeof out->func[i], "%s",
                 json_string_value(json_object_get(o, "fonction")));
    }
    out->mandates = (int)json_array_size(ms);
    json_t *ds = json_object_get(root, "dossiers");
    for (size_t i = 0; i < json_array_size(ds) && i < MAX_DOSSIERS; i++) {
        json_t *o = json_array_get(ds, i);
        snprintf(out->title[i], sizeof out->title[i], "%s",
                 json_string_value(json_object_get(o, "intitule")));
        out->status[i] = (enum dossier_status)status_of_key(
            json_string_value(json_object_get(o, "statut")));
    }
    out->dossiers = (int)json_array_size(ds);
    json_decref(root);
}

static int find_mandate(const struct model *m, const char *coll)
{
    for (int i = 0; i < m->mandates; i++)
        if (strcmp(m->coll[i], coll) == 0)
            return i;
    return -1;
}

static int find_dossier(const struct model *m, const char *title)
{
    for (int i = 0; i < m->dossiers; i++)
        if (strcmp(m->title[i], title) == 0)
            return i;
    return -1;
}

/* The database holds exactly what was acknowledged (the order of lists aside). */
static void database_matches(void)
{
    struct model db;
    read_database(&db);
    for (int s = 0; s < GUIDE_STEPS; s++)
        for (int k = 0; k < MAX_ITEMS; k++)
            if (db.tick[s][k] != S.m.tick[s][k])
                SOAK_FAIL("étape %d, élément %d : %s dans la base, %s à l'écran avant l'arrêt",
                          s + 1, k + 1, db.tick[s][k] ? "coché" : "non coché",
                          S.m.tick[s][k] ? "coché" : "non coché");
    if (db.mandates != S.m.mandates)
        SOAK_FAIL("%d mandats dans la base, %d enregistrés à l'écran", db.mandates, S.m.mandates);
    for (int i = 0; i < S.m.mandates; i++) {
        int j = find_mandate(&db, S.m.coll[i]);
        if (j < 0)
            SOAK_FAIL("mandat « %s » perdu", S.m.coll[i]);
        if (strcmp(db.func[j], S.m.func[i]) != 0)
            SOAK_FAIL("mandat « %s » : fonction « %s » dans la base, « %s » enregistrée",
                      S.m.coll[i], db.func[j], S.m.func[i]);
    }
    if (db.dossiers != S.m.dossiers)
        SOAK_FAIL("%d dossiers dans la base, %d enregistrés à l'écran", db.dossiers, S.m.dossiers);
    for (int i = 0; i < S.m.dossiers; i++) {
        int j = find_dossier(&db, S.m.title[i]);
        if (j < 0)
            SOAK_FAIL("dossier « %s » perdu", S.m.title[i]);
        if (db.status[j] != S.m.status[i])
            SOAK_FAIL("dossier « %s » : « %s » dans la base, « %s » à l'écran", S.m.title[i],
                      dossier_status_label(db.status[j]), dossier_status_label(S.m.status[i]));
    }
}

/* ---- kills ---- */

static void start_wizard(void)
{
    S.t = start(24, 80, S.db, NULL);
    wait_text(S.mark);
    for (int i = 0; i < S.form_n; i++)
        wait_text(S.form[i]); /* the half-typed text is back in its form */
    wait_idle(child_pid());
}

static void kill_wizard(bool idle)
{
    pid_t pid = child_pid();
    assert_true(pid > 0);
    if (idle)
        wait_idle(pid);
    assert_int_equal(kill(pid, SIGKILL), 0);
    if (term_wait_exit(S.t) != 128 + SIGKILL)
        SOAK_FAIL("le programme n'a pas été tué");
    term_free(S.t);
    S.t = NULL;
    S.kills++;
    integrity_ok();
}

/* After an acknowledged change: sometimes kill, restart and check everything. */
static void changed(void)
{
    S.changes++;
    int percent = 100 * S.want_kills / S.want_changes;
    if (!chance(percent))
        return;
    kill_wizard(chance(50));
    database_matches();
    start_wizard();
}

/* A key whose effect is not waited for when it returns true: the wizard was killed right
 * after it was sent, and started again; the caller then reads what happened. */
static bool send_maybe_killed(const char *keys)
{
    term_send(S.t, keys);
    int percent = 100 * S.want_kills / S.want_changes;
    if (!chance(percent))
        return false;
    kill_wizard(false);
    S.unacked++;
    return true;
}

/* ---- the script's changes ---- */

static void go_home(void)
{
    term_send(S.t, "h");
    set_mark("Accueil — ");
    wait_text(S.mark);
}

/* Steps 4 to 6 follow the dossiers: a status recorded ticks the items it proves done. */
static void ticks_from_status(enum dossier_status s)
{
    for (const char *const *id = guide_items_done_by_status(s); id && *id; id++) {
        int step = 0;
        const struct guide_item *it = guide_item_find(*id, &step);
        assert_non_null(it);
        S.m.tick[step - 1][item_index(step, *id)] = true;
    }
}

static void tick(void)
{
    int step = 1 + pick(GUIDE_STEPS);
    const struct guide_step *gs = guide_step(step);
    int k = pick((int)gs->item_count);
    char keys[64], mark[64], want[512];
    snprintf(keys, sizeof keys, "%d", step);
    term_send(S.t, keys);
    snprintf(mark, sizeof mark, "Étape %d/6", step);
    set_mark(mark);
    wait_text(mark);
    for (int i = 0; i < k; i++)
        term_send_key(S.t, TK_DOWN);
    bool now = !S.m.tick[step - 1][k];
    if (send_maybe_killed(" ")) {
        struct model db;
        read_database(&db);
        S.m.tick[step - 1][k] = db.tick[step - 1][k]; /* either is right */
        database_matches();
        start_wizard();
        go_home();
        return;
    }
    snprintf(want, sizeof want, "[%c] %s", now ? 'x' : ' ', gs->items[k].label);
    wait_text(want);
    S.m.tick[step - 1][k] = now;
    changed();
    go_home();
}

/* Texts with the official's typography: ’ « » – … */
static const char *const places[] = {
    "Commune d’Aubenas", "Métropole « Rouen Normandie »", "Communauté – Privas Centre",
    "Département de l’Ardèche", "Région Auvergne–Rhône-Alpes", "Syndicat « Eaux du Vivarais »",
};
static const char *const functions[] = {
    "Adjointe à la culture…", "Conseillère « déléguée »", "Vice-président – finances",
    "Maire d’une commune rurale", "Conseiller municipal…", "Déléguée à l’urbanisme",
};

/* Types `text` into the field after a Tab (or in the focused field), and waits for it. */
static void type_field(const char *keys, const char *text)
{
    term_send(S.t, keys);
    wait_text(text);
    assert_true(S.form_n < MAX_FORM);
    snprintf(S.form[S.form_n++], sizeof S.form[0], "%s", text);
    changed();
}

/* What a form's Enter records, read back from the database: -1 when it is not there,
 * 1 when it is, 0 when something else is (recorded twice, or changed otherwise). */
static int pending_before;      /* records before the Enter (a new mandate or dossier) */
static char pending_coll[256];  /* the mandate edited */
static char pending_func[256];  /* its new function */

static int mandate_added(void)
{
    struct model db;
    read_database(&db);
    return db.mandates == pending_before ? -1 : db.mandates == pending_before + 1 ? 1 : 0;
}

static int dossier_added(void)
{
    struct model db;
    read_database(&db);
    return db.dossiers == pending_before ? -1 : db.dossiers == pending_before + 1 ? 1 : 0;
}

static int mandate_edited(void)
{
    struct model db;
    read_database(&db);
    int j = find_mandate(&db, pending_coll);
    if (j < 0 || db.mandates != S.m.mandates)
        return 0;
    return strcmp(db.func[j], pending_func) == 0 ? 1 : -1;
}

/* Enter on a form, then `done_text` on the list or view it leads to (`list_mark`). When
 * the wizard was killed right after the key, the database tells whether it was saved:
 * if not, the form is back with its text and Enter is pressed again; if so, the form must
 * not come back (Enter again would record it twice). */
static void submit(const char *done_text, const char *list_mark, int (*saved)(void))
{
    if (send_maybe_killed("\r")) {
        int r = saved();
        if (r == 0)
            SOAK_FAIL("un seul Entrée a enregistré autre chose que le formulaire (en double ?)");
        if (r < 0) {
            database_matches();
            start_wizard();
            submit(done_text, list_mark, saved);
            return;
        }
        S.form_n = 0;
        set_mark(list_mark);
        start_wizard();
        return;
    }
    wait_text(done_text);
    S.form_n = 0;
    set_mark(list_mark);
}

static void mandate_add(void)
{
    int n = S.m.mandates;
    char coll[128], func[128];
    snprintf(coll, sizeof coll, "%s n° %d", places[pick(6)], n + 1);
    snprintf(func, sizeof func, "%s", functions[pick(6)]);
    term_send(S.t, "m");
    wait_text("Vos mandats d'élu");
    term_send(S.t, "n");
    set_mark("nouveau mandat");
    wait_text(S.mark);
    S.form_n = 0;
    char keys[160];
    snprintf(keys, sizeof keys, "\t%s", coll);
    type_field(keys, coll);
    snprintf(keys, sizeof keys, "\t%s", func);
    type_field(keys, func);
    type_field("\t15/03/2026", "15/03/2026");
    type_field("\t31/03/2032", "31/03/2032");
    pending_before = n;
    submit("Mandat enregistré", "Vos mandats d'élu", mandate_added);
    snprintf(S.m.coll[n], sizeof S.m.coll[n], "%s", coll);
    snprintf(S.m.func[n], sizeof S.m.func[n], "%s", func);
    S.m.mandates++;
    changed();
    go_home();
}

/* The text of the field beside `label` on screen (its value starts at column 34). */
static void field_text(const char *label, char *out, size_t size)
{
    int y = term_find_row(S.t, label);
    if (y < 0)
        SOAK_FAIL("pas de champ « %s » :\n%s", label, term_text(S.t));
    const char *row = term_row(S.t, y);
    const char *at = strstr(row, label) + strlen(label);
    while (*at == ' ')
        at++;
    snprintf(out, size, "%s", at);
    size_t len = strlen(out);
    while (len > 0 && out[len - 1] == ' ')
        out[--len] = '\0';
}

static void mandate_edit(void)
{
    int i = pick(S.m.mandates);
    term_send(S.t, "m");
    set_mark("Vos mandats d'élu");
    wait_text(S.mark);
    for (int d = 0; d < i; d++)
        term_send_key(S.t, TK_DOWN);
    term_send(S.t, "\r");
    set_mark("Mes mandats — modifier un mandat");
    wait_text(S.mark);
    wait_text("/2032");
    wait_idle(child_pid());
    char coll[256];
    field_text("Collectivité", coll, sizeof coll);
    int at = find_mandate(&S.m, coll);
    if (at < 0)
        SOAK_FAIL("mandat « %s » inconnu :\n%s", coll, term_text(S.t));
    char func[128], keys[200];
    snprintf(func, sizeof func, "%s (%d)", functions[pick(6)], S.changes);
    S.form_n = 0;
    snprintf(S.form[S.form_n++], sizeof S.form[0], "%s", coll);
    /* Tab twice: from the level to the function, whose text Ctrl-U clears */
    snprintf(keys, sizeof keys, "\t\t\025%s", func);
    type_field(keys, func);
    snprintf(pending_coll, sizeof pending_coll, "%s", coll);
    snprintf(pending_func, sizeof pending_func, "%s", func);
    submit("Mandat enregistré", "Vos mandats d'élu", mandate_edited);
    snprintf(S.m.func[at], sizeof S.m.func[at], "%s", func);
    changed();
    go_home();
}

static const char *const trainings[] = {
    "Budget – « M57 » pour les élus", "Prise de parole en public…", "L’urbanisme du PLUi",
    "Finances locales « débutants »", "Conduire une réunion – niveau 2",
};

static void dossier_add(void)
{
    int n = S.m.dossiers;
    char title[128], keys[200];
    snprintf(title, sizeof title, "%s n° %d", trainings[pick(5)], n + 1);
    term_send(S.t, "d");
    wait_text("Mes dossiers d'inscription");
    term_send(S.t, "n");
    set_mark("nouveau dossier d'inscription");
    wait_text(S.mark);
    S.form_n = 0;
    type_field(title, title);
    snprintf(keys, sizeof keys, "\t%s", "Institut « Élus & territoires »");
    type_field(keys, "Institut « Élus & territoires »");
    pending_before = n;
    submit("Dossier enregistré", "Dossier n° ", dossier_added);
    snprintf(S.m.title[n], sizeof S.m.title[n], "%s", title);
    S.m.status[n] = DS_CREATION;
    S.m.dossiers++;
    ticks_from_status(DS_CREATION);
    changed();
    go_home();
}

/* The catalogue's trainings (tests/data/organisme.csv) and a word that finds each. */
static const char *const found_words[] = {"finances", "réunion"};
static const char *const found_titles[] = {"Les finances locales pour les élus",
                                           "Animer une réunion publique"};

/* A training of the catalogue with no dossier yet (-1: all have one). */
static int search_choice(void)
{
    int free_ones[2], n = 0;
    for (int i = 0; i < 2; i++)
        if (find_dossier(&S.m, found_titles[i]) < 0)
            free_ones[n++] = i;
    return n && S.m.dossiers < MAX_DOSSIERS ? free_ones[pick(n)] : -1;
}

/* Enter on the search's question « Créer un dossier avec cette formation ? », maybe killed
 * right after it: the dossier and the question answered are one change, so either the
 * question is back without a dossier (asked again), or the dossier is there and the
 * question gone — never both, or Enter would record it twice. */
static void answer_create(void)
{
    set_mark("Créer un dossier avec cette formation");
    /* The first time, always killed right after the key: every run checks this moment. */
    static unsigned forced_for_seed;
    bool killed;
    if (forced_for_seed != S.seed + 1) {
        forced_for_seed = S.seed + 1;
        term_send(S.t, "\r");
        kill_wizard(false);
        S.unacked++;
        killed = true;
    } else {
        killed = send_maybe_killed("\r");
    }
    if (killed) {
        int r = dossier_added();
        if (r == 0)
            SOAK_FAIL("un seul Entrée sur « créer le dossier » a fait autre chose qu'un dossier "
                      "(en double ?)");
        if (r < 0) {
            database_matches();
            start_wizard(); /* the question again */
            answer_create();
            return;
        }
        set_mark("Mes dossiers — modifier le dossier");
        start_wizard();
        if (strstr(term_text(S.t), "Entrée créer le dossier"))
            SOAK_FAIL("dossier enregistré, et la question revient au redémarrage :\n%s",
                      term_text(S.t));
        return;
    }
    wait_text("créé avec «\u00a0");
    set_mark("Mes dossiers — modifier le dossier");
}

static void search_add(int k)
{
    int n = S.m.dossiers;
    char keys[64];
    term_send(S.t, "r");
    set_mark("Rechercher une formation dans le catalogue");
    wait_text(S.mark);
    S.form_n = 0;
    snprintf(keys, sizeof keys, "\025%s\r", found_words[k]);
    term_send(S.t, keys);
    wait_text("Entrée\u00a0: créer un dossier avec cette formation");
    wait_text(found_titles[k]);
    term_send(S.t, "\r");
    wait_text("Entrée créer le dossier  Échap revenir aux résultats");
    pending_before = n;
    answer_create();
    snprintf(S.m.title[n], sizeof S.m.title[n], "%s", found_titles[k]);
    S.m.status[n] = DS_CREATION;
    S.m.dossiers++;
    S.searched++;
    ticks_from_status(DS_CREATION);
    changed();
    term_send(S.t, "\033"); /* the dates are left to fill: the dossier's page */
    set_mark("Dossier n° ");
    wait_text("Historique");
    go_home();
}

static enum dossier_status next_status(enum dossier_status s)
{
    return s == DS_CREATION ? DS_SENT : s == DS_SENT ? DS_TO_VALIDATE : DS_VALIDATED;
}

static void dossier_step(void)
{
    int i = pick(S.m.dossiers);
    term_send(S.t, "d");
    set_mark("Mes dossiers d'inscription");
    wait_text(S.mark);
    for (int d = 0; d < i; d++)
        term_send_key(S.t, TK_DOWN);
    term_send(S.t, "\r");
    set_mark("Dossier n° ");
    wait_text("Historique");
    wait_idle(child_pid());
    char title[256];
    field_text("Formation", title, sizeof title);
    int at = find_dossier(&S.m, title);
    if (at < 0)
        SOAK_FAIL("dossier « %s » inconnu :\n%s", title, term_text(S.t));
    if (S.m.status[at] == DS_VALIDATED) {
        go_home();
        return;
    }
    enum dossier_status to = next_status(S.m.status[at]);
    term_send(S.t, "c");
    set_mark("changer le statut");
    wait_text(S.mark);
    wait_text(dossier_status_label(to)); /* the default: the next status */
    char want[256];
    snprintf(want, sizeof want, "Statut       %s (depuis le", dossier_status_label(to));
    if (send_maybe_killed("\r")) {
        struct model db;
        read_database(&db);
        int j = find_dossier(&db, title);
        assert_true(j >= 0);
        if (db.status[j] == S.m.status[at]) {
            database_matches();
            start_wizard();
            term_send(S.t, "\r");
        } else if (db.status[j] == to) {
            S.m.status[at] = to;
            ticks_from_status(to);
            set_mark(want);
            database_matches();
            start_wizard();
            go_home();
            return;
        } else {
            SOAK_FAIL("dossier « %s » : « %s » dans la base après un seul Entrée", title,
                      dossier_status_label(db.status[j]));
        }
    }
    wait_text(want);
    set_mark(want);
    S.m.status[at] = to;
    ticks_from_status(to);
    changed();
    go_home();
}

static unsigned env_seed(void)
{
    const char *s = getenv("DIFELUS_SOAK_SEED");
    return s && *s ? (unsigned)strtoul(s, NULL, 10) : 20261127u;
}

static void test_kill_during_changes(void **state)
{
    (void)state;
    memset(&S, 0, sizeof S);
    bool full = getenv("DIFELUS_SOAK") && strcmp(getenv("DIFELUS_SOAK"), "1") == 0;
    S.want_changes = full ? 220 : 80;
    S.want_kills = full ? 55 : 20;
    S.seed = env_seed();
    S.rng = 0x9E3779B97F4A7C15ULL ^ S.seed;
    fprintf(stderr, "# arrêts brutaux : graine %u (DIFELUS_SOAK_SEED), %s\n", S.seed,
            full ? "complet (DIFELUS_SOAK=1)" : "abrégé");
    snprintf(S.db, sizeof S.db, "%.4190s", fresh_db("e2e-crash"));
    snprintf(S.path, sizeof S.path, "%.4190s", S.db + strlen("--db="));
    struct run_result imp;
    harness_run(&imp, (const char *[]){S.db, "catalogue", "importer",
                                       "tests/data/organisme.csv", NULL},
                NULL);
    assert_int_equal(imp.status, 0); /* trainings to make dossiers from (search_add) */
    harness_run_free(&imp);
    set_mark("Accueil — ");
    start_wizard();
    while (S.changes < S.want_changes || S.kills < S.want_kills) {
        int r = pick(100);
        if (r < 40)
            tick();
        else if (r < 55 && S.m.mandates < MAX_MANDATES)
            mandate_add();
        else if (r < 68 && S.m.mandates > 0)
            mandate_edit();
        else if (r < 74 && S.m.dossiers < MAX_DOSSIERS)
            dossier_add();
        else if (r < 80 && search_choice() >= 0)
            search_add(search_choice());
        else if (S.m.dossiers > 0)
            dossier_step();
    }
    fprintf(stderr, "# %d changements (dont %d dossiers créés depuis la recherche), %d arrêts "
                    "(dont %d juste après une touche)\n",
            S.changes, S.searched, S.kills, S.unacked);
    quit_cleanly(S.t);
    integrity_ok();
    database_matches();
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_kill_during_changes),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
