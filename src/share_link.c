/* The wizard's end of the pipe to its network helper difelus-partage (docs/share-protocol.md
 * §4); the frames themselves are share_frame.c. Core: no curses, no libcurl. */
#include "difelus/share_link.h"

#include <errno.h>
#include <fcntl.h>
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
    if (!libexec_path(SHARE_HELPER, helper, sizeof helper)) {
        text_msgf(err, errlen, "Le programme de partage %s est introuvable (cherché à côté de "
                              "difelus et dans %s). Réinstallez difelus («\u00a0make "
                              "install\u00a0»).", SHARE_HELPER, libexec_dir());
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

static long ms_since(const struct timespec *t0)
{
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return (long)(now.tv_sec - t0->tv_sec) * 1000 + (now.tv_nsec - t0->tv_nsec) / 1000000;
}

/* The helper closed its end: says how it ended. Never waits: while it has not exited yet
 * (for at most 500 ms after its end was seen), 0 is returned as if no frame were whole,
 * and the caller's next turn looks again. */
static int helper_ended(struct share_link *l, bool mid_frame)
{
    int ws = 0;
    if (!l->eof) {
        l->eof = true;
        clock_gettime(CLOCK_MONOTONIC, &l->eof_at);
    }
    bool reaped = reap(l, 0, &ws);
    if (!reaped && ms_since(&l->eof_at) < 500)
        return 0;
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

/* Helpers stopped without waiting, reaped on later loop turns. */
static struct {
    pid_t pid;
    struct timespec since;
    bool killed;
} pending[16];

void share_link_stop_later(struct share_link *l)
{
    if (l->fd >= 0)
        close(l->fd);
    l->fd = -1;
    if (l->pid > 0) {
        int ws;
        if (!reap(l, 0, &ws)) {
            size_t i = 0;
            while (i < sizeof pending / sizeof pending[0] && pending[i].pid > 0)
                i++;
            if (i < sizeof pending / sizeof pending[0]) {
                pending[i].pid = l->pid;
                pending[i].killed = false;
                clock_gettime(CLOCK_MONOTONIC, &pending[i].since);
            } else {
                /* No room to remember it: killed now, which is reaped at once. */
                kill(l->pid, SIGKILL);
                while (waitpid(l->pid, &ws, 0) < 0 && errno == EINTR)
                    ;
            }
        }
        l->pid = 0;
    }
    share_reader_free(&l->reader);
    l->dead = true;
}

void share_link_reap_pending(int wait_ms)
{
    struct timespec start;
    clock_gettime(CLOCK_MONOTONIC, &start);
    for (;;) {
        bool left = false;
        for (size_t i = 0; i < sizeof pending / sizeof pending[0]; i++) {
            if (pending[i].pid <= 0)
                continue;
            int ws;
            pid_t r = waitpid(pending[i].pid, &ws, WNOHANG);
            if (r == pending[i].pid || (r < 0 && errno == ECHILD)) {
                pending[i].pid = 0;
                continue;
            }
            /* Closing the pipe asked it to leave; 2.5 s to tell the relay, then killed. */
            if (!pending[i].killed && ms_since(&pending[i].since) >= 2500) {
                kill(pending[i].pid, SIGKILL);
                pending[i].killed = true;
            }
            left = true;
        }
        if (!left || wait_ms <= 0)
            return;
        if (ms_since(&start) >= wait_ms) {
            for (size_t i = 0; i < sizeof pending / sizeof pending[0]; i++)
                if (pending[i].pid > 0 && !pending[i].killed) {
                    kill(pending[i].pid, SIGKILL);
                    pending[i].killed = true;
                }
            wait_ms = 0; /* one more pass reaps the killed ones */
            for (size_t i = 0; i < sizeof pending / sizeof pending[0]; i++)
                if (pending[i].pid > 0) {
                    int ws;
                    while (waitpid(pending[i].pid, &ws, 0) < 0 && errno == EINTR)
                        ;
                    pending[i].pid = 0;
                }
            return;
        }
        struct timespec ts = {0, 10 * 1000 * 1000};
        nanosleep(&ts, NULL);
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
