#!/bin/sh
# tests/stress.sh: every scenario across many seeds, and on real threads
# under ThreadSanitizer.
#
#   sh tests/stress.sh                              (make stress)
#   STRESS_SEEDS=1000000 STRESS_OS_RUNS=50 sh tests/stress.sh
#
# It builds what it needs first: DUPLEX (default build/duplex) and
# DUPLEX_TSAN (default build/tsan/duplex, built with -fsanitize=thread),
# each in the directory its path names, relative to the top of the tree.
#
#   1. Simulated: `duplex explore ROW --seeds N` for every row of `duplex
#      list` (a scenario, or its --fix), at explore's default message count
#      (STRESS_SEEDS seeds, default 100000) and at 8 messages (a tenth as
#      many). explore checks each run against what the scenario documents.
#      A racy scenario's bug must show in some seeds (explore exits 1), and
#      the first failing seed, replayed with `duplex run`, must break the
#      same way; every other row must have no failing seed (exit 0).
#   2. Real threads under TSan: `duplex run ROW --os` STRESS_OS_RUNS times
#      (default 10). Each run ends with the row's documented exit code (a
#      scenario that deadlocks when simulated gets a 200 ms deadline on
#      real threads: exit 3; a racy one may or may not show its bug), and
#      ThreadSanitizer reports nothing (halt_on_error=1, exitcode=66).
#   3. The simulator under TSan: `duplex explore ROW --seeds 200`, as in 1.
#
# Each check prints "ok - ..." or "not ok - ..." (what went wrong behind
# "#"); the totals, then "N passed, M failed (S s)", come last. The exit
# status is 1 when anything failed.

cd "$(dirname "$0")/.." || exit 1

DUPLEX=${DUPLEX:-build/duplex}
DUPLEX_TSAN=${DUPLEX_TSAN:-build/tsan/duplex}
STRESS_SEEDS=${STRESS_SEEDS:-100000}
STRESS_OS_RUNS=${STRESS_OS_RUNS:-10}

# Scenarios whose bug shows in some schedules only (the racy flag of their
# row, in src/scenarios/concurrent-senders.c and quota.c): exploring them must find failing seeds, and on real
# threads either outcome is right.
RACY="concurrent-senders concurrent-senders-quota"

TSAN_OPTIONS="${TSAN_OPTIONS:+$TSAN_OPTIONS }halt_on_error=1 exitcode=66"
export TSAN_OPTIONS

seeds_run=0
os_runs=0
start=$(date +%s)

tap_name=stress tap_out=20 tap_err=40
. tests/tap.sh

finish() {
    echo "# seeds run (simulated): $seeds_run; OS runs under TSan: $os_runs"
    echo "$passed passed, $failed failed ($(($(date +%s) - start)) s)"
    [ "$failed" -eq 0 ]
    exit
}

one_of() {
    case " $2 " in
    *" $1 "*) return 0 ;;
    *) return 1 ;;
    esac
}

# is_count VALUE LO HI: VALUE is a whole number in [LO, HI].
is_count() {
    case $1 in
    '' | *[!0-9]*) return 1 ;;
    esac
    [ "${#1}" -le 9 ] && [ "$1" -ge "$2" ] && [ "$1" -le "$3" ]
}

is_count "$STRESS_SEEDS" 10 10000000 || {
    not_ok "STRESS_SEEDS=$STRESS_SEEDS" "want a whole number, 10 to 10000000"
    finish
}
is_count "$STRESS_OS_RUNS" 1 100000 || {
    not_ok "STRESS_OS_RUNS=$STRESS_OS_RUNS" "want a whole number, 1 to 100000"
    finish
}

# ---- build -----------------------------------------------------------------

# build BINARY MAKE-ARGS...: make BINARY in the directory it lives in.
build() {
    bin=$1
    shift
    if make -s BUILD="$(dirname "$bin")" "$@" "$bin" >"$tmp/out" 2>"$tmp/err"
    then
        ok "build $bin"
    else
        not_ok "build $bin" "make failed"
        finish
    fi
}
: >"$tmp/out"
: >"$tmp/err"
build "$DUPLEX"
build "$DUPLEX_TSAN" OPT='-O1 -g' SAN=-fsanitize=thread

# ---- the rows of `duplex list` ---------------------------------------------

# A header, then "NAME CODE ..." per scenario and "--fix CODE ..." below a
# scenario with a corrected variant. Rows become "ARGS|CODE" lines.
if ! NO_COLOR=1 "$DUPLEX" list >"$tmp/list" 2>"$tmp/err"; then
    not_ok "duplex list" "exit status $?"
    finish
fi
scenario=""
while read -r first code rest; do
    case $code in
    [0-9]) ;;
    *) continue ;;
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
    not_ok "duplex list: a row per scenario" "$rows rows (9 or more wanted)"
fi
for name in $RACY; do
    if ! grep -q "^$name|" "$tmp/rows"; then
        not_ok "duplex list has $name" "RACY names a scenario the list lacks"
    fi
done

# racy ARGS: whether ARGS ("NAME [OPTIONS]") run a racy scenario without
# its --fix.
racy() {
    case " $1 " in
    *" --fix "*) return 1 ;;
    esac
    one_of "${1%% *}" "$RACY"
}

# ---- 1. simulated, across seeds --------------------------------------------

# explore BINARY SEEDS ARGS...: explores, checks the verdict. Leaves the
# schedules explored in $explored. $tag starts the check's name.
explore() {
    bin=$1
    seeds=$2
    shift 2
    args=$*
    name="${tag}duplex explore $args --seeds $seeds"
    # shellcheck disable=SC2086 # ARGS are words
    within 600 "$bin" explore $args --seeds "$seeds" >"$tmp/out" 2>"$tmp/err"
    rc=$?
    explored=$(sed -n 's/^explored \([0-9]*\) schedules.*/\1/p' "$tmp/out")
    failing=$(sed -n 's/^explored .*: \([0-9]*\) failing .*/\1/p' "$tmp/out")
    if grep -q "ThreadSanitizer" "$tmp/err"; then
        not_ok "$name" "ThreadSanitizer reported (exit $rc)"
    elif [ "$explored" != "$seeds" ]; then
        not_ok "$name" "exit $rc; explored '$explored' schedules, not $seeds"
    elif racy "$args"; then
        if [ "$rc" != 1 ] || [ "${failing:-0}" -eq 0 ]; then
            not_ok "$name" "exit $rc, $failing failing: the bug should show"
        else
            replay "$name" "$bin"
        fi
    elif [ "$rc" != 0 ] || [ "$failing" != 0 ]; then
        not_ok "$name" "exit $rc, $failing failing: want exit 0, none"
    else
        ok "$name: $explored seeds, 0 failing"
    fi
}

# replay NAME BINARY: runs the replay command explore printed; it must
# break the way explore said (exit 3, 4 or 5, the same status).
replay() {
    cmd=$(sed -n 's/^  replay: duplex //p' "$tmp/out")
    broke=$(sed -n 's/^  what broke: \([A-Z_]*\).*/\1/p' "$tmp/out")
    if [ -z "$cmd" ] || [ -z "$broke" ]; then
        not_ok "$1" "explore printed no replay command or no 'what broke'"
        return
    fi
    # shellcheck disable=SC2086 # the command's words, as printed
    within 60 "$2" $cmd --trace none >"$tmp/out" 2>"$tmp/err"
    rc=$?
    if ! one_of "$rc" "3 4 5"; then
        not_ok "$1" "the replay 'duplex $cmd' exits $rc, want 3, 4 or 5"
    elif ! grep -q "^result: $broke" "$tmp/out"; then
        not_ok "$1" "the replay 'duplex $cmd' does not end with $broke"
    else
        ok "$1: $explored seeds, $failing failing, as documented;\
 the replay exits $rc"
    fi
}

tag=""
while IFS='|' read -r args code; do
    # shellcheck disable=SC2086
    explore "$DUPLEX" "$STRESS_SEEDS" $args
    seeds_run=$((seeds_run + ${explored:-0}))
done <"$tmp/rows"

# Longer runs: more frames in flight, more places to switch.
long=$((STRESS_SEEDS / 10))
while IFS='|' read -r args code; do
    # shellcheck disable=SC2086
    explore "$DUPLEX" "$long" $args --messages 8
    seeds_run=$((seeds_run + ${explored:-0}))
done <"$tmp/rows"

# A deadline instead of a deadlock: DEADLINE_EXCEEDED in every seed.
explore "$DUPLEX" "$long" forgot-close-send --timeout 100
seeds_run=$((seeds_run + ${explored:-0}))

# ---- 2. real threads under ThreadSanitizer ---------------------------------

# os_want ARGS CODE: the exit codes a real-thread run may end with.
os_want() {
    want=$2
    case $1 in
    *" --fix") ;;
    *)
        if [ "$2" = 5 ]; then
            want=3
        fi
        if racy "$1"; then
            want="0 $want"
        fi
        ;;
    esac
    echo "$want"
}

while IFS='|' read -r args code; do
    want=$(os_want "$args" "$code")
    name="tsan: duplex run $args --os, $STRESS_OS_RUNS times"
    tally=""
    bad=""
    i=0
    while [ "$i" -lt "$STRESS_OS_RUNS" ]; do
        i=$((i + 1))
        # shellcheck disable=SC2086
        within 30 "$DUPLEX_TSAN" run $args --os --trace both \
            >"$tmp/out" 2>"$tmp/err"
        rc=$?
        os_runs=$((os_runs + 1))
        tally="$tally $rc"
        if [ "$rc" = 124 ]; then
            bad="run $i: hung (killed after 30 s)"
        elif grep -q "ThreadSanitizer" "$tmp/err" || [ "$rc" = 66 ]; then
            bad="run $i: ThreadSanitizer reported (exit $rc)"
        elif ! one_of "$rc" "$want"; then
            bad="run $i: exit $rc, want $(echo "$want" | sed 's/ / or /g')"
        fi
        [ -n "$bad" ] && break
    done
    if [ -n "$bad" ]; then
        not_ok "$name" "$bad"
    else
        # "exit 0 x7, 4 x3": how often each code came.
        # shellcheck disable=SC2086 # one code a line
        counts=$(printf '%s\n' $tally | sort -n | uniq -c |
            awk '{ printf "%s%s x%s", (NR > 1 ? ", " : ""), $2, $1 }')
        ok "$name: exit $counts, no ThreadSanitizer report"
    fi
done <"$tmp/rows"

# ---- 3. the simulator under ThreadSanitizer --------------------------------

tag="tsan: "
while IFS='|' read -r args code; do
    # shellcheck disable=SC2086
    explore "$DUPLEX_TSAN" 200 $args
    seeds_run=$((seeds_run + ${explored:-0}))
done <"$tmp/rows"

finish
