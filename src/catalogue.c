#include "difelus/catalogue.h"

#include <errno.h>
#include <locale.h>
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <jansson.h>

#include "difelus/syserr.h"
#include "difelus/text.h"
#include "store_internal.h"

#define CATALOGUE_SCHEMA_VERSION 1
#define FIELD_MAX (1024 * 1024) /* one field of a record: 1 Mo */
#define RANK_LIMIT 1000         /* hit sets larger than this are not ranked */

static const char schema[] =
    "CREATE TABLE cat.training ("
    "  id INTEGER PRIMARY KEY,"
    "  source TEXT NOT NULL CHECK (source IN ('cdc', 'organisme')),"
    "  numero TEXT NOT NULL,"
    "  title TEXT NOT NULL,"
    "  body TEXT NOT NULL,"
    "  siret TEXT,"
    "  modality TEXT NOT NULL CHECK (modality IN ('presentiel', 'distance')),"
    "  dept_code TEXT, dept_name TEXT, region TEXT,"
    "  price_min INTEGER, price_max INTEGER, price_mean INTEGER,"
    "  hours_min REAL, hours_max REAL, hours_mean REAL,"
    "  cert_type TEXT, cert_code TEXT, cert_title TEXT,"
    "  description TEXT, extracted TEXT);"
    "CREATE VIRTUAL TABLE cat.training_fts USING fts5(title, body, cert, filters,"
    "  content = '', detail = column, tokenize = 'unicode61 remove_diacritics 2',"
    "  prefix = '2 3');"
    "CREATE TABLE cat.import_log ("
    "  source TEXT PRIMARY KEY, imported_at TEXT NOT NULL, file TEXT NOT NULL,"
    "  records INTEGER NOT NULL);"
    "PRAGMA cat.user_version = 1;";

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
    size_t len = strlen(in) * 2 + 4;
    char *out = sqlite3_malloc64(len);
    if (!out) {
        sqlite3_result_error_nomem(ctx);
        return;
    }
    fold_ligatures(in, out, len);
    sqlite3_result_text(ctx, out, -1, sqlite3_free);
}

static int errf(char *err, size_t errlen, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static int errf(char *err, size_t errlen, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, errlen, fmt, ap);
    va_end(ap);
    return -1;
}

int catalogue_attach(store *st, char *err, size_t errlen)
{
    sqlite3 *db = store_db(st);
    sqlite3_stmt *stmt;
    if (sqlite3_prepare_v2(db, "SELECT 1 FROM pragma_database_list WHERE name = 'cat'", -1,
                           &stmt, NULL) != SQLITE_OK)
        return errf(err, errlen, "Catalogue : %s.", sqlite3_errmsg(db));
    bool attached = sqlite3_step(stmt) == SQLITE_ROW;
    sqlite3_finalize(stmt);
    if (attached)
        return 0;

    char path[4200];
    snprintf(path, sizeof path, "%s", store_path(st));
    char *slash = strrchr(path, '/');
    if (slash)
        snprintf(slash + 1, sizeof path - (size_t)(slash + 1 - path), "catalogue.db");
    else
        snprintf(path, sizeof path, "catalogue.db");
    if (store_prepare_file(path, err, errlen) != 0)
        return -1;
    sqlite3_create_function(db, "difelus_fold", 1, SQLITE_UTF8 | SQLITE_DETERMINISTIC, NULL,
                            sql_fold, NULL, NULL);
    if (sqlite3_prepare_v2(db, "ATTACH DATABASE ?1 AS cat", -1, &stmt, NULL) != SQLITE_OK)
        return errf(err, errlen, "Catalogue : %s.", sqlite3_errmsg(db));
    sqlite3_bind_text(stmt, 1, path, -1, SQLITE_TRANSIENT);
    int rc = sqlite3_step(stmt);
    sqlite3_finalize(stmt);
    if (rc != SQLITE_DONE)
        return errf(err, errlen, "Le catalogue « %s » est illisible (%s). Supprimez ce fichier "
                                 "puis importez ou synchronisez le catalogue à nouveau.",
                    path, sqlite3_errmsg(db));
    int version = -1;
    if (sqlite3_prepare_v2(db, "PRAGMA cat.user_version", -1, &stmt, NULL) == SQLITE_OK) {
        if (sqlite3_step(stmt) == SQLITE_ROW)
            version = sqlite3_column_int(stmt, 0);
        sqlite3_finalize(stmt);
    }
    if (version < 0) {
        rc = sqlite3_errcode(db);
        sqlite3_exec(db, "DETACH DATABASE cat", NULL, NULL, NULL);
        return errf(err, errlen, "Le catalogue « %s » est illisible (%s). Supprimez ce fichier "
                                 "puis importez ou synchronisez le catalogue à nouveau.",
                    path, sqlite3_errstr(rc));
    }
    if (version > CATALOGUE_SCHEMA_VERSION) {
        sqlite3_exec(db, "DETACH DATABASE cat", NULL, NULL, NULL);
        return errf(err, errlen, "Le catalogue « %s » vient d'une version plus récente de "
                                 "difelus : mettez difelus à jour.", path);
    }
    /* The catalogue is a copy that an import rebuilds: its rollback journal stays in
     * memory, which writes each page once (WAL wrote them twice and made a 200 000-record
     * import a third slower). A failed import still rolls back; only a power cut during
     * the final write could damage it, and the message then says to import it again. */
    char *msg = NULL;
    if (sqlite3_exec(db, "PRAGMA cat.journal_mode = MEMORY; PRAGMA cat.synchronous = NORMAL;",
                     NULL, NULL, &msg) != SQLITE_OK ||
        (version == 0 && sqlite3_exec(db, schema, NULL, NULL, &msg) != SQLITE_OK)) {
        errf(err, errlen, "Impossible de préparer le catalogue « %s » : %s.", path,
             msg ? msg : "erreur inconnue");
        sqlite3_free(msg);
        sqlite3_exec(db, "DETACH DATABASE cat", NULL, NULL, NULL);
        return -1;
    }
    return 0;
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
    catalogue_progress_fn progress;
    void *user;
};

/* Parses a decimal number ("1200", "1200.5", "1 200,50"); false when it is not one. */
static bool parse_number(const char *s, double *out)
{
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
    static const int text_cols[][2] = {
        {F_NUMERO, 2}, {F_TITLE, 3}, {F_BODY, 4}, {F_SIRET, 5}, {F_DEPT_CODE, 7},
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
        const struct departement *d = places_find_departement(v[F_DEPT_CODE]);
        if (d) {
            sqlite3_bind_text(s, 7, d->code, -1, SQLITE_STATIC);
            if (!v[F_DEPT_NAME] || !*v[F_DEPT_NAME])
                sqlite3_bind_text(s, 8, d->name, -1, SQLITE_STATIC);
            if (!v[F_REGION] || !*v[F_REGION])
                sqlite3_bind_text(s, 9, d->region, -1, SQLITE_STATIC);
        }
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
        if (numbers[i].cents)
            sqlite3_bind_int64(s, numbers[i].col, llround(n * 100));
        else
            sqlite3_bind_double(s, numbers[i].col, n);
    }
    const char *code = v[F_RNCP] && *v[F_RNCP] ? v[F_RNCP] : v[F_RS];
    if (code && *code)
        sqlite3_bind_text(s, 17, code, -1, SQLITE_STATIC);
    if (sqlite3_step(s) != SQLITE_DONE)
        return errf(err, errlen, "%s : enregistrement impossible (%s).", where,
                    sqlite3_errmsg(im->db));
    im->records++;
    if (im->progress && im->records % 20000 == 0)
        im->progress(im->records, im->user);
    return 0;
}

/* Outside text may hold newlines and tabs, never other control characters. */
static bool field_ok(const char *s, size_t len, const char **why)
{
    const unsigned char *p = (const unsigned char *)s, *end = p + len;
    while (p < end) {
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
};

/* Reads one record; returns 1, 0 at the end, -1 with a message. */
static int csv_read(struct csv *c, char *err, size_t errlen)
{
    c->len = 0;
    c->count = 0;
    c->line = c->next_line;
    int ch = getc_unlocked(c->f);
    if (ch == EOF)
        return 0;
    bool quoted = false, field_start = true;
    size_t field_len = 0;
    c->starts[c->count++] = 0;
    for (;; ch = getc_unlocked(c->f)) {
        if (ch == EOF) {
            if (quoted)
                return errf(err, errlen, "ligne %ld : fichier tronqué (guillemet ouvert et "
                                         "jamais fermé).", c->line);
            break;
        }
        if (ch == '\n')
            c->next_line++;
        if (quoted) {
            if (ch == '"') {
                int next = getc_unlocked(c->f);
                if (next == '"') {
                    ch = '"';
                } else {
                    quoted = false;
                    if (next != EOF)
                        ungetc(next, c->f);
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
            if (c->len + 1 >= c->cap) {
                c->cap = c->cap ? c->cap * 2 : 4096;
                c->buf = realloc(c->buf, c->cap);
                if (!c->buf)
                    return errf(err, errlen, "Mémoire insuffisante.");
            }
            c->buf[c->len++] = '\0';
            c->starts[c->count++] = c->len;
            field_start = true;
            field_len = 0;
            continue;
        } else if (ch == '\n') {
            break;
        } else if (ch == '\r') {
            continue;
        }
        field_start = false;
        if (++field_len > FIELD_MAX)
            return errf(err, errlen, "ligne %ld : un champ dépasse 1 Mo ; ce n'est pas un "
                                     "catalogue de formations.", c->line);
        if (c->len + 2 >= c->cap) {
            c->cap = c->cap ? c->cap * 2 : 4096;
            char *grown = realloc(c->buf, c->cap);
            if (!grown)
                return errf(err, errlen, "Mémoire insuffisante.");
            c->buf = grown;
        }
        c->buf[c->len++] = (char)ch;
    }
    if (c->len + 1 >= c->cap) {
        c->cap = c->cap ? c->cap * 2 : 4096;
        char *grown = realloc(c->buf, c->cap);
        if (!grown)
            return errf(err, errlen, "Mémoire insuffisante.");
        c->buf = grown;
    }
    c->buf[c->len] = '\0';
    for (int i = 0; i < c->count; i++) {
        const char *why;
        const char *field = c->buf + c->starts[i];
        if (!field_ok(field, strlen(field), &why))
            return errf(err, errlen, "ligne %ld, colonne %d : le texte %s.", c->line, i + 1, why);
    }
    return 1;
}

static int import_csv(struct importer *im, FILE *f, char *err, size_t errlen)
{
    struct csv c = {.f = f, .next_line = 1};
    int rc = csv_read(&c, err, errlen);
    if (rc <= 0) {
        free(c.buf);
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
            return errf(err, errlen, "ligne %ld : %d colonnes au lieu de %d (fichier tronqué "
                                     "ou mal séparé).", c.line, c.count, header_count);
        }
        const char *v[F_COUNT] = {NULL};
        for (int i = 0; i < c.count; i++)
            if (map[i] >= 0 && !v[map[i]])
                v[map[i]] = c.buf + c.starts[i];
        snprintf(where, sizeof where, "ligne %ld", c.line);
        if (insert_record(im, v, where, err, errlen) != 0) {
            free(c.buf);
            return -1;
        }
    }
    free(c.buf);
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
        return 0;
    ungetc(ch, f);
    for (size_t n = 1;; n++) {
        json_error_t jerr;
        json_t *rec = json_loadf(f, JSON_DISABLE_EOF_CHECK, &jerr);
        snprintf(where, sizeof where, "enregistrement %zu", n);
        if (!rec)
            return errf(err, errlen, "%s : JSON invalide ou fichier tronqué (%s).", where,
                        jerr.text);
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
                snprintf(numbers[fi], sizeof numbers[fi], "%" JSON_INTEGER_FORMAT,
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
        if (ch == ']')
            return 0;
        if (ch != ',')
            return errf(err, errlen, "%s : « , » ou « ] » attendu après l'enregistrement "
                                     "(fichier tronqué ?).", where);
    }
}

int catalogue_import_file(store *st, const char *path, struct catalogue_import *report,
                          catalogue_progress_fn progress, void *user, char *err, size_t errlen)
{
    memset(report, 0, sizeof *report);
    if (catalogue_attach(st, err, errlen) != 0)
        return -1;
    FILE *f = fopen(path, "rb");
    if (!f)
        return errf(err, errlen, "Impossible de lire « %s » : %s.", path, syserr_text(errno));
    /* JSON starts with '[' (after an optional byte order mark and blanks); CSV otherwise. */
    unsigned char head[3];
    size_t got = fread(head, 1, 3, f);
    if (!(got == 3 && head[0] == 0xEF && head[1] == 0xBB && head[2] == 0xBF))
        rewind(f);
    int first = skip_blanks(f);
    bool json = first == '[';
    rewind(f);
    if (json) {
        if (got == 3 && head[0] == 0xEF)
            fseek(f, 3, SEEK_SET);
    }

    sqlite3 *db = store_db(st);
    struct importer im = {.db = db, .progress = progress, .user = user};
    int rc = -1;
    sqlite3_exec(db, "PRAGMA cat.cache_size = -262144", NULL, NULL, NULL); /* 256 Mo */
    if (sqlite3_exec(db, "BEGIN IMMEDIATE", NULL, NULL, NULL) != SQLITE_OK) {
        fclose(f);
        return errf(err, errlen, "Catalogue occupé : %s.", sqlite3_errmsg(db));
    }
    /* The source is known after the header; rows of the other source are kept. */
    if (sqlite3_prepare_v2(db,
                           "INSERT INTO cat.training (source, numero, title, body, siret,"
                           " modality, dept_code, dept_name, region, price_min, price_max,"
                           " price_mean, hours_min, hours_max, hours_mean, cert_type, cert_code,"
                           " cert_title, description, extracted) VALUES (?1, ?2, ?3, ?4, ?5, ?6,"
                           " ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19, ?20)",
                           -1, &im.insert, NULL) != SQLITE_OK) {
        errf(err, errlen, "Catalogue : %s.", sqlite3_errmsg(db));
        goto done;
    }
    /* Rows are inserted first, then the old rows of the same source deleted: mark the new
     * ones by id. */
    sqlite3_int64 before = 0;
    sqlite3_stmt *q;
    if (sqlite3_prepare_v2(db, "SELECT coalesce(max(id), 0) FROM cat.training", -1, &q, NULL) ==
        SQLITE_OK) {
        if (sqlite3_step(q) == SQLITE_ROW)
            before = sqlite3_column_int64(q, 0);
        sqlite3_finalize(q);
    }
    if ((json ? import_json(&im, f, err, errlen) : import_csv(&im, f, err, errlen)) != 0)
        goto done;
    if (im.records == 0) {
        errf(err, errlen, "Aucune formation dans « %s » : le catalogue n'a pas été modifié.",
             path);
        goto done;
    }
    if (sqlite3_prepare_v2(db, "DELETE FROM cat.training WHERE source = ?1 AND id <= ?2", -1,
                           &q, NULL) != SQLITE_OK)
        goto sql_error;
    sqlite3_bind_text(q, 1, im.source == SOURCE_CDC ? "cdc" : "organisme", -1, SQLITE_STATIC);
    sqlite3_bind_int64(q, 2, before);
    rc = sqlite3_step(q);
    sqlite3_finalize(q);
    rc = rc == SQLITE_DONE ? 0 : -1;
    if (rc != 0)
        goto sql_error;
    rc = -1;
    if (sqlite3_exec(db,
                     "INSERT INTO cat.training_fts (training_fts) VALUES ('delete-all');"
                     "INSERT INTO cat.training_fts (rowid, title, body, cert, filters)"
                     " SELECT id, difelus_fold(title), difelus_fold(body),"
                     " difelus_fold(coalesce(cert_title, '')),"
                     " 'm' || modality || ' d' || lower(coalesce(dept_code, '')) ||"
                     " ' x' || lower(coalesce(dept_code, '')) || modality"
                     " FROM cat.training;",
                     NULL, NULL, NULL) != SQLITE_OK)
        goto sql_error;
    if (sqlite3_prepare_v2(db, "INSERT INTO cat.import_log (source, imported_at, file, records)"
                               " VALUES (?1, strftime('%Y-%m-%dT%H:%M:%SZ', 'now'), ?2, ?3)"
                               " ON CONFLICT (source) DO UPDATE SET imported_at ="
                               " excluded.imported_at, file = excluded.file,"
                               " records = excluded.records",
                           -1, &q, NULL) != SQLITE_OK)
        goto sql_error;
    sqlite3_bind_text(q, 1, im.source == SOURCE_CDC ? "cdc" : "organisme", -1, SQLITE_STATIC);
    sqlite3_bind_text(q, 2, path, -1, SQLITE_STATIC);
    sqlite3_bind_int64(q, 3, (sqlite3_int64)im.records);
    int step = sqlite3_step(q);
    sqlite3_finalize(q);
    if (step != SQLITE_DONE || sqlite3_exec(db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK)
        goto sql_error;
    report->source = im.source;
    report->records = im.records;
    report->json = json;
    rc = 0;
    goto done;
sql_error:
    errf(err, errlen, "Catalogue : %s.", sqlite3_errmsg(db));
    rc = -1;
done:
    sqlite3_finalize(im.insert);
    if (rc != 0)
        sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
    fclose(f);
    return rc;
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
    fts5_api *api = NULL;
    sqlite3_stmt *s;
    if (sqlite3_prepare_v2(db, "SELECT fts5(?1)", -1, &s, NULL) != SQLITE_OK)
        return -1;
    sqlite3_bind_pointer(s, 1, (void *)&api, "fts5_api_ptr", NULL);
    sqlite3_step(s);
    sqlite3_finalize(s);
    void *user = NULL;
    fts5_tokenizer tokenizer;
    if (!api || api->iVersion < 2 ||
        api->xFindTokenizer(api, "unicode61", &user, &tokenizer) != SQLITE_OK)
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

/* Builds the FTS5 query: each word quoted (so that no text is ever FTS5 syntax), the last
 * one used as a prefix since it may be still being typed, in the text columns only, then
 * the filters. Returns the number of words. */
static int build_query(const struct catalogue_query *q, const struct query_words *w, char *out,
                       size_t outlen)
{
    size_t o = 0;
    o += (size_t)snprintf(out + o, outlen - o, "{title body cert} : (");
    for (int i = 0; i < w->count && o + 2 * QUERY_WORD_MAX + 8 < outlen; i++) {
        out[o++] = i ? ' ' : '"';
        if (i)
            out[o++] = '"';
        for (const char *c = w->word[i]; *c; c++) {
            if (*c == '"')
                out[o++] = '"'; /* never produced by unicode61; doubled all the same */
            out[o++] = *c;
        }
        out[o++] = '"';
        if (i == w->count - 1 && !w->whole[i])
            out[o++] = '*';
    }
    o += (size_t)snprintf(out + o, outlen - o, ")");
    /* A département is a small set: filter it in the index (with the modality when both
     * are given). A modality alone matches most of the catalogue: filtered in SQL. */
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
    }
    return w->count;
}

/* A failed search in French, by cause: SQLite's own text never reaches the official. */
static int search_error(sqlite3 *db, char *err, size_t errlen)
{
    switch (sqlite3_errcode(db)) {
    case SQLITE_NOMEM:
        return errf(err, errlen, "Recherche impossible : mémoire insuffisante. Fermez "
                                 "d'autres programmes puis réessayez.");
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
        return errf(err, errlen, "Le catalogue est occupé par un autre programme : "
                                 "réessayez dans un instant.");
    case SQLITE_CORRUPT:
    case SQLITE_NOTADB:
    case SQLITE_IOERR:
        return errf(err, errlen, "Le catalogue est abîmé ou illisible : importez ou "
                                 "synchronisez le catalogue à nouveau.");
    default:
        return errf(err, errlen, "La recherche dans le catalogue a échoué. Importez ou "
                                 "synchronisez le catalogue à nouveau ; si cela se reproduit, "
                                 "signalez-le à votre organisme.");
    }
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
    struct query_words words;
    if (split_words(db, q->words, &words) != 0)
        return search_error(db, err, errlen);
    char match[4096];
    if (build_query(q, &words, match, sizeof match) == 0)
        return 0;
    size_t limit = q->limit > 0 && (size_t)q->limit < max ? (size_t)q->limit : max;
    /* Rank only small hit sets: beyond RANK_LIMIT, bm25 over everything costs too much and
     * the official needs more words anyway. */
    sqlite3_stmt *s;
    if (sqlite3_prepare_v2(db, "SELECT count(*) FROM (SELECT rowid FROM cat.training_fts"
                               " WHERE training_fts MATCH ?1 LIMIT ?2)",
                           -1, &s, NULL) != SQLITE_OK)
        return search_error(db, err, errlen);
    sqlite3_bind_text(s, 1, match, -1, SQLITE_STATIC);
    sqlite3_bind_int(s, 2, RANK_LIMIT + 1);
    int rc = sqlite3_step(s);
    int hits = rc == SQLITE_ROW ? sqlite3_column_int(s, 0) : 0;
    sqlite3_finalize(s);
    if (rc != SQLITE_ROW)
        return search_error(db, err, errlen);
    const char *sql =
        hits <= RANK_LIMIT
            ? "SELECT t.id, t.numero, t.title, t.body, coalesce(t.siret, ''),"
              " coalesce(t.dept_name, ''), coalesce(t.dept_code, ''), t.modality,"
              " coalesce(t.price_min, -1), coalesce(t.price_max, -1), coalesce(t.hours_min, 0),"
              " coalesce(t.hours_max, 0), t.source, coalesce(t.price_mean, -1),"
              " coalesce(t.hours_mean, 0) FROM (SELECT rowid, bm25(training_fts,"
              " 10.0, 2.0, 1.0, 0.0) AS score FROM cat.training_fts WHERE training_fts MATCH ?1"
              ") f JOIN cat.training t ON t.id = f.rowid WHERE ?3 IS NULL OR t.modality = ?3"
              " ORDER BY f.score LIMIT ?2"
            : "SELECT t.id, t.numero, t.title, t.body, coalesce(t.siret, ''),"
              " coalesce(t.dept_name, ''), coalesce(t.dept_code, ''), t.modality,"
              " coalesce(t.price_min, -1), coalesce(t.price_max, -1), coalesce(t.hours_min, 0),"
              " coalesce(t.hours_max, 0), t.source, coalesce(t.price_mean, -1),"
              " coalesce(t.hours_mean, 0) FROM (SELECT rowid FROM cat.training_fts"
              " WHERE training_fts MATCH ?1) f JOIN cat.training t ON t.id = f.rowid"
              " WHERE ?3 IS NULL OR t.modality = ?3 LIMIT ?2";
    if (sqlite3_prepare_v2(db, sql, -1, &s, NULL) != SQLITE_OK)
        return search_error(db, err, errlen);
    sqlite3_bind_text(s, 1, match, -1, SQLITE_STATIC);
    /* One row more than wanted tells whether the list is cut. */
    sqlite3_bind_int64(s, 2, (sqlite3_int64)limit + 1);
    if (q->modality && !q->dept)
        sqlite3_bind_text(s, 3, q->modality, -1, SQLITE_STATIC);
    while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
        if (*count == limit) {
            if (q->more)
                *q->more = true;
            continue;
        }
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
        h->hours_min = (int)llround(sqlite3_column_double(s, 10) * 100);
        h->hours_max = (int)llround(sqlite3_column_double(s, 11) * 100);
        const char *source = (const char *)sqlite3_column_text(s, 12);
        h->source = source && strcmp(source, "organisme") == 0 ? SOURCE_BODY : SOURCE_CDC;
        h->price_mean = (long)sqlite3_column_int64(s, 13);
        h->hours_mean = (int)llround(sqlite3_column_double(s, 14) * 100);
    }
    sqlite3_finalize(s);
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

int catalogue_get_info(store *st, struct catalogue_info *out, char *err, size_t errlen)
{
    memset(out, 0, sizeof *out);
    if (catalogue_attach(st, err, errlen) != 0)
        return -1;
    sqlite3 *db = store_db(st);
    sqlite3_stmt *s;
    if (sqlite3_prepare_v2(db, "SELECT source, count(*) FROM cat.training GROUP BY source", -1,
                           &s, NULL) != SQLITE_OK)
        return errf(err, errlen, "Catalogue : %s.", sqlite3_errmsg(db));
    while (sqlite3_step(s) == SQLITE_ROW) {
        size_t n = (size_t)sqlite3_column_int64(s, 1);
        const char *src = (const char *)sqlite3_column_text(s, 0);
        if (src && strcmp(src, "cdc") == 0)
            out->cdc = n;
        else
            out->body = n;
        out->total += n;
    }
    sqlite3_finalize(s);
    if (sqlite3_prepare_v2(db, "SELECT source, imported_at FROM cat.import_log", -1, &s,
                           NULL) != SQLITE_OK)
        return errf(err, errlen, "Catalogue : %s.", sqlite3_errmsg(db));
    while (sqlite3_step(s) == SQLITE_ROW) {
        const char *src = (const char *)sqlite3_column_text(s, 0);
        const char *at = (const char *)sqlite3_column_text(s, 1);
        if (src && strcmp(src, "cdc") == 0)
            text_sanitize(out->cdc_imported, sizeof out->cdc_imported, at);
        else
            text_sanitize(out->body_imported, sizeof out->body_imported, at);
    }
    sqlite3_finalize(s);
    return 0;
}
