/* Fuzz target: the messages read from the helpers' pipes, and what difelus-partage reads.
 * One target for all of them: the first byte of the input chooses the reader, the rest is
 * what arrives on the pipe.
 *   0  a line of difelus-telecharger (sync_parse_message), one call per line
 *   1  the wizard's end of the pipe to difelus-partage (share_reader, as share_link_next
 *      reads it): whole, then in pieces, which must give the same frames; the payloads of
 *      proposition and resultat read as the official's and agent's sides read them
 *   2  a proposition's payload (share_proposal_split) and a resultat's (share_result_number)
 *   3  what difelus-partage reads from the wizard: frames, then jeton, rejoindre and
 *      proposition payloads (src/net/partage_msg.c)
 *   4  the relay's JSON answers as difelus-partage reads them (error code, code expiry,
 *      the agent named by a join)
 *   5  the relay's answer to a long poll: frames, demande and resultat payloads
 * Invariants: a frame read is the exact bytes it came from (its header written again by
 * share_frame_header gives them back); nothing read holds a control character; numbers
 * stay in their documented ranges. */
#include <inttypes.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "difelus/share.h"
#include "difelus/share_link.h"
#include "difelus/sync.h"
#include "difelus/text.h"
#include "fuzz.h"
#include "net/partage_msg.h"

static const char crockford[] = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";

static void sync_lines(const uint8_t *p, size_t n)
{
    size_t start = 0;
    for (size_t i = 0; i <= n; i++) {
        if (i < n && p[i] != '\n')
            continue;
        struct sync_msg m;
        if (sync_parse_message((const char *)p + start, i - start, &m) == 0) {
            switch (m.kind) {
            case SYNC_MSG_PROGRESS:
                FUZZ_CHECK(m.bytes >= 0 && m.total >= 0 && (m.total == 0 || m.bytes <= m.total),
                           "progression %lld/%lld", m.bytes, m.total);
                break;
            case SYNC_MSG_DONE:
                FUZZ_CHECK(m.bytes >= 0, "fini %lld", m.bytes);
                break;
            case SYNC_MSG_ERROR:
                FUZZ_CHECK(m.code[0] && strspn(m.code, "abcdefghijklmnopqrstuvwxyz") ==
                                            strlen(m.code), "code %s", m.code);
                FUZZ_CHECK(m.text[0] && text_is_clean(m.text), "texte %s", m.text);
                FUZZ_CHECK(strcmp(m.code, "http") != 0 || (m.status >= 100 && m.status <= 999),
                           "statut %ld", m.status);
                break;
            default:
                FUZZ_CHECK(false, "sorte de message %d", (int)m.kind);
            }
        }
        start = i + 1;
    }
}

/* A proposition's or a resultat's payload, as both sides read it. */
static void proposal_payload(const uint8_t *p, size_t n)
{
    unsigned long long number = 0;
    const void *cs = NULL;
    size_t clen = 0;
    if (share_proposal_split(p, n, &number, &cs, &clen)) {
        FUZZ_CHECK(number >= 1 && number <= (unsigned long long)INT64_MAX, "numéro %llu", number);
        char head[32];
        int hl = snprintf(head, sizeof head, "%llu\n", number);
        /* Strict: the number is written one way only, and the changeset is the rest. */
        FUZZ_CHECK((size_t)hl + clen == n && memcmp(head, p, (size_t)hl) == 0 &&
                       (const uint8_t *)cs == p + hl, "proposition non canonique");
    }
    if (share_result_number(p, n, &number)) {
        FUZZ_CHECK(number >= 1 && number <= (unsigned long long)INT64_MAX, "numéro %llu", number);
        char head[32];
        int hl = snprintf(head, sizeof head, "%llu ", number);
        FUZZ_CHECK((size_t)hl <= n && memcmp(head, p, (size_t)hl) == 0, "résultat non canonique");
    }
}

/* A frame's type and header checked against the bytes it was read from. */
static void check_frame(const struct share_frame *f, const uint8_t *src, size_t avail,
                        size_t *used)
{
    size_t tl = strlen(f->type);
    FUZZ_CHECK(tl >= 1 && tl <= SHARE_TYPE_MAX && strspn(f->type, "abcdefghijklmnopqrstuvwxyz-")
                                                      == tl, "type %s", f->type);
    FUZZ_CHECK(f->len <= SHARE_FRAME_MAX && f->seq <= (uint64_t)INT64_MAX, "trame hors limites");
    FUZZ_CHECK(f->data[f->len] == '\0', "charge sans NUL final");
    char head[SHARE_HEADER_MAX];
    int hl = share_frame_header(head, f->type, f->seq, f->len);
    FUZZ_CHECK(hl > 0, "en-tête non réécrit");
    FUZZ_CHECK((size_t)hl + f->len <= avail && memcmp(src, head, (size_t)hl) == 0 &&
                   (f->len == 0 || memcmp(src + hl, f->data, f->len) == 0),
               "trame différente des octets lus");
    *used = (size_t)hl + f->len;
}

enum reader_use { USE_WIZARD, USE_PARTAGE, USE_POLL };

/* What each side does with a frame's payload. */
static void frame_payload(enum reader_use use, const struct share_frame *f)
{
    (void)share_type_sender(f->type);
    if (strcmp(f->type, "proposition") == 0 || strcmp(f->type, "resultat") == 0)
        proposal_payload(f->data, f->len);
    if (use == USE_PARTAGE && strcmp(f->type, "jeton") == 0) {
        if (partage_token_ok(f->data, f->len, 600))
            for (size_t i = 0; i < f->len; i++)
                FUZZ_CHECK(f->data[i] > 0x20 && f->data[i] < 0x7f, "jeton accepté non imprimable");
    }
    if (use == USE_PARTAGE && strcmp(f->type, "rejoindre") == 0) {
        char code[SHARE_CODE_LEN + 1];
        if (partage_join_code(f->data, f->len, code))
            FUZZ_CHECK(strlen(code) == SHARE_CODE_LEN && strspn(code, crockford) == SHARE_CODE_LEN,
                       "code %s", code);
    }
    if (use == USE_POLL && strcmp(f->type, "demande") == 0) {
        char id[72];
        if (partage_demande_agent(f->data, f->len, id, sizeof id))
            FUZZ_CHECK(id[0] && strlen(id) < sizeof id &&
                           strspn(id, "0123456789abcdefghijklmnopqrstuvwxyz"
                                      "ABCDEFGHIJKLMNOPQRSTUVWXYZ-_") == strlen(id),
                       "agent %s", id);
    }
}

#define MAX_FRAMES 256
struct seen {
    size_t count;
    size_t used; /* bytes of the input taken by whole frames */
    int end;     /* 0: waiting for more, -1: failed */
    char types[MAX_FRAMES][SHARE_TYPE_MAX + 1];
    uint64_t seqs[MAX_FRAMES];
    size_t lens[MAX_FRAMES];
};

/* Reads p through a share_reader fed in pieces of the sizes `cut` gives (0: at once). */
static void read_frames(const uint8_t *p, size_t n, uint32_t cut, enum reader_use use,
                        struct seen *out)
{
    struct share_reader r;
    share_reader_init(&r);
    memset(out, 0, sizeof *out);
    size_t fed = 0;
    uint32_t state = cut;
    for (;;) {
        struct share_frame f;
        int rc;
        while ((rc = share_reader_next(&r, &f)) == 1) {
            size_t used = 0;
            check_frame(&f, p + out->used, fed - out->used, &used);
            if (out->count < MAX_FRAMES) {
                snprintf(out->types[out->count], sizeof out->types[0], "%s", f.type);
                out->seqs[out->count] = f.seq;
                out->lens[out->count] = f.len;
            }
            out->count++;
            out->used += used;
            if (cut == 0)
                frame_payload(use, &f);
        }
        if (rc < 0) {
            FUZZ_CHECK(r.failed && r.err[0] && text_is_clean(r.err), "erreur du lecteur");
            out->end = -1;
            break;
        }
        if (fed == n)
            break;
        size_t piece = n - fed;
        if (cut) {
            state = state * 1103515245u + 12345u;
            size_t k = 1 + (state >> 16) % 7;
            piece = piece < k ? piece : k;
        }
        FUZZ_CHECK(share_reader_feed(&r, p + fed, piece) == 0, "mémoire");
        fed += piece;
    }
    share_reader_free(&r);
}

static void frames(const uint8_t *p, size_t n, enum reader_use use)
{
    static struct seen whole, pieces;
    read_frames(p, n, 0, use, &whole);
    uint32_t cut = 1;
    for (size_t i = 0; i < n && i < 8; i++)
        cut = cut * 31 + p[i];
    read_frames(p, n, cut | 1, use, &pieces);
    FUZZ_CHECK(whole.count == pieces.count && whole.used == pieces.used &&
                   whole.end == pieces.end,
               "lu d'un coup : %zu trames, par morceaux : %zu", whole.count, pieces.count);
    for (size_t i = 0; i < whole.count && i < MAX_FRAMES; i++)
        FUZZ_CHECK(strcmp(whole.types[i], pieces.types[i]) == 0 &&
                       whole.seqs[i] == pieces.seqs[i] && whole.lens[i] == pieces.lens[i],
                   "trame %zu différente par morceaux", i);
}

static void relay_json(const uint8_t *p, size_t n)
{
    char code[64];
    partage_relay_code((const char *)p, n, code, sizeof code);
    FUZZ_CHECK(strlen(code) < sizeof code && strspn(code, "abcdefghijklmnopqrstuvwxyz-") ==
                                                 strlen(code), "code d'erreur %s", code);
    long long expire = partage_open_expire((const char *)p, n);
    FUZZ_CHECK(expire >= 0 && expire <= 86400, "expire %lld", expire);
    char vals[3][PARTAGE_FIELD_MAX];
    partage_join_answer((const char *)p, n, vals);
    for (int i = 0; i < 3; i++)
        FUZZ_CHECK(strlen(vals[i]) < PARTAGE_FIELD_MAX && text_is_clean(vals[i]),
                   "champ %d non propre", i);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size == 0)
        return 0;
    const uint8_t *p = data + 1;
    size_t n = size - 1;
    switch (data[0] % 6) {
    case 0:
        sync_lines(p, n);
        break;
    case 1:
        frames(p, n, USE_WIZARD);
        break;
    case 2:
        proposal_payload(p, n);
        break;
    case 3:
        frames(p, n, USE_PARTAGE);
        break;
    case 4:
        relay_json(p, n);
        break;
    case 5:
        frames(p, n, USE_POLL);
        break;
    }
    return 0;
}
