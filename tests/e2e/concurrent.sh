# shellcheck shell=sh
# concurrent - several programs on one spool at once.
#  1. two worker supervisors (-w 2 each) drain one job together: every
#     tile is processed exactly once (one log line and one out/ file per
#     tile), nothing is left over, and the output is byte-identical to a
#     single run's;
#  2. two splitters on different inputs at once: two complete jobs whose
#     outputs are identical to separate runs';
#  3. a supervisor killed with -9 while another keeps running: its
#     children die with it (PR_SET_PDEATHSIG), and the survivor, or a
#     re-run of the worker if the survivor ended while the dead children's
#     claims were still locked, finishes the job: complete, identical
#     output, nothing left in claimed/ or tmp/;
#  4. the same `tilespool run` command twice at once: both succeed, one job.
# shellcheck source=SCRIPTDIR/lib.sh
. "$(dirname "$0")/lib.sh"
# shellcheck source=SCRIPTDIR/crash/check.sh
. "$(dirname "$0")/crash/check.sh"

CHAIN=gaussian_blur,invert
mk --type rgb 640 480 "$T/in.png"
mk --type rgb --pattern noise --seed 7 500 300 "$T/in2.png"
crash_reference "$T/ref" "$T/ref.png" -w 2 -t 32 -f "$CHAIN"
W=$T/wbin
make_wrappers "$W"

# split S IN - split IN into spool S for the chain; prints the job id.
split() { "$BIN/splitter" -q --spool "$1" -t 32 -f "$CHAIN" "$2"; }

# 1. two supervisors on one job
S=$T/sp1
job=$(split "$S" "$T/in.png")
"$BIN/worker" -q --spool "$S" -w 2 2>"$T/w1.err" & a=$!
"$BIN/worker" -q --spool "$S" -w 2 2>"$T/w2.err" & b=$!
wait $a; sa=$?
wait $b; sb=$?
if [ $sa -eq 0 ] && [ $sb -eq 0 ]; then ok "two supervisors: both exit 0"
else notok "two supervisors: both exit 0" "exit $sa and $sb: $(cat "$T/w1.err" "$T/w2.err" | head -c 300)"; fi
JD=$S/$job
dups=$(cut -d' ' -f1 "$JD/log" | sort | uniq -d | head -5 | tr '\n' ' ')
lines=$(grep -c . "$JD/log")
if [ -z "$dups" ] && [ "$lines" -eq "$NTILES" ]; then
    ok "two supervisors: each of the $NTILES tiles processed exactly once"
else
    notok "two supervisors: each of the $NTILES tiles processed exactly once" \
        "$lines log lines; done twice: $dups"
fi
echo "# two supervisors: tiles done by $(sed -n 's/.* pid=\([0-9]*\) .*/\1/p' "$JD/log" | sort -u | grep -c .) processes"
if "$BIN/assembler" -q --spool "$S" --job "$job" -o "$T/out1.png" 2>"$T/err"; then
    invariants "$S" "$T/out1.png"
    if [ -z "$why" ]; then ok "two supervisors: job complete, output identical to a single run's"
    else notok "two supervisors: job complete, output identical to a single run's" "$why"; fi
else
    notok "two supervisors: assembler" "$(cat "$T/err")"
fi

# 2. two splitters on different inputs at once
"$TS" run --keep -q -w 2 -t 32 -f "$CHAIN" --spool "$T/ref2" "$T/in2.png" "$T/ref2.png" 2>"$T/err" ||
    notok "reference run of the second input" "$(cat "$T/err")"
S=$T/sp2
split "$S" "$T/in.png" >"$T/job_a" 2>"$T/sa.err" & a=$!
split "$S" "$T/in2.png" >"$T/job_b" 2>"$T/sb.err" & b=$!
wait $a; sa=$?
wait $b; sb=$?
if [ $sa -eq 0 ] && [ $sb -eq 0 ] && [ "$(names "$S" | grep -c .)" -eq 2 ] &&
    [ -f "$S/$(cat "$T/job_a")/job.json" ] && [ -f "$S/$(cat "$T/job_b")/job.json" ]; then
    ok "two splitters: two complete jobs"
else
    notok "two splitters: two complete jobs" "exit $sa and $sb, jobs: $(names "$S" | tr '\n' ' ') $(cat "$T/sa.err" "$T/sb.err")"
fi
{ "$TS" run --keep -q -w 2 -t 32 -f "$CHAIN" --spool "$S" "$T/in.png" "$T/out2a.png" 2>"$T/err" &&
"$TS" run --keep -q -w 2 -t 32 -f "$CHAIN" --spool "$S" "$T/in2.png" "$T/out2b.png" 2>>"$T/err"; } ||
    notok "two splitters: runs" "$(cat "$T/err")"
check "two splitters: first output identical to a separate run's" cmp "$T/out2a.png" "$T/ref.png"
check "two splitters: second output identical to a separate run's" cmp "$T/out2b.png" "$T/ref2.png"
is_jobs=$(names "$S" | grep -c .)
if [ "$is_jobs" -eq 2 ]; then ok "two splitters: the runs found their jobs (still 2)"
else notok "two splitters: the runs found their jobs (still 2)" "$is_jobs jobs"; fi

# 3. one of two supervisors killed with -9
S=$T/sp3
job=$(split "$S" "$T/in.png")
JD=$S/$job
mkdir -p "$T/pa" "$T/pb"
TILESPOOL_PIDS=$T/pa "$W/worker" -q --spool "$S" -w 2 2>"$T/w1.err" & a=$!
TILESPOOL_PIDS=$T/pb "$W/worker" -q --spool "$S" -w 2 2>"$T/w2.err" & b=$!
# kill A once its children have done a few tiles
for _ in $(seq 1000); do
    [ -f "$JD/log" ] && [ "$(grep -c . "$JD/log")" -ge 20 ] && break
    kill -0 $a 2>/dev/null || break
    sleep 0.005
done
children=$(ps -o pid= --ppid $a 2>/dev/null | tr '\n' ' ')
if alive $a && kill -9 $a; then
    ok "supervisor A killed with -9 (children:$children)"
else
    notok "supervisor A killed with -9" "it had already ended"
fi
wait $a 2>/dev/null
# shellcheck disable=SC2086  # one argument per pid
if [ -z "$children" ] || wait_gone $children; then
    ok "the killed supervisor's children died with it"
else
    notok "the killed supervisor's children died with it" "still alive:$children"
    for c in $children; do alive "$c" && kill -9 "$c"; done
fi
wait $b; sb=$?
if [ $sb -eq 0 ]; then ok "supervisor B carries on and exits 0"
else notok "supervisor B carries on and exits 0" "exit $sb: $(cat "$T/w2.err")"; fi
left=$(( $(entries "$JD/tiles") + $(entries "$JD/claimed") ))
if [ $left -eq 0 ]; then
    echo "# supervisor B finished every tile alone; tmp/ holds $(entries "$JD/tmp") file(s)"
else
    echo "# $left tiles left when B ended (the dead children's claims were still locked)"
fi
# the re-run finishes what is left and removes the garbage of the dead
"$BIN/worker" -q --spool "$S" -w 2 2>"$T/w3.err" || notok "worker re-run" "$(cat "$T/w3.err")"
"$BIN/assembler" -q --spool "$S" --job "$job" -o "$T/out3.png" 2>"$T/err" ||
    notok "killed supervisor: assembler" "$(cat "$T/err")"
invariants "$S" "$T/out3.png"
if [ -z "$why" ]; then ok "killed supervisor: job complete, claims recovered, output identical"
else notok "killed supervisor: job complete, claims recovered, output identical" "$why"; fi

# 4. the same run command twice at once
S=$T/sp4
"$TS" run --keep -q -w 2 -t 32 -f "$CHAIN" --spool "$S" "$T/in.png" "$T/out4a.png" 2>"$T/ra.err" & a=$!
"$TS" run --keep -q -w 2 -t 32 -f "$CHAIN" --spool "$S" "$T/in.png" "$T/out4b.png" 2>"$T/rb.err" & b=$!
wait $a; sa=$?
wait $b; sb=$?
if [ $sa -eq 0 ] && [ $sb -eq 0 ]; then ok "the same run twice at once: both exit 0"
else notok "the same run twice at once: both exit 0" "exit $sa and $sb: $(cat "$T/ra.err" "$T/rb.err" | head -c 400)"; fi
check "the same run twice at once: first output right" cmp "$T/out4a.png" "$T/ref.png"
check "the same run twice at once: second output right" cmp "$T/out4b.png" "$T/ref.png"
invariants "$S" "$T/out4a.png"
if [ -z "$why" ]; then ok "the same run twice at once: one complete job"
else notok "the same run twice at once: one complete job" "$why"; fi
