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

echo "== training throughput (1 and $THREADS threads)"
one=$(mktemp) ours=$(mktemp) fit=$(mktemp) theirs=$(mktemp)
trap 'rm -f "$one" "$ours" "$fit" "$theirs"' EXIT
"$BUILD/bench/bench-train" 1 | tee "$one"
"$BUILD/bench/bench-train" "$THREADS" | tee "$ours"
# as the trainer runs: at most $THREADS threads, one where more do not pay
"$BUILD/bench/bench-train" --fitted "$THREADS" | tee "$fit"
# Debian's python3-torch installs for the system interpreter.
py=python3
[ -x /usr/bin/python3 ] && py=/usr/bin/python3
if $py -c 'import torch' 2>/dev/null; then
	echo "== PyTorch $($py -c 'import torch; print(torch.__version__)'), same workloads, $THREADS threads"
	$py bench/torch_train.py "$THREADS" | tee "$theirs"
else
	echo "PyTorch is not importable ($py): no comparison (Debian: apt-get install python3-torch)"
fi
echo "== training, samples/s: 1 thread, $THREADS fixed, speed-up, $THREADS fitted, speed-up, PyTorch at $THREADS threads, ratio to fitted"
printf '%-18s %10s %10s %8s %10s %8s %10s %8s\n' workload 1-thread \
	"$THREADS-fixed" speed-up "$THREADS-fitted" speed-up pytorch ratio
awk '/^#/ { next }
	FILENAME == ARGV[1] { one[$2] = $7; next }
	FILENAME == ARGV[2] { ours[$2] = $7; order[++n] = $2; next }
	FILENAME == ARGV[3] { fit[$2] = $7; next }
	{ torch[$2] = $7 }
	END {
		for (i = 1; i <= n; i++) {
			w = order[i]
			t = sprintf("%10s %8s", "-", "-")
			if ((w in torch) && torch[w] > 0)
				t = sprintf("%10.0f %7.1fx", torch[w],
				    fit[w] / torch[w])
			up = one[w] > 0 ? ours[w] / one[w] : 0
			fup = one[w] > 0 ? fit[w] / one[w] : 0
			printf "%-18s %10.0f %10.0f %7.2fx %10.0f %7.2fx %s\n",
			    w, one[w], ours[w], up, fit[w], fup, t
		}
	}' "$one" "$ours" "$fit" "$theirs"

# A busy box: a CPU hog on one core beside the trainer. The fitted count
# should make $THREADS threads no slower than 1 (runner/train/threads.h).
echo "== training beside a CPU hog: 1 thread, $THREADS fixed, $THREADS fitted to the free cores"
for w in mlp-32-128-128-1 lstm-8-64-t32 gru-8-64-t32; do
	"$BUILD/bench/bench-train" --hog "$THREADS" "$w"
done
