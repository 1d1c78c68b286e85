# shellcheck shell=sh
# confine - a worker child is confined while it works on a tile
# (docs/sandbox.md): its /proc/PID/status says Seccomp: 2 (a system call
# filter is on) and NoNewPrivs: 1, and no sanitizer finds fault with
# a confined child (ASan build).  The filter is
# filters/hostile/infinite_loop, which keeps the child on its tile long
# enough to look; the worker is stopped afterwards.
# shellcheck source=SCRIPTDIR/lib.sh
. "$(dirname "$0")/lib.sh"

export TILESPOOL_FILTER_PATH="$FILTERS/hostile:$FILTERS"
mk --type rgb 64 64 "$T/in.png"
SP=$T/sp
job=$("$BIN/splitter" -q --spool "$SP" -t 64 -f infinite_loop "$T/in.png")
[ -n "$job" ] || { notok "splitter made the job" "no job id"; exit 1; }
"$BIN/worker" -q --spool "$SP" -w 1 --timeout 300 2>"$T/err" &
wpid=$!

# the child's pid, from its claim (T@node.pid), within ~30 s
n=0 pid=""
while [ $n -lt 300 ] && [ -z "$pid" ]; do
    pid=$(names "$SP/$job/claimed" | sed -n 's/.*\.\([0-9][0-9]*\)$/\1/p' | head -n 1)
    [ -n "$pid" ] || sleep 0.1
    n=$((n + 1))
done
if [ -z "$pid" ]; then
    notok "a worker child claimed the tile" "no claim after 30 s: $(head -c 300 "$T/err")"
else
    # the claim comes before confinement is complete: give it a moment
    n=0
    while [ $n -lt 100 ] && ! grep -q '^Seccomp:[[:space:]]*2' "/proc/$pid/status" 2>/dev/null; do
        sleep 0.1
        n=$((n + 1))
    done
    st=$(cat "/proc/$pid/status" 2>/dev/null)
    if echo "$st" | grep -q '^Seccomp:[[:space:]]*2$'; then
        ok "the worker child on a tile has a system call filter (Seccomp: 2)"
    else
        notok "the worker child on a tile has a system call filter" "$(echo "$st" | grep -i seccomp)"
    fi
    if echo "$st" | grep -q '^NoNewPrivs:[[:space:]]*1$'; then
        ok "the worker child on a tile has NoNewPrivs: 1"
    else
        notok "the worker child on a tile has NoNewPrivs: 1" "$(echo "$st" | grep -i newprivs)"
    fi
fi
kill "$wpid" 2>/dev/null
wait "$wpid" 2>/dev/null
if grep -q 'AddressSanitizer\|runtime error' "$T/err"; then
    notok "no sanitizer report from the worker or its children" "$(head -c 400 "$T/err")"
else
    ok "no sanitizer report from the worker or its children"
fi
