/*
 * frame: pack and unpack gRPC's 5-byte message header.
 *
 *   +--------+--------+--------+--------+--------+
 *   |  flag  |  len >> 24 | len >> 16 | len >> 8 | len |
 *   +--------+--------+--------+--------+--------+
 *
 * Design
 *   Small functions, one job each, in the manner of nghttp2's frame codec:
 *   the byte-order helpers are the only code that shifts bytes, header
 *   checks live in one place (frame_decode_header) and both the buffer
 *   decoder and the pipe reader call it, so the two can never disagree
 *   about what is a bad frame.
 */
#include "core/frame.h"

#include <assert.h>
#include <stdlib.h>
#include <string.h>

#include "core/pipe.h"

const struct frame_limits frame_default_limits = {FRAME_DEFAULT_MAX_RECV, NULL};

void frame_msg_free(struct frame_msg *m)
{
    if (m == NULL)
        return;
    free(m->data);
    memset(m, 0, sizeof *m);
}

uint32_t frame_get_u32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 |
           (uint32_t)p[3];
}

void frame_put_u32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 24);
    p[1] = (uint8_t)(v >> 16);
    p[2] = (uint8_t)(v >> 8);
    p[3] = (uint8_t)v;
}

void frame_encode_header(uint8_t out[FRAME_HEADER_LEN], uint8_t flag,
                         uint32_t length)
{
    out[0] = flag;
    frame_put_u32(out + 1, length);
}

static int has_encoding(const struct frame_limits *lim)
{
    return lim->encoding != NULL && lim->encoding[0] != '\0' &&
           strcmp(lim->encoding, "identity") != 0;
}

enum status frame_decode_header(const uint8_t in[FRAME_HEADER_LEN],
                                const struct frame_limits *lim,
                                struct frame_header *out,
                                struct status_detail *why)
{
    uint8_t flag = in[0];
    uint32_t length = frame_get_u32(in + 1);

    if (lim == NULL)
        lim = &frame_default_limits;
    /* grpc-go's order: its parser checks the length, then the flag. */
    if (length > lim->max_recv)
        return status_detail_set(
            why, STATUS_RESOURCE_EXHAUSTED,
            "grpc: received message larger than max (%lu vs. %lu)",
            (unsigned long)length, (unsigned long)lim->max_recv);
    if (flag > FRAME_FLAG_COMPRESSED)
        return status_detail_set(why, STATUS_INTERNAL,
                                 "grpc: received unexpected payload format %u",
                                 (unsigned)flag);
    if (flag == FRAME_FLAG_COMPRESSED && !has_encoding(lim))
        return status_detail_set(
            why, STATUS_INTERNAL,
            "grpc: compressed flag set with identity or empty encoding");
    out->flag = flag;
    out->length = length;
    return STATUS_OK;
}

enum status frame_encode(uint8_t flag, const void *payload, size_t length,
                         uint8_t *out, size_t out_cap, size_t *out_len)
{
    assert(payload != NULL || length == 0);
    if (length > UINT32_MAX || out_cap < FRAME_HEADER_LEN ||
        out_cap - FRAME_HEADER_LEN < length)
        return STATUS_RESOURCE_EXHAUSTED;
    frame_encode_header(out, flag, (uint32_t)length);
    if (length > 0)
        memcpy(out + FRAME_HEADER_LEN, payload, length);
    *out_len = FRAME_HEADER_LEN + length;
    return STATUS_OK;
}

enum status frame_decode(const uint8_t *buf, size_t len,
                         const struct frame_limits *lim,
                         struct frame_header *hdr, const uint8_t **payload,
                         size_t *consumed, struct status_detail *why)
{
    struct frame_header h;
    enum status st = STATUS_OK;

    if (len == 0)
        return STATUS_EOF;
    if (len < FRAME_HEADER_LEN)
        return status_detail_set(why, STATUS_INTERNAL, "unexpected EOF");
    st = frame_decode_header(buf, lim, &h, why);
    if (st != STATUS_OK)
        return st;
    if (len - FRAME_HEADER_LEN < h.length)
        return status_detail_set(why, STATUS_INTERNAL, "unexpected EOF");
    *hdr = h;
    *payload = buf + FRAME_HEADER_LEN;
    *consumed = FRAME_HEADER_LEN + (size_t)h.length;
    return STATUS_OK;
}

enum status frame_check_send(size_t length, uint32_t max_send,
                             struct status_detail *why)
{
    if (length > max_send)
        return status_detail_set(
            why, STATUS_RESOURCE_EXHAUSTED,
            "trying to send message larger than max (%zu vs. %lu)", length,
            (unsigned long)max_send);
    return STATUS_OK;
}

/*
 * One of a frame's two writes, noted first for `duplex step` (see
 * sched_note_detail; nothing unless a simulated run keeps notes).
 */
static enum status write_part(struct pipe *p, const char *part, const void *buf,
                              size_t len)
{
    enum status st = STATUS_OK;

    sched_note_detail(pipe_note_state, p, "writes the %s (%zu B)", part, len);
    st = pipe_write(p, buf, len, NULL);
    sched_note_detail(pipe_note_state, p, "wrote the %s (%zu B)", part, len);
    return st;
}

enum status frame_write(struct pipe *p, uint8_t flag, const void *payload,
                        size_t length, uint32_t max_send,
                        struct status_detail *why)
{
    uint8_t hdr[FRAME_HEADER_LEN];
    enum status st = frame_check_send(length, max_send, why);

    assert(payload != NULL || length == 0);
    if (st != STATUS_OK)
        return st;
    frame_encode_header(hdr, flag, (uint32_t)length);
    st = write_part(p, "header", hdr, sizeof hdr);
    if (st == STATUS_OK)
        st = write_part(p, "payload", payload, length);
    if (st != STATUS_OK)
        return status_detail_set(why, st, "%s", status_name(st));
    return STATUS_OK;
}

/*
 * Reads exactly len bytes. A clean EOF before the first byte is EOF when
 * eof_ok (a frame boundary), else INTERNAL "unexpected EOF".
 */
static enum status read_full(struct pipe *p, uint8_t *buf, size_t len,
                             int eof_ok, struct status_detail *why)
{
    size_t got = 0;

    while (got < len) {
        size_t n = 0;
        enum status st = pipe_read(p, buf + got, len - got, &n);

        if (st == STATUS_EOF && (got > 0 || !eof_ok))
            return status_detail_set(why, STATUS_INTERNAL, "unexpected EOF");
        if (st != STATUS_OK)
            return status_detail_set(why, st, "%s", status_name(st));
        got += n;
    }
    return STATUS_OK;
}

/* read_full of a frame's header or payload, noted as write_part is. */
static enum status read_part(struct pipe *p, const char *part, uint8_t *buf,
                             size_t len, int eof_ok, struct status_detail *why)
{
    enum status st = STATUS_OK;

    sched_note_detail(pipe_note_state, p, "reads %s (%zu B)", part, len);
    st = read_full(p, buf, len, eof_ok, why);
    sched_note_detail(pipe_note_state, p, "read %s (%zu B)", part, len);
    return st;
}

/*
 * Reads a frame's header as read_part does, lending msg's buffer for what
 * follows it (pipe_read_ahead): a payload written while this reader still
 * waits for the header, or before it comes back for the payload, is
 * copied straight into the buffer, not through the ring. The caller ends
 * the loan (pipe_unlend) unless it reads the payload into that buffer.
 */
static enum status read_header(struct pipe *p, uint8_t *raw,
                               struct frame_msg *msg, struct status_detail *why)
{
    size_t got = 0;

    if (msg->cap == 0)
        return read_part(p, "a header", raw, FRAME_HEADER_LEN, 1, why);
    sched_note_detail(pipe_note_state, p, "reads a header (%d B)",
                      FRAME_HEADER_LEN);
    while (got < FRAME_HEADER_LEN) {
        size_t n = 0;
        enum status st = pipe_read_ahead(p, raw + got, FRAME_HEADER_LEN - got,
                                         msg->data, msg->cap, &n);

        if (st == STATUS_EOF && got > 0)
            st = status_detail_set(why, STATUS_INTERNAL, "unexpected EOF");
        else if (st != STATUS_OK)
            st = status_detail_set(why, st, "%s", status_name(st));
        if (st != STATUS_OK)
            return st;
        got += n;
    }
    sched_note_detail(pipe_note_state, p, "read a header (%d B)",
                      FRAME_HEADER_LEN);
    return STATUS_OK;
}

static enum status reserve(struct frame_msg *msg, size_t need)
{
    uint8_t *grown = NULL;

    if (need <= msg->cap)
        return STATUS_OK;
    grown = realloc(msg->data, need);
    if (grown == NULL)
        return STATUS_RESOURCE_EXHAUSTED;
    msg->data = grown;
    msg->cap = need;
    return STATUS_OK;
}

enum status frame_read(struct pipe *p, const struct frame_limits *lim,
                       struct frame_msg *msg, struct status_detail *why)
{
    uint8_t raw[FRAME_HEADER_LEN];
    struct frame_header h;
    enum status st = STATUS_OK;

    assert(msg != NULL);
    st = read_header(p, raw, msg, why);
    if (st != STATUS_OK)
        return st;
    st = frame_decode_header(raw, lim, &h, why);
    if (st != STATUS_OK || h.length == 0 || h.length > msg->cap)
        pipe_unlend(p, msg->data); /* no payload read into it: end the loan */
    if (st != STATUS_OK)
        return st;
    if (reserve(msg, h.length) != STATUS_OK)
        return status_detail_set(why, STATUS_RESOURCE_EXHAUSTED,
                                 "out of memory for a %lu-byte message",
                                 (unsigned long)h.length);
    st = read_part(p, "the payload", msg->data, h.length, 0, why);
    if (st != STATUS_OK)
        return st;
    msg->flag = h.flag;
    msg->length = h.length;
    return STATUS_OK;
}
