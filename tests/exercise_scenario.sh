#!/bin/sh
# tests/exercise_scenario.sh: a learner's own code under duplex's tools.
#
#   BUILD=build sh tests/exercise_scenario.sh
#   BUILD=build/asan SAN='-fsanitize=...' sh tests/exercise_scenario.sh
#
# SAN: the sanitizer flags BUILD's archives were built with (make check
# passes its own); the learner's code is compiled with them too.
# Runs exercises/run.sh in a scratch copy (so a learner's files and
# exercises/.progress are never touched), with BUILD's archives and the
# real hang checker, on starters, solutions and mutants (exercises/mutants/)
# put in place of an exercise's file. For every exercise of both weeks
# with a scenario.c: its starter fails and shows the learner's timeline,
# the command that replays it, a diagnosis and a hint; its solution
# replays with TRACE=1, draws with SVG=FILE, and `run.sh step` with
# --predict and --svg runs it to the end with its challenges, its replay
# string, a score and a picture. And, on chosen exercises:
#   - a mutant's failing run shows, for the learner's code, the two-lane
#     timeline of the failing schedule, the command that replays it, the
#     diagnosis and the hint for that diagnosis (hints.md's "for:" line);
#   - REPLAY=SCHEDULE TRACE=1 replays it with the decisions numbered, and
#     SVG=FILE draws it (valid XML, checked with xmllint when there is one);
#   - `run.sh step` drives `duplex step ex-NAME` with a script of keys and
#     reaches one of its challenges;
#   - a solution passes, with no diagnosis;
#   - a test's setup other than the scenario's (scenario.setups) is
#     replayed with its options; a failed check gets the hint whose
#     "shows:" line matches what the run showed; a cancel that threw
#     messages away is diagnosed from the run's words;
#   - errgroup and deadlines, whose code creates its own stream, show
#     that stream's events (the trace reaches it through the context), a
#     payload that says "garbled" is no garbled stream, and errgroup's,
#     deadlines' and hub's challenges are reached by a script.
# An exercise without a scenario (errgroup's taken away in the copy) is
# diagnosed from its test's log. And: bidi-echo without stream_close_send is diagnosed as a forgotten
# close_send and shown that hint, never a text that contradicts the
# simulator; `run.sh hint` shows the hints in order, on demand.
# Each check prints "ok - ..." or "not ok - ..."; the last line is
# "N passed, M failed"; the exit status is 1 when anything failed.

cd "$(dirname "$0")/.." || exit 2
root=$(pwd)
build=${BUILD:-build}
tap_name=exercise-scenario tap_out=60 tap_err=10
. tests/tap.sh

if ! command -v bash >/dev/null 2>&1; then
    echo "ok - # SKIP exercises/run.sh needs bash"
    echo "$passed passed, $failed failed"
    exit 0
fi

week=exercises/month-05/week-1
weeks="$week exercises/month-05/week-2"
[ -x "$build/hangcheck" ] || make -s "$build/hangcheck" BUILD="$build" >/dev/null ||
    exit 1

# copy: a scratch tree with the runner, the exercises' headers, every
# exercise folder, src/ and BUILD's archives; its Makefile's libs are
# there already.
copy=$tmp/copy
mkdir -p "$copy/exercises" "$copy/build" || exit 1
cp exercises/run.sh exercises/ex_check.h exercises/ex_explore.h "$copy/exercises/"
for w in $weeks; do
    mkdir -p "$copy/$w"
    cp -R "$w"/. "$copy/$w/"
done
ln -s "$root/src" "$copy/src"
for a in "$build"/libduplex*.a "$build/hangcheck"; do
    ln -s "$root/$a" "$copy/build/$(basename "$a")"
done
printf 'libs:\n\t@:\n' >"$copy/Makefile"
export DUPLEX_STATE_DIR="$tmp/state"
export CC="${CC:-cc}${SAN:+ $SAN}"
mkdir -p "$DUPLEX_STATE_DIR"

# runner OUT ARGS...: run.sh ARGS in the copy into OUT; status in $rc.
runner() {
    out=$1
    shift
    NO_COLOR=1 within 300 bash "$copy/exercises/run.sh" "$@" >"$out" 2>&1 \
        </dev/null
    rc=$?
}

# week_of NAME: the week folder that holds exercise NAME.
week_of() {
    for w in $weeks; do
        [ -d "$w/$1" ] && { echo "$w"; return; }
    done
}

# put NAME FILE: FILE becomes the learner's NAME.c; their progress is new.
put() {
    cp "$2" "$copy/$(week_of "$1")/$1/$1.c"
    rm -f "$copy/exercises/.progress"
}

# has FILE TEXT: FILE holds TEXT (a fixed string).
has() { grep -q -F -- "$2" "$1"; }

# expect NAME FILE TEXT...: ok when FILE holds every TEXT.
expect() {
    name=$1 file=$2
    shift 2
    for text in "$@"; do
        if ! has "$file" "$text"; then
            cp "$file" "$tmp/out"
            not_ok "$name" "no \"$text\" in the output"
            return
        fi
    done
    ok "$name"
}

# ---- bidi-echo: the mutant without stream_close_send ---------------------

ex=bidi-echo
put "$ex" exercises/mutants/bidi-echo/01-no-close-send.c
runner "$tmp/run" run "$ex"
if [ "$rc" = 1 ]; then
    ok "$ex no close_send: the exercise fails (exit 1)"
else
    cp "$tmp/run" "$tmp/out"
    not_ok "$ex no close_send: the exercise fails (exit 1)" "exit $rc"
fi
expect "$ex no close_send: the learner's timeline of the failing schedule" \
    "$tmp/run" "your code in that schedule" \
    "duplex run ex-bidi-echo --replay -" \
    "  step  client                              | server" \
    'send SEND 0|3 "one"' "result: DEADLOCK"
expect "$ex no close_send: the deadlock report and the replay commands" \
    "$tmp/run" "Nobody can write: did the client forget stream_close_send?" \
    "make exercise EX=bidi-echo REPLAY=- TRACE=1" \
    "build/exercises/bidi-echo/duplex run ex-bidi-echo --replay - --decisions"
expect "$ex no close_send: diagnosed as a forgotten close_send, with its hint" \
    "$tmp/run" "diagnosis: a forgotten close_send" \
    "hint 4 of 4 (the one for this diagnosis" \
    'Call `stream_close_send(stream_client(s))` in the sender thread'
if grep -q -F -e "Who reads s2c" -e "waits for room" "$tmp/run"; then
    cp "$tmp/run" "$tmp/out"
    not_ok "$ex no close_send: nothing says a thread waits for room" \
        "$(grep -F -e "Who reads s2c" -e "waits for room" "$tmp/run")"
else
    ok "$ex no close_send: nothing says a thread waits for room"
fi

# The replay, decisions numbered, drawn.
REPLAY=- TRACE=1 SVG=$tmp/run.svg runner "$tmp/replay" run "$ex"
if [ "$rc" = 5 ]; then
    ok "$ex REPLAY=- TRACE=1: the run's exit code (5, deadlock)"
else
    cp "$tmp/replay" "$tmp/out"
    not_ok "$ex REPLAY=- TRACE=1: the run's exit code (5, deadlock)" "exit $rc"
fi
expect "$ex REPLAY=- TRACE=1: the timeline with the decisions" "$tmp/replay" \
    "--replay - --decisions --svg" "  step   dec  client" \
    "Nobody can write: did the client forget stream_close_send?"
if [ ! -s "$tmp/run.svg" ] || ! has "$tmp/run.svg" "<svg"; then
    not_ok "$ex SVG=FILE: a picture of the learner's run" "no SVG written"
elif command -v xmllint >/dev/null 2>&1 &&
    ! xmllint --noout "$tmp/run.svg" 2>"$tmp/err"; then
    not_ok "$ex SVG=FILE: a picture of the learner's run" "xmllint refuses it"
else
    ok "$ex SVG=FILE: a picture of the learner's run"
fi

# You are the scheduler: the keys of a script; r lets the seed finish.
printf '1\n\nr\n' >"$tmp/keys"
NO_COLOR=1 STEP_ARGS="--challenge deadlock" within 120 \
    bash "$copy/exercises/run.sh" step "$ex" <"$tmp/keys" >"$tmp/step" 2>&1
rc=$?
if [ "$rc" = 5 ]; then
    expect "$ex step: the learner's code, one decision at a time, to the challenge" \
        "$tmp/step" "duplex step ex-bidi-echo" "challenge deadlock reached in" \
        "replay: duplex run ex-bidi-echo --replay "
else
    cp "$tmp/step" "$tmp/out"
    not_ok "$ex step: the learner's code, one decision at a time, to the challenge" \
        "exit $rc, want 5"
fi

# Hints on demand, in order, whatever the diagnosis showed.
runner "$tmp/hint1" hint "$ex"
runner "$tmp/hint2" hint "$ex"
expect "$ex make hint: the first hint, on demand" "$tmp/hint1" \
    "hint 1 of 4 (asked for" "Read the deadlock report."
expect "$ex make hint: then the second" "$tmp/hint2" "hint 2 of 4" \
    "static enum status send_all(void *arg)"

# ---- bidi-echo: one thread for both directions ---------------------------

put "$ex" exercises/mutants/bidi-echo/02-one-thread-for-both-directions.c
runner "$tmp/one" run "$ex"
expect "$ex one thread for both directions: diagnosed as nobody reading" \
    "$tmp/one" "your code in that schedule" "diagnosis: nobody reads" \
    "Nobody reads: is a receiver missing" "hint 1 of 4 (the one for this diagnosis"

# ---- bidi-echo: a failed check, with the hint its hints.md line names -----

put "$ex" exercises/mutants/bidi-echo/05-a-sends-eof-taken-for-a-failure.c
runner "$tmp/check" run "$ex"
expect "$ex a send's EOF taken for a failure: the check's hint" \
    "$tmp/check" "diagnosis: a failed check" \
    "from: check: the server reads 1 message(s)" \
    "hint 3 of 4 (the one for this diagnosis"

# ---- concurrent-senders ----------------------------------------------------

cs=concurrent-senders
put "$cs" exercises/mutants/concurrent-senders/02-per-producer-mutex.c
runner "$tmp/cs2" run "$cs"
expect "$cs per-producer mutex: the explored schedule replayed, torn frames" \
    "$tmp/cs2" "duplex run ex-concurrent-senders --replay 11:1,13:3" \
    "2 of them torn" "(the stream was garbled) (exit 4)" \
    "make exercise EX=concurrent-senders REPLAY=11:1,13:3 TRACE=1" \
    "diagnosis: a garbled stream" "hint 1 of 3 (the one for this diagnosis"
put "$cs" exercises/mutants/concurrent-senders/01-queue-full-wait-deleted.c
runner "$tmp/cs1" run "$cs"
expect "$cs queue-full wait deleted: the test's full-queue setup, no torn frame" \
    "$tmp/cs1" "duplex run ex-concurrent-senders --messages 4 --replay -" \
    "0 of them torn" "REPLAY=- ARGS='--messages 4' TRACE=1" \
    "diagnosis: a failed check" "hint 3 of 3 (the one for this diagnosis"
if has "$tmp/cs1" "garbled"; then
    cp "$tmp/cs1" "$tmp/out"
    not_ok "$cs queue-full wait deleted: not called garbled" "it is"
else
    ok "$cs queue-full wait deleted: not called garbled"
fi
printf 'r\n' >"$tmp/keys"
NO_COLOR=1 STEP_ARGS="--challenge garble --seed 3" within 120 \
    bash "$copy/exercises/run.sh" step "$cs" <"$tmp/keys" >"$tmp/step" 2>&1
expect "$cs step: the challenges of the learner's code are listed" \
    "$tmp/step" "duplex step ex-concurrent-senders" "garble"

# ---- drain-before-cancel ---------------------------------------------------

dc=drain-before-cancel
put "$dc" exercises/mutants/drain-before-cancel/01-cancel-first.c
runner "$tmp/dc1" run "$dc"
expect "$dc cancel first: the learner's run, diagnosed as a cancel that lost updates" \
    "$tmp/dc1" "duplex run ex-drain-before-cancel --replay -" \
    "CANCEL CANCELLED: context canceled" \
    "diagnosis: a cancel while messages were still buffered" \
    "from: the cancel threw away 59 bytes of s2c" \
    "hint 1 of 3 (the one for this diagnosis"
put "$dc" exercises/mutants/drain-before-cancel/03-no-cancel.c
runner "$tmp/dc3" run "$dc"
expect "$dc no cancel: the hint whose shows: line the run matches" \
    "$tmp/dc3" "diagnosis: a failed check" \
    "and your run's result: INTERNAL: the call's context is OK at the end" \
    "hint 3 of 3 (the one for this diagnosis"

# ---- half-close --------------------------------------------------------------

hc=half-close
put "$hc" exercises/mutants/half-close/01-no-half-close.c
runner "$tmp/hc1" run "$hc"
expect "$hc no half-close: the learner's run, a forgotten half-close, its hint" \
    "$tmp/hc1" "duplex run ex-half-close --replay -" \
    "BLOCK c2s: pipe full (15/16 bytes)" "result: DEADLOCK" \
    "diagnosis: a forgotten close_send (the half-close)" \
    "hint 1 of 3 (the one for this diagnosis"
put "$hc" exercises/mutants/half-close/02-wrong-direction-closed.c
runner "$tmp/hc2" run "$hc"
expect "$hc wrong direction closed: the hint for what the run showed" \
    "$tmp/hc2" "and your run's result: CLOSED: ex_count returned CLOSED" \
    "hint 1 of 3 (the one for this diagnosis"

# ---- the framing exercises: the learner's bytes in a hexdump ---------------

put frames exercises/mutants/frames/01-length-little-endian.c
runner "$tmp/fr1" run frames
expect "frames little-endian length: the learner's bytes, hexdumped, and the hint" \
    "$tmp/fr1" "duplex run ex-frames --replay - --trace both" \
    "c2s: 16 bytes" "0  00 05 00 00 00 68 65 6c 6c 6f" \
    "received message larger than max (83886080 vs. 4194304)" \
    "hint 1 of 3 (the one for this diagnosis"
put partial-reads exercises/mutants/partial-reads/01-every-read-into-the-start.c
runner "$tmp/pr1" run partial-reads
expect "partial-reads every read into the start: the test's 1-byte pipe, replayed" \
    "$tmp/pr1" "duplex run ex-partial-reads --capacity 1 --replay - --trace both" \
    "BLOCK c2s: pipe full (1/1 bytes)" "c2s: 5 bytes" \
    "0  00 00 00 00 05" \
    'result: INTERNAL: frame 1 from ex_read_frame is not "hello" as it was sent' \
    "hint 2 of 3 (the one for this diagnosis"

# ---- chat: a table's check, a session that passes ---------------------------

put chat exercises/mutants/chat/03-state-moved-before-the-answer-fits.c
runner "$tmp/ch3" run chat
expect "chat state moved before the fit: the run passes, the check picks the hint" \
    "$tmp/ch3" "your code's run of ex-chat in that schedule passes" \
    "the failing test's setup is not the scenario's" \
    "from: check: the state after a TEXT that failed" \
    "hint 2 of 3 (the one for this diagnosis"
if has "$tmp/ch3" "your code in that schedule"; then
    cp "$tmp/ch3" "$tmp/out"
    not_ok "chat: a run that passes is not shown as the failing one" "it is"
else
    ok "chat: a run that passes is not shown as the failing one"
fi

# ---- an exercise with no scenario: the diagnosis from the test's own log ----
# (every exercise has one now: errgroup's is taken away in the copy)

mv "$copy/$week/errgroup/scenario.c" "$tmp/errgroup-scenario.c"
put errgroup exercises/mutants/errgroup/01-stream-not-under-the-groups-context.c
runner "$tmp/eg1" run errgroup
expect "errgroup stream not under the group's context: nobody reads, its hint" \
    "$tmp/eg1" "diagnosis: nobody reads: a thread waits for room to write, and no thread waits to read" \
    "from: deadlock: server waits for a condition variable; client/send waits for room on c2s" \
    "hint 1 of 3 (the one for this diagnosis"
if has "$tmp/eg1" "every thread waits for room"; then
    cp "$tmp/eg1" "$tmp/out"
    not_ok "errgroup: the diagnosis says nothing the report does not" "it does"
else
    ok "errgroup: the diagnosis says nothing the report does not"
fi
mv "$tmp/errgroup-scenario.c" "$copy/$week/errgroup/scenario.c"
put deadlines exercises/mutants/deadlines/02-not-under-parent.c
runner "$tmp/dl2" run deadlines
expect "deadlines not under parent: the hint for the failed check" \
    "$tmp/dl2" "diagnosis: a failed check" "hint 2 of 3 (the one for this diagnosis"

# ---- errgroup: a stream your code creates, traced through its context ------

eg=errgroup
put "$eg" exercises/mutants/errgroup/01-stream-not-under-the-groups-context.c
runner "$tmp/eg1s" run "$eg"
expect "$eg stream not under the group's context: your stream's timeline, nobody reads" \
    "$tmp/eg1s" "your code in that schedule" "duplex run ex-errgroup --replay -" \
    'send SEND 0|3 "one"' 'SEND 0|15 "echo: (garbled)"' \
    "result: DEADLOCK: the server ended with DEADLOCK (expected CANCELLED)" \
    "diagnosis: nobody reads" "hint 1 of 3 (the one for this diagnosis"
put "$eg" exercises/mutants/errgroup/04-first-errors-words-dropped.c
runner "$tmp/eg4" run "$eg"
expect "$eg first error's words dropped: a failed check, with the run's result" \
    "$tmp/eg4" "your code in that schedule" "diagnosis: a failed check" \
    "and your run's result: INTERNAL: ex_checked_echo's words are \"\""
if has "$tmp/eg4" "a garbled stream"; then
    cp "$tmp/eg4" "$tmp/out"
    not_ok "$eg: a payload that says \"garbled\" is no garbled stream" "it is called one"
else
    ok "$eg: a payload that says \"garbled\" is no garbled stream"
fi
REPLAY=- ARGS=--fix TRACE=1 runner "$tmp/eg4fix" run "$eg"
expect "$eg ARGS=--fix: the test's good server, replayed" "$tmp/eg4fix" \
    "run ex-errgroup --fix --replay - --decisions" \
    "the server read 3 message(s), ended with OK" "result: OK (exit 0)"

# ---- deadlines: virtual time in your timeline --------------------------------

dl=deadlines
put "$dl" exercises/mutants/deadlines/01-no-deadline.c
runner "$tmp/dl1" run "$dl"
expect "$dl no deadline: your call's timeline, a deadlock, its hint" \
    "$tmp/dl1" "your code in that schedule" "duplex run ex-deadlines --replay -" \
    'SEND 0|4 "ping"' "CLOSE_SEND c2s: CloseSend" "result: DEADLOCK" \
    "diagnosis: a deadlock: no thread could ever run again" \
    "from: deadlock: client waits for data on s2c" \
    "hint 1 of 3 (the one for this diagnosis"
put "$dl" exercises/mutants/deadlines/03-timeout-converted-to-milliseconds.c
runner "$tmp/dl3" run "$dl"
expect "$dl timeout in milliseconds: the run's own clock says so" \
    "$tmp/dl3" "CANCEL DEADLINE_EXCEEDED" \
    "ex_call returned after 200 ns of virtual time (expected 200000000)" \
    "hint 2 of 3 (the one for this diagnosis"

# ---- hub: the test's bad clients, replayed with their setup ------------------

hb=hub
put "$hb" exercises/mutants/hub/05-dropped-but-not-cancelled.c
runner "$tmp/hb5" run "$hb"
expect "$hb dropped but not cancelled: the slow client's setup, replayed" \
    "$tmp/hb5" "duplex run ex-hub --bad-client slow --replay -" \
    "REPLAY=- ARGS='--bad-client slow' TRACE=1" "[hub/write1]" \
    "result: DEADLOCK: client 1 ended with DEADLOCK (expected RESOURCE_EXHAUSTED)" \
    "diagnosis: nobody reads" "hub/write1 waits for room on s2c"
put "$hb" exercises/mutants/hub/03-writers-not-joined.c
runner "$tmp/hb3" run "$hb"
expect "$hb writers not joined: a failed check, what the run counted" \
    "$tmp/hb3" "duplex run ex-hub --replay -" "diagnosis: a failed check" \
    "and your run's result: INTERNAL: your hub started 6 thread(s) and joined 3"

# ---- their challenges, reached by a script on a solution ---------------------

for c in "errgroup cancel" "deadlines deadline" "hub drop --bad-client slow"; do
    # shellcheck disable=SC2086 # c is a word list
    set -- $c
    n=$1 goal=$2
    shift 2
    put "$n" "exercises/solutions/$n.c"
    printf 'r\n' >"$tmp/keys"
    NO_COLOR=1 STEP_ARGS="--challenge $goal $*" within 120 \
        bash "$copy/exercises/run.sh" step "$n" <"$tmp/keys" >"$tmp/$n.goal" 2>&1
    expect "$n step --challenge $goal: reached, with its replay" "$tmp/$n.goal" \
        "challenge $goal reached in" "replay: duplex run ex-$n ${*:+$* }--replay "
done

# ---- every exercise with a scenario (both weeks) ----------------------------
# Its starter fails and shows the learner's timeline and the command that
# replays it; its solution replays, draws, and steps with --predict.

for dir in $(for w in $weeks; do echo "$w"/*/; done); do
    n=$(basename "$dir")
    [ -f "$dir/scenario.c" ] || continue
    put "$n" "$dir/$n.c"
    runner "$tmp/$n.starter" run "$n"
    if [ "$rc" = 1 ] && has "$tmp/$n.starter" "your code in that schedule" &&
        has "$tmp/$n.starter" "  make exercise EX=$n REPLAY=" &&
        grep -q "duplex run ex-$n .*--replay " "$tmp/$n.starter" &&
        has "$tmp/$n.starter" "diagnosis: " && has "$tmp/$n.starter" "hint "; then
        ok "$n starter: fails with its timeline, replay command, diagnosis, hint"
    else
        cp "$tmp/$n.starter" "$tmp/out"
        not_ok "$n starter: fails with its timeline, replay command, diagnosis, hint" \
            "exit $rc"
    fi
    put "$n" "exercises/solutions/$n.c"
    REPLAY=- TRACE=1 SVG=$tmp/$n.svg runner "$tmp/$n.replay" run "$n"
    if [ "$rc" != 0 ]; then
        cp "$tmp/$n.replay" "$tmp/out"
        not_ok "$n solution: REPLAY=- TRACE=1 SVG=FILE" "exit $rc, want 0"
    elif ! has "$tmp/$n.replay" "  step   dec  client" ||
        ! has "$tmp/$n.replay" "result: OK (exit 0)"; then
        cp "$tmp/$n.replay" "$tmp/out"
        not_ok "$n solution: REPLAY=- TRACE=1 SVG=FILE" "no numbered timeline or no OK"
    elif ! has "$tmp/$n.svg" "<svg" || { command -v xmllint >/dev/null 2>&1 &&
        ! xmllint --noout "$tmp/$n.svg" 2>"$tmp/err"; }; then
        not_ok "$n solution: REPLAY=- TRACE=1 SVG=FILE" "no valid SVG"
    else
        ok "$n solution: REPLAY=- TRACE=1 SVG=FILE (a numbered timeline, a valid SVG)"
    fi
    printf 'r\n1\n' >"$tmp/keys"
    NO_COLOR=1 STEP_ARGS="--predict --svg $tmp/$n.step.svg" within 120 \
        bash "$copy/exercises/run.sh" step "$n" <"$tmp/keys" >"$tmp/$n.step" 2>&1
    rc=$?
    if [ "$rc" = 0 ] && has "$tmp/$n.step" "duplex step ex-$n" &&
        has "$tmp/$n.step" "challenge " &&
        has "$tmp/$n.step" "replay: duplex run ex-$n --replay" &&
        grep -q '^predictions: [01] of 1 right$' "$tmp/$n.step" &&
        has "$tmp/$n.step.svg" "<title>duplex step ex-$n" &&
        { ! command -v xmllint >/dev/null 2>&1 ||
            xmllint --noout "$tmp/$n.step.svg" 2>"$tmp/err"; }; then
        ok "$n solution: make step --predict --svg runs to the end, with its challenges, a score and a picture"
    else
        cp "$tmp/$n.step" "$tmp/out"
        not_ok "$n solution: make step --predict --svg runs to the end, with its challenges, a score and a picture" \
            "exit $rc"
    fi
done

# ---- a solution passes, with no diagnosis ---------------------------------

put "$ex" exercises/solutions/bidi-echo.c
runner "$tmp/pass" run "$ex"
if [ "$rc" = 0 ] && has "$tmp/pass" "bidi-echo passes." &&
    ! has "$tmp/pass" "diagnosis"; then
    ok "$ex solution: passes, nothing diagnosed"
else
    cp "$tmp/pass" "$tmp/out"
    not_ok "$ex solution: passes, nothing diagnosed" "exit $rc"
fi

echo "$passed passed, $failed failed"
[ "$failed" = 0 ]
