# shellcheck shell=sh
# memory - the splitter and the assembler stream: on an 8000x8000 RGB PNG
# (192 MiB of pixels) cut into tiles of 256, each stays under 48 MiB of peak
# RSS (one band of 256 rows is 8000 * 256 * 3 = 6 MiB), and so does the
# worker (a tile at a time).  The output equals the input.  Measured on the
# plain build (ASan inflates RSS); the figures are printed in the ok lines.
#
# The image is mkimage's "gradient" pattern: it takes a quarter of the time
# of the default "photo" to generate and compresses to ~2 MB, and memory use
# does not depend on the pixel values.  (Its period of 512 pixels is two
# tiles, so the pixel check cannot see a tile moved by a multiple of 512 in
# both axes; seam.sh and sandbox.sh cover tile placement.)
# shellcheck source=SCRIPTDIR/lib.sh
. "$(dirname "$0")/lib.sh"

LIMIT_KB=$((48 * 1024))
SP=$T/sp
BIG=$T/big.png
OUT=$T/big_out.png

# rss FILE CMD... - run CMD; write its peak RSS in KiB (largest of it and its
# waited-for children) to FILE; return CMD's status.  GNU time if present,
# else Python's getrusage(RUSAGE_CHILDREN).
if /usr/bin/time --version 2>&1 | grep -q GNU; then
    rss() {
        f=$1; shift
        /usr/bin/time -f %M -o "$f.time" "$@"
        st=$?
        tail -n 1 "$f.time" >"$f"
        return $st
    }
else
    rss() {
        python3 -c '
import resource, subprocess, sys
st = subprocess.run(sys.argv[2:]).returncode
with open(sys.argv[1], "w") as f:
    f.write("%d\n" % resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)
sys.exit(st)' "$@"
    }
fi

# under NAME FILE - ok if the KiB figure in FILE is below the limit.
under() {
    kb=$(cat "$2" 2>/dev/null)
    case $kb in
    '' | *[!0-9]*) notok "$1 peak RSS" "no measurement: '$kb'" ;;
    *) if [ "$kb" -lt $LIMIT_KB ]; then
           ok "$1 peak RSS $((kb / 1024)).$((kb % 1024 * 10 / 1024)) MiB < 48 MiB"
       else
           notok "$1 peak RSS < 48 MiB" "$((kb / 1024)) MiB ($kb KiB)"
       fi ;;
    esac
}

mk --pattern gradient --compression 1 8000 8000 "$BIG"
info=$("$TOOLS/imgcmp" --info "$BIG")
[ "$info" = "8000 8000 3" ] || { notok "input is 8000x8000 RGB" "$info"; exit 1; }

if rss "$T/rss.split" "$PLAIN/splitter" -q --spool "$SP" -t 256 --no-keep -f identity \
    -o "$OUT" "$BIG" >"$T/job" 2>"$T/err"; then
    ok "splitter: 8000x8000 split into tiles of 256"
else
    notok "splitter" "$(cat "$T/err")"; exit 1
fi
under splitter "$T/rss.split"
job=$(cat "$T/job")
n=$(names "$SP/$job/tiles" | grep -c .)
if [ "$n" -eq 1024 ]; then ok "1024 tiles (32 x 32)"; else notok "1024 tiles (32 x 32)" "$n tiles"; fi

if rss "$T/rss.work" "$PLAIN/worker" -q --spool "$SP" -w 2 2>"$T/err"; then
    ok "worker -w 2: all tiles done"
else
    notok "worker -w 2" "$(cat "$T/err")"; exit 1
fi
under "worker (supervisor and children)" "$T/rss.work"

# two PNG threads whatever the machine has: each holds two bands of ~4.5 MiB,
# so the default (the CPUs online, at most 8) would make the bound depend on it
if rss "$T/rss.asm" "$PLAIN/assembler" -q --spool "$SP" --job "$job" --png-level 1 -w 2 2>"$T/err"; then
    ok "assembler: output written"
else
    notok "assembler" "$(cat "$T/err")"; exit 1
fi
rm -rf "$SP"
under assembler "$T/rss.asm"

same_pixels "output == input (8000x8000)" "$BIG" "$OUT"
rm -f "$BIG" "$OUT"
