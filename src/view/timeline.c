/*
 * timeline: draw a trace's events in two lanes.
 *
 * Design
 *   Each event becomes a cell: its words (describe), prefixed with the
 *   thread's role in its lane or with the whole thread name across both.
 *   The client lane is 35 columns and comes first, so a longer cell wraps
 *   at blanks onto indented lines of its own, never cut; the server lane
 *   is last on the line and is never cut, wrapped or padded, so no line
 *   ends in a blank. The decision column, when asked for, sits between
 *   the time and the lanes; without it every line is as it always was.
 */
#include "view/timeline.h"

#include <string.h>

#include "view/colour.h"

#define LANE 35

static const char *colour_of(const struct trace_event *e)
{
    switch (e->kind) {
    case TRACE_SEND: return COLOUR_SEND;
    case TRACE_RECV: return COLOUR_RECV;
    case TRACE_CLOSE_SEND:
    case TRACE_EOF:
    case TRACE_FINISH:
        return e->status == STATUS_OK || e->status == STATUS_EOF ? COLOUR_CLOSE
                                                                 : COLOUR_ERR;
    case TRACE_CANCEL:
    case TRACE_ERROR: return COLOUR_ERR;
    case TRACE_BLOCK:
    case TRACE_WAKE:
    case TRACE_NOTE: return COLOUR_DIM;
    }
    return COLOUR_OFF;
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
                       int colour, const char *paint)
{
    if (colour)
        fputs(paint, out);
    fprintf(out, "%.*s", len, text);
    if (colour)
        fputs(COLOUR_OFF, out);
    if (width > len)
        fprintf(out, "%*s", width - len, "");
}

/* The blanks under the time column (and the decision column, if shown). */
static void print_gutter(FILE *out, int decisions)
{
    fprintf(out, "%6s  %s", "", decisions ? "      " : "");
}

/*
 * Prints a cell in the client lane, wrapped at blanks so that nothing is
 * cut: continuation lines are indented under the first.
 */
static void print_left(FILE *out, const char *cell, int colour,
                       const char *paint, int decisions)
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
        if (indent > 0) {
            print_gutter(out, decisions);
            fprintf(out, "%*s", indent, "");
        }
        print_span(out, p, len, width, colour, paint);
        fputs(" |\n", out);
        p += len;
        while (*p == ' ')
            p++;
        indent = 5;
    }
}

static void print_event(FILE *out, const struct trace_event *e, int steps,
                        const struct timeline_options *o)
{
    int colour = o->colour;

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
    if (o->decisions)
        fprintf(out, "%4lu  ", (unsigned long)e->decisions);
    if (lane < 0) {
        print_left(out, cell, colour, colour_of(e), o->decisions);
        return;
    }
    /* The right-hand lane is last on the line: never cut, never padded. */
    if (lane > 0)
        fprintf(out, "%*s | ", LANE, "");
    print_span(out, cell, (int)strlen(cell), 0, colour, colour_of(e));
    fputc('\n', out);
}

void timeline_print_header(const struct trace *t, FILE *out,
                           const struct timeline_options *o)
{
    static const char rule[] = "----------------------------------------";
    int steps = trace_in_steps(t);

    fprintf(out, "%6s  %s%-*s | %s\n", steps ? "step" : "t(us)",
            o->decisions ? " dec  " : "", LANE, "client", "server");
    fprintf(out, "%.6s  %s%.*s-+-%.*s\n", rule, o->decisions ? "----  " : "",
            LANE, rule, LANE - 1, rule);
}

void timeline_print_events(const struct trace *t, size_t from, size_t to,
                           FILE *out, const struct timeline_options *o)
{
    int steps = trace_in_steps(t);
    size_t i = 0;

    if (to > trace_length(t))
        to = trace_length(t);
    for (i = from; i < to; i++)
        print_event(out, trace_event_at(t, i), steps, o);
}

void timeline_print_with(const struct trace *t, FILE *out,
                         const struct timeline_options *o)
{
    if (t == NULL)
        return;
    timeline_print_header(t, out, o);
    timeline_print_events(t, 0, trace_length(t), out, o);
    if (trace_dropped(t) > 0) {
        print_gutter(out, o->decisions);
        fprintf(out,
                "... and %llu more events, not kept (a timeline keeps "
                "the first %d; --trace none skips it)\n",
                (unsigned long long)trace_dropped(t), TRACE_MAX_EVENTS);
    }
}

void timeline_print(const struct trace *t, FILE *out, int colour)
{
    struct timeline_options o;

    memset(&o, 0, sizeof o);
    o.colour = colour;
    timeline_print_with(t, out, &o);
}
