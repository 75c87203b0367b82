#!/bin/sh
# Fails when a string marked in the sources has no Vietnamese translation in po/vi.po (it was
# added without `make po-update` and a translation), or only a fuzzy one. Run by `make po-check`.
# Usage: sh tools/po-fresh.sh "XGETTEXT KEYWORD OPTIONS" SOURCES...
set -eu
keywords=$1
shift
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
# shellcheck disable=SC2086
xgettext --from-code=UTF-8 --language=C $keywords -o "$tmp/now.pot" "$@"
if ! LC_ALL=C msgcmp po/vi.po "$tmp/now.pot" 2>"$tmp/err"; then
    sed 's/^/  /' "$tmp/err"
    echo "po/vi.po: some marked strings have no Vietnamese translation: run 'make po-update'," >&2
    echo "translate the new entries of po/vi.po (docs/i18n.md), and run 'make po-check' again" >&2
    exit 1
fi
