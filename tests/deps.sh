#!/bin/sh
# Installs what the build and the tests need and is missing: libnghttp2-dev
# (the HTTP/2 wire, src/h2), libcmocka-dev, and
# libxml2-utils for xmllint (tests/svg.sh validates every picture with
# it); for `make coverage`, lcov and gcovr too. Uses sudo only when not
# root. Does nothing when everything is there. Chromium, which renders a
# picture in tests/svg.sh, is not needed: without it that check says so
# and is skipped (Debian: apt-get install chromium).
#
#   sh tests/deps.sh            what the build and make check need
#   sh tests/deps.sh build      what the build alone needs (make demo)
#   sh tests/deps.sh coverage   and lcov, gcovr
set -e
need=""
[ -f /usr/include/nghttp2/nghttp2.h ] || need="$need libnghttp2-dev"
if [ "${1:-}" != build ]; then
    [ -f /usr/include/cmocka.h ] || need="$need libcmocka-dev"
    command -v xmllint >/dev/null 2>&1 || need="$need libxml2-utils"
fi
if [ "${1:-}" = coverage ]; then
    command -v lcov >/dev/null 2>&1 || need="$need lcov"
    command -v gcovr >/dev/null 2>&1 || need="$need gcovr"
fi
[ -n "$need" ] || exit 0
if ! command -v apt-get >/dev/null 2>&1; then
    echo "duplex: please install:$need (no apt-get here)" >&2
    exit 1
fi
sudo=""
[ "$(id -u)" = 0 ] || sudo=sudo
echo "duplex: installing$need"
$sudo apt-get update -qq
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq $need >/dev/null
