# Chains of defines and lets, generated here. Each check must take a time linear in the
# count: the limit below is far above what it takes, and far below what a quadratic compile
# took (20,000 chained defines: over 60 s and 7.8 GB). check/many-criteria: 100,000 criteria.
t=$(mktemp -d) || exit 2
trap 'rm -rf "$t"' EXIT
base=$(pwd)/rules/ben-tre/province.rules
defines() { # defines FILE COUNT: a chain, each using the previous one
    awk -v n="$2" -v base="$base" 'BEGIN {
        printf "import \"%s\"\n\ndefine plan.d0 \"Bước 0\" = 1\n", base
        for (i = 1; i < n; i++) printf "define plan.d%d \"Bước %d\" = d%d + 1\n", i, i, i - 1
        printf "\ncriterion plan.chain \"Chuỗi\"\n    cite \"II.2.2\" on plan error\n"
        printf "    require d%d != %d\n    message \"d%d = {d%d}\"\n", n - 1, n, n - 1, n - 1
    }' >"$t/$1"
}
reversed() { # reversed FILE COUNT: the same chain, each define before the one it uses
    awk -v n="$2" -v base="$base" 'BEGIN {
        printf "import \"%s\"\n\n", base
        for (i = n - 1; i > 0; i--) printf "define plan.d%d \"Bước %d\" = d%d + 1\n", i, i, i - 1
        printf "define plan.d0 \"Bước 0\" = 1\n"
    }' >"$t/$1"
}
lets() { # lets FILE COUNT: a criterion's lets, each using the previous one
    awk -v n="$2" -v base="$base" 'BEGIN {
        printf "import \"%s\"\n\ncriterion plan.lets \"Chuỗi let\"\n    cite \"II.2.2\" on plan error\n    let a0 = 1\n", base
        for (i = 1; i < n; i++) printf "    let a%d = a%d + 1\n", i, i - 1
        printf "    require a%d != %d\n    message \"a%d = {a%d}\"\n", n - 1, n, n - 1, n - 1
    }' >"$t/$1"
}
defines chain-200.rules 200
defines chain-5000.rules 5000
defines chain-20000.rules 20000
reversed reversed-5000.rules 5000
lets lets-200.rules 200
lets lets-5000.rules 5000
for f in chain-200 chain-5000 chain-20000 reversed-5000 lets-5000; do
    timeout 50 $THIDUA check "$t/$f.rules" >"$t/out" 2>"$t/err"
    echo "check $f: exit $?"
    sed "s|$t/||" "$t/out" "$t/err"
done
# a chain within the bound is evaluated, one define inside another, on every unit (the rule
# fails on purpose, so that its message shows the value)
$THIDUA validate --as-of 2025-12-31 -r "$t/chain-200.rules" examples/submission/ready.yaml \
    >"$t/out" 2>&1
echo "validate chain-200: exit $?"
grep -o 'd199 = [0-9]*' "$t/out"
$THIDUA eval --as-of 2025-12-31 -j 2 -f csv -r "$t/chain-200.rules" examples/chau-thanh/ \
    >"$t/out" 2>&1
echo "eval chain-200: exit $?, $(grep -c 'd199 = 200' "$t/out") units with d199 = 200"
$THIDUA validate --as-of 2025-12-31 -r "$t/lets-200.rules" examples/submission/ready.yaml \
    >"$t/out" 2>&1
echo "validate lets-200: exit $?"
grep -o 'a199 = [0-9]*' "$t/out"
