#!/bin/sh
# examples/embed, a program built on the public API alone, judges unit files as
# `thidua validate` does: the same findings (their FILE:LINE:COL lines) and the same exit
# status, on the shipped submissions and on files that are broken in other ways.
# Usage: EMBED=build/embed THIDUA=./thidua sh tests/embed.sh
set -u
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root" || exit 2
EMBED=${EMBED:-$root/build/embed}
THIDUA=${THIDUA:-$root/thidua}
AS_OF=2025-12-31
tmp=$(mktemp -d) || exit 2
trap 'rm -rf "$tmp"' EXIT
printf 'unit: [not, a, mapping\n' > "$tmp/syntax.yaml"
printf -- '---\nunit: {id: A}\n---\nunit: {id: A}\n' > "$tmp/twice.yaml"
: > "$tmp/empty.yaml"

passed=0 failed=0
for f in examples/submission/*.yaml "$tmp/syntax.yaml" "$tmp/twice.yaml" "$tmp/empty.yaml" \
         "$tmp/missing.yaml"; do
    THIDUA_AS_OF=$AS_OF "$EMBED" "$f" > "$tmp/embed.out" 2>/dev/null
    erc=$?
    NO_COLOR=1 "$THIDUA" validate --as-of $AS_OF "$f" > "$tmp/validate.out" 2>/dev/null
    vrc=$?
    pattern=':[0-9][0-9]*:[0-9][0-9]*: \(error\|warning\|info\):\|: \(error\|warning\|info\): '
    grep "$pattern" "$tmp/embed.out" > "$tmp/embed.diag"
    grep "$pattern" "$tmp/validate.out" > "$tmp/validate.diag"
    if [ "$erc" = "$vrc" ] && cmp -s "$tmp/embed.diag" "$tmp/validate.diag"; then
        passed=$((passed + 1))
        echo "ok   embed $(basename "$f") (exit $erc)"
    else
        failed=$((failed + 1))
        echo "FAIL embed $(basename "$f"): exit $erc, validate $vrc"
        diff "$tmp/validate.diag" "$tmp/embed.diag" | head -20
    fi
done
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
