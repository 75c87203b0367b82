#!/bin/sh
# Fails when the library has writable data: the engine keeps no global mutable state, so
# that a batch can be evaluated on several threads (STYLE.md, "Threads").
# Usage: sh tools/check-globals.sh build/libthidua.a       (run by `make globals`)
# Lists every symbol of a writable data section (nm types D d B b C G g S s V v),
# whether global or file-local, including function-level `static` variables (nm shows
# them as name.N). The generated parser and lexer keep their tables `const` (type r/R);
# only bison's debug switch `td_yydebug`, present when the grammar enables tracing, is
# allowed, since nothing writes it.
set -u

lib=${1:-}
if [ -z "$lib" ] || [ ! -f "$lib" ]; then
    echo "usage: sh tools/check-globals.sh LIBRARY.a" >&2
    exit 2
fi
if ! command -v nm >/dev/null 2>&1; then
    echo "check-globals: nm is missing (apt-get install binutils)" >&2
    exit 2
fi

found=$(nm -A --defined-only "$lib" 2>/dev/null | awk '
    {
        # lib.a:object.o: VALUE TYPE NAME   (VALUE may be absent for common symbols)
        type = $(NF - 1); name = $NF; where = $1
        sub(/:$/, "", where); sub(/^.*:/, "", where)
        if (type !~ /^[DdBbCGgSsVv]$/) next
        if (name ~ /^td_yydebug$/ || name ~ /^yydebug$/) next
        # compiler-made data that is not program state
        if (name ~ /^\.L/ || name ~ /^__(odr_)?asan/ || name ~ /^__ubsan/ || name ~ /^__sancov/) next
        if (name ~ /^__tsan/ || name ~ /^__gcov/ || name ~ /^___asan/) next
        printf "  %s: %s (%s)\n", where, name, type
    }')
status=$?
if [ $status -ne 0 ]; then
    echo "check-globals: nm failed on $lib" >&2
    exit 2
fi
if [ -n "$found" ]; then
    echo "check-globals: writable data in $lib (the engine must keep no global mutable state):"
    printf '%s\n' "$found"
    echo "make them const, or move them into a context struct owned by the caller"
    exit 1
fi
echo "check-globals: no writable data in $lib"
