/*
 * dissect: print bytes as gRPC frames, judged as a receiver judges them.
 *
 * Design
 *   dissect_frames is the loop a receiver runs, over a buffer instead of
 *   a pipe: 5 header bytes in, frame_decode_header judges them, then wait
 *   for length more bytes. Waiting means returning STATUS_OK with the
 *   bytes not yet used, so the same loop serves a buffer that is whole
 *   (dissect_buffer) and input that comes in pieces (`duplex decode`).
 *   Only dissect_end knows that no more will come, so only it tells a
 *   clean EOF from an unexpected one.
 *   A frame line shows at most 8 payload bytes in hex (and " .." when
 *   there are more); a failure shows at most 16 bytes from where the
 *   frames stopped. Neither line ends in a blank.
 */
#include "view/dissect.h"

#include <assert.h>

#include "core/trace.h"
#include "view/colour.h"

/* Bytes shown in hex: of a frame's payload, and where frames stop. */
#define PAYLOAD_HEX 8
#define BAD_HEX 16

static void print_hex(FILE *out, const uint8_t *p, size_t n)
{
    size_t i = 0;

    for (i = 0; i < n; i++)
        fprintf(out, "%s%02x", i ? " " : "", p[i]);
}

void dissect_print_frame(FILE *out, size_t offset, const uint8_t *p,
                         const struct frame_header *h, int colour)
{
    char text[TRACE_TEXT_MAX];
    size_t shown = h->length < PAYLOAD_HEX ? h->length : PAYLOAD_HEX;

    trace_preview(text, sizeof text, p + FRAME_HEADER_LEN, h->length);
    fprintf(out, "  %6zu  ", offset);
    if (colour)
        fputs(COLOUR_CLOSE, out);
    print_hex(out, p, 1);
    fputs(" | ", out);
    print_hex(out, p + 1, 4);
    if (colour)
        fputs(COLOUR_OFF, out);
    fputs(" | ", out);
    print_hex(out, p + FRAME_HEADER_LEN, shown);
    fprintf(out, "%s  flag=%u len=%lu %s\n", h->length > shown ? " .." : "",
            (unsigned)h->flag, (unsigned long)h->length, text);
}

void dissect_print_bad(FILE *out, size_t offset, const uint8_t *rest, size_t n,
                       enum status st, const char *text, int colour)
{
    size_t shown = n < BAD_HEX ? n : BAD_HEX;

    fprintf(out, "  %6zu  ", offset);
    print_hex(out, rest, shown);
    fprintf(out, "%s\n", n > shown ? " .." : "");
    if (colour)
        fputs(COLOUR_ERR, out);
    fprintf(out, "  %6s  %s: %s\n", "", status_name(st), text);
    if (colour)
        fputs(COLOUR_OFF, out);
}

void dissect_start(struct dissect *d, const struct frame_limits *lim, FILE *out,
                   int colour)
{
    assert(d != NULL && out != NULL);
    d->lim = lim != NULL ? *lim : frame_default_limits;
    d->out = out;
    d->colour = colour;
    d->say_where = 0;
    d->offset = 0;
    d->frames = 0;
    fprintf(out, "  %6s  %-2s | %-11s | %s\n", "offset", "fl", "length",
            "payload");
}

enum status dissect_frames(struct dissect *d, const uint8_t *buf, size_t len,
                           size_t *out_used)
{
    size_t off = 0;

    while (len - off >= FRAME_HEADER_LEN) {
        struct frame_header h;
        struct status_detail why;
        enum status st = STATUS_OK;

        status_detail_clear(&why);
        st = frame_decode_header(buf + off, &d->lim, &h, &why);
        if (st != STATUS_OK) {
            dissect_print_bad(d->out, d->offset, buf + off, len - off, st,
                              why.text, d->colour);
            return st;
        }
        if (len - off - FRAME_HEADER_LEN < h.length)
            break; /* the payload is still to come */
        dissect_print_frame(d->out, d->offset, buf + off, &h, d->colour);
        off += FRAME_HEADER_LEN + (size_t)h.length;
        d->offset += FRAME_HEADER_LEN + (size_t)h.length;
        d->frames++;
    }
    *out_used = off;
    return STATUS_OK;
}

enum status dissect_end(struct dissect *d, const uint8_t *rest, size_t len)
{
    char why[96] = "unexpected EOF";

    if (len == 0) {
        fprintf(d->out, "  %6zu  end: %zu frame%s, clean EOF\n", d->offset,
                d->frames, d->frames == 1 ? "" : "s");
        return STATUS_EOF;
    }
    if (d->say_where && len < FRAME_HEADER_LEN)
        snprintf(why, sizeof why, "unexpected EOF (header: %zu of %d bytes)",
                 len, FRAME_HEADER_LEN);
    else if (d->say_where)
        snprintf(why, sizeof why, "unexpected EOF (payload: %zu of %lu bytes)",
                 len - FRAME_HEADER_LEN,
                 (unsigned long)frame_get_u32(rest + 1));
    dissect_print_bad(d->out, d->offset, rest, len, STATUS_INTERNAL, why,
                      d->colour);
    return STATUS_INTERNAL;
}

enum status dissect_buffer(const uint8_t *buf, size_t len,
                           const struct frame_limits *lim, FILE *out,
                           int colour, size_t *out_frames)
{
    struct dissect d;
    size_t used = 0;
    enum status st = STATUS_OK;

    dissect_start(&d, lim, out, colour);
    st = dissect_frames(&d, buf, len, &used);
    if (st == STATUS_OK)
        st = dissect_end(&d, buf + used, len - used);
    if (out_frames != NULL)
        *out_frames = d.frames;
    return st;
}
