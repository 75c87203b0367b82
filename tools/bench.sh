#!/bin/sh
# make bench: generates a synthetic district of N and 10 N units (tools/gen-district.c), then
# prints, from one run each, the throughput of `thidua eval -f json` with -j 1 and -j 2
# beside a bare libyaml event parse of the same files, and the peak RSS at N and 10 N.
# Usage: sh tools/bench.sh   (BENCH_N=4000, THIDUA=./thidua, CC=cc, BUILD=build)
set -eu

N=${BENCH_N:-4000}
N10=$((N * 10))
THIDUA=${THIDUA:-./thidua}
CC=${CC:-cc}
BUILD=${BUILD:-build}
ASOF=2025-12-31

tmp=$(mktemp -d "${TMPDIR:-/tmp}/thidua-bench.XXXXXX")
trap 'rm -rf "$tmp"' EXIT INT TERM

mkdir -p "$BUILD"
$CC -O2 -o "$BUILD/gen-district" tools/gen-district.c
$CC -O2 -o "$BUILD/yaml-parse-bench" tools/yaml-parse-bench.c -lyaml

# Peak RSS: GNU time when there is one, else a tiny wrapper reading getrusage.
if [ -x /usr/bin/time ] && /usr/bin/time -f %M true >/dev/null 2>&1; then
    # thidua exits 1 when the district has errors: that is expected here
    peak() { /usr/bin/time -f %M -o "$tmp/rss" "$@" >/dev/null || true; tail -1 "$tmp/rss"; }
else
    cat > "$tmp/peak.c" <<'EOF'
#include <stdio.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>
int main(int argc, char **argv)
{
    (void)argc;
    pid_t pid = fork();
    if (pid == 0) {
        execvp(argv[1], argv + 1);
        _exit(127);
    }
    int st;
    waitpid(pid, &st, 0);
    struct rusage ru;
    getrusage(RUSAGE_CHILDREN, &ru);
    fprintf(stderr, "%ld\n", ru.ru_maxrss);
    return 0;
}
EOF
    $CC -O2 -o "$tmp/peak" "$tmp/peak.c"
    peak() { "$tmp/peak" "$@" 2>"$tmp/rss" >/dev/null || true; tail -1 "$tmp/rss"; }
fi

now() { date +%s%N; }

mkdir "$tmp/n" "$tmp/n10"
"$BUILD/gen-district" "$N" "$tmp/n"
"$BUILD/gen-district" "$N10" "$tmp/n10"
bytes=$(find "$tmp/n10" -name '*.yaml' -exec cat {} + | wc -c)

# One run each, on the 10 N district (long enough to time).
t0=$(now); "$BUILD/yaml-parse-bench" "$tmp/n10" >/dev/null; t1=$(now)
bare=$((t1 - t0))
t0=$(now); rss10=$(peak "$THIDUA" eval --as-of $ASOF -f json -j 1 "$tmp/n10"); t1=$(now)
j1=$((t1 - t0))
t0=$(now); "$THIDUA" eval --as-of $ASOF -f json -j 2 "$tmp/n10" >/dev/null || true; t1=$(now)
j2=$((t1 - t0))
rss1=$(peak "$THIDUA" eval --as-of $ASOF -f json -j 1 "$tmp/n")

awk -v n="$N10" -v bytes="$bytes" -v bare="$bare" -v j1="$j1" -v j2="$j2" \
    -v rss1="$rss1" -v rss10="$rss10" -v small="$N" 'BEGIN {
    mb = bytes / 1e6
    printf "thidua bench: %d units, %.1f MB of YAML (and %d units for the memory check)\n", n, mb, small
    printf "  %-30s %10s %8s\n", "", "units/s", "MB/s"
    printf "  %-30s %10.0f %8.1f\n", "bare libyaml event parse", n / (bare / 1e9), mb / (bare / 1e9)
    printf "  %-30s %10.0f %8.1f\n", "thidua eval -f json -j 1", n / (j1 / 1e9), mb / (j1 / 1e9)
    printf "  %-30s %10.0f %8.1f\n", "thidua eval -f json -j 2", n / (j2 / 1e9), mb / (j2 / 1e9)
    printf "  single-threaded / bare parse: %.2f   (aim >= 0.8)\n", bare / j1
    printf "  -j 2 / -j 1:                  %.2f   (aim >= 1.7)\n", j1 / j2
    printf "  peak RSS: %.1f MB at %d units, %.1f MB at %d units: ratio %.2f   (aim <= 1.2)\n",
        rss1 / 1024, small, rss10 / 1024, n, rss10 / rss1
    printf "            that is %.0f bytes per unit beyond the first %d\n",
        (rss10 - rss1) * 1024 / (n - small), small
}'
