/* Timing points for `make bench` (bench/bench_share.c): with DIFELUS_TRACE=FILE, a process
 * appends "<event> <fingerprint> <ns>\n" lines to FILE, ns from CLOCK_MONOTONIC (one clock
 * for every process of the machine), fingerprint a 64-bit FNV-1a of the bytes concerned (a
 * changeset: the official's side and the agent's see the same bytes, so the bench pairs the
 * official's commit with the agent's redraw of it). Without the variable: nothing, at the
 * cost of one getenv per process. Core: no curses. */
#ifndef DIFELUS_TRACE_H
#define DIFELUS_TRACE_H

#include <stddef.h>

/* A timing point now. */
void trace_note(const char *event, const void *data, size_t len);
/* A timing point taken at the next trace_flush (e.g. "redraw" once the screen is drawn).
 * At most 64 are kept; more are dropped. */
void trace_defer(const char *event, const void *data, size_t len);
/* Writes the deferred points with the time of this call. */
void trace_flush(void);

#endif
