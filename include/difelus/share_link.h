/* The pipe between a wizard and its network helper difelus-partage (src/net/partage.c), and
 * the frame format that the pipe and the relay's HTTP bodies share (SHARE_SPEC §2):
 * "<type> <seq> <len>\n" then len bytes. Core: no curses, no libcurl. */
#ifndef DIFELUS_SHARE_LINK_H
#define DIFELUS_SHARE_LINK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define SHARE_FRAME_MAX (1024 * 1024) /* payload bytes */
#define SHARE_TYPE_MAX 24
#define SHARE_HEADER_MAX 64
#define SHARE_HELPER "difelus-partage"

struct share_frame {
    char type[SHARE_TYPE_MAX + 1];
    uint64_t seq;
    size_t len;
    unsigned char *data; /* len bytes + a NUL (owned by the reader until the next call) */
};

/* Incremental reader: feed it bytes, take whole frames. */
struct share_reader {
    unsigned char *buf;
    size_t len, cap;
    size_t taken; /* bytes of buf already returned */
    bool failed;
    char err[256]; /* French, when failed */
    /* The byte after the last frame's payload, overwritten by its NUL: put back before
     * the buffer is read or moved again. */
    size_t nul_at;
    unsigned char nul_saved;
    bool nul_set;
};

void share_reader_init(struct share_reader *r);
void share_reader_free(struct share_reader *r);
/* Appends bytes. -1 when out of memory. */
int share_reader_feed(struct share_reader *r, const void *bytes, size_t n);
/* 1 with the next whole frame in *f, 0 when more bytes are needed, -1 on a malformed
 * stream (r->err says what; the reader stays failed). f->data stays valid until the next
 * call of share_reader_feed, share_reader_next or share_reader_free. */
int share_reader_next(struct share_reader *r, struct share_frame *f);
/* Writes a frame's header into buf (at least SHARE_HEADER_MAX); returns its length, or -1
 * for a bad type or len. */
int share_frame_header(char *buf, const char *type, uint64_t seq, size_t len);

/* Who may send a frame of this type through the relay (docs/share-protocol.md §2): the one
 * table, read by the relay and by difelus-partage. SHARE_SENDER_NONE for any other type
 * (the relay's own frames, demande, depart from the relay, fin, are not sent to it). */
enum share_sender { SHARE_SENDER_NONE, SHARE_SENDER_OFFICIAL, SHARE_SENDER_AGENT };
enum share_sender share_type_sender(const char *type);

/* The helper as seen from the wizard. */
struct share_link {
    pid_t pid;
    int fd; /* the wizard's end of the socketpair: poll it for reading */
    struct share_reader reader;
    bool dead;
    char err[512];
    bool eof;              /* the helper closed its end; its exit status is awaited */
    struct timespec eof_at; /* CLOCK_MONOTONIC, when eof was seen */
};

/* Starts difelus-partage with mode "officiel" or "agent" and the relay's URL (found like
 * difelus-telecharger: sync_helper_path's folders). 0, or -1 with a French message. */
int share_link_start(struct share_link *l, const char *mode, const char *relay_url,
                     char *err, size_t errlen);
/* Writes one frame (blocking). 0, or -1 (the helper is gone: l->dead). */
int share_link_send(struct share_link *l, const char *type, uint64_t seq, const void *data,
                    size_t len);
/* Reads what is there without blocking: 1 with a frame, 0 when none is whole yet, -1 when
 * the helper is gone or spoke garbage (l->err, French). Call until it returns 0. */
int share_link_next(struct share_link *l, struct share_frame *f);
/* Stops the helper (closes the pipe, waits a little, then kills) and frees. Safe twice.
 * It waits up to 2.5 s: only for the wizard's exit, never in the event loop. */
void share_link_stop(struct share_link *l);
/* Stops the helper without waiting: closes the pipe and frees; the helper, which may still
 * tell the relay, is reaped later by share_link_reap_pending (killed 2.5 s after this
 * call if it has not exited). Safe twice. */
void share_link_stop_later(struct share_link *l);
/* Reaps the helpers stopped by share_link_stop_later that have exited (WNOHANG), kills
 * those past their deadline. `wait_ms` > 0 (at the wizard's exit only): waits for them up
 * to that long, then kills and reaps them. Cheap: call it every loop turn. */
void share_link_reap_pending(int wait_ms);
/* The relay's URL: $DIFELUS_RELAIS, else http://127.0.0.1:8470. */
const char *share_relay_url(void);

/* A proposition's payload "<number>\n<changeset>" (docs/share-protocol.md §5): the number
 * strictly (decimal digits, no sign, no leading zero, 1 to 2^63-1), then the changeset.
 * false when malformed (nothing set). The one parser of both sides. */
bool share_proposal_split(const void *payload, size_t len, unsigned long long *number,
                          const void **changeset, size_t *clen);
/* A resultat's payload "<number> ok" / "<number> refus …": its number, by the same rules
 * (then a space). false when malformed. */
bool share_result_number(const void *payload, size_t len, unsigned long long *number);

#endif
