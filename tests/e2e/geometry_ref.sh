# shellcheck shell=sh
# geometry_ref - the geometry filters through the whole pipeline, against
# libvips: rotate, flip, transpose and crop give exactly the pixels of
# vips rot, flip and crop (8 and 16 bits, with alpha); resize with whole
# shrink factors stays within 3 levels of vips reduce (libvips rounds to 8
# bits between its two passes; filters/ABI.md); thumbnail sizes match
# vipsthumbnail.  Every result is also run with tiles of 37 and 1000
# pixels, which must agree bit for bit.  Skipped without vips.
# shellcheck source=SCRIPTDIR/lib.sh
. "$(dirname "$0")/lib.sh"

if ! command -v vips >/dev/null 2>&1 || ! command -v vipsthumbnail >/dev/null 2>&1; then
    echo "skip - geometry against libvips: vips or vipsthumbnail not installed"
    exit 0
fi

mk --type rgb 300 198 "$T/rgb.png"
mk --type rgba 97 61 "$T/rgba.png"
mk --type rgb16 45 31 "$T/rgb16.png"

# run_chain NAME CHAIN IN OUT - tilespool run with tiles of 37, and again with
# one tile that must give the same pixels; 0 if both ran.
run_chain() {
    rm -rf "$T/sp"
    if ! "$TS" run -q -w 2 -t 37 -f "$2" --spool "$T/sp" "$3" "$4" 2>"$T/err"; then
        notok "$1: tilespool run" "$(cat "$T/err")"
        return 1
    fi
    rm -rf "$T/sp"
    if ! "$TS" run -q -w 2 -t 1000 -f "$2" --spool "$T/sp" "$3" "$T/one.png" 2>"$T/err"; then
        notok "$1: tilespool run, one tile" "$(cat "$T/err")"
        return 1
    fi
    same_pixels "$1: tiles of 37 == one tile" "$4" "$T/one.png"
}

# vips_case NAME CHAIN IN MAXDIFF VIPS-ARGS... - CHAIN on IN against the
# image `vips VIPS-ARGS` writes to $T/ref.png (IN and the output name are
# appended by the caller's arguments through $in and $ref).
vips_case() {
    name=$1 chain=$2 in=$3 maxdiff=$4
    shift 4
    ref=$T/ref.png
    if ! vips "$@" >"$T/err" 2>&1; then
        notok "$name: vips $*" "$(cat "$T/err")"
        return
    fi
    run_chain "$name" "$chain" "$in" "$T/out.png" || return
    if "$TOOLS/imgcmp" --max-diff "$maxdiff" "$T/out.png" "$ref" >"$T/.cmp" 2>&1; then
        ok "$name: as vips (max diff $maxdiff)"
    else
        notok "$name: as vips (max diff $maxdiff)" "$(cat "$T/.cmp")"
    fi
}

for img in rgb rgba rgb16; do
    in=$T/$img.png ref=$T/ref.png
    vips_case "rotate 90 $img" rotate:angle=90 "$in" 0 rot "$in" "$ref" d90
    vips_case "rotate 180 $img" rotate:angle=180 "$in" 0 rot "$in" "$ref" d180
    vips_case "rotate 270 $img" rotate:angle=270 "$in" 0 rot "$in" "$ref" d270
    vips_case "flip horizontal $img" flip:direction=horizontal "$in" 0 flip "$in" "$ref" horizontal
    vips_case "flip vertical $img" flip:direction=vertical "$in" 0 flip "$in" "$ref" vertical
    vips_case "crop $img" crop:x=5:y=3:width=20:height=17 "$in" 0 crop "$in" "$ref" 5 3 20 17
    # transpose = rotate 90, then mirror left-right
    vips rot "$in" "$T/r90.v" d90
    vips_case "transpose $img" transpose "$in" 0 flip "$T/r90.v" "$ref" horizontal
done

in=$T/rgb.png ref=$T/ref.png
vips_case "crop gravity centre" crop:width=100:height=50:gravity=centre "$in" 0 \
    crop "$in" "$ref" 100 74 100 50
vips_case "crop gravity southeast" crop:width=100:height=50:gravity=southeast "$in" 0 \
    crop "$in" "$ref" 200 148 100 50
for k in linear cubic lanczos3; do
    vips_case "resize scale=0.5 $k" "resize:scale=0.5:kernel=$k" "$in" 3 \
        reduce "$in" "$ref" 2 2 --kernel "$k"
    vips_case "resize width=100 $k" "resize:width=100:kernel=$k" "$in" 3 \
        reduce "$in" "$ref" 3 3 --kernel "$k"
done

# thumbnail_size NAME CHAIN VIPSTHUMBNAIL-ARGS... - the same size as vipsthumbnail's
thumbnail_size() {
    name=$1 chain=$2
    shift 2
    if ! vipsthumbnail "$in" -o "$T/vt.png" "$@" >"$T/err" 2>&1; then
        notok "$name: vipsthumbnail $*" "$(cat "$T/err")"
        return
    fi
    run_chain "$name" "$chain" "$in" "$T/out.png" || return
    is "$name: size as vipsthumbnail" "$("$TOOLS/imgcmp" --info "$T/out.png" | cut -d' ' -f1-2)" \
        "$("$TOOLS/imgcmp" --info "$T/vt.png" | cut -d' ' -f1-2)"
}

thumbnail_size "thumbnail 64x64 inside" thumbnail:width=64:height=64 -s 64x64
thumbnail_size "thumbnail 64x64 cover" thumbnail:width=64:height=64:fit=cover -s 64x64 \
    --smartcrop centre
thumbnail_size "thumbnail height 50" thumbnail:height=50 -s 100000x50
thumbnail_size "thumbnail 50x80 exact" thumbnail:width=50:height=80:fit=exact -s '50x80!'
thumbnail_size "thumbnail 1000x1000 never enlarges" thumbnail:width=1000:height=1000 \
    -s '1000x1000>'
