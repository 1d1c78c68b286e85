# shellcheck shell=sh
# modcheck - a user's module is checked whole before anything of it is
# compiled or run (common/sandbox/wasm_check.h):
#   * each hostile module that must be refused from its .wasm alone
#     (filters/hostile/: a table or an i64 global exported as memory, a
#     64-bit or shared memory, an imported memory, tsf_process of the
#     wrong type, tsf_halo as a global, 4 GiB of initial memory, a huge
#     table) and two compile bombs made here (60000 functions; a 10 MB
#     data segment): `tilespool run -f ./evil.wasm` exits 3 with one line
#     naming the module and what is wrong, leaves no job in the spool and
#     no output, and stays within generous bounds of time and peak RSS;
#   * differential: a few hundred mutants of the built modules (fixed
#     seed) through tests/tools/wasmcheck (the structural check, then
#     wasm-validate, as users' modules get them) and through plain
#     wasm-validate: nothing wasm-validate rejects is accepted, and the
#     corpus reaches every outcome.
# shellcheck source=SCRIPTDIR/lib.sh
. "$(dirname "$0")/lib.sh"

H=$FILTERS/hostile
cd "$T" || exit 2
mk --type rgb 64 48 "$T/in.png"

# generous bounds: a refusal reads the module once; compiling a bomb
# would take minutes and gigabytes
MAX_SECONDS=30
MAX_RSS_KB=$((512 * 1024))
have_time=0
/usr/bin/time --version 2>&1 | grep -q GNU && have_time=1

if ! python3 "$TOP/tests/tools/wasmgen.py" funcs 60000 "$T/bomb_funcs.wasm" ||
    ! python3 "$TOP/tests/tools/wasmgen.py" data 10000000 "$T/bomb_data.wasm"; then
    notok "wasmgen.py makes the compile bombs" "python3 failed"
    exit 1
fi
if wasm-validate "$T/bomb_funcs.wasm" && wasm-validate "$T/bomb_data.wasm"; then
    ok "the compile bombs are valid WebAssembly (only the limits stop them)"
else
    notok "the compile bombs are valid WebAssembly" "wasm-validate refuses them"
fi

# refused PATH SAYS - tilespool run -f PATH: exit 3, one line naming PATH
# and saying SAYS, no job, no output, within MAX_SECONDS and MAX_RSS_KB.
refused() {
    path=$1 says=$2 m=$(basename "$1")
    rm -rf "$T/sp" "$T/out.png"
    if [ "$have_time" -eq 1 ]; then
        check_fails "$m: run exits 3, one line" 3 \
            /usr/bin/time -f "%e %M" -o "$T/time" "$TS" run -q --spool "$T/sp" -f "$path" in.png out.png
    else
        check_fails "$m: run exits 3, one line" 3 "$TS" run -q --spool "$T/sp" -f "$path" in.png out.png
    fi
    if grep -qF -- "$path" "$T/.err" && grep -qF -- "$says" "$T/.err"; then
        ok "$m: the line names the module and says '$says'"
    else
        notok "$m: the line names the module and says '$says'" "$(cat "$T/.err")"
    fi
    if [ -z "$(ls -A "$T/sp" 2>/dev/null)" ] && [ ! -e "$T/out.png" ]; then
        ok "$m: no job in the spool, no output"
    else
        notok "$m: no job in the spool, no output" "$(ls "$T/sp" 2>&1)"
    fi
    if [ "$have_time" -eq 1 ]; then
        read -r secs rss <"$T/time"
        if awk -v s="$secs" -v r="$rss" -v ms="$MAX_SECONDS" -v mr="$MAX_RSS_KB" \
            'BEGIN { exit !(s + 0 <= ms && r + 0 <= mr) }'; then
            ok "$m: refused within $MAX_SECONDS s and $((MAX_RSS_KB / 1024)) MiB"
        else
            notok "$m: refused within $MAX_SECONDS s and $((MAX_RSS_KB / 1024)) MiB" \
                "took $secs s, peak RSS $rss KiB"
        fi
    fi
}

refused "$H/table_as_memory.wasm" "export 'memory' is a table of funcref; it must be the module's one 32-bit, unshared memory"
refused "$H/global_as_memory.wasm" "export 'memory' is a mutable global of type i64"
refused "$H/memory64.wasm" "export 'memory' is a 64-bit memory"
refused "$H/shared_memory.wasm" "export 'memory' is a shared memory"
refused "$H/import_memory.wasm" "imports 1 item(s) (first: env.memory, a memory)"
refused "$H/process_signature.wasm" "export 'tsf_process' is a function (i32 x2) -> i32; it must be a function (i32 x8) -> i32"
refused "$H/halo_global.wasm" "export 'tsf_halo' is a global of type i32; it must be a function (i32) -> i32"
refused "$H/memory_huge.wasm" "initial size in pages 65536 exceeds the limit of 16384"
refused "$H/table_huge.wasm" "initial element count 10000000 exceeds the limit"
refused "$T/bomb_funcs.wasm" "function count 60005 exceeds the limit of 4096"
refused "$T/bomb_data.wasm" "data size in bytes 10000000 exceeds the limit"

# nothing of the refused modules reached the compile cache
if [ -z "$(find "$XDG_CACHE_HOME" -name '*.so' 2>/dev/null)" ]; then
    ok "no refused module was compiled"
else
    notok "no refused module was compiled" "$(find "$XDG_CACHE_HOME" -name '*.so')"
fi

# ---- differential: the check as users' modules get it vs wasm-validate -------

WC=$TOP/build/asan/tools/wasmcheck
[ -x "$WC" ] || WC=$TOOLS/wasmcheck
mkdir -p "$T/mut"
python3 "$TOP/tests/tools/wasmgen.py" mutate 1 400 "$T/mut" "$FILTERS"/*.wasm "$H"/*.wasm ||
    { notok "wasmgen.py mutates the built modules" "python3 failed"; exit 1; }
"$WC" "$T"/mut/*.wasm >"$T/ours" 2>"$T/ours.err"
rc=$?
if [ "$rc" -le 1 ] && [ "$(grep -c '^accept \|^structure \|^validate ' "$T/ours")" -eq 400 ]; then
    ok "wasmcheck gives one verdict for each of 400 mutants"
else
    notok "wasmcheck gives one verdict for each of 400 mutants" "exit $rc: $(head -c 300 "$T/ours.err")"
fi
for f in "$T"/mut/*.wasm; do
    if wasm-validate "$f" >/dev/null 2>&1; then echo "valid $f"; else echo "invalid $f"; fi
done >"$T/theirs"
wrong=0 acc=0 st=0 va=0 stvalid=0
while read -r verdict f; do
    case $verdict in
        accept) acc=$((acc + 1))
                grep -qxF "valid $f" "$T/theirs" || { wrong=$((wrong + 1)); echo "$f" >>"$T/wrong"; } ;;
        structure) st=$((st + 1)); grep -qxF "valid $f" "$T/theirs" && stvalid=$((stvalid + 1)) ;;
        validate) va=$((va + 1)) ;;
    esac
done <<EOT
$(sed 's/:.*//' "$T/ours")
EOT
if [ "$wrong" -eq 0 ]; then
    ok "differential: nothing wasm-validate rejects is accepted ($acc accepted of 400)"
else
    notok "differential: nothing wasm-validate rejects is accepted" "$wrong accepted: $(head -n 3 "$T/wrong" | tr '\n' ' ')"
fi
if [ "$acc" -gt 0 ] && [ "$st" -gt 0 ] && [ "$va" -gt 0 ]; then
    ok "differential: the corpus reaches every outcome ($acc accepted, $st refused by the structural check ($stvalid of them valid WebAssembly), $va by wasm-validate)"
else
    notok "differential: the corpus reaches every outcome" "$acc accepted, $st structural, $va wasm-validate"
fi
