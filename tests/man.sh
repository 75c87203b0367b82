#!/bin/sh
# The man pages: thidua(1) and thidua-rules(5) format without a warning, and every option
# that a help text of thidua names (thidua --help and each COMMAND --help) is in thidua(1).
# Usage: THIDUA=./thidua sh tests/man.sh
set -u
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root" || exit 2
THIDUA=${THIDUA:-$root/thidua}
# the help texts in English, whatever the caller's language (the page is English)
LANGUAGE=en
export LANGUAGE
if ! command -v man >/dev/null 2>&1; then
    echo "man.sh: man is not installed (make deps installs man-db and groff)" >&2
    exit 2
fi
tmp=$(mktemp -d) || exit 2
trap 'rm -rf "$tmp"' EXIT
passed=0 failed=0
ok() { passed=$((passed + 1)); echo "ok   man $1"; }
bad() { failed=$((failed + 1)); echo "FAIL man $1"; }

for page in docs/man/thidua.1 docs/man/thidua-rules.5; do
    if MANWIDTH=80 man --warnings -l "$page" > /dev/null 2> "$tmp/warnings" &&
        [ ! -s "$tmp/warnings" ]; then
        ok "$(basename "$page") formats without warnings"
    else
        bad "$(basename "$page") formats with warnings:"
        sed 's/^/     /' "$tmp/warnings"
    fi
done

# the page as text, one paragraph per line (no line breaks inside an option's name)
MANWIDTH=1000 man -l docs/man/thidua.1 2>/dev/null > "$tmp/page"
"$THIDUA" --help > "$tmp/help"
commands=$(sed -n '/^commands:/,/^$/p' "$tmp/help" | awk 'NF && $1 != "commands:" {print $1}')
for c in $commands; do
    "$THIDUA" "$c" --help >> "$tmp/help" 2>&1
    grep -q "^ *$c " "$tmp/page" || grep -q "^ *$c$" "$tmp/page" || bad "command $c is not in thidua(1)"
done
options=$(grep -oE '(^|[][ ,|(])--?[A-Za-z][A-Za-z-]*' "$tmp/help" | sed 's/^[][ ,|(]//' | sort -u)
missing=
for o in $options; do
    grep -qE -- "(^|[^A-Za-z-])$o([^A-Za-z-]|\$)" "$tmp/page" || missing="$missing $o"
done
if [ -z "$missing" ]; then
    ok "every option of the help texts ($(echo $options | wc -w)) is in thidua(1)"
else
    bad "options in the help texts but not in thidua(1):$missing"
fi
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
