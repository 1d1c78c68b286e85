# shellcheck shell=sh
# crash_random - kill -9 at random moments: each trial runs the whole
# `tilespool run` command, picks a victim (the splitter, the worker
# supervisor, one worker child or the assembler) and a random point in
# that program's work, kills it there with SIGKILL, then re-runs the same
# command and checks the job as crash_sweep does (one job directory, every
# tile once in out/ and done/ with the clean run's bytes, nothing in
# tiles/, claimed/, failed/ or tmp/, the output byte-identical to a clean
# run's, no temporary beside it).  A killed supervisor must take its
# children with it (they must be gone within 5 s, before the re-run).
#
#   TILESPOOL_CRASH_TRIALS=N   trials (default 12; `make crashtest` 1000)
#   TILESPOOL_CRASH_SEED=S     the random choices (printed; default random)
#   TILESPOOL_CRASH_KEEP=1     keep the spool of a failed trial in $TMPDIR
#
# The random point is a fraction f of the victim's work, watched as it
# goes, so that it means the same on a fast machine and on a loaded one
# under ASan: the splitter is killed once f of the tiles are in tiles/,
# the supervisor or a child once f of them are in out/, the assembler once
# its temporary output has f of the clean output's size (f = 0: as soon as
# it has started).  The image is large enough (300 tiles) that each
# program runs for a measurable time.  A victim that ends before its point
# is a "miss": the trial still checks the run, and the summary counts it.
# shellcheck source=SCRIPTDIR/lib.sh
. "$(dirname "$0")/lib.sh"
# shellcheck source=SCRIPTDIR/crash/check.sh
. "$(dirname "$0")/crash/check.sh"

TRIALS=${TILESPOOL_CRASH_TRIALS:-12}
SEED=${TILESPOOL_CRASH_SEED:-$(od -An -N4 -tu4 /dev/urandom | tr -d ' ')}
CHAIN=gaussian_blur,invert
ARGS="-w 2 -t 64 -f $CHAIN"
echo "# crash_random: $TRIALS trials, seed $SEED (TILESPOOL_CRASH_SEED=$SEED repeats the choices)"

mk --type rgb 1280 960 "$T/in.png"
# shellcheck disable=SC2086  # $ARGS is a list of options
crash_reference "$T/ref" "$T/ref.png" $ARGS

W=$T/wbin
make_wrappers "$W"
export TILESPOOL_PIDS="$T/pids"

REF_SIZE=$(wc -c <"$REF_OUT")

# progress VICTIM - how far the victim is, in per mille of its work.
progress() {
    case $1 in
    splitter) pg_n=$(nmatch "$s"/*/tiles/*.ppm); pg_of=$NTILES ;;
    supervisor|child) pg_n=$(nmatch "$s"/*/out/*.ppm); pg_of=$NTILES ;;
    assembler)
        pg_n=$(stat -c %s "$T"/.out.png.tmp@* 2>/dev/null | head -n 1); pg_of=$REF_SIZE ;;
    esac
    pg_n=${pg_n:-0}
    echo $((pg_n * 1000 / pg_of))
}

# The random choices of every trial: victim index, and the point of the
# kill in per mille of the victim's work.  A MINSTD generator, exact in
# any awk's doubles, so a seed gives the same plan everywhere (mawk's
# srand() does poorly with large seeds).
awk -v seed="$SEED" -v n="$TRIALS" 'function r() { x = (x * 48271) % 2147483647; return x / 2147483647 }
    BEGIN { x = seed % 2147483646 + 1
        for (i = 0; i < n; i++) { v = int(r() * 4); print v, int(r() * 1000) } }' >"$T/plan"

killed=0 missed=0 failures=0 k=0
n_splitter=0 n_supervisor=0 n_child=0 n_assembler=0
while read -r v permille; do
    k=$((k + 1))
    case $v in
    0) victim=splitter prog=splitter ;;
    1) victim=supervisor prog=worker ;;
    2) victim=child prog=worker ;;
    *) victim=assembler prog=assembler ;;
    esac
    s=$T/sp out=$T/out.png
    rm -rf "$s" "$out" "$T/pids"
    mkdir -p "$T/pids"
    # shellcheck disable=SC2086  # $ARGS is a list of options
    "$W/tilespool" run --keep -q $ARGS --spool "$s" "$T/in.png" "$out" >/dev/null 2>"$T/crash.err" &
    drv=$!
    # wait for the victim's program to start (or the run to end)
    while [ ! -s "$T/pids/$prog" ] && kill -0 $drv 2>/dev/null; do sleep 0.005; done
    pid=$(cat "$T/pids/$prog" 2>/dev/null)
    what="" children=""
    if [ -n "$pid" ]; then
        # then for its work to reach the point
        while alive "$pid" && [ "$(progress $victim)" -lt "$permille" ]; do sleep 0.005; done
        at=$(progress $victim)
        if [ $victim = child ]; then
            pid=$(ps -o pid= --ppid "$pid" 2>/dev/null | awk 'NR == 1 { print $1 }')
        fi
        [ $victim = supervisor ] && children=$(ps -o pid= --ppid "$pid" 2>/dev/null | tr '\n' ' ')
        if [ -n "$pid" ] && alive "$pid" && kill -9 "$pid" 2>/dev/null; then
            what="kill -9 $victim at $((at / 10)).$((at % 10))% (aimed at $((permille / 10)).$((permille % 10))%)"
            killed=$((killed + 1))
            eval "n_$victim=\$((n_$victim + 1))"
        fi
    fi
    wait $drv
    st=$?
    if [ -z "$what" ]; then
        what="$victim missed (ended before $((permille / 10)).$((permille % 10))%)"
        missed=$((missed + 1))
    fi
    why=""
    # children of a killed supervisor die with it: wait for them before
    # the re-run, as a user re-running after a crash would
    # shellcheck disable=SC2086  # one argument per pid
    if [ -n "$children" ] && ! wait_gone $children; then
        why="children of the killed supervisor still alive after 5 s:$children"
        for c in $children; do alive "$c" && kill -9 "$c"; done
    fi
    if [ -z "$why" ]; then
        # shellcheck disable=SC2086  # $ARGS is a list of options
        "$TS" run --keep -q $ARGS --spool "$s" "$T/in.png" "$out" >/dev/null 2>"$T/rerun.err"
        rst=$?
        if [ $rst -ne 0 ]; then
            why="re-run exited $rst: $(head -c 300 "$T/rerun.err" | tr '\n' ' ')"
        else
            invariants "$s" "$out"
        fi
    fi
    if [ -z "$why" ]; then
        ok "trial $k: $what (run exit $st), re-run complete and identical"
    else
        notok "trial $k: $what (run exit $st)" "$why"
        echo "#   run's stderr: $(head -c 300 "$T/crash.err" | tr '\n' ' ')"
        failures=$((failures + 1))
        if [ "${TILESPOOL_CRASH_KEEP:-0}" = 1 ]; then
            cp -r "$s" "${TMPDIR:-/tmp}/tilespool-crash-failed.$SEED.$k" &&
                echo "# spool kept in ${TMPDIR:-/tmp}/tilespool-crash-failed.$SEED.$k"
        fi
    fi
done <"$T/plan"

summary="$TRIALS trials (seed $SEED): $killed kills (splitter $n_splitter, supervisor $n_supervisor, child $n_child, assembler $n_assembler), $missed missed, $failures failed"
echo "# $summary"
if [ $failures -eq 0 ] && [ $killed -gt 0 ]; then ok "crash_random: $summary"
else notok "crash_random" "$summary"; fi
