# One file of 60,000 tiny documents, generated here: each document's results are handed on
# as it is judged, so memory stays flat (it held about 5 KB per document until the file
# ended: 1.5 GB for 300,000). Run under a 200 MB limit of address space, unless the
# program cannot start under one (sanitizers reserve their shadow memory).
t=$(mktemp -d) || exit 2
trap 'rm -rf "$t"' EXIT
awk 'BEGIN { for (i = 0; i < 60000; i++) printf "unit: {id: U%d}\n---\n", i }' >"$t/tiny.yaml"
limit=200000
sh -c 'ulimit -v "$1" && "$0" --version; exit $?' "$THIDUA" $limit >/dev/null 2>&1 || limit=unlimited
(ulimit -v $limit && exec $THIDUA validate --as-of 2025-12-31 "$t/tiny.yaml") >"$t/out" 2>"$t/err"
echo "validate: exit $?, $(grep -c ': not ready$' "$t/out") units not ready, $(wc -c <"$t/err") bytes on stderr"
tail -n 1 "$t/out" | sed "s|$t/||"
