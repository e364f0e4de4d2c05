/* The official's registration dossiers: the list (open and closed), and one dossier with
 * its status, deadline in words, eligibility checks and history. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "difelus/rules.h"
#include "difelus/text.h"
#include "screens.h"

/* ---- list ---- */

static void list_enter(struct app *app)
{
    int n = (int)app->status.dossier_count;
    if (app->ui.focus >= n)
        app->ui.focus = n > 0 ? n - 1 : 0;
}

static void list_draw(struct app *app)
{
    const struct status *s = &app->status;
    int w = COLS - 4, y = 2;
    tui_title_bar("Mes dossiers d'inscription");
    int cursor_y = y;
    if (s->dossier_count == 0)
        y += tui_paragraph(y, 2, w, 3, 0,
                           "Aucun dossier. Quand vous créez votre dossier d'inscription sur Mon "
                           "Compte Formation (étape 4), appuyez sur n pour le suivre ici : "
                           "difelus calculera ses échéances.");
    int rows = (LINES - 3 - y) / 2;
    if (rows < 1)
        rows = 1;
    int first = app->ui.focus >= rows ? app->ui.focus - rows + 1 : 0;
    for (int i = first; i < (int)s->dossier_count && i < first + rows; i++) {
        const struct dossier *d = &s->dossiers[i];
        bool focus = i == app->ui.focus;
        if (focus)
            cursor_y = y;
        tui_print(y, 1, 1, A_BOLD, focus ? ">" : " ");
        /* The status is never cut: a long title gives way. */
        char tail[256];
        snprintf(tail, sizeof tail, " — %s", dossier_status_label(d->status));
        tui_print_pair(y++, 3, w - 1, focus ? tui_attr(TC_FOCUS) : A_BOLD, d->title, tail);
        /* One row per dossier for its deadline: what and when, never cut (the advice in
         * words is on the dossier's screen). */
        struct dossier_deadline dl = dossier_deadline(d);
        if (dl.kind != DL_NONE && !dossier_status_closed(d->status)) {
            char when[64], advice[640], line[1024];
            bool overdue;
            dossier_deadline_text(dl, app->today, advice, sizeof advice, &overdue);
            dates_format_long(dl.date, when, sizeof when);
            snprintf(line, sizeof line, "%s%s\u00a0: %s", overdue ? "EN RETARD — " : "",
                     dossier_deadline_label(dl.kind), when);
            tui_print(y, 5, w - 3, overdue ? tui_attr(TC_ERROR) : 0, line);
        } else {
            tui_print(y, 5, w - 3, 0,
                      dossier_status_closed(d->status) ? "dossier clos" : "pas d'échéance");
        }
        y++;
    }
    tui_key_line(app, "n nouveau  Entrée ouvrir  ↑↓ choisir  h accueil  ? aide  q quitter");
    move(cursor_y, 1);
}

static enum key_result list_key(struct app *app, int type, wint_t ch)
{
    int n = (int)app->status.dossier_count;
    if (app_move_focus(app, type, ch, n))
        return KR_HANDLED;
    if (type == OK && (ch == 'n' || ch == 'N')) {
        app->ui.dossier_id = 0;
        app->next = &screen_dossier_form;
        return KR_GOTO;
    }
    if (tui_key_is_enter(type, ch)) {
        if (n == 0) {
            app_flash(app, false, "Aucun dossier : appuyez sur n pour en ajouter un.");
            return KR_HANDLED;
        }
        app->ui.dossier_id = app->status.dossiers[app->ui.focus].id;
        app->next = &screen_dossier;
        return KR_GOTO;
    }
    return KR_UNHANDLED;
}

const struct screen screen_dossiers = {
    .id = "dossiers",
    .atomic_keys = true, /* a deletion and its question answered */
    .enter = list_enter,
    .draw = list_draw,
    .key = list_key,
};

/* ---- one dossier ---- */

/* The dossier's screen is taller than 24 rows once it has checks and a history: it is
 * laid out whole on a sheet of rows, of which the rows from ui.scroll on are shown. */
#define SHEET_SEGS 160
struct sheet_seg {
    int row, x, cols;
    attr_t attr;
    char text[600];
};
struct sheet {
    struct sheet_seg seg[SHEET_SEGS];
    int count, rows;
};

static void sheet_put(struct sheet *sh, int row, int x, int cols, attr_t attr, const char *text)
{
    if (sh->count < SHEET_SEGS) {
        struct sheet_seg *g = &sh->seg[sh->count++];
        g->row = row;
        g->x = x;
        g->cols = cols;
        g->attr = attr;
        text_clip(g->text, sizeof g->text, text, cols);
    }
    if (row + 1 > sh->rows)
        sh->rows = row + 1;
}

struct sheet_at {
    struct sheet *sh;
    int row, x, cols;
    attr_t attr;
};

static void sheet_row(void *ctx, int row, const char *line)
{
    const struct sheet_at *at = ctx;
    sheet_put(at->sh, at->row + row, at->x, at->cols, at->attr, line);
}

/* Wrapped as tui_paragraph does, on at most max_lines rows; returns rows used. */
static int sheet_para(struct sheet *sh, int row, int x, int cols, int max_lines, attr_t attr,
                      const char *text)
{
    struct sheet_at at = {sh, row, x, cols, attr};
    return tui_wrap_each(text, cols, max_lines, sheet_row, &at);
}

/* A labelled value on up to two rows: a long title or body is wrapped, not cut. */
static void detail_line(struct sheet *sh, int *y, const char *label, const char *value)
{
    sheet_put(sh, *y, 2, 12, 0, label);
    *y += sheet_para(sh, *y, 15, COLS - 17, 2, 0, value);
}

/* Lays out dossier d whole, from row 0. */
static void detail_build(struct app *app, const struct dossier *d, struct sheet *sh)
{
    char line[2048], a[160], b[64], c[32];
    int w = COLS - 4, y = 0;
    sh->count = sh->rows = 0;
    snprintf(line, sizeof line, "%s%s%s", d->body[0] ? d->body : "(organisme non indiqué)",
             d->siret[0] ? " · SIRET " : "", d->siret);
    detail_line(sh, &y, "Formation", d->title); /* the title bar may have cut it */
    detail_line(sh, &y, "Organisme", line);
    if (dates_valid(d->start) && dates_valid(d->end)) {
        dates_format_short(d->start, a, sizeof a);
        dates_format_short(d->end, b, sizeof b);
        snprintf(line, sizeof line, "du %s au %s", a, b);
    } else {
        snprintf(line, sizeof line, "dates à indiquer (e)");
    }
    detail_line(sh, &y, "Session", line);
    /* Prices are TTC (MCF, the catalogue); HT only differs when the body charges VAT. */
    if (d->price_cents >= 0 && d->vat) {
        char ht[32];
        text_format_euros(d->price_cents, c, sizeof c);
        text_format_euros(dossier_price_ht(d), ht, sizeof ht);
        snprintf(a, sizeof a, "%s TTC (%s HT)", c, ht);
    } else if (d->price_cents >= 0) {
        text_format_euros(d->price_cents, c, sizeof c);
        snprintf(a, sizeof a, "%s TTC, exonéré de TVA", c);
    } else {
        snprintf(a, sizeof a, "prix à indiquer");
    }
    b[0] = '\0';
    if (d->hours_cents > 0) {
        char hours[32];
        text_format_hours(d->hours_cents, hours, sizeof hours);
        snprintf(b, sizeof b, " · %s", hours);
    }
    snprintf(line, sizeof line, "%s%s · formation %s", a, b,
             d->kind == DK_RECONVERSION ? "de reconversion" : "liée au mandat");
    detail_line(sh, &y, "Prix", line);
    dates_format_short(d->status_date, c, sizeof c);
    snprintf(line, sizeof line, "%s (depuis le %s)", dossier_status_label(d->status), c);
    y++;
    sheet_put(sh, y, 2, 12, A_BOLD, "Statut");
    sheet_put(sh, y++, 15, w - 13, A_BOLD, line);
    /* The deadline and its advice are shown whole (what to do when it is late matters
     * most). */
    bool overdue;
    tui_dossier_deadline_line(app, d, line, sizeof line, &overdue);
    if (line[0])
        y += sheet_para(sh, y, 15, w - 13, 12, overdue ? tui_attr(TC_ERROR) : A_BOLD, line);
    if (d->notes[0]) {
        sheet_put(sh, y, 2, 12, 0, "Notes");
        y += sheet_para(sh, y, 15, w - 13, 12, 0, d->notes);
    }
    y++;
    if (!dossier_status_closed(d->status)) {
        struct rules_finding f[RULES_MAX_FINDINGS];
        bool blocking;
        struct date request = dates_valid(d->sent_on) ? d->sent_on : app->today;
        size_t n = rules_check_dossier(d, app->status.mandates, app->status.mandate_count,
                                       status_balance_for_dossier(&app->status, d), request, f, &blocking);
        /* Once the request is sent, only what still needs attention is listed. */
        bool all = d->status == DS_CREATION;
        size_t shown = 0;
        for (size_t i = 0; i < n; i++)
            shown += all || f[i].level != FINDING_OK;
        if (shown)
            sheet_put(sh, y++, 2, w, A_BOLD, "Vérifications");
        for (size_t i = 0; i < n; i++) {
            if (!all && f[i].level == FINDING_OK)
                continue;
            static const char *const marks[] = {"ok", "!", "NON"};
            attr_t attr = f[i].level == FINDING_BLOCKING ? tui_attr(TC_ERROR) : 0;
            sheet_put(sh, y, 4, 4, attr | A_BOLD, marks[f[i].level]);
            y += sheet_para(sh, y, 9, w - 7, 6, attr, f[i].message);
        }
        if (shown)
            y++;
    }
    const struct dossier_event *events = view_of(app)->events;
    size_t count = view_of(app)->event_count;
    if (count) {
        sheet_put(sh, y++, 2, w, A_BOLD, "Historique");
        for (size_t i = 0; i < count; i++) {
            dates_format_short(events[i].day, a, sizeof a);
            snprintf(line, sizeof line, "%s  %s, %s%s", a, dossier_status_label(events[i].status),
                     events[i].actor == ACTOR_AGENT ? "par le support" : "par vous",
                     events[i].warning[0] ? " — malgré les règles" : "");
            sheet_put(sh, y++, 4, w - 2, events[i].warning[0] ? tui_attr(TC_ERROR) : 0, line);
            if (events[i].warning[0] && i + 1 == count) {
                /* Recorded as MCF showed it although a rule said otherwise. */
                snprintf(line, sizeof line, "ATTENTION\u00a0: %s", events[i].warning);
                y += sheet_para(sh, y, 6, w - 4, 6, tui_attr(TC_ERROR), line);
            }
        }
    }
}

static void detail_load(struct app *app)
{
    struct screens_view *v = view_of(app);
    v->event_count = 0;
    if (app->ui.dossier_id &&
        store_dossier_events(app->st, app->ui.dossier_id, v->events, VIEW_EVENTS,
                             &v->event_count) != 0)
        app_flash(app, true, "%s", store_error(app->st));
}

/* Rows of the screen for the sheet: 2 to the message line. */
static int detail_rows(const struct app *app)
{
    int msg = tui_message_rows(app);
    int rows = LINES - 1 - (msg > 1 ? msg : 1) - 2;
    return rows > 1 ? rows : 1;
}

/* The highest useful scroll: the last row shown above the « ↓ suite » row's place. */
static int detail_max_scroll(const struct app *app, const struct sheet *sh)
{
    int rows = detail_rows(app);
    return sh->rows > rows ? sh->rows - rows + 1 : 0;
}

static void detail_draw(struct app *app)
{
    const struct dossier *d = app_dossier(app);
    char line[1024];
    int w = COLS - 4;
    if (!d) {
        tui_title_bar("Dossier");
        tui_print(2, 2, w, 0, "Ce dossier n'existe plus. Échap : retour à la liste.");
        tui_key_line(app, "Échap retour  h accueil  q quitter");
        return;
    }
    snprintf(line, sizeof line, "Dossier n° %lld — %s", d->id, d->title);
    tui_title_bar(line);
    struct sheet *sh = malloc(sizeof *sh);
    if (!sh)
        return;
    detail_build(app, d, sh);
    int rows = detail_rows(app), max = detail_max_scroll(app, sh);
    int scroll = app->ui.scroll > max ? max : app->ui.scroll; /* a wider window since */
    /* When some rows are hidden, one row says where: « ↑ » above, « ↓ suite » below. */
    bool above = scroll > 0, below = scroll + rows < sh->rows;
    int top = 2 + above, last = 2 + rows - below; /* screen rows top to last, excluded */
    for (int i = 0; i < sh->count; i++) {
        const struct sheet_seg *g = &sh->seg[i];
        int y = g->row - scroll + above;
        if (y >= 0 && 2 + y >= top && 2 + y < last)
            tui_print(2 + y, g->x, g->cols, g->attr, g->text);
    }
    if (above)
        tui_print(2, 2, w, A_BOLD, "↑ plus haut (↑)");
    if (below)
        tui_print(last, 2, w, A_BOLD, "↓ suite (↓)");
    free(sh);
    /* 80 columns: with ↑↓, h (still a global key) gives its place. */
    if (dossier_status_closed(d->status))
        tui_key_line(app, max ? "↑↓ défiler  e modifier  x supprimer  Échap liste  h accueil  "
                                "q quitter"
                              : "e modifier  x supprimer  Échap liste  h accueil  q quitter");
    else
        tui_key_line(app, max ? "↑↓ défiler  e modifier  c statut  x supprimer  Échap liste  "
                                "q quitter"
                              : "e modifier  c statut  x supprimer  Échap liste  h accueil  "
                                "q quitter");
    move(2, 1);
}

/* ↑ ↓ Page préc. Page suiv. scroll the dossier; true when the key was one of them. */
static bool detail_scroll(struct app *app, const struct dossier *d, int type, wint_t ch)
{
    if (type != KEY_CODE_YES || (ch != KEY_UP && ch != KEY_DOWN))
        return false;
    struct sheet *sh = malloc(sizeof *sh);
    if (!sh)
        return true;
    detail_build(app, d, sh);
    int max = detail_max_scroll(app, sh);
    free(sh);
    int scroll = app->ui.scroll > max ? max : app->ui.scroll;
    if (ch == KEY_UP && scroll == 0)
        app_flash(app, false, "Vous êtes en haut du dossier.");
    else if (ch == KEY_DOWN && scroll >= max)
        app_flash(app, false, max ? "Vous êtes en bas du dossier."
                                  : "Tout le dossier est à l'écran.");
    else
        scroll += ch == KEY_UP ? -1 : 1;
    app->ui.scroll = scroll;
    return true;
}

static enum key_result detail_key(struct app *app, int type, wint_t ch)
{
    const struct dossier *d = app_dossier(app);
    /* x was pressed: o deletes the dossier, anything else keeps it. */
    if (app->ui.confirm[0] && d) {
        app->ui.confirm[0] = '\0';
        if (type == OK && (ch == 'o' || ch == 'O')) {
            char title[sizeof d->title];
            snprintf(title, sizeof title, "%s", d->title);
            if (store_dossier_delete(app->st, d->id) != 0) {
                app_flash(app, true, "%s", store_error(app->st));
                return KR_HANDLED;
            }
            app_flash(app, false, "Dossier « %s » supprimé.", title);
            app->ui.dossier_id = 0;
            app->next = &screen_dossiers;
            return KR_GOTO;
        }
        app_flash(app, false, "Le dossier est gardé.");
        return KR_HANDLED;
    }
    if (type == OK && (ch == 'x' || ch == 'X') && d) {
        snprintf(app->ui.confirm, sizeof app->ui.confirm, "supprimer");
        app_flash(app, true, "Supprimer le dossier « %s » et son historique ? Seulement s'il a "
                             "été noté par erreur. o : oui, supprimer   n : non", d->title);
        return KR_HANDLED;
    }
    if (type == OK && ch == 27) {
        /* Back to the list on the dossier just seen, not on the first one. */
        app->next = &screen_dossiers;
        app->next_focus = 0;
        for (size_t i = 0; i < app->status.dossier_count; i++)
            if (app->status.dossiers[i].id == app->ui.dossier_id)
                app->next_focus = (int)i;
        return KR_GOTO;
    }
    if (!d)
        return KR_UNHANDLED;
    if (detail_scroll(app, d, type, ch))
        return KR_HANDLED;
    if (type == OK && (ch == 'e' || ch == 'E')) {
        app->next = &screen_dossier_form;
        return KR_GOTO;
    }
    if (type == OK && (ch == 'c' || ch == 'C')) {
        if (dossier_status_closed(d->status)) {
            app_flash(app, false, "Ce dossier est clos (%s) : son statut ne change plus.",
                      dossier_status_label(d->status));
            return KR_HANDLED;
        }
        app->next = &screen_dossier_status;
        return KR_GOTO;
    }
    return KR_UNHANDLED;
}

const struct screen screen_dossier = {
    .id = "dossier",
    .atomic_keys = true, /* a deletion and its question answered */
    .load = detail_load,
    .draw = detail_draw,
    .key = detail_key,
};
