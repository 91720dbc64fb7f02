/*
 * two_senders.pml: two threads calling Send on one stream, for SPIN.
 *
 * duplex's frame_write (and grpc-go's) writes a frame as two pipe writes:
 * the 5-byte header (flag, 4-byte big-endian length), then the payload.
 * Here client/send-a and client/send-b each send one message ("AA" and
 * "BB") on the same c2s pipe, with nothing between them, and server/recv
 * parses the bytes the way frame_read does: a header, then exactly
 * "length" bytes of payload, twice. `duplex run concurrent-senders` is
 * this bug on real code.
 *
 * Design
 *   - The pipe is a channel of bytes with room for CAP bytes. One pipe
 *     write of at most CAP bytes is atomic, as in duplex (the PIPE_BUF
 *     rule): it waits until there is room for all of it, then puts every
 *     byte in at once. Only the pair of writes is unprotected.
 *   - The receiver reads one byte at a time (a short read is normal) and
 *     checks what a receiver can check: the flag byte is 0 or 1, the length
 *     is within the limit, and the payload is a whole message of A or B.
 *     Each check that fails prints what went wrong, then fails an
 *     assertion: a payload byte where a header was expected, or a header
 *     followed by the other sender's header (its bytes read as a payload).
 *     At the end it asserts it got A's message and B's, once each. The
     tear is always a header followed by the other sender's header, so
     with these frames the payload check is the one SPIN trips; the
     header checks would catch the next frame, read out of step.
 *   - spin -DLOCK is the fix: a send lock around header + payload (a
 *     sync.Mutex around Send, or duplex's single sender thread). SPIN must
 *     then find no interleaving that fails.
 *
 * As in half_close.pml, the printf lines are the story of a trail, and a
 * comment "blocked: ..." says what a process stuck on that line waits for.
 */

#define CAP 8      /* bytes the pipe holds; each write fits in it */
#define LEN 2      /* payload bytes of each message */
#define MAX_LEN 16 /* the receiver's message size limit */

chan c2s = [CAP] of { byte }; /* the pipe both senders write */
bool locked;   /* the send lock (with -DLOCK) */
byte got_a;    /* messages of A the receiver got */
byte got_b;    /* messages of B the receiver got */

/*
 * One stream_send: the header write, then the payload write. letter is 'A'
 * or 'B'; the sender's name is client/send-a or client/send-b.
 */
inline send_frame(letter)
{
#ifdef LOCK
    atomic { /* blocked: waits for the send lock */
        !locked -> locked = true;
        printf("client/send-%c: takes the send lock\n", letter + 32)
    }
#endif
    atomic { /* blocked: waits for room for 5 bytes on c2s */
        len(c2s) <= CAP - 5 ->
        c2s!0; c2s!0; c2s!0; c2s!0; c2s!LEN;
        printf("client/send-%c: writes the header of %c%c (0 0 0 0 %d)\n",
               letter + 32, letter, letter, LEN)
    }
    atomic { /* blocked: waits for room for the payload on c2s */
        len(c2s) <= CAP - LEN ->
        c2s!letter; c2s!letter;
        printf("client/send-%c: writes the payload %c%c\n", letter + 32,
               letter, letter)
    }
#ifdef LOCK
    atomic {
        locked = false;
        printf("client/send-%c: releases the send lock\n", letter + 32)
    }
#endif
}

active proctype client_send_a()
{
    send_frame('A')
}

active proctype client_send_b()
{
    send_frame('B')
}

/* Reads one byte of c2s into b. */
inline read_byte(b)
{
    atomic { /* blocked: waits for data on c2s */
        c2s?b
    }
}

active proctype server_recv()
{
    byte frame = 1; /* the frame being read */
    byte flag, b, k;
    byte length;    /* the header's last byte */
    bool too_big;   /* one of the header's first three length bytes is not 0 */
    byte first;     /* the payload's first byte */
    bool mixed;     /* a later payload byte differs from the first */

    do
    :: frame <= 2 ->
        /* The header: a flag byte, then the length, big-endian. */
        read_byte(flag);
        if
        :: flag > 1 ->
            printf("server/recv: expected a header, read %c: a payload byte -> torn frame\n",
                   flag);
            assert(flag <= 1)
        :: else
        fi;
        too_big = false;
        mixed = false;
        k = 0;
        do
        :: k < 4 ->
            read_byte(b);
            too_big = too_big || (k < 3 && b != 0);
            length = b;
            k++
        :: else -> break
        od;
        if
        :: too_big || length > MAX_LEN ->
            printf("server/recv: header %d has a length over %d: payload bytes read as a header -> torn frame\n",
                   frame, MAX_LEN);
            assert(!too_big && length <= MAX_LEN)
        :: else
        fi;
        printf("server/recv: reads header %d: flag %d, length %d\n",
               frame, flag, length);
        /* The payload: exactly length bytes, whoever wrote them. */
        k = 0;
        do
        :: k < length ->
            read_byte(b);
            if
            :: k == 0 -> first = b
            :: else -> mixed = mixed || b != first
            fi;
            k++
        :: else -> break
        od;
        /*
         * Like an unmarshal: the payload must be a whole AA or BB (first
         * and b, the last byte read, are all of it: LEN is 2).
         */
        if
        :: mixed || length != LEN || (first != 'A' && first != 'B') ->
            printf("server/recv: reads payload %d: bytes %d %d, not AA or BB: header bytes, so the other sender's header came right after header %d -> torn frame\n",
                   frame, first, b, frame);
            assert(!mixed && length == LEN && (first == 'A' || first == 'B'))
        :: else
        fi;
        if
        :: first == 'A' -> got_a++
        :: else -> got_b++
        fi;
        printf("server/recv: reads payload %d: %c%c\n", frame, first, first);
        frame++
    :: else -> break
    od;
    assert(got_a == 1 && got_b == 1) /* each message once */
}
