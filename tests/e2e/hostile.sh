# shellcheck shell=sh
# hostile - an untrusted filter costs one clear error, never the pool, the
# host or another job.  Every module of filters/hostile/ is run the way a
# user would run it (those whose start function misbehaves, start_* and
# capped_*, in startlimits.sh):
#   * describe_garbage, describe_oob, halo_huge (and imports_host,
#     wrong_abi), and the v2_* modules whose plan or region answers are
#     unusable: the splitter refuses the chain, exit 3 (v2_plan_huge, too
#     large an image: 2), one line naming the module, no job left in the
#     spool;
#   * oob_read, oob_write, div_zero, unreachable, deep_recursion,
#     process_error, output_oversize, grow_bomb (--max-memory 64),
#     infinite_loop (--timeout 2): each tile lands in failed/ with a
#     failed/T.json whose kind and reason name the trap or limit; the
#     worker exits 1; a good job processed by the same worker invocation
#     is complete; `tilespool run` writes no output unless --allow-partial;
#   * snoop (fails a tile that finds what an earlier instance wrote in
#     its memory): every tile of a job done by one child;
#   * sometimes (traps on bright-cornered tiles): exactly the bright
#     tiles fail, every dark one is done, with -w 2 and with -w 1 (where
#     the trapping child is replaced after each trap);
#   * grow_bomb's child stays within the cap: its peak RSS (peak_rss_kb in
#     the job log, plain build) exceeds an identity child's by less than
#     --max-memory plus 4 MiB of slack, and by more than half of it (so it
#     did touch its pages);
#   * retries: a child killed with SIGKILL from outside while on a tile is
#     replaced and the tile requeued, --retries times, then the tile fails
#     with kind "signal".
# shellcheck source=SCRIPTDIR/lib.sh
. "$(dirname "$0")/lib.sh"

HOSTILE=$FILTERS/hostile
TILESPOOL_FILTER_PATH=$HOSTILE:$FILTERS
export TILESPOOL_FILTER_PATH
cd "$T" || exit 2

mk --type rgb 64 48 "$T/in.png"                       # tiles of 32: 2 x 2
mk --type gray --pattern checker 64 64 "$T/chk.png"   # 16-pixel squares, white at (0,0)

# ---- refused at split time ---------------------------------------------------

split_refused describe_garbage "not a JSON object"
split_refused describe_oob "outside its memory"
split_refused halo_huge "halo 100000"
split_refused imports_host "import"
split_refused wrong_abi "ABI version 3, this host speaks 1 and 2"

# ABI v2 modules whose plan or region answers cannot be used: refused when
# the splitter plans the job (test_exec checks the same in one process)
split_refused v2_region_lies "inconsistent answers"
split_refused v2_plan_absurd "not a usable image"
split_refused v2_region_huge "out of range"
split_refused v2_region_outside "outside its"
rm -rf "$T/sp"
check_fails "v2_plan_huge: splitter exits 2 (usage), one line" 2 \
    "$BIN/splitter" -q --spool "$T/sp" -f v2_plan_huge -o "$T/out.png" "$T/in.png"
check "v2_plan_huge: the message names the module and the pixel limit" \
    grep -q "v2_plan_huge.*pixels allowed" "$T/.err"
# v2_region_parity is wrong at odd x only: tiles of 5 have some
rm -rf "$T/sp"
check_fails "v2_region_parity, tiles of 5: splitter exits 3, one line" 3 \
    "$BIN/splitter" -q --spool "$T/sp" -t 5 -f v2_region_parity -o "$T/out.png" "$T/in.png"
check "v2_region_parity: the message names the module and the empty rectangle" \
    grep -q "v2_region_parity.*empty" "$T/.err"

# ---- failed per tile --------------------------------------------------------

# tile_fails MODULE KIND REASON [WORKER OPTIONS...] - split MODULE's job
# (4 tiles) and a good job into one spool, run one worker on both: it
# exits 1, names each failed tile on stderr, every tile of MODULE's job is
# in failed/ with KIND and REASON in its json, and the good job is done.
tile_fails() {
    mod=$1 kind=$2 reason=$3
    shift 3
    SP=$T/sp_$mod
    rm -rf "$SP"
    bad=$("$BIN/splitter" -q --spool "$SP" -t 32 -f "$mod" -o "$T/o.png" "$T/in.png" 2>"$T/err")
    good=$("$BIN/splitter" -q --spool "$SP" -t 32 -f invert -o "$T/o.png" "$T/chk.png" 2>>"$T/err")
    if [ -z "$bad" ] || [ -z "$good" ]; then
        notok "$mod: split" "$(cat "$T/err")"
        return
    fi
    timeout 120 "$BIN/worker" -q --spool "$SP" -w 2 "$@" >"$T/out" 2>"$T/err"
    is "$mod: worker exits 1" "$?" 1
    BJ=$SP/$bad
    nfail=$(names "$BJ/failed" | grep -c '\.json$')
    is "$mod: all 4 tiles failed" "$nfail" 4
    is "$mod: none published" "$(names "$BJ/out" | grep -c .)" 0
    bad_json=""
    for j in "$BJ"/failed/*.json; do
        [ -f "$j" ] || continue
        k=$(field "$j" kind) r=$(field "$j" reason) t=$(field "$j" tile)
        if [ "$k" != "$kind" ] || ! echo "$r" | grep -qF -- "$reason"; then
            bad_json="$bad_json $(basename "$j"): kind '$k' reason '$r';"
        fi
        grep -qF "tile $t: " "$T/err" || bad_json="$bad_json $t not named on stderr;"
    done
    if [ -z "$bad_json" ]; then ok "$mod: failed/*.json: kind $kind, reason names '$reason'"
    else notok "$mod: failed/*.json: kind $kind, reason names '$reason'" "$bad_json"; fi
    is "$mod: the good job in the same run is complete" "$(names "$SP/$good/out" | grep -c .)" 4
    is "$mod: nothing left claimed" "$(find "$BJ/claimed" "$SP/$good/claimed" -type f | grep -c .)" 0
}

tile_fails oob_read trap "Out-of-bounds access in linear memory"
tile_fails oob_write trap "Out-of-bounds access in linear memory"
tile_fails div_zero trap "Integer divide by zero"
tile_fails unreachable trap "Unreachable instruction executed"
tile_fails deep_recursion trap "Call stack exhausted"
tile_fails process_error error "error code 7"
tile_fails output_oversize error "past the end of its output buffer"
tile_fails grow_bomb limit "memory limit of 64 MiB" --max-memory 64
tile_fails infinite_loop timeout "timeout" --timeout 2
for j in "$T/sp_infinite_loop/$bad/failed"/*.json; do break; done
is "infinite_loop: failed at the first timeout" "$(sed -n 's/.*"attempts":[[:space:]]*\([0-9]*\).*/\1/p' "$j")" 1
if grep -q " peak_rss_kb=[0-9]* timeout\$" "$T/sp_infinite_loop/$bad/log"; then
    ok "infinite_loop: the supervisor logs the timeout with the child's peak RSS"
else
    notok "infinite_loop: the supervisor logs the timeout with the child's peak RSS" \
        "$(cat "$T/sp_infinite_loop/$bad/log")"
fi

# the driver: no output file, unless --allow-partial
for mod in unreachable process_error; do
    rm -rf "$T/sp" "$T/o.png"
    "$TS" run --keep -q --spool "$T/sp" -t 32 -w 2 -f "$mod" "$T/in.png" "$T/o.png" 2>"$T/err"
    st=$?
    if [ "$st" -eq 1 ] && [ ! -e "$T/o.png" ]; then ok "tilespool run -f $mod: exit 1, no output"
    else notok "tilespool run -f $mod: exit 1, no output" "exit $st, $(ls "$T/o.png" 2>&1)"; fi
done
"$TS" run --keep -q --spool "$T/sp" -t 32 -w 2 -f process_error --allow-partial "$T/in.png" \
    "$T/o.png" 2>"$T/err"
st=$?
if [ "$st" -eq 1 ] && [ -f "$T/o.png" ]; then ok "--allow-partial: exit 1, output written"
else notok "--allow-partial: exit 1, output written" "exit $st: $(tail -n 2 "$T/err")"; fi

# ---- a job mixing good and bad tiles ------------------------------------------

# On the checker image with tiles of 16, tile (r, c) starts white (255)
# when r + c is even: sometimes traps on those 8 and inverts the other 8.
echo "r0c0 r0c2 r1c1 r1c3 r2c0 r2c2 r3c1 r3c3" | tr ' ' '\n' | sed 's/$/.pgm/' >"$T/bright"
for w in 2 1; do
    SP=$T/sp_mixed_$w
    job=$("$BIN/splitter" -q --spool "$SP" -t 16 -f sometimes -o "$T/o.png" "$T/chk.png")
    timeout 120 "$BIN/worker" -q --spool "$SP" -w "$w" 2>"$T/err"
    is "sometimes -w $w: worker exits 1" "$?" 1
    names "$SP/$job/failed" | grep -v '\.json$' >"$T/failed"
    if cmp -s "$T/failed" "$T/bright"; then ok "sometimes -w $w: exactly the bright tiles failed"
    else notok "sometimes -w $w: exactly the bright tiles failed" "$(tr '\n' ' ' <"$T/failed")"; fi
    is "sometimes -w $w: the 8 dark tiles are done" "$(names "$SP/$job/out" | grep -c .)" 8
    is "sometimes -w $w: 8 ok lines in the log" "$(grep -c ' ok$' "$SP/$job/log")" 8
    # each trap ends its child: 8 traps need at least 8 processes
    pids=$(sed -n 's/.* pid=\([0-9]*\) .*/\1/p' "$SP/$job/log" | sort -u | grep -c .)
    if [ "$pids" -ge 8 ]; then ok "sometimes -w $w: trapping children were replaced ($pids pids)"
    else notok "sometimes -w $w: trapping children were replaced" "$pids pids"; fi
done

# ---- no instance sees an earlier one's memory ---------------------------------

# snoop fails a tile when its memory holds the mark an earlier instance of
# it left (in its static data and in pages it grew): one child takes all
# 64 tiles, reusing memories between them.
SP=$T/sp_snoop
job=$("$BIN/splitter" -q --spool "$SP" -t 16 -f snoop -o "$T/o.png" "$T/chk.png")
timeout 120 "$BIN/worker" -q --spool "$SP" -w 1 2>"$T/err"
is "snoop -w 1: worker exits 0" "$?" 0
is "snoop -w 1: no tile saw an earlier tile's memory (16 done)" \
    "$(names "$SP/$job/out" | grep -c .)" 16
is "snoop -w 1: one child settled them all" \
    "$(sed -n 's/.* pid=\([0-9]*\) .*/\1/p' "$SP/$job/log" | sort -u | grep -c .)" 1

# ---- the memory cap bounds the child's RSS -----------------------------------

# Measured on the plain build, as memory.sh does: ASan's shadow memory
# inflates RSS by an eighth of the memory instrumented code has touched.
# Each job gets a fresh child (its own worker run), so neither figure
# carries the other's history.
SP=$T/sp_rss
base=$("$PLAIN/splitter" -q --spool "$SP" -t 64 -f identity -o "$T/o.png" "$T/in.png")
bomb=$("$PLAIN/splitter" -q --spool "$SP" -t 64 -f grow_bomb -o "$T/o.png" "$T/in.png")
"$PLAIN/worker" -q --spool "$SP" -w 1 --max-memory 64 --job "$base" 2>"$T/err"
"$PLAIN/worker" -q --spool "$SP" -w 1 --max-memory 64 --job "$bomb" 2>>"$T/err"
base_kb=$(log_rss "$SP/$base" r0c0.ppm)
bomb_kb=$(log_rss "$SP/$bomb" r0c0.ppm)
case "$base_kb:$bomb_kb" in
*[!0-9:]* | :* | *:) notok "grow_bomb peak RSS recorded" "identity '$base_kb' grow_bomb '$bomb_kb'" ;;
*)
    ok "grow_bomb peak RSS recorded: $bomb_kb KiB (an identity child: $base_kb KiB)"
    grown=$((bomb_kb - base_kb))
    # the bomb really touched its memory (else the bound below says nothing) ...
    if [ "$grown" -gt $((32 * 1024)) ]; then ok "grow_bomb touched its pages (+$grown KiB)"
    else notok "grow_bomb touched its pages" "+$grown KiB"; fi
    # ... and stayed within the 64 MiB cap (the slack: the bomb's tile and
    # the allocator's noise; uncapped it would reach 4 GiB)
    if [ "$grown" -lt $((68 * 1024)) ]; then ok "grow_bomb child: +$grown KiB < 64 MiB cap + 4 MiB"
    else notok "grow_bomb child within the 64 MiB cap + 4 MiB" "+$grown KiB"; fi ;;
esac

# ---- retries: a child killed from outside -----------------------------------

# wait_claim JOBDIR NOTPID - print the pid of the child holding a claim in
# JOBDIR other than NOTPID (claims are T@node.pid); fail after ~30 s.
wait_claim() {
    n=0
    while [ $n -lt 300 ]; do
        p=$(names "$1/claimed" | sed -n 's/.*\.\([0-9][0-9]*\)$/\1/p' | head -n 1)
        if [ -n "$p" ] && [ "$p" != "$2" ]; then echo "$p"; return 0; fi
        sleep 0.1
        n=$((n + 1))
    done
    return 1
}

SP=$T/sp_retry
job=$("$BIN/splitter" -q --spool "$SP" -t 64 -f infinite_loop -o "$T/o.png" "$T/in.png")
JD=$SP/$job
"$BIN/worker" -q --spool "$SP" -w 1 --timeout 300 --retries 2 2>"$T/err" &
wpid=$!
last="" killed=0
for _ in 1 2 3; do
    if pid=$(wait_claim "$JD" "$last"); then
        kill -9 "$pid" && killed=$((killed + 1))
        last=$pid
    fi
done
is "retries: a child on the tile was killed 3 times" "$killed" 3
n=0
while kill -0 "$wpid" 2>/dev/null && [ $n -lt 300 ]; do sleep 0.1; n=$((n + 1)); done
if kill -0 "$wpid" 2>/dev/null; then
    kill "$wpid"
    notok "retries: the worker ends after the last attempt" "still running"
else
    wait "$wpid"
    is "retries: the worker ends after the last attempt, exit 1" "$?" 1
fi
j=$JD/failed/r0c0.ppm.json
is "retries: kind signal" "$(field "$j" kind 2>/dev/null)" signal
if field "$j" reason | grep -q "signal 9"; then ok "retries: the reason names signal 9"
else notok "retries: the reason names signal 9" "$(field "$j" reason)"; fi
is "retries: 3 attempts" "$(sed -n 's/.*"attempts":[[:space:]]*\([0-9]*\).*/\1/p' "$j")" 3
is "retries: 2 requeues said on stderr" "$(grep -c 'requeued' "$T/err")" 2
if grep -q "^r0c0.ppm pid=$last .* peak_rss_kb=[0-9]* signal\$" "$JD/log"; then
    ok "retries: the log line names the last child, with its peak RSS"
else
    notok "retries: the log line names the last child, with its peak RSS" "$(cat "$JD/log")"
fi
