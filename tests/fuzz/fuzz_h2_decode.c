/*
 * fuzz_h2_decode: HTTP/2 bytes through the dissector (src/h2/h2_dissect)
 * and through `duplex decode --h2 --raw`, run in-process by cli_main.
 *
 * The input is one byte of options and the bytes to dissect:
 *
 *     byte 0   bits 0-2  pieces fed to h2_dissect_bytes: 1, 2, 3, 7, 9,
 *                        64, 4096 bytes, or one
 *              bit  3    the client preface goes first (the fuzzer need
 *                        not find its 24 bytes)
 *              bits 4-5  --max-recv: default, 0, 5, 4194304
 *     byte 1.. the bytes (at most FH2_MAX_INPUT; the rest is ignored)
 *
 * What must hold, for every input:
 *   - The whole buffer ends with STATUS_EOF, INTERNAL or
 *     RESOURCE_EXHAUSTED, and the same bytes fed in pieces end with the
 *     same status and print the same text, byte for byte.
 *   - `duplex decode --h2 --raw` exits 0 for STATUS_EOF, else 3, and
 *     prints that same text.
 *   - The text ends as the status says: "end: N frames, clean EOF" with N
 *     the frames counted, or "STATUS: ..." of the failure; no line ends in
 *     a blank.
 *   - A clean EOF is only possible where a model that knows nothing but
 *     the frame layout (preface, then 9-byte headers with lengths up to
 *     16384) walks to the last byte exactly, with as many frames.
 *   - Nothing crashes, leaks, or reads or writes out of bounds.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_common.h"

#include "app/cli.h"
#include "core/frame.h"
#include "core/status.h"
#include "h2/h2_dissect.h"

int fuzz_h2_decode_one(const uint8_t *data, size_t size);

#define FH2_MAX_INPUT 20000

static const size_t fh2_pieces[8] = {1, 2, 3, 7, 9, 64, 4096, 0};
static const char *const fh2_max_recv[4] = {NULL, "0", "5", "4194304"};
static const char fh2_preface[] = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n";

/*
 * The layout model: returns 1 when the bytes are the preface (if they
 * start with it) and then whole frames of at most 16384 bytes, and counts
 * the frames into *out_frames.
 */
static int fh2_layout(const uint8_t *p, size_t n, size_t *out_frames)
{
    size_t off = 0, frames = 0;

    if (n >= 24 && memcmp(p, fh2_preface, 24) == 0)
        off = 24;
    while (n - off >= 9) {
        size_t len =
            (size_t)p[off] << 16 | (size_t)p[off + 1] << 8 | p[off + 2];

        if (len > 16384 || n - off - 9 < len)
            return 0;
        off += 9 + len;
        frames++;
    }
    *out_frames = frames;
    return off == n;
}

/* Dissects p in pieces of piece bytes (0: one) into out. */
static enum status fh2_pieces_run(const uint8_t *p, size_t n,
                                  const struct frame_limits *lim, size_t piece,
                                  FILE *out)
{
    struct h2_dissect *d = NULL;
    uint8_t *pending = malloc(n + 1);
    size_t have = 0, fed = 0;
    enum status st = STATUS_RESOURCE_EXHAUSTED;

    if (pending == NULL || h2_dissect_create(lim, out, 0, &d) != STATUS_OK)
        goto out;
    if (piece == 0)
        piece = n + 1;
    while (fed < n) {
        size_t k = n - fed < piece ? n - fed : piece;
        size_t used = 0;

        memcpy(pending + have, p + fed, k);
        have += k;
        fed += k;
        st = h2_dissect_bytes(d, pending, have, &used);
        if (st != STATUS_OK)
            goto out;
        memmove(pending, pending + used, have - used);
        have -= used;
    }
    st = h2_dissect_end(d, pending, have);
out:
    h2_dissect_destroy(d);
    free(pending);
    return st;
}

/* Runs `duplex decode --h2 --raw [--max-recv V]` on p; returns its code. */
static int fh2_cli(const uint8_t *p, size_t n, const char *max_recv,
                   char **out_text)
{
    char *argv[6] = {"duplex", "decode", "--h2", "--raw", NULL, NULL};
    char *err_text = NULL;
    size_t out_len = 0, err_len = 0;
    FILE *in = tmpfile();
    FILE *out = open_memstream(out_text, &out_len);
    FILE *err = open_memstream(&err_text, &err_len);
    int argc = 4;
    int code = -1;

    if (max_recv != NULL) {
        argv[argc++] = "--max-recv";
        argv[argc++] = (char *)(uintptr_t)max_recv;
    }
    if (in != NULL && out != NULL && err != NULL && fwrite(p, 1, n, in) == n &&
        fflush(in) == 0 && fseek(in, 0, SEEK_SET) == 0)
        code = cli_main(argc, argv, in, out, err);
    if (in != NULL)
        fclose(in);
    if (out != NULL)
        fclose(out);
    if (err != NULL)
        fclose(err);
    free(err_text);
    return code;
}

/* The text's last line, and no line ending in a blank. */
static int fh2_check_text(const char *text, enum status st, size_t frames)
{
    const char *end = text + strlen(text);
    const char *last = NULL;
    char want[96];
    size_t i = 0;

    if (end == text || end[-1] != '\n')
        return fuzz_fail("h2_decode", "the text does not end a line:\n%s",
                         text);
    for (i = 0; text + i < end; i++)
        if (text[i] == '\n' && i > 0 && text[i - 1] == ' ')
            return fuzz_fail("h2_decode", "a line ends in a blank:\n%s", text);
    for (last = end - 1; last > text && last[-1] != '\n'; last--)
        continue;
    if (st == STATUS_EOF) {
        snprintf(want, sizeof want, "end: %zu frame%s, clean EOF\n", frames,
                 frames == 1 ? "" : "s");
        if (strstr(last, want) == NULL)
            return fuzz_fail("h2_decode", "no \"%s\" at the end:\n%s", want,
                             text);
        return 0;
    }
    snprintf(want, sizeof want, "          %s: ", status_name(st));
    if (strncmp(last, want, strlen(want)) != 0)
        return fuzz_fail("h2_decode", "the last line is not \"%s...\":\n%s",
                         want, text);
    return 0;
}

/* Every invariant above, on the bytes p. Returns 0 or 1. */
static int fh2_check(const uint8_t *p, size_t n, uint8_t opts)
{
    static const uint32_t limits[4] = {FRAME_DEFAULT_MAX_RECV, 0, 5, 4194304};
    struct frame_limits lim = {limits[opts >> 4 & 3], NULL};
    char *whole = NULL, *pieces = NULL, *cli = NULL;
    size_t whole_len = 0, pieces_len = 0, frames = 0, model = 0;
    FILE *f = open_memstream(&whole, &whole_len);
    enum status st = h2_dissect_buffer(p, n, &lim, f, 0, &frames);
    enum status st2 = STATUS_OK;
    int code = 0, bad = 0;

    fclose(f);
    f = open_memstream(&pieces, &pieces_len);
    st2 = fh2_pieces_run(p, n, &lim, fh2_pieces[opts & 7], f);
    fclose(f);
    code = fh2_cli(p, n, fh2_max_recv[opts >> 4 & 3], &cli);
    if (st != STATUS_EOF && st != STATUS_INTERNAL &&
        st != STATUS_RESOURCE_EXHAUSTED)
        bad = fuzz_fail("h2_decode", "status %s", status_name(st));
    else if (st2 != st || strcmp(whole, pieces) != 0)
        bad = fuzz_fail("h2_decode",
                        "in pieces of %zu: %s, whole: %s\n%s\nwhole:\n%s",
                        fh2_pieces[opts & 7], status_name(st2), status_name(st),
                        pieces, whole);
    else if (code != (st == STATUS_EOF ? 0 : 3) || cli == NULL ||
             strcmp(cli, whole) != 0)
        bad = fuzz_fail("h2_decode",
                        "decode --h2 exit %d for %s:\n%s\nwant:"
                        "\n%s",
                        code, status_name(st), cli ? cli : "", whole);
    else if (fh2_check_text(whole, st, frames) != 0)
        bad = 1;
    else if (st == STATUS_EOF && (!fh2_layout(p, n, &model) || model != frames))
        bad = fuzz_fail("h2_decode",
                        "a clean EOF after %zu frames where the "
                        "layout has %zu, or is no whole frames",
                        frames, model);
    free(whole);
    free(pieces);
    free(cli);
    return bad;
}

int fuzz_h2_decode_one(const uint8_t *data, size_t size)
{
    uint8_t *bytes = NULL;
    size_t n = 0;
    int bad = 0;

    if (size == 0)
        return 0;
    n = size - 1 > FH2_MAX_INPUT ? FH2_MAX_INPUT : size - 1;
    bytes = malloc(n + 24 + 1);
    if (bytes == NULL)
        return 0;
    if (data[0] & 8) {
        memcpy(bytes, fh2_preface, 24);
        memcpy(bytes + 24, data + 1, n);
        n += 24;
    } else {
        memcpy(bytes, data + 1, n);
    }
    bad = fh2_check(bytes, n, data[0]);
    free(bytes);
    return bad;
}

#ifndef FUZZ_NO_MAIN
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (fuzz_h2_decode_one(data, size) != 0)
        abort();
    return 0;
}
#endif
