#!/bin/sh
# tests/fuzz/run.sh: build the libFuzzer harnesses and fuzz each one.
#
#   make fuzz                   FUZZ_SECONDS=10 per harness
#   make fuzz FUZZ_SECONDS=60
#   FUZZ_HARNESSES="stream" sh tests/fuzz/run.sh
#
# Each harness is built with clang (-fsanitize=fuzzer,address,undefined)
# from the library sources (linking -lnghttp2 for src/h2) and its
# tests/fuzz/fuzz_<name>.c into
# build/fuzz/fuzz_<name>. It fuzzes a working corpus, build/fuzz/corpus-<name>,
# which starts as a copy of the committed seeds (tests/fuzz/corpus/<name>/)
# and keeps what earlier runs found; the committed seeds never grow. The
# saved regressions (tests/fuzz/regressions/<name>/) are read as well.
#
# A crash (or a leak, timeout or out-of-memory) is copied to
# tests/fuzz/regressions/<name>/, where `make check` replays it
# (tests/test_fuzz_regressions.c), and the script exits 1.
#
# As root on Debian/Ubuntu, clang and libclang-rt-14-dev are installed with
# apt-get when missing.
set -u

cd "$(dirname "$0")/../.." || exit 1

seconds=${FUZZ_SECONDS:-10}
harnesses=${FUZZ_HARNESSES:-"frame decode stream h2 h2_decode"}
cc=${FUZZ_CC:-clang}
out=build/fuzz

case $seconds in
'' | *[!0-9]*) echo "fuzz: FUZZ_SECONDS wants whole seconds, not '$seconds'" >&2; exit 2 ;;
esac
mkdir -p "$out" || exit 1

# 1. A clang that links libFuzzer.
links_fuzzer() {
    printf '%s\n' '#include <stddef.h>' '#include <stdint.h>' \
        'int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n);' \
        'int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n)' \
        '{ (void)d; (void)n; return 0; }' >"$out/probe.c"
    "$cc" -fsanitize=fuzzer,address,undefined "$out/probe.c" \
        -o "$out/probe" >/dev/null 2>&1
}

if ! links_fuzzer; then
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
        echo "fuzz: installing clang and libclang-rt-14-dev (apt-get)"
        apt-get update -qq >/dev/null &&
            DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
                clang libclang-rt-14-dev >/dev/null
    fi
    if ! links_fuzzer; then
        echo "fuzz: '$cc' cannot link libFuzzer. Install clang and its" \
            "runtime (Debian 12: apt-get install clang libclang-rt-14-dev)." >&2
        exit 1
    fi
fi

# 2. The harnesses: the library sources (not duplex.c, which has main) and
# the harness, in one clang command. Includes name their folder
# ("core/pipe.h"), found through -iquote src.
lib=""
for f in src/*/*.c src/*/*/*.c; do
    [ -f "$f" ] && [ "$f" != src/app/duplex.c ] && lib="$lib $f"
done
flags="-std=c11 -D_POSIX_C_SOURCE=200809L -g -O1 -fno-omit-frame-pointer
       -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined
       -iquote src -pthread"

for h in $harnesses; do
    bin=$out/fuzz_$h
    if [ ! -f "tests/fuzz/fuzz_$h.c" ]; then
        echo "fuzz: no harness tests/fuzz/fuzz_$h.c" >&2
        exit 2
    fi
    # Rebuilt only when a source is newer than the binary.
    if [ -x "$bin" ] && [ -z "$(find src tests/fuzz -name '*.[ch]' \
        -newer "$bin" | head -n 1)" ]; then
        continue
    fi
    # shellcheck disable=SC2086 # the lists are meant to split
    echo $cc $flags $lib "tests/fuzz/fuzz_$h.c" -o "$bin" -lnghttp2
    # shellcheck disable=SC2086
    $cc $flags $lib "tests/fuzz/fuzz_$h.c" -o "$bin" -lnghttp2 || exit 1
done

# 3. Fuzz each for $seconds. -max_len leaves room for the longest useful
# input; libFuzzer starts shorter and grows towards it.
max_len() {
    case $1 in
    frame) echo 8192 ;;  # 3-byte preamble and two 4 KiB frames
    decode) echo 9000 ;; # hex text across three 4096-byte reads
    stream) echo 1208 ;; # the header and 600 operations
    h2) echo 4096 ;;     # two settings bytes and HTTP/2 frames
    h2_decode) echo 4096 ;; # an options byte and HTTP/2 frames
    *) echo 4096 ;;
    esac
}

failed=0
for h in $harnesses; do
    bin=$out/fuzz_$h
    work=$out/corpus-$h
    art=$out/artifacts-$h
    saved=tests/fuzz/regressions/$h
    log=$out/fuzz_$h.log

    mkdir -p "$work" || exit 1
    cp tests/fuzz/corpus/"$h"/* "$work"/ || exit 1
    rm -rf "$art" && mkdir -p "$art" || exit 1
    before=$(find "$work" -type f | wc -l)
    set -- "$work"
    [ -d "$saved" ] && set -- "$work" "$saved"

    echo "fuzz: $bin for ${seconds}s (log: $log)"
    start=$(date +%s)
    UBSAN_OPTIONS=print_stacktrace=1 "$bin" -max_total_time="$seconds" \
        -print_final_stats=1 -timeout=25 -max_len="$(max_len "$h")" \
        -artifact_prefix="$art/" "$@" >"$log" 2>&1
    rc=$?
    took=$(($(date +%s) - start))

    execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)
    added=$(sed -n 's/^stat::new_units_added: *//p' "$log" | tail -n 1)
    after=$(find "$work" -type f | wc -l)
    echo "fuzz_$h: ${execs:-?} executions in ${took}s, corpus" \
        "$before -> $after inputs (${added:-0} new units)"

    found=$(ls "$art" 2>/dev/null)
    if [ "$rc" -eq 0 ] && [ -z "$found" ]; then
        continue
    fi
    failed=1
    echo "fuzz_$h FAILED (exit $rc). The end of $log:"
    grep -n -m 1 -e 'invariant broken' -e '^==[0-9]*==ERROR' \
        -e 'runtime error' -e 'ALARM' -e 'out-of-memory' "$log" |
        sed 's/^/  /'
    tail -n 40 "$log" | sed 's/^/  | /'
    if [ -z "$found" ]; then
        echo "  libFuzzer saved no input; see the log."
        continue
    fi
    mkdir -p "$saved" || exit 1
    for f in $found; do
        # A saved regression that still fails is found again: say which.
        same=""
        for old in "$saved"/*; do
            if [ -f "$old" ] && cmp -s "$art/$f" "$old"; then
                same=$old
                break
            fi
        done
        if [ -n "$same" ]; then
            echo "  the input is already saved, as $same: not fixed yet"
            echo "  replay it:  $bin $same"
            continue
        fi
        cp "$art/$f" "$saved/$f" || exit 1
        echo "  saved $saved/$f"
        echo "  replay it:  $bin $saved/$f"
        echo "  Commit it (git add $saved/$f): make check replays it"
        echo "  (test_fuzz_regressions) and fails until the bug is fixed."
    done
done
exit $failed
