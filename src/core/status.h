/*
 * status: the one result type of duplex.
 *
 * Every fallible function returns an enum status. The values 0..16 are
 * gRPC's status codes with gRPC's numbers and names, so a learner who knows
 * codes.Canceled knows STATUS_CANCELLED. Outcomes that are not RPC errors
 * live outside that range, like SQLite's SQLITE_ROW (100) and SQLITE_DONE
 * (101): STATUS_EOF is Go's io.EOF, STATUS_CLOSED is "the other end is gone".
 *
 * Design
 *   A bare code says what happened; a struct status_detail says it in words,
 *   with the exact text grpc-go would print (for example "grpc: received
 *   message larger than max (5 vs. 4)"). Functions that can fail for a reason
 *   a learner needs to read take an optional struct status_detail *.
 */
#ifndef STATUS_H
#define STATUS_H

#include <stddef.h>

enum status {
    STATUS_OK = 0,
    STATUS_CANCELLED = 1,
    STATUS_UNKNOWN = 2,
    STATUS_INVALID_ARGUMENT = 3,
    STATUS_DEADLINE_EXCEEDED = 4,
    STATUS_NOT_FOUND = 5,
    STATUS_ALREADY_EXISTS = 6,
    STATUS_PERMISSION_DENIED = 7,
    STATUS_RESOURCE_EXHAUSTED = 8,
    STATUS_FAILED_PRECONDITION = 9,
    STATUS_ABORTED = 10,
    STATUS_OUT_OF_RANGE = 11,
    STATUS_UNIMPLEMENTED = 12,
    STATUS_INTERNAL = 13,
    STATUS_UNAVAILABLE = 14,
    STATUS_DATA_LOSS = 15,
    STATUS_UNAUTHENTICATED = 16,

    /* Non-RPC outcomes, outside gRPC's range on purpose. */
    STATUS_EOF = 100,     /* io.EOF: the peer half-closed, nothing is left */
    STATUS_CLOSED = 101,  /* the other end of a pipe is gone */
    STATUS_DEADLOCK = 102 /* simulator only: nobody can ever run again */
};

/* The longest detail text kept, including the terminating NUL. */
#define STATUS_TEXT_MAX 192

/* A status with the words a learner reads. text is "" when there are none. */
struct status_detail {
    enum status code;
    char text[STATUS_TEXT_MAX];
};

/*
 * Returns the upper-case name of a code ("CANCELLED", "EOF"), or "?" for a
 * value that is not an enum status (a bug in the caller, never a crash).
 */
const char *status_name(enum status code);

/* Returns 1 when code is one of gRPC's codes 0..16, else 0. */
int status_is_grpc(enum status code);

/*
 * Fills *d (when d is not NULL) with code and a printf-style text, truncated
 * to fit. Returns code, so a failing path reads
 *     return status_detail_set(why, STATUS_INTERNAL, "unexpected EOF");
 */
enum status status_detail_set(struct status_detail *d, enum status code,
                              const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Sets *d to OK with no text, when d is not NULL. */
void status_detail_clear(struct status_detail *d);

#endif /* STATUS_H */
