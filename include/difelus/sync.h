/* Download of the Caisse des Dépôts export of the MCF catalogue (Opendatasoft Explore API
 * v2.1) with libcurl, then its import. */
#ifndef DIFELUS_SYNC_H
#define DIFELUS_SYNC_H

#include <stdbool.h>
#include <stddef.h>

#include "difelus/catalogue.h"

#define SYNC_DEFAULT_BASE "https://opendata.caissedesdepots.fr"
#define SYNC_EXPORT_PATH                                                                   \
    "/api/explore/v2.1/catalog/datasets/moncompteformation_catalogueformation/exports/json"

struct sync_options {
    const char *base_url;  /* NULL: $DIFELUS_CATALOGUE_URL, else SYNC_DEFAULT_BASE */
    long stall_seconds;    /* give up when nothing arrives for that long (0: 60) */
    long long max_bytes;   /* size cap (0: 2 Gio) */
    bool show_progress;    /* on stderr */
};

/* Downloads the export to a temporary file beside the catalogue and imports it. Any
 * failure (refused, timeout, HTTP error, truncated or non-JSON body) leaves the catalogue
 * as it was and writes a French message. */
int sync_catalogue(store *st, const struct sync_options *opt, struct catalogue_import *report,
                   char *err, size_t errlen);

#endif
