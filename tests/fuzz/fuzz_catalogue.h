/* Shared by the catalogue's fuzz targets (importers, search): one personal database and its
 * catalogue in a private folder of $TMPDIR, else /dev/shm (tmpfs: the import's fsync costs
 * nothing), created at the first input and removed at exit. An abort, a timeout or a crash
 * skips atexit: tests/fuzz/run.sh and the replay give each run a TMPDIR of its own and
 * remove it after, whatever the run's end. */
#ifndef DIFELUS_FUZZ_CATALOGUE_H
#define DIFELUS_FUZZ_CATALOGUE_H

#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "difelus/catalogue.h"
#include "difelus/places.h"
#include "fuzz.h"

static store *fuzz_st;
static char fuzz_dir[256];

static int fuzz_rm(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
    (void)sb;
    (void)flag;
    (void)ftw;
    return remove(path);
}

static void fuzz_catalogue_cleanup(void)
{
    if (fuzz_st)
        store_close(fuzz_st);
    fuzz_st = NULL;
    if (fuzz_dir[0])
        nftw(fuzz_dir, fuzz_rm, 8, FTW_DEPTH | FTW_PHYS);
}

static inline store *fuzz_store(void)
{
    if (fuzz_st)
        return fuzz_st;
    const char *base = getenv("TMPDIR");
    if (!base || !*base || strlen(base) > sizeof fuzz_dir - 32)
        base = access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp";
    snprintf(fuzz_dir, sizeof fuzz_dir, "%s/difelus-fuzz-XXXXXX", base);
    if (!mkdtemp(fuzz_dir))
        abort();
    atexit(fuzz_catalogue_cleanup);
    char path[300], err[1024];
    snprintf(path, sizeof path, "%s/difelus.db", fuzz_dir);
    fuzz_st = store_open(path, err, sizeof err);
    FUZZ_CHECK(fuzz_st, "base personnelle : %s", err);
    return fuzz_st;
}

static inline size_t fuzz_catalogue_total(store *st)
{
    struct catalogue_info info;
    char err[1024];
    FUZZ_CHECK(catalogue_get_info(st, &info, err, sizeof err) == 0, "catalogue : %s", err);
    FUZZ_CHECK(info.total == info.cdc + info.body, "comptes %zu ≠ %zu + %zu", info.total,
               info.cdc, info.body);
    return info.total;
}

/* Searches `words` (anywhere, then with filters) and checks what the official would see:
 * every text of a hit clean, at most the limit, the price and hours lines readable. */
static inline void fuzz_catalogue_search(store *st, const char *words, unsigned knob)
{
    static const char *const depts[] = {NULL, "07", "2A", "75", "971"};
    static const char *const modalities[] = {NULL, "presentiel", "distance"};
    struct catalogue_hit hits[8];
    size_t n = 99;
    bool more = false;
    char err[1024];
    struct catalogue_query q = {
        .words = words,
        .modality = modalities[knob % 3],
        .dept = depts[(knob / 3) % 5] ? places_find_departement(depts[(knob / 3) % 5]) : NULL,
        .limit = 1 + (int)(knob % 8),
        .more = &more,
    };
    /* Any text is safe (catalogue.h): a refused search is a finding. */
    FUZZ_CHECK(catalogue_search(st, &q, hits, 8, &n, err, sizeof err) == 0,
               "la recherche « %s » a échoué : %s", words, err);
    FUZZ_CHECK(n <= (size_t)q.limit, "%zu résultats pour une limite de %d", n, q.limit);
    for (size_t i = 0; i < n; i++) {
        const struct catalogue_hit *h = &hits[i];
        FUZZ_CHECK(text_is_clean(h->numero) && text_is_clean(h->title) &&
                       text_is_clean(h->body) && text_is_clean(h->siret) &&
                       text_is_clean(h->place) && text_is_clean(h->dept_code),
                   "résultat non propre : %s", h->title);
        char price[128], hours[128];
        catalogue_format_price(h, price, sizeof price);
        catalogue_format_hours(h, hours, sizeof hours);
        FUZZ_CHECK(price[0] && text_is_clean(price), "prix : %s", price);
        FUZZ_CHECK(hours[0] && text_is_clean(hours), "heures : %s", hours);
        long pc;
        int hc;
        enum catalogue_prefill pf = catalogue_hit_prefill(h, &pc, &hc);
        FUZZ_CHECK(pf == PREFILL_NONE || pc >= -1, "prix prérempli %ld", pc);
    }
}

/* Imports the bytes as a file the official chose, then checks: a refusal has a French
 * message and leaves the catalogue as it was; an import counts its records, and what it
 * brought is searchable and shown clean. */
static inline void fuzz_catalogue_import(const uint8_t *data, size_t size)
{
    store *st = fuzz_store();
    size_t before = fuzz_catalogue_total(st);
    /* fmemopen refuses an empty buffer: an empty file then. */
    static const char nothing[1];
    FILE *f = size ? fmemopen((void *)data, size, "rb") : fmemopen((void *)nothing, 1, "rb");
    if (!f)
        abort();
    if (!size)
        (void)getc(f); /* at the end: an empty file */
    struct catalogue_import report;
    char err[1024] = "";
    int rc = catalogue_import_stream(st, f, "formations.csv", &report, NULL, NULL, err,
                                     sizeof err);
    fclose(f);
    char attach_err[1024];
    FUZZ_CHECK(catalogue_attach(st, attach_err, sizeof attach_err) == 0, "%s", attach_err);
    if (rc != 0) {
        fuzz_check_message(err, "import");
        FUZZ_CHECK(fuzz_catalogue_total(st) == before, "import refusé mais catalogue changé");
        return;
    }
    FUZZ_CHECK(report.records > 0, "import réussi sans formation");
    FUZZ_CHECK(report.bad_siret <= report.records && report.unknown_dept <= report.records,
               "rapport : %zu SIRET, %zu départements sur %zu", report.bad_siret,
               report.unknown_dept, report.records);
    FUZZ_CHECK(text_is_clean(report.bad_siret_where) && text_is_clean(report.unknown_dept_example),
               "rapport non propre : %s", report.unknown_dept_example);
    size_t total = fuzz_catalogue_total(st);
    FUZZ_CHECK(total >= report.records && total == report.records + report.kept,
               "%zu formations au catalogue après un import de %zu (+ %zu gardées)", total,
               report.records, report.kept);
    /* What was imported, searched by the input's own first words. */
    char words[128];
    size_t n = size < sizeof words - 1 ? size : sizeof words - 1;
    memcpy(words, data, n);
    words[n] = '\0';
    fuzz_catalogue_search(st, words, size ? data[size - 1] : 0);
}

#endif
