#!/bin/sh
# The HTML report as a person sees it, from headless Chromium: the example district's report
# at the interim and the final review (2024-12-31, 2025-12-31) as screenshots at 1280 px (the
# first screen, 1280x800, and the whole page) and as an A4 PDF (its first pages as PNG when
# pdftoppm is there). With --render N, also the report of a generated district of N units
# (tools/gen-district.c) and the time Chromium takes to load it and show its first frame.
# Look at the pictures: the file tool of an editor shows them.
#
# Usage: sh tools/html-shots.sh [--render N] [OUT_DIR]        (OUT_DIR: build/html-shots)
# Needs chromium, chromium-driver and python3-selenium (sh tools/install-deps.sh --browser);
# make test does not run it.
set -eu
THIDUA=${THIDUA:-./thidua}
CC=${CC:-cc}
render=
if [ "${1:-}" = --render ]; then
    render=${2:?--render needs a number of units}
    shift 2
fi
out=${1:-build/html-shots}
mkdir -p "$out"
for tool in chromium /usr/bin/chromedriver; do
    command -v "$tool" >/dev/null 2>&1 || {
        echo "html-shots: $tool is missing; run: sh tools/install-deps.sh --browser" >&2
        exit 2
    }
done

pages=
for as_of in 2024-12-31 2025-12-31; do
    page="$out/report-$as_of.html"
    # exit 1 says that some unit fails: the report is written all the same
    "$THIDUA" eval --as-of "$as_of" -f html -o "$page" examples/chau-thanh/ || [ $? -eq 1 ]
    pages="$pages $page"
    chromium --headless --no-sandbox --disable-gpu --no-first-run --no-pdf-header-footer \
        --print-to-pdf="$out/report-$as_of.pdf" "file://$(cd "$(dirname "$page")" && pwd)/$(basename "$page")" \
        >/dev/null 2>&1
    if command -v pdftoppm >/dev/null 2>&1; then
        pdftoppm -r 70 -png -f 1 -l 3 "$out/report-$as_of.pdf" "$out/report-$as_of-pdf"
    fi
done

if [ -n "$render" ]; then
    tmp=$(mktemp -d)
    trap 'rm -rf "$tmp"' EXIT
    $CC -O2 -o "$tmp/gen-district" tools/gen-district.c
    mkdir "$tmp/units"
    "$tmp/gen-district" "$render" "$tmp/units"
    page="$out/report-$render-units.html"
    "$THIDUA" eval --as-of 2025-12-31 -f html -o "$page" "$tmp/units" || [ $? -eq 1 ]
    pages="$pages $page"
fi

# shellcheck disable=SC2086
/usr/bin/python3 tools/html-shots.py "$out" $pages
ls "$out"
