#!/bin/sh
# bench/slurm.sh - `spoolboard run --executor slurm` on a private one-node
# cluster (scripts/slurm-local.sh): the time from a config dropped into
# incoming/ to its job running in Slurm (the trainer's "started" event),
# and what the runner costs per job it watches (its CPU time and that of
# the Slurm commands it runs, per job and second). Says why and prints no
# figures where Slurm cannot run (not root, no slurm-wlm).
# Usage: BUILD=build sh bench/slurm.sh [JOBS]
set -u
BUILD=${BUILD:-build}
n=${1:-8}
src=$(cd "$(dirname "$0")/.." && pwd)
exe=$src/$BUILD/spoolboard
dir=$(mktemp -d)
runner=
cleanup() {
	[ -n "$runner" ] && kill -TERM "$runner" 2>/dev/null && wait "$runner"
	sh "$src/scripts/slurm-local.sh" stop "$dir/c" >/dev/null 2>&1
	rm -rf "$dir"
}
trap cleanup EXIT
cd "$dir" || exit 1
SLURM_LOCAL_CPUS=$n sh "$src/scripts/slurm-local.sh" start "$dir/c" \
	>start.out 2>&1
rc=$?
if [ $rc -ne 0 ]; then
	echo "no Slurm figures: $(head -n 1 start.out)"
	[ $rc -eq 77 ] && exit 0
	exit 1
fi
SLURM_CONF=$dir/c/slurm.conf
export SLURM_CONF
mkdir -p data spool/incoming
python3 -c '
import random
random.seed(1)
with open("data/big.csv", "w") as f:
    f.write("x1,x2,x3,y\n")
    for i in range(2000):
        a, b, c = random.random(), random.random(), random.random()
        f.write("%.4f,%.4f,%.4f,%.4f\n" % (a, b, c, 2 * a - b + 0.5 * c))
for i in range(int(__import__("sys").argv[1])):
    open("job%d.json" % i, "w").write("""{"data": {"path": "data/big.csv",
      "targets": ["y"]}, "model": {"type": "mlp", "hidden": [16]},
      "train": {"epochs": 1000000, "batch_size": 64, "early_stopping": false},
      "threads": 1}""")' "$n"
"$exe" run --executor slurm --spool spool --data-root . --no-render \
	--slots "$n" 2>runner.log &
runner=$!
i=0
while ! grep -q "serving spool" runner.log; do
	i=$((i + 1)); [ $i -gt 200 ] && { echo "the runner did not start"; exit 1; }
	sleep 0.05
done
# drop the configs 0.2 s apart; note when each job's state.json first
# says running (the trainer started on the node), polling every 10 ms
python3 - "$n" >latency <<'EOF'
import json, os, sys, time
n = int(sys.argv[1])
dropped, started = {}, {}
deadline = time.time() + 120
i = 0
while len(started) < n and time.time() < deadline:
    if i < n and (not dropped or time.time() - dropped[i - 1] >= 0.2):
        os.rename("job%d.json" % i, "spool/incoming/job%d.json" % i)
        dropped[i] = time.time()
        i += 1
    for j in dropped:
        if j in started:
            continue
        try:
            st = json.load(open("spool/jobs/job%d/state.json" % j))
        except (OSError, ValueError):
            continue
        if st.get("status") == "running":
            started[j] = time.time()
    time.sleep(0.01)
for j in sorted(started):
    print(started[j] - dropped[j])
EOF
[ "$(wc -l <latency)" -eq "$n" ] || { echo "jobs did not start"; exit 1; }
# the runner's CPU ticks: its own, and its children's (the Slurm commands)
cpu() { awk '{ print $14 + $15 " " $16 + $17 }' "/proc/$runner/stat"; }
c0=$(cpu) t0=$(date +%s.%N)
sleep 10
c1=$(cpu) t1=$(date +%s.%N)
python3 - "$n" $c0 $c1 "$t0" "$t1" <<'EOF'
import os, sys
n, o0, k0, o1, k1, t0, t1 = int(sys.argv[1]), *map(float, sys.argv[2:])
lat = sorted(float(x) for x in open("latency"))
hz = os.sysconf("SC_CLK_TCK")
def per(ticks):
    return ticks / hz / (t1 - t0) / n * 1000
print("config dropped to running in Slurm: median %.2f s, max %.2f s "
      "(%d jobs, 0.2 s apart)" % (lat[len(lat) // 2], lat[-1], n))
print("runner's cost per job watched: %.2f ms of CPU per second: "
      "%.2f the runner, %.2f its squeue calls (%d jobs for %.0f s)" %
      (per(o1 - o0 + k1 - k0), per(o1 - o0), per(k1 - k0), n, t1 - t0))
EOF
