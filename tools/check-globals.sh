#!/bin/sh
# Fails when the library has writable data: the engine keeps no global mutable state, so
# that a batch can be evaluated on several threads (STYLE.md, "Threads").
# Usage: sh tools/check-globals.sh build/libthidua.a       (run by `make globals`)
#
# Lists every data object, global or file-local (function-level `static` variables
# included: they show as name.N), that lives in a writable section: .data, .bss, their
# thread-local forms, and common symbols. `nm` cannot tell these from `static const`
# tables of pointers, which the compiler puts in .data.rel.ro (read-only once relocated)
# and nm shows as d/D too, so the section of each symbol is read with `objdump -t`.
# The generated parser and lexer keep their tables `const`; bison's debug switch
# `td_yydebug`, present only when the grammar enables tracing, is the one allowed name.
set -u

lib=${1:-}
if [ -z "$lib" ] || [ ! -f "$lib" ]; then
    echo "usage: sh tools/check-globals.sh LIBRARY.a" >&2
    exit 2
fi
if ! command -v objdump >/dev/null 2>&1; then
    echo "check-globals: objdump is missing (apt-get install binutils)" >&2
    exit 2
fi

table=$(objdump -t "$lib" 2>&1) || {
    echo "check-globals: objdump failed on $lib:" >&2
    printf '%s\n' "$table" >&2
    exit 2
}

found=$(printf '%s\n' "$table" | awk '
    /^[^ ]+\.o:[ \t]+file format/ { obj = $1; sub(/:$/, "", obj); next }
    /^[0-9a-f]+ / {
        # VALUE FLAGS... SECTION SIZE NAME; FLAGS has spaces, so count from the end
        if ($0 !~ / O /) next                          # data objects only
        section = $(NF - 2); name = $NF
        writable = section == ".data" || section ~ /^\.data\./ || section == ".bss" ||
                   section ~ /^\.bss\./ || section == ".tdata" || section == ".tbss" ||
                   section ~ /^\.tdata\./ || section ~ /^\.tbss\./ || section == "*COM*"
        if (section ~ /^\.data\.rel\.ro/) writable = 0
        if (!writable) next
        if (name == "td_yydebug" || name == "yydebug") next
        # data the compiler or a sanitizer adds, which is not program state
        if (name ~ /^\.L/ || name ~ /^_*(odr_)?(asan|ubsan|tsan|sancov|gcov)/) next
        printf "  %s: %s (%s)\n", obj, name, section
    }')
if [ -n "$found" ]; then
    echo "check-globals: writable data in $lib (the engine must keep no global mutable state):"
    printf '%s\n' "$found"
    echo "make each one const, or move it into a context struct that the caller owns"
    exit 1
fi
echo "check-globals: no writable data in $lib"
