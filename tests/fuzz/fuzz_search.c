/* Fuzz target: the search's query splitter. Whatever the official types in the search
 * field (any alphabet, quotes, FTS5 operators, a lone *, invalid UTF-8) goes through
 * catalogue_search, which splits it with the index's own tokenizer and quotes each word:
 * the search must never fail (a refused query would be FTS5 syntax leaking through), with
 * or without filters, and what it returns is shown clean. The catalogue is imported once:
 * four hand-written trainings, then GENERATED ones that reach the search's limits: more
 * than RANK_LIMIT (1 000) hits for « séminaire » (only the first 1 000 ranked, the 1 001st
 * cut), and more than EXPANSIONS_MAX (16) words starting with « mandat » (the prefix kept
 * for FTS5 instead of its words). The last byte of the input picks the filters and the
 * limit. */
#include "fuzz_catalogue.h"

static const char catalogue_csv[] =
    "reference;intitule;organisme;siret;modalite;departement;prix;heures;description\n"
    "GL-01;Les finances locales pour les élus;Gestions Locales;73282932000074;présentiel;"
    "07;560;7;Budget, fiscalité\n"
    "GL-02;Animer une réunion publique;Gestions Locales;73282932000074;distance;75;280;3,5;"
    "En visioconférence\n"
    "GL-03;Le cœur de l'urbanisme : PLU, SCoT;Æsthetica Formation;;présentiel;2A;1 200;14;"
    "\"Droit \"\"des sols\"\" ; AND OR NOT NEAR\"\n"
    "GL-04;Prise de parole — 2ᵉ module (niveau 7);Κείμενο 中文 عربي;;présentiel;971;;;\n";

#define GENERATED 1100 /* more than RANK_LIMIT hits for one word */
#define MANDAT_FORMS 24 /* more than EXPANSIONS_MAX words for one prefix */

/* The hand-written trainings, then GENERATED ones: all hold « séminaire » (one in 5 in the
 * body's name only, so the ranking reorders the first 1 000), each one of MANDAT_FORMS
 * words « mandataa », « mandatab »…, some a département and a modality for the filters. */
static char *generated_csv(size_t *len)
{
    static const char *const depts[] = {"07", "2A", "75", "971", ""};
    size_t cap = sizeof catalogue_csv + GENERATED * 160;
    char *csv = malloc(cap);
    if (!csv)
        abort();
    size_t o = (size_t)snprintf(csv, cap, "%s", catalogue_csv);
    for (int i = 0; i < GENERATED; i++) {
        char form[3] = {(char)('a' + i % MANDAT_FORMS / 26), (char)('a' + i % MANDAT_FORMS % 26),
                        '\0'};
        bool in_title = i % 5 != 0;
        o += (size_t)snprintf(csv + o, cap - o, "GEN-%04d;%s n° %d : mandat%s;%s;;%s;%s;%d;%d;\n",
                              i, in_title ? "Séminaire des élus" : "Journée des élus", i, form,
                              in_title ? "Centre Horizon" : "Séminaires Horizon",
                              i % 2 ? "distance" : "présentiel", depts[i % 5], 100 + i, 1 + i % 30);
    }
    *len = o;
    return csv;
}

static void load_catalogue(void)
{
    store *st = fuzz_store();
    size_t len;
    char *csv = generated_csv(&len);
    FILE *f = fmemopen(csv, len, "rb");
    struct catalogue_import report;
    char err[1024];
    if (!f || catalogue_import_stream(st, f, "formations.csv", &report, NULL, NULL, err,
                                      sizeof err) != 0) {
        fprintf(stderr, "catalogue de départ : %s\n", err);
        abort();
    }
    fclose(f);
    free(csv);
    FUZZ_CHECK(report.records == 4 + GENERATED, "catalogue de départ : %zu formations",
               report.records);
    /* The catalogue is searchable, or every input would test nothing; and its limits are
     * reached: a hit set larger than the ranked one, a prefix of too many words. */
    struct catalogue_hit hit;
    size_t n = 0;
    struct catalogue_query q = {.words = "cœur urba", .limit = 1};
    FUZZ_CHECK(catalogue_search(st, &q, &hit, 1, &n, err, sizeof err) == 0 && n == 1,
               "catalogue de départ introuvable : %s", err);
    bool more = false;
    q = (struct catalogue_query){.words = "seminaire", .limit = 1, .more = &more};
    FUZZ_CHECK(catalogue_search(st, &q, &hit, 1, &n, err, sizeof err) == 0 && n == 1 && more &&
                   strstr(hit.title, "Séminaire"),
               "séminaire : %zu résultat(s) : %s", n, err);
    q = (struct catalogue_query){.words = "mand", .limit = 1};
    FUZZ_CHECK(catalogue_search(st, &q, &hit, 1, &n, err, sizeof err) == 0 && n == 1,
               "mand : %zu résultat(s) : %s", n, err);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static bool loaded;
    if (!loaded) {
        load_catalogue();
        loaded = true;
    }
    char *words = fuzz_string(data, size);
    unsigned knob = size ? data[size - 1] : 0;
    struct catalogue_hit hits[8];
    size_t n = 0;
    char err[1024];
    for (int pass = 0; pass < 2; pass++) {
        /* Without filters, then with those the knob picks. */
        struct catalogue_query q = {.words = words, .limit = 8};
        if (catalogue_search(fuzz_st, &q, hits, 8, &n, err, sizeof err) != 0)
            FUZZ_CHECK(0, "la recherche « %s » a échoué : %s", words, err);
        FUZZ_CHECK(n <= 8, "%zu résultats", n);
        fuzz_catalogue_search(fuzz_st, words, knob + (unsigned)pass);
    }
    free(words);
    return 0;
}
