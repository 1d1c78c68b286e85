# shellcheck shell=sh
# errors - every bad request ends with its documented exit status (2 usage,
# 3 bad input or filter, 1 tiles missing), exactly one line on stderr that
# names the culprit (filter, parameter, file, tile or job), and no output
# file: bad parameters, unknown filters, bad chain syntax, missing, empty,
# mislabelled and truncated inputs, a module with imports, a module with the
# wrong ABI, an image over --max-pixels, unknown options, missing tiles (and
# --allow-partial filling them), an unknown job, an unsupported output type.
# shellcheck source=SCRIPTDIR/lib.sh
. "$(dirname "$0")/lib.sh"

cd "$T" || exit 2
mk --type rgb 120 80 "$T/in.png"
mk --type rgb 120 80 "$T/in.jpg"
SP=$T/sp

# fails NAME STATUS WORD OUT CMD... - check_fails, then: stderr names WORD,
# and OUT was not written.
fails() {
    f_name=$1 f_want=$2 f_word=$3 f_out=$4; shift 4
    rm -rf "$SP" "$f_out"
    check_fails "$f_name: exit $f_want, one line" "$f_want" "$@"
    if grep -qF -- "$f_word" "$T/.err"; then ok "$f_name: message names '$f_word'"
    else notok "$f_name: message names '$f_word'" "stderr: $(head -c 300 "$T/.err")"; fi
    if [ -e "$f_out" ]; then notok "$f_name: no output file" "$f_out exists"
    else ok "$f_name: no output file"; fi
}

O=$T/out.png
fails "sigma out of range" 2 sigma=50 "$O" "$TS" run --keep -q --spool "$SP" -f gaussian_blur:sigma=50 in.png "$O"
fails "param value the filter refuses" 2 "standard=650" "$O" "$TS" run --keep -q --spool "$SP" -f grayscale:standard=650 in.png "$O"
fails "unknown param" 2 radius "$O" "$TS" run --keep -q --spool "$SP" -f gaussian_blur:radius=2 in.png "$O"
fails "non-numeric param" 2 abc "$O" "$TS" run --keep -q --spool "$SP" -f gaussian_blur:sigma=abc in.png "$O"
fails "unknown filter" 2 nosuchfilter "$O" "$TS" run --keep -q --spool "$SP" -f invert,nosuchfilter in.png "$O"
fails "bad chain syntax" 2 sigma "$O" "$TS" run --keep -q --spool "$SP" -f gaussian_blur:sigma in.png "$O"
fails "missing input" 3 nosuch.png "$O" "$TS" run --keep -q --spool "$SP" nosuch.png "$O"
: >"$T/empty.png"
fails "zero-byte input" 3 empty.png "$O" "$TS" run --keep -q --spool "$SP" empty.png "$O"
echo "this is not an image" >"$T/text.png"
fails "text file named .png" 3 text.png "$O" "$TS" run --keep -q --spool "$SP" text.png "$O"
head -c 3000 "$T/in.png" >"$T/cut.png"
fails "truncated PNG" 3 cut.png "$O" "$TS" run --keep -q --spool "$SP" cut.png "$O"
size=$(wc -c <"$T/in.jpg")
head -c $((size / 2)) "$T/in.jpg" >"$T/cut.jpg"
fails "truncated JPEG" 3 cut.jpg "$T/out.jpg" "$TS" run --keep -q --spool "$SP" cut.jpg "$T/out.jpg"

# hostile modules, found by name on the filter path
HOSTILE=$TOP/build/filters/hostile
TILESPOOL_FILTER_PATH=$HOSTILE:$FILTERS
export TILESPOOL_FILTER_PATH
fails "module with imports" 3 imports_host "$O" "$TS" run --keep -q --spool "$SP" -f imports_host in.png "$O"
fails "module with the wrong ABI" 3 wrong_abi "$O" "$TS" run --keep -q --spool "$SP" -f wrong_abi in.png "$O"
TILESPOOL_FILTER_PATH=$FILTERS

fails "over --max-pixels (splitter)" 3 in.png "$O" \
    "$BIN/splitter" -q --spool "$SP" --max-pixels 9599 -f identity -o "$O" in.png
if [ ! -d "$SP" ] || [ -z "$(ls -A "$SP")" ]; then ok "over --max-pixels: no job left in the spool"
else notok "over --max-pixels: no job left in the spool" "$(ls "$SP")"; fi
# exactly at the limit is fine
rm -rf "$SP"
if "$BIN/splitter" -q --spool "$SP" --max-pixels 9600 -f identity in.png >/dev/null 2>"$T/err"; then
    ok "--max-pixels 9600 admits 120x80"
else notok "--max-pixels 9600 admits 120x80" "$(cat "$T/err")"; fi

fails "unknown option (tilespool run)" 2 --bogus "$O" "$TS" run --keep -q --bogus --spool "$SP" in.png "$O"
for p in splitter worker assembler; do
    fails "unknown option ($p)" 2 --bogus "$O" "$BIN/$p" --spool "$SP" --bogus
done

fails "unsupported output extension .gif" 2 out.gif "$T/out.gif" \
    "$TS" run --keep -q --spool "$SP" in.png "$T/out.gif"

# missing tiles: split, work, lose one processed tile
rm -rf "$SP" "$O"
job=$("$BIN/splitter" -q --spool "$SP" -t 50 -f invert -o "$O" in.png 2>"$T/err")
if [ -n "$job" ] && "$BIN/worker" -q --spool "$SP" -w 2 --job "$job" 2>>"$T/err"; then
    ok "split and work for the missing-tile case"
else
    notok "split and work for the missing-tile case" "$(cat "$T/err")"
fi
JD=$SP/$job
tile=$(names "$JD/out" | sed -n 5p)   # 120x80 in tiles of 50: 3 x 2, the 5th is r1c1
rm -f "$JD/out/$tile"
check_fails "missing tile: assembler exits 1, one line" 1 "$BIN/assembler" -q --spool "$SP" --job "$job"
if [ -n "$tile" ] && grep -qF "$tile" "$T/.err"; then ok "missing tile: message names $tile"
else notok "missing tile: message names '$tile'" "$(cat "$T/.err")"; fi
if [ -e "$O" ]; then notok "missing tile: no output file" "$O exists"; else ok "missing tile: no output file"; fi

"$BIN/assembler" --spool "$SP" --job "$job" --allow-partial >"$T/out" 2>"$T/err"
st=$?
if [ $st -eq 0 ] && [ -f "$O" ]; then ok "--allow-partial: exit 0, output written"
else notok "--allow-partial: exit 0, output written" "exit $st: $(cat "$T/err")"; fi
if grep -qF "$tile" "$T/err"; then ok "--allow-partial: a note naming $tile on stderr"
else notok "--allow-partial: a note naming $tile on stderr" "stderr: $(cat "$T/err")"; fi
# the output is the inverted image except for the one tile, filled from the
# source: 50x30 pixels x 3 channels = 4500 samples differ from full inversion
"$TOOLS/runfilter" -f invert in.png "$T/inv.png" 2>"$T/err"
msg=$("$TOOLS/imgcmp" "$T/inv.png" "$O" 2>&1)
case $msg in
*" 4500 samples differ"*) ok "--allow-partial: only the missing tile is not inverted" ;;
*) notok "--allow-partial: only the missing tile is not inverted" "$msg" ;;
esac

fails "assembler, unknown job" 3 no-such-job "$O" "$BIN/assembler" -q --spool "$SP" --job no-such-job -o "$O"
