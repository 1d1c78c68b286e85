# shellcheck shell=sh
# formats - every input format the pipeline reads comes through identity
# (tiles of 64, PNG output) with the pixels imgcmp decodes from the input on
# its own: every PNG colour type and bit depth (palette, tRNS, 1/2/4/8/16-bit
# gray, 16-bit colour, Adam7), JPEG baseline, progressive and grayscale,
# Adobe CMYK JPEG, and netpbm P5, P6 and P7 (8 and 16 bits, and maxval 15).
# Also: JPEG output of RGB (close to the input), JPEG output of RGBA (alpha
# dropped with a note), and PNG tiles (--tile-format png) giving the same
# output bytes as the default netpbm tiles.
#
# 16 bits: the pipeline reduces 16-bit samples with png_set_scale_16
# (rounded v * 255 / 65535) and netpbm maxval != 255 with rounding too,
# which is imgcmp's default (--16 scale); a check below shows the choice
# matters (--16 strip differs).  JPEG: both decode with libjpeg-turbo's
# defaults (islow DCT, fancy upsampling), so they are compared exactly.
# shellcheck source=SCRIPTDIR/lib.sh
. "$(dirname "$0")/lib.sh"

W=150 H=100

# Info of an image: WIDTH HEIGHT CHANNELS.
info_is() {
    got=$("$TOOLS/imgcmp" --info "$2" 2>&1)
    if [ "$got" = "$3" ]; then ok "$1"; else notok "$1" "got '$got', want '$3'"; fi
}

# identity_case NAME IN CHANNELS - run identity on IN into a PNG; the output
# has IN's pixels, its size and CHANNELS channels.
identity_case() {
    name=$1 in=$2 ch=$3
    rm -rf "$T/sp" "$T/out.png"
    if ! "$TS" run --keep -q -w 2 -t 64 --spool "$T/sp" "$in" "$T/out.png" 2>"$T/err"; then
        notok "$name: run" "$(cat "$T/err")"; return 1
    fi
    if "$TOOLS/imgcmp" "$in" "$T/out.png" >"$T/cmp" 2>&1; then ok "$name: identity keeps the pixels"
    else notok "$name: identity keeps the pixels" "$(cat "$T/cmp")"; fi
    info_is "$name: output is ${W}x$H, $ch channel(s)" "$T/out.png" "$W $H $ch"
}

# TYPE:CHANNELS - palette gives RGB, tRNS adds alpha, 16 bits become 8.
for tc in palette:3 palette-trns:4 gray1:1 gray2:1 gray4:1 gray:1 gray16:1 graya:2 \
    graya16:2 rgb:3 rgb16:3 rgba:4 rgba16:4 gray-trns:2 rgb-trns:4; do
    t=${tc%:*}
    mk --type "$t" $W $H "$T/$t.png"
    identity_case "PNG $t" "$T/$t.png" "${tc#*:}"
done
for tc in rgb:3 palette-trns:4; do
    t=${tc%:*}
    mk --type "$t" --interlace $W $H "$T/i_$t.png"
    identity_case "PNG $t Adam7" "$T/i_$t.png" "${tc#*:}"
done

# 16-bit stays 16-bit, every sample exact (libvips compares); with
# --depth 8 the reduction is the scaling one, not the truncating one.
rm -rf "$T/sp"
if "$TS" run --keep -q -t 64 --spool "$T/sp" "$T/rgb16.png" "$T/out16.png" 2>"$T/err" &&
    vips subtract "$T/rgb16.png" "$T/out16.png" "$T/d16.v" && vips abs "$T/d16.v" "$T/a16.v"; then
    is "16-bit: identity keeps every 16-bit sample" "$(vips max "$T/a16.v")" "0.000000"
    is "16-bit: the output is 16-bit" "$(vipsheader -f format "$T/out16.png")" \
        "((VipsBandFormat) VIPS_FORMAT_USHORT)"
else
    notok "16-bit: identity keeps every 16-bit sample" "$(cat "$T/err")"
fi
rm -rf "$T/sp"
if "$TS" run -q -t 64 --depth 8 --spool "$T/sp" "$T/rgb16.png" "$T/out8.png" 2>"$T/err"; then
    if "$TOOLS/imgcmp" --quiet --16 strip "$T/rgb16.png" "$T/out8.png"; then
        notok "--depth 8: the pipeline scales rather than strips" "equals the stripped input too"
    elif "$TOOLS/imgcmp" --quiet --16 scale "$T/rgb16.png" "$T/out8.png"; then
        ok "--depth 8: the pipeline scales rather than strips"
    else
        notok "--depth 8: the pipeline scales rather than strips" "equals neither"
    fi
else
    notok "--depth 8: the pipeline scales rather than strips" "$(cat "$T/err")"
fi

# JPEG inputs
mk --type rgb $W $H "$T/base.jpg"
mk --type rgb --jpeg progressive $W $H "$T/prog.jpg"
mk --type gray $W $H "$T/gray.jpg"
identity_case "JPEG baseline" "$T/base.jpg" 3
identity_case "JPEG progressive" "$T/prog.jpg" 3
identity_case "JPEG grayscale" "$T/gray.jpg" 1

# CMYK (Adobe, inverted): either handled or refused with exit 3 and one line.
# imgcmp cannot read CMYK, so a handled one is compared with the RGB image
# mkimage made the CMYK from, loosely (it went through JPEG).
mk --type rgb --jpeg-color cmyk $W $H "$T/cmyk.jpg"
mk --type rgb $W $H "$T/cmyk_src.png"
rm -rf "$T/sp" "$T/out.png"
"$TS" run --keep -q -w 2 -t 64 --spool "$T/sp" "$T/cmyk.jpg" "$T/out.png" 2>"$T/err"
st=$?
if [ $st -eq 0 ]; then
    info_is "JPEG CMYK: handled, output is RGB of the right size" "$T/out.png" "$W $H 3"
    if "$TOOLS/imgcmp" --max-diff 24 "$T/cmyk_src.png" "$T/out.png" >"$T/cmp" 2>&1; then
        ok "JPEG CMYK: colours within 24 of the RGB it was made from"
    else
        notok "JPEG CMYK: colours within 24 of the RGB it was made from" "$(cat "$T/cmp")"
    fi
elif [ $st -eq 3 ] && [ "$(grep -c . "$T/err")" -eq 1 ] && [ ! -e "$T/out.png" ]; then
    ok "JPEG CMYK: refused with exit 3 and one line"
else
    notok "JPEG CMYK: handled or refused" "exit $st: $(cat "$T/err")"
fi

# netpbm inputs
mk --type gray $W $H "$T/p5.pgm"
mk --type rgb $W $H "$T/p6.ppm"
mk --type rgba $W $H "$T/p7.pam"
mk --type graya $W $H "$T/p7ga.pam"
mk --type gray16 $W $H "$T/p5_16.pgm"
mk --type rgb16 $W $H "$T/p6_16.ppm"
mk --type rgba16 $W $H "$T/p7_16.pam"
mk --type gray4 --format pnm $W $H "$T/p5_15.pgm"
for fc in p5.pgm:1 p6.ppm:3 p7.pam:4 p7ga.pam:2 p5_16.pgm:1 p6_16.ppm:3 p7_16.pam:4 p5_15.pgm:1; do
    identity_case "netpbm ${fc%:*}" "$T/${fc%:*}" "${fc#*:}"
done

# JPEG output.  The sources are smooth gradients: on the "photo" pattern a
# sharp blue edge already costs one sample 44 levels through 4:2:0 chroma
# subsampling at quality 90 (mkimage's own JPEG of it does the same), which
# is the codec's doing; a bound of 40 on a smooth image still catches any
# misplaced row, tile or channel.
for t in rgb rgba graya; do
    mk --pattern gradient --type $t $W $H "$T/g_$t.png"
done
rm -rf "$T/sp"
if "$TS" run --keep -q -w 2 -t 64 --spool "$T/sp" "$T/g_rgb.png" "$T/out.jpg" 2>"$T/err"; then
    info_is "JPEG output of RGB: size and channels" "$T/out.jpg" "$W $H 3"
    if "$TOOLS/imgcmp" --max-diff 40 "$T/g_rgb.png" "$T/out.jpg" >"$T/cmp" 2>&1; then
        ok "JPEG output of RGB: within 40 of the input"
    else
        notok "JPEG output of RGB: within 40 of the input" "$(cat "$T/cmp")"
    fi
    case $(head -c 3 "$T/out.jpg" | od -An -tx1 | tr -d ' \n') in
    ffd8ff) ok "JPEG output is a JPEG file" ;;
    *) notok "JPEG output is a JPEG file" "starts with $(head -c 3 "$T/out.jpg" | od -An -tx1)" ;;
    esac
else
    notok "JPEG output of RGB" "$(cat "$T/err")"
fi

# JPEG output of an RGBA input: alpha dropped, a note on stderr, exit 0.
# Its colour channels must still be those of the input.
rm -rf "$T/sp"
"$TS" run --keep -w 2 -t 64 --spool "$T/sp" "$T/g_rgba.png" "$T/outa.jpg" 2>"$T/err"
st=$?
if [ $st -eq 0 ]; then ok "JPEG output of RGBA: exit 0"; else notok "JPEG output of RGBA: exit 0" "exit $st: $(cat "$T/err")"; fi
if grep -qi 'alpha' "$T/err"; then ok "JPEG output of RGBA: a note about alpha on stderr"
else notok "JPEG output of RGBA: a note about alpha on stderr" "stderr: $(cat "$T/err")"; fi
info_is "JPEG output of RGBA: RGB of the right size" "$T/outa.jpg" "$W $H 3"
if "$TOOLS/imgcmp" --ignore-alpha --max-diff 40 "$T/g_rgba.png" "$T/outa.jpg" >"$T/cmp" 2>&1; then
    ok "JPEG output of RGBA: colour within 40 of the input"
else
    notok "JPEG output of RGBA: colour within 40 of the input" "$(cat "$T/cmp")"
fi
# gray+alpha to JPEG likewise drops alpha and keeps the gray
rm -rf "$T/sp"
if "$TS" run --keep -q -w 2 -t 64 --spool "$T/sp" "$T/g_graya.png" "$T/outga.jpg" 2>"$T/err"; then
    info_is "JPEG output of gray+alpha: gray of the right size" "$T/outga.jpg" "$W $H 1"
    if "$TOOLS/imgcmp" --ignore-alpha --max-diff 40 "$T/g_graya.png" "$T/outga.jpg" >"$T/cmp" 2>&1; then
        ok "JPEG output of gray+alpha: gray within 40 of the input"
    else
        notok "JPEG output of gray+alpha: gray within 40 of the input" "$(cat "$T/cmp")"
    fi
else
    notok "JPEG output of gray+alpha" "$(cat "$T/err")"
fi

# PNG tiles: same output bytes, and the spool holds .png tiles
for t in rgb rgba graya; do
    rm -rf "$T/sp_pnm" "$T/sp_png"
    if "$TS" run --keep -q -w 2 -t 64 -f gaussian_blur:sigma=1.5 --spool "$T/sp_pnm" "$T/$t.png" "$T/pnm.png" \
        2>"$T/err" &&
        "$TS" run --keep -q -w 2 -t 64 -f gaussian_blur:sigma=1.5 --tile-format png --spool "$T/sp_png" \
            "$T/$t.png" "$T/png.png" 2>>"$T/err"; then
        check "--tile-format png on $t: same output bytes as netpbm tiles" cmp "$T/pnm.png" "$T/png.png"
        jd=$(echo "$T"/sp_png/*/)
        n_png=$(nmatch "$jd/out"/*.png "$jd/done"/*.png)
        n_other=$({ names "$jd/out"; names "$jd/done"; } | grep -vc '\.png$')
        # 150x100 in tiles of 64: 3 x 2 tiles, in out/ and in done/
        if [ "$n_png" -eq 12 ] && [ "$n_other" -eq 0 ]; then
            ok "--tile-format png on $t: the spool holds .png tiles"
        else
            notok "--tile-format png on $t: the spool holds .png tiles" \
                "$n_png .png, $n_other others: $(names "$jd/out" | tr '\n' ' ')"
        fi
        f=$(names "$jd/out" | head -n 1)
        if [ -n "$f" ] && "$TOOLS/imgcmp" --info "$jd/out/$f" >/dev/null 2>&1 &&
            [ "$(head -c 4 "$jd/out/$f" | od -An -c | tr -d ' ')" = '211PNG' ]; then
            ok "--tile-format png on $t: tiles are PNG files"
        else
            notok "--tile-format png on $t: tiles are PNG files" "$jd/out/$f"
        fi
    else
        notok "--tile-format png on $t" "$(cat "$T/err")"
    fi
done
