#!/bin/sh
# Checks that every diagnostic code of engine/codes.h has a golden case: some case under
# tests/golden records it (each case shows a real mistake of the kind the code names).
# Usage: sh tests/codes.sh LOG    LOG: the codes the golden cases recorded, one a line
# (tests/golden.sh runs every case with THIDUA_CODE_LOG=LOG, then this script).
set -u
root=$(cd "$(dirname "$0")/.." && pwd)
log=$1
tmp=$(mktemp -d "${TMPDIR:-/tmp}/thidua-codes.XXXXXX") || exit 2
trap 'rm -rf "$tmp"' EXIT
# a code marked "no case:" in codes.h cannot be produced by any input (the reason follows)
grep -v 'no case:' "$root/engine/codes.h" | sed -n 's/^ *X([A-Z0-9_]*, *"\([^"]*\)".*/\1/p' |
    LC_ALL=C sort -u >"$tmp/list"
if [ ! -s "$tmp/list" ]; then
    echo "codes.sh: no code found in engine/codes.h" >&2
    exit 2
fi
touch "$log"
LC_ALL=C sort -u "$log" >"$tmp/seen"
LC_ALL=C comm -23 "$tmp/list" "$tmp/seen" >"$tmp/missing"
if [ -s "$tmp/missing" ]; then
    echo "codes.sh: these diagnostic codes of engine/codes.h have no golden case under tests/golden"
    echo "(add a case whose command makes the mistake the code names):"
    sed 's/^/  /' "$tmp/missing"
    exit 1
fi
echo "codes: each of the $(wc -l <"$tmp/list" | tr -d ' ') diagnostic codes has a golden case"
