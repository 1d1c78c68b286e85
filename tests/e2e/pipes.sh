# shellcheck shell=sh
# pipes - '-' as input (standard input) and output (standard output):
# byte-identical to the file form for PNG, JPEG and PAM outputs, in a
# shell pipeline; the same bytes on standard input find the same job;
# nothing is left in the spool after a run, a clean or a refusal; usage
# errors for '-' twice, --format with a file, '-'
# in a batch; failed tiles write nothing to standard output (exit 1); a
# closed pipe is exit 4 with one clear line; the TILESPOOL_STDIN_MAX cap;
# a full disk (on a small tmpfs, when one can be mounted); two runs
# reading standard input at once.
# shellcheck source=SCRIPTDIR/lib.sh
. "$(dirname "$0")/lib.sh"

cd "$T" || exit 2
S=$T/sp
export TILESPOOL_NODE=pipetest
mk --type rgb 200 150 in.png
mk --type rgb --seed 7 180 120 in2.png

# empty_spool NAME - nothing at all in $S, hidden names included
empty_spool() {
    left=$(names -a "$S" | tr '\n' ' ')
    if [ -z "$left" ]; then ok "$1"; else notok "$1" "left in the spool: $left"; fi
}

# same_bytes NAME A B - ok if the files are byte-identical and not empty
same_bytes() {
    if [ -s "$2" ] && cmp -s "$2" "$3"; then ok "$1"
    else notok "$1" "$2 ($(wc -c <"$2" 2>/dev/null) bytes) differs from $3 ($(wc -c <"$3" 2>/dev/null) bytes)"; fi
}

# ---- stdin to stdout, byte-identical to the file form ----------------------
for fmt in png jpeg pam; do
    "$TS" run -q -s "$S" -t 64 -f invert "in.png" "file.$fmt" 2>"$T/err" ||
        notok "file form ($fmt)" "$(cat "$T/err")"
    "$TS" run -q -s "$S" -t 64 -f invert --format "$fmt" - - <in.png >"pipe.$fmt" 2>"$T/err"
    is "run - - --format $fmt: exit 0" "$?" 0
    same_bytes "run - - --format $fmt: the file form's bytes" "pipe.$fmt" "file.$fmt"
done
"$TS" run -q -s "$S" -t 64 -f invert - - <in.png >plain.png
same_bytes "run - - < in.png > out.png: PNG like the input, the file form's bytes" plain.png file.png
"$TS" run -q -s "$S" -t 64 -f invert in.png file-jpeg.jpg 2>/dev/null
"$TS" run -q -s "$S" -t 64 -f invert - - <file-jpeg.jpg >plain.jpg
"$TS" run -q -s "$S" -t 64 -f invert file-jpeg.jpg file2.jpg
same_bytes "run - - < in.jpg: JPEG like the input, the file form's bytes" plain.jpg file2.jpg
# shellcheck disable=SC2002  # the pipeline is the point
cat in.png | "$TS" run -q -s "$S" -t 64 -f invert --format png - - | cat >cat.png
same_bytes "cat | run - - | cat: the file form's bytes" cat.png file.png
"$TS" run -q -s "$S" -t 64 -f invert - out-file.png <in.png
same_bytes "run - OUT: the file form's bytes" out-file.png file.png
"$TS" run -q -s "$S" -t 64 -f invert --format png in.png - >out-stdout.png
same_bytes "run IN -: the file form's bytes" out-stdout.png file.png
empty_spool "after successful runs: nothing left in the spool"

# ---- the assembler on its own ------------------------------------------------
job=$("$BIN/splitter" -q --spool "$S" -t 64 -f invert -o - - <in.png)
is "splitter -o - -: a job id on stdout" "$(nmatch "$S/$job/job.json")" 1
"$BIN/worker" -q --spool "$S" --job "$job" 2>/dev/null
"$BIN/assembler" -q --spool "$S" --job "$job" -o - --format png >asm.png
same_bytes "assembler -o - --format png: the file form's bytes" asm.png file.png
is "assembler -o -: its temporary is gone from the job's tmp/" "$(names "$S/$job/tmp")" ""
if grep -q '"path":[[:space:]]*"(stdin)"' "$S/$job/job.json"; then ok "job.json: source.path is (stdin)"
else notok "job.json: source.path is (stdin)" "$(grep '"path"' "$S/$job/job.json")"; fi
case $job in *-stdin-*) ok "the job id's stem is stdin" ;; *) notok "the job id's stem is stdin" "$job" ;; esac
"$BIN/assembler" -q --spool "$S" --job "$job" -o - >asm-default.png
same_bytes "assembler -o - without --format: the input's format (PNG)" asm-default.png file.png
check_fails "assembler --format with a file: exit 2, one line" 2 \
    "$BIN/assembler" -q --spool "$S" --job "$job" -o x.png --format png
check_fails "assembler --format gif: exit 2, one line" 2 \
    "$BIN/assembler" -q --spool "$S" --job "$job" -o - --format gif
rm -rf "$S"

# ---- the same stdin again finds the same job --------------------------------
"$TS" run --keep -s "$S" -t 64 -f invert --format png - - <in.png >k1.png 2>"$T/e1"
"$TS" run --keep -s "$S" -t 64 -f invert --format png - - <in.png >k2.png 2>"$T/e2"
id1=$(sed -n 's/^tilespool: job //p' "$T/e1")
id2=$(sed -n 's/^tilespool: job //p' "$T/e2")
if [ -n "$id1" ] && [ "$id1" = "$id2" ]; then ok "the same stdin again: the same job ($id1)"
else notok "the same stdin again: the same job" "'$id1' then '$id2'"; fi
is "the same stdin again: one job in the spool" "$(names -a "$S" | tr '\n' ' ')" "$id1 "
if grep -q "^tilespool: job\|^worker: job" "k1.png" "k2.png"; then
    notok "stdout holds the image only" "job lines in it"
else same_bytes "stdout holds the image only" k2.png file.png; fi
# a dead splitter's copy of standard input, and a live one's
: >"$S/.stdin.tmp@pipetest.999999999.0"
: >"$S/.stdin.tmp@pipetest.$$.0"
"$TS" clean -s "$S" 2>"$T/err"
is "clean: the job and the dead splitter's copy go, the live one's stays" \
    "$(names -a "$S" | tr '\n' ' ')" ".stdin.tmp@pipetest.$$.0 "
rm -f "$S/.stdin.tmp@pipetest.$$.0"
empty_spool "after clean: nothing left in the spool"

# ---- usage errors, before any job ------------------------------------------
check_fails "splitter - -: exit 2, one line" 2 \
    "$BIN/splitter" -q --spool "$S" -f invert -o x.png - - <in.png
check_fails "splitter - without -o: exit 2, one line" 2 \
    "$BIN/splitter" -q --spool "$S" -f invert - <in.png
check_fails "splitter - with another input: exit 2, one line" 2 \
    "$BIN/splitter" -q --spool "$S" -f invert -o x.png in.png - <in2.png
check_fails "run --format with a file output: exit 2, one line" 2 \
    "$TS" run -q -s "$S" -f invert --format png - x.png <in.png
check_fails "run --format gif: exit 2, one line" 2 \
    "$TS" run -q -s "$S" -f invert --format gif - - <in.png
check_fails "batch -: exit 2, one line" 2 \
    "$TS" batch -q -s "$S" -f invert -o outdir - <in.png
empty_spool "after the usage errors: nothing in the spool"

# ---- not an image; over the cap -----------------------------------------------
echo "hello, not an image" >text.txt
check_fails "stdin not an image: exit 3, one line" 3 \
    "$TS" run -q -s "$S" -f invert --format png - - <text.txt
if grep -q "(stdin)" "$T/.err"; then ok "stdin not an image: the line names (stdin)"
else notok "stdin not an image: the line names (stdin)" "$(cat "$T/.err")"; fi
is "stdin not an image: nothing on stdout" "$(wc -c <"$T/.out")" 0
empty_spool "stdin not an image: nothing left in the spool"
TILESPOOL_STDIN_MAX=1K check_fails "stdin over TILESPOOL_STDIN_MAX: exit 3, one line" 3 \
    "$TS" run -q -s "$S" -f invert --format png - - <in.png
if grep -q "more than 1024 bytes (TILESPOOL_STDIN_MAX)" "$T/.err"; then ok "over the cap: says so"
else notok "over the cap: says so" "$(cat "$T/.err")"; fi
empty_spool "over the cap: the copy is removed"
TILESPOOL_STDIN_MAX=lots check_fails "TILESPOOL_STDIN_MAX not a size: exit 3, one line" 3 \
    "$BIN/splitter" -q --spool "$S" -f invert -o x.png - <in.png

# ---- failed tiles: nothing on stdout ----------------------------------------
TILESPOOL_FILTER_PATH=$TOP/build/filters/hostile:$FILTERS \
    "$TS" run -q -s "$S" -t 64 -f unreachable --format png - - <in.png >fail.png 2>"$T/err"
is "failing tiles with - -: exit 1" "$?" 1
is "failing tiles with - -: nothing on stdout" "$(wc -c <fail.png)" 0
if grep -q "tiles missing, not writing standard output" "$T/err"; then
    ok "failing tiles with - -: the assembler says it writes nothing"
else notok "failing tiles with - -: the assembler says it writes nothing" "$(cat "$T/err")"; fi
"$TS" clean --force -s "$S" 2>/dev/null
empty_spool "failing tiles: clean leaves nothing"

# ---- a reader that goes away -------------------------------------------------
mk --type rgb 400 300 big.png
{ timeout 300 "$TS" run -q -s "$S" -t 128 -f invert --format pam - - <big.png 2>"$T/err"
  echo $? >"$T/st"; } | head -c 10 >head.out
is "| head -c 10: exit 4" "$(cat "$T/st")" 4
if grep -q "^assembler: .*standard output: write: Broken pipe" "$T/err" &&
    [ "$(grep -c . "$T/err")" -eq 1 ]; then ok "| head -c 10: one line saying the pipe broke"
else notok "| head -c 10: one line saying the pipe broke" "$(cat "$T/err")"; fi
is "| head -c 10: the reader got the first bytes" "$(wc -c <head.out)" 10
"$TS" run -q -s "$S" -t 128 -f invert --format pam - - <big.png >big1.pam
"$TS" run -q -s "$S" -t 128 -f invert big.png big2.pam
same_bytes "after a broken pipe, the same command resumes the job" big1.pam big2.pam
empty_spool "after a broken pipe and a re-run: nothing left in the spool"

# ---- two runs reading standard input at once --------------------------------
"$TS" run -q -s "$S" -t 32 -f invert - two1.png <in.png 2>"$T/c1" &
p1=$!
"$TS" run -q -s "$S" -t 32 -f invert - two2.png <in2.png 2>"$T/c2" &
p2=$!
wait "$p1"; s1=$?
wait "$p2"; s2=$?
is "two runs of - at once: both exit 0" "$s1 $s2" "0 0"
"$TS" run -q -s "$S" -t 32 -f invert in2.png file2.png
same_bytes "two runs of - at once: the first's output" two1.png file.png
same_bytes "two runs of - at once: the second's output" two2.png file2.png
empty_spool "two runs of - at once: nothing left in the spool"

# ---- a full disk ---------------------------------------------------------------
FS=$T/fs
mkdir -p "$FS"
if mount -t tmpfs -o size=1m tmpfs "$FS" 2>/dev/null; then
    trap 'umount "$FS" 2>/dev/null; rm -rf "$T"' EXIT INT TERM
    head -c 3000000 /dev/urandom >noise.bin
    check_fails "stdin onto a full disk: exit 4, one line" 4 \
        "$BIN/splitter" -q --spool "$FS/sp" -f invert -o x.png - <noise.bin
    if grep -q "No space left on device" "$T/.err"; then ok "full disk: says so"
    else notok "full disk: says so" "$(cat "$T/.err")"; fi
    is "full disk: the copy is removed" "$(names -a "$FS/sp" | tr '\n' ' ')" ""
    umount "$FS"
else
    echo "skip - pipes: full disk: cannot mount a small tmpfs here"
fi
