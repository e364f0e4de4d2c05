/* The official's side of a shared session (issue 9, docs/share-protocol.md part D): the
 * helper difelus-partage driven by the event loop, the share tables kept in step, the
 * banner and the prompt shown over every screen. */
#ifndef DIFELUS_TUI_SHARE_H
#define DIFELUS_TUI_SHARE_H

#include <time.h>

#include "difelus/share.h"
#include "tui/tui.h"

/* The screens read the session from share_state (store_share_get), on the agent's side
 * from the replica: no copy of it is kept for them here. */
/* True while a session of this process runs (from the code's request to its end). */
bool share_official_active(void);
/* An instant "2026-11-27T09:05:00Z" (UTC) as time_t, (time_t)-1 when it is not one: the
 * one parser of the share's ISO instants (share_state.expires_at, share_log.at). */
time_t share_parse_utc(const char *iso);
/* Seconds left before the code of `s` expires (0 when none or past). */
long share_seconds_left(const struct share_state *s);
/* Asks the relay for a code through a new helper. False (the reason in share_state's
 * note and in the message line) when the helper could not start. */
bool share_official_start(struct app *app);
/* F4: ends the session (the agent is told), logged « fin ». */
void share_official_end(struct app *app);
/* F3: takes control back from the agent (or refuses a pending request for control). */
void share_official_take_back(struct app *app);
/* The relay's address, for the screen that says how to change it. */
const char *share_official_relay(void);

/* ---- the hooks of the screen table (screens/screens.c) ---- */

/* Before a screen's own handler: F3, F4, and the answer to an agent's request (o / n),
 * over every screen, forms included. KR_UNHANDLED lets the key through. */
enum key_result share_official_key(struct app *app, int type, wint_t ch);
/* After a screen drew: the prompt when an agent asks something. */
void share_official_overlay(struct app *app);
/* At the end of each loop turn (`handled`: a key, a frame or another process's change
 * was handled): sends what changed, expires the code. True when the screen must be
 * drawn again (the minutes left changed, the session ended). */
bool share_official_after_event(struct app *app, bool handled);
/* At exit: the agent is told the session ends, the helper stops. */
void share_official_release(struct app *app);

#endif
