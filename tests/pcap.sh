#!/bin/sh
# tests/pcap.sh: --pcap FILE, read back by tshark (Wireshark's dissectors).
#
#   DUPLEX=build/duplex sh tests/pcap.sh
#
# Without tshark it prints "skipped: tshark not installed" and passes
# (make check runs it everywhere; .ci/run installs tshark). Checks:
#   - the file itself: pcap's nanosecond magic, LINKTYPE_RAW (od)
#   - run --wire raw: SYN, the gRPC frames' exact bytes each way in order
#     (tcp.payload), a FIN each way, sequence numbers that add up
#   - run --wire h2: tshark dissects HTTP/2 and gRPC: HEADERS with :path
#     /chat.ChatService/Chat, each message's length in DATA, END_STREAM,
#     the trailers' grpc-status 0
#   - serve and call over a real socket, each with its own --pcap: the
#     same dissection in both files, and call --cancel-after 1's
#     RST_STREAM(CANCEL) on its stream
#   - a FILE that cannot be written: exit 1 and the system's words
# The server's messages are raw bytes, not protobuf: tshark is told so
# (--disable-protocol protobuf) and then shows each gRPC message's length.

cd "$(dirname "$0")/.." || exit 1

DUPLEX=${DUPLEX:-build/duplex}
tap_name=pcap tap_out=20 tap_err=5
. tests/tap.sh

if ! command -v tshark >/dev/null 2>&1; then
    echo "skipped: tshark not installed (apt-get install tshark)"
    echo "0 passed, 0 failed"
    exit 0
fi

# tshark warns when run as root; that line is not what is checked.
shark() { tshark "$@" 2>/dev/null; }

# expect NAME FILE PATTERN: FILE has a line matching PATTERN (grep -E).
expect() {
    if grep -Eq -- "$3" "$2"; then
        ok "$1"
    else
        printf '%s\n' "no line matches: $3" >"$tmp/why"
        cp "$2" "$tmp/out"
        not_ok "$1" "$(cat "$tmp/why")"
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

# ---- the file itself ------------------------------------------------------
"$DUPLEX" run echo --pcap "$tmp/raw.pcap" >"$tmp/run.out" 2>&1
same "run --pcap: exit 0" "$?" 0
expect "run --pcap: says what it wrote" "$tmp/run.out" \
    "^wrote $tmp/raw.pcap: c2s 35 of 35 bytes, s2c 53 of 53 \(127.0.0.1:49152 -> 127.0.0.1:50051\)$"
same "the header: nanosecond pcap 2.4, snaplen 262144, LINKTYPE_RAW (101)" \
    "$(od -An -tx1 -N24 "$tmp/raw.pcap" | tr -s ' \n' ' ')" \
    " 4d 3c b2 a1 02 00 04 00 00 00 00 00 00 00 00 00 00 00 04 00 65 00 00 00 "

# ---- run --wire raw: the bytes, in order, with SYN and FIN ------------------
shark -r "$tmp/raw.pcap" -T fields -e tcp.srcport -e tcp.flags.str \
    -e tcp.payload >"$tmp/raw.fields"
# tshark marks each flag with a letter and each flag not set with a dot
# (U+00B7); keep the letters.
flags() { awk -F'\t' -v p="$1" '$1 == p { print $2 }' "$tmp/raw.fields" |
    tr -cd 'SAPFR\n' | tr '\n' ' '; }
payload() { awk -F'\t' -v p="$1" '$1 == p { printf "%s", $3 }' "$tmp/raw.fields"; }
same "raw: the client's flags: SYN, ACK, 3 data, FIN" "$(flags 49152)" \
    "S A AP AP AP AF "
same "raw: the server's flags: SYN+ACK, 3 data, FIN" "$(flags 50051)" \
    "AS AP AP AP AF "
hex() { printf '%s' "$1" | od -An -tx1 | tr -d ' \n'; }
frame() { printf '00%08x%s' "${#1}" "$(hex "$1")"; }
same "raw: c2s carries the three gRPC frames, byte for byte" \
    "$(payload 49152)" \
    "$(frame hello)$(frame 'how are you?')$(frame bye)"
same "raw: s2c carries the three echoes, byte for byte" "$(payload 50051)" \
    "$(frame 'echo: hello')$(frame 'echo: how are you?')$(frame 'echo: bye')"
shark -r "$tmp/raw.pcap" -T fields -e tcp.srcport -e tcp.flags.fin \
    -e tcp.seq -e tcp.ack -Y tcp.flags.fin==1 >"$tmp/fin.fields"
same "raw: each FIN's sequence number is 1 + the bytes sent (35, 53)" \
    "$(awk '{ printf "%s:%s ", $1, $3 }' "$tmp/fin.fields")" \
    "49152:36 50051:54 "

# ---- run --wire h2: HTTP/2 and gRPC, dissected --------------------------------
check_h2() { # NAME FILE PORT: the echo's call in FILE, dissected
    shark -r "$2" -d "tcp.port==$3,http2" --disable-protocol protobuf \
        -O http2,grpc -V >"$tmp/$1.txt"
    expect "$1: HEADERS with :path /chat.ChatService/Chat" "$tmp/$1.txt" \
        "Header: :path: /chat.ChatService/Chat$"
    expect "$1: content-type application/grpc" "$tmp/$1.txt" \
        "Header: content-type: application/grpc$"
    for n in 5 12 3 11 18 9; do
        expect "$1: a gRPC message of $n bytes in DATA" "$tmp/$1.txt" \
            "^ +Message Length: $n$"
    done
    expect "$1: END_STREAM on the client's side" "$tmp/$1.txt" \
        "End Stream: True"
    expect "$1: trailers with grpc-status 0" "$tmp/$1.txt" \
        "Header: grpc-status: 0$"
    if grep -q "Malformed" "$tmp/$1.txt"; then
        cp "$tmp/$1.txt" "$tmp/out"
        not_ok "$1: nothing malformed" "tshark found a malformed packet"
    else
        ok "$1: nothing malformed"
    fi
}
"$DUPLEX" run echo --wire h2 --pcap "$tmp/h2.pcap" >"$tmp/run.out" 2>&1
same "run --wire h2 --pcap: exit 0" "$?" 0
check_h2 "run --wire h2" "$tmp/h2.pcap" 50051

# ---- serve and call, over a real socket -------------------------------------
start_serve() { # CALLS FILE: serve in the background; sets pid and port
    "$DUPLEX" serve --calls "$1" --idle 20000 --pcap "$2" >"$tmp/serve.out" \
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

start_serve 2 "$tmp/serve.pcap"
within 30 "$DUPLEX" call "127.0.0.1:$port" echo --pcap "$tmp/call.pcap" \
    >"$tmp/call.out" 2>&1
same "call --pcap: exit 0" "$?" 0
within 30 "$DUPLEX" call "127.0.0.1:$port" echo --messages 3 \
    --cancel-after 1 --pcap "$tmp/cancel.pcap" >"$tmp/cancel.out" 2>&1
same "call --cancel-after 1 --pcap: exit 1 (CANCELLED)" "$?" 1
wait "$pid"
same "serve --pcap: exit 0" "$?" 0
check_h2 "call" "$tmp/call.pcap" "$port"
shark -r "$tmp/call.pcap" -T fields -e tcp.flags.syn -e tcp.flags.fin \
    >"$tmp/call.flags"
same "call: SYN and SYN+ACK, then a FIN each way" \
    "$(awk '$1 == 1 || $2 == 1 { printf "%s%s ", $1, $2 }' "$tmp/call.flags")" \
    "10 10 01 01 "
shark -r "$tmp/serve.pcap" -d "tcp.port==$port,http2" \
    --disable-protocol protobuf -O http2 -V >"$tmp/serve.txt"
same "serve: both calls' connections in one file" \
    "$(shark -r "$tmp/serve.pcap" -Y 'tcp.flags.syn==1 && tcp.flags.ack==0' |
        wc -l | tr -d ' ')" 2
expect "serve: the request's :path" "$tmp/serve.txt" \
    "Header: :path: /chat.ChatService/Chat$"
expect "serve: the trailers' grpc-status 0" "$tmp/serve.txt" \
    "Header: grpc-status: 0$"
shark -r "$tmp/cancel.pcap" -d "tcp.port==$port,http2" -O http2 -V \
    >"$tmp/cancel.txt"
expect "call --cancel-after: RST_STREAM on stream 1" "$tmp/cancel.txt" \
    "Stream: RST_STREAM, Stream ID: 1"
expect "call --cancel-after: its error code is CANCEL" "$tmp/cancel.txt" \
    "Error: CANCEL \(8\)"
expect "serve: the client's RST_STREAM(CANCEL) is in serve's file too" \
    "$tmp/serve.txt" "Error: CANCEL \(8\)"

# ---- a file that cannot be written ------------------------------------------
"$DUPLEX" run echo --pcap /nonexistent/x.pcap >"$tmp/out" 2>"$tmp/err"
same "run --pcap /nonexistent/x.pcap: exit 1" "$?" 1
expect "run --pcap /nonexistent/x.pcap: says why" "$tmp/err" \
    "^duplex run: cannot write the capture to /nonexistent/x.pcap: No such file or directory$"

echo "$passed passed, $failed failed"
[ "$failed" = 0 ]
