# shellcheck shell=sh
# tests/e2e/lib.sh - sourced by every end-to-end test.
#
# Gives: $T (a fresh temporary directory, removed at exit, which also holds
# the cache of compiled user modules: XDG_CACHE_HOME), $BIN (host
# programs: the ASan build unless TILESPOOL_TEST_BIN says otherwise),
# $PLAIN (the plain build's programs, for measurements), $TOOLS (mkimage,
# imgcmp, ...), and the check helpers below, which print the lines
# tests/run counts.
set -u
TOP=${TILESPOOL_TOP:-$(cd "$(dirname "$0")/../.." && pwd)}
PLAIN=$TOP/build/bin
BIN=${TILESPOOL_TEST_BIN:-$TOP/build/asan/bin}
[ -x "$BIN/worker" ] || BIN=$PLAIN
TOOLS=$TOP/build/tools
FILTERS=$TOP/build/filters
# compiled user modules live in a folder per glue version
# shellcheck disable=SC2034  # used by the tests that source this file
GLUE_DIR=glue-$(sed -n 's/^#define TSF_GLUE_VERSION //p' "$TOP/common/filter_glue.h")
export TILESPOOL_FILTER_PATH="$FILTERS"
unset TILESPOOL_SPOOL
T=$(mktemp -d "${TMPDIR:-/tmp}/tilespool-e2e.XXXXXX") || exit 2
# users' modules compile into a cache of the test's own, not the home's
export XDG_CACHE_HOME="$T/.cache"
trap 'rm -rf "$T"' EXIT INT TERM

# The driver finds its programs beside itself: give it the chosen build.
mkdir -p "$T/.bin"
for p in splitter worker assembler status inspect; do ln -s "$BIN/$p" "$T/.bin/$p"; done
cp "$PLAIN/tilespool" "$T/.bin/tilespool"
# shellcheck disable=SC2034  # used by the tests that source this file
TS=$T/.bin/tilespool

ok() { echo "ok - $1"; }
notok() { echo "not ok - $1: $2"; }

# check NAME CMD... - ok if CMD succeeds.
check() {
    name=$1; shift
    if "$@" >"$T/.check.out" 2>&1; then ok "$name"
    else notok "$name" "$(head -c 400 "$T/.check.out" | tr '\n' ' ')"; fi
}

# check_fails NAME STATUS CMD... - ok if CMD exits with STATUS and prints
# exactly one line on stderr.
check_fails() {
    name=$1 want=$2; shift 2
    "$@" >"$T/.out" 2>"$T/.err"
    got=$?
    lines=$(grep -c . "$T/.err")
    if [ "$got" -eq "$want" ] && [ "$lines" -eq 1 ]; then ok "$name"
    else notok "$name" "exit $got (want $want), $lines stderr lines: $(head -c 300 "$T/.err" | tr '\n' ' ')"; fi
}

# same_pixels NAME A B - ok if the two images decode to identical pixels.
same_pixels() {
    if "$TOOLS/imgcmp" "$2" "$3" >"$T/.cmp" 2>&1; then ok "$1"
    else notok "$1" "$(cat "$T/.cmp")"; fi
}

# names [-a] DIR - the names in DIR, one a line (with -a the hidden ones
# too); nothing if DIR is missing.  Read from a glob, so no name is
# mangled the way parsing ls output can.
names() {
    if [ "$1" = -a ]; then set -- "$2"/* "$2"/.[!.]* "$2"/..?*; else set -- "$1"/*; fi
    for lib_n; do
        if [ -e "$lib_n" ] || [ -L "$lib_n" ]; then echo "${lib_n##*/}"; fi
    done
}

# nmatch PATH... - how many of the PATHs exist: given a glob, the number
# of its matches (0 when it matches nothing).
nmatch() {
    lib_c=0
    for lib_n; do
        if [ -e "$lib_n" ] || [ -L "$lib_n" ]; then lib_c=$((lib_c + 1)); fi
    done
    echo "$lib_c"
}

# mk ARGS... - generate a test image with mkimage.
mk() { "$TOOLS/mkimage" "$@" || { notok "mkimage $*" "could not generate"; exit 1; }; }
