#!/bin/sh
# bench_smoke - `bench/run --quick` (what `make bench QUICK=1` runs)
# still runs every case and reports a figure for each, so that the
# benchmark cannot rot between full runs.  It checks the shape and the
# sanity of the report (every case present, every figure positive, the
# plot a real PNG), never a speed: the machine running the tests may be
# busy with anything.
# shellcheck source=SCRIPTDIR/lib.sh
. "$(dirname "$0")/lib.sh"

for p in floor tileprobe runstat runfilter; do
    [ -x "$TOOLS/$p" ] || { notok "bench tools built" "$TOOLS/$p is missing"; exit 1; }
done
ok "bench tools built"
missing=""
command -v vips >/dev/null || missing="$missing libvips-tools"
/usr/bin/convert -version 2>/dev/null | grep -q ImageMagick || missing="$missing imagemagick"
command -v gnuplot >/dev/null || missing="$missing gnuplot"
if [ -n "$missing" ]; then
    echo "skip - bench_smoke: missing:$missing (TILESPOOL_BENCH_DEPS=1 sh scripts/install-deps)"
    exit 0
fi

doc=$TOP/docs/benchmarks.md
before=$(cksum "$doc" 2>/dev/null)
o=$T/bench
sh "$TOP/bench/run" --quick --out "$o" >"$T/bench.log" 2>&1
rc=$?
if [ $rc -eq 0 ]; then ok "bench --quick exits 0"
else notok "bench --quick exits 0" "exit $rc: $(tail -n 5 "$T/bench.log" | tr '\n' ' ')"; fi
check "docs/benchmarks.md untouched when --out is given" \
    test "$(cksum "$doc" 2>/dev/null)" = "$before"
md=$o/benchmarks.md
check "bench --quick writes benchmarks.md into --out" test -s "$md"

# results.json: every case, every program, every figure positive
# (the global filters are timed in the histogram-matching case instead;
# geometry filters are not timed one by one)
tile_local() { ! grep -q 'TSF_GLOBAL_FILTER\|TSF_GEOMETRY_FILTER' "$TOP/filters/$1.c" 2>/dev/null; }
c_filters=$(for f in "$TOP"/filters/*.c; do fn=${f##*/} fn=${fn%.c}; tile_local "$fn" && printf '%s ' "$fn"; done)
all_filters=$(for f in "$FILTERS"/*.wasm; do wn=${f##*/} wn=${wn%.wasm}; tile_local "$wn" && printf '%s ' "$wn"; done)
# (instruction counts: when valgrind is there to count them)
cg=0; command -v valgrind >/dev/null && cg=1
# (the speedmem case's libvips C peer: when `make bench` built it)
vipsc=0; [ -x "$TOOLS/vips_speedmem" ] && vipsc=1
if ! python3 - "$o/results.json" "$c_filters" "$all_filters" "$cg" "$vipsc" >"$T/json.out" 2>&1 <<'EOF'
import json, sys
r = json.load(open(sys.argv[1]))
c_filters, all_filters, cg = sys.argv[2].split(), sys.argv[3].split(), sys.argv[4] == "1"
vipsc = sys.argv[5] == "1"
def pos(what, x):
    print(("ok - " if isinstance(x, (int, float)) and x > 0 else "not ok - ") +
          "results.json: " + what + ("" if isinstance(x, (int, float)) and x > 0 else ": %r" % (x,)))
batch = {(b["case"], b["program"]): b for b in r["batch"]}
both = "ts-pnm-w1 ts-pnm-w2 ts-png-w2 floor-t1 floor-t2 floorw-t1 floorw-t2 vips-loop vips-p2 im-loop im-p2"
gray = both + " ts-png-w1 ts-png-w4 ts-png-w8 ts-pnm-w4 ts-pnm-w8 tsdisk-pnm-w2 floor-t4 floor-t8 vipsdef-loop"
thumb = "tsdef-w1 tsdef-w2 ts-p2 vips-loop vips-p2 im-loop im-p2"
for case, progs in (("gray", gray), ("blur", both), ("blursharp", both), ("thumb", thumb)):
    for p in progs.split():
        b = batch.get((case, p), {})
        pos("%s %s wall" % (case, p), b.get("median_s"))
        pos("%s %s peak RSS" % (case, p), b.get("peak_rss_kib"))
        pos("%s %s output bytes" % (case, p), b.get("output_bytes"))
sc = {s["workers"]: s for s in r["scaling"]}
for w in (1, 2, 4, 8):
    for k in ("raw_speedup", "png_speedup", "floor_speedup", "raw_efficiency"):
        pos("scaling %d workers %s" % (w, k), sc.get(w, {}).get(k))
fl = {f["filter"]: f for f in r["filters"]}
for f in all_filters:
    for k in ("wasm2c_ms_per_mp", "cold_wasm2c_us", "warm_tile_wasm2c_us", "wasm_bytes", "wasm2c_so_bytes") + \
            (("instructions_wasm2c",) if cg else ()):
        pos("filter %s %s" % (f, k), fl.get(f, {}).get(k))
for f in c_filters:
    for k in ("native_ms_per_mp", "native_o3_ms_per_mp", "wasm2c_over_native", "native_so_bytes") + \
            (("instructions_native",) if cg else ()):
        pos("filter %s %s" % (f, k), fl.get(f, {}).get(k))
pos("tiles per second (tmpfs)", r["tiles"].get("tiles_per_s_tmpfs"))
pos("tiles per second (disk)", r["tiles"].get("tiles_per_s_disk"))
lg = {l["program"]: l for l in r["large"]}
for p in ("split", "work", "asm", "total", "floor", "vips", "im"):
    pos("large %s wall" % p, lg.get(p, {}).get("median_s"))
    pos("large %s peak RSS" % p, lg.get(p, {}).get("peak_rss_kib"))
sm = {s["program"]: s for s in r["speedmem"]}
for p in ("ts-run", "vips-cli", "im", "gm") + (("vips-c",) if vipsc else ()):
    pos("speedmem %s wall" % p, sm.get(p, {}).get("median_s"))
    pos("speedmem %s peak RSS" % p, sm.get(p, {}).get("peak_rss_kib"))
    pos("speedmem %s output bytes" % p, sm.get(p, {}).get("output_bytes"))
sizes = set(s.get("output_size") for s in sm.values())
print(("ok - " if len(sizes) == 1 and "" not in sizes else "not ok - ") +
      "results.json: speedmem outputs all of one size: %s" % sorted(sizes))
for k in ("splitter", "worker_supervisor", "worker_child", "assembler"):
    pos("speedmem peak RSS of the tilespool %s" % k, r["speedmem_rss_kib"].get(k))
hm = {h["what"]: h for h in r["histmatch"]}
for w in ("ts-png", "ts-pnm", "filter-wasm", "filter-native"):
    pos("histmatch %s" % w, hm.get(w, {}).get("median_ms"))
t = r["targets"]
print(("ok - " if len(t) >= 10 and all(isinstance(x.get("met"), bool) for x in t) else "not ok - ")
      + "results.json: %d target checks, each met or missed" % len(t))
EOF
then
    notok "results.json parses" "$(tail -n 3 "$T/json.out" | tr '\n' ' ')"
fi
cat "$T/json.out"

# the markdown: the tables have their rows, with numbers in them
row() {
    if grep -q "^| $2 | [0-9]" "$md"; then ok "table row: $1"
    else notok "table row: $1" "no row '| $2 | <number>' in $md"; fi
}
for w in 1 2 4 8; do
    s=s; [ $w = 1 ] && s=""
    row "gray, PNG tiles, $w" "tilespool, PNG tiles, $w worker$s"
    row "gray, raw tiles, $w" "tilespool, raw tiles, $w worker$s"
    row "scaling, $w" "$w"
done
for p in "tilespool batch, 1 worker" "tilespool batch, 2 workers" \
         "tilespool run per image, xargs -P 2 (1 worker each)" \
         "floor, native, 2 threads" "floor, wasm2c, 2 threads" "libvips, shell loop" \
         "libvips, xargs -P 2" "ImageMagick, shell loop" "ImageMagick, xargs -P 2" \
         "tilespool splitter (256x256 raw tiles)" "tilespool worker, 2 workers" \
         "tilespool assembler" "floor, native" "libvips"; do
    row "$p" "$p"
done
for p in "tilespool run, 2 workers, PNG in and out (end to end)" \
         "filter alone, wasm2c (analyse + map, one instance each)" "filter alone, native, same source"; do
    row "$p" "$p"
done
if grep -q "^End-to-end output equal to the filter run alone: identical" "$md"; then
    ok "histogram matching: the pipeline's output equals the filter's alone"
else notok "histogram matching: pipeline equals filter alone" "$(grep '^End-to-end' "$md")"; fi
n=$(grep -c '^| tilespool, raw tiles, 2 workers | [0-9]' "$md")
if [ "$n" -eq 3 ]; then ok "gray, blur and blur+sharpen each have a raw-tile 2-worker row"
else notok "gray, blur and blur+sharpen each have a raw-tile 2-worker row" "found $n"; fi
for f in $all_filters; do
    n=$(grep -c "^| $f | [0-9]" "$md")
    if [ "$n" -eq 2 ]; then ok "filter rows: $f"
    else notok "filter rows: $f" "$n rows with numbers"; fi
done
row "speedmem: tilespool run" "tilespool run, [0-9]* workers"
row "speedmem: libvips CLI" "libvips, vips CLI through .v files"
row "speedmem: worker children" "worker children (the largest) |"
check "speedmem targets in the findings" sh -c "grep -c '^| speedmem: ' '$md' | grep -qx 6"
check "findings block filled" sh -c "sed -n '/^<!-- findings:begin/,/^<!-- findings:end/p' '$md' |
    grep -q '^| parallel efficiency at 2 workers, gray, raw tiles | [0-9]'"
check "pipeline and floor give the same pixels" sh -c "! grep -q DIFFERENT '$o/filters.txt'"

# the plot: a PNG file (signature and IHDR) of a sensible size
png=$o/scaling.png
check "scaling.png is a PNG" python3 -c '
import struct, sys
b = open(sys.argv[1], "rb").read()
assert b[:8] == b"\x89PNG\r\n\x1a\n" and b[12:16] == b"IHDR", "not a PNG"
w, h = struct.unpack(">II", b[16:24])
assert w >= 300 and h >= 200 and len(b) > 1000, "%dx%d, %d bytes" % (w, h, len(b))' "$png"
check "the markdown links the plot" grep -q '](scaling.png)' "$md"
