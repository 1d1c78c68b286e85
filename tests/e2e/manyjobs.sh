# shellcheck shell=sh
# manyjobs - status and the worker over a spool of 2000 small finished
# jobs: their peak RSS stays bounded (it was ~360 MB, some 180 KB of
# manifest per job, before status wrote one job at a time and the worker
# kept manifests only for jobs with work), and their answers are right.
# Measured on the plain build (ASan inflates RSS), with GNU time; the
# figures are printed in the ok lines.  The bounds are generous: a few
# MB is expected, 64 MB leaves room for a different libc or allocator.
#
# The jobs are copies of one processed job (2 x 2 tiles), each with its
# own id in its directory name and its job.json: one fork per job.  Then
# the same again with jobs still queued: a worker with work in every job
# keeps manifests only for a bounded window of them (it was ~360 MB for
# 2000 queued jobs, a manifest each), and processes them all.
# shellcheck source=SCRIPTDIR/lib.sh
. "$(dirname "$0")/lib.sh"

N=2000
LIMIT_KB=$((64 * 1024))
SP=$T/sp

if ! /usr/bin/time --version 2>&1 | grep -q GNU; then
    echo "skip - manyjobs: GNU time (/usr/bin/time) is needed to measure peak RSS"
    exit 0
fi

mk --type rgb 16 16 "$T/in.ppm"
if ! src=$("$PLAIN/splitter" -q --spool "$SP" -t 8 -f invert "$T/in.ppm"); then
    notok "manyjobs: first job" "split failed"
    exit 1
fi
json=$(cat "$SP/$src/job.json")
stamp=${src%%-*}
cp -r "$SP/$src" "$T/queued"
if ! "$PLAIN/worker" -q --spool "$SP" -w 1; then
    notok "manyjobs: first job" "work failed"
    exit 1
fi
mv "$SP/$src" "$T/proto"

# copies DIR PROTO - N copies of job PROTO in spool DIR, ids in raster order.
copies() {
    i=0
    mkdir -p "$1"
    while [ $i -lt $N ]; do
        id=$(printf '%s-many%04d-%s' "$stamp" $i "${src##*-}")
        cp -r "$2" "$1/$id"
        printf '%s\n' "${json%%"$src"*}$id${json#*"$src"}" >"$1/$id/job.json"
        i=$((i + 1))
    done
}
copies "$SP" "$T/proto"

# rss NAME CMD... - run CMD under GNU time; ok if it exits 0 under the limit.
rss() {
    name=$1; shift
    /usr/bin/time -f %M -o "$T/time" "$@" >"$T/out" 2>"$T/err"
    st=$?
    kb=$(tail -n 1 "$T/time")
    if [ $st -eq 0 ] && [ "$kb" -lt $LIMIT_KB ]; then ok "$name: peak RSS $kb KiB"
    else notok "$name: peak RSS under $LIMIT_KB KiB" "exit $st, $kb KiB: $(head -c 300 "$T/err")"; fi
}

rss "status, $N jobs" "$PLAIN/status" --spool "$SP"
if tail -n 1 "$T/out" | grep -q "^-- $N jobs, $((N * 4)) tiles: 0 waiting, 0 claimed, $((N * 4)) done, 0 failed"
then ok "status: every job listed and counted"
else notok "status: every job listed and counted" "$(tail -n 1 "$T/out")"; fi
rss "status --json, $N jobs" "$PLAIN/status" --spool "$SP" --json
if grep -q "\"jobs\":[[:space:]]*$N," "$T/out"; then ok "status --json: totals count every job"
else notok "status --json: totals count every job" "$(tail -n 9 "$T/out" | tr '\n' ' ')"; fi
rss "worker with nothing to do, $N jobs" "$PLAIN/worker" --spool "$SP" -w 1
is_lines=$(grep -c "tiles done, 0 failed" "$T/err")
if [ "$is_lines" -eq $N ]; then ok "worker: a summary line per job"
else notok "worker: a summary line per job" "$is_lines lines"; fi

# The worker with work in every job: a window of manifests, not one each.
rm -rf "$SP"
copies "$SP" "$T/queued"
rss "worker with work in $N jobs" "$PLAIN/worker" --spool "$SP" -w 2
done_tiles=$(find "$SP" -path '*/out/*' -type f | wc -l)
left=$(find "$SP" \( -path '*/tiles/*' -o -path '*/claimed/*' \) -type f | wc -l)
if [ "$done_tiles" -eq $((N * 4)) ] && [ "$left" -eq 0 ]; then
    ok "worker: every tile of every queued job processed"
else
    notok "worker: every tile of every queued job processed" "$done_tiles in out/, $left left"
fi
is_lines=$(grep -c "tiles done, 0 failed" "$T/err")
if [ "$is_lines" -eq $N ]; then ok "worker with work: a summary line per job"
else notok "worker with work: a summary line per job" "$is_lines lines"; fi
