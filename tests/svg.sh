#!/bin/sh
# tests/svg.sh: `duplex run ... --svg FILE`, end to end.
#
#   DUPLEX=build/duplex sh tests/svg.sh
#
# For every row of `duplex list` (and its --fix): the run with --svg exits
# with the code `duplex list` gives and prints the same text as without
# it; its picture is one well-formed XML document (xmllint --noout), and
# drawing it again, under another name, gives the same bytes. Then --svg's
# edges: "-" is stdout (the text goes to stderr), a file that cannot be
# written is exit 1 with the reason and no run, an empty name is a usage
# error, a usage error writes no file, and --trace none and --os still
# draw.
#
# Last, where Chromium is installed, the forgot-close-send picture is
# rendered headless to a PNG, and python3 reads the pixels: the picture
# is not blank, and its frames (green, blue) and its deadlock (red) are
# there. Without Chromium or python3 that check is skipped and says why.
# xmllint is required: `make deps` (tests/deps.sh) installs it.
#
# Each check prints "ok - ..." or "not ok - ..." (with what went wrong
# behind "#"); the last line is "N passed, M failed", and the exit status
# is 1 when anything failed.

cd "$(dirname "$0")/.." || exit 1

DUPLEX=${DUPLEX:-build/duplex}
tap_name=svg tap_out=5 tap_err=5
. tests/tap.sh

# run ARGS...: duplex run ARGS, without colour; stdout, stderr in $tmp/out,
# $tmp/err, the status in $rc.
run() {
    NO_COLOR=1 within 60 "$DUPLEX" run "$@" >"$tmp/out" 2>"$tmp/err" </dev/null
    rc=$?
}

# valid FILE NAME: xmllint accepts FILE.
valid() {
    if xmllint --noout "$1" 2>"$tmp/lint"; then
        return 0
    fi
    not_ok "$2: xmllint" "$(head -n 5 "$tmp/lint")"
    return 1
}

# picture WANT ARGS...: the checks of one scenario row (see the top).
picture() {
    want=$1
    shift
    name="duplex run $* --svg"
    run "$@"
    cp "$tmp/out" "$tmp/text"
    run "$@" --svg "$tmp/a.svg"
    if [ "$rc" != "$want" ]; then
        not_ok "$name" "exit $rc, want $want"
    elif ! cmp -s "$tmp/out" "$tmp/text"; then
        not_ok "$name" "its text differs from the run without --svg"
    elif [ -s "$tmp/err" ]; then
        not_ok "$name" "it printed on stderr"
    elif valid "$tmp/a.svg" "$name"; then
        run "$@" --svg="$tmp/b.svg"
        if cmp -s "$tmp/a.svg" "$tmp/b.svg"; then
            ok "$name: exit $rc, same text, valid XML, the same picture twice"
        else
            not_ok "$name" "a second run drew other bytes"
        fi
    fi
}

if ! command -v xmllint >/dev/null 2>&1; then
    not_ok "xmllint is installed" "make deps (or apt-get install libxml2-utils)"
    echo "$passed passed, $failed failed"
    exit 1
fi

# ---- every scenario ---------------------------------------------------------

NO_COLOR=1 "$DUPLEX" list >"$tmp/list" || exit 1
scenario=""
while read -r first code rest; do
    # A row whose summary begins "--wire h2" runs on that wire only.
    case $first in
    scenario) ;;
    --fix)
        # shellcheck disable=SC2086 # "NAME" or "NAME --wire h2"
        picture "$code" $scenario --fix
        ;;
    *)
        scenario=$first
        case $rest in "--wire h2"*) scenario="$first --wire h2" ;; esac
        # shellcheck disable=SC2086 # "NAME" or "NAME --wire h2"
        picture "$code" $scenario
        ;;
    esac
done <"$tmp/list"

# ---- what --svg FILE means --------------------------------------------------

run echo --svg "$tmp/echo.svg"
cp "$tmp/out" "$tmp/echo.txt"
run echo --svg -
if [ "$rc" = 0 ] && cmp -s "$tmp/out" "$tmp/echo.svg" &&
    cmp -s "$tmp/err" "$tmp/echo.txt"; then
    ok "--svg -: the picture on stdout, the text on stderr"
else
    not_ok "--svg -" "exit $rc; want the picture on stdout, the text on stderr"
fi

run echo --svg "$tmp/seed.svg" --seed 3
if grep -q '^<title>duplex run echo --seed 3</title>$' "$tmp/seed.svg"; then
    ok "the title is the command line without --svg and its file"
else
    not_ok "--svg title" "$(grep '<title>' "$tmp/seed.svg")"
fi

run echo --trace none --svg "$tmp/none.svg"
if [ "$rc" = 0 ] && [ "$(grep -c '<g class="frame' "$tmp/none.svg")" = 6 ]; then
    ok "--trace none --svg: no timeline, and the picture has its 6 frames"
else
    not_ok "--trace none --svg" "exit $rc; want 6 frames in the picture"
fi

run echo --os --svg "$tmp/os.svg"
if [ "$rc" = 0 ] && valid "$tmp/os.svg" "--os --svg" &&
    grep -q '>t(us)</text>' "$tmp/os.svg"; then
    ok "--os --svg: a valid picture, timed in microseconds"
elif [ "$rc" != 0 ]; then
    not_ok "--os --svg" "exit $rc"
fi

# cannot PATH REASON: --svg PATH fails before the run, exit 1, saying why.
cannot() {
    run echo --svg "$1"
    want="duplex run: cannot write the picture to $1: $2"
    if [ "$rc" = 1 ] && [ ! -s "$tmp/out" ] && [ "$(cat "$tmp/err")" = "$want" ]
    then
        ok "--svg $1: exit 1, $want"
    else
        not_ok "--svg $1" "exit $rc; want exit 1, no run, and: $want"
    fi
}
cannot "$tmp/no/such/dir/x.svg" "No such file or directory"
cannot "$tmp" "Is a directory"

if [ -w /dev/full ]; then
    run echo --svg /dev/full
    want='duplex run: cannot write the picture to /dev/full: No space left on device'
    if [ "$rc" = 1 ] && [ "$(cat "$tmp/err")" = "$want" ]; then
        ok "--svg /dev/full: exit 1, the write error said"
    else
        not_ok "--svg /dev/full" "exit $rc; want exit 1 and ENOSPC"
    fi
fi

# usage ARGS...: a usage error naming --svg, with nothing on stdout.
usage() {
    run "$@"
    if [ "$rc" = 2 ] && [ ! -s "$tmp/out" ] && grep -q -- '--svg' "$tmp/err"; then
        ok "duplex run $*: exit 2, $(head -n 1 "$tmp/err")"
    else
        not_ok "duplex run $*" "exit $rc; want a usage error naming --svg"
    fi
}
usage echo --svg
usage echo --svg ''
usage echo --svg=

for args in "nosuch" "cancel-vs-drain --capacity 16" "echo --os --seed 1"; do
    rm -f "$tmp/u.svg"
    # shellcheck disable=SC2086 # the words are the arguments
    run $args --svg "$tmp/u.svg"
    if [ "$rc" = 2 ] && [ ! -e "$tmp/u.svg" ]; then
        ok "duplex run $args --svg: a usage error writes no file"
    else
        not_ok "duplex run $args --svg" "exit $rc; want 2 and no file"
    fi
done

# ---- the picture, rendered --------------------------------------------------

# A PNG's pixels, judged: W H, then how many are not white, how many
# colours, and how many red, green and blue ones. Pure python3 (zlib).
judge_png() {
    python3 - "$1" <<'EOF'
import struct, sys, zlib
data = open(sys.argv[1], 'rb').read()
assert data[:8] == b'\x89PNG\r\n\x1a\n', 'not a PNG'
pos, idat = 8, b''
while pos < len(data):
    n, kind = struct.unpack('>I4s', data[pos:pos + 8])
    body = data[pos + 8:pos + 8 + n]
    if kind == b'IHDR':
        w, h, depth, ctype = struct.unpack('>IIBB', body[:10])
    elif kind == b'IDAT':
        idat += body
    pos += 12 + n
assert depth == 8 and ctype in (2, 6), 'want 8-bit RGB or RGBA'
bpp = 3 if ctype == 2 else 4
raw, stride = zlib.decompress(idat), w * bpp
rows, prev, at = [], bytearray(stride), 0
for _ in range(h):
    f, line = raw[at], bytearray(raw[at + 1:at + 1 + stride])
    at += 1 + stride
    for i in range(stride):
        a = line[i - bpp] if i >= bpp else 0
        b = prev[i]
        c = prev[i - bpp] if i >= bpp else 0
        if f == 1: line[i] = (line[i] + a) & 255
        elif f == 2: line[i] = (line[i] + b) & 255
        elif f == 3: line[i] = (line[i] + (a + b) // 2) & 255
        elif f == 4:
            p = a + b - c
            pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
            pr = a if pa <= pb and pa <= pc else b if pb <= pc else c
            line[i] = (line[i] + pr) & 255
    rows.append(line)
    prev = line
inked, colours, red, green, blue = 0, set(), 0, 0, 0
for line in rows:
    for i in range(0, stride, bpp):
        r, g, b = line[i], line[i + 1], line[i + 2]
        colours.add((r, g, b))
        inked += (r, g, b) != (255, 255, 255)
        red += r > 150 and g < 90 and b < 90
        green += g > r + 40 and g > b + 20
        blue += b > r + 60 and b > g + 20
print(w, h, inked, len(colours), red, green, blue)
EOF
}

if ! command -v chromium >/dev/null 2>&1; then
    echo "ok - the rendered picture # SKIP Chromium is not installed (Debian: apt-get install chromium)"
elif ! command -v python3 >/dev/null 2>&1; then
    echo "ok - the rendered picture # SKIP python3 is not installed (it reads the PNG)"
else
    run forgot-close-send --svg "$tmp/dead.svg"
    size=$(sed -n 's/^<svg [^>]* width="\([0-9]*\)" height="\([0-9]*\)".*/\1,\2/p' "$tmp/dead.svg")
    mkdir "$tmp/profile"
    within 60 chromium --headless --no-sandbox --disable-gpu \
        --disable-background-networking --disable-component-update \
        --disable-sync --no-first-run --user-data-dir="$tmp/profile" \
        --screenshot="$tmp/dead.png" --window-size="$size" \
        "file://$tmp/dead.svg" >"$tmp/chromium" 2>&1
    if [ ! -s "$tmp/dead.png" ]; then
        not_ok "Chromium renders the picture" "$(tail -n 5 "$tmp/chromium")"
    elif ! judged=$(judge_png "$tmp/dead.png" 2>&1); then
        not_ok "the rendered picture is a PNG python3 reads" "$judged"
    else
        # shellcheck disable=SC2086 # the words are the figures
        set -- $judged
        # (not $red, $green: tap.sh's colours)
        w=$1 h=$2 inked=$3 colours=$4 reds=$5 greens=$6 blues=$7
        if [ "$w,$h" = "$size" ] && [ $((inked * 20)) -gt $((w * h)) ] &&
            [ "$colours" -ge 16 ] && [ "$reds" -ge 100 ] &&
            [ "$greens" -ge 100 ] && [ "$blues" -ge 100 ]; then
            ok "Chromium renders forgot-close-send's picture: ${w}x$h, $inked pixels not white, $colours colours, $reds red, $greens green, $blues blue"
        else
            not_ok "the rendered picture is not blank" "${w}x$h (want $size), $inked pixels not white (want 5%), $colours colours (want 16), $reds red, $greens green, $blues blue (want 100 each)"
        fi
    fi
fi

echo "$passed passed, $failed failed"
[ "$failed" = 0 ]
