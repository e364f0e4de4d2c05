/* Entry point of the full-screen wizard; this header does not expose curses. */
#ifndef DIFELUS_TUI_APP_H
#define DIFELUS_TUI_APP_H

#include <stdbool.h>
#include <stddef.h>

#include "difelus/store.h"

/* Makes sure the locale can show accents (falls back on C.UTF-8). Returns false with a
 * French message when no UTF-8 locale exists on the machine. */
bool tui_locale_setup(char *err, size_t errlen);

/* Checks that TERM names a terminal the wizard can drive (set, known, able to move the
 * cursor: not TERM=dumb). Returns false with a French message saying what to do. */
bool tui_terminal_check(char *err, size_t errlen);

/* What tui_terminal_check found: TERM unset, unknown to terminfo, or a terminal that
 * cannot move the cursor (the line mode then serves instead of the full screen). */
enum tui_terminal_verdict { TUI_TERM_OK, TUI_TERM_UNSET, TUI_TERM_UNKNOWN, TUI_TERM_NO_CURSOR };
/* Like tui_terminal_check; `shown` receives TERM as it may be shown (cleaned, clipped). */
enum tui_terminal_verdict tui_terminal_probe(char *shown, size_t shown_len);

struct screen_table;

/* Runs the wizard on the screens of `table` until the official quits. Returns the process exit status; on failure a
 * French message is left in err, the terminal already restored. */
int tui_run(const struct screen_table *table, store *st, const char *db_path, bool color,
            char *err, size_t errlen);

#endif
