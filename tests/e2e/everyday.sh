# shellcheck shell=sh
# everyday - what a person meets in daily use: mistakes refused before any
# job exists (bad --format, missing output directory, -w 0, two batch
# inputs with one output name, a missing spool); jobs named by prefix in
# status, inspect and the assembler; the job id printed by run, its job
# removed after success unless --keep; a batch re-run skipping up-to-date
# outputs (and --force); progress on a terminal during the worker phase;
# each command's --help; unknown filters with suggestions; stale cached
# modules and --prune; a user's global module with a reference; notes when
# the output loses something; RGBA refused under a .ppm name;
# TILESPOOL_SPOOL="" as unset; make batch with a missing folder.
# shellcheck source=SCRIPTDIR/lib.sh
. "$(dirname "$0")/lib.sh"

cd "$T" || exit 2
mk --type rgb 96 64 photo.png
mk --type rgb --seed 9 96 64 pic.png
mk --type rgba 64 48 rgba.png
mk --type rgb16 64 48 deep.png
mkdir a b
cp photo.png a/x.png
cp pic.png b/x.png

# empty_spool NAME DIR - no job directory was made
empty_spool() {
    if [ -z "$(ls -A "$2" 2>/dev/null)" ]; then ok "$1"
    else notok "$1" "the spool holds $(names -a "$2" | tr '\n' ' ')"; fi
}
has() { if grep -q -- "$2" "$3"; then ok "$1"; else notok "$1" "no '$2' in: $(head -c 300 "$3")"; fi; }
hasnt() { if ! grep -q -- "$2" "$3"; then ok "$1"; else notok "$1" "'$2' in: $(head -c 300 "$3")"; fi; }

# ---- refused before any job exists ------------------------------------------
check_fails "run -w 0: exit 2, one line" 2 "$TS" run -w 0 --spool "$T/s1" photo.png o.png
empty_spool "run -w 0: no job made" "$T/s1"
check_fails "batch --format webp: exit 2, one line" 2 "$TS" batch --format webp --spool "$T/s1" \
    photo.png -o out1
empty_spool "batch --format webp: no job made" "$T/s1"
check_fails "batch a/x.png b/x.png: exit 2, one line" 2 "$TS" batch --spool "$T/s1" a/x.png b/x.png \
    -o out2
has "batch a/x.png b/x.png: names the output both would get" "out2/x.png" "$T/.err"
empty_spool "batch a/x.png b/x.png: no job made" "$T/s1"
check_fails "run to a missing directory: exit 4, one line" 4 "$TS" run --spool "$T/s1" photo.png \
    nodir/o.png
empty_spool "run to a missing directory: no job made" "$T/s1"
check_fails "batch -o under a missing directory: exit 4, one line" 4 "$TS" batch --spool "$T/s1" \
    photo.png -o nodir/deeper
empty_spool "batch -o under a missing directory: no job made" "$T/s1"
check_fails "run to a .gif name (GIF is read only): exit 2, one line" 2 "$TS" run --spool "$T/s1" \
    photo.png o.gif
empty_spool "run to a .gif name (GIF is read only): no job made" "$T/s1"
if [ "$(id -u)" -ne 0 ]; then
    mkdir ro && chmod 555 ro
    check_fails "run to an unwritable directory: exit 4, one line" 4 "$TS" run --spool "$T/s1" \
        photo.png ro/o.png
fi
check_fails "worker on a missing spool: exit 4, one line" 4 "$BIN/worker" --spool "$T/nonexistent"

# ---- run: the job id, removal after success, --keep -------------------------
"$TS" run -w 2 --spool "$T/s2" photo.png o.png 2>"$T/err"
st=$?
if [ $st -eq 0 ]; then ok "run: exit 0"; else notok "run: exit 0" "exit $st: $(cat "$T/err")"; fi
has "run: prints the job id" "tilespool: job [0-9]*T[0-9]*Z-photo-" "$T/err"
empty_spool "run: a successful job is removed" "$T/s2"
"$TS" run -q -w 2 --spool "$T/s2" photo.png o.png 2>"$T/err"
if [ ! -s "$T/err" ]; then ok "run -q: prints nothing"; else notok "run -q: prints nothing" "$(cat "$T/err")"; fi
"$TS" run -q --keep -w 2 --spool "$T/s2" photo.png o.png 2>"$T/err"
"$TS" run -q --keep -w 2 --spool "$T/s2" pic.png o2.png 2>>"$T/err"
if [ "$(names "$T/s2" | wc -l)" -eq 2 ]; then ok "run --keep: the jobs stay"
else notok "run --keep: the jobs stay" "$(ls "$T/s2"; cat "$T/err")"; fi
idphoto=$(cd "$T/s2" && echo *-photo-*)

# ---- jobs by prefix ---------------------------------------------------------
"$TS" status --spool "$T/s2" ph >"$T/out" 2>"$T/err"
st=$?
if [ $st -eq 0 ] && grep -q "$idphoto" "$T/out" && ! grep -q -- "-pic-" "$T/out"; then
    ok "status PREFIX of the input's name: that job only"
else
    notok "status PREFIX of the input's name: that job only" "exit $st: $(cat "$T/out" "$T/err")"
fi
"$TS" status --spool "$T/s2" "$(echo "$idphoto" | cut -c1-24)" >"$T/out" 2>&1
if grep -q "$idphoto" "$T/out"; then ok "status PREFIX of the id"
else notok "status PREFIX of the id" "$(cat "$T/out")"; fi
check_fails "status: an ambiguous prefix is exit 2" 2 "$TS" status --spool "$T/s2" p
has "status: an ambiguous prefix lists the candidates" "$idphoto" "$T/.err"
check_fails "status: a prefix of no job is exit 3" 3 "$TS" status --spool "$T/s2" zebra
if "$TS" inspect --spool "$T/s2" -o "$T/r.html" pho >/dev/null 2>"$T/err" && grep -q "$idphoto" "$T/r.html"
then ok "inspect PREFIX: the report of that job"
else notok "inspect PREFIX: the report of that job" "$(cat "$T/err")"; fi
check_fails "inspect: an ambiguous prefix is exit 2" 2 "$TS" inspect --spool "$T/s2" p
check_fails "inspect: a prefix of no job is exit 3" 3 "$TS" inspect --spool "$T/s2" zebra
if "$BIN/assembler" -q --spool "$T/s2" --job pi -o "$T/asm.png" 2>"$T/err"; then
    same_pixels "assembler --job PREFIX: that job's output" "$T/asm.png" o2.png
else
    notok "assembler --job PREFIX: that job's output" "$(cat "$T/err")"
fi
check_fails "assembler: an ambiguous prefix is exit 2" 2 "$BIN/assembler" -q --spool "$T/s2" --job p \
    -o "$T/asm2.png"
check_fails "assembler: a prefix of no job is exit 3" 3 "$BIN/assembler" -q --spool "$T/s2" \
    --job zebra -o "$T/asm2.png"

# ---- batch: up-to-date outputs are skipped, --force redoes them ------------
cp "$FILTERS/invert.wasm" myinv.wasm
CH="./myinv.wasm"
"$TS" batch -q -w 2 --spool "$T/s3" -f "$CH" photo.png pic.png -o out3 2>"$T/err" ||
    notok "batch" "$(cat "$T/err")"
empty_spool "batch: successful jobs are removed" "$T/s3"
sleep 1
touch marker
"$TS" batch -w 2 --spool "$T/s3" -f "$CH" photo.png pic.png -o out3 2>"$T/err"
has "batch re-run: says the outputs are up to date" "2 output(s) up to date" "$T/err"
if [ -z "$(find out3 -name '*.png' -newer marker)" ]; then ok "batch re-run: nothing rewritten"
else notok "batch re-run: nothing rewritten" "$(find out3 -newer marker)"; fi
empty_spool "batch re-run: no job made" "$T/s3"
sleep 1
touch pic.png marker
"$TS" batch -q -w 2 --spool "$T/s3" -f "$CH" photo.png pic.png -o out3 2>"$T/err"
if [ -n "$(find out3/pic.png -newer marker)" ] && [ -z "$(find out3/photo.png -newer marker)" ]
then ok "batch: a newer input redoes its output only"
else notok "batch: a newer input redoes its output only" "$(ls -l --full-time out3 marker)"; fi
sleep 1
touch myinv.wasm marker
"$TS" batch -q -w 2 --spool "$T/s3" -f "$CH" photo.png pic.png -o out3 2>"$T/err"
if [ -n "$(find out3/pic.png -newer marker)" ] && [ -n "$(find out3/photo.png -newer marker)" ]
then ok "batch: a newer user module redoes every output"
else notok "batch: a newer user module redoes every output" "$(cat "$T/err")"; fi
sleep 1
touch marker
"$TS" batch -q -w 2 --spool "$T/s3" -f "$CH,invert" photo.png pic.png -o out3 2>"$T/err"
if [ -n "$(find out3/photo.png -newer marker)" ]; then ok "batch: another chain redoes the outputs"
else notok "batch: another chain redoes the outputs" "$(cat "$T/err")"; fi
same_pixels "batch: the output is of the new chain" out3/photo.png photo.png
sleep 1
touch marker
"$TS" batch -q --force -w 2 --spool "$T/s3" -f "$CH,invert" photo.png pic.png -o out3 2>"$T/err"
if [ -n "$(find out3/photo.png -newer marker)" ] && [ -n "$(find out3/pic.png -newer marker)" ]
then ok "batch --force: redoes up-to-date outputs"
else notok "batch --force: redoes up-to-date outputs" "$(cat "$T/err")"; fi
"$TS" batch -q --keep -w 2 --force --spool "$T/s3" photo.png pic.png -o out3 2>"$T/err"
if [ "$(names "$T/s3" | wc -l)" -eq 2 ]; then ok "batch --keep: the jobs stay"
else notok "batch --keep: the jobs stay" "$(ls "$T/s3")"; fi

# ---- progress on a terminal --------------------------------------------------
if command -v script >/dev/null 2>&1; then
    mk --type rgb 256 256 mid.png
    script -qc "'$TS' run -w 1 -t 32 --spool '$T/s4' -f invert mid.png '$T/pty.png'" /dev/null \
        >"$T/pty.out" 2>&1 </dev/null
    tr '\r' '\n' <"$T/pty.out" >"$T/pty.txt"
    has "progress: the worker draws a line on a terminal" "^worker: [0-9]*/64 tiles, .*ETA" "$T/pty.txt"
    "$TS" run -w 1 -t 32 --spool "$T/s4" -f invert mid.png "$T/nopty.png" 2>"$T/err"
    hasnt "progress: no line when stderr is not a terminal" "tiles, .*ETA" "$T/err"
    script -qc "'$TS' batch -w 2 -t 32 --spool '$T/s4' -f invert mid.png photo.png -o '$T/out4'" \
        /dev/null >"$T/pty.out" 2>&1 </dev/null
    tr '\r' '\n' <"$T/pty.out" >"$T/pty.txt"
    has "progress: a batch draws one line over its images" "^worker: [0-9]/2 images, [0-9]*/70 tiles" \
        "$T/pty.txt"
    hasnt "progress: a batch draws no line per splitter" "^splitter: [0-9]*/" "$T/pty.txt"
    hasnt "progress: a batch draws no line per assembler" "^assembler: [0-9]*/" "$T/pty.txt"
else
    echo "skip - progress under a pseudo-terminal: no script(1)"
fi

# ---- each command's --help describes it --------------------------------------
for c in run batch clean filters; do
    "$TS" $c --help >"$T/out" 2>&1
    if head -n 1 "$T/out" | grep -q "^usage: tilespool $c "
    then ok "$c --help: its own usage"
    else notok "$c --help: its own usage" "$(head -n 2 "$T/out")"; fi
done

# ---- unknown filters ----------------------------------------------------------
check_fails "unknown filter: exit 2, one line" 2 "$TS" run --spool "$T/s5" -f gausian_blur photo.png o.png
has "unknown filter: suggests the nearest" "did you mean gaussian_blur" "$T/.err"
empty_spool "unknown filter: no job made" "$T/s5"

# ---- a user's global module with a reference ----------------------------------
# a copy of histogram_match with one custom section more: another hash, so
# it is found as the user's module or not at all
cp "$FILTERS/histogram_match.wasm" mymatch.wasm
printf '\000\004\003abc' >>mymatch.wasm
mk --type rgb --seed 4 --pattern gradient 80 60 look.png
if "$TS" run -q -w 2 -t 32 --spool "$T/s6" -f "./mymatch.wasm:reference=look.png" photo.png \
    um.png 2>"$T/err"; then
    ok "user global module with reference=: exit 0"
else
    notok "user global module with reference=: exit 0" "$(cat "$T/err")"
fi
"$TS" run -q -w 2 -t 32 --spool "$T/s6" -f "histogram_match:reference=look.png" photo.png \
    bm.png 2>"$T/err" || notok "bundled histogram_match" "$(cat "$T/err")"
same_pixels "user global module with reference=: as the bundled filter" um.png bm.png

# ---- stale cached modules ----------------------------------------------------
"$TS" filters >"$T/out" 2>&1
hasnt "filters: a module that exists is not stale" "STALE" "$T/out"
rm mymatch.wasm
"$TS" filters >"$T/out" 2>&1
has "filters: a module whose source is gone is stale" "mymatch.wasm.*STALE" "$T/out"
"$TS" filters --json >"$T/out" 2>&1
has "filters --json: \"stale\": true" '"stale":true' "$T/out"
"$TS" filters --prune >"$T/out" 2>&1
hasnt "filters --prune: the stale module is no longer listed" "mymatch.wasm" "$T/out"
has "filters --prune: the others stay" "myinv.wasm" "$T/out"

# ---- what the output cannot keep -----------------------------------------------
check_fails "RGBA to a .ppm name: exit 2, one line" 2 "$TS" run -q --spool "$T/s7" rgba.png o.ppm
if [ ! -e o.ppm ]; then ok "RGBA to a .ppm name: nothing written"
else notok "RGBA to a .ppm name: nothing written" "o.ppm exists"; fi
"$TS" run -q --spool "$T/s7" rgba.png o.pam 2>"$T/err"
if [ "$(head -c 2 o.pam)" = P7 ]; then ok "RGBA to a .pam: P7"
else notok "RGBA to a .pam: P7" "$(head -c 2 o.pam) $(cat "$T/err")"; fi
"$TS" run --spool "$T/s7" deep.png deep_out.jpg 2>"$T/err"
has "16-bit result to JPEG: a note that it gets 8 bits" "8 bits per sample.*reduced to 8" "$T/err"
"$TS" run -q --spool "$T/s7" deep.png deep_out.jpg 2>"$T/err"
hasnt "16-bit result to JPEG with -q: no note" "bits" "$T/err"
"$TS" run --spool "$T/s7" deep.png deep_out.png 2>"$T/err"
hasnt "16-bit result to PNG: no note, it stays 16-bit" "bits" "$T/err"
mk --format jpeg --exif-orientation 6 64 48 exif.jpg
"$TS" run --spool "$T/s7" exif.jpg exif_out.ppm 2>"$T/err"
has "Exif in the input, netpbm output: a note that the output lacks it" "Exif is not written to" "$T/err"
"$TS" run -q --spool "$T/s7" exif.jpg exif_out.ppm 2>"$T/err"
hasnt "Exif in the input with -q: no note" "Exif" "$T/err"
"$TS" run --spool "$T/s7" exif.jpg exif_out.png 2>"$T/err"
hasnt "Exif in the input, PNG output: no note, PNG carries it" "not written" "$T/err"
"$TS" run --spool "$T/s7" rgba.png rgba_out.jpg 2>"$T/err"
has "RGBA to JPEG: a note that alpha is dropped" "alpha dropped" "$T/err"

# ---- TILESPOOL_SPOOL="" is the default spool everywhere ------------------------
mkdir envcwd && cd envcwd || exit 2
job=$(TILESPOOL_SPOOL="" "$BIN/splitter" -q -f invert ../photo.png 2>"$T/err")
if [ -n "$job" ] && [ -d "spool/$job" ]; then ok "TILESPOOL_SPOOL=\"\": the splitter uses ./spool"
else notok "TILESPOOL_SPOOL=\"\": the splitter uses ./spool" "$(cat "$T/err")"; fi
if TILESPOOL_SPOOL="" "$BIN/worker" -q -w 1 2>"$T/err" && [ -n "$(ls "spool/$job/out")" ]; then
    ok "TILESPOOL_SPOOL=\"\": the worker uses ./spool"
else
    notok "TILESPOOL_SPOOL=\"\": the worker uses ./spool" "$(cat "$T/err")"
fi
if TILESPOOL_SPOOL="" "$BIN/assembler" -q --job "$job" -o e.png 2>"$T/err" && [ -s e.png ]; then
    ok "TILESPOOL_SPOOL=\"\": the assembler uses ./spool"
else
    notok "TILESPOOL_SPOOL=\"\": the assembler uses ./spool" "$(cat "$T/err")"
fi
cd "$T" || exit 2

# ---- make batch with a missing folder ----------------------------------------
if command -v make >/dev/null 2>&1; then
    make -s -f "$TOP/scripts/batch.mk" IN="$T/typo" OUT="$T/mb" FILTER=invert TILESPOOL="$TS" \
        >"$T/out" 2>&1
    st=$?
    if [ $st -ne 0 ] && grep -q "typo: no such folder" "$T/out"; then ok "make batch IN=typo: says the folder is missing"
    else notok "make batch IN=typo: says the folder is missing" "exit $st: $(cat "$T/out")"; fi
fi
