#!/bin/sh
# tests/recall.sh: is every active-recall card of the lessons proven?
# (make recall)
#
#   DUPLEX=build/duplex BUILD=build sh tests/recall.sh
#
# A card in lesson/*.md (LESSONS=DIR for another directory) ends with the
# test that proves its answer:
#
#   ### Q: What does CloseSend do?
#   A: ...
#   Proof: `test_stream_close_send_then_eof` in `tests/test_stream.c`
#
# For every tests/<file>.c that a proof names, this runs the test binary
# $BUILD/tests/<file> once (make builds them), and reads cmocka's
# "[       OK ] name" and "[  FAILED  ] name" lines. Each card prints
# "proven: QUESTION (test_x)" or "NOT proven: QUESTION (test_x: why)",
# where why is failed, skipped or not found; a card whose "A:" or "Proof:"
# line is missing or malformed is not proven either. A question that names
# one of duplex's functions (declared in src/'s headers, frame_read, ...)
# fails too, "NOT in gRPC's terms: ...": the cards drill gRPC streaming,
# not duplex's insides. The last two lines are "N cards proven, M not" and
# "N passed, M failed" (M counts both). The exit status is 1 when a card
# is not proven or not in gRPC's terms, or when there are no cards at all.
#
# The cards are read here with the same rules as src/app/recall/cards.c (a
# card is a "### Q:" heading under "## Active Recall"; headings inside ```
# fences do not count). When $DUPLEX runs, `duplex recall --list` must find
# the very same cards, so the two readers cannot drift apart unnoticed.

LESSONS=${LESSONS:-lesson}
# "lesson/" names the same files as "lesson", as duplex recall prints them.
[ "$LESSONS" = / ] || LESSONS=${LESSONS%/}
BUILD=${BUILD:-build}
DUPLEX=${DUPLEX:-$BUILD/duplex}
IDLE=${IDLE:-60}
export DUPLEX
# cmocka's plain output, whatever the caller's environment asks for.
CMOCKA_MESSAGE_OUTPUT=stdout
export CMOCKA_MESSAGE_OUTPUT

tmp=${TMPDIR:-/tmp}/duplex-recall.$$
rm -rf "$tmp"
mkdir "$tmp" || exit 1
trap 'rm -rf "$tmp"' EXIT
trap 'exit 1' HUP INT PIPE TERM

# hangcheck (IDLE seconds without CPU), or else timeout(1) (twice that),
# turns a hanging test binary into a failure, where there is one.
if [ -x "${HANGCHECK:-}" ]; then
    limit="$HANGCHECK --idle $IDLE"
elif command -v timeout >/dev/null 2>&1; then
    limit="timeout $((IDLE * 2))"
else
    limit=""
fi

# One line per card: STATUS <tab> FILE:LINE <tab> QUESTION <tab> TEST
# <tab> TESTS-FILE, where STATUS is "ok" or what is wrong with the card.
# POSIX awk only (Debian's mawk runs it). The $ signs are awk's.
# shellcheck disable=SC2016
cards_program='
function trim(s) {
    sub(/^[ \t]+/, "", s)
    sub(/[ \t]+$/, "", s)
    return s
}
function level(s,   n, c) {
    if (!match(s, /^#+/))
        return 0
    n = RLENGTH
    c = substr(s, n + 1, 1)
    return (n <= 6 && (c == " " || c == "")) ? n : 0
}
# Takes one word off the front of rest: `in backticks` or up to a blank.
function word(   w) {
    rest = trim(rest)
    if (match(rest, /^`[^`]+`/)) {
        w = substr(rest, 2, RLENGTH - 2)
    } else if (match(rest, /^[^ \t`]+/)) {
        w = substr(rest, 1, RLENGTH)
    } else {
        return ""
    }
    rest = substr(rest, RLENGTH + 1)
    return w
}
function proof(s,   in_word) {
    rest = substr(s, 7)
    test = word()
    in_word = word()
    file = word()
    if (in_word != "in" || trim(rest) != "")
        return 0
    return test ~ /^[A-Za-z_][A-Za-z0-9_]*$/ &&
        file ~ /^tests\/[A-Za-z0-9_.-]+\.c$/
}
function emit(status) {
    gsub(/\t/, " ", q)
    print status "\t" src ":" qline "\t" q "\t" test "\t" file
    phase = "skip"
}
function end_card() {
    if (phase == "want_answer")
        emit("no A: line")
    else if (phase == "answer" || phase == "want_proof")
        emit("no Proof: line")
    phase = "none"
}
FNR == 1 {
    end_card()
    section = 0
    fence = 0
}
{
    sub(/\r$/, "")
    lv = 0
    if ($0 ~ /^[ \t]*(```|~~~)/)
        fence = !fence
    else if (!fence)
        lv = level($0)
}
lv > 0 {
    end_card()
    if (lv <= 2)
        section = tolower(trim(substr($0, lv + 1))) ~ /^active recall/
    if (substr($0, 1, 6) == "### Q:") {
        src = FILENAME
        qline = FNR
        q = trim(substr($0, 7))
        test = ""
        file = ""
        phase = "want_answer"
        answer = ""
        if (!section)
            emit("outside the Active Recall section")
        else if (q == "")
            emit("empty question")
        else if ((FILENAME SUBSEP q) in seen)
            emit("same question as line " seen[FILENAME SUBSEP q])
    }
    next
}
phase == "none" || phase == "skip" { next }
{
    line = trim($0)
    if (line == "") {
        if (phase == "answer")
            phase = "want_proof"
        next
    }
    if (phase == "want_answer") {
        if (substr(line, 1, 2) != "A:") {
            emit("no A: line")
            next
        }
        answer = trim(substr(line, 3))
        phase = "answer"
        next
    }
    if (substr(line, 1, 6) == "Proof:") {
        if (!proof(line))
            emit("malformed Proof: line")
        else if (answer == "")
            emit("empty answer")
        else {
            seen[src SUBSEP q] = qline
            emit("ok")
        }
        next
    }
    if (phase == "want_proof")
        emit("no Proof: line")
    else if (answer == "")
        answer = line
}
END { end_card() }
'

set -- "$LESSONS"/*.md
if [ ! -e "$1" ]; then
    echo "no lesson pages in $LESSONS/ (*.md)"
    echo "0 cards proven, 0 not"
    echo "0 passed, 0 failed"
    exit 1
fi
awk "$cards_program" "$@" >"$tmp/cards" || exit 1

# The two readers must agree on which cards are well formed.
if [ -x "$DUPLEX" ]; then
    awk -F '\t' '$1 == "ok" { print $2 }' "$tmp/cards" | LC_ALL=C sort \
        >"$tmp/ours"
    DUPLEX_STATE_DIR="$tmp/state" DUPLEX_TODAY=0 \
        "$DUPLEX" recall --list --lessons "$LESSONS" 2>/dev/null |
        sed -n -e 's/^\(.*:[0-9][0-9]*\)  new$/\1/p' \
            -e 's/^\(.*:[0-9][0-9]*\)  box .*/\1/p' | LC_ALL=C sort \
        >"$tmp/theirs"
    if ! cmp -s "$tmp/ours" "$tmp/theirs"; then
        echo "duplex recall --list and tests/recall.sh read different cards:"
        diff "$tmp/theirs" "$tmp/ours" | sed 's/^/#   /'
        disagree=1
    fi
fi

# Runs each test binary that a proof names, once: its output in
# $tmp/NAME.out, or no such file when there is no binary.
awk -F '\t' '$1 == "ok" { print $5 }' "$tmp/cards" | sort -u >"$tmp/files"
while read -r file; do
    name=${file#tests/}
    name=${name%.c}
    bin=$BUILD/tests/$name
    if [ -x "$bin" ]; then
        $limit "$bin" >"$tmp/$name.out" 2>&1
    else
        printf '# %s does not exist (run make first): its cards are not found\n' \
            "$bin"
    fi
done <"$tmp/files"

proven=0
unproven=0
tab=$(printf '\t')
while IFS=$tab read -r status where question test file; do
    name=${file#tests/}
    name=${name%.c}
    out=$tmp/$name.out
    why=""
    if [ "$status" != ok ]; then
        why="$where: $status"
    elif [ ! -f "$out" ]; then
        why="$test: not found"
    elif grep -Fqx "[       OK ] $test" "$out"; then
        why=""
    elif grep -Fqx "[  FAILED  ] $test" "$out"; then
        why="$test: failed"
    elif grep -Fqx "[  SKIPPED ] $test" "$out"; then
        why="$test: skipped"
    elif grep -Fqx "[ RUN      ] $test" "$out"; then
        why="$test: failed (the binary stopped inside it)"
    else
        why="$test: not found"
    fi
    if [ -z "$why" ]; then
        proven=$((proven + 1))
        printf "proven: %s (%s)\n" "$question" "$test"
    else
        unproven=$((unproven + 1))
        printf "NOT proven: %s (%s)\n" "$question" "$why"
    fi
done <"$tmp/cards"

# A question is asked in gRPC's terms: it names no function of duplex's
# (its answer may say what duplex calls the thing). The functions are the
# names declared in src/'s headers.
src=$(dirname "$0")/../src
cat "$src"/*/*.h "$src"/*/*/*.h 2>/dev/null |
    grep -o -E '\b[a-z][a-z0-9]*_[a-z0-9_]+ *\(' | sed 's/ *($//' |
    sort -u >"$tmp/functions"
internal=0
if [ ! -s "$tmp/functions" ]; then
    echo "NOT in gRPC's terms: cannot read the function names in $src/"
    internal=1
fi
while IFS=$tab read -r status where question test file; do
    [ "$status" = ok ] || continue
    for word in $(printf '%s\n' "$question" |
        grep -o -E '[A-Za-z][A-Za-z0-9]*_[A-Za-z0-9_]+'); do
        if grep -q -x -F -- "$word" "$tmp/functions"; then
            internal=$((internal + 1))
            printf "NOT in gRPC's terms: %s (%s: %s is duplex's)\n" \
                "$question" "$where" "$word"
        fi
    done
done <"$tmp/cards"

if [ $((proven + unproven)) = 0 ]; then
    echo "no cards in $LESSONS/*.md (a card is a '### Q:' heading under" \
        "'## Active Recall')"
fi
echo "$proven cards proven, $unproven not"
echo "$proven passed, $((unproven + internal)) failed"
[ "$unproven" = 0 ] && [ "$internal" = 0 ] && [ "$proven" -gt 0 ] &&
    [ -z "${disagree:-}" ]
