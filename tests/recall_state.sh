#!/bin/sh
# tests/recall_state.sh: the recall drill's state file, seen from outside:
# what only whole `duplex recall` processes show.
#
#   DUPLEX=build/duplex sh tests/recall_state.sh
#
# Out of memory: under `ulimit -v`, a state file with a line too long for
# memory cannot be read whole. duplex recall must say so and exit 1, and
# leave the file byte for byte as it was, not load the lines before the
# long one and save those alone. Skipped, saying why, where a process
# cannot run under a memory limit at all (a sanitizer reserves terabytes
# of address space at start).
#
# Two drills at once: drill A (its keys come through a FIFO) grades the
# first card and waits; drill B grades the other two; then A grades the
# second card again and quits. The file must hold every grade: A's first,
# B's third, and A's second (the later grade of a card graded twice).
#
# New cards a day, two drills at once: each drill counts the other's new
# cards as soon as a save brings them in, and stops at the cap (see the
# test's own comment below).
#
# Each check prints "ok - ..." or "not ok - ..." with what went wrong
# behind "#"; the last line is "N passed, M failed". The exit status is 1
# when anything failed.

cd "$(dirname "$0")/.." || exit 1

DUPLEX=${DUPLEX:-build/duplex}
tap_name=recall-state tap_out=5 tap_err=5
. tests/tap.sh

DUPLEX_STATE_DIR=$tmp/state
DUPLEX_TODAY=20000
export DUPLEX_STATE_DIR DUPLEX_TODAY
state=$DUPLEX_STATE_DIR/recall.state
lessons=$tmp/lesson

[ -x "$DUPLEX" ] || {
    not_ok "$DUPLEX is an executable" "make build/duplex first"
    echo "$passed passed, $failed failed"
    exit 1
}

mkdir "$lessons" "$DUPLEX_STATE_DIR" || exit 1
cat >"$lessons/day-1.md" <<'EOF'
## Active Recall

### Q: First?
A: One.
Proof: `test_a` in `tests/test_a.c`

### Q: Second?
A: Two.
Proof: `test_a` in `tests/test_a.c`

### Q: Third?
A: Three.
Proof: `test_a` in `tests/test_a.c`
EOF

# ---- out of memory ----------------------------------------------------------

# The limit (KiB) and a line longer than all of it.
limit=32768
long=$((40 * 1024 * 1024))

# in_limit ARGS...: duplex ARGS under the memory limit, keys from $tmp/in.
in_limit() {
    within 60 sh -c 'ulimit -v "$1" && shift && exec "$@"' sh "$limit" \
        "$DUPLEX" "$@" <"$tmp/in" >"$tmp/out" 2>"$tmp/err"
}

: >"$tmp/in"
if ! (ulimit -v "$limit") 2>/dev/null; then
    echo "ok - # SKIP out of memory: this shell has no ulimit -v"
elif ! in_limit recall --list --lessons "$lessons"; then
    echo "ok - # SKIP out of memory: duplex cannot start under" \
        "ulimit -v $limit (a sanitizer build?)"
else
    {
        echo "a#1 1 5"
        head -c "$long" /dev/zero | tr '\0' x
        echo
        echo "z#1 2 7"
    } >"$state"
    before=$(cksum <"$state")
    printf '\ng\n' >"$tmp/in"
    in_limit recall --lessons "$lessons"
    rc=$?
    after=$(cksum <"$state")
    want="duplex recall: cannot read all of $state: Cannot allocate memory;"
    want="$want it is left as it is"
    if [ "$rc" != 1 ]; then
        not_ok "out of memory: a state file read in part is never saved" \
            "exit $rc, want 1"
    elif [ "$before" != "$after" ]; then
        not_ok "out of memory: a state file read in part is never saved" \
            "the file changed"
    elif [ "$(cat "$tmp/err")" != "$want" ]; then
        not_ok "out of memory: a state file read in part is never saved" \
            "stderr is not: $want"
    else
        ok "out of memory: exit 1, the file as it was, $want"
    fi
    rm -f "$state"
fi

# ---- two drills at once -----------------------------------------------------

# appears FILE TEXT: waits until TEXT is in FILE; 1 if it never is (the
# sleeps only pace the looks, about 20 s of them at most).
appears() {
    n=0
    while ! grep -qF -- "$2" "$1" 2>/dev/null; do
        n=$((n + 1))
        [ "$n" -le 200 ] || return 1
        sleep 0.1
    done
}

name="two drills at once: every grade is kept"
mkfifo "$tmp/keys" || exit 1
"$DUPLEX" recall --lessons "$lessons" <"$tmp/keys" >"$tmp/a.out" \
    2>"$tmp/a.err" &
a=$!
exec 3>"$tmp/keys"
printf '\ng\n' >&3
if ! appears "$tmp/a.out" "card 2/3"; then
    exec 3>&-
    kill "$a" 2>/dev/null
    wait "$a"
    not_ok "$name" "drill A did not get past its first card"
else
    printf '\ne\n\ne\n' >"$tmp/in"
    within 60 "$DUPLEX" recall --lessons "$lessons" <"$tmp/in" \
        >"$tmp/out" 2>"$tmp/err"
    rc_b=$?
    printf '\na\nq\n' >&3
    exec 3>&-
    wait "$a"
    rc_a=$?
    : >"$tmp/in"
    within 60 "$DUPLEX" recall --list --lessons "$lessons" <"$tmp/in" \
        >"$tmp/out" 2>"$tmp/err"
    if [ "$rc_a" != 0 ] || [ "$rc_b" != 0 ]; then
        not_ok "$name" "drill A exit $rc_a, drill B exit $rc_b, want 0"
    elif ! grep -q "day-1.md:3  box 2, due in 2 days" "$tmp/out"; then
        not_ok "$name" "drill A's grade of the first card is lost"
    elif ! grep -q "day-1.md:7  box 1, due tomorrow" "$tmp/out"; then
        not_ok "$name" "the second card does not have A's later grade"
    elif ! grep -q "day-1.md:11  box 3, due in 4 days" "$tmp/out"; then
        not_ok "$name" "drill B's grade of the third card is lost"
    else
        ok "$name (A's first, B's third, A's later grade of the second)"
    fi
fi

# ---- new cards a day, two drills at once -----------------------------------

# Drill A (day-1.md, 3 new cards, --new 3) grades its first card and waits
# at its second; drill B (day-2.md, --new 3) may then have 2 new cards, and
# grades both; A grades its second card (shown before B ran), and then
# must stop: 4 new cards today, over the 3 a day. A never shows its third.
name="new cards a day: a drill stops when another drilled today's share"
lessons2=$tmp/lesson2
mkdir "$lessons2" || exit 1
cp "$lessons/day-1.md" "$lessons2/day-1.md"
cat >"$lessons2/day-2.md" <<'EOF2'
## Active Recall

### Q: Four?
A: Four.
Proof: `test_a` in `tests/test_a.c`

### Q: Five?
A: Five.
Proof: `test_a` in `tests/test_a.c`
EOF2
mkfifo "$tmp/keys2" || exit 1
DUPLEX_STATE_DIR=$tmp/state2 "$DUPLEX" recall --lesson "$lessons2/day-1.md" \
    --new 3 <"$tmp/keys2" >"$tmp/a2.out" 2>"$tmp/a2.err" &
a=$!
exec 4>"$tmp/keys2"
printf '\ng\n' >&4
if ! appears "$tmp/a2.out" "card 2/3"; then
    exec 4>&-
    kill "$a" 2>/dev/null
    wait "$a"
    not_ok "$name" "drill A did not get past its first card"
else
    printf '\ng\n\ng\n' >"$tmp/in"
    DUPLEX_STATE_DIR=$tmp/state2 within 60 "$DUPLEX" recall \
        --lesson "$lessons2/day-2.md" --new 3 <"$tmp/in" >"$tmp/b2.out" \
        2>"$tmp/b2.err"
    rc_b=$?
    printf '\ng\n' >&4
    exec 4>&-
    wait "$a"
    rc_a=$?
    : >"$tmp/in"
    DUPLEX_STATE_DIR=$tmp/state2 within 60 "$DUPLEX" recall --list \
        --lessons "$lessons2" <"$tmp/in" >"$tmp/out" 2>"$tmp/err"
    cut="4 new cards were drilled today (some by another drill), at most 3"
    cut="$cut a day (--new N): 1 more wait for later days"
    if [ "$rc_a" != 0 ] || [ "$rc_b" != 0 ]; then
        not_ok "$name" "drill A exit $rc_a, drill B exit $rc_b, want 0"
    elif ! grep -q "2 cards for today (0 due, 2 new)" "$tmp/b2.out"; then
        not_ok "$name" "drill B did not have A's first new card counted"
    elif grep -q "card 3/3" "$tmp/a2.out"; then
        not_ok "$name" "drill A showed its third card, over the cap"
    elif ! grep -q -F "$cut" "$tmp/a2.out"; then
        not_ok "$name" "drill A does not say: $cut"
    elif ! grep -q "5 cards: 0 due, 1 new, 4 later" "$tmp/out"; then
        not_ok "$name" "the state does not hold the 4 grades"
    else
        ok "$name (A 2 of 3, B 2, A stopped: $cut)"
    fi
fi

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
