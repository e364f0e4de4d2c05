#include "difelus/store.h"

#include <errno.h>
#include <fcntl.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#include "difelus/syserr.h"
#include "difelus/text.h"
#include "store_internal.h"

struct store {
    sqlite3 *db;
    char path[4096];
    char err[8192];
    struct replica_state *replica; /* src/replica.c: recording, replica, proposal */
    bool key_tx; /* inside store_key_begin's transaction: writes nest as savepoints */
    bool read_only; /* store_open_read_only: the commands that only read */
};

/* Each migration brings the schema from version i to i + 1, in one transaction. */
static const char *const migrations[STORE_SCHEMA_VERSION] = {
    /* 1: the official, the guide's progress and the wizard's position */
    "CREATE TABLE profile ("
    "  id INTEGER PRIMARY KEY CHECK (id = 1),"
    "  display_name TEXT NOT NULL DEFAULT '',"
    "  collectivite TEXT NOT NULL DEFAULT '',"
    "  email TEXT NOT NULL DEFAULT '');"
    "CREATE TABLE mandate ("
    "  id INTEGER PRIMARY KEY,"
    "  level TEXT NOT NULL CHECK (level IN"
    "    ('municipal','communautaire','departemental','regional','autre')),"
    "  collectivite TEXT NOT NULL,"
    "  function TEXT NOT NULL,"
    "  start_date TEXT NOT NULL,"
    "  end_date TEXT NOT NULL,"
    "  opposition INTEGER NOT NULL DEFAULT 0 CHECK (opposition IN (0, 1)),"
    "  indemnified INTEGER NOT NULL DEFAULT 0 CHECK (indemnified IN (0, 1)));"
    "CREATE TABLE credit_observation ("
    "  id INTEGER PRIMARY KEY,"
    "  amount_cents INTEGER NOT NULL CHECK (amount_cents >= 0),"
    "  observed_on TEXT NOT NULL,"
    "  recorded_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now')));"
    "CREATE TABLE checklist ("
    "  item TEXT PRIMARY KEY,"
    "  step INTEGER NOT NULL CHECK (step BETWEEN 1 AND 6),"
    "  done INTEGER NOT NULL DEFAULT 0 CHECK (done IN (0, 1)),"
    "  done_at TEXT,"
    "  done_by TEXT CHECK (done_by IN ('official', 'agent')));"
    "CREATE TABLE ui_state ("
    "  id INTEGER PRIMARY KEY CHECK (id = 1),"
    "  screen TEXT NOT NULL DEFAULT 'accueil',"
    "  focus INTEGER NOT NULL DEFAULT 0,"
    "  scroll INTEGER NOT NULL DEFAULT 0);"
    "INSERT INTO ui_state (id) VALUES (1);"
    "CREATE TABLE setting ("
    "  key TEXT PRIMARY KEY,"
    "  value TEXT NOT NULL);",

    /* 2: registration dossiers and their status history */
    "CREATE TABLE dossier ("
    "  id INTEGER PRIMARY KEY,"
    "  catalogue_id TEXT,"
    "  title TEXT NOT NULL DEFAULT '',"
    "  body TEXT NOT NULL DEFAULT '',"
    "  siret TEXT NOT NULL DEFAULT '',"
    "  session_start TEXT,"
    "  session_end TEXT,"
    "  price_cents INTEGER CHECK (price_cents >= 0),"
    "  hours REAL CHECK (hours >= 0),"
    "  kind TEXT NOT NULL DEFAULT 'mandat' CHECK (kind IN ('mandat', 'reconversion')),"
    "  mandate_id INTEGER REFERENCES mandate(id) ON DELETE SET NULL,"
    "  status TEXT NOT NULL DEFAULT 'creation',"
    "  notes TEXT NOT NULL DEFAULT '',"
    "  created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now')));"
    "CREATE TABLE dossier_event ("
    "  id INTEGER PRIMARY KEY,"
    "  dossier_id INTEGER NOT NULL REFERENCES dossier(id) ON DELETE CASCADE,"
    "  status TEXT NOT NULL,"
    "  event_date TEXT NOT NULL,"
    "  actor TEXT NOT NULL CHECK (actor IN ('official', 'agent')),"
    "  recorded_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now')));"
    "CREATE INDEX dossier_event_by_dossier ON dossier_event (dossier_id, event_date);",

    /* 3: the searches made in the catalogue, and what they found */
    "CREATE TABLE search ("
    "  id INTEGER PRIMARY KEY,"
    "  mandate_id INTEGER REFERENCES mandate(id) ON DELETE SET NULL,"
    "  keywords TEXT NOT NULL,"
    "  modality TEXT CHECK (modality IN ('presentiel', 'distance')),"
    "  location TEXT,"
    "  searched_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now')));"
    "CREATE TABLE search_result ("
    "  search_id INTEGER NOT NULL REFERENCES search(id) ON DELETE CASCADE,"
    "  rank INTEGER NOT NULL,"
    "  catalogue_id INTEGER NOT NULL,"
    "  title TEXT NOT NULL,"
    "  PRIMARY KEY (search_id, rank));",

    /* 4: whether the body charges VAT (prices are TTC; exempt by default, HT = TTC), and
     * the warning kept beside a status recorded as MCF shows it despite a rule */
    "ALTER TABLE dossier ADD COLUMN vat INTEGER NOT NULL DEFAULT 0 CHECK (vat IN (0, 1));"
    "ALTER TABLE dossier_event ADD COLUMN warning TEXT NOT NULL DEFAULT '';",

    /* 5: everything a screen shows beyond the data (the dossier or mandate open, where the
     * help and the search were opened from, a pending question, the message line, whether
     * the search results have the focus), and the text of the open form as it is typed:
     * a restart, or another process, rebuilds the same screen from the database alone */
    "ALTER TABLE ui_state ADD COLUMN dossier_id INTEGER NOT NULL DEFAULT 0;"
    "ALTER TABLE ui_state ADD COLUMN mandate_id INTEGER NOT NULL DEFAULT 0;"
    "ALTER TABLE ui_state ADD COLUMN help_from TEXT NOT NULL DEFAULT '';"
    "ALTER TABLE ui_state ADD COLUMN search_from TEXT NOT NULL DEFAULT '';"
    "ALTER TABLE ui_state ADD COLUMN confirm TEXT NOT NULL DEFAULT '';"
    "ALTER TABLE ui_state ADD COLUMN confirm_id INTEGER NOT NULL DEFAULT 0;"
    "ALTER TABLE ui_state ADD COLUMN results INTEGER NOT NULL DEFAULT 0;"
    "ALTER TABLE ui_state ADD COLUMN message TEXT NOT NULL DEFAULT '';"
    "ALTER TABLE ui_state ADD COLUMN message_error INTEGER NOT NULL DEFAULT 0;"
    "ALTER TABLE ui_state ADD COLUMN draft_screen TEXT NOT NULL DEFAULT '';"
    "ALTER TABLE ui_state ADD COLUMN draft_field INTEGER NOT NULL DEFAULT 0;"
    "ALTER TABLE ui_state ADD COLUMN draft_dirty INTEGER NOT NULL DEFAULT 0;"
    "CREATE TABLE ui_draft ("
    "  field INTEGER PRIMARY KEY CHECK (field >= 0),"
    "  value TEXT NOT NULL DEFAULT '',"
    "  error TEXT NOT NULL DEFAULT '');",

    /* 6: where the cursor is inside the open form's field, so that a restart puts it back
     * there (-1: after the text, where a form opens) */
    "ALTER TABLE ui_state ADD COLUMN draft_cursor INTEGER NOT NULL DEFAULT -1;"
    "ALTER TABLE ui_state ADD COLUMN draft_scroll INTEGER NOT NULL DEFAULT 0;",

    /* 7: the shared session (docs/share-protocol.md §6): where it stands, kept in the
     * database so that a crash is noticed at the next start and both sides' screens follow
     * it, and the log of every join, consent and change of control */
    "CREATE TABLE share_state ("
    "  id INTEGER PRIMARY KEY CHECK (id = 1),"
    "  phase TEXT NOT NULL DEFAULT 'aucun' CHECK (phase IN ('aucun','ouverture','attente',"
    "    'demande','vue','demande-controle','controle')),"
    "  code TEXT NOT NULL DEFAULT '',"
    "  expires_at TEXT NOT NULL DEFAULT '',"
    "  agent_id TEXT NOT NULL DEFAULT '',"
    "  agent_name TEXT NOT NULL DEFAULT '',"
    "  agent_org TEXT NOT NULL DEFAULT '',"
    "  connection_lost INTEGER NOT NULL DEFAULT 0,"
    "  note TEXT NOT NULL DEFAULT '',"
    "  last_proposal INTEGER NOT NULL DEFAULT 0,"
    "  owner_pid INTEGER NOT NULL DEFAULT 0);"
    "INSERT INTO share_state (id) VALUES (1);"
    "ALTER TABLE ui_state ADD COLUMN assist_from TEXT NOT NULL DEFAULT '';"
    "CREATE TABLE share_log ("
    "  id INTEGER PRIMARY KEY,"
    "  at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ','now')),"
    "  event TEXT NOT NULL,"
    "  agent_name TEXT NOT NULL DEFAULT '',"
    "  agent_org TEXT NOT NULL DEFAULT '',"
    "  detail TEXT NOT NULL DEFAULT '');",
};

const char *const store_setting_keys[] = {"organisme.nom", "organisme.email",
                                          "organisme.telephone", NULL};
static const char *const setting_defaults[] = {GUIDE_DEFAULT_ORG_NAME, GUIDE_DEFAULT_ORG_EMAIL,
                                               GUIDE_DEFAULT_ORG_PHONE};

static const char *const level_keys[MANDATE_LEVEL_COUNT] = {
    "municipal", "communautaire", "departemental", "regional", "autre",
};

static void damaged_message(char *err, size_t errlen, const char *path, const char *detail);

/* Whether the folder that holds path lets us create files (SQLite's -wal and -shm). */
static bool folder_writable(const char *path, char *folder, size_t folderlen)
{
    const char *slash = strrchr(path, '/');
    if (!slash)
        snprintf(folder, folderlen, ".");
    else if (slash == path)
        snprintf(folder, folderlen, "/");
    else
        snprintf(folder, folderlen, "%.*s", (int)(slash - path), path);
    return access(folder, W_OK) == 0;
}

/* A path as it can be pasted into a shell: bare when it holds only safe characters,
 * else between single quotes (« » or spaces would break the command). */
static const char *shell_quoted(char *buf, size_t len, const char *path)
{
    bool safe = *path != '\0';
    for (const char *p = path; *p; p++)
        if (!strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789/._-+,:@%=",
                    *p))
            safe = false;
    if (safe) {
        snprintf(buf, len, "%s", path);
        return buf;
    }
    size_t o = 0;
    if (len < 3) {
        buf[0] = '\0';
        return buf;
    }
    buf[o++] = '\'';
    for (const char *p = path; *p && o + 6 < len; p++) {
        if (*p == '\'') {
            memcpy(buf + o, "'\\''", 4);
            o += 4;
        } else
            buf[o++] = *p;
    }
    buf[o++] = '\'';
    buf[o] = '\0';
    return buf;
}

/* What to do with a file or folder the official cannot write: their own (give themselves
 * the right), or someone else's (chmod cannot help: ask the owner, or work on a copy). */
static void write_advice(char *out, size_t len, const char *target, const char *base)
{
    struct stat sb;
    char q[8300], qb[8300], name[8300];
    shell_quoted(q, sizeof q, target);
    shell_quoted(qb, sizeof qb, base);
    if (stat(target, &sb) == 0 && sb.st_uid == geteuid()) {
        text_msgf(out, len, "Donnez-vous le droit d'écrire dans %s : chmod u+w %s",
                 target == base ? "la base" : "ce dossier", q);
        return;
    }
    /* The copy's name quoted alone: ~ must stay outside the quotes to be your folder. */
    const char *slash = strrchr(base, '/');
    shell_quoted(name, sizeof name, slash ? slash + 1 : base);
    text_msgf(out, len,
             "%s appartient à un autre utilisateur : demandez-lui de vous y donner le droit "
             "d'écrire, ou copiez la base dans un dossier à vous et indiquez-la avec --db, "
             "par exemple : cp %s ~/%s puis difelus --db ~/%s",
             target == base ? "La base" : "Ce dossier", qb, name, name);
}

/* SQLite's result codes in French, with what to do in each context: the one table for the
 * database, the catalogue and the search (never SQLite's own English text). */
static const struct {
    int codes[2];
    const char *cause;
    const char *advice[SQLITE_CONTEXTS];
} sqlite_table[] = {
    {{SQLITE_CORRUPT, SQLITE_NOTADB},
     "fichier endommagé ou qui n'est pas une base SQLite",
     {"Restaurez une sauvegarde de la base.",
      "Supprimez ce fichier puis importez ou synchronisez le catalogue à nouveau.",
      "Importez ou synchronisez le catalogue à nouveau."}},
    {{SQLITE_FULL, SQLITE_FULL},
     "le disque est plein",
     {"Libérez de la place sur le disque, puis recommencez.",
      "Libérez de la place sur le disque, puis importez le catalogue à nouveau.",
      "Libérez de la place sur le disque, puis recommencez."}},
    {{SQLITE_IOERR, SQLITE_IOERR},
     "erreur de lecture ou d'écriture sur le disque",
     {"Vérifiez que le disque est branché et qu'il reste de la place, puis recommencez.",
      "Vérifiez le disque, puis importez ou synchronisez le catalogue à nouveau.",
      "Importez ou synchronisez le catalogue à nouveau."}},
    {{SQLITE_READONLY, SQLITE_READONLY},
     "fichier ou dossier en lecture seule",
     {"Vérifiez les droits du fichier et de son dossier.",
      "Vérifiez les droits du fichier et de son dossier.",
      "Vérifiez les droits du catalogue et de son dossier."}},
    {{SQLITE_CANTOPEN, SQLITE_CANTOPEN},
     "fichier impossible à ouvrir",
     {"Vérifiez le chemin et les droits.", "Vérifiez le chemin et les droits.",
      "Importez ou synchronisez le catalogue à nouveau."}},
    {{SQLITE_PERM, SQLITE_AUTH},
     "accès refusé",
     {"Vérifiez les droits.", "Vérifiez les droits.", "Vérifiez les droits du catalogue."}},
    {{SQLITE_NOMEM, SQLITE_NOMEM},
     "mémoire insuffisante",
     {"Fermez d'autres programmes, puis recommencez.",
      "Fermez d'autres programmes, puis recommencez.",
      "Fermez d'autres programmes puis réessayez."}},
    {{SQLITE_BUSY, SQLITE_LOCKED},
     "fichier occupé par un autre programme",
     {"Réessayez dans un instant.", "Réessayez dans un instant.",
      "Réessayez dans un instant."}},
    {{SQLITE_TOOBIG, SQLITE_NOLFS},
     "fichier ou valeur trop grand",
     {"Signalez-le au support de votre organisme.",
      "Signalez-le au support de votre organisme.",
      "Précisez la recherche."}},
};

static const char *const sqlite_default[SQLITE_CONTEXTS] = {
    "Signalez-la au support de votre organisme.",
    "Importez ou synchronisez le catalogue à nouveau ; si cela se reproduit, signalez-le à "
    "votre organisme.",
    "Importez ou synchronisez le catalogue à nouveau ; si cela se reproduit, signalez-le à "
    "votre organisme."};

static int sqlite_row(int rc)
{
    for (size_t i = 0; i < sizeof sqlite_table / sizeof sqlite_table[0]; i++)
        if ((rc & 0xFF) == sqlite_table[i].codes[0] || (rc & 0xFF) == sqlite_table[i].codes[1])
            return (int)i;
    return -1;
}

const char *store_sqlite_cause(int rc)
{
    int i = sqlite_row(rc);
    return i < 0 ? "erreur de la base SQLite" : sqlite_table[i].cause;
}

const char *store_sqlite_advice(int rc, enum store_sqlite_context context)
{
    int i = sqlite_row(rc);
    return i < 0 ? sqlite_default[context] : sqlite_table[i].advice[context];
}

/* The cause as the head of a sentence: "Le disque est plein". */
static void sentence_head(char *buf, size_t len, const char *cause)
{
    snprintf(buf, len, "%s", cause);
    if (buf[0] >= 'a' && buf[0] <= 'z')
        buf[0] = (char)(buf[0] - 'a' + 'A');
}

/* What an SQLite result code means for the official, in French, with what to do: never
 * SQLite's own English text. `what` names the operation that failed (may be NULL). */
void store_describe_sqlite(char *err, size_t errlen, const char *path, int rc, const char *what)
{
    char folder[4096];
    char op[160] = "";
    if (what && *what)
        snprintf(op, sizeof op, " (%s)", what);
    switch (rc & 0xFF) {
    case SQLITE_CORRUPT:
    case SQLITE_NOTADB:
        damaged_message(err, errlen, path, "son contenu est incohérent");
        return;
    case SQLITE_READONLY:
    case SQLITE_CANTOPEN:
    case SQLITE_PERM:
        if (!folder_writable(path, folder, sizeof folder)) {
            char advice[9000];
            write_advice(advice, sizeof advice, folder, path);
            text_msgf(err, errlen,
                     "Le dossier « %s », qui contient la base « %s », est en lecture seule : "
                     "difelus doit pouvoir y créer ses fichiers de travail (%s-wal et -shm). "
                     "La base n'a pas été modifiée. %s",
                     folder, path, path, advice);
        } else if (access(path, F_OK) == 0 && access(path, W_OK) != 0) {
            char advice[9000];
            write_advice(advice, sizeof advice, path, path);
            text_msgf(err, errlen,
                     "La base « %s » est en lecture seule%s. Elle n'a pas été modifiée. %s",
                     path, op, advice);
        } else {
            text_msgf(err, errlen,
                     "Impossible d'ouvrir ou de modifier la base « %s »%s : vérifiez que le "
                     "fichier, ses fichiers de travail (-wal, -shm) et son dossier vous "
                     "appartiennent et que vous pouvez y écrire.",
                     path, op);
        }
        return;
    case SQLITE_FULL:
    case SQLITE_IOERR:
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
    case SQLITE_NOMEM:
    case SQLITE_NOLFS:
    case SQLITE_TOOBIG: {
        /* What to do comes before the path: the wizard's message line has two rows. */
        char head[160];
        sentence_head(head, sizeof head, store_sqlite_cause(rc));
        text_msgf(err, errlen, "%s : rien n'a été enregistré%s. %s Base : « %s ».", head, op,
                  store_sqlite_advice(rc, SQLITE_FOR_DATABASE), path);
        return;
    }
    default:
        text_msgf(err, errlen,
                 "Erreur inattendue de la base%s : rien n'a été modifié. Signalez-la au "
                 "support de votre organisme (code SQLite %d, base « %s »).",
                 op, rc, path);
        return;
    }
}

/* A full disk that SQLite reports as an I/O error (creating or growing its working files,
 * the -shm at start): said as « le disque est plein », with what to do. */
static int disk_rc(sqlite3 *db, int rc)
{
    if ((rc & 0xFF) == SQLITE_IOERR && db) {
        int e = sqlite3_system_errno(db);
        if (e == ENOSPC || e == EDQUOT)
            return SQLITE_FULL;
    }
    return rc;
}

static int fail(store *st, const char *what)
{
    store_describe_sqlite(st->err, sizeof st->err, st->path,
                          disk_rc(st->db, sqlite3_errcode(st->db)), what);
    return -1;
}

static sqlite3_stmt *prepare(store *st, const char *sql)
{
    sqlite3_stmt *stmt = NULL;
    if (sqlite3_prepare_v2(st->db, sql, -1, &stmt, NULL) != SQLITE_OK) {
        fail(st, "préparation");
        return NULL;
    }
    return stmt;
}

/* Runs a statement that returns no row; finalizes it. */
static int run(store *st, sqlite3_stmt *stmt, const char *what)
{
    if (!stmt)
        return -1;
    int rc = sqlite3_step(stmt);
    sqlite3_finalize(stmt);
    if (rc != SQLITE_DONE)
        return fail(st, what);
    return 0;
}

/* Reads one integer pragma; returns the SQLite result code. */
static int pragma_int(sqlite3 *db, const char *sql, int *out)
{
    sqlite3_stmt *stmt = NULL;
    int rc = sqlite3_prepare_v2(db, sql, -1, &stmt, NULL);
    if (rc == SQLITE_OK) {
        rc = sqlite3_step(stmt);
        if (rc == SQLITE_ROW) {
            *out = sqlite3_column_int(stmt, 0);
            rc = SQLITE_OK;
        }
    }
    sqlite3_finalize(stmt);
    return rc;
}

static void damaged_message(char *err, size_t errlen, const char *path, const char *detail)
{
    text_msgf(err, errlen,
             "Le fichier « %s » est endommagé (%s). difelus ne l'a pas modifié. Remettez une "
             "copie de sauvegarde à sa place, ou déplacez-le pour repartir d'une base vide ; "
             "le support de votre organisme peut vous aider.",
             path, detail);
}

static void not_difelus_message(char *err, size_t errlen, const char *path, const char *what)
{
    text_msgf(err, errlen,
             "Le fichier « %s » n'est pas une base difelus (%s). difelus ne l'a pas modifié. "
             "Indiquez la bonne base avec --db FICHIER, ou déplacez ce fichier pour que "
             "difelus en crée une nouvelle.",
             path, what);
}

/* Checks what is at path before SQLite touches it; creates an empty file (0600) if none.
 * Returns 0, or -1 with a message. */
int store_prepare_file(const char *path, char *err, size_t errlen)
{
    struct stat sb;
    if (stat(path, &sb) == 0) {
        if (S_ISDIR(sb.st_mode)) {
            const char *slash = strrchr(path, '/');
            if (strcmp(slash ? slash + 1 : path, "catalogue.db") == 0)
                /* The catalogue's place is fixed (beside the base): --db cannot help. */
                text_msgf(err, errlen,
                         "« %s » est un dossier, alors que difelus y range le catalogue des "
                         "formations. Renommez ou déplacez ce dossier, puis recommencez.",
                         path);
            else
                text_msgf(err, errlen,
                         "« %s » est un dossier, pas une base difelus. Indiquez un fichier, par "
                         "exemple --db %s/difelus.db.",
                         path, path);
            return -1;
        }
        if (!S_ISREG(sb.st_mode)) {
            text_msgf(err, errlen, "« %s » n'est pas un fichier ordinaire. Indiquez une base "
                                  "difelus avec --db FICHIER.", path);
            return -1;
        }
        if (access(path, R_OK) != 0) {
            text_msgf(err, errlen,
                     "Impossible de lire « %s » : vous n'avez pas le droit de le lire. "
                     "Vérifiez le propriétaire et les droits du fichier (chmod 600 « %s »).",
                     path, path);
            return -1;
        }
        if (access(path, W_OK) != 0) {
            char advice[9000];
            write_advice(advice, sizeof advice, path, path);
            text_msgf(err, errlen,
                     "Impossible de modifier « %s » : le fichier est en lecture seule, difelus "
                     "ne peut rien y enregistrer (il ne l'a pas modifié). %s",
                     path, advice);
            return -1;
        }
        return 0;
    }
    if (errno != ENOENT) {
        text_msgf(err, errlen, "Impossible d'accéder à « %s » (%s). Vérifiez le chemin et les "
                              "droits du dossier.", path, syserr_text(errno));
        return -1;
    }
    if (lstat(path, &sb) == 0 && S_ISLNK(sb.st_mode)) {
        /* A link to a missing file (a disk or a synchronised folder not mounted): creating
         * an empty base there would hide the official's real one. */
        char target[1024];
        ssize_t n = readlink(path, target, sizeof target - 1);
        target[n > 0 ? n : 0] = '\0';
        char shown[512];
        text_msgf(err, errlen,
                 "« %s » est un lien vers « %s », qui n'existe pas (disque ou dossier "
                 "synchronisé absent ?). Rebranchez ce qu'il vise, ou supprimez le lien pour "
                 "que difelus crée une nouvelle base.",
                 path, text_clip(shown, sizeof shown, target, 200));
        return -1;
    }
    int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd < 0) {
        int e = errno;
        char folder[4096];
        if (e == ENOENT)
            text_msgf(err, errlen, "Impossible de créer « %s » : le dossier qui doit le contenir "
                                  "n'existe pas. Créez-le ou choisissez un autre chemin.", path);
        else if (e == EACCES || e == EPERM || e == EROFS) {
            folder_writable(path, folder, sizeof folder);
            char q[8300];
            text_msgf(err, errlen, "Impossible de créer « %s » : le dossier « %s » est en lecture "
                                  "seule%s. Choisissez un autre emplacement avec --db FICHIER%s%s%s.",
                     path, folder, e == EROFS ? " (disque en lecture seule)" : " pour vous",
                     e == EROFS ? "" : ", ou donnez-vous le droit d'y écrire s'il est à vous "
                                       "(chmod u+w ",
                     e == EROFS ? "" : shell_quoted(q, sizeof q, folder), e == EROFS ? "" : ")");
        } else
            text_msgf(err, errlen, "Impossible de créer « %s » (%s). Vérifiez les droits du "
                                  "dossier ou choisissez un autre chemin avec --db.",
                     path, syserr_text(e));
        return -1;
    }
    close(fd);
    return 0;
}

/* Refuses anything but a fresh file or a difelus database this program can read. */
static int check_database(sqlite3 *db, const char *path, int *version, char *err,
                          size_t errlen)
{
    int app_id = 0, tables = 0;
    int rc = pragma_int(db, "PRAGMA user_version", version);
    if (rc == SQLITE_NOTADB) {
        not_difelus_message(err, errlen, path, "ce n'est pas une base SQLite");
        return -1;
    }
    if (rc == SQLITE_CORRUPT) {
        damaged_message(err, errlen, path, "en-tête illisible");
        return -1;
    }
    if (rc != SQLITE_OK) {
        store_describe_sqlite(err, errlen, path, disk_rc(db, rc), "lecture de l'en-tête");
        return -1;
    }
    rc = pragma_int(db, "PRAGMA application_id", &app_id);
    if (rc == SQLITE_OK)
        rc = pragma_int(db, "SELECT count(*) FROM sqlite_master", &tables);
    if (rc == SQLITE_CORRUPT || rc == SQLITE_NOTADB) {
        damaged_message(err, errlen, path, "son contenu est incohérent");
        return -1;
    }
    if (rc != SQLITE_OK) {
        store_describe_sqlite(err, errlen, path, disk_rc(db, rc), "lecture du contenu");
        return -1;
    }
    if (app_id != STORE_APPLICATION_ID && !(app_id == 0 && *version == 0 && tables == 0)) {
        not_difelus_message(err, errlen, path, "c'est une base SQLite d'un autre programme");
        return -1;
    }
    if (*version > STORE_SCHEMA_VERSION) {
        text_msgf(err, errlen,
                 "La base « %s » vient d'une version plus récente de difelus (schéma %d ; "
                 "cette version connaît le schéma %d). difelus ne l'a pas modifiée. Installez "
                 "la dernière version de difelus pour l'ouvrir.",
                 path, *version, STORE_SCHEMA_VERSION);
        return -1;
    }
    if (tables > 0) {
        sqlite3_stmt *stmt = NULL;
        rc = sqlite3_prepare_v2(db, "PRAGMA quick_check", -1, &stmt, NULL);
        const char *first = NULL;
        if (rc == SQLITE_OK) {
            rc = sqlite3_step(stmt);
            if (rc == SQLITE_ROW)
                first = (const char *)sqlite3_column_text(stmt, 0);
        }
        if (rc == SQLITE_ROW && first && strcmp(first, "ok") != 0) {
            /* quick_check's own report is English and technical: it is not shown. */
            sqlite3_finalize(stmt);
            damaged_message(err, errlen, path, "le contrôle d'intégrité a trouvé des pages "
                                               "abîmées");
            return -1;
        }
        if (rc != SQLITE_ROW || !first) {
            sqlite3_finalize(stmt);
            store_describe_sqlite(err, errlen, path, rc == SQLITE_ROW ? SQLITE_CORRUPT : rc,
                                  "contrôle d'intégrité");
            return -1;
        }
        sqlite3_finalize(stmt);
    }
    return 0;
}

static int migrate(store *st, int from, int to)
{
    char app_id_sql[64];
    snprintf(app_id_sql, sizeof app_id_sql, "PRAGMA application_id = %d", STORE_APPLICATION_ID);
    for (int v = from; v < to; v++) {
        char *msg = NULL;
        char sql[64];
        snprintf(sql, sizeof sql, "PRAGMA user_version = %d", v + 1);
        if (sqlite3_exec(st->db, "BEGIN IMMEDIATE", NULL, NULL, &msg) != SQLITE_OK ||
            sqlite3_exec(st->db, migrations[v], NULL, NULL, &msg) != SQLITE_OK ||
            sqlite3_exec(st->db, sql, NULL, NULL, &msg) != SQLITE_OK ||
            (v == 0 && sqlite3_exec(st->db, app_id_sql, NULL, NULL, &msg) != SQLITE_OK) ||
            sqlite3_exec(st->db, "COMMIT", NULL, NULL, &msg) != SQLITE_OK) {
            int n = text_msgf(st->err, sizeof st->err,
                             "Mise à jour de la base « %s » vers le schéma %d impossible, elle "
                             "est restée au schéma %d. ",
                             st->path, v + 1, v);
            if (n > 0 && (size_t)n < sizeof st->err)
                store_describe_sqlite(st->err + n, sizeof st->err - (size_t)n, st->path,
                                      sqlite3_errcode(st->db), NULL);
            sqlite3_free(msg);
            sqlite3_exec(st->db, "ROLLBACK", NULL, NULL, NULL);
            return -1;
        }
    }
    return 0;
}

store *store_open_at_version(const char *path, int version, char *err, size_t errlen)
{
    if (!path || !*path) {
        text_msgf(err, errlen, "Aucun fichier de base indiqué.");
        return NULL;
    }
    if (strlen(path) >= sizeof((store *)0)->path) {
        text_msgf(err, errlen, "Le chemin de la base est trop long.");
        return NULL;
    }
    if (store_prepare_file(path, err, errlen) != 0)
        return NULL;

    store *st = calloc(1, sizeof *st);
    if (!st) {
        text_msgf(err, errlen, "Mémoire insuffisante.");
        return NULL;
    }
    snprintf(st->path, sizeof st->path, "%s", path);
    /* No memory statistics (nothing reads them), and no mutex on a connection that only
     * its own thread uses: otherwise every SQLite call and allocation takes a mutex, 9 % of
     * the instructions before the wizard's first screen. Before SQLite is initialised, or
     * refused (SQLITE_MISUSE) and harmless. */
    static bool configured;
    if (!configured) {
        configured = true;
        sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
    }
    int rc = sqlite3_open_v2(path, &st->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, NULL);
    if (rc != SQLITE_OK) {
        store_describe_sqlite(err, errlen, path, st->db ? sqlite3_errcode(st->db) : rc,
                              "ouverture");
        store_close(st);
        return NULL;
    }
    sqlite3_busy_timeout(st->db, 5000);
    sqlite3_extended_result_codes(st->db, 0);

    int current = 0;
    if (check_database(st->db, path, &current, err, errlen) != 0) {
        store_close(st);
        return NULL;
    }
    /* Only now that the file is known to be ours (or empty) may we write to it. */
    rc = sqlite3_exec(st->db, "PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL;"
                              "PRAGMA foreign_keys = ON;",
                      NULL, NULL, NULL);
    if (rc != SQLITE_OK) {
        store_describe_sqlite(err, errlen, path, sqlite3_errcode(st->db), "préparation");
        store_close(st);
        return NULL;
    }
    if (current < version && migrate(st, current, version) != 0) {
        text_msgf(err, errlen, "%s", st->err);
        store_close(st);
        return NULL;
    }
    return st;
}

/* "file:" URI of a path (RFC 3986: what is not unreserved nor '/' is escaped). */
static void file_uri(char *out, size_t len, const char *path, const char *query)
{
    size_t o = (size_t)snprintf(out, len, "file:");
    for (const unsigned char *p = (const unsigned char *)path; *p && o + 4 < len; p++) {
        if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
            strchr("/-._~", *p))
            out[o++] = (char)*p;
        else
            o += (size_t)snprintf(out + o, len - o, "%%%02X", *p);
    }
    out[o < len ? o : len - 1] = '\0';
    if (o < len)
        snprintf(out + o, len - o, "%s", query);
}

static bool wal_pending(const char *path)
{
    char wal[4200];
    struct stat sb;
    snprintf(wal, sizeof wal, "%s-wal", path);
    return stat(wal, &sb) == 0 && sb.st_size > 0;
}

store *store_open_read_only(const char *path, char *err, size_t errlen)
{
    struct stat sb;
    if (!path || !*path || strlen(path) >= sizeof((store *)0)->path || stat(path, &sb) != 0 ||
        !S_ISREG(sb.st_mode) || access(path, R_OK) != 0)
        return store_open(path, err, errlen); /* its messages for these cases */
    store *st = calloc(1, sizeof *st);
    if (!st) {
        text_msgf(err, errlen, "Mémoire insuffisante.");
        return NULL;
    }
    snprintf(st->path, sizeof st->path, "%s", path);
    st->read_only = true;
    /* Read-only through the URI, not the flags: the connection stays writable for what
     * it attaches (the empty catalogue in memory when there is none yet). */
    char uri[13000];
    file_uri(uri, sizeof uri, path, "?mode=ro");
    const int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_URI | SQLITE_OPEN_NOMUTEX;
    int rc = sqlite3_open_v2(uri, &st->db, flags, NULL);
    int current = 0, probe = 0;
    if (rc == SQLITE_OK)
        rc = pragma_int(st->db, "SELECT count(*) FROM sqlite_master", &probe);
    if (rc != SQLITE_OK && !wal_pending(path)) {
        /* A WAL base in a folder the official cannot write: SQLite cannot create the -shm
         * it needs to read. With no -wal waiting, the file alone holds everything saved,
         * so it can be read as an unchanging file. */
        sqlite3_close(st->db);
        st->db = NULL;
        file_uri(uri, sizeof uri, path, "?mode=ro&immutable=1");
        rc = sqlite3_open_v2(uri, &st->db, flags, NULL);
    }
    if (rc != SQLITE_OK) {
        store_describe_sqlite(err, errlen, path, st->db ? sqlite3_errcode(st->db) : rc,
                              "ouverture en lecture");
        store_close(st);
        return NULL;
    }
    sqlite3_busy_timeout(st->db, 5000);
    sqlite3_extended_result_codes(st->db, 0);
    if (check_database(st->db, path, &current, err, errlen) != 0) {
        store_close(st);
        return NULL;
    }
    if (current < STORE_SCHEMA_VERSION) {
        char advice[9000];
        write_advice(advice, sizeof advice, path, path);
        text_msgf(err, errlen,
                 "La base « %s » a été enregistrée par une version plus ancienne de difelus "
                 "(schéma %d) : pour la lire, difelus doit d'abord la mettre à jour (schéma %d), "
                 "ce qui demande de pouvoir y écrire. Elle n'a pas été modifiée. %s",
                 path, current, STORE_SCHEMA_VERSION, advice);
        store_close(st);
        return NULL;
    }
    sqlite3_exec(st->db, "PRAGMA foreign_keys = ON;", NULL, NULL, NULL);
    return st;
}

bool store_read_only(const store *st)
{
    return st && st->read_only;
}

store *store_open(const char *path, char *err, size_t errlen)
{
    return store_open_at_version(path, STORE_SCHEMA_VERSION, err, errlen);
}

void store_close(store *st)
{
    if (!st)
        return;
    replica_release(st); /* sessions must go before their connection */
    sqlite3_close(st->db);
    free(st);
}

sqlite3 *store_db(store *st)
{
    return st->db;
}

const char *store_path(const store *st)
{
    return st->path;
}

const char *store_error(const store *st)
{
    return st->err;
}

char *store_errbuf(store *st, size_t *len)
{
    *len = sizeof st->err;
    return st->err;
}

sqlite3 *store_swap_connection(store *st, sqlite3 *db)
{
    sqlite3 *old = st->db;
    st->db = db;
    return old;
}

struct replica_state **store_replica_slot(store *st)
{
    return &st->replica;
}

store *store_from_connection(sqlite3 *db, const char *path)
{
    store *st = calloc(1, sizeof *st);
    if (!st)
        return NULL;
    st->db = db;
    snprintf(st->path, sizeof st->path, "%s", path);
    return st;
}

int store_schema_version(store *st)
{
    int v = -1;
    if (pragma_int(st->db, "PRAGMA user_version", &v) != SQLITE_OK)
        fail(st, "version");
    return v;
}

/* ---- checklist ---- */

/* An agent's replica records the agent whatever the screens say (they do not know). */
static const char *actor_key(store *st, enum store_actor actor)
{
    return replica_actor(st, actor) == ACTOR_AGENT ? "agent" : "official";
}

int store_checklist_set(store *st, const char *item_id, bool done, enum store_actor actor)
{
    int step = 0;
    if (!guide_item_find(item_id, &step)) {
        text_msgf(st->err, sizeof st->err, "Élément de liste inconnu : %s.", item_id);
        return -1;
    }
    sqlite3_stmt *stmt = prepare(
        st, "INSERT INTO checklist (item, step, done, done_at, done_by) VALUES (?1, ?2, ?3,"
            " CASE WHEN ?3 THEN strftime('%Y-%m-%dT%H:%M:%SZ', 'now') END,"
            " CASE WHEN ?3 THEN ?4 END)"
            " ON CONFLICT (item) DO UPDATE SET done = excluded.done,"
            " done_at = excluded.done_at, done_by = excluded.done_by");
    if (!stmt)
        return -1;
    sqlite3_bind_text(stmt, 1, item_id, -1, SQLITE_STATIC);
    sqlite3_bind_int(stmt, 2, step);
    sqlite3_bind_int(stmt, 3, done ? 1 : 0);
    sqlite3_bind_text(stmt, 4, actor_key(st, actor), -1, SQLITE_STATIC);
    return run(st, stmt, "coche");
}

static int tick_item_if_undone(store *st, const char *id, enum store_actor actor);

/* Ticks the items a dossier's new status proves done, keeping the date and author of an
 * item the official (or the agent) had already ticked. Runs inside the caller's
 * transaction, so that the status and its ticks are recorded together. */

static int tick_items_of_status(store *st, enum dossier_status status, enum store_actor actor)
{
    for (const char *const *id = guide_items_done_by_status(status); *id; id++)
        if (tick_item_if_undone(st, *id, actor) != 0)
            return -1;
    return 0;
}

/* Ticks one item unless it is ticked already (its date and author are kept). */
static int tick_item_if_undone(store *st, const char *id, enum store_actor actor)
{
    int step = 0;
    if (!guide_item_find(id, &step))
        return 0;
    sqlite3_stmt *stmt = prepare(
        st, "INSERT INTO checklist (item, step, done, done_at, done_by) VALUES (?1, ?2, 1,"
            " strftime('%Y-%m-%dT%H:%M:%SZ', 'now'), ?3)"
            " ON CONFLICT (item) DO UPDATE SET done = 1, done_at = excluded.done_at,"
            " done_by = excluded.done_by WHERE checklist.done = 0");
    if (!stmt)
        return -1;
    sqlite3_bind_text(stmt, 1, id, -1, SQLITE_STATIC);
    sqlite3_bind_int(stmt, 2, step);
    sqlite3_bind_text(stmt, 3, actor_key(st, actor), -1, SQLITE_STATIC);
    return run(st, stmt, "coche");
}

int store_checklist_load(store *st, bool done[GUIDE_STEPS][GUIDE_MAX_ITEMS])
{
    memset(done, 0, sizeof(bool) * GUIDE_STEPS * GUIDE_MAX_ITEMS);
    sqlite3_stmt *stmt = prepare(st, "SELECT item FROM checklist WHERE done = 1");
    if (!stmt)
        return -1;
    int rc;
    while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
        const char *id = (const char *)sqlite3_column_text(stmt, 0);
        int step = 0;
        const struct guide_item *item = id ? guide_item_find(id, &step) : NULL;
        if (!item)
            continue; /* an item removed from the guide since */
        const struct guide_step *gs = guide_step(step);
        done[step - 1][item - gs->items] = true;
    }
    sqlite3_finalize(stmt);
    return rc == SQLITE_DONE ? 0 : fail(st, "lecture des coches");
}

/* ---- mandates ---- */

/* The array with room for one more element (reallocated when full); NULL when out of
 * memory, the old array then still owned by the caller. */
static void *grow(void *array, size_t *cap, size_t count, size_t size)
{
    if (count < *cap)
        return array;
    size_t wanted = *cap ? *cap * 2 : 8;
    void *grown = realloc(array, wanted * size);
    if (grown)
        *cap = wanted;
    return grown;
}

/* The message of a list query that stopped on rc. */
static int list_failed(store *st, int rc, const char *what)
{
    if (rc == SQLITE_NOMEM) {
        text_msgf(st->err, sizeof st->err, "Mémoire insuffisante.");
        return -1;
    }
    return fail(st, what);
}

static bool column_date(sqlite3_stmt *stmt, int col, struct date *out)
{
    char err[160];
    const char *text = (const char *)sqlite3_column_text(stmt, col);
    return text && dates_parse(text, out, err, sizeof err);
}

int store_mandate_list(store *st, struct mandate **out, size_t *count)
{
    *out = NULL;
    *count = 0;
    sqlite3_stmt *stmt = prepare(st, "SELECT id, level, collectivite, function, start_date,"
                                     " end_date, opposition, indemnified FROM mandate"
                                     " ORDER BY start_date, id");
    if (!stmt)
        return -1;
    size_t cap = 0;
    int rc;
    while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
        void *room = grow(*out, &cap, *count, sizeof **out);
        if (!room) {
            rc = SQLITE_NOMEM;
            break;
        }
        *out = room;
        struct mandate *m = &(*out)[*count];
        memset(m, 0, sizeof *m);
        m->id = sqlite3_column_int64(stmt, 0);
        const char *level = (const char *)sqlite3_column_text(stmt, 1);
        m->level = MANDATE_OTHER;
        for (int i = 0; level && i < MANDATE_LEVEL_COUNT; i++)
            if (strcmp(level, level_keys[i]) == 0)
                m->level = (enum mandate_level)i;
        text_sanitize(m->collectivite, sizeof m->collectivite,
                      (const char *)sqlite3_column_text(stmt, 2));
        text_sanitize(m->function, sizeof m->function, (const char *)sqlite3_column_text(stmt, 3));
        column_date(stmt, 4, &m->start);
        column_date(stmt, 5, &m->end);
        m->opposition = sqlite3_column_int(stmt, 6) != 0;
        m->indemnified = sqlite3_column_int(stmt, 7) != 0;
        (*count)++;
    }
    sqlite3_finalize(stmt);
    if (rc != SQLITE_DONE) {
        free(*out);
        *out = NULL;
        *count = 0;
        return list_failed(st, rc, "lecture des mandats");
    }
    return 0;
}

int store_mandate_save(store *st, struct mandate *m)
{
    char start[11], end[11];
    dates_format_iso(m->start, start, sizeof start);
    dates_format_iso(m->end, end, sizeof end);
    sqlite3_stmt *stmt;
    if (m->id == 0)
        stmt = prepare(st, "INSERT INTO mandate (level, collectivite, function, start_date,"
                           " end_date, opposition, indemnified) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)");
    else
        stmt = prepare(st, "UPDATE mandate SET level = ?1, collectivite = ?2, function = ?3,"
                           " start_date = ?4, end_date = ?5, opposition = ?6, indemnified = ?7"
                           " WHERE id = ?8");
    if (!stmt)
        return -1;
    sqlite3_bind_text(stmt, 1, level_keys[m->level < MANDATE_LEVEL_COUNT ? m->level : MANDATE_OTHER],
                      -1, SQLITE_STATIC);
    sqlite3_bind_text(stmt, 2, m->collectivite, -1, SQLITE_STATIC);
    sqlite3_bind_text(stmt, 3, m->function, -1, SQLITE_STATIC);
    sqlite3_bind_text(stmt, 4, start, -1, SQLITE_STATIC);
    sqlite3_bind_text(stmt, 5, end, -1, SQLITE_STATIC);
    sqlite3_bind_int(stmt, 6, m->opposition);
    sqlite3_bind_int(stmt, 7, m->indemnified);
    if (m->id != 0)
        sqlite3_bind_int64(stmt, 8, m->id);
    if (run(st, stmt, "enregistrement du mandat") != 0)
        return -1;
    if (m->id == 0)
        m->id = sqlite3_last_insert_rowid(st->db);
    return 0;
}

int store_mandate_delete(store *st, long long id)
{
    sqlite3_stmt *stmt = prepare(st, "DELETE FROM mandate WHERE id = ?1");
    if (!stmt)
        return -1;
    sqlite3_bind_int64(stmt, 1, id);
    return run(st, stmt, "suppression du mandat");
}

/* ---- DIFE balance ---- */

static int transaction(store *st, const char *sql);

int store_credit_add(store *st, long amount_cents, struct date observed_on)
{
    char day[11];
    dates_format_iso(observed_on, day, sizeof day);
    sqlite3_stmt *stmt =
        prepare(st, "INSERT INTO credit_observation (amount_cents, observed_on) VALUES (?1, ?2)");
    if (!stmt)
        return -1;
    sqlite3_bind_int64(stmt, 1, amount_cents);
    sqlite3_bind_text(stmt, 2, day, -1, SQLITE_STATIC);
    if (transaction(st, "BEGIN IMMEDIATE") != 0) {
        sqlite3_finalize(stmt);
        return -1;
    }
    if (run(st, stmt, "enregistrement du solde") != 0) {
        sqlite3_exec(st->db, "ROLLBACK", NULL, NULL, NULL);
        return -1;
    }
    /* recorded_at has one-second steps: a validation noted in the same second as the
     * reading is ordered by the history's own order, the last event id at the reading. */
    stmt = prepare(st, "INSERT OR REPLACE INTO setting (key, value)"
                       " SELECT 'interne.releve.' || last_insert_rowid(),"
                       "  (SELECT coalesce(max(id), 0) FROM dossier_event)");
    /* A reading noted is the item of step 2 that asks for it: progress follows. */
    if (run(st, stmt, "enregistrement du solde") != 0 ||
        tick_item_if_undone(st, "2.compte-elu", ACTOR_OFFICIAL) != 0) {
        sqlite3_exec(st->db, "ROLLBACK", NULL, NULL, NULL);
        return -1;
    }
    return transaction(st, "COMMIT");
}

int store_credit_list(store *st, struct credit_observation *out, size_t max, size_t *count)
{
    *count = 0;
    sqlite3_stmt *stmt = prepare(st, "SELECT id, amount_cents, observed_on FROM credit_observation"
                                     " ORDER BY observed_on DESC, id DESC LIMIT ?1");
    if (!stmt)
        return -1;
    sqlite3_bind_int64(stmt, 1, (sqlite3_int64)max);
    int rc;
    while ((rc = sqlite3_step(stmt)) == SQLITE_ROW && *count < max) {
        struct credit_observation *c = &out[*count];
        c->id = sqlite3_column_int64(stmt, 0);
        c->amount_cents = (long)sqlite3_column_int64(stmt, 1);
        if (!column_date(stmt, 2, &c->observed_on))
            c->observed_on = (struct date){0, 0, 0};
        (*count)++;
    }
    sqlite3_finalize(stmt);
    return rc == SQLITE_DONE || rc == SQLITE_ROW ? 0 : fail(st, "lecture du solde");
}

/* ---- wizard position ---- */

static void column_copy(sqlite3_stmt *stmt, int col, char *buf, size_t len)
{
    const char *v = (const char *)sqlite3_column_text(stmt, col);
    text_sanitize(buf, len, v ? v : "");
}

int store_ui_get(store *st, struct ui_state *out)
{
    memset(out, 0, sizeof *out);
    snprintf(out->screen, sizeof out->screen, "accueil");
    out->draft_cursor = -1;
    sqlite3_stmt *stmt = prepare(st, "SELECT screen, focus, scroll, dossier_id, mandate_id,"
                                     " help_from, search_from, confirm, confirm_id, results,"
                                     " message, message_error, draft_screen, draft_field,"
                                     " draft_dirty, draft_cursor, draft_scroll, assist_from"
                                     " FROM ui_state WHERE id = 1");
    if (!stmt)
        return -1;
    int rc = sqlite3_step(stmt);
    if (rc == SQLITE_ROW) {
        const char *screen = (const char *)sqlite3_column_text(stmt, 0);
        if (screen && *screen)
            text_sanitize(out->screen, sizeof out->screen, screen);
        out->focus = sqlite3_column_int(stmt, 1);
        out->scroll = sqlite3_column_int(stmt, 2);
        out->dossier_id = sqlite3_column_int64(stmt, 3);
        out->mandate_id = sqlite3_column_int64(stmt, 4);
        column_copy(stmt, 5, out->help_from, sizeof out->help_from);
        column_copy(stmt, 6, out->search_from, sizeof out->search_from);
        column_copy(stmt, 7, out->confirm, sizeof out->confirm);
        out->confirm_id = sqlite3_column_int64(stmt, 8);
        out->results = sqlite3_column_int(stmt, 9) != 0;
        /* The message keeps its non-breaking spaces; only controls are removed. */
        column_copy(stmt, 10, out->message, sizeof out->message);
        out->message_error = sqlite3_column_int(stmt, 11) != 0;
        column_copy(stmt, 12, out->draft_screen, sizeof out->draft_screen);
        out->draft_field = sqlite3_column_int(stmt, 13);
        out->draft_dirty = sqlite3_column_int(stmt, 14) != 0;
        out->draft_cursor = sqlite3_column_int(stmt, 15);
        out->draft_scroll = sqlite3_column_int(stmt, 16);
        column_copy(stmt, 17, out->assist_from, sizeof out->assist_from);
    }
    sqlite3_finalize(stmt);
    if (out->focus < 0)
        out->focus = 0;
    if (out->scroll < 0)
        out->scroll = 0;
    if (out->draft_field < 0 || out->draft_field >= STORE_DRAFT_FIELDS)
        out->draft_field = 0;
    if (out->draft_cursor < -1)
        out->draft_cursor = -1;
    if (out->draft_scroll < 0)
        out->draft_scroll = 0;
    return rc == SQLITE_ROW || rc == SQLITE_DONE ? 0 : fail(st, "lecture de la position");
}

int store_ui_set(store *st, const struct ui_state *ui)
{
    sqlite3_stmt *stmt = prepare(
        st, "INSERT INTO ui_state (id, screen, focus, scroll, dossier_id, mandate_id,"
            " help_from, search_from, confirm, confirm_id, results, message, message_error,"
            " draft_screen, draft_field, draft_dirty, draft_cursor, draft_scroll, assist_from)"
            " VALUES (1, ?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15,"
            " ?16, ?17, ?18)"
            " ON CONFLICT (id) DO UPDATE SET screen = excluded.screen, focus = excluded.focus,"
            " scroll = excluded.scroll, dossier_id = excluded.dossier_id,"
            " mandate_id = excluded.mandate_id, help_from = excluded.help_from,"
            " search_from = excluded.search_from, confirm = excluded.confirm,"
            " confirm_id = excluded.confirm_id, results = excluded.results,"
            " message = excluded.message, message_error = excluded.message_error,"
            " draft_screen = excluded.draft_screen, draft_field = excluded.draft_field,"
            " draft_dirty = excluded.draft_dirty, draft_cursor = excluded.draft_cursor,"
            " draft_scroll = excluded.draft_scroll, assist_from = excluded.assist_from");
    if (!stmt)
        return -1;
    sqlite3_bind_text(stmt, 1, ui->screen, -1, SQLITE_STATIC);
    sqlite3_bind_int(stmt, 2, ui->focus);
    sqlite3_bind_int(stmt, 3, ui->scroll);
    sqlite3_bind_int64(stmt, 4, ui->dossier_id);
    sqlite3_bind_int64(stmt, 5, ui->mandate_id);
    sqlite3_bind_text(stmt, 6, ui->help_from, -1, SQLITE_STATIC);
    sqlite3_bind_text(stmt, 7, ui->search_from, -1, SQLITE_STATIC);
    sqlite3_bind_text(stmt, 8, ui->confirm, -1, SQLITE_STATIC);
    sqlite3_bind_int64(stmt, 9, ui->confirm_id);
    sqlite3_bind_int(stmt, 10, ui->results ? 1 : 0);
    sqlite3_bind_text(stmt, 11, ui->message, -1, SQLITE_STATIC);
    sqlite3_bind_int(stmt, 12, ui->message_error ? 1 : 0);
    sqlite3_bind_text(stmt, 13, ui->draft_screen, -1, SQLITE_STATIC);
    sqlite3_bind_int(stmt, 14, ui->draft_field);
    sqlite3_bind_int(stmt, 15, ui->draft_dirty ? 1 : 0);
    sqlite3_bind_int(stmt, 16, ui->draft_cursor);
    sqlite3_bind_int(stmt, 17, ui->draft_scroll);
    sqlite3_bind_text(stmt, 18, ui->assist_from, -1, SQLITE_STATIC);
    return run(st, stmt, "enregistrement de la position");
}

int store_draft_get(store *st, struct ui_draft *out)
{
    memset(out, 0, sizeof *out);
    sqlite3_stmt *stmt = prepare(st, "SELECT field, value, error FROM ui_draft"
                                     " WHERE field < ?1 ORDER BY field");
    if (!stmt)
        return -1;
    sqlite3_bind_int(stmt, 1, STORE_DRAFT_FIELDS);
    int rc;
    while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
        int f = sqlite3_column_int(stmt, 0);
        if (f < 0 || f >= STORE_DRAFT_FIELDS)
            continue;
        /* Typed text: controls removed (a field never holds one), the rest kept. */
        column_copy(stmt, 1, out->value[f], sizeof out->value[f]);
        column_copy(stmt, 2, out->error[f], sizeof out->error[f]);
        if (f + 1 > out->count)
            out->count = f + 1;
    }
    sqlite3_finalize(stmt);
    return rc == SQLITE_DONE ? 0 : fail(st, "lecture du formulaire en cours");
}

int store_draft_set_field(store *st, int field, const char *value, const char *error)
{
    sqlite3_stmt *stmt = prepare(st, "INSERT INTO ui_draft (field, value, error) VALUES"
                                     " (?1, ?2, ?3) ON CONFLICT (field) DO UPDATE SET"
                                     " value = excluded.value, error = excluded.error");
    if (!stmt)
        return -1;
    sqlite3_bind_int(stmt, 1, field);
    sqlite3_bind_text(stmt, 2, value, -1, SQLITE_STATIC);
    sqlite3_bind_text(stmt, 3, error, -1, SQLITE_STATIC);
    return run(st, stmt, "enregistrement du formulaire en cours");
}

int store_draft_clear(store *st, int from)
{
    sqlite3_stmt *stmt = prepare(st, "DELETE FROM ui_draft WHERE field >= ?1");
    if (!stmt)
        return -1;
    sqlite3_bind_int(stmt, 1, from);
    return run(st, stmt, "effacement du formulaire en cours");
}

int store_begin(store *st)
{
    /* Deferred: the first write locks the personal database only, never the attached
     * catalogue, which an import may be writing meanwhile. */
    if (sqlite3_exec(st->db, replica_nested_sql(st, "BEGIN"), NULL, NULL, NULL) != SQLITE_OK)
        return fail(st, "début d'écriture");
    return 0;
}

int store_commit(store *st, bool ok)
{
    if (!ok) {
        sqlite3_exec(st->db, replica_nested_sql(st, "ROLLBACK"), NULL, NULL, NULL);
        return -1;
    }
    if (sqlite3_exec(st->db, replica_nested_sql(st, "COMMIT"), NULL, NULL, NULL) != SQLITE_OK) {
        fail(st, "fin d'écriture");
        sqlite3_exec(st->db, replica_nested_sql(st, "ROLLBACK"), NULL, NULL, NULL);
        return -1;
    }
    return 0;
}

int store_key_begin(store *st)
{
    /* IMMEDIATE: the key's first read and its write see the same database (a deferred
     * transaction upgraded after another process wrote fails at once with SQLITE_BUSY). */
    if (!sqlite3_get_autocommit(st->db))
        return -1; /* already inside one (a proposal): the caller writes as before */
    if (sqlite3_exec(st->db, "BEGIN IMMEDIATE", NULL, NULL, NULL) != SQLITE_OK)
        return fail(st, "début d'écriture");
    st->key_tx = true;
    return 0;
}

bool store_in_key(store *st)
{
    /* A write that failed inside rolled the whole transaction back: none is open then. */
    return st->key_tx && !sqlite3_get_autocommit(st->db);
}

int store_key_end(store *st)
{
    st->key_tx = false;
    /* A write that failed inside rolled the whole key back (its own ROLLBACK, or SQLite's
     * on a full disk): the key wrote nothing, whatever came after; store_error says why. */
    if (sqlite3_get_autocommit(st->db))
        return -1;
    if (sqlite3_exec(st->db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK) {
        fail(st, "fin d'écriture");
        if (!sqlite3_get_autocommit(st->db)) /* SQLite may have rolled back already */
            sqlite3_exec(st->db, "ROLLBACK", NULL, NULL, NULL);
        return -1;
    }
    return 0;
}

long long store_changes(store *st)
{
    return sqlite3_total_changes64(st->db);
}

long long store_data_version(store *st)
{
    int v = 0;
    if (pragma_int(st->db, "PRAGMA data_version", &v) != SQLITE_OK)
        return -1;
    return v;
}

/* ---- settings ---- */

static int setting_index(const char *key)
{
    for (int i = 0; store_setting_keys[i]; i++)
        if (strcmp(key, store_setting_keys[i]) == 0)
            return i;
    return -1;
}

int store_setting_get(store *st, const char *key, char *buf, size_t len)
{
    int idx = setting_index(key);
    if (idx < 0) {
        char shown[256]; /* the key comes from the command line: never echo controls */
        text_msgf(st->err, sizeof st->err, "Réglage inconnu : « %s ». Réglages possibles : "
                                          "organisme.nom, organisme.email, organisme.telephone.",
                 text_sanitize(shown, sizeof shown, key));
        return STORE_REFUSED;
    }
    snprintf(buf, len, "%s", setting_defaults[idx]);
    sqlite3_stmt *stmt = prepare(st, "SELECT value FROM setting WHERE key = ?1");
    if (!stmt)
        return -1;
    sqlite3_bind_text(stmt, 1, key, -1, SQLITE_STATIC);
    int rc = sqlite3_step(stmt);
    if (rc == SQLITE_ROW)
        text_sanitize(buf, len, (const char *)sqlite3_column_text(stmt, 0));
    sqlite3_finalize(stmt);
    return rc == SQLITE_ROW || rc == SQLITE_DONE ? 0 : fail(st, "lecture d'un réglage");
}

int store_setting_set(store *st, const char *key, const char *value)
{
    if (setting_index(key) < 0) {
        char shown[256]; /* the key comes from the command line: never echo controls */
        text_msgf(st->err, sizeof st->err, "Réglage inconnu : « %s ». Réglages possibles : "
                                          "organisme.nom, organisme.email, organisme.telephone.",
                 text_sanitize(shown, sizeof shown, key));
        return STORE_REFUSED;
    }
    /* The limit counts characters, as the message says, not bytes: an accented letter
     * takes two bytes in UTF-8, and French names are full of them. */
    char clean[4 * STORE_SETTING_MAX + 1];
    if (!text_is_clean(value)) {
        text_msgf(st->err, sizeof st->err, "Valeur refusée pour « %s » : texte de %d caractères "
                                          "au plus, sans caractère de contrôle.",
                 key, STORE_SETTING_MAX);
        return STORE_REFUSED;
    }
    size_t chars = 0;
    for (const char *p = value; *p; p++)
        chars += ((unsigned char)*p & 0xC0) != 0x80;
    if (strlen(value) >= sizeof clean) /* more than 4 bytes a character: too long anyway */
        chars = STORE_SETTING_MAX + 1;
    if (chars <= STORE_SETTING_MAX)
        snprintf(clean, sizeof clean, "%s", value);
    else
        clean[0] = '\0';
    text_trim(clean);
    if (clean[0] == '\0' || chars > STORE_SETTING_MAX) {
        text_msgf(st->err, sizeof st->err, "Valeur refusée pour « %s » : elle doit faire de 1 à "
                                          "%d caractères (elle en fait %zu).",
                 key, STORE_SETTING_MAX, chars);
        return STORE_REFUSED;
    }
    sqlite3_stmt *stmt = prepare(st, "INSERT INTO setting (key, value) VALUES (?1, ?2)"
                                     " ON CONFLICT (key) DO UPDATE SET value = excluded.value");
    if (!stmt)
        return -1;
    sqlite3_bind_text(stmt, 1, key, -1, SQLITE_STATIC);
    sqlite3_bind_text(stmt, 2, clean, -1, SQLITE_STATIC);
    return run(st, stmt, "enregistrement d'un réglage");
}

static int transaction(store *st, const char *sql);

/* ---- searches ---- */

int store_search_add(store *st, const struct store_search *s, const long long *catalogue_ids,
                     const char *const *titles, size_t count)
{
    if (transaction(st, "BEGIN IMMEDIATE") != 0)
        return -1;
    sqlite3_stmt *stmt = prepare(st, "INSERT INTO search (mandate_id, keywords, modality, location)"
                                     " VALUES (nullif(?1, 0), ?2, ?3, nullif(?4, ''))");
    if (stmt) {
        sqlite3_bind_int64(stmt, 1, s->mandate_id);
        sqlite3_bind_text(stmt, 2, s->keywords, -1, SQLITE_STATIC);
        if (s->modality)
            sqlite3_bind_text(stmt, 3, s->modality, -1, SQLITE_STATIC);
        sqlite3_bind_text(stmt, 4, s->location ? s->location : "", -1, SQLITE_STATIC);
    }
    if (run(st, stmt, "enregistrement de la recherche") != 0) {
        sqlite3_exec(st->db, "ROLLBACK", NULL, NULL, NULL);
        return -1;
    }
    long long id = sqlite3_last_insert_rowid(st->db);
    for (size_t i = 0; i < count; i++) {
        stmt = prepare(st, "INSERT INTO search_result (search_id, rank, catalogue_id, title)"
                           " VALUES (?1, ?2, ?3, ?4)");
        if (stmt) {
            sqlite3_bind_int64(stmt, 1, id);
            sqlite3_bind_int64(stmt, 2, (sqlite3_int64)i + 1);
            sqlite3_bind_int64(stmt, 3, catalogue_ids[i]);
            sqlite3_bind_text(stmt, 4, titles[i], -1, SQLITE_STATIC);
        }
        if (run(st, stmt, "enregistrement de la recherche") != 0) {
            sqlite3_exec(st->db, "ROLLBACK", NULL, NULL, NULL);
            return -1;
        }
    }
    return transaction(st, "COMMIT");
}

int store_search_count(store *st, long long *count)
{
    *count = 0;
    sqlite3_stmt *stmt = prepare(st, "SELECT count(*) FROM search");
    if (!stmt)
        return -1;
    if (sqlite3_step(stmt) == SQLITE_ROW)
        *count = sqlite3_column_int64(stmt, 0);
    sqlite3_finalize(stmt);
    return 0;
}

/* ---- dossiers ---- */

static void bind_optional_date(sqlite3_stmt *stmt, int col, struct date d)
{
    char day[11];
    if (!dates_valid(d)) {
        sqlite3_bind_null(stmt, col);
        return;
    }
    dates_format_iso(d, day, sizeof day);
    sqlite3_bind_text(stmt, col, day, -1, SQLITE_TRANSIENT);
}

static void read_optional_date(sqlite3_stmt *stmt, int col, struct date *out)
{
    if (!column_date(stmt, col, out))
        *out = (struct date){0, 0, 0};
}

static int add_event(store *st, long long id, enum dossier_status status, struct date day,
                     enum store_actor actor, const char *warning)
{
    sqlite3_stmt *stmt = prepare(st, "INSERT INTO dossier_event (dossier_id, status, event_date,"
                                     " actor, warning) VALUES (?1, ?2, ?3, ?4, ?5)");
    if (!stmt)
        return -1;
    sqlite3_bind_text(stmt, 5, warning ? warning : "", -1, SQLITE_TRANSIENT);
    sqlite3_bind_int64(stmt, 1, id);
    sqlite3_bind_text(stmt, 2, dossier_status_key(status), -1, SQLITE_STATIC);
    bind_optional_date(stmt, 3, day);
    sqlite3_bind_text(stmt, 4, actor_key(st, actor), -1, SQLITE_STATIC);
    if (run(st, stmt, "historique du dossier") != 0)
        return -1;
    /* Progress follows the dossier: what its status proves done is ticked. */
    return tick_items_of_status(st, status, actor);
}

static int transaction(store *st, const char *sql)
{
    sql = replica_nested_sql(st, sql);
    if (sqlite3_exec(st->db, sql, NULL, NULL, NULL) != SQLITE_OK)
        return fail(st, "transaction");
    return 0;
}

/* The dates a dossier takes from its events, found in one pass over them (in id order). */
struct event_dates {
    char last[32], sent[32], validated[32], created[32], changed[32];
    long long last_id;
    bool has_created, has_changed;
};

static void parse_day(const char *text, struct date *out);

static void copy_text(char *buf, size_t len, const unsigned char *text)
{
    snprintf(buf, len, "%s", text ? (const char *)text : "");
}

static void event_seen(struct event_dates *e, long long id, const char *status,
                       const unsigned char *date)
{
    const char *day = date ? (const char *)date : "";
    /* the last transition: latest date, then latest id */
    int cmp = strcmp(day, e->last);
    if (!e->last_id || cmp > 0 || (cmp == 0 && id > e->last_id)) {
        copy_text(e->last, sizeof e->last, date);
        e->last_id = id;
    }
    if (strcmp(status, "envoyee") == 0)
        copy_text(e->sent, sizeof e->sent, date); /* the last one sent */
    else if (strcmp(status, "validee") == 0)
        copy_text(e->validated, sizeof e->validated, date);
    if (strcmp(status, "creation") == 0) {
        if (!e->has_created)
            copy_text(e->created, sizeof e->created, date); /* the first one */
        e->has_created = true;
    } else if (!e->has_changed || strcmp(day, e->changed) < 0) {
        copy_text(e->changed, sizeof e->changed, date); /* the earliest change */
        e->has_changed = true;
    }
}

/* Two plain queries and the events' dates worked out here: the same list with five
 * correlated subqueries cost 0,46 M instructions to prepare on every reload (a key, the
 * first screen) and 0,12 M to run. Both in one read transaction: one state of the base. */
int store_dossier_list(store *st, struct dossier **out, size_t *count)
{
    *out = NULL;
    *count = 0;
    bool read_txn = sqlite3_get_autocommit(st->db) &&
                    sqlite3_exec(st->db, "BEGIN", NULL, NULL, NULL) == SQLITE_OK;
    struct event_dates *dates = NULL;
    bool unprepared = false; /* prepare() said why */
    sqlite3_stmt *stmt = prepare(
        st, "SELECT id, coalesce(catalogue_id, ''), title, body, siret, session_start,"
            " session_end, price_cents, hours, kind, notes, status, vat"
            " FROM dossier ORDER BY id DESC");
    int rc = SQLITE_ERROR;
    unprepared = !stmt;
    if (!stmt)
        goto done;
    size_t cap = 0;
    while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
        void *room = grow(*out, &cap, *count, sizeof **out);
        if (!room) {
            rc = SQLITE_NOMEM;
            break;
        }
        *out = room;
        struct dossier *d = &(*out)[(*count)++];
        memset(d, 0, sizeof *d);
        d->id = sqlite3_column_int64(stmt, 0);
        text_sanitize(d->catalogue_id, sizeof d->catalogue_id,
                      (const char *)sqlite3_column_text(stmt, 1));
        text_sanitize(d->title, sizeof d->title, (const char *)sqlite3_column_text(stmt, 2));
        text_sanitize(d->body, sizeof d->body, (const char *)sqlite3_column_text(stmt, 3));
        text_sanitize(d->siret, sizeof d->siret, (const char *)sqlite3_column_text(stmt, 4));
        read_optional_date(stmt, 5, &d->start);
        read_optional_date(stmt, 6, &d->end);
        d->price_cents = sqlite3_column_type(stmt, 7) == SQLITE_NULL
                             ? -1
                             : (long)sqlite3_column_int64(stmt, 7);
        d->hours_cents = (int)(sqlite3_column_double(stmt, 8) * 100 + 0.5);
        const char *kind = (const char *)sqlite3_column_text(stmt, 9);
        d->kind = kind && strcmp(kind, "reconversion") == 0 ? DK_RECONVERSION : DK_MANDATE;
        text_sanitize(d->notes, sizeof d->notes, (const char *)sqlite3_column_text(stmt, 10));
        int status = dossier_status_from_key((const char *)sqlite3_column_text(stmt, 11));
        d->status = status < 0 ? DS_CREATION : (enum dossier_status)status;
        d->vat = sqlite3_column_int(stmt, 12) != 0;
    }
    sqlite3_finalize(stmt);
    if (rc != SQLITE_DONE || !*count)
        goto done;
    dates = calloc(*count, sizeof *dates);
    rc = SQLITE_NOMEM;
    if (!dates)
        goto done;
    stmt = prepare(st, "SELECT dossier_id, id, status, event_date FROM dossier_event"
                       " ORDER BY dossier_id, id");
    rc = SQLITE_ERROR;
    unprepared = !stmt;
    if (!stmt)
        goto done;
    while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
        /* The list is by decreasing id: a binary search finds the event's dossier. */
        long long id = sqlite3_column_int64(stmt, 0);
        size_t lo = 0, hi = *count;
        while (lo < hi) {
            size_t mid = lo + (hi - lo) / 2;
            if ((*out)[mid].id > id)
                lo = mid + 1;
            else
                hi = mid;
        }
        if (lo == *count || (*out)[lo].id != id)
            continue;
        const char *status = (const char *)sqlite3_column_text(stmt, 2);
        event_seen(&dates[lo], sqlite3_column_int64(stmt, 1), status ? status : "",
                   sqlite3_column_text(stmt, 3));
    }
    sqlite3_finalize(stmt);
    for (size_t i = 0; rc == SQLITE_DONE && i < *count; i++) {
        struct dossier *d = &(*out)[i];
        parse_day(dates[i].last, &d->status_date);
        parse_day(dates[i].sent, &d->sent_on);
        parse_day(dates[i].validated, &d->validated_on);
        parse_day(dates[i].created, &d->created_on);
        parse_day(dates[i].changed, &d->changed_on);
    }
done:
    free(dates);
    int result = 0;
    if (rc != SQLITE_DONE) {
        free(*out);
        *out = NULL;
        *count = 0;
        result = unprepared ? -1 : list_failed(st, rc, "lecture des dossiers");
    }
    if (read_txn) /* after the message: it reads the connection's last error */
        sqlite3_exec(st->db, "COMMIT", NULL, NULL, NULL);
    return result;
}

int store_dossier_save(store *st, struct dossier *d, struct date day, enum store_actor actor)
{
    bool insert = d->id == 0;
    sqlite3_stmt *stmt;
    if (insert)
        stmt = prepare(st, "INSERT INTO dossier (catalogue_id, title, body, siret, session_start,"
                           " session_end, price_cents, hours, kind, notes, vat, status) VALUES"
                           " (nullif(?1, ''), ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?12,"
                           " 'creation')");
    else
        stmt = prepare(st, "UPDATE dossier SET catalogue_id = nullif(?1, ''), title = ?2,"
                           " body = ?3, siret = ?4, session_start = ?5, session_end = ?6,"
                           " price_cents = ?7, hours = ?8, kind = ?9, notes = ?10, vat = ?12"
                           " WHERE id = ?11");
    if (!stmt)
        return -1;
    sqlite3_bind_text(stmt, 1, d->catalogue_id, -1, SQLITE_STATIC);
    sqlite3_bind_text(stmt, 2, d->title, -1, SQLITE_STATIC);
    sqlite3_bind_text(stmt, 3, d->body, -1, SQLITE_STATIC);
    sqlite3_bind_text(stmt, 4, d->siret, -1, SQLITE_STATIC);
    bind_optional_date(stmt, 5, d->start);
    bind_optional_date(stmt, 6, d->end);
    if (d->price_cents >= 0)
        sqlite3_bind_int64(stmt, 7, d->price_cents);
    else
        sqlite3_bind_null(stmt, 7);
    if (d->hours_cents > 0)
        sqlite3_bind_double(stmt, 8, d->hours_cents / 100.0);
    else
        sqlite3_bind_null(stmt, 8);
    sqlite3_bind_text(stmt, 9, d->kind == DK_RECONVERSION ? "reconversion" : "mandat", -1,
                      SQLITE_STATIC);
    sqlite3_bind_text(stmt, 10, d->notes, -1, SQLITE_STATIC);
    if (!insert)
        sqlite3_bind_int64(stmt, 11, d->id);
    sqlite3_bind_int(stmt, 12, d->vat ? 1 : 0);
    if (transaction(st, "BEGIN IMMEDIATE") != 0) {
        sqlite3_finalize(stmt);
        return -1;
    }
    if (run(st, stmt, "enregistrement du dossier") != 0) {
        sqlite3_exec(st->db, "ROLLBACK", NULL, NULL, NULL);
        return -1;
    }
    if (!insert) {
        /* The creation date, entered after the fact, is the date of the first event. */
        if (dates_valid(d->created_on)) {
            stmt = prepare(st, "UPDATE dossier_event SET event_date = ?1 WHERE dossier_id = ?2"
                               " AND status = 'creation'");
            if (stmt) {
                bind_optional_date(stmt, 1, d->created_on);
                sqlite3_bind_int64(stmt, 2, d->id);
            }
            if (run(st, stmt, "date de création du dossier") != 0) {
                sqlite3_exec(st->db, "ROLLBACK", NULL, NULL, NULL);
                return -1;
            }
        }
        return transaction(st, "COMMIT");
    }
    long long id = sqlite3_last_insert_rowid(st->db);
    if (dates_valid(d->created_on))
        day = d->created_on;
    if (add_event(st, id, DS_CREATION, day, actor, "") != 0 || transaction(st, "COMMIT") != 0) {
        sqlite3_exec(st->db, "ROLLBACK", NULL, NULL, NULL);
        return -1;
    }
    d->id = id;
    d->status = DS_CREATION;
    d->status_date = day;
    d->created_on = day;
    return 0;
}

int store_dossier_set_status(store *st, long long id, enum dossier_status to, struct date day,
                             enum store_actor actor)
{
    return store_dossier_set_status_noted(st, id, to, day, actor, "");
}

/* A deleted dossier's events may sit in the official's calendar program: what the next
 * calendar export needs to cancel them (same UIDs, a higher SEQUENCE, the same days) is
 * kept in the setting table, without a schema change, until that export consumed it. */
#define DELETED_PREFIX "interne.dossier_supprime."

int store_dossier_delete(store *st, long long id)
{
    if (transaction(st, "BEGIN IMMEDIATE") != 0)
        return -1;
    /* value: events count, start, end, last request day, last offer day, title (tabs). */
    sqlite3_stmt *stmt = prepare(
        st, "INSERT OR REPLACE INTO setting (key, value)"
            " SELECT '" DELETED_PREFIX "' || d.id,"
            "  (SELECT count(*) FROM dossier_event e WHERE e.dossier_id = d.id) || char(9) ||"
            "  ifnull(d.session_start, '') || char(9) || ifnull(d.session_end, '') || char(9) ||"
            "  ifnull((SELECT max(event_date) FROM dossier_event e WHERE e.dossier_id = d.id"
            "          AND e.status = ?2), '') || char(9) ||"
            "  ifnull((SELECT max(event_date) FROM dossier_event e WHERE e.dossier_id = d.id"
            "          AND e.status IN (?3, ?4)), '') || char(9) || d.title"
            " FROM dossier d WHERE d.id = ?1");
    if (stmt) {
        sqlite3_bind_int64(stmt, 1, id);
        sqlite3_bind_text(stmt, 2, dossier_status_key(DS_SENT), -1, SQLITE_STATIC);
        sqlite3_bind_text(stmt, 3, dossier_status_key(DS_PROPOSAL), -1, SQLITE_STATIC);
        sqlite3_bind_text(stmt, 4, dossier_status_key(DS_TO_VALIDATE), -1, SQLITE_STATIC);
    }
    /* Its history goes with it (ON DELETE CASCADE, foreign keys are on). */
    if (run(st, stmt, "suppression du dossier") != 0 ||
        (stmt = prepare(st, "DELETE FROM dossier WHERE id = ?1")) == NULL) {
        sqlite3_exec(st->db, "ROLLBACK", NULL, NULL, NULL);
        return -1;
    }
    sqlite3_bind_int64(stmt, 1, id);
    if (run(st, stmt, "suppression du dossier") != 0) {
        sqlite3_exec(st->db, "ROLLBACK", NULL, NULL, NULL);
        return -1;
    }
    return transaction(st, "COMMIT");
}

static void parse_day(const char *text, struct date *out)
{
    char err[160];
    if (!text[0] || !dates_parse(text, out, err, sizeof err))
        *out = (struct date){0, 0, 0};
}

int store_deleted_dossiers(store *st, struct store_deleted_dossier **out, size_t *count)
{
    *out = NULL;
    *count = 0;
    sqlite3_stmt *stmt = prepare(st, "SELECT substr(key, length('" DELETED_PREFIX "') + 1), value"
                                     " FROM setting WHERE key LIKE '" DELETED_PREFIX "%'"
                                     " ORDER BY key");
    if (!stmt)
        return -1;
    int rc;
    size_t cap = 0;
    while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
        if (*count == cap) {
            size_t more = cap ? cap * 2 : 8;
            struct store_deleted_dossier *grown = realloc(*out, more * sizeof **out);
            if (!grown) {
                sqlite3_finalize(stmt);
                free(*out);
                *out = NULL;
                *count = 0;
                text_msgf(st->err, sizeof st->err, "Mémoire insuffisante.");
                return -1;
            }
            *out = grown;
            cap = more;
        }
        struct store_deleted_dossier *g = &(*out)[*count];
        memset(g, 0, sizeof *g);
        g->id = atoll((const char *)sqlite3_column_text(stmt, 0));
        const char *value = (const char *)sqlite3_column_text(stmt, 1);
        char fields[6][4 * DOSSIER_TEXT_MAX + 1];
        size_t f = 0, o = 0;
        memset(fields, 0, sizeof fields);
        for (const char *p = value ? value : ""; *p; p++) {
            if (*p == '\t' && f < 5) {
                f++;
                o = 0;
            } else if (o + 1 < sizeof fields[0]) {
                fields[f][o++] = *p;
            }
        }
        g->events = atoi(fields[0]);
        parse_day(fields[1], &g->start);
        parse_day(fields[2], &g->end);
        parse_day(fields[3], &g->sent);
        parse_day(fields[4], &g->offered);
        text_sanitize(g->title, sizeof g->title, fields[5]);
        if (g->id > 0)
            (*count)++;
    }
    sqlite3_finalize(stmt);
    return rc == SQLITE_DONE ? 0 : fail(st, "lecture des dossiers supprimés");
}

int store_deleted_dossiers_forget(store *st, const struct store_deleted_dossier *gone, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        char key[64];
        snprintf(key, sizeof key, DELETED_PREFIX "%lld", gone[i].id);
        sqlite3_stmt *stmt = prepare(st, "DELETE FROM setting WHERE key = ?1");
        if (!stmt)
            return -1;
        sqlite3_bind_text(stmt, 1, key, -1, SQLITE_TRANSIENT);
        if (run(st, stmt, "oubli d'un dossier supprimé") != 0)
            return -1;
    }
    return 0;
}

int store_credit_delete(store *st, long long id)
{
    sqlite3_stmt *stmt = prepare(st, "DELETE FROM setting WHERE key = 'interne.releve.' || ?1");
    if (!stmt)
        return -1;
    sqlite3_bind_int64(stmt, 1, id);
    if (run(st, stmt, "suppression du relevé") != 0)
        return -1;
    stmt = prepare(st, "DELETE FROM credit_observation WHERE id = ?1");
    if (!stmt)
        return -1;
    sqlite3_bind_int64(stmt, 1, id);
    return run(st, stmt, "suppression du relevé");
}

int store_dossier_set_status_noted(store *st, long long id, enum dossier_status to,
                                   struct date day, enum store_actor actor, const char *warning)
{
    if (transaction(st, "BEGIN IMMEDIATE") != 0)
        return -1;
    sqlite3_stmt *stmt = prepare(st, "SELECT status FROM dossier WHERE id = ?1");
    if (!stmt) {
        sqlite3_exec(st->db, "ROLLBACK", NULL, NULL, NULL);
        return -1;
    }
    sqlite3_bind_int64(stmt, 1, id);
    int from = -1;
    if (sqlite3_step(stmt) == SQLITE_ROW)
        from = dossier_status_from_key((const char *)sqlite3_column_text(stmt, 0));
    sqlite3_finalize(stmt);
    if (from < 0 || !dossier_transition_allowed((enum dossier_status)from, to)) {
        sqlite3_exec(st->db, "ROLLBACK", NULL, NULL, NULL);
        text_msgf(st->err, sizeof st->err, "Un dossier « %s » ne peut pas passer à « %s ».",
                 from < 0 ? "inconnu" : dossier_status_label((enum dossier_status)from),
                 dossier_status_label(to));
        return -1;
    }
    stmt = prepare(st, "UPDATE dossier SET status = ?1 WHERE id = ?2");
    if (stmt) {
        sqlite3_bind_text(stmt, 1, dossier_status_key(to), -1, SQLITE_STATIC);
        sqlite3_bind_int64(stmt, 2, id);
    }
    if (run(st, stmt, "statut du dossier") != 0 || add_event(st, id, to, day, actor, warning) != 0 ||
        transaction(st, "COMMIT") != 0) {
        sqlite3_exec(st->db, "ROLLBACK", NULL, NULL, NULL);
        return -1;
    }
    return 0;
}

int store_dossier_events(store *st, long long id, struct dossier_event *out, size_t max,
                         size_t *count)
{
    *count = 0;
    sqlite3_stmt *stmt = prepare(st, "SELECT status, event_date, actor, warning FROM dossier_event"
                                     " WHERE dossier_id = ?1 ORDER BY event_date, id");
    if (!stmt)
        return -1;
    sqlite3_bind_int64(stmt, 1, id);
    int rc;
    while ((rc = sqlite3_step(stmt)) == SQLITE_ROW && *count < max) {
        struct dossier_event *e = &out[(*count)++];
        int s = dossier_status_from_key((const char *)sqlite3_column_text(stmt, 0));
        e->status = s < 0 ? DS_CREATION : (enum dossier_status)s;
        read_optional_date(stmt, 1, &e->day);
        const char *actor = (const char *)sqlite3_column_text(stmt, 2);
        e->actor = actor && strcmp(actor, "agent") == 0 ? ACTOR_AGENT : ACTOR_OFFICIAL;
        text_sanitize(e->warning, sizeof e->warning, (const char *)sqlite3_column_text(stmt, 3));
    }
    sqlite3_finalize(stmt);
    return rc == SQLITE_DONE || rc == SQLITE_ROW ? 0 : fail(st, "historique du dossier");
}

/* ---- balance estimate and calendar ---- */

int store_credit_validated_after(store *st, long long credit_id, long long **ids, size_t *count)
{
    *ids = NULL;
    *count = 0;
    /* A validation the same day as the reading is after it when it was recorded after it
     * (the official read the balance, then confirmed on MCF, then noted both). */
    sqlite3_stmt *stmt = prepare(
        st, "SELECT DISTINCT e.dossier_id FROM dossier_event e, credit_observation c"
            " WHERE c.id = ?1 AND e.status = 'validee' AND (e.event_date > c.observed_on"
            "  OR (e.event_date = c.observed_on AND (e.recorded_at > c.recorded_at"
            "   OR (e.recorded_at = c.recorded_at AND e.id > coalesce((SELECT CAST(value AS"
            "    INTEGER) FROM setting WHERE key = 'interne.releve.' || c.id),"
            "    9223372036854775807)))))");
    if (!stmt)
        return -1;
    sqlite3_bind_int64(stmt, 1, credit_id);
    size_t cap = 0;
    int rc;
    while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
        void *room = grow(*ids, &cap, *count, sizeof **ids);
        if (!room) {
            rc = SQLITE_NOMEM;
            break;
        }
        *ids = room;
        (*ids)[(*count)++] = sqlite3_column_int64(stmt, 0);
    }
    sqlite3_finalize(stmt);
    if (rc != SQLITE_DONE) {
        free(*ids);
        *ids = NULL;
        *count = 0;
        return list_failed(st, rc, "lecture du solde");
    }
    return 0;
}

/* The database's identifier, when it was made: 1 found, 0 not yet, -1 failed. */
static int read_database_id(store *st, char *buf, size_t len)
{
    sqlite3_stmt *stmt = prepare(st, "SELECT value FROM setting WHERE key = 'interne.identifiant'");
    if (!stmt)
        return -1;
    int rc = sqlite3_step(stmt);
    if (rc == SQLITE_ROW)
        text_sanitize(buf, len, (const char *)sqlite3_column_text(stmt, 0));
    sqlite3_finalize(stmt);
    if (rc == SQLITE_ROW)
        return 1;
    return rc == SQLITE_DONE ? 0 : fail(st, "identifiant de la base");
}

int store_database_id(store *st, char *buf, size_t len)
{
    /* Made once, kept in the setting table under a key that `reglage` does not show. Read
     * first: exporting a calendar from a read-only database writes nothing. */
    int found = read_database_id(st, buf, len);
    if (found != 0)
        return found > 0 ? 0 : -1;
    if (st->read_only) {
        /* A new identifier each time would give the agenda the same events twice. */
        char advice[9000];
        write_advice(advice, sizeof advice, st->path, st->path);
        text_msgf(st->err, sizeof st->err,
                 "Pour un premier calendrier, difelus doit enregistrer dans la base « %s » un "
                 "identifiant qui garde les mêmes événements d'un export à l'autre ; elle est "
                 "en lecture seule pour vous et n'a pas été modifiée. %s",
                 st->path, advice);
        return -1;
    }
    unsigned char raw[16];
    char hex[33];
    size_t got = 0;
    while (got < sizeof raw) {
        ssize_t n = getrandom(raw + got, sizeof raw - got, 0);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            break;
        got += (size_t)n;
    }
    if (got != sizeof raw) {
        text_msgf(st->err, sizeof st->err, "Impossible de tirer un identifiant au hasard pour le "
                                          "calendrier.");
        return -1;
    }
    for (size_t i = 0; i < sizeof raw; i++)
        snprintf(hex + 2 * i, 3, "%02x", raw[i]);
    sqlite3_stmt *stmt = prepare(st, "INSERT OR IGNORE INTO setting (key, value)"
                                     " VALUES ('interne.identifiant', ?1)");
    if (!stmt)
        return -1;
    sqlite3_bind_text(stmt, 1, hex, -1, SQLITE_STATIC);
    if (run(st, stmt, "identifiant de la base") != 0)
        return -1;
    /* Another process may have made it first (OR IGNORE): its value is the one. */
    found = read_database_id(st, buf, len);
    return found > 0 ? 0 : found < 0 ? -1 : fail(st, "identifiant de la base");
}
