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

/* What a key handler asks for; KR_GOTO goes to app->next with focus app->next_focus. */
enum key_result {
    KR_UNHANDLED, /* let the app apply the global keys */
    KR_HANDLED,   /* done: stay (the state is saved and reloaded, then drawn) */
    KR_GOTO,      /* switch to app->next, focus app->next_focus */
    KR_QUIT,
};

/* One screen: a table of functions, like tmux's cmd_entry. A screen keeps nothing between
 * keys: what it shows comes from app->ui and app->draft (saved in the database after
 * every event), app->status and what its load function puts in app->view. */
struct screen {
    const char *id;   /* stored in ui_state, e.g. "etape3" */
    int step;         /* 1..6 for the guide's steps, 0 otherwise */
    bool text_input;  /* printable keys go to the screen (forms) */
    bool keeps_draft; /* going here keeps the open form's draft (the help, opened from it) */
    /* What a key records here and the screen it leads to are one transaction (forms and
     * questions): killed between the two, the wizard came back on a form already saved,
     * whose Enter recorded it twice. A key answering a question (app->ui.confirm) is
     * atomic on every screen, this flag or not (handle_key). */
    bool atomic_keys;
    /* Draft fields after the form's that the screen keeps itself (a prompt's text, typed
     * outside the form): saved and restored with the draft, never put into the form. */
    int draft_extra;
    /* On arrival: clamps the focus, opens the form with its initial values (the app then
     * puts back the draft when the form was being typed). */
    void (*enter)(struct app *app);
    /* After every event and every change made by another process: reads from the store
     * what draw needs beyond app->status, into app->view. Draw never queries the store. */
    void (*load)(struct app *app);
    void (*draw)(struct app *app);
    /* type is OK for a character, KEY_CODE_YES for a function key (see get_wch). */
    enum key_result (*key)(struct app *app, int type, wint_t ch);
};

/* What the app is given: every screen, the first one, the keys that work everywhere, and
 * the room the screens' loaded data take (app->view). Defined in screens/screens.c: the
 * machinery here knows no concrete screen. */
struct screen_table {
    const struct screen *const *all; /* NULL-terminated */
    const struct screen *home;       /* first screen, and when the saved one is unknown */
    enum key_result (*global_key)(struct app *app, int type, wint_t ch);
    size_t view_size;
    /* At exit, before the view is freed: ends what the screens started (helpers). */
    void (*release)(struct app *app);
    /* Before the screen's own handler (NULL: none): keys over every screen, forms included
     * (a shared session's F3, F4 and its question). KR_UNHANDLED lets the key through. */
    enum key_result (*first_key)(struct app *app, int type, wint_t ch);
    /* After the screen drew (NULL: none): what covers every screen (a question). */
    void (*overlay)(struct app *app);
    /* At the end of every loop turn (NULL: none); `handled`: a key, a helper's message or
     * another process's change was handled in it. True asks for the screen to be drawn. */
    bool (*after_event)(struct app *app, bool handled);
};

/* The key the loop hands on (with KEY_CODE_YES) for an escape sequence it does not know,
 * or an Alt-key (Échap and a character arriving together): consumed whole, never Échap
 * followed by letters; it does nothing and the message line says so. */
#define TUI_KEY_UNKNOWN (KEY_MAX + 1)

/* A file descriptor the event loop polls beside the keyboard (a helper's pipe): `ready` is
 * called with its revents; the app then reloads and draws. */
#define APP_MAX_FDS 8
struct app_fd {
    int fd;
    void (*ready)(struct app *app, int fd, short revents, void *data);
    void *data;
};

#define TUI_FORM_MAX STORE_DRAFT_FIELDS
#define TUI_FORM_VALUE_MAX 512

enum tui_field_kind { TF_TEXT, TF_CHOICE };

struct tui_field_desc {
    const char *label;
    enum tui_field_kind kind;
    int width;                  /* columns on screen */
    int max;                    /* characters accepted (text) */
    const char *const *choices; /* NULL-terminated (choice) */
};

/* The open form's ncurses objects: a cache drawn from app->draft (one form at a time). */
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
    /* cursor in the current field (the form library's column and horizontal scroll), put
     * back when the form is posted (a restart, a resize); cursor_col -1: at the text's end */
    int cursor_col, cursor_scroll;
    bool hide_focus; /* no « > » on the current field: the screen's focus is elsewhere */
    char errors[TUI_FORM_MAX][256];
    int rows[TUI_FORM_MAX]; /* row of each field below `top`: errors wrap between fields */
    bool dirty;             /* the official changed a value since the form was opened */
    bool refused;           /* the last character typed did not fit (field full) */
};

struct app {
    const struct screen_table *table;
    store *st;
    const char *db_path;
    bool color;
    bool ignore_small;
    const struct screen *screen;
    const struct screen *next;     /* target of KR_GOTO */
    int next_focus;                /* focus to give the next screen */
    const struct screen *previous; /* screen shown before the current one (during enter) */
    struct ui_state ui;            /* as saved in the database (ui_state) */
    struct ui_draft draft;         /* the open form as typed (ui_draft) */
    struct ui_state saved_ui;      /* what the database holds: written only when changed */
    struct ui_draft saved_draft;
    long long ui_changes; /* rows app_save_ui wrote during the current key */
    struct tui_form form;          /* the open form, built from draft */
    struct status status;          /* reloaded after every event */
    struct date today;
    /* The support organisation (settings), reloaded with the status. */
    char org_name[256], org_email[256], org_phone[256];
    unsigned catalogue_changes; /* times an import replaced the catalogue meanwhile */
    long long data_version;     /* PRAGMA data_version at the last reload */
    void *view;                 /* the screens' loaded data (screen_table.view_size bytes) */
    struct app_fd fds[APP_MAX_FDS];
    size_t fd_count;
    /* The support agent's side of a shared session (src/tui/share_agent.c), else NULL:
     * keys, saving and following the replica go through its hooks. */
    struct share_agent *agent;
};

/* Switches screen (closes the form, enter, keeps or forgets the draft, saves). */
void app_goto(struct app *app, const struct screen *to, int focus);
/* Saves app->ui and app->draft where they changed; shows an error message if it fails. */
void app_save_ui(struct app *app);
/* Reloads app->status and the settings from the store. */
void app_reload_status(struct app *app);
/* Shows a message above the key line until the next key (saved with the state). */
void app_flash(struct app *app, bool error, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* The dossier app->ui.dossier_id in app->status, or NULL. */
const struct dossier *app_dossier(const struct app *app);
/* Records a change of status of dossier d on `day` after the rules' checks; on refusal
 * shows why (for sending: the earliest possible start) and returns false. */
/* After a status was recorded and the status reloaded: says so in the message line, the
 * dossier named, with the deadline the new status sets. One wording for every path. */
void app_flash_status_noted(struct app *app, long long id, const char *title,
                            enum dossier_status to, struct date day);
bool app_dossier_transition(struct app *app, const struct dossier *d, enum dossier_status to,
                            struct date day);
/* One key through the screen's handler, then the global keys; true when it asks to quit. */
bool app_handle_key(struct app *app, int type, wint_t ch);
/* Rebuilds the screen from the store's ui_state and ui_draft (the agent's replica). */
void app_resume_store(struct app *app);
/* The agent's side for the next tui_run (share_agent.c); NULL for the official's. */
void app_set_agent(struct share_agent *agent);
/* Looks a screen up by id; NULL when unknown. */
const struct screen *app_find_screen(const struct app *app, const char *id);
/* ↑ and ↓ move app->ui.focus within 0..count-1; false for other keys. */
bool app_move_focus(struct app *app, int type, wint_t ch, int count);
/* Polls fd in the event loop from now on; false when the table is full. */
bool app_watch_fd(struct app *app, int fd,
                  void (*ready)(struct app *app, int fd, short revents, void *data), void *data);
void app_unwatch_fd(struct app *app, int fd);

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
/* The wrapping of tui_paragraph (sanitized, at most max_lines rows, the last one ended with
 * "…" when text remains), each row handed to emit; returns the rows used. */
int tui_wrap_each(const char *text, int cols, int max_lines,
                  void (*emit)(void *ctx, int row, const char *line), void *ctx);
/* Title bar on the first row; while a banner is set, the banner at its end. */
void tui_title_bar(const char *title);
/* The share's banner at the end of every title bar: its wordings longest first, one per
 * line; the title bar shows the first that fits beside the title (which keeps up to 30
 * columns). NULL removes it. True when it changed. */
bool tui_banner_set(const char *text);
/* Key help on the last row, and the flash message above it. */
void tui_key_line(struct app *app, const char *keys);
/* Rows the message line takes above the key line (0 without a message): a screen lays
 * itself out above them, so that the message never hides its last rows. */
int tui_message_rows(const struct app *app);
/* Box titled ATTENTION with one "! " paragraph per warning; returns rows used. */
int tui_warning_box(int y, int x, int cols, int max_rows, const char *const *warnings,
                    size_t count);
/* Rows a warning box needs. */
int tui_warning_box_height(int cols, const char *const *warnings, size_t count);
/* The deadline advice of d as shown, "EN RETARD — " first when past (empty when it has
 * none); *overdue says which. */
void tui_dossier_deadline_line(const struct app *app, const struct dossier *d, char *line,
                               size_t len, bool *overdue);
/* Rows the deadline advice of d takes at `cols` columns (0 when it has none). */
int tui_dossier_deadline_rows(const struct app *app, const struct dossier *d, int cols);
/* The deadline of dossier d in words, "EN RETARD — …" and marked when past, wrapped on at
 * most max_lines; returns rows used (0 when the dossier has no deadline). */
int tui_dossier_deadline(const struct app *app, const struct dossier *d, int y, int x, int cols,
                         int max_lines, attr_t attr);
/* True (and draws the message) when the terminal is below 80×24 and not ignored. */
bool tui_too_small(struct app *app);

/* ---- forms (src/tui/form.c), on top of the ncurses form library ---- */

enum tui_form_result { TFR_NONE, TFR_SUBMIT, TFR_CANCEL, TFR_UNHANDLED };

/* Builds the form with initial values (NULL for empty). Returns false if out of memory. */
bool tui_form_open(struct tui_form *tf, const struct tui_field_desc *desc, int count,
                   const char *const *values, int top);
void tui_form_close(struct tui_form *tf);
/* Takes the form off the screen, keeping its values, field and cursor (posted again by the
 * next tui_form_draw): before a resize, which would move its window to fit a tiny screen
 * and make the form library write there. */
void tui_form_unpost(struct tui_form *tf);
/* Draws labels and messages on stdscr and the fields in their window; returns false when
 * the terminal is too small to show the form (a message says so). Call last. */
bool tui_form_draw(struct tui_form *tf);
enum tui_form_result tui_form_key(struct tui_form *tf, int type, wint_t ch);
/* After tui_form_key: when the character typed did not fit in its full field, says so in
 * the message line (nothing typed is dropped without a word) and returns true. */
bool tui_form_say_refused(struct app *app, struct tui_form *tf);
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
 * `cancel_to` with `cancel_message`, and F10 quits — each after a question (in
 * app->ui.confirm) when the official has typed something. Returns true only when the
 * official submitted the form; otherwise *result is what the screen's handler returns. */
bool tui_form_shared_key(struct app *app, struct tui_form *tf, int type, wint_t ch,
                         const struct screen *cancel_to, const char *cancel_message,
                         enum key_result *result);
/* When quitting would end a share an agent is connected to (the official's program):
 * « Quitter arrête aussi le partage avec NAME (ORG). » in buf, and true. Said by every
 * question or key that quits (the form's « quitter sans enregistrer ? », q, F10). */
bool tui_share_quit_note(const struct app *app, char *buf, size_t len);
/* Sets the value of field index (the draft put back into the form). */
void tui_form_set_value(struct tui_form *tf, int index, const char *value);
/* Index of the field with the cursor. */
int tui_form_current(const struct tui_form *tf);
void tui_form_clear_errors(struct tui_form *tf);
void tui_form_focus(struct tui_form *tf, int index);
/* The cursor's place in the current field (saved in ui_state with the draft), and putting
 * it back (after tui_form_focus). */
void tui_form_cursor(const struct tui_form *tf, int *col, int *scroll);
void tui_form_set_cursor(struct tui_form *tf, int col, int scroll);
/* Row just below the form. */
int tui_form_bottom(const struct tui_form *tf);

#endif
