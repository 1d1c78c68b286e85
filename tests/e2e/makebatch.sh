# makebatch - `make batch IN=... OUT=... FILTER=...` redoes only the
# outputs whose input or filter chain changed, and its outputs equal
# `tilespool run` of the same inputs.
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
[ "$r" = "0:4" ] && ok "first batch makes all 4 outputs" || notok "first batch" "status:runs $r: $(cat "$T/make.out")"
"$TS" run --keep -q -f invert --spool "$T/sp" "$T/in/p2.png" "$T/ref.png"
same_pixels "batch output equals tilespool run" "$T/out/p2.png" "$T/ref.png"

r=$(runs invert)
[ "$r" = "0:0" ] && ok "nothing changed: nothing redone" || notok "nothing changed" "status:runs $r"

sleep 1
touch "$T/in/p3.png"
r=$(runs invert)
[ "$r" = "0:1" ] && ok "touched input: only it is redone" || notok "touched input" "status:runs $r"

r=$(runs grayscale)
[ "$r" = "0:4" ] && ok "chain changed: every output redone" || notok "chain changed" "status:runs $r"
check "outputs follow the new chain" "$TOOLS/imgcmp" --check-gray "$T/out/p1.png"

r=$(runs grayscale)
[ "$r" = "0:0" ] && ok "same chain again: nothing redone" || notok "same chain again" "status:runs $r"

make -s -C "$TOP" batch IN="$T/in" OUT="$T/out2" FILTER="gaussian_blur:sigma=99" >"$T/make.out" 2>&1
st=$?
[ "$st" -ne 0 ] && grep -q "sigma" "$T/make.out" && [ ! -f "$T/out2/p1.png" ] &&
    ok "bad chain: make fails, says why, writes nothing" ||
    notok "bad chain" "status $st: $(cat "$T/make.out")"
