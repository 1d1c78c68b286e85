# shellcheck shell=sh
# valgrind - the three programs (plain build) pass valgrind memcheck on the
# success path: no invalid reads or writes, no use of uninitialised values,
# and no definite or indirect leaks, in every process including the worker's
# forked children.  (valgrind does not know Landlock's system calls, so the
# children run unconfined here; that is valgrind's limit, not the test's.)
# shellcheck source=SCRIPTDIR/lib.sh
. "$(dirname "$0")/lib.sh"

command -v valgrind >/dev/null || { echo "not ok - valgrind: not installed (make deps)"; exit 1; }
mk --type rgba 160 96 "$T/in.png"
VG="valgrind --leak-check=full --errors-for-leak-kinds=definite,indirect --show-leak-kinds=definite,indirect --log-file=$T/vg.%p.log"

# memcheck NAME - every log written so far has no errors; then clear them
memcheck() {
    bad=$(grep -L "ERROR SUMMARY: 0 errors" "$T"/vg.*.log 2>/dev/null)
    n=$(nmatch "$T"/vg.*.log)
    if [ "$n" -gt 0 ] && [ -z "$bad" ]; then
        ok "$1: $n process(es), 0 memcheck errors"
    else
        notok "$1" "$n logs; with errors: $(for f in $bad; do grep -m3 -A6 'Invalid\|uninitialised\|definitely\|indirectly' "$f"; done | head -c 800)"
    fi
    rm -f "$T"/vg.*.log
}

job=$($VG "$PLAIN/splitter" -q --spool "$T/sp" -f gaussian_blur:sigma=2,sharpen,median -t 48 "$T/in.png")
if [ -n "$job" ]; then ok "splitter under valgrind made a job"
else notok "splitter under valgrind" "no job id"; fi
memcheck "splitter"

$VG "$PLAIN/worker" -q --spool "$T/sp" -w 2 2>"$T/err"
st=$?
if [ $st -eq 0 ] && [ "$(names "$T/sp/$job/out" | wc -l)" -eq 8 ]; then ok "worker under valgrind processed 8 tiles"
else notok "worker under valgrind" "exit $st: $(grep -v Landlock "$T/err" | head -c 300)"; fi
memcheck "worker and its children"

$VG "$PLAIN/assembler" -q --spool "$T/sp" --job "$job" -o "$T/out.png"
"$TOOLS/runfilter" -f gaussian_blur:sigma=2,sharpen,median "$T/in.png" "$T/ref.png"
same_pixels "assembler under valgrind wrote the right image" "$T/out.png" "$T/ref.png"
memcheck "assembler"
