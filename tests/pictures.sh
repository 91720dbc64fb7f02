#!/bin/sh
# Golden pictures: the lessons (and README.md) show pictures of their
# scenarios, lesson/pictures/*.svg, drawn by `duplex run ... --svg`. Each
# must be exactly what that command draws now (simulated, so the same
# bytes every time), so a picture cannot drift from the code it shows.
# The table below is the list: a file, then the arguments of `duplex run`.
# Every picture in the table must be shown by a page, and every file in
# lesson/pictures/ must be in the table.
#
#   sh tests/pictures.sh          compare (make check runs this)
#   sh tests/pictures.sh update   draw the files again (make pictures, and
#                                 make golden); look at them before you
#                                 commit them
DUPLEX=${DUPLEX:-build/duplex}
root=$(cd "$(dirname "$0")/.." && pwd) || exit 2
dir=$root/lesson/pictures
mode=${1:-check}
passed=0
failed=0
tmp=$(mktemp)
trap 'rm -f "$tmp" "$tmp.table"' EXIT

table() {
    cat <<'EOF'
echo.svg                        echo
one-thread-client.svg           one-thread-client
backpressure.svg                backpressure --capacity 29 --messages 3
cancel-vs-drain.svg             cancel-vs-drain
send-after-eof.svg              send-after-eof
forgot-close-send.svg           forgot-close-send
error-propagation.svg           error-propagation
sender-fails-first.svg          sender-fails-first --fix
concurrent-senders.svg          concurrent-senders --messages 2 --replay 25:1
concurrent-senders-quota.svg    concurrent-senders-quota
rpc-kinds-server.svg            rpc-kinds --kind server
eof-order.svg                   eof-order
context-leak.svg                context-leak
pause-resume.svg                pause-resume
reconcile.svg                   reconcile
collaborate.svg                 collaborate
echo-h2.svg                     echo --wire h2 --messages 1
both-hot.svg                    both-hot
EOF
}

ok() {
    echo "ok - $1"
    passed=$((passed + 1))
}

not_ok() {
    echo "not ok - $1"
    failed=$((failed + 1))
}

# picture FILE ARGS...: draws duplex run ARGS into $tmp, then writes it
# to FILE (update) or compares it with FILE.
picture() {
    file=$1
    shift
    rm -f "$tmp"
    NO_COLOR=1 "$DUPLEX" run "$@" --svg "$tmp" >/dev/null 2>&1
    rc=$?
    if [ ! -s "$tmp" ] || [ "$rc" = 1 ] || [ "$rc" = 2 ]; then
        not_ok "duplex run $* --svg drew no picture (exit $rc)"
    elif [ "$mode" = update ]; then
        cp "$tmp" "$dir/$file"
        echo "wrote lesson/pictures/$file"
    elif cmp -s "$tmp" "$dir/$file"; then
        ok "picture: duplex run $* --svg is lesson/pictures/$file"
    else
        not_ok "picture: duplex run $* --svg differs from lesson/pictures/$file (make pictures draws it again)"
        diff "$dir/$file" "$tmp" 2>&1 | head -10 | sed 's/^/#   /'
    fi
}

mkdir -p "$dir"
table >"$tmp.table"
while read -r file args; do
    # shellcheck disable=SC2086 # the words are the arguments
    picture "$file" $args
    if ! grep -q "pictures/$file)" "$root"/lesson/*.md "$root/README.md"; then
        not_ok "lesson/pictures/$file is shown by a page (![...](pictures/$file))"
    fi
done <"$tmp.table"
for f in "$dir"/*.svg; do
    [ -e "$f" ] || continue
    name=${f##*/}
    if ! grep -q "^$name " "$tmp.table"; then
        not_ok "lesson/pictures/$name is in tests/pictures.sh's table (or is removed)"
    fi
done
[ "$mode" = update ] && [ "$failed" = 0 ] && exit 0
echo "$passed passed, $failed failed"
[ "$failed" = 0 ]
