/* The support agent's side of a shared session (`difelus assister`, DESIGN §5): the pipe to
 * difelus-partage, the replica the official's screens are drawn from, view and control
 * modes. The app (app.c) calls the hooks below when app->agent is set; the screens of the
 * agent's own (the code prompt, the waiting and ending texts) live in screens/ and ask the
 * phase and the note here. Knows no concrete screen. */
#ifndef DIFELUS_TUI_SHARE_AGENT_H
#define DIFELUS_TUI_SHARE_AGENT_H

#include <stdbool.h>
#include <stddef.h>

#include "tui/tui.h"

enum agent_phase {
    AGENT_CODE,     /* asking the agent for the code */
    AGENT_JOINING,  /* code sent, the relay has not answered yet */
    AGENT_WAITING,  /* join accepted by the relay: waiting for the official's consent */
    AGENT_ACCEPTED, /* accepted: the first snapshot is on its way */
    AGENT_LIVE,     /* the official's screen, drawn from the replica */
    AGENT_REFUSED,  /* the official said no */
    AGENT_ENDED,    /* the official ended the session */
    AGENT_FAILED,   /* the helper failed or died; the note says why */
};

/* The agent's own screens (screens/agent_code.c): the code prompt, and the texts shown
 * before the official's screen arrives or after the session. */
struct share_agent_screens {
    const struct screen *code, *status;
    /* With control: a key the agent may not use on the official's screens (true, and why
     * in French); such a key is not proposed. NULL: none. */
    bool (*refuse_key)(const struct app *app, int type, wint_t ch, char *why, size_t len);
};

struct assist_request {
    const char *relay_url;
    const char *token; /* sent on the pipe only */
    const char *code;  /* normalized, or NULL: the agent types it */
    bool color;
};

/* Runs the agent's wizard until the agent leaves or the session ends. The exit status;
 * on failure a French message in err (the terminal already restored). */
int share_agent_run(const struct screen_table *table, const struct share_agent_screens *own,
                    const struct assist_request *rq, char *err, size_t errlen);

/* ---- for the agent's screens ---- */
enum agent_phase share_agent_phase(const struct app *app);
/* What the agent is told now ("" when nothing); *error: said as a problem. */
const char *share_agent_note(const struct app *app, bool *error);
/* How the relay announced the agent to the official (« Nom (Organisme) »), "" if unknown. */
const char *share_agent_announced(const struct app *app);
/* The code the agent typed last (kept when the relay refused it, to be corrected). */
const char *share_agent_typed(const struct app *app);
/* The agent typed a code: sends it when it reads as one (true); otherwise false and err
 * says what is wrong, the relay not contacted. */
bool share_agent_join(struct app *app, const char *typed, char *err, size_t errlen);

/* ---- hooks for the app (app.c) ---- */
/* Called once the terminal is ready: watches the helper's pipe. */
void share_agent_start(struct app *app);
/* True while app_save_ui may write ui_state/ui_draft: only inside a proposal. */
bool share_agent_writes(const struct app *app);
/* The agent's own screen to show instead of the replica's (NULL: the replica's). */
const struct screen *share_agent_screen(const struct app *app);
/* True when the screen may follow the replica now (no proposal of ours unanswered). */
bool share_agent_follows(const struct app *app);
/* One key of the agent; true when the agent leaves. */
bool share_agent_key(struct app *app, int type, wint_t ch);
/* After the screen drew (the agent's table's overlay): the agent's line at the bottom. */
void share_agent_overlay(struct app *app);

#endif
