#!/bin/sh
# tests/e2e/layers.sh - common/'s layers hold (docs/layout.md): each layer
# and each spool-only program includes only the layers allowed to it, no
# header name is in two layers, and status, inspect and the assembler
# carry no WebAssembly runtime and no sandbox code while the worker does.
# shellcheck source=SCRIPTDIR/lib.sh
. "$(dirname "$0")/lib.sh"

LAYERS="util image job spool sandbox"

# layer_of HEADER DIR - the folder of common/ that holds HEADER, "local"
# when it is DIR's own, "none" when nothing does ("spool/spool.h" is
# spool's, though -Icommon would find it from the sandbox).
layer_of() {
    case $1 in
        */*) [ -f "$TOP/common/$1" ] && { echo "${1%%/*}"; return; } ;;
    esac
    for l in $LAYERS; do
        [ -f "$TOP/common/$l/$1" ] && { echo "$l"; return; }
    done
    if [ -f "$TOP/common/$1" ]; then echo common
    elif [ -f "$2/$1" ]; then echo local
    else echo none; fi
}

# check_includes NAME DIR ALLOWED - ok if every #include "X" of DIR's C
# files resolves to a folder in ALLOWED (a space-separated list).
check_includes() {
    name=$1 dir=$2 allowed=$3 bad="" n=0
    for f in "$dir"/*.c "$dir"/*.h; do
        [ -f "$f" ] || continue
        # shellcheck disable=SC2013 # header names are words
        for h in $(sed -n 's/^[[:space:]]*#[[:space:]]*include[[:space:]]*"\([^"]*\)".*/\1/p' "$f"); do
            n=$((n + 1))
            l=$(layer_of "$h" "$dir")
            case " $allowed " in
                *" $l "*) ;;
                *) bad="$bad ${f#"$TOP"/}:$h($l)" ;;
            esac
        done
    done
    if [ "$n" -eq 0 ]; then notok "$name" "no #include found in $dir"
    elif [ -z "$bad" ]; then ok "$name"
    else notok "$name" "not allowed:$bad"; fi
}

check_includes "util includes only util" "$TOP/common/util" "util"
check_includes "image includes only util, image" "$TOP/common/image" "util image"
check_includes "job includes only util, image, job" "$TOP/common/job" "util image job"
check_includes "spool includes no sandbox header" "$TOP/common/spool" "util image job spool"
check_includes "sandbox includes no spool header" "$TOP/common/sandbox" \
    "util image job sandbox common"
for p in status inspect assembler; do
    check_includes "$p includes no sandbox header" "$TOP/$p" "util image job spool local"
done

# a header name in two layers would make the check above (and the
# compiler's search) depend on the order of the include directories
dups=$(for l in $LAYERS; do ls "$TOP/common/$l"; done | grep '\.h$' | sort | uniq -d)
if [ -z "$dups" ]; then ok "no header name is in two layers"
else notok "no header name is in two layers" "$(echo "$dups" | tr '\n' ' ')"; fi

# syms PROGRAM - its symbol table (nm: defined and undefined ones).
syms() { nm "$1" 2>/dev/null; }

# Symbols only the sandbox defines: the runtime, module loading, the
# confinement, the cache of users' modules, a filter's analysis.
SANDBOX_SYMS="wasm_rt_ filter_load filter_runtime_init confine_process usercache_find_stage global_analyze"
for p in status inspect assembler; do
    if ! syms "$BIN/$p" | grep -q ' main$'; then
        notok "$p has no sandbox symbol" "nm $BIN/$p lists no main"
        continue
    fi
    found=""
    for s in $SANDBOX_SYMS; do
        syms "$BIN/$p" | grep -q " $s" && found="$found $s"
    done
    if [ -z "$found" ]; then ok "$p has no sandbox symbol"
    else notok "$p has no sandbox symbol" "found:$found"; fi
done
# the same test finds them where they belong
for p in worker splitter; do
    missing=""
    for s in $SANDBOX_SYMS; do
        syms "$BIN/$p" | grep -q " $s" || missing="$missing $s"
    done
    if [ -z "$missing" ]; then ok "$p has the sandbox"
    else notok "$p has the sandbox" "missing:$missing"; fi
done
