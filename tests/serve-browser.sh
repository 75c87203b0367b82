#!/bin/sh
# Runs tests/serve-browser.py against a `thidua serve` started here on a free loopback port:
# headless Chromium uploads examples/submission/not-ready.yaml and finds each finding of
# `thidua validate` at its line. Screenshots go to the folder given (default build/screenshots).
set -eu
THIDUA=${THIDUA:-./thidua}
out=${1:-build/screenshots}
tmp=$(mktemp -d)
"$THIDUA" serve --listen 127.0.0.1:0 --as-of 2025-12-31 2>"$tmp/log" &
pid=$!
trap 'kill $pid 2>/dev/null; rm -rf "$tmp"' EXIT
port=
for _ in 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20; do
    port=$(sed -n 's|.*http://127\.0\.0\.1:\([0-9][0-9]*\)/.*|\1|p' "$tmp/log")
    [ -n "$port" ] && break
    sleep 0.25
done
[ -n "$port" ] || { cat "$tmp/log"; exit 1; }
"$THIDUA" validate -f json --as-of 2025-12-31 examples/submission/not-ready.yaml >"$tmp/want.json" || true
/usr/bin/python3 tests/serve-browser.py "http://127.0.0.1:$port" \
    examples/submission/not-ready.yaml "$tmp/want.json" "$out"
