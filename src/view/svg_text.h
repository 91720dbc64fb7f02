/*
 * svg_text: text in an SVG picture: escaped, measured, wrapped, written.
 *
 * Design
 *   Whatever bytes a text holds (a payload, a thread's name, a status
 *   message), what is written is ASCII and well-formed XML: the five XML
 *   specials as entities, a backslash doubled, and every byte that is not
 *   printable ASCII as the four characters \xHH. So no byte can end an
 *   element, open a tag, or make the document invalid UTF-8, and none is
 *   hidden from the reader.
 *   Widths are estimates for a monospace font of 12 px (DejaVu Sans Mono
 *   advances 0.602 em, 7.22 px), rounded up: a picture sized by them has
 *   room for its labels.
 */
#ifndef VIEW_SVG_TEXT_H
#define VIEW_SVG_TEXT_H

#include <stddef.h>
#include <stdio.h>

/* Writes n bytes of s to out as XML character data (see above). */
void svg_text_escape(FILE *out, const char *s, size_t n);

/* The width in pixels of n bytes of s as svg_text_escape shows them. */
int svg_text_width(const char *s, size_t n);

/*
 * The length of the first line of s when it is broken at blanks into
 * lines of at most width pixels (a word wider than a line is cut). The
 * next line starts after the blanks that follow it. 0 for an empty s.
 */
size_t svg_text_line(const char *s, int width);

/* How a text lies on its x: from it, up to it, or around it. */
enum svg_anchor { SVG_START, SVG_END, SVG_MIDDLE };

/* Writes a <text> element of class cls at (x, y): n bytes of s, escaped. */
void svg_text_put(FILE *out, int x, int y, const char *cls,
                  enum svg_anchor anchor, const char *s, size_t n);

/*
 * Writes s as <text> elements of class cls, one per line of at most width
 * pixels (see svg_text_line), the first at (x, y), the next line_h below.
 * A NULL out writes nothing. Returns the number of lines (0 for "").
 */
int svg_text_wrap(FILE *out, const char *s, int x, int y, int width, int line_h,
                  const char *cls);

#endif /* VIEW_SVG_TEXT_H */
