/* The shared session's frames (docs/share-protocol.md §2) and the wizard's end of the pipe
 * to difelus-partage (§4): the reader takes frames however the bytes are cut, refuses every
 * malformed header and any payload over 1 MiB, keeps NULs and newlines; a fake helper
 * echoes frames back, stops without leaving a zombie, and one that dies is reported in
 * French without killing the test by SIGPIPE. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>

#include "difelus/share_link.h"
#include "harness.h"

struct got {
    char type[SHARE_TYPE_MAX + 1];
    uint64_t seq;
    size_t len;
    unsigned char *data;
};

/* A stream of frames as a sender writes it. */
struct stream {
    unsigned char *bytes;
    size_t len;
};

static void stream_add(struct stream *s, const char *type, uint64_t seq, const void *data,
                       size_t len)
{
    char head[SHARE_HEADER_MAX];
    int hl = share_frame_header(head, type, seq, len);
    assert_true(hl > 0);
    s->bytes = realloc(s->bytes, s->len + (size_t)hl + len);
    assert_non_null(s->bytes);
    memcpy(s->bytes + s->len, head, (size_t)hl);
    if (len)
        memcpy(s->bytes + s->len + hl, data, len);
    s->len += (size_t)hl + len;
}

/* Takes every whole frame out of the reader into got[] (copies). */
static size_t drain(struct share_reader *r, struct got *got, size_t n, size_t max)
{
    struct share_frame f;
    int rc;
    while ((rc = share_reader_next(r, &f)) == 1) {
        assert_true(n < max);
        snprintf(got[n].type, sizeof got[n].type, "%s", f.type);
        got[n].seq = f.seq;
        got[n].len = f.len;
        assert_int_equal(f.data[f.len], '\0');
        got[n].data = malloc(f.len + 1);
        memcpy(got[n].data, f.data, f.len + 1);
        n++;
    }
    if (rc < 0)
        fail_msg("lecteur en échec : %s", r->err);
    return n;
}

static const unsigned char odd_payload[] = "ligne 1\nligne 2\n\0apr\xc3\xa8s un NUL\0\n7 2 3\n";

static void sample(struct stream *s)
{
    memset(s, 0, sizeof *s);
    stream_add(s, "ouvert", 0, "{\"code\":\"ABCDEFGH\",\"expire\":600}", 32);
    stream_add(s, "instantane-partie", 12, odd_payload, sizeof odd_payload);
    stream_add(s, "fin", 9223372036854775807ULL, "", 0);
    stream_add(s, "changement", 13, "x", 1);
}

static void check_sample(struct got *got, size_t n)
{
    assert_int_equal(n, 4);
    assert_string_equal(got[0].type, "ouvert");
    assert_int_equal(got[0].seq, 0);
    assert_int_equal(got[0].len, 32);
    assert_memory_equal(got[0].data, "{\"code\":\"ABCDEFGH\",\"expire\":600}", 32);
    assert_string_equal(got[1].type, "instantane-partie");
    assert_int_equal(got[1].seq, 12);
    assert_int_equal(got[1].len, sizeof odd_payload);
    assert_memory_equal(got[1].data, odd_payload, sizeof odd_payload);
    assert_string_equal(got[2].type, "fin");
    assert_true(got[2].seq == 9223372036854775807ULL);
    assert_int_equal(got[2].len, 0);
    assert_string_equal(got[3].type, "changement");
    assert_int_equal(got[3].len, 1);
    assert_memory_equal(got[3].data, "x", 1);
    for (size_t i = 0; i < n; i++)
        free(got[i].data);
}

static void test_frames_split_anywhere(void **state)
{
    (void)state;
    struct stream s;
    sample(&s);
    /* Cut once at every byte. */
    for (size_t cut = 0; cut <= s.len; cut++) {
        struct share_reader r;
        share_reader_init(&r);
        struct got got[8];
        assert_int_equal(share_reader_feed(&r, s.bytes, cut), 0);
        size_t n = drain(&r, got, 0, 8);
        assert_int_equal(share_reader_feed(&r, s.bytes + cut, s.len - cut), 0);
        n = drain(&r, got, n, 8);
        check_sample(got, n);
        share_reader_free(&r);
    }
    /* One byte at a time. */
    struct share_reader r;
    share_reader_init(&r);
    struct got got[8];
    size_t n = 0;
    for (size_t i = 0; i < s.len; i++) {
        assert_int_equal(share_reader_feed(&r, s.bytes + i, 1), 0);
        n = drain(&r, got, n, 8);
    }
    check_sample(got, n);
    share_reader_free(&r);
    /* All in one read, each copied to a buffer of its exact size (ASan sees any read past
     * it). */
    share_reader_init(&r);
    unsigned char *exact = malloc(s.len);
    memcpy(exact, s.bytes, s.len);
    assert_int_equal(share_reader_feed(&r, exact, s.len), 0);
    free(exact);
    n = drain(&r, got, 0, 8);
    check_sample(got, n);
    struct share_frame f;
    assert_int_equal(share_reader_next(&r, &f), 0);
    share_reader_free(&r);
    free(s.bytes);
}

/* Each header is refused (-1, a French message), and the reader stays failed. */
static void refused(const char *bytes, size_t len, const char *want)
{
    struct share_reader r;
    share_reader_init(&r);
    assert_int_equal(share_reader_feed(&r, bytes, len), 0);
    struct share_frame f;
    int rc = share_reader_next(&r, &f);
    if (rc != -1)
        fail_msg("en-tête accepté à tort (%d) : « %.*s »", rc, (int)len, bytes);
    if (!strstr(r.err, want))
        fail_msg("« %.*s » : message « %s », attendu « %s »", (int)len, bytes, r.err, want);
    assert_non_null(strstr(r.err, "illisible"));
    assert_int_equal(share_reader_next(&r, &f), -1);
    assert_int_equal(share_reader_feed(&r, "a 1 0\n", 6), 0);
    assert_int_equal(share_reader_next(&r, &f), -1);
    share_reader_free(&r);
}

static void test_malformed_headers_refused(void **state)
{
    (void)state;
    static const struct {
        const char *bytes;
        const char *want;
    } bad[] = {
        {"A 1 0\n", "type"},
        {"Ouvert 1 0\n", "type"},
        {"a_b 1 0\n", "type"},
        {"a1 1 0\n", "type"},
        {"\xc3\xa9 1 0\n", "type"},
        {" ab 1 0\n", "type"},
        {"\n", "type"},
        {"ab\n", "type"},
        {"abcdefghijklmnopqrstuvwxy 1 0\n", "type"}, /* 25 characters */
        {"GET /v1/sante HTTP/1.1\r\n", "type"},
        {"ab  1 0\n", "numéro"},
        {"ab 01 0\n", "numéro"},
        {"ab 00 0\n", "numéro"},
        {"ab -1 0\n", "numéro"},
        {"ab +1 0\n", "numéro"},
        {"ab 1x 0\n", "numéro"},
        {"ab 1\n", "numéro"},
        {"ab 0x1 0\n", "numéro"},
        {"ab 9223372036854775808 0\n", "numéro"}, /* 2^63 */
        {"ab 99999999999999999999 0\n", "numéro"},
        {"ab 1  0\n", "longueur"},
        {"ab 1 01\n", "longueur"},
        {"ab 1 -1\n", "longueur"},
        {"ab 1 +1\n", "longueur"},
        {"ab 1 0 \n", "longueur"},
        {"ab 1 0\r\n", "longueur"},
        {"ab 1 \n", "longueur"},
        {"ab 1 1e3\n", "longueur"},
        {"ab 1 1048577\n", "1\u00a0Mio"},
        {"ab 1 99999999999\n", "1\u00a0Mio"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        refused(bad[i].bytes, strlen(bad[i].bytes), bad[i].want);
    /* A NUL in a header. */
    refused("ab 1\0 0\n", 8, "numéro");
    refused("a\0 1 0\n", 7, "type");
    /* Garbage is refused as it comes, without waiting for a newline. */
    refused("HTTP/1.1 200", 12, "type");
    refused("ab 12a", 6, "numéro");

    /* The limits themselves are fine; a valid beginning just waits. */
    struct share_reader r;
    share_reader_init(&r);
    struct share_frame f;
    const char *part = "abcdefghijklmnopqrstuvwx 9223372036854775807 104857";
    assert_int_equal(share_reader_feed(&r, part, strlen(part)), 0);
    assert_int_equal(share_reader_next(&r, &f), 0);
    assert_int_equal(share_reader_feed(&r, "6\n", 2), 0);
    assert_int_equal(share_reader_next(&r, &f), 0);
    unsigned char *mib = calloc(1, SHARE_FRAME_MAX);
    assert_int_equal(share_reader_feed(&r, mib, SHARE_FRAME_MAX), 0);
    assert_int_equal(share_reader_next(&r, &f), 1);
    assert_int_equal(f.len, SHARE_FRAME_MAX);
    assert_true(f.seq == 9223372036854775807ULL);
    assert_string_equal(f.type, "abcdefghijklmnopqrstuvwx");
    share_reader_free(&r);
    free(mib);

    /* The writer refuses what the reader would refuse. */
    char head[SHARE_HEADER_MAX];
    assert_int_equal(share_frame_header(head, "ouvert", 0, SHARE_FRAME_MAX + 1), -1);
    assert_int_equal(share_frame_header(head, "Ouvert", 0, 0), -1);
    assert_int_equal(share_frame_header(head, "", 0, 0), -1);
    assert_int_equal(share_frame_header(head, "abcdefghijklmnopqrstuvwxy", 0, 0), -1);
    assert_int_equal(share_frame_header(head, "ok", 9223372036854775808ULL, 0), -1);
    assert_int_equal(share_frame_header(head, "demande-controle", 7, 12), 22);
    assert_string_equal(head, "demande-controle 7 12\n");
}

/* A payload of 1 MiB + 1 byte is refused, whatever its header says… and one that
 * announces 1 MiB is read whole. */
static void test_payload_over_one_mib_refused(void **state)
{
    (void)state;
    struct share_reader r;
    share_reader_init(&r);
    const char *head = "instantane 3 1048577\n";
    assert_int_equal(share_reader_feed(&r, head, strlen(head)), 0);
    unsigned char *big = calloc(1, SHARE_FRAME_MAX + 1);
    assert_int_equal(share_reader_feed(&r, big, SHARE_FRAME_MAX + 1), 0);
    struct share_frame f;
    assert_int_equal(share_reader_next(&r, &f), -1);
    assert_non_null(strstr(r.err, "1\u00a0Mio"));
    share_reader_free(&r);
    free(big);
}

/* ---- the link ---- */

static char helper_dir[4200];

static void fake_helper(const char *name, const char *script)
{
    char path[4400], text[4096];
    snprintf(helper_dir, sizeof helper_dir, "%s", harness_tmpdir(name));
    snprintf(path, sizeof path, "%s/%s", helper_dir, SHARE_HELPER);
    snprintf(text, sizeof text, "#!/bin/sh\n%s\n", script);
    harness_write_file(path, text, strlen(text));
    assert_int_equal(chmod(path, 0755), 0);
    setenv("DIFELUS_LIBEXEC_DIR", helper_dir, 1);
}

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* The next frame (1), or the link's end (-1), waiting at most 10 s. */
static int next_frame(struct share_link *l, struct share_frame *f)
{
    double end = now_s() + 10;
    for (;;) {
        int rc = share_link_next(l, f);
        if (rc != 0)
            return rc;
        if (now_s() > end)
            fail_msg("rien reçu du programme de partage en 10 s");
        struct pollfd p = {.fd = l->fd, .events = POLLIN};
        poll(&p, 1, 100);
    }
}

static bool gone(pid_t pid)
{
    return waitpid(pid, NULL, WNOHANG) < 0 && errno == ECHILD && kill(pid, 0) < 0;
}

static void test_link_round_trip(void **state)
{
    (void)state;
    /* The fake helper records its arguments and that its stdin is empty, then echoes. */
    char args[4400], script[10000];
    snprintf(args, sizeof args, "%s/args", harness_tmpdir("partage-echo-args"));
    snprintf(script, sizeof script,
             "printf '%%s|' \"$@\" > '%s'; cat >> '%s'\nexec cat <&3 >&3", args, args);
    fake_helper("partage-echo", script);
    struct share_link l;
    char err[512] = "";
    if (share_link_start(&l, "officiel", "http://127.0.0.1:9", err, sizeof err) != 0)
        fail_msg("%s", err);
    unsigned char *big = malloc(60000);
    for (size_t i = 0; i < 60000; i++)
        big[i] = (unsigned char)(i * 7);
    assert_int_equal(share_link_send(&l, "accepte", 0, "", 0), 0);
    assert_int_equal(share_link_send(&l, "instantane", 5, big, 60000), 0);
    assert_int_equal(share_link_send(&l, "changement", 6, odd_payload, sizeof odd_payload), 0);
    struct share_frame f;
    assert_int_equal(next_frame(&l, &f), 1);
    assert_string_equal(f.type, "accepte");
    assert_int_equal(f.len, 0);
    assert_int_equal(next_frame(&l, &f), 1);
    assert_string_equal(f.type, "instantane");
    assert_int_equal(f.seq, 5);
    assert_int_equal(f.len, 60000);
    assert_memory_equal(f.data, big, 60000);
    assert_int_equal(next_frame(&l, &f), 1);
    assert_string_equal(f.type, "changement");
    assert_int_equal(f.len, sizeof odd_payload);
    assert_memory_equal(f.data, odd_payload, sizeof odd_payload);
    assert_int_equal(share_link_next(&l, &f), 0);
    free(big);
    pid_t pid = l.pid;
    share_link_stop(&l);
    assert_true(gone(pid));
    share_link_stop(&l); /* safe twice */
    /* The mode and relay on its command line, nothing read on stdin. */
    char *seen = harness_read_file(args, NULL);
    assert_string_equal(seen, "officiel|--relais|http://127.0.0.1:9|");
    free(seen);
    unsetenv("DIFELUS_LIBEXEC_DIR");
}

static void test_link_stop_kills_a_stubborn_helper(void **state)
{
    (void)state;
    /* It ignores the pipe's end and SIGTERM: stopping kills it, no zombie left. */
    fake_helper("partage-tetu", "trap '' TERM; exec sleep 60");
    struct share_link l;
    char err[512] = "";
    assert_int_equal(share_link_start(&l, "agent", "http://127.0.0.1:9", err, sizeof err), 0);
    pid_t pid = l.pid;
    share_link_stop(&l);
    assert_true(gone(pid));
    unsetenv("DIFELUS_LIBEXEC_DIR");
}

/* In the event loop nothing waits for a helper (review 9): stopping one that does not
 * leave returns at once and leaves it running; it is killed and reaped later, at the
 * latest by the bounded wait at the wizard's exit. */
static void test_link_stop_later_never_waits(void **state)
{
    (void)state;
    fake_helper("partage-tetu-tard", "trap '' TERM; exec sleep 60");
    struct share_link l;
    char err[512] = "";
    assert_int_equal(share_link_start(&l, "officiel", "http://127.0.0.1:9", err, sizeof err), 0);
    pid_t pid = l.pid;
    share_link_stop_later(&l);
    assert_true(l.dead);
    assert_int_equal(l.fd, -1);
    /* Neither waited for nor killed: a blocking stop would have reaped it. */
    assert_int_equal(kill(pid, 0), 0);
    share_link_reap_pending(0);
    assert_int_equal(kill(pid, 0), 0);
    share_link_stop_later(&l); /* safe twice */
    /* At exit: killed after the bounded wait, and reaped (no zombie). */
    share_link_reap_pending(100);
    assert_true(gone(pid));
    unsetenv("DIFELUS_LIBEXEC_DIR");
}

static void test_link_helper_dies(void **state)
{
    (void)state;
    fake_helper("partage-meurt", "printf 'ouvert 0 2\\n{}' >&3; exit 3");
    struct share_link l;
    char err[512] = "";
    assert_int_equal(share_link_start(&l, "officiel", "http://127.0.0.1:9", err, sizeof err), 0);
    struct share_frame f;
    /* What it said before dying still arrives, then its end. */
    assert_int_equal(next_frame(&l, &f), 1);
    assert_string_equal(f.type, "ouvert");
    assert_int_equal(next_frame(&l, &f), -1);
    assert_true(l.dead);
    assert_non_null(strstr(l.err, "difelus-partage s'est arrêté (code de sortie 3)"));
    assert_non_null(strstr(l.err, "interrompue"));
    /* Writing to it fails without SIGPIPE killing the program. */
    assert_int_equal(share_link_send(&l, "accepte", 0, "", 0), -1);
    assert_int_equal(share_link_next(&l, &f), -1);
    pid_t pid = l.pid;
    share_link_stop(&l);
    if (pid > 0)
        assert_true(gone(pid));

    /* Killed while the wizard writes: send fails with a French message, the test lives. */
    fake_helper("partage-tue", "exec 3>&-; kill -9 $$");
    assert_int_equal(share_link_start(&l, "officiel", "http://127.0.0.1:9", err, sizeof err), 0);
    unsigned char *big = calloc(1, SHARE_FRAME_MAX);
    int rc = 0;
    for (int i = 0; i < 50 && rc == 0; i++)
        rc = share_link_send(&l, "instantane", 1, big, SHARE_FRAME_MAX);
    free(big);
    assert_int_equal(rc, -1);
    assert_true(l.dead);
    assert_non_null(strstr(l.err, "ne répond plus"));
    share_link_stop(&l);

    /* Garbage from the helper. */
    fake_helper("partage-charabia", "echo 'Hello world' >&3; exec sleep 60");
    assert_int_equal(share_link_start(&l, "officiel", "http://127.0.0.1:9", err, sizeof err), 0);
    assert_int_equal(next_frame(&l, &f), -1);
    assert_non_null(strstr(l.err, "message illisible"));
    pid = l.pid;
    share_link_stop(&l);
    assert_true(gone(pid));
    unsetenv("DIFELUS_LIBEXEC_DIR");
}

static void test_link_helper_missing(void **state)
{
    (void)state;
    setenv("DIFELUS_LIBEXEC_DIR", harness_tmpdir("partage-absent"), 1);
    struct share_link l;
    char err[512] = "";
    assert_int_equal(share_link_start(&l, "officiel", "http://127.0.0.1:9", err, sizeof err), -1);
    assert_non_null(strstr(err, "Le programme de partage difelus-partage est introuvable"));
    share_link_stop(&l);
    unsetenv("DIFELUS_LIBEXEC_DIR");
}

static void test_relay_url(void **state)
{
    (void)state;
    unsetenv("DIFELUS_RELAIS");
    assert_string_equal(share_relay_url(), "http://127.0.0.1:8470");
    setenv("DIFELUS_RELAIS", "", 1);
    assert_string_equal(share_relay_url(), "http://127.0.0.1:8470");
    setenv("DIFELUS_RELAIS", "https://relais.example.fr", 1);
    assert_string_equal(share_relay_url(), "https://relais.example.fr");
    unsetenv("DIFELUS_RELAIS");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_frames_split_anywhere),
        cmocka_unit_test(test_malformed_headers_refused),
        cmocka_unit_test(test_payload_over_one_mib_refused),
        cmocka_unit_test(test_link_round_trip),
        cmocka_unit_test(test_link_stop_kills_a_stubborn_helper),
        cmocka_unit_test(test_link_stop_later_never_waits),
        cmocka_unit_test(test_link_helper_dies),
        cmocka_unit_test(test_link_helper_missing),
        cmocka_unit_test(test_relay_url),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
