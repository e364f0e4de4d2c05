/* The training catalogue: a separate SQLite file (catalogue.db, beside the personal
 * database) attached to the store's connection, with an FTS5 index. All its SQL lives in
 * src/catalogue.c. */
#ifndef DIFELUS_CATALOGUE_H
#define DIFELUS_CATALOGUE_H

#include <stdbool.h>
#include <stddef.h>

#include "difelus/places.h"
#include "difelus/store.h"

#include <stdio.h>

/* Attaches catalogue.db from the folder of the personal database (read only: without the
 * file, an empty catalogue in memory). Returns 0, or -1 with a French message. Calling it
 * again is cheap, and attaches the file anew when an import replaced it meanwhile. */
int catalogue_attach(store *st, char *err, size_t errlen);

/* For an event loop: when the catalogue attached to st was replaced on disk by an import
 * (another inode, size or mtime), attaches the new one. Returns 1 when it did (redraw what
 * shows the catalogue), 0 when nothing changed or nothing is attached yet, -1 with a French
 * message when the new file cannot be attached. */
int catalogue_refresh_if_changed(store *st, char *err, size_t errlen);

enum catalogue_source { SOURCE_CDC, SOURCE_BODY };

struct catalogue_import {
    enum catalogue_source source;
    size_t records;
    bool json;
    size_t kept;              /* trainings of the other source carried over */
    bool old_unreadable;      /* the old catalogue was damaged or foreign: nothing kept */
    size_t bad_siret;         /* records kept without their SIRET (not 14 digits, bad key) */
    char bad_siret_where[64]; /* the first of them: "ligne 12", "enregistrement 3" */
    size_t unknown_dept;      /* records whose département code is unknown */
    char unknown_dept_example[32];
};

/* Called every few thousand records (may be NULL). */
typedef void (*catalogue_progress_fn)(size_t records, void *user);

/* Imports a CDC export (JSON array or ';' CSV, old and new field names) or a training
 * body's CSV, detected from its content, replacing that source's trainings. The new
 * catalogue is written whole to catalogue.db.nouveau by its own connection, synced, then
 * renamed over catalogue.db: the personal database is never locked, the old catalogue is
 * searchable until the rename, and a kill leaves the old or the new one. One import at a
 * time (another is refused). A bad file is refused with the line or record number and the
 * reason, and the catalogue is left as it was. A record with a wrong SIRET is kept without
 * it; wrong SIRETs and unknown départements are counted in the report. */
int catalogue_import_file(store *st, const char *path, struct catalogue_import *report,
                          catalogue_progress_fn progress, void *user, char *err, size_t errlen);
/* The same from an open file; label names it in messages and in the import log. */
int catalogue_import_stream(store *st, FILE *f, const char *label,
                            struct catalogue_import *report, catalogue_progress_fn progress,
                            void *user, char *err, size_t errlen);

struct catalogue_query {
    const char *words;              /* any text typed by the official */
    const char *modality;           /* NULL, "presentiel" or "distance" */
    const struct departement *dept; /* NULL for anywhere */
    int limit;                      /* results wanted (1..200) */
    bool *more; /* if not NULL, set when more trainings match than were returned */
};

struct catalogue_hit {
    long long id;
    char numero[64];
    char title[512];
    char body[256];
    char siret[16];
    char place[128];       /* "Ardèche (07)" or "" */
    char dept_code[8];     /* "07" or "" */
    bool distance;
    long price_min, price_max, price_mean; /* TTC, cents, -1 when unknown */
    int hours_min, hours_max, hours_mean;  /* hours × 100, 0 when unknown */
    enum catalogue_source source;
};

/* Searches the catalogue. Any text is safe (French punctuation, quotes, dashes, AND, a lone
 * *): it is split into words by the index's own tokenizer (letters and digits, any
 * alphabet; everything else separates), each word quoted, accents and œ/æ folded. *count
 * receives the hits written. Errors are in French, never SQLite's text. */
int catalogue_search(store *st, const struct catalogue_query *q, struct catalogue_hit *out,
                     size_t max, size_t *count, char *err, size_t errlen);

enum catalogue_prefill {
    PREFILL_NONE,        /* the catalogue gives no price or hours that belong together */
    PREFILL_ONE_SESSION, /* every session has the same price and hours */
    PREFILL_MEANS,       /* the means over the sessions */
};

/* The TTC price (cents, -1 if none) and hours (× 100, 0 if none) a dossier made from h
 * takes: values of the same kind, never the lowest price with the lowest hours. */
enum catalogue_prefill catalogue_hit_prefill(const struct catalogue_hit *h, long *price_cents,
                                             int *hours_cents);

struct catalogue_info {
    size_t total, cdc, body;
    char cdc_imported[32], body_imported[32]; /* "2026-11-26T14:00:00Z" or "" */
};
int catalogue_get_info(store *st, struct catalogue_info *out, char *err, size_t errlen);

/* A search result's price for the official: "560,00 €", "1 200,00 € à 2 400,00 €" (TTC)
 * or "prix inconnu"; and its hours: "7 h", "14 h à 35 h" or "durée inconnue" (U+00A0
 * inside, DESIGN §7). The one formatter of the command line and the search screen. */
void catalogue_format_price(const struct catalogue_hit *h, char *buf, size_t len);
void catalogue_format_hours(const struct catalogue_hit *h, char *buf, size_t len);

#endif
