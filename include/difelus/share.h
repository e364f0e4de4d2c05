/* Shared session, core side (DESIGN §5): the codes read over the phone, the replication of
 * the personal database by SQLite's session extension, and the share tables. No curses, no
 * network: the network is the helper difelus-partage (src/net/), see share_link.h. */
#ifndef DIFELUS_SHARE_H
#define DIFELUS_SHARE_H

#include <stdbool.h>
#include <stddef.h>

#include "difelus/store.h"

#define SHARE_CODE_LEN 8 /* Crockford base32 characters (40 bits) */
#define SHARE_KEY_LEN 4  /* the rendezvous key: the code's first characters */
#define SHARE_HEX_LEN 32 /* a 128-bit session id or token, in hex */
#define SHARE_CODE_SECONDS 600

/* ---- codes ---- */

/* A new random code (never U): 8 characters and a NUL. 0, or -1 when getrandom failed. */
int share_code_new(char out[SHARE_CODE_LEN + 1]);
/* What an agent typed, normalized: spaces and dashes ignored, lower case accepted, I and L
 * read as 1, O as 0. False (out empty) unless exactly 8 valid characters remain. */
bool share_code_parse(const char *typed, char out[SHARE_CODE_LEN + 1]);
/* "ABCD-EFGH" from a normalized code. */
void share_code_format(const char *code, char out[SHARE_CODE_LEN + 2]);
/* The rendezvous key: the first SHARE_KEY_LEN characters. */
void share_code_key(const char *code, char out[SHARE_KEY_LEN + 1]);
/* 128 random bits as 32 lower-case hex digits. 0, or -1. */
int share_random_hex(char out[SHARE_HEX_LEN + 1]);

/* ---- the official's side: recording and snapshots ---- */

/* Starts recording every change made through st (all tables). 0, or -1 (store_error). */
int store_share_record_start(store *st);
/* The changes recorded since the start or the last take, as one changeset (*buf malloc'd,
 * *len 0 and *buf NULL when nothing changed); recording goes on. 0, or -1. */
int store_share_take(store *st, void **buf, size_t *len);
void store_share_record_stop(store *st);
/* The whole personal database as bytes (sqlite3_serialize, made readable in memory).
 * *buf malloc'd. 0, or -1. */
int store_snapshot(store *st, void **buf, size_t *len);
/* Validates an agent's proposal (changeset) and applies it in one transaction: allowed
 * tables only, the same checks as the official's own input, actor columns "agent". Returns
 * 0, STORE_REFUSED with the French reason in store_error (nothing changed), or -1. The
 * reason is a clause to put after one's own words, e.g. « une modification des réglages
 * n'est pas permise à l'assistance. » or « la modification reçue est illisible. ». The
 * changes it makes are recorded like the official's own (store_share_take).
 * Besides the allowed tables, only the store's own bookkeeping rows of `setting` that go
 * with a balance reading or a deleted dossier ("interne.releve.N",
 * "interne.dossier_supprime.N") pass: store_credit_add and store_dossier_delete write them.
 * Deletes: a dossier (with its history), a mandate, a balance reading, the open form's
 * fields; a tick, a history row without its dossier, a search, the profile: refused.
 * Every touched tick and history row must be the agent's once applied (or an untick); a
 * dossier's status changes only as the status screen allows (rules_check_record), with
 * the agent's history row for it in the same proposal.
 * Conflicts: a tick, dossier or history row the official changed since is refused (« la
 * personne aidée a modifié entre-temps la même donnée. »); another row changed since takes
 * the agent's value, a row gone stays gone, a new mandate/dossier/event/search whose id
 * was taken meanwhile refuses the whole proposal.
 * number (≥ 1, share_proposal_split): at or below share_state.last_proposal, the proposal
 * was applied already: 0 without applying it again; otherwise last_proposal becomes number
 * in the same transaction (it goes back to 0 when an agent is admitted, store_share_set). */
int store_share_apply_proposal(store *st, unsigned long long number, const void *buf,
                               size_t len);

/* ---- the agent's side: the replica ---- */

/* A replica in memory made from a snapshot, with the catalogue at catalogue_path attached
 * when that file exists (NULL, or a file not there: an empty catalogue, as on a fresh
 * install). catalogue_path must name a file called "catalogue.db" (the agent's own, beside
 * its database): the catalogue module finds it beside store_path(). A snapshot of another
 * schema version or another program is refused. NULL with a French message on failure. */
store *store_open_replica(const void *snapshot, size_t len, const char *catalogue_path,
                          char *err, size_t errlen);
/* Replaces the replica's content with a new snapshot (the agent's catalogue stays
 * available). It puts a new SQLite connection in place (replacing the image under the old
 * one is unsafe in SQLite 3.40): never keep store_db()'s pointer across it. A bad snapshot
 * leaves the replica as it was. A proposal in progress is dropped. */
int store_replica_reset(store *st, const void *snapshot, size_t len);
/* Applies the official's changeset (conflicts: the official's row wins). A malformed
 * changeset is refused before SQLite reads it. 0, or -1 (then ask for a new snapshot). */
int store_replica_apply(store *st, const void *buf, size_t len);
/* True for a replica (store_open_replica). */
bool store_is_replica(const store *st);
/* An agent's edit: begin opens a savepoint and starts recording; end takes the changeset
 * (*buf malloc'd, NULL/0 when nothing changed) then rolls the savepoint back, so the replica
 * is unchanged until the official's side applies it and sends it back. Between the two, the
 * store's functions work as usual (their own transactions nest as savepoints). */
int store_proposal_begin(store *st);
int store_proposal_end(store *st, void **buf, size_t *len);
/* Who the store records as the author of ticks and status changes when the caller says
 * ACTOR_OFFICIAL: an agent's replica records ACTOR_AGENT. */
void store_set_actor(store *st, enum store_actor actor);

/* ---- the share tables (share_state, one row; share_log) ---- */

enum share_phase {
    SHARE_NONE,            /* 'aucun' */
    SHARE_OPENING,         /* 'ouverture': asking the relay for a code */
    SHARE_WAITING,         /* 'attente': the code is shown */
    SHARE_ASKED,           /* 'demande': an agent asks to see the screen */
    SHARE_VIEW,            /* 'vue' */
    SHARE_CONTROL_ASKED,   /* 'demande-controle' */
    SHARE_CONTROL,         /* 'controle' */
};

struct share_state {
    enum share_phase phase;
    char code[SHARE_CODE_LEN + 1];
    char expires_at[32]; /* ISO 8601 UTC, "" when none */
    char agent_id[40];
    char agent_name[256];
    char agent_org[256];
    bool connection_lost;
    char note[512];
    /* Highest proposal number applied for the admitted agent (0: none yet); set back to 0
     * when an agent is admitted, never lowered otherwise (a replay is not applied twice). */
    unsigned long long last_proposal;
    /* Process that runs this share (0: none); a start by another difelus leaves a share
     * alone while its owner lives. */
    long long owner_pid;
};

int store_share_get(store *st, struct share_state *out);
int store_share_set(store *st, const struct share_state *s);

#define SHARE_LOG_MAX 32
struct share_log_entry {
    char at[32]; /* ISO 8601 UTC */
    char event[32];
    char agent_name[256];
    char agent_org[256];
    char detail[256];
};
int store_share_log_add(store *st, const char *event, const char *agent_name,
                        const char *agent_org, const char *detail);
/* Newest first, up to max. */
int store_share_log_list(store *st, struct share_log_entry *out, size_t max, size_t *count);
/* At the wizard's start: a share left open by a crash is closed and logged "interrompu". */
int store_share_reset_stale(store *st);

#endif
