/* Step 3 in difelus: the official's criteria as on MCF (mandate, keywords, modality,
 * location), results from the local catalogue as they type, and Enter on a result to
 * create a dossier prefilled from it, once the official has seen what will be created. */
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <wchar.h>

#include "difelus/catalogue.h"
#include "difelus/sync.h"
#include "difelus/text.h"
#include "screens.h"

enum { SF_MANDATE, SF_WORDS, SF_MODALITY, SF_PLACE, SF_COUNT };
#define MAX_HITS VIEW_HITS
#define MAX_MANDATES VIEW_MANDATES
#define MANDATE_WIDTH VIEW_MANDATE_WIDTH /* a label must fit, or it cannot cycle */
#define MAX_SUGGESTIONS 4
/* Enter pressed on a result (app->ui.confirm): the dossier is shown before it is made. */
#define CONFIRM_CREATE "creer-dossier"
/* F6 pressed (app->ui.confirm): the official types the path of a file to import; the text
 * is the draft's field after the form's (SF_PATH), so that a restart gives it back. */
#define CONFIRM_PATH "chemin-fichier"
#define SF_PATH SF_COUNT
#define PATH_TEXT_MAX 1024
/* How the last download or import ended, under the criteria until the next key: the
 * draft's field after the path (its error text non-empty for a failure), so that a
 * restart shows it again. */
#define SF_JOB (SF_COUNT + 1)

static const char *const modality_choices[] = {"indifférente", "présentiel", "à distance", NULL};

/* The form's fields: the mandates' labels, loaded in the view, are the first choices. */
static void set_fields(struct screens_view *v)
{
    v->search_fields[SF_MANDATE] = (struct tui_field_desc){
        "Mandat", TF_CHOICE, MANDATE_WIDTH, MANDATE_WIDTH, v->mandate_choices};
    v->search_fields[SF_WORDS] =
        (struct tui_field_desc){"Nom ou thème de la formation", TF_TEXT, 44, 120, NULL};
    v->search_fields[SF_MODALITY] =
        (struct tui_field_desc){"Modalité", TF_CHOICE, 14, 14, modality_choices};
    v->search_fields[SF_PLACE] =
        (struct tui_field_desc){"Lieu (département)", TF_TEXT, 24, 40, NULL};
}

static bool mandate_current(const struct mandate *m, struct date today)
{
    return dates_compare(m->start, today) <= 0 && dates_compare(today, m->end) <= 0;
}

/* "Function — collectivité" in cols columns: when too long, each part is cut at a word,
 * the function keeping about three fifths of the room, so that both still tell mandates
 * apart. */
static void mandate_label(const struct mandate *m, int cols, char *out, size_t outlen)
{
    char fn[sizeof m->function + 8], coll[sizeof m->collectivite + 8];
    int sep = 3; /* " — " */
    if (text_width(m->function) + sep + text_width(m->collectivite) <= cols) {
        snprintf(out, outlen, "%s — %s", m->function, m->collectivite);
        return;
    }
    int fn_cols = (cols - sep) * 3 / 5;
    if (text_width(m->collectivite) < cols - sep - fn_cols)
        fn_cols = cols - sep - text_width(m->collectivite);
    text_clip(fn, sizeof fn, m->function, fn_cols);
    text_clip(coll, sizeof coll, m->collectivite, cols - sep - text_width(fn));
    snprintf(out, outlen, "%s — %s", fn, coll);
}

/* Labels that fit the field whole (a cut label would not match its choice, and Space would
 * stop cycling), cut at a word and never inside a character, and all different. */
static void load_mandates(const struct app *app)
{
    struct screens_view *v = view_of(app);
    size_t n = 0;
    v->mandate_choices[n] = "(sans mandat)";
    v->mandate_ids[n++] = 0;
    for (size_t i = 0; i < app->status.mandate_count && n <= MAX_MANDATES; i++) {
        const struct mandate *m = &app->status.mandates[i];
        char *label = v->mandate_labels[n - 1];
        mandate_label(m, MANDATE_WIDTH, label, sizeof v->mandate_labels[0]);
        for (size_t j = 1; j < n; j++) {
            if (strcmp(v->mandate_choices[j], label) == 0) {
                char suffix[16], cut[sizeof v->mandate_labels[0] - sizeof suffix];
                snprintf(suffix, sizeof suffix, " (%zu)", n);
                mandate_label(m, MANDATE_WIDTH - text_width(suffix), cut, sizeof cut);
                snprintf(label, sizeof v->mandate_labels[0], "%s%s", cut, suffix);
                break;
            }
        }
        v->mandate_choices[n] = label;
        v->mandate_ids[n++] = m->id;
    }
    v->mandate_choices[n] = NULL;
}

/* The choice offered first: a current mandate, else the one that ended last. */
static const char *default_mandate(const struct app *app)
{
    struct screens_view *v = view_of(app);
    const struct mandate *best = NULL;
    size_t at = 0;
    for (size_t i = 0; i < app->status.mandate_count && i < MAX_MANDATES; i++) {
        const struct mandate *m = &app->status.mandates[i];
        bool cur = mandate_current(m, app->today);
        bool best_cur = best && mandate_current(best, app->today);
        if (!best || (cur && !best_cur) ||
            (!cur && !best_cur && dates_compare(m->end, best->end) > 0)) {
            best = m;
            at = i;
        }
    }
    return best ? v->mandate_choices[at + 1] : v->mandate_choices[0];
}

/* The département the place field designates, or NULL; sets the note under the field: the
 * département understood, the candidates, or why none. */
static const struct departement *resolve_place(struct screens_view *v, const char *place)
{
    v->place_note[0] = '\0';
    v->place_note_error = false;
    if (!place[0])
        return NULL;
    const struct departement *found[MAX_SUGGESTIONS];
    size_t n = places_match_departements(place, found, MAX_SUGGESTIONS);
    char line[64];
    if (n == 1) {
        if (!places_find_departement(place)) {
            snprintf(v->place_note, sizeof v->place_note, "→ %s (%s)", found[0]->name, found[0]->code);
        }
        return found[0];
    }
    if (n == 0) {
        v->place_note_error = true;
        snprintf(v->place_note, sizeof v->place_note, "Département inconnu\u00a0: tapez un numéro (07) "
                                                "ou un nom (Ardèche).");
    } else if (n <= MAX_SUGGESTIONS) {
        snprintf(v->place_note, sizeof v->place_note, "Lequel\u00a0? ");
        for (size_t i = 0; i < n; i++) {
            snprintf(line, sizeof line, "%s%s (%s)", i ? (i + 1 == n ? " ou " : ", ") : "",
                     found[i]->name, found[i]->code);
            strncat(v->place_note, line, sizeof v->place_note - strlen(v->place_note) - 1);
        }
    } else {
        snprintf(v->place_note, sizeof v->place_note, "%zu départements commencent ainsi\u00a0: "
                                                "tapez la suite du nom ou le numéro.", n);
    }
    return NULL;
}

/* Runs the search for the current criteria (from two characters), if they changed. */
static void run_search(struct app *app, bool force)
{
    struct screens_view *v = view_of(app);
    char words[256], place[64], modality[32], key[512];
    tui_form_value(&app->form, SF_WORDS, words, sizeof words);
    tui_form_value(&app->form, SF_PLACE, place, sizeof place);
    tui_form_value(&app->form, SF_MODALITY, modality, sizeof modality);
    snprintf(key, sizeof key, "%s\x1f%s\x1f%s", words, place, modality);
    if (!force && strcmp(key, v->query) == 0)
        return;
    snprintf(v->query, sizeof v->query, "%s", key);
    const struct departement *dept = resolve_place(v, place);
    tui_form_set_error(&app->form, SF_PLACE, "");
    v->hit_count = 0;
    v->more_hits = false;
    v->error_text[0] = '\0';
    if (text_width(words) < 2 || (place[0] && !dept))
        return;
    struct catalogue_query q = {
        .words = words,
        .modality = strcmp(modality, "présentiel") == 0  ? "presentiel"
                    : strcmp(modality, "à distance") == 0 ? "distance"
                                                          : NULL,
        .dept = dept,
        .limit = MAX_HITS,
        .more = &v->more_hits,
    };
    if (catalogue_search(app->st, &q, v->hits, MAX_HITS, &v->hit_count, v->error_text,
                         sizeof v->error_text) != 0)
        v->hit_count = 0;
}

/* ---- F5: download the catalogue, F6: import a file, both in child processes ---- */

/* The path typed after F6: the draft's field after the form's. */
static char *path_text(struct app *app)
{
    return app->draft.value[SF_PATH];
}

/* The job's last word (SF_JOB): its text and whether it is a failure. */
static char *job_text(struct app *app)
{
    return app->draft.value[SF_JOB];
}

static bool job_text_error(const struct app *app)
{
    return app->draft.error[SF_JOB][0] != '\0';
}

static void job_text_clear(struct app *app)
{
    app->draft.value[SF_JOB][0] = app->draft.error[SF_JOB][0] = '\0';
}

static void job_ready(struct app *app, int fd, short revents, void *data);

/* Saved with the draft when a download starts, with the identity of the catalogue file
 * then (an import puts a new file in place) in the error field: the progress line shows
 * while it runs, its end replaces it, Échap clears it; only a download cut short by the
 * end of difelus leaves it for the restart to say. */
#define INTERRUPTED_TEXT                                                                   \
    "Le téléchargement précédent a été interrompu\u00a0; l'ancien catalogue est gardé."
#define INTERRUPTED_MARK "interrompu "

/* "device:inode" of the catalogue beside the base, or "aucun". */
static void catalogue_identity(const struct app *app, char *out, size_t len)
{
    char path[4200];
    snprintf(path, sizeof path, "%s", app->db_path);
    char *slash = strrchr(path, '/');
    snprintf(slash ? slash + 1 : path, sizeof path - (size_t)(slash ? slash + 1 - path : 0),
             "catalogue.db");
    struct stat sb;
    if (stat(path, &sb) == 0)
        snprintf(out, len, "%llu:%llu", (unsigned long long)sb.st_dev,
                 (unsigned long long)sb.st_ino);
    else
        snprintf(out, len, "aucun");
}

static void mark_download_started(struct app *app)
{
    if (app->screen != &screen_search)
        return;
    char id[64];
    catalogue_identity(app, id, sizeof id);
    snprintf(job_text(app), sizeof app->draft.value[SF_JOB], "%s", INTERRUPTED_TEXT);
    snprintf(app->draft.error[SF_JOB], sizeof app->draft.error[SF_JOB], "%s%s",
             INTERRUPTED_MARK, id);
}

/* At the restart: an import left to finish after difelus ended (the download was whole)
 * replaced the catalogue since the mark, which then would not be true. */
static void check_interrupted(struct app *app)
{
    const char *mark = app->draft.error[SF_JOB];
    size_t n = strlen(INTERRUPTED_MARK);
    if (view_of(app)->job.state != SYNC_IDLE || strncmp(mark, INTERRUPTED_MARK, n) != 0)
        return;
    char id[64];
    catalogue_identity(app, id, sizeof id);
    if (strcmp(id, mark + n) != 0)
        job_text_clear(app);
}

/* Has the app poll the job's current pipe (it changes when the import's child starts). */
static void watch_job(struct app *app, bool on)
{
    struct screens_view *v = view_of(app);
    if (v->job_watched)
        app_unwatch_fd(app, v->job_fd);
    v->job_watched = false;
    if (on && v->job.msg_fd >= 0 && app_watch_fd(app, v->job.msg_fd, job_ready, NULL)) {
        v->job_watched = true;
        v->job_fd = v->job.msg_fd;
    }
}

/* On the search screen, under the criteria; elsewhere in the message line. */
static void job_said(struct app *app, bool error, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void job_said(struct app *app, bool error, const char *fmt, ...)
{
    char said[1200];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(said, sizeof said, fmt, ap);
    va_end(ap);
    if (app->screen != &screen_search) {
        app_flash(app, error, "%s", said);
        return;
    }
    /* The search's screen has its draft open: the message is saved with it. */
    snprintf(job_text(app), sizeof app->draft.value[SF_JOB], "%s", said);
    snprintf(app->draft.error[SF_JOB], sizeof app->draft.error[SF_JOB], "%s",
             error ? "erreur" : "");
}

/* The event loop calls this when the helper or the import's child spoke or ended. */
static void job_ready(struct app *app, int fd, short revents, void *data)
{
    (void)fd;
    (void)revents;
    (void)data;
    struct screens_view *v = view_of(app);
    char err[1024], count[32];
    switch (sync_job_read(&v->job)) {
    case SYNC_RUNNING:
    case SYNC_IMPORTING:
        return;
    case SYNC_RECEIVED:
        /* The whole body is there: its import runs in a child too, Échap still works. */
        if (sync_job_import_start(app->db_path, &v->job, NULL, err, sizeof err) != 0) {
            if (app->screen == &screen_search)
                job_text_clear(app); /* not interrupted: said in the message line */
            app_flash(app, true, "%s", err);
            watch_job(app, false);
            return;
        }
        watch_job(app, true);
        return;
    case SYNC_DONE:
        if (v->job_is_file) {
            /* The path was kept for a correction; the draft is the search's only while
             * its form is the one open (or behind the help). */
            if (strcmp(app->ui.draft_screen, screen_search.id) == 0)
                path_text(app)[0] = '\0';
            job_said(app, false, "Fichier importé\u00a0: %s formation%s dans le catalogue.",
                     text_format_count(v->job.records, count, sizeof count),
                     v->job.records > 1 ? "s" : "");
        } else {
            job_said(app, false, "Catalogue téléchargé\u00a0: %s formation%s importée%s.",
                     text_format_count(v->job.records, count, sizeof count),
                     v->job.records > 1 ? "s" : "",
                     v->job.records > 1 ? "s" : "");
        }
        sync_job_cancel(&v->job);
        watch_job(app, false);
        /* The results come from the fresh catalogue at once, not at the next check. */
        catalogue_refresh_if_changed(app->st, err, sizeof err);
        app->catalogue_changes++;
        return;
    case SYNC_FAILED:
    case SYNC_IDLE:
        job_said(app, true, "%s", v->job.err[0] ? v->job.err : "Le téléchargement s'est arrêté.");
        sync_job_cancel(&v->job);
        watch_job(app, false);
        return;
    }
}

static void start_download(struct app *app)
{
    struct screens_view *v = view_of(app);
    if (v->job.state != SYNC_IDLE) {
        app_flash(app, false, "Un téléchargement ou un import est déjà en cours\u00a0: Échap "
                              "l'arrête.");
        return;
    }
    char err[1024];
    const char *stall = getenv("DIFELUS_CATALOGUE_DELAI");
    struct sync_options opt = {.stall_seconds = stall ? atol(stall) : 0, .wizard = true};
    if (sync_job_start(app->st, &opt, &v->job, err, sizeof err) != 0) {
        job_said(app, true, "%s", err);
        return;
    }
    v->job_is_file = false;
    mark_download_started(app);
    watch_job(app, true);
}

static void stop_job(struct app *app)
{
    struct screens_view *v = view_of(app);
    bool importing = v->job.state == SYNC_IMPORTING;
    sync_job_cancel(&v->job);
    watch_job(app, false);
    if (app->screen == &screen_search && !v->job_is_file)
        job_text_clear(app); /* the download's mark: stopped here, not interrupted */
    app_flash(app, false, "%s arrêté\u00a0: l'ancien catalogue est gardé tel quel.",
              importing ? "Import" : "Téléchargement");
}

void search_release(struct app *app)
{
    struct screens_view *v = view_of(app);
    sync_job_cancel(&v->job);
    watch_job(app, false);
}

/* "850 octets", "12,3 ko", "45,6 Mo" (decimal comma, non-breaking space). */
static void format_size(long long n, char *buf, size_t len)
{
    if (n < 1000)
        snprintf(buf, len, "%lld\u00a0octet%s", n, n > 1 ? "s" : "");
    else if (n < 1000000)
        snprintf(buf, len, "%lld,%lld\u00a0ko", n / 1000, n / 100 % 10);
    else
        snprintf(buf, len, "%lld,%lld\u00a0Mo", n / 1000000, n / 100000 % 10);
}

/* The running job from row y: what is received and a bar; returns the rows used. */
static int draw_job(struct app *app, int y)
{
    const struct screens_view *v = view_of(app);
    const struct sync_job *job = &v->job;
    int w = COLS - 4;
    if (job->state != SYNC_RUNNING && job->state != SYNC_RECEIVED &&
        job->state != SYNC_IMPORTING) {
        if (!job_text(app)[0])
            return 0;
        return tui_paragraph(y, 2, w, 5, job_text_error(app) ? tui_attr(TC_ERROR) : A_BOLD,
                             job_text(app)) + 1;
    }
    char line[512], got[64], total[64];
    if (job->state == SYNC_RUNNING) {
        format_size(job->bytes, got, sizeof got);
        format_size(job->total, total, sizeof total);
        if (job->total > 0)
            snprintf(line, sizeof line, "Téléchargement du catalogue\u00a0: %s reçus sur %s "
                                        "(%lld\u202f%%)", got, total, job->bytes * 100 / job->total);
        else
            snprintf(line, sizeof line, "Téléchargement du catalogue\u00a0: %s reçus", got);
    } else {
        char count[32];
        snprintf(line, sizeof line, "%s\u00a0: %s formations lues…",
                 v->job_is_file ? "Import du fichier" : "Import du catalogue téléchargé",
                 text_format_count(job->records, count, sizeof count));
    }
    tui_print(y, 2, w, A_BOLD, line);
    const char *stop = "  Échap\u00a0: arrêter (l'ancien catalogue reste)";
    int bar = w - text_width(stop) - 2;
    char cells[256];
    size_t at = 0;
    cells[at++] = '[';
    int filled = job->state == SYNC_RUNNING && job->total > 0
                     ? (int)(job->bytes * bar / job->total)
                     : job->state == SYNC_RUNNING ? 0 : bar;
    for (int i = 0; i < bar && at < sizeof cells - 2; i++)
        cells[at++] = i < filled ? '#' : '.';
    cells[at++] = ']';
    cells[at] = '\0';
    snprintf(line, sizeof line, "%s%s", cells, stop);
    tui_print(y + 1, 2, w, 0, line);
    return 3;
}

/* The prompt of F6 from row y; *cy, *cx: where the cursor goes (the path's end). */
static void draw_path_prompt(struct app *app, int y, int *cy, int *cx)
{
    int w = COLS - 4;
    y += tui_paragraph(y, 2, w, 2, A_BOLD,
                       "Fichier à importer dans le catalogue\u00a0: export CSV ou JSON de la "
                       "Caisse des Dépôts, ou CSV des formations d’un organisme.");
    y++;
    /* The end of a long path, where the official types. */
    const char *shown = path_text(app);
    while (text_width(shown) > w - 3) {
        shown++;
        while ((*shown & 0xC0) == 0x80)
            shown++;
    }
    attr_t a = A_UNDERLINE;
    attron(a);
    mvhline(y, 2, ' ', w - 1);
    attroff(a);
    int used = tui_print(y, 2, w - 1, a, shown);
    *cy = y;
    *cx = 2 + used;
    tui_paragraph(y + 2, 2, w, 3, 0,
                  "Tapez le chemin complet du fichier (~/ pour votre dossier personnel), par "
                  "exemple ~/Téléchargements/formations.csv, puis Entrée. Le catalogue "
                  "actuel ne change que si tout le fichier est bon.");
}

static void start_file_import(struct app *app)
{
    struct screens_view *v = view_of(app);
    const char *typed = path_text(app);
    char path[2048], err[1024];
    const char *home = getenv("HOME");
    if (typed[0] == '~' && (typed[1] == '/' || !typed[1]) && home && *home)
        snprintf(path, sizeof path, "%s%s", home, typed + 1);
    else
        snprintf(path, sizeof path, "%s", typed);
    if (sync_job_import_start(app->db_path, &v->job, path, err, sizeof err) != 0) {
        job_said(app, true, "%s", err);
        return;
    }
    v->job_is_file = true;
    app->ui.confirm[0] = '\0';
    watch_job(app, true);
    /* The path stays in the draft until the import is through: a refused file comes back
     * with F6 to be corrected. */
}

static enum key_result path_key(struct app *app, int type, wint_t ch)
{
    char *text = path_text(app);
    size_t len = strlen(text);
    if (tui_key_is_enter(type, ch)) {
        if (!text[0])
            app_flash(app, false, "Tapez le chemin du fichier à importer, ou Échap pour "
                                  "annuler.");
        else
            start_file_import(app);
        return KR_HANDLED;
    }
    if (type == OK && ch == 27) {
        app->ui.confirm[0] = '\0';
        text[0] = '\0';
        app_flash(app, false, "Aucun fichier importé.");
        return KR_HANDLED;
    }
    if ((type == KEY_CODE_YES && ch == KEY_BACKSPACE) || (type == OK && (ch == 127 || ch == 8))) {
        while (len > 0 && (text[len - 1] & 0xC0) == 0x80)
            len--;
        if (len > 0)
            len--;
        text[len] = '\0';
        return KR_HANDLED;
    }
    if (type == OK && ch == 21) { /* Ctrl-U, as in a shell: erase the line */
        text[0] = '\0';
        return KR_HANDLED;
    }
    if (type == OK && ch >= 0x20 && ch != 0x7f && !(ch >= 0x80 && ch < 0xA0)) {
        char mb[MB_LEN_MAX];
        mbstate_t ps;
        memset(&ps, 0, sizeof ps);
        size_t n = wcrtomb(mb, (wchar_t)ch, &ps);
        if (n == (size_t)-1)
            return KR_HANDLED;
        if (len + n >= PATH_TEXT_MAX) {
            app_flash(app, true, "Chemin trop long.");
            return KR_HANDLED;
        }
        memcpy(text + len, mb, n);
        text[len + n] = '\0';
        app->form.dirty = true; /* typed text, kept as a draft if difelus is interrupted */
        return KR_HANDLED;
    }
    if (type == KEY_CODE_YES && (ch == KEY_F(10) || ch == KEY_F(1) || ch == KEY_RESIZE))
        return KR_UNHANDLED;
    app_flash(app, false, "Tapez le chemin du fichier, puis Entrée\u00a0; Échap pour annuler.");
    return KR_HANDLED;
}

static void ask_path(struct app *app)
{
    if (view_of(app)->job.state != SYNC_IDLE) {
        app_flash(app, false, "Attendez la fin du téléchargement ou de l'import en cours, ou "
                              "arrêtez-le avec Échap.");
        return;
    }
    snprintf(app->ui.confirm, sizeof app->ui.confirm, CONFIRM_PATH);
}

static void search_enter(struct app *app)
{
    struct screens_view *v = view_of(app);
    load_mandates(app);
    set_fields(v);
    v->hit_count = 0;
    v->more_hits = false;
    v->query[0] = '\0'; /* searched again by the load that follows */
    v->error_text[0] = '\0';
    v->place_note[0] = '\0';
    if (!tui_form_open(&app->form, v->search_fields, SF_COUNT, NULL, 2))
        app_flash(app, true, "Mémoire insuffisante pour afficher la recherche.");
    if (app->form.form)
        set_field_buffer(app->form.fields[SF_MANDATE], 0, default_mandate(app));
    tui_form_focus(&app->form, SF_WORDS);
}

/* The catalogue's size and the hits of the criteria typed (searched again only when they
 * changed, or when the catalogue was replaced meanwhile). */
static void search_load(struct app *app)
{
    struct screens_view *v = view_of(app);
    if (!app->form.form)
        return;
    bool force = !v->query[0] || v->catalogue_seen != app->catalogue_changes;
    bool replaced = v->query[0] && force; /* not the first load: an import meanwhile */
    if (force) {
        v->catalogue_seen = app->catalogue_changes;
        struct catalogue_info info;
        v->catalogue_size = 0;
        v->error_text[0] = '\0';
        if (catalogue_get_info(app->st, &info, v->error_text, sizeof v->error_text) == 0) {
            v->catalogue_size = info.total;
            check_interrupted(app);
        }
    }
    run_search(app, force);
    /* The focus on a result that exists; a pending « create the dossier? » only about the
     * training it was asked for (confirm_id), not about another one that took its place. */
    if (app->ui.focus >= (int)v->hit_count && app->ui.results)
        app->ui.focus = v->hit_count ? (int)v->hit_count - 1 : 0;
    if (strcmp(app->ui.confirm, CONFIRM_CREATE) == 0 &&
        (replaced || app->ui.focus >= (int)v->hit_count ||
         v->hits[app->ui.focus].id != app->ui.confirm_id)) {
        app->ui.confirm[0] = '\0';
        app->ui.confirm_id = 0;
        app_flash(app, false, "Le catalogue a changé pendant la question : aucun dossier créé. "
                              "Choisissez de nouveau la formation dans les résultats.");
    }
}

/* The second line of a result: modality, price, hours and place always whole (the place
 * by its code when the name does not fit), then the body with what room is left. */
static void result_facts(const struct catalogue_hit *h, int cols, char *line, size_t len)
{
    char price[112], hours[112], place[160], body[300];
    catalogue_format_price(h, price, sizeof price);
    catalogue_format_hours(h, hours, sizeof hours);
    snprintf(place, sizeof place, "%s", h->place[0] ? h->place : "lieu non indiqué");
    char facts[600];
    snprintf(facts, sizeof facts, "%s · %s · %s · %s", h->distance ? "À distance" : "Présentiel",
             price, hours, place);
    if (text_width(facts) > cols && h->dept_code[0]) {
        snprintf(place, sizeof place, "dép. %s", h->dept_code);
        snprintf(facts, sizeof facts, "%s · %s · %s · %s",
                 h->distance ? "À distance" : "Présentiel", price, hours, place);
    }
    int room = cols - text_width(facts) - 3;
    if (room >= 8 && h->body[0])
        text_clip(body, sizeof body, h->body, room);
    else
        body[0] = '\0';
    /* The body only by whole words: "Associati…" would say nothing. */
    size_t kept = strlen(body) >= strlen("…") ? strlen(body) - strlen("…") : 0;
    bool whole = text_width(h->body) <= room ||
                 (kept > 0 && (strchr(" ,;:-", h->body[kept]) || h->body[kept - 1] == '-'));
    if (body[0] && whole) {
        snprintf(line, len, "%s · %s", facts, body);
    } else {
        snprintf(line, len, "%s", facts);
    }
}

/* Draws the results (or why there are none) from row y; returns the focused result's row,
 * or -1. */
static int draw_results(struct app *app, int y)
{
    struct screens_view *v = view_of(app);
    int focus_y = -1;
    int w = COLS - 4;
    char line[1024], title[600];
    if (v->catalogue_size == 0) {
        tui_paragraph(y, 2, w, 6, 0,
                      "Le catalogue de difelus est vide. Pour chercher ici\u00a0: F5 télécharge "
                      "le catalogue de Mon Compte Formation (Caisse des Dépôts), F6 importe un "
                      "fichier (export CSV ou JSON, ou le CSV des formations de votre "
                      "organisme). La recherche sur moncompteformation.gouv.fr reste possible.");
        return -1;
    }
    if (v->error_text[0]) {
        tui_paragraph(y, 2, w, 2, tui_attr(TC_ERROR), v->error_text);
        return -1;
    }
    char words[256], place[64];
    tui_form_value(&app->form, SF_WORDS, words, sizeof words);
    tui_form_value(&app->form, SF_PLACE, place, sizeof place);
    if (place[0] && v->place_note[0] && !strstr(v->place_note, "→")) {
        tui_paragraph(y, 2, w, 2, 0, "Précisez le département (voir sous le champ Lieu) ou "
                                     "videz ce champ pour chercher partout.");
        return -1;
    }
    if (text_width(words) < 2) {
        char count[32];
        snprintf(line, sizeof line, "Tapez au moins deux lettres\u00a0: les %s formations du "
                                    "catalogue sont cherchées au fil de la frappe.",
                 text_format_count(v->catalogue_size, count, sizeof count));
        tui_paragraph(y, 2, w, 2, 0, line);
        return -1;
    }
    if (v->hit_count == 0)
        snprintf(line, sizeof line, "Aucune formation trouvée.");
    else if (v->more_hits)
        snprintf(line, sizeof line, "Les %zu premiers résultats, il y en a d'autres\u00a0: "
                                    "précisez la recherche.", v->hit_count);
    else
        snprintf(line, sizeof line, app->ui.results ? "%zu résultat%s — Entrée\u00a0: créer un dossier "
                                                 "avec cette formation"
                                               : "%zu résultat%s — Entrée\u00a0: choisir parmi les "
                                                 "résultats",
                 v->hit_count, v->hit_count > 1 ? "s" : "");
    tui_print(y++, 2, w, A_BOLD, line);
    int rows = (LINES - 3 - y) / 2;
    if (rows < 1)
        rows = 1;
    int first = app->ui.results && app->ui.focus >= rows ? app->ui.focus - rows + 1 : 0;
    for (int i = first; i < (int)v->hit_count && i < first + rows; i++) {
        const struct catalogue_hit *h = &v->hits[i];
        bool focus = app->ui.results && i == app->ui.focus;
        if (focus)
            focus_y = y;
        tui_print(y, 1, 1, A_BOLD, focus ? ">" : " ");
        text_clip(title, sizeof title, h->title, w - 1);
        tui_print(y++, 3, w - 1, focus ? tui_attr(TC_FOCUS) : 0, title);
        result_facts(h, w - 3, line, sizeof line);
        tui_print(y++, 5, w - 3, 0, line);
    }
    return focus_y;
}

/* What Enter on the result will create, before it is created. */
static void draw_confirmation(struct app *app, int y)
{
    struct screens_view *v = view_of(app);
    const struct catalogue_hit *h = &v->hits[app->ui.focus];
    int w = COLS - 4, last = LINES - 3;
    char line[1200], price[64], hours[64];
    tui_print(y++, 2, w, A_BOLD, "Créer un dossier avec cette formation\u00a0?");
    y += tui_paragraph(y, 4, w - 2, 2, tui_attr(TC_FOCUS), h->title);
    snprintf(line, sizeof line, "Organisme\u00a0: %s%s%s", h->body, h->siret[0] ? " — SIRET " : "",
             h->siret);
    y += tui_paragraph(y, 4, w - 2, 2, 0, line);
    long p;
    int hh;
    enum catalogue_prefill kind = catalogue_hit_prefill(h, &p, &hh);
    if (p >= 0)
        text_format_euros(p, price, sizeof price);
    else
        snprintf(price, sizeof price, "à recopier de Mon Compte Formation");
    if (hh > 0)
        text_format_hours(hh, hours, sizeof hours);
    else
        snprintf(hours, sizeof hours, "à recopier de Mon Compte Formation");
    snprintf(line, sizeof line, "Prix TTC\u00a0: %s · Durée\u00a0: %s%s", price, hours,
             kind == PREFILL_MEANS ? " (moyennes des sessions du catalogue)"
             : kind == PREFILL_NONE && (h->price_min >= 0 || h->hours_min > 0)
                 ? " (les sessions diffèrent)"
                 : "");
    if (y < last)
        y += tui_paragraph(y, 4, w - 2, 2, 0, line);
    if (y < last)
        tui_paragraph(y, 4, w - 2, last - y, 0,
                      "Vous indiquerez ensuite les dates de la session choisie sur Mon Compte "
                      "Formation.");
}

static void search_draw(struct app *app)
{
    struct screens_view *v = view_of(app);
    tui_title_bar("Étape 3/6 — Rechercher une formation dans le catalogue");
    move(1, 0);
    clrtoeol();
    int y = tui_form_bottom(&app->form);
    move(y, 0);
    clrtobot();
    int focus_y = -1;
    y += draw_job(app, y);
    bool busy = v->job.state != SYNC_IDLE;
    bool asking = strcmp(app->ui.confirm, CONFIRM_PATH) == 0;
    bool creating = strcmp(app->ui.confirm, CONFIRM_CREATE) == 0;
    int path_y = -1, path_x = 0;
    if (asking)
        draw_path_prompt(app, y, &path_y, &path_x);
    else if (creating && app->ui.focus < (int)v->hit_count)
        draw_confirmation(app, y);
    else
        focus_y = draw_results(app, y);
    tui_key_line(app, asking            ? "Entrée importer  Échap annuler  ⌫ effacer  F1 aide  "
                                          "F10 quitter"
                      : creating        ? "Entrée créer le dossier  Échap revenir aux résultats  "
                                          "F10 quitter"
                      : busy            ? "Échap arrêter  Tab champ  Entrée résultats  F1 aide  "
                                          "F10 quitter"
                      : app->ui.results && v->hit_count > 0
                          ? "↑↓ choisir  Entrée créer  Échap critères  F5 télécharger  "
                            "F6 importer  F10 quitter"
                      : app->ui.results ? "Échap critères  F5 télécharger  F6 importer  "
                                          "F10 quitter"
                                        : "Tab champ  Entrée résultats  F5 télécharger  "
                                          "F6 importer  F1 aide  F10 quitter");
    app->form.hide_focus = app->ui.results || creating; /* the results list has the « > » */
    if (app->form.form && tui_form_draw(&app->form) && v->place_note[0]) {
        /* Under the place field, where the form would show an error; the cursor stays in
         * the field being typed. */
        int cy, cx;
        getyx(stdscr, cy, cx);
        int row = app->form.top + 2 * SF_PLACE + 1;
        move(row, 0);
        clrtoeol();
        tui_print(row, 4, COLS - 5, v->place_note_error ? tui_attr(TC_ERROR) : 0, v->place_note);
        move(cy, cx);
    }
    if (focus_y >= 0)
        move(focus_y, 1); /* the cursor on the chosen result, for screen readers */
    if (path_y >= 0)
        move(path_y, path_x); /* where the path is typed */
}

/* Records the search in the official's history. */
static void record(struct app *app)
{
    struct screens_view *v = view_of(app);
    char words[256], place[64], modality[32], mandate[TUI_FORM_VALUE_MAX];
    tui_form_value(&app->form, SF_WORDS, words, sizeof words);
    tui_form_value(&app->form, SF_PLACE, place, sizeof place);
    tui_form_value(&app->form, SF_MODALITY, modality, sizeof modality);
    tui_form_value(&app->form, SF_MANDATE, mandate, sizeof mandate);
    struct store_search s = {.keywords = words};
    for (size_t i = 0; v->mandate_choices[i]; i++)
        if (strcmp(mandate, v->mandate_choices[i]) == 0)
            s.mandate_id = v->mandate_ids[i];
    s.modality = strcmp(modality, "présentiel") == 0  ? "presentiel"
                 : strcmp(modality, "à distance") == 0 ? "distance"
                                                       : NULL;
    const struct departement *found[1];
    s.location = places_match_departements(place, found, 1) == 1 ? found[0]->code : NULL;
    long long ids[MAX_HITS];
    const char *titles[MAX_HITS];
    for (size_t i = 0; i < v->hit_count; i++) {
        ids[i] = v->hits[i].id;
        titles[i] = v->hits[i].title;
    }
    if (store_search_add(app->st, &s, ids, titles, v->hit_count) != 0)
        app_flash(app, true, "%s", store_error(app->st));
}

/* A dossier prefilled from the chosen training (the official confirmed it), then its form
 * to complete the dates. */
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
    /* Catalogue prices are TTC; price and hours of the same kind (DESIGN §2). */
    long price;
    int hours;
    catalogue_hit_prefill(h, &price, &hours);
    d.price_cents = price;
    d.hours_cents = hours;
    d.kind = DK_MANDATE;
    if (store_dossier_save(app->st, &d, app->today, ACTOR_OFFICIAL) != 0) {
        app_flash(app, true, "%s", store_error(app->st));
        return KR_HANDLED;
    }
    app->ui.confirm[0] = '\0';
    app_flash(app, false,
              "Dossier n° %lld créé avec «\u00a0%s\u00a0»\u00a0: indiquez les dates de la session.",
              d.id, h->title);
    app->ui.dossier_id = d.id;
    app_reload_status(app);
    app->next = &screen_dossier_form;
    return KR_GOTO;
}

static enum key_result confirm_key(struct app *app, int type, wint_t ch)
{
    struct screens_view *v = view_of(app);
    if (tui_key_is_enter(type, ch) && app->ui.focus < (int)v->hit_count)
        return create_dossier(app, &v->hits[app->ui.focus]);
    if (type == OK && ch == 27) {
        app->ui.confirm[0] = '\0';
        app_flash(app, false, "Aucun dossier créé.");
        return KR_HANDLED;
    }
    if (type == KEY_CODE_YES && (ch == KEY_F(10) || ch == KEY_F(1)))
        return KR_UNHANDLED;
    app_flash(app, false, "Entrée pour créer ce dossier, Échap pour revenir aux résultats sans "
                          "rien créer.");
    return KR_HANDLED;
}

static enum key_result search_key(struct app *app, int type, wint_t ch)
{
    struct screens_view *v = view_of(app);
    if (!app->form.form)
        return KR_UNHANDLED;
    if (!(type == KEY_CODE_YES && ch == KEY_RESIZE))
        job_text_clear(app); /* read: the results take the room back */
    if (strcmp(app->ui.confirm, CONFIRM_PATH) == 0)
        return path_key(app, type, ch);
    if (v->job.state != SYNC_IDLE && type == OK && ch == 27) {
        stop_job(app);
        return KR_HANDLED;
    }
    bool creating = strcmp(app->ui.confirm, CONFIRM_CREATE) == 0;
    bool letter = app->ui.results && !creating && type == OK;
    if ((type == KEY_CODE_YES && ch == KEY_F(5)) || (letter && (ch == 't' || ch == 'T'))) {
        start_download(app);
        return KR_HANDLED;
    }
    if ((type == KEY_CODE_YES && ch == KEY_F(6)) || (letter && (ch == 'i' || ch == 'I'))) {
        ask_path(app);
        return KR_HANDLED;
    }
    if (creating)
        return confirm_key(app, type, ch);
    if (app->ui.results) {
        if (app_move_focus(app, type, ch, (int)v->hit_count))
            return KR_HANDLED;
        if (tui_key_is_enter(type, ch) && app->ui.focus < (int)v->hit_count) {
            snprintf(app->ui.confirm, sizeof app->ui.confirm, CONFIRM_CREATE);
            app->ui.confirm_id = v->hits[app->ui.focus].id; /* the training asked about */
            return KR_HANDLED;
        }
        if ((type == OK && (ch == 27 || ch == '\t')) || (type == KEY_CODE_YES && ch == KEY_BTAB)) {
            app->ui.results = false;
            return KR_HANDLED;
        }
        if (type == KEY_CODE_YES)
            return KR_UNHANDLED;
        app_flash(app, false, "Ici, ↑ ↓ choisissent une formation, Entrée montre le dossier à "
                              "créer\u00a0; Échap revient aux critères pour changer la "
                              "recherche.");
        return KR_HANDLED;
    }
    switch (tui_form_key(&app->form, type, ch)) {
    case TFR_NONE:
        run_search(app, false);
        tui_form_say_refused(app, &app->form);
        return KR_HANDLED;
    case TFR_UNHANDLED:
        return KR_UNHANDLED;
    case TFR_CANCEL:
        app->next = app_find_screen(app, app->ui.search_from);
        if (!app->next || app->next->text_input)
            app->next = &screen_home;
        app->next_focus = 0;
        return KR_GOTO;
    case TFR_SUBMIT:
        break;
    }
    run_search(app, false);
    char words[256];
    tui_form_value(&app->form, SF_WORDS, words, sizeof words);
    if (text_width(words) < 2) {
        app_flash(app, false, "Tapez au moins deux lettres du nom ou du thème de la formation.");
        return KR_HANDLED;
    }
    record(app);
    if (v->hit_count == 0) {
        app_flash(app, false, "Aucune formation trouvée\u00a0: essayez d'autres mots ou un autre lieu.");
        return KR_HANDLED;
    }
    app->ui.results = true;
    app->ui.focus = 0;
    return KR_HANDLED;
}

const struct screen screen_search = {
    .id = "recherche",
    .step = 0,
    .text_input = true,
    .draft_extra = 2, /* the path typed after F6, the job's last word */
    .enter = search_enter,
    .load = search_load,
    .draw = search_draw,
    .key = search_key,
};
