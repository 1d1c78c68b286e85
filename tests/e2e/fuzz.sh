# shellcheck shell=sh
# fuzz - a short libFuzzer run of every parser target: the netpbm header
# and tile reader, job.json, the filter chain, the .wasm check, the
# describe JSON with parameter binding, Exif orientation in the JPEG and
# PNG readers, the TIFF reader and writer, and the WebP and GIF readers
# (tests/fuzz/fuzz_*.c, whose
# comments list the invariants each checks).  The targets are built with
# clang into build/fuzz (make reuses them while they are up to date) and
# each runs TILESPOOL_FUZZ_SECONDS (default 3) seconds from the seed
# corpus and whatever longer runs (`make fuzz`) have added to it; new
# finds go to a temporary directory, so the corpus is only read.  A crash
# or a broken invariant is a "not ok" naming the saved input in
# build/fuzz/crashes/.
# shellcheck source=SCRIPTDIR/lib.sh
. "$(dirname "$0")/lib.sh"

cd "$TOP" || exit 2
secs=${TILESPOOL_FUZZ_SECONDS:-3}

if make -s -j2 -f tests/fuzz/fuzz.mk all corpus >"$T/build.log" 2>&1; then
    ok "fuzz targets build with clang (libFuzzer, ASan, UBSan)"
else
    notok "fuzz targets build with clang (libFuzzer, ASan, UBSan)" \
        "$(grep -m 3 -E 'error|Error' "$T/build.log" | tr '\n' ' ' | cut -c 1-400)"
    exit 1
fi
sh tests/fuzz/run.sh --scratch "$T/new" "$secs" netpbm manifest chain wasm_check describe exif tiff webp gif
