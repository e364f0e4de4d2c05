/* `difelus calendrier FICHIER.ics`: the deadlines and training dates as iCalendar. */
#include <stdlib.h>

#include "cli/cli.h"
#include "difelus/calendar.h"
#include "difelus/text.h"
#include "difelus/dates.h"
#include "difelus/status.h"

static int run(const struct cli_call *call)
{
    const char *file = call->argv[0];
    struct status s;
    if (status_load(call->st, dates_today(), &s) != 0) {
        text_fprintf(stderr, "difelus : %s\n", store_error(call->st));
        return EXIT_FAILURE;
    }
    char err[1024];
    size_t count = 0, cancelled = 0;
    int rc = calendar_write(call->st, &s, file, &count, &cancelled, err, sizeof err);
    status_free(&s);
    if (rc != 0) {
        text_fprintf(stderr, "difelus : %s\n", err);
        return EXIT_FAILURE;
    }
    text_fprintf(stdout, "%zu événement%s en attente écrit%s dans %s.\n", count, text_plural(count),
           text_plural(count), file);
    if (cancelled == 1)
        text_fprintf(stdout, "1 échéance qui n'est plus en attente y est marquée « annulée », pour que votre "
               "agenda la retire à l'import.\n");
    else if (cancelled > 1)
        text_fprintf(stdout, "%zu échéances qui ne sont plus en attente y sont marquées « annulées », pour "
               "que votre agenda les retire à l'import.\n", cancelled);
    return EXIT_SUCCESS;
}

const struct cli_command cli_cmd_calendar = {
    .name = "calendrier",
    .args = "FICHIER.ics",
    .help = "les échéances et les dates de formation dans un calendrier, avec un rappel la "
            "veille",
    .min_args = 1,
    .max_args = 1,
    .args_hint = "attend un nom de fichier, par exemple « difelus calendrier formations.ics »",
    .flags = CLI_READS_ONLY,
    .run = run,
};
