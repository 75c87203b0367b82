#!/bin/sh
# `make install` into a temporary DESTDIR puts every file in its place; examples/embed
# builds against the installed copy with pkg-config alone, links the shared library, and
# judges a unit file as `thidua validate` does; `make uninstall` then leaves nothing.
# Run by `make install-test` (which passes CC, CFLAGS, MAKE, BUILD and BIN).
set -u
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root" || exit 2
CC=${CC:-cc}
CFLAGS=${CFLAGS:-}
MAKE=${MAKE:-make}
BUILD=${BUILD:-build}
BIN=${BIN:-thidua}
prefix=/usr
tmp=$(mktemp -d "${TMPDIR:-/tmp}/thidua-install.XXXXXX") || exit 2
trap 'rm -rf "$tmp"' EXIT
dest=$tmp/root
passed=0 failed=0
ok() { passed=$((passed + 1)); echo "ok   install $1"; }
bad() { failed=$((failed + 1)); echo "FAIL install $1"; }

if $MAKE -s --no-print-directory install DESTDIR="$dest" PREFIX=$prefix BUILD="$BUILD" \
    BIN="$BIN" > "$tmp/log" 2>&1; then
    ok "make install DESTDIR=... PREFIX=$prefix"
else
    bad "make install failed:"
    sed 's/^/     /' "$tmp/log"
fi
for f in bin/thidua lib/libthidua.a lib/libthidua.so lib/pkgconfig/thidua.pc include/thidua.h \
         share/man/man1/thidua.1 share/man/man5/thidua-rules.5 \
         share/bash-completion/completions/thidua share/vim/vimfiles/syntax/thidua.vim \
         share/vim/vimfiles/ftdetect/thidua.vim share/thidua/vscode/package.json \
         share/thidua/vscode/syntaxes/thidua.tmLanguage.json; do
    [ -e "$dest$prefix/$f" ] || bad "missing $prefix/$f"
done
soname=$(ls "$dest$prefix/lib" | grep -E '^libthidua\.so\.[0-9]+$')
[ -n "$soname" ] && [ -L "$dest$prefix/lib/$soname" ] && ok "files in place ($soname)" ||
    bad "no libthidua.so.N link"

# build the example against the installed copy: its prefix moved under DESTDIR
pc="pkg-config --define-variable=prefix=$dest$prefix --define-variable=libdir=$dest$prefix/lib"
pc="$pc --define-variable=includedir=$dest$prefix/include"
export PKG_CONFIG_PATH="$dest$prefix/lib/pkgconfig"
export PKG_CONFIG_LIBDIR="$dest$prefix/lib/pkgconfig"
# shellcheck disable=SC2086
if $CC -std=c11 $CFLAGS -o "$tmp/embed" examples/embed/embed.c $($pc --cflags --libs thidua) \
    > "$tmp/log" 2>&1; then
    ok "examples/embed builds with \$(pkg-config --cflags --libs thidua)"
else
    bad "examples/embed does not build against the installed copy:"
    sed 's/^/     /' "$tmp/log"
fi
if [ -x "$tmp/embed" ]; then
    LD_LIBRARY_PATH="$dest$prefix/lib" ldd "$tmp/embed" 2>/dev/null | grep -q "$dest$prefix/lib/libthidua.so" &&
        ok "embed links the installed shared library" || bad "embed does not link libthidua.so"
    for f in ready not-ready; do
        LD_LIBRARY_PATH="$dest$prefix/lib" THIDUA_AS_OF=2025-12-31 "$tmp/embed" \
            examples/submission/$f.yaml > /dev/null 2>&1
        erc=$?
        "$dest$prefix/bin/thidua" validate --as-of 2025-12-31 examples/submission/$f.yaml \
            > /dev/null 2>&1
        vrc=$?
        [ "$erc" = "$vrc" ] && ok "installed embed and thidua agree on $f.yaml (exit $erc)" ||
            bad "embed exits $erc and thidua validate $vrc on $f.yaml"
    done
fi
# a program linked statically runs eval -f xlsx (and serve) with its copy linked dynamically,
# which it finds where `make install` put it; alone, it says that it cannot
bin=$dest$prefix/bin/thidua
if "$bin" eval --as-of 2025-12-31 -f xlsx -o "$tmp/report.xlsx" examples/chau-thanh/ \
    > "$tmp/log" 2>&1; [ $? -le 1 ] && [ -s "$tmp/report.xlsx" ]; then
    ok "the installed thidua writes a workbook"
else
    bad "the installed thidua writes no workbook:"
    sed 's/^/     /' "$tmp/log"
fi
if LC_ALL=C readelf -l "$bin" 2>/dev/null | grep -q 'program interpreter'; then
    ok "thidua is linked dynamically (no copy to find)"
else
    mkdir "$tmp/alone" && cp "$bin" "$tmp/alone/thidua"
    LANGUAGE=en "$tmp/alone/thidua" eval --as-of 2025-12-31 -f xlsx -o "$tmp/alone.xlsx" \
        examples/chau-thanh/ > "$tmp/log" 2>&1
    rc=$?
    if [ "$rc" = 2 ] && grep -q 'cannot start .*thidua-dynamic, the copy of the program that opens libxlsxwriter' "$tmp/log"; then
        ok "thidua linked statically, without its dynamic copy, says so (exit 2)"
    else
        bad "thidua linked statically, without its dynamic copy, exits $rc:"
        sed 's/^/     /' "$tmp/log"
    fi
fi
if $MAKE -s --no-print-directory uninstall DESTDIR="$dest" PREFIX=$prefix BUILD="$BUILD" \
    BIN="$BIN" > "$tmp/log" 2>&1 && [ -z "$(find "$dest" ! -type d)" ]; then
    ok "make uninstall leaves no file"
else
    bad "make uninstall left:"
    find "$dest" ! -type d | sed 's/^/     /'
fi
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
