/* Recording the DIFE balance read on "Compte élu", with the history of readings. */
#include <stdio.h>
#include <string.h>

#include "difelus/balance.h"
#include "difelus/text.h"
#include "tui/tui.h"

static const struct tui_field_desc fields[BF_COUNT] = {
    {"Solde lu sur Compte élu (€)", TF_TEXT, 12, 16, NULL},
    {"Date du relevé (JJ/MM/AAAA)", TF_TEXT, 10, 10, NULL},
};

static struct tui_form form;

static void balance_enter(struct app *app)
{
    if (tui_form_resume(&form, app))
        return;
    char today[16];
    dates_format_short(app->today, today, sizeof today);
    const char *init[BF_COUNT] = {"", today};
    if (!tui_form_open(&form, fields, BF_COUNT, init, 6))
        app_flash(app, true, "Mémoire insuffisante pour afficher le formulaire.");
}

static void balance_leave(struct app *app)
{
    tui_form_leave(&form, app);
}

static void balance_cleanup(void)
{
    tui_form_close(&form);
}

static void balance_draw(struct app *app)
{
    tui_title_bar("Mon solde DIF élu");
    for (int y = 1; y < 6; y++) {
        move(y, 0);
        clrtoeol();
    }
    tui_paragraph(2, 2, COLS - 4, 3, 0,
                  "Sur moncompteformation.gouv.fr, ouvrez « Compte élu » : le montant de votre "
                  "DIF élu y est affiché. Tapez-le ici avec la date du jour où vous l'avez lu.");
    int y = tui_form_bottom(&form);
    move(y, 0);
    clrtobot();
    struct credit_observation seen[5];
    size_t n = 0;
    if (store_credit_list(app->st, seen, 5, &n) != 0)
        app_flash(app, true, "%s", store_error(app->st));
    y++;
    tui_print(y++, 2, COLS - 4, A_BOLD, n ? "Relevés enregistrés (le plus récent d'abord) :"
                                          : "Aucun relevé enregistré pour l'instant.");
    for (size_t i = 0; i < n && y < LINES - 2; i++) {
        char amount[32], day[16], line[96];
        text_format_euros(seen[i].amount_cents, amount, sizeof amount);
        dates_format_short(seen[i].observed_on, day, sizeof day);
        snprintf(line, sizeof line, "%s  le %s", amount, day);
        tui_print(y++, 4, COLS - 6, 0, line);
    }
    /* The estimate with what it assumes: a reading is the reference, not the last word. */
    char estimate[1024];
    status_estimate_text(&app->status, estimate, sizeof estimate);
    if (y + 1 < LINES - 2)
        tui_paragraph(y + 1, 2, COLS - 4, LINES - 3 - y, 0, estimate);
    tui_key_line(app, "Tab champ  Entrée enregistrer  Échap annuler  F1 aide  F10 quitter");
    if (form.form)
        tui_form_draw(&form);
}

static enum key_result balance_key(struct app *app, int type, wint_t ch)
{
    enum key_result r;
    if (!tui_form_screen_key(app, &form, type, ch, &screen_home, "Aucun solde enregistré.", &r))
        return r;
    char amount[TUI_FORM_VALUE_MAX], day[TUI_FORM_VALUE_MAX], err[512];
    tui_form_value(&form, BF_AMOUNT, amount, sizeof amount);
    tui_form_value(&form, BF_DATE, day, sizeof day);
    long cents;
    struct date observed;
    int bad = 0;
    if (!balance_from_strings(amount, day, app->today, &cents, &observed, &bad, err, sizeof err)) {
        tui_form_reject(&form, bad, err);
        app_flash(app, true, "Solde non enregistré : corrigez le champ signalé.");
        return KR_HANDLED;
    }
    if (store_credit_add(app->st, cents, observed) != 0) {
        app_flash(app, true, "%s", store_error(app->st));
        return KR_HANDLED;
    }
    char text[32];
    text_format_euros(cents, text, sizeof text);
    app_flash(app, false, "Solde enregistré : %s.", text);
    app->next = &screen_home;
    return KR_GOTO;
}

const struct screen screen_balance = {
    .id = "solde",
    .text_input = true,
    .enter = balance_enter,
    .leave = balance_leave,
    .cleanup = balance_cleanup,
    .draw = balance_draw,
    .key = balance_key,
};
