/* The official's side of a shared session: the helper difelus-partage started on demand,
 * its frames handled in the event loop (docs/share-protocol.md §4), share_state and
 * share_log kept in step, the changes of the personal database sent to the admitted agent
 * after every loop turn, the banner on the title row and the prompt over every screen. */
#include "tui/share.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "difelus/share_link.h"
#include "difelus/text.h"
#include "difelus/trace.h"
#include "tui/app.h"

/* One wizard per process, one session at a time: the helper is a resource of this
 * process, like an open file; share_state says what the screens show. */
static struct share_link helper;
static bool running;           /* helper holds a live helper */
static struct share_state cur; /* as written in share_state */
static long long seen_version; /* PRAGMA data_version when the agent last got everything */
static long shown_minutes = -1;
static WINDOW *prompt_win;

/* Consent must not be given by a key typed for the screen below (finding 6): keys within
 * ASK_QUIET_MS of the question appearing are not answers; after the official refused
 * control, new requests for it are refused without asking for CONTROL_QUIET_MS. */
#define ASK_QUIET_MS 1000
#define CONTROL_QUIET_MS 30000
static struct timespec asked_at;     /* CLOCK_MONOTONIC, when the question appeared */
static bool asked_quiet;             /* the question is still in its quiet second */
static struct timespec control_refused_at;
static bool control_refused;

/* An agent must not keep the loop busy (finding 8): frames per loop turn, and snapshots at
 * most one per turn and per SNAPSHOT_MIN_MS; a request beyond that is served later. */
#define FRAMES_PER_TURN 16
#define SNAPSHOT_MIN_MS 1000
static bool frames_left;      /* the last turn stopped with frames maybe still waiting */
static bool snapshot_wanted;  /* a snapshot is owed to the agent */
static bool snapshot_sent_this_turn;
static struct timespec snapshot_at;
static bool snapshot_ever;

static long ms_since(const struct timespec *t0)
{
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return (long)(now.tv_sec - t0->tv_sec) * 1000 + (now.tv_nsec - t0->tv_nsec) / 1000000;
}

bool share_official_active(void)
{
    return cur.phase != SHARE_NONE;
}

const char *share_official_relay(void)
{
    return share_relay_url();
}

static bool admitted(void)
{
    return cur.phase == SHARE_VIEW || cur.phase == SHARE_CONTROL_ASKED ||
           cur.phase == SHARE_CONTROL;
}

time_t share_parse_utc(const char *iso)
{
    struct tm tm;
    memset(&tm, 0, sizeof tm);
    const char *end = iso[0] ? strptime(iso, "%Y-%m-%dT%H:%M:%SZ", &tm) : NULL;
    return end && !*end ? timegm(&tm) : (time_t)-1;
}

long share_seconds_left(const struct share_state *s)
{
    if (s->phase != SHARE_WAITING)
        return 0;
    time_t at = share_parse_utc(s->expires_at);
    time_t now = time(NULL);
    return at == (time_t)-1 || at <= now ? 0 : (long)(at - now);
}

/* The banner on every screen's title row: who is connected and in which mode, and the keys
 * (tui_banner_set), from share_state as the database has it. The screen's title keeps at
 * least TITLE_MIN_COLS columns (the agent must see which screen the official is on): the
 * banner gets the rest, the name cut first; the organisation is on the question and on the
 * assistance screen only. */
#define TITLE_MIN_COLS 30
static bool update_banner(struct app *app)
{
    if (app->agent)
        return false; /* the agent's side has its own banner (share_agent.c) */
    struct share_state st;
    if (store_share_get(app->st, &st) != 0)
        return false;
    const struct share_state *s = &st;
    char text[4096], code[SHARE_CODE_LEN + 2];
    int room = COLS - 2 - 2 - TITLE_MIN_COLS; /* "  " between title and banner */
    switch (s->phase) {
    case SHARE_NONE:
        return tui_banner_set(NULL);
    case SHARE_OPENING:
        text_msgf(text, sizeof text, "Partage : %s · F4",
                  s->connection_lost ? "relais injoignable, nouvelle tentative…"
                                     : "demande d'un code…");
        break;
    case SHARE_WAITING:
        share_code_format(s->code, code);
        text_msgf(text, sizeof text, "Partage : code %s · F4", code);
        break;
    default: {
        /* Wordings longest first, one per line: the title bar shows the first that fits
         * beside the screen's title (tui_banner_set). */
        const char *mode = s->phase == SHARE_ASKED           ? "demande à voir"
                           : s->phase == SHARE_CONTROL       ? "contrôle"
                           : s->phase == SHARE_CONTROL_ASKED ? "demande le contrôle"
                                                             : "lecture seule";
        bool control = s->phase == SHARE_CONTROL;
        const char *keys_long = control ? " · F3 reprendre, F4 arrêter" : " · F4 arrêter";
        const char *keys = control ? " · F3 F4" : " · F4";
        if (s->connection_lost)
            mode = "connexion perdue, nouvelle tentative…";
        char clipped[512];
        text_clip(clipped, sizeof clipped, s->agent_name, 14);
        text_msgf(text, sizeof text,
                  "Partage : %s (%s) — %s%s\nPartage : %s — %s%s\nPartage : %s — %s%s\n"
                  "Partage : %s — %s%s\nPartage : %s%s",
                  s->agent_name, s->agent_org, mode, keys_long, s->agent_name, mode, keys_long,
                  s->agent_name, mode, keys, clipped, mode, keys, mode, keys);
        return tui_banner_set(text);
    }
    }
    char fit[1024];
    text_clip(fit, sizeof fit, text, room > 8 ? room : 8);
    return tui_banner_set(fit);
}

/* Writes the session's state (the screens read it back) and the banner. */
static void set_state(struct app *app, const struct share_state *s)
{
    bool was_asking = cur.phase == SHARE_ASKED || cur.phase == SHARE_CONTROL_ASKED;
    bool asking = s->phase == SHARE_ASKED || s->phase == SHARE_CONTROL_ASKED;
    if (asking && !was_asking) {
        /* What was typed for the screen below is not an answer. */
        flushinp();
        clock_gettime(CLOCK_MONOTONIC, &asked_at);
        asked_quiet = true;
    }
    cur = *s;
    if (store_share_set(app->st, &cur) != 0)
        app_flash(app, true, "%s", store_error(app->st));
    update_banner(app);
    shown_minutes = -1;
}

static void log_event(struct app *app, const char *event, const char *detail)
{
    if (store_share_log_add(app->st, event, cur.agent_name, cur.agent_org, detail ? detail : "") !=
        0)
        app_flash(app, true, "%s", store_error(app->st));
}

/* A helper told `fin`: it tells the relay, then exits; its pipe is watched until then so
 * that the screen never waits for the network. */
static struct share_link closing;
static bool closing_live;

static void finish_closing(struct app *app)
{
    if (!closing_live)
        return;
    app_unwatch_fd(app, closing.fd);
    share_link_stop_later(&closing); /* never waits: reaped on a later loop turn */
    closing_live = false;
}

static void closing_ready(struct app *app, int fd, short revents, void *data)
{
    (void)fd;
    (void)revents;
    (void)data;
    struct share_frame f;
    int r;
    while ((r = share_link_next(&closing, &f)) == 1)
        ; /* the session is over: what it still says is moot */
    if (r < 0)
        finish_closing(app); /* it has exited: reaped at once */
}

/* Stops the helper; `tell`: the relay is asked to end the session first (fin). */
static void stop_helper(struct app *app, bool tell)
{
    if (!running)
        return;
    app_unwatch_fd(app, helper.fd);
    store_share_record_stop(app->st);
    running = false;
    if (tell && !helper.dead && share_link_send(&helper, "fin", 0, NULL, 0) == 0) {
        finish_closing(app); /* one at a time */
        closing = helper;
        memset(&helper, 0, sizeof helper);
        helper.fd = -1;
        closing_live = true;
        if (!app_watch_fd(app, closing.fd, closing_ready, NULL))
            finish_closing(app);
        return;
    }
    share_link_stop_later(&helper);
}

/* The session is over: phase aucun with the note saying why; logged as `event`. */
static void close_session(struct app *app, bool tell, const char *event, const char *detail,
                          const char *note)
{
    stop_helper(app, tell);
    snapshot_wanted = frames_left = control_refused = asked_quiet = false;
    if (event)
        log_event(app, event, detail);
    struct share_state s = cur;
    s.phase = SHARE_NONE;
    s.code[0] = s.expires_at[0] = '\0';
    s.connection_lost = false;
    s.owner_pid = 0;
    text_msgf(s.note, sizeof s.note, "%s", note);
    set_state(app, &s);
}

static void helper_gone(struct app *app, const char *why)
{
    char note[1024];
    text_msgf(note, sizeof note, "Le partage s'est arrêté : %s", why);
    close_session(app, false, "interrompu", why, note);
    app_flash(app, true, "%s", note);
}

/* Sends one frame; false when the helper is gone (then the session is closed). */
static bool send_frame(struct app *app, const char *type, const void *data, size_t len)
{
    if (!running)
        return false;
    if (share_link_send(&helper, type, 0, data, len) == 0)
        return true;
    helper_gone(app, helper.err[0] ? helper.err : "le programme de partage ne répond plus.");
    return false;
}

/* The whole database to the agent, in frames of at most 1 MiB. What was recorded before is
 * in it: the recording starts again from here. */
static void send_snapshot_now(struct app *app)
{
    snapshot_wanted = false;
    snapshot_sent_this_turn = true;
    snapshot_ever = true;
    clock_gettime(CLOCK_MONOTONIC, &snapshot_at);
    void *buf = NULL, *changes = NULL;
    size_t len = 0, changes_len = 0;
    if (store_share_take(app->st, &changes, &changes_len) == 0)
        free(changes);
    seen_version = store_data_version(app->st);
    if (store_snapshot(app->st, &buf, &len) != 0) {
        app_flash(app, true, "%s", store_error(app->st));
        return;
    }
    const unsigned char *p = buf;
    bool ok = true;
    while (ok && len > SHARE_FRAME_MAX) {
        ok = send_frame(app, "instantane-partie", p, SHARE_FRAME_MAX);
        p += SHARE_FRAME_MAX;
        len -= SHARE_FRAME_MAX;
    }
    if (ok)
        send_frame(app, "instantane", p, len);
    free(buf);
}

/* A snapshot at once when this turn and the last second had none, else owed: served by
 * share_official_after_event as soon as allowed. */
static void send_snapshot(struct app *app)
{
    if (!snapshot_sent_this_turn && (!snapshot_ever || ms_since(&snapshot_at) >= SNAPSHOT_MIN_MS))
        send_snapshot_now(app);
    else
        snapshot_wanted = true;
}

/* The text of a frame's payload, control characters removed (it comes from the network). */
static void payload_text(const struct share_frame *f, char *out, size_t outlen)
{
    char raw[1024];
    size_t n = f->len < sizeof raw - 1 ? f->len : sizeof raw - 1;
    memcpy(raw, f->data, n);
    raw[n] = '\0';
    text_sanitize(out, outlen, raw);
}

/* A name from the network: escape sequences dropped whole (an "ESC [2J" must not leave
 * "[2J" on the question), then every other control character (text_sanitize). */
static void json_text(json_t *root, const char *key, char *out, size_t outlen)
{
    const char *v = json_string_value(json_object_get(root, key));
    char raw[1024];
    size_t n = 0;
    for (const char *p = v ? v : ""; *p && n + 1 < sizeof raw; p++) {
        if (*p == '\033') {
            if (p[1] == '[') { /* CSI: parameters, then one final byte 0x40-0x7e */
                p += 2;
                while (*p && !(*p >= 0x40 && *p <= 0x7e))
                    p++;
            } else if (p[1]) {
                p++; /* a two-byte escape */
            }
            if (!*p)
                break;
            continue;
        }
        raw[n++] = *p;
    }
    raw[n] = '\0';
    text_sanitize(out, outlen, raw);
}

static void on_open(struct app *app, const struct share_frame *f)
{
    json_t *root = json_loadb((const char *)f->data, f->len, 0, NULL);
    const char *code = json_string_value(json_object_get(root, "code"));
    json_int_t expire = json_integer_value(json_object_get(root, "expire"));
    char normal[SHARE_CODE_LEN + 1];
    if (!code || !share_code_parse(code, normal) || expire <= 0) {
        json_decref(root);
        helper_gone(app, "le relais a donné un code illisible.");
        return;
    }
    json_decref(root);
    struct share_state s = cur;
    s.phase = SHARE_WAITING;
    snprintf(s.code, sizeof s.code, "%s", normal);
    time_t at = time(NULL) + (time_t)(expire > SHARE_CODE_SECONDS ? SHARE_CODE_SECONDS : expire);
    struct tm tm;
    gmtime_r(&at, &tm);
    strftime(s.expires_at, sizeof s.expires_at, "%Y-%m-%dT%H:%M:%SZ", &tm);
    s.connection_lost = false;
    s.note[0] = '\0';
    set_state(app, &s);
    log_event(app, "ouverture", "");
}

static void on_request(struct app *app, const struct share_frame *f)
{
    if (cur.phase != SHARE_WAITING)
        return; /* one agent per session: the relay lets only one join */
    json_t *root = json_loadb((const char *)f->data, f->len, 0, NULL);
    struct share_state s = cur;
    json_text(root, "agent", s.agent_id, sizeof s.agent_id);
    json_text(root, "nom", s.agent_name, sizeof s.agent_name);
    json_text(root, "organisme", s.agent_org, sizeof s.agent_org);
    json_decref(root);
    if (!s.agent_name[0])
        snprintf(s.agent_name, sizeof s.agent_name, "Agent sans nom");
    if (!s.agent_org[0])
        snprintf(s.agent_org, sizeof s.agent_org, "organisme inconnu");
    s.phase = SHARE_ASKED;
    s.code[0] = s.expires_at[0] = '\0'; /* used: the relay takes it only once */
    set_state(app, &s);
    log_event(app, "demande", "");
}

static void on_proposal(struct app *app, const struct share_frame *f)
{
    /* "<number>\n<changeset>" (share_proposal_split: the helper's own rules) */
    unsigned long long n = 0;
    const void *cs = NULL;
    size_t cs_len = 0;
    bool well_formed = share_proposal_split(f->data, f->len, &n, &cs, &cs_len);
    char number[24];
    snprintf(number, sizeof number, "%llu", well_formed ? n : 0ULL);
    char reason[768] = "", answer[1024];
    if (!well_formed)
        snprintf(reason, sizeof reason, "proposition illisible.");
    else if (cur.phase != SHARE_CONTROL)
        snprintf(reason, sizeof reason, "vous n'avez pas le contrôle.");
    else {
        if (store_share_apply_proposal(app->st, n, cs, cs_len) != 0) {
            text_sanitize(reason, sizeof reason, store_error(app->st));
            if (!reason[0])
                snprintf(reason, sizeof reason, "modification impossible.");
        }
    }
    if (!reason[0]) {
        snprintf(answer, sizeof answer, "%s ok", number);
        send_frame(app, "resultat", answer, strlen(answer));
        return;
    }
    snprintf(answer, sizeof answer, "%s refus %s", number, reason);
    log_event(app, "proposition-refusee", reason);
    if (!send_frame(app, "resultat", answer, strlen(answer)))
        return;
    char name[128];
    text_clip(name, sizeof name, cur.agent_name, 40);
    app_flash(app, true, "Modification de %s refusée, rien n'a changé : %s", name, reason);
}

static void on_frame(struct app *app, const struct share_frame *f)
{
    const char *t = f->type;
    char text[1024], note[1200];
    if (strcmp(t, "ouvert") == 0) {
        on_open(app, f);
    } else if (strcmp(t, "demande") == 0) {
        on_request(app, f);
    } else if (strcmp(t, "demande-controle") == 0) {
        if (cur.phase != SHARE_VIEW)
            return;
        if (control_refused && ms_since(&control_refused_at) < CONTROL_QUIET_MS) {
            /* Asked again right after a refusal: refused without reopening the question. */
            if (send_frame(app, "controle-refuse", NULL, 0))
                log_event(app, "controle-refuse", "automatique : demande répétée");
            return;
        }
        struct share_state s = cur;
        s.phase = SHARE_CONTROL_ASKED;
        set_state(app, &s);
        log_event(app, "controle-demande", "");
    } else if (strcmp(t, "proposition") == 0) {
        on_proposal(app, f);
    } else if (strcmp(t, "besoin-instantane") == 0) {
        if (admitted())
            send_snapshot(app);
    } else if (strcmp(t, "depart") == 0) {
        char name[128];
        text_clip(name, sizeof name, cur.agent_name, 60);
        text_msgf(note, sizeof note, "%s a quitté le partage.", name[0] ? name : "L'agent");
        close_session(app, true, "depart", "", note);
        app_flash(app, false, "%s", note);
    } else if (strcmp(t, "connexion") == 0) {
        struct share_state s = cur;
        bool was_lost = s.connection_lost;
        s.connection_lost = f->len >= 6 && memcmp(f->data, "perdue", 6) == 0;
        set_state(app, &s);
        /* The banner alone changing back is easy to miss (walkthrough 23). */
        if (was_lost && !s.connection_lost && s.phase != SHARE_NONE)
            app_flash(app, false, "Connexion au relais rétablie : le partage continue.");
    } else if (strcmp(t, "fin") == 0) {
        /* The relay ended the session (a helper's extension of §4). */
        close_session(app, false, "fin", "par le relais",
                      "Le relais du support a mis fin au partage.");
        app_flash(app, false, "Le relais du support a mis fin au partage.");
    } else if (strcmp(t, "erreur-envoi") == 0) {
        /* "<type> <code> <French text>": one frame refused for good, not fatal (a helper's
         * extension of §4). The agent missed a change: it gets the whole again. */
        payload_text(f, text, sizeof text);
        const char *words = text;
        for (int skip = 0; skip < 2 && strchr(words, ' '); skip++)
            words = strchr(words, ' ') + 1;
        app_flash(app, true, "Le relais n'a pas transmis un envoi au support : %s", words);
        if (strncmp(text, "changement ", 11) == 0 && admitted())
            send_snapshot(app);
    } else if (strcmp(t, "erreur") == 0) {
        payload_text(f, text, sizeof text);
        helper_gone(app, text[0] ? text : "erreur du programme de partage.");
    }
    /* Anything else is for the agent's side: ignored. */
}

static void link_ready(struct app *app, int fd, short revents, void *data)
{
    (void)fd;
    (void)revents;
    (void)data;
    struct share_frame f;
    int r = 0, handled = 0;
    while (running && handled < FRAMES_PER_TURN && (r = share_link_next(&helper, &f)) == 1) {
        on_frame(app, &f);
        handled++;
    }
    /* The rest waits for the next turn: the keyboard (F4) is read in between. */
    frames_left = running && r == 1;
    if (running && r < 0)
        helper_gone(app, helper.err[0] ? helper.err : "le programme de partage s'est arrêté.");
}

bool share_official_start(struct app *app)
{
    if (running)
        return true;
    finish_closing(app); /* its frames must not mix with the new helper's */
    char err[1024];
    struct share_state s;
    memset(&s, 0, sizeof s);
    if (share_link_start(&helper, "officiel", share_relay_url(), err, sizeof err) != 0) {
        text_msgf(s.note, sizeof s.note, "Le partage n'a pas pu commencer : %s", err);
        set_state(app, &s);
        app_flash(app, true, "%s", s.note);
        return false;
    }
    running = true;
    if (!app_watch_fd(app, helper.fd, link_ready, NULL)) {
        share_link_stop_later(&helper);
        running = false;
        text_msgf(s.note, sizeof s.note, "Le partage n'a pas pu commencer : trop de programmes "
                                         "en cours.");
        set_state(app, &s);
        app_flash(app, true, "%s", s.note);
        return false;
    }
    s.phase = SHARE_OPENING;
    /* Another difelus started on this database meanwhile leaves the share alone while
     * this process lives (store_share_reset_stale). */
    s.owner_pid = (long long)getpid();
    set_state(app, &s);
    return true;
}

void share_official_end(struct app *app)
{
    if (cur.phase == SHARE_NONE)
        return;
    close_session(app, true, "fin", "", "Vous avez arrêté le partage.");
    app_flash(app, false, "Partage arrêté : le support ne voit plus votre écran.");
}

static void answer_view(struct app *app, bool yes)
{
    char name[128];
    text_clip(name, sizeof name, cur.agent_name, 60);
    if (!yes) {
        send_frame(app, "refuse", NULL, 0);
        char note[512];
        text_msgf(note, sizeof note, "Vous avez refusé la demande de %s.", name);
        close_session(app, true, "refuse", "", note);
        app_flash(app, false, "%s", note);
        return;
    }
    if (!send_frame(app, "accepte", NULL, 0))
        return;
    struct share_state s = cur;
    s.phase = SHARE_VIEW;
    set_state(app, &s);
    log_event(app, "accepte", "");
    if (store_share_record_start(app->st) != 0)
        app_flash(app, true, "%s", store_error(app->st));
    send_snapshot(app);
    if (running)
        app_flash(app, false, "%s voit votre écran (lecture seule). F4 : arrêter le partage.",
                  name);
}

static void answer_control(struct app *app, bool yes)
{
    if (!send_frame(app, yes ? "controle-accorde" : "controle-refuse", NULL, 0))
        return;
    struct share_state s = cur;
    s.phase = yes ? SHARE_CONTROL : SHARE_VIEW;
    control_refused = !yes;
    if (!yes)
        clock_gettime(CLOCK_MONOTONIC, &control_refused_at);
    set_state(app, &s);
    log_event(app, yes ? "controle-accorde" : "controle-refuse", "");
    if (yes)
        app_flash(app, false, "Le support a le contrôle. F3 : le reprendre ; F4 : arrêter le "
                              "partage.");
    else
        app_flash(app, false, "Contrôle refusé : le support voit votre écran sans rien "
                              "pouvoir changer.");
}

void share_official_take_back(struct app *app)
{
    if (cur.phase == SHARE_CONTROL_ASKED) {
        answer_control(app, false);
        return;
    }
    if (cur.phase != SHARE_CONTROL) {
        app_flash(app, false, cur.phase == SHARE_NONE
                                  ? "F3 reprend le contrôle pendant un partage d'écran ; aucun "
                                    "partage n'est en cours."
                                  : "Le support n'a pas le contrôle : vous l'avez déjà.");
        return;
    }
    if (!send_frame(app, "controle-retire", NULL, 0))
        return;
    struct share_state s = cur;
    s.phase = SHARE_VIEW;
    set_state(app, &s);
    log_event(app, "controle-retire", "");
    app_flash(app, false, "Vous avez repris le contrôle : le support voit votre écran sans rien "
                          "pouvoir changer.");
}

enum key_result share_official_key(struct app *app, int type, wint_t ch)
{
    bool fkey = type == KEY_CODE_YES;
    if (fkey && ch == KEY_F(4)) {
        if (cur.phase == SHARE_NONE) {
            app_flash(app, false, "F4 arrête un partage d'écran ; aucun partage n'est en cours. "
                                  "a ou F2 : l'assistance.");
            return KR_HANDLED;
        }
        share_official_end(app);
        return KR_HANDLED;
    }
    if (fkey && ch == KEY_F(3)) {
        share_official_take_back(app);
        return KR_HANDLED;
    }
    if (cur.phase != SHARE_ASKED && cur.phase != SHARE_CONTROL_ASKED)
        return KR_UNHANDLED;
    /* A question is open over the screen: only its answer, F4 and F10. */
    if (fkey && ch == KEY_F(10))
        return KR_QUIT;
    if (fkey && ch == KEY_RESIZE)
        return KR_HANDLED;
    /* An official typing a word when the question arrives must not answer it with the
     * word's next « o » or « n » (walkthrough): o and n count only after a second without
     * any key; every other key starts that second again. */
    if (asked_quiet && ms_since(&asked_at) < ASK_QUIET_MS) {
        clock_gettime(CLOCK_MONOTONIC, &asked_at);
        app_flash(app, true, "Touche ignorée : lisez la question, puis répondez : o oui, "
                             "n non.");
        return KR_HANDLED;
    }
    if (!fkey && (ch == 'o' || ch == 'O' || ch == 'n' || ch == 'N')) {
        bool yes = ch == 'o' || ch == 'O';
        if (cur.phase == SHARE_ASKED)
            answer_view(app, yes);
        else
            answer_control(app, yes);
        return KR_HANDLED;
    }
    clock_gettime(CLOCK_MONOTONIC, &asked_at);
    asked_quiet = true;
    app_flash(app, true, "Répondez d'abord au support : o pour accepter, n pour refuser "
                         "(F4 arrête le partage).");
    return KR_HANDLED;
}

/* One row of the question's paragraphs (tui_wrap_each), into its window. */
struct prompt_rows {
    int y;
    attr_t attr;
};

static void prompt_row(void *ctx, int row, const char *line)
{
    const struct prompt_rows *at = ctx;
    wattron(prompt_win, at->attr);
    mvwaddstr(prompt_win, at->y + row, 2, line);
    wattroff(prompt_win, at->attr);
}

/* The question over the screen: a window of its own, so that taking it away gives back
 * the screen untouched (forms included). */
void share_official_overlay(struct app *app)
{
    (void)app;
    bool asking = cur.phase == SHARE_ASKED || cur.phase == SHARE_CONTROL_ASKED;
    if (!asking) {
        if (prompt_win) {
            delwin(prompt_win);
            prompt_win = NULL;
            leaveok(stdscr, FALSE);
            touchwin(stdscr);
        }
        return;
    }
    char who[1200], what[1200];
    text_msgf(who, sizeof who, "%s (%s)", cur.agent_name, cur.agent_org);
    if (cur.phase == SHARE_ASKED)
        text_msgf(what, sizeof what, "demande à voir votre écran, pour vous aider : le support "
                                     "verra ce que vous voyez, sans pouvoir rien changer.");
    else
        text_msgf(what, sizeof what, "demande le contrôle, pour cocher et remplir à votre "
                                     "place, sous vos yeux. Vous le reprenez quand vous voulez "
                                     "avec F3.");
    int w = COLS - 8 < 72 ? COLS - 8 : 72;
    if (w < 20)
        w = COLS;
    int inner = w - 4;
    int who_rows = text_wrap_count(who, inner);
    if (who_rows > 5)
        who_rows = 5;
    int what_rows = text_wrap_count(what, inner);
    int h = 2 + who_rows + what_rows + 2;
    if (h > LINES)
        h = LINES;
    int y = (LINES - h) / 2, x = (COLS - w) / 2;
    if (prompt_win) {
        int cur_h, cur_w;
        getmaxyx(prompt_win, cur_h, cur_w);
        if (cur_h != h || cur_w != w) {
            delwin(prompt_win);
            prompt_win = NULL;
        }
    }
    if (!prompt_win)
        prompt_win = newwin(h, w, y, x);
    else
        mvwin(prompt_win, y, x);
    if (!prompt_win)
        return;
    /* The screen's key line would list keys the question refuses (walkthrough 8): while
     * it is open, the last row says what works. */
    attr_t keys_attr = tui_attr(TC_TITLE);
    attron(keys_attr);
    mvhline(LINES - 1, 0, ' ', COLS);
    attroff(keys_attr);
    tui_print(LINES - 1, 1, COLS - 2, keys_attr,
              asked_quiet ? "Lisez la question, puis répondez : o oui, n non"
                          : "o accepter  n refuser  F4 arrêter le partage  F10 quitter");
    /* The screen's own cursor must not win over the question's (screen readers). */
    wnoutrefresh(stdscr);
    leaveok(stdscr, TRUE);
    werase(prompt_win);
    attr_t a = tui_attr(TC_WARNING);
    wattron(prompt_win, a);
    box(prompt_win, 0, 0);
    wattroff(prompt_win, a);
    mvwaddstr(prompt_win, 0, 2, cur.phase == SHARE_ASKED ? " DEMANDE DU SUPPORT "
                                                         : " DEMANDE DE CONTRÔLE ");
    char line[1024];
    struct prompt_rows at = {1, A_BOLD};
    at.y += tui_wrap_each(who, inner, who_rows, prompt_row, &at);
    at.attr = 0;
    if (h - 2 - at.y > 0)
        tui_wrap_each(what, inner, h - 2 - at.y, prompt_row, &at);
    if (asked_quiet)
        text_msgf(line, sizeof line, "Lisez la question, puis répondez : o oui, n non");
    else
        text_msgf(line, sizeof line, "o : accepter    n : refuser    F4 : arrêter le partage");
    mvwaddstr(prompt_win, h - 2, 2, line);
    wmove(prompt_win, h - 2, 2);
    wnoutrefresh(prompt_win);
}

bool share_official_after_event(struct app *app, bool handled)
{
    bool redraw = false;
    snapshot_sent_this_turn = false;
    share_link_reap_pending(0);
    if (frames_left && running) {
        link_ready(app, helper.fd, 0, NULL);
        if (app->screen->load)
            app->screen->load(app); /* what they changed, as a helper's frames do */
        redraw = true;
    }
    if (asked_quiet && ms_since(&asked_at) >= ASK_QUIET_MS) {
        asked_quiet = false; /* the answer's keys appear */
        redraw = true;
    }
    /* From the database each turn (another difelus may run the share), at the terminal's
     * current width. */
    if (update_banner(app))
        redraw = true;
    if (cur.phase == SHARE_WAITING) {
        long left = share_seconds_left(&cur);
        if (left <= 0) {
            close_session(app, true, "expire", "",
                          "Le code a expiré sans que le support l'utilise. Entrée : demander "
                          "un nouveau code.");
            app_flash(app, false, "Le code de partage a expiré.");
            if (app->screen->load)
                app->screen->load(app);
            return true;
        }
        long minutes = (left + 59) / 60;
        if (minutes != shown_minutes) {
            shown_minutes = minutes;
            redraw = true;
        }
    }
    if (!running || !admitted())
        return redraw;
    if (snapshot_wanted) {
        /* What changed since is in it: nothing is sent before it. */
        if (!snapshot_sent_this_turn && ms_since(&snapshot_at) >= SNAPSHOT_MIN_MS)
            send_snapshot_now(app);
        return redraw;
    }
    long long dv = store_data_version(app->st);
    if (dv != seen_version) {
        /* Another process wrote: this connection's recording did not see it. */
        send_snapshot(app);
        return redraw;
    }
    if (!handled)
        return redraw;
    void *buf = NULL;
    size_t len = 0;
    if (store_share_take(app->st, &buf, &len) != 0) {
        app_flash(app, true, "%s", store_error(app->st));
        send_snapshot(app); /* what was lost: the agent starts again from the whole */
        return true;
    }
    if (buf && len) {
        trace_note("commit", buf, len); /* make bench: bench_share */
        send_frame(app, "changement", buf, len);
    }
    free(buf);
    return redraw || !running;
}

void share_official_release(struct app *app)
{
    if (cur.phase != SHARE_NONE)
        close_session(app, true, "fin", "fermeture de difelus",
                      "Le partage s'est arrêté quand vous avez quitté difelus.");
    stop_helper(app, true);
    finish_closing(app);
    share_link_reap_pending(2500); /* at exit a bounded wait is fine */
    if (prompt_win) {
        delwin(prompt_win);
        prompt_win = NULL;
    }
}
