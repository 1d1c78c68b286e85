# shellcheck shell=sh
# exact - filters with a known exact result give it through the pipeline:
# identity and invert,invert give back the input exactly (gray, gray+alpha,
# RGB and RGBA PNGs and a P6 .ppm); posterize:levels=256 equals identity;
# posterize:levels=2 and threshold leave only 0 and 255 in the colour
# channels; grayscale leaves R == G == B.
# shellcheck source=SCRIPTDIR/lib.sh
. "$(dirname "$0")/lib.sh"

for t in gray graya rgb rgba; do
    mk --type "$t" 150 100 "$T/in_$t.png"
done
mk --type rgb 150 100 "$T/in_p6.ppm"

# run_to NAME CHAIN IN OUT - tilespool run with small tiles; notok on failure.
run_to() {
    rm -rf "$T/sp" "$4"
    if "$TS" run --keep -q -w 2 -t 37 -f "$2" --spool "$T/sp" "$3" "$4" 2>"$T/err"; then
        return 0
    fi
    notok "$1" "tilespool run -f $2 failed: $(cat "$T/err")"
    return 1
}

for in in in_gray.png in_graya.png in_rgb.png in_rgba.png in_p6.ppm; do
    for chain in identity invert,invert; do
        run_to "$chain on $in" "$chain" "$T/$in" "$T/out.png" &&
            same_pixels "$chain on $in gives the input back" "$T/$in" "$T/out.png"
    done
done

# invert alone is not a no-op (or the invert,invert case proves nothing)
if run_to "invert on rgb" invert "$T/in_rgb.png" "$T/out.png"; then
    if "$TOOLS/imgcmp" --quiet "$T/in_rgb.png" "$T/out.png"; then
        notok "invert changes the image" "output equals input"
    else
        ok "invert changes the image"
    fi
fi

for t in gray rgba; do
    run_to "identity on $t" identity "$T/in_$t.png" "$T/id.png" &&
        run_to "posterize:levels=256 on $t" posterize:levels=256 "$T/in_$t.png" "$T/post.png" &&
        same_pixels "posterize:levels=256 == identity on $t" "$T/id.png" "$T/post.png"
done

# colour_values FILE CHANNELS - the distinct values of the colour channels
# (all but alpha) of a P5, P6 or P7 file, space separated, ascending.
colour_values() {
    python3 - "$1" "$2" <<'EOF'
import re, sys
data = open(sys.argv[1], 'rb').read()
if data[:2] == b'P7':
    px = data.partition(b'ENDHDR\n')[2]
else:  # P5, P6: magic, width, height, maxval, one whitespace byte
    px = data[re.match(rb'P[56](\s+\d+){3}\s', data).end():]
depth = int(sys.argv[2])
ncol = depth - 1 if depth in (2, 4) else depth
vals = set()
for c in range(ncol):
    vals |= set(px[c::depth])
print(' '.join(str(v) for v in sorted(vals)))
EOF
}

# stats_only_0_255 NAME FILE CHANNELS - imgcmp --stats: every colour channel
# has min 0, max 255, nothing in the 14 middle histogram buckets, and a mean
# of 255 * (share of the top bucket) to the 3 decimals printed.  (The
# buckets are 16 values wide, so this cannot see e.g. a stray 3; the exact
# check below can.)
stats_only_0_255() {
    if ! "$TOOLS/imgcmp" --stats "$2" >"$T/stats" 2>&1; then
        notok "$1" "$(cat "$T/stats")"; return
    fi
    bad=$(awk -v ch="$3" '
        { c = $2; if ((ch == 2 || ch == 4) && c == ch - 1) next
          n = 0; for (i = 10; i <= 25; i++) n += $i
          mid = 0; for (i = 11; i <= 24; i++) mid += $i
          want = 255 * $25 / n
          if ($6 != 0 || $8 != 255 || mid != 0 || $4 - want > 0.0006 || want - $4 > 0.0006)
              print "channel " c ": " $0 }' "$T/stats")
    if [ -z "$bad" ] && [ -s "$T/stats" ]; then ok "$1"; else notok "$1" "$bad"; fi
}

# only_0_255 NAME CHAIN TYPE CHANNELS - the chain's output has only 0 and 255
# in its colour channels: by imgcmp --stats on the PNG output, and exactly
# on the same run written as netpbm (.pnm), which a few lines of Python read.
only_0_255() {
    run_to "$1" "$2" "$T/in_$3.png" "$T/o.png" || return
    stats_only_0_255 "$1 (imgcmp --stats)" "$T/o.png" "$4"
    run_to "$1" "$2" "$T/in_$3.png" "$T/o.pnm" || return
    same_pixels "$1: .pnm output == .png output" "$T/o.png" "$T/o.pnm"
    got=$(colour_values "$T/o.pnm" "$4")
    if [ "$got" = "0 255" ]; then ok "$1 (exact values)"
    else notok "$1 (exact values)" "colour values: $got"; fi
}

only_0_255 "posterize:levels=2 on rgb: only 0 and 255" posterize:levels=2 rgb 3
only_0_255 "posterize:levels=2 on rgba: only 0 and 255" posterize:levels=2 rgba 4
only_0_255 "posterize:levels=2 on gray: only 0 and 255" posterize:levels=2 gray 1
only_0_255 "threshold on rgb: only 0 and 255" threshold rgb 3
only_0_255 "threshold:level=170 on graya: only 0 and 255" threshold:level=170 graya 2

for chain in grayscale grayscale:standard=709; do
    for t in rgb rgba; do
        if run_to "$chain on $t" "$chain" "$T/in_$t.png" "$T/g.png"; then
            if "$TOOLS/imgcmp" --check-gray "$T/g.png" >"$T/cmp" 2>&1; then
                ok "$chain on $t: R == G == B"
            else
                notok "$chain on $t: R == G == B" "$(cat "$T/cmp")"
            fi
        fi
    done
done
# and the input was not gray to begin with
if "$TOOLS/imgcmp" --check-gray "$T/in_rgb.png" >/dev/null 2>&1; then
    notok "the RGB input is not gray" "--check-gray passes on it"
else
    ok "the RGB input is not gray"
fi
