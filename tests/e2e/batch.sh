# shellcheck shell=sh
# batch - `tilespool batch -f CHAIN -o OUTDIR IN...` writes OUTDIR/<input
# file name> for each input, each the same bytes as a `tilespool run` of that
# input; --format png writes .png names (and PNG files) instead; a bad input
# among good ones: the good ones are written, the status is non-zero, and
# stderr has one line, about the bad one.
# shellcheck source=SCRIPTDIR/lib.sh
. "$(dirname "$0")/lib.sh"

cd "$T" || exit 2
mk --type rgb 120 80 a.png
mk --type rgba --seed 7 90 70 b.png
mk --type rgb --pattern gradient 100 60 c.jpg
CHAIN=invert

# the references, each from `tilespool run` in a spool of its own
for f in a.png b.png c.jpg; do
    rm -rf "$T/sp_ref"
    if "$TS" run --keep -q -w 2 -t 64 -f "$CHAIN" --spool "$T/sp_ref" "$f" "ref_$f" 2>"$T/err"; then :
    else notok "reference run of $f" "$(cat "$T/err")"; fi
done

# 1. three inputs, names kept
if "$TS" batch --keep -q -w 2 -t 64 -f "$CHAIN" --spool "$T/sp1" -o OUT a.png b.png c.jpg 2>"$T/err"; then
    ok "batch of three: exit 0"
else
    notok "batch of three: exit 0" "$(cat "$T/err")"
fi
is_list() {
    got=$(names "$2" | tr '\n' ' ')
    if [ "$got" = "$3" ]; then ok "$1"; else notok "$1" "got '$got', want '$3'"; fi
}
is_list "batch of three: OUT holds a.png b.png c.jpg" OUT "a.png b.png c.jpg "
for f in a.png b.png c.jpg; do
    check "batch of three: OUT/$f == tilespool run of $f (bytes)" cmp "OUT/$f" "ref_$f"
done
# and the references really are the filter's result
"$TOOLS/runfilter" -f "$CHAIN" a.png inv_a.png 2>"$T/err" || notok "runfilter a.png" "$(cat "$T/err")"
same_pixels "batch of three: OUT/a.png is a.png inverted" OUT/a.png inv_a.png
if [ "$(names "$T/sp1" | grep -c .)" -eq 3 ]; then ok "batch of three: three jobs"
else notok "batch of three: three jobs" "$(names "$T/sp1" | tr '\n' ' ')"; fi

# 2. --format png
if "$TS" batch --keep -q -w 2 -t 64 -f "$CHAIN" --format png --spool "$T/sp2" -o OUT2 a.png b.png c.jpg \
    2>"$T/err"; then
    ok "--format png: exit 0"
else
    notok "--format png: exit 0" "$(cat "$T/err")"
fi
is_list "--format png: OUT2 holds a.png b.png c.png" OUT2 "a.png b.png c.png "
if [ "$(head -c 4 OUT2/c.png | od -An -c | tr -d ' ')" = '211PNG' ]; then
    ok "--format png: OUT2/c.png is a PNG file"
else
    notok "--format png: OUT2/c.png is a PNG file" "$(head -c 4 OUT2/c.png | od -An -c)"
fi
rm -rf "$T/sp_ref"
"$TS" run --keep -q -w 2 -t 64 -f "$CHAIN" --spool "$T/sp_ref" c.jpg ref_c.png 2>"$T/err" ||
    notok "reference run of c.jpg to PNG" "$(cat "$T/err")"
check "--format png: OUT2/c.png == tilespool run of c.jpg to c.png (bytes)" cmp OUT2/c.png ref_c.png
check "--format png: OUT2/a.png == tilespool run of a.png (bytes)" cmp OUT2/a.png ref_a.png

# 3. a bad input among good ones
echo "not an image at all" >bad.png
"$TS" batch --keep -q -w 2 -t 64 -f "$CHAIN" --spool "$T/sp3" -o OUT3 a.png bad.png c.jpg \
    >"$T/out" 2>"$T/err"
st=$?
if [ $st -ne 0 ]; then ok "bad input: non-zero exit ($st)"; else notok "bad input: non-zero exit" "exit 0"; fi
is_list "bad input: the good ones are written, the bad one is not" OUT3 "a.png c.jpg "
check "bad input: OUT3/a.png is right" cmp OUT3/a.png ref_a.png
check "bad input: OUT3/c.jpg is right" cmp OUT3/c.jpg ref_c.jpg
lines=$(grep -c . "$T/err")
if [ "$lines" -eq 1 ] && grep -q 'bad\.png' "$T/err"; then
    ok "bad input: one line on stderr, about bad.png"
else
    notok "bad input: one line on stderr, about bad.png" "$lines lines: $(cat "$T/err")"
fi

# 4. inputs with the same content share one job: every output is written
# (the job is removed only after the last of them), the worker is given
# the job once, and the spool is empty afterwards
mkdir -p same
for n in 1 2 3 4 5 6; do cp a.png "same/copy$n.png"; done
"$TS" batch -w 2 -t 64 -f "$CHAIN" --spool "$T/sp4" -o OUT4 same/*.png >"$T/out" 2>"$T/err"
st=$?
if [ $st -eq 0 ]; then ok "same content: exit 0"; else notok "same content: exit 0" "exit $st: $(cat "$T/err")"; fi
is_list "same content: every output is written" OUT4 "copy1.png copy2.png copy3.png copy4.png copy5.png copy6.png "
all_same=1
for n in 1 2 3 4 5 6; do cmp -s "OUT4/copy$n.png" ref_a.png || all_same=0; done
if [ $all_same = 1 ]; then ok "same content: each output is right"
else notok "same content: each output is right" "some differ from ref_a.png"; fi
summaries=$(grep -c '^worker: job .* tiles done' "$T/err")
if [ "$summaries" -eq 1 ]; then ok "same content: the worker is given the one job once"
else notok "same content: the worker is given the one job once" "$summaries summary lines"; fi
if [ -z "$(ls -A "$T/sp4" 2>/dev/null)" ]; then ok "same content: the job is removed after the last output"
else notok "same content: the job is removed after the last output" "$(ls -A "$T/sp4")"; fi
