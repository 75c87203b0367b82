#!/bin/sh
# End-to-end tests of `thidua serve` with curl on loopback: the page, the API against
# `thidua validate` on the two example submissions, escaping, 400, 404, 405, 413, a slow
# client cut off, one log line per request without the file's content, a clean stop; the
# language of every answer (?lang=, else Accept-Language, else the server's), with a second
# server in the rules' language (Vietnamese) for the defaults and the log.
# Run by `make test`; THIDUA names the binary.
set -u
THIDUA=${THIDUA:-./thidua}
case $THIDUA in /*) ;; *) THIDUA=$(pwd)/$THIDUA ;; esac
AS_OF=2025-12-31
tmp=$(mktemp -d)
pass=0
fail=0
pid=

cleanup() {
    [ -n "$pid" ] && kill "$pid" 2>/dev/null
    rm -rf "$tmp"
}
trap cleanup EXIT

# The port a server started in the background says it listens on (its log, FILE), after
# at most 5 s; empty if it says nothing.
listen_port() {
    for _ in 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20; do
        p=$(sed -n 's|.*http://127\.0\.0\.1:\([0-9][0-9]*\)/.*|\1|p' "$1")
        [ -n "$p" ] && { echo "$p"; return; }
        sleep 0.25
    done
}

ok() { echo "ok   serve/$1"; pass=$((pass + 1)); }
bad() { echo "FAIL serve/$1: $2"; fail=$((fail + 1)); }

"$THIDUA" serve --listen 127.0.0.1:0 --as-of $AS_OF --timeout 2 2>"$tmp/log" &
pid=$!
port=$(listen_port "$tmp/log")
if [ -z "$port" ]; then
    echo "FAIL serve/start: the server did not say where it listens"
    cat "$tmp/log"
    echo "0 passed, 1 failed"
    exit 1
fi
base=http://127.0.0.1:$port
req() { curl -s -S --max-time 20 "$@"; }

# the page in the browser's language, with its security headers; without one, in the
# server's (English here: make test runs with LANGUAGE=en)
req -H 'Accept-Language: vi-VN,vi;q=0.9,en;q=0.5' -D "$tmp/h" -o "$tmp/page" "$base/"
if grep -q 'Kiểm tra</button>' "$tmp/page" && grep -qi "^content-security-policy: default-src 'self'" "$tmp/h" &&
    grep -q '^HTTP/1.1 200' "$tmp/h"; then ok page; else bad page "no Vietnamese form or no CSP"; fi
req -H 'Accept-Language: en-US,en;q=0.9,vi;q=0.5' -o "$tmp/page-en" "$base/"
if grep -q '>Check</button>' "$tmp/page-en" && grep -q '<html lang="en">' "$tmp/page-en"; then
    ok page-english; else bad page-english "Accept-Language en did not give English"; fi
req -H 'Accept-Language: en' -o "$tmp/page-asked" "$base/?lang=vi"
if grep -q '<html lang="vi">' "$tmp/page-asked"; then ok page-lang-over-browser; else
    bad page-lang-over-browser "?lang=vi did not win over Accept-Language"; fi
req -H 'Accept-Language: fr-FR,fr;q=0.9,vi;q=0' -o "$tmp/page-server" "$base/"
if grep -q '<html lang="en">' "$tmp/page-server"; then ok page-server-language; else
    bad page-server-language "no vi or en asked for: not the server's language"; fi
if ! grep -q 'http' "$tmp/page" || ! grep -Eq '(src|href)="https?:' "$tmp/page"; then
    ok page-loads-nothing-outside; else bad page-loads-nothing-outside "an outside address"; fi

# the API gives validate's JSON report, byte for byte
for f in ready not-ready; do
    (cd "$(dirname "$0")/../examples/submission" &&
        "$THIDUA" validate -f json --as-of $AS_OF $f.yaml >"$tmp/$f.want")
    req --data-binary @"$(dirname "$0")/../examples/submission/$f.yaml" \
        -o "$tmp/$f.got" "$base/api/validate?name=$f.yaml"
    if cmp -s "$tmp/$f.want" "$tmp/$f.got"; then ok api-$f; else
        bad api-$f "differs from thidua validate -f json"
        diff "$tmp/$f.want" "$tmp/$f.got" | head -10
    fi
    req -F file=@"$(dirname "$0")/../examples/submission/$f.yaml" -o "$tmp/$f.multi" \
        "$base/api/validate"
    if cmp -s "$tmp/$f.want" "$tmp/$f.multi"; then ok api-upload-$f; else
        bad api-upload-$f "a multipart upload differs from thidua validate -f json"
    fi
done

# the report's messages in the language asked for, as thidua validate --lang gives them
(cd "$(dirname "$0")/../examples/submission" &&
    "$THIDUA" validate -f json --lang vi --as-of $AS_OF not-ready.yaml >"$tmp/not-ready.want-vi")
req --data-binary @"$(dirname "$0")/../examples/submission/not-ready.yaml" \
    -o "$tmp/not-ready.got-vi" "$base/api/validate?name=not-ready.yaml&lang=vi"
req -H 'Accept-Language: vi' --data-binary @"$(dirname "$0")/../examples/submission/not-ready.yaml" \
    -o "$tmp/not-ready.got-vi2" "$base/api/validate?name=not-ready.yaml"
if cmp -s "$tmp/not-ready.want-vi" "$tmp/not-ready.got-vi" &&
    cmp -s "$tmp/not-ready.want-vi" "$tmp/not-ready.got-vi2"; then ok api-vietnamese; else
    bad api-vietnamese "?lang=vi or Accept-Language: vi differs from thidua validate --lang vi"
fi

# the page after an upload: the verdict, and each finding under its line
req -F file=@"$(dirname "$0")/../examples/submission/not-ready.yaml" -o "$tmp/result" "$base/"
if grep -q 'class="verdict not-ready"' "$tmp/result" && grep -q 'id="L23"' "$tmp/result" &&
    grep -A1 'id="L23"' "$tmp/result" | grep -q 'plan.hard_tasks, II.2.2'; then
    ok page-findings-at-lines; else bad page-findings-at-lines "hard_tasks not shown at line 23"; fi
req --data-urlencode "text@$(dirname "$0")/../examples/submission/ready.yaml" -o "$tmp/pasted" "$base/"
if grep -q 'class="verdict ready"' "$tmp/pasted"; then ok page-pasted-text; else
    bad page-pasted-text "pasted text of ready.yaml not judged ready"; fi

# every value from the request is escaped
printf 'unit:\n  id: "<script>alert(1)</script>"\n  name: "<b>x</b> & \\"y\\""\n' >"$tmp/evil.yaml"
req -F "file=@$tmp/evil.yaml;filename=<img src=x onerror=alert(1)>.yaml" -o "$tmp/evil" "$base/"
if ! grep -q '<script>alert' "$tmp/evil" && ! grep -q '<img src=x' "$tmp/evil" &&
    ! grep -q '<b>x</b>' "$tmp/evil" && grep -q '&lt;script&gt;' "$tmp/evil"; then
    ok page-escapes; else bad page-escapes "a value reached the page unescaped"; fi

# refusals
code() { req -o /dev/null -w '%{http_code}' "$@"; }
head -c 9437184 /dev/zero >"$tmp/big"
[ "$(code --data-binary @"$tmp/big" "$base/api/validate")" = 413 ] && ok too-large || bad too-large "not 413"
[ "$(code -H 'Content-Type: multipart/form-data; boundary=b' --data-binary 'junk' \
    "$base/api/validate")" = 400 ] && ok malformed || bad malformed "not 400"
[ "$(code -X POST "$base/api/validate")" = 400 ] && ok empty-body || bad empty-body "not 400"
[ "$(code "$base/nowhere")" = 404 ] && ok not-found || bad not-found "not 404"
[ "$(code -X DELETE "$base/")" = 405 ] && ok wrong-method || bad wrong-method "not 405"
[ "$(req "$base/healthz")" = ok ] && ok healthz || bad healthz "not ok"

# an error says what to do, in the request's language
[ "$(req "$base/nowhere")" = "404: no such page; the page is at /" ] && ok error-english ||
    bad error-english "404 body not in the server's language"
[ "$(req -H 'Accept-Language: vi' "$base/nowhere")" = "404: không có trang này; trang kiểm tra ở địa chỉ /" ] &&
    ok error-vietnamese || bad error-vietnamese "404 body not in Vietnamese"
case "$(req -X POST "$base/api/validate?lang=vi")" in "400: xin gửi nội dung YAML"*) ok error-400-vietnamese ;;
    *) bad error-400-vietnamese "400 body not in Vietnamese" ;; esac

# the page links to a blank unit file and to the fields, both from the rules
page=$(req "$base/?lang=vi")
case "$page" in *'href="/template.yaml?lang=vi"'*'href="/fields?lang=vi"'*) ok page-links ;;
    *) bad page-links "no links to the template and the fields" ;; esac
"$THIDUA" template --lang vi > "$tmp/template-cli.yaml" 2>/dev/null
# once more when the first answer was cut short (the server runs with --timeout 2 here)
for try in 1 2; do
    req "$base/template.yaml?lang=vi" > "$tmp/template.yaml"
    cmp -s "$tmp/template.yaml" "$tmp/template-cli.yaml" && break
done
cmp -s "$tmp/template.yaml" "$tmp/template-cli.yaml" && ok template-equals-cli ||
    bad template-equals-cli "GET /template.yaml differs from thidua template"
case "$(req "$base/fields?lang=en")" in *"in the unit file"*) ok fields ;;
    *) bad fields "no field list" ;; esac

# a client that sends part of a request and goes silent is cut off (--timeout 2)
if command -v python3 >/dev/null 2>&1; then
    python3 - "$port" <<'EOF' && ok slow-client-cut-off || bad slow-client-cut-off "kept open"
import socket, sys, time
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])))
s.sendall(b"POST /api/validate HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\nunit:")
s.settimeout(10)
start = time.time()
try:
    data = s.recv(100)
except socket.timeout:
    sys.exit(1)
sys.exit(0 if data == b"" and time.time() - start < 9 else 1)
EOF
fi

# one log line per request, never the file's content; a clean stop on SIGTERM
kill -TERM "$pid"
wait "$pid"
rc=$?
pid=
[ $rc -eq 0 ] && grep -q 'stopped (SIGTERM)' "$tmp/log" && ok stops-on-sigterm ||
    bad stops-on-sigterm "exit $rc"
if grep -Eq '^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:]{8}Z 127\.0\.0\.1 POST /api/validate 200 [0-9]+ B [0-9.]+ ms$' "$tmp/log" &&
    grep -q ' 413 ' "$tmp/log" && grep -q 'timed out' "$tmp/log" &&
    ! grep -q 'CT-TT-HLHPN\|alert' "$tmp/log"; then ok log-lines; else
    bad log-lines "missing lines, or the file's content in the log"
    cat "$tmp/log"
fi

# a server started with no language chosen speaks the rules' (Vietnamese): its page, its
# errors and its log lines
(unset LANGUAGE; LANG=C exec "$THIDUA" serve --listen 127.0.0.1:0 --as-of $AS_OF) 2>"$tmp/log-vi" &
pid=$!
port=$(listen_port "$tmp/log-vi")
base=http://127.0.0.1:$port
if [ -n "$port" ] && req "$base/" | grep -q '<html lang="vi">' &&
    [ "$(req "$base/nowhere")" = "404: không có trang này; trang kiểm tra ở địa chỉ /" ]; then
    ok rules-language; else bad rules-language "not Vietnamese without --lang or LANGUAGE"; fi
[ -n "$pid" ] && kill -TERM "$pid" && wait "$pid"
pid=
if grep -q 'hãy mở http://127.0.0.1:' "$tmp/log-vi" && grep -q 'đã dừng (SIGTERM)' "$tmp/log-vi"; then
    ok log-vietnamese; else bad log-vietnamese "the log is not in the server's language"
    cat "$tmp/log-vi"
fi

echo "$pass passed, $fail failed"
[ $fail -eq 0 ]
