#!/bin/sh
# Dumps an Excel workbook (tests/xlsx-dump.py) with the first python3 that has openpyxl
# (Debian: python3-openpyxl; tools/install-deps.sh installs it).
# Usage: sh tests/xlsx-dump.sh FILE.xlsx
dir=$(dirname "$0")
for py in python3 /usr/bin/python3; do
    if command -v "$py" >/dev/null 2>&1 && "$py" -c 'import openpyxl' 2>/dev/null; then
        exec "$py" "$dir/xlsx-dump.py" "$1"
    fi
done
echo "xlsx-dump: no python3 with openpyxl (Debian: apt-get install python3-openpyxl)" >&2
exit 2
