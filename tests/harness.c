#include "harness.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pty.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>
#include <vterm.h>

extern char **environ;

const char *harness_binary(void)
{
    const char *b = getenv("DIFELUS_BIN");
    return b && *b ? b : "build/difelus";
}

const char *harness_tmpdir(const char *name)
{
    static char path[4096];
    const char *build = getenv("BUILD");
    char base[2048];
    snprintf(base, sizeof base, "%s/tmp", build && *build ? build : "build");
    mkdir(build && *build ? build : "build", 0755);
    mkdir(base, 0755);
    snprintf(path, sizeof path, "%s/%s-XXXXXX", base, name);
    if (!mkdtemp(path)) {
        perror("mkdtemp");
        abort();
    }
    return path;
}

char *harness_read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    size_t cap = 4096, n = 0;
    char *buf = malloc(cap);
    size_t got;
    while ((got = fread(buf + n, 1, cap - n - 1, f)) > 0) {
        n += got;
        if (cap - n < 2)
            buf = realloc(buf, cap *= 2);
    }
    fclose(f);
    buf[n] = '\0';
    if (len)
        *len = n;
    return buf;
}

void harness_write_file(const char *path, const char *data, size_t len)
{
    FILE *f = fopen(path, "wb");
    if (!f) {
        perror(path);
        abort();
    }
    fwrite(data, 1, len, f);
    fclose(f);
}

static long long now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* The locale the binary under test runs in: $DIFELUS_TEST_LANG (run.sh runs the command
 * line and end-to-end tests under C.UTF-8 and fr_FR.UTF-8), default C.UTF-8. */
static const char *test_lang(void)
{
    static char lang[128];
    const char *l = getenv("DIFELUS_TEST_LANG");
    snprintf(lang, sizeof lang, "LANG=%s", l && *l ? l : "C.UTF-8");
    return lang;
}

/* Builds the child's environment: ours, minus what would change its behaviour, plus
 * the defaults and the extras. */
static char **child_env(const char *const extra[], const char *const defaults[])
{
    size_t n = 0, cap = 16;
    char **env = calloc(cap, sizeof *env);
    static const char *const keep[] = {"PATH=", "ASAN_OPTIONS=", "UBSAN_OPTIONS=",
                                       "LSAN_OPTIONS=", "BUILD=", "TZ=",
                                       "DIFELUS_AUJOURDHUI=", NULL};
    for (char **e = environ; *e; e++) {
        for (int k = 0; keep[k]; k++) {
            if (strncmp(*e, keep[k], strlen(keep[k])) == 0) {
                if (n + 2 >= cap)
                    env = realloc(env, (cap *= 2) * sizeof *env);
                env[n++] = strdup(*e);
            }
        }
    }
    const char *const *lists[] = {defaults, extra};
    for (int l = 0; l < 2; l++) {
        for (const char *const *e = lists[l]; e && *e; e++) {
            size_t klen = strcspn(*e, "=") + 1;
            size_t i;
            for (i = 0; i < n; i++)
                if (strncmp(env[i], *e, klen) == 0)
                    break;
            if (i < n) {
                free(env[i]);
                env[i] = strdup(*e);
                continue;
            }
            if (n + 2 >= cap)
                env = realloc(env, (cap *= 2) * sizeof *env);
            env[n++] = strdup(*e);
        }
    }
    env[n] = NULL;
    return env;
}

static void free_env(char **env)
{
    for (char **e = env; *e; e++)
        free(*e);
    free(env);
}

/* With DIFELUS_VALGRIND set, the binary runs under valgrind (errors and definite leaks
 * make it exit 99, which every test notices). Only those are shown: the catalogue import's
 * forked child ends with _exit while the parent's objects are still in use, which valgrind
 * calls "possibly lost", and its report, written over the wizard's screen, would hide what
 * the test waits for. DIFELUS_VALGRIND_LOG (e.g. /tmp/vg.%p) sends the reports of each
 * process to a file instead of the terminal. */
static char **child_argv(const char *const args[])
{
    static const char *const valgrind[] = {
        "/usr/bin/valgrind", "-q", "--error-exitcode=99", "--leak-check=full",
        "--errors-for-leak-kinds=definite", "--show-leak-kinds=definite",
        "--suppressions=tests/valgrind.supp", NULL};
    static char log_file[4200];
    const char *want = getenv("DIFELUS_VALGRIND");
    const char *log = getenv("DIFELUS_VALGRIND_LOG");
    size_t pre = 0, n = 0;
    if (want && *want)
        while (valgrind[pre])
            pre++;
    while (args && args[n])
        n++;
    char **argv = calloc(pre + n + 3, sizeof *argv);
    for (size_t i = 0; i < pre; i++)
        argv[i] = (char *)valgrind[i];
    if (pre && log && *log) {
        snprintf(log_file, sizeof log_file, "--log-file=%s", log);
        argv[pre++] = log_file;
    }
    argv[pre] = (char *)harness_binary();
    for (size_t i = 0; i < n; i++)
        argv[pre + i + 1] = (char *)args[i];
    return argv;
}

/* HOME points into the build folder, so that a test can never write into the real one. */
static const char *home_env(void)
{
    static char home[4200];
    if (!home[0]) {
        char dir[4096];
        const char *t = harness_tmpdir("home");
        if (!realpath(t, dir))
            abort();
        snprintf(home, sizeof home, "HOME=%s", dir);
    }
    return home;
}

static void read_all(int fd, char **out)
{
    size_t cap = 4096, n = 0;
    char *buf = malloc(cap);
    ssize_t got;
    while ((got = read(fd, buf + n, cap - n - 1)) > 0 || (got < 0 && errno == EINTR)) {
        if (got < 0)
            continue;
        n += (size_t)got;
        if (cap - n < 2)
            buf = realloc(buf, cap *= 2);
    }
    buf[n] = '\0';
    *out = buf;
}

/* A copy of s where each U+00A0 is an ordinary space: tests written with plain spaces
 * keep reading the typeset text (DESIGN §7) the way an official reads it. */
static char *fold_nbsp(const char *s)
{
    char *copy = strdup(s), *o = copy;
    for (const char *p = s; *p; p++) {
        if ((unsigned char)p[0] == 0xC2 && (unsigned char)p[1] == 0xA0) {
            *o++ = ' ';
            p++;
        } else {
            *o++ = *p;
        }
    }
    *o = '\0';
    return copy;
}

const char *harness_fold(const char *s)
{
    static char ring[8][8192];
    static int next;
    char *buf = ring[next++ % 8];
    size_t o = 0;
    for (const char *p = s ? s : ""; *p && o + 1 < sizeof ring[0]; p++) {
        if ((unsigned char)p[0] == 0xC2 && (unsigned char)p[1] == 0xA0) {
            buf[o++] = ' ';
            p++;
        } else {
            buf[o++] = *p;
        }
    }
    buf[o] = '\0';
    return buf;
}

char *harness_strstr(const char *hay, const char *needle)
{
    if (!hay || !needle)
        return NULL;
    char *h = fold_nbsp(hay), *n = fold_nbsp(needle);
    const char *at = strstr(h, n);
    const char *p = NULL;
    if (at) {
        /* Back to the same character in hay: each folded U+00A0 was two bytes there. */
        p = hay;
        for (const char *q = h; q < at; q++)
            p += ((unsigned char)p[0] == 0xC2 && (unsigned char)p[1] == 0xA0) ? 2 : 1;
    }
    free(h);
    free(n);
    return (char *)p;
}

void harness_run(struct run_result *r, const char *const args[], const char *const env[])
{
    int out[2], err[2];
    if (pipe(out) != 0 || pipe(err) != 0)
        abort();
    const char *base_env[] = {test_lang(), home_env(), NULL};
    char **cenv = child_env(env, base_env);
    char **argv = child_argv(args);
    pid_t pid = fork();
    if (pid == 0) {
        int devnull = open("/dev/null", O_RDONLY);
        dup2(devnull, 0);
        dup2(out[1], 1);
        dup2(err[1], 2);
        close(out[0]);
        close(err[0]);
        execve(argv[0], argv, cenv);
        _exit(127);
    }
    close(out[1]);
    close(err[1]);
    /* stderr is small in every test; read stdout fully, then stderr. */
    read_all(out[0], &r->raw_out);
    read_all(err[0], &r->raw_err);
    r->out = fold_nbsp(r->raw_out);
    r->err = fold_nbsp(r->raw_err);
    close(out[0]);
    close(err[0]);
    int status;
    waitpid(pid, &status, 0);
    r->status = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    free_env(cenv);
    free(argv);
}

/* Appends what fd has to read now to *buf (n bytes, cap allocated); false at its end. */
static bool read_some(int fd, char **buf, size_t *n, size_t *cap)
{
    if (*cap - *n < 4096)
        *buf = realloc(*buf, *cap = *cap * 2 + 4096);
    ssize_t got = read(fd, *buf + *n, *cap - *n - 1);
    if (got < 0 && (errno == EINTR || errno == EAGAIN))
        return true;
    if (got <= 0)
        return false;
    *n += (size_t)got;
    return true;
}

void harness_run_input(struct run_result *r, const char *const args[], const char *const env[],
                       const char *input)
{
    int in[2], out[2], err[2];
    if (pipe(in) != 0 || pipe(out) != 0 || pipe(err) != 0)
        abort();
    const char *base_env[] = {test_lang(), home_env(), NULL};
    char **cenv = child_env(env, base_env);
    char **argv = child_argv(args);
    pid_t pid = fork();
    if (pid == 0) {
        dup2(in[0], 0);
        dup2(out[1], 1);
        dup2(err[1], 2);
        close(in[1]);
        close(out[0]);
        close(err[0]);
        execve(argv[0], argv, cenv);
        _exit(127);
    }
    close(in[0]);
    close(out[1]);
    close(err[1]);
    /* Writes and reads at once: a long dialogue fills a pipe's buffer either way. */
    void (*old_pipe)(int) = signal(SIGPIPE, SIG_IGN);
    fcntl(in[1], F_SETFL, fcntl(in[1], F_GETFL) | O_NONBLOCK);
    size_t left = strlen(input), on = 0, en = 0, ocap = 0, ecap = 0;
    char *obuf = NULL, *ebuf = NULL;
    bool out_open = true, err_open = true;
    int wfd = in[1];
    if (left == 0) {
        close(wfd);
        wfd = -1;
    }
    while (out_open || err_open) {
        struct pollfd p[3] = {{out_open ? out[0] : -1, POLLIN, 0},
                              {err_open ? err[0] : -1, POLLIN, 0},
                              {wfd, POLLOUT, 0}};
        if (poll(p, 3, WAIT_MS) <= 0)
            break;
        if (p[0].revents && !read_some(out[0], &obuf, &on, &ocap))
            out_open = false;
        if (p[1].revents && !read_some(err[0], &ebuf, &en, &ecap))
            err_open = false;
        if (wfd >= 0 && p[2].revents) {
            ssize_t w = write(wfd, input, left);
            if (w > 0) {
                input += w;
                left -= (size_t)w;
            }
            if ((w < 0 && errno != EAGAIN && errno != EINTR) || left == 0) {
                close(wfd);
                wfd = -1;
            }
        }
    }
    if (wfd >= 0)
        close(wfd);
    signal(SIGPIPE, old_pipe);
    if (!obuf)
        obuf = calloc(1, 1);
    if (!ebuf)
        ebuf = calloc(1, 1);
    obuf[on] = '\0';
    ebuf[en] = '\0';
    r->raw_out = obuf;
    r->raw_err = ebuf;
    r->out = fold_nbsp(r->raw_out);
    r->err = fold_nbsp(r->raw_err);
    close(out[0]);
    close(err[0]);
    int status;
    waitpid(pid, &status, 0);
    r->status = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    free_env(cenv);
    free(argv);
}

void harness_run_free(struct run_result *r)
{
    free(r->out);
    free(r->err);
    free(r->raw_out);
    free(r->raw_err);
    r->out = r->err = r->raw_out = r->raw_err = NULL;
}

/* ---- pseudo-terminal ---- */

struct term {
    pid_t pid;
    int fd;
    VTerm *vt;
    VTermScreen *screen;
    int rows, cols;
    bool altscreen, cursor_visible;
    bool exited;
    int status;
    char text[64 * 1024];
};

static void output_cb(const char *s, size_t len, void *user)
{
    struct term *t = user;
    while (len > 0) {
        ssize_t w = write(t->fd, s, len);
        if (w <= 0)
            return;
        s += w;
        len -= (size_t)w;
    }
}

static int settermprop_cb(VTermProp prop, VTermValue *val, void *user)
{
    struct term *t = user;
    if (prop == VTERM_PROP_ALTSCREEN)
        t->altscreen = val->boolean;
    else if (prop == VTERM_PROP_CURSORVISIBLE)
        t->cursor_visible = val->boolean;
    return 1;
}

static const VTermScreenCallbacks screen_cbs = {.settermprop = settermprop_cb};

struct term *term_start(int rows, int cols, const char *const args[], const char *const env[])
{
    struct term *t = calloc(1, sizeof *t);
    t->rows = rows;
    t->cols = cols;
    t->cursor_visible = true;
    t->vt = vterm_new(rows, cols);
    vterm_set_utf8(t->vt, 1);
    vterm_output_set_callback(t->vt, output_cb, t);
    t->screen = vterm_obtain_screen(t->vt);
    vterm_screen_set_callbacks(t->screen, &screen_cbs, t);
    vterm_screen_enable_altscreen(t->screen, 1);
    vterm_screen_reset(t->screen, 1);

    const char *pty_env[] = {test_lang(), home_env(), "TERM=xterm-256color", NULL};
    char **cenv = child_env(env, pty_env);
    char **argv = child_argv(args);
    struct winsize ws = {.ws_row = (unsigned short)rows, .ws_col = (unsigned short)cols};
    t->pid = forkpty(&t->fd, NULL, NULL, &ws);
    if (t->pid < 0) {
        perror("forkpty");
        abort();
    }
    if (t->pid == 0) {
        execve(argv[0], argv, cenv);
        _exit(127);
    }
    free_env(cenv);
    free(argv);
    fcntl(t->fd, F_SETFL, fcntl(t->fd, F_GETFL) | O_NONBLOCK);
    return t;
}

/* Terminals that every wait also reads (term_watch): with two programs on screen, the one
 * left unread would block writing to its terminal and stall the other. */
static struct term *watched[8];

void term_watch(struct term *t)
{
    for (size_t i = 0; i < sizeof watched / sizeof *watched; i++)
        if (!watched[i]) {
            watched[i] = t;
            return;
        }
}

/* What the watched terminals other than t wrote so far, without waiting. */
static void read_watched(const struct term *t)
{
    for (size_t i = 0; i < sizeof watched / sizeof *watched; i++) {
        struct term *w = watched[i];
        char buf[8192];
        ssize_t n;
        while (w && w != t && !w->exited && (n = read(w->fd, buf, sizeof buf)) != 0) {
            if (n < 0) {
                if (errno != EAGAIN && errno != EINTR)
                    w->exited = true; /* EIO: the child closed the terminal */
                break;
            }
            vterm_input_write(w->vt, buf, (size_t)n);
            vterm_screen_flush_damage(w->screen);
        }
    }
}

/* Reads what the program wrote, for at most `ms`; returns false on EOF. */
static bool pump(struct term *t, int ms)
{
    read_watched(t);
    struct pollfd p = {.fd = t->fd, .events = POLLIN};
    int r = poll(&p, 1, ms);
    if (r <= 0)
        return true;
    char buf[8192];
    ssize_t n = read(t->fd, buf, sizeof buf);
    if (n > 0) {
        vterm_input_write(t->vt, buf, (size_t)n);
        vterm_screen_flush_damage(t->screen);
        return true;
    }
    if (n < 0 && (errno == EAGAIN || errno == EINTR))
        return true;
    return false; /* EIO: the child closed the terminal */
}

static size_t put_utf8(char *dst, uint32_t c)
{
    if (c < 0x80) {
        dst[0] = (char)c;
        return 1;
    }
    if (c < 0x800) {
        dst[0] = (char)(0xC0 | (c >> 6));
        dst[1] = (char)(0x80 | (c & 0x3F));
        return 2;
    }
    if (c < 0x10000) {
        dst[0] = (char)(0xE0 | (c >> 12));
        dst[1] = (char)(0x80 | ((c >> 6) & 0x3F));
        dst[2] = (char)(0x80 | (c & 0x3F));
        return 3;
    }
    dst[0] = (char)(0xF0 | (c >> 18));
    dst[1] = (char)(0x80 | ((c >> 12) & 0x3F));
    dst[2] = (char)(0x80 | ((c >> 6) & 0x3F));
    dst[3] = (char)(0x80 | (c & 0x3F));
    return 4;
}

static size_t row_text(struct term *t, int y, char *dst, size_t cap)
{
    size_t n = 0;
    for (int x = 0; x < t->cols && n + 32 < cap; x++) {
        VTermScreenCell cell;
        vterm_screen_get_cell(t->screen, (VTermPos){.row = y, .col = x}, &cell);
        if (cell.chars[0] == 0 || cell.chars[0] == (uint32_t)-1) {
            if (cell.width != 0)
                dst[n++] = ' ';
            continue;
        }
        for (int k = 0; k < VTERM_MAX_CHARS_PER_CELL && cell.chars[k]; k++)
            n += put_utf8(dst + n, cell.chars[k]);
        if (cell.width == 2)
            x++;
    }
    while (n > 0 && dst[n - 1] == ' ')
        n--;
    dst[n] = '\0';
    return n;
}

const char *term_text(struct term *t)
{
    size_t n = 0;
    for (int y = 0; y < t->rows; y++) {
        n += row_text(t, y, t->text + n, sizeof t->text - n - 2);
        t->text[n++] = '\n';
    }
    t->text[n] = '\0';
    return t->text;
}

void term_cursor(struct term *t, int *row, int *col)
{
    VTermPos pos;
    vterm_state_get_cursorpos(vterm_obtain_state(t->vt), &pos);
    *row = pos.row;
    *col = pos.col;
}

const char *term_row(struct term *t, int y)
{
    static char row[4096];
    row_text(t, y, row, sizeof row);
    return row;
}

/* Non-breaking spaces (U+00A0, U+202F) as plain ones, so that a test reads what the eye
 * sees whichever space French typography put there. */
static const char *plain_spaces(const char *s, char *buf, size_t cap)
{
    size_t o = 0;
    while (*s && o + 1 < cap) {
        if ((unsigned char)s[0] == 0xC2 && (unsigned char)s[1] == 0xA0) {
            buf[o++] = ' ';
            s += 2;
        } else if ((unsigned char)s[0] == 0xE2 && (unsigned char)s[1] == 0x80 &&
                   (unsigned char)s[2] == 0xAF) {
            buf[o++] = ' ';
            s += 3;
        } else {
            buf[o++] = *s++;
        }
    }
    buf[o] = '\0';
    return buf;
}

/* strstr, blind to the kind of space. */
static bool shows(const char *screen, const char *text)
{
    static char a[65536], b[4096];
    return strstr(plain_spaces(screen, a, sizeof a), plain_spaces(text, b, sizeof b)) != NULL;
}

int term_find_row(struct term *t, const char *text)
{
    for (int y = 0; y < t->rows; y++)
        if (shows(term_row(t, y), text))
            return y;
    return -1;
}

/* The screen as one line: each row's end and the next row's indentation become one space,
 * so that a text wrapped over several rows reads as it was written. */
static const char *joined_rows(const char *screen)
{
    static char joined[65536];
    size_t o = 0;
    for (const char *p = screen; *p && o + 2 < sizeof joined; p++) {
        if (*p == '\n') {
            while (o > 0 && joined[o - 1] == ' ')
                o--;
            joined[o++] = ' ';
            while (p[1] == ' ')
                p++;
        } else {
            joined[o++] = *p;
        }
    }
    joined[o] = '\0';
    return joined;
}

static bool wrapped_wait;

static bool wait_until(struct term *t, const char *text, bool present)
{
    long long deadline = now_ms() + WAIT_MS;
    for (;;) {
        /* A text is on screen on one row or wrapped over several: where a sentence wraps
         * depends on the dates and paths in it, which vary with « today » and $BUILD. */
        bool on = (!wrapped_wait && shows(term_text(t), text)) ||
                  shows(joined_rows(term_text(t)), text);
        if (on == present)
            return true;
        long long left = deadline - now_ms();
        if (left <= 0 || t->exited)
            break;
        if (!pump(t, left > 50 ? 50 : (int)left)) {
            t->exited = true;
        }
    }
    fprintf(stderr, "--- screen while waiting for %s«%s» ---\n%s---\n", present ? "" : "no ",
            text, term_text(t));
    return false;
}

bool term_wait_for(struct term *t, const char *text)
{
    return wait_until(t, text, true);
}

/* The row of `label` holds `value` as a whole word after the label. */
static bool row_holds(struct term *t, const char *label, const char *value)
{
    int y = term_find_row(t, label);
    if (y < 0)
        return false;
    const char *row = term_row(t, y);
    const char *from = harness_strstr(row, label);
    size_t n = strlen(value);
    for (const char *p = from ? from + strlen(label) : row; (p = strstr(p, value)); p++)
        if (p[-1] == ' ' && (p[n] == ' ' || p[n] == '\0'))
            return true;
    return false;
}

bool term_wait_field(struct term *t, const char *label, const char *value)
{
    long long deadline = now_ms() + WAIT_MS;
    for (;;) {
        if (row_holds(t, label, value))
            return true;
        long long left = deadline - now_ms();
        if (left <= 0 || t->exited)
            break;
        if (!pump(t, left > 50 ? 50 : (int)left))
            t->exited = true;
    }
    fprintf(stderr, "--- screen while waiting for «%s» beside «%s» ---\n%s---\n", value,
            label, term_text(t));
    return false;
}

bool term_wait_cursor(struct term *t, int row, int col)
{
    long long deadline = now_ms() + WAIT_MS;
    for (;;) {
        int r, c;
        term_cursor(t, &r, &c);
        if (r == row && c == col)
            return true;
        long long left = deadline - now_ms();
        if (left <= 0 || t->exited)
            break;
        if (!pump(t, left > 50 ? 50 : (int)left))
            t->exited = true;
    }
    return false;
}

bool term_wait_for_wrapped(struct term *t, const char *text)
{
    wrapped_wait = true;
    bool on = wait_until(t, text, true);
    wrapped_wait = false;
    return on;
}

bool term_wait_gone(struct term *t, const char *text)
{
    return wait_until(t, text, false);
}

void term_send(struct term *t, const char *keys)
{
    size_t len = strlen(keys);
    while (len > 0) {
        ssize_t w = write(t->fd, keys, len);
        if (w < 0 && (errno == EAGAIN || errno == EINTR)) {
            pump(t, 10);
            continue;
        }
        if (w <= 0)
            return;
        keys += w;
        len -= (size_t)w;
    }
}

void term_send_key(struct term *t, enum term_key key)
{
    static const VTermKey map[] = {
        [TK_UP] = VTERM_KEY_UP,           [TK_DOWN] = VTERM_KEY_DOWN,
        [TK_LEFT] = VTERM_KEY_LEFT,       [TK_RIGHT] = VTERM_KEY_RIGHT,
        [TK_PAGE_DOWN] = VTERM_KEY_PAGEDOWN, [TK_PAGE_UP] = VTERM_KEY_PAGEUP,
        [TK_F1] = VTERM_KEY_FUNCTION(1),  [TK_F10] = VTERM_KEY_FUNCTION(10),
    };
    vterm_keyboard_key(t->vt, map[key], VTERM_MOD_NONE); /* written through output_cb */
}

bool term_cell_default_colors(struct term *t, int row, int col)
{
    VTermScreenCell cell;
    vterm_screen_get_cell(t->screen, (VTermPos){.row = row, .col = col}, &cell);
    return VTERM_COLOR_IS_DEFAULT_FG(&cell.fg) && VTERM_COLOR_IS_DEFAULT_BG(&cell.bg);
}

bool term_cell_reverse(struct term *t, int row, int col)
{
    VTermScreenCell cell;
    vterm_screen_get_cell(t->screen, (VTermPos){.row = row, .col = col}, &cell);
    return cell.attrs.reverse;
}

void term_resize(struct term *t, int rows, int cols)
{
    struct winsize ws = {.ws_row = (unsigned short)rows, .ws_col = (unsigned short)cols};
    t->rows = rows;
    t->cols = cols;
    vterm_set_size(t->vt, rows, cols);
    ioctl(t->fd, TIOCSWINSZ, &ws);
}

bool term_wait_screen(struct term *t, const char *screen)
{
    long long deadline = now_ms() + WAIT_MS;
    for (;;) {
        if (strcmp(term_text(t), screen) == 0)
            return true;
        long long left = deadline - now_ms();
        if (left <= 0 || t->exited)
            break;
        if (!pump(t, left > 50 ? 50 : (int)left))
            t->exited = true;
    }
    fprintf(stderr, "--- screen expected ---\n%s--- screen seen ---\n%s---\n", screen,
            term_text(t));
    return false;
}

bool term_cell_emphasis(struct term *t, int row, int col)
{
    VTermScreenCell cell;
    vterm_screen_get_cell(t->screen, (VTermPos){.row = row, .col = col}, &cell);
    return cell.attrs.reverse || cell.attrs.bold || cell.attrs.underline;
}

void term_drain(struct term *t)
{
    while (!t->exited) {
        struct pollfd p = {.fd = t->fd, .events = POLLIN};
        if (poll(&p, 1, 0) <= 0)
            break;
        if (!pump(t, 0))
            t->exited = true;
    }
}

void term_hangup(struct term *t)
{
    term_drain(t); /* the screen as it was when the link dropped */
    close(t->fd);
    t->fd = -1;
    t->exited = true; /* nothing more can be read */
}

int term_wait_exit(struct term *t)
{
    long long deadline = now_ms() + WAIT_MS;
    while (now_ms() < deadline) {
        if (!t->exited && !pump(t, 50))
            t->exited = true;
        int status;
        pid_t r = waitpid(t->pid, &status, WNOHANG);
        if (r == t->pid) {
            while (pump(t, 0) && !t->exited) {
                struct pollfd p = {.fd = t->fd, .events = POLLIN};
                if (poll(&p, 1, 0) <= 0)
                    break;
            }
            t->pid = 0;
            t->status = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
            return t->status;
        }
    }
    fprintf(stderr, "--- program did not exit; screen ---\n%s---\n", term_text(t));
    return -1;
}

bool term_restored(struct term *t)
{
    struct termios tio;
    bool sane = tcgetattr(t->fd, &tio) == 0 && (tio.c_lflag & ICANON) && (tio.c_lflag & ECHO);
    if (!sane)
        fprintf(stderr, "terminal left without line mode or echo\n");
    if (t->altscreen)
        fprintf(stderr, "terminal left on the alternate screen\n");
    if (!t->cursor_visible)
        fprintf(stderr, "cursor left hidden\n");
    return sane && !t->altscreen && t->cursor_visible;
}

void term_free(struct term *t)
{
    if (!t)
        return;
    for (size_t i = 0; i < sizeof watched / sizeof *watched; i++)
        if (watched[i] == t)
            watched[i] = NULL;
    if (t->pid > 0) {
        kill(t->pid, SIGKILL);
        waitpid(t->pid, NULL, 0);
    }
    if (t->fd >= 0)
        close(t->fd);
    vterm_free(t->vt);
    free(t);
}
