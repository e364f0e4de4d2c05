/* Terminal machinery shared by the screens: the app state, the screen table, the event
 * loop's helpers and the widgets. Only src/tui and screens include curses. */
#ifndef DIFELUS_TUI_H
#define DIFELUS_TUI_H

#include <curses.h>
#include <form.h>
#include <stdbool.h>
#include <wchar.h>

#include "difelus/status.h"
#include "difelus/store.h"

#define TUI_MIN_COLS 80
#define TUI_MIN_LINES 24

struct app;

/* What a key handler asks for. */
enum key_result {
    KR_UNHANDLED, /* let the app apply the global keys */
    KR_HANDLED,   /* done, redraw */
    KR_GOTO,      /* switch to app->next */
    KR_QUIT,
};

/* One screen: a table of functions, like tmux's cmd_entry. */
struct screen {
    const char *id;     /* stored in ui_state, e.g. "etape3" */
    const char *parent; /* screen to resume on when this one is not resumable */
    int step;           /* 1..6 for the guide's steps, 0 otherwise */
    bool text_input;    /* printable keys go to the screen (forms) */
    void (*enter)(struct app *app);
    void (*leave)(struct app *app);
    void (*cleanup)(void); /* frees what the screen keeps between visits, at exit */
    void (*draw)(struct app *app);
    /* type is OK for a character, KEY_CODE_YES for a function key (see get_wch). */
    enum key_result (*key)(struct app *app, int type, wint_t ch);
};

/* Every screen, NULL-terminated; defined in screens/screens.c. */
extern const struct screen *const screens_all[];
extern const struct screen screen_home, screen_mandates, screen_mandate_form,
    screen_balance, screen_help, screen_steps[GUIDE_STEPS], screen_dossiers, screen_dossier,
    screen_dossier_form, screen_dossier_status, screen_search;

struct app {
    store *st;
    const char *db_path;
    bool color;
    bool ignore_small;
    const struct screen *screen;
    const struct screen *next;      /* target of KR_GOTO */
    const struct screen *previous;  /* screen shown before the current one */
    const struct screen *help_from; /* screen the help was opened from */
    struct ui_state ui;             /* focus and scroll of the current screen */
    int next_focus;                 /* focus to give the next screen */
    long long edit_id;              /* mandate being edited, 0 for a new one */
    long long dossier_id;           /* dossier shown or edited, 0 for a new one */
    struct status status;           /* refreshed on every screen change */
    char flash[512];                /* one-line message above the key line */
    bool flash_is_error;
    struct date today;
    /* The support organisation (settings), read once at start. */
    char org_name[256], org_email[256], org_phone[256];
    unsigned catalogue_changes; /* times an import replaced the catalogue meanwhile */
    /* A helper's pipe that the event loop polls with stdin (DESIGN §7), -1 when none;
     * on_watch runs when it is readable or closed, before the screen is drawn again. */
    int watch_fd;
    void (*on_watch)(struct app *app);
};

/* Switches screen (leave, enter, save the position). */
void app_goto(struct app *app, const struct screen *to, int focus);
/* Saves app->ui (screen id, focus, scroll); shows an error message if it fails. */
void app_save_ui(struct app *app);
/* Reloads app->status from the store. */
void app_reload_status(struct app *app);
/* Shows a message above the key line until the next key. */
void app_flash(struct app *app, bool error, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* The dossier app->dossier_id in app->status, or NULL. */
const struct dossier *app_dossier(const struct app *app);
/* Records a change of status of dossier d on `day` after the rules' checks; on refusal
 * shows why (for sending: the earliest possible start) and returns false. */
bool app_dossier_transition(struct app *app, const struct dossier *d, enum dossier_status to,
                            struct date day);
/* Looks a screen up by id; NULL when unknown. */
const struct screen *app_find_screen(const char *id);
/* ↑ and ↓ move app->ui.focus within 0..count-1 (and save it); false for other keys. */
bool app_move_focus(struct app *app, int type, wint_t ch, int count);

static inline bool tui_key_is_enter(int type, wint_t ch)
{
    return (type == OK && (ch == '\r' || ch == '\n')) || (type == KEY_CODE_YES && ch == KEY_ENTER);
}

/* ---- widgets (src/tui/widgets.c) ---- */

enum tui_color { TC_TITLE = 1, TC_WARNING, TC_DONE, TC_ERROR, TC_FOCUS };

void tui_colors_init(bool wanted);
/* Attribute for a role: colour when available, always with a non-colour mark. */
attr_t tui_attr(enum tui_color role);

/* Text on one row of `cols` columns, control characters removed; when too long, cut at a
 * word and ended with "…". Returns columns used. */
int tui_print(int y, int x, int cols, attr_t attr, const char *text);
/* head then tail on one row; when too long, head is cut at a word with "…" so that tail
 * (a date, an amount, a status) is always shown whole. Returns columns used. */
int tui_print_pair(int y, int x, int cols, attr_t attr, const char *head, const char *tail);
/* Wrapped paragraph from row y, at most max_lines; returns rows used. */
int tui_paragraph(int y, int x, int cols, int max_lines, attr_t attr, const char *text);
/* Title bar on the first row. */
void tui_title_bar(const char *title);
/* Key help on the last row, and the flash message above it. */
void tui_key_line(struct app *app, const char *keys);
/* Box titled ATTENTION with one "! " paragraph per warning; returns rows used. */
int tui_warning_box(int y, int x, int cols, int max_rows, const char *const *warnings,
                    size_t count);
/* Rows a warning box needs. */
int tui_warning_box_height(int cols, const char *const *warnings, size_t count);
/* The deadline of dossier d in words, "EN RETARD — …" and marked when past, wrapped on at
 * most max_lines; returns rows used (0 when the dossier has no deadline). */
int tui_dossier_deadline(const struct app *app, const struct dossier *d, int y, int x, int cols,
                         int max_lines, attr_t attr);
/* True (and draws the message) when the terminal is below 80×24 and not ignored. */
bool tui_too_small(struct app *app);

/* ---- forms (src/tui/form.c), on top of the ncurses form library ---- */

#define TUI_FORM_MAX 12
#define TUI_FORM_VALUE_MAX 512

enum tui_field_kind { TF_TEXT, TF_CHOICE };

struct tui_field_desc {
    const char *label;
    enum tui_field_kind kind;
    int width;                  /* columns on screen */
    int max;                    /* characters accepted (text) */
    const char *const *choices; /* NULL-terminated (choice) */
};

struct tui_form {
    FORM *form;
    FIELD *fields[TUI_FORM_MAX + 1];
    WINDOW *win;
    const struct tui_field_desc *desc;
    int count;
    int top;     /* first row */
    int field_x; /* column of the fields */
    bool posted;
    int posted_lines, posted_cols; /* terminal size when posted */
    int current; /* field index kept across unpost/post */
    bool hide_focus; /* no « > » on the current field: the screen's focus is elsewhere */
    char errors[TUI_FORM_MAX][256];
    int rows[TUI_FORM_MAX]; /* row of each field below `top`: errors wrap between fields */
    bool dirty;             /* the official changed a value since the form was opened */
    int asking;             /* a question before typed text is thrown away (TFQ_*) */
};

enum { TFQ_NONE, TFQ_CANCEL, TFQ_QUIT };

enum tui_form_result { TFR_NONE, TFR_SUBMIT, TFR_CANCEL, TFR_UNHANDLED };

/* Builds the form with initial values (NULL for empty). Returns false if out of memory. */
bool tui_form_open(struct tui_form *tf, const struct tui_field_desc *desc, int count,
                   const char *const *values, int top);
void tui_form_close(struct tui_form *tf);
/* Draws labels and messages on stdscr and the fields in their window; returns false when
 * the terminal is too small to show the form (a message says so). Call last. */
bool tui_form_draw(struct tui_form *tf);
enum tui_form_result tui_form_key(struct tui_form *tf, int type, wint_t ch);
/* Trimmed value of a field. */
void tui_form_value(struct tui_form *tf, int index, char *buf, size_t len);
void tui_form_set_error(struct tui_form *tf, int index, const char *message);
/* Shows every message of errors[0..count-1] ("" for a right field) under its field at
 * once, and puts the cursor on the first wrong field. Returns how many are wrong. */
int tui_form_show_errors(struct tui_form *tf, const char (*errors)[256], int count);
/* After an edit: the message of a field shown as wrong is replaced by errors[i], so that
 * it goes away once the field is corrected; no new message appears before Entrée. */
void tui_form_recheck(struct tui_form *tf, const char (*errors)[256], int count);
bool tui_form_has_errors(const struct tui_form *tf);
/* Shows message under field `index` (and only there) and puts the cursor on it. */
void tui_form_reject(struct tui_form *tf, int index, const char *message);
/* The key handling every form screen shares: the key goes to the form; Échap goes to
 * `cancel_to` with `cancel_message`, and F10 quits — each after a question when the
 * official has typed something. Returns true only when the official submitted the form;
 * otherwise *result is what the screen's handler returns. */
bool tui_form_screen_key(struct app *app, struct tui_form *tf, int type, wint_t ch,
                         const struct screen *cancel_to, const char *cancel_message,
                         enum key_result *result);
/* On leaving a form screen: closes the form, unless the official only opens the help. */
void tui_form_leave(struct tui_form *tf, const struct app *app);
/* On entering a form screen: true when coming back from help with the form still open
 * (it is kept, with what was typed); otherwise closes it, and the caller opens a new one. */
bool tui_form_resume(struct tui_form *tf, const struct app *app);
void tui_form_clear_errors(struct tui_form *tf);
void tui_form_focus(struct tui_form *tf, int index);
/* Row just below the form. */
int tui_form_bottom(const struct tui_form *tf);

#endif
