# shellcheck shell=sh
# workers - the number of worker processes changes nothing but speed: on a
# 300x200 image cut into 70 tiles of 32, `-w 1` and `-w 4` write the same
# bytes.  The job log shows the tiles were done by separate processes
# (1 child pid for -w 1, at least 2 for -w 4, none of them the driver's or
# the worker supervisor's pid), every tile exactly once, and nothing is left
# in tiles/, claimed/ or tmp/.
# shellcheck source=SCRIPTDIR/lib.sh
. "$(dirname "$0")/lib.sh"

mk --type rgba 300 200 "$T/in.png"

# A driver whose "worker" records its own pid, then execs the real worker:
# exec keeps the pid, so the recorded pid is the supervisor's.
mkdir -p "$T/wbin"
for p in splitter assembler; do ln -s "$BIN/$p" "$T/wbin/$p"; done
cp "$TS" "$T/wbin/tilespool"
cat >"$T/wbin/worker" <<EOF
#!/bin/sh
echo \$\$ >>"$T/supervisor.pid"
exec "$BIN/worker" "\$@"
EOF
chmod +x "$T/wbin/worker"

# run_w N - run the chain with N workers into $T/sp_N and $T/out_N.png;
# the driver's pid goes to $T/driver_N.pid.
run_w() {
    rm -f "$T/supervisor.pid"
    "$T/wbin/tilespool" run --keep -q -w "$1" -t 32 -f gaussian_blur:sigma=1.2,invert \
        --spool "$T/sp_$1" "$T/in.png" "$T/out_$1.png" 2>"$T/err_$1" &
    dpid=$!
    echo "$dpid" >"$T/driver_$1.pid"
    wait "$dpid"
    st=$?
    mv "$T/supervisor.pid" "$T/supervisor_$1.pid" 2>/dev/null
    return $st
}

for n in 1 4; do
    if run_w "$n"; then ok "-w $n: run succeeds"
    else notok "-w $n: run succeeds" "exit $?: $(cat "$T/err_$n")"; fi
done

check "-w 1 and -w 4 outputs are identical bytes" cmp "$T/out_1.png" "$T/out_4.png"
"$TOOLS/runfilter" -f gaussian_blur:sigma=1.2,invert "$T/in.png" "$T/ref.png" 2>"$T/err" ||
    notok "runfilter reference" "$(cat "$T/err")"
same_pixels "-w 4 output == runfilter on the whole image" "$T/out_4.png" "$T/ref.png"

for n in 1 4; do
    job=$(ls "$T/sp_$n")
    jd=$T/sp_$n/$job
    if [ "$(echo "$job" | wc -l)" -ne 1 ] || [ ! -f "$jd/log" ]; then
        notok "-w $n: one job with a log" "$(find "$T/sp_$n" | head -20)"
        continue
    fi
    ok "-w $n: one job with a log"

    # pids of the processes that did the tiles
    sed -n 's/.* pid=\([0-9][0-9]*\) .*/\1/p' "$jd/log" | sort -u >"$T/pids_$n"
    npids=$(wc -l <"$T/pids_$n" | tr -d ' ')
    case $n in 1) want_ok=$((npids == 1)) ;; *) want_ok=$((npids >= 2)) ;; esac
    if [ "$want_ok" -eq 1 ]; then
        ok "-w $n: tiles done by $npids child pid(s)"
    else
        notok "-w $n: child pids" "$npids distinct pids in the log: $(tr '\n' ' ' <"$T/pids_$n")"
    fi

    driver=$(cat "$T/driver_$n.pid")
    super=$(cat "$T/supervisor_$n.pid" 2>/dev/null)
    if [ "$(echo "$super" | wc -w)" -ne 1 ] || [ "$super" = "$driver" ]; then
        notok "-w $n: supervisor pid recorded" "'$super' (driver $driver)"
    elif grep -qx -e "$driver" -e "$super" "$T/pids_$n"; then
        notok "-w $n: children are not the driver ($driver) or the supervisor ($super)" \
            "log pids: $(tr '\n' ' ' <"$T/pids_$n")"
    else
        ok "-w $n: children are not the driver or the supervisor"
    fi

    # every tile exactly once: 70 log lines, 70 distinct tiles, the same set as out/
    lines=$(grep -c . "$jd/log")
    awk '{print $1}' "$jd/log" | sort >"$T/logtiles"
    sort -u "$T/logtiles" >"$T/logtiles.u"
    names "$jd/out" | sort >"$T/outtiles"
    if [ "$lines" -eq 70 ] && cmp -s "$T/logtiles" "$T/logtiles.u" &&
        cmp -s "$T/logtiles" "$T/outtiles"; then
        ok "-w $n: each of the 70 tiles is in the log exactly once"
    else
        notok "-w $n: each of the 70 tiles is in the log exactly once" \
            "$lines lines, $(wc -l <"$T/logtiles.u") distinct, $(wc -l <"$T/outtiles") in out/"
    fi
    if grep -v ' ok$' "$jd/log" >"$T/notok"; then
        notok "-w $n: every log line ends in ok" "$(head -3 "$T/notok")"
    else
        ok "-w $n: every log line ends in ok"
    fi

    left=""
    for d in tiles claimed tmp failed; do
        [ -d "$jd/$d" ] || { left="$left $d/ is missing;"; continue; }
        [ -z "$(names -a "$jd/$d")" ] || left="$left $d/: $(names -a "$jd/$d" | head -3 | tr '\n' ' ');"
    done
    if [ -z "$left" ]; then
        ok "-w $n: nothing left in tiles/, claimed/, tmp/ or failed/"
    else
        notok "-w $n: nothing left in tiles/, claimed/, tmp/ or failed/" "$left"
    fi
done

# --follow: a worker started on an empty spool processes a job split after
# it started, and stops on SIGTERM (exit 143) after having worked.
FS=$T/follow
mkdir -p "$FS"
"$BIN/worker" --spool "$FS" --follow -q -w 1 2>"$T/follow.err" &
fpid=$!
sleep 1
fjob=$("$BIN/splitter" -q --spool "$FS" -f invert -t 64 "$T/in.png")
n=0
while [ "$(names "$FS/$fjob/out" | wc -l)" -lt 20 ] && [ $n -lt 100 ]; do
    sleep 0.1; n=$((n + 1))
done
total=$(names "$FS/$fjob/out" | wc -l)
if [ "$total" -eq 20 ]; then ok "--follow picks up a job split after it started"
else notok "--follow picks up a new job" "$total of 20 tiles in out/"; fi
kill -TERM $fpid
n=0
while kill -0 $fpid 2>/dev/null && [ $n -lt 50 ]; do sleep 0.1; n=$((n + 1)); done
if kill -0 $fpid 2>/dev/null; then
    kill -9 $fpid
    notok "--follow stops on SIGTERM" "still running 5 s after SIGTERM"
else
    wait $fpid
    st=$?
    if [ $st -eq 143 ]; then ok "--follow stops on SIGTERM with status 143"
    else notok "--follow stops on SIGTERM" "status $st"; fi
fi

# A worker does not exit while another live process holds a claim of its
# job: when that claim is given up (its owner dies), the tile is recovered
# and processed, so the job is complete when the worker exits.
HS=$T/held
hjob=$("$BIN/splitter" -q --spool "$HS" -f invert -t 100 "$T/in.png")
ht=$(names "$HS/$hjob/tiles" | head -n 1)
mv "$HS/$hjob/tiles/$ht" "$HS/$hjob/claimed/$ht@othernode.4242"
flock "$HS/$hjob/claimed/$ht@othernode.4242" sleep 2 &
lpid=$!
sleep 0.3
"$BIN/worker" -q --spool "$HS" -w 2 2>"$T/held.err"
st=$?
wait $lpid
n=$(names "$HS/$hjob/out" | wc -l)
c=$(names "$HS/$hjob/claimed" | wc -l)
if [ $st -eq 0 ] && [ "$n" -eq 6 ] && [ "$c" -eq 0 ]; then
    ok "worker waits for a claim held elsewhere, then recovers and finishes it"
else
    notok "claim held elsewhere" "exit $st, $n/6 in out/, $c still claimed: $(cat "$T/held.err")"
fi
