# shellcheck shell=sh
# sandbox - the wasm2c sandbox changes nothing: for every bundled C filter,
# with non-default parameters where it has any, on RGB and RGBA (and gray
# and gray+alpha where the filter takes them), the sandboxed build run on
# the whole image (runfilter) gives the same pixels as a native build of the
# same C source (runfilter --native), and the pipeline's tiled output
# (tilespool run -t 57) gives the same pixels as runfilter.  Each case also
# checks that the filter changed the image, so that two no-ops cannot agree.
# Global filters are among them.
# shellcheck source=SCRIPTDIR/lib.sh
. "$(dirname "$0")/lib.sh"

RF=$TOOLS/runfilter

# 203x149 with tiles of 57: partial tiles on the right and bottom edges.
for t in gray graya rgb rgba; do
    mk --type "$t" 203 149 "$T/in_$t.png"
done

# sandbox_case CHAIN TYPE - the three-way comparison on in_TYPE.png.
sandbox_case() {
    chain=$1 t=$2 in=$T/in_$2.png
    name="$chain on $t"
    rm -f "$T/wasm.png" "$T/native.png" "$T/tiled.png"
    if ! "$RF" -f "$chain" "$in" "$T/wasm.png" 2>"$T/err"; then
        notok "$name: runfilter" "$(cat "$T/err")"; return
    fi
    if ! "$RF" --native -f "$chain" "$in" "$T/native.png" 2>"$T/err"; then
        notok "$name: runfilter --native" "$(cat "$T/err")"; return
    fi
    same_pixels "$name: wasm2c == native" "$T/wasm.png" "$T/native.png"
    rm -rf "$T/sp"
    if "$TS" run --keep -q -w 2 -t 57 -f "$chain" --spool "$T/sp" "$in" "$T/tiled.png" 2>"$T/err"; then
        same_pixels "$name: tiled pipeline == runfilter" "$T/tiled.png" "$T/wasm.png"
    else
        notok "$name: tilespool run" "$(cat "$T/err")"
    fi
    # identity changes nothing, and grayscale leaves gray input as it is.
    case $chain:$t in identity:* | grayscale*:gray*) return ;; esac
    if "$TOOLS/imgcmp" --quiet "$in" "$T/wasm.png"; then
        notok "$name: output differs from input" "the filter changed nothing"
    else
        ok "$name: output differs from input"
    fi
}

for f in identity invert grayscale:standard=709 \
    brightness_contrast:brightness=25:contrast=-40 threshold:level=90 \
    gaussian_blur:sigma=2.2 box_blur:radius=3 sharpen:amount=1.5:sigma=1.3:threshold=4 \
    sobel median:radius=3 convolve:k0=2:k4=5:k8=-3:divisor=3:offset=-7; do
    for t in gray graya rgb rgba; do
        sandbox_case "$f" "$t"
    done
done
# sepia takes 3 and 4 channels only
for t in rgb rgba; do
    sandbox_case sepia "$t"
done
# global filters: runfilter analyses the whole image itself, the pipeline
# merges per-tile statistics; histogram_match's reference is analysed by
# the same build that filters
mk --type rgb --pattern noise --seed 7 90 60 "$T/ref.png"
for f in equalize equalize:mode=1 autolevels:low=2:high=4 "histogram_match:reference=$T/ref.png"; do
    for t in gray graya rgb rgba; do
        sandbox_case "$f" "$t"
    done
done
