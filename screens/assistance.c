/* Assistance: the official shares the screen with the support (issue 9). The code to read
 * over the phone in large letters, what sharing means, who is connected and in which mode,
 * and the history of the sessions. The session itself lives in src/tui/share_official.c. */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "difelus/text.h"
#include "screens.h"
#include "tui/share.h"

/* A block font, 5 rows per glyph, for the code's alphabet (Crockford base32) and the dash:
 * read from a metre away, and over the phone letter by letter. */
struct glyph {
    char c;
    const char *rows[5];
};

static const struct glyph font[] = {
    {'0', {" ### ", "#  ##", "# # #", "##  #", " ### "}},
    {'1', {"  #  ", " ##  ", "  #  ", "  #  ", " ### "}},
    {'2', {" ### ", "#   #", "  ## ", " #   ", "#####"}},
    {'3', {"#### ", "    #", " ### ", "    #", "#### "}},
    {'4', {"#   #", "#   #", "#####", "    #", "    #"}},
    {'5', {"#####", "#    ", "#### ", "    #", "#### "}},
    {'6', {" ### ", "#    ", "#### ", "#   #", " ### "}},
    {'7', {"#####", "    #", "   # ", "  #  ", "  #  "}},
    {'8', {" ### ", "#   #", " ### ", "#   #", " ### "}},
    {'9', {" ### ", "#   #", " ####", "    #", " ### "}},
    {'A', {" ### ", "#   #", "#####", "#   #", "#   #"}},
    {'B', {"#### ", "#   #", "#### ", "#   #", "#### "}},
    {'C', {" ####", "#    ", "#    ", "#    ", " ####"}},
    {'D', {"#### ", "#   #", "#   #", "#   #", "#### "}},
    {'E', {"#####", "#    ", "#### ", "#    ", "#####"}},
    {'F', {"#####", "#    ", "#### ", "#    ", "#    "}},
    {'G', {" ####", "#    ", "#  ##", "#   #", " ####"}},
    {'H', {"#   #", "#   #", "#####", "#   #", "#   #"}},
    {'J', {"  ###", "    #", "    #", "#   #", " ### "}},
    {'K', {"#   #", "#  # ", "###  ", "#  # ", "#   #"}},
    {'M', {"#   #", "## ##", "# # #", "#   #", "#   #"}},
    {'N', {"#   #", "##  #", "# # #", "#  ##", "#   #"}},
    {'P', {"#### ", "#   #", "#### ", "#    ", "#    "}},
    {'Q', {" ### ", "#   #", "# # #", "#  # ", " ## #"}},
    {'R', {"#### ", "#   #", "#### ", "#  # ", "#   #"}},
    {'S', {" ####", "#    ", " ### ", "    #", "#### "}},
    {'T', {"#####", "  #  ", "  #  ", "  #  ", "  #  "}},
    {'V', {"#   #", "#   #", "#   #", " # # ", "  #  "}},
    {'W', {"#   #", "#   #", "# # #", "## ##", "#   #"}},
    {'X', {"#   #", " # # ", "  #  ", " # # ", "#   #"}},
    {'Y', {"#   #", " # # ", "  #  ", "  #  ", "  #  "}},
    {'Z', {"#####", "   # ", "  #  ", " #   ", "#####"}},
    {'-', {"     ", "     ", " ### ", "     ", "     "}},
};

static const struct glyph *glyph_of(char c)
{
    for (size_t i = 0; i < sizeof font / sizeof font[0]; i++)
        if (font[i].c == c)
            return &font[i];
    return NULL;
}

/* The code "ABCD-EFGH" in large letters on 5 rows from y, centred. */
static void draw_big_code(int y, const char *shown)
{
    int n = (int)strlen(shown);
    int width = n * 6 - 1;
    int x = (COLS - width) / 2 > 0 ? (COLS - width) / 2 : 0;
    for (int r = 0; r < 5; r++) {
        char line[512] = "";
        size_t len = 0;
        for (int i = 0; i < n; i++) {
            const struct glyph *g = glyph_of(shown[i]);
            for (int k = 0; k < 5 && len + 4 < sizeof line; k++) {
                const char *cell = g && g->rows[r][k] == '#' ? "█" : " ";
                len += (size_t)snprintf(line + len, sizeof line - len, "%s", cell);
            }
            if (i + 1 < n && len + 2 < sizeof line)
                line[len++] = ' ', line[len] = '\0';
        }
        attron(A_BOLD);
        mvaddstr(y + r, x, line);
        attroff(A_BOLD);
    }
}

static const char *event_words(const char *event)
{
    static const struct {
        const char *event, *words;
    } words[] = {
        {"ouverture", "Code donné par le relais"},
        {"demande", "Demande de connexion"},
        {"accepte", "Connexion acceptée (lecture seule)"},
        {"refuse", "Connexion refusée"},
        {"controle-demande", "Demande de contrôle"},
        {"controle-accorde", "Contrôle accordé"},
        {"controle-refuse", "Contrôle refusé"},
        {"controle-retire", "Contrôle repris"},
        {"depart", "Départ de l'agent"},
        {"fin", "Partage arrêté"},
        {"expire", "Code expiré"},
        {"interrompu", "Partage interrompu"},
        {"proposition-refusee", "Modification de l'agent refusée"},
    };
    for (size_t i = 0; i < sizeof words / sizeof words[0]; i++)
        if (strcmp(words[i].event, event) == 0)
            return words[i].words;
    return event;
}

/* "27/11/2026 10 h 32" in local time from an ISO UTC instant. */
static void local_when(const char *iso, char *out, size_t outlen)
{
    time_t t = share_parse_utc(iso);
    if (t == (time_t)-1) {
        snprintf(out, outlen, "?");
        return;
    }
    struct tm local;
    localtime_r(&t, &local);
    snprintf(out, outlen, "%02d/%02d/%04d %d\u00a0h\u00a0%02d", local.tm_mday, local.tm_mon + 1,
             local.tm_year + 1900, local.tm_hour, local.tm_min);
}

static void assistance_load(struct app *app)
{
    struct screens_view *v = view_of(app);
    /* The session as the database says: on the agent's side, the official's (replica). */
    if (store_share_get(app->st, &v->share) != 0) {
        memset(&v->share, 0, sizeof v->share);
        app_flash(app, true, "%s", store_error(app->st));
    }
    if (store_share_log_list(app->st, v->share_log, SHARE_LOG_MAX, &v->share_log_count) != 0) {
        v->share_log_count = 0;
        app_flash(app, true, "%s", store_error(app->st));
    }
}

static void assistance_enter(struct app *app)
{
    /* The agent follows the official's screen: nothing to start from its process. */
    if (store_is_replica(app->st))
        return;
    /* Arrived by a key (not a restart): remember where from, and ask for a code. */
    if (!app->previous || app->previous == &screen_assistance)
        return;
    snprintf(app->ui.assist_from, sizeof app->ui.assist_from, "%s", app->previous->id);
    struct share_state s;
    if (store_share_get(app->st, &s) == 0 && s.phase == SHARE_NONE)
        share_official_start(app);
}

/* The history from row y to row bottom (excluded), newest first, from entry
 * app->ui.scroll on (↑ and ↓ move it); the rows left out are counted, never hidden. */
static void draw_history(struct app *app, int y, int bottom)
{
    const struct screens_view *v = view_of(app);
    if (bottom - y < 2)
        return;
    size_t first = app->ui.scroll > 0 ? (size_t)app->ui.scroll : 0;
    if (first >= v->share_log_count)
        first = v->share_log_count ? v->share_log_count - 1 : 0;
    char head[128];
    if (first)
        text_msgf(head, sizeof head, "Historique des partages (%zu plus récent%s au-dessus, ↑)",
                  first, first > 1 ? "s" : "");
    else
        text_msgf(head, sizeof head, "Historique des partages");
    tui_print(y++, 2, COLS - 4, A_BOLD, head);
    if (!v->share_log_count) {
        tui_print(y, 2, COLS - 4, 0, "Aucun partage pour l'instant.");
        return;
    }
    size_t i = first;
    for (; i < v->share_log_count && y < bottom; i++) {
        if (y == bottom - 1 && i + 1 < v->share_log_count) {
            char more[128];
            size_t left = v->share_log_count - i;
            text_msgf(more, sizeof more, "… et %zu plus ancien%s (↓)", left, left > 1 ? "s" : "");
            tui_print(y, 2, COLS - 4, 0, more);
            return;
        }
        const struct share_log_entry *e = &v->share_log[i];
        char when[64], line[2048];
        local_when(e->at, when, sizeof when);
        int n = snprintf(line, sizeof line, "%s  %s", when, event_words(e->event));
        if (e->agent_name[0])
            n += snprintf(line + n, sizeof line - (size_t)n, " — %s (%s)", e->agent_name,
                          e->agent_org);
        if (e->detail[0])
            snprintf(line + n, sizeof line - (size_t)n, " : %s", e->detail);
        text_typeset(line, sizeof line);
        tui_print(y++, 2, COLS - 4, 0, line);
    }
}

static const char explain[] =
    "Partager, c'est quoi ? L'agent du support voit votre écran de difelus, rien d'autre. "
    "Rien ne change sans vous : il ne prend le contrôle que si vous dites oui, vous le "
    "reprenez quand vous voulez (F3) et F4 arrête tout.";
static const char never[] =
    "Ne donnez jamais vos mots de passe, votre code FranceConnect+ ni les codes reçus par "
    "SMS, pas même à l'agent du support.";

static void assistance_draw(struct app *app)
{
    const struct share_state *s = &view_of(app)->share;
    int w = COLS - 4, y = 2;
    int bottom = LINES - 1 - tui_message_rows(app);
    char text[2048];
    tui_title_bar("Assistance — partage d'écran avec le support");
    const char *keys;
    int cursor_y = 2;
    switch (s->phase) {
    case SHARE_NONE:
        if (s->note[0]) {
            text_msgf(text, sizeof text, "%s", s->note);
            y += tui_paragraph(y, 2, w, 3, A_BOLD, text);
        } else {
            y += tui_paragraph(y, 2, w, 2, A_BOLD, "Aucun partage en cours.");
        }
        cursor_y = y;
        /* The note may already say it (« Le code a expiré… Entrée : … »): said once. */
        if (!strstr(s->note, "Entrée")) {
            text_msgf(text, sizeof text, "Entrée : demander un code à lire au support par "
                                         "téléphone, %s au %s.", app->org_name, app->org_phone);
            y += tui_paragraph(y, 2, w, 3, 0, text);
        }
        y++;
        keys = "Entrée nouveau code  ↑↓ historique  Échap retour  ? aide  q quitter";
        break;
    case SHARE_OPENING:
        if (s->connection_lost) {
            text_msgf(text, sizeof text, "Le relais du support ne répond pas : vérifiez votre "
                                         "connexion à Internet ; nouvelle tentative…");
            y += tui_paragraph(y, 2, w, 2, tui_attr(TC_ERROR), text);
            text_msgf(text, sizeof text, "Adresse du relais : %s — pour en changer, réglez la "
                                         "variable DIFELUS_RELAIS avant de lancer difelus.",
                      share_official_relay());
            y += tui_paragraph(y, 2, w, 3, 0, text);
        } else {
            y += tui_paragraph(y, 2, w, 1, A_BOLD, "Demande d'un code au relais…");
        }
        text_msgf(text, sizeof text, "Le support : %s au %s.", app->org_name, app->org_phone);
        y += tui_paragraph(y, 2, w, 2, 0, text) + 1;
        keys = "F4 annuler  Échap retour  q quitter";
        break;
    case SHARE_WAITING: {
        char shown[SHARE_CODE_LEN + 2], until[64];
        share_code_format(s->code, shown);
        char head[512], tail[256];
        text_msgf(head, sizeof head, "Lisez ce code à l'agent du support, %s", app->org_name);
        text_msgf(tail, sizeof tail, " au %s :", app->org_phone);
        tui_print_pair(y++, 2, w, 0, head, tail);
        draw_big_code(y, shown);
        y += 5;
        text_msgf(text, sizeof text, "Code : %s", shown);
        cursor_y = y;
        tui_print(y++, 2, w, A_BOLD, text);
        long left = share_seconds_left(s);
        time_t at = time(NULL) + left;
        struct tm local;
        localtime_r(&at, &local);
        snprintf(until, sizeof until, "%d\u00a0h\u00a0%02d", local.tm_hour, local.tm_min);
        long minutes = (left + 59) / 60;
        text_msgf(text, sizeof text, "Valable jusqu'à %s, encore %ld\u00a0minute%s.", until,
                  minutes, minutes > 1 ? "s" : "");
        y += tui_paragraph(y, 2, w, 1, 0, text) + 1;
        keys = "F4 annuler le code  Échap retour (le code reste valable)  q quitter";
        break;
    }
    default: {
        text_msgf(text, sizeof text, "%s : %s (%s)",
                  s->phase == SHARE_ASKED ? "Demande de connexion" : "Connecté", s->agent_name,
                  s->agent_org);
        y += tui_paragraph(y, 2, w, 3, A_BOLD, text);
        cursor_y = 2;
        const char *mode =
            s->phase == SHARE_CONTROL
                ? "Mode : contrôle — l'agent peut cocher et remplir à votre place, sous vos "
                  "yeux."
            : s->phase == SHARE_ASKED
                ? "En attente de votre réponse : o accepter, n refuser."
            : s->phase == SHARE_CONTROL_ASKED
                ? "Mode : lecture seule — l'agent demande le contrôle : o accepter, n refuser."
                : "Mode : lecture seule — l'agent voit votre écran sans rien pouvoir changer.";
        text_msgf(text, sizeof text, "%s", mode);
        y += tui_paragraph(y, 2, w, 2, 0, text);
        if (s->connection_lost) {
            text_msgf(text, sizeof text, "Connexion perdue avec le relais ; nouvelle "
                                         "tentative…");
            y += tui_paragraph(y, 2, w, 1, tui_attr(TC_ERROR), text);
        }
        y += tui_paragraph(y, 2, w, 1, 0,
                           s->phase == SHARE_CONTROL
                               ? "F3 : reprendre le contrôle    F4 : arrêter le partage"
                               : "F4 : arrêter le partage") + 1;
        keys = s->phase == SHARE_CONTROL
                   ? "F3 reprendre le contrôle  F4 arrêter  Échap retour  q quitter"
                   : "F4 arrêter le partage  Échap retour  q quitter";
        break;
    }
    }
    /* What sharing means, then the warning, as long as there is room; the history below. */
    char para[1024];
    text_msgf(para, sizeof para, "%s", explain);
    int need = text_wrap_count(para, w);
    if (y + need < bottom - 2) {
        y += tui_paragraph(y, 2, w, need, 0, para);
    }
    text_msgf(para, sizeof para, "%s", never);
    need = text_wrap_count(para, w);
    if (y + need < bottom - 1)
        y += tui_paragraph(y, 2, w, need, tui_attr(TC_WARNING), para) + 1;
    draw_history(app, y, bottom);
    tui_key_line(app, keys);
    move(cursor_y, 2);
}

static enum key_result assistance_key(struct app *app, int type, wint_t ch)
{
    const struct share_state *s = &view_of(app)->share;
    bool enter = tui_key_is_enter(type, ch);
    if (type == KEY_CODE_YES && (ch == KEY_UP || ch == KEY_DOWN)) {
        /* The history, newest first: ↓ goes back in time. */
        size_t count = view_of(app)->share_log_count;
        int last = count ? (int)count - 1 : 0;
        int to = app->ui.scroll + (ch == KEY_DOWN ? 1 : -1);
        if (to < 0 || to > last) {
            app_flash(app, false, to < 0 ? "Vous êtes en haut de l'historique."
                                         : "Il n'y a rien de plus ancien dans l'historique.");
            return KR_HANDLED;
        }
        app->ui.scroll = to;
        return KR_HANDLED;
    }
    if (enter) {
        if (s->phase != SHARE_NONE) {
            app_flash(app, false, "Un partage est déjà en cours. F4 : l'arrêter.");
            return KR_HANDLED;
        }
        share_official_start(app);
        return KR_HANDLED;
    }
    if (type == OK && ch == 27) {
        app->next = app_find_screen(app, app->ui.assist_from);
        if (!app->next || app->next == &screen_assistance)
            app->next = &screen_home;
        return KR_GOTO;
    }
    if ((type == OK && (ch == 'a' || ch == 'A')) || (type == KEY_CODE_YES && ch == KEY_F(2))) {
        app_flash(app, false, "Vous êtes dans l'assistance. Échap : revenir où vous étiez.");
        return KR_HANDLED;
    }
    return KR_UNHANDLED;
}

const struct screen screen_assistance = {
    .id = "assistance",
    .keeps_draft = true,
    .enter = assistance_enter,
    .load = assistance_load,
    .draw = assistance_draw,
    .key = assistance_key,
};
