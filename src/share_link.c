/* The frame codec of the shared session (docs/share-protocol.md §2) and the wizard's end of
 * the pipe to its network helper difelus-partage (§4). Core: no curses, no libcurl. */
#include "difelus/share_link.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "difelus/sync.h"
#include "difelus/syserr.h"
#include "difelus/text.h"

extern char **environ;

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

/* ---- the helper ---- */

static void link_reset(struct share_link *l)
{
    memset(l, 0, sizeof *l);
    l->fd = -1;
    share_reader_init(&l->reader);
}

int share_link_start(struct share_link *l, const char *mode, const char *relay_url,
                     char *err, size_t errlen)
{
    link_reset(l);
    char helper[PATH_MAX + 64];
    if (!helper_program_path(SHARE_HELPER, helper, sizeof helper)) {
        text_msgf(err, errlen, "Le programme de partage %s est introuvable (cherché à côté de "
                              "difelus et dans %s). Réinstallez difelus («\u00a0make "
                              "install\u00a0»).", SHARE_HELPER, helper_program_dir());
        l->dead = true;
        return -1;
    }
    int sv[2];
    if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) != 0) {
        text_msgf(err, errlen, "Impossible de lancer %s (%s).", SHARE_HELPER,
                  syserr_text(errno));
        l->dead = true;
        return -1;
    }
    /* The child's end must not already be fd 3: dup2 onto itself would keep its
     * close-on-exec flag, and the helper would start without its pipe. */
    if (sv[1] <= 3) {
        int moved = fcntl(sv[1], F_DUPFD_CLOEXEC, 10);
        if (moved < 0) {
            text_msgf(err, errlen, "Impossible de lancer %s (%s).", SHARE_HELPER,
                      syserr_text(errno));
            close(sv[0]);
            close(sv[1]);
            l->dead = true;
            return -1;
        }
        close(sv[1]);
        sv[1] = moved;
    }
    char *argv[] = {helper, (char *)mode, (char *)"--relais", (char *)relay_url, NULL};
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    /* stdin on /dev/null: the helper must never read the official's keys. */
    posix_spawn_file_actions_addopen(&fa, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_adddup2(&fa, sv[1], 3);
    pid_t pid = 0;
    int rc = posix_spawn(&pid, helper, &fa, NULL, argv, environ);
    posix_spawn_file_actions_destroy(&fa);
    close(sv[1]);
    if (rc != 0) {
        close(sv[0]);
        text_msgf(err, errlen, "Impossible de lancer %s (%s).", SHARE_HELPER, syserr_text(rc));
        l->dead = true;
        return -1;
    }
    l->pid = pid;
    l->fd = sv[0];
    return 0;
}

static int link_gone(struct share_link *l, const char *fmt, const char *detail)
{
    if (!l->dead) {
        l->dead = true;
        text_msgf(l->err, sizeof l->err, fmt, SHARE_HELPER, detail);
    }
    return -1;
}

/* Waits for the helper up to `ms` milliseconds; true once it is reaped (*ws its status). */
static bool reap(struct share_link *l, int ms, int *ws)
{
    if (l->pid <= 0)
        return true;
    for (int waited = 0;; waited += 10) {
        pid_t r = waitpid(l->pid, ws, WNOHANG);
        if (r == l->pid || (r < 0 && errno == ECHILD)) {
            l->pid = 0;
            return true;
        }
        if (r < 0 && errno != EINTR)
            return false;
        if (waited >= ms)
            return false;
        struct timespec ts = {0, 10 * 1000 * 1000};
        nanosleep(&ts, NULL);
    }
}

static int send_all(struct share_link *l, const void *data, size_t len)
{
    const unsigned char *p = data;
    while (len > 0) {
        /* MSG_NOSIGNAL: a helper that died must give EPIPE here, not kill the wizard by
         * SIGPIPE. */
        ssize_t n = send(l->fd, p, len, MSG_NOSIGNAL);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            if (errno == EAGAIN || errno == EWOULDBLOCK) {
                /* Someone made the socket non-blocking: wait until it drains. */
                struct timespec ts = {0, 1000 * 1000};
                nanosleep(&ts, NULL);
                continue;
            }
            return link_gone(l, "Le programme de partage %s ne répond plus (%s)\u00a0: la session "
                                "partagée est interrompue.", syserr_text(errno));
        }
        p += n;
        len -= (size_t)n;
    }
    return 0;
}

int share_link_send(struct share_link *l, const char *type, uint64_t seq, const void *data,
                    size_t len)
{
    if (l->dead || l->fd < 0) {
        if (!l->err[0])
            text_msgf(l->err, sizeof l->err, "La session partagée est interrompue.");
        l->dead = true;
        return -1;
    }
    char head[SHARE_HEADER_MAX];
    int hl = share_frame_header(head, type, seq, len);
    if (hl < 0) {
        /* A bug of the caller, not the helper's fault: the link stays usable. */
        return -1;
    }
    if (send_all(l, head, (size_t)hl) != 0)
        return -1;
    if (len > 0 && send_all(l, data, len) != 0)
        return -1;
    return 0;
}

/* The helper closed its end: says how it ended. */
static int helper_ended(struct share_link *l, bool mid_frame)
{
    int ws = 0;
    bool reaped = reap(l, 500, &ws);
    char detail[128];
    if (reaped && WIFSIGNALED(ws))
        snprintf(detail, sizeof detail, "arrêté par le signal %d", WTERMSIG(ws));
    else if (reaped && WIFEXITED(ws))
        snprintf(detail, sizeof detail, "code de sortie %d", WEXITSTATUS(ws));
    else
        snprintf(detail, sizeof detail, "%s", "pipe fermé");
    if (mid_frame)
        return link_gone(l, "Le programme de partage %s s'est arrêté au milieu d'un message "
                            "(%s)\u00a0: la session partagée est interrompue.", detail);
    return link_gone(l, "Le programme de partage %s s'est arrêté (%s)\u00a0: la session "
                        "partagée est interrompue.", detail);
}

int share_link_next(struct share_link *l, struct share_frame *f)
{
    if (l->dead || l->fd < 0) {
        if (!l->err[0])
            text_msgf(l->err, sizeof l->err, "La session partagée est interrompue.");
        l->dead = true;
        return -1;
    }
    for (;;) {
        int rc = share_reader_next(&l->reader, f);
        if (rc > 0)
            return 1;
        if (rc < 0) {
            l->dead = true;
            text_msgf(l->err, sizeof l->err, "Le programme de partage %s a envoyé un message "
                                            "illisible\u00a0: la session partagée est "
                                            "interrompue.", SHARE_HELPER);
            return -1;
        }
        unsigned char buf[65536];
        ssize_t n = recv(l->fd, buf, sizeof buf, MSG_DONTWAIT);
        if (n > 0) {
            if (share_reader_feed(&l->reader, buf, (size_t)n) != 0)
                return link_gone(l, "Le programme de partage %s a envoyé plus que la mémoire "
                                    "ne peut garder (%s).", "mémoire insuffisante");
            continue;
        }
        if (n == 0)
            return helper_ended(l, l->reader.len > l->reader.taken);
        if (errno == EINTR)
            continue;
        if (errno == EAGAIN || errno == EWOULDBLOCK)
            return 0;
        return link_gone(l, "Le programme de partage %s ne répond plus (%s)\u00a0: la session "
                            "partagée est interrompue.", syserr_text(errno));
    }
}

void share_link_stop(struct share_link *l)
{
    if (l->fd >= 0)
        close(l->fd);
    l->fd = -1;
    if (l->pid > 0) {
        int ws;
        /* Closing the pipe asks it to leave; it may take up to 2 s to tell the relay
         * (DELETE or depart, best effort), then it is killed. */
        if (!reap(l, 2500, &ws)) {
            kill(l->pid, SIGKILL);
            while (waitpid(l->pid, &ws, 0) < 0 && errno == EINTR)
                ;
        }
        l->pid = 0;
    }
    share_reader_free(&l->reader);
    l->dead = true;
}

const char *share_relay_url(void)
{
    const char *env = getenv("DIFELUS_RELAIS");
    return env && *env ? env : "http://127.0.0.1:8470";
}
