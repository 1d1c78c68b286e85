# shellcheck shell=sh
# metadata - the input's ICC profile, Exif, XMP and resolution reach the
# output, checked with exiftool as the reference reader: JPEG to JPEG,
# PNG to PNG, PNG's pHYs to JPEG's JFIF density, and JPEG to TIFF and to
# WebP (skipped while those writers are not built or write no metadata,
# found by a probe).  After auto-orient the output's Exif orientation is
# 1, with --no-autorotate the input's; --strip (at the split or the
# assembly) writes none; netpbm output gets a note instead.  A meta/ file
# of the spool that was changed or replaced by a link is refused.  The
# JPEG options: --jpeg-subsample in the frame's sampling factors,
# --jpeg-progressive in the encoding process, --jpeg-optimize a smaller
# file with the same pixels.
# shellcheck source=SCRIPTDIR/lib.sh
. "$(dirname "$0")/lib.sh"

SP=$T/sp

# tag FILE TAG... - exiftool's value of the tags, numbers as numbers.
tag() { f=$1; shift; exiftool -s -s -s -n "$@" "$f" 2>/dev/null; }

# same_block NAME TAG A B - ok if exiftool's TAG (-b) of A and B is the same non-empty bytes.
same_block() {
    exiftool -b "-$2" "$3" >"$T/a.blk" 2>/dev/null
    exiftool -b "-$2" "$4" >"$T/b.blk" 2>/dev/null
    if [ -s "$T/a.blk" ] && cmp -s "$T/a.blk" "$T/b.blk"; then ok "$1"
    else notok "$1" "$(wc -c <"$T/a.blk") bytes in, $(wc -c <"$T/b.blk") out, or different"; fi
}

# split_work IN [OPTIONS] - split IN into a fresh spool and process it; prints the job id.
split_work() {
    in=$1; shift
    rm -rf "$SP"
    id=$("$BIN/splitter" -q --spool "$SP" -t 64 -f identity "$@" "$in") &&
        "$BIN/worker" -q --spool "$SP" -w 1 && echo "$id"
}

# assemble ID OUT [OPTIONS] - the job into OUT; stderr in $T/asm.err.
assemble() {
    a_id=$1 a_out=$2; shift 2
    rm -f "$a_out"
    "$BIN/assembler" --spool "$SP" --job "$a_id" -o "$a_out" "$@" 2>"$T/asm.err"
}

# An sRGB profile: the one libvips builds in.
vips black "$T/black.png" 16 16 --bands 3 >/dev/null 2>&1 &&
    vips icc_transform "$T/black.png" "$T/srgb.png" srgb --input-profile srgb >/dev/null 2>&1 &&
    exiftool -b -ICC_Profile "$T/srgb.png" >"$T/srgb.icc" 2>/dev/null
[ -s "$T/srgb.icc" ] || { notok "setup: an ICC profile from libvips" "none"; exit 1; }

mk 96 64 "$T/in.jpg"
exiftool -q -overwrite_original "-ICC_Profile<=$T/srgb.icc" -Make=Acme -Model=Z1 \
    -Orientation#=6 -XMP-dc:Title="A tilespool test" -JFIF:XResolution=300 \
    -JFIF:YResolution=300 -JFIF:ResolutionUnit=inches "$T/in.jpg" ||
    { notok "setup: exiftool writes the JPEG's metadata" "failed"; exit 1; }
mk 96 64 "$T/in.png"
exiftool -q -overwrite_original "-ICC_Profile<=$T/srgb.icc" -EXIF:Make=Acme -EXIF:Model=Z1 \
    -XMP-dc:Title="A tilespool test" -PNG:PixelsPerUnitX=11811 -PNG:PixelsPerUnitY=11811 \
    -PNG:PixelUnits=meters "$T/in.png" ||
    { notok "setup: exiftool writes the PNG's metadata" "failed"; exit 1; }

# JPEG to JPEG, turned upright
id=$(split_work "$T/in.jpg") || { notok "jpeg: split and work" "failed"; exit 1; }
for f in icc.icc exif.tiff xmp.xml; do
    if [ -f "$SP/$id/meta/$f" ]; then ok "jpeg: the spool keeps meta/$f"
    else notok "jpeg: the spool keeps meta/$f" "$(ls "$SP/$id/meta" 2>&1)"; fi
done
is "jpeg: the spool's Exif says orientation 1" "$(tag "$SP/$id/meta/exif.tiff" -Orientation)" 1
assemble "$id" "$T/out.jpg" || notok "jpeg to jpeg: assemble" "$(cat "$T/asm.err")"
same_block "jpeg to jpeg: the ICC profile" ICC_Profile "$T/in.jpg" "$T/out.jpg"
same_block "jpeg to jpeg: the XMP" XMP "$T/in.jpg" "$T/out.jpg"
is "jpeg to jpeg: Exif Make and Model" "$(tag "$T/out.jpg" -EXIF:Make -EXIF:Model | tr '\n' ' ')" "Acme Z1 "
is "jpeg to jpeg: orientation 1 after auto-orient" "$(tag "$T/out.jpg" -EXIF:Orientation)" 1
is "jpeg to jpeg: the pixels are turned" "$(tag "$T/out.jpg" -ImageWidth -ImageHeight | tr '\n' ' ')" "64 96 "
is "jpeg to jpeg: 300 dpi" "$(tag "$T/out.jpg" -JFIF:XResolution -JFIF:YResolution -JFIF:ResolutionUnit | tr '\n' ' ')" "300 300 1 "

# JPEG to netpbm: a note, once
assemble "$id" "$T/out.ppm"
if grep -q "the input's ICC profile, Exif, XMP, resolution are not written to .*out.ppm: netpbm holds no metadata" "$T/asm.err" &&
    [ "$(grep -c "not written" "$T/asm.err")" -eq 1 ]; then ok "jpeg to ppm: one note names what is left behind"
else notok "jpeg to ppm: one note names what is left behind" "$(cat "$T/asm.err")"; fi

# --strip at the assembly
assemble "$id" "$T/strip.jpg" --strip
is "assembler --strip: no ICC, XMP or Exif" "$(tag "$T/strip.jpg" -ICC_Profile:all -XMP:all -EXIF:all)" ""

# JPEG to TIFF and to WebP: their writers carry what they can hold
for fmt in tiff webp; do
    out=$T/out.$fmt
    if ! assemble "$id" "$out" || [ ! -s "$out" ]; then
        echo "skip - jpeg to $fmt: $fmt writer not built ($(head -c 120 "$T/asm.err"))"
        continue
    fi
    if [ -z "$(tag "$out" -ICC_Profile:ProfileDescription)" ]; then
        echo "skip - jpeg to $fmt: $fmt writer does not write metadata yet"
        continue
    fi
    same_block "jpeg to $fmt: the ICC profile" ICC_Profile "$T/in.jpg" "$out"
    same_block "jpeg to $fmt: the XMP" XMP "$T/in.jpg" "$out"
    is "jpeg to $fmt: Exif Make" "$(tag "$out" -EXIF:Make)" Acme
    is "jpeg to $fmt: orientation 1 after auto-orient" "$(tag "$out" -EXIF:Orientation)" 1
done

# tampered meta/ files are refused: exit 3, one line naming the file
printf 'x' >>"$SP/$id/meta/xmp.xml"
check_fails "tampered meta/xmp.xml: assembler exits 3, one line" 3 \
    "$BIN/assembler" -q --spool "$SP" --job "$id" -o "$T/t.jpg"
if grep -q "xmp.xml.*does not match its hash" "$T/.err"; then ok "tampered meta/xmp.xml: named"
else notok "tampered meta/xmp.xml: named" "$(cat "$T/.err")"; fi
rm -f "$SP/$id/meta/icc.icc" && ln -s "$T/srgb.icc" "$SP/$id/meta/icc.icc"
check_fails "meta/icc.icc a symbolic link: assembler exits 3, one line" 3 \
    "$BIN/assembler" -q --spool "$SP" --job "$id" -o "$T/t.jpg"
if [ ! -e "$T/t.jpg" ]; then ok "tampered meta/: no output written"
else notok "tampered meta/: no output written" "written"; fi

# --no-autorotate keeps the orientation; --strip at the split writes none
id=$(split_work "$T/in.jpg" --no-autorotate) || notok "no-autorotate: split" "failed"
assemble "$id" "$T/keep.jpg" || notok "no-autorotate: assemble" "$(cat "$T/asm.err")"
is "--no-autorotate: orientation 6 kept" "$(tag "$T/keep.jpg" -EXIF:Orientation)" 6
is "--no-autorotate: the pixels as stored" "$(tag "$T/keep.jpg" -ImageWidth -ImageHeight | tr '\n' ' ')" "96 64 "
rm -rf "$SP"
if "$TS" run -q -w 1 -t 64 --strip --spool "$SP" "$T/in.jpg" "$T/strip2.jpg" 2>"$T/err"; then
    is "run --strip: no ICC, XMP or Exif" "$(tag "$T/strip2.jpg" -ICC_Profile:all -XMP:all -EXIF:all)" ""
else notok "run --strip" "$(cat "$T/err")"; fi

# PNG to PNG, and PNG's 300 dpi to JPEG
id=$(split_work "$T/in.png") || notok "png: split and work" "failed"
assemble "$id" "$T/out.png" || notok "png to png: assemble" "$(cat "$T/asm.err")"
same_block "png to png: the ICC profile" ICC_Profile "$T/in.png" "$T/out.png"
same_block "png to png: the XMP" XMP "$T/in.png" "$T/out.png"
is "png to png: Exif Make and Model" "$(tag "$T/out.png" -EXIF:Make -EXIF:Model | tr '\n' ' ')" "Acme Z1 "
is "png to png: pHYs" "$(tag "$T/out.png" -PNG:PixelsPerUnitX -PNG:PixelsPerUnitY -PNG:PixelUnits | tr '\n' ' ')" "11811 11811 1 "
assemble "$id" "$T/png.jpg" || notok "png to jpeg: assemble" "$(cat "$T/asm.err")"
is "png to jpeg: 300 dpi" "$(tag "$T/png.jpg" -JFIF:XResolution -JFIF:YResolution -JFIF:ResolutionUnit | tr '\n' ' ')" "300 300 1 "
same_block "png to jpeg: the ICC profile" ICC_Profile "$T/in.png" "$T/png.jpg"

# the JPEG options, on one job
mk --pattern noise 96 64 "$T/noise.png"
id=$(split_work "$T/noise.png") || notok "options: split and work" "failed"
assemble "$id" "$T/s444.jpg" --jpeg-subsample 444
assemble "$id" "$T/s420.jpg" --jpeg-subsample 420
assemble "$id" "$T/q80.jpg" --jpeg-quality 80
is "--jpeg-subsample 444" "$(tag "$T/s444.jpg" -YCbCrSubSampling)" "1 1"
is "--jpeg-subsample 420" "$(tag "$T/s420.jpg" -YCbCrSubSampling)" "2 2"
is "quality 80 defaults to 4:2:0" "$(tag "$T/q80.jpg" -YCbCrSubSampling)" "2 2"
assemble "$id" "$T/prog.jpg" --jpeg-progressive
is "--jpeg-progressive: a progressive file" "$(tag "$T/prog.jpg" -EncodingProcess)" 2
assemble "$id" "$T/opt.jpg" --jpeg-optimize
plain=$(wc -c <"$T/s444.jpg") opt=$(wc -c <"$T/opt.jpg")
if [ "$opt" -lt "$plain" ]; then ok "--jpeg-optimize: a smaller file ($opt < $plain bytes)"
else notok "--jpeg-optimize: a smaller file" "$opt vs $plain bytes"; fi
same_pixels "--jpeg-optimize: the same pixels" "$T/s444.jpg" "$T/opt.jpg"

# ---- a block too large for JPEG: the image is written without it, with a note
mk 96 64 "$T/bigxmp.png"
exiftool -q -overwrite_original "-ICC_Profile<=$T/srgb.icc" -EXIF:Make=Acme \
    "-XMP-dc:Description=$(python3 -c 'print("x" * 70000)')" "$T/bigxmp.png" ||
    notok "setup: exiftool writes a 70000-byte XMP" "failed"
id=$(split_work "$T/bigxmp.png") || notok "big XMP: split and work" "failed"
assemble "$id" "$T/bigxmp.jpg"
is "big XMP to JPEG: written (exit 0)" "$?" 0
if grep -q "XMP packet of [0-9]* bytes (JPEG holds 65502) not written to .*bigxmp.jpg" "$T/asm.err"; then
    ok "big XMP to JPEG: a note names the XMP packet and JPEG's limit"
else notok "big XMP to JPEG: a note names the XMP packet and JPEG's limit" "$(cat "$T/asm.err")"; fi
is "big XMP to JPEG: no XMP in the output" "$(tag "$T/bigxmp.jpg" -XMP:all)" ""
same_block "big XMP to JPEG: the ICC profile is kept" ICC_Profile "$T/bigxmp.png" "$T/bigxmp.jpg"
assemble "$id" "$T/bigxmp-out.png"
same_block "big XMP to PNG: the XMP is kept whole" XMP "$T/bigxmp.png" "$T/bigxmp-out.png"
