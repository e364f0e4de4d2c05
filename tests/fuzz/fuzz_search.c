/* Fuzz target: the search's query splitter. Whatever the official types in the search
 * field (any alphabet, quotes, FTS5 operators, a lone *, invalid UTF-8) goes through
 * catalogue_search, which splits it with the index's own tokenizer and quotes each word:
 * the search must never fail (a refused query would be FTS5 syntax leaking through), with
 * or without filters, and what it returns is shown clean. The catalogue is a small one
 * imported once. The last byte of the input picks the filters and the limit. */
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

static void load_catalogue(void)
{
    store *st = fuzz_store();
    FILE *f = fmemopen((void *)catalogue_csv, sizeof catalogue_csv - 1, "rb");
    struct catalogue_import report;
    char err[1024];
    if (!f || catalogue_import_stream(st, f, "formations.csv", &report, NULL, NULL, err,
                                      sizeof err) != 0) {
        fprintf(stderr, "catalogue de départ : %s\n", err);
        abort();
    }
    fclose(f);
    /* The catalogue is searchable, or every input would test nothing. */
    struct catalogue_hit hit;
    size_t n = 0;
    struct catalogue_query q = {.words = "cœur urba", .limit = 1};
    FUZZ_CHECK(catalogue_search(st, &q, &hit, 1, &n, err, sizeof err) == 0 && n == 1,
               "catalogue de départ introuvable : %s", err);
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
