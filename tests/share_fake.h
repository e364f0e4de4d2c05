/* The FAKE difelus-partage shared by the end-to-end tests of the official's side of a
 * shared session (test_e2e_share_official.c, _walk.c, _replay.c): a shell script written
 * into the folder given as DIFELUS_LIBEXEC_DIR. What the test writes into a FIFO, the
 * script passes to the wizard on fd 3 (the frames a real helper would send); what the
 * wizard writes on fd 3, the script appends to a file the test reads. Only one fake runs
 * at a time (a lock), and a frame is sent only once the previous helper is gone.
 * Include after <cmocka.h>, "harness.h" and "e2e.h". */
#ifndef DIFELUS_TEST_SHARE_FAKE_H
#define DIFELUS_TEST_SHARE_FAKE_H

#include <dirent.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <time.h>
#include <unistd.h>

struct fake {
    char dir[4096];
    char received[4200];
    int fifo; /* the test's end: what is written here reaches the wizard */
    char db_opt[4200];
    pid_t wizard;
};

/* Writes the fake helper and its FIFO into a fresh folder. */
static inline void fake_setup(struct fake *fk, const char *name)
{
    memset(fk, 0, sizeof *fk);
    snprintf(fk->dir, sizeof fk->dir, "%s", harness_tmpdir(name));
    snprintf(fk->received, sizeof fk->received, "%s/recu", fk->dir);
    char fifo[4200], script[4200], text[32768];
    snprintf(fifo, sizeof fifo, "%s/trames", fk->dir);
    assert_int_equal(mkfifo(fifo, 0600), 0);
    /* O_RDWR: never blocks, and the FIFO keeps its bytes until a helper reads them. */
    fk->fifo = open(fifo, O_RDWR | O_CLOEXEC);
    assert_true(fk->fifo >= 0);
    snprintf(script, sizeof script, "%s/difelus-partage", fk->dir);
    snprintf(text, sizeof text,
             "#!/bin/sh\n"
             "exec 2>/dev/null\n"
             "echo \"$@\" >> '%s/arguments'\n"
             /* A helper being stopped may still run (the wizard reaps it later): the next
              * one reads the FIFO only once it is gone. */
             "touch '%s/vivants/'$$\n"
             "exec 9>>'%s/verrou'\n"
             "flock 9\n"
             "cat '%s' >&3 &\n"
             "feeder=$!\n"
             "cat <&3 >> '%s'\n"
             "kill $feeder 2>/dev/null\n"
             "wait $feeder\n"
             "rm -f '%s/vivants/'$$\n",
             fk->dir, fk->dir, fk->dir, fifo, fk->received, fk->dir);
    char alive[4200];
    snprintf(alive, sizeof alive, "%s/vivants", fk->dir);
    assert_int_equal(mkdir(alive, 0700), 0);
    harness_write_file(script, text, strlen(text));
    assert_int_equal(chmod(script, 0755), 0);
    snprintf(fk->db_opt, sizeof fk->db_opt, "--db=%s/difelus.db", fk->dir);
}

static inline void fake_free(struct fake *fk)
{
    close(fk->fifo);
}

/* How many fake helpers run (each one marks itself in vivants/ until its feeder is gone). */
static inline int helpers_alive(struct fake *fk)
{
    char alive[4200];
    snprintf(alive, sizeof alive, "%s/vivants", fk->dir);
    DIR *d = opendir(alive);
    int n = 0;
    for (struct dirent *e; d && (e = readdir(d));)
        n += e->d_name[0] != '.';
    if (d)
        closedir(d);
    return n;
}

/* How many processes the wizard started and has not reaped. */
static inline int children_of(pid_t pid)
{
    DIR *d = opendir("/proc");
    int n = 0;
    for (struct dirent *e; d && (e = readdir(d));) {
        char path[300], buf[512];
        snprintf(path, sizeof path, "/proc/%s/stat", e->d_name);
        FILE *f = fopen(path, "r");
        if (!f)
            continue;
        size_t got = fread(buf, 1, sizeof buf - 1, f);
        fclose(f);
        buf[got] = '\0';
        const char *close_paren = strrchr(buf, ')');
        int ppid = 0;
        if (close_paren && sscanf(close_paren + 1, " %*c %d", &ppid) == 1 && ppid == pid)
            n++;
    }
    if (d)
        closedir(d);
    return n;
}

/* One frame from the "relay" to the wizard. A helper being stopped is reaped later by the
 * wizard: it must be gone first (its feeder could read the frame meant for the next), and
 * the next one must have started. */
static inline void fake_send(struct fake *fk, const char *type, const void *payload, size_t len)
{
    for (int i = 0; i < WAIT_MS / 5 && (helpers_alive(fk) != 1 ||
                                        (fk->wizard > 0 && children_of(fk->wizard) != 1));
         i++) {
        struct timespec ts = {0, 5 * 1000 * 1000};
        nanosleep(&ts, NULL);
    }
    char head[96];
    int n = snprintf(head, sizeof head, "%s 0 %zu\n", type, len);
    assert_int_equal(write(fk->fifo, head, (size_t)n), n);
    if (len)
        assert_int_equal(write(fk->fifo, payload, len), (ssize_t)len);
}

static inline void fake_say(struct fake *fk, const char *type, const char *payload)
{
    fake_send(fk, type, payload, strlen(payload));
}

static inline bool received_has(struct fake *fk, const void *needle, size_t n)
{
    size_t len = 0;
    char *got = harness_read_file(fk->received, &len);
    bool found = got && memmem(got, len, needle, n) != NULL;
    free(got);
    return found;
}

/* Waits until the wizard has written `needle` to the helper (polls with a deadline). */
static inline void wait_received(struct fake *fk, const char *needle)
{
    for (int i = 0; i < WAIT_MS / 5; i++) {
        if (received_has(fk, needle, strlen(needle)))
            return;
        struct timespec ts = {0, 5 * 1000 * 1000};
        nanosleep(&ts, NULL);
    }
    size_t len = 0;
    char *got = harness_read_file(fk->received, &len);
    fail_msg("le faux difelus-partage n'a pas reçu « %s » ; reçu : %.*s", needle,
             (int)(len > 2000 ? 2000 : len), got ? got : "(rien)");
}

static inline int count_received(struct fake *fk, const char *needle)
{
    size_t len = 0;
    char *got = harness_read_file(fk->received, &len);
    int count = 0;
    for (char *p = got; p && (p = memmem(p, len - (size_t)(p - got), needle, strlen(needle)));
         p++)
        count++;
    free(got);
    return count;
}

/* The wizard started with the fake helper, on the fake's own database. */
static inline struct term *fake_start(struct fake *fk)
{
    char env[4200];
    snprintf(env, sizeof env, "DIFELUS_LIBEXEC_DIR=%s", fk->dir);
    struct term *t = start(24, 80, fk->db_opt, (const char *[]){env, NULL});
    fk->wizard = child_pid();
    return t;
}

#endif
