#!/bin/sh
# The text report of `thidua eval` fits an 80-column terminal (issue 10): every line of the
# example district's report, at the interim and the final review, with and without colour
# codes (which take no column), is at most 80 characters. Exits 1 naming the longest line.
set -u
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root" || exit 2
THIDUA=${THIDUA:-$root/thidua}
THIDUA_TODAY=2026-01-15
export THIDUA_TODAY
status=0
for asof in 2024-12-31 2025-06-30 2025-12-31; do
    for color in never always; do
        "$THIDUA" eval --as-of $asof --color=$color examples/chau-thanh/ >"${TMPDIR:-/tmp}/thidua-width.$$"
        [ $? -gt 1 ] && { echo "text-width.sh: eval --as-of $asof failed" >&2; exit 2; }
        python3 - "${TMPDIR:-/tmp}/thidua-width.$$" "$asof $color" <<'PY' || status=1
import re, sys
lines = open(sys.argv[1], encoding="utf-8").read().split("\n")
plain = [re.sub(r"\x1b\[[0-9;]*m", "", l) for l in lines]
longest = max(range(len(plain)), key=lambda i: len(plain[i]))
n = len(plain[longest])
if n > 80:
    print(f"FAIL  {sys.argv[2]}: line {longest + 1} has {n} characters: {plain[longest]}")
    sys.exit(1)
print(f"ok    {sys.argv[2]}: {len(plain)} lines, the longest {n} characters")
PY
    done
done
rm -f "${TMPDIR:-/tmp}/thidua-width.$$"
exit $status
