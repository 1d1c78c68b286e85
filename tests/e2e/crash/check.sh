# shellcheck shell=sh
# tests/e2e/crash/check.sh - sourced by the crash tests (crash_sweep,
# crash_random, concurrent, diskfull) after tests/e2e/lib.sh: a clean
# reference run, and the invariants a job must meet after any crash and a
# re-run of the same command.
#
#   crash_reference SPOOL OUT ARGS...   clean `tilespool run ARGS IN OUT`
#                    into SPOOL; remembers OUT's bytes, the out/ tiles and
#                    their count as the reference ($REF_OUT, $REF_TILES, $NTILES)
#   make_wrappers DIR   DIR/splitter, worker, assembler record their pid in
#                    $TILESPOOL_PIDS/<program> and exec the real program;
#                    DIR/tilespool is the driver using them.  Tests kill
#                    processes they know by pid this way, never by name.
#   alive PID        PID exists and is one of ours (its command line names
#                    $T), so a pid reused by another process is never killed
#   wait_gone PID... wait up to 5 s for every PID to end; 0 if they did
#   invariants SPOOL OUT   sets $why to "" if SPOOL holds exactly one job,
#                    complete (job.json, every tile once in out/ and done/,
#                    each out/ tile byte-identical to the reference's,
#                    nothing in tiles/, claimed/, failed/ or tmp/), and
#                    OUT is byte-identical to the reference output with no
#                    temporary left beside it; otherwise to the first
#                    broken invariant.

# Shell functions share the caller's variables: those here start with inv_
# or ref_ so that they cannot clobber a caller's loop counter.

# Claims and temporaries carry the node id: a fixed one makes names
# predictable for the tests that plant them.
export TILESPOOL_NODE=crashnode

# entries DIR - the number of entries in DIR (hidden ones included).
entries() { if [ -d "$1" ]; then names -a "$1" | grep -c .; else echo 0; fi; }

crash_reference() {
    ref_s=$1 ref_o=$2; shift 2
    if ! "$TS" run --keep -q "$@" --spool "$ref_s" "$T/in.png" "$ref_o" 2>"$T/ref.err"; then
        notok "clean reference run" "$(cat "$T/ref.err")"
        exit 1
    fi
    REF_OUT=$ref_o
    REF_TILES=$T/ref.tiles
    rm -rf "$REF_TILES"
    cp -r "$ref_s"/*/out "$REF_TILES"
    NTILES=$(entries "$REF_TILES")
}

invariants() {
    inv_s=$1 inv_out=$2 why=""
    inv_njobs=$(names -a "$inv_s" | grep -c .)
    if [ "$inv_njobs" -ne 1 ]; then
        why="$inv_njobs job directories in $inv_s: $(names -a "$inv_s" | tr '\n' ' ')"
        return
    fi
    inv_jd=$(echo "$inv_s"/*)
    [ -f "$inv_jd/job.json" ] || { why="no job.json"; return; }
    for inv_sub in tiles claimed failed tmp; do
        inv_n=$(entries "$inv_jd/$inv_sub")
        [ "$inv_n" -eq 0 ] || { why="$inv_n left in $inv_sub/: $(names -a "$inv_jd/$inv_sub" | head -5 | tr '\n' ' ')"; return; }
    done
    for inv_sub in out "done"; do
        inv_n=$(entries "$inv_jd/$inv_sub")
        [ "$inv_n" -eq "$NTILES" ] || { why="$inv_n tiles in $inv_sub/, want $NTILES"; return; }
    done
    if ! diff -r "$REF_TILES" "$inv_jd/out" >"$T/.inv.diff" 2>&1; then
        why="out/ differs from the clean run's: $(head -c 200 "$T/.inv.diff" | tr '\n' ' ')"
        return
    fi
    cmp -s "$REF_OUT" "$inv_out" || { why="output differs from the clean run's (or is missing)"; return; }
    inv_odir=$(dirname "$inv_out") inv_obase=$(basename "$inv_out")
    inv_left=$(names -a "$inv_odir" | grep -c "^\.$inv_obase\.tmp")
    # shellcheck disable=SC2034  # why is read by the caller
    [ "$inv_left" -eq 0 ] || { why="$inv_left temporary output(s) left beside $inv_out"; return; }
}

make_wrappers() {
    mkdir -p "$1"
    cp "$TS" "$1/tilespool"
    for mw_p in splitter worker assembler; do
        cat >"$1/$mw_p" <<WRAP
#!/bin/sh
echo \$\$ >"\$TILESPOOL_PIDS/$mw_p"
exec "$BIN/$mw_p" "\$@"
WRAP
        chmod +x "$1/$mw_p"
    done
}

alive() { kill -0 "$1" 2>/dev/null && grep -q "$T" "/proc/$1/cmdline" 2>/dev/null; }

wait_gone() {
    for _ in $(seq 500); do
        wg_left=0
        for wg_p in "$@"; do kill -0 "$wg_p" 2>/dev/null && wg_left=1; done
        [ $wg_left = 0 ] && return 0
        sleep 0.01
    done
    return 1
}
