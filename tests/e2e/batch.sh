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
