#!/bin/sh
# Builds tests/interop/go/src/grpcpeer (a grpc-go server and client of
# /chat.ChatService/Chat and Session, for make interop) with Debian's
# grpc-go: no modules, no network. Installs golang-go and
# golang-google-grpc-dev when they are missing (sudo only when not root).
#
#   sh tests/interop/go/build.sh OUT     writes the program to OUT
set -e
out=${1:?usage: build.sh OUT}
here=$(cd "$(dirname "$0")" && pwd)
if ! command -v go >/dev/null 2>&1 ||
   [ ! -d /usr/share/gocode/src/google.golang.org/grpc ]; then
    if ! command -v apt-get >/dev/null 2>&1; then
        echo "interop: please install golang-go and golang-google-grpc-dev" >&2
        exit 1
    fi
    sudo=""
    [ "$(id -u)" = 0 ] || sudo=sudo
    echo "interop: installing golang-go golang-google-grpc-dev"
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq \
        golang-go golang-google-grpc-dev golang-golang-x-net-dev >/dev/null
fi
mkdir -p "$(dirname "$out")"
GO111MODULE=off GOPROXY=off GOFLAGS= \
GOPATH="$here:/usr/share/gocode" \
GOCACHE="${GOCACHE:-$(cd "$(dirname "$out")" && pwd)/gocache}" \
    go build -o "$out" grpcpeer
