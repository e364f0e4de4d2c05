/* Fuzz target: amounts in euros and hours as the official types or copies them from Mon
 * Compte Formation (text_parse_euros, text_parse_hours), the balance form that reads an
 * amount and a date (first line, second line), and the SIRET of the dossier form. What is
 * accepted must print back (text_format_*) to a text that reads as the same value. */
#include <stdint.h>
#include <string.h>

#include "difelus/balance.h"
#include "difelus/dossier.h"
#include "fuzz.h"

static void check_euros(const char *s)
{
    long cents = -12345;
    if (!text_parse_euros(s, &cents))
        return;
    FUZZ_CHECK(cents >= 0, "montant négatif accepté : %ld", cents);
    char shown[64];
    text_format_euros(cents, shown, sizeof shown);
    FUZZ_CHECK(text_is_clean(shown), "montant affiché : %s", shown);
    long back = -1;
    FUZZ_CHECK(text_parse_euros(shown, &back) && back == cents, "« %s » relu %ld au lieu de %ld",
               shown, back, cents);
}

static void check_hours(const char *s)
{
    int h = -1;
    if (!text_parse_hours(s, &h))
        return;
    FUZZ_CHECK(h >= 0, "heures négatives acceptées : %d", h);
    char shown[64];
    text_format_hours(h, shown, sizeof shown);
    FUZZ_CHECK(text_is_clean(shown), "heures affichées : %s", shown);
    int back = -1;
    FUZZ_CHECK(text_parse_hours(shown, &back) && back == h, "« %s » relu %d au lieu de %d", shown,
               back, h);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *s = fuzz_string(data, size);
    check_euros(s);
    check_hours(s);

    char siret[15];
    char err[256];
    if (dossier_siret_valid(s, siret, err, sizeof err))
        FUZZ_CHECK(strlen(siret) == 14 && strspn(siret, "0123456789") == 14, "SIRET %s", siret);
    else
        fuzz_check_message(err, "SIRET");

    /* The balance form: amount on the first line, the day it was read on the second. */
    char *nl = strchr(s, '\n');
    const char *day = "";
    if (nl) {
        *nl = '\0';
        day = nl + 1;
    }
    long cents = -1;
    struct date observed = {0, 0, 0};
    int bad = -1;
    if (balance_from_strings(s, day, (struct date){2026, 11, 27}, &cents, &observed, &bad, err,
                             sizeof err)) {
        FUZZ_CHECK(cents >= 0 && cents <= BALANCE_CEILING_CENTS, "solde %ld", cents);
        FUZZ_CHECK(dates_valid(observed), "date du solde");
    } else {
        fuzz_check_message(err, "solde");
        FUZZ_CHECK(bad == BF_AMOUNT || bad == BF_DATE, "champ en cause %d", bad);
    }
    free(s);
    return 0;
}
