/*
 * support: the small helpers every part of recall uses, for the files of
 * src/app/recall only.
 *
 * Design
 *   Memory: running out of it aborts with a message (see app/recall.h), so
 *   recall_must wraps every allocation but the one that reads a state
 *   file, which may fail.
 *   Warnings: what is quoted from a lesson or a state file may hold any
 *   byte, so it is printed with the bytes a terminal would act on escaped.
 *   Hashing: one 64-bit FNV-1a, the same on every machine, for card ids,
 *   the state's index and seeded ties.
 */
#ifndef RECALL_SUPPORT_H
#define RECALL_SUPPORT_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "core/status.h"

/* Returns p, or aborts when an allocation failed (see recall.h). */
void *recall_must(void *p);

/* A new string: the first n bytes of s. */
char *recall_copy_n(const char *s, size_t n);

/* A new string: s. */
char *recall_copy(const char *s);

/* A new string, printf-style. */
char *recall_format(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/*
 * Returns items (an array of *cap elements of size bytes, count in use)
 * with room for one more, reallocated and *cap doubled when it was full.
 */
void *recall_grow(void *items, size_t size, size_t count, size_t *cap);

/* s past its leading blanks (spaces and tabs). */
const char *recall_skip_blanks(const char *s);

/* The length of s without its trailing blanks. */
size_t recall_trimmed_len(const char *s);

/* Whether s starts with prefix. */
int recall_starts_with(const char *s, const char *prefix);

/* "/" to put between dir and a name in it, "" when dir ends with one. */
const char *recall_slash(const char *dir);

/*
 * Prints text to f with every byte a terminal would act on (ESC, BEL,
 * backspace, a C1 control...) shown as \xNN.
 */
void recall_print_escaped(FILE *f, const char *text);

/*
 * Prints a problem (why's text, escaped) and what was done about it
 * ("card skipped") to warn; warn NULL prints nowhere.
 */
void recall_report(FILE *warn, const struct status_detail *why,
                   const char *what);

/* 64-bit FNV-1a of s: ids and seeded ties, the same on every machine. */
uint64_t recall_hash(const char *s);

/*
 * Parses the n bytes at s, all digits (18 at most), as a number in
 * [0, hi]. Returns 1 and sets *out, or 0.
 */
int recall_parse_digits(const char *s, size_t n, int64_t hi, int64_t *out);

/* Read, write, create and rename errors (errno values), as statuses. */
enum status recall_errno_status(int e);

#endif /* RECALL_SUPPORT_H */
