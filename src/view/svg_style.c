/*
 * svg_style: the look of duplex's pictures: one style sheet and the
 * arrowheads, written at the top of each SVG document.
 *
 * Design
 *   Colours keep the timeline's meanings (view/colour.h): a frame c2s
 *   green and s2c blue (the timeline's send green, recv cyan), a clean
 *   end amber, a failure red, waits and notes grey. Text is a monospace
 *   font of 12 px, as view/svg_text.h measures it. Labels (class lab)
 *   have a white outline, so a line under a word never hides it.
 */
#include "view/svg_style.h"

#include <string.h>

#include "view/svg_text.h"

static const char style[] =
    "<style>\n"
    "text{font-family:'DejaVu Sans Mono',Menlo,Consolas,monospace;"
    "font-size:12px;fill:#1f2328;white-space:pre}\n"
    ".title{font-size:16px;font-weight:bold}.name{font-weight:bold}\n"
    ".dim{fill:#57606a}.step{fill:#8c959f}.group{fill:#57606a;"
    "font-weight:bold}\n"
    ".good{fill:#1a7f37;font-weight:bold}.bad{fill:#cf222e;"
    "font-weight:bold}\n"
    ".c2s{fill:#116329}.s2c{fill:#0550ae}.other{fill:#57606a}"
    ".endt{fill:#7d4e00}.red{fill:#cf222e}\n"
    ".lab{paint-order:stroke;stroke:#ffffff;stroke-width:4px;"
    "stroke-linejoin:round}\n"
    ".zebra{fill:#f6f8fa}.band{fill:#ddf4ff}\n"
    ".pipe{stroke:#54aeff;stroke-width:2;stroke-dasharray:2 3}\n"
    ".life{stroke:#8c959f;stroke-width:1;stroke-dasharray:5 4}\n"
    ".head{fill:#ffffff;stroke:#57606a}.head-red{fill:#ffebe9;"
    "stroke:#cf222e;stroke-width:2}\n"
    ".bar{fill:#d0d7de;stroke:#6e7781}.bar-red{fill:#ffcecb;"
    "stroke:#cf222e;stroke-width:2}\n"
    ".l-c2s{stroke:#1a7f37;stroke-width:1.5}"
    ".l-s2c{stroke:#0969da;stroke-width:1.5}"
    ".l-other{stroke:#57606a;stroke-width:1.5}\n"
    ".l-end{stroke:#bf8700;stroke-width:1.5;stroke-dasharray:6 3}"
    ".l-red{stroke:#cf222e;stroke-width:1.5;stroke-dasharray:6 3}\n"
    ".hole{fill:#ffffff;stroke:#57606a;stroke-width:1.5}\n"
    ".dot-c2s{fill:#1a7f37}.dot-s2c{fill:#0969da}.dot-other{fill:#57606a}"
    ".mark-end{fill:#bf8700}.mark-dim{fill:#8c959f}\n"
    ".x{stroke:#cf222e;stroke-width:2.5;fill:none}\n"
    ".report-box{fill:#ffebe9;stroke:#cf222e}\n"
    "</style>\n";

/* An arrowhead per colour: c2s, s2c, other, end, red. */
static void put_markers(FILE *out)
{
    static const char *const names[] = {"c2s", "s2c", "other", "end", "red"};
    static const char *const fills[] = {"#1a7f37", "#0969da", "#57606a",
                                        "#bf8700", "#cf222e"};
    size_t i = 0;

    fputs("<defs>\n", out);
    for (i = 0; i < sizeof names / sizeof names[0]; i++)
        fprintf(out,
                "<marker id=\"head-%s\" viewBox=\"0 0 10 10\" refX=\"10\" "
                "refY=\"5\" markerWidth=\"9\" markerHeight=\"9\" "
                "orient=\"auto\" markerUnits=\"userSpaceOnUse\">"
                "<path d=\"M0 0L10 5L0 10z\" fill=\"%s\"/></marker>\n",
                names[i], fills[i]);
    fputs("</defs>\n", out);
}

void svg_style_open(FILE *out, int width, int height, const char *title)
{
    fprintf(out,
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
            "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" "
            "height=\"%d\" viewBox=\"0 0 %d %d\">\n<title>",
            width, height, width, height);
    svg_text_escape(out, title, strlen(title));
    fputs("</title>\n", out);
    fputs(style, out);
    put_markers(out);
    fprintf(out,
            "<rect x=\"0\" y=\"0\" width=\"%d\" height=\"%d\" "
            "fill=\"#ffffff\"/>\n",
            width, height);
}
