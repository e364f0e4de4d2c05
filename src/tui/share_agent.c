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
#include <unistd.h>

#include "difelus/paths.h"
#include "difelus/share.h"
#include "difelus/share_link.h"
#include "difelus/text.h"
#include "difelus/trace.h"
#include "tui/app.h"
#include "tui/share.h"

#define PENDING_MAX 256

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
    uint64_t pending[PENDING_MAX];
    size_t pending_count;
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
    return agent_of(app)->pending_count == 0;
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
    if (strcmp(why, "code") == 0)
        say(a, true, "Code refusé : ce n'est pas le code de l'élu. Vérifiez-le avec lui et "
                     "tapez-le de nouveau.");
    else if (strcmp(why, "code-expire") == 0)
        say(a, true, "Ce code a expiré ou a déjà servi : demandez à l'élu un nouveau code "
                     "(touche a de son assistant).");
    else if (strcmp(why, "verrouille") == 0)
        say(a, true, "Trop de codes faux : le relais bloque votre jeton pendant une minute. "
                     "Attendez une minute, puis tapez de nouveau le code.");
    else if (strcmp(why, "jeton") == 0) {
        say(a, true, "Le relais refuse votre jeton d'agent (inconnu ou révoqué) : demandez-en "
                     "un à l'administrateur du relais (difelus relais agent-ajouter).");
        show_own(app, AGENT_FAILED);
        return;
    } else
        say(a, true, "Code refusé : %s", detail[0] ? detail : "raison inconnue.");
    show_own(app, AGENT_CODE);
}

static bool remove_pending(struct share_agent *a, uint64_t n)
{
    for (size_t i = 0; i < a->pending_count; i++)
        if (a->pending[i] == n) {
            a->pending[i] = a->pending[--a->pending_count];
            return true;
        }
    return false;
}

static void result(struct app *app, const char *payload)
{
    struct share_agent *a = agent_of(app);
    char *end;
    errno = 0;
    unsigned long long n = strtoull(payload, &end, 10);
    if (errno || end == payload || !remove_pending(a, n))
        return; /* not ours, or answered already (replayed after a reconnection) */
    if (strncmp(end, " refus", 6) == 0) {
        char reason[512];
        text_sanitize(reason, sizeof reason, end[6] == ' ' ? end + 7 : "");
        say(a, true, "L'élu n'a pas pris votre modification : %s",
            reason[0] ? reason : "refusée.");
    }
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
    /* The changes of our proposals come within the snapshot, or not at all. */
    bool first = a->phase != AGENT_LIVE;
    a->pending_count = 0;
    a->phase = AGENT_LIVE;
    if (first)
        a->note[0] = '\0';
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
            if (store_replica_apply(app->st, f->data, f->len) != 0)
                send_frame(app, "besoin-instantane", NULL, 0);
            else
                trace_defer("redraw", f->data, f->len); /* make bench: once drawn */
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
        a->pending_count = 0;
        say(a, false, "L'élu a repris le contrôle : vous voyez de nouveau son écran, en "
                      "lecture seule.");
    } else if (strcmp(t, "resultat") == 0) {
        result(app, payload);
    } else if (strcmp(t, "fin") == 0) {
        if (a->phase == AGENT_REFUSED || a->phase == AGENT_FAILED)
            return; /* the end already said, with its reason */
        a->control = false;
        a->pending_count = 0;
        say(a, false, "L'élu a terminé le partage.");
        show_own(app, AGENT_ENDED);
    } else if (strcmp(t, "connexion") == 0) {
        a->connection_lost = strncmp(payload, "perdue", 6) == 0;
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
        char text[512];
        text_sanitize(text, sizeof text, payload);
        say(a, true, "%s", text[0] ? text : "Le partage s'est arrêté.");
        show_own(app, AGENT_FAILED);
    }
    /* Anything else is not for the agent: ignored, as the relay's envelope allows. */
}

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
    /* The official's assistance screen, drawn here too, reads the session from this copy
     * of the official's share_state (replicated like every table). */
    struct share_state shared;
    if (a->phase == AGENT_LIVE && store_share_get(app->st, &shared) == 0)
        share_official_mirror(&shared);
    if (r < 0) {
        app_unwatch_fd(app, a->link.fd);
        if (a->phase != AGENT_ENDED && a->phase != AGENT_REFUSED && a->phase != AGENT_FAILED) {
            char why[512];
            text_sanitize(why, sizeof why, a->link.err);
            say(a, true, "Le partage s'est arrêté : %s",
                why[0] ? why : "le programme de connexion au relais s'est arrêté.");
            show_own(app, AGENT_FAILED);
        }
    }
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

/* q or F10 on the official's screen: a question only when an answer is awaited. */
static bool leave(struct app *app)
{
    struct share_agent *a = agent_of(app);
    if (a->pending_count == 0)
        return true;
    a->asking_quit = true;
    say(a, false, "Une modification attend encore la réponse de l'élu. Quitter quand même ? "
                  "o : oui, n : non");
    return false;
}

/* The agent's key, given control: the ordinary handlers on the replica inside a proposal,
 * sent to the official; the replica is rolled back and follows the official's answer. */
static void propose(struct app *app, int type, wint_t ch)
{
    struct share_agent *a = agent_of(app);
    if (store_proposal_begin(app->st) != 0) {
        say(a, true, "%s", store_error(app->st));
        return;
    }
    a->in_proposal = true;
    app_handle_key(app, type, ch);
    a->in_proposal = false;
    void *buf = NULL;
    size_t len = 0;
    if (store_proposal_end(app->st, &buf, &len) != 0) {
        say(a, true, "%s", store_error(app->st));
        free(buf);
        return;
    }
    if (!buf || len == 0)
        return; /* the key changed nothing (a message only, kept here) */
    char head[32];
    int n = snprintf(head, sizeof head, "%" PRIu64 "\n", a->next_proposal + 1);
    unsigned char *payload = malloc((size_t)n + len);
    if (!payload) {
        free(buf);
        say(a, true, "Mémoire insuffisante : la modification n'a pas été envoyée.");
        return;
    }
    memcpy(payload, head, (size_t)n);
    memcpy(payload + n, buf, len);
    free(buf);
    a->next_proposal++;
    send_frame(app, "proposition", payload, (size_t)n + len);
    free(payload);
    if (a->pending_count < PENDING_MAX)
        a->pending[a->pending_count++] = a->next_proposal;
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
        return type == OK && (ch == 'o' || ch == 'O');
    }
    if (is_quit_key(app, type, ch))
        return leave(app);
    if (a->control) {
        a->note[0] = '\0';
        char why[512];
        if (a->own->refuse_key && a->own->refuse_key(app, type, ch, why, sizeof why))
            say(a, true, "%s", why);
        else
            propose(app, type, ch);
        return false;
    }
    if (type == OK && (ch == 'c' || ch == 'C')) {
        send_frame(app, "demande-controle", NULL, 0);
        say(a, false, "Demande envoyée ; l'élu doit accepter.");
        return false;
    }
    say(a, false, "Lecture seule : cette touche ne change rien. c : demander le contrôle, "
                  "q : quitter");
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
        snprintf(view, sizeof view,
                 "Vous voyez l'écran de l'élu ; c : demander le contrôle, q : quitter");
        text_typeset(view, sizeof view);
        text = view;
    }
    if (!text[0])
        return;
    int y, x;
    getyx(stdscr, y, x);
    move(LINES - 1, 0);
    clrtoeol();
    tui_print(LINES - 1, 0, COLS, a->note_error && text == a->note ? tui_attr(TC_ERROR) : A_BOLD,
              text);
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
