# 100,000 criteria, generated here: check takes a time linear in the count (the rule ids
# were compared each with every earlier one: over 120 s; now about 1 s of CPU).
t=$(mktemp -d) || exit 2
trap 'rm -rf "$t"' EXIT
base=$(pwd)/rules/ben-tre/province.rules
criteria() { # criteria FILE COUNT
    awk -v n="$2" -v base="$base" 'BEGIN {
        printf "import \"%s\"\n", base
        for (i = 0; i < n; i++)
            printf "criterion plan.c%d \"Tiêu chí %d\" cite \"II.2.2\" on plan error require present(start)\n", i, i
    }' >"$t/$1"
}
criteria criteria-100000.rules 100000
timeout 55 $THIDUA check "$t/criteria-100000.rules" >"$t/out" 2>"$t/err"
echo "check criteria-100000: exit $?"
sed "s|$t/||" "$t/out" "$t/err"
