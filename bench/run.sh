#!/bin/sh
# bench/run.sh - run every benchmark and print its figures. When PyTorch is
# importable, the training workloads also run in PyTorch, with the ratio.
BUILD=${BUILD:-build}
THREADS=${THREADS:-2}
for b in "$BUILD"/bench/bench-*; do
	[ -x "$b" ] || continue
	case $b in *bench-train) continue ;; esac
	echo "== $(basename "$b")"
	"$b"
done

echo "== the runner in Slurm (bench/slurm.sh)"
sh bench/slurm.sh

echo "== training throughput ($THREADS threads)"
ours=$(mktemp) theirs=$(mktemp)
trap 'rm -f "$ours" "$theirs"' EXIT
"$BUILD/bench/bench-train" "$THREADS" | tee "$ours"
# Debian's python3-torch installs for the system interpreter.
py=python3
[ -x /usr/bin/python3 ] && py=/usr/bin/python3
if $py -c 'import torch' 2>/dev/null; then
	echo "== PyTorch $($py -c 'import torch; print(torch.__version__)'), same workloads"
	$py bench/torch_train.py "$THREADS" | tee "$theirs"
	echo "== spoolboard / PyTorch"
	printf '%-18s %12s %12s %8s\n' workload spoolboard pytorch ratio
	awk 'NR == FNR { ours[$2] = $7; next }
	     ($2 in ours) && $7 > 0 {
		printf "%-18s %12.0f %12.0f %7.1fx\n", $2, ours[$2], $7, ours[$2] / $7 }' \
		"$ours" "$theirs"
else
	echo "PyTorch is not importable ($py): no comparison (Debian: apt-get install python3-torch)"
fi
