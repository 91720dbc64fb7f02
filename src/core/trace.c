/*
 * trace: record events under a leaf lock, render them after the run.
 *
 * Design
 *   Recording is append-only into a growable array; rendering reads the
 *   array after every recording thread has been joined, so it needs no lock
 *   of its own beyond the one it takes for tidiness.
 *
 *   The timeline has two lanes, 35 columns each, after a time column:
 *
 *        t(us)  client                              | server
 *           12  send SEND 0|5 "hello"               |
 *           20                                      | RECV 0|5 "hello"
 *
 *   A lane is chosen by the thread's name: "client..." left, "server..."
 *   right, anything else across both. Within the client lane, the part of
 *   the name after "client/" says which thread it was ("send", "recv").
 */
#include "core/trace.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "core/frame.h"

#define LANE 35
#define PREVIEW 18

enum colour_code { C_OFF, C_SEND, C_RECV, C_CLOSE, C_ERR, C_DIM };

static const char *const ansi[] = {"\033[0m",  "\033[32m", "\033[36m",
                                   "\033[33m", "\033[31m", "\033[2m"};

struct trace *trace_create(void)
{
    struct trace *t = calloc(1, sizeof *t);

    if (t == NULL)
        return NULL;
    sched_mutex_init_quiet(&t->mu);
    t->t0_ns = sched_now_ns();
    return t;
}

void trace_destroy(struct trace *t)
{
    int i = 0;

    if (t == NULL)
        return;
    for (i = 0; i < TRACE_WIRES; i++)
        free(t->wires[i].bytes);
    free(t->events);
    sched_mutex_destroy(&t->mu);
    free(t);
}

/* Returns a fresh slot for an event, or NULL if memory ran out. */
static struct trace_event *append_locked(struct trace *t)
{
    if (t->n == TRACE_MAX_EVENTS) {
        t->dropped++;
        return NULL;
    }
    if (t->n == t->cap) {
        size_t cap = t->cap ? t->cap * 2 : 256;
        struct trace_event *grown = realloc(t->events, cap * sizeof *grown);

        if (grown == NULL)
            return NULL;
        t->events = grown;
        t->cap = cap;
    }
    return &t->events[t->n++];
}

static void record(struct trace *t, enum trace_kind kind, const char *dir,
                   uint8_t flag, uint32_t length, enum status status,
                   const char *text)
{
    struct trace_event *e = NULL;

    sched_mutex_lock(&t->mu);
    e = append_locked(t);
    if (e != NULL) {
        /* SIM mode: the step count, so the same seed prints the same. */
        if (sched_simulated()) {
            e->t_ns = (int64_t)sched_sim_step();
            t->steps = 1;
        } else {
            e->t_ns = sched_now_ns() - t->t0_ns;
        }
        e->kind = kind;
        snprintf(e->thread, sizeof e->thread, "%s", sched_self_name());
        snprintf(e->dir, sizeof e->dir, "%s", dir != NULL ? dir : "");
        e->flag = flag;
        e->length = length;
        e->status = status;
        snprintf(e->text, sizeof e->text, "%s", text);
    }
    sched_mutex_unlock(&t->mu);
}

void trace_event(struct trace *t, enum trace_kind kind, const char *dir,
                 uint8_t flag, uint32_t length, enum status status,
                 const char *fmt, ...)
{
    char text[TRACE_TEXT_MAX] = "";
    va_list ap;

    if (t == NULL)
        return;
    if (fmt != NULL) {
        va_start(ap, fmt);
        vsnprintf(text, sizeof text, fmt, ap);
        va_end(ap);
    }
    record(t, kind, dir, flag, length, status, text);
}

/* Writes a quoted, printable preview of a payload into out. */
static void preview(char *out, size_t cap, const uint8_t *p, uint32_t len)
{
    size_t n = 0;
    uint32_t i = 0;

    n += (size_t)snprintf(out + n, cap - n, "\"");
    for (i = 0; i < len && i < PREVIEW && n + 2 < cap; i++)
        out[n++] =
            (p[i] >= 0x20 && p[i] < 0x7f && p[i] != '"') ? (char)p[i] : '.';
    out[n] = '\0';
    snprintf(out + n, cap - n, "%s", len > PREVIEW ? "\"..." : "\"");
}

void trace_frame(struct trace *t, enum trace_kind kind, const char *dir,
                 uint8_t flag, const uint8_t *payload, uint32_t length)
{
    char text[TRACE_TEXT_MAX];

    if (t == NULL)
        return;
    preview(text, sizeof text, payload, length);
    record(t, kind, dir, flag, length, STATUS_OK, text);
}

static struct trace_wire *wire_for_locked(struct trace *t, const char *name)
{
    char key[sizeof t->wires[0].name];
    int i = 0;

    /* Slots keep names cut to fit; look a name up the same way. */
    snprintf(key, sizeof key, "%s", name);
    for (i = 0; i < TRACE_WIRES; i++) {
        struct trace_wire *w = &t->wires[i];

        if (strcmp(w->name, key) == 0)
            return w;
        if (w->name[0] == '\0') {
            memcpy(w->name, key, sizeof key);
            return w;
        }
    }
    return NULL;
}

void trace_wire(struct trace *t, const char *name, const uint8_t *buf,
                size_t len)
{
    struct trace_wire *w = NULL;

    if (t == NULL || len == 0)
        return;
    sched_mutex_lock(&t->mu);
    w = wire_for_locked(t, name);
    if (w != NULL && w->bytes == NULL)
        w->bytes = malloc(TRACE_WIRE_MAX);
    if (w != NULL && w->bytes != NULL && w->len < TRACE_WIRE_MAX) {
        size_t n =
            TRACE_WIRE_MAX - w->len < len ? TRACE_WIRE_MAX - w->len : len;
        memcpy(w->bytes + w->len, buf, n);
        w->len += n;
    }
    if (w != NULL)
        w->total += len;
    sched_mutex_unlock(&t->mu);
}

size_t trace_count(struct trace *t, enum trace_kind kind)
{
    size_t i = 0;
    size_t n = 0;

    if (t == NULL)
        return 0;
    sched_mutex_lock(&t->mu);
    for (i = 0; i < t->n; i++)
        n += t->events[i].kind == kind;
    sched_mutex_unlock(&t->mu);
    return n;
}

const char *trace_kind_name(enum trace_kind kind)
{
    switch (kind) {
    case TRACE_SEND: return "SEND";
    case TRACE_RECV: return "RECV";
    case TRACE_CLOSE_SEND: return "CLOSE_SEND";
    case TRACE_EOF: return "EOF";
    case TRACE_FINISH: return "FINISH";
    case TRACE_CANCEL: return "CANCEL";
    case TRACE_BLOCK: return "BLOCK";
    case TRACE_WAKE: return "WAKE";
    case TRACE_ERROR: return "ERROR";
    case TRACE_NOTE: return "NOTE";
    }
    return "?";
}

static enum colour_code colour_of(const struct trace_event *e)
{
    switch (e->kind) {
    case TRACE_SEND: return C_SEND;
    case TRACE_RECV: return C_RECV;
    case TRACE_CLOSE_SEND:
    case TRACE_EOF:
    case TRACE_FINISH:
        return e->status == STATUS_OK || e->status == STATUS_EOF ? C_CLOSE
                                                                 : C_ERR;
    case TRACE_CANCEL:
    case TRACE_ERROR: return C_ERR;
    case TRACE_BLOCK:
    case TRACE_WAKE:
    case TRACE_NOTE: return C_DIM;
    }
    return C_OFF;
}

/*
 * The words of one event, without the lane or the time. An empty dir or
 * text leaves out its separator too, so no line ends in a blank.
 */
static void describe(const struct trace_event *e, char *out, size_t cap)
{
    const char *sep = e->text[0] ? ": " : "";
    const char *dsep = e->dir[0] ? " " : "";

    snprintf(out, cap, "?"); /* a kind that is not one */
    switch (e->kind) {
    case TRACE_SEND:
    case TRACE_RECV:
        snprintf(out, cap, "%s %u|%lu %s", trace_kind_name(e->kind),
                 (unsigned)e->flag, (unsigned long)e->length, e->text);
        break;
    case TRACE_EOF:
        if (e->status == STATUS_EOF)
            snprintf(out, cap, "EOF%s%s%s%s", dsep, e->dir, sep, e->text);
        else
            snprintf(out, cap, "EOF%s%s, status %s%s%s", dsep, e->dir,
                     status_name(e->status), sep, e->text);
        break;
    case TRACE_FINISH:
    case TRACE_CANCEL:
    case TRACE_ERROR:
        snprintf(out, cap, "%s %s%s%s", trace_kind_name(e->kind),
                 status_name(e->status), sep, e->text);
        break;
    case TRACE_CLOSE_SEND:
    case TRACE_BLOCK:
    case TRACE_WAKE:
        snprintf(out, cap, "%s%s%s%s%s", trace_kind_name(e->kind), dsep, e->dir,
                 sep, e->text);
        break;
    case TRACE_NOTE:
        snprintf(out, cap, "%s", e->text[0] ? e->text : "NOTE");
        break;
    }
}

/* -1: client lane, 1: server lane, 0: both. */
static int lane_of(const char *thread)
{
    if (strncmp(thread, "client", 6) == 0)
        return -1;
    if (strncmp(thread, "server", 6) == 0)
        return 1;
    return 0;
}

/*
 * "client/send" -> "send", "server" -> "", and with several clients (the
 * hub) "client2/send" -> "2/send".
 */
static const char *role_of(const char *thread)
{
    const char *slash = strchr(thread, '/');

    if (lane_of(thread) != 0 && thread[6] != '/' && thread[6] != '\0')
        return thread + 6;
    return slash != NULL ? slash + 1 : "";
}

/* Prints len bytes of text, then blanks up to width (when width > len). */
static void print_span(FILE *out, const char *text, int len, int width,
                       int colour, enum colour_code c)
{
    if (colour)
        fputs(ansi[c], out);
    fprintf(out, "%.*s", len, text);
    if (colour)
        fputs(ansi[C_OFF], out);
    if (width > len)
        fprintf(out, "%*s", width - len, "");
}

/*
 * Prints a cell in the client lane, wrapped at blanks so that nothing is
 * cut: continuation lines are indented under the first.
 */
static void print_left(FILE *out, const char *cell, int colour,
                       enum colour_code c)
{
    const char *p = cell;
    int indent = 0;

    while (*p != '\0') {
        int width = LANE - indent;
        int len = (int)strlen(p);
        int k = 0;

        if (len > width) {
            for (k = width; k > 0 && p[k] != ' '; k--)
                ;
            len = k > 0 ? k : width;
        }
        if (indent > 0)
            fprintf(out, "%6s  %*s", "", indent, "");
        print_span(out, p, len, width, colour, c);
        fputs(" |\n", out);
        p += len;
        while (*p == ' ')
            p++;
        indent = 5;
    }
}

static void print_event(FILE *out, const struct trace_event *e, int steps,
                        int colour)
{
    char words[2 * TRACE_TEXT_MAX];
    char cell[2 * TRACE_TEXT_MAX + SCHED_NAME_MAX + 4];
    const char *role = role_of(e->thread);
    int lane = lane_of(e->thread);

    describe(e, words, sizeof words);
    if (lane == 0)
        snprintf(cell, sizeof cell, "[%s] %s", e->thread, words);
    else if (role[0] != '\0')
        snprintf(cell, sizeof cell, "%-4s %s", role, words);
    else
        snprintf(cell, sizeof cell, "%s", words);
    fprintf(out, "%6lld  ", (long long)(steps ? e->t_ns : e->t_ns / 1000));
    if (lane < 0) {
        print_left(out, cell, colour, colour_of(e));
        return;
    }
    /* The right-hand lane is last on the line: never cut, never padded. */
    if (lane > 0)
        fprintf(out, "%*s | ", LANE, "");
    print_span(out, cell, (int)strlen(cell), 0, colour, colour_of(e));
    fputc('\n', out);
}

void trace_print_timeline(struct trace *t, FILE *out, int colour)
{
    static const char rule[] = "----------------------------------------";
    size_t i = 0;

    if (t == NULL)
        return;
    fprintf(out, "%6s  %-*s | %s\n", t->steps ? "step" : "t(us)", LANE,
            "client", "server");
    fprintf(out, "%.6s  %.*s-+-%.*s\n", rule, LANE, rule, LANE - 1, rule);
    sched_mutex_lock(&t->mu);
    for (i = 0; i < t->n; i++)
        print_event(out, &t->events[i], t->steps, colour);
    if (t->dropped > 0)
        fprintf(out,
                "%6s  ... and %llu more events, not kept (a timeline keeps "
                "the first %d; --trace none skips it)\n",
                "", (unsigned long long)t->dropped, TRACE_MAX_EVENTS);
    sched_mutex_unlock(&t->mu);
}

static void print_hex(FILE *out, const uint8_t *p, size_t n)
{
    size_t i = 0;

    for (i = 0; i < n; i++)
        fprintf(out, "%s%02x", i ? " " : "", p[i]);
}

void trace_print_frame(FILE *out, size_t off, const uint8_t *p,
                       const struct frame_header *h, int colour)
{
    char text[TRACE_TEXT_MAX];
    size_t shown = h->length < 8 ? h->length : 8;

    preview(text, sizeof text, p + FRAME_HEADER_LEN, h->length);
    fprintf(out, "  %6zu  ", off);
    if (colour)
        fputs(ansi[C_CLOSE], out);
    print_hex(out, p, 1);
    fputs(" | ", out);
    print_hex(out, p + 1, 4);
    if (colour)
        fputs(ansi[C_OFF], out);
    fputs(" | ", out);
    print_hex(out, p + FRAME_HEADER_LEN, shown);
    fprintf(out, "%s  flag=%u len=%lu %s\n", h->length > shown ? " .." : "",
            (unsigned)h->flag, (unsigned long)h->length, text);
}

void trace_print_bad(FILE *out, size_t offset, const uint8_t *rest, size_t n,
                     enum status st, const char *text, int colour)
{
    size_t shown = n < 16 ? n : 16;

    fprintf(out, "  %6zu  ", offset);
    print_hex(out, rest, shown);
    fprintf(out, "%s\n", n > shown ? " .." : "");
    if (colour)
        fputs(ansi[C_ERR], out);
    fprintf(out, "  %6s  %s: %s\n", "", status_name(st), text);
    if (colour)
        fputs(ansi[C_OFF], out);
}

enum status trace_dissect(const uint8_t *buf, size_t len,
                          const struct frame_limits *lim, FILE *out, int colour,
                          size_t *out_frames)
{
    struct status_detail why;
    struct frame_header h;
    const uint8_t *payload = NULL;
    size_t off = 0;
    size_t used = 0;
    size_t frames = 0;
    enum status st = STATUS_OK;

    fprintf(out, "  %6s  %-2s | %-11s | %s\n", "offset", "fl", "length",
            "payload");
    for (;;) {
        status_detail_clear(&why);
        st = frame_decode(buf + off, len - off, lim, &h, &payload, &used, &why);
        if (st != STATUS_OK)
            break;
        trace_print_frame(out, off, buf + off, &h, colour);
        off += used;
        frames++;
    }
    if (st == STATUS_EOF) {
        fprintf(out, "  %6zu  end: %zu frame%s, clean EOF\n", off, frames,
                frames == 1 ? "" : "s");
    } else {
        trace_print_bad(out, off, buf + off, len - off, st, why.text, colour);
    }
    if (out_frames != NULL)
        *out_frames = frames;
    return st;
}

void trace_print_hexdump(struct trace *t, FILE *out, int colour)
{
    int i = 0;

    if (t == NULL)
        return;
    sched_mutex_lock(&t->mu);
    for (i = 0; i < TRACE_WIRES; i++) {
        const struct trace_wire *w = &t->wires[i];

        if (w->name[0] == '\0')
            continue;
        fprintf(out, "%s: %llu bytes%s\n", w->name,
                (unsigned long long)w->total,
                w->total > w->len ? " (first 64 KiB shown)" : "");
        trace_dissect(w->bytes, w->len, NULL, out, colour, NULL);
    }
    sched_mutex_unlock(&t->mu);
}
