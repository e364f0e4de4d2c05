/* Step 3 in difelus: the official's criteria as on MCF (mandate, keywords, modality,
 * location), results from the local catalogue as they type, and Enter on a result to
 * create a dossier prefilled from it. */
#include <stdio.h>
#include <string.h>

#include "difelus/catalogue.h"
#include "difelus/text.h"
#include "tui/tui.h"

enum { SF_MANDATE, SF_WORDS, SF_MODALITY, SF_PLACE, SF_COUNT };
#define MAX_HITS 20
#define MAX_MANDATES 16

static const char *mandate_choices[MAX_MANDATES + 2];
static char mandate_labels[MAX_MANDATES][96];
static long long mandate_ids[MAX_MANDATES + 1];
static const char *const modality_choices[] = {"indifférente", "présentiel", "à distance", NULL};

static const struct tui_field_desc fields[SF_COUNT] = {
    {"Mandat", TF_CHOICE, 44, 44, mandate_choices},
    {"Nom ou thème de la formation", TF_TEXT, 44, 120, NULL},
    {"Modalité", TF_CHOICE, 14, 14, modality_choices},
    {"Lieu (département)", TF_TEXT, 24, 40, NULL},
};

static struct tui_form form;
static struct catalogue_hit hits[MAX_HITS];
static size_t hit_count;
static size_t catalogue_size;
static bool in_results;
static char last_query[512];
static char place_note[160];
static char error_text[512];

static void load_mandates(const struct app *app)
{
    size_t n = 0;
    mandate_choices[n] = "(sans mandat)";
    mandate_ids[n++] = 0;
    for (size_t i = 0; i < app->status.mandate_count && n <= MAX_MANDATES; i++) {
        const struct mandate *m = &app->status.mandates[i];
        snprintf(mandate_labels[n - 1], sizeof mandate_labels[n - 1], "%.40s — %.40s",
                 m->function, m->collectivite);
        mandate_choices[n] = mandate_labels[n - 1];
        mandate_ids[n++] = m->id;
    }
    mandate_choices[n] = NULL;
}

/* Runs the search for the current criteria (from two characters), if they changed. */
static void run_search(struct app *app, bool force)
{
    char words[256], place[64], modality[32], key[512];
    tui_form_value(&form, SF_WORDS, words, sizeof words);
    tui_form_value(&form, SF_PLACE, place, sizeof place);
    tui_form_value(&form, SF_MODALITY, modality, sizeof modality);
    snprintf(key, sizeof key, "%s\x1f%s\x1f%s", words, place, modality);
    if (!force && strcmp(key, last_query) == 0)
        return;
    snprintf(last_query, sizeof last_query, "%s", key);
    const struct departement *dept = NULL;
    place_note[0] = '\0';
    if (place[0]) {
        dept = places_find_departement(place);
        if (!dept)
            snprintf(place_note, sizeof place_note, "Département inconnu : tapez un numéro (07) "
                                                    "ou un nom (Ardèche).");
    }
    tui_form_set_error(&form, SF_PLACE, place_note);
    hit_count = 0;
    error_text[0] = '\0';
    if (text_width(words) < 2 || (place[0] && !dept))
        return;
    struct catalogue_query q = {
        .words = words,
        .modality = strcmp(modality, "présentiel") == 0  ? "presentiel"
                    : strcmp(modality, "à distance") == 0 ? "distance"
                                                          : NULL,
        .dept = dept,
        .limit = MAX_HITS,
    };
    if (catalogue_search(app->st, &q, hits, MAX_HITS, &hit_count, error_text,
                         sizeof error_text) != 0)
        hit_count = 0;
}

static void search_enter(struct app *app)
{
    if (tui_form_resume(&form, app))
        return;
    load_mandates(app);
    in_results = false;
    hit_count = 0;
    last_query[0] = '\0';
    error_text[0] = '\0';
    struct catalogue_info info;
    catalogue_size = 0;
    if (catalogue_get_info(app->st, &info, error_text, sizeof error_text) == 0)
        catalogue_size = info.total;
    if (!tui_form_open(&form, fields, SF_COUNT, NULL, 2))
        app_flash(app, true, "Mémoire insuffisante pour afficher la recherche.");
    /* The mandate the official recorded first is the usual choice. */
    if (app->status.mandate_count && form.form)
        set_field_buffer(form.fields[SF_MANDATE], 0, mandate_choices[1]);
    tui_form_focus(&form, SF_WORDS);
}

static void search_leave(struct app *app)
{
    tui_form_leave(&form, app);
}

static void search_cleanup(void)
{
    tui_form_close(&form);
}

/* Draws the results (or why there are none) from row y; returns the focused result's row,
 * or -1. */
static int draw_results(struct app *app, int y)
{
    int focus_y = -1;
    int w = COLS - 4;
    char line[1024], a[32], b[32], price[80], hours[40];
    if (catalogue_size == 0) {
        tui_paragraph(y, 2, w, 6, 0,
                      "Le catalogue de difelus est vide. Pour chercher ici, importez-le : "
                      "« difelus catalogue synchroniser » télécharge le catalogue de Mon Compte "
                      "Formation (Caisse des Dépôts), « difelus catalogue importer FICHIER » "
                      "importe un export CSV ou JSON, ou le CSV des formations de votre "
                      "organisme. La recherche sur moncompteformation.gouv.fr reste possible.");
        return -1;
    }
    if (error_text[0]) {
        tui_paragraph(y, 2, w, 2, tui_attr(TC_ERROR), error_text);
        return -1;
    }
    char words[256];
    tui_form_value(&form, SF_WORDS, words, sizeof words);
    if (text_width(words) < 2) {
        snprintf(line, sizeof line, "Tapez au moins deux lettres : les %zu formations du "
                                    "catalogue sont cherchées au fil de la frappe.", catalogue_size);
        tui_paragraph(y, 2, w, 2, 0, line);
        return -1;
    }
    snprintf(line, sizeof line, hit_count == 0 ? "Aucune formation trouvée."
                                : in_results ? "%zu résultat%s — Entrée : créer un dossier "
                                               "avec cette formation"
                                             : "%zu résultat%s — Entrée : choisir parmi les "
                                               "résultats",
             hit_count, hit_count > 1 ? "s" : "");
    tui_print(y++, 2, w, A_BOLD, line);
    int rows = (LINES - 3 - y) / 2;
    int first = in_results && app->ui.focus >= rows ? app->ui.focus - rows + 1 : 0;
    for (int i = first; i < (int)hit_count && i < first + rows; i++) {
        const struct catalogue_hit *h = &hits[i];
        bool focus = in_results && i == app->ui.focus;
        if (focus)
            focus_y = y;
        tui_print(y, 1, 1, A_BOLD, focus ? ">" : " ");
        tui_print(y++, 3, w - 1, focus ? tui_attr(TC_FOCUS) : 0, h->title);
        if (h->price_min < 0)
            snprintf(price, sizeof price, "prix non indiqué");
        else {
            text_format_euros(h->price_min, a, sizeof a);
            text_format_euros(h->price_max, b, sizeof b);
            snprintf(price, sizeof price, h->price_max > h->price_min ? "%s à %s" : "%s", a, b);
        }
        if (h->hours_min > 0)
            snprintf(hours, sizeof hours, " · %d h", h->hours_min / 100);
        else
            hours[0] = '\0';
        snprintf(line, sizeof line, "%s · %s · %s%s%s", h->body,
                 h->place[0] ? h->place : "lieu non indiqué", price, hours,
                 h->distance ? " · À DISTANCE" : "");
        tui_print(y++, 5, w - 3, 0, line);
    }
    return focus_y;
}

static void search_draw(struct app *app)
{
    tui_title_bar("Étape 3/6 — Rechercher une formation dans le catalogue");
    move(1, 0);
    clrtoeol();
    int y = tui_form_bottom(&form);
    move(y, 0);
    clrtobot();
    int focus_y = draw_results(app, y);
    tui_key_line(app, in_results ? "↑↓ choisir  Entrée créer le dossier  Échap critères  F10 quitter"
                                 : "Tab champ  Entrée résultats  Échap accueil  F1 aide  F10 quitter");
    form.hide_focus = in_results; /* the results list has the « > » */
    if (form.form)
        tui_form_draw(&form);
    if (focus_y >= 0)
        move(focus_y, 1); /* the cursor on the chosen result, for screen readers */
}

/* Records the search in the official's history. */
static void record(struct app *app)
{
    char words[256], place[64], modality[32], mandate[128];
    tui_form_value(&form, SF_WORDS, words, sizeof words);
    tui_form_value(&form, SF_PLACE, place, sizeof place);
    tui_form_value(&form, SF_MODALITY, modality, sizeof modality);
    tui_form_value(&form, SF_MANDATE, mandate, sizeof mandate);
    struct store_search s = {.keywords = words};
    for (size_t i = 0; mandate_choices[i]; i++)
        if (strcmp(mandate, mandate_choices[i]) == 0)
            s.mandate_id = mandate_ids[i];
    s.modality = strcmp(modality, "présentiel") == 0  ? "presentiel"
                 : strcmp(modality, "à distance") == 0 ? "distance"
                                                       : NULL;
    const struct departement *d = place[0] ? places_find_departement(place) : NULL;
    s.location = d ? d->code : NULL;
    long long ids[MAX_HITS];
    const char *titles[MAX_HITS];
    for (size_t i = 0; i < hit_count; i++) {
        ids[i] = hits[i].id;
        titles[i] = hits[i].title;
    }
    if (store_search_add(app->st, &s, ids, titles, hit_count) != 0)
        app_flash(app, true, "%s", store_error(app->st));
}

/* A dossier prefilled from the chosen training, then its form to complete the dates. */
static enum key_result create_dossier(struct app *app, const struct catalogue_hit *h)
{
    struct dossier d;
    memset(&d, 0, sizeof d);
    snprintf(d.catalogue_id, sizeof d.catalogue_id, "%s:%.50s",
             h->source == SOURCE_CDC ? "cdc" : "organisme", h->numero);
    snprintf(d.title, sizeof d.title, "%s", h->title);
    snprintf(d.body, sizeof d.body, "%s", h->body);
    char n[15], err[256];
    if (h->siret[0] && dossier_siret_valid(h->siret, n, err, sizeof err))
        memcpy(d.siret, n, sizeof d.siret);
    d.price_cents = h->price_min;
    d.hours_cents = h->hours_min;
    d.kind = DK_MANDATE;
    if (store_dossier_save(app->st, &d, app->today, ACTOR_OFFICIAL) != 0) {
        app_flash(app, true, "%s", store_error(app->st));
        return KR_HANDLED;
    }
    app_flash(app, false, "Dossier créé avec « %s » : indiquez les dates de la session.", h->title);
    app->dossier_id = d.id;
    app_reload_status(app);
    app->next = &screen_dossier_form;
    return KR_GOTO;
}

static enum key_result search_key(struct app *app, int type, wint_t ch)
{
    if (!form.form)
        return KR_UNHANDLED;
    if (in_results) {
        if (app_move_focus(app, type, ch, (int)hit_count))
            return KR_HANDLED;
        if (tui_key_is_enter(type, ch) && app->ui.focus < (int)hit_count)
            return create_dossier(app, &hits[app->ui.focus]);
        if ((type == OK && (ch == 27 || ch == '\t')) || (type == KEY_CODE_YES && ch == KEY_BTAB)) {
            in_results = false;
            return KR_HANDLED;
        }
        return type == KEY_CODE_YES ? KR_UNHANDLED : KR_HANDLED;
    }
    switch (tui_form_key(&form, type, ch)) {
    case TFR_NONE:
        run_search(app, false);
        return KR_HANDLED;
    case TFR_UNHANDLED:
        return KR_UNHANDLED;
    case TFR_CANCEL:
        app->next = &screen_home;
        return KR_GOTO;
    case TFR_SUBMIT:
        break;
    }
    run_search(app, false);
    char words[256];
    tui_form_value(&form, SF_WORDS, words, sizeof words);
    if (text_width(words) < 2) {
        app_flash(app, false, "Tapez au moins deux lettres du nom ou du thème de la formation.");
        return KR_HANDLED;
    }
    record(app);
    if (hit_count == 0) {
        app_flash(app, false, "Aucune formation trouvée : essayez d'autres mots ou un autre lieu.");
        return KR_HANDLED;
    }
    in_results = true;
    app->ui.focus = 0;
    return KR_HANDLED;
}

const struct screen screen_search = {
    .id = "recherche",
    .step = 0,
    .text_input = true,
    .enter = search_enter,
    .leave = search_leave,
    .cleanup = search_cleanup,
    .draw = search_draw,
    .key = search_key,
};
