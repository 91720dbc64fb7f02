#!/bin/sh
# tests/valgrind.sh: every scenario under Valgrind's memcheck.
#
#   DUPLEX=build/duplex sh tests/valgrind.sh        (make valgrind)
#
# Each row of `duplex list` runs simulated (seed 1, the scenario's own
# options: the exit code the list documents) and on real threads (--os,
# a few messages); then `duplex explore`, `duplex decode` (whole frames
# and bad ones) and `duplex recall`. Every run must end with the exit
# status it documents, no memcheck error, and nothing in use at exit
# ("All heap blocks were freed"): leaks of every kind count, still
# reachable included.
#
# That also proves every thread was joined: a thread that was never
# joined (still running or not) keeps its stack and TLS, which memcheck
# reports as a block from pthread_create in use at exit.
#
# Each check prints "ok - ..." or "not ok - ..." (with the exit status,
# memcheck's summary and its first records, behind "#"), and the last
# line is "N passed, M failed (S s)". The exit status is 1 when anything
# failed. VALGRIND names the valgrind to use; DUPLEX is relative to the
# top of the tree.

cd "$(dirname "$0")/.." || exit 1

DUPLEX=${DUPLEX:-build/duplex}
VALGRIND=${VALGRIND:-valgrind}
VG_FLAGS="--tool=memcheck --leak-check=full --show-leak-kinds=all
  --errors-for-leak-kinds=all --error-exitcode=99 --track-fds=no"

# Scenarios whose bug shows in some schedules only (the racy flag of their
# row, in src/scenarios/concurrent-senders.c and quota.c): on real threads either outcome is right. `make stress`
# counts how often the simulator finds it.
RACY="concurrent-senders concurrent-senders-quota"

runs=0
start=$(date +%s)

tap_name=valgrind
# Valgrind's scheduler polls even when every thread is blocked, so a hang
# under it never looks idle: half an hour is the backstop (a run takes
# about a second).
HANGCHECK_MAX=1800
. tests/tap.sh

finish() {
    echo "# runs under memcheck: $runs"
    echo "$passed passed, $failed failed ($(($(date +%s) - start)) s)"
    [ "$failed" -eq 0 ]
    exit
}

# one_of CODE "A B ...": whether CODE is in the list.
one_of() {
    case " $2 " in
    *" $1 "*) return 0 ;;
    *) return 1 ;;
    esac
}

# memcheck WANT ARGS...: runs duplex ARGS under memcheck, stdin from
# $stdin (described by $note in the check's name), and checks the run.
# WANT lists the exit statuses allowed.
memcheck() {
    want=$1
    shift
    name="duplex $*${note:+ (stdin: $note)}"
    # shellcheck disable=SC2086 # VG_FLAGS is a list of words
    within 300 "$VALGRIND" $VG_FLAGS --log-file="$tmp/vg" "$DUPLEX" "$@" \
        <"$stdin" >"$tmp/out" 2>"$tmp/err"
    rc=$?
    runs=$((runs + 1))
    why=""
    if [ "$rc" = 124 ]; then
        why="timed out (300 s)"
    elif [ "$rc" != 99 ] && ! one_of "$rc" "$want"; then
        why="exit $rc, want $(echo "$want" | sed 's/ / or /g')"
    fi
    if ! grep -q "ERROR SUMMARY: 0 errors" "$tmp/vg" 2>/dev/null; then
        why="$why${why:+; }memcheck reports errors"
    fi
    if ! grep -q -e "All heap blocks were freed" \
        -e "in use at exit: 0 bytes in 0 blocks" "$tmp/vg" 2>/dev/null; then
        why="$why${why:+; }memory still in use at exit"
    fi
    if [ "$rc" = 99 ] && [ -z "$why" ]; then
        why="exit 99: memcheck's exit status for errors"
    fi
    if [ -z "$why" ]; then
        ok "$name: exit $rc, 0 errors, all heap blocks freed"
        return
    fi
    if grep -q "pthread_create" "$tmp/vg" 2>/dev/null; then
        why="$why
a block from pthread_create is in use at exit: a thread was not joined"
    fi
    if grep -q "worker_get" "$tmp/vg" 2>/dev/null; then
        why="$why
blocks from fiber_worker_get (src/core/fiber.c) are in use at exit: parked simulator
workers were not released"
    fi
    not_ok "$name" "$why"
    # The summaries first, then the first records, without the pid prefix.
    sed -n 's/^==[0-9]*== //p' "$tmp/vg" 2>/dev/null >"$tmp/log"
    echo "#   memcheck:"
    grep -e "in use at exit" -e "definitely lost:" -e "indirectly lost:" \
        -e "possibly lost:" -e "still reachable:" -e "ERROR SUMMARY" \
        "$tmp/log" | awk '!seen[$0]++' | sed 's/^/#     /'
    sed -e '1,/^Command: /d' -e '/^LEAK SUMMARY:/,$d' -e '/^ *$/d' \
        -e '/^Parent PID: /d' -e '/^HEAP SUMMARY:/d' -e '/in use at exit:/d' \
        -e '/total heap usage:/d' -e '/ERROR SUMMARY:/d' -e '/^For lists of/d' \
        -e '/^All heap blocks/d' "$tmp/log" | head -n 60 | sed 's/^/#     /'
    if [ -s "$tmp/err" ]; then
        echo "#   stderr:"
        head -n 10 "$tmp/err" | sed 's/^/#     /'
    fi
}

if ! command -v "$VALGRIND" >/dev/null 2>&1; then
    not_ok "valgrind is installed" \
        "no '$VALGRIND' (Debian/Ubuntu: apt-get install valgrind)"
    finish
fi
if [ ! -x "$DUPLEX" ]; then
    not_ok "$DUPLEX is an executable" "make build/duplex first"
    finish
fi
: >"$tmp/empty"
stdin=$tmp/empty

# ---- every scenario: simulated, then on real threads -----------------------

# `duplex list` has a header, then one row per scenario ("NAME CODE ...")
# and a "--fix CODE ..." row below a scenario that has a corrected variant.
# Rows become "ARGS|CODE" lines.
if ! NO_COLOR=1 "$DUPLEX" list >"$tmp/list" 2>"$tmp/err"; then
    not_ok "duplex list" "exit $?: $(cat "$tmp/err")"
    finish
fi
scenario=""
while read -r first code rest; do
    case $code in
    [0-9]) ;;
    *) continue ;; # the header, or a line that is not a row
    esac
    # A row whose summary begins "--wire h2" runs on that wire only.
    case $first in
    --fix) [ -n "$scenario" ] && echo "$scenario --fix|$code" ;;
    -*) ;;
    *)
        scenario=$first
        case $rest in "--wire h2"*) scenario="$first --wire h2" ;; esac
        echo "$scenario|$code"
        ;;
    esac
done <"$tmp/list" >"$tmp/rows"
rows=$(wc -l <"$tmp/rows")
if [ "$rows" -ge 9 ]; then
    ok "duplex list: $rows rows"
else
    not_ok "duplex list: a row per scenario" "$rows rows (9 or more wanted) in:
$(cat "$tmp/list")"
fi

while IFS='|' read -r args code; do
    # shellcheck disable=SC2086 # args is "NAME" or "NAME --fix"
    memcheck "$code" run $args --trace both
done <"$tmp/rows"

# On real threads a scenario that deadlocks when simulated gets a 200 ms
# deadline instead (exit 3), and a racy one may or may not show its bug.
while IFS='|' read -r args code; do
    want=$code
    case $args in
    *" --fix") ;;
    *)
        if [ "$code" = 5 ]; then
            want=3
        fi
        if one_of "$args" "$RACY"; then
            want="0 $want"
        fi
        ;;
    esac
    # 3 messages keep Valgrind quick; a scenario that needs more to show
    # its lesson says how many ("needs --messages N or more"), and gets N.
    # shellcheck disable=SC2086
    n=$("$DUPLEX" run $args --messages 3 --trace none 2>&1 >/dev/null |
        sed -n 's/.* needs --messages \([0-9]*\) or more.*/\1/p')
    # shellcheck disable=SC2086
    memcheck "$want" run $args --os --messages "${n:-3}" --trace both
done <"$tmp/rows"

# A deadline, in virtual time; a replayed schedule; a usage error.
memcheck 3 run forgot-close-send --timeout 5000 --trace none
memcheck 4 run concurrent-senders --messages 2 --replay 25:1 --trace hexdump
memcheck 2 run echo --messages 0

# ---- explore ---------------------------------------------------------------

memcheck 0 explore echo --max-schedules 200
memcheck 1 explore concurrent-senders --max-preemptions 1
memcheck 1 explore concurrent-senders-quota --seeds 200
memcheck 0 explore forgot-close-send --seeds 200

# ---- decode: whole frames, bad ones, hex ---------------------------------

decode() {
    want=$1
    bytes=$2
    shift 2
    # shellcheck disable=SC2059 # the octal escapes are the point
    printf "$bytes" >"$tmp/in"
    stdin=$tmp/in
    note=$bytes
    memcheck "$want" decode "$@"
    note=""
    stdin=$tmp/empty
}
decode 0 '\000\000\000\000\005hello\000\000\000\000\000'
decode 0 '00 00 00 00 02 68 69\n0x00 0x00 0x00 0x00 0x00\n' --hex
decode 3 '\002\000\000\000\001x'
decode 3 '\000\377\377\377\377'
decode 3 '\000\000\000\000\005he'
decode 3 '\001\000\000\000\001x'
decode 0 '\001\000\000\000\001x' --encoding gzip
decode 2 'zz' --hex

# ---- recall: the cards, and a short drill ----------------------------------

if [ -d lesson ]; then
    export DUPLEX_STATE_DIR="$tmp/state"
    memcheck 0 recall --list
    printf '\ng\n\na\nq\n' >"$tmp/in"
    stdin=$tmp/in
    memcheck 0 recall --limit 2 --seed 3
    stdin=$tmp/empty
fi

finish
