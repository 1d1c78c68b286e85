# shellcheck shell=sh
# png_parallel - the assembler's PNG encoding on threads:
#   - a job (a blurred-noise RGB image, and a 16-bit RGBA one of odd
#     size, each two bands) assembled with -w 1, 2 and 3 gives the same
#     bytes (cmp)
#   - each output passes pngcheck, libvips and ImageMagick read it, and
#     its pixels are the input's exactly (all 16 bits: libvips subtracts)
#   - tilespool run -w 2 (its -w given to the assembler) writes the
#     same bytes
#   - -w 0 and -w x are usage errors: exit 2, one line
# shellcheck source=SCRIPTDIR/lib.sh
. "$(dirname "$0")/lib.sh"

for tool in pngcheck vips identify; do
    if ! command -v $tool >/dev/null; then
        echo "skip - png_parallel: needs $tool"
        exit 0
    fi
done

# readers NAME F - pngcheck, libvips and ImageMagick all accept F.
readers() {
    check "$1: pngcheck" pngcheck -q "$2"
    check "$1: libvips decodes every pixel" vips avg "$2"
    if identify -format '%w %h\n' "$2" >"$T/id.out" 2>&1 && convert "$2" "$T/im.ppm" 2>>"$T/id.out"
    then ok "$1: ImageMagick reads it"
    else notok "$1: ImageMagick reads it" "$(head -c 300 "$T/id.out")"; fi
}

# assemble_each NAME IN - a kept job of IN, assembled with -w 1, 2, 3.
assemble_each() {
    for w in 1 2 3; do
        if ! "$BIN/assembler" -q --spool "$T/sp" --job "$(basename "$2")" -w $w \
            -o "$T/out$w.png" 2>"$T/err"; then
            notok "$1: assembler -w $w" "$(head -c 300 "$T/err")"
            return 1
        fi
    done
    if cmp -s "$T/out1.png" "$T/out2.png" && cmp -s "$T/out1.png" "$T/out3.png"; then
        ok "$1: the same bytes with -w 1, 2 and 3"
    else
        notok "$1: the same bytes with -w 1, 2 and 3" "$(cmp "$T/out1.png" "$T/out2.png"; cmp "$T/out1.png" "$T/out3.png")"
    fi
}

# a photo-like image: blurred noise compresses as a photo would
if vips gaussnoise "$T/n.v" 1100 700 --sigma 60 2>"$T/vips.err" &&
    vips bandjoin "$T/n.v $T/n.v $T/n.v" "$T/n3.v" 2>>"$T/vips.err" &&
    vips gaussblur "$T/n3.v" "$T/b.v" 2 2>>"$T/vips.err" &&
    vips cast "$T/b.v" "$T/photo.png" uchar 2>>"$T/vips.err"; then
    :
else
    notok "make the photo-like input" "$(head -c 300 "$T/vips.err")"
    exit 0
fi
mk --type rgba16 --pattern noise 301 1111 "$T/deep.png"

for in in photo deep; do
    rm -rf "$T/sp"
    if ! "$TS" run --keep -q -w 2 -t 128 -f identity --spool "$T/sp" "$T/$in.png" "$T/run.png" \
        2>"$T/err"; then
        notok "$in: tilespool run" "$(head -c 300 "$T/err")"
        continue
    fi
    assemble_each "$in" "$T/$in.png" || continue
    readers "$in" "$T/out2.png"
    vips_exact "$in: the pixels are the input's" "$T/$in.png" "$T/out3.png"
    if cmp -s "$T/run.png" "$T/out1.png"; then ok "$in: tilespool run -w 2 writes the same bytes"
    else notok "$in: tilespool run -w 2 writes the same bytes" "files differ"; fi
done

check_fails "assembler -w 0: exit 2, one line" 2 \
    "$BIN/assembler" --spool "$T/sp" --job photo.png -w 0 -o "$T/x.png"
check_fails "assembler -w x: exit 2, one line" 2 \
    "$BIN/assembler" --spool "$T/sp" --job photo.png --threads x -o "$T/x.png"
