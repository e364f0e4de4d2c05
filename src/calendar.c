#include "difelus/calendar.h"

#include <errno.h>
#include <libical/ical.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "difelus/syserr.h"
#include "difelus/version.h"

static struct icaltimetype ical_date(struct date d)
{
    struct icaltimetype t = icaltime_null_date();
    t.year = d.year;
    t.month = d.month;
    t.day = d.day;
    t.is_date = 1;
    return t;
}

static void add_event(icalcomponent *cal, const char *uid, struct date day, const char *summary,
                      const char *description)
{
    icalcomponent *ev = icalcomponent_new(ICAL_VEVENT_COMPONENT);
    icalcomponent_add_property(ev, icalproperty_new_uid(uid));
    icalcomponent_add_property(
        ev, icalproperty_new_dtstamp(icaltime_current_time_with_zone(icaltimezone_get_utc_timezone())));
    icalcomponent_add_property(ev, icalproperty_new_dtstart(ical_date(day)));
    icalcomponent_add_property(ev, icalproperty_new_dtend(ical_date(dates_add_days(day, 1))));
    icalcomponent_add_property(ev, icalproperty_new_summary(summary));
    icalcomponent_add_property(ev, icalproperty_new_description(description));
    icalcomponent_add_property(ev, icalproperty_new_transp(ICAL_TRANSP_TRANSPARENT));

    icalcomponent *alarm = icalcomponent_new(ICAL_VALARM_COMPONENT);
    icalcomponent_add_property(alarm, icalproperty_new_action(ICAL_ACTION_DISPLAY));
    struct icaltriggertype trigger;
    memset(&trigger, 0, sizeof trigger);
    trigger.time = icaltime_null_time();
    trigger.duration = icaldurationtype_from_int(-24 * 60 * 60); /* the day before */
    icalcomponent_add_property(alarm, icalproperty_new_trigger(trigger));
    icalcomponent_add_property(alarm, icalproperty_new_description(summary));
    icalcomponent_add_component(ev, alarm);
    icalcomponent_add_component(cal, ev);
}

char *calendar_to_ics(const struct status *s, size_t *count)
{
    *count = 0;
    icalcomponent *cal = icalcomponent_new(ICAL_VCALENDAR_COMPONENT);
    if (!cal)
        return NULL;
    icalcomponent_add_property(cal, icalproperty_new_version("2.0"));
    icalcomponent_add_property(cal, icalproperty_new_prodid("-//difelus//difelus " DIFELUS_VERSION
                                                            "//FR"));
    icalcomponent_add_property(cal, icalproperty_new_calscale("GREGORIAN"));
    char uid[128], summary[1024], description[1200];
    for (size_t i = 0; i < s->dossier_count; i++) {
        const struct dossier *d = &s->dossiers[i];
        if (dossier_status_closed(d->status))
            continue;
        struct dossier_deadline dl = dossier_deadline(d);
        /* The status's own deadline, unless it is the session start or end listed below. */
        if (dl.kind == DL_SEND || dl.kind == DL_REPLY || dl.kind == DL_CONFIRM) {
            snprintf(uid, sizeof uid, "dossier-%lld-%s-%d%02d%02d@difelus", d->id,
                     dossier_status_key(d->status), dl.date.year, dl.date.month, dl.date.day);
            snprintf(summary, sizeof summary, "%s — %s", dossier_deadline_label(dl.kind), d->title);
            snprintf(description, sizeof description, "%s Statut du dossier : %s.",
                     dossier_deadline_advice(dl.kind), dossier_status_label(d->status));
            add_event(cal, uid, dl.date, summary, description);
            (*count)++;
        }
        if (dates_valid(d->start) && dates_compare(d->start, s->today) >= 0) {
            snprintf(uid, sizeof uid, "dossier-%lld-debut@difelus", d->id);
            snprintf(summary, sizeof summary, "Début de la formation — %s", d->title);
            snprintf(description, sizeof description, "Organisme : %s. Statut du dossier : %s.",
                     d->body[0] ? d->body : "non indiqué", dossier_status_label(d->status));
            add_event(cal, uid, d->start, summary, description);
            (*count)++;
        }
        if (dates_valid(d->end) && dates_compare(d->end, s->today) >= 0 &&
            dates_compare(d->end, d->start) != 0) {
            snprintf(uid, sizeof uid, "dossier-%lld-fin@difelus", d->id);
            snprintf(summary, sizeof summary, "Fin de la formation — %s", d->title);
            snprintf(description, sizeof description, "Organisme : %s.",
                     d->body[0] ? d->body : "non indiqué");
            add_event(cal, uid, d->end, summary, description);
            (*count)++;
        }
    }
    char *text = icalcomponent_as_ical_string_r(cal);
    icalcomponent_free(cal);
    return text;
}

int calendar_write(const struct status *s, const char *path, size_t *count, char *err,
                   size_t errlen)
{
    char *text = calendar_to_ics(s, count);
    if (!text) {
        snprintf(err, errlen, "Mémoire insuffisante pour produire le calendrier.");
        return -1;
    }
    char tmp[4200];
    snprintf(tmp, sizeof tmp, "%s.tmp-XXXXXX", path);
    int fd = mkstemp(tmp);
    FILE *f = fd >= 0 ? fdopen(fd, "w") : NULL;
    if (!f) {
        snprintf(err, errlen, "Impossible d'écrire « %s » (%s). Vérifiez que le dossier existe "
                              "et que vous pouvez y écrire.", path, syserr_text(errno));
        if (fd >= 0)
            close(fd);
        free(text);
        return -1;
    }
    size_t len = strlen(text);
    bool ok = fwrite(text, 1, len, f) == len;
    ok = fclose(f) == 0 && ok;
    free(text);
    if (!ok || rename(tmp, path) != 0) {
        snprintf(err, errlen, "Impossible d'écrire « %s » (%s).", path, syserr_text(errno));
        unlink(tmp);
        return -1;
    }
    return 0;
}
