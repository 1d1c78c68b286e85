# shellcheck shell=sh
# tamper - a spool someone has tampered with costs a clear error, never a
# crash, a hang, or a read or write outside the job directory: truncated
# tiles, tiles with a wrong header or size, invalid or wrong-typed job.json,
# unknown job ids, hostile names, and symbolic links where files or
# directories should be.
# shellcheck source=SCRIPTDIR/lib.sh
. "$(dirname "$0")/lib.sh"

mk --type rgb 96 64 "$T/in.png"
SP=$T/sp

# fresh - split a new job; prints its directory.
fresh() {
    rm -rf "$SP"
    id=$("$BIN/splitter" -q --spool "$SP" -f gaussian_blur -t 32 "$T/in.png") || exit 1
    echo "$SP/$id"
}

# worker_fails_tile NAME - run the worker; the job must report a failed
# tile whose reason mentions WORD, and the other tiles must be done.
worker_fails_tile() {
    name=$1 word=$2 job=$3
    "$BIN/worker" -q --spool "$SP" -w 2 >"$T/out" 2>"$T/err"
    st=$?
    reason=$(cat "$job"/failed/*.json 2>/dev/null)
    done=$(names "$job/out" | wc -l)
    if [ $st -eq 1 ] && echo "$reason" | grep -q "$word" && [ "$done" -eq 5 ]; then
        ok "$name: tile failed with a reason naming '$word', 5 others done"
    else
        notok "$name" "worker exit $st, $done done, reason: $reason, stderr: $(head -c 300 "$T/err")"
    fi
}

job=$(fresh)
t=$(names "$job/tiles" | head -n 1)
head -c 30 "$job/tiles/$t" > "$T/x" && mv "$T/x" "$job/tiles/$t"
worker_fails_tile "truncated tile" "truncated" "$job"

job=$(fresh)
t=$(names "$job/tiles" | head -n 1)
{ printf 'P6\n7 7\n255\n'; head -c 147 /dev/zero; } > "$job/tiles/$t"
worker_fails_tile "tile with a wrong size" "expected" "$job"

job=$(fresh)
t=$(names "$job/tiles" | head -n 1)
printf 'GIF89a garbage' > "$job/tiles/$t"
worker_fails_tile "tile with a wrong header" "$t" "$job"

job=$(fresh)
t=$(names "$job/tiles" | head -n 1)
cp "$job/tiles/$t" "$T/x" && printf 'extra' >> "$T/x" && mv "$T/x" "$job/tiles/$t"
worker_fails_tile "tile with bytes after its pixels" "after" "$job"

# manifests: each tampering is refused by worker and assembler with one line
# naming job.json, exit 3, and nothing is processed.
manifest_case() {
    name=$1 script=$2
    job=$(fresh)
    python3 -c "$script" "$job/job.json" || { notok "$name" "python failed"; return; }
    check_fails "$name: worker refuses the job" 3 "$BIN/worker" -q --spool "$SP" -w 1
    if grep -q "job.json" "$T/.err"; then ok "$name: the message names job.json"
    else notok "$name: names job.json" "$(cat "$T/.err")"; fi
    n=$(names "$job/out" | wc -l)
    if [ "$n" -eq 0 ]; then ok "$name: nothing processed"
    else notok "$name: nothing processed" "$n tiles in out/"; fi
    check_fails "$name: assembler refuses the job" 3 "$BIN/assembler" -q --spool "$SP" \
        --job "$(basename "$job")" -o "$T/o.png"
}
manifest_case "job.json not JSON" 'import sys; open(sys.argv[1],"w").write("{not json")'
manifest_case "job.json empty" 'import sys; open(sys.argv[1],"w").write("")'
manifest_case "tiles.size a string" '
import sys,json; p=sys.argv[1]; m=json.load(open(p)); m["tiles"]["size"]="32"; json.dump(m,open(p,"w"))'
manifest_case "source.width missing" '
import sys,json; p=sys.argv[1]; m=json.load(open(p)); del m["source"]["width"]; json.dump(m,open(p,"w"))'
manifest_case "grid inconsistent with the size" '
import sys,json; p=sys.argv[1]; m=json.load(open(p)); m["tiles"]["cols"]=1000; json.dump(m,open(p,"w"))'
manifest_case "filter name with a path" '
import sys,json; p=sys.argv[1]; m=json.load(open(p)); m["chain"][0]["name"]="../../etc/x"; json.dump(m,open(p,"w"))'
manifest_case "extension with a slash" '
import sys,json; p=sys.argv[1]; m=json.load(open(p)); m["tiles"]["extension"]="/../../x"; json.dump(m,open(p,"w"))'
manifest_case "job id with .." '
import sys,json; p=sys.argv[1]; m=json.load(open(p)); m["job"]="../evil"; json.dump(m,open(p,"w"))'

job=$(fresh)
check_fails "unknown job id: worker" 3 "$BIN/worker" -q --spool "$SP" --job 20990101T000000Z-nope-00000000
check_fails "unknown job id: assembler" 3 "$BIN/assembler" -q --spool "$SP" \
    --job 20990101T000000Z-nope-00000000 -o "$T/o.png"
check_fails "job id with a slash: assembler" 2 "$BIN/assembler" -q --spool "$SP" --job ../x -o "$T/o.png"
check_fails "job id with a slash: worker" 2 "$BIN/worker" -q --spool "$SP" --job a/b

# a stray file in tiles/ that is not a tile name is left alone
job=$(fresh)
echo hello > "$job/tiles/README"
"$BIN/worker" -q --spool "$SP" -w 2 2>"$T/err"
st=$?
if [ $st -eq 0 ] && [ -f "$job/tiles/README" ] && [ "$(names "$job/out" | wc -l)" -eq 6 ]; then
    ok "a stray file in tiles/ is ignored, the job completes"
else
    notok "stray file in tiles/" "exit $st, $(cat "$T/err")"
fi

# symbolic links: a tile that is a link to a file outside the job is never read
mkdir -p "$T/outside"
printf 'P6\n40 40\n255\n' > "$T/outside/secret.ppm"
head -c 4800 /dev/urandom >> "$T/outside/secret.ppm"
job=$(fresh)
t=$(names "$job/tiles" | head -n 1)
rm "$job/tiles/$t" && ln -s "$T/outside/secret.ppm" "$job/tiles/$t"
before=$(md5sum < "$T/outside/secret.ppm")
"$BIN/worker" -q --spool "$SP" -w 2 >"$T/out" 2>"$T/err"
st=$?
after=$(md5sum < "$T/outside/secret.ppm")
if [ $st -ne 0 ] && [ "$before" = "$after" ] && [ ! -e "$job/out/$t" ]; then
    ok "a tile that is a symlink is refused (exit $st), the target is untouched"
else
    notok "symlinked tile" "exit $st, out exists: $([ -e "$job/out/$t" ] && echo yes), stderr $(cat "$T/err")"
fi
if grep -q "$t" "$T/err" "$job"/failed/*.json 2>/dev/null; then
    ok "the symlinked tile is named in the error"
else
    notok "symlinked tile named" "$(cat "$T/err")"
fi

# a job subdirectory that is a symlink to elsewhere: nothing is written there
job=$(fresh)
mkdir -p "$T/elsewhere"
rmdir "$job/out" && ln -s "$T/elsewhere" "$job/out"
"$BIN/worker" -q --spool "$SP" -w 2 >"$T/out" 2>"$T/err"
st=$?
n=$(names "$T/elsewhere" | wc -l)
if [ $st -ne 0 ] && [ "$n" -eq 0 ]; then ok "out/ as a symlink: refused, nothing written outside (exit $st)"
else notok "out/ as a symlink" "exit $st, $n files written outside, stderr $(cat "$T/err")"; fi

# the job directory itself a symlink
job=$(fresh)
mv "$job" "$T/realjob" && ln -s "$T/realjob" "$job"
"$BIN/worker" -q --spool "$SP" -w 2 >"$T/out" 2>"$T/err"
st=$?
n=$(names "$T/realjob/out" | wc -l)
if [ $st -ne 0 ] && [ "$n" -eq 0 ]; then ok "job directory as a symlink: refused (exit $st)"
else notok "job dir symlink" "exit $st, $n tiles written, stderr $(cat "$T/err")"; fi
