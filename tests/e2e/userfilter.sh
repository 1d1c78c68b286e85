# shellcheck shell=sh
# userfilter - a user's own modules given by path (-f ./my.wasm): the
# example filters built out of the tree (C with tsf.h, WAT with wat2wasm),
# run alone and in a chain with bundled filters, their pixels checked
# against an independent computation, tiled == one tile, compiled once
# into $XDG_CACHE_HOME/tilespool (or ~/.cache/tilespool), listed by
# `tilespool filters`, bad modules refused in one line, a module changed
# after the split refused by the worker, two first uses at once.
# shellcheck source=SCRIPTDIR/lib.sh
. "$(dirname "$0")/lib.sh"

export XDG_CACHE_HOME="$T/cache"
C=$T/cache/tilespool/$GLUE_DIR
cd "$T" || exit 2

# ---- the example, built out of the tree --------------------------------------

mkdir -p "$T/myfilter"
cp "$TOP/examples/myfilter/Makefile" "$TOP/examples/myfilter"/*.c \
    "$TOP/examples/myfilter"/*.wat "$T/myfilter/"
if env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL make -s -C "$T/myfilter" \
    TSF_INCLUDE="$TOP/filters" >"$T/make.log" 2>&1 &&
    [ -s "$T/myfilter/warm.wasm" ] && [ -s "$T/myfilter/dilate.wasm" ] &&
    [ -s "$T/myfilter/darken.wasm" ]; then
    ok "example builds out of the tree: warm.wasm dilate.wasm darken.wasm (C and WAT)"
else
    notok "example builds out of the tree" "$(tail -n 5 "$T/make.log" | tr '\n' ' ')"
    exit 1
fi
W=$T/myfilter/warm.wasm D=$T/myfilter/dilate.wasm K=$T/myfilter/darken.wasm

# expect.py KIND IN.ppm OUT.ppm ARG - the filter computed here, in Python,
# from its description in the example's comments; compared with OUT.
cat >"$T/expect.py" <<'PY'
import sys
def ppm(path):
    data = open(path, "rb").read()
    parts = data.split(maxsplit=4)
    assert parts[0] == b"P6" and parts[3] == b"255", path
    return int(parts[1]), int(parts[2]), parts[4]
kind, a, b, arg = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
w, h, src = ppm(a)
w2, h2, got = ppm(b)
assert (w, h) == (w2, h2), "size differs"
want = bytearray(len(src))
clamp = lambda v: max(0, min(255, v))
for y in range(h):
    for x in range(w):
        i = (y * w + x) * 3
        for k in range(3):
            if kind == "warm":
                v = clamp(src[i] + arg) if k == 0 else src[i + 1] if k == 1 else clamp(src[i + 2] - arg)
            elif kind == "darken":
                v = max(0, src[i + k] - arg)
            else:  # dilate: the largest in the square, edge pixels replicated
                v = max(src[(min(h - 1, max(0, yy)) * w + min(w - 1, max(0, xx))) * 3 + k]
                        for yy in range(y - arg, y + arg + 1)
                        for xx in range(x - arg, x + arg + 1))
            want[i + k] = v
bad = sum(1 for i in range(len(want)) if want[i] != got[i])
print("%d of %d samples differ" % (bad, len(want)))
sys.exit(1 if bad else 0)
PY

mk --type rgb 61 47 "$T/in.ppm"
mk --type rgb 300 200 "$T/big.png"

# ---- each example alone, checked pixel by pixel ----------------------------

for t in "warm:amount=40 warm 40" "dilate:radius=2 dilate 2" "darken:amount=100 darken 100"; do
    # shellcheck disable=SC2086  # the three words of $t: filter, name, amount
    set -- $t
    if "$TS" run --keep -q -t 16 -w 2 --spool "$T/sp" -f "$T/myfilter/${1%%:*}.wasm:${1#*:}" \
        in.ppm "out-$2.ppm" 2>"$T/err"; then
        check "run -f ./$2.wasm: every sample as computed independently" \
            python3 "$T/expect.py" "$2" in.ppm "out-$2.ppm" "$3"
    else
        notok "run -f ./$2.wasm" "$(cat "$T/err")"
    fi
done

# ---- the cache ---------------------------------------------------------------

hex() { grep -A2 "\"path\":.*/$1.wasm\"" "$T"/sp/*/job.json | sed -n 's/.*"hash":[^"]*"\([0-9a-f]*\)".*/\1/p' | head -n 1; }
# key DIR HASH - the cache key of the module with content hash HASH in DIR,
# from the KEY.json that records it
key() { grep -l "\"hash\":[[:space:]]*\"$2\"" "$1"/*.json 2>/dev/null | sed -n 's|.*/\([0-9a-f]*\)\.json$|\1|p' | head -n 1; }
hw=$(hex warm)
kw=$(key "$C" "$hw")
if [ ${#hw} -eq 64 ] && [ "$hw" = "$(b2sum -l 256 "$W" | cut -c1-64)" ]; then
    ok "manifest: the module's hash is BLAKE2b-256 of the .wasm"
else
    notok "manifest: module hash" "'$hw'"
fi
if [ -n "$kw" ] && [ "$kw" != "$hw" ] && [ -f "$C/$kw.so" ] && cmp -s "$C/$kw.wasm" "$W" &&
    grep -q "\"key\":[[:space:]]*\"$kw\"" "$C/$kw.json"; then
    ok "cache: \$XDG_CACHE_HOME/tilespool/KEY.so, .json and a copy of the .wasm"
else
    notok "cache: KEY.so, .json, .wasm" "hash '$hw' key '$kw'; $(names "$C" | tr '\n' ' ')"
fi
if grep -q "\"path\":[[:space:]]*\"$W\"" "$T"/sp/*/job.json; then
    ok "manifest records the module by absolute path"
else
    notok "manifest records the module by absolute path" "$(grep -h path "$T"/sp/*/job.json | head -n 3)"
fi
nobj=$(names "$C" | grep -c '\.so$')
if [ "$nobj" -eq 3 ]; then ok "cache: one object per module ($nobj)"
else notok "cache: one object per module" "$nobj objects"; fi

# A second use compiles nothing: the object is the same file, untouched,
# and a compiler that always fails is never called.
before=$(stat -c '%i %Y.%y' "$C/$kw.so")
if TILESPOOL_CC=false TILESPOOL_WASM2C=false "$TS" run --keep -q --new -t 16 --spool "$T/sp" \
    -f "$W:amount=40" in.ppm again.ppm 2>"$T/err" && cmp -s again.ppm out-warm.ppm &&
    [ "$(stat -c '%i %Y.%y' "$C/$kw.so")" = "$before" ]; then
    ok "second use: cache hit, no compile (compilers set to false), same object"
else
    notok "second use: cache hit" "$(cat "$T/err")"
fi

# ---- chains with bundled filters, tiled == one tile --------------------------

chain="$W:amount=-30,gaussian_blur:sigma=1.5,$D:radius=3,invert,$K:amount=20"
"$TS" run --keep -q -w 2 -t 37 --spool "$T/sp" -f "$chain" big.png tiled.png 2>"$T/err" ||
    notok "chain of user and bundled filters, 37-pixel tiles" "$(cat "$T/err")"
"$TS" run --keep -q -w 1 -t 4096 --spool "$T/sp" -f "$chain" big.png whole.png 2>"$T/err" ||
    notok "chain of user and bundled filters, one tile" "$(cat "$T/err")"
same_pixels "chain user+bundled: 37-pixel tiles == one tile (seam-free)" tiled.png whole.png
if ! "$TOOLS/imgcmp" big.png tiled.png >/dev/null 2>&1; then ok "the chain changes the pixels"
else notok "the chain changes the pixels" "output equals input"; fi
# the manifest records the user's stage with the halo it asked for
halo=$(python3 -c 'import json, sys
for s in json.load(open(sys.argv[1]))["chain"]:
    if s.get("path") == sys.argv[2]: print(s["halo"])' "$(grep -l "$D" "$T"/sp/*/job.json | tail -n 1)" "$D")
if [ "$halo" = 3 ]; then ok "manifest: dilate:radius=3 has halo 3"
else notok "manifest: dilate halo" "got '$halo'"; fi

# ---- tilespool filters -------------------------------------------------------

"$TS" filters >"$T/list.txt" 2>"$T/err"
"$TS" filters --json >"$T/list.json" 2>>"$T/err"
if grep -q "^warm  *point  *halo 0 " "$T/list.txt" && grep -q "(module).*$W (hash $hw" "$T/list.txt" &&
    grep -q '^gaussian_blur ' "$T/list.txt"; then
    ok "filters: bundled and cached modules, with path and hash"
else
    notok "filters: bundled and cached modules" "$(grep -A4 '^warm' "$T/list.txt" | tr '\n' ' ') $(cat "$T/err")"
fi
if grep '"name":"dilate"' "$T/list.json" | grep -q "\"halo\":1,\"module\":{\"path\":\"$D\""; then
    ok "filters --json: a cached module has its halo and module.path"
else
    notok "filters --json: cached module" "$(grep dilate "$T/list.json")"
fi

# ---- refusals ----------------------------------------------------------------

check_fails "module with imports: refused in one line (exit 3)" 3 \
    "$TS" run --keep -q --spool "$T/sp" -f "$FILTERS/hostile/imports_host.wasm" in.ppm x.ppm
if grep -q "imports" "$T/.err"; then ok "... and the line says it imports"
else notok "imports named" "$(cat "$T/.err")"; fi

head -c 200 "$W" >"$T/cut.wasm"
check_fails "truncated .wasm: refused in one line (exit 3)" 3 \
    "$TS" run --keep -q --spool "$T/sp" -f "$T/cut.wasm" in.ppm x.ppm
if grep -q "cut.wasm" "$T/.err"; then ok "... and the line names the module"
else notok "cut.wasm named" "$(cat "$T/.err")"; fi

printf 'not a module at all\n' >"$T/text.wasm"
check_fails "not WebAssembly: refused in one line (exit 3)" 3 \
    "$TS" run --keep -q --spool "$T/sp" -f "$T/text.wasm" in.ppm x.ppm

check_fails "missing module: one line (exit 3)" 3 \
    "$TS" run --keep -q --spool "$T/sp" -f "$T/nowhere.wasm" in.ppm x.ppm

# a compile that fails: one line naming the module and the log of the tools
sed 's/how much darker/how much darker!/' "$T/myfilter/darken.wat" >"$T/d2.wat" && wat2wasm -o "$T/d2.wasm" "$T/d2.wat"
# what a compile killed half-way leaves behind; the next compile clears it
mkdir -p "$C/.tmp.Dead01" && : >"$C/.tmp.Dead01/m.wasm.c"
check_fails "compiler fails: one line (exit 3)" 3 env TILESPOOL_CC=false \
    "$TS" run --keep -q --spool "$T/sp" -f "$T/d2.wasm" in.ppm x.ppm
log=$(sed -n 's/.*output in \([^)]*\)).*/\1/p' "$T/.err")
if grep -q "d2.wasm: cannot compile: false failed" "$T/.err" && [ -f "$log" ] &&
    ! names -a "$C" | grep -q '^\.tmp'; then
    ok "... naming module, tool and log file; no temporary left, a dead compile's cleared"
else
    notok "compile failure message" "$(cat "$T/.err") log '$log'"
fi
if TILESPOOL_CC=no-such-compiler-here "$TS" run --keep -q --spool "$T/sp" -f "$T/d2.wasm" in.ppm x.ppm 2>"$T/err";
then notok "missing compiler" "succeeded"
elif grep -q "cannot run no-such-compiler-here" "$T/err"; then ok "missing compiler: says which"
else notok "missing compiler: says which" "$(cat "$T/err")"; fi

# ---- a module changed after the split ----------------------------------------

cp "$W" "$T/mine.wasm"
job=$("$BIN/splitter" -q --spool "$T/sp2" -f "$T/mine.wasm" -t 16 in.ppm 2>"$T/err")
cp "$K" "$T/mine.wasm"
"$BIN/worker" -q --spool "$T/sp2" -w 1 >"$T/out" 2>"$T/err"
st=$?
if [ -n "$job" ] && [ $st -ne 0 ] && grep -q "mine.wasm has changed since the job was split" "$T/err" &&
    [ -z "$(ls "$T/sp2/$job/out")" ]; then
    ok "module changed after the split: the worker refuses the job (exit $st)"
else
    notok "module changed after the split" "job '$job' exit $st: $(cat "$T/err")"
fi

# ---- two first uses at once; the cache found through HOME --------------------

# A compiler that takes a while widens the window in which both compile.
mkdir -p "$T/slow"
printf '#!/bin/sh\nsleep 1\nexec cc "$@"\n' >"$T/slow/cc" && chmod +x "$T/slow/cc"
(
    unset XDG_CACHE_HOME
    export HOME="$T/home" TILESPOOL_CC="$T/slow/cc"
    "$TS" run --keep -q -t 16 --spool "$T/spa" -f "$W:amount=40" in.ppm conc-a.ppm 2>"$T/err-a" &
    a=$!
    "$TS" run --keep -q -t 16 --spool "$T/spb" -f "$W:amount=40" in.ppm conc-b.ppm 2>"$T/err-b" &
    b=$!
    wait $a; sa=$?
    wait $b; sb=$?
    echo "$sa $sb" >"$T/conc.st"
)
H=$T/home/.cache/tilespool/$GLUE_DIR
if [ "$(cat "$T/conc.st")" = "0 0" ] && cmp -s conc-a.ppm out-warm.ppm && cmp -s conc-b.ppm out-warm.ppm; then
    ok "two first uses at once: both succeed with the right pixels"
else
    notok "two first uses at once" "$(cat "$T/conc.st") $(cat "$T/err-a" "$T/err-b")"
fi
if [ -f "$H/$kw.so" ] && [ "$(names -a "$H" | grep -vc '^\.tmp')" -eq 3 ] && ! names -a "$H" | grep -q '^\.tmp'; then
    ok "without XDG_CACHE_HOME: ~/.cache/tilespool, one complete entry, no temporaries"
else
    notok "cache in ~/.cache/tilespool" "$(names -a "$H" | tr '\n' ' ')"
fi
