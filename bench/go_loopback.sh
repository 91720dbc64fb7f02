#!/bin/sh
# bench/go_loopback.sh: grpc-go over a real loopback TCP connection, the
# reference for figure 9's loopback echo. Builds
# tests/interop/go/src/grpcloop (grpc-go's server and client in one
# process, raw-bytes codec) with Debian's grpc-go, no modules and no
# network, as tests/interop/go/build.sh builds grpcpeer, then runs it once
# per size. The bench runs it after the Go peers' script (whose first run
# installs golang-go and golang-google-grpc-dev), so only with GO_PEERS.
#
#   sh bench/go_loopback.sh [SIZE ...]     (default: 16 1024 65536)
#
# Prints one line per size, as the shared Go peers do:
#   peer=grpc-loopback size=B msgs=N seconds=S msgs_per_s=R MBps=M ...
# Environment: BUILD (default build): the program goes to
# $BUILD/bench/grpcloop, Go's cache to $BUILD/bench/gocache.
set -eu

here=$(cd "$(dirname "$0")/.." && pwd)
build=${BUILD:-build}
case $build in /*) ;; *) build=$here/$build ;; esac
if ! command -v go >/dev/null 2>&1 ||
   [ ! -d /usr/share/gocode/src/google.golang.org/grpc ]; then
    echo "go_loopback.sh: needs golang-go and golang-google-grpc-dev" >&2
    exit 1
fi
mkdir -p "$build/bench"
GO111MODULE=off GOPROXY=off GOFLAGS= \
GOPATH="$here/tests/interop/go:/usr/share/gocode" \
GOCACHE="${GOCACHE:-$build/bench/gocache}" \
    go build -o "$build/bench/grpcloop" grpcloop
for size in ${*:-16 1024 65536}; do
    # About a second each on two busy cores.
    if [ "$size" -ge 65536 ]; then n=5000; else n=100000; fi
    "$build/bench/grpcloop" -size "$size" -n "$n"
done
