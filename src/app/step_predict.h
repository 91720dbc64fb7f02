/*
 * step_predict: the questions `duplex step --predict` asks before it shows
 * what a step did, as OSTEP's homework simulators hide their answers
 * until -c: what a receive will see, and how the call will end.
 *
 * Design
 *   A question is built from the run the step has already made (the
 *   engine runs ahead: see step.h), so its answer is what happened, never
 *   a guess of the program's. cli_step.c asks it, reads the answer, then
 *   shows the step and keeps the score.
 */
#ifndef STEP_PREDICT_H
#define STEP_PREDICT_H

#include <stddef.h>

#include "app/step.h"

#define STEP_CHOICES 4

/* A multiple-choice question about what a step will show. */
struct step_question {
    char ask[STRATEGY_DOING_MAX + 128]; /* the question */
    const char *choices[STEP_CHOICES];
    int nchoices;
    int answer;                        /* the right one, from 0 */
    char happened[2 * TRACE_TEXT_MAX]; /* what happened, in words */
};

/*
 * A question about the first receive that the events from .. to - 1 of
 * t end or block (a message, an EOF, an error, or a wait on an empty
 * pipe), asked of the thread as it was in before (the view the step
 * started from). Returns 1 and fills *q, or 0 when they show none.
 */
int step_question_recv(const struct step_view *before, const struct trace *t,
                       size_t from, size_t to, struct step_question *q);

/*
 * A question about how the run r ended: OK, a gRPC error status, a
 * garbled stream or a deadlock. Returns 1 and fills *q, or 0 when r ended
 * otherwise (a broken invariant, a livelock).
 */
int step_question_end(const struct scenario_result *r, struct step_question *q);

#endif /* STEP_PREDICT_H */
