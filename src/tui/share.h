/* The official's side of a shared session (issue 9, docs/share-protocol.md part D): the
 * helper difelus-partage driven by the event loop, the share tables kept in step, the
 * banner and the prompt shown over every screen. */
#ifndef DIFELUS_TUI_SHARE_H
#define DIFELUS_TUI_SHARE_H

#include "difelus/share.h"
#include "tui/tui.h"

/* The session as the screens show it: a copy of share_state, written with it. */
const struct share_state *share_official_state(void);
/* The agent's side (share_agent.c): the screens show the official's share_state read
 * from the replica, while no session of this process runs. */
void share_official_mirror(const struct share_state *s);
/* True while a session runs (from the code's request to its end). */
bool share_official_active(void);
/* Asks the relay for a code through a new helper. False (the reason in share_state's
 * note and in the message line) when the helper could not start. */
bool share_official_start(struct app *app);
/* F4: ends the session (the agent is told), logged « fin ». */
void share_official_end(struct app *app);
/* F3: takes control back from the agent (or refuses a pending request for control). */
void share_official_take_back(struct app *app);
/* Seconds left before the code shown expires (0 when none or past). */
long share_official_seconds_left(void);
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
