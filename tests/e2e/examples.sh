# shellcheck shell=sh
# examples - the make recipe of examples/batch on a folder of generated
# images: `make -j2` makes every output (equal to `tilespool run`), a
# second make does nothing, a touched input is the only one redone, a new
# chain redoes all, and so does a rebuilt user's module named in the chain.
# shellcheck source=SCRIPTDIR/lib.sh
. "$(dirname "$0")/lib.sh"

export XDG_CACHE_HOME="$T/cache"
mkdir -p "$T/b/in" "$T/myf"
cp "$TOP/examples/batch/Makefile" "$T/b/"
cp "$TOP/examples/myfilter/Makefile" "$TOP/examples/myfilter/warm.c" "$T/myf/"
for i in 1 2 3; do mk --seed "$i" --type rgb 90 70 "$T/b/in/p$i.png"; done
mk --type rgb 40 30 "$T/b/in/q.ppm"

# bmake CHAIN - make -j2 in the example; prints "status:N:names" with N the
# `tilespool run` commands make ran and the outputs they made.
bmake() {
    env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL make -j2 -C "$T/b" TILESPOOL="$TS" \
        CHAIN="$1" >"$T/make.out" 2>&1
    st=$?
    echo "$st:$(grep -c 'tilespool run' "$T/make.out"):$(sed -n 's|.* out/||p' "$T/make.out" | LC_ALL=C sort | tr '\n' ' ')"
}

r=$(bmake invert)
if [ "$r" = "0:4:p1.png p2.png p3.png q.ppm " ]; then ok "make -j2: all 4 outputs made"
else notok "make -j2: all 4 outputs made" "$r $(cat "$T/make.out")"; fi
"$TS" run --keep -q -f invert --spool "$T/sp" "$T/b/in/p2.png" "$T/ref.png"
same_pixels "an output equals tilespool run of its input" "$T/b/out/p2.png" "$T/ref.png"

r=$(bmake invert)
if [ "$r" = "0:0:" ]; then ok "nothing changed: nothing redone"
else notok "nothing changed" "$r"; fi

# a second apart, so the touched input is newer even on coarse clocks
sleep 1
touch "$T/b/in/p3.png"
r=$(bmake invert)
if [ "$r" = "0:1:p3.png " ]; then ok "touched input: only it is redone"
else notok "touched input" "$r"; fi

r=$(bmake grayscale)
if [ "$r" = "0:4:p1.png p2.png p3.png q.ppm " ]; then ok "chain changed: all redone"
else notok "chain changed" "$r"; fi
check "outputs follow the new chain" "$TOOLS/imgcmp" --check-gray "$T/b/out/p1.png"

env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL make -s -C "$T/myf" TSF_INCLUDE="$TOP/filters" warm.wasm >"$T/myf.log" 2>&1 ||
    notok "example filter builds" "$(cat "$T/myf.log")"
r=$(bmake "$T/myf/warm.wasm:amount=50")
if [ "$r" = "0:4:p1.png p2.png p3.png q.ppm " ]; then ok "a user's module in the chain: all redone"
else notok "a user's module in the chain" "$r $(cat "$T/make.out")"; fi
r=$(bmake "$T/myf/warm.wasm:amount=50")
if [ "$r" = "0:0:" ]; then ok "same module again: nothing redone"
else notok "same module again" "$r"; fi
sleep 1
touch "$T/myf/warm.wasm"
r=$(bmake "$T/myf/warm.wasm:amount=50")
if [ "$r" = "0:4:p1.png p2.png p3.png q.ppm " ]; then ok "module rebuilt: all redone"
else notok "module rebuilt" "$r"; fi
