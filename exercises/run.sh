#!/usr/bin/env bash
# The exercise runner behind `make exercises`, `make exercise EX=...`,
# `make watch`, `make reset`, `make verify` and `make coverage EX=...`.
#
#   run.sh list            the status table (Exercise | Status | Link)
#   run.sh run NAME        build and test one; on failure the first failing
#                          check (expected vs actual), then (exercises with
#                          a scenario.c) your code's run in the failing
#                          schedule: its timeline, the deadlock report,
#                          the diagnosis, the command that replays it, and
#                          the hint for that diagnosis
#                          With REPLAY=SCHEDULE: no test; your code's run
#                          in SCHEDULE ("-": in order), ARGS adding duplex
#                          run's options (a test's setup), TRACE=1
#                          numbering the decisions, SVG=FILE drawing it
#   run.sh hint NAME       the next hint, on demand
#   run.sh step NAME       `duplex step` on your code (you are the
#                          scheduler); STEP_ARGS are passed on
#   run.sh watch NAME      run again on every save (inotifywait, or polling)
#   run.sh reset NAME      put the starter back (asks first; YES=1 skips)
#   run.sh coverage NAME   your NAME.c's line and branch coverage (no gate)
#   run.sh verify [NAME]   every starter compiles and fails, every solution
#                          passes, also under ASan+UBSan and (threaded
#                          ones) ThreadSanitizer, and every mutant (a
#                          solution with a real mistake, in
#                          exercises/mutants/NAME/) fails, with the check
#                          that caught it; PLAIN=1 leaves the sanitizer
#                          builds out (make check's tests/mutants.sh)
#
# Progress lives in exercises/.progress (one line per exercise: name,
# result, failed runs, hints shown), so it survives between runs and
# `make clean`.
set -u
cd "$(dirname "$0")/.." || exit 1

# Every week's folder holds exercises; WEEK is the folder of the exercise
# at hand (need_name and verify_one set it), week-1 until one is named.
WEEKS="exercises/month-05/week-1 exercises/month-05/week-2"
WEEK=exercises/month-05/week-1
SOLUTIONS=exercises/solutions
PROGRESS=exercises/.progress
CC=${CC:-cc}
STD="-std=c11 -D_POSIX_C_SOURCE=200809L"
WARN="-Wall -Wextra -Wpedantic -Wshadow -Wstrict-prototypes"
IDLE=${IDLE:-60}
HANGCHECK=build/hangcheck

if [ -t 1 ] && [ -z "${NO_COLOR:-}" ] && [ "${TERM:-}" != dumb ]; then
    GREEN=$'\033[32m' RED=$'\033[31m' BOLD=$'\033[1m' OFF=$'\033[0m'
else
    GREEN="" RED="" BOLD="" OFF=""
fi

die() { echo "exercises: $*" >&2; exit 2; }

# limit CMD...: runs CMD under hangcheck, which kills it only when it stops
# using CPU for IDLE seconds (a deadlock), never because the machine is
# busy: exploring every schedule under ThreadSanitizer is slow, not stuck.
limit() {
    [ -x "$HANGCHECK" ] || make -s --no-print-directory "$HANGCHECK" >/dev/null ||
        die "could not build $HANGCHECK"
    "$HANGCHECK" --idle "$IDLE" "$@"
}

# The order of the lessons; a folder not listed comes after, by name.
ORDER="frames partial-reads half-close bidi-echo chat errgroup
       drain-before-cancel deadlines concurrent-senders"

# week_of NAME: the week folder that holds exercise NAME, or nothing.
week_of() {
    local w
    for w in $WEEKS; do
        [ -f "$w/$1/README.md" ] && { echo "$w"; return 0; }
    done
    return 1
}

names() { # every exercise, in lesson order; then each later week's
    local n d w
    for n in $ORDER; do
        [ -f "$WEEK/$n/README.md" ] && echo "$n"
    done
    for w in $WEEKS; do
        for d in "$w"/*/; do
            n=$(basename "$d")
            [ -f "$d/README.md" ] && ! echo " $ORDER " | tr -s ' \n' ' ' |
                grep -q " $n " && echo "$n"
        done
    done
}

exists() { [ -n "${1:-}" ] && week_of "$1" >/dev/null; }

need_name() {
    exists "${1:-}" && { WEEK=$(week_of "$1"); return 0; }
    if [ -z "${1:-}" ]; then
        echo "exercises: which exercise? say EX=NAME; they are:" >&2
    else
        echo "exercises: no exercise '$1'; they are:" >&2
    fi
    names | sed 's/^/  /' >&2
    exit 2
}

threaded() { grep -q '^threaded: yes' "$WEEK/$1/README.md"; }

# ---- progress -------------------------------------------------------------

progress_get() { # progress_get NAME FIELD(2=result,3=fails,4=hints)
    [ -f "$PROGRESS" ] || return 0
    awk -v n="$1" -v f="$2" '$1 == n { v = $f } END { if (v != "") print v }' \
        "$PROGRESS"
}

progress_set() { # progress_set NAME RESULT FAILS [HINTS]: HINTS kept if not given
    local tmp="$PROGRESS.tmp" hints=${4:-$(progress_get "$1" 4)}
    { [ -f "$PROGRESS" ] && awk -v n="$1" '$1 != n' "$PROGRESS"
      echo "$1 $2 $3 ${hints:-0}"; } >"$tmp" && mv "$tmp" "$PROGRESS"
}

status_of() {
    case "$(progress_get "$1" 2)" in
    pass) echo "✅" ;;
    fail) echo "❌" ;;
    *) echo "not started" ;;
    esac
}

cmd_list() {
    local n total=0 passed=0 bar="" i
    echo "| Exercise | Status | Link |"
    echo "|---|---|---|"
    for n in $(names); do
        total=$((total + 1))
        [ "$(progress_get "$n" 2)" = pass ] && passed=$((passed + 1))
        echo "| $n | $(status_of "$n") | $(week_of "$n")/$n/ |"
    done
    for i in $(seq 1 "$total"); do
        if [ "$i" -le "$passed" ]; then bar="$bar#"; else bar="$bar-"; fi
    done
    echo
    echo "progress: [${GREEN}${bar}${OFF}] $passed/$total passed"
    [ "$passed" -lt "$total" ] &&
        echo "next: make exercise EX=$(for n in $(names); do
            [ "$(progress_get "$n" 2)" = pass ] || { echo "$n"; break; }
        done)"
    return 0
}

# ---- building and running -------------------------------------------------

# lib BUILD [SAN]: makes sure BUILD's archives exist, one per layer of
# src/ (with SAN, the sanitizer build `make asan` / `make tsan` use).
lib() {
    if [ -n "${2:-}" ]; then
        make -s --no-print-directory BUILD="$1" OPT="-O1 -g" SAN="$2" \
            libs >/dev/null
    else
        make -s --no-print-directory libs >/dev/null
    fi || die "could not build the archives in $1"
}

# archives BUILD: the link line of every layer's archive, highest first.
archives() {
    local l
    for l in -app -scenarios -explore -view -h2 ""; do printf '%s ' "$1/libduplex$l.a"; done
    printf '%s ' -lnghttp2 # the h2 wire's HTTP/2 library
}

# build NAME SOURCE OUT BUILD SAN EXTRA: compiles SOURCE with the test.
build() {
    local name=$1 src=$2 out=$3 b=$4 san=$5 extra=${6:-}
    mkdir -p "$(dirname "$out")"
    # shellcheck disable=SC2086 # the flag lists are word lists
    $CC $STD $WARN $extra -O0 -g -pthread $san -Isrc -Iexercises \
        -I"$WEEK/$name" "$src" "$WEEK/$name/test_$name.c" $(archives "$b") \
        -lcmocka -o "$out"
}

# Prints the first failing test's checks from a cmocka log.
first_failure() {
    awk '/^\[ RUN      \]/ { name = $4; buf = ""; next }
         /^\[  FAILED  \]/ && name != "" { print "failing: " name; printf "%s", buf; exit }
         /^\[       OK \]/ { name = ""; buf = ""; next }
         { buf = buf "  " $0 "\n" }' "$1"
}

hint() { # hint NAME LEVEL: the text under "## Hint LEVEL", blank lines cut
    awk -v want="## Hint $2" '$0 == want { on = 1; next } /^## Hint/ { on = 0 }
         on && NF && !/^<!--/ { print }' "$WEEK/$1/hints.md"
}

hints_in() { # hints_in NAME: how many hints NAME's hints.md has
    grep -c '^## Hint [0-9]' "$WEEK/$1/hints.md"
}

# hint_for NAME DIAGNOSIS SEEN: the number of the hint for DIAGNOSIS,
# from the "<!-- for: ID ... -->" line under a hint's heading in
# hints.md; for a failed check, the first hint with a
# "<!-- shows: TEXT -->" line whose TEXT is in the file SEEN (what the
# failing run showed); nothing when no hint is for it.
hint_for() {
    awk -v id="$2" 'FNR == NR { seen = seen "\n" $0; next }
         /^## Hint [0-9]/ { level = $3 }
         /^<!-- for: / { for (i = 3; i < NF; i++) if ($i == id) { print level; exit } }
         /^<!-- shows: / && id == "check" {
             text = $0; sub(/^<!-- shows: /, "", text); sub(/ -->$/, "", text)
             if (index(seen, text) > 0) { print level; exit } }' \
        "$3" "$WEEK/$1/hints.md"
}

# show_hint NAME LEVEL WHY [next]: prints hint LEVEL (WHY says why this
# one); with "next", records it as the last of the hints shown in order.
show_hint() {
    local name=$1 level=$2
    echo "hint $level of $(hints_in "$name") ($3):"
    hint "$name" "$level" | sed 's/^/  /'
    [ "${4:-}" = next ] &&
        progress_set "$name" "$(progress_get "$name" 2)" \
            "$(progress_get "$name" 3)" "$level"
    return 0
}

# next_hint NAME: the hint after the last shown in order (`make hint`, or
# a failure no hint is for); the last one again once all were.
next_hint() {
    local seen total
    seen=$(progress_get "$1" 4)
    total=$(hints_in "$1")
    seen=$(( ${seen:-0} + 1 ))
    echo $(( seen < total ? seen : total ))
}

cmd_hint() {
    local name=$1 level
    need_name "$name"
    level=$(next_hint "$name")
    show_hint "$name" "$level" "asked for; \`make hint EX=$name\` again for the next" next
}

cmd_run() {
    local name=$1 out log fails
    need_name "$name"
    lib build ""
    out=build/exercises/$name/test
    log=build/exercises/$name/last.log
    mkdir -p "build/exercises/$name"
    echo "${BOLD}exercise $name${OFF}: building"
    if ! build "$name" "$WEEK/$name/$name.c" "$out" build "" 2>"$log.cc"; then
        cat "$log.cc"
        echo "${RED}$name does not compile yet${OFF}: fix the errors above."
        return 1
    fi
    if limit "$out" >"$log" 2>&1; then
        fails=$(progress_get "$name" 3)
        progress_set "$name" pass "${fails:-0}"
        grep -E '^\[  PASSED  \]' "$log"
        echo "${GREEN}✅ $name passes.${OFF}"
        echo "A solution to compare with: $SOLUTIONS/$name.c"
        echo "The hints, for the record:"
        for level in $(seq 1 "$(hints_in "$name")"); do
            echo "  hint $level:"; hint "$name" "$level" | sed 's/^/    /'
        done
        return 0
    fi
    fails=$(progress_get "$name" 3)
    fails=$(( ${fails:-0} + 1 ))
    progress_set "$name" fail "$fails"
    first_failure "$log"
    grep -E '^\[  PASSED  \]|FAILED TEST' "$log"
    echo "${RED}❌ $name: not yet.${OFF} Full output: $log"
    : >"build/exercises/$name/run.out"
    has_scenario "$name" && show_failing_run "$name" "$log"
    diagnose "$name" "$log" "build/exercises/$name/run.out"
    return 1
}

# ---- your code as a scenario ----------------------------------------------
#
# An exercise with a scenario.c (a small adapter that runs your functions
# as a duplex scenario, ex-NAME) gets its own duplex: the duplex command
# with that scenario added (registry.c built with REGISTRY_EXTRA), linked
# with your NAME.c. Everything duplex does then works on your code.

has_scenario() { [ -f "$WEEK/$1/scenario.c" ]; }

# build_duplex NAME SOURCE OUT: the duplex with ex-NAME, on SOURCE.
build_duplex() {
    local name=$1 src=$2 out=$3
    mkdir -p "$(dirname "$out")"
    # shellcheck disable=SC2086 # the flag lists are word lists
    $CC $STD $WARN -O0 -g -pthread -Isrc -Iexercises -I"$WEEK/$name" \
        -DREGISTRY_EXTRA=scenario_exercise src/app/duplex.c \
        src/scenarios/registry.c "$WEEK/$name/scenario.c" "$src" \
        $(archives build) -o "$out"
}

# The exercises whose lesson is the bytes: their runs show the hexdump.
framing() {
    case $1 in frames | partial-reads | half-close) return 0 ;; esac
    return 1
}

# schedule_in LOG: the schedule the first failing check names, as a
# replay string ("-": in order), or nothing when it names none.
schedule_in() {
    first_failure "$1" | sed -n \
        -e 's/.*in-order schedule.*/-/p' \
        -e 's/.*schedule in order, found after.*/-/p' \
        -e 's/.*schedule \([0-9:,]*\), found after.*/\1/p' | head -1
}

# setup_args NAME CHECK: the options of the test's setup CHECK names,
# from NAME's scenario.setups ("TEXT | ARGS" lines: a check holding TEXT
# ran with ARGS); nothing for the scenario's own default setup.
setup_args() {
    local f=$WEEK/$1/scenario.setups
    [ -f "$f" ] || return 0
    awk -v check="$2" -F ' [|] ' '!/^#/ && NF == 2 && index(check, $1) > 0 {
        print $2; exit }' "$f"
}

# replay_args NAME SCHEDULE [ARGS]: duplex's arguments for your run in
# SCHEDULE, with the setup's ARGS.
replay_args() {
    printf 'run ex-%s%s --replay %s' "$1" "${3:+ $3}" "$2"
    framing "$1" && printf ' --trace both'
    return 0
}

# show_failing_run NAME LOG: your code's run in the schedule the failing
# check names, as duplex shows a scenario's, into run.out too (diagnose
# reads it), and the commands that replay it.
show_failing_run() {
    local name=$1 log=$2 dir=build/exercises/$1 schedule args rc setup
    schedule=$(schedule_in "$log")
    # A test with no threads names no schedule: your code's run in order.
    [ -n "$schedule" ] || schedule=-
    setup=$(setup_args "$name" "$(first_failure "$log" | grep -m 1 'check: ')")
    if ! build_duplex "$name" "$WEEK/$name/$name.c" "$dir/duplex" \
        2>"$dir/duplex.cc"; then
        echo "(could not build $dir/duplex to show the run: $dir/duplex.cc)"
        return 0
    fi
    args=$(replay_args "$name" "$schedule" "$setup")
    echo
    # shellcheck disable=SC2086 # args is a word list
    NO_COLOR=1 limit "$dir/duplex" $args >"$dir/run.out" 2>&1
    rc=$?
    if [ "$rc" = 0 ]; then
        # Nothing of it to show: the run is not the failing one.
        : >"$dir/run.out"
        echo "your code's run of ex-$name in that schedule passes" \
            "($dir/duplex $args): the failing test's setup is not the" \
            "scenario's; the check above says what failed."
    else
        echo "${BOLD}your code in that schedule${OFF} ($dir/duplex $args):"
        sed 's/^/  /' "$dir/run.out"
    fi
    echo "replay it, with the decisions numbered:"
    echo "  make exercise EX=$name REPLAY=$schedule${setup:+ ARGS='$setup'} TRACE=1"
    echo "  $dir/duplex $args --decisions"
}

# diagnose NAME LOG RUNOUT: what went wrong, from what the failing run
# showed alone (RUNOUT, your code's run in the failing schedule; without
# one, the first failing test's part of LOG): the simulator's deadlock
# report, a garbled stream, else the check that failed. Then the hint
# for it.
diagnose() {
    local name=$1 log=$2 out=$3 id what evidence level seen=$3.seen
    if [ -s "$out" ]; then cp "$out" "$seen"; else first_failure "$log" >"$seen"; fi
    evidence=$(grep -h -o 'deadlock: .*' "$seen" | head -1)
    if echo "$evidence" | grep -q 'did the client forget stream_close_send'; then
        id=forgot-close-send
        what="a forgotten close_send (the half-close): every thread that waits, waits for data, and nobody is left to write, so no EOF ever comes"
    elif echo "$evidence" | grep -q 'Nobody reads'; then
        id=nobody-reads
        what="nobody reads: a thread waits for room to write, and no thread waits to read (a receiver missing, or blocked on something else)"
    elif [ -n "$evidence" ]; then
        id=deadlock
        what="a deadlock: no thread could ever run again"
    elif grep -q 'threw away [1-9][0-9]* bytes' "$seen"; then
        id=cancel-dropped
        evidence=$(grep -o '[^;]*threw away [1-9][0-9]* bytes[^;]*' "$seen" |
            head -1 | sed 's/^ *//')
        what="a cancel while messages were still buffered: it threw them away (RST_STREAM)"
    # The run's own words, not a payload that holds the word.
    elif grep -q -F '(the stream was garbled)' "$seen"; then
        id=garbled
        evidence=$(grep -F '(the stream was garbled)' "$seen" | head -1)
        what="a garbled stream: a frame that is no message, bytes of frames mixed"
    else
        id=check
        evidence=$(first_failure "$log" | sed -n 's/^  check: /check: /p' | head -1)
        what="a failed check"
        # What your code's run ended with, in that schedule.
        grep -q '^result: ' "$seen" &&
            evidence="$evidence
  and your run's $(grep -m 1 '^result: ' "$seen")"
    fi
    echo "${BOLD}diagnosis${OFF}: $what"
    [ -n "$evidence" ] && echo "  from: ${evidence#  }"
    [ -s "$out" ] && first_failure "$log" >>"$seen"
    level=$(hint_for "$name" "$id" "$seen")
    if [ -n "$level" ]; then
        show_hint "$name" "$level" "the one for this diagnosis; \`make hint EX=$name\` shows the others in order"
    else
        show_hint "$name" "$(next_hint "$name")" "no hint is for this diagnosis: the next one; \`make hint EX=$name\` shows more" next
    fi
}

# cmd_replay NAME: your code's run in $REPLAY, with duplex run's options
# $ARGS; TRACE=1 numbers the decisions, SVG=FILE draws it.
cmd_replay() {
    local name=$1 dir=build/exercises/$1 args
    need_name "$name"
    has_scenario "$name" || die "$name has no scenario.c: nothing to replay"
    lib build ""
    build_duplex "$name" "$WEEK/$name/$name.c" "$dir/duplex" || return 1
    args=$(replay_args "$name" "$REPLAY" "${ARGS:-}")
    [ "${TRACE:-}" = 1 ] && args="$args --decisions"
    [ -n "${SVG:-}" ] && args="$args --svg $SVG"
    echo "$dir/duplex $args"
    # shellcheck disable=SC2086 # args is a word list
    limit "$dir/duplex" $args
}

# cmd_step NAME: you are the scheduler of your own code.
cmd_step() {
    local name=$1 dir=build/exercises/$1
    need_name "$name"
    has_scenario "$name" || die "$name has no scenario.c: nothing to step"
    lib build ""
    build_duplex "$name" "$WEEK/$name/$name.c" "$dir/duplex" || return 1
    # shellcheck disable=SC2086 # STEP_ARGS is a word list
    "$dir/duplex" step "ex-$name" ${STEP_ARGS:-}
}

# watch NAME: cmd_run again on every save of NAME.c, showing that it is
# at work: the screen cleared before each run (on a terminal), a line when
# the test starts, and then one every WATCH_BEAT seconds (default 5) while
# it runs, with the test cmocka is in (its last "[ RUN ]" line) and the
# seconds so far: exploring every schedule can take half a minute.
# WATCH_ONCE=1 runs once and exits with cmd_run's status (for tests).
cmd_watch() {
    local name=$1 file log beat=${WATCH_BEAT:-5} runs=0
    need_name "$name"
    file=$WEEK/$name/$name.c
    log=build/exercises/$name/last.log
    # watch_beat: the progress lines, from the test's log, while this
    # script lives (a background job ignores Ctrl-C: it ends with us).
    watch_beat() {
        local start=0 said=-1 running
        while kill -0 $$ 2>/dev/null; do
            sleep 0.2
            [ -f "$log" ] || continue
            # The summary is in: the test is over, cmd_run reports it.
            grep -q -E '^\[=+\] [0-9]+ test\(s\) run\.' "$log" && continue
            if [ "$said" = -1 ]; then
                start=$SECONDS
                said=$SECONDS
                echo "testing: ${log%/last.log}/test (a line every $beat s while it runs)"
            elif [ $((SECONDS - said)) -ge "$beat" ]; then
                said=$SECONDS
                running=$(sed -n 's/^\[ RUN      \] //p' "$log" | tail -n 1)
                echo "  ... still testing after $((SECONDS - start)) s${running:+: $running}"
            fi
        done
    }
    watch_once() {
        local beater rc
        runs=$((runs + 1))
        [ -t 1 ] && printf '\033[H\033[2J'
        echo "${BOLD}watching $file${OFF} (Ctrl-C to stop): run $runs at $(date +%H:%M:%S)"
        rm -f "$log"
        watch_beat &
        beater=$!
        cmd_run "$name"
        rc=$?
        kill "$beater" 2>/dev/null
        wait "$beater" 2>/dev/null
        return "$rc"
    }
    if [ "${WATCH_ONCE:-}" = 1 ]; then
        watch_once
        return
    fi
    watch_once
    if command -v inotifywait >/dev/null 2>&1; then
        while inotifywait -qq -e close_write -e moved_to "$WEEK/$name"; do
            watch_once
        done
    else
        echo "(inotifywait not found: checking every second)"
        local last now
        last=$(stat -c %Y "$file")
        while sleep 1; do
            now=$(stat -c %Y "$file")
            [ "$now" != "$last" ] && { last=$now; watch_once; }
        done
    fi
}

cmd_reset() {
    local name=$1 file answer
    need_name "$name"
    file=$WEEK/$name/$name.c
    git rev-parse --git-dir >/dev/null 2>&1 ||
        die "reset needs the git checkout the starter came from"
    if [ "${YES:-}" != 1 ]; then
        printf 'Put the starter back in %s? Your changes there are lost. [y/N] ' "$file"
        read -r answer || answer=""
        case $answer in y | Y | yes) ;; *) echo "left as it is"; return 0 ;; esac
    fi
    git checkout -- "$file" && progress_set "$name" new 0 &&
        echo "$file is the starter again"
}

cmd_coverage() {
    local name=$1 dir out
    need_name "$name"
    command -v lcov >/dev/null 2>&1 || sh tests/deps.sh coverage
    lib build ""
    dir=build/exercises/$name/coverage
    out=build/exercises/$name/test-cov
    rm -rf "$dir" && mkdir -p "$dir"
    # Only your file is built with --coverage: the report is about it.
    $CC $STD $WARN -O0 -g --coverage -pthread -Isrc -Iexercises -I"$WEEK/$name" \
        -c "$WEEK/$name/$name.c" -o "$dir/$name.o" || return 1
    # shellcheck disable=SC2086
    $CC $STD $WARN -O0 -g -pthread -Isrc -Iexercises -I"$WEEK/$name" \
        "$dir/$name.o" "$WEEK/$name/test_$name.c" $(archives build) \
        -lcmocka --coverage -o "$out" || return 1
    limit "$out" >"$dir/test.log" 2>&1
    echo "tests: $(grep -E '^\[  (PASSED|FAILED)  \]' "$dir/test.log" | head -1)"
    lcov --quiet --capture --directory "$dir" --rc lcov_branch_coverage=1 \
        --output-file "$dir/cov.info" 2>"$dir/lcov.log" || { cat "$dir/lcov.log"; return 1; }
    genhtml --quiet --branch-coverage --output-directory "$dir/html" \
        "$dir/cov.info" 2>>"$dir/lcov.log"
    lcov --summary "$dir/cov.info" --rc lcov_branch_coverage=1 2>&1 |
        grep -E 'lines|branches'
    echo "report: $dir/html/index.html (no gate: this is for you to read)"
}

# ---- verify ---------------------------------------------------------------
#
# verify proves three things of every exercise: its starter compiles and
# fails; every shipped solution passes (plain, ASan+UBSan and, threaded,
# ThreadSanitizer); and every mutant in exercises/mutants/NAME/ (a solution
# with one real mistake in it) fails, which shows the test cannot be fooled
# by that mistake. For each mutant it says which test and which check
# caught it. With PLAIN=1 the solutions run plain only (no ASan+UBSan or
# TSan build, and the line says so): the mutants are judged the same way,
# in a fraction of the time.

MUTANTS=exercises/mutants
ASAN="-fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all"

solutions_of() { # every shipped solution of NAME: NAME.c, then NAME-*.c
    local f
    [ -f "$SOLUTIONS/$1.c" ] && echo "$SOLUTIONS/$1.c"
    for f in "$SOLUTIONS/$1"-*.c; do
        # NAME-x.c is another exercise's solution when NAME-x is one.
        [ -f "$f" ] && ! exists "$(basename "$f" .c)" && echo "$f"
    done
}

# check_solution NAME FILE PREFIX: FILE passes NAME's test, plain, under
# ASan+UBSan and, for a threaded exercise, ThreadSanitizer (binaries in
# PREFIX/, logs in PREFIX.*). Prints why not.
check_solution() {
    local name=$1 src=$2 b=$3 what
    what=$(basename "$src")
    build "$name" "$src" "$b/solution" build "" -Werror 2>>"$b.cc" ||
        { echo "$what does not compile"; return 1; }
    limit "$b/solution" >"$b.solution.log" 2>&1 ||
        { echo "$what fails its tests"; return 1; }
    [ -n "${PLAIN:-}" ] && return 0
    build "$name" "$src" "$b/asan" build/asan "$ASAN" 2>>"$b.cc" ||
        { echo "$what does not build with ASan"; return 1; }
    limit "$b/asan" >"$b.asan.log" 2>&1 ||
        { echo "$what fails under ASan+UBSan"; return 1; }
    threaded "$name" || return 0
    build "$name" "$src" "$b/tsan" build/tsan -fsanitize=thread 2>>"$b.cc" ||
        { echo "$what does not build with TSan"; return 1; }
    limit "$b/tsan" >"$b.tsan.log" 2>&1 ||
        { echo "$what fails under ThreadSanitizer"; return 1; }
}

# Prints FILE without the comment it opens with.
body_of() {
    awk 'NR == 1 && $0 == "/*" { skip = 1 } !skip { print } skip && /\*\// { skip = 0 }' "$1"
}

# The solution a mutant was made from: its "From:" line.
origin_of() {
    sed -n 's/^ \* From: \([^ ;,]*\).*/\1/p' "$1" | head -1
}

# caught_by LOG: the test and the check that failed first, and the first
# line of what the check saw (its "actual:"), from a log of a run with
# CMOCKA_TEST_ABORT=1 (cmocka stops at the first failure).
caught_by() {
    awk '/^\[ RUN      \]/ { test = $4 }
         /^check: / && !seen { sub(/^check: /, ""); print test; print; seen = 1; next }
         seen && /^  actual: / { sub(/^  actual: +/, ""); print; exit }' "$1"
}

# verify_mutant NAME FILE: the mutant must compile cleanly and fail NAME's
# test. Prints what caught it (the test, the check, what the check saw)
# and returns 0, or one line and 1.
verify_mutant() {
    local name=$1 src=$2 id origin log rc found test check actual diffs last
    id=$(basename "$src" .c)
    log=build/verify/$name/mutant-$id.log
    origin=$(origin_of "$src")
    if [ -z "$origin" ] || [ ! -f "$origin" ]; then
        echo "  not ok mutant $id: no \"From:\" line naming its solution"
        return 1
    fi
    diffs=$(diff <(body_of "$origin") <(body_of "$src") |
        awk '/^</ { d++ } /^>/ { a++ } END { printf "+%d -%d", a, d }')
    if ! build "$name" "$src" "build/verify/$name/mutant" build "" -Werror \
        >"$log" 2>&1; then
        echo "  not ok mutant $id: does not compile cleanly ($log)"
        return 1
    fi
    # The first failing check ends the run (cmocka aborts): no core file.
    (ulimit -c 0; CMOCKA_TEST_ABORT=1 limit "build/verify/$name/mutant") \
        >"$log" 2>&1
    rc=$?
    if [ "$rc" = 0 ]; then
        echo "  ${RED}not caught${OFF} $id: it passes every test ($log)"
        return 1
    fi
    found=$(caught_by "$log")
    test=$(echo "$found" | sed -n 1p)
    check=$(echo "$found" | sed -n 2p)
    actual=$(echo "$found" | sed -n 3p)
    echo "  caught $id (diff from $(basename "$origin"): $diffs)" \
        "by ${test:-$(awk '/^\[ RUN      \]/ { t = $4 } END { print t }' "$log")}"
    if [ -n "$check" ]; then
        echo "    check: $check"
        [ -n "$actual" ] && echo "    actual: $actual"
    elif [ "$rc" = 124 ]; then
        echo "    no check: it hung and hangcheck stopped it ($log)"
    else
        last=$(grep -v '^\[' "$log" | grep . | tail -1)
        if [ "$rc" -gt 128 ]; then
            echo "    no check: it died of SIG$(kill -l $((rc - 128)))${last:+: $last}"
        else
            echo "    no check: it exited with $rc${last:+: $last}"
        fi
    fi
}

now() { echo "${EPOCHREALTIME:-$(date +%s)}"; }

since() { # since START: seconds from START to now, to a tenth
    awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.1f", b - a }'
}

# verify_one NAME: everything verify proves of one exercise; prints the
# mutants' lines, then the exercise's ok / not ok line. Adds the mutants
# to MUTANTS_SEEN and MUTANTS_CAUGHT.
verify_one() {
    local name=$1 b=build/verify/$1 why="" src n=0 caught=0 solutions=0
    local missed=""
    local start report
    start=$(now)
    WEEK=$(week_of "$name")
    build "$name" "$WEEK/$name/$name.c" "$b/starter" build "" -Werror \
        2>"$b.cc" || why="the starter does not compile"
    if [ -z "$why" ] && limit "$b/starter" >"$b.starter.log" 2>&1; then
        why="the starter passes its tests"
    fi
    for src in $(solutions_of "$name"); do
        [ -n "$why" ] && break
        solutions=$((solutions + 1))
        why=$(check_solution "$name" "$src" "$b")
    done
    [ -z "$why" ] && [ "$solutions" = 0 ] && why="no solution in $SOLUTIONS/"
    for src in "$MUTANTS/$name"/*.c; do
        [ -f "$src" ] || continue
        n=$((n + 1))
        if verify_mutant "$name" "$src"; then
            caught=$((caught + 1))
        else
            missed="$missed $(basename "$src" .c)"
        fi
    done
    MUTANTS_SEEN=$((MUTANTS_SEEN + n))
    MUTANTS_CAUGHT=$((MUTANTS_CAUGHT + caught))
    [ -z "$why" ] && [ "$n" -lt 5 ] && why="$n mutants in $MUTANTS/$name/, fewer than 5"
    [ -z "$why" ] && [ -n "$missed" ] && why="not caught:$missed"
    report="$n mutants, $caught caught ($(since "$start") s)"
    if [ -n "$why" ]; then
        echo "not ok - verify $name: $why; $report (logs: $b.*, $b/)"
        return 1
    fi
    echo "ok - verify $name: starter fails, $([ "$solutions" = 1 ] &&
        echo "solution passes" || echo "$solutions solutions pass")" \
        "($(if [ -n "${PLAIN:-}" ]; then echo "plain only: PLAIN=1"; else
            echo "plain, ASan+UBSan$(threaded "$name" && echo ", TSan")"; fi)); $report"
}

# verify_into NAME: verify_one NAME, its lines into build/verify/NAME.out
# and "SEEN CAUGHT STATUS" into build/verify/NAME.count (last: it says
# NAME is done).
verify_into() {
    local rc
    MUTANTS_SEEN=0 MUTANTS_CAUGHT=0
    verify_one "$1" >"build/verify/$1.out" 2>&1
    rc=$?
    echo "$MUTANTS_SEEN $MUTANTS_CAUGHT $rc" >"build/verify/$1.count"
}

# verify [NAME]: every exercise, or NAME's alone. JOBS exercises (default
# 2) are verified at once, each in a subshell; their lines are printed in
# lesson order, each exercise's as soon as it and those before it are done.
cmd_verify() {
    local n passed=0 failed=0 start list jobs=${JOBS:-2} running=0
    local -a order=()
    local next=0 seen caught rc
    MUTANTS_SEEN=0 MUTANTS_CAUGHT=0
    start=$(now)
    case $jobs in '' | *[!0-9]* | 0) die "JOBS wants a whole number above 0, not '$jobs'" ;; esac
    if [ -n "${1:-}" ]; then need_name "$1"; list=$1; else list=$(names); fi
    lib build ""
    if [ -z "${PLAIN:-}" ]; then
        lib build/asan "$ASAN"
        lib build/tsan -fsanitize=thread
    fi
    mkdir -p build/verify
    # flush: prints the finished exercises at the front of the order.
    flush() {
        while [ "$next" -lt "${#order[@]}" ] &&
            [ -f "build/verify/${order[$next]}.count" ]; do
            n=${order[$next]}
            cat "build/verify/$n.out"
            read -r seen caught rc <"build/verify/$n.count"
            MUTANTS_SEEN=$((MUTANTS_SEEN + seen))
            MUTANTS_CAUGHT=$((MUTANTS_CAUGHT + caught))
            if [ "$rc" = 0 ]; then passed=$((passed + 1)); else failed=$((failed + 1)); fi
            next=$((next + 1))
        done
    }
    for n in $list; do
        mkdir -p "build/verify/$n"
        rm -f "build/verify/$n.count" "build/verify/$n.out"
        order+=("$n")
        verify_into "$n" &
        running=$((running + 1))
        if [ "$running" -ge "$jobs" ]; then
            wait -n
            running=$((running - 1))
            flush
        fi
    done
    wait
    flush
    echo "$MUTANTS_SEEN mutants, $MUTANTS_CAUGHT caught ($(since "$start") s in all)"
    echo "$passed passed, $failed failed"
    [ "$failed" = 0 ]
}

case "${1:-}" in
list) cmd_list ;;
run) if [ -n "${REPLAY:-}" ]; then cmd_replay "${2:-}"; else cmd_run "${2:-}"; fi ;;
hint) cmd_hint "${2:-}" ;;
step) cmd_step "${2:-}" ;;
watch) cmd_watch "${2:-}" ;;
reset) cmd_reset "${2:-}" ;;
coverage) cmd_coverage "${2:-}" ;;
verify) cmd_verify "${2:-}" ;;
*) sed -n '2,30p' "$0" | sed 's/^# \{0,1\}//'; exit 2 ;;
esac
