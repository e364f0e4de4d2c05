/* The official's personal database (SQLite): profile, mandates, DIFE balance observations,
 * checklist progress, dossiers, settings and the wizard's position. All SQL of the personal
 * database lives in src/store.c, always through prepared statements. */
#ifndef DIFELUS_STORE_H
#define DIFELUS_STORE_H

#include <stdbool.h>
#include <stddef.h>

#include "difelus/dates.h"
#include "difelus/dossier.h"
#include "difelus/guide.h"
#include "difelus/mandate.h"

/* Schema version this program writes (PRAGMA user_version). */
#define STORE_SCHEMA_VERSION 7
/* PRAGMA application_id of a difelus database ("DIFE"). */
#define STORE_APPLICATION_ID 0x44494645

typedef struct store store;

/* Who made a change: the official at the keyboard, or a support agent (shared session). */
enum store_actor { ACTOR_OFFICIAL, ACTOR_AGENT };

/* Everything the wizard's screen depends on besides the data, the terminal size and the
 * date (table ui_state, one row): a restart or another process rebuilds the same screen. */
struct ui_state {
    char screen[32];       /* screen id, "accueil" by default */
    int focus;             /* selected row of that screen (a result, a dossier, an item) */
    int scroll;            /* first visible row (the help) */
    long long dossier_id;  /* dossier shown or edited, 0 for a new one */
    long long mandate_id;  /* mandate being edited, 0 for a new one */
    char help_from[32];    /* screen the help was opened from ("" when none) */
    char search_from[32];  /* screen the search was opened from: Échap goes back there */
    char confirm[24];      /* pending question ("" when none), e.g. "supprimer" */
    long long confirm_id;  /* what the question is about (a balance reading) */
    bool results;          /* the search's results list has the focus */
    char message[1024];    /* the message line, until the next key */
    bool message_error;
    char draft_screen[32]; /* screen whose form the draft holds ("" when none) */
    int draft_field;       /* field with the cursor */
    bool draft_dirty;      /* the official changed a value since the form was opened */
    int draft_cursor;      /* cursor's column in that field (-1: after its text) */
    int draft_scroll;      /* first column shown of that field (a long text scrolls) */
    char assist_from[32];  /* screen the assistance screen was opened from ("" when none) */
};

/* The open form as typed (table ui_draft): value and message of each field. */
#define STORE_DRAFT_FIELDS 12
#define STORE_DRAFT_VALUE_MAX 2048
struct ui_draft {
    int count; /* fields stored */
    char value[STORE_DRAFT_FIELDS][STORE_DRAFT_VALUE_MAX];
    char error[STORE_DRAFT_FIELDS][256];
};

struct credit_observation {
    long long id;
    long amount_cents;
    struct date observed_on;
};

/* Opens the database at path, creating it (mode 0600) when it does not exist, and brings
 * its schema up to date. A file that is not a difelus database, is damaged, unreadable or
 * has a newer schema is left untouched: returns NULL with a French message in err that
 * names the file and says what to do. */
store *store_open(const char *path, char *err, size_t errlen);

/* Opens an existing, up-to-date database for reading only (the commands that only read,
 * when the official cannot write it): nothing is created or migrated; every write fails
 * with a French message. NULL with a French message when it cannot be read. */
store *store_open_read_only(const char *path, char *err, size_t errlen);

/* True for a database opened by store_open_read_only. */
bool store_read_only(const store *st);

/* Opens and migrates only up to `version` (tests of migrations). */
store *store_open_at_version(const char *path, int version, char *err, size_t errlen);

void store_close(store *st);

/* The French message of the last failed call on st. */
const char *store_error(const store *st);

/* Schema version of the open database. */
int store_schema_version(store *st);

/* Checklist: whether an item of the guide is ticked, and ticking it. */
int store_checklist_set(store *st, const char *item_id, bool done, enum store_actor actor);
/* Fills done[s][i] for step s+1, item i of the guide (false when never ticked). */
int store_checklist_load(store *st, bool done[GUIDE_STEPS][GUIDE_MAX_ITEMS]);

/* Mandates, ordered by start date. *out is malloc'ed (free it), *count its length. */
int store_mandate_list(store *st, struct mandate **out, size_t *count);
/* Inserts (m->id == 0, id filled in) or updates a mandate. */
int store_mandate_save(store *st, struct mandate *m);
int store_mandate_delete(store *st, long long id);

/* DIFE balance read on Compte élu. */
int store_credit_add(store *st, long amount_cents, struct date observed_on);
/* Latest observations first; fills up to max, *count how many. */
int store_credit_list(store *st, struct credit_observation *out, size_t max, size_t *count);

/* Dossiers, newest first, with the dates of their last change, request and validation.
 * *out is malloc'ed (free it). */
int store_dossier_list(store *st, struct dossier **out, size_t *count);
/* Inserts (d->id == 0: status "En cours de création" dated `day`, id filled in) or updates
 * the editable fields of a dossier (never its status). */
int store_dossier_save(store *st, struct dossier *d, struct date day, enum store_actor actor);
/* Records a change of status on `day`; refuses a transition MCF does not allow. */
int store_dossier_set_status(store *st, long long id, enum dossier_status to, struct date day,
                             enum store_actor actor);
/* The same, with the warning kept beside the change ("" for none): a status recorded as
 * MCF shows it although a rule says otherwise. */
int store_dossier_set_status_noted(store *st, long long id, enum dossier_status to,
                                   struct date day, enum store_actor actor, const char *warning);
/* Deletes a dossier made by mistake, with its history. */
int store_dossier_delete(store *st, long long id);
/* Deletes a balance reading made by mistake. */
int store_credit_delete(store *st, long long id);

/* What the calendar needs of a deleted dossier to cancel the events an export gave it:
 * store_dossier_delete keeps it until store_deleted_dossiers_forget. */
struct store_deleted_dossier {
    long long id;
    int events; /* its history's length: the SEQUENCE its events had */
    struct date start, end, sent, offered;
    char title[4 * DOSSIER_TEXT_MAX + 1];
};
/* The deleted dossiers whose events no export has cancelled yet (*out malloc'd). */
int store_deleted_dossiers(store *st, struct store_deleted_dossier **out, size_t *count);
/* After an export cancelled them: they are not cancelled again. */
int store_deleted_dossiers_forget(store *st, const struct store_deleted_dossier *gone, size_t n);

struct dossier_event {
    enum dossier_status status;
    struct date day;
    enum store_actor actor;
    char warning[1024]; /* what the rules said when it was recorded anyway; "" otherwise */
};
/* A dossier's history, oldest first; fills up to max, *count how many. */
int store_dossier_events(store *st, long long id, struct dossier_event *out, size_t max,
                         size_t *count);

/* A search made in the catalogue (step 3), kept in the official's history. */
struct store_search {
    long long mandate_id;  /* 0: none */
    const char *keywords;
    const char *modality;  /* NULL, "presentiel" or "distance" */
    const char *location;  /* département code, or NULL */
};
/* Records a search and its first results (catalogue ids and titles). */
int store_search_add(store *st, const struct store_search *s, const long long *catalogue_ids,
                     const char *const *titles, size_t count);
int store_search_count(store *st, long long *count);

/* Wizard position. */
int store_ui_get(store *st, struct ui_state *out);
int store_ui_set(store *st, const struct ui_state *ui);
/* The open form's fields (value and message), written as they are typed. */
int store_draft_get(store *st, struct ui_draft *out);
int store_draft_set_field(store *st, int field, const char *value, const char *error);
/* Forgets fields from `from` on (0: the whole draft). */
int store_draft_clear(store *st, int from);
/* One transaction around several writes (store_commit(st, false) rolls back). */
int store_begin(store *st);
int store_commit(store *st, bool ok);
/* One transaction around everything a key writes (the wizard's forms and questions):
 * store writes inside it nest as savepoints. store_key_end commits it; when the commit
 * fails (a full disk), or a write inside failed and rolled it back, it returns -1 with the
 * store's French message: nothing of the key was written. */
int store_key_begin(store *st);
int store_key_end(store *st);
/* PRAGMA data_version: changes when another connection commits to the database; cheap
 * (no disk read), for noticing another process's writes. -1 on failure. */
long long store_data_version(store *st);
/* Rows this connection has written since it opened (inserted, updated or deleted). */
long long store_changes(store *st);

/* What a store function returns when it refuses what it was given (an unknown key, a
 * value too long or with control characters), as opposed to -1 when the database failed:
 * the command line exits 2 for the one, 1 for the other. */
#define STORE_REFUSED (-2)

/* Settings: "organisme.nom", "organisme.email", "organisme.telephone". get falls back on
 * the default when the setting was never changed; set refuses unknown keys and bad text
 * (STORE_REFUSED, with the reason in store_error); -1 when the database failed. */
int store_setting_get(store *st, const char *key, char *buf, size_t len);
int store_setting_set(store *st, const char *key, const char *value);
/* Characters (not bytes) a setting may hold. */
#define STORE_SETTING_MAX 200
/* The known setting keys, NULL-terminated. */
extern const char *const store_setting_keys[];

/* Ids of the dossiers validated after the reading `credit_id` of « Compte élu »: on a later
 * day, or the same day but recorded after the reading. *ids is malloc'ed (free it). */
int store_credit_validated_after(store *st, long long credit_id, long long **ids,
                                 size_t *count);

/* A random id made once per database (32 hex digits), for the calendar's UIDs. */
int store_database_id(store *st, char *buf, size_t len);

#endif
