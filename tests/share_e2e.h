/* Shared by the shared-session end-to-end tests (test_e2e_share*.c): the real relay
 * (difelus-relais) started on 127.0.0.1 on a port the system chooses, killed, restarted on
 * the same port; agents added with agent-ajouter; its audit log read with `journal`. Waits
 * poll with a deadline. Include after <cmocka.h> and "harness.h". */
#ifndef DIFELUS_TEST_SHARE_E2E_H
#define DIFELUS_TEST_SHARE_E2E_H

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static inline long long share_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* build/libexec/difelus/<name> ($BUILD honoured), absolute. */
static inline const char *share_helper(const char *name)
{
    static char path[4200];
    const char *build = getenv("BUILD");
    char rel[2048], abs_dir[4096];
    snprintf(rel, sizeof rel, "%.1900s/libexec/difelus", build && *build ? build : "build");
    if (!realpath(rel, abs_dir))
        snprintf(abs_dir, sizeof abs_dir, "%s", rel);
    snprintf(path, sizeof path, "%s/%s", abs_dir, name);
    return path;
}

/* Runs argv (stdin /dev/null, stdout and stderr into the file out); the child's pid. */
static inline pid_t share_spawn(char *const argv[], const char *out)
{
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        int fd = open(out, O_WRONLY | O_CREAT | O_APPEND, 0600);
        int null = open("/dev/null", O_RDONLY);
        if (fd < 0 || null < 0)
            _exit(127);
        dup2(null, 0);
        dup2(fd, 1);
        dup2(fd, 2);
        execv(argv[0], argv);
        _exit(127);
    }
    return pid;
}

/* Runs argv to its end; its output (malloc'd) and exit status. */
static inline char *share_run(char *const argv[], const char *dir, int *status)
{
    char out[4300];
    snprintf(out, sizeof out, "%s/run-%d.txt", dir, (int)getpid());
    unlink(out);
    pid_t pid = share_spawn(argv, out);
    int st = 0;
    assert_int_equal(waitpid(pid, &st, 0), pid);
    *status = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
    char *text = harness_read_file(out, NULL);
    unlink(out);
    return text ? text : strdup("");
}

/* A short pause inside a loop that polls for something with a deadline. */
static inline void share_tick(void)
{
    poll(NULL, 0, 5);
}

struct relay {
    pid_t pid;
    char url[64];   /* http://127.0.0.1:PORT */
    char listen[32]; /* 127.0.0.1:PORT, to restart it on the same port */
    char base[4200], agents[4200], log[4200];
};

/* Starts the relay listening on `listen` ("127.0.0.1:0": a free port) with its own audit
 * base in dir and the agents file `agents` (NULL: the base); reads its address from
 * « relais : écoute sur http://… ». False (child reaped) when it did not start. */
static inline bool relay_start_at(struct relay *r, const char *dir, const char *name,
                                  const char *agents, const char *listen)
{
    snprintf(r->base, sizeof r->base, "%s/%s.db", dir, name);
    snprintf(r->agents, sizeof r->agents, "%s", agents ? agents : r->base);
    snprintf(r->log, sizeof r->log, "%s/%s.log", dir, name);
    unlink(r->log);
    char *argv[] = {(char *)share_helper("difelus-relais"), "--ecoute", (char *)listen,
                    "--base", r->base, "--agents", r->agents, NULL};
    r->pid = share_spawn(argv, r->log);
    long long deadline = share_now_ms() + WAIT_MS;
    while (share_now_ms() < deadline) {
        char *text = harness_read_file(r->log, NULL);
        const char *at = text ? strstr(text, "http://127.0.0.1:") : NULL;
        if (at && strchr(at, '\n')) {
            size_t n = strspn(at + 17, "0123456789");
            snprintf(r->url, sizeof r->url, "%.*s", (int)(17 + n), at);
            snprintf(r->listen, sizeof r->listen, "127.0.0.1:%.*s", (int)n, at + 17);
            free(text);
            return true;
        }
        free(text);
        int st;
        if (waitpid(r->pid, &st, WNOHANG) == r->pid) {
            r->pid = 0;
            return false;
        }
        share_tick();
    }
    kill(r->pid, SIGKILL);
    waitpid(r->pid, NULL, 0);
    r->pid = 0;
    return false;
}

static inline void relay_start(struct relay *r, const char *dir, const char *name,
                               const char *agents)
{
    if (!relay_start_at(r, dir, name, agents, "127.0.0.1:0")) {
        char *text = harness_read_file(r->log, NULL);
        fail_msg("le relais n'a pas démarré : %s", text ? text : "");
    }
}

/* Restarts a stopped relay on the port it had (retried while the port is not free yet). */
static inline void relay_restart(struct relay *r, const char *dir, const char *name)
{
    char listen[32], agents[4200];
    snprintf(listen, sizeof listen, "%s", r->listen);
    snprintf(agents, sizeof agents, "%s", r->agents);
    long long deadline = share_now_ms() + WAIT_MS;
    while (!relay_start_at(r, dir, name, agents, listen)) {
        if (share_now_ms() > deadline) {
            char *text = harness_read_file(r->log, NULL);
            fail_msg("le relais ne redémarre pas sur %s : %s", listen, text ? text : "");
        }
        share_tick();
    }
}

/* Sends sig and reaps the relay (SIGKILL after WAIT_MS). */
static inline void relay_stop_with(struct relay *r, int sig)
{
    if (r->pid <= 0)
        return;
    kill(r->pid, sig);
    long long deadline = share_now_ms() + WAIT_MS;
    int st;
    while (waitpid(r->pid, &st, WNOHANG) == 0) {
        if (share_now_ms() > deadline) {
            kill(r->pid, SIGKILL);
            waitpid(r->pid, &st, 0);
            break;
        }
        share_tick();
    }
    r->pid = 0;
}

static inline void relay_stop(struct relay *r)
{
    relay_stop_with(r, SIGTERM);
}

/* agent-ajouter NAME --organisme ORG on the agents file; the token it printed once. */
static inline void relay_agent_add(const char *agents, const char *dir, const char *name,
                                   const char *org, char token[33])
{
    char *argv[] = {(char *)share_helper("difelus-relais"), "agent-ajouter", (char *)name,
                    "--organisme", (char *)org, "--agents", (char *)agents, NULL};
    int status;
    char *out = share_run(argv, dir, &status);
    if (status != 0)
        fail_msg("agent-ajouter a échoué (%d) : %s", status, out);
    token[0] = '\0';
    for (const char *p = out; *p; p++) {
        size_t n = strspn(p, "0123456789abcdef");
        if (n == 32 && (p[32] == '\n' || p[32] == '\0') && (p == out || p[-1] == '\n')) {
            memcpy(token, p, 32);
            token[32] = '\0';
            break;
        }
    }
    if (!token[0])
        fail_msg("pas de jeton dans la sortie d'agent-ajouter : %s", out);
    free(out);
}

/* `difelus-relais journal --base BASE`: its audit log as text (malloc'd). */
static inline char *relay_journal(const struct relay *r, const char *dir)
{
    char *argv[] = {(char *)share_helper("difelus-relais"), "journal", "--base",
                    (char *)r->base, NULL};
    int status;
    char *out = share_run(argv, dir, &status);
    if (status != 0)
        fail_msg("journal a échoué (%d) : %s", status, out);
    return out;
}

/* The official presses a: the assistance screen asks the relay for a code and shows it,
 * XXXX-XXXX, copied into code. */
static inline void share_official_code(struct term *official, char code[10])
{
    term_send(official, "a");
    if (!term_wait_for(official, "Lisez ce code") || !term_wait_for(official, "Code :"))
        fail_msg("pas de code à l'écran de l'élu :\n%s", term_text(official));
    static const char crockford[] = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";
    const char *screen = term_text(official);
    for (const char *at = harness_strstr(screen, "Code :"); at && *at; at++)
        if (strspn(at, crockford) == 4 && at[4] == '-' && strspn(at + 5, crockford) == 4) {
            snprintf(code, 10, "%.9s", at);
            return;
        }
    fail_msg("pas de code XXXX-XXXX à l'écran de l'élu :\n%s", screen);
}

#endif
