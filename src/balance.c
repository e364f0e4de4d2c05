#include "difelus/balance.h"

#include <stdio.h>

#include "difelus/text.h"

bool balance_from_strings(const char *amount, const char *day, struct date today,
                          long *cents, struct date *observed, int *bad_field, char *err,
                          size_t errlen)
{
    long value;
    char clean[64];
    text_sanitize(clean, sizeof clean, amount);
    text_trim(clean);
    if (clean[0] == '\0') {
        *bad_field = BF_AMOUNT;
        text_msgf(err, errlen, "Tapez le montant lu sur « Compte élu », par exemple 400 ou 712,50.");
        return false;
    }
    if (!text_parse_euros(clean, &value)) {
        *bad_field = BF_AMOUNT;
        text_msgf(err, errlen, "« %s » n'est pas un montant : tapez des chiffres, par exemple "
                              "400 ou 712,50.", clean);
        return false;
    }
    if (value > BALANCE_CEILING_CENTS) {
        char max[32];
        text_format_euros(BALANCE_CEILING_CENTS, max, sizeof max);
        *bad_field = BF_AMOUNT;
        text_msgf(err, errlen, "Le DIF élu ne peut pas dépasser %s : vérifiez le montant lu.", max);
        return false;
    }
    struct date d;
    if (!dates_parse(day, &d, err, errlen)) {
        *bad_field = BF_DATE;
        return false;
    }
    if (dates_compare(d, today) > 0) {
        *bad_field = BF_DATE;
        text_msgf(err, errlen, "Cette date est dans le futur : tapez le jour où vous avez lu le "
                              "solde.");
        return false;
    }
    *cents = value;
    *observed = d;
    return true;
}
