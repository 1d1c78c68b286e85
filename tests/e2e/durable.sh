# shellcheck shell=sh
# durable - what --durable promises, read off the system calls: strace
# records every process of a `tilespool run --durable` (one file per pid),
# and for each file published by rename (input tiles, out/ tiles, job.json,
# the assembler's output) the file is fsynced before its rename and the
# directory it was renamed into is fsynced after it; every claim move
# (tiles/ -> claimed/ -> done/) is followed by an fsync of the directory
# it entered; every directory the splitter creates is followed by an fsync
# of its parent.  Without --durable there is no fsync at all.
#
# strace makes LeakSanitizer fail (it cannot run under ptrace), and this
# test is about system calls, not memory: it runs the plain build.
# shellcheck source=SCRIPTDIR/lib.sh
. "$(dirname "$0")/lib.sh"

if ! command -v strace >/dev/null 2>&1; then
    echo "skip - durable: strace is not installed"
    exit 0
fi
if ! strace -o /dev/null true 2>/dev/null; then
    echo "skip - durable: strace cannot trace here (ptrace not permitted)"
    exit 0
fi

mkdir -p "$T/pbin"
for p in splitter worker assembler; do ln -s "$PLAIN/$p" "$T/pbin/$p"; done
cp "$PLAIN/tilespool" "$T/pbin/tilespool"
mk --type rgb 120 80 "$T/in.png"
CHAIN=gaussian_blur,invert

# trace NAME ARGS... - strace -ff the run into $T/NAME/trace.<pid>.
trace() {
    tr_name=$1; shift
    mkdir -p "$T/$tr_name"
    strace -f -ff -o "$T/$tr_name/trace" \
        -e trace=fsync,fdatasync,rename,renameat,renameat2,openat,open,mkdir,mkdirat \
        "$T/pbin/tilespool" run --keep -q -w 2 -t 32 -f "$CHAIN" "$@" 2>"$T/$tr_name.err"
}

# The checker: per process, in order.  It knows which path each fd was
# opened on, notes every fsync, and for each successful rename or mkdir
# demands the fsyncs described above.  Prints one line per kind:
#   KIND COUNT FILE_NOT_SYNCED DIR_NOT_SYNCED FIRST_PROBLEM
cat >"$T/check.awk" <<'AWK'
function dirof(p,   i) {
    i = match(p, /\/[^\/]*$/)
    return i > 1 ? substr(p, 1, i - 1) : (i == 1 ? "/" : ".")
}
function strings(line, out,   n, rest) {
    n = 0; rest = line
    while (match(rest, /"[^"]*"/)) {
        out[++n] = substr(rest, RSTART + 1, RLENGTH - 2)
        rest = substr(rest, RSTART + RLENGTH)
    }
    return n
}
function kind(dst) {
    if (dst ~ /\/job\.json$/) return "job.json"
    if (dst ~ /\/tiles\/[^\/]*$/) return "tiles"
    if (dst ~ /\/out\/[^\/]*$/) return "out"
    if (dst ~ /\/claimed\/[^\/]*$/) return "claimed"
    if (dst ~ /\/done\/[^\/]*$/) return "done"
    if (dst ~ /\/failed\/[^\/]*$/) return "failed"
    return "output"
}
function problem(k, msg) { if (!(k in first)) first[k] = msg }
# unsynced - a directory still owed an fsync when the next rename or mkdir
# comes (or the process ends) is a failure: it must come right after
function unsynced(   p) {
    for (p in pend) { problem(pendk[p], "no fsync of " p " after " pendwhat[p]); ndir[pendk[p]]++ }
    delete pend; delete pendk; delete pendwhat
}
FNR == 1 {      # a new process: forget the last one's descriptors
    unsynced()
    delete fdp; delete synced
}
/^(openat|open)\(/ && / = [0-9]+$/ {
    strings($0, s)
    fd = $NF
    fdp[fd] = s[1]
    next
}
/^(fsync|fdatasync)\(/ && / = 0$/ {
    match($0, /\([0-9]+\)/)
    path = fdp[substr($0, RSTART + 1, RLENGTH - 2)]
    synced[path] = 1
    if (path in pend) { delete pend[path]; delete pendk[path]; delete pendwhat[path] }
    next
}
/^rename(at2?)?\(/ && / = 0$/ {
    n = strings($0, s)
    src = s[1]; dst = s[n]
    k = kind(dst)
    count[k]++
    # a published file comes from tmp/ (or a hidden temporary beside the
    # output): its data must be on disk before its name is
    if ((src ~ /\/tmp\/[^\/]*$/ || src ~ /\/\.[^\/]*\.tmp@[^\/]*$/) && !(src in synced)) {
        nfile[k]++
        problem(k, "no fsync of " src " before its rename")
    }
    unsynced()
    d = dirof(dst)
    pend[d] = 1; pendk[d] = k; pendwhat[d] = "rename to " dst
    next
}
/^mkdir(at)?\(/ && / = 0$/ {
    strings($0, s)
    k = "mkdir"
    count[k]++
    unsynced()
    d = dirof(s[1])
    pend[d] = 1; pendk[d] = k; pendwhat[d] = "mkdir " s[1]
    next
}
/^(fsync|fdatasync)\(/ { nsync_failed++ }
END {
    unsynced()
    split("tiles job.json claimed out done output mkdir", ks, " ")
    for (i = 1; i <= 7; i++) {
        k = ks[i]
        printf "%s %d %d %d %s\n", k, count[k] + 0, nfile[k] + 0, ndir[k] + 0, (k in first ? first[k] : "-")
    }
}
AWK

S=$T/sp
if trace durable --durable --spool "$S" "$T/in.png" "$T/out.png"; then
    ok "--durable run under strace succeeds"
else
    notok "--durable run under strace succeeds" "$(head -c 300 "$T/durable.err")"
fi
awk -f "$T/check.awk" "$T"/durable/trace.* >"$T/durable.res"
ntiles=$(nmatch "$S"/*/out/*)
# want KIND MIN WHAT - ok if KIND had at least MIN events, all synced.
want() {
    # shellcheck disable=SC2046  # one argument per field of KIND's line
    set -- $(grep "^$1 " "$T/durable.res") "$2" "$3"
    cnt=$2 nf=$3 nd=$4
    shift 4
    prob=$1; shift
    min=$1; shift
    if [ "$cnt" -ge "$min" ] && [ "$nf" -eq 0 ] && [ "$nd" -eq 0 ]; then
        ok "--durable: $*: $cnt, each synced"
    else
        notok "--durable: $*" "$cnt seen (want >= $min), $nf file(s) and $nd directorie(s) not synced; e.g. $prob"
    fi
}
# a problem text has spaces: give it its own line for want()
awk '{ p = $5; for (i = 6; i <= NF; i++) p = p "_" $i; print $1, $2, $3, $4, p }' \
    "$T/durable.res" >"$T/durable.res2" && mv "$T/durable.res2" "$T/durable.res"
want tiles "$ntiles" "input tiles fsynced before rename, tiles/ after"
want job.json 1 "job.json fsynced before rename, the job directory after"
want out "$ntiles" "out/ tiles fsynced before rename, out/ after"
want claimed "$ntiles" "claims: claimed/ fsynced after each claim"
want "done" "$ntiles" "commits: done/ fsynced after each move"
want output 1 "the output fsynced before rename, its directory after"
want mkdir 7 "new directories: the parent fsynced after each mkdir"
check "--durable: output identical to a plain run's" sh -c \
    "'$T/pbin/tilespool' run -q -w 2 -t 32 -f '$CHAIN' --spool '$T/sp2' '$T/in.png' '$T/plain.png' &&
     cmp '$T/plain.png' '$T/out.png'"

# without --durable: not one fsync (and the checker, shown such a run,
# does complain: it is not satisfied by anything)
rm -rf "$S"
trace plain --spool "$S" "$T/in.png" "$T/out2.png" || notok "plain run under strace" "$(cat "$T/plain.err")"
n=$(cat "$T"/plain/trace.* | grep -c '^f\(data\)\{0,1\}sync(')
if [ "$n" -eq 0 ]; then ok "without --durable: no fsync"
else notok "without --durable: no fsync" "$n fsync calls: $(cat "$T"/plain/trace.* | grep -m3 'sync(' | tr '\n' ' ')"; fi
awk -f "$T/check.awk" "$T"/plain/trace.* >"$T/plain.res"
if awk '$1 == "tiles" && $2 > 0 && $3 == $2 && $4 == $2 { found = 1 } END { exit !found }' "$T/plain.res"
then ok "the checker flags every tile of a run without --durable"
else notok "the checker flags every tile of a run without --durable" "$(tr '\n' ' ' <"$T/plain.res")"; fi
