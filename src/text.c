#include "difelus/text.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <wchar.h>

/* Decodes one UTF-8 sequence; returns its length (1..4) or 0 when invalid. */
static int utf8_decode(const unsigned char *s, uint32_t *cp)
{
    if (s[0] < 0x80) {
        *cp = s[0];
        return 1;
    }
    int len;
    uint32_t c, min;
    if ((s[0] & 0xE0) == 0xC0) {
        len = 2, c = s[0] & 0x1F, min = 0x80;
    } else if ((s[0] & 0xF0) == 0xE0) {
        len = 3, c = s[0] & 0x0F, min = 0x800;
    } else if ((s[0] & 0xF8) == 0xF0) {
        len = 4, c = s[0] & 0x07, min = 0x10000;
    } else {
        return 0;
    }
    for (int i = 1; i < len; i++) {
        if ((s[i] & 0xC0) != 0x80)
            return 0;
        c = (c << 6) | (s[i] & 0x3F);
    }
    if (c < min || c > 0x10FFFF || (c >= 0xD800 && c <= 0xDFFF))
        return 0;
    *cp = c;
    return len;
}

/* C0, DEL and C1 controls; and the invisible format characters that a terminal obeys
 * or hides: bidirectional overrides, embeddings and isolates (U+202E makes « Budget
 * \u202Eelbadne » show reversed), zero-width characters, the byte-order mark, soft
 * hyphen, invisible operators and tag characters. Text from outside must never carry
 * them to the screen. */
static bool is_control(uint32_t cp)
{
    return cp < 0x20 || cp == 0x7F || (cp >= 0x80 && cp < 0xA0) || cp == 0xAD ||
           cp == 0x061C || cp == 0x180E || (cp >= 0x200B && cp <= 0x200F) ||
           (cp >= 0x2028 && cp <= 0x202E) || (cp >= 0x2060 && cp <= 0x206F) ||
           cp == 0xFEFF || (cp >= 0xFFF9 && cp <= 0xFFFB) || (cp >= 0xE0000 && cp <= 0xE007F);
}

static int cp_width(uint32_t cp)
{
    if (cp == 0x2014 || cp == 0x2026 || cp == 0xAB || cp == 0xBB || cp < 0x300)
        return 1; /* common punctuation; avoids asking the locale */
    int w = wcwidth((wchar_t)cp);
    if (w >= 0)
        return w;
    /* Locale is not UTF-8: guess combining marks and East Asian wide ranges. */
    if (cp >= 0x300 && cp < 0x370)
        return 0;
    if ((cp >= 0x1100 && cp <= 0x115F) || (cp >= 0x2E80 && cp <= 0xA4CF) ||
        (cp >= 0xAC00 && cp <= 0xD7A3) || (cp >= 0xF900 && cp <= 0xFAFF) ||
        (cp >= 0xFF00 && cp <= 0xFF60) || (cp >= 0x1F300 && cp <= 0x1FAFF))
        return 2;
    return 1;
}

char *text_sanitize(char *dst, size_t dstlen, const char *src)
{
    if (dstlen == 0)
        return dst;
    size_t o = 0;
    const unsigned char *s = (const unsigned char *)(src ? src : "");
    while (*s) {
        uint32_t cp;
        int n = utf8_decode(s, &cp);
        if (n == 0) {
            if (o + 1 >= dstlen)
                break;
            dst[o++] = '?';
            s++;
            continue;
        }
        if (cp == '\t' || cp == '\n' || cp == '\r' || cp == 0x2028 || cp == 0x2029) {
            if (o + 1 >= dstlen)
                break;
            dst[o++] = ' ';
        } else if (!is_control(cp)) {
            if (o + (size_t)n >= dstlen)
                break;
            memcpy(dst + o, s, (size_t)n);
            o += (size_t)n;
        }
        s += n;
    }
    dst[o] = '\0';
    return dst;
}

char *text_clip(char *dst, size_t dstlen, const char *src, int cols)
{
    if (dstlen == 0)
        return dst;
    src = src ? src : "";
    size_t srclen = strlen(src);
    char *clean = malloc(srclen + 1);
    if (!clean)
        return text_sanitize(dst, dstlen, src);
    text_sanitize(clean, srclen + 1, src);
    if (cols < 1)
        cols = 1;
    size_t whole = strlen(clean);
    if (text_width(clean) <= cols && whole < dstlen) {
        memcpy(dst, clean, whole + 1);
        free(clean);
        return dst;
    }
    static const char ellipsis[] = "…";
    size_t room = dstlen - 1 >= sizeof ellipsis - 1 ? dstlen - 1 - (sizeof ellipsis - 1) : 0;
    if (room < whole) {
        /* The buffer is the limit: cut there first (never inside a character). */
        size_t keep = room;
        while (keep > 0 && ((unsigned char)clean[keep] & 0xC0) == 0x80)
            keep--;
        clean[keep] = '\0';
    }
    /* The one cut at a word of the code base, then the "…". */
    size_t keep = text_cut_at_word(clean, text_width(clean) <= cols ? cols : cols - 1);
    memcpy(dst, clean, keep);
    if (dstlen - 1 - keep >= sizeof ellipsis - 1) {
        memcpy(dst + keep, ellipsis, sizeof ellipsis - 1);
        keep += sizeof ellipsis - 1;
    }
    dst[keep] = '\0';
    free(clean);
    return dst;
}

bool text_is_clean(const char *s)
{
    const unsigned char *p = (const unsigned char *)s;
    while (*p) {
        uint32_t cp;
        int n = utf8_decode(p, &cp);
        if (n == 0 || is_control(cp))
            return false;
        p += n;
    }
    return true;
}

char *text_trim(char *s)
{
    size_t start = 0, len = strlen(s);
    while (start < len && (s[start] == ' ' || s[start] == '\t'))
        start++;
    while (len > start && (s[len - 1] == ' ' || s[len - 1] == '\t' || s[len - 1] == '\n'))
        len--;
    memmove(s, s + start, len - start);
    s[len - start] = '\0';
    return s;
}

/* Width and byte length of the next character; invalid bytes count as one column. */
static int next_char(const char *s, int *width)
{
    uint32_t cp;
    int n = utf8_decode((const unsigned char *)s, &cp);
    if (n == 0) {
        *width = 1;
        return 1;
    }
    *width = cp_width(cp);
    return n;
}

int text_width(const char *s)
{
    int total = 0;
    while (*s) {
        int w;
        s += next_char(s, &w);
        total += w;
    }
    return total;
}

size_t text_fit(const char *s, int cols)
{
    const char *p = s;
    int used = 0;
    while (*p) {
        int w;
        int n = next_char(p, &w);
        if (used + w > cols)
            break;
        used += w;
        p += n;
    }
    return (size_t)(p - s);
}

/* French typography keeps these glued to the word before them (DESIGN §7): a line never
 * starts with one, even when the text has an ordinary space where a non-breaking one was
 * due ("800 €", "le maire : …"). */
static bool glued_to_previous(const char *p)
{
    static const char *const marks[] = {":", ";", "!", "?", "»", "€", "%"};
    for (size_t i = 0; i < sizeof marks / sizeof marks[0]; i++) {
        size_t n = strlen(marks[i]);
        /* Only the mark alone ("? " or at the end), not a word starting with it. */
        if (strncmp(p, marks[i], n) == 0 && (p[n] == '\0' || p[n] == ' ' || p[n] == '.' ||
                                             p[n] == ',' || p[n] == ')'))
            return true;
    }
    return false;
}

/* Whether the line may break at the space p points to (s is the line's start). */
static bool may_break_at(const char *s, const char *p)
{
    if (p == s)
        return false;
    /* « is glued to the word after it. */
    if (p - s >= 2 && strncmp(p - 2, "«", 2) == 0)
        return false;
    const char *after = p;
    while (*after == ' ')
        after++;
    return !glued_to_previous(after);
}

size_t text_wrap_line(const char *s, int cols, const char **next)
{
    if (cols < 1)
        cols = 1;
    const char *p = s;
    const char *last_break = NULL;
    int used = 0;
    while (*p) {
        int w;
        int n = next_char(p, &w);
        if (*p == ' ' && may_break_at(s, p))
            last_break = p;
        if (used + w > cols)
            break;
        used += w;
        p += n;
    }
    size_t len;
    if (*p == '\0') {
        len = (size_t)(p - s);
        *next = p;
    } else if (*p == ' ' && may_break_at(s, p)) {
        len = (size_t)(p - s);
        *next = p;
    } else if (last_break) {
        len = (size_t)(last_break - s);
        *next = last_break;
    } else if (p == s) {
        /* Not even one character fits (a wide one in one column): take it anyway, so that
         * every line moves on and wrapping always ends. */
        int w;
        len = (size_t)next_char(p, &w);
        *next = p + len;
    } else {
        len = (size_t)(p - s);
        *next = p;
    }
    while (**next == ' ')
        (*next)++;
    return len;
}

int text_wrap_count(const char *s, int cols)
{
    int lines = 0;
    const char *p = s;
    do {
        const char *next;
        text_wrap_line(p, cols, &next);
        lines++;
        p = next;
    } while (*p);
    return lines;
}

size_t text_cut_at_word(const char *s, int cols)
{
    if (cols < 0)
        cols = 0;
    if (text_width(s) <= cols)
        return strlen(s);
    const char *next;
    size_t len = text_wrap_line(s, cols, &next);
    /* A hard cut when the first word alone is wider than the room. */
    size_t fit = text_fit(s, cols);
    if (len > fit)
        len = fit;
    /* No dangling separator before the "…" the caller adds (multibyte ones compared
     * whole, so that the cut never lands inside a character). */
    static const char *const seps[] = {" ", ",", ";", ":", "-", "(", "—", "–", "·", "\u00a0",
                                       "\u202f"};
    for (bool again = true; again && len > 0;) {
        again = false;
        for (size_t i = 0; i < sizeof seps / sizeof seps[0]; i++) {
            size_t l = strlen(seps[i]);
            if (len >= l && memcmp(s + len - l, seps[i], l) == 0) {
                len -= l;
                again = true;
            }
        }
    }
    return len;
}

char *text_format_count(size_t n, char *buf, size_t len)
{
    char digits[32], grouped[64];
    snprintf(digits, sizeof digits, "%zu", n);
    size_t count = strlen(digits), o = 0;
    for (size_t i = 0; i < count; i++) {
        if (i > 0 && (count - i) % 3 == 0) {
            memcpy(grouped + o, "\u202f", 3);
            o += 3;
        }
        grouped[o++] = digits[i];
    }
    grouped[o] = '\0';
    snprintf(buf, len, "%s", grouped);
    return buf;
}

void text_format_euros(long cents, char *buf, size_t len)
{
    bool neg = cents < 0;
    /* Negated in unsigned arithmetic: -LONG_MIN overflows a long. */
    unsigned long v = neg ? 0UL - (unsigned long)cents : (unsigned long)cents;
    unsigned long euros = v / 100, rest = v % 100;
    char digits[32], grouped[64];
    snprintf(digits, sizeof digits, "%lu", euros);
    size_t n = strlen(digits), o = 0;
    for (size_t i = 0; i < n; i++) {
        if (i > 0 && (n - i) % 3 == 0) {
            memcpy(grouped + o, "\u00a0", 2); /* a thousands gap never wraps */
            o += 2;
        }
        grouped[o++] = digits[i];
    }
    grouped[o] = '\0';
    /* U+00A0 before the unit (DESIGN §7): "800 €" never wraps. */
    snprintf(buf, len, "%s%s,%02lu\u00a0€", neg ? "-" : "", grouped, rest);
}

/* Length of the space at p: an ordinary one, U+00A0 or U+202F (what MCF and
 * text_format_euros put between thousands and before the unit); 0 when none. */
static size_t gap_len(const char *p)
{
    if (*p == ' ')
        return 1;
    if ((unsigned char)p[0] == 0xC2 && (unsigned char)p[1] == 0xA0)
        return 2;
    if ((unsigned char)p[0] == 0xE2 && (unsigned char)p[1] == 0x80 && (unsigned char)p[2] == 0xAF)
        return 3;
    return 0;
}

static const char *skip_gaps(const char *p)
{
    for (size_t n; (n = gap_len(p)) > 0;)
        p += n;
    return p;
}

/* A number as the official types or copies it: digits with optional thousands gaps, then
 * an optional decimal part of at most two digits; *frac_digits -1 when none. Returns the
 * end, or NULL when there is no digit or too many. */
static const char *parse_decimal(const char *p, long *whole, int *frac, int *frac_digits)
{
    int digits = 0;
    *whole = 0;
    *frac = 0;
    *frac_digits = -1;
    for (;;) {
        if (*p >= '0' && *p <= '9') {
            if (*frac_digits < 0) {
                if (*whole > 100000000L)
                    return NULL;
                *whole = *whole * 10 + (*p - '0');
                digits++;
            } else {
                if (*frac_digits == 2)
                    return NULL;
                *frac = *frac * 10 + (*p - '0');
                (*frac_digits)++;
            }
            p++;
        } else if ((*p == ',' || *p == '.') && *frac_digits < 0 && digits > 0) {
            *frac_digits = 0;
            p++;
        } else if (gap_len(p) && *frac_digits < 0 && digits > 0 && p[gap_len(p)] >= '0' &&
                   p[gap_len(p)] <= '9') {
            p += gap_len(p); /* thousands gap */
        } else {
            break;
        }
    }
    if (digits == 0 || *frac_digits == 0)
        return NULL;
    if (*frac_digits == 1) {
        *frac *= 10;
        *frac_digits = 2;
    }
    return p;
}

bool text_parse_euros(const char *s, long *cents)
{
    long euros;
    int frac, frac_digits;
    const char *p = parse_decimal(skip_gaps(s), &euros, &frac, &frac_digits);
    if (!p)
        return false;
    p = skip_gaps(p);
    if (strcmp(p, "€") == 0 || strcmp(p, "EUR") == 0 || strcmp(p, "euros") == 0)
        p += strlen(p);
    if (*skip_gaps(p) != '\0')
        return false;
    *cents = euros * 100 + (frac_digits > 0 ? frac : 0);
    return true;
}

bool text_parse_hours(const char *s, int *hundredths)
{
    long whole;
    int frac, frac_digits;
    const char *p = parse_decimal(skip_gaps(s), &whole, &frac, &frac_digits);
    if (!p || whole > 100000)
        return false;
    long value = whole * 100 + (frac_digits > 0 ? frac : 0);
    p = skip_gaps(p);
    if (strncmp(p, "heures", 6) == 0)
        p += 6;
    else if (strncmp(p, "heure", 5) == 0)
        p += 5;
    else if (*p == 'h' || *p == 'H') {
        p++;
        /* "3h30", "3 h 30": minutes after the unit, only after whole hours. */
        const char *m = skip_gaps(p);
        if (*m >= '0' && *m <= '9') {
            int minutes = 0, n = 0;
            while (*m >= '0' && *m <= '9' && n < 3) {
                minutes = minutes * 10 + (*m++ - '0');
                n++;
            }
            if (frac_digits >= 0 || n > 2 || minutes >= 60)
                return false;
            value += (minutes * 100 + 30) / 60;
            p = skip_gaps(m);
            if (strncmp(p, "min", 3) == 0)
                p += 3;
        }
    }
    if (*skip_gaps(p) != '\0')
        return false;
    *hundredths = (int)value;
    return true;
}

void text_format_hours(int hundredths, char *buf, size_t len)
{
    bool neg = hundredths < 0;
    unsigned v = neg ? (unsigned)-(long)hundredths : (unsigned)hundredths;
    unsigned whole = v / 100, rest = v % 100;
    char digits[16], grouped[48];
    snprintf(digits, sizeof digits, "%u", whole);
    size_t n = strlen(digits), o = 0;
    for (size_t i = 0; i < n; i++) {
        if (i > 0 && (n - i) % 3 == 0) {
            memcpy(grouped + o, "\u00a0", 2); /* a thousands gap never wraps either */
            o += 2;
        }
        grouped[o++] = digits[i];
    }
    grouped[o] = '\0';
    char frac[8] = "";
    if (rest % 10 == 0 && rest)
        snprintf(frac, sizeof frac, ",%u", rest / 10);
    else if (rest)
        snprintf(frac, sizeof frac, ",%02u", rest);
    /* U+00A0 between the number and its unit (DESIGN §7): "7 h" never wraps. */
    snprintf(buf, len, "%s%s%s\u00a0h", neg ? "-" : "", grouped, frac);
}

/* The spaces French typography glues (DESIGN §7): before : ; ! ? » and after «. Only a
 * space followed by the mark alone (then a space, punctuation or the end) counts, so that
 * "?x" in outside text or a URL is left as it is. */
static bool glued_space(const char *s, size_t i)
{
    if (s[i] != ' ')
        return false;
    if (i >= 2 && strncmp(s + i - 2, "«", 2) == 0)
        return true;
    const char *p = s + i + 1;
    if (strncmp(p, "»", 2) == 0)
        return true;
    if (*p == ':' || *p == ';' || *p == '!' || *p == '?')
        return p[1] == '\0' || p[1] == ' ' || p[1] == '\n' || p[1] == '.' || p[1] == ',' ||
               p[1] == ')' || p[1] == '!' || p[1] == '?' || strncmp(p + 1, "»", 2) == 0;
    return false;
}

char *text_typeset(char *s, size_t size)
{
    if (!s || size == 0)
        return s;
    /* "…" then "." reads as four dots: a text cut with "…" (text_clip) or typed with one,
     * put before a message's full stop, keeps the "…" alone. */
    static const char ellipsis[] = "…";
    for (char *e = strstr(s, ellipsis); e; e = strstr(e, ellipsis)) {
        e += sizeof ellipsis - 1;
        if (*e == '.')
            memmove(e, e + 1, strlen(e + 1) + 1);
    }
    size_t len = strlen(s), extra = 0;
    for (size_t i = 0; i < len; i++)
        extra += glued_space(s, i);
    if (extra == 0)
        return s;
    char *out = malloc(len + extra + 1);
    if (!out)
        return s;
    size_t o = 0;
    for (size_t i = 0; i < len; i++) {
        if (glued_space(s, i)) {
            memcpy(out + o, "\u00a0", 2);
            o += 2;
        } else {
            out[o++] = s[i];
        }
    }
    out[o] = '\0';
    if (o >= size) {
        o = size - 1;
        while (o > 0 && ((unsigned char)out[o] & 0xC0) == 0x80)
            o--; /* never inside a character */
    }
    memcpy(s, out, o);
    s[o] = '\0';
    free(out);
    return s;
}

int text_msgf(char *buf, size_t len, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(buf, len, fmt, ap);
    va_end(ap);
    /* vsnprintf cuts at a byte: a message too long for buf would end inside a character
     * (« cut to its first byte), which the terminal shows as garbage. Drop the partial one. */
    if (len && n >= 0 && (size_t)n >= len) {
        size_t end = strlen(buf), lead = end;
        while (lead > 0 && ((unsigned char)buf[lead - 1] & 0xC0) == 0x80)
            lead--;
        if (lead > 0 && ((unsigned char)buf[lead - 1] & 0x80)) {
            unsigned char c = (unsigned char)buf[lead - 1];
            size_t need = c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : 2;
            if (end - (lead - 1) < need)
                buf[lead - 1] = '\0';
        }
    }
    text_typeset(buf, len);
    return len ? (int)strlen(buf) : n;
}

int text_fprintf(FILE *out, const char *fmt, ...)
{
    va_list ap, copy;
    va_start(ap, fmt);
    va_copy(copy, ap);
    int n = vsnprintf(NULL, 0, fmt, copy);
    va_end(copy);
    if (n < 0) {
        va_end(ap);
        return n;
    }
    size_t size = (size_t)n * 2 + 1; /* room for every space to become two bytes */
    char *buf = malloc(size);
    if (!buf) {
        n = vfprintf(out, fmt, ap);
        va_end(ap);
        return n;
    }
    vsnprintf(buf, size, fmt, ap);
    va_end(ap);
    text_typeset(buf, size);
    n = fputs(buf, out) < 0 ? -1 : (int)strlen(buf);
    free(buf);
    return n;
}

const char *text_plural(size_t n)
{
    return n > 1 ? "s" : "";
}

size_t text_chars(const char *s)
{
    size_t n = 0;
    for (const unsigned char *p = (const unsigned char *)s; *p; p++)
        n += (*p & 0xC0) != 0x80;
    return n;
}

bool text_check_field(const char *value, const char *what, bool required, int max, char *dst,
                      size_t dstlen, char *err, size_t errlen)
{
    value = value ? value : "";
    size_t size = strlen(value) + 1;
    char *buf = malloc(size);
    if (!buf) {
        text_msgf(err, errlen, "Mémoire insuffisante.");
        return false;
    }
    text_sanitize(buf, size, value);
    text_trim(buf);
    size_t chars = text_chars(buf);
    bool ok = false;
    if (required && buf[0] == '\0')
        text_msgf(err, errlen, "%s est obligatoire.", what);
    else if (chars > (size_t)max || strlen(buf) >= dstlen)
        text_msgf(err, errlen, "%s : %d caractères au plus (il y en a %zu).", what, max, chars);
    else {
        snprintf(dst, dstlen, "%s", buf);
        ok = true;
    }
    free(buf);
    return ok;
}
