/*
 * half_close.pml: a bidi echo call and its half-close, for SPIN.
 *
 * Three processes, as in `duplex run echo`: client/send sends N messages on
 * c2s and then half-closes (stream_close_send, grpc-go's CloseSend);
 * server echoes every message on s2c until it sees that EOF, then ends the
 * call with its own EOF (stream_finish with OK); client/recv reads the
 * echoes until that EOF.
 *
 * Design
 *   - A pipe is a bounded channel: a send blocks while it is full
 *     (backpressure), a receive blocks while it is empty. CAP is 2, smaller
 *     than N, so the senders really do wait for the readers.
 *   - The half-close is an EOF marker at the end of the channel: the reader
 *     drains every message sent before it, then sees EOF. That is what
 *     pipe_close_write does to a duplex pipe.
 *   - Properties: client/recv asserts it gets exactly messages 1..N, in
 *     order, then EOF (nothing lost, nothing reordered); every process must
 *     end at its last line, so SPIN reports any state where all of them are
 *     stuck as an "invalid end state" (a deadlock).
 *   - spin -DFORGET_CLOSE_SEND leaves out the half-close: the bug of
 *     `duplex run forgot-close-send`. SPIN must then find the deadlock.
 *
 * The printf lines are the story a trail tells (spin -t shows them). A
 * comment "blocked: ..." on a line where a process can wait says what a
 * process stuck there waits for: SPIN names that line (the "atomic {" or
 * "do" that starts the wait) when a trail ends, and tests/model/run.sh
 * prints the comment.
 */

#ifndef N
#define N 3 /* messages the client sends */
#endif
#define CAP 2 /* each pipe holds at most CAP messages */

mtype = { MSG, EOF };

chan c2s = [CAP] of { mtype, byte }; /* client to server */
chan s2c = [CAP] of { mtype, byte }; /* server to client */

active proctype client_send()
{
    byte i = 1;

    do
    :: i <= N ->
        atomic { /* blocked: waits for room on c2s */
            c2s!MSG, i;
            printf("client/send: sends msg %d on c2s\n", i)
        }
        i++
    :: else -> break
    od;
#ifndef FORGET_CLOSE_SEND
    atomic { /* blocked: waits for room on c2s */
        c2s!EOF, 0;
        printf("client/send: half-closes c2s (CloseSend)\n")
    }
#else
    printf("client/send: returns after msg %d without calling CloseSend\n", N)
#endif
}

active proctype server()
{
    byte v;

    do /* blocked: waits for data or EOF on c2s */
    :: atomic {
           c2s?MSG, v;
           printf("server: reads msg %d from c2s\n", v)
       }
       atomic { /* blocked: waits for room on s2c */
           s2c!MSG, v;
           printf("server: echoes msg %d on s2c\n", v)
       }
    :: atomic {
           c2s?EOF, _;
           printf("server: reads EOF from c2s (client half-closed)\n")
       }
       break
    od;
    atomic { /* blocked: waits for room on s2c */
        s2c!EOF, 0;
        printf("server: finishes the call: EOF on s2c (status OK)\n")
    }
}

active proctype client_recv()
{
    byte want = 1; /* the next echo it must get */
    byte v;

    do /* blocked: waits for data or EOF on s2c */
    :: atomic {
           s2c?MSG, v;
           printf("client/recv: reads echo %d from s2c\n", v);
           assert(v == want) /* in order, none lost or repeated */
       }
       want++
    :: atomic {
           s2c?EOF, _;
           printf("client/recv: reads EOF from s2c (status OK)\n");
           assert(want == N + 1) /* all N echoes came before EOF */
       }
       break
    od
}
