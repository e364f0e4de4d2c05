#include "difelus/calendar.h"

#include <errno.h>
#include <libical/ical.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "difelus/rules.h"
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

/* RFC 5545 wants at least one component in a calendar: the time zone of France is always
 * there, so that an export with nothing pending is still a valid calendar. */
static const char paris_tz[] =
    "BEGIN:VTIMEZONE\r\n"
    "TZID:Europe/Paris\r\n"
    "BEGIN:DAYLIGHT\r\n"
    "TZOFFSETFROM:+0100\r\n"
    "TZOFFSETTO:+0200\r\n"
    "TZNAME:CEST\r\n"
    "DTSTART:19700329T020000\r\n"
    "RRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU\r\n"
    "END:DAYLIGHT\r\n"
    "BEGIN:STANDARD\r\n"
    "TZOFFSETFROM:+0200\r\n"
    "TZOFFSETTO:+0100\r\n"
    "TZNAME:CET\r\n"
    "DTSTART:19701025T030000\r\n"
    "RRULE:FREQ=YEARLY;BYMONTH=10;BYDAY=-1SU\r\n"
    "END:STANDARD\r\n"
    "END:VTIMEZONE\r\n";

struct export {
    icalcomponent *cal;
    const char *db_id;
    size_t pending, cancelled;
};

/* One all-day event. A pending one has a reminder the day before; one that is no longer
 * pending keeps its UID with STATUS:CANCELLED and a higher SEQUENCE, which is how calendar
 * programs learn to drop an event they imported before. */
static void add_event(struct export *x, const struct dossier *d, const char *what, int sequence,
                      bool pending, struct date day, const char *summary,
                      const char *description)
{
    char uid[256], text[1400];
    if (!dates_valid(day))
        return;
    snprintf(uid, sizeof uid, "dossier-%lld-%s-%s@difelus", d->id, what, x->db_id);
    icalcomponent *ev = icalcomponent_new(ICAL_VEVENT_COMPONENT);
    icalcomponent_add_property(ev, icalproperty_new_uid(uid));
    icalcomponent_add_property(
        ev, icalproperty_new_dtstamp(icaltime_current_time_with_zone(icaltimezone_get_utc_timezone())));
    icalcomponent_add_property(ev, icalproperty_new_sequence(sequence));
    icalcomponent_add_property(ev, icalproperty_new_status(pending ? ICAL_STATUS_CONFIRMED
                                                                   : ICAL_STATUS_CANCELLED));
    icalcomponent_add_property(ev, icalproperty_new_dtstart(ical_date(day)));
    icalcomponent_add_property(ev, icalproperty_new_dtend(ical_date(dates_add_days(day, 1))));
    snprintf(text, sizeof text, "%s%s", pending ? "" : "Plus d'actualité : ", summary);
    icalcomponent_add_property(ev, icalproperty_new_summary(text));
    if (pending)
        snprintf(text, sizeof text, "%s", description);
    else
        snprintf(text, sizeof text, "Cette échéance n'est plus en attente : le dossier est "
                                    "« %s ».", dossier_status_label(d->status));
    icalcomponent_add_property(ev, icalproperty_new_description(text));
    icalcomponent_add_property(ev, icalproperty_new_transp(ICAL_TRANSP_TRANSPARENT));
    if (pending) {
        icalcomponent *alarm = icalcomponent_new(ICAL_VALARM_COMPONENT);
        icalcomponent_add_property(alarm, icalproperty_new_action(ICAL_ACTION_DISPLAY));
        struct icaltriggertype trigger;
        memset(&trigger, 0, sizeof trigger);
        trigger.time = icaltime_null_time();
        trigger.duration = icaldurationtype_from_int(-24 * 60 * 60); /* the day before */
        icalcomponent_add_property(alarm, icalproperty_new_trigger(trigger));
        icalcomponent_add_property(alarm, icalproperty_new_description(summary));
        icalcomponent_add_component(ev, alarm);
    }
    icalcomponent_add_component(x->cal, ev);
    if (pending)
        x->pending++;
    else
        x->cancelled++;
}

/* The deadlines of one dossier: the one its status sets, the session's start and end, and
 * those its history set before and that are no longer pending. */
static void add_dossier(struct export *x, const struct dossier *d, const struct dossier_event *ev,
                        size_t n, struct date today)
{
    char summary[1024], description[1200];
    bool closed = dossier_status_closed(d->status);
    int sequence = (int)n;
    /* The last day each past status set its deadline from. */
    struct date sent = {0, 0, 0}, offered = {0, 0, 0};
    for (size_t i = 0; i < n; i++) {
        if (ev[i].status == DS_SENT)
            sent = ev[i].day;
        if (ev[i].status == DS_PROPOSAL || ev[i].status == DS_TO_VALIDATE)
            offered = ev[i].day;
    }
    struct dossier_deadline now = closed ? (struct dossier_deadline){DL_NONE, {0, 0, 0}}
                                         : dossier_deadline(d);
    static const struct {
        enum deadline_kind kind;
        const char *uid;
    } kinds[] = {{DL_SEND, "envoi"}, {DL_REPLY, "reponse"}, {DL_CONFIRM, "confirmation"}};
    for (size_t k = 0; k < sizeof kinds / sizeof kinds[0]; k++) {
        struct date day = {0, 0, 0};
        bool pending = now.kind == kinds[k].kind;
        if (pending)
            day = now.date;
        else if (kinds[k].kind == DL_SEND && dates_valid(d->start))
            day = dates_latest_before(d->start, RULES_MIN_LEAD_WORKING_DAYS);
        else if (kinds[k].kind == DL_REPLY && dates_valid(sent))
            day = dates_add_working_days(sent, RULES_REPLY_WORKING_DAYS);
        else if (kinds[k].kind == DL_CONFIRM && dates_valid(offered))
            day = dates_add_working_days(offered, RULES_CONFIRM_WORKING_DAYS);
        snprintf(summary, sizeof summary, "%s — %s", dossier_deadline_label(kinds[k].kind),
                 d->title);
        snprintf(description, sizeof description, "%s Statut du dossier : %s.",
                 dossier_deadline_advice(kinds[k].kind), dossier_status_label(d->status));
        add_event(x, d, kinds[k].uid, sequence, pending, day, summary, description);
    }
    /* A session that will not take place leaves the calendar; one that took place stays. */
    bool dropped = d->status == DS_CANCELLED || d->status == DS_REFUSED;
    if (dates_valid(d->start) && (dropped || (!closed && dates_compare(d->start, today) >= 0))) {
        snprintf(summary, sizeof summary, "Début de la formation — %s", d->title);
        snprintf(description, sizeof description, "Organisme : %s. Statut du dossier : %s.",
                 d->body[0] ? d->body : "non indiqué", dossier_status_label(d->status));
        add_event(x, d, "debut", sequence, !dropped, d->start, summary, description);
    }
    if (dates_valid(d->end) && dates_compare(d->end, d->start) != 0 &&
        (dropped || (!closed && dates_compare(d->end, today) >= 0))) {
        snprintf(summary, sizeof summary, "Fin de la formation — %s", d->title);
        snprintf(description, sizeof description, "Organisme : %s.",
                 d->body[0] ? d->body : "non indiqué");
        add_event(x, d, "fin", sequence, !dropped, d->end, summary, description);
    }
}

char *calendar_to_ics(store *st, const struct status *s, size_t *pending, size_t *cancelled,
                      char *err, size_t errlen)
{
    *pending = *cancelled = 0;
    char db_id[64];
    if (store_database_id(st, db_id, sizeof db_id) != 0) {
        snprintf(err, errlen, "%s", store_error(st));
        return NULL;
    }
    struct export x = {icalcomponent_new(ICAL_VCALENDAR_COMPONENT), db_id, 0, 0};
    icalcomponent *tz = icalparser_parse_string(paris_tz);
    if (!x.cal || !tz) {
        if (x.cal)
            icalcomponent_free(x.cal);
        if (tz)
            icalcomponent_free(tz);
        snprintf(err, errlen, "Mémoire insuffisante pour produire le calendrier.");
        return NULL;
    }
    icalcomponent_add_property(x.cal, icalproperty_new_version("2.0"));
    icalcomponent_add_property(x.cal, icalproperty_new_prodid("-//difelus//difelus "
                                                              DIFELUS_VERSION "//FR"));
    icalcomponent_add_property(x.cal, icalproperty_new_calscale("GREGORIAN"));
    icalcomponent_add_component(x.cal, tz);
    for (size_t i = 0; i < s->dossier_count; i++) {
        struct dossier_event ev[64];
        size_t n = 0;
        if (store_dossier_events(st, s->dossiers[i].id, ev, 64, &n) != 0) {
            snprintf(err, errlen, "%s", store_error(st));
            icalcomponent_free(x.cal);
            return NULL;
        }
        add_dossier(&x, &s->dossiers[i], ev, n, s->today);
    }
    char *text = icalcomponent_as_ical_string_r(x.cal);
    icalcomponent_free(x.cal);
    if (!text)
        snprintf(err, errlen, "Mémoire insuffisante pour produire le calendrier.");
    *pending = x.pending;
    *cancelled = x.cancelled;
    return text;
}

int calendar_write(store *st, const struct status *s, const char *path, size_t *pending,
                   size_t *cancelled, char *err, size_t errlen)
{
    char *text = calendar_to_ics(st, s, pending, cancelled, err, errlen);
    if (!text)
        return -1;
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
