/* Test helpers: run the real binary (captured output, or inside a pseudo-terminal emulated
 * by libvterm) and read what a user would see. Waits poll until a deadline; nothing sleeps
 * for a fixed time. */
#ifndef DIFELUS_TEST_HARNESS_H
#define DIFELUS_TEST_HARNESS_H

#include <stdbool.h>
#include <stddef.h>

/* Generous, because the suite also runs under AddressSanitizer and valgrind. */
#define WAIT_MS 15000

/* Path of the binary under test ($DIFELUS_BIN, default build/difelus). */
const char *harness_binary(void);

/* A fresh empty folder under $BUILD/tmp (freed at exit is not needed: build/ is scratch). */
const char *harness_tmpdir(const char *name);

/* Reads a whole file (NULL if missing); *len receives its size when not NULL. */
char *harness_read_file(const char *path, size_t *len);
void harness_write_file(const char *path, const char *data, size_t len);

/* s with each U+00A0 read as an ordinary space (8 results stay valid at once): compares
 * typeset messages (DESIGN §7) with expectations written with plain spaces. */
const char *harness_fold(const char *s);

/* strstr where U+00A0 and an ordinary space match each other (in hay and needle). */
char *harness_strstr(const char *hay, const char *needle);

struct run_result {
    int status; /* exit status, or 128 + signal */
    char *out, *err;         /* with U+00A0 read as an ordinary space */
    char *raw_out, *raw_err; /* the bytes as written */
};

/* Runs the binary with args (NULL-terminated) and extra environment entries "K=V"
 * (NULL-terminated, may be NULL); stdin from /dev/null. */
void harness_run(struct run_result *r, const char *const args[], const char *const env[]);
/* The same with `input` written to the binary's stdin through a pipe (closed after it:
 * the program then reads end of file), its stdout and stderr read meanwhile. */
void harness_run_input(struct run_result *r, const char *const args[], const char *const env[],
                       const char *input);
void harness_run_free(struct run_result *r);

struct term;

/* Starts the binary in a pseudo-terminal of rows × cols, TERM=xterm-256color, with extra
 * environment entries (overriding the defaults). */
struct term *term_start(int rows, int cols, const char *const args[], const char *const env[]);
/* Waits until `text` is on screen, on one row or wrapped over several at any of its spaces
 * (a message wraps elsewhere on another date): rows are also read joined by one space;
 * false after WAIT_MS. Here and in term_find_row and term_wait_gone, a non-breaking space
 * (U+00A0, U+202F) matches a plain one, both ways: term_text and term_row give the screen
 * as it is, for checks of the typography. */
bool term_wait_for(struct term *t, const char *text);
/* Only wrapped: the rows joined (kept for the tests that say so). */
bool term_wait_for_wrapped(struct term *t, const char *text);
/* Waits until the row where `label` appears holds `value`, a whole word after the label
 * (a form's field beside its label). */
bool term_wait_field(struct term *t, const char *label, const char *value);
/* Waits until `text` is no longer on screen, on one row or wrapped. */
bool term_wait_gone(struct term *t, const char *text);
/* Sends bytes as if typed. Use "\r" for Enter, "\t" for Tab, "\033" for Escape. */
void term_send(struct term *t, const char *keys);
/* Special keys, encoded by libvterm as the terminal would in its current mode. */
enum term_key { TK_UP, TK_DOWN, TK_LEFT, TK_RIGHT, TK_PAGE_DOWN, TK_PAGE_UP, TK_F1, TK_F10 };
void term_send_key(struct term *t, enum term_key key);
/* The screen as text, rows joined by '\n' (static buffer). */
const char *term_text(struct term *t);
/* Row y as text (static buffer). */
const char *term_row(struct term *t, int y);
/* Where the terminal's cursor is (0-based row and column). */
void term_cursor(struct term *t, int *row, int *col);
/* Waits until the cursor is at (row, col); false after WAIT_MS. */
bool term_wait_cursor(struct term *t, int row, int col);
/* Row where text first appears, or -1. */
int term_find_row(struct term *t, const char *text);
/* True when the cell at (row, col) has default colours (no colour used). */
bool term_cell_default_colors(struct term *t, int row, int col);
bool term_cell_reverse(struct term *t, int row, int col);
void term_resize(struct term *t, int rows, int cols);
/* Reads what the program has written so far, without waiting (after e2e.h's wait_idle:
 * the whole screen it drew). */
void term_drain(struct term *t);
/* Waits until the whole screen (term_text) is exactly `screen`; false after WAIT_MS. */
bool term_wait_screen(struct term *t, const char *screen);
/* True when the cell at (row, col) is marked without colour: reverse, bold or underline. */
bool term_cell_emphasis(struct term *t, int row, int col);
/* Closes the terminal's master side, as a dropped ssh link or a closed window does: the
 * program's terminal hangs up. Only term_wait_exit and term_free make sense afterwards. */
void term_hangup(struct term *t);
/* Waits for the program to exit; returns its exit status or -1 on time-out. */
int term_wait_exit(struct term *t);
/* After exit: the terminal is back to normal (line mode and echo on, main screen,
 * visible cursor). */
bool term_restored(struct term *t);
/* Every wait on any terminal also reads what t's program wrote meanwhile (two programs
 * at once: an official and an agent). term_free stops it. */
void term_watch(struct term *t);
/* Kills the child if still running and frees everything. */
void term_free(struct term *t);

#endif
