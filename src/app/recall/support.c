/*
 * support: the helpers the parts of recall share (see support.h).
 *
 * Design
 *   A terminal shows printable ASCII, tabs and well-formed UTF-8 (but
 *   not the C1 controls, U+0080..U+009F); every other byte of a quoted
 *   text is written as \xNN, so a state file cannot move the cursor or
 *   recolour the screen of the learner who reads its warnings.
 */
#include "app/recall/support.h"

#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

/* Returns p, or aborts when an allocation failed (see recall.h). */
void *recall_must(void *p)
{
    if (p == NULL) {
        fputs("duplex recall: out of memory\n", stderr);
        abort();
    }
    return p;
}

char *recall_copy_n(const char *s, size_t n)
{
    char *p = recall_must(malloc(n + 1));

    memcpy(p, s, n);
    p[n] = '\0';
    return p;
}

char *recall_copy(const char *s)
{
    return recall_copy_n(s, strlen(s));
}

/* A new string, printf-style. */
char *recall_format(const char *fmt, ...)
{
    va_list ap;
    char *p = NULL;
    int n = 0;

    va_start(ap, fmt);
    n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    p = recall_must(malloc((size_t)n + 1));
    va_start(ap, fmt);
    vsnprintf(p, (size_t)n + 1, fmt, ap);
    va_end(ap);
    return p;
}

/*
 * Returns items (an array of *cap elements of size bytes, count in use)
 * with room for one more, reallocated and *cap doubled when it was full.
 */
void *recall_grow(void *items, size_t size, size_t count, size_t *cap)
{
    if (count < *cap)
        return items;
    *cap = *cap ? *cap * 2 : 16;
    return recall_must(realloc(items, *cap * size));
}

const char *recall_skip_blanks(const char *s)
{
    while (*s == ' ' || *s == '\t')
        s++;
    return s;
}

/* The length of s without its trailing blanks. */
size_t recall_trimmed_len(const char *s)
{
    size_t n = strlen(s);

    while (n > 0 && isspace((unsigned char)s[n - 1]))
        n--;
    return n;
}

int recall_starts_with(const char *s, const char *prefix)
{
    return strncmp(s, prefix, strlen(prefix)) == 0;
}

/* "/" to put between dir and a name in it, "" when dir ends with one. */
const char *recall_slash(const char *dir)
{
    size_t n = strlen(dir);

    return n > 0 && dir[n - 1] == '/' ? "" : "/";
}

/*
 * The length of the character at p if a terminal only shows it: 1 for a
 * tab or printable ASCII, 2 to 4 for well-formed UTF-8 that is not a C1
 * control (U+0080..U+009F); 0 for a control byte, DEL or broken UTF-8.
 */
static size_t printable_len(const unsigned char *p)
{
    size_t n = 0, i = 0;

    if (*p == '\t' || (*p >= 0x20 && *p < 0x7f))
        return 1;
    if (*p >= 0xc2 && *p <= 0xdf)
        n = 2;
    else if (*p >= 0xe0 && *p <= 0xef)
        n = 3;
    else if (*p >= 0xf0 && *p <= 0xf4)
        n = 4;
    else
        return 0;
    for (i = 1; i < n; i++) /* stops at the NUL, a non-continuation byte */
        if ((p[i] & 0xc0) != 0x80)
            return 0;
    if ((p[0] == 0xc2 && p[1] < 0xa0) || (p[0] == 0xe0 && p[1] < 0xa0) ||
        (p[0] == 0xed && p[1] > 0x9f) || (p[0] == 0xf0 && p[1] < 0x90) ||
        (p[0] == 0xf4 && p[1] > 0x8f))
        return 0; /* C1, overlong, surrogate, or past U+10FFFF */
    return n;
}

/*
 * Prints text to f with every byte a terminal would act on (ESC, BEL,
 * backspace, a C1 control...) shown as \xNN: what is quoted from a file
 * may hold anything, and must not move the cursor or recolour the screen.
 */
void recall_print_escaped(FILE *f, const char *text)
{
    const unsigned char *p = (const unsigned char *)text;

    while (*p != '\0') {
        size_t n = printable_len(p);

        if (n == 0) {
            fprintf(f, "\\x%02x", *p);
            n = 1;
        } else {
            fwrite(p, 1, n, f);
        }
        p += n;
    }
}

/* Prints a problem and what was done about it to warn (NULL: nowhere). */
void recall_report(FILE *warn, const struct status_detail *why,
                   const char *what)
{
    if (warn == NULL)
        return;
    recall_print_escaped(warn, why->text);
    fprintf(warn, "; %s\n", what);
}

/* 64-bit FNV-1a: ids and seeded ties, the same on every machine. */
uint64_t recall_hash(const char *s)
{
    uint64_t h = UINT64_C(14695981039346656037);

    for (; *s != '\0'; s++)
        h = (h ^ (unsigned char)*s) * UINT64_C(1099511628211);
    return h;
}

/* Parses n digits of s as a number in [0, hi]. Returns 1 and sets *out. */
int recall_parse_digits(const char *s, size_t n, int64_t hi, int64_t *out)
{
    int64_t v = 0;
    size_t i = 0;

    if (n == 0 || n > 18)
        return 0;
    for (i = 0; i < n; i++) {
        if (!isdigit((unsigned char)s[i]))
            return 0;
        v = v * 10 + (s[i] - '0');
    }
    if (v > hi)
        return 0;
    *out = v;
    return 1;
}

/* Read, write, create and rename errors, as statuses. */
enum status recall_errno_status(int e)
{
    if (e == EACCES || e == EPERM || e == EROFS)
        return STATUS_PERMISSION_DENIED;
    if (e == ENOMEM)
        return STATUS_RESOURCE_EXHAUSTED;
    return STATUS_UNAVAILABLE;
}
