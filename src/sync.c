#include "difelus/sync.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "difelus/syserr.h"
#include "difelus/text.h"
#include "store_internal.h"

#ifndef DIFELUS_LIBEXECDIR
#define DIFELUS_LIBEXECDIR "/usr/local/libexec/difelus"
#endif

extern char **environ;

/* ---- the protocol ---- */

/* A whole decimal number as the helper writes it: digits only, no sign, no leading zero,
 * no overflow. */
static bool parse_number(const char *s, long long *out)
{
    size_t n = strlen(s);
    if (n == 0 || n > 18 || (n > 1 && s[0] == '0'))
        return false;
    long long v = 0;
    for (; *s; s++) {
        if (*s < '0' || *s > '9')
            return false;
        v = v * 10 + (*s - '0');
    }
    *out = v;
    return true;
}

static const char *const error_codes[] = {"connexion", "delai", "http", "incomplet", "ecriture",
                                          "taille", "adresse", "tls", "reseau"};

int sync_parse_message(const char *line, size_t len, struct sync_msg *m)
{
    memset(m, 0, sizeof *m);
    if (len == 0 || len >= SYNC_LINE_MAX || memchr(line, '\0', len))
        return -1;
    char buf[SYNC_LINE_MAX];
    memcpy(buf, line, len);
    buf[len] = '\0';
    /* The helper never sends control characters nor invalid UTF-8: such a line is not its. */
    if (!text_is_clean(buf))
        return -1;
    char *rest = strchr(buf, ' ');
    if (!rest)
        return -1;
    *rest++ = '\0';
    if (strcmp(buf, "progression") == 0) {
        char *second = strchr(rest, ' ');
        if (!second)
            return -1;
        *second++ = '\0';
        m->kind = SYNC_MSG_PROGRESS;
        if (!parse_number(rest, &m->bytes) || !parse_number(second, &m->total) ||
            (m->total > 0 && m->bytes > m->total))
            return -1;
        return 0;
    }
    if (strcmp(buf, "fini") == 0) {
        m->kind = SYNC_MSG_DONE;
        return parse_number(rest, &m->bytes) ? 0 : -1;
    }
    if (strcmp(buf, "erreur") == 0) {
        m->kind = SYNC_MSG_ERROR;
        char *text = strchr(rest, ' ');
        if (!text || !text[1])
            return -1;
        *text++ = '\0';
        bool known = false;
        for (size_t i = 0; i < sizeof error_codes / sizeof error_codes[0]; i++)
            known = known || strcmp(rest, error_codes[i]) == 0;
        if (!known)
            return -1;
        snprintf(m->code, sizeof m->code, "%s", rest);
        if (strcmp(rest, "http") == 0) {
            long long status;
            if (!parse_number(text, &status) || status < 100 || status > 999)
                return -1;
            m->status = (long)status;
        }
        snprintf(m->text, sizeof m->text, "%s", text);
        return 0;
    }
    return -1;
}

/* ---- the helper ---- */

static bool executable(const char *dir, const char *sub, const char *name, char *out,
                       size_t outlen)
{
    int n = snprintf(out, outlen, "%s%s/%s", dir, sub, name);
    return n > 0 && (size_t)n < outlen && access(out, X_OK) == 0;
}

bool sync_helper_path(char *out, size_t outlen)
{
    return libexec_path(SYNC_HELPER, out, outlen);
}

const char *libexec_dir(void)
{
    return DIFELUS_LIBEXECDIR;
}

bool libexec_path(const char *name, char *out, size_t outlen)
{
    const char *env = getenv("DIFELUS_LIBEXEC_DIR");
    if (env && *env)
        return executable(env, "", name, out, outlen);
    char self[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
    if (n > 0) {
        self[n] = '\0';
        char *slash = strrchr(self, '/');
        if (slash) {
            *slash = '\0';
            /* A build tree (build/difelus, build/libexec/difelus/), its test programs
             * (build/tests/), or an installed tree (bin/ beside libexec/). */
            if (executable(self, "/libexec/difelus", name, out, outlen) ||
                executable(self, "/../libexec/difelus", name, out, outlen))
                return true;
        }
    }
    return executable(DIFELUS_LIBEXECDIR, "", name, out, outlen);
}

/* Ends the job with a French message: the helper is stopped and waited for. */
static enum sync_state fail(struct sync_job *job, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void stop_helper(struct sync_job *job, int *wstatus)
{
    if (job->pid > 0) {
        kill(job->pid, SIGKILL);
        while (waitpid(job->pid, wstatus, 0) < 0 && errno == EINTR)
            ;
        job->pid = 0;
    }
    if (job->msg_fd >= 0)
        close(job->msg_fd);
    job->msg_fd = -1;
}

static enum sync_state fail(struct sync_job *job, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(job->err, sizeof job->err, fmt, ap);
    va_end(ap);
    text_typeset(job->err, sizeof job->err);
    stop_helper(job, NULL);
    if (job->body)
        fclose(job->body);
    job->body = NULL;
    job->state = SYNC_FAILED;
    return job->state;
}

int sync_job_start(store *st, const struct sync_options *opt, struct sync_job *job, char *err,
                   size_t errlen)
{
    memset(job, 0, sizeof *job);
    job->msg_fd = -1;
    job->wizard = opt->wizard;
    const char *base = opt->base_url;
    if (!base || !*base)
        base = getenv("DIFELUS_CATALOGUE_URL");
    if (!base || !*base)
        base = SYNC_DEFAULT_BASE;
    size_t blen = strlen(base);
    while (blen > 0 && base[blen - 1] == '/')
        blen--;
    if (blen >= sizeof job->base || blen + strlen(SYNC_EXPORT_PATH) >= sizeof job->url) {
        text_msgf(err, errlen, "Adresse du catalogue trop longue.");
        return -1;
    }
    snprintf(job->base, sizeof job->base, "%.*s", (int)blen, base);
    snprintf(job->url, sizeof job->url, "%s%s", job->base, SYNC_EXPORT_PATH);
    job->stall = opt->stall_seconds > 0 ? opt->stall_seconds : 60;
    job->max = opt->max_bytes > 0 ? opt->max_bytes : 2LL << 30;

    char helper[PATH_MAX + 64];
    if (!sync_helper_path(helper, sizeof helper)) {
        text_msgf(err, errlen, "Le programme de téléchargement %s est introuvable (cherché à "
                              "côté de difelus et dans %s). Réinstallez difelus («\u00a0make "
                              "install\u00a0»).", SYNC_HELPER, DIFELUS_LIBEXECDIR);
        return -1;
    }
    /* The download goes to a file without a name (unlinked at once): a killed sync
     * leaves nothing behind, and the import reads it like any file. */
    char tmp[4200];
    snprintf(tmp, sizeof tmp, "%s", store_path(st));
    char *slash = strrchr(tmp, '/');
    snprintf(slash ? slash + 1 : tmp, sizeof tmp - (size_t)(slash ? slash + 1 - tmp : 0),
             "catalogue-telechargement-XXXXXX");
    int fd = mkostemp(tmp, O_CLOEXEC);
    if (fd < 0) {
        text_msgf(err, errlen, "Impossible de créer le fichier du téléchargement à côté de la "
                              "base (%s). Vérifiez la place libre et les droits du dossier.",
                 syserr_text(errno));
        return -1;
    }
    unlink(tmp);
    job->body = fdopen(fd, "w+b");
    if (!job->body) {
        int e = errno; /* close() may change it */
        close(fd);
        text_msgf(err, errlen, "Impossible d'écrire le fichier du téléchargement (%s).",
                 syserr_text(e));
        return -1;
    }
    int p[2];
    if (pipe2(p, O_CLOEXEC) != 0) {
        text_msgf(err, errlen, "Impossible de lancer %s (%s).", SYNC_HELPER, syserr_text(errno));
        fclose(job->body);
        job->body = NULL;
        return -1;
    }
    char stall[32], max[32];
    snprintf(stall, sizeof stall, "%ld", job->stall);
    snprintf(max, sizeof max, "%lld", job->max);
    char *argv[] = {helper, job->url, stall, max, NULL};
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    /* stdin and stderr on /dev/null: the helper must not read the official's keys nor
     * write over the wizard's screen; stdout is the body, fd 3 the messages. */
    posix_spawn_file_actions_addopen(&fa, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_adddup2(&fa, fd, STDOUT_FILENO);
    posix_spawn_file_actions_addopen(&fa, STDERR_FILENO, "/dev/null", O_WRONLY, 0);
    posix_spawn_file_actions_adddup2(&fa, p[1], 3);
    int rc = posix_spawn(&job->pid, helper, &fa, NULL, argv, environ);
    posix_spawn_file_actions_destroy(&fa);
    close(p[1]);
    if (rc != 0) {
        close(p[0]);
        fclose(job->body);
        job->body = NULL;
        job->pid = 0;
        text_msgf(err, errlen, "Impossible de lancer %s (%s).", helper, syserr_text(rc));
        return -1;
    }
    job->msg_fd = p[0];
    fcntl(job->msg_fd, F_SETFL, fcntl(job->msg_fd, F_GETFL) | O_NONBLOCK);
    job->state = SYNC_RUNNING;
    return 0;
}

/* The message of a failure the helper reported, in the words the official reads. */
static enum sync_state helper_error(struct sync_job *job, const struct sync_msg *m)
{
    char base[256];
    text_clip(base, sizeof base, job->base, 60);
    const char *url_hint = job->wizard ? "" : ", ou vérifiez l'adresse donnée avec --url";
    if (strcmp(m->code, "taille") == 0)
        return fail(job, "Le catalogue téléchargé dépasse %lld Mo\u00a0: téléchargement arrêté.",
                    job->max / 1000000);
    if (strcmp(m->code, "connexion") == 0)
        return fail(job, "Connexion impossible à %s (%s). Vérifiez votre connexion à "
                         "Internet%s.", base, m->text,
                    job->wizard ? "" : " ou l'adresse donnée avec --url");
    if (strcmp(m->code, "delai") == 0)
        return fail(job, "Le serveur %s ne répond plus (rien reçu pendant %ld s). Réessayez "
                         "plus tard.", base, job->stall);
    if (strcmp(m->code, "incomplet") == 0)
        return fail(job, "Téléchargement interrompu (%s)\u00a0: le catalogue reçu est incomplet. "
                         "Réessayez.", m->text);
    if (strcmp(m->code, "ecriture") == 0)
        return fail(job, "Impossible d'enregistrer le catalogue téléchargé (disque plein\u00a0?). "
                         "Libérez de la place, puis réessayez.");
    /* Not found: waiting will not help, the address is wrong (a mirror mistyped, or the
     * portal moved). */
    if (strcmp(m->code, "http") == 0 && (m->status == 404 || m->status == 410)) {
        bool portal = strcmp(job->base, SYNC_DEFAULT_BASE) == 0;
        return fail(job, "Aucun catalogue à l'adresse %s (erreur HTTP %ld)\u00a0: %s",
                    job->wizard ? base : job->url, m->status,
                    portal ? "le portail a changé d'adresse. Installez la dernière version de "
                             "difelus, ou donnez la nouvelle adresse dans la variable "
                             "DIFELUS_CATALOGUE_URL (voir le README)."
                    : job->wizard ? "l'adresse est fausse. Vérifiez la variable "
                                    "DIFELUS_CATALOGUE_URL (voir le README)."
                                  : "l'adresse est fausse. Vérifiez l'adresse donnée avec --url "
                                    "ou la variable DIFELUS_CATALOGUE_URL (voir le README).");
    }
    if (strcmp(m->code, "http") == 0 && !job->wizard)
        return fail(job, "Le serveur a répondu «\u00a0erreur HTTP %ld\u00a0» pour %s. Réessayez "
                         "plus tard%s.", m->status, job->url, url_hint);
    if (strcmp(m->code, "http") == 0)
        return fail(job, "Le serveur %s a répondu «\u00a0erreur HTTP %ld\u00a0». Réessayez plus "
                         "tard.", base, m->status);
    return fail(job, "Téléchargement impossible depuis %s (%s). Réessayez plus tard%s.", base,
                m->text, url_hint);
}

/* The helper closed its pipe: it has exited, or is about to. */
static enum sync_state helper_ended(struct sync_job *job)
{
    int ws = 0;
    pid_t pid = job->pid;
    job->pid = 0;
    while (waitpid(pid, &ws, 0) < 0 && errno == EINTR)
        ;
    close(job->msg_fd);
    job->msg_fd = -1;
    if (job->state != SYNC_RUNNING)
        return job->state; /* its `erreur` was already said */
    if (WIFSIGNALED(ws))
        return fail(job, "Le programme de téléchargement %s s'est arrêté brutalement (signal "
                         "%d)\u00a0: le catalogue n'est pas arrivé. Réessayez.", SYNC_HELPER,
                    WTERMSIG(ws));
    if (!job->ended || !WIFEXITED(ws) || WEXITSTATUS(ws) != 0)
        return fail(job, "Le programme de téléchargement %s s'est arrêté sans finir (code "
                         "%d)\u00a0: le catalogue n'est pas arrivé. Réessayez.", SYNC_HELPER,
                    WIFEXITED(ws) ? WEXITSTATUS(ws) : -1);
    struct stat sb;
    if (fstat(fileno(job->body), &sb) != 0 || (long long)sb.st_size != job->bytes)
        return fail(job, "Le programme de téléchargement %s annonce %lld octets reçus, mais le "
                         "fichier n'en contient pas autant. Réessayez.", SYNC_HELPER,
                    job->bytes);
    job->state = SYNC_RECEIVED;
    return job->state;
}

static enum sync_state import_line(struct sync_job *job);
static enum sync_state import_ended(struct sync_job *job);

static enum sync_state handle_line(struct sync_job *job)
{
    struct sync_msg m;
    if (job->ended || sync_parse_message(job->line, job->line_len, &m) != 0)
        return fail(job, "Le programme de téléchargement %s a envoyé un message "
                         "incompréhensible\u00a0: téléchargement arrêté. Réessayez.", SYNC_HELPER);
    switch (m.kind) {
    case SYNC_MSG_PROGRESS:
        job->bytes = m.bytes;
        job->total = m.total;
        return job->state;
    case SYNC_MSG_DONE:
        job->bytes = m.bytes;
        job->ended = true;
        return job->state;
    case SYNC_MSG_ERROR:
        job->ended = true;
        helper_error(job, &m); /* stops the helper */
        return job->state;
    }
    return job->state;
}

enum sync_state sync_job_read(struct sync_job *job)
{
    if (job->state != SYNC_RUNNING && job->state != SYNC_IMPORTING)
        return job->state;
    enum sync_state phase = job->state;
    size_t max = phase == SYNC_IMPORTING ? SYNC_IMPORT_LINE_MAX : SYNC_LINE_MAX;
    char chunk[4096];
    for (;;) {
        ssize_t n = read(job->msg_fd, chunk, sizeof chunk);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
            return job->state;
        if (n <= 0) {
            if (job->line_len > 0 && phase == SYNC_IMPORTING)
                return fail(job, "L'import s'est arrêté au milieu d'un message. L'ancien "
                                 "catalogue est gardé.");
            if (job->line_len > 0)
                return fail(job, "Le programme de téléchargement %s a envoyé un message "
                                 "incomplet\u00a0: téléchargement arrêté. Réessayez.",
                            SYNC_HELPER);
            return phase == SYNC_IMPORTING ? import_ended(job) : helper_ended(job);
        }
        for (ssize_t i = 0; i < n; i++) {
            if (chunk[i] == '\n') {
                if ((phase == SYNC_IMPORTING ? import_line(job) : handle_line(job)) != phase)
                    return job->state;
                job->line_len = 0;
            } else if (job->line_len >= max - 1 && phase == SYNC_IMPORTING) {
                return fail(job, "L'import a envoyé un message trop long. L'ancien catalogue "
                                 "est gardé.");
            } else if (job->line_len >= max - 1) {
                return fail(job, "Le programme de téléchargement %s a envoyé un message trop "
                                 "long\u00a0: téléchargement arrêté. Réessayez.", SYNC_HELPER);
            } else {
                job->line[job->line_len++] = chunk[i];
            }
        }
    }
}

/* ---- the import in a child process ---- */

/* The child's messages: "formations N", "fini N", "erreur TEXTE" (French, from the
 * import). Parsed as strictly as the helper's, though it is our own fork. */
static enum sync_state import_line(struct sync_job *job)
{
    job->line[job->line_len] = '\0';
    long long n;
    const char *l = job->line;
    if (job->ended || strlen(l) != job->line_len || !text_is_clean(l))
        goto bad;
    if (strncmp(l, "formations ", 11) == 0 && parse_number(l + 11, &n)) {
        job->records = (size_t)n;
        return job->state;
    }
    if (strncmp(l, "fini ", 5) == 0 && parse_number(l + 5, &n)) {
        job->records = (size_t)n;
        job->ended = true;
        return job->state;
    }
    if (strncmp(l, "erreur ", 7) == 0 && l[7]) {
        job->ended = true;
        return fail(job, "%s", l + 7);
    }
bad:
    return fail(job, "L'import a envoyé un message incompréhensible. L'ancien catalogue est "
                     "gardé.");
}

static enum sync_state import_ended(struct sync_job *job)
{
    int ws = 0;
    pid_t pid = job->pid;
    job->pid = 0;
    while (waitpid(pid, &ws, 0) < 0 && errno == EINTR)
        ;
    close(job->msg_fd);
    job->msg_fd = -1;
    if (job->body)
        fclose(job->body);
    job->body = NULL;
    if (WIFSIGNALED(ws))
        return fail(job, "L'import s'est arrêté brutalement (signal %d). L'ancien catalogue "
                         "est gardé.", WTERMSIG(ws));
    if (!job->ended || !WIFEXITED(ws) || WEXITSTATUS(ws) != 0)
        return fail(job, "L'import s'est arrêté sans finir (code %d). L'ancien catalogue est "
                         "gardé.", WIFEXITED(ws) ? WEXITSTATUS(ws) : -1);
    job->state = SYNC_DONE;
    return job->state;
}

static void child_say(int fd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void child_say(int fd, const char *fmt, ...)
{
    char line[SYNC_IMPORT_LINE_MAX + 1];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(line, sizeof line - 1, fmt, ap);
    va_end(ap);
    size_t len = n < 0 ? 0 : (size_t)n < sizeof line - 2 ? (size_t)n : sizeof line - 2;
    line[len++] = '\n';
    for (size_t off = 0; off < len;) {
        ssize_t w = write(fd, line + off, len - off);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            _exit(2);
        off += (size_t)w;
    }
}

static void child_progress(size_t records, void *user)
{
    child_say(*(int *)user, "formations %zu", records);
}

/* The child: its own connection, the atomic import, one line of result, and _exit (never
 * the parent's atexit handlers, curses or connections). */
static void import_child(const char *db_path, struct sync_job *job, const char *path, int fd)
{
    static const int signals[] = {SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGWINCH, SIGPIPE};
    for (size_t i = 0; i < sizeof signals / sizeof signals[0]; i++)
        signal(signals[i], SIG_DFL);
    char err[2200], detail[1024];
    store *st = store_open(db_path, err, sizeof err);
    if (!st) {
        child_say(fd, "erreur %s", err);
        _exit(1);
    }
    struct catalogue_import report;
    int rc;
    if (path) {
        rc = catalogue_import_file(st, path, &report, child_progress, &fd, detail,
                                   sizeof detail);
        if (rc != 0) /* the import's message names the file */
            snprintf(err, sizeof err, "Fichier refusé\u00a0: %s Le catalogue n'a pas été "
                                      "modifié.", detail);
    } else {
        rewind(job->body);
        rc = catalogue_import_stream(st, job->body, job->url, &report, child_progress, &fd,
                                     detail, sizeof detail);
        if (rc != 0)
            snprintf(err, sizeof err, "Le catalogue reçu est inutilisable\u00a0: %s L'ancien "
                                      "catalogue est gardé.", detail);
    }
    store_close(st);
    /* err is filled only on failure: a success never reads it (valgrind saw the
     * uninitialised buffer sanitised here, and its exit code 99 failed the import). */
    if (rc == 0) {
        child_say(fd, "fini %zu", report.records);
        _exit(0);
    }
    /* One line: the message's own line breaks would end it early. */
    for (char *c = err; *c; c++)
        if (*c == '\n' || *c == '\r' || *c == '\t')
            *c = ' ';
    char line[SYNC_IMPORT_LINE_MAX - 16];
    text_clip(line, sizeof line, err, 1000); /* never cut inside a character */
    child_say(fd, "erreur %s", line);
    _exit(1);
}

int sync_job_import_start(const char *db_path, struct sync_job *job, const char *path,
                          char *err, size_t errlen)
{
    if (path) {
        memset(job, 0, sizeof *job);
        job->msg_fd = -1;
    } else if (job->state != SYNC_RECEIVED) {
        text_msgf(err, errlen, "%s", job->state == SYNC_FAILED ? job->err
                                                              : "Aucun téléchargement fini.");
        return -1;
    }
    int p[2];
    if (pipe2(p, O_CLOEXEC) != 0) {
        text_msgf(err, errlen, "Impossible de lancer l'import (%s).", syserr_text(errno));
        sync_job_cancel(job);
        return -1;
    }
    fflush(NULL);
    pid_t pid = fork();
    if (pid < 0) {
        text_msgf(err, errlen, "Impossible de lancer l'import (%s).", syserr_text(errno));
        close(p[0]);
        close(p[1]);
        sync_job_cancel(job);
        return -1;
    }
    if (pid == 0) {
        close(p[0]);
        import_child(db_path, job, path, p[1]);
    }
    close(p[1]);
    job->pid = pid;
    job->msg_fd = p[0];
    fcntl(job->msg_fd, F_SETFL, fcntl(job->msg_fd, F_GETFL) | O_NONBLOCK);
    job->state = SYNC_IMPORTING;
    job->ended = false;
    job->line_len = 0;
    job->records = 0;
    return 0;
}

void sync_job_cancel(struct sync_job *job)
{
    if (job->state == SYNC_IDLE)
        return;
    stop_helper(job, NULL);
    if (job->body)
        fclose(job->body);
    job->body = NULL;
    job->state = SYNC_IDLE;
}

int sync_job_import(store *st, struct sync_job *job, struct catalogue_import *report,
                    catalogue_progress_fn progress, void *user, char *err, size_t errlen)
{
    int rc = -1;
    if (job->state != SYNC_RECEIVED) {
        text_msgf(err, errlen, "%s", job->state == SYNC_FAILED ? job->err
                                                              : "Aucun téléchargement fini.");
    } else {
        char detail[1024];
        rewind(job->body);
        if (catalogue_import_stream(st, job->body, job->url, report, progress, user, detail,
                                    sizeof detail) != 0)
            text_msgf(err, errlen, "Le catalogue reçu est inutilisable\u00a0: %s L'ancien "
                                  "catalogue est gardé.", detail);
        else
            rc = 0;
    }
    sync_job_cancel(job);
    return rc;
}

/* ---- the command line's blocking sync ---- */

static void import_progress(size_t records, void *user)
{
    (void)user;
    char count[32];
    fprintf(stderr, "\r%s formations importées…", text_format_count(records, count, sizeof count));
}

int sync_catalogue(store *st, const struct sync_options *opt, struct catalogue_import *report,
                   char *err, size_t errlen)
{
    struct sync_job job;
    if (sync_job_start(st, opt, &job, err, errlen) != 0)
        return -1;
    long long shown = 0;
    while (sync_job_read(&job) == SYNC_RUNNING) {
        if (opt->show_progress && job.bytes - shown >= 1024 * 1024) {
            shown = job.bytes;
            if (job.total > 0)
                fprintf(stderr, "\rTéléchargement : %.1f Mo sur %.1f Mo", job.bytes / 1e6,
                        job.total / 1e6);
            else
                fprintf(stderr, "\rTéléchargement : %.1f Mo", job.bytes / 1e6);
        }
        struct pollfd p = {.fd = job.msg_fd, .events = POLLIN};
        if (poll(&p, 1, -1) < 0 && errno != EINTR) {
            sync_job_cancel(&job);
            text_msgf(err, errlen, "Attente du téléchargement impossible (%s).",
                     syserr_text(errno));
            return -1;
        }
    }
    if (opt->show_progress && shown)
        fputc('\n', stderr);
    int rc = sync_job_import(st, &job, report, opt->show_progress ? import_progress : NULL,
                             NULL, err, errlen);
    if (rc == 0 && opt->show_progress)
        fputc('\n', stderr);
    return rc;
}
