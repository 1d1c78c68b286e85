# shellcheck shell=sh
# crash_sweep - crash each program at every spool operation in turn, as
# database engines are tested: for N = 1, 2, 3, ... run the whole
# `tilespool run` command with TILESPOOL_CRASH_AT=N aimed at one process
# (TILESPOOL_CRASH_IN: splitter, worker = the supervisor, worker-child,
# assembler; TILESPOOL_CRASH_ONCE so exactly one process dies), re-run the
# same command without it, and check the job: one job directory, every
# tile once in out/ and done/ with the clean run's bytes, nothing in
# tiles/, claimed/, failed/ or tmp/, the output byte-identical to a clean
# run's and no temporary beside it.  The sweep of a program ends at the
# first N it survives.  One ok line per (program, N).
#
# The supervisor does spool operations only when it recovers, so its sweep
# starts from a split job with recovery to do: claims of a dead worker (some
# with their out/ tile written), and partial files of dead writers in tmp/.
# Each sweep also runs with --durable, whose fsyncs are spool operations
# too: for the splitter and the child every 5th operation by default,
# every one with TILESPOOL_CRASH_SWEEP_FULL=1 (371 crash points in all
# then, about 2 minutes under ASan).  Children are swept with -w 1, so
# that operation N is the same one in every run.  The same sweeps then
# run on a chain with a global stage (two passes, a merge, a reference).
# shellcheck source=SCRIPTDIR/lib.sh
. "$(dirname "$0")/lib.sh"
# shellcheck source=SCRIPTDIR/crash/check.sh
. "$(dirname "$0")/crash/check.sh"

CHAIN=gaussian_blur,invert
mk --type rgb 120 80 "$T/in.png"
crash_reference "$T/ref" "$T/ref.png" -w 2 -t 32 -f "$CHAIN"
MAX=${TILESPOOL_CRASH_SWEEP_MAX:-400}    # a program doing more than this is a bug

# dead_pid - the pid of a process that has exited.
dead_pid() { sh -c 'echo $$'; }

# plant_recovery S - split the job into S, then leave what a dead worker
# leaves: three claims (two of them with out/ written) and two partial
# files in tmp/.
plant_recovery() {
    pr_s=$1
    pr_job=$("$BIN/splitter" -q --spool "$pr_s" -t 32 -f "$CHAIN" "$T/in.png") || return 1
    pr_jd=$pr_s/$pr_job
    pr_dp=$(dead_pid)
    pr_k=0
    for pr_t in $(names "$pr_jd/tiles" | sed -n '2p;5p;9p'); do
        mv "$pr_jd/tiles/$pr_t" "$pr_jd/claimed/$pr_t@crashnode.$pr_dp" || return 1
        pr_k=$((pr_k + 1))
        [ $pr_k -le 2 ] && cp "$REF_TILES/$pr_t" "$pr_jd/out/$pr_t"
    done
    pr_t=$(names "$pr_jd/tiles" | sed -n 1p)
    head -c 100 "$REF_TILES/$pr_t" >"$pr_jd/tmp/$pr_t@crashnode.$pr_dp.0"
    echo '{"partial' >"$pr_jd/tmp/job.json@crashnode.$pr_dp.1"
}

# sweep LABEL ROLE SETUP WORKERS STEP [--durable] - crash at operations
# 1, 1 + STEP, 1 + 2 STEP, ... until the program survives.
sweep() {
    sw_label=$1 sw_role=$2 sw_setup=$3 sw_workers=$4 sw_step=$5; shift 5
    sw_n=1
    while [ $sw_n -le "$MAX" ]; do
        sw_s=$T/sp sw_out=$T/out.png sw_once=$T/once
        rm -rf "$sw_s" "$sw_out" "$sw_once"
        if [ "$sw_setup" = recovery ] && ! plant_recovery "$sw_s"; then
            notok "$sw_label: setup" "could not plant the recovery state"
            return
        fi
        TILESPOOL_CRASH_AT=$sw_n TILESPOOL_CRASH_IN=$sw_role TILESPOOL_CRASH_ONCE=$sw_once \
            "$TS" run --keep -q -w "$sw_workers" -t 32 -f "$CHAIN" "$@" --spool "$sw_s" "$T/in.png" "$sw_out" \
            >/dev/null 2>"$T/crash.err"
        sw_st=$?
        sw_crashed=0
        [ "$(head -c 1 "$sw_once" 2>/dev/null)" = C ] && sw_crashed=1
        "$TS" run --keep -q -w "$sw_workers" -t 32 -f "$CHAIN" "$@" --spool "$sw_s" "$T/in.png" "$sw_out" \
            >/dev/null 2>"$T/rerun.err"
        sw_rst=$?
        invariants "$sw_s" "$sw_out"
        if [ $sw_crashed = 1 ]; then
            sw_name="$sw_label: crash at operation $sw_n"
            # a crash the program cannot see itself ends the run with 137
            # (128 + SIGKILL), except a child's: its supervisor carries on,
            # and the splitter reports its dead child (exit 3)
            case $sw_role in
            worker-child) sw_want=0 ;;
            splitter-child) sw_want=3 ;;
            *) sw_want=137 ;;
            esac
            [ -z "$why" ] && [ $sw_st -ne $sw_want ] && why="crash run exited $sw_st, want $sw_want: $(head -c 200 "$T/crash.err")"
        else
            sw_name="$sw_label: no crash at operation $sw_n (sweep complete)"
            [ -z "$why" ] && [ $sw_st -ne 0 ] && why="run exited $sw_st: $(head -c 200 "$T/crash.err")"
        fi
        [ -z "$why" ] && [ $sw_rst -ne 0 ] && why="re-run exited $sw_rst: $(head -c 300 "$T/rerun.err" | tr '\n' ' ')"
        if [ -z "$why" ]; then ok "$sw_name"; else notok "$sw_name" "$why"; fi
        [ $sw_crashed = 1 ] || return 0
        sw_n=$((sw_n + sw_step))
    done
    notok "$sw_label: sweep ends" "still crashing at operation $MAX"
}

D=5
[ "${TILESPOOL_CRASH_SWEEP_FULL:-0}" = 1 ] && D=1
sweep splitter splitter none 2 1
sweep "worker supervisor" worker recovery 2 1
sweep "worker child" worker-child none 1 1
sweep assembler assembler none 2 1
sweep "splitter --durable" splitter none 2 $D --durable
sweep "worker supervisor --durable" worker recovery 2 1 --durable
sweep "worker child --durable" worker-child none 1 $D --durable
sweep "assembler --durable" assembler none 2 1 --durable

# A chain with a global stage: the splitter's child publishing the
# reference's statistics, pass 1 (mid/ and stats/ files, the claim given
# back), the merge (by the supervisor or a child) and pass 2, on a 2 x 2
# grid so that a child's sweep stays short.
CHAIN="gaussian_blur,histogram_match:reference=$T/gref.pnm,invert"
mk --type rgb --pattern noise 50 40 "$T/gref.pnm"
mk --type rgb 64 48 "$T/in.png"
crash_reference "$T/gref" "$T/gref.png" -w 2 -t 32 -f "$CHAIN"
sweep "global chain: splitter" splitter none 2 1
sweep "global chain: splitter child" splitter-child none 2 1
sweep "global chain: worker supervisor" worker none 2 1
sweep "global chain: worker child" worker-child none 1 1
sweep "global chain: worker child --durable" worker-child none 1 $D --durable
