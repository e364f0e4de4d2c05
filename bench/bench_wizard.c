/* make bench: the wizard's figures on a pseudo-terminal of 80×24, each next to its reference
 * measured the same way in the same run:
 *   - first full screen for a returning official, against `dialog --msgbox`;
 *   - the shared libraries the binary loads (ldd);
 *   - a key (→ or ←) until the next step's screen is fully drawn, against the floor of the
 *     measure itself (a byte echoed by `cat` through the same pty and emulator);
 *   - the wizard's peak memory (ru_maxrss, from wait4) over a returning official's whole
 *     session with the catalogue of bench_catalogue beside her database: the six steps, a
 *     dossier, a few searches;
 *   - a `reglage` written by another process until it is on the wizard's screen.
 * Its rows of the summary table go to <dir>/resume-assistant.tsv (bench_resume prints the
 * table at the end of make bench). Prints figures; never fails the build.
 *
 * "Fully drawn" means: the emulated screen (libvterm, as in tests/harness.c) is identical,
 * character for character, to the screen the program shows once it has gone quiet, taken
 * beforehand in an untimed run. The emulator's own work is counted for both programs. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pty.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>
#include <vterm.h>

#include "difelus/dates.h"
#include "difelus/dossier.h"
#include "difelus/guide.h"
#include "difelus/mandate.h"
#include "difelus/store.h"

#define ROWS 24
#define COLS 80
#define SCREEN_MAX (ROWS * (COLS * 4 + 1) + 1)

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static int compare(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static double median(double *v, size_t n)
{
    qsort(v, n, sizeof *v, compare);
    return n ? v[n / 2] : 0;
}

/* The value below which 90 % of the sorted values lie (nearest rank). */
static double p90(const double *sorted, size_t n)
{
    if (!n)
        return 0;
    size_t k = (n * 9 + 9) / 10;
    return sorted[k ? k - 1 : 0];
}

/* ---- the summary table ---- */

static char summary_path[4200];

/* One row: figure, measured, target, same-run reference, verdict. */
static void summary_add(const char *figure, const char *measured, const char *target,
                        const char *reference, const char *verdict)
{
    FILE *f = fopen(summary_path, "a");
    if (!f)
        return;
    fprintf(f, "%s\t%s\t%s\t%s\t%s\n", figure, measured, target, reference, verdict);
    fclose(f);
}

static const char *verdict(bool met)
{
    return met ? "atteint" : "non atteint";
}

/* ---- a program on a pseudo-terminal, seen through libvterm ---- */

struct pty {
    pid_t pid;
    int fd;
    VTerm *vt;
    VTermScreen *screen;
    bool eof;
};

static char **child_env;

static void output_cb(const char *s, size_t len, void *user)
{
    struct pty *p = user;
    while (len > 0) {
        ssize_t w = write(p->fd, s, len);
        if (w <= 0)
            return;
        s += w;
        len -= (size_t)w;
    }
}

/* Starts argv on a new 80×24 pty; with raw set, the child's terminal is put in raw mode
 * first (for the `cat` echo). */
static bool pty_start(struct pty *p, char *const argv[], bool raw)
{
    memset(p, 0, sizeof *p);
    p->vt = vterm_new(ROWS, COLS);
    vterm_set_utf8(p->vt, 1);
    vterm_output_set_callback(p->vt, output_cb, p);
    p->screen = vterm_obtain_screen(p->vt);
    vterm_screen_enable_altscreen(p->screen, 1);
    vterm_screen_reset(p->screen, 1);
    struct winsize ws = {.ws_row = ROWS, .ws_col = COLS};
    p->pid = forkpty(&p->fd, NULL, NULL, &ws);
    if (p->pid < 0) {
        vterm_free(p->vt);
        return false;
    }
    if (p->pid == 0) {
        if (raw) {
            struct termios tio;
            tcgetattr(0, &tio);
            cfmakeraw(&tio);
            tcsetattr(0, TCSANOW, &tio);
        }
        execve(argv[0], argv, child_env);
        _exit(127);
    }
    fcntl(p->fd, F_SETFL, fcntl(p->fd, F_GETFL) | O_NONBLOCK);
    return true;
}

/* Waits up to timeout_ms for output, then reads all there is. True when something came. */
static bool pty_pump(struct pty *p, int timeout_ms)
{
    if (p->eof)
        return false;
    struct pollfd pfd = {.fd = p->fd, .events = POLLIN};
    if (poll(&pfd, 1, timeout_ms < 0 ? 0 : timeout_ms) <= 0)
        return false;
    bool got = false;
    char buf[65536];
    for (;;) {
        ssize_t n = read(p->fd, buf, sizeof buf);
        if (n > 0) {
            vterm_input_write(p->vt, buf, (size_t)n);
            got = true;
            continue;
        }
        if (n < 0 && errno == EINTR)
            continue;
        if (n == 0 || (n < 0 && errno != EAGAIN))
            p->eof = true;
        break;
    }
    vterm_screen_flush_damage(p->screen);
    return got;
}

/* The screen as text, rows ended by '\n'. */
static void pty_text(struct pty *p, char *out, size_t len)
{
    size_t n = 0;
    for (int y = 0; y < ROWS && n + 2 < len; y++) {
        VTermRect r = {.start_row = y, .end_row = y + 1, .start_col = 0, .end_col = COLS};
        n += vterm_screen_get_text(p->screen, out + n, len - n - 2, r);
        out[n++] = '\n';
    }
    out[n] = '\0';
}

/* Non-breaking spaces read as plain ones, for a search of typed text. */
static void plain_spaces(char *out)
{
    char *s;
    while ((s = strstr(out, "\xc2\xa0")))
        memmove(s, s + 1, strlen(s + 1) + 1), *s = ' ';
    while ((s = strstr(out, "\xe2\x80\xaf")))
        memmove(s, s + 2, strlen(s + 2) + 1), *s = ' ';
}

/* Reads until nothing has come for quiet_ms (at most max_ms in all). */
static void pty_settle(struct pty *p, int quiet_ms, int max_ms)
{
    double end = now() + max_ms / 1e3;
    while (now() < end && pty_pump(p, quiet_ms))
        ;
}

/* Reads until the screen is `want` (whole) or contains it (whole false); returns the
 * moment it did, or 0 after the deadline. */
static double pty_wait(struct pty *p, const char *want, bool whole, double deadline)
{
    static char text[SCREEN_MAX];
    for (;;) {
        pty_text(p, text, sizeof text);
        if (!whole)
            plain_spaces(text);
        if (whole ? strcmp(text, want) == 0 : strstr(text, want) != NULL)
            return now();
        double left = deadline - now();
        if (left <= 0 || p->eof)
            return 0;
        pty_pump(p, (int)(left * 1e3) + 1);
    }
}

static void pty_send(struct pty *p, const char *keys)
{
    output_cb(keys, strlen(keys), p);
}

static void pty_send_key(struct pty *p, VTermKey key)
{
    vterm_keyboard_key(p->vt, key, VTERM_MOD_NONE);
}

/* Sends the quit keys, waits for the end (killing the program after 5 s), frees. */
static void pty_stop(struct pty *p, const char *quit)
{
    if (quit)
        pty_send(p, quit);
    double end = now() + 5;
    while (!p->eof && now() < end)
        pty_pump(p, 100);
    if (!p->eof)
        kill(p->pid, SIGKILL);
    int status;
    waitpid(p->pid, &status, 0);
    close(p->fd);
    vterm_free(p->vt);
}

/* The screen a program shows once quiet, in an untimed run (quit with `quit`). */
static bool final_screen(char *const argv[], const char *quit, char *out, size_t len)
{
    struct pty p;
    if (!pty_start(&p, argv, false))
        return false;
    pty_settle(&p, 500, 10000);
    pty_text(&p, out, len);
    pty_stop(&p, quit);
    return strspn(out, " \n") != strlen(out);
}

/* Seconds from fork to the screen `want` fully drawn (0 if it never was). */
static double time_first_screen(char *const argv[], const char *want, const char *quit)
{
    struct pty p;
    double t0 = now();
    if (!pty_start(&p, argv, false))
        return 0;
    double t1 = pty_wait(&p, want, true, t0 + 10);
    pty_settle(&p, 20, 1000);
    pty_stop(&p, quit);
    return t1 ? t1 - t0 : 0;
}

/* ---- the returning official's database ---- */

static bool make_database(const char *path)
{
    const char *suffix[] = {"", "-wal", "-shm"};
    for (int i = 0; i < 3; i++) {
        char f[4200];
        snprintf(f, sizeof f, "%s%s", path, suffix[i]);
        unlink(f);
    }
    char err[1024];
    store *st = store_open(path, err, sizeof err);
    if (!st) {
        printf("base impossible : %s\n", err);
        return false;
    }
    struct date today = dates_today();
    const struct guide_step *g1 = guide_step(1);
    for (size_t i = 0; i < g1->item_count; i++)
        store_checklist_set(st, g1->items[i].id, true, ACTOR_OFFICIAL);
    const struct guide_step *g2 = guide_step(2);
    store_checklist_set(st, g2->items[0].id, true, ACTOR_OFFICIAL);
    struct mandate m;
    memset(&m, 0, sizeof m);
    m.level = MANDATE_MUNICIPAL;
    snprintf(m.collectivite, sizeof m.collectivite, "Saint-Étienne-de-Saint-Geoirs");
    snprintf(m.function, sizeof m.function, "Adjointe au maire chargée des finances");
    m.start = dates_add_days(today, -900);
    m.end = dates_add_days(today, 1200);
    m.indemnified = true;
    store_mandate_save(st, &m);
    store_credit_add(st, 40000, dates_add_days(today, -20));
    struct dossier d;
    memset(&d, 0, sizeof d);
    snprintf(d.title, sizeof d.title, "Finances locales : préparer et voter le budget primitif");
    snprintf(d.body, sizeof d.body, "Institut des Territoires");
    d.start = dates_add_working_days(today, 30);
    d.end = dates_add_days(d.start, 1);
    d.price_cents = 84000;
    store_dossier_save(st, &d, dates_add_days(today, -5), ACTOR_OFFICIAL);
    struct ui_state ui;
    memset(&ui, 0, sizeof ui);
    snprintf(ui.screen, sizeof ui.screen, "etape2");
    int rc = store_ui_set(st, &ui);
    if (rc != 0)
        printf("position de l'assistant non enregistrée : %s\n", store_error(st));
    store_close(st);
    return rc == 0;
}

/* ---- the figures ---- */

static void fmt(char *buf, size_t len, const char *format, ...)
{
    va_list ap;
    va_start(ap, format);
    vsnprintf(buf, len, format, ap);
    va_end(ap);
}

static void bench_startup(char *const wizard[], const char *dialog_path, int runs)
{
    static char want_w[SCREEN_MAX], want_d[SCREEN_MAX];
    printf("\n1. Premier écran complet sur un pty 80×24, élue qui revient (mandat, cases "
           "cochées, dossier, reprise sur l'étape 2)\n");
    if (!final_screen(wizard, "q", want_w, sizeof want_w)) {
        printf("   l'assistant n'affiche rien\n");
        summary_add("Premier écran (médiane)", "rien à l'écran", "≤ dialog", "–",
                    "non atteint");
        return;
    }
    if (getenv("BENCH_VERBOSE"))
        printf("%s", want_w);
    if (!strstr(want_w, "tape 2")) {
        printf("   l'assistant n'a pas repris sur l'étape 2 ; son écran :\n%s", want_w);
    }
    char *dialog[] = {(char *)dialog_path, "--msgbox",
                      "Bienvenue dans difelus : votre dossier de formation vous attend.", "8",
                      "60", NULL};
    bool have_dialog = dialog_path && final_screen(dialog, "\r", want_d, sizeof want_d);
    if (!have_dialog)
        printf("   dialog absent : pas de référence (apt-get install dialog)\n");
    double *tw = calloc((size_t)runs, sizeof *tw), *td = calloc((size_t)runs, sizeof *td);
    int nw = 0, nd = 0, missed = 0;
    for (int i = 0; i < runs; i++) {
        /* Alternate which goes first, so that neither always follows the other. */
        for (int k = 0; k < 2; k++) {
            bool w = (k == 0) == (i % 2 == 0);
            if (w) {
                double t = time_first_screen(wizard, want_w, "q");
                if (t > 0)
                    tw[nw++] = t * 1e3;
                else
                    missed++;
            } else if (have_dialog) {
                double t = time_first_screen(dialog, want_d, "\r");
                if (t > 0)
                    td[nd++] = t * 1e3;
                else
                    missed++;
            }
        }
    }
    double mw = median(tw, (size_t)nw), md = median(td, (size_t)nd);
    printf("   difelus : médiane %.2f ms, p90 %.2f ms (%d passages)\n", mw, p90(tw, (size_t)nw),
           nw);
    if (have_dialog)
        printf("   dialog --msgbox : médiane %.2f ms, p90 %.2f ms (%d passages)\n", md,
               p90(td, (size_t)nd), nd);
    if (missed)
        printf("   %d passages sans écran complet en 10 s (non comptés)\n", missed);
    char m[128], r[128];
    fmt(m, sizeof m, "%.2f ms (p90 %.2f)", mw, p90(tw, (size_t)nw));
    if (have_dialog) {
        fmt(r, sizeof r, "dialog %.2f ms (p90 %.2f) → %.2f×", md, p90(td, (size_t)nd),
            md > 0 ? mw / md : 0);
        printf("   rapport difelus / dialog : %.2f× (objectif ≤ 1)\n", md > 0 ? mw / md : 0);
    } else {
        fmt(r, sizeof r, "dialog absent");
    }
    char figure[128];
    fmt(figure, sizeof figure, "Premier écran, médiane de %d", nw);
    summary_add(figure, m, "≤ dialog", r, have_dialog && md > 0 ? verdict(mw <= md) : "–");
    free(tw);
    free(td);
}

static void bench_ldd(const char *bin)
{
    printf("\n2. Bibliothèques partagées chargées (ldd %s)\n", bin);
    char cmd[4200];
    snprintf(cmd, sizeof cmd, "ldd '%s' 2>&1", bin);
    FILE *f = popen(cmd, "r");
    if (!f) {
        summary_add("ldd build/difelus", "ldd impossible", "≤ 12", "–", "–");
        return;
    }
    char line[1024], list[4096] = "";
    int n = 0;
    while (fgets(line, sizeof line, f)) {
        n++;
        char name[256];
        if (sscanf(line, " %255s", name) == 1) {
            char *slash = strrchr(name, '/');
            size_t used = strlen(list);
            snprintf(list + used, sizeof list - used, "%s%s", used ? " " : "",
                     slash ? slash + 1 : name);
        }
    }
    pclose(f);
    printf("   %d lignes (objectif ≤ 12) : %s\n", n, list);
    char m[64];
    fmt(m, sizeof m, "%d", n);
    summary_add("ldd build/difelus | wc -l", m, "≤ 12", "–", verdict(n <= 12));
}

static void bench_keys(char *const wizard[], int presses)
{
    printf("\n3. Touche → ou ← jusqu'à l'écran de l'étape suivante complet (étapes 2 et 3)\n");
    static char s2[SCREEN_MAX], s3[SCREEN_MAX], check[SCREEN_MAX];
    struct pty p;
    if (!pty_start(&p, wizard, false))
        return;
    pty_settle(&p, 500, 10000);
    pty_text(&p, s2, sizeof s2);
    pty_send_key(&p, VTERM_KEY_RIGHT);
    pty_settle(&p, 300, 5000);
    pty_text(&p, s3, sizeof s3);
    pty_send_key(&p, VTERM_KEY_LEFT);
    pty_settle(&p, 300, 5000);
    pty_text(&p, check, sizeof check);
    if (strcmp(s2, s3) == 0 || strcmp(s2, check) != 0) {
        printf("   → puis ← ne passent pas de l'étape 2 à l'étape 3 et retour ; écran :\n%s",
               check);
        pty_stop(&p, "q");
        summary_add("Touche → écran suivant", "non mesuré", "≤ 5 ms", "–", "non atteint");
        return;
    }
    if (getenv("BENCH_VERBOSE"))
        printf("%s", s3);
    double *t = calloc((size_t)presses, sizeof *t);
    int n = 0, missed = 0;
    for (int i = 0; i < presses; i++) {
        bool forward = i % 2 == 0;
        double t0 = now();
        pty_send_key(&p, forward ? VTERM_KEY_RIGHT : VTERM_KEY_LEFT);
        double t1 = pty_wait(&p, forward ? s3 : s2, true, t0 + 5);
        if (t1)
            t[n++] = (t1 - t0) * 1e3;
        else
            missed++;
        pty_settle(&p, 30, 1000); /* the next key finds a quiet program */
    }
    pty_stop(&p, "q");

    /* The floor of this measure: one byte through the same pty, `cat` and emulator. */
    char *cat[] = {"/bin/cat", NULL};
    double *f = calloc((size_t)presses, sizeof *f);
    int nf = 0;
    if (pty_start(&p, cat, true)) {
        pty_settle(&p, 100, 1000);
        for (int i = 0; i < presses && i < 26 * 3; i++) {
            char key[2] = {(char)('a' + i % 26), '\0'};
            double t0 = now();
            pty_send(&p, key);
            /* the byte lands at row i / 80, column i % 80 */
            double t1 = 0;
            for (;;) {
                VTermScreenCell cell;
                vterm_screen_get_cell(p.screen, (VTermPos){.row = i / COLS, .col = i % COLS},
                                      &cell);
                if (cell.chars[0] == (uint32_t)key[0]) {
                    t1 = now();
                    break;
                }
                if (now() > t0 + 2 || p.eof)
                    break;
                pty_pump(&p, 100);
            }
            if (t1)
                f[nf++] = (t1 - t0) * 1e3;
        }
        kill(p.pid, SIGTERM);
        pty_stop(&p, NULL);
    }
    double mk = median(t, (size_t)n), mf = median(f, (size_t)nf);
    printf("   médiane %.3f ms, p90 %.3f ms, max %.3f ms (%d touches)\n", mk, p90(t, (size_t)n),
           n ? t[n - 1] : 0, n);
    if (missed)
        printf("   %d touches sans écran complet en 5 s\n", missed);
    printf("   plancher de la mesure (un octet renvoyé par cat sur le même pty) : médiane "
           "%.3f ms (%d octets)\n", mf, nf);
    char m[128], r[128], figure[128];
    fmt(m, sizeof m, "%.3f ms (p90 %.3f)", mk, p90(t, (size_t)n));
    fmt(r, sizeof r, "écho de cat %.3f ms", mf);
    fmt(figure, sizeof figure, "Touche → écran suivant, médiane de %d", n);
    summary_add(figure, m, "≤ 5 ms", r, n ? verdict(mk <= 5.0) : "non atteint");
    free(t);
    free(f);
}

/* Columns on screen: UTF-8 continuation bytes take none. */
static size_t columns(const char *s)
{
    size_t n = 0;
    for (; *s; s++)
        n += ((unsigned char)*s & 0xC0) != 0x80;
    return n;
}

/* VmHWM of a running process, in KiB (0 when unreadable). */
static long vm_hwm(pid_t pid)
{
    char path[64], line[256];
    snprintf(path, sizeof path, "/proc/%d/status", (int)pid);
    FILE *f = fopen(path, "r");
    long kib = 0;
    if (!f)
        return 0;
    while (fgets(line, sizeof line, f))
        if (sscanf(line, "VmHWM: %ld kB", &kib) == 1)
            break;
    fclose(f);
    return kib;
}

/* The returning official's session, for the wizard's peak memory: each stage sends keys, then
 * waits for a text on the screen (the step reached, the dossier open, results shown). */
static const struct {
    const char *keys, *want, *what;
    VTermKey key; /* sent first when not VTERM_KEY_NONE (the terminal's own sequence) */
} session[] = {
    {NULL, "tape 2", "premier écran (reprise sur l'étape 2)", VTERM_KEY_NONE},
    {"1", "tape 1/6", "étape 1", VTERM_KEY_NONE},
    {NULL, "tape 2/6", "étape 2", VTERM_KEY_RIGHT},
    {NULL, "tape 3/6", "étape 3", VTERM_KEY_RIGHT},
    {NULL, "tape 4/6", "étape 4", VTERM_KEY_RIGHT},
    {NULL, "tape 5/6", "étape 5", VTERM_KEY_RIGHT},
    {NULL, "tape 6/6", "étape 6", VTERM_KEY_RIGHT},
    {"d", "Finances locales", "mes dossiers", VTERM_KEY_NONE},
    {"\r", "Vérifications", "le dossier ouvert", VTERM_KEY_NONE},
    {NULL, "Mes dossiers", "retour à la liste", VTERM_KEY_ESCAPE},
    {"3", "tape 3/6", "étape 3", VTERM_KEY_NONE},
    {"r", "Nom ou th", "la recherche", VTERM_KEY_NONE},
    {"budget", "budget", "recherche « budget »", VTERM_KEY_NONE},
    {"\025urbanisme", "rbanisme", "recherche « urbanisme »", VTERM_KEY_NONE},
    {"\025com", "ommunication", "recherche « com »", VTERM_KEY_NONE},
    {"\025finances locales", "inances locales", "recherche « finances locales »", VTERM_KEY_NONE},
    {"\025management", "anagement", "recherche « management »", VTERM_KEY_NONE},
};

static void bench_memory(char *const wizard[], bool with_catalogue)
{
    printf("\n4. Mémoire de l'assistant au plus haut (ru_maxrss) sur une session d'élue qui "
           "revient : les six étapes, un dossier ouvert, cinq recherches, q\n");
    if (!with_catalogue)
        printf("   attention : pas de catalogue à côté de la base (bench_catalogue n'a pas "
               "tourné) : les recherches ne trouvent rien\n");
    struct pty p;
    if (!pty_start(&p, wizard, false)) {
        summary_add("Mémoire au plus haut (ru_maxrss)", "non mesuré", "≤ 10 Mo", "–",
                    "non atteint");
        return;
    }
    size_t n = sizeof session / sizeof *session, reached = 0;
    long hwm[sizeof session / sizeof *session] = {0};
    static char text[SCREEN_MAX];
    for (size_t i = 0; i < n; i++) {
        if (session[i].key != VTERM_KEY_NONE)
            pty_send_key(&p, session[i].key);
        /* typed text goes key by key, as a person types (each key is a search) */
        for (const char *k = session[i].keys; k && *k;) {
            size_t len = 1;
            while (((unsigned char)k[len] & 0xC0) == 0x80)
                len++; /* a whole UTF-8 character */
            char one[8];
            snprintf(one, sizeof one, "%.*s", (int)len, k);
            pty_send(&p, one);
            k += len;
            pty_settle(&p, 20, 2000);
        }
        bool seen = pty_wait(&p, session[i].want, false, now() + 10) != 0;
        pty_settle(&p, 100, 3000);
        hwm[i] = vm_hwm(p.pid);
        if (getenv("BENCH_VERBOSE") || !seen) {
            pty_text(&p, text, sizeof text);
            printf("   %s : %s\n%s", session[i].what, seen ? "vu" : "PAS VU", text);
        }
        if (!seen)
            break;
        reached++;
    }
    pty_send_key(&p, VTERM_KEY_ESCAPE);
    pty_settle(&p, 100, 2000);
    pty_send_key(&p, VTERM_KEY_ESCAPE);
    pty_settle(&p, 100, 2000);
    pty_send(&p, "q");
    double end = now() + 5;
    while (!p.eof && now() < end)
        pty_pump(&p, 100);
    if (!p.eof)
        kill(p.pid, SIGKILL);
    int status = 0;
    struct rusage ru;
    memset(&ru, 0, sizeof ru);
    pid_t got = wait4(p.pid, &status, 0, &ru);
    close(p.fd);
    vterm_free(p.vt);
    /* ru_maxrss and VmHWM are counted apart by the kernel and may differ by a few pages:
     * the larger of the two. */
    long peak = got == p.pid ? ru.ru_maxrss : 0;
    for (size_t i = 0; i < reached; i++)
        if (hwm[i] > peak)
            peak = hwm[i];
    for (size_t i = 0; i < reached; i++)
        if (i == 0 || i + 1 == reached || hwm[i] != hwm[i - 1])
            printf("   après %s%*s VmHWM %6.2f Mo\n", session[i].what,
                   (int)(38 - columns(session[i].what)), "", hwm[i] * 1024 / 1e6);
    bool complete = reached == n;
    printf("   au plus haut sur toute la session (ru_maxrss de wait4, ou VmHWM si plus "
           "grand) : %.2f Mo (%ld Kio) — "
           "objectif ≤ 10 Mo (10 000 000 octets)%s\n", peak * 1024 / 1e6, peak,
           complete ? "" : " ; session incomplète");
    char m[128], r[160];
    fmt(m, sizeof m, "%.2f Mo%s", peak * 1024 / 1e6, complete ? "" : " (session incomplète)");
    fmt(r, sizeof r, "après le premier écran %.2f Mo", hwm[0] * 1024 / 1e6);
    summary_add("Mémoire au plus haut (ru_maxrss), session complète", m, "≤ 10 Mo", r,
                peak > 0 && complete ? verdict(peak * 1024 <= 10000000) : "non atteint");
}

static void bench_reglage(char *const wizard[], const char *bin, const char *db_opt, int changes)
{
    printf("\n5. Un reglage écrit par un autre processus, jusqu'à l'écran de l'assistant "
           "(accueil)\n");
    struct pty p;
    if (!pty_start(&p, wizard, false))
        return;
    pty_settle(&p, 500, 10000);
    pty_send(&p, "h");
    pty_settle(&p, 300, 5000);
    double *t = calloc((size_t)changes, sizeof *t);
    double *from_start = calloc((size_t)changes, sizeof *from_start);
    int n = 0, missed = 0, failed = 0, early = 0;
    for (int i = 0; i < changes; i++) {
        char phone[64];
        snprintf(phone, sizeof phone, "04 76 %02d %02d %02d", 10 + i, 20 + i, 30 + i);
        double t_start = now();
        pid_t pid = fork();
        if (pid == 0) {
            int devnull = open("/dev/null", O_RDWR);
            dup2(devnull, 0);
            dup2(devnull, 1);
            dup2(devnull, 2);
            execle(bin, bin, db_opt, "reglage", "organisme.telephone", phone, (char *)NULL,
                   child_env);
            _exit(127);
        }
        /* The screen is read while the reglage runs too: the wizard may show the change
         * before the process has finished exiting (then it counts as 0 from the exit). */
        int pidfd = (int)syscall(SYS_pidfd_open, pid, 0);
        int status = 0;
        double t_exit = 0, t_shown = 0;
        static char text[SCREEN_MAX];
        for (;;) {
            if (!t_shown) {
                pty_text(&p, text, sizeof text);
                plain_spaces(text);
                if (strstr(text, phone))
                    t_shown = now();
            }
            if (!t_exit && waitpid(pid, &status, WNOHANG) == pid)
                t_exit = now();
            if (t_exit && (t_shown || now() > t_exit + 2 || !WIFEXITED(status) ||
                           WEXITSTATUS(status) != 0))
                break;
            struct pollfd fds[2] = {{.fd = p.fd, .events = POLLIN},
                                    {.fd = pidfd, .events = POLLIN}};
            int wait_ms = t_exit ? (int)((t_exit + 2 - now()) * 1e3) + 1 : pidfd < 0 ? 1 : 2000;
            if (p.eof)
                poll(fds + 1, t_exit || pidfd < 0 ? 0 : 1, wait_ms);
            else if (poll(fds, t_exit || pidfd < 0 ? 1 : 2, wait_ms) > 0 && fds[0].revents)
                pty_pump(&p, 0);
        }
        if (pidfd >= 0)
            close(pidfd);
        if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
            failed++;
            continue;
        }
        if (t_shown) {
            t[n] = t_shown > t_exit ? (t_shown - t_exit) * 1e3 : 0;
            from_start[n++] = (t_shown - t_start) * 1e3;
            early += t_shown <= t_exit;
        } else {
            missed++;
            if (missed == 3 && n == 0)
                break; /* the wizard does not watch the database: no use waiting 2 s more */
        }
    }
    /* Whether the last change is there after a key that redraws the same screen: tells a
     * wizard that does not watch the database from a bench that looks for the wrong text. */
    bool after_key = false;
    if (missed && !n) {
        char phone[64];
        snprintf(phone, sizeof phone, "04 76 %02d %02d %02d", 10 + missed - 1, 20 + missed - 1,
                 30 + missed - 1);
        pty_send(&p, "h");
        after_key = pty_wait(&p, phone, false, now() + 2) != 0;
    }
    if (getenv("BENCH_VERBOSE")) {
        static char text[SCREEN_MAX];
        pty_text(&p, text, sizeof text);
        printf("%s", text);
    }
    pty_stop(&p, "q");
    char m[128], figure[128];
    double med = median(t, (size_t)n);
    double med_start = median(from_start, (size_t)n);
    if (n) {
        printf("   depuis la fin du processus reglage : médiane %.1f ms, max %.1f ms (%d "
               "changements affichés)\n", med, t[n - 1], n);
        printf("   depuis son lancement : médiane %.1f ms, max %.1f ms ; %d affichés avant "
               "même qu'il ait fini (comptés 0 ms ci-dessus)\n", med_start,
               from_start[n - 1], early);
    }
    if (missed)
        printf("   pas affiché après 2 s : %d changement%s sur %d\n", missed,
               missed > 1 ? "s" : "", n + missed);
    if (missed && !n) {
        /* The database has it (read back in-process), or the bench looked for nothing. */
        char err[1024], stored[256] = "";
        store *st = store_open(db_opt + strlen("--db="), err, sizeof err);
        if (st) {
            store_setting_get(st, "organisme.telephone", stored, sizeof stored);
            store_close(st);
        }
        printf("   après une touche (h), le nouveau numéro %s (dans la base : « %s »)\n",
               after_key ? "est à l'écran : l'assistant ne relit la base qu'à une touche"
                         : "n'est toujours pas à l'écran, alors que la base l'a",
               stored);
    }
    if (failed)
        printf("   reglage en échec : %d fois\n", failed);
    if (n && !missed)
        fmt(m, sizeof m, "%.1f ms (max %.1f)", med, t[n - 1]);
    else if (n)
        fmt(m, sizeof m, "%.1f ms ; %d/%d pas affichés après 2 s", med, missed, n + missed);
    else
        fmt(m, sizeof m, "pas affiché après 2 s (%d/%d)", missed, missed + failed);
    fmt(figure, sizeof figure, "Reglage d'un autre processus → écran");
    char r[128] = "–";
    if (n)
        fmt(r, sizeof r, "depuis son lancement %.1f ms", med_start);
    summary_add(figure, m, "≤ 100 ms", r, verdict(n && !missed && t[n - 1] <= 100.0));
    free(t);
    free(from_start);
}

static int env_int(const char *name, int fallback, int least)
{
    const char *v = getenv(name);
    int n = v && *v ? atoi(v) : fallback;
    return n < least ? least : n;
}

int main(int argc, char **argv)
{
    const char *bin = argc > 1 ? argv[1] : "build/difelus";
    const char *dir = argc > 2 ? argv[2] : "build/bench";
    mkdir(dir, 0755);
    snprintf(summary_path, sizeof summary_path, "%s/resume-assistant.tsv", dir);
    FILE *summary = fopen(summary_path, "w"); /* a new table for this run */
    if (summary)
        fclose(summary);
    setvbuf(stdout, NULL, _IOLBF, 0);
    signal(SIGPIPE, SIG_IGN);

    char abs_bin[4096], abs_dir[4096], db[4200], db_opt[4300], home[4300], lang[64];
    if (!realpath(bin, abs_bin) || !realpath(dir, abs_dir)) {
        printf("%s introuvable : faites d'abord make\n", bin);
        return 0;
    }
    snprintf(db, sizeof db, "%s/officielle.db", abs_dir);
    snprintf(db_opt, sizeof db_opt, "--db=%s", db);
    snprintf(home, sizeof home, "HOME=%s", abs_dir);
    /* The official's locale when it exists (make deps creates it). */
    snprintf(lang, sizeof lang, "LANG=%s",
             system("locale -a 2>/dev/null | grep -qi '^fr_FR\\.utf-\\?8$'") == 0
                 ? "fr_FR.UTF-8" : "C.UTF-8");
    char *path = getenv("PATH"), *tz = getenv("TZ"), *today = getenv("DIFELUS_AUJOURDHUI");
    char path_env[4200], tz_env[256], today_env[64];
    snprintf(path_env, sizeof path_env, "PATH=%s", path ? path : "/usr/bin:/bin");
    snprintf(tz_env, sizeof tz_env, "TZ=%s", tz ? tz : "");
    snprintf(today_env, sizeof today_env, "DIFELUS_AUJOURDHUI=%s", today ? today : "");
    char *env[] = {path_env, home, lang, "TERM=xterm-256color", tz ? tz_env : NULL, NULL, NULL};
    if (today) {
        for (int i = 0; i < 6; i++)
            if (!env[i]) {
                env[i] = today_env;
                break;
            }
    }
    child_env = env;

    int runs = env_int("BENCH_RUNS", 31, 21), presses = env_int("BENCH_PRESSES", 60, 50),
        changes = env_int("BENCH_CHANGES", 10, 10);
    printf("\ndifelus bench — l'assistant sur un pty de %d×%d, %s, TERM=xterm-256color\n", COLS,
           ROWS, lang + 5);
    /* The wizard opens the catalogue beside its database: bench_catalogue's, when it ran. */
    char cat[4300];
    struct stat sb;
    snprintf(cat, sizeof cat, "%s/catalogue.db", abs_dir);
    if (stat(cat, &sb) == 0)
        printf("base %s, avec à côté le catalogue ci-dessus (%.1f Mo)\n", db, sb.st_size / 1e6);
    else
        printf("base %s, sans catalogue\n", db);
    if (!make_database(db)) {
        return 0;
    }
    char *wizard[] = {abs_bin, db_opt, NULL};
    const char *dialog_path = NULL;
    static const char *const dialogs[] = {"/usr/bin/dialog", "/bin/dialog",
                                          "/usr/local/bin/dialog"};
    for (size_t i = 0; i < sizeof dialogs / sizeof *dialogs && !dialog_path; i++)
        if (access(dialogs[i], X_OK) == 0)
            dialog_path = dialogs[i];

    bench_startup(wizard, dialog_path, runs);
    bench_ldd(abs_bin);
    bench_keys(wizard, presses);
    bench_memory(wizard, stat(cat, &sb) == 0);
    bench_reglage(wizard, abs_bin, db_opt, changes);
    return 0;
}
