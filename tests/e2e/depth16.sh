# shellcheck shell=sh
# depth16 - 16-bit samples through the pipeline:
#   - a 16-bit PNG (gray, gray+alpha, RGB, RGBA) through identity comes out
#     a 16-bit PNG with the same samples, all 16 bits (libvips reads both
#     files at their own depth and subtracts); a 16-bit netpbm P5/P6/P7
#     likewise to netpbm, and to PNG
#   - invert in 16 bits is 65535 - v exactly (vips linear -1 65535)
#   - invert and gaussian_blur on 16-bit RGBA: tiled == one tile (bytes)
#   - sepia (8-bit only) on a 16-bit input: refused, exit 2, one line
#     naming the stage and --depth 8, no job left; with --depth 8 it runs
#     and equals sepia on the 8-bit image mkimage makes of the same pattern
#     (mkimage's 8 bits are libpng's rounded scaling of its 16)
#   - identity with --depth 8 gives that same 8-bit image exactly
#   - a 16-bit result written as JPEG: reduced to 8 bits, exit 0, a note
#     on stderr, the pixels within JPEG's error of the input
# shellcheck source=SCRIPTDIR/lib.sh
. "$(dirname "$0")/lib.sh"

if ! command -v vips >/dev/null; then
    echo "skip - depth16: needs vips (libvips-tools) to read 16-bit samples"
    exit 0
fi

# is16 NAME F - libvips reads F as 16-bit samples.
is16() {
    case $(vipsheader -f format "$2" 2>&1) in
    *USHORT*) ok "$1" ;;
    *) notok "$1" "$2: $(vipsheader -f format "$2" 2>&1)" ;;
    esac
}

# run_to NAME CHAIN IN OUT [OPTION...] - tilespool run with tiles of 37.
run_to() {
    name=$1 chain=$2 in=$3 out=$4; shift 4
    rm -rf "$T/sp" "$out"
    if "$TS" run --keep -q -w 2 -t 37 "$@" -f "$chain" --spool "$T/sp" "$in" "$out" 2>"$T/err"; then
        return 0
    fi
    notok "$name" "tilespool run -f $chain failed: $(head -c 400 "$T/err")"
    return 1
}

W=97 H=61
for t in gray16 graya16 rgb16 rgba16; do
    mk --type "$t" $W $H "$T/$t.png"
    run_to "identity on $t PNG" identity "$T/$t.png" "$T/out.png" || continue
    is16 "identity on $t PNG: the output is 16-bit" "$T/out.png"
    vips_exact "identity on $t PNG: every 16-bit sample kept" "$T/$t.png" "$T/out.png"
done

mk --type gray16 $W $H "$T/p5.pgm"
mk --type rgb16 $W $H "$T/p6.ppm"
mk --type rgba16 $W $H "$T/p7.pam"
for f in p5.pgm p6.ppm p7.pam; do
    ext=${f#*.}
    if run_to "identity on 16-bit $f" identity "$T/$f" "$T/out.$ext"; then
        if head -c 300 "$T/out.$ext" | grep -qa '65535'; then ok "identity on 16-bit $f: maxval 65535"
        else notok "identity on 16-bit $f: maxval 65535" "$(head -c 60 "$T/out.$ext" | tr -c '[:print:]' ' ')"; fi
        vips_exact "identity on 16-bit $f to netpbm: every sample kept" "$T/$f" "$T/out.$ext"
    fi
    run_to "identity on 16-bit $f to PNG" identity "$T/$f" "$T/out.png" &&
        vips_exact "identity on 16-bit $f to PNG: every sample kept" "$T/$f" "$T/out.png"
done

# invert is exact in 16 bits
if run_to "invert on rgb16" invert "$T/rgb16.png" "$T/inv.png"; then
    if vips linear "$T/rgb16.png" "$T/l.v" -- -1 65535 2>"$T/vips.err" &&
        vips cast "$T/l.v" "$T/want.png" ushort 2>>"$T/vips.err"; then
        vips_exact "invert on rgb16 == 65535 - v" "$T/want.png" "$T/inv.png"
    else
        notok "vips linear" "$(cat "$T/vips.err")"
    fi
fi

# tiled == one tile, in 16 bits (PNG bytes, so all 16 bits count)
for chain in invert gaussian_blur:sigma=2.5 brightness_contrast:brightness=-20:contrast=30; do
    rm -rf "$T/sp"
    if "$TS" run --keep -q -w 2 -t 100000 -f "$chain" --spool "$T/sp" "$T/rgba16.png" "$T/ref.png" 2>"$T/err"; then
        is16 "$chain on rgba16: the output is 16-bit" "$T/ref.png"
        for tile in 7 29; do
            if run_to "$chain on rgba16, tile $tile" "$chain" "$T/rgba16.png" "$T/tiled.png" -t "$tile"; then
                if cmp -s "$T/ref.png" "$T/tiled.png"; then ok "$chain on rgba16: tile $tile == one tile"
                else notok "$chain on rgba16: tile $tile == one tile" "PNG bytes differ"; fi
            fi
        done
    else
        notok "$chain on rgba16: one tile" "$(head -c 400 "$T/err")"
    fi
done

# an 8-bit-only stage on 16-bit input: refused before any job, or run at 8
rm -rf "$T/sp" "$T/out.png"
check_fails "sepia on 16-bit input: exit 2, one line" 2 \
    "$TS" run -q -w 2 -f identity,sepia --spool "$T/sp" "$T/rgb16.png" "$T/out.png"
if grep -q sepia "$T/.err" && grep -qF -- '--depth 8' "$T/.err"; then
    ok "sepia on 16-bit input: the message names sepia and --depth 8"
else
    notok "sepia on 16-bit input: the message names sepia and --depth 8" "$(cat "$T/.err")"
fi
check "sepia on 16-bit input: no output file" test ! -e "$T/out.png"
if [ -z "$(names -a "$T/sp" 2>/dev/null)" ]; then ok "sepia on 16-bit input: no job in the spool"
else notok "sepia on 16-bit input: no job in the spool" "$(names -a "$T/sp")"; fi

mk --type rgb $W $H "$T/rgb8.png"
if run_to "sepia with --depth 8" identity,sepia "$T/rgb16.png" "$T/s16.png" --depth 8 &&
    run_to "sepia on 8-bit" identity,sepia "$T/rgb8.png" "$T/s8.png"; then
    vips_exact "sepia with --depth 8 on 16-bit == sepia on the 8-bit image" "$T/s8.png" "$T/s16.png"
fi
run_to "identity with --depth 8" identity "$T/rgb16.png" "$T/id8.png" --depth 8 &&
    vips_exact "identity with --depth 8 == the 8-bit image" "$T/rgb8.png" "$T/id8.png"

# 16 bits to JPEG: reduced with a note
rm -rf "$T/sp"
mk --pattern gradient --type rgb16 $W $H "$T/grad16.png"
"$TS" run --keep -w 2 -t 37 --spool "$T/sp" "$T/grad16.png" "$T/out.jpg" 2>"$T/err"
st=$?
is "16-bit to JPEG: exit 0" "$st" 0
if grep -q '16-bit.*reduced to 8' "$T/err"; then ok "16-bit to JPEG: a note on stderr"
else notok "16-bit to JPEG: a note on stderr" "stderr: $(head -c 300 "$T/err")"; fi
if [ $st -eq 0 ]; then
    is "16-bit to JPEG: an 8-bit RGB JPEG of the size" "$("$TOOLS/imgcmp" --info "$T/out.jpg" 2>&1)" "$W $H 3"
    if "$TOOLS/imgcmp" --max-diff 40 "$T/grad16.png" "$T/out.jpg" >"$T/cmp" 2>&1; then
        ok "16-bit to JPEG: within 40 of the input"
    else
        notok "16-bit to JPEG: within 40 of the input" "$(cat "$T/cmp")"
    fi
fi
