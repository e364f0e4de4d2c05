/* The frame format of the shared session (docs/share-protocol.md §2), on the pipe between a
 * wizard and difelus-partage and in the relay's HTTP bodies. Apart from the pipe's code
 * (share_link.c) so that the helper links it alone. */
#include "difelus/share_link.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "difelus/text.h"

#define SEQ_MAX ((uint64_t)INT64_MAX)

/* ---- frames ---- */

void share_reader_init(struct share_reader *r)
{
    memset(r, 0, sizeof *r);
}

void share_reader_free(struct share_reader *r)
{
    free(r->buf);
    share_reader_init(r);
}

/* Puts back the byte the last frame's NUL replaced. */
static void restore_nul(struct share_reader *r)
{
    if (r->nul_set && r->nul_at < r->len)
        r->buf[r->nul_at] = r->nul_saved;
    r->nul_set = false;
}

int share_reader_feed(struct share_reader *r, const void *bytes, size_t n)
{
    restore_nul(r);
    if (r->taken > 0) {
        /* Frames already returned are dropped, so the buffer holds at most one frame and
         * what follows it. */
        memmove(r->buf, r->buf + r->taken, r->len - r->taken);
        r->len -= r->taken;
        r->taken = 0;
    }
    if (n == 0)
        return 0;
    /* One byte more than the data, for the NUL after a payload that ends the buffer. */
    if (r->len + n + 1 > r->cap) {
        size_t cap = r->cap ? r->cap : 4096;
        while (cap < r->len + n + 1) {
            if (cap > SIZE_MAX / 2)
                return -1;
            cap *= 2;
        }
        unsigned char *b = realloc(r->buf, cap);
        if (!b)
            return -1;
        r->buf = b;
        r->cap = cap;
    }
    memcpy(r->buf + r->len, bytes, n);
    r->len += n;
    return 0;
}

static int reader_fail(struct share_reader *r, const char *what)
{
    r->failed = true;
    text_msgf(r->err, sizeof r->err, "Message illisible dans la session partagée (%s).", what);
    return -1;
}

static bool type_char(unsigned char c)
{
    return (c >= 'a' && c <= 'z') || c == '-';
}

/* Reads a header from p (avail bytes): 1 with *hlen (newline included), 0 when it is a valid
 * beginning that needs more bytes, -1 with *why. Checks each byte as it comes, so garbage is
 * refused without waiting for a newline that may never come. */
static int parse_header(const unsigned char *p, size_t avail, struct share_frame *f,
                        size_t *hlen, const char **why)
{
    enum { TYPE, SEQ, LEN } part = TYPE;
    size_t start = 0; /* of the current part */
    uint64_t num = 0;
    for (size_t i = 0; i < avail; i++) {
        if (i >= SHARE_HEADER_MAX) {
            *why = "en-tête de trame trop long";
            return -1;
        }
        unsigned char c = p[i];
        size_t digits = i - start;
        if (part == TYPE) {
            if (type_char(c) && digits < SHARE_TYPE_MAX)
                continue;
            if (c == ' ' && digits > 0) {
                memcpy(f->type, p, digits);
                f->type[digits] = '\0';
                part = SEQ;
                start = i + 1;
                num = 0;
                continue;
            }
            *why = "type de trame invalide";
            return -1;
        }
        uint64_t max = part == SEQ ? SEQ_MAX : SHARE_FRAME_MAX;
        if (c >= '0' && c <= '9') {
            if (digits == 1 && p[start] == '0') {
                *why = part == SEQ ? "numéro de trame invalide" : "longueur de trame invalide";
                return -1;
            }
            unsigned d = (unsigned)(c - '0');
            if (num > (max - d) / 10) {
                *why = part == SEQ ? "numéro de trame trop grand"
                                   : "trame de plus de 1\u00a0Mio";
                return -1;
            }
            num = num * 10 + d;
            continue;
        }
        if (digits > 0 && part == SEQ && c == ' ') {
            f->seq = num;
            part = LEN;
            start = i + 1;
            num = 0;
            continue;
        }
        if (digits > 0 && part == LEN && c == '\n') {
            f->len = (size_t)num;
            *hlen = i + 1;
            return 1;
        }
        *why = part == SEQ ? "numéro de trame invalide" : "longueur de trame invalide";
        return -1;
    }
    if (avail >= SHARE_HEADER_MAX) {
        *why = "en-tête de trame trop long";
        return -1;
    }
    return 0;
}

int share_reader_next(struct share_reader *r, struct share_frame *f)
{
    if (r->failed)
        return -1;
    restore_nul(r);
    size_t avail = r->len - r->taken;
    if (avail == 0)
        return 0;
    const unsigned char *p = r->buf + r->taken;
    struct share_frame h = {0};
    size_t hlen = 0;
    const char *why = "";
    int rc = parse_header(p, avail, &h, &hlen, &why);
    if (rc < 0)
        return reader_fail(r, why);
    if (rc == 0 || avail - hlen < h.len)
        return 0;
    *f = h;
    f->data = r->buf + r->taken + hlen;
    /* The NUL after the payload (cap > len always leaves room at the end). */
    r->nul_at = r->taken + hlen + h.len;
    r->nul_saved = r->buf[r->nul_at];
    r->nul_set = true;
    f->data[h.len] = '\0';
    r->taken += hlen + h.len;
    return 1;
}

int share_frame_header(char *buf, const char *type, uint64_t seq, size_t len)
{
    size_t tl = type ? strlen(type) : 0;
    if (tl == 0 || tl > SHARE_TYPE_MAX || len > SHARE_FRAME_MAX || seq > SEQ_MAX)
        return -1;
    for (size_t i = 0; i < tl; i++)
        if (!type_char((unsigned char)type[i]))
            return -1;
    return snprintf(buf, SHARE_HEADER_MAX, "%s %" PRIu64 " %zu\n", type, seq, len);
}

/* ---- proposal numbers ---- */

/* "<number><sep>": the number as share_proposal_split says; *used = bytes up to and with
 * the separator. */
static bool proposal_number(const unsigned char *p, size_t len, unsigned char sep,
                            unsigned long long *number, size_t *used)
{
    unsigned long long v = 0;
    size_t i = 0;
    for (; i < len && p[i] >= '0' && p[i] <= '9'; i++) {
        unsigned d = (unsigned)(p[i] - '0');
        if (v > (SEQ_MAX - d) / 10)
            return false;
        v = v * 10 + d;
    }
    if (i == 0 || (i > 1 && p[0] == '0') || v == 0 || i >= len || p[i] != sep)
        return false;
    *number = v;
    *used = i + 1;
    return true;
}

bool share_proposal_split(const void *payload, size_t len, unsigned long long *number,
                          const void **changeset, size_t *clen)
{
    unsigned long long n;
    size_t used;
    if (!payload || !proposal_number(payload, len, '\n', &n, &used))
        return false;
    *number = n;
    *changeset = (const unsigned char *)payload + used;
    *clen = len - used;
    return true;
}

bool share_result_number(const void *payload, size_t len, unsigned long long *number)
{
    size_t used;
    return payload && proposal_number(payload, len, ' ', number, &used);
}

const char *share_relay_url(void)
{
    const char *env = getenv("DIFELUS_RELAIS");
    return env && *env ? env : "http://127.0.0.1:8470";
}
