/* Shared by the fuzz targets (tests/fuzz/fuzz_<name>.c): invariant checks that stop the run
 * the way libFuzzer and the replay driver both see as a finding (abort), and helpers to hand
 * the raw bytes to the parsers as the C strings a user's input becomes. */
#ifndef DIFELUS_FUZZ_H
#define DIFELUS_FUZZ_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "difelus/text.h"

/* A broken invariant is a finding: say which one on stderr, then abort so that libFuzzer
 * saves the input in build/fuzz/crashes/ and the replay of `make test` fails. */
#define FUZZ_CHECK(cond, ...)                                                                 \
    do {                                                                                       \
        if (!(cond)) {                                                                         \
            fprintf(stderr, "%s:%d: invariant rompu : %s\n", __FILE__, __LINE__, #cond);       \
            fprintf(stderr, __VA_ARGS__);                                                      \
            fputc('\n', stderr);                                                               \
            abort();                                                                           \
        }                                                                                      \
    } while (0)

/* The input as a NUL-terminated string of exactly size + 1 bytes (an overread past the end
 * is caught by ASan). Bytes after an embedded NUL are simply not seen, as with a C string
 * read from a terminal or a file. The caller frees it. */
static inline char *fuzz_string(const uint8_t *data, size_t size)
{
    char *s = malloc(size + 1);
    if (!s)
        abort();
    if (size)
        memcpy(s, data, size);
    s[size] = '\0';
    return s;
}

/* An error message the official would read: not empty, valid UTF-8 without control
 * characters (outside text inside it was sanitized), and none of SQLite's or the system's
 * English wording. */
static inline void fuzz_check_message(const char *msg, const char *what)
{
    FUZZ_CHECK(msg && msg[0], "%s : message d'erreur vide", what);
    FUZZ_CHECK(text_is_clean(msg), "%s : message non propre : %s", what, msg);
    /* Outside text is quoted between « and » (and may hold them itself): from the first
     * « to the last », whatever is said is the user's, not ours. */
    char own[2048];
    snprintf(own, sizeof own, "%s", msg);
    char *open = strstr(own, "«"), *close = NULL;
    for (char *c = open ? strstr(open, "»") : NULL; c; c = strstr(c + 1, "»"))
        close = c;
    if (open && close)
        memmove(open, close + 2, strlen(close + 2) + 1);
    static const char *const english[] = {
        "SQL logic error", "database", "syntax error", "no such", "constraint failed",
        "out of memory", "disk I/O", "malformed", "No such file", "Permission denied",
        "unrecognized token", "fts5:", "unable to", "error:", NULL,
    };
    for (int i = 0; english[i]; i++)
        FUZZ_CHECK(!strstr(own, english[i]), "%s : texte anglais « %s » dans : %s", what,
                   english[i], msg);
}

#endif
