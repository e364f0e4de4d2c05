#include "difelus/sync.h"

#include <curl/curl.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "difelus/syserr.h"
#include "store_internal.h"

struct download {
    FILE *f;
    long long bytes, max;
    bool too_big, show;
    long long shown;
};

static size_t on_data(char *data, size_t size, size_t n, void *user)
{
    struct download *d = user;
    size_t len = size * n;
    if (d->bytes + (long long)len > d->max) {
        d->too_big = true;
        return 0; /* aborts the transfer */
    }
    d->bytes += (long long)len;
    return fwrite(data, 1, len, d->f);
}

static int on_progress(void *user, curl_off_t total, curl_off_t now, curl_off_t up_total,
                       curl_off_t up_now)
{
    (void)up_total;
    (void)up_now;
    struct download *d = user;
    if (d->show && now - d->shown >= 1024 * 1024) {
        d->shown = now;
        if (total > 0)
            fprintf(stderr, "\rTéléchargement : %.1f Mo sur %.1f Mo", now / 1e6, total / 1e6);
        else
            fprintf(stderr, "\rTéléchargement : %.1f Mo", now / 1e6);
    }
    return 0;
}

/* libcurl's errors said in French (its own text is English). */
static const char *curl_text(CURLcode c)
{
    switch (c) {
    case CURLE_COULDNT_CONNECT:
        return "le serveur refuse la connexion ou ne répond pas";
    case CURLE_COULDNT_RESOLVE_HOST:
        return "nom de serveur inconnu";
    case CURLE_COULDNT_RESOLVE_PROXY:
        return "nom du proxy inconnu";
    case CURLE_OPERATION_TIMEDOUT:
        return "délai dépassé";
    case CURLE_PARTIAL_FILE:
        return "fichier reçu en partie seulement";
    case CURLE_RECV_ERROR:
        return "réception interrompue";
    case CURLE_SEND_ERROR:
        return "envoi interrompu";
    case CURLE_GOT_NOTHING:
        return "le serveur n'a rien envoyé";
    case CURLE_SSL_CONNECT_ERROR:
        return "la connexion chiffrée a échoué";
    case CURLE_PEER_FAILED_VERIFICATION:
        return "le certificat du serveur n'est pas valide";
    case CURLE_SSL_CACERT_BADFILE:
        return "certificats de confiance introuvables sur cette machine";
    case CURLE_UNSUPPORTED_PROTOCOL:
        return "adresse ni http ni https";
    case CURLE_URL_MALFORMAT:
        return "adresse mal formée";
    case CURLE_TOO_MANY_REDIRECTS:
        return "trop de redirections";
    case CURLE_OUT_OF_MEMORY:
        return "mémoire insuffisante";
    default:
        return "erreur réseau";
    }
}

static void import_progress(size_t records, void *user)
{
    (void)user;
    fprintf(stderr, "\r%zu formations importées…", records);
}

int sync_catalogue(store *st, const struct sync_options *opt, struct catalogue_import *report,
                   char *err, size_t errlen)
{
    const char *base = opt->base_url;
    if (!base || !*base)
        base = getenv("DIFELUS_CATALOGUE_URL");
    if (!base || !*base)
        base = SYNC_DEFAULT_BASE;
    char url[2048];
    size_t blen = strlen(base);
    while (blen > 0 && base[blen - 1] == '/')
        blen--;
    snprintf(url, sizeof url, "%.*s%s", (int)blen, base, SYNC_EXPORT_PATH);

    /* The download goes to a file without a name (unlinked at once): a killed sync
     * leaves nothing behind, and the import reads it like any file. */
    char tmp[4200];
    snprintf(tmp, sizeof tmp, "%s", store_path(st));
    char *slash = strrchr(tmp, '/');
    snprintf(slash ? slash + 1 : tmp, sizeof tmp - (size_t)(slash ? slash + 1 - tmp : 0),
             "catalogue-telechargement-XXXXXX");
    int fd = mkstemp(tmp);
    if (fd < 0) {
        snprintf(err, errlen, "Impossible de créer le fichier du téléchargement à côté de la "
                              "base (%s). Vérifiez la place libre et les droits du dossier.",
                 syserr_text(errno));
        return -1;
    }
    unlink(tmp);
    struct download d = {.f = fdopen(fd, "w+b"),
                         .max = opt->max_bytes > 0 ? opt->max_bytes : 2LL << 30,
                         .show = opt->show_progress};
    if (!d.f) {
        close(fd);
        snprintf(err, errlen, "Impossible d'écrire le fichier du téléchargement (%s).",
                 syserr_text(errno));
        return -1;
    }
    curl_global_init(CURL_GLOBAL_DEFAULT);
    CURL *h = curl_easy_init();
    CURLM *multi = curl_multi_init();
    int rc = -1;
    if (!h || !multi) {
        snprintf(err, errlen, "libcurl n'a pas pu démarrer.");
        goto done;
    }
    curl_easy_setopt(h, CURLOPT_URL, url);
    curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 1L);
    curl_easy_setopt(h, CURLOPT_MAXREDIRS, 5L);
    curl_easy_setopt(h, CURLOPT_SSL_VERIFYPEER, 1L);
    curl_easy_setopt(h, CURLOPT_SSL_VERIFYHOST, 2L);
    curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT, 20L);
    /* A large export takes minutes: stop when it stalls rather than after a fixed time. */
    long stall = opt->stall_seconds > 0 ? opt->stall_seconds : 60;
    curl_easy_setopt(h, CURLOPT_LOW_SPEED_LIMIT, 1L);
    curl_easy_setopt(h, CURLOPT_LOW_SPEED_TIME, stall);
    curl_easy_setopt(h, CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)d.max);
    curl_easy_setopt(h, CURLOPT_USERAGENT, "difelus");
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_data);
    curl_easy_setopt(h, CURLOPT_WRITEDATA, &d);
    curl_easy_setopt(h, CURLOPT_XFERINFOFUNCTION, on_progress);
    curl_easy_setopt(h, CURLOPT_XFERINFODATA, &d);
    curl_easy_setopt(h, CURLOPT_NOPROGRESS, 0L);
    curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
    curl_multi_add_handle(multi, h);
    int running = 1;
    while (running) {
        if (curl_multi_perform(multi, &running) != CURLM_OK)
            break;
        if (running && curl_multi_poll(multi, NULL, 0, 1000, NULL) != CURLM_OK)
            break;
    }
    if (d.show && d.bytes)
        fputc('\n', stderr);
    CURLcode result = CURLE_OK;
    int left;
    CURLMsg *msg;
    while ((msg = curl_multi_info_read(multi, &left)))
        if (msg->msg == CURLMSG_DONE)
            result = msg->data.result;
    long status = 0;
    curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
    if (d.too_big || result == CURLE_FILESIZE_EXCEEDED) {
        snprintf(err, errlen, "Le catalogue téléchargé dépasse %lld Mo : téléchargement arrêté.",
                 d.max / 1000000);
    } else if (result == CURLE_COULDNT_CONNECT || result == CURLE_COULDNT_RESOLVE_HOST ||
               result == CURLE_COULDNT_RESOLVE_PROXY) {
        snprintf(err, errlen, "Connexion impossible à %.*s (%s). Vérifiez votre connexion à "
                              "Internet ou l'adresse donnée avec --url.",
                 (int)blen, base, curl_text(result));
    } else if (result == CURLE_OPERATION_TIMEDOUT) {
        snprintf(err, errlen, "Le serveur %.*s ne répond plus (rien reçu pendant %ld s). "
                              "Réessayez plus tard.", (int)blen, base, stall);
    } else if (result == CURLE_PARTIAL_FILE || result == CURLE_RECV_ERROR ||
               result == CURLE_GOT_NOTHING) {
        snprintf(err, errlen, "Téléchargement interrompu (%s) : le catalogue reçu est incomplet. "
                              "Réessayez.", curl_text(result));
    } else if (result == CURLE_WRITE_ERROR) {
        snprintf(err, errlen, "Impossible d'enregistrer le catalogue téléchargé (disque plein ?). "
                              "Libérez de la place, puis réessayez.");
    } else if (result != CURLE_OK) {
        snprintf(err, errlen, "Téléchargement impossible depuis %.*s (%s). Réessayez plus tard, "
                              "ou vérifiez l'adresse donnée avec --url.", (int)blen, base,
                 curl_text(result));
    } else if (status >= 400) {
        snprintf(err, errlen, "Le serveur a répondu « erreur HTTP %ld » pour %s. Réessayez plus "
                              "tard, ou vérifiez l'adresse donnée avec --url.", status, url);
    } else if (fflush(d.f) != 0) {
        snprintf(err, errlen, "Impossible d'écrire le catalogue téléchargé (disque plein ?).");
    } else {
        char detail[1024];
        rewind(d.f);
        if (catalogue_import_stream(st, d.f, url, report, d.show ? import_progress : NULL, NULL,
                                    detail, sizeof detail) != 0) {
            snprintf(err, errlen, "Le catalogue reçu est inutilisable : %s L'ancien catalogue "
                                  "est gardé.", detail);
        } else {
            if (d.show)
                fputc('\n', stderr);
            rc = 0;
        }
    }
done:
    if (multi && h)
        curl_multi_remove_handle(multi, h);
    if (h)
        curl_easy_cleanup(h);
    if (multi)
        curl_multi_cleanup(multi);
    curl_global_cleanup();
    fclose(d.f);
    return rc;
}
