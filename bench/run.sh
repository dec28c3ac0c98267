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
	join -j 2 -o 1.2,1.8,2.8 "$ours" "$theirs" |
	awk '{ printf "%-18s %10.0f %10.0f   %.2fx\n", $1, $2, $3, $2 / $3 }'
else
	echo "PyTorch is not importable ($py): no comparison (Debian: apt-get install python3-torch)"
fi
