# Long chains of `and` and `+`, generated here: 250 terms compile; 300 and 5,000 are one
# error at the expression (no crash of check, validate, eval or fmt).
t=$(mktemp -d) || exit 2
trap 'rm -rf "$t"' EXIT
base=$(pwd)/rules/ben-tre/province.rules
chain() { # chain FILE OP TERMS
    awk -v op="$2" -v n="$3" -v base="$base" 'BEGIN {
        printf "import \"%s\"\n\ncriterion plan.chain \"Chuỗi dài\"\n    cite \"II.2.2\" on plan error\n", base
        if (op == "and") { printf "    require present(start)"; term = " and present(start)" }
        else { printf "    require 0"; term = " + 1" }
        for (i = 1; i < n; i++) printf "%s", term
        print (op == "and" ? "" : " >= 0")
    }' >"$t/$1"
}
chain and-250.rules and 250
chain plus-250.rules + 250
chain and-300.rules and 300
chain and-5000.rules and 5000
chain plus-5000.rules + 5000
for f in and-250 plus-250 and-300 and-5000 plus-5000; do
    $THIDUA check "$t/$f.rules" >"$t/out" 2>"$t/err"
    echo "check $f: exit $?"
    sed "s|$t/||" "$t/out" "$t/err"
done
for c in "validate --as-of 2025-12-31 -r $t/and-5000.rules examples/submission/ready.yaml" \
         "eval --as-of 2025-12-31 -r $t/plus-5000.rules examples/chau-thanh/" \
         "validate --as-of 2025-12-31 -r $t/and-250.rules examples/submission/ready.yaml" \
         "fmt --check $t/and-5000.rules"; do
    $THIDUA $c >"$t/out" 2>"$t/err"
    echo "${c%% *}: exit $?, $(grep -c 'nested too deeply' "$t/err") 'nested too deeply'"
done
