#!/bin/sh
# tests/step.sh: `duplex step`, driven by a script of keys, as a learner's
# terminal would drive it, and read back.
#
#   DUPLEX=build/duplex sh tests/step.sh
#
# What it checks, each on the real binary with its input from a file:
#   - a whole run by keys prints, decision by decision, the same events
#     (with their decision column) as `duplex run --replay` of the replay
#     string it ends with, and the same result: a path found by hand runs
#     again;
#   - undo shows the decision before again, as it was;
#   - a challenge reached is said, and its record kept in
#     $DUPLEX_STATE_DIR/step.records (mode 0600), and said the next time;
#   - --predict asks, answers and keeps the score;
#   - --svg FILE draws the run the replay string replays (valid XML, the
#     same texts as `duplex run --replay --svg`), also after q; "-" and a
#     file that cannot be written are refused before the session;
#   - bad keys are answered with what was expected, and the end of the
#     input ends the session cleanly with the run's exit code;
#   - output to a file has no escape sequences; on a terminal (where
#     util-linux script(1) can give it one) the screen is redrawn in
#     colour, and NO_COLOR turns both off.
#
# Each check prints "ok - NAME" or "not ok - NAME" with what went wrong
# behind "#"; the last line is "N passed, M failed". The exit status is 1
# when anything failed.

cd "$(dirname "$0")/.." || exit 1

DUPLEX=${DUPLEX:-build/duplex}
tap_name=step tap_out=10 tap_err=5
. tests/tap.sh

# The records go here, never into the user's home.
DUPLEX_STATE_DIR=$tmp/state
export DUPLEX_STATE_DIR
unset NO_COLOR

[ -x "$DUPLEX" ] || {
    not_ok "$DUPLEX is an executable" "make build/duplex first"
    echo "$passed passed, $failed failed"
    exit 1
}

# step KEYS ARGS...: runs duplex step ARGS with KEYS (a printf format) as
# its input; stdout, stderr in $tmp/out, $tmp/err, the status in $rc.
step() {
    # shellcheck disable=SC2059 # the escapes are the point
    printf "$1" >"$tmp/keys"
    shift
    within 60 "$DUPLEX" step "$@" <"$tmp/keys" >"$tmp/out" 2>"$tmp/err"
    rc=$?
}

# has NAME TEXT: passes when $tmp/out holds the line TEXT.
has() {
    if grep -qxF -- "$2" "$tmp/out"; then
        ok "$1"
    else
        not_ok "$1" "no line: $2"
    fi
}

# events FILE: the event lines of a timeline with a dec column.
events() {
    grep -E '^ {0,5}[0-9]+ +[0-9]+  |^ {14}' "$1"
}

# keys N: N lines of KEY (printf format), e.g. keys 40 '3\n'.
keys() {
    i=0
    while [ "$i" -lt "$1" ]; do
        printf '%s' "$2"
        i=$((i + 1))
    done
}

# ---- a path by hand runs again ------------------------------------------------

# Thread 3 whenever it can (else the bad key is answered and Enter goes
# on), for echo and concurrent-senders.
for sc in echo "concurrent-senders --messages 2"; do
    # shellcheck disable=SC2086 # $sc is a scenario and its options
    step "$(keys 80 '3\n\n')" $sc
    replay=$(sed -n 's/^replay: duplex run .* --replay //p' "$tmp/out")
    want=$(sed -n 's/^result: .*(exit \([0-9]\)).*/\1/p' "$tmp/out")
    if [ -n "$replay" ] && [ "$rc" = "$want" ]; then
        ok "step $sc: ends with a replay string and the run's exit code ($rc)"
    else
        not_ok "step $sc: ends with a replay string and the run's exit code" \
            "exit $rc, result's exit $want, replay '$replay'"
    fi
    events "$tmp/out" >"$tmp/stepped"
    grep '^result: ' "$tmp/out" >"$tmp/result"
    # shellcheck disable=SC2086
    within 60 "$DUPLEX" run $sc --replay "$replay" --decisions >"$tmp/run"
    events "$tmp/run" >"$tmp/replayed"
    if [ -s "$tmp/stepped" ] && cmp -s "$tmp/stepped" "$tmp/replayed" &&
        grep -qxF "$(cat "$tmp/result")" "$tmp/run"; then
        ok "step $sc: duplex run --replay shows the same events and result"
    else
        not_ok "step $sc: duplex run --replay shows the same events and result" \
            "$(diff "$tmp/stepped" "$tmp/replayed" | head -n 10)"
    fi
done

# All Enter: the seed's run, as `duplex run --seed 1` prints it.
step "$(keys 200 '\n')" echo
grep '^result: ' "$tmp/out" >"$tmp/result"
within 60 "$DUPLEX" run echo --seed 1 >"$tmp/run"
if grep -qxF "$(cat "$tmp/result")" "$tmp/run" &&
    grep -q 'the seed made the rest' "$tmp/out" &&
    ! grep -q '(end of input)' "$tmp/out"; then
    ok "step echo, Enter at every decision: the run of --seed 1"
else
    not_ok "step echo, Enter at every decision: the run of --seed 1" \
        "$(cat "$tmp/result")"
fi

# --seed N: Enter lets seed N choose, so all Enter is `duplex run --seed N`,
# and not seed 1's run.
step "$(keys 300 '\n')" chat --seed 7
events "$tmp/out" >"$tmp/stepped"
within 60 "$DUPLEX" run chat --seed 7 --decisions >"$tmp/run"
events "$tmp/run" >"$tmp/replayed"
within 60 "$DUPLEX" run chat --seed 1 --decisions >"$tmp/run"
events "$tmp/run" >"$tmp/seed1"
if grep -q '^seed 7 chooses on Enter' "$tmp/out" && [ -s "$tmp/stepped" ] &&
    cmp -s "$tmp/stepped" "$tmp/replayed" && ! cmp -s "$tmp/stepped" "$tmp/seed1"; then
    ok "step chat --seed 7, Enter at every decision: the run of --seed 7"
else
    not_ok "step chat --seed 7, Enter at every decision: the run of --seed 7" \
        "$(diff "$tmp/stepped" "$tmp/replayed" | head -n 6)"
fi

# ---- undo ---------------------------------------------------------------------

step '1\n\n\nu\nu\nq\n' echo
sed -n '/^decision 1 (step/,/^decision 1> /p' "$tmp/out" >"$tmp/blocks"
first=$(sed -n '/^decision 1 (step/,/^decision 1> /{p;/^decision 1> /q;}' "$tmp/out")
if grep -qxF 'undone: back at decision 2' "$tmp/out" &&
    grep -qxF 'undone: back at decision 1' "$tmp/out" &&
    [ "$(grep -c '^decision 1 (step' "$tmp/out")" = 2 ] &&
    [ "$(printf '%s\n' "$first" | grep -c .)" -gt 2 ] &&
    [ "$(grep -cxF "$(printf '%s\n' "$first" | sed -n 2p)" "$tmp/out")" -ge 2 ]; then
    ok "step echo: u takes back a decision; the one before is shown again"
else
    not_ok "step echo: u takes back a decision; the one before is shown again" \
        "$(grep -n 'undone\|^decision' "$tmp/out" | head -n 12)"
fi
has "step echo: q says where it stopped" "stopped at decision 1. Your 1 choices, then the seed's:"

# ---- a challenge and its record ----------------------------------------------

step 'r\n' cancel-vs-drain --challenge lose
n=$(sed -n 's/^challenge lose reached in \([0-9]*\) decisions$/\1/p' "$tmp/out")
if [ -n "$n" ] && [ "$rc" = 3 ]; then
    ok "step cancel-vs-drain --challenge lose: reached in $n decisions"
else
    not_ok "step cancel-vs-drain --challenge lose: reached" "exit $rc"
fi
has "the first time, a new record" "a new record for lose"
records=$DUPLEX_STATE_DIR/step.records
if [ "$(grep -c "^cancel-vs-drain:lose $n " "$records")" = 1 ] &&
    ls -l "$records" | grep -q '^-rw-------'; then
    ok "the record is in step.records (mode 0600)"
else
    not_ok "the record is in step.records (mode 0600)" "$(ls -l "$records"; cat "$records")"
fi
step 'r\n' cancel-vs-drain --challenge lose
has "the next time, the record is said" "your record for lose: $n decisions"
has "and shown with the challenge" "challenge lose: make cancel-vs-drain lose a message (cancel with updates still buffered) in as few decisions as you can (best: $n decisions)"

# ---- where the records go, and a records file that cannot be used ----------

# stepped "ENV WORDS" [OPTION...]: the lose challenge again, with ENV WORDS
# (env's, split on blanks: $tmp has none) in place of the test's
# DUPLEX_STATE_DIR, and OPTIONs added.
stepped() {
    env_words=$1
    shift
    printf 'r\n' >"$tmp/keys"
    # shellcheck disable=SC2086 # the words are split on purpose
    within 60 env -u DUPLEX_STATE_DIR $env_words "$DUPLEX" step \
        cancel-vs-drain --challenge lose "$@" <"$tmp/keys" >"$tmp/out" 2>"$tmp/err"
    rc=$?
}
stepped "-u XDG_STATE_HOME HOME=$tmp/home"
if [ "$rc" = 3 ] && grep -q '^cancel-vs-drain:lose ' "$tmp/home/.local/state/duplex/step.records"; then
    ok "without DUPLEX_STATE_DIR or XDG_STATE_HOME the record goes under HOME/.local/state/duplex"
else
    not_ok "the record goes under HOME/.local/state/duplex" "exit $rc; $(ls -R "$tmp/home" 2>&1 | head -n 5)"
fi
stepped "XDG_STATE_HOME=$tmp/xdg"
if [ "$rc" = 3 ] && grep -q '^cancel-vs-drain:lose ' "$tmp/xdg/duplex/step.records"; then
    ok "with XDG_STATE_HOME the record goes to XDG_STATE_HOME/duplex"
else
    not_ok "with XDG_STATE_HOME the record goes to XDG_STATE_HOME/duplex" "exit $rc"
fi
# No HOME, no XDG_STATE_HOME (or one that is no absolute path), no
# DUPLEX_STATE_DIR: no record can be kept, and the session says so, once.
for env_words in "-u XDG_STATE_HOME -u HOME" "-u HOME XDG_STATE_HOME=rel" \
    "-u XDG_STATE_HOME HOME="; do
    stepped "$env_words"
    said=$(grep -c '^no record is kept: ' "$tmp/out")
    if [ "$rc" = 3 ] && [ "$said" = 1 ] && [ ! -s "$tmp/err" ] &&
        grep -qxF "no record is kept: no place for the records file: set HOME, XDG_STATE_HOME or DUPLEX_STATE_DIR" "$tmp/out" &&
        grep -q '^challenge lose reached in ' "$tmp/out" &&
        ! grep -q 'a new record' "$tmp/out"; then
        ok "env $env_words: the session says once that no record is kept, and why"
    else
        not_ok "env $env_words: the session says once that no record is kept" \
            "exit $rc, said $said times; $(grep -n 'record' "$tmp/out")"
    fi
done
mkdir -p "$tmp/dir/step.records"
stepped "DUPLEX_STATE_DIR=$tmp/dir"
has "a records file that cannot be read: the run goes on and says so" \
    "(the record could not be kept: cannot read $tmp/dir/step.records: Is a directory)"
: >"$tmp/plain"
stepped "DUPLEX_STATE_DIR=$tmp/plain/sub"
has "a records folder that cannot be made: the run goes on and says so" \
    "(the record could not be kept: cannot make $tmp/plain/sub: Not a directory)"
stepped "DUPLEX_STATE_DIR=$tmp/plain/sub/deeper"
has "a records folder whose parent cannot be made: the run goes on and says which" \
    "(the record could not be kept: cannot make $tmp/plain/sub: Not a directory)"
mkdir -p "$tmp/locked/step.records.lock"
stepped "DUPLEX_STATE_DIR=$tmp/locked"
if [ "$rc" = 3 ] && [ ! -e "$tmp/locked/step.records" ] &&
    grep -qxF "(the record could not be kept: cannot lock $tmp/locked/step.records.lock: Is a directory)" "$tmp/out"; then
    ok "a lock file that cannot be taken: nothing is written, and the run says why"
else
    not_ok "a lock file that cannot be taken: nothing is written" "exit $rc; $(ls "$tmp/locked")"
fi
# A record of no number, on a last line with no end: replaced, and the
# file ends with its line's end.
mkdir -p "$tmp/last"
printf '# mine\ncancel-vs-drain:lose -5 -' >"$tmp/last/step.records"
stepped "DUPLEX_STATE_DIR=$tmp/last"
has "a record that is no number counts as none" "a new record for lose"
if [ "$(sed -n 1p "$tmp/last/step.records")" = "# mine" ] &&
    [ "$(wc -l <"$tmp/last/step.records")" = 2 ] &&
    grep -q '^cancel-vs-drain:lose [0-9][0-9]* [0-9:,]*$' "$tmp/last/step.records"; then
    ok "a last line with no end: its record is replaced, the line before kept"
else
    not_ok "a last line with no end: its record is replaced" "$(cat "$tmp/last/step.records")"
fi
printf 'other 3 -' >"$tmp/last/step.records"
stepped "DUPLEX_STATE_DIR=$tmp/last"
if [ "$(sed -n 1p "$tmp/last/step.records")" = "other 3 -" ] &&
    [ "$(wc -l <"$tmp/last/step.records")" = 2 ]; then
    ok "a new record after a last line with no end goes on a line of its own"
else
    not_ok "a new record after a last line with no end goes on a line of its own" \
        "$(cat "$tmp/last/step.records")"
fi
# A NUL byte: the lines after it cannot be read, so nothing is saved over
# them.
mkdir -p "$tmp/nul"
printf 'x:a 5 -\n\000junk\nkeep:me 3 1:1\n' >"$tmp/nul/step.records"
cp "$tmp/nul/step.records" "$tmp/nul.before"
stepped "DUPLEX_STATE_DIR=$tmp/nul"
if [ "$rc" = 3 ] && cmp -s "$tmp/nul/step.records" "$tmp/nul.before" &&
    grep -qxF "(the record could not be kept: cannot read $tmp/nul/step.records: byte 8 is a NUL, so it is no text file (it is left as it is))" "$tmp/out"; then
    ok "a records file with a NUL byte: left byte for byte, and the run says why"
else
    not_ok "a records file with a NUL byte: left byte for byte" \
        "exit $rc; $(od -c "$tmp/nul/step.records" | head -n 4)"
fi
mkdir -p "$tmp/odd"
printf 'a line of no record\ncancel-vs-drain:lose many\n:x 1\n' >"$tmp/odd/step.records"
stepped "DUPLEX_STATE_DIR=$tmp/odd"
if [ "$rc" = 3 ] && grep -qxF 'a line of no record' "$tmp/odd/step.records" &&
    grep -qxF ':x 1' "$tmp/odd/step.records" &&
    [ "$(grep -c '^cancel-vs-drain:lose ' "$tmp/odd/step.records")" = 1 ] &&
    ! grep -q '^cancel-vs-drain:lose many' "$tmp/odd/step.records"; then
    ok "a records file with lines it cannot read: they are kept, the bad record replaced"
else
    not_ok "a records file with lines it cannot read" "$(cat "$tmp/odd/step.records")"
fi

# A record is kept per run shape: the options that change the run are in
# its key.
mkdir -p "$tmp/keyed"
stepped "DUPLEX_STATE_DIR=$tmp/keyed" --messages 6 --capacity 4096 --timeout 5000
if [ "$rc" = 3 ] && grep -q '^cancel-vs-drain:lose:m=6:c=4096:t=5000 [0-9][0-9]* ' "$tmp/keyed/step.records"; then
    ok "a record's key holds the options of its run (--messages, --capacity, --timeout)"
else
    not_ok "a record's key holds the options of its run" "exit $rc; $(cat "$tmp/keyed/step.records" 2>&1)"
fi

# --kind and the wire change the run: the replay line names them, so it
# runs the same path again, and a record counts for them alone.
: >"$tmp/empty"
mkdir -p "$tmp/kinds"
for opts in "rpc-kinds --kind bidi" "echo --messages 1 --wire h2 --window 100 --conn-window 70000"; do
    # shellcheck disable=SC2086 # $opts is a scenario and its options
    within 60 env DUPLEX_STATE_DIR="$tmp/kinds" "$DUPLEX" step $opts \
        <"$tmp/empty" >"$tmp/out" 2>"$tmp/err"
    rc=$?
    replay=$(sed -n 's/^replay: duplex run //p' "$tmp/out")
    events "$tmp/out" >"$tmp/stepped"
    # shellcheck disable=SC2086 # the replay line is words
    within 60 "$DUPLEX" run $replay --decisions >"$tmp/run" 2>&1
    events "$tmp/run" >"$tmp/replayed"
    case " $replay " in
    *" ${opts#* } --replay "*) named=1 ;;
    *) named=0 ;;
    esac
    if [ "$named" = 1 ] && [ -s "$tmp/stepped" ] && cmp -s "$tmp/stepped" "$tmp/replayed" &&
        grep -qxF "$(grep '^result: ' "$tmp/out")" "$tmp/run"; then
        ok "step $opts: the replay line names its options and runs the same path"
    else
        not_ok "step $opts: the replay line names its options and runs the same path" \
            "exit $rc; replay: $(printf '%.100s' "$replay"); $(diff "$tmp/stepped" "$tmp/replayed" | head -n 6)"
    fi
done
if grep -q '^rpc-kinds:reply-first:k=bidi [0-9]' "$tmp/kinds/step.records"; then
    ok "a record's key holds a --kind that is not the first"
else
    not_ok "a record's key holds a --kind that is not the first" "$(cat "$tmp/kinds/step.records")"
fi
within 60 env DUPLEX_STATE_DIR="$tmp/kinds" "$DUPLEX" step rpc-kinds --kind unary \
    <"$tmp/empty" >"$tmp/out" 2>"$tmp/err"
if grep -q '^challenge reply-first: make ' "$tmp/out" &&
    ! grep -q '^challenge reply-first: make .*(best: ' "$tmp/out"; then
    ok "--kind unary (the first kind) is not shown bidi's record"
else
    not_ok "--kind unary (the first kind) is not shown bidi's record" "$(grep '^challenge' "$tmp/out")"
fi
within 60 "$DUPLEX" step cancel-vs-drain --fix --challenge nope </dev/null >"$tmp/out" 2>"$tmp/err"
rc=$?
if [ "$rc" = 2 ] && grep -qxF "duplex step: cancel-vs-drain --fix has no challenge 'nope'; its challenges: ahead" "$tmp/err"; then
    ok "a challenge the run does not have: exit 2, and the ones it has"
else
    not_ok "a challenge the run does not have" "exit $rc; $(cat "$tmp/err")"
fi

# ---- predict ------------------------------------------------------------------

step "$(keys 100 '\n\n1\n\n4\n')" echo --predict
right=$(sed -n 's/^predictions: \([0-9]*\) of \([0-9]*\) right$/\1 \2/p' "$tmp/out")
if [ -n "$right" ] && [ "${right% *}" -le "${right#* }" ] &&
    grep -q '^right: ' "$tmp/out" && grep -q '^not this time: ' "$tmp/out"; then
    ok "step echo --predict: asks, answers and scores ($right)"
else
    not_ok "step echo --predict: asks, answers and scores" "predictions: '$right'"
fi
has "an answer that is no choice is asked again" "'' is not an answer: type a number from 1 to 4, then Enter"

# ---- --svg: the picture of the path taken ------------------------------------

# texts FILE: a picture's texts after its caption (title, summary, mode,
# outcome): the lifelines, the arrows' labels, the marks.
texts() {
    grep -o '>[^<]*</text>' "$1" | sed -n '5,$p'
}

# Thread 3 whenever it can, as above: the picture is of the run its
# replay string replays, so `duplex run --replay --svg` draws the same.
step "$(keys 80 '3\n\n')" echo --svg "$tmp/step.svg"
replay=$(sed -n 's/^replay: duplex run echo --replay //p' "$tmp/out")
within 60 "$DUPLEX" run echo --replay "$replay" --svg "$tmp/run.svg" >/dev/null
texts "$tmp/step.svg" >"$tmp/step.texts"
texts "$tmp/run.svg" >"$tmp/run.texts"
if [ "$rc" = 0 ] && xmllint --noout "$tmp/step.svg" 2>"$tmp/err" &&
    grep -q '<title>duplex step echo</title>' "$tmp/step.svg" &&
    grep -q 'decisions chosen by hand, the rest by the seed' "$tmp/step.svg" &&
    [ -s "$tmp/step.texts" ] && cmp -s "$tmp/step.texts" "$tmp/run.texts"; then
    ok "step echo --svg: a valid picture of the path, as duplex run --replay --svg draws it"
else
    not_ok "step echo --svg: a valid picture of the path, as duplex run --replay --svg draws it" \
        "exit $rc; $(diff "$tmp/step.texts" "$tmp/run.texts" | head -n 5)"
fi
step 'q\n' forgot-close-send --svg "$tmp/q.svg"
if [ "$rc" = 0 ] && xmllint --noout "$tmp/q.svg" 2>"$tmp/err" &&
    grep -q 'result: DEADLOCK' "$tmp/q.svg"; then
    ok "step forgot-close-send --svg, then q: the picture of the run its replay string replays"
else
    not_ok "step forgot-close-send --svg, then q: a picture" "exit $rc"
fi
step '' echo --svg -
if [ "$rc" = 2 ] && grep -q -- '--svg wants a file: the session is on stdout' "$tmp/err"; then
    ok "step --svg -: a usage error (the session is on stdout)"
else
    not_ok "step --svg -: a usage error" "exit $rc; $(cat "$tmp/err")"
fi
step '' echo --svg "$tmp/no/such/dir/x.svg"
if [ "$rc" = 1 ] && [ ! -s "$tmp/out" ] &&
    grep -q "^duplex step: cannot write the picture to $tmp/no/such/dir/x.svg: " "$tmp/err"; then
    ok "step --svg into no directory: exit 1 with the reason, before any decision"
else
    not_ok "step --svg into no directory: exit 1 with the reason" "exit $rc; $(cat "$tmp/err")"
fi

# ---- bad keys, the end of the input ------------------------------------------

step 'hello\n42\n' forgot-close-send
has "a word is no key" "'hello' is not a key here. Keys: a thread's number runs it, Enter lets the seed choose, u undoes, r runs the rest, q stops, ? shows the keys"
has "a number with no thread" "there is no thread 42: the numbers are in the list"
if [ "$rc" = 5 ] && grep -q '> (end of input)$' "$tmp/out" && [ ! -s "$tmp/err" ]; then
    ok "the end of the input runs the rest: exit 5 (deadlock), nothing on stderr"
else
    not_ok "the end of the input runs the rest: exit 5" "exit $rc"
fi
step '' concurrent-senders
if [ "$rc" = 4 ] && grep -q '^result: INTERNAL' "$tmp/out"; then
    ok "an empty input: the seed's run, exit 4 (garbled)"
else
    not_ok "an empty input: the seed's run, exit 4 (garbled)" "exit $rc"
fi
if ! grep -q "$(printf '\033')" "$tmp/out"; then
    ok "output to a file has no escape sequence"
else
    not_ok "output to a file has no escape sequence" ""
fi

# ---- a terminal ---------------------------------------------------------------

if script --version 2>/dev/null | grep -q util-linux; then
    printf 'q\n' >"$tmp/keys"
    TERM=xterm within 60 script -qec "$DUPLEX step echo" /dev/null \
        <"$tmp/keys" >"$tmp/tty" 2>&1
    if grep -q "$(printf '\033\\[H\033\\[2J')" "$tmp/tty" &&
        grep -q "$(printf '\033\\[1mdecision 0')" "$tmp/tty"; then
        ok "on a terminal: the screen is redrawn, in colour"
    else
        not_ok "on a terminal: the screen is redrawn, in colour" "$(head -c 300 "$tmp/tty")"
    fi
    NO_COLOR=1 TERM=xterm within 60 script -qec "$DUPLEX step echo" \
        /dev/null <"$tmp/keys" >"$tmp/tty" 2>&1
    if ! grep -q "$(printf '\033')" "$tmp/tty"; then
        ok "on a terminal with NO_COLOR: plain lines"
    else
        not_ok "on a terminal with NO_COLOR: plain lines" ""
    fi
else
    ok "# skip: no util-linux script(1) to give duplex a terminal"
fi

echo "$passed passed, $failed failed"
[ "$failed" = 0 ]
