#!/bin/sh
# End-to-end golden tests: each directory tests/golden/<area>/<case>/ holds
#   cmd           one shell line, run from the repository root, with $THIDUA as the program
#                 (data commands always pass --as-of, so that the output never depends on today)
#   expected.out  its standard output,  expected.err  its standard error,
#   expected.rc   its exit status,
# and the input files the command reads. Every case runs with NO_COLOR=1; the script prints
# ok or FAIL (with a diff) per case and closes with `N passed, N failed`. Every case runs with
# LANGUAGE=en, in English; a case in Vietnamese passes --lang vi (tests/golden/vi/).
#
# Usage: sh tests/golden.sh [FILTER...]     run the cases whose path contains a FILTER
#        UPDATE=1 sh tests/golden.sh ...    (make golden-update) rewrite the expected files
#                                           from the actual output: review them with git diff
# THIDUA defaults to ./thidua. With TSAN_JOBS=N (make tsan) every `$THIDUA eval` runs with
# -j N: its output must be the same as with one thread.
set -u

root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root" || exit 2
THIDUA=${THIDUA:-$root/thidua}
export THIDUA
NO_COLOR=1
export NO_COLOR
LANGUAGE=en
export LANGUAGE

if [ ! -x "$THIDUA" ]; then
    echo "golden.sh: $THIDUA is not built (run make)" >&2
    exit 2
fi

tmp=$(mktemp -d "${TMPDIR:-/tmp}/thidua-golden.XXXXXX") || exit 2
trap 'rm -rf "$tmp"' EXIT
trap 'exit 2' INT TERM

if command -v timeout >/dev/null 2>&1; then
    run_limited() { timeout "${GOLDEN_TIMEOUT:-300}" sh -c "$1"; }
else
    run_limited() { sh -c "$1"; }
fi

# Every code the cases record goes to this file; a full run then checks that each code of
# engine/codes.h has a case (tests/codes.sh).
THIDUA_CODE_LOG=$tmp/codes
export THIDUA_CODE_LOG
: >"$THIDUA_CODE_LOG"

passed=0
failed=0
for cmdfile in $(find tests/golden -name cmd -type f | LC_ALL=C sort); do
    dir=${cmdfile%/cmd}
    case_name=${dir#tests/golden/}
    if [ $# -gt 0 ]; then
        wanted=no
        for filter in "$@"; do
            case "$case_name" in *"$filter"*) wanted=yes ;; esac
        done
        [ "$wanted" = yes ] || continue
    fi
    cmd=$(cat "$cmdfile")
    if [ -n "${TSAN_JOBS:-}" ]; then
        cmd=$(printf '%s\n' "$cmd" | sed "s/\\\$THIDUA eval /\$THIDUA eval -j $TSAN_JOBS /g")
    fi
    run_limited "$cmd" </dev/null >"$tmp/out" 2>"$tmp/err"
    echo $? >"$tmp/rc"
    if [ "${UPDATE:-}" = 1 ]; then
        cp "$tmp/out" "$dir/expected.out"
        cp "$tmp/err" "$dir/expected.err"
        cp "$tmp/rc" "$dir/expected.rc"
        echo "updated $case_name"
        passed=$((passed + 1))
        continue
    fi
    bad=
    for part in out err rc; do
        if [ ! -f "$dir/expected.$part" ]; then
            bad="$bad expected.$part is missing (make golden-update writes it);"
        elif ! cmp -s "$dir/expected.$part" "$tmp/$part"; then
            bad="$bad $part differs;"
        fi
    done
    if [ -z "$bad" ]; then
        echo "ok   $case_name"
        passed=$((passed + 1))
    else
        echo "FAIL $case_name:$bad"
        echo "     cmd: $cmd"
        for part in out err rc; do
            if [ -f "$dir/expected.$part" ]; then
                diff -u --label "expected.$part" --label "actual $part" \
                    "$dir/expected.$part" "$tmp/$part" | head -n 60 | sed 's/^/     /'
            fi
        done
        failed=$((failed + 1))
    fi
done

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ] || exit 1
# a full run (no FILTER, not rewriting): each diagnostic code has a case
if [ $# -eq 0 ] && [ "${UPDATE:-}" != 1 ]; then
    sh tests/codes.sh "$THIDUA_CODE_LOG" || exit 1
fi
