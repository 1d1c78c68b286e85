# shellcheck shell=sh
# lint - every shell file of the tree passes shellcheck: the driver,
# the scripts, the bench and CI drivers, and the tests themselves.  A
# shell file is a tracked file whose first line is a sh or bash shebang
# or, for files that are sourced, a "# shellcheck shell=" line.  Files
# that source others are checked with them (-x; they name the sourced
# file with a "# shellcheck source=" line).  One check per file; skipped
# when shellcheck is not installed.
# shellcheck source=SCRIPTDIR/lib.sh
. "$(dirname "$0")/lib.sh"

if ! command -v shellcheck >/dev/null 2>&1; then
    echo "skip - shellcheck: shellcheck is not installed"
    exit 0
fi
cd "$TOP" || exit 2

# the tracked files; outside a git checkout, the tree less the build
if ! git ls-files >"$T/files" 2>/dev/null || [ ! -s "$T/files" ]; then
    find . -path ./build -prune -o -type f -print | sed 's|^\./||' >"$T/files"
fi
while read -r f; do
    [ -f "$f" ] || continue
    case $(head -n 1 "$f") in
    '#!'*[/\ ]sh | '#!'*[/\ ]sh\ * | '#!'*[/\ ]bash | '#!'*[/\ ]bash\ * | \
    '#!'*[/\ ]dash | '#!'*[/\ ]dash\ * | '# shellcheck shell='*) ;;
    *) continue ;;
    esac
    echo "$f" >>"$T/found"
    if shellcheck -x -f gcc "$f" >"$T/sc.out" 2>&1; then ok "shellcheck: $f"
    else notok "shellcheck: $f" "$(grep -c . "$T/sc.out") finding(s): $(head -n 3 "$T/sc.out" | tr '\n' ' ')"; fi
done <"$T/files"
# the driver, a sourced helper and the completion are among them
for f in scripts/tilespool tests/e2e/lib.sh scripts/tilespool-completion.bash; do
    if grep -qx "$f" "$T/found" 2>/dev/null; then ok "shellcheck: $f is found as a shell file"
    else notok "shellcheck: $f is found as a shell file" "its first line is no shebang or shell= line"; fi
done
