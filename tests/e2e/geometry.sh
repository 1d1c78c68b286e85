# shellcheck shell=sh
# geometry - the seam-free rule for stages that change the size: for every
# geometry stage (resize, thumbnail, crop, rotate, flip, transpose) and the
# mixed chains gaussian_blur,resize,sharpen / crop,rotate,resize /
# thumbnail,equalize, the tiled output is bit-identical (same PNG bytes) to
# the output of one tile larger than the image.
#
# Not the full cross product of stage x parameters x image x tile size: a
# covering set, in which every item below appears at least once and the
# cases that stress the plan most (fractional scales, odd sizes, small
# tiles) are paired:
#   resize scales   0.1, 0.3333333, 0.37, 0.5, 2.5, and a width x height
#                   that changes the aspect ratio
#   kernels         nearest, linear, cubic, lanczos3 (resize and thumbnail)
#   thumbnail       fit inside, cover and exact, upscale
#   crop            x/y/width/height and gravity centre, north, southeast
#   rotate          90, 180, 270; flip horizontal and vertical; transpose
#   images          97x61 and 301x203 (odd sizes), 13x9 and 7x5 (tile 1);
#                   gray, gray+alpha, RGB, RGBA; 8 and 16 bits per sample;
#                   a JPEG with EXIF orientation 6 (auto-orient and
#                   shrink-on-load in front of a resize)
#   tile sizes      1 (small images only), 7, 61, 256
# A 16-bit result is compared as PNG bytes too, so all 16 bits count.
# Where the output size is beyond doubt (want=...), the single-tile output
# must have it, so that a stage passing its input through unchanged cannot
# pass as seam-free.
# shellcheck source=SCRIPTDIR/lib.sh
. "$(dirname "$0")/lib.sh"

mk --type gray 97 61 "$T/g8.png"
mk --type rgba 97 61 "$T/rgba8.png"
mk --type rgb 301 203 "$T/rgb8.png"
mk --type graya16 97 61 "$T/ga16.png"
mk --type rgba16 97 61 "$T/rgba16.png"
mk --type rgb16 301 203 "$T/rgb16.png"
mk --type rgb 13 9 "$T/tiny.png"
mk --type gray16 13 9 "$T/tiny16.png"
mk --type graya 7 5 "$T/small.png"
mk --type rgb --exif-orientation 6 640 480 "$T/o6.jpg"

want=""
# geo_case NAME CHAIN IMAGE TILE... - tiled runs against a single-tile run
# (and its size against $want, if set).
geo_case() {
    name=$1 chain=$2 img=$3; shift 3
    ref=$T/ref.png
    rm -rf "$T/sp" "$ref"
    if ! "$TS" run --keep -q -w 2 -t 100000 -f "$chain" --spool "$T/sp" "$img" "$ref" 2>"$T/err"; then
        notok "$name: single tile" "$(head -c 400 "$T/err")"
        return
    fi
    if [ -n "$want" ]; then
        is "$name: output is $want (W H channels)" "$("$TOOLS/imgcmp" --info "$ref" 2>&1)" "$want"
    fi
    for tile in "$@"; do
        rm -rf "$T/sp" "$T/tiled.png"
        if ! "$TS" run --keep -q -w 2 -t "$tile" -f "$chain" --spool "$T/sp" "$img" "$T/tiled.png" \
            2>"$T/err"; then
            notok "$name: tile $tile" "$(head -c 400 "$T/err")"
        elif cmp -s "$T/tiled.png" "$ref"; then
            ok "$name: tile $tile == single tile"
        else
            "$TOOLS/imgcmp" --16 strip "$T/tiled.png" "$ref" >"$T/cmp" 2>&1
            notok "$name: tile $tile == single tile" "PNG bytes differ; $(cat "$T/cmp")"
        fi
    done
}

# resize: every scale, every kernel, both depths
geo_case "resize 0.1 (lanczos3) on RGB 301x203" resize:scale=0.1 "$T/rgb8.png" 7 61 256
geo_case "resize 0.3333333 cubic on RGB16 301x203" resize:scale=0.3333333:kernel=cubic \
    "$T/rgb16.png" 7 61 256
geo_case "resize 0.37 linear on RGBA 97x61" resize:scale=0.37:kernel=linear "$T/rgba8.png" 7 61
geo_case "resize 0.5 nearest on gray 97x61" resize:scale=0.5:kernel=nearest "$T/g8.png" 7 61
geo_case "resize 2.5 (lanczos3) on RGBA 97x61" resize:scale=2.5 "$T/rgba8.png" 7 61 256
geo_case "resize 2.5 cubic on gray+alpha16 97x61" resize:scale=2.5:kernel=cubic "$T/ga16.png" 61 256
geo_case "resize 50x40 (aspect changed) on RGB 301x203" resize:width=50:height=40 "$T/rgb8.png" 7 61
geo_case "resize 0.37 on 13x9 RGB" resize:scale=0.37 "$T/tiny.png" 1 2
geo_case "resize 0.5 linear on 13x9 gray16" resize:scale=0.5:kernel=linear "$T/tiny16.png" 1 3

# thumbnail: each fit, upscale, a kernel
want="64 43 3"
geo_case "thumbnail 64x64 inside on RGB 301x203" thumbnail:width=64:height=64 "$T/rgb8.png" 7 61 256
want=""
geo_case "thumbnail 40x40 cover on RGBA16 97x61" thumbnail:width=40:height=40:fit=cover \
    "$T/rgba16.png" 7 61
want="50 30 1"
geo_case "thumbnail 50x30 exact linear on gray 97x61" \
    thumbnail:width=50:height=30:fit=exact:kernel=linear "$T/g8.png" 7 61
want=""
geo_case "thumbnail 200x200 upscale on gray+alpha16 97x61" \
    thumbnail:width=200:height=200:upscale=1 "$T/ga16.png" 61 256

# crop: a rectangle, and gravities
want="71 45 3"
geo_case "crop 71x45+13+7 on RGB16 301x203" crop:x=13:y=7:width=71:height=45 "$T/rgb16.png" 7 61 256
want="50 33 4"
geo_case "crop 50x33 centre on RGBA 97x61" crop:width=50:height=33:gravity=centre "$T/rgba8.png" 7 61
want=""
geo_case "crop 5x4 north on 13x9 gray16" crop:width=5:height=4:gravity=north "$T/tiny16.png" 1 2
geo_case "crop 40x40 southeast on gray 97x61" crop:width=40:height=40:gravity=southeast \
    "$T/g8.png" 7 256

# rotate, flip, transpose
want="61 97 4"
geo_case "rotate 90 on RGBA 97x61" rotate:angle=90 "$T/rgba8.png" 7 61 256
want=""
geo_case "rotate 90 on RGB 301x203" rotate:angle=90 "$T/rgb8.png" 61 256
geo_case "rotate 180 on gray+alpha16 97x61" rotate:angle=180 "$T/ga16.png" 7 61
geo_case "rotate 270 on gray 97x61" rotate:angle=270 "$T/g8.png" 7 61 256
geo_case "rotate 90 on 7x5 gray+alpha" rotate:angle=90 "$T/small.png" 1 2
geo_case "flip horizontal on RGBA16 97x61" flip:direction=horizontal "$T/rgba16.png" 7 61
geo_case "flip vertical on RGB 301x203" flip:direction=vertical "$T/rgb8.png" 61 256
want="203 301 3"
geo_case "transpose on RGB16 301x203" transpose "$T/rgb16.png" 61 256
want=""
geo_case "transpose on gray 97x61" transpose "$T/g8.png" 7
geo_case "transpose on 7x5 gray+alpha" transpose "$T/small.png" 1

# mixed chains: neighbourhood stages on either side of a resize, several
# geometry stages in a row, and a global stage after a size change
geo_case "gaussian_blur,resize 0.37,sharpen on RGB 301x203" \
    gaussian_blur:sigma=1.5,resize:scale=0.37,sharpen "$T/rgb8.png" 7 61 256
geo_case "gaussian_blur,resize 0.5,sharpen on RGB16 301x203" \
    gaussian_blur:sigma=1.5,resize:scale=0.5:kernel=cubic,sharpen "$T/rgb16.png" 61
want="25 40 4"
geo_case "crop,rotate 90,resize 0.5 on RGBA 97x61" \
    crop:x=10:y=5:width=80:height=50,rotate:angle=90,resize:scale=0.5 "$T/rgba8.png" 7 61
want=""
geo_case "crop,rotate 270,resize 2.5 on gray+alpha16 97x61" \
    crop:x=3:y=2:width=41:height=29,rotate:angle=270,resize:scale=2.5:kernel=linear "$T/ga16.png" 7 61
geo_case "thumbnail 64x64,equalize on RGB 301x203" thumbnail:width=64:height=64,equalize \
    "$T/rgb8.png" 7 61 256

# a JPEG with EXIF orientation 6: the turn the splitter puts first, and a
# resize that lets it decode at a DCT shrink
want="96 128 3"
geo_case "orientation 6 JPEG, resize 0.2 (shrink on load)" resize:scale=0.2 "$T/o6.jpg" 7 61
want=""

# --allow-partial fills a missing tile from its source tile only when the
# chain leaves every pixel where it was: after a flip (same size, pixels
# moved) the source tile is not the core, and the assembler says so
rm -rf "$T/ap"
job=$("$BIN/splitter" -q --spool "$T/ap" -t 61 -f flip:direction=horizontal "$T/rgb8.png")
"$BIN/worker" -q --spool "$T/ap" --job "$job" 2>"$T/err"
rm -f "$T/ap/$job/out/r0c0.ppm"
"$BIN/assembler" -q --spool "$T/ap" --job "$job" --allow-partial -o "$T/ap.png" 2>"$T/err"
st=$?
if [ $st -eq 1 ] && grep -q "cannot fill them from the source" "$T/err" && [ ! -e "$T/ap.png" ]; then
    ok "flip: --allow-partial refuses to fill a missing tile from the source (exit 1)"
else
    notok "flip: --allow-partial refuses to fill a missing tile from the source" \
        "exit $st: $(cat "$T/err")"
fi
