# shellcheck shell=sh
# seam - the seam-free rule: for every bundled filter and some chains, the
# tiled result is bit-identical to processing the whole image as one tile,
# on gray, gray+alpha, RGB and RGBA images, with odd sizes and tile sizes
# including 1x1 images, tiles of 1 pixel, and halos larger than the image.
# shellcheck source=SCRIPTDIR/lib.sh
. "$(dirname "$0")/lib.sh"

for t in gray graya rgb rgba; do
    mk --type "$t" 300 200 "$T/in_$t.png"
done
mk --type rgb 1 1 "$T/one.png"
mk --type graya 7 5 "$T/tiny.png"
mk --type rgba 61 97 "$T/tall.png"

# seam_case NAME CHAIN IMAGE TILE... - tiled runs against a single-tile run
seam_case() {
    name=$1 chain=$2 img=$3; shift 3
    ref=$T/ref.png
    rm -rf "$T/sp"
    if ! "$TS" run --keep -q -w 2 -t 100000 -f "$chain" --spool "$T/sp" "$img" "$ref" 2>"$T/err"; then
        notok "$name: single tile" "$(cat "$T/err")"
        return
    fi
    for tile in "$@"; do
        rm -rf "$T/sp"
        if "$TS" run --keep -q -w 2 -t "$tile" -f "$chain" --spool "$T/sp" "$img" "$T/tiled.png" \
            2>"$T/err"; then
            same_pixels "$name: tile $tile == single tile" "$T/tiled.png" "$ref"
        else
            notok "$name: tile $tile" "$(cat "$T/err")"
        fi
    done
}

for f in identity invert grayscale grayscale:standard=709 \
    brightness_contrast:brightness=-30:contrast=45 threshold:level=100 \
    gaussian_blur:sigma=2.5 box_blur:radius=4 sharpen:amount=1.2:threshold=3 sobel \
    median:radius=2 posterize:levels=3 convolve:k0=-1:k2=2:k4=7:k7=-3:divisor=0:offset=9; do
    for t in gray graya rgb rgba; do
        seam_case "$f on $t" "$f" "$T/in_$t.png" 97 61
    done
done
for t in rgb rgba; do
    seam_case "sepia on $t" sepia "$T/in_$t.png" 97 61
done
seam_case "blur,sharpen,sobel chain" "gaussian_blur:sigma=1.5,sharpen:amount=0.6,sobel" \
    "$T/in_rgba.png" 97 61 16
seam_case "median,box_blur,invert chain" "median,box_blur:radius=2,invert" "$T/in_graya.png" 33 1000
seam_case "1x1 image" "gaussian_blur:sigma=3,median:radius=2" "$T/one.png" 1 5
seam_case "7x5 image, halo > image" "gaussian_blur:sigma=4,sharpen" "$T/tiny.png" 1 2 3
seam_case "61x97 image, tile 1" "box_blur:radius=2,sobel" "$T/tall.png" 1 10
