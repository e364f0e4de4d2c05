/* Download of the Caisse des Dépôts export of the MCF catalogue (Opendatasoft Explore API
 * v2.1), then its import. The HTTP is done by the helper program difelus-telecharger
 * (src/net/), so that difelus itself never links libcurl; this module starts it, reads its
 * messages like any outside input, and imports what it wrote. */
#ifndef DIFELUS_SYNC_H
#define DIFELUS_SYNC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <sys/types.h>

#include "difelus/catalogue.h"

#define SYNC_DEFAULT_BASE "https://opendata.caissedesdepots.fr"
#define SYNC_EXPORT_PATH                                                                   \
    "/api/explore/v2.1/catalog/datasets/moncompteformation_catalogueformation/exports/json"
#define SYNC_HELPER "difelus-telecharger"
#define SYNC_LINE_MAX 256 /* octets of one helper message, newline included */

struct sync_options {
    const char *base_url;  /* NULL: $DIFELUS_CATALOGUE_URL, else SYNC_DEFAULT_BASE */
    long stall_seconds;    /* give up when nothing arrives for that long (0: 60) */
    long long max_bytes;   /* size cap (0: 2 Gio) */
    bool show_progress;    /* on stderr */
    bool wizard;           /* messages for the wizard (no --url advice) */
};

/* Downloads the export to a temporary file beside the catalogue and imports it. Any
 * failure (refused, timeout, HTTP error, truncated or non-JSON body, helper missing or
 * dead) leaves the catalogue as it was and writes a French message. Blocks. */
int sync_catalogue(store *st, const struct sync_options *opt, struct catalogue_import *report,
                   char *err, size_t errlen);

/* ---- the same step by step, for an event loop ---- */

enum sync_state {
    SYNC_IDLE,     /* no download */
    SYNC_RUNNING,  /* the helper is receiving */
    SYNC_RECEIVED, /* the whole body is in the file: call sync_job_import(_start) */
    SYNC_IMPORTING, /* a child process imports it (sync_job_import_start) */
    SYNC_DONE,      /* imported: job->records trainings */
    SYNC_FAILED,    /* job->err says why; the helper is gone */
};

#define SYNC_IMPORT_LINE_MAX 1200 /* octets of one message of the import's child */

struct sync_job {
    enum sync_state state;
    pid_t pid;
    int msg_fd;  /* the helper's messages: poll it for reading */
    FILE *body;  /* the unlinked file it writes */
    long long bytes, total; /* received so far; total 0 while unknown */
    bool ended;             /* `fini` or `erreur` was read */
    size_t records;         /* imported so far (SYNC_IMPORTING, SYNC_DONE) */
    char line[SYNC_IMPORT_LINE_MAX + 1];
    size_t line_len;
    char base[512], url[1024];
    long stall;
    long long max;
    bool wizard;
    char err[1024];
};

/* Starts the helper. Returns 0 (state SYNC_RUNNING) or -1 with a French message. */
int sync_job_start(store *st, const struct sync_options *opt, struct sync_job *job, char *err,
                   size_t errlen);
/* Reads what the helper said (never blocks) and returns the new state. */
enum sync_state sync_job_read(struct sync_job *job);
/* After SYNC_RECEIVED: imports the file in one transaction and ends the job (the import
 * message in err on failure). */
int sync_job_import(store *st, struct sync_job *job, struct catalogue_import *report,
                    catalogue_progress_fn progress, void *user, char *err, size_t errlen);
/* Imports in a child process with its own connection to db_path, so that an event loop
 * keeps running and can stop it (sync_job_cancel): the downloaded body after
 * SYNC_RECEIVED (path NULL), or the file at `path` on an idle job. The import replaces the
 * catalogue at once at its very end, so a stopped import leaves the old one whole. Then
 * sync_job_read reports SYNC_IMPORTING, and SYNC_DONE or SYNC_FAILED. Returns 0, or -1
 * with a French message. */
int sync_job_import_start(const char *db_path, struct sync_job *job, const char *path,
                          char *err, size_t errlen);
/* Stops the helper if it runs and frees the job (state SYNC_IDLE). Safe on an idle job. */
void sync_job_cancel(struct sync_job *job);
/* The helper's program: $DIFELUS_LIBEXEC_DIR, then beside the running binary (a build
 * tree: libexec/difelus/ next to it, or ../libexec/difelus/ once installed), then the
 * folder compiled in ($(PREFIX)/libexec/difelus). False when none is executable. */
bool sync_helper_path(char *out, size_t outlen);
/* Any helper program by name (difelus-relais, difelus-partage), searched in the same
 * folders as sync_helper_path. */
bool libexec_path(const char *name, char *out, size_t outlen);
/* The folder compiled in, for messages saying where a helper was looked for. */
const char *libexec_dir(void);

/* ---- the helper's line protocol (README, « Protocole de difelus-telecharger ») ---- */

enum sync_msg_kind { SYNC_MSG_PROGRESS, SYNC_MSG_DONE, SYNC_MSG_ERROR };

struct sync_msg {
    enum sync_msg_kind kind;
    long long bytes, total; /* progression, fini */
    char code[16];          /* erreur: connexion, delai, http, incomplet, ... */
    long status;            /* erreur http: the HTTP status */
    char text[SYNC_LINE_MAX]; /* erreur: its detail, sanitized */
};

/* Parses one line (without its newline) of len octets. Returns 0, or -1 for anything
 * else than a known keyword with strictly written numbers (too long, unknown keyword,
 * signs, spaces, overflow, control characters outside the text). */
int sync_parse_message(const char *line, size_t len, struct sync_msg *msg);

#endif
