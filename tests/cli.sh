#!/bin/sh
# tests/cli.sh: end-to-end checks of the real `duplex` binary.
#
#   DUPLEX=build/duplex sh tests/cli.sh
#
# Each check prints "ok - NAME" or "not ok - NAME" (with what went wrong,
# indented by "#"), and the last line is "N passed, M failed". The exit
# status is 1 when anything failed. POSIX sh only: bytes are written with
# printf's octal escapes ('\002'), which every printf(1) understands.
#
# The tests in tests/test_cli.c call cli_main in-process; these check what
# only the real process shows: exit statuses, which stream a message goes
# to, output piped to a file, a decoder that answers before its input
# ends, and that a run is the same from one process to the next (the
# simulator's seed, and the replay command `duplex explore` prints).

DUPLEX=${DUPLEX:-build/duplex}
passed=0
failed=0

tmp=${TMPDIR:-/tmp}/duplex-cli.$$
rm -rf "$tmp"
mkdir "$tmp" || exit 1
trap 'rm -rf "$tmp"' EXIT
trap 'exit 1' INT TERM

# hangcheck (10 s without CPU) or timeout(1) (10 s) turns a hang into a
# failure; without either, checks just run.
if [ -x "${HANGCHECK:-}" ]; then
    limit="$HANGCHECK --idle 10"
elif command -v timeout >/dev/null 2>&1; then
    limit="timeout 10"
else
    limit=""
fi

# printf, not echo: dash's echo would act on a backslash in NAME.
ok() {
    passed=$((passed + 1))
    printf 'ok - %s\n' "$1"
}

# not_ok NAME WHY: WHY is printed below, each line behind "#   ".
not_ok() {
    failed=$((failed + 1))
    printf 'not ok - %s\n' "$1"
    printf '%s\n' "$2" | sed 's/^/#   /'
    if [ -s "$tmp/out" ]; then
        echo "#   stdout:"
        sed 's/^/#     /' "$tmp/out" | head -n 20
    fi
    if [ -s "$tmp/err" ]; then
        echo "#   stderr:"
        sed 's/^/#     /' "$tmp/err" | head -n 20
    fi
}

# duplex ARGS...: runs the binary; stdout, stderr in $tmp, status in $rc.
duplex() {
    $limit "$DUPLEX" "$@" >"$tmp/out" 2>"$tmp/err" </dev/null
    rc=$?
}

# decode BYTES ARGS...: pipes BYTES (a printf format) into duplex decode.
decode() {
    bytes=$1
    shift
    # shellcheck disable=SC2059 # the octal escapes are the point
    printf "$bytes" | $limit "$DUPLEX" decode "$@" >"$tmp/out" 2>"$tmp/err"
    rc=$?
}

# expect NAME STATUS [TEXT-ON-STDOUT...]: the last command's status and
# each text (a fixed string) on its stdout.
expect() {
    name=$1
    want=$2
    shift 2
    if [ "$rc" != "$want" ]; then
        not_ok "$name" "exit status $rc, want $want"
        return
    fi
    for text in "$@"; do
        if ! grep -F -q -e "$text" "$tmp/out"; then
            not_ok "$name" "stdout lacks: $text"
            return
        fi
    done
    ok "$name"
}

# usage_error NAME TEXT-ON-STDERR [COMMAND]: status 2, the text on stderr,
# with the pointer to COMMAND's --help (default: run), and nothing at all
# on stdout.
usage_error() {
    try="Try 'duplex ${3:-run} --help'."
    if [ "$rc" != 2 ]; then
        not_ok "$1" "exit status $rc, want 2"
    elif [ -s "$tmp/out" ]; then
        not_ok "$1" "a usage error printed on stdout"
    elif ! grep -F -q -e "$2" "$tmp/err"; then
        not_ok "$1" "stderr lacks: $2"
    elif ! grep -F -q -e "$try" "$tmp/err"; then
        not_ok "$1" "stderr lacks: $try"
    else
        ok "$1"
    fi
}

[ -x "$DUPLEX" ] || {
    echo "not ok - $DUPLEX is not an executable (make build/duplex)"
    echo "0 passed, 1 failed"
    exit 1
}

# ---- help ------------------------------------------------------------------

duplex --help
if [ -s "$tmp/err" ]; then
    not_ok "--help prints usage on stdout" "stderr is not empty"
else
    expect "--help prints usage on stdout" 0 \
        "usage: duplex COMMAND [options]" "Start with: duplex run echo"
fi

duplex
if [ -s "$tmp/out" ] || ! grep -F -q "usage: duplex" "$tmp/err"; then
    not_ok "no command prints usage on stderr" "want usage on stderr only"
else
    expect "no command prints usage on stderr" 2
fi

duplex --version
expect "--version" 0 "duplex "

# ---- decode: the issue's "done when" checks --------------------------------

decode '\002\000\000\000\001x'
expect "decode: flag 2 is INTERNAL, exit 3" 3 \
    "INTERNAL: grpc: received unexpected payload format 2"

decode '\000\377\377\377\377'
larger="grpc: received message larger than max (4294967295 vs. 4194304)"
expect "decode: oversize header is RESOURCE_EXHAUSTED, exit 3" 3 \
    "RESOURCE_EXHAUSTED: $larger"

# The writer sends an oversize header, then stays open far longer than the
# timeout. decode must answer from the header alone: status 3, not 124
# (killed by timeout), while the writer is still there. A FIFO, not a
# pipeline: a pipeline would wait for the writer's sleep; here the test
# kills it (the subshell execs sleep, so $! is the sleep itself).
name="decode: oversize header answered without waiting for more input"
mkfifo "$tmp/fifo"
(printf '\000\377\377\377\377'; exec sleep 30) >"$tmp/fifo" &
writer=$!
$limit "$DUPLEX" decode <"$tmp/fifo" >"$tmp/out" 2>"$tmp/err"
rc=$?
if kill -0 "$writer" 2>/dev/null; then
    writer_alive=yes
else
    writer_alive=no
fi
kill "$writer" 2>/dev/null
wait "$writer" 2>/dev/null
if [ "$writer_alive" != yes ]; then
    not_ok "$name" "the writer had ended: decode may have waited for EOF"
else
    expect "$name" 3 "RESOURCE_EXHAUSTED: grpc: received message larger"
fi
if kill -0 "$writer" 2>/dev/null; then
    not_ok "decode: the writer does not outlive the test" "pid $writer runs"
else
    ok "decode: the writer does not outlive the test"
fi

decode '\000\000\000\000\005he'
expect "decode: truncated payload is INTERNAL unexpected EOF, exit 3" 3 \
    "INTERNAL: unexpected EOF (payload: 2 of 5 bytes)"

decode '\000\000\000'
expect "decode: truncated header is INTERNAL unexpected EOF, exit 3" 3 \
    "INTERNAL: unexpected EOF (header: 3 of 5 bytes)"

decode '\000\000\000\000\005hello\000\000\000\000\000'
expect "decode: whole frames end in a clean EOF, exit 0" 0 \
    'flag=0 len=5 "hello"' "end: 2 frames, clean EOF"

decode '00 00 00 00 02 68 69\n0x00 0x00 0x00 0x00 0x00\n'
expect "decode: hex text" 0 'flag=0 len=2 "hi"' "end: 2 frames, clean EOF"

# The examples in `duplex decode --help` work as printed, in sh and in dash
# (whose printf has no \x: an example with it would decode garbage, exit
# 3). Each example line is run as it is, with `duplex` on PATH meaning
# $DUPLEX.
mkdir "$tmp/bin" || exit 1
case $DUPLEX in
/*) ln -s "$DUPLEX" "$tmp/bin/duplex" ;;
*) ln -s "$(pwd)/$DUPLEX" "$tmp/bin/duplex" ;;
esac
duplex decode --help
grep '^  .*| duplex decode' "$tmp/out" | sed 's/^  //' >"$tmp/examples"
if [ "$(wc -l <"$tmp/examples")" -lt 2 ]; then
    not_ok "decode --help: has its examples" "fewer than 2 example lines"
fi
for shell in sh dash; do
    command -v "$shell" >/dev/null 2>&1 || continue
    while IFS= read -r example; do
        PATH="$tmp/bin:$PATH" $limit "$shell" -c "$example" \
            >"$tmp/out" 2>"$tmp/err" </dev/null
        rc=$?
        expect "decode --help's example runs in $shell: $example" 0 \
            'flag=0 len=2 "hi"' "end: 1 frame, clean EOF"
    done <"$tmp/examples"
done

decode '' --max-recv nope
if [ "$rc" = 2 ] && [ ! -s "$tmp/out" ] &&
    grep -F -q -e "--max-recv wants bytes" "$tmp/err"; then
    ok "decode: a bad option is a usage error on stderr"
else
    not_ok "decode: a bad option is a usage error on stderr" "exit $rc"
fi

# ---- decode --h2: HTTP/2 frames and the gRPC messages in their DATA ---------

# The preface, SETTINGS, a HEADERS (HPACK: two indexed fields and :path as a
# literal) and a DATA with one message and END_STREAM.
h2_call='PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n\000\000\000\004\000\000\000\000\000'
h2_call=$h2_call'\000\000\032\001\004\000\000\000\001\203\206\004\026'
h2_call=$h2_call'/chat.ChatService/Chat'
h2_call=$h2_call'\000\000\007\000\001\000\000\000\001\000\000\000\000\002hi'
decode "$h2_call" --h2
expect "decode --h2: frames, HPACK fields and the message inside DATA" 0 \
    'client preface "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"' \
    "      24  00 00 00 | 04 | 00 | 00 00 00 00  SETTINGS stream=0 len=0" \
    "HEADERS stream=1 len=26 END_HEADERS" \
    "            :path: /chat.ChatService/Chat" \
    "DATA stream=1 len=7 END_STREAM" \
    '            grpc @0  00 | 00 00 00 02 | 68 69  flag=0 len=2 "hi"' \
    "      84  end: 3 frames, clean EOF"

# Without --h2 the same bytes are no gRPC frames ('P' is flag 0x50).
decode "$h2_call"
if grep -F -q "the input starts with HTTP/2's client preface: try --h2" \
    "$tmp/err"; then
    expect "decode without --h2: the preface is no gRPC frame; try --h2" 3 \
        "RESOURCE_EXHAUSTED: grpc: received message larger than max"
else
    not_ok "decode without --h2: the preface is no gRPC frame; try --h2" \
        "stderr lacks the hint"
fi

decode '000007 00 01 00000001 00 00000002 6869' --h2 --hex
expect "decode --h2 --hex" 0 'flag=0 len=2 "hi"' "end: 1 frame, clean EOF"

decode '\000\100\001\000\000\000\000\000\001' --h2
expect "decode --h2: a frame over SETTINGS_MAX_FRAME_SIZE, exit 3" 3 \
    "INTERNAL: DATA frame at offset 0: length 16385 is above" \
    "SETTINGS_MAX_FRAME_SIZE 16384 (HTTP/2 FRAME_SIZE_ERROR)"

# The same header as the gRPC one above, judged before its payload comes.
name="decode --h2: a frame too long answered without waiting for more input"
rm -f "$tmp/fifo"
mkfifo "$tmp/fifo"
(printf '\000\100\001\000\000\000\000\000\001'; exec sleep 30) >"$tmp/fifo" &
writer=$!
$limit "$DUPLEX" decode --h2 <"$tmp/fifo" >"$tmp/out" 2>"$tmp/err"
rc=$?
if kill -0 "$writer" 2>/dev/null; then
    writer_alive=yes
else
    writer_alive=no
fi
kill "$writer" 2>/dev/null
wait "$writer" 2>/dev/null
if [ "$writer_alive" != yes ]; then
    not_ok "$name" "the writer had ended: decode may have waited for EOF"
else
    expect "$name" 3 "(HTTP/2 FRAME_SIZE_ERROR)"
fi

decode '\000\000\004\000\010\000\000\000\001\007abc' --h2
expect "decode --h2: padding longer than the frame, exit 3" 3 \
    "INTERNAL: DATA frame at offset 0: pad length 7 is more than the 3" \
    "(HTTP/2 PROTOCOL_ERROR)"

decode '\000\000\001\001\004\000\000\000\001\277' --h2
expect "decode --h2: an HPACK error has nghttp2's text, exit 3" 3 \
    "INTERNAL: HEADERS frame at offset 0: HPACK: Header" \
    "compression/decompression error (nghttp2) (HTTP/2 COMPRESSION_ERROR)"

# A bad gRPC message inside DATA: the texts of decode without --h2.
decode '\000\000\006\000\000\000\000\000\001\002\000\000\000\001x' --h2
expect "decode --h2: a bad gRPC flag in DATA, as without --h2" 3 \
    "INTERNAL: grpc: received unexpected payload format 2"
decode '\000\000\011\000\000\000\000\000\001\000\000\000\000\004hell' --h2 \
    --max-recv 3
expect "decode --h2 --max-recv: an oversize message in DATA" 3 \
    "RESOURCE_EXHAUSTED: grpc: received message larger than max (4 vs. 3)"

decode '\000\000\004' --h2
expect "decode --h2: a truncated frame header, exit 3" 3 \
    "INTERNAL: unexpected EOF (header: 3 of 9 bytes)"

# ---- run --wire h2 --trace hexdump: the pipes as HTTP/2 frames ---------------

duplex run echo --wire h2 --trace hexdump
if grep -F -q "INTERNAL" "$tmp/out"; then
    not_ok "run echo --wire h2 --trace hexdump: HTTP/2 frames" \
        "a pipe's bytes did not dissect cleanly"
else
    hello='            grpc @0  00 | 00 00 00 05 | 68 65 6c 6c 6f  flag=0'
    expect "run echo --wire h2 --trace hexdump: HTTP/2 frames" 0 \
        "c2s: " "  offset  length   | ty | fl | stream" \
        'client preface "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"' \
        "            :path: /chat.ChatService/Chat" \
        "$hello len=5 \"hello\"" "            grpc-status: 0" "clean EOF"
fi
# The hub's three clients share one connection: streams 1, 3 and 5 in one
# byte stream each way, dissected to a clean end.
duplex run hub --wire h2 --trace hexdump
expect "run hub --wire h2 --trace hexdump: one connection, streams 1, 3, 5" 0 \
    "00 00 00 01  HEADERS stream=1" "00 00 00 03  HEADERS stream=3" \
    "00 00 00 05  HEADERS stream=5" "frames, clean EOF"
if grep -q "connections, whose pipes share" "$tmp/out"; then
    not_ok "run hub --wire h2 --trace hexdump: no note of several connections"
else
    ok "run hub --wire h2 --trace hexdump: no note of several connections"
fi
# On real threads, 250 clients' calls share 3 connections (100 each at
# most), and the count of threads says so.
duplex run hub --wire h2 --clients 250 --messages 1 --os --trace none
expect "run hub --wire h2 --clients 250 --os: 3 shared connections" 0 \
    "751 threads and 250 streams on 3 connections (12 threads more" \
    "every client got every other client's messages once"
duplex run echo --trace hexdump
expect "run echo --trace hexdump: the raw wire's gRPC frames as before" 0 \
    "  offset  fl | length      | payload" 'flag=0 len=5 "hello"'

# ---- run -------------------------------------------------------------------

duplex run echo
expect "run echo: timeline, half-close, EOF, OK" 0 \
    "simulated with seed 1 (same seed, same run; --os for real threads)" \
    "  step  client                              | server" \
    "CLOSE_SEND" "EOF" "simulated: " "result: OK"

duplex run echo --os
expect "run echo --os: real threads, OK" 0 \
    "real threads (--os): timings and interleavings vary from run to run" \
    " t(us)  client                              | server" \
    "CLOSE_SEND" "EOF" "result: OK (exit 0)"

# Every scenario `duplex list` shows ends with the code in its exit column;
# a "--fix" row belongs to the scenario above it.
name="list: shows the scenarios"
duplex list
cp "$tmp/out" "$tmp/list"
if [ "$rc" = 0 ] && [ "$(sed -n 1p "$tmp/list" | awk '{print $2}')" = exit ]
then
    ok "$name"
else
    not_ok "$name" "exit $rc, or no \"exit\" column"
fi
runs=0
scenario=""
while read -r first code rest; do
    # A row whose summary begins "--wire h2" runs on that wire only.
    case $first in
    scenario) continue ;;
    --fix) args="$scenario --fix$wire" ;;
    *)
        scenario=$first
        case $rest in "--wire h2"*) wire=" --wire h2" ;; *) wire="" ;; esac
        args=$first$wire
        ;;
    esac
    # The simulator with seed 1, as the list documents: one run says it,
    # no retries (only real threads, --os, would need them).
    # shellcheck disable=SC2086 # args is "NAME" or "NAME --fix"
    duplex run $args --trace none
    expect "run $args: exit $code, as listed" "$code" \
        "simulated with seed 1" "result: "
    runs=$((runs + 1))
done <"$tmp/list"
rows=$(($(wc -l <"$tmp/list") - 1))
if [ "$runs" -ge 8 ] && [ "$runs" -eq "$rows" ]; then
    ok "list: every row was run ($runs)"
else
    not_ok "list: every row was run" "$runs runs for $rows rows"
fi

# ---- the simulator: deadlocks, seeds, replays ------------------------------

# Without a deadline nobody can ever move again: the simulator says who
# waits for what (one line), and the run exits 5.
report="deadlock: server waits for data on c2s (empty, writer open);"
report="$report client/recv waits for data on s2c (empty, writer open)."
report="$report Nobody can write: did the client forget stream_close_send?"
duplex run forgot-close-send
expect "run forgot-close-send: a deadlock, exit 5" 5 "$report" \
    "result: DEADLOCK: no thread could ever run again (exit 5)"

duplex run forgot-close-send --timeout 200 --trace none
expect "run forgot-close-send --timeout 200: DEADLINE_EXCEEDED, exit 3" 3 \
    "nobody could move until the 200 ms deadline" \
    "steps, 200 ms of virtual time" \
    "result: DEADLINE_EXCEEDED: context deadline exceeded (exit 3)"

duplex run forgot-close-send --os --trace none
expect "run forgot-close-send --os: a 200 ms deadline, exit 3" 3 \
    "real threads (--os)" "nobody could move until the 200 ms deadline" \
    "result: DEADLINE_EXCEEDED: context deadline exceeded (exit 3)"

# The same seed gives the same run, byte for byte, from process to process.
same_twice() {
    name=$1
    shift
    duplex "$@"
    cp "$tmp/out" "$tmp/first"
    first_rc=$rc
    duplex "$@"
    if [ "$rc" != "$first_rc" ]; then
        not_ok "$name" "exit $first_rc, then exit $rc"
    elif ! cmp -s "$tmp/first" "$tmp/out"; then
        not_ok "$name" "$(diff "$tmp/first" "$tmp/out" | head -n 10)"
    elif ! grep -F -q "simulated: " "$tmp/out"; then
        not_ok "$name" "no \"simulated: \" line"
    else
        ok "$name"
    fi
}
same_twice "run concurrent-senders twice: the same output" \
    run concurrent-senders
same_twice "run concurrent-senders --seed 7 --trace both twice: the same" \
    run concurrent-senders --seed 7 --trace both

# explore finds a failing schedule and prints the command that replays it;
# that command, run as printed, breaks the stream again.
name="explore concurrent-senders --max-preemptions 1: exit 1, a replay"
duplex explore concurrent-senders --max-preemptions 1
expect "$name" 1 "explored " "first failing schedule: " \
    "  replay: duplex run concurrent-senders " "  what broke: "
replay=$(sed -n 's/^  replay: duplex //p' "$tmp/out")
name="the printed replay command exits 4 (garbled)"
if [ -z "$replay" ]; then
    not_ok "$name" "explore printed no replay line"
else
    # shellcheck disable=SC2086 # the command's words, as printed
    duplex $replay
    expect "$name" 4 "simulated, replaying schedule " \
        "(the stream was garbled) (exit 4)"
fi

duplex explore send-after-eof --messages 1
expect "explore send-after-eof --messages 1: nothing fails, exit 0" 0 \
    ": 0 failing (0.0%)"

duplex explore --help
expect "explore --help" 0 "usage: duplex explore SCENARIO [options]" \
    "--max-preemptions K"

# Output piped to a file has no escape sequences, whatever TERM says.
esc=$(printf '\033')
name="output to a file has no escape sequences"
bad=""
for args in "run echo --trace both" "run error-propagation" \
    "run forgot-close-send" "explore concurrent-senders --max-preemptions 1" \
    "list" "--help"
do
    # shellcheck disable=SC2086
    TERM=xterm-256color $limit "$DUPLEX" $args >"$tmp/out" 2>"$tmp/err" \
        </dev/null
    if grep -q "$esc" "$tmp/out" "$tmp/err"; then
        bad="$bad [$args]"
    fi
done
printf '\002\000\000\000\001x' | TERM=xterm-256color "$DUPLEX" decode \
    >"$tmp/out" 2>&1
if grep -q "$esc" "$tmp/out"; then
    bad="$bad [decode]"
fi
if [ -z "$bad" ]; then
    ok "$name"
else
    not_ok "$name" "escapes in:$bad"
fi

# A bad flag: exit 2, the message on stderr, nothing on stdout.
duplex run echo --messages 0
usage_error "run --messages 0" "--messages wants a whole number"
duplex run echo --capacity 2g
usage_error "run --capacity 2g" "--capacity wants bytes"
duplex run echo --timeout abc
usage_error "run --timeout abc" "--timeout wants milliseconds"
duplex run echo --trace bogus
usage_error "run --trace bogus" "--trace wants timeline, hexdump, both or none"
duplex run echo --trace
usage_error "run --trace (no value)" "--trace wants"
duplex run echo --loud
usage_error "run --loud" "unknown option '--loud'"
duplex run nosuch
usage_error "run nosuch" "no scenario 'nosuch'"
duplex run
usage_error "run (no scenario)" "which scenario?"
duplex run echo --fix
usage_error "run echo --fix" "'echo' has no --fix variant"
duplex run cancel-vs-drain --capacity 16
usage_error "run cancel-vs-drain --capacity 16" "needs --capacity of at least"
duplex run echo --seed -1
usage_error "run --seed -1" \
    "--seed wants a whole number from 0 to 9007199254740991"
duplex run echo --replay 3:x
usage_error "run --replay 3:x" "--replay wants a schedule like 3:1,17:0"
duplex run echo --os --seed 1
usage_error "run --os --seed 1" \
    "--os, --seed and --replay choose how to run: give one of them"
duplex explore echo --max-preemptions 9
usage_error "explore --max-preemptions 9" "--max-preemptions wants 0 to 8" \
    explore
duplex explore cancel-vs-drain --capacity 16
usage_error "explore cancel-vs-drain --capacity 16" \
    "needs --capacity of at least" explore

# Output that cannot be written is an I/O error, not a success.
if [ -w /dev/full ]; then
    "$DUPLEX" list >/dev/full 2>"$tmp/err"
    rc=$?
    : >"$tmp/out"
    if [ "$rc" = 1 ] && grep -F -q "cannot write the output" "$tmp/err"; then
        ok "list into a full disk exits 1"
    else
        not_ok "list into a full disk exits 1" "exit $rc"
    fi
fi

# ---- --help takes nothing after it ----------------------------------------

for cmd in list run explore decode recall; do
    duplex "$cmd" --help extra
    usage_error "$cmd --help extra: exit 2" \
        "--help takes nothing after it ('extra')" "$cmd"
done
duplex --help extra
if [ "$rc" = 2 ] && [ ! -s "$tmp/out" ] &&
    grep -F -q "duplex: --help takes nothing after it ('extra')" "$tmp/err"
then
    ok "--help extra: exit 2"
else
    not_ok "--help extra: exit 2" "exit $rc"
fi

# ---- sizes a simulated run cannot take ---------------------------------------

# A simulated run that is still going after 10,000,000 steps is stopped as
# a livelock. Runs that would need more are refused before they start,
# with the limit (this one used to die of SIGABRT after a second).
duplex run echo --messages 300000 --trace none
usage_error "run echo --messages 300000: refused, with the limit" \
    "--messages 300000 does not fit a simulated run of echo"
most=$(sed -n 's/.*so at most \([0-9]*\) fit.*/\1/p' "$tmp/err")

# The limit is the biggest run accepted, and it runs to its end.
name="run echo --messages LIMIT (the limit printed): runs, exit 0"
if [ -z "$most" ]; then
    not_ok "$name" "the message gives no limit"
else
    duplex run echo --messages "$most" --trace none
    steps=$(sed -n 's/^simulated: \([0-9]*\) steps.*/\1/p' "$tmp/out")
    if [ "$rc" = 0 ] && [ -n "$steps" ] && [ "$steps" -le 10000000 ]; then
        ok "$name ($most messages, $steps steps)"
    else
        not_ok "$name" "exit $rc, steps '$steps', for $most messages"
    fi
    duplex run echo --messages $((most + 1)) --trace none
    usage_error "run echo --messages LIMIT+1: refused" "so at most $most fit"
fi

# Every scenario of the list, with --fix where it has one, at the largest
# --messages: refused before the run, never a signal.
scenario=""
while read -r first code rest; do
    case $first in
    scenario) continue ;;
    --fix) args="$scenario --fix$wire" ;;
    *)
        scenario=$first
        case $rest in "--wire h2"*) wire=" --wire h2" ;; *) wire="" ;; esac
        args=$first$wire
        ;;
    esac
    # Two scenarios refuse pipes that wide (their lessons need pipes that
    # their messages fill): they are tried with pipes of 64 bytes.
    cap=350m
    case $scenario in both-hot | one-thread-client) cap=64 ;; esac
    # shellcheck disable=SC2086 # args is "NAME" or "NAME --fix"
    duplex run $args --messages 10000000 --capacity $cap --trace none
    usage_error "run $args --messages 10000000: refused, with the limit" \
        "--messages 10000000 does not fit a simulated run of $scenario"
done <"$tmp/list"

duplex run hub --clients 20 --messages 1000 --capacity 1 --trace none
usage_error "run hub --clients 20 --capacity 1 --messages 1000: refused" \
    "so at most "
duplex explore hub --messages 10000 --capacity 1
usage_error "explore hub --messages 10000 --capacity 1: refused" \
    "so at most " explore

# A replay naming a decision no run reaches is refused before anything is
# allocated for it (it used to take about 99 MB first).
duplex run echo --replay 100000000:1
usage_error "run echo --replay 100000000:1: refused at once" \
    "decision 100000000 is past the end of any simulated run"

# ---- out of memory -----------------------------------------------------------

# decode holds a frame whole before it prints it, so a 2 GiB frame that
# --max-recv allows needs 2 GiB. Under `ulimit -v` it runs out: that is
# RESOURCE_EXHAUSTED, exit 3, with a message, in hex mode too. A sanitizer
# reserves far more address space than such a limit allows, so a binary
# that cannot start under it skips these checks and says why.
vlimit=200000
under_limit() {
    # shellcheck disable=SC2016 # expanded by the inner shell
    $limit sh -c 'ulimit -v "$1" && shift && exec "$@"' sh "$vlimit" "$@"
}
if ! under_limit "$DUPLEX" --version >/dev/null 2>&1; then
    echo "skip - decode out of memory: $DUPLEX does not start under" \
        "ulimit -v $vlimit (built with a sanitizer?)"
else
    { printf '\000\000\000\000\002hi\000\200\000\000\000'
        head -c 300000000 /dev/zero; } |
        under_limit "$DUPLEX" decode --max-recv 4294967295 \
            >"$tmp/out" 2>"$tmp/err"
    rc=$?
    expect "decode: out of memory is RESOURCE_EXHAUSTED, exit 3" 3 \
        'flag=0 len=2 "hi"' \
        "RESOURCE_EXHAUSTED: out of memory holding a 2147483648-byte message"
    if grep -F -q "duplex decode: out of memory holding" "$tmp/err"; then
        ok "decode: out of memory is said on stderr too"
    else
        not_ok "decode: out of memory is said on stderr too" "stderr lacks it"
    fi
    { printf '00 00 00 00 02 68 69 00 80 00 00 00 '
        head -c 300000000 /dev/zero | tr '\000' '0'; } |
        under_limit "$DUPLEX" decode --hex --max-recv 4294967295 \
            >"$tmp/out" 2>"$tmp/err"
    rc=$?
    expect "decode --hex: out of memory is RESOURCE_EXHAUSTED, exit 3" 3 \
        'flag=0 len=2 "hi"' \
        "RESOURCE_EXHAUSTED: out of memory holding a 2147483648-byte message"
fi

# ---- call chat against serve: the chat session over loopback --------------
# `duplex call HOST:PORT chat` runs the chat scenario's client against
# serve's /chat.ChatService/Session, whose handler is the scenario's own
# server: both sides say what they counted.
"$DUPLEX" serve --calls 2 --idle 10000 >"$tmp/serve.out" 2>&1 &
serve_pid=$!
port=""
for _ in $(seq 1 100); do # bounded: at most 10 s
    port=$(sed -n 's/^listening on 127.0.0.1:\([0-9]*\)$/\1/p' \
        "$tmp/serve.out" 2>/dev/null)
    [ -n "$port" ] && break
    sleep 0.1
done
duplex call "127.0.0.1:$port" chat --messages 4
expect "call chat: the session against serve, exit 0" 0 \
    "duplex call 127.0.0.1:$port chat: /chat.ChatService/Session" \
    'RECV 0|13 "WELCOME alice"' 'RECV 0|5 "ACK 4"' 'RECV 0|9 "BYE alice"' \
    "client/send sent JOIN, waited for the WELCOME, then 4 TEXTs and CloseSend" \
    "client/recv checked 6 replies: WELCOME alice, ACK 1 to ACK 4 in order, BYE alice" \
    "then EOF: the server finished the session with OK"
duplex call "127.0.0.1:$port" echo --messages 1
expect "call echo: serve's /chat.ChatService/Chat is still the echo" 0 \
    "client/recv got 1 replies, then EOF: the server finished the call with OK"
wait "$serve_pid" # serve exits after its 2 calls (or 10 s idle)
rc=$?
cp "$tmp/serve.out" "$tmp/out"
: >"$tmp/err"
expect "serve: what the session did, from its counts" 0 \
    "call /chat.ChatService/Session" 'call SEND 0|5 "ACK 4"' \
    "server: JOIN from alice, WELCOME, 4 TEXT acked, BYE, OK" \
    "server echoed 1 of 1, saw EOF on c2s, and finished with OK" \
    "served 2 calls"

for opt in "--size 10" "--cancel-after 1" "--calls 2" "--senders 2"; do
    # shellcheck disable=SC2086 # the option and its value: two words
    duplex call 127.0.0.1:1 chat $opt
    usage_error "call chat $opt: a usage error" \
        "${opt% *} is the echo's: chat takes --messages, --timeout and --pcap" \
        call
done
duplex call 127.0.0.1:1 hub
usage_error "call hub: only echo and chat call a real server" \
    "'hub': only echo and chat can call a real server so far" call

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
