# shellcheck shell=sh
# inspect - `tilespool inspect` on a job caught half-way: of its 12 tiles
# 10 are settled (some done, some failed in a hostile filter), 1 is
# claimed by a live process and 1 waits.  The report is checked three ways:
#   * parsed (tests/tools/htmlreport.py): tile elements per state in both
#     views, each failed tile with its reason, the halo of each tile, the
#     processing time of each settled one, every link resolving to an
#     existing tile file, nothing outside the file referenced;
#   * rendered in headless Chromium: the DOM after the script ran says what
#     the page shows (tile counts, the view toggled by #time), and in a
#     screenshot each tile's area has its state's colour (sampled where
#     the script reports the tile is on screen);
#   * the --png overview, by pixel colours of each tile and the legend.
# Also: -o elsewhere (links still resolve), the output marked assembled
# once it is, views of a large image downscaled, and the error exits.
# shellcheck source=SCRIPTDIR/lib.sh
. "$(dirname "$0")/lib.sh"

TILESPOOL_FILTER_PATH=$FILTERS/hostile:$FILTERS
TILESPOOL_NODE=testnode
export TILESPOOL_FILTER_PATH TILESPOOL_NODE
cd "$T" || exit 2
SP=$T/sp
HOLD="python3 $TOP/tests/tools/spoolhold.py"
PIX="python3 $TOP/tests/tools/pngpix.py"
REPORT="python3 $TOP/tests/tools/htmlreport.py"
holder=""
trap '[ -n "$holder" ] && kill "$holder" 2>/dev/null; rm -rf "$T"' EXIT INT TERM

# py NAME FILE PYTHON - run PYTHON with v = the JSON in FILE.
py() {
    if python3 -c "import json, os, sys
v = json.load(open(sys.argv[1]))
$3" "$2" >"$T/py.err" 2>&1; then ok "$1"
    else notok "$1" "$(tail -n 3 "$T/py.err" | tr '\n' ' ')"; fi
}

# ---- a job half-way -------------------------------------------------------------

# Checker image, tiles of 16: tile (r, c) is white when r + c is even.
# `sometimes` traps on tiles whose first sample (in the halo of 2 that
# box_blur needs) is bright, and inverts the others.
mk --type gray --pattern checker 64 48 "$T/chk.png"
job=$("$BIN/splitter" -q --spool "$SP" -t 16 -f sometimes,box_blur:radius=2 -o "$T/out.png" \
    "$T/chk.png")
J=$SP/$job
[ -n "$job" ] || { notok "split" "no job"; exit 1; }
# r2c2 (white) and r2c3 (black) sit out the worker's run
mkdir "$T/aside" && mv "$J/tiles/r2c2.pgm" "$J/tiles/r2c3.pgm" "$T/aside/"
"$BIN/worker" -q --spool "$SP" -w 2 2>"$T/err"
is "worker: exit 1 (tiles failed)" "$?" 1
mv "$T/aside/r2c2.pgm" "$T/aside/r2c3.pgm" "$J/tiles/"
$HOLD claim "$J" r2c3.pgm testnode hold >"$T/live.pid" 2>"$T/hold.err" &
holder=$!
i=0
while [ ! -s "$T/live.pid" ] && [ $i -lt 300 ]; do sleep 0.1; i=$((i + 1)); done
[ -s "$T/live.pid" ] || { notok "a live claim on r2c3" "$(cat "$T/hold.err")"; exit 1; }

"$TS" inspect --spool "$SP" --png "$T/ov.png" "$job" >"$T/out" 2>"$T/err"
is "inspect: exit 0" "$?" 0
is "inspect: prints the files written" "$(tr '\n' ' ' <"$T/out")" "$J/inspect.html $T/ov.png "
html=$J/inspect.html
[ -s "$html" ] || { notok "inspect.html written" "$(cat "$T/err")"; exit 1; }
$REPORT "$html" >"$T/r.json" 2>"$T/err" || notok "htmlreport parses the page" "$(cat "$T/err")"

# ---- the page's content ----------------------------------------------------------

# What the spool holds, tile by tile: the states the page must show.
FAILED=$(names "$J/failed" | grep -v '\.json$' | tr '\n' ' ')
DONE=$(names "$J/out" | tr '\n' ' ')
nf=$(echo "$FAILED" | wc -w) nd=$(echo "$DONE" | wc -w)
if [ "$nf" -gt 0 ] && [ "$nd" -gt 0 ] && [ $((nf + nd)) -eq 10 ]; then
    ok "spool: $nf failed and $nd done tiles to show"
else notok "spool: failed and done tiles to show" "failed: $FAILED done: $DONE"; fi
STATES=""
for r in 0 1 2; do for c in 0 1 2 3; do
    t=r${r}c$c.pgm
    if [ -e "$J/failed/$t" ]; then s=failed; elif [ -e "$J/out/$t" ]; then s="done"
    elif [ $t = r2c3.pgm ]; then s=claimed; else s=waiting; fi
    STATES="$STATES $r:$c:$s"
done; done
py "both views: $nd done, $nf failed, 1 claimed, 1 waiting tile elements" "$T/r.json" "
want = {'done': $nd, 'failed': $nf, 'claimed': 1, 'waiting': 1}
assert v['views'] == {'source': want, 'output': want}, v['views']"
py "tile states: the failed, done, claimed and waiting tiles" "$T/r.json" "
st = {t['tile']: t['state'] for t in v['tiles'] if t['view'] == 'source'}
assert sorted(k for k in st if st[k] == 'failed') == '$FAILED'.split(), st
assert sorted(k for k in st if st[k] == 'done') == '$DONE'.split(), st
assert st['r2c3.pgm'] == 'claimed' and st['r2c2.pgm'] == 'waiting', st"
py "failed tiles: each listed with its reason" "$T/r.json" "
f = {x['tile']: x['reason'] for x in v['failures']}
assert sorted(f) == '$FAILED'.split(), f
assert all('Unreachable instruction executed' in r for r in f.values()), f"
py "processing times: on the 10 settled tiles, from the log" "$T/r.json" "
ms = {t['tile']: t['ms'] for t in v['tiles'] if t['view'] == 'source'}
assert all(float(ms[k]) > 0 for k in '$FAILED $DONE'.split()), ms
assert ms['r2c2.pgm'] is None and ms['r2c3.pgm'] is None, ms"
py "links: every href is a file of the job" "$T/r.json" "
base = '$J'
links = [l for l in v['links'] if not l.startswith('data:')]
missing = [l for l in links if not os.path.isfile(os.path.join(base, l))]
assert len(links) >= 12 + 5 + 10 and not missing, missing"
py "links: each tile to where it is (done/, failed/, tiles/, claimed/, out/)" "$T/r.json" "
src = {t['tile']: t['href'] for t in v['tiles'] if t['view'] == 'source'}
out = {t['tile']: t['href'] for t in v['tiles'] if t['view'] == 'output'}
assert all(src[k] == 'failed/' + k for k in '$FAILED'.split()), src
assert all(src[k] == 'done/' + k for k in '$DONE'.split()), src
assert src['r2c2.pgm'] == 'tiles/r2c2.pgm', src
assert src['r2c3.pgm'] == 'claimed/r2c3.pgm@testnode.$(cat "$T/live.pid")', src
assert all(out[k] == 'out/' + k for k in '$DONE'.split()), out
assert all(out[k] is None for k in '$FAILED r2c2.pgm r2c3.pgm'.split()), out"
py "self-contained: no external reference, both views embedded" "$T/r.json" "
assert v['external'] == [], v['external']
assert v['images'] == 2, v['images']"
py "chain and totals" "$T/r.json" "
c = v['ids']['chain']
assert 'sometimes' in c and 'box_blur' in c and 'radius=2' in c, c
assert int(v['ids']['peak'].split()[0]) > 0, v['ids']['peak']
assert 'not assembled' in v['ids']['totals'], v['ids']['totals']"
# the halo: a rectangle 2 pixels larger on each side than the core
if python3 - "$html" >"$T/py.err" 2>&1 <<'EOF'
import re, sys
page = open(sys.argv[1]).read()
g = re.search(r'<g class="tile st-done" data-tile="r1c2.pgm".*?</g>', page).group(0)
halo = re.search(r'class="halo" x="(-?\d+)" y="(-?\d+)" width="(\d+)" height="(\d+)"', g).groups()
core = re.search(r'class="core" x="(\d+)" y="(\d+)" width="(\d+)" height="(\d+)"', g).groups()
assert core == ("32", "16", "16", "16"), core
assert halo == ("30", "14", "20", "20"), halo
assert ".tile:hover .halo{visibility:visible}" in page
EOF
then ok "halo: each tile's halo rectangle, shown on hover"
else notok "halo: each tile's halo rectangle, shown on hover" "$(tail -n 3 "$T/py.err" | tr '\n' ' ')"; fi

# ---- the overview PNG ------------------------------------------------------------

# hue_is R G B STATE - true if R G B has STATE's hue (tinted over black or white)
hue_is() {
    r=$1 g=$2 b=$3
    case $4 in
    failed) [ "$r" -gt $((g + 30)) ] && [ "$r" -gt $((b + 30)) ] ;;
    done) [ "$g" -gt $((r + 20)) ] && [ "$g" -gt $((b + 20)) ] ;;
    claimed) [ "$b" -gt $((g + 30)) ] && [ "$g" -gt $((r + 20)) ] ;;
    waiting) [ $((r - g)) -lt 15 ] && [ $((g - r)) -lt 15 ] && [ $((g - b)) -lt 15 ] &&
        [ $((b - g)) -lt 15 ] ;;
    esac
}

# rgb_is NAME R G B STATE - ok if R G B has STATE's hue
rgb_is() {
    name=$1 r=$2 g=$3 b=$4 state=$5
    if hue_is "$r" "$g" "$b" "$state"; then ok "$name: $state colour ($r $g $b)"
    else notok "$name: $state colour" "got $r $g $b"; fi
}

# 64 x 48 is drawn 8 times larger, the legend strip below it
is "overview: 512 x 408 (8x, legend of 24 rows)" "$($PIX "$T/ov.png")" "512 408"
# check_tiles NAME IMAGE BOXES - each tile of $STATES has its state's colour
# in IMAGE, in the box BOXES gives for it (a line "x y w h" per tile, in
# the order of $STATES).
check_tiles() {
    # shellcheck disable=SC2046 # one argument per number
    $PIX "$2" $(cat "$3") >"$T/rgb" 2>"$T/pix.err" || { notok "$1" "$(cat "$T/pix.err")"; return; }
    what=$1
    # shellcheck disable=SC2086  # one argument per tile of the list
    set -- $STATES
    while read -r r g b; do
        t=$1; shift
        rgb_is "$what r${t%%:*}c$(echo "$t" | cut -d: -f2)" "$r" "$g" "$b" "${t##*:}"
    done <"$T/rgb"
}

for t in $STATES; do
    row=${t%%:*} col=$(echo "$t" | cut -d: -f2)
    echo $((col * 128 + 32)) $((row * 128 + 32)) 64 64
done >"$T/ov.boxes"
check_tiles overview "$T/ov.png" "$T/ov.boxes"
$PIX "$T/ov.png" 32 392 64 10 160 392 64 10 288 392 64 10 416 392 64 10 >"$T/rgb"
set -- waiting claimed "done" failed
i=1
while read -r r g b; do
    rgb_is "overview legend, swatch $i" "$r" "$g" "$b" "$1"
    shift
    i=$((i + 1))
done <"$T/rgb"

# ---- rendered in Chromium --------------------------------------------------------

CHROME=""
for c in chromium chromium-browser google-chrome; do
    command -v "$c" >/dev/null 2>&1 && CHROME=$c && break
done
# chrome ARGS... - headless, a private profile, 1200 x 900 CSS pixels at scale 1
chrome() {
    timeout 120 "$CHROME" --headless --no-sandbox --disable-gpu --disable-dev-shm-usage \
        --no-first-run --user-data-dir="$T/profile" --force-device-scale-factor=1 \
        --hide-scrollbars --window-size=1200,900 "$@" 2>>"$T/chrome.err"
}
if [ -z "$CHROME" ]; then
    echo "skip - chromium: not installed (scripts/install-deps installs it), page not rendered"
else
    chrome --virtual-time-budget=3000 --dump-dom "file://$html" >"$T/dom.html"
    $REPORT "$T/dom.html" >"$T/dom.json" 2>"$T/err" || notok "chromium --dump-dom" "$(tail -n 3 "$T/chrome.err")"
    py "chromium DOM: the script counted the tiles shown" "$T/dom.json" "
assert v['ids']['shown'] == '12 tiles shown: 1 waiting, 1 claimed, $nd done, $nf failed', v['ids']['shown']"
    py "chromium DOM: coloured by state, the state button pressed" "$T/dom.json" "
assert v['attrs']['state']['id'] == 'state'
import re
page = open('$T/dom.html').read()
assert re.search(r'<body[^>]*data-view=\"state\"', page), 'body view'
assert re.search(r'aria-pressed=\"true\"[^>]*>by state<|data-for=\"state\"[^>]*aria-pressed=\"true\"', page), 'button'"
    py "chromium DOM: every tile has an on-screen box inside the window" "$T/dom.json" "
boxes = [list(map(int, t['box'].split(','))) for t in v['tiles']]
assert len(boxes) == 24, len(boxes)
assert all(w > 20 and h > 20 and x >= 0 and y >= 0 and x + w <= 1200 and y + h <= 900 for x, y, w, h in boxes), boxes"

    chrome --virtual-time-budget=3000 --screenshot="$T/shot.png" "file://$html" >/dev/null
    if [ -s "$T/shot.png" ]; then ok "chromium: screenshot taken"
    else notok "chromium: screenshot taken" "$(tail -n 3 "$T/chrome.err")"; fi
    # the inner half of each tile's box in the source view, in $STATES order
    # shellcheck disable=SC2086  # one argument per tile of the list
    python3 -c 'import json, sys
box = {t["tile"]: t["box"] for t in json.load(open(sys.argv[1]))["tiles"] if t["view"] == "source"}
for t in sys.argv[2:]:
    r, c, _ = t.split(":")
    x, y, w, h = map(int, box["r%sc%s.pgm" % (r, c)].split(","))
    print(x + w // 4, y + h // 4, w // 2, h // 2)' "$T/dom.json" $STATES >"$T/shot.boxes"
    check_tiles screenshot "$T/shot.png" "$T/shot.boxes"

    # by processing time: the claimed tile has no time, so it turns grey
    chrome --virtual-time-budget=3000 --dump-dom "file://$html#time" >"$T/dom2.html"
    if grep -Eq '<body[^>]*data-view="time"' "$T/dom2.html"; then ok "chromium: #time opens the time view"
    else notok "chromium: #time opens the time view" "$(grep -o '<body[^>]*>' "$T/dom2.html")"; fi
    chrome --virtual-time-budget=3000 --screenshot="$T/shot2.png" "file://$html#time" >/dev/null
    # shellcheck disable=SC2046
    rgb_is "time view, claimed tile without a time" $($PIX "$T/shot2.png" $(sed -n 12p "$T/shot.boxes")) waiting
fi

kill "$holder" 2>/dev/null
wait "$holder" 2>/dev/null
holder=""

# ---- -o elsewhere, assembled output ------------------------------------------------

mkdir -p "$T/reports/deep"
"$TS" inspect --spool "$SP" -o "$T/reports/deep/r.html" "$job" >/dev/null 2>"$T/err"
is "-o elsewhere: exit 0" "$?" 0
$REPORT "$T/reports/deep/r.html" >"$T/r2.json"
py "-o elsewhere: links relative to the report, all resolving" "$T/r2.json" "
links = [l for l in v['links'] if not l.startswith('data:')]
missing = [l for l in links if not os.path.isfile(os.path.join('$T/reports/deep', l))]
assert links and all(l.startswith('../../sp/$job/') for l in links) and not missing, (links[:3], missing)"

"$BIN/assembler" -q --spool "$SP" --job "$job" --allow-partial 2>"$T/err"
"$TS" inspect --spool "$SP" "$job" >/dev/null 2>"$T/err"
$REPORT "$html" >"$T/r3.json"
py "once assembled: the report says so" "$T/r3.json" "
assert '(assembled)' in v['ids']['totals'], v['ids']['totals']"

# ---- a large image is shown downscaled -----------------------------------------------

mk --type rgb 2100 900 "$T/big.png"
big=$("$BIN/splitter" -q --spool "$SP" -t 512 -f identity -o "$T/bigout.png" "$T/big.png")
"$BIN/worker" -q --spool "$SP" -w 2 --job "$big" 2>"$T/err"
"$TS" inspect --spool "$SP" "$big" >/dev/null 2>"$T/err"
is "large image: exit 0" "$?" 0
if python3 - "$SP/$big/inspect.html" "$T/view.png" >"$T/py.err" 2>&1 <<'EOF'
import base64, re, sys
page = open(sys.argv[1]).read()
uris = re.findall(r'src="data:image/png;base64,([^"]+)"', page)
assert len(uris) == 2, len(uris)
open(sys.argv[2], "wb").write(base64.b64decode(uris[1]))
EOF
then is "large image: 2100 x 900 shown as 700 x 300 (every 3rd pixel)" "$($PIX "$T/view.png")" "700 300"
else notok "large image: views embedded" "$(tail -n 2 "$T/py.err")"; fi

# ---- a damaged tile file -----------------------------------------------------------

bad=$(names "$J/out" | head -n 1)
: >"$J/out/$bad"
"$TS" inspect --spool "$SP" "$job" >/dev/null 2>"$T/err"
st=$?
if [ $st -eq 0 ] && [ "$(grep -c . "$T/err")" -eq 1 ] && grep -qF "out/$bad" "$T/err"; then
    ok "damaged out/$bad: exit 0, one warning naming it"
else notok "damaged out/$bad: exit 0, one warning naming it" "exit $st: $(cat "$T/err")"; fi
if grep -q "class=\"note\">Tile files that could not be read: 1; the first: .*out/$bad" "$html"; then
    ok "damaged out/$bad: the report notes it"
else notok "damaged out/$bad: the report notes it" "$(grep -o 'class="note">[^<]*' "$html")"; fi

# ---- errors ----------------------------------------------------------------------

check_fails "no such job: exit 3, one line" 3 "$TS" inspect --spool "$SP" 20261121T000000Z-x-00000000
check_fails "missing spool: exit 4, one line" 4 "$TS" inspect --spool "$T/nowhere" "$job"
check_fails "no job given: exit 2, one line" 2 "$TS" inspect --spool "$SP"
mkdir -p "$SP/20261121T090001Z-gone-0000000b/tiles"
check_fails "job without job.json: exit 3, one line" 3 "$TS" inspect --spool "$SP" \
    20261121T090001Z-gone-0000000b
mkdir -p "$SP/notes"
check_fails "a directory that is not a job: exit 3, one line" 3 "$TS" inspect --spool "$SP" notes
