/*
 * boxes: Leitner boxes, grades and days (see boxes.h).
 *
 * Design
 *   A box's days double with the box (1 << (box - 1)). Day numbers and
 *   dates convert both ways with Howard Hinnant's algorithms for the
 *   proleptic Gregorian calendar; only today comes from the local clock.
 */
#include "app/recall/boxes.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "app/recall/support.h"

int recall_box_days(int box)
{
    if (box < RECALL_BOX_MIN)
        box = RECALL_BOX_MIN;
    if (box > RECALL_BOX_MAX)
        box = RECALL_BOX_MAX;
    return 1 << (box - 1);
}

int recall_box_after(int box, enum recall_grade g)
{
    int next = 0;

    if (box < RECALL_BOX_MIN) /* a box that is not one: start over */
        box = RECALL_BOX_MIN;
    if (box > RECALL_BOX_MAX)
        box = RECALL_BOX_MAX;
    next = box;

    if (g == RECALL_AGAIN)
        next = RECALL_BOX_MIN;
    else if (g == RECALL_GOOD)
        next = box + 1;
    else if (g == RECALL_EASY)
        next = box + 2;
    return next > RECALL_BOX_MAX ? RECALL_BOX_MAX : next;
}

const char *recall_grade_name(enum recall_grade g)
{
    switch (g) {
    case RECALL_AGAIN: return "again";
    case RECALL_HARD: return "hard";
    case RECALL_GOOD: return "good";
    case RECALL_EASY: return "easy";
    }
    return "?";
}

enum status recall_grade_parse(const char *text, enum recall_grade *out_grade)
{
    static const char keys[] = "ahge";
    const char *s = recall_skip_blanks(text);
    size_t n = recall_trimmed_len(s);
    int g = 0;

    for (g = RECALL_AGAIN; g <= RECALL_EASY; g++) {
        const char *name = recall_grade_name((enum recall_grade)g);
        int one = n == 1 &&
                  (tolower((unsigned char)s[0]) == keys[g] || s[0] == '1' + g);

        if (one || (n == strlen(name) && strncasecmp(s, name, n) == 0)) {
            *out_grade = (enum recall_grade)g;
            return STATUS_OK;
        }
    }
    return STATUS_INVALID_ARGUMENT;
}

/* ---- days --------------------------------------------------------------- */

/*
 * Days since 1970-01-01 of a date in the proleptic Gregorian calendar
 * (Howard Hinnant's days_from_civil), for years from 1970 on: eras of 400
 * years, years that start in March so the leap day comes last.
 */
static int64_t days_from_civil(int64_t y, int m, int d)
{
    int64_t era = 0;
    int64_t yoe = 0;
    int64_t doy = 0;

    y -= m <= 2;
    era = y / 400;
    yoe = y - era * 400;
    doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
    return era * 146097 + yoe * 365 + yoe / 4 - yoe / 100 + doy - 719468;
}

void recall_day_date(int64_t day, char *buf, size_t size)
{
    int64_t z = day + 719468;
    int64_t era = z / 146097;
    int64_t doe = z - era * 146097;
    int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    int64_t mp = (5 * doy + 2) / 153;
    int64_t d = doy - (153 * mp + 2) / 5 + 1;
    int64_t m = mp < 10 ? mp + 3 : mp - 9;

    snprintf(buf, size, "%04lld-%02lld-%02lld",
             (long long)(yoe + era * 400 + (m <= 2)), (long long)m,
             (long long)d);
}

enum status recall_today(int64_t *out_day, struct status_detail *why)
{
    const char *env = getenv("DUPLEX_TODAY");
    time_t now = 0;
    struct tm tm;
    int64_t day = 0;

    if (env != NULL && env[0] != '\0') {
        if (!recall_parse_digits(env, strlen(env), RECALL_DAY_MAX, &day))
            return status_detail_set(
                why, STATUS_INVALID_ARGUMENT,
                "DUPLEX_TODAY wants a day number from 0 to %lld (days "
                "since 1970-01-01), not '%.40s'",
                (long long)RECALL_DAY_MAX, env);
        *out_day = day;
        return STATUS_OK;
    }
    now = time(NULL);
    if (now == (time_t)-1 || localtime_r(&now, &tm) == NULL)
        return status_detail_set(why, STATUS_UNAVAILABLE,
                                 "cannot read the clock: %s", strerror(errno));
    *out_day = days_from_civil(tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday);
    return STATUS_OK;
}
