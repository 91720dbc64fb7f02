/*
 * cli_decode: `duplex decode`, gRPC frames read from stdin and dissected
 * as a receiver reads them.
 *
 * Design
 *   `duplex decode` reads its input as it arrives and judges each header as
 *   soon as its 5 bytes are in, as a receiver does: an oversize length is
 *   reported before any payload byte is awaited. It holds a frame whole
 *   before printing it; running out of memory for one is what a receiver
 *   would fail the call with, RESOURCE_EXHAUSTED (exit 3).
 *
 *   The input is raw bytes or hex text, decided by the first bytes unless
 *   --hex or --raw says. Each frame, and the first bad one, is printed by
 *   view/dissect, the dissector `duplex run --trace hexdump` uses too.
 *
 *   The help's examples run in any POSIX shell: printf with octal escapes
 *   (dash's printf prints "\x00" as it is), and --hex text. tests/cli.sh
 *   runs each of them through sh.
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "app/cli_command.h"
#include "core/frame.h"
#include "h2/h2_dissect.h"
#include "view/dissect.h"
#include "scenarios/scenario.h"

static const char usage_decode[] =
    "usage: duplex decode [options] < INPUT\n"
    "\n"
    "Reads bytes from stdin and dissects them as gRPC frames (flag | length\n"
    "| payload), the way a receiver reads them. It stops at the first bad\n"
    "frame and prints the status a receiver would fail the call with; a\n"
    "header is judged as soon as its 5 bytes arrive.\n"
    "\n"
    "Input is raw bytes, or hex text (pairs of hex digits; spaces, newlines\n"
    "and 0x prefixes are ignored). By default the first bytes decide.\n"
    "\n"
    "options:\n"
    "  --hex              the input is hex text\n"
    "  --raw              the input is raw bytes\n"
    "  --max-recv BYTES   largest message accepted (default 4194304)\n"
    "  --encoding NAME    the negotiated compression (allows flag 1)\n"
    "  --h2               the input is one direction of an HTTP/2\n"
    "                     connection (see below)\n"
    "  -h, --help         this text\n"
    "\n"
    "With --h2 the bytes are HTTP/2 frames, after the client preface\n"
    "\"PRI * HTTP/2.0\\r\\n\\r\\nSM\\r\\n\\r\\n\" if they start with it.\n"
    "Each frame is a line: offset, its 9 header bytes (length | type |\n"
    "flags | stream id), then type, stream, length and flags by name.\n"
    "Under it: SETTINGS by name, WINDOW_UPDATE increments, RST_STREAM and\n"
    "GOAWAY codes by name, the header fields of HEADERS and CONTINUATION\n"
    "decoded with HPACK (one dynamic table for the whole input), and the\n"
    "gRPC messages in each stream's DATA as above, \"grpc @N\" at offset N\n"
    "of the stream's DATA bytes (a message may span DATA frames; one frame\n"
    "may hold several).\n"
    "Bad HTTP/2 (a frame longer than SETTINGS_MAX_FRAME_SIZE 16384, bad\n"
    "padding, a frame on the wrong stream, an HPACK error, ...) stops it\n"
    "with INTERNAL, the frame, its offset and the HTTP/2 error code; bad\n"
    "gRPC messages stop it with the texts above. `duplex run SCENARIO\n"
    "--wire h2 --trace hexdump` shows a run's pipes the same way.\n"
    "\n"
    "examples (any POSIX sh: printf knows octal escapes, not \\x):\n"
    "  printf '\\000\\000\\000\\000\\002hi' | duplex decode\n"
    "  echo '00 00000002 6869' | duplex decode --hex\n"
    "  echo '000007 00 01 00000001 00 00000002 6869' | duplex decode --h2\n"
    "\n"
    "exit codes: 0 whole valid frames, 2 usage, 3 a receiver would fail\n"
    "(out of memory too: RESOURCE_EXHAUSTED).\n";

struct decoder {
    struct cli *c;
    struct frame_limits lim;
    int mode;     /* 0: not decided yet, 'h': hex, 'r': raw */
    int nibble;   /* hex: a pending high nibble, or -1 */
    uint8_t *buf; /* bytes not yet dissected */
    size_t len, cap;
    struct dissect dis;    /* the frames so far; dis.offset is buf[0]'s */
    int done;              /* a bad header (or no memory) ended it */
    struct h2_dissect *h2; /* --h2: the HTTP/2 dissection, else NULL */
    int want_h2;           /* --h2 was given */
};

static int hex_value(int ch)
{
    if (ch >= '0' && ch <= '9')
        return ch - '0';
    ch = tolower(ch);
    return ch >= 'a' && ch <= 'f' ? ch - 'a' + 10 : -1;
}

static int looks_hex(const uint8_t *p, size_t n)
{
    size_t i = 0;

    for (i = 0; i < n; i++)
        if (hex_value(p[i]) < 0 && !isspace(p[i]) && p[i] != 'x' && p[i] != 'X')
            return 0;
    return n > 0;
}

static int push_byte(struct decoder *d, uint8_t b)
{
    if (d->len == d->cap) {
        size_t cap = d->cap ? d->cap * 2 : 4096;
        uint8_t *grown = realloc(d->buf, cap);

        if (grown == NULL)
            return 0;
        d->buf = grown;
        d->cap = cap;
    }
    d->buf[d->len++] = b;
    return 1;
}

/* Says that ch is no hex digit: as itself when printable, else its value. */
static void bad_hex_digit(struct decoder *d, uint8_t ch)
{
    if (isprint(ch))
        fprintf(d->c->err, "duplex decode: '%c' is not a hex digit ", ch);
    else
        fprintf(d->c->err, "duplex decode: byte 0x%02X is not a hex digit ",
                ch);
    fputs("(use --raw for bytes)\n", d->c->err);
}

/*
 * Adds a chunk of input.
 * Returns one of:
 *   STATUS_OK                  taken
 *   STATUS_INVALID_ARGUMENT    hex mode: a byte that is no hex digit (said)
 *   STATUS_RESOURCE_EXHAUSTED  no memory to hold it (not said yet)
 */
static enum status push_input(struct decoder *d, const uint8_t *p, size_t n)
{
    size_t i = 0;

    if (d->mode == 0)
        d->mode = looks_hex(p, n) ? 'h' : 'r';
    for (i = 0; i < n; i++) {
        int v = 0;

        if (d->mode == 'r') {
            if (!push_byte(d, p[i]))
                return STATUS_RESOURCE_EXHAUSTED;
            continue;
        }
        /*
         * Hex: skip blanks and pair up the digits. The '0' of a "0x" prefix
         * was taken for a digit; the 'x' drops it again.
         */
        if (isspace(p[i]))
            continue;
        if ((p[i] == 'x' || p[i] == 'X') && d->nibble == 0) {
            d->nibble = -1;
            continue;
        }
        v = hex_value(p[i]);
        if (v < 0) {
            bad_hex_digit(d, p[i]);
            return STATUS_INVALID_ARGUMENT;
        }
        if (d->nibble < 0) {
            d->nibble = v;
        } else if (!push_byte(d, (uint8_t)(d->nibble << 4 | v))) {
            return STATUS_RESOURCE_EXHAUSTED;
        } else {
            d->nibble = -1;
        }
    }
    return STATUS_OK;
}

/*
 * No memory for the next byte: the frame being read cannot be held, so a
 * receiver would fail the call, and so does decode, with the frame so far.
 */
static enum status decode_out_of_memory(struct decoder *d)
{
    char why[160];

    if (d->h2 != NULL) { /* a frame is at most 16 KiB: a rare place */
        fprintf(d->c->err, "duplex decode: out of memory holding an HTTP/2 "
                           "frame\n");
        d->done = 1;
        return STATUS_RESOURCE_EXHAUSTED;
    }
    if (d->len >= FRAME_HEADER_LEN)
        snprintf(why, sizeof why,
                 "out of memory holding a %lu-byte message (%zu bytes of "
                 "it read)",
                 (unsigned long)frame_get_u32(d->buf + 1),
                 d->len - FRAME_HEADER_LEN);
    else
        snprintf(why, sizeof why, "out of memory after %zu bytes of input",
                 d->dis.offset + d->len);
    dissect_print_bad(d->c->out, d->dis.offset, d->buf, d->len,
                      STATUS_RESOURCE_EXHAUSTED, why, d->c->colour);
    fprintf(d->c->err, "duplex decode: %s\n", why);
    d->done = 1;
    return STATUS_RESOURCE_EXHAUSTED;
}

/*
 * HTTP/2 bytes read as gRPC frames fail at once (the preface's "PRI" is a
 * length of 1.3 GB): say which option reads them.
 */
static void hint_h2(struct decoder *d)
{
    static const char preface[] = "PRI * HTTP/2.0";
    size_t n = d->len < sizeof preface - 1 ? d->len : sizeof preface - 1;

    if (d->h2 == NULL && d->dis.offset == 0 && n >= 3 &&
        memcmp(d->buf, preface, n) == 0)
        fprintf(d->c->err, "duplex decode: the input starts with HTTP/2's "
                           "client preface: try --h2\n");
}

/*
 * Dissects every whole frame in the buffer and keeps the rest; a header is
 * judged as soon as its 5 bytes are in. Returns STATUS_OK when more input
 * may complete the next frame, or the status of a bad header (printed).
 */
static enum status decode_frames(struct decoder *d)
{
    size_t used = 0;
    enum status st = d->h2 != NULL
                         ? h2_dissect_bytes(d->h2, d->buf, d->len, &used)
                         : dissect_frames(&d->dis, d->buf, d->len, &used);

    if (st != STATUS_OK) {
        hint_h2(d);
        d->done = 1;
        return st;
    }
    if (used > 0) /* (buf is NULL while no byte has come) */
        memmove(d->buf, d->buf + used, d->len - used);
    d->len -= used;
    return STATUS_OK;
}

/* The input ended: a clean EOF between frames, or a truncated frame. */
static enum status decode_end(struct decoder *d)
{
    if (d->mode == 'h' && d->nibble >= 0)
        fprintf(d->c->err, "duplex decode: odd number of hex digits; the "
                           "last one is ignored\n");
    if (d->h2 != NULL)
        return h2_dissect_end(d->h2, d->buf, d->len);
    return dissect_end(&d->dis, d->buf, d->len);
}

static const enum cli_opt decode_opts[] = {OPT_HEX,      OPT_RAW, OPT_MAX_RECV,
                                           OPT_ENCODING, OPT_H2,  OPT_END};

/* Stores one argument. Returns CLI_CONTINUE, or the usage error's code. */
static int decode_take(struct cli *c, const struct cli_arg *arg,
                       struct decoder *d)
{
    switch (arg->opt) {
    case OPT_HEX: d->mode = 'h'; break;
    case OPT_RAW: d->mode = 'r'; break;
    case OPT_MAX_RECV: d->lim.max_recv = (uint32_t)arg->number; break;
    case OPT_ENCODING: d->lim.encoding = arg->text; break;
    case OPT_H2: d->want_h2 = 1; break;
    default: /* OPT_END: decode takes no other argument */
        return cli_usage_error(c, "decode", "unexpected argument '%s'",
                               arg->text);
    }
    return CLI_CONTINUE;
}

/* Returns CLI_CONTINUE when parsed, else the exit code. */
static int parse_decode(struct cli *c, int argc, char **argv, struct decoder *d)
{
    struct cli_arg arg;
    int code = CLI_CONTINUE;
    int i = 0;

    for (i = 1; i < argc && code == CLI_CONTINUE; i++) {
        code = cli_next_arg(c, &cli_decode_command, argc, argv, &i, &arg);
        if (code == CLI_CONTINUE)
            code = decode_take(c, &arg, d);
    }
    return code;
}

static int decode_main(struct cli *c, int argc, char **argv)
{
    struct decoder d;
    uint8_t chunk[4096];
    enum status st = STATUS_OK;
    int code = 0;

    memset(&d, 0, sizeof d);
    d.c = c;
    d.lim = frame_default_limits;
    d.nibble = -1;
    code = parse_decode(c, argc, argv, &d);
    if (code != CLI_CONTINUE)
        return code;
    if (d.want_h2 &&
        h2_dissect_create(&d.lim, c->out, c->colour, &d.h2) != STATUS_OK) {
        fprintf(c->err, "duplex decode: out of memory\n");
        code = SCENARIO_EXIT_STATUS;
        goto out;
    }
    if (!d.want_h2) {
        dissect_start(&d.dis, &d.lim, c->out, c->colour);
        d.dis.say_where = 1; /* "unexpected EOF (payload: 2 of 5 bytes)" */
    }
    for (;;) {
        /* read(2), not fread: a header is judged as soon as it arrives. */
        ssize_t n = read(fileno(c->in), chunk, sizeof chunk);

        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            fprintf(c->err, "duplex decode: reading stdin: %s\n",
                    strerror(errno));
            code = 1;
            goto out;
        }
        if (n == 0)
            break;
        st = push_input(&d, chunk, (size_t)n);
        if (st == STATUS_INVALID_ARGUMENT) {
            code = CLI_EXIT_USAGE;
            goto out;
        }
        if (st == STATUS_RESOURCE_EXHAUSTED) {
            st = decode_frames(&d); /* the frames that did come whole */
            if (!d.done)
                st = decode_out_of_memory(&d);
            break;
        }
        st = decode_frames(&d);
        if (d.done)
            break;
        fflush(c->out);
    }
    if (!d.done)
        st = decode_end(&d);
    code = st == STATUS_EOF ? 0 : SCENARIO_EXIT_STATUS;
out:
    h2_dissect_destroy(d.h2);
    free(d.buf);
    return code;
}

const struct cli_command cli_decode_command = {"decode", usage_decode,
                                               decode_opts, decode_main};
