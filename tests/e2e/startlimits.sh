# shellcheck shell=sh
# startlimits - a filter's limits hold from its first instruction.  A
# module's start function runs while it is instantiated, before any export
# is called, in every process that runs filter code:
#   * the splitter, describing under its 256 MiB cap and within
#     $TILESPOOL_DESCRIBE_TIMEOUT: start_memory (2 GiB), start_table (100
#     million table entries) and start_loop are refused, exit 3, one line
#     naming the module and the limit or the deadline, no job left; its
#     peak RSS (with its describe child; plain build) stays below 256 MiB +
#     32 MiB for start_memory, below 64 MiB for start_table;
#   * the worker, --max-memory 64 --timeout 2: capped_memory and
#     capped_table (which set their bombs off only under a cap below 128
#     MiB, so the splitter lets them through) fail every tile with kind
#     "limit", capped_loop with kind "timeout"; a good job in the same run
#     is complete; the child's peak RSS (job log, plain build) exceeds an
#     identity child's by less than 64 MiB + 8 MiB for capped_memory (and
#     by more than 32 MiB: it did touch its pages), by less than 16 MiB for
#     capped_table;
#   * `tilespool filters` with the three start_ modules on the path lists
#     each as unusable with its reason, lists the bundled filters, exits 0
#     within 60 s; with --json too.
# shellcheck source=SCRIPTDIR/lib.sh
. "$(dirname "$0")/lib.sh"

HOSTILE=$FILTERS/hostile
TILESPOOL_FILTER_PATH=$HOSTILE:$FILTERS
TILESPOOL_DESCRIBE_TIMEOUT=3
export TILESPOOL_FILTER_PATH TILESPOOL_DESCRIBE_TIMEOUT
cd "$T" || exit 2

mk --type rgb 64 48 "$T/in.png"                       # tiles of 32: 2 x 2
mk --type gray 64 64 "$T/gray.png"

# ---- the splitter -------------------------------------------------------------

if /usr/bin/time -f %M -o "$T/rss" true 2>/dev/null; then
    split_refused start_memory "memory limit of 256 MiB" $((288 * 1024))
    split_refused start_table "table limit" $((64 * 1024))
    split_refused start_loop "within 3 s" $((64 * 1024))
else
    echo "skip - splitter refusals: GNU time is needed to read peak RSS"
fi
# the sanitized splitter says the same
rm -rf "$T/sp"
check_fails "start_table: the ASan splitter refuses it too" 3 \
    "$BIN/splitter" -q --spool "$T/sp" -f start_table -o "$T/out.png" "$T/in.png"

# ---- the worker ---------------------------------------------------------------

# One spool, three hostile jobs and a good one, one worker run.
SP=$T/sp_w
: >"$T/err"
for mod in capped_memory capped_table capped_loop; do
    id=$("$BIN/splitter" -q --spool "$SP" -t 32 -f "$mod" -o "$T/o.png" "$T/in.png" 2>>"$T/err")
    echo "$mod $id" >>"$T/jobs"
    [ -n "$id" ] || notok "$mod: split (the splitter lets it through)" "$(cat "$T/err")"
done
good=$("$BIN/splitter" -q --spool "$SP" -t 32 -f invert -o "$T/o.png" "$T/gray.png" 2>>"$T/err")
timeout 180 "$BIN/worker" -q --spool "$SP" -w 2 --max-memory 64 --timeout 2 >"$T/out" 2>"$T/err"
is "worker exits 1" "$?" 1
is "the good job in the same run is complete" "$(nmatch "$SP/$good"/out/*)" 4

# failed_as MODULE KIND REASON - every tile of MODULE's job failed with KIND
# and REASON in its failed/T.json, none published.
failed_as() {
    jd=$SP/$(sed -n "s/^$1 //p" "$T/jobs")
    is "$1: all 4 tiles failed" "$(nmatch "$jd"/failed/*.json)" 4
    is "$1: none published" "$(nmatch "$jd"/out/*)" 0
    bad=""
    for j in "$jd"/failed/*.json; do
        [ -f "$j" ] || continue
        k=$(field "$j" kind) r=$(field "$j" reason)
        if [ "$k" != "$2" ] || ! echo "$r" | grep -qF -- "$3"; then
            bad="$bad $(basename "$j"): kind '$k' reason '$r';"
        fi
    done
    if [ -z "$bad" ]; then ok "$1: failed/*.json: kind $2, reason names '$3'"
    else notok "$1: failed/*.json: kind $2, reason names '$3'" "$bad"; fi
}

failed_as capped_memory limit "memory limit of 64 MiB"
failed_as capped_table limit "table limit"
failed_as capped_loop timeout "timeout"

# Peak RSS on the plain build, one fresh child per job (memory.sh, hostile.sh).
SP=$T/sp_rss
base=$("$PLAIN/splitter" -q --spool "$SP" -t 64 -f identity -o "$T/o.png" "$T/in.png")
mem=$("$PLAIN/splitter" -q --spool "$SP" -t 64 -f capped_memory -o "$T/o.png" "$T/in.png")
tab=$("$PLAIN/splitter" -q --spool "$SP" -t 64 -f capped_table -o "$T/o.png" "$T/in.png")
for id in "$base" "$mem" "$tab"; do
    timeout 120 "$PLAIN/worker" -q --spool "$SP" -w 1 --max-memory 64 --job "$id" 2>>"$T/err"
done
base_kb=$(log_rss "$SP/$base" r0c0.ppm)
mem_kb=$(log_rss "$SP/$mem" r0c0.ppm)
tab_kb=$(log_rss "$SP/$tab" r0c0.ppm)
case "$base_kb:$mem_kb:$tab_kb" in
*[!0-9:]* | :* | *: | *::*)
    notok "peak RSS recorded" "identity '$base_kb' capped_memory '$mem_kb' capped_table '$tab_kb'" ;;
*)
    ok "peak RSS recorded (an identity child: $base_kb KiB)"
    grown=$((mem_kb - base_kb))
    if [ "$grown" -gt $((32 * 1024)) ]; then ok "capped_memory touched its pages (+$grown KiB)"
    else notok "capped_memory touched its pages" "+$grown KiB"; fi
    below "capped_memory child: growth below the 64 MiB cap + 8 MiB" "$grown" $((72 * 1024))
    below "capped_table child: growth below 16 MiB" "$((tab_kb - base_kb))" $((16 * 1024)) ;;
esac

# ---- tilespool filters --------------------------------------------------------

mkdir -p "$T/fp"
for mod in start_loop start_memory start_table; do
    ln -s "$HOSTILE/$mod.wasm" "$HOSTILE/$mod.so" "$T/fp/"
done
TILESPOOL_FILTER_PATH=$T/fp:$FILTERS timeout 60 "$TS" filters >"$T/list" 2>"$T/err"
is "tilespool filters exits 0 within 60 s" "$?" 0
for want in "start_loop .*(unusable: did not start and describe itself within 3 s)" \
            "start_memory .*(unusable: .*memory limit of 256 MiB" \
            "start_table .*(unusable: .*table limit" \
            "^invert  *point" "^gaussian_blur  *neighborhood"; do
    if grep -q "$want" "$T/list"; then ok "filters lists: $want"
    else notok "filters lists: $want" "$(head -c 600 "$T/list")"; fi
done
TILESPOOL_FILTER_PATH=$T/fp:$FILTERS timeout 60 "$TS" filters --json >"$T/list" 2>"$T/err"
is "tilespool filters --json exits 0 within 60 s" "$?" 0
if grep -q '"name":"invert"' "$T/list" && ! grep -q start_ "$T/list" &&
    [ "$(grep -c 'unusable' "$T/err")" -eq 3 ]; then
    ok "filters --json: the good ones on stdout, the three unusable on stderr"
else
    notok "filters --json: the good ones on stdout, the three unusable on stderr" \
        "$(head -c 300 "$T/list") / $(cat "$T/err")"
fi
