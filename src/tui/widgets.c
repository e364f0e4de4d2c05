#include <stdio.h>
#include <string.h>

#include "difelus/text.h"
#include "tui/tui.h"

static bool colors_on;

void tui_colors_init(bool wanted)
{
    colors_on = false;
    if (!wanted || !has_colors() || start_color() == ERR)
        return;
    use_default_colors();
    init_pair(TC_TITLE, COLOR_WHITE, COLOR_BLUE);
    init_pair(TC_WARNING, COLOR_RED, -1);
    init_pair(TC_DONE, COLOR_GREEN, -1);
    init_pair(TC_ERROR, COLOR_RED, -1);
    init_pair(TC_FOCUS, COLOR_BLACK, COLOR_CYAN);
    colors_on = true;
}

attr_t tui_attr(enum tui_color role)
{
    /* The non-colour part carries the meaning on monochrome terminals. */
    attr_t base = 0;
    switch (role) {
    case TC_TITLE:
    case TC_FOCUS:
        base = A_REVERSE;
        break;
    case TC_WARNING:
    case TC_ERROR:
        base = A_BOLD;
        break;
    case TC_DONE:
        base = 0;
        break;
    }
    if (!colors_on)
        return base;
    if (role == TC_TITLE || role == TC_FOCUS)
        return COLOR_PAIR(role);
    return base | COLOR_PAIR(role);
}

int tui_print(int y, int x, int cols, attr_t attr, const char *text)
{
    if (cols <= 0 || y < 0 || y >= LINES || x >= COLS)
        return 0;
    if (x + cols > COLS)
        cols = COLS - x;
    char clean[2048];
    text_sanitize(clean, sizeof clean, text);
    size_t n = text_fit(clean, cols);
    bool cut = clean[n] != '\0' && cols >= 2;
    if (cut) {
        /* Too long: cut at a word and say so, never in the middle of a word or a number. */
        n = text_cut_at_word(clean, cols - 1);
        snprintf(clean + n, sizeof clean - n, "…");
        n = strlen(clean);
    }
    attron(attr);
    mvaddnstr(y, x, clean, (int)n);
    attroff(attr);
    clean[n] = '\0';
    return text_width(clean);
}

int tui_print_pair(int y, int x, int cols, attr_t attr, const char *head, const char *tail)
{
    char clean_tail[1024], line[4096];
    text_sanitize(clean_tail, sizeof clean_tail, tail);
    int tail_w = text_width(clean_tail);
    if (tail_w >= cols - 4)
        return tui_print(y, x, cols, attr, clean_tail);
    text_sanitize(line, sizeof line - sizeof clean_tail - 4, head);
    int room = cols - tail_w;
    if (text_width(line) > room) {
        size_t n = text_cut_at_word(line, room - 1);
        snprintf(line + n, sizeof line - n, "…");
    }
    size_t n = strlen(line);
    snprintf(line + n, sizeof line - n, "%s", clean_tail);
    return tui_print(y, x, cols, attr, line);
}

int tui_wrap_each(const char *text, int cols, int max_lines,
                  void (*emit)(void *ctx, int row, const char *line), void *ctx)
{
    char clean[4096];
    text_sanitize(clean, sizeof clean, text);
    const char *p = clean;
    int rows = 0;
    while (*p && rows < max_lines) {
        const char *next;
        size_t len = text_wrap_line(p, cols, &next);
        char line[1024];
        if (len >= sizeof line) {
            len = sizeof line - 1;
            while (len > 0 && ((unsigned char)p[len] & 0xC0) == 0x80)
                len--; /* never inside a character */
        }
        memcpy(line, p, len);
        line[len] = '\0';
        if (rows == max_lines - 1 && *next) {
            /* Last row available and more text: end with an ellipsis. */
            size_t fit = text_cut_at_word(line, cols - 1);
            snprintf(line + fit, sizeof line - fit, "…");
        }
        emit(ctx, rows, line);
        rows++;
        p = next;
    }
    return rows;
}

struct paragraph_at {
    int y, x, cols;
    attr_t attr;
};

static void print_row(void *ctx, int row, const char *line)
{
    const struct paragraph_at *at = ctx;
    tui_print(at->y + row, at->x, at->cols, at->attr, line);
}

int tui_paragraph(int y, int x, int cols, int max_lines, attr_t attr, const char *text)
{
    struct paragraph_at at = {y, x, cols, attr};
    return tui_wrap_each(text, cols, max_lines, print_row, &at);
}

static char banner[4096];

bool tui_banner_set(const char *text)
{
    if (strcmp(banner, text ? text : "") == 0)
        return false;
    snprintf(banner, sizeof banner, "%s", text ? text : "");
    return true;
}

/* The banner holds its wordings longest first, one per line: the first that fits in
 * `cols` columns, else the last one. */
static void banner_pick(int cols, char *out, size_t len)
{
    const char *p = banner;
    for (;;) {
        size_t n = strcspn(p, "\n");
        snprintf(out, len, "%.*s", (int)n, p);
        if (!p[n] || text_width(out) <= cols)
            return;
        p += n + 1;
    }
}

void tui_title_bar(const char *title)
{
    attr_t a = tui_attr(TC_TITLE);
    attron(a);
    mvhline(0, 0, ' ', COLS);
    attroff(a);
    if (banner[0]) {
        /* A shared session: the banner takes the program's name's place; the title keeps
         * up to 30 columns (cut at a word) and the banner says as much as the rest holds. */
        int title_cols = text_width(title);
        if (title_cols > 30)
            title_cols = 30;
        char pick[sizeof banner], tail[sizeof banner + 8];
        banner_pick(COLS - 2 - 2 - title_cols, pick, sizeof pick);
        snprintf(tail, sizeof tail, "  %s", pick);
        tui_print_pair(0, 1, COLS - 2, a | A_BOLD, title, tail);
        return;
    }
    tui_print(0, 1, COLS > 30 ? COLS - 10 : COLS - 2, a | A_BOLD, title);
    if (COLS > 30)
        tui_print(0, COLS - 8, 8, a, "difelus");
}

int tui_message_rows(const struct app *app)
{
    if (!app->ui.message[0])
        return 0;
    /* A message longer than a line takes the rows above it (up to four), rather than
     * being cut: a refusal says why and what to do, all of it matters. */
    int rows = text_wrap_count(app->ui.message, COLS - 2);
    int most = LINES > 8 ? 4 : LINES > 4 ? 2 : 1;
    return rows > most ? most : rows;
}

void tui_key_line(struct app *app, const char *keys)
{
    if (app->ui.message[0]) {
        int rows = tui_message_rows(app);
        for (int r = 0; r < rows; r++) {
            move(LINES - 2 - r, 0);
            clrtoeol();
        }
        tui_paragraph(LINES - 1 - rows, 1, COLS - 2, rows,
                      app->ui.message_error ? tui_attr(TC_ERROR) : A_BOLD, app->ui.message);
    }
    attr_t a = tui_attr(TC_TITLE);
    attron(a);
    mvhline(LINES - 1, 0, ' ', COLS);
    attroff(a);
    tui_print(LINES - 1, 1, COLS - 2, a, keys);
}

int tui_warning_box_height(int cols, const char *const *warnings, size_t count)
{
    int rows = 2;
    for (size_t i = 0; i < count; i++)
        rows += text_wrap_count(warnings[i], cols - 6);
    return rows;
}

int tui_warning_box(int y, int x, int cols, int max_rows, const char *const *warnings,
                    size_t count)
{
    if (max_rows < 3 || cols < 20)
        return 0;
    int want = tui_warning_box_height(cols, warnings, count);
    int h = want < max_rows ? want : max_rows;
    attr_t a = tui_attr(TC_WARNING);
    attron(a);
    mvaddch(y, x, ACS_ULCORNER);
    mvhline(y, x + 1, ACS_HLINE, cols - 2);
    mvaddch(y, x + cols - 1, ACS_URCORNER);
    for (int r = 1; r < h - 1; r++) {
        mvaddch(y + r, x, ACS_VLINE);
        mvaddch(y + r, x + cols - 1, ACS_VLINE);
    }
    mvaddch(y + h - 1, x, ACS_LLCORNER);
    mvhline(y + h - 1, x + 1, ACS_HLINE, cols - 2);
    mvaddch(y + h - 1, x + cols - 1, ACS_LRCORNER);
    attroff(a);
    tui_print(y, x + 2, cols - 4, a, " ATTENTION ");
    int row = y + 1;
    for (size_t i = 0; i < count && row < y + h - 1; i++) {
        tui_print(row, x + 2, 2, a, "!");
        row += tui_paragraph(row, x + 4, cols - 6, y + h - 1 - row, 0, warnings[i]);
    }
    return h;
}

void tui_dossier_deadline_line(const struct app *app, const struct dossier *d, char *line,
                          size_t len, bool *overdue)
{
    struct dossier_deadline dl = dossier_deadline(d);
    line[0] = '\0';
    *overdue = false;
    if (dl.kind == DL_NONE || dossier_status_closed(d->status))
        return;
    char text[640];
    dossier_deadline_text(dl, app->today, text, sizeof text, overdue);
    snprintf(line, len, "%s%s", *overdue ? "EN RETARD — " : "", text);
}

int tui_dossier_deadline_rows(const struct app *app, const struct dossier *d, int cols)
{
    char line[700];
    bool overdue;
    tui_dossier_deadline_line(app, d, line, sizeof line, &overdue);
    return line[0] ? text_wrap_count(line, cols) : 0;
}

int tui_dossier_deadline(const struct app *app, const struct dossier *d, int y, int x, int cols,
                         int max_lines, attr_t attr)
{
    char line[700];
    bool overdue;
    tui_dossier_deadline_line(app, d, line, sizeof line, &overdue);
    if (!line[0])
        return 0;
    return tui_paragraph(y, x, cols, max_lines, overdue ? tui_attr(TC_ERROR) : attr, line);
}

bool tui_too_small(struct app *app)
{
    if (app->ignore_small || (COLS >= TUI_MIN_COLS && LINES >= TUI_MIN_LINES))
        return false;
    erase();
    char size[128];
    /* « 70 × 20 » is one thing: non-breaking spaces, never split over two rows. */
    snprintf(size, sizeof size, "Il faut au moins %d colonnes sur %d lignes ; la fenêtre "
                                "fait %d\u00a0×\u00a0%d.", /* never split */
             TUI_MIN_COLS, TUI_MIN_LINES, COLS, LINES);
    int w = COLS - 2 > 10 ? COLS - 2 : COLS;
    /* A shared session goes on meanwhile: the banner (who, which mode, F4) on top, and the
     * message line (an answer, a refusal, the quit question) at the bottom. */
    int top = 0;
    if (banner[0]) {
        char pick[sizeof banner];
        banner_pick(w * 2, pick, sizeof pick); /* two rows at most: who, the mode, F4 */
        top = tui_paragraph(0, 1, w, 3, tui_attr(TC_WARNING) | A_BOLD, pick);
    }
    int msg_rows = 0;
    if (app->ui.message[0]) {
        msg_rows = tui_message_rows(app);
        tui_paragraph(LINES - msg_rows, 1, w, msg_rows,
                      app->ui.message_error ? tui_attr(TC_ERROR) : A_BOLD, app->ui.message);
    }
    static const char full[] = "Terminal trop petit — agrandissez la fenêtre ou appuyez "
                               "sur i pour ignorer";
    int room = LINES - msg_rows - top;
    int full_rows = text_wrap_count(full, w);
    if (full_rows <= 3 && full_rows + 1 + text_wrap_count(size, w) + 2 <= room) {
        int y = LINES / 2 - 2 > top ? LINES / 2 - 2 : top;
        int y0 = y;
        y += tui_paragraph(y, 1, w, 3, A_BOLD, full);
        tui_paragraph(y + 1, 1, w, 2, 0, size);
        if (y + 3 < LINES - msg_rows)
            tui_paragraph(y + 3, 1, w, 1, 0, "q : quitter");
        move(y0, 1);
        return true;
    }
    /* A tiny window (20 × 5, 10 × 3): the whole sentence would be cut before its keys.
     * What matters first: that it is too small, then the two keys (as the key line writes
     * them), then what to do, in the rows left over, on the whole width. */
    const char *title = COLS >= 19 ? "Terminal trop petit" : "Trop petit";
    int keys = room >= 2 ? 2 : room;
    /* The advice only where its words fit whole (« Agrandissez » is 11 columns). */
    int advice = room >= 3 && COLS >= 16 ? room - keys - 1 : 0;
    if (advice > 0) {
        int want = text_wrap_count("Agrandissez la fenêtre, ou\u00a0:", COLS);
        advice = want < advice ? want : advice;
    }
    int lines = (room >= 3 ? 1 : 0) + advice + keys;
    int y = top + (room - lines) / 2; /* in the middle, as the long message */
    int y0 = y;
    if (room >= 3)
        y += tui_paragraph(y, 0, COLS, 1, A_BOLD, title);
    if (advice > 0)
        y += tui_paragraph(y, 0, COLS, advice, 0, "Agrandissez la fenêtre, ou\u00a0:");
    if (keys >= 2)
        tui_print(y++, 0, COLS, 0, "i ignorer");
    if (keys >= 1)
        tui_print(y, 0, COLS, 0, "q quitter");
    move(y0, 0);
    return true;
}
