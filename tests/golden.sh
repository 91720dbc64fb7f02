#!/bin/sh
# Golden tests: `duplex run SCENARIO` (simulated, seed 1: the default) must
# print exactly the text kept in tests/golden/, so the lessons can quote it
# and it cannot drift silently. Every row of `duplex list` has a file:
# SCENARIO.txt, and SCENARIO--fix.txt for a --fix row; the hub's
# --bad-client KIND runs are hub--bad-client-KIND.txt, and rpc-kinds has
# one for each --kind too (rpc-kinds--kind-KIND.txt). Each run is
# --wire raw (the default, so the lessons can quote it); the same runs
# with --wire h2 are kept in tests/golden/h2/ under the same names.
#
#   sh tests/golden.sh          compare (make check runs this)
#   sh tests/golden.sh update   write the files again (make golden); read
#                               the diff before you commit it
DUPLEX=${DUPLEX:-build/duplex}
dir=$(dirname "$0")/golden
mode=${1:-check}
passed=0
failed=0
tmp=$(mktemp)
trap 'rm -f "$tmp"' EXIT

golden() { # golden FILE ARGS...
    file=$dir/$1
    shift
    NO_COLOR=1 "$DUPLEX" run "$@" >"$tmp" 2>&1
    if [ "$mode" = update ]; then
        cp "$tmp" "$file"
        echo "wrote $file"
    elif cmp -s "$tmp" "$file"; then
        echo "ok - golden: duplex run $*"
        passed=$((passed + 1))
    else
        echo "not ok - golden: duplex run $* differs from $file:"
        diff -u "$file" "$tmp" | head -20
        failed=$((failed + 1))
    fi
}

# wire_goldens PREFIX WIRE: every file above, under PREFIX, with --wire WIRE.
# On h2, both-hot and hub --bad-client slow send thousands of messages
# before they show their lesson (a write quota and a window each way):
# their files keep the narration and the deadlock report (--trace none),
# not a timeline of half a megabyte.
wire_goldens() {
    prefix=$1
    wire=$2
    NO_COLOR=1 "$DUPLEX" list >"$tmp.list" || exit 1
    scenario=""
    while read -r first _; do
        case $first in
        scenario) ;;
        --fix) golden "$prefix$scenario--fix.txt" "$scenario" --fix \
            --wire "$wire" ;;
        *)
            scenario=$first
            if [ "$wire" = h2 ] && [ "$scenario" = both-hot ]; then
                golden "$prefix$scenario.txt" "$scenario" --wire "$wire" \
                    --trace none
            else
                golden "$prefix$scenario.txt" "$scenario" --wire "$wire"
            fi
            ;;
        esac
    done <"$tmp.list"
    rm -f "$tmp.list"
    # The hub's bad clients: options of one row, each with its own file.
    for kind in slow leave no-close; do
        if [ "$wire" = h2 ] && [ "$kind" = slow ]; then
            golden "${prefix}hub--bad-client-$kind.txt" hub --bad-client \
                "$kind" --wire "$wire" --trace none
        else
            golden "${prefix}hub--bad-client-$kind.txt" hub --bad-client \
                "$kind" --wire "$wire"
        fi
    done
    for kind in unary server client bidi; do
        golden "${prefix}rpc-kinds--kind-$kind.txt" rpc-kinds --kind "$kind" \
            --wire "$wire"
    done
}

wire_goldens "" raw
[ "$mode" = update ] && mkdir -p "$dir/h2"
wire_goldens h2/ h2
[ "$mode" = update ] && exit 0
echo "$passed passed, $failed failed"
[ "$failed" = 0 ]
