/*
 * figure 4, codec: encoding and decoding one gRPC frame in memory, in
 * nanoseconds per frame, against memcpy moving the same bytes.
 *
 * Design
 *   encode+decode is what a sender and a receiver do per message:
 *   frame_encode, then frame_decode and the copy of the payload out, as
 *   frame_read does; its reference is the same two copies by memcpy.
 *   decode is the receive path alone against one memcpy. After every loop
 *   the message must have come out whole and the frame must be the frame.
 *   The buffers are placed on purpose: some CPUs (AMD Zen with glibc
 *   before 2.39) copy 4 KiB or more up to 20 times slower when the
 *   destination is 1 to 63 bytes past the source, modulo 4 KiB.
 *   Page-aligned buffers and a payload 64 bytes into the pattern keep
 *   every copy here out of that case, for the codec and memcpy alike
 *   (README.md says more).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench.h"
#include "core/frame.h"
#include "table.h"

struct codec_bufs {
    const uint8_t *payload; /* the message */
    size_t size;
    uint8_t *wire; /* FRAME_HEADER_LEN + size bytes: the frame */
    size_t wire_cap;
    uint8_t *msg; /* size bytes: where a receiver keeps the message */
    long frames;
};

static double ns_per_frame(int64_t t0, long frames)
{
    return (double)(now_ns() - t0) / (double)frames;
}

/*
 * The receive path: frame_decode of the len bytes in k->wire and the copy
 * of the payload out, as frame_read does. Returns 0 when the frame did not
 * decode whole. Inline, so that the timed loops are what they were
 * written as.
 */
static inline int decode_into(const struct codec_bufs *k, size_t len)
{
    const uint8_t *payload = NULL;
    struct frame_header h;
    size_t used = 0;

    if (frame_decode(k->wire, len, NULL, &h, &payload, &used, NULL) !=
            STATUS_OK ||
        h.length != k->size)
        return 0;
    memcpy(k->msg, payload, h.length);
    barrier(k->msg);
    return 1;
}

static double codec_roundtrip(const struct codec_bufs *k)
{
    size_t len = 0;
    int64_t t0 = now_ns();
    long i = 0;

    for (i = 0; i < k->frames; i++)
        if (frame_encode(FRAME_FLAG_PLAIN, k->payload, k->size, k->wire,
                         k->wire_cap, &len) != STATUS_OK ||
            !decode_into(k, len))
            check_failed("codec %zu B: frame %ld did not survive", k->size, i);
    return ns_per_frame(t0, k->frames);
}

static double memcpy_roundtrip(const struct codec_bufs *k)
{
    int64_t t0 = now_ns();
    long i = 0;

    for (i = 0; i < k->frames; i++) {
        memcpy(k->wire + FRAME_HEADER_LEN, k->payload, k->size);
        memcpy(k->msg, k->wire + FRAME_HEADER_LEN, k->size);
        barrier(k->msg);
    }
    return ns_per_frame(t0, k->frames);
}

static double codec_decode(const struct codec_bufs *k)
{
    int64_t t0 = now_ns();
    long i = 0;

    for (i = 0; i < k->frames; i++)
        if (!decode_into(k, FRAME_HEADER_LEN + k->size))
            check_failed("decode %zu B: frame %ld did not decode", k->size, i);
    return ns_per_frame(t0, k->frames);
}

static double memcpy_once(const struct codec_bufs *k)
{
    int64_t t0 = now_ns();
    long i = 0;

    for (i = 0; i < k->frames; i++) {
        memcpy(k->msg, k->wire + FRAME_HEADER_LEN, k->size);
        barrier(k->msg);
    }
    return ns_per_frame(t0, k->frames);
}

/* After a run: the message came out whole, and the frame is the frame. */
static void codec_check(const struct codec_bufs *k)
{
    uint8_t hdr[FRAME_HEADER_LEN];

    frame_encode_header(hdr, FRAME_FLAG_PLAIN, (uint32_t)k->size);
    if (memcmp(k->msg, k->payload, k->size) != 0 ||
        memcmp(k->wire, hdr, sizeof hdr) != 0 ||
        memcmp(k->wire + FRAME_HEADER_LEN, k->payload, k->size) != 0)
        check_failed("codec %zu B: the decoded message is not the one sent",
                     k->size);
    memset(k->msg, 0, k->size);
}

static void codec_size(struct bench *b, int si)
{
    static double (*const loops[4])(const struct codec_bufs *) = {
        codec_roundtrip, memcpy_roundtrip, codec_decode, memcpy_once};
    double v[4][RUNS_MAX];
    struct codec_bufs k;
    int run = 0;
    int l = 0;

    k.payload = pattern_at(b->pattern, 64); /* see Design */
    k.size = bench_sizes[si];
    k.wire_cap = FRAME_HEADER_LEN + k.size;
    k.wire = xmalloc_pages(k.wire_cap);
    k.msg = xmalloc_pages(k.size);
    k.frames = b->w->codec_frames[si];
    for (run = 0; run < b->o.runs; run++) {
        watchdog_arm(&b->dog, "codec %s", bench_size_names[si]);
        for (l = 0; l < 4; l++) {
            v[l][run] = loops[l](&k);
            codec_check(&k);
        }
    }
    b->r.codec[si][0] = summarize(v[0], b->o.runs);
    b->r.codec[si][1] = summarize(v[1], b->o.runs);
    b->r.decode[si][0] = summarize(v[2], b->o.runs);
    b->r.decode[si][1] = summarize(v[3], b->o.runs);
    free(k.wire);
    free(k.msg);
}

static void measure(struct bench *b)
{
    int si = 0;

    for (si = 0; si < NSIZES; si++) {
        progress(b, "codec, %s frames", bench_size_names[si]);
        codec_size(b, si);
    }
}

static void print(const struct bench *b)
{
    static const int w[7] = {9, 15, 12, 8, 12, 12, 0};
    static const char *const head[7] = {"size",  "encode+decode", "2 memcpy",
                                        "ratio", "decode",        "memcpy",
                                        "ratio"};
    int si = 0;

    printf("4. Frame codec in memory, nanoseconds per frame (lower is "
           "better)\n"
           "   encode+decode: frame_encode, frame_decode, copy the payload "
           "out; against the\n"
           "   same two copies by memcpy. decode: frame_decode and the copy; "
           "against one memcpy.\n");
    print_row(7, w, head);
    for (si = 0; si < NSIZES; si++)
        print_versus_row(w, bench_size_names[si], &b->r.codec[si][0],
                         &b->r.codec[si][1], &b->r.decode[si][0],
                         &b->r.decode[si][1]);
    printf("\n");
}

static void targets(const struct bench *b)
{
    ratio_target(b, 1, b->r.decode[1][0].median, b->r.decode[1][1].median, 1.2,
                 0, "codec decode <= 1.2x memcpy at 1 KiB", "-");
}

static void lines(const struct bench *b)
{
    int si = 0;

    for (si = 0; si < NSIZES; si++) {
        bench_line("codec", bench_sizes[si], b->r.codec[si][0].median, "ns",
                   "memcpy", b->r.codec[si][1].median);
        bench_line("codec-decode", bench_sizes[si], b->r.decode[si][0].median,
                   "ns", "memcpy", b->r.decode[si][1].median);
    }
}

const struct figure figure_codec = {"codec", measure, print, targets, lines};
