#!/bin/sh
# make bench (and make bench-serve): 1,000 requests from 50 concurrent clients on loopback
# against `thidua serve` (ab, from Debian's apache2-utils): POST /api/validate with each
# example submission. Prints requests/s, the 99th percentile latency, failed or non-2xx
# answers (must be 0), and the server's resident memory after a warm-up and after the load
# (flat: nothing a request sends is kept). A bounded loop on 127.0.0.1 only.
set -eu
THIDUA=${THIDUA:-./thidua}
N=${SERVE_REQUESTS:-1000}
C=${SERVE_CLIENTS:-50}
command -v ab >/dev/null 2>&1 || { echo "bench-serve: needs ab (apt-get install apache2-utils)"; exit 2; }
tmp=$(mktemp -d "${TMPDIR:-/tmp}/thidua-serve-bench.XXXXXX")
"$THIDUA" serve --listen 127.0.0.1:0 --as-of 2025-12-31 2>"$tmp/log" &
pid=$!
trap 'kill $pid 2>/dev/null; rm -rf "$tmp"' EXIT INT TERM
port=
for _ in 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20; do
    port=$(sed -n 's|.*http://127\.0\.0\.1:\([0-9][0-9]*\)/.*|\1|p' "$tmp/log")
    [ -n "$port" ] && break
    sleep 0.25
done
[ -n "$port" ] || { cat "$tmp/log"; exit 2; }
rss() { ps -o rss= -p "$pid" | tr -d ' '; }
for f in ready not-ready; do
    body=examples/submission/$f.yaml
    ab -q -n 200 -c "$C" -p "$body" -T 'application/yaml' \
        "http://127.0.0.1:$port/api/validate?name=$f.yaml" >/dev/null 2>&1
    warm=$(rss)
    ab -q -n "$N" -c "$C" -p "$body" -T 'application/yaml' \
        "http://127.0.0.1:$port/api/validate?name=$f.yaml" >"$tmp/ab" 2>&1
    after=$(rss)
    rps=$(sed -n 's/^Requests per second: *\([0-9.]*\).*/\1/p' "$tmp/ab")
    p99=$(sed -n 's/^ *99% *\([0-9]*\).*/\1/p' "$tmp/ab")
    failed=$(sed -n 's/^Failed requests: *\([0-9]*\).*/\1/p' "$tmp/ab")
    non2xx=$(sed -n 's/^Non-2xx responses: *\([0-9]*\).*/\1/p' "$tmp/ab")
    printf 'serve %-9s %s requests, %s clients: %s requests/s, p99 %s ms, failed %s, non-2xx %s, RSS %s KB after warm-up, %s KB after\n' \
        "$f" "$N" "$C" "$rps" "$p99" "${failed:-0}" "${non2xx:-0}" "$warm" "$after"
done
