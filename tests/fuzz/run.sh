#!/bin/sh
# tests/fuzz/run.sh - run libFuzzer targets one after another and print one
# line per target in the form tests/run counts:
#
#   ok - fuzz NAME: N executions in S s, corpus C inputs, no crash
#   not ok - fuzz NAME: crashed after N executions; input build/fuzz/crashes/...
#
#   sh tests/fuzz/run.sh [--scratch DIR] SECONDS NAME...
#
# The targets (build/fuzz/fuzz_NAME) and their corpora (build/fuzz/corpus/
# NAME) come from tests/fuzz/fuzz.mk.  New inputs the fuzzer finds are added
# to the corpus, or with --scratch go to DIR/NAME and the corpus is only
# read (the short run inside `make test` leaves the tree as it was).
# Inputs that crash are always kept in build/fuzz/crashes/, libFuzzer's
# output in build/fuzz/logs/NAME.log.  Exits 1 if any target crashed.
#
# One target at a time, in-process (no -jobs/-workers): the machine's
# cores are shared, and a single process keeps the figures comparable.
set -u
top=$(cd "$(dirname "$0")/../.." && pwd)
cd "$top" || exit 2

scratch=
if [ "${1:-}" = --scratch ]; then
    scratch=$2
    shift 2
fi
[ $# -ge 2 ] || { echo "usage: run.sh [--scratch DIR] SECONDS NAME..." >&2; exit 2; }
secs=$1
shift

F=build/fuzz
mkdir -p "$F/crashes" "$F/logs" || exit 2
# The targets' scratch files (tests/fuzz/scratch.h) go in a directory of
# this run, on tmpfs when there is one: a target that aborts cannot remove
# its own.
shm=/dev/shm
[ -d "$shm" ] && [ -w "$shm" ] || shm=${TMPDIR:-/tmp}
TILESPOOL_FUZZ_TMP=$(mktemp -d "$shm/tilespool-fuzz.XXXXXX") || exit 2
export TILESPOOL_FUZZ_TMP
trap 'rm -rf "$TILESPOOL_FUZZ_TMP"' EXIT INT TERM
# A crash must end the process (libFuzzer then saves the input); leaks count.
export ASAN_OPTIONS="detect_leaks=1:abort_on_error=0"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1"

failed=0
for name in "$@"; do
    bin=$F/fuzz_$name
    corpus=$F/corpus/$name
    log=$F/logs/$name.log
    mkdir -p "$corpus"
    if [ -n "$scratch" ]; then
        mkdir -p "$scratch/$name"
        dirs="$scratch/$name $corpus"
    else
        dirs=$corpus
    fi
    if [ ! -x "$bin" ]; then
        echo "not ok - fuzz $name: $bin is not built"
        failed=1
        continue
    fi
    # -timeout: an input taking 10 s is a hang; -rss_limit_mb: a parser
    # must not need 2 GiB whatever it is fed.
    # shellcheck disable=SC2086  # $dirs is one or two directory names
    "$bin" -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 \
        -artifact_prefix="$F/crashes/$name-" $dirs >"$log" 2>&1
    rc=$?
    done_line=$(sed -n 's/^Done \([0-9]*\) runs in \([0-9]*\) second.*/\1 \2/p' "$log" | tail -n 1)
    count=$(find "$corpus" -type f | wc -l)
    [ -n "$scratch" ] && count=$((count + $(find "$scratch/$name" -type f | wc -l)))
    if [ "$rc" -eq 0 ] && [ -n "$done_line" ]; then
        runs=${done_line% *} took=${done_line#* }
        echo "ok - fuzz $name: $runs executions in $took s, corpus $count inputs, no crash"
    else
        runs=$(sed -n 's/^#\([0-9][0-9]*\).*/\1/p' "$log" | tail -n 1)
        unit=$(sed -n 's/.*Test unit written to \(.*\)$/\1/p' "$log" | tail -n 1)
        why=$(grep -m 1 -E '^==[0-9]+==ERROR|runtime error|invariant broken|ERROR: libFuzzer' "$log" \
              | cut -c 1-200)
        when=${runs:+after $runs executions}
        echo "not ok - fuzz $name: exit $rc ${when:-on the corpus}: ${why:-see $log};" \
             "input ${unit:-not saved}, log $log"
        failed=1
    fi
done
exit "$failed"
