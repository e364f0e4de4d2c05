/* make bench: the shared session's latency (issue 9's target: p50 ≤ 5 ms, p99 ≤ 25 ms over
 * loopback). The real relay on 127.0.0.1, the official's wizard and the agent's
 * `difelus assister` on two pseudo-terminals (tests/harness.c, libvterm); the official
 * ticks and unticks a row of step 1, N times (default 1 000), one at a time: each tick is
 * timed from the official's commit (the changeset taken and handed to difelus-partage) to
 * the agent's redraw once it applied that changeset, read from the DIFELUS_TRACE files of
 * the two processes (CLOCK_MONOTONIC, paired by the changeset's fingerprint, see trace.h).
 * Also printed: from the key sent to the official's terminal until the agent's terminal
 * shows the tick, as this process sees it. Prints figures; never fails the build.
 *
 * Usage: bench_share [BIN [DIR [TICKS]]] */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "../tests/harness.h"

static void summary_failed(const char *why);

/* share_e2e.h's checks, without cmocka: a bench says what went wrong (also in the summary
 * table) and stops. */
#define fail_msg(...)                                                                      \
    do {                                                                                   \
        char why_[512];                                                                    \
        snprintf(why_, sizeof why_, __VA_ARGS__);                                          \
        printf("  mesure impossible : %s\n", why_);                                        \
        summary_failed(why_);                                                              \
        exit(0);                                                                           \
    } while (0)
#define assert_true(c)                                                                     \
    do {                                                                                   \
        if (!(c))                                                                          \
            fail_msg("%s", #c);                                                            \
    } while (0)
#define assert_int_equal(a, b) assert_true((a) == (b))
#include "../tests/share_e2e.h"

static uint64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static int compare_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

static uint64_t percentile(const uint64_t *sorted, size_t n, unsigned p)
{
    if (!n)
        return 0;
    size_t k = (n * p + 99) / 100;
    return sorted[k ? k - 1 : 0];
}

/* Rows of the summary table (<dir>/resume-partage.tsv, printed by bench_resume): figure,
 * measured, target, same-run reference, verdict. */
static char summary_path[4200];

static void summary_add(const char *figure, const char *measured, const char *target,
                        const char *reference, const char *verdict)
{
    FILE *f = fopen(summary_path, "a");
    if (!f)
        return;
    fprintf(f, "%s\t%s\t%s\t%s\t%s\n", figure, measured, target, reference, verdict);
    fclose(f);
}

static void summary_failed(const char *why)
{
    char m[600];
    snprintf(m, sizeof m, "mesure impossible : %s", why);
    summary_add("Partage : commit de l'élu → écran de l'agent", m,
                "p50 ≤ 5 ms, p99 ≤ 25 ms", "–", "non atteint");
}

/* Sorts v, prints its p50/p99/max; p50 and p99 in ms into out[0], out[1] when out. */
static void print_figures(const char *what, uint64_t *v, size_t n, const char *target,
                          double *out)
{
    qsort(v, n, sizeof *v, compare_u64);
    if (out) {
        out[0] = percentile(v, n, 50) / 1e6;
        out[1] = percentile(v, n, 99) / 1e6;
    }
    printf("  %s (%zu) : p50 %.3f ms   p99 %.3f ms   max %.3f ms%s%s\n", what, n,
           percentile(v, n, 50) / 1e6, percentile(v, n, 99) / 1e6, n ? v[n - 1] / 1e6 : 0.0,
           target ? "   objectif " : "", target ? target : "");
}

struct point {
    char event[16];
    char print[20];
    uint64_t at;
};

/* The lines "<event> <fingerprint> <ns>" of a trace file that are `event`, from `since`
 * on. */
static struct point *read_points(const char *path, const char *event, uint64_t since,
                                 size_t *n)
{
    char *text = harness_read_file(path, NULL);
    *n = 0;
    if (!text)
        return NULL;
    size_t cap = 1024;
    struct point *v = malloc(cap * sizeof *v);
    for (char *line = strtok(text, "\n"); line && v; line = strtok(NULL, "\n")) {
        struct point p;
        unsigned long long at;
        if (sscanf(line, "%15s %19s %llu", p.event, p.print, &at) != 3 ||
            strcmp(p.event, event) != 0 || at < since)
            continue;
        p.at = at;
        if (*n == cap) {
            struct point *grown = realloc(v, (cap *= 2) * sizeof *v);
            if (!grown)
                break;
            v = grown;
        }
        v[(*n)++] = p;
    }
    free(text);
    return v;
}

/* The relay is no child of a terminal: stopped at exit, even after « mesure impossible ». */
static struct relay relay;

static void stop_relay(void)
{
    relay_stop(&relay);
}

int main(int argc, char **argv)
{
    const char *bin = argc > 1 ? argv[1] : "build/difelus";
    const char *dir_arg = argc > 2 ? argv[2] : "build/bench";
    int ticks = argc > 3 ? atoi(argv[3]) : 1000;
    if (ticks < 10)
        ticks = 10;
    setvbuf(stdout, NULL, _IOLBF, 0);
    printf("\ndifelus bench — partage : %d coches de l'élu jusqu'à l'écran de l'agent, par le "
           "relais sur 127.0.0.1\n",
           ticks);
    char abs_bin[4096];
    if (!realpath(bin, abs_bin) || access(share_helper("difelus-relais"), X_OK) != 0 ||
        access(share_helper("difelus-partage"), X_OK) != 0) {
        printf("  %s ou ses programmes auxiliaires manquent : faites d'abord make\n", bin);
        return 0;
    }
    setenv("DIFELUS_BIN", abs_bin, 1);
    mkdir(dir_arg, 0755);
    snprintf(summary_path, sizeof summary_path, "%s/resume-partage.tsv", dir_arg);
    FILE *summary = fopen(summary_path, "w"); /* a new table for this run */
    if (summary)
        fclose(summary);
    char dir[4096], real[4096];
    snprintf(dir, sizeof dir, "%s/partage-XXXXXX", dir_arg);
    if (!mkdtemp(dir) || !realpath(dir, real)) {
        printf("  dossier %s impossible : %s\n", dir, strerror(errno));
        return 0;
    }
    snprintf(dir, sizeof dir, "%s", real);

    atexit(stop_relay);
    relay_start(&relay, dir, "relais", NULL);
    char token[33];
    relay_agent_add(relay.agents, dir, "Camille Martin", "Gestions Locales", token);
    char db_opt[4300], relay_env[128], token_env[64], trace_official[4300],
        trace_agent[4300], official_env[4400], agent_env[4400];
    snprintf(db_opt, sizeof db_opt, "--db=%s/difelus.db", dir);
    snprintf(relay_env, sizeof relay_env, "DIFELUS_RELAIS=%s", relay.url);
    snprintf(token_env, sizeof token_env, "DIFELUS_JETON=%s", token);
    snprintf(trace_official, sizeof trace_official, "%s/trace-officiel.txt", dir);
    snprintf(trace_agent, sizeof trace_agent, "%s/trace-agent.txt", dir);
    snprintf(official_env, sizeof official_env, "DIFELUS_TRACE=%s", trace_official);
    snprintf(agent_env, sizeof agent_env, "DIFELUS_TRACE=%s", trace_agent);

    struct term *official = term_start(24, 80, (const char *[]){db_opt, NULL},
                                       (const char *[]){relay_env, official_env, NULL});
    term_watch(official);
    if (!term_wait_for(official, "Accueil"))
        fail_msg("l'assistant de l'élu ne démarre pas");
    term_send(official, "a");
    if (!term_wait_for(official, "Code :"))
        fail_msg("pas de code à l'écran de l'élu");
    char code[10] = "";
    const char *screen = term_text(official);
    for (const char *at = harness_strstr(screen, "Code :"); at && *at && !code[0]; at++)
        if (strspn(at, "0123456789ABCDEFGHJKMNPQRSTVWXYZ") == 4 && at[4] == '-')
            snprintf(code, sizeof code, "%.9s", at);
    if (!code[0])
        fail_msg("code illisible à l'écran de l'élu");
    term_send(official, "1");
    if (!term_wait_for(official, "Étape 1/6"))
        fail_msg("l'étape 1 ne s'affiche pas");
    struct term *agent = term_start(24, 80, (const char *[]){"assister", code, NULL},
                                    (const char *[]){relay_env, token_env, agent_env, NULL});
    term_watch(agent);
    if (!term_wait_for(official, "DEMANDE DU SUPPORT"))
        fail_msg("la demande de l'agent n'arrive pas");
    /* o answers only after a second without keys (a word being typed is not an answer) */
    if (!term_wait_for(official, "o : accepter"))
        fail_msg("la question ne propose pas de réponse");
    term_send(official, "o");
    if (!term_wait_for(agent, "Étape 1/6"))
        fail_msg("l'agent ne voit pas l'écran de l'élu");

    /* One tick at a time, the next only once the agent shows the last. Space ticks the
     * first row and moves the focus to the second, ↑ brings it back, Space unticks (the
     * focus stays): three changes of the official's base for two ticks, all timed. */
    uint64_t *seen = calloc((size_t)ticks, sizeof *seen);
    int done = 0;
    double commit_ms[2] = {0, 0};
    size_t commits_timed = 0;
    uint64_t start = now_ns();
    for (; done < ticks; done++) {
        bool tick = done % 2 == 0;
        uint64_t t0 = now_ns();
        term_send(official, " ");
        if (tick ? !term_wait_for(agent, "> [ ] J'ai installé") ||
                       !term_wait_for(agent, "[x] J'ai choisi : L")
                 : !term_wait_for(agent, "> [ ] J'ai choisi : L"))
            break;
        seen[done] = now_ns() - t0;
        if (tick) {
            term_send_key(official, TK_UP);
            if (!term_wait_for(agent, "> [x] J'ai choisi : L"))
                break;
        }
    }
    double seconds = (now_ns() - start) / 1e9;
    printf("  %d coches et décoches (et %d ↑) en %.1f s\n", done, (done + 1) / 2, seconds);
    term_send(official, "q");
    /* quitting with an agent connected asks first (the share ends too) */
    if (term_wait_for(official, "Quitter ? o : oui"))
        term_send(official, "o");
    term_wait_exit(official);
    term_send(agent, "q");
    term_wait_exit(agent);
    term_free(agent);
    term_free(official);
    relay_stop(&relay);

    /* Pairs: the k-th commit of a fingerprint with the k-th redraw of it. */
    size_t ncommit, nredraw;
    struct point *commits = read_points(trace_official, "commit", start, &ncommit);
    struct point *redraws = read_points(trace_agent, "redraw", start, &nredraw);
    if (!ncommit || !nredraw) {
        printf("  pas de points DIFELUS_TRACE (commit : %zu, redraw : %zu) : seule la mesure "
               "vue des terminaux est donnée\n",
               ncommit, nredraw);
    } else {
        uint64_t *lat = calloc(ncommit, sizeof *lat);
        bool *used = calloc(nredraw, sizeof *used);
        size_t n = 0, unmatched = 0;
        for (size_t i = 0; i < ncommit; i++) {
            size_t j;
            for (j = 0; j < nredraw; j++)
                if (!used[j] && strcmp(redraws[j].print, commits[i].print) == 0 &&
                    redraws[j].at >= commits[i].at)
                    break;
            if (j == nredraw) {
                unmatched++;
                continue;
            }
            used[j] = true;
            lat[n++] = redraws[j].at - commits[i].at;
        }
        /* In commit order: tick, focus, untick, tick, focus… (before sorting) */
        uint64_t *ticks_only = calloc(n ? n : 1, sizeof *ticks_only);
        size_t k = 0;
        bool ordered = ncommit == (size_t)done + (size_t)(done + 1) / 2 && n == ncommit;
        for (size_t i = 0; ordered && ticks_only && i < n; i++)
            if (i % 3 != 1)
                ticks_only[k++] = lat[i];
        print_figures("commit de l'élu → écran de l'agent redessiné, tout changement", lat, n,
                      "p50 ≤ 5 ms, p99 ≤ 25 ms", commit_ms);
        commits_timed = n;
        if (k)
            print_figures("dont les coches et décoches seules", ticks_only, k, NULL, NULL);
        free(ticks_only);
        if (unmatched)
            printf("  %zu changements de l'élu sans dessin de l'agent apparié\n", unmatched);
        free(lat);
        free(used);
    }
    free(commits);
    free(redraws);
    double seen_ms[2] = {0, 0};
    print_figures("Espace chez l'élu → coche chez l'agent (vu des terminaux par ce banc)", seen,
                  (size_t)done, NULL, seen_ms);
    free(seen);
    char figure[160], m[128], r[160];
    snprintf(figure, sizeof figure, "Partage : commit de l'élu → écran de l'agent (%zu)",
             commits_timed);
    snprintf(m, sizeof m, "p50 %.2f ms, p99 %.2f ms", commit_ms[0], commit_ms[1]);
    snprintf(r, sizeof r, "vu des terminaux : p50 %.2f ms, p99 %.2f ms", seen_ms[0], seen_ms[1]);
    if (commits_timed)
        summary_add(figure, m, "p50 ≤ 5 ms, p99 ≤ 25 ms", r,
                    commit_ms[0] <= 5 && commit_ms[1] <= 25 && done == ticks ? "atteint"
                                                                               : "non atteint");
    else
        summary_add("Partage : commit de l'élu → écran de l'agent", "pas de points de trace",
                    "p50 ≤ 5 ms, p99 ≤ 25 ms", r, "non atteint");
    return 0;
}
