/* Recording the DIFE balance read on "Compte élu", with the history of readings. */
#include <stdio.h>
#include <string.h>

#include "difelus/balance.h"
#include "difelus/text.h"
#include "screens.h"

static const struct tui_field_desc fields[BF_COUNT] = {
    {"Solde lu sur Compte élu (€)", TF_TEXT, 12, 16, NULL},
    {"Date du relevé (JJ/MM/AAAA)", TF_TEXT, 10, 10, NULL},
};


static void balance_enter(struct app *app)
{
    char today[16];
    dates_format_short(app->today, today, sizeof today);
    const char *init[BF_COUNT] = {"", today};
    if (!tui_form_open(&app->form, fields, BF_COUNT, init, 6))
        app_flash(app, true, "Mémoire insuffisante pour afficher le formulaire.");
}

static void balance_load(struct app *app)
{
    struct screens_view *v = view_of(app);
    v->credit_count = 0;
    if (store_credit_list(app->st, v->credits, VIEW_CREDITS, &v->credit_count) != 0)
        app_flash(app, true, "%s", store_error(app->st));
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
    int y = tui_form_bottom(&app->form);
    move(y, 0);
    clrtobot();
    const struct credit_observation *seen = view_of(app)->credits;
    size_t n = view_of(app)->credit_count;
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
    tui_key_line(app, "Tab champ  Entrée enregistrer  F8 supprimer le dernier relevé  Échap retour");
    if (app->form.form)
        tui_form_draw(&app->form);
}

/* Checks both fields; *cents and *observed are set when both are right. Returns how many
 * are wrong. */
static int check_form(struct app *app, long *cents, struct date *observed,
                      char errors[BF_COUNT][256])
{
    char amount[TUI_FORM_VALUE_MAX], day[TUI_FORM_VALUE_MAX];
    tui_form_value(&app->form, BF_AMOUNT, amount, sizeof amount);
    tui_form_value(&app->form, BF_DATE, day, sizeof day);
    for (int i = 0; i < BF_COUNT; i++)
        errors[i][0] = '\0';
    int bad = 0, n = 0;
    char first[256], other[256];
    if (balance_from_strings(amount, day, app->today, cents, observed, &bad, first,
                             sizeof first))
        return 0;
    if (bad >= 0 && bad < BF_COUNT)
        snprintf(errors[bad], sizeof errors[bad], "%s", first);
    n = 1;
    /* The amount is checked first: check the date alone too, so both show at once. */
    int bad2 = 0;
    long c;
    struct date o;
    if (bad == BF_AMOUNT &&
        !balance_from_strings("0", day, app->today, &c, &o, &bad2, other, sizeof other) &&
        bad2 == BF_DATE) {
        snprintf(errors[BF_DATE], sizeof errors[BF_DATE], "%s", other);
        n++;
    }
    return n;
}

/* F8: the latest reading, entered by mistake, is deleted after a question. */
static enum key_result delete_key(struct app *app, int type, wint_t ch)
{
    if (app->ui.confirm[0]) {
        long long id = app->ui.confirm_id;
        app->ui.confirm[0] = '\0';
        app->ui.confirm_id = 0;
        if (type == OK && (ch == 'o' || ch == 'O')) {
            if (store_credit_delete(app->st, id) != 0)
                app_flash(app, true, "%s", store_error(app->st));
            else
                app_flash(app, false, "Relevé supprimé.");
            app_reload_status(app);
        } else {
            app_flash(app, false, "Le relevé est gardé.");
        }
        return KR_HANDLED;
    }
    struct credit_observation latest;
    size_t n = 0;
    if (store_credit_list(app->st, &latest, 1, &n) != 0) {
        app_flash(app, true, "%s", store_error(app->st));
        return KR_HANDLED;
    }
    if (n == 0) {
        app_flash(app, false, "Aucun relevé à supprimer.");
        return KR_HANDLED;
    }
    char amount[32], day[16];
    text_format_euros(latest.amount_cents, amount, sizeof amount);
    dates_format_short(latest.observed_on, day, sizeof day);
    snprintf(app->ui.confirm, sizeof app->ui.confirm, "supprimer");
    app->ui.confirm_id = latest.id;
    app_flash(app, true, "Supprimer le relevé de %s du %s (le plus récent) ? o : oui, supprimer"
                         "   n : non", amount, day);
    return KR_HANDLED;
}

static enum key_result balance_key(struct app *app, int type, wint_t ch)
{
    enum key_result r;
    long cents;
    struct date observed;
    char errors[BF_COUNT][256];
    if (strcmp(app->ui.confirm, "supprimer") == 0 ||
        (type == KEY_CODE_YES && ch == KEY_F(8) && !app->ui.confirm[0]))
        return delete_key(app, type, ch);
    if (!tui_form_shared_key(app, &app->form, type, ch, &screen_home, "Aucun solde enregistré.",
                             &r)) {
        if (r == KR_HANDLED && tui_form_has_errors(&app->form)) {
            check_form(app, &cents, &observed, errors);
            tui_form_recheck(&app->form, (const char(*)[256])errors, BF_COUNT);
        }
        return r;
    }
    if (check_form(app, &cents, &observed, errors) != 0) {
        int bad = tui_form_show_errors(&app->form, (const char(*)[256])errors, BF_COUNT);
        app_flash(app, true, bad > 1 ? "Solde non enregistré : corrigez les %d champs signalés."
                                     : "Solde non enregistré : corrigez le champ signalé.",
                  bad);
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
    .atomic_keys = true,
    .enter = balance_enter,
    .load = balance_load,
    .draw = balance_draw,
    .key = balance_key,
};
