/*
 * fuzz_frame: the frame decoders, against a reference model and each other.
 *
 * The input is a 3-byte preamble and the bytes of a wire:
 *
 *     byte 0     bits 0-2  the receive limit: NULL limits (the defaults),
 *                          0, 1, 5, 16, 255, 4194304 or 4294967295
 *                bits 3-4  the encoding: NULL, "identity", "" or "gzip"
 *                bits 5-7  the pipe's capacity: 1, 2, 3, 5, 7, 16, 64, 4096
 *     bytes 1-2  a seed: how the wire is cut into pipe writes, and the
 *                simulator's schedule
 *     bytes 3..  the wire
 *
 * What must hold, for every input:
 *   - frame_decode, walked frame by frame, gives what fuzz_ref_frame says:
 *     the same status and the same grpc-go text; on success a header equal
 *     to the bytes, a payload pointer into the input and consumed =
 *     5 + length (never past the end); on failure the out-parameters are
 *     untouched. frame_decode_header agrees at every frame boundary.
 *   - frame_encode gives back every good frame byte for byte.
 *   - dissect_buffer finds the same frames and the same end.
 *   - frame_read, over a pipe fed in seeded chunks by another (simulated)
 *     thread, returns the same frames and the same final status, reads no
 *     byte past the frame that failed, and allocates nothing for a header
 *     it rejects. No run ends in a deadlock. (Wires whose accepted headers
 *     ask for more than 16 MiB, possible only with a raised limit, skip
 *     this pass: frame_read allocates what a header it accepts declares.)
 * Every buffer the decoders see is an exact-size heap copy, so
 * AddressSanitizer reports any read past the input.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_common.h"

#include "core/frame.h"
#include "core/pipe.h"
#include "core/sched.h"
#include "core/status.h"
#include "core/trace.h"
#include "view/dissect.h"

int fuzz_frame_one(const uint8_t *data, size_t size);

#define FF_PREAMBLE 3
#define FF_PIPE_MAX_ALLOC (16u << 20) /* see ff_check_pipe */

static const uint32_t ff_max_recv[8] = {
    FRAME_DEFAULT_MAX_RECV, 0, 1, 5, 16, 255, 4194304u, 4294967295u};
static const char *const ff_encodings[4] = {NULL, "identity", "", "gzip"};
static const size_t ff_capacities[8] = {1, 2, 3, 5, 7, 16, 64, 4096};

/* A payload pointer frame_decode must leave alone when it fails. */
static const uint8_t ff_untouched[1] = {0};

struct ff_frame {
    size_t off; /* where the header starts */
    uint8_t flag;
    uint32_t len;
};

/* What walking the wire with frame_decode found. */
struct ff_walk {
    struct ff_frame *frames;
    size_t n;
    enum status end;            /* EOF, or the first bad frame's status */
    char text[STATUS_TEXT_MAX]; /* its grpc-go text ("" for EOF) */
    size_t end_off;             /* where the bad frame (or the end) is */
    int bad_header;             /* the header itself was rejected */
    uint32_t max_accepted;      /* largest length a header check passed */
};

struct ff_input {
    const uint8_t *wire; /* an exact-size copy */
    size_t len;
    const struct frame_limits *lim; /* NULL: the defaults */
    uint32_t max_recv;
    int encoded;
    size_t capacity;
    uint64_t seed;
};

static int ff_check_header(const uint8_t *h, const struct ff_input *in)
{
    struct frame_header out = {0xA5, 0xA5A5A5A5u};
    struct status_detail why;
    char text[STATUS_TEXT_MAX];
    enum status want =
        fuzz_ref_header(h, in->max_recv, in->encoded, text, sizeof text);
    enum status got = frame_decode_header(h, in->lim, &out, &why);

    if (got != want)
        return fuzz_fail("frame", "frame_decode_header: %s, expected %s",
                         status_name(got), status_name(want));
    if (frame_decode_header(h, in->lim, &out, NULL) != want)
        return fuzz_fail("frame", "frame_decode_header: why=NULL changes "
                                  "the verdict");
    if (got != STATUS_OK) {
        if (out.flag != 0xA5 || out.length != 0xA5A5A5A5u)
            return fuzz_fail("frame", "frame_decode_header: *out changed on "
                                      "failure");
        if (why.code != got || strcmp(why.text, text) != 0)
            return fuzz_fail("frame",
                             "frame_decode_header: why is %s "
                             "\"%s\", expected \"%s\"",
                             status_name(why.code), why.text, text);
        return 0;
    }
    if (out.flag != h[0] || out.length != fuzz_be32(h + 1))
        return fuzz_fail("frame",
                         "frame_decode_header: header %u/%lu does "
                         "not match the bytes",
                         (unsigned)out.flag, (unsigned long)out.length);
    return 0;
}

/* frame_encode must give back the frame's bytes, and refuse a short buffer. */
static int ff_check_encode(const uint8_t *frame, uint8_t flag, uint32_t len)
{
    size_t cap = FRAME_HEADER_LEN + (size_t)len;
    uint8_t *out = malloc(cap);
    size_t out_len = 7;
    int failed = 0;

    if (out == NULL)
        return 0; /* nothing to learn without memory */
    if (frame_encode(flag, frame + FRAME_HEADER_LEN, len, out, cap, &out_len) !=
            STATUS_OK ||
        out_len != cap || memcmp(out, frame, cap) != 0)
        failed = fuzz_fail("frame",
                           "frame_encode does not give back a "
                           "%lu-byte frame",
                           (unsigned long)len);
    out_len = 7;
    if (!failed &&
        (frame_encode(flag, frame + FRAME_HEADER_LEN, len, out, cap - 1,
                      &out_len) != STATUS_RESOURCE_EXHAUSTED ||
         out_len != 7))
        failed = fuzz_fail("frame", "frame_encode accepts a buffer one byte "
                                    "short, or sets *out_len on failure");
    free(out);
    return failed;
}

/* One step of the walk: the frame at off. Returns 1 when it broke a rule. */
static int ff_step(const struct ff_input *in, struct ff_walk *w, size_t off,
                   enum status *out_st, size_t *out_used)
{
    struct frame_header hdr = {0xA5, 0xA5A5A5A5u};
    const uint8_t *payload = ff_untouched;
    size_t used = 12345;
    struct status_detail why;
    char text[STATUS_TEXT_MAX];
    const uint8_t *p = in->wire + off;
    size_t n = in->len - off;
    enum status want =
        fuzz_ref_frame(p, n, in->max_recv, in->encoded, text, sizeof text);
    enum status got = STATUS_OK;

    status_detail_clear(&why);
    got = frame_decode(p, n, in->lim, &hdr, &payload, &used, &why);
    if (got != want)
        return fuzz_fail("frame", "frame_decode at %zu: %s, expected %s (%s)",
                         off, status_name(got), status_name(want), text);
    if (n >= FRAME_HEADER_LEN && ff_check_header(p, in))
        return 1;
    *out_st = got;
    if (got != STATUS_OK) {
        if (hdr.flag != 0xA5 || hdr.length != 0xA5A5A5A5u ||
            payload != ff_untouched || used != 12345)
            return fuzz_fail("frame",
                             "frame_decode at %zu: out-parameters "
                             "changed on failure",
                             off);
        if (got != STATUS_EOF && strcmp(why.text, text) != 0)
            return fuzz_fail("frame",
                             "frame_decode at %zu: text \"%s\", "
                             "expected \"%s\"",
                             off, why.text, text);
        snprintf(w->text, sizeof w->text, "%s", text);
        return 0;
    }
    if (hdr.flag != p[0] || hdr.length != fuzz_be32(p + 1) ||
        payload != p + FRAME_HEADER_LEN ||
        used != FRAME_HEADER_LEN + (size_t)hdr.length || used > n)
        return fuzz_fail("frame",
                         "frame_decode at %zu: header, payload or "
                         "consumed do not match the bytes",
                         off);
    if (frame_decode(p, n, in->lim, &hdr, &payload, &used, NULL) != STATUS_OK)
        return fuzz_fail("frame", "frame_decode: why=NULL changes the verdict");
    *out_used = used;
    return ff_check_encode(p, hdr.flag, hdr.length);
}

/* Walks the wire with frame_decode, frame by frame, checking each step. */
static int ff_walk_wire(const struct ff_input *in, struct ff_walk *w)
{
    size_t off = 0;

    memset(w, 0, sizeof *w);
    w->frames = malloc((in->len / FRAME_HEADER_LEN + 1) * sizeof *w->frames);
    if (w->frames == NULL)
        return -1;
    for (;;) {
        enum status st = STATUS_OK;
        size_t used = 0;

        if (ff_step(in, w, off, &st, &used))
            return 1;
        if (st != STATUS_OK) {
            w->end = st;
            w->end_off = off;
            w->bad_header =
                st != STATUS_EOF && strcmp(w->text, "unexpected EOF") != 0;
            /* A truncated payload still passed its header check. */
            if (!w->bad_header && in->len - off >= FRAME_HEADER_LEN &&
                fuzz_be32(in->wire + off + 1) > w->max_accepted)
                w->max_accepted = fuzz_be32(in->wire + off + 1);
            return 0;
        }
        w->frames[w->n].off = off;
        w->frames[w->n].flag = in->wire[off];
        w->frames[w->n].len = fuzz_be32(in->wire + off + 1);
        if (w->frames[w->n].len > w->max_accepted)
            w->max_accepted = w->frames[w->n].len;
        w->n++;
        off += used;
    }
}

/* dissect_buffer is the third decoder: it must agree with the walk. */
static int ff_check_dissect(const struct ff_input *in, const struct ff_walk *w)
{
    char *text = NULL;
    size_t text_len = 0;
    FILE *out = open_memstream(&text, &text_len);
    size_t frames = 99999;
    enum status st = STATUS_OK;
    int failed = 0;

    if (out == NULL)
        return 0;
    st = dissect_buffer(in->wire, in->len, in->lim, out, (int)(in->seed & 1),
                        &frames);
    fclose(out);
    if (st != w->end || frames != w->n)
        failed = fuzz_fail("frame",
                           "dissect_buffer: %s after %zu frames, "
                           "frame_decode: %s after %zu",
                           status_name(st), frames, status_name(w->end), w->n);
    else if (st == STATUS_EOF && strstr(text, "clean EOF") == NULL)
        failed = fuzz_fail("frame", "dissect_buffer: no \"clean EOF\" in:\n%s",
                           text);
    else if (st != STATUS_EOF && strstr(text, w->text) == NULL)
        failed = fuzz_fail("frame", "dissect_buffer: no \"%s\" in:\n%s",
                           w->text, text);
    free(text);
    return failed;
}

/* ---- frame_read over a pipe, in SIM mode --------------------------------- */

struct ff_pipe_run {
    const struct ff_input *in;
    const struct ff_walk *w;
    struct pipe *p;
    enum status writer_st; /* what the writer's last pipe_write returned */
    int failed;
    char msg[512];
};

/* The sender: the wire in seeded chunks, then the half-close. */
static enum status ff_writer(void *arg)
{
    struct ff_pipe_run *run = arg;
    uint64_t rng = run->in->seed * 0x9e3779b97f4a7c15ULL + 1;
    size_t off = 0;

    run->writer_st = STATUS_OK;
    while (off < run->in->len) {
        uint64_t r = fuzz_rand(&rng);
        size_t n =
            1 + (r % 8 == 0 ? (size_t)(r >> 8) % 4096 : (size_t)(r >> 8) % 8);
        size_t done = 0;

        if (n > run->in->len - off)
            n = run->in->len - off;
        run->writer_st = pipe_write(run->p, run->in->wire + off, n, &done);
        if (run->writer_st != STATUS_OK)
            break;
        off += n;
    }
    pipe_close_write(run->p);
    return run->writer_st;
}

static void ff_run_fail(struct ff_pipe_run *run, const char *what, size_t i,
                        enum status got, const char *text)
{
    if (run->failed)
        return;
    run->failed = 1;
    snprintf(run->msg, sizeof run->msg, "frame_read #%zu: %s (got %s \"%s\")",
             i, what, status_name(got), text);
}

/* Reads every frame as a receiver does; compares each with the walk. */
static void ff_read_all(struct ff_pipe_run *run, struct frame_msg *msg,
                        size_t *out_reads)
{
    const struct ff_walk *w = run->w;
    size_t i = 0;

    for (i = 0;; i++) {
        struct status_detail why;
        enum status st = STATUS_OK;

        status_detail_clear(&why);
        st = frame_read(run->p, run->in->lim, msg, &why);
        if (i < w->n) {
            const struct ff_frame *f = &w->frames[i];

            if (st != STATUS_OK)
                ff_run_fail(run, "a good frame failed", i, st, why.text);
            else if (msg->flag != f->flag || msg->length != f->len ||
                     (f->len > 0 &&
                      memcmp(msg->data, run->in->wire + f->off + 5, f->len)))
                ff_run_fail(run, "the frame differs from the bytes", i, st,
                            why.text);
            if (run->failed)
                break;
            continue;
        }
        if (st != w->end ||
            (st != STATUS_EOF && strcmp(why.text, w->text) != 0))
            ff_run_fail(run, "the end differs from frame_decode's", i, st,
                        why.text);
        break;
    }
    *out_reads = i;
}

static enum status ff_reader(void *arg)
{
    struct ff_pipe_run *run = arg;
    const struct ff_walk *w = run->w;
    struct frame_msg msg = {0, NULL, 0, 0};
    struct sched_thread writer;
    size_t reads = 0;
    uint64_t want_read = 0;
    struct pipe_stats ps;

    if (pipe_create(run->in->capacity, "fuzz", NULL, &run->p) != STATUS_OK)
        return STATUS_RESOURCE_EXHAUSTED;
    if (sched_thread_start(&writer, "client/send", ff_writer, run) !=
        STATUS_OK) {
        pipe_destroy(run->p);
        return STATUS_RESOURCE_EXHAUSTED;
    }
    ff_read_all(run, &msg, &reads);
    /* Nothing past the bad frame's header, nothing short of a clean end. */
    want_read = w->bad_header ? w->end_off + FRAME_HEADER_LEN : run->in->len;
    ps = pipe_get_stats(run->p);
    if (!run->failed && ps.read != want_read)
        ff_run_fail(run, "read the wrong number of bytes", reads, w->end,
                    "see the pipe's stats");
    if (!run->failed && msg.cap > w->max_accepted)
        ff_run_fail(run, "allocated more than any accepted header asked", reads,
                    w->end, "");
    pipe_close_read(run->p); /* the receiver is gone: the writer stops */
    sched_thread_join(&writer);
    if (!run->failed && !w->bad_header && run->writer_st != STATUS_OK)
        ff_run_fail(run, "the writer failed although every byte was read",
                    reads, run->writer_st, "");
    if (!run->failed && run->writer_st != STATUS_OK &&
        run->writer_st != STATUS_CLOSED)
        ff_run_fail(run, "the writer got neither OK nor CLOSED", reads,
                    run->writer_st, "");
    frame_msg_free(&msg);
    pipe_destroy(run->p);
    return STATUS_OK;
}

static int ff_check_pipe(const struct ff_input *in, const struct ff_walk *w)
{
    struct ff_pipe_run run;
    struct sched_sim_options o;
    struct sched_sim_result r;
    enum status out = STATUS_UNKNOWN;
    int failed = 0;

    /*
     * frame_read allocates a message's declared length once its header
     * passes the limit (as grpc-go does), so with a limit of 4 GiB a header
     * can ask for 4 GiB. That is the limit's doing: leave such wires to the
     * buffer decoders.
     */
    if (w->max_accepted > FF_PIPE_MAX_ALLOC)
        return 0;
    memset(&run, 0, sizeof run);
    run.in = in;
    run.w = w;
    memset(&o, 0, sizeof o);
    o.strategy = SCHED_RANDOM;
    o.seed = in->seed;
    if (sched_sim_run(&o, ff_reader, &run, &out, &r) != STATUS_OK)
        return 0; /* no memory for the simulator: nothing learnt */
    if (r.deadlocked)
        failed = fuzz_fail("frame", "frame_read over a pipe deadlocked: %s",
                           r.report);
    else if (run.failed)
        failed = fuzz_fail("frame", "%s", run.msg);
    sched_sim_result_free(&r);
    return failed;
}

int fuzz_frame_one(const uint8_t *data, size_t size)
{
    uint8_t pre[FF_PREAMBLE] = {0, 0, 0};
    struct frame_limits lim;
    struct ff_input in;
    struct ff_walk w;
    uint8_t *wire = NULL;
    int failed = 0;

    if (size > 0)
        memcpy(pre, data, size < FF_PREAMBLE ? size : FF_PREAMBLE);
    memset(&in, 0, sizeof in);
    in.len = size > FF_PREAMBLE ? size - FF_PREAMBLE : 0;
    /* An exact-size copy (at least one byte, so malloc never gives NULL). */
    wire = malloc(in.len > 0 ? in.len : 1);
    if (wire == NULL)
        return 0;
    if (in.len > 0)
        memcpy(wire, data + FF_PREAMBLE, in.len);
    in.wire = wire;
    lim.max_recv = ff_max_recv[pre[0] & 7];
    lim.encoding = ff_encodings[pre[0] >> 3 & 3];
    in.lim = (pre[0] & 7) == 0 ? NULL : &lim;
    in.max_recv = lim.max_recv;
    in.encoded = in.lim != NULL && fuzz_has_encoding(lim.encoding);
    in.capacity = ff_capacities[pre[0] >> 5 & 7];
    in.seed = (uint64_t)pre[1] << 8 | pre[2];
    memset(&w, 0, sizeof w);
    failed = ff_walk_wire(&in, &w);
    if (failed == 0)
        failed = ff_check_dissect(&in, &w);
    if (failed == 0)
        failed = ff_check_pipe(&in, &w);
    free(w.frames);
    free(wire);
    return failed > 0 ? 1 : 0;
}

#ifndef FUZZ_NO_MAIN
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (fuzz_frame_one(data, size) != 0)
        abort(); /* libFuzzer saves the input as crash-<sha1> */
    return 0;
}
#endif
