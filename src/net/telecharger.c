/* difelus-telecharger: the catalogue download, in its own process so that difelus itself
 * never links libcurl (DESIGN §3, as git does with git-remote-http).
 *
 *   difelus-telecharger URL DELAI MAXIMUM
 *
 * Writes the body to its standard output (a file the parent opened) and reports on file
 * descriptor 3, one line each, at most 256 octets (see README, « Protocole ») :
 *
 *   progression OCTETS TOTAL     received so far; TOTAL is 0 while the size is unknown
 *   fini OCTETS                  the whole body is written; exit status 0
 *   erreur CODE TEXTE            CODE in connexion, delai, http, incomplet, ecriture,
 *                                taille, adresse, tls, reseau; TEXTE is a French detail
 *                                (for http: the status number); exit status 1
 *
 * Stops when nothing arrives for DELAI seconds, and beyond MAXIMUM octets. */
#include <curl/curl.h>
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define MSG_FD 3

struct download {
    CURL *h;
    long long bytes, max, sent_bytes, sent_total;
    double sent_at;
    bool too_big, write_failed;
};

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* One line to the parent; a parent gone away ends the download. */
static void say(const char *fmt, ...)
{
    char line[257];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(line, sizeof line - 1, fmt, ap);
    va_end(ap);
    if (n < 0)
        return;
    size_t len = (size_t)n < sizeof line - 2 ? (size_t)n : sizeof line - 2;
    line[len++] = '\n';
    for (size_t off = 0; off < len;) {
        ssize_t w = write(MSG_FD, line + off, len - off);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            _exit(2);
        off += (size_t)w;
    }
}

static void progress(struct download *d, bool force)
{
    curl_off_t total = -1;
    curl_easy_getinfo(d->h, CURLINFO_CONTENT_LENGTH_DOWNLOAD_T, &total);
    long long t = total > 0 ? (long long)total : 0;
    double at = now();
    /* At most ten lines a second: a parent redraws for each. */
    if (!force && d->sent_bytes > 0 && at - d->sent_at < 0.1 && t == d->sent_total)
        return;
    if (t > 0 && d->bytes > t)
        t = 0; /* a server that sends more than it announced: the size is unknown */
    d->sent_at = at;
    d->sent_bytes = d->bytes;
    d->sent_total = t;
    say("progression %lld %lld", d->bytes, t);
}

static size_t on_data(char *data, size_t size, size_t n, void *user)
{
    struct download *d = user;
    size_t len = size * n;
    if (d->bytes + (long long)len > d->max) {
        d->too_big = true;
        return 0; /* aborts the transfer */
    }
    for (size_t off = 0; off < len;) {
        ssize_t w = write(STDOUT_FILENO, data + off, len - off);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0) {
            d->write_failed = true;
            return 0;
        }
        off += (size_t)w;
    }
    d->bytes += (long long)len;
    progress(d, false);
    return len;
}

/* libcurl's errors in French (its own text is English): code for the parent, detail. */
static const char *curl_code(CURLcode c, const char **text)
{
    switch (c) {
    case CURLE_COULDNT_CONNECT:
        *text = "le serveur refuse la connexion ou ne répond pas";
        return "connexion";
    case CURLE_COULDNT_RESOLVE_HOST:
        *text = "nom de serveur inconnu";
        return "connexion";
    case CURLE_COULDNT_RESOLVE_PROXY:
        *text = "nom du proxy inconnu";
        return "connexion";
    case CURLE_OPERATION_TIMEDOUT:
        *text = "délai dépassé";
        return "delai";
    case CURLE_PARTIAL_FILE:
        *text = "fichier reçu en partie seulement";
        return "incomplet";
    case CURLE_RECV_ERROR:
        *text = "réception interrompue";
        return "incomplet";
    case CURLE_GOT_NOTHING:
        *text = "le serveur n'a rien envoyé";
        return "incomplet";
    case CURLE_SEND_ERROR:
        *text = "envoi interrompu";
        return "reseau";
    case CURLE_SSL_CONNECT_ERROR:
        *text = "la connexion chiffrée a échoué";
        return "tls";
    case CURLE_PEER_FAILED_VERIFICATION:
        *text = "le certificat du serveur n'est pas valide";
        return "tls";
    case CURLE_SSL_CACERT_BADFILE:
        *text = "certificats de confiance introuvables sur cette machine";
        return "tls";
    case CURLE_UNSUPPORTED_PROTOCOL:
        *text = "adresse ni http ni https";
        return "adresse";
    case CURLE_URL_MALFORMAT:
        *text = "adresse mal formée";
        return "adresse";
    case CURLE_TOO_MANY_REDIRECTS:
        *text = "trop de redirections";
        return "reseau";
    case CURLE_OUT_OF_MEMORY:
        *text = "mémoire insuffisante";
        return "reseau";
    default:
        *text = "erreur réseau";
        return "reseau";
    }
}

/* A whole decimal number, nothing else. */
static bool parse_number(const char *s, long long *out)
{
    if (!*s || strlen(s) > 18)
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

int main(int argc, char **argv)
{
    long long stall, max;
    if (argc != 4 || !parse_number(argv[2], &stall) || !parse_number(argv[3], &max) ||
        stall <= 0 || max <= 0) {
        say("erreur adresse appel incorrect de difelus-telecharger");
        return 1;
    }
    struct download d = {.max = max};
    if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
        say("erreur reseau libcurl n'a pas pu démarrer");
        return 1;
    }
    CURLM *multi = curl_multi_init();
    d.h = curl_easy_init();
    if (!d.h || !multi) {
        say("erreur reseau libcurl n'a pas pu démarrer");
        return 1;
    }
    CURL *h = d.h;
    curl_easy_setopt(h, CURLOPT_URL, argv[1]);
    curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(h, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 1L);
    curl_easy_setopt(h, CURLOPT_MAXREDIRS, 5L);
    curl_easy_setopt(h, CURLOPT_SSL_VERIFYPEER, 1L);
    curl_easy_setopt(h, CURLOPT_SSL_VERIFYHOST, 2L);
    curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT, stall < 20 ? (long)stall : 20L);
    /* A large export takes minutes: stop when it stalls rather than after a fixed time. */
    curl_easy_setopt(h, CURLOPT_LOW_SPEED_LIMIT, 1L);
    curl_easy_setopt(h, CURLOPT_LOW_SPEED_TIME, (long)stall);
    curl_easy_setopt(h, CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)max);
    curl_easy_setopt(h, CURLOPT_USERAGENT, "difelus");
    curl_easy_setopt(h, CURLOPT_FAILONERROR, 0L);
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_data);
    curl_easy_setopt(h, CURLOPT_WRITEDATA, &d);
    curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
    curl_multi_add_handle(multi, h);
    say("progression 0 0");
    int running = 1;
    while (running) {
        if (curl_multi_perform(multi, &running) != CURLM_OK)
            break;
        if (running && curl_multi_poll(multi, NULL, 0, 1000, NULL) != CURLM_OK)
            break;
    }
    CURLcode result = running ? CURLE_RECV_ERROR : CURLE_OK;
    int left;
    CURLMsg *msg;
    while ((msg = curl_multi_info_read(multi, &left)))
        if (msg->msg == CURLMSG_DONE)
            result = msg->data.result;
    long status = 0;
    curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
    int rc = 1;
    const char *text;
    if (d.too_big || result == CURLE_FILESIZE_EXCEEDED) {
        say("erreur taille %lld", max);
    } else if (d.write_failed || result == CURLE_WRITE_ERROR) {
        say("erreur ecriture le fichier du téléchargement ne s'écrit plus");
    } else if (result != CURLE_OK) {
        const char *code = curl_code(result, &text);
        say("erreur %s %s", code, text);
    } else if (status >= 400 || status < 100) {
        say("erreur http %ld", status >= 100 && status <= 999 ? status : 999);
    } else {
        progress(&d, true);
        say("fini %lld", d.bytes);
        rc = 0;
    }
    curl_multi_remove_handle(multi, h);
    curl_easy_cleanup(h);
    curl_multi_cleanup(multi);
    curl_global_cleanup();
    return rc;
}
