/* Labelled forms on the ncurses form library. The fields live in a sub-window of stdscr;
 * labels and error messages are drawn on stdscr around them, so the screen must not erase
 * stdscr while the form is posted (that would blank the fields). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "difelus/text.h"
#include "tui/share.h"
#include "tui/tui.h"

#define LABEL_X 2
#define FIELD_X 34

static int form_width(const struct tui_form *tf)
{
    int w = 0;
    for (int i = 0; i < tf->count; i++)
        if (tf->desc[i].width > w)
            w = tf->desc[i].width;
    return w;
}

static int error_cols(void)
{
    /* Never a width too small to wrap a word at (the form is not shown that small). */
    return COLS - LABEL_X - 3 > 20 ? COLS - LABEL_X - 3 : 20;
}

/* Rows the message under field i takes (0 without message). */
static int error_rows(const struct tui_form *tf, int i)
{
    return tf->errors[i][0] ? text_wrap_count(tf->errors[i], error_cols()) : 0;
}

/* Where each field goes: one blank row between fields when the screen has room (a message
 * takes that row, and more when it wraps), otherwise fields on consecutive rows with only
 * their messages between them. Returns the rows used. */
static int layout(const struct tui_form *tf, int rows[TUI_FORM_MAX])
{
    int lines[TUI_FORM_MAX];
    int spacious = 0, compact = 0;
    for (int i = 0; i < tf->count; i++) {
        lines[i] = error_rows(tf, i);
        spacious += 1 + (lines[i] > 1 ? lines[i] : 1);
        compact += 1 + lines[i];
    }
    bool room = tf->top + spacious + 2 <= LINES;
    /* Too many long messages for the screen: the longest lose lines (ending with "…")
     * rather than the form being hidden. */
    while (!room && tf->top + compact + 2 > LINES) {
        int longest = -1;
        for (int i = 0; i < tf->count; i++)
            if (lines[i] > 1 && (longest < 0 || lines[i] > lines[longest]))
                longest = i;
        if (longest < 0)
            break;
        lines[longest]--;
        compact--;
    }
    int y = 0;
    for (int i = 0; i < tf->count; i++) {
        rows[i] = y;
        y += 1 + (room && lines[i] < 1 ? 1 : lines[i]);
    }
    return room ? spacious : compact;
}

static int form_height(const struct tui_form *tf)
{
    return tf->rows[tf->count - 1] + 1;
}

int tui_form_bottom(const struct tui_form *tf)
{
    int rows[TUI_FORM_MAX];
    if (tf->count == 0)
        return tf->top;
    return tf->top + layout(tf, rows);
}

static bool fits(const struct tui_form *tf)
{
    return COLS >= tf->field_x + form_width(tf) + 1 && LINES >= tui_form_bottom(tf) + 2;
}

/* Moves the fields to where layout() puts them; the form must not be posted. The form
 * library only moves fields that belong to no form, so the form is made again (the
 * fields keep their text). */
static bool relayout(struct tui_form *tf)
{
    int rows[TUI_FORM_MAX];
    layout(tf, rows);
    if (memcmp(rows, tf->rows, sizeof(int) * (size_t)tf->count) == 0)
        return true;
    if (tf->form)
        free_form(tf->form);
    tf->form = NULL;
    for (int i = 0; i < tf->count; i++)
        move_field(tf->fields[i], rows[i], 0);
    memcpy(tf->rows, rows, sizeof rows);
    tf->form = new_form(tf->fields);
    return tf->form != NULL;
}

bool tui_form_open(struct tui_form *tf, const struct tui_field_desc *desc, int count,
                   const char *const *values, int top)
{
    memset(tf, 0, sizeof *tf);
    if (count > TUI_FORM_MAX)
        return false; /* a programming error: raise TUI_FORM_MAX */
    tf->desc = desc;
    tf->count = count > TUI_FORM_MAX ? TUI_FORM_MAX : count;
    tf->top = top;
    tf->field_x = FIELD_X;
    tf->cursor_col = -1;
    for (int i = 0; i < tf->count; i++) {
        tf->rows[i] = 2 * i;
        FIELD *f = new_field(1, desc[i].width, 2 * i, 0, 0, 0);
        if (!f) {
            tui_form_close(tf);
            return false;
        }
        tf->fields[i] = f;
        set_field_back(f, A_UNDERLINE);
        /* O_BLANK would erase the whole text when a character is typed at its first
         * position (Home, then a letter): fields hold text the official corrects. */
        field_opts_off(f, O_AUTOSKIP | O_BLANK);
        if (desc[i].kind == TF_CHOICE) {
            field_opts_off(f, O_EDIT);
        } else if (desc[i].max > desc[i].width) {
            field_opts_off(f, O_STATIC);
            set_max_field(f, desc[i].max);
        }
        const char *v = values && values[i] ? values[i] : "";
        if (desc[i].kind == TF_CHOICE && !*v && desc[i].choices)
            v = desc[i].choices[0];
        set_field_buffer(f, 0, v);
    }
    tf->form = new_form(tf->fields);
    if (!tf->form) {
        tui_form_close(tf);
        return false;
    }
    return true;
}

/* The cursor on the current field: at the end of a value that fits (to add to it), at the
 * start of a longer one until something is typed in the form, so that a prefilled field
 * shows its beginning rather than being scrolled to its end. Depends on the value and on
 * `dirty` only (both in the draft): the screen stays the same after a restart. */
static void default_cursor(struct tui_form *tf)
{
    FIELD *cur = current_field(tf->form);
    if (!cur)
        return;
    int rows, cols, frow, fcol, nrow, nbuf;
    field_info(cur, &rows, &cols, &frow, &fcol, &nrow, &nbuf);
    char value[TUI_FORM_VALUE_MAX];
    const char *raw = field_buffer(cur, 0);
    snprintf(value, sizeof value, "%s", raw ? raw : "");
    text_trim(value);
    form_driver_w(tf->form, KEY_CODE_YES, REQ_BEG_LINE);
    if (tf->dirty || text_width(value) <= cols) /* a full field needs no scroll */
        form_driver_w(tf->form, KEY_CODE_YES, REQ_END_LINE);
}

static void unpost(struct tui_form *tf)
{
    if (tf->posted) {
        form_driver_w(tf->form, KEY_CODE_YES, REQ_VALIDATION);
        FIELD *cur = current_field(tf->form);
        tf->current = cur ? field_index(cur) : 0;
        tui_form_cursor(tf, &tf->cursor_col, &tf->cursor_scroll);
        unpost_form(tf->form);
        tf->posted = false;
    }
    if (tf->win) {
        delwin(tf->win);
        tf->win = NULL;
    }
}

/* Puts the cursor back where it was in the current field, with the same scroll: from
 * the start, right until the scroll is the same, then left to the column (the form
 * library has no request to set them). With no saved place, the default one. */
static void place_cursor(struct tui_form *tf)
{
    FORM *f = tf->form;
    if (tf->cursor_col < 0) {
        default_cursor(tf);
        return;
    }
    form_driver_w(f, KEY_CODE_YES, REQ_BEG_LINE);
    int cols = tf->desc[tf->current].width;
    int right = tf->cursor_scroll > 0 ? tf->cursor_scroll + cols - 1 : 0;
    if (right < tf->cursor_col)
        right = tf->cursor_col;
    for (int i = 0; i < 4096 && f->curcol < right; i++) {
        int was = f->curcol;
        form_driver_w(f, KEY_CODE_YES, REQ_RIGHT_CHAR);
        if (f->curcol == was)
            break;
    }
    for (int i = 0; i < 4096 && f->curcol > tf->cursor_col; i++) {
        int was = f->curcol;
        form_driver_w(f, KEY_CODE_YES, REQ_LEFT_CHAR);
        if (f->curcol == was)
            break;
    }
}

static bool post(struct tui_form *tf)
{
    if (!relayout(tf))
        return false;
    tf->win = derwin(stdscr, form_height(tf), form_width(tf), tf->top, tf->field_x);
    if (!tf->win)
        return false;
    set_form_win(tf->form, stdscr);
    set_form_sub(tf->form, tf->win);
    if (post_form(tf->form) != E_OK) {
        delwin(tf->win);
        tf->win = NULL;
        return false;
    }
    set_current_field(tf->form, tf->fields[tf->current]);
    place_cursor(tf);
    tf->posted = true;
    tf->posted_lines = LINES;
    tf->posted_cols = COLS;
    return true;
}

void tui_form_unpost(struct tui_form *tf)
{
    if (tf->form)
        unpost(tf);
}

void tui_form_close(struct tui_form *tf)
{
    if (tf->form) {
        unpost(tf);
        free_form(tf->form);
    }
    tf->form = NULL;
    for (int i = 0; i < TUI_FORM_MAX; i++) {
        if (tf->fields[i])
            free_field(tf->fields[i]);
        tf->fields[i] = NULL;
    }
}

/* Posts the form if the terminal can show it; keys may arrive before the first draw. */
static bool ensure_posted(struct tui_form *tf)
{
    int rows[TUI_FORM_MAX];
    layout(tf, rows);
    if (tf->posted && (tf->posted_lines != LINES || tf->posted_cols != COLS ||
                       memcmp(rows, tf->rows, sizeof(int) * (size_t)tf->count) != 0))
        unpost(tf); /* resized, or a message changed the layout: build it again */
    if (!tf->posted && fits(tf))
        post(tf);
    return tf->posted;
}

/* A text longer than its field says so on both sides: « → » after the field while text
 * is hidden past its end, « ← » before it while the start is scrolled out (the current
 * field only: the others are shown from their start, switch_field). The columns beside
 * the field are free: the label stops one column short, fits() keeps one after. */
static void overflow_marks(struct tui_form *tf, int index, int row, bool current)
{
    char value[TUI_FORM_VALUE_MAX];
    tui_form_value(tf, index, value, sizeof value);
    int width = tf->desc[index].width;
    int scroll = current ? tf->form->begincol : 0;
    attron(A_BOLD);
    mvaddstr(row, tf->field_x - 1, scroll > 0 ? "←" : " ");
    int after = tf->field_x + width;
    if (after < COLS && text_width(value) > scroll + width)
        mvaddstr(row, after, "→");
    attroff(A_BOLD);
}

bool tui_form_draw(struct tui_form *tf)
{
    if (!fits(tf)) {
        unpost(tf);
        move(tf->top, 0);
        clrtobot();
        tui_paragraph(tf->top, LABEL_X, COLS - 4, 3, A_BOLD,
                      "Agrandissez la fenêtre (80 × 24 au moins) pour remplir ce formulaire. "
                      "Ce que vous avez tapé est gardé.");
        return false;
    }
    if (!ensure_posted(tf))
        return false;
    int cur = field_index(current_field(tf->form));
    for (int i = 0; i < tf->count; i++) {
        int row = tf->top + tf->rows[i];
        mvhline(row, 0, ' ', tf->field_x);
        bool focused = i == cur && !tf->hide_focus; /* one « > » on the screen at a time */
        tui_print(row, 0, 2, A_BOLD, focused ? ">" : " ");
        tui_print(row, LABEL_X, tf->field_x - LABEL_X - 1, focused ? A_BOLD : 0,
                  tf->desc[i].label);
        int after = tf->field_x + tf->desc[i].width;
        if (after < COLS) {
            move(row, after);
            clrtoeol();
            if (tf->desc[i].kind == TF_CHOICE && focused && COLS - after - 1 >= 18)
                tui_print(row, after + 1, COLS - after - 1, 0, "(Espace : changer)");
        }
        if (tf->desc[i].kind == TF_TEXT)
            overflow_marks(tf, i, row, i == cur);
        int next = i + 1 < tf->count ? tf->top + tf->rows[i + 1] : tui_form_bottom(tf);
        for (int y = row + 1; y < next; y++) {
            move(y, 0);
            clrtoeol();
        }
        if (tf->errors[i][0])
            tui_paragraph(row + 1, LABEL_X + 2, error_cols(), next - row - 1,
                          tui_attr(TC_ERROR), tf->errors[i]);
    }
    pos_form_cursor(tf->form);
    int cy, cx, by, bx;
    getyx(tf->win, cy, cx);
    getbegyx(tf->win, by, bx);
    move(by + cy, bx + cx);
    touchwin(stdscr);
    return true;
}

static void cycle_choice(struct tui_form *tf, int index, int delta)
{
    const char *const *choices = tf->desc[index].choices;
    if (!choices)
        return;
    int n = 0;
    while (choices[n])
        n++;
    char value[TUI_FORM_VALUE_MAX];
    tui_form_value(tf, index, value, sizeof value);
    int at = 0;
    for (int i = 0; i < n; i++)
        if (strcmp(value, choices[i]) == 0)
            at = i;
    at = ((at + delta) % n + n) % n;
    set_field_buffer(tf->fields[index], 0, choices[at]);
    tf->dirty = true;
}

static void request(struct tui_form *tf, int req)
{
    form_driver_w(tf->form, KEY_CODE_YES, (wint_t)req);
}

/* Moves to another field, the one left shown from its start: a field's scroll is then
 * the same whatever way it was typed, and the screen a function of the saved draft. */
static void switch_field(struct tui_form *tf, int req)
{
    request(tf, REQ_BEG_LINE);
    request(tf, req);
    default_cursor(tf);
}

/* ⌫. A full field has no cell after its last character: the cursor stays on that last
 * cell once it is typed, and ⌫ there erases the character under it (the one just typed),
 * not the one before. */
static void delete_back(struct tui_form *tf, int index)
{
    tf->dirty = true;
    int rows, cols, max;
    bool full = false;
    if (dynamic_field_info(tf->fields[index], &rows, &cols, &max) == E_OK &&
        tf->form->curcol == cols - 1) {
        char value[TUI_FORM_VALUE_MAX];
        tui_form_value(tf, index, value, sizeof value);
        full = text_width(value) >= cols;
    }
    request(tf, full ? REQ_DEL_CHAR : REQ_DEL_PREV);
    request(tf, REQ_VALIDATION);
}

enum tui_form_result tui_form_key(struct tui_form *tf, int type, wint_t ch)
{
    if (!ensure_posted(tf))
        return ch == 27 && type == OK ? TFR_CANCEL : TFR_UNHANDLED;
    int cur = field_index(current_field(tf->form));
    bool choice = tf->desc[cur].kind == TF_CHOICE;
    if (type == KEY_CODE_YES) {
        switch (ch) {
        case KEY_DOWN:
            switch_field(tf, REQ_NEXT_FIELD);
            return TFR_NONE;
        case KEY_UP:
        case KEY_BTAB:
            switch_field(tf, REQ_PREV_FIELD);
            return TFR_NONE;
        case KEY_LEFT:
            if (choice)
                cycle_choice(tf, cur, -1);
            else
                request(tf, REQ_LEFT_CHAR);
            return TFR_NONE;
        case KEY_RIGHT:
            if (choice)
                cycle_choice(tf, cur, 1);
            else
                request(tf, REQ_RIGHT_CHAR);
            return TFR_NONE;
        case KEY_BACKSPACE:
            delete_back(tf, cur);
            return TFR_NONE;
        case KEY_DC:
            tf->dirty = true;
            request(tf, REQ_DEL_CHAR);
            request(tf, REQ_VALIDATION);
            return TFR_NONE;
        case KEY_HOME:
            request(tf, REQ_BEG_LINE);
            return TFR_NONE;
        case KEY_END:
            request(tf, REQ_END_LINE);
            return TFR_NONE;
        case KEY_ENTER:
            request(tf, REQ_VALIDATION);
            return TFR_SUBMIT;
        default:
            return TFR_UNHANDLED;
        }
    }
    switch (ch) {
    case '\t':
        switch_field(tf, REQ_NEXT_FIELD);
        return TFR_NONE;
    case '\n':
    case '\r':
        request(tf, REQ_VALIDATION);
        return TFR_SUBMIT;
    case 27:
        return TFR_CANCEL;
    case 127:
    case 8:
        delete_back(tf, cur);
        return TFR_NONE;
    case 21: /* Ctrl-U */
        tf->dirty = true;
        request(tf, REQ_CLR_FIELD);
        request(tf, REQ_VALIDATION);
        return TFR_NONE;
    case ' ':
        if (choice) {
            cycle_choice(tf, cur, 1);
            return TFR_NONE;
        }
        break;
    default:
        break;
    }
    if (ch < 0x20 || choice)
        return TFR_NONE;
    tf->dirty = true;
    tf->refused = form_driver_w(tf->form, OK, ch) == E_REQUEST_DENIED;
    /* The form library keeps typing in the window until validation: copy it into the
     * field now, so that a resize (which rebuilds the window) loses nothing. */
    request(tf, REQ_VALIDATION);
    return TFR_NONE;
}

void tui_form_value(struct tui_form *tf, int index, char *buf, size_t len)
{
    if (tf->posted)
        request(tf, REQ_VALIDATION);
    const char *raw = field_buffer(tf->fields[index], 0);
    snprintf(buf, len, "%s", raw ? raw : "");
    text_trim(buf);
}

void tui_form_set_error(struct tui_form *tf, int index, const char *message)
{
    if (index >= 0 && index < tf->count)
        snprintf(tf->errors[index], sizeof tf->errors[index], "%s", message);
}

int tui_form_show_errors(struct tui_form *tf, const char (*errors)[256], int count)
{
    int bad = 0, first = -1;
    tui_form_clear_errors(tf);
    for (int i = 0; i < count && i < tf->count; i++) {
        if (!errors[i][0])
            continue;
        tui_form_set_error(tf, i, errors[i]);
        if (first < 0)
            first = i;
        bad++;
    }
    if (first >= 0)
        tui_form_focus(tf, first);
    return bad;
}

void tui_form_recheck(struct tui_form *tf, const char (*errors)[256], int count)
{
    for (int i = 0; i < count && i < tf->count; i++)
        if (tf->errors[i][0])
            tui_form_set_error(tf, i, errors[i]);
}

bool tui_form_has_errors(const struct tui_form *tf)
{
    for (int i = 0; i < tf->count; i++)
        if (tf->errors[i][0])
            return true;
    return false;
}

void tui_form_reject(struct tui_form *tf, int index, const char *message)
{
    tui_form_clear_errors(tf);
    tui_form_set_error(tf, index, message);
    tui_form_focus(tf, index);
}

/* The questions before typed text is thrown away, kept in app->ui.confirm. */
#define ASK_CANCEL "abandonner"
#define ASK_QUIT "quitter"

bool tui_share_quit_note(const struct app *app, char *buf, size_t len)
{
    buf[0] = '\0';
    if (app->agent)
        return false; /* the agent's program: its q ends only its own side */
    struct share_state state;
    const struct share_state *s = &state;
    /* Only the process that runs the share ends it by quitting (a second difelus on the
     * same database shows the share but does not own it). */
    if (store_share_get(app->st, &state) != 0 || s->owner_pid != (long long)getpid() ||
        (s->phase != SHARE_VIEW && s->phase != SHARE_CONTROL))
        return false;
    char name[160], org[160];
    text_clip(name, sizeof name, s->agent_name, 40);
    text_clip(org, sizeof org, s->agent_org, 30);
    snprintf(buf, len, "Quitter arrête aussi le partage avec %s (%s).", name, org);
    return true;
}

static void ask(struct app *app, const char *question)
{
    snprintf(app->ui.confirm, sizeof app->ui.confirm, "%s", question);
    char share[512];
    if (strcmp(question, ASK_QUIT) == 0 && tui_share_quit_note(app, share, sizeof share))
        app_flash(app, true, "Quitter sans enregistrer ce que vous avez tapé ? %s o : oui, "
                             "quitter   n : non, continuer la saisie", share);
    else if (strcmp(question, ASK_QUIT) == 0)
        app_flash(app, true, "Quitter sans enregistrer ce que vous avez tapé ? o : oui, "
                             "quitter   n : non, continuer la saisie");
    else
        app_flash(app, true, "Abandonner ce que vous avez tapé ? o : oui, abandonner   "
                             "n : non, continuer la saisie");
}

bool tui_form_shared_key(struct app *app, struct tui_form *tf, int type, wint_t ch,
                         const struct screen *cancel_to, const char *cancel_message,
                         enum key_result *result)
{
    *result = KR_UNHANDLED;
    if (!tf->form)
        return false;
    bool asking_quit = strcmp(app->ui.confirm, ASK_QUIT) == 0;
    if (asking_quit || strcmp(app->ui.confirm, ASK_CANCEL) == 0) {
        char question[sizeof app->ui.confirm];
        snprintf(question, sizeof question, "%s", app->ui.confirm);
        *result = KR_HANDLED;
        if (type == OK && (ch == 'o' || ch == 'O')) {
            app->ui.confirm[0] = '\0';
            if (asking_quit) {
                *result = KR_QUIT;
                return false;
            }
            app_flash(app, false, "%s", cancel_message);
            app->next = cancel_to;
            *result = KR_GOTO;
        } else if ((type == OK && (ch == 'n' || ch == 'N' || ch == 27)) ||
                   (type == KEY_CODE_YES && ch == KEY_F(10) && asking_quit)) {
            app->ui.confirm[0] = '\0';
            app_flash(app, false, "Rien n'est perdu : continuez la saisie.");
        } else {
            ask(app, question); /* only o or n answer */
        }
        return false;
    }
    if (type == KEY_CODE_YES && ch == KEY_F(10) && tf->dirty) {
        ask(app, ASK_QUIT);
        *result = KR_HANDLED;
        return false;
    }
    switch (tui_form_key(tf, type, ch)) {
    case TFR_NONE:
        tui_form_say_refused(app, tf);
        *result = KR_HANDLED;
        return false;
    case TFR_UNHANDLED:
        return false;
    case TFR_CANCEL:
        if (tf->dirty) {
            ask(app, ASK_CANCEL);
            *result = KR_HANDLED;
            return false;
        }
        app_flash(app, false, "%s", cancel_message);
        app->next = cancel_to;
        *result = KR_GOTO;
        return false;
    case TFR_SUBMIT:
        break;
    }
    return true;
}

bool tui_form_say_refused(struct app *app, struct tui_form *tf)
{
    if (!tf->refused)
        return false;
    tf->refused = false;
    const struct tui_field_desc *d = &tf->desc[tui_form_current(tf)];
    app_flash(app, true, "« %s » : %d caractères au plus. Ce que vous tapez de plus n'est "
                         "pas pris : raccourcissez le texte.", d->label, d->max);
    return true;
}

void tui_form_set_value(struct tui_form *tf, int index, const char *value)
{
    if (index >= 0 && index < tf->count && tf->fields[index])
        set_field_buffer(tf->fields[index], 0, value);
}

int tui_form_current(const struct tui_form *tf)
{
    if (tf->posted && tf->form) {
        FIELD *cur = current_field(tf->form);
        return cur ? field_index(cur) : 0;
    }
    return tf->current;
}

void tui_form_clear_errors(struct tui_form *tf)
{
    for (int i = 0; i < TUI_FORM_MAX; i++)
        tf->errors[i][0] = '\0';
}

void tui_form_focus(struct tui_form *tf, int index)
{
    if (index < 0 || index >= tf->count)
        return;
    tf->current = index;
    tf->cursor_col = -1;
    if (tf->posted) {
        request(tf, REQ_BEG_LINE);
        set_current_field(tf->form, tf->fields[index]);
        default_cursor(tf);
    }
}

void tui_form_cursor(const struct tui_form *tf, int *col, int *scroll)
{
    if (tf->posted && tf->form) {
        *col = tf->form->curcol;
        *scroll = tf->form->begincol;
    } else {
        *col = tf->cursor_col;
        *scroll = tf->cursor_scroll;
    }
}

void tui_form_set_cursor(struct tui_form *tf, int col, int scroll)
{
    tf->cursor_col = col < 0 ? -1 : col;
    tf->cursor_scroll = scroll < 0 ? 0 : scroll;
    if (tf->posted) {
        tf->current = tui_form_current(tf);
        place_cursor(tf);
    }
}
