# shellcheck shell=sh
# tiff - TIFF and BigTIFF through the pipeline, checked against libvips:
#   - inputs made by vips tiffsave (strips, tiles of 256 and 64, none,
#     deflate, lzw, jpeg, zstd, predictor, BigTIFF, gray, RGBA, 1-bit,
#     MINISWHITE) and by tiffcp (strips, tiles, lzw, zip, YCbCr jpeg,
#     BigTIFF, separate planes) come through identity to PNG with the
#     pixels vips decodes (JPEG-compressed within 2 levels, the rest
#     exactly); a 16-bit one stays 16-bit and exact in .tif and .png;
#     invert gives vips's invert
#   - outputs: every --tiff-compression x strips/tiles x 8/16 bits x gray/
#     RGB/RGBA (JPEG: 8 bits only) is read back by vips with the pixels of
#     the result, and tiffinfo shows the compression and tiling asked;
#     --bigtiff makes a BigTIFF (version 43); 16-bit + jpeg is refused
#     before anything is written (exit 2, one line)
#   - a 3-page file: --page 1 and FILE[page=2] pick those pages; --page 5
#     is one line, exit 3
#   - a 20000x3000 RGB BigTIFF tiled 256 (deflate): the splitter and the
#     assembler (writing tiled BigTIFF) stay under 120 MiB peak RSS, while
#     the image decoded whole is 172 MiB.  Measured on the plain build:
#     ASan's shadow memory and quarantine would make the figure mostly
#     ASan's own.
#   - hostile files (a python3 script writes them): truncated, a
#     100000x100000 bomb, a strip past the end, tiles of 0, 17 (data
#     missing) and 65536, an IFD loop, a page past the end: one line naming
#     the file, exit 3, within 20 s, and (plain build) under 100 MiB peak
#     RSS (not ulimit -v: the filters' sandbox reserves gigabytes of
#     address space by design)
# shellcheck source=SCRIPTDIR/lib.sh
. "$(dirname "$0")/lib.sh"

for tool in vips tiffcp tiffinfo python3; do
    if ! command -v "$tool" >/dev/null; then
        echo "skip - tiff: needs $tool"
        exit 0
    fi
done
export VIPS_CONCURRENCY=1
IMGCMP=$TOOLS/imgcmp

# same NAME MAXDIFF REF OUT - imgcmp of vips's PNG of REF with OUT
# (vips's PNG of OUT when it is a TIFF).
same() {
    vips copy "$3" "$T/ref.png" 2>"$T/vips.err" || { notok "$1" "vips: $(head -c 200 "$T/vips.err")"; return; }
    o=$4
    case $o in *.tif) vips copy "$o" "$T/got.png" 2>"$T/vips.err" || { notok "$1" "vips cannot read $o: $(head -c 200 "$T/vips.err")"; return; }; o=$T/got.png ;; esac
    if "$IMGCMP" --max-diff "$2" "$T/ref.png" "$o" >"$T/cmp" 2>&1; then ok "$1"
    else notok "$1" "$(head -c 300 "$T/cmp")"; fi
}

# run_to IN OUT [OPTION...] - tilespool run identity with tiles of 64.
run_to() {
    in=$1 out=$2; shift 2
    rm -rf "$T/sp" "$out"
    "$TS" run -q -w 2 -t 64 --spool "$T/sp" "$@" "$in" "$out" 2>"$T/err"
}

# ---- inputs -----------------------------------------------------------------
I=$T/in
mkdir -p "$I"
vips gaussnoise "$T/n.v" 203 141 --mean 128 --sigma 50 &&
    vips cast "$T/n.v" "$T/nu.v" uchar &&
    vips bandjoin "$T/nu.v $T/nu.v $T/nu.v" "$T/r0.v" &&
    vips linear "$T/r0.v" "$I/rgb.v" "1 0.6 0.3" "0 40 90" --uchar &&
    vips gaussblur "$I/rgb.v" "$I/smooth.v" 6 --precision integer &&
    vips cast "$I/smooth.v" "$I/smooth8.v" uchar &&
    vips bandjoin "$I/rgb.v $T/nu.v" "$I/rgba.v" &&
    vips colourspace "$I/rgb.v" "$I/gray.v" b-w &&
    vips cast "$I/rgb.v" "$T/u.v" ushort && vips linear "$T/u.v" "$T/u2.v" 257 3 &&
    vips cast "$T/u2.v" "$I/rgb16.v" ushort
# shellcheck disable=SC2181  # the chain above is too long for an if
if [ $? -ne 0 ]; then notok "vips makes the test images" "failed"; exit 1; fi

# name|maker|maxdiff - each maker writes $f
while IFS='|' read -r name maker diff; do
    f=$I/$name.tif
    if ! eval "$maker" >"$T/mk.err" 2>&1; then
        notok "input $name" "cannot make it: $(head -c 200 "$T/mk.err")"; continue
    fi
    if run_to "$f" "$T/out.png"; then same "input $name through identity" "$diff" "$f" "$T/out.png"
    else notok "input $name through identity" "$(head -c 300 "$T/err")"; fi
done <<EOF_CASES
vips-strips|vips tiffsave $I/rgb.v \$f|0
vips-tile256-deflate|vips tiffsave $I/rgb.v \$f --tile --tile-width 256 --tile-height 256 --compression deflate --predictor horizontal|0
vips-tile64-lzw|vips tiffsave $I/rgb.v \$f --tile --tile-width 64 --tile-height 64 --compression lzw|0
vips-zstd|vips tiffsave $I/rgb.v \$f --compression zstd --predictor horizontal|0
vips-jpeg|vips tiffsave $I/smooth8.v \$f --compression jpeg --Q 85|2
vips-jpeg-tiles|vips tiffsave $I/smooth8.v \$f --compression jpeg --tile --tile-width 64 --tile-height 64|2
vips-bigtiff|vips tiffsave $I/rgb.v \$f --bigtiff --tile --tile-width 128 --tile-height 128 --compression deflate|0
vips-gray|vips tiffsave $I/gray.v \$f --compression lzw|0
vips-miniswhite|vips tiffsave $I/gray.v \$f --miniswhite|0
vips-1bit|vips tiffsave $I/gray.v \$f --bitdepth 1|0
vips-rgba-tiles|vips tiffsave $I/rgba.v \$f --tile --tile-width 32 --tile-height 32 --compression deflate|0
tiffcp-strips-lzw|vips tiffsave $I/rgb.v $T/base.tif && tiffcp -s -r 7 -c lzw $T/base.tif \$f|0
tiffcp-tiles-zip|vips tiffsave $I/rgb.v $T/base.tif && tiffcp -t -w 48 -l 32 -c zip $T/base.tif \$f|0
tiffcp-ycbcr-jpeg|vips tiffsave $I/smooth8.v $T/base.tif && tiffcp -c jpeg:90 -r 16 $T/base.tif \$f|2
tiffcp-ycbcr-jpeg-tiles|vips tiffsave $I/smooth8.v $T/base.tif && tiffcp -t -c jpeg $T/base.tif \$f|2
tiffcp-bigtiff|vips tiffsave $I/rgb.v $T/base.tif && tiffcp -8 -c zip $T/base.tif \$f|0
tiffcp-separate|vips tiffsave $I/rgb.v $T/base.tif && tiffcp -p separate -c lzw $T/base.tif \$f|0
EOF_CASES

# 16 bits in, 16 bits out
vips tiffsave "$I/rgb16.v" "$I/rgb16.tif" --compression zstd --predictor horizontal
for ext in tif png; do
    if run_to "$I/rgb16.tif" "$T/o16.$ext"; then
        vips_exact "16-bit input stays 16-bit and exact in .$ext" "$I/rgb16.tif" "$T/o16.$ext"
    else notok "16-bit input to .$ext" "$(head -c 300 "$T/err")"; fi
done

# a real filter
vips tiffsave "$I/rgb.v" "$I/rgb.tif" --tile --tile-width 64 --tile-height 64 --compression lzw
vips invert "$I/rgb.v" "$T/inv.png"
if run_to "$I/rgb.tif" "$T/inv_out.png" -f invert; then
    same "invert of a tiled TIFF equals vips invert" 0 "$T/inv.png" "$T/inv_out.png"
else notok "invert of a tiled TIFF" "$(head -c 300 "$T/err")"; fi

# ---- outputs ----------------------------------------------------------------
vips colourspace "$I/smooth8.v" "$T/gs.v" b-w && vips tiffsave "$T/gs.v" "$I/gray8.tif"
vips tiffsave "$I/smooth8.v" "$I/rgb8.tif"
vips tiffsave "$I/rgba.v" "$I/rgba8.tif"
vips colourspace "$I/rgb16.v" "$T/g16.v" grey16 && vips tiffsave "$T/g16.v" "$I/gray16.tif"
vips tiffsave "$I/rgb16.v" "$I/rgb16.tif"
vips bandjoin "$I/rgb16.v $T/g16.v" "$T/rgba16.v" && vips tiffsave "$T/rgba16.v" "$I/rgba16.tif"
for src in gray8 rgb8 rgba8 gray16 rgb16 rgba16; do
    rm -rf "$T/sp"
    if ! job=$("$BIN/splitter" -q --spool "$T/sp" -t 64 -f identity "$I/$src.tif" 2>"$T/err") ||
        ! "$BIN/worker" -q --spool "$T/sp" -w 2 2>"$T/err"; then
        notok "outputs of $src" "$(head -c 300 "$T/err")"; continue
    fi
    bad=0 n=0
    # every compression, each once in strips and once in tiles over the
    # six sources (test_image_tiff writes the whole matrix in-process)
    for comp in none deflate lzw jpeg zstd; do
        case $src$comp in *16jpeg) continue ;; esac
        for tile in 0 64; do
            case $src.$comp.$tile in
            gray8.none.0|gray8.zstd.64|rgb8.*|rgba8.lzw.0|rgba8.deflate.64|rgba8.jpeg.64) ;;
            gray16.deflate.0|gray16.none.64|rgb16.lzw.64|rgb16.zstd.0|rgba16.none.0) ;;
            rgba16.deflate.64|gray8.jpeg.0) ;;
            *) continue ;;
            esac
            o=$T/w.tif n=$((n + 1))
            rm -f "$o"
            if ! "$BIN/assembler" -q --spool "$T/sp" --job "$job" -o "$o" \
                --tiff-compression "$comp" --tiff-tile "$tile" 2>"$T/err"; then
                notok "$src as $comp tile $tile" "$(head -c 300 "$T/err")"; bad=1; continue
            fi
            diff=0
            [ "$comp" = jpeg ] && diff=24   # 4:2:0 chroma of a blurred noise, quality 90
            if [ "$comp" = jpeg ] && [ "${src#rgba}" != "$src" ]; then
                # vips cannot decode 4-sample JPEG-in-TIFF; our reader and tiffinfo can
                tiffinfo "$o" >/dev/null 2>&1 || { notok "$src as $comp tile $tile" "tiffinfo fails"; bad=1; }
            elif ! { vips copy "$I/$src.tif" "$T/ref.tif" && vips copy "$o" "$T/got.v" &&
                     vips copy "$T/ref.tif" "$T/ref.v"; } 2>"$T/vips.err"; then
                notok "$src as $comp tile $tile" "vips: $(head -c 200 "$T/vips.err")"; bad=1
            else
                m=
                if ! { vips subtract "$T/ref.v" "$T/got.v" "$T/d.v" && vips abs "$T/d.v" "$T/a.v" &&
                       m=$(vips max "$T/a.v") && [ "$(vips_header "$T/ref.v")" = "$(vips_header "$T/got.v")" ] &&
                       [ "${m%%.*}" -le "$diff" ]; }; then
                    notok "$src as $comp tile $tile read back by vips" "max diff ${m:-?}"; bad=1
                fi
            fi
            want=$(case $comp in none) echo None ;; deflate) echo Deflate ;; lzw) echo LZW ;; jpeg) echo JPEG ;; zstd) echo ZSTD ;; esac)
            tiffinfo "$o" 2>/dev/null | grep -q "Compression Scheme: .*$want" ||
                { notok "$src as $comp tile $tile: tiffinfo compression" "$(tiffinfo "$o" 2>&1 | grep Compression)"; bad=1; }
            if [ "$tile" -ne 0 ]; then
                tiffinfo "$o" 2>/dev/null | grep -q "Tile Width: 64 Tile Length: 64" ||
                    { notok "$src as $comp tile $tile: tiffinfo tiles" "not tiled 64"; bad=1; }
            fi
        done
    done
    [ $bad -eq 0 ] && ok "$src: $n compression and strips/tiles outputs read back by vips as asked"
    if [ "$src" = rgb8 ]; then
        "$BIN/assembler" -q --spool "$T/sp" --job "$job" -o "$T/big.tif" --bigtiff 2>"$T/err"
        is "--bigtiff writes a BigTIFF (version 43)" "$(od -An -tu1 -j2 -N1 "$T/big.tif" | tr -d ' ')" 43
        same "the BigTIFF holds the pixels" 0 "$I/rgb8.tif" "$T/big.tif"
    fi
    if [ "$src" = rgb16 ]; then
        check_fails "16-bit result with --tiff-compression jpeg: refused before writing" 2 \
            "$BIN/assembler" -q --spool "$T/sp" --job "$job" -o "$T/j16.tif" --tiff-compression jpeg
        [ -e "$T/j16.tif" ] && notok "no output for 16-bit jpeg" "$T/j16.tif exists"
    fi
done

# ---- pages ------------------------------------------------------------------
vips black "$T/b.v" 40 30 --bands 3
for p in 0 1 2; do vips linear "$T/b.v" "$T/p$p.tif" 1 $((p * 70 + 10)) --uchar; done
tiffcp "$T/p0.tif" "$T/p1.tif" "$T/p2.tif" "$T/multi.tif"
run_to "$T/multi.tif" "$T/pg1.png" --page 1 && same "--page 1 picks the second page" 0 "$T/p1.tif" "$T/pg1.png"
run_to "$T/multi.tif[page=2]" "$T/pg2.png" && same "FILE[page=2] picks the third page" 0 "$T/p2.tif" "$T/pg2.png"
check_fails "--page 5 of 3 pages: one line, exit 3" 3 \
    "$BIN/splitter" -q --spool "$T/sp" --page 5 -f identity "$T/multi.tif"
if grep -q "page 5 asked for, the file has 3 pages" "$T/.err"; then ok "--page 5: says how many pages"
else notok "--page 5: says how many pages" "$(cat "$T/.err")"; fi

# ---- a big tiled BigTIFF in bounded memory ----------------------------------
LIMIT_KB=$((120 * 1024))
vips black "$T/bb.v" 20000 3000 --bands 3 && vips linear "$T/bb.v" "$T/bl.v" "1 1 1" "30 90 150" --uchar &&
    vips tiffsave "$T/bl.v" "$T/huge.tif" --tile --tile-width 256 --tile-height 256 --bigtiff \
        --compression deflate
rm -f "$T/bb.v" "$T/bl.v"
rm -rf "$T/sp"
if /usr/bin/time -f %M -o "$T/rss.split" "$PLAIN/splitter" -q --spool "$T/sp" -t 256 --no-keep \
    -f identity "$T/huge.tif" >"$T/job" 2>"$T/err" &&
    "$PLAIN/worker" -q --spool "$T/sp" -w 2 2>>"$T/err" &&
    /usr/bin/time -f %M -o "$T/rss.asm" "$PLAIN/assembler" -q --spool "$T/sp" --job "$(cat "$T/job")" \
        -o "$T/huge_out.tif" --tiff-tile 256 --tiff-compression deflate --bigtiff 2>>"$T/err"; then
    below "splitter peak RSS on a 20000x3000 tiled BigTIFF" "$(tail -n 1 "$T/rss.split")" $LIMIT_KB
    below "assembler peak RSS writing a 20000x3000 tiled BigTIFF" "$(tail -n 1 "$T/rss.asm")" $LIMIT_KB
    is "the big output is 20000x3000x3" "$(vips_header "$T/huge_out.tif")" "20000x3000x3/((VipsBandFormat) VIPS_FORMAT_UCHAR)"
    m=$(vips min "$T/huge_out.tif")
    is "the big output holds the input's pixels (min 30)" "${m%%.*}" 30
else
    notok "20000x3000 tiled BigTIFF split, worked and assembled" "$(head -c 300 "$T/err")"
fi
rm -rf "$T/sp" "$T/huge.tif" "$T/huge_out.tif"

# ---- hostile files ----------------------------------------------------------
H=$T/hostile
mkdir -p "$H"
vips tiffsave "$I/rgb.v" "$H/good.tif" --compression lzw
python3 - "$H" <<'EOF_PY'
import struct, sys
d = sys.argv[1]

def tiff(entries, data=b""):
    # a little-endian classic TIFF: header, data at 8, then one IFD
    ifd = 8 + len(data) + (len(data) & 1)
    out = bytearray(struct.pack("<2sHI", b"II", 42, ifd) + data + b"\0" * (len(data) & 1))
    extra = bytearray()
    body = bytearray(struct.pack("<H", len(entries)))
    after = ifd + 2 + 12 * len(entries) + 4
    for tag, typ, vals in sorted(entries):
        fmt = {3: "H", 4: "I"}[typ]
        raw = struct.pack("<%d%s" % (len(vals), fmt), *vals)
        if len(raw) <= 4:
            body += struct.pack("<HHI", tag, typ, len(vals)) + raw.ljust(4, b"\0")
        else:
            body += struct.pack("<HHII", tag, typ, len(vals), after + len(extra))
            extra += raw
    return bytes(out + body + struct.pack("<I", 0) + extra)

def image(w, h, more, data=b""):
    return tiff([(256, 4, [w]), (257, 4, [h]), (258, 3, [8, 8, 8]), (259, 3, [1]),
                 (262, 3, [2]), (277, 3, [3]), (284, 3, [1])] + more, data)

open(d + "/bomb.tif", "wb").write(image(100000, 100000, [(273, 4, [8]), (278, 4, [100000]),
                                                         (279, 4, [30000000000 % 2**32])]))
open(d + "/strip-past-end.tif", "wb").write(image(64, 64, [(273, 4, [1 << 20]), (278, 4, [64]),
                                                           (279, 4, [64 * 64 * 3])]))
for name, t in (("tile0", 0), ("tile17", 17), ("tile65536", 65536)):
    n = 1 if t in (0, 65536) else ((64 + t - 1) // t) ** 2
    open(d + "/" + name + ".tif", "wb").write(image(64, 64, [(322, 4, [t]), (323, 4, [t]),
                                                             (324, 4, [0] * n), (325, 4, [100] * n)]))
good = bytearray(open(d + "/good.tif", "rb").read())
open(d + "/truncated.tif", "wb").write(good[: len(good) * 2 // 3])
ifd = struct.unpack("<I", good[4:8])[0]
n = struct.unpack("<H", good[ifd:ifd + 2])[0]
good[ifd + 2 + 12 * n: ifd + 6 + 12 * n] = good[4:8]
open(d + "/loop.tif", "wb").write(good)
EOF_PY
for f in truncated bomb strip-past-end tile0 tile17 tile65536 loop; do
    check_fails "hostile $f.tif: one line, exit 3" 3 timeout 20 \
        "$BIN/splitter" -q --spool "$T/sp" -f identity "$H/$f.tif"
    if grep -q "$f.tif: tiff: \|$f.tif: image is" "$T/.err"; then ok "hostile $f.tif: the line names the file"
    else notok "hostile $f.tif: the line names the file" "$(cat "$T/.err")"; fi
    timeout 20 /usr/bin/time -f %M -o "$T/rss.h" "$PLAIN/splitter" -q --spool "$T/sp" -f identity \
        "$H/$f.tif" 2>/dev/null
    below "hostile $f.tif: peak RSS (plain build)" "$(tail -n 1 "$T/rss.h")" $((100 * 1024))
done
check_fails "hostile: page past the end: one line, exit 3" 3 timeout 20 \
    "$BIN/splitter" -q --spool "$T/sp" -f identity "$H/good.tif[page=1]"
