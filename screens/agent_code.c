/* The support agent's own screens (`difelus assister`), before the official's screen
 * arrives and after the session: the prompt for the code read over the phone, and the
 * texts of waiting, refusal and end. Everything else the agent sees is the official's
 * screens, drawn from the replica (src/tui/share_agent.c). */
#include <stdio.h>
#include <string.h>

#include "difelus/text.h"
#include "screens.h"
#include "tui/share_agent.h"

static const struct tui_field_desc code_field[] = {
    {"Code de l'élu", TF_TEXT, 14, 24, NULL},
};

static void code_enter(struct app *app)
{
    const char *init[] = {share_agent_typed(app)};
    if (!tui_form_open(&app->form, code_field, 1, init, 7))
        app_flash(app, true, "Mémoire insuffisante pour afficher le formulaire.");
}

static void code_draw(struct app *app)
{
    tui_title_bar("Aider un élu — code de partage");
    for (int y = 1; y < 7; y++) {
        move(y, 0);
        clrtoeol();
    }
    char text[512];
    snprintf(text, sizeof text,
             "Demandez à l'élu d'appuyer sur a dans son assistant : un code de 8 caractères "
             "s'affiche, par exemple ABCD-EFGH. Tapez-le comme vous l'entendez (minuscules, "
             "espaces et tiret acceptés), puis Entrée.");
    tui_paragraph(2, 2, COLS - 4, 4, 0, text_typeset(text, sizeof text));
    int y = tui_form_bottom(&app->form);
    move(y, 0);
    clrtobot();
    bool error = false;
    const char *note = share_agent_note(app, &error);
    if (note[0])
        tui_paragraph(y + 1, 2, COLS - 4, 4, error ? tui_attr(TC_ERROR) : 0, note);
    tui_key_line(app, "Entrée rejoindre l'élu  Échap ou F10 quitter");
    if (app->form.form)
        tui_form_draw(&app->form);
}

static enum key_result code_key(struct app *app, int type, wint_t ch)
{
    if ((type == KEY_CODE_YES && ch == KEY_F(10)) || (type == OK && ch == 27))
        return KR_QUIT;
    if (tui_key_is_enter(type, ch)) {
        char typed[TUI_FORM_VALUE_MAX], err[512];
        tui_form_value(&app->form, 0, typed, sizeof typed);
        if (!share_agent_join(app, typed, err, sizeof err))
            tui_form_reject(&app->form, 0, err);
        return KR_HANDLED;
    }
    if (tui_form_key(&app->form, type, ch) == TFR_UNHANDLED && type == KEY_CODE_YES)
        app_flash(app, false, "Cette touche ne fait rien ici : tapez le code, puis Entrée.");
    tui_form_say_refused(app, &app->form);
    return KR_HANDLED;
}

const struct screen screen_agent_code = {
    .id = "assister-code",
    .text_input = true,
    .enter = code_enter,
    .draw = code_draw,
    .key = code_key,
};

static void status_draw(struct app *app)
{
    bool error = false;
    const char *note = share_agent_note(app, &error);
    const char *text;
    const char *keys = "q quitter";
    switch (share_agent_phase(app)) {
    case AGENT_JOINING:
        text = "Vérification du code auprès du relais…";
        break;
    case AGENT_WAITING:
        text = "En attente de l'accord de l'élu… Il voit votre nom et votre organisme, et "
               "accepte ou refuse le partage.";
        break;
    case AGENT_ACCEPTED:
        text = "L'élu a accepté : réception de son écran…";
        break;
    default:
        text = note;
        note = "";
        keys = "une touche quitter";
        break;
    }
    char shown[1024];
    snprintf(shown, sizeof shown, "%s", text);
    if (share_agent_phase(app) == AGENT_WAITING && share_agent_announced(app)[0])
        snprintf(shown, sizeof shown, "En attente de l'accord de l'élu… Il voit votre "
                 "demande au nom de %s, et accepte ou refuse le partage.",
                 share_agent_announced(app));
    tui_title_bar("Aider un élu");
    int y = 2 + tui_paragraph(2, 2, COLS - 4, 6, A_BOLD, text_typeset(shown, sizeof shown));
    if (note[0])
        tui_paragraph(y + 1, 2, COLS - 4, 6, error ? tui_attr(TC_ERROR) : 0, note);
    else if (share_agent_phase(app) >= AGENT_REFUSED)
        tui_paragraph(y + 1, 2, COLS - 4, 2, 0, "Appuyez sur une touche pour quitter.");
    tui_key_line(app, keys);
}

const struct screen screen_agent_status = {
    .id = "assister-attente",
    .draw = status_draw,
};

/* With control, the agent still may not open or drive the assistance screen: the share
 * belongs to the official (its keys there would start a share from the agent's side); nor
 * start a catalogue download or import (F5, F6), which would run in the agent's process. */
static bool agent_refuses(const struct app *app, int type, wint_t ch, char *why, size_t len)
{
    if (type == KEY_CODE_YES && (ch == KEY_F(5) || ch == KEY_F(6))) {
        /* The download and the import run in this process, on the agent's catalogue. */
        text_msgf(why, len, "Le catalogue de l'élu est le sien, et le vôtre se met à jour hors "
                            "du partage : difelus catalogue synchroniser.");
        return true;
    }
    bool typing = app->screen->text_input;
    bool to_assistance = (type == KEY_CODE_YES && ch == KEY_F(2)) ||
                         (!typing && type == OK && (ch == 'a' || ch == 'A'));
    if (app->screen != &screen_assistance && !to_assistance)
        return false;
    text_msgf(why, len, "Le partage se règle chez l'élu : l'écran d'assistance ne répond qu'à "
                        "ses touches.");
    return true;
}

/* `difelus assister`: the official's screens, with the agent's own first. */
int screens_agent_run(const char *relay_url, const char *token, const char *code, bool color,
                      char *err, size_t errlen)
{
    struct screen_table table = screens_table;
    table.home = &screen_agent_code;
    /* The official's side's hooks (share_official.c) are not the agent's: its line is
     * drawn over the screens, and nothing is shared from here but through proposals. */
    table.first_key = NULL;
    table.after_event = NULL;
    table.overlay = share_agent_overlay;
    table.release = search_release;
    static const struct share_agent_screens own = {&screen_agent_code, &screen_agent_status,
                                                   agent_refuses};
    struct assist_request rq = {.relay_url = relay_url, .token = token, .code = code,
                                .color = color};
    return share_agent_run(&table, &own, &rq, err, errlen);
}
