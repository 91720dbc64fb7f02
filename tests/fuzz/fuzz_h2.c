/*
 * fuzz_h2: HTTP/2 bytes nobody would write by hand, fed to the h2 wire.
 *
 * Input layout:
 *   byte 0    bits 0-1  where the bytes go: 0 to the server (on c2s, among
 *                       the client's own frames), 1 to the client (on
 *                       s2c), 2 both (split at the middle);
 *             bit 2     the server sends a message first
 *             bits 4-7  the stream window: 0 the default, else 2^(n+1)
 *   byte 1    the seed of the simulated run
 *   the rest  the bytes
 *
 * A call on the h2 wire runs under the simulator: the client sends a
 * message, a server thread and a client thread each receive until their
 * direction ends or fails; the main thread writes the bytes into the
 * connection's pipes, then cancels the call, so every wait has an end.
 * It checks that:
 *   - the run ends, with no deadlock and no livelock: whatever the bytes,
 *     the connection's four threads and the call's stop;
 *   - every recv returns a status of stream.h's list (OK, EOF, a gRPC
 *     code; never CLOSED or DEADLOCK);
 *   - ASan and UBSan see nothing (run by libFuzzer; `make check` replays
 *     the corpus through tests/test_fuzz_regressions.c).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_common.h"

#include "core/pipe.h"
#include "core/sched.h"
#include "core/status.h"
#include "core/stream.h"
#include "h2/h2_wire.h"

int fuzz_h2_one(const uint8_t *data, size_t size);

struct fh_run {
    const uint8_t *bytes;
    size_t n;
    int where;
    int server_first;
    struct h2_options opts;
    enum status ends[2]; /* [0] the client's recv, [1] the server's */
    int got[2];
};

struct fh_reader {
    struct stream_end *e;
    enum status end;
    int got;
};

static enum status fh_recv_all(void *arg)
{
    struct fh_reader *r = arg;
    struct frame_msg msg = {0};

    while ((r->end = stream_recv(r->e, &msg, NULL)) == STATUS_OK)
        r->got++;
    frame_msg_free(&msg);
    return STATUS_OK;
}

/* Writes the fuzz bytes into the connection's pipes, as fh_run says. */
static void fh_inject(struct fh_run *run, struct stream *s)
{
    size_t half = run->where == 2 ? run->n / 2 : run->n;

    if (run->where != 1 && half > 0)
        pipe_write(stream_pipe(s, STREAM_C2S), run->bytes, half, NULL);
    if (run->where == 1 && run->n > 0)
        pipe_write(stream_pipe(s, STREAM_S2C), run->bytes, run->n, NULL);
    if (run->where == 2 && run->n > half)
        pipe_write(stream_pipe(s, STREAM_S2C), run->bytes + half,
                   run->n - half, NULL);
}

static enum status fh_main(void *arg)
{
    struct fh_run *run = arg;
    struct wire_type type = {"h2", h2_wire_create, &run->opts};
    struct stream_options o;
    struct stream *s = NULL;
    struct fh_reader r[2];
    struct sched_thread t[2];
    int i = 0;

    memset(&o, 0, sizeof o);
    o.wire = &type;
    if (stream_create(NULL, &o, &s) != STATUS_OK)
        return STATUS_RESOURCE_EXHAUSTED;
    r[0].e = stream_client(s);
    r[1].e = stream_server(s);
    for (i = 0; i < 2; i++) {
        r[i].end = STATUS_UNKNOWN;
        r[i].got = 0;
        sched_thread_start(&t[i], i ? "server/recv" : "client/recv",
                           fh_recv_all, &r[i]);
    }
    if (run->server_first)
        stream_send(stream_server(s), "first", 5, NULL);
    stream_send(stream_client(s), "hello", 5, NULL);
    fh_inject(run, s);
    stream_cancel(stream_client(s));
    for (i = 0; i < 2; i++) {
        sched_thread_join(&t[i]);
        run->ends[i] = r[i].end;
        run->got[i] = r[i].got;
    }
    stream_destroy(s);
    return STATUS_OK;
}

int fuzz_h2_one(const uint8_t *data, size_t size)
{
    struct sched_sim_options o;
    struct sched_sim_result res;
    struct fh_run run;
    enum status out = STATUS_UNKNOWN;
    int bad = 0;
    int i = 0;

    if (size < 2)
        return 0;
    memset(&run, 0, sizeof run);
    run.where = data[0] & 3;
    if (run.where == 3)
        run.where = 0;
    run.server_first = (data[0] >> 2) & 1;
    run.opts.window = (data[0] >> 4) ? 1 << ((data[0] >> 4) + 1) : 0;
    run.bytes = data + 2;
    run.n = size - 2;
    memset(&o, 0, sizeof o);
    memset(&res, 0, sizeof res);
    o.strategy = SCHED_RANDOM;
    o.seed = data[1];
    if (sched_sim_run(&o, fh_main, &run, &out, &res) != STATUS_OK)
        bad = fuzz_fail("h2", "the simulator could not run");
    else if (res.deadlocked || res.livelocked)
        bad = fuzz_fail("h2", "the run did not end: %s", res.report);
    else if (out != STATUS_OK)
        bad = fuzz_fail("h2", "the call could not be made: %s",
                        status_name(out));
    for (i = 0; i < 2 && !bad; i++)
        if (run.ends[i] == STATUS_CLOSED || run.ends[i] == STATUS_DEADLOCK ||
            !(run.ends[i] == STATUS_EOF || status_is_grpc(run.ends[i])))
            bad = fuzz_fail("h2", "the %s's recv returned %s",
                            i ? "server" : "client",
                            status_name(run.ends[i]));
    sched_sim_result_free(&res);
    return bad;
}

#ifndef FUZZ_NO_MAIN
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (fuzz_h2_one(data, size) != 0)
        abort();
    return 0;
}
#endif
