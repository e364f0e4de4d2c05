/* Fuzz target: the dates an official types (JJ/MM/AAAA, AAAA-MM-JJ) through dates_parse,
 * and the forms that read dates (mandate, dossier: one field per line of the input), with
 * the calendar arithmetic applied to whatever date was accepted. */
#include <stdint.h>
#include <string.h>

#include "difelus/dates.h"
#include "difelus/dossier.h"
#include "difelus/mandate.h"
#include "fuzz.h"

static void check_date(const char *s, unsigned char knob)
{
    struct date d = {0, 0, 0};
    char err[256];
    err[0] = '\0';
    bool ok = dates_parse(s, &d, err, sizeof err);
    /* The same answer without a message buffer (DIFELUS_AUJOURDHUI's reading), and a
     * message cut short stays whole characters. */
    struct date d2;
    FUZZ_CHECK(dates_parse(s, &d2, NULL, 0) == ok, "réponse différente sans message");
    char small[1 + knob % 24];
    FUZZ_CHECK(dates_parse(s, &d2, small, sizeof small) == ok, "réponse différente");
    if (!ok) {
        fuzz_check_message(err, "dates_parse");
        FUZZ_CHECK(text_is_clean(small), "message coupé au milieu d'un caractère : %s", small);
        return;
    }
    FUZZ_CHECK(dates_valid(d), "date acceptée mais invalide : %d-%d-%d", d.year, d.month, d.day);
    char iso[16], shortf[16], longf[64];
    dates_format_iso(d, iso, sizeof iso);
    dates_format_short(d, shortf, sizeof shortf);
    dates_format_long(d, longf, sizeof longf);
    FUZZ_CHECK(text_is_clean(longf) && longf[0], "date longue : %s", longf);
    struct date back;
    FUZZ_CHECK(dates_parse(iso, &back, NULL, 0) && dates_compare(back, d) == 0, "aller-retour %s",
               iso);
    FUZZ_CHECK(dates_parse(shortf, &back, NULL, 0) && dates_compare(back, d) == 0,
               "aller-retour %s", shortf);
    FUZZ_CHECK(dates_compare(dates_from_days(dates_to_days(d)), d) == 0, "jours %s", iso);

    /* The deadlines' arithmetic on it (n up to two months of jours ouvrés). */
    int n = knob % 45;
    struct date after = dates_add_working_days(d, n);
    FUZZ_CHECK(dates_compare(after, d) >= 0, "jours ouvrés en arrière");
    FUZZ_CHECK(dates_working_days_between(d, after) == n, "%d jours ouvrés après %s", n, iso);
    FUZZ_CHECK(n == 0 || dates_is_working_day(after), "échéance un jour chômé");
    struct date latest = dates_latest_before(d, n);
    FUZZ_CHECK(dates_compare(dates_add_working_days(latest, n), d) <= 0, "au plus tard %s", iso);
    struct date before = dates_working_day_before(d);
    FUZZ_CHECK(dates_compare(before, d) < 0 && dates_is_working_day(before), "veille ouvrée");
    char why[128];
    if (dates_non_working_reason(d, why, sizeof why))
        FUZZ_CHECK(text_is_clean(why) && why[0], "raison : %s", why);
    const char *holiday = NULL;
    if (dates_is_holiday(d, &holiday))
        FUZZ_CHECK(holiday && text_is_clean(holiday), "jour férié sans nom");
    (void)dates_add_days(d, (int)knob - 128);
    (void)dates_weekday(d);
}

/* Splits a copy of the input at each newline into at most `count` fields (the missing ones
 * empty), as a form's fields. */
static void split_fields(char *s, const char **values, int count)
{
    for (int i = 0; i < count; i++)
        values[i] = "";
    for (int i = 0; i < count && s; i++) {
        values[i] = s;
        char *nl = strchr(s, '\n');
        if (nl)
            *nl++ = '\0';
        s = nl;
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    unsigned char knob = size ? data[0] : 0;
    char *s = fuzz_string(data, size);
    check_date(s, knob);

    /* The mandate form: level, collectivité, function, start, end, side, indemnified. */
    char *copy = fuzz_string(data, size);
    const char *mv[MF_COUNT];
    split_fields(copy, mv, MF_COUNT);
    char merr[MF_COUNT][256];
    struct mandate m;
    int wrong = mandate_check_strings(mv, &m, merr);
    for (int i = 0; i < MF_COUNT; i++)
        if (merr[i][0])
            fuzz_check_message(merr[i], "mandat");
    FUZZ_CHECK(wrong >= 0 && wrong <= MF_COUNT, "mandat : %d champs faux", wrong);
    if (wrong == 0)
        FUZZ_CHECK(dates_valid(m.start) && dates_valid(m.end), "mandat accepté sans dates");
    int bad = -1;
    char err[256];
    if (!mandate_from_strings(mv, &m, &bad, err, sizeof err)) {
        fuzz_check_message(err, "mandat");
        FUZZ_CHECK(bad >= 0 && bad < MF_COUNT, "mandat : champ en cause %d", bad);
    }
    free(copy);

    /* The dossier form (dates, price, hours, SIRET among its fields). */
    copy = fuzz_string(data, size);
    const char *dv[DF_COUNT];
    split_fields(copy, dv, DF_COUNT);
    static char derr[DF_COUNT][256];
    static struct dossier dossier;
    memset(&dossier, 0, sizeof dossier);
    wrong = dossier_check_strings(dv, &dossier, (struct date){2026, 11, 27}, derr);
    for (int i = 0; i < DF_COUNT; i++)
        if (derr[i][0])
            fuzz_check_message(derr[i], "dossier");
    FUZZ_CHECK(wrong >= 0 && wrong <= DF_COUNT, "dossier : %d champs faux", wrong);
    free(copy);
    free(s);
    return 0;
}
