/*
 * step_predict: the questions of --predict (see step_predict.h).
 *
 * Design
 *   A receive's outcome is read from the trace: stream_recv records a
 *   RECV for a message, an EOF for the end of its direction (with the
 *   call's status on the client), an ERROR "recv: ..." for a failure, and
 *   the pipe a BLOCK "pipe empty" when the reader has to wait.
 */
#include "app/step_predict.h"

#include <stdio.h>
#include <string.h>

enum recv_outcome {
    OUTCOME_NONE = -1,
    OUTCOME_MESSAGE,
    OUTCOME_EOF,
    OUTCOME_ERROR,
    OUTCOME_WAITS
};

static const char *const recv_choices[STEP_CHOICES] = {
    "it gets a message",
    "it gets EOF: that direction ended cleanly",
    "it fails with an error status",
    "it waits: there is nothing to read yet",
};

static const char *const end_choices[STEP_CHOICES] = {
    "OK",
    "with a gRPC error status",
    "with a garbled stream",
    "in a deadlock",
};

static enum recv_outcome outcome_of(const struct trace_event *e)
{
    switch (e->kind) {
    case TRACE_RECV: return OUTCOME_MESSAGE;
    case TRACE_EOF:
        return e->status == STATUS_EOF || e->status == STATUS_OK
                   ? OUTCOME_EOF
                   : OUTCOME_ERROR;
    case TRACE_ERROR:
        return strncmp(e->text, "recv:", 5) == 0 ? OUTCOME_ERROR : OUTCOME_NONE;
    case TRACE_BLOCK:
        return strncmp(e->text, "pipe empty", 10) == 0 ? OUTCOME_WAITS
                                                       : OUTCOME_NONE;
    default: return OUTCOME_NONE;
    }
}

/* An event in words: "client/recv: RECV s2c \"echo: hello\"". */
static void describe(const struct trace_event *e, char *buf, size_t cap)
{
    int odd = e->status != STATUS_OK && e->status != STATUS_EOF;

    snprintf(buf, cap, "%s: %s%s%s%s%s%s%s", e->thread,
             trace_kind_name(e->kind), e->dir[0] ? " " : "", e->dir,
             odd ? ", " : "", odd ? status_name(e->status) : "",
             e->text[0] ? " " : "", e->text);
}

/* What thread name was doing in v, or "" when v does not show it. */
static const char *doing_of(const struct step_view *v, const char *name)
{
    int i = 0;

    for (i = 0; i < v->nthreads; i++)
        if (strcmp(v->threads[i].name, name) == 0)
            return v->threads[i].doing;
    return "";
}

int step_question_recv(const struct step_view *before, const struct trace *t,
                       size_t from, size_t to, struct step_question *q)
{
    const struct trace_event *e = NULL;
    enum recv_outcome o = OUTCOME_NONE;
    size_t i = 0;

    for (i = from; i < to && i < trace_length(t) && o == OUTCOME_NONE; i++) {
        e = trace_event_at(t, i);
        o = outcome_of(e);
    }
    if (o == OUTCOME_NONE)
        return 0;
    memset(q, 0, sizeof *q);
    snprintf(q->ask, sizeof q->ask, "%s is in %s. What does it see next?",
             e->thread, doing_of(before, e->thread));
    memcpy(q->choices, recv_choices, sizeof recv_choices);
    q->nchoices = STEP_CHOICES;
    q->answer = (int)o;
    describe(e, q->happened, sizeof q->happened);
    return 1;
}

int step_question_end(const struct scenario_result *r, struct step_question *q)
{
    int answer = -1;

    switch (scenario_exit_code(r)) {
    case SCENARIO_EXIT_OK: answer = 0; break;
    case SCENARIO_EXIT_STATUS: answer = 1; break;
    case SCENARIO_EXIT_GARBLED: answer = 2; break;
    case SCENARIO_EXIT_DEADLOCK: answer = 3; break;
    default: return 0;
    }
    memset(q, 0, sizeof *q);
    snprintf(q->ask, sizeof q->ask,
             "the run ends with this step. How does the call end?");
    memcpy(q->choices, end_choices, sizeof end_choices);
    q->nchoices = STEP_CHOICES;
    q->answer = answer;
    snprintf(q->happened, sizeof q->happened, "the call ended %s (%s)",
             end_choices[answer], status_name(r->status));
    return 1;
}
