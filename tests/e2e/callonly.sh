# shellcheck shell=sh
# callonly - runfilter --call-only, the mode that measures a filter alone,
# computes what the ordinary run computes: for every bundled C filter, on
# both backends, several runs of the stage on one instance (tsf_run, each
# with its own scratch, none reset in between) leave the same pixels as
# one chain run in fresh instances.  Filters must not depend on the
# contents of scratch memory, and this is where that would show.  Filters
# that change the channel count or the size are run too: the output image
# is the one their plan makes.  It also checks that bench/filterperf
# turns the measurements into a table row per filter.
# shellcheck source=SCRIPTDIR/lib.sh
. "$(dirname "$0")/lib.sh"

RF=$TOOLS/runfilter
mk --type rgba 131 77 "$T/in.pam"
mk --type rgb 64 48 "$T/in_rgb.pam"

# call_case FILTER IMAGE BACKEND... - --call-only output == chain output.
call_case() {
    f=$1 in=$2; shift 2
    if ! "$RF" "$@" -f "$f" "$in" "$T/ref.pam" 2>"$T/err"; then
        notok "$f $*: runfilter" "$(cat "$T/err")"; return
    fi
    if ! "$RF" "$@" --call-only --repeat 3 --time -f "$f" "$in" "$T/call.pam" 2>"$T/err"; then
        notok "$f $*: runfilter --call-only" "$(cat "$T/err")"; return
    fi
    same_pixels "$f ${*:-wasm2c} on $(basename "$in"): 3 calls on one instance == chain run" \
        "$T/call.pam" "$T/ref.pam"
    if grep -q '^call_ms=[0-9.]* cpu_ms=[0-9.]* mpix=[0-9.]* ms_per_mp=[0-9.]*$' "$T/err"; then
        ok "$f ${*:-wasm2c}: --time prints call_ms, cpu_ms, mpix and ms_per_mp"
    else
        notok "$f ${*:-wasm2c}: --time line" "$(cat "$T/err")"
    fi
}

for f in identity invert grayscale:standard=709 brightness_contrast:brightness=25 sepia \
    threshold:level=90 gaussian_blur:sigma=2.2 box_blur:radius=3 \
    sharpen:amount=1.5:threshold=4 sobel median median:radius=3 convolve:k1=-1:k4=6:divisor=4; do
    call_case "$f" "$T/in.pam"
    call_case "$f" "$T/in.pam" --native
done
call_case sobel "$T/in_rgb.pam"
# the filters whose output is not their input's shape
for f in add_alpha flatten:background=40 resize:width=50:kernel=cubic \
    thumbnail:width=40:height=40:fit=cover crop:x=5:y=7:width=30:height=20 \
    flip:direction=vertical rotate:angle=270 transpose; do
    call_case "$f" "$T/in_rgb.pam"
    call_case "$f" "$T/in.pam" --native
done

# pam_depth FILE - the channel count a PAM header gives.
pam_depth() { sed -n 's/^DEPTH //p;/^ENDHDR/q' "$1"; }
# grayscale makes gray of colour: RGB to 1 channel, RGBA to 2
for c in "in_rgb.pam 1" "in.pam 2"; do
    if "$RF" --call-only -f grayscale "$T/${c% *}" "$T/g.pam" 2>"$T/err" &&
        [ "$(pam_depth "$T/g.pam")" = "${c#* }" ]; then
        ok "grayscale --call-only on ${c% *}: ${c#* } channel(s) out"
    else
        notok "grayscale --call-only on ${c% *}: ${c#* } channel(s) out" \
            "DEPTH $(pam_depth "$T/g.pam" 2>/dev/null) $(cat "$T/err")"
    fi
done

check_fails "--call-only refuses a chain of two" 2 \
    "$RF" --call-only -f invert,invert "$T/in.pam" "$T/x.pam"

# filterperf: one row per filter, four wall-clock figures and a ratio.
sh "$TOP/bench/filterperf" --no-callgrind -n 3 -s 32 invert sobel >"$T/perf" 2>"$T/err"
rows=$(grep -cE '^(invert|sobel) +[0-9.]+ +[0-9.]+ +[0-9.]+ +[0-9.]+ ' "$T/perf")
if [ "$rows" -eq 2 ]; then ok "filterperf --no-callgrind: a row for each of 2 filters"
else notok "filterperf" "$rows rows: $(cat "$T/perf" "$T/err" | head -c 400)"; fi
