#include "difelus/mandate.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "difelus/text.h"

static const char *const level_labels[MANDATE_LEVEL_COUNT] = {
    "municipal", "communautaire", "départemental", "régional", "autre",
};
static const char *const level_ascii[MANDATE_LEVEL_COUNT] = {
    "municipal", "communautaire", "departemental", "regional", "autre",
};

const char *mandate_level_label(enum mandate_level level)
{
    if ((int)level < 0 || level >= MANDATE_LEVEL_COUNT)
        return "autre";
    return level_labels[level];
}

int mandate_level_parse(const char *label)
{
    for (int i = 0; i < MANDATE_LEVEL_COUNT; i++)
        if (strcmp(label, level_labels[i]) == 0 || strcasecmp(label, level_ascii[i]) == 0)
            return i;
    return -1;
}

/* Copies a trimmed, clean text of 1..MANDATE_TEXT_MAX characters. */
static bool check_text(const char *value, const char *what, char *dst, size_t dstlen,
                       char *err, size_t errlen)
{
    return text_check_field(value, what, true, MANDATE_TEXT_MAX, dst, dstlen, err, errlen);
}

int mandate_check_strings(const char *const values[MF_COUNT], struct mandate *out,
                          char errors[MF_COUNT][256])
{
    struct mandate m = *out;
    char buf[64];
    int bad = 0;
    for (int i = 0; i < MF_COUNT; i++)
        errors[i][0] = '\0';
#define ERR sizeof errors[0]

    snprintf(buf, sizeof buf, "%s", values[MF_LEVEL] ? values[MF_LEVEL] : "");
    int level = mandate_level_parse(text_trim(buf));
    if (level < 0) {
        bad++;
        snprintf(errors[MF_LEVEL], ERR, "Choisissez le niveau avec Espace : municipal, "
                                        "communautaire, départemental, régional ou autre.");
    } else {
        m.level = (enum mandate_level)level;
    }
    if (!check_text(values[MF_COLLECTIVITE], "La collectivité", m.collectivite,
                    sizeof m.collectivite, errors[MF_COLLECTIVITE], ERR))
        bad++;
    if (!check_text(values[MF_FUNCTION], "La fonction", m.function, sizeof m.function,
                    errors[MF_FUNCTION], ERR))
        bad++;
    bool start_ok = dates_parse(values[MF_START], &m.start, errors[MF_START], ERR);
    bool end_ok = dates_parse(values[MF_END], &m.end, errors[MF_END], ERR);
    bad += !start_ok + !end_ok;
    if (start_ok && end_ok && dates_compare(m.end, m.start) <= 0) {
        bad++;
        snprintf(errors[MF_END], ERR, "La fin prévue doit venir après le début du mandat.");
    }

    snprintf(buf, sizeof buf, "%s", values[MF_SIDE] ? values[MF_SIDE] : "");
    text_trim(buf);
    if (strcmp(buf, "majorité") == 0 || strcasecmp(buf, "majorite") == 0) {
        m.opposition = false;
    } else if (strcasecmp(buf, "opposition") == 0) {
        m.opposition = true;
    } else {
        bad++;
        snprintf(errors[MF_SIDE], ERR, "Choisissez avec Espace : majorité ou opposition.");
    }

    snprintf(buf, sizeof buf, "%s", values[MF_INDEMNIFIED] ? values[MF_INDEMNIFIED] : "");
    text_trim(buf);
    if (strcasecmp(buf, "oui") == 0) {
        m.indemnified = true;
    } else if (strcasecmp(buf, "non") == 0) {
        m.indemnified = false;
    } else {
        bad++;
        snprintf(errors[MF_INDEMNIFIED], ERR, "Choisissez avec Espace : oui ou non.");
    }
#undef ERR
    if (bad == 0)
        *out = m;
    return bad;
}

bool mandate_from_strings(const char *const values[MF_COUNT], struct mandate *out,
                          int *bad_field, char *err, size_t errlen)
{
    char errors[MF_COUNT][256];
    if (mandate_check_strings(values, out, errors) == 0)
        return true;
    for (int i = 0; i < MF_COUNT; i++) {
        if (errors[i][0]) {
            *bad_field = i;
            text_msgf(err, errlen, "%s", errors[i]);
            break;
        }
    }
    return false;
}

void mandate_to_strings(const struct mandate *m, char values[MF_COUNT][4 * MANDATE_TEXT_MAX + 1])
{
    size_t len = 4 * MANDATE_TEXT_MAX + 1;
    snprintf(values[MF_LEVEL], len, "%s", mandate_level_label(m->level));
    snprintf(values[MF_COLLECTIVITE], len, "%s", m->collectivite);
    snprintf(values[MF_FUNCTION], len, "%s", m->function);
    dates_format_short(m->start, values[MF_START], len);
    dates_format_short(m->end, values[MF_END], len);
    snprintf(values[MF_SIDE], len, "%s", m->opposition ? "opposition" : "majorité");
    snprintf(values[MF_INDEMNIFIED], len, "%s", m->indemnified ? "oui" : "non");
}
