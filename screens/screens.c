/* The table of every screen the app can show (looked up by id when resuming). */
#include "tui/tui.h"

const struct screen *const screens_all[] = {
    &screen_home,     &screen_steps[0], &screen_steps[1],     &screen_steps[2],
    &screen_steps[3], &screen_steps[4], &screen_steps[5],     &screen_mandates,
    &screen_mandate_form, &screen_balance, &screen_help,      &screen_dossiers,
    &screen_dossier, &screen_dossier_form, &screen_dossier_status, &screen_search, NULL,
};
