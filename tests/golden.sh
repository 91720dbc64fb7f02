#!/bin/sh
# Golden tests: `duplex run SCENARIO` (simulated, seed 1: the default) must
# print exactly the text kept in tests/golden/, so the lessons can quote it
# and it cannot drift silently. Every row of `duplex list` has a file:
# SCENARIO.txt, and SCENARIO--fix.txt for a --fix row; the hub's
# --bad-client KIND runs are hub--bad-client-KIND.txt, and rpc-kinds has
# one for each --kind too (rpc-kinds--kind-KIND.txt).
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

NO_COLOR=1 "$DUPLEX" list >"$tmp.list" || exit 1
scenario=""
while read -r first _; do
    case $first in
    scenario) ;;
    --fix) golden "$scenario--fix.txt" "$scenario" --fix ;;
    *) scenario=$first; golden "$scenario.txt" "$scenario" ;;
    esac
done <"$tmp.list"
rm -f "$tmp.list"
# The hub's bad clients: options of one row, each with its own file.
for kind in slow leave no-close; do
    golden "hub--bad-client-$kind.txt" hub --bad-client "$kind"
done
for kind in unary server client bidi; do
    golden "rpc-kinds--kind-$kind.txt" rpc-kinds --kind "$kind"
done
[ "$mode" = update ] && exit 0
echo "$passed passed, $failed failed"
[ "$failed" = 0 ]
