# shellcheck shell=sh
# resume - re-running is safe and cheap: the same `tilespool run` twice
# finds the job it made (one job dir, no tile processed again, the same
# output bytes); a job the splitter made alone is found by `run`; a job
# whose split died (no job.json) is replaced by a complete one; --new and a
# changed parameter make new jobs; a tile claimed by a worker that died
# (no lock held) is put back and processed by the next worker run, and one
# whose out/ tile exists is moved on to done/ without being processed again.
# shellcheck source=SCRIPTDIR/lib.sh
. "$(dirname "$0")/lib.sh"

cd "$T" || exit 2
mk --type rgba 200 150 "$T/in.png"
CHAIN=gaussian_blur:sigma=1.5,invert
"$TOOLS/runfilter" -f "$CHAIN" in.png ref.png 2>"$T/err" || notok "runfilter reference" "$(cat "$T/err")"

# jobs SPOOL - the number of job directories in SPOOL.
jobs() { names "$1" | grep -c .; }
# loglines SPOOL - the number of lines in the logs of SPOOL's jobs.
loglines() { cat "$1"/*/log 2>/dev/null | grep -c .; }
# run_ok NAME ARGS... - tilespool run -q -w 2 -t 50 ARGS; notok on failure.
run_ok() {
    name=$1; shift
    if "$TS" run --keep -q -w 2 -t 50 "$@" 2>"$T/err"; then return 0; fi
    notok "$name" "tilespool run $* failed: $(cat "$T/err")"
    return 1
}

# 1. the same command twice
S=$T/sp1
run_ok "first run" --spool "$S" -f "$CHAIN" in.png out1.png &&
    same_pixels "first run: output is right" out1.png ref.png
n1=$(loglines "$S")
is "first run: 12 tiles in the log" "$n1" 12    # 200x150 in tiles of 50: 4 x 3
cp out1.png out1.first
run_ok "second run" --spool "$S" -f "$CHAIN" in.png out1.png
is "second run: still one job" "$(jobs "$S")" 1
is "second run: no tile processed again" "$(loglines "$S")" "$n1"
check "second run: same output bytes" cmp out1.first out1.png

# 2. the splitter alone, then run with the same arguments
S=$T/sp2
job=$("$BIN/splitter" -q --spool "$S" -t 50 -f "$CHAIN" in.png 2>"$T/err")
[ -n "$job" ] || notok "splitter alone" "$(cat "$T/err")"
run_ok "run after the splitter" --spool "$S" -f "$CHAIN" in.png out2.png &&
    same_pixels "run after the splitter: output is right" out2.png ref.png
is "run after the splitter: still one job" "$(jobs "$S")" 1
is "run after the splitter: it is the splitter's job" "$(ls "$S")" "$job"

# 3. a split that died before job.json: replaced by the next run
S=$T/sp3
job=$("$BIN/splitter" -q --spool "$S" -t 50 -f "$CHAIN" in.png 2>"$T/err")
rm -f "$S/$job/job.json"
ntiles=$(names "$S/$job/tiles" | grep -c .)
if [ "$ntiles" -gt 0 ]; then ok "dead split: tiles left without job.json"
else notok "dead split: tiles left without job.json" "no tiles in $S/$job/tiles"; fi
run_ok "run after a dead split" --spool "$S" -f "$CHAIN" in.png out3.png &&
    same_pixels "run after a dead split: output is right" out3.png ref.png
is "run after a dead split: one job" "$(jobs "$S")" 1
j=$(ls "$S")
if [ -f "$S/$j/job.json" ] && [ -z "$(ls -A "$S/$j/tiles")" ] &&
    [ "$(names "$S/$j/out" | grep -c .)" -eq "$ntiles" ]; then
    ok "run after a dead split: the job is complete"
else
    notok "run after a dead split: the job is complete" "$(find "$S" | head -30 | tr '\n' ' ')"
fi
is "run after a dead split: each tile processed once" "$(loglines "$S")" "$ntiles"

# 4. --new makes a second job; a changed parameter makes a different job
S=$T/sp4
run_ok "run before --new" --spool "$S" -f "$CHAIN" in.png out4.png
run_ok "run --new" --new --spool "$S" -f "$CHAIN" in.png out4b.png &&
    check "run --new: same output bytes" cmp out4.png out4b.png
is "run --new: two jobs" "$(jobs "$S")" 2
run_ok "run with sigma=2" --spool "$S" -f gaussian_blur:sigma=2,invert in.png out4c.png
is "a changed parameter: a third job" "$(jobs "$S")" 3
if "$TOOLS/imgcmp" --quiet out4.png out4c.png; then
    notok "a changed parameter: a different output" "same pixels as sigma=1.5"
else
    ok "a changed parameter: a different output"
fi
run_ok "run with sigma=2 again" --spool "$S" -f gaussian_blur:sigma=2,invert in.png out4d.png
is "the changed parameter again: still three jobs" "$(jobs "$S")" 3
run_ok "run with another tile size" --spool "$S" -f "$CHAIN" -t 64 in.png out4e.png &&
    same_pixels "another tile size: output is right" out4e.png ref.png
is "another tile size: a fourth job" "$(jobs "$S")" 4

# 5. a claim left by a dead worker: requeued and done by the next worker run
S=$T/sp5
job=$("$BIN/splitter" -q --spool "$S" -t 50 -f "$CHAIN" -o out5.png in.png 2>"$T/err")
JD=$S/$job
tile=$(names "$JD/tiles" | sed -n 2p)
if [ -n "$tile" ] && mv "$JD/tiles/$tile" "$JD/claimed/$tile@node.99999"; then
    ok "a stale claim is in place"
else
    notok "a stale claim is in place" "no tile to claim in $JD/tiles"
fi
if "$BIN/worker" -q --spool "$S" -w 2 2>"$T/err"; then ok "worker after a stale claim: exit 0"
else notok "worker after a stale claim: exit 0" "$(cat "$T/err")"; fi
if [ -z "$(ls -A "$JD/claimed")" ] && [ -f "$JD/out/$tile" ] && [ -z "$(ls -A "$JD/tiles")" ]; then
    ok "worker after a stale claim: $tile recovered and processed"
else
    notok "worker after a stale claim: $tile recovered and processed" \
        "claimed: $(names "$JD/claimed"); out: $(names "$JD/out" | tr '\n' ' ')"
fi
is "worker after a stale claim: $tile in the log once" "$(grep -c "^$tile " "$JD/log")" 1
if "$BIN/assembler" -q --spool "$S" --job "$job" 2>"$T/err"; then
    same_pixels "stale claim: output complete and right" out5.png ref.png
else
    notok "stale claim: assembler" "$(cat "$T/err")"
fi

# 6. a claim whose out/ tile already exists is finished work: the next
# worker run moves it on to done/ without processing it again
n=$(loglines "$S")
tile=$(names "$JD/done" | sed -n 3p)
if [ -n "$tile" ] && [ -f "$JD/out/$tile" ] && mv "$JD/done/$tile" "$JD/claimed/$tile@node.99998"; then
    ok "a stale claim of finished work is in place"
else
    notok "a stale claim of finished work is in place" "no done tile in $JD/done"
fi
if "$BIN/worker" -q --spool "$S" -w 2 2>"$T/err"; then ok "worker after a finished claim: exit 0"
else notok "worker after a finished claim: exit 0" "$(cat "$T/err")"; fi
if [ -z "$(ls -A "$JD/claimed")" ] && [ -f "$JD/done/$tile" ] && [ -z "$(ls -A "$JD/tiles")" ]; then
    ok "worker after a finished claim: $tile moved on to done/"
else
    notok "worker after a finished claim: $tile moved on to done/" \
        "claimed: $(ls "$JD/claimed"); tiles: $(ls "$JD/tiles")"
fi
is "worker after a finished claim: not processed again" "$(loglines "$S")" "$n"
