# shellcheck shell=sh
# diskfull - a spool (or an output) on a file system that fills up: the
# program stops with one clear line naming the file and saying "No space
# left on device", exit 4, and nothing half-written under a final name
# (every tile in tiles/, out/ and done/ decodes whole; no output, no
# temporary beside it).  Then room is made (the file system remounted
# bigger, or a filler file removed) and the same command re-run: the job
# resumes and the output is byte-identical to a clean run's.
#   A. the splitter runs out of room;  B. the worker does;  C. the assembler.
# The small file system is a 1 MiB tmpfs: mounting needs root, or a mount
# namespace of our own (unshare -m); without either the checks are skipped.
# shellcheck source=SCRIPTDIR/lib.sh
. "$(dirname "$0")/lib.sh"
# shellcheck source=SCRIPTDIR/crash/check.sh
. "$(dirname "$0")/crash/check.sh"

FS=$T/fs
mkdir -p "$FS"
if [ -z "${TILESPOOL_DISKFULL_NS:-}" ] && ! mount -t tmpfs -o size=1m tmpfs "$FS" 2>/dev/null; then
    # not allowed here: try again in a private mount namespace, where the
    # mount is ours alone and vanishes with the namespace
    if command -v unshare >/dev/null 2>&1 &&
        unshare -m sh -c "mount -t tmpfs -o size=1m tmpfs '$FS'" 2>/dev/null; then
        rm -rf "$T"
        TILESPOOL_DISKFULL_NS=1 exec unshare -m sh "$0" "$@"
    fi
    for c in "A: splitter" "B: worker" "C: assembler"; do
        echo "skip - diskfull $c: cannot mount a small tmpfs here (not root, no unshare -m)"
    done
    exit 0
fi
if [ -n "${TILESPOOL_DISKFULL_NS:-}" ] && ! mount -t tmpfs -o size=1m tmpfs "$FS"; then
    notok "mount a tmpfs in a private mount namespace" "mount failed"
    exit 1
fi
trap 'umount "$FS" 2>/dev/null; rm -rf "$T"' EXIT INT TERM

CHAIN=gaussian_blur,invert

# resize SIZE - remount the small file system with a new size.
resize() { mount -o "remount,size=$1" "$FS"; }

# whole SPOOL - sets $why to the first file under a final name in SPOOL's
# jobs that does not decode whole, or "".
whole() {
    why=""
    for wf in "$1"/*/tiles/* "$1"/*/out/* "$1"/*/done/*; do
        [ -e "$wf" ] || continue
        "$TOOLS/imgcmp" --info "$wf" >/dev/null 2>"$T/.whole" ||
            { why="$wf: $(cat "$T/.whole")"; return; }
    done
    for wf in "$1"/*/job.json; do
        [ -e "$wf" ] || continue
        [ "$(tail -c 2 "$wf" | head -c 1)" = "}" ] || { why="$wf is not whole"; return; }
    done
}

# one_enospc NAME STATUS WANT_STATUS ERRFILE PATHPART - the run failed
# with WANT_STATUS and one stderr line saying ENOSPC and naming a file
# under PATHPART.
one_enospc() {
    lines=$(grep -c . "$4")
    if [ "$2" -eq "$3" ] && [ "$lines" -eq 1 ] && grep -q "No space left on device" "$4" &&
        grep -q "$5/[^ :]*[A-Za-z]" "$4"; then
        ok "$1: exit $3, one line: $(cat "$4")"
    else
        notok "$1: exit $3 and one ENOSPC line naming the file" \
            "exit $2, $lines line(s): $(head -c 400 "$4" | tr '\n' ' ')"
    fi
}

# A. the splitter: an 800x600 image is 1.4 MB of tiles
mk --type rgb --pattern noise 800 600 "$T/in.png"
crash_reference "$T/refA" "$T/refA.png" -w 2 -t 64 -f "$CHAIN"
S=$FS/spool
"$TS" run --keep -q -w 2 -t 64 -f "$CHAIN" --spool "$S" "$T/in.png" "$T/outA.png" 2>"$T/A.err"
one_enospc "A: splitter out of room" $? 4 "$T/A.err" "$S"
whole "$S"
if [ -z "$why" ]; then ok "A: nothing half-written under a final name"
else notok "A: nothing half-written under a final name" "$why"; fi
if [ ! -e "$T/outA.png" ]; then ok "A: no output"; else notok "A: no output" "$T/outA.png exists"; fi
resize 16m
"$TS" run --keep -q -w 2 -t 64 -f "$CHAIN" --spool "$S" "$T/in.png" "$T/outA.png" 2>"$T/A2.err"
st=$?
invariants "$S" "$T/outA.png"
[ -z "$why" ] && [ $st -ne 0 ] && why="re-run exited $st: $(cat "$T/A2.err")"
if [ -z "$why" ]; then ok "A: room made, the re-run completes the job, output identical"
else notok "A: room made, the re-run completes the job, output identical" "$why"; fi

# B. the worker: the tiles of a 512x384 image fit in 1 MiB, their
# results as well do not (one worker child: one error line)
rm -rf "$S"
resize 1m
mk --type rgb --pattern noise 512 384 "$T/in.png"
crash_reference "$T/refB" "$T/refB.png" -w 1 -t 64 -f "$CHAIN"
"$TS" run --keep -q -w 1 -t 64 -f "$CHAIN" --spool "$S" "$T/in.png" "$T/outB.png" 2>"$T/B.err"
st=$?
if [ "$(nmatch "$S"/*/job.json)" -eq 1 ]; then ok "B: the split fits"
else notok "B: the split fits" "no job.json: $(cat "$T/B.err")"; fi
one_enospc "B: worker out of room" $st 4 "$T/B.err" "$S"
whole "$S"
if [ -z "$why" ]; then ok "B: nothing half-written under a final name ($(nmatch "$S"/*/out/*) tiles done)
"
else notok "B: nothing half-written under a final name" "$why"; fi
resize 16m
"$TS" run --keep -q -w 1 -t 64 -f "$CHAIN" --spool "$S" "$T/in.png" "$T/outB.png" 2>"$T/B2.err"
st=$?
invariants "$S" "$T/outB.png"
[ -z "$why" ] && [ $st -ne 0 ] && why="re-run exited $st: $(cat "$T/B2.err")"
if [ -z "$why" ]; then ok "B: room made, the re-run completes the job, output identical"
else notok "B: room made, the re-run completes the job, output identical" "$why"; fi

# C. the assembler: the spool elsewhere, the output on the small file
# system, nearly filled by another file
rm -rf "$S"
resize 1m
S=$T/spC
mk --type rgb --pattern noise 400 300 "$T/in.png"
crash_reference "$T/refC" "$T/refC.png" -w 2 -t 64 -f "$CHAIN"
head -c $((1024 * 1024 - 64 * 1024)) /dev/zero >"$FS/filler" 2>/dev/null
O=$FS/out.png
"$TS" run --keep -q -w 2 -t 64 -f "$CHAIN" --spool "$S" "$T/in.png" "$O" 2>"$T/C.err"
one_enospc "C: assembler out of room" $? 4 "$T/C.err" "$FS"
left=$(names -a "$FS" | grep -v '^filler$' | tr '\n' ' ')
if [ -z "$left" ]; then ok "C: no output and no temporary left beside it"
else notok "C: no output and no temporary left beside it" "found: $left"; fi
rm -f "$FS/filler"
"$TS" run --keep -q -w 2 -t 64 -f "$CHAIN" --spool "$S" "$T/in.png" "$O" 2>"$T/C2.err"
st=$?
invariants "$S" "$O"
[ -z "$why" ] && [ $st -ne 0 ] && why="re-run exited $st: $(cat "$T/C2.err")"
if [ -z "$why" ]; then ok "C: room made, the re-run writes the output, identical"
else notok "C: room made, the re-run writes the output, identical" "$why"; fi
