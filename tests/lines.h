/*
 * lines.h: reading printed text line by line, for the view tests
 * (test_timeline, test_hexdump, test_dissect).
 *
 * Include it after <cmocka.h> (the helpers assert). Test thread only.
 */
#ifndef TESTS_LINES_H
#define TESTS_LINES_H

#include <string.h>

/* Copies line n (from 0, without its '\n') of text into out; 0 if none. */
static inline int line_at(const char *text, int n, char *out, size_t cap)
{
    const char *end = NULL;
    size_t len = 0;

    while (n-- > 0) {
        text = strchr(text, '\n');
        if (text == NULL)
            return 0;
        text++;
    }
    if (*text == '\0')
        return 0;
    end = strchr(text, '\n');
    len = end != NULL ? (size_t)(end - text) : strlen(text);
    assert_true(len < cap);
    memcpy(out, text, len);
    out[len] = '\0';
    return 1;
}

/* Every line ends in something other than a blank, and text ends in '\n'. */
static inline void assert_no_trailing_blanks(const char *text)
{
    size_t len = strlen(text);
    size_t i = 0;

    assert_true(len > 0);
    assert_int_equal(text[len - 1], '\n');
    for (i = 1; i < len; i++)
        if (text[i] == '\n' && (text[i - 1] == ' ' || text[i - 1] == '\t'))
            fail_msg("trailing blank before offset %zu in:\n%s", i, text);
}

#endif /* TESTS_LINES_H */
