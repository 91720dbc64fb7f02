/*
 * table: how the bench prints a figure: cells ("312 ±3%"), ratios
 * ("4.48x"), rows that line up, and the machine-readable bench= lines.
 *
 * Design
 *   A number is printed the same way in the table and in a bench= line
 *   (fmt_num): whole above 100, three significant digits below. Every
 *   ratio is duplex divided by the reference, always that way round.
 *   Cells are counted in characters, not bytes, so "±" lines up.
 */
#ifndef BENCH_TABLE_H
#define BENCH_TABLE_H

#include <stddef.h>

#include "harness.h"

#define CELL_MAX 40 /* one cell of the table, with its NUL */

/* A number as the table and the bench= lines print it. Returns buf. */
const char *fmt_num(char *buf, size_t cap, double v);

/* "312 ±3%": the median and the farthest run from it; "-" when not
 * measured. Returns buf. */
const char *fmt_cell(char *buf, size_t cap, const struct summary *s);

/* "4.48x": value / ref; "-" when either is not positive. Returns buf. */
const char *fmt_ratio(char *buf, size_t cap, double value, double ref);

/*
 * Prints a row of seven cells: name, then two figures each followed by its
 * reference and the ratio of their medians (a, a_ref, a / a_ref, b,
 * b_ref, b / b_ref).
 */
void print_versus_row(const int widths[7], const char *name,
                      const struct summary *a, const struct summary *a_ref,
                      const struct summary *b, const struct summary *b_ref);

/* Prints one row of n cells, each left-aligned in its width, after a
 * 3-space indent. */
void print_row(int n, const int *widths, const char *const *cells);

/*
 * Prints one machine-readable line:
 *   bench=NAME size=N value=X unit=U ref=NAME ratio=R
 * ref NULL (or ref_value not positive): ref=none ratio=-.
 */
void bench_line(const char *name, size_t size, double value, const char *unit,
                const char *ref, double ref_value);

#endif /* BENCH_TABLE_H */
