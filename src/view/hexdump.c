/*
 * hexdump: each pipe of a trace, dissected as frames.
 *
 * Design
 *   Nothing of its own beyond the title line: the dissection is
 *   view/dissect's, the same that `duplex decode` prints.
 */
#include "view/hexdump.h"

#include "view/dissect.h"

void hexdump_print(const struct trace *t, FILE *out, int colour)
{
    int i = 0;

    if (t == NULL)
        return;
    for (i = 0; i < TRACE_WIRES; i++) {
        const struct trace_wire *w = trace_wire_at(t, i);

        if (w->name[0] == '\0')
            continue;
        fprintf(out, "%s: %llu bytes%s\n", w->name,
                (unsigned long long)w->total,
                w->total > w->len ? " (first 64 KiB shown)" : "");
        dissect_buffer(w->bytes, w->len, NULL, out, colour, NULL);
    }
}
