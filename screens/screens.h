/* The wizard's screens: their table entries and what they load from the store for their
 * drawing (app->view). Screens keep nothing between keys: what a screen shows comes from
 * app->ui, app->draft (both saved in the database), app->status and this view. */
#ifndef DIFELUS_SCREENS_H
#define DIFELUS_SCREENS_H

#include "difelus/catalogue.h"
#include "difelus/share.h"
#include "difelus/sync.h"
#include "tui/tui.h"

extern const struct screen screen_home, screen_mandates, screen_mandate_form,
    screen_balance, screen_help, screen_steps[GUIDE_STEPS], screen_dossiers, screen_dossier,
    screen_dossier_form, screen_dossier_status, screen_search, screen_assistance;

/* Every screen, NULL-terminated (the table's `all`). */
extern const struct screen *const *const screens_all;
extern const struct screen_table screens_table;

#define VIEW_CREDITS 5
#define VIEW_EVENTS 16
#define VIEW_HITS 20
#define VIEW_MANDATES 16
#define VIEW_MANDATE_WIDTH 44 /* columns of the search's Mandat field */
#define VIEW_HELP_LINES 160

struct help_line {
    char text[256];
    attr_t attr;
};

/* Loaded after every event, from the store and app->draft; never kept as the truth. */
struct screens_view {
    /* balance */
    struct credit_observation credits[VIEW_CREDITS];
    size_t credit_count;
    /* one dossier */
    struct dossier_event events[VIEW_EVENTS];
    size_t event_count;
    /* search: the mandates as choices, the catalogue, and the hits of the criteria */
    struct tui_field_desc search_fields[4];
    const char *mandate_choices[VIEW_MANDATES + 2];
    char mandate_labels[VIEW_MANDATES][4 * (4 * MANDATE_TEXT_MAX + 1)];
    long long mandate_ids[VIEW_MANDATES + 1];
    struct catalogue_hit hits[VIEW_HITS];
    size_t hit_count;
    bool more_hits; /* more trainings match than are listed */
    size_t catalogue_size;
    char error_text[512];
    char place_note[256];
    bool place_note_error;
    char query[512];            /* criteria the hits were searched for */
    unsigned catalogue_seen;    /* app->catalogue_changes when they were */
    /* search: the catalogue download or file import running in a child process (F5, F6),
     * a resource of this process like an open file: it goes on while the official types
     * or visits other screens, and a restart has none (so it is not in the database) */
    struct sync_job job;
    bool job_is_file;  /* the running job imports a file the official named */
    bool job_watched;  /* job_fd is polled by the app (app_watch_fd) */
    int job_fd;
    /* change of status: the statuses the dossier may take */
    struct tui_field_desc status_fields[2];
    const char *status_choices[DS_COUNT + 1];
    enum dossier_status status_values[DS_COUNT];
    size_t status_count;
    /* assistance: the shared sessions' history, newest first */
    struct share_log_entry share_log[SHARE_LOG_MAX];
    size_t share_log_count;
    struct share_state share; /* as in the database (the replica's on the agent's side) */
    /* help */
    struct help_line lines[VIEW_HELP_LINES];
    int line_count;
};

/* The support agent's own screens (agent_code.c) and its wizard (`difelus assister`). */
extern const struct screen screen_agent_code, screen_agent_status;
int screens_agent_run(const char *relay_url, const char *token, const char *code,
                      const char *notice, bool color, char *err, size_t errlen);

/* At exit: stops what the screens started (the search's helper). */
void search_release(struct app *app);

static inline struct screens_view *view_of(const struct app *app)
{
    return (struct screens_view *)app->view;
}

#endif
