#include "difelus/catalogue.h"

#include <errno.h>
#include <locale.h>
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "difelus/syserr.h"
#include "difelus/dossier.h"
#include "difelus/text.h"
#include "store_internal.h"

#define CATALOGUE_SCHEMA_VERSION 1
#define FIELD_MAX (1024 * 1024) /* one field of a record: 1 Mo */
#define CATALOGUE_HOURS_MAX 10000 /* hours of one training, at most */
#define RANK_LIMIT 1000         /* hits ranked at most (the first ones in the index) */

/* The schema, in the import's own connection (P "main.") or in memory (P "cat."). The
 * index keeps no column sizes (columnsize = 0): the search's rank does not use them
 * (sql_rank), and the import writes one row less per training. training_word is the
 * index's vocabulary, for the search's long prefixes (expand_prefix); a catalogue written
 * before it existed is searched without it. */
#define SCHEMA(P)                                                                          \
    "CREATE TABLE " P "training ("                                                          \
    "  id INTEGER PRIMARY KEY,"                                                            \
    "  source TEXT NOT NULL CHECK (source IN ('cdc', 'organisme')),"                      \
    "  numero TEXT NOT NULL,"                                                              \
    "  title TEXT NOT NULL,"                                                               \
    "  body TEXT NOT NULL,"                                                                \
    "  siret TEXT,"                                                                        \
    "  modality TEXT NOT NULL CHECK (modality IN ('presentiel', 'distance')),"            \
    "  dept_code TEXT, dept_name TEXT, region TEXT,"                                       \
    "  price_min INTEGER, price_max INTEGER, price_mean INTEGER,"                          \
    "  hours_min REAL, hours_max REAL, hours_mean REAL,"                                   \
    "  cert_type TEXT, cert_code TEXT, cert_title TEXT,"                                   \
    "  description TEXT, extracted TEXT);"                                                 \
    "CREATE VIRTUAL TABLE " P "training_fts USING fts5(title, body, cert, filters,"         \
    "  content = '', detail = column, columnsize = 0,"                                     \
    "  tokenize = 'unicode61 remove_diacritics 2', prefix = '2 3');"                       \
    "CREATE TABLE " P "training_word (term TEXT PRIMARY KEY) WITHOUT ROWID;"              \
    "CREATE TABLE " P "import_log ("                                                        \
    "  source TEXT PRIMARY KEY, imported_at TEXT NOT NULL, file TEXT NOT NULL,"            \
    "  records INTEGER NOT NULL);"                                                         \
    "PRAGMA " P "user_version = 1;"

static const char schema_main[] = SCHEMA("main.");
static const char schema_memory[] = SCHEMA("cat.");

/* œ and æ are letters of their own for the tokenizer: fold them on both sides. */
static void fold_ligatures(const char *in, char *out, size_t outlen)
{
    size_t o = 0;
    while (*in && o + 3 < outlen) {
        if ((unsigned char)in[0] == 0xC5 && ((unsigned char)in[1] == 0x93 || (unsigned char)in[1] == 0x92)) {
            out[o++] = 'o';
            out[o++] = 'e';
            in += 2;
        } else if ((unsigned char)in[0] == 0xC3 &&
                   ((unsigned char)in[1] == 0xA6 || (unsigned char)in[1] == 0x86)) {
            out[o++] = 'a';
            out[o++] = 'e';
            in += 2;
        } else {
            out[o++] = *in++;
        }
    }
    out[o] = '\0';
}

static void sql_fold(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
    (void)argc;
    const char *in = (const char *)sqlite3_value_text(argv[0]);
    if (!in) {
        sqlite3_result_null(ctx);
        return;
    }
    /* Most texts hold no œ nor æ: given back as they are (the import folds every title). */
    const unsigned char *c = (const unsigned char *)in;
    while (*c && !((c[0] == 0xC5 && (c[1] == 0x93 || c[1] == 0x92)) ||
                   (c[0] == 0xC3 && (c[1] == 0xA6 || c[1] == 0x86))))
        c++;
    if (!*c) {
        sqlite3_result_value(ctx, argv[0]);
        return;
    }
    size_t len = strlen(in) * 2 + 4;
    char *out = sqlite3_malloc64(len);
    if (!out) {
        sqlite3_result_error_nomem(ctx);
        return;
    }
    fold_ligatures(in, out, len);
    sqlite3_result_text(ctx, out, -1, sqlite3_free);
}

/* The FTS5 interface of a connection, or NULL (SQLite built without FTS5). */
static fts5_api *fts5_of(sqlite3 *db)
{
    fts5_api *api = NULL;
    sqlite3_stmt *s;
    if (sqlite3_prepare_v2(db, "SELECT fts5(?1)", -1, &s, NULL) != SQLITE_OK)
        return NULL;
    sqlite3_bind_pointer(s, 1, (void *)&api, "fts5_api_ptr", NULL);
    sqlite3_step(s);
    sqlite3_finalize(s);
    return api && api->iVersion >= 2 ? api : NULL;
}

/* The order of a hit set: where the query's words are, as bm25 weighed them here before
 * (title 10, the body's name 2, the certification 1, the filters 0). bm25 itself costs
 * what the catalogue weighs: for every phrase of the query it counts the trainings that
 * hold it in the whole index (« com* » is in one training out of four), then reads every
 * hit's column sizes, one lookup each: 2 to 8 ms at 200 000 trainings whatever the LIMIT.
 * Every hit holds every word (they are ANDed), so those frequencies weigh the same for
 * all of them; the sizes only put short titles first. Here, only what the index gives
 * with the hit itself: the columns each phrase is in (detail=column). Higher is better;
 * the oldest training first among equals. */
static void sql_rank(const Fts5ExtensionApi *api, Fts5Context *fts, sqlite3_context *ctx,
                     int argc, sqlite3_value **argv)
{
    /* The words a typed prefix stands for are phrases of their own (argv: the first of
     * them, how many): they count as one typed word, once per column, else a title holding
     * « formation », « formateurs » and « formatrices » would outweigh one holding both
     * typed words, and the list would reshuffle as the word is typed on. */
    int first = argc >= 2 ? sqlite3_value_int(argv[0]) : 0;
    int group = argc >= 2 ? sqlite3_value_int(argv[1]) : 0;
    static const double weight[] = {10.0, 2.0, 1.0}; /* title, body, cert */
    double score = 0;
    unsigned columns = 0; /* of the typed word being read */
    int phrases = api->xPhraseCount(fts);
    for (int p = 0; p < phrases; p++) {
        Fts5PhraseIter it;
        int col;
        for (api->xPhraseFirstColumn(fts, p, &it, &col); col >= 0;
             api->xPhraseNextColumn(fts, &it, &col))
            if (col < 3)
                columns |= 1u << col;
        if (group > 1 && p >= first && p < first + group - 1)
            continue; /* more forms of the same typed word to come */
        for (int c = 0; c < 3; c++)
            if (columns & (1u << c))
                score += weight[c];
        columns = 0;
    }
    sqlite3_result_double(ctx, score);
}

static int errf(char *err, size_t errlen, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static int errf(char *err, size_t errlen, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, errlen, fmt, ap);
    va_end(ap);
    text_typeset(err, errlen);
    return -1;
}

/* SQLite's result codes said in French: the store's one table. */
static const char *sqlite_text(int rc)
{
    return store_sqlite_cause(rc);
}

static int damaged(char *err, size_t errlen, const char *path, int rc)
{
    return errf(err, errlen, "Le catalogue « %s » est illisible (%s). %s", path,
                sqlite_text(rc), store_sqlite_advice(SQLITE_CORRUPT, SQLITE_FOR_CATALOGUE));
}

/* The catalogue file beside the personal database. */
static void catalogue_file(store *st, char *path, size_t len)
{
    snprintf(path, len, "%s", store_path(st));
    char *slash = strrchr(path, '/');
    if (slash)
        snprintf(slash + 1, len - (size_t)(slash + 1 - path), "catalogue.db");
    else
        snprintf(path, len, "catalogue.db");
}

/* What a connection has attached as "cat": the file's identity, so that a catalogue
 * replaced by an import (a new inode) is noticed and attached again. The record lives as
 * long as the connection: it is the user data of a function registered on it, freed by
 * SQLite when the connection closes. */
struct attached {
    sqlite3 *db;
    bool memory; /* no catalogue file yet: an empty catalogue in memory */
    bool words;  /* the catalogue has its vocabulary (training_word): older ones do not */
    bool ranked; /* difelus_rank registered on the connection */
    dev_t dev;
    ino_t ino;
    struct timespec mtime;
    off_t size;
    struct attached *next;
};
static struct attached *attached_list;

static void attached_forget(void *p)
{
    for (struct attached **a = &attached_list; *a; a = &(*a)->next)
        if (*a == p) {
            *a = (*a)->next;
            break;
        }
    free(p);
}

static void sql_nothing(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
    (void)argc;
    (void)argv;
    sqlite3_result_null(ctx);
}

static struct attached *attached_of(sqlite3 *db)
{
    for (struct attached *a = attached_list; a; a = a->next)
        if (a->db == db)
            return a;
    struct attached *a = calloc(1, sizeof *a);
    if (!a)
        return NULL;
    a->db = db;
    a->next = attached_list;
    attached_list = a;
    if (sqlite3_create_function_v2(db, "difelus_catalogue_attached", 0, SQLITE_UTF8, a,
                                   sql_nothing, NULL, NULL, attached_forget) != SQLITE_OK)
        return NULL; /* SQLite called attached_forget already */
    return a;
}

static bool same_file(const struct attached *a, const struct stat *sb)
{
    return a->dev == sb->st_dev && a->ino == sb->st_ino && a->size == sb->st_size &&
           a->mtime.tv_sec == sb->st_mtim.tv_sec && a->mtime.tv_nsec == sb->st_mtim.tv_nsec;
}

static bool is_attached(sqlite3 *db)
{
    /* NULL for no such schema, "" for one in memory: no statement to prepare for every
     * search. */
    return sqlite3_db_filename(db, "cat") != NULL;
}

/* Whether the catalogue file differs from the one attached (0 no, 1 yes). */
static int file_changed(store *st, const struct attached *a)
{
    char path[4200];
    catalogue_file(st, path, sizeof path);
    struct stat sb;
    if (stat(path, &sb) != 0)
        return !a->memory;
    return a->memory || !same_file(a, &sb);
}

/* No catalogue yet (or a link to nothing): an empty one in memory, so that searches
 * answer « nothing » until an import creates the file. Nothing but an import writes a
 * catalogue file, and it writes it whole, then renames it into place. */
static int attach_memory(sqlite3 *db, struct attached *a, char *err, size_t errlen)
{
    char *msg = NULL;
    if (sqlite3_exec(db, "ATTACH DATABASE ':memory:' AS cat", NULL, NULL, NULL) != SQLITE_OK ||
        sqlite3_exec(db, schema_memory, NULL, NULL, &msg) != SQLITE_OK) {
        sqlite3_free(msg);
        sqlite3_exec(db, "DETACH DATABASE cat", NULL, NULL, NULL);
        return errf(err, errlen, "Impossible de préparer le catalogue (mémoire insuffisante ?).");
    }
    a->memory = true;
    a->words = true; /* an empty vocabulary: nothing matches */
    return 0;
}

/* A killed import leaves catalogue.db.nouveau (up to the size of a catalogue): removed
 * when no import holds it, so that the space comes back without waiting for the next
 * import. Never a reason to fail. */
static void remove_leftover(const char *cat)
{
    char tmp[4300];
    snprintf(tmp, sizeof tmp, "%s.nouveau", cat);
    int fd = open(tmp, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0)
        return;
    struct stat a, b;
    if (flock(fd, LOCK_EX | LOCK_NB) == 0 && fstat(fd, &a) == 0 && stat(tmp, &b) == 0 &&
        a.st_dev == b.st_dev && a.st_ino == b.st_ino && S_ISREG(a.st_mode))
        unlink(tmp);
    close(fd);
}

static int attach_now(store *st, char *err, size_t errlen)
{
    sqlite3 *db = store_db(st);
    char path[4200];
    catalogue_file(st, path, sizeof path);
    struct attached *a = attached_of(db);
    if (!a)
        return errf(err, errlen, "Mémoire insuffisante.");
    remove_leftover(path);
    sqlite3_create_function(db, "difelus_fold", 1, SQLITE_UTF8 | SQLITE_DETERMINISTIC, NULL,
                            sql_fold, NULL, NULL);
    if (!a->ranked) {
        /* Once per connection: FTS5 keeps every function registered, even twice. */
        fts5_api *api = fts5_of(db);
        a->ranked = api && api->xCreateFunction(api, "difelus_rank", NULL, sql_rank, NULL) ==
                               SQLITE_OK;
    }
    a->words = false;
    struct stat sb;
    if (stat(path, &sb) != 0) {
        if (errno != ENOENT)
            return errf(err, errlen, "Impossible d'accéder au catalogue « %s » (%s). Vérifiez "
                                     "les droits du dossier.", path, syserr_text(errno));
        return attach_memory(db, a, err, errlen);
    }
    if (S_ISDIR(sb.st_mode))
        return errf(err, errlen, "« %s » est un dossier, pas un catalogue. Renommez ou "
                                 "supprimez ce dossier, puis importez ou synchronisez le "
                                 "catalogue.", path);
    if (!S_ISREG(sb.st_mode))
        return errf(err, errlen, "« %s » n'est pas un fichier ordinaire. Supprimez-le, puis "
                                 "importez ou synchronisez le catalogue.", path);
    if (access(path, R_OK) != 0)
        return errf(err, errlen, "Impossible de lire le catalogue « %s » : accès refusé. "
                                 "Vérifiez ses droits (chmod 600 « %s »).", path, path);
    sqlite3_stmt *stmt;
    if (sqlite3_prepare_v2(db, "ATTACH DATABASE ?1 AS cat", -1, &stmt, NULL) != SQLITE_OK)
        return damaged(err, errlen, path, sqlite3_errcode(db));
    sqlite3_bind_text(stmt, 1, path, -1, SQLITE_TRANSIENT);
    int rc = sqlite3_step(stmt);
    sqlite3_finalize(stmt);
    if (rc != SQLITE_DONE)
        return damaged(err, errlen, path, sqlite3_errcode(db));
    int version = -1, tables = 0;
    if (sqlite3_prepare_v2(db, "PRAGMA cat.user_version", -1, &stmt, NULL) == SQLITE_OK) {
        if (sqlite3_step(stmt) == SQLITE_ROW)
            version = sqlite3_column_int(stmt, 0);
        sqlite3_finalize(stmt);
    }
    if (version >= 0 &&
        sqlite3_prepare_v2(db, "SELECT count(*) FROM cat.sqlite_master WHERE type = 'table'"
                               " AND name IN ('training', 'training_fts', 'import_log')",
                           -1, &stmt, NULL) == SQLITE_OK) {
        if (sqlite3_step(stmt) == SQLITE_ROW)
            tables = sqlite3_column_int(stmt, 0);
        else
            version = -1;
        sqlite3_finalize(stmt);
    }
    rc = sqlite3_errcode(db);
    if (version < 0) {
        sqlite3_exec(db, "DETACH DATABASE cat", NULL, NULL, NULL);
        return damaged(err, errlen, path, rc);
    }
    if (version > CATALOGUE_SCHEMA_VERSION) {
        sqlite3_exec(db, "DETACH DATABASE cat", NULL, NULL, NULL);
        return errf(err, errlen, "Le catalogue « %s » vient d'une version plus récente de "
                                 "difelus : mettez difelus à jour.", path);
    }
    if (version != CATALOGUE_SCHEMA_VERSION || tables != 3) {
        sqlite3_exec(db, "DETACH DATABASE cat", NULL, NULL, NULL);
        /* An empty file (older versions created one before importing): no catalogue yet. */
        if (sb.st_size == 0 && attach_memory(db, a, err, errlen) != 0)
            return -1;
        if (sb.st_size == 0)
            goto attached;
        return errf(err, errlen, "« %s » n'est pas un catalogue de difelus (un autre programme "
                                 "l'a créé ?). Déplacez ou supprimez ce fichier, puis importez "
                                 "ou synchronisez le catalogue.", path);
    }
    if (sqlite3_prepare_v2(db, "SELECT 1 FROM cat.sqlite_master WHERE type = 'table' AND"
                               " name = 'training_word'", -1, &stmt, NULL) == SQLITE_OK) {
        a->words = sqlite3_step(stmt) == SQLITE_ROW;
        sqlite3_finalize(stmt);
    }
attached:
    a->memory = false;
    a->dev = sb.st_dev;
    a->ino = sb.st_ino;
    a->mtime = sb.st_mtim;
    a->size = sb.st_size;
    return 0;
}

int catalogue_attach(store *st, char *err, size_t errlen)
{
    sqlite3 *db = store_db(st);
    if (is_attached(db)) {
        /* Attached already: a search still sees a catalogue imported meanwhile. */
        struct attached *a = attached_of(db);
        if (!a || !file_changed(st, a))
            return 0;
        /* Inside a transaction, or with a statement running, keep reading the old one. */
        if (!sqlite3_get_autocommit(db) ||
            sqlite3_exec(db, "DETACH DATABASE cat", NULL, NULL, NULL) != SQLITE_OK)
            return 0;
    }
    return attach_now(st, err, errlen);
}

int catalogue_refresh_if_changed(store *st, char *err, size_t errlen)
{
    sqlite3 *db = store_db(st);
    if (!is_attached(db))
        return 0; /* attached when first used */
    struct attached *a = attached_of(db);
    if (!a || !file_changed(st, a))
        return 0;
    if (!sqlite3_get_autocommit(db) ||
        sqlite3_exec(db, "DETACH DATABASE cat", NULL, NULL, NULL) != SQLITE_OK)
        return 0;
    return attach_now(st, err, errlen) == 0 ? 1 : -1;
}

/* ---- records ---- */

enum field {
    F_NUMERO, F_TITLE, F_BODY, F_SIRET, F_DEPT_CODE, F_DEPT_NAME, F_REGION,
    F_PRICE_MIN, F_PRICE_MAX, F_PRICE_MEAN, F_HOURS_MIN, F_HOURS_MAX, F_HOURS_MEAN,
    F_DISTANCE, F_MODALITY, F_CERT_TYPE, F_RNCP, F_RS, F_CERT_TITLE, F_DESCRIPTION,
    F_EXTRACTED, F_COUNT
};

/* Accepted column names: the CDC's (old and new) and the training body's CSV. */
static const struct {
    const char *name;
    enum field field;
} names[] = {
    {"numero_formation", F_NUMERO},      {"intitule_formation", F_TITLE},
    {"nom_of", F_BODY},                  {"siret", F_SIRET},
    {"siret_of", F_SIRET},               {"code_departement", F_DEPT_CODE},
    {"nom_departement", F_DEPT_NAME},    {"nom_region", F_REGION},
    {"frais_ttc_tot_min", F_PRICE_MIN},  {"frais_ttc_tot_max", F_PRICE_MAX},
    {"frais_ttc_tot_mean", F_PRICE_MEAN}, {"nombre_heures_total_min", F_HOURS_MIN},
    {"nombre_heures_total_max", F_HOURS_MAX}, {"nombre_heures_total_mean", F_HOURS_MEAN},
    {"nb_session_a_distance", F_DISTANCE}, {"type_referentiel", F_CERT_TYPE},
    {"code_rncp", F_RNCP},               {"code_inventaire", F_RS},
    {"code_rs", F_RS},                   {"intitule_certification", F_CERT_TITLE},
    {"objectif_formation", F_DESCRIPTION}, {"date_extract", F_EXTRACTED},
    {"date_chargement", F_EXTRACTED},
    /* a training body's own CSV (README) */
    {"reference", F_NUMERO},             {"intitule", F_TITLE},
    {"organisme", F_BODY},               {"modalite", F_MODALITY},
    {"departement", F_DEPT_CODE},        {"prix", F_PRICE_MIN},
    {"heures", F_HOURS_MIN},             {"description", F_DESCRIPTION},
};

static int field_of(const char *name)
{
    char clean[64];
    snprintf(clean, sizeof clean, "%s", name);
    text_trim(clean);
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        if (strcasecmp(clean, names[i].name) == 0)
            return (int)names[i].field;
    return -1;
}

static const char *const field_label[F_COUNT] = {
    [F_NUMERO] = "numero_formation / reference", [F_TITLE] = "intitule_formation / intitule",
    [F_BODY] = "nom_of / organisme",
};

struct importer {
    sqlite3 *db;
    sqlite3_stmt *insert;
    enum catalogue_source source;
    size_t records;
    sqlite3_int64 next_id; /* ids go on after the old catalogue's: a search recorded in the
                              personal database never names another training */
    struct catalogue_import *report;
    catalogue_progress_fn progress;
    void *user;
};

/* Parses a decimal number ("1200", "1200.5", "1 200,50"); false when it is not one. */
static bool parse_number(const char *s, double *out)
{
    /* Whole numbers, most of a catalogue's, without strtod (exact either way). */
    long whole = 0;
    int digits = 0;
    while (s[digits] >= '0' && s[digits] <= '9' && digits < 9)
        whole = whole * 10 + (s[digits++] - '0');
    if (digits > 0 && s[digits] == '\0') {
        *out = (double)whole;
        return true;
    }
    char buf[64];
    size_t o = 0;
    for (; *s && o + 1 < sizeof buf; s++) {
        if (*s == ' ')
            continue;
        buf[o++] = *s == ',' ? '.' : *s;
    }
    buf[o] = '\0';
    if (!buf[0])
        return false;
    /* strtod follows LC_NUMERIC, and an official's fr_FR.UTF-8 wants a comma: parse in
     * the C locale whatever the process runs in. */
    static locale_t c_numeric;
    if (!c_numeric)
        c_numeric = newlocale(LC_NUMERIC_MASK, "C", (locale_t)0);
    if (!c_numeric)
        return false;
    char *end;
    errno = 0;
    double v = strtod_l(buf, &end, c_numeric);
    if (*end || errno || v < 0 || v > 1e9 || isnan(v))
        return false;
    *out = v;
    return true;
}

/* A record's département: the CDC gives its exact code ("07", "2A", "971"), found here in
 * a hundred comparisons; anything else (a name, "7", "2a") by places_find_departement,
 * whose folding costs 8 % of an import when done for every record. */
static const struct departement *departement_of(const char *text)
{
    static const struct departement *all;
    static size_t count;
    if (!all)
        all = places_departements(&count);
    if (strlen(text) <= 3)
        for (size_t i = 0; i < count; i++)
            if (strcmp(text, all[i].code) == 0)
                return &all[i];
    return places_find_departement(text);
}

/* Checks one record's fields and inserts it. `where` names it in messages ("ligne 12"). */
static int insert_record(struct importer *im, const char *v[F_COUNT], const char *where,
                         char *err, size_t errlen)
{
    for (int f = F_NUMERO; f <= F_BODY; f++)
        if (!v[f] || !*v[f])
            return errf(err, errlen, "%s : le champ %s est vide.", where, field_label[f]);
    sqlite3_stmt *s = im->insert;
    sqlite3_reset(s);
    sqlite3_clear_bindings(s);
    sqlite3_bind_text(s, 1, im->source == SOURCE_CDC ? "cdc" : "organisme", -1, SQLITE_STATIC);
    sqlite3_bind_int64(s, 21, im->next_id);
    static const int text_cols[][2] = {
        {F_NUMERO, 2}, {F_TITLE, 3}, {F_BODY, 4}, {F_DEPT_CODE, 7},
        {F_DEPT_NAME, 8}, {F_REGION, 9}, {F_CERT_TYPE, 16}, {F_CERT_TITLE, 18},
        {F_DESCRIPTION, 19}, {F_EXTRACTED, 20},
    };
    for (size_t i = 0; i < sizeof text_cols / sizeof text_cols[0]; i++) {
        const char *t = v[text_cols[i][0]];
        if (t && *t)
            sqlite3_bind_text(s, text_cols[i][1], t, -1, SQLITE_STATIC);
    }
    /* A training body's CSV may give the département by name: store its code. */
    if (v[F_DEPT_CODE] && *v[F_DEPT_CODE]) {
        const struct departement *d = departement_of(v[F_DEPT_CODE]);
        if (d) {
            sqlite3_bind_text(s, 7, d->code, -1, SQLITE_STATIC);
            if (!v[F_DEPT_NAME] || !*v[F_DEPT_NAME])
                sqlite3_bind_text(s, 8, d->name, -1, SQLITE_STATIC);
            if (!v[F_REGION] || !*v[F_REGION])
                sqlite3_bind_text(s, 9, d->region, -1, SQLITE_STATIC);
        } else if (im->report->unknown_dept++ == 0) {
            text_sanitize(im->report->unknown_dept_example,
                          sizeof im->report->unknown_dept_example, v[F_DEPT_CODE]);
        }
    }
    /* A wrong SIRET is not a reason to hide a training, but it must not reach a dossier:
     * the record is kept without it, and the summary counts it. */
    char siret[15];
    if (v[F_SIRET] && *v[F_SIRET]) {
        /* No message wanted: formatting it for each wrong SIRET costs 3 % of an import. */
        if (dossier_siret_valid(v[F_SIRET], siret, NULL, 0))
            sqlite3_bind_text(s, 5, siret, -1, SQLITE_TRANSIENT);
        else if (im->report->bad_siret++ == 0)
            snprintf(im->report->bad_siret_where, sizeof im->report->bad_siret_where, "%s",
                     where);
    }
    const char *modality = "presentiel";
    double n;
    if (v[F_MODALITY] && *v[F_MODALITY]) {
        char folded[64];
        places_fold(v[F_MODALITY], folded, sizeof folded);
        if (strcmp(folded, "distance") == 0 || strcmp(folded, "a distance") == 0)
            modality = "distance";
        else if (strcmp(folded, "presentiel") != 0) {
            char shown[160];
            return errf(err, errlen, "%s : modalité « %s » inconnue (présentiel ou "
                                     "distance).", where,
                        text_clip(shown, sizeof shown, v[F_MODALITY], 40));
        }
    } else if (v[F_DISTANCE] && *v[F_DISTANCE]) {
        char shown[160];
        if (!parse_number(v[F_DISTANCE], &n))
            return errf(err, errlen, "%s : nb_session_a_distance « %s » n'est pas un "
                                     "nombre.", where,
                        text_clip(shown, sizeof shown, v[F_DISTANCE], 40));
        if (n > 0)
            modality = "distance";
    }
    sqlite3_bind_text(s, 6, modality, -1, SQLITE_STATIC);
    static const struct {
        int field, col;
        bool cents;
        const char *name;
    } numbers[] = {
        {F_PRICE_MIN, 10, true, "prix"},   {F_PRICE_MAX, 11, true, "prix"},
        {F_PRICE_MEAN, 12, true, "prix"},  {F_HOURS_MIN, 13, false, "heures"},
        {F_HOURS_MAX, 14, false, "heures"}, {F_HOURS_MEAN, 15, false, "heures"},
    };
    for (size_t i = 0; i < sizeof numbers / sizeof numbers[0]; i++) {
        const char *t = v[numbers[i].field];
        if (!t || !*t)
            continue;
        char shown[160];
        if (!parse_number(t, &n))
            return errf(err, errlen, "%s : %s « %s » n'est pas un nombre.", where,
                        numbers[i].name, text_clip(shown, sizeof shown, t, 40));
        /* Hours become hundredths in an int: a training of more than 10 000 h is a wrong
         * value (and 1e9 h would overflow), refused as a value that is not a number. */
        if (!numbers[i].cents && (n < 0 || n > CATALOGUE_HOURS_MAX))
            return errf(err, errlen, "%s : %s « %s » : plus de 10\u00a0000\u00a0h, ce n'est "
                                     "pas une durée de formation.", where, numbers[i].name,
                        text_clip(shown, sizeof shown, t, 40));
        if (numbers[i].cents)
            sqlite3_bind_int64(s, numbers[i].col, llround(n * 100));
        else
            sqlite3_bind_double(s, numbers[i].col, n);
    }
    const char *code = v[F_RNCP] && *v[F_RNCP] ? v[F_RNCP] : v[F_RS];
    if (code && *code)
        sqlite3_bind_text(s, 17, code, -1, SQLITE_STATIC);
    if (sqlite3_step(s) != SQLITE_DONE)
        return errf(err, errlen, "%s : écriture du nouveau catalogue impossible (%s).", where,
                    sqlite_text(sqlite3_errcode(im->db)));
    im->records++;
    im->next_id++;
    if (im->progress && im->records % 20000 == 0)
        im->progress(im->records, im->user);
    return 0;
}

/* Outside text may hold newlines and tabs, never other control characters. */
static bool field_ok(const char *s, size_t len, const char **why)
{
    const unsigned char *p = (const unsigned char *)s, *end = p + len;
    while (p < end) {
        /* Eight printable ASCII bytes at a time (no high bit, none below 0x20 nor 0x7F):
         * most of a catalogue, checked a quarter as fast as byte by byte. */
        while (end - p >= 8) {
            uint64_t w;
            memcpy(&w, p, 8);
            const uint64_t ones = 0x0101010101010101u, highs = 0x8080808080808080u;
            uint64_t below_space = (w - 0x20 * ones) & ~w & highs;
            uint64_t x = w ^ (0x7F * ones), del = (x - ones) & ~x & highs;
            if ((w & highs) | below_space | del)
                break;
            p += 8;
        }
        if (p >= end)
            break;
        unsigned c = *p;
        if (c < 0x80) {
            if ((c < 0x20 && c != '\n' && c != '\r' && c != '\t') || c == 0x7F) {
                *why = "contient un caractère de contrôle";
                return false;
            }
            p++;
            continue;
        }
        int n = (c & 0xE0) == 0xC0 ? 2 : (c & 0xF0) == 0xE0 ? 3 : (c & 0xF8) == 0xF0 ? 4 : 0;
        if (n == 0 || p + n > end || (c == 0xC0 || c == 0xC1)) {
            *why = "n'est pas du texte UTF-8 (enregistrez le fichier en UTF-8)";
            return false;
        }
        for (int i = 1; i < n; i++) {
            if ((p[i] & 0xC0) != 0x80) {
                *why = "n'est pas du texte UTF-8 (enregistrez le fichier en UTF-8)";
                return false;
            }
        }
        if (n == 2 && c == 0xC2 && p[1] < 0xA0) {
            *why = "contient un caractère de contrôle";
            return false;
        }
        p += n;
    }
    return true;
}

/* ---- CSV (';' separated, '"' quoted, "" inside quotes) ---- */

struct csv {
    FILE *f;
    long line;       /* line where the current record starts */
    long next_line;  /* line of the next character */
    char *buf;       /* fields, NUL-separated */
    size_t cap, len;
    size_t starts[256];
    int count;
    unsigned char *in; /* what was read from f and not used yet: in[in_pos..in_len) */
    size_t in_pos, in_len;
};

#define CSV_READ_SIZE 65536

/* The next byte of the file, or EOF (also on a read error, as getc). */
static int csv_getc(struct csv *c)
{
    if (c->in_pos == c->in_len) {
        c->in_pos = 0;
        c->in_len = fread(c->in, 1, CSV_READ_SIZE, c->f);
        if (c->in_len == 0)
            return EOF;
    }
    return c->in[c->in_pos++];
}

/* Gives back the byte csv_getc just returned (not EOF). */
static void csv_ungetc(struct csv *c)
{
    c->in_pos--;
}

/* Reads one record; returns 1, 0 at the end, -1 with a message. */
/* Room for `more` bytes after c->len. The capacity changes only once realloc succeeded:
 * on failure c->buf and c->cap still describe the old block (the caller frees it). */
static bool grow(struct csv *c, size_t more)
{
    if (c->len + more < c->cap)
        return true;
    size_t cap = c->cap ? c->cap * 2 : 4096;
    while (c->len + more >= cap)
        cap *= 2;
    char *grown = realloc(c->buf, cap);
    if (!grown)
        return false;
    c->buf = grown;
    c->cap = cap;
    return true;
}

static int csv_read(struct csv *c, char *err, size_t errlen)
{
    c->len = 0;
    c->count = 0;
    c->line = c->next_line;
    int ch = csv_getc(c);
    if (ch == EOF)
        return 0;
    csv_ungetc(c);
    bool quoted = false, field_start = true;
    size_t field_len = 0;
    c->starts[c->count++] = 0;
    for (;;) {
        /* A run of ordinary bytes, copied at once: one test per byte instead of ten (the
         * reading was a fifth of an import). What ends the run is read below. */
        const unsigned char *p = c->in + c->in_pos, *end = c->in + c->in_len, *q = p;
        if (quoted)
            while (q < end && *q != '"' && *q != '\n' && *q != '\r' && *q != '\0')
                q++;
        else
            while (q < end && *q != '"' && *q != ';' && *q != '\n' && *q != '\r' && *q != '\0')
                q++;
        if (q > p) {
            size_t run = (size_t)(q - p);
            field_start = false;
            if ((field_len += run) > FIELD_MAX)
                return errf(err, errlen, "ligne %ld : un champ dépasse 1 Mo ; ce n'est pas un "
                                         "catalogue de formations.", c->line);
            if (!grow(c, run + 1))
                return errf(err, errlen, "Mémoire insuffisante.");
            memcpy(c->buf + c->len, p, run);
            c->len += run;
            c->in_pos += run;
            continue;
        }
        ch = csv_getc(c);
        if (ch == EOF) {
            if (quoted)
                return errf(err, errlen, "ligne %ld : fichier tronqué (guillemet ouvert et "
                                         "jamais fermé).", c->line);
            break;
        }
        if (ch == '\0')
            return errf(err, errlen, "ligne %ld : le fichier contient un octet nul : ce n'est "
                                     "pas un fichier texte CSV (enregistrez-le en CSV UTF-8).",
                        c->next_line);
        if (ch == '\r') {
            /* CR LF (Windows) or a lone CR (old Mac files): one line end either way. */
            int next = csv_getc(c);
            if (next != '\n' && next != EOF)
                csv_ungetc(c);
            ch = '\n';
        }
        if (ch == '\n')
            c->next_line++;
        if (quoted) {
            if (ch == '"') {
                int next = csv_getc(c);
                if (next == '"') {
                    ch = '"';
                } else {
                    quoted = false;
                    if (next != EOF)
                        csv_ungetc(c);
                    continue;
                }
            }
        } else if (ch == '"' && field_start) {
            quoted = true;
            field_start = false;
            continue;
        } else if (ch == ';') {
            if (c->count == (int)(sizeof c->starts / sizeof c->starts[0]))
                return errf(err, errlen, "ligne %ld : trop de colonnes.", c->line);
            if (!grow(c, 1))
                return errf(err, errlen, "Mémoire insuffisante.");
            c->buf[c->len++] = '\0';
            c->starts[c->count++] = c->len;
            field_start = true;
            field_len = 0;
            continue;
        } else if (ch == '\n') {
            break;
        }
        field_start = false;
        if (++field_len > FIELD_MAX)
            return errf(err, errlen, "ligne %ld : un champ dépasse 1 Mo ; ce n'est pas un "
                                     "catalogue de formations.", c->line);
        if (!grow(c, 2))
            return errf(err, errlen, "Mémoire insuffisante.");
        c->buf[c->len++] = (char)ch;
    }
    if (!grow(c, 1))
        return errf(err, errlen, "Mémoire insuffisante.");
    c->buf[c->len] = '\0';
    for (int i = 0; i < c->count; i++) {
        const char *why;
        const char *field = c->buf + c->starts[i];
        if (!field_ok(field, strlen(field), &why))
            return errf(err, errlen, "ligne %ld, colonne %d : le texte %s.", c->line, i + 1, why);
    }
    return 1;
}

/* "ligne 12", for every record: snprintf's cost showed in an import. */
static void line_label(char *out, size_t len, long line)
{
    char digits[24];
    int n = 0;
    unsigned long v = line > 0 ? (unsigned long)line : 0;
    do
        digits[n++] = (char)('0' + v % 10);
    while ((v /= 10) && n < (int)sizeof digits);
    static const char prefix[] = "ligne ";
    size_t o = sizeof prefix - 1;
    if (len < o + (size_t)n + 1) {
        snprintf(out, len, "ligne %ld", line);
        return;
    }
    memcpy(out, prefix, o);
    while (n)
        out[o++] = digits[--n];
    out[o] = '\0';
}

static int import_csv(struct importer *im, FILE *f, char *err, size_t errlen)
{
    struct csv c = {.f = f, .next_line = 1, .in = malloc(CSV_READ_SIZE)};
    if (!c.in)
        return errf(err, errlen, "Mémoire insuffisante.");
    int rc = csv_read(&c, err, errlen);
    if (rc <= 0) {
        free(c.buf);
        free(c.in);
        return rc == 0 ? errf(err, errlen, "Le fichier est vide.") : -1;
    }
    int map[256];
    bool seen[F_COUNT] = {false};
    int header_count = c.count;
    for (int i = 0; i < c.count; i++) {
        const char *name = c.buf + c.starts[i];
        if (i == 0 && strncmp(name, "\xEF\xBB\xBF", 3) == 0)
            name += 3; /* byte order mark */
        map[i] = field_of(name);
        if (map[i] >= 0)
            seen[map[i]] = true;
    }
    bool body_format = false;
    for (int i = 0; i < c.count; i++) {
        const char *name = c.buf + c.starts[i];
        if (strcasecmp(name, "reference") == 0 || strcasecmp(name, "intitule") == 0)
            body_format = true;
    }
    im->source = body_format ? SOURCE_BODY : SOURCE_CDC;
    for (int f2 = F_NUMERO; f2 <= F_BODY; f2++) {
        if (!seen[f2]) {
            free(c.buf);
            free(c.in);
            return errf(err, errlen, "ligne 1 : colonne obligatoire absente (%s). Séparateur "
                                     "attendu : « ; ».", field_label[f2]);
        }
    }
    char where[64];
    while ((rc = csv_read(&c, err, errlen)) == 1) {
        if (c.count == 1 && c.buf[0] == '\0')
            continue; /* blank line */
        if (c.count != header_count) {
            free(c.buf);
            free(c.in);
            return errf(err, errlen, "ligne %ld : %d colonnes au lieu de %d (fichier tronqué "
                                     "ou mal séparé).", c.line, c.count, header_count);
        }
        const char *v[F_COUNT] = {NULL};
        for (int i = 0; i < c.count; i++)
            if (map[i] >= 0 && !v[map[i]])
                v[map[i]] = c.buf + c.starts[i];
        line_label(where, sizeof where, c.line);
        if (insert_record(im, v, where, err, errlen) != 0) {
            free(c.buf);
            free(c.in);
            return -1;
        }
    }
    free(c.buf);
    free(c.in);
    return rc < 0 ? -1 : 0;
}

/* ---- JSON (an array of records), read one record at a time ---- */

static int skip_blanks(FILE *f)
{
    int ch;
    while ((ch = getc(f)) == ' ' || ch == '\n' || ch == '\r' || ch == '\t')
        ;
    return ch;
}

static int import_json(struct importer *im, FILE *f, char *err, size_t errlen)
{
    im->source = SOURCE_CDC;
    if (skip_blanks(f) != '[')
        return errf(err, errlen, "Le fichier n'est pas un tableau JSON d'enregistrements.");
    char where[64];
    int ch = skip_blanks(f);
    if (ch == ']')
        return skip_blanks(f) == EOF ? 0
                                     : errf(err, errlen, "du texte suit la fin du tableau "
                                                         "JSON : le fichier est abîmé.");
    ungetc(ch, f);
    for (size_t n = 1;; n++) {
        json_error_t jerr;
        json_t *rec = json_loadf(f, JSON_DISABLE_EOF_CHECK, &jerr);
        snprintf(where, sizeof where, "enregistrement %zu", n);
        if (!rec) {
            /* jansson's text is English: say what it means. */
            enum json_error_code code = json_error_code(&jerr);
            const char *why =
                code == json_error_premature_end_of_input ? "le fichier s'arrête au milieu "
                                                            "(téléchargement ou copie incomplet)"
                : code == json_error_stack_overflow        ? "trop d'accolades ou de crochets "
                                                             "imbriqués"
                : code == json_error_invalid_utf8          ? "texte qui n'est pas en UTF-8"
                : code == json_error_null_character        ? "octet nul dans le texte"
                                                    : "texte qui n'est pas du JSON valide";
            return errf(err, errlen, "%s : JSON invalide, %s. Téléchargez ou exportez le "
                                     "fichier à nouveau.", where, why);
        }
        if (!json_is_object(rec)) {
            json_decref(rec);
            return errf(err, errlen, "%s : un objet JSON était attendu.", where);
        }
        const char *v[F_COUNT] = {NULL};
        char numbers[F_COUNT][48];
        const char *key;
        json_t *value;
        int rc = 0;
        json_object_foreach(rec, key, value)
        {
            int fi = field_of(key);
            if (fi < 0 || v[fi])
                continue;
            if (json_is_string(value)) {
                const char *why;
                size_t len = json_string_length(value);
                if (len > FIELD_MAX) {
                    rc = errf(err, errlen, "%s : le champ « %s » dépasse 1 Mo.", where, key);
                    break;
                }
                if (!field_ok(json_string_value(value), len, &why)) {
                    rc = errf(err, errlen, "%s : le champ « %s » %s.", where, key, why);
                    break;
                }
                v[fi] = json_string_value(value);
            } else if (json_is_integer(value)) {
                /* A SIRET given as a number has lost its leading zeros. */
                snprintf(numbers[fi], sizeof numbers[fi],
                         fi == F_SIRET ? "%014" JSON_INTEGER_FORMAT : "%" JSON_INTEGER_FORMAT,
                         json_integer_value(value));
                v[fi] = numbers[fi];
            } else if (json_is_real(value)) {
                snprintf(numbers[fi], sizeof numbers[fi], "%.2f", json_real_value(value));
                v[fi] = numbers[fi];
            }
        }
        if (rc == 0)
            rc = insert_record(im, v, where, err, errlen);
        json_decref(rec);
        if (rc != 0)
            return -1;
        ch = skip_blanks(f);
        if (ch == ']') {
            if (skip_blanks(f) != EOF)
                return errf(err, errlen, "du texte suit la fin du tableau JSON (après "
                                         "l'enregistrement %zu) : le fichier est abîmé ou "
                                         "n'est pas un export du catalogue. Téléchargez ou "
                                         "exportez-le à nouveau.", n);
            return 0;
        }
        if (ch != ',')
            return errf(err, errlen, "%s : « , » ou « ] » attendu après l'enregistrement "
                                     "(fichier tronqué ?).", where);
    }
}

/* Takes the import lock: the new catalogue's file itself (catalogue.db.nouveau), opened
 * and flock'ed. Another import holding it is refused rather than waited for. After the
 * lock, the name must still lead to the file locked: an import that just finished renamed
 * its file to catalogue.db. Returns the descriptor, or -1 with a message. */
static int lock_new_file(const char *tmp, char *err, size_t errlen)
{
    int busy = 0;
    for (int tries = 0; tries < 10; tries++) {
        int fd = open(tmp, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
        if (fd < 0)
            return errf(err, errlen, "Impossible d'écrire le nouveau catalogue « %s » : %s. "
                                     "Vérifiez que le dossier de la base est accessible en "
                                     "écriture et qu'il reste de la place.",
                        tmp, syserr_text(errno));
        if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
            int e = errno;
            close(fd);
            /* Another process opening the catalogue holds the lock for an instant while
             * it removes a leftover (remove_leftover): wait a little before saying that an
             * import is running, which holds it for the whole import. */
            if (e == EWOULDBLOCK && busy++ < 50) {
                nanosleep(&(struct timespec){0, 10 * 1000 * 1000}, NULL);
                tries--;
                continue;
            }
            if (e == EWOULDBLOCK)
                return errf(err, errlen, "Un autre import du catalogue est en cours (« %s » "
                                         "est occupé). Attendez qu'il se termine, puis "
                                         "recommencez.", tmp);
            return errf(err, errlen, "Impossible de verrouiller « %s » (%s).", tmp,
                        syserr_text(e));
        }
        struct stat a, b;
        if (fstat(fd, &a) == 0 && stat(tmp, &b) == 0 && a.st_dev == b.st_dev &&
            a.st_ino == b.st_ino) {
            if (!S_ISREG(a.st_mode)) {
                close(fd);
                return errf(err, errlen, "« %s » n'est pas un fichier ordinaire : "
                                         "supprimez-le, puis recommencez.", tmp);
            }
            return fd;
        }
        close(fd);
    }
    return errf(err, errlen, "Un autre import du catalogue est en cours. Attendez qu'il se "
                             "termine, puis recommencez.");
}

/* A test-only pause (DIFELUS_TEST_ARRET_IMPORT=ecriture|renommage): the process stops
 * itself there, so that a test can kill it at exactly that moment. */
static void test_stop(const char *moment)
{
    const char *want = getenv("DIFELUS_TEST_ARRET_IMPORT");
    if (want && strcmp(want, moment) == 0)
        raise(SIGSTOP);
}

static int sync_folder(const char *path)
{
    char dir[4200];
    snprintf(dir, sizeof dir, "%s", path);
    char *slash = strrchr(dir, '/');
    if (slash)
        *(slash == dir ? slash + 1 : slash) = '\0';
    else
        snprintf(dir, sizeof dir, ".");
    int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0)
        return -1;
    int rc = fsync(fd);
    close(fd);
    return rc;
}

/* Looks at the old catalogue before the new one is written, outside any transaction (an
 * error inside one would end it): attached as "old" when it is whole, its largest id in
 * *max_id. A damaged one is detached and reported; another program's file refuses the
 * import (not ours to replace). Returns 0, or -1 with a message. */
static int check_old(struct importer *im, const char *cat, sqlite3_int64 *max_id, char *err,
                     size_t errlen)
{
    sqlite3 *db = im->db;
    *max_id = 0;
    struct stat sb;
    if (stat(cat, &sb) != 0 || !S_ISREG(sb.st_mode) || sb.st_size == 0)
        return 0;
    sqlite3_stmt *s;
    if (sqlite3_prepare_v2(db, "ATTACH DATABASE ?1 AS old", -1, &s, NULL) != SQLITE_OK)
        return errf(err, errlen, "Préparation du catalogue impossible (%s).",
                    sqlite_text(sqlite3_errcode(db)));
    sqlite3_bind_text(s, 1, cat, -1, SQLITE_TRANSIENT);
    int rc = sqlite3_step(s);
    sqlite3_finalize(s);
    if (rc != SQLITE_DONE) {
        im->report->old_unreadable = true;
        return 0;
    }
    int version = -1, tables = -1, ours = 0;
    if (sqlite3_prepare_v2(db, "PRAGMA old.user_version", -1, &s, NULL) == SQLITE_OK) {
        if (sqlite3_step(s) == SQLITE_ROW)
            version = sqlite3_column_int(s, 0);
        sqlite3_finalize(s);
    }
    if (version >= 0 &&
        sqlite3_prepare_v2(db, "SELECT count(*), count(*) FILTER (WHERE name IN ('training',"
                               " 'import_log')) FROM old.sqlite_master WHERE type = 'table'",
                           -1, &s, NULL) == SQLITE_OK) {
        if (sqlite3_step(s) == SQLITE_ROW) {
            tables = sqlite3_column_int(s, 0);
            ours = sqlite3_column_int(s, 1);
        }
        sqlite3_finalize(s);
    }
    if (tables > 0 && (ours != 2 || version != CATALOGUE_SCHEMA_VERSION)) {
        sqlite3_exec(db, "DETACH DATABASE old", NULL, NULL, NULL);
        if (version > CATALOGUE_SCHEMA_VERSION && ours == 2)
            return errf(err, errlen, "Le catalogue « %s » vient d'une version plus récente de "
                                     "difelus : mettez difelus à jour.", cat);
        return errf(err, errlen, "« %s » n'est pas un catalogue de difelus (un autre programme "
                                 "l'a créé ?). Déplacez ou supprimez ce fichier, puis "
                                 "recommencez.", cat);
    }
    rc = SQLITE_CORRUPT;
    if (tables == 0) {
        rc = SQLITE_EMPTY; /* an empty database: nothing to keep */
    } else if (tables > 0 &&
               sqlite3_prepare_v2(db, "SELECT coalesce(max(id), 0), sum(length(numero) +"
                                      " length(title) + length(body) + length(coalesce("
                                      "description, '')) + length(coalesce(cert_title, '')))"
                                      " + (SELECT count(*) FROM old.import_log)"
                                      " FROM old.training",
                                  -1, &s, NULL) == SQLITE_OK) {
        /* Every row read once: a damaged page shows now, not in the middle of the copy. */
        rc = sqlite3_step(s);
        if (rc == SQLITE_ROW)
            *max_id = sqlite3_column_int64(s, 0);
        sqlite3_finalize(s);
    }
    if (rc != SQLITE_ROW) {
        sqlite3_exec(db, "DETACH DATABASE old", NULL, NULL, NULL);
        if (rc != SQLITE_EMPTY)
            im->report->old_unreadable = true;
    }
    return 0;
}

/* Brings what must stay from the old catalogue (the other source's trainings and its
 * import date) into the new one, when check_old attached it. */
static int keep_old(struct importer *im, char *err, size_t errlen)
{
    sqlite3 *db = im->db;
    sqlite3_stmt *s;
    bool attached = false;
    if (sqlite3_prepare_v2(db, "SELECT 1 FROM pragma_database_list WHERE name = 'old'", -1,
                           &s, NULL) == SQLITE_OK) {
        attached = sqlite3_step(s) == SQLITE_ROW;
        sqlite3_finalize(s);
    }
    if (!attached)
        return 0;
    const char *src = im->source == SOURCE_CDC ? "cdc" : "organisme";
    static const char *const steps[] = {
        "INSERT INTO main.training SELECT * FROM old.training WHERE source <> ?1",
        "INSERT INTO main.import_log SELECT * FROM old.import_log WHERE source <> ?1",
    };
    for (size_t i = 0; i < 2; i++) {
        int rc = sqlite3_prepare_v2(db, steps[i], -1, &s, NULL);
        if (rc == SQLITE_OK) {
            sqlite3_bind_text(s, 1, src, -1, SQLITE_STATIC);
            rc = sqlite3_step(s);
            sqlite3_finalize(s);
        }
        if (rc != SQLITE_DONE)
            return errf(err, errlen, "Lecture de l'ancien catalogue ou écriture du nouveau "
                                     "impossible (%s).", sqlite_text(sqlite3_errcode(db)));
    }
    im->report->kept = 0;
    if (sqlite3_prepare_v2(db, "SELECT count(*) FROM main.training WHERE source <> ?1", -1, &s,
                           NULL) == SQLITE_OK) {
        sqlite3_bind_text(s, 1, src, -1, SQLITE_STATIC);
        if (sqlite3_step(s) == SQLITE_ROW)
            im->report->kept = (size_t)sqlite3_column_int64(s, 0);
        sqlite3_finalize(s);
    }
    return 0;
}

static int import_stream(store *st, FILE *f, const char *label, struct catalogue_import *report,
                         catalogue_progress_fn progress, void *user, char *err, size_t errlen)
{
    char cat[4200], tmp[4300];
    catalogue_file(st, cat, sizeof cat);
    snprintf(tmp, sizeof tmp, "%s.nouveau", cat);
    struct stat sb;
    if (stat(cat, &sb) == 0 && S_ISDIR(sb.st_mode))
        return errf(err, errlen, "« %s » est un dossier, pas un catalogue. Renommez ou "
                                 "supprimez ce dossier, puis recommencez.", cat);

    /* JSON starts with '[' (after an optional byte order mark and blanks); CSV otherwise. */
    unsigned char head[3];
    size_t got = fread(head, 1, 3, f);
    bool bom = got == 3 && head[0] == 0xEF && head[1] == 0xBB && head[2] == 0xBF;
    if (!bom)
        rewind(f);
    int first = skip_blanks(f);
    if (first == EOF && ferror(f))
        return errf(err, errlen, "Lecture de « %s » impossible (%s).", label,
                    syserr_text(errno));
    bool json = first == '[';
    rewind(f);
    if (json && bom)
        fseek(f, 3, SEEK_SET);

    /* The new catalogue is built whole in its own file, by its own connection: the old one
     * stays searchable meanwhile, the personal database is never locked, and a kill at
     * any moment leaves the old file or the new one (the rename is atomic). */
    int lock = lock_new_file(tmp, err, errlen);
    if (lock < 0)
        return -1;
    if (ftruncate(lock, 0) != 0) { /* what a killed import left */
        int e = errno;
        close(lock);
        return errf(err, errlen, "Impossible de vider « %s » (%s).", tmp, syserr_text(e));
    }
    sqlite3 *db = NULL;
    struct importer im = {.progress = progress, .user = user, .report = report};
    char *msg = NULL;
    /* This connection never leaves this function (nor this thread): no mutex around each
     * of its calls, a twentieth of an import. */
    int open_rc = sqlite3_open_v2(tmp, &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, NULL);
    if (open_rc != SQLITE_OK) {
        errf(err, errlen, "Impossible de créer le nouveau catalogue « %s » (%s).", tmp,
             sqlite_text(open_rc));
        goto done;
    }
    im.db = db;
    sqlite3_extended_result_codes(db, 0);
    sqlite3_create_function(db, "difelus_fold", 1, SQLITE_UTF8 | SQLITE_DETERMINISTIC, NULL,
                            sql_fold, NULL, NULL);
    sqlite3_int64 max_id;
    if (check_old(&im, cat, &max_id, err, errlen) != 0)
        goto done;
    im.next_id = max_id + 1;
    /* No journal: a failed import throws the whole file away, and the file is synced
     * once, before the rename. */
    if (sqlite3_exec(db, "PRAGMA journal_mode = OFF; PRAGMA synchronous = OFF;"
                         "PRAGMA cache_size = -262144; BEGIN;",
                     NULL, NULL, &msg) != SQLITE_OK ||
        sqlite3_exec(db, schema_main, NULL, NULL, &msg) != SQLITE_OK)
        goto sql_error;
    if (sqlite3_prepare_v2(db,
                           "INSERT INTO main.training (source, numero, title, body, siret,"
                           " modality, dept_code, dept_name, region, price_min, price_max,"
                           " price_mean, hours_min, hours_max, hours_mean, cert_type, cert_code,"
                           " cert_title, description, extracted, id) VALUES (?1, ?2, ?3, ?4, ?5,"
                           " ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19,"
                           " ?20, ?21)",
                           -1, &im.insert, NULL) != SQLITE_OK)
        goto sql_error;
    if ((json ? import_json(&im, f, err, errlen) : import_csv(&im, f, err, errlen)) != 0)
        goto done;
    if (im.records == 0) {
        errf(err, errlen, "Aucune formation dans « %s ».", label);
        goto done;
    }
    sqlite3_finalize(im.insert);
    im.insert = NULL;
    if (keep_old(&im, err, errlen) != 0)
        goto done;
    sqlite3_stmt *q;
    /* FTS5 writes what it gathered to a new segment of the index every 1 Mo by default,
     * then merges the segments, again and again: 32 Mo hold 200 000 trainings' words in
     * one segment, a quarter less work, and a search looks each word up once. A setting
     * this SQLite would not know only makes the import slower. */
    sqlite3_exec(db, "INSERT INTO main.training_fts (training_fts, rank) VALUES"
                     " ('hashsize', 33554432)", NULL, NULL, NULL);
    if (sqlite3_exec(db,
                     "INSERT INTO main.training_fts (rowid, title, body, cert, filters)"
                     " SELECT id, difelus_fold(title), difelus_fold(body),"
                     " difelus_fold(coalesce(cert_title, '')),"
                     " 'm' || modality || ' d' || lower(coalesce(dept_code, '')) ||"
                     " ' x' || lower(coalesce(dept_code, '')) || modality"
                     " FROM main.training;",
                     NULL, NULL, &msg) != SQLITE_OK)
        goto sql_error;
    if (sqlite3_exec(db,
                     /* The index's words, for the search's long prefixes (expand_prefix),
                      * in the vocabulary's own (sorted) order. */
                     "CREATE VIRTUAL TABLE temp.difelus_vocabulary USING"
                     " fts5vocab(main, training_fts, 'row');"
                     "INSERT INTO main.training_word (term)"
                     " SELECT term FROM temp.difelus_vocabulary;"
                     "DROP TABLE temp.difelus_vocabulary;",
                     NULL, NULL, &msg) != SQLITE_OK)
        goto sql_error;
    if (sqlite3_prepare_v2(db, "INSERT INTO main.import_log (source, imported_at, file, records)"
                               " VALUES (?1, strftime('%Y-%m-%dT%H:%M:%SZ', 'now'), ?2, ?3)",
                           -1, &q, NULL) != SQLITE_OK)
        goto sql_error;
    sqlite3_bind_text(q, 1, im.source == SOURCE_CDC ? "cdc" : "organisme", -1, SQLITE_STATIC);
    sqlite3_bind_text(q, 2, label, -1, SQLITE_STATIC);
    sqlite3_bind_int64(q, 3, (sqlite3_int64)im.records);
    int step = sqlite3_step(q);
    sqlite3_finalize(q);
    if (step != SQLITE_DONE)
        goto sql_error;
    sqlite3_exec(db, "DETACH DATABASE old", NULL, NULL, NULL);
    test_stop("ecriture");
    if (sqlite3_exec(db, "COMMIT", NULL, NULL, &msg) != SQLITE_OK)
        goto sql_error;
    int close_rc = sqlite3_close(db);
    db = NULL;
    if (close_rc != SQLITE_OK) {
        errf(err, errlen, "Écriture du nouveau catalogue impossible (%s).",
             sqlite_text(close_rc));
        goto done;
    }
    if (fsync(lock) != 0) {
        errf(err, errlen, "Écriture du nouveau catalogue impossible (%s).",
             syserr_text(errno));
        goto done;
    }
    test_stop("renommage");
    if (rename(tmp, cat) != 0) {
        int e = errno;
        if (e == EISDIR || e == ENOTEMPTY || e == EEXIST)
            errf(err, errlen, "« %s » est un dossier, pas un catalogue. Renommez ou supprimez "
                              "ce dossier, puis recommencez.", cat);
        else
            errf(err, errlen, "Impossible de mettre le nouveau catalogue à la place de « %s » "
                              "(%s).", cat, syserr_text(e));
        goto done;
    }
    sync_folder(cat); /* the rename itself reaches the disk */
    close(lock);
    lock = -1;
    report->source = im.source;
    report->records = im.records;
    report->json = json;
    return 0;
sql_error:
    /* with what to do: « Libérez de la place… » on a full disk */
    errf(err, errlen, "Écriture du nouveau catalogue impossible (%s). %s",
         sqlite_text(sqlite3_errcode(db)),
         store_sqlite_advice(sqlite3_errcode(db), SQLITE_FOR_CATALOGUE));
    sqlite3_free(msg);
done:
    sqlite3_finalize(im.insert);
    sqlite3_close(db);
    unlink(tmp);
    close(lock);
    return -1;
}

int catalogue_import_file(store *st, const char *path, struct catalogue_import *report,
                          catalogue_progress_fn progress, void *user, char *err, size_t errlen)
{
    memset(report, 0, sizeof *report);
    struct stat sb;
    if (stat(path, &sb) == 0 && S_ISDIR(sb.st_mode))
        return errf(err, errlen, "« %s » est un dossier : indiquez le fichier CSV ou JSON à "
                                 "importer.", path);
    FILE *f = fopen(path, "rb");
    if (!f)
        return errf(err, errlen, "Impossible de lire « %s » (%s).", path,
                    syserr_text(errno));
    int rc = import_stream(st, f, path, report, progress, user, err, errlen);
    fclose(f);
    return rc;
}

int catalogue_import_stream(store *st, FILE *f, const char *label,
                            struct catalogue_import *report, catalogue_progress_fn progress,
                            void *user, char *err, size_t errlen)
{
    memset(report, 0, sizeof *report);
    return import_stream(st, f, label, report, progress, user, err, errlen);
}

/* ---- search ---- */

/* The query is split by the index's own tokenizer (FTS5's interface, declared in
 * sqlite3.h), so that what the official types is cut into words exactly as the titles
 * were. */
#define QUERY_WORDS 32
#define QUERY_WORD_MAX 64

struct query_words {
    char word[QUERY_WORDS][QUERY_WORD_MAX];
    bool whole[QUERY_WORDS]; /* never a prefix */
    int count;
};

static int collect_word(void *ctx, int tflags, const char *token, int len, int start, int end)
{
    (void)start;
    (void)end;
    struct query_words *w = ctx;
    if ((tflags & FTS5_TOKEN_COLOCATED) || len <= 0 || len >= QUERY_WORD_MAX - 1 ||
        w->count >= QUERY_WORDS)
        return SQLITE_OK;
    int chars = 0;
    for (int i = 0; i < len; i++)
        chars += ((unsigned char)token[i] & 0xC0) != 0x80;
    bool digit = chars == 1 && token[0] >= '0' && token[0] <= '9';
    if (chars < 2 && !digit)
        return SQLITE_OK; /* one letter ("l'", "d'") says nothing and costs a lot */
    memcpy(w->word[w->count], token, (size_t)len);
    w->word[w->count][len] = '\0';
    w->whole[w->count++] = chars < 2; /* "module 7": 7 itself, not every number from 7 */
    return SQLITE_OK;
}

/* Splits text into the index's words (letters and digits, Unicode-aware, lowercased and
 * without accents; everything else separates). Returns 0, or -1 when the tokenizer is
 * missing. */
static int split_words(sqlite3 *db, const char *text, struct query_words *out)
{
    memset(out, 0, sizeof *out);
    fts5_api *api = fts5_of(db);
    void *user = NULL;
    fts5_tokenizer tokenizer;
    if (!api || api->xFindTokenizer(api, "unicode61", &user, &tokenizer) != SQLITE_OK)
        return -1;
    /* The same options as the index (schema above). */
    const char *args[] = {"remove_diacritics", "2"};
    Fts5Tokenizer *tok = NULL;
    if (tokenizer.xCreate(user, args, 2, &tok) != SQLITE_OK)
        return -1;
    char folded[1024];
    fold_ligatures(text ? text : "", folded, sizeof folded);
    int rc = tokenizer.xTokenize(tok, out, FTS5_TOKENIZE_QUERY, folded, (int)strlen(folded),
                                 collect_word);
    tokenizer.xDelete(tok);
    return rc == SQLITE_OK ? 0 : -1;
}

/* The words of the catalogue that a prefix of 4 letters or more stands for. FTS5 answers
 * such a prefix (its prefix index has 2 and 3 letters only) by merging the whole lists of
 * every word it starts, for every query, whatever the LIMIT: 2 to 3 ms at 200 000
 * trainings for « élus » (« elus* »), growing with the catalogue. The same few words
 * ORed are read only as far as the results need. */
#define EXPANSIONS_MAX 16

struct expansion {
    int count; /* -1: keep the prefix (no vocabulary, too many words, a word too long) */
    char term[EXPANSIONS_MAX][QUERY_WORD_MAX];
};

static int expand_prefix(sqlite3 *db, const struct query_words *w, struct expansion *x)
{
    x->count = -1;
    if (w->count == 0)
        return 0;
    const char *last = w->word[w->count - 1];
    int chars = 0;
    for (const char *c = last; *c; c++)
        chars += ((unsigned char)*c & 0xC0) != 0x80;
    if (w->whole[w->count - 1] || chars < 4)
        return 0;
    /* The words from the prefix up to (not included) the prefix with its last byte raised:
     * every word that starts with it, in the primary key's (byte) order. */
    char above[QUERY_WORD_MAX];
    size_t len = strlen(last);
    memcpy(above, last, len + 1);
    above[len - 1] = (char)((unsigned char)above[len - 1] + 1); /* UTF-8 never ends in 0xFF */
    sqlite3_stmt *s;
    if (sqlite3_prepare_v2(db, "SELECT term FROM cat.training_word WHERE term >= ?1 AND"
                               " term < ?2 ORDER BY term LIMIT ?3",
                           -1, &s, NULL) != SQLITE_OK)
        return -1;
    sqlite3_bind_text(s, 1, last, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 2, above, (int)len, SQLITE_STATIC);
    sqlite3_bind_int(s, 3, EXPANSIONS_MAX + 1);
    int n = 0, rc;
    bool fits = true;
    while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
        const char *t = (const char *)sqlite3_column_text(s, 0);
        int tlen = sqlite3_column_bytes(s, 0);
        if (n == EXPANSIONS_MAX || !t || tlen >= QUERY_WORD_MAX) {
            fits = false;
            break;
        }
        memcpy(x->term[n], t, (size_t)tlen + 1);
        n++;
    }
    sqlite3_finalize(s);
    if (rc != SQLITE_ROW && rc != SQLITE_DONE)
        return -1;
    if (fits)
        x->count = n;
    return 0;
}

/* Appends word quoted: no text is ever FTS5 syntax. */
static size_t quote(char *out, size_t o, const char *word)
{
    out[o++] = '"';
    for (const char *c = word; *c; c++) {
        if (*c == '"')
            out[o++] = '"'; /* never produced by unicode61; doubled all the same */
        out[o++] = *c;
    }
    out[o++] = '"';
    return o;
}

/* Builds the FTS5 query: each word quoted, the last one used as a prefix since it may be
 * still being typed (or the words it stands for, x), in the text columns only, then the
 * filters. outlen must hold every word and expansion. Returns the number of words. */
static int build_query(const struct catalogue_query *q, const struct query_words *w,
                       const struct expansion *x, char *out, size_t outlen)
{
    size_t o = 0;
    o += (size_t)snprintf(out + o, outlen - o, "{title body cert} : (");
    for (int i = 0; i < w->count && o + 2 * QUERY_WORD_MAX + 8 < outlen; i++) {
        if (i) /* FTS5 ANDs "a" "b" by itself, not "a" ("b" OR "c") */
            o += (size_t)snprintf(out + o, outlen - o, " AND ");
        bool last = i == w->count - 1;
        if (last && x->count > 0) {
            out[o++] = '(';
            for (int k = 0; k < x->count && o + 2 * QUERY_WORD_MAX + 16 < outlen; k++) {
                if (k)
                    o += (size_t)snprintf(out + o, outlen - o, " OR ");
                o = quote(out, o, x->term[k]);
            }
            out[o++] = ')';
            continue;
        }
        o = quote(out, o, w->word[i]);
        if (last && !w->whole[i])
            out[o++] = '*';
    }
    o += (size_t)snprintf(out + o, outlen - o, ")");
    /* The filters are words of the index's filters column: a département (with the
     * modality when both are given), or the modality alone. In the index, the LIMIT counts
     * the trainings shown, and only those are read from the table. */
    if (q->dept) {
        char code[8];
        size_t i;
        for (i = 0; q->dept->code[i] && i < 7; i++)
            code[i] = (char)(q->dept->code[i] | 0x20);
        code[i] = '\0';
        if (q->modality)
            snprintf(out + o, outlen - o, " AND filters : \"x%s%s\"", code, q->modality);
        else
            snprintf(out + o, outlen - o, " AND filters : \"d%s\"", code);
    } else if (q->modality) {
        snprintf(out + o, outlen - o, " AND filters : \"m%s\"", q->modality);
    }
    return w->count;
}

/* A failed search in French, by cause: SQLite's own text never reaches the official. */
static int search_error(sqlite3 *db, char *err, size_t errlen)
{
    int rc = sqlite3_errcode(db);
    return errf(err, errlen, "La recherche dans le catalogue a échoué (%s). %s",
                sqlite_text(rc), store_sqlite_advice(rc, SQLITE_FOR_SEARCH));
}

/* Hours read from a catalogue imported before the cap: unknown (0) rather than an int
 * overflow. */
static int hundredths(double hours)
{
    return hours > 0 && hours <= CATALOGUE_HOURS_MAX ? (int)llround(hours * 100) : 0;
}

/* A hit of the index and its rank. */
struct scored {
    sqlite3_int64 id;
    double score;
};

static int by_score(const void *a, const void *b)
{
    const struct scored *x = a, *y = b;
    if (x->score != y->score)
        return x->score > y->score ? -1 : 1;
    return (x->id > y->id) - (x->id < y->id);
}

int catalogue_search(store *st, const struct catalogue_query *q, struct catalogue_hit *out,
                     size_t max, size_t *count, char *err, size_t errlen)
{
    *count = 0;
    if (q->more)
        *q->more = false;
    if (catalogue_attach(st, err, errlen) != 0)
        return -1;
    sqlite3 *db = store_db(st);
    struct attached *a = attached_of(db);
    struct query_words words;
    if (!a || split_words(db, q->words, &words) != 0)
        return search_error(db, err, errlen);
    if (q->modality && strcmp(q->modality, "presentiel") != 0 &&
        strcmp(q->modality, "distance") != 0)
        return 0; /* no training has another modality */
    struct expansion x = {.count = -1};
    if (a->words && expand_prefix(db, &words, &x) != 0)
        return search_error(db, err, errlen);
    if (x.count == 0)
        return 0; /* no word of the catalogue starts so */
    char match[8192];
    if (build_query(q, &words, &x, match, sizeof match) == 0)
        return 0;
    size_t limit = q->limit > 0 && (size_t)q->limit < max ? (size_t)q->limit : max;
    /* One pass over the index, filters included, at most RANK_LIMIT + 1 hits: ranked
     * here, then only the trainings shown are read from the table. A larger hit set is
     * cut in the index's order (the oldest trainings first), its first RANK_LIMIT ranked:
     * the official is told there are more, and to add words. */
    struct scored *set = malloc((RANK_LIMIT + 1) * sizeof *set);
    if (!set)
        return errf(err, errlen, "Mémoire insuffisante pour chercher dans le catalogue.");
    sqlite3_stmt *s;
    if (sqlite3_prepare_v2(db, a->ranked ? "SELECT rowid, difelus_rank(training_fts, ?3, ?4)"
                                           " FROM cat.training_fts WHERE training_fts MATCH ?1"
                                           " LIMIT ?2"
                                         : "SELECT rowid, 0 FROM cat.training_fts WHERE"
                                           " training_fts MATCH ?1 LIMIT ?2",
                           -1, &s, NULL) != SQLITE_OK) {
        free(set);
        return search_error(db, err, errlen);
    }
    sqlite3_bind_text(s, 1, match, -1, SQLITE_STATIC);
    sqlite3_bind_int(s, 2, RANK_LIMIT + 1);
    /* The phrases of the last typed word: build_query writes one per word before it. */
    sqlite3_bind_int(s, 3, words.count - 1);
    sqlite3_bind_int(s, 4, x.count > 0 ? x.count : 1);
    size_t n = 0;
    int rc;
    while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
        set[n].id = sqlite3_column_int64(s, 0);
        set[n++].score = sqlite3_column_double(s, 1);
    }
    sqlite3_finalize(s);
    if (rc != SQLITE_DONE) {
        free(set);
        return search_error(db, err, errlen);
    }
    if (n > limit && q->more)
        *q->more = true;
    qsort(set, n > RANK_LIMIT ? RANK_LIMIT : n, sizeof *set, by_score);
    if (sqlite3_prepare_v2(db,
                           "SELECT t.id, t.numero, t.title, t.body, coalesce(t.siret, ''),"
                           " coalesce(t.dept_name, ''), coalesce(t.dept_code, ''), t.modality,"
                           " coalesce(t.price_min, -1), coalesce(t.price_max, -1),"
                           " coalesce(t.hours_min, 0), coalesce(t.hours_max, 0), t.source,"
                           " coalesce(t.price_mean, -1), coalesce(t.hours_mean, 0)"
                           " FROM cat.training t WHERE t.id = ?1",
                           -1, &s, NULL) != SQLITE_OK) {
        free(set);
        return search_error(db, err, errlen);
    }
    rc = SQLITE_DONE;
    for (size_t i = 0; i < n && *count < limit; i++) {
        sqlite3_reset(s);
        sqlite3_bind_int64(s, 1, set[i].id);
        rc = sqlite3_step(s);
        if (rc == SQLITE_DONE)
            continue; /* indexed, not in the table: a damaged catalogue, shown as it is */
        if (rc != SQLITE_ROW)
            break;
        rc = SQLITE_DONE;
        struct catalogue_hit *h = &out[(*count)++];
        memset(h, 0, sizeof *h);
        h->id = sqlite3_column_int64(s, 0);
        text_sanitize(h->numero, sizeof h->numero, (const char *)sqlite3_column_text(s, 1));
        text_sanitize(h->title, sizeof h->title, (const char *)sqlite3_column_text(s, 2));
        text_sanitize(h->body, sizeof h->body, (const char *)sqlite3_column_text(s, 3));
        text_sanitize(h->siret, sizeof h->siret, (const char *)sqlite3_column_text(s, 4));
        const char *dname = (const char *)sqlite3_column_text(s, 5);
        const char *dcode = (const char *)sqlite3_column_text(s, 6);
        if (dname && *dname) {
            char buf[160];
            snprintf(buf, sizeof buf, "%s (%s)", dname, dcode ? dcode : "");
            text_sanitize(h->place, sizeof h->place, buf);
        }
        if (dcode)
            text_sanitize(h->dept_code, sizeof h->dept_code, dcode);
        const char *modality = (const char *)sqlite3_column_text(s, 7);
        h->distance = modality && strcmp(modality, "distance") == 0;
        h->price_min = (long)sqlite3_column_int64(s, 8);
        h->price_max = (long)sqlite3_column_int64(s, 9);
        h->hours_min = hundredths(sqlite3_column_double(s, 10));
        h->hours_max = hundredths(sqlite3_column_double(s, 11));
        const char *source = (const char *)sqlite3_column_text(s, 12);
        h->source = source && strcmp(source, "organisme") == 0 ? SOURCE_BODY : SOURCE_CDC;
        h->price_mean = (long)sqlite3_column_int64(s, 13);
        h->hours_mean = hundredths(sqlite3_column_double(s, 14));
    }
    sqlite3_finalize(s);
    free(set);
    if (rc != SQLITE_DONE)
        return search_error(db, err, errlen);
    return 0;
}

/* One value for a whole training: the only one (every session the same), else the mean. */
static bool one_value(long min, long max, long mean, long unknown, long *out, bool *is_mean)
{
    bool single = min != unknown && (max == unknown || max == min) &&
                  (mean == unknown || mean == min);
    if (single) {
        *out = min;
        return true;
    }
    if (mean != unknown) {
        *out = mean;
        *is_mean = true;
        return true;
    }
    return false;
}

enum catalogue_prefill catalogue_hit_prefill(const struct catalogue_hit *h, long *price_cents,
                                             int *hours_cents)
{
    bool mean = false;
    long price, hours;
    bool has_price = one_value(h->price_min, h->price_max, h->price_mean, -1, &price, &mean);
    bool has_hours = one_value(h->hours_min, h->hours_max, h->hours_mean, 0, &hours, &mean);
    *price_cents = has_price ? price : -1;
    *hours_cents = has_hours ? (int)hours : 0;
    if (!has_price && !has_hours)
        return PREFILL_NONE;
    return mean ? PREFILL_MEANS : PREFILL_ONE_SESSION;
}

static int info_error(store *st, char *err, size_t errlen)
{
    char path[4200];
    catalogue_file(st, path, sizeof path);
    return damaged(err, errlen, path, sqlite3_errcode(store_db(st)));
}

int catalogue_get_info(store *st, struct catalogue_info *out, char *err, size_t errlen)
{
    memset(out, 0, sizeof *out);
    if (catalogue_attach(st, err, errlen) != 0)
        return -1;
    sqlite3 *db = store_db(st);
    sqlite3_stmt *s;
    /* The import writes each source's number of trainings in its log (the other source's
     * line comes with its trainings): counting the table instead read all of it (62 Mo at
     * 200 000 trainings, 0,4 s and 4 Mo of cache and sorter each time the search screen
     * opened). */
    if (sqlite3_prepare_v2(db, "SELECT source, imported_at, records FROM cat.import_log", -1, &s,
                           NULL) != SQLITE_OK)
        return info_error(st, err, errlen);
    int rc;
    while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
        const char *src = (const char *)sqlite3_column_text(s, 0);
        const char *at = (const char *)sqlite3_column_text(s, 1);
        sqlite3_int64 n = sqlite3_column_int64(s, 2);
        if (n < 0)
            n = 0;
        if (src && strcmp(src, "cdc") == 0) {
            out->cdc = (size_t)n;
            text_sanitize(out->cdc_imported, sizeof out->cdc_imported, at);
        } else {
            out->body = (size_t)n;
            text_sanitize(out->body_imported, sizeof out->body_imported, at);
        }
    }
    sqlite3_finalize(s);
    if (rc != SQLITE_DONE)
        return info_error(st, err, errlen);
    out->total = out->cdc + out->body;
    return 0;
}

void catalogue_format_price(const struct catalogue_hit *h, char *buf, size_t len)
{
    char a[64], b[64];
    long lo = h->price_min >= 0 ? h->price_min : h->price_max;
    long hi = h->price_max >= 0 ? h->price_max : h->price_min;
    if (lo < 0) {
        snprintf(buf, len, "prix inconnu");
        return;
    }
    text_format_euros(lo, a, sizeof a);
    text_format_euros(hi, b, sizeof b);
    snprintf(buf, len, hi > lo ? "%s à %s" : "%s", a, b);
}

void catalogue_format_hours(const struct catalogue_hit *h, char *buf, size_t len)
{
    char a[64], b[64];
    int lo = h->hours_min > 0 ? h->hours_min : h->hours_max;
    int hi = h->hours_max > 0 ? h->hours_max : h->hours_min;
    if (lo <= 0) {
        snprintf(buf, len, "durée inconnue");
        return;
    }
    text_format_hours(lo, a, sizeof a);
    text_format_hours(hi, b, sizeof b);
    snprintf(buf, len, hi > lo ? "%s à %s" : "%s", a, b);
}
