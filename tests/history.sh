#!/bin/sh
# The month-by-month history of `thidua eval` (issue 10, DESIGN.md Decision 10): on a generated
# district (tools/gen-district.c), the `history` of one `eval -f json --as-of 2025-12-31` must
# give, at each of the 24 month ends of the plan's period, exactly the target rows that
# `eval --as-of` at that month end gives. A second run at a date inside a month
# (2025-07-15) must give the same month ends up to June 2025, then itself as the last entry.
# The same on the example district (examples/chau-thanh: references across units).
# Prints one line per date compared; exits 1 on any difference, 2 if it cannot run.
#
# Usage: sh tests/history.sh        (THIDUA=path/to/thidua, CC=cc, BUILD=build, HISTORY_N=300)
set -u

root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root" || exit 2
THIDUA=${THIDUA:-$root/thidua}
CC=${CC:-cc}
BUILD=${BUILD:-build}
N=${HISTORY_N:-300}
# no event of the generated data is after this day (Decision 10: tests fix today)
THIDUA_TODAY=2026-01-15
export THIDUA_TODAY

if [ ! -x "$THIDUA" ]; then
    echo "history.sh: $THIDUA is not built (run make)" >&2
    exit 2
fi
tmp=$(mktemp -d "${TMPDIR:-/tmp}/thidua-history.XXXXXX") || exit 2
trap 'rm -rf "$tmp"' EXIT
trap 'exit 2' INT TERM

mkdir -p "$BUILD" "$tmp/d" || exit 2
$CC -O2 -o "$BUILD/gen-district" tools/gen-district.c || exit 2
"$BUILD/gen-district" "$N" "$tmp/d" >/dev/null || exit 2

# eval exits 1 when the district has errors: expected here; 2 is a failure to run
run() {
    "$THIDUA" eval -f json --as-of "$1" "$data" >"$out/$1.json"
    rc=$?
    if [ "$rc" -gt 1 ]; then
        echo "history.sh: thidua eval --as-of $1 exited $rc" >&2
        exit 2
    fi
}

dates=
for y in 2024 2025; do
    for m in 01 02 03 04 05 06 07 08 09 10 11 12; do
        case $m in
        01 | 03 | 05 | 07 | 08 | 10 | 12) d=31 ;;
        04 | 06 | 09 | 11) d=30 ;;
        02) if [ "$y" = 2024 ]; then d=29; else d=28; fi ;;
        esac
        dates="$dates $y-$m-$d"
    done
done
status=0
for data in "$tmp/d" examples/chau-thanh; do
out=$tmp/out-$(basename "$data")
mkdir -p "$out" || exit 2
echo "== $data"
for d in $dates 2025-07-15; do
    run "$d"
done

python3 - "$out" 2025-12-31 2025-07-15 $dates <<'PY'
import json, sys
tmp, whole, mid, dates = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4:]

def load(d):
    with open(f"{tmp}/{d}.json", encoding="utf-8") as f:
        return json.load(f)

def rows_now(doc):
    return [(t["id"], t["group"], t["actual"]) for t in doc["targets"]]

def rows_hist(entry):
    return [(t["id"], t["group"], t["actual"]) for t in entry["targets"]]

failed = 0
def compare(what, got, want):
    global failed
    if got == want:
        print(f"ok    {what}: {len(want)} target rows")
        return
    failed += 1
    print(f"FAIL  {what}")
    for g, w in zip(got, want):
        if g != w:
            print(f"      history {g} but eval --as-of {w}")
    if len(got) != len(want):
        print(f"      {len(got)} rows in the history, {len(want)} from eval --as-of")

now = {d: load(d) for d in dates + [mid]}
hist = now[whole]["history"]
if [h["as_of"] for h in hist] != dates:
    print("FAIL  history dates:", [h["as_of"] for h in hist])
    sys.exit(1)
moved = sum(1 for a, b in zip(hist, hist[1:]) if rows_hist(a) != rows_hist(b))
if moved < 12:
    print(f"FAIL  the figures change in only {moved} months: the data do not test much")
    failed += 1
for h in hist:
    compare(f"history at {h['as_of']}", rows_hist(h), rows_now(now[h["as_of"]]))

part = now[mid]["history"]
want = [d for d in dates if d < mid] + [mid]
if [h["as_of"] for h in part] != want:
    print("FAIL  history dates at", mid, [h["as_of"] for h in part])
    sys.exit(1)
for h in part:
    compare(f"history of {mid} at {h['as_of']}", rows_hist(h), rows_now(now[h["as_of"]]))
print(f"{len(hist) + len(part) - failed} passed, {failed} failed")
sys.exit(1 if failed else 0)
PY
rc=$?
[ "$rc" -gt "$status" ] && status=$rc
done
exit "$status"
