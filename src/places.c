#include "difelus/places.h"

#include <ctype.h>
#include <stdbool.h>
#include <string.h>

#define ARA "Auvergne-Rhône-Alpes"
#define BFC "Bourgogne-Franche-Comté"
#define BRE "Bretagne"
#define CVL "Centre-Val de Loire"
#define COR "Corse"
#define GES "Grand Est"
#define HDF "Hauts-de-France"
#define IDF "Île-de-France"
#define NOR "Normandie"
#define NAQ "Nouvelle-Aquitaine"
#define OCC "Occitanie"
#define PDL "Pays de la Loire"
#define PAC "Provence-Alpes-Côte d'Azur"

static const struct departement departements[] = {
    {"01", "Ain", ARA}, {"02", "Aisne", HDF}, {"03", "Allier", ARA},
    {"04", "Alpes-de-Haute-Provence", PAC}, {"05", "Hautes-Alpes", PAC},
    {"06", "Alpes-Maritimes", PAC}, {"07", "Ardèche", ARA}, {"08", "Ardennes", GES},
    {"09", "Ariège", OCC}, {"10", "Aube", GES}, {"11", "Aude", OCC}, {"12", "Aveyron", OCC},
    {"13", "Bouches-du-Rhône", PAC}, {"14", "Calvados", NOR}, {"15", "Cantal", ARA},
    {"16", "Charente", NAQ}, {"17", "Charente-Maritime", NAQ}, {"18", "Cher", CVL},
    {"19", "Corrèze", NAQ}, {"2A", "Corse-du-Sud", COR}, {"2B", "Haute-Corse", COR},
    {"21", "Côte-d'Or", BFC}, {"22", "Côtes-d'Armor", BRE}, {"23", "Creuse", NAQ},
    {"24", "Dordogne", NAQ}, {"25", "Doubs", BFC}, {"26", "Drôme", ARA}, {"27", "Eure", NOR},
    {"28", "Eure-et-Loir", CVL}, {"29", "Finistère", BRE}, {"30", "Gard", OCC},
    {"31", "Haute-Garonne", OCC}, {"32", "Gers", OCC}, {"33", "Gironde", NAQ},
    {"34", "Hérault", OCC}, {"35", "Ille-et-Vilaine", BRE}, {"36", "Indre", CVL},
    {"37", "Indre-et-Loire", CVL}, {"38", "Isère", ARA}, {"39", "Jura", BFC},
    {"40", "Landes", NAQ}, {"41", "Loir-et-Cher", CVL}, {"42", "Loire", ARA},
    {"43", "Haute-Loire", ARA}, {"44", "Loire-Atlantique", PDL}, {"45", "Loiret", CVL},
    {"46", "Lot", OCC}, {"47", "Lot-et-Garonne", NAQ}, {"48", "Lozère", OCC},
    {"49", "Maine-et-Loire", PDL}, {"50", "Manche", NOR}, {"51", "Marne", GES},
    {"52", "Haute-Marne", GES}, {"53", "Mayenne", PDL}, {"54", "Meurthe-et-Moselle", GES},
    {"55", "Meuse", GES}, {"56", "Morbihan", BRE}, {"57", "Moselle", GES},
    {"58", "Nièvre", BFC}, {"59", "Nord", HDF}, {"60", "Oise", HDF}, {"61", "Orne", NOR},
    {"62", "Pas-de-Calais", HDF}, {"63", "Puy-de-Dôme", ARA},
    {"64", "Pyrénées-Atlantiques", NAQ}, {"65", "Hautes-Pyrénées", OCC},
    {"66", "Pyrénées-Orientales", OCC}, {"67", "Bas-Rhin", GES}, {"68", "Haut-Rhin", GES},
    {"69", "Rhône", ARA}, {"70", "Haute-Saône", BFC}, {"71", "Saône-et-Loire", BFC},
    {"72", "Sarthe", PDL}, {"73", "Savoie", ARA}, {"74", "Haute-Savoie", ARA},
    {"75", "Paris", IDF}, {"76", "Seine-Maritime", NOR}, {"77", "Seine-et-Marne", IDF},
    {"78", "Yvelines", IDF}, {"79", "Deux-Sèvres", NAQ}, {"80", "Somme", HDF},
    {"81", "Tarn", OCC}, {"82", "Tarn-et-Garonne", OCC}, {"83", "Var", PAC},
    {"84", "Vaucluse", PAC}, {"85", "Vendée", PDL}, {"86", "Vienne", NAQ},
    {"87", "Haute-Vienne", NAQ}, {"88", "Vosges", GES}, {"89", "Yonne", BFC},
    {"90", "Territoire de Belfort", BFC}, {"91", "Essonne", IDF},
    {"92", "Hauts-de-Seine", IDF}, {"93", "Seine-Saint-Denis", IDF},
    {"94", "Val-de-Marne", IDF}, {"95", "Val-d'Oise", IDF},
    {"971", "Guadeloupe", "Guadeloupe"}, {"972", "Martinique", "Martinique"},
    {"973", "Guyane", "Guyane"}, {"974", "La Réunion", "La Réunion"},
    {"976", "Mayotte", "Mayotte"},
};

const struct departement *places_departements(size_t *count)
{
    *count = sizeof departements / sizeof departements[0];
    return departements;
}

/* Two-byte UTF-8 Latin letters used in French, folded to ASCII. */
static const struct {
    const char *from, *to;
} folds[] = {
    {"à", "a"}, {"â", "a"}, {"ä", "a"}, {"á", "a"}, {"ç", "c"}, {"é", "e"}, {"è", "e"},
    {"ê", "e"}, {"ë", "e"}, {"î", "i"}, {"ï", "i"}, {"í", "i"}, {"ô", "o"}, {"ö", "o"},
    {"ó", "o"}, {"ù", "u"}, {"û", "u"}, {"ü", "u"}, {"ú", "u"}, {"ÿ", "y"}, {"ñ", "n"},
    {"À", "a"}, {"Â", "a"}, {"Ä", "a"}, {"Ç", "c"}, {"É", "e"}, {"È", "e"}, {"Ê", "e"},
    {"Ë", "e"}, {"Î", "i"}, {"Ï", "i"}, {"Ô", "o"}, {"Ö", "o"}, {"Ù", "u"}, {"Û", "u"},
    {"Ü", "u"}, {"Ÿ", "y"}, {"œ", "oe"}, {"Œ", "oe"}, {"æ", "ae"}, {"Æ", "ae"},
};

void places_fold(const char *in, char *out, size_t outlen)
{
    size_t o = 0;
    bool space = true; /* drop leading blanks */
    while (*in && o + 3 < outlen) {
        const char *add = NULL;
        size_t skip = 1;
        for (size_t i = 0; i < sizeof folds / sizeof folds[0]; i++) {
            size_t n = strlen(folds[i].from);
            if (strncmp(in, folds[i].from, n) == 0) {
                add = folds[i].to;
                skip = n;
                break;
            }
        }
        char c = *in;
        /* What a word processor or MCF writes between words: typographic apostrophes,
         * non-breaking hyphen, dashes, non-breaking spaces ("Côte‑d’Or"). */
        static const char *const wide_seps[] = {"\u2019", "\u2018", "\u2011", "\u2010",
                                                "\u2013", "\u2014", "\u00a0", "\u202f"};
        size_t sep = 0;
        for (size_t i = 0; !add && i < sizeof wide_seps / sizeof wide_seps[0]; i++)
            if (strncmp(in, wide_seps[i], strlen(wide_seps[i])) == 0)
                sep = strlen(wide_seps[i]);
        if (!add && (sep || c == '-' || c == '\'' || c == ' ' || c == '\t' || c == '_')) {
            if (!space)
                out[o++] = ' ';
            space = true;
            in += sep ? sep : 1;
            continue;
        }
        if (add) {
            for (; *add && o + 1 < outlen; add++)
                out[o++] = *add;
        } else {
            out[o++] = (char)tolower((unsigned char)c);
        }
        space = false;
        in += skip;
    }
    while (o > 0 && out[o - 1] == ' ')
        o--;
    out[o] = '\0';
}

/* The folded name without a leading article: "la reunion" → "reunion". */
static const char *without_article(const char *folded)
{
    static const char *const articles[] = {"la ", "le ", "les ", "l "};
    for (size_t i = 0; i < sizeof articles / sizeof articles[0]; i++)
        if (strncmp(folded, articles[i], strlen(articles[i])) == 0)
            return folded + strlen(articles[i]);
    return folded;
}

/* The département whose code is `folded` ("7", "07", "2a", "974"), or NULL. */
static const struct departement *by_code(const char *folded)
{
    char code[8];
    if (strlen(folded) > 3)
        return NULL;
    if (folded[1] == '\0' && isdigit((unsigned char)folded[0])) {
        code[0] = '0';
        code[1] = folded[0];
        code[2] = '\0';
    } else {
        size_t i;
        for (i = 0; folded[i]; i++)
            code[i] = (char)toupper((unsigned char)folded[i]);
        code[i] = '\0';
    }
    for (size_t i = 0; i < sizeof departements / sizeof departements[0]; i++)
        if (strcmp(code, departements[i].code) == 0)
            return &departements[i];
    return NULL;
}

const struct departement *places_find_departement(const char *text)
{
    char folded[128], name[128];
    places_fold(text ? text : "", folded, sizeof folded);
    if (!folded[0])
        return NULL;
    const struct departement *d = by_code(folded);
    if (d)
        return d;
    /* "reunion" is La Réunion: the article is optional on both sides. */
    const char *typed = without_article(folded);
    for (size_t i = 0; i < sizeof departements / sizeof departements[0]; i++) {
        places_fold(departements[i].name, name, sizeof name);
        if (strcmp(folded, name) == 0 || strcmp(typed, without_article(name)) == 0)
            return &departements[i];
    }
    return NULL;
}

size_t places_match_departements(const char *text, const struct departement **out, size_t max)
{
    const struct departement *exact = places_find_departement(text);
    if (exact) {
        if (max)
            out[0] = exact;
        return 1;
    }
    char folded[128], name[128];
    places_fold(text ? text : "", folded, sizeof folded);
    const char *typed = without_article(folded);
    size_t len = strlen(typed), n = 0;
    if (len == 0)
        return 0;
    for (size_t i = 0; i < sizeof departements / sizeof departements[0]; i++) {
        places_fold(departements[i].name, name, sizeof name);
        /* The start of the name or of any of its words: "ard" → Ardèche, Ardennes;
         * "garonne" → Haute-Garonne, Lot-et-Garonne, Tarn-et-Garonne. */
        bool match = false;
        for (const char *w = name; w && !match; w = strchr(w, ' '), w = w ? w + 1 : NULL)
            match = strncmp(w, typed, len) == 0;
        if (match) {
            if (n < max)
                out[n] = &departements[i];
            n++;
        }
    }
    return n;
}
