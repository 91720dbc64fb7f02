/*
 * svg: draw a trace as an SVG sequence diagram.
 *
 * Design
 *   First the parts (view/sequence.h: lanes, joins, a deadlock's
 *   waiters), then the layout (lay_out): the lanes' x, the picture's
 *   width (its lanes, and its longest label), each row's y under the
 *   caption and the legend, and the height down to the footer. The
 *   caption, legend and footer are laid out by the same functions that
 *   draw them, with draw off, so the size always fits what is drawn.
 *   Then it is written back to front: rows, pipes, lifelines, the bars of
 *   blocked threads, arrows, and the marks and labels last, each label
 *   with a white outline, so no line hides a word.
 *
 *   Every element a reader (or a test) may look for is a group whose
 *   class says what it is: lifeline, frame (one per SEND; unread when no
 *   RECV read it), torn, block, end (a CloseSend or FINISH, with the EOF
 *   it caused), cancel, deadlock. Colours live in the one style sheet at
 *   the top and keep the timeline's meanings: frames green (c2s) and blue
 *   (s2c), ends amber, failures red, waits grey.
 */
#include "view/svg.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "view/sequence.h"
#include "view/svg_style.h"
#include "view/svg_text.h"

/* Sizes, in pixels. */
#define MARGIN 16
#define ROW_H 22     /* a row per event */
#define AXIS_W 76    /* the time column */
#define LANE_W 190   /* between two lifelines */
#define PIPE_W 140   /* the band of the two pipes */
#define LABEL_GAP 10 /* from a lifeline to its label */
#define LINE_H 18    /* a line of the caption, legend or footer */
#define HEAD_H 24    /* a lifeline's name box */

/* Characters of an event's label, at most (text, preview, status). */
#define WORDS_MAX (2 * TRACE_TEXT_MAX + 64)

struct picture {
    FILE *out;
    const struct svg_caption *cap;
    struct sequence seq; /* lanes, joins, waiters */
    int *lane_x;         /* per lane: its lifeline */
    int *y;              /* per shown event: the middle of its row */
    int waiter_y[SEQUENCE_MAX_WAITERS];
    int pipe_left; /* the band of the pipes starts here */
    int pipe_x[2]; /* the c2s and s2c lines */
    int rows_top, rows_bottom;
    int width, height;
};

/* A <text> of class cls at (x, y): n bytes of s. */
static void put_text(const struct picture *p, int x, int y, const char *cls,
                     enum svg_anchor anchor, const char *s, size_t n)
{
    svg_text_put(p->out, x, y, cls, anchor, s, n);
}

static const char *or_empty(const char *s)
{
    return s != NULL ? s : "";
}

static int width_of(const char *s)
{
    return svg_text_width(s, strlen(s));
}

static const struct trace_event *event(const struct picture *p, size_t i)
{
    return trace_event_at(p->seq.t, i);
}

/* ---- what an event says ------------------------------------------------- */

/*
 * The label of an event, in the timeline's words, without the kind of a
 * frame event (its arrow says it).
 */
static void words_of(const struct trace_event *e, char *out, size_t cap)
{
    const char *sep = e->text[0] ? ": " : "";
    const char *dsep = e->dir[0] ? " " : "";
    const char *kind = trace_kind_name(e->kind);

    switch (e->kind) {
    case TRACE_SEND:
    case TRACE_RECV:
        snprintf(out, cap, "%u|%lu %s", (unsigned)e->flag,
                 (unsigned long)e->length, e->text);
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
        snprintf(out, cap, "%s %s%s%s", kind, status_name(e->status), sep,
                 e->text);
        break;
    case TRACE_CLOSE_SEND:
    case TRACE_BLOCK:
    case TRACE_WAKE:
        snprintf(out, cap, "%s%s%s%s%s", kind, dsep, e->dir, sep, e->text);
        break;
    default: snprintf(out, cap, "%s", e->text[0] ? e->text : kind); break;
    }
}

/* A torn frame's label says so first. */
static void label_of(const struct picture *p, size_t i, char *out, size_t cap)
{
    const struct trace_event *e = event(p, i);
    int torn = e->kind == TRACE_RECV && p->seq.peer[i] < 0;
    size_t head = (size_t)snprintf(out, cap, "%s", torn ? "torn frame: " : "");

    words_of(e, out + head, cap - head);
}

/* 0 for c2s, 1 for s2c, -1 for any other direction. */
static int pipe_of(const char *dir)
{
    if (strcmp(dir, "c2s") == 0)
        return 0;
    return strcmp(dir, "s2c") == 0 ? 1 : -1;
}

/* The colour of a frame in direction dir: a class suffix. */
static const char *frame_class(const char *dir)
{
    static const char *const names[] = {"other", "c2s", "s2c"};

    return names[pipe_of(dir) + 1];
}

static int is_clean(enum status st)
{
    return st == STATUS_OK || st == STATUS_EOF;
}

/* The colour class of an event's label. */
static const char *label_class(const struct trace_event *e, long peer)
{
    switch (e->kind) {
    case TRACE_SEND: return frame_class(e->dir);
    case TRACE_RECV: return peer < 0 ? "red" : frame_class(e->dir);
    case TRACE_CLOSE_SEND:
    case TRACE_EOF:
    case TRACE_FINISH: return is_clean(e->status) ? "endt" : "red";
    case TRACE_CANCEL:
    case TRACE_ERROR: return "red";
    case TRACE_WAKE: return e->status == STATUS_DEADLOCK ? "red" : "dim";
    default: return "dim";
    }
}

/* ---- layout ------------------------------------------------------------- */

/* Puts the lanes in place: clients, the pipes, servers, then the rest. */
static void place_lanes(struct picture *p)
{
    static const enum sequence_side order[] = {SEQUENCE_CLIENT, SEQUENCE_SERVER,
                                               SEQUENCE_OTHER};
    int x = MARGIN + AXIS_W;
    int k = 0;
    int i = 0;

    for (k = 0; k < 3; k++) {
        if (order[k] == SEQUENCE_SERVER) {
            p->pipe_left = x;
            p->pipe_x[0] = x + 40;
            p->pipe_x[1] = x + PIPE_W - 40;
            x += PIPE_W;
        }
        for (i = 0; i < p->seq.nlanes; i++)
            if (p->seq.lanes[i].side == order[k]) {
                p->lane_x[i] = x + LANE_W / 2;
                x += LANE_W;
            }
    }
    p->width = x + MARGIN;
}

/* Gives every row its y: the events in order, and the waiters before the
 * first event the deadlock caused. */
static void place_rows(struct picture *p)
{
    int y = p->rows_top + ROW_H / 2;
    size_t i = 0;
    int k = 0;

    for (i = 0; i <= p->seq.shown; i++) {
        if (i == p->seq.waiters_at)
            for (k = 0; k < p->seq.nwaiters; k++, y += ROW_H)
                p->waiter_y[k] = y;
        if (i < p->seq.shown) {
            p->y[i] = y;
            y += ROW_H;
        }
    }
    p->rows_bottom = y - ROW_H / 2;
}

/* Labels go toward the pipes (client lanes: right), unless that side has
 * no room. Returns 1 for a label to the left of its lifeline. */
static int label_left(const struct picture *p, int lane, int w)
{
    return p->seq.lanes[lane].side != SEQUENCE_CLIENT &&
           p->lane_x[lane] - LABEL_GAP - w >= MARGIN;
}

/* Widens the picture to hold a label of width w on lane. */
static void fit_label(struct picture *p, int lane, int w)
{
    int right = p->lane_x[lane] + LABEL_GAP + w + MARGIN;

    if (!label_left(p, lane, w) && right > p->width)
        p->width = right;
}

/* Widens the picture for every label and every line of the caption. */
static void fit_width(struct picture *p)
{
    const struct svg_caption *c = p->cap;
    const char *lines[3] = {c->summary, c->mode, c->outcome};
    char words[WORDS_MAX];
    size_t i = 0;
    int k = 0;

    for (i = 0; i < p->seq.shown; i++) {
        label_of(p, i, words, sizeof words);
        fit_label(p, p->seq.lane_of[i], width_of(words));
    }
    for (k = 0; k < p->seq.nwaiters; k++) {
        const struct sequence_waiter *w = &p->seq.waiters[k];

        fit_label(p, w->lane,
                  width_of("waits for ") +
                      svg_text_width(w->what, (size_t)w->len));
    }
    /* The title is 16 px: 4/3 of the 12 px the widths are measured in. */
    k = 2 * MARGIN + width_of(or_empty(c->title)) * 4 / 3;
    p->width = p->width > k ? p->width : k;
    for (k = 0; k < 3; k++) {
        int w = 2 * MARGIN + width_of(or_empty(lines[k]));

        p->width = p->width > w ? p->width : w;
    }
}

/* ---- the caption and the legend ----------------------------------------- */

struct legend_item {
    const char *sample; /* what draw_sample draws */
    const char *words;
};

static const struct legend_item legend[] = {
    {"c2s", "frame c2s: send -> recv"},
    {"s2c", "frame s2c"},
    {"block", "blocked: BLOCK -> WAKE"},
    {"end", "CloseSend, FINISH -> EOF"},
    {"unread", "never read"},
    {"red", "torn frame, deadlock, cancel"},
};

#define LEGEND_ITEMS (sizeof legend / sizeof legend[0])
#define SAMPLE_W 32

/* A red cross, 8 px, its middle at (x, y). */
static void put_cross(const struct picture *p, int x, int y)
{
    fprintf(p->out, "<path d=\"M%d %dl8 8m0 -8l-8 8\" class=\"x\"/>\n", x - 4,
            y - 4);
}

/* A legend's sample, 24 px wide, its middle at y. */
static void draw_sample(const struct picture *p, const char *what, int x, int y)
{
    FILE *out = p->out;

    if (strcmp(what, "block") == 0)
        fprintf(out,
                "<rect x=\"%d\" y=\"%d\" width=\"8\" height=\"14\" "
                "class=\"bar\"/>\n",
                x + 8, y - 7);
    else if (strcmp(what, "unread") == 0)
        fprintf(out,
                "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" "
                "class=\"l-c2s\"/><circle cx=\"%d\" cy=\"%d\" r=\"4\" "
                "class=\"hole\"/>\n",
                x, y, x + 16, y, x + 20, y);
    else if (strcmp(what, "red") == 0)
        put_cross(p, x + 12, y);
    else
        fprintf(out,
                "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" "
                "class=\"l-%s\" marker-end=\"url(#head-%s)\"/>\n",
                x, y, x + 24, y, what, what);
}

/*
 * Lays the legend out in lines from y (the first line's middle), and
 * draws it when draw is set. Returns the number of lines.
 */
static int draw_legend(const struct picture *p, int y, int draw)
{
    int x = MARGIN;
    int lines = 1;
    size_t i = 0;

    for (i = 0; i < LEGEND_ITEMS; i++) {
        int w = SAMPLE_W + width_of(legend[i].words) + 24;

        if (x > MARGIN && x + w > p->width - MARGIN) {
            x = MARGIN;
            y += LINE_H;
            lines++;
        }
        if (draw) {
            draw_sample(p, legend[i].sample, x, y);
            put_text(p, x + SAMPLE_W, y + 4, "dim", SVG_START, legend[i].words,
                     strlen(legend[i].words));
        }
        x += w;
    }
    return lines;
}

/* The caption and the legend, from the top; returns the y below them. */
static int draw_caption(const struct picture *p, int draw)
{
    const struct svg_caption *c = p->cap;
    const char *lines[3] = {c->summary, c->mode, c->outcome};
    const char *cls[3] = {"dim", "dim", c->failed ? "bad" : "good"};
    int y = MARGIN + 16;
    int k = 0;

    if (draw)
        put_text(p, MARGIN, y, "title", SVG_START, or_empty(c->title),
                 strlen(or_empty(c->title)));
    y += 4;
    for (k = 0; k < 3; k++) {
        if (or_empty(lines[k])[0] == '\0')
            continue;
        y += LINE_H;
        if (draw)
            put_text(p, MARGIN, y, cls[k], SVG_START, lines[k],
                     strlen(lines[k]));
    }
    y += LINE_H + 6;
    return y + draw_legend(p, y, draw) * LINE_H;
}

/* ---- the footer --------------------------------------------------------- */

/*
 * Writes s in lines of at most width pixels from (x, y), drawing them
 * when draw is set. Returns the number of lines.
 */
static int wrap_text(const struct picture *p, const char *s, int x, int y,
                     int width, const char *cls, int draw)
{
    return svg_text_wrap(draw ? p->out : NULL, s, x, y, width, LINE_H, cls);
}

/* The notes under the rows: events not drawn, events not kept. */
static int draw_notes(const struct picture *p, int y, int draw)
{
    int width = p->width - 2 * MARGIN;
    char note[160];
    int lines = 0;

    if (p->seq.shown < p->seq.n) {
        snprintf(note, sizeof note,
                 "... and %zu more events, not drawn (a picture draws the "
                 "first %d; the timeline shows every event kept)",
                 p->seq.n - p->seq.shown, SVG_MAX_EVENTS);
        lines += wrap_text(p, note, MARGIN, y, width, "dim", draw);
    }
    if (trace_dropped(p->seq.t) > 0) {
        snprintf(note, sizeof note,
                 "... and %llu more events, not kept (a trace keeps the "
                 "first %d)",
                 (unsigned long long)trace_dropped(p->seq.t), TRACE_MAX_EVENTS);
        lines +=
            wrap_text(p, note, MARGIN, y + lines * LINE_H, width, "dim", draw);
    }
    return lines;
}

/* The report in a red box, then the notes; returns the y below them. */
static int draw_footer(const struct picture *p, int draw)
{
    const char *report = or_empty(p->cap->report);
    int inner = p->width - 2 * MARGIN - 20;
    int y = p->rows_bottom + 2 * LINE_H;
    int lines = 0;

    if (report[0] != '\0') {
        lines = wrap_text(p, report, MARGIN + 10, y, inner, "bad", 0);
        if (draw) {
            fprintf(p->out,
                    "<g class=\"report\"><rect x=\"%d\" y=\"%d\" "
                    "width=\"%d\" height=\"%d\" class=\"report-box\"/>\n",
                    MARGIN, y - LINE_H + 2, p->width - 2 * MARGIN,
                    lines * LINE_H + 10);
            wrap_text(p, report, MARGIN + 10, y, inner, "bad", 1);
            fputs("</g>\n", p->out);
        }
        y += (lines + 1) * LINE_H + 10;
    }
    return y + draw_notes(p, y, draw) * LINE_H;
}

/* The start of the document, with the caption's first line as its title. */
static void open_svg(const struct picture *p)
{
    svg_style_open(p->out, p->width, p->height, or_empty(p->cap->title));
}

/* ---- rows, pipes and lifelines ------------------------------------------ */

/* Every other row shaded, and each event's time at the left: the SIM
 * step, else microseconds. */
static void draw_rows(const struct picture *p)
{
    int steps = trace_in_steps(p->seq.t);
    const char *unit = steps ? "step" : "t(us)";
    char num[32];
    size_t i = 0;

    put_text(p, MARGIN + AXIS_W - 12, p->rows_top - HEAD_H / 2 + 2, "step",
             SVG_END, unit, strlen(unit));
    for (i = 0; i < p->seq.shown; i++) {
        int64_t t = event(p, i)->t_ns;

        if (i % 2 == 1)
            fprintf(p->out,
                    "<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" "
                    "class=\"zebra\"/>\n",
                    MARGIN, p->y[i] - ROW_H / 2, p->width - 2 * MARGIN, ROW_H);
        snprintf(num, sizeof num, "%lld", (long long)(steps ? t : t / 1000));
        put_text(p, MARGIN + AXIS_W - 12, p->y[i] + 4, "step", SVG_END, num,
                 strlen(num));
    }
}

/* Over the name boxes: "client side" over the first client lane, and so
 * on. */
static void draw_groups(const struct picture *p)
{
    static const char *const words[] = {"client side", "other threads",
                                        "server side"}; /* by side + 1 */
    int first[3] = {-1, -1, -1};
    int y = p->rows_top - HEAD_H - 10;
    int i = 0;

    for (i = 0; i < p->seq.nlanes; i++)
        if (first[p->seq.lanes[i].side + 1] < 0)
            first[p->seq.lanes[i].side + 1] = i;
    for (i = 0; i < 3; i++)
        if (first[i] >= 0)
            put_text(p, p->lane_x[first[i]] - LANE_W / 2 + 8, y, "group",
                     SVG_START, words[i], strlen(words[i]));
    put_text(p, p->pipe_left + PIPE_W / 2, y, "group", SVG_MIDDLE, "pipes", 5);
}

/* The band of the two pipes, each a dotted line under its name. */
static void draw_pipes(const struct picture *p)
{
    static const char *const names[] = {"c2s ->", "<- s2c"};
    int top = p->rows_top - HEAD_H;
    int k = 0;

    fprintf(p->out,
            "<g class=\"pipes\"><rect x=\"%d\" y=\"%d\" width=\"%d\" "
            "height=\"%d\" class=\"band\"/>\n",
            p->pipe_left + 4, top - 2, PIPE_W - 8, p->rows_bottom - top + 2);
    for (k = 0; k < 2; k++) {
        fprintf(p->out,
                "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" "
                "class=\"pipe\"/>\n",
                p->pipe_x[k], p->rows_top, p->pipe_x[k], p->rows_bottom);
        put_text(p, p->pipe_x[k], top + 14, k == 0 ? "c2s" : "s2c", SVG_MIDDLE,
                 names[k], strlen(names[k]));
    }
    fputs("</g>\n", p->out);
}

/* Each thread's lifeline, under a box with its name (red when the
 * deadlock report names it). */
static void draw_lifelines(const struct picture *p)
{
    int top = p->rows_top - HEAD_H;
    int i = 0;

    for (i = 0; i < p->seq.nlanes; i++) {
        const struct sequence_lane *l = &p->seq.lanes[i];
        int x = p->lane_x[i];
        int w = width_of(l->name) + 16;

        fprintf(p->out,
                "<g class=\"lifeline\"><line x1=\"%d\" y1=\"%d\" x2=\"%d\" "
                "y2=\"%d\" class=\"life\"/>\n"
                "<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" rx=\"4\" "
                "class=\"%s\"/>\n",
                x, top, x, p->rows_bottom, x - w / 2, top - 2, w, HEAD_H - 4,
                l->waits ? "head-red" : "head");
        put_text(p, x, top + 14, l->waits ? "red" : "name", SVG_MIDDLE, l->name,
                 strlen(l->name));
        fputs("</g>\n", p->out);
    }
}

/* ---- bars and arrows ---------------------------------------------------- */

/* The y of event i's row, or the bottom for an event not shown. */
static int y_of(const struct picture *p, long i)
{
    return (size_t)i < p->seq.shown ? p->y[i] : p->rows_bottom;
}

/* The x of event i's lifeline (the band's middle for an event not shown
 * whose thread has no lane). */
static int x_of(const struct picture *p, long i)
{
    int lane = (size_t)i < p->seq.shown
                   ? p->seq.lane_of[i]
                   : sequence_lane_of(&p->seq, event(p, (size_t)i)->thread);

    return lane >= 0 ? p->lane_x[lane] : p->pipe_left + PIPE_W / 2;
}

/* The x of the pipe of direction dir (the band's middle for another). */
static int pipe_x_of(const struct picture *p, const char *dir)
{
    int k = pipe_of(dir);

    return k >= 0 ? p->pipe_x[k] : p->pipe_left + PIPE_W / 2;
}

/* Event i's thread waits from its row down to bottom; red when the
 * simulator ended the wait with DEADLOCK. */
static void put_bar(const struct picture *p, size_t i, int bottom, int red)
{
    fprintf(p->out,
            "<g class=\"block%s\"><rect x=\"%d\" y=\"%d\" width=\"8\" "
            "height=\"%d\" class=\"%s\"/></g>\n",
            red ? " deadlock" : "", x_of(p, (long)i) - 4, p->y[i],
            bottom - p->y[i], red ? "bar-red" : "bar");
}

/* A bar from each BLOCK to the same thread's next WAKE (or the bottom). */
static void draw_bars(const struct picture *p)
{
    size_t i = 0;
    size_t j = 0;

    for (i = 0; i < p->seq.shown; i++) {
        if (event(p, i)->kind != TRACE_BLOCK)
            continue;
        for (j = i + 1; j < p->seq.shown; j++)
            if (p->seq.lane_of[j] == p->seq.lane_of[i] &&
                event(p, j)->kind == TRACE_WAKE)
                break;
        if (j < p->seq.shown)
            put_bar(p, i, p->y[j], event(p, j)->status == STATUS_DEADLOCK);
        else
            put_bar(p, i, p->rows_bottom, 0);
    }
}

/* A line from (x1, y1) to 4 px short of x2 (so a head ends at a
 * lifeline, not on it), of class l-cls, with the arrowhead head or none. */
static void put_arrow(const struct picture *p, int x1, int y1, int x2, int y2,
                      const char *cls, const char *head)
{
    x2 += x2 > x1 ? -4 : x2 < x1 ? 4 : 0;
    fprintf(p->out,
            "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" class=\"l-%s\"", x1,
            y1, x2, y2, cls);
    if (head != NULL)
        fprintf(p->out, " marker-end=\"url(#head-%s)\"", head);
    fputs("/>", p->out);
}

/* A SEND: an arrow to the RECV that read it, or into its pipe, ending in
 * a hole, when none did. */
static void draw_frame(const struct picture *p, size_t i)
{
    const struct trace_event *e = event(p, i);
    const char *cls = frame_class(e->dir);
    long to = p->seq.peer[i];
    int x = x_of(p, (long)i);
    int px = pipe_x_of(p, e->dir);

    fprintf(p->out, "<g class=\"frame %s%s\">", cls, to < 0 ? " unread" : "");
    if (to >= 0)
        put_arrow(p, x, p->y[i], x_of(p, to), y_of(p, to), cls, cls);
    else
        put_arrow(p, x, p->y[i], px, p->y[i], cls, NULL);
    if (to < 0)
        fprintf(p->out, "<circle cx=\"%d\" cy=\"%d\" r=\"4\" class=\"hole\"/>",
                px, p->y[i]);
    fprintf(p->out,
            "<circle cx=\"%d\" cy=\"%d\" r=\"3.5\" class=\"dot-%s\"/></g>\n", x,
            p->y[i], cls);
}

/* A CloseSend or FINISH: a dashed arrow to the EOF it caused, or into its
 * pipe when no EOF came of it; red for a FINISH with an error. */
static void draw_end(const struct picture *p, size_t i)
{
    const struct trace_event *e = event(p, i);
    const char *cls = is_clean(e->status) ? "end" : "red";
    long to = p->seq.peer[i];
    int tx = to >= 0 ? x_of(p, to) : pipe_x_of(p, e->dir);
    int ty = to >= 0 ? y_of(p, to) : p->y[i];

    fputs("<g class=\"end\">", p->out);
    put_arrow(p, x_of(p, (long)i), p->y[i], tx, ty, cls, to >= 0 ? cls : NULL);
    fputs("</g>\n", p->out);
}

/* A RECV that no SEND wrote: a red arrow out of its pipe. */
static void draw_torn(const struct picture *p, size_t i)
{
    int px = pipe_x_of(p, event(p, i)->dir);

    fputs("<g class=\"torn\">", p->out);
    put_arrow(p, px, p->y[i], x_of(p, (long)i), p->y[i], "red", "red");
    fputs("</g>\n", p->out);
}

/* A red dashed line across the picture at y (a row's top edge, so it
 * crosses no label), of class cls. */
static void put_rule(const struct picture *p, int y, const char *cls)
{
    fprintf(p->out,
            "<g class=\"%s\"><line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" "
            "class=\"l-red\"/></g>\n",
            cls, MARGIN + AXIS_W - 4, y, p->width - MARGIN, y);
}

/* The arrows, the rule of each CANCEL, and the rule above a deadlock. */
static void draw_arrows(const struct picture *p)
{
    size_t i = 0;

    for (i = 0; i < p->seq.shown; i++) {
        const struct trace_event *e = event(p, i);

        if (e->kind == TRACE_SEND)
            draw_frame(p, i);
        else if (sequence_is_end(e))
            draw_end(p, i);
        else if (e->kind == TRACE_RECV && p->seq.peer[i] < 0)
            draw_torn(p, i);
        else if (e->kind == TRACE_CANCEL)
            put_rule(p, p->y[i] - ROW_H / 2, "cancel");
    }
    if (p->seq.nwaiters > 0) {
        put_rule(p, p->waiter_y[0] - ROW_H / 2, "deadlock");
        put_text(p, MARGIN + AXIS_W - 12, p->waiter_y[0] + 4, "red", SVG_END,
                 "deadlock", 8);
    }
}

/* ---- marks and labels --------------------------------------------------- */

/* The mark on a lifeline: a cross for a failure, a square for an end. */
static void put_mark(const struct picture *p, const struct trace_event *e,
                     int x, int y, const char *cls)
{
    if (strcmp(cls, "red") == 0 && e->kind != TRACE_WAKE)
        put_cross(p, x, y);
    else if (e->kind == TRACE_CLOSE_SEND || e->kind == TRACE_EOF ||
             e->kind == TRACE_FINISH)
        fprintf(p->out,
                "<rect x=\"%d\" y=\"%d\" width=\"8\" height=\"8\" "
                "class=\"mark-end\"/>\n",
                x - 4, y - 4);
    else if (e->kind == TRACE_NOTE)
        fprintf(p->out,
                "<circle cx=\"%d\" cy=\"%d\" r=\"3\" class=\"mark-dim\"/>\n", x,
                y);
}

/* A label beside lane's lifeline, toward the pipes where it fits. */
static void put_label(const struct picture *p, int lane, int y, const char *cls,
                      const char *s)
{
    char both[32];
    int left = label_left(p, lane, width_of(s));
    int x = p->lane_x[lane] + (left ? -LABEL_GAP : LABEL_GAP);

    snprintf(both, sizeof both, "lab %s", cls);
    put_text(p, x, y, both, left ? SVG_END : SVG_START, s, strlen(s));
}

/* Each event's mark and label. The label of an event with an arrow (a
 * frame, a torn frame, a CloseSend, a FINISH) sits above it, and a frame
 * that was read has its label at the send only. */
static void draw_labels(const struct picture *p)
{
    char words[WORDS_MAX];
    size_t i = 0;

    for (i = 0; i < p->seq.shown; i++) {
        const struct trace_event *e = event(p, i);
        const char *cls = label_class(e, p->seq.peer[i]);
        int above = e->kind == TRACE_SEND || e->kind == TRACE_RECV ||
                    sequence_is_end(e);

        if (e->kind == TRACE_RECV && p->seq.peer[i] >= 0)
            continue;
        label_of(p, i, words, sizeof words);
        put_mark(p, e, x_of(p, (long)i), p->y[i], cls);
        put_label(p, p->seq.lane_of[i], p->y[i] + (above ? -5 : 4), cls, words);
    }
}

/* Each thread the deadlock report names: a red cross and what it waits
 * for, in a row of its own. */
static void draw_waiters(const struct picture *p)
{
    char words[WORDS_MAX];
    int k = 0;

    for (k = 0; k < p->seq.nwaiters; k++) {
        const struct sequence_waiter *w = &p->seq.waiters[k];

        snprintf(words, sizeof words, "waits for %.*s", w->len, w->what);
        fputs("<g class=\"deadlock waiter\">", p->out);
        put_cross(p, p->lane_x[w->lane], p->waiter_y[k]);
        put_label(p, w->lane, p->waiter_y[k] + 4, "red", words);
        fputs("</g>\n", p->out);
    }
}

/* ---- the whole ---------------------------------------------------------- */

/* Everything but the drawing: where the lanes and rows go, and the size. */
static void lay_out(struct picture *p)
{
    place_lanes(p);
    fit_width(p);
    p->rows_top = draw_caption(p, 0) + LINE_H + HEAD_H + 8;
    place_rows(p);
    p->height = draw_footer(p, 0) + MARGIN;
}

static void draw(const struct picture *p)
{
    open_svg(p);
    draw_caption(p, 1);
    draw_rows(p);
    draw_groups(p);
    draw_pipes(p);
    draw_lifelines(p);
    draw_bars(p);
    draw_arrows(p);
    draw_labels(p);
    draw_waiters(p);
    draw_footer(p, 1);
    fputs("</svg>\n", p->out);
}

enum status svg_write(FILE *out, const struct trace *t,
                      const struct svg_caption *cap)
{
    struct picture p;
    enum status st = STATUS_OK;

    memset(&p, 0, sizeof p);
    p.out = out;
    p.cap = cap;
    st = sequence_read(&p.seq, t, cap->report, SVG_MAX_EVENTS);
    if (st != STATUS_OK)
        return st;
    p.lane_x = calloc((size_t)p.seq.nlanes + 1, sizeof *p.lane_x);
    p.y = calloc(p.seq.shown + 1, sizeof *p.y);
    if (p.lane_x == NULL || p.y == NULL) {
        st = STATUS_RESOURCE_EXHAUSTED;
        goto out;
    }
    lay_out(&p);
    draw(&p);
out:
    free(p.lane_x);
    free(p.y);
    sequence_free(&p.seq);
    return st;
}
