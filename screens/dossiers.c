/* The official's registration dossiers: the list (open and closed), and one dossier with
 * its status, deadline in words, eligibility checks and history. */
#include <stdio.h>

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
    .enter = list_enter,
    .draw = list_draw,
    .key = list_key,
};

/* ---- one dossier ---- */

/* A labelled value on up to two rows: a long title or body is wrapped, not cut. */
static void detail_line(int *y, const char *label, const char *value)
{
    tui_print(*y, 2, 12, 0, label);
    *y += tui_paragraph(*y, 15, COLS - 17, 2, 0, value);
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

static void detail_draw(struct app *app)
{
    const struct dossier *d = app_dossier(app);
    char line[1100], a[160], b[64], c[32];
    int w = COLS - 4, y = 2;
    if (!d) {
        tui_title_bar("Dossier");
        tui_print(y, 2, w, 0, "Ce dossier n'existe plus. Échap : retour à la liste.");
        tui_key_line(app, "Échap retour  h accueil  q quitter");
        return;
    }
    snprintf(line, sizeof line, "Dossier n° %lld — %s", d->id, d->title);
    tui_title_bar(line);
    snprintf(line, sizeof line, "%s%s%s", d->body[0] ? d->body : "(organisme non indiqué)",
             d->siret[0] ? " · SIRET " : "", d->siret);
    detail_line(&y, "Formation", d->title); /* the title bar may have cut it */
    detail_line(&y, "Organisme", line);
    if (dates_valid(d->start) && dates_valid(d->end)) {
        dates_format_short(d->start, a, sizeof a);
        dates_format_short(d->end, b, sizeof b);
        snprintf(line, sizeof line, "du %s au %s", a, b);
    } else {
        snprintf(line, sizeof line, "dates à indiquer (e)");
    }
    detail_line(&y, "Session", line);
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
    if (d->hours_cents > 0 && d->hours_cents % 100)
        snprintf(b, sizeof b, " · %d,%02d h", d->hours_cents / 100, d->hours_cents % 100);
    else if (d->hours_cents > 0)
        snprintf(b, sizeof b, " · %d h", d->hours_cents / 100);
    else
        b[0] = '\0';
    snprintf(line, sizeof line, "%s%s · formation %s", a, b,
             d->kind == DK_RECONVERSION ? "de reconversion" : "liée au mandat");
    detail_line(&y, "Prix", line);
    dates_format_short(d->status_date, c, sizeof c);
    snprintf(line, sizeof line, "%s (depuis le %s)", dossier_status_label(d->status), c);
    y++;
    tui_print(y, 2, 12, A_BOLD, "Statut");
    tui_print(y++, 15, w - 13, A_BOLD, line);
    /* The deadline and its advice are shown whole (what to do when it is late matters
     * most); the checks and the history take the rows left. */
    y += tui_dossier_deadline(app, d, y, 15, w - 13, LINES - 4 - y > 1 ? LINES - 4 - y : 1,
                              A_BOLD);
    if (d->notes[0] && y < LINES - 4) {
        tui_print(y, 2, 12, 0, "Notes");
        y += tui_paragraph(y, 15, w - 13, 2, 0, d->notes);
    }
    y++;
    if (!dossier_status_closed(d->status) && y < LINES - 4) {
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
            tui_print(y++, 2, w, A_BOLD, "Vérifications");
        for (size_t i = 0; i < n && y < LINES - 4; i++) {
            if (!all && f[i].level == FINDING_OK)
                continue;
            static const char *const marks[] = {"ok", "!", "NON"};
            attr_t attr = f[i].level == FINDING_BLOCKING ? tui_attr(TC_ERROR) : 0;
            tui_print(y, 4, 4, attr | A_BOLD, marks[f[i].level]);
            y += tui_paragraph(y, 9, w - 7, 2, attr, f[i].message);
        }
        if (shown)
            y++;
    }
    const struct dossier_event *events = view_of(app)->events;
    size_t count = view_of(app)->event_count;
    if (count && y < LINES - 3) {
        tui_print(y++, 2, w, A_BOLD, "Historique");
        size_t room = (size_t)(LINES - 2 - y); /* rows y to LINES - 3 */
        size_t first = count > room ? count - room + 1 : 0; /* the latest ones fit */
        if (first)
            tui_print(y++, 4, w - 2, 0, "…");
        for (size_t i = first; i < count && y < LINES - 2; i++) {
            dates_format_short(events[i].day, a, sizeof a);
            snprintf(line, sizeof line, "%s  %s, %s%s", a, dossier_status_label(events[i].status),
                     events[i].actor == ACTOR_AGENT ? "par le support" : "par vous",
                     events[i].warning[0] ? " — malgré les règles" : "");
            tui_print(y++, 4, w - 2, events[i].warning[0] ? tui_attr(TC_ERROR) : 0, line);
            if (events[i].warning[0] && y < LINES - 2 && i + 1 == count) {
                /* Recorded as MCF showed it although a rule said otherwise. */
                snprintf(line, sizeof line, "ATTENTION\u00a0: %s", events[i].warning);
                y += tui_paragraph(y, 6, w - 4, LINES - 2 - y < 2 ? 1 : 2, tui_attr(TC_ERROR),
                                   line);
            }
        }
    }
    tui_key_line(app, dossier_status_closed(d->status)
                          ? "e modifier  x supprimer  Échap liste  h accueil  q quitter"
                          : "e modifier  c statut  x supprimer  Échap liste  h accueil  q quitter");
    move(2, 1);
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
    .load = detail_load,
    .draw = detail_draw,
    .key = detail_key,
};
