/*
 * schedule: replay strings, the written form of a simulated run's
 * schedule (sched_schedule_format and sched_schedule_parse in sched.h).
 *
 * Design
 *   A run is deterministic given its choices, and most of them are the
 *   in-order choice (strategy_in_order), so a replay string lists only the
 *   decisions that differ from it, as "k:t" pairs ("3:1,17:0"): at
 *   decision k, thread t ran. Parsed, it becomes the forced choices of a
 *   prefix strategy over in order: forced[k] = t, and -1 (nothing forced)
 *   between the pairs.
 */
#include "core/sched.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/strategy.h"

size_t sched_schedule_format(const struct sched_decision *d, size_t n,
                             char *buf, size_t cap)
{
    size_t len = 0;
    size_t k = 0;

    if (cap == 0)
        return 0;
    buf[0] = '\0';
    for (k = 0; k < n && len + 1 < cap; k++) {
        if (d[k].chosen == strategy_in_order(d[k].runnable, d[k].current))
            continue;
        len += (size_t)snprintf(buf + len, cap - len, "%s%zu:%d",
                                len ? "," : "", k, d[k].chosen);
    }
    if (len == 0)
        len = (size_t)snprintf(buf, cap, "-");
    return len < cap ? len : cap - 1;
}

/* Makes *forced (length *n) long enough for index k, filling with -1. */
static enum status grow(int8_t **forced, size_t *n, size_t k)
{
    int8_t *grown = NULL;

    if (k < *n)
        return STATUS_OK;
    grown = realloc(*forced, k + 1);
    if (grown == NULL)
        return STATUS_RESOURCE_EXHAUSTED;
    memset(grown + *n, -1, k + 1 - *n);
    *forced = grown;
    *n = k + 1;
    return STATUS_OK;
}

enum status sched_schedule_parse(const char *s, int8_t **out_forced,
                                 size_t *out_n)
{
    int8_t *forced = NULL;
    size_t n = 0;
    long long last = -1;
    const char *p = s;
    enum status st = STATUS_INVALID_ARGUMENT;

    if (strcmp(s, "-") == 0) {
        *out_forced = NULL;
        *out_n = 0;
        return STATUS_OK;
    }
    while (*p != '\0') {
        char *end = NULL;
        long long k = 0;
        long long t = 0;

        /* Digits only: strtoll alone would take blanks and signs too. */
        if (*p < '0' || *p > '9')
            goto out;
        k = strtoll(p, &end, 10);
        if (*end != ':' || k <= last || k >= SCHED_SIM_MAX_STEPS)
            goto out;
        p = end + 1;
        if (*p < '0' || *p > '9')
            goto out;
        t = strtoll(p, &end, 10);
        if (t >= SCHED_SIM_MAX_THREADS || (*end != ',' && *end != '\0'))
            goto out;
        if (grow(&forced, &n, (size_t)k) != STATUS_OK) {
            st = STATUS_RESOURCE_EXHAUSTED;
            goto out;
        }
        forced[k] = (int8_t)t;
        last = k;
        p = *end == ',' ? end + 1 : end;
        if (*end == ',' && *p == '\0')
            goto out;
    }
    if (n == 0)
        goto out;
    *out_forced = forced;
    *out_n = n;
    forced = NULL; /* the caller's now */
    st = STATUS_OK;
out:
    free(forced);
    return st;
}
