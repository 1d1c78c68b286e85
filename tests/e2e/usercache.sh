# shellcheck shell=sh
# usercache - the cache of users' compiled modules cannot be fooled: two
# modules with the same 64-bit FNV-1a value each run their own code;
# objects planted by another user, writable by others or behind a symbolic
# link are refused and rebuilt; a cache directory of another user is an
# error; compiles over their time or memory limit fail in one line and
# leave nothing loadable; a module that cannot start is never published;
# the glue does not compile a module whose `memory` is a table or a global,
# or whose tsf_process has another signature.
# shellcheck source=SCRIPTDIR/lib.sh
. "$(dirname "$0")/lib.sh"

C=$XDG_CACHE_HOME/tilespool/$GLUE_DIR
cd "$T" || exit 2
mk --type rgb 23 19 "$T/in.ppm"
"$TS" run -q --spool "$T/sp" -f invert in.ppm inv.ppm 2>"$T/err" ||
    notok "bundled invert" "$(cat "$T/err")"

# twin.wat - a point filter that inverts when the byte of the region after
# "collide:" that "sel:" names has the bit it names set, and copies
# otherwise; fnvcollide fills both in.
dots=$(printf '%192s' '' | tr ' ' '.')
cat >"$T/twin.wat" <<WAT
(module
  (memory (export "memory") 1)
  (data (i32.const 1024)
    "{\"name\":\"twin\",\"summary\":\"invert or copy\",\"kind\":\"point\","
    "\"channels\":[1,2,3,4],\"params\":[]}\00")
  (data (i32.const 2048) "collide:" "$dots" "sel:" "\\00\\00")
  (global \$top (mut i32) (i32.const 8192))
  (func (export "tsf_abi_version") (result i32) (i32.const 1))
  (func (export "tsf_describe") (result i32) (i32.const 1024))
  (func (export "tsf_halo") (param i32) (result i32) (i32.const 0))
  (func (export "tsf_alloc") (param \$n i32) (result i32)
    (local \$at i32)
    (local.set \$at (global.get \$top))
    (global.set \$top (i32.and (i32.add (i32.add (local.get \$at) (local.get \$n))
                                        (i32.const 15)) (i32.const -16)))
    (if (i32.gt_u (global.get \$top) (i32.shl (memory.size) (i32.const 16)))
      (then (if (i32.eq (memory.grow (i32.add (i32.shr_u (i32.sub (global.get \$top)
                          (i32.shl (memory.size) (i32.const 16))) (i32.const 16)) (i32.const 1)))
                        (i32.const -1))
              (then (return (i32.const 0))))))
    (local.get \$at))
  (func \$odd (result i32)
    (i32.ne (i32.const 0)
      (i32.and (i32.load8_u offset=2056 (i32.load8_u (i32.const 2252)))
               (i32.load8_u (i32.const 2253)))))
  (func (export "tsf_process")
    (param \$in i32) (param \$w i32) (param \$h i32) (param \$out i32) (param \$ow i32)
    (param \$oh i32) (param \$ch i32) (param \$params i32) (result i32)
    (local \$n i32) (local \$i i32) (local \$x i32)
    (local.set \$x (select (i32.const 255) (i32.const 0) (call \$odd)))
    (local.set \$n (i32.mul (i32.mul (local.get \$ow) (local.get \$oh)) (local.get \$ch)))
    (block \$done (loop \$next
      (br_if \$done (i32.ge_u (local.get \$i) (local.get \$n)))
      (i32.store8 (i32.add (local.get \$out) (local.get \$i))
        (i32.xor (i32.load8_u (i32.add (local.get \$in) (local.get \$i))) (local.get \$x)))
      (local.set \$i (i32.add (local.get \$i) (i32.const 1)))
      (br \$next)))
    (i32.const 0)))
WAT

# ---- two modules, one FNV-1a value -------------------------------------------

fnv1a() { python3 -c 'import sys
h = 0xcbf29ce484222325
for b in open(sys.argv[1], "rb").read(): h = ((h ^ b) * 0x100000001b3) & (2**64 - 1)
print("%016x" % h)' "$1"; }
if wat2wasm -o twin.wasm twin.wat 2>"$T/err" && "$TOOLS/fnvcollide" twin.wasm a.wasm b.wasm >"$T/fnv" 2>>"$T/err" &&
    ! cmp -s a.wasm b.wasm && [ "$(fnv1a a.wasm)" = "$(fnv1a b.wasm)" ] &&
    [ "$(fnv1a a.wasm)" = "$(cat "$T/fnv")" ]; then
    ok "fnvcollide: two different modules with the same FNV-1a ($(cat "$T/fnv"))"
else
    notok "fnvcollide" "$(cat "$T/err")"
fi
"$TS" run -q --spool "$T/sp" -f "$T/a.wasm" in.ppm out-a.ppm 2>"$T/err-a"; sa=$?
"$TS" run -q --spool "$T/sp" -f "$T/b.wasm" in.ppm out-b.ppm 2>"$T/err-b"; sb=$?
if [ "$sa$sb" = 00 ] && ! cmp -s out-a.ppm out-b.ppm &&
    { { "$TOOLS/imgcmp" in.ppm out-a.ppm && "$TOOLS/imgcmp" inv.ppm out-b.ppm; } ||
      { "$TOOLS/imgcmp" inv.ppm out-a.ppm && "$TOOLS/imgcmp" in.ppm out-b.ppm; }; } >/dev/null 2>&1; then
    ok "colliding modules each run their own code: one copies, one inverts"
else
    notok "colliding modules" "exit $sa $sb: $(cat "$T/err-a" "$T/err-b")"
fi
nso=$(find "$C" -maxdepth 1 -name '*.so' | grep -c '/[0-9a-f]\{64\}\.so$')
if [ "$nso" -eq 2 ]; then ok "colliding modules: two objects in the cache"
else notok "colliding modules: objects" "$nso"; fi

# ---- planted objects ---------------------------------------------------------

# key FILE - the cache key of module FILE, from the KEY.json recording it
key() { grep -l "\"path\":[[:space:]]*\"$1\"" "$C"/*.json | sed -n 's|.*/\([0-9a-f]*\)\.json$|\1|p' | head -n 1; }
ka=$(key "$T/a.wasm")
cat >"$T/plant.c" <<'CC'
#include <fcntl.h>
#include <unistd.h>
__attribute__((constructor)) static void planted(void)
{
    close(open(MARK, O_WRONLY | O_CREAT, 0644));
}
CC
cc -shared -fPIC -DMARK="\"$T/pwned\"" -o "$T/plant.so" "$T/plant.c" ||
    notok "planted object" "cannot build it"

# plant HOW - put plant.so in a's place; HOW: nobody, 0777 or link
plant() {
    rm -f "$C/$ka.so"
    case $1 in
    nobody) cp "$T/plant.so" "$C/$ka.so" && chown nobody "$C/$ka.so" ;;
    0777) cp "$T/plant.so" "$C/$ka.so" && chmod 0777 "$C/$ka.so" ;;
    link) ln -s "$T/plant.so" "$C/$ka.so" ;;
    esac
}
for how in nobody 0777 link; do
    plant $how
    if "$TS" run -q --new --spool "$T/sp" -f "$T/a.wasm" in.ppm p.ppm 2>"$T/err" &&
        cmp -s p.ppm out-a.ppm && [ ! -e "$T/pwned" ] && [ ! -L "$C/$ka.so" ] &&
        [ "$(stat -c %u "$C/$ka.so")" = "$(id -u)" ] && [ -z "$(find "$C/$ka.so" -perm /022)" ]; then
        ok "planted object ($how) refused, never loaded, rebuilt"
    else
        notok "planted object ($how)" "$(cat "$T/err") $(ls -l "$C/$ka.so") $(ls "$T/pwned" 2>&1)"
    fi
    rm -f "$T/pwned"
done
plant nobody
"$TS" filters >"$T/list" 2>&1
if [ ! -e "$T/pwned" ] && ! grep -q "$T/a.wasm" "$T/list"; then
    ok "filters: a planted object is not loaded or listed"
else
    notok "filters: planted object" "$(grep a.wasm "$T/list")"
fi
rm -f "$T/pwned" "$C/$ka.so"

chown nobody "$C"
check_fails "cache directory of another user: exit 3, one line" 3 \
    "$TS" run -q --new --spool "$T/sp" -f "$T/a.wasm" in.ppm p.ppm
if grep -q "belongs to another user" "$T/.err"; then ok "cache directory of another user: says so"
else notok "cache directory of another user" "$(cat "$T/.err")"; fi
chown "$(id -u)" "$C"
chmod 0777 "$C"
if "$TS" run -q --new --spool "$T/sp" -f "$T/a.wasm" in.ppm p.ppm 2>"$T/err" &&
    cmp -s p.ppm out-a.ppm && [ "$(stat -c '%a' "$C")" = 755 ]; then
    ok "a cache directory of the user's that others can write is made safe"
else
    notok "cache directory 0777" "$(cat "$T/err") $(stat -c '%a' "$C")"
fi

# ---- compile limits ----------------------------------------------------------

wat2wasm -o "$T/darken.wasm" "$TOP/examples/myfilter/darken.wat"
kd() { find "$C" -maxdepth 1 -name '*.so' | grep -c .; }
before=$(kd)
printf '#!/bin/sh\nsleep 30\nexec cc "$@"\n' >"$T/slowcc"
chmod +x "$T/slowcc"
TILESPOOL_CC=$T/slowcc TILESPOOL_COMPILE_TIMEOUT=1 check_fails \
    "compile over TILESPOOL_COMPILE_TIMEOUT: exit 3, one line" 3 \
    "$TS" run -q --spool "$T/sp" -f "$T/darken.wasm" in.ppm d.ppm
if grep -q "darken.wasm.*slowcc took longer than 1 s (TILESPOOL_COMPILE_TIMEOUT)" "$T/.err" &&
    [ "$(kd)" -eq "$before" ]; then
    ok "time limit: names the module, the tool and the limit; nothing published"
else
    notok "time limit message" "$(cat "$T/.err") ($(kd) objects, $before before)"
fi
TILESPOOL_COMPILE_MEMORY=16 check_fails "compile over TILESPOOL_COMPILE_MEMORY: exit 3, one line" 3 \
    "$TS" run -q --spool "$T/sp" -f "$T/darken.wasm" in.ppm d.ppm
if grep -q "darken.wasm.*TILESPOOL_COMPILE_MEMORY" "$T/.err" && [ "$(kd)" -eq "$before" ]; then
    ok "memory limit: names the module and the limit; nothing published"
else
    notok "memory limit message" "$(cat "$T/.err") ($(kd) objects)"
fi
if "$TS" run -q --spool "$T/sp" -f "$T/darken.wasm:amount=10" in.ppm d.ppm 2>"$T/err" &&
    [ "$(kd)" -eq $((before + 1)) ]; then
    ok "after failed compiles, a run with the usual limits compiles and works"
else
    notok "run after failed compiles" "$(cat "$T/err")"
fi

# A module whose start function never returns compiles, but is not published.
# shellcheck disable=SC2016  # the $ names are WebAssembly text, not shell
sed -e 's/(func \$odd/(func $spin (loop $l (br $l)))\n  (start $spin)\n  (func $odd/' \
    -e 's/"collide:"/"spinning"/' "$T/twin.wat" >"$T/spin.wat"
before=$(kd)
if wat2wasm -o "$T/spin.wasm" "$T/spin.wat" 2>"$T/err"; then
    TILESPOOL_COMPILE_TIMEOUT=3 check_fails "a module that never starts: exit 3, one line" 3 \
        "$TS" run -q --spool "$T/sp" -f "$T/spin.wasm" in.ppm s.ppm
    if [ "$(kd)" -eq "$before" ] && timeout 120 "$TS" filters >/dev/null 2>&1; then
        ok "a module that never starts is not published; tilespool filters still ends"
    else
        notok "module that never starts" "$(kd) objects, $before before; $(cat "$T/.err")"
    fi
else
    notok "spin.wat" "$(cat "$T/err")"
fi

# ---- the glue refuses exports of the wrong kind --------------------------------

# glue_cc NAME - compile NAME.wat through wasm2c with the glue and the flags
# of every filter object; the compiler's output in NAME.log
flags=$(sed 's/#.*//' "$TOP/common/glue/filter.cflags")
# shellcheck disable=SC2086 # the flags are words
glue_cc() {
    wat2wasm -o "$T/$1.wasm" "$T/$1.wat" && wasm2c -n tsf -o "$T/$1.wasm.c" "$T/$1.wasm" &&
        cc $flags -I"$TOP/common" \
            -include "$TOP/common/glue/filter_object.h" -include "$T/$1.wasm.h" \
            -o "$T/$1.so" "$T/$1.wasm.c" "$TOP/common/glue/filter_glue.c" >"$T/$1.log" 2>&1
}
grep -v '^  (memory' "$T/twin.wat" | sed 's/^(module/(module\n  (memory 1)\n  (table (export "memory") 1 funcref)/' >"$T/table.wat"
grep -v '^  (memory' "$T/twin.wat" | sed 's/^(module/(module\n  (memory 1)\n  (global (export "memory") i32 (i32.const 0))/' >"$T/global.wat"
# shellcheck disable=SC2016  # the $ names are WebAssembly text, not shell
sed 's/(param \$oh i32) (param \$ch i32) (param \$params i32)/(param $oh i32) (param $ch i32)/; s/(local.get \$params)//' \
    "$T/twin.wat" >"$T/sig.wat"
if glue_cc twin; then ok "glue: a proper module compiles with the flags of filter.cflags"
else notok "glue: proper module" "$(head -c 400 "$T/twin.log")"; fi
for m in table global sig; do
    # a required export is bound to a pointer, an optional one declared weak
    if ! glue_cc $m && grep -qE "incompatible-pointer-types|conflicting types" "$T/$m.log" &&
        [ ! -e "$T/$m.so" ]; then
        ok "glue: $m does not compile (incompatible pointer types)"
    else
        notok "glue: $m" "$(grep -m2 error "$T/$m.log" | tr '\n' ' ')"
    fi
done
