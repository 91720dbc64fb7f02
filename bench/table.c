/*
 * table: the bench's cells, rows and bench= lines (see table.h).
 *
 * Design
 *   Everything here prints to stdout, the report; progress and failures
 *   go to stderr, so a log file holds the table alone.
 */
#include "table.h"

#include <stdio.h>

const char *fmt_num(char *buf, size_t cap, double v)
{
    if (v >= 100 || v <= -100)
        snprintf(buf, cap, "%.0f", v);
    else
        snprintf(buf, cap, "%.3g", v);
    return buf;
}

const char *fmt_cell(char *buf, size_t cap, const struct summary *s)
{
    char num[32];

    if (s->n == 0)
        snprintf(buf, cap, "-");
    else
        snprintf(buf, cap, "%s ±%.0f%%", fmt_num(num, sizeof num, s->median),
                 spread_percent(s));
    return buf;
}

const char *fmt_ratio(char *buf, size_t cap, double value, double ref)
{
    char num[32];

    if (ref <= 0 || value <= 0)
        snprintf(buf, cap, "-");
    else
        snprintf(buf, cap, "%sx", fmt_num(num, sizeof num, value / ref));
    return buf;
}

void print_row(int n, const int *widths, const char *const *cells)
{
    int i = 0;

    fputs("   ", stdout);
    for (i = 0; i < n; i++) {
        const char *s = cells[i];
        int chars = 0;

        for (; *s != '\0'; s++)
            chars += ((unsigned char)*s & 0xC0) != 0x80;
        fputs(cells[i], stdout);
        if (i + 1 < n)
            printf("%*s", widths[i] > chars ? widths[i] - chars : 1, "");
    }
    fputs("\n", stdout);
}

void bench_line(const char *name, size_t size, double value, const char *unit,
                const char *ref, double ref_value)
{
    char v[32];
    char r[32];

    if (ref == NULL || ref_value <= 0) {
        ref = "none";
        snprintf(r, sizeof r, "-");
    } else {
        snprintf(r, sizeof r, "%.4g", value / ref_value);
    }
    printf("bench=%s size=%zu value=%s unit=%s ref=%s ratio=%s\n", name, size,
           fmt_num(v, sizeof v, value), unit, ref, r);
}

/* Three cells: a, ref, and the ratio of their medians. */
static void fmt_versus(char cells[3][CELL_MAX], const struct summary *a,
                       const struct summary *ref)
{
    fmt_cell(cells[0], CELL_MAX, a);
    fmt_cell(cells[1], CELL_MAX, ref);
    fmt_ratio(cells[2], CELL_MAX, a->median, ref->median);
}

void print_versus_row(const int widths[7], const char *name,
                      const struct summary *a, const struct summary *a_ref,
                      const struct summary *b, const struct summary *b_ref)
{
    char c[6][CELL_MAX];
    const char *row[7] = {name, c[0], c[1], c[2], c[3], c[4], c[5]};

    fmt_versus(c, a, a_ref);
    fmt_versus(c + 3, b, b_ref);
    print_row(7, widths, row);
}
