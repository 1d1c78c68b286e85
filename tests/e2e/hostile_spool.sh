# shellcheck shell=sh
# hostile_spool - one bad name in a job never stops the spool, and
# failures a re-run can change are redone by a re-run.
#
#   * tiles/: a FIFO (no writer), a symbolic link to a valid tile of
#     another job, a dangling link, a directory and a character device
#     (skipped where mknod is not allowed) in one job: each of those tiles
#     alone fails, kind "spool", the reason naming its type; the job's other
#     tiles and another job complete in the same worker run; status lists
#     it all without waiting.
#   * out/: a symbolic link (to another job's tile) or a FIFO makes the
#     assembler refuse that job with one line naming the tile (exit 3) and
#     write nothing; `assembler --all` still writes the other job.
#   * the splitter's input: a FIFO without a writer (directly or through
#     a link) is exit 3 with one line, not a wait.
#   * failure records: a tile failed by "timeout" or "signal" is requeued
#     by a plain re-run and done; one failed by "trap" is not, until
#     --retry-failed (worker and tilespool run); a real timeout's second
#     failure counts 2 attempts.
#   * a requeue interrupted between its rename and its removal of the
#     record is finished by the next start.
#   * tilespool batch: an input whose name has a line break fails alone
#     with one line; the other inputs' outputs are written; exit 3.
# Every program runs under timeout(1): a regression that blocks fails the
# check instead of hanging the suite.
# shellcheck source=SCRIPTDIR/lib.sh
. "$(dirname "$0")/lib.sh"

HOSTILE=$FILTERS/hostile
TILESPOOL_FILTER_PATH=$HOSTILE:$FILTERS
export TILESPOOL_FILTER_PATH
cd "$T" || exit 2

# attempts FILE - the attempts of a failed/T.json.
attempts() { sed -n 's/.*"attempts":[[:space:]]*\([0-9]*\).*/\1/p' "$1"; }
# count DIR - entries in DIR.
count() { find "$1" -mindepth 1 -maxdepth 1 | grep -c .; }

mk --type rgb 64 64 "$T/a.png"       # tiles of 16: 4 x 4
mk --type rgb 40 24 "$T/b.png"       # tiles of 16: 3 x 2

# ---- tiles/ ------------------------------------------------------------------
SP=$T/sp
A=$(timeout 60 "$BIN/splitter" -q --spool "$SP" -t 16 -f invert -o "$T/a_out.png" "$T/a.png")
B=$(timeout 60 "$BIN/splitter" -q --spool "$SP" -t 16 -f invert -o "$T/b_out.png" "$T/b.png")
if [ -z "$A" ] || [ -z "$B" ]; then notok "split" "no job id"; exit 1; fi
TA=$SP/$A/tiles
rm "$TA/r0c0.ppm" && mkfifo "$TA/r0c0.ppm"
rm "$TA/r0c1.ppm" && ln -s "$SP/$B/tiles/r0c0.ppm" "$TA/r0c1.ppm"
rm "$TA/r0c2.ppm" && ln -s "$T/nowhere.ppm" "$TA/r0c2.ppm"
rm "$TA/r0c3.ppm" && mkdir "$TA/r0c3.ppm"
nbad=4
rm "$TA/r1c0.ppm"
if mknod "$TA/r1c0.ppm" c 1 3 2>/dev/null; then
    nbad=5
else
    echo "skip - device node in tiles/: mknod not allowed here"
    cp "$TA/r1c1.ppm" "$TA/r1c0.ppm"
fi

timeout 120 "$BIN/worker" -q --spool "$SP" -w 2 >"$T/out" 2>"$T/err"
is "tiles/: worker ends, exit 1 (tiles failed)" "$?" 1
is "tiles/: only the bad tiles failed" "$(find "$SP/$A/failed" -mindepth 1 ! -name '*.json' | grep -c .)" $nbad
is "tiles/: the job's other tiles are done" "$(count "$SP/$A/out")" $((16 - nbad))
is "tiles/: the other job completed in the same run" "$(count "$SP/$B/out")" 6
is "tiles/: the linked-to tile is untouched" "$(find "$SP/$B/done" -name r0c0.ppm -type f | grep -c .)" 1

# want TILE TYPE - failed/TILE.json says kind spool and names TYPE
want() {
    j=$SP/$A/failed/$1.json
    k=$(field "$j" kind) r=$(field "$j" reason)
    if [ "$k" = spool ] && echo "$r" | grep -qF "is $2, not a regular file"; then
        ok "tiles/: $1 ($2) failed with kind spool, reason names it"
    else
        notok "tiles/: $1 ($2) failed with kind spool, reason names it" "kind '$k' reason '$r'"
    fi
    grep -qF "tile $1: " "$T/err" || notok "tiles/: $1 named on stderr" "$(cat "$T/err")"
}
want r0c0.ppm "a FIFO"
want r0c1.ppm "a symbolic link"
want r0c2.ppm "a symbolic link"
want r0c3.ppm "a directory"
[ $nbad -eq 5 ] && want r1c0.ppm "a character device"
if [ -p "$SP/$A/failed/r0c0.ppm" ]; then ok "tiles/: the FIFO itself was moved to failed/"
else notok "tiles/: the FIFO itself was moved to failed/" "$(ls -l "$SP/$A/failed")"; fi

# a FIFO in claimed/ (nobody can hold it): recovery fails it, status does not wait
mkfifo "$SP/$B/claimed/r1c2.ppm@elsewhere.1"
timeout 30 "$BIN/status" --spool "$SP" >"$T/st" 2>&1
is "status: lists a spool with FIFOs without waiting" "$?" 0
timeout 60 "$BIN/worker" -q --spool "$SP" -w 1 >"$T/out" 2>"$T/err"
is "claimed/: a FIFO claim is failed by recovery, not waited on" \
    "$(field "$SP/$B/failed/r1c2.ppm.json" kind)" spool

# ---- out/ --------------------------------------------------------------------
SP2=$T/sp2
C=$(timeout 60 "$BIN/splitter" -q --spool "$SP2" -t 16 -f invert -o "$T/c_out.png" "$T/a.png")
D=$(timeout 60 "$BIN/splitter" -q --spool "$SP2" -t 32 -f invert -o "$T/d_out.png" "$T/a.png")
timeout 120 "$BIN/worker" -q --spool "$SP2" -w 2 >/dev/null 2>&1
is "out/: both jobs processed" "$(find "$SP2/$C/out" "$SP2/$D/out" -name '*.ppm' | grep -c .)" 20
rm "$SP2/$D/out/r0c0.ppm" && ln -s "$SP2/$C/out/r0c0.ppm" "$SP2/$D/out/r0c0.ppm"
check_fails "out/: a link makes the assembler refuse the job, exit 3, one line" 3 \
    timeout 60 "$BIN/assembler" -q --spool "$SP2" --job "$D"
if grep -qF "r0c0.ppm" "$T/.err" && grep -qF "symbolic link" "$T/.err"; then
    ok "out/: the message names the tile and the link"
else notok "out/: the message names the tile and the link" "$(cat "$T/.err")"; fi
if [ ! -e "$T/d_out.png" ]; then ok "out/: no output written"
else notok "out/: no output written" "$(ls "$T")"; fi
mkdir "$T/all"
timeout 60 "$BIN/assembler" -q --spool "$SP2" --all --outdir "$T/all" >/dev/null 2>"$T/err"
st=$?
if [ $st -eq 3 ] && [ -f "$T/all/c_out.png" ] && [ ! -e "$T/all/d_out.png" ]; then
    ok "out/: assembler --all writes the other job, refuses this one (exit 3)"
else
    notok "out/: assembler --all writes the other job, refuses this one (exit 3)" \
        "exit $st, $(ls "$T/all"), $(cat "$T/err")"
fi
rm "$SP2/$D/out/r0c0.ppm" && mkfifo "$SP2/$D/out/r0c0.ppm"
check_fails "out/: a FIFO is refused at once, exit 3" 3 \
    timeout 60 "$BIN/assembler" -q --spool "$SP2" --job "$D"

# ---- the splitter's input ----------------------------------------------------
mkfifo "$T/in.fifo"
ln -s "$T/in.fifo" "$T/link.png"
check_fails "input: a FIFO without writer is exit 3, one line" 3 \
    timeout 30 "$BIN/splitter" -q --spool "$T/sp3" -f invert "$T/in.fifo"
if grep -qF "FIFO" "$T/.err"; then ok "input: the message says FIFO"
else notok "input: the message says FIFO" "$(cat "$T/.err")"; fi
check_fails "input: a link to a FIFO is exit 3, one line" 3 \
    timeout 30 "$BIN/splitter" -q --spool "$T/sp3" -f invert "$T/link.png"

# ---- failure kinds and re-runs -----------------------------------------------
# fake_failure JOBDIR TILE KIND - fail TILE as a worker would have
fake_failure() {
    mv "$1/tiles/$2" "$1/failed/$2"
    printf '{\n\t"tile":\t"%s",\n\t"kind":\t"%s",\n\t"reason":\t"test",\n\t"attempts":\t1,\n\t"pid":\t1,\n\t"time":\t"2026-01-01T00:00:00Z"\n}\n' \
        "$2" "$3" >"$1/failed/$2.json"
}
SP4=$T/sp4
E=$(timeout 60 "$BIN/splitter" -q --spool "$SP4" -t 16 -f invert -o "$T/e_out.png" "$T/a.png")
fake_failure "$SP4/$E" r0c0.ppm timeout
fake_failure "$SP4/$E" r1c1.ppm signal
fake_failure "$SP4/$E" r2c2.ppm trap
timeout 120 "$BIN/worker" -q --spool "$SP4" -w 2 >/dev/null 2>"$T/err"
is "re-run: exit 1 (the trap is still failed)" "$?" 1
is "re-run: the timeout and signal tiles are redone" "$(find "$SP4/$E/out" -name 'r0c0.ppm' -o -name 'r1c1.ppm' | grep -c .)" 2
is "re-run: only the trap tile is failed" "$(ls "$SP4/$E/failed")" "r2c2.ppm
r2c2.ppm.json"
is "re-run: the log says requeued, twice" "$(grep -c ' requeued$' "$SP4/$E/log")" 2
timeout 120 "$BIN/worker" -q --spool "$SP4" -w 2 >/dev/null 2>&1
is "re-run: a trap stays failed on a second re-run" "$(field "$SP4/$E/failed/r2c2.ppm.json" kind)" trap
timeout 120 "$BIN/worker" -q --spool "$SP4" -w 2 --retry-failed >/dev/null 2>&1
is "--retry-failed: the trap tile is redone, exit 0" "$?" 0
is "--retry-failed: every tile done" "$(count "$SP4/$E/out")" 16
is "--retry-failed: failed/ is empty" "$(count "$SP4/$E/failed")" 0

# the driver: a plain re-run keeps a trap failed, --retry-failed redoes it
SP7=$T/sp7
timeout 120 "$TS" run --keep -q --spool "$SP7" -t 16 -w 2 -f invert "$T/a.png" "$T/h_out.png" 2>/dev/null
H=$(ls "$SP7")
rm "$T/h_out.png"
mv "$SP7/$H/out/r3c3.ppm" "$SP7/$H/tiles/r3c3.ppm"
fake_failure "$SP7/$H" r3c3.ppm trap
timeout 120 "$TS" run --keep -q --spool "$SP7" -t 16 -w 2 -f invert "$T/a.png" "$T/h_out.png" 2>/dev/null
is "tilespool run: a re-run leaves a trap failed, exit 1" "$?" 1
timeout 120 "$TS" run --keep -q --spool "$SP7" -t 16 -w 2 -f invert --retry-failed "$T/a.png" \
    "$T/h_out.png" 2>"$T/err"
st=$?
if [ $st -eq 0 ] && [ -f "$T/h_out.png" ]; then ok "tilespool run --retry-failed: redone, output written"
else notok "tilespool run --retry-failed: redone, output written" "exit $st: $(cat "$T/err")"; fi

# an interrupted requeue: the tile back in tiles/, its record left behind
F=$(timeout 60 "$BIN/splitter" -q --spool "$SP4" -t 32 -f invert -o "$T/f_out.png" "$T/a.png")
fake_failure "$SP4/$F" r0c0.ppm timeout
mv "$SP4/$F/failed/r0c0.ppm" "$SP4/$F/tiles/r0c0.ppm"
timeout 120 "$BIN/worker" -q --spool "$SP4" -w 1 >/dev/null 2>&1
is "interrupted requeue: finished at start, exit 0" "$?" 0
is "interrupted requeue: no record left" "$(count "$SP4/$F/failed")" 0

# a real timeout, twice: the second record counts both attempts
SP5=$T/sp5
G=$(timeout 60 "$BIN/splitter" -q --spool "$SP5" -t 64 -f infinite_loop -o "$T/g_out.png" "$T/a.png")
timeout 120 "$BIN/worker" -q --spool "$SP5" -w 1 --timeout 1 >/dev/null 2>&1
is "timeout: first run fails it, 1 attempt" "$(attempts "$SP5/$G/failed/r0c0.ppm.json")" 1
timeout 120 "$BIN/worker" -q --spool "$SP5" -w 1 --timeout 1 >/dev/null 2>"$T/err"
is "timeout: a re-run tries again, exit 1" "$?" 1
is "timeout: the second record counts 2 attempts" "$(attempts "$SP5/$G/failed/r0c0.ppm.json")" 2
is "timeout: still kind timeout" "$(field "$SP5/$G/failed/r0c0.ppm.json" kind)" timeout

# ---- tilespool batch with a name that cannot be listed -------------------------
mkdir "$T/in" "$T/bout"
cp "$T/a.png" "$T/in/one.png"
cp "$T/b.png" "$T/in/two.png"
cp "$T/a.png" "$T/in/bad
name.png"
timeout 300 "$TS" batch -q --spool "$T/sp6" -t 32 -w 2 -o "$T/bout" "$T/in"/* >/dev/null 2>"$T/err"
st=$?
lines=$(grep -c . "$T/err")
if [ $st -eq 3 ] && [ "$lines" -eq 1 ] && grep -q "line break" "$T/err"; then
    ok "batch: a newline-named input fails alone, one line, exit 3"
else
    notok "batch: a newline-named input fails alone, one line, exit 3" \
        "exit $st, $lines lines: $(head -c 300 "$T/err")"
fi
if [ -f "$T/bout/one.png" ] && [ -f "$T/bout/two.png" ]; then ok "batch: both good outputs written"
else notok "batch: both good outputs written" "$(ls "$T/bout")"; fi

# ---- a damaged statistics file of one global job -------------------------------
# The merge of a global job reads every stats/T.<g>; one that is a
# directory (or damaged) leaves that job alone, said once, and the other
# job of the same worker run is done all the same (the run exits 4).
mk --type rgb --seed 5 --pattern noise 128 128 "$T/c.png"
SP8=$T/sp8
GJ=$(timeout 60 "$BIN/splitter" -q --spool "$SP8" -t 32 -f equalize "$T/a.png")
OJ=$(timeout 60 "$BIN/splitter" -q --spool "$SP8" -t 16 -f invert "$T/c.png")
mkdir -p "$SP8/$GJ/stats/r0c0.ppm.0/x"
timeout 120 "$BIN/worker" -q -w 2 --spool "$SP8" >/dev/null 2>"$T/err"
st=$?
lines=$(grep -c . "$T/err")
if [ $st -eq 4 ] && [ "$lines" -eq 1 ] && grep -q "job $GJ: .*stats/r0c0.ppm.0" "$T/err"; then
    ok "stats/: a damaged statistics file: exit 4, one line naming the job and the file"
else
    notok "stats/: a damaged statistics file: exit 4, one line naming the job and the file" \
        "exit $st, $lines lines: $(head -c 300 "$T/err")"
fi
is "stats/: the other job of the run is done" "$(count "$SP8/$OJ/out")" 64
