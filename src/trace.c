/* DIFELUS_TRACE: see trace.h. Writes are small appends (O_APPEND): two processes may share
 * one file. Failures are silent: a bench hook never disturbs the program. */
#include "difelus/trace.h"

#include <fcntl.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static int trace_fd = -2; /* -2: not looked at yet, -1: off */

static bool trace_on(void)
{
    if (trace_fd == -2) {
        const char *path = getenv("DIFELUS_TRACE");
        trace_fd = path && *path ? open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600)
                                 : -1;
    }
    return trace_fd >= 0;
}

static uint64_t fingerprint(const void *data, size_t len)
{
    const unsigned char *p = data;
    uint64_t h = 0xcbf29ce484222325u;
    for (size_t i = 0; i < len; i++) {
        h ^= p[i];
        h *= 0x100000001b3u;
    }
    return h;
}

static void write_point(const char *event, uint64_t print)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    char line[128];
    int n = snprintf(line, sizeof line, "%.32s %016llx %llu\n", event, (unsigned long long)print,
                     (unsigned long long)ts.tv_sec * 1000000000ull + (unsigned long long)ts.tv_nsec);
    if (n > 0 && write(trace_fd, line, (size_t)n) < 0)
        return; /* silent: see above */
}

void trace_note(const char *event, const void *data, size_t len)
{
    if (trace_on())
        write_point(event, fingerprint(data, len));
}

static struct {
    char event[33];
    uint64_t print;
} deferred[64];
static size_t ndeferred;

void trace_defer(const char *event, const void *data, size_t len)
{
    if (!trace_on() || ndeferred == sizeof deferred / sizeof *deferred)
        return;
    snprintf(deferred[ndeferred].event, sizeof deferred[0].event, "%s", event);
    deferred[ndeferred++].print = fingerprint(data, len);
}

void trace_flush(void)
{
    if (!ndeferred || !trace_on())
        return;
    for (size_t i = 0; i < ndeferred; i++)
        write_point(deferred[i].event, deferred[i].print);
    ndeferred = 0;
}
