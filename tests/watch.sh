#!/bin/sh
# tests/watch.sh: `make watch` shows that it is at work.
#
#   sh tests/watch.sh
#
# exercises/run.sh watch runs once (WATCH_ONCE=1) in a scratch copy of the
# exercise runner, so a learner's progress file is never touched. Its
# compiler (CC) is a stand-in that builds, instead of the exercise's test,
# a test that stays in one "[ RUN ]" until the watcher's progress line
# about it has been printed (a handshake, not a sleep), then passes. The
# checks, in the order the lines must come:
#   - "watching FILE (Ctrl-C to stop): run 1 at HH:MM:SS",
#   - "exercise frames: building",
#   - "testing: build/exercises/frames/test ...",
#   - "... still testing after N s: test_slow" (WATCH_BEAT=1),
#   - the result, "frames passes", and exit 0;
#   - on a terminal (script(1)), the screen is cleared first; elsewhere no
#     escape sequence is printed.
# Each check prints "ok - ..." or "not ok - ..."; the last line is
# "N passed, M failed"; the exit status is 1 when anything failed.

cd "$(dirname "$0")/.." || exit 2
root=$(pwd)
tap_name=watch tap_out=30 tap_err=10
. tests/tap.sh

if ! command -v bash >/dev/null 2>&1; then
    echo "ok - # SKIP exercises/run.sh needs bash"
    echo "$passed passed, $failed failed"
    exit 0
fi

# The scratch copy: the runner, one exercise, a Makefile whose libs are
# there already, and the real hang checker (make builds it first).
copy=$tmp/copy
week=exercises/month-05/week-1
mkdir -p "$copy/$week/frames" "$copy/build" || exit 1
cp exercises/run.sh "$copy/exercises/"
cp "$week/frames/README.md" "$week/frames/hints.md" "$copy/$week/frames/"
: >"$copy/$week/frames/frames.c"
: >"$copy/$week/frames/test_frames.c"
printf 'libs:\n\t@:\n' >"$copy/Makefile"
[ -x build/hangcheck ] || make -s build/hangcheck >/dev/null || exit 1
ln -s "$root/build/hangcheck" "$copy/build/hangcheck"

# The stand-in compiler: "-o OUT" gets the slow test. The test reads the
# watcher's output ($WATCH_OUT) until the progress line is there.
cat >"$tmp/cc" <<'EOF'
#!/bin/sh
out=""
while [ $# -gt 0 ]; do
    [ "$1" = -o ] && out=$2
    shift
done
cat >"$out" <<'TEST'
#!/bin/sh
echo "[==========] Running 1 test(s)."
echo "[ RUN      ] test_slow"
n=0
until grep -q "still testing after .*: test_slow" "$WATCH_OUT" 2>/dev/null; do
    n=$((n + 1))
    [ "$n" -le 600 ] || { echo "no progress line"; exit 1; }
    sleep 0.1
done
echo "[       OK ] test_slow"
echo "[==========] 1 test(s) run."
echo "[  PASSED  ] 1 test(s)."
TEST
chmod +x "$out"
EOF
chmod +x "$tmp/cc"

progress_before=$({ cksum <exercises/.progress; } 2>/dev/null)

# watch OUT: one watched run into OUT; its status in $rc.
watch() {
    WATCH_OUT=$1 CC=$tmp/cc WATCH_ONCE=1 WATCH_BEAT=1 NO_COLOR=1 \
        within 120 bash "$copy/exercises/run.sh" watch frames \
        >"$1" 2>&1 </dev/null
    rc=$?
}

# line_of FILE TEXT: the number of the first line of FILE holding TEXT.
line_of() {
    grep -n -F -- "$2" "$1" | head -n 1 | cut -d: -f1
}

watch "$tmp/out"
at_watching=$(line_of "$tmp/out" "watching $week/frames/frames.c (Ctrl-C to stop): run 1 at ")
at_building=$(line_of "$tmp/out" "exercise frames: building")
at_testing=$(line_of "$tmp/out" "testing: build/exercises/frames/test")
at_beat=$(line_of "$tmp/out" "... still testing after ")
at_result=$(line_of "$tmp/out" "frames passes.")
name="watch: header, building, testing, progress, result, in that order"
if [ "$rc" != 0 ]; then
    not_ok "$name" "exit $rc, want 0"
elif [ -z "$at_watching" ] || [ -z "$at_building" ] || [ -z "$at_testing" ] ||
    [ -z "$at_beat" ] || [ -z "$at_result" ]; then
    not_ok "$name" "a line is missing"
elif [ "$at_watching" -lt "$at_building" ] &&
    [ "$at_building" -lt "$at_testing" ] && [ "$at_testing" -lt "$at_beat" ] &&
    [ "$at_beat" -lt "$at_result" ]; then
    ok "$name"
else
    not_ok "$name" "lines $at_watching $at_building $at_testing $at_beat $at_result"
fi
if grep -q -F "still testing after" "$tmp/out" &&
    grep "still testing after" "$tmp/out" | grep -q -v ': test_slow$'; then
    not_ok "watch: the progress line names the test that runs" \
        "$(grep "still testing" "$tmp/out")"
else
    ok "watch: the progress line names the test that runs"
fi
if grep -q "$(printf '\033')" "$tmp/out"; then
    not_ok "watch: no escape sequence when the output is no terminal" ""
else
    ok "watch: no escape sequence when the output is no terminal"
fi
if [ "$({ cksum <exercises/.progress; } 2>/dev/null)" = "$progress_before" ]; then
    ok "watch: the learner's exercises/.progress is untouched"
else
    not_ok "watch: the learner's exercises/.progress is untouched" "it changed"
fi

# On a terminal: script(1) gives the watcher one; the screen is cleared
# before the header.
if script -q -e -c true /dev/null >/dev/null 2>&1 </dev/null; then
    WATCH_OUT=$tmp/tty CC=$tmp/cc WATCH_ONCE=1 WATCH_BEAT=1 NO_COLOR=1 \
        within 120 script -q -e -c "bash '$copy/exercises/run.sh' watch frames" \
        /dev/null >"$tmp/tty" 2>&1 </dev/null
    rc=$?
    clear=$(printf '\033[H\033[2J')
    if [ "$rc" = 0 ] && head -c 7 "$tmp/tty" | grep -q -F "$clear"; then
        ok "watch on a terminal: the screen is cleared before the run"
    else
        not_ok "watch on a terminal: the screen is cleared before the run" \
            "exit $rc; it begins: $(head -c 40 "$tmp/tty" | od -c | head -n 2)"
    fi
else
    echo "ok - # SKIP watch on a terminal: no script(1)"
fi

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
