#!/bin/sh
# tests/fuzz/seeds.sh - write the fuzz targets' seed corpus.
#
#   sh tests/fuzz/seeds.sh DIR
#
# Writes DIR/netpbm, DIR/manifest, DIR/chain, DIR/wasm_check,
# DIR/describe, DIR/exif, DIR/tiff, DIR/webp and DIR/gif.  Seeds are made from the real programs wherever they can
# be: tiles and job.json files from the splitter run on tiny generated
# images, the filters' .wasm files, the describe JSON `splitter
# --list-filters --json` prints.  Every seed has a fixed name, so running
# this again rewrites the same files and leaves the fuzzer's finds alone.
# Seeds that need a program not built yet are skipped with a warning.
set -u
[ $# -eq 1 ] || { echo "usage: seeds.sh DIR" >&2; exit 2; }
top=$(cd "$(dirname "$0")/../.." && pwd)
out=$1
B=$top/build
mkdir -p "$out/netpbm" "$out/manifest" "$out/chain" "$out/wasm_check" "$out/describe" \
    "$out/exif" "$out/tiff" "$out/webp" "$out/gif" || exit 2
tmp=$(mktemp -d "${TMPDIR:-/tmp}/tilespool-seeds.XXXXXX") || exit 2
trap 'rm -rf "$tmp"' EXIT INT TERM
export TILESPOOL_FILTER_PATH="$B/filters"
unset TILESPOOL_SPOOL TILESPOOL_CRASH_AT

warn() { echo "seeds.sh: $*" >&2; }

# ---- netpbm: headers with pixels, hand-written and generated ---------------
n=$out/netpbm
# pixels N - N deterministic sample bytes on stdout
pixels() { head -c "$1" /dev/zero | tr '\0' 'x'; }
{ printf 'P5\n1 1\n255\n'; pixels 1; } >"$n/p5-1x1"
{ printf 'P6\n3 2\n255\n'; pixels 18; } >"$n/p6-3x2"
{ printf 'P6\n# a comment\n2 2 # another\n255\n'; pixels 12; } >"$n/p6-comments"
{ printf 'P5 4\t1\r255 '; pixels 4; } >"$n/p5-blanks"
{ printf 'P5\n2 1\n65535\n'; pixels 4; } >"$n/p5-16bit"
{ printf 'P7\nWIDTH 2\nHEIGHT 1\nDEPTH 4\nMAXVAL 255\nTUPLTYPE RGB_ALPHA\nENDHDR\n'; pixels 8; } >"$n/p7-rgba"
{ printf 'P7\n# c\nWIDTH 1\nHEIGHT 2\nDEPTH 2\nMAXVAL 255\nTUPLTYPE GRAYSCALE_ALPHA\nENDHDR\n'; pixels 4; } >"$n/p7-graya"
{ printf 'P7\nWIDTH 3\nHEIGHT 1\nDEPTH 1\nMAXVAL 1\nTUPLTYPE BLACKANDWHITE\nENDHDR\n'; pixels 3; } >"$n/p7-bw"
{ printf 'P7\nWIDTH 1\nHEIGHT 1\nDEPTH 3\nMAXVAL 255\nENDHDR\n'; pixels 3; } >"$n/p7-notuple"
if [ -x "$B/tools/mkimage" ]; then
    for t in gray rgb graya rgba gray16; do
        for s in "1 1" "5 3" "17 9"; do
            # shellcheck disable=SC2086  # the two words of $s are width and height
            set -- $s
            ext=ppm
            case $t in gray|gray16) ext=pgm ;; graya|rgba) ext=pam ;; esac
            "$B/tools/mkimage" --type "$t" --format pnm "$1" "$2" "$tmp/img.$ext" &&
                cp "$tmp/img.$ext" "$n/mkimage-$t-${1}x$2"
        done
    done
else
    warn "no $B/tools/mkimage: generated netpbm seeds skipped"
fi

# ---- job.json (and its tiles) from real splits ------------------------------
# split NAME TYPE W H TILE CHAIN [SPLITTER OPTIONS] - split a generated image,
# keep its job.json as manifest seed NAME and its first tile as netpbm seed
split() {
    name=$1 type=$2 w=$3 h=$4 t=$5 chain=$6
    shift 6
    "$B/tools/mkimage" --type "$type" "$w" "$h" "$tmp/$name.png" || return 1
    job=$("$B/bin/splitter" --spool "$tmp/spool" -q -t "$t" -f "$chain" -o "$tmp/out.png" \
          "$@" "$tmp/$name.png") || return 1
    cp "$tmp/spool/$job/job.json" "$out/manifest/$name.json" || return 1
    first=
    for p in "$tmp/spool/$job/tiles"/*; do [ -e "$p" ] && first=${p##*/}; break; done
    case $first in
        *.png) ;;
        ?*) cp "$tmp/spool/$job/tiles/$first" "$n/tile-$name" ;;
    esac
}
if [ -x "$B/bin/splitter" ] && [ -x "$B/tools/mkimage" ]; then
    split rgb-blur rgb 5 3 2 "gaussian_blur:sigma=1.5,sharpen:amount=0.6" || warn "split rgb-blur failed"
    split gray-invert gray 7 2 4 invert || warn "split gray-invert failed"
    split graya-median graya 3 3 1 "median:radius=1" || warn "split graya-median failed"
    split rgba-chain rgba 12 11 1 "grayscale:standard=709,brightness_contrast:brightness=-10:contrast=20,posterize" ||
        warn "split rgba-chain failed"
    split rgb-png rgb 9 4 3 "box_blur:radius=2,sobel,threshold" --tile-format png ||
        warn "split rgb-png failed"
    split rgb-nokeep rgb 2 2 256 "identity,sepia,invert" --no-keep --png-level 9 ||
        warn "split rgb-nokeep failed"
else
    warn "no $B/bin/splitter or mkimage: job.json seeds skipped"
fi
# Manifests that once parsed but did not survive save + load (a param
# beyond float range; a source.size cJSON writes with 15 digits): kept as
# seeds so that every run checks them again.
if [ -f "$out/manifest/rgb-blur.json" ]; then
    sed 's/\("sigma":[[:space:]]*\)1\.5$/\11e39/' "$out/manifest/rgb-blur.json" \
        >"$out/manifest/regress-param-1e39.json"
    sed 's/\("size":[[:space:]]*\)[0-9][0-9]*$/\19007199254740991/' "$out/manifest/rgb-blur.json" \
        >"$out/manifest/regress-size-16-digits.json"
fi

# ---- chains ------------------------------------------------------------------
c=$out/chain
i=0
while IFS= read -r chain; do
    i=$((i + 1))
    printf '%s' "$chain" >"$c/chain-$i"
done <<'EOF'
gaussian_blur:sigma=1.5,sharpen:amount=0.6
invert
grayscale:standard=709
brightness_contrast:brightness=10:contrast=-20,posterize:levels=4
box_blur:radius=3,median:radius=2,sobel,threshold:level=100
./my/filter.wasm:k=v,identity
/abs/path/f.wasm
sharpen:amount=0.6:sigma=1:threshold=2
sepia,identity,invert,identity,invert,identity,invert,identity,invert,identity,invert,identity,invert,identity,invert,identity
a:k1=1:k2=2:k3=3:k4=4:k5=5:k6=6:k7=7:k8=8:k9=9:k10=10:k11=11:k12=12:k13=13:k14=14:k15=15:k16=16
x:key=val=ue
EOF

# ---- .wasm modules -------------------------------------------------------------
found=0
for f in "$B"/filters/*.wasm "$B"/filters/hostile/*.wasm; do
    [ -f "$f" ] || continue
    found=1
    case $f in */hostile/*) cp "$f" "$out/wasm_check/hostile-$(basename "$f")" ;;
               *) cp "$f" "$out/wasm_check/$(basename "$f")" ;; esac
done
[ "$found" -eq 1 ] || warn "no $B/filters/*.wasm: wasm seeds skipped"
# the smallest module: magic and version only
printf '\000asm\001\000\000\000' >"$out/wasm_check/empty-module"
# assembled modules: extra functions, a data segment
if ! python3 "$top/tests/tools/wasmgen.py" funcs 3 "$out/wasm_check/gen-funcs" ||
    ! python3 "$top/tests/tools/wasmgen.py" data 64 "$out/wasm_check/gen-data"; then
    warn "wasmgen.py failed: generated wasm seeds skipped"
fi

# ---- Exif blocks: APP1 payloads, hand-written --------------------------------
e=$out/exif
# tiff_ii/tiff_mm ENTRIES - "Exif\0\0", a TIFF header in byte order II or MM
# (octal escapes for printf) and IFD0 at offset 8 with the given entries
# shellcheck disable=SC2059  # the entries are octal escapes for printf's format
tiff_ii() { printf 'Exif\000\000II*\000\010\000\000\000'; printf "$1"; }
# shellcheck disable=SC2059  # as above
tiff_mm() { printf 'Exif\000\000MM\000*\000\000\000\010'; printf "$1"; }
# one entry: Orientation (0x0112), SHORT, count 1, value 6; no next IFD
tiff_ii '\001\000\022\001\003\000\001\000\000\000\006\000\000\000\000\000\000\000' >"$e/ii-orient6"
tiff_mm '\000\001\001\022\000\003\000\000\000\001\000\010\000\000\000\000\000\000' >"$e/mm-orient8"
# Orientation as a LONG; then as 9; then an entry count past the end
tiff_mm '\000\001\001\022\000\004\000\000\000\001\000\000\000\003\000\000\000\000' >"$e/mm-long"
tiff_ii '\001\000\022\001\003\000\001\000\000\000\011\000\000\000\000\000\000\000' >"$e/ii-orient9"
tiff_ii '\377\000\022\001\003\000\001\000\000\000\003\000' >"$e/ii-count-past-end"
# two entries (Make as ASCII at an offset, then Orientation) and a next IFD (IFD1)
tiff_ii '\002\000\017\001\002\000\006\000\000\000\046\000\000\000\022\001\003\000\001\000\000\000\003\000\000\000\054\000\000\000Maker\000\000\000' >"$e/ii-two-entries"
printf 'http://ns.adobe.com/xap/1.0/\000<x:xmpmeta/>' >"$e/xmp"

# ---- TIFF files: small, of many layouts, made by vips and tiffcp ------------
t=$out/tiff
if command -v vips >/dev/null && command -v tiffcp >/dev/null &&
    vips black "$tmp/b.v" 13 9 --bands 3 && vips linear "$tmp/b.v" "$tmp/rgb.v" "1 2 3" "10 60 120" --uchar; then
    export VIPS_CONCURRENCY=1
    vips tiffsave "$tmp/rgb.v" "$t/strips"
    vips tiffsave "$tmp/rgb.v" "$t/tiles-deflate" --tile --tile-width 16 --tile-height 16 --compression deflate
    vips tiffsave "$tmp/rgb.v" "$t/lzw-predictor" --compression lzw --predictor horizontal
    vips tiffsave "$tmp/rgb.v" "$t/bigtiff" --bigtiff
    vips colourspace "$tmp/rgb.v" "$tmp/g.v" b-w && vips tiffsave "$tmp/g.v" "$t/gray-1bit" --bitdepth 1
    vips tiffsave "$tmp/g.v" "$t/miniswhite" --miniswhite
    vips cast "$tmp/rgb.v" "$tmp/u.v" ushort && vips tiffsave "$tmp/u.v" "$t/rgb16"
    vips bandjoin "$tmp/rgb.v $tmp/g.v" "$tmp/a.v" && vips tiffsave "$tmp/a.v" "$t/rgba-premultiplied" --premultiply
    tiffcp -p separate "$t/strips" "$t/separate"
    tiffcp -c jpeg -r 16 "$t/strips" "$t/ycbcr-jpeg"
    tiffcp "$t/strips" "$t/miniswhite" "$t/two-pages"
    printf '\001' >>"$t/two-pages"         # the target reads page 1
    for f in "$t"/*; do case $f in *.tif) ;; *) [ -s "$f" ] || rm -f "$f" ;; esac; done
else
    warn "no vips or tiffcp: TIFF seeds skipped"
fi

# ---- WebP and GIF files, tiny, from libwebp's tools and ImageMagick -----------
w=$out/webp g=$out/gif
if convert -size 9x7 gradient:red-blue "$tmp/grad.png" &&
    convert -size 9x7 xc:none -fill red -draw 'rectangle 2,2 5,4' "$tmp/alpha.png" &&
    convert -size 9x7 xc:white -fill blue -draw 'rectangle 1,1 3,5' "$tmp/box.png"; then
    cwebp -quiet "$tmp/grad.png" -o "$w/lossy" || warn "cwebp lossy failed"
    cwebp -quiet -lossless "$tmp/grad.png" -o "$w/lossless" || warn "cwebp lossless failed"
    cwebp -quiet -q 50 "$tmp/alpha.png" -o "$w/lossy-alpha" || warn "cwebp alpha failed"
    cwebp -quiet -lossless -exact "$tmp/alpha.png" -o "$w/lossless-alpha" ||
        warn "cwebp lossless alpha failed"
    printf 'II*\000\010\000\000\000\000\000' >"$tmp/exif"
    webpmux -set exif "$tmp/exif" "$w/lossless" -o "$w/with-exif" >/dev/null 2>&1 ||
        warn "webpmux exif failed"
    convert "$tmp/grad.png" "$g/plain.gif" || warn "convert gif failed"
    convert "$tmp/alpha.png" "$g/transparent.gif" || warn "convert transparent gif failed"
    convert "$tmp/grad.png" -interlace GIF "$g/interlaced.gif" || warn "convert interlaced gif failed"
    convert -delay 10 "$tmp/grad.png" "$tmp/box.png" "$tmp/alpha.png" -loop 0 "$g/animated.gif" ||
        warn "convert animated gif failed"
    gif2webp -quiet "$g/animated.gif" -o "$w/animated" 2>/dev/null || warn "gif2webp failed"
else
    warn "ImageMagick's convert failed: WebP and GIF seeds skipped"
fi

# ---- describe JSON, NUL, a stage using the declared params ---------------------
d=$out/describe
if [ -x "$B/bin/splitter" ] && "$B/bin/splitter" --list-filters --json >"$tmp/list" 2>/dev/null; then
    while IFS= read -r json; do
        name=$(printf '%s' "$json" | sed -n 's/^{"name":"\([a-z0-9_]*\)".*/\1/p')
        [ -n "$name" ] || continue
        # "name:p=default:p=default" from the declared params
        stage=$name$(printf '%s' "$json" |
            grep -o '"name":"[a-z0-9_]*","default":[-0-9.e+]*' |
            sed 's/"name":"\([a-z0-9_]*\)","default":\(.*\)/:\1=\2/' | tr -d '\n')
        printf '%s' "$json" >"$d/$name"
        { printf '%s\000' "$json"; printf '%s' "$stage"; } >"$d/$name-bound"
    done <"$tmp/list"
    # once accepted: a bound beyond float range, through which -1e39 bound
    # to an infinite float
    json=$(grep '^{"name":"brightness_contrast"' "$tmp/list" | sed 's/"min":-100/"min":-1e82/')
    [ -n "$json" ] && { printf '%s\000' "$json"; printf 'brightness_contrast:contrast=-1e39'; } \
        >"$d/regress-min-beyond-float"
else
    warn "splitter --list-filters --json failed: describe seeds skipped"
fi
exit 0
