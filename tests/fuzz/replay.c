/* Replays a fuzz target's corpus without clang: `make test` builds this driver with the
 * ordinary compiler for each tests/fuzz/fuzz_<name>.c (build/tests/fuzz_replay_<name>) and
 * feeds it every file of tests/fuzz-corpus/<name>/ — under `make asan` with ASan and UBSan,
 * under `make valgrind` with valgrind. With file or folder arguments, replays those instead
 * (to reproduce a finding of `make fuzz` from build/fuzz/crashes/).
 * It prints cmocka's summary lines so that tests/run.sh counts it as one test. */
#include <dirent.h>
#include <ftw.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#ifndef FUZZ_NAME
#error "FUZZ_NAME: the target's name, given by the Makefile"
#endif

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
/* Optional in a target, as with libFuzzer. */
int LLVMFuzzerInitialize(int *argc, char ***argv) __attribute__((weak));

/* The input being replayed, named when the target crashes (the sanitizers' reports do not
 * say which file it was). */
static char current[4096];

static void on_fatal(int sig)
{
    static const char head[] = "\nEntrée en cause : ";
    ssize_t w = write(2, head, sizeof head - 1);
    w = write(2, current, strlen(current));
    w = write(2, "\n", 1);
    (void)w;
    signal(sig, SIG_DFL);
    raise(sig);
}

static int cmp_names(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Runs one file through the target; 0, or -1 when it cannot be read. */
static int replay_file(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        fprintf(stderr, "%s : illisible\n", path);
        return -1;
    }
    struct stat sb;
    if (fstat(fileno(f), &sb) != 0 || sb.st_size < 0) {
        fclose(f);
        return -1;
    }
    size_t size = (size_t)sb.st_size;
    /* Exactly size bytes (at least one to malloc), so that ASan sees any overread. */
    uint8_t *buf = malloc(size ? size : 1);
    if (!buf || (size && fread(buf, 1, size, f) != size)) {
        fprintf(stderr, "%s : lecture impossible\n", path);
        free(buf);
        fclose(f);
        return -1;
    }
    fclose(f);
    snprintf(current, sizeof current, "%s", path);
    if (getenv("FUZZ_REPLAY_VERBOSE"))
        fprintf(stderr, "%s\n", path);
    LLVMFuzzerTestOneInput(buf, size);
    free(buf);
    return 0;
}

/* A folder's files in name order (a stable order whatever the file system). Returns the
 * number replayed, -1 on an unreadable file. */
static long replay_dir(const char *dir)
{
    DIR *d = opendir(dir);
    if (!d) {
        fprintf(stderr, "%s : dossier du corpus introuvable\n", dir);
        return -1;
    }
    char **names = NULL;
    size_t n = 0, cap = 0;
    struct dirent *e;
    while ((e = readdir(d))) {
        if (e->d_name[0] == '.')
            continue;
        if (n == cap) {
            cap = cap ? cap * 2 : 64;
            char **grown = realloc(names, cap * sizeof *names);
            if (!grown)
                abort();
            names = grown;
        }
        names[n] = malloc(strlen(dir) + strlen(e->d_name) + 2);
        if (!names[n])
            abort();
        sprintf(names[n], "%s/%s", dir, e->d_name);
        n++;
    }
    closedir(d);
    if (n)
        qsort(names, n, sizeof *names, cmp_names);
    long done = 0;
    for (size_t i = 0; i < n; i++) {
        struct stat sb;
        if (stat(names[i], &sb) == 0 && S_ISREG(sb.st_mode)) {
            if (replay_file(names[i]) != 0)
                done = -1;
            else if (done >= 0)
                done++;
        }
        free(names[i]);
    }
    free(names);
    return done;
}

static int replay(int argc, char **argv)
{
    static const int fatal[] = {SIGSEGV, SIGABRT, SIGBUS, SIGILL, SIGFPE};
    for (size_t i = 0; i < sizeof fatal / sizeof fatal[0]; i++)
        signal(fatal[i], on_fatal);
    if (LLVMFuzzerInitialize)
        LLVMFuzzerInitialize(&argc, &argv);

    printf("[==========] Rejeu du corpus de fuzz_%s\n", FUZZ_NAME);
    fflush(stdout);
    long total = 0;
    int bad = 0;
    if (argc > 1) {
        for (int i = 1; i < argc; i++) {
            struct stat sb;
            long n = stat(argv[i], &sb) == 0 && S_ISDIR(sb.st_mode) ? replay_dir(argv[i])
                     : replay_file(argv[i]) == 0                    ? 1
                                                                    : -1;
            if (n < 0)
                bad = 1;
            else
                total += n;
        }
    } else {
        long n = replay_dir("tests/fuzz-corpus/" FUZZ_NAME);
        if (n <= 0) /* an empty corpus replays nothing: that is a mistake too */
            bad = 1;
        else
            total = n;
    }
    if (bad) {
        printf("[  FAILED  ] 1 test(s), listed below:\n[  FAILED  ] fuzz_%s\n", FUZZ_NAME);
        return 1;
    }
    printf("[       OK ] fuzz_%s : %ld entrée(s) rejouée(s)\n", FUZZ_NAME, total);
    printf("[  PASSED  ] 1 test(s).\n");
    return 0;
}

static int remove_entry(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
    (void)sb;
    (void)flag;
    (void)ftw;
    return remove(path);
}

/* The target's files (databases, catalogues) go to a TMPDIR of this replay's own, removed
 * however the replay ends: it runs in a child, so that an abort (a FUZZ_CHECK) or a crash,
 * which skip the target's cleanup at exit, leave nothing behind either. The child's end is
 * the replay's: its exit status, or the same signal. */
int main(int argc, char **argv)
{
    const char *base = getenv("TMPDIR");
    if (!base || !*base)
        base = access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp";
    char own[4096];
    snprintf(own, sizeof own, "%s/difelus-replay-%s-XXXXXX", base, FUZZ_NAME);
    if (!mkdtemp(own)) {
        fprintf(stderr, "%s : dossier temporaire impossible à créer\n", own);
        return 1;
    }
    setenv("TMPDIR", own, 1);
    fflush(NULL);
    pid_t pid = fork();
    if (pid == 0)
        exit(replay(argc, argv));
    int status = 0;
    while (pid > 0 && waitpid(pid, &status, 0) < 0)
        ;
    nftw(own, remove_entry, 8, FTW_DEPTH | FTW_PHYS);
    if (pid < 0) {
        fprintf(stderr, "fuzz_%s : processus impossible à lancer\n", FUZZ_NAME);
        return 1;
    }
    if (WIFSIGNALED(status)) {
        signal(WTERMSIG(status), SIG_DFL);
        raise(WTERMSIG(status));
    }
    return WIFEXITED(status) ? WEXITSTATUS(status) : 1;
}
