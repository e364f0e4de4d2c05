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

/* Whether p starts a space as French typography puts it inside « » (ordinary, U+00A0,
 * U+202F), and whether a space ends just before p (from s on). */
static inline int fuzz_space_at(const char *p)
{
    return *p == ' ' || strncmp(p, "\u00a0", 2) == 0 || strncmp(p, "\u202f", 3) == 0;
}
static inline int fuzz_space_before(const char *s, const char *p)
{
    return (p - s >= 1 && p[-1] == ' ') || (p - s >= 2 && strncmp(p - 2, "\u00a0", 2) == 0) ||
           (p - s >= 3 && strncmp(p - 3, "\u202f", 3) == 0);
}

/* msg without its quotations, into out. Ours are written « text » (a space inside each
 * mark): a « or » glued to a letter is the outside text's own. Each « is paired with its
 * own » (a quotation may quote); an outermost « still open at the end (an outside text
 * holding a lone « ) closes at the last ». */
static inline void fuzz_unquote(const char *msg, char *out, size_t outlen)
{
    snprintf(out, outlen, "%s", msg);
    char *c = out, *open = NULL;
    int depth = 0;
    while (*c) {
        if (strncmp(c, "«", 2) == 0 && fuzz_space_at(c + 2)) {
            if (depth++ == 0)
                open = c;
            c += 2;
        } else if (strncmp(c, "»", 2) == 0 && depth > 0 && fuzz_space_before(out, c)) {
            if (--depth == 0) {
                memmove(open, c + 2, strlen(c + 2) + 1);
                c = open;
            } else {
                c += 2;
            }
        } else {
            c++;
        }
    }
    if (depth > 0) {
        char *close = NULL;
        for (char *k = strstr(open, "»"); k; k = strstr(k + 2, "»"))
            close = k;
        if (close)
            memmove(open, close + 2, strlen(close + 2) + 1);
    }
}

/* An error message the official would read: not empty, valid UTF-8 without control
 * characters (outside text inside it was sanitized), and none of SQLite's or the system's
 * English wording. */
static inline void fuzz_check_message(const char *msg, const char *what)
{
    FUZZ_CHECK(msg && msg[0], "%s : message d'erreur vide", what);
    FUZZ_CHECK(text_is_clean(msg), "%s : message non propre : %s", what, msg);
    /* Outside text is quoted between « and »: each quotation is the user's, not ours, and
     * goes; what is between two of them is ours and is checked (fuzz_unquote). */
    char own[2048];
    fuzz_unquote(msg, own, sizeof own);
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
