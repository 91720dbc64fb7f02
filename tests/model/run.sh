#!/bin/sh
# make model: SPIN checks every interleaving of two small Promela models of
# duplex, and each check must end as expected.
#
#   sh tests/model/run.sh        a summary line per check, and the trails
#   sh tests/model/run.sh -v     also the commands and pan's full report
#                                (V=1 does the same: make model V=1)
#
# The checks (models in tests/model/, work files in build/model/CHECK/):
#
#   half-close          half_close.pml                      no error
#   forgot-close-send   half_close.pml -DFORGET_CLOSE_SEND  invalid end state
#   two-senders         two_senders.pml                     assertion violated
#   two-senders-locked  two_senders.pml -DLOCK              no error
#
# Each check is: spin -a (writes pan.c, a checker for that one model),
# cc -DSAFETY pan.c (safety properties only: assertions and end states), and
# ./pan, which explores every state. A check that must find a bug passes
# only if pan reports errors > 0 of the expected kind; its trail is then
# replayed (spin -t) and printed as numbered steps, from the models' printf
# lines and, where the trail ends in a deadlock, what each stuck process
# waits for (the "blocked: ..." comment on the line SPIN names). A clean
# check passes only on "errors: 0" after a complete search.
#
# Needs spin (installed with apt-get when missing and run as root) and a C
# compiler ($CC, default cc). Colour on a terminal, unless NO_COLOR is set.
# Exit status: 0 if every check ended as expected, 1 if not, 2 on usage.

set -u

root=$(cd "$(dirname "$0")/../.." && pwd) || exit 2
models=$root/tests/model
work=$root/build/model
CC=${CC:-cc}
verbose=${V:-0}
[ "$verbose" = 0 ] || [ "$verbose" = 1 ] || verbose=1

case ${1:-} in
'') ;;
-v) verbose=1 ;;
-h | --help)
    sed -n '2,/^$/p' "$0" | sed 's/^# \{0,1\}//'
    exit 0
    ;;
*)
    echo "usage: sh tests/model/run.sh [-v]" >&2
    exit 2
    ;;
esac

if [ -t 1 ] && [ -z "${NO_COLOR+set}" ] && [ "${TERM:-}" != dumb ]; then
    green=$(printf '\033[32m') red=$(printf '\033[31m')
    bold=$(printf '\033[1m') off=$(printf '\033[0m')
else
    green="" red="" bold="" off=""
fi

say() { # prints a command when verbose
    [ "$verbose" = 0 ] || printf '%s\n' "$*"
}

# spin, installed quietly when missing and we may; a compiler for pan.c.
if ! command -v spin >/dev/null 2>&1; then
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
        echo "model: installing spin (apt-get install spin)"
        apt-get update -qq >/dev/null 2>&1
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq spin \
            >/dev/null 2>&1
    fi
    if ! command -v spin >/dev/null 2>&1; then
        echo "model: spin is not installed: run 'sudo apt-get install spin'" \
             "(Debian, Ubuntu) or see https://spinroot.com" >&2
        exit 1
    fi
fi
if ! command -v "$CC" >/dev/null 2>&1; then
    echo "model: no C compiler ('$CC'): SPIN's checker pan.c must be" \
         "compiled; install gcc, or set CC" >&2
    exit 1
fi

passed=0
failed=0
start=$(date +%s)

# Prints the trail of the check in the current directory as numbered steps.
# $1: the model file, $2: its -D options.
print_trail() {
    # shellcheck disable=SC2086 # $2 is zero or one -D option
    spin $2 -t -T "$1" >trail.txt 2>&1
    awk -v model="$1" '
    # client_send -> client/send, client_send_a -> client/send-a
    function shown(p) {
        if (sub(/_/, "/", p)) gsub(/_/, "-", p)
        return p
    }
    # The "blocked: ..." comment of the model line a process is stuck on.
    function waits(line,    i, s) {
        s = src[line]
        i = index(s, "blocked: ")
        if (i == 0) return "is stuck at " model ":" line
        s = substr(s, i + 9)
        sub(/[ \t]*\*\/.*$/, "", s)
        return s
    }
    # "(c2s is empty)" or "(c2s holds [...])", for the channel named last.
    function queue_state(what,    c) {
        if (!match(what, /on [A-Za-z_0-9]+$/)) return ""
        c = substr(what, RSTART + 3)
        if (!(c in queue)) return ""
        return queue[c] == "" ? " (" c " is empty)" : " (" c " holds " queue[c] ")"
    }
    BEGIN {
        while ((getline s < model) > 0) src[++n] = s
        close(model)
        story = 1
    }
    story && /^spin: / { story = 0 }
    story && /^#processes:/ { story = 0 }
    story { printf "  %2d. %s\n", ++step, $0; next }
    /Error: assertion violated/ {
        where = $2; sub(/,$/, "", where); assertion = where; next
    }
    /^spin: text of failed assertion: / {
        text = $0; sub(/^spin: text of failed assertion: /, "", text); next
    }
    /^\t\tqueue [0-9]+ \(/ {
        c = $0; sub(/^[^(]*\(/, "", c); sub(/\).*$/, "", c)
        v = $0; sub(/^[^)]*\): ?/, "", v)
        queue[c] = v
        next
    }
    /^ *[0-9]+:\tproc +[0-9]+ \(/ {
        pid = $0; sub(/^[^p]*proc +/, "", pid); sub(/ .*$/, "", pid)
        name = $0; sub(/^[^(]*\(/, "", name); sub(/:.*$/, "", name)
        line = $0; sub(/^.*\.pml:/, "", line); sub(/ .*$/, "", line)
        procs[pid + 0] = name
        at[pid + 0] = line
        ended[pid + 0] = ($0 ~ /<valid end state>/)
        if (pid + 0 > last) last = pid + 0
        next
    }
    END {
        if (assertion != "") {
            # The assert as written in the model, else as spin shows it.
            line = assertion; sub(/^.*:/, "", line)
            s = src[line]
            if (s ~ /assert/) {
                sub(/^[ \t]*/, "", s); sub(/[ \t]*\/\*.*$/, "", s)
                text = s
            }
            printf "      -> assertion violated at %s: %s\n", assertion, text
            exit 0
        }
        gone = ""
        for (p = 0; p <= last; p++) {
            if (!(p in procs)) continue
            if (ended[p]) { gone = gone (gone == "" ? "" : " and ") shown(procs[p]); continue }
            w = waits(at[p])
            printf "  %2d. %s: %s%s\n", ++step, shown(procs[p]), w, queue_state(w)
        }
        printf "      -> deadlock: "
        if (gone != "") printf "%s ended, and ", gone
        printf "%s waits for something that can never happen", (gone != "" ? "every other process" : "every process")
        printf " (SPIN: invalid end state)\n"
    }' trail.txt
}

# check NAME MODEL DEFINES EXPECT, where EXPECT is "clean" or the error
# pan must report ("invalid end state", "assertion violated").
check() {
    name=$1 model=$2 defs=$3 expect=$4
    dir=$work/$name
    rm -rf "$dir"
    mkdir -p "$dir" || exit 2
    cp "$models/$model" "$dir/" || exit 2
    label="$name ($model${defs:+ $defs})"
    why=""
    (
        cd "$dir" || exit 2
        say "cd build/model/$name"
        say "spin${defs:+ $defs} -a $model"
        # shellcheck disable=SC2086
        spin $defs -a "$model" >spin.log 2>&1 || { cat spin.log; exit 3; }
        say "$CC -DSAFETY -O2 -o pan pan.c"
        "$CC" -DSAFETY -O2 -o pan pan.c >cc.log 2>&1 || { cat cc.log; exit 3; }
        # -m: the depth limit (the models need under 100); -w16: a small
        # hash table (the default takes 128 MB); -n: no unreached-code list.
        say "./pan -m1000 -w16 -n"
        ./pan -m1000 -w16 -n >pan.log 2>&1
        [ "$verbose" = 0 ] || cat pan.log
        exit 0
    ) || { why="spin or cc failed"; }
    log=$dir/pan.log
    errors=$(sed -n 's/.*errors: \([0-9][0-9]*\).*/\1/p' "$log" 2>/dev/null)
    states=$(awk '/states, stored/ { print $1; exit }' "$log" 2>/dev/null)
    trans=$(awk '/transitions \(/ { print $1; exit }' "$log" 2>/dev/null)
    counts="${states:-?} states, stored; ${trans:-?} transitions"
    if [ -z "$why" ]; then
        if [ -z "$errors" ]; then
            why="pan printed no 'errors:' line"
        elif grep -q 'max search depth too small' "$log"; then
            why="the search hit the depth limit (-m)"
        elif [ "$expect" = clean ]; then
            if [ "$errors" != 0 ]; then
                why="errors: $errors, want 0 ($(grep -m1 '^pan:[0-9]' "$log"))"
            elif grep -q 'Search not completed' "$log"; then
                why="the search did not complete"
            fi
        elif [ "$errors" = 0 ]; then
            why="errors: 0, want the $expect SPIN finds in this model"
        elif ! grep -Eq "^pan:[0-9]+: $expect" "$log"; then
            why="errors: $errors, but not the $expect: $(grep -m1 '^pan:[0-9]' "$log")"
        fi
    fi
    if [ -n "$why" ]; then
        printf '%snot ok%s - %s: %s [%s]\n' "$red" "$off" "$label" "$why" "$counts"
        failed=$((failed + 1))
    else
        if [ "$expect" = clean ]; then
            outcome="errors: 0, every state explored"
        else
            outcome="errors: $errors, $expect as expected"
        fi
        printf '%sok%s - %s: %s [%s]\n' "$green" "$off" "$label" "$outcome" "$counts"
        passed=$((passed + 1))
    fi
    # A trail, expected or not, is printed.
    if [ -f "$dir/$model.trail" ]; then
        printf '%s     trail (spin -t%s):%s\n' "$bold" "${defs:+ $defs}" "$off"
        (cd "$dir" && print_trail "$model" "$defs")
    fi
}

check half-close half_close.pml "" clean
check forgot-close-send half_close.pml -DFORGET_CLOSE_SEND "invalid end state"
check two-senders two_senders.pml "" "assertion violated"
check two-senders-locked two_senders.pml -DLOCK clean

end=$(date +%s)
if [ "$failed" = 0 ]; then
    printf '%s%d passed, 0 failed%s (%d s)\n' "$green" "$passed" "$off" \
        $((end - start))
else
    printf '%s%d passed, %d failed%s (%d s)\n' "$red" "$passed" "$failed" \
        "$off" $((end - start))
fi
[ "$failed" = 0 ]
