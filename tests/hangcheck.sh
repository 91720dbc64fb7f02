#!/bin/sh
# tests/hangcheck.sh: the hang checker that runs every test kills a hung
# command and never a slow one.
#
#   HANGCHECK=build/hangcheck sh tests/hangcheck.sh
#
# A gate must not fail because the machine is busy. timeout(1) cannot tell
# a deadlock from a slow run; hangcheck looks at CPU use instead. These
# checks pin what that means: a command that sleeps is killed (124) after
# --idle seconds; one that computes for longer than --idle is not; the
# kill reaches the whole process group; exit codes and signals pass
# through; --max stops a command that never idles. About 8 seconds.

cd "$(dirname "$0")/.." || exit 1

HANGCHECK=${HANGCHECK:-build/hangcheck}
tap_name=hangcheck tap_err=3
. tests/tap.sh

[ -x "$HANGCHECK" ] || {
    not_ok "$HANGCHECK is an executable" "make $HANGCHECK first"
    echo "$passed passed, $failed failed"
    exit 1
}

# hc ARGS...: runs hangcheck ARGS; sets $rc and $secs (whole seconds).
hc() {
    start=$(date +%s)
    "$HANGCHECK" "$@" >"$tmp/out" 2>"$tmp/err"
    rc=$?
    secs=$(($(date +%s) - start))
}

expect() { # expect NAME WANT_RC [STDERR_TEXT]
    why=""
    [ "$rc" = "$2" ] || why="exit $rc, want $2"
    if [ -z "$why" ] && [ -n "${3:-}" ] && ! grep -qF -- "$3" "$tmp/err"; then
        why="stderr lacks: $3"
    fi
    if [ -z "$why" ]; then ok "$1"; else not_ok "$1" "$why"; fi
}

# A CPU-bound shell loop that runs about SECONDS seconds (2 at least),
# whatever the machine's speed: it checks the clock every 20,000 turns.
busy='end=$(($(date +%s) + $1)); i=0
      while [ "$(date +%s)" -lt "$end" ]; do
          j=0; while [ $j -lt 20000 ]; do j=$((j + 1)); done
      done'

hc --idle 1 sleep 30
expect "a sleeping command is killed after --idle 1 (exit 124)" 124 \
    "no progress for 1 s"
[ "$secs" -lt 20 ] && ok "... in $secs s, not after the sleep's 30 s" ||
    not_ok "the kill came late" "$secs s"

hc --idle 1 sh -c "$busy" sh 3
expect "a command computing for 3 s outlives --idle 1 (its exit 0)" 0

hc --idle 5 sh -c 'exit 7'
expect "the command's exit code passes through" 7

hc --idle 5 sh -c 'kill -TERM $$'
expect "a command killed by a signal gives 128 + its number" 143

hc --idle 1 sh -c 'sleep 30 & echo $! >"$1"; sleep 30' sh "$tmp/pid"
expect "a hung script is killed with its children" 124
# Gone, or a zombie waiting for init to reap it (state Z).
alive() {
    [ -r "/proc/$1/stat" ] && ! sed 's/.*) //' "/proc/$1/stat" | grep -q '^Z'
}
# The kill was sent; on a busy machine the child may take a moment to
# die: wait for it, at most 10 s.
n=0
while [ -s "$tmp/pid" ] && alive "$(cat "$tmp/pid")" && [ $n -lt 100 ]; do
    sleep 0.1
    n=$((n + 1))
done
if [ -s "$tmp/pid" ] && alive "$(cat "$tmp/pid")"; then
    not_ok "... the background child is gone too" "pid $(cat "$tmp/pid") lives after 10 s"
    kill "$(cat "$tmp/pid")" 2>/dev/null
else
    ok "... the background child is gone too"
fi

hc --idle 60 --max 1 sh -c "$busy" sh 30
expect "--max 1 stops a command that never idles" 124 "after 1 s (--max)"

hc --idle 0 true
expect "--idle 0 is a usage error (125)" 125 "--idle wants"

hc --idle 5 ./no-such-command
expect "a missing command gives 127" 127 "no-such-command"

echo "$passed passed, $failed failed"
[ "$failed" = 0 ]
