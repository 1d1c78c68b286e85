# shellcheck shell=sh
# webp_gif - WebP in and out, GIF in, through the real programs, checked
# against libwebp's own tools (cwebp, dwebp), vips and ImageMagick:
#  - lossless WebP output decodes (dwebp -pam) to exactly the input, RGB
#    and RGBA, fully transparent pixels of non-zero colour included;
#  - lossy WebP at quality 75 keeps a smooth image above 30 dB PSNR
#    (computed here over PAMs), and --webp-quality 95 is larger than 50;
#  - WebP inputs made by cwebp (lossy, lossless, lossy with alpha) and by
#    vips decode to the same pixels dwebp gives: both use libwebp's
#    default decoder (fancy upsampling), so lossy is compared exactly too;
#  - an output over 16383 pixels a side is refused by the assembler as a
#    usage error (exit 2, one line) before it reads a tile: a corrupt tile
#    in the job is not what it reports; a 16-bit result gets a note;
#  - GIF: transparency (RGBA, alpha 0 exactly where ImageMagick says) and
#    interlacing decode as ImageMagick decodes them; a batch of a .gif and
#    a .png writes a .png for the .gif, and so do scripts/batch.mk and the
#    assembler's --all --outdir;
#  - hostile WebP and GIF files, generated here with python3: each ends in
#    one line naming the file, exit 3, within `timeout 20`, and the
#    plain build's peak RSS stays small.
# shellcheck source=SCRIPTDIR/lib.sh
. "$(dirname "$0")/lib.sh"

cd "$T" || exit 2
has() { if grep -q -- "$2" "$3"; then ok "$1"; else notok "$1" "no '$2' in: $(head -c 300 "$3")"; fi; }

# run NAME ARGS... - tilespool run into a spool of its own; ok or a not ok line
run() {
    name=$1; shift
    rm -rf "$T/sp"
    if "$TS" run -q -w 2 -t 64 --spool "$T/sp" "$@" 2>"$T/err"; then return 0; fi
    notok "$name: run" "$(head -c 300 "$T/err")"
    return 1
}

# ---- inputs: PAMs with transparent pixels of non-zero colour -----------------
python3 - <<'EOF' || { notok "python3 makes the inputs" "failed"; exit 1; }
def pam(path, w, h, depth, px):
    tt = {3: "RGB", 4: "RGB_ALPHA"}[depth]
    with open(path, "wb") as f:
        f.write(b"P7\nWIDTH %d\nHEIGHT %d\nDEPTH %d\nMAXVAL 255\nTUPLTYPE %s\nENDHDR\n"
                % (w, h, depth, tt.encode()))
        f.write(bytes(px))
w, h = 131, 77
rgb, rgba = [], []
for y in range(h):
    for x in range(w):
        r, g, b = (x * 7 + y * 3) % 256, (x * y) % 256, (x ^ y) * 5 % 256
        rgb += [r, g, b]
        rgba += [r, g, b, 0 if (x + y) % 3 == 0 else (x * 11) % 256]
pam("rgb.pam", w, h, 3, rgb)
pam("rgba.pam", w, h, 4, rgba)
EOF
run "PAM to PNG" rgb.pam rgb.png && run "PAM to PNG" rgba.pam rgba.png
same_pixels "the RGBA PNG input keeps the colour under alpha 0" rgba.png rgba.pam

# ---- lossless out: exact --------------------------------------------------------
for t in rgb rgba; do
    if run "lossless $t" --webp-lossless "$t.png" "$t.webp"; then
        dwebp -quiet -pam "$t.webp" -o "${t}_d.pam" 2>"$T/err" ||
            notok "lossless $t: dwebp decodes it" "$(cat "$T/err")"
    fi
    flags=
    [ "$t" = rgb ] && flags=--ignore-alpha
    # shellcheck disable=SC2086  # one flag or none
    if "$TOOLS/imgcmp" $flags "$t.png" "${t}_d.pam" >"$T/cmp" 2>&1; then
        ok "lossless $t: dwebp gives the input's pixels exactly"
    else notok "lossless $t: dwebp gives the input's pixels exactly" "$(cat "$T/cmp")"; fi
done
is "lossless rgb: a VP8L file" "$(dd if=rgb.webp bs=1 skip=12 count=4 2>/dev/null)" VP8L
# and back in through our reader
run "lossless rgba back in" rgba.webp rgba_back.png && same_pixels "lossless rgba: read back exactly" rgba.png rgba_back.png

# ---- lossy out: PSNR, quality -----------------------------------------------------
mk --type rgb --pattern gradient 256 192 g.png
run "lossy" g.png g75.webp && run "lossy" --webp-quality 50 g.png g50.webp &&
    run "lossy" --webp-quality 95 g.png g95.webp
run "gradient as PAM" g.png g.pam
dwebp -quiet -pam g75.webp -o g75.pam 2>/dev/null
db=$(python3 - g.pam g75.pam <<'EOF'
import math, sys
def pix(path):
    d = open(path, "rb").read()
    end = d.index(b"ENDHDR\n") + 7
    head = dict(l.split(b" ", 1) for l in d[:end].split(b"\n")[1:-2])
    return int(head[b"DEPTH"]), d[end:]
da, a = pix(sys.argv[1])
db, b = pix(sys.argv[2])
# compare R, G, B only (dwebp writes RGBA)
sa = [a[i] for i in range(len(a)) if i % da < 3]
sb = [b[i] for i in range(len(b)) if i % db < 3]
se = sum((x - y) ** 2 for x, y in zip(sa, sb))
print("%.1f" % (99 if se == 0 else 10 * math.log10(255 * 255 * len(sa) / se)))
EOF
)
if [ -n "$db" ] && [ "${db%.*}" -gt 30 ]; then ok "lossy quality 75: PSNR $db dB, above 30"
else notok "lossy quality 75: PSNR above 30 dB" "got '$db'"; fi
s50=$(wc -c <g50.webp) s95=$(wc -c <g95.webp)
if [ "$s95" -gt "$s50" ]; then ok "lossy: --webp-quality 95 ($s95 B) larger than 50 ($s50 B)"
else notok "lossy: --webp-quality 95 larger than 50" "$s95 vs $s50 bytes"; fi
is "lossy: a VP8 file" "$(dd if=g75.webp bs=1 skip=12 count=4 2>/dev/null)" "VP8 "

# ---- WebP in: the pixels dwebp gives ----------------------------------------------
mk --type rgb 200 120 photo.png
cwebp -quiet photo.png -o in_lossy.webp
cwebp -quiet -lossless rgba.png -o in_lossless.webp
cwebp -quiet -q 60 rgba.png -o in_alpha.webp
vips copy photo.png in_vips.webp 2>/dev/null || notok "vips writes a WebP" "failed"
for f in in_lossy in_lossless in_alpha in_vips; do
    run "WebP input $f" "$f.webp" "$f.png" || continue
    dwebp -quiet -pam "$f.webp" -o "${f}_d.pam"
    flags=
    case $f in in_lossy|in_vips) flags=--ignore-alpha ;; esac
    # shellcheck disable=SC2086  # one flag or none
    if "$TOOLS/imgcmp" $flags "$f.png" "${f}_d.pam" >"$T/cmp" 2>&1; then
        ok "WebP input $f: the pixels dwebp decodes"
    else notok "WebP input $f: the pixels dwebp decodes" "$(cat "$T/cmp")"; fi
done

# ---- over WebP's 16383 a side; 16-bit results ---------------------------------
mk --type rgb 16400 8 wide.png
rm -rf "$T/spw"
check_fails "16400x8 to .webp: the splitter refuses it before cutting a tile, exit 2" 2 \
    "$BIN/splitter" -q --spool "$T/spw" -f identity -t 4096 -o "$T/wide.webp" wide.png
has "16400x8 to .webp: the splitter says the limit" \
    "wide.webp: webp: the result is 16400x8, over WebP's limit of 16383 pixels a side" "$T/.err"
is "16400x8 to .webp: no job made" "$(names "$T/spw" 2>/dev/null | grep -c -- -wide-)" 0
check_fails "16400x8 to .webp: tilespool run refuses it too, exit 2" 2 \
    "$TS" run -q -w 2 --spool "$T/spw" -f identity wide.png "$T/wide.webp"
# split for a PNG, then asked of the assembler as a WebP
if ! "$BIN/splitter" -q --spool "$T/spw" -f identity -t 4096 -o "$T/wide.png" wide.png \
    >"$T/job" 2>"$T/err" || ! "$BIN/worker" -q -w 2 --spool "$T/spw" 2>>"$T/err"; then
    notok "16400x8: split and processed" "$(cat "$T/err")"
fi
job=$(cat "$T/job")
tile=$(names "$T/spw/$job/out" | head -n 1)
if [ -n "$tile" ]; then printf 'garbage' >"$T/spw/$job/out/$tile"; fi
check_fails "16400x8 to .webp: the assembler exits 2, one line" 2 \
    "$BIN/assembler" -q --spool "$T/spw" --job "$job" -o "$T/wide.webp"
has "16400x8 to .webp: the message says the limit, not the corrupt tile" \
    "wide.webp: webp: 16400x8 is over WebP's limit of 16383 pixels a side: write PNG or TIFF" \
    "$T/.err"
if [ ! -e wide.webp ]; then ok "16400x8 to .webp: nothing written"
else notok "16400x8 to .webp: nothing written" "wide.webp exists"; fi
mk --type rgb16 64 48 deep.png
rm -rf "$T/sp"
"$TS" run -w 2 --spool "$T/sp" deep.png deep.webp 2>"$T/err"
has "16-bit result to WebP: a note that it gets 8 bits" "WebP hold 8 bits per sample.*reduced to 8" \
    "$T/err"

# ---- GIF in --------------------------------------------------------------------
convert rgba.png -channel A -threshold 50% +channel t.gif
run "GIF with transparency" t.gif t_out.png &&
    is "GIF with transparency: 4 channels" "$("$TOOLS/imgcmp" --info t_out.png)" "131 77 4"
convert t.gif t_im.png
same_pixels "GIF with transparency: the pixels ImageMagick decodes, alpha 0 where it says" \
    t_out.png t_im.png
convert photo.png -colors 200 -interlace GIF il.gif
is "the interlaced GIF is interlaced" "$(identify -format '%[interlace]' il.gif 2>/dev/null)" GIF
run "interlaced GIF" il.gif il_out.png
convert il.gif il_im.png
same_pixels "interlaced GIF: the pixels ImageMagick decodes" il_out.png il_im.png
mkdir -p folder
cp t.gif folder/a.gif
cp photo.png folder/b.png
rm -rf "$T/sp"
if "$TS" batch -q -w 2 --spool "$T/sp" -o bout folder/a.gif folder/b.png 2>"$T/err"; then
    ok "batch of a .gif and a .png: exit 0"
else notok "batch of a .gif and a .png: exit 0" "$(cat "$T/err")"; fi
is "batch: the .gif gives a.png" "$(names bout | tr '\n' ' ')" "a.png b.png "
[ -f bout/a.png ] && same_pixels "batch: bout/a.png is the GIF's pixels" bout/a.png t_im.png
if make -s -f "$TOP/scripts/batch.mk" IN=folder OUT=mout FILTER=identity TILESPOOL="$TS" \
    >"$T/out" 2>&1; then ok "batch.mk over the folder: exit 0"
else notok "batch.mk over the folder: exit 0" "$(head -c 300 "$T/out")"; fi
is "batch.mk: the .gif gives a.png" "$(names mout | tr '\n' ' ')" "a.png b.png "
rm -rf "$T/sp" aout
mkdir aout
if "$BIN/splitter" -q --spool "$T/sp" -f identity folder/a.gif >/dev/null 2>"$T/err" &&
    "$BIN/worker" -q -w 2 --spool "$T/sp" 2>>"$T/err" &&
    "$BIN/assembler" -q --spool "$T/sp" --all --outdir aout 2>>"$T/err"; then
    is "assembler --all --outdir: the .gif gives a.png" "$(names aout | tr '\n' ' ')" "a.png "
else notok "assembler --all --outdir: the .gif gives a.png" "$(cat "$T/err")"; fi

# ---- hostile files ---------------------------------------------------------------
cwebp -quiet -lossless photo.png -o good.webp
convert photo.png -colors 16 good.gif
python3 - <<'EOF' || { notok "python3 makes the hostile files" "failed"; exit 1; }
import struct
webp = open("good.webp", "rb").read()
gif = open("good.gif", "rb").read()
def put(name, data):
    open(name, "wb").write(data)
def riff(chunks):
    return b"RIFF" + struct.pack("<I", 4 + len(chunks)) + b"WEBP" + chunks
put("h_webp_truncated.webp", webp[: len(webp) // 2])
put("h_webp_notwebp.webp", b"RIFF" + struct.pack("<I", 36) + b"WAVEfmt " + bytes(28))
# a VP8L header of 16383 x 16383 and nothing after it
vp8l = struct.pack("<BI", 0x2f, ((16383 - 1)) | ((16383 - 1) << 14)) + bytes(3)
put("h_webp_bomb.webp", riff(b"VP8L" + struct.pack("<I", len(vp8l)) + vp8l))
# chunk size past the end of the file
put("h_webp_chunk.webp", riff(b"VP8L" + struct.pack("<I", 0x7ffffff0) + webp[20:60]))
# a VP8X canvas of 2^24 x 2^24 before the good frame
vp8x = b"VP8X" + struct.pack("<I", 10) + bytes(4) + b"\xff\xff\xff\xff\xff\xff"
put("h_webp_canvas.webp", riff(vp8x + webp[12:]))

# GIF: screen 10x10, global palette of 2, frames as given
def gif_file(frames, palette=True):
    screen = struct.pack("<HHBBB", 10, 10, 0x80 if palette else 0, 0, 0)
    pal = bytes([0, 0, 0, 255, 255, 255]) if palette else b""
    return b"GIF89a" + screen + pal + b"".join(frames) + b";"
def frame(left, top, w, h):
    # LZW of minimum code size 2: clear, index 1, end (3 bits each)
    return b"," + struct.pack("<HHHHB", left, top, w, h, 0) + b"\x02\x02\x4c\x01\x00"
put("h_gif_outside.gif", gif_file([frame(8, 8, 5, 5)]))
put("h_gif_nopalette.gif", gif_file([frame(0, 0, 1, 1)], palette=False))
put("h_gif_extensions.gif", gif_file([b"!\xfe\x00" * 1500000, frame(0, 0, 1, 1)]))
put("h_gif_frames.gif", gif_file([frame(0, 0, 1, 1)] * 1200000))
put("h_gif_truncated.gif", gif[: len(gif) * 2 // 3])
body = bytearray(gif)
at = body.index(b",", 13 + 48)
for i in range(at + 12, len(body) - 1, 2):
    body[i] = 0xff
put("h_gif_lzw.gif", bytes(body))
EOF
for f in h_webp_truncated.webp h_webp_notwebp.webp h_webp_bomb.webp h_webp_chunk.webp \
    h_webp_canvas.webp h_gif_outside.gif h_gif_nopalette.gif h_gif_extensions.gif \
    h_gif_frames.gif h_gif_truncated.gif h_gif_lzw.gif; do
    page=0
    [ "$f" = h_gif_frames.gif ] && page=1048576
    rm -rf "$T/sp"
    check_fails "hostile $f: exit 3, one line" 3 timeout 20 \
        "$BIN/splitter" -q --spool "$T/sp" -f identity --page "$page" -o "$T/o.png" "$f"
    has "hostile $f: the line names the file" "$f" "$T/.err"
done
rm -rf "$T/sp"
"$BIN/splitter" -q --spool "$T/sp" -f identity -o o.png h_webp_notwebp.webp 2>"$T/err"
has "hostile RIFF not WEBP: says so" "not a WebP image (RIFF but not WEBP)" "$T/err"
"$BIN/splitter" -q --spool "$T/sp" -f identity --max-pixels 100000000 -o o.png h_webp_bomb.webp \
    2>"$T/err"
has "hostile 16383x16383 declared: over --max-pixels before decoding" "over the limit" "$T/err"
"$BIN/splitter" -q --spool "$T/sp" -f identity -o o.png h_gif_extensions.gif 2>"$T/err"
has "hostile GIF of endless extensions: the record bound" "records before frame 0" "$T/err"
for f in h_webp_bomb.webp h_gif_frames.gif h_gif_extensions.gif; do
    rm -rf "$T/sp"
    page=0
    [ "$f" = h_gif_frames.gif ] && page=1048576
    /usr/bin/time -f %M -o "$T/rss" timeout 20 "$PLAIN/splitter" -q --spool "$T/sp" \
        -f identity --page "$page" -o o.png "$f" 2>/dev/null
    below "hostile $f: plain splitter's peak RSS below 200 MiB" "$(tail -n 1 "$T/rss")" 204800
done
