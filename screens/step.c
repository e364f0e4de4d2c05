/* The six steps of the guide: explanation, checklist, ATTENTION box. One implementation,
 * six table entries; the content comes from the guide module. */
#include <stdio.h>

#include "difelus/text.h"
#include "screens.h"

static const struct guide_step *current(const struct app *app)
{
    return guide_step(app->screen->step);
}

static void step_enter(struct app *app)
{
    int n = (int)current(app)->item_count;
    if (app->ui.focus >= n)
        app->ui.focus = n - 1;
}

/* Whether dossier d is the subject of this step: at step 4 and 5 a dossier not sent yet,
 * at step 6 one that waits for the body's answer or for the confirmation. */
static bool dossier_fits_step(int step, const struct dossier *d)
{
    if (step <= 5)
        return d->status == DS_CREATION;
    return d->status == DS_SENT || d->status == DS_TO_VALIDATE || d->status == DS_PROPOSAL;
}

/* The open dossier that needs action here: one this step is about first, then the most
 * urgent deadline (so an overdue one before all others), then the newest. *others gets how
 * many other dossiers are open. NULL when none is open. */
static const struct dossier *step_dossier(const struct app *app, size_t *others)
{
    const struct status *s = &app->status;
    int step = app->screen->step;
    const struct dossier *best = NULL;
    size_t open = 0;
    for (size_t i = 0; i < s->dossier_count; i++) { /* newest first */
        const struct dossier *d = &s->dossiers[i];
        if (dossier_status_closed(d->status))
            continue;
        open++;
        if (!best) {
            best = d;
            continue;
        }
        bool fits = dossier_fits_step(step, d), best_fits = dossier_fits_step(step, best);
        if (fits != best_fits) {
            if (fits)
                best = d;
            continue;
        }
        struct dossier_deadline dl = dossier_deadline(d), best_dl = dossier_deadline(best);
        if (dl.kind == DL_NONE)
            continue;
        if (best_dl.kind == DL_NONE || dates_compare(dl.date, best_dl.date) < 0)
            best = d;
    }
    if (others)
        *others = open ? open - 1 : 0;
    return best;
}

/* What the official can do on the dossier at this step, as a key. */
static const char *dossier_action(int step, const struct dossier *d)
{
    if (!d)
        return step == 4 ? "n : noter le dossier créé sur Mon Compte Formation" : NULL;
    if (step == 5 && d->status == DS_CREATION)
        return "e : j'ai envoyé ma demande aujourd'hui    o : ouvrir le dossier";
    if (step == 6 && d->status == DS_SENT)
        return "v : l'organisme a validé ma demande (« À valider »)    o : ouvrir";
    if (step == 6 && (d->status == DS_TO_VALIDATE || d->status == DS_PROPOSAL))
        return "c : j'ai confirmé mon inscription    o : ouvrir le dossier";
    return "o : ouvrir le dossier    d : tous mes dossiers";
}

/* The dossier the official last moved on with e, v or c at this step, when the panel has
 * gone on to another one (NULL otherwise): the panel says so, lest the next key act on a
 * dossier the official did not look at. */
static const struct dossier *moved_dossier(const struct app *app, const struct dossier *shown)
{
    if (!shown || !app->ui.dossier_id || app->ui.dossier_id == shown->id)
        return NULL;
    for (size_t i = 0; i < app->status.dossier_count; i++) {
        const struct dossier *d = &app->status.dossiers[i];
        if (d->id == app->ui.dossier_id)
            return dossier_fits_step(app->screen->step, d) ? NULL : d;
    }
    return NULL;
}

/* Steps 4 to 6 work on one dossier: its status, its deadline in words, the key that moves
 * it on. Nothing is cut: the deadline takes the rows it needs. With draw false, only
 * counts the rows. Returns the rows used. */
static int dossier_panel(struct app *app, int y, int w, bool draw)
{
    int step = app->screen->step;
    size_t others = 0;
    const struct dossier *d = step_dossier(app, &others);
    const struct dossier *moved = moved_dossier(app, d);
    char line[1024];
    int start = y;
    if (moved) {
        char tail[160];
        snprintf(tail, sizeof tail, " » : %s. Dossier suivant :",
                 dossier_status_label(moved->status));
        snprintf(line, sizeof line, "« %s", moved->title);
        if (draw)
            tui_print_pair(y, 3, w, tui_attr(TC_DONE), line, tail);
        y++;
    }
    if (d) {
        char tail[256];
        /* The title in guillemets: one that has a colon of its own stays readable. */
        snprintf(tail, sizeof tail, " » — %s", dossier_status_label(d->status));
        snprintf(line, sizeof line, "Mon dossier « %s", d->title);
        if (draw)
            tui_print_pair(y, 3, w, A_BOLD, line, tail);
        y++;
        int rows = tui_dossier_deadline_rows(app, d, w);
        if (draw)
            tui_dossier_deadline(app, d, y, 3, w, rows, 0);
        y += rows;
        if (others) {
            /* An overdue dossier is never hidden without a word. */
            size_t late = 0;
            for (size_t i = 0; i < app->status.deadline_count; i++)
                late += app->status.deadlines[i].overdue && app->status.deadlines[i].dossier_id &&
                        app->status.deadlines[i].dossier_id != d->id;
            char dont[64] = "";
            if (late)
                snprintf(dont, sizeof dont, ", dont %zu en retard", late);
            snprintf(line, sizeof line, "Et %zu autre%s dossier%s en cours%s : d pour les voir.",
                     others, others > 1 ? "s" : "", others > 1 ? "s" : "", dont);
            if (draw)
                tui_print(y, 3, w, late ? tui_attr(TC_ERROR) : 0, line);
            y++;
        }
    } else {
        if (draw)
            tui_print(y, 3, w, A_BOLD, "Aucun dossier en cours dans difelus.");
        y++;
    }
    const char *action = dossier_action(step, d);
    if (action) {
        if (draw)
            tui_print(y, 3, w, 0, action);
        y++;
    }
    return y - start;
}

static void step_draw(struct app *app)
{
    const struct guide_step *g = current(app);
    int idx = g->number - 1;
    char line[512];
    int w = COLS - 4, y = 2;
    /* Rows 2 to `end` (excluded) are the step's; the message line, however long, below. */
    int msg = tui_message_rows(app);
    int end = LINES - 1 - (msg > 1 ? msg : 1);

    /* What must be whole (explanation, items, dossier panel) first; then the ATTENTION
     * box as it fits; the blank rows between them only when there is room. A date or a
     * deadline is never cut: the box gives way first. */
    int expl = text_wrap_count(g->explanation, w);
    if (expl > 4)
        expl = 4;
    int items = 0;
    for (size_t i = 0; i < g->item_count; i++) {
        int r = text_wrap_count(g->items[i].label, w - 5);
        items += r > 2 ? 2 : r;
    }
    bool done = app->status.steps[idx].done;
    int panel = g->number >= 4 ? dossier_panel(app, 0, w, false) : 0;
    int extra = g->number == 3 ? 1 : 0;
    int box = tui_warning_box_height(COLS - 2, g->warnings, g->warning_count);
    int need = expl + items + done + panel + extra + box;
    int spare = end - y - need;
    /* blanks: after the explanation, before « Étape faite », before the panel, before the
     * box; given in that order of usefulness */
    bool blank[4] = {spare > 0, spare > 1, spare > 2, spare > 3};

    snprintf(line, sizeof line, "Étape %d/%d — %s", g->number, GUIDE_STEPS, g->title);
    tui_title_bar(line);
    y += tui_paragraph(y, 2, w, 4, 0, g->explanation);
    y += blank[0];

    int cursor_y = y;
    for (size_t i = 0; i < g->item_count && y < end; i++) {
        bool focus = (int)i == app->ui.focus;
        bool ticked = app->status.ticked[idx][i];
        if (focus)
            cursor_y = y;
        tui_print(y, 1, 1, A_BOLD, focus ? ">" : " ");
        tui_print(y, 3, 4, ticked ? tui_attr(TC_DONE) | A_BOLD : 0, ticked ? "[x]" : "[ ]");
        y += tui_paragraph(y, 7, w - 5, 2, focus ? tui_attr(TC_FOCUS) : 0, g->items[i].label);
    }
    if (done && y < end) {
        y += blank[3];
        tui_print(y++, 3, w, tui_attr(TC_DONE) | A_BOLD,
                  g->number < GUIDE_STEPS ? "Étape faite. → : étape suivante."
                                          : "Dernière étape faite. h : retour à l'accueil.");
    }
    y += blank[1];
    if (g->number >= 4)
        y += dossier_panel(app, y, w, true);
    if (g->number == 3 && y < end)
        tui_print(y++, 3, w, A_BOLD, "r : chercher dans le catalogue de difelus, hors ligne, "
                                     "et créer le dossier");
    y += blank[2];
    tui_warning_box(y, 1, COLS - 2, end - y, g->warnings, g->warning_count);
    /* The assistance key where the official looks for keys (at 80 columns h gives way: ←
     * from step 1 and the help lead home too). */
    static const char keys_wide[] = "↑↓ choisir  Espace cocher  ←→ étapes  a assistance  ? aide  "
                                    "h accueil  q quitter";
    static const char keys[] = "↑↓ choisir  Espace cocher  ←→ étapes  a assistance  ? aide  "
                               "q quitter";
    tui_key_line(app, text_width(keys_wide) <= COLS - 2 ? keys_wide : keys);
    move(cursor_y, 4);
}

/* Why a dossier key does nothing for dossier d at this step (NULL when it acts). */
static const char *dossier_key_refusal(int step, wint_t ch, const struct dossier *d,
                                       char *buf, size_t len)
{
    if (!d) {
        snprintf(buf, len, "Aucun dossier en cours : à l'étape 4, n note le dossier créé sur "
                           "Mon Compte Formation.");
        return buf;
    }
    const char *status = dossier_status_label(d->status);
    if (ch == 'e' && step != 5)
        snprintf(buf, len, "e (demande envoyée) se fait à l'étape 5.");
    else if (ch == 'e' && d->status != DS_CREATION)
        snprintf(buf, len, "La demande du dossier « %s » est déjà envoyée : il est « %s ».",
                 d->title, status);
    else if ((ch == 'v' || ch == 'c') && step != 6)
        snprintf(buf, len, "%c se fait à l'étape 6.", (int)ch);
    else if (ch == 'v' && d->status != DS_SENT)
        snprintf(buf, len, "v sert quand la demande est envoyée et attend l'organisme ; le "
                           "dossier « %s » est « %s ».", d->title, status);
    else if (ch == 'c' && d->status != DS_TO_VALIDATE && d->status != DS_PROPOSAL)
        snprintf(buf, len, "c sert quand le dossier est « À valider » ; le dossier « %s » est "
                           "« %s ».", d->title, status);
    else
        return NULL;
    return buf;
}

static enum key_result dossier_key(struct app *app, int step, wint_t ch)
{
    const struct dossier *d = step_dossier(app, NULL);
    char why[1024];
    if (ch == 'n' && step == 4) {
        if (d) {
            app_flash(app, false, "Le dossier « %s » est déjà en cours : o pour l'ouvrir ; "
                                  "pour un autre dossier, d puis n.", d->title);
            return KR_HANDLED;
        }
        app->ui.dossier_id = 0;
        app->next = &screen_dossier_form;
        return KR_GOTO;
    }
    if (ch == 'o') {
        if (!d) {
            app_flash(app, false, "%s", dossier_key_refusal(step, ch, d, why, sizeof why));
            return KR_HANDLED;
        }
        app->ui.dossier_id = d->id;
        app->next = &screen_dossier;
        return KR_GOTO;
    }
    if (ch != 'e' && ch != 'v' && ch != 'c')
        return KR_UNHANDLED;
    if (dossier_key_refusal(step, ch, d, why, sizeof why)) {
        app_flash(app, false, "%s", why);
        return KR_HANDLED;
    }
    enum dossier_status to = ch == 'e' ? DS_SENT : ch == 'v' ? DS_TO_VALIDATE : DS_VALIDATED;
    long long id = d->id;
    if (app_dossier_transition(app, d, to, app->today))
        app->ui.dossier_id = id; /* the panel says it went on to another dossier */
    return KR_HANDLED;
}

static enum key_result step_key(struct app *app, int type, wint_t ch)
{
    const struct guide_step *g = current(app);
    int n = (int)g->item_count;
    if (app_move_focus(app, type, ch, n))
        return KR_HANDLED;
    if (type == OK && ch == 27) {
        app_flash(app, false, "Échap ne fait rien sur une étape : h pour l'accueil, ← pour "
                              "l'étape précédente.");
        return KR_HANDLED;
    }
    if (g->number >= 4 && type == OK) {
        enum key_result r = dossier_key(app, g->number, ch);
        if (r != KR_UNHANDLED)
            return r;
    }
    if (!(type == OK && ch == ' ') && !tui_key_is_enter(type, ch))
        return KR_UNHANDLED;
    int idx = g->number - 1;
    bool now = !app->status.ticked[idx][app->ui.focus];
    if (store_checklist_set(app->st, g->items[app->ui.focus].id, now, ACTOR_OFFICIAL) != 0) {
        app_flash(app, true, "Coche non enregistrée : %s", store_error(app->st));
        return KR_HANDLED;
    }
    app_reload_status(app);
    if (now && app->status.steps[idx].done)
        app_flash(app, false, "Étape %d faite !", g->number);
    else if (now && app->ui.focus < n - 1)
        app->ui.focus++; /* on to the next item, as on a paper checklist */
    return KR_HANDLED;
}

#define STEP_SCREEN(n)                                                                     \
    {                                                                                      \
        .id = "etape" #n, .step = n, .enter = step_enter, .draw = step_draw,               \
        .key = step_key,                                                                   \
    }

const struct screen screen_steps[GUIDE_STEPS] = {
    STEP_SCREEN(1), STEP_SCREEN(2), STEP_SCREEN(3),
    STEP_SCREEN(4), STEP_SCREEN(5), STEP_SCREEN(6),
};
