#!/bin/sh
# The JSON Schema of `thidua schema`, checked by a real validator (python3-jsonschema):
# it is a valid draft 2020-12 schema; every example unit that thidua finds ready satisfies
# it, and each one it refuses is not ready for thidua either; typed mistakes made in a ready
# unit (text where a number goes, an unknown level or tag...) break it; -o writes the same.
# Usage: THIDUA=./thidua sh tests/schema.sh
set -u
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root" || exit 2
THIDUA=${THIDUA:-$root/thidua}
py=
for p in python3 /usr/bin/python3; do
    if command -v "$p" >/dev/null 2>&1 && "$p" -c 'import jsonschema, yaml' 2>/dev/null; then
        py=$p
        break
    fi
done
if [ -z "$py" ]; then
    echo "schema.sh: no python3 with jsonschema and yaml (make deps installs python3-jsonschema" >&2
    echo "and python3-yaml)" >&2
    exit 2
fi
tmp=$(mktemp -d) || exit 2
trap 'rm -rf "$tmp"' EXIT
passed=0 failed=0
ok() { passed=$((passed + 1)); echo "ok   schema $1"; }
bad() { failed=$((failed + 1)); echo "FAIL schema $1"; }

if "$THIDUA" schema > "$tmp/schema.json"; then ok "is written"; else bad "exit $?"; fi
if "$THIDUA" schema -o "$tmp/o.json" && cmp -s "$tmp/o.json" "$tmp/schema.json"; then
    ok "-o writes the same text"
else
    bad "-o does not write the same text"
fi
if "$THIDUA" schema -r rules/ben-tre/chau-thanh.rules | cmp -s - "$tmp/schema.json"; then
    ok "-r with the shipped rules gives the built-in schema"
else
    bad "-r with the shipped rules differs from the built-in schema"
fi
examples=$(find examples -name '*.yaml' | sort)
# shellcheck disable=SC2086
if "$py" tests/schema-check.py --agree "$tmp/schema.json" "$THIDUA" 2025-12-31 $examples \
    > "$tmp/agree"; then
    ok "agrees with thidua validate on every example unit"
else
    bad "disagrees with thidua validate:"
    grep FAIL "$tmp/agree" | sed 's/^/     /'
fi
if "$py" tests/schema-check.py --mutants "$tmp/schema.json" examples/submission/ready.yaml \
    > "$tmp/mutants"; then
    ok "refuses $(grep -c '^ok' "$tmp/mutants") typed mistakes in a ready unit"
else
    bad "accepts a typed mistake:"
    grep FAIL "$tmp/mutants" | sed 's/^/     /'
fi
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
