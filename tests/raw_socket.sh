#!/bin/sh
# tests/raw_socket.sh: `duplex serve --wire raw` and `duplex call ...
# --wire raw` against each other, over loopback: gRPC's frames straight
# on TCP, and TCP's own half-close.
#
#   DUPLEX=build/duplex sh tests/raw_socket.sh     (make check runs it)
#
# Checks:
#   - echo: every echo comes back (exit 0); the client's CloseSend is its
#     shutdown(SHUT_WR); the server's read returns 0 only after the last
#     message (in its timeline: RECV "bye", then "read() returned 0 after
#     3 messages", then EOF c2s), then it finishes with its own FIN, and
#     the client's read returns 0 after the last echo;
#   - --messages 5, --size: as on h2;
#   - --cancel-after 1: the client resets the connection (RST), and the
#     server sees UNAVAILABLE "Connection reset by peer" (TCP carries no
#     reason);
#   - "fail:TEXT" from a plain socket (python3; skipped without it): the
#     server finishes with INVALID_ARGUMENT, and the peer reads only its
#     FIN: no status on the raw wire;
#   - a message of 4 MiB + 1: the server's stream rejects it with gRPC's
#     words and resets; a peer that sends nothing is reset at --idle;
#   - --pcap with --wire raw is a usage error; both --help texts say what
#     --wire raw does.

cd "$(dirname "$0")/.." || exit 1

DUPLEX=${DUPLEX:-build/duplex}
tap_name=raw_socket tap_out=40 tap_err=5
. tests/tap.sh

# expect NAME FILE PATTERN: FILE has a line matching PATTERN (grep -E).
expect() {
    if grep -Eq -- "$3" "$2"; then
        ok "$1"
    else
        cp "$2" "$tmp/out"
        not_ok "$1" "no line matches: $3"
    fi
}

# same NAME GOT WANT
same() {
    if [ "$2" = "$3" ]; then
        ok "$1"
    else
        not_ok "$1" "got:  $2
want: $3"
    fi
}

# line FILE PATTERN: the number of FILE's first line matching PATTERN, or 0.
line() { grep -nE -- "$2" "$1" | head -1 | cut -d: -f1 | grep . || echo 0; }

start_serve() { # CALLS: serve --wire raw in the background; sets pid, port
    rm -f "$tmp/serve.out" # never the last server's port
    "$DUPLEX" serve --wire raw --calls "$1" --idle 20000 >"$tmp/serve.out" \
        2>&1 &
    pid=$!
    port=""
    for _ in $(seq 1 100); do # bounded: at most 10 s
        port=$(sed -n 's/^listening on 127.0.0.1:\([0-9]*\)$/\1/p' \
            "$tmp/serve.out" 2>/dev/null)
        [ -n "$port" ] && break
        sleep 0.1
    done
}

# ---- echo with half-close ---------------------------------------------------
start_serve 1
within 30 "$DUPLEX" call "127.0.0.1:$port" echo --wire raw >"$tmp/call.out" 2>&1
same "call --wire raw: exit 0" "$?" 0
wait "$pid"
same "serve --wire raw --calls 1: exit 0" "$?" 0
expect "call: CloseSend is shutdown(SHUT_WR)" "$tmp/call.out" \
    "^client/send sent 3 messages, then CloseSend:$"
expect "call: ... TCP's FIN" "$tmp/call.out" \
    "^  shutdown\(SHUT_WR\), TCP's FIN after the last byte$"
expect "call: its timeline shows the shutdown after CLOSE_SEND" \
    "$tmp/call.out" "send shutdown\(SHUT_WR\): FIN after"
expect "call: EOF is a read that returned 0, after every echo" \
    "$tmp/call.out" \
    "^client/recv got 3 replies, then EOF: its read returned 0 after the last one$"
expect "call: it says the raw wire carries no status" "$tmp/call.out" \
    "the raw wire carries no status"
expect "serve: its read returned 0 after the last message" "$tmp/serve.out" \
    "^server: its read returned 0 after the last message \(3 read\):$"
expect "serve: echoed all, finished with OK, its own FIN" "$tmp/serve.out" \
    "^server echoed 3 of 3 and finished with OK:$"
bye=$(line "$tmp/serve.out" 'RECV 0\|3 "bye"')
zero=$(line "$tmp/serve.out" 'read\(\) returned 0 after 3 messages')
eof=$(line "$tmp/serve.out" 'EOF c2s: client half-closed')
fin=$(line "$tmp/serve.out" '\| shutdown\(SHUT_WR\)')
if [ "$bye" -gt 0 ] && [ "$bye" -lt "$zero" ] && [ "$zero" -lt "$eof" ] &&
    [ "$eof" -lt "$fin" ]; then
    ok "serve's timeline: the last RECV, then read() == 0, EOF, its FIN"
else
    cp "$tmp/serve.out" "$tmp/out"
    not_ok "serve's timeline: the last RECV, then read() == 0, EOF, its FIN" \
        "lines: bye $bye, read 0 $zero, EOF $eof, FIN $fin"
fi

# ---- more messages, bigger ones ---------------------------------------------
start_serve 2
within 30 "$DUPLEX" call "127.0.0.1:$port" echo --wire raw --messages 5 \
    >"$tmp/five.out" 2>&1
same "call --wire raw --messages 5: exit 0" "$?" 0
within 30 "$DUPLEX" call "127.0.0.1:$port" echo --wire raw --messages 2 \
    --size 300k >"$tmp/size.out" 2>&1
same "call --wire raw --size 300k: exit 0" "$?" 0
wait "$pid"
expect "--messages 5: five echoes, then EOF" "$tmp/five.out" \
    "^client/recv got 5 replies, then EOF"
expect "--size 300k: the server answers \"echo: N bytes\"" "$tmp/size.out" \
    "^the last reply was 18 bytes$"

# ---- a cancel is an RST -----------------------------------------------------
start_serve 1
within 30 "$DUPLEX" call "127.0.0.1:$port" echo --wire raw --messages 3 \
    --cancel-after 1 >"$tmp/cancel.out" 2>&1
same "call --wire raw --cancel-after 1: exit 1" "$?" 1
wait "$pid"
expect "cancel: the client resets the connection" "$tmp/cancel.out" \
    "^client reset the connection: close with SO_LINGER 0 \(TCP RST\)$"
expect "cancel: the client's call is CANCELLED" "$tmp/cancel.out" \
    "then CANCELLED: \"context canceled\"$"
expect "cancel: the server sees UNAVAILABLE, not the reason" "$tmp/serve.out" \
    "then UNAVAILABLE: \"Connection reset by peer\"$"
expect "cancel: the server says the client reset it" "$tmp/serve.out" \
    "^the client reset the connection \(TCP RST\)$"

# ---- over 4 MiB: the server's stream rejects it ------------------------------
start_serve 1
within 30 "$DUPLEX" call "127.0.0.1:$port" echo --wire raw --messages 1 \
    --size 4194305 >"$tmp/big.out" 2>&1
same "call --wire raw --size 4194305: exit 1" "$?" 1
wait "$pid"
expect "4 MiB + 1: the server says gRPC's words" "$tmp/serve.out" \
    "then RESOURCE_EXHAUSTED: \"grpc: received message larger than max \(4194305 vs. 4194304\)\"$"
expect "4 MiB + 1: the server resets the connection" "$tmp/serve.out" \
    "^server reset the connection: close with SO_LINGER 0 \(TCP RST\)$"
expect "4 MiB + 1: the client sees UNAVAILABLE" "$tmp/big.out" \
    "then UNAVAILABLE: \"Connection reset by peer\"$"

# ---- fail:TEXT: a status the raw wire cannot carry --------------------------
if command -v python3 >/dev/null 2>&1; then
    start_serve 1
    within 30 python3 -c '
import socket, sys
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])))
s.sendall(b"\0\0\0\0\x09fail:oops")
s.shutdown(socket.SHUT_WR)
got = b""
while True:
    b = s.recv(100)
    if not b:
        break
    got += b
print("read %d bytes, then 0" % len(got))
' "$port" >"$tmp/fail.out" 2>&1
    same "a plain socket sends fail:oops: exit 0" "$?" 0
    wait "$pid"
    expect "fail: the peer reads no bytes, then the FIN" "$tmp/fail.out" \
        "^read 0 bytes, then 0$"
    expect "fail: the server finished with INVALID_ARGUMENT" "$tmp/serve.out" \
        "^server echoed 0 of 1, then finished with INVALID_ARGUMENT: \"oops\"$"
    # A peer that connects and sends nothing: --idle is the call's deadline.
    rm -f "$tmp/serve.out"
    "$DUPLEX" serve --wire raw --calls 1 --idle 4000 >"$tmp/serve.out" 2>&1 &
    pid=$!
    port=""
    for _ in $(seq 1 100); do
        port=$(sed -n 's/^listening on 127.0.0.1:\([0-9]*\)$/\1/p' \
            "$tmp/serve.out" 2>/dev/null)
        [ -n "$port" ] && break
        sleep 0.05
    done
    within 30 python3 -c '
import socket, sys
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])))
try:
    print("read %d bytes" % len(s.recv(100)))
except ConnectionResetError:
    print("reset")
' "$port" >"$tmp/quiet.out" 2>&1
    wait "$pid"
    expect "a quiet peer: the call ends at --idle" "$tmp/serve.out" \
        "then DEADLINE_EXCEEDED: \"context deadline exceeded\"$"
    expect "a quiet peer: it is reset" "$tmp/quiet.out" "^reset$"
    # "size:N" is answered with one message of N bytes.
    start_serve 1
    within 30 python3 -c '
import socket, sys
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])))
s.sendall(b"\0\0\0\0\x07size:10")
s.shutdown(socket.SHUT_WR)
got = b""
while True:
    b = s.recv(100)
    if not b:
        break
    got += b
print("read %d bytes: %r" % (len(got), got))
' "$port" >"$tmp/size.out" 2>&1
    wait "$pid"
    # 15 bytes: the 5-byte prefix (length 10) and ten x's.
    expect "size:10: the peer reads a frame of 10 bytes" "$tmp/size.out" \
        "^read 15 bytes: .*[^x]x{10}'$"
else
    echo "skipped: fail:TEXT and size:N need python3"
fi

# ---- serve --wire raw: nobody comes, and what it refuses ----------------------
within 30 "$DUPLEX" serve --wire raw --idle 200 >"$tmp/idle.out" 2>&1
same "serve --wire raw, nobody comes: exit 0" "$?" 0
expect "serve --wire raw, nobody comes: says it was idle" "$tmp/idle.out" \
    "^served 0 calls; idle for 200 ms, exiting$"
"$DUPLEX" serve --wire raw extra >"$tmp/out" 2>"$tmp/err"
same "serve --wire raw extra: exit 2" "$?" 2
"$DUPLEX" serve --wire raw --pcap "$tmp/no/such/dir/x.pcap" --idle 200 \
    >"$tmp/out" 2>"$tmp/err"
same "serve --wire raw --pcap in no folder: exit 1" "$?" 1
expect "serve --wire raw --pcap in no folder: says the file" "$tmp/err" \
    "^duplex serve: .*x\.pcap"

# ---- --pcap: the connection's packets, both ends --------------------------------
rm -f "$tmp/serve.out"
"$DUPLEX" serve --wire raw --calls 1 --idle 20000 --pcap "$tmp/serve.pcap" \
    >"$tmp/serve.out" 2>&1 &
pid=$!
for _ in $(seq 1 100); do # bounded: at most 10 s
    port=$(sed -n 's/^listening on 127.0.0.1:\([0-9]*\)$/\1/p' \
        "$tmp/serve.out" 2>/dev/null)
    [ -n "$port" ] && break
    sleep 0.1
done
within 30 "$DUPLEX" call "127.0.0.1:$port" echo --wire raw \
    --pcap "$tmp/call.pcap" >"$tmp/call.out" 2>&1
same "call --wire raw --pcap: exit 0" "$?" 0
wait "$pid"
same "serve --wire raw --pcap: exit 0" "$?" 0
# pcap: c2s carries 3 frames of 5 + 5, 12, 3 bytes (35), s2c 3 of
# 5 + 11, 18, 9 (53), and each side's FIN after its last byte.
if command -v tshark >/dev/null 2>&1; then
    for end in call serve; do
        tshark -r "$tmp/$end.pcap" -T fields -e tcp.srcport -e tcp.len \
            -e tcp.flags.fin 2>/dev/null |
            awk -v p="$port" '{ d = $1 == p ? "s2c" : "c2s"; b[d] += $2 }
                $3 == 1 || $3 == "True" { f[d]++ }
                END { printf "c2s %d B, %d FIN; s2c %d B, %d FIN\n",
                      b["c2s"], f["c2s"], b["s2c"], f["s2c"] }' \
            >"$tmp/$end.tshark"
        same "$end --pcap: the bytes and FINs tshark reads" \
            "$(cat "$tmp/$end.tshark")" "c2s 35 B, 1 FIN; s2c 53 B, 1 FIN"
    done
    # A cancel: the client's RST, and no FIN from it.
    start_serve 1
    within 30 "$DUPLEX" call "127.0.0.1:$port" echo --wire raw \
        --cancel-after 1 --pcap "$tmp/cancel.pcap" >"$tmp/call.out" 2>&1
    wait "$pid"
    tshark -r "$tmp/cancel.pcap" -T fields -e tcp.srcport -e tcp.flags.fin \
        -e tcp.flags.reset 2>/dev/null |
        awk -v p="$port" '$1 != p && ($2 == 1 || $2 == "True") { fin++ }
            $1 != p && ($3 == 1 || $3 == "True") { rst++ }
            END { printf "client FIN %d, RST %d\n", fin, rst }' \
        >"$tmp/cancel.tshark"
    same "call --cancel-after 1 --pcap: the client's RST, no FIN" \
        "$(cat "$tmp/cancel.tshark")" "client FIN 0, RST 1"
else
    echo "skipped: reading --pcap back needs tshark (Debian: tshark)"
fi

# ---- usage --------------------------------------------------------------------
"$DUPLEX" call 127.0.0.1:1 echo --calls 2 --wire raw >"$tmp/out" 2>"$tmp/err"
same "call --wire raw --calls: exit 2" "$?" 2
expect "call --wire raw --calls: says why" "$tmp/err" \
    "^duplex call: --calls works with --wire h2 only$"
"$DUPLEX" call 127.0.0.1:1 chat --wire raw >"$tmp/out" 2>"$tmp/err"
same "call chat --wire raw: exit 2" "$?" 2
expect "call chat --wire raw: says why" "$tmp/err" \
    "^duplex call: chat runs on --wire h2 only"
"$DUPLEX" serve --help >"$tmp/help.out"
expect "serve --help: --wire raw" "$tmp/help.out" "^  --wire raw +gRPC.s frames straight on TCP"
"$DUPLEX" call --help >"$tmp/help.out"
expect "call --help: --wire raw" "$tmp/help.out" "^  --wire raw +gRPC.s frames straight on TCP"

echo "$passed passed, $failed failed"
[ "$failed" = 0 ]
