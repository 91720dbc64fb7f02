#!/bin/sh
# bench/run.sh: what `make bench` runs. It checks that the binaries are
# there, says which commit is measured, and runs the bench program (built
# from bench/*.c; bench/README.md says which file does what).
#
#   make bench                                 every figure, 5 runs each
#   BENCH_FLAGS=--quick make bench             small counts, 3 runs (CI)
#   BENCH_FLAGS='--only pipe,echo' make bench  some figures only
#   GO_PEERS=/path/to/peers/go/bench.sh make bench
#                                              and the Go peers, same run
#   sh bench/run.sh --help                     every option
#
# Environment: BUILD (default build), DUPLEX (default $BUILD/duplex),
# BENCH_FLAGS (options for the bench program), GO_PEERS (the Go peers'
# script; with it, bench/go_loopback.sh runs too). Arguments to this
# script are passed on too.
set -eu

BUILD=${BUILD:-build}
DUPLEX=${DUPLEX:-$BUILD/duplex}
BENCH=$BUILD/bench/bench

for f in "$BENCH" "$DUPLEX"; do
    if [ ! -x "$f" ]; then
        echo "bench/run.sh: $f is missing; \`make bench\` builds it" >&2
        exit 2
    fi
done

if [ -n "${GO_PEERS:-}" ]; then
    if [ ! -f "$GO_PEERS" ]; then
        echo "bench/run.sh: GO_PEERS=$GO_PEERS: no such file" >&2
        exit 2
    fi
    # grpc-go over loopback TCP too (figure 9), built from
    # tests/interop/go/src/grpcloop by bench/go_loopback.sh.
    set -- --go-peers "$GO_PEERS" \
        --go-loopback "$(dirname "$0")/go_loopback.sh" "$@"
fi

# Which code is measured: numbers are only comparable at the same commit.
if commit=$(git rev-parse --short HEAD 2>/dev/null); then
    if [ -n "$(git status --porcelain -- src 2>/dev/null)" ]; then
        commit="$commit, with uncommitted changes in src/"
    fi
    echo "duplex at commit $commit"
fi

# BENCH_FLAGS is split into words on purpose: it holds several options.
# shellcheck disable=SC2086
exec "$BENCH" --duplex "$DUPLEX" ${BENCH_FLAGS:-} "$@"
