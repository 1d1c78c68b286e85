# shellcheck shell=sh
# cli - the command-line contract: --help (exit 0, on stdout, naming every
# option the design's CLI contract gives that program) and --version for
# splitter, worker, assembler and tilespool; `tilespool filters` lists the
# 12 bundled filters with their parameters, as text and as one JSON object
# per line; `tilespool status` shows a finished job with 0 waiting;
# `tilespool clean` removes jobs; TILESPOOL_SPOOL is the default spool.
# shellcheck source=SCRIPTDIR/lib.sh
. "$(dirname "$0")/lib.sh"

cd "$T" || exit 2

# has_opts NAME FILE OPT... - ok if FILE mentions every OPT as a whole word.
has_opts() {
    name=$1 file=$2; shift 2
    missing=""
    for o in "$@"; do
        grep -Eq -- "(^|[^-[:alnum:]])$o([^-[:alnum:]]|$)" "$file" || missing="$missing $o"
    done
    if [ -z "$missing" ]; then ok "$name"; else notok "$name" "missing:$missing"; fi
}

# help_case PROG OPT... - PROG --help exits 0, prints usage on stdout, and
# mentions every OPT; PROG --version exits 0 with one line naming a version.
help_case() {
    prog=$1; shift
    case $prog in tilespool) cmd=$TS ;; *) cmd=$BIN/$prog ;; esac
    "$cmd" --help >"$T/help" 2>"$T/err"
    st=$?
    if [ $st -eq 0 ] && grep -qi usage "$T/help"; then ok "$prog --help: exit 0, usage on stdout"
    else notok "$prog --help: exit 0, usage on stdout" "exit $st: $(head -c 200 "$T/help" "$T/err")"; fi
    has_opts "$prog --help names the contract's options" "$T/help" "$@"
    "$cmd" --version >"$T/ver" 2>"$T/err"
    st=$?
    if [ $st -eq 0 ] && [ "$(grep -c . "$T/ver")" -eq 1 ] && grep -Eq '[0-9]+\.[0-9]+' "$T/ver"; then
        ok "$prog --version: $(cat "$T/ver")"
    else
        notok "$prog --version" "exit $st: $(cat "$T/ver" "$T/err")"
    fi
}

help_case splitter --spool -f -t --tile-format -o
help_case worker --spool -w --job --timeout --retries --max-memory --follow
help_case assembler --spool --job -o --all --outdir --allow-partial
help_case status --spool --json
help_case inspect --spool -o --png
help_case tilespool run batch status inspect filters clean -f -w -t --tile-format --spool \
    --timeout --retries --max-memory -q -o --format --json

# The bundled filters and their parameters, as "name: p1 p2 ...".
cat >"$T/want" <<'EOF'
add_alpha: value
autolevels: low high
box_blur: radius
brightness_contrast: brightness contrast
convolve: k0 k1 k2 k3 k4 k5 k6 k7 k8 divisor offset
crop: x y width height gravity
equalize: mode
flatten: background
flip: direction
gaussian_blur: sigma
grayscale: standard keep_channels
histogram_match: reference
identity:
invert:
median: radius
posterize: levels
resize: width height scale kernel
rotate: angle
sepia:
sharpen: amount sigma threshold
sobel:
threshold: level
thumbnail: width height fit upscale kernel
transpose:
EOF

if "$TS" filters >"$T/filters" 2>"$T/err"; then ok "tilespool filters: exit 0"
else notok "tilespool filters: exit 0" "$(cat "$T/err")"; fi
# text form: a filter per unindented line, its parameters on indented lines
awk '/^[^ \t]/ { if (n) print line; line = $1 ":"; n = 1; next }
     /^[ \t]/  { line = line " " $1 }
     END       { if (n) print line }' "$T/filters" | sort >"$T/got"
if cmp -s "$T/want" "$T/got"; then ok "tilespool filters: the 24 filters with their params"
else notok "tilespool filters: the 24 filters with their params" "$(diff "$T/want" "$T/got" | tr '\n' ' ')"; fi
# each parameter line gives a default and a range (a path: that it is one)
if awk '/^[ \t]/ && !(/default/ && (/range/ || / one of /)) && !/path of an image/ { bad = 1 } END { exit bad }' "$T/filters"; then
    ok "tilespool filters: each param with its default and range"
else
    notok "tilespool filters: each param with its default and range" "$(grep '^[[:space:]]' "$T/filters" | head -3)"
fi

if "$TS" filters --json >"$T/json" 2>"$T/err"; then ok "tilespool filters --json: exit 0"
else notok "tilespool filters --json: exit 0" "$(cat "$T/err")"; fi
check "tilespool filters --json: every line is a JSON value" \
    python3 -c 'import json,sys; [json.loads(l) for l in sys.stdin]' <"$T/json"
python3 -c '
import json, sys
out = []
for l in sys.stdin:
    d = json.loads(l)
    assert isinstance(d, dict), "not an object: %r" % l
    for p in d["params"]:
        assert p.get("type") == "path" or p["min"] <= p["default"] <= p["max"], "bad range: %r" % p
    out.append((d["name"] + ": " + " ".join(p["name"] for p in d["params"])).rstrip())
print("\n".join(sorted(out)))' <"$T/json" >"$T/got" 2>"$T/err"
# the text list has "identity:" without a trailing space, like the Python output
if cmp -s "$T/want" "$T/got"; then ok "tilespool filters --json: one object per filter, same params"
else notok "tilespool filters --json: one object per filter, same params" \
    "$(cat "$T/err"; diff "$T/want" "$T/got" | tr '\n' ' ')"; fi

# status and clean
mk --type rgb 100 70 "$T/in.png"
if "$TS" run --keep -q -w 2 -t 32 --spool "$T/sp" -f invert in.png out.png 2>"$T/err"; then :
else notok "run for status" "$(cat "$T/err")"; fi
job=$(ls "$T/sp")
"$TS" status --spool "$T/sp" >"$T/status" 2>"$T/err"
st=$?
# the job's line: JOB STATE WAIT CLAIM DONE FAIL TOTAL ...; 100x70 in 32s: 4 x 3 = 12 tiles
line=$(grep -F "$job" "$T/status")
# shellcheck disable=SC2086  # one argument per column of the line
set -- $line
if [ $st -eq 0 ] && [ $# -ge 7 ] && [ "$2" = "done" ] && [ "$3" = 0 ] && [ "$4" = 0 ] &&
    [ "$5" = 12 ] && [ "$6" = 0 ] && [ "$7" = 12 ]; then
    ok "status: the job with 0 waiting, 0 claimed, 12 done, 0 failed"
else
    notok "status: the job with 0 waiting" "exit $st: $(cat "$T/status" "$T/err" | tr '\n' ' ')"
fi
if "$TS" status --spool "$T/sp" --json >"$T/sj" 2>"$T/err" &&
    python3 -c '
import json, sys
v = json.load(sys.stdin)
jobs = v if isinstance(v, list) else v.get("jobs", [v])
j = [x for x in jobs if x.get("job") == sys.argv[1]]
assert len(j) == 1 and j[0]["tiles"]["waiting"] == 0, v' "$job" <"$T/sj" 2>>"$T/err"; then
    ok "status --json: the job with waiting 0"
else
    notok "status --json: the job with waiting 0" "$(cat "$T/sj" "$T/err")"
fi

"$TS" run --keep -q -w 2 -t 32 --spool "$T/sp" -f identity in.png out2.png 2>"$T/err" ||
    notok "second run for clean" "$(cat "$T/err")"
[ "$(names "$T/sp" | grep -c .)" -eq 2 ] || notok "two jobs before clean" "$(names "$T/sp")"
if "$TS" clean --spool "$T/sp" "$job" 2>"$T/err" && [ ! -e "$T/sp/$job" ] &&
    [ "$(names "$T/sp" | grep -c .)" -eq 1 ]; then
    ok "clean JOB: removes that job only"
else
    notok "clean JOB: removes that job only" "$(cat "$T/err"; ls "$T/sp")"
fi
if "$TS" clean --spool "$T/sp" 2>"$T/err" && [ -z "$(ls -A "$T/sp")" ]; then
    ok "clean: removes every job"
else
    notok "clean: removes every job" "$(cat "$T/err"; ls "$T/sp")"
fi
if [ -d "$T/sp" ]; then ok "clean: keeps the spool directory"; else notok "clean: keeps the spool directory" "gone"; fi

# TILESPOOL_SPOOL is the default spool for run, status and clean
mkdir -p "$T/cwd" && cd "$T/cwd" || exit 2
if TILESPOOL_SPOOL=$T/envsp "$TS" run --keep -q -w 2 -t 32 -f invert ../in.png out.png 2>"$T/err"; then :
else notok "run with TILESPOOL_SPOOL" "$(cat "$T/err")"; fi
if [ "$(names "$T/envsp" | grep -c .)" -eq 1 ] && [ ! -e "$T/cwd/spool" ]; then
    ok "TILESPOOL_SPOOL: run uses it, not ./spool"
else
    notok "TILESPOOL_SPOOL: run uses it, not ./spool" "envsp: $(names "$T/envsp" | tr '\n' ' ')cwd: $(names "$T/cwd" | tr '\n' ' ')"
fi
envjob=$(ls "$T/envsp" 2>/dev/null)
if [ -n "$envjob" ] && TILESPOOL_SPOOL=$T/envsp "$TS" status 2>"$T/err" | grep -qF "$envjob"; then
    ok "TILESPOOL_SPOOL: status shows its job"
else
    notok "TILESPOOL_SPOOL: status shows its job" "$(cat "$T/err")"
fi
if TILESPOOL_SPOOL=$T/envsp "$BIN/splitter" -q -f sepia ../in.png >"$T/sj" 2>"$T/err" &&
    [ -d "$T/envsp/$(cat "$T/sj")" ] && [ ! -e "$T/cwd/spool" ]; then
    ok "TILESPOOL_SPOOL: the splitter uses it"
else
    notok "TILESPOOL_SPOOL: the splitter uses it" "$(cat "$T/sj" "$T/err")"
fi
if TILESPOOL_SPOOL=$T/envsp "$TS" clean --force 2>"$T/err" && [ -z "$(ls -A "$T/envsp")" ]; then
    ok "TILESPOOL_SPOOL: clean empties it"
else
    notok "TILESPOOL_SPOOL: clean empties it" "$(cat "$T/err"; ls "$T/envsp")"
fi
