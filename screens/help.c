/* Help: the step's own help, the support's contact, the keys, what difelus keeps. */
#include <stdio.h>
#include <string.h>

#include "difelus/text.h"
#include "screens.h"

/* The help's lines, wrapped at the terminal's width, in the view. */
static void add_paragraph(struct screens_view *v, const char *text, attr_t attr, int cols)
{
    const char *p = text;
    while (*p && v->line_count < VIEW_HELP_LINES) {
        const char *next;
        size_t len = text_wrap_line(p, cols, &next);
        struct help_line *l = &v->lines[v->line_count++];
        if (len >= sizeof l->text)
            len = sizeof l->text - 1;
        memcpy(l->text, p, len);
        l->text[len] = '\0';
        l->attr = attr;
        p = next;
    }
    if (!*text && v->line_count < VIEW_HELP_LINES)
        v->lines[v->line_count++] = (struct help_line){"", 0};
}

static const char *const keys[] = {
    "1 à 6              aller à l'étape 1 à 6",
    "→ ou Page suiv.    étape suivante",
    "← ou Page préc.    étape précédente",
    "↑ ↓                se déplacer dans une liste, faire défiler l'aide",
    "Page suiv., préc.  dans l'aide : page suivante, précédente",
    "Espace             cocher ou décocher ; changer un choix",
    "Entrée             ouvrir, valider",
    "Tab, Maj+Tab       champ suivant, précédent d'un formulaire",
    "Échap              annuler un formulaire, quitter l'aide, revenir à la liste",
    "m                  mes mandats",
    "s                  noter mon solde DIF élu",
    "r                  rechercher une formation dans le catalogue",
    "F5 (recherche)     télécharger le catalogue (Échap l'arrête)",
    "F6 (recherche)     importer un fichier de formations (CSV ou JSON)",
    "d                  mes dossiers d'inscription",
    "étapes 4 à 6       n nouveau dossier, e envoyé, v validé par l'organisme,",
    "                   c confirmé, o ouvrir le dossier",
    "h                  accueil",
    "a ou F2            assistance : partager l'écran avec le support",
    "F3                 pendant un partage : reprendre le contrôle",
    "F4                 arrêter le partage d'écran",
    "? ou F1            cette aide",
    "q ou F10           quitter (tout est déjà enregistré)",
};

/* Built from the state alone: where the help was opened from, the settings, the width. */
static void build(struct app *app)
{
    struct screens_view *v = view_of(app);
    int cols = COLS - 4;
    char line[1024];
    v->line_count = 0;
    const struct screen *from = app_find_screen(app, app->ui.help_from);
    if (from && from->step) {
        const struct guide_step *g = guide_step(from->step);
        snprintf(line, sizeof line, "Étape %d — %s", g->number, g->title);
        add_paragraph(v, line, A_BOLD, cols);
        add_paragraph(v, g->help, 0, cols);
        add_paragraph(v, "", 0, cols);
    }
    add_paragraph(v, "Contacter le support", A_BOLD, cols);
    snprintf(line, sizeof line, "%s — %s — %s", app->org_name, app->org_email, app->org_phone);
    add_paragraph(v, line, 0, cols);
    add_paragraph(v, "Le support ne vous demandera jamais votre code secret ni un code reçu par "
                  "SMS : ne les donnez à personne.", 0, cols);
    add_paragraph(v, "", 0, cols);
    add_paragraph(v, "Les touches", A_BOLD, cols);
    for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++)
        add_paragraph(v, keys[i], 0, cols);
    add_paragraph(v, "", 0, cols);
    add_paragraph(v, guide_general_help, 0, cols);
}

static int visible_rows(void)
{
    return LINES - 4;
}

static void help_draw(struct app *app)
{
    build(app); /* at this width */
    int line_count = view_of(app)->line_count;
    const struct help_line *lines = view_of(app)->lines;
    int rows = visible_rows();
    int max_scroll = line_count > rows ? line_count - rows : 0;
    int scroll = app->ui.scroll > max_scroll ? max_scroll : app->ui.scroll; /* narrower */
    tui_title_bar("Aide");
    for (int i = 0; i < rows && scroll + i < line_count; i++) {
        const struct help_line *l = &lines[scroll + i];
        tui_print(2 + i, 2, COLS - 4, l->attr, l->text);
    }
    tui_key_line(app, max_scroll ? "↑↓ Page suiv./préc. faire défiler  Échap retour  h accueil  "
                                   "q quitter"
                                 : "Échap ou Entrée retour  h accueil  q quitter");
    move(2, 1);
}

static enum key_result help_key(struct app *app, int type, wint_t ch)
{
    if (type == KEY_CODE_YES && (ch == KEY_UP || ch == KEY_DOWN || ch == KEY_NPAGE ||
                                 ch == KEY_PPAGE || ch == KEY_HOME || ch == KEY_END)) {
        /* Page keys scroll the help (elsewhere they change step); a page keeps one line
         * of the previous one for context. */
        build(app);
        int line_count = view_of(app)->line_count;
        int page = visible_rows() > 2 ? visible_rows() - 1 : 1;
        int max_scroll = line_count > visible_rows() ? line_count - visible_rows() : 0;
        switch (ch) {
        case KEY_UP: app->ui.scroll--; break;
        case KEY_DOWN: app->ui.scroll++; break;
        case KEY_PPAGE: app->ui.scroll -= page; break;
        case KEY_NPAGE: app->ui.scroll += page; break;
        case KEY_HOME: app->ui.scroll = 0; break;
        default: app->ui.scroll = max_scroll; break;
        }
        if (app->ui.scroll > max_scroll)
            app->ui.scroll = max_scroll;
        if (app->ui.scroll < 0)
            app->ui.scroll = 0;
        return KR_HANDLED;
    }
    bool back = tui_key_is_enter(type, ch) || (type == OK && (ch == 27 || ch == '?')) ||
                (type == KEY_CODE_YES && ch == KEY_F(1));
    if (!back)
        return KR_UNHANDLED;
    const struct screen *from = app_find_screen(app, app->ui.help_from);
    app->next = from ? from : &screen_home;
    app->ui.help_from[0] = '\0';
    return KR_GOTO;
}

const struct screen screen_help = {
    .id = "aide",
    .keeps_draft = true,
    .draw = help_draw,
    .key = help_key,
};
