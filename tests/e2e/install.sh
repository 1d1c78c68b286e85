# shellcheck shell=sh
# install - `make install PREFIX=/usr DESTDIR=...` puts exactly the driver,
# the five programs, the 23 bundled filters, the 5 manual pages and the
# bash completion in place, with the filter SDK headers and the glue users'
# modules are compiled with.  Then, with the source tree out of reach (a
# private mount namespace hides it where unshare(1) can make one; in any
# case the checks run from $T with a PATH of only the installed bin/ plus
# /usr/bin:/bin, an empty environment and no TILESPOOL_FILTER_PATH): the
# installed `tilespool filters` lists the 23 filters, a gaussian_blur,invert
# run gives the very bytes the build tree's run gives, `tilespool status`
# shows that job done and `tilespool inspect` reports it, man renders every
# installed page without a warning, and the installed completion completes
# commands, options, filter names, parameters, job ids and files.  A user's
# filter (examples/myfilter) builds against the installed SDK alone and runs
# from the installed tree, compiled into ~/.cache/tilespool, with the same
# pixels as from the build tree.  Finally
# `make uninstall` with the same DESTDIR and PREFIX removes every file the
# install made, and nothing else.
# shellcheck source=SCRIPTDIR/lib.sh
. "$(dirname "$0")/lib.sh"

unset TILESPOOL_FILTER_PATH
cd "$T" || exit 2
R=$T/root
FILTER_LIST="add_alpha autolevels box_blur brightness_contrast convolve crop equalize flatten flip gaussian_blur grayscale histogram_match identity invert median posterize resize rotate sepia sharpen sobel threshold thumbnail transpose"
PAGES="man1/tilespool.1 man1/splitter.1 man1/worker.1 man1/assembler.1 man7/tilespool-filter.7"

# make_ TARGET - make in the source tree with the test's DESTDIR and PREFIX,
# independent of any make this test runs under.
make_() {
    env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL make -C "$TOP" "$1" PREFIX=/usr DESTDIR="$R"
}

for p in splitter worker assembler status inspect tilespool; do
    [ -x "$PLAIN/$p" ] || { notok "build exists" "$PLAIN/$p is missing: run make first"; exit 1; }
done

# The reference: the build tree's own driver, programs and filters.
mk --type rgb 300 200 "$T/in.png"
if "$PLAIN/tilespool" run -q --keep -w 2 -t 64 --spool "$T/refspool" -f gaussian_blur,invert \
    in.png ref.png 2>"$T/err"; then
    ok "build tree: run -f gaussian_blur,invert"
else
    notok "build tree: run -f gaussian_blur,invert" "$(cat "$T/err")"
fi
# the chain must change the image, or comparing outputs proves little
if ! "$TOOLS/imgcmp" in.png ref.png >/dev/null 2>&1; then ok "build tree: the chain changes the pixels"
else notok "build tree: the chain changes the pixels" "ref.png has the input's pixels"; fi

# ---- install ---------------------------------------------------------------

if make_ install >"$T/install.log" 2>&1; then ok "make install PREFIX=/usr DESTDIR=\$T/root"
else notok "make install PREFIX=/usr DESTDIR=\$T/root" "$(tail -n 5 "$T/install.log" | tr '\n' ' ')"; fi

{
    echo usr/bin/tilespool
    for p in splitter worker assembler status inspect; do echo "usr/libexec/tilespool/$p"; done
    for f in $FILTER_LIST; do
        echo "usr/lib/tilespool/filters/$f.so"
        echo "usr/lib/tilespool/filters/$f.wasm"
    done
    for p in $PAGES; do echo "usr/share/man/$p"; done
    echo usr/share/bash-completion/completions/tilespool
    echo usr/include/tilespool/tsf.h
    echo usr/include/tilespool/tsf_filter.h
    echo usr/include/tilespool/tsf_global.h
    echo usr/include/tilespool/tsf_plan.h
    echo usr/include/tilespool/tsf_kernels.h
    echo usr/lib/tilespool/glue/filter.cflags
    echo usr/lib/tilespool/glue/filter_glue.c
    echo usr/lib/tilespool/glue/filter_glue.h
    echo usr/lib/tilespool/glue/filter_object.h
} | LC_ALL=C sort >"$T/want.files"
(cd "$R" 2>/dev/null && find . ! -type d | sed 's|^\./||' | LC_ALL=C sort) >"$T/got.files"
if cmp -s "$T/want.files" "$T/got.files"; then
    ok "install: exactly the driver, 5 programs, 23 filters, 5 pages, the completion, SDK, glue"
else
    notok "install: exactly the expected files" "$(diff "$T/want.files" "$T/got.files" | grep '^[<>]' | head -n 12 | tr '\n' ' ')"
fi

bad=""
for f in usr/bin/tilespool usr/libexec/tilespool/splitter usr/libexec/tilespool/worker \
    usr/libexec/tilespool/assembler usr/libexec/tilespool/status usr/libexec/tilespool/inspect; do
    [ -f "$R/$f" ] && [ -x "$R/$f" ] || bad="$bad $f"
done
if [ -z "$bad" ]; then ok "install: driver and programs are executable"
else notok "install: driver and programs are executable" "not:$bad"; fi

bad=""
for p in $PAGES; do
    cmp -s "$TOP/docs/man/${p#*/}" "$R/usr/share/man/$p" || bad="$bad $p"
done
cmp -s "$TOP/scripts/tilespool-completion.bash" "$R/usr/share/bash-completion/completions/tilespool" ||
    bad="$bad completion"
if [ -z "$bad" ]; then ok "install: pages and completion installed unchanged"
else notok "install: pages and completion installed unchanged" "differ or missing:$bad"; fi

# the pages carry the version the driver reports
ver=$("$R/usr/bin/tilespool" --version 2>/dev/null)
bad=""
for p in $PAGES; do
    grep -q "^\.TH .*\"$ver\"" "$R/usr/share/man/$p" 2>/dev/null || bad="$bad $p"
done
if [ -n "$ver" ] && [ -z "$bad" ]; then ok "install: every page is for $ver"
else notok "install: every page is for '$ver'" "other version in:$bad"; fi

# A user's filter from the build tree, for comparison: its sources are
# copied out now, as the source tree is hidden below.
mkdir -p "$T/myf" "$T/refmyf"
cp "$TOP/examples/myfilter/Makefile" "$TOP/examples/myfilter/warm.c" "$T/myf/"
cp "$TOP/examples/myfilter/Makefile" "$TOP/examples/myfilter/warm.c" "$T/refmyf/"
if env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL make -s -C "$T/refmyf" warm.wasm \
        TSF_INCLUDE="$TOP/filters" >"$T/err" 2>&1 &&
    XDG_CACHE_HOME=$T/refcache "$PLAIN/tilespool" run -q --keep -t 64 --spool "$T/refspool" \
        -f "$T/refmyf/warm.wasm:amount=40,invert" in.png ref-warm.png 2>"$T/err"; then
    ok "build tree: run -f ./warm.wasm:amount=40,invert"
else
    notok "build tree: run -f ./warm.wasm:amount=40,invert" "$(cat "$T/err")"
fi

# ---- the installed tree on its own -----------------------------------------

# A job directory and a directory that is not a job, for completing `clean`.
mkdir -p "$T/imgs" "$T/instspool/not-a-job" && : >"$T/imgs/a.png" && : >"$T/imgs/b.jpg"

cat >"$T/installed.sh" <<'EOF'
# run by install.sh with an empty environment: R T TOP HIDDEN FILTER_LIST PAGES
R=$1 T=$2 TOP=$3 hidden=$4 FILTER_LIST=$5 PAGES=$6
cd "$T" || exit 2
ok() { echo "ok - $1"; }
notok() { echo "not ok - $1: $2"; }
if [ "$hidden" = 1 ]; then
    if [ ! -e "$TOP/Makefile" ] && [ ! -e "$TOP/build" ]; then ok "source tree out of reach"
    else notok "source tree out of reach" "$TOP is still there"; fi
fi
if [ -z "${TILESPOOL_FILTER_PATH+set}${TILESPOOL_SPOOL+set}" ] &&
    [ "$PATH" = "$R/usr/bin:/usr/bin:/bin" ]; then ok "environment: installed bin, /usr/bin, /bin only"
else notok "environment: installed bin, /usr/bin, /bin only" "PATH=$PATH"; fi
if [ "$(command -v tilespool)" = "$R/usr/bin/tilespool" ]; then ok "tilespool is the installed one"
else notok "tilespool is the installed one" "found $(command -v tilespool)"; fi

# filters
if tilespool filters >"$T/filters.txt" 2>"$T/err"; then ok "installed: tilespool filters: exit 0"
else notok "installed: tilespool filters: exit 0" "$(cat "$T/err")"; fi
got=$(awk '/^[^ \t]/ { print $1 }' "$T/filters.txt" | LC_ALL=C sort | tr '\n' ' ')
if [ "$got" = "$FILTER_LIST " ] && ! grep -q unusable "$T/filters.txt"; then ok "installed: tilespool filters lists the 23 bundled filters"
else notok "installed: tilespool filters lists the 23 bundled filters" "got: $got $(grep unusable "$T/filters.txt" | head -n 2)"; fi

# a run, byte for byte the build tree's
if tilespool run -q --keep -w 2 -t 64 --spool "$T/instspool" -f gaussian_blur,invert \
    in.png out.png 2>"$T/err"; then
    ok "installed: run -f gaussian_blur,invert"
else
    notok "installed: run -f gaussian_blur,invert" "exit $?: $(cat "$T/err")"
fi
if [ -s out.png ] && cmp -s out.png ref.png; then ok "installed: output identical to the build tree's"
else notok "installed: output identical to the build tree's" "out.png and ref.png differ"; fi

# a user's filter, built against the installed SDK, compiled from the
# installed glue into ~/.cache/tilespool
if make -s -C "$T/myf" PREFIX="$R/usr" warm.wasm >"$T/myf.log" 2>&1 && [ -s "$T/myf/warm.wasm" ]; then
    ok "installed: the example filter builds against include/tilespool/tsf.h"
else
    notok "installed: the example filter builds" "$(head -c 300 "$T/myf.log")"
fi
if tilespool run -q --keep -t 64 --spool "$T/userspool" -f "$T/myf/warm.wasm:amount=40,invert" \
    in.png warm.png 2>"$T/err" && cmp -s warm.png ref-warm.png &&
    ls "$T"/.cache/tilespool/glue-* | grep -q '^[0-9a-f]\{64\}\.so$'; then
    ok "installed: run -f ./warm.wasm: compiled into ~/.cache/tilespool, output as the build tree's"
else
    notok "installed: run -f ./warm.wasm" "$(cat "$T/err") $(ls "$T"/.cache/tilespool/glue-* 2>&1 | tr '\n' ' ')"
fi
if tilespool filters 2>"$T/err" | grep -q "(module) *$T/myf/warm.wasm"; then
    ok "installed: tilespool filters lists the compiled module"
else
    notok "installed: tilespool filters lists the compiled module" "$(cat "$T/err")"
fi
# status of that run: one job, done, its 4 x 4 tiles all in out/
st_job=$(cd "$T/instspool" && for d in */; do [ -f "$d/job.json" ] && echo "${d%/}"; done)
st_line=$(tilespool status --spool "$T/instspool" 2>"$T/err" | grep "^$st_job ")
set -- $st_line
if [ "$2 $3 $4 $5 $6 $7" = "done 0 0 20 0 20" ]; then ok "installed: tilespool status shows the job done, 20 of 20"
else notok "installed: tilespool status shows the job done" "'$st_line' $(cat "$T/err")"; fi
if tilespool inspect --spool "$T/instspool" "$st_job" >"$T/insp.out" 2>"$T/err" &&
    [ "$(cat "$T/insp.out")" = "$T/instspool/$st_job/inspect.html" ] &&
    [ "$(grep -o 'class="tile st-done"' "$T/instspool/$st_job/inspect.html" | wc -l)" -eq 40 ]; then
    ok "installed: tilespool inspect writes the report, 20 done tiles in each view"
else notok "installed: tilespool inspect writes the report" "$(cat "$T/insp.out" "$T/err")"; fi

# manual pages
if command -v man >/dev/null 2>&1; then
    for p in $PAGES; do
        f=$R/usr/share/man/$p
        name=${p#*/}
        name=${name%.*}
        MANWIDTH=80 man -l "$f" >"$T/man.out" 2>"$T/man.err"
        st=$?
        if [ $st -eq 0 ] && [ ! -s "$T/man.err" ] && grep -q '^NAME' "$T/man.out" &&
            grep -Eq "^ *$name +- " "$T/man.out" && grep -q '^SEE ALSO' "$T/man.out"; then
            ok "man -l renders $p"
        else
            notok "man -l renders $p" "exit $st: $(head -c 300 "$T/man.err") $(head -n 3 "$T/man.out" | tr '\n' ' ')"
        fi
        if command -v groff >/dev/null 2>&1; then
            groff -man -Tutf8 -ww -z "$f" 2>"$T/groff.err"
            if [ ! -s "$T/groff.err" ]; then ok "groff -man -ww: no warning in $p"
            else notok "groff -man -ww: no warning in $p" "$(head -c 300 "$T/groff.err")"; fi
        fi
    done
    if MANWIDTH=80 man -M "$R/usr/share/man" 7 tilespool-filter 2>"$T/err" |
        grep -Eq '^ *tilespool-filter +- '; then
        ok "man -M finds tilespool-filter(7) in the installed tree"
    else
        notok "man -M finds tilespool-filter(7) in the installed tree" "$(cat "$T/err")"
    fi
else
    echo "skip - manual pages: man is not installed"
fi

# completion
if command -v bash >/dev/null 2>&1; then
    bash "$T/complete.bash" "$R/usr/share/bash-completion/completions/tilespool" "$T" "$FILTER_LIST"
else
    echo "skip - completion: bash is not installed"
fi
EOF

cat >"$T/complete.bash" <<'EOF'
# complete.bash COMPLETION T FILTER_LIST - call the completion function as
# bash would and check COMPREPLY.
. "$1" || { echo "not ok - completion: cannot source $1"; exit 1; }
T=$2 FILTER_LIST=$3
cd "$T" || exit 2

if [[ $(complete -p tilespool 2>/dev/null) == *"-F _tilespool"* ]]; then
    echo "ok - completion: registered for tilespool"
else
    echo "not ok - completion: registered for tilespool: $(complete -p tilespool 2>&1)"
fi

# expect NAME WANT CWORD WORD... - COMP_WORDS=(WORD...), COMP_CWORD=CWORD;
# WANT is the sorted COMPREPLY, space-separated.
expect() {
    local name=$1 want=$2 got
    COMP_CWORD=$3
    shift 3
    COMP_WORDS=("$@")
    COMPREPLY=()
    _tilespool
    got=$(printf '%s\n' "${COMPREPLY[@]}" | LC_ALL=C sort | tr '\n' ' ')
    got=${got% }
    if [[ $got == "$want" ]]; then echo "ok - completion: $name"
    else echo "not ok - completion: $name: want '$want', got '$got'"; fi
}

# expect_line NAME WANT LINE CWORD WORD... - the same with COMP_LINE and
# COMP_POINT, for words bash splits at ':' and '='.
expect_line() {
    local name=$1 want=$2
    COMP_LINE=$3
    COMP_POINT=${#COMP_LINE}
    shift 3
    expect "$name" "$want" "$@"
    unset COMP_LINE COMP_POINT
}

expect "commands" "batch clean filters inspect run status" 1 tilespool ""
expect "commands by prefix" "clean" 1 tilespool cl
expect "global options" "--help --version" 1 tilespool --
expect "run options by prefix" "--tile-format --tile-size --timeout" 2 tilespool run --t
expect "batch has --format and --force, run does not" "--filter --force --format" 2 tilespool batch --f
expect "run: --keep" "--keep" 2 tilespool run --ke
expect "run options" "--allow-partial" 3 tilespool run -q --al
expect "status options" "--brief --help --json --spool -h -s" 2 tilespool status -
expect "filters options" "--help --json --prune -h" 2 tilespool filters ""
expect "clean options" "--force --help --older-than --spool -h -s" 2 tilespool clean -
expect "inspect options" "--help --output --png --spool -h -o -s" 2 tilespool inspect -
expect "inspect --png: files" "imgs/a.png" 3 tilespool inspect --png imgs/a
expect "--tile-format values" "png pnm" 3 tilespool run --tile-format ""
expect "--format values" "jpeg jpg png" 3 tilespool batch --format ""
expect "no completion for a number" "" 3 tilespool run -w ""

expect "-f: every filter" "$FILTER_LIST" 3 tilespool run -f ""
expect "-f: filter by prefix" "gaussian_blur" 3 tilespool run -f gau
expect "--filter in batch: by prefix" "sepia sharpen sobel" 3 tilespool batch --filter s
expect "-f: after a comma" "gaussian_blur,invert" 3 tilespool run -f gaussian_blur,in
expect_line "-f: after a comma, past NAME:PARAM=VALUE" "0.6,sharpen" \
    "tilespool run -f sharpen:amount=0.6,sh" 7 tilespool run -f sharpen : amount = 0.6,sh
expect_line "-f: the parameters of a filter" ":amount= :sigma= :threshold=" \
    "tilespool run -f sharpen:" 4 tilespool run -f sharpen :
expect_line "-f: a parameter by prefix" "sigma=" \
    "tilespool run -f gaussian_blur:s" 5 tilespool run -f gaussian_blur : s

job=$(cd "$T/instspool" && for d in */; do [ -f "$d/job.json" ] && echo "${d%/}"; done)
if [[ -n $job && $job != *$'\n'* ]]; then
    expect "clean: job ids of --spool" "$job" 4 tilespool clean --spool "$T/instspool" ""
    expect "clean: job ids by prefix" "$job" 4 tilespool clean -s "$T/instspool" "${job:0:10}"
    TILESPOOL_SPOOL=$T/instspool expect "clean: job ids of \$TILESPOOL_SPOOL" "$job" 2 tilespool clean ""
    expect "clean: nothing from a spool without jobs" "" 4 tilespool clean -s "$T/imgs" ""
    expect "status: job ids of --spool" "$job" 4 tilespool status --spool "$T/instspool" ""
    expect "inspect: job ids" "$job" 4 tilespool inspect -s "$T/instspool" ""
else
    echo "not ok - completion: clean: want one job in $T/instspool, found '$job'"
fi

expect "run: input files" "imgs/a.png imgs/b.jpg" 2 tilespool run imgs/
expect "batch: input files" "imgs/b.jpg" 4 tilespool batch -f invert imgs/b
expect "--spool: directories only" "imgs" 3 tilespool run --spool im
EOF

# Hide the source tree in a private mount namespace, if this system can make one.
hide=""
case $T/ in
"$TOP"/*) echo "skip - source tree out of reach: \$T is inside it" ;;
*)
    if unshare -m --propagation private true 2>/dev/null; then hide="unshare -m --propagation private"
    elif unshare -r -m --propagation private true 2>/dev/null; then hide="unshare -r -m --propagation private"
    else echo "skip - source tree out of reach: unshare cannot make a mount namespace here"
    fi ;;
esac
# shellcheck disable=SC2016 # $1 and $@ are the inner shell's
if [ -n "$hide" ]; then
    $hide sh -c 'mount -t tmpfs -o size=64k tilespool-hidden "$1" || exit 3
        shift; exec "$@"' _ "$TOP" \
        env -i "PATH=$R/usr/bin:/usr/bin:/bin" "HOME=$T" \
        sh "$T/installed.sh" "$R" "$T" "$TOP" 1 "$FILTER_LIST" "$PAGES"
else
    env -i "PATH=$R/usr/bin:/usr/bin:/bin" "HOME=$T" \
        sh "$T/installed.sh" "$R" "$T" "$TOP" 0 "$FILTER_LIST" "$PAGES"
fi
st=$?
[ $st -eq 0 ] || notok "checks of the installed tree" "exit $st"

# ---- uninstall -------------------------------------------------------------

# files install did not put there must stay
mkdir -p "$R/usr/share/man/man1" "$R/usr/bin"
echo keep >"$R/usr/share/man/man1/other.1"
echo keep >"$R/usr/bin/other"
if make_ uninstall >"$T/uninstall.log" 2>&1; then ok "make uninstall PREFIX=/usr DESTDIR=\$T/root"
else notok "make uninstall PREFIX=/usr DESTDIR=\$T/root" "$(tail -n 5 "$T/uninstall.log" | tr '\n' ' ')"; fi
if [ -f "$R/usr/share/man/man1/other.1" ] && [ -f "$R/usr/bin/other" ]; then
    ok "uninstall: keeps files it did not install"
else
    notok "uninstall: keeps files it did not install" "other.1 or bin/other removed"
fi
rm -f "$R/usr/share/man/man1/other.1" "$R/usr/bin/other"
left=$(find "$R" ! -type d 2>&1)
if [ -d "$R" ] && [ -z "$left" ]; then ok "uninstall: no file left behind"
else notok "uninstall: no file left behind" "$(echo "$left" | head -n 10 | tr '\n' ' ')"; fi
