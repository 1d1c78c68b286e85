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

# started PIDFILE - wait (30 s at most) until a background process has
# written its pid into PIDFILE; prints it.
started() {
    i=0
    while [ ! -s "$1" ] && [ $i -lt 300 ]; do sleep 0.1; i=$((i + 1)); done
    cat "$1"
}

# is NAME GOT WANT - ok if GOT equals WANT.
is() { if [ "$2" = "$3" ]; then ok "$1"; else notok "$1" "got '$2', want '$3'"; fi; }

# below NAME KIB LIMIT_KIB - ok if the figure is a number (perhaps
# negative: a growth over a baseline within noise) below the limit.
below() {
    case ${2#-} in
    '' | *[!0-9]*) notok "$1" "no measurement: '$2'" ;;
    *) if [ "$2" -lt "$3" ]; then ok "$1 ($2 KiB)"; else notok "$1" "$2 KiB, limit $3 KiB"; fi ;;
    esac
}

# field FILE NAME - a string field of a failed/T.json (cJSON's layout).
field() { sed -n "s/^[[:space:]]*\"$2\":[[:space:]]*\"\\(.*\\)\",*\$/\\1/p" "$1"; }

# log_rss JOBDIR TILE - the peak_rss_kb of TILE's line in the job log.
log_rss() { sed -n "s/^$2 .* peak_rss_kb=\\([0-9][0-9]*\\) .*/\\1/p" "$1/log" | tail -n 1; }

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

# split_refused MODULE WORD [MAX_KIB] - the splitter refuses the chain
# MODULE on $T/in.png: exit 3 with one line naming MODULE and WORD, and no
# job left in $T/sp.  With MAX_KIB the plain build runs under
# /usr/bin/time (ASan inflates memory) and must peak below MAX_KIB.
split_refused() {
    rm -rf "$T/sp"
    if [ $# -ge 3 ]; then
        check_fails "$1: splitter exits 3, one line" 3 \
            /usr/bin/time -f %M -o "$T/rss" "$PLAIN/splitter" -q --spool "$T/sp" -f "$1" \
            -o "$T/out.png" "$T/in.png"
    else
        check_fails "$1: splitter exits 3, one line" 3 \
            "$BIN/splitter" -q --spool "$T/sp" -f "$1" -o "$T/out.png" "$T/in.png"
    fi
    if grep -qF "$1" "$T/.err" && grep -qF -- "$2" "$T/.err"; then
        ok "$1: the message names the module and '$2'"
    else
        notok "$1: the message names the module and '$2'" "$(cat "$T/.err")"
    fi
    if [ -z "$(names -a "$T/sp" 2>/dev/null)" ]; then ok "$1: no job in the spool"
    else notok "$1: no job in the spool" "$(names -a "$T/sp")"; fi
    [ $# -lt 3 ] ||
        below "$1: splitter peak RSS below $(($3 / 1024)) MiB" "$(tail -n 1 "$T/rss")" "$3"
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

# vips_header F - "WxHxBANDS/FORMAT" as libvips reads F.
vips_header() {
    echo "$(vipsheader -f width "$1")x$(vipsheader -f height "$1")x$(vipsheader -f bands "$1")/$(vipsheader -f format "$1")"
}

# vips_exact NAME A B - A and B read by libvips at their own depth have the
# same size, bands and sample format, and no sample differs.
vips_exact() {
    lib_ha=$(vips_header "$2") lib_hb=$(vips_header "$3")
    if [ "$lib_ha" != "$lib_hb" ]; then
        notok "$1" "images differ: $lib_ha vs $lib_hb"
        return
    fi
    if vips subtract "$2" "$3" "$T/d.v" 2>"$T/vips.err" && vips abs "$T/d.v" "$T/a.v" 2>>"$T/vips.err" &&
        lib_m=$(vips max "$T/a.v" 2>>"$T/vips.err"); then
        case $lib_m in
        0 | 0.0*) ok "$1" ;;
        *) notok "$1" "max difference $lib_m ($lib_ha)" ;;
        esac
    else
        notok "$1" "vips: $(head -c 300 "$T/vips.err")"
    fi
}
