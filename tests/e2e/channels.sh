# shellcheck shell=sh
# channels - stages that change the number of channels:
#   - grayscale on RGB writes a 1-channel PNG and a 1-channel JPEG; on
#     RGBA a 2-channel PNG (gray + alpha); the gray equals band 0 (R) of
#     grayscale:keep_channels=1 (extracted by vips extract_band), and the
#     alpha is the input's
#   - add_alpha makes RGB into RGBA and gray into gray+alpha with an opaque
#     alpha (add_alpha:value=N gives N) and the colours kept; add_alpha then
#     flatten gives the input back exactly
#   - flatten on RGBA and gray+alpha, background default (black) and 200:
#     exactly libvips' flatten done in floating point and rounded to
#     nearest (vips cast float, flatten, round rint, cast uchar; the
#     composite (v a + b (255 - a)) / 255 is never a tie), and within 1 of
#     plain `vips flatten --background`, which truncates (measured: ours
#     minus vips is 0 or 1, on about a third of the samples)
# shellcheck source=SCRIPTDIR/lib.sh
. "$(dirname "$0")/lib.sh"

W=97 H=61
for t in gray graya rgb rgba; do
    mk --type "$t" $W $H "$T/$t.png"
done

# run_to NAME CHAIN IN OUT - tilespool run with tiles of 37.
run_to() {
    rm -rf "$T/sp" "$4"
    if "$TS" run --keep -q -w 2 -t 37 -f "$2" --spool "$T/sp" "$3" "$4" 2>"$T/err"; then
        return 0
    fi
    notok "$1" "tilespool run -f $2 failed: $(head -c 400 "$T/err")"
    return 1
}

# info_is NAME FILE "W H CHANNELS"
info_is() { is "$1" "$("$TOOLS/imgcmp" --info "$2" 2>&1)" "$3"; }

# cmp_to NAME A B [IMGCMP OPTION...] - imgcmp A B.
cmp_to() {
    name=$1 a=$2 b=$3; shift 3
    if "$TOOLS/imgcmp" "$@" "$a" "$b" >"$T/cmp" 2>&1; then ok "$name"
    else notok "$name" "$(cat "$T/cmp")"; fi
}

# vipsdo CMD... - vips quietly; notok and false if it fails.
vipsdo() {
    if vips "$@" >"$T/vips.err" 2>&1; then return 0; fi
    notok "vips $1" "$(head -c 300 "$T/vips.err")"
    return 1
}

have_vips=0
command -v vips >/dev/null && have_vips=1
[ $have_vips = 1 ] || echo "skip - channels: vips missing, the checks against libvips are left out"

# ---- grayscale: fewer channels ----------------------------------------------

if run_to "grayscale on rgb to PNG" grayscale "$T/rgb.png" "$T/g.png"; then
    info_is "grayscale on rgb: a 1-channel PNG" "$T/g.png" "$W $H 1"
    if [ $have_vips = 1 ]; then
        is "grayscale on rgb: libvips sees 1 band" "$(vipsheader -f bands "$T/g.png" 2>&1)" 1
    fi
fi
if run_to "grayscale on rgb to JPEG" grayscale "$T/rgb.png" "$T/g.jpg"; then
    info_is "grayscale on rgb: a 1-channel JPEG" "$T/g.jpg" "$W $H 1"
    # quality 90 moves a sample on the pattern's hard edges by up to 16
    cmp_to "grayscale JPEG within 24 of the gray PNG" "$T/g.png" "$T/g.jpg" --max-diff 24
fi
if run_to "grayscale:keep_channels=1 on rgb" grayscale:keep_channels=1 "$T/rgb.png" "$T/g3.png"; then
    info_is "grayscale:keep_channels=1 on rgb: 3 channels" "$T/g3.png" "$W $H 3"
    if [ $have_vips = 1 ] && vipsdo extract_band "$T/g3.png" "$T/r.png" 0; then
        cmp_to "grayscale == band R of grayscale:keep_channels=1" "$T/r.png" "$T/g.png"
    fi
fi

if run_to "grayscale on rgba" grayscale "$T/rgba.png" "$T/ga.png"; then
    info_is "grayscale on rgba: 2 channels" "$T/ga.png" "$W $H 2"
    if [ $have_vips = 1 ] && run_to "grayscale:keep_channels=1 on rgba" grayscale:keep_channels=1 \
        "$T/rgba.png" "$T/ga4.png"; then
        vipsdo extract_band "$T/ga4.png" "$T/r.png" 0 && vipsdo extract_band "$T/ga.png" "$T/ga0.png" 0 &&
            cmp_to "grayscale on rgba: gray == band R of keep_channels=1" "$T/r.png" "$T/ga0.png"
        vipsdo extract_band "$T/rgba.png" "$T/a_in.png" 3 && vipsdo extract_band "$T/ga.png" "$T/a_out.png" 1 &&
            cmp_to "grayscale on rgba: the alpha is the input's" "$T/a_in.png" "$T/a_out.png"
    fi
fi
run_to "grayscale on gray" grayscale "$T/gray.png" "$T/gg.png" &&
    cmp_to "grayscale on gray: unchanged, 1 channel" "$T/gray.png" "$T/gg.png"

# ---- add_alpha and flatten ------------------------------------------------------

# alpha_is NAME FILE VALUE - the last channel holds VALUE everywhere.
alpha_is() {
    line=$("$TOOLS/imgcmp" --stats "$2" 2>&1 | tail -n 1)
    case $line in
    *" min $3 max $3 "*) ok "$1" ;;
    *) notok "$1" "$line" ;;
    esac
}

for tc in rgb:4 gray:2; do
    t=${tc%:*} ch=${tc#*:}
    if run_to "add_alpha on $t" add_alpha "$T/$t.png" "$T/aa.png"; then
        info_is "add_alpha on $t: $ch channels" "$T/aa.png" "$W $H $ch"
        alpha_is "add_alpha on $t: alpha 255 everywhere" "$T/aa.png" 255
        cmp_to "add_alpha on $t: the colours kept" "$T/$t.png" "$T/aa.png" --ignore-alpha
    fi
    run_to "add_alpha:value=77 on $t" add_alpha:value=77 "$T/$t.png" "$T/aa77.png" &&
        alpha_is "add_alpha:value=77 on $t: alpha 77 everywhere" "$T/aa77.png" 77
    run_to "add_alpha,flatten on $t" add_alpha,flatten "$T/$t.png" "$T/rt.png" &&
        cmp_to "add_alpha,flatten on $t: the input back" "$T/$t.png" "$T/rt.png"
done
# 16 bits: the same round trip, all 16 bits compared as PNG bytes of a
# second identity run (the output of identity on a 16-bit PNG is 16-bit)
mk --type rgb16 $W $H "$T/rgb16.png"
if run_to "add_alpha,flatten on rgb16" add_alpha,flatten "$T/rgb16.png" "$T/rt16.png" &&
    run_to "identity on rgb16" identity "$T/rgb16.png" "$T/id16.png"; then
    check "add_alpha,flatten on rgb16: the input back, all 16 bits" cmp "$T/id16.png" "$T/rt16.png"
fi

# flatten against libvips
for t in rgba graya; do
    case $t in rgba) bands=3 ;; graya) bands=1 ;; esac
    for bg in 0 200; do
        chain=flatten; [ $bg = 0 ] || chain=flatten:background=$bg
        run_to "$chain on $t" "$chain" "$T/$t.png" "$T/fl.png" || continue
        info_is "$chain on $t: $bands channel(s)" "$T/fl.png" "$W $H $bands"
        [ $have_vips = 1 ] || continue
        bgv=$bg; [ "$bands" = 3 ] && bgv="$bg $bg $bg"
        vipsdo cast "$T/$t.png" "$T/f.v" float && vipsdo flatten "$T/f.v" "$T/ff.v" --background "$bgv" &&
            vipsdo round "$T/ff.v" "$T/fr.v" rint && vipsdo cast "$T/fr.v" "$T/vr.png" uchar &&
            cmp_to "$chain on $t == vips flatten in float, rounded" "$T/vr.png" "$T/fl.png"
        vipsdo flatten "$T/$t.png" "$T/vfl.png" --background "$bgv" &&
            cmp_to "$chain on $t within 1 of vips flatten --background '$bgv'" \
                "$T/vfl.png" "$T/fl.png" --max-diff 1
    done
done
