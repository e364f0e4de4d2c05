/* The line mode: one question at a time, numbered choices, `<` to go back, an empty line
 * for the default in brackets, every line wrapped at a braille display's width. Everything
 * it says comes from the core (the guide's table, the rules' messages, the deadlines in
 * words); everything it records goes through the same store and rules functions as the
 * wizard's screens, so the two front ends can be swapped at any moment. */
#include "lines/lines.h"

#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "difelus/balance.h"
#include "difelus/dossier.h"
#include "difelus/guide.h"
#include "difelus/mandate.h"
#include "difelus/rules.h"
#include "difelus/status.h"
#include "difelus/syserr.h"
#include "difelus/text.h"

enum in_result { IN_OK, IN_BACK, IN_QUIT, IN_EOF };

enum place { P_MENU, P_STEP, P_MANDATES, P_DOSSIERS, P_DOSSIER, P_DEADLINES, P_BALANCE, P_QUIT };

struct pos {
    enum place place;
    int step;             /* P_STEP: 1..6 */
    long long dossier_id; /* P_DOSSIER */
};

struct lines {
    store *st;
    FILE *in, *out;
    int width;
    struct date today;
    struct status status;
    bool loaded;
    bool tty;    /* the input is a terminal: it echoes the Enter that ends a line */
    bool eof;    /* the input ended: leave, everything is saved already */
    int read_errno; /* the input failed (a hung-up terminal, a closed stdin): status 1 */
    bool failed; /* the database failed: leave with status 1 */
    char *line;
    size_t cap;
};

/* ---- output ---- */

/* The text without the wizard's key hints (« (touche m) » in the guide and the rules'
 * messages): here every action is a numbered choice, and a key named would mislead. */
static const char *without_keys(char *buf, size_t len, const char *text)
{
    static const char hint[] = " (touche ";
    size_t o = 0;
    for (const char *p = text; *p && o + 1 < len;) {
        const char *close = strncmp(p, hint, sizeof hint - 1) == 0 ? strchr(p, ')') : NULL;
        if (close && close - p <= (ptrdiff_t)sizeof hint + 4) {
            p = close + 1;
            continue;
        }
        buf[o++] = *p++;
    }
    buf[o] = '\0';
    return buf;
}

/* One paragraph wrapped at the width: its first line after `prefix`, the next ones
 * indented under the text; no newline after the last line when `end` is false (a
 * question, answered on the same line). */
static void put_para(struct lines *L, const char *prefix, const char *raw, bool end)
{
    char plain[4096];
    const char *text = without_keys(plain, sizeof plain, raw);
    int indent = text_width(prefix);
    /* A question keeps a column for the space before the answer. */
    int cols = L->width - indent - (end ? 0 : 1);
    if (cols < 10)
        cols = 10;
    const char *p = text;
    bool first = true;
    for (;;) {
        const char *next;
        size_t n = text_wrap_line(p, cols, &next);
        if (first)
            fputs(prefix, L->out);
        else
            fprintf(L->out, "%*s", indent, "");
        fwrite(p, 1, n, L->out);
        first = false;
        p = next;
        if (*p == '\0' || n == 0) {
            if (end)
                fputc('\n', L->out);
            return;
        }
        fputc('\n', L->out);
    }
}

/* Text that may hold several paragraphs (one per '\n'). */
static void put_text(struct lines *L, const char *prefix, const char *text)
{
    char para[4096];
    const char *p = text;
    bool first = true;
    do {
        size_t n = strcspn(p, "\n");
        snprintf(para, sizeof para, "%.*s", (int)n, p);
        put_para(L, first ? prefix : "", para, true);
        first = false;
        p += n + (p[n] == '\n');
    } while (*p);
}

static void say(struct lines *L, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void say(struct lines *L, const char *fmt, ...)
{
    char buf[4096];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    put_text(L, "", text_typeset(buf, sizeof buf));
}

/* A blank line between two screens' worth of text, for a reader who scrolls back. */
static void blank(struct lines *L)
{
    fputc('\n', L->out);
}

/* Outside or stored text for a message: no control character reaches the display. */
static const char *clean(char *buf, size_t len, const char *text)
{
    return text_sanitize(buf, len, text);
}

/* ---- input ---- */

/* Asks `prompt` (with its default in brackets when there is one) and reads a line into
 * answer: the default for an empty line; IN_BACK for `<`, IN_QUIT for `q` when allowed. */
static enum in_result ask(struct lines *L, const char *prompt, const char *def, bool quit_ok,
                          char *answer, size_t len)
{
    char q[2048];
    if (def && def[0])
        text_msgf(q, sizeof q, "%s [%s] :", prompt, def);
    else
        text_msgf(q, sizeof q, "%s :", prompt);
    put_para(L, "", q, false);
    fputc(' ', L->out);
    fflush(L->out);
    ssize_t n = getline(&L->line, &L->cap, L->in);
    if (!L->tty)
        fputc('\n', L->out); /* nothing echoed the Enter */
    if (n < 0) {
        L->eof = true;
        if (ferror(L->in))
            L->read_errno = errno ? errno : EIO;
        return IN_EOF;
    }
    while (n > 0 && (L->line[n - 1] == '\n' || L->line[n - 1] == '\r'))
        L->line[--n] = '\0';
    text_sanitize(answer, len, L->line);
    text_trim(answer);
    if (strcmp(answer, "<") == 0)
        return IN_BACK;
    if (quit_ok && (strcmp(answer, "q") == 0 || strcmp(answer, "Q") == 0))
        return IN_QUIT;
    if (answer[0] == '\0' && def)
        snprintf(answer, len, "%s", def);
    return IN_OK;
}

/* Asks a yes/no question, no by default; true only for « o » (oui). */
static enum in_result confirm(struct lines *L, const char *question, bool *yes)
{
    char a[64];
    enum in_result r = ask(L, question, "n", false, a, sizeof a);
    *yes = r == IN_OK && (a[0] == 'o' || a[0] == 'O');
    return r;
}

#define MENU_MAX 24
struct menu {
    int n;
    int tag[MENU_MAX];
    char label[MENU_MAX][1400];
};

static void menu_add(struct menu *m, int tag, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void menu_add(struct menu *m, int tag, const char *fmt, ...)
{
    if (m->n >= MENU_MAX)
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(m->label[m->n], sizeof m->label[m->n], fmt, ap);
    va_end(ap);
    text_typeset(m->label[m->n], sizeof m->label[m->n]);
    m->tag[m->n++] = tag;
}

/* The index of the entry tagged `tag`, or 0. */
static int menu_index(const struct menu *m, int tag)
{
    for (int i = 0; i < m->n; i++)
        if (m->tag[i] == tag)
            return i;
    return 0;
}

/* Prints the numbered entries and asks for one (entry `def` by default): its tag. */
static enum in_result menu_ask(struct lines *L, const struct menu *m, int def, bool quit_ok,
                               int *tag)
{
    int digits = m->n >= 10 ? 2 : 1;
    for (int i = 0; i < m->n; i++) {
        char prefix[16];
        snprintf(prefix, sizeof prefix, "%*d. ", digits, i + 1);
        put_para(L, prefix, m->label[i], true);
    }
    char def_text[16], a[256];
    snprintf(def_text, sizeof def_text, "%d", def + 1);
    for (;;) {
        enum in_result r = ask(L, "Votre choix", def_text, quit_ok, a, sizeof a);
        if (r != IN_OK)
            return r;
        char *end;
        long k = strtol(a, &end, 10);
        if (end != a && *end == '\0' && k >= 1 && k <= m->n) {
            *tag = m->tag[k - 1];
            return IN_OK;
        }
        say(L, "Tapez un numéro de 1 à %d, ou < pour revenir.", m->n);
    }
}

/* ---- state ---- */

static bool reload(struct lines *L)
{
    if (L->loaded)
        status_free(&L->status);
    L->loaded = status_load(L->st, L->today, &L->status) == 0;
    if (!L->loaded) {
        say(L, "Erreur : %s", store_error(L->st));
        L->failed = true;
    }
    return L->loaded;
}

static const struct dossier *find_dossier(const struct lines *L, long long id)
{
    for (size_t i = 0; i < L->status.dossier_count; i++)
        if (L->status.dossiers[i].id == id)
            return &L->status.dossiers[i];
    return NULL;
}

/* The wizard's screen for a place: what ui_state.screen holds. */
static const char *screen_of(const struct pos *p)
{
    static char step[16];
    switch (p->place) {
    case P_STEP:
        snprintf(step, sizeof step, "etape%d", p->step);
        return step;
    case P_MANDATES:
        return "mandats";
    case P_DOSSIERS:
        return "dossiers";
    case P_DOSSIER:
        return "dossier";
    case P_BALANCE:
        return "solde";
    default:
        return "accueil";
    }
}

/* Records the place in ui_state, as the wizard's change of screen does (focus and
 * scroll from the top, no question pending, no form's draft), so that the wizard started
 * next opens there. Nothing is written when the wizard is already there. */
static void save_place(struct lines *L, const struct pos *p)
{
    struct ui_state ui;
    if (store_ui_get(L->st, &ui) != 0)
        return;
    const char *id = screen_of(p);
    if (strcmp(ui.screen, id) == 0 && (p->place != P_DOSSIER || ui.dossier_id == p->dossier_id))
        return;
    snprintf(ui.screen, sizeof ui.screen, "%s", id);
    ui.focus = ui.scroll = 0;
    if (p->place == P_DOSSIER)
        ui.dossier_id = p->dossier_id;
    ui.help_from[0] = ui.confirm[0] = ui.message[0] = '\0';
    ui.confirm_id = 0;
    ui.message_error = ui.results = ui.draft_dirty = false;
    ui.draft_screen[0] = '\0';
    ui.draft_field = ui.draft_scroll = 0;
    ui.draft_cursor = -1;
    bool ok = store_begin(L->st) == 0;
    ok = ok && store_ui_set(L->st, &ui) == 0;
    ok = ok && store_draft_clear(L->st, 0) == 0;
    if (store_commit(L->st, ok) != 0 || !ok)
        say(L, "Position non enregistrée : %s", store_error(L->st));
}

/* Where the wizard was: its step, list or dossier (a form opens on its list). */
static struct pos place_of_ui(store *st)
{
    struct ui_state ui;
    struct pos p = {P_MENU, 0, 0};
    if (store_ui_get(st, &ui) != 0)
        return p;
    const char *s = ui.screen;
    if (strcmp(s, "aide") == 0 && ui.help_from[0])
        s = ui.help_from;
    if (strncmp(s, "etape", 5) == 0 && s[5] >= '1' && s[5] <= '0' + GUIDE_STEPS && !s[6])
        p = (struct pos){P_STEP, s[5] - '0', 0};
    else if (strcmp(s, "mandats") == 0 || strcmp(s, "mandat") == 0)
        p.place = P_MANDATES;
    else if ((strcmp(s, "dossier") == 0 || strcmp(s, "dossier-statut") == 0 ||
              strcmp(s, "dossier-modifier") == 0) && ui.dossier_id)
        p = (struct pos){P_DOSSIER, 0, ui.dossier_id};
    else if (strcmp(s, "dossiers") == 0 || strcmp(s, "dossier-modifier") == 0)
        p.place = P_DOSSIERS;
    else if (strcmp(s, "solde") == 0)
        p.place = P_BALANCE;
    return p;
}

static struct pos go(enum place place, int step, long long id)
{
    return (struct pos){place, step, id};
}

/* ---- forms ---- */

struct lfield {
    const char *label;
    const char *const *choices; /* NULL: typed text */
};

/* The check of one field on its own (the core's rules for that field alone): false with
 * the reason in err when the value typed is refused. The checks across fields (an end
 * before its start) wait for the whole form. */
typedef bool (*field_check)(struct lines *L, const void *ctx, char **values, int field,
                            char *err, size_t errlen);

/* Asks fields from `from` on, each with its value as default: a number for a choice,
 * text otherwise (« - » empties it); `<` goes back a field, and from the first one
 * leaves (IN_BACK). With `only` (a bit per field, 0 for all), only those fields are asked
 * again, until a `<` walks back through the form. A typed value that `check` refuses is
 * said at once with its reason and that field alone asked again, its previous value
 * kept as the default: a screen reader's user hears the refusal right after typing. */
static enum in_result ask_fields(struct lines *L, const struct lfield *f, int n, char **values,
                                 size_t size, int from, unsigned only, field_check check,
                                 const void *ctx)
{
    int i = from;
    while (i < n) {
        if (only && !(only & (1u << i))) {
            i++;
            continue;
        }
        enum in_result r;
        if (f[i].choices) {
            struct menu m = {0};
            int def = 0;
            say(L, "%s :", f[i].label);
            for (int k = 0; f[i].choices[k]; k++) {
                menu_add(&m, k, "%s", f[i].choices[k]);
                if (strcmp(values[i], f[i].choices[k]) == 0)
                    def = k;
            }
            int k = 0;
            r = menu_ask(L, &m, def, false, &k);
            if (r == IN_OK)
                snprintf(values[i], size, "%s", f[i].choices[k]);
        } else {
            char *a = malloc(size), *prev = malloc(size);
            if (!a || !prev) {
                free(a);
                free(prev);
                return IN_EOF;
            }
            r = ask(L, f[i].label, values[i], false, a, size);
            if (r == IN_OK) {
                char err[512];
                snprintf(prev, size, "%s", values[i]);
                snprintf(values[i], size, "%s", strcmp(a, "-") == 0 ? "" : a);
                if (check && !check(L, ctx, values, i, err, sizeof err)) {
                    say(L, "%s", err);
                    snprintf(values[i], size, "%s", prev);
                    free(a);
                    free(prev);
                    continue;
                }
            }
            free(a);
            free(prev);
        }
        if (r == IN_EOF || r == IN_QUIT)
            return r;
        if (r == IN_BACK) {
            if (i == 0)
                return IN_BACK;
            only = 0; /* walking back: every field from there on is asked again */
            i--;
            continue;
        }
        i++;
    }
    return IN_OK;
}

/* Says each refused field with its message; returns them, a bit per field. */
static unsigned say_errors(struct lines *L, const struct lfield *f, int n, char errors[][256])
{
    unsigned bad = 0;
    for (int i = 0; i < n; i++) {
        if (!errors[i][0])
            continue;
        bad |= 1u << i;
        say(L, "%s : %s", f[i].label, errors[i]);
    }
    return bad;
}

/* The values with only `field` kept and every other one empty: the core's check then
 * says what it finds wrong in that field alone, since its checks across fields only run
 * when both fields hold a value. */
static void alone(char **values, int n, int field, char **out)
{
    static char empty[1] = "";
    for (int i = 0; i < n; i++)
        out[i] = i == field ? values[i] : empty;
}

static void form_intro(struct lines *L)
{
    say(L, "Entrée seule garde la valeur entre crochets ; « - » vide un champ ; « < » revient "
           "au champ précédent.");
}

/* ---- mandates ---- */

static const char *const level_choices[] = {"municipal", "communautaire", "départemental",
                                            "régional", "autre", NULL};
static const char *const side_choices[] = {"majorité", "opposition", NULL};
static const char *const yes_no[] = {"non", "oui", NULL};

static const struct lfield mandate_fields[MF_COUNT] = {
    {"Niveau", level_choices},
    {"Collectivité", NULL},
    {"Fonction (maire, adjoint…)", NULL},
    {"Début du mandat (JJ/MM/AAAA)", NULL},
    {"Fin prévue (JJ/MM/AAAA)", NULL},
    {"Majorité ou opposition", side_choices},
    {"Indemnisé(e)", yes_no},
};

#define MVALUE (4 * MANDATE_TEXT_MAX + 1)

/* One field of the mandate's form, checked by the core's rules as soon as it is typed. */
static bool mandate_field_ok(struct lines *L, const void *ctx, char **values, int field,
                             char *err, size_t errlen)
{
    (void)L;
    (void)ctx;
    char *v[MF_COUNT], errors[MF_COUNT][256];
    struct mandate m;
    memset(&m, 0, sizeof m);
    alone(values, MF_COUNT, field, v);
    mandate_check_strings((const char *const *)v, &m, errors);
    if (!errors[field][0])
        return true;
    snprintf(err, errlen, "%s", errors[field]);
    return false;
}

/* Adds (m NULL) or edits a mandate; checked and saved as the wizard's form does. */
static void mandate_form(struct lines *L, const struct mandate *old)
{
    char values[MF_COUNT][MVALUE] = {{0}};
    char *v[MF_COUNT];
    if (old) {
        mandate_to_strings(old, values);
    } else {
        snprintf(values[MF_LEVEL], MVALUE, "municipal");
        snprintf(values[MF_SIDE], MVALUE, "majorité");
        snprintf(values[MF_INDEMNIFIED], MVALUE, "non");
    }
    for (int i = 0; i < MF_COUNT; i++)
        v[i] = values[i];
    blank(L);
    say(L, old ? "Modifier le mandat" : "Nouveau mandat");
    form_intro(L);
    unsigned only = 0;
    for (;;) {
        enum in_result r =
            ask_fields(L, mandate_fields, MF_COUNT, v, MVALUE, 0, only, mandate_field_ok, NULL);
        if (r != IN_OK) {
            if (r == IN_BACK)
                say(L, "Rien n'a été enregistré.");
            return;
        }
        struct mandate m;
        char errors[MF_COUNT][256];
        memset(&m, 0, sizeof m);
        m.id = old ? old->id : 0;
        if (mandate_check_strings((const char *const *)v, &m, errors) != 0) {
            say(L, "Mandat non enregistré :");
            /* What is left is a check across fields: the end is asked with its start. */
            only = say_errors(L, mandate_fields, MF_COUNT, errors);
            if (only & (1u << MF_END))
                only |= 1u << MF_START;
            continue;
        }
        if (store_mandate_save(L->st, &m) != 0) {
            say(L, "Mandat non enregistré : %s", store_error(L->st));
            return;
        }
        char f[MVALUE], c[MVALUE];
        say(L, "Mandat enregistré : %s — %s.", clean(f, sizeof f, m.function),
            clean(c, sizeof c, m.collectivite));
        reload(L);
        return;
    }
}

static void mandate_label(const struct mandate *m, char *buf, size_t len)
{
    char f[MVALUE], c[MVALUE], a[16], b[16];
    dates_format_short(m->start, a, sizeof a);
    dates_format_short(m->end, b, sizeof b);
    snprintf(buf, len, "%s — %s (%s, du %s au %s)", clean(f, sizeof f, m->function),
             clean(c, sizeof c, m->collectivite), mandate_level_label(m->level), a, b);
}

static struct pos do_mandates(struct lines *L)
{
    blank(L);
    say(L, "Mes mandats");
    if (L->status.mandate_count == 0)
        say(L, "Aucun mandat noté : ajoutez celui ou ceux que vous exercez.");
    struct menu m = {0};
    char label[1024];
    for (size_t i = 0; i < L->status.mandate_count && m.n < MENU_MAX - 2; i++) {
        mandate_label(&L->status.mandates[i], label, sizeof label);
        menu_add(&m, (int)i, "%s", label);
    }
    menu_add(&m, -1, "Ajouter un mandat");
    menu_add(&m, -2, "Menu principal");
    int tag;
    enum in_result r = menu_ask(L, &m, L->status.mandate_count ? m.n - 1 : m.n - 2, true, &tag);
    if (r == IN_EOF || r == IN_QUIT)
        return go(P_QUIT, 0, 0);
    if (r == IN_BACK || tag == -2)
        return go(P_MENU, 0, 0);
    if (tag == -1) {
        mandate_form(L, NULL);
        return L->eof ? go(P_QUIT, 0, 0) : go(P_MANDATES, 0, 0);
    }
    struct mandate chosen = L->status.mandates[tag];
    mandate_label(&chosen, label, sizeof label);
    blank(L);
    say(L, "Mandat : %s", label);
    struct menu act = {0};
    menu_add(&act, 0, "Modifier ce mandat");
    menu_add(&act, 1, "Supprimer ce mandat");
    menu_add(&act, 2, "Retour à mes mandats");
    r = menu_ask(L, &act, 0, true, &tag);
    if (r == IN_EOF || r == IN_QUIT)
        return go(P_QUIT, 0, 0);
    if (r == IN_OK && tag == 0)
        mandate_form(L, &chosen);
    if (r == IN_OK && tag == 1) {
        bool yes;
        if (confirm(L, "Supprimer ce mandat ? o : oui, n : non", &yes) == IN_EOF)
            return go(P_QUIT, 0, 0);
        if (!yes)
            say(L, "Le mandat est gardé.");
        else if (store_mandate_delete(L->st, chosen.id) != 0)
            say(L, "Mandat non supprimé : %s", store_error(L->st));
        else {
            say(L, "Mandat supprimé.");
            reload(L);
        }
    }
    return L->eof ? go(P_QUIT, 0, 0) : go(P_MANDATES, 0, 0);
}

/* ---- dossiers ---- */

static const char *const kinds[] = {"mandat", "reconversion", NULL};

/* Same order as enum dossier_field; the labels of the wizard's form. */
static const struct lfield dossier_fields[DF_COUNT] = {
    {"Intitulé de la formation", NULL},
    {"Organisme de formation", NULL},
    {"SIRET de l'organisme", NULL},
    {"Début (JJ/MM/AAAA)", NULL},
    {"Fin (JJ/MM/AAAA)", NULL},
    {"Prix TTC (€)", NULL},
    {"Heures de formation", NULL},
    {"TVA facturée par l'organisme", dossier_vat_choices},
    {"Type de formation", kinds},
    {"Notes", NULL},
    {"Créé sur MCF le (JJ/MM/AAAA)", NULL},
};

/* One field of the dossier's form, checked by the core's rules as soon as it is typed;
 * ctx is the dossier as it was (its status's date bounds the creation's). */
static bool dossier_field_ok(struct lines *L, const void *ctx, char **values, int field,
                             char *err, size_t errlen)
{
    char *v[DF_COUNT], errors[DF_COUNT][256];
    struct dossier d;
    if (ctx)
        d = *(const struct dossier *)ctx;
    else
        memset(&d, 0, sizeof d);
    alone(values, DF_COUNT, field, v);
    dossier_check_strings((const char *const *)v, &d, L->today, errors);
    if (!errors[field][0])
        return true;
    snprintf(err, errlen, "%s", errors[field]);
    return false;
}

/* The deadline the dossier's status sets, in words (jours ouvrés), or "". */
static void deadline_words(const struct lines *L, const struct dossier *d, char *buf, size_t len)
{
    buf[0] = '\0';
    struct dossier_deadline dl = dossier_deadline(d);
    if (dl.kind == DL_NONE || dossier_status_closed(d->status))
        return;
    char text[640];
    bool overdue;
    dossier_deadline_text(dl, L->today, text, sizeof text, &overdue);
    snprintf(buf, len, "%s%s", overdue ? "EN RETARD — " : "", text);
}

/* What was recorded and the deadline it sets, as the wizard's message line says it. */
static void say_noted(struct lines *L, long long id, const char *title, enum dossier_status to,
                      struct date day, const char *warning)
{
    char when[64], name[4 * DOSSIER_TEXT_MAX + 1];
    dates_format_long(day, when, sizeof when);
    clean(name, sizeof name, title);
    say(L, "Dossier « %s » : statut « %s » noté à la date du %s.", name,
        dossier_status_label(to), when);
    if (warning && warning[0])
        say(L, "ATTENTION : noté comme sur Mon Compte Formation, malgré les règles : %s",
            warning);
    const struct dossier *d = find_dossier(L, id);
    if (d) {
        char words[700];
        deadline_words(L, d, words, sizeof words);
        if (words[0])
            say(L, "Échéance : %s", words);
    }
}

/* Creates (old NULL) or edits a dossier; *id gets its id once saved (0 otherwise). */
static void dossier_form(struct lines *L, const struct dossier *old, long long *id)
{
    static char values[DF_COUNT][DOSSIER_VALUE_MAX];
    char *v[DF_COUNT];
    memset(values, 0, sizeof values);
    *id = 0;
    if (old) {
        dossier_to_strings(old, values);
    } else {
        dates_format_short(L->today, values[DF_CREATED], DOSSIER_VALUE_MAX);
        snprintf(values[DF_VAT], DOSSIER_VALUE_MAX, "%s", dossier_vat_choices[0]);
        snprintf(values[DF_KIND], DOSSIER_VALUE_MAX, "%s", kinds[0]);
    }
    for (int i = 0; i < DF_COUNT; i++)
        v[i] = values[i];
    blank(L);
    say(L, old ? "Modifier le dossier" : "Nouveau dossier d'inscription");
    say(L, "Recopiez ce qu'affiche Mon Compte Formation ; seul l'intitulé est requis.");
    form_intro(L);
    unsigned only = 0;
    for (;;) {
        enum in_result r = ask_fields(L, dossier_fields, DF_COUNT, v, DOSSIER_VALUE_MAX, 0, only,
                                      dossier_field_ok, old);
        if (r != IN_OK) {
            if (r == IN_BACK)
                say(L, old ? "Aucune modification : le dossier reste enregistré tel quel."
                           : "Aucun dossier créé.");
            return;
        }
        struct dossier d;
        char errors[DF_COUNT][256];
        if (old)
            d = *old;
        else
            memset(&d, 0, sizeof d);
        if (dossier_check_strings((const char *const *)v, &d, L->today, errors) != 0) {
            say(L, "Dossier non enregistré :");
            /* What is left is a check across fields: the end is asked with its start. */
            only = say_errors(L, dossier_fields, DF_COUNT, errors);
            if (only & (1u << DF_END))
                only |= 1u << DF_START;
            continue;
        }
        if (store_dossier_save(L->st, &d, L->today, ACTOR_OFFICIAL) != 0) {
            say(L, "Dossier non enregistré : %s", store_error(L->st));
            return;
        }
        char t[sizeof d.title];
        say(L, "Dossier enregistré : %s.", clean(t, sizeof t, d.title));
        *id = d.id;
        reload(L);
        return;
    }
}

/* The wizard's own keys (steps 5 and 6): moved on today after the rules' checks. */
static void transition(struct lines *L, const struct dossier *d, enum dossier_status to)
{
    char err[1024];
    if (!rules_check_transition(d, to, L->today, L->today, L->status.mandates,
                                L->status.mandate_count, err, sizeof err)) {
        say(L, "%s", err);
        return;
    }
    if (store_dossier_set_status(L->st, d->id, to, L->today, ACTOR_OFFICIAL) != 0) {
        say(L, "Statut non enregistré : %s", store_error(L->st));
        return;
    }
    char title[sizeof d->title];
    long long id = d->id;
    snprintf(title, sizeof title, "%s", d->title);
    if (reload(L))
        say_noted(L, id, title, to, L->today, "");
}

/* Records the status MCF shows, on the day it changed: a rule it breaks is said and kept
 * beside it (the wizard's status form). */
static void change_status(struct lines *L, const struct dossier *d)
{
    enum dossier_status next[DS_COUNT];
    size_t n = dossier_next_statuses(d->status, next);
    if (n == 0) {
        say(L, "Ce dossier est clos (%s) : son statut ne change plus.",
            dossier_status_label(d->status));
        return;
    }
    blank(L);
    say(L, "Aujourd'hui « %s ». Choisissez le statut affiché sur Mon Compte Formation.",
        dossier_status_label(d->status));
    struct menu m = {0};
    for (size_t i = 0; i < n; i++)
        menu_add(&m, (int)next[i], "%s", dossier_status_label(next[i]));
    int tag;
    if (menu_ask(L, &m, 0, false, &tag) != IN_OK) {
        if (!L->eof)
            say(L, "Statut inchangé.");
        return;
    }
    enum dossier_status to = (enum dossier_status)tag;
    char today[16], a[256], err[1024], warning[2048];
    dates_format_short(L->today, today, sizeof today);
    for (;;) {
        struct date day;
        if (ask(L, "Changé le (JJ/MM/AAAA)", today, false, a, sizeof a) != IN_OK) {
            if (!L->eof)
                say(L, "Statut inchangé.");
            return;
        }
        if (!dates_parse(a, &day, err, sizeof err)) {
            say(L, "%s", err);
            continue;
        }
        if (!rules_check_record(d, to, day, L->today, L->status.mandates,
                                L->status.mandate_count, err, sizeof err, warning,
                                sizeof warning)) {
            say(L, "%s", err);
            continue;
        }
        if (to == DS_CANCELLED) {
            bool yes;
            if (confirm(L, "Annuler ce dossier ? C'est définitif : son statut ne changera "
                           "plus. o : oui, n : non", &yes) != IN_OK || !yes) {
                if (!L->eof)
                    say(L, "Le dossier n'est pas annulé.");
                return;
            }
        }
        if (store_dossier_set_status_noted(L->st, d->id, to, day, ACTOR_OFFICIAL, warning) !=
            0) {
            say(L, "Statut non enregistré : %s", store_error(L->st));
            return;
        }
        char title[sizeof d->title];
        long long id = d->id;
        snprintf(title, sizeof title, "%s", d->title);
        if (reload(L))
            say_noted(L, id, title, to, day, warning);
        return;
    }
}

static void dossier_label(const struct lines *L, const struct dossier *d, char *buf, size_t len)
{
    char t[sizeof d->title], tail[800] = "";
    struct dossier_deadline dl = dossier_deadline(d);
    if (dossier_status_closed(d->status)) {
        snprintf(tail, sizeof tail, " (dossier clos)");
    } else if (dl.kind != DL_NONE) {
        char when[64];
        dates_format_long(dl.date, when, sizeof when);
        snprintf(tail, sizeof tail, ". %s%s : %s",
                 dates_compare(L->today, dl.date) > 0 ? "EN RETARD — " : "",
                 dossier_deadline_label(dl.kind), when);
    }
    snprintf(buf, len, "« %s » — %s%s", clean(t, sizeof t, d->title),
             dossier_status_label(d->status), tail);
}

static struct pos do_dossiers(struct lines *L)
{
    blank(L);
    say(L, "Mes dossiers d'inscription");
    if (L->status.dossier_count == 0)
        say(L, "Aucun dossier. Quand vous créez votre dossier d'inscription sur Mon Compte "
               "Formation (étape 4), notez-le ici : difelus calculera ses échéances.");
    struct menu m = {0};
    char label[1400];
    for (size_t i = 0; i < L->status.dossier_count && m.n < MENU_MAX - 2; i++) {
        dossier_label(L, &L->status.dossiers[i], label, sizeof label);
        menu_add(&m, (int)i, "%s", label);
    }
    menu_add(&m, -1, "Nouveau dossier");
    menu_add(&m, -2, "Menu principal");
    int tag;
    enum in_result r = menu_ask(L, &m, L->status.dossier_count ? 0 : m.n - 2, true, &tag);
    if (r == IN_EOF || r == IN_QUIT)
        return go(P_QUIT, 0, 0);
    if (r == IN_BACK || tag == -2)
        return go(P_MENU, 0, 0);
    if (tag == -1) {
        long long id;
        dossier_form(L, NULL, &id);
        return L->eof ? go(P_QUIT, 0, 0) : id ? go(P_DOSSIER, 0, id) : go(P_DOSSIERS, 0, 0);
    }
    return go(P_DOSSIER, 0, L->status.dossiers[tag].id);
}

static void say_dossier(struct lines *L, const struct dossier *d)
{
    char a[64], b[64], c[64], t[sizeof d->title], o[sizeof d->body];
    blank(L);
    say(L, "Dossier n° %lld : « %s »", d->id, clean(t, sizeof t, d->title));
    say(L, "Organisme : %s%s%s", d->body[0] ? clean(o, sizeof o, d->body) : "non indiqué",
        d->siret[0] ? ", SIRET " : "", d->siret);
    if (dates_valid(d->start) && dates_valid(d->end)) {
        dates_format_short(d->start, a, sizeof a);
        dates_format_short(d->end, b, sizeof b);
        say(L, "Session : du %s au %s.", a, b);
    } else {
        say(L, "Session : dates à indiquer.");
    }
    if (d->price_cents >= 0) {
        text_format_euros(d->price_cents, c, sizeof c);
        if (d->vat) {
            text_format_euros(dossier_price_ht(d), b, sizeof b);
            say(L, "Prix : %s TTC (%s HT).", c, b);
        } else {
            say(L, "Prix : %s TTC, exonéré de TVA.", c);
        }
    } else {
        say(L, "Prix : à indiquer.");
    }
    if (d->hours_cents > 0) {
        text_format_hours(d->hours_cents, a, sizeof a);
        say(L, "Durée : %s.", a);
    }
    dates_format_short(d->status_date, a, sizeof a);
    say(L, "Statut : %s (depuis le %s).", dossier_status_label(d->status), a);
    char words[700];
    deadline_words(L, d, words, sizeof words);
    if (words[0])
        say(L, "Échéance : %s", words);
    if (d->notes[0]) {
        char n[sizeof d->notes];
        say(L, "Notes : %s", clean(n, sizeof n, d->notes));
    }
    if (!dossier_status_closed(d->status)) {
        struct rules_finding f[RULES_MAX_FINDINGS];
        bool blocking;
        struct date request = dates_valid(d->sent_on) ? d->sent_on : L->today;
        size_t n = rules_check_dossier(d, L->status.mandates, L->status.mandate_count,
                                       status_balance_for_dossier(&L->status, d), request, f,
                                       &blocking);
        for (size_t i = 0; i < n; i++) {
            if (f[i].level == FINDING_OK && d->status != DS_CREATION)
                continue;
            static const char *const marks[] = {"Vérifié", "ATTENTION", "BLOQUANT"};
            say(L, "%s : %s", marks[f[i].level], f[i].message);
        }
    }
    struct dossier_event ev[32];
    size_t count = 0;
    if (store_dossier_events(L->st, d->id, ev, 32, &count) == 0 && count) {
        say(L, "Historique :");
        for (size_t i = 0; i < count; i++) {
            dates_format_short(ev[i].day, a, sizeof a);
            say(L, "%s, %s, %s%s", a, dossier_status_label(ev[i].status),
                ev[i].actor == ACTOR_AGENT ? "par le support" : "par vous",
                ev[i].warning[0] ? ", malgré les règles" : "");
        }
    }
}

static struct pos do_dossier(struct lines *L, long long id)
{
    const struct dossier *d = find_dossier(L, id);
    if (!d) {
        say(L, "Ce dossier n'existe plus.");
        return go(P_DOSSIERS, 0, 0);
    }
    say_dossier(L, d);
    struct menu m = {0};
    bool closed = dossier_status_closed(d->status);
    if (!closed)
        menu_add(&m, 0, "Changer le statut (comme sur Mon Compte Formation)");
    menu_add(&m, 1, "Modifier le dossier");
    menu_add(&m, 2, "Supprimer le dossier");
    menu_add(&m, 3, "Tous mes dossiers");
    menu_add(&m, 4, "Menu principal");
    int tag;
    enum in_result r = menu_ask(L, &m, closed ? 2 : 0, true, &tag);
    if (r == IN_EOF || r == IN_QUIT)
        return go(P_QUIT, 0, 0);
    if (r == IN_BACK || tag == 3)
        return go(P_DOSSIERS, 0, 0);
    if (tag == 4)
        return go(P_MENU, 0, 0);
    if (tag == 0)
        change_status(L, d);
    if (tag == 1) {
        struct dossier copy = *d;
        long long saved;
        dossier_form(L, &copy, &saved);
    }
    if (tag == 2) {
        bool yes;
        char t[sizeof d->title];
        clean(t, sizeof t, d->title);
        if (confirm(L, "Supprimer ce dossier et son historique ? Seulement s'il a été noté par "
                       "erreur. o : oui, n : non", &yes) != IN_OK || !yes) {
            if (!L->eof)
                say(L, "Le dossier est gardé.");
        } else if (store_dossier_delete(L->st, id) != 0) {
            say(L, "Dossier non supprimé : %s", store_error(L->st));
        } else {
            say(L, "Dossier « %s » supprimé.", t);
            reload(L);
            return go(P_DOSSIERS, 0, 0);
        }
    }
    return L->eof ? go(P_QUIT, 0, 0) : go(P_DOSSIER, 0, id);
}

static struct pos do_deadlines(struct lines *L)
{
    blank(L);
    say(L, "Échéances");
    if (L->status.deadline_count == 0)
        say(L, "Aucune échéance en cours.");
    for (size_t i = 0; i < L->status.deadline_count; i++) {
        const struct status_deadline *e = &L->status.deadlines[i];
        char when[64], label[1024];
        dates_format_long(e->date, when, sizeof when);
        say(L, "%s%s : %s.", e->overdue ? "EN RETARD — " : "",
            clean(label, sizeof label, e->label), when);
        if (e->text[0])
            say(L, "%s", e->text);
    }
    return go(P_MENU, 0, 0);
}

/* ---- balance ---- */

static const struct lfield balance_fields[BF_COUNT] = {
    {"Solde lu sur Compte élu (€)", NULL},
    {"Date du relevé (JJ/MM/AAAA)", NULL},
};

/* One field of the balance's form, checked as soon as it is typed: the amount alone, then
 * the date (the amount before it was accepted already). */
static bool balance_field_ok(struct lines *L, const void *ctx, char **values, int field,
                             char *err, size_t errlen)
{
    (void)ctx;
    long cents;
    struct date day;
    int bad = -1;
    if (balance_from_strings(values[BF_AMOUNT], values[BF_DATE], L->today, &cents, &day, &bad,
                             err, errlen) ||
        bad != field)
        return true;
    return false;
}

/* A reading of « Compte élu », checked as the wizard's balance form checks it. */
static void balance_form(struct lines *L)
{
    char values[BF_COUNT][256] = {{0}};
    char *v[BF_COUNT] = {values[0], values[1]};
    dates_format_short(L->today, values[BF_DATE], sizeof values[BF_DATE]);
    blank(L);
    say(L, "Sur moncompteformation.gouv.fr, ouvrez « Compte élu » : le montant de votre DIF "
           "élu y est affiché. Tapez-le ici avec la date du jour où vous l'avez lu.");
    unsigned only = 0;
    for (;;) {
        enum in_result r = ask_fields(L, balance_fields, BF_COUNT, v, sizeof values[0], 0, only,
                                      balance_field_ok, NULL);
        if (r != IN_OK) {
            if (r == IN_BACK)
                say(L, "Aucun solde enregistré.");
            return;
        }
        long cents;
        struct date day;
        int bad = 0;
        char err[512];
        if (!balance_from_strings(v[BF_AMOUNT], v[BF_DATE], L->today, &cents, &day, &bad, err,
                                  sizeof err)) {
            only = bad >= 0 && bad < BF_COUNT ? 1u << bad : 0;
            say(L, "Solde non enregistré : %s", err);
            continue;
        }
        if (store_credit_add(L->st, cents, day) != 0) {
            say(L, "Solde non enregistré : %s", store_error(L->st));
            return;
        }
        char amount[32], when[16];
        text_format_euros(cents, amount, sizeof amount);
        dates_format_short(day, when, sizeof when);
        say(L, "Solde enregistré : %s lu le %s.", amount, when);
        reload(L);
        return;
    }
}

static struct pos do_balance(struct lines *L)
{
    blank(L);
    say(L, "Mon solde DIF élu");
    struct credit_observation seen[5];
    size_t n = 0;
    if (store_credit_list(L->st, seen, 5, &n) != 0)
        say(L, "Relevés illisibles : %s", store_error(L->st));
    else if (n == 0)
        say(L, "Aucun relevé enregistré pour l'instant.");
    for (size_t i = 0; i < n; i++) {
        char amount[32], day[16];
        text_format_euros(seen[i].amount_cents, amount, sizeof amount);
        dates_format_short(seen[i].observed_on, day, sizeof day);
        say(L, "Relevé : %s le %s.", amount, day);
    }
    char estimate[2048];
    status_estimate_text(&L->status, estimate, sizeof estimate);
    say(L, "%s", estimate);
    struct menu m = {0};
    menu_add(&m, 0, "Noter le solde lu sur « Compte élu »");
    menu_add(&m, 1, "Menu principal");
    int tag;
    enum in_result r = menu_ask(L, &m, 0, true, &tag);
    if (r == IN_EOF || r == IN_QUIT)
        return go(P_QUIT, 0, 0);
    if (r == IN_BACK || tag == 1)
        return go(P_MENU, 0, 0);
    balance_form(L);
    return L->eof ? go(P_QUIT, 0, 0) : go(P_BALANCE, 0, 0);
}

/* ---- steps ---- */

enum { TAG_NEXT = 100, TAG_PREV, TAG_MENU, TAG_NEW_DOSSIER, TAG_SENT, TAG_ACCEPTED,
       TAG_CONFIRMED, TAG_OPEN, TAG_HELP };

/* The step's longer help (the wizard's « ? »), what difelus keeps, and whom to call. */
static void say_help(struct lines *L, const struct guide_step *g)
{
    char name[256], email[256], phone[256];
    blank(L);
    say(L, "Aide — étape %d/%d", g->number, GUIDE_STEPS);
    put_text(L, "", g->help);
    put_text(L, "", guide_general_help);
    store_setting_get(L->st, "organisme.nom", name, sizeof name);
    store_setting_get(L->st, "organisme.email", email, sizeof email);
    store_setting_get(L->st, "organisme.telephone", phone, sizeof phone);
    char n[256], e[256], t[256], glued[512];
    /* A phone number read or felt in braille stays on one line. */
    size_t o = 0;
    for (const char *c = clean(t, sizeof t, phone); *c && o + 3 < sizeof glued; c++) {
        if (*c == ' ') {
            memcpy(glued + o, "\u00a0", 2);
            o += 2;
        } else {
            glued[o++] = *c;
        }
    }
    glued[o] = '\0';
    say(L, "Support : %s, %s, %s.", clean(n, sizeof n, name), glued, clean(e, sizeof e, email));
}

static struct pos do_step(struct lines *L, int number, bool intro)
{
    const struct guide_step *g = guide_step(number);
    int idx = number - 1;
    if (intro) {
        blank(L);
        say(L, "Étape %d/%d — %s", number, GUIDE_STEPS, g->title);
        put_text(L, "", g->explanation);
        for (size_t i = 0; i < g->warning_count; i++)
            put_text(L, "ATTENTION : ", g->warnings[i]);
    }
    /* Steps 4 to 6 work on the open dossier: where it stands first, then the choices. */
    const struct dossier *d = number >= 4 ? status_current_dossier(&L->status) : NULL;
    char t[4 * DOSSIER_TEXT_MAX + 1];
    if (number >= 4) {
        char words[700];
        if (d) {
            say(L, "Mon dossier « %s » — %s", clean(t, sizeof t, d->title),
                dossier_status_label(d->status));
            deadline_words(L, d, words, sizeof words);
            if (words[0])
                say(L, "%s", words);
        } else {
            say(L, "Aucun dossier en cours dans difelus.");
        }
    }
    const struct status_step *s = &L->status.steps[idx];
    say(L, "Cases à cocher (%d sur %d faites) :", s->ticked, s->total);
    struct menu m = {0};
    int def = -1;
    for (size_t i = 0; i < g->item_count; i++) {
        bool ticked = L->status.ticked[idx][i];
        menu_add(&m, (int)i, "%s %s", ticked ? "[fait]" : "[à faire]", g->items[i].label);
        if (!ticked && def < 0)
            def = (int)i;
    }
    if (number >= 4) {
        if (!d && number == 4)
            menu_add(&m, TAG_NEW_DOSSIER, "Noter le dossier créé sur Mon Compte Formation");
        if (d && number == 5 && d->status == DS_CREATION)
            menu_add(&m, TAG_SENT, "J'ai envoyé ma demande aujourd'hui");
        if (d && number == 6 && d->status == DS_SENT)
            menu_add(&m, TAG_ACCEPTED, "L'organisme a validé ma demande (« À valider »)");
        if (d && number == 6 && (d->status == DS_TO_VALIDATE || d->status == DS_PROPOSAL))
            menu_add(&m, TAG_CONFIRMED, "J'ai confirmé mon inscription");
        if (d)
            menu_add(&m, TAG_OPEN, "Ouvrir le dossier « %s »", clean(t, sizeof t, d->title));
    }
    if (number < GUIDE_STEPS)
        menu_add(&m, TAG_NEXT, "Étape suivante : %d — %s", number + 1,
                 guide_step(number + 1)->title);
    if (number > 1)
        menu_add(&m, TAG_PREV, "Étape précédente : %d — %s", number - 1,
                 guide_step(number - 1)->title);
    menu_add(&m, TAG_HELP, "Aide de cette étape");
    menu_add(&m, TAG_MENU, "Menu principal");
    if (def < 0)
        def = menu_index(&m, number < GUIDE_STEPS ? TAG_NEXT : TAG_MENU);
    int tag;
    enum in_result r = menu_ask(L, &m, def, true, &tag);
    if (r == IN_EOF || r == IN_QUIT)
        return go(P_QUIT, 0, 0);
    if (r == IN_BACK || tag == TAG_MENU)
        return go(P_MENU, 0, 0);
    if (tag == TAG_NEXT)
        return go(P_STEP, number + 1, 0);
    if (tag == TAG_PREV)
        return go(P_STEP, number - 1, 0);
    if (tag == TAG_OPEN && d)
        return go(P_DOSSIER, 0, d->id);
    if (tag == TAG_HELP) {
        say_help(L, g);
    } else if (tag == TAG_NEW_DOSSIER) {
        long long id;
        dossier_form(L, NULL, &id);
    } else if (tag == TAG_SENT || tag == TAG_ACCEPTED || tag == TAG_CONFIRMED) {
        transition(L, d, tag == TAG_SENT       ? DS_SENT
                         : tag == TAG_ACCEPTED ? DS_TO_VALIDATE
                                               : DS_VALIDATED);
    } else {
        const struct guide_item *it = &g->items[tag];
        bool now = !L->status.ticked[idx][tag];
        if (store_checklist_set(L->st, it->id, now, ACTOR_OFFICIAL) != 0) {
            say(L, "Coche non enregistrée : %s", store_error(L->st));
        } else if (reload(L)) {
            say(L, "%s : %s", now ? "Coché" : "Décoché", it->label);
            if (now && L->status.steps[idx].done)
                say(L, "Étape %d faite !", number);
        }
    }
    /* The same step again, without its explanation: the checklist as it is now. */
    return L->eof ? go(P_QUIT, 0, 0) : go(P_STEP, -number, 0);
}

/* ---- main menu ---- */

enum { TAG_MANDATES = 10, TAG_BALANCE, TAG_DOSSIERS, TAG_DEADLINES, TAG_QUIT };

static struct pos do_menu(struct lines *L)
{
    blank(L);
    say(L, "Menu principal — étapes faites : %d sur %d.", L->status.steps_done, GUIDE_STEPS);
    struct menu m = {0};
    for (int n = 1; n <= GUIDE_STEPS; n++) {
        const struct status_step *s = &L->status.steps[n - 1];
        menu_add(&m, n, "Étape %d — %s (%s)", n, guide_step(n)->title,
                 s->done ? "faite" : s->ticked ? "commencée" : "à faire");
    }
    menu_add(&m, TAG_MANDATES, "Mes mandats (%zu)", L->status.mandate_count);
    menu_add(&m, TAG_DOSSIERS, "Mes dossiers (%zu)", L->status.dossier_count);
    menu_add(&m, TAG_BALANCE, "Mon solde DIF élu");
    menu_add(&m, TAG_DEADLINES, "Échéances (%zu)", L->status.deadline_count);
    menu_add(&m, TAG_QUIT, "Quitter");
    int step = L->status.current_step; /* the first step not done */
    int tag;
    enum in_result r = menu_ask(L, &m, step ? step - 1 : menu_index(&m, TAG_DOSSIERS), true,
                                &tag);
    if (r == IN_BACK) {
        say(L, "Vous êtes au menu principal : « q » pour quitter.");
        return go(P_MENU, 0, 0);
    }
    if (r != IN_OK || tag == TAG_QUIT)
        return go(P_QUIT, 0, 0);
    if (tag <= GUIDE_STEPS)
        return go(P_STEP, tag, 0);
    return go(tag == TAG_MANDATES   ? P_MANDATES
              : tag == TAG_BALANCE ? P_BALANCE
              : tag == TAG_DOSSIERS ? P_DOSSIERS
                                    : P_DEADLINES,
              0, 0);
}

int lines_width(const char *columns)
{
    char *end;
    long c = columns && *columns ? strtol(columns, &end, 10) : 0;
    if (!columns || !*columns || *end != '\0' || c < LINES_WIDTH_MIN)
        return LINES_WIDTH_MIN;
    return c > LINES_WIDTH_MAX ? LINES_WIDTH_MAX : (int)c;
}

int lines_run(store *st, FILE *in, FILE *out, struct date today, char *err, size_t errlen)
{
    struct lines L = {.st = st, .in = in, .out = out, .today = today};
    L.width = lines_width(getenv("COLUMNS"));
    L.tty = isatty(fileno(in));
    if (!reload(&L)) {
        snprintf(err, errlen, "%s", store_error(st));
        return EXIT_FAILURE;
    }
    say(&L, "difelus — mode lignes (lecteur d'écran, plage braille).");
    say(&L, "Tapez le numéro d'un choix puis Entrée. Entrée seule : le choix entre crochets. "
            "« < » : revenir. « q » : quitter. Tout est enregistré au fur et à mesure.");
    struct pos p = place_of_ui(st);
    /* A form half typed in the full-screen wizard stays there until the official goes
     * somewhere else here: the place is written only from the first move on. */
    struct ui_state ui;
    bool first = true;
    if (store_ui_get(st, &ui) == 0 && ui.draft_dirty && ui.draft_screen[0])
        say(&L, "Un formulaire commencé dans l'assistant plein écran n'est pas enregistré : "
                "il vous y attend tant que vous ne changez pas d'endroit ici. Pour le finir, "
                "tapez q et relancez difelus dans un terminal ordinaire.");
    while (p.place != P_QUIT && !L.failed) {
        bool intro = true;
        if (p.place == P_STEP && p.step < 0) {
            p.step = -p.step; /* the same step again */
            intro = false;
        }
        if (p.place == P_DOSSIER && !find_dossier(&L, p.dossier_id))
            p.place = P_DOSSIERS;
        if (!first)
            save_place(&L, &p);
        first = false;
        switch (p.place) {
        case P_STEP:
            p = do_step(&L, p.step, intro);
            break;
        case P_MANDATES:
            p = do_mandates(&L);
            break;
        case P_DOSSIERS:
            p = do_dossiers(&L);
            break;
        case P_DOSSIER:
            p = do_dossier(&L, p.dossier_id);
            break;
        case P_DEADLINES:
            p = do_deadlines(&L);
            break;
        case P_BALANCE:
            p = do_balance(&L);
            break;
        default:
            p = do_menu(&L);
            break;
        }
    }
    blank(&L);
    if (L.read_errno) {
        /* Not the end of a script: the keyboard went away (the terminal hung up, stdin was
         * closed). Said on stderr by the caller, with status 1. */
        snprintf(err, errlen, "lecture du clavier impossible (%s) : le terminal a été fermé "
                              "ou l'entrée standard n'est pas lisible. Tout ce que vous avez "
                              "fait est enregistré ; relancez difelus pour continuer.",
                 syserr_text(L.read_errno));
    } else if (L.eof)
        say(&L, "Fin de l'entrée : tout ce que vous avez fait est enregistré. À bientôt !");
    else if (!L.failed)
        say(&L, "Tout est enregistré. À bientôt !");
    fflush(out);
    if (L.loaded)
        status_free(&L.status);
    free(L.line);
    if (L.failed) {
        snprintf(err, errlen, "%s", store_error(st));
        return EXIT_FAILURE;
    }
    if (L.read_errno)
        return EXIT_FAILURE;
    return EXIT_SUCCESS;
}
