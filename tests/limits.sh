#!/bin/sh
# tests/limits.sh: every scenario on real threads when the system refuses
# a thread part-way, as it does under `ulimit -u` (RLIMIT_NPROC).
#
#   DUPLEX=build/duplex sh tests/limits.sh
#
# For each row of `duplex list` (a scenario, or its --fix) it runs
# `duplex run ROW --os --trace none` under a limit with room for no thread
# besides duplex's main one (step 1), then for at most 1 (step 2), 2, ...
# so that each of the run's thread starts is refused in turn, until a run
# gets all its threads. Each run must end (a run idle for 20 s is a
# hang), and:
#   - if a thread could not start: exit 3, a result line "result:
#     RESOURCE_EXHAUSTED: could not start thread NAME: REASON (exit 3)",
#     and a narration of nothing but what the run counted (the lines
#     say_short in src/scenarios/call.c writes, and the hub's thread count): no
#     lesson claim, no "finished with OK", never exit 1, 4 or 5;
#   - if every thread started: the row's exit code on real threads (as in
#     tests/stress.sh: a deadlock becomes the 200 ms deadline's exit 3, and
#     a racy scenario may also exit 0).
#
# RLIMIT_NPROC counts every process and thread of the user, and root is
# exempt from it. As root the runs are made with setpriv as a uid of their
# own, picked from this shell's pid (so that two runs of this test at once,
# from two checkouts, do not count each other's threads; the build directory
# must be readable by any user); otherwise as the user
# running the test, whose other processes count too: the room given is on
# top of the threads that user has at the time. Where the limit cannot be
# set, the test says why and skips (exit 0).
#
# Prints "ok - ..." or "not ok - ..." per row, then "N passed, M failed".

cd "$(dirname "$0")/.." || exit 1

DUPLEX=${DUPLEX:-build/duplex}
tap_name=limits tap_out=12 tap_err=5
. tests/tap.sh

# LeakSanitizer needs a thread of its own at exit, which the limit
# refuses; the other tests look for leaks.
ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0"
export ASAN_OPTIONS

RACY="concurrent-senders concurrent-senders-quota"
MOST=20 # more steps than any row needs (the hub runs 10 threads)

skip() {
    echo "skip - $1"
    echo "$passed passed, $failed failed (skipped)"
    exit 0
}

finish() {
    echo "$passed passed, $failed failed"
    [ "$failed" -eq 0 ]
    exit
}

[ -x "$DUPLEX" ] || {
    not_ok "$DUPLEX is an executable" "make $DUPLEX first"
    finish
}
case $DUPLEX in
/*) bin=$DUPLEX ;;
*) bin=$(pwd)/$DUPLEX ;;
esac

# $as_user: the words that run a command as the user whose threads are
# limited (empty: this user).
uid=$(id -u)
as_user=""
slack=4 # see limit
if [ "$uid" = 0 ]; then
    command -v setpriv >/dev/null 2>&1 ||
        skip "root is exempt from RLIMIT_NPROC and setpriv is missing"
    uid=$((40000 + $$ % 20000)) # no account of its own: nothing else runs as it
    as_user="setpriv --reuid=$uid --regid=$uid --clear-groups"
    slack=0
fi

# $tmp/limited N CMD...: runs CMD with RLIMIT_NPROC set to N. A script,
# not a function, so that within and setpriv can run it.
if command -v prlimit >/dev/null 2>&1; then
    cat >"$tmp/limited" <<'EOF'
#!/bin/sh
n=$1
shift
exec prlimit --nproc="$n:$n" "$@"
EOF
elif command -v bash >/dev/null 2>&1; then
    cat >"$tmp/limited" <<'EOF'
#!/bin/sh
n=$1
shift
exec bash -c 'ulimit -u "$0" && exec "$@"' "$n" "$@"
EOF
else
    skip "neither prlimit nor bash (ulimit -u) is here to set the limit"
fi
chmod 755 "$tmp" "$tmp/limited"

# limit K: a limit that leaves room for at most K - 1 threads besides
# duplex's own: the threads uid has now, less the slack, plus K (at least
# 1). When uid is this user, the count takes in this shell and the
# short-lived subshell, ps and awk that count; with the slack taken off,
# the room is at most K - 1 threads, less when within adds a process.
limit() {
    if command -v ps >/dev/null 2>&1; then
        ps -eLo ruid= | awk -v u="$uid" -v s="$slack" -v k="$1" \
            '$1 == u { n++ } END { n = n - s + k; print (n < 1 ? 1 : n) }'
    else
        echo "$1"
    fi
}

# shellcheck disable=SC2086 # $as_user is words
$as_user "$bin" list >/dev/null 2>&1 </dev/null ||
    skip "uid $uid cannot run $bin (is the build directory readable?)"
# shellcheck disable=SC2086
$as_user "$tmp/limited" "$(limit 1)" "$bin" list >/dev/null 2>&1 \
    </dev/null || skip "duplex does not run under a process limit here"

one_of() {
    case " $2 " in
    *" $1 "*) return 0 ;;
    *) return 1 ;;
    esac
}

# os_want ARGS CODE: the exit codes a whole real-thread run may end with.
os_want() {
    case " $1 " in
    *" --fix "*) echo "$2" ;;
    *)
        want=$2
        [ "$2" = 5 ] && want=3
        if one_of "${1%% *}" "$RACY"; then
            want="0 $want"
        fi
        echo "$want"
        ;;
    esac
}

# narration: the lines between the blank line and the result line.
narration() {
    sed -n '/^$/,/^result: /p' "$tmp/out" | sed '1d;$d'
}

# short_ok: whether the last run is a short one told right; else sets why.
short_ok() {
    if [ "$rc" != 3 ]; then
        why="a thread could not start, but the exit is $rc, not 3"
        return 1
    fi
    if ! grep -Eq '^result: RESOURCE_EXHAUSTED: could not start thread [^:]+: .+ \(exit 3\)$' "$tmp/out"; then
        why="no 'result: RESOURCE_EXHAUSTED: could not start thread NAME: REASON (exit 3)' line"
        return 1
    fi
    claims=$(narration | grep -Ev \
        -e '^[0-9]+ of the [0-9]+ threads this run needs started, then: could not start thread [^:]+: .+$' \
        -e '^the run was cancelled and they returned; counted until then: c2s [0-9]+ sent, [0-9]+ received; s2c [0-9]+ sent, [0-9]+ received$' \
        -e "^a run without all its threads checks none of the lesson's invariants$" \
        -e '^[0-9]+ threads? and [0-9]+ streams; wall time ')
    if [ -n "$claims" ]; then
        why="the narration says more than the run counted: $claims"
        return 1
    fi
    return 0
}

# row ARGS CODE: one row, at steps 1, 2, ... (see limit).
row() {
    args=$1
    want=$(os_want "$args" "$2")
    name="duplex run $args --os under a thread limit"
    k=1
    refused=0
    while [ "$k" -le "$MOST" ]; do
        n=$(limit "$k")
        # shellcheck disable=SC2086 # $as_user and ARGS are words
        within 20 $as_user "$tmp/limited" "$n" "$bin" run $args --os \
            --trace none </dev/null >"$tmp/out" 2>"$tmp/err"
        rc=$?
        if [ "$rc" = 124 ]; then
            not_ok "$name" "step $k: hung (idle for 20 s)"
            return
        fi
        # Step 1 leaves no room for a thread: that run is short.
        if [ "$k" -gt 1 ] && ! grep -q 'start thread' "$tmp/out"; then
            break
        fi
        if ! short_ok; then
            not_ok "$name" "step $k: $why"
            return
        fi
        refused=$((refused + 1))
        k=$((k + 1))
    done
    if [ "$k" -gt "$MOST" ]; then
        not_ok "$name" "no run got all its threads by step $MOST"
    elif ! one_of "$rc" "$want"; then
        not_ok "$name" "step $k: a whole run exits $rc, want $want"
    else
        ok "$name: $refused refused starts, each exit 3 and told so; then a whole run, exit $rc"
    fi
}

if ! NO_COLOR=1 "$bin" list >"$tmp/list" 2>"$tmp/err"; then
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

while IFS='|' read -r args code; do
    row "$args" "$code"
done <"$tmp/rows"
finish
