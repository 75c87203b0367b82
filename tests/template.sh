#!/bin/sh
# `thidua template`: written as is, the file is not ready and the findings say what to fill
# in; filled mechanically with the example after each empty value it is ready (for each
# level and kind, and under an overlay), and satisfies the JSON Schema of `thidua schema`;
# -o writes the same text; a code that does not exist is a usage error.
# Usage: THIDUA=./thidua sh tests/template.sh
set -u
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root" || exit 2
THIDUA=${THIDUA:-$root/thidua}
tmp=$(mktemp -d) || exit 2
trap 'rm -rf "$tmp"' EXIT
passed=0 failed=0
ok() { passed=$((passed + 1)); echo "ok   template $1"; }
bad() { failed=$((failed + 1)); echo "FAIL template $1"; }
asof=2025-12-31
export THIDUA_TODAY=2026-01-15

# Each empty value is followed by "# e.g. VALUE" (or "# ví dụ: VALUE"): put VALUE there.
fill() {
    sed -E 's/^( *(- )?[A-Za-z_0-9]+:|( *)-) +# (e\.g\.|ví dụ:) (.*)$/\1 \5/'
}

# as is: not ready, and every finding names the field to fill in
"$THIDUA" template > "$tmp/t.yaml" || bad "exit $? writing the template"
"$THIDUA" validate --as-of $asof -q "$tmp/t.yaml" > "$tmp/asis" 2>&1
rc=$?
if [ "$rc" -eq 1 ] && grep -qE ': (error|lỗi): ' "$tmp/asis"; then
    ok "as written is not ready ($(grep -cE ': (error|lỗi): ' "$tmp/asis") errors shown)"
else
    bad "as written: exit $rc, expected 1 with errors"
    sed 's/^/     /' "$tmp/asis" | head -20
fi
# every finding points at the field or list item to fill in: its line is a key or a '-'
vague=$(grep -E '^[^ ].*:[0-9]+:[0-9]+: [^ ]+: ' "$tmp/asis" | while IFS= read -r f; do
    line=$(echo "$f" | sed -E 's/^.*\.yaml:([0-9]+):.*$/\1/')
    sed -n "${line}p" "$tmp/t.yaml" | grep -qE '^ *(- *)?([A-Za-z_0-9]+:|-)( |$)' || echo "$f"
done)
if [ -z "$vague" ]; then
    ok "every finding on the blank template points at a field to fill in"
else
    bad "findings that point at no field:"
    echo "$vague" | sed 's/^/     /'
fi

for args in "" "--lang vi" "--level xa --kind ctxh" "--level ap --kind to_dan_van" "--level huyen --kind cong_an" \
    "-r rules/examples/other-district.rules"; do
    rules=$(echo "$args" | grep -oE -- '-r [^ ]+' || true)
    # shellcheck disable=SC2086
    "$THIDUA" template $args | fill > "$tmp/filled.yaml"
    if grep -qE '# (e\.g\.|ví dụ:)' "$tmp/filled.yaml"; then
        bad "[$args] placeholders left after filling"
    fi
    # shellcheck disable=SC2086
    if "$THIDUA" validate $rules --as-of $asof --fail-on warning "$tmp/filled.yaml" > "$tmp/v" 2>&1; then
        ok "[${args:-built-in rules}] filled with its examples is ready, without a warning"
    else
        bad "[${args:-built-in rules}] filled with its examples is not ready:"
        sed 's/^/     /' "$tmp/v" | head -20
    fi
done

py=
for p in python3 /usr/bin/python3; do
    if command -v "$p" >/dev/null 2>&1 && "$p" -c 'import jsonschema, yaml' 2>/dev/null; then
        py=$p
        break
    fi
done
"$THIDUA" template --level xa --kind ctxh | fill > "$tmp/filled.yaml"
"$THIDUA" schema -o "$tmp/schema.json"
if [ -z "$py" ]; then
    bad "no python3 with jsonschema and yaml (make deps installs them)"
elif "$py" tests/schema-check.py "$tmp/schema.json" "$tmp/filled.yaml" > "$tmp/s" 2>&1; then
    ok "filled template satisfies the JSON Schema"
else
    bad "filled template does not satisfy the JSON Schema:"
    sed 's/^/     /' "$tmp/s"
fi

"$THIDUA" template --level xa -o "$tmp/o.yaml"
if "$THIDUA" template --level xa | cmp -s - "$tmp/o.yaml"; then
    ok "-o writes the same text"
else
    bad "-o does not write the same text"
fi
if grep -q '^  level: xa$' "$tmp/o.yaml"; then ok "--level is written in"; else bad "--level xa not written"; fi
"$THIDUA" template --level xã > "$tmp/out" 2> "$tmp/err"
rc=$?
if [ "$rc" -eq 2 ] && [ ! -s "$tmp/out" ] && grep -q 'huyen, xa, ap' "$tmp/err"; then
    ok "an unknown level is a usage error that lists the codes"
else
    bad "--level xã: exit $rc, expected 2 with the codes listed"
fi
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
