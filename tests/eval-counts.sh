#!/bin/sh
# Independent check of the figures of `thidua eval` on examples/chau-thanh/ (issue 4).
#
# The counts are computed here from the YAML text of the example units with awk, without
# the engine, following DESIGN.md:
#   Decision 1  an exemplar counts once a step 1 is recorded with a date <= the as-of date;
#   Decision 2  district tier = units with level huyen, commune tier = level xa or ap;
#   Decision 3  the targets (>= 100 in all, >= 6 district tier, >= 94 commune tier) are due
#               2025-12-31: unmet before it is `progress`, on or after it `not met`;
#   III.1       counted exemplars per commune, per kind, per unit; the encouraged tallies
#               by tag (thanh_nien, phu_nu, llvt); units with >= 1 counted exemplar;
#   stages      the last step of each exemplar's `steps` dated on or before the as-of date
#               (where it stands then; examples/chau-thanh/README.md): checked at
#               both as-of dates.
# Then it runs `thidua eval -f json` at each as-of date, takes the numbers out of the
# thidua-report/1 document with sed/awk, and compares. Prints one line per check and
# `N passed, N failed`; exits 1 on any mismatch, 2 if it cannot run.
#
# Usage: sh tests/eval-counts.sh [AS_OF...]    (default: 2025-12-31 2024-12-31)
#        THIDUA=path/to/thidua sh tests/eval-counts.sh
set -u

root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root" || exit 2
THIDUA=${THIDUA:-$root/thidua}
LC_ALL=C
export LC_ALL

# The plan's numbers (58-KH/BDVHU II.2.1 and II.2.3; DESIGN.md Decision 3), stated here and
# not read from the rules, so that the rule file is checked too.
REQ_TOTAL=100
REQ_DISTRICT=6
REQ_COMMUNE=94
DUE=2025-12-31

data=examples/chau-thanh
if [ ! -x "$THIDUA" ]; then
    echo "eval-counts.sh: $THIDUA is not built (run make)" >&2
    exit 2
fi
files=$(find "$data" -type f \( -name '*.yaml' -o -name '*.yml' \) ! -name '.*' | sort)
if [ -z "$files" ]; then
    echo "eval-counts.sh: no unit files under $data" >&2
    exit 2
fi

tmp=$(mktemp -d "${TMPDIR:-/tmp}/thidua-counts.XXXXXX") || exit 2
trap 'rm -rf "$tmp"' EXIT
trap 'exit 2' INT TERM

# One line per exemplar, from the YAML text:
#   unit_id <TAB> level <TAB> kind <TAB> commune <TAB> step1_date (or -) <TAB> highest step <TAB> tags
# and one line per unit document (so that units without exemplars are known):
#   U <TAB> unit_id <TAB> level <TAB> kind <TAB> commune
# Block and flow styles are both read for tags; steps are read item by item, whatever the
# order of `step:` and `date:` inside an item.
# shellcheck disable=SC2086  # $files: paths without spaces, one per line
awk '
function ind(s) { match(s, /^ */); return RLENGTH }
function val(s) {                       # the scalar after "key:", unquoted, comment removed
    sub(/^[^:]*:[ \t]*/, "", s); sub(/[ \t]+#.*$/, "", s); sub(/[ \t]+$/, "", s)
    if (s ~ /^".*"$/ || s ~ /^\047.*\047$/) s = substr(s, 2, length(s) - 2)
    return s
}
function flowtags(s,   n, a, i, t) {
    sub(/^[^\[]*\[/, "", s); sub(/\].*$/, "", s)
    n = split(s, a, ",")
    for (i = 1; i <= n; i++) { t = a[i]; gsub(/[ \t"\047]/, "", t); if (t != "") tags = tags " " t }
}
function end_step() {
    if (in_item && item_step != "") {
        if (item_step + 0 > high) high = item_step + 0
        dated = dated " " (item_step + 0) "@" (item_date == "" ? "-" : item_date)
        if (item_step + 0 == 1 && item_date != "" && (step1 == "-" || item_date < step1)) step1 = item_date
    }
    in_item = 0; item_step = ""; item_date = ""
}
function end_exemplar() {
    end_step()
    if (in_ex) printf "E\t%s\t%s\t%s\t%s\t%s\t%d\t%s\t%s\n", uid, level, kind, commune, step1, high, tags, dated
    in_ex = 0; in_steps = 0; in_tags = 0
}
function end_doc() {
    end_exemplar()
    if (has_unit) printf "U\t%s\t%s\t%s\t%s\n", uid, level, kind, commune
    has_unit = 0; top = ""; uid = ""; level = ""; kind = ""; commune = ""; ex_dash = -1; unit_ind = -1
}
FNR == 1 { end_doc() }
/^---/ || /^\.\.\.[ \t]*$/ { end_doc(); next }
/^[ \t]*(#.*)?$/ { next }
{
    line = $0; sub(/\r$/, "", line)
    i = ind(line); c = substr(line, i + 1)
    if (i == 0) {                                       # a top-level key
        end_exemplar()
        top = c; sub(/:.*/, "", top)
        if (top == "unit") has_unit = 1
        next
    }
    if (top == "unit") {
        if (unit_ind < 0) unit_ind = i
        if (i == unit_ind) {
            if (c ~ /^id:/) uid = val(c)
            else if (c ~ /^level:/) level = val(c)
            else if (c ~ /^kind:/) kind = val(c)
            else if (c ~ /^commune:/) commune = val(c)
        }
        next
    }
    if (top != "exemplars") next
    if (c ~ /^-( |$)/ && (ex_dash < 0 || i == ex_dash)) {     # a new exemplar
        end_exemplar()
        ex_dash = i; in_ex = 1; step1 = "-"; high = 0; tags = ""; dated = ""
        c = substr(c, 2); sub(/^ +/, "", c); i = i + 2
        ex_key = i
        if (c == "") next
    }
    if (!in_ex) next
    if (i <= ex_key && c !~ /^-( |$)/) {                # a key of the exemplar itself
        end_step(); in_steps = 0; in_tags = 0
        ex_key = i
        if (c ~ /^steps:[ \t]*$/) in_steps = 1
        else if (c ~ /^tags:[ \t]*\[/) flowtags(c)
        else if (c ~ /^tags:[ \t]*$/) in_tags = 1
        next
    }
    if (in_tags && c ~ /^- /) { t = c; sub(/^- +/, "", t); gsub(/[ \t"\047]/, "", t); tags = tags " " t; next }
    if (!in_steps) next
    if (c ~ /^-( |$)/ && (!in_item || i <= item_dash)) {    # a new step item
        end_step(); in_item = 1; item_dash = i
        c = substr(c, 2); sub(/^ +/, "", c)
    }
    if (!in_item) next
    gsub(/[{}]/, "", c)
    n = split(c, kv, ",")
    for (k = 1; k <= n; k++) {
        s = kv[k]; sub(/^ +/, "", s)
        if (s ~ /^step:/) item_step = val(s)
        else if (s ~ /^date:/) item_date = val(s)
    }
}
END { end_doc() }
' $files >"$tmp/facts" || exit 2

passed=0
failed=0
check() {   # check NAME EXPECTED_FILE ACTUAL_FILE SUMMARY
    if cmp -s "$2" "$3"; then
        echo "ok   $1: $4"
        passed=$((passed + 1))
    else
        echo "FAIL $1: $4"
        diff -u --label "computed from the YAML" --label "thidua eval -f json" "$2" "$3" | sed 's/^/     /'
        failed=$((failed + 1))
    fi
}

# The target entries of a thidua-report/1 document, one per line (the `history` after them
# is left out):
#   id|group|actual|required|status      (group "-" when null)
targets_of() {
    tr '\n' ' ' <"$1" | sed 's/"history": .*//; s/{"id": /\
{"id": /g' | grep '"actual":' | sed 's/}.*//' | awk '
        function field(name,   s) {
            s = $0
            if (!match(s, "\"" name "\": (\"[^\"]*\"|[^,}]*)")) return "?"
            s = substr(s, RSTART + length(name) + 4, RLENGTH - length(name) - 4)
            gsub(/^"|"$/, "", s)
            return s == "null" ? "-" : s
        }
        { print field("id") "|" field("group") "|" field("actual") "|" field("required") "|" field("status") }'
}

[ $# -gt 0 ] || set -- 2025-12-31 2024-12-31
for asof in "$@"; do
    "$THIDUA" eval --as-of "$asof" -f json "$data/" >"$tmp/report.json" 2>"$tmp/report.err"
    rc=$?
    if [ "$rc" -gt 1 ] || ! grep -q '"format": "thidua-report/1"' "$tmp/report.json"; then
        echo "FAIL $asof: thidua eval exited $rc without a thidua-report/1 document"
        sed 's/^/     /' "$tmp/report.err"
        failed=$((failed + 1))
        continue
    fi
    targets_of "$tmp/report.json" >"$tmp/engine"

    # the expected target lines, from the facts
    awk -F '\t' -v asof="$asof" -v due="$DUE" -v rt="$REQ_TOTAL" -v rd="$REQ_DISTRICT" -v rc="$REQ_COMMUNE" '
        function status(actual, req) { return actual >= req ? "met" : (asof >= due ? "not met" : "progress") }
        function line(id, group, actual, req) {
            print id "|" group "|" actual "|" (req == "" ? "-" : req) "|" (req == "" ? "tally" : status(actual, req))
        }
        $1 == "U" { units[$2] = 1; kinds[$4] = 1; if ($3 == "xa" || $3 == "ap") communes[$5] = 1; next }
        $1 == "E" {
            if ($6 == "-" || $6 > asof) next            # Decision 1: YYYY-MM-DD compares as text
            total++; byunit[$2]++; bykind[$4]++
            if ($3 == "huyen") district++
            if ($3 == "xa" || $3 == "ap") { commune++; bycommune[$5]++ }
            if ($8 ~ / thanh_nien( |$)/) youth++
            if ($8 ~ / phu_nu( |$)/) women++
            if ($8 ~ / llvt( |$)/) armed++
        }
        END {
            line("exemplars.total", "-", total + 0, rt)
            line("exemplars.district_tier", "-", district + 0, rd)
            line("exemplars.commune_tier", "-", commune + 0, rc)
            for (u in units) if (byunit[u] >= 1) with++
            line("units.with_exemplar", "-", with + 0, "")
            line("exemplars.youth", "-", youth + 0, "")
            line("exemplars.women", "-", women + 0, "")
            line("exemplars.armed_forces", "-", armed + 0, "")
            for (g in communes) print g | "sort > \"'"$tmp"'/g.commune\""
            for (g in kinds) print g | "sort > \"'"$tmp"'/g.kind\""
            close("sort > \"'"$tmp"'/g.commune\""); close("sort > \"'"$tmp"'/g.kind\"")
            f = "'"$tmp"'/g.commune"; while ((getline g < f) > 0) line("exemplars.by_commune", g, bycommune[g] + 0, "")
            f = "'"$tmp"'/g.kind"; while ((getline g < f) > 0) line("exemplars.by_kind", g, bykind[g] + 0, "")
        }' "$tmp/facts" >"$tmp/expected"

    for id in exemplars.total exemplars.district_tier exemplars.commune_tier units.with_exemplar \
              exemplars.youth exemplars.women exemplars.armed_forces \
              exemplars.by_commune exemplars.by_kind; do
        grep "^$id|" "$tmp/expected" >"$tmp/e.$id"
        grep "^$id|" "$tmp/engine" >"$tmp/a.$id"
        case $id in
            exemplars.by_*) summary=$(awk -F'|' '{ s += $3; printf "%s%s %s", (NR > 1 ? ", " : ""), $2, $3 } END { printf " (%d groups in byte order, sum %d)\n", NR, s }' "$tmp/e.$id") ;;
            *) summary=$(awk -F'|' '{ print $3 ($4 == "-" ? "" : " / " $4) ", " $5 }' "$tmp/e.$id") ;;
        esac
        check "$asof $id" "$tmp/e.$id" "$tmp/a.$id" "$summary"
    done
    # no target the test does not know about
    grep -v -E '^(exemplars\.(total|district_tier|commune_tier|youth|women|armed_forces|by_commune|by_kind)|units\.with_exemplar)\|' \
        "$tmp/engine" >"$tmp/a.other"
    : >"$tmp/e.other"
    check "$asof other targets" "$tmp/e.other" "$tmp/a.other" "none"

    # III.1 per unit: units[].values.counted_exemplars, in input order
    awk -F '\t' -v asof="$asof" '
        $1 == "E" && $6 != "-" && $6 <= asof { n[$2]++ }
        $1 == "U" { order[++u] = $2 }
        END { for (i = 1; i <= u; i++) print order[i] "|" n[order[i]] + 0 }' "$tmp/facts" >"$tmp/e.perunit"
    tr '\n' ' ' <"$tmp/report.json" | sed 's/{"file": /\
{"file": /g' | grep '^{"file": ' | awk '
        { id = "?"; c = "?"
          if (match($0, /"id": ("[^"]*"|null)/)) { id = substr($0, RSTART + 6, RLENGTH - 6); gsub(/"/, "", id) }
          if (match($0, /"counted_exemplars": [0-9.]+/)) c = substr($0, RSTART + 21, RLENGTH - 21)
          print id "|" c }' >"$tmp/a.perunit"
    check "$asof units[].values.counted_exemplars" "$tmp/e.perunit" "$tmp/a.perunit" \
        "$(wc -l <"$tmp/e.perunit" | tr -d ' ') units, sum $(awk -F'|' '{ s += $2 } END { print s + 0 }' "$tmp/e.perunit"), $(awk -F'|' '$2 == 0 { printf "%s%s", sep, $1; sep = " " } END { if (!sep) printf "none" }' "$tmp/e.perunit") with 0"

    # summary.units and the targets counters of the summary
    awk -F '\t' '$1 == "U" { n++ } END { print n + 0 }' "$tmp/facts" >"$tmp/e.units"
    tr '\n' ' ' <"$tmp/report.json" | sed -n 's/.*"summary": *{[^}]*"units": *\([0-9]*\).*/\1/p' | awk '{ print }' >"$tmp/a.units"
    check "$asof summary.units" "$tmp/e.units" "$tmp/a.units" "$(cat "$tmp/e.units")"
    awk -F'|' '$4 != "-" { n++; if ($5 == "met") m++; else if ($5 == "not met") x++; else p++ }
        END { printf "targets %d met %d not_met %d in_progress %d\n", n, m, x, p }' "$tmp/expected" >"$tmp/e.sum"
    tr '\n' ' ' <"$tmp/report.json" | sed -n 's/.*"summary": *{\([^}]*\)}.*/\1/p' | awk '
        { for (i = 1; i <= NF; i++) { k = $i; gsub(/[",:]/, "", k); v = $(i + 1); gsub(/,/, "", v); f[k] = v } }
        END { printf "targets %s met %s not_met %s in_progress %s\n", f["targets"], f["targets_met"], f["targets_not_met"], f["targets_in_progress"] }' >"$tmp/a.sum"
    check "$asof summary targets" "$tmp/e.sum" "$tmp/a.sum" "$(cat "$tmp/e.sum")"

    # stages: where each exemplar stands at the as-of date, the last step recorded with a date
    # on or before it (steps are in order in these files)
    if true; then
        awk -F '\t' -v asof="$asof" '$1 == "E" {
                st = 0; k = split($9, a, " ")
                for (i = 1; i <= k; i++) { split(a[i], sd, "@"); if (sd[2] != "-" && sd[2] <= asof) st = sd[1] + 0 }
                n[st]++
            } END { printf "none %d", n[0]; for (s = 1; s <= 5; s++) printf " %d:%d", s, n[s]; print "" }' \
            "$tmp/facts" >"$tmp/e.stages"
        tr '\n' ' ' <"$tmp/report.json" | sed -n 's/.*"workflows": *\[ *{"id": "exemplar.steps"[^[]*"none": *\([0-9]*\), *"stages": *\[\([^]]*\)\].*/\1 \2/p' |
            awk '{ printf "none %d", $1; for (i = 2; i <= NF; i++) { if ($i == "{\"value\":") v = $(i + 1) + 0; if ($i == "\"count\":") { c = $(i + 1); gsub(/[^0-9]/, "", c); printf " %d:%d", v, c } } print "" }' \
            >"$tmp/a.stages"
        check "$asof exemplar.steps stages" "$tmp/e.stages" "$tmp/a.stages" "$(cat "$tmp/e.stages")"
    fi
done

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
