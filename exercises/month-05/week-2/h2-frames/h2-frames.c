/*
 * Exercise: h2-frames. Fill in ex_predict; h2-frames.h says what it must
 * do, README.md what each call is. Run the tests with
 * `make exercise EX=h2-frames`.
 */
#include "h2-frames.h"

void ex_predict(const struct ex_call *call, int side,
                enum ex_frame out[EX_MAX_FRAMES])
{
    /*
     * TODO: write what side sends on the call's stream, in order, then
     * EX_NONE. The client: how does the call open, what carries the
     * messages, and how does the client's side end (CloseSend, or a
     * cancel)? The server: does it give the window back, does it reply,
     * how does its status travel, and is there anything after it when
     * the client has not ended its side?
     */
    (void)call;
    (void)side;
    out[0] = EX_NONE;
}
