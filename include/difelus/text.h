/* UTF-8 text helpers shared by the command line and the terminal front end.
 * They decode UTF-8 themselves so that they work whatever the current locale. */
#ifndef DIFELUS_TEXT_H
#define DIFELUS_TEXT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

/* Copies src into dst (dstlen bytes, always NUL-terminated), dropping control characters
 * (C0, DEL, C1) and invisible format characters (bidirectional controls such as U+202E
 * and U+2066–U+2069, zero-width U+200B–U+200F, U+FEFF, U+061C, soft hyphen, tags), and
 * replacing invalid UTF-8 with '?'. Tabs, newlines and U+2028/U+2029 become spaces.
 * Returns dst. Use it on any text that comes from outside before showing it. */
char *text_sanitize(char *dst, size_t dstlen, const char *src);

/* Outside text for one line: sanitized as text_sanitize does, then, when longer than
 * `cols` columns or dstlen bytes, cut at a word (else at a character, never inside one)
 * and ended with "…". Use it instead of "%.40s", which cuts UTF-8 in the middle of a
 * character. Returns dst. */
char *text_clip(char *dst, size_t dstlen, const char *src, int cols);

/* Removes leading and trailing blanks in place; returns s. */
char *text_trim(char *s);

/* True when s is valid UTF-8 without control characters (nor the invisible ones that
 * text_sanitize drops). */
bool text_is_clean(const char *s);

/* Display width in terminal columns (wide characters count 2, combining marks 0). */
int text_width(const char *s);

/* Number of bytes of s that fit in `cols` columns, never splitting a character. */
size_t text_fit(const char *s, int cols);

/* Length in bytes of the next line of s when wrapped at `cols` columns, breaking at a
 * space when possible (never before : ; ! ? » € nor after «, which French typography
 * glues to their word; a non-breaking space is never a break); *next receives the start
 * of the following line (spaces skipped). A character wider than `cols` makes a line of
 * its own. Returns 0 with *next == s at the end of the text. */
size_t text_wrap_line(const char *s, int cols, const char **next);

/* Number of lines s takes when wrapped at cols columns (at least 1). */
int text_wrap_count(const char *s, int cols);

/* Bytes of s to keep when s must be cut to `cols` columns: all of it when it fits, else up
 * to the last word that fits (a hard cut when the first word is wider than the room), never
 * inside a character, without a dangling separator (space, , ; : - ( — – · U+00A0) at
 * the end; the caller adds "…". The one cut at a word: text_clip uses it. */
size_t text_cut_at_word(const char *s, int cols);

/* A count the French way, thousands apart with a narrow no-break space (U+202F, which
 * never wraps): 3000 → "3 000". Returns buf. */
char *text_format_count(size_t n, char *buf, size_t len);

/* "1 234,50 €" into buf, with U+00A0 as thousands gap and before € (DESIGN §7). */
void text_format_euros(long cents, char *buf, size_t len);

/* Hours given in hundredths, the French way with a non-breaking space (U+00A0) before
 * the unit: 700 → "7 h", 350 → "3,5 h", 325 → "3,25 h", 120000 → "1 200 h". Use it
 * wherever hours are shown. */
void text_format_hours(int hundredths, char *buf, size_t len);

/* Parses an amount in euros typed or copied by the official ("400", "400,50",
 * "1 234.5 €", MCF's "1 234,50 €" with U+00A0 or U+202F gaps) into cents; returns false
 * on anything else. */
bool text_parse_euros(const char *s, long *cents);

/* Parses hours typed by the official ("7", "7 h", "3,5 h", "3h30", "1 200 heures"; spaces
 * may be U+00A0 or U+202F) into hundredths; false on anything else ("7 €", "3h75"). */
bool text_parse_hours(const char *s, int *hundredths);

/* Number of characters (code points) of s: what a "200 caractères au plus" counts. */
size_t text_chars(const char *s);

/* A text field typed by the official: sanitized (text_sanitize) and trimmed, then copied
 * into dst when it holds 1 (or 0 when !required) to max characters — characters, as the
 * store counts them, not columns nor bytes. Else false and a French message naming the
 * field (`what`, e.g. "L'intitulé de la formation"). */
bool text_check_field(const char *value, const char *what, bool required, int max, char *dst,
                      size_t dstlen, char *err, size_t errlen);

/* "s" from 2 on, "" for 0 and 1 (French usage: « 0 formation », « 1 formation »,
 * « 2 formations »). */
const char *text_plural(size_t n);

/* Typesets a finished French message in place (s holds size bytes): the ordinary space
 * before : ; ! ? » and after « becomes U+00A0, so that no line starts with the mark
 * (DESIGN §7); a "." right after "…" is dropped (never « …. »). When the text no longer
 * fits, it is cut at a character. Returns s. */
char *text_typeset(char *s, size_t size);

/* snprintf, then text_typeset: use it wherever a French message is produced. Returns the
 * length of what buf holds. */
int text_msgf(char *buf, size_t len, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* fprintf of a typeset French message (text_typeset). */
int text_fprintf(FILE *out, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif
