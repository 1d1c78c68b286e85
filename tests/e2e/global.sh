# shellcheck shell=sh
# global - global (two-pass) filters: equalize, autolevels, histogram_match.
#
#   * tiled == single tile, bit for bit, for each filter (and mode) on gray,
#     gray+alpha, RGB and RGBA, tiles of 57, 16 and 1000000 pixels, and for
#     mixed chains with stages before and after the global one;
#   * the pipeline's histogram_match equals tests/tools/histref, a plain
#     implementation of the documented rule, for colour and gray images
#     against colour and gray references;
#   * matching an image to itself gives the image back;
#   * equalize makes a skewed histogram near-flat: with 16 buckets of 16
#     levels, the cumulative share after k buckets is within 0.025 of k/16
#     for every k (measured 0.022 on this image; the input is 0.4 off);
#   * the spool shows the plan: one pass-1 and one pass-2 line per tile in
#     the log, mid/ tiles only when stages precede the global one, one
#     merged statistics file, the reference's statistics and content hash
#     recorded;
#   * a changed reference image makes a new job, a copy of it finds the
#     old one (the job key covers its content, not its name);
#   * errors: missing, unreadable or non-image reference exits 3, a missing
#     reference parameter or two global filters in a chain exits 2, each
#     with one line;
#   * hostile global modules (filters/hostile/global_*): one describing
#     itself as global without the exports is refused at split time (exit
#     3, one line); one trapping in tsf_analyze fails every tile with kind
#     trap and nothing is merged; one trapping in tsf_apply fails every
#     tile in pass 2, after the merge;
#   * kill -9 of the worker during pass 1 or pass 2, then the same command
#     again: the output is byte-identical to a clean run's.
# shellcheck source=SCRIPTDIR/lib.sh
. "$(dirname "$0")/lib.sh"
# shellcheck source=SCRIPTDIR/crash/check.sh
. "$(dirname "$0")/crash/check.sh"

for t in gray graya rgb rgba; do
    mk --type "$t" 203 149 "$T/in_$t.pnm"
done
mk --type rgb --pattern noise --seed 5 150 100 "$T/ref_rgb.pnm"
mk --type gray --pattern gradient 90 70 "$T/ref_gray.pnm"
HREF="histogram_match:reference=$T/ref_rgb.pnm"

# single NAME CHAIN IMAGE OUT - the whole image as one tile; 0 if it worked.
single() {
    rm -rf "$T/sp"
    if "$TS" run --keep -q -w 2 -t 1000000 -f "$2" --spool "$T/sp" "$3" "$4" 2>"$T/err"; then
        return 0
    fi
    notok "$1: single tile" "$(head -c 300 "$T/err")"
    return 1
}

# tiled_case NAME CHAIN IMAGE TILE... - tiled runs against a single-tile run.
tiled_case() {
    name=$1 chain=$2 img=$3; shift 3
    single "$name" "$chain" "$img" "$T/one.pnm" || return
    if "$TOOLS/imgcmp" --quiet "$img" "$T/one.pnm"; then
        notok "$name: changes the image" "output equals input"
    fi
    for tile in "$@"; do
        rm -rf "$T/sp"
        if "$TS" run --keep -q -w 2 -t "$tile" -f "$chain" --spool "$T/sp" "$img" "$T/tiled.pnm" \
            2>"$T/err"; then
            same_pixels "$name: tile $tile == single tile" "$T/tiled.pnm" "$T/one.pnm"
        else
            notok "$name: tile $tile" "$(head -c 300 "$T/err")"
        fi
    done
}

for f in equalize equalize:mode=1 autolevels autolevels:low=3:high=7 "$HREF"; do
    for t in gray graya rgb rgba; do
        tiled_case "${f%%:reference=*} on $t" "$f" "$T/in_$t.pnm" 57 16
    done
done
tiled_case "gaussian_blur,equalize,sharpen" "gaussian_blur:sigma=2,equalize,sharpen:amount=1" \
    "$T/in_rgba.pnm" 57 16 5
tiled_case "median,histogram_match,box_blur" "median:radius=2,$HREF,box_blur:radius=3" \
    "$T/in_rgb.pnm" 40 7
tiled_case "invert,autolevels (no halo)" "invert,autolevels:low=1" "$T/in_graya.pnm" 33

# histogram_match against the plain implementation
for t in gray graya rgb rgba; do
    for r in rgb gray; do
        name="histogram_match $t to $r reference == histref"
        rm -rf "$T/sp"
        if "$TS" run --keep -q -w 2 -t 57 -f "histogram_match:reference=$T/ref_$r.pnm" --spool "$T/sp" \
            "$T/in_$t.pnm" "$T/match.pnm" 2>"$T/err" &&
            "$TOOLS/histref" "$T/in_$t.pnm" "$T/ref_$r.pnm" "$T/plain.pnm" 2>>"$T/err"; then
            same_pixels "$name" "$T/match.pnm" "$T/plain.pnm"
        else
            notok "$name" "$(head -c 300 "$T/err")"
        fi
    done
done

# matching an image to itself is the identity
for t in gray rgba; do
    rm -rf "$T/sp"
    if "$TS" run --keep -q -w 2 -t 57 -f "histogram_match:reference=$T/in_$t.pnm" --spool "$T/sp" \
        "$T/in_$t.pnm" "$T/self.pnm" 2>"$T/err"; then
        same_pixels "histogram_match of $t to itself is the identity" "$T/self.pnm" "$T/in_$t.pnm"
    else
        notok "histogram_match to itself on $t" "$(head -c 300 "$T/err")"
    fi
done

# ks IMAGE - per channel, the largest distance between the cumulative
# 16-bucket histogram and the flat one, as a share of the pixels.
ks() {
    "$TOOLS/imgcmp" --stats "$1" | awk '{
        n = 0; for (i = 10; i <= 25; i++) n += $i
        c = 0; m = 0
        for (i = 10; i <= 25; i++) { c += $i; d = c - (i - 9) * n / 16; if (d < 0) d = -d; if (d > m) m = d }
        printf "%.4f\n", m / n }'
}

mk --type rgb --pattern noise --seed 9 240 180 "$T/noise.png"
"$TOOLS/runfilter" -f gaussian_blur:sigma=1.2 "$T/noise.png" "$T/skew.png"
rm -rf "$T/sp"
if "$TS" run --keep -q -w 2 -t 50 -f equalize --spool "$T/sp" "$T/skew.png" "$T/flat.png" 2>"$T/err"; then
    before=$(ks "$T/skew.png" | sort -n | head -1)
    after=$(ks "$T/flat.png" | sort -n | tail -1)
    if awk "BEGIN { exit !($before > 0.3 && $after <= 0.025) }"; then
        ok "equalize: cumulative histogram within 0.025 of flat (worst channel $after; input $before)"
    else
        notok "equalize flattens" "worst channel $after (bound 0.025), input's best $before (want > 0.3)"
    fi
else
    notok "equalize flattens" "$(head -c 300 "$T/err")"
fi

# the plan, as the spool shows it
rm -rf "$T/sp"
"$TS" run --keep -q -w 2 -t 57 -f "gaussian_blur,$HREF" --spool "$T/sp" "$T/in_rgb.pnm" \
    "$T/plan.pnm" 2>"$T/err" || notok "plan run" "$(head -c 300 "$T/err")"
jd=$(echo "$T/sp"/*)
n=$(names "$jd/out" | grep -c .)
a=$(grep -c ' analyzed$' "$jd/log") o=$(grep -c ' ok$' "$jd/log")
if [ "$n" -eq 12 ] && [ "$a" -eq "$n" ] && [ "$o" -eq "$n" ]; then
    ok "each of $n tiles analysed once and filtered once"
else
    notok "one pass 1 and one pass 2 per tile" "$n tiles, $a analysed, $o ok"
fi
m=$(names "$jd/mid" | grep -c .) s=$(names "$jd/stats" | grep -c .)
if [ "$m" -eq "$n" ] && [ "$s" -eq $((n + 2)) ] && [ -f "$jd/stats/merged.1" ] &&
    [ -f "$jd/stats/reference.1" ]; then
    ok "mid/ holds every tile after gaussian_blur; stats/ the tiles', merged, reference"
else
    notok "mid/ and stats/" "$m in mid/, $s in stats/: $(names "$jd/stats" | tail -3 | tr '\n' ' ')"
fi
if grep -q '"reference"' "$jd/job.json" && grep -q "\"path\":[[:space:]]*\"$T/ref_rgb.pnm\"" "$jd/job.json"; then
    ok "job.json records the reference image"
else
    notok "job.json records the reference" \
        "$(grep -A3 reference "$jd/job.json" | tr '\n' ' ')"
fi
rm -rf "$T/sp"
"$TS" run --keep -q -w 2 -t 57 -f "$HREF" --spool "$T/sp" "$T/in_rgb.pnm" "$T/p1.pnm" 2>"$T/err"
jd=$(echo "$T/sp"/*)
if [ "$(names "$jd/mid" | grep -c .)" -eq 0 ]; then ok "no mid/ tiles when the global stage is first"
else notok "no mid/ tiles when the global stage is first" "$(names "$jd/mid" | head -3)"; fi

# a changed reference makes a new job with another result; a copy of the
# same reference under another name finds the job of the run above
cp "$T/ref_rgb.pnm" "$T/ref2.pnm"
"$TS" run --keep -q -w 2 -t 57 -f "histogram_match:reference=$T/ref2.pnm" --spool "$T/sp" \
    "$T/in_rgb.pnm" "$T/p2.pnm" 2>"$T/err"
mk --type rgb --pattern gradient 150 100 "$T/ref2.pnm"
"$TS" run --keep -q -w 2 -t 57 -f "histogram_match:reference=$T/ref2.pnm" --spool "$T/sp" \
    "$T/in_rgb.pnm" "$T/p3.pnm" 2>"$T/err"
jobs=$(names "$T/sp" | grep -c .)
if [ "$jobs" -eq 2 ] && ! "$TOOLS/imgcmp" --quiet "$T/p2.pnm" "$T/p3.pnm"; then
    ok "a changed reference image makes a new job"
else
    notok "a changed reference image makes a new job" "$jobs jobs, outputs $(
        "$TOOLS/imgcmp" --quiet "$T/p2.pnm" "$T/p3.pnm" && echo equal || echo differ)"
fi

# errors
echo "not an image" >"$T/junk.png"
check_fails "missing reference image exits 3" 3 "$TS" run --keep -q -f \
    "histogram_match:reference=$T/nothere.png" --spool "$T/sp" "$T/in_rgb.pnm" "$T/e.png"
check_fails "reference that is not an image exits 3" 3 "$TS" run --keep -q -f \
    "histogram_match:reference=$T/junk.png" --spool "$T/sp" "$T/in_rgb.pnm" "$T/e.png"
check_fails "histogram_match without reference exits 2" 2 "$TS" run --keep -q -f histogram_match \
    --spool "$T/sp" "$T/in_rgb.pnm" "$T/e.png"
check_fails "two global filters in a chain exit 2" 2 "$TS" run --keep -q -f equalize,autolevels \
    --spool "$T/sp" "$T/in_rgb.pnm" "$T/e.png"

# hostile global modules
HPATH=$FILTERS/hostile:$FILTERS
TILESPOOL_FILTER_PATH=$HPATH check_fails "global kind without tsf_analyze/tsf_apply exits 3" 3 \
    "$TS" run --keep -q -f global_noexports --spool "$T/sh" "$T/in_rgb.pnm" "$T/e.png"
if grep -q "not exported" "$T/.err"; then ok "the refusal names the missing exports"
else notok "the refusal names the missing exports" "$(cat "$T/.err")"; fi
for at in 0 1; do
    rm -rf "$T/sh"
    TILESPOOL_FILTER_PATH=$HPATH "$TS" run --keep -q -w 2 -t 64 -f "invert,global_trap:at=$at" \
        --spool "$T/sh" "$T/in_rgb.pnm" "$T/e.png" >/dev/null 2>"$T/err"
    st=$? jd=$(echo "$T/sh"/*)
    pass=$([ $at = 0 ] && echo tsf_analyze || echo tsf_apply)
    nf=$(grep -l "\"kind\":[[:space:]]*\"trap\"" "$jd"/failed/*.json 2>/dev/null | wc -l)
    nr=$(grep -l "trap in $pass: Unreachable" "$jd"/failed/*.json 2>/dev/null | wc -l)
    merged=$([ -f "$jd/stats/merged.1" ] && echo 1 || echo 0)
    if [ $st -eq 1 ] && [ "$nf" -eq 12 ] && [ "$nr" -eq 12 ] && [ "$merged" -eq "$at" ] &&
        [ ! -e "$T/e.png" ]; then
        ok "trap in $pass: all 12 tiles failed as traps, merged: $merged, exit 1"
    else
        notok "trap in $pass" "exit $st, $nf trap / $nr named of 12, merged $merged"
    fi
done

# kill -9 of the worker in pass 1 and in pass 2, then the same command
CHAIN="gaussian_blur:sigma=3,equalize,sharpen"
mk --type rgb 400 300 "$T/in.png"
crash_reference "$T/ref" "$T/ref.png" -w 2 -t 20 -f "$CHAIN"
make_wrappers "$T/w"
export TILESPOOL_PIDS="$T/pids"
mkdir -p "$TILESPOOL_PIDS"
for when in analyzed ok; do
    rm -rf "$T/sk" "$T/k.png" "${TILESPOOL_PIDS:?}"/*
    "$T/w/tilespool" run --keep -q -w 2 -t 20 -f "$CHAIN" --spool "$T/sk" "$T/in.png" "$T/k.png" \
        >/dev/null 2>&1 &
    drv=$!
    # wait for the first log line of that pass, then kill the supervisor
    for _ in $(seq 1000); do
        grep -q " $when\$" "$T/sk"/*/log 2>/dev/null && break
        sleep 0.01
    done
    pid=$(cat "$TILESPOOL_PIDS/worker" 2>/dev/null)
    [ -n "$pid" ] && alive "$pid" && kill -9 "$pid"
    wait $drv
    "$TS" run --keep -q -w 2 -t 20 -f "$CHAIN" --spool "$T/sk" "$T/in.png" "$T/k.png" 2>"$T/err"
    invariants "$T/sk" "$T/k.png"
    if [ -z "$why" ]; then ok "kill -9 after the first '$when' tile, re-run: output identical"
    else notok "kill -9 after the first '$when' tile, re-run" "$why"; fi
done
