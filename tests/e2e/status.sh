# shellcheck shell=sh
# status - `tilespool status` on real spools: a job half-way with one claim
# held by a live process and one left by a dead one (alive/dead told by
# the claim's flock, owner node and pid from its name), a job whose bright
# tiles failed in a hostile filter (each with its reason), a job being
# split, an incomplete split, a damaged job.json; the same through --json,
# parsed and checked field by field; an empty and a missing spool; and
# snapshots taken while a worker runs, each consistent (the four counts add
# up to the total, nothing on stderr), ending with the job done.
# shellcheck source=SCRIPTDIR/lib.sh
. "$(dirname "$0")/lib.sh"

TILESPOOL_FILTER_PATH=$FILTERS/hostile:$FILTERS
TILESPOOL_NODE=testnode
export TILESPOOL_FILTER_PATH TILESPOOL_NODE
cd "$T" || exit 2
SP=$T/sp
HOLD="python3 $TOP/tests/tools/spoolhold.py"
holders=""
trap 'for p in $holders; do kill "$p" 2>/dev/null; done; rm -rf "$T"' EXIT INT TERM

# json_check NAME PYTHON - run PYTHON with v = the parsed $T/s.json.
json_check() {
    if python3 -c "import json, sys
v = json.load(open(sys.argv[1]))
$2" "$T/s.json" >"$T/py.err" 2>&1; then ok "$1"
    else notok "$1" "$(tail -n 3 "$T/py.err" | tr '\n' ' ')"; fi
}

# ---- empty and missing spools, usage -----------------------------------------

mkdir "$T/empty"
out=$("$TS" status --spool "$T/empty" 2>"$T/err")
st=$?
if [ $st -eq 0 ] && [ "$out" = "$T/empty: no jobs" ] && [ ! -s "$T/err" ]; then
    ok "empty spool: exit 0, '<spool>: no jobs'"
else notok "empty spool: exit 0, '<spool>: no jobs'" "exit $st: $out $(cat "$T/err")"; fi
"$TS" status --spool "$T/empty" --json >"$T/s.json" 2>"$T/err"
is "empty spool --json: exit 0" "$?" 0
json_check "empty spool --json: version 1, no jobs, zero totals" '
assert v["format"] == "tilespool-status" and v["version"] == 1, v
assert v["jobs"] == [] and v["totals"]["jobs"] == 0 and v["totals"]["tiles"] == 0, v'
check_fails "missing spool: exit 4, one line" 4 "$TS" status --spool "$T/nowhere"
if grep -qF "$T/nowhere: no such spool directory" "$T/.err"; then ok "missing spool: named"
else notok "missing spool: named" "$(cat "$T/.err")"; fi
check_fails "bad option: exit 2, one line" 2 "$TS" status --bogus
check_fails "bad job id: exit 2" 2 "$TS" status --spool "$T/empty" "../x"
check_fails "no such job: exit 3" 3 "$TS" status --spool "$T/empty" 20261121T000000Z-x-00000000

# ---- jobs in every state -------------------------------------------------------

# Checker image, tiles of 16: 4 x 3 tiles, white at the top left of tile
# (r, c) when r + c is even; `sometimes` traps there and inverts the rest.
mk --type gray --pattern checker 64 48 "$T/chk.png"
failjob=$("$BIN/splitter" -q --spool "$SP" -t 16 -f sometimes -o "$T/f.png" "$T/chk.png")
"$BIN/worker" -q --spool "$SP" -w 2 --job "$failjob" 2>"$T/err"
is "sometimes: worker exits 1 (tiles failed)" "$?" 1
sleep 1   # job ids carry the creation second: keep the listing order certain
claimjob=$("$BIN/splitter" -q --spool "$SP" -t 16 -f invert -o "$T/c.png" "$T/chk.png")
{ [ -n "$failjob" ] && [ -n "$claimjob" ]; } || { notok "split" "$(cat "$T/err")"; exit 1; }

# A claim held by a live process (r0c1) and one whose owner died (r2c3).
$HOLD claim "$SP/$claimjob" r0c1.pgm testnode hold >"$T/live.pid" 2>"$T/hold.err" &
holders="$holders $!"
live=$(started "$T/live.pid")
dead=$($HOLD claim "$SP/$claimjob" r2c3.pgm testnode exit 2>>"$T/hold.err")
{ [ -n "$live" ] && [ -n "$dead" ]; } || { notok "helpers took their claims" "$(cat "$T/hold.err")"; exit 1; }

# A split at work (its lock held) and one whose splitter died; their ids
# sort after every job made now, as ids made later will.
mkdir -p "$SP/20991231T235900Z-busy-0000000a/tiles" "$SP/20991231T235901Z-gone-0000000b/tiles"
$HOLD lock "$SP/20991231T235900Z-busy-0000000a" >"$T/lock.pid" &
holders="$holders $!"
started "$T/lock.pid" >/dev/null
# A directory that is no job: neither job.json nor tiles/.
mkdir -p "$SP/notes"
# A damaged manifest.
mkdir -p "$SP/20991231T235902Z-bad-0000000c/tiles"
echo '{"format": "tilespool-job", "version": 1' >"$SP/20991231T235902Z-bad-0000000c/job.json"

"$TS" status --spool "$SP" >"$T/s.txt" 2>"$T/err"
st=$?
is "status with a damaged job: exit 3" "$st" 3
cp "$T/s.txt" "$T/status-example.txt"

# job_fields ID - the job's line: JOB STATE WAIT CLAIM DONE FAIL TOTAL AGE SOURCE CHAIN
job_fields() { grep "^$1 " "$T/s.txt" | awk '{ print $2, $3, $4, $5, $6, $7, $9, $10 }'; }
is "failed job: state, 0 waiting 0 claimed 6 done 6 failed of 12, source, chain" \
    "$(job_fields "$failjob")" "failed 0 0 6 6 12 chk.png sometimes"
is "half-way job: running, 10 waiting, 2 claimed, 0 done, 0 failed of 12" \
    "$(job_fields "$claimjob")" "running 10 2 0 0 12 chk.png invert"
is "split at work: splitting" "$(job_fields 20991231T235900Z-busy-0000000a | cut -d' ' -f1)" splitting
is "dead split: incomplete" "$(job_fields 20991231T235901Z-gone-0000000b | cut -d' ' -f1)" incomplete
is "damaged job.json: invalid" "$(job_fields 20991231T235902Z-bad-0000000c | cut -d' ' -f1)" invalid
if grep -A1 '^20991231T235902Z-bad-0000000c ' "$T/s.txt" | grep -q '^    error .*job.json'; then
    ok "damaged job.json: an error line names job.json"
else notok "damaged job.json: an error line names job.json" "$(cat "$T/s.txt")"; fi

if grep -Eq "^    claim +r0c1\.pgm +testnode\.$live alive " "$T/s.txt" &&
    grep -Eq "^    claim +r2c3\.pgm +testnode\.$dead dead " "$T/s.txt"; then
    ok "claims: owner node.pid, alive by its lock, dead when its lock is free"
else notok "claims: owner node.pid, alive/dead" "$(grep claim "$T/s.txt" | tr '\n' ' ')"; fi
nf=$(grep -Ec '^    failed +r[0-9]c[0-9]\.pgm +trap: .*Unreachable instruction executed' "$T/s.txt")
is "failed tiles: 6 lines with kind and reason" "$nf" 6
bright=""
for r in 0 1 2; do for c in 0 1 2 3; do
    [ $(((r + c) % 2)) -eq 0 ] && bright="$bright r${r}c$c.pgm"
done; done
got=$(sed -n 's/^    failed  *\(r[0-9]c[0-9]\.pgm\) .*/\1/p' "$T/s.txt" | tr '\n' ' ')
is "failed tiles: exactly the bright ones" "$got" "${bright# } "
order=$(awk '/^[0-9]+T[0-9]+Z-/ { print $1 }' "$T/s.txt" | tr '\n' ' ')
is "a directory that is no job: not listed" "$(grep -c '^notes ' "$T/s.txt")" 0
is "jobs listed oldest first" "$order" \
    "$failjob $claimjob 20991231T235900Z-busy-0000000a 20991231T235901Z-gone-0000000b 20991231T235902Z-bad-0000000c "
is "closing total" "$(tail -n 1 "$T/s.txt")" \
    "-- 5 jobs, 24 tiles: 10 waiting, 2 claimed, 6 done, 6 failed"

"$TS" status --spool "$SP" --json >"$T/s.json" 2>"$T/err"
is "--json with a damaged job: exit 3" "$?" 3
cp "$T/s.json" "$T/status-example.json"
json_check "--json: format, version, every job in order" "
ids = [j['job'] for j in v['jobs']]
assert ids == '$order'.split(), ids
assert v['format'] == 'tilespool-status' and v['version'] == 1"
json_check "--json: the failed job's counts, chain and failures" "
j = v['jobs'][0]
assert j['state'] == 'failed', j['state']
t = j['tiles']
assert (t['total'], t['waiting'], t['claimed'], t['done'], t['failed']) == (12, 0, 0, 6, 6), t
assert (t['cols'], t['rows'], t['size']) == (4, 3, 16), t
assert j['chain_text'] == 'sometimes' and j['chain'][0]['name'] == 'sometimes', j['chain']
assert j['source']['path'] == '$T/chk.png' and j['source']['width'] == 64, j['source']
assert sorted(f['tile'] for f in j['failures']) == '$bright'.split(), j['failures']
for f in j['failures']:
    assert f['kind'] == 'trap' and 'Unreachable' in f['reason'] and f['attempts'] == 1, f
assert j['claims'] == []"
json_check "--json: claims with node, pid, alive, age" "
j = v['jobs'][1]
assert j['state'] == 'running' and j['tiles']['claimed'] == 2 and j['tiles']['waiting'] == 10, j
c = {x['tile']: x for x in j['claims']}
assert c['r0c1.pgm']['alive'] is True and c['r0c1.pgm']['pid'] == $live, c
assert c['r2c3.pgm']['alive'] is False and c['r2c3.pgm']['pid'] == $dead, c
assert all(x['node'] == 'testnode' and x['age_s'] >= 0 for x in c.values()), c"
json_check "--json: splitting, incomplete, invalid (with its error)" "
s = [(j['state'], 'tiles' in j) for j in v['jobs'][2:]]
assert s == [('splitting', False), ('incomplete', False), ('invalid', False)], s
assert 'job.json' in v['jobs'][4]['error'], v['jobs'][4]"
json_check "--json: totals" "
assert v['totals'] == {'jobs': 5, 'tiles': 24, 'waiting': 10, 'claimed': 2, 'done': 6, 'failed': 6}, v['totals']"

# Only the jobs named; the live owner gone: stalled.
for p in $holders; do kill "$p" 2>/dev/null; wait "$p" 2>/dev/null; done
holders=""
"$TS" status --spool "$SP" "$claimjob" >"$T/s.txt" 2>"$T/err"
is "status JOB: exit 0" "$?" 0
is "status JOB: only that job" "$(grep -c '^2026' "$T/s.txt")" 1
is "owner killed: stalled" "$(job_fields "$claimjob" | cut -d' ' -f1)" stalled
is "owner killed: both claims dead" "$(grep -c '^    claim .* dead ' "$T/s.txt")" 2

# A worker recovers the dead claims and finishes the job.
"$BIN/worker" -q --spool "$SP" -w 2 --job "$claimjob" 2>"$T/err"
is "worker after the dead claims: exit 0" "$?" 0
"$TS" status --spool "$SP" "$claimjob" >"$T/s.txt" 2>"$T/err"
is "recovered job: done, 12 of 12" "$(job_fields "$claimjob")" "done 0 0 12 0 12 chk.png invert"

# ---- snapshots while a worker runs ---------------------------------------------

rm -rf "$SP"
mk --type rgb 960 640 "$T/big.png"
big=$("$BIN/splitter" -q --spool "$SP" -t 16 -f gaussian_blur:sigma=2 -o "$T/b.png" "$T/big.png")
"$BIN/worker" -q --spool "$SP" -w 2 --job "$big" 2>"$T/werr" &
wpid=$!
n=0 bad="" running=0
while kill -0 $wpid 2>/dev/null || [ $n -eq 0 ]; do
    n=$((n + 1))
    "$TS" status --spool "$SP" --json >"$T/s.json" 2>"$T/err"
    st=$?
    [ $st -eq 0 ] && [ ! -s "$T/err" ] || bad="$bad snapshot $n: exit $st $(cat "$T/err");"
    python3 -c 'import json, sys
j = json.load(open(sys.argv[1]))["jobs"][0]
t = j["tiles"]
assert t["waiting"] + t["claimed"] + t["done"] + t["failed"] == t["total"] == 2400, t
assert len(j["claims"]) == t["claimed"], j
assert all(c["pid"] > 0 and c["node"] == "testnode" for c in j["claims"]), j
print(j["state"])' "$T/s.json" >"$T/state" 2>"$T/py.err" || bad="$bad snapshot $n: $(tail -n 1 "$T/py.err");"
    [ "$(cat "$T/state")" = running ] && running=$((running + 1))
done
wait $wpid
is "worker beside the snapshots: exit 0" "$?" 0
if [ -z "$bad" ]; then ok "$n snapshots during the run: each consistent ($running of them running)"
else notok "snapshots during the run" "$bad"; fi
"$TS" status --spool "$SP" >"$T/s.txt" 2>"$T/err"
is "after the run: done, 2400 of 2400" "$(job_fields "$big" | cut -d" " -f1-6)" "done 0 0 2400 0 2400"

# ---- a chain with a global filter: the two passes ------------------------------

rm -rf "$SP"
mk --type rgb 96 64 "$T/g.png"
mk --type rgb --seed 7 80 60 "$T/gref.png"
gj=$("$BIN/splitter" -q --spool "$SP" -t 32 -f "box_blur,histogram_match:reference=$T/gref.png" \
    -o "$T/g-out.png" "$T/g.png")
"$TS" status --spool "$SP" >"$T/s.txt" 2>"$T/err"
is "global chain, split: pass 1, 0 of 6 tiles analyzed" \
    "$(grep -A1 "^$gj " "$T/s.txt" | sed -n 2p)" "    pass 1  0/6 tiles analyzed for histogram_match"
"$TS" status --spool "$SP" --json >"$T/s.json" 2>"$T/err"
json_check "--json, global chain before pass 1: stage, analyzed, merged, reference" "
j = v['jobs'][0]
assert j['global'] == {'stage': 1, 'analyzed': 0, 'merged': False}, j['global']
assert j['chain'][1]['reference'] == '$T/gref.png', j['chain'][1]
assert 'reference' not in j['chain'][0] and 'global' in j, j"
"$BIN/worker" -q --spool "$SP" -w 2 --job "$gj" 2>"$T/werr"
"$TS" status --spool "$SP" --json >"$T/s.json" 2>"$T/err"
json_check "--json, global chain done: every tile analyzed, merged" "
j = v['jobs'][0]
assert j['state'] == 'done' and j['global'] == {'stage': 1, 'analyzed': 6, 'merged': True}, j"
"$TS" status --spool "$SP" >"$T/s.txt" 2>"$T/err"
is "global chain done: no pass line" "$(grep -c '^    pass ' "$T/s.txt")" 0
