/* The support agent's side of a shared session: difelus-partage started in agent mode, the
 * frames it passes read in the event loop, the replica in memory that the official's
 * screens are drawn from by the same screen code, and the agent's keys: in view mode they
 * change nothing anywhere; with control they run the ordinary handlers inside a proposal
 * that goes to the official and is rolled back here (docs/share-protocol.md §4, §5). */
#include "tui/share_agent.h"

#include <errno.h>
#include <jansson.h>
#include <stdarg.h>
#include <inttypes.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "difelus/paths.h"
#include "difelus/share.h"
#include "difelus/share_link.h"
#include "difelus/text.h"
#include "difelus/trace.h"
#include "tui/app.h"
#include "tui/share.h"

#define QUEUE_MAX 256
/* How long the echo of an accepted proposal is awaited before the next key goes anyway (a
 * proposal that changed nothing at the official's has no echo). */
#define ECHO_WAIT_MS 2000

struct queued_key {
    int type;
    wint_t ch;
};

struct share_agent {
    const struct share_agent_screens *own;
    struct share_link link;
    enum agent_phase phase;
    bool control;         /* the official granted control */
    bool connection_lost; /* the helper said the relay stopped answering */
    bool in_proposal;     /* app_save_ui may write (the savepoint is open) */
    bool asking_quit;     /* « quit anyway? » asked */
    char typed[64];       /* the code as the agent typed it */
    char announced[600];  /* « name (organisation) » as the official sees the request */
    char note[768];
    bool note_error;
    /* instantane-partie payloads, concatenated until the final instantane */
    unsigned char *parts;
    size_t parts_len;
    uint64_t next_proposal; /* the last number used (from 1) */
    /* One proposal at a time: the next key is handled on the replica once it shows the
     * previous one, so that keys keep their order and their effect (Ctrl-U then a date). */
    uint64_t awaiting;        /* the proposal sent and not yet on the replica (0: none) */
    bool echo_due;            /* its `resultat ok` came: the official's `changement` is next */
    long long echo_deadline;  /* monotonic ms: past it, the keys go on without the echo */
    struct queued_key queue[QUEUE_MAX]; /* keys typed meanwhile, in order */
    size_t queued;
    bool token_refused;       /* the relay refused the agent's token: nothing ever started */
    int code_refusals;        /* wrong codes in this process since the last lock */
    char warning[768];        /* said before the screen (the token file's rights) */
    char catalogue[4200]; /* the agent's own catalogue.db ("" when no data folder) */
};

static struct share_agent the_agent; /* one session per process, like the app */

static void banner_update(const struct share_agent *a);

static struct share_agent *agent_of(const struct app *app)
{
    return app->agent;
}

/* A note for the agent, typeset (non-breaking spaces before : ; ? !). */
static void say(struct share_agent *a, bool error, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void say(struct share_agent *a, bool error, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(a->note, sizeof a->note, fmt, ap);
    va_end(ap);
    text_typeset(a->note, sizeof a->note);
    a->note_error = error;
}

enum agent_phase share_agent_phase(const struct app *app)
{
    return agent_of(app)->phase;
}

const char *share_agent_note(const struct app *app, bool *error)
{
    if (error)
        *error = agent_of(app)->note_error;
    return agent_of(app)->note;
}

const char *share_agent_announced(const struct app *app)
{
    return agent_of(app)->announced;
}

const char *share_agent_warning(const struct app *app)
{
    return agent_of(app)->warning;
}

const char *share_agent_typed(const struct app *app)
{
    return agent_of(app)->typed;
}

bool share_agent_writes(const struct app *app)
{
    return agent_of(app)->in_proposal;
}

const struct screen *share_agent_screen(const struct app *app)
{
    const struct share_agent *a = agent_of(app);
    switch (a->phase) {
    case AGENT_LIVE:
        return NULL;
    case AGENT_CODE:
        return a->own->code;
    default:
        return a->own->status;
    }
}

bool share_agent_follows(const struct app *app)
{
    /* Keys typed while a proposal is on its way wait in the queue, not in the screen: the
     * screen may always show the official's state. */
    return !agent_of(app)->in_proposal;
}

static long long now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Forgets the keys not sent yet; what the agent is told about them ("" when none). */
static const char *drop_keys(struct share_agent *a, char *buf, size_t len)
{
    size_t n = a->queued;
    a->queued = 0;
    a->awaiting = 0;
    a->echo_due = false;
    buf[0] = '\0';
    if (n == 1)
        snprintf(buf, len, " La touche tapée ensuite n'a pas été envoyée.");
    else if (n > 1)
        snprintf(buf, len, " Les %zu touches tapées ensuite n'ont pas été envoyées.", n);
    return buf;
}

static void send_frame(struct app *app, const char *type, const void *data, size_t len)
{
    struct share_agent *a = agent_of(app);
    if (a->link.dead)
        return;
    if (share_link_send(&a->link, type, 0, data, len) != 0 && a->phase != AGENT_ENDED) {
        a->phase = AGENT_FAILED;
        say(a, true, "Le programme de connexion au relais s'est arrêté : %s",
            a->link.err[0] ? a->link.err : "le partage est interrompu.");
    }
}

/* Shows the agent's own screen for the new phase (the code prompt or the texts). */
static void show_own(struct app *app, enum agent_phase phase)
{
    struct share_agent *a = agent_of(app);
    a->phase = phase;
    const struct screen *s = share_agent_screen(app);
    if (s && app->screen != s)
        app_goto(app, s, 0);
}

bool share_agent_join(struct app *app, const char *typed, char *err, size_t errlen)
{
    struct share_agent *a = agent_of(app);
    char code[SHARE_CODE_LEN + 1];
    snprintf(a->typed, sizeof a->typed, "%s", typed);
    if (!share_code_parse(typed, code)) {
        char shown[96];
        text_clip(shown, sizeof shown, typed, 24);
        text_msgf(err, errlen, "« %s » n'est pas un code de partage : il a 8 lettres ou "
                               "chiffres, comme ABCD-EFGH (l'élu le lit sur son écran).",
                  shown);
        return false;
    }
    send_frame(app, "rejoindre", code, strlen(code));
    a->note[0] = '\0';
    show_own(app, AGENT_JOINING);
    return true;
}

/* ---- the helper's frames ---- */

/* `attente` carries {"agent","nom","organisme"}: what the official will read. */
static void announce(struct share_agent *a, const char *payload, size_t len)
{
    a->announced[0] = '\0';
    json_t *root = json_loadb(payload, len, 0, NULL);
    const char *name = json_string_value(json_object_get(root, "nom"));
    const char *org = json_string_value(json_object_get(root, "organisme"));
    if (name && name[0]) {
        char n[256], o[256];
        text_clip(n, sizeof n, name, 60);
        text_clip(o, sizeof o, org ? org : "", 60);
        snprintf(a->announced, sizeof a->announced, o[0] ? "%s (%s)" : "%s", n, o);
    }
    json_decref(root);
}

static void code_refused(struct app *app, const char *payload)
{
    struct share_agent *a = agent_of(app);
    char why[64] = "", detail[512];
    size_t n = strcspn(payload, " ");
    snprintf(why, sizeof why, "%.*s", (int)(n < sizeof why ? n : sizeof why - 1), payload);
    text_sanitize(detail, sizeof detail, payload[n] ? payload + n + 1 : "");
    if (strcmp(why, "code") == 0) {
        /* The relay locks a token for a minute after 5 wrong codes within 60 s (§3). */
        int left = 5 - ++a->code_refusals;
        if (left > 1)
            say(a, true, "Code refusé : ce n'est pas le code de l'élu. Encore %d essais avant "
                         "un blocage d'une minute.", left);
        else if (left == 1)
            say(a, true, "Code refusé : ce n'est pas le code de l'élu. Encore 1 essai avant "
                         "un blocage d'une minute.");
        else
            say(a, true, "Code refusé : ce n'est pas le code de l'élu. Le prochain essai sera "
                         "bloqué une minute : vérifiez le code avec l'élu.");
    }
    else if (strcmp(why, "code-expire") == 0)
        say(a, true, "Ce code a expiré ou a déjà servi : demandez à l'élu un nouveau code "
                     "(touche a de son assistant).");
    else if (strcmp(why, "verrouille") == 0) {
        a->code_refusals = 0;
        say(a, true, "Trop de codes faux : le relais bloque votre jeton pendant une minute. "
                     "Attendez une minute, puis tapez de nouveau le code.");
    } else if (strcmp(why, "jeton") == 0) {
        a->token_refused = true;
        say(a, true, "Le relais refuse votre jeton d'agent (inconnu ou révoqué) : demandez-en "
                     "un à l'administrateur du relais (difelus relais agent-ajouter).");
        show_own(app, AGENT_FAILED);
        return;
    } else
        say(a, true, "Code refusé : %s", detail[0] ? detail : "raison inconnue.");
    show_own(app, AGENT_CODE);
}

static void result(struct app *app, const char *payload)
{
    struct share_agent *a = agent_of(app);
    char *end;
    errno = 0;
    unsigned long long n = strtoull(payload, &end, 10);
    if (errno || end == payload || n == 0 || n != a->awaiting || a->echo_due)
        return; /* not ours, or answered already (replayed after a reconnection) */
    if (strncmp(end, " refus", 6) == 0) {
        /* The keys typed after it counted on it: they are not sent, and the agent is told. */
        char reason[512], dropped[160];
        text_sanitize(reason, sizeof reason, end[6] == ' ' ? end + 7 : "");
        drop_keys(a, dropped, sizeof dropped);
        say(a, true, "L'élu n'a pas pris votre modification : %s%s",
            reason[0] ? reason : "refusée.", dropped);
        return;
    }
    /* Accepted: the official's `changement` that follows shows it on the replica. */
    a->echo_due = true;
    a->echo_deadline = now_ms() + ECHO_WAIT_MS;
}

static void snapshot(struct app *app, const struct share_frame *f)
{
    struct share_agent *a = agent_of(app);
    const void *bytes = f->data;
    size_t len = f->len;
    if (a->parts_len) {
        unsigned char *all = realloc(a->parts, a->parts_len + f->len);
        if (!all) {
            free(a->parts);
            a->parts = NULL;
            a->parts_len = 0;
            send_frame(app, "besoin-instantane", NULL, 0);
            return;
        }
        memcpy(all + a->parts_len, f->data, f->len);
        a->parts = all;
        bytes = all;
        len = a->parts_len + f->len;
    }
    int rc = store_replica_reset(app->st, bytes, len);
    free(a->parts);
    a->parts = NULL;
    a->parts_len = 0;
    if (rc != 0) {
        say(a, true, "L'écran de l'élu n'a pas pu être lu ; nouvelle demande…");
        send_frame(app, "besoin-instantane", NULL, 0);
        return;
    }
    /* An accepted proposal is within the snapshot. */
    bool first = a->phase != AGENT_LIVE;
    if (a->echo_due) {
        a->awaiting = 0;
        a->echo_due = false;
    }
    a->phase = AGENT_LIVE;
    if (first)
        snprintf(a->note, sizeof a->note, "%s", a->warning); /* else said in the screen */
    app->ui.message[0] = '\0';
    app_resume_store(app);
}

static void part(struct app *app, const struct share_frame *f)
{
    struct share_agent *a = agent_of(app);
    unsigned char *more = realloc(a->parts, a->parts_len + f->len + 1);
    if (!more) {
        free(a->parts);
        a->parts = NULL;
        a->parts_len = 0;
        return; /* the final frame then fails to read: a new snapshot is asked */
    }
    memcpy(more + a->parts_len, f->data, f->len);
    a->parts = more;
    a->parts_len += f->len;
}

static void frame(struct app *app, const struct share_frame *f)
{
    struct share_agent *a = agent_of(app);
    const char *t = f->type;
    const char *payload = (const char *)f->data;
    if (a->parts_len && strcmp(t, "instantane-partie") != 0 && strcmp(t, "instantane") != 0) {
        /* Parts carry no identity: after a reconnection (connexion retablie) or any other
         * frame between them, what is kept belongs to an image that will not be finished;
         * the next image must not be added to it. */
        free(a->parts);
        a->parts = NULL;
        a->parts_len = 0;
    }
    if (strcmp(t, "attente") == 0) {
        a->note[0] = '\0';
        announce(a, payload, f->len);
        if (a->phase == AGENT_JOINING || a->phase == AGENT_CODE)
            show_own(app, AGENT_WAITING);
    } else if (strcmp(t, "code-refuse") == 0) {
        code_refused(app, payload);
    } else if (strcmp(t, "accepte") == 0) {
        if (a->phase != AGENT_LIVE)
            show_own(app, AGENT_ACCEPTED);
    } else if (strcmp(t, "refuse") == 0) {
        say(a, true, "L'élu a refusé le partage.");
        show_own(app, AGENT_REFUSED);
    } else if (strcmp(t, "instantane-partie") == 0) {
        part(app, f);
    } else if (strcmp(t, "instantane") == 0) {
        snapshot(app, f);
    } else if (strcmp(t, "changement") == 0) {
        /* Before the official's screen arrives (or after the end) a change has no base. */
        if (a->phase == AGENT_LIVE) {
            if (store_replica_apply(app->st, f->data, f->len) != 0) {
                send_frame(app, "besoin-instantane", NULL, 0);
            } else {
                trace_defer("redraw", f->data, f->len); /* make bench: once drawn */
                if (a->echo_due) { /* the official's echo of our accepted proposal */
                    a->awaiting = 0;
                    a->echo_due = false;
                }
            }
        }
    } else if (strcmp(t, "controle-accorde") == 0) {
        a->control = true;
        say(a, false, "L'élu vous a donné le contrôle : vos touches agissent sur son écran.");
    } else if (strcmp(t, "controle-refuse") == 0) {
        say(a, true, "L'élu a refusé de vous donner le contrôle.");
    } else if (strcmp(t, "controle-retire") == 0) {
        a->control = false;
        /* Answers may never come for what was sent: the screen follows the official's
         * again (a late answer is ignored). */
        char dropped[160];
        drop_keys(a, dropped, sizeof dropped);
        say(a, false, "L'élu a repris le contrôle : vous voyez son écran, en lecture seule.%s",
            dropped);
    } else if (strcmp(t, "resultat") == 0) {
        result(app, payload);
    } else if (strcmp(t, "fin") == 0) {
        if (a->phase == AGENT_REFUSED || a->phase == AGENT_FAILED)
            return; /* the end already said, with its reason */
        a->control = false;
        char dropped[160];
        drop_keys(a, dropped, sizeof dropped);
        /* The relay gives the reason the official's side ended with (§3): `arret` when
         * the official's program stopped without ending the share itself. */
        if (f->len >= 5 && strncmp(payload, "arret", 5) == 0)
            say(a, false, "Le programme de l'élu s'est arrêté : le partage est terminé.%s",
                dropped);
        else
            say(a, false, "L'élu a terminé le partage.%s", dropped);
        show_own(app, AGENT_ENDED);
    } else if (strcmp(t, "connexion") == 0) {
        bool was_lost = a->connection_lost;
        a->connection_lost = strncmp(payload, "perdue", 6) == 0;
        if (was_lost && !a->connection_lost && !(a->control && a->queued))
            say(a, false, "Connexion au relais rétablie : vous revoyez l'écran de l'élu.");
        /* Keys wait for the connection: none is shown as done before the official has it. */
        if (a->connection_lost && a->control && (a->awaiting || a->queued))
            say(a, true, "Connexion au relais perdue : vos touches partiront à son retour.");
        else if (!a->connection_lost && a->control && a->queued)
            a->note[0] = '\0';
    } else if (strcmp(t, "erreur-envoi") == 0) {
        /* `<type> <code> <French text>`: a frame the relay refused for good; not fatal. */
        const char *p = payload;
        for (int k = 0; k < 2 && *p; k++) {
            p += strcspn(p, " ");
            p += *p == ' ';
        }
        char text[512];
        text_sanitize(text, sizeof text, p);
        say(a, true, "%s", text[0] ? text : "Le relais a refusé un envoi.");
    } else if (strcmp(t, "erreur") == 0) {
        char text[512], dropped[160];
        text_sanitize(text, sizeof text, payload);
        drop_keys(a, dropped, sizeof dropped);
        say(a, true, "%s%s", text[0] ? text : "Le partage s'est arrêté.", dropped);
        show_own(app, AGENT_FAILED);
    }
    /* Anything else is not for the agent: ignored, as the relay's envelope allows. */
}

static void drain(struct app *app);

static void link_ready(struct app *app, int fd, short revents, void *data)
{
    (void)fd;
    (void)revents;
    (void)data;
    struct share_agent *a = agent_of(app);
    struct share_frame f;
    int r;
    while ((r = share_link_next(&a->link, &f)) == 1)
        frame(app, &f);
    /* The official's assistance screen, drawn here too, reads the session from the
     * replica's share_state in its load (replicated like every table). */
    if (r < 0) {
        app_unwatch_fd(app, a->link.fd);
        if (a->phase != AGENT_ENDED && a->phase != AGENT_REFUSED && a->phase != AGENT_FAILED) {
            char why[512], dropped[160];
            text_sanitize(why, sizeof why, a->link.err);
            drop_keys(a, dropped, sizeof dropped);
            say(a, true, "Le partage s'est arrêté : %s%s",
                why[0] ? why : "le programme de connexion au relais s'est arrêté.", dropped);
            show_own(app, AGENT_FAILED);
        }
    }
    drain(app);
    banner_update(a);
}

/* ---- keys ---- */

static bool is_quit_key(const struct app *app, int type, wint_t ch)
{
    if (type == KEY_CODE_YES)
        return ch == KEY_F(10);
    bool typing = app->screen->text_input && agent_of(app)->control;
    return !typing && (ch == 'q' || ch == 'Q');
}

/* q or F10 on the official's screen: a question only when a key is still on its way. */
static bool leave(struct app *app)
{
    struct share_agent *a = agent_of(app);
    if (!a->awaiting && !a->queued)
        return true;
    a->asking_quit = true;
    say(a, false, "Une modification attend encore la réponse de l'élu. Quitter quand même ? "
                  "o : oui, n : non");
    return false;
}

/* The agent's key, given control: the ordinary handlers on the replica inside a proposal,
 * sent to the official; the replica is rolled back and the screen shows it again: what the
 * agent sees is what the official has, never a change the official has not applied. */
static void propose(struct app *app, int type, wint_t ch)
{
    struct share_agent *a = agent_of(app);
    if (store_proposal_begin(app->st) != 0) {
        say(a, true, "%s", store_error(app->st));
        return;
    }
    char old_message[sizeof app->ui.message];
    bool old_error = app->ui.message_error;
    snprintf(old_message, sizeof old_message, "%s", app->ui.message);
    a->in_proposal = true;
    app_handle_key(app, type, ch);
    /* The message line is the official's: what a key of the agent's says (« cette touche ne
     * fait rien ici », a refusal, « enregistré ») is the agent's own line; a key that only
     * says something then changes nothing and is not proposed. */
    if (app->ui.message[0])
        say(a, app->ui.message_error, "%s", app->ui.message);
    snprintf(app->ui.message, sizeof app->ui.message, "%s", old_message);
    app->ui.message_error = old_error;
    app_save_ui(app);
    a->in_proposal = false;
    void *buf = NULL;
    size_t len = 0;
    if (store_proposal_end(app->st, &buf, &len) != 0) {
        say(a, true, "%s", store_error(app->st));
        free(buf);
        app_resume_store(app);
        return;
    }
    if (!buf || len == 0)
        return; /* the key changed nothing (a message only, said here) */
    char head[32];
    int n = snprintf(head, sizeof head, "%" PRIu64 "\n", a->next_proposal + 1);
    unsigned char *payload = malloc((size_t)n + len);
    if (!payload) {
        free(buf);
        say(a, true, "Mémoire insuffisante : la modification n'a pas été envoyée.");
        app_resume_store(app);
        return;
    }
    memcpy(payload, head, (size_t)n);
    memcpy(payload + n, buf, len);
    free(buf);
    a->next_proposal++;
    send_frame(app, "proposition", payload, (size_t)n + len);
    free(payload);
    a->awaiting = a->next_proposal;
    a->echo_due = false;
    app_resume_store(app);
}

/* One key with control, on the screen as the replica has it now. */
static void control_key(struct app *app, int type, wint_t ch)
{
    struct share_agent *a = agent_of(app);
    a->note[0] = '\0';
    char why[512];
    if (a->own->refuse_key && a->own->refuse_key(app, type, ch, why, sizeof why))
        say(a, true, "%s", why);
    else
        propose(app, type, ch);
}

/* The keys typed while a proposal was on its way, once the replica shows it: in order,
 * each on the screen the previous one made, until one is on its way again. */
static void drain(struct app *app)
{
    struct share_agent *a = agent_of(app);
    if (!a->queued || a->awaiting || a->connection_lost || a->asking_quit)
        return;
    if (a->phase != AGENT_LIVE || !a->control) {
        a->queued = 0; /* said where control or the session ended */
        return;
    }
    app_resume_store(app); /* the changes just applied, before the app's own pass */
    while (a->queued && !a->awaiting && a->phase == AGENT_LIVE && a->control) {
        struct queued_key k = a->queue[0];
        memmove(a->queue, a->queue + 1, --a->queued * sizeof *a->queue);
        control_key(app, k.type, k.ch);
    }
}

bool share_agent_tick(struct app *app, bool handled)
{
    (void)handled;
    struct share_agent *a = agent_of(app);
    if (!a->echo_due || now_ms() < a->echo_deadline)
        return false;
    /* Accepted, and no echo: the proposal changed nothing there; the keys go on. */
    a->awaiting = 0;
    a->echo_due = false;
    drain(app);
    banner_update(a);
    return true;
}

/* What the agent's keys are, as `?` says them. */
static void say_keys(struct share_agent *a)
{
    if (a->control)
        say(a, false, "Contrôle : vos touches agissent chez l'élu. F10 : quitter.");
    else
        say(a, false, "Vos touches : c demander le contrôle, q quitter.");
}

static bool key(struct app *app, int type, wint_t ch)
{
    struct share_agent *a = agent_of(app);
    if (type == KEY_CODE_YES && ch == KEY_RESIZE)
        return false;
    /* « Terminal trop petit »: i and q work there as on the official's side (no write). */
    if (!app->ignore_small && (COLS < TUI_MIN_COLS || LINES < TUI_MIN_LINES))
        return app_handle_key(app, type, ch);
    switch (a->phase) {
    case AGENT_CODE:
        a->note[0] = '\0';
        return app_handle_key(app, type, ch);
    case AGENT_REFUSED:
    case AGENT_ENDED:
    case AGENT_FAILED:
        return true; /* the text says: a key quits */
    case AGENT_JOINING:
    case AGENT_WAITING:
    case AGENT_ACCEPTED:
        if (is_quit_key(app, type, ch) || (type == OK && ch == 27))
            return true;
        say(a, false, "En attente de l'élu. q : quitter");
        return false;
    case AGENT_LIVE:
        break;
    }
    if (a->asking_quit) {
        a->asking_quit = false;
        a->note[0] = '\0';
        if (type == OK && (ch == 'o' || ch == 'O'))
            return true;
        drain(app); /* keys that arrived meanwhile go on */
        return false;
    }
    if (is_quit_key(app, type, ch))
        return leave(app);
    if (type == KEY_CODE_YES && ch == TUI_KEY_UNKNOWN) {
        /* Not sent to the official: that side would not know it either. */
        say(a, false, "Cette touche n'est pas reconnue par difelus. ? : vos touches");
        return false;
    }
    if (a->control) {
        if (a->awaiting || a->queued || a->connection_lost) {
            if (a->queued < QUEUE_MAX) {
                a->queue[a->queued++] = (struct queued_key){type, ch};
                if (a->connection_lost && a->queued == 1)
                    say(a, true, "Connexion au relais perdue : 1 touche attend son retour.");
                else if (a->connection_lost)
                    say(a, true, "Connexion au relais perdue : %zu touches attendent son "
                                 "retour.", a->queued);
            } else
                say(a, true, "Trop de touches en attente de l'élu : la dernière n'a pas été "
                             "prise. Attendez que son écran les montre.");
            return false;
        }
        control_key(app, type, ch);
        return false;
    }
    if (type == OK && (ch == 'c' || ch == 'C')) {
        send_frame(app, "demande-controle", NULL, 0);
        say(a, false, "Demande envoyée ; l'élu doit accepter.");
        return false;
    }
    if ((type == OK && ch == '?') || (type == KEY_CODE_YES && ch == KEY_F(1))) {
        say_keys(a);
        return false;
    }
    say(a, false, "Lecture seule : cette touche ne change rien. c : contrôle");
    return false;
}

bool share_agent_key(struct app *app, int type, wint_t ch)
{
    bool quit = key(app, type, ch);
    banner_update(agent_of(app));
    return quit;
}

/* ---- drawing ---- */

/* The banner at the end of every title bar (tui_banner_set), as on the official's side:
 * set before the screen draws, after anything that may change it. */
static void banner_update(const struct share_agent *a)
{
    char line[512];
    if (a->connection_lost)
        snprintf(line, sizeof line, "Assistance : connexion perdue, nouvelle tentative…");
    else if (a->phase == AGENT_LIVE)
        snprintf(line, sizeof line, "Assistance : écran de l'élu — %s",
                 a->control ? "contrôle" : "lecture seule");
    else if (a->token_refused)
        snprintf(line, sizeof line, "Assistance : jeton refusé"); /* no share ever started */
    else if (a->phase == AGENT_ENDED || a->phase == AGENT_REFUSED || a->phase == AGENT_FAILED)
        snprintf(line, sizeof line, "Assistance : partage terminé");
    else
        snprintf(line, sizeof line, "Assistance : pas encore connecté");
    tui_banner_set(text_typeset(line, sizeof line));
}

void share_agent_overlay(struct app *app)
{
    struct share_agent *a = agent_of(app);
    if (a->phase != AGENT_LIVE)
        return;
    /* The last row: what the agent was told, else in view mode what the keys do (the
     * official's key line means nothing to a viewer). */
    const char *text = a->note;
    char view[256];
    if (!text[0] && !a->control) {
        snprintf(view, sizeof view, "Lecture seule. c : demander le contrôle, ? : vos touches");
        text_typeset(view, sizeof view);
        text = view;
    }
    if (!text[0])
        return;
    int y, x;
    getyx(stdscr, y, x);
    /* A note longer than the row takes the one above too, rather than being cut. */
    int rows = text_wrap_count(text, COLS) > 1 && LINES > 2 ? 2 : 1;
    for (int r = 0; r < rows; r++) {
        move(LINES - 1 - r, 0);
        clrtoeol();
    }
    tui_paragraph(LINES - rows, 0, COLS, rows,
                  a->note_error && text == a->note ? tui_attr(TC_ERROR) : A_BOLD, text);
    move(y, x);
}

void share_agent_start(struct app *app)
{
    struct share_agent *a = agent_of(app);
    app_watch_fd(app, a->link.fd, link_ready, NULL);
    banner_update(a);
}

/* ---- the run ---- */

/* A replica to draw from before the official's screen arrives: an empty database made in
 * a private temporary folder, read into memory, then removed. */
static store *empty_replica(const char *catalogue, char *err, size_t errlen)
{
    const char *tmp = getenv("TMPDIR");
    char dir[4096], db[4200];
    snprintf(dir, sizeof dir, "%s/difelus-assister-XXXXXX", tmp && *tmp ? tmp : "/tmp");
    if (!mkdtemp(dir)) {
        text_msgf(err, errlen, "impossible de créer un dossier temporaire dans « %s » (%s).",
                  tmp && *tmp ? tmp : "/tmp", strerror(errno));
        return NULL;
    }
    snprintf(db, sizeof db, "%s/vide.db", dir);
    store *scratch = store_open(db, err, errlen);
    void *bytes = NULL;
    size_t len = 0;
    store *replica = NULL;
    if (scratch && store_snapshot(scratch, &bytes, &len) != 0)
        text_msgf(err, errlen, "%s", store_error(scratch));
    store_close(scratch);
    static const char *const suffixes[] = {"", "-wal", "-shm", "-journal"};
    for (size_t i = 0; i < sizeof suffixes / sizeof suffixes[0]; i++) {
        char f[4300];
        snprintf(f, sizeof f, "%s%s", db, suffixes[i]);
        unlink(f);
    }
    rmdir(dir);
    if (bytes)
        replica = store_open_replica(bytes, len, catalogue, err, errlen);
    free(bytes);
    if (replica)
        store_set_actor(replica, ACTOR_AGENT);
    return replica;
}

int share_agent_run(const struct screen_table *table, const struct share_agent_screens *own,
                    const struct assist_request *rq, char *err, size_t errlen)
{
    struct share_agent *a = &the_agent;
    memset(a, 0, sizeof *a);
    a->own = own;
    a->link.fd = -1;
    if (rq->notice)
        text_sanitize(a->warning, sizeof a->warning, rq->notice);
    /* The agent's own catalogue: beside the personal database it would have. */
    char db[4096], perr[512];
    if (paths_database(NULL, db, sizeof db, perr, sizeof perr) == 0)
        snprintf(a->catalogue, sizeof a->catalogue, "%s/catalogue.db", dirname(db));
    store *st = empty_replica(a->catalogue[0] ? a->catalogue : NULL, err, errlen);
    if (!st)
        return EXIT_FAILURE;

    if (share_link_start(&a->link, "agent", rq->relay_url, err, errlen) != 0) {
        store_close(st);
        return EXIT_FAILURE;
    }
    /* The token goes on the pipe only: never on a command line, never in an environment. */
    if (share_link_send(&a->link, "jeton", 0, rq->token, strlen(rq->token)) != 0) {
        text_msgf(err, errlen, "%s", a->link.err[0] ? a->link.err
                                                    : "le programme de connexion s'est arrêté.");
        share_link_stop(&a->link);
        store_close(st);
        return EXIT_FAILURE;
    }
    a->phase = AGENT_CODE;
    if (rq->code) {
        snprintf(a->typed, sizeof a->typed, "%s", rq->code);
        share_link_send(&a->link, "rejoindre", 0, rq->code, strlen(rq->code));
        a->phase = AGENT_JOINING;
    }
    app_set_agent(a);
    int rc = tui_run(table, st, "", rq->color, err, errlen);
    app_set_agent(NULL);
    tui_banner_set(NULL);
    bool joined = a->phase != AGENT_CODE && a->phase != AGENT_ENDED &&
                  a->phase != AGENT_REFUSED && a->phase != AGENT_FAILED;
    if (joined && !a->link.dead)
        share_link_send(&a->link, "depart", 0, NULL, 0);
    if (rc > 128) /* a signal: the app's words are about the official's own typing */
        text_msgf(err, errlen, "interrompu ; la session d'assistance est quittée, rien n'a "
                               "changé chez l'élu.");
    if (rc == EXIT_SUCCESS && a->phase == AGENT_FAILED) {
        text_msgf(err, errlen, "%s", a->note);
        rc = EXIT_FAILURE;
    }
    share_link_stop(&a->link);
    free(a->parts);
    a->parts = NULL;
    store_close(st);
    return rc;
}
