/* What difelus-partage reads from outside, apart from its network loop (src/net/partage.c)
 * so that a fuzz target (tests/fuzz/fuzz_pipe.c) can call it: the relay's JSON answers and
 * the payloads of the wizard's frames. No libcurl here; jansson and the core's text and
 * code functions only. */
#ifndef DIFELUS_PARTAGE_MSG_H
#define DIFELUS_PARTAGE_MSG_H

#include <stdbool.h>
#include <stddef.h>

#include "difelus/share.h"

#define PARTAGE_FIELD_MAX 256 /* bytes of a name or organisation passed to the wizard */

/* The relay's error code from its JSON body (`{"erreur": "…"}`): written to code only when
 * it is lower-case letters and dashes and fits; "" otherwise. */
void partage_relay_code(const char *body, size_t len, char *code, size_t codelen);
/* The seconds the code stays valid, from the relay's answer to an open: its "expire" when
 * it is an integer from 0 to 86 400, SHARE_CODE_SECONDS otherwise. */
long long partage_open_expire(const char *body, size_t len);
/* The agent's id, name and organisation from the relay's answer to a join, each as clean
 * text of at most 120 columns ("" when absent or not a string). */
void partage_join_answer(const char *body, size_t len, char vals[3][PARTAGE_FIELD_MAX]);
/* The agent's id in the relay's `demande` frame: true with it in id when it is letters,
 * digits, '-' and '_' only and shorter than idlen. */
bool partage_demande_agent(const void *data, size_t len, char *id, size_t idlen);
/* The agent's token in the wizard's `jeton` frame: 1 to max - 1 printable ASCII characters
 * without space. */
bool partage_token_ok(const void *data, size_t len, size_t max);
/* The code in the wizard's `rejoindre` frame, normalized (share_code_parse); false when it
 * is not a code. */
bool partage_join_code(const void *data, size_t len, char code[SHARE_CODE_LEN + 1]);

#endif
