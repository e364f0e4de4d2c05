#include "difelus/calendar.h"
#include "difelus/text.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "difelus/rules.h"
#include "difelus/syserr.h"
#include "difelus/version.h"

/* A small RFC 5545 writer of our own rather than libical, which pulls ICU: the wizard then
 * loads a few shared libraries instead of 45. The tests read every file back with libical. */

/* The calendar being written. On a failed allocation it stays failed and the export says so. */
struct ics {
    char *text;
    size_t len, cap;
    size_t col; /* octets on the current physical line */
    bool failed;
};

static void raw(struct ics *o, const char *s, size_t n)
{
    if (o->failed)
        return;
    if (o->len + n + 1 > o->cap) {
        size_t cap = o->cap ? o->cap * 2 : 16384;
        while (cap < o->len + n + 1)
            cap *= 2;
        char *text = realloc(o->text, cap);
        if (!text) {
            o->failed = true;
            return;
        }
        o->text = text;
        o->cap = cap;
    }
    memcpy(o->text + o->len, s, n);
    o->len += n;
    o->text[o->len] = '\0';
}

/* Appends s to the current content line, folded (§3.1): a line never passes 75 octets before
 * its CRLF, a fold never cuts a UTF-8 sequence or an escape, and the continuation line starts
 * with one space. With `escape`, s is a TEXT value (§3.3.11): backslash, ; , and newline are
 * escaped, and other control characters, which TEXT forbids, are dropped. */
static void fold(struct ics *o, const char *s, bool escape)
{
    while (*s) {
        unsigned char c = (unsigned char)*s;
        char esc[2] = {'\\', c == '\n' ? 'n' : (char)c};
        const char *unit = s;
        size_t n = 1;
        if (escape && (c == '\\' || c == ';' || c == ',' || c == '\n')) {
            unit = esc;
            n = 2;
            s++;
        } else if (escape && ((c < 0x20 && c != '\t') || c == 0x7f)) {
            s++;
            continue;
        } else {
            while (n < 4 && ((unsigned char)s[n] & 0xc0) == 0x80)
                n++;
            s += n;
        }
        if (o->col + n > 75) {
            raw(o, "\r\n ", 3);
            o->col = 1;
        }
        raw(o, unit, n);
        o->col += n;
    }
}

/* One content line "NAME:value"; name may carry parameters ("DTSTART;VALUE=DATE"). */
static void line(struct ics *o, const char *name, const char *value, bool escape)
{
    fold(o, name, false);
    fold(o, ":", false);
    fold(o, value, escape);
    raw(o, "\r\n", 2);
    o->col = 0;
}

static void text_line(struct ics *o, const char *name, const char *value)
{
    line(o, name, value, true);
}

static void date_line(struct ics *o, const char *name, struct date d)
{
    char v[40];
    snprintf(v, sizeof v, "%04d%02d%02d", d.year, d.month, d.day);
    line(o, name, v, false);
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
    struct ics out;
    const char *db_id;
    char stamp[32]; /* DTSTAMP: when the file was made, in UTC */
    size_t pending, cancelled;
};

/* One all-day event. A pending one has a reminder the day before; one that is no longer
 * pending keeps its UID with STATUS:CANCELLED and a higher SEQUENCE, which is how calendar
 * programs learn to drop an event they imported before. */
static void add_event(struct export *x, const struct dossier *d, const char *what, int sequence,
                      bool pending, struct date day, const char *summary,
                      const char *description)
{
    char uid[256], value[1400];
    struct ics *o = &x->out;
    if (!dates_valid(day))
        return;
    line(o, "BEGIN", "VEVENT", false);
    snprintf(uid, sizeof uid, "dossier-%lld-%s-%s@difelus", d->id, what, x->db_id);
    text_line(o, "UID", uid);
    line(o, "DTSTAMP", x->stamp, false);
    snprintf(value, sizeof value, "%d", sequence);
    line(o, "SEQUENCE", value, false);
    line(o, "STATUS", pending ? "CONFIRMED" : "CANCELLED", false);
    date_line(o, "DTSTART;VALUE=DATE", day);
    date_line(o, "DTEND;VALUE=DATE", dates_add_days(day, 1));
    snprintf(value, sizeof value, "%s%s", pending ? "" : "Plus d'actualité : ", summary);
    text_line(o, "SUMMARY", value);
    if (pending)
        snprintf(value, sizeof value, "%s", description);
    else if (d->status == DS_COUNT) /* deleted: see add_deleted */
        snprintf(value, sizeof value, "Cette échéance n'est plus en attente : le dossier a été "
                                      "supprimé de difelus.");
    else
        snprintf(value, sizeof value, "Cette échéance n'est plus en attente : le dossier est "
                                      "« %s ».", dossier_status_label(d->status));
    text_line(o, "DESCRIPTION", value);
    line(o, "TRANSP", "TRANSPARENT", false);
    if (pending) {
        line(o, "BEGIN", "VALARM", false);
        line(o, "ACTION", "DISPLAY", false);
        line(o, "TRIGGER", "-P1D", false); /* the day before */
        text_line(o, "DESCRIPTION", summary);
        line(o, "END", "VALARM", false);
    }
    line(o, "END", "VEVENT", false);
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

/* The events a deleted dossier had, cancelled once: the same UIDs and days as
 * add_dossier gave them, with a SEQUENCE above theirs. A dossier that took its id since
 * (SQLite reuses the highest) speaks for these UIDs itself. */
static void add_deleted(struct export *x, const struct store_deleted_dossier *g,
                        const struct status *s)
{
    for (size_t i = 0; i < s->dossier_count; i++)
        if (s->dossiers[i].id == g->id)
            return;
    struct dossier d = {0};
    d.id = g->id;
    d.status = DS_COUNT;
    snprintf(d.title, sizeof d.title, "%s", g->title);
    char summary[1024];
    int sequence = g->events + 1;
    static const struct {
        enum deadline_kind kind;
        const char *uid;
    } kinds[] = {{DL_SEND, "envoi"}, {DL_REPLY, "reponse"}, {DL_CONFIRM, "confirmation"}};
    for (size_t k = 0; k < sizeof kinds / sizeof kinds[0]; k++) {
        struct date day = {0, 0, 0};
        if (kinds[k].kind == DL_SEND && dates_valid(g->start))
            day = dates_latest_before(g->start, RULES_MIN_LEAD_WORKING_DAYS);
        else if (kinds[k].kind == DL_REPLY && dates_valid(g->sent))
            day = dates_add_working_days(g->sent, RULES_REPLY_WORKING_DAYS);
        else if (kinds[k].kind == DL_CONFIRM && dates_valid(g->offered))
            day = dates_add_working_days(g->offered, RULES_CONFIRM_WORKING_DAYS);
        snprintf(summary, sizeof summary, "%s — %s", dossier_deadline_label(kinds[k].kind),
                 d.title);
        add_event(x, &d, kinds[k].uid, sequence, false, day, summary, "");
    }
    snprintf(summary, sizeof summary, "Début de la formation — %s", d.title);
    add_event(x, &d, "debut", sequence, false, g->start, summary, "");
    if (dates_compare(g->end, g->start) != 0) {
        snprintf(summary, sizeof summary, "Fin de la formation — %s", d.title);
        add_event(x, &d, "fin", sequence, false, g->end, summary, "");
    }
}

static char *to_ics(store *st, const struct status *s, size_t *pending, size_t *cancelled,
                    struct store_deleted_dossier **gone, size_t *ngone, char *err, size_t errlen)
{
    *gone = NULL;
    *ngone = 0;
    *pending = *cancelled = 0;
    char db_id[64];
    if (store_database_id(st, db_id, sizeof db_id) != 0) {
        text_msgf(err, errlen, "%s", store_error(st));
        return NULL;
    }
    struct export x = {{NULL, 0, 0, 0, false}, db_id, "", 0, 0};
    time_t now = time(NULL);
    struct tm utc;
    if (!gmtime_r(&now, &utc) || !strftime(x.stamp, sizeof x.stamp, "%Y%m%dT%H%M%SZ", &utc))
        snprintf(x.stamp, sizeof x.stamp, "19700101T000000Z");
    line(&x.out, "BEGIN", "VCALENDAR", false);
    line(&x.out, "VERSION", "2.0", false);
    line(&x.out, "PRODID", "-//difelus//difelus " DIFELUS_VERSION "//FR", false);
    line(&x.out, "CALSCALE", "GREGORIAN", false);
    raw(&x.out, paris_tz, strlen(paris_tz));
    for (size_t i = 0; i < s->dossier_count; i++) {
        struct dossier_event ev[64];
        size_t n = 0;
        if (store_dossier_events(st, s->dossiers[i].id, ev, 64, &n) != 0) {
            text_msgf(err, errlen, "%s", store_error(st));
            free(x.out.text);
            return NULL;
        }
        add_dossier(&x, &s->dossiers[i], ev, n, s->today);
    }
    if (store_deleted_dossiers(st, gone, ngone) != 0) {
        text_msgf(err, errlen, "%s", store_error(st));
        free(x.out.text);
        return NULL;
    }
    for (size_t i = 0; i < *ngone; i++)
        add_deleted(&x, &(*gone)[i], s);
    line(&x.out, "END", "VCALENDAR", false);
    if (x.out.failed) {
        free(*gone);
        *gone = NULL;
        *ngone = 0;
        free(x.out.text);
        text_msgf(err, errlen, "Mémoire insuffisante pour produire le calendrier.");
        return NULL;
    }
    *pending = x.pending;
    *cancelled = x.cancelled;
    return x.out.text;
}

char *calendar_to_ics(store *st, const struct status *s, size_t *pending, size_t *cancelled,
                      char *err, size_t errlen)
{
    struct store_deleted_dossier *gone;
    size_t ngone;
    char *text = to_ics(st, s, pending, cancelled, &gone, &ngone, err, errlen);
    free(gone);
    return text;
}

int calendar_write(store *st, const struct status *s, const char *path, size_t *pending,
                   size_t *cancelled, char *err, size_t errlen)
{
    struct store_deleted_dossier *gone;
    size_t ngone;
    char *text = to_ics(st, s, pending, cancelled, &gone, &ngone, err, errlen);
    if (!text)
        return -1;
    char tmp[4200];
    snprintf(tmp, sizeof tmp, "%s.tmp-XXXXXX", path);
    int fd = mkstemp(tmp);
    int saved = errno; /* read before close() or free() may change it */
    FILE *f = fd >= 0 ? fdopen(fd, "w") : NULL;
    if (fd >= 0 && !f)
        saved = errno;
    if (!f) {
        if (fd >= 0) {
            close(fd);
            unlink(tmp);
        }
        free(text);
        free(gone);
        text_msgf(err, errlen, "Impossible d'écrire « %s » (%s). Vérifiez que le dossier existe "
                              "et que vous pouvez y écrire.", path, syserr_text(saved));
        return -1;
    }
    size_t len = strlen(text);
    bool ok = fwrite(text, 1, len, f) == len && fflush(f) == 0;
    /* On disk before the rename: a crash never leaves an empty calendar in its place. */
    ok = ok && fsync(fileno(f)) == 0;
    saved = errno;
    if (fclose(f) != 0 && ok) {
        ok = false;
        saved = errno;
    }
    free(text);
    if (ok && rename(tmp, path) != 0) {
        ok = false;
        saved = errno;
    }
    if (!ok) {
        unlink(tmp);
        free(gone);
        text_msgf(err, errlen, "Impossible d'écrire « %s » (%s).", path, syserr_text(saved));
        return -1;
    }
    /* The deleted dossiers' events are cancelled in this file: not in the next ones. A base
     * opened read-only keeps them: they are cancelled again next time, which is harmless. */
    int rc = store_read_only(st) ? 0 : store_deleted_dossiers_forget(st, gone, ngone);
    free(gone);
    if (rc != 0) {
        text_msgf(err, errlen, "%s", store_error(st));
        return -1;
    }
    return 0;
}
