/*
 * fuzz_decode: `duplex decode`, run in-process through cli_main.
 *
 * The input is one byte of options and the bytes on stdin:
 *
 *     byte 0   bits 0-1  mode: auto, --hex, --raw, auto
 *              bits 2-4  --max-recv: none, 0, 1, 5, 16, 4m, 4294967295, or
 *                        4294967296 (out of range: a usage error)
 *              bit  5    options as "--name=value" instead of two words
 *              bits 6-7  --encoding: none, gzip, identity, or "" (a usage
 *                        error)
 *     byte 1.. stdin (at most FD_MAX_INPUT bytes; the rest is ignored)
 *
 * What must hold, for every input:
 *   - The exit code is one of the documented ones for decode (0 whole valid
 *     frames, 2 usage or bad hex, 3 a receiver would fail) and is the one a
 *     model of the command predicts. The model reads stdin as the command
 *     does, 4096 bytes at a time, decides hex or raw from the first chunk,
 *     turns hex text into bytes (blanks and "0x" ignored) and judges each
 *     header with fuzz_ref_header as soon as its 5 bytes are in.
 *   - What it prints agrees: the frame count of a clean end, the status
 *     and grpc-go text of the first bad frame, the truncation of the last
 *     one, the bad hex digit, the odd-digit warning (and only then).
 *   - Nothing crashes and nothing is read or written out of bounds.
 *
 * stdin is a tmpfile(), not fmemopen: decode reads with read(2) on
 * fileno(in), and a FILE from fmemopen has no file descriptor (it would
 * only ever test "reading stdin: Bad file descriptor").
 */
#include <ctype.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_common.h"

#include "app/cli.h"
#include "core/frame.h"
#include "core/status.h"

int fuzz_decode_one(const uint8_t *data, size_t size);

#define FD_MAX_INPUT 60000
#define FD_CHUNK 4096 /* what decode asks read(2) for */

static const char *const fd_max_recv[8] = {
    NULL, "0", "1", "5", "16", "4m", "4294967295", "4294967296"};
static const uint32_t fd_max_recv_value[8] = {
    FRAME_DEFAULT_MAX_RECV, 0, 1, 5, 16, 4194304u, 4294967295u, 0};
static const char *const fd_encodings[4] = {NULL, "gzip", "identity", ""};

/* What the model expects decode to do. */
struct fd_expect {
    int code;
    char out[STATUS_TEXT_MAX + 64]; /* a line out must contain, or "" */
    char err[STATUS_TEXT_MAX];      /* a line err must contain, or "" */
    int odd_warning;                /* err warns about an odd digit */
};

/* The model's state while it reads stdin. */
struct fd_model {
    uint32_t max_recv;
    int encoded;
    int mode;     /* 0 undecided, 'h' or 'r' */
    int nibble;   /* a pending high nibble, or -1 */
    uint8_t *buf; /* bytes not yet dissected */
    size_t len;
    size_t offset; /* stream offset of buf[0] */
    size_t frames;
};

static int fd_hex(int ch)
{
    if (ch >= '0' && ch <= '9')
        return ch - '0';
    if (ch >= 'a' && ch <= 'f')
        return ch - 'a' + 10;
    if (ch >= 'A' && ch <= 'F')
        return ch - 'A' + 10;
    return -1;
}

static int fd_blank(int ch)
{
    return ch == ' ' || ch == '\t' || ch == '\n' || ch == '\v' || ch == '\f' ||
           ch == '\r';
}

static int fd_looks_hex(const uint8_t *p, size_t n)
{
    size_t i = 0;

    for (i = 0; i < n; i++)
        if (fd_hex(p[i]) < 0 && !fd_blank(p[i]) && p[i] != 'x' && p[i] != 'X')
            return 0;
    return n > 0;
}

/* Adds one chunk to the model's buffer. Returns 0, or 2 for a bad digit. */
static int fd_push(struct fd_model *m, const uint8_t *p, size_t n,
                   struct fd_expect *e)
{
    size_t i = 0;

    if (m->mode == 0)
        m->mode = fd_looks_hex(p, n) ? 'h' : 'r';
    for (i = 0; i < n; i++) {
        int v = fd_hex(p[i]);

        if (m->mode == 'r') {
            m->buf[m->len++] = p[i];
        } else if (fd_blank(p[i])) {
            continue;
        } else if ((p[i] == 'x' || p[i] == 'X') && m->nibble == 0) {
            m->nibble = -1; /* the '0' of "0x" */
        } else if (v < 0) {
            /* Printable: as itself; else by value (never a raw byte). */
            if (isprint(p[i]))
                snprintf(e->err, sizeof e->err, "'%c' is not a hex digit",
                         p[i]);
            else
                snprintf(e->err, sizeof e->err,
                         "byte 0x%02X is not a hex digit", p[i]);
            return 2;
        } else if (m->nibble < 0) {
            m->nibble = v;
        } else {
            m->buf[m->len++] = (uint8_t)(m->nibble << 4 | v);
            m->nibble = -1;
        }
    }
    return 0;
}

/* Judges every header that is whole. Returns 0, or 3 for a bad one. */
static int fd_dissect(struct fd_model *m, struct fd_expect *e)
{
    size_t off = 0;

    while (m->len - off >= FRAME_HEADER_LEN) {
        char text[STATUS_TEXT_MAX];
        enum status st = fuzz_ref_header(m->buf + off, m->max_recv, m->encoded,
                                         text, sizeof text);

        if (st != STATUS_OK) {
            snprintf(e->out, sizeof e->out, "%s: %s", status_name(st), text);
            return 3;
        }
        if (m->len - off - FRAME_HEADER_LEN < fuzz_be32(m->buf + off + 1))
            break;
        off += FRAME_HEADER_LEN + fuzz_be32(m->buf + off + 1);
        m->frames++;
    }
    memmove(m->buf, m->buf + off, m->len - off);
    m->len -= off;
    m->offset += off;
    return 0;
}

/* The end of stdin: a clean end between frames, or a truncated frame. */
static int fd_end(struct fd_model *m, struct fd_expect *e)
{
    e->odd_warning = m->mode == 'h' && m->nibble >= 0;
    if (m->len == 0) {
        snprintf(e->out, sizeof e->out, "end: %zu frame%s, clean EOF",
                 m->frames, m->frames == 1 ? "" : "s");
        return 0;
    }
    if (m->len < FRAME_HEADER_LEN)
        snprintf(e->out, sizeof e->out,
                 "INTERNAL: unexpected EOF (header: %zu of 5 bytes)", m->len);
    else
        snprintf(e->out, sizeof e->out,
                 "INTERNAL: unexpected EOF (payload: %zu of %lu bytes)",
                 m->len - FRAME_HEADER_LEN,
                 (unsigned long)fuzz_be32(m->buf + 1));
    return 3;
}

/* Predicts decode's exit code and output for stdin in[0..n). */
static int fd_predict(uint8_t opts, const uint8_t *in, size_t n,
                      struct fd_expect *e)
{
    struct fd_model m;
    size_t off = 0;
    int code = 0;

    memset(e, 0, sizeof *e);
    if ((opts >> 2 & 7) == 7 || (opts >> 6) == 3)
        return e->code = 2; /* a bad option value: nothing is read */
    memset(&m, 0, sizeof m);
    m.max_recv = fd_max_recv_value[opts >> 2 & 7];
    m.encoded = fuzz_has_encoding(fd_encodings[opts >> 6]);
    m.mode = (opts & 3) == 1 ? 'h' : (opts & 3) == 2 ? 'r' : 0;
    m.nibble = -1;
    m.buf = malloc(n > 0 ? n : 1); /* the bytes never outgrow the input */
    if (m.buf == NULL)
        return e->code = -1;
    while (code == 0 && off < n) {
        size_t k = n - off < FD_CHUNK ? n - off : FD_CHUNK;

        code = fd_push(&m, in + off, k, e);
        if (code == 0)
            code = fd_dissect(&m, e);
        off += k;
    }
    if (code == 0 && off == n)
        code = fd_end(&m, e);
    free(m.buf);
    return e->code = code;
}

/* The command line the option byte asks for, in args (up to 8 words). */
static int fd_argv(uint8_t opts, char words[8][32], char **argv)
{
    int argc = 0;
    int joined = opts >> 5 & 1;

    snprintf(words[argc++], 32, "duplex");
    snprintf(words[argc++], 32, "decode");
    if ((opts & 3) == 1)
        snprintf(words[argc++], 32, "--hex");
    if ((opts & 3) == 2)
        snprintf(words[argc++], 32, "--raw");
    if (fd_max_recv[opts >> 2 & 7] != NULL && joined) {
        snprintf(words[argc++], 32, "--max-recv=%s",
                 fd_max_recv[opts >> 2 & 7]);
    } else if (fd_max_recv[opts >> 2 & 7] != NULL) {
        snprintf(words[argc++], 32, "--max-recv");
        snprintf(words[argc++], 32, "%s", fd_max_recv[opts >> 2 & 7]);
    }
    if (fd_encodings[opts >> 6] != NULL && joined) {
        snprintf(words[argc++], 32, "--encoding=%s", fd_encodings[opts >> 6]);
    } else if (fd_encodings[opts >> 6] != NULL) {
        snprintf(words[argc++], 32, "--encoding");
        snprintf(words[argc++], 32, "%s", fd_encodings[opts >> 6]);
    }
    for (int i = 0; i < argc; i++)
        argv[i] = words[i];
    argv[argc] = NULL;
    return argc;
}

/* Compares what decode printed and returned with the model's prediction. */
static int fd_compare(int code, const char *out, const char *err,
                      const struct fd_expect *e)
{
    if (code != 0 && code != 2 && code != 3)
        return fuzz_fail("decode",
                         "exit %d is not one decode documents "
                         "(0, 2, 3); err:\n%s",
                         code, err);
    if (code != e->code)
        return fuzz_fail("decode",
                         "exit %d, expected %d (\"%s%s\"); "
                         "out:\n%s\nerr:\n%s",
                         code, e->code, e->out, e->err, out, err);
    if (e->out[0] != '\0' && strstr(out, e->out) == NULL)
        return fuzz_fail("decode", "no \"%s\" in out:\n%s", e->out, out);
    if (e->err[0] != '\0' && strstr(err, e->err) == NULL)
        return fuzz_fail("decode", "no \"%s\" in err:\n%s", e->err, err);
    if (code == 2 && err[0] == '\0')
        return fuzz_fail("decode", "exit 2 with nothing on err");
    if (code != 2 &&
        e->odd_warning != (strstr(err, "odd number of hex digits") != NULL))
        return fuzz_fail("decode", "the odd-digit warning is %s:\n%s",
                         e->odd_warning ? "missing" : "unexpected", err);
    return 0;
}

int fuzz_decode_one(const uint8_t *data, size_t size)
{
    uint8_t opts = size > 0 ? data[0] : 0;
    const uint8_t *input = size > 1 ? data + 1 : NULL;
    size_t n = size > 1 ? size - 1 : 0;
    char words[8][32];
    char *argv[9];
    int argc = 0;
    struct fd_expect e;
    FILE *in = NULL, *out = NULL, *err = NULL;
    char *out_text = NULL, *err_text = NULL;
    size_t out_len = 0, err_len = 0;
    int code = 0;
    int failed = 0;

    if (n > FD_MAX_INPUT)
        n = FD_MAX_INPUT;
    if (fd_predict(opts, input, n, &e) < 0)
        return 0; /* no memory for the model: nothing learnt */
    in = tmpfile();
    out = open_memstream(&out_text, &out_len);
    err = open_memstream(&err_text, &err_len);
    if (in == NULL || out == NULL || err == NULL)
        goto out;
    if ((n > 0 && fwrite(input, 1, n, in) != n) || fflush(in) != 0)
        goto out;
    rewind(in); /* decode reads fileno(in) from here */
    argc = fd_argv(opts, words, argv);
    code = cli_main(argc, argv, in, out, err);
    fclose(out);
    fclose(err);
    out = err = NULL;
    failed = fd_compare(code, out_text, err_text, &e);
out:
    if (in != NULL)
        fclose(in);
    if (out != NULL)
        fclose(out);
    if (err != NULL)
        fclose(err);
    free(out_text);
    free(err_text);
    return failed;
}

#ifndef FUZZ_NO_MAIN
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (fuzz_decode_one(data, size) != 0)
        abort(); /* libFuzzer saves the input as crash-<sha1> */
    return 0;
}
#endif
