/*
 * svg_style: the look of duplex's pictures (see svg_style.c): the style
 * sheet's classes and the arrowheads, shared by every SVG picture.
 *
 * Classes, for text: title, name, dim, step, group, good, bad, c2s, s2c,
 * other, endt, red, and lab (a label's white outline, added to one of
 * those). For shapes: zebra and band (row and pipe backgrounds), pipe,
 * life (a lifeline), head and head-red (a name box), bar and bar-red (a
 * wait), l-c2s, l-s2c, l-other, l-end and l-red (lines), hole, dot-c2s,
 * dot-s2c, dot-other, mark-end, mark-dim, x (a red cross), report-box.
 * Arrowheads: marker-end="url(#head-NAME)" for NAME c2s, s2c, other, end
 * and red.
 */
#ifndef VIEW_SVG_STYLE_H
#define VIEW_SVG_STYLE_H

#include <stdio.h>

/*
 * Writes the start of an SVG document of width x height pixels: the XML
 * declaration, the <svg> element, its <title> (escaped), the style sheet,
 * the arrowheads and a white background. The caller ends it with
 * "</svg>\n".
 */
void svg_style_open(FILE *out, int width, int height, const char *title);

#endif /* VIEW_SVG_STYLE_H */
