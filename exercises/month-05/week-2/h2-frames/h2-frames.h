/* h2-frames: predict a call's HTTP/2 frames, then see a real run. README.md. */
#ifndef EX_H2_FRAMES_H
#define EX_H2_FRAMES_H

/*
 * What one side sends on the call's HTTP/2 stream, in order. A run of
 * frames of one kind counts as one entry (how many DATA frames carry the
 * messages, or how many WINDOW_UPDATEs give the window back, depends on
 * the schedule; that there are some, and where, does not). The
 * connection's own frames (SETTINGS, its ACK, GOAWAY, stream 0) are left
 * out.
 */
enum ex_frame {
    EX_NONE = 0,      /* ends the list */
    EX_HEADERS,       /* HEADERS without END_STREAM: request or response
                         headers */
    EX_DATA,          /* DATA carrying message bytes (one or more frames) */
    EX_END_STREAM,    /* END_STREAM on DATA: the client's CloseSend */
    EX_TRAILERS,      /* HEADERS with END_STREAM: the server's status */
    EX_RST_CANCEL,    /* RST_STREAM with the CANCEL code */
    EX_RST_NO_ERROR,  /* RST_STREAM with the NO_ERROR code */
    EX_WINDOW_UPDATE, /* WINDOW_UPDATE on the call's stream (one or more) */
};

/* The two senders. */
enum { EX_CLIENT = 0, EX_SERVER = 1 };

/* Room for a prediction, EX_NONE at its end included. */
#define EX_MAX_FRAMES 16

/*
 * One call. The client sends `messages` messages of `message_bytes`
 * bytes each; then, in this order of what it may do:
 *   - close_send: it calls CloseSend after its last message;
 *   - cancel: it cancels the call once the server has read every
 *     message (the server then ends without a status of its own).
 * The server reads messages; it replies with `replies_per_message`
 * messages for each one it reads, as it reads them (0: none), and with
 * `replies_at_end` more once it has read them all (after the client's
 * EOF when the client half-closes, else right after the last one). Then
 * it returns `status` (0 OK, else a gRPC code), unless the call was
 * cancelled.
 *
 * window is each side's stream window (0: HTTP/2's default, 65,535). A
 * receiver gives the window back (WINDOW_UPDATE) once its application
 * has read at least half of it.
 */
struct ex_call {
    const char *name; /* for the messages: "echo", "cancel", ... */
    int messages;
    int message_bytes;
    int close_send;
    int cancel;
    int replies_per_message;
    int replies_at_end;
    int status;
    int window;
};

/*
 * Writes into out what side (EX_CLIENT or EX_SERVER) sends on the call's
 * stream, in order, and EX_NONE after the last entry. At most
 * EX_MAX_FRAMES - 1 entries.
 */
void ex_predict(const struct ex_call *call, int side,
                enum ex_frame out[EX_MAX_FRAMES]);

#endif /* EX_H2_FRAMES_H */
