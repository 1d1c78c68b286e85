# shellcheck shell=sh
# makebatch - `make batch IN=... OUT=... FILTER=...` redoes only the
# outputs whose input or filter chain changed, and its outputs equal
# `tilespool run` of the same inputs.
# shellcheck source=SCRIPTDIR/lib.sh
. "$(dirname "$0")/lib.sh"

mkdir -p "$T/in"
for i in 1 2 3; do mk --seed "$i" --type rgb 90 70 "$T/in/p$i.png"; done
mk --type gray 50 40 "$T/in/g.png"

# runs - how many `tilespool run` commands a make batch invocation executed
runs() {
    make -s -C "$TOP" batch IN="$T/in" OUT="$T/out" FILTER="$1" WORKERS=2 >"$T/make.out" 2>&1
    echo "$?:$(grep -c 'tilespool run' "$T/make.out")"
}

r=$(runs invert)
if [ "$r" = "0:4" ]; then ok "first batch makes all 4 outputs"
else notok "first batch" "status:runs $r: $(cat "$T/make.out")"; fi
"$TS" run --keep -q -f invert --spool "$T/sp" "$T/in/p2.png" "$T/ref.png"
same_pixels "batch output equals tilespool run" "$T/out/p2.png" "$T/ref.png"

r=$(runs invert)
if [ "$r" = "0:0" ]; then ok "nothing changed: nothing redone"
else notok "nothing changed" "status:runs $r"; fi

sleep 1
touch "$T/in/p3.png"
r=$(runs invert)
if [ "$r" = "0:1" ]; then ok "touched input: only it is redone"
else notok "touched input" "status:runs $r"; fi

r=$(runs grayscale)
if [ "$r" = "0:4" ]; then ok "chain changed: every output redone"
else notok "chain changed" "status:runs $r"; fi
check "outputs follow the new chain" "$TOOLS/imgcmp" --check-gray "$T/out/p1.png"

r=$(runs grayscale)
if [ "$r" = "0:0" ]; then ok "same chain again: nothing redone"
else notok "same chain again" "status:runs $r"; fi

make -s -C "$TOP" batch IN="$T/in" OUT="$T/out2" FILTER="gaussian_blur:sigma=99" >"$T/make.out" 2>&1
st=$?
if [ "$st" -ne 0 ] && grep -q "sigma" "$T/make.out" && [ ! -f "$T/out2/p1.png" ]; then
    ok "bad chain: make fails, says why, writes nothing"
else
    notok "bad chain" "status $st: $(cat "$T/make.out")"
fi
