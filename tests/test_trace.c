/* DIFELUS_TRACE, the timing points of bench_share: the same bytes give the same fingerprint
 * in the official's "commit" and the agent's "redraw", times are CLOCK_MONOTONIC and in
 * order, deferred points are written only at the flush. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "difelus/trace.h"
#include "harness.h"

static unsigned long long mono_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (unsigned long long)ts.tv_sec * 1000000000ull + (unsigned long long)ts.tv_nsec;
}

static void test_points(void **state)
{
    (void)state;
    char path[4200];
    snprintf(path, sizeof path, "%s/trace.txt", harness_tmpdir("trace"));
    setenv("DIFELUS_TRACE", path, 1);
    unsigned long long before = mono_ns();
    trace_note("commit", "changeset", 9);
    trace_defer("redraw", "changeset", 9);
    char *text = harness_read_file(path, NULL);
    assert_non_null(text);
    assert_null(strstr(text, "redraw")); /* not before the flush */
    free(text);
    trace_flush();
    trace_flush(); /* nothing deferred any more: nothing written */
    trace_note("commit", "autre", 5);
    unsigned long long after = mono_ns();

    text = harness_read_file(path, NULL);
    char ev[3][16], fp[3][32];
    unsigned long long at[3];
    int n = 0;
    for (char *line = strtok(text, "\n"); line && n < 4; line = strtok(NULL, "\n"), n++) {
        assert_true(n < 3);
        assert_int_equal(sscanf(line, "%15s %31s %llu", ev[n], fp[n], &at[n]), 3);
    }
    assert_int_equal(n, 3);
    assert_string_equal(ev[0], "commit");
    assert_string_equal(ev[1], "redraw");
    assert_string_equal(ev[2], "commit");
    assert_string_equal(fp[0], fp[1]);    /* the same bytes: paired */
    assert_string_not_equal(fp[0], fp[2]); /* other bytes: not */
    assert_int_equal(strlen(fp[0]), 16);
    assert_true(before <= at[0] && at[0] <= at[1] && at[1] <= at[2] && at[2] <= after);
    free(text);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_points),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
