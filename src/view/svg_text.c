/*
 * svg_text: escape, measure and wrap the texts of a picture.
 *
 * Design
 *   shown_len is the one table of what a byte becomes on screen, so the
 *   width of a text is the width of what svg_text_escape writes for it.
 */
#include "view/svg_text.h"

#include <string.h>

/* Hundredths of a pixel per character at 12 px (0.602 em). */
#define CHAR_W100 722

static int printable(unsigned char c)
{
    return c >= 0x20 && c < 0x7f;
}

/* The characters a reader sees for byte c. */
static int shown_len(unsigned char c)
{
    if (c == '\\')
        return 2;
    return printable(c) ? 1 : 4;
}

void svg_text_escape(FILE *out, const char *s, size_t n)
{
    size_t i = 0;

    for (i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];

        switch (c) {
        case '&': fputs("&amp;", out); break;
        case '<': fputs("&lt;", out); break;
        case '>': fputs("&gt;", out); break;
        case '"': fputs("&quot;", out); break;
        case '\'': fputs("&#39;", out); break;
        case '\\': fputs("\\\\", out); break;
        default:
            if (printable(c))
                fputc(c, out);
            else
                fprintf(out, "\\x%02x", c);
        }
    }
}

int svg_text_width(const char *s, size_t n)
{
    long chars = 0;
    size_t i = 0;

    for (i = 0; i < n; i++)
        chars += shown_len((unsigned char)s[i]);
    return (int)((chars * CHAR_W100 + 99) / 100);
}

size_t svg_text_line(const char *s, int width)
{
    size_t len = strlen(s);
    size_t k = len;

    while (k > 0 && svg_text_width(s, k) > width) {
        size_t blank = k - 1;

        while (blank > 0 && s[blank] != ' ')
            blank--;
        if (blank == 0) { /* one word wider than the line: cut it */
            for (k = len; k > 1 && svg_text_width(s, k) > width; k--)
                ;
            return k;
        }
        k = blank;
    }
    return k;
}

void svg_text_put(FILE *out, int x, int y, const char *cls,
                  enum svg_anchor anchor, const char *s, size_t n)
{
    static const char *const anchors[] = {"", " text-anchor=\"end\"",
                                          " text-anchor=\"middle\""};

    fprintf(out, "<text x=\"%d\" y=\"%d\" class=\"%s\"%s>", x, y, cls,
            anchors[anchor]);
    svg_text_escape(out, s, n);
    fputs("</text>\n", out);
}

int svg_text_wrap(FILE *out, const char *s, int x, int y, int width, int line_h,
                  const char *cls)
{
    int lines = 0;

    while (*s != '\0') {
        size_t k = svg_text_line(s, width);

        if (out != NULL)
            svg_text_put(out, x, y + lines * line_h, cls, SVG_START, s, k);
        lines++;
        for (s += k; *s == ' '; s++)
            ;
    }
    return lines;
}
