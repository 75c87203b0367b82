#!/bin/sh
# Installs the Debian packages that building and testing thidua need, only those missing:
# a C compiler and make, flex and bison (the rule language), libyaml (unit data), cmocka
# (unit tests), binutils (the globals check), libmicrohttpd (thidua serve), curl and python3
# (its tests), apache2-utils (ab, its load test in make bench), pkgconf, man-db and
# groff-base (the installation test and the man pages), util-linux (setpriv: tests of
# unreadable files run unprivileged when the suite runs as root), libxlsxwriter (the Excel
# report), python3-openpyxl (reads the workbooks back in `make test`), python3-jsonschema and
# python3-yaml (check the JSON Schema of `thidua schema` on the example units), gettext
# (msgfmt builds the Vietnamese messages into the program; xgettext and msgcmp check them).
# Quiet when everything is there. Run by `make deps`. With --browser, also headless Chromium and Selenium for
# `make test-browser`.
set -eu

packages="gcc libc6-dev make flex bison libyaml-dev libcmocka-dev binutils libmicrohttpd-dev curl python3 apache2-utils pkgconf man-db groff-base util-linux"
packages="$packages libxlsxwriter-dev python3-openpyxl python3-jsonschema python3-yaml gettext"
if [ "${1:-}" = --browser ]; then
    packages="$packages chromium chromium-driver python3-selenium"
fi

missing=
if command -v dpkg-query >/dev/null 2>&1; then
    for p in $packages; do
        status=$(dpkg-query -W -f='${db:Status-Status}' "$p" 2>/dev/null || true)
        [ "$status" = installed ] || missing="$missing $p"
    done
else
    # not a Debian system: look for the tools and headers themselves
    for tool in cc make flex bison pkg-config nm msgfmt xgettext; do
        command -v "$tool" >/dev/null 2>&1 || missing="$missing $tool"
    done
    for header in yaml.h cmocka.h microhttpd.h xlsxwriter.h; do
        found=no
        for dir in /usr/include /usr/local/include /opt/homebrew/include; do
            [ -f "$dir/$header" ] && found=yes
        done
        [ "$found" = yes ] || missing="$missing $header"
    done
    if [ -n "$missing" ]; then
        echo "install-deps: missing:$missing" >&2
        echo "install-deps: this script installs them on Debian or Ubuntu only; install a C11" >&2
        echo "compiler, make, flex, bison, libyaml, cmocka, libmicrohttpd, libxlsxwriter," >&2
        echo "pkg-config and python3 with openpyxl, jsonschema and yaml by hand." >&2
        exit 1
    fi
    exit 0
fi

[ -z "$missing" ] && exit 0

if [ "$(id -u)" -eq 0 ]; then
    sudo=
elif command -v sudo >/dev/null 2>&1; then
    sudo=sudo
else
    echo "install-deps: missing:$missing; run as root or install sudo" >&2
    exit 1
fi

echo "install-deps: installing$missing"
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
# shellcheck disable=SC2086
$sudo apt-get install -y -qq --no-install-recommends $missing
