/* The codes of a shared session (docs/share-protocol.md §1): read over the phone, so they
 * use Crockford's base32, which has no letter that looks like another digit or letter, and
 * forgives the confusions a listener makes (I and L for 1, O for 0). */
#include "difelus/share.h"

#include <errno.h>
#include <string.h>
#include <sys/random.h>

static const char alphabet[] = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";

/* Fills buf with n random bytes from the kernel; 0, or -1. */
static int random_bytes(unsigned char *buf, size_t n)
{
    size_t got = 0;
    while (got < n) {
        ssize_t r = getrandom(buf + got, n - got, 0);
        if (r < 0) {
            if (errno == EINTR)
                continue;
            return -1;
        }
        got += (size_t)r;
    }
    return 0;
}

int share_code_new(char out[SHARE_CODE_LEN + 1])
{
    /* 8 characters of 5 bits each: 40 bits, exactly 5 bytes, no bias. */
    unsigned char b[5];
    out[0] = '\0';
    if (random_bytes(b, sizeof b) != 0)
        return -1;
    unsigned long long bits = 0;
    for (size_t i = 0; i < sizeof b; i++)
        bits = bits << 8 | b[i];
    for (int i = SHARE_CODE_LEN - 1; i >= 0; i--) {
        out[i] = alphabet[bits & 31];
        bits >>= 5;
    }
    out[SHARE_CODE_LEN] = '\0';
    return 0;
}

/* The alphabet's character that c stands for, or 0 when it stands for none. */
static char normalize(char c)
{
    if (c >= 'a' && c <= 'z')
        c = (char)(c - 'a' + 'A');
    if (c == 'I' || c == 'L')
        return '1';
    if (c == 'O')
        return '0';
    if (c != '\0' && strchr(alphabet, c))
        return c;
    return 0;
}

bool share_code_parse(const char *typed, char out[SHARE_CODE_LEN + 1])
{
    size_t n = 0;
    out[0] = '\0';
    if (!typed)
        return false;
    for (const char *p = typed; *p; p++) {
        if (*p == ' ' || *p == '-')
            continue;
        char c = normalize(*p);
        if (!c || n == SHARE_CODE_LEN) {
            out[0] = '\0';
            return false;
        }
        out[n++] = c;
    }
    if (n != SHARE_CODE_LEN) {
        out[0] = '\0';
        return false;
    }
    out[n] = '\0';
    return true;
}

void share_code_format(const char *code, char out[SHARE_CODE_LEN + 2])
{
    size_t n = strnlen(code, SHARE_CODE_LEN);
    size_t half = SHARE_CODE_LEN / 2;
    if (n < SHARE_CODE_LEN) {
        memcpy(out, code, n);
        out[n] = '\0';
        return;
    }
    memcpy(out, code, half);
    out[half] = '-';
    memcpy(out + half + 1, code + half, SHARE_CODE_LEN - half);
    out[SHARE_CODE_LEN + 1] = '\0';
}

void share_code_key(const char *code, char out[SHARE_KEY_LEN + 1])
{
    size_t n = strnlen(code, SHARE_KEY_LEN);
    memcpy(out, code, n);
    out[n] = '\0';
}

int share_random_hex(char out[SHARE_HEX_LEN + 1])
{
    static const char hex[] = "0123456789abcdef";
    unsigned char b[SHARE_HEX_LEN / 2];
    out[0] = '\0';
    if (random_bytes(b, sizeof b) != 0)
        return -1;
    for (size_t i = 0; i < sizeof b; i++) {
        out[2 * i] = hex[b[i] >> 4];
        out[2 * i + 1] = hex[b[i] & 15];
    }
    out[SHARE_HEX_LEN] = '\0';
    return 0;
}
