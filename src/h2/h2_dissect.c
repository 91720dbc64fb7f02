/*
 * h2_dissect: print bytes as HTTP/2 frames and the gRPC messages in them,
 * judged as a receiver judges them.
 *
 * Design
 *   h2_dissect_bytes is the loop a receiver's reader runs, over a buffer:
 *   the preface, then 9 header bytes in, judged at once (judge_header),
 *   then wait for length more bytes; a whole frame is judged again for
 *   what only its payload can show (padding, a zero increment), then
 *   printed with what it carries. Waiting means returning STATUS_OK with
 *   the bytes not yet used, as view/dissect.c does for gRPC frames.
 *   Header blocks go through one nghttp2 HPACK inflater, fragment by
 *   fragment (HEADERS, then CONTINUATION until END_HEADERS), so the
 *   dynamic table is the receiver's. DATA goes to h2/h2_messages, which
 *   reads each stream's bytes as gRPC messages.
 *   A failure prints the bytes where it was found (up to 16) and the
 *   status and its text, as view/dissect.c prints a bad gRPC frame.
 */
#include "h2/h2_dissect.h"

#include <assert.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include <nghttp2/nghttp2.h>

#include "h2/h2_messages.h"

/* Bytes shown in hex where frames stop. */
#define BAD_HEX 16
/* ANSI colours, as view/colour.h's: a header, a failure, plain again. */
#define PAINT_HEAD "\033[33m"
#define PAINT_ERR "\033[31m"
#define PAINT_OFF "\033[0m"

/* Frame types (RFC 9113 section 6) and the flags they use. */
enum {
    T_DATA,
    T_HEADERS,
    T_PRIORITY,
    T_RST_STREAM,
    T_SETTINGS,
    T_PUSH_PROMISE,
    T_PING,
    T_GOAWAY,
    T_WINDOW_UPDATE,
    T_CONTINUATION
};
enum {
    F_END_STREAM = 0x1,
    F_ACK = 0x1,
    F_END_HEADERS = 0x4,
    F_PADDED = 0x8,
    F_PRIORITY = 0x20
};

static const char preface[] = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n";

struct h2_dissect {
    FILE *out;
    int colour;
    nghttp2_hd_inflater *inflater; /* this direction's HPACK decoder */
    size_t offset;                 /* stream offset of the next byte */
    size_t frames;                 /* whole, valid frames printed */
    int past_preface;              /* the preface is behind (or absent) */
    uint32_t block;                /* a header block is open on this
                                      stream (CONTINUATION expected), or 0 */
    int block_ends_stream;         /* ... and its HEADERS had END_STREAM */
    struct h2_messages *messages;  /* each stream's gRPC messages */
};

/* One frame: its header decoded, and the bytes from it on. */
struct frame {
    const uint8_t *p; /* the 9 header bytes, then the payload */
    size_t avail;     /* bytes at p to show if it is bad: its header's
                         while that is judged, then the whole frame's */
    uint32_t length;
    uint8_t type, flags;
    uint32_t stream;
};

static const char *const type_names[] = {
    "DATA",         "HEADERS", "PRIORITY", "RST_STREAM",    "SETTINGS",
    "PUSH_PROMISE", "PING",    "GOAWAY",   "WINDOW_UPDATE", "CONTINUATION"};

static const char *type_name(uint8_t type)
{
    return type <= T_CONTINUATION ? type_names[type] : "unknown type";
}

static uint32_t get_u24(const uint8_t *p)
{
    return (uint32_t)p[0] << 16 | (uint32_t)p[1] << 8 | p[2];
}

static uint32_t get_u31(const uint8_t *p)
{
    return frame_get_u32(p) & 0x7fffffffu;
}

static void print_hex(FILE *out, const uint8_t *p, size_t n)
{
    size_t i = 0;

    for (i = 0; i < n; i++)
        fprintf(out, "%s%02x", i ? " " : "", p[i]);
}

/* Prints up to 16 of the n bytes at p, then st and its text, in red. */
static void print_bad(struct h2_dissect *d, const char *where, const uint8_t *p,
                      size_t n, enum status st, const char *text)
{
    size_t shown = n < BAD_HEX ? n : BAD_HEX;
    size_t w = strlen(where);

    while (n == 0 && w > 0 && where[w - 1] == ' ')
        w--; /* no bytes: no blanks at the end of the line */
    fprintf(d->out, "%.*s", (int)w, where);
    print_hex(d->out, p, shown);
    fprintf(d->out, "%s\n", n > shown ? " .." : "");
    fprintf(d->out, "  %6s  %s%s: %s%s\n", "", d->colour ? PAINT_ERR : "",
            status_name(st), text, d->colour ? PAINT_OFF : "");
}

/*
 * Fails the frame f with an HTTP/2 error: prints its bytes and "INTERNAL:
 * TYPE frame at offset N: what (HTTP/2 CODE)". Returns STATUS_INTERNAL.
 */
static enum status fail_frame(struct h2_dissect *d, const struct frame *f,
                              uint32_t code, const char *fmt, ...)
{
    char what[160];
    char text[256];
    char where[32];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(what, sizeof what, fmt, ap);
    va_end(ap);
    snprintf(text, sizeof text, "%s frame at offset %zu: %s (HTTP/2 %s)",
             type_name(f->type), d->offset, what, nghttp2_http2_strerror(code));
    snprintf(where, sizeof where, "  %6zu  ", d->offset);
    print_bad(d, where, f->p, f->avail, STATUS_INTERNAL, text);
    return STATUS_INTERNAL;
}

/* Prints a line under the frame: indented, then the printf text. */
static void say(struct h2_dissect *d, const char *fmt, ...)
{
    va_list ap;

    fprintf(d->out, "  %6s    ", "");
    va_start(ap, fmt);
    vfprintf(d->out, fmt, ap);
    va_end(ap);
    fputc('\n', d->out);
}

/*
 * Prints n bytes of text, each byte that is not printable ASCII as \xNN,
 * and a blank at the end too (a line never ends in a blank).
 */
static void print_text(FILE *out, const uint8_t *p, size_t n)
{
    size_t i = 0;

    for (i = 0; i < n; i++)
        if (p[i] > 0x20 && p[i] < 0x7f && p[i] != '\\')
            fputc(p[i], out);
        else if (p[i] == ' ' && i + 1 < n)
            fputc(' ', out);
        else
            fprintf(out, "\\x%02x", p[i]);
}

/* Prints a header field, "name: value", and an empty value as "". */
static void print_field(struct h2_dissect *d, const nghttp2_nv *nv)
{
    fprintf(d->out, "  %6s    ", "");
    print_text(d->out, nv->name, nv->namelen);
    fputs(": ", d->out);
    if (nv->valuelen == 0)
        fputs("\"\"", d->out);
    print_text(d->out, nv->value, nv->valuelen);
    fputc('\n', d->out);
}

enum status h2_dissect_create(const struct frame_limits *lim, FILE *out,
                              int colour, struct h2_dissect **out_d)
{
    struct h2_dissect *d = NULL;

    assert(out != NULL && out_d != NULL);
    d = calloc(1, sizeof *d);
    if (d == NULL)
        return STATUS_RESOURCE_EXHAUSTED;
    if (nghttp2_hd_inflate_new(&d->inflater) != 0 ||
        h2_messages_create(lim != NULL ? lim : &frame_default_limits, out,
                           colour, &d->messages) != STATUS_OK) {
        h2_dissect_destroy(d);
        return STATUS_RESOURCE_EXHAUSTED;
    }
    d->out = out;
    d->colour = colour;
    fprintf(out, "  %6s  %-8s | ty | fl | stream\n", "offset", "length");
    *out_d = d;
    return STATUS_OK;
}

void h2_dissect_destroy(struct h2_dissect *d)
{
    if (d == NULL)
        return;
    h2_messages_destroy(d->messages);
    if (d->inflater != NULL) /* (nghttp2's del takes no NULL) */
        nghttp2_hd_inflate_del(d->inflater);
    free(d);
}

size_t h2_dissect_frames(const struct h2_dissect *d)
{
    return d->frames;
}

/* ---- the frame header, judged as soon as it is in ----------------------- */

/* The payload length a type must have (or at least have), or -1: any. */
static long fixed_length(uint8_t type)
{
    switch (type) {
    case T_PRIORITY: return 5;
    case T_RST_STREAM: return 4;
    case T_PING: return 8;
    case T_WINDOW_UPDATE: return 4;
    default: return -1;
    }
}

/* Whether a frame of this type belongs on stream 0 (1), never (0), or
 * either (-1: WINDOW_UPDATE and types it does not know). */
static int on_stream_zero(uint8_t type)
{
    switch (type) {
    case T_SETTINGS:
    case T_PING:
    case T_GOAWAY: return 1;
    case T_DATA:
    case T_HEADERS:
    case T_PRIORITY:
    case T_RST_STREAM:
    case T_PUSH_PROMISE:
    case T_CONTINUATION: return 0;
    default: return -1;
    }
}

/* Judges the 9 header bytes of f. Returns STATUS_OK or the failure. */
static enum status judge_header(struct h2_dissect *d, const struct frame *f)
{
    int zero = on_stream_zero(f->type);
    long fixed = fixed_length(f->type);

    if (f->length > H2_DISSECT_MAX_FRAME &&
        memcmp(f->p, preface, H2_DISSECT_HEADER_LEN) == 0)
        return fail_frame(d, f, NGHTTP2_FRAME_SIZE_ERROR,
                          "a second client preface, the start of another "
                          "connection (as a frame: length %lu, above "
                          "SETTINGS_MAX_FRAME_SIZE %d)",
                          (unsigned long)f->length, H2_DISSECT_MAX_FRAME);
    if (f->length > H2_DISSECT_MAX_FRAME)
        return fail_frame(d, f, NGHTTP2_FRAME_SIZE_ERROR,
                          "length %lu is above SETTINGS_MAX_FRAME_SIZE %d",
                          (unsigned long)f->length, H2_DISSECT_MAX_FRAME);
    if (d->block != 0 && (f->type != T_CONTINUATION || f->stream != d->block))
        return fail_frame(d, f, NGHTTP2_PROTOCOL_ERROR,
                          "the header block of stream %lu is not finished "
                          "(CONTINUATION expected)",
                          (unsigned long)d->block);
    if (d->block == 0 && f->type == T_CONTINUATION)
        return fail_frame(d, f, NGHTTP2_PROTOCOL_ERROR,
                          "no header block to continue");
    if (zero == 1 && f->stream != 0)
        return fail_frame(d, f, NGHTTP2_PROTOCOL_ERROR,
                          "on stream %lu, not the connection's stream 0",
                          (unsigned long)f->stream);
    if (zero == 0 && f->stream == 0)
        return fail_frame(d, f, NGHTTP2_PROTOCOL_ERROR,
                          "on stream 0, which is the connection's");
    if (fixed >= 0 && f->length != (uint32_t)fixed)
        return fail_frame(d, f, NGHTTP2_FRAME_SIZE_ERROR, "length %lu, not %ld",
                          (unsigned long)f->length, fixed);
    if (f->type == T_SETTINGS && (f->flags & F_ACK) && f->length != 0)
        return fail_frame(d, f, NGHTTP2_FRAME_SIZE_ERROR,
                          "an ACK with length %lu, not 0",
                          (unsigned long)f->length);
    if (f->type == T_SETTINGS && f->length % 6 != 0)
        return fail_frame(d, f, NGHTTP2_FRAME_SIZE_ERROR,
                          "length %lu is not a multiple of 6",
                          (unsigned long)f->length);
    if (f->type == T_GOAWAY && f->length < 8)
        return fail_frame(d, f, NGHTTP2_FRAME_SIZE_ERROR,
                          "length %lu, less than 8", (unsigned long)f->length);
    return STATUS_OK;
}

/* ---- the whole frame ---------------------------------------------------- */

/*
 * Finds where the content of a DATA, HEADERS or PUSH_PROMISE frame is in
 * its payload, past its pad length, priority or promised stream, and
 * before its padding. Returns STATUS_OK with *out_at and *out_len, or the
 * failure (bad padding).
 */
static enum status find_content(struct h2_dissect *d, const struct frame *f,
                                size_t *out_at, size_t *out_len)
{
    const uint8_t *payload = f->p + H2_DISSECT_HEADER_LEN;
    size_t before = f->flags & F_PADDED ? 1 : 0;
    size_t pad = 0;

    if (f->type == T_HEADERS && (f->flags & F_PRIORITY))
        before += 5;
    if (f->type == T_PUSH_PROMISE)
        before += 4;
    if (f->length < before)
        return fail_frame(d, f, NGHTTP2_FRAME_SIZE_ERROR,
                          "length %lu is too short for its %zu bytes of "
                          "fields",
                          (unsigned long)f->length, before);
    if (f->flags & F_PADDED)
        pad = payload[0];
    if (pad > f->length - before)
        return fail_frame(d, f, NGHTTP2_PROTOCOL_ERROR,
                          "pad length %zu is more than the %lu bytes after "
                          "its fields",
                          pad, (unsigned long)(f->length - before));
    *out_at = before;
    *out_len = f->length - before - pad;
    return STATUS_OK;
}

/* Prints the flags of f by name ("END_STREAM|END_HEADERS"), and any bit
 * its type does not use in hex. */
static void print_flags(FILE *out, const struct frame *f)
{
    static const struct {
        uint8_t bit;
        const char *name;
        unsigned types; /* a bit for each type that uses it */
    } names[] = {
        {F_END_STREAM, "END_STREAM", 1u << T_DATA | 1u << T_HEADERS},
        {F_ACK, "ACK", 1u << T_SETTINGS | 1u << T_PING},
        {F_END_HEADERS, "END_HEADERS",
         1u << T_HEADERS | 1u << T_PUSH_PROMISE | 1u << T_CONTINUATION},
        {F_PADDED, "PADDED",
         1u << T_DATA | 1u << T_HEADERS | 1u << T_PUSH_PROMISE},
        {F_PRIORITY, "PRIORITY", 1u << T_HEADERS},
    };
    uint8_t rest = f->flags;
    const char *sep = " ";
    size_t i = 0;

    for (i = 0; i < sizeof names / sizeof names[0]; i++) {
        if (!(f->flags & names[i].bit) || f->type > T_CONTINUATION ||
            !(names[i].types >> f->type & 1))
            continue;
        fprintf(out, "%s%s", sep, names[i].name);
        sep = "|";
        rest &= (uint8_t)~names[i].bit;
    }
    if (rest != 0)
        fprintf(out, "%sflags 0x%02x", sep, rest);
}

static void print_frame_line(struct h2_dissect *d, const struct frame *f)
{
    const uint8_t *p = f->p;

    fprintf(d->out, "  %6zu  %s", d->offset, d->colour ? PAINT_HEAD : "");
    print_hex(d->out, p, 3);
    fputs(" | ", d->out);
    print_hex(d->out, p + 3, 1);
    fputs(" | ", d->out);
    print_hex(d->out, p + 4, 1);
    fputs(" | ", d->out);
    print_hex(d->out, p + 5, 4);
    fprintf(d->out, "%s  %s", d->colour ? PAINT_OFF : "", type_name(f->type));
    if (f->type > T_CONTINUATION)
        fprintf(d->out, " 0x%02x (ignored)", f->type);
    fprintf(d->out, " stream=%lu len=%lu", (unsigned long)f->stream,
            (unsigned long)f->length);
    print_flags(d->out, f);
    fputc('\n', d->out);
}

/* ---- what a frame carries ----------------------------------------------- */

static const char *setting_name(uint16_t id)
{
    switch (id) {
    case NGHTTP2_SETTINGS_HEADER_TABLE_SIZE: return "HEADER_TABLE_SIZE";
    case NGHTTP2_SETTINGS_ENABLE_PUSH: return "ENABLE_PUSH";
    case NGHTTP2_SETTINGS_MAX_CONCURRENT_STREAMS:
        return "MAX_CONCURRENT_STREAMS";
    case NGHTTP2_SETTINGS_INITIAL_WINDOW_SIZE: return "INITIAL_WINDOW_SIZE";
    case NGHTTP2_SETTINGS_MAX_FRAME_SIZE: return "MAX_FRAME_SIZE";
    case NGHTTP2_SETTINGS_MAX_HEADER_LIST_SIZE: return "MAX_HEADER_LIST_SIZE";
    case NGHTTP2_SETTINGS_ENABLE_CONNECT_PROTOCOL:
        return "ENABLE_CONNECT_PROTOCOL";
    default: return NULL;
    }
}

static void say_settings(struct h2_dissect *d, const uint8_t *p, size_t n)
{
    size_t i = 0;

    for (i = 0; i + 6 <= n; i += 6) {
        uint16_t id = (uint16_t)(p[i] << 8 | p[i + 1]);
        const char *name = setting_name(id);
        unsigned long v = (unsigned long)frame_get_u32(p + i + 2);

        if (name != NULL)
            say(d, "%s=%lu", name, v);
        else
            say(d, "setting 0x%04x=%lu (unknown, ignored)", id, v);
    }
}

/* An error code by name, with its number: "CANCEL (0x8)". */
static void say_code(struct h2_dissect *d, const char *what, uint32_t code)
{
    say(d, "%s%s (0x%lx)", what, nghttp2_http2_strerror(code),
        (unsigned long)code);
}

/*
 * Inflates one fragment of a header block and prints its fields; final:
 * the fragment ends the block. Returns STATUS_OK or the failure, with
 * nghttp2's text.
 */
static enum status inflate(struct h2_dissect *d, const struct frame *f,
                           const uint8_t *in, size_t inlen, int final)
{
    for (;;) {
        nghttp2_nv nv;
        int flags = 0;
        ssize_t rv =
            nghttp2_hd_inflate_hd2(d->inflater, &nv, &flags, in, inlen, final);

        if (rv < 0)
            return fail_frame(d, f, NGHTTP2_COMPRESSION_ERROR,
                              "HPACK: %s (nghttp2)", nghttp2_strerror((int)rv));
        in += rv;
        inlen -= (size_t)rv;
        if (flags & NGHTTP2_HD_INFLATE_EMIT)
            print_field(d, &nv);
        if (flags & NGHTTP2_HD_INFLATE_FINAL) {
            nghttp2_hd_inflate_end_headers(d->inflater);
            return STATUS_OK;
        }
        if (!(flags & NGHTTP2_HD_INFLATE_EMIT) && inlen == 0)
            return STATUS_OK;
    }
}

/* A DATA frame's content, n bytes at p: its stream's gRPC messages. */
static enum status say_data(struct h2_dissect *d, const struct frame *f,
                            const uint8_t *p, size_t n)
{
    return h2_messages_data(d->messages, f->stream, p, n,
                            (f->flags & F_END_STREAM) != 0);
}

/* A header block's fragment, n bytes at p, in HEADERS or CONTINUATION. */
static enum status say_block(struct h2_dissect *d, const struct frame *f,
                             const uint8_t *p, size_t n)
{
    int final = (f->flags & F_END_HEADERS) != 0;
    enum status st = STATUS_OK;

    if (f->type != T_CONTINUATION) {
        d->block = f->stream;
        d->block_ends_stream =
            f->type == T_HEADERS && (f->flags & F_END_STREAM) != 0;
    }
    if (f->type == T_PUSH_PROMISE)
        say(d, "promised stream %lu", (unsigned long)get_u31(p - 4));
    st = inflate(d, f, p, n, final);
    if (st != STATUS_OK || !final)
        return st;
    d->block = 0;
    return d->block_ends_stream ? h2_messages_end_stream(d->messages, f->stream)
                                : STATUS_OK;
}

/* The frames that carry no content of variable shape. */
static enum status say_fixed(struct h2_dissect *d, const struct frame *f,
                             const uint8_t *p)
{
    uint32_t inc = 0;

    switch (f->type) {
    case T_SETTINGS: say_settings(d, p, f->length); break;
    case T_RST_STREAM: say_code(d, "error code ", frame_get_u32(p)); break;
    case T_PRIORITY:
        say(d, "depends on stream %lu%s, weight %u", (unsigned long)get_u31(p),
            p[0] & 0x80 ? " (exclusive)" : "", (unsigned)p[4] + 1);
        break;
    case T_PING:
        fprintf(d->out, "  %6s    opaque data ", "");
        print_hex(d->out, p, 8);
        fputc('\n', d->out);
        break;
    case T_GOAWAY:
        say(d, "last stream %lu", (unsigned long)get_u31(p));
        say_code(d, "error code ", frame_get_u32(p + 4));
        if (f->length > 8) {
            fprintf(d->out, "  %6s    debug data \"", "");
            print_text(d->out, p + 8, f->length - 8);
            fputs("\"\n", d->out);
        }
        break;
    case T_WINDOW_UPDATE:
        inc = get_u31(p);
        if (inc == 0)
            return fail_frame(d, f, NGHTTP2_PROTOCOL_ERROR,
                              "a window increment of 0");
        say(d, "%s window +%lu", f->stream == 0 ? "connection" : "stream",
            (unsigned long)inc);
        break;
    default: break; /* a type it does not know: ignored, as RFC 9113 says */
    }
    return STATUS_OK;
}

/* Judges the whole frame f, prints it, then what it carries. */
static enum status say_frame(struct h2_dissect *d, const struct frame *f)
{
    const uint8_t *payload = f->p + H2_DISSECT_HEADER_LEN;
    size_t at = 0, n = 0;
    enum status st = STATUS_OK;
    int carries =
        f->type == T_DATA || f->type == T_HEADERS || f->type == T_PUSH_PROMISE;

    if (carries && (st = find_content(d, f, &at, &n)) != STATUS_OK)
        return st;
    if (f->type == T_WINDOW_UPDATE && get_u31(payload) == 0)
        return say_fixed(d, f, payload); /* fails before the frame line */
    print_frame_line(d, f);
    if (f->type == T_DATA)
        return say_data(d, f, payload + at, n);
    if (carries)
        return say_block(d, f, payload + at, n);
    if (f->type == T_CONTINUATION)
        return say_block(d, f, payload, f->length);
    return say_fixed(d, f, payload);
}

/* ---- the loop ----------------------------------------------------------- */

/*
 * The client preface, if the stream starts with it. Returns the bytes it
 * takes: 24, or 0 when there is no preface or (*wait) not enough bytes
 * yet to tell.
 */
static size_t take_preface(struct h2_dissect *d, const uint8_t *buf, size_t len,
                           int *wait)
{
    size_t n = len < H2_DISSECT_PREFACE_LEN ? len : H2_DISSECT_PREFACE_LEN;

    *wait = 0;
    if (d->past_preface)
        return 0;
    if (memcmp(buf, preface, n) != 0) {
        d->past_preface = 1;
        return 0;
    }
    if (n < H2_DISSECT_PREFACE_LEN) {
        *wait = 1;
        return 0;
    }
    fprintf(d->out,
            "  %6zu  client preface \"PRI * HTTP/2.0\\r\\n\\r\\nSM"
            "\\r\\n\\r\\n\"\n",
            d->offset);
    d->past_preface = 1;
    d->offset += H2_DISSECT_PREFACE_LEN;
    return H2_DISSECT_PREFACE_LEN;
}

enum status h2_dissect_bytes(struct h2_dissect *d, const uint8_t *buf,
                             size_t len, size_t *out_used)
{
    int wait = 0;
    size_t off = 0;

    assert(d != NULL && (buf != NULL || len == 0) && out_used != NULL);
    if (len > 0)
        off = take_preface(d, buf, len, &wait);
    while (!wait && len - off >= H2_DISSECT_HEADER_LEN) {
        struct frame f;
        enum status st = STATUS_OK;

        f.p = buf + off;
        f.avail = H2_DISSECT_HEADER_LEN; /* a bad header shows only itself */
        f.length = get_u24(f.p);
        f.type = f.p[3];
        f.flags = f.p[4];
        f.stream = get_u31(f.p + 5);
        if ((st = judge_header(d, &f)) != STATUS_OK)
            return st;
        if (len - off - H2_DISSECT_HEADER_LEN < f.length)
            break; /* the payload is still to come */
        f.avail = H2_DISSECT_HEADER_LEN + (size_t)f.length;
        if ((st = say_frame(d, &f)) != STATUS_OK)
            return st;
        off += f.avail;
        d->offset += f.avail;
        d->frames++;
    }
    *out_used = off;
    return STATUS_OK;
}

enum status h2_dissect_end(struct h2_dissect *d, const uint8_t *rest,
                           size_t len)
{
    char why[96];
    char where[32];

    assert(d != NULL && (rest != NULL || len == 0));
    snprintf(where, sizeof where, "  %6zu  ", d->offset);
    if (len == 0 && d->block == 0) {
        fprintf(d->out, "  %6zu  end: %zu frame%s, clean EOF\n", d->offset,
                d->frames, d->frames == 1 ? "" : "s");
        return STATUS_EOF;
    }
    if (len == 0)
        snprintf(why, sizeof why,
                 "unexpected EOF in the header block of stream %lu "
                 "(CONTINUATION expected)",
                 (unsigned long)d->block);
    else if (!d->past_preface)
        snprintf(why, sizeof why, "unexpected EOF (preface: %zu of %d bytes)",
                 len, H2_DISSECT_PREFACE_LEN);
    else if (len < H2_DISSECT_HEADER_LEN)
        snprintf(why, sizeof why, "unexpected EOF (header: %zu of %d bytes)",
                 len, H2_DISSECT_HEADER_LEN);
    else
        snprintf(why, sizeof why, "unexpected EOF (payload: %zu of %lu bytes)",
                 len - H2_DISSECT_HEADER_LEN, (unsigned long)get_u24(rest));
    print_bad(d, where, rest, len, STATUS_INTERNAL, why);
    return STATUS_INTERNAL;
}

enum status h2_dissect_buffer(const uint8_t *buf, size_t len,
                              const struct frame_limits *lim, FILE *out,
                              int colour, size_t *out_frames)
{
    struct h2_dissect *d = NULL;
    size_t used = 0;
    enum status st = h2_dissect_create(lim, out, colour, &d);

    if (st != STATUS_OK) {
        if (out_frames != NULL)
            *out_frames = 0;
        return st;
    }
    st = h2_dissect_bytes(d, buf, len, &used);
    if (st == STATUS_OK)
        st = h2_dissect_end(d, buf + used, len - used);
    if (out_frames != NULL)
        *out_frames = d->frames;
    h2_dissect_destroy(d);
    return st;
}

/* One pipe of a trace, dissected. */
static void dissect_wire(const struct trace_wire *w, FILE *out, int colour)
{
    struct h2_dissect *d = NULL;
    size_t used = 0;

    if (h2_dissect_create(NULL, out, colour, &d) != STATUS_OK) {
        fputs("  (no memory to dissect it)\n", out);
        return;
    }
    if (h2_dissect_bytes(d, w->bytes, w->len, &used) == STATUS_OK)
        h2_dissect_end(d, w->bytes + used, w->len - used);
    h2_dissect_destroy(d);
}

/* How many client prefaces the pipes of t hold: one a connection. */
static size_t count_prefaces(const struct trace *t)
{
    size_t n = 0, at = 0;
    int i = 0;

    for (i = 0; i < TRACE_WIRES; i++) {
        const struct trace_wire *w = trace_wire_at(t, i);

        for (at = 0; at + H2_DISSECT_PREFACE_LEN <= w->len; at++)
            n += memcmp(w->bytes + at, preface, H2_DISSECT_PREFACE_LEN) == 0;
    }
    return n;
}

void h2_dissect_hexdump(const struct trace *t, FILE *out, int colour)
{
    size_t connections = 0;
    int i = 0;

    if (t == NULL)
        return;
    /*
     * The trace keeps a pipe's bytes by its name, and the connections of
     * one run (the hub's, one a client) name theirs alike: their bytes are
     * then one record, interleaved, which no single connection's reader
     * would see.
     */
    connections = count_prefaces(t);
    if (connections > 1)
        fprintf(out,
                "note: %zu connections, whose pipes share the names below: "
                "each name's bytes are theirs interleaved, read here as one "
                "connection\n",
                connections);
    for (i = 0; i < TRACE_WIRES; i++) {
        const struct trace_wire *w = trace_wire_at(t, i);

        if (w->name[0] == '\0')
            continue;
        fprintf(out, "%s: %llu bytes%s\n", w->name,
                (unsigned long long)w->total,
                w->total > w->len ? " (first 64 KiB shown)" : "");
        dissect_wire(w, out, colour);
    }
}
