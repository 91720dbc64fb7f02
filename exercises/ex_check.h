/*
 * ex_check.h: the checks the exercise tests use. Each one says what it
 * checked and, when it fails, prints what was expected next to what your
 * code produced, before the test fails. `make exercise` shows the first
 * failing check.
 *
 * Include after <cmocka.h>.
 */
#ifndef EX_CHECK_H
#define EX_CHECK_H

#include <stdio.h>
#include <string.h>

#include "core/status.h"

static inline void ex_print_hex(const char *label, const void *p, size_t n)
{
    const unsigned char *b = p;
    size_t i = 0;

    print_error("  %-9s", label);
    for (i = 0; i < n && i < 32; i++)
        print_error(" %02x", b[i]);
    print_error("%s\n", n > 32 ? " .." : "");
}

/* Fails unless got holds exactly the n bytes of want. */
static inline void ex_check_bytes(const char *what, const void *want,
                                  const void *got, size_t n)
{
    if (memcmp(want, got, n) == 0)
        return;
    print_error("check: %s\n", what);
    ex_print_hex("expected:", want, n);
    ex_print_hex("actual:", got, n);
    fail();
}

/* Fails unless got == want (statuses, printed by name). */
static inline void ex_check_status(const char *what, enum status want,
                                   enum status got)
{
    if (want == got)
        return;
    print_error("check: %s\n  expected: %s\n  actual:   %s\n", what,
                status_name(want), status_name(got));
    fail();
}

/* Fails unless got == want (numbers). */
static inline void ex_check_int(const char *what, long long want, long long got)
{
    if (want == got)
        return;
    print_error("check: %s\n  expected: %lld\n  actual:   %lld\n", what, want,
                got);
    fail();
}

/* Fails unless got is the string want. */
static inline void ex_check_text(const char *what, const char *want,
                                 const char *got)
{
    if (got != NULL && strcmp(want, got) == 0)
        return;
    print_error("check: %s\n  expected: \"%s\"\n  actual:   \"%s\"\n", what,
                want, got != NULL ? got : "(null)");
    fail();
}

#endif /* EX_CHECK_H */
