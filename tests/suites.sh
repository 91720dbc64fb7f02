#!/bin/sh
# tests/suites.sh: runs make check's suites, JOBS at a time.
#
#   JOBS=2 sh tests/suites.sh TALLY LIST
#
# LIST is a file with one suite per line: its kind (cmocka or sh, as
# tests/tally.sh counts it), its name, and the command that runs it, words
# separated by blanks (no word may contain one: pass settings such as SAN
# in the environment). Each suite runs through `tests/tally.sh run TALLY`,
# which adds its counts to TALLY.
#
# With JOBS=1 (or without flock) the suites run one after the other in
# LIST's order and their output passes through as it comes. With more
# jobs, JOBS suites run at once (put the longest first in LIST), each into
# a file of its own, and each suite's output is printed whole, under
# "== NAME", when it ends, so two suites' lines never mix; the machine's
# cores are used and no suite waits for a slower one. A suite that fails
# is followed by "FAILED: NAME (exit N)", as before. The exit status is 1
# when any suite failed, 2 on a usage error.

usage() {
    echo "usage: JOBS=N sh tests/suites.sh TALLY LIST" >&2
    exit 2
}

# one TALLY LOCK KIND NAME CMD...: one suite, its output printed whole.
if [ "${1-}" = one ]; then
    tally=$2 lock=$3 kind=$4 name=$5
    shift 5
    out=$(mktemp) || exit 2
    sh tests/tally.sh run "$tally" "$kind" "$@" >"$out" 2>&1
    rc=$?
    flock "$lock" sh -c '
        echo "== $1"; cat "$2"
        [ "$3" = 0 ] || echo "FAILED: $1 (exit $3)"' sh "$name" "$out" "$rc"
    rm -f "$out"
    # xargs stops at an exit status of 255: any failure is 1 here.
    [ "$rc" = 0 ] || exit 1
    exit 0
fi

[ $# = 2 ] || usage
tally=$1
list=$2
[ -f "$list" ] || usage
jobs=${JOBS:-2}
case $jobs in
'' | *[!0-9]* | 0) echo "suites: JOBS wants a whole number above 0, not '$jobs'" >&2; exit 2 ;;
esac
command -v flock >/dev/null 2>&1 || jobs=1

if [ "$jobs" = 1 ]; then
    failed=0
    while read -r kind name cmd; do
        [ -n "$kind" ] || continue
        echo "== $name"
        # shellcheck disable=SC2086 # cmd is words, split on purpose
        sh tests/tally.sh run "$tally" "$kind" $cmd || {
            echo "FAILED: $name (exit $?)"
            failed=1
        }
    done <"$list"
    exit $failed
fi

lock=$(mktemp) || exit 2
xargs -P "$jobs" -L 1 sh tests/suites.sh one "$tally" "$lock" <"$list"
rc=$?
rm -f "$lock"
[ "$rc" = 0 ] || exit 1
exit 0
