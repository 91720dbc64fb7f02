/*
 * h2_messages: each HTTP/2 stream's DATA bytes, read as gRPC messages.
 *
 * Design
 *   A stream's buffer holds less than one message between two calls: the
 *   bytes of a DATA frame are appended, every whole message at the front
 *   is printed and dropped, and the rest waits for the stream's next DATA.
 *   Streams are kept in an array searched in order: a connection a
 *   learner reads has a few of them.
 */
#include "h2/h2_messages.h"

#include <assert.h>
#include <stdlib.h>
#include <string.h>

#include "core/trace.h"

/* Bytes shown in hex: of a message's payload, and of a bad one. */
#define PAYLOAD_HEX 8
#define BAD_HEX 16
#define PAINT_ERR "\033[31m" /* view/colour.h's COLOUR_ERR */
#define PAINT_OFF "\033[0m"

/* One stream's DATA bytes that do not make a whole message yet. */
struct stream_bytes {
    uint32_t stream;
    uint8_t *buf;
    size_t len, cap;
    size_t offset; /* where buf[0] is among the stream's DATA bytes */
};

struct h2_messages {
    struct frame_limits lim;
    FILE *out;
    int colour;
    struct stream_bytes *streams;
    size_t n, cap;
};

enum status h2_messages_create(const struct frame_limits *lim, FILE *out,
                               int colour, struct h2_messages **out_m)
{
    struct h2_messages *m = NULL;

    assert(lim != NULL && out != NULL && out_m != NULL);
    m = calloc(1, sizeof *m);
    if (m == NULL)
        return STATUS_RESOURCE_EXHAUSTED;
    m->lim = *lim;
    m->out = out;
    m->colour = colour;
    *out_m = m;
    return STATUS_OK;
}

void h2_messages_destroy(struct h2_messages *m)
{
    size_t i = 0;

    if (m == NULL)
        return;
    for (i = 0; i < m->n; i++)
        free(m->streams[i].buf);
    free(m->streams);
    free(m);
}

static void print_hex(FILE *out, const uint8_t *p, size_t n)
{
    size_t i = 0;

    for (i = 0; i < n; i++)
        fprintf(out, "%s%02x", i ? " " : "", p[i]);
}

/* Returns stream id's bytes, or NULL when it has none. */
static struct stream_bytes *find(struct h2_messages *m, uint32_t id)
{
    size_t i = 0;

    for (i = 0; i < m->n; i++)
        if (m->streams[i].stream == id)
            return &m->streams[i];
    return NULL;
}

/* Returns stream id's bytes, new ones if it has none, or NULL when there
 * is no memory for them. */
static struct stream_bytes *find_or_add(struct h2_messages *m, uint32_t id)
{
    struct stream_bytes *s = find(m, id);

    if (s != NULL)
        return s;
    if (m->n == m->cap) {
        size_t cap = m->cap ? m->cap * 2 : 8;
        struct stream_bytes *grown = realloc(m->streams, cap * sizeof *grown);

        if (grown == NULL)
            return NULL;
        m->streams = grown;
        m->cap = cap;
    }
    memset(&m->streams[m->n], 0, sizeof m->streams[0]);
    m->streams[m->n].stream = id;
    return &m->streams[m->n++];
}

/* Appends n bytes to s. Returns 0 when there is no memory for them. */
static int append(struct stream_bytes *s, const uint8_t *p, size_t n)
{
    if (s->cap - s->len < n) {
        size_t cap = s->cap ? s->cap : 256;
        uint8_t *grown = NULL;

        while (cap - s->len < n)
            cap *= 2;
        grown = realloc(s->buf, cap);
        if (grown == NULL)
            return 0;
        s->buf = grown;
        s->cap = cap;
    }
    if (n > 0)
        memcpy(s->buf + s->len, p, n);
    s->len += n;
    return 1;
}

/* Drops the first n bytes of s: they were whole messages, now printed. */
static void drop(struct stream_bytes *s, size_t n)
{
    if (n == 0)
        return;
    memmove(s->buf, s->buf + n, s->len - n);
    s->len -= n;
    s->offset += n;
}

/* Prints the whole message at p, at offset among its stream's DATA bytes,
 * in view/dissect's line format. */
static void print_message(struct h2_messages *m, size_t offset,
                          const uint8_t *p, const struct frame_header *h)
{
    char text[TRACE_TEXT_MAX];
    size_t shown = h->length < PAYLOAD_HEX ? h->length : PAYLOAD_HEX;

    trace_preview(text, sizeof text, p + FRAME_HEADER_LEN, h->length);
    fprintf(m->out, "  %6s    grpc @%zu  ", "", offset);
    print_hex(m->out, p, 1);
    fputs(" | ", m->out);
    print_hex(m->out, p + 1, 4);
    fputs(" | ", m->out);
    print_hex(m->out, p + FRAME_HEADER_LEN, shown);
    fprintf(m->out, "%s  flag=%u len=%lu %s\n", h->length > shown ? " .." : "",
            (unsigned)h->flag, (unsigned long)h->length, text);
}

/*
 * Fails at the front of s: its bytes (up to 16; "@N" alone when there are
 * none), then st and its text in red. Returns st.
 */
static enum status fail(struct h2_messages *m, const struct stream_bytes *s,
                        enum status st, const char *text)
{
    size_t shown = s->len < BAD_HEX ? s->len : BAD_HEX;

    fprintf(m->out, "  %6s    grpc @%zu%s", "", s->offset, shown ? "  " : "");
    print_hex(m->out, s->buf, shown);
    fprintf(m->out, "%s\n", s->len > shown ? " .." : "");
    fprintf(m->out, "  %6s  %s%s: %s%s\n", "", m->colour ? PAINT_ERR : "",
            status_name(st), text, m->colour ? PAINT_OFF : "");
    return st;
}

/*
 * Prints every whole message at the front of s and keeps the rest.
 * Returns STATUS_OK, or the status of a bad message header (printed).
 */
static enum status print_whole(struct h2_messages *m, struct stream_bytes *s)
{
    size_t used = 0;

    while (s->len - used >= FRAME_HEADER_LEN) {
        struct frame_header h;
        struct status_detail why;
        enum status st = STATUS_OK;

        status_detail_clear(&why);
        st = frame_decode_header(s->buf + used, &m->lim, &h, &why);
        if (st != STATUS_OK) {
            drop(s, used);
            return fail(m, s, st, why.text);
        }
        if (s->len - used - FRAME_HEADER_LEN < h.length)
            break; /* the rest comes in a later DATA frame */
        print_message(m, s->offset + used, s->buf + used, &h);
        used += FRAME_HEADER_LEN + (size_t)h.length;
    }
    drop(s, used);
    return STATUS_OK;
}

/* Says how much of the message at the front of s has come, if any. */
static void print_partial(struct h2_messages *m, const struct stream_bytes *s)
{
    if (s->len == 0)
        return;
    fprintf(m->out, "  %6s    grpc @%zu  ", "", s->offset);
    if (s->len < FRAME_HEADER_LEN)
        fprintf(m->out, "%zu of the 5 header bytes so far\n", s->len);
    else
        fprintf(m->out, "%zu of %lu payload bytes so far\n",
                s->len - FRAME_HEADER_LEN,
                (unsigned long)frame_get_u32(s->buf + 1));
}

enum status h2_messages_data(struct h2_messages *m, uint32_t stream,
                             const uint8_t *p, size_t n, int end_stream)
{
    struct stream_bytes *s = NULL;
    enum status st = STATUS_OK;

    assert(m != NULL && (p != NULL || n == 0));
    s = find_or_add(m, stream);
    if (s == NULL || !append(s, p, n)) {
        struct stream_bytes none = {stream, NULL, 0, 0, 0};

        return fail(m, s != NULL ? s : &none, STATUS_RESOURCE_EXHAUSTED,
                    "out of memory holding the stream's messages");
    }
    st = print_whole(m, s);
    if (st != STATUS_OK)
        return st;
    if (end_stream)
        return h2_messages_end_stream(m, stream);
    if (n > 0)
        print_partial(m, s);
    return STATUS_OK;
}

enum status h2_messages_end_stream(struct h2_messages *m, uint32_t stream)
{
    struct stream_bytes *s = NULL;

    assert(m != NULL);
    s = find(m, stream);
    if (s == NULL || s->len == 0)
        return STATUS_OK;
    return fail(m, s, STATUS_INTERNAL, "unexpected EOF");
}
