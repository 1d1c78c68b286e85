# shellcheck shell=sh
# clean - `tilespool clean` never destroys live work: a job with a claim
# of a live worker, a splitter at work or a run holding its lock is kept
# (with a note) while finished and dead jobs go; a queued job needs
# --force; --older-than limits by age; a job a worker is processing
# survives a clean and completes; nothing is left behind in the spool.
# shellcheck source=SCRIPTDIR/lib.sh
. "$(dirname "$0")/lib.sh"

HOLD="python3 $TOP/tests/tools/spoolhold.py"
holders=""
trap 'for p in $holders; do kill "$p" 2>/dev/null; done; rm -rf "$T"' EXIT INT TERM

# exists NAME DIR / gone NAME DIR
exists() { if [ -d "$2" ]; then ok "$1"; else notok "$1" "$2 is gone"; fi; }
gone() { if [ ! -e "$2" ]; then ok "$1"; else notok "$1" "$2 is still there"; fi; }

# no_leftovers NAME - nothing but job directories in $S
no_leftovers() {
    left=$(names -a "$S" | grep -v '^[0-9]\{8\}T' | tr '\n' ' ')
    if [ -z "$left" ]; then ok "$1"; else notok "$1" "left in the spool: $left"; fi
}

cd "$T" || exit 2
mk --type rgb 96 64 in.png
mk --type rgb --seed 5 96 64 in2.png
S=$T/sp

# ---- a claim held by a live worker child ------------------------------------
job=$("$BIN/splitter" -q --spool "$S" -t 32 -f invert in.png) || notok "split" "splitter failed"
tile=$(names "$S/$job/tiles" | head -n 1)
$HOLD claim "$S/$job" "$tile" testnode hold >"$T/h1.pid" 2>"$T/h1.err" &
holders="$holders $!"
hpid=$(started "$T/h1.pid")
"$TS" clean --spool "$S" >"$T/out" 2>"$T/err"
st=$?
if [ $st -eq 0 ]; then ok "clean beside a live claim: exit 0"
else notok "clean beside a live claim: exit 0" "exit $st: $(cat "$T/err")"; fi
exists "clean beside a live claim: the job is kept" "$S/$job"
if grep -q "$job.*running.*kept" "$T/err"; then ok "clean beside a live claim: says it kept it"
else notok "clean beside a live claim: says it kept it" "$(cat "$T/err")"; fi
"$TS" clean --force --spool "$S" "$job" 2>"$T/err"
exists "clean --force: a running job is still kept" "$S/$job"
kill "$hpid" 2>/dev/null
wait "$hpid" 2>/dev/null
# its owner dead: the job is stalled, dead work, and goes
"$TS" clean --spool "$S" 2>"$T/err"
gone "clean after the owner died: the stalled job is removed" "$S/$job"
no_leftovers "clean: nothing but jobs left in the spool"

# ---- a splitter at work (the job directory's lock, no job.json) ------------
mkdir -p "$S/20261121T000000Z-split-00000000/tiles"
$HOLD lock "$S/20261121T000000Z-split-00000000" >"$T/h2.pid" 2>"$T/h2.err" &
holders="$holders $!"
hpid=$(started "$T/h2.pid")
"$TS" clean --spool "$S" 2>"$T/err"
exists "clean beside a splitter: the job being split is kept" "$S/20261121T000000Z-split-00000000"
kill "$hpid" 2>/dev/null
wait "$hpid" 2>/dev/null
"$TS" clean --spool "$S" 2>"$T/err"
gone "clean after the splitter died: the incomplete job is removed" "$S/20261121T000000Z-split-00000000"

# ---- queued work needs --force ---------------------------------------------
job=$("$BIN/splitter" -q --spool "$S" -t 32 -f invert in.png)
"$TS" clean --spool "$S" 2>"$T/err"
exists "clean: a queued job is kept" "$S/$job"
if grep -q "force" "$T/err"; then ok "clean: a kept queued job names --force"
else notok "clean: a kept queued job names --force" "$(cat "$T/err")"; fi
"$TS" clean --force --spool "$S" 2>"$T/err"
gone "clean --force: the queued job is removed" "$S/$job"

# ---- a run holding its job's lock -------------------------------------------
"$TS" run -q --keep --spool "$S" -t 32 -f invert in.png "$T/o1.png" 2>"$T/err" ||
    notok "run --keep" "$(cat "$T/err")"
job=$(ls "$S")
# shellcheck disable=SC2016  # $$ is the pid of the sh that flock starts
flock -s "$S/$job" sh -c 'echo $$ >"$1"; exec sleep 600' sh "$T/h3.pid" &
holders="$holders $! $(started "$T/h3.pid")"
"$TS" clean --spool "$S" 2>"$T/err"
exists "clean: a done job a run holds the lock of is kept" "$S/$job"
if grep -q "in use" "$T/err"; then ok "clean: says the locked job is in use"
else notok "clean: says the locked job is in use" "$(cat "$T/err")"; fi
for p in $holders; do kill "$p" 2>/dev/null; done
wait 2>/dev/null
holders=""

# ---- --older-than ---------------------------------------------------------
"$TS" clean --older-than 1h --spool "$S" 2>"$T/err"
exists "clean --older-than 1h: a new done job is kept" "$S/$job"
check_fails "clean --older-than: a bad age is a usage error" 2 "$TS" clean --older-than 3x --spool "$S"
sleep 2
"$TS" clean --older-than 1 --spool "$S" 2>"$T/err"
gone "clean --older-than 1: a done job two seconds old is removed" "$S/$job"
no_leftovers "clean --older-than: nothing but jobs left in the spool"

# ---- a job a worker is processing survives a clean and completes -----------
# one worker on a slow chain; clean as soon as a claim is seen
mk --type rgb --pattern noise 512 512 big.png
"$TS" run --keep -q -w 1 -t 64 --spool "$S" -f gaussian_blur:sigma=20,median:radius=5 \
    big.png "$T/big_out.png" >"$T/run.out" 2>"$T/run.err" &
runpid=$!
i=0 state=""
while [ $i -lt 600 ]; do
    state=$("$BIN/status" --brief --spool "$S" 2>/dev/null | awk '{print $2}')
    [ "$state" = running ] && break
    sleep 0.05; i=$((i + 1))
done
"$TS" clean --spool "$S" >"$T/out" 2>"$T/err"
cst=$?
wait "$runpid"
rst=$?
if [ "$state" = running ]; then ok "clean during a run: the job was seen running"
else notok "clean during a run: the job was seen running" "last state '$state'"; fi
if [ $cst -eq 0 ]; then ok "clean during a run: clean exits 0"
else notok "clean during a run: clean exits 0" "exit $cst: $(cat "$T/err")"; fi
if [ $rst -eq 0 ] && [ -s "$T/big_out.png" ]; then ok "clean during a run: the run completes"
else notok "clean during a run: the run completes" "exit $rst: $(head -c 300 "$T/run.err")"; fi
if ! grep -q "No such file\|ENOENT" "$T/run.err"; then ok "clean during a run: no missing-file errors"
else notok "clean during a run: no missing-file errors" "$(head -c 300 "$T/run.err")"; fi
"$TOOLS/runfilter" -f gaussian_blur:sigma=20,median:radius=5 big.png ref.png 2>"$T/err" ||
    notok "runfilter" "$(cat "$T/err")"
same_pixels "clean during a run: the output is the whole result" "$T/big_out.png" ref.png
no_leftovers "clean during a run: nothing but jobs left in the spool"

# ---- names: prefixes, ambiguity, no such job --------------------------------
"$TS" run --keep -q --spool "$S" -t 32 -f invert in.png "$T/o2.png" 2>/dev/null
"$TS" run --keep -q --spool "$S" -t 32 -f invert in2.png "$T/o3.png" 2>/dev/null
check_fails "clean: an ambiguous name is exit 2" 2 "$TS" clean --spool "$S" in
check_fails "clean: no such job is exit 3" 3 "$TS" clean --spool "$S" nothing_like_it
j2=$(names "$S" | grep -- '-in2-')
"$TS" clean --spool "$S" in2 2>"$T/err"
gone "clean PREFIX of the input's name: removes that job" "$S/$j2"
if [ "$(names "$S" | grep -c -- '-in-')" -ge 1 ]; then ok "clean PREFIX: other jobs are kept"
else notok "clean PREFIX: other jobs are kept" "$(ls "$S")"; fi

# ---- what a clean killed half-way left is removed by the next one ------------
mkdir -p "$S/.clean.999999/20261121T000000Z-x-00000000/tiles"
"$TS" clean --spool "$S" 2>"$T/err"
gone "clean: a dead clean's renamed-away jobs are removed" "$S/.clean.999999"
